/**
 * NETLINK_ROUTE addresses: decoding `RTM_NEWADDR`, filtered dumps, adding
 * and deleting IPv4 and IPv6 addresses.
 *
 * @module
 */
import { Flags, NLMSG_HDRLEN } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import * as v from "../wire/values.ts";
import { rememberedNames } from "../wire/names.ts";
import { type AttrSet, type Codec, decodeAttrsInto, defineAttrSet } from "../wire/schema.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { AF, ipFamilyNumber, RTM, Scope } from "./constants.ts";
import { getLink } from "./link.ts";
import { checkIfName, type RawAttr } from "./linkinfo/common.ts";
import { withJson } from "../wire/json.ts";
import { eachOf } from "../socket/batches.ts";

/** `IFA_*` attribute numbers (`linux/if_addr.h`). */
export const IFA = {
  ADDRESS: 1,
  LOCAL: 2,
  LABEL: 3,
  BROADCAST: 4,
  ANYCAST: 5,
  CACHEINFO: 6,
  MULTICAST: 7,
  FLAGS: 8,
  RT_PRIORITY: 9,
  TARGET_NETNSID: 10,
  PROTO: 11,
} as const;

/** `IFA_F_*` flags by iproute2 name (`temporary` is `secondary` on IPv6). */
export const IFA_F = {
  secondary: 0x01,
  nodad: 0x02,
  optimistic: 0x04,
  dadfailed: 0x08,
  home: 0x10,
  deprecated: 0x20,
  tentative: 0x40,
  permanent: 0x80,
  mngtmpaddr: 0x100,
  noprefixroute: 0x200,
  autojoin: 0x400,
  "stable-privacy": 0x800,
} as const;

/** A flag name of {@link IFA_F} (plus `temporary`, the IPv6 name of `secondary`). */
export type AddressFlag = keyof typeof IFA_F | "temporary";

/** `IFA_PROTO` values by name. */
export const IFAPROT = ["unspec", "kernel_lo", "kernel_ra", "kernel_ll"] as const;

/** "Forever", as lifetimes say it. */
export const INFINITY_LIFETIME = 0xffffffff;

/** The name of each scope (the number as text where there is none): dense, as every address looks one up. */
const SCOPE_NAMES: readonly string[] = Array.from({ length: 256 }, (_, n) => String(n));
(SCOPE_NAMES as string[])[Scope.UNIVERSE] = "global";
(SCOPE_NAMES as string[])[Scope.SITE] = "site";
(SCOPE_NAMES as string[])[Scope.LINK] = "link";
(SCOPE_NAMES as string[])[Scope.HOST] = "host";
(SCOPE_NAMES as string[])[Scope.NOWHERE] = "nowhere";

/** Size of `struct ifaddrmsg`. */
const IFADDRMSG_LEN = 8;

/** `struct ifa_cacheinfo` (16 bytes; a longer payload is read up to its known part). */
const CACHE_INFO: Codec<AddressCacheInfo> = {
  decode: (b) => CACHE_INFO.decodeAt!(b, 0, b.length),
  decodeAt(b, s, e) {
    if (e - s < 16) throw new ParseError(`IFA_CACHEINFO of ${e - s} bytes, needs 16`, 0);
    return {
      preferred: v.u32At(b, s),
      valid: v.u32At(b, s + 4),
      cstamp: v.u32At(b, s + 8),
      tstamp: v.u32At(b, s + 12),
    };
  },
  encode(c) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    [c.preferred, c.valid, c.cstamp, c.tstamp].forEach((x, i) => dv.setUint32(4 * i, x, true));
    return b;
  },
};

/** `IFA_PROTO`: a u8 named by {@link IFAPROT}, or the number as text. */
const PROTOCOL: Codec<string> = {
  decode(b) {
    if (b.length !== 1) throw new ParseError(`IFA_PROTO of ${b.length} bytes (expected 1)`, 0);
    return IFAPROT[b[0]] ?? String(b[0]);
  },
  encode(name) {
    const n = (IFAPROT as readonly string[]).indexOf(name);
    const value = n >= 0 ? n : Number(name);
    if (!Number.isInteger(value) || value < 0 || value > 255) throw new TypeError(`unknown IFA_PROTO ${name}`);
    return new Uint8Array([value]);
  },
};

