// inet_diag against the real kernel: sockets owned by child processes in a
// private namespace, compared with `ss` run in the same namespace.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { NetlinkError } from "../../src/wire/errors.ts";
import { type InetSocket, SockDiag, STATE_FILTERS, type StateFilter } from "../../src/sockdiag/mod.ts";
import { endpoint, kernelConfig, normAddress, parseSs, spawnNode, ss, type SsRecord } from "./helpers.ts";

const ALL_EXT = ["info", "meminfo", "skmeminfo", "cong", "ccinfo", "tos", "tclass", "shutdown"] as const;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function key(state: string, src: string, srcPort: number, dst: string, dstPort: number): string {
  return `${state} ${normAddress(src)}:${srcPort} ${normAddress(dst)}:${dstPort}`;
}

function ssKey(r: SsRecord): string {
  const l = endpoint(r.local), p = endpoint(r.peer);
  return key(r.state, l.address, l.port, p.address, p.port);
}

function ourKey(s: InetSocket): string {
  return key(String(s.state), s.src, s.srcPort, s.dst, s.dstPort);
}

/** Our sockets keyed like ss records that have no State column. */
function ourKeyNoState(s: InetSocket): string {
  return key("", s.src, s.srcPort, s.dst, s.dstPort);
}

/** Sockets of one state as ss shows them for a single-state filter, with the state checked. */
function asSingleState(ours: InetSocket[], state: string): string[] {
  for (const s of ours) assert.equal(s.state, state);
  return ours.map(ourKeyNoState);
}

/** Maps records by key, failing on duplicates (which would make the comparison ambiguous). */
function byKey<T>(items: T[], k: (x: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const x of items) {
    const kk = k(x);
    assert.ok(!m.has(kk), `duplicate socket ${kk}`);
    m.set(kk, x);
  }
  return m;
}

