/**
 * Connection tracking over NETLINK_NETFILTER (subsystem CTNETLINK): decode
 * conntrack entries, dump them (with kernel-side filters where the kernel
 * has them), get, create, update, delete and flush entries, and follow
 * new/update/destroy events.
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { Flags } from "../wire/constants.ts";
import { Overrun, ParseError } from "../wire/errors.ts";
import type { MessageWriter, NetlinkMessage } from "../wire/message.ts";
import { decodeAttrs, decodeAttrsAt, writeAttrs } from "../wire/schema.ts";
import { AddressError, parseIP } from "../wire/values.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { NotificationStream, SpawnedStreams } from "../socket/stream.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import {
  AF,
  CT_STATUS_NAMES,
  CTA_FILTER_F,
  IPCTNL_MSG,
  IPPROTO,
  type IpProtoName,
  NFNL_SUBSYS,
  NFNLGRP,
  TCP_STATE_NAMES,
} from "./constants.ts";
import { describeNfnlType, familyName, familyNumber, type NfFamily, NFGENMSG_LEN, nfnlMessage } from "./nfnetlink.ts";
import { conntrackAttrs, conntrackEntryAttrs, nfnlAttributePath, protoinfoAttrs } from "./schema.ts";
import { withJson } from "../wire/json.ts";

/** One direction of a connection: addresses, protocol and ports (or ICMP fields). */
export interface ConntrackTuple {
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** L4 protocol number. */
  protocol: number;
  /** L4 protocol name (`"tcp"`, `"udp"`, `"icmp"`…) when known. */
  protocolName?: string;
  /** Source port (TCP, UDP, SCTP, DCCP, UDP-Lite). */
  srcPort?: number;
  /** Destination port. */
  dstPort?: number;
  /** ICMP/ICMPv6 type. */
  icmpType?: number;
  /** ICMP/ICMPv6 code. */
  icmpCode?: number;
  /** ICMP/ICMPv6 identifier. */
  icmpId?: number;
  /** Directional zone (`CTA_TUPLE_ZONE`). */
  zone?: number;
}

/** Packet and byte counters of one direction (needs `nf_conntrack_acct=1`). */
export interface ConntrackCounter {
  /** Packets. */
  packets: number;
  /** Bytes. */
  bytes: number;
}

/** TCP protocol state of an entry. */
export interface ConntrackTcpInfo {
  /** State name as `conntrack -L` prints it: `"ESTABLISHED"`, `"TIME_WAIT"`… */
  state: string;
  /** `TCP_CONNTRACK_*` number. */
  stateNumber: number;
  /** Window scale of the original direction. */
  wscaleOriginal?: number;
  /** Window scale of the reply direction. */
  wscaleReply?: number;
  /** `struct nf_ct_tcp_flags` of the original direction. */
  flagsOriginal?: { flags: number; mask: number };
  /** `struct nf_ct_tcp_flags` of the reply direction. */
  flagsReply?: { flags: number; mask: number };
}

/** A conntrack entry as the kernel reports it in dumps, replies and events. */
export interface ConntrackEntry {
  /** L3 family: `"inet"`, `"inet6"` (or the number). */
  family: NfFamily | number;
  /** Original-direction tuple. */
  orig: ConntrackTuple;
  /** Reply-direction tuple. */
  reply: ConntrackTuple;
  /** `IPS_*` status bits. */
  status?: number;
  /** Names of the set status bits (`"seen-reply"`, `"assured"`, `"confirmed"`…). */
  statusFlags: string[];
  /** TCP state (TCP entries). */
  tcp?: ConntrackTcpInfo;
  /** `CTA_PROTOINFO` payload, raw (for DCCP/SCTP and anything not decoded). */
  protoinfo?: Uint8Array;
  /** Seconds left before the entry expires. */
  timeout?: number;
  /** Connection mark. */
  mark?: number;
  /** Zone (`CTA_ZONE`). */
  zone?: number;
  /** Entry id (`CTA_ID`). */
  id?: number;
  /** Reference count (`CTA_USE`). */
  use?: number;
  /** Counters per direction. */
  counters?: { orig?: ConntrackCounter; reply?: ConntrackCounter };
  /** Connection labels bitmap, raw. */
  labels?: Uint8Array;
  /** Helper name. */
  helper?: string;
  /** Security context. */
  secctx?: string;
  /** Start and stop times in nanoseconds (needs `nf_conntrack_timestamp=1`). */
  timestamp?: { start?: bigint; stop?: bigint };
  /** Tuple of the master connection (expected connections). */
  master?: ConntrackTuple;
  /** Attributes this decoder does not interpret, kept raw. */
  unknown: Attr[];
}

/** What happened to a conntrack entry. */
export type ConntrackEventType = "new" | "update" | "destroy";

/** A conntrack event: the kind and the entry (destroy events carry the final counters). */
export interface ConntrackEvent {
  /** `"new"`, `"update"` or `"destroy"`. */
  type: ConntrackEventType;
  /** The entry as the event describes it. */
  entry: ConntrackEntry;
}

/** A tuple to look up or delete: addresses, protocol and ports (or ICMP type/code/id). */
export interface TupleSpec {
  /** Source address (IPv4 or IPv6 text). */
  src: string;
  /** Destination address, same family as `src`. */
  dst: string;
  /** L4 protocol: number or name. */
  protocol: number | IpProtoName;
  /** Source port (required for port protocols). */
  srcPort?: number;
  /** Destination port (required for port protocols). */
  dstPort?: number;
  /** ICMP type (required for ICMP). */
  icmpType?: number;
  /** ICMP code (required for ICMP). */
  icmpCode?: number;
  /** ICMP id (required for ICMP). */
  icmpId?: number;
}

const PROTO_NAMES = new Map<number, string>(Object.entries(IPPROTO).map(([k, v]) => [v, k]));
const PORT_PROTOCOLS = new Set<number>([IPPROTO.tcp, IPPROTO.udp, IPPROTO.sctp, IPPROTO.dccp, IPPROTO.udplite]);

