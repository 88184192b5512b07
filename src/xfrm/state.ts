/**
 * Security associations: `struct xfrm_usersa_info` and the attributes that
 * carry algorithms, encapsulation, marks and replay state.
 *
 * @module
 */
import { type Attr, Attrs } from "../wire/attrs.ts";
import { ParseError } from "../wire/errors.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { MessageWriter } from "../wire/message.ts";
import { ip as formatIP } from "../wire/values.ts";
import {
  encapName,
  familyName,
  familyNumber,
  familyOf,
  flagBits,
  flagNames,
  markBytes,
  modeName,
  modeNumber,
  protoName,
  protoNumber,
  readAddress,
  readFixedString,
  readLifetimeConfig,
  readLifetimeCurrent,
  readMark,
  readSelector,
  structView,
  writeAddress,
  writeFixedString,
  writeLifetimeConfig,
  writeSelector,
  type XfrmLifetimeConfig,
  type XfrmLifetimeCurrent,
  type XfrmMark,
  type XfrmSelector,
  type XfrmSelectorSpec,
} from "./common.ts";
import {
  SIZEOF,
  XFRM_SA_EXTRA_FLAGS,
  XFRM_STATE_FLAGS,
  XfrmAttr,
  type XfrmEncapName,
  XfrmEncapType,
  type XfrmExtraFlag,
  type XfrmFamily,
  type XfrmMode,
  XfrmMsg,
  type XfrmProtoName,
  type XfrmStateFlag,
} from "./constants.ts";
import { withJson } from "../wire/json.ts";

/** An algorithm with its key (`struct xfrm_algo`, `_auth`, `_aead`). */
export interface XfrmAlgorithm {
  /** Crypto API name: `"cbc(aes)"`, `"hmac(sha256)"`, `"rfc4106(gcm(aes))"`. */
  name: string;
  /** Key bytes. */
  key: Uint8Array;
  /** Key length in bits as the kernel has it. */
  keyLength: number;
  /** Truncated ICV length in bits (authentication with `XFRMA_ALG_AUTH_TRUNC`). */
  truncLength?: number;
  /** ICV length in bits (AEAD). */
  icvLength?: number;
}

/** UDP/TCP encapsulation of ESP (`struct xfrm_encap_tmpl`). */
export interface XfrmEncap {
  /** `"espinudp"`, `"espinudp_nonike"`, `"espintcp"`, or the number. */
  type: XfrmEncapName | number;
  /** Source port. */
  sport: number;
  /** Destination port. */
  dport: number;
  /** Original address (NAT-OA), all zeros when unset. */
  oa: string;
}

/** `struct xfrm_replay_state`. */
export interface XfrmReplayState {
  /** Outbound sequence number. */
  oseq: number;
  /** Inbound sequence number. */
  seq: number;
  /** Replay bitmap. */
  bitmap: number;
}

/** `struct xfrm_replay_state_esn`. */
export interface XfrmReplayEsn {
  /** Outbound sequence number, low 32 bits. */
  oseq: number;
  /** Inbound sequence number, low 32 bits. */
  seq: number;
  /** Outbound sequence number, high 32 bits. */
  oseqHi: number;
  /** Inbound sequence number, high 32 bits. */
  seqHi: number;
  /** Replay window in packets. */
  replayWindow: number;
  /** Bitmap words (`bmp_len` of them). */
  bitmap: number[];
}

/** Hardware offload (`struct xfrm_user_offload`), as the kernel reports it. */
export interface XfrmOffload {
  /** Interface index. */
  ifindex: number;
  /** `XFRM_OFFLOAD_*` bits. */
  flags: number;
}

/** An LSM security context (`struct xfrm_user_sec_ctx` and its string). */
export interface XfrmSecCtx {
  /** `ctx_doi`. */
  doi: number;
  /** `ctx_alg` (1: SELinux). */
  alg: number;
  /** The context text. */
  context: string;
}

/** An attribute the decoder does not interpret, kept as it came. */
export interface XfrmRawAttr {
  /** Attribute type. */
  type: number;
  /** Payload (a copy). */
  value: Uint8Array;
}