/**
 * The `IFA_*` attributes of an address message (after `struct ifaddrmsg`),
 * keyed as {@link Address} names them: {@link decodeAddress} reads them into
 * the address object itself.
 */
const ADDRESS_ATTRS = defineAttrSet({
  name: "address",
  prefix: "IFA_",
  attributes: {
    address: { id: 1, type: "ip" },
    local: { id: 2, type: "ip" },
    label: { id: 3, type: "string" },
    broadcast: { id: 4, type: "ip" },
    anycast: { id: 5, type: "ip" },
    cacheInfo: { id: 6, type: "binary", cname: "IFA_CACHEINFO", codec: CACHE_INFO },
    multicast: { id: 7, type: "ip" },
    rawFlags: { id: 8, type: "u32", cname: "IFA_FLAGS", duplicate: "last" },
    metric: { id: 9, type: "u32", cname: "IFA_RT_PRIORITY" },
    netnsid: { id: 10, type: "s32", cname: "IFA_TARGET_NETNSID" },
    protocol: { id: 11, type: "binary", cname: "IFA_PROTO", codec: PROTOCOL },
  },
});

/** The `IFA_*` attributes of an address message (after `struct ifaddrmsg`). */
export const addressAttrs: AttrSet = ADDRESS_ATTRS;

/**
 * {@link ADDRESS_ATTRS} for one family: an address attribute of the other
 * family's size is a {@link ParseError} naming it (iproute2 would misprint
 * it), checked as each is read.
 */
function addressAttrsOf(len: 4 | 16): AttrSet {
  const attributes = Object.fromEntries(
    Object.entries(ADDRESS_ATTRS.attributes).map(([key, def]) => [key, def.type === "ip" ? { ...def, len } : def]),
  );
  return defineAttrSet({ name: "address", prefix: "IFA_", attributes });
}
const INET_ADDRESS_ATTRS = addressAttrsOf(4);
const INET6_ADDRESS_ATTRS = addressAttrsOf(16);

/** `struct ifa_cacheinfo`. */
export interface AddressCacheInfo {
  /** Preferred lifetime left, seconds. */
  preferred: number;
  /** Valid lifetime left, seconds. */
  valid: number;
  /** Creation time, hundredths of a second since boot. */
  cstamp: number;
  /** Last update, hundredths of a second since boot. */
  tstamp: number;
}

/** An interface address, as the kernel describes it in `RTM_NEWADDR`. */
export interface Address {
  /** `"inet"`, `"inet6"`, or the family number as text. */
  family: string;
  /** Prefix length. */
  prefixLength: number;
  /** Scope (`"global"`, `"link"`, `"host"`, `"site"`, `"nowhere"`, or the number as text). */
  scope: string;
  /** Flags by name (`IFA_FLAGS` when present, else the header byte). */
  flags: string[];
  /** The flags as a number. */
  rawFlags: number;
  /** Interface index. */
  index: number;
  /** Label (IPv4). */
  label?: string;
  /** Local address (`IFA_LOCAL`, or `IFA_ADDRESS` when there is none, as for IPv6). */
  local?: string;
  /** Peer address (`IFA_ADDRESS`; equal to `local` unless point-to-point). */
  address?: string;
  /** Broadcast address. */
  broadcast?: string;
  /** Anycast address. */
  anycast?: string;
  /** Multicast address. */
  multicast?: string;
  /** Valid lifetime left, seconds (4294967295: forever). */
  validLifetime?: number;
  /** Preferred lifetime left, seconds (4294967295: forever). */
  preferredLifetime?: number;
  /** `IFA_CACHEINFO`. */
  cacheInfo?: AddressCacheInfo;
  /** Who added it (`"kernel_lo"`, `"kernel_ra"`, `"kernel_ll"`, or the number as text). */
  protocol?: string;
  /** Metric of the prefix route. */
  metric?: number;
  /** `IFA_TARGET_NETNSID` echoed. */
  netnsid?: number;
  /** Attributes not decoded, raw. */
  unknown: RawAttr[];
}

