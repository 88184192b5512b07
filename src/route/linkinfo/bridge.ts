/**
 * Kind `bridge`: `IFLA_BR_*` (the bridge itself) and `IFLA_BRPORT_*` (the
 * slave data of a bridge port), from `linux/if_link.h`. Times are kept in
 * the kernel's units: centiseconds (USER_HZ clock ticks), as `ip -d` prints
 * the non-timer ones.
 *
 * @module
 */
import type { AttrWriter } from "../../wire/attrs.ts";
import { ParseError } from "../../wire/errors.ts";
import { type AttrSet, type Codec, decodeAttrs, type Decoded, defineAttrSet, writeAttrs } from "../../wire/schema.ts";
import * as v from "../../wire/values.ts";
import { BRIDGE_ID, type RawAttr } from "./common.ts";
import type { LinkKindCodec } from "./registry.ts";

/** `IFLA_BR_*` attribute numbers. */
export const IFLA_BR = {
  FORWARD_DELAY: 1,
  HELLO_TIME: 2,
  MAX_AGE: 3,
  AGEING_TIME: 4,
  STP_STATE: 5,
  PRIORITY: 6,
  VLAN_FILTERING: 7,
  VLAN_PROTOCOL: 8,
  GROUP_FWD_MASK: 9,
  ROOT_ID: 10,
  BRIDGE_ID: 11,
  ROOT_PORT: 12,
  ROOT_PATH_COST: 13,
  TOPOLOGY_CHANGE: 14,
  TOPOLOGY_CHANGE_DETECTED: 15,
  HELLO_TIMER: 16,
  TCN_TIMER: 17,
  TOPOLOGY_CHANGE_TIMER: 18,
  GC_TIMER: 19,
  GROUP_ADDR: 20,
  FDB_FLUSH: 21,
  MCAST_ROUTER: 22,
  MCAST_SNOOPING: 23,
  MCAST_QUERY_USE_IFADDR: 24,
  MCAST_QUERIER: 25,
  MCAST_HASH_ELASTICITY: 26,
  MCAST_HASH_MAX: 27,
  MCAST_LAST_MEMBER_CNT: 28,
  MCAST_STARTUP_QUERY_CNT: 29,
  MCAST_LAST_MEMBER_INTVL: 30,
  MCAST_MEMBERSHIP_INTVL: 31,
  MCAST_QUERIER_INTVL: 32,
  MCAST_QUERY_INTVL: 33,
  MCAST_QUERY_RESPONSE_INTVL: 34,
  MCAST_STARTUP_QUERY_INTVL: 35,
  NF_CALL_IPTABLES: 36,
  NF_CALL_IP6TABLES: 37,
  NF_CALL_ARPTABLES: 38,
  VLAN_DEFAULT_PVID: 39,
  PAD: 40,
  VLAN_STATS_ENABLED: 41,
  MCAST_STATS_ENABLED: 42,
  MCAST_IGMP_VERSION: 43,
  MCAST_MLD_VERSION: 44,
  VLAN_STATS_PER_PORT: 45,
  MULTI_BOOLOPT: 46,
  MCAST_QUERIER_STATE: 47,
  FDB_N_LEARNED: 48,
  FDB_MAX_LEARNED: 49,
} as const;