/** Parses ss's `skmem:(r0,rb131072,...)`. */
function skmem(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.replace(/^\(|\)$/g, "").split(",")) {
    const m = /^([a-z]+)(\d+)$/.exec(part);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

const TCP_CHILD = `
const net = require("net");
const res = {};
let pending = 3;
const done = () => { if (--pending === 0) setTimeout(() => ready(res), 400); };
const s4 = net.createServer((c) => c.write("hello"));
s4.listen(0, "127.0.0.1", () => {
  res.p4 = s4.address().port;
  const c = net.connect(res.p4, "127.0.0.1", () => { res.c4 = c.localPort; c.write("x".repeat(100)); done(); });
  c.pause(); // leave "hello" unread: Recv-Q 5
  c.setKeepAlive(true, 30000);
});
const s6 = net.createServer((c) => c.write("hello6!"));
s6.listen({ port: 0, host: "::1", ipv6Only: true }, () => {
  res.p6 = s6.address().port;
  const c = net.connect(res.p6, "::1", () => { res.c6 = c.localPort; done(); });
});
const sd = net.createServer(() => {});
sd.listen({ port: 0, host: "::" }, () => {
  res.pd = sd.address().port;
  const c = net.connect(res.pd, "127.0.0.1", () => { res.cd = c.localPort; done(); });
});
`;

function assertTcpMatchesSs(ours: InetSocket, r: SsRecord): void {
  const where = ourKey(ours);
  assert.equal(ours.rqueue, r.recvQ, `${where} Recv-Q`);
  assert.equal(ours.wqueue, r.sendQ, `${where} Send-Q`);
  assert.equal(String(ours.inode), r.kv.ino, `${where} inode`);
  assert.equal(ours.cookie.toString(16), r.kv.sk, `${where} cookie`);
  assert.equal(ours.uid, Number(r.kv.uid ?? 0), `${where} uid`);
  if (ours.v6only !== undefined && ours.family === "inet6") assert.equal(ours.v6only ? "1" : "0", r.kv.v6only, where);
  // Timer name (ss: timer:(keepalive,29sec,0)).
  const timer = r.kv.timer ? /^\((\w+),/.exec(r.kv.timer)![1] : undefined;
  assert.equal(ours.timer?.name, timer, `${where} timer`);
  // Memory.
  const mem = skmem(r.kv.skmem);
  assert.equal(ours.skmeminfo!.rcvbuf, mem.rb, `${where} rb`);
  assert.equal(ours.skmeminfo!.sndbuf, mem.tb, `${where} tb`);
  assert.equal(ours.skmeminfo!.rmemAlloc, mem.r, `${where} r`);
  assert.equal(ours.skmeminfo!.drops, mem.d, `${where} d`);
  // Congestion control: the bare word ss prints after the option words.
  assert.ok(ours.congestion, `${where} has a congestion algorithm`);
  assert.ok(r.words.includes(ours.congestion!), `${where}: ss words ${r.words} lack ${ours.congestion}`);
  const ti = ours.tcpInfo!;
  assert.ok(ti, `${where} has tcp_info`);
  assert.equal(ti.state, ours.state, `${where} tcpi_state`);
  assert.equal(String(ti.sndCwnd), r.kv.cwnd, `${where} cwnd`);
  if (ours.state === "LISTEN") return;
  assert.equal(ti.options.timestamps, r.words.includes("ts"), `${where} ts`);
  assert.equal(ti.options.sack, r.words.includes("sack"), `${where} sack`);
  assert.equal(`${ti.sndWscale},${ti.rcvWscale}`, r.kv.wscale, `${where} wscale`);
  assert.equal(String(ti.sndMss), r.kv.mss, `${where} mss`);
  assert.equal(String(ti.rcvMss), r.kv.rcvmss, `${where} rcvmss`);
  assert.equal(String(ti.advmss), r.kv.advmss, `${where} advmss`);
  assert.equal(String(ti.pmtu), r.kv.pmtu, `${where} pmtu`);
  assert.equal(String(ti.rto / 1000), r.kv.rto, `${where} rto (ms in ss)`);
  assert.equal(String(ti.rcvSpace), r.kv.rcv_space, `${where} rcv_space`);
  assert.equal(String(ti.rcvSsthresh), r.kv.rcv_ssthresh, `${where} rcv_ssthresh`);
  assert.equal(String(ti.sndWnd), r.kv.snd_wnd, `${where} snd_wnd`);
  // ss leaves out counters that are 0.
  const opt = (v: number | undefined) => (v ? String(v) : undefined);
  assert.equal(opt(ti.bytesSent), r.kv.bytes_sent, `${where} bytes_sent`);
  assert.equal(opt(ti.bytesAcked), r.kv.bytes_acked, `${where} bytes_acked`);
  assert.equal(opt(ti.bytesReceived), r.kv.bytes_received, `${where} bytes_received`);
  assert.equal(opt(ti.segsOut), r.kv.segs_out, `${where} segs_out`);
  assert.equal(opt(ti.segsIn), r.kv.segs_in, `${where} segs_in`);
  assert.equal(opt(ti.dataSegsOut), r.kv.data_segs_out, `${where} data_segs_out`);
  assert.equal(opt(ti.dataSegsIn), r.kv.data_segs_in, `${where} data_segs_in`);
  assert.equal(opt(ti.delivered), r.kv.delivered, `${where} delivered`);
  // rtt/rttvar: ss prints ms with 3 decimals from the µs values.
  const [rtt, rttvar] = r.kv.rtt.split("/").map(Number);
  assert.equal(rtt, ti.rtt / 1000, `${where} rtt`);
  assert.equal(rttvar, ti.rttvar / 1000, `${where} rttvar`);
}

test("TCP listeners and connections, IPv4, IPv6 and v4-mapped, match ss -tanieomH", async () => {
  await withNetns("sd-tcp", async (ns) => {
    const child = await spawnNode(ns, TCP_CHILD);
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const ours = await collect(diag.inetSockets({ protocol: "tcp", extensions: [...ALL_EXT] }));
      const theirs = parseSs(ss(ns, "-tanieomH"));
      const mine = byKey(ours, ourKey), oracle = byKey(theirs, ssKey);
      assert.deepEqual([...mine.keys()].sort(), [...oracle.keys()].sort());
      assert.equal(ours.length, 9, "3 listeners and 3 connected pairs");
      for (const [k, s] of mine) assertTcpMatchesSs(s, oracle.get(k)!);
      const { p4, c4, p6, pd, cd } = child.info;
      // Spot checks on what the child did.
      const client4 = mine.get(key("ESTAB", "127.0.0.1", c4, "127.0.0.1", p4))!;
      assert.equal(client4.family, "inet");
      assert.equal(client4.rqueue, 5, "the paused client left hello unread");
      assert.equal(client4.timer?.name, "keepalive");
      assert.ok(client4.timer!.expires > 0 && client4.timer!.expires <= 30_000);
      assert.equal(client4.tcpInfo!.bytesReceived, 5);
      assert.equal(client4.tcpInfo!.bytesAcked, 101, "100 bytes + SYN");
      const mapped = mine.get(key("ESTAB", "::ffff:127.0.0.1", pd, "::ffff:127.0.0.1", cd))!;
      assert.equal(mapped.family, "inet6");
      assert.equal(mapped.v6only, undefined, "the kernel sends INET_DIAG_SKV6ONLY for LISTEN/CLOSE only");
      assert.equal(mine.get(key("LISTEN", "::", pd, "::", 0))!.v6only, false);
      const l6 = mine.get(key("LISTEN", "::1", p6, "::", 0))!;
      assert.equal(l6.v6only, true);
      assert.equal(l6.wqueue, 511, "node's backlog");
      assert.equal(
        [...mine.values()].every((s) => s.congestion === s.ccInfo?.algorithm || s.ccInfo === undefined),
        true,
      );
    } finally {
      await child.stop();
    }
  });
});

test("a non-root owner's uid and the family filter match ss", async () => {
  await withNetns("sd-uid", async (ns) => {
    const child = await spawnNode(
      ns,
      `process.setgid(65534); process.setuid(65534);
       const net = require("net");
       const s = net.createServer().listen({ port: 0, host: "::1" }, () => {
         const s4 = net.createServer().listen(0, "127.0.0.1", () => ready({ p6: s.address().port, p4: s4.address().port }));
       });`,
    );
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const v6 = await collect(diag.inetSockets({ family: "inet6", protocol: "tcp" }));
      const v4 = await collect(diag.inetSockets({ family: "inet", protocol: "tcp" }));
      assert.deepEqual(v6.map((s) => [s.src, s.srcPort, s.uid]), [["::1", child.info.p6, 65534]]);
      assert.deepEqual(v4.map((s) => [s.src, s.srcPort, s.uid]), [["127.0.0.1", child.info.p4, 65534]]);
      const six = parseSs(ss(ns, "-6tlneH"));
      assert.deepEqual(six.map((r) => [endpoint(r.local).port, r.kv.uid, r.kv.ino]), [[
        child.info.p6,
        "65534",
        String(v6[0].inode),
      ]]);
      const four = parseSs(ss(ns, "-4tlneH"));
      assert.deepEqual(four.map((r) => [endpoint(r.local).port, r.kv.uid, r.kv.ino]), [[
        child.info.p4,
        "65534",
        String(v4[0].inode),
      ]]);
    } finally {
      await child.stop();
    }
  });
});

