/**
 * Neighbours: the ARP (IPv4) and NDP (IPv6) tables, with proxy entries.
 * `RTM_NEWNEIGH` / `RTM_DELNEIGH` / `RTM_GETNEIGH` over `struct ndmsg`, from
 * `linux/neighbour.h`.
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { type AttrSet, type Codec, decodeAttrsAt, defineAttrSet, defineStruct } from "../wire/schema.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import * as v from "../wire/values.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { AF, RouteProtocol, RouteType, RTM } from "./constants.ts";
import { getLink } from "./link.ts";
import { withJson } from "../wire/json.ts";

/** Size of `struct ndmsg`. */
const NDMSG_SIZE = 12;

/** `NDA_*` attribute numbers. */
export const NDA = {
  DST: 1,
  LLADDR: 2,
  CACHEINFO: 3,
  PROBES: 4,
  VLAN: 5,
  PORT: 6,
  VNI: 7,
  IFINDEX: 8,
  MASTER: 9,
  LINK_NETNSID: 10,
  SRC_VNI: 11,
  PROTOCOL: 12,
  NH_ID: 13,
  FDB_EXT_ATTRS: 14,
  FLAGS_EXT: 15,
  NDM_STATE_MASK: 16,
  NDM_FLAGS_MASK: 17,
} as const;

/** `NUD_*` states, named as iproute2 prints them. */
export const NUD = {
  INCOMPLETE: 0x01,
  REACHABLE: 0x02,
  STALE: 0x04,
  DELAY: 0x08,
  PROBE: 0x10,
  FAILED: 0x20,
  NOARP: 0x40,
  PERMANENT: 0x80,
} as const;

/** A neighbour state name (`"PERMANENT"`, `"REACHABLE"`…). */
export type NeighbourState = keyof typeof NUD;

/** `NTF_*` flags of `ndm_flags`, with iproute2's names. */
const NTF: ReadonlyArray<[string, number]> = [
  ["use", 0x01],
  ["self", 0x02],
  ["master", 0x04],
  ["proxy", 0x08],
  ["extern_learn", 0x10],
  ["offload", 0x20],
  ["sticky", 0x40],
  ["router", 0x80],
];

/** `NTF_EXT_*` flags carried in `NDA_FLAGS_EXT`. */
const NTF_EXT: ReadonlyArray<[string, number]> = [
  ["managed", 0x01],
  ["locked", 0x02],
  ["extern_valid", 0x04],
];

/** Address family of a neighbour entry by name; a number when unnamed. */
export type NeighbourFamily = "inet" | "inet6" | "bridge" | number;

const FAMILY_NAMES: Record<number, Exclude<NeighbourFamily, number>> = { 2: "inet", 10: "inet6", 7: "bridge" };

/** The number of a family given by name or number. */
function familyNumber(family: NeighbourFamily): number {
  if (typeof family === "number") {
    if (!Number.isInteger(family) || family < 0 || family > 255) {
      throw new TypeError(`family ${family} is out of range`);
    }
    return family;
  }
  for (const [n, name] of Object.entries(FAMILY_NAMES)) if (name === family) return Number(n);
  throw new TypeError(`unknown family ${JSON.stringify(family)}`);
}

/** A neighbour flag name: `ndm_flags` bits and `NDA_FLAGS_EXT` bits. */
export type NeighbourFlag =
  | "use"
  | "self"
  | "master"
  | "proxy"
  | "extern_learn"
  | "offload"
  | "sticky"
  | "router"
  | "managed"
  | "locked"
  | "extern_valid";

/** `struct nda_cacheinfo`: ages in clock ticks (USER_HZ, 1/100 s) and the reference count. */
export interface NeighbourCacheInfo {
  /** Ticks since the entry was last confirmed. */
  confirmed: number;
  /** Ticks since the entry was last used. */
  used: number;
  /** Ticks since the entry was last updated. */
  updated: number;
  /** Reference count (iproute2 prints it when not zero). */
  refcnt: number;
}

