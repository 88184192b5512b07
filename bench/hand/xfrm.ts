/**
 * The xfrm state and policy decoders as they were before xfrm moved onto the
 * schema (`src/xfrm/state.ts`, `policy.ts` at d4a8eb5: random access through
 * `Attrs.parse` and hand-kept sets of known attributes), kept only so that
 * `bench/decode_ab.ts` can time the schema decoders against them on the same
 * messages. Not used by the library.
 */
import { type Attr, Attrs } from "../../src/wire/attrs.ts";
import { ParseError } from "../../src/wire/errors.ts";
import type { NetlinkMessage } from "../../src/wire/message.ts";
import { ip as formatIP } from "../../src/wire/values.ts";
import {
  encapName,
  familyName,
  flagNames,
  modeName,
  protoName,
  readAddress,
  readFixedString,
  readLifetimeConfig,
  readLifetimeCurrent,
  readSelector,
  structView,
} from "../../src/xfrm/common.ts";
import {
  SIZEOF,
  XFRM_ACTIONS,
  XFRM_DIRS,
  XFRM_POLICY_FLAGS,
  XFRM_POLICY_TYPES,
  XFRM_SA_EXTRA_FLAGS,
  XFRM_SHARES,
  XFRM_STATE_FLAGS,
  XfrmAttr,
  XfrmMsg,
} from "../../src/xfrm/constants.ts";
import type {
  XfrmAlgorithm,
  XfrmEncap,
  XfrmPolicy,
  XfrmReplayEsn,
  XfrmReplayState,
  XfrmSecCtx,
  XfrmState,
  XfrmTemplate,
} from "../../src/xfrm/mod.ts";
import { withJson } from "../../src/wire/json.ts";

type XfrmRawAttr = { type: number; value: Uint8Array };

function readMark(b: Uint8Array): { value: number; mask: number } {
  const dv = structView(b, SIZEOF.mark, "xfrm_mark");
  return { value: dv.getUint32(0, true), mask: dv.getUint32(4, true) };
}

function u32(bytes: Uint8Array, what: string): number {
  const dv = structView(bytes, 4, what);
  return dv.getUint32(0, true);
}

function readAlgo(bytes: Uint8Array, kind: "plain" | "auth" | "aead", what: string): XfrmAlgorithm {
  const head = kind === "plain" ? SIZEOF.algo : SIZEOF.algoAuth;
  const dv = structView(bytes, head, what);
  const keyLength = dv.getUint32(64, true);
  const keyBytes = Math.ceil(keyLength / 8);
  if (head + keyBytes > bytes.length) {
    throw new ParseError(
      `${what} key of ${keyLength} bits runs past the attribute (${bytes.length - head} bytes)`,
      head,
    );
  }
  const out: XfrmAlgorithm = {
    name: readFixedString(bytes, 0, 64),
    key: bytes.slice(head, head + keyBytes),
    keyLength,
  };
  if (kind === "auth") out.truncLength = dv.getUint32(68, true);
  if (kind === "aead") out.icvLength = dv.getUint32(68, true);
  return out;
}

/** Decodes `struct xfrm_encap_tmpl`; `family` formats the original address. */
function readEncap(bytes: Uint8Array, family: number): XfrmEncap {
  const dv = structView(bytes, SIZEOF.encapTmpl, "xfrm_encap_tmpl");
  return {
    type: encapName(dv.getUint16(0, true)),
    sport: dv.getUint16(2, false),
    dport: dv.getUint16(4, false),
    oa: readAddress(bytes, 8, family),
  };
}

/** Decodes `struct xfrm_replay_state`. */
function readReplay(bytes: Uint8Array): XfrmReplayState {
  const dv = structView(bytes, SIZEOF.replayState, "xfrm_replay_state");
  return { oseq: dv.getUint32(0, true), seq: dv.getUint32(4, true), bitmap: dv.getUint32(8, true) };
}

/** Decodes `struct xfrm_replay_state_esn` and its bitmap. */
function readReplayEsn(bytes: Uint8Array): XfrmReplayEsn {
  const dv = structView(bytes, SIZEOF.replayStateEsn, "xfrm_replay_state_esn");
  const words = dv.getUint32(0, true);
  if (SIZEOF.replayStateEsn + words * 4 > bytes.length) {
    throw new ParseError(`xfrm_replay_state_esn bitmap of ${words} words runs past the attribute`, 0);
  }
  const bitmap: number[] = [];
  for (let i = 0; i < words; i++) bitmap.push(dv.getUint32(24 + 4 * i, true));
  return {
    oseq: dv.getUint32(4, true),
    seq: dv.getUint32(8, true),
    oseqHi: dv.getUint32(12, true),
    seqHi: dv.getUint32(16, true),
    replayWindow: dv.getUint32(20, true),
    bitmap,
  };
}