const UDP_CHILD = `
const dgram = require("dgram");
const res = {};
const a = dgram.createSocket("udp4"), b = dgram.createSocket("udp4");
const c = dgram.createSocket({ type: "udp6", ipv6Only: true }), d = dgram.createSocket("udp6");
a.bind(0, "127.0.0.1", () => {
  res.a = a.address().port;
  b.bind(0, "127.0.0.1", () => {
    res.b = b.address().port;
    b.connect(res.a, "127.0.0.1", () => {
      c.bind(0, "::1", () => {
        res.c = c.address().port;
        d.bind(0, "::", () => { res.d = d.address().port; ready(res); });
      });
    });
  });
});
`;

test("UDP sockets, bound and connected, IPv4 and IPv6, match ss -uanieomH", async () => {
  await withNetns("sd-udp", async (ns) => {
    const child = await spawnNode(ns, UDP_CHILD);
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const ours = await collect(diag.inetSockets({ protocol: "udp", extensions: ["skmeminfo", "shutdown"] }));
      const theirs = parseSs(ss(ns, "-uanieomH"));
      const mine = byKey(ours, ourKey), oracle = byKey(theirs, ssKey);
      assert.deepEqual([...mine.keys()].sort(), [...oracle.keys()].sort());
      assert.equal(ours.length, 4);
      for (const [k, s] of mine) {
        const r = oracle.get(k)!;
        assert.equal(s.protocol, "udp");
        assert.equal(String(s.inode), r.kv.ino, k);
        assert.equal(s.cookie.toString(16), r.kv.sk, k);
        assert.equal(s.rqueue, r.recvQ, k);
        assert.equal(s.wqueue, r.sendQ, k);
        assert.equal(s.skmeminfo!.rcvbuf, skmem(r.kv.skmem).rb, k);
        assert.equal(s.skmeminfo!.sndbuf, skmem(r.kv.skmem).tb, k);
        assert.equal(s.tcpInfo, undefined, "UDP has no tcp_info");
      }
      const { a, b, c, d } = child.info;
      assert.ok(mine.has(key("ESTAB", "127.0.0.1", b, "127.0.0.1", a)), "a connected UDP socket is ESTAB");
      assert.ok(mine.has(key("UNCONN", "127.0.0.1", a, "0.0.0.0", 0)));
      assert.equal(mine.get(key("UNCONN", "::1", c, "::", 0))!.v6only, true);
      assert.equal(mine.get(key("UNCONN", "::", d, "::", 0))!.v6only, false);
      // Only ESTAB, as plain `ss -u` shows.
      const estab = await collect(diag.inetSockets({ protocol: "udp", states: ["established"] }));
      assert.equal(estab.length, 1);
      assert.deepEqual(asSingleState(estab, "ESTAB"), parseSs(ss(ns, "-unH")).map(ssKey));
    } finally {
      await child.stop();
    }
  });
});