/** Settable bridge options (`ip link add … type bridge …`). */
export interface BridgeOptions {
  /** Forward delay, centiseconds (1500 = 15 s). */
  forwardDelay?: number;
  /** Hello time, centiseconds. */
  helloTime?: number;
  /** Max age, centiseconds. */
  maxAge?: number;
  /** FDB ageing time, centiseconds. */
  ageingTime?: number;
  /** STP state: 0 off, 1 kernel STP, 2 user STP. */
  stpState?: number;
  /** Bridge priority. */
  priority?: number;
  /** VLAN filtering. */
  vlanFiltering?: boolean;
  /** VLAN protocol (0x8100 or 0x88a8). */
  vlanProtocol?: number;
  /** Group forward mask. */
  groupFwdMask?: number;
  /** STP group address. */
  groupAddr?: string;
  /** Multicast router mode (0, 1, 2). */
  mcastRouter?: number;
  /** Multicast snooping. */
  mcastSnooping?: boolean;
  /** Use interface addresses for queries. */
  mcastQueryUseIfaddr?: boolean;
  /** Multicast querier. */
  mcastQuerier?: boolean;
  /** Hash elasticity. */
  mcastHashElasticity?: number;
  /** Hash max. */
  mcastHashMax?: number;
  /** Last member count. */
  mcastLastMemberCnt?: number;
  /** Startup query count. */
  mcastStartupQueryCnt?: number;
  /** Last member interval, centiseconds. */
  mcastLastMemberIntvl?: number;
  /** Membership interval, centiseconds. */
  mcastMembershipIntvl?: number;
  /** Querier interval, centiseconds. */
  mcastQuerierIntvl?: number;
  /** Query interval, centiseconds. */
  mcastQueryIntvl?: number;
  /** Query response interval, centiseconds. */
  mcastQueryResponseIntvl?: number;
  /** Startup query interval, centiseconds. */
  mcastStartupQueryIntvl?: number;
  /** Call iptables on bridged IPv4. */
  nfCallIptables?: boolean;
  /** Call ip6tables on bridged IPv6. */
  nfCallIp6tables?: boolean;
  /** Call arptables on bridged ARP. */
  nfCallArptables?: boolean;
  /** Default PVID. */
  vlanDefaultPvid?: number;
  /** Per-VLAN stats. */
  vlanStatsEnabled?: boolean;
  /** Multicast stats. */
  mcastStatsEnabled?: boolean;
  /** IGMP version (2, 3). */
  mcastIgmpVersion?: number;
  /** MLD version (1, 2). */
  mcastMldVersion?: number;
  /** Per-port VLAN stats. */
  vlanStatsPerPort?: boolean;
  /** Most FDB entries learned (0: no limit). */
  fdbMaxLearned?: number;
}

/** What the kernel reports of a bridge (`IFLA_INFO_DATA` of kind `bridge`). */
export interface BridgeInfo extends BridgeOptions {
  /** Designated root, `prio.mac`. */
  rootId?: string;
  /** This bridge's id, `prio.mac`. */
  bridgeId?: string;
  /** Root port number. */
  rootPort?: number;
  /** Root path cost. */
  rootPathCost?: number;
  /** Topology change flag. */
  topologyChange?: number;
  /** Topology change detected flag. */
  topologyChangeDetected?: number;
  /** Hello timer, centiseconds. */
  helloTimer?: number;
  /** TCN timer, centiseconds. */
  tcnTimer?: number;
  /** Topology change timer, centiseconds. */
  topologyChangeTimer?: number;
  /** GC timer, centiseconds. */
  gcTimer?: number;
  /** FDB entries learned. */
  fdbNLearned?: number;
  /** `IFLA_BR_MULTI_BOOLOPT` option values, decoded. */
  boolopts?: { noLinkLocalLearn: boolean; mcastVlanSnooping: boolean; mstEnable: boolean; value: number };
  /** Attributes not decoded (the querier state nest, newer ones). */
  unknown?: RawAttr[];
}

/** `IFLA_BR_MULTI_BOOLOPT` (`struct br_boolopt_multi`: value, mask), decoded to its options. */
const BOOLOPTS: Codec<NonNullable<BridgeInfo["boolopts"]>> = {
  decode(b) {
    if (b.length < 8) throw new ParseError(`IFLA_BR_MULTI_BOOLOPT of ${b.length} bytes`, 0);
    const bits = v.u32(b);
    return {
      noLinkLocalLearn: (bits & 1) !== 0,
      mcastVlanSnooping: (bits & 2) !== 0,
      mstEnable: (bits & 4) !== 0,
      value: bits,
    };
  },
};

