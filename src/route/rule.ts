/**
 * Policy routing rules (`ip rule`): `RTM_NEWRULE` / `RTM_DELRULE` /
 * `RTM_GETRULE` over `struct fib_rule_hdr`, from `linux/fib_rules.h`.
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { type AttrSet, decodeAttrsAt, defineAttrSet, defineStruct, writeAttrs } from "../wire/schema.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import * as v from "../wire/values.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { AF, RouteProtocol, RTM, Table } from "./constants.ts";
import { withJson } from "../wire/json.ts";

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

function actionName(n: number): RuleAction | number {
  for (const [name, value] of Object.entries(RuleActions)) if (value === n) return name as RuleAction;
  return n;
}

/** An enum's names in lower case, as iproute2 prints them. */
function lowerCased<T extends Record<string, number>>(table: T): { [K in keyof T & string as Lowercase<K>]: number } {
  return Object.fromEntries(Object.entries(table).map(([k, n]) => [k.toLowerCase(), n])) as never;
}

/** `struct fib_rule_uid_range`. */
const UID_RANGE = defineStruct({
  name: "fib_rule_uid_range",
  members: [{ name: "start", type: "u32" }, { name: "end", type: "u32" }],
});
/** `struct fib_rule_port_range`. */
const PORT_RANGE = defineStruct({
  name: "fib_rule_port_range",
  members: [{ name: "start", type: "u16" }, { name: "end", type: "u16" }],
});

const RULE_ATTRS = defineAttrSet({
  name: "rule",
  prefix: "FRA_",
  attributes: {
    dst: { id: FRA.DST, type: "ip" },
    src: { id: FRA.SRC, type: "ip" },
    iif: { id: FRA.IIFNAME, type: "string", cname: "FRA_IIFNAME" },
    goto: { id: FRA.GOTO, type: "u32" },
    priority: { id: FRA.PRIORITY, type: "u32" },
    fwmark: { id: FRA.FWMARK, type: "u32" },
    flow: { id: FRA.FLOW, type: "u32" },
    tunId: { id: FRA.TUN_ID, type: "u64", "byte-order": "big-endian" },
    suppressIfGroup: { id: FRA.SUPPRESS_IFGROUP, type: "u32", cname: "FRA_SUPPRESS_IFGROUP" },
    suppressPrefixLength: { id: FRA.SUPPRESS_PREFIXLEN, type: "u32", cname: "FRA_SUPPRESS_PREFIXLEN" },
    table: { id: FRA.TABLE, type: "u32" },
    fwmask: { id: FRA.FWMASK, type: "u32" },
    oif: { id: FRA.OIFNAME, type: "string", cname: "FRA_OIFNAME" },
    pad: { id: FRA.PAD, type: "pad" },
    l3mdev: { id: FRA.L3MDEV, type: "u8", as: "boolean" },
    uidRange: { id: FRA.UID_RANGE, type: "binary", struct: UID_RANGE },
    protocol: { id: FRA.PROTOCOL, type: "u8", enum: lowerCased(RouteProtocol) },
    ipProto: { id: FRA.IP_PROTO, type: "u8" },
    sport: { id: FRA.SPORT_RANGE, type: "binary", struct: PORT_RANGE, cname: "FRA_SPORT_RANGE" },
    dport: { id: FRA.DPORT_RANGE, type: "binary", struct: PORT_RANGE, cname: "FRA_DPORT_RANGE" },
  },
});

/** The `FRA_*` attributes of a rule message. */
export const ruleAttrs: AttrSet = RULE_ATTRS;

/** The address of a prefix attribute, which must be of the rule's family. */
function prefixAddress(address: string, family: number, what: string): string {
  const six = address.includes(":");
  if ((family === AF.INET && six) || (family === AF.INET6 && !six)) {
    throw new ParseError(`${what} of ${six ? 16 : 4} bytes does not fit family ${family}`, 0);
  }
  return address;
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
  const { priority, table, l3mdev, src, dst, iif, oif, suppressPrefixLength, suppressIfGroup, unknown, ...rest } =
    decodeAttrsAt(RULE_ATTRS, p, FRH_SIZE, p.length, 16 + FRH_SIZE);
  const rule: Rule = {
    family: FAMILY_NAMES[family] ?? family,
    priority: priority ?? 0,
    table: table ?? p[4],
    action: actionName(p[7]),
    invert: (flags & FIB_RULE.INVERT) !== 0,
    flags,
    srcLength: p[2],
    dstLength: p[1],
    tos: p[3],
    l3mdev: l3mdev ?? false,
    ...(rest as Pick<Rule, "goto" | "fwmark" | "fwmask" | "flow" | "tunId" | "uidRange" | "protocol" | "ipProto">),
    unknown: unknown ?? [],
  };
  if (src !== undefined) rule.src = prefixAddress(src, family, "FRA_SRC");
  if (dst !== undefined) rule.dst = prefixAddress(dst, family, "FRA_DST");
  if (iif !== undefined) {
    rule.iif = iif;
    rule.iifDetached = (flags & FIB_RULE.IIF_DETACHED) !== 0;
  }
  if (oif !== undefined) {
    rule.oif = oif;
    rule.oifDetached = (flags & FIB_RULE.OIF_DETACHED) !== 0;
  }
  if (rest.sport) rule.sport = rest.sport;
  if (rest.dport) rule.dport = rest.dport;
  // All ones is "not set".
  if (suppressPrefixLength !== undefined && suppressPrefixLength !== 0xffffffff) {
    rule.suppressPrefixLength = suppressPrefixLength;
  }
  if (suppressIfGroup !== undefined && suppressIfGroup !== 0xffffffff) rule.suppressIfGroup = suppressIfGroup;
  return withJson(rule);
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
  let protocol: number | undefined;
  if (typeof spec.protocol === "number") protocol = uint(spec.protocol, 255, "protocol");
  else if (spec.protocol !== undefined) {
    protocol = (RouteProtocol as Record<string, number>)[spec.protocol.toUpperCase()];
    if (protocol === undefined) throw new TypeError(`unknown protocol ${JSON.stringify(spec.protocol)}`);
  }
  writeAttrs(m, RULE_ATTRS, {
    priority,
    src: src && v.ip(src.address),
    dst: dst && v.ip(dst.address),
    iif,
    oif,
    fwmark,
    fwmask,
    goto: target,
    table,
    protocol,
    l3mdev: spec.l3mdev ? true : undefined,
    uidRange: spec.uidRange,
    ipProto,
    sport,
    dport,
    suppressPrefixLength: spl,
    suppressIfGroup: sig,
    flow,
  }, "rule");
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
