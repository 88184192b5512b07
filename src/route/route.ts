/**
 * Routes of NETLINK_ROUTE (`RTM_NEWROUTE` / `RTM_DELROUTE` / `RTM_GETROUTE`):
 * decoding with iproute2's names, streaming dumps filtered by the kernel
 * where it can, `ip route get`, and add / replace / append / delete.
 *
 * Layouts and numbers are from `linux/rtnetlink.h` (`struct rtmsg`,
 * `RTA_*`, `RTAX_*`, `struct rtnexthop`, `struct rtvia`,
 * `struct rta_cacheinfo`), `linux/in_route.h` (`RTCF_*`) and
 * `linux/icmpv6.h` (router preferences).
 *
 * @module
 */
import type { Attr, AttrWriter } from "../wire/attrs.ts";
import { Flags, NLMSG_HDRLEN } from "../wire/constants.ts";
import {
  attributePathName,
  type AttrSet,
  type Codec,
  decodeAttrs,
  decodeAttrsAt,
  decodeAttrsInto,
  defineAttrSet,
} from "../wire/schema.ts";
import { NetlinkError, ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import { AddressError, ip as formatIP, mac as formatHex, parseIP, parsePrefix, u32At } from "../wire/values.ts";
import { rememberedNames } from "../wire/names.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { AF, RouteProtocol, RouteType, RTM, Scope, Table } from "./constants.ts";
import { withJsonIfNeeded } from "../wire/json.ts";
import { eachOf } from "../socket/batches.ts";

/** Size of `struct rtmsg`. */
const RTMSG_SIZE = 12;

/** `RTA_*` route attribute numbers (`enum rtattr_type_t`). */
export const RTA = {
  UNSPEC: 0,
  DST: 1,
  SRC: 2,
  IIF: 3,
  OIF: 4,
  GATEWAY: 5,
  PRIORITY: 6,
  PREFSRC: 7,
  METRICS: 8,
  MULTIPATH: 9,
  PROTOINFO: 10,
  FLOW: 11,
  CACHEINFO: 12,
  SESSION: 13,
  MP_ALGO: 14,
  TABLE: 15,
  MARK: 16,
  MFC_STATS: 17,
  VIA: 18,
  NEWDST: 19,
  PREF: 20,
  ENCAP_TYPE: 21,
  ENCAP: 22,
  EXPIRES: 23,
  PAD: 24,
  UID: 25,
  TTL_PROPAGATE: 26,
  IP_PROTO: 27,
  SPORT: 28,
  DPORT: 29,
  NH_ID: 30,
  FLOWLABEL: 31,
} as const;

/** `RTAX_*` metric numbers inside `RTA_METRICS`, by the name {@link RouteMetrics} uses. */
export const RTAX = {
  lock: 1,
  mtu: 2,
  window: 3,
  rtt: 4,
  rttvar: 5,
  ssthresh: 6,
  cwnd: 7,
  advmss: 8,
  reordering: 9,
  hoplimit: 10,
  initcwnd: 11,
  features: 12,
  rtoMin: 13,
  initrwnd: 14,
  quickack: 15,
  congestion: 16,
  fastopenNoCookie: 17,
} as const;

/** `RTNH_F_*` next-hop flags and `RTM_F_*` route flags, by iproute2's names where it has them. */
export const RouteFlag = {
  dead: 0x1,
  pervasive: 0x2,
  onlink: 0x4,
  offload: 0x8,
  linkdown: 0x10,
  unresolved: 0x20,
  trap: 0x40,
  notify: 0x100,
  cloned: 0x200,
  equalize: 0x400,
  prefix: 0x800,
  lookup_table: 0x1000,
  fib_match: 0x2000,
  rt_offload: 0x4000,
  rt_trap: 0x8000,
  rt_offload_failed: 0x20000000,
} as const;

/** A flag name of {@link RouteFlag}. */
export type RouteFlagName = keyof typeof RouteFlag;

/** `RTCF_*` flags of a cached IPv4 route (upper bits of `rtm_flags`), by iproute2's names. */
const CACHE_FLAGS: [number, string][] = [
  [0x80000000, "local"],
  [0x40000000, "reject"],
  [0x20000000, "mc"],
  [0x10000000, "brd"],
  [0x08000000, "dst-nat"],
  [0x00800000, "src-nat"],
  [0x00400000, "masq"],
  [0x00020000, "dst-direct"],
  [0x04000000, "src-direct"],
  [0x00040000, "redirected"],
  [0x01000000, "redirect"],
  [0x00200000, "fastroute"],
  [0x00010000, "notify"],
  [0x00080000, "proxy"],
];

/** Address family of a route, by name (`"inet"`, `"inet6"`…); a number when unnamed. */
export type RouteFamily = "inet" | "inet6" | "mpls" | "bridge" | "ipmr" | "ip6mr" | number;

const FAMILY_NAMES: Record<number, Exclude<RouteFamily, number>> = {
  2: "inet",
  10: "inet6",
  28: "mpls",
  7: "bridge",
  128: "ipmr",
  129: "ip6mr",
};

/** `rtm_type` by name. */
export type RouteTypeName =
  | "unspec"
  | "unicast"
  | "local"
  | "broadcast"
  | "anycast"
  | "multicast"
  | "blackhole"
  | "unreachable"
  | "prohibit"
  | "throw"
  | "nat"
  | "xresolve";

/** Protocol names as in iproute2's `rt_protos` (and the uapi `RTPROT_*`). */
export type RouteProtocolName = Lowercase<keyof typeof RouteProtocol>;

/** Scope names as iproute2 prints them (`"universe"` is accepted as input for `"global"`). */
export type RouteScopeName = "global" | "site" | "link" | "host" | "nowhere";

/** IPv6 router preference (`RTA_PREF`). */
export type RoutePref = "low" | "medium" | "high";

const PREF_VALUE: Record<RoutePref, number> = { medium: 0, high: 1, low: 3 };
const PREF_NAME = new Map(Object.entries(PREF_VALUE).map(([name, value]) => [value, name as RoutePref]));

/**
 * The name of an `RTA_PREF` value, or `undefined` for one the kernel does not define.
 *
 * @example
 * ```ts
 * import { routePrefName } from "./route.ts";
 * routePrefName(3); // "low"
 * ```
 */
export function routePrefName(value: number): RoutePref | undefined {
  return PREF_NAME.get(value);
}

function lowerKeys<T extends Record<string, number>>(table: T): Map<number, string> {
  const out = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) if (!out.has(v)) out.set(v, k.toLowerCase());
  return out;
}
const TYPE_NAMES = lowerKeys(RouteType);
const PROTOCOL_NAMES = lowerKeys(RouteProtocol);
const SCOPE_NAMES = new Map<number, RouteScopeName>([
  [Scope.UNIVERSE, "global"],
  [Scope.SITE, "site"],
  [Scope.LINK, "link"],
  [Scope.HOST, "host"],
  [Scope.NOWHERE, "nowhere"],
]);
/** The same names indexed by number (0..255): what a dump reads per route, faster than a Map. */
function byNumber<N extends string>(names: Map<number, N>): (N | undefined)[] {
  const out = new Array<N | undefined>(256).fill(undefined);
  for (const [n, name] of names) out[n] = name;
  return out;
}
const TYPE_BY_NUMBER = byNumber(TYPE_NAMES);
const PROTOCOL_BY_NUMBER = byNumber(PROTOCOL_NAMES);
const SCOPE_BY_NUMBER = byNumber(SCOPE_NAMES);

function lookup(names: Map<number, string>, value: string | number, what: string, max: number): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new TypeError(`${what} ${value} is out of range`);
    return value;
  }
  for (const [n, name] of names) if (name === value) return n;
  if (/^\d+$/.test(value) && Number(value) <= max) return Number(value);
  throw new TypeError(`unknown ${what} ${JSON.stringify(value)}`);
}

/** Number of a route type name. @example `routeTypeNumber("blackhole") // 6` */
export function routeTypeNumber(type: RouteTypeName | number): number {
  return lookup(TYPE_NAMES, type, "route type", 255);
}
/** Number of a protocol name. @example `routeProtocolNumber("static") // 4` */
export function routeProtocolNumber(protocol: RouteProtocolName | number): number {
  return lookup(PROTOCOL_NAMES, protocol, "route protocol", 255);
}
/** Number of a scope name. @example `routeScopeNumber("link") // 253` */
export function routeScopeNumber(scope: RouteScopeName | "universe" | number): number {
  return lookup(SCOPE_NAMES, scope === "universe" ? "global" : scope, "scope", 255);
}

/** Name of a protocol number as iproute2 prints it; the number when unnamed. @example `routeProtocolName(186) // "bgp"` */
export function routeProtocolName(n: number): RouteProtocolName | number {
  return (PROTOCOL_BY_NUMBER[n] as RouteProtocolName | undefined) ?? n;
}
/** Name of a route type number; the number when unnamed. @example `routeTypeName(2) // "local"` */
export function routeTypeName(n: number): RouteTypeName | number {
  return (TYPE_BY_NUMBER[n] as RouteTypeName | undefined) ?? n;
}
/** Name of a scope number; the number when unnamed. @example `routeScopeName(253) // "link"` */
export function routeScopeName(n: number): RouteScopeName | number {
  return SCOPE_BY_NUMBER[n] ?? n;
}

