// Conntrack against the real kernel, in private namespaces, with `conntrack -L -o xml` as the oracle.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { Flags, NetlinkError } from "../../mod.ts";
import { AddressError } from "../../src/wire/values.ts";
import {
  Conntrack,
  type ConntrackEntry,
  type ConntrackEvent,
  decodeConntrack,
  encodeDumpRequest,
} from "../../src/netfilter/mod.ts";
import { conntrackList, ip6t, ipt, sysctl, tcpExchange, udpSend, type XmlFlow, type XmlTuple } from "./util.ts";

/** Tracks every locally generated packet; zone 5 for UDP to port 5556, connmark 0x42 for UDP to 5557. */
function setupTracking(ns: string): void {
  ipt(ns, "-t", "raw", "-A", "OUTPUT", "-p", "udp", "--dport", "5556", "-j", "CT", "--zone", "5");
  ipt(ns, "-t", "mangle", "-A", "OUTPUT", "-p", "udp", "--dport", "5557", "-j", "CONNMARK", "--set-mark", "0x42");
  ipt(ns, "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED,RELATED");
  ip6t(ns, "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED,RELATED");
  sysctl(ns, "net.netfilter.nf_conntrack_acct=1");
}

async function makeFlows(ns: string): Promise<void> {
  await udpSend(ns, "127.0.0.1", 5555, ["a", "bb"]);
  await udpSend(ns, "127.0.0.1", 5556, ["zoned"]);
  await udpSend(ns, "127.0.0.1", 5557, ["marked"]);
  await udpSend(ns, "::1", 5555, ["six"]);
  await tcpExchange(ns, "127.0.0.1", 7000);
  await tcpExchange(ns, "::1", 7001);
}

async function all(ct: Conntrack, filter: Parameters<Conntrack["dump"]>[0] = {}): Promise<ConntrackEntry[]> {
  const out: ConntrackEntry[] = [];
  for await (const e of ct.dump(filter)) out.push(e);
  return out;
}

function sameTuple(ours: ConntrackEntry["orig"], theirs: XmlTuple, family: string, what: string): void {
  assert.equal(family, theirs.l3 === "ipv4" ? "inet" : "inet6", `${what} family`);
  assert.equal(ours.src, theirs.src, `${what} src`);
  assert.equal(ours.dst, theirs.dst, `${what} dst`);
  assert.equal(ours.protocol, theirs.protonum, `${what} protocol`);
  assert.equal(ours.srcPort, theirs.sport, `${what} sport`);
  assert.equal(ours.dstPort, theirs.dport, `${what} dport`);
}

function sameFlow(e: ConntrackEntry, f: XmlFlow, lookedUp = false): void {
  const what = `flow ${f.id}`;
  sameTuple(e.orig, f.orig, String(e.family), `${what} orig`);
  sameTuple(e.reply, f.reply, String(e.family), `${what} reply`);
  assert.equal(e.counters?.orig?.packets, f.orig.packets, `${what} orig packets`);
  assert.equal(e.counters?.orig?.bytes, f.orig.bytes, `${what} orig bytes`);
  assert.equal(e.counters?.reply?.packets, f.reply.packets, `${what} reply packets`);
  assert.equal(e.counters?.reply?.bytes, f.reply.bytes, `${what} reply bytes`);
  assert.equal(e.mark, f.mark, `${what} mark`);
  // A get holds a reference of its own while the reply is built.
  assert.equal(e.use, lookedUp ? f.use! + 1 : f.use, `${what} use`);
  assert.equal(e.zone, f.zone, `${what} zone`);
  assert.equal(e.tcp?.state, f.state, `${what} TCP state`);
  assert.ok(
    e.timeout !== undefined && Math.abs(e.timeout - f.timeout!) <= 2,
    `${what} timeout ${e.timeout} vs ${f.timeout}`,
  );
  assert.equal(!e.statusFlags.includes("seen-reply"), f.flags.includes("unreplied"), `${what} unreplied`);
  assert.equal(e.statusFlags.includes("assured"), f.flags.includes("assured"), `${what} assured`);
  assert.ok(e.statusFlags.includes("confirmed"), `${what} confirmed`);
}