const BRIDGE_ATTRS = defineAttrSet({
  name: "bridge",
  prefix: "IFLA_BR_",
  attributes: {
    forwardDelay: { id: IFLA_BR.FORWARD_DELAY, type: "u32" },
    helloTime: { id: IFLA_BR.HELLO_TIME, type: "u32" },
    maxAge: { id: IFLA_BR.MAX_AGE, type: "u32" },
    ageingTime: { id: IFLA_BR.AGEING_TIME, type: "u32" },
    stpState: { id: IFLA_BR.STP_STATE, type: "u32" },
    priority: { id: IFLA_BR.PRIORITY, type: "u16" },
    vlanFiltering: { id: IFLA_BR.VLAN_FILTERING, type: "u8", as: "boolean" },
    vlanProtocol: { id: IFLA_BR.VLAN_PROTOCOL, type: "u16", "byte-order": "big-endian" },
    groupFwdMask: { id: IFLA_BR.GROUP_FWD_MASK, type: "u16" },
    groupAddr: { id: IFLA_BR.GROUP_ADDR, type: "mac", len: 6 },
    mcastRouter: { id: IFLA_BR.MCAST_ROUTER, type: "u8" },
    mcastSnooping: { id: IFLA_BR.MCAST_SNOOPING, type: "u8", as: "boolean" },
    mcastQueryUseIfaddr: { id: IFLA_BR.MCAST_QUERY_USE_IFADDR, type: "u8", as: "boolean" },
    mcastQuerier: { id: IFLA_BR.MCAST_QUERIER, type: "u8", as: "boolean" },
    mcastHashElasticity: { id: IFLA_BR.MCAST_HASH_ELASTICITY, type: "u32" },
    mcastHashMax: { id: IFLA_BR.MCAST_HASH_MAX, type: "u32" },
    mcastLastMemberCnt: { id: IFLA_BR.MCAST_LAST_MEMBER_CNT, type: "u32" },
    mcastStartupQueryCnt: { id: IFLA_BR.MCAST_STARTUP_QUERY_CNT, type: "u32" },
    mcastLastMemberIntvl: { id: IFLA_BR.MCAST_LAST_MEMBER_INTVL, type: "u64", as: "number" },
    mcastMembershipIntvl: { id: IFLA_BR.MCAST_MEMBERSHIP_INTVL, type: "u64", as: "number" },
    mcastQuerierIntvl: { id: IFLA_BR.MCAST_QUERIER_INTVL, type: "u64", as: "number" },
    mcastQueryIntvl: { id: IFLA_BR.MCAST_QUERY_INTVL, type: "u64", as: "number" },
    mcastQueryResponseIntvl: { id: IFLA_BR.MCAST_QUERY_RESPONSE_INTVL, type: "u64", as: "number" },
    mcastStartupQueryIntvl: { id: IFLA_BR.MCAST_STARTUP_QUERY_INTVL, type: "u64", as: "number" },
    nfCallIptables: { id: IFLA_BR.NF_CALL_IPTABLES, type: "u8", as: "boolean" },
    nfCallIp6tables: { id: IFLA_BR.NF_CALL_IP6TABLES, type: "u8", as: "boolean" },
    nfCallArptables: { id: IFLA_BR.NF_CALL_ARPTABLES, type: "u8", as: "boolean" },
    vlanDefaultPvid: { id: IFLA_BR.VLAN_DEFAULT_PVID, type: "u16" },
    vlanStatsEnabled: { id: IFLA_BR.VLAN_STATS_ENABLED, type: "u8", as: "boolean" },
    mcastStatsEnabled: { id: IFLA_BR.MCAST_STATS_ENABLED, type: "u8", as: "boolean" },
    mcastIgmpVersion: { id: IFLA_BR.MCAST_IGMP_VERSION, type: "u8" },
    mcastMldVersion: { id: IFLA_BR.MCAST_MLD_VERSION, type: "u8" },
    vlanStatsPerPort: { id: IFLA_BR.VLAN_STATS_PER_PORT, type: "u8", as: "boolean" },
    fdbMaxLearned: { id: IFLA_BR.FDB_MAX_LEARNED, type: "u32" },
    rootId: { id: IFLA_BR.ROOT_ID, type: "binary", codec: BRIDGE_ID },
    bridgeId: { id: IFLA_BR.BRIDGE_ID, type: "binary", codec: BRIDGE_ID },
    rootPort: { id: IFLA_BR.ROOT_PORT, type: "u16" },
    rootPathCost: { id: IFLA_BR.ROOT_PATH_COST, type: "u32" },
    topologyChange: { id: IFLA_BR.TOPOLOGY_CHANGE, type: "u8" },
    topologyChangeDetected: { id: IFLA_BR.TOPOLOGY_CHANGE_DETECTED, type: "u8" },
    helloTimer: { id: IFLA_BR.HELLO_TIMER, type: "u64", as: "number" },
    tcnTimer: { id: IFLA_BR.TCN_TIMER, type: "u64", as: "number" },
    topologyChangeTimer: { id: IFLA_BR.TOPOLOGY_CHANGE_TIMER, type: "u64", as: "number" },
    gcTimer: { id: IFLA_BR.GC_TIMER, type: "u64", as: "number" },
    fdbNLearned: { id: IFLA_BR.FDB_N_LEARNED, type: "u32" },
    pad: { id: IFLA_BR.PAD, type: "pad" },
    boolopts: { id: IFLA_BR.MULTI_BOOLOPT, type: "binary", codec: BOOLOPTS, cname: "IFLA_BR_MULTI_BOOLOPT" },
  },
});

