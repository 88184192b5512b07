/**
 * `NetlinkSocket`: one AF_NETLINK socket with requests matched by sequence
 * number, streaming dumps, and multicast notifications, driven by the shared
 * readiness loop.
 *
 * Reading is demand-driven. The socket reads only while someone waits: a
 * pending request, a dump consumer whose queue is empty, or a notification
 * consumer whose queue is empty. A slow dump consumer therefore leaves the
 * rest of the dump in the kernel (which produces the next part only when the
 * previous one was read), and notifications nobody reads stay in the kernel
 * buffer until it overflows, which is then reported as an {@link Overrun}.
 * While a notification consumer waits, one bounded burst (what the socket
 * holds, up to 64 datagrams) is read ahead, so that a storm costs one
 * wake-up per burst rather than per message.
 *
 * Reading never starves the host program: a socket reads at most 64
 * datagrams per turn of the event loop (and all sockets together 256, see
 * `loop.ts`), then waits for a macrotask, so timers, I/O and signal handlers
 * run between bursts however fast the consumer asks for more.
 *
 * After the kernel reports ENOBUFS the socket is drained to empty at once,
 * consumer or not, to end the kernel's congestion; see
 * {@link NetlinkSocket.notifications} for the exact meaning of an
 * {@link Overrun}.
 *
 * @module
 */
import { loadLibc } from "../../ffi/mod.ts";
import type { Libc, Receiver } from "../../ffi/mod.ts";
import {
  align4,
  Flags,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  Protocol,
  type ProtocolName,
  SockOpt,
  SOL_NETLINK,
} from "../wire/constants.ts";
import { ERRNO } from "../wire/errno.ts";
import {
  ClosedError,
  DumpInterruptedError,
  NetlinkError,
  Overrun,
  OverrunError,
  ParseError,
  TimeoutError,
} from "../wire/errors.ts";
import {
  framingError,
  messageAt,
  type NetlinkMessage,
  parseDone,
  parseErrorReply,
  parseMessages,
  replyError,
} from "../wire/message.ts";
import { type Loop, sharedLoop } from "./loop.ts";
import { inNetns, type NetnsTarget } from "./netns.ts";
import { u32At } from "../wire/values.ts";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SO_MEMINFO = 55;
/** Index of the drop counter in SO_MEMINFO's `u32[SK_MEMINFO_VARS]`. */
const SK_MEMINFO_DROPS = 8;
const SK_MEMINFO_VARS = 9;
const MSG_DONTWAIT = 0x40;
const NLMSG_HDRLEN = 16;
/** Largest number of iovecs in one `sendmsg` (`UIO_MAXIOV`). */
const IOV_MAX = 1024;
/** Receive-buffer room one queued ACK takes (an skb's truesize, rounded up). */
const ACK_TRUESIZE = 1280;
const { EAGAIN, EINTR, ENOBUFS, EPERM } = ERRNO;

/** Datagrams one socket reads per turn of the event loop (see `loop.ts`). */
const READS_PER_TURN = 64;
/**
 * Items one notification iterator hands out per turn of the event loop. A
 * burst read ahead may queue thousands; a consumer that takes them one by
 * one through promises would otherwise run them all in microtasks, and
 * timers, I/O and signal handlers would wait for the whole queue.
 */
const ITEMS_PER_TURN = 256;
/** Default size of the receive buffer: above the kernel's 32 KiB dump parts. */
const DEFAULT_BUFFER = 64 * 1024;
/**
 * Largest size the receive buffer grows to by itself, for a kernel datagram
 * that did not fit. Only the kernel's datagrams make it grow; a larger
 * `bufferSize` given at open is kept.
 */
const MAX_GROWN_BUFFER = 1024 * 1024;
/** Default timeout of requests and dumps, in milliseconds. */
const DEFAULT_TIMEOUT = 30_000;
/** Default bound on undelivered notifications held in memory per consumer. */
const DEFAULT_QUEUE_LIMIT = 16384;
/**
 * Receivers (with their default-size buffers) of closed sockets, taken by the
 * next sockets opened. Not a leak fix: nothing else keeps a receiver, but in
 * Deno a freed 64 KiB backing store goes back to glibc only when V8 sweeps
 * it, long after, and the freed chunks stay in the process heap; reusing them
 * keeps RSS flat when sockets come and go (bench/soak.ts).
 */
const spareReceivers: Receiver[] = [];
const SPARE_RECEIVERS = 16;
/**
 * Buffers of released {@link DumpDatagram}s one socket keeps for the next
 * ones. A consumer that releases each datagram before asking for the next
 * holds one; the pump may have read one or two more ahead.
 */
const SPARE_DATAGRAMS = 4;
/** Datagram copies are allocated in multiples of this, so that one buffer fits the next datagram too. */
const DATAGRAM_ROUNDING = 8192;

/** Options of {@link NetlinkSocket.open}. */
export interface OpenOptions {
  /** Multicast groups to join at once (numbers, as for {@link NetlinkSocket.join}). */
  groups?: number[];
  /** Kernel receive buffer in bytes (SO_RCVBUFFORCE when permitted, else SO_RCVBUF). */
  rcvbuf?: number;
  /** Kernel send buffer in bytes. */
  sndbuf?: number;
  /** Open the socket in this network namespace: name, path, fd, or `{ pid }`. */
  netns?: NetnsTarget;
  /** Port id to bind to; 0 (default) lets the kernel choose. */
  portId?: number;
  /** Ask for extended ACKs (NETLINK_EXT_ACK). Default true. */
  extAck?: boolean;
  /** Strict checking of requests (NETLINK_GET_STRICT_CHK). Default true for ROUTE. */
  strict?: boolean;
  /** Do not echo the request in error replies (NETLINK_CAP_ACK). Default true. */
  capAck?: boolean;
  /**
   * Never report ENOBUFS (NETLINK_NO_ENOBUFS). Default false: losses are
   * reported as {@link Overrun} items. With it the kernel drops what does
   * not fit the socket buffer and says nothing (nor does it hold back later
   * notifications until the buffer is read empty, as it does otherwise): no
   * `Overrun` ever comes from the kernel, so state built from the stream may
   * silently diverge. For consumers that only want the latest events.
   */
  noEnobufs?: boolean;
  /**
   * User-space receive buffer in bytes (default 64 KiB). A datagram from the
   * kernel that is larger is lost once and makes the buffer grow, up to
   * 1 MiB (or `bufferSize` if larger); datagrams from other senders never
   * make it grow.
   */
  bufferSize?: number;
  /** Accept messages whose sender is not the kernel. Default: only for USERSOCK. */
  acceptForeign?: boolean;
  /** Readable names of message types, used in error messages. */
  describeType?: (type: number) => string | undefined;
  /**
   * The path of the attribute an extended-ACK offset points at in a request
   * (`rtmAttributePath` for rtnetlink), kept in the error's `extAck.path`.
   */
  describeAttribute?: (request: Uint8Array, offset: number) => string | undefined;
  /**
   * `"netlink"` (default): datagrams are nlmsghdr-framed messages.
   * `"raw"`: each datagram is delivered whole as one notification with
   * type 0 (NETLINK_KOBJECT_UEVENT sends bare strings, not messages).
   */
  framing?: "netlink" | "raw";
  /**
   * Default timeout of {@link NetlinkSocket.request} and
   * {@link NetlinkSocket.dump} on this socket, in milliseconds (default
   * 30,000; `Infinity` for none). A request or dump that gets no answer in
   * time rejects with {@link TimeoutError}.
   */
  timeout?: number;
  /**
   * Called with every datagram sent and every one received and accepted
   * (before it is parsed), for debugging and captures: see `traceLogger`
   * and `PcapWriter` in `src/socket/trace.ts`. It must not keep `bytes`
   * beyond the call (copy them), and what it throws is ignored.
   */
  trace?: (event: TraceEvent) => void;
}

/** One datagram seen by {@link OpenOptions.trace}. */
export interface TraceEvent {
  /** `"send"`: to the kernel (or a peer); `"receive"`: from it. */
  direction: "send" | "receive";
  /** The socket's netlink protocol (0 route, 16 generic…). */
  protocol: number;
  /** The datagram: one or more netlink messages. */
  bytes: Uint8Array;
  /** The other end's port id (0: the kernel). */
  peer: number;
  /** Multicast group it came to or was sent to (0: unicast). */
  group: number;
}

/** A message as received, with where it came from. */
export interface ReceivedMessage extends NetlinkMessage {
  /** Sender's port id from the socket address (0: the kernel). */
  source: number;
  /** Multicast group it was sent to (0: unicast). */
  group: number;
  /**
   * Set only on items yielded with `malformed: "yield"`: the datagram, from
   * a sender other than the kernel, could not be parsed or was larger than
   * the receive buffer. `payload` holds the bytes that were received (the
   * whole datagram, or its head when it was too large), and `type`, `flags`
   * and `seq` are 0.
   */
  error?: ParseError;
}

/** The kernel's answer to one message of {@link NetlinkSocket.requestBatch}. */
export interface BatchAnswer {
  /** The sequence number the message was sent with. */
  seq: number;
  /** Messages that answered it before its ACK (NLM_F_ECHO copies, replies). */
  replies: NetlinkMessage[];
  /** Whether its ACK (positive or negative) came. */
  acked: boolean;
  /** Its refusal, when the ACK was negative. */
  error?: NetlinkError;
}