/** A `CTA_TUPLE_*` nest as {@link conntrackAttrs} decodes it. */
interface TupleAttrs {
  ip?: { v4Src?: string; v4Dst?: string; v6Src?: string; v6Dst?: string };
  proto?: {
    num?: number;
    srcPort?: number;
    dstPort?: number;
    icmpId?: number;
    icmpType?: number;
    icmpCode?: number;
    icmpv6Id?: number;
    icmpv6Type?: number;
    icmpv6Code?: number;
  };
  zone?: number;
}

/** A `CTA_COUNTERS_*` nest. */
interface CounterAttrs {
  packets?: number;
  bytes?: number;
  packets32?: number;
  bytes32?: number;
}

/** What {@link conntrackEntryAttrs} decodes. */
interface EntryAttrs {
  tupleOrig?: TupleAttrs;
  tupleReply?: TupleAttrs;
  status?: number;
  protoinfo?: Uint8Array;
  timeout?: number;
  mark?: number;
  zone?: number;
  id?: number;
  use?: number;
  countersOrig?: CounterAttrs;
  countersReply?: CounterAttrs;
  labels?: Uint8Array;
  help?: { name?: string };
  secctx?: { name?: string };
  timestamp?: { start?: bigint; stop?: bigint };
  tupleMaster?: TupleAttrs;
  unknown?: Attr[];
}

/** `CTA_PROTOINFO_TCP_*`. */
interface TcpAttrs {
  state?: number;
  wscaleOriginal?: number;
  wscaleReply?: number;
  flagsOriginal?: Uint8Array;
  flagsReply?: Uint8Array;
}

/** The tuple of a decoded `CTA_TUPLE_*` nest; `what` names it in errors. */
function tupleOf(t: TupleAttrs, what = "CTA_TUPLE"): ConntrackTuple {
  const ip = t.ip, proto = t.proto;
  if (!ip) throw new ParseError(`${what}: conntrack tuple without CTA_TUPLE_IP`, 0);
  if (!proto) throw new ParseError(`${what}: conntrack tuple without CTA_TUPLE_PROTO`, 0);
  const src = ip.v6Src ?? ip.v4Src, dst = ip.v6Dst ?? ip.v4Dst;
  if (src === undefined || dst === undefined) {
    throw new ParseError(`${what}: conntrack tuple without both addresses`, 0);
  }
  const protocol = proto.num;
  if (protocol === undefined) throw new ParseError(`${what}: conntrack tuple without CTA_PROTO_NUM`, 0);
  const tuple: ConntrackTuple = { src, dst, protocol };
  const name = PROTO_NAMES.get(protocol);
  if (name !== undefined) tuple.protocolName = name;
  if (proto.srcPort !== undefined) tuple.srcPort = proto.srcPort;
  if (proto.dstPort !== undefined) tuple.dstPort = proto.dstPort;
  const icmpType = proto.icmpType ?? proto.icmpv6Type;
  if (icmpType !== undefined) tuple.icmpType = icmpType;
  const icmpCode = proto.icmpCode ?? proto.icmpv6Code;
  if (icmpCode !== undefined) tuple.icmpCode = icmpCode;
  const icmpId = proto.icmpId ?? proto.icmpv6Id;
  if (icmpId !== undefined) tuple.icmpId = icmpId;
  if (t.zone !== undefined) tuple.zone = t.zone;
  return tuple;
}

function counterOf(c: CounterAttrs): ConntrackCounter {
  return { packets: c.packets ?? c.packets32 ?? 0, bytes: c.bytes ?? c.bytes32 ?? 0 };
}

function tcpOf(protoinfo: Uint8Array): ConntrackTcpInfo | undefined {
  const t = (decodeAttrs(protoinfoAttrs, protoinfo) as { tcp?: TcpAttrs }).tcp;
  if (t?.state === undefined) return undefined;
  const tcp: ConntrackTcpInfo = { state: TCP_STATE_NAMES[t.state] ?? `STATE_${t.state}`, stateNumber: t.state };
  if (t.wscaleOriginal !== undefined) tcp.wscaleOriginal = t.wscaleOriginal;
  if (t.wscaleReply !== undefined) tcp.wscaleReply = t.wscaleReply;
  const flags = (b: Uint8Array | undefined) => {
    if (b === undefined) return undefined;
    if (b.length < 2) throw new ParseError(`CTA_PROTOINFO_TCP: TCP flags of ${b.length} bytes`, 0);
    return { flags: b[0], mask: b[1] };
  };
  const fo = flags(t.flagsOriginal);
  if (fo) tcp.flagsOriginal = fo;
  const fr = flags(t.flagsReply);
  if (fr) tcp.flagsReply = fr;
  return tcp;
}

/**
 * The names of the `IPS_*` bits set in `status`.
 *
 * @example
 * ```ts
 * import { statusNames } from "./conntrack.ts";
 * statusNames(0xe); // ["seen-reply", "assured", "confirmed"]
 * ```
 */
export function statusNames(status: number): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (status & (1 << bit)) out.push(CT_STATUS_NAMES[bit] ?? `bit${bit}`);
  }
  return out;
}

/**
 * Decodes a conntrack message (`IPCTNL_MSG_CT_NEW`/`CT_DELETE` from a dump,
 * a get reply or an event). Never trusts a length: malformed bytes give a
 * {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeConntrack, nfnlMessage } from "@nlts/netlink/netfilter";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("netfilter");
 * for await (const msg of sock.dump(nfnlMessage(1, 1).finish())) console.log(decodeConntrack(msg).orig);
 * ```
 */
