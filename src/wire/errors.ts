/**
 * Error classes. Every failure that comes from the kernel or from a malformed
 * message is one of these, never a bare `RangeError` from a short read.
 *
 * @module
 */
import { errnoName } from "./errno.ts";

const ETIMEDOUT = 110;

/** The kernel's extended ACK: why a request failed, and where. */
export interface ExtAck {
  /** Human-readable reason (`NLMSGERR_ATTR_MSG`). */
  message?: string;
  /** Byte offset of the offending attribute in the request, from the start of its nlmsghdr. */
  offset?: number;
  /**
   * The attribute at `offset`, named by the family's schema:
   * `IFLA_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID`, `RTA_MULTIPATH[1].RTA_GATEWAY`.
   */
  path?: string;
  /** Type of a required attribute that was missing. */
  missingType?: number;
  /** Offset of the nest the missing attribute belongs in. */
  missingNest?: number;
  /** Subsystem-specific cookie bytes. */
  cookie?: Uint8Array;
  /** The policy of the rejected attribute, raw (`NLMSGERR_ATTR_POLICY`). */
  policy?: Uint8Array;
}

/**
 * A request refused by the kernel (`NLMSG_ERROR` with a negative error, or a
 * failed `NLMSG_DONE`), or a failed system call.
 *
 * @example
 * ```ts
 * import { NetlinkError } from "@nlts/netlink";
 * try {
 *   throw new NetlinkError(19, { messageType: 17, messageTypeName: "RTM_DELLINK" });
 * } catch (e) {
 *   if (e instanceof NetlinkError && e.code === "ENODEV") console.log("no such link");
 * }
 * ```
 */
export class NetlinkError extends Error {
  /** Positive errno number. */
  readonly errno: number;
  /** Errno name: `"EEXIST"`, `"ENODEV"`… */
  readonly code: string;
  /** `nlmsg_type` of the request that failed (undefined for a system call). */
  readonly messageType?: number;
  /** Readable name of that type when the family knows it (`"RTM_DELLINK"`). */
  readonly messageTypeName?: string;
  /** The kernel's extended ACK, when it sent one. */
  readonly extAck?: ExtAck;
  /** The request bytes as sent, to map `extAck.offset` back to an attribute. */
  readonly request?: Uint8Array;
  /** The failed system call, for errors that are not the kernel's reply. */
  readonly syscall?: string;

  /** Builds the error for `errno` (positive) with what is known of the request. */
  constructor(
    errno: number,
    detail: {
      messageType?: number;
      messageTypeName?: string;
      extAck?: ExtAck;
      request?: Uint8Array;
      syscall?: string;
    } = {},
  ) {
    const code = errnoName(errno);
    const what = detail.syscall ?? detail.messageTypeName ??
      (detail.messageType !== undefined ? `message type ${detail.messageType}` : "request");
    const ack = detail.extAck;
    const why = (ack?.message ? `: ${ack.message}` : "") + (ack?.path ? ` (attribute ${ack.path})` : "");
    super(`${what} failed with ${code}${why}`);
    this.name = "NetlinkError";
    this.errno = errno;
    this.code = code;
    this.messageType = detail.messageType;
    this.messageTypeName = detail.messageTypeName;
    this.extAck = detail.extAck;
    this.request = detail.request;
    this.syscall = detail.syscall;
  }
}

/**
 * Bytes that do not form a valid message: a length that runs past the
 * buffer, a header shorter than its struct, a value of the wrong size.
 *
 * @example
 * ```ts
 * import { ParseError } from "@nlts/netlink";
 * const e = new ParseError("nlmsg_len 8 is shorter than the header", 0);
 * console.log(e.offset);
 * ```
 */
export class ParseError extends Error {
  /** Offset in the buffer being parsed where the problem was found. */
  readonly offset: number;
  /** `message` says what is wrong; `offset` where. */
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = "ParseError";
    this.offset = offset;
  }
}

/**
 * A dump whose results are inconsistent: the kernel's table changed while it
 * was being dumped (`NLM_F_DUMP_INTR`). Retry the dump, or ask for
 * `retry` in the dump options.
 *
 * @example
 * ```ts
 * import { DumpInterruptedError } from "@nlts/netlink";
 * console.log(new DumpInterruptedError().message);
 * ```
 */
