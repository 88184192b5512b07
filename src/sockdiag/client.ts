/**
 * Socket dumps, look-ups and SOCK_DESTROY over a NETLINK_SOCK_DIAG socket,
 * as functions and as the small {@link SockDiag} client.
 *
 * @module
 */
import type { NetnsTarget } from "../socket/netns.ts";
import { NetlinkSocket, type OpenOptions } from "../socket/socket.ts";
import { NetlinkError } from "../wire/errors.ts";
import { describeSockDiagType, type InetExtension, SOCK_DIAG, type UnixShow } from "./constants.ts";
import {
  decodeInetSocket,
  encodeInetDestroyRequest,
  encodeInetDumpRequest,
  encodeInetGetRequest,
  type InetDumpOptions,
  type InetFamily,
  type InetSocket,
  type InetSocketId,
} from "./inet.ts";
import {
  decodeUnixSocket,
  encodeUnixDumpRequest,
  encodeUnixGetRequest,
  type UnixDumpOptions,
  type UnixSocket,
} from "./unix.ts";

const ENOENT = 2;
const ESTALE = 116;

/** The kernel's ways of saying "no such socket": none there, or another one (cookie mismatch). */
function notFound(e: unknown): boolean {
  return e instanceof NetlinkError && (e.errno === ENOENT || e.errno === ESTALE);
}

function families(family: InetDumpOptions["family"]): InetFamily[] {
  if (family === undefined || family === "all") return ["inet", "inet6"];
  if (family === "inet" || family === "inet6") return [family];
  throw new TypeError(`family must be "inet", "inet6" or "all", not ${JSON.stringify(family)}`);
}

/**
 * Streams the INET sockets of one protocol (TCP by default), IPv4 then
 * IPv6 unless `family` picks one. A kernel without the protocol's diag
 * module answers with a {@link NetlinkError} (`ENOENT`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { inetSockets } from "@nlts/netlink/sockdiag";
 * await using sock = await NetlinkSocket.open("sock_diag");
 * for await (const s of inetSockets(sock, { protocol: "tcp", states: ["LISTEN"], extensions: ["info"] })) {
 *   console.log(`${s.src}:${s.srcPort}`, s.tcpInfo?.sndCwnd);
 * }
 * ```
 */
export async function* inetSockets(
  sock: NetlinkSocket,
  options: InetDumpOptions = {},
): AsyncGenerator<InetSocket, void, undefined> {
  const protocol = options.protocol ?? "tcp";
  // Build every request first, so bad options throw before anything is sent.
  const requests = families(options.family).map((f) => encodeInetDumpRequest(f, options));
  for (const request of requests) {
    for await (const msg of sock.dump(request, { signal: options.signal })) {
      if (msg.type !== SOCK_DIAG.BY_FAMILY) continue;
      yield decodeInetSocket(msg, protocol);
    }
  }
}

/**
 * Streams the UNIX sockets (all types unless `types` picks some).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { unixSockets } from "@nlts/netlink/sockdiag";
 * await using sock = await NetlinkSocket.open("sock_diag");
 * for await (const s of unixSockets(sock, { states: ["LISTEN"], show: ["name", "rqlen"] })) {
 *   console.log(s.name, s.rqueue);
 * }
 * ```
 */
export async function* unixSockets(
  sock: NetlinkSocket,
  options: UnixDumpOptions = {},
): AsyncGenerator<UnixSocket, void, undefined> {
  const request = encodeUnixDumpRequest(options);
  const types = options.types;
  for await (const msg of sock.dump(request, { signal: options.signal })) {
    if (msg.type !== SOCK_DIAG.BY_FAMILY) continue;
    const s = decodeUnixSocket(msg);
    if (types && !types.includes(s.type as never)) continue;
    yield s;
  }
}