const STATES_CHILD = `
const net = require("net");
const res = {};
let pending = 4;
const done = () => { if (--pending === 0) setTimeout(() => ready(res), 400); };
// TIME-WAIT: the client closes first, the server follows.
const tw = net.createServer((c) => { c.on("end", () => c.end()); c.resume(); });
tw.listen(0, "127.0.0.1", () => {
  const c = net.connect(tw.address().port, "127.0.0.1", () => c.end());
  c.on("close", done);
  c.resume();
});
// FIN-WAIT-2 / CLOSE-WAIT: the client closes, the server never does.
const hw = net.createServer({ allowHalfOpen: true }, (c) => { c.resume(); keep.push(c); });
const keep = [];
hw.listen(0, "::1", () => {
  const c = net.connect({ port: hw.address().port, host: "::1", allowHalfOpen: true }, () => { c.end(); setTimeout(done, 200); });
  keep.push(c);
});
// ESTAB.
const es = net.createServer((c) => keep.push(c));
es.listen(0, "127.0.0.1", () => { keep.push(net.connect(es.address().port, "127.0.0.1", done)); });
// SYN-SENT: 10.99.0.2 is routed to lo but is nobody's; the SYN goes nowhere.
const ss = net.connect(5000, "10.99.0.2");
ss.on("error", () => {});
keep.push(ss);
setTimeout(done, 100);
`;

const FILTERS: StateFilter[] = [
  "established",
  "syn-sent",
  "syn-recv",
  "fin-wait-1",
  "fin-wait-2",
  "time-wait",
  "closed",
  "unconnected",
  "close-wait",
  "last-ack",
  "listening",
  "closing",
  "all",
  "connected",
  "synchronized",
  "bucket",
  "big",
];