/** Metrics of a route (`RTA_METRICS`), in the kernel's own units. */
export interface RouteMetrics {
  /** Path MTU (`RTAX_MTU`). */
  mtu?: number;
  /** Window clamp (`RTAX_WINDOW`). */
  window?: number;
  /** Initial RTT in units of 1/8 ms, as the kernel keeps it (iproute2 prints `rtt / 8` ms). */
  rtt?: number;
  /** Initial RTT variance in units of 1/4 ms (iproute2 prints `rttvar / 4` ms). */
  rttvar?: number;
  /** Initial slow-start threshold. */
  ssthresh?: number;
  /** Congestion window clamp. */
  cwnd?: number;
  /** Advertised MSS. */
  advmss?: number;
  /** Maximal reordering. */
  reordering?: number;
  /** Hop limit / TTL. */
  hoplimit?: number;
  /** Initial congestion window. */
  initcwnd?: number;
  /** `RTAX_FEATURE_*` bits (0x1: ECN). */
  features?: number;
  /** Minimal RTO in ms. */
  rtoMin?: number;
  /** Initial receive window. */
  initrwnd?: number;
  /** Quick ACK (0 or 1). */
  quickack?: number;
  /** Congestion control algorithm (`RTAX_CC_ALGO`). */
  congestion?: string;
  /** TCP fast open without cookie. */
  fastopenNoCookie?: number;
  /** Metrics locked against changes by the kernel (`RTAX_LOCK` bits), by name. */
  locked?: MetricName[];
  /** Metrics this library does not know, raw. */
  unknown?: Attr[];
}

/** A metric's name in {@link RouteMetrics}. */
export type MetricName = Exclude<keyof typeof RTAX, "lock">;

const METRIC_BY_NUMBER = new Map<number, MetricName>(
  Object.entries(RTAX).filter(([k]) => k !== "lock").map(([k, v]) => [v, k as MetricName]),
);

/** One path of a multipath route (`struct rtnexthop` in `RTA_MULTIPATH`). */
export interface RouteNexthop {
  /** Gateway (from `RTA_GATEWAY`, or `RTA_VIA` when its family differs from the route's). */
  gateway?: string;
  /** Family of an `RTA_VIA` gateway (set only for `RTA_VIA`). */
  viaFamily?: RouteFamily;
  /** Output interface index (`rtnh_ifindex`). */
  ifindex: number;
  /** Weight, `rtnh_hops + 1` (1–256). */
  weight: number;
  /** `RTNH_F_*` flags by name. */
  flags: RouteFlagName[];
  /** Realms (`RTA_FLOW`). */
  flow?: number;
  /** Lightweight tunnel encapsulation, raw. */
  encap?: RouteEncap;
  /** Attributes this library does not know, raw. */
  unknown?: Attr[];
}

/**
 * A lightweight tunnel encapsulation (`RTA_ENCAP_TYPE` and the nested
 * `RTA_ENCAP`): the raw payload always, and decoded where this library
 * knows the type (today `ip` and `ip6`).
 */
export interface RouteEncap {
  /** `LWTUNNEL_ENCAP_*` type (1 MPLS, 2 IP, 5 SEG6…). */
  type: number;
  /** The type by iproute2's name (`"mpls"`, `"ip"`, `"ip6"`, `"seg6"`, `"bpf"`, `"seg6local"`…), when known. */
  kind?: string;
  /** The payload of `RTA_ENCAP` (a nested attribute list). */
  data: Uint8Array;
  /** `LWTUNNEL_IP_*` / `LWTUNNEL_IP6_*` of an `ip` or `ip6` encapsulation, named as `ip -j route` names them. */
  ip?: RouteEncapIp;
  /** The segment routing header of a `seg6` encapsulation (`SEG6_IPTUNNEL_SRH`), as `ip -j route` shows it. */
  seg6?: RouteEncapSeg6;
  /** A `seg6local` encapsulation (`SEG6_LOCAL_*`): the SRv6 behaviour, as `ip -j route` shows it. */
  seg6local?: RouteEncapSeg6Local;
  /** A `bpf` encapsulation (`LWT_BPF_*`): the programs by hook, and the headroom. */
  bpf?: RouteEncapBpf;
}

/** A segment routing header (`struct ipv6_sr_hdr`) as `ip -j route` shows it. */
export interface RouteSrh {
  /** The segments in the order they are visited (the header keeps them reversed). */
  segs: string[];
  /** `struct ipv6_sr_hdr` flags. */
  flags: number;
  /** `struct ipv6_sr_hdr` tag. */
  tag: number;
  /**
   * The key id of the header's HMAC TLV (`struct sr6_tlv_hmac`, the header's
   * last 40 bytes), present when the flags say the header carries one
   * (`SR6_FLAG1_HMAC`); `ip` prints it as `hmac 0x5`.
   */
  hmac?: number;
}

/** A `seg6local` encapsulation (`linux/seg6_local.h`); fields present as the action needs them. */
export interface RouteEncapSeg6Local {
  /** `SEG6_LOCAL_ACTION_*` by iproute2's name (`"End"`, `"End.X"`, `"End.DT6"`, `"End.B6.Encaps"`…), or the number. */
  action: string | number;
  /** The header an `End.B6` / `End.B6.Encaps` behaviour pushes. */
  srh?: RouteSrh;
  /** Table looked up (`End.T`, `End.DT6`). */
  table?: number;
  /** IPv4 next hop (`End.DX4`). */
  nh4?: string;
  /** IPv6 next hop (`End.X`, `End.DX6`). */
  nh6?: string;
  /** Incoming interface index. */
  iif?: number;
  /** Outgoing interface index (`End.DX2`). */
  oif?: number;
  /** VRF table (`End.DT4`, `End.DT6`, `End.DT46` in VRF mode). */
  vrftable?: number;
  /** The program of `End.BPF`: its name and id. */
  bpf?: { id?: number; name?: string };
  /** Counters (`count`), as `ip -s` shows them under `stats64`. */
  counters?: { packets?: bigint; bytes?: bigint; errors?: bigint };
  /** SRv6 flavors: the operations (`"psp"`, `"usp"`, `"usd"`, `"next-csid"`) and the NEXT-C-SID lengths. */
  flavors?: { operation?: (string | number)[]; lblen?: number; nflen?: number };
  /** Attributes this library does not know, raw. */
  unknown?: Attr[];
}

/** A `bpf` encapsulation (`linux/lwtunnel.h`): the program at each hook, and the headroom of `xmit`. */
export interface RouteEncapBpf {
  /** The program run on input. */
  in?: RouteBpfProgram;
  /** The program run on output. */
  out?: RouteBpfProgram;
  /** The program run on transmit. */
  xmit?: RouteBpfProgram;
  /** Headroom reserved for `xmit` (bytes). */
  headroom?: number;
  /** Attributes this library does not know, raw. */
  unknown?: Attr[];
}

/** A program of a `bpf` encapsulation (`LWT_BPF_PROG_*`): the kernel reports its name. */
export interface RouteBpfProgram {
  /** Program name (`LWT_BPF_PROG_NAME`). */
  name?: string;
  /** Program file descriptor (`LWT_BPF_PROG_FD`: requests only, the kernel does not report it). */
  fd?: number;
  /** Attributes this library does not know, raw. */
  unknown?: Attr[];
}

/** A `seg6` encapsulation: `struct seg6_iptunnel_encap` (`linux/seg6_iptunnel.h`, `linux/seg6.h`). */
export interface RouteEncapSeg6 extends RouteSrh {
  /** `SEG6_IPTUN_MODE_*` by iproute2's name (`"inline"`, `"encap"`, `"l2encap"`, `"encap.red"`, `"l2encap.red"`), or the number. */
  mode: string | number;
}

/** The tunnel of an `ip` / `ip6` encapsulation (`LWTUNNEL_IP_*`, `LWTUNNEL_IP6_*`). */
export interface RouteEncapIp {
  /** Tunnel id (`LWTUNNEL_IP_ID`, a big-endian u64). */
  id?: number;
  /** Tunnel destination. */
  dst?: string;
  /** Tunnel source. */
  src?: string;
  /** TTL (`ip`). */
  ttl?: number;
  /** TOS (`ip`). */
  tos?: number;
  /** Hop limit (`ip6`). */
  hoplimit?: number;
  /** Traffic class (`ip6`). */
  tc?: number;
  /** `TUNNEL_*` flags (big-endian u16). */
  flags?: number;
  /** Attributes this library does not know (`LWTUNNEL_IP_OPTS`…), raw. */
  unknown?: Attr[];
}

/** `LWTUNNEL_ENCAP_*` by iproute2's name. */
const ENCAP_KINDS = ["none", "mpls", "ip", "ila", "ip6", "seg6", "bpf", "seg6local", "rpl", "ioam6", "xfrm"];

/** `LWTUNNEL_IP_*` (`linux/lwtunnel.h`). */
const ENCAP_IP_ATTRS = defineAttrSet({
  name: "encap-ip",
  prefix: "LWTUNNEL_IP_",
  attributes: {
    id: { id: 1, type: "u64", "byte-order": "big-endian", as: "number" },
    dst: { id: 2, type: "ip" },
    src: { id: 3, type: "ip" },
    ttl: { id: 4, type: "u8" },
    tos: { id: 5, type: "u8" },
    flags: { id: 6, type: "u16", "byte-order": "big-endian" },
    pad: { id: 7, type: "pad" },
  },
});

