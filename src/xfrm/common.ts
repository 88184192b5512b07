/**
 * The structs shared by states, policies and events: addresses, selectors,
 * lifetimes, marks. Readers check the size of what they read first and throw
 * {@link ParseError}; writers validate what the caller gave.
 *
 * @module
 */
import { ParseError } from "../wire/errors.ts";
import { withJson } from "../wire/json.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { type AttrSet, decodeAttrsAt } from "../wire/schema.ts";
import { AddressError, ipv4, ipv6, parseIP } from "../wire/values.ts";
import {
  AF_INET,
  AF_INET6,
  SIZEOF,
  XFRM_INF,
  XFRM_MODES,
  type XfrmEncapName,
  XfrmEncapType,
  type XfrmFamily,
  type XfrmMode,
  XfrmProto,
  type XfrmProtoName,
} from "./constants.ts";

/** A DataView over exactly `bytes`, after checking it holds `size` bytes. */
export function structView(bytes: Uint8Array, size: number, what: string, base = 0): DataView {
  if (bytes.length < size) throw new ParseError(`${what} needs ${size} bytes, has ${bytes.length}`, base);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `"inet"`/`"inet6"`/`"unspec"` from an address family number (others as `"unspec"`). */
export function familyName(n: number): XfrmFamily {
  return n === AF_INET ? "inet" : n === AF_INET6 ? "inet6" : "unspec";
}

/** The address family number of a family name. */
export function familyNumber(f: XfrmFamily): number {
  return f === "inet" ? AF_INET : f === "inet6" ? AF_INET6 : 0;
}

/** Family of an address text. */
export function familyOf(address: string): XfrmFamily {
  return address.includes(":") ? "inet6" : "inet";
}

/** Formats an `xfrm_address_t` (16 bytes at `at`) for `family`; unspec gives "". */
export function readAddress(bytes: Uint8Array, at: number, family: number): string {
  if (bytes.length < at + 16) throw new ParseError(`address needs 16 bytes at ${at}, has ${bytes.length - at}`, at);
  if (family === AF_INET) return ipv4(bytes.subarray(at, at + 4));
  if (family === AF_INET6) return ipv6(bytes.subarray(at, at + 16));
  return "";
}

/** Writes an address text into the 16 bytes of an `xfrm_address_t` at `at` ("" leaves zeros). */
export function writeAddress(dv: DataView, at: number, address: string | undefined, family?: XfrmFamily): void {
  if (address === undefined || address === "") return;
  const bytes = parseIP(address);
  if (family !== undefined && family !== "unspec" && familyOf(address) !== family) {
    throw new AddressError(`${address} is not an ${family} address`);
  }
  for (let i = 0; i < bytes.length; i++) dv.setUint8(at + i, bytes[i]);
}

/** A protocol name (`"esp"`…) when known, else the number. */
export function protoName(n: number): XfrmProtoName | number {
  for (const [k, v] of Object.entries(XfrmProto)) if (v === n) return k as XfrmProtoName;
  return n;
}

/** The number of an IPsec protocol given by name or number. */
export function protoNumber(p: XfrmProtoName | number): number {
  if (typeof p === "number") {
    if (!Number.isInteger(p) || p < 0 || p > 255) throw new TypeError(`protocol ${p} is out of range 0..255`);
    return p;
  }
  const n = XfrmProto[p];
  if (n === undefined) throw new TypeError(`unknown IPsec protocol ${JSON.stringify(p)}`);
  return n;
}

/** A mode name, or the number when unknown. */
export function modeName(n: number): XfrmMode | number {
  return XFRM_MODES[n] ?? n;
}

/** The number of a mode. */
export function modeNumber(m: XfrmMode | number): number {
  if (typeof m === "number") return m;
  const i = XFRM_MODES.indexOf(m);
  if (i < 0) throw new TypeError(`unknown XFRM mode ${JSON.stringify(m)}`);
  return i;
}

/** Names of the set bits of `bits` (`names[0]` is bit 0); unknown bits as `"0x…"`. */
export function flagNames<T extends string>(bits: number, names: readonly T[]): (T | string)[] {
  const out: (T | string)[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = (1 << i) >>> 0;
    if (bits & bit) out.push(names[i] ?? `0x${bit.toString(16)}`);
  }
  return out;
}

/** The bits of flag names (or `"0x…"` strings). */
export function flagBits(flags: readonly string[] | undefined, names: readonly string[], what: string): number {
  let bits = 0;
  for (const f of flags ?? []) {
    const i = names.indexOf(f);
    if (i >= 0) bits |= 1 << i;
    else if (/^0x[0-9a-f]+$/i.test(f)) bits |= parseInt(f, 16);
    else throw new TypeError(`unknown ${what} flag ${JSON.stringify(f)}`);
  }
  return bits >>> 0;
}

/** Index of `name` in `names`, or the number itself. */
export function enumNumber(value: string | number, names: readonly string[], what: string): number {
  if (typeof value === "number") return value;
  const i = names.indexOf(value);
  if (i < 0) throw new TypeError(`unknown ${what} ${JSON.stringify(value)}`);
  return i;
}

/**
 * `struct xfrm_selector`: which traffic a policy or state applies to.
 * Ports are host numbers; a mask of 0 means any port.
 */
export interface XfrmSelector {
  /** Address family (`"unspec"` on states added with the `af-unspec` flag). */
  family: XfrmFamily;
  /** Source address ("" when the family is unspec). */
  src: string;
  /** Source prefix length. */
  srcPrefixLen: number;
  /** Destination address. */
  dst: string;
  /** Destination prefix length. */
  dstPrefixLen: number;
  /** Upper-layer protocol (0: any; 6 tcp, 17 udp, 1 icmp, 58 ipv6-icmp…). */
  proto: number;
  /** Source port (or ICMP type). */
  sport: number;
  /** Source port mask. */
  sportMask: number;
  /** Destination port (or ICMP code). */
  dport: number;
  /** Destination port mask. */
  dportMask: number;
  /** Interface index (0: any). */
  ifindex: number;
  /** User id (`__kernel_uid32_t`). */
  user: number;
}

/** What a caller gives for a selector: prefixes as `"10.0.0.0/24"`, the rest optional. */
export interface XfrmSelectorSpec {
  /** Source prefix (`"10.0.0.0/24"`, or an address for /32, /128). */
  src?: string;
  /** Destination prefix. */
  dst?: string;
  /** Family; inferred from `src`/`dst` when absent. */
  family?: XfrmFamily;
  /** Upper-layer protocol number. */
  proto?: number;
  /** Source port (mask 0xffff unless `sportMask`). */
  sport?: number;
  /** Source port mask. */
  sportMask?: number;
  /** Destination port. */
  dport?: number;
  /** Destination port mask. */
  dportMask?: number;
  /** Interface index. */
  ifindex?: number;
  /** User id. */
  user?: number;
}

/** Decodes a selector at `at` (56 bytes); `fallback` is the family used for unspec addresses. */
export function readSelector(bytes: Uint8Array, at: number, fallback = 0): XfrmSelector {
  if (bytes.length < at + SIZEOF.selector) {
    throw new ParseError(`selector needs ${SIZEOF.selector} bytes at ${at}, has ${Math.max(0, bytes.length - at)}`, at);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, SIZEOF.selector);
  const fam = dv.getUint16(40, true);
  const shown = fam || fallback;
  const b = bytes.subarray(at, at + SIZEOF.selector);
  return {
    family: familyName(fam),
    src: readAddress(b, 16, shown),
    srcPrefixLen: dv.getUint8(43),
    dst: readAddress(b, 0, shown),
    dstPrefixLen: dv.getUint8(42),
    proto: dv.getUint8(44),
    sport: dv.getUint16(36, false),
    sportMask: dv.getUint16(38, false),
    dport: dv.getUint16(32, false),
    dportMask: dv.getUint16(34, false),
    ifindex: dv.getInt32(48, true),
    user: dv.getUint32(52, true),
  };
}

function splitPrefix(text: string, family: XfrmFamily): { address: string; len: number } {
  const [address, len, extra] = text.split("/");
  const max = family === "inet6" ? 128 : 32;
  if (extra !== undefined || (len !== undefined && !/^\d+$/.test(len)) || Number(len ?? max) > max) {
    throw new AddressError(`not a prefix of family ${family}: ${JSON.stringify(text)}`);
  }
  return { address, len: len === undefined ? max : Number(len) };
}

function port(value: number | undefined, what: string): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new TypeError(`${what} ${value} is out of range`);
  return value;
}