/** The `IFLA_BR_*` attributes (`IFLA_INFO_DATA` of kind `bridge`). */
export const bridgeAttrs: AttrSet = BRIDGE_ATTRS;

/**
 * Decodes the `IFLA_INFO_DATA` of a bridge (the attributes after the nest header).
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { decodeBridgeInfo } from "./bridge.ts";
 * decodeBridgeInfo(new AttrWriter().u32(1, 1500).bytes()).forwardDelay; // 1500
 * ```
 */
export function decodeBridgeInfo(bytes: Uint8Array): BridgeInfo {
  return decodeAttrs(BRIDGE_ATTRS, bytes);
}

/**
 * Writes bridge options as `IFLA_BR_*` attributes.
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { encodeBridgeOptions } from "./bridge.ts";
 * const w = new AttrWriter();
 * encodeBridgeOptions(w, { stpState: 1, vlanFiltering: true });
 * ```
 */
export function encodeBridgeOptions(w: AttrWriter, options: BridgeOptions): void {
  writeAttrs(w, BRIDGE_ATTRS, options, "bridge");
}

/** `IFLA_BRPORT_*` attribute numbers. */
export const IFLA_BRPORT = {
  STATE: 1,
  PRIORITY: 2,
  COST: 3,
  MODE: 4,
  GUARD: 5,
  PROTECT: 6,
  FAST_LEAVE: 7,
  LEARNING: 8,
  UNICAST_FLOOD: 9,
  PROXYARP: 10,
  LEARNING_SYNC: 11,
  PROXYARP_WIFI: 12,
  ROOT_ID: 13,
  BRIDGE_ID: 14,
  DESIGNATED_PORT: 15,
  DESIGNATED_COST: 16,
  ID: 17,
  NO: 18,
  TOPOLOGY_CHANGE_ACK: 19,
  CONFIG_PENDING: 20,
  MESSAGE_AGE_TIMER: 21,
  FORWARD_DELAY_TIMER: 22,
  HOLD_TIMER: 23,
  FLUSH: 24,
  MULTICAST_ROUTER: 25,
  PAD: 26,
  MCAST_FLOOD: 27,
  MCAST_TO_UCAST: 28,
  VLAN_TUNNEL: 29,
  BCAST_FLOOD: 30,
  GROUP_FWD_MASK: 31,
  NEIGH_SUPPRESS: 32,
  ISOLATED: 33,
  BACKUP_PORT: 34,
  MRP_RING_OPEN: 35,
  MRP_IN_OPEN: 36,
  MCAST_EHT_HOSTS_LIMIT: 37,
  MCAST_EHT_HOSTS_CNT: 38,
  LOCKED: 39,
  MAB: 40,
  MCAST_N_GROUPS: 41,
  MCAST_MAX_GROUPS: 42,
  NEIGH_VLAN_SUPPRESS: 43,
  BACKUP_NHID: 44,
} as const;

/** STP port states, by value. */
export const BRIDGE_PORT_STATES = ["disabled", "listening", "learning", "forwarding", "blocking"] as const;

/** Settable bridge port options (`ip link set … type bridge_slave …`). */
export interface BridgePortOptions {
  /** STP priority. */
  priority?: number;
  /** STP path cost. */
  cost?: number;
  /** Hairpin mode. */
  hairpin?: boolean;
  /** BPDU guard. */
  guard?: boolean;
  /** Root block. */
  rootBlock?: boolean;
  /** Multicast fast leave. */
  fastLeave?: boolean;
  /** MAC learning. */
  learning?: boolean;
  /** Unknown-unicast flooding. */
  flood?: boolean;
  /** Proxy ARP. */
  proxyArp?: boolean;
  /** Proxy ARP for Wi-Fi. */
  proxyArpWifi?: boolean;
  /** Multicast router mode. */
  multicastRouter?: number;
  /** Multicast flooding. */
  mcastFlood?: boolean;
  /** Multicast to unicast. */
  mcastToUnicast?: boolean;
  /** VLAN tunnel. */
  vlanTunnel?: boolean;
  /** Broadcast flooding. */
  bcastFlood?: boolean;
  /** Group forward mask. */
  groupFwdMask?: number;
  /** Neighbour suppression. */
  neighSuppress?: boolean;
  /** Isolated port. */
  isolated?: boolean;
  /** Locked port. */
  locked?: boolean;
  /** MAC authentication bypass. */
  mab?: boolean;
  /** EHT hosts limit. */
  mcastEhtHostsLimit?: number;
  /** Most multicast groups (0: no limit). */
  mcastMaxGroups?: number;
  /** Per-VLAN neighbour suppression. */
  neighVlanSuppress?: boolean;
}

