/**
 * Typed readers and writers for attribute payloads. Readers check the size
 * of what they read and throw {@link ParseError} on a mismatch.
 *
 * @module
 */
import { ParseError } from "./errors.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function need(bytes: Uint8Array, size: number, what: string): void {
  if (bytes.length < size) throw new ParseError(`${what} needs ${size} bytes, has ${bytes.length}`, 0);
}

/** Reads a u8. @example `u8(new Uint8Array([7])) // 7` */
export function u8(bytes: Uint8Array): number {
  need(bytes, 1, "u8");
  return bytes[0];
}
/** Reads a host-order (little-endian) u16. @example `u16(new Uint8Array([1, 0])) // 1` */
export function u16(bytes: Uint8Array): number {
  need(bytes, 2, "u16");
  return bytes[0] | (bytes[1] << 8);
}
/** Reads a host-order u32. @example `u32(new Uint8Array([1, 0, 0, 0])) // 1` */
export function u32(bytes: Uint8Array): number {
  need(bytes, 4, "u32");
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
}
/**
 * The host-order (little-endian) u32 at `bytes[at]`, for decoders that walk a
 * buffer and have checked that the four bytes are there (unlike {@link u32},
 * it does not check). @example `u32At(new Uint8Array([0, 1, 0, 0, 0]), 1) // 1`
 */
export function u32At(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
/** Reads a host-order s32. @example `s32(new Uint8Array([255, 255, 255, 255])) // -1` */
export function s32(bytes: Uint8Array): number {
  need(bytes, 4, "s32");
  return bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
}
/** Reads a host-order u64 as a bigint. @example `u64(new Uint8Array(8)) // 0n` */
export function u64(bytes: Uint8Array): bigint {
  need(bytes, 8, "u64");
  return view(bytes).getBigUint64(0, true);
}
/**
 * Reads a host-order u64 as a number (exact up to 2^53, which counters and
 * byte counts never reach in practice). @example `u64n(new Uint8Array(8)) // 0`
 */
export function u64n(bytes: Uint8Array): number {
  need(bytes, 8, "u64");
  return u64nAt(bytes, 0);
}

/**
 * Reads a host-order u64 as a number at `at`, without a view; the caller has
 * checked that 8 bytes are there.
 * @example `u64nAt(new Uint8Array([0, 0, 1, 0, 0, 0, 0, 0, 0]), 1) // 256`
 */
export function u64nAt(bytes: Uint8Array, at: number): number {
  const lo = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  const hi = (bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24)) >>> 0;
  // Most counters fit 32 bits: returned as they are, V8 keeps them small integers instead of boxing a double.
  return hi === 0 ? lo : lo + hi * 0x100000000;
}
/**
 * Reads an unsigned integer of whatever width the kernel sent (1, 2, 4 or 8
 * bytes), as `NLA_UINT` attributes and some legacy ones need.
 * @example `uint(new Uint8Array([5, 0])) // 5`
 */
export function uint(bytes: Uint8Array): number {
  switch (bytes.length) {
    case 1:
      return bytes[0];
    case 2:
      return u16(bytes);
    case 4:
      return u32(bytes);
    case 8:
      return u64n(bytes);
  }
  throw new ParseError(`an unsigned integer cannot be ${bytes.length} bytes`, 0);
}
/** Reads a big-endian u16 (ports). @example `be16(new Uint8Array([0, 80])) // 80` */
export function be16(bytes: Uint8Array): number {
  need(bytes, 2, "be16");
  return (bytes[0] << 8) | bytes[1];
}
/** Reads a big-endian u32. @example `be32(new Uint8Array([0, 0, 1, 0])) // 256` */
export function be32(bytes: Uint8Array): number {
  need(bytes, 4, "be32");
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}
/** Reads a big-endian u64 as a bigint. @example `be64(new Uint8Array(8)) // 0n` */
export function be64(bytes: Uint8Array): bigint {
  need(bytes, 8, "be64");
  return view(bytes).getBigUint64(0, false);
}
/**
 * Reads a string, stopping at the first NUL (or the end when there is none).
 * @example `str(new Uint8Array([108, 111, 0])) // "lo"`
 */
export function str(bytes: Uint8Array): string {
  return strAt(bytes, 0, bytes.length);
}

/** Strings up to this many bytes are built by hand when ASCII: cheaper than a TextDecoder call. */
const SHORT_STRING = 64;