export function decodeConntrack(msg: NetlinkMessage): ConntrackEntry {
  const p = msg.payload;
  if (p.length < NFGENMSG_LEN) {
    throw new ParseError(`nfgenmsg needs ${NFGENMSG_LEN} bytes, the payload has ${p.length}`, 16);
  }
  const a = decodeAttrsAt(conntrackEntryAttrs, p, NFGENMSG_LEN, p.length, 16 + NFGENMSG_LEN) as EntryAttrs;
  if (!a.tupleOrig) throw new ParseError("conntrack message without CTA_TUPLE_ORIG", 0);
  if (!a.tupleReply) throw new ParseError("conntrack message without CTA_TUPLE_REPLY", 0);
  const entry: ConntrackEntry = {
    family: familyName(p[0]),
    orig: tupleOf(a.tupleOrig, "CTA_TUPLE_ORIG"),
    reply: tupleOf(a.tupleReply, "CTA_TUPLE_REPLY"),
    statusFlags: a.status === undefined ? [] : statusNames(a.status),
    unknown: a.unknown ?? [],
  };
  if (a.status !== undefined) entry.status = a.status;
  if (a.protoinfo) {
    entry.protoinfo = a.protoinfo;
    const tcp = tcpOf(a.protoinfo);
    if (tcp) entry.tcp = tcp;
  }
  if (a.timeout !== undefined) entry.timeout = a.timeout;
  if (a.mark !== undefined) entry.mark = a.mark;
  if (a.zone !== undefined) entry.zone = a.zone;
  if (a.id !== undefined) entry.id = a.id;
  if (a.use !== undefined) entry.use = a.use;
  if (a.countersOrig || a.countersReply) {
    entry.counters = {};
    if (a.countersOrig) entry.counters.orig = counterOf(a.countersOrig);
    if (a.countersReply) entry.counters.reply = counterOf(a.countersReply);
  }
  if (a.labels) entry.labels = a.labels;
  if (a.help?.name !== undefined) entry.helper = a.help.name;
  if (a.secctx?.name !== undefined) entry.secctx = a.secctx.name;
  if (a.timestamp) {
    entry.timestamp = {};
    if (a.timestamp.start !== undefined) entry.timestamp.start = a.timestamp.start;
    if (a.timestamp.stop !== undefined) entry.timestamp.stop = a.timestamp.stop;
  }
  if (a.tupleMaster) entry.master = tupleOf(a.tupleMaster, "CTA_TUPLE_MASTER");
  return withJson(entry);
}

/**
 * Decodes a conntrack event message: `"destroy"` for `IPCTNL_MSG_CT_DELETE`,
 * `"new"` for `IPCTNL_MSG_CT_NEW` with NLM_F_CREATE|NLM_F_EXCL, else `"update"`.
 *
 * @example
 * ```ts
 * import { decodeConntrackEvent } from "@nlts/netlink/netfilter";
 * import type { NetlinkMessage } from "@nlts/netlink";
 * const onMessage = (msg: NetlinkMessage) => console.log(decodeConntrackEvent(msg).type);
 * ```
 */
export function decodeConntrackEvent(msg: NetlinkMessage): ConntrackEvent {
  const subsys = (msg.type >> 8) & 0xff;
  const kind = msg.type & 0xff;
  if (subsys !== NFNL_SUBSYS.CTNETLINK) {
    throw new ParseError(`message type 0x${msg.type.toString(16)} is not conntrack`, 4);
  }
  let type: ConntrackEventType;
  if (kind === IPCTNL_MSG.CT_DELETE) type = "destroy";
  else if (kind === IPCTNL_MSG.CT_NEW) type = msg.flags & (Flags.CREATE | Flags.EXCL) ? "new" : "update";
  else throw new ParseError(`conntrack message ${kind} is not an event`, 4);
  return { type, entry: decodeConntrack(msg) };
}

function protocolNumber(protocol: number | IpProtoName): number {
  if (typeof protocol === "number") {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) {
      throw new TypeError(`protocol must be 0..255, not ${protocol}`);
    }
    return protocol;
  }
  const n = (IPPROTO as Record<string, number>)[protocol];
  if (n === undefined) throw new TypeError(`unknown protocol ${JSON.stringify(protocol)}`);
  return n;
}

function checkU16(value: number | undefined, what: string): number {
  if (value === undefined || !Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new TypeError(`${what} must be an integer 0..65535, not ${value}`);
  }
  return value;
}

function checkU8(value: number | undefined, what: string): number {
  if (value === undefined || !Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new TypeError(`${what} must be an integer 0..255, not ${value}`);
  }
  return value;
}

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`${what} must be an integer 0..4294967295, not ${value}`);
  }
  return value;
}

/** Validated tuple ready to write. */
interface TupleBytes {
  family: number;
  src: Uint8Array;
  dst: Uint8Array;
  protocol: number;
  spec: TupleSpec;
}

function checkTuple(spec: TupleSpec): TupleBytes {
  const src = parseIP(spec.src);
  const dst = parseIP(spec.dst);
  if (src.length !== dst.length) throw new AddressError(`${spec.src} and ${spec.dst} are not of the same family`);
  const protocol = protocolNumber(spec.protocol);
  if (PORT_PROTOCOLS.has(protocol)) {
    checkU16(spec.srcPort, "srcPort");
    checkU16(spec.dstPort, "dstPort");
  } else if (protocol === IPPROTO.icmp || protocol === IPPROTO.icmpv6) {
    checkU8(spec.icmpType, "icmpType");
    checkU8(spec.icmpCode, "icmpCode");
    checkU16(spec.icmpId, "icmpId");
  }
  return { family: src.length === 4 ? AF.INET : AF.INET6, src, dst, protocol, spec };
}

/** The `CTA_TUPLE_*` nest of a validated tuple, as {@link conntrackAttrs} writes it. */
function tupleAttrs(t: TupleBytes): TupleAttrs {
  const v4 = t.family === AF.INET;
  const spec = t.spec;
  const ip = v4 ? { v4Src: spec.src, v4Dst: spec.dst } : { v6Src: spec.src, v6Dst: spec.dst };
  let proto: TupleAttrs["proto"] = { num: t.protocol };
  if (PORT_PROTOCOLS.has(t.protocol)) proto = { num: t.protocol, srcPort: spec.srcPort, dstPort: spec.dstPort };
  else if (t.protocol === IPPROTO.icmp) {
    proto = { num: t.protocol, icmpId: spec.icmpId, icmpType: spec.icmpType, icmpCode: spec.icmpCode };
  } else if (t.protocol === IPPROTO.icmpv6) {
    proto = { num: t.protocol, icmpv6Id: spec.icmpId, icmpv6Type: spec.icmpType, icmpv6Code: spec.icmpCode };
  }
  return { ip, proto };
}

