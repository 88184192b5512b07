/**
 * Kind `bridge`: `IFLA_BR_*` (the bridge itself) and `IFLA_BRPORT_*` (the
 * slave data of a bridge port), from `linux/if_link.h`. Times are kept in
 * the kernel's units: centiseconds (USER_HZ clock ticks), as `ip -d` prints
 * the non-timer ones.
 *
 * @module
 */
import type { Attrs, AttrWriter } from "../../wire/attrs.ts";
import { ParseError } from "../../wire/errors.ts";
import * as v from "../../wire/values.ts";
import { decodeFields, encodeFields, type FieldSpec, type RawAttr } from "./common.ts";
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

const OPTION_FIELDS: readonly FieldSpec<BridgeInfo>[] = [
  [IFLA_BR.FORWARD_DELAY, "forwardDelay", "u32"],
  [IFLA_BR.HELLO_TIME, "helloTime", "u32"],
  [IFLA_BR.MAX_AGE, "maxAge", "u32"],
  [IFLA_BR.AGEING_TIME, "ageingTime", "u32"],
  [IFLA_BR.STP_STATE, "stpState", "u32"],
  [IFLA_BR.PRIORITY, "priority", "u16"],
  [IFLA_BR.VLAN_FILTERING, "vlanFiltering", "bool"],
  [IFLA_BR.VLAN_PROTOCOL, "vlanProtocol", "be16"],
  [IFLA_BR.GROUP_FWD_MASK, "groupFwdMask", "u16"],
  [IFLA_BR.GROUP_ADDR, "groupAddr", "mac"],
  [IFLA_BR.MCAST_ROUTER, "mcastRouter", "u8"],
  [IFLA_BR.MCAST_SNOOPING, "mcastSnooping", "bool"],
  [IFLA_BR.MCAST_QUERY_USE_IFADDR, "mcastQueryUseIfaddr", "bool"],
  [IFLA_BR.MCAST_QUERIER, "mcastQuerier", "bool"],
  [IFLA_BR.MCAST_HASH_ELASTICITY, "mcastHashElasticity", "u32"],
  [IFLA_BR.MCAST_HASH_MAX, "mcastHashMax", "u32"],
  [IFLA_BR.MCAST_LAST_MEMBER_CNT, "mcastLastMemberCnt", "u32"],
  [IFLA_BR.MCAST_STARTUP_QUERY_CNT, "mcastStartupQueryCnt", "u32"],
  [IFLA_BR.MCAST_LAST_MEMBER_INTVL, "mcastLastMemberIntvl", "u64"],
  [IFLA_BR.MCAST_MEMBERSHIP_INTVL, "mcastMembershipIntvl", "u64"],
  [IFLA_BR.MCAST_QUERIER_INTVL, "mcastQuerierIntvl", "u64"],
  [IFLA_BR.MCAST_QUERY_INTVL, "mcastQueryIntvl", "u64"],
  [IFLA_BR.MCAST_QUERY_RESPONSE_INTVL, "mcastQueryResponseIntvl", "u64"],
  [IFLA_BR.MCAST_STARTUP_QUERY_INTVL, "mcastStartupQueryIntvl", "u64"],
  [IFLA_BR.NF_CALL_IPTABLES, "nfCallIptables", "bool"],
  [IFLA_BR.NF_CALL_IP6TABLES, "nfCallIp6tables", "bool"],
  [IFLA_BR.NF_CALL_ARPTABLES, "nfCallArptables", "bool"],
  [IFLA_BR.VLAN_DEFAULT_PVID, "vlanDefaultPvid", "u16"],
  [IFLA_BR.VLAN_STATS_ENABLED, "vlanStatsEnabled", "bool"],
  [IFLA_BR.MCAST_STATS_ENABLED, "mcastStatsEnabled", "bool"],
  [IFLA_BR.MCAST_IGMP_VERSION, "mcastIgmpVersion", "u8"],
  [IFLA_BR.MCAST_MLD_VERSION, "mcastMldVersion", "u8"],
  [IFLA_BR.VLAN_STATS_PER_PORT, "vlanStatsPerPort", "bool"],
  [IFLA_BR.FDB_MAX_LEARNED, "fdbMaxLearned", "u32"],
];

