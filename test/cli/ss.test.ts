// `nlts ss` with ss's flags, compared with ss itself in a namespace: bundled flags (-tulnp), -N NAME,
// -p from /proc/*/fd, state and port filters; the filter parser on its own.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Child, cli, cliJson, runtimes } from "./run.ts";
import { parseSsFilter, type SsItem } from "../../src/cli/ss.ts";

// A TCP listener on 7411 with one accepted connection, and a UDP socket on [::1]:5353, held by one node process.
const HOLDER = `
const net = require("node:net"), dgram = require("node:dgram");
const l = net.createServer(() => {}).listen(7411, "127.0.0.1", () => {
  const u = dgram.createSocket("udp6"); u.bind(5353, "::1", () => {
    const c = net.connect(7411, "127.0.0.1", () => console.log("up"));
  });
});`;

// Listeners on every kind of wildcard (IPv4, IPv6 taking IPv4 too, IPv6 only; TCP and UDP), and two connections.
const WILDCARDS = `
const net = require("node:net"), dgram = require("node:dgram");
net.createServer().listen(7421, "0.0.0.0");
net.createServer().listen({ port: 7422, host: "::" });
net.createServer().listen({ port: 7423, host: "::", ipv6Only: true });
dgram.createSocket("udp4").bind(5354, "0.0.0.0");
dgram.createSocket({ type: "udp6" }).bind(5355, "::");
dgram.createSocket({ type: "udp6", ipv6Only: true }).bind(5356, "::");
net.createServer().listen(7411, "127.0.0.1", () => {
  net.connect(7411, "127.0.0.1", () => net.connect({ port: 7422, host: "::1" }, () => console.log("up")));
});`;

const sorted = (xs: string[]) => [...xs].sort();

/**
 * ss -H output as "[netid] [state] local peer pid": ss prints no netid when one kind is shown and no
 * state when one state is asked for; the words before Recv-Q are kept as they are.
 */
function theirs(ns: string, args: string[]): string[] {
  const text = sh("ip", ["netns", "exec", ns, "ss", "-H", ...args]).trim();
  if (text === "") return [];
  return text.split("\n").map((line) => {
    const w = line.trim().split(/\s+/);
    const k = w.findIndex((x) => /^\d+$/.test(x));
    const [local, peer, users] = w.slice(k + 2);
    const pid = /pid=(\d+)/.exec(users ?? "")?.[1] ?? "-";
    return [...w.slice(0, k), local, peer.replace(/^(0\.0\.0\.0|\[::\]|\*):\*$/, "*:*"), pid].join(" ");
  });
}

/** Our sockets in the same words; `shown` says which of netid and state ss printed. */
function ours(list: SsItem[], shown: { netid: boolean; state: boolean }): string[] {
  return list.map((s) => {
    const i = s as SsItem & { src: string; srcPort: number; dst: string; dstPort: number };
    const host = (a: string) => (a.includes(":") ? `[${a}]` : a);
    const peer = i.dstPort === 0 ? "*:*" : `${host(i.dst)}:${i.dstPort}`;
    const pre = [...(shown.netid ? [s.netid] : []), ...(shown.state ? [String(s.state)] : [])];
    return [...pre, `${host(i.src)}:${i.srcPort}`, peer, `${s.processes?.[0]?.pid ?? "-"}`].join(" ");
  });
}
const BOTH = { netid: true, state: true };
const STATE_ONLY = { netid: false, state: true };
const NEITHER = { netid: false, state: false };

test("ss filter: states, exclude, port comparisons, prefixes, and/or/not, parentheses", () => {
  const sock = (src: string, srcPort: number, dst: string, dstPort: number) =>
    ({ family: src.includes(":") ? "inet6" : "inet", src, srcPort, dst, dstPort, netid: "tcp" }) as unknown as SsItem;
  const a = sock("10.0.0.1", 22, "10.9.0.5", 40000);
  const b = sock("10.0.0.1", 8080, "192.168.1.1", 443);
  const c = sock("fd00::1", 443, "fd00::2", 50000);
  const run = (...words: string[]) => {
    const f = parseSsFilter(words);
    return [a, b, c].filter((s) => f.predicate!(s)).map((s) => (s as { srcPort: number } & SsItem).srcPort);
  };
  assert.deepEqual(run("sport", "=", ":22"), [22]);
  assert.deepEqual(run("dport", "=", ":443"), [8080]);
  assert.deepEqual(run("( sport = :22 or dport = :443 )"), [22, 8080]);
  assert.deepEqual(run("sport", "ge", ":443"), [8080, 443]);
  assert.deepEqual(run("not", "sport", "=", ":22"), [8080, 443]);
  assert.deepEqual(run("src", "10.0.0.0/8", "and", "dport", "<", ":1000"), [8080]);
  assert.deepEqual(run("dst", "[fd00::2]:50000"), [443]);
  assert.deepEqual(run("dst", "192.168.1.1:443"), [8080]);
  assert.deepEqual(run("src", "fd00::/16", "or", "dst", "10.9.0.0/16"), [22, 443]);
  assert.deepEqual([...parseSsFilter(["state", "established", "state", "listening"]).states!].sort(), [
    "ESTAB",
    "LISTEN",
  ]);
  const excl = parseSsFilter(["exclude", "listening"]).states!;
  assert.ok(!excl.has("LISTEN") && excl.has("ESTAB") && excl.has("TIME-WAIT"));
  assert.equal(parseSsFilter(["state", "all"]).predicate, undefined);
  assert.throws(() => parseSsFilter(["state", "frobbing"]), /unknown state/);
  assert.throws(() => parseSsFilter(["(", "sport", "=", ":22"]), /not closed/);
  assert.throws(() => parseSsFilter(["sport", "=", ":70000"]), /not a port/);
  assert.throws(() => parseSsFilter(["frob"]), /unknown filter word/);
});

