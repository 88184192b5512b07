// `nlts tc` against the real kernel in private namespaces, under each runtime: qdisc and class writes in tc's
// words read back with tc -j / tc -d, listings compared with tc -j, and usage mistakes exit 2.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, sh, withNetns } from "../helpers/netns.ts";
import { cli, runtimes } from "./run.ts";

const tcJson = (ns: string, ...args: string[]): any[] => {
  const out = sh("tc", ["-n", ns, "-j", ...args]).trim();
  return out ? JSON.parse(out) : [];
};

for (const rt of runtimes) {
  test(`${rt}: tc qdisc/class/filter add, show -j and del in tc's words`, async () => {
    await withNetns(`tc-cli-${rt}`, (ns) => {
      ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
      const run = (...args: string[]) => {
        const r = cli(rt, "-n", ns, "tc", ...args);
        assert.equal(r.stderr, "", args.join(" "));
        assert.equal(r.status, 0, args.join(" "));
        return r.stdout;
      };
      assert.equal(run("qdisc", "add", "dev", "v0", "root", "handle", "1:", "htb", "default", "10"), "");
      run("class", "add", "dev", "v0", "parent", "1:", "classid", "1:10", "htb", "rate", "10mbit", "ceil", "20mbit");
      run("qdisc", "add", "dev", "v1", "root", "tbf", "rate", "1mbit", "burst", "32kb", "latency", "400ms");
      run("qdisc", "add", "dev", "v1", "ingress");
      const [htb] = tcJson(ns, "qdisc", "show", "dev", "v0");
      assert.deepEqual([htb.kind, htb.handle, htb.options.default], ["htb", "1:", "0x10"]);
      const classText = sh("tc", ["-n", ns, "class", "show", "dev", "v0"]);
      assert.match(classText, /class htb 1:10 root prio 0 rate 10Mbit ceil 20Mbit burst 1600b cburst 1600b/);
      const ours = JSON.parse(run("qdisc", "show", "-j"));
      const theirs = tcJson(ns, "qdisc", "show");
      assert.deepEqual(
        ours.map((q: any) => [q.kind, q.handle, q.dev, q.parent]).sort(),
        theirs.map((q: any) => [q.kind, q.handle, q.dev, q.root ? "root" : q.parent]).sort(),
      );
      const tbf = ours.find((q: any) => q.kind === "tbf");
      const theirTbf = theirs.find((q: any) => q.kind === "tbf");
      assert.deepEqual([tbf.options.rate, tbf.options.burst, tbf.options.latency], [
        theirTbf.options.rate,
        theirTbf.options.burst,
        theirTbf.options.lat,
      ]);
      const [c] = JSON.parse(run("class", "show", "dev", "v0", "-j"));
      assert.deepEqual([c.kind, c.handle, c.parent, c.options.rate, c.options.ceil], [
        "htb",
        "1:10",
        "root",
        1250000,
        2500000,
      ]);
      assert.match(run("qdisc", "show", "dev", "v1", "-s"), /tbf .* rate 1Mbit burst 32Kb.*Sent 0 bytes/);
      // u32 filters in tc's words: the same keys tc would have built (sport and dport share one word).
      const u32Filter = (prio: number) =>
        `filter add dev v0 parent 1: protocol ip prio ${prio} u32 match ip dst 10.1.0.0/16 ` +
        "match ip sport 1024 0xffff match ip dport 80 0xffff match ip protocol 6 0xff flowid 1:10";
      run(...u32Filter(5).split(" "));
      sh("tc", ["-n", ns, ...u32Filter(6).split(" ")]);
      const keysOf = (pref: number) =>
        JSON.stringify(
          sh("tc", ["-n", ns, "filter", "show", "dev", "v0", "pref", String(pref)]).split("\n").filter((l) =>
            l.trim().startsWith("match")
          ),
        );
      assert.equal(keysOf(5), keysOf(6));
      assert.match(keysOf(5), /match 04000050\/ffffffff at 20/); // pack_key merged sport and dport
      run(
        "filter",
        "add",
        "dev",
        "v1",
        "parent",
        "ffff:",
        "protocol",
        "all",
        "u32",
        "match",
        "u32",
        "0",
        "0",
        "at",
        "0",
        "action",
        "mirred",
        "egress",
        "mirror",
        "dev",
        "v0",
      );
      const [, , mirror] = tcJson(ns, "filter", "show", "dev", "v1", "parent", "ffff:");
      assert.deepEqual([mirror.options.actions[0].mirred_action, mirror.options.actions[0].to_dev], ["mirror", "v0"]);
      const filters = JSON.parse(run("filter", "show", "dev", "v0", "-j"));
      assert.deepEqual(
        filters.filter((f: any) => f.handle === "800::800").map((f: any) => [f.priority, f.options.classid]),
        [[5, "1:10"]],
      );
      run("filter", "del", "dev", "v0", "parent", "1:", "prio", "5");
      run("filter", "del", "dev", "v0", "parent", "1:", "prio", "6");
      assert.deepEqual(tcJson(ns, "filter", "show", "dev", "v0"), []);
      run("class", "del", "dev", "v0", "classid", "1:10");
      run("qdisc", "del", "dev", "v1", "ingress");
      run("qdisc", "del", "dev", "v0", "root");
      assert.deepEqual(tcJson(ns, "qdisc", "show", "dev", "v0"), []);
      assert.deepEqual(tcJson(ns, "qdisc", "show", "dev", "v1").map((q) => q.kind), ["tbf"]);
      const badMatch = cli(
        rt,
        "-n",
        ns,
        "tc",
        "filter",
        "add",
        "dev",
        "v0",
        "parent",
        "1:",
        "u32",
        "match",
        "ip",
        "dst",
        "10.0.0.300",
      );
      assert.equal(badMatch.status, 2, badMatch.stderr);
      const bad = cli(
        rt,
        "-n",
        ns,
        "tc",
        "class",
        "add",
        "dev",
        "v0",
        "parent",
        "1:",
        "classid",
        "1:10",
        "htb",
        "rate",
        "10furlongs",
      );
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /^nlts: .*unknown rate unit "furlongs"/);
      const refused = cli(rt, "-n", ns, "tc", "qdisc", "del", "dev", "v0", "root");
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /^nlts: RTM_DELQDISC failed with/);
    });
  });

  test(`${rt}: tc chain add, show -j and del; tc filter get -j, as tc -j has them`, async () => {
    await withNetns(`tcw-cli-${rt}`, (ns) => {
      ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
      sh("tc", ["-n", ns, "qdisc", "add", "dev", "v0", "ingress"]);
      sh("tc", [
        "-n",
        ns,
        ..."filter add dev v0 ingress protocol ip prio 2 chain 4 u32 match ip dst 10.0.0.9/32".split(" "),
      ]);
      const run = (line: string) => {
        const r = cli(rt, "-n", ns, "tc", ...line.split(" "));
        assert.equal(r.stderr, "", line);
        assert.equal(r.status, 0, line);
        return r.stdout;
      };
      run("chain add dev v0 ingress chain 6");
      const chains = JSON.parse(run("chain show dev v0 ingress -j"));
      assert.deepEqual(
        chains.map((c: any) => ({ parent: c.parent, chain: c.chain })),
        tcJson(ns, "chain", "show", "dev", "v0", "ingress"),
      );
      assert.deepEqual(chains.map((c: any) => c.dev), ["v0", "v0"]);
      const [ours] = JSON.parse(run("filter get dev v0 ingress protocol ip pref 2 handle 800::800 chain 4 u32 -j"));
      const [theirs] = tcJson(
        ns,
        ..."filter get dev v0 ingress protocol ip pref 2 handle 800::800 chain 4 u32".split(" "),
      );
      assert.deepEqual([ours.kind, ours.handle, ours.protocol, ours.priority, ours.chain], [
        theirs.kind,
        theirs.options.fh,
        theirs.protocol,
        theirs.pref,
        theirs.chain,
      ]);
      run("chain del dev v0 ingress chain 6");
      assert.deepEqual(tcJson(ns, "chain", "show", "dev", "v0", "ingress").map((c) => c.chain), [4]);
      const missing = cli(
        rt,
        "-n",
        ns,
        "tc",
        ..."filter get dev v0 ingress protocol ip pref 2 handle 800::801 chain 4 u32".split(" "),
      );
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /^nlts: RTM_GETTFILTER failed with ENOENT: Specified filter handle not found/);
      const usage = cli(rt, "-n", ns, "tc", "chain", "add", "dev", "v0", "chain", "6");
      assert.equal(usage.status, 2);
    });
  });
}
