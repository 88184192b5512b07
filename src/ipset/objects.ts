/**
 * Sets and their members as typed objects, decoded from the kernel's LIST
 * (and HEADER) answers. A set's listing may span several messages (the
 * kernel continues a large set in the next one, repeating only its name):
 * {@link IpsetListing} joins them.
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { ParseError } from "../wire/errors.ts";
import { decodeAttrsAt } from "../wire/schema.ts";
import { withJsonIfNeeded } from "../wire/json.ts";
import { NFGENMSG_LEN } from "../netfilter/nfnetlink.ts";
import type { IpsetFamily } from "./constants.ts";
import { SETS } from "./schema.ts";
import { formatEntry, protoName } from "./members.ts";

/** The options a set was created with, as `ipset list` shows them in its header. */
export interface IpsetOptions {
  /** Default timeout of members in seconds (a set with timeout support). */
  timeout?: number;
  /** Members keep packet and byte counters. */
  counters?: boolean;
  /** Members may have a comment. */
  comment?: boolean;
  /** Members may carry skb marks, priorities and queues. */
  skbinfo?: boolean;
  /** A full set replaces a random member on add. */
  forceadd?: boolean;
  /** Initial hash size (hash types). */
  hashsize?: number;
  /** Most members (hash types). */
  maxelem?: number;
  /** Bucket size (hash types, revision ≥ 6 of hash:ip). */
  bucketsize?: number;
  /** Hash seed (hash types). */
  initval?: number;
  /** Network mask applied to members (hash:ip, hash:net revisions that have it). */
  netmask?: number;
  /** Range of a bitmap:port set, inclusive. */
  range?: { from: number; to: number };
  /** Most members of a list:set. */
  size?: number;
}

/** One member of a set, by its parts (the ones its type has) and as `ipset list` prints it. */
export interface IpsetMember {
  /** The member as `ipset list` prints it: `10.0.0.1,tcp:80`, `10.0.0.0/8,physdev:eth1`, `1500`, `other-set`. */
  elem: string;
  /** Address. */
  ip?: string;
  /** Last address of a range. */
  ipTo?: string;
  /** Prefix length (networks). */
  cidr?: number;
  /** Port (ICMP: type × 256 + code). */
  port?: number;
  /** Last port of a range. */
  portTo?: number;
  /** Protocol of the port, named as ipset names it (`tcp`), else its number. */
  proto?: string | number;
  /** Interface (hash:net,iface). */
  iface?: string;
  /** `iface` is a bridge port (`physdev:`). */
  physdev?: boolean;
  /** Member set (list:set). */
  name?: string;
  /** The member is an exception (`nomatch`). */
  nomatch?: boolean;
  /** Seconds left (sets with timeout support). */
  timeout?: number;
  /** Packets counted (sets with counters). */
  packets?: bigint;
  /** Bytes counted (sets with counters). */
  bytes?: bigint;
  /** Comment (sets with comment support). */
  comment?: string;
  /** skb mark and mask as `0xMARK/0xMASK` (sets with skbinfo). */
  skbmark?: string;
  /** skb priority (sets with skbinfo). */
  skbprio?: number;
  /** skb queue (sets with skbinfo). */
  skbqueue?: number;
  /** Attributes this library does not know, kept raw. */
  unknown?: Attr[];
}

/** A set: its header (type, revision, family, options, kernel counts) and its members. */
export interface IpsetSet {
  /** Name. */
  name: string;
  /** Type: `hash:ip`, `hash:net`, `hash:ip,port`, `hash:net,iface`, `bitmap:port`, `list:set`… */
  type: string;
  /** Revision of the type the kernel created it with. */
  revision: number;
  /** Family (`unspec` for bitmap:port and list:set), or the number when unknown. */
  family: IpsetFamily | number;
  /** The kernel's index of the set (protocol 7). */
  index?: number;
  /** The options it was created with. */
  options: IpsetOptions;
  /** Memory the set uses, in bytes (`Size in memory`). */
  memsize: number;
  /** References to the set: iptables rules, list:set sets (`References`). */
  references: number;
  /** Number of members (`Number of entries`). */
  entries: number;
  /** Members, in the kernel's order (empty for a header-only listing). */
  members: IpsetMember[];
  /** Header attributes this library does not know, kept raw. */
  unknown?: Attr[];
}

type Decoded = ReturnType<typeof decodeAttrsAt<typeof SETS.message>>;
type AdtData = NonNullable<NonNullable<Decoded["adt"]>["data"]>[number];

/** Reads the attributes after `nfgenmsg`; a short payload is a ParseError. */
export function decodeIpsetAttrs(msg: NetlinkMessage): Decoded {
  if (msg.payload.length < NFGENMSG_LEN) {
    throw new ParseError(`nfgenmsg needs ${NFGENMSG_LEN} bytes, the payload has ${msg.payload.length}`, 16);
  }
  return decodeAttrsAt(SETS.message, msg.payload, NFGENMSG_LEN, msg.payload.length, 16);
}

function addrOf(a: { ipv4?: string; ipv6?: string } | undefined): string | undefined {
  return a === undefined ? undefined : a.ipv4 ?? a.ipv6;
}

/**
 * Decodes one element of a listing (`IPSET_ATTR_DATA` inside `IPSET_ATTR_ADT`)
 * of a set of `type`.
 */