export class DumpInterruptedError extends Error {
  constructor() {
    super("dump interrupted: the table changed while it was dumped (NLM_F_DUMP_INTR)");
    this.name = "DumpInterruptedError";
  }
}

/**
 * The socket was closed while a request or dump was pending on it.
 *
 * @example
 * ```ts
 * import { ClosedError } from "@nlts/netlink";
 * console.log(new ClosedError().name);
 * ```
 */
export class ClosedError extends Error {
  constructor() {
    super("netlink socket closed");
    this.name = "ClosedError";
  }
}

/**
 * Notifications were lost: the socket's receive buffer overflowed (ENOBUFS)
 * or a local queue limit was hit. Thrown by iterators opened with
 * `overrun: "throw"`; by default an {@link Overrun} item is yielded instead.
 *
 * @example
 * ```ts
 * import { OverrunError } from "@nlts/netlink";
 * console.log(new OverrunError("kernel", 12).message);
 * ```
 */
export class OverrunError extends Error {
  /** Where the messages were lost: the kernel's buffer or our queue. */
  readonly where: "kernel" | "queue";
  /** How many were lost, when known (see {@link Overrun.lost}). */
  readonly lost?: number;
  /** `where`: the kernel's socket buffer, or our in-memory queue; `lost`: how many, if known. */
  constructor(where: "kernel" | "queue", lost?: number) {
    const count = lost !== undefined ? ` (${lost})` : "";
    super(
      `notifications lost${count}: ${where === "kernel" ? "socket receive buffer overflowed (ENOBUFS)" : "queue full"}`,
    );
    this.name = "OverrunError";
    this.where = where;
    this.lost = lost;
  }
}

/**
 * Marks, in a stream of notifications, the place where some were lost. State
 * built from the stream must be refreshed with a dump.
 *
 * The mark sits exactly where the gap is: every item before it was sent
 * before the lost ones, every item after it after them. After an `Overrun`
 * no further loss goes unmarked: a later gap gets a later `Overrun`. (See
 * `NetlinkSocket.notifications()` for how this is kept with the kernel's
 * rules.)
 *
 * @example
 * ```ts
 * import { Overrun } from "@nlts/netlink";
 * const item: unknown = new Overrun("kernel", 3);
 * if (item instanceof Overrun) console.log(`resync needed: ${item.lost ?? "some"} lost`);
 * ```
 */
export class Overrun {
  /** Always true: tells an overrun from a message in a union. */
  readonly overrun = true as const;
  /**
   * Where the messages were lost: `"kernel"` when the kernel dropped some
   * (its socket buffer overflowed, or a datagram exceeded our buffer),
   * `"queue"` when only our in-memory queue dropped them.
   */
  readonly where: "kernel" | "queue";
  /**
   * How many datagrams were lost in this gap, when known: the kernel's drop
   * counter for the socket (`SK_MEMINFO_DROPS`) read when the gap closed,
   * plus what our queue dropped. The counts of successive marks add up to
   * the total lost; one gap's count may include a few drops that opened the
   * next one. Undefined when the drop counter could not be read.
   */
  readonly lost?: number;
  /** `where`: the kernel's socket buffer, or our in-memory queue; `lost`: how many, if known. */
  constructor(where: "kernel" | "queue", lost?: number) {
    this.where = where;
    this.lost = lost;
  }
}

/**
 * A request or dump that got no answer from the kernel in time (`ETIMEDOUT`).
 * The request may still have been carried out. Every request and dump has a
 * timeout (`NetlinkSocket` option `timeout`, default 30 s).
 *
 * @example
 * ```ts
 * import { NetlinkError, TimeoutError } from "@nlts/netlink";
 * const e = new TimeoutError(30000, { messageType: 18, messageTypeName: "RTM_GETLINK" });
 * console.log(e instanceof NetlinkError, e.code, e.message); // true "ETIMEDOUT" "RTM_GETLINK failed with ETIMEDOUT: …"
 * ```
 */
export class TimeoutError extends NetlinkError {
  /** The timeout that passed, in milliseconds. */
  readonly timeout: number;
  /** `timeout`: milliseconds waited; `detail`: what is known of the request. */
  constructor(
    timeout: number,
    detail: { messageType?: number; messageTypeName?: string; request?: Uint8Array } = {},
  ) {
    super(ETIMEDOUT, detail);
    this.name = "TimeoutError";
    this.message += `: no answer from the kernel within ${timeout} ms`;
    this.timeout = timeout;
  }
}