for (const rt of runtimes) {
  test(`${rt}: ss -tulnp -N NAME, state and port filters list what ss lists`, async () => {
    await withNetns(`cli2-ss-${rt}`, async (ns) => {
      sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
      const holder = new Child("ip", ["netns", "exec", ns, "node", "-e", HOLDER]);
      try {
        await holder.waitFor((l) => l === "up");
        // Bundled flags, ss's -n (numeric), -N for the namespace, -p from /proc.
        const listening = ours(cliJson(rt, "ss", "-tulnp", "-N", ns), BOTH);
        assert.deepEqual(sorted(listening), sorted(theirs(ns, ["-tulnp"])));
        assert.equal(listening.length, 2);
        assert.ok(listening.every((l) => /\d+$/.test(l)), "every socket has its process");

        const established = ours(cliJson(rt, "ss", "-tnp", "--net", ns), STATE_ONLY); // ss shows no netid for one kind
        assert.deepEqual(sorted(established), sorted(theirs(ns, ["-tnp"])));
        assert.equal(established.length, 2);

        const filter = ["state", "established", "( sport = :7411 or dport = :7411 )"];
        const filtered = ours(cliJson(rt, "ss", "-tn", "-N", ns, ...filter), NEITHER);
        assert.deepEqual(sorted(filtered), sorted(theirs(ns, ["-tn", ...filter])));
        assert.equal(filtered.length, 2);
        const sport = ["state", "established", "sport", "=", ":7411"];
        assert.deepEqual(ours(cliJson(rt, "ss", "-tn", "-N", ns, ...sport), NEITHER), theirs(ns, ["-tn", ...sport]));
        assert.deepEqual(cliJson(rt, "ss", "-tan", "-N", ns, "dport", "=", ":1"), []);

        // Tables: -p adds the process column, -H drops the header; -s counts.
        const table = cli(rt, "ss", "-tlnp", "-N", ns).stdout;
        assert.match(
          table,
          /^NETID\s+STATE.*PROCESS\ntcp\s+LISTEN\s+0\s+\d+\s+127\.0\.0\.1:7411\s+0\.0\.0\.0:\*\s+users:\(\("node[^"]*",pid=\d+,fd=\d+\)\)\n$/,
        );
        assert.match(cli(rt, "ss", "-tlnH", "-N", ns).stdout, /^tcp\s+LISTEN/);
        const summary = cliJson(rt, "ss", "-s", "-N", ns);
        assert.deepEqual(summary.tcp, { total: 3, estab: 2, closed: 0, timewait: 0, listen: 1 });
        assert.equal(summary.transports.udp.ipv6, 1);
        // -e and -i add their columns.
        const wide = cli(rt, "ss", "-tein", "-N", ns).stdout;
        assert.match(wide, /uid:0 ino:\d+ sk:[0-9a-f]+/);
        assert.match(wide, /rto:\d+/);
      } finally {
        holder.kill("SIGKILL");
        await holder.exited;
      }
    });
  }, { timeout: 60_000 });

  test(`${rt}: ss -tuanH prints each address and port as ss does (0.0.0.0, *, [::] for v6only, [::1])`, async () => {
    await withNetns(`cli2-ssaddr-${rt}`, async (ns) => {
      sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
      const holder = new Child("ip", ["netns", "exec", ns, "node", "-e", WILDCARDS]);
      try {
        await holder.waitFor((l) => l === "up");
        const rows = (text: string) =>
          text.trim().split("\n").map((line) => {
            const [netid, state, , , local, peer] = line.trim().split(/\s+/);
            return [netid, state, local, peer].join(" ");
          }).sort();
        const theirRows = rows(sh("ip", ["netns", "exec", ns, "ss", "-tuanH"]));
        assert.equal(theirRows.length, 11);
        assert.deepEqual(rows(cli(rt, "ss", "-tuanH", "-N", ns).stdout), theirRows);
      } finally {
        holder.kill("SIGKILL");
        await holder.exited;
      }
    });
  }, { timeout: 60_000 });

  test(`${rt}: ss usage mistakes exit 2`, () => {
    assert.equal(cli(rt, "ss", "-tln", "state", "frobbing").status, 2);
    assert.equal(cli(rt, "ss", "-la").status, 2);
    assert.equal(cli(rt, "ss", "-tq").status, 2);
  });
}
