/**
 * NETLINK_ROUTE links: decoding `RTM_NEWLINK` (everything `ip -d -s link
 * show` shows), dumping and getting links, creating veth, bridge, vxlan,
 * tun/tap and ifb devices, changing and deleting links.
 *
 * @module
 */
import { eachOf } from "../socket/batches.ts";
import type { AttrWriter } from "../wire/attrs.ts";
import { Flags, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from "../wire/constants.ts";
import { NetlinkError, ParseError } from "../wire/errors.ts";
import {
  type AttrDef,
  type AttrSet,
  type Codec,
  decodeAttrsAt,
  decodeAttrsInto,
  defineAttrSet,
} from "../wire/schema.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import * as v from "../wire/values.ts";
import { rememberedNames } from "../wire/names.ts";
import { flagChange } from "../wire/flag_change.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { checkNetnsTarget, type NetnsTarget, withNetnsFiles } from "../socket/netns.ts";
import { RTM } from "./constants.ts";
import {
  type BridgeOptions,
  type BridgePortOptions,
  checkIfName,
  decodeLinkInfo,
  decodeLinkInfoAt,
  encodeBridgeOptions,
  encodeBridgePortOptions,
  type EncodeContext,
  IFINFOMSG_LEN,
  IFLA_INFO,
  type LinkInfo,
  linkinfoAttrs,
  linkKindCodec,
  openTun,
  type RawAttr,
  type TunOptions,
  type VethPeerOptions,
  type VxlanOptions,
  writeIfinfomsg,
  writeNetns,
} from "./linkinfo/mod.ts";
import { holdsRaw, withJson, withJsonIfNeeded } from "../wire/json.ts";

/** `IFLA_*` attribute numbers (`linux/if_link.h`, up to Linux 6.18). */
export const IFLA = {
  ADDRESS: 1,
  BROADCAST: 2,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  QDISC: 6,
  STATS: 7,
  COST: 8,
  PRIORITY: 9,
  MASTER: 10,
  WIRELESS: 11,
  PROTINFO: 12,
  TXQLEN: 13,
  MAP: 14,
  WEIGHT: 15,
  OPERSTATE: 16,
  LINKMODE: 17,
  LINKINFO: 18,
  NET_NS_PID: 19,
  IFALIAS: 20,
  NUM_VF: 21,
  VFINFO_LIST: 22,
  STATS64: 23,
  VF_PORTS: 24,
  PORT_SELF: 25,
  AF_SPEC: 26,
  GROUP: 27,
  NET_NS_FD: 28,
  EXT_MASK: 29,
  PROMISCUITY: 30,
  NUM_TX_QUEUES: 31,
  NUM_RX_QUEUES: 32,
  CARRIER: 33,
  PHYS_PORT_ID: 34,
  CARRIER_CHANGES: 35,
  PHYS_SWITCH_ID: 36,
  LINK_NETNSID: 37,
  PHYS_PORT_NAME: 38,
  PROTO_DOWN: 39,
  GSO_MAX_SEGS: 40,
  GSO_MAX_SIZE: 41,
  PAD: 42,
  XDP: 43,
  EVENT: 44,
  NEW_NETNSID: 45,
  TARGET_NETNSID: 46,
  CARRIER_UP_COUNT: 47,
  CARRIER_DOWN_COUNT: 48,
  NEW_IFINDEX: 49,
  MIN_MTU: 50,
  MAX_MTU: 51,
  PROP_LIST: 52,
  ALT_IFNAME: 53,
  PERM_ADDRESS: 54,
  PROTO_DOWN_REASON: 55,
  PARENT_DEV_NAME: 56,
  PARENT_DEV_BUS_NAME: 57,
  GRO_MAX_SIZE: 58,
  TSO_MAX_SIZE: 59,
  TSO_MAX_SEGS: 60,
  ALLMULTI: 61,
  DEVLINK_PORT: 62,
  GSO_IPV4_MAX_SIZE: 63,
  GRO_IPV4_MAX_SIZE: 64,
  DPLL_PIN: 65,
  MAX_PACING_OFFLOAD_HORIZON: 66,
  NETNS_IMMUTABLE: 67,
  HEADROOM: 68,
  TAILROOM: 69,
} as const;

/** `IFF_*` interface flags (`linux/if.h`). */
export const IFF = {
  UP: 1 << 0,
  BROADCAST: 1 << 1,
  DEBUG: 1 << 2,
  LOOPBACK: 1 << 3,
  POINTOPOINT: 1 << 4,
  NOTRAILERS: 1 << 5,
  RUNNING: 1 << 6,
  NOARP: 1 << 7,
  PROMISC: 1 << 8,
  ALLMULTI: 1 << 9,
  MASTER: 1 << 10,
  SLAVE: 1 << 11,
  MULTICAST: 1 << 12,
  PORTSEL: 1 << 13,
  AUTOMEDIA: 1 << 14,
  DYNAMIC: 1 << 15,
  LOWER_UP: 1 << 16,
  DORMANT: 1 << 17,
  ECHO: 1 << 18,
} as const;

/** RFC 2863 operational states (`IF_OPER_*`), by value. */
export const OPERSTATES = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"] as const;
/** Link modes (`IF_LINK_MODE_*`), by value. */
export const LINK_MODES = ["default", "dormant", "testing"] as const;
/** IPv6 address generation modes (`IN6_ADDR_GEN_MODE_*`), by value. */
export const ADDR_GEN_MODES = ["eui64", "none", "stable_secret", "random"] as const;

/** `IPV4_DEVCONF_*` (`linux/ip.h`) in camelCase, from `IPV4_DEVCONF_FORWARDING` (1) on: the slots of `IFLA_INET_CONF`. */
export const IPV4_DEVCONF = [
  "forwarding",
  "mcForwarding",
  "proxyArp",
  "acceptRedirects",
  "secureRedirects",
  "sendRedirects",
  "sharedMedia",
  "rpFilter",
  "acceptSourceRoute",
  "bootpRelay",
  "logMartians",
  "tag",
  "arpfilter",
  "mediumId",
  "noxfrm",
  "nopolicy",
  "forceIgmpVersion",
  "arpAnnounce",
  "arpIgnore",
  "promoteSecondaries",
  "arpAccept",
  "arpNotify",
  "acceptLocal",
  "srcVmark",
  "proxyArpPvlan",
  "routeLocalnet",
  "igmpv2UnsolicitedReportInterval",
  "igmpv3UnsolicitedReportInterval",
  "ignoreRoutesWithLinkdown",
  "dropUnicastInL2Multicast",
  "dropGratuitousArp",
  "bcForwarding",
  "arpEvictNocarrier",
] as const;
/** `DEVCONF_*` (`linux/ipv6.h`, up to Linux 6.18) in camelCase, from `DEVCONF_FORWARDING` (0) on: the slots of `IFLA_INET6_CONF`. */
export const IPV6_DEVCONF = [
  "forwarding",
  "hoplimit",
  "mtu6",
  "acceptRa",
  "acceptRedirects",
  "autoconf",
  "dadTransmits",
  "rtrSolicits",
  "rtrSolicitInterval",
  "rtrSolicitDelay",
  "useTempaddr",
  "tempValidLft",
  "tempPreferedLft",
  "regenMaxRetry",
  "maxDesyncFactor",
  "maxAddresses",
  "forceMldVersion",
  "acceptRaDefrtr",
  "acceptRaPinfo",
  "acceptRaRtrPref",
  "rtrProbeInterval",
  "acceptRaRtInfoMaxPlen",
  "proxyNdp",
  "optimisticDad",
  "acceptSourceRoute",
  "mcForwarding",
  "disableIpv6",
  "acceptDad",
  "forceTllao",
  "ndiscNotify",
  "mldv1UnsolicitedReportInterval",
  "mldv2UnsolicitedReportInterval",
  "suppressFragNdisc",
  "acceptRaFromLocal",
  "useOptimistic",
  "acceptRaMtu",
  "stableSecret",
  "useOifAddrsOnly",
  "acceptRaMinHopLimit",
  "ignoreRoutesWithLinkdown",
  "dropUnicastInL2Multicast",
  "dropUnsolicitedNa",
  "keepAddrOnDown",
  "rtrSolicitMaxInterval",
  "seg6Enabled",
  "seg6RequireHmac",
  "enhancedDad",
  "addrGenMode",
  "disablePolicy",
  "acceptRaRtInfoMinPlen",
  "ndiscTclass",
  "rplSegEnabled",
  "raDefrtrMetric",
  "ioam6Enabled",
  "ioam6Id",
  "ioam6IdWide",
  "ndiscEvictNocarrier",
  "acceptUntrackedNa",
  "acceptRaMinLft",
  "forceForwarding",
] as const;
/** `XDP_ATTACHED_*`, by value. */
export const XDP_ATTACHED = ["none", "drv", "skb", "hw", "multi"] as const;

/**
 * `IFLA_INET_CONF`: the IPv4 settings of a device (`/proc/sys/net/ipv4/conf/<dev>/`), named by
 * {@link IPV4_DEVCONF}. A kernel older than the names sends fewer (those are absent).
 */
export type Ipv4Devconf = { [K in typeof IPV4_DEVCONF[number]]?: number };
/**
 * `IFLA_INET6_CONF`: the IPv6 settings of a device (`/proc/sys/net/ipv6/conf/<dev>/`), named by
 * {@link IPV6_DEVCONF}. A kernel older than the names sends fewer (those are absent).
 */
export type Ipv6Devconf = { [K in typeof IPV6_DEVCONF[number]]?: number };

/** `struct ifla_cacheinfo` (`IFLA_INET6_CACHEINFO`). */
export interface Inet6CacheInfo {
  /** Largest reassembled packet. */
  maxReasmLen: number;
  /** When the device's IPv6 state last changed, in hundredths of a second since boot. */
  tstamp: number;
  /** Neighbour reachable time, ms. */
  reachableTime: number;
  /** Neighbour solicitation retransmit time, ms. */
  retransTime: number;
}

/** `AF_INET` in `IFLA_AF_SPEC`. */
export interface LinkInet {
  /** The device's IPv4 settings. */
  conf?: Ipv4Devconf;
  /** Attributes not decoded, raw. */
  unknown?: RawAttr[];
}

/** `AF_INET6` in `IFLA_AF_SPEC`. */
export interface LinkInet6 {
  /** `IFLA_INET6_FLAGS` (`IF_READY`, `IF_RS_SENT`, `IF_RA_*` bits). */
  flags?: number;
  /** Reassembly size and neighbour timers. */
  cacheinfo?: Inet6CacheInfo;
  /** The device's IPv6 settings. */
  conf?: Ipv6Devconf;
  /**
   * IPv6 counters (`/proc/net/dev_snmp6/<dev>`), by `IPSTATS_MIB_*` of the running kernel: `[0]` is how many
   * there are, `[1]` InReceives, `[2]` InOctets, `[3]` InDelivers; the slots after those moved between kernel
   * versions (Linux 6.3 and 6.15 reordered them), so they are given by number, not by name. Numbers, exact up to
   * 2^53 (as `stats64`).
   */
  stats?: number[];
  /** ICMPv6 counters, by `ICMP6_MIB_*`: `[0]` how many, then InMsgs, InErrors, OutMsgs, OutErrors, InCsumErrors…. */
  icmp6Stats?: number[];
  /** Interface identifier token (`ip token`), `"::"` when unset. */
  token?: string;
  /** Address generation mode (as `inet6AddrGenMode` of the link). */
  addrGenMode?: string;
  /** MTU learnt from router advertisements. */
  raMtu?: number;
  /** Attributes not decoded, raw. */
  unknown?: RawAttr[];
}

/** `IFLA_AF_SPEC` of an ordinary (`family` 0) link message: per address family. */
export interface LinkAfSpec {
  /** IPv4. */
  inet?: LinkInet;
  /** IPv6. */
  inet6?: LinkInet6;
  /** Families not decoded (MPLS…), raw. */
  unknown?: RawAttr[];
}

/** `struct rtnl_link_ifmap` (`IFLA_MAP`): the device's I/O resources, zero for virtual devices. */
export interface LinkMap {
  /** Shared memory start. */
  memStart: number;
  /** Shared memory end. */
  memEnd: number;
  /** I/O base address. */
  baseAddr: number;
  /** IRQ number. */
  irq: number;
  /** DMA channel. */
  dma: number;
  /** Port. */
  port: number;
}

/** `IFLA_XDP`: the XDP program attached, if any. */
export interface LinkXdp {
  /** How a program is attached (`"none"`, `"drv"`, `"skb"`, `"hw"`, `"multi"`). */
  attached?: string;
  /** `XDP_FLAGS_*`. */
  flags?: number;
  /** Id of the program (one attached). */
  progId?: number;
  /** Id of the driver-mode program. */
  drvProgId?: number;
  /** Id of the generic (skb) program. */
  skbProgId?: number;
  /** Id of the offloaded program. */
  hwProgId?: number;
  /** Attributes not decoded, raw. */
  unknown?: RawAttr[];
}

/** `IFLA_DEVLINK_PORT`: the devlink port of the device (empty for devices without one). */
export interface LinkDevlinkPort {
  /** Bus of the devlink instance. */
  busName?: string;
  /** Device of the devlink instance. */
  devName?: string;
  /** Port index. */
  portIndex?: number;
  /** Attributes not decoded, raw. */
  unknown?: RawAttr[];
}

/** `IFLA_DPLL_PIN`: the DPLL pin of the device (empty for devices without one). */
export interface LinkDpllPin {
  /** Pin id. */
  id?: number;
  /** Attributes not decoded, raw. */
  unknown?: RawAttr[];
}

/** `ARPHRD_*` hardware types iproute2 names (`link_type`). */
export const ARPHRD: Readonly<Record<number, string>> = {
  0: "netrom",
  1: "ether",
  2: "eether",
  3: "ax25",
  4: "pronet",
  5: "chaos",
  6: "ieee802",
  7: "arcnet",
  8: "appletlk",
  15: "dlci",
  19: "atm",
  23: "metricom",
  24: "ieee1394",
  27: "eui64",
  32: "infiniband",
  256: "slip",
  257: "cslip",
  258: "slip6",
  259: "cslip6",
  260: "rsrvd",
  264: "adapt",
  270: "rose",
  271: "x25",
  272: "hwx25",
  280: "can",
  512: "ppp",
  513: "cisco",
  516: "lapb",
  517: "ddcmp",
  518: "rawhdlc",
  519: "rawip",
  768: "ipip",
  769: "tunnel6",
  770: "frad",
  771: "skip",
  772: "loopback",
  773: "localtlk",
  774: "fddi",
  775: "bif",
  776: "sit",
  777: "ipddp",
  778: "gre",
  779: "pimreg",
  780: "hippi",
  781: "ash",
  782: "econet",
  783: "irda",
  784: "fcpp",
  785: "fcal",
  786: "fcpl",
  787: "fcfb0",
  800: "tr",
  801: "ieee802.11",
  802: "ieee802.11/prism",
  803: "ieee802.11/radiotap",
  804: "ieee802.15.4",
  805: "ieee802.15.4/monitor",
  820: "phonet",
  821: "phonet_pipe",
  822: "caif",
  823: "ip6gre",
  824: "netlink",
  825: "6lowpan",
  826: "vsockmon",
  65534: "none",
  65535: "void",
};

/** Flag names in the order iproute2 prints them. */
const FLAG_ORDER = [
  "LOOPBACK",
  "BROADCAST",
  "POINTOPOINT",
  "MULTICAST",
  "NOARP",
  "ALLMULTI",
  "PROMISC",
  "NOTRAILERS",
  "DEBUG",
  "DYNAMIC",
  "AUTOMEDIA",
  "PORTSEL",
  "MASTER",
  "SLAVE",
  "UP",
  "LOWER_UP",
  "DORMANT",
  "ECHO",
] as const;

/** {@link FLAG_ORDER} with the bits, looked up once. */
const FLAG_BITS: readonly (readonly [string, number])[] = FLAG_ORDER.map((name) => [name, IFF[name]] as const);

/**
 * Interface flags as iproute2 names them: `NO-CARRIER` first when the link
 * is up without `RUNNING`, then the set flags in iproute2's order
 * (`RUNNING` itself is not listed), and any unnamed bits as hex.
 *
 * @example
 * ```ts
 * import { linkFlagNames } from "./link.ts";
 * linkFlagNames(0x11043); // ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
 * ```
 */
export function linkFlagNames(flags: number): string[] {
  return rememberedFlagNames(flags >>> 0);
}

/** A dump has a handful of distinct flag sets: each is worked out once. */
const rememberedFlagNames = rememberedNames(flagNamesOf);

function flagNamesOf(flags: number): string[] {
  const out: string[] = [];
  let rest = flags >>> 0;
  if (rest & IFF.UP && !(rest & IFF.RUNNING)) out.push("NO-CARRIER");
  rest &= ~IFF.RUNNING;
  for (const [name, bit] of FLAG_BITS) {
    if (rest & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push((rest >>> 0).toString(16));
  return out;
}

/** `struct rtnl_link_stats64`: every counter, as numbers. */
export interface LinkStats64 {
  /** Packets received. */
  rxPackets: number;
  /** Packets sent. */
  txPackets: number;
  /** Bytes received. */
  rxBytes: number;
  /** Bytes sent. */
  txBytes: number;
  /** Receive errors. */
  rxErrors: number;
  /** Transmit errors. */
  txErrors: number;
  /** Received packets dropped. */
  rxDropped: number;
  /** Packets dropped before sending. */
  txDropped: number;
  /** Multicast packets received. */
  multicast: number;
  /** Collisions. */
  collisions: number;
  /** Length errors. */
  rxLengthErrors: number;
  /** Ring buffer overflows. */
  rxOverErrors: number;
  /** CRC errors. */
  rxCrcErrors: number;
  /** Frame alignment errors. */
  rxFrameErrors: number;
  /** Receive FIFO errors. */
  rxFifoErrors: number;
  /** Missed packets. */
  rxMissedErrors: number;
  /** Aborted transmissions. */
  txAbortedErrors: number;
  /** Carrier errors. */
  txCarrierErrors: number;
  /** Transmit FIFO errors. */
  txFifoErrors: number;
  /** Heartbeat errors. */
  txHeartbeatErrors: number;
  /** Late collisions. */
  txWindowErrors: number;
  /** Compressed packets received. */
  rxCompressed: number;
  /** Compressed packets sent. */
  txCompressed: number;
  /** Packets dropped for want of a protocol handler. */
  rxNohandler: number;
  /** Since Linux 5.19. */
  rxOtherhostDropped?: number;
}

/**
 * A view of the buffer decoded last: a dump's datagrams come from a few
 * pooled buffers. `.buffer` (a getter call in JavaScriptCore) is read only
 * when the array is another than the last one.
 */
let lastArray: Uint8Array | undefined;
let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** A u64 counter at `at` of `dv`, as a number (exact below 2^53). */
function u64(dv: DataView<ArrayBufferLike>, at: number): number {
  const hi = dv.getUint32(at + 4, true);
  return hi === 0 ? dv.getUint32(at, true) : dv.getUint32(at, true) + hi * 0x100000000;
}

/** `bytes[start, end)` as `struct rtnl_link_stats64`: the counters that fit (24 at least). */
function decodeStats64(bytes: Uint8Array, start: number, end: number): LinkStats64 {
  const required = 24 * 8;
  if (end - start < required) throw new ParseError(`IFLA_STATS64 of ${end - start} bytes, needs ${required}`, 0);
  // Read through a DataView (two reads a counter, not eight byte loads), kept
  // from one link to the next of the same buffer.
  if (bytes !== lastArray) {
    lastArray = bytes;
    if (bytes.buffer !== lastBuffer) {
      lastBuffer = bytes.buffer;
      lastView = new DataView(bytes.buffer);
    }
  }
  const dv = lastView, at = bytes.byteOffset + start;
  // Written out in the order of the struct rather than looped over names: a
  // literal builds the object in one step, keyed stores one property at a time.
  const out: LinkStats64 = {
    rxPackets: u64(dv, at),
    txPackets: u64(dv, at + 8),
    rxBytes: u64(dv, at + 16),
    txBytes: u64(dv, at + 24),
    rxErrors: u64(dv, at + 32),
    txErrors: u64(dv, at + 40),
    rxDropped: u64(dv, at + 48),
    txDropped: u64(dv, at + 56),
    multicast: u64(dv, at + 64),
    collisions: u64(dv, at + 72),
    rxLengthErrors: u64(dv, at + 80),
    rxOverErrors: u64(dv, at + 88),
    rxCrcErrors: u64(dv, at + 96),
    rxFrameErrors: u64(dv, at + 104),
    rxFifoErrors: u64(dv, at + 112),
    rxMissedErrors: u64(dv, at + 120),
    txAbortedErrors: u64(dv, at + 128),
    txCarrierErrors: u64(dv, at + 136),
    txFifoErrors: u64(dv, at + 144),
    txHeartbeatErrors: u64(dv, at + 152),
    txWindowErrors: u64(dv, at + 160),
    rxCompressed: u64(dv, at + 168),
    txCompressed: u64(dv, at + 176),
    rxNohandler: u64(dv, at + 184),
  };
  if (end - start >= 25 * 8) out.rxOtherhostDropped = u64(dv, at + 192);
  return out;
}

/** A network interface, as the kernel describes it in `RTM_NEWLINK`. */
export interface Link {
  /** Interface index. */
  index: number;
  /** Name (`IFLA_IFNAME`). */
  name: string;
  /** `ifi_family` (0 for ordinary link messages, 7 for bridge port messages). */
  family: number;
  /** Hardware type (`ARPHRD_*`, `ifi_type`). */
  hwType: number;
  /** Hardware type as iproute2 names it (`"ether"`, `"loopback"`, `"none"`), when known. */
  linkType?: string;
  /** Flags by name, as iproute2 shows them (`["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]`). */
  flags: string[];
  /** `ifi_flags` as a number (with `RUNNING`). */
  rawFlags: number;
  /** `ifi_change` (in notifications: which flags changed). */
  change: number;
  /** MTU. */
  mtu?: number;
  /** Smallest MTU the device accepts. */
  minMtu?: number;
  /** Largest MTU the device accepts. */
  maxMtu?: number;
  /** Operational state (`"up"`, `"down"`, `"lowerlayerdown"`, `"unknown"`…). */
  operstate?: string;
  /** Link mode (`"default"`, `"dormant"`, `"testing"`). */
  linkMode?: string;
  /** Hardware address. */
  address?: string;
  /** Hardware broadcast address. */
  broadcast?: string;
  /** Permanent hardware address. */
  permAddress?: string;
  /** Queueing discipline (`"noqueue"`, `"noop"`). */
  qdisc?: string;
  /** Transmit queue length. */
  txqlen?: number;
  /** Interface group (0 is `"default"`). */
  group?: number;
  /** Index of the master (bridge) this link is a port of. */
  master?: number;
  /** Index of the lower or peer link (`IFLA_LINK`); in `linkNetnsid` when that is set. */
  link?: number;
  /** Namespace id (as this namespace knows it) of the peer/lower link's namespace. */
  linkNetnsid?: number;
  /** `IFLA_TARGET_NETNSID` echoed: the namespace the link was reported from. */
  netnsid?: number;
  /** Promiscuity count. */
  promiscuity?: number;
  /** All-multicast count. */
  allmulti?: number;
  /** Alternative names. */
  altNames: string[];
  /** Alias (`ifalias`). */
  alias?: string;
  /** Largest GSO packet. */
  gsoMaxSize?: number;
  /** Most GSO segments. */
  gsoMaxSegs?: number;
  /** Largest GRO packet. */
  groMaxSize?: number;
  /** Largest TSO packet the device supports. */
  tsoMaxSize?: number;
  /** Most TSO segments the device supports. */
  tsoMaxSegs?: number;
  /** Largest IPv4 GSO packet. */
  gsoIpv4MaxSize?: number;
  /** Largest IPv4 GRO packet. */
  groIpv4MaxSize?: number;
  /** Transmit queues. */
  numTxQueues?: number;
  /** Receive queues. */
  numRxQueues?: number;
  /** Carrier present. */
  carrier?: boolean;
  /** Carrier changes. */
  carrierChanges?: number;
  /** Carrier up events. */
  carrierUpCount?: number;
  /** Carrier down events. */
  carrierDownCount?: number;
  /** Protocol down. */
  protoDown?: boolean;
  /** Physical port id (hex). */
  physPortId?: string;
  /** Physical port name. */
  physPortName?: string;
  /** Physical switch id (hex). */
  physSwitchId?: string;
  /** Parent device name. */
  parentDevName?: string;
  /** Parent device bus name. */
  parentDevBusName?: string;
  /** Number of SR-IOV virtual functions. */
  numVf?: number;
  /** EDT offload horizon, ns. */
  maxPacingOffloadHorizon?: number;
  /** The link cannot change namespace. */
  netnsImmutable?: boolean;
  /** Needed headroom. */
  headroom?: number;
  /** Needed tailroom. */
  tailroom?: number;
  /** IPv6 address generation mode (`"eui64"`, `"none"`, `"stable_secret"`, `"random"`). */
  inet6AddrGenMode?: string;
  /**
   * Per address family (`IFLA_AF_SPEC`: IPv4 and IPv6 settings, IPv6 and ICMPv6 counters, cacheinfo, token), only
   * when asked for: `{ afSpec: true }` to {@link listLinks}, {@link getLink} or `subscribe`, or {@link decodeLinkAfSpec}. Left out
   * otherwise (not kept in `unknown` either): some 140 values per link that `ip link` does not show and a dump
   * rarely needs, close to half the time of decoding a link. In bridge port (`family` 7) messages kept in `unknown`.
   * The settings most tools watch (forwarding, rp_filter, proxy ARP/NDP…) also come one device at a time, and as
   * events when they change, from `listNetconf` / `getNetconf` and the `ipv4_netconf` / `ipv6_netconf` groups.
   */
  afSpec?: LinkAfSpec;
  /** I/O resources (`IFLA_MAP`). */
  map?: LinkMap;
  /** XDP program (`IFLA_XDP`). */
  xdp?: LinkXdp;
  /** Devlink port (`IFLA_DEVLINK_PORT`). */
  devlinkPort?: LinkDevlinkPort;
  /** DPLL pin (`IFLA_DPLL_PIN`). */
  dpllPin?: LinkDpllPin;
  /** In notifications: `IFLA_EVENT`. */
  event?: number;
  /** In notifications of a namespace move: the id of the new namespace. */
  newNetnsid?: number;
  /** In notifications of a namespace move: the index in the new namespace. */
  newIfindex?: number;
  /** All counters. */
  stats64?: LinkStats64;
  /** Kind and kind-specific data. */
  linkinfo?: LinkInfo;
  /**
   * Attributes not decoded into fields (newer ones; `IFLA_PROTINFO` and `IFLA_AF_SPEC` of bridge port messages…),
   * raw: copies, made in shared 16 KiB buffers (a link kept keeps its buffer alive).
   */
  unknown: RawAttr[];
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * Where the payload of the first attribute of `type` in `bytes[from, to)`
 * starts, or -1; its end is left in `found.end`. The whole list is checked
 * (every length). No object per attribute: this runs for every link of a dump
 * (`inet6AddrGenMode`). A schema set reading only the mode (`inet6` nest,
 * `addrGenMode`, the rest skipped) was tried: the same time in Bun, 1.13× a
 * link's decode in Node (`bench/decode_checkouts.ts links`), for its two
 * objects a link.
 */
function findAttr(bytes: Uint8Array, from: number, to: number, type: number, found: { end: number }): number {
  let start = -1;
  for (let at = from; to - at >= NLA_HDRLEN;) {
    const len = bytes[at] | (bytes[at + 1] << 8);
    if (len < NLA_HDRLEN) throw new ParseError(`attribute length ${len} is shorter than its header`, at - from);
    if (len > to - at) throw new ParseError(`attribute length ${len} runs past the end (${to - at} left)`, at - from);
    if (start < 0 && ((bytes[at + 2] | (bytes[at + 3] << 8)) & NLA_TYPE_MASK) === type) {
      start = at + NLA_HDRLEN;
      found.end = at + len;
    }
    at += (len + 3) & ~3;
  }
  return start;
}

function inet6AddrGenMode(bytes: Uint8Array, start: number, end: number): string | undefined {
  const found = { end: 0 };
  const inet6 = findAttr(bytes, start, end, 10, /* AF_INET6 */ found);
  if (inet6 < 0) return undefined;
  const mode = findAttr(bytes, inet6, found.end, 8, /* IFLA_INET6_ADDR_GEN_MODE */ found);
  if (mode < 0) return undefined;
  if (found.end - mode < 1) throw new ParseError("IFLA_INET6_ADDR_GEN_MODE: u8 needs 1 bytes, has 0", 0);
  const m = bytes[mode];
  return ADDR_GEN_MODES[m] ?? String(m);
}

/** The `IFLA_*` attributes, keyed as in YNL's `rt-link` spec (requests, extended-ACK paths). */
const LINK_ATTR_DEFS = {
  address: { id: 1, type: "mac" },
  broadcast: { id: 2, type: "mac" },
  ifname: { id: 3, type: "string" },
  mtu: { id: 4, type: "u32" },
  link: { id: 5, type: "u32" },
  qdisc: { id: 6, type: "string" },
  stats: { id: 7, type: "binary" },
  master: { id: 10, type: "u32" },
  protinfo: { id: 12, type: "binary" },
  txqlen: { id: 13, type: "u32" },
  map: { id: 14, type: "binary" },
  operstate: { id: 16, type: "u8" },
  linkmode: { id: 17, type: "u8" },
  linkinfo: { id: 18, type: "nest", nested: linkinfoAttrs },
  netNsPid: { id: 19, type: "u32" },
  ifalias: { id: 20, type: "string" },
  numVf: { id: 21, type: "u32" },
  stats64: { id: 23, type: "binary" },
  afSpec: { id: 26, type: "binary" },
  group: { id: 27, type: "u32" },
  netNsFd: { id: 28, type: "u32" },
  extMask: { id: 29, type: "u32" },
  promiscuity: { id: 30, type: "u32" },
  numTxQueues: { id: 31, type: "u32" },
  numRxQueues: { id: 32, type: "u32" },
  carrier: { id: 33, type: "u8" },
  physPortId: { id: 34, type: "binary" },
  carrierChanges: { id: 35, type: "u32" },
  physSwitchId: { id: 36, type: "binary" },
  linkNetnsid: { id: 37, type: "s32" },
  physPortName: { id: 38, type: "string" },
  protoDown: { id: 39, type: "u8" },
  gsoMaxSegs: { id: 40, type: "u32" },
  gsoMaxSize: { id: 41, type: "u32" },
  pad: { id: 42, type: "pad" },
  xdp: { id: 43, type: "binary" },
  event: { id: 44, type: "u32" },
  newNetnsid: { id: 45, type: "s32" },
  targetNetnsid: { id: 46, type: "s32" },
  carrierUpCount: { id: 47, type: "u32" },
  carrierDownCount: { id: 48, type: "u32" },
  newIfindex: { id: 49, type: "s32" },
  minMtu: { id: 50, type: "u32" },
  maxMtu: { id: 51, type: "u32" },
  propList: { id: 52, type: "binary" },
  altIfname: { id: 53, type: "string", "multi-attr": true },
  permAddress: { id: 54, type: "mac" },
  protoDownReason: { id: 55, type: "binary" },
  parentDevName: { id: 56, type: "string" },
  parentDevBusName: { id: 57, type: "string" },
  groMaxSize: { id: 58, type: "u32" },
  tsoMaxSize: { id: 59, type: "u32" },
  tsoMaxSegs: { id: 60, type: "u32" },
  allmulti: { id: 61, type: "u32" },
  devlinkPort: { id: 62, type: "binary" },
  gsoIpv4MaxSize: { id: 63, type: "u32" },
  groIpv4MaxSize: { id: 64, type: "u32" },
  dpllPin: { id: 65, type: "binary" },
  maxPacingOffloadHorizon: { id: 66, type: "uint", as: "number" },
  netnsImmutable: { id: 67, type: "u8" },
  headroom: { id: 68, type: "u16" },
  tailroom: { id: 69, type: "u16" },
} as const;

/** IPv6 settings the kernel keeps unsigned (`__u32` in `struct ipv6_devconf`): the others are `__s32`. */
const UNSIGNED_DEVCONF6: ReadonlySet<string> = new Set(["raDefrtrMetric", "ioam6Id", "ioam6IdWide", "acceptRaMinLft"]);

/** `IFLA_INET_*`. */
const INET_ATTRS = defineAttrSet({
  name: "link-inet",
  prefix: "IFLA_INET_",
  attributes: {
    conf: {
      id: 1,
      type: "binary",
      struct: { name: "ipv4_devconf", partial: true, members: IPV4_DEVCONF.map((name) => ({ name, type: "s32" })) },
    },
  },
});

/** `IFLA_INET6_*`. */
const INET6_ATTRS = defineAttrSet({
  name: "link-inet6",
  prefix: "IFLA_INET6_",
  attributes: {
    flags: { id: 1, type: "u32" },
    conf: {
      id: 2,
      type: "binary",
      struct: {
        name: "ipv6_devconf",
        partial: true,
        members: IPV6_DEVCONF.map((name) => ({ name, type: UNSIGNED_DEVCONF6.has(name) ? "u32" : "s32" })),
      },
    },
    stats: { id: 3, type: "binary", "sub-type": "u64", as: "number" },
    cacheinfo: {
      id: 5,
      type: "binary",
      struct: {
        name: "ifla_cacheinfo",
        members: [
          { name: "maxReasmLen", type: "u32" },
          { name: "tstamp", type: "u32" },
          { name: "reachableTime", type: "u32" },
          { name: "retransTime", type: "u32" },
        ],
      },
    },
    icmp6Stats: { id: 6, type: "binary", "sub-type": "u64", as: "number", cname: "IFLA_INET6_ICMP6STATS" },
    token: { id: 7, type: "ip" },
    addrGenMode: { id: 8, type: "u8", enum: ADDR_GEN_MODES },
    raMtu: { id: 9, type: "u32" },
  },
});

/** `IFLA_AF_SPEC` of a `family` 0 message: one nest per address family. */
const AF_SPEC_ATTRS = defineAttrSet({
  name: "link-af-spec",
  attributes: {
    inet: { id: 2, type: "nest", nested: INET_ATTRS, cname: "AF_INET" },
    inet6: { id: 10, type: "nest", nested: INET6_ATTRS, cname: "AF_INET6" },
  },
});

/** `IFLA_XDP_*`. */
const XDP_ATTRS = defineAttrSet({
  name: "link-xdp",
  prefix: "IFLA_XDP_",
  attributes: {
    attached: { id: 2, type: "u8", enum: XDP_ATTACHED },
    flags: { id: 3, type: "u32" },
    progId: { id: 4, type: "u32" },
    drvProgId: { id: 5, type: "u32" },
    skbProgId: { id: 6, type: "u32" },
    hwProgId: { id: 7, type: "u32" },
  },
});

/** The devlink handle in `IFLA_DEVLINK_PORT` (`DEVLINK_ATTR_*`). */
const DEVLINK_PORT_ATTRS = defineAttrSet({
  name: "link-devlink-port",
  prefix: "DEVLINK_ATTR_",
  attributes: {
    busName: { id: 1, type: "string" },
    devName: { id: 2, type: "string" },
    portIndex: { id: 3, type: "u32" },
  },
});

/** `IFLA_DPLL_PIN` (`DPLL_A_PIN_*`). */
const DPLL_PIN_ATTRS = defineAttrSet({
  name: "link-dpll-pin",
  prefix: "DPLL_A_PIN_",
  attributes: { id: { id: 1, type: "u32" } },
});

/** `struct rtnl_link_ifmap`; its addresses fit a number (physical addresses are under 2^53). */
const IFMAP = {
  name: "rtnl_link_ifmap",
  members: [
    { name: "memStart", type: "u64", as: "number" },
    { name: "memEnd", type: "u64", as: "number" },
    { name: "baseAddr", type: "u64", as: "number" },
    { name: "irq", type: "u16" },
    { name: "dma", type: "u8" },
    { name: "port", type: "u8" },
  ],
} as const;

/** The `IFLA_*` attributes of a link message (after `struct ifinfomsg`). */
export const linkAttrs: AttrSet = defineAttrSet({ name: "link", prefix: "IFLA_", attributes: LINK_ATTR_DEFS });

/** A u8 named by a list (operstate, link mode), or the number as text. */
function namedU8(names: readonly string[], what: string): Codec<string> {
  return {
    decode: (b) => names[b[0]] ?? String(b[0]),
    decodeAt(b, s, e) {
      if (e - s < 1) throw new ParseError(`${what}: u8 needs 1 bytes, has 0`, 0);
      return names[b[s]] ?? String(b[s]);
    },
  };
}

/** A binary payload as hex text. */
const HEX: Codec<string> = { decode: hex, decodeAt: (b, s, e) => hex(b.subarray(s, e)) };

const D = LINK_ATTR_DEFS;
/**
 * The attributes {@link Link} has fields for, keyed by those fields: what
 * {@link decodeLink} reads into the link object itself (the same numbers and
 * wire types as {@link linkAttrs}; where a field is not the attribute's value
 * as it is, a codec reads it). The 32-bit `IFLA_STATS` (the 64-bit ones
 * carry the same) and padding are skipped; every other attribute is kept in
 * `unknown`. `IFLA_AF_SPEC` is not here: each of {@link LINK_FIELDS},
 * {@link LINK_FIELDS_WITH_AF_SPEC} and {@link BRIDGE_LINK_FIELDS} reads it
 * its own way.
 */
const LINK_FIELD_DEFS = lastOfScalars({
  address: D.address,
  broadcast: D.broadcast,
  name: { ...D.ifname, cname: "IFLA_IFNAME", duplicate: "last" }, // the header's "" is replaced
  mtu: D.mtu,
  link: D.link,
  qdisc: D.qdisc,
  stats: { id: D.stats.id, type: "pad" },
  master: D.master,
  txqlen: D.txqlen,
  operstate: { id: D.operstate.id, type: "binary", codec: namedU8(OPERSTATES, "IFLA_OPERSTATE") },
  linkMode: { id: D.linkmode.id, type: "binary", codec: namedU8(LINK_MODES, "IFLA_LINKMODE") },
  linkinfo: {
    id: D.linkinfo.id,
    type: "binary",
    codec: { decode: decodeLinkInfo, decodeAt: decodeLinkInfoAt },
  },
  alias: { ...D.ifalias, cname: "IFLA_IFALIAS" },
  numVf: D.numVf,
  stats64: {
    id: D.stats64.id,
    type: "binary",
    codec: { decode: (b) => decodeStats64(b, 0, b.length), decodeAt: decodeStats64 },
  },
  group: D.group,
  promiscuity: D.promiscuity,
  numTxQueues: D.numTxQueues,
  numRxQueues: D.numRxQueues,
  carrier: { ...D.carrier, as: "boolean" },
  physPortId: { id: D.physPortId.id, type: "binary", codec: HEX },
  carrierChanges: D.carrierChanges,
  physSwitchId: { id: D.physSwitchId.id, type: "binary", codec: HEX },
  linkNetnsid: D.linkNetnsid,
  physPortName: D.physPortName,
  protoDown: { ...D.protoDown, as: "boolean" },
  gsoMaxSegs: D.gsoMaxSegs,
  gsoMaxSize: D.gsoMaxSize,
  pad: D.pad,
  event: D.event,
  newNetnsid: D.newNetnsid,
  netnsid: { ...D.targetNetnsid, cname: "IFLA_TARGET_NETNSID" },
  carrierUpCount: D.carrierUpCount,
  carrierDownCount: D.carrierDownCount,
  newIfindex: D.newIfindex,
  minMtu: D.minMtu,
  maxMtu: D.maxMtu,
  altNames: {
    id: D.propList.id,
    type: "binary",
    cname: "IFLA_PROP_LIST",
    duplicate: "last", // the header's [] is replaced
    codec: { decode: (b) => altNames(b, 0, b.length), decodeAt: altNames },
  },
  permAddress: D.permAddress,
  parentDevName: D.parentDevName,
  parentDevBusName: D.parentDevBusName,
  groMaxSize: D.groMaxSize,
  tsoMaxSize: D.tsoMaxSize,
  tsoMaxSegs: D.tsoMaxSegs,
  allmulti: D.allmulti,
  gsoIpv4MaxSize: D.gsoIpv4MaxSize,
  groIpv4MaxSize: D.groIpv4MaxSize,
  maxPacingOffloadHorizon: D.maxPacingOffloadHorizon,
  netnsImmutable: { ...D.netnsImmutable, as: "boolean" },
  headroom: D.headroom,
  tailroom: D.tailroom,
  map: { id: D.map.id, type: "binary", struct: IFMAP },
  xdp: { id: D.xdp.id, type: "nest", nested: XDP_ATTRS },
  devlinkPort: { id: D.devlinkPort.id, type: "nest", nested: DEVLINK_PORT_ATTRS },
  dpllPin: { id: D.dpllPin.id, type: "nest", nested: DPLL_PIN_ATTRS },
});
/**
 * What a link message's fields are read by: `IFLA_AF_SPEC` gives only the
 * IPv6 address generation mode, read in place (its ~140 values are decoded
 * when asked for: {@link LINK_FIELDS_WITH_AF_SPEC}).
 */
const LINK_FIELDS = defineAttrSet({
  name: "link",
  prefix: "IFLA_",
  attributes: {
    ...LINK_FIELD_DEFS,
    inet6AddrGenMode: {
      id: D.afSpec.id,
      type: "binary",
      cname: "IFLA_AF_SPEC",
      codec: { decode: (b) => inet6AddrGenMode(b, 0, b.length), decodeAt: inet6AddrGenMode },
    },
  },
});

/** {@link LINK_FIELDS} with `IFLA_AF_SPEC` decoded into `afSpec` (`{ afSpec: true }`). */
const LINK_FIELDS_WITH_AF_SPEC = defineAttrSet({
  name: "link",
  prefix: "IFLA_",
  attributes: { ...LINK_FIELD_DEFS, afSpec: { id: D.afSpec.id, type: "nest", nested: AF_SPEC_ATTRS } },
});

/**
 * The same for a bridge port message (`family` `AF_BRIDGE`), whose
 * `IFLA_AF_SPEC` holds `IFLA_BRIDGE_*` attributes instead of one nest per
 * family: kept in `unknown`.
 */
const BRIDGE_LINK_FIELDS = defineAttrSet({ name: "link", prefix: "IFLA_", attributes: LINK_FIELD_DEFS });

/**
 * Scalars and strings take the last of their attribute (as the kernel sends
 * each once, this only matters for forged messages; a plain store is also
 * what decodes a link fastest); addresses, names by value and binary
 * payloads keep the first.
 */
function lastOfScalars<T extends Record<string, AttrDef>>(attributes: T): T {
  const out: Record<string, AttrDef> = {};
  for (const [key, def] of Object.entries(attributes)) {
    const scalar = def.type !== "mac" && def.type !== "binary" && def.type !== "pad";
    out[key] = scalar && def.duplicate === undefined ? { ...def, duplicate: "last" } : def;
  }
  return out as T;
}

/** `IFLA_PROP_LIST`: the alternative names (the only property the kernel has). */
const PROP_LIST_ATTRS = defineAttrSet({
  name: "link-prop-list",
  prefix: "IFLA_",
  unknown: "skip",
  attributes: { altIfname: { id: D.altIfname.id, type: "string", "multi-attr": true } },
});

/** The `IFLA_ALT_IFNAME`s in an `IFLA_PROP_LIST`. */
function altNames(b: Uint8Array, s: number, e: number): string[] {
  return decodeAttrsAt(PROP_LIST_ATTRS, b, s, e).altIfname ?? [];
}

/**
 * Decodes an `RTM_NEWLINK` / `RTM_DELLINK` message. Lengths are never
 * trusted: a short header, an attribute running past the end or a value of
 * the wrong size is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * import { decodeLink, RTM } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM.GETLINK, Flags.DUMP);
 * req.struct(16);
 * for await (const msg of sock.dump(req.finish())) console.log(decodeLink(msg).name);
 * ```
 */
export function decodeLink(msg: NetlinkMessage): Link {
  return decodeLinkIn(msg.payload, 0, msg.payload.length, false);
}

/**
 * The `IFLA_AF_SPEC` of a link message, decoded as {@link Link.afSpec}
 * (which {@link decodeLink} leaves out), or undefined where the message
 * has none or is a bridge port message (`family` 7, whose `IFLA_AF_SPEC`
 * holds bridge attributes: in the link's `unknown`).
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * import { decodeLinkAfSpec, RTM } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM.GETLINK, Flags.DUMP);
 * req.struct(16);
 * for await (const msg of sock.dump(req.finish())) console.log(decodeLinkAfSpec(msg)?.inet?.conf?.forwarding);
 * ```
 */
export function decodeLinkAfSpec(msg: NetlinkMessage): LinkAfSpec | undefined {
  const afSpec = decodeLinkIn(msg.payload, 0, msg.payload.length, true).afSpec;
  // Raw attributes of a family not decoded: written by the library's JSON rule, as a link holding them is.
  return afSpec === undefined ? undefined : withJsonIfNeeded(afSpec);
}

/**
 * {@link decodeLink}, with `IFLA_AF_SPEC` decoded into `afSpec` when
 * `afSpec` is true (the event stream's `{ afSpec: true }`); not exported
 * from the package.
 */
export function decodeLinkWith(msg: NetlinkMessage, afSpec: boolean): Link {
  return decodeLinkIn(msg.payload, 0, msg.payload.length, afSpec);
}

/** Options of {@link getLink}. */
export interface GetLinkOptions {
  /**
   * Decode `IFLA_AF_SPEC` into {@link Link.afSpec} (IPv4 and IPv6 settings, IPv6 counters). Off by default:
   * `inet6AddrGenMode` is read either way.
   */
  afSpec?: boolean;
}

/**
 * What {@link decodeLinkIn} makes a link with: `new LinkObject(…)` is a
 * plain object (its prototype is `Object.prototype`, as an object literal's:
 * `deepStrictEqual`, spreading and JSON see no difference, which
 * `test/route/link_object.test.ts` checks) holding the fields of the
 * header. Made by a constructor rather than a literal because V8 gives an
 * object made by `new` room inside it for every property its constructor's
 * source assigns: the never-run branch below names the attribute fields, so
 * the 30–40 stores of the attribute loop land inside the object instead of
 * growing a separate backing store a few fields at a time.
 */
const LinkObject = function LinkObject(
  this: Record<string, unknown>,
  index: number,
  family: number,
  hwType: number,
  linkType: string | undefined,
  flags: string[],
  rawFlags: number,
  change: number,
): void {
  this.index = index;
  this.name = "";
  this.family = family;
  this.hwType = hwType;
  if (linkType !== undefined) this.linkType = linkType;
  this.flags = flags;
  this.rawFlags = rawFlags;
  this.change = change;
  this.altNames = [];
  this.unknown = [];
  if (change < 0) {
    // Never runs (`change` is unsigned): only its assignments matter, to V8's count of this object's fields.
    this.address = undefined;
    this.broadcast = undefined;
    this.mtu = undefined;
    this.link = undefined;
    this.qdisc = undefined;
    this.master = undefined;
    this.txqlen = undefined;
    this.operstate = undefined;
    this.linkMode = undefined;
    this.linkinfo = undefined;
    this.alias = undefined;
    this.numVf = undefined;
    this.stats64 = undefined;
    this.group = undefined;
    this.promiscuity = undefined;
    this.numTxQueues = undefined;
    this.numRxQueues = undefined;
    this.carrier = undefined;
    this.physPortId = undefined;
    this.carrierChanges = undefined;
    this.physSwitchId = undefined;
    this.linkNetnsid = undefined;
    this.physPortName = undefined;
    this.protoDown = undefined;
    this.gsoMaxSegs = undefined;
    this.gsoMaxSize = undefined;
    this.event = undefined;
    this.newNetnsid = undefined;
    this.netnsid = undefined;
    this.carrierUpCount = undefined;
    this.carrierDownCount = undefined;
    this.newIfindex = undefined;
    this.minMtu = undefined;
    this.maxMtu = undefined;
    this.permAddress = undefined;
    this.parentDevName = undefined;
    this.parentDevBusName = undefined;
    this.groMaxSize = undefined;
    this.tsoMaxSize = undefined;
    this.tsoMaxSegs = undefined;
    this.allmulti = undefined;
    this.gsoIpv4MaxSize = undefined;
    this.groIpv4MaxSize = undefined;
    this.maxPacingOffloadHorizon = undefined;
    this.netnsImmutable = undefined;
    this.headroom = undefined;
    this.tailroom = undefined;
    this.inet6AddrGenMode = undefined;
    this.map = undefined;
    this.xdp = undefined;
    this.afSpec = undefined;
    this.devlinkPort = undefined;
    this.dpllPin = undefined;
  }
} as unknown as new (
  index: number,
  family: number,
  hwType: number,
  linkType: string | undefined,
  flags: string[],
  rawFlags: number,
  change: number,
) => Link;
LinkObject.prototype = Object.prototype;

/**
 * {@link decodeLink} of the payload in `b[s, e)`, read in place (a dump's
 * datagram: no message object or view per link). Nothing of the link refers
 * to `b`.
 */
function decodeLinkIn(b: Uint8Array, s: number, e: number, afSpec: boolean): Link {
  if (e - s < IFINFOMSG_LEN) {
    throw new ParseError(`ifinfomsg needs ${IFINFOMSG_LEN} bytes, message has ${e - s}`, 16);
  }
  const rawFlags = v.u32At(b, s + 8);
  const hwType = b[s + 2] | (b[s + 3] << 8);
  const link = new LinkObject(
    v.u32At(b, s + 4) | 0,
    b[s],
    hwType,
    ARPHRD[hwType],
    linkFlagNames(rawFlags),
    rawFlags,
    v.u32At(b, s + 12),
  );
  if (link.family !== AF_BRIDGE) {
    const fields = afSpec ? LINK_FIELDS_WITH_AF_SPEC : LINK_FIELDS;
    decodeAttrsInto(fields, link, b, s + IFINFOMSG_LEN, e, 16 + IFINFOMSG_LEN);
    if (afSpec) {
      const mode6 = link.afSpec?.inet6?.addrGenMode;
      if (mode6 !== undefined) link.inet6AddrGenMode = String(mode6); // a mode without a name as its number, as ip prints it
    }
  } else {
    decodeAttrsInto(BRIDGE_LINK_FIELDS, link, b, s + IFINFOMSG_LEN, e, 16 + IFINFOMSG_LEN);
    // A bridge port message's IFLA_AF_SPEC stays in `unknown`; the IPv6 mode is looked for in it all the same.
    for (const a of link.unknown) {
      if (a.type !== IFLA.AF_SPEC) continue;
      const mode6 = inet6AddrGenMode(a.value, 0, a.value.length);
      if (mode6 !== undefined) link.inet6AddrGenMode = mode6;
      break;
    }
  }
  // The library's JSON rule (src/wire/json.ts), given only to a link that
  // holds bytes or a bigint: a non-enumerable `toJSON` costs a
  // `defineProperty`, as much as a tenth of decoding a link. An ordinary
  // link (every attribute decoded, a kind with no raw data) holds neither
  // and is written by a bare `JSON.stringify` as `toJson` writes it.
  return holdsRawField(link) ? withJson(link) : link;
}

const AF_BRIDGE = 7;

/**
 * Whether one of the fields of `link` that can hold bytes does: the
 * unknown attributes of the link and of its nests, and its kind's data.
 */
function holdsRawField(link: Link): boolean {
  if (link.unknown.length > 0) return true;
  if (link.linkinfo !== undefined && holdsRaw(link.linkinfo)) return true;
  const af = link.afSpec;
  if (af !== undefined && (af.unknown || af.inet?.unknown || af.inet6?.unknown)) return true;
  return link.xdp?.unknown !== undefined || link.devlinkPort?.unknown !== undefined ||
    link.dpllPin?.unknown !== undefined;
}

// ---- requests ----

/** A link by name (or alternative name) or by index. */
export type LinkRef = string | number;

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index <= 0 || index > 0x7fffffff) {
    throw new TypeError(`interface index must be a positive integer, got ${index}`);
  }
}

function checkAltName(name: string): void {
  if (typeof name !== "string" || name.length === 0) throw new TypeError("alternative name must be a non-empty string");
  const bytes = new TextEncoder().encode(name).length;
  if (bytes > 127) throw new TypeError(`alternative name ${JSON.stringify(name)} is ${bytes} bytes; at most 127`);
  if (/[\s/:]/.test(name)) throw new TypeError(`alternative name ${JSON.stringify(name)} contains a bad character`);
}

/** Validates a reference; strings longer than 15 bytes are looked up as alternative names. */
function checkRef(ref: LinkRef): void {
  if (typeof ref === "number") checkIndex(ref);
  else if (new TextEncoder().encode(ref).length > 15) checkAltName(ref);
  else checkIfName(ref);
}

/** Writes the header and, for a name, the attribute that selects the link. */
function selectLink(w: AttrWriter, ref: LinkRef, header: { flags?: number; change?: number } = {}): void {
  writeIfinfomsg(w, { index: typeof ref === "number" ? ref : 0, ...header });
  if (typeof ref === "string") {
    if (new TextEncoder().encode(ref).length > 15) w.str(IFLA.ALT_IFNAME, ref);
    else w.str(IFLA.IFNAME, ref);
  }
}

function checkU32(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 0xffffffff)) {
    throw new TypeError(`${what} must be an integer in 0..4294967295, got ${value}`);
  }
}