/** Options of {@link inetSocket}. */
export interface InetLookupOptions {
  /** Extensions to ask for. */
  extensions?: InetExtension[];
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/**
 * Looks up one INET socket by its addresses and ports (and cookie, when
 * given). Resolves `undefined` when there is none (ENOENT, or ESTALE when
 * the cookie names another socket); other refusals
 * reject with {@link NetlinkError}.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { inetSocket } from "@nlts/netlink/sockdiag";
 * await using sock = await NetlinkSocket.open("sock_diag");
 * const s = await inetSocket(sock, { family: "inet", src: "127.0.0.1", srcPort: 8080 }, { extensions: ["info"] });
 * console.log(s?.state);
 * ```
 */
export async function inetSocket(
  sock: NetlinkSocket,
  id: InetSocketId,
  options: InetLookupOptions = {},
): Promise<InetSocket | undefined> {
  const request = encodeInetGetRequest(id, options.extensions);
  let replies;
  try {
    replies = await sock.request(request, { signal: options.signal });
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
  const reply = replies.find((m) => m.type === SOCK_DIAG.BY_FAMILY);
  return reply ? decodeInetSocket(reply, id.protocol ?? "tcp") : undefined;
}

/**
 * Looks up one UNIX socket by inode (and cookie). Resolves `undefined`
 * when there is none (ENOENT, or ESTALE when the cookie does not match).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { unixSocket } from "@nlts/netlink/sockdiag";
 * await using sock = await NetlinkSocket.open("sock_diag");
 * console.log((await unixSocket(sock, 12345))?.name);
 * ```
 */
export async function unixSocket(
  sock: NetlinkSocket,
  inode: number,
  options: { cookie?: bigint; show?: UnixShow[]; signal?: AbortSignal } = {},
): Promise<UnixSocket | undefined> {
  const request = encodeUnixGetRequest(inode, options.cookie, options.show);
  let replies;
  try {
    replies = await sock.request(request, { signal: options.signal });
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
  const reply = replies.find((m) => m.type === SOCK_DIAG.BY_FAMILY);
  return reply ? decodeUnixSocket(reply) : undefined;
}

/**
 * Closes an INET socket from outside (SOCK_DESTROY): its owner sees
 * ECONNABORTED. Pass a socket from a dump (its cookie is checked, so a
 * reused address is never hit) or an identity. Rejects with
 * {@link NetlinkError}: `ENOENT` when there is no such socket, `EOPNOTSUPP`
 * when the kernel lacks CONFIG_INET_DIAG_DESTROY or the protocol cannot be
 * destroyed, `EPERM` without CAP_NET_ADMIN.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { destroySocket, inetSockets } from "@nlts/netlink/sockdiag";
 * await using sock = await NetlinkSocket.open("sock_diag", { describeType: (t) => t === 21 ? "SOCK_DESTROY" : undefined });
 * for await (const s of inetSockets(sock, { states: ["ESTAB"] })) {
 *   if (s.dstPort === 6667) await destroySocket(sock, s);
 * }
 * ```
 */
export async function destroySocket(
  sock: NetlinkSocket,
  target: InetSocket | InetSocketId,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const protocol = target.protocol ?? "tcp";
  const id: InetSocketId = {
    family: target.family,
    protocol,
    src: target.src,
    srcPort: target.srcPort,
    dst: target.dst,
    dstPort: target.dstPort,
    interface: target.interface,
    cookie: target.cookie,
  };
  await sock.request(encodeInetDestroyRequest(id), { signal: options.signal });
}

/** Options of {@link SockDiag.open}. */
export interface SockDiagOptions {
  /** Network namespace to look into: name, path, fd or `{ pid }`. */
  netns?: NetnsTarget;
  /** Sees every datagram (`OpenOptions.trace`): for `traceLogger` or a `PcapWriter`. */
  trace?: OpenOptions["trace"];
}

/**
 * A NETLINK_SOCK_DIAG client: dumps of INET and UNIX sockets, look-ups, and
 * SOCK_DESTROY. Dumps on one client run one after another.
 *
 * @example
 * ```ts
 * import { SockDiag } from "@nlts/netlink";
 * await using diag = await SockDiag.open();
 * for await (const s of diag.inetSockets({ protocol: "tcp", states: ["ESTAB"], extensions: ["info", "cong"] })) {
 *   console.log(`${s.src}:${s.srcPort} -> ${s.dst}:${s.dstPort}`, s.congestion, s.tcpInfo?.rtt);
 * }
 * ```
 */
export class SockDiag implements AsyncDisposable {
  /** The underlying netlink socket. */
  readonly socket: NetlinkSocket;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
  }

  /**
   * Opens a NETLINK_SOCK_DIAG socket (in `netns` when given).
   *
   * @example
   * ```ts
   * import { SockDiag } from "@nlts/netlink";
   * const diag = await SockDiag.open({ netns: "blue" });
   * await diag.close();
   * ```
   */
  static async open(options: SockDiagOptions = {}): Promise<SockDiag> {
    const socket = await NetlinkSocket.open("sock_diag", {
      netns: options.netns,
      describeType: describeSockDiagType,
      trace: options.trace,
    });
    return new SockDiag(socket);
  }

  /**
   * INET sockets; see {@link inetSockets}.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@nlts/netlink";
   * await using diag = await SockDiag.open();
   * for await (const s of diag.inetSockets({ family: "inet", protocol: "udp" })) console.log(s.srcPort);
   * ```
   */
  inetSockets(options: InetDumpOptions = {}): AsyncGenerator<InetSocket, void, undefined> {
    return inetSockets(this.socket, options);
  }

  /**
   * UNIX sockets; see {@link unixSockets}.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@nlts/netlink";
   * await using diag = await SockDiag.open();
   * for await (const s of diag.unixSockets({ types: ["stream"] })) console.log(s.name, s.peer);
   * ```
   */
  unixSockets(options: UnixDumpOptions = {}): AsyncGenerator<UnixSocket, void, undefined> {
    return unixSockets(this.socket, options);
  }

  /**
   * One INET socket by identity; see {@link inetSocket}.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@nlts/netlink";
   * await using diag = await SockDiag.open();
   * await diag.inetSocket({ family: "inet6", src: "::1", srcPort: 22 });
   * ```
   */
  inetSocket(id: InetSocketId, options: InetLookupOptions = {}): Promise<InetSocket | undefined> {
    return inetSocket(this.socket, id, options);
  }

  /**
   * One UNIX socket by inode; see {@link unixSocket}.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@nlts/netlink";
   * await using diag = await SockDiag.open();
   * await diag.unixSocket(12345);
   * ```
   */
  unixSocket(
    inode: number,
    options: { cookie?: bigint; show?: UnixShow[]; signal?: AbortSignal } = {},
  ): Promise<UnixSocket | undefined> {
    return unixSocket(this.socket, inode, options);
  }

  /**
   * Closes an INET socket from outside; see {@link destroySocket}.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@nlts/netlink";
   * await using diag = await SockDiag.open();
   * for await (const s of diag.inetSockets({ states: ["ESTAB"] })) if (s.dstPort === 6667) await diag.destroy(s);
   * ```
   */
  destroy(target: InetSocket | InetSocketId, options: { signal?: AbortSignal } = {}): Promise<void> {
    return destroySocket(this.socket, target, options);
  }

  /**
   * Closes the netlink socket.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@nlts/netlink";
   * const diag = await SockDiag.open();
   * await diag.close();
   * ```
   */
  close(): Promise<void> {
    return this.socket.close();
  }

  /** Closes the netlink socket (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