/**
 * Reads the string in `bytes[start, end)`, stopping at the first NUL, without
 * making a view. Same result as {@link str} of that range.
 * @example `strAt(new Uint8Array([0, 108, 111, 0]), 1, 4) // "lo"`
 */
export function strAt(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_STRING) {
    let out = "";
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      if (c === 0) return out;
      if (c >= 0x80) break;
      out += String.fromCharCode(c);
    }
    if (out.length === end - start) return out;
  }
  let nul = bytes.indexOf(0, start);
  if (nul < 0 || nul > end) nul = end;
  return decoder.decode(bytes.subarray(start, nul));
}

/** Two lowercase hex digits of every byte value. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, "0"));
/** The two hardware addresses most links share. */
const BROADCAST_MAC = "ff:ff:ff:ff:ff:ff";
const ZERO_MAC = "00:00:00:00:00:00";
/** The same, each followed by a colon. */
const HEX2_COLON: readonly string[] = HEX2.map((x) => x + ":");

/**
 * Formats 6 (or any number of) bytes as a colon-separated hardware address.
 * @example `mac(new Uint8Array([2, 0, 0, 0, 0, 1])) // "02:00:00:00:00:01"`
 */
export function mac(bytes: Uint8Array): string {
  return macAt(bytes, 0, bytes.length);
}

/**
 * Formats `bytes[start, end)` as a colon-separated hardware address, without a view.
 * @example `macAt(new Uint8Array([9, 2, 0, 0, 0, 0, 1]), 1, 7) // "02:00:00:00:00:01"`
 */
export function macAt(bytes: Uint8Array, start: number, end: number): string {
  if (end - start === 6) {
    // Ethernet, the usual size: one expression (V8 builds it some ten times faster than the loop).
    const b = bytes, s = start;
    const b0 = b[s], b1 = b[s + 1], b2 = b[s + 2], b3 = b[s + 3], b4 = b[s + 4], b5 = b[s + 5];
    // Every Ethernet link's broadcast address (and loopback's zeros): one string, nothing built.
    if ((b0 & b1 & b2 & b3 & b4 & b5) === 255) return BROADCAST_MAC;
    if ((b0 | b1 | b2 | b3 | b4 | b5) === 0) return ZERO_MAC;
    return HEX2_COLON[b0] + HEX2_COLON[b1] + HEX2_COLON[b2] + HEX2_COLON[b3] + HEX2_COLON[b4] + HEX2[b5];
  }
  let out = "";
  for (let i = start; i < end; i++) out += i > start ? ":" + HEX2[bytes[i]] : HEX2[bytes[i]];
  return out;
}

/** Formats 4 bytes as dotted IPv4. @example `ipv4(new Uint8Array([127, 0, 0, 1])) // "127.0.0.1"` */
export function ipv4(bytes: Uint8Array): string {
  need(bytes, 4, "IPv4 address");
  return ipv4At(bytes, 0);
}

/** `"0"` to `"255"`, and each with its dot: an address's text in four pieces, fewer strings made on the way. */
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, n) => String(n));
const DOTTED: readonly string[] = DECIMAL.map((n) => n + ".");

/**
 * Formats the 4 bytes at `at` as dotted IPv4, without a view; the caller has
 * checked that they are there.
 * @example `ipv4At(new Uint8Array([0, 127, 0, 0, 1]), 1) // "127.0.0.1"`
 */
export function ipv4At(bytes: Uint8Array, at: number): string {
  const n = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  // The same address twice in a row (an address's IFA_LOCAL and IFA_ADDRESS, a route's gateway) is one string.
  if (n === lastIpv4) return lastIpv4Text;
  // Addresses of a dump share their first three bytes in runs (a /24): that part is made once a run.
  const prefix = n & 0xffffff;
  if (prefix !== lastPrefix) {
    lastPrefix = prefix;
    lastPrefixText = DOTTED[bytes[at]] + DOTTED[bytes[at + 1]] + DOTTED[bytes[at + 2]];
  }
  lastIpv4 = n;
  lastIpv4Text = lastPrefixText + DECIMAL[bytes[at + 3]];
  return lastIpv4Text;
}

/** The last address {@link ipv4At} formatted, and the first three bytes' text of the last run. */
let lastIpv4 = 0;
let lastIpv4Text = "0.0.0.0";
let lastPrefix = 0;
let lastPrefixText = "0.0.0.";