/** Opens namespace fds on demand and closes them afterwards. */
function withContext<T>(fn: (ctx: EncodeContext) => Promise<T>): Promise<T> {
  return withNetnsFiles((open) => fn({ netnsFd: open }));
}

/** Options of {@link listLinks}. */
export interface ListLinksOptions {
  /** Cancels the dump. */
  signal?: AbortSignal;
  /** Only ports of this master (kernel-side filter). */
  master?: number;
  /** Only links of this kind (kernel-side filter). */
  kind?: string;
  /** Decode `IFLA_AF_SPEC` into {@link Link.afSpec} (see {@link GetLinkOptions}). */
  afSpec?: boolean;
}

/**
 * Dumps every link, streaming: each is decoded as its datagram arrives.
 * {@link listLinkBatches} is the same dump a datagram at a time.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listLinks, rtmName } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { describeType: rtmName });
 * for await (const link of listLinks(sock)) console.log(link.index, link.name, link.operstate);
 * ```
 */
export function listLinks(sock: NetlinkSocket, options: ListLinksOptions = {}): AsyncGenerator<Link, void, undefined> {
  return eachOf(listLinkBatches(sock, options), options.signal);
}

/**
 * {@link listLinks}, yielding the links of each datagram together, as an
 * array (never empty): one step of the iterator per datagram rather than
 * per link. The same filters, order, ending and errors.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listLinkBatches } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const links of listLinkBatches(sock)) for (const link of links) console.log(link.name);
 * ```
 */