const FIELDS: readonly FieldSpec<BridgeInfo>[] = [
  ...OPTION_FIELDS,
  [IFLA_BR.ROOT_ID, "rootId", "bridgeId"],
  [IFLA_BR.BRIDGE_ID, "bridgeId", "bridgeId"],
  [IFLA_BR.ROOT_PORT, "rootPort", "u16"],
  [IFLA_BR.ROOT_PATH_COST, "rootPathCost", "u32"],
  [IFLA_BR.TOPOLOGY_CHANGE, "topologyChange", "u8"],
  [IFLA_BR.TOPOLOGY_CHANGE_DETECTED, "topologyChangeDetected", "u8"],
  [IFLA_BR.HELLO_TIMER, "helloTimer", "u64"],
  [IFLA_BR.TCN_TIMER, "tcnTimer", "u64"],
  [IFLA_BR.TOPOLOGY_CHANGE_TIMER, "topologyChangeTimer", "u64"],
  [IFLA_BR.GC_TIMER, "gcTimer", "u64"],
  [IFLA_BR.FDB_N_LEARNED, "fdbNLearned", "u32"],
];

/**
 * Decodes the `IFLA_INFO_DATA` of a bridge.
 *
 * @example
 * ```ts
 * import { AttrWriter, Attrs } from "@nlts/netlink";
 * import { decodeBridgeInfo } from "./bridge.ts";
 * decodeBridgeInfo(Attrs.parse(new AttrWriter().u32(1, 1500).bytes())).forwardDelay; // 1500
 * ```
 */