/** Decodes an `XFRMA_SEC_CTX` payload. */
function readSecCtx(bytes: Uint8Array): XfrmSecCtx {
  const dv = structView(bytes, SIZEOF.userSecCtx, "xfrm_user_sec_ctx");
  const len = dv.getUint16(6, true);
  if (SIZEOF.userSecCtx + len > bytes.length) {
    throw new ParseError(`security context of ${len} bytes runs past the attribute`, 6);
  }
  return {
    alg: dv.getUint8(4),
    doi: dv.getUint8(5),
    context: new TextDecoder().decode(bytes.subarray(8, 8 + len)).replace(/\0+$/, ""),
  };
}

/** Attributes {@link stateFromInfo} interprets (the rest go to `unknown`). */
const STATE_ATTRS: Set<number> = new Set([
  XfrmAttr.ALG_AUTH,
  XfrmAttr.ALG_AUTH_TRUNC,
  XfrmAttr.ALG_CRYPT,
  XfrmAttr.ALG_AEAD,
  XfrmAttr.ALG_COMP,
  XfrmAttr.ENCAP,
  XfrmAttr.MARK,
  XfrmAttr.SET_MARK,
  XfrmAttr.SET_MARK_MASK,
  XfrmAttr.IF_ID,
  XfrmAttr.REPLAY_VAL,
  XfrmAttr.REPLAY_ESN_VAL,
  XfrmAttr.SA_EXTRA_FLAGS,
  XfrmAttr.COADDR,
  XfrmAttr.LASTUSED,
  XfrmAttr.TFCPAD,
  XfrmAttr.OFFLOAD_DEV,
  XfrmAttr.SEC_CTX,
  XfrmAttr.MTIMER_THRESH,
  XfrmAttr.REPLAY_THRESH,
  XfrmAttr.ETIMER_THRESH,
  XfrmAttr.PAD,
]);

function stateFromInfo(info: Uint8Array, attrs: Attrs, skip: number[] = []): XfrmState {
  const dv = structView(info, SIZEOF.usersaInfo - 7, "xfrm_usersa_info"); // 217 bytes carry data
  const family = dv.getUint16(212, true);
  const state: XfrmState = {
    src: readAddress(info, 80, family),
    dst: readAddress(info, 56, family),
    family: familyName(family),
    proto: protoName(dv.getUint8(76)),
    spi: dv.getUint32(72, false),
    mode: modeName(dv.getUint8(214)),
    reqid: dv.getUint32(208, true),
    seq: dv.getUint32(204, true),
    replayWindow: dv.getUint8(215),
    flags: flagNames(dv.getUint8(216), XFRM_STATE_FLAGS),
    selector: readSelector(info, 0, family),
    lifetime: { config: readLifetimeConfig(dv, 96), current: readLifetimeCurrent(dv, 160) },
    stats: {
      replayWindow: dv.getUint32(192, true),
      replay: dv.getUint32(196, true),
      integrityFailed: dv.getUint32(200, true),
    },
    unknown: [],
  };
  applyStateAttrs(state, attrs, family, skip);
  return state;
}