export async function* listLinkBatches(
  sock: NetlinkSocket,
  options: ListLinksOptions = {},
): AsyncGenerator<Link[], void, undefined> {
  const m = new MessageWriter(RTM.GETLINK, Flags.DUMP);
  writeIfinfomsg(m);
  if (options.master !== undefined) {
    checkIndex(options.master);
    m.u32(IFLA.MASTER, options.master);
  }
  if (options.kind !== undefined) m.nest(IFLA.LINKINFO, (i) => i.str(IFLA_INFO.KIND, options.kind!));
  const signal = options.signal;
  const afSpec = options.afSpec === true;
  // A datagram at a time, each link decoded in place; a link refers to
  // nothing of its bytes, so the buffer goes back to the socket once its
  // links are decoded.
  for await (const datagram of sock.dumpDatagrams(m.finish(), { signal })) {
    signal?.throwIfAborted();
    const links: Link[] = [];
    const b = datagram.bytes;
    const starts = datagram.starts;
    for (let i = 0; i < starts.length; i++) {
      const at = starts[i];
      if ((b[at + 4] | (b[at + 5] << 8)) === RTM.NEWLINK) {
        links.push(decodeLinkIn(b, at + NLMSG_HDRLEN, at + v.u32At(b, at), afSpec));
      }
    }
    datagram.release();
    if (links.length > 0) yield links;
  }
}