/**
 * Formats 16 bytes as IPv6 text exactly as glibc's `inet_ntop` does (which is
 * what iproute2 prints): the longest run of two or more zero groups becomes
 * `::`, and IPv4-compatible or -mapped addresses end in dotted form.
 * @example `ipv6(new Uint8Array(16).fill(0, 0, 15).fill(1, 15)) // "::1"`
 */
export function ipv6(bytes: Uint8Array): string {
  need(bytes, 16, "IPv6 address");
  return ipv6At(bytes, 0);
}

/** The 16-bit group `i` of the IPv6 address at `at`. */
function group(b: Uint8Array, at: number, i: number): number {
  return (b[at + 2 * i] << 8) | b[at + 2 * i + 1];
}

/**
 * Formats the 16 bytes at `at` as IPv6 (as {@link ipv6} does), without a
 * view or an array; the caller has checked that they are there.
 * @example `ipv6At(new Uint8Array(17), 1) // "::"`
 */
export function ipv6At(b: Uint8Array, at: number): string {
  // The longest run of zero groups (the first of equal ones), written "::" when it is 2 or more.
  let bestBase = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (group(b, at, i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && group(b, at, j) === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen === 8) return "::"; // unset tokens, the unspecified address
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i) out += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && group(b, at, 5) === 0xffff))) {
      return out + ipv4At(b, at + 12);
    }
    out += group(b, at, i).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ":";
  return out;
}

/**
 * Formats an address by its length: 4 bytes IPv4, 16 bytes IPv6, anything
 * else as a hardware address.
 * @example `ip(new Uint8Array([10, 0, 0, 1])) // "10.0.0.1"`
 */
export function ip(bytes: Uint8Array): string {
  if (bytes.length === 4) return ipv4(bytes);
  if (bytes.length === 16) return ipv6(bytes);
  return mac(bytes);
}

/** An address that could not be parsed, or a prefix out of range. */
export class AddressError extends Error {
  /** `message` names the text that did not parse. */
  constructor(message: string) {
    super(message);
    this.name = "AddressError";
  }
}

/**
 * The 4 bytes of dotted IPv4 text exactly as glibc's `inet_pton(AF_INET)`
 * reads it: four decimal numbers 0..255, no leading zeros (`010` is refused,
 * not read as octal), nothing else. `undefined` when it is not one.
 */