/** One neighbour table entry as the kernel reports it. */
export interface Neighbour {
  /** Address family: `"inet"` (ARP), `"inet6"` (NDP), `"bridge"` (FDB), else the number. */
  family: NeighbourFamily;
  /** Interface index (`ndm_ifindex`). */
  index: number;
  /** Protocol address (`NDA_DST`). */
  dst?: string;
  /** Link-layer address (`NDA_LLADDR`). */
  lladdr?: string;
  /** State names; empty for `NUD_NONE` (iproute2 then prints none). Unknown bits as `"0x.."`. */
  state: string[];
  /** Raw `ndm_state`. */
  stateBits: number;
  /** Flag names (`ndm_flags` then `NDA_FLAGS_EXT`); unknown bits as `"0x.."`. */
  flags: string[];
  /** Raw `ndm_flags`. */
  flagBits: number;
  /** `ndm_type`, a route type name (`"unicast"`, `"multicast"`…), the number when unnamed. */
  type: Lowercase<keyof typeof RouteType> | number;
  /** Probes sent (`NDA_PROBES`). */
  probes?: number;
  /** Bridge VLAN (`NDA_VLAN`). */
  vlan?: number;
  /** Destination UDP port of a VXLAN FDB entry (`NDA_PORT`). */
  port?: number;
  /** VXLAN VNI (`NDA_VNI`). */
  vni?: number;
  /** Source VNI (`NDA_SRC_VNI`). */
  srcVni?: number;
  /** Interface index of the master device (`NDA_MASTER`). */
  master?: number;
  /** Nexthop id (`NDA_NH_ID`). */
  nhId?: number;
  /** Peer namespace id of the link (`NDA_LINK_NETNSID`). */
  linkNetnsId?: number;
  /** Cache information (`NDA_CACHEINFO`). */
  cacheInfo?: NeighbourCacheInfo;
  /** Originator (`NDA_PROTOCOL`), named as iproute2 does (`"static"`, `"openr"`), the number when unnamed. */
  protocol?: Lowercase<keyof typeof RouteProtocol> | number;
  /** Attributes this decoder does not know, kept raw. */
  unknown: Attr[];
}

function bitNames(bits: number, table: ReadonlyArray<[string, number]>, out: string[]): void {
  let rest = bits;
  for (const [name, bit] of table) {
    if (bits & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push(`0x${(rest >>> 0).toString(16)}`);
}

/** Names of the `NUD_*` bits in `bits`, in iproute2's order. */
function stateNames(bits: number): string[] {
  const out: string[] = [];
  bitNames(bits, Object.entries(NUD) as [string, number][], out);
  return out;
}

function enumName<T extends Record<string, number>>(table: T, value: number): Lowercase<keyof T & string> | number {
  for (const [name, n] of Object.entries(table)) {
    if (n === value) return name.toLowerCase() as Lowercase<keyof T & string>;
  }
  return value;
}

function enumValue(table: Record<string, number>, value: string | number, what: string): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw new TypeError(`${what} ${value} is out of range 0..255`);
    }
    return value;
  }
  const n = table[value.toUpperCase()];
  if (n === undefined) {
    if (/^\d+$/.test(value) && Number(value) <= 255) return Number(value);
    throw new TypeError(`unknown ${what} ${JSON.stringify(value)}`);
  }
  return n;
}

/** An enum's names in lower case, as iproute2 prints them. */
function lowerCased<T extends Record<string, number>>(table: T): { [K in keyof T & string as Lowercase<K>]: number } {
  return Object.fromEntries(Object.entries(table).map(([k, n]) => [k.toLowerCase(), n])) as never;
}

/** `struct nda_cacheinfo`. */
const NDA_CACHEINFO = defineStruct({
  name: "nda_cacheinfo",
  members: [
    { name: "confirmed", type: "u32" },
    { name: "used", type: "u32" },
    { name: "updated", type: "u32" },
    { name: "refcnt", type: "u32" },
  ],
});

const NEIGHBOUR_ATTRS = defineAttrSet({
  name: "neighbour",
  prefix: "NDA_",
  attributes: {
    // 4 or 16 bytes as an IP address, anything else as a hardware address.
    dst: { id: NDA.DST, type: "binary", codec: { decode: v.ip } as Codec<string> },
    lladdr: { id: NDA.LLADDR, type: "mac" },
    cacheInfo: { id: NDA.CACHEINFO, type: "binary", struct: NDA_CACHEINFO, cname: "NDA_CACHEINFO" },
    probes: { id: NDA.PROBES, type: "u32" },
    vlan: { id: NDA.VLAN, type: "u16" },
    port: { id: NDA.PORT, type: "u16", "byte-order": "big-endian" },
    vni: { id: NDA.VNI, type: "u32" },
    master: { id: NDA.MASTER, type: "u32" },
    linkNetnsId: { id: NDA.LINK_NETNSID, type: "s32", cname: "NDA_LINK_NETNSID" },
    srcVni: { id: NDA.SRC_VNI, type: "u32" },
    protocol: { id: NDA.PROTOCOL, type: "u8", enum: lowerCased(RouteProtocol) },
    nhId: { id: NDA.NH_ID, type: "u32" },
    flagsExt: { id: NDA.FLAGS_EXT, type: "u32" },
  },
});

/**
 * The `NDA_*` attributes of a neighbour message. `NDA_IFINDEX` is left out
 * on purpose: a request attribute for IP neighbours, kept raw (the FDB
 * decoder reads it there).
 */