/**
 * Gets one link by name (or alternative name) or index. A missing link
 * rejects with a {@link NetlinkError} whose code is `ENODEV`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { getLink } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * const lo = await getLink(sock, "lo");
 * console.log(lo.index, lo.flags);
 * ```
 */
export async function getLink(
  sock: NetlinkSocket,
  nameOrIndex: LinkRef,
  options: GetLinkOptions = {},
): Promise<Link> {
  checkRef(nameOrIndex);
  const m = new MessageWriter(RTM.GETLINK);
  selectLink(m, nameOrIndex);
  const replies = await sock.request(m.finish());
  const reply = replies.find((r) => r.type === RTM.NEWLINK);
  if (!reply) throw new ParseError("RTM_GETLINK was answered without a link", 0);
  return decodeLinkWith(reply, options.afSpec === true);
}

async function resolveIndex(sock: NetlinkSocket, ref: LinkRef): Promise<number> {
  if (typeof ref === "number") {
    checkIndex(ref);
    return ref;
  }
  return (await getLink(sock, ref)).index;
}

/** Settings every kind shares at creation. */
export interface LinkSpecCommon {
  /** Interface name (1..15 bytes). */
  name: string;
  /** MTU. */
  mtu?: number;
  /** Hardware address. */
  address?: string;
  /** Transmit queue length. */
  txqlen?: number;
  /** Interface group. */
  group?: number;
  /** Master to enslave to (a bridge), by name or index. */
  master?: LinkRef;
  /** Bring the link up at once. */
  up?: boolean;
  /** Transmit queues. */
  numTxQueues?: number;
  /** Receive queues. */
  numRxQueues?: number;
}