export function decodeBridgeInfo(attrs: Attrs): BridgeInfo {
  const { value, unknown } = decodeFields(attrs, FIELDS, [IFLA_BR.PAD, IFLA_BR.MULTI_BOOLOPT]);
  const multi = attrs.get(IFLA_BR.MULTI_BOOLOPT);
  if (multi) {
    if (multi.length < 8) throw new ParseError(`IFLA_BR_MULTI_BOOLOPT of ${multi.length} bytes`, 0);
    const bits = v.u32(multi);
    value.boolopts = {
      noLinkLocalLearn: (bits & 1) !== 0,
      mcastVlanSnooping: (bits & 2) !== 0,
      mstEnable: (bits & 4) !== 0,
      value: bits,
    };
  }
  if (unknown.length) value.unknown = unknown;
  return value;
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
  encodeFields<BridgeInfo>(w, options, OPTION_FIELDS);
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

const PORT_OPTION_FIELDS: readonly FieldSpec<BridgePortInfo>[] = [
  [IFLA_BRPORT.PRIORITY, "priority", "u16"],
  [IFLA_BRPORT.COST, "cost", "u32"],
  [IFLA_BRPORT.MODE, "hairpin", "bool"],
  [IFLA_BRPORT.GUARD, "guard", "bool"],
  [IFLA_BRPORT.PROTECT, "rootBlock", "bool"],
  [IFLA_BRPORT.FAST_LEAVE, "fastLeave", "bool"],
  [IFLA_BRPORT.LEARNING, "learning", "bool"],
  [IFLA_BRPORT.UNICAST_FLOOD, "flood", "bool"],
  [IFLA_BRPORT.PROXYARP, "proxyArp", "bool"],
  [IFLA_BRPORT.PROXYARP_WIFI, "proxyArpWifi", "bool"],
  [IFLA_BRPORT.MULTICAST_ROUTER, "multicastRouter", "u8"],
  [IFLA_BRPORT.MCAST_FLOOD, "mcastFlood", "bool"],
  [IFLA_BRPORT.MCAST_TO_UCAST, "mcastToUnicast", "bool"],
  [IFLA_BRPORT.VLAN_TUNNEL, "vlanTunnel", "bool"],
  [IFLA_BRPORT.BCAST_FLOOD, "bcastFlood", "bool"],
  [IFLA_BRPORT.GROUP_FWD_MASK, "groupFwdMask", "u16"],
  [IFLA_BRPORT.NEIGH_SUPPRESS, "neighSuppress", "bool"],
  [IFLA_BRPORT.ISOLATED, "isolated", "bool"],
  [IFLA_BRPORT.LOCKED, "locked", "bool"],
  [IFLA_BRPORT.MAB, "mab", "bool"],
  [IFLA_BRPORT.MCAST_EHT_HOSTS_LIMIT, "mcastEhtHostsLimit", "u32"],
  [IFLA_BRPORT.MCAST_MAX_GROUPS, "mcastMaxGroups", "u32"],
  [IFLA_BRPORT.NEIGH_VLAN_SUPPRESS, "neighVlanSuppress", "bool"],
];

const PORT_FIELDS: readonly FieldSpec<BridgePortInfo>[] = [
  ...PORT_OPTION_FIELDS,
  [IFLA_BRPORT.ROOT_ID, "rootId", "bridgeId"],
  [IFLA_BRPORT.BRIDGE_ID, "bridgeId", "bridgeId"],
  [IFLA_BRPORT.DESIGNATED_PORT, "designatedPort", "u16"],
  [IFLA_BRPORT.DESIGNATED_COST, "designatedCost", "u16"],
  [IFLA_BRPORT.ID, "id", "u16"],
  [IFLA_BRPORT.NO, "no", "u16"],
  [IFLA_BRPORT.TOPOLOGY_CHANGE_ACK, "topologyChangeAck", "u8"],
  [IFLA_BRPORT.CONFIG_PENDING, "configPending", "u8"],
  [IFLA_BRPORT.MESSAGE_AGE_TIMER, "messageAgeTimer", "u64"],
  [IFLA_BRPORT.FORWARD_DELAY_TIMER, "forwardDelayTimer", "u64"],
  [IFLA_BRPORT.HOLD_TIMER, "holdTimer", "u64"],
  [IFLA_BRPORT.LEARNING_SYNC, "learningSync", "bool"],
  [IFLA_BRPORT.BACKUP_PORT, "backupPort", "u32"],
  [IFLA_BRPORT.MRP_RING_OPEN, "mrpRingOpen", "bool"],
  [IFLA_BRPORT.MRP_IN_OPEN, "mrpInOpen", "bool"],
  [IFLA_BRPORT.MCAST_EHT_HOSTS_CNT, "mcastEhtHostsCnt", "u32"],
  [IFLA_BRPORT.MCAST_N_GROUPS, "mcastNGroups", "u32"],
  [IFLA_BRPORT.BACKUP_NHID, "backupNhid", "u32"],
];

/**
 * Decodes the slave data of a bridge port.
 *
 * @example
 * ```ts
 * import { AttrWriter, Attrs } from "@nlts/netlink";
 * import { decodeBridgePortInfo } from "./bridge.ts";
 * decodeBridgePortInfo(Attrs.parse(new AttrWriter().u8(1, 3).bytes())).state; // "forwarding"
 * ```
 */
export function decodeBridgePortInfo(attrs: Attrs): BridgePortInfo {
  const { value, unknown } = decodeFields(attrs, PORT_FIELDS, [IFLA_BRPORT.PAD, IFLA_BRPORT.STATE]);
  const state = attrs.u8(IFLA_BRPORT.STATE);
  if (state !== undefined) value.state = BRIDGE_PORT_STATES[state] ?? String(state);
  if (unknown.length) value.unknown = unknown;
  return value;
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
  encodeFields<BridgePortInfo>(w, options, PORT_OPTION_FIELDS);
}

/** The `bridge` kind for the registry. */
export const bridgeKind: LinkKindCodec<BridgeInfo, BridgeOptions, BridgePortInfo, BridgePortOptions> = {
  kind: "bridge",
  decodeData: decodeBridgeInfo,
  encodeData: (w, options) => encodeBridgeOptions(w, options),
  decodeSlaveData: decodeBridgePortInfo,
  encodeSlaveData: encodeBridgePortOptions,
};
