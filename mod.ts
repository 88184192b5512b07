/**
 * nlts: Linux netlink for Deno and Bun, over raw libc FFI: no native addon,
 * no shelling out.
 *
 * - {@link NetlinkSocket}: requests matched by sequence number, streaming
 *   dumps (`for await`), multicast notifications with explicit overruns.
 * - The wire codec: {@link MessageWriter}, {@link Attrs}, {@link parseMessages}.
 * - Errors: {@link NetlinkError} (errno name, message type, extended ACK),
 *   {@link ParseError} for malformed bytes.
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(18 /* RTM_GETLINK *\/, Flags.DUMP);
 * req.struct(16);
 * for await (const msg of sock.dump(req.finish())) console.log(msg.type);
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
  toJson,
} from "./src/wire/mod.ts";
export {
  type DumpOptions,
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
