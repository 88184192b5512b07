/**
 * `ip -j route` straight from the wire: a route of a dump written as ip's
 * JSON bytes into the output buffer, read in place from the kernel's
 * message, with no `Route` object and no string per route (a listing of
 * 100,000 routes otherwise spends most of its time making both). It covers
 * what large tables are made of (IPv4 and IPv6 routes with one path, no
 * encapsulation, metrics or expiry) and declines every other route:
 * the caller then decodes it and writes what `ipRoute` (ipjson.ts) makes of it.
 * What it writes is what `ipRoute` (ipjson.ts) writes for the same route
 * (test/cli/routebytes.test.ts compares them route by route).
 *
 * @module
 */
import { routeFlagNames, routePrefName, routeProtocolName, routeScopeName, routeTypeName } from "../route/route.ts";
import { ipv6 } from "../wire/values.ts";
import { type Names, routeFlagsText, TABLES } from "./ipjson.ts";

const encoder = new TextEncoder();
const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** Room a route may need in the buffer (the longest: a typed IPv6 route with a source, a gateway and a prefsrc). */
export const ROUTE_ROOM = 1024;

/** `struct rtmsg`. */
const RTMSG_SIZE = 12;
const AF_INET = 2;
const AF_INET6 = 10;
const RTN_UNICAST = 1;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const MAIN_TABLE = 254;

// The RTA_* attributes written here; any other one makes the route go through ipRoute.
const RTA_DST = 1;
const RTA_SRC = 2;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_PREFSRC = 7;
const RTA_CACHEINFO = 12;
const RTA_TABLE = 15;
const RTA_PREF = 20;
const RTA_PAD = 24;

const TYPE_FIRST = utf8('{"type":');
const DST_AFTER_TYPE = utf8(',"dst":');
const FROM = utf8(',"from":');
const SRC = utf8(',"src":');
const GATEWAY = utf8(',"gateway":');
const DEV = utf8(',"dev":');
const TABLE = utf8(',"table":');
const PROTOCOL = utf8(',"protocol":');
const SCOPE = utf8(',"scope":');
const METRIC = utf8(',"metric":');
const PREFSRC = utf8(',"prefsrc":');
const FLAGS = utf8(',"flags":');
const PREF = utf8(',"pref":');
const DEFAULT = utf8("default");
const QUOTE = 0x22;
const SLASH = 0x2f;
const DOT = 0x2e;

/** The JSON text of each name of a byte-sized field (type, protocol, scope), made when first met. */
function nameTable(name: (n: number) => string | number): (n: number) => Uint8Array {
  const made: (Uint8Array | undefined)[] = new Array(256).fill(undefined);
  return (n) => made[n] ??= utf8(JSON.stringify(String(name(n)))); // a number too is a string, as ip prints it
}
const typeText = nameTable(routeTypeName);
const protocolText = nameTable(routeProtocolName);
const scopeText = nameTable(routeScopeName);
const prefText = nameTable((n) => routePrefName(n) ?? n); // only values routePrefName names get here