/** `LWTUNNEL_IP6_*` (`linux/lwtunnel.h`). */
const ENCAP_IP6_ATTRS = defineAttrSet({
  name: "encap-ip6",
  prefix: "LWTUNNEL_IP6_",
  attributes: {
    id: { id: 1, type: "u64", "byte-order": "big-endian", as: "number" },
    dst: { id: 2, type: "ip" },
    src: { id: 3, type: "ip" },
    hoplimit: { id: 4, type: "u8" },
    tc: { id: 5, type: "u8" },
    flags: { id: 6, type: "u16", "byte-order": "big-endian" },
    pad: { id: 7, type: "pad" },
  },
});

const SEG6_MODES = ["inline", "encap", "l2encap", "encap.red", "l2encap.red"];

/** Reads `struct ipv6_sr_hdr` and its segments at `at` of `b`; `what` names it in errors. */
function readSrh(b: Uint8Array, at: number, what: string): RouteSrh {
  if (b.length - at < 8) throw new ParseError(`${what} of ${b.length - at} bytes is shorter than its header`, 0);
  const first = b[at + 4];
  if (b.length - at < 8 + (first + 1) * 16) {
    throw new ParseError(`${what} of ${b.length - at} bytes holds no ${first + 1} segments`, 0);
  }
  const segs: string[] = [];
  for (let i = first; i >= 0; i--) segs.push(formatIP(b.subarray(at + 8 + 16 * i, at + 24 + 16 * i)));
  const srh: RouteSrh = { segs, flags: b[at + 5], tag: b[at + 6] | (b[at + 7] << 8) };
  if (srh.flags & SR6_FLAG1_HMAC) {
    // The TLV is the header's last 40 bytes ((hdrlen + 1) * 8 in all); its key id is at offset 4, big-endian.
    const key = at + ((b[at + 1] + 1) << 3) - 40 + 4;
    if (key >= at + 8 && key + 4 <= b.length) {
      srh.hmac = ((b[key] << 24) | (b[key + 1] << 16) | (b[key + 2] << 8) | b[key + 3]) >>> 0;
    }
  }
  return srh;
}

/** `SR6_FLAG1_HMAC` of `struct ipv6_sr_hdr`: an HMAC TLV ends the header. */
const SR6_FLAG1_HMAC = 0x08;

/** `struct seg6_iptunnel_encap`: an `int` mode, then `struct ipv6_sr_hdr` and its segments. */
const SEG6_SRH: Codec<RouteEncapSeg6> = {
  decode(b) {
    if (b.length < 12) throw new ParseError(`SEG6_IPTUNNEL_SRH of ${b.length} bytes is shorter than its header`, 0);
    const mode = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    return { mode: SEG6_MODES[mode] ?? mode, ...readSrh(b, 4, "SEG6_IPTUNNEL_SRH") };
  },
};

/** `SEG6_IPTUNNEL_*` (`linux/seg6_iptunnel.h`). */
const ENCAP_SEG6_ATTRS = defineAttrSet({
  name: "encap-seg6",
  prefix: "SEG6_IPTUNNEL_",
  attributes: { srh: { id: 1, type: "binary", codec: SEG6_SRH } },
});

/** `SEG6_LOCAL_ACTION_*` by iproute2's name. */
const SEG6_LOCAL_ACTIONS = [
  null,
  "End",
  "End.X",
  "End.T",
  "End.DX2",
  "End.DX6",
  "End.DX4",
  "End.DT6",
  "End.DT4",
  "End.B6",
  "End.B6.Encaps",
  "End.BM",
  "End.S",
  "End.AS",
  "End.AM",
  "End.BPF",
  "End.DT46",
];

/** `SEG6_LOCAL_*` (`linux/seg6_local.h`). */
const ENCAP_SEG6LOCAL_ATTRS = defineAttrSet({
  name: "encap-seg6local",
  prefix: "SEG6_LOCAL_",
  attributes: {
    action: { id: 1, type: "u32", enum: SEG6_LOCAL_ACTIONS },
    srh: { id: 2, type: "binary", codec: { decode: (b) => readSrh(b, 0, "SEG6_LOCAL_SRH") } as Codec<RouteSrh> },
    table: { id: 3, type: "u32" },
    nh4: { id: 4, type: "ip" },
    nh6: { id: 5, type: "ip" },
    iif: { id: 6, type: "u32" },
    oif: { id: 7, type: "u32" },
    bpf: {
      id: 8,
      type: "nest",
      nested: defineAttrSet({
        name: "seg6local-bpf",
        prefix: "SEG6_LOCAL_BPF_PROG_",
        attributes: { id: { id: 1, type: "u32", cname: "SEG6_LOCAL_BPF_PROG" }, name: { id: 2, type: "string" } },
      }),
    },
    vrftable: { id: 9, type: "u32" },
    counters: {
      id: 10,
      type: "nest",
      nested: defineAttrSet({
        name: "seg6local-counters",
        prefix: "SEG6_LOCAL_CNT_",
        attributes: {
          pad: { id: 1, type: "pad" },
          packets: { id: 2, type: "u64" },
          bytes: { id: 3, type: "u64" },
          errors: { id: 4, type: "u64" },
        },
      }),
    },
    flavors: {
      id: 11,
      type: "nest",
      nested: defineAttrSet({
        name: "seg6local-flavors",
        prefix: "SEG6_LOCAL_FLV_",
        attributes: {
          operation: { id: 1, type: "u32", flags: [null, "psp", "usp", "usd", "next-csid"] },
          lblen: { id: 2, type: "u8", cname: "SEG6_LOCAL_FLV_LCBLOCK_BITS" },
          nflen: { id: 3, type: "u8", cname: "SEG6_LOCAL_FLV_LCNODE_FN_BITS" },
        },
      }),
    },
  },
});

/** `LWT_BPF_PROG_*` (`linux/lwtunnel.h`). */
const LWT_BPF_PROG_ATTRS = defineAttrSet({
  name: "lwt-bpf-prog",
  prefix: "LWT_BPF_PROG_",
  attributes: { fd: { id: 1, type: "u32" }, name: { id: 2, type: "string" } },
});

/** `LWT_BPF_*` (`linux/lwtunnel.h`). */
const ENCAP_BPF_ATTRS = defineAttrSet({
  name: "encap-bpf",
  prefix: "LWT_BPF_",
  attributes: {
    in: { id: 1, type: "nest", nested: LWT_BPF_PROG_ATTRS },
    out: { id: 2, type: "nest", nested: LWT_BPF_PROG_ATTRS },
    xmit: { id: 3, type: "nest", nested: LWT_BPF_PROG_ATTRS },
    headroom: { id: 4, type: "u32", cname: "LWT_BPF_XMIT_HEADROOM" },
  },
});

/** An `RTA_ENCAP` payload of `type`: kept raw, and decoded where the type is known (nexthops use it too). */
export function decodeEncap(type: number, data: Uint8Array): RouteEncap {
  const encap: RouteEncap = { type, data };
  const kind = ENCAP_KINDS[type];
  if (kind !== undefined) encap.kind = kind;
  if (type === 2) encap.ip = decodeAttrs(ENCAP_IP_ATTRS, data) as RouteEncapIp;
  else if (type === 4) encap.ip = decodeAttrs(ENCAP_IP6_ATTRS, data) as RouteEncapIp;
  else if (type === 5) {
    const srh = decodeAttrs(ENCAP_SEG6_ATTRS, data).srh as RouteEncapSeg6 | undefined;
    if (srh) encap.seg6 = srh;
  } else if (type === 6) encap.bpf = decodeAttrs(ENCAP_BPF_ATTRS, data) as RouteEncapBpf;
  else if (type === 7) {
    const local = decodeAttrs(ENCAP_SEG6LOCAL_ATTRS, data) as Partial<RouteEncapSeg6Local>;
    if (local.action === undefined) throw new ParseError("seg6local encapsulation without SEG6_LOCAL_ACTION", 0);
    encap.seg6local = local as RouteEncapSeg6Local;
  }
  return encap;
}

/** `struct rta_cacheinfo`. Times are in clock ticks of 1/100 s (USER_HZ). */
export interface RouteCacheInfo {
  /** References held on the route (`rta_clntref`). */
  clntref: number;
  /** Ticks since last use. */
  lastuse: number;
  /** Ticks until expiry (0: never; signed). */
  expires: number;
  /** Error of the route (`rta_error`). */
  error: number;
  /** Times used. */
  used: number;
  /** IP id (IPv4 cache entries). */
  id: number;
  /** TCP timestamp (obsolete, 0). */
  ts: number;
  /** Age of the timestamp (obsolete, 0). */
  tsage: number;
}