/** Writes a selector at `at` of `dv`. The family defaults to the prefixes' or `fallback`. */
export function writeSelector(dv: DataView, at: number, spec: XfrmSelectorSpec = {}, fallback?: XfrmFamily): void {
  const family = spec.family ?? (spec.src ? familyOf(spec.src) : spec.dst ? familyOf(spec.dst) : fallback) ?? "unspec";
  if (family === "unspec" && (spec.src || spec.dst)) throw new TypeError("a selector with addresses needs a family");
  const src = spec.src ? splitPrefix(spec.src, family) : { address: "", len: 0 };
  const dst = spec.dst ? splitPrefix(spec.dst, family) : { address: "", len: 0 };
  writeAddress(dv, at, dst.address, family);
  writeAddress(dv, at + 16, src.address, family);
  dv.setUint16(at + 32, port(spec.dport, "dport"), false);
  dv.setUint16(at + 34, port(spec.dportMask ?? (spec.dport ? 0xffff : 0), "dport mask"), false);
  dv.setUint16(at + 36, port(spec.sport, "sport"), false);
  dv.setUint16(at + 38, port(spec.sportMask ?? (spec.sport ? 0xffff : 0), "sport mask"), false);
  dv.setUint16(at + 40, familyNumber(family), true);
  dv.setUint8(at + 42, dst.len);
  dv.setUint8(at + 43, src.len);
  const proto = spec.proto ?? 0;
  if (!Number.isInteger(proto) || proto < 0 || proto > 255) {
    throw new TypeError(`selector proto ${proto} is out of range`);
  }
  dv.setUint8(at + 44, proto);
  dv.setInt32(at + 48, spec.ifindex ?? 0, true);
  dv.setUint32(at + 52, spec.user ?? 0, true);
}