/** Options of {@link NetlinkSocket.request}. */
export interface RequestOptions {
  /** Cancels the wait (the request may still have been carried out). */
  signal?: AbortSignal;
  /** Ask for and wait for an ACK (default true). Without it the first reply ends the request. */
  ack?: boolean;
  /**
   * Milliseconds to wait for the answer before rejecting with
   * {@link TimeoutError} (default: the socket's `timeout`, 30,000;
   * `Infinity` for none).
   */
  timeout?: number;
}

/** Options of {@link NetlinkSocket.dump}. */
export interface DumpOptions {
  /** Cancels the dump; the iterator throws the signal's reason. */
  signal?: AbortSignal;
  /**
   * Retry this many times when the kernel reports the dump interrupted
   * (NLM_F_DUMP_INTR). A retrying dump buffers each attempt and yields only a
   * consistent one, so it is not streamed. Default 0: stream, and throw
   * {@link DumpInterruptedError} at the end of an interrupted dump.
   */
  retry?: number;
  /**
   * Milliseconds to wait for each part of the answer while the consumer
   * waits for it (time the consumer spends elsewhere does not count), before
   * throwing {@link TimeoutError}. Default: the socket's `timeout`, 30,000;
   * `Infinity` for none.
   */
  timeout?: number;
}

/**
 * One datagram of a dump, as {@link NetlinkSocket.dumpDatagrams} yields it:
 * the bytes as received and where the dump's messages start in them, with
 * no object per message. Every `nlmsg_len` was checked against the
 * datagram. `NLMSG_DONE`, `NLMSG_ERROR` and `NLMSG_NOOP` are not among
 * `starts` (the socket handles them), nor messages that answer something
 * else.
 *
 * `bytes` stays as it is for as long as it is referenced, unless
 * {@link DumpDatagram.release} is called: that hands the buffer back to the
 * socket, which copies a later datagram into it.
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * import { RTM } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM.GETLINK, Flags.DUMP);
 * req.struct(16); // struct ifinfomsg
 * for await (const d of sock.dumpDatagrams(req.finish())) {
 *   for (const at of d.starts) console.log(d.bytes[at + 4] | (d.bytes[at + 5] << 8)); // nlmsg_type
 *   d.release(); // nothing of d.bytes is kept
 * }
 * ```
 */
export interface DumpDatagram {
  /** The datagram. */
  readonly bytes: Uint8Array;
  /** Offset in `bytes` of each of the dump's messages (its `nlmsghdr`), in order; never empty. */
  readonly starts: readonly number[];
  /**
   * The message at `starts[i]` as a {@link NetlinkMessage} whose payload is
   * a view of `bytes` (what {@link NetlinkSocket.dump} would have yielded).
   */
  message(i: number): NetlinkMessage;
  /**
   * Gives `bytes` back to the socket for a later datagram: call it once
   * nothing refers to `bytes` any more (views included). Optional (an
   * unreleased datagram is left to the garbage collector); a second call
   * does nothing.
   */
  release(): void;
}

/** A {@link DumpDatagram} in a buffer that `release` puts in `spare`. */
class PooledDatagram implements DumpDatagram {
  readonly bytes: Uint8Array;
  readonly starts: number[];
  #spare: ArrayBuffer[] | undefined;

  constructor(bytes: Uint8Array, starts: number[], spare: ArrayBuffer[]) {
    this.bytes = bytes;
    this.starts = starts;
    this.#spare = spare;
  }

  message(i: number): NetlinkMessage {
    const at = this.starts[i];
    if (at === undefined) throw new RangeError(`message ${i} of ${this.starts.length}`);
    return messageAt(this.bytes, at);
  }

  release(): void {
    const spare = this.#spare;
    if (spare === undefined) return;
    this.#spare = undefined;
    if (spare.length < SPARE_DATAGRAMS) spare.push(this.bytes.buffer as ArrayBuffer);
  }
}

/** Options of {@link NetlinkSocket.notifications}. */
export interface NotificationOptions {
  /** Ends the iteration (throwing the signal's reason). */
  signal?: AbortSignal;
  /** `"yield"` (default) yields an {@link Overrun} item; `"throw"` throws {@link OverrunError}. */
  overrun?: "yield" | "throw";
  /** Most undelivered messages to hold in memory before reporting an overrun. */
  queueLimit?: number;
  /**
   * Datagrams from a sender other than the kernel (which reach the socket
   * only with `acceptForeign`, the default on NETLINK_USERSOCK) that cannot
   * be parsed, or that are larger than the receive buffer: `"drop"` (default)
   * drops them, counted in `stats.malformed`; `"yield"` yields each as a
   * message with `error` set, and the stream goes on.
   */
  malformed?: "drop" | "yield";
}

/** Counters of what the socket saw but handed to nobody. */
export interface SocketStats {
  /** Messages from a port other than the kernel, dropped (kernel families). */
  foreign: number;
  /** Replies whose sequence number matches no pending request or dump. */
  stray: number;
  /** Times the kernel reported ENOBUFS. */
  overruns: number;
  /** Items dropped by full subscriber queues (`queueLimit`), each counted once per subscriber. */
  dropped: number;
  /** Datagrams from the kernel larger than the receive buffer (lost; the buffer grew up to its cap). */
  truncated: number;
  /**
   * Datagrams from other senders (with `acceptForeign`) that could not be
   * parsed or were larger than the receive buffer.
   */
  malformed: number;
  /** Dumps started again after NLM_F_DUMP_INTR (with the `retry` option). */
  dumpRetries: number;
}

interface Pending {
  request: Uint8Array;
  replies: NetlinkMessage[];
  ack: boolean;
  resolve(replies: NetlinkMessage[]): void;
  reject(error: unknown): void;
}

interface DumpState {
  seq: number;
  request: Uint8Array;
  /** Messages, or with `datagrams` set, {@link DumpDatagram}s. */
  queue: (NetlinkMessage | DumpDatagram)[];
  /** Queue whole datagrams rather than a message object each (see {@link NetlinkSocket.dumpDatagrams}). */
  datagrams: boolean;
  done: boolean;
  error?: unknown;
  interrupted: boolean;
  /** The consumer is waiting for the queue to fill. */
  waiting: boolean;
  /** The consumer left; read and discard until DONE. */
  draining: boolean;
  wake?: () => void;
}

interface Subscriber {
  queue: (ReceivedMessage | Overrun | ParseError)[];
  limit: number;
  /** Takes malformed datagrams from foreign senders as items. */
  malformed: boolean;
  waiting: boolean;
  wake?: () => void;
}

/** What a dump's iterator yields: messages, arrays of them, or {@link DumpDatagram}s. */
const MESSAGES = 0, BATCHES = 1, DATAGRAMS = 2;
type DumpMode = typeof MESSAGES | typeof BATCHES | typeof DATAGRAMS;

function protocolNumber(protocol: number | ProtocolName): number {
  if (typeof protocol === "number") return protocol;
  const n = Protocol[protocol.toUpperCase() as keyof typeof Protocol];
  if (n === undefined) throw new TypeError(`unknown netlink protocol ${JSON.stringify(protocol)}`);
  return n;
}

function sockaddr(pid: number, groups: number): Uint8Array {
  const bytes = new Uint8Array(new ArrayBuffer(12));
  const dv = new DataView(bytes.buffer);
  dv.setUint16(0, AF_NETLINK, true);
  dv.setUint32(4, pid, true);
  dv.setUint32(8, groups, true);
  return bytes;
}

function u32bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(new ArrayBuffer(4));
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return bytes;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("aborted", "AbortError");
}

/** A timeout option: milliseconds, positive, or `Infinity`. */
function checkTimeout(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0)) {
    throw new TypeError(`timeout must be a positive number of milliseconds or Infinity, not ${String(value)}`);
  }
  return value;
}

/** Calls `fire` after `ms` unless cleared; `Infinity` never fires. */
function startTimer(ms: number, fire: () => void): ReturnType<typeof setTimeout> | undefined {
  // setTimeout takes a 32-bit delay: longer ones would fire at once.
  return Number.isFinite(ms) && ms <= 0x7fffffff ? setTimeout(fire, ms) : undefined;
}

/**
 * One whole message: at least a header, and `nlmsg_len` equal to its bytes.
 * The kernel silently drops a message whose length runs past the datagram,
 * and answers each of several messages with the same sequence number: in
 * both cases a request would never end.
 */
function checkMessage(message: Uint8Array): void {
  if (!(message instanceof Uint8Array)) throw new TypeError("a netlink message is a Uint8Array");
  if (message.length < NLMSG_HDRLEN) throw new TypeError("a netlink message is at least 16 bytes");
  const len = new DataView(message.buffer, message.byteOffset, 4).getUint32(0, true);
  if (len !== message.length) {
    throw new TypeError(
      `nlmsg_len ${len} does not match the message's ${message.length} bytes (one message per request; send() takes batches)`,
    );
  }
}

/** True for what the kernel treats as a dump request, which answers with NLMSG_DONE and no ACK. */
function isDumpRequest(protocol: number, type: number, flags: number): boolean {
  if ((flags & Flags.DUMP) !== Flags.DUMP) return false;
  // In rtnetlink only GET requests (type & 3 == 2) dump; on NEW and DEL the
  // same bits are NLM_F_REPLACE|NLM_F_EXCL and NLM_F_NONREC|NLM_F_BULK.
  return protocol !== Protocol.ROUTE || type < 16 || (type & 3) === 2;
}

/**
 * A netlink socket. Open one per role: requests and dumps on one, each
 * notification stream on its own (the kernel drops notifications on a full
 * socket, and replies to requests could be dropped along with them).
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * import { RTM } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM.GETLINK, Flags.DUMP);
 * req.struct(16); // struct ifinfomsg
 * for await (const msg of sock.dump(req.finish())) console.log(msg.type, msg.payload.length);
 * ```
 */
