// The command line against the real kernel: `-j` output compared with `ip -j` (and genl, ss, conntrack),
// tables, errors and exit codes, streams stopped by SIGINT; each under `deno run` and `bun`.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, ipJson, sh, withNetns } from "../helpers/netns.ts";
import { Child, cli, cliChild, cliJson, runtimes } from "./run.ts";

/**
 * veth pair, addresses, routes in two tables, neighbours, rules and
 * nexthops; then waits for the carrier (linkwatch runs up to a second
 * late), so that nothing changes while the CLI and ip are compared.
 * No IPv6 link-local addresses: the kernel would add them at its own pace.
 */
async function setup(ns: string): Promise<void> {
  ipBatch(
    ns,
    `link add cl-a type veth peer name cl-b
link set cl-a addrgenmode none
link set cl-b addrgenmode none
link set cl-a up
link set cl-b up
addr add 10.77.0.1/24 dev cl-a
addr add fd77::1/64 dev cl-a nodad
route add 10.78.0.0/16 via 10.77.0.2
route add 10.79.0.0/24 dev cl-a table 100
route add fd78::/64 via fd77::2
neigh add 10.77.0.2 lladdr 02:00:00:00:00:02 dev cl-a nud permanent
neigh add fd77::2 lladdr 02:00:00:00:00:03 dev cl-a nud permanent
rule add from 10.77.0.0/24 table 100 pref 100
rule add fwmark 0x7 table 100 pref 101
nexthop add id 7 via 10.77.0.2 dev cl-a
nexthop add id 8 blackhole
`,
  );
  for (let i = 0; i < 50; i++) {
    const states = ipJson(ns, "link").filter((l: any) => l.ifname.startsWith("cl-")).map((l: any) => l.operstate);
    if (states.length === 2 && states.every((s: string) => s === "UP")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the veth pair did not come up");
}

const sorted = (xs: string[]) => [...xs].sort();
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };
const tableNumber = (t: string | undefined, shown = 254) => (t === undefined ? shown : TABLES[t] ?? Number(t));

for (const rt of runtimes) {
  test(`${rt}: link, addr, route, neigh, rule, nexthop -j match ip -j in a namespace`, async () => {
    await withNetns(`cl-list-${rt}`, async (ns) => {
      await setup(ns);
      const names = new Map<number, string>(ipJson(ns, "link").map((l: any) => [l.ifindex, l.ifname]));

      const links = cliJson(rt, "-n", ns, "link");
      assert.deepEqual(
        sorted(links.map((l: any) => `${l.index} ${l.name} ${l.mtu} ${l.address} ${l.operstate.toUpperCase()}`)),
        sorted(ipJson(ns, "link").map((l: any) => `${l.ifindex} ${l.ifname} ${l.mtu} ${l.address} ${l.operstate}`)),
      );
      assert.equal(links.length, 3);

      const theirAddrs = (args: string[]) =>
        ipJson(ns, ...args, "addr").flatMap((l: any) =>
          l.addr_info.map((a: any) => `${l.ifname} ${a.family} ${a.local}/${a.prefixlen}`)
        );
      const ourAddrs = (list: any[]) =>
        list.map((a) => `${names.get(a.index)} ${a.family} ${a.local}/${a.prefixLength}`);
      assert.deepEqual(sorted(ourAddrs(cliJson(rt, "-n", ns, "addr"))), sorted(theirAddrs([])));
      assert.deepEqual(sorted(ourAddrs(cliJson(rt, "-n", ns, "addr", "-6"))), sorted(theirAddrs(["-6"])));
      assert.ok(theirAddrs([]).includes("cl-a inet 10.77.0.1/24"));

      const ourRoutes = (list: any[]) =>
        list.map((r) => {
          const full = r.family === "inet" ? 32 : 128;
          const dst = r.dst === undefined ? "default" : r.dstLength === full ? r.dst : `${r.dst}/${r.dstLength}`;
          return `${r.type} ${dst} ${r.gateway ?? "-"} ${r.oif === undefined ? "-" : names.get(r.oif)} ${r.table}`;
        });
      // ip -j omits the table when it is the one asked for (main by default).
      const theirRoutes = (args: string[]) =>
        ipJson(ns, ...args).map((r: any) =>
          `${r.type ?? "unicast"} ${r.dst} ${r.gateway ?? "-"} ${r.dev ?? "-"} ${
            tableNumber(r.table, args.includes("100") ? 100 : 254)
          }`
        );
      for (
        const [ours, theirs] of [
          [["route"], ["route", "show"]],
          [["route", "-6"], ["-6", "route", "show"]],
          [["route", "table", "all"], ["route", "show", "table", "all"]],
          [["route", "-6", "table", "all"], ["-6", "route", "show", "table", "all"]],
          [["route", "show", "table", "100"], ["route", "show", "table", "100"]],
        ]
      ) {
        assert.deepEqual(
          sorted(ourRoutes(cliJson(rt, "-n", ns, ...ours))),
          sorted(theirRoutes(theirs)),
          ours.join(" "),
        );
      }
      assert.ok(ourRoutes(cliJson(rt, "-n", ns, "route")).includes("unicast 10.78.0.0/16 10.77.0.2 cl-a 254"));

      const [got] = cliJson(rt, "-n", ns, "route", "get", "10.78.1.1");
      const [want] = ipJson(ns, "route", "get", "10.78.1.1");
      assert.equal(got.dst, want.dst);
      assert.equal(got.gateway, want.gateway);
      assert.equal(names.get(got.oif), want.dev);
      assert.equal(got.prefsrc, want.prefsrc);

      // Permanent entries only: link-local traffic may add others at any moment.
      const permanent = (xs: string[]) => xs.filter((x) => x.endsWith("PERMANENT"));
      assert.deepEqual(
        sorted(
          permanent(
            cliJson(rt, "-n", ns, "neigh").map((n: any) =>
              `${n.dst} ${names.get(n.index)} ${n.lladdr} ${n.state.join(",")}`
            ),
          ),
        ),
        sorted(permanent(ipJson(ns, "neigh").map((n: any) => `${n.dst} ${n.dev} ${n.lladdr} ${n.state.join(",")}`))),
      );
      assert.equal(permanent(cliJson(rt, "-n", ns, "neigh", "-4").map((n: any) => `${n.dst} ${n.state}`)).length, 1);

      const ourRules = (list: any[]) =>
        list.map((r) =>
          `${r.priority} ${r.src === undefined ? "all" : `${r.src}/${r.srcLength}`} ${r.fwmark ?? "-"} ${r.table}`
        );
      const theirRules = (args: string[]) =>
        ipJson(ns, ...args, "rule").map((r: any) =>
          `${r.priority} ${r.src === "all" ? "all" : `${r.src}/${r.srclen ?? 32}`} ${
            r.fwmark === undefined ? "-" : Number(r.fwmark)
          } ${tableNumber(r.table)}`
        );
      assert.deepEqual(sorted(ourRules(cliJson(rt, "-n", ns, "rule"))), sorted(theirRules([])));
      assert.deepEqual(sorted(ourRules(cliJson(rt, "-n", ns, "rule", "-6"))), sorted(theirRules(["-6"])));

      assert.deepEqual(
        sorted(
          cliJson(rt, "-n", ns, "nexthop").map((n: any) =>
            `${n.id} ${n.gateway ?? "-"} ${n.oif === undefined ? "-" : names.get(n.oif)} ${n.blackhole}`
          ),
        ),
        sorted(
          ipJson(ns, "nexthop").map((n: any) => `${n.id} ${n.gateway ?? "-"} ${n.dev ?? "-"} ${"blackhole" in n}`),
        ),
      );
    });
  }, { timeout: 60_000 });

  test(`${rt}: tables name what ip shows`, async () => {
    await withNetns(`cl-table-${rt}`, async (ns) => {
      await setup(ns);
      const run = (...args: string[]) => {
        const r = cli(rt, "-n", ns, ...args);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "");
        return r.stdout;
      };
      const links = run("link").split("\n");
      assert.match(links[0], /^INDEX\s+NAME\s+STATE\s+MTU/);
      assert.ok(links.some((l) => /^\d+\s+cl-a\s+UP\s+1500\s/.test(l)), links.join("\n"));
      assert.match(run("addr", "dev", "cl-a"), /cl-a\s+inet\s+10\.77\.0\.1\/24\s+global/);
      assert.doesNotMatch(run("addr", "dev", "cl-b"), /10\.77\.0\.1/);
      assert.match(run("route"), /10\.78\.0\.0\/16\s+10\.77\.0\.2\s+cl-a\s+boot/);
      assert.match(run("route", "table", "100"), /10\.79\.0\.0\/24\s+-\s+cl-a/);
      assert.match(run("route", "get", "10.78.1.1"), /10\.78\.1\.1\s+10\.77\.0\.2\s+cl-a/);
      assert.match(run("neigh"), /10\.77\.0\.2\s+cl-a\s+02:00:00:00:00:02\s+PERMANENT/);
      assert.match(run("rule"), /100\s+inet\s+from 10\.77\.0\.0\/24\s+lookup 100/);
      assert.match(run("rule"), /101\s+inet\s+from all fwmark 0x7\s+lookup 100/);
      assert.match(run("nexthop"), /7\s+inet\s+10\.77\.0\.2\s+cl-a/);
      assert.match(run("nexthop"), /8\s+\S+\s+-\s+-\s+-\s+\S+\s+\S+\s+blackhole/);
      assert.match(run("--help"), /^usage: nlts/);
      assert.match(run("route", "--help"), /^usage: nlts route/);
    });
  }, { timeout: 60_000 });

  test(`${rt}: errors are one line on stderr with a non-zero exit (usage errors: 2)`, async () => {
    // deno-lint-ignore require-await
    await withNetns(`cl-err-${rt}`, async (ns) => {
      const oneLine = (r: { stderr: string; stdout: string }, pattern: RegExp) => {
        assert.equal(r.stdout, "");
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], pattern);
      };
      let r = cli(rt, "frobnicate");
      assert.equal(r.status, 2);
      oneLine(r, /^nlts: unknown command "frobnicate"/);
      r = cli(rt, "link", "--frob");
      assert.equal(r.status, 2);
      oneLine(r, /^nlts: unknown option "--frob"/);
      r = cli(rt, "-n");
      assert.equal(r.status, 2);
      r = cli(rt, "monitor", "--for", "soon");
      assert.equal(r.status, 2);
      oneLine(r, /--for needs a positive number/);
      r = cli(rt, "-n", `${ns}-missing`, "link");
      assert.equal(r.status, 1);
      oneLine(r, new RegExp(`^nlts: network namespace "${ns}-missing" not found`));
      r = cli(rt, "-n", ns, "route", "get", "10.1.2");
      assert.equal(r.status, 1);
      oneLine(r, /^nlts: not an IPv4 address: "10\.1\.2"/);
      // No route there in an empty namespace: the kernel's refusal, named.
      r = cli(rt, "-n", ns, "route", "get", "203.0.113.9");
      assert.equal(r.status, 1);
      oneLine(r, /^nlts: RTM_GETROUTE failed with ENETUNREACH/);
      r = cli(rt, "-n", ns, "link", "show", "nosuchdev");
      assert.equal(r.status, 1);
      oneLine(r, /^nlts: RTM_GETLINK failed with ENODEV/);
      r = cli(rt, "-n", ns, "genl", "get", "no-such-family");
      assert.notEqual(r.status, 0);
      oneLine(r, /^nlts: .*ENOENT/);
    });
  }, { timeout: 60_000 });

  test(`${rt}: monitor -j prints an NDJSON event for a link added in the namespace; SIGINT exits 0`, async () => {
    await withNetns(`cl-mon-${rt}`, async (ns) => {
      const child = cliChild(rt, "-n", ns, "monitor", "link", "-j");
      try {
        // The subscription becomes live some time after start: add links until one is seen.
        let seen: string | undefined;
        for (let i = 0; i < 40 && !seen; i++) {
          ip(ns, "link", "add", `cl-m${i}`, "type", "veth", "peer", "name", `cl-p${i}`);
          seen = await child.waitFor((l) => l.includes('"kind":"link"'), 500).catch(() => undefined);
        }
        assert.ok(seen, `no event; stderr: ${child.stderr}`);
        const event = JSON.parse(seen!);
        assert.equal(event.kind, "link");
        assert.equal(event.action, "new");
        assert.match(event.link.name, /^cl-[mp]\d+$/);
        for (const line of child.lines) JSON.parse(line); // every line is JSON
      } finally {
        const { code, signal } = await child.stop();
        assert.equal(signal, null);
        assert.equal(code, 0, child.stderr);
        assert.equal(child.stderr, "");
      }
    });
  }, { timeout: 60_000 });

  test(`${rt}: demo --for 1 lists links and exits 0 by itself`, () => {
    const t0 = Date.now();
    const r = cli(rt, "demo", "--for", "1");
    assert.equal(r.signal, null);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^links:\n {2}INDEX\s+NAME/);
    assert.match(r.stdout, /\n {2}1\s+lo\s/);
    assert.match(r.stdout, /addresses:\n/);
    assert.match(r.stdout, /link events for 1 s:/);
    assert.ok(Date.now() - t0 >= 1000, "it waited for events");
  });
}