/**
 * `struct xfrm_lifetime_cfg`. Byte and packet limits are numbers with
 * `Infinity` for `XFRM_INF`; times are seconds, 0 for none.
 */
export interface XfrmLifetimeConfig {
  /** Soft byte limit. */
  softByteLimit: number;
  /** Hard byte limit. */
  hardByteLimit: number;
  /** Soft packet limit. */
  softPacketLimit: number;
  /** Hard packet limit. */
  hardPacketLimit: number;
  /** Soft expiry, seconds after being added. */
  softAddExpiresSeconds: number;
  /** Hard expiry, seconds after being added. */
  hardAddExpiresSeconds: number;
  /** Soft expiry, seconds after first use. */
  softUseExpiresSeconds: number;
  /** Hard expiry, seconds after first use. */
  hardUseExpiresSeconds: number;
}

/** `struct xfrm_lifetime_cur`: what has been used so far. */
export interface XfrmLifetimeCurrent {
  /** Bytes processed. */
  bytes: number;
  /** Packets processed. */
  packets: number;
  /** When it was added (seconds since the epoch). */
  addTime: number;
  /** When it was first used (0: never). */
  useTime: number;
}

function u64num(dv: DataView, at: number): number {
  const v = dv.getBigUint64(at, true);
  return v === XFRM_INF ? Infinity : Number(v);
}

const LIFETIME_KEYS = [
  "softByteLimit",
  "hardByteLimit",
  "softPacketLimit",
  "hardPacketLimit",
  "softAddExpiresSeconds",
  "hardAddExpiresSeconds",
  "softUseExpiresSeconds",
  "hardUseExpiresSeconds",
] as const;

/** Decodes a `struct xfrm_lifetime_cfg` at `at`. */
export function readLifetimeConfig(dv: DataView, at: number): XfrmLifetimeConfig {
  const out = {} as XfrmLifetimeConfig;
  LIFETIME_KEYS.forEach((k, i) => (out[k] = u64num(dv, at + 8 * i)));
  return out;
}

