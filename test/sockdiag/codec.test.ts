// Decoders and encoders on bytes: replies captured from the kernel (see
// fixtures/capture.ts) checked against ss's line for the same socket, and
// truncated or garbage input, which must give ParseError and nothing else.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { hexFile } from "../helpers/fixtures.ts";
import { test } from "../helpers/harness.ts";
import { ParseError } from "../../src/wire/errors.ts";
import { AddressError } from "../../src/wire/values.ts";
import { type NetlinkMessage, parseMessages } from "../../src/wire/message.ts";
import {
  decodeInetSocket,
  decodeTcpInfo,
  decodeUnixSocket,
  encodeInetDestroyRequest,
  encodeInetDumpRequest,
  encodeInetGetRequest,
  encodeUnixDumpRequest,
  encodeUnixGetRequest,
  type InetExtension,
  type UnixShow,
} from "../../src/sockdiag/mod.ts";
import { decodeBbrInfo } from "../../src/sockdiag/tcpinfo.ts";
import { decodeSkMeminfo, extensionMask, stateMask } from "../../src/sockdiag/inet.ts";
import { showMask } from "../../src/sockdiag/unix.ts";
import { endpoint, parseSs } from "./helpers.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

function fixture(name: string): NetlinkMessage {
  const [msg] = parseMessages(hexFile(new URL(name, fixtures)));
  return msg;
}

function ssLine(name: string, unix = false) {
  const [r] = parseSs(readFileSync(new URL(name, fixtures), "utf8"), unix);
  return r;
}

