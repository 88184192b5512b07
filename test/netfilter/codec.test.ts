// nfnetlink codecs on bytes built by hand from the uapi headers, and on
// truncated or garbled bytes: every failure must be a ParseError.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { type AttrWriter, type NetlinkMessage, ParseError, parseMessages } from "../../mod.ts";
import {
  decodeConntrack,
  decodeConntrackEvent,
  decodeLogEntry,
  decodeQueuePacket,
  describeNfnlType,
  encodeDumpRequest,
  encodeVerdict,
  nfnlMessage,
  nfnlType,
  parseNfnl,
  splitNfnlType,
} from "../../src/netfilter/mod.ts";
import { statusNames } from "../../src/netfilter/conntrack.ts";

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function one(bytes: Uint8Array): NetlinkMessage {
  const msgs = parseMessages(bytes);
  assert.equal(msgs.length, 1);
  return msgs[0];
}

function be64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), false);
  return b;
}

function tuple(w: AttrWriter, src: string, dst: string, proto: (p: AttrWriter) => void): void {
  w.nest(1, /* CTA_TUPLE_IP */ (ip) => {
    const v6 = src.includes(":");
    ip.ip(v6 ? 3 : 1, src).ip(v6 ? 4 : 2, dst);
  });
  w.nest(2, /* CTA_TUPLE_PROTO */ proto);
}

/** IPCTNL_MSG_CT_NEW for a TCP flow, with every attribute the decoder knows and one it does not. */
function conntrackMessage(flags = 0): Uint8Array {
  const w = nfnlMessage(1, 0, flags, { family: 2 });
  w.nest(1, (t) => tuple(t, "10.0.0.1", "10.0.0.2", (p) => p.u8(1, 6).be16(2, 40000).be16(3, 80)));
  w.nest(2, (t) => tuple(t, "10.0.0.2", "10.0.0.1", (p) => p.u8(1, 6).be16(2, 80).be16(3, 40000)));
  w.be32(3, 0x0e); // seen-reply, assured, confirmed
  w.nest(
    4,
    (pi) =>
      pi.nest(
        1,
        (tcp) => tcp.u8(1, 3).u8(2, 7).u8(3, 9).attr(4, new Uint8Array([0x23, 0x23])).attr(5, new Uint8Array([1, 1])),
      ),
  );
  w.be32(7, 431999);
  w.be32(8, 0xdeadbeef);
  w.nest(9, (c) => c.attr(1, be64(12)).attr(2, be64(3400)));
  w.nest(10, (c) => c.attr(1, be64(10)).attr(2, be64(0x1_0000_0001)));
  w.be32(11, 1);
  w.be32(12, 0x01020304);
  w.be16(18, 7);
  w.attr(22, new Uint8Array(16).fill(0xaa));
  w.nest(20, (ts) => ts.attr(1, be64(1000)));
  w.nest(5, (h) => h.str(1, "ftp"));
  w.u32(99, 5);
  return w.finish();
}

function queueMessage(): Uint8Array {
  const w = nfnlMessage(3, 0, 0, { family: 10, resId: 513 });
  w.attr(1, new Uint8Array([0, 0, 1, 2, 0x86, 0xdd, 1])); // id 258, IPv6, NF_INET_LOCAL_IN
  w.be32(3, 0x99);
  w.attr(4, new Uint8Array([...be64(1700000000), ...be64(123456)]));
  w.be32(5, 4);
  w.attr(9, new Uint8Array([0, 6, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0]));
  w.attr(10, new Uint8Array([0x60, 1, 2, 3]));
  w.be32(13, 1500);
  w.be32(14, 2);
  w.be32(16, 1000);
  w.be32(17, 100);
  w.nest(11, (ct) => ct.be32(12, 1));
  w.be32(12, 2);
  w.u32(40, 1);
  return w.finish();
}

function logMessage(): Uint8Array {
  const w = nfnlMessage(4, 0, 0, { family: 2, resId: 9 });
  w.attr(1, new Uint8Array([0x08, 0x00, 3, 0]));
  w.be32(2, 0x33);
  w.be32(5, 1);
  w.attr(9, new Uint8Array([0x45, 0, 0, 20]));
  w.str(10, "prefix!");
  w.be32(11, 65534);
  w.be32(14, 65533);
  w.be32(12, 5);
  w.be32(13, 77);
  w.be16(15, 772);
  return w.finish();
}