/** A route as the kernel reports it. */
export interface Route {
  /** Address family. */
  family: RouteFamily;
  /** Routing table id (`RTA_TABLE` when present, else `rtm_table`). 254 is main, 255 local. */
  table: number;
  /** Installing protocol, named like iproute2 (`"kernel"`, `"boot"`, `"static"`…), a number when unnamed. */
  protocol: RouteProtocolName | number;
  /** Scope by name (`"global"`, `"link"`, `"host"`…). */
  scope: RouteScopeName | number;
  /** Route type by name. */
  type: RouteTypeName | number;
  /** `rtm_tos`. */
  tos: number;
  /** Destination address (absent for a default route). */
  dst?: string;
  /** Destination prefix length. */
  dstLength: number;
  /** Source prefix (IPv6 source routing). */
  src?: string;
  /** Source prefix length. */
  srcLength: number;
  /** Preferred source address (`RTA_PREFSRC`). */
  prefsrc?: string;
  /** Gateway (`RTA_GATEWAY`, or `RTA_VIA`: an IPv6 gateway of an IPv4 route). */
  gateway?: string;
  /** Family of an `RTA_VIA` gateway (set only for `RTA_VIA`). */
  viaFamily?: RouteFamily;
  /** Output interface index. */
  oif?: number;
  /** Input interface index (`ip route get … iif`). */
  iif?: number;
  /** Metric (`RTA_PRIORITY`). */
  priority?: number;
  /** IPv6 router preference. */
  pref?: RoutePref | number;
  /** Paths of a multipath route (also reported for routes using a nexthop group). */
  multipath?: RouteNexthop[];
  /** Metrics. */
  metrics?: RouteMetrics;
  /** Nexthop object id (`RTA_NH_ID`). */
  nexthopId?: number;
  /** Seconds until the route expires (from the cache info, or `RTA_EXPIRES`). */
  expires?: number;
  /** `RTNH_F_*` / `RTM_F_*` flags by name. */
  flags: RouteFlagName[];
  /** `RTCF_*` flags of a cached IPv4 route (`ip route get`), iproute2's names. */
  cache?: string[];
  /** Cache info. */
  cacheInfo?: RouteCacheInfo;
  /** Firewall mark (`RTA_MARK`). */
  mark?: number;
  /** User id (`RTA_UID`). */
  uid?: number;
  /** Realms (`RTA_FLOW`). */
  flow?: number;
  /** Lightweight tunnel encapsulation, raw. */
  encap?: RouteEncap;
  /** Attributes this library does not know, raw and in wire order. */
  unknown?: Attr[];
}

/** {@link FAMILY_NAMES} indexed by number (0..255). */
const FAMILY_BY_NUMBER = byNumber(new Map(Object.entries(FAMILY_NAMES).map(([n, name]) => [Number(n), name])));

function familyName(n: number): RouteFamily {
  return FAMILY_BY_NUMBER[n] ?? n;
}

function formatAddress(bytes: Uint8Array): string {
  return bytes.length === 4 || bytes.length === 16 ? formatIP(bytes) : formatHex(bytes);
}

const FLAG_ENTRIES = Object.entries(RouteFlag) as [RouteFlagName, number][];

/** The names of each `rtm_flags` value, worked out once: a dump's routes share a few values. */
const rememberedFlagNames = rememberedNames((flags) => {
  const out: RouteFlagName[] = [];
  for (const [name, bit] of FLAG_ENTRIES) if (flags & bit) out.push(name);
  return out;
});

/**
 * The names of the `rtm_flags` bits set in `flags`, as a decoded route's
 * `flags` holds them.
 *
 * @example
 * ```ts
 * import { routeFlagNames } from "./route.ts";
 * routeFlagNames(0x10); // ["linkdown"]
 * ```
 */
export function routeFlagNames(flags: number): RouteFlagName[] {
  return flagNames(flags);
}

function flagNames(flags: number): RouteFlagName[] {
  if (flags === 0) return []; // most routes
  return rememberedFlagNames(flags); // each route its own array
}

function decodeVia(value: Uint8Array): { gateway: string; viaFamily: RouteFamily } {
  if (value.length < 2) throw new ParseError(`RTA_VIA of ${value.length} bytes is shorter than its family`, 0);
  const family = value[0] | (value[1] << 8);
  return { gateway: formatAddress(value.subarray(2)), viaFamily: familyName(family) };
}

/** `RTAX_*` metrics (`RTA_METRICS`), keyed as {@link RouteMetrics}; `lock` becomes `locked`. */
const METRIC_ATTRS = defineAttrSet({
  name: "metrics",
  prefix: "RTAX_",
  attributes: {
    lock: { id: 1, type: "u32" },
    mtu: { id: 2, type: "u32" },
    window: { id: 3, type: "u32" },
    rtt: { id: 4, type: "u32" },
    rttvar: { id: 5, type: "u32" },
    ssthresh: { id: 6, type: "u32" },
    cwnd: { id: 7, type: "u32" },
    advmss: { id: 8, type: "u32" },
    reordering: { id: 9, type: "u32" },
    hoplimit: { id: 10, type: "u32" },
    initcwnd: { id: 11, type: "u32" },
    features: { id: 12, type: "u32" },
    rtoMin: { id: 13, type: "u32", cname: "RTAX_RTO_MIN" },
    initrwnd: { id: 14, type: "u32" },
    quickack: { id: 15, type: "u32" },
    congestion: { id: 16, type: "string", cname: "RTAX_CC_ALGO" },
    fastopenNoCookie: { id: 17, type: "u32" },
  },
});

function decodeMetrics(bytes: Uint8Array): RouteMetrics {
  const m = decodeAttrs(METRIC_ATTRS, bytes) as RouteMetrics & { lock?: number };
  if (m.lock !== undefined) {
    const lock = m.lock;
    delete m.lock;
    const locked: MetricName[] = [];
    for (const [n, name] of METRIC_BY_NUMBER) if (lock & (1 << n)) locked.push(name);
    if (locked.length) m.locked = locked;
  }
  return m;
}

/** Size of `struct rtnexthop` (len, flags, hops, ifindex). */
const RTNH_SIZE = 8;

/** The attributes of one `RTA_MULTIPATH` entry that {@link RouteNexthop} has fields for (the others stay `unknown`). */
const NEXTHOP_FIELDS = defineAttrSet({
  name: "route",
  prefix: "RTA_",
  attributes: {
    gateway: { id: 5, type: "ip" },
    flow: { id: 11, type: "u32" },
    via: { id: 18, type: "binary", codec: { decode: decodeVia } },
    encapType: { id: 21, type: "u16" },
    encap: { id: 22, type: "binary" },
  },
});

/** `RTA_MULTIPATH`: `struct rtnexthop` entries, each followed by its own `RTA_*` attributes. */
function decodeMultipath(bytes: Uint8Array): RouteNexthop[] {
  const out: RouteNexthop[] = [];
  let at = 0;
  while (bytes.length - at >= RTNH_SIZE) {
    const len = bytes[at] | (bytes[at + 1] << 8);
    if (len < RTNH_SIZE) throw new ParseError(`rtnh_len ${len} is shorter than struct rtnexthop`, at);
    if (len > bytes.length - at) throw new ParseError(`rtnh_len ${len} runs past RTA_MULTIPATH`, at);
    const nh: RouteNexthop = {
      ifindex: bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24),
      weight: bytes[at + 3] + 1,
      flags: flagNames(bytes[at + 2]),
    };
    const a = decodeAttrsAt(NEXTHOP_FIELDS, bytes, at + RTNH_SIZE, at + len);
    if (a.gateway !== undefined) nh.gateway = a.gateway;
    if (a.via !== undefined) Object.assign(nh, a.via);
    if (a.flow !== undefined) nh.flow = a.flow;
    if (a.encap !== undefined) nh.encap = decodeEncap(a.encapType ?? 0, a.encap);
    if (a.unknown) nh.unknown = a.unknown;
    out.push(nh);
    at += (len + 3) & ~3;
  }
  return out;
}

/**
 * `RTA_MULTIPATH` as a codec: decoded entry by entry; in extended-ACK paths,
 * the entry and the attribute in it: `[1].RTA_GATEWAY`.
 */
const MULTIPATH: Codec<RouteNexthop[]> = {
  decode: decodeMultipath,
  pathAt(bytes, offset) {
    let at = 0;
    for (let i = 0; bytes.length - at >= RTNH_SIZE; i++) {
      const len = bytes[at] | (bytes[at + 1] << 8);
      if (len < RTNH_SIZE || len > bytes.length - at) return undefined;
      const next = at + ((len + 3) & ~3);
      if (offset >= at && offset < next) {
        if (offset < at + RTNH_SIZE) return `[${i}]`;
        const inner = attributePathName(routeAttrs, bytes.subarray(at + RTNH_SIZE, at + len), offset - at - RTNH_SIZE);
        return inner === undefined ? `[${i}]` : `[${i}].${inner}`;
      }
      at = next;
    }
    return undefined;
  },
};

function decodeCacheInfo(value: Uint8Array): RouteCacheInfo {
  if (value.length < 20) throw new ParseError(`RTA_CACHEINFO of ${value.length} bytes is too short`, 0);
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const at = (i: number) => (value.length >= 4 * i + 4 ? dv.getUint32(4 * i, true) : 0);
  return {
    clntref: at(0),
    lastuse: at(1),
    expires: dv.getInt32(8, true),
    error: at(3),
    used: at(4),
    id: at(5),
    ts: at(6),
    tsage: at(7),
  };
}