/** What the kernel reports of a bridge port (`IFLA_INFO_SLAVE_DATA`, slave kind `bridge`). */
export interface BridgePortInfo extends BridgePortOptions {
  /** STP state by name (`"forwarding"`), or the number when unknown. */
  state?: string;
  /** Designated root. */
  rootId?: string;
  /** Designated bridge. */
  bridgeId?: string;
  /** Designated port. */
  designatedPort?: number;
  /** Designated cost. */
  designatedCost?: number;
  /** Port id. */
  id?: number;
  /** Port number. */
  no?: number;
  /** Topology change ack. */
  topologyChangeAck?: number;
  /** Config pending. */
  configPending?: number;
  /** Message age timer, centiseconds. */
  messageAgeTimer?: number;
  /** Forward delay timer, centiseconds. */
  forwardDelayTimer?: number;
  /** Hold timer, centiseconds. */
  holdTimer?: number;
  /** Learning sync. */
  learningSync?: boolean;
  /** Backup port index. */
  backupPort?: number;
  /** MRP ring open. */
  mrpRingOpen?: boolean;
  /** MRP in open. */
  mrpInOpen?: boolean;
  /** EHT hosts count. */
  mcastEhtHostsCnt?: number;
  /** Multicast groups joined. */
  mcastNGroups?: number;
  /** Backup next-hop id. */
  backupNhid?: number;
  /** Attributes not decoded. */
  unknown?: RawAttr[];
}

const BRIDGE_PORT_ATTRS = defineAttrSet({
  name: "bridge_slave",
  prefix: "IFLA_BRPORT_",
  attributes: {
    state: { id: IFLA_BRPORT.STATE, type: "u8", enum: BRIDGE_PORT_STATES },
    priority: { id: IFLA_BRPORT.PRIORITY, type: "u16" },
    cost: { id: IFLA_BRPORT.COST, type: "u32" },
    hairpin: { id: IFLA_BRPORT.MODE, type: "u8", as: "boolean" },
    guard: { id: IFLA_BRPORT.GUARD, type: "u8", as: "boolean" },
    rootBlock: { id: IFLA_BRPORT.PROTECT, type: "u8", as: "boolean" },
    fastLeave: { id: IFLA_BRPORT.FAST_LEAVE, type: "u8", as: "boolean" },
    learning: { id: IFLA_BRPORT.LEARNING, type: "u8", as: "boolean" },
    flood: { id: IFLA_BRPORT.UNICAST_FLOOD, type: "u8", as: "boolean" },
    proxyArp: { id: IFLA_BRPORT.PROXYARP, type: "u8", as: "boolean" },
    proxyArpWifi: { id: IFLA_BRPORT.PROXYARP_WIFI, type: "u8", as: "boolean" },
    multicastRouter: { id: IFLA_BRPORT.MULTICAST_ROUTER, type: "u8" },
    mcastFlood: { id: IFLA_BRPORT.MCAST_FLOOD, type: "u8", as: "boolean" },
    mcastToUnicast: { id: IFLA_BRPORT.MCAST_TO_UCAST, type: "u8", as: "boolean" },
    vlanTunnel: { id: IFLA_BRPORT.VLAN_TUNNEL, type: "u8", as: "boolean" },
    bcastFlood: { id: IFLA_BRPORT.BCAST_FLOOD, type: "u8", as: "boolean" },
    groupFwdMask: { id: IFLA_BRPORT.GROUP_FWD_MASK, type: "u16" },
    neighSuppress: { id: IFLA_BRPORT.NEIGH_SUPPRESS, type: "u8", as: "boolean" },
    isolated: { id: IFLA_BRPORT.ISOLATED, type: "u8", as: "boolean" },
    locked: { id: IFLA_BRPORT.LOCKED, type: "u8", as: "boolean" },
    mab: { id: IFLA_BRPORT.MAB, type: "u8", as: "boolean" },
    mcastEhtHostsLimit: { id: IFLA_BRPORT.MCAST_EHT_HOSTS_LIMIT, type: "u32" },
    mcastMaxGroups: { id: IFLA_BRPORT.MCAST_MAX_GROUPS, type: "u32" },
    neighVlanSuppress: { id: IFLA_BRPORT.NEIGH_VLAN_SUPPRESS, type: "u8", as: "boolean" },
    rootId: { id: IFLA_BRPORT.ROOT_ID, type: "binary", codec: BRIDGE_ID },
    bridgeId: { id: IFLA_BRPORT.BRIDGE_ID, type: "binary", codec: BRIDGE_ID },
    designatedPort: { id: IFLA_BRPORT.DESIGNATED_PORT, type: "u16" },
    designatedCost: { id: IFLA_BRPORT.DESIGNATED_COST, type: "u16" },
    id: { id: IFLA_BRPORT.ID, type: "u16" },
    no: { id: IFLA_BRPORT.NO, type: "u16" },
    topologyChangeAck: { id: IFLA_BRPORT.TOPOLOGY_CHANGE_ACK, type: "u8" },
    configPending: { id: IFLA_BRPORT.CONFIG_PENDING, type: "u8" },
    messageAgeTimer: { id: IFLA_BRPORT.MESSAGE_AGE_TIMER, type: "u64", as: "number" },
    forwardDelayTimer: { id: IFLA_BRPORT.FORWARD_DELAY_TIMER, type: "u64", as: "number" },
    holdTimer: { id: IFLA_BRPORT.HOLD_TIMER, type: "u64", as: "number" },
    learningSync: { id: IFLA_BRPORT.LEARNING_SYNC, type: "u8", as: "boolean" },
    backupPort: { id: IFLA_BRPORT.BACKUP_PORT, type: "u32" },
    mrpRingOpen: { id: IFLA_BRPORT.MRP_RING_OPEN, type: "u8", as: "boolean" },
    mrpInOpen: { id: IFLA_BRPORT.MRP_IN_OPEN, type: "u8", as: "boolean" },
    mcastEhtHostsCnt: { id: IFLA_BRPORT.MCAST_EHT_HOSTS_CNT, type: "u32" },
    mcastNGroups: { id: IFLA_BRPORT.MCAST_N_GROUPS, type: "u32" },
    backupNhid: { id: IFLA_BRPORT.BACKUP_NHID, type: "u32" },
    pad: { id: IFLA_BRPORT.PAD, type: "pad" },
  },
});