export function decodeMember(type: string, d: AdtData): IpsetMember {
  const flags = (d.cadtFlags ?? []) as (string | number)[];
  const m: IpsetMember = { elem: "" };
  const ip = addrOf(d.ip);
  if (ip !== undefined) m.ip = ip;
  const ipTo = addrOf(d.ipTo);
  if (ipTo !== undefined) m.ipTo = ipTo;
  if (d.cidr !== undefined) m.cidr = d.cidr;
  if (d.port !== undefined) m.port = d.port;
  if (d.portTo !== undefined) m.portTo = d.portTo;
  if (d.proto !== undefined) m.proto = protoName(d.proto);
  if (d.iface !== undefined) m.iface = d.iface;
  if (flags.includes("physdev")) m.physdev = true;
  if (d.name !== undefined) m.name = d.name;
  if (flags.includes("nomatch")) m.nomatch = true;
  if (d.timeout !== undefined) m.timeout = d.timeout;
  if (d.packets !== undefined) m.packets = d.packets;
  if (d.bytes !== undefined) m.bytes = d.bytes;
  if (d.comment !== undefined) m.comment = d.comment;
  if (d.skbmark !== undefined) {
    const mark = Number(d.skbmark >> 32n), mask = Number(d.skbmark & 0xffffffffn);
    m.skbmark = `0x${mark.toString(16)}/0x${mask.toString(16)}`;
  }
  if (d.skbprio !== undefined) m.skbprio = d.skbprio;
  if (d.skbqueue !== undefined) m.skbqueue = d.skbqueue;
  if (d.unknown) m.unknown = d.unknown;
  m.elem = formatEntry(type, m);
  return m;
}

function optionsOf(data: NonNullable<Decoded["data"]> | undefined): IpsetOptions {
  const o: IpsetOptions = {};
  if (!data) return o;
  const flags = (data.cadtFlags ?? []) as (string | number)[];
  if (data.timeout !== undefined) o.timeout = data.timeout;
  if (flags.includes("counters")) o.counters = true;
  if (flags.includes("comment")) o.comment = true;
  if (flags.includes("skbinfo")) o.skbinfo = true;
  if (flags.includes("forceadd")) o.forceadd = true;
  if (data.hashsize !== undefined) o.hashsize = data.hashsize;
  if (data.maxelem !== undefined) o.maxelem = data.maxelem;
  if (data.bucketsize !== undefined) o.bucketsize = data.bucketsize;
  if (data.initval !== undefined) o.initval = data.initval;
  if (data.netmask !== undefined) o.netmask = data.netmask;
  if (data.port !== undefined && data.portTo !== undefined) o.range = { from: data.port, to: data.portTo };
  if (data.size !== undefined) o.size = data.size;
  return o;
}

/**
 * Decodes a set's header from a LIST or HEADER message (no members). A
 * message without `IPSET_ATTR_SETNAME` or `IPSET_ATTR_TYPENAME` is a ParseError.
 *
 * @example
 * ```ts
 * import { decodeIpsetHeader, IPSET_CMD, ipsetAttrs, NFNL_SUBSYS_IPSET } from "@nlts/netlink/ipset";
 * import { nfnlMessage } from "@nlts/netlink/netfilter";
 * import { parseMessages } from "@nlts/netlink";
 * import { writeAttrs } from "@nlts/netlink/wire";
 * const w = nfnlMessage(NFNL_SUBSYS_IPSET, IPSET_CMD.HEADER);
 * writeAttrs(w, ipsetAttrs, { protocol: 7, setname: "s", typename: "hash:ip", family: "inet", revision: 6 });
 * decodeIpsetHeader(parseMessages(w.finish())[0]).type; // "hash:ip"
 * ```
 */
export function decodeIpsetHeader(msg: NetlinkMessage): IpsetSet {
  const d = decodeIpsetAttrs(msg);
  if (d.setname === undefined || d.typename === undefined) {
    throw new ParseError("an ipset header needs IPSET_ATTR_SETNAME and IPSET_ATTR_TYPENAME", 16);
  }
  const set: IpsetSet = {
    name: d.setname,
    type: d.typename,
    revision: d.revision ?? 0,
    family: d.family ?? 0,
    options: optionsOf(d.data),
    memsize: d.data?.memsize ?? 0,
    references: d.data?.references ?? 0,
    entries: d.data?.elements ?? 0,
    members: [],
  };
  if (d.index !== undefined) set.index = d.index;
  if (d.data?.unknown || d.unknown) set.unknown = [...(d.unknown ?? []), ...(d.data?.unknown ?? [])];
  return set;
}

/**
 * Joins the messages of a LIST dump into sets: a message naming a new set
 * starts it (its header), a message repeating the last set's name without
 * a type continues its members.
 *
 * @example
 * ```ts
 * import { IpsetListing } from "@nlts/netlink/ipset";
 * const listing = new IpsetListing();
 * // for await (const m of sock.dump(request)) for (const done of listing.add(m)) console.log(done.name);
 * const last = listing.finish();
 * ```
 */
export class IpsetListing {
  #current?: IpsetSet;

  /** Takes one LIST message; returns the sets it completed (the one before it, when it starts another). */
  add(msg: NetlinkMessage): IpsetSet[] {
    const d = decodeIpsetAttrs(msg);
    if (d.setname === undefined) throw new ParseError("an ipset LIST message needs IPSET_ATTR_SETNAME", 16);
    const out: IpsetSet[] = [];
    if (d.typename !== undefined || this.#current?.name !== d.setname) {
      if (this.#current) out.push(withJsonIfNeeded(this.#current));
      this.#current = decodeIpsetHeader(msg);
    }
    const set = this.#current!;
    for (const data of d.adt?.data ?? []) set.members.push(decodeMember(set.type, data));
    return out;
  }

  /** The last set, once the dump is over. */
  finish(): IpsetSet | undefined {
    const last = this.#current;
    this.#current = undefined;
    return last && withJsonIfNeeded(last);
  }
}