/** A veth pair. */
export interface VethSpec extends LinkSpecCommon {
  /** Kind. */
  kind: "veth";
  /** The peer. */
  peer?: VethPeerOptions;
}
/** A bridge. */
export interface BridgeSpec extends LinkSpecCommon {
  /** Kind. */
  kind: "bridge";
  /** Bridge options. */
  bridge?: BridgeOptions;
}
/** A VXLAN device. */
export interface VxlanSpec extends LinkSpecCommon {
  /** Kind. */
  kind: "vxlan";
  /** VXLAN options (`id` is required). */
  vxlan: VxlanOptions & { id: number };
}
/** A TUN or TAP device (created through `/dev/net/tun`, left persistent). */
export interface TunSpec extends LinkSpecCommon {
  /** Kind. */
  kind: "tun";
  /** Tun options (`type: "tap"` for a TAP device). */
  tun?: TunOptions;
  /**
   * The namespace the socket lives in, when it is not the caller's: a tun
   * device is created where `/dev/net/tun` is opened, not where the socket is.
   */
  netns?: NetnsTarget;
}
/** A kind without options (`ifb`, `dummy`, `nlmon`…). */
export interface SimpleLinkSpec extends LinkSpecCommon {
  /** Kind. */
  kind: "ifb" | "dummy" | "nlmon" | "vcan";
}