// The commands of the other families, once per runtime as well.
for (const rt of runtimes) {
  test(`${rt}: genl -j lists the families genl ctrl list shows`, () => {
    const ours = cliJson(rt, "genl").map((f: any) => `${f.name} ${f.id}`);
    const theirs = [...sh("genl", ["ctrl", "list"]).matchAll(/^Name: (\S+)\n\s+ID: (0x[0-9a-f]+)/gm)]
      .map((m) => `${m[1]} ${Number(m[2])}`);
    assert.ok(theirs.includes("nlctrl 16"));
    assert.deepEqual(sorted(ours), sorted(theirs));
  });

  test(`${rt}: ss -tl -j shows a TCP listener of the namespace, as ss does`, async () => {
    await withNetns(`cl-ss-${rt}`, async (ns) => {
      const listener = new Child("ip", [
        "netns",
        "exec",
        ns,
        "deno",
        "eval",
        "const l = Deno.listen({ hostname: '127.0.0.1', port: 7411 }); console.log('up'); await l.accept();",
      ]);
      try {
        await listener.waitFor((l) => l === "up");
        const ours = cliJson(rt, "-n", ns, "ss", "-tl").map((s: any) => `${s.netid} ${s.state} ${s.src}:${s.srcPort}`);
        assert.deepEqual(ours, ["tcp LISTEN 127.0.0.1:7411"]);
        const theirs = sh("ip", ["netns", "exec", ns, "ss", "-tlnH"]).trim().split("\n").map((l) => l.split(/\s+/)[3]);
        assert.deepEqual(theirs, ["127.0.0.1:7411"]);
        assert.deepEqual(cliJson(rt, "-n", ns, "ss", "-t"), [], "no connected TCP socket");
        const table = cli(rt, "-n", ns, "ss", "-tl").stdout;
        assert.match(
          table,
          /^NETID\s+STATE\s+RECV-Q\s+SEND-Q\s+LOCAL\s+PEER\ntcp\s+LISTEN\s+0\s+\d+\s+127\.0\.0\.1:7411\s+0\.0\.0\.0:\*/,
        );
      } finally {
        listener.kill("SIGKILL");
        await listener.exited;
      }
    });
  }, { timeout: 60_000 });

  test(`${rt}: conntrack -j lists an inserted entry; conntrack -E -j streams a creation and its deletion`, async () => {
    await withNetns(`cl-ct-${rt}`, async (ns) => {
      const ct = (...args: string[]) => sh("ip", ["netns", "exec", ns, "conntrack", ...args]);
      ct("-I", "-p", "udp", "-s", "10.1.1.1", "-d", "10.2.2.2", "--sport", "1000", "--dport", "53", "-t", "100");
      const list = cliJson(rt, "-n", ns, "conntrack");
      assert.equal(list.length, 1);
      const [e] = list;
      assert.deepEqual(
        [e.family, e.orig.protocolName, e.orig.src, e.orig.dst, e.orig.srcPort, e.orig.dstPort],
        ["inet", "udp", "10.1.1.1", "10.2.2.2", 1000, 53],
      );
      assert.deepEqual([e.reply.src, e.reply.srcPort], ["10.2.2.2", 53]);
      assert.ok(e.timeout > 90 && e.timeout <= 100, `timeout ${e.timeout}`);
      assert.deepEqual(cliJson(rt, "-n", ns, "conntrack", "-p", "tcp"), []);
      assert.match(
        cli(rt, "-n", ns, "conntrack").stdout,
        /inet\s+udp\s+-\s+\d+\s+src=10\.1\.1\.1 dst=10\.2\.2\.2 sport=1000 dport=53/,
      );

      const child = cliChild(rt, "-n", ns, "conntrack", "-E", "-j");
      try {
        let seen: string | undefined;
        for (let i = 0; i < 40 && !seen; i++) {
          ct(
            "-I",
            "-p",
            "udp",
            "-s",
            "10.1.1.1",
            "-d",
            "10.2.2.2",
            "--sport",
            String(2000 + i),
            "--dport",
            "53",
            "-t",
            "50",
          );
          seen = await child.waitFor((l) => l.includes('"type":"new"'), 500).catch(() => undefined);
        }
        assert.ok(seen, `no event; stderr: ${child.stderr}`);
        const ev = JSON.parse(seen!);
        assert.equal(ev.entry.orig.dstPort, 53);
        // Only entries created while someone listens carry the event extension,
        // so delete the one whose creation was seen.
        const from = child.lines.length;
        ct("-D", "-p", "udp", "--sport", String(ev.entry.orig.srcPort));
        const destroyed = JSON.parse(await child.waitFor((l) => l.includes('"type":"destroy"'), 5000, from));
        assert.equal(destroyed.entry.orig.srcPort, ev.entry.orig.srcPort);
        assert.equal(destroyed.entry.id, ev.entry.id);
      } finally {
        const { code } = await child.stop();
        assert.equal(code, 0, child.stderr);
      }
    });
  }, { timeout: 60_000 });

  test(`${rt}: uevent -j streams the add events of links created in the namespace`, async () => {
    await withNetns(`cl-ue-${rt}`, async (ns) => {
      const child = cliChild(rt, "-n", ns, "uevent", "--subsystem", "net", "-j");
      try {
        let seen: string | undefined;
        for (let i = 0; i < 40 && !seen; i++) {
          ip(ns, "link", "add", `cl-u${i}`, "type", "veth", "peer", "name", `cl-v${i}`);
          seen = await child.waitFor((l) => l.includes('"action":"add"'), 500).catch(() => undefined);
        }
        assert.ok(seen, `no uevent; stderr: ${child.stderr}`);
        const ev = JSON.parse(seen!);
        assert.equal(ev.subsystem, "net");
        assert.match(ev.interface, /^cl-[uv]\d+$/);
        const index = ipJson(ns, "link", "show", ev.interface)[0].ifindex;
        assert.equal(ev.ifindex, index);
      } finally {
        const { code } = await child.stop();
        assert.equal(code, 0, child.stderr);
      }
    });
  }, { timeout: 60_000 });
}
