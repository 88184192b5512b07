/**
 * Policy routing rules (`ip rule`): `RTM_NEWRULE` / `RTM_DELRULE` /
 * `RTM_GETRULE` over `struct fib_rule_hdr`, from `linux/fib_rules.h`.
 *
 * @module
 */
import { type Attr, Attrs } from "../wire/attrs.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import * as v from "../wire/values.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { AF, RouteProtocol, RTM, Table } from "./constants.ts";

/** Size of `struct fib_rule_hdr`. */
const FRH_SIZE = 12;

/** `FRA_*` attribute numbers. */
export const FRA = {
  DST: 1,
  SRC: 2,
  IIFNAME: 3,
  GOTO: 4,
  PRIORITY: 6,
  FWMARK: 10,
  FLOW: 11,
  TUN_ID: 12,
  SUPPRESS_IFGROUP: 13,
  SUPPRESS_PREFIXLEN: 14,
  TABLE: 15,
  FWMASK: 16,
  OIFNAME: 17,
  PAD: 18,
  L3MDEV: 19,
  UID_RANGE: 20,
  PROTOCOL: 21,
  IP_PROTO: 22,
  SPORT_RANGE: 23,
  DPORT_RANGE: 24,
} as const;

/** `FR_ACT_*` actions, by name. */
export const RuleActions = {
  unspec: 0,
  to_tbl: 1,
  goto: 2,
  nop: 3,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
} as const;

/** A rule action name. */
export type RuleAction = keyof typeof RuleActions;

/** `FIB_RULE_*` flags of `fib_rule_hdr.flags`. */
export const FIB_RULE = {
  PERMANENT: 0x01,
  INVERT: 0x02,
  UNRESOLVED: 0x04,
  IIF_DETACHED: 0x08,
  OIF_DETACHED: 0x10,
  FIND_SADDR: 0x10000,
} as const;

/** An inclusive range (`uidrange`, `sport`, `dport`). */
export interface Range {
  /** First value. */
  start: number;
  /** Last value. */
  end: number;
}

/** Address family of a rule by name (`"ipmr"`/`"ip6mr"`: multicast routing rules); a number when unnamed. */
export type RuleFamily = "inet" | "inet6" | "ipmr" | "ip6mr" | number;

const FAMILY_NAMES: Record<number, Exclude<RuleFamily, number>> = { 2: "inet", 10: "inet6", 128: "ipmr", 129: "ip6mr" };

function familyNumber(family: RuleFamily): number {
  if (typeof family === "number") {
    if (!Number.isInteger(family) || family < 0 || family > 255) {
      throw new TypeError(`family ${family} is out of range`);
    }
    return family;
  }
  for (const [n, name] of Object.entries(FAMILY_NAMES)) if (name === family) return Number(n);
  throw new TypeError(`unknown family ${JSON.stringify(family)}`);
}

/** One policy routing rule as the kernel reports it. */
export interface Rule {
  /** `"inet"`, `"inet6"`, `"ipmr"`, `"ip6mr"`, else the number. */
  family: RuleFamily;
  /** Preference (`FRA_PRIORITY`; 0 when absent). */
  priority: number;
  /** Table id (`FRA_TABLE`, else the 8-bit header field); 0 when the action uses none. */
  table: number;
  /** Action name; the number when unnamed. */
  action: RuleAction | number;
  /** The selector is inverted (`not`, `FIB_RULE_INVERT`). */
  invert: boolean;
  /** Raw `fib_rule_hdr.flags`. */
  flags: number;
  /** Source prefix address (`from`); absent means all. */
  src?: string;
  /** Source prefix length. */
  srcLength: number;
  /** Destination prefix address (`to`). */
  dst?: string;
  /** Destination prefix length. */
  dstLength: number;
  /** TOS byte to match (0: any). */
  tos: number;
  /** Input interface name (`FRA_IIFNAME`). */
  iif?: string;
  /** The input interface does not exist (any more). */
  iifDetached?: boolean;
  /** Output interface name (`FRA_OIFNAME`). */
  oif?: string;
  /** The output interface does not exist (any more). */
  oifDetached?: boolean;
  /** Firewall mark (`FRA_FWMARK`). */
  fwmark?: number;
  /** Mark mask (`FRA_FWMASK`; 0xffffffff when only a mark was given). */
  fwmask?: number;
  /** Target priority of a `goto` action (`FRA_GOTO`). */
  goto?: number;
  /** Originator, named as iproute2 does (`"boot"`, `"static"`…); the number when unnamed. */
  protocol?: Lowercase<keyof typeof RouteProtocol> | number;
  /** Look up the table of the l3mdev (VRF) device. */
  l3mdev: boolean;
  /** UID range (`FRA_UID_RANGE`). */
  uidRange?: Range;
  /** IP protocol number (`FRA_IP_PROTO`): 6 for tcp, 17 for udp… */
  ipProto?: number;
  /** Source port range (`FRA_SPORT_RANGE`). */
  sport?: Range;
  /** Destination port range (`FRA_DPORT_RANGE`). */
  dport?: Range;
  /** Reject routing decisions with a prefix length of this or less. */
  suppressPrefixLength?: number;
  /** Reject routing decisions whose device is in this group. */
  suppressIfGroup?: number;
  /** Realms (`FRA_FLOW`): `from << 16 | to`. */
  flow?: number;
  /** Tunnel id (`FRA_TUN_ID`). */
  tunId?: bigint;
  /** Attributes this decoder does not know, kept raw. */
  unknown: Attr[];
}