export class NetlinkSocket implements AsyncDisposable {
  /** The protocol number (`NETLINK_ROUTE` = 0…). */
  readonly protocol: number;
  /** The port id the kernel bound this socket to. */
  readonly portId: number;
  /** What was received but handed to nobody. */
  readonly stats: SocketStats = {
    foreign: 0,
    stray: 0,
    overruns: 0,
    dropped: 0,
    truncated: 0,
    malformed: 0,
    dumpRetries: 0,
  };

  readonly #libc: Libc;
  readonly #loop: Loop;
  readonly #fd: number;
  readonly #rx: Receiver;
  readonly #kernel = sockaddr(0, 0);
  readonly #acceptForeign: boolean;
  readonly #describe?: (type: number) => string | undefined;
  readonly #attrPath?: (request: Uint8Array, offset: number) => string | undefined;
  readonly #raw: boolean;
  readonly #pending = new Map<number, Pending>();
  /** Pending batches, told when the kernel drops answers (their end marker may be among them). */
  readonly #batchesOnOverrun = new Set<() => void>();
  readonly #subscribers = new Set<Subscriber>();
  #dump?: DumpState;
  /** Buffers of released dump datagrams, for the next ones (see {@link #datagramCopy}). */
  readonly #spareDatagrams: ArrayBuffer[] = [];
  #dumpQueue: Promise<void> = Promise.resolve();
  /** Settles when the socket closes: ends waits that no datagram would end. */
  readonly #closing: Promise<void>;
  #resolveClosing!: () => void;
  #seq: number;
  readonly #seqStart: number;
  readonly #timeout: number;
  #pumping = false;
  #closed = false;
  /** The loop's turn in which {@link #turnLeft} was counted. */
  #turnSeen = -1;
  /** Reads left to this socket in that turn. */
  #turnLeft = 0;
  /** Waiting for the next turn to read again. */
  #turnWaiting = false;
  /**
   * The kernel reported ENOBUFS and its queue has not been read empty
   * since: it drops every notification meanwhile (NETLINK_S_CONGESTED), so
   * all that is still queued precedes the gap.
   */
  #congested = false;
  /** A datagram to ourselves whose sending tells whether the kernel still holds the socket congested. */
  readonly #probe: Uint8Array;
  readonly #self: Uint8Array;
  /** Probes sent and not yet read back. */
  #probesQueued = 0;
  /** Sending a probe failed otherwise than with EAGAIN: congestion ends only when a read finds the socket empty. */
  #probeBroken = false;
  /** The kernel's drop counter when the last gap was reported. */
  #dropsReported = 0;
  readonly #meminfo = new Uint8Array(new ArrayBuffer(SK_MEMINFO_VARS * 4));
  readonly #trace?: (event: TraceEvent) => void;