const ROUTE_ATTRS = {
  dst: { id: 1, type: "ip" },
  src: { id: 2, type: "ip" },
  iif: { id: 3, type: "u32" },
  oif: { id: 4, type: "u32" },
  gateway: { id: 5, type: "ip" },
  priority: { id: 6, type: "u32" },
  prefsrc: { id: 7, type: "ip" },
  metrics: { id: 8, type: "binary", codec: { decode: decodeMetrics } },
  multipath: { id: 9, type: "binary", codec: MULTIPATH },
  flow: { id: 11, type: "u32" },
  cacheInfo: { id: 12, type: "binary", cname: "RTA_CACHEINFO", codec: { decode: decodeCacheInfo } },
  table: { id: 15, type: "u32" },
  mark: { id: 16, type: "u32" },
  mfcStats: { id: 17, type: "binary" },
  via: { id: 18, type: "binary", codec: { decode: decodeVia } },
  newdst: { id: 19, type: "binary" },
  pref: { id: 20, type: "u8", enum: { medium: 0, high: 1, low: 3 } },
  encapType: { id: 21, type: "u16" },
  encap: { id: 22, type: "binary" },
  expires: { id: 23, type: "uint", as: "number" },
  pad: { id: 24, type: "pad" },
  uid: { id: 25, type: "u32" },
  ttlPropagate: { id: 26, type: "u8" },
  ipProto: { id: 27, type: "u8" },
  sport: { id: 28, type: "u16", "byte-order": "big-endian" },
  dport: { id: 29, type: "u16", "byte-order": "big-endian" },
  nexthopId: { id: 30, type: "u32", cname: "RTA_NH_ID" },
  flowlabel: { id: 31, type: "u32", "byte-order": "big-endian" },
} as const;

/** The `RTA_*` attributes of a route message (after `struct rtmsg`), and of each `RTA_MULTIPATH` entry. */
export const routeAttrs: AttrSet = defineAttrSet({ name: "route", prefix: "RTA_", attributes: ROUTE_ATTRS });

/**
 * The attributes {@link Route} has fields for: what {@link decodeRoute}
 * reads, into the route object itself. The others of {@link routeAttrs}
 * (`RTA_SPORT`, `RTA_TTL_PROPAGATE`…) are kept in `unknown`, as every
 * attribute the library does not know. `RTA_TABLE` replaces `rtm_table`.
 */
const { mfcStats: _m, newdst: _n, ttlPropagate: _t, ipProto: _i, sport: _s, dport: _d, flowlabel: _f, ...FIELDS } =
  ROUTE_ATTRS;
const ROUTE_FIELDS = defineAttrSet({
  name: "route",
  prefix: "RTA_",
  attributes: { ...FIELDS, table: { ...FIELDS.table, duplicate: "last" } },
});

/** What decoding {@link ROUTE_FIELDS} into a route leaves to be turned into {@link Route} fields. */
interface RouteInProgress extends Omit<Route, "expires" | "encap"> {
  expires?: number;
  cacheInfo?: RouteCacheInfo;
  via?: { gateway: string; viaFamily: RouteFamily };
  encapType?: number;
  encap?: Uint8Array | RouteEncap;
}

/**
 * Decodes an `RTM_NEWROUTE` / `RTM_DELROUTE` message. Lengths are never
 * trusted: a short header or a malformed attribute is a {@link ParseError}.
 * Attributes this library does not know are kept in `unknown`.
 *
 * @example
 * ```ts
 * import { decodeRoute, listRoutes } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const r of listRoutes(sock, { family: "inet" })) console.log(r.dst ?? "default", r.dstLength, r.gateway);
 * ```
 */
export function decodeRoute(msg: NetlinkMessage): Route {
  return decodeRouteAt(msg.payload);
}

/** {@link decodeRoute} of a payload (`struct rtmsg` and its attributes). */
function decodeRouteAt(p: Uint8Array): Route {
  return decodeRouteIn(p, 0, p.length);
}

/**
 * {@link decodeRoute} of the payload in `b[s, e)` (`struct rtmsg` and its
 * attributes), read in place (a dump's datagram: no view per message).
 * Nothing of the route refers to `b`.
 *
 * @example
 * ```ts
 * import { decodeRoutePayload, listRouteDatagrams } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const step of listRouteDatagrams(sock)) {
 *   step.forEachPayload((bytes, start, end) => console.log(decodeRoutePayload(bytes, start, end).dst));
 * }
 * ```
 */
export function decodeRoutePayload(b: Uint8Array, s = 0, e = b.length): Route {
  return decodeRouteIn(b, s, e);
}

function decodeRouteIn(b: Uint8Array, s: number, e: number): Route {
  if (e - s < RTMSG_SIZE) throw new ParseError(`rtmsg of ${e - s} bytes is shorter than ${RTMSG_SIZE}`, 16);
  const family = b[s];
  const rtmFlags = (b[s + 8] | (b[s + 9] << 8) | (b[s + 10] << 16) | (b[s + 11] << 24)) >>> 0;
  const type = b[s + 7];
  const route: RouteInProgress = {
    family: familyName(family),
    table: b[s + 4],
    protocol: routeProtocolName(b[s + 5]),
    scope: routeScopeName(b[s + 6]),
    type: (TYPE_BY_NUMBER[type] as RouteTypeName | undefined) ?? type,
    tos: b[s + 3],
    dstLength: b[s + 1],
    srcLength: b[s + 2],
    flags: flagNames(rtmFlags),
  };
  decodeAttrsInto(ROUTE_FIELDS, route, b, s + RTMSG_SIZE, e, 16 + RTMSG_SIZE);
  // The few attributes that are not one field each (rare in a dump).
  if (route.expires !== undefined) route.expires = Math.trunc(route.expires / 100);
  else if (route.cacheInfo !== undefined && route.cacheInfo.expires !== 0) {
    route.expires = Math.trunc(route.cacheInfo.expires / 100);
  }
  if (route.via !== undefined) {
    const via = route.via;
    delete route.via;
    route.gateway = via.gateway;
    route.viaFamily = via.viaFamily;
  }
  if (route.encap !== undefined) route.encap = decodeEncap(route.encapType ?? 0, route.encap as Uint8Array);
  if (route.encapType !== undefined) delete route.encapType;
  if (rtmFlags & RouteFlag.cloned && family === AF.INET) {
    const cache: string[] = [];
    for (const [bit, name] of CACHE_FLAGS) if (rtmFlags & bit) cache.push(name);
    route.cache = cache;
  }
  // The library's JSON rule, only where a bare JSON.stringify would differ (a bigint, bytes): src/wire/json.ts.
  // Only these fields can hold bytes; a plain route has none of them.
  if (
    route.unknown === undefined && route.encap === undefined && route.multipath === undefined &&
    route.metrics === undefined
  ) return route as Route;
  return withJsonIfNeeded(route as Route);
}

function familyNumber(family: "inet" | "inet6" | number | undefined): number {
  if (family === undefined) return AF.UNSPEC;
  if (family === "inet") return AF.INET;
  if (family === "inet6") return AF.INET6;
  if (typeof family === "number" && Number.isInteger(family) && family >= 0 && family <= 255) return family;
  throw new TypeError(`unknown address family ${JSON.stringify(family)}`);
}

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`${what} ${value} is not a 32-bit unsigned integer`);
  }
  return value;
}