test("nfnetlink message types and the nfgenmsg header follow nfnetlink.h", () => {
  assert.equal(nfnlType(1, 2), 0x102);
  assert.deepEqual(splitNfnlType(0x403), { subsys: 4, msg: 3 });
  assert.equal(describeNfnlType(0x102), "IPCTNL_MSG_CT_DELETE");
  assert.equal(describeNfnlType(0x301), "NFQNL_MSG_VERDICT");
  assert.equal(describeNfnlType(0x401), "NFULNL_MSG_CONFIG");
  assert.equal(describeNfnlType(0xa00), undefined);
  const bytes = nfnlMessage(3, 2, 0, { family: 10, resId: 0x1234 }).finish();
  // nlmsghdr (len 20, type 0x0302, flags 0, seq 0, pid 0) then nfgenmsg: family, version, res_id big-endian.
  assert.equal(hex(bytes), "14000000020300000000000000000000" + "0a001234");
  const { header, attrs } = parseNfnl(one(bytes));
  assert.deepEqual(header, { family: 10, version: 0, resId: 0x1234 });
  assert.equal(attrs.size, 0);
});

test("conntrack dump request: family in nfgenmsg, CTA_MARK/CTA_MARK_MASK big-endian, CTA_FILTER on the protocol", () => {
  const bytes = encodeDumpRequest({ family: "inet", protocol: "tcp", mark: 1, markMask: 0xff });
  const m = one(bytes);
  assert.equal(m.type, 0x101);
  assert.equal(m.flags, 0x300);
  const { header, attrs } = parseNfnl(m);
  assert.equal(header.family, 2);
  assert.equal(hex(attrs.get(8)!), "00000001");
  assert.equal(hex(attrs.get(21)!), "000000ff");
  assert.equal(attrs.nested(25)!.u32(1), 8); // CTA_FILTER_ORIG_FLAGS = CTA_FILTER_F_CTA_PROTO_NUM
  assert.equal(attrs.nested(1)!.nested(2)!.u8(1), 6);
  // Without a family the kernel cannot filter on a tuple: no CTA_FILTER, the protocol is matched locally.
  const plain = parseNfnl(one(encodeDumpRequest({ protocol: "udp" })));
  assert.equal(plain.header.family, 0);
  assert.equal(plain.attrs.size, 0);
  assert.throws(() => encodeDumpRequest({ markMask: 1 }), TypeError);
  assert.throws(() => encodeDumpRequest({ mark: -1 }), TypeError);
  assert.throws(() => encodeDumpRequest({ family: "ipx" as "inet" }), TypeError);
});

test("verdict messages follow nfqnl_msg_verdict_hdr: big-endian verdict and id, then NFQA_MARK", () => {
  const m = one(encodeVerdict(7, 0x01020304, "accept", { mark: 0x99 }));
  assert.equal(m.type, 0x301);
  const { header, attrs } = parseNfnl(m);
  assert.equal(header.resId, 7);
  assert.equal(hex(attrs.get(2)!), "00000001" + "01020304");
  assert.equal(attrs.be32(3), 0x99);
  const batch = one(encodeVerdict(7, 10, "drop", {}, true));
  assert.equal(batch.type, 0x303);
  assert.equal(hex(parseNfnl(batch).attrs.get(2)!), "00000000" + "0000000a");
  const toQueue = parseNfnl(one(encodeVerdict(1, 1, "queue", { toQueue: 5 }))).attrs.get(2)!;
  assert.equal(hex(toQueue.subarray(0, 4)), "00050003");
  const payload = parseNfnl(one(encodeVerdict(1, 1, "accept", { payload: new Uint8Array([0x45, 1]) }))).attrs.get(10)!;
  assert.equal(hex(payload), "4501");
  assert.throws(() => encodeVerdict(1, 1, "maybe" as "accept"), TypeError);
  assert.throws(() => encodeVerdict(1, 1, "accept", { mark: 2 ** 32 }), TypeError);
  assert.throws(() => encodeVerdict(1, 1, "accept", { payload: new Uint8Array(1) }, true), TypeError);
});

