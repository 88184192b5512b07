/**
 * NETLINK_ROUTE: links, addresses, routes, nexthops, neighbours (the ARP/NDP
 * table), rules, namespace ids and their events, typed.
 *
 * @example
 * ```ts
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * for await (const a of rt.addresses()) console.log(a.label, a.address, a.prefixLength);
 * ```
 *
 * @module
 */
export { RouteProtocol, RouteType, RTM, rtmName, type RtnlGroupName, RTNLGRP, Scope, Table } from "./constants.ts";
export {
  addLink,
  ADDR_GEN_MODES,
  ARPHRD,
  type BridgeSpec,
  decodeLink,
  decodeLinkAfSpec,
  deleteLink,
  getLink,
  type GetLinkOptions,
  IFF,
  IFLA,
  type Inet6CacheInfo,
  IPV4_DEVCONF,
  type Ipv4Devconf,
  IPV6_DEVCONF,
  type Ipv6Devconf,
  type Link,
  LINK_MODES,
  type LinkAfSpec,
  type LinkChanges,
  type LinkDevlinkPort,
  type LinkDpllPin,
  type LinkInet,
  type LinkInet6,
  type LinkMap,
  type LinkRef,
  type LinkSpec,
  type LinkSpecCommon,
  type LinkStats64,
  type LinkXdp,
  listLinkBatches,
  listLinks,
  type ListLinksOptions,
  OPERSTATES,
  setLink,
  type SimpleLinkSpec,
  type TunSpec,
  type VethSpec,
  type VxlanSpec,
  XDP_ATTACHED,
} from "./link.ts";
export {
  addAddress,
  type AddAddressOptions,
  type Address,
  type AddressCacheInfo,
  type AddressFilter,
  type AddressFlag,
  type AddressSpec,
  decodeAddress,
  deleteAddress,
  IFA,
  IFA_F,
  IFAPROT,
  INFINITY_LIFETIME,
  type Lifetime,
  listAddressBatches,
  listAddresses,
} from "./address.ts";
export {
  addRoute,
  decodeRoute,
  decodeRoutePayload,
  deleteRoute,
  encodeDelRoute,
  encodeGetRoutes,
  encodeNewRoute,
  getRoute,
  type GetRouteOptions,
  listRouteBatches,
  listRouteDatagrams,
  listRoutes,
  type MetricName,
  type Route,
  type RouteBpfProgram,
  type RouteCacheInfo,
  type RouteDatagram,
  type RouteEncap,
  type RouteEncapBpf,
  type RouteEncapIp,
  type RouteEncapSeg6,
  type RouteEncapSeg6Local,
  type RouteFamily,
  type RouteFilter,
  RouteFlag,
  type RouteFlagName,
  type RouteMetrics,
  type RouteMetricsSpec,
  type RouteNexthop,
  type RouteNexthopSpec,
  type RoutePref,
  type RouteProtocolName,
  type RouteScopeName,
  type RouteSpec,
  type RouteSrh,
  type RouteTypeName,
  RTA,
  RTAX,
} from "./route.ts";
export {
  addNexthop,
  decodeNexthop,
  deleteNexthop,
  encodeNewNexthop,
  getNexthop,
  listNexthops,
  type Nexthop,
  type NexthopFamily,
  type NexthopFilter,
  type NexthopGroupMember,
  type NexthopSpec,
  NHA,
  type ResilientParams,
} from "./nexthop.ts";
export {
  addNeighbour,
  decodeNeighbour,
  deleteNeighbour,
  encodeNeighbourDump,
  encodeNeighbourRequest,
  listNeighbours,
  NDA,
  type Neighbour,
  type NeighbourCacheInfo,
  type NeighbourFamily,
  type NeighbourFilter,
  type NeighbourFlag,
  type NeighbourSpec,
  type NeighbourState,
  NUD,
} from "./neighbour.ts";
export {
  addFdb,
  type AddFdbOptions,
  decodeFdbEntry,
  deleteFdb,
  encodeFdbDump,
  encodeFdbRequest,
  type FdbEntry,
  type FdbFilter,
  type FdbFlag,
  type FdbSpec,
  type FdbSpecState,
  type FdbState,
  listFdb,
} from "./fdb.ts";
export {
  addRule,
  decodeRule,
  deleteRule,
  encodeRuleDump,
  encodeRuleRequest,
  FIB_RULE,
  FRA,
  listRules,
  type Range,
  type Rule,
  type RuleAction,
  RuleActions,
  type RuleFamily,
  type RuleSpec,
} from "./rule.ts";
export {
  decodeNsid,
  encodeNsidRequest,
  getNsid,
  listNsids,
  NETNSA,
  type NetnsId,
  type NsidTarget,
  setNsid,
} from "./nsid.ts";
export {
  decodeNetconf,
  encodeNetconfDump,
  getNetconf,
  listNetconf,
  mergeNetconf,
  type Netconf,
  NETCONF_INDEX,
  NETCONFA,
  type NetconfFamily,
  type NetconfFilter,
  netconfKey,
} from "./netconf.ts";
export {
  decodeRouteEvent,
  type RouteEvent,
  type RouteEventAction,
  type RouteEventKind,
  RouteEventStream,
  subscribe,
  type SubscribeOptions,
} from "./events.ts";
export { RouteClient, type RouteClientOptions, type SignalOptions } from "./client.ts";
export {
  bridgePortData,
  decodeLinkInfo,
  decodeLinkInfoAt,
  IFLA_INFO,
  linkData,
  type LinkDataByKind,
  type LinkInfo,
  type RawLinkData,
} from "./linkinfo/mod.ts";
export {
  BRIDGE_PORT_STATES,
  type BridgeInfo,
  type BridgeOptions,
  type BridgePortInfo,
  type BridgePortOptions,
  IFLA_BR,
  IFLA_BRPORT,
} from "./linkinfo/bridge.ts";
export { type RawAttr } from "./linkinfo/common.ts";
export { addressAttrs, linkAttrs, routeAttrs, RTM_MESSAGES, rtmAttributePath } from "./schema.ts";
export { bridgeAttrs, bridgePortAttrs } from "./linkinfo/bridge.ts";
export { linkinfoAttrs } from "./linkinfo/mod.ts";
export { tunAttrs } from "./linkinfo/tun.ts";
export { vethAttrs } from "./linkinfo/veth.ts";
export { vxlanAttrs } from "./linkinfo/vxlan.ts";
export { neighbourAttrs } from "./neighbour.ts";
export { nexthopAttrs } from "./nexthop.ts";
export { nsidAttrs } from "./nsid.ts";
export { netconfAttrs } from "./netconf.ts";
export { ruleAttrs } from "./rule.ts";
export { IFLA_TUN, openTun, type TunHandle, type TunInfo, type TunOptions } from "./linkinfo/tun.ts";
export { VETH_INFO_PEER, type VethInfo, type VethOptions, type VethPeerOptions } from "./linkinfo/veth.ts";
export { IFLA_VXLAN, VXLAN_DF, type VxlanInfo, type VxlanOptions } from "./linkinfo/vxlan.ts";
export {
  type ResyncReason,
  watch,
  watchAddresses,
  Watcher,
  type WatchEvent,
  type WatchKind,
  watchLinks,
  watchNeighbours,
  watchNetconf,
  type WatchObjects,
  type WatchOptions,
  watchRoutes,
  type WatchStats,
} from "./watch.ts";
export { type KeyedWatch, shareWatch } from "./shared_watch.ts";