  #traced(direction: "send" | "receive", bytes: Uint8Array, peer: number, group: number): void {
    try {
      this.#trace!({ direction, protocol: this.protocol, bytes, peer, group });
    } catch { /* a tracer's failure is not the socket's */ }
  }

  private constructor(libc: Libc, fd: number, protocol: number, portId: number, options: OpenOptions) {
    this.#closing = new Promise<void>((resolve) => (this.#resolveClosing = resolve));
    this.#libc = libc;
    this.#fd = fd;
    this.protocol = protocol;
    this.portId = portId;
    this.#loop = sharedLoop(libc);
    const size = options.bufferSize ?? DEFAULT_BUFFER;
    this.#rx = (size === DEFAULT_BUFFER ? spareReceivers.pop() : undefined) ?? libc.receiver(size);
    this.#acceptForeign = options.acceptForeign ?? protocol === Protocol.USERSOCK;
    this.#describe = options.describeType;
    this.#attrPath = options.describeAttribute;
    this.#raw = options.framing === "raw";
    this.#trace = options.trace;
    this.#seq = this.#seqStart = (Math.random() * 0x3fffffff) | 1;
    this.#timeout = checkTimeout(options.timeout, DEFAULT_TIMEOUT);
    this.#self = sockaddr(portId, 0);
    this.#probe = new Uint8Array(new ArrayBuffer(NLMSG_HDRLEN));
    const probe = new DataView(this.#probe.buffer);
    probe.setUint32(0, NLMSG_HDRLEN, true);
    probe.setUint16(4, NLMSG_NOOP, true);
    probe.setUint32(8, (Math.random() * 0x100000000) >>> 0, true);
    probe.setUint32(12, portId, true);
    const r = this.#loop.register(fd, () => this.#pump());
    if (r < 0) throw new NetlinkError(-r, { syscall: "epoll_ctl(ADD)" });
  }

  /**
   * Opens a socket of `protocol` (a number, or a name such as `"route"`,
   * `"generic"`, `"kobject_uevent"`).
   *
   * @example
   * ```ts
   * import { NetlinkSocket } from "@nlts/netlink";
   * import { RTNLGRP } from "@nlts/netlink/route";
   * const sock = await NetlinkSocket.open("route", { groups: [RTNLGRP.LINK] });
   * await sock.close();
   * ```
   */
  static async open(protocol: number | ProtocolName, options: OpenOptions = {}): Promise<NetlinkSocket> {
    const libc = await loadLibc();
    const proto = protocolNumber(protocol);
    checkTimeout(options.timeout, DEFAULT_TIMEOUT);
    const create = () => libc.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    const fd = options.netns !== undefined ? inNetns(libc, options.netns, create) : create();
    if (fd < 0) throw new NetlinkError(-fd, { syscall: "socket(AF_NETLINK)" });
    try {
      const setInt = (level: number, name: number, value: number, what: string) => {
        const r = libc.setsockopt(fd, level, name, u32bytes(value));
        if (r < 0) throw new NetlinkError(-r, { syscall: `setsockopt(${what})` });
        return r;
      };
      const trySet = (name: number, value: boolean) => libc.setsockopt(fd, SOL_NETLINK, name, u32bytes(value ? 1 : 0));
      // Optional features: older kernels may lack them, which is not fatal.
      trySet(SockOpt.EXT_ACK, options.extAck ?? true);
      trySet(SockOpt.CAP_ACK, options.capAck ?? true);
      trySet(SockOpt.PKTINFO, true);
      if (options.strict ?? proto === Protocol.ROUTE) trySet(SockOpt.GET_STRICT_CHK, true);
      if (options.noEnobufs) setInt(SOL_NETLINK, SockOpt.NO_ENOBUFS, 1, "NETLINK_NO_ENOBUFS");
      if (options.rcvbuf !== undefined) {
        const forced = libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, u32bytes(options.rcvbuf));
        if (forced === -EPERM) setInt(SOL_SOCKET, SO_RCVBUF, options.rcvbuf, "SO_RCVBUF");
        else if (forced < 0) throw new NetlinkError(-forced, { syscall: "setsockopt(SO_RCVBUFFORCE)" });
      }
      if (options.sndbuf !== undefined) {
        const forced = libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, u32bytes(options.sndbuf));
        if (forced === -EPERM) setInt(SOL_SOCKET, SO_SNDBUF, options.sndbuf, "SO_SNDBUF");
        else if (forced < 0) throw new NetlinkError(-forced, { syscall: "setsockopt(SO_SNDBUFFORCE)" });
      }
      const bound = libc.bind(fd, sockaddr(options.portId ?? 0, 0));
      if (bound < 0) throw new NetlinkError(-bound, { syscall: "bind" });
      const name = new Uint8Array(new ArrayBuffer(12));
      const got = libc.getsockname(fd, name);
      if (got < 0) throw new NetlinkError(-got, { syscall: "getsockname" });
      const portId = new DataView(name.buffer).getUint32(4, true);
      for (const group of options.groups ?? []) setInt(SOL_NETLINK, SockOpt.ADD_MEMBERSHIP, group, "ADD_MEMBERSHIP");
      return new NetlinkSocket(libc, fd, proto, portId, options);
    } catch (error) {
      libc.close(fd);
      throw error;
    }
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Size of the user-space receive buffer in bytes: `bufferSize` at open
   * (64 KiB by default), grown by a larger datagram from the kernel, never
   * past 1 MiB unless opened larger.
   *
   * @example
   * ```ts
   * import { NetlinkSocket } from "@nlts/netlink";
   * await using sock = await NetlinkSocket.open("route");
   * console.log(sock.bufferSize); // 65536
   * ```
   */
  get bufferSize(): number {
    return this.#rx.buffer.length;
  }

  /** The next sequence number (never 0, which unsolicited messages use). */
  nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0 || 1;
    return this.#seq;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError();
  }

  /** Copies `message`, ORs `flags` into its header and gives it a fresh sequence number. */
  #prepare(message: Uint8Array, flags: number): { bytes: Uint8Array; seq: number } {
    checkMessage(message);
    const bytes = message.slice();
    const dv = new DataView(bytes.buffer);
    dv.setUint16(6, dv.getUint16(6, true) | flags, true);
    const seq = this.nextSeq();
    dv.setUint32(8, seq, true);
    return { bytes, seq };
  }

  #sendTo(bytes: Uint8Array, addr: Uint8Array): void {
    for (;;) {
      const r = this.#libc.sendto(this.#fd, bytes, 0, addr);
      if (r === -EINTR) continue;
      if (r < 0) throw new NetlinkError(-r, { syscall: "sendto" });
      if (this.#trace) {
        const a = new DataView(addr.buffer, addr.byteOffset, addr.byteLength);
        const groups = a.getUint32(8, true);
        this.#traced("send", bytes, a.getUint32(4, true), groups ? 31 - Math.clz32(groups & -groups) + 1 : 0);
      }
      return;
    }
  }

  /**
   * Sends bytes as they are (one message or a {@link batch}) to the kernel,
   * or to `portId` / multicast `group` for user-space peers. Replies, if any,
   * arrive as notifications (sequence number 0) or not at all: use
   * {@link request} to wait for an answer.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, MessageWriter } from "@nlts/netlink";
   * await using sock = await NetlinkSocket.open("usersock");
   * sock.send(new MessageWriter(0x10).str(1, "hello").finish(), { portId: sock.portId });
   * ```
   */
  send(bytes: Uint8Array, to: { portId?: number; group?: number } = {}): void {
    this.#assertOpen();
    const groups = to.group ? (to.group <= 32 ? 1 << (to.group - 1) : 0) : 0;
    if (to.group && to.group > 32) throw new RangeError("sending to a group above 32 is not possible in netlink");
    try {
      this.#sendTo(bytes, to.portId || groups ? sockaddr(to.portId ?? 0, groups) : this.#kernel);
    } catch (error) {
      // The kernel broadcasts to the group, then also unicasts to nl_pid 0;
      // where no kernel socket listens (USERSOCK) only that second part fails.
      const groupOnly = groups !== 0 && !to.portId;
      if (!(groupOnly && error instanceof NetlinkError && error.code === "ECONNREFUSED")) throw error;
    }
  }

  /**
   * Sends a request (NLM_F_REQUEST, and NLM_F_ACK unless `ack: false`) and
   * resolves with the replies that came before the ACK (none for a plain
   * ACK). A negative ACK rejects with {@link NetlinkError}.
   *
   * It always ends: a message the kernel would never answer with an ACK
   * (NLM_F_DUMP set: use {@link dump}) or whose `nlmsg_len` differs from its
   * length is a `TypeError`, before anything is sent; with no answer within
   * `timeout` (default 30 s) it rejects with {@link TimeoutError}; an abort
   * rejects at once with the signal's reason. Either way the request may
   * still have been carried out.
   *
   * @example
   * ```ts
   * import { MessageWriter, NetlinkError, NetlinkSocket } from "@nlts/netlink";
   * import { RTM } from "@nlts/netlink/route";
   * await using sock = await NetlinkSocket.open("route");
   * const del = new MessageWriter(RTM.DELLINK);
   * del.struct(16).setInt32(4, 999999, true); // ifi_index
   * try { await sock.request(del.finish()); } catch (e) { if (e instanceof NetlinkError) console.log(e.code); }
   * ```
   */
  request(message: Uint8Array, options: RequestOptions = {}): Promise<NetlinkMessage[]> {
    if (this.#closed) return Promise.reject(new ClosedError());
    const { signal } = options;
    let timeout: number;
    let prepared: { bytes: Uint8Array; seq: number };
    const ack = options.ack ?? true;
    try {
      timeout = checkTimeout(options.timeout, this.#timeout);
      checkMessage(message);
      const dv = new DataView(message.buffer, message.byteOffset, NLMSG_HDRLEN);
      if (isDumpRequest(this.protocol, dv.getUint16(4, true), dv.getUint16(6, true))) {
        throw new TypeError("request() cannot send an NLM_F_DUMP request (its answer ends without an ACK): use dump()");
      }
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      prepared = this.#prepare(message, Flags.REQUEST | (ack ? Flags.ACK : 0));
    } catch (error) {
      return Promise.reject(error);
    }
    const { bytes, seq } = prepared;
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      const onAbort = () => {
        if (this.#pending.delete(seq)) reject(abortReason(signal!));
        done();
        this.#pump();
      };
      const timer = startTimer(timeout, () => {
        if (this.#pending.delete(seq)) reject(this.#timeoutError(timeout, bytes));
        done();
        this.#pump();
      });
      const done = () => {
        signal?.removeEventListener("abort", onAbort);
        clearTimeout(timer);
      };
      this.#pending.set(seq, {
        request: bytes,
        replies: [],
        ack,
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        this.#sendTo(bytes, this.#kernel);
      } catch (error) {
        this.#pending.delete(seq);
        done();
        reject(error);
        return;
      }
      this.#pump(seq);
    });
  }

  /**
   * Sends `messages` as one datagram, in one `sendmsg` with one iovec per
   * message (netfilter's `NFNL_MSG_BATCH_BEGIN` … `END` transactions), and
   * resolves with each message's answer, in order: its replies and its ACK,
   * or its refusal as a {@link NetlinkError} (named like a failed
   * {@link request}, with `extAck.path` when the socket can name attributes).
   * A refusal does not reject: in a batch the kernel may refuse one message
   * and accept the others, so every answer is there to be read.
   *
   * Each message gets NLM_F_REQUEST, NLM_F_ACK (unless `ack: false`) and a
   * fresh sequence number, on a copy. The kernel handles a datagram while
   * `sendmsg` runs, so its answers are queued before those of anything sent
   * later: an `NLMSG_NOOP` request with NLM_F_ACK sent right after the batch
   * marks their end, and its ACK resolves the batch. (Every family that reads
   * requests with the kernel's `netlink_rcv_skb` ACKs it: rtnetlink, genl,
   * nfnetlink, xfrm, sock_diag.) A message may end with no answer (`acked`
   * false): nfnetlink does not ACK every message of an aborted batch.
   *
   * The kernel queues every answer before the first is read, so the
   * receive buffer is grown to hold them (about 1 KiB per expected ACK or
   * NLM_F_ECHO copy; with `ack: false` only refusals and replies come). If the kernel still
   * drops answers (ENOBUFS), the batch rejects with ENOBUFS at once.
   * More than 1,024 messages (`UIO_MAXIOV`) are joined into that many
   * iovecs. The datagram must fit the send buffer (`sndbuf` of
   * {@link NetlinkSocket.open}), else it rejects with EMSGSIZE, before the
   * kernel saw anything. Timeouts, aborts and closing behave as in
   * {@link request}.
   *
   * @example
   * ```ts
   * import { MessageWriter, NetlinkSocket } from "@nlts/netlink";
   * await using sock = await NetlinkSocket.open("netfilter");
   * const begin = new MessageWriter(0x10); // NFNL_MSG_BATCH_BEGIN
   * begin.struct(4).setUint16(2, 10, false); // nfgenmsg: res_id NFNL_SUBSYS_NFTABLES
   * const end = new MessageWriter(0x11); // NFNL_MSG_BATCH_END
   * end.struct(4).setUint16(2, 10, false);
   * const answers = await sock.requestBatch([begin.finish(), end.finish()]);
   * console.log(answers.map((a) => a.error?.code ?? "ok"));
   * ```
   */
  requestBatch(messages: readonly Uint8Array[], options: RequestOptions = {}): Promise<BatchAnswer[]> {
    if (this.#closed) return Promise.reject(new ClosedError());
    const { signal } = options;
    let timeout: number;
    let prepared: { bytes: Uint8Array; seq: number }[];
    let fence: { bytes: Uint8Array; seq: number };
    const ack = options.ack ?? true;
    try {
      timeout = checkTimeout(options.timeout, this.#timeout);
      if (!Array.isArray(messages) || messages.length === 0) {
        throw new TypeError("requestBatch takes a non-empty array of messages");
      }
      for (const message of messages) {
        checkMessage(message);
        const dv = new DataView(message.buffer, message.byteOffset, NLMSG_HDRLEN);
        if (isDumpRequest(this.protocol, dv.getUint16(4, true), dv.getUint16(6, true))) {
          throw new TypeError("requestBatch() cannot send an NLM_F_DUMP request: use dump()");
        }
      }
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      prepared = messages.map((m) => this.#prepare(m, Flags.REQUEST | (ack ? Flags.ACK : 0)));
      const noop = new Uint8Array(new ArrayBuffer(NLMSG_HDRLEN));
      new DataView(noop.buffer).setUint32(0, NLMSG_HDRLEN, true);
      noop[4] = NLMSG_NOOP;
      fence = this.#prepare(noop, Flags.REQUEST | Flags.ACK);
    } catch (error) {
      return Promise.reject(error);
    }
    const answers: BatchAnswer[] = prepared.map(({ seq }) => ({ seq, replies: [], acked: false }));
    const overrunsBefore = this.stats.overruns;
    return new Promise<BatchAnswer[]>((resolve, reject) => {
      let settled = false;
      const forget = () => {
        for (const { seq } of prepared) this.#pending.delete(seq);
        this.#pending.delete(fence.seq);
      };
      const onOverrun = () => finish(new NetlinkError(ENOBUFS, { syscall: "recvmsg (batch answers were lost)" }));
      const finish = (error: unknown, result?: BatchAnswer[]) => {
        if (settled) return;
        settled = true;
        forget();
        this.#batchesOnOverrun.delete(onOverrun);
        signal?.removeEventListener("abort", onAbort);
        clearTimeout(timer);
        if (result) resolve(result);
        else reject(error);
      };
      const onAbort = () => {
        finish(abortReason(signal!));
        this.#pump();
      };
      const timer = startTimer(timeout, () => {
        finish(this.#timeoutError(timeout, prepared[0].bytes));
        this.#pump();
      });
      prepared.forEach(({ bytes, seq }, i) => {
        this.#pending.set(seq, {
          request: bytes,
          replies: answers[i].replies,
          ack: true,
          resolve: () => {
            answers[i].acked = true;
          },
          // A refusal built from the kernel's answer is this message's; anything else fails the batch.
          reject: (e) => {
            if (e instanceof NetlinkError && e.request === bytes) {
              answers[i].acked = true;
              answers[i].error = e;
            } else finish(e);
          },
        });
      });
      this.#pending.set(fence.seq, {
        request: fence.bytes,
        replies: [],
        ack: true,
        resolve: () => {
          // Answers lost to a full receive buffer leave the outcome unknown.
          const lost = this.stats.overruns !== overrunsBefore;
          finish(
            new NetlinkError(ENOBUFS, { syscall: "recvmsg (batch answers were lost)" }),
            lost ? undefined : answers,
          );
        },
        reject: (e) => finish(e),
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#batchesOnOverrun.add(onOverrun);
      try {
        // An ACK per message (with `ack`), an echoed copy per NLM_F_ECHO message, and the end marker's ACK.
        const echoes = prepared.filter(({ bytes }) => (bytes[6] | (bytes[7] << 8)) & Flags.ECHO).length;
        this.#roomForAnswers((ack ? prepared.length : 0) + echoes + 1);
        this.#sendBatch(prepared.map((p) => p.bytes));
        this.#sendTo(fence.bytes, this.#kernel);
      } catch (error) {
        finish(error);
        return;
      }
      this.#pump(fence.seq);
    });
  }

  /**
   * Grows the kernel receive buffer (SO_RCVBUFFORCE when permitted, else
   * SO_RCVBUF; never shrinks it) so that `answers` ACKs queued while the
   * batch is handled fit: the kernel answers the whole batch before we
   * read any of it. An ACK takes about 1 KiB of buffer (its skb's truesize).
   */
  #roomForAnswers(answers: number): void {
    const want = answers * ACK_TRUESIZE;
    const current = new Uint8Array(new ArrayBuffer(4));
    if (this.#libc.getsockopt(this.#fd, SOL_SOCKET, SO_RCVBUF, current) < 0) return;
    // The kernel reports (and keeps) twice the size it was given.
    if (new DataView(current.buffer).getUint32(0, true) >= want) return;
    const value = u32bytes(Math.ceil(want / 2));
    if (this.#libc.setsockopt(this.#fd, SOL_SOCKET, SO_RCVBUFFORCE, value) < 0) {
      this.#libc.setsockopt(this.#fd, SOL_SOCKET, SO_RCVBUF, value); // capped by rmem_max; ENOBUFS tells the rest
    }
  }

  /** One `sendmsg` of `parts` (joined into at most UIO_MAXIOV iovecs). */
  #sendBatch(parts: Uint8Array[]): void {
    let iovecs = parts;
    if (parts.length > IOV_MAX) {
      const per = Math.ceil(parts.length / IOV_MAX);
      iovecs = [];
      for (let i = 0; i < parts.length; i += per) {
        const run = parts.slice(i, i + per);
        const joined = new Uint8Array(new ArrayBuffer(run.reduce((n, p) => n + p.length, 0)));
        let at = 0;
        for (const p of run) {
          joined.set(p, at);
          at += p.length;
        }
        iovecs.push(joined);
      }
    }
    for (;;) {
      const r = this.#libc.sendmsg(this.#fd, iovecs, 0, this.#kernel);
      if (r === -EINTR) continue;
      if (r < 0) throw new NetlinkError(-r, { syscall: "sendmsg" });
      return;
    }
  }

  #timeoutError(timeout: number, request: Uint8Array): TimeoutError {
    const messageType = request[4] | (request[5] << 8);
    return new TimeoutError(timeout, { messageType, messageTypeName: this.#describe?.(messageType), request });
  }

  /**
   * Sends a dump request (NLM_F_REQUEST|NLM_F_DUMP) and yields each message
   * as its datagram arrives. Dumps on one socket run one after another.
   * Leaving the loop early reads and discards the rest, so the socket is
   * ready for the next request when `break` returns. An iterator driven by
   * hand must be run to its end or `return()`ed: until then, later dumps on
   * the socket wait their turn (closing the socket ends every wait).
   *
   * It always ends: a message whose `nlmsg_len` differs from its length is
   * a `TypeError` before anything is sent; when the kernel sends nothing
   * for `timeout` (default 30 s) while the consumer waits, the iterator
   * throws {@link TimeoutError}; an abort ends it at once with the signal's
   * reason, and what the kernel still sends is then read and discarded in
   * the background (the next dump on the socket waits for that, or for
   * `timeout` of silence).
   *
   * @example
   * ```ts
   * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
   * import { RTM } from "@nlts/netlink/route";
   * await using sock = await NetlinkSocket.open("route");
   * const req = new MessageWriter(RTM.GETROUTE, Flags.DUMP);
   * req.struct(12); // struct rtmsg
   * let n = 0;
   * for await (const _ of sock.dump(req.finish())) n++;
   * ```
   */
  dump(message: Uint8Array, options: DumpOptions = {}): AsyncGenerator<NetlinkMessage, void, undefined> {
    // A streaming dump is #dumpOnce itself: delegating with `yield*` would
    // cost one more await per message. Both start only when first iterated.
    if ((options.retry ?? 0) <= 0) {
      return this.#dumpOnce(message, options.signal, options.timeout, MESSAGES) as AsyncGenerator<NetlinkMessage>;
    }
    return this.#dumpRetrying(message, options.signal, options.retry!, options.timeout, MESSAGES) as AsyncGenerator<
      NetlinkMessage
    >;
  }

  /**
   * {@link dump}, yielding the messages in batches (those that arrived
   * together, at least one): one step of the iterator per batch rather than
   * per message. Everything else is as for {@link dump}; with `retry`, the
   * whole dump is one batch. {@link dumpDatagrams} is the same without an
   * object per message.
   *
   * @example
   * ```ts
   * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
   * import { RTM } from "@nlts/netlink/route";
   * await using sock = await NetlinkSocket.open("route");
   * const req = new MessageWriter(RTM.GETLINK, Flags.DUMP);
   * req.struct(16); // struct ifinfomsg
   * let n = 0;
   * for await (const batch of sock.dumpBatches(req.finish())) n += batch.length;
   * ```
   */
  async *dumpBatches(
    message: Uint8Array,
    options: DumpOptions = {},
  ): AsyncGenerator<NetlinkMessage[], void, undefined> {
    if ((options.retry ?? 0) <= 0) {
      yield* this.#dumpOnce(message, options.signal, options.timeout, BATCHES) as AsyncGenerator<NetlinkMessage[]>;
      return;
    }
    const all: NetlinkMessage[] = [];
    const attempts = this.#dumpRetrying(message, options.signal, options.retry!, options.timeout, MESSAGES);
    for await (const m of attempts) all.push(m as NetlinkMessage);
    if (all.length) yield all;
  }

  /**
   * {@link dump}, a datagram at a time and without an object per message:
   * each step yields a {@link DumpDatagram}, the bytes the kernel sent with
   * the offset of each message of the dump in them. For decoders of large
   * dumps that walk the messages in place (`listRoutes`, `listLinks`…).
   * Calling {@link DumpDatagram.release} on a datagram once nothing refers
   * to its bytes lets the socket copy a later one into the same buffer, so
   * that a long dump reuses a few buffers instead of allocating one per
   * datagram. Ending, errors, aborts, timeouts and `retry` are as for
   * {@link dump} (with `retry`, the datagrams of the consistent attempt are
   * yielded at its end).
   *
   * @example
   * ```ts
   * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
   * import { RTM } from "@nlts/netlink/route";
   * await using sock = await NetlinkSocket.open("route");
   * const req = new MessageWriter(RTM.GETROUTE, Flags.DUMP);
   * req.struct(12); // struct rtmsg
   * let routes = 0;
   * for await (const d of sock.dumpDatagrams(req.finish())) {
   *   for (const at of d.starts) if ((d.bytes[at + 4] | (d.bytes[at + 5] << 8)) === RTM.NEWROUTE) routes++;
   *   d.release();
   * }
   * ```
   */
  dumpDatagrams(message: Uint8Array, options: DumpOptions = {}): AsyncGenerator<DumpDatagram, void, undefined> {
    if ((options.retry ?? 0) <= 0) {
      return this.#dumpOnce(message, options.signal, options.timeout, DATAGRAMS) as AsyncGenerator<DumpDatagram>;
    }
    return this.#dumpRetrying(message, options.signal, options.retry!, options.timeout, DATAGRAMS) as AsyncGenerator<
      DumpDatagram
    >;
  }

  async *#dumpRetrying(
    message: Uint8Array,
    signal: AbortSignal | undefined,
    retries: number,
    timeout: number | undefined,
    mode: typeof MESSAGES | typeof DATAGRAMS,
  ): AsyncGenerator<NetlinkMessage | DumpDatagram> {
    for (let attempt = 0;; attempt++) {
      const all: (NetlinkMessage | DumpDatagram)[] = [];
      try {
        for await (const m of this.#dumpOnce(message, signal, timeout, mode)) all.push(m as NetlinkMessage);
      } catch (error) {
        if (mode === DATAGRAMS) { for (const d of all) (d as DumpDatagram).release(); }
        if (error instanceof DumpInterruptedError && attempt < retries) {
          this.stats.dumpRetries++;
          continue;
        }
        throw error;
      }
      yield* all;
      return;
    }
  }

  async *#dumpOnce(
    message: Uint8Array,
    signal: AbortSignal | undefined,
    timeoutOption: number | undefined,
    mode: DumpMode,
  ): AsyncGenerator<NetlinkMessage | NetlinkMessage[] | DumpDatagram> {
    this.#assertOpen();
    const timeout = checkTimeout(timeoutOption, this.#timeout);
    checkMessage(message);
    signal?.throwIfAborted();
    // Queue behind the dump in progress: the kernel runs one per socket.
    // The next dump waits for the previous one *and* this one, so this one
    // may give up its place early (abort, close) without letting it jump ahead.
    const previous = this.#dumpQueue;
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.#dumpQueue = previous.then(() => mine);
    try {
      await this.#turn(previous, signal);
    } catch (error) {
      release();
      throw error;
    }
    let state: DumpState | undefined;
    const onAbort = () => state?.wake?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      this.#assertOpen();
      signal?.throwIfAborted();
      const { bytes, seq } = this.#prepare(message, Flags.REQUEST | Flags.DUMP);
      state = {
        seq,
        request: bytes,
        queue: [],
        datagrams: mode === DATAGRAMS,
        done: false,
        interrupted: false,
        waiting: false,
        draining: false,
      };
      this.#dump = state;
      this.#sendTo(bytes, this.#kernel);
      for (;;) {
        if (state.queue.length > 0) {
          const batch = state.queue;
          state.queue = [];
          if (mode === BATCHES) {
            if (signal?.aborted) throw abortReason(signal);
            yield batch as NetlinkMessage[];
            continue;
          }
          for (let i = 0; i < batch.length; i++) {
            if (signal?.aborted) {
              if (mode === DATAGRAMS) { for (let j = i; j < batch.length; j++) (batch[j] as DumpDatagram).release(); }
              throw abortReason(signal);
            }
            yield batch[i];
          }
          continue;
        }
        if (state.error !== undefined) throw state.error;
        if (state.done) break;
        if (signal?.aborted) throw abortReason(signal);
        if (!(await this.#awaitDump(state, timeout)) && state.queue.length === 0 && !state.done) {
          state.error ??= this.#timeoutError(timeout, bytes);
        }
      }
      if (state.interrupted) throw new DumpInterruptedError();
    } finally {
      signal?.removeEventListener("abort", onAbort);
      const finish = () => {
        if (this.#dump === state) this.#dump = undefined;
        release();
        // A congestion left undrained during the dump is drained now.
        if (this.#congested) this.#pump();
      };
      if (state && !state.done && state.error === undefined && !this.#closed) {
        // Left early: drain the rest so the next dump on this socket starts clean.
        state.draining = true;
        if (state.datagrams) { for (const d of state.queue) (d as DumpDatagram).release(); }
        state.queue = [];
        const drained = this.#drain(state, timeout).finally(finish);
        // After an abort the iterator ends now, whatever the kernel does;
        // the next dump on the socket waits for the drain.
        if (!signal?.aborted) await drained;
      } else finish();
    }
  }

  /**
   * Waits until the dump has news for its consumer (or, draining, any
   * message of it arrived). False when `timeout` ms passed without.
   */
  async #awaitDump(state: DumpState, timeout: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const woken = await new Promise<boolean>((resolve) => {
      state.wake = () => resolve(true);
      if (!state.draining) state.waiting = true;
      timer = startTimer(timeout, () => resolve(false));
      this.#pump();
    });
    clearTimeout(timer);
    state.waiting = false;
    state.wake = undefined;
    return woken;
  }

  /**
   * Reads and discards the rest of a dump its consumer left, until its
   * NLMSG_DONE, the socket closes, or the kernel sends none of it for
   * `timeout` ms (it then no longer counts as running: late parts are
   * strays).
   */
  async #drain(state: DumpState, timeout: number): Promise<void> {
    while (!state.done && !this.#closed) {
      if (!(await this.#awaitDump(state, timeout))) {
        state.done = true;
        return;
      }
    }
  }

  /** Resolves when `previous` settles, the socket closes, or `signal` aborts (rejecting). */
  #turn(previous: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return Promise.race([previous, this.#closing]);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal));
      signal.addEventListener("abort", onAbort, { once: true });
      Promise.race([previous, this.#closing]).then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /**
   * Joins multicast group `group` (NETLINK_ADD_MEMBERSHIP; groups above 32
   * work too).
   *
   * @example
   * ```ts
   * import { NetlinkSocket } from "@nlts/netlink";
   * await using sock = await NetlinkSocket.open("route");
   * sock.join(1); // RTNLGRP_LINK
   * ```
   */
  join(group: number): void {
    this.#assertOpen();
    const r = this.#libc.setsockopt(this.#fd, SOL_NETLINK, SockOpt.ADD_MEMBERSHIP, u32bytes(group));
    if (r < 0) throw new NetlinkError(-r, { syscall: `setsockopt(NETLINK_ADD_MEMBERSHIP, ${group})` });
  }

  /**
   * Leaves multicast group `group`.
   *
   * @example
   * ```ts
   * import { NetlinkSocket } from "@nlts/netlink";
   * await using sock = await NetlinkSocket.open("route", { groups: [1] });
   * sock.leave(1);
   * ```
   */
  leave(group: number): void {
    this.#assertOpen();
    const r = this.#libc.setsockopt(this.#fd, SOL_NETLINK, SockOpt.DROP_MEMBERSHIP, u32bytes(group));
    if (r < 0) throw new NetlinkError(-r, { syscall: `setsockopt(NETLINK_DROP_MEMBERSHIP, ${group})` });
  }

  /**
   * The groups this socket is a member of (NETLINK_LIST_MEMBERSHIPS).
   *
   * @example
   * ```ts
   * import { NetlinkSocket } from "@nlts/netlink";
   * await using sock = await NetlinkSocket.open("route", { groups: [1, 5] });
   * sock.memberships(); // [1, 5]
   * ```
   */
  memberships(): number[] {
    this.#assertOpen();
    const bytes = new Uint8Array(new ArrayBuffer(128));
    const len = this.#libc.getsockopt(this.#fd, SOL_NETLINK, SockOpt.LIST_MEMBERSHIPS, bytes);
    if (len < 0) throw new NetlinkError(-len, { syscall: "getsockopt(NETLINK_LIST_MEMBERSHIPS)" });
    const dv = new DataView(bytes.buffer);
    const groups: number[] = [];
    for (let word = 0; word * 4 < Math.min(len, bytes.length); word++) {
      const bits = dv.getUint32(word * 4, true);
      for (let bit = 0; bit < 32; bit++) if (bits & (1 << bit)) groups.push(word * 32 + bit + 1);
    }
    return groups;
  }

  /**
   * Multicast notifications (and unsolicited unicast messages) as they
   * arrive. Lost messages are never silent: an {@link Overrun} item marks
   * the place (or {@link OverrunError} is thrown with `overrun: "throw"`).
   * The iteration ends when the socket is closed.
   *
   * What an `Overrun` means, exactly:
   * - It sits where the gap is: the items before it were sent before the
   *   lost messages, the items after it after them. A consumer keeping state
   *   re-reads it (a dump) on an `Overrun` and applies the items that follow.
   * - After an `Overrun`, no message is lost without a later `Overrun`.
   * - `lost` says how many datagrams were lost, when known.
   *
   * How that is kept: when the kernel's socket buffer is full it drops the
   * notification and reports ENOBUFS once; it then drops every further one
   * for this socket, silently, until its queue has been read empty
   * (NETLINK_S_CONGESTED in net/netlink/af_netlink.c). Everything still
   * queued at that point precedes the gap. So on ENOBUFS the socket is read
   * to empty at once, whether or not a consumer waits (what does not fit a
   * consumer's queue is dropped there and counted in the same gap), and the
   * `Overrun` is placed after the last datagram read before the kernel's
   * queue became empty. The socket learns that moment by sending itself a
   * tiny datagram after each read while congested, which the kernel refuses
   * (EAGAIN) exactly while it still holds the socket congested; the probe is
   * read back and discarded. A consumer whose queue (`queueLimit`) is full
   * gets an `Overrun` where its queue dropped items, and the same rules
   * hold. With `noEnobufs` set at open, the kernel reports nothing and no
   * `Overrun` comes from it.
   *
   * Datagrams from senders other than the kernel reach the stream only with
   * `acceptForeign` (the default on NETLINK_USERSOCK); one that cannot be
   * parsed or does not fit the receive buffer never ends the stream: it is
   * dropped and counted in `stats.malformed`, or yielded with `error` set
   * when `malformed: "yield"`.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, Overrun } from "@nlts/netlink";
   * import { RTNLGRP } from "@nlts/netlink/route";
   * await using sock = await NetlinkSocket.open("route", { groups: [RTNLGRP.LINK] });
   * for await (const item of sock.notifications()) {
   *   if (item instanceof Overrun) console.log("lost some: re-dump");
   *   else console.log("link message", item.type);
   * }
   * ```
   */
  async *notifications(options: NotificationOptions = {}): AsyncGenerator<ReceivedMessage | Overrun, void, undefined> {
    this.#assertOpen();
    const { signal } = options;
    signal?.throwIfAborted();
    const sub: Subscriber = {
      queue: [],
      limit: options.queueLimit ?? DEFAULT_QUEUE_LIMIT,
      malformed: options.malformed === "yield",
      waiting: false,
    };
    const onAbort = () => sub.wake?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#subscribers.add(sub);
    let turn = this.#loop.turn;
    let handedOut = 0;
    try {
      for (;;) {
        // Checked before each item, not only when the queue is empty: the
        // queue may hold a read-ahead burst, and abort ends the stream now.
        if (signal?.aborted) throw abortReason(signal);
        if (sub.queue.length > 0) {
          if (this.#loop.turn !== turn) [turn, handedOut] = [this.#loop.turn, 0];
          if (handedOut++ >= ITEMS_PER_TURN) {
            // This turn's share is handed out: let the event loop run first.
            await new Promise<void>((resolve) => this.#loop.nextTurn(resolve));
            continue;
          }
        }
        const item = sub.queue.shift();
        if (item !== undefined) {
          if (item instanceof ParseError) throw item;
          if (item instanceof Overrun && options.overrun === "throw") throw new OverrunError(item.where, item.lost);
          yield item;
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => {
          sub.wake = resolve;
          sub.waiting = true;
          this.#pump();
        });
        sub.waiting = false;
        sub.wake = undefined;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#subscribers.delete(sub);
      this.#pump(); // re-evaluate demand: nobody may be waiting now
    }
  }

  /** `seq` is one this socket has used for a request or dump. */
  #issued(seq: number): boolean {
    return seq !== 0 && ((seq - this.#seqStart) >>> 0) <= ((this.#seq - this.#seqStart) >>> 0) &&
      seq !== this.#seqStart;
  }

  /** There are subscribers, and every one's queue has room for more. */
  #roomInQueues(): boolean {
    for (const sub of this.#subscribers) if (sub.queue.length >= sub.limit) return false;
    return this.#subscribers.size > 0;
  }

  /** Someone is waiting for data from the kernel. */
  #demand(): boolean {
    if (this.#pending.size > 0) return true;
    const dump = this.#dump;
    if (dump && !dump.done && (dump.waiting || dump.draining)) return true;
    for (const sub of this.#subscribers) if (sub.waiting) return true;
    return false;
  }

  /** A subscriber waits, no dump runs, and every subscriber's queue has room. */
  #burstable(): boolean {
    if (this.#dump !== undefined) return false;
    let waiting = false;
    for (const sub of this.#subscribers) {
      if (sub.queue.length >= sub.limit) return false;
      waiting ||= sub.waiting;
    }
    return waiting;
  }

  /**
   * Reads while there is demand (or the kernel holds the socket congested);
   * arms the loop when the socket runs dry.
   *
   * A waiting subscriber starts a burst: the pump reads on while every
   * subscriber's queue has room, until the socket is dry or the turn's
   * budget is spent, rather than stopping after the first datagram. A storm
   * of notifications is then taken in batches (one wake-up and one promise
   * per batch, not per message) and leaves the kernel buffer sooner. The
   * read-ahead never runs during a dump, whose parts stay in the kernel
   * until its consumer asks.
   *
   * `serving`: the sequence number of a request just sent. Its answer is
   * read at once, outside the turn's budget: the kernel queues answers as it
   * receives requests, so requests sent in a row whose answers waited for
   * the next turn would overflow the socket, and the kernel drops answers
   * (ACKs included) then. Those reads are bounded by what the caller sent.
   */
  #pump(serving = 0): void {
    if (this.#pumping || this.#closed) return;
    if (this.#turnWaiting && !(serving !== 0 && this.#pending.has(serving))) return;
    this.#pumping = true;
    try {
      let burst = false;
      // Closed by whoever a delivery called (its receiver may be another's now).
      while (!this.#closed) {
        burst = burst ? this.#dump === undefined && this.#roomInQueues() : this.#burstable();
        // Congested: read to empty whoever waits, except during a dump,
        // whose parts the kernel adds as they are read (its queue would
        // only empty at the dump's end, with the whole dump read ahead).
        const drain = this.#congested && this.#dump === undefined;
        if (!drain && !burst && !this.#demand()) break;
        const free = serving !== 0 && this.#pending.has(serving);
        if (!free && !this.#takeRead()) return;
        const n = this.#rx.recv(this.#fd, 0);
        if (n >= 0) {
          // Probe first, so that as little as possible arrives between the
          // read that emptied the kernel's queue and the probe.
          const emptied = this.#congested && this.#probeSent();
          this.#onDatagram(n);
          if (emptied) this.#endCongestion();
          continue;
        }
        if (n === -EAGAIN) {
          // Empty: a congestion ends with this read (netlink_rcv_wake).
          if (this.#congested) this.#endCongestion();
          // Wait for readiness only if someone still waits (a burst may
          // have met the demand already).
          if (this.#demand()) this.#loop.arm(this.#fd);
          else this.#loop.disarm(this.#fd);
          return;
        }
        if (n === -EINTR) continue;
        if (n === -ENOBUFS) {
          this.stats.overruns++;
          for (const fail of [...this.#batchesOnOverrun]) fail();
          // Reported again while congested: the previous congestion ended at
          // the last read (the kernel sets the error only when it starts
          // dropping with the congested bit clear), and a new one began.
          if (this.#congested) this.#endCongestion();
          this.#congested = true;
          continue;
        }
        this.#failAll(new NetlinkError(-n, { syscall: "recvmsg" }));
        return;
      }
      if (!this.#closed) this.#loop.disarm(this.#fd);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Takes one read from this socket's share of the loop's turn; when the
   * share or the turn is spent, arranges to go on in the next turn (after
   * timers and I/O had theirs) and returns false.
   */
  #takeRead(): boolean {
    if (this.#turnWaiting) return false;
    const turn = this.#loop.turn;
    if (turn !== this.#turnSeen) {
      this.#turnSeen = turn;
      this.#turnLeft = READS_PER_TURN;
    }
    if (this.#turnLeft > 0 && this.#loop.takeRead()) {
      this.#turnLeft--;
      return true;
    }
    this.#turnWaiting = true;
    this.#loop.disarm(this.#fd);
    this.#loop.nextTurn(() => {
      this.#turnWaiting = false;
      this.#pump();
    });
    return false;
  }

  /**
   * While congested: sends the probe datagram to ourselves. The kernel
   * accepts it only once it no longer holds the socket congested, that is,
   * once the read just made left its queue empty.
   */
  #probeSent(): boolean {
    if (this.#probeBroken) return false;
    const r = this.#libc.sendto(this.#fd, this.#probe, MSG_DONTWAIT, this.#self);
    if (r >= 0) {
      this.#probesQueued++;
      return true;
    }
    if (r !== -EAGAIN && r !== -EINTR) this.#probeBroken = true;
    return false;
  }

  /** The probe datagram, read back. */
  #isProbe(n: number): boolean {
    if (this.#probesQueued === 0 || n !== NLMSG_HDRLEN) return false;
    const got = this.#rx.buffer;
    for (let i = 0; i < NLMSG_HDRLEN; i++) if (got[i] !== this.#probe[i]) return false;
    return true;
  }

  /** The gap closed here: everything delivered so far preceded it, everything later follows it. */
  #endCongestion(): void {
    this.#congested = false;
    this.#notify(new Overrun("kernel", this.#dropsSinceReported()));
  }

  /** The kernel's drops on this socket (SO_MEMINFO's SK_MEMINFO_DROPS) since the last report, if readable. */
  #dropsSinceReported(): number | undefined {
    const r = this.#libc.getsockopt(this.#fd, SOL_SOCKET, SO_MEMINFO, this.#meminfo);
    if (r < (SK_MEMINFO_DROPS + 1) * 4) return undefined;
    const drops = new DataView(this.#meminfo.buffer).getUint32(SK_MEMINFO_DROPS * 4, true);
    const lost = (drops - this.#dropsReported) >>> 0;
    this.#dropsReported = drops;
    return lost;
  }

  #onDatagram(n: number): void {
    const meta = this.#rx.meta;
    const source = meta.pid;
    const capacity = this.#rx.buffer.length;
    const group = meta.group || (meta.groups ? 31 - Math.clz32(meta.groups & -meta.groups) + 1 : 0);
    // The sender is known whatever the size (the kernel fills in the address
    // of a truncated datagram too), so it is checked first: another sender
    // can neither make the buffer grow nor fail a reader.
    if (source !== 0) {
      if (source === this.portId && this.#isProbe(n)) {
        this.#probesQueued--;
        return;
      }
      if (!this.#acceptForeign) {
        this.stats.foreign++;
        return;
      }
      if (n > capacity) {
        const error = new ParseError(
          `datagram of ${n} bytes from port ${source} did not fit the ${capacity}-byte buffer`,
          capacity,
        );
        this.#onMalformed(source, group, this.#rx.buffer.slice(0, capacity), error);
        return;
      }
    } else if (n > capacity) {
      this.#onTruncated(n, capacity, group);
      return;
    }
    if (source === 0 && group === 0 && !this.#raw) {
      // The trace gets a copy it may keep; the datagram itself is read in place.
      if (this.#trace) this.#traced("receive", this.#rx.buffer.slice(0, n), source, group);
      this.#onKernelUnicast(n);
      return;
    }
    const data = this.#rx.buffer.slice(0, n);
    if (this.#trace) this.#traced("receive", data, source, group);
    if (this.#raw) {
      this.#notify({ type: 0, flags: 0, seq: 0, pid: source, payload: data, source, group });
      return;
    }
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(data);
    } catch (error) {
      if (source !== 0) {
        this.#onMalformed(source, group, data, error as ParseError);
        return;
      }
      this.#deliverError(0, true, error as ParseError);
      return;
    }
    for (const m of messages) {
      // The NLM_F_ECHO copy of a change is multicast-shaped, but addressed
      // to us in nlmsg_pid and numbered like our request: it is a reply.
      const pending = source === 0 && m.pid === this.portId ? this.#pending.get(m.seq) : undefined;
      if (pending) this.#onReply(m.seq, pending, m);
      else this.#notify({ ...m, source, group });
    }
  }

  /**
   * A unicast datagram from the kernel: replies to requests, parts of the
   * dump, or unasked messages. It is read in place in the receive buffer;
   * it is copied once (and only then) if a message of it is handed out as
   * an object, and a dump taken a datagram at a time gets its own copy in a
   * recycled buffer.
   */
  #onKernelUnicast(n: number): void {
    const b = this.#rx.buffer;
    const broken = framingError(b, n);
    if (broken) {
      this.#deliverError(n >= 12 ? u32At(b, 8) : 0, false, broken);
      return;
    }
    let copy: Uint8Array | undefined;
    let starts: number[] | undefined;
    let dumpTouched = false;
    for (let at = 0; at < n; at += align4(u32At(b, at))) {
      const seq = u32At(b, at + 8);
      const pending = this.#pending.get(seq);
      if (pending) {
        this.#onReply(seq, pending, messageAt(copy ??= b.slice(0, n), at));
        continue;
      }
      const dump = this.#dump;
      if (dump && dump.seq === seq && !dump.done) {
        dumpTouched = true;
        const type = b[at + 4] | (b[at + 5] << 8);
        if (type === NLMSG_DONE || type === NLMSG_ERROR) {
          this.#onDumpMessage(dump, messageAt(copy ??= b.slice(0, n), at));
          continue;
        }
        if ((b[at + 6] | (b[at + 7] << 8)) & Flags.DUMP_INTR) dump.interrupted = true;
        if (type === NLMSG_NOOP || dump.draining) continue;
        if (dump.datagrams) (starts ??= []).push(at);
        else dump.queue.push(messageAt(copy ??= b.slice(0, n), at));
        continue;
      }
      // A late reply to one of our own requests (aborted, or a dump already
      // drained) is dropped; anything else the kernel sends us unasked
      // (queued packets, audit records, echoes) is a notification.
      if (this.#issued(seq)) this.stats.stray++;
      else this.#notify({ ...messageAt(copy ??= b.slice(0, n), at), source: 0, group: 0 });
    }
    const dump = this.#dump;
    if (starts !== undefined) dump!.queue.push(this.#datagramCopy(b, n, starts));
    if (dumpTouched && dump && (dump.queue.length > 0 || dump.done || dump.draining)) {
      // Demand met: read no further until the consumer asks again, so the
      // rest of the dump waits in the kernel.
      dump.waiting = false;
      dump.wake?.();
    }
  }

  /** The first `n` bytes of `b` in a buffer of their own, a released one when there is one large enough. */
  #datagramCopy(b: Uint8Array, n: number, starts: number[]): DumpDatagram {
    const spare = this.#spareDatagrams;
    let buffer: ArrayBuffer | undefined;
    for (let i = spare.length - 1; i >= 0; i--) {
      if (spare[i].byteLength >= n) {
        buffer = spare[i];
        spare.splice(i, 1);
        break;
      }
    }
    buffer ??= new ArrayBuffer(Math.ceil(n / DATAGRAM_ROUNDING) * DATAGRAM_ROUNDING);
    const bytes = new Uint8Array(buffer, 0, n);
    bytes.set(b.subarray(0, n));
    return new PooledDatagram(bytes, starts, spare);
  }

  /** A datagram from the kernel larger than the buffer: lost; the buffer grows (up to its cap) for the next. */
  #onTruncated(n: number, capacity: number, group: number): void {
    this.stats.truncated++;
    const head = this.#rx.buffer.slice(0, Math.min(NLMSG_HDRLEN, capacity));
    if (capacity < MAX_GROWN_BUFFER) {
      let size = capacity * 2;
      while (size < n && size < MAX_GROWN_BUFFER) size *= 2;
      this.#rx.resize(Math.min(size, MAX_GROWN_BUFFER));
    }
    const error = new ParseError(
      `datagram of ${n} bytes did not fit the ${capacity}-byte buffer (now ${this.#rx.buffer.length} bytes)`,
      capacity,
    );
    const seq = head.length >= 12 ? new DataView(head.buffer).getUint32(8, true) : 0;
    // A reply fails its request; a notification is a loss like any other.
    if (group !== 0 || !this.#deliverError(seq, false, error, false)) this.#notify(new Overrun("kernel", 1));
  }

  /** A foreign datagram that cannot be taken as messages: counted, and handed to those who asked. */
  #onMalformed(source: number, group: number, payload: Uint8Array, error: ParseError): void {
    this.stats.malformed++;
    this.#notify({ type: 0, flags: 0, seq: 0, pid: source, payload, source, group, error });
  }

  #onReply(seq: number, pending: Pending, m: NetlinkMessage): void {
    if (m.type === NLMSG_NOOP) return;
    if (m.type === NLMSG_ERROR) {
      this.#pending.delete(seq);
      let reply;
      try {
        reply = parseErrorReply(m);
      } catch (error) {
        pending.reject(error);
        return;
      }
      if (reply.errno === 0) pending.resolve(pending.replies);
      else pending.reject(replyError(reply.errno, reply.extAck, pending.request, this.#describe, this.#attrPath));
      return;
    }
    if (m.type === NLMSG_DONE) {
      const done = parseDone(m);
      if (done.errno !== 0) {
        this.#pending.delete(seq);
        pending.reject(replyError(done.errno, done.extAck, pending.request, this.#describe, this.#attrPath));
      } else if (!pending.ack) {
        this.#pending.delete(seq);
        pending.resolve(pending.replies);
      }
      return;
    }
    pending.replies.push(m);
    if (!pending.ack && !(m.flags & Flags.MULTI)) {
      this.#pending.delete(seq);
      pending.resolve(pending.replies);
    }
  }

  #onDumpMessage(dump: DumpState, m: NetlinkMessage): void {
    if (m.flags & Flags.DUMP_INTR) dump.interrupted = true;
    if (m.type === NLMSG_DONE) {
      dump.done = true;
      let done;
      try {
        done = parseDone(m);
      } catch (error) {
        dump.error = error;
        return;
      }
      if (done.errno !== 0) {
        dump.error = replyError(done.errno, done.extAck, dump.request, this.#describe, this.#attrPath);
      }
      return;
    }
    if (m.type === NLMSG_ERROR) {
      dump.done = true;
      try {
        const reply = parseErrorReply(m);
        if (reply.errno !== 0) {
          dump.error = replyError(reply.errno, reply.extAck, dump.request, this.#describe, this.#attrPath);
        }
      } catch (error) {
        dump.error = error;
      }
      return;
    }
    if (m.type === NLMSG_NOOP || dump.draining) return;
    dump.queue.push(m);
  }

  /**
   * Appends `item` to every subscriber's queue. A full queue drops the
   * item and ends with an {@link Overrun} (one per gap, counting what it
   * dropped), so the mark sits exactly where the gap is; an `Overrun`
   * arriving at a queue that already ends with one joins it.
   */
  #notify(item: ReceivedMessage | Overrun | ParseError): void {
    for (const sub of this.#subscribers) {
      if (!(item instanceof Overrun) && !(item instanceof ParseError) && item.error && !sub.malformed) continue;
      const q = sub.queue;
      const last = q[q.length - 1];
      if (item instanceof Overrun) {
        if (last instanceof Overrun) {
          const lost = last.lost !== undefined && item.lost !== undefined ? last.lost + item.lost : undefined;
          q[q.length - 1] = new Overrun(item.where === "kernel" ? "kernel" : last.where, lost);
          continue;
        }
      } else if (q.length >= sub.limit) {
        this.stats.dropped++;
        if (last instanceof Overrun) {
          q[q.length - 1] = new Overrun(last.where, last.lost === undefined ? undefined : last.lost + 1);
        } else q.push(new Overrun("queue", 1));
        continue;
      }
      q.push(item);
      sub.waiting = false;
      sub.wake?.();
    }
  }

  /**
   * A datagram for a request or dump that could not be read: fails it.
   * Otherwise (multicast, or nobody's) it goes to subscribers when
   * `toSubscribers`; returns whether someone took it.
   */
  #deliverError(seq: number, multicast: boolean, error: ParseError, toSubscribers = true): boolean {
    if (!multicast) {
      const pending = this.#pending.get(seq);
      if (pending) {
        this.#pending.delete(seq);
        pending.reject(error);
        return true;
      }
      const dump = this.#dump;
      if (dump && dump.seq === seq) {
        dump.error = error;
        dump.done = true;
        dump.wake?.();
        return true;
      }
    }
    if (!toSubscribers) return false;
    this.#notify(error);
    return true;
  }

  #failAll(error: unknown): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    const dump = this.#dump;
    if (dump && !dump.done) {
      dump.error = error;
      dump.done = true;
      dump.wake?.();
    }
    for (const sub of this.#subscribers) sub.wake?.();
  }

  /**
   * Closes the socket. Pending requests and dumps reject with
   * {@link ClosedError}; notification iterators end.
   *
   * @example
   * ```ts
   * import { NetlinkSocket } from "@nlts/netlink";
   * const sock = await NetlinkSocket.open("route");
   * await sock.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#loop.unregister(this.#fd);
    this.#libc.close(this.#fd);
    // Never read again (#pump stops once closed): another socket may have it.
    if (this.#rx.buffer.length === DEFAULT_BUFFER && spareReceivers.length < SPARE_RECEIVERS) {
      spareReceivers.push(this.#rx);
    }
    this.#failAll(new ClosedError());
    this.#resolveClosing();
    return Promise.resolve();
  }

  /** Closes the socket (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