const KNOWN = new Set<number>([
  FRA.DST,
  FRA.SRC,
  FRA.IIFNAME,
  FRA.GOTO,
  FRA.PRIORITY,
  FRA.FWMARK,
  FRA.FLOW,
  FRA.TUN_ID,
  FRA.SUPPRESS_IFGROUP,
  FRA.SUPPRESS_PREFIXLEN,
  FRA.TABLE,
  FRA.FWMASK,
  FRA.OIFNAME,
  FRA.PAD,
  FRA.L3MDEV,
  FRA.UID_RANGE,
  FRA.PROTOCOL,
  FRA.IP_PROTO,
  FRA.SPORT_RANGE,
  FRA.DPORT_RANGE,
]);

function actionName(n: number): RuleAction | number {
  for (const [name, value] of Object.entries(RuleActions)) if (value === n) return name as RuleAction;
  return n;
}

function protocolName(n: number): Lowercase<keyof typeof RouteProtocol> | number {
  for (const [name, value] of Object.entries(RouteProtocol)) {
    if (value === n) return name.toLowerCase() as Lowercase<keyof typeof RouteProtocol>;
  }
  return n;
}

function range(bytes: Uint8Array | undefined, width: 2 | 4, what: string): Range | undefined {
  if (bytes === undefined) return undefined;
  if (bytes.length < 2 * width) throw new ParseError(`${what} needs ${2 * width} bytes, has ${bytes.length}`, 0);
  return width === 2
    ? { start: v.u16(bytes), end: v.u16(bytes.subarray(2)) }
    : { start: v.u32(bytes), end: v.u32(bytes.subarray(4)) };
}

function prefixAddress(bytes: Uint8Array, family: number, what: string): string {
  const size = family === AF.INET ? 4 : family === AF.INET6 ? 16 : bytes.length;
  if (bytes.length !== size || (size !== 4 && size !== 16)) {
    throw new ParseError(`${what} of ${bytes.length} bytes does not fit family ${family}`, 0);
  }
  return v.ip(bytes);
}

/**
 * Decodes an `RTM_NEWRULE` / `RTM_DELRULE` message. A payload shorter than
 * `struct fib_rule_hdr` or a malformed attribute is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeRule } from "@nlts/netlink/route";
 * const payload = new Uint8Array(12);
 * payload[0] = 2; // AF_INET
 * payload[4] = 254; // table main
 * payload[7] = 1; // FR_ACT_TO_TBL
 * decodeRule({ type: 32, flags: 0, seq: 0, pid: 0, payload }).table; // 254
 * ```
 */