/** Writes the `CTA_*` attributes of a request. */
function writeCta(w: MessageWriter, attrs: Record<string, unknown>): MessageWriter {
  writeAttrs(w, conntrackAttrs, attrs);
  return w;
}

/** Filters of {@link Conntrack.dump}. */
export interface DumpFilter {
  /** Only this L3 family (kernel-side). */
  family?: NfFamily;
  /** Only this L4 protocol (kernel-side with CTA_FILTER when `family` is given, else local). */
  protocol?: number | IpProtoName;
  /** Only entries whose `mark & markMask === mark` (kernel-side). */
  mark?: number;
  /** Mask for `mark` (default 0xffffffff). */
  markMask?: number;
  /** Only entries in this zone (local: the kernel does not filter dumps by zone). */
  zone?: number;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

/**
 * Builds the `IPCTNL_MSG_CT_GET` dump request for `filter`: family in
 * nfgenmsg, `CTA_MARK`/`CTA_MARK_MASK`, and `CTA_FILTER` on the protocol
 * number when a family is given (the kernel wants one for tuple filters).
 *
 * @example
 * ```ts
 * import { encodeDumpRequest } from "@nlts/netlink/netfilter";
 * const bytes = encodeDumpRequest({ family: "inet", protocol: "udp", mark: 1 });
 * ```
 */
export function encodeDumpRequest(filter: Omit<DumpFilter, "signal"> = {}): Uint8Array {
  const family = filter.family !== undefined ? familyNumber(filter.family) : AF.UNSPEC;
  const attrs: Record<string, unknown> = {};
  if (filter.mark !== undefined) {
    attrs.mark = checkU32(filter.mark, "mark");
    attrs.markMask = checkU32(filter.markMask ?? 0xffffffff, "markMask");
  } else if (filter.markMask !== undefined) {
    throw new TypeError("markMask needs mark");
  }
  if (filter.protocol !== undefined) {
    const proto = protocolNumber(filter.protocol);
    if (family !== AF.UNSPEC) {
      attrs.filter = { origFlags: CTA_FILTER_F.PROTO_NUM };
      attrs.tupleOrig = { proto: { num: proto } };
    }
  }
  if (filter.zone !== undefined) checkU16(filter.zone, "zone");
  return writeCta(nfnlMessage(NFNL_SUBSYS.CTNETLINK, IPCTNL_MSG.CT_GET, Flags.DUMP, { family }), attrs).finish();
}

/**
 * True when `entry` passes `filter` (the local half of dump filtering; also
 * useful on events).
 *
 * @example
 * ```ts
 * import { matchesFilter } from "./conntrack.ts";
 * import { type ConntrackEntry } from "@nlts/netlink";
 * const keepUdp = (e: ConntrackEntry) => matchesFilter(e, { protocol: "udp" });
 * ```
 */
export function matchesFilter(entry: ConntrackEntry, filter: Omit<DumpFilter, "signal">): boolean {
  if (filter.family !== undefined && entry.family !== filter.family) return false;
  if (filter.protocol !== undefined && entry.orig.protocol !== protocolNumber(filter.protocol)) return false;
  if (filter.mark !== undefined) {
    const mask = filter.markMask ?? 0xffffffff;
    if ((((entry.mark ?? 0) & mask) >>> 0) !== ((filter.mark & mask) >>> 0)) return false;
  }
  if (filter.zone !== undefined && (entry.zone ?? 0) !== filter.zone) return false;
  return true;
}

/**
 * Status bits a request may set, by the names {@link statusNames} prints
 * (`"seen-reply"`; `"seen_reply"` and upper case are accepted too). The
 * kernel never clears `seen-reply` or `assured` once set, and ignores or
 * refuses every other bit (`confirmed` is set for you when creating).
 *
 * @example
 * ```ts
 * import type { ConntrackStatusName } from "@nlts/netlink/netfilter";
 * const flags: ConntrackStatusName[] = ["seen-reply", "assured"];
 * ```
 */
export type ConntrackStatusName = "seen-reply" | "assured" | "fixed-timeout";

const SETTABLE_STATUS: Record<ConntrackStatusName, number> = {
  "seen-reply": 1 << 1,
  "assured": 1 << 2,
  "fixed-timeout": 1 << 10,
};
const IPS_EXPECTED = 1 << 0;
const IPS_SEEN_REPLY = 1 << 1;
const IPS_ASSURED = 1 << 2;
const IPS_CONFIRMED = 1 << 3;
const IPS_DYING = 1 << 9;
/** Bits of the current status the kernel insists a change request repeats. */
const IPS_KEEP = IPS_EXPECTED | IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED | IPS_DYING;

function statusBits(names: readonly string[] | undefined): number {
  if (names === undefined) return 0;
  if (!Array.isArray(names)) throw new TypeError("status must be an array of status names");
  let bits = 0;
  for (const raw of names) {
    const name = typeof raw === "string" ? raw.toLowerCase().replaceAll("_", "-") : raw;
    const bit = SETTABLE_STATUS[name as ConntrackStatusName];
    if (bit === undefined) {
      const why = name === "confirmed"
        ? "it is set by the kernel when an entry is created"
        : `only ${Object.keys(SETTABLE_STATUS).join(", ")} can be set`;
      throw new TypeError(`status ${JSON.stringify(raw)} cannot be set: ${why}`);
    }
    bits |= bit;
  }
  return bits;
}

/** A TCP state name of `TCP_CONNTRACK_*`, as `conntrack -L` prints it. @example `const s: TcpStateName = "ESTABLISHED";` */
export type TcpStateName =
  | "NONE"
  | "SYN_SENT"
  | "SYN_RECV"
  | "ESTABLISHED"
  | "FIN_WAIT"
  | "CLOSE_WAIT"
  | "LAST_ACK"
  | "TIME_WAIT"
  | "CLOSE"
  | "SYN_SENT2";

function tcpStateNumber(state: TcpStateName | number): number {
  if (typeof state === "number") {
    if (!Number.isInteger(state) || state < 0 || state >= TCP_STATE_NAMES.length) {
      throw new TypeError(`tcpState must be 0..${TCP_STATE_NAMES.length - 1}, not ${state}`);
    }
    return state;
  }
  const n = typeof state === "string" ? TCP_STATE_NAMES.indexOf(state.toUpperCase()) : -1;
  if (n < 0) throw new TypeError(`unknown TCP state ${JSON.stringify(state)}`);
  return n;
}

/** Size of `CTA_LABELS` in bytes (128 label bits). */
const LABELS_LEN = 16;

function labelBytes(labels: readonly number[], what: string): Uint8Array {
  if (!Array.isArray(labels)) throw new TypeError(`${what} must be an array of label bit numbers`);
  const out = new Uint8Array(LABELS_LEN);
  for (const bit of labels) {
    if (!Number.isInteger(bit) || bit < 0 || bit >= LABELS_LEN * 8) {
      throw new TypeError(`${what} must hold label bits 0..${LABELS_LEN * 8 - 1}, not ${bit}`);
    }
    // The kernel's bitmap is an array of unsigned long: bit n is byte n/8, bit n%8 on little-endian hosts.
    out[bit >> 3] |= 1 << (bit & 7);
  }
  return out;
}

/**
 * The label bit numbers set in a `CTA_LABELS` bitmap (as {@link ConntrackEntry.labels} holds it).
 *
 * @example
 * ```ts
 * import { labelBits } from "./conntrack.ts";
 * labelBits(new Uint8Array([0b101, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])); // [0, 2]
 * ```
 */
export function labelBits(labels: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length * 8; i++) if (labels[i >> 3] & (1 << (i & 7))) out.push(i);
  return out;
}

