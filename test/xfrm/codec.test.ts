// XFRM codec: round trips of what we encode, and malformed bytes (truncated,
// lengths that lie, random garbage) that must give ParseError, never a
// RangeError or a hang.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ParseError } from "../../src/wire/errors.ts";
import { type NetlinkMessage, parseMessages } from "../../src/wire/message.ts";
import { decodePolicy, decodeState, decodeXfrmEvent, encodePolicy, encodeState, XfrmMsg } from "../../src/xfrm/mod.ts";

const STATE = encodeState({
  src: "2001:db8::1",
  dst: "2001:db8::2",
  proto: "esp",
  spi: 0x1234,
  mode: "tunnel",
  reqid: 3,
  auth: { name: "hmac(sha256)", key: "0x" + "01".repeat(32), truncLength: 128 },
  crypt: { name: "cbc(aes)", key: "0x" + "02".repeat(16) },
  encap: { type: "espinudp", sport: 4500, dport: 4500 },
  mark: { value: 1 },
  ifId: 2,
  replayEsn: { replayWindow: 64 },
  flags: ["esn"],
});
const POLICY = encodePolicy({
  selector: { src: "10.0.0.0/8", dst: "10.1.0.0/16" },
  dir: "out",
  templates: [{ src: "192.0.2.1", dst: "192.0.2.2", mode: "tunnel" }, { proto: "ah" }],
  mark: { value: 3 },
  type: "sub",
});

function msg(type: number, payload: Uint8Array): NetlinkMessage {
  return { type, flags: 0, seq: 0, pid: 0, payload };
}

/** Every event type the decoder knows, built by hand from the uapi layouts. */
function handBuilt(): NetlinkMessage[] {
  const state = parseMessages(STATE)[0].payload;
  const policy = parseMessages(POLICY)[0].payload;
  const expire = new Uint8Array(232 + state.length - 224);
  expire.set(state.subarray(0, 224));
  expire[224] = 1;
  expire.set(state.subarray(224), 232);
  const polexpire = new Uint8Array(176 + policy.length - 168);
  polexpire.set(policy.subarray(0, 168));
  polexpire.set(policy.subarray(168), 176);
  const acquire = new Uint8Array(280 + policy.length - 168);
  acquire.set(policy.subarray(0, 168), 96);
  acquire.set(policy.subarray(168), 280);
  acquire[20] = 50;
  const ae = new Uint8Array(48 + 4 + 12 + 4 + 32);
  new DataView(ae.buffer).setUint16(20, 2, true);
  new DataView(ae.buffer).setUint16(48, 16, true); // XFRMA_REPLAY_VAL
  new DataView(ae.buffer).setUint16(50, 10, true);
  new DataView(ae.buffer).setUint16(64, 36, true); // XFRMA_LTIME_VAL
  new DataView(ae.buffer).setUint16(66, 9, true);
  const report = new Uint8Array(60);
  report[0] = 50;
  const mapping = new Uint8Array(64);
  new DataView(mapping.buffer).setUint16(20, 2, true);
  return [
    msg(XfrmMsg.NEWSA, state),
    msg(XfrmMsg.NEWPOLICY, policy),
    msg(XfrmMsg.EXPIRE, expire),
    msg(XfrmMsg.POLEXPIRE, polexpire),
    msg(XfrmMsg.ACQUIRE, acquire),
    msg(XfrmMsg.NEWAE, ae),
    msg(XfrmMsg.REPORT, report),
    msg(XfrmMsg.MAPPING, mapping),
    msg(XfrmMsg.FLUSHSA, new Uint8Array([51])),
  ];
}

test("hand-built events of every kind decode to their typed shapes", () => {
  const kinds = handBuilt().map((m) => decodeXfrmEvent(m));
  assert.deepEqual(kinds.map((e) => e.kind), [
    "sa",
    "policy",
    "expire",
    "policy-expire",
    "acquire",
    "aevent",
    "report",
    "mapping",
    "sa-flush",
  ]);
  const [sa, pol, exp, pexp, acq, ae, rep, map, flush] = kinds;
  assert.ok(sa.kind === "sa" && sa.state.spi === 0x1234 && sa.state.auth?.truncLength === 128);
  assert.ok(sa.kind === "sa" && sa.state.replayEsn?.bitmap.length === 2 && sa.state.encap?.type === "espinudp");
  assert.ok(pol.kind === "policy" && pol.policy.templates.length === 2 && pol.policy.type === "sub");
  assert.ok(exp.kind === "expire" && exp.hard && exp.state.ifId === 2);
  assert.ok(pexp.kind === "policy-expire" && !pexp.hard && pexp.policy.mark?.value === 3);
  assert.ok(acq.kind === "acquire" && acq.proto === "esp" && acq.templates[0].dst === "192.0.2.2");
  assert.ok(ae.kind === "aevent" && ae.replay?.oseq === 0 && ae.lifetime?.bytes === 0);
  assert.ok(rep.kind === "report" && rep.proto === "esp");
  assert.ok(map.kind === "mapping" && map.sa.family === "inet");
  assert.ok(flush.kind === "sa-flush" && flush.proto === "ah");
  assert.deepEqual(decodeXfrmEvent(msg(0x21, new Uint8Array([1, 2]))), {
    kind: "other",
    type: 0x21,
    payload: new Uint8Array([1, 2]),
  });
});