export function decodeRule(msg: NetlinkMessage): Rule {
  const p = msg.payload;
  if (p.length < FRH_SIZE) throw new ParseError(`fib_rule_hdr needs ${FRH_SIZE} bytes, has ${p.length}`, 16);
  const family = p[0];
  const flags = v.u32(p.subarray(8));
  const attrs = Attrs.parse(p.subarray(FRH_SIZE), 16 + FRH_SIZE);
  const rule: Rule = {
    family: FAMILY_NAMES[family] ?? family,
    priority: attrs.u32(FRA.PRIORITY) ?? 0,
    table: attrs.u32(FRA.TABLE) ?? p[4],
    action: actionName(p[7]),
    invert: (flags & FIB_RULE.INVERT) !== 0,
    flags,
    srcLength: p[2],
    dstLength: p[1],
    tos: p[3],
    l3mdev: (attrs.u8(FRA.L3MDEV) ?? 0) !== 0,
    unknown: [],
  };
  const src = attrs.get(FRA.SRC);
  if (src !== undefined) rule.src = prefixAddress(src, family, "FRA_SRC");
  const dst = attrs.get(FRA.DST);
  if (dst !== undefined) rule.dst = prefixAddress(dst, family, "FRA_DST");
  const iif = attrs.str(FRA.IIFNAME);
  if (iif !== undefined) {
    rule.iif = iif;
    rule.iifDetached = (flags & FIB_RULE.IIF_DETACHED) !== 0;
  }
  const oif = attrs.str(FRA.OIFNAME);
  if (oif !== undefined) {
    rule.oif = oif;
    rule.oifDetached = (flags & FIB_RULE.OIF_DETACHED) !== 0;
  }
  const fwmark = attrs.u32(FRA.FWMARK);
  if (fwmark !== undefined) rule.fwmark = fwmark;
  const fwmask = attrs.u32(FRA.FWMASK);
  if (fwmask !== undefined) rule.fwmask = fwmask;
  const target = attrs.u32(FRA.GOTO);
  if (target !== undefined) rule.goto = target;
  const protocol = attrs.u8(FRA.PROTOCOL);
  if (protocol !== undefined) rule.protocol = protocolName(protocol);
  const uid = range(attrs.get(FRA.UID_RANGE), 4, "FRA_UID_RANGE");
  if (uid) rule.uidRange = uid;
  const ipProto = attrs.u8(FRA.IP_PROTO);
  if (ipProto !== undefined) rule.ipProto = ipProto;
  const sport = range(attrs.get(FRA.SPORT_RANGE), 2, "FRA_SPORT_RANGE");
  if (sport) rule.sport = sport;
  const dport = range(attrs.get(FRA.DPORT_RANGE), 2, "FRA_DPORT_RANGE");
  if (dport) rule.dport = dport;
  const spl = attrs.u32(FRA.SUPPRESS_PREFIXLEN);
  if (spl !== undefined && spl !== 0xffffffff) rule.suppressPrefixLength = spl;
  const sig = attrs.u32(FRA.SUPPRESS_IFGROUP);
  if (sig !== undefined && sig !== 0xffffffff) rule.suppressIfGroup = sig;
  const flow = attrs.u32(FRA.FLOW);
  if (flow !== undefined) rule.flow = flow;
  const tunId = attrs.be64(FRA.TUN_ID);
  if (tunId !== undefined) rule.tunId = tunId;
  for (const a of attrs) if (!KNOWN.has(a.type)) rule.unknown.push(a);
  return rule;
}

/** What {@link addRule} creates and {@link deleteRule} matches. */
export interface RuleSpec {
  /** `"inet"` or `"inet6"` (2 or 10); default from `src`/`dst`, else IPv4. */
  family?: "inet" | "inet6" | 2 | 10;
  /** Preference; the kernel picks one below the lowest when absent (add). */
  priority?: number;
  /** Table id or `"main"`, `"local"`, `"default"`. Add defaults to main for `to_tbl`. */
  table?: number | "main" | "local" | "default";
  /** Action; default `"goto"` when `goto` is given, else `"to_tbl"` (add). */
  action?: RuleAction;
  /** Source prefix, `"10.0.0.0/8"` (a bare address is a host prefix). */
  src?: string;
  /** Destination prefix. */
  dst?: string;
  /** TOS byte to match. */
  tos?: number;
  /** Invert the selector (`not`). */
  invert?: boolean;
  /** Input interface name. */
  iif?: string;
  /** Output interface name. */
  oif?: string;
  /** Firewall mark. */
  fwmark?: number;
  /** Mark mask (the kernel uses 0xffffffff when only `fwmark` is given). */
  fwmask?: number;
  /** Target priority for `goto`. */
  goto?: number;
  /** Originator: number or name (`"static"`). */
  protocol?: number | string;
  /** Use the table of the l3mdev (VRF) device. */
  l3mdev?: boolean;
  /** UID range. */
  uidRange?: Range;
  /** IP protocol number. */
  ipProto?: number;
  /** Source port or range. */
  sport?: number | Range;
  /** Destination port or range. */
  dport?: number | Range;
  /** Suppress decisions with a prefix length of this or less. */
  suppressPrefixLength?: number;
  /** Suppress decisions whose device is in this group. */
  suppressIfGroup?: number;
  /** Realms, `from << 16 | to`. */
  flow?: number;
}