function applyStateAttrs(state: XfrmState, attrs: Attrs, family: number, skip: number[]): void {
  const A = XfrmAttr;
  const get = (t: number) => attrs.get(t);
  let b: Uint8Array | undefined;
  if ((b = get(A.ALG_AUTH_TRUNC))) state.auth = readAlgo(b, "auth", "XFRMA_ALG_AUTH_TRUNC");
  else if ((b = get(A.ALG_AUTH))) state.auth = readAlgo(b, "plain", "XFRMA_ALG_AUTH");
  if ((b = get(A.ALG_CRYPT))) state.crypt = readAlgo(b, "plain", "XFRMA_ALG_CRYPT");
  if ((b = get(A.ALG_AEAD))) state.aead = readAlgo(b, "aead", "XFRMA_ALG_AEAD");
  if ((b = get(A.ALG_COMP))) state.comp = readAlgo(b, "plain", "XFRMA_ALG_COMP");
  if ((b = get(A.ENCAP))) state.encap = readEncap(b, family);
  if ((b = get(A.MARK))) state.mark = readMark(b);
  if ((b = get(A.SET_MARK))) {
    const mask = get(A.SET_MARK_MASK);
    state.setMark = { value: u32(b, "XFRMA_SET_MARK"), mask: mask ? u32(mask, "XFRMA_SET_MARK_MASK") : 0xffffffff };
  }
  if ((b = get(A.IF_ID))) state.ifId = u32(b, "XFRMA_IF_ID");
  if ((b = get(A.REPLAY_VAL))) state.replay = readReplay(b);
  if ((b = get(A.REPLAY_ESN_VAL))) state.replayEsn = readReplayEsn(b);
  if ((b = get(A.SA_EXTRA_FLAGS))) state.extraFlags = flagNames(u32(b, "XFRMA_SA_EXTRA_FLAGS"), XFRM_SA_EXTRA_FLAGS);
  if ((b = get(A.COADDR))) {
    if (b.length < 16) throw new ParseError(`XFRMA_COADDR of ${b.length} bytes is shorter than an xfrm_address_t`, 0);
    state.coaddr = family === 2 || family === 10 ? readAddress(b, 0, family) : formatIP(b);
  }
  if ((b = get(A.LASTUSED))) state.lastUsed = Number(structView(b, 8, "XFRMA_LASTUSED").getBigUint64(0, true));
  if ((b = get(A.TFCPAD))) state.tfcpad = u32(b, "XFRMA_TFCPAD");
  if ((b = get(A.OFFLOAD_DEV))) {
    const dv = structView(b, 5, "xfrm_user_offload");
    state.offload = { ifindex: dv.getInt32(0, true), flags: dv.getUint8(4) };
  }
  if ((b = get(A.SEC_CTX))) state.secCtx = readSecCtx(b);
  if ((b = get(A.MTIMER_THRESH))) state.mtimerThresh = u32(b, "XFRMA_MTIMER_THRESH");
  if ((b = get(A.REPLAY_THRESH))) state.replayThresh = u32(b, "XFRMA_REPLAY_THRESH");
  if ((b = get(A.ETIMER_THRESH))) state.etimerThresh = u32(b, "XFRMA_ETIMER_THRESH");
  for (const a of attrs) if (!STATE_ATTRS.has(a.type) && !skip.includes(a.type)) state.unknown.push(raw(a) as Attr);
}

/** A copy of an attribute for `unknown`. */
function raw(a: Attr): XfrmRawAttr {
  return { type: a.type, value: a.value.slice() };
}

export function decodeStateHand(msg: NetlinkMessage): XfrmState {
  const p = msg.payload;
  if (msg.type === XfrmMsg.DELSA) {
    const attrs = Attrs.parse(p.subarray(Math.min(p.length, SIZEOF.usersaId)), SIZEOF.usersaId);
    structView(p, SIZEOF.usersaId, "xfrm_usersa_id");
    const info = attrs.get(XfrmAttr.SA);
    if (!info) throw new ParseError("XFRM_MSG_DELSA without XFRMA_SA", SIZEOF.usersaId);
    return withJson(stateFromInfo(info, attrs, [XfrmAttr.SA]));
  }
  if (p.length < SIZEOF.usersaInfo) {
    throw new ParseError(`xfrm_usersa_info needs ${SIZEOF.usersaInfo} bytes, has ${p.length}`, 0);
  }
  return withJson(
    stateFromInfo(p.subarray(0, SIZEOF.usersaInfo), Attrs.parse(p.subarray(SIZEOF.usersaInfo), SIZEOF.usersaInfo)),
  );
}