/** What {@link addLink} creates. */
export type LinkSpec = VethSpec | BridgeSpec | VxlanSpec | TunSpec | SimpleLinkSpec;

/**
 * Octets of a hardware address of the links {@link addLink} creates: 6 for
 * the Ethernet-like kinds, 0 for those without one (tun, nlmon, vcan).
 */
function addressLength(spec: LinkSpec): number {
  if (spec.kind === "tun") return spec.tun?.type === "tap" ? 6 : 0;
  return spec.kind === "nlmon" || spec.kind === "vcan" ? 0 : 6;
}

/**
 * Checks a hardware address for a link whose addresses have `length`
 * octets: the kernel silently truncates a longer one.
 */
function checkLinkAddress(text: string, length: number, what: string, link: string): void {
  if (length === 0) throw new TypeError(`${what}: ${link} has no hardware address`);
  v.parseMac(text, length);
}

function checkCommon(spec: LinkSpec): void {
  checkIfName(spec.name);
  checkU32(spec.mtu, "mtu");
  checkU32(spec.txqlen, "txqlen");
  checkU32(spec.group, "group");
  checkU32(spec.numTxQueues, "numTxQueues");
  checkU32(spec.numRxQueues, "numRxQueues");
  const kind = spec.kind === "tun" ? spec.tun?.type ?? "tun" : spec.kind;
  if (spec.address !== undefined) checkLinkAddress(spec.address, addressLength(spec), "address", `a ${kind} link`);
  if (spec.master !== undefined) checkRef(spec.master);
  if (spec.kind === "tun" && spec.netns !== undefined) checkNetnsTarget(spec.netns, "netns");
  if (spec.kind === "veth" && spec.peer !== undefined) {
    if (spec.peer.address !== undefined) checkLinkAddress(spec.peer.address, 6, "peer address", "a veth link");
    if (spec.peer.netns !== undefined) checkNetnsTarget(spec.peer.netns, "peer netns");
  }
}