test("state filters select exactly what ss -t state X shows", async () => {
  await withNetns("sd-states", async (ns) => {
    ip(ns, "route", "add", "10.99.0.2/32", "dev", "lo", "src", "127.0.0.1");
    const child = await spawnNode(ns, STATES_CHILD);
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const seen = new Set<string>();
      for (const filter of FILTERS) {
        const list = await collect(diag.inetSockets({ protocol: "tcp", states: [filter] }));
        const single = STATE_FILTERS[filter].length === 1;
        const ours = (single ? asSingleState(list, STATE_FILTERS[filter][0]) : list.map(ourKey)).sort();
        const theirs = parseSs(ss(ns, "-tanH", "state", filter)).map(ssKey).sort();
        assert.deepEqual(ours, theirs, `state ${filter}`);
        for (const s of list) seen.add(String(s.state));
      }
      // The namespace really had these states, so the filters were put to work.
      for (const state of ["ESTAB", "SYN-SENT", "FIN-WAIT-2", "CLOSE-WAIT", "TIME-WAIT", "LISTEN"]) {
        assert.ok(seen.has(state), `no ${state} socket was set up; saw ${[...seen]}`);
      }
      // Several names at once, display names included.
      const mixed = (await collect(diag.inetSockets({ states: ["LISTEN", "time-wait"] }))).map(ourKey).sort();
      const expected = parseSs(ss(ns, "-tanH", "state", "listening", "state", "time-wait")).map(ssKey).sort();
      assert.deepEqual(mixed, expected);
      const timeWait = await collect(diag.inetSockets({ states: ["TIME-WAIT"] }));
      assert.ok(timeWait.length >= 1);
      for (const s of timeWait) {
        assert.equal(s.timer?.name, "timewait");
        assert.equal(s.inode, 0, "a TIME-WAIT socket has no inode");
      }
      const synSent = await collect(diag.inetSockets({ states: ["SYN-SENT"], extensions: ["info"] }));
      assert.equal(synSent.length, 1);
      assert.equal(synSent[0].dst, "10.99.0.2");
      assert.equal(synSent[0].timer?.name, "on");
      assert.equal(synSent[0].tcpInfo?.state, "SYN-SENT");
      await assert.rejects(() => collect(diag.inetSockets({ states: ["nonsense" as StateFilter] })), TypeError);
    } finally {
      await child.stop();
    }
  });
});

test("inetSocket looks one socket up by address and cookie", async () => {
  await withNetns("sd-lookup", async (ns) => {
    const child = await spawnNode(
      ns,
      `const net = require("net");
       const s = net.createServer().listen(0, "127.0.0.1", () => ready({ port: s.address().port }));`,
    );
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const [listener] = await collect(diag.inetSockets({ states: ["LISTEN"] }));
      const found = await diag.inetSocket(
        { family: "inet", src: "127.0.0.1", srcPort: child.info.port },
        { extensions: ["info", "cong"] },
      );
      assert.ok(found);
      assert.equal(found.inode, listener.inode);
      assert.equal(found.cookie, listener.cookie);
      assert.equal(found.tcpInfo?.state, "LISTEN");
      assert.equal(typeof found.congestion, "string");
      const byCookie = await diag.inetSocket({ ...listener, cookie: listener.cookie });
      assert.equal(byCookie?.inode, listener.inode);
      assert.equal(await diag.inetSocket({ ...listener, cookie: listener.cookie + 1n }), undefined, "wrong cookie");
      assert.equal(
        await diag.inetSocket({ family: "inet", src: "127.0.0.1", srcPort: child.info.port + 1 }),
        undefined,
      );
    } finally {
      await child.stop();
    }
  });
});