const ICMP_INVERSE = new Map<number, number>([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [17, 18],
  [
    18,
    17,
  ],
  [10, 9],
  [9, 10],
]);
const ICMPV6_INVERSE = new Map<number, number>([[128, 129], [129, 128], [139, 140], [140, 139]]);

/**
 * The reply tuple of a connection whose original tuple is `orig`, as the
 * kernel computes it without NAT: addresses and ports swapped, ICMP echo
 * requests answered by echo replies. Throws TypeError for an ICMP type that
 * has no reply.
 *
 * @example
 * ```ts
 * import { mirrorTuple } from "./conntrack.ts";
 * mirrorTuple({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 1000, dstPort: 53 });
 * // { src: "10.0.0.2", dst: "10.0.0.1", protocol: "udp", srcPort: 53, dstPort: 1000 }
 * ```
 */
export function mirrorTuple(orig: TupleSpec): TupleSpec {
  const protocol = protocolNumber(orig.protocol);
  const reply: TupleSpec = { src: orig.dst, dst: orig.src, protocol: orig.protocol };
  if (PORT_PROTOCOLS.has(protocol)) {
    reply.srcPort = orig.dstPort;
    reply.dstPort = orig.srcPort;
  } else if (protocol === IPPROTO.icmp || protocol === IPPROTO.icmpv6) {
    const inverse = (protocol === IPPROTO.icmp ? ICMP_INVERSE : ICMPV6_INVERSE).get(orig.icmpType!);
    if (inverse === undefined) throw new TypeError(`ICMP type ${orig.icmpType} has no reply to mirror`);
    reply.icmpType = inverse;
    reply.icmpCode = orig.icmpCode;
    reply.icmpId = orig.icmpId;
  }
  return reply;
}

/** A conntrack entry to create with {@link Conntrack.create}. */
export interface ConntrackSpec {
  /** Original-direction tuple (ports required for TCP/UDP/SCTP/DCCP/UDP-Lite, type/code/id for ICMP). */
  orig: TupleSpec;
  /** Reply-direction tuple; default {@link mirrorTuple}(orig). Same family and protocol as `orig`. */
  reply?: TupleSpec;
  /** Seconds before the entry expires (the kernel requires one). */
  timeout: number;
  /**
   * Status bits to set (`"seen-reply"`, `"assured"`, `"fixed-timeout"`). `confirmed` is always sent
   * for you: older kernels refuse a create whose CTA_STATUS lacks it, newer ones set it themselves.
   */
  status?: (ConntrackStatusName | string)[];
  /** Connection mark. */
  mark?: number;
  /** Zone (`CTA_ZONE`, 0..65535). */
  zone?: number;
  /** TCP state (required for TCP entries, as `conntrack -I` requires `--state`). */
  tcpState?: TcpStateName | number;
  /** Label bits (0..127) to set; needs connlabel in use in the namespace (else ENOSPC). */
  labels?: number[];
}

/** What {@link Conntrack.update} changes; absent fields stay as they are. */
export interface ConntrackChanges {
  /** New timeout in seconds. */
  timeout?: number;
  /** New mark (with `markMask`: only the masked bits change). */
  mark?: number;
  /** Bits of `mark` to change (default all). */
  markMask?: number;
  /** Status bits to set (the kernel never clears status bits through this request). */
  status?: (ConntrackStatusName | string)[];
  /** New TCP state (TCP entries). */
  tcpState?: TcpStateName | number;
  /** Label bits (0..127): with `labelsMask` only those bits change, else the whole set is replaced. */
  labels?: number[];
  /** Label bits that `labels` may change. */
  labelsMask?: number[];
}