/** A security association as the kernel reports it. */
export interface XfrmState {
  /** Source (tunnel) address. */
  src: string;
  /** Destination address (part of the SA's identity). */
  dst: string;
  /** Address family of `src`/`dst`. */
  family: XfrmFamily;
  /** IPsec protocol. */
  proto: XfrmProtoName | number;
  /** SPI (host number; 0 for a larval SA awaiting negotiation). */
  spi: number;
  /** Mode. */
  mode: XfrmMode | number;
  /** Request id linking the SA to policy templates. */
  reqid: number;
  /** Sequence number of the acquire that created it (0 otherwise). */
  seq: number;
  /** Replay window in packets (legacy field; see `replayEsn`). */
  replayWindow: number;
  /** Flags. */
  flags: (XfrmStateFlag | string)[];
  /** The traffic selector. */
  selector: XfrmSelector;
  /** Configured limits and current use. */
  lifetime: { config: XfrmLifetimeConfig; current: XfrmLifetimeCurrent };
  /** Counters. */
  stats: { replayWindow: number; replay: number; integrityFailed: number };
  /** Authentication algorithm (from `XFRMA_ALG_AUTH_TRUNC` when present, else `XFRMA_ALG_AUTH`). */
  auth?: XfrmAlgorithm;
  /** Encryption algorithm. */
  crypt?: XfrmAlgorithm;
  /** AEAD algorithm. */
  aead?: XfrmAlgorithm;
  /** Compression algorithm. */
  comp?: XfrmAlgorithm;
  /** Encapsulation. */
  encap?: XfrmEncap;
  /** Mark the SA matches. */
  mark?: XfrmMark;
  /** Output mark set on packets (`XFRMA_SET_MARK`/`_MASK`). */
  setMark?: XfrmMark;
  /** XFRM interface id. */
  ifId?: number;
  /** Replay state. */
  replay?: XfrmReplayState;
  /** Extended sequence number replay state. */
  replayEsn?: XfrmReplayEsn;
  /** Extra flags. */
  extraFlags?: (XfrmExtraFlag | string)[];
  /** Care-of address (Mobile IPv6). */
  coaddr?: string;
  /** Last use time (seconds since the epoch). */
  lastUsed?: number;
  /** TFC padding. */
  tfcpad?: number;
  /** Hardware offload. */
  offload?: XfrmOffload;
  /** Security context. */
  secCtx?: XfrmSecCtx;
  /** Input SA NAT keep-alive timer threshold in seconds. */
  mtimerThresh?: number;
  /** Replay event threshold (aevents). */
  replayThresh?: number;
  /** Timer event threshold (aevents). */
  etimerThresh?: number;
  /** Attributes not decoded above. */
  unknown: XfrmRawAttr[];
}

/** Key bytes, or hex text (`"0x0102…"` or `"0102…"`). */
export type XfrmKey = Uint8Array | string;

/** What {@link encodeState} takes to add or update an SA. */
export interface XfrmStateSpec {
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** IPsec protocol. */
  proto: XfrmProtoName | number;
  /** SPI. */
  spi: number;
  /** Mode (default transport). */
  mode?: XfrmMode | number;
  /** Request id. */
  reqid?: number;
  /** Sequence number. */
  seq?: number;
  /** Replay window. */
  replayWindow?: number;
  /** Flags. */
  flags?: (XfrmStateFlag | string)[];
  /** Selector (default: all traffic of the SA's family). */
  selector?: XfrmSelectorSpec;
  /** Limits (default: none). */
  lifetime?: Partial<XfrmLifetimeConfig>;
  /** Authentication; with `truncLength` it goes as `XFRMA_ALG_AUTH_TRUNC`. */
  auth?: { name: string; key: XfrmKey; truncLength?: number };
  /** Encryption. */
  crypt?: { name: string; key: XfrmKey };
  /** AEAD. */
  aead?: { name: string; key: XfrmKey; icvLength: number };
  /** Compression. */
  comp?: { name: string };
  /** Encapsulation. */
  encap?: { type: XfrmEncapName | number; sport: number; dport: number; oa?: string };
  /** Mark. */
  mark?: { value: number; mask?: number };
  /** Output mark. */
  setMark?: { value: number; mask?: number };
  /** XFRM interface id. */
  ifId?: number;
  /** Extra flags. */
  extraFlags?: (XfrmExtraFlag | string)[];
  /** ESN replay state (needs the `esn` flag for ESN proper). */
  replayEsn?: { replayWindow: number; oseq?: number; seq?: number; oseqHi?: number; seqHi?: number };
  /** TFC padding. */
  tfcpad?: number;
  /** Care-of address. */
  coaddr?: string;
}