/**
 * Creates a link and returns it as the kernel reports it afterwards.
 * Everything is validated before anything is sent (a bad name is a
 * `TypeError`, a bad address or one of the wrong length an `AddressError`);
 * kernel refusals are {@link NetlinkError}s with the ext-ACK text. A failed
 * call leaves nothing behind: the kernel creates the other kinds in one
 * message, and a tun/tap device (created through `/dev/net/tun`, then
 * configured) is made persistent only once every setting was accepted.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addLink, rtmName } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab", describeType: rtmName });
 * await addLink(sock, { kind: "bridge", name: "br0", bridge: { stpState: 1 }, up: true });
 * await addLink(sock, { kind: "veth", name: "v0", peer: { name: "v1" }, master: "br0" });
 * await addLink(sock, { kind: "vxlan", name: "vx0", vxlan: { id: 42, remote: "10.0.0.2", port: 4789 } });
 * ```
 */
export async function addLink(sock: NetlinkSocket, spec: LinkSpec): Promise<Link> {
  checkCommon(spec);
  const codec = linkKindCodec(spec.kind);
  if (spec.kind === "tun") return await addTun(sock, spec);
  const master = spec.master !== undefined ? await resolveIndex(sock, spec.master) : undefined;
  await withContext(async (ctx) => {
    const m = new MessageWriter(RTM.NEWLINK, Flags.CREATE | Flags.EXCL);
    writeIfinfomsg(m, spec.up ? { flags: IFF.UP, change: IFF.UP } : {});
    m.str(IFLA.IFNAME, spec.name);
    if (spec.mtu !== undefined) m.u32(IFLA.MTU, spec.mtu);
    if (spec.address !== undefined) m.mac(IFLA.ADDRESS, spec.address);
    if (spec.txqlen !== undefined) m.u32(IFLA.TXQLEN, spec.txqlen);
    if (spec.group !== undefined) m.u32(IFLA.GROUP, spec.group);
    if (spec.numTxQueues !== undefined) m.u32(IFLA.NUM_TX_QUEUES, spec.numTxQueues);
    if (spec.numRxQueues !== undefined) m.u32(IFLA.NUM_RX_QUEUES, spec.numRxQueues);
    if (master !== undefined) m.u32(IFLA.MASTER, master);
    m.nest(IFLA.LINKINFO, (info) => {
      info.str(IFLA_INFO.KIND, spec.kind);
      const options = spec.kind === "veth"
        ? (spec.peer ? { peer: spec.peer } : undefined)
        : spec.kind === "bridge"
        ? spec.bridge
        : spec.kind === "vxlan"
        ? spec.vxlan
        : undefined;
      if (options !== undefined && codec?.encodeData) {
        info.nest(IFLA_INFO.DATA, (d) => codec.encodeData!(d, options, ctx));
      }
    });
    await sock.request(m.finish());
  });
  return await getLink(sock, spec.name);
}

async function addTun(sock: NetlinkSocket, spec: TunSpec): Promise<Link> {
  // What can fail for outside reasons goes before the device exists.
  const master = spec.master !== undefined ? await resolveIndex(sock, spec.master) : undefined;
  const handle = await openTun(spec.name, spec.tun ?? {}, spec.netns);
  // Until persist() the device lives only as long as this descriptor: any
  // failure below closes it, and the device goes with it.
  try {
    let link: Link;
    try {
      link = await getLink(sock, handle.name);
    } catch (e) {
      if (e instanceof NetlinkError && e.code === "ENODEV") {
        throw new TypeError(
          `the ${spec.tun?.type ?? "tun"} device was created in another network namespace than the socket's; ` +
            "pass the socket's namespace as netns",
        );
      }
      throw e;
    }
    const { name: _n, kind: _k, tun: _t, netns: _ns, numTxQueues: _tx, numRxQueues: _rx, ...rest } = spec;
    const changes: LinkChanges = { ...rest, master };
    if (Object.values(changes).some((x) => x !== undefined)) await setLink(sock, link.index, changes);
    handle.persist();
    return await getLink(sock, link.index);
  } finally {
    handle.close();
  }
}

/** What {@link setLink} changes; absent fields are left alone. */
export interface LinkChanges {
  /** Bring up (`true`) or down (`false`). */
  up?: boolean;
  /** MTU. */
  mtu?: number;
  /** New name. */
  name?: string;
  /** Hardware address. */
  address?: string;
  /** Hardware broadcast address. */
  broadcast?: string;
  /** Master by name or index; `null` releases the link from its master. */
  master?: LinkRef | null;
  /** Move to another namespace: name or path, an open fd, or `{ pid }`. */
  netns?: NetnsTarget;
  /** Transmit queue length. */
  txqlen?: number;
  /** Interface group. */
  group?: number;
  /** Alias (`""` clears it). */
  alias?: string;
  /** Promiscuous mode. */
  promisc?: boolean;
  /** All-multicast mode. */
  allmulti?: boolean;
  /** ARP (`false` sets NOARP). */
  arp?: boolean;
  /** Multicast. */
  multicast?: boolean;
  /** Carrier (devices that allow it, like veth and tun). */
  carrier?: boolean;
  /** Largest GSO packet. */
  gsoMaxSize?: number;
  /** Most GSO segments. */
  gsoMaxSegs?: number;
  /** Largest GRO packet. */
  groMaxSize?: number;
  /** Alternative names to add or remove (`RTM_NEWLINKPROP` / `RTM_DELLINKPROP`). */
  altNames?: { add?: string[]; remove?: string[] };
  /** Bridge options, for a bridge. */
  bridge?: BridgeOptions;
  /** Bridge port options, for a port of a bridge. */
  bridgePort?: BridgePortOptions;
}