function ipv4OrUndefined(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/**
 * Parses dotted IPv4 text into 4 bytes, accepting exactly what glibc's
 * `inet_pton(AF_INET)` accepts (no leading zeros, no shorthand forms).
 * @example `parseIPv4("10.0.0.1") // Uint8Array [10, 0, 0, 1]`
 */
export function parseIPv4(text: string): Uint8Array {
  const out = ipv4OrUndefined(text);
  if (!out) throw new AddressError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return out;
}

/** The value of an ASCII hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Parses IPv6 text (with `::` and an optional dotted IPv4 tail) into 16
 * bytes, accepting exactly what glibc's `inet_pton(AF_INET6)` accepts: at
 * most 4 hex digits a group, one `::` that stands for at least one group,
 * the IPv4 tail only last, no zone id, no brackets, no spaces.
 * @example `parseIPv6("fe80::1")[15] // 1`
 */
export function parseIPv6(text: string): Uint8Array {
  const bad = () => new AddressError(`not an IPv6 address: ${JSON.stringify(text)}`);
  const out = new Uint8Array(16);
  const end = text.length;
  let at = 0;
  // A leading ':' must be the start of "::".
  if (end === 0) throw bad();
  if (text.charCodeAt(0) === 0x3a) {
    if (end < 2 || text.charCodeAt(1) !== 0x3a) throw bad();
    at = 1;
  }
  let filled = 0; // bytes written to out
  let gap = -1; // where "::" stands, as a byte offset
  let digits = 0; // hex digits of the group being read
  let group = 0;
  let groupStart = at;
  while (at < end) {
    const c = text.charCodeAt(at++);
    const d = hexDigit(c);
    if (d >= 0) {
      if (digits === 4) throw bad();
      group = (group << 4) | d;
      digits++;
      continue;
    }
    if (c === 0x3a) {
      groupStart = at;
      if (digits === 0) {
        if (gap >= 0) throw bad(); // a second "::", or ":::"
        gap = filled;
        continue;
      }
      if (at === end || filled + 2 > 16) throw bad(); // a trailing single ':', or too many groups
      out[filled++] = group >> 8;
      out[filled++] = group & 0xff;
      digits = 0;
      group = 0;
      continue;
    }
    // A '.': the rest, from the start of this group, must be an IPv4 address.
    const v4 = c === 0x2e && filled + 4 <= 16 ? ipv4OrUndefined(text.slice(groupStart)) : undefined;
    if (!v4) throw bad();
    out.set(v4, filled);
    filled += 4;
    digits = 0;
    break;
  }
  if (digits > 0) {
    if (filled + 2 > 16) throw bad();
    out[filled++] = group >> 8;
    out[filled++] = group & 0xff;
  }
  if (gap >= 0) {
    if (filled === 16) throw bad(); // "::" must stand for at least one group
    const tail = filled - gap;
    out.copyWithin(16 - tail, gap, filled);
    out.fill(0, gap, 16 - tail);
    filled = 16;
  }
  if (filled !== 16) throw bad();
  return out;
}

/**
 * Parses an IPv4 or IPv6 address, accepting exactly what glibc's
 * `inet_pton` accepts for one family or the other.
 * @example `parseIP("::1").length // 16`
 */
export function parseIP(text: string): Uint8Array {
  return text.includes(":") ? parseIPv6(text) : parseIPv4(text);
}

/**
 * A prefix length as iproute2's `get_netmask` reads one: an unsigned
 * number in C syntax (decimal, `0x` hex, or `0` octal, so `010` is 8 and
 * `08` is refused) or a contiguous dotted IPv4 netmask (`255.255.0.0`).
 * iproute2's looser forms (leading blanks or a sign, which `strtoul`
 * skips; the words `default`/`any`/`all`; netmasks with fewer than four
 * parts or octal/hex parts) are refused. `undefined` when it is not one.
 */
function prefixLength(text: string): number | undefined {
  let value: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) value = parseInt(text, 8);
  else if (/^[1-9][0-9]*$/.test(text)) value = Number(text);
  else {
    const mask = ipv4OrUndefined(text);
    if (!mask) return undefined;
    const bits = ((mask[0] << 24) | (mask[1] << 16) | (mask[2] << 8) | mask[3]) >>> 0;
    const host = ~bits >>> 0;
    if ((host & (host + 1)) !== 0) return undefined; // not contiguous ones then zeros
    return 32 - Math.log2(host + 1);
  }
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Parses `addr/len` (or a bare address, taking the full length). The
 * address is read as {@link parseIP} reads it; the length as iproute2
 * reads one (`/24`, `/0x18`, `/030`, `/255.255.255.0`) and must not exceed
 * the address's bits.
 * @example `parsePrefix("10.0.0.0/8") // { address: Uint8Array [10,0,0,0], length: 8, family: 2 }`
 */
export function parsePrefix(text: string): { address: Uint8Array; length: number; family: 2 | 10 } {
  const slash = text.indexOf("/");
  const address = parseIP(slash < 0 ? text : text.slice(0, slash));
  const max = address.length * 8;
  const len = slash < 0 ? undefined : text.slice(slash + 1);
  const length = len === undefined ? max : prefixLength(len);
  if (length === undefined) {
    throw new AddressError(`prefix length ${JSON.stringify(len)} is not a number in ${JSON.stringify(text)}`);
  }
  if (length > max) throw new AddressError(`prefix length ${len} is out of range 0..${max} in ${JSON.stringify(text)}`);
  return { address, length, family: address.length === 4 ? 2 : 10 };
}

/**
 * Parses a colon-separated hardware address. With `length`, the address
 * must have exactly that many octets (the link's address length: 6 for
 * Ethernet), since the kernel silently truncates a longer one.
 * @example `parseMac("02:00:00:00:00:01", 6).length // 6`
 */
export function parseMac(text: string, length?: number): Uint8Array {
  const parts = typeof text === "string" ? text.split(":") : [];
  if (parts.length === 0 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new AddressError(`not a hardware address: ${JSON.stringify(text)}`);
  }
  if (length !== undefined && parts.length !== length) {
    throw new AddressError(
      `hardware address ${JSON.stringify(text)} has ${parts.length} octets; this link's addresses have ${length}`,
    );
  }
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

/**
 * Encodes a string with a terminating NUL.
 * @example `cstr("lo") // Uint8Array [108, 111, 0]`
 */
export function cstr(text: string): Uint8Array {
  const encoded = encoder.encode(text);
  const out = new Uint8Array(encoded.length + 1);
  out.set(encoded);
  return out;
}