test("leaving a dump early drains it; an aborted dump throws the reason; the socket stays usable", async () => {
  await withNetns("sd-early", async (ns) => {
    const child = await spawnNode(
      ns,
      `const net = require("net"); const keep = []; let n = 0;
       for (let i = 0; i < 200; i++) keep.push(net.createServer().listen(0, "127.0.0.1", () => { if (++n === 200) ready({}); }));`,
    );
    try {
      await using diag = await SockDiag.open({ netns: ns });
      for await (const _ of diag.inetSockets({ family: "inet" })) break;
      const all = await collect(diag.inetSockets({ family: "inet" }));
      assert.equal(all.length, 200);
      assert.equal(all.length, parseSs(ss(ns, "-4tlnH")).length);
      const controller = new AbortController();
      const reason = new Error("stop");
      let count = 0;
      await assert.rejects(async () => {
        for await (const _ of diag.inetSockets({ family: "inet", signal: controller.signal })) {
          if (++count === 3) controller.abort(reason);
        }
      }, (e) => e === reason);
      assert.equal((await collect(diag.inetSockets({ family: "inet" }))).length, 200);
    } finally {
      await child.stop();
    }
  });
});

const rawConfig = kernelConfig("CONFIG_INET_RAW_DIAG");
const rawName = rawConfig === "n"
  ? "raw sockets: this kernel lacks CONFIG_INET_RAW_DIAG, so the dump fails with a typed ENOENT (ss -w falls back to /proc)"
  : rawConfig === undefined
  ? "raw sockets: no /proc/config.gz; the dump either matches ss -w or fails with a typed ENOENT"
  : "raw sockets (ICMP and ICMPv6, opened by perl as root) match ss -wanH";

test(rawName, async () => {
  await withNetns("sd-raw", async (ns) => {
    // node cannot open raw sockets; perl (perl-base) can.
    const child = await spawnNode(
      ns,
      `use Socket; socket(my $a, PF_INET, SOCK_RAW, 1) or die "raw4: $!";
       socket(my $b, PF_INET6, SOCK_RAW, 58) or die "raw6: $!";
       $| = 1; print "READY {}\\n"; sleep 60;`,
      "perl",
    );
    try {
      await using diag = await SockDiag.open({ netns: ns });
      let ours: InetSocket[] | undefined;
      let error: unknown;
      try {
        ours = await collect(diag.inetSockets({ protocol: "raw" }));
      } catch (e) {
        error = e;
      }
      const theirs = parseSs(ss(ns, "-wanH"));
      assert.equal(theirs.length, 2, "ss sees both raw sockets (by netlink or /proc)");
      if (rawConfig === "n" || (rawConfig === undefined && error !== undefined)) {
        assert.ok(error instanceof NetlinkError, `expected NetlinkError, got ${error}`);
        assert.equal(error.code, "ENOENT");
        assert.equal(error.messageTypeName, "SOCK_DIAG_BY_FAMILY");
        return;
      }
      assert.equal(error, undefined);
      assert.deepEqual(ours!.map(ourKey).sort(), theirs.map(ssKey).sort());
      assert.deepEqual(ours!.map((s) => s.srcPort).sort(), [1, 58], "a raw socket's port is its protocol");
    } finally {
      await child.stop();
    }
  });
});

test("MPTCP dumps go through INET_DIAG_REQ_PROTOCOL: a TCP listener is not listed, as in ss -M", async () => {
  await withNetns("sd-mptcp", async (ns) => {
    const child = await spawnNode(
      ns,
      `const net = require("net");
       const s = net.createServer().listen(0, "127.0.0.1", () => ready({ port: s.address().port }));`,
    );
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const hasMptcp = kernelConfig("CONFIG_INET_MPTCP_DIAG");
      assert.equal((await collect(diag.inetSockets({ protocol: "tcp" }))).length, 1, "the TCP listener is there");
      let ours: InetSocket[] | undefined;
      try {
        ours = await collect(diag.inetSockets({ protocol: "mptcp" }));
      } catch (e) {
        assert.ok(hasMptcp === "n" && e instanceof NetlinkError && e.code === "ENOENT", `unexpected ${e}`);
        return;
      }
      assert.notEqual(hasMptcp, "n");
      assert.deepEqual(ours.map(ourKey), parseSs(ss(ns, "-ManH")).map(ssKey));
      assert.equal(ours.length, 0);
    } finally {
      await child.stop();
    }
  });
});