function checkCreateTuples(spec: ConntrackSpec): { orig: TupleBytes; reply: TupleBytes } {
  if (spec === null || typeof spec !== "object") throw new TypeError("create needs a ConntrackSpec object");
  if (spec.orig === null || typeof spec.orig !== "object") throw new TypeError("create needs an orig tuple");
  const orig = checkTuple(spec.orig);
  checkIcmpFamily(orig);
  const reply = checkTuple(spec.reply ?? mirrorTuple(spec.orig));
  if (reply.family !== orig.family) {
    throw new AddressError(
      `the reply tuple (${reply.spec.src}) is not of the family of the original (${orig.spec.src})`,
    );
  }
  if (reply.protocol !== orig.protocol) {
    throw new TypeError(`the reply tuple's protocol ${reply.protocol} is not the original's ${orig.protocol}`);
  }
  return { orig, reply };
}

function checkIcmpFamily(t: TupleBytes): void {
  if (t.protocol === IPPROTO.icmp && t.family !== AF.INET) throw new TypeError("icmp needs IPv4 addresses");
  if (t.protocol === IPPROTO.icmpv6 && t.family !== AF.INET6) throw new TypeError("icmpv6 needs IPv6 addresses");
}

/** `CTA_PROTOINFO` holding a TCP state. */
function tcpStateAttrs(state: number | undefined): { tcp: { state: number } } | undefined {
  return state === undefined ? undefined : { tcp: { state } };
}

/**
 * Builds the `IPCTNL_MSG_CT_NEW` request (NLM_F_CREATE|NLM_F_EXCL, ACK)
 * that creates `spec`. Validates everything first: addresses (an
 * `AddressError`), families, ports, timeout, mark, zone, status names, TCP
 * state and labels (a `TypeError`).
 *
 * @example
 * ```ts
 * import { encodeCreateRequest } from "@nlts/netlink/netfilter";
 * const bytes = encodeCreateRequest({
 *   orig: { src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 1000, dstPort: 53 },
 *   timeout: 30,
 *   status: ["seen-reply"],
 * });
 * ```
 */
export function encodeCreateRequest(spec: ConntrackSpec): Uint8Array {
  const { orig, reply } = checkCreateTuples(spec);
  if (spec.timeout === undefined) throw new TypeError("create needs a timeout (seconds)");
  const timeout = checkU32(spec.timeout, "timeout");
  const status = statusBits(spec.status) | IPS_CONFIRMED;
  const mark = spec.mark !== undefined ? checkU32(spec.mark, "mark") : undefined;
  const zone = spec.zone !== undefined ? checkU16(spec.zone, "zone") : undefined;
  let tcpState: number | undefined;
  if (orig.protocol === IPPROTO.tcp) {
    if (spec.tcpState === undefined) throw new TypeError("a TCP entry needs a tcpState");
    tcpState = tcpStateNumber(spec.tcpState);
  } else if (spec.tcpState !== undefined) {
    throw new TypeError("tcpState is only for TCP entries");
  }
  const labels = spec.labels !== undefined ? labelBytes(spec.labels, "labels") : undefined;

  const w = nfnlMessage(
    NFNL_SUBSYS.CTNETLINK,
    IPCTNL_MSG.CT_NEW,
    Flags.REQUEST | Flags.ACK | Flags.CREATE | Flags.EXCL,
    { family: orig.family },
  );
  return writeCta(w, {
    tupleOrig: tupleAttrs(orig),
    tupleReply: tupleAttrs(reply),
    timeout,
    status,
    mark,
    zone,
    protoinfo: tcpStateAttrs(tcpState),
    labels,
  }).finish();
}

/**
 * Builds the `IPCTNL_MSG_CT_NEW` request without NLM_F_CREATE that changes
 * the entry whose original tuple is `tuple` (in `zone`). The kernel wants
 * `CTA_STATUS` to repeat the bits it will not change, so a status change
 * needs the entry's `currentStatus` ({@link Conntrack.update} reads it);
 * without one, a plain confirmed entry is assumed.
 *
 * @example
 * ```ts
 * import { encodeUpdateRequest } from "@nlts/netlink/netfilter";
 * const tuple = { src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 1000, dstPort: 53 } as const;
 * const bytes = encodeUpdateRequest(tuple, { timeout: 120, mark: 7 });
 * ```
 */
export function encodeUpdateRequest(
  tuple: TupleSpec,
  changes: ConntrackChanges,
  options: { zone?: number; currentStatus?: number } = {},
): Uint8Array {
  if (tuple === null || typeof tuple !== "object") throw new TypeError("update needs a tuple");
  if (changes === null || typeof changes !== "object") throw new TypeError("update needs a changes object");
  const t = checkTuple(tuple);
  checkIcmpFamily(t);
  const zone = options.zone !== undefined ? checkU16(options.zone, "zone") : undefined;
  const timeout = changes.timeout !== undefined ? checkU32(changes.timeout, "timeout") : undefined;
  const mark = changes.mark !== undefined ? checkU32(changes.mark, "mark") : undefined;
  if (changes.markMask !== undefined && mark === undefined) throw new TypeError("markMask needs mark");
  const markMask = changes.markMask !== undefined ? checkU32(changes.markMask, "markMask") : undefined;
  let status: number | undefined;
  if (changes.status !== undefined) {
    const current = options.currentStatus !== undefined
      ? checkU32(options.currentStatus, "currentStatus")
      : IPS_CONFIRMED;
    status = ((current & IPS_KEEP) | statusBits(changes.status)) >>> 0;
  }
  let tcpState: number | undefined;
  if (changes.tcpState !== undefined) {
    if (t.protocol !== IPPROTO.tcp) throw new TypeError("tcpState is only for TCP entries");
    tcpState = tcpStateNumber(changes.tcpState);
  }
  if (changes.labelsMask !== undefined && changes.labels === undefined) throw new TypeError("labelsMask needs labels");
  const labels = changes.labels !== undefined ? labelBytes(changes.labels, "labels") : undefined;
  const labelsMask = changes.labelsMask !== undefined ? labelBytes(changes.labelsMask, "labelsMask") : undefined;
  if (
    timeout === undefined && mark === undefined && status === undefined && tcpState === undefined &&
    labels === undefined
  ) {
    throw new TypeError("update needs at least one change (timeout, mark, status, tcpState, labels)");
  }

  const w = nfnlMessage(NFNL_SUBSYS.CTNETLINK, IPCTNL_MSG.CT_NEW, Flags.REQUEST | Flags.ACK, { family: t.family });
  // markMask and labelsMask were checked to come with mark and labels above.
  return writeCta(w, {
    tupleOrig: tupleAttrs(t),
    zone,
    timeout,
    status,
    mark,
    markMask,
    protoinfo: tcpStateAttrs(tcpState),
    labels,
    labelsMask,
  }).finish();
}