test("conntrack entry decoding: tuples, status names, TCP info, counters, mark, zone, labels, unknown kept", () => {
  const e = decodeConntrack(one(conntrackMessage()));
  assert.equal(e.family, "inet");
  assert.deepEqual(e.orig, {
    src: "10.0.0.1",
    dst: "10.0.0.2",
    protocol: 6,
    protocolName: "tcp",
    srcPort: 40000,
    dstPort: 80,
  });
  assert.equal(e.reply.srcPort, 80);
  assert.deepEqual(e.statusFlags, ["seen-reply", "assured", "confirmed"]);
  assert.equal(e.tcp?.state, "ESTABLISHED");
  assert.equal(e.tcp?.wscaleOriginal, 7);
  assert.equal(e.tcp?.wscaleReply, 9);
  assert.deepEqual(e.tcp?.flagsOriginal, { flags: 0x23, mask: 0x23 });
  assert.equal(e.timeout, 431999);
  assert.equal(e.mark, 0xdeadbeef);
  assert.deepEqual(e.counters, { orig: { packets: 12, bytes: 3400 }, reply: { packets: 10, bytes: 0x1_0000_0001 } });
  assert.equal(e.use, 1);
  assert.equal(e.id, 0x01020304);
  assert.equal(e.zone, 7);
  assert.equal(e.labels?.length, 16);
  assert.equal(e.timestamp?.start, 1000n);
  assert.equal(e.helper, "ftp");
  assert.equal(e.unknown.length, 1);
  assert.equal(e.unknown[0].type, 99);
  assert.equal(decodeConntrackEvent(one(conntrackMessage(0x600))).type, "new");
  assert.equal(decodeConntrackEvent(one(conntrackMessage(0))).type, "update");
  assert.deepEqual(statusNames(1 << 20 | 1), ["expected", "bit20"]);
});

test("conntrack tuples: ICMP type/code/id and IPv6 addresses", () => {
  const w = nfnlMessage(1, 2, 0, { family: 10 });
  w.nest(1, (t) => tuple(t, "2001:db8::1", "::1", (p) => p.u8(1, 58).be16(7, 0x1234).u8(8, 128).u8(9, 0)));
  w.nest(2, (t) => tuple(t, "::1", "2001:db8::1", (p) => p.u8(1, 58).be16(7, 0x1234).u8(8, 129).u8(9, 0)));
  const ev = decodeConntrackEvent(one(w.finish()));
  assert.equal(ev.type, "destroy");
  assert.equal(ev.entry.family, "inet6");
  assert.deepEqual(ev.entry.orig, {
    src: "2001:db8::1",
    dst: "::1",
    protocol: 58,
    protocolName: "icmpv6",
    icmpType: 128,
    icmpCode: 0,
    icmpId: 0x1234,
  });
  assert.equal(ev.entry.reply.icmpType, 129);
});

test("queued packet decoding follows nfqnl_msg_packet_hdr and the NFQA attributes", () => {
  const p = decodeQueuePacket(one(queueMessage()));
  assert.equal(p.queue, 513);
  assert.equal(p.family, "inet6");
  assert.equal(p.id, 258);
  assert.equal(p.hwProtocol, 0x86dd);
  assert.equal(p.hookName, "input");
  assert.equal(p.mark, 0x99);
  assert.deepEqual(p.timestamp, { sec: 1700000000, usec: 123456 });
  assert.equal(p.indev, 4);
  assert.equal(p.hwAddr, "02:00:00:00:00:01");
  assert.deepEqual([...p.payload], [0x60, 1, 2, 3]);
  assert.equal(p.capLen, 1500);
  assert.equal(p.gso, true);
  assert.equal(p.uid, 1000);
  assert.equal(p.gid, 100);
  assert.ok(p.ct && p.ct.length === 8);
  assert.equal(p.ctInfo, 2);
  assert.equal(p.unknown[0].type, 40);
});

test("log entry decoding follows nfulnl_msg_packet_hdr and the NFULA attributes", () => {
  const e = decodeLogEntry(one(logMessage()));
  assert.equal(e.group, 9);
  assert.equal(e.family, "inet");
  assert.equal(e.hwProtocol, 0x0800);
  assert.equal(e.hookName, "output");
  assert.equal(e.mark, 0x33);
  assert.equal(e.outdev, 1);
  assert.equal(e.prefix, "prefix!");
  assert.equal(e.uid, 65534);
  assert.equal(e.gid, 65533);
  assert.equal(e.seq, 5);
  assert.equal(e.seqGlobal, 77);
  assert.equal(e.hwType, 772);
  assert.equal(e.payload.length, 4);
});