/** The `IFLA_BRPORT_*` attributes (`IFLA_INFO_SLAVE_DATA` of a bridge port). */
export const bridgePortAttrs: AttrSet = BRIDGE_PORT_ATTRS;

function bridgePortInfo(decoded: Decoded<typeof BRIDGE_PORT_ATTRS>): BridgePortInfo {
  const { state, ...info } = decoded;
  const out: BridgePortInfo = info;
  if (state !== undefined) out.state = String(state);
  return out;
}

/**
 * Decodes the slave data of a bridge port (the attributes after the nest header).
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { decodeBridgePortInfo } from "./bridge.ts";
 * decodeBridgePortInfo(new AttrWriter().u8(1, 3).bytes()).state; // "forwarding"
 * ```
 */
export function decodeBridgePortInfo(bytes: Uint8Array): BridgePortInfo {
  return bridgePortInfo(decodeAttrs(BRIDGE_PORT_ATTRS, bytes));
}

/**
 * Writes bridge port options as `IFLA_BRPORT_*` attributes.
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { encodeBridgePortOptions } from "./bridge.ts";
 * encodeBridgePortOptions(new AttrWriter(), { cost: 10, learning: false });
 * ```
 */
export function encodeBridgePortOptions(w: AttrWriter, options: BridgePortOptions): void {
  writeAttrs(w, BRIDGE_PORT_ATTRS, options, "bridge_slave");
}

/** The `bridge` kind for the registry. */
export const bridgeKind: LinkKindCodec<BridgeInfo, BridgeOptions, BridgePortInfo, BridgePortOptions> = {
  kind: "bridge",
  data: BRIDGE_ATTRS,
  encodeData: (w, options) => encodeBridgeOptions(w, options),
  slaveData: BRIDGE_PORT_ATTRS,
  fromSlaveData: (decoded) => bridgePortInfo(decoded as Decoded<typeof BRIDGE_PORT_ATTRS>),
  encodeSlaveData: encodeBridgePortOptions,
};