/** Filter of {@link listRoutes}. */
export interface RouteFilter {
  /** Only this family (default: every family the kernel dumps). */
  family?: "inet" | "inet6";
  /** Only this table (default main; `"all"` for every table). */
  table?: number | "all";
  /** Only routes installed by this protocol. */
  protocol?: RouteProtocolName | number;
  /** Only routes of this type. */
  type?: RouteTypeName | number;
  /** Only routes using this output interface (any path of a multipath route). */
  oif?: number;
  /** Dump the route cache / exceptions (`RTM_F_CLONED`) instead of the FIB. */
  cloned?: boolean;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

function matches(route: Route, f: { table?: number; protocol?: number; type?: number; oif?: number }): boolean {
  if (f.table !== undefined && route.table !== f.table) return false;
  if (f.protocol !== undefined && routeProtocolNumberOf(route) !== f.protocol) return false;
  if (f.type !== undefined && (typeof route.type === "number" ? route.type : routeTypeNumber(route.type)) !== f.type) {
    return false;
  }
  if (f.oif !== undefined && route.oif !== f.oif && !route.multipath?.some((nh) => nh.ifindex === f.oif)) return false;
  return true;
}

function routeProtocolNumberOf(route: Route): number {
  return typeof route.protocol === "number" ? route.protocol : routeProtocolNumber(route.protocol);
}

function routeDump(filter: Omit<RouteFilter, "signal">) {
  const family = familyNumber(filter.family);
  const table = filter.table === "all" ? undefined : checkU32(filter.table ?? Table.MAIN, "table");
  if (table === 0) throw new TypeError('table 0 is not a table: use "all"');
  const protocol = filter.protocol === undefined ? undefined : routeProtocolNumber(filter.protocol);
  const type = filter.type === undefined ? undefined : routeTypeNumber(filter.type);
  const oif = filter.oif === undefined ? undefined : checkU32(filter.oif, "oif");
  const req = new MessageWriter(RTM.GETROUTE, Flags.DUMP);
  const h = req.struct(RTMSG_SIZE);
  h.setUint8(0, family);
  h.setUint8(4, table !== undefined && table < 256 ? table : 0);
  h.setUint8(5, protocol ?? 0);
  h.setUint8(7, type ?? 0);
  h.setUint32(8, filter.cloned ? RouteFlag.cloned : 0, true);
  if (table !== undefined) req.u32(RTA.TABLE, table);
  if (oif !== undefined) req.u32(RTA.OIF, oif);
  return { request: req.finish(), table, protocol, type, oif };
}

/**
 * Builds the `RTM_GETROUTE` dump request {@link listRoutes} sends (for
 * callers that drive `NetlinkSocket.dump` themselves). The kernel filters by
 * what it carries only on a socket with strict checking.
 *
 * @example
 * ```ts
 * import { encodeGetRoutes } from "@nlts/netlink/route";
 * const bytes = encodeGetRoutes({ family: "inet", table: 100, protocol: "static" });
 * console.log(bytes.length); // 16 + 12 + 8
 * ```
 */
export function encodeGetRoutes(filter: Omit<RouteFilter, "signal"> = {}): Uint8Array {
  return routeDump(filter).request;
}

/**
 * Streams the routes of the kernel's FIB (`RTM_GETROUTE` dump). With strict
 * checking (the socket default for NETLINK_ROUTE) the kernel itself filters
 * by table (`RTA_TABLE`), protocol, type and output interface (`RTA_OIF`);
 * every filter is also applied here, so the result is the same on a socket
 * without strict checking. Without `table`, the main table is listed (as
 * `ip route show`); pass `table: "all"` for every table. A table that does
 * not exist has no routes. {@link listRouteBatches} is the same dump a
 * datagram at a time (for large tables: no iterator step per route).
 *
 * @example
 * ```ts
 * import { listRoutes } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const r of listRoutes(sock, { family: "inet6", table: "all", type: "unicast" })) console.log(r);
 * ```
 */
export function listRoutes(sock: NetlinkSocket, filter: RouteFilter = {}): AsyncGenerator<Route, void, undefined> {
  return eachOf(listRouteBatches(sock, filter), filter.signal);
}

/**
 * {@link listRoutes}, yielding the routes of each datagram together, as an
 * array (never empty): one step of the iterator per datagram (a few hundred
 * routes) rather than per route, the fastest way through a large table.
 * The same filters, order, ending and errors as {@link listRoutes}.
 *
 * @example
 * ```ts
 * import { listRouteBatches } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * let n = 0;
 * for await (const routes of listRouteBatches(sock, { table: "all" })) n += routes.length;
 * ```
 */
export async function* listRouteBatches(
  sock: NetlinkSocket,
  filter: RouteFilter = {},
): AsyncGenerator<Route[], void, undefined> {
  for await (const step of listRouteDatagrams(sock, filter)) {
    const routes = [...step];
    if (routes.length > 0) yield routes;
  }
}

/**
 * One step of {@link listRouteDatagrams}: the routes of one datagram of the
 * dump that pass the filter. Iterating it decodes each route when the loop
 * reaches it; {@link RouteDatagram.forEachPayload} hands the same routes
 * over undecoded. Valid until the next step is asked for (using it later
 * throws: its bytes are gone).
 */
export interface RouteDatagram extends Iterable<Route> {
  /**
   * Calls `visit` with each route of the datagram that passes the filter
   * (those the loop over the step has not reached yet: one pass either way),
   * undecoded: `bytes[start, end)` is its `struct rtmsg` and attributes,
   * whose lengths nothing has checked yet ({@link decodeRoutePayload}
   * decodes it). `bytes` is valid only during the call. For a consumer that
   * writes routes out straight from the wire (`nlts -j route`). The filter
   * reads the header and `RTA_TABLE` in place; a filter on `oif` decodes
   * each route to test it (and throws where decoding does), as does a
   * message too short for its header.
   *
   * @example
   * ```ts
   * import { listRouteDatagrams } from "@nlts/netlink/route";
   * import { NetlinkSocket } from "@nlts/netlink";
   * await using sock = await NetlinkSocket.open("route");
   * let hostRoutes = 0;
   * for await (const step of listRouteDatagrams(sock, { table: "all" })) {
   *   step.forEachPayload((bytes, start) => {
   *     if (bytes[start + 1] === 32) hostRoutes++; // rtm_dst_len
   *   });
   * }
   * ```
   */
  forEachPayload(visit: (bytes: Uint8Array, start: number, end: number) => void): void;
}

/**
 * {@link listRoutes} a datagram at a time, like {@link listRouteBatches},
 * but each step is a one-pass iterable that decodes a route only when the
 * loop over it reaches it. A consumer that handles each route and lets it
 * go then holds one route at a time rather than a datagram's few hundred:
 * less survives each young-generation collection, so the heap stays smaller
 * (in Deno, `nlts -j route show table all` of 100,000 routes peaks about 9
 * MiB lower than with batches). A step is valid until the next one is
 * asked for; iterate it once, before that (reading it later throws). The same filters, order, ending
 * and errors as {@link listRoutes} (a route that does not decode throws
 * from the loop over the step). {@link RouteDatagram.forEachPayload} walks
 * a step's routes without decoding them.
 *
 * @example
 * ```ts
 * import { listRouteDatagrams } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * let n = 0;
 * for await (const step of listRouteDatagrams(sock, { table: "all" })) {
 *   for (const r of step) if (r.gateway !== undefined) n++;
 * }
 * ```
 */
export async function* listRouteDatagrams(
  sock: NetlinkSocket,
  filter: RouteFilter = {},
): AsyncGenerator<RouteDatagram, void, undefined> {
  const { request, table, protocol, type, oif } = routeDump(filter);
  const local = { table, protocol, type, oif };
  const cloned = filter.cloned;
  try {
    const signal = filter.signal;
    // A datagram at a time, each route decoded in place as the consumer
    // reaches it; the routes refer to nothing of it, so its buffer goes
    // back to the socket once the consumer asks for the next step.
    for await (const datagram of sock.dumpDatagrams(request, { signal })) {
      const step = new RouteStep(datagram.bytes, datagram.starts, cloned, local);
      try {
        signal?.throwIfAborted();
        yield step;
      } finally {
        // The buffer goes back to the socket, which may fill it again: a
        // step read after this throws rather than decode other bytes.
        step.released = true;
        datagram.release();
      }
    }
  } catch (e) {
    // The IPv4 FIB answers a dump of a missing table with ENOENT ("ipv4: FIB
    // table does not exist"): that table has no routes.
    if (e instanceof NetlinkError && e.code === "ENOENT" && table !== undefined) return;
    throw e;
  }
}

type LocalFilter = { table?: number; protocol?: number; type?: number; oif?: number };

/** The routes of a dump's datagram that pass the filter, each decoded when reached (while not released). */
class RouteStep implements RouteDatagram {
  /** Set once the datagram's buffer went back to the socket. */
  released = false;
  readonly #bytes: Uint8Array;
  readonly #starts: readonly number[];
  readonly #cloned: boolean | undefined;
  readonly #local: LocalFilter;

  constructor(bytes: Uint8Array, starts: readonly number[], cloned: boolean | undefined, local: LocalFilter) {
    this.#bytes = bytes;
    this.#starts = starts;
    this.#cloned = cloned;
    this.#local = local;
  }

  #checkLive(): void {
    if (this.released) {
      throw new Error("listRouteDatagrams: a step was read after the next one was asked for (its datagram is gone)");
    }
  }

  /** The index in `starts` of the next message: a step is one pass, whichever way it is read. */
  #next = 0;
  #routes?: Iterator<Route, void, undefined>;

  [Symbol.iterator](): Iterator<Route, void, undefined> {
    return this.#routes ??= this.#decodeEach();
  }

  /**
   * The offset of the next `RTM_NEWROUTE` message of the datagram, or -1
   * when none is left; each is taken once, whichever way the step is read.
   */
  #nextRoute(): number {
    const b = this.#bytes, starts = this.#starts;
    while (this.#next < starts.length) {
      const at = starts[this.#next++];
      this.#checkLive();
      if ((b[at + 4] | (b[at + 5] << 8)) === RTM.NEWROUTE) return at;
    }
    return -1;
  }

  *#decodeEach(): Generator<Route, void, undefined> {
    const b = this.#bytes, cloned = this.#cloned, local = this.#local;
    for (let at = this.#nextRoute(); at >= 0; at = this.#nextRoute()) {
      const route = decodeRouteIn(b, at + NLMSG_HDRLEN, at + u32At(b, at));
      if (cloned !== undefined && route.flags.includes("cloned") !== cloned) continue;
      if (matches(route, local)) yield route;
    }
  }

  forEachPayload(visit: (bytes: Uint8Array, start: number, end: number) => void): void {
    const b = this.#bytes;
    for (let at = this.#nextRoute(); at >= 0; at = this.#nextRoute()) {
      const end = at + u32At(b, at);
      if (this.#passes(b, at + NLMSG_HDRLEN, end)) visit(b, at + NLMSG_HDRLEN, end);
    }
  }

  /** The filter of the iterator, read from the header and `RTA_TABLE` in place where it can be. */
  #passes(b: Uint8Array, s: number, e: number): boolean {
    const cloned = this.#cloned, local = this.#local;
    if (
      cloned === undefined && local.table === undefined && local.protocol === undefined &&
      local.type === undefined && local.oif === undefined
    ) return true;
    let table = -1;
    if (e - s >= RTMSG_SIZE && local.oif === undefined) {
      if (cloned !== undefined && ((b[s + 9] & (RouteFlag.cloned >> 8)) !== 0) !== cloned) return false;
      if (local.protocol !== undefined && b[s + 5] !== local.protocol) return false;
      if (local.type !== undefined && b[s + 7] !== local.type) return false;
      if (local.table === undefined) return true;
      table = tableIn(b, s, e);
    }
    if (table >= 0) return table === local.table;
    const route = decodeRouteIn(b, s, e);
    return (cloned === undefined || route.flags.includes("cloned") === cloned) && matches(route, local);
  }
}