/** Options of {@link Conntrack.open}. */
export interface ConntrackOptions {
  /** Network namespace to work in (name, path, fd or `{ pid }`). */
  netns?: NetnsTarget;
  /** Kernel receive buffer of the request socket. */
  rcvbuf?: number;
}

/** Options of {@link Conntrack.events}. */
export interface ConntrackEventOptions {
  /** Closes the stream (as its `close()` does): the iteration ends. */
  signal?: AbortSignal;
  /** Which events (default all three). */
  groups?: ConntrackEventType[];
  /** Kernel receive buffer of the event socket (default 4 MiB). */
  rcvbuf?: number;
  /** `"yield"` (default) yields an {@link Overrun} where events were lost; `"throw"` throws `OverrunError`. */
  overrun?: "yield" | "throw";
}

const GROUPS: Record<ConntrackEventType, number> = {
  new: NFNLGRP.CONNTRACK_NEW,
  update: NFNLGRP.CONNTRACK_UPDATE,
  destroy: NFNLGRP.CONNTRACK_DESTROY,
};

/**
 * A stream of conntrack events on its own socket. The subscription starts
 * when {@link Conntrack.events} is called; `ready` resolves once the socket
 * has joined its groups, so nothing after that is missed.
 *
 * @example
 * ```ts
 * import { Conntrack } from "@nlts/netlink";
 * await using ct = await Conntrack.open();
 * await using events = ct.events({ groups: ["new", "destroy"] });
 * await events.ready;
 * for await (const ev of events) if ("type" in ev) console.log(ev.type, ev.entry.orig);
 * ```
 */
export class ConntrackEventStream extends NotificationStream<ConntrackEvent | Overrun> {
  /** Use {@link Conntrack.events}. */
  constructor(netns: NetnsTarget | undefined, options: ConntrackEventOptions) {
    const names = options.groups ?? ["new", "update", "destroy"];
    const groups = names.map((n) => {
      const g = GROUPS[n];
      if (g === undefined) throw new TypeError(`unknown conntrack event group ${JSON.stringify(n)}`);
      return g;
    });
    super(
      () =>
        NetlinkSocket.open("netfilter", {
          netns,
          groups,
          rcvbuf: options.rcvbuf ?? 4 * 1024 * 1024,
          describeType: describeNfnlType,
        }),
      (item) => {
        if (item instanceof Overrun) return item;
        if (((item.type >> 8) & 0xff) !== NFNL_SUBSYS.CTNETLINK) return undefined;
        return decodeConntrackEvent(item);
      },
      { signal: options.signal, overrun: options.overrun },
    );
  }
}

/**
 * A conntrack client: dump, get, create, update, delete, flush and events,
 * in one network namespace.
 *
 * @example
 * ```ts
 * import { Conntrack } from "@nlts/netlink";
 * await using ct = await Conntrack.open({ netns: "blue" });
 * for await (const e of ct.dump({ protocol: "tcp" })) console.log(e.orig.src, e.tcp?.state);
 * ```
 */
export class Conntrack implements AsyncDisposable {
  readonly #sock: NetlinkSocket;
  readonly #netns?: NetnsTarget;
  readonly #streams = new SpawnedStreams();

  private constructor(sock: NetlinkSocket, netns: NetnsTarget | undefined) {
    this.#sock = sock;
    this.#netns = netns;
  }

  /**
   * Opens a NETLINK_NETFILTER socket for conntrack requests.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * const ct = await Conntrack.open();
   * await ct.close();
   * ```
   */
  static async open(options: ConntrackOptions = {}): Promise<Conntrack> {
    const sock = await NetlinkSocket.open("netfilter", {
      netns: options.netns,
      rcvbuf: options.rcvbuf,
      describeType: describeNfnlType,
      describeAttribute: nfnlAttributePath,
    });
    return new Conntrack(sock, options.netns);
  }

  /** The underlying socket (for requests this class does not cover). @example `ct.socket.portId` */
  get socket(): NetlinkSocket {
    return this.#sock;
  }

  /**
   * Streams the conntrack table. `family`, `mark`/`markMask` and (with a
   * family) `protocol` are filtered by the kernel; every filter is also
   * checked here, so older kernels give the same result.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * await using ct = await Conntrack.open();
   * for await (const e of ct.dump({ family: "inet", protocol: "udp" })) console.log(e.orig.dstPort);
   * ```
   */
  async *dump(filter: DumpFilter = {}): AsyncGenerator<ConntrackEntry, void, undefined> {
    const request = encodeDumpRequest(filter);
    for await (const msg of this.#sock.dump(request, { signal: filter.signal })) {
      if (((msg.type >> 8) & 0xff) !== NFNL_SUBSYS.CTNETLINK) continue;
      const entry = decodeConntrack(msg);
      if (matchesFilter(entry, filter)) yield entry;
    }
  }

