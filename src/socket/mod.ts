/**
 * Netlink sockets for any protocol: {@link NetlinkSocket} (requests matched
 * by sequence number, streaming dumps, multicast notifications with
 * explicit overruns), {@link NotificationStream} (a decoded, closable event
 * stream on a socket of its own), and network namespace targets. All
 * sockets of a process share one readiness loop; it has no API of its own.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink/socket";
 * import { Flags, MessageWriter } from "@nlts/netlink/wire";
 * const RTM_GETLINK = 18;
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM_GETLINK, Flags.DUMP);
 * req.struct(16); // struct ifinfomsg
 * for await (const msg of sock.dump(req.finish())) console.log(msg.type, msg.payload.length);
 * ```
 *
 * @module
 */
export {
  type BatchAnswer,
  type DumpDatagram,
  type DumpOptions,
  NetlinkSocket,
  type NotificationOptions,
  type OpenOptions,
  type ReceivedMessage,
  type RequestOptions,
  type SocketStats,
  type TraceEvent,
} from "./socket.ts";
export { PcapWriter, splitTraced, type TracedMessage, traceLogger } from "./trace.ts";
export {
  HandOverReader,
  type NotificationDecoder,
  NotificationStream,
  type NotificationStreamOptions,
  socketSource,
  type SocketSourceOptions,
  SpawnedStreams,
  type StreamSource,
} from "./stream.ts";
export { netnsPath, type NetnsTarget } from "./netns.ts";
export { createNetns, deleteNetns, listNetns } from "./netns_admin.ts";
export {
  type ConsumerOptions,
  type ConsumerStats,
  DEFAULT_SHARE_LIMIT,
  share,
  ShareConsumer,
  SharedStream,
  type ShareOptions,
} from "./share.ts";