/**
 * Changes a link. Everything is validated before anything is sent (an
 * address must have the link's address length). All or nothing: the
 * alternative names, the likeliest to be refused (a name taken), go first,
 * the flags (up/down, promisc…) last and alone; when a later message fails
 * (or the kernel applies part of one change and refuses the rest, which
 * `RTM_NEWLINK` does), what was changed is set back to what it was before
 * the call (name, MTU, addresses, queue length, group, alias, flags, master,
 * GSO/GRO sizes, alternative names) and the error is rethrown. Bridge options are not undone, nor what the kernel applied after
 * moving the link to another namespace (it moves first, in one message with
 * the rest of the changes).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { setLink } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab" });
 * await setLink(sock, "v0", { up: true, mtu: 9000, master: "br0" });
 * await setLink(sock, "v1", { netns: "other" });
 * ```
 */
export async function setLink(sock: NetlinkSocket, nameOrIndex: LinkRef, changes: LinkChanges): Promise<void> {
  checkRef(nameOrIndex);
  if (changes === null || typeof changes !== "object") throw new TypeError("setLink needs an object of changes");
  if (changes.name !== undefined) checkIfName(changes.name, "new interface name");
  checkU32(changes.mtu, "mtu");
  checkU32(changes.txqlen, "txqlen");
  checkU32(changes.group, "group");
  checkU32(changes.gsoMaxSize, "gsoMaxSize");
  checkU32(changes.gsoMaxSegs, "gsoMaxSegs");
  checkU32(changes.groMaxSize, "groMaxSize");
  if (changes.address !== undefined) v.parseMac(changes.address);
  if (changes.broadcast !== undefined) v.parseMac(changes.broadcast);
  if (changes.master !== undefined && changes.master !== null) checkRef(changes.master);
  if (changes.netns !== undefined) checkNetnsTarget(changes.netns, "netns");
  for (const n of [...(changes.altNames?.add ?? []), ...(changes.altNames?.remove ?? [])]) checkAltName(n);

  // The link as it is: what a failure rolls back to, and its address length.
  const before = await getLink(sock, nameOrIndex);
  const ref = before.index;
  const addrLen = before.address === undefined ? 0 : before.address.split(":").length;
  const linkDesc = `link ${JSON.stringify(before.name)}`;
  if (changes.address !== undefined) checkLinkAddress(changes.address, addrLen, "address", linkDesc);
  if (changes.broadcast !== undefined) checkLinkAddress(changes.broadcast, addrLen, "broadcast", linkDesc);
  const master = changes.master === null
    ? 0
    : changes.master !== undefined
    ? await resolveIndex(sock, changes.master)
    : undefined;

  const { value: flags, mask: change } = flagChange([
    [IFF.UP, changes.up],
    [IFF.PROMISC, changes.promisc],
    [IFF.ALLMULTI, changes.allmulti],
    [IFF.MULTICAST, changes.multicast],
    [IFF.NOARP, changes.arp === undefined ? undefined : !changes.arp],
  ]);

  await withContext(async (ctx) => {
    // Every message is built (and so validated) before the first is sent.
    const writeAttributes = (m: MessageWriter) => {
      if (changes.name !== undefined) m.str(IFLA.IFNAME, changes.name);
      if (changes.mtu !== undefined) m.u32(IFLA.MTU, changes.mtu);
      if (changes.address !== undefined) m.mac(IFLA.ADDRESS, changes.address);
      if (changes.broadcast !== undefined) m.mac(IFLA.BROADCAST, changes.broadcast);
      if (changes.txqlen !== undefined) m.u32(IFLA.TXQLEN, changes.txqlen);
      if (changes.group !== undefined) m.u32(IFLA.GROUP, changes.group);
      if (changes.alias !== undefined) m.str(IFLA.IFALIAS, changes.alias);
      if (changes.carrier !== undefined) m.u8(IFLA.CARRIER, changes.carrier ? 1 : 0);
      if (changes.gsoMaxSize !== undefined) m.u32(IFLA.GSO_MAX_SIZE, changes.gsoMaxSize);
      if (changes.gsoMaxSegs !== undefined) m.u32(IFLA.GSO_MAX_SEGS, changes.gsoMaxSegs);
      if (changes.groMaxSize !== undefined) m.u32(IFLA.GRO_MAX_SIZE, changes.groMaxSize);
      if (master !== undefined) m.u32(IFLA.MASTER, master);
      if (changes.bridge !== undefined) {
        m.nest(IFLA.LINKINFO, (i) => {
          i.str(IFLA_INFO.KIND, "bridge");
          i.nest(IFLA_INFO.DATA, (d) => encodeBridgeOptions(d, changes.bridge!));
        });
      }
      if (changes.bridgePort !== undefined) {
        m.nest(IFLA.LINKINFO, (i) => {
          i.str(IFLA_INFO.SLAVE_KIND, "bridge");
          i.nest(IFLA_INFO.SLAVE_DATA, (d) => encodeBridgePortOptions(d, changes.bridgePort!));
        });
      }
    };
    const messages: Uint8Array[] = [];
    const alt = changes.altNames;
    for (const [type, names] of [[RTM.NEWLINKPROP, alt?.add], [RTM.DELLINKPROP, alt?.remove]] as const) {
      if (names?.length) messages.push(altNamesMessage(type, ref, names));
    }
    if (changes.netns !== undefined) {
      // A move stays one message: the kernel moves the link first and applies
      // the rest (name, master, flags) in the new namespace.
      const moved = new MessageWriter(RTM.NEWLINK);
      selectLink(moved, ref, { flags, change });
      writeAttributes(moved);
      writeNetns(moved, changes.netns, ctx);
      messages.push(moved.finish());
    } else {
      const m = new MessageWriter(RTM.NEWLINK);
      selectLink(m, ref);
      const headerEnd = m.length;
      writeAttributes(m);
      if (m.length !== headerEnd) messages.push(m.finish());
      // Flags last, alone: bringing a link up or down has effects no
      // rollback undoes (a qdisc attached, routes flushed).
      if (change !== 0) {
        const f = new MessageWriter(RTM.NEWLINK);
        selectLink(f, ref, { flags, change });
        messages.push(f.finish());
      }
    }
    let sent = 0;
    try {
      for (const message of messages) {
        sent++;
        await sock.request(message);
      }
    } catch (error) {
      if (sent > 0) await restoreLink(sock, before, changes, change);
      throw error;
    }
  });
}

function altNamesMessage(type: number, index: number, names: readonly string[]): Uint8Array {
  const m = new MessageWriter(type);
  selectLink(m, index);
  m.nest(IFLA.PROP_LIST, (l) => {
    for (const n of names) l.str(IFLA.ALT_IFNAME, n);
  });
  return m.finish();
}

/**
 * Sets back what a failed {@link setLink} may have changed, from the
 * snapshot taken before it: the kernel applies the attributes of one
 * `RTM_NEWLINK` in turn and stops at the first it refuses, and adds the
 * names of one `RTM_NEWLINKPROP` one by one. Best effort: the caller
 * rethrows the original error whatever happens here.
 */
async function restoreLink(sock: NetlinkSocket, before: Link, changes: LinkChanges, flagMask: number): Promise<void> {
  try {
    const now = await getLink(sock, before.index);
    // Not the same link (it moved away, and another took its index): leave it.
    if (now.name !== before.name && now.name !== changes.name) return;
    const added = now.altNames.filter((n) => !before.altNames.includes(n));
    const removed = before.altNames.filter((n) => !now.altNames.includes(n));
    if (added.length) await sock.request(altNamesMessage(RTM.DELLINKPROP, before.index, added));
    if (removed.length) await sock.request(altNamesMessage(RTM.NEWLINKPROP, before.index, removed));
    const m = new MessageWriter(RTM.NEWLINK);
    const change = (now.rawFlags ^ before.rawFlags) & flagMask;
    selectLink(m, before.index, { flags: before.rawFlags & change, change });
    const start = m.length;
    const differs = <K extends keyof Link>(key: K) =>
      changes[key as keyof LinkChanges] !== undefined && now[key] !== before[key];
    if (changes.name !== undefined && now.name !== before.name) m.str(IFLA.IFNAME, before.name);
    if (differs("mtu") && before.mtu !== undefined) m.u32(IFLA.MTU, before.mtu);
    if (differs("address") && before.address !== undefined) m.mac(IFLA.ADDRESS, before.address);
    if (differs("broadcast") && before.broadcast !== undefined) m.mac(IFLA.BROADCAST, before.broadcast);
    if (differs("txqlen") && before.txqlen !== undefined) m.u32(IFLA.TXQLEN, before.txqlen);
    if (differs("group") && before.group !== undefined) m.u32(IFLA.GROUP, before.group);
    if (differs("alias")) m.str(IFLA.IFALIAS, before.alias ?? "");
    if (differs("gsoMaxSize") && before.gsoMaxSize !== undefined) m.u32(IFLA.GSO_MAX_SIZE, before.gsoMaxSize);
    if (differs("gsoMaxSegs") && before.gsoMaxSegs !== undefined) m.u32(IFLA.GSO_MAX_SEGS, before.gsoMaxSegs);
    if (differs("groMaxSize") && before.groMaxSize !== undefined) m.u32(IFLA.GRO_MAX_SIZE, before.groMaxSize);
    if (changes.master !== undefined && now.master !== before.master) m.u32(IFLA.MASTER, before.master ?? 0);
    if (change !== 0 || m.length !== start) await sock.request(m.finish());
  } catch {
    // The link may be gone or moved away; nothing more can be done.
  }
}

/**
 * Deletes a link (for a veth, both ends go).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteLink } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab" });
 * await deleteLink(sock, "br0");
 * ```
 */
export async function deleteLink(sock: NetlinkSocket, nameOrIndex: LinkRef): Promise<void> {
  checkRef(nameOrIndex);
  const m = new MessageWriter(RTM.DELLINK);
  selectLink(m, nameOrIndex);
  await sock.request(m.finish());
}