test("malformed netfilter messages are ParseErrors", () => {
  const msg = (type: number, payload: number[] | Uint8Array): NetlinkMessage => ({
    type,
    flags: 0,
    seq: 0,
    pid: 0,
    payload: Uint8Array.from(payload),
  });
  const isParse = (fn: () => unknown, what: string) => assert.throws(fn, ParseError, what);
  isParse(() => decodeConntrack(msg(0x100, [2, 0])), "short nfgenmsg");
  isParse(() => decodeConntrack(msg(0x100, [2, 0, 0, 0])), "no tuples");
  isParse(() => decodeConntrack(msg(0x100, [2, 0, 0, 0, 8, 0, 1, 0, 1, 2])), "attribute past the end");
  isParse(() => decodeConntrack(msg(0x100, [2, 0, 0, 0, 2, 0, 1, 0])), "attribute shorter than its header");
  // A 5-byte IPv4 address.
  const w = nfnlMessage(1, 0, 0, { family: 2 });
  const badIp = (t: AttrWriter) => {
    t.nest(1, (ip) => ip.attr(1, new Uint8Array(5)).attr(2, new Uint8Array(4)));
    t.nest(2, (p) => p.u8(1, 17));
  };
  w.nest(1, badIp).nest(2, badIp);
  isParse(() => decodeConntrack(one(w.finish())), "bad address length");
  const noProto = nfnlMessage(1, 0, 0, { family: 2 });
  const ipOnly = (t: AttrWriter) => t.nest(1, (ip) => ip.ip(1, "1.1.1.1").ip(2, "2.2.2.2"));
  noProto.nest(1, ipOnly).nest(2, ipOnly);
  isParse(() => decodeConntrack(one(noProto.finish())), "tuple without protocol");
  isParse(() => decodeConntrackEvent(msg(0x300, [2, 0, 0, 0])), "not conntrack");
  isParse(() => decodeQueuePacket(msg(0x300, [2, 0, 0, 0])), "no packet header");
  isParse(() => decodeQueuePacket(msg(0x300, [2, 0, 0, 0, 7, 0, 1, 0, 1, 2, 3])), "short packet header");
  isParse(() => decodeQueuePacket(msg(0x100, [2, 0, 0, 0])), "wrong type");
  const shortTs = nfnlMessage(3, 0);
  shortTs.attr(1, new Uint8Array(7)).attr(4, new Uint8Array(15));
  isParse(() => decodeQueuePacket(one(shortTs.finish())), "short timestamp");
  const longHw = nfnlMessage(3, 0);
  longHw.attr(1, new Uint8Array(7)).attr(9, new Uint8Array([0, 200, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
  isParse(() => decodeQueuePacket(one(longHw.finish())), "hardware address longer than its attribute");
  const shortMark = nfnlMessage(4, 0);
  shortMark.attr(1, new Uint8Array(4)).attr(2, new Uint8Array(2));
  isParse(() => decodeLogEntry(one(shortMark.finish())), "2-byte mark");
  isParse(() => decodeLogEntry(msg(0x400, [2, 0, 0, 0, 5, 0, 1, 0, 8])), "1-byte log header");
});

/** A small deterministic PRNG (xorshift32), so failures can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const decoders: [string, (m: NetlinkMessage) => unknown, () => Uint8Array][] = [
  ["conntrack", decodeConntrack, () => conntrackMessage()],
  ["queue", decodeQueuePacket, queueMessage],
  ["log", decodeLogEntry, logMessage],
];

test("every truncation of a valid message decodes or is a ParseError, never another error", () => {
  for (const [name, decode, make] of decoders) {
    const m = one(make());
    let failures = 0;
    for (let n = 0; n < m.payload.length; n++) {
      try {
        decode({ ...m, payload: m.payload.subarray(0, n) });
      } catch (e) {
        assert.ok(e instanceof ParseError, `${name} cut at ${n}: ${e}`);
        failures++;
      }
    }
    assert.ok(failures > 0, `${name}: truncations were noticed`);
  }
});

test("garbled and random bytes decode or are ParseErrors, never another error (seeded fuzz)", () => {
  const random = rng(0x5eed);
  for (const [name, decode, make] of decoders) {
    const base = one(make());
    for (let i = 0; i < 3000; i++) {
      const payload = base.payload.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) payload[Math.floor(random() * payload.length)] = Math.floor(random() * 256);
      try {
        decode({ ...base, payload });
      } catch (e) {
        assert.ok(e instanceof ParseError, `${name} iteration ${i}: ${e}`);
      }
    }
    for (let i = 0; i < 1000; i++) {
      const payload = new Uint8Array(Math.floor(random() * 96));
      for (let j = 0; j < payload.length; j++) payload[j] = Math.floor(random() * 256);
      try {
        decode({ ...base, payload });
      } catch (e) {
        assert.ok(e instanceof ParseError, `${name} random ${i}: ${e}`);
      }
    }
  }
});
