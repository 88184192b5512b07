/**
 * NETLINK_SOCK_DIAG: what `ss` shows. Streaming dumps of TCP, UDP, raw,
 * MPTCP and UNIX sockets with `struct tcp_info`, memory counters,
 * congestion control and UNIX peers; look-ups of one socket; and
 * SOCK_DESTROY.
 *
 * @example
 * ```ts
 * import { SockDiag } from "@nlts/netlink/sockdiag";
 * await using diag = await SockDiag.open();
 * for await (const s of diag.inetSockets({ protocol: "tcp", states: ["LISTEN"] })) {
 *   console.log(`${s.family} ${s.src}:${s.srcPort} uid ${s.uid} inode ${s.inode}`);
 * }
 * for await (const u of diag.unixSockets({ states: ["LISTEN"], show: ["name"] })) console.log(u.name);
 * ```
 *
 * @module
 */
export {
  describeSockDiagType,
  DIAG_AF,
  DIAG_IPPROTO,
  INET_DIAG,
  INET_DIAG_REQ,
  INET_EXTENSIONS,
  INET_ULP_INFO,
  type InetExtension,
  SK_MEMINFO_FIELDS,
  SOCK_DIAG,
  SOCKET_STATE_NAMES,
  STATE_FILTERS,
  type StateFilter,
  TCP_CA_STATE_NAMES,
  TCPI_OPT,
  type TcpState,
  TIMER_NAMES,
  UDIAG_SHOW,
  UNIX_DIAG,
  UNIX_TYPES,
  type UnixShow,
} from "./constants.ts";
export { type CcInfo, decodeTcpInfo, type TcpInfo, type TcpOptions } from "./tcpinfo.ts";
export {
  decodeInetSocket,
  encodeInetDestroyRequest,
  encodeInetDumpRequest,
  encodeInetGetRequest,
  type InetDumpOptions,
  type InetFamily,
  type InetMeminfo,
  type InetProtocol,
  type InetSocket,
  type InetSocketId,
  type InetSockopt,
  type SkMeminfo,
  type SocketTimer,
} from "./inet.ts";
export {
  decodeUnixSocket,
  encodeUnixDumpRequest,
  encodeUnixGetRequest,
  type UnixDumpOptions,
  type UnixSocket,
  type UnixType,
} from "./unix.ts";
export {
  destroySocket,
  type InetLookupOptions,
  inetSocket,
  inetSockets,
  SockDiag,
  type SockDiagOptions,
  unixSocket,
  unixSockets,
} from "./client.ts";