/**
 * The table of the route in `b[s, e)` as {@link decodeRouteIn} reads it (the
 * last `RTA_TABLE`, else `rtm_table`), or -1 when an attribute is malformed
 * (decoding it then says how).
 */
function tableIn(b: Uint8Array, s: number, e: number): number {
  let table = b[s + 4];
  let at = s + RTMSG_SIZE;
  while (at + 4 <= e) {
    const len = b[at] | (b[at + 1] << 8);
    if (len < 4 || at + len > e) return -1;
    if (((b[at + 2] | (b[at + 3] << 8)) & 0x3fff) === RTA.TABLE) {
      if (len !== 8) return -1;
      table = (b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24)) >>> 0;
    }
    at += (len + 3) & ~3;
  }
  return at < e ? -1 : table;
}

/** Options of {@link getRoute} (those of `ip route get`). */
export interface GetRouteOptions {
  /** Source address (`from`). */
  source?: string;
  /** Input interface index (`iif`): simulate a packet received there (needs `source`). */
  iif?: number;
  /** Output interface index (`oif`). */
  oif?: number;
  /** Firewall mark. */
  mark?: number;
  /** User id the lookup is done for (`uid`). */
  uid?: number;
  /** IP protocol number for the flow (`ipproto`). */
  ipProto?: number;
  /** Source port for the flow (`sport`). */
  sport?: number;
  /** Destination port for the flow (`dport`). */
  dport?: number;
  /**
   * Return the FIB entry that matched (`fibmatch`) instead of the resolved
   * route.
   */
  fibMatch?: boolean;
  /**
   * The table the answer must come from. The kernel has no attribute for a
   * table in a route lookup (it rejects `RTA_TABLE` in `RTM_GETROUTE`
   * requests), so the lookup is done by the rules as usual and an answer from
   * another table is rejected with a `NetlinkError` `ENETUNREACH`.
   */
  table?: number;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/**
 * Looks a destination up like `ip route get`: `RTM_GETROUTE` without dump,
 * with `RTM_F_LOOKUP_TABLE` so `table` is the table the answer came from
 * (and `RTM_F_FIB_MATCH` for `fibMatch`). Unreachable destinations reject
 * with the kernel's `NetlinkError` (`ENETUNREACH`, `EHOSTUNREACH`…).
 *
 * @example
 * ```ts
 * import { getRoute } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * const r = await getRoute(sock, "127.0.0.1");
 * console.log(r.type, r.oif, r.table); // "local" 1 255
 * ```
 */
export async function getRoute(
  sock: NetlinkSocket,
  destination: string,
  options: GetRouteOptions = {},
): Promise<Route> {
  const dst = parseIP(destination);
  const family = dst.length === 4 ? AF.INET : AF.INET6;
  const req = new MessageWriter(RTM.GETROUTE);
  const h = req.struct(RTMSG_SIZE);
  h.setUint8(0, family);
  h.setUint8(1, dst.length * 8);
  // IPv4 reports the table the answer came from only when asked
  // (RTM_F_LOOKUP_TABLE); IPv6 always does, and refuses the flag.
  const lookupTable = family === AF.INET ? RouteFlag.lookup_table : 0;
  h.setUint32(8, lookupTable | (options.fibMatch ? RouteFlag.fib_match : 0), true);
  req.attr(RTA.DST, dst);
  if (options.source !== undefined) {
    const src = parseIP(options.source);
    if (src.length !== dst.length) {
      throw new AddressError(`source ${options.source} is not of the destination's family`);
    }
    h.setUint8(2, src.length * 8);
    req.attr(RTA.SRC, src);
  }
  if (options.iif !== undefined) req.u32(RTA.IIF, checkU32(options.iif, "iif"));
  if (options.oif !== undefined) req.u32(RTA.OIF, checkU32(options.oif, "oif"));
  if (options.mark !== undefined) req.u32(RTA.MARK, checkU32(options.mark, "mark"));
  if (options.uid !== undefined) req.u32(RTA.UID, checkU32(options.uid, "uid"));
  if (options.ipProto !== undefined) req.u8(RTA.IP_PROTO, options.ipProto);
  if (options.sport !== undefined) req.be16(RTA.SPORT, options.sport);
  if (options.dport !== undefined) req.be16(RTA.DPORT, options.dport);
  const replies = await sock.request(req.finish(), { signal: options.signal });
  const reply = replies.find((m) => m.type === RTM.NEWROUTE);
  if (!reply) throw new ParseError("RTM_GETROUTE answered without a route", 0);
  const route = decodeRoute(reply);
  if (options.table !== undefined && route.table !== options.table) {
    throw new NetlinkError(101, /* ENETUNREACH */ {
      messageType: RTM.GETROUTE,
      messageTypeName: "RTM_GETROUTE",
      extAck: { message: `the lookup was answered from table ${route.table}, not ${options.table}` },
    });
  }
  return route;
}

/** One path of a multipath route to add. */
export interface RouteNexthopSpec {
  /** Gateway address; an IPv6 gateway of an IPv4 route is sent as `RTA_VIA`. */
  gateway?: string;
  /** Output interface index. */
  oif?: number;
  /** Weight 1–256 (default 1). */
  weight?: number;
  /** Gateway is on link even if no prefix says so. */
  onlink?: boolean;
  /** Lightweight tunnel encapsulation, raw. */
  encap?: RouteEncap;
}

/** Metrics to set on a route: {@link RouteMetrics} without what only the kernel reports. */
export type RouteMetricsSpec = Omit<RouteMetrics, "unknown">;

/** A route to add or delete. */
export interface RouteSpec {
  /** Destination: `"10.0.0.0/24"`, `"2001:db8::/64"`, an address (host route), or `"default"` (with `family`). */
  dst: string;
  /** Family; needed only for `"default"` without a gateway (default `"inet"`). */
  family?: "inet" | "inet6";
  /** Route type (default unicast). */
  type?: RouteTypeName | number;
  /** Table id (default main, or local for local/broadcast/anycast/nat routes, as iproute2). Any 32-bit id. */
  table?: number;
  /** Protocol (default `"boot"` when adding, as iproute2; any when deleting). */
  protocol?: RouteProtocolName | number;
  /** Scope (default as iproute2: link for a unicast route without gateway, host for local, else global). */
  scope?: RouteScopeName | "universe" | number;
  /** TOS / DS field. */
  tos?: number;
  /** Source prefix (`from`, IPv6 source routing). */
  src?: string;
  /** Preferred source address. */
  prefsrc?: string;
  /** Gateway; an IPv6 gateway of an IPv4 route is sent as `RTA_VIA`. */
  gateway?: string;
  /** Output interface index. */
  oif?: number;
  /** Metric. */
  priority?: number;
  /** IPv6 router preference. */
  pref?: RoutePref;
  /** Metrics. */
  metrics?: RouteMetricsSpec;
  /** Paths of a multipath route. */
  multipath?: RouteNexthopSpec[];
  /** Use a nexthop object. */
  nexthopId?: number;
  /** Gateway is on link (`RTNH_F_ONLINK`). */
  onlink?: boolean;
  /** Seconds until the route expires (IPv6). */
  expires?: number;
  /** Realms (`RTA_FLOW`). */
  flow?: number;
  /** Lightweight tunnel encapsulation, raw. */
  encap?: RouteEncap;
}

function parseDst(spec: RouteSpec): { family: number; address?: Uint8Array; length: number } {
  if (typeof spec.dst !== "string") throw new TypeError("a route needs a dst");
  if (spec.dst === "default") {
    let family = familyNumber(spec.family ?? undefined);
    if (family === AF.UNSPEC) {
      const gw = spec.gateway ?? spec.multipath?.find((n) => n.gateway)?.gateway;
      family = gw !== undefined && gw.includes(":") ? AF.INET6 : AF.INET;
    }
    return { family, length: 0 };
  }
  const p = parsePrefix(spec.dst);
  if (spec.family !== undefined && familyNumber(spec.family) !== p.family) {
    throw new AddressError(`dst ${spec.dst} is not of family ${spec.family}`);
  }
  return { family: p.family, address: p.address, length: p.length };
}

function addressOf(text: string, family: number, what: string): Uint8Array {
  const bytes = parseIP(text);
  if ((family === AF.INET ? 4 : 16) !== bytes.length) {
    throw new AddressError(`${what} ${text} is not of the route's family`);
  }
  return bytes;
}

function writeGateway(w: AttrWriter, text: string, family: number): void {
  const bytes = parseIP(text);
  const own = family === AF.INET ? 4 : 16;
  if (bytes.length === own) {
    w.attr(RTA.GATEWAY, bytes);
    return;
  }
  if (family !== AF.INET) throw new AddressError(`gateway ${text} is not an IPv6 address`);
  const via = new Uint8Array(2 + bytes.length);
  via[0] = AF.INET6;
  via.set(bytes, 2);
  w.attr(RTA.VIA, via);
}

function writeEncap(w: AttrWriter, encap: RouteEncap): void {
  w.u16(RTA.ENCAP_TYPE, encap.type);
  w.attr(RTA.ENCAP | 0x8000, encap.data);
}

function writeMetrics(w: AttrWriter, metrics: RouteMetricsSpec): void {
  w.nest(RTA.METRICS, (m) => {
    let lock = 0;
    for (const name of metrics.locked ?? []) {
      const n = RTAX[name];
      if (n === undefined || name === ("lock" as string)) throw new TypeError(`unknown metric ${JSON.stringify(name)}`);
      lock |= 1 << n;
    }
    if (lock) m.u32(RTAX.lock, lock >>> 0);
    for (const [name, value] of Object.entries(metrics)) {
      if (name === "locked" || value === undefined) continue;
      const n = RTAX[name as MetricName];
      if (n === undefined) throw new TypeError(`unknown metric ${JSON.stringify(name)}`);
      if (name === "congestion") {
        if (typeof value !== "string") throw new TypeError("metric congestion is an algorithm name");
        m.str(n, value);
      } else {
        m.u32(n, checkU32(value as number, `metric ${name}`));
      }
    }
  }, false);
}

function writeMultipath(w: AttrWriter, paths: RouteNexthopSpec[], family: number): void {
  if (paths.length === 0) throw new TypeError("multipath needs at least one path");
  const at = w.beginNest(RTA.MULTIPATH, false);
  for (const nh of paths) {
    const weight = nh.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 256) {
      throw new TypeError(`weight ${weight} is out of range 1..256`);
    }
    const s = w.struct(8);
    s.setUint8(2, nh.onlink ? RouteFlag.onlink : 0);
    s.setUint8(3, weight - 1);
    s.setInt32(4, nh.oif === undefined ? 0 : checkU32(nh.oif, "oif"), true);
    const start = w.length - 8;
    if (nh.gateway !== undefined) writeGateway(w, nh.gateway, family);
    if (nh.encap) writeEncap(w, nh.encap);
    s.setUint16(0, w.length - start, true);
  }
  w.endNest(at);
}