/** A route's opening up to the quote of its `dst`, by type: `{"dst":"` or `{"type":"local","dst":"`. */
const HEADS: (Uint8Array | undefined)[] = new Array(256).fill(undefined);
function headText(type: number): Uint8Array {
  return HEADS[type] ??= type === RTN_UNICAST
    ? utf8('{"dst":"')
    : concat([TYPE_FIRST, typeText(type), DST_AFTER_TYPE, new Uint8Array([QUOTE])]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

function put(buf: Uint8Array, at: number, part: Uint8Array): number {
  buf.set(part, at);
  return at + part.length;
}

/**
 * The digits of 0..255, 4 bytes each: how many, then the digits (written
 * from a table: a loop over 100,000 routes runs most of its routes before
 * the JIT has made the arithmetic fast).
 */
const OCTETS = new Uint8Array(256 * 4);
for (let n = 0; n < 256; n++) {
  const text = String(n);
  OCTETS[n * 4] = text.length;
  for (let i = 0; i < text.length; i++) OCTETS[n * 4 + 1 + i] = text.charCodeAt(i);
}

/** The decimal digits of 0..255. */
function putOctet(buf: Uint8Array, at: number, n: number): number {
  const k = n * 4;
  const count = OCTETS[k];
  buf[at] = OCTETS[k + 1];
  if (count > 1) buf[at + 1] = OCTETS[k + 2];
  if (count > 2) buf[at + 2] = OCTETS[k + 3];
  return at + count;
}

/** The decimal digits of `n` (0 ≤ n < 2^32). */
function putUint(buf: Uint8Array, at: number, n: number): number {
  if (n < 256) return putOctet(buf, at, n);
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let p = at + digits - 1; p >= at; p--) {
    const q = Math.floor(n / 10);
    buf[p] = 0x30 + n - q * 10;
    n = q;
  }
  return at + digits;
}

/** Dotted IPv4 of the 4 bytes at `b[i]`. */
function putIPv4(buf: Uint8Array, at: number, b: Uint8Array, i: number): number {
  at = putOctet(buf, at, b[i]);
  buf[at++] = DOT;
  at = putOctet(buf, at, b[i + 1]);
  buf[at++] = DOT;
  at = putOctet(buf, at, b[i + 2]);
  buf[at++] = DOT;
  return putOctet(buf, at, b[i + 3]);
}

/** The address at `b[i]` (4 or 16 bytes, as `v6` says) as inet_ntop writes it. */
function putAddress(buf: Uint8Array, at: number, b: Uint8Array, i: number, v6: boolean): number {
  if (!v6) return putIPv4(buf, at, b, i);
  const text = ipv6(b.subarray(i, i + 16)); // ASCII
  for (let k = 0; k < text.length; k++) buf[at + k] = text.charCodeAt(k);
  return at + text.length;
}

/** `ADDR`, `ADDR/LEN` (not a host route), `default`, `0/LEN` (no address but a length): what goes between the quotes. */
function putPrefix(buf: Uint8Array, at: number, b: Uint8Array, value: number, length: number, v6: boolean): number {
  if (value) {
    at = putAddress(buf, at, b, value, v6);
    if (length === (v6 ? 128 : 32)) return at;
    buf[at++] = SLASH;
    return putOctet(buf, at, length);
  }
  if (length === 0) return put(buf, at, DEFAULT);
  buf[at++] = 0x30;
  buf[at++] = SLASH;
  return putOctet(buf, at, length);
}

function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/**
 * Writes routes as `ip -j route` prints them in a listing without `-d`,
 * `-s` or `dev` (the shape `ipRoute` (ipjson.ts) is given then), for one listing's
 * link names and table.
 *
 * @example
 * ```ts
 * import { IpRouteBytes, ROUTE_ROOM } from "./routebytes.ts";
 * import { listRouteDatagrams } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * const writer = new IpRouteBytes(new Map([[1, "lo"]]), "all");
 * const buf = new Uint8Array(ROUTE_ROOM);
 * for await (const step of listRouteDatagrams(sock, { table: "all" })) {
 *   step.forEachPayload((bytes, start, end) => {
 *     const n = writer.write(bytes, start, end, buf, 0);
 *     if (n >= 0) console.log(new TextDecoder().decode(buf.subarray(0, n)));
 *   });
 * }
 * ```
 */
export class IpRouteBytes {
  readonly #names: Names;
  readonly #allTables: boolean;
  /** The JSON text of each device name by index. */
  readonly #devs = new Map<number, Uint8Array>();
  /** The JSON text of the flags ip prints, by `rtm_flags` value. */
  readonly #flagTexts = new Map<number, Uint8Array>();
  /** The JSON text of each table name by number. */
  readonly #tables = new Map<number, Uint8Array>();

  // The text of the last run of routes alike (see write), and what it was made for.
  #run: Uint8Array = new Uint8Array(0);
  #runIndex = -2;
  #runTable = -1;
  #runProtocol = -1;
  #runScope = -1;
  #end: Uint8Array = new Uint8Array(0);
  #endFlags = -1;
  #endPref = -2;

  /** `names`: index → name of the namespace's links; `table`: the table the listing asked for. */
  constructor(names: Names, table: number | "all") {
    this.#names = names;
    this.#allTables = table === "all";
  }

  /**
   * Writes the route whose payload (`struct rtmsg` and attributes) is
   * `b[s, e)` into `buf` from `at`, which has {@link ROUTE_ROOM} bytes of
   * room: where it ends, or -1 when this route is not one written here
   * (then `buf` holds nothing of it that counts; decode it and use
   * `ipRoute` (ipjson.ts)). A malformed message is declined too: decoding it
   * says how.
   */
  write(b: Uint8Array, s: number, e: number, buf: Uint8Array, at: number): number {
    if (e - s < RTMSG_SIZE || e > b.length) return -1;
    const family = b[s];
    if (family !== AF_INET && family !== AF_INET6) return -1;
    const v6 = family === AF_INET6;
    const size = v6 ? 16 : 4;
    // Where each attribute's value starts (0: absent); one of each, as the decoder keeps the first.
    let dst = 0, src = 0, oif = 0, gateway = 0, priority = 0, prefsrc = 0, pref = 0;
    let table = b[s + 4];
    let seen = 0;
    let p = s + RTMSG_SIZE;
    for (; p + 4 <= e;) {
      const len = b[p] | (b[p + 1] << 8);
      if (len < 4 || p + len > e) return -1;
      const type = b[p + 2] | (b[p + 3] << 8); // no NLA_F_* bits expected in a route
      const value = p + 4;
      const n = len - 4;
      if (type !== RTA_TABLE && type !== RTA_PAD) {
        if (type > 31 || seen & (1 << type)) return -1;
        seen |= 1 << type;
      }
      switch (type) {
        case RTA_DST:
          if (n !== size) return -1;
          dst = value;
          break;
        case RTA_SRC:
          if (n !== size) return -1;
          src = value;
          break;
        case RTA_GATEWAY:
          if (n !== size) return -1;
          gateway = value;
          break;
        case RTA_PREFSRC:
          if (n !== size) return -1;
          prefsrc = value;
          break;
        case RTA_OIF:
          if (n !== 4) return -1;
          oif = value;
          break;
        case RTA_PRIORITY:
          if (n !== 4) return -1;
          priority = value;
          break;
        case RTA_TABLE:
          if (n !== 4) return -1;
          table = u32(b, value);
          break;
        case RTA_PREF:
          if (n !== 1 || routePrefName(b[value]) === undefined) return -1;
          pref = value;
          break;
        case RTA_CACHEINFO:
          // ip prints `expires` from it: only a route that does not expire is written here.
          if (n < 20 || u32(b, value + 8) !== 0) return -1;
          break;
        case RTA_PAD:
          break;
        default:
          return -1;
      }
      p += (len + 3) & ~3;
    }
    if (p < e) return -1;

    const routeType = b[s + 7];
    at = put(buf, at, headText(routeType)); // up to dst's opening quote
    at = putPrefix(buf, at, b, dst, b[s + 1], v6);
    buf[at++] = QUOTE;
    // As ip: a source prefix is `from`; a length without an address, `src` 0/LEN.
    if (b[s + 2] !== 0) {
      at = put(buf, at, src ? FROM : SRC);
      buf[at++] = QUOTE;
      at = putPrefix(buf, at, b, src, b[s + 2], v6);
      buf[at++] = QUOTE;
    }
    if (gateway) {
      at = put(buf, at, GATEWAY);
      buf[at++] = QUOTE;
      at = putAddress(buf, at, b, gateway, v6);
      buf[at++] = QUOTE;
    }
    // `dev`, `table`, `protocol` and `scope` are the same for runs of routes: their text is made once a run.
    const index = oif ? u32(b, oif) : -1, protocol = b[s + 5], scope = b[s + 6];
    if (
      index !== this.#runIndex || table !== this.#runTable || protocol !== this.#runProtocol || scope !== this.#runScope
    ) {
      this.#run = this.#middle(index, table, protocol, scope);
      this.#runIndex = index, this.#runTable = table, this.#runProtocol = protocol, this.#runScope = scope;
    }
    if (this.#run.length > ROUTE_ROOM / 4) return -1; // a device name longer than the kernel gives a link
    at = put(buf, at, this.#run);
    if (priority) at = putUint(buf, put(buf, at, METRIC), u32(b, priority));
    if (prefsrc) {
      at = put(buf, at, PREFSRC);
      buf[at++] = QUOTE;
      at = putAddress(buf, at, b, prefsrc, v6);
      buf[at++] = QUOTE;
    }
    // The flags, pref and closing brace: the same for runs too.
    const flags = u32(b, s + 8), prefValue = pref ? b[pref] : -1;
    if (flags !== this.#endFlags || prefValue !== this.#endPref) {
      const parts = [FLAGS, this.#flags(flags)];
      if (prefValue >= 0) parts.push(PREF, prefText(prefValue));
      this.#end = concat([...parts, new Uint8Array([0x7d])]); // }
      this.#endFlags = flags, this.#endPref = prefValue;
    }
    return put(buf, at, this.#end);
  }

  /** `,"dev":…,"table":…,"protocol":…,"scope":…` as far as ip prints them. */
  #middle(index: number, table: number, protocol: number, scope: number): Uint8Array {
    const parts: Uint8Array[] = [];
    if (index >= 0) parts.push(DEV, this.#dev(index));
    if (this.#allTables && table !== MAIN_TABLE) parts.push(TABLE, this.#table(table));
    if (protocol !== RTPROT_BOOT) parts.push(PROTOCOL, protocolText(protocol));
    if (scope !== RT_SCOPE_UNIVERSE) parts.push(SCOPE, scopeText(scope));
    return concat(parts);
  }

  #dev(index: number): Uint8Array {
    let text = this.#devs.get(index);
    if (text === undefined) {
      this.#devs.set(index, text = utf8(JSON.stringify(this.#names.get(index) ?? `if${index}`)));
    }
    return text;
  }

  #flags(flags: number): Uint8Array {
    let text = this.#flagTexts.get(flags);
    if (text === undefined) this.#flagTexts.set(flags, text = utf8(routeFlagsText(routeFlagNames(flags))));
    return text;
  }

  #table(table: number): Uint8Array {
    let text = this.#tables.get(table);
    if (text === undefined) this.#tables.set(table, text = utf8(JSON.stringify(TABLES[table] ?? String(table))));
    return text;
  }
}