export const neighbourAttrs: AttrSet = NEIGHBOUR_ATTRS;

/**
 * Decodes an `RTM_NEWNEIGH` / `RTM_DELNEIGH` message. Lengths are checked:
 * a payload shorter than `struct ndmsg`, or a malformed attribute, is a
 * {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeNeighbour } from "@nlts/netlink/route";
 * const payload = new Uint8Array(12);
 * payload[0] = 2; // AF_INET
 * payload[4] = 3; // ifindex 3
 * payload[8] = 0x80; // NUD_PERMANENT
 * const n = decodeNeighbour({ type: 28, flags: 0, seq: 0, pid: 0, payload });
 * n.state; // ["PERMANENT"]
 * ```
 */
export function decodeNeighbour(msg: NetlinkMessage): Neighbour {
  const p = msg.payload;
  if (p.length < NDMSG_SIZE) throw new ParseError(`ndmsg needs ${NDMSG_SIZE} bytes, has ${p.length}`, 16);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const family = p[0];
  const index = dv.getInt32(4, true);
  const stateBits = dv.getUint16(8, true);
  const flagBits = p[10];
  const { flagsExt, unknown, ...fields } = decodeAttrsAt(NEIGHBOUR_ATTRS, p, NDMSG_SIZE, p.length, 16 + NDMSG_SIZE);
  const flags: string[] = [];
  bitNames(flagBits, NTF, flags);
  bitNames(flagsExt ?? 0, NTF_EXT, flags);
  return withJson({
    family: FAMILY_NAMES[family] ?? family,
    index,
    state: stateNames(stateBits),
    stateBits,
    flags,
    flagBits,
    type: enumName(RouteType, p[11]),
    ...(fields as Omit<
      Neighbour,
      "family" | "index" | "state" | "stateBits" | "flags" | "flagBits" | "type" | "unknown"
    >),
    unknown: unknown ?? [],
  });
}

/** Filter of {@link listNeighbours}; the kernel applies it (strict dump checking). */
export interface NeighbourFilter {
  /** `"inet"` / `"inet6"` (or 2 / 10); default both. */
  family?: NeighbourFamily;
  /** Only entries on this interface index. */
  index?: number;
  /** Only entries on ports of this master (bridge, VRF) index. */
  master?: number;
  /** Dump proxy entries (`ip neigh show proxy`) instead of the cache. */
  proxy?: boolean;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

function checkIndex(value: number | undefined, what: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value <= 0 || value > 0x7fffffff) {
    throw new TypeError(`${what} must be a positive interface index, got ${value}`);
  }
}

/**
 * Builds the `RTM_GETNEIGH` dump request for a filter.
 *
 * @example
 * ```ts
 * import { encodeNeighbourDump } from "@nlts/netlink/route";
 * const bytes = encodeNeighbourDump({ family: "inet", index: 3 });
 * bytes.length; // 36
 * ```
 */
export function encodeNeighbourDump(filter: Omit<NeighbourFilter, "signal"> = {}): Uint8Array {
  const family = filter.family === undefined ? AF.UNSPEC : familyNumber(filter.family);
  checkIndex(filter.index, "index");
  checkIndex(filter.master, "master");
  const m = new MessageWriter(RTM.GETNEIGH, Flags.DUMP);
  const hdr = m.struct(NDMSG_SIZE);
  hdr.setUint8(0, family);
  if (filter.proxy) hdr.setUint8(10, 0x08); // NTF_PROXY
  if (filter.index !== undefined) m.u32(NDA.IFINDEX, filter.index);
  if (filter.master !== undefined) m.u32(NDA.MASTER, filter.master);
  return m.finish();
}

/**
 * Lists neighbour entries (or proxy entries with `proxy: true`), filtered by
 * the kernel.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listNeighbours } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const n of listNeighbours(sock, { family: "inet" })) console.log(n.dst, n.lladdr, n.state);
 * ```
 */
export async function* listNeighbours(
  sock: NetlinkSocket,
  filter: NeighbourFilter = {},
): AsyncGenerator<Neighbour, void, undefined> {
  const request = encodeNeighbourDump(filter);
  for await (const msg of sock.dump(request, { signal: filter.signal })) {
    if (msg.type !== RTM.NEWNEIGH) continue;
    yield decodeNeighbour(msg);
  }
}

/** What {@link addNeighbour} and {@link deleteNeighbour} act on. */
export interface NeighbourSpec {
  /** Interface index. */
  index: number;
  /** Protocol address, IPv4 or IPv6 (the family follows from it). */
  dst: string;
  /** Link-layer address. */
  lladdr?: string;
  /** State(s) to set; default `"PERMANENT"` for add (ignored for proxy entries). */
  state?: NeighbourState | NeighbourState[] | "NONE";
  /** A proxy entry (`ip neigh add proxy`). */
  proxy?: boolean;
  /** Flags to set: `"router"`, `"extern_learn"`, `"managed"`, `"use"`… */
  flags?: NeighbourFlag[];
  /** Originator: a number, or a name such as `"static"`. */
  protocol?: number | string;
}

