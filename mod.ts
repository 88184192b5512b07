/**
 * nlts: Linux netlink for Deno and Bun, over raw libc FFI: no native addon,
 * no shelling out.
 *
 * Typed clients per family, streams as `for await`: list the links, then
 * watch them change.
 *
 * ```ts
 * import { Overrun, RouteClient } from "@nlts/netlink";
 * await using rt = await RouteClient.open(); // or { netns: "blue" }
 * for await (const link of rt.links()) console.log(link.index, link.name, link.operstate);
 * await using events = rt.events(["link", "ipv4_ifaddr"]);
 * for await (const e of events) {
 *   if (e instanceof Overrun) console.log("events were lost: list again");
 *   else if (e.kind === "link") console.log(e.action, e.link.name, e.link.operstate);
 * }
 * ```
 *
 * - Clients: {@link RouteClient} (links, addresses, routes, nexthops,
 *   neighbours, rules, events, {@link watch}), {@link GenlFamily} and
 *   {@link Controller} (generic netlink), {@link Conntrack}, {@link NfQueue},
 *   {@link NfLog}, {@link Nftables}, {@link Ipset}, {@link SockDiag}, {@link Xfrm},
 *   {@link Audit}, {@link uevents}, {@link processEvents}, {@link UserPeer}.
 *   Each family's constants and codecs are on its own entry point:
 *   `@nlts/netlink/route`, `/genl`, `/netfilter`, `/nftables`, `/ipset`, `/xfrm`,
 *   `/sockdiag`, `/uevent`, `/connector`, `/audit`, `/usersock`.
 * - Errors: {@link NetlinkError} (errno name, message type, extended ACK),
 *   {@link ParseError} for malformed bytes; streams yield an
 *   {@link Overrun} where notifications were lost.
 * - JSON: objects keep 64-bit counters as `bigint`; {@link toJson} (or
 *   `JSON.stringify(x, jsonReplacer)`) writes them as numbers when safe,
 *   else as decimal strings.
 *
 * The low level, for any protocol: {@link NetlinkSocket} matches requests
 * by sequence number and streams dumps; {@link MessageWriter} builds the
 * bytes (more of the codec in `@nlts/netlink/wire`, sockets in
 * `@nlts/netlink/socket`).
 *
 * @example Dump links with raw messages
 * ```ts
 * import { Attrs, Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * import { IFLA, RTM } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM.GETLINK, Flags.DUMP);
 * req.struct(16); // struct ifinfomsg
 * for await (const msg of sock.dump(req.finish())) {
 *   console.log(msg.type, Attrs.parse(msg.payload.subarray(16)).str(IFLA.IFNAME));
 * }
 * ```
 *
 * @module
 */