function uint(value: number | undefined, max: number, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`${what} ${value} is out of range 0..${max}`);
  }
  return value;
}

function ifname(value: string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0 || value.length > 15 || /[\s/\0]/.test(value)) {
    throw new TypeError(`${what} ${JSON.stringify(value)} is not a valid interface name`);
  }
  return value;
}

function tableId(value: RuleSpec["table"]): number | undefined {
  if (value === undefined) return undefined;
  if (value === "main") return Table.MAIN;
  if (value === "local") return Table.LOCAL;
  if (value === "default") return Table.DEFAULT;
  return uint(value, 0xffffffff, "table");
}

function portRange(value: number | Range | undefined, what: string): Range | undefined {
  if (value === undefined) return undefined;
  const r = typeof value === "number" ? { start: value, end: value } : value;
  uint(r.start, 0xffff, what);
  uint(r.end, 0xffff, what);
  if (r.end < r.start) throw new TypeError(`${what} range ${r.start}-${r.end} is empty`);
  return r;
}

/**
 * Builds an `RTM_NEWRULE` (with defaults: `to_tbl` main) or `RTM_DELRULE`
 * (only what the spec names) request.
 *
 * @example
 * ```ts
 * import { encodeRuleRequest } from "@nlts/netlink/route";
 * const bytes = encodeRuleRequest(32, { priority: 100, src: "10.0.0.0/8", table: 100 }, 0x600);
 * bytes.length; // 52
 * ```
 */
export function encodeRuleRequest(type: number, spec: RuleSpec, flags = 0): Uint8Array {
  const adding = type === RTM.NEWRULE;
  const src = spec.src !== undefined ? v.parsePrefix(spec.src) : undefined;
  const dst = spec.dst !== undefined ? v.parsePrefix(spec.dst) : undefined;
  const family = spec.family !== undefined ? familyNumber(spec.family) : src?.family ?? dst?.family ?? AF.INET;
  if (family !== AF.INET && family !== AF.INET6) throw new TypeError(`rules are for inet or inet6, not ${spec.family}`);
  for (const p of [src, dst]) {
    if (p && p.family !== family) {
      throw new v.AddressError(`address family ${p.family} does not match rule family ${family}`);
    }
  }
  let action = spec.action;
  if (action === undefined && adding) action = spec.goto !== undefined ? "goto" : "to_tbl";
  const actionCode = action === undefined ? 0 : RuleActions[action];
  if (actionCode === undefined) throw new TypeError(`unknown rule action ${JSON.stringify(action)}`);
  let table = tableId(spec.table);
  if (table === undefined && adding && action === "to_tbl" && !spec.l3mdev) table = Table.MAIN;
  const priority = uint(spec.priority, 0xffffffff, "priority");
  const tos = uint(spec.tos, 255, "tos");
  const fwmark = uint(spec.fwmark, 0xffffffff, "fwmark");
  const fwmask = uint(spec.fwmask, 0xffffffff, "fwmask");
  const target = uint(spec.goto, 0xffffffff, "goto");
  if (action === "goto" && target === undefined && adding) throw new TypeError("a goto rule needs a goto target");
  const ipProto = uint(spec.ipProto, 255, "ipProto");
  const sport = portRange(spec.sport, "sport");
  const dport = portRange(spec.dport, "dport");
  const iif = ifname(spec.iif, "iif");
  const oif = ifname(spec.oif, "oif");
  const spl = uint(spec.suppressPrefixLength, family === AF.INET ? 32 : 128, "suppressPrefixLength");
  const sig = uint(spec.suppressIfGroup, 0xffffffff, "suppressIfGroup");
  const flow = uint(spec.flow, 0xffffffff, "flow");
  if (spec.uidRange) {
    uint(spec.uidRange.start, 0xffffffff, "uidRange");
    uint(spec.uidRange.end, 0xffffffff, "uidRange");
  }
  const m = new MessageWriter(type, flags);
  const hdr = m.struct(FRH_SIZE);
  hdr.setUint8(0, family);
  hdr.setUint8(1, dst?.length ?? 0);
  hdr.setUint8(2, src?.length ?? 0);
  hdr.setUint8(3, tos ?? 0);
  hdr.setUint8(4, table !== undefined && table < 256 ? table : 0);
  hdr.setUint8(7, actionCode);
  hdr.setUint32(8, spec.invert ? FIB_RULE.INVERT : 0, true);
  if (priority !== undefined) m.u32(FRA.PRIORITY, priority);
  if (src) m.attr(FRA.SRC, src.address);
  if (dst) m.attr(FRA.DST, dst.address);
  if (iif !== undefined) m.str(FRA.IIFNAME, iif);
  if (oif !== undefined) m.str(FRA.OIFNAME, oif);
  if (fwmark !== undefined) m.u32(FRA.FWMARK, fwmark);
  if (fwmask !== undefined) m.u32(FRA.FWMASK, fwmask);
  if (target !== undefined) m.u32(FRA.GOTO, target);
  if (table !== undefined) m.u32(FRA.TABLE, table);
  if (spec.protocol !== undefined) {
    let proto: number | undefined;
    if (typeof spec.protocol === "number") proto = uint(spec.protocol, 255, "protocol");
    else {
      proto = (RouteProtocol as Record<string, number>)[spec.protocol.toUpperCase()];
      if (proto === undefined) throw new TypeError(`unknown protocol ${JSON.stringify(spec.protocol)}`);
    }
    m.u8(FRA.PROTOCOL, proto!);
  }
  if (spec.l3mdev) m.u8(FRA.L3MDEV, 1);
  if (spec.uidRange) {
    const payload = new Uint8Array(8);
    const dv = new DataView(payload.buffer);
    dv.setUint32(0, spec.uidRange.start, true);
    dv.setUint32(4, spec.uidRange.end, true);
    m.attr(FRA.UID_RANGE, payload);
  }
  if (ipProto !== undefined) m.u8(FRA.IP_PROTO, ipProto);
  for (const [t, r] of [[FRA.SPORT_RANGE, sport], [FRA.DPORT_RANGE, dport]] as const) {
    if (!r) continue;
    const payload = new Uint8Array(4);
    const dv = new DataView(payload.buffer);
    dv.setUint16(0, r.start, true);
    dv.setUint16(2, r.end, true);
    m.attr(t, payload);
  }
  if (spl !== undefined) m.u32(FRA.SUPPRESS_PREFIXLEN, spl);
  if (sig !== undefined) m.u32(FRA.SUPPRESS_IFGROUP, sig);
  if (flow !== undefined) m.u32(FRA.FLOW, flow);
  return m.finish();
}