const FLAG_BITS: Record<string, [number, boolean]> = {};
for (const [name, bit] of NTF) FLAG_BITS[name] = [bit, false];
for (const [name, bit] of NTF_EXT) FLAG_BITS[name] = [bit, true];

/**
 * Builds an `RTM_NEWNEIGH` or `RTM_DELNEIGH` request. Throws `TypeError` or
 * `AddressError` for bad input.
 *
 * @example
 * ```ts
 * import { encodeNeighbourRequest } from "@nlts/netlink/route";
 * const bytes = encodeNeighbourRequest(28, { index: 2, dst: "10.0.0.2", lladdr: "02:00:00:00:00:02" });
 * bytes.length; // 48
 * ```
 */
export function encodeNeighbourRequest(type: number, spec: NeighbourSpec, flags = 0): Uint8Array {
  checkIndex(spec.index, "index");
  if (spec.index === undefined) throw new TypeError("a neighbour needs an interface index");
  if (typeof spec.dst !== "string") throw new TypeError("a neighbour needs a dst address");
  const dst = v.parseIP(spec.dst);
  const lladdr = spec.lladdr !== undefined ? v.parseMac(spec.lladdr) : undefined;
  let state = 0;
  const states = spec.state === undefined ? (type === RTM.NEWNEIGH && !spec.proxy ? ["PERMANENT"] : []) : spec.state;
  for (const s of Array.isArray(states) ? states : [states]) {
    if (s === "NONE") continue;
    const bit = NUD[s as NeighbourState];
    if (bit === undefined) throw new TypeError(`unknown neighbour state ${JSON.stringify(s)}`);
    state |= bit;
  }
  let ndmFlags = spec.proxy ? 0x08 : 0;
  let extFlags = 0;
  for (const f of spec.flags ?? []) {
    const bit = FLAG_BITS[f];
    if (bit === undefined) throw new TypeError(`unknown neighbour flag ${JSON.stringify(f)}`);
    if (bit[1]) extFlags |= bit[0];
    else ndmFlags |= bit[0];
  }
  const m = new MessageWriter(type, flags);
  const hdr = m.struct(NDMSG_SIZE);
  hdr.setUint8(0, dst.length === 4 ? AF.INET : AF.INET6);
  hdr.setInt32(4, spec.index, true);
  hdr.setUint16(8, state, true);
  hdr.setUint8(10, ndmFlags);
  m.attr(NDA.DST, dst);
  if (lladdr) m.attr(NDA.LLADDR, lladdr);
  if (spec.protocol !== undefined) m.u8(NDA.PROTOCOL, enumValue(RouteProtocol, spec.protocol, "protocol"));
  if (extFlags) m.u32(NDA.FLAGS_EXT, extFlags);
  return m.finish();
}

/**
 * Adds a neighbour entry (static ARP/NDP entry, or a proxy entry with
 * `proxy: true`). Fails with `EEXIST` when it exists, unless `replace`. An
 * `lladdr` must have the link's address length (6 octets on Ethernet): an
 * `AddressError` before sending otherwise.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addNeighbour } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await addNeighbour(sock, { index: 2, dst: "10.0.0.2", lladdr: "02:00:00:00:00:02" });
 * ```
 */
export async function addNeighbour(
  sock: NetlinkSocket,
  spec: NeighbourSpec,
  options: { replace?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const flags = Flags.CREATE | (options.replace ? Flags.REPLACE : Flags.EXCL);
  const request = encodeNeighbourRequest(RTM.NEWNEIGH, spec, flags);
  if (spec.lladdr !== undefined) {
    // The kernel truncates a link-layer address longer than the link's.
    const link = await getLink(sock, spec.index);
    const length = link.address === undefined ? 0 : link.address.split(":").length;
    if (length === 0) throw new TypeError(`lladdr: link ${JSON.stringify(link.name)} has no link-layer address`);
    v.parseMac(spec.lladdr, length);
  }
  await sock.request(request, { signal: options.signal });
}

/**
 * Deletes a neighbour entry (or a proxy entry with `proxy: true`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteNeighbour } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await deleteNeighbour(sock, { index: 2, dst: "10.0.0.2" });
 * ```
 */
export async function deleteNeighbour(
  sock: NetlinkSocket,
  spec: NeighbourSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await sock.request(encodeNeighbourRequest(RTM.DELNEIGH, { ...spec, state: spec.state ?? "NONE" }), options);
}