export {
  AddressError,
  Attrs,
  AttrWriter,
  ClosedError,
  DumpInterruptedError,
  type ExtAck,
  Flags,
  jsonReplacer,
  MessageWriter,
  NetlinkError,
  type NetlinkMessage,
  Overrun,
  OverrunError,
  ParseError,
  parseMessages,
  type ProtocolName,
  TimeoutError,
  toJson,
} from "./src/wire/mod.ts";
export {
  type BatchAnswer,
  createNetns,
  deleteNetns,
  type DumpDatagram,
  type DumpOptions,
  listNetns,
  NetlinkSocket,
  type NetnsTarget,
  type NotificationOptions,
  NotificationStream,
  type NotificationStreamOptions,
  type OpenOptions,
  type ReceivedMessage,
  type RequestOptions,
  type SocketStats,
} from "./src/socket/mod.ts";
export {
  type AddAddressOptions,
  type AddFdbOptions,
  type Address,
  type AddressFilter,
  type AddressSpec,
  type FdbEntry,
  type FdbFilter,
  type FdbSpec,
  type GetLinkOptions,
  type GetRouteOptions,
  type Link,
  type LinkChanges,
  type LinkInfo,
  type LinkRef,
  type LinkSpec,
  type LinkStats64,
  type ListLinksOptions,
  type Neighbour,
  type NeighbourFilter,
  type NeighbourSpec,
  type Netconf,
  type NetnsId,
  type Nexthop,
  type NexthopFilter,
  type NexthopSpec,
  type NsidTarget,
  type Route,
  RouteClient,
  type RouteClientOptions,
  type RouteEvent,
  RouteEventStream,
  type RouteFilter,
  type RouteSpec,
  type RtnlGroupName,
  type Rule,
  type RuleSpec,
  type SignalOptions,
  subscribe,
  type SubscribeOptions,
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
} from "./src/route/mod.ts";
export {
  type AttrSet,
  Controller,
  type ControllerOptions,
  defineAttrSet,
  defineFamily,
  ethtool,
  EventStream,
  type FamilyInfo,
  type FamilySchema,
  type GenlDumpOptions,
  GenlError,
  type GenlEvent,
  type GenlEventOptions,
  GenlFamily,
  type GenlOpenOptions,
  type GenlRequestOptions,
  netdev,
  nlctrl,
  type TaskStats,
  taskstats,
} from "./src/genl/mod.ts";
export {
  Conntrack,
  type ConntrackEntry,
  type ConntrackEvent,
  type ConntrackEventOptions,
  ConntrackEventStream,
  type ConntrackOptions,
  type ConntrackSpec,
  type ConntrackTuple,
  type DumpFilter,
  type LogEntry,
  NfLog,
  type NfLogOptions,
  NfQueue,
  type NfQueueOptions,
  QueuedPacket,
} from "./src/netfilter/mod.ts";
export {
  type Expression,
  Nftables,
  type NftChain,
  type NftEvent,
  NftEventStream,
  type NftObject,
  type NftRule,
  type NftRuleset,
  type NftSet,
  type NftSetElement,
  type NftTable,
  NftTransactionError,
} from "./src/nftables/mod.ts";
export { Ipset, type IpsetCreateSpec, IpsetError, type IpsetMember, type IpsetSet } from "./src/ipset/mod.ts";
export {
  Xfrm,
  type XfrmEvent,
  type XfrmEventsOptions,
  type XfrmEventStream,
  type XfrmOpenOptions,
  type XfrmPolicy,
  type XfrmPolicySpec,
  type XfrmState,
  type XfrmStateSpec,
} from "./src/xfrm/mod.ts";
export {
  type InetDumpOptions,
  type InetLookupOptions,
  type InetSocket,
  SockDiag,
  type SockDiagOptions,
  type TcpInfo,
  type UnixDumpOptions,
  type UnixSocket,
} from "./src/sockdiag/mod.ts";
export {
  type Uevent,
  UeventMonitor,
  type UeventMonitorOptions,
  type UeventOptions,
  uevents,
} from "./src/uevent/mod.ts";
export {
  ProcConnector,
  type ProcConnectorOptions,
  type ProcessEventOptions,
  processEvents,
  type ProcEvent,
} from "./src/connector/mod.ts";
export {
  Audit,
  type AuditFeatures,
  type AuditRecord,
  type AuditRecordStream,
  type AuditStatus,
} from "./src/audit/mod.ts";
export {
  defineProtocol,
  type Destination,
  type PeerOptions,
  PeerTimeoutError,
  type ProtocolMessage,
  UserPeer,
} from "./src/usersock/mod.ts";
export {
  type ConsumerOptions,
  type ConsumerStats,
  DEFAULT_SHARE_LIMIT,
  share,
  ShareConsumer,
  SharedStream,
  type ShareOptions,
} from "./src/socket/share.ts";
export { type KeyedWatch, shareWatch } from "./src/route/shared_watch.ts";
export { type Filter, type Qdisc, type TcChain, type TcClass, type TcStats, TrafficControl } from "./src/tc/mod.ts";