test("conntrack dump matches conntrack -L -o xml: UDP/TCP, IPv4/IPv6, zone, mark, counters, TCP state", async () => {
  await withNetns("nf-ct-dump", async (ns) => {
    setupTracking(ns);
    await makeFlows(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const ours = await all(ct);
    const theirs = conntrackList(ns);
    assert.equal(theirs.length, 6, "six flows made");
    assert.equal(ours.length, theirs.length);
    const byId = new Map(ours.map((e) => [e.id, e]));
    for (const f of theirs) {
      const e = byId.get(f.id);
      assert.ok(e, `flow ${f.id} is in our dump`);
      sameFlow(e, f);
    }
    // The interesting cases really are there.
    assert.ok(ours.some((e) => e.zone === 5 && e.orig.dstPort === 5556));
    assert.ok(ours.some((e) => e.mark === 0x42 && e.orig.dstPort === 5557));
    assert.ok(ours.some((e) => e.family === "inet6" && e.tcp !== undefined));
    const udp = ours.find((e) => e.orig.dstPort === 5555 && e.family === "inet")!;
    assert.equal(udp.counters?.orig?.packets, 2);
    assert.equal(udp.orig.protocolName, "udp");
  });
}, { timeout: 60_000 });

test("conntrack dump filters (family, protocol, mark/mask, zone) agree with conntrack's own filters", async () => {
  await withNetns("nf-ct-filter", async (ns) => {
    setupTracking(ns);
    await makeFlows(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const ids = (es: ConntrackEntry[]) => es.map((e) => e.id).sort();
    const xmlIds = (fs: XmlFlow[]) => fs.map((f) => f.id).sort();
    const cases: [Parameters<Conntrack["dump"]>[0], string[]][] = [
      [{ family: "inet6" }, ["-f", "ipv6"]],
      [{ family: "inet" }, ["-f", "ipv4"]],
      [{ protocol: "tcp" }, ["-p", "tcp"]],
      [{ family: "inet", protocol: "udp" }, ["-f", "ipv4", "-p", "udp"]],
      [{ mark: 0x42 }, ["-m", "0x42"]],
      [{ mark: 0x40, markMask: 0xf0 }, ["-m", "0x40/0xf0"]],
      [{ zone: 5 }, ["-w", "5"]],
    ];
    for (const [filter, args] of cases) {
      const ours = await all(ct, filter);
      const theirs = conntrackList(ns, ...args);
      assert.ok(theirs.length > 0, `conntrack ${args.join(" ")} lists something`);
      assert.deepEqual(ids(ours), xmlIds(theirs), `filter ${JSON.stringify(filter)} vs conntrack ${args.join(" ")}`);
    }
    assert.equal((await all(ct, { mark: 0x43 })).length, 0);
    // The kernel itself filters family, protocol and mark: the raw dump holds only matching entries.
    let raw = 0;
    for await (const msg of ct.socket.dump(encodeDumpRequest({ family: "inet", protocol: "tcp", mark: 0 }))) {
      if (msg.type !== 0x100) continue;
      raw++;
      assert.ok(msg.flags & Flags.DUMP_FILTERED, "NLM_F_DUMP_FILTERED");
      const e = decodeConntrack(msg);
      assert.equal(e.family, "inet");
      assert.equal(e.orig.protocol, 6);
    }
    assert.equal(raw, conntrackList(ns, "-f", "ipv4", "-p", "tcp").length);
  });
}, { timeout: 60_000 });

test("conntrack get finds the entry by tuple; an unknown tuple is ENOENT", async () => {
  await withNetns("nf-ct-get", async (ns) => {
    setupTracking(ns);
    const sport = await udpSend(ns, "127.0.0.1", 5555, ["x"]);
    const sport6 = await udpSend(ns, "::1", 5555, ["y"]);
    await using ct = await Conntrack.open({ netns: ns });
    const e = await ct.get({ src: "127.0.0.1", dst: "127.0.0.1", protocol: "udp", srcPort: sport, dstPort: 5555 });
    const [f] = conntrackList(ns, "-p", "udp", "--sport", String(sport), "-f", "ipv4");
    sameFlow(e, f, true);
    const e6 = await ct.get({ src: "::1", dst: "::1", protocol: 17, srcPort: sport6, dstPort: 5555 });
    assert.equal(e6.family, "inet6");
    assert.equal(e6.orig.srcPort, sport6);
    const byReply = await ct.get(
      { src: "127.0.0.1", dst: "127.0.0.1", protocol: "udp", srcPort: 5555, dstPort: sport },
      { direction: "reply" },
    );
    assert.equal(byReply.id, e.id);
    await assert.rejects(
      ct.get({ src: "127.0.0.1", dst: "127.0.0.1", protocol: "udp", srcPort: 1, dstPort: 2 }),
      (err: unknown) => err instanceof NetlinkError && err.code === "ENOENT" && /IPCTNL_MSG_CT_GET/.test(err.message),
    );
  });
}, { timeout: 60_000 });

test("conntrack delete removes the entry (conntrack no longer lists it); a second delete is ENOENT", async () => {
  await withNetns("nf-ct-del", async (ns) => {
    setupTracking(ns);
    await makeFlows(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const before = conntrackList(ns);
    const victims = (await all(ct)).filter((e) => e.orig.protocol === 17);
    assert.equal(victims.length, 4);
    for (const v of victims) await ct.delete(v.orig, { zone: v.zone, id: v.id });
    const after = conntrackList(ns);
    assert.equal(after.length, before.length - victims.length);
    for (const v of victims) assert.ok(!after.some((f) => f.id === v.id), `flow ${v.id} is gone`);
    assert.ok(after.every((f) => f.orig.protonum === 6), "TCP flows stay");
    await assert.rejects(
      ct.delete(victims[0].orig, { zone: victims[0].zone }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
    );
    // A wrong id protects a live entry.
    const tcp = (await all(ct, { protocol: "tcp" }))[0];
    await assert.rejects(
      ct.delete(tcp.orig, { id: (tcp.id! + 1) >>> 0 }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
    );
    assert.equal(conntrackList(ns, "-p", "tcp").length, 2);
  });
}, { timeout: 60_000 });

test("conntrack flush by family, then everything, inside the namespace only", async () => {
  await withNetns("nf-ct-flush", async (ns) => {
    setupTracking(ns);
    await makeFlows(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const v6 = conntrackList(ns, "-f", "ipv6").length;
    assert.ok(v6 > 0);
    const total = conntrackList(ns).length;
    await ct.flush({ family: "inet6" });
    assert.equal(conntrackList(ns, "-f", "ipv6").length, 0);
    assert.equal(conntrackList(ns).length, total - v6);
    await ct.flush({ mark: 0x42 });
    assert.equal(conntrackList(ns, "-m", "0x42").length, 0);
    assert.equal(conntrackList(ns).length, total - v6 - 1);
    await ct.flush();
    assert.equal(conntrackList(ns).length, 0);
    assert.equal((await all(ct)).length, 0);
  });
}, { timeout: 60_000 });

test("conntrack events: new for a fresh UDP flow, destroy (with counters) after delete", async () => {
  await withNetns("nf-ct-events", async (ns) => {
    setupTracking(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const ac = new AbortController();
    const stream = ct.events({ groups: ["new", "destroy"], signal: ac.signal });
    await stream.ready;
    const sport = await udpSend(ns, "127.0.0.1", 5560, ["one", "two"]);
    const entry = await ct.get({ src: "127.0.0.1", dst: "127.0.0.1", protocol: "udp", srcPort: sport, dstPort: 5560 });
    await ct.delete(entry.orig, { id: entry.id });
    const seen: ConntrackEvent[] = [];
    const timer = setTimeout(() => ac.abort(new Error("no destroy event within 5 s")), 5000);
    try {
      for await (const ev of stream) {
        if (!("type" in ev)) continue; // an Overrun would be reported here
        if (ev.entry.orig.srcPort !== sport) continue;
        seen.push(ev);
        if (ev.type === "destroy") break;
      }
    } finally {
      clearTimeout(timer);
    }
    assert.deepEqual(seen.map((e) => e.type), ["new", "destroy"]);
    const [created, destroyed] = seen;
    assert.equal(created.entry.orig.dstPort, 5560);
    assert.equal(created.entry.id, entry.id);
    assert.equal(destroyed.entry.id, entry.id);
    assert.equal(destroyed.entry.counters?.orig?.packets, 2);
    assert.equal(destroyed.entry.reply.srcPort, 5560);
  });
}, { timeout: 60_000 });

test("conntrack events: update for TCP state changes; groups limit what arrives", async () => {
  await withNetns("nf-ct-upd", async (ns) => {
    setupTracking(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const ac = new AbortController();
    const stream = ct.events({ groups: ["update"], signal: ac.signal });
    await stream.ready;
    const cport = await tcpExchange(ns, "127.0.0.1", 7100);
    const states: string[] = [];
    const timer = setTimeout(() => ac.abort(new Error("no TIME_WAIT update within 5 s")), 5000);
    try {
      for await (const ev of stream) {
        if (!("type" in ev) || ev.entry.orig.srcPort !== cport) continue;
        assert.equal(ev.type, "update", "only update events were asked for");
        states.push(ev.entry.tcp!.state);
        if (ev.entry.tcp!.state === "TIME_WAIT") break;
      }
    } finally {
      clearTimeout(timer);
    }
    assert.ok(states.includes("ESTABLISHED"), `states seen: ${states.join(",")}`);
    assert.equal(conntrackList(ns, "-p", "tcp", "--sport", String(cport))[0].state, "TIME_WAIT");
  });
}, { timeout: 60_000 });

test("conntrack requests validate tuples before sending", async () => {
  await using ct = await Conntrack.open();
  await assert.rejects(ct.get({ src: "1.2.3", dst: "1.2.3.4", protocol: "udp", srcPort: 1, dstPort: 2 }), AddressError);
  await assert.rejects(ct.get({ src: "::1", dst: "1.2.3.4", protocol: "udp", srcPort: 1, dstPort: 2 }), AddressError);
  await assert.rejects(ct.get({ src: "::1", dst: "::1", protocol: "udp", srcPort: 70000, dstPort: 2 }), TypeError);
  await assert.rejects(ct.delete({ src: "::1", dst: "::1", protocol: "tcp", dstPort: 2 }), TypeError);
  await assert.rejects(ct.delete({ src: "::1", dst: "::1", protocol: "icmpv6", icmpType: 128 }), TypeError);
  await assert.rejects(ct.get({ src: "::1", dst: "::1", protocol: "bogus" as "udp" }), TypeError);
  await assert.rejects(ct.flush({ markMask: 1 }), TypeError);
  assert.throws(() => ct.events({ groups: ["nope" as "new"] }), TypeError);
});