/** Writes a `struct xfrm_lifetime_cfg`: limits default to infinite, times to none. */
export function writeLifetimeConfig(dv: DataView, at: number, cfg: Partial<XfrmLifetimeConfig> = {}): void {
  LIFETIME_KEYS.forEach((k, i) => {
    const v = cfg[k] ?? (i < 4 ? Infinity : 0);
    if (v !== Infinity && (!Number.isSafeInteger(v) || v < 0)) throw new TypeError(`lifetime ${k} ${v} is not a count`);
    dv.setBigUint64(at + 8 * i, v === Infinity ? XFRM_INF : BigInt(v), true);
  });
}

/** Decodes a `struct xfrm_lifetime_cur` at `at`. */
export function readLifetimeCurrent(dv: DataView, at: number): XfrmLifetimeCurrent {
  return {
    bytes: u64num(dv, at),
    packets: u64num(dv, at + 8),
    addTime: u64num(dv, at + 16),
    useTime: u64num(dv, at + 24),
  };
}

/** `struct xfrm_mark`: a firewall mark value and mask. */
export interface XfrmMark {
  /** Mark value. */
  value: number;
  /** Mask. */
  mask: number;
}

/** The `struct xfrm_mark` of a caller's mark (the mask defaults to all ones), for the schema's struct. */
export function markOf(mark: { value: number; mask?: number }): XfrmMark {
  return { value: mark.value >>> 0, mask: (mark.mask ?? 0xffffffff) >>> 0 };
}

/** The encapsulation name of a number, or the number. */
export function encapName(n: number): XfrmEncapName | number {
  for (const [k, v] of Object.entries(XfrmEncapType)) if (v === n) return k as XfrmEncapName;
  return n;
}

/** A C string in a fixed field of `size` bytes at `at`. */
export function readFixedString(bytes: Uint8Array, at: number, size: number): string {
  const field = bytes.subarray(at, at + size);
  const nul = field.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? field : field.subarray(0, nul));
}

/** Writes `text` NUL-terminated into a fixed field (throws when too long). */
export function writeFixedString(bytes: Uint8Array, at: number, size: number, text: string, what: string): void {
  const encoded = new TextEncoder().encode(text);
  if (encoded.length >= size) throw new TypeError(`${what} ${JSON.stringify(text)} is longer than ${size - 1} bytes`);
  if (encoded.length === 0) throw new TypeError(`${what} is empty`);
  bytes.set(encoded, at);
}

/**
 * How a message carries one state or policy: its info struct at the start
 * of the payload (`info`), or in a delete notification an id struct (`del`)
 * and the info struct in an attribute (`inner` of the decoded attributes).
 */
export interface InfoMessage<A> {
  /** The info struct (`xfrm_usersa_info`, `xfrm_userpolicy_info`) and the attributes after it. */
  info: { size: number; what: string; attrs: AttrSet };
  /** The delete notification: its type, id struct and attributes. */
  del: { type: number; size: number; what: string; attrs: AttrSet };
  /** The info struct inside a delete notification's attributes. */
  inner: (attrs: A) => Uint8Array | undefined;
  /** The error when it is missing. */
  missing: string;
}

/**
 * Decodes a state or policy message: the info struct and the attributes
 * after it, or a delete notification's attributes and the info struct one of
 * them holds; `build(info, attrs)` makes the object.
 */
export function decodeInfoMessage<A, T extends object>(
  msg: NetlinkMessage,
  m: InfoMessage<A>,
  build: (info: Uint8Array, attrs: A) => T,
): T {
  const p = msg.payload;
  if (msg.type === m.del.type) {
    structView(p, m.del.size, m.del.what);
    const attrs = decodeAttrsAt(m.del.attrs, p, m.del.size, p.length) as A;
    const info = m.inner(attrs);
    if (!info) throw new ParseError(m.missing, m.del.size);
    return withJson(build(info, attrs));
  }
  if (p.length < m.info.size) throw new ParseError(`${m.info.what} needs ${m.info.size} bytes, has ${p.length}`, 0);
  return withJson(build(p.subarray(0, m.info.size), decodeAttrsAt(m.info.attrs, p, m.info.size, p.length) as A));
}