  /**
   * Looks up the entry whose original (or, with `direction: "reply"`, reply)
   * tuple is `tuple`. Rejects with `NetlinkError` `ENOENT` when there is none.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * await using ct = await Conntrack.open();
   * const e = await ct.get({ src: "127.0.0.1", dst: "127.0.0.1", protocol: "udp", srcPort: 4000, dstPort: 53 });
   * ```
   */
  async get(
    tuple: TupleSpec,
    options: { zone?: number; direction?: "orig" | "reply"; signal?: AbortSignal } = {},
  ): Promise<ConntrackEntry> {
    const t = checkTuple(tuple);
    const w = nfnlMessage(NFNL_SUBSYS.CTNETLINK, IPCTNL_MSG.CT_GET, 0, { family: t.family });
    writeCta(w, {
      [options.direction === "reply" ? "tupleReply" : "tupleOrig"]: tupleAttrs(t),
      zone: options.zone !== undefined ? checkU16(options.zone, "zone") : undefined,
    });
    const replies = await this.#sock.request(w.finish(), { signal: options.signal });
    const reply = replies.find((m) => ((m.type >> 8) & 0xff) === NFNL_SUBSYS.CTNETLINK);
    if (!reply) throw new ParseError("IPCTNL_MSG_CT_GET answered without an entry", 0);
    return decodeConntrack(reply);
  }

  /**
   * Deletes the entry with this original tuple (in `zone`, and only if its
   * id is `id` when given). Rejects with `NetlinkError` `ENOENT` when there
   * is none.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * await using ct = await Conntrack.open();
   * for await (const e of ct.dump({ protocol: "udp" })) await ct.delete(e.orig, { zone: e.zone, id: e.id });
   * ```
   */
  async delete(tuple: TupleSpec, options: { zone?: number; id?: number; signal?: AbortSignal } = {}): Promise<void> {
    const t = checkTuple(tuple);
    const w = nfnlMessage(NFNL_SUBSYS.CTNETLINK, IPCTNL_MSG.CT_DELETE, 0, { family: t.family });
    writeCta(w, {
      tupleOrig: tupleAttrs(t),
      zone: options.zone !== undefined ? checkU16(options.zone, "zone") : undefined,
      id: options.id !== undefined ? checkU32(options.id, "id") : undefined,
    });
    await this.#sock.request(w.finish(), { signal: options.signal });
  }

  /**
   * Deletes every entry of the namespace, or only those of `family` and/or
   * with `mark`/`markMask` (Linux 5.x+ for the family filter; older kernels
   * flush every family).
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * await using ct = await Conntrack.open({ netns: "test" });
   * await ct.flush({ family: "inet6" });
   * ```
   */
  async flush(
    options: { family?: NfFamily; mark?: number; markMask?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const family = options.family !== undefined ? familyNumber(options.family) : AF.UNSPEC;
    // version 1 asks the kernel to honour nfgen_family (version 0 flushed every family).
    const w = nfnlMessage(NFNL_SUBSYS.CTNETLINK, IPCTNL_MSG.CT_DELETE, 0, { family, version: family ? 1 : 0 });
    if (options.mark !== undefined) {
      writeCta(w, {
        mark: checkU32(options.mark, "mark"),
        markMask: checkU32(options.markMask ?? 0xffffffff, "markMask"),
      });
    } else if (options.markMask !== undefined) {
      throw new TypeError("markMask needs mark");
    }
    await this.#sock.request(w.finish(), { signal: options.signal });
  }

  /**
   * Creates a conntrack entry (`IPCTNL_MSG_CT_NEW` with NLM_F_CREATE|NLM_F_EXCL).
   * The reply tuple defaults to the mirror of `orig`; input is validated
   * before anything is sent. Rejects with `NetlinkError` `EEXIST` when the
   * entry is already there.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * await using ct = await Conntrack.open({ netns: "test" });
   * await ct.create({
   *   orig: { src: "10.0.0.1", dst: "10.0.0.2", protocol: "tcp", srcPort: 40000, dstPort: 80 },
   *   timeout: 300,
   *   tcpState: "ESTABLISHED",
   *   status: ["seen-reply", "assured"],
   *   mark: 7,
   * });
   * ```
   */
  async create(spec: ConntrackSpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    const request = encodeCreateRequest(spec);
    await this.#sock.request(request, { signal: options.signal });
  }

  /**
   * Changes the entry whose original tuple is `tuple` (`IPCTNL_MSG_CT_NEW`
   * without NLM_F_CREATE): timeout, mark (under `markMask`), status bits to
   * set, TCP state, labels. A status change first reads the entry, since the
   * kernel wants the bits it keeps repeated. Rejects with `NetlinkError`
   * `ENOENT` when there is no such entry.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * await using ct = await Conntrack.open({ netns: "test" });
   * const tuple = { src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 1000, dstPort: 53 } as const;
   * await ct.update(tuple, { timeout: 600, mark: 0x42, status: ["assured"] });
   * ```
   */
  async update(
    tuple: TupleSpec,
    changes: ConntrackChanges,
    options: { zone?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    // Validate everything before anything is sent (the get below included).
    encodeUpdateRequest(tuple, changes, { zone: options.zone });
    let currentStatus: number | undefined;
    if (changes.status !== undefined) {
      currentStatus = (await this.get(tuple, { zone: options.zone, signal: options.signal })).status;
    }
    const request = encodeUpdateRequest(tuple, changes, { zone: options.zone, currentStatus });
    await this.#sock.request(request, { signal: options.signal });
  }

  /**
   * Subscribes to conntrack events on a socket of its own, in this client's
   * namespace. Await `ready` before causing the events you want to see.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * await using ct = await Conntrack.open();
   * const events = ct.events({ groups: ["destroy"], signal: AbortSignal.timeout(5000) });
   * await events.ready;
   * for await (const ev of events) if ("type" in ev) console.log(ev.entry.counters);
   * ```
   */
  events(options: ConntrackEventOptions = {}): ConntrackEventStream {
    return this.#streams.add(() => new ConntrackEventStream(this.#netns, options));
  }

  /**
   * Closes the request socket and any event streams opened from here.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@nlts/netlink";
   * const ct = await Conntrack.open();
   * await ct.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    await this.#sock.close();
  }

  /** Closes the client (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