function encodeRoute(type: number, flags: number, spec: RouteSpec, adding: boolean): Uint8Array {
  const dst = parseDst(spec);
  const family = dst.family;
  const rtType = spec.type === undefined ? (adding ? RouteType.UNICAST : RouteType.UNSPEC) : routeTypeNumber(spec.type);
  const table = spec.table === undefined
    ? ([RouteType.LOCAL, RouteType.BROADCAST, RouteType.ANYCAST, RouteType.NAT] as number[]).includes(rtType)
      ? Table.LOCAL
      : Table.MAIN
    : checkU32(spec.table, "table");
  if (table === 0) throw new TypeError("table 0 is not a table");
  const hasGateway = spec.gateway !== undefined || spec.multipath !== undefined || spec.nexthopId !== undefined;
  let scope: number;
  if (spec.scope !== undefined) scope = routeScopeNumber(spec.scope);
  else if (!adding) scope = Scope.NOWHERE;
  else if (family === AF.INET6) scope = Scope.UNIVERSE;
  else if (rtType === RouteType.LOCAL || rtType === RouteType.NAT) scope = Scope.HOST;
  else if (rtType === RouteType.BROADCAST || rtType === RouteType.MULTICAST || rtType === RouteType.ANYCAST) {
    scope = Scope.LINK;
  } else if (rtType === RouteType.UNICAST && !hasGateway) scope = Scope.LINK;
  else scope = Scope.UNIVERSE;
  const protocol = spec.protocol === undefined ? (adding ? RouteProtocol.BOOT : 0) : routeProtocolNumber(spec.protocol);
  if (spec.tos !== undefined && (!Number.isInteger(spec.tos) || spec.tos < 0 || spec.tos > 255)) {
    throw new TypeError(`tos ${spec.tos} is out of range`);
  }
  if (spec.nexthopId !== undefined && (spec.gateway !== undefined || spec.multipath !== undefined)) {
    throw new TypeError("a route using a nexthop object has no gateway or multipath of its own");
  }

  const w = new MessageWriter(type, flags);
  const h = w.struct(RTMSG_SIZE);
  h.setUint8(0, family);
  h.setUint8(1, dst.length);
  h.setUint8(3, spec.tos ?? 0);
  h.setUint8(4, table < 256 ? table : 0);
  h.setUint8(5, protocol);
  h.setUint8(6, scope);
  h.setUint8(7, rtType);
  h.setUint32(8, spec.onlink ? RouteFlag.onlink : 0, true);
  if (dst.address) w.attr(RTA.DST, dst.address);
  if (spec.src !== undefined) {
    const p = parsePrefix(spec.src);
    if (p.family !== family) throw new AddressError(`src ${spec.src} is not of the route's family`);
    h.setUint8(2, p.length);
    w.attr(RTA.SRC, p.address);
  }
  if (table >= 256 || spec.table !== undefined) w.u32(RTA.TABLE, table);
  if (spec.prefsrc !== undefined) w.attr(RTA.PREFSRC, addressOf(spec.prefsrc, family, "prefsrc"));
  if (spec.gateway !== undefined) writeGateway(w, spec.gateway, family);
  if (spec.oif !== undefined) w.u32(RTA.OIF, checkU32(spec.oif, "oif"));
  if (spec.priority !== undefined) w.u32(RTA.PRIORITY, checkU32(spec.priority, "priority"));
  if (spec.pref !== undefined) {
    const pref = PREF_VALUE[spec.pref];
    if (pref === undefined) throw new TypeError(`unknown pref ${JSON.stringify(spec.pref)}`);
    w.u8(RTA.PREF, pref);
  }
  if (spec.metrics !== undefined) writeMetrics(w, spec.metrics);
  if (spec.multipath !== undefined) writeMultipath(w, spec.multipath, family);
  if (spec.nexthopId !== undefined) w.u32(RTA.NH_ID, checkU32(spec.nexthopId, "nexthopId"));
  if (spec.expires !== undefined) w.u32(RTA.EXPIRES, checkU32(spec.expires, "expires"));
  if (spec.flow !== undefined) w.u32(RTA.FLOW, checkU32(spec.flow, "flow"));
  if (spec.encap !== undefined) writeEncap(w, spec.encap);
  return w.finish();
}

/**
 * Builds the `RTM_NEWROUTE` request of {@link addRoute} without sending it
 * (for batches). Input is validated here: a bad address or prefix length is
 * an `AddressError`, a bad number a `TypeError`.
 *
 * @example
 * ```ts
 * import { encodeNewRoute } from "@nlts/netlink/route";
 * const bytes = encodeNewRoute({ dst: "10.0.0.0/8", type: "blackhole", table: 100 });
 * console.log(bytes.length);
 * ```
 */
export function encodeNewRoute(spec: RouteSpec, mode: "add" | "replace" | "append" = "add"): Uint8Array {
  const flags = Flags.CREATE |
    (mode === "add" ? Flags.EXCL : mode === "replace" ? Flags.REPLACE : mode === "append" ? Flags.APPEND : -1);
  if (flags < 0) throw new TypeError(`unknown mode ${JSON.stringify(mode)}`);
  return encodeRoute(RTM.NEWROUTE, flags, spec, true);
}

/**
 * Builds the `RTM_DELROUTE` request of {@link deleteRoute} without sending it.
 *
 * @example
 * ```ts
 * import { encodeDelRoute } from "@nlts/netlink/route";
 * const bytes = encodeDelRoute({ dst: "10.0.0.0/8", table: 100 });
 * console.log(bytes.length);
 * ```
 */
export function encodeDelRoute(spec: RouteSpec): Uint8Array {
  return encodeRoute(RTM.DELROUTE, 0, spec, false);
}

/**
 * Adds a route (`ip route add`), or replaces (`replace`) or appends a path
 * to (`append`) one. Adding an existing route rejects with a
 * `NetlinkError` `EEXIST`; an invalid request with the kernel's ext-ACK text.
 *
 * @example
 * ```ts
 * import { addRoute } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab" });
 * await addRoute(sock, { dst: "192.0.2.0/24", gateway: "10.0.0.1", priority: 10, metrics: { mtu: 1400 } });
 * await addRoute(sock, { dst: "198.51.100.0/24", multipath: [{ gateway: "10.0.0.1", weight: 2 }, { gateway: "10.0.1.1" }] });
 * ```
 */
export async function addRoute(
  sock: NetlinkSocket,
  spec: RouteSpec,
  mode: "add" | "replace" | "append" = "add",
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await sock.request(encodeNewRoute(spec, mode), options);
}

/**
 * Deletes a route (`ip route del`). The kernel deletes the first route
 * matching what the spec gives (destination and table always; type,
 * protocol, scope, gateway, interface, metric when given). A missing route
 * rejects with a `NetlinkError` `ESRCH`.
 *
 * @example
 * ```ts
 * import { deleteRoute } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab" });
 * await deleteRoute(sock, { dst: "192.0.2.0/24" });
 * ```
 */
export async function deleteRoute(
  sock: NetlinkSocket,
  spec: RouteSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await sock.request(encodeDelRoute(spec), options);
}