function skmem(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.replace(/^\(|\)$/g, "").split(",")) {
    const m = /^([a-z]+)(\d+)$/.exec(part);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Decoding must give a value or a ParseError, never another exception. */
function onlyParseErrors(decode: () => unknown): "ok" | "parse-error" {
  try {
    decode();
    return "ok";
  } catch (e) {
    if (e instanceof ParseError) return "parse-error";
    throw e;
  }
}

/** A small deterministic PRNG (xorshift32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test("a captured TCP/IPv6 ESTAB reply decodes to what ss printed for the same socket", () => {
  const s = decodeInetSocket(fixture("tcp6-estab.hex"), "tcp");
  const r = ssLine("tcp6-estab.ss");
  assert.equal(r.state, "", "captured with `state established`: ss prints no State column");
  assert.equal(s.state, "ESTAB");
  assert.equal(s.family, "inet6");
  const local = endpoint(r.local), peer = endpoint(r.peer);
  assert.deepEqual([s.src, s.srcPort, s.dst, s.dstPort], [local.address, local.port, peer.address, peer.port]);
  assert.equal(s.rqueue, r.recvQ);
  assert.equal(s.wqueue, r.sendQ);
  assert.equal(String(s.inode), r.kv.ino);
  assert.equal(s.cookie.toString(16), r.kv.sk);
  assert.equal(`(${s.timer!.name},`, r.kv.timer.slice(0, s.timer!.name.toString().length + 2));
  assert.equal(s.uid, 0);
  const mem = skmem(r.kv.skmem);
  const m = s.skmeminfo!;
  assert.deepEqual(
    [m.rmemAlloc, m.rcvbuf, m.wmemAlloc, m.sndbuf, m.fwdAlloc, m.wmemQueued, m.optmem, m.backlog, m.drops],
    [mem.r, mem.rb, mem.t, mem.tb, mem.f, mem.w, mem.o, mem.bl, mem.d],
  );
  assert.equal(s.congestion, "bbr");
  assert.ok(r.words.includes("bbr"));
  assert.equal(s.shutdown, 0);
  assert.ok(r.words.includes("<->"), "ss shows shutdown 0 as <->");
  const ti = s.tcpInfo!;
  assert.equal(ti.options.timestamps && ti.options.sack, r.words.includes("ts") && r.words.includes("sack"));
  assert.equal(`${ti.sndWscale},${ti.rcvWscale}`, r.kv.wscale);
  assert.equal(ti.rto / 1000, Number(r.kv.rto));
  assert.equal(ti.ato / 1000, Number(r.kv.ato));
  assert.equal(`${ti.rtt / 1000}/${ti.rttvar / 1000}`, r.kv.rtt);
  assert.equal(ti.sndMss, Number(r.kv.mss));
  assert.equal(ti.pmtu, Number(r.kv.pmtu));
  assert.equal(ti.rcvMss, Number(r.kv.rcvmss));
  assert.equal(ti.advmss, Number(r.kv.advmss));
  assert.equal(ti.sndCwnd, Number(r.kv.cwnd));
  assert.equal(ti.bytesSent, Number(r.kv.bytes_sent));
  assert.equal(ti.bytesAcked, Number(r.kv.bytes_acked));
  assert.equal(ti.bytesReceived, Number(r.kv.bytes_received));
  assert.equal(ti.segsOut, Number(r.kv.segs_out));
  assert.equal(ti.segsIn, Number(r.kv.segs_in));
  assert.equal(ti.dataSegsOut, Number(r.kv.data_segs_out));
  assert.equal(ti.dataSegsIn, Number(r.kv.data_segs_in));
  assert.equal(ti.delivered, Number(r.kv.delivered));
  assert.equal(ti.rcvSpace, Number(r.kv.rcv_space));
  assert.equal(ti.rcvSsthresh, Number(r.kv.rcv_ssthresh));
  assert.equal(ti.minRtt! / 1000, Number(r.kv.minrtt));
  assert.equal(ti.sndWnd, Number(r.kv.snd_wnd));
  assert.equal(ti.deliveryRateAppLimited, r.words.includes("app_limited"));
  // ss prints rates in bits per second.
  assert.equal(`${ti.pacingRate! * 8}bps`, r.pairs.pacing_rate);
  assert.equal(`${ti.deliveryRate! * 8}bps`, r.pairs.delivery_rate);
  assert.equal(ti.sndSsthresh, 0x7fffffff, "infinite: ss leaves ssthresh out");
  assert.equal(r.kv.ssthresh, undefined);
  const bbr = s.ccInfo!;
  assert.equal(bbr.algorithm, "bbr");
  if (bbr.algorithm === "bbr") {
    const fields = Object.fromEntries(r.kv.bbr.replace(/^\(|\)$/g, "").split(",").map((p) => p.split(":")));
    assert.equal(`${bbr.bandwidth * 8}bps`, fields.bw);
    assert.equal(bbr.minRtt / 1000, Number(fields.mrtt));
    assert.equal(bbr.pacingGain.toPrecision(6), Number(fields.pacing_gain).toPrecision(6));
    assert.equal(bbr.cwndGain.toPrecision(6), Number(fields.cwnd_gain).toPrecision(6));
  }
  assert.deepEqual(s.unknown, [], "every attribute of this kernel is known");
});

test("a captured UNIX listener reply decodes to what ss printed for it", () => {
  const s = decodeUnixSocket(fixture("unix-listen.hex"));
  const r = ssLine("unix-listen.ss", true);
  assert.equal(r.netid, "u_str");
  assert.equal(s.type, "stream");
  assert.equal(s.state, r.state);
  assert.equal(s.name, r.local);
  assert.equal(s.abstract, true);
  assert.equal(s.inode, r.localInode);
  assert.equal(s.peer ?? 0, r.peerInode);
  assert.equal(s.rqueue, r.recvQ);
  assert.equal(s.wqueue, r.sendQ);
  assert.deepEqual(s.pending, r.peers);
  assert.equal(s.meminfo!.rcvbuf, skmem(r.kv.skmem).rb);
  assert.equal(s.uid, 0);
  assert.deepEqual(s.unknown, []);
});

test("truncated inet and unix replies give ParseError at every length, never a RangeError", () => {
  for (
    const [name, decode] of [
      ["tcp6-estab.hex", (m: NetlinkMessage) => decodeInetSocket(m, "tcp")],
      ["unix-listen.hex", (m: NetlinkMessage) => decodeUnixSocket(m)],
    ] as const
  ) {
    const msg = fixture(name);
    let parsed = 0, refused = 0;
    for (let len = 0; len < msg.payload.length; len++) {
      const cut = { ...msg, payload: msg.payload.slice(0, len) };
      if (onlyParseErrors(() => decode(cut)) === "ok") parsed++;
      else refused++;
    }
    assert.ok(refused > 0 && parsed > 0, `${name}: cuts at attribute boundaries decode, others do not`);
    assert.equal(onlyParseErrors(() => decode({ ...msg, payload: msg.payload.slice(0, 15) })), "parse-error");
  }
});

test("random garbage and hostile lengths give ParseError, never another exception or a hang", () => {
  const next = prng(0x5d1a9);
  const inet = fixture("tcp6-estab.hex");
  const unix = fixture("unix-listen.hex");
  let ok = 0;
  for (let round = 0; round < 3000; round++) {
    // Keep the fixed header valid half of the time, so attribute parsing is exercised.
    const base = round % 2 ? inet : unix;
    const len = next() % (base.payload.length + 64);
    const payload = new Uint8Array(len);
    for (let i = 0; i < len; i++) payload[i] = next() & 0xff;
    if (round % 4 < 2) payload.set(base.payload.subarray(0, Math.min(len, base === inet ? 72 : 16)));
    // Flip a few bytes of a real reply, too.
    const flipped = base.payload.slice();
    for (let i = 0; i < 4; i++) flipped[next() % flipped.length] = next() & 0xff;
    for (const p of [payload, flipped]) {
      const m = { ...base, payload: p };
      if (onlyParseErrors(() => (base === inet ? decodeInetSocket(m, "tcp") : decodeUnixSocket(m))) === "ok") ok++;
    }
  }
  assert.ok(ok > 0, "some inputs are still valid");
  // Hand-made hostile attributes after a valid inet_diag_msg.
  const head = inet.payload.slice(0, 72);
  const withAttr = (bytes: number[]) => ({ ...inet, payload: new Uint8Array([...head, ...bytes]) });
  const cases: [string, number[]][] = [
    ["nla_len past the end", [0xff, 0xff, 2, 0]],
    ["nla_len below the header", [2, 0, 2, 0]],
    ["tcp_info of 8 bytes", [12, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]],
    ["skmeminfo of 4 bytes", [8, 0, 7, 0, 0, 0, 0, 0]],
    ["meminfo of 4 bytes", [8, 0, 1, 0, 0, 0, 0, 0]],
    ["empty TOS", [4, 0, 5, 0]],
    ["bbr info of 8 bytes", [12, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ["mark of 2 bytes", [6, 0, 15, 0, 1, 0, 0, 0]],
    ["ULP nest with a broken inner attribute", [8, 0, 19, 0x80, 9, 0, 1, 0]],
  ];
  for (const [what, bytes] of cases) {
    assert.throws(() => decodeInetSocket(withAttr(bytes), "tcp"), ParseError, what);
  }
  const uhead = unix.payload.slice(0, 16);
  const unixWith = (bytes: number[]) => ({ ...unix, payload: new Uint8Array([...uhead, ...bytes]) });
  for (
    const [what, bytes] of [
      ["rqlen of 4 bytes", [8, 0, 4, 0, 1, 0, 0, 0]],
      ["icons of 6 bytes", [10, 0, 3, 0, 1, 0, 0, 0, 2, 0, 0, 0]],
      ["vfs of 4 bytes", [8, 0, 1, 0, 1, 0, 0, 0]],
      ["peer of 2 bytes", [6, 0, 2, 0, 1, 0, 0, 0]],
    ] as [string, number[]][]
  ) {
    assert.throws(() => decodeUnixSocket(unixWith(bytes)), ParseError, what);
  }
  // Wrong family or message type.
  assert.throws(() => decodeInetSocket({ ...inet, payload: new Uint8Array(72) }, "tcp"), ParseError);
  assert.throws(() => decodeUnixSocket({ ...unix, payload: new Uint8Array(16) }), ParseError);
  assert.throws(() => decodeInetSocket({ ...inet, type: 2 }, "tcp"), ParseError);
  // Unknown attributes are kept raw.
  const kept = decodeInetSocket(withAttr([8, 0, 99, 0, 1, 2, 3, 4]), "tcp");
  assert.deepEqual(kept.unknown.map((a) => [a.type, [...a.value]]), [[99, [1, 2, 3, 4]]]);
  const keptUnix = decodeUnixSocket(unixWith([5, 0, 42, 0, 7, 0, 0, 0]));
  assert.deepEqual(keptUnix.unknown.map((a) => [a.type, [...a.value]]), [[42, [7]]]);
});

test("tcp_info decodes exactly the fields the kernel sent", () => {
  assert.throws(() => decodeTcpInfo(new Uint8Array(103)), ParseError);
  const short = decodeTcpInfo(new Uint8Array(104));
  assert.equal(short.totalRetrans, 0);
  assert.equal("pacingRate" in short, false);
  const bytes = new Uint8Array(300);
  const dv = new DataView(bytes.buffer);
  bytes[0] = 1;
  bytes[1] = 4;
  bytes[5] = 0x07;
  bytes[6] = 0x7a; // snd_wscale 10, rcv_wscale 7
  bytes[7] = 0x05; // app limited, fastopen_client_fail 2
  dv.setUint32(68, 1234, true);
  dv.setBigUint64(104, 0xffffffffffffffffn, true);
  dv.setBigUint64(120, 2n ** 40n + 5n, true);
  dv.setUint16(240, 7, true);
  dv.setUint16(278, 1, true);
  bytes.fill(0xab, 280);
  const ti = decodeTcpInfo(bytes);
  assert.equal(ti.state, "ESTAB");
  assert.equal(ti.caState, "loss");
  assert.deepEqual([ti.options.timestamps, ti.options.sack, ti.options.wscale, ti.options.ecn], [
    true,
    true,
    true,
    false,
  ]);
  assert.deepEqual([ti.sndWscale, ti.rcvWscale], [10, 7]);
  assert.equal(ti.deliveryRateAppLimited, true);
  assert.equal(ti.fastopenClientFail, 2);
  assert.equal(ti.rtt, 1234);
  assert.equal(ti.pacingRate, Infinity);
  assert.equal(ti.bytesAcked, 2 ** 40 + 5);
  assert.equal(ti.totalRto, 7);
  assert.equal(ti.accecnOptSeen, 1);
  assert.deepEqual([...ti.extra!], new Array(20).fill(0xab));
  assert.throws(() => decodeBbrInfo(new Uint8Array(19)), ParseError);
  assert.throws(() => decodeSkMeminfo(new Uint8Array(28)), ParseError);
  assert.deepEqual(decodeSkMeminfo(new Uint8Array(44)).extra, [0, 0]);
});

test("requests are laid out as struct inet_diag_req_v2 / unix_diag_req say", () => {
  const dump = encodeInetDumpRequest("inet6", {
    protocol: "udp",
    states: ["LISTEN", "ESTAB"],
    extensions: ["info", "cong"],
  });
  const dv = new DataView(dump.buffer);
  assert.equal(dump.length, 16 + 56);
  assert.equal(dv.getUint32(0, true), 72);
  assert.equal(dv.getUint16(4, true), 20);
  assert.deepEqual([...dump.subarray(16, 20)], [10, 17, 0b1010, 0]);
  assert.equal(dv.getUint32(20, true), (1 << 10) | (1 << 1));
  assert.equal(dv.getUint32(64, true), 0xffffffff, "INET_DIAG_NOCOOKIE");
  assert.equal(dv.getUint32(68, true), 0xffffffff);
  // MPTCP does not fit in a byte: INET_DIAG_REQ_PROTOCOL carries it.
  const mptcp = encodeInetDumpRequest("inet", { protocol: "mptcp" });
  assert.equal(mptcp.length, 72 + 8);
  assert.deepEqual([...mptcp.subarray(72)], [8, 0, 3, 0, 6, 1, 0, 0]);
  assert.equal(mptcp[17], 6);
  assert.equal(encodeInetDumpRequest("inet", { protocol: "raw", rawProtocol: 1 })[19], 1);
  // A look-up names the socket.
  const get = encodeInetGetRequest({
    family: "inet6",
    src: "::1",
    srcPort: 80,
    dst: "2001:db8::2",
    dstPort: 4000,
    interface: 3,
    cookie: 0x100000002n,
  });
  const g = new DataView(get.buffer);
  assert.equal(g.getUint16(24, false), 80);
  assert.equal(g.getUint16(26, false), 4000);
  assert.equal(get[28 + 15], 1);
  assert.deepEqual([...get.subarray(44, 46)], [0x20, 0x01]);
  assert.equal(g.getUint32(60, true), 3);
  assert.deepEqual([g.getUint32(64, true), g.getUint32(68, true)], [2, 1]);
  assert.equal(encodeInetDestroyRequest({ family: "inet", src: "10.0.0.1", srcPort: 1 })[4], 21);
  // UNIX.
  const u = encodeUnixDumpRequest({ states: ["LISTEN"], show: ["name", "peer", "uid"] });
  const ud = new DataView(u.buffer);
  assert.equal(u.length, 16 + 24);
  assert.equal(u[16], 1);
  assert.equal(ud.getUint32(20, true), 1 << 10);
  assert.equal(ud.getUint32(28, true), 0x45);
  assert.equal(ud.getUint32(32, true), 0xffffffff);
  assert.equal(new DataView(encodeUnixGetRequest(77).buffer).getUint32(24, true), 77);
  assert.equal(showMask(), 0x7f, "everything by default");
});

test("state filter masks are those ss 6.1 sends (seen with strace), plus NEW_SYN_RECV with SYN-RECV", () => {
  // idiag_states ss sent for `ss -t state X`, without ss's bit 0 (TCP state 0 does not exist).
  const seen: Record<string, number> = {
    connected: 0b101101111110,
    synchronized: 0b101101111010,
    bucket: 0b000001001000,
    big: 0b111110110110,
    all: 0b111111111110,
    closed: 0b000010000000,
    established: 0b10,
    "syn-recv": 0b1000,
  };
  const NEW_SYN_RECV = 1 << 12;
  for (const [name, mask] of Object.entries(seen)) {
    const ours = stateMask([name as "all"]);
    const expected = mask & (1 << 3) ? mask | NEW_SYN_RECV : mask;
    assert.equal(ours, expected, name);
  }
  assert.equal(stateMask(), 0xffffffff);
  assert.throws(() => stateMask(["ESTABLISHED" as "all"]), TypeError);
});

test("bad options are refused before anything is sent", () => {
  assert.throws(() => encodeInetDumpRequest("inet", { protocol: "icmp" as "tcp" }), TypeError);
  assert.throws(() => encodeInetDumpRequest("inet", { protocol: -1 }), TypeError);
  assert.throws(() => encodeInetDumpRequest("ipx" as "inet"), TypeError);
  assert.throws(() => encodeInetDumpRequest("inet", { rawProtocol: 256 }), TypeError);
  assert.throws(() => extensionMask(["bogus" as InetExtension]), TypeError);
  assert.throws(() => showMask(["bogus" as UnixShow]), TypeError);
  assert.throws(() => encodeInetGetRequest({ family: "inet", src: "::1", srcPort: 1 }), AddressError);
  assert.throws(() => encodeInetGetRequest({ family: "inet6", src: "10.0.0.1", srcPort: 1 }), AddressError);
  assert.throws(() => encodeInetGetRequest({ family: "inet", src: "10.0.0.300", srcPort: 1 }), AddressError);
  assert.throws(() => encodeInetGetRequest({ family: "inet", src: "10.0.0.1", srcPort: 65536 }), TypeError);
  assert.throws(() => encodeInetGetRequest({ family: "inet", src: "10.0.0.1", srcPort: 1, cookie: -1n }), TypeError);
  assert.throws(() => encodeUnixGetRequest(-1), TypeError);
});