function familyName(family: number): string {
  return family === AF.INET ? "inet" : family === AF.INET6 ? "inet6" : String(family);
}

const IFA_F_ENTRIES = Object.entries(IFA_F);

/**
 * Flag names of `flags` for `family` (`temporary` instead of `secondary` on IPv6).
 *
 * @example
 * ```ts
 * import { addressFlagNames } from "./address.ts";
 * addressFlagNames(0x80 | 0x200, 10); // ["permanent", "noprefixroute"]
 * ```
 */
export function addressFlagNames(flags: number, family: number): string[] {
  return rememberedFlagNames((flags >>> 0) * 2 + (family === AF.INET6 ? 1 : 0));
}

/** A dump has a handful of distinct flag sets: each is worked out once (keyed by flags and "is IPv6"). */
const rememberedFlagNames = rememberedNames((key) =>
  flagNamesOf(Math.floor(key / 2), key % 2 === 1 ? AF.INET6 : AF.INET)
);

function flagNamesOf(flags: number, family: number): string[] {
  const out: string[] = [];
  let rest = flags >>> 0;
  for (const [name, bit] of IFA_F_ENTRIES) {
    if (rest & bit) {
      out.push(bit === IFA_F.secondary && family === AF.INET6 ? "temporary" : name);
      rest &= ~bit;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

/**
 * Decodes an `RTM_NEWADDR` / `RTM_DELADDR` message. Lengths are never
 * trusted: a short header, an attribute running past the end or an address
 * of the wrong size is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * import { decodeAddress, RTM } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM.GETADDR, Flags.DUMP);
 * req.struct(8);
 * for await (const msg of sock.dump(req.finish())) console.log(decodeAddress(msg).local);
 * ```
 */
export function decodeAddress(msg: NetlinkMessage): Address {
  return decodeAddressIn(msg.payload, 0, msg.payload.length);
}

/**
 * {@link decodeAddress} of the payload in `b[s, e)`, read in place (a dump's
 * datagram: no message object or view per address). Nothing of the address
 * refers to `b`.
 */
function decodeAddressIn(b: Uint8Array, s: number, e: number): Address {
  if (e - s < IFADDRMSG_LEN) {
    throw new ParseError(`ifaddrmsg needs ${IFADDRMSG_LEN} bytes, message has ${e - s}`, 16);
  }
  const family = b[s];
  const scope = b[s + 3];
  const a: Address = {
    family: familyName(family),
    prefixLength: b[s + 1],
    scope: SCOPE_NAMES[scope],
    flags: EMPTY_FLAGS, // set below, once IFA_FLAGS is known
    rawFlags: b[s + 2], // replaced by IFA_FLAGS
    index: v.u32At(b, s + 4),
    unknown: [],
  };
  const attrs = family === AF.INET ? INET_ADDRESS_ATTRS : family === AF.INET6 ? INET6_ADDRESS_ATTRS : ADDRESS_ATTRS;
  decodeAttrsInto(attrs, a, b, s + IFADDRMSG_LEN, e, 16 + IFADDRMSG_LEN);
  a.flags = addressFlagNames(a.rawFlags, family);
  // As iproute2 does: each of IFA_LOCAL and IFA_ADDRESS stands in for the other
  // when missing (IPv6 addresses carry only IFA_ADDRESS).
  if (a.local === undefined) {
    if (a.address !== undefined) a.local = a.address;
  } else if (a.address === undefined) a.address = a.local;
  if (a.cacheInfo !== undefined) {
    a.preferredLifetime = a.cacheInfo.preferred;
    a.validLifetime = a.cacheInfo.valid;
  }
  // The library's JSON rule, only where a bare JSON.stringify would differ: src/wire/json.ts. Only
  // `unknown` can hold bytes (every other field is a number, a string or an array of strings).
  return a.unknown.length > 0 ? withJson(a) : a;
}

const EMPTY_FLAGS: string[] = [];

/** Options of {@link listAddresses}. */
export interface AddressFilter {
  /** Only this family. */
  family?: "inet" | "inet6";
  /** Only addresses of this interface (filtered by the kernel). */
  index?: number;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

/**
 * Dumps addresses, streaming. The socket should do strict checking (the
 * default for ROUTE sockets) so that the kernel filters by `index`.
 * {@link listAddressBatches} is the same dump a datagram at a time.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listAddresses } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const a of listAddresses(sock, { family: "inet", index: 1 })) console.log(`${a.local}/${a.prefixLength}`);
 * ```
 */
export function listAddresses(
  sock: NetlinkSocket,
  filter: AddressFilter = {},
): AsyncGenerator<Address, void, undefined> {
  return eachOf(listAddressBatches(sock, filter), filter.signal);
}

/**
 * {@link listAddresses}, yielding the addresses of each datagram together,
 * as an array (never empty): one step of the iterator per datagram rather
 * than per address. The same filters, order, ending and errors.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listAddressBatches } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * let n = 0;
 * for await (const addresses of listAddressBatches(sock, { family: "inet6" })) n += addresses.length;
 * ```
 */
export async function* listAddressBatches(
  sock: NetlinkSocket,
  filter: AddressFilter = {},
): AsyncGenerator<Address[], void, undefined> {
  const family = ipFamilyNumber(filter.family);
  const index = filter.index;
  if (index !== undefined && (!Number.isInteger(index) || index <= 0 || index > 0x7fffffff)) {
    throw new TypeError(`interface index must be a positive integer, got ${index}`);
  }
  const m = new MessageWriter(RTM.GETADDR, Flags.DUMP);
  const h = m.struct(IFADDRMSG_LEN);
  h.setUint8(0, family);
  h.setUint32(4, index ?? 0, true);
  const signal = filter.signal;
  // A datagram at a time, each address decoded in place; an address refers
  // to nothing of its bytes, so the buffer goes back to the socket once its
  // addresses are decoded.
  for await (const datagram of sock.dumpDatagrams(m.finish(), { signal })) {
    signal?.throwIfAborted();
    const addresses: Address[] = [];
    const b = datagram.bytes;
    const starts = datagram.starts;
    for (let i = 0; i < starts.length; i++) {
      const at = starts[i];
      if ((b[at + 4] | (b[at + 5] << 8)) !== RTM.NEWADDR) continue;
      const a = decodeAddressIn(b, at + NLMSG_HDRLEN, at + v.u32At(b, at));
      // Without strict checking the kernel ignores the index: filter here too.
      if (index !== undefined && a.index !== index) continue;
      addresses.push(a);
    }
    datagram.release();
    if (addresses.length > 0) yield addresses;
  }
}

/** Lifetime in seconds, or `"forever"`. */
export type Lifetime = number | "forever";

/** What {@link addAddress} and {@link deleteAddress} take. */
export interface AddressSpec {
  /** Interface index (or give `name`). */
  index?: number;
  /** Interface name (or give `index`). */
  name?: string;
  /** `"10.0.0.1/24"`, `"2001:db8::1/64"` (a bare address is a host prefix, unless `peer` has a length). */
  address: string;
  /** Peer of a point-to-point address, optionally with the prefix length (`"10.0.0.2/32"`). */
  peer?: string;
  /** IPv4 broadcast address, or `"+"` to derive it from the prefix. */
  broadcast?: string;
  /** Anycast address. */
  anycast?: string;
  /** IPv4 label (up to 15 bytes; iproute2 wants it to start with the interface name). */
  label?: string;
  /** Scope by name or number (default: the kernel's choice). */
  scope?: "global" | "site" | "link" | "host" | "nowhere" | number;
  /** Valid lifetime (default forever). */
  validLifetime?: Lifetime;
  /** Preferred lifetime (default: the valid lifetime). */
  preferredLifetime?: Lifetime;
  /** Flags to set (`nodad`, `noprefixroute`, `mngtmpaddr`, `autojoin`, `home`, `optimistic`). */
  flags?: AddressFlag[];
  /** Metric of the prefix route. */
  metric?: number;
  /** `IFA_PROTO` value. */
  protocol?: number;
}

interface Encoded {
  family: number;
  prefixLength: number;
  local: Uint8Array;
  peer?: Uint8Array;
}

function parseSpecAddress(spec: AddressSpec): Encoded {
  if (typeof spec.address !== "string") throw new TypeError('address must be a string like "10.0.0.1/24"');
  const own = v.parsePrefix(spec.address);
  let prefixLength = own.length;
  let peer: Uint8Array | undefined;
  if (spec.peer !== undefined) {
    const p = v.parsePrefix(spec.peer);
    if (p.family !== own.family) throw new v.AddressError(`peer ${spec.peer} is not of the family of ${spec.address}`);
    peer = p.address;
    if (!spec.address.includes("/") && spec.peer.includes("/")) prefixLength = p.length;
  }
  return { family: own.family, prefixLength, local: own.address, peer };
}

function lifetime(value: Lifetime | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (value === "forever") return INFINITY_LIFETIME;
  if (!Number.isInteger(value) || value < 0 || value > INFINITY_LIFETIME) {
    throw new TypeError(`${what} must be "forever" or an integer in 0..4294967295, got ${value}`);
  }
  return value;
}

const SCOPE_VALUES: Readonly<Record<string, number>> = {
  global: Scope.UNIVERSE,
  site: Scope.SITE,
  link: Scope.LINK,
  host: Scope.HOST,
  nowhere: Scope.NOWHERE,
};

async function resolveIndex(sock: NetlinkSocket, spec: AddressSpec): Promise<number> {
  if ((spec.index === undefined) === (spec.name === undefined)) {
    throw new TypeError("give exactly one of index and name");
  }
  if (spec.index !== undefined) {
    if (!Number.isInteger(spec.index) || spec.index <= 0 || spec.index > 0x7fffffff) {
      throw new TypeError(`interface index must be a positive integer, got ${spec.index}`);
    }
    return spec.index;
  }
  return (await getLink(sock, spec.name!)).index;
}

function validate(spec: AddressSpec): Encoded {
  if (spec.name !== undefined) checkIfName(spec.name);
  const enc = parseSpecAddress(spec);
  if (spec.label !== undefined) {
    if (enc.family !== AF.INET) throw new TypeError("labels exist for IPv4 addresses only");
    const bytes = new TextEncoder().encode(spec.label).length;
    if (bytes === 0 || bytes > 15 || spec.label.includes("\0")) {
      throw new TypeError(`label ${JSON.stringify(spec.label)} must be 1..15 bytes`);
    }
  }
  if (spec.broadcast !== undefined && spec.broadcast !== "+") {
    if (v.parseIP(spec.broadcast).length !== 4 || enc.family !== AF.INET) {
      throw new v.AddressError(`broadcast ${spec.broadcast} must be IPv4, for an IPv4 address`);
    }
  }
  if (spec.anycast !== undefined && v.parseIP(spec.anycast).length !== enc.local.length) {
    throw new v.AddressError(`anycast ${spec.anycast} is not of the address's family`);
  }
  if (typeof spec.scope === "string" && !(spec.scope in SCOPE_VALUES)) {
    throw new TypeError(`unknown scope ${JSON.stringify(spec.scope)}`);
  }
  if (typeof spec.scope === "number" && (!Number.isInteger(spec.scope) || spec.scope < 0 || spec.scope > 255)) {
    throw new TypeError(`scope must be 0..255, got ${spec.scope}`);
  }
  for (const f of spec.flags ?? []) {
    if (f !== "temporary" && !(f in IFA_F)) throw new TypeError(`unknown address flag ${JSON.stringify(f)}`);
  }
  const valid = lifetime(spec.validLifetime, "validLifetime");
  const preferred = lifetime(spec.preferredLifetime, "preferredLifetime");
  if (valid !== undefined && preferred !== undefined && preferred > valid) {
    throw new TypeError(`preferredLifetime ${preferred} is longer than validLifetime ${valid}`);
  }
  if (spec.metric !== undefined && (!Number.isInteger(spec.metric) || spec.metric < 0 || spec.metric > 0xffffffff)) {
    throw new TypeError(`metric must be a u32, got ${spec.metric}`);
  }
  if (spec.protocol !== undefined && (!Number.isInteger(spec.protocol) || spec.protocol < 0 || spec.protocol > 255)) {
    throw new TypeError(`protocol must be 0..255, got ${spec.protocol}`);
  }
  return enc;
}

function broadcastOf(local: Uint8Array, prefixLength: number): Uint8Array {
  const out = local.slice();
  for (let bit = prefixLength; bit < 32; bit++) out[bit >> 3] |= 0x80 >> (bit & 7);
  return out;
}

function writeRequest(type: number, flags: number, index: number, spec: AddressSpec, enc: Encoded): Uint8Array {
  const m = new MessageWriter(type, flags);
  const h = m.struct(IFADDRMSG_LEN);
  let ifaFlags = 0;
  for (const f of spec.flags ?? []) ifaFlags |= f === "temporary" ? IFA_F.secondary : IFA_F[f];
  h.setUint8(0, enc.family);
  h.setUint8(1, enc.prefixLength);
  h.setUint8(2, ifaFlags & 0xff);
  h.setUint8(
    3,
    spec.scope === undefined ? 0 : typeof spec.scope === "number" ? spec.scope : SCOPE_VALUES[spec.scope],
  );
  h.setUint32(4, index, true);
  m.attr(IFA.LOCAL, enc.local);
  m.attr(IFA.ADDRESS, enc.peer ?? enc.local);
  if (type === RTM.NEWADDR) {
    if (spec.broadcast !== undefined) {
      m.attr(
        IFA.BROADCAST,
        spec.broadcast === "+" ? broadcastOf(enc.local, enc.prefixLength) : v.parseIP(spec.broadcast),
      );
    }
    if (spec.anycast !== undefined) m.ip(IFA.ANYCAST, spec.anycast);
    if (spec.label !== undefined) m.str(IFA.LABEL, spec.label);
    if (ifaFlags > 0xff) m.u32(IFA.FLAGS, ifaFlags);
    const valid = lifetime(spec.validLifetime, "validLifetime");
    const preferred = lifetime(spec.preferredLifetime, "preferredLifetime");
    if (valid !== undefined || preferred !== undefined) {
      const vl = valid ?? INFINITY_LIFETIME;
      m.attr(IFA.CACHEINFO, cacheInfoBytes(vl, preferred ?? vl));
    }
    if (spec.metric !== undefined) m.u32(IFA.RT_PRIORITY, spec.metric);
    if (spec.protocol !== undefined) m.u8(IFA.PROTO, spec.protocol);
  }
  return m.finish();
}

function cacheInfoBytes(valid: number, preferred: number): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, preferred, true);
  dv.setUint32(4, valid, true);
  return b;
}

/** Options of {@link addAddress}. */
export interface AddAddressOptions {
  /** Replace an existing address instead of failing with EEXIST. */
  replace?: boolean;
}

/**
 * Adds an address. Everything is validated before anything is sent: a
 * prefix length out of range or an unparsable address is an `AddressError`,
 * a bad name or option a `TypeError`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addAddress, rtmName } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab", describeType: rtmName });
 * await addAddress(sock, { name: "v0", address: "10.0.0.1/24", broadcast: "+", label: "v0:web" });
 * await addAddress(sock, { name: "v0", address: "2001:db8::1/64", flags: ["nodad"], validLifetime: 3600 });
 * ```
 */
export async function addAddress(
  sock: NetlinkSocket,
  spec: AddressSpec,
  options: AddAddressOptions = {},
): Promise<void> {
  const enc = validate(spec);
  const index = await resolveIndex(sock, spec);
  const flags = Flags.CREATE | (options.replace ? Flags.REPLACE : Flags.EXCL);
  await sock.request(writeRequest(RTM.NEWADDR, flags, index, spec, enc));
}

/**
 * Deletes an address (matched by interface, family, prefix length, local
 * address and peer).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteAddress } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab" });
 * await deleteAddress(sock, { name: "v0", address: "10.0.0.1/24" });
 * ```
 */
export async function deleteAddress(sock: NetlinkSocket, spec: AddressSpec): Promise<void> {
  const enc = validate(spec);
  const index = await resolveIndex(sock, spec);
  await sock.request(writeRequest(RTM.DELADDR, 0, index, spec, enc));
}