/** Decodes the templates of an `XFRMA_TMPL` payload (an array of 64-byte structs). */
function readTemplates(bytes: Uint8Array): XfrmTemplate[] {
  if (bytes.length % SIZEOF.userTmpl !== 0) {
    throw new ParseError(`XFRMA_TMPL of ${bytes.length} bytes is not a whole number of templates`, 0);
  }
  const out: XfrmTemplate[] = [];
  for (let at = 0; at < bytes.length; at += SIZEOF.userTmpl) {
    const b = bytes.subarray(at, at + SIZEOF.userTmpl);
    const dv = structView(b, SIZEOF.userTmpl, "xfrm_user_tmpl", at);
    const family = dv.getUint16(24, true);
    out.push({
      src: readAddress(b, 28, family),
      dst: readAddress(b, 0, family),
      family: familyName(family),
      proto: protoName(dv.getUint8(20)),
      spi: dv.getUint32(16, false),
      reqid: dv.getUint32(44, true),
      mode: modeName(dv.getUint8(48)),
      share: XFRM_SHARES[dv.getUint8(49)] ?? dv.getUint8(49),
      optional: dv.getUint8(50) !== 0,
      aalgos: dv.getUint32(52, true),
      ealgos: dv.getUint32(56, true),
      calgos: dv.getUint32(60, true),
    });
  }
  return out;
}

const POLICY_ATTRS: Set<number> = new Set([
  XfrmAttr.TMPL,
  XfrmAttr.POLICY_TYPE,
  XfrmAttr.MARK,
  XfrmAttr.IF_ID,
  XfrmAttr.SEC_CTX,
  XfrmAttr.OFFLOAD_DEV,
  XfrmAttr.PAD,
]);

function policyFromInfo(info: Uint8Array, attrs: Attrs, skip: number[] = []): XfrmPolicy {
  const dv = structView(info, SIZEOF.userpolicyInfo - 4, "xfrm_userpolicy_info"); // 164 bytes carry data
  const dir = dv.getUint8(160), action = dv.getUint8(161), share = dv.getUint8(163);
  const policy: XfrmPolicy = {
    selector: readSelector(info, 0),
    dir: XFRM_DIRS[dir] ?? dir,
    action: XFRM_ACTIONS[action] ?? action,
    priority: dv.getUint32(152, true),
    index: dv.getUint32(156, true),
    flags: flagNames(dv.getUint8(162), XFRM_POLICY_FLAGS),
    share: XFRM_SHARES[share] ?? share,
    lifetime: { config: readLifetimeConfig(dv, 56), current: readLifetimeCurrent(dv, 120) },
    templates: [],
    type: "main",
    unknown: [],
  };
  let b: Uint8Array | undefined;
  if ((b = attrs.get(XfrmAttr.TMPL))) policy.templates = readTemplates(b);
  if ((b = attrs.get(XfrmAttr.POLICY_TYPE))) {
    const t = structView(b, 1, "xfrm_userpolicy_type").getUint8(0);
    policy.type = XFRM_POLICY_TYPES[t] ?? t;
  }
  if ((b = attrs.get(XfrmAttr.MARK))) policy.mark = readMark(b);
  if ((b = attrs.get(XfrmAttr.IF_ID))) policy.ifId = structView(b, 4, "XFRMA_IF_ID").getUint32(0, true);
  if ((b = attrs.get(XfrmAttr.SEC_CTX))) policy.secCtx = readSecCtx(b);
  if ((b = attrs.get(XfrmAttr.OFFLOAD_DEV))) {
    const o = structView(b, 5, "xfrm_user_offload");
    policy.offload = { ifindex: o.getInt32(0, true), flags: o.getUint8(4) };
  }
  for (const a of attrs) if (!POLICY_ATTRS.has(a.type) && !skip.includes(a.type)) policy.unknown.push(raw(a) as Attr);
  return policy;
}

export function decodePolicyHand(msg: NetlinkMessage): XfrmPolicy {
  const p = msg.payload;
  if (msg.type === XfrmMsg.DELPOLICY) {
    structView(p, SIZEOF.userpolicyId, "xfrm_userpolicy_id");
    const attrs = Attrs.parse(p.subarray(SIZEOF.userpolicyId), SIZEOF.userpolicyId);
    const info = attrs.get(XfrmAttr.POLICY);
    if (!info) throw new ParseError("XFRM_MSG_DELPOLICY without XFRMA_POLICY", SIZEOF.userpolicyId);
    return withJson(policyFromInfo(info, attrs, [XfrmAttr.POLICY]));
  }
  if (p.length < SIZEOF.userpolicyInfo) {
    throw new ParseError(`xfrm_userpolicy_info needs ${SIZEOF.userpolicyInfo} bytes, has ${p.length}`, 0);
  }
  return withJson(policyFromInfo(
    p.subarray(0, SIZEOF.userpolicyInfo),
    Attrs.parse(p.subarray(SIZEOF.userpolicyInfo), SIZEOF.userpolicyInfo),
  ));
}