/**
 * Builds the `RTM_GETRULE` dump request (strict checking allows only a family).
 *
 * @example
 * ```ts
 * import { encodeRuleDump } from "@nlts/netlink/route";
 * encodeRuleDump("inet6").length; // 28
 * ```
 */
export function encodeRuleDump(family: RuleFamily = AF.UNSPEC): Uint8Array {
  const m = new MessageWriter(RTM.GETRULE, Flags.DUMP);
  m.struct(FRH_SIZE).setUint8(0, familyNumber(family));
  return m.finish();
}

/**
 * Lists rules, of one family or all (IPv4, IPv6 and multicast routing rules).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listRules } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const r of listRules(sock, { family: "inet" })) console.log(r.priority, r.action, r.table);
 * ```
 */
export async function* listRules(
  sock: NetlinkSocket,
  filter: { family?: RuleFamily; signal?: AbortSignal } = {},
): AsyncGenerator<Rule, void, undefined> {
  const request = encodeRuleDump(filter.family);
  for await (const msg of sock.dump(request, { signal: filter.signal })) {
    if (msg.type !== RTM.NEWRULE) continue;
    yield decodeRule(msg);
  }
}

/**
 * Adds a rule (`ip rule add`). Without `action`, the rule looks up `table`
 * (main by default).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addRule } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await addRule(sock, { priority: 100, src: "10.0.0.0/8", fwmark: 5, table: 100 });
 * ```
 */
export async function addRule(
  sock: NetlinkSocket,
  spec: RuleSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await sock.request(encodeRuleRequest(RTM.NEWRULE, spec, Flags.CREATE | Flags.EXCL), options);
}

/**
 * Deletes the first rule matching every field of `spec` (`ip rule del`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteRule } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await deleteRule(sock, { priority: 100 });
 * ```
 */
export async function deleteRule(
  sock: NetlinkSocket,
  spec: RuleSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await sock.request(encodeRuleRequest(RTM.DELRULE, spec), options);
}
