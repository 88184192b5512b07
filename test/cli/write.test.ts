// The writing commands of the command line (link add|set|del, addr add|del, route add|replace|append|del,
// neigh add|replace|del, rule add|del) against the real kernel, in private namespaces, under `deno run`
// and `bun`: each change is checked with `ip -j`; errors are one line with the right exit status.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipJson, withNetns } from "../helpers/netns.ts";
import { cli, runtimes } from "./run.ts";

const one = (xs: any[], what: string) => {
  assert.equal(xs.length, 1, `${what}: ${JSON.stringify(xs)}`);
  return xs[0];
};

async function waitForCarrier(ns: string, dev: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (ipJson(ns, "link", "show", dev)[0].operstate === "UP") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${dev} did not come up`);
}

for (const rt of runtimes) {
  test(`${rt}: link, addr, route, neigh and rule writes print nothing and show up in ip -j`, async () => {
    await withNetns(`clw-${rt}`, async (ns) => {
      await withNetns(`clw-other-${rt}`, async (other) => {
        /** Runs a write: exit 0, nothing on stdout or stderr. */
        const run = (...args: string[]) => {
          const r = cli(rt, "-n", ns, ...args);
          assert.equal(r.stderr, "", args.join(" "));
          assert.equal(r.status, 0, args.join(" "));
          assert.equal(r.stdout, "", args.join(" "));
        };
        const link = (dev: string) => one(ipJson(ns, "-d", "link", "show", dev), dev);

        // link add: veth, bridge, vxlan, ifb
        run("link", "add", "w-a", "type", "veth", "peer", "name", "w-b");
        assert.equal(link("w-a").linkinfo.info_kind, "veth");
        assert.equal(link("w-b").linkinfo.info_kind, "veth");
        run("link", "add", "w-br", "type", "bridge");
        assert.equal(link("w-br").linkinfo.info_kind, "bridge");
        run(
          "link",
          "add",
          "w-vx",
          "type",
          "vxlan",
          "id",
          "42",
          "dstport",
          "4789",
          "local",
          "10.88.0.1",
          "remote",
          "10.88.0.2",
          "dev",
          "w-a",
        );
        const vx = link("w-vx").linkinfo;
        assert.equal(vx.info_kind, "vxlan");
        assert.deepEqual([
          vx.info_data.id,
          vx.info_data.port,
          vx.info_data.local,
          vx.info_data.remote,
          vx.info_data.link,
        ], [42, 4789, "10.88.0.1", "10.88.0.2", "w-a"]);
        run("link", "add", "name", "w-ifb", "type", "ifb");
        assert.equal(link("w-ifb").linkinfo.info_kind, "ifb");

        // link set: up, mtu, master, address, name; nomaster; netns; link del
        run("link", "set", "w-a", "up", "mtu", "1400", "master", "w-br");
        let a = link("w-a");
        assert.equal(a.mtu, 1400);
        assert.equal(a.master, "w-br");
        assert.ok(a.flags.includes("UP"));
        run("link", "set", "dev", "w-b", "up", "address", "02:00:00:00:88:02", "name", "w-c");
        const c = link("w-c");
        assert.equal(c.address, "02:00:00:00:88:02");
        assert.ok(c.flags.includes("UP"));
        assert.equal(ipJson(ns, "link").filter((l: any) => l.ifname === "w-b").length, 0);
        run("link", "set", "w-br", "up");
        run("link", "set", "w-a", "nomaster", "down");
        a = link("w-a");
        assert.equal(a.master, undefined);
        assert.ok(!a.flags.includes("UP"));
        run("link", "set", "w-a", "up");
        run("link", "set", "w-ifb", "netns", other);
        assert.equal(ipJson(ns, "link").filter((l: any) => l.ifname === "w-ifb").length, 0);
        assert.equal(one(ipJson(other, "link", "show", "w-ifb"), "moved").ifname, "w-ifb");
        run("link", "del", "w-vx");
        assert.equal(ipJson(ns, "link").filter((l: any) => l.ifname === "w-vx").length, 0);
        await waitForCarrier(ns, "w-c");

        // addr add|del
        run(
          "addr",
          "add",
          "10.88.0.1/24",
          "dev",
          "w-c",
          "label",
          "w-c:x",
          "broadcast",
          "+",
          "valid_lft",
          "3600",
          "preferred_lft",
          "1800",
        );
        const addrs = () => one(ipJson(ns, "addr", "show", "dev", "w-c"), "w-c").addr_info;
        const v4 = one(addrs().filter((x: any) => x.local === "10.88.0.1"), "10.88.0.1");
        assert.deepEqual([v4.prefixlen, v4.broadcast, v4.label], [24, "10.88.0.255", "w-c:x"]);
        assert.ok(v4.valid_life_time > 3500 && v4.valid_life_time <= 3600, `valid ${v4.valid_life_time}`);
        assert.ok(v4.preferred_life_time > 1700 && v4.preferred_life_time <= 1800);
        run("addr", "add", "10.88.1.1/24", "dev", "w-c");
        run("addr", "add", "fd88::1/64", "dev", "w-c", "nodad");
        const v6 = one(addrs().filter((x: any) => x.local === "fd88::1"), "fd88::1");
        assert.deepEqual([v6.family, v6.prefixlen], ["inet6", 64]);
        run("addr", "del", "10.88.1.1/24", "dev", "w-c");
        assert.equal(addrs().filter((x: any) => x.local === "10.88.1.1").length, 0);

        // route add|replace|append|del, tables, types, IPv6
        run("route", "add", "10.89.0.0/16", "via", "10.88.0.2", "metric", "10", "proto", "static", "mtu", "1300");
        let r = one(ipJson(ns, "route", "show", "10.89.0.0/16"), "10.89/16");
        assert.deepEqual([r.gateway, r.dev, r.protocol, r.metric], ["10.88.0.2", "w-c", "static", 10]);
        assert.deepEqual(r.metrics, [{ mtu: 1300 }]);
        run("route", "replace", "10.89.0.0/16", "via", "10.88.0.3", "metric", "10");
        r = one(ipJson(ns, "route", "show", "10.89.0.0/16"), "replaced");
        assert.equal(r.gateway, "10.88.0.3");
        run("route", "append", "10.89.0.0/16", "via", "10.88.0.4", "metric", "10");
        assert.deepEqual(ipJson(ns, "route", "show", "10.89.0.0/16").map((x: any) => x.gateway).sort(), [
          "10.88.0.3",
          "10.88.0.4",
        ]);
        run("route", "del", "10.89.0.0/16", "via", "10.88.0.4", "metric", "10");
        assert.deepEqual(ipJson(ns, "route", "show", "10.89.0.0/16").map((x: any) => x.gateway), ["10.88.0.3"]);
        run("route", "add", "10.90.0.0/24", "dev", "w-c", "table", "100", "src", "10.88.0.1", "scope", "link");
        r = one(ipJson(ns, "route", "show", "table", "100", "10.90.0.0/24"), "table 100");
        assert.deepEqual([r.dev, r.prefsrc, r.scope], ["w-c", "10.88.0.1", "link"]);
        assert.equal(ipJson(ns, "route", "show", "10.90.0.0/24").length, 0, "not in main");
        run("route", "add", "blackhole", "10.91.0.0/16");
        r = one(ipJson(ns, "route", "show", "10.91.0.0/16"), "blackhole");
        assert.equal(r.type, "blackhole");
        run("route", "add", "unreachable", "10.92.0.0/16", "table", "100");
        assert.equal(
          one(ipJson(ns, "route", "show", "table", "100", "10.92.0.0/16"), "unreachable").type,
          "unreachable",
        );
        run("route", "add", "prohibit", "10.93.0.0/16", "table", "200");
        assert.equal(one(ipJson(ns, "route", "show", "table", "200"), "prohibit").type, "prohibit");
        run("route", "del", "blackhole", "10.91.0.0/16");
        assert.equal(ipJson(ns, "route", "show", "10.91.0.0/16").length, 0);
        run("route", "del", "10.90.0.0/24", "table", "100");
        assert.equal(ipJson(ns, "route", "show", "table", "100", "10.90.0.0/24").length, 0);
        run("-6", "route", "add", "default", "via", "fd88::2");
        r = one(ipJson(ns, "-6", "route", "show", "default"), "v6 default");
        assert.deepEqual([r.gateway, r.dev], ["fd88::2", "w-c"]);
        run("route", "add", "-6", "fd89::/64", "via", "fd88::2", "table", "100", "metric", "5");
        r = one(ipJson(ns, "-6", "route", "show", "table", "100", "fd89::/64"), "v6 table 100");
        assert.deepEqual([r.gateway, r.metric], ["fd88::2", 5]);
        run("route", "add", "-6", "blackhole", "fd90::/64");
        assert.equal(one(ipJson(ns, "-6", "route", "show", "fd90::/64"), "v6 blackhole").type, "blackhole");
        run("-6", "route", "del", "default");
        assert.equal(ipJson(ns, "-6", "route", "show", "default").length, 0);

        // neigh add|replace|del
        run("neigh", "add", "10.88.0.9", "lladdr", "02:00:00:00:00:09", "dev", "w-c");
        const neigh = (dst: string) => ipJson(ns, "neigh", "show", dst, "dev", "w-c", "nud", "all");
        let n = one(neigh("10.88.0.9"), "neigh");
        assert.deepEqual([n.lladdr, n.state], ["02:00:00:00:00:09", ["PERMANENT"]]);
        run("neigh", "replace", "10.88.0.9", "lladdr", "02:00:00:00:00:19", "dev", "w-c", "nud", "stale");
        n = one(neigh("10.88.0.9"), "replaced neigh");
        assert.deepEqual([n.lladdr, n.state], ["02:00:00:00:00:19", ["STALE"]]);
        run("neigh", "add", "fd88::9", "lladdr", "02:00:00:00:00:0a", "dev", "w-c", "nud", "permanent");
        n = one(neigh("fd88::9"), "v6 neigh");
        assert.deepEqual([n.lladdr, n.state], ["02:00:00:00:00:0a", ["PERMANENT"]]);
        run("neigh", "add", "10.88.0.10", "lladdr", "02:00:00:00:00:10", "dev", "w-c", "nud", "noarp");
        assert.deepEqual(one(neigh("10.88.0.10"), "noarp").state, ["NOARP"]);
        run("neigh", "del", "10.88.0.9", "dev", "w-c");
        assert.equal(neigh("10.88.0.9").length, 0);

        // rule add|del, IPv4 and IPv6
        run("rule", "add", "from", "10.88.0.0/24", "table", "100", "priority", "100");
        run("rule", "add", "fwmark", "0x7/0xff", "lookup", "100", "pref", "101");
        run("rule", "add", "iif", "w-c", "oif", "w-a", "to", "10.94.0.0/16", "priority", "102", "table", "200");
        run("rule", "add", "-6", "from", "fd88::/64", "table", "100", "priority", "103");
        const rules = (fam: string[] = []) =>
          ipJson(ns, ...fam, "rule").filter((x: any) => x.priority >= 100 && x.priority < 200);
        assert.deepEqual(
          rules().map((x: any) =>
            `${x.priority} ${x.src}${x.srclen ? `/${x.srclen}` : ""} ${x.dst ?? "-"} ${
              x.fwmark === undefined ? "-" : `${x.fwmark}${x.fwmask ? `/${x.fwmask}` : ""}`
            } ${x.iif ?? "-"} ${x.oif ?? "-"} ${x.table}`
          ),
          ["100 10.88.0.0/24 - - - - 100", "101 all - 0x7/0xff - - 100", "102 all 10.94.0.0 - w-c w-a 200"],
        );
        assert.equal(rules()[2].dstlen, 16);
        assert.deepEqual(rules(["-6"]).map((x: any) => `${x.priority} ${x.src}/${x.srclen} ${x.table}`), [
          "103 fd88::/64 100",
        ]);
        run("rule", "del", "priority", "101");
        run("rule", "del", "-6", "from", "fd88::/64", "table", "100");
        assert.deepEqual(rules().map((x: any) => x.priority), [100, 102]);
        assert.deepEqual(rules(["-6"]), []);
      });
    });
  }, { timeout: 120_000 });

  test(`${rt}: write errors are one line: the kernel's refusal (1), bad device or prefix (1), usage (2)`, async () => {
    // deno-lint-ignore require-await
    await withNetns(`clw-err-${rt}`, async (ns) => {
      const fails = (status: number, pattern: RegExp, ...args: string[]) => {
        const r = cli(rt, "-n", ns, ...args);
        assert.equal(r.stdout, "", args.join(" "));
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], pattern, args.join(" "));
        assert.equal(r.status, status, `${args.join(" ")}: ${r.stderr}`);
      };
      const ok = (...args: string[]) => {
        const r = cli(rt, "-n", ns, ...args);
        assert.equal(r.status, 0, r.stderr);
      };
      ok("link", "add", "w-e", "type", "veth", "peer", "name", "w-f");
      ok("link", "set", "w-e", "up");
      ok("addr", "add", "10.87.0.1/24", "dev", "w-e");
      ok("route", "add", "10.86.0.0/16", "via", "10.87.0.2");

      // The kernel's refusals, with the errno's text or the ext-ACK message.
      fails(
        1,
        /^nlts: RTM_NEWROUTE failed with EEXIST: File exists$/,
        "route",
        "add",
        "10.86.0.0/16",
        "via",
        "10.87.0.2",
      );
      fails(1, /^nlts: RTM_NEWLINK failed with EEXIST: File exists$/, "link", "add", "w-e", "type", "bridge");
      fails(
        1,
        /^nlts: RTM_NEWADDR failed with EEXIST: ipv4: Address already assigned$/,
        "addr",
        "add",
        "10.87.0.1/24",
        "dev",
        "w-e",
      );
      fails(
        1,
        /^nlts: RTM_NEWROUTE failed with ENETUNREACH: Nexthop has invalid gateway$/,
        "route",
        "add",
        "10.85.0.0/16",
        "via",
        "10.99.0.1",
      );
      fails(1, /^nlts: RTM_DELROUTE failed with ESRCH: No such process$/, "route", "del", "10.84.0.0/16");
      ok("rule", "add", "priority", "5", "lookup", "5");
      fails(1, /^nlts: RTM_NEWRULE failed with EEXIST: File exists$/, "rule", "add", "priority", "5", "lookup", "5");
      // Unknown devices.
      fails(1, /^nlts: cannot find device "nosuch"/, "route", "add", "10.85.0.0/16", "dev", "nosuch");
      fails(1, /^nlts: cannot find device "nosuch"/, "link", "set", "nosuch", "up");
      fails(1, /^nlts: cannot find device "nosuch"/, "link", "del", "nosuch");
      fails(1, /^nlts: cannot find device "nosuch"/, "addr", "add", "10.1.0.1/24", "dev", "nosuch");
      fails(
        1,
        /^nlts: cannot find device "nosuch"/,
        "neigh",
        "add",
        "10.87.0.9",
        "lladdr",
        "02:00:00:00:00:09",
        "dev",
        "nosuch",
      );
      // Bad prefixes and addresses.
      fails(1, /^nlts: prefix length 33 is out of range 0\.\.32/, "addr", "add", "10.1.0.1/33", "dev", "w-e");
      fails(1, /^nlts: prefix length 129 is out of range/, "route", "add", "fd00::/129", "dev", "w-e");
      fails(1, /^nlts: .*10\.1\.2/, "route", "add", "10.1.2/24", "dev", "w-e");
      fails(1, /^nlts: .*inet6/, "route", "add", "-6", "10.83.0.0/16", "dev", "w-e");
      // Usage mistakes: exit 2 with a hint.
      fails(
        2,
        /^nlts: route add: unexpected "frob" \(nlts route --help\)$/,
        "route",
        "add",
        "10.85.0.0/16",
        "dev",
        "w-e",
        "frob",
      );
      fails(2, /^nlts: route add: needs a destination/, "route", "add");
      fails(
        2,
        /^nlts: route add: metric must be a whole number/,
        "route",
        "add",
        "10.85.0.0/16",
        "dev",
        "w-e",
        "metric",
        "x",
      );
      fails(2, /^nlts: route add: table needs a value/, "route", "add", "10.85.0.0/16", "table");
      fails(2, /^nlts: link add: needs type/, "link", "add", "w-g");
      fails(2, /^nlts: link add: type must be one of/, "link", "add", "w-g", "type", "frob");
      fails(2, /^nlts: link add: a vxlan needs id VNI/, "link", "add", "w-g", "type", "vxlan");
      fails(2, /^nlts: link set: nothing to change/, "link", "set", "w-e");
      fails(2, /^nlts: addr add: needs dev DEV/, "addr", "add", "10.1.0.1/24");
      fails(
        2,
        /^nlts: addr add: valid_lft must be a whole number/,
        "addr",
        "add",
        "10.1.0.1/24",
        "dev",
        "w-e",
        "valid_lft",
        "soon",
      );
      fails(2, /^nlts: neigh add: nud must be one of/, "neigh", "add", "10.87.0.9", "dev", "w-e", "nud", "frob");
      fails(2, /^nlts: rule add: fwmark must be a whole number/, "rule", "add", "fwmark", "x", "table", "100");
      fails(2, /^nlts: rule add: unexpected "frob"/, "rule", "add", "frob");
      fails(2, /^nlts: -4 and -6 exclude each other/, "route", "add", "-4", "-6", "default", "dev", "w-e");
      // Nothing changed by the failures.
      assert.deepEqual(ipJson(ns, "route").map((x: any) => x.dst).sort(), ["10.86.0.0/16", "10.87.0.0/24"]);
      assert.deepEqual(ipJson(ns, "link").map((x: any) => x.ifname).sort(), ["lo", "w-e", "w-f"]);
    });
  }, { timeout: 120_000 });

  test(`${rt}: --help of the writing commands names their verbs`, () => {
    for (
      const [command, pattern] of [
        ["link", /link add .*type veth[\s\S]*link set .*nomaster[\s\S]*link del/],
        ["addr", /addr add\|replace\|del ADDR\[\/LEN\] dev DEV/],
        ["route", /route add\|replace\|append\|del/],
        ["neigh", /neigh add\|replace\|del ADDR \[lladdr MAC\] dev DEV \[nud permanent/],
        ["rule", /rule add\|del .*\[fwmark N\[\/MASK\]\]/],
      ] as const
    ) {
      const r = cli(rt, command, "--help");
      assert.equal(r.status, 0);
      assert.match(r.stdout, pattern, command);
    }
    assert.match(cli(rt, "--help").stdout, /route\s+routes .*add, replace, append, del/);
  });
}