test("round trip: what encodeState/encodePolicy write decodes to what was asked", () => {
  const s = decodeState(parseMessages(STATE)[0]);
  assert.equal(s.dst, "2001:db8::2");
  assert.equal(s.auth!.keyLength, 256);
  assert.equal(s.crypt!.key.length, 16);
  assert.deepEqual(s.mark, { value: 1, mask: 0xffffffff });
  assert.deepEqual(s.flags, ["esn"]);
  assert.equal(s.selector.family, "inet6");
  assert.equal(s.lifetime.config.hardByteLimit, Infinity);
  const p = decodePolicy(parseMessages(POLICY)[0]);
  assert.equal(p.selector.srcPrefixLen, 8);
  assert.equal(p.templates[1].proto, "ah");
  assert.equal(p.templates[1].aalgos, 0xffffffff);
});

function mustParseError(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return;
    throw new Error(`${what}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
}

test("every truncation of every message gives ParseError or a decode, never another error", () => {
  for (const m of handBuilt()) {
    for (let n = 0; n < m.payload.length; n++) {
      mustParseError(() => decodeXfrmEvent({ ...m, payload: m.payload.slice(0, n) }), `type ${m.type} cut at ${n}`);
    }
  }
  // Fixed headers shorter than their struct are errors, not zeros.
  assert.throws(() => decodeState(msg(XfrmMsg.NEWSA, new Uint8Array(223))), ParseError);
  assert.throws(() => decodePolicy(msg(XfrmMsg.NEWPOLICY, new Uint8Array(100))), ParseError);
  assert.throws(() => decodeXfrmEvent(msg(XfrmMsg.ACQUIRE, new Uint8Array(279))), ParseError);
  assert.throws(() => decodeXfrmEvent(msg(XfrmMsg.DELSA, new Uint8Array(24))), /XFRMA_SA/);
});

test("lengths that lie inside attributes give ParseError", () => {
  const state = parseMessages(STATE)[0].payload.slice();
  const dv = new DataView(state.buffer);
  // The first attribute after the 224-byte header is XFRMA_ALG_AUTH_TRUNC: claim a huge key.
  assert.equal(dv.getUint16(226, true), 20);
  const bad = state.slice();
  new DataView(bad.buffer).setUint32(224 + 4 + 64, 100000, true);
  assert.throws(() => decodeState(msg(XfrmMsg.NEWSA, bad)), /runs past/);
  // An attribute length beyond the message.
  const bad2 = state.slice();
  new DataView(bad2.buffer).setUint16(224, 60000, true);
  assert.throws(() => decodeState(msg(XfrmMsg.NEWSA, bad2)), ParseError);
  // A template array that is not a whole number of templates.
  const policy = parseMessages(POLICY)[0].payload.slice();
  const pv = new DataView(policy.buffer);
  assert.equal(pv.getUint16(170, true), 5); // XFRMA_TMPL
  pv.setUint16(168, 4 + 64 + 10, true);
  assert.throws(() => decodePolicy(msg(XfrmMsg.NEWPOLICY, policy)), ParseError);
  // An ESN bitmap longer than its attribute.
  const esnAt = findAttr(state, 224, 23);
  new DataView(state.buffer).setUint32(esnAt + 4, 1000, true);
  assert.throws(() => decodeState(msg(XfrmMsg.NEWSA, state)), /bitmap/);
});

function findAttr(p: Uint8Array, from: number, type: number): number {
  const dv = new DataView(p.buffer, p.byteOffset);
  for (let at = from; at + 4 <= p.length;) {
    const len = dv.getUint16(at, true);
    if ((dv.getUint16(at + 2, true) & 0x3fff) === type) return at;
    at += (len + 3) & ~3;
  }
  throw new Error(`attribute ${type} not found`);
}

test("random garbage never throws anything but ParseError", () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const types = Object.values(XfrmMsg);
  for (let i = 0; i < 3000; i++) {
    const bytes = new Uint8Array(Math.floor(rand() * 400));
    for (let j = 0; j < bytes.length; j++) bytes[j] = rand() * 256;
    const type = types[i % types.length];
    mustParseError(() => decodeXfrmEvent(msg(type, bytes)), `garbage ${i}`);
    // Corrupt real messages one byte at a time too.
    const real = handBuilt()[i % 9];
    const copy = real.payload.slice();
    copy[Math.floor(rand() * copy.length)] = rand() * 256;
    mustParseError(() => decodeXfrmEvent({ ...real, payload: copy }), `corrupted ${i}`);
  }
});

test("encoders validate input with clear errors", () => {
  const base = { src: "10.0.0.1", dst: "10.0.0.2", proto: "esp" as const, spi: 1 };
  assert.throws(() => encodeState({ ...base, src: "fd00::1" }), /differ in family/);
  assert.throws(() => encodeState({ ...base, spi: -1 }), /spi/);
  assert.throws(() => encodeState({ ...base, crypt: { name: "cbc(aes)", key: "0xZZ" } }), /not hex/);
  assert.throws(() => encodeState({ ...base, crypt: { name: "x".repeat(64), key: "00" } }), /longer than 63/);
  assert.throws(() => encodeState({ ...base, mode: "sideways" as "tunnel" }), /mode/);
  assert.throws(() => encodeState({ ...base, dst: "10.0.0.300" }), /IPv4/);
  assert.throws(() => encodeState({ ...base, lifetime: { hardByteLimit: -5 } }), /lifetime/);
  assert.throws(() => encodeState({ ...base, flags: ["bogus" as "esn"] }), /flag/);
  assert.throws(
    () => encodeState({ ...base, encap: { type: "udp" as "espinudp", sport: 1, dport: 1 } }),
    /encapsulation/,
  );
});