/** Identifies one SA: destination, SPI, protocol (and mark/source when needed). */
export interface XfrmStateId {
  /** Destination address. */
  dst: string;
  /** SPI. */
  spi: number;
  /** Protocol. */
  proto: XfrmProtoName | number;
  /** Source address (`XFRMA_SRCADDR`; lookups without SPI need it). */
  src?: string;
  /** Mark of the SA. */
  mark?: { value: number; mask?: number };
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
export function readEncap(bytes: Uint8Array, family: number): XfrmEncap {
  const dv = structView(bytes, SIZEOF.encapTmpl, "xfrm_encap_tmpl");
  return {
    type: encapName(dv.getUint16(0, true)),
    sport: dv.getUint16(2, false),
    dport: dv.getUint16(4, false),
    oa: readAddress(bytes, 8, family),
  };
}

/** Decodes `struct xfrm_replay_state`. */
export function readReplay(bytes: Uint8Array): XfrmReplayState {
  const dv = structView(bytes, SIZEOF.replayState, "xfrm_replay_state");
  return { oseq: dv.getUint32(0, true), seq: dv.getUint32(4, true), bitmap: dv.getUint32(8, true) };
}

/** Decodes `struct xfrm_replay_state_esn` and its bitmap. */
export function readReplayEsn(bytes: Uint8Array): XfrmReplayEsn {
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
export function readSecCtx(bytes: Uint8Array): XfrmSecCtx {
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

/**
 * Builds a state from a `struct xfrm_usersa_info` and the attributes that go
 * with it; `skip` lists attribute types the caller handles itself.
 *
 * @example
 * ```ts
 * import { stateFromInfo } from "@nlts/netlink/xfrm";
 * import { Attrs } from "@nlts/netlink";
 * const info = new Uint8Array(224);
 * info[212] = 2; // family AF_INET
 * stateFromInfo(info, Attrs.parse(new Uint8Array(0))).family; // "inet"
 * ```
 */
export function stateFromInfo(info: Uint8Array, attrs: Attrs, skip: number[] = []): XfrmState {
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
  for (const a of attrs) if (!STATE_ATTRS.has(a.type) && !skip.includes(a.type)) state.unknown.push(raw(a));
}

/** A copy of an attribute for `unknown`. */
export function raw(a: Attr): XfrmRawAttr {
  return { type: a.type, value: a.value.slice() };
}

/**
 * Decodes an `XFRM_MSG_NEWSA`/`UPDSA` message (dump entries, replies to
 * `GETSA` and `ALLOCSPI`, SA notifications) or a `XFRM_MSG_DELSA`
 * notification (whose full SA is in `XFRMA_SA`).
 *
 * @example
 * ```ts
 * import { decodeState } from "@nlts/netlink/xfrm";
 * const payload = new Uint8Array(224);
 * payload[212] = 2; // AF_INET
 * payload[76] = 50; // esp
 * decodeState({ type: 0x10, flags: 0, seq: 0, pid: 0, payload }).proto; // "esp"
 * ```
 */
export function decodeState(msg: NetlinkMessage): XfrmState {
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

/** Key bytes from bytes or hex text. */
export function keyBytes(key: XfrmKey, what: string): Uint8Array {
  if (key instanceof Uint8Array) return key;
  const hex = key.startsWith("0x") || key.startsWith("0X") ? key.slice(2) : key;
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError(`${what} key is not hex: ${JSON.stringify(key)}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function algoBytes(name: string, key: Uint8Array, extra: number | undefined, what: string): Uint8Array {
  const head = extra === undefined ? SIZEOF.algo : SIZEOF.algoAuth;
  const out = new Uint8Array(head + key.length);
  writeFixedString(out, 0, 64, name, `${what} name`);
  const dv = new DataView(out.buffer);
  dv.setUint32(64, key.length * 8, true);
  if (extra !== undefined) {
    if (!Number.isInteger(extra) || extra < 0) throw new TypeError(`${what} length ${extra} is not a bit count`);
    dv.setUint32(68, extra, true);
  }
  out.set(key, head);
  return out;
}

function checkU32(v: number | undefined, what: string): number {
  if (v === undefined) return 0;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new TypeError(`${what} ${v} is out of range 0..2^32-1`);
  return v;
}

/**
 * Encodes an `XFRM_MSG_NEWSA` (or, with `update`, `XFRM_MSG_UPDSA`) request.
 *
 * @example
 * ```ts
 * import { encodeState } from "@nlts/netlink/xfrm";
 * const bytes = encodeState({
 *   src: "10.0.0.1", dst: "10.0.0.2", proto: "esp", spi: 0x100, mode: "tunnel",
 *   aead: { name: "rfc4106(gcm(aes))", key: "0x" + "11".repeat(20), icvLength: 128 },
 * });
 * ```
 */
export function encodeState(spec: XfrmStateSpec, update = false, flags = 0): Uint8Array {
  const family = familyOf(spec.dst);
  if (familyOf(spec.src) !== family) throw new TypeError(`src ${spec.src} and dst ${spec.dst} differ in family`);
  const w = new MessageWriter(update ? XfrmMsg.UPDSA : XfrmMsg.NEWSA, flags);
  const dv = w.struct(SIZEOF.usersaInfo);
  const unspec = (spec.flags ?? []).includes("af-unspec");
  writeSelector(dv, 0, spec.selector, unspec ? "unspec" : family);
  writeAddress(dv, 56, spec.dst, family);
  dv.setUint32(72, checkU32(spec.spi, "spi"), false);
  dv.setUint8(76, protoNumber(spec.proto));
  writeAddress(dv, 80, spec.src, family);
  writeLifetimeConfig(dv, 96, spec.lifetime);
  dv.setUint32(204, checkU32(spec.seq, "seq"), true);
  dv.setUint32(208, checkU32(spec.reqid, "reqid"), true);
  dv.setUint16(212, familyNumber(family), true);
  dv.setUint8(214, modeNumber(spec.mode ?? "transport"));
  const window = spec.replayWindow ?? 0;
  if (!Number.isInteger(window) || window < 0) throw new TypeError(`replay window ${window} is not a count`);
  dv.setUint8(214 + 1, Math.min(window, 255));
  dv.setUint8(216, flagBits(spec.flags, XFRM_STATE_FLAGS, "state"));
  const A = XfrmAttr;
  if (spec.auth) {
    const key = keyBytes(spec.auth.key, "auth");
    if (spec.auth.truncLength !== undefined) {
      w.attr(A.ALG_AUTH_TRUNC, algoBytes(spec.auth.name, key, spec.auth.truncLength, "auth"));
    } else w.attr(A.ALG_AUTH, algoBytes(spec.auth.name, key, undefined, "auth"));
  }
  if (spec.crypt) {
    w.attr(A.ALG_CRYPT, algoBytes(spec.crypt.name, keyBytes(spec.crypt.key, "crypt"), undefined, "crypt"));
  }
  if (spec.aead) {
    w.attr(A.ALG_AEAD, algoBytes(spec.aead.name, keyBytes(spec.aead.key, "aead"), spec.aead.icvLength, "aead"));
  }
  if (spec.comp) w.attr(A.ALG_COMP, algoBytes(spec.comp.name, new Uint8Array(0), undefined, "comp"));
  if (spec.encap) {
    const e = new Uint8Array(SIZEOF.encapTmpl);
    const ev = new DataView(e.buffer);
    const type = typeof spec.encap.type === "number" ? spec.encap.type : XfrmEncapType[spec.encap.type];
    if (type === undefined) throw new TypeError(`unknown encapsulation ${JSON.stringify(spec.encap.type)}`);
    ev.setUint16(0, type, true);
    ev.setUint16(2, spec.encap.sport, false);
    ev.setUint16(4, spec.encap.dport, false);
    writeAddress(ev, 8, spec.encap.oa, family);
    w.attr(A.ENCAP, e);
  }
  if (spec.coaddr) {
    const c = new Uint8Array(16);
    writeAddress(new DataView(c.buffer), 0, spec.coaddr, family);
    w.attr(A.COADDR, c);
  }
  if (spec.mark) w.attr(A.MARK, markBytes(spec.mark));
  if (spec.setMark) {
    w.u32(A.SET_MARK, checkU32(spec.setMark.value, "set mark"));
    w.u32(A.SET_MARK_MASK, checkU32(spec.setMark.mask ?? 0xffffffff, "set mark mask"));
  }
  if (spec.ifId !== undefined) w.u32(A.IF_ID, checkU32(spec.ifId, "if_id"));
  if (spec.extraFlags) w.u32(A.SA_EXTRA_FLAGS, flagBits(spec.extraFlags, XFRM_SA_EXTRA_FLAGS, "extra"));
  if (spec.tfcpad !== undefined) w.u32(A.TFCPAD, checkU32(spec.tfcpad, "tfcpad"));
  if (spec.replayEsn) {
    const r = spec.replayEsn;
    const words = Math.ceil(checkU32(r.replayWindow, "replay window") / 32);
    const b = new Uint8Array(SIZEOF.replayStateEsn + 4 * words);
    const rv = new DataView(b.buffer);
    rv.setUint32(0, words, true);
    rv.setUint32(4, checkU32(r.oseq, "oseq"), true);
    rv.setUint32(8, checkU32(r.seq, "seq"), true);
    rv.setUint32(12, checkU32(r.oseqHi, "oseq_hi"), true);
    rv.setUint32(16, checkU32(r.seqHi, "seq_hi"), true);
    rv.setUint32(20, r.replayWindow, true);
    w.attr(A.REPLAY_ESN_VAL, b);
  }
  return w.finish();
}

/** Writes `struct xfrm_usersa_id` for `id`. */
function usersaId(w: MessageWriter, id: XfrmStateId): void {
  const family = familyOf(id.dst);
  const dv = w.struct(SIZEOF.usersaId);
  writeAddress(dv, 0, id.dst, family);
  dv.setUint32(16, checkU32(id.spi, "spi"), false);
  dv.setUint16(20, familyNumber(family), true);
  dv.setUint8(22, protoNumber(id.proto));
  if (id.src) {
    const s = new Uint8Array(16);
    writeAddress(new DataView(s.buffer), 0, id.src, family);
    w.attr(XfrmAttr.SRCADDR, s);
  }
  if (id.mark) w.attr(XfrmAttr.MARK, markBytes(id.mark));
}

/**
 * Encodes `XFRM_MSG_GETSA` (or `DELSA` with `del`) for one SA.
 *
 * @example
 * ```ts
 * import { encodeStateId } from "@nlts/netlink/xfrm";
 * encodeStateId({ dst: "10.0.0.2", spi: 0x100, proto: "esp" }).length; // 40
 * ```
 */
export function encodeStateId(id: XfrmStateId, del = false): Uint8Array {
  const w = new MessageWriter(del ? XfrmMsg.DELSA : XfrmMsg.GETSA);
  usersaId(w, id);
  return w.finish();
}

/** What {@link encodeAllocSpi} takes: the SA to reserve an SPI for. */
export interface XfrmAllocSpiSpec {
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** Protocol (default esp). */
  proto?: XfrmProtoName | number;
  /** Mode (default transport). */
  mode?: XfrmMode | number;
  /** Request id. */
  reqid?: number;
  /** Sequence number of the acquire being answered. */
  seq?: number;
  /** Lowest SPI to choose from (default 0x100). */
  min?: number;
  /** Highest SPI (default 0x0fffffff). */
  max?: number;
  /** Mark. */
  mark?: { value: number; mask?: number };
  /** XFRM interface id. */
  ifId?: number;
}

/**
 * Encodes `XFRM_MSG_ALLOCSPI`: the kernel reserves an SPI in a larval SA
 * (as an IKE daemon does before negotiating) and replies with it.
 *
 * @example
 * ```ts
 * import { encodeAllocSpi } from "@nlts/netlink/xfrm";
 * encodeAllocSpi({ src: "10.0.0.1", dst: "10.0.0.2", min: 0x1000, max: 0x1000 });
 * ```
 */
export function encodeAllocSpi(spec: XfrmAllocSpiSpec): Uint8Array {
  const family = familyOf(spec.dst);
  if (familyOf(spec.src) !== family) throw new TypeError(`src ${spec.src} and dst ${spec.dst} differ in family`);
  const w = new MessageWriter(XfrmMsg.ALLOCSPI);
  const dv = w.struct(SIZEOF.userspiInfo);
  writeSelector(dv, 0, {}, family);
  writeAddress(dv, 56, spec.dst, family);
  dv.setUint8(76, protoNumber(spec.proto ?? "esp"));
  writeAddress(dv, 80, spec.src, family);
  writeLifetimeConfig(dv, 96, {});
  dv.setUint32(204, checkU32(spec.seq, "seq"), true);
  dv.setUint32(208, checkU32(spec.reqid, "reqid"), true);
  dv.setUint16(212, familyNumber(family), true);
  dv.setUint8(214, modeNumber(spec.mode ?? "transport"));
  const min = checkU32(spec.min ?? 0x100, "min spi"), max = checkU32(spec.max ?? 0x0fffffff, "max spi");
  if (min > max) throw new TypeError(`min SPI ${min} is above max ${max}`);
  dv.setUint32(224, min, true);
  dv.setUint32(228, max, true);
  if (spec.mark) w.attr(XfrmAttr.MARK, markBytes(spec.mark));
  if (spec.ifId !== undefined) w.u32(XfrmAttr.IF_ID, checkU32(spec.ifId, "if_id"));
  return w.finish();
}

/**
 * Encodes `XFRM_MSG_FLUSHSA` for one protocol, or every IPsec one (0).
 *
 * @example
 * ```ts
 * import { encodeFlushStates } from "@nlts/netlink/xfrm";
 * encodeFlushStates("esp").length; // 20
 * ```
 */
export function encodeFlushStates(proto: XfrmProtoName | number = 0): Uint8Array {
  const w = new MessageWriter(XfrmMsg.FLUSHSA);
  w.struct(SIZEOF.usersaFlush).setUint8(0, protoNumber(proto));
  return w.finish();
}
