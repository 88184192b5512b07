/**
 * NFLOG over NETLINK_NETFILTER (subsystem ULOG, the successor of
 * NETLINK_NFLOG): bind a log group and receive what `NFLOG` rules log.
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { type Overrun, ParseError } from "../wire/errors.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { decodeAttrsInto } from "../wire/schema.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import type { NotificationStream } from "../socket/stream.ts";
import { HOOK_NAMES, NFNL_SUBSYS, NFULA, NFULNL_CFG_CMD, NFULNL_CFG_F, NFULNL_MSG } from "./constants.ts";
import { familyName, type NfFamily, NFGENMSG_LEN } from "./nfnetlink.ts";
import {
  copyModeNumber,
  type InstanceStreamOptions,
  NfInstance,
  type NfInstanceKind,
  packetHeaderAt,
} from "./instance.ts";
import type { NfTimestamp } from "./queue.ts";
import { logConfigAttrs, logPacketSet } from "./schema.ts";
import { withJson } from "../wire/json.ts";

/** One logged packet. */
export interface LogEntry {
  /** Log group (`res_id`). */
  group: number;
  /** L3 family: `"inet"`, `"inet6"` (or the number). */
  family: NfFamily | number;
  /** Hardware protocol (EtherType). */
  hwProtocol: number;
  /** Hook number. */
  hook: number;
  /** Hook name (`"output"`, `"input"`…). */
  hookName: string;
  /** The rule's `--nflog-prefix`. */
  prefix?: string;
  /** Packet mark (0 when the kernel sends none). */
  mark: number;
  /** Receive time (absent for locally generated packets). */
  timestamp?: NfTimestamp;
  /** Input interface index. */
  indev?: number;
  /** Output interface index. */
  outdev?: number;
  /** Physical input interface index. */
  physIndev?: number;
  /** Physical output interface index. */
  physOutdev?: number;
  /** Source hardware address. */
  hwAddr?: string;
  /** ARPHRD_* hardware type. */
  hwType?: number;
  /** Hardware header, raw. */
  hwHeader?: Uint8Array;
  /** UID of the sending socket. */
  uid?: number;
  /** GID of the sending socket. */
  gid?: number;
  /** Per-instance sequence number (needs `seq: true`). */
  seq?: number;
  /** Global sequence number (needs `seqGlobal: true`). */
  seqGlobal?: number;
  /** Packet bytes (empty in `"meta"` mode). */
  payload: Uint8Array;
  /** Conntrack attributes, raw (needs `conntrack: true`). */
  ct?: Uint8Array;
  /** `enum ip_conntrack_info`. */
  ctInfo?: number;
  /** VLAN nest, raw. */
  vlan?: Uint8Array;
  /** L2 header, raw. */
  l2hdr?: Uint8Array;
  /** Attributes this decoder does not interpret, kept raw. */
  unknown: Attr[];
}

/**
 * Decodes an `NFULNL_MSG_PACKET` message; malformed bytes give a
 * {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeLogEntry } from "@nlts/netlink/netfilter";
 * import type { NetlinkMessage } from "@nlts/netlink";
 * const show = (msg: NetlinkMessage) => console.log(decodeLogEntry(msg).prefix);
 * ```
 */
export function decodeLogEntry(msg: NetlinkMessage): LogEntry {
  if (msg.type !== ((NFNL_SUBSYS.ULOG << 8) | NFULNL_MSG.PACKET)) {
    throw new ParseError(`message type 0x${msg.type.toString(16)} is not NFULNL_MSG_PACKET`, 4);
  }
  const p = msg.payload;
  const h = packetHeaderAt(logPacketSet, p, NFULA.PACKET_HDR, 3);
  const hook = p[h + 2];
  const e: LogEntry = {
    group: (p[2] << 8) | p[3],
    family: familyName(p[0]),
    hwProtocol: (p[h] << 8) | p[h + 1],
    hook,
    hookName: HOOK_NAMES[hook] ?? `hook${hook}`,
    mark: 0,
    payload: new Uint8Array(0),
    unknown: [],
  };
  // The entry's keys count as seen; mark, payload and unknown are "last" in the set.
  decodeAttrsInto(logPacketSet, e, p, NFGENMSG_LEN, p.length, 16 + NFGENMSG_LEN);
  return withJson(e);
}

/** Options of {@link NfLog.open}. */
export interface NfLogOptions {
  /** `"packet"` (default): copy packet bytes; `"meta"`: metadata only; `"none"`. */
  copyMode?: "none" | "meta" | "packet";
  /** Most bytes of each packet to copy (default 0xffff). */
  copyRange?: number;
  /** Network namespace. */
  netns?: NetnsTarget;
  /** Entries the kernel batches before sending (default 1: send at once). */
  qthreshold?: number;
  /** Longest the kernel holds a batch, in 1/100 s (kernel default 100). */
  flushTimeout?: number;
  /** Kernel-side batch buffer size in bytes. */
  bufferSize?: number;
  /**
   * Number entries per instance (`NFULA_SEQ`; default true): how
   * {@link NfLog.entries} finds every lost entry. With `false` only the
   * losses the socket reports (ENOBUFS) are marked.
   */
  seq?: boolean;
  /** Number entries globally (`seqGlobal`). */
  seqGlobal?: boolean;
  /** Attach the conntrack entry (`ct`). */
  conntrack?: boolean;
  /** Kernel receive buffer (default 4 MiB). */
  rcvbuf?: number;
  /**
   * Most packets read ahead and held in memory for a slow consumer; beyond
   * that they wait in the socket's buffer, where the kernel may drop them
   * (which the stream marks with an Overrun). Default 16384.
   */
  queueLimit?: number;
}

/** Options of {@link NfLog.entries}. */
export type EntriesOptions = InstanceStreamOptions;

/** A stream of log entries and {@link Overrun}s (a {@link NotificationStream}). */
export type LogEntryStream = NotificationStream<LogEntry | Overrun>;

const ULOG: NfInstanceKind = {
  subsys: NFNL_SUBSYS.ULOG,
  config: NFULNL_MSG.CONFIG,
  configAttrs: logConfigAttrs,
  packet: (NFNL_SUBSYS.ULOG << 8) | NFULNL_MSG.PACKET,
};

function u32Option(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new TypeError(`bad ${what}: ${value}`);
  return value;
}

/**
 * A bound NFLOG group in one network namespace.
 *
 * @example
 * ```ts
 * import { NfLog } from "@nlts/netlink";
 * // iptables -A OUTPUT -p udp -j NFLOG --nflog-group 5 --nflog-prefix udp-out
 * await using log = await NfLog.open(5, { copyMode: "packet" });
 * for await (const e of log.entries({ signal: AbortSignal.timeout(10_000) })) {
 *   if (!("overrun" in e)) console.log(e.prefix, e.payload.length);
 * }
 * ```
 */
export class NfLog implements AsyncDisposable {
  /** The log group. */
  readonly group: number;
  readonly #instance: NfInstance;
  /** `NFULA_SEQ` of the last entry seen (a new instance numbers from 0); undefined without `seq`. */
  #lastSeq?: number;

  private constructor(instance: NfInstance, group: number) {
    this.#instance = instance;
    this.group = group;
  }

  /**
   * Binds log group `group` (0–65535) and configures it. Fails with
   * `NetlinkError` `EBUSY` when another socket has bound it.
   *
   * @example
   * ```ts
   * import { NfLog } from "@nlts/netlink";
   * const log = await NfLog.open(7, { copyMode: "meta" });
   * await log.close();
   * ```
   */
  static async open(group: number, options: NfLogOptions = {}): Promise<NfLog> {
    if (!Number.isInteger(group) || group < 0 || group > 0xffff) {
      throw new TypeError(`log group must be 0..65535, not ${group}`);
    }
    let flags = 0;
    if (options.seq ?? true) flags |= NFULNL_CFG_F.SEQ;
    if (options.seqGlobal) flags |= NFULNL_CFG_F.SEQ_GLOBAL;
    if (options.conntrack) flags |= NFULNL_CFG_F.CONNTRACK;
    const instance = await NfInstance.open(ULOG, {
      resId: group,
      bind: { cmd: { command: NFULNL_CFG_CMD.BIND } },
      configure: {
        mode: {
          copyRange: u32Option(options.copyRange ?? 0xffff, "copyRange"),
          copyMode: copyModeNumber(options.copyMode),
        },
        nlbufsiz: options.bufferSize === undefined ? undefined : u32Option(options.bufferSize, "bufferSize"),
        timeout: options.flushTimeout === undefined ? undefined : u32Option(options.flushTimeout, "flushTimeout"),
        qthresh: u32Option(options.qthreshold ?? 1, "qthreshold"),
        flags: flags || undefined,
      },
      unbind: { cmd: { command: NFULNL_CFG_CMD.UNBIND } },
      netns: options.netns,
      rcvbuf: options.rcvbuf,
      queueLimit: options.queueLimit,
    });
    const log = new NfLog(instance, group);
    if (options.seq ?? true) log.#lastSeq = 0xffffffff;
    return log;
  }

  /** The underlying socket. @example `log.socket.portId` */
  get socket(): NetlinkSocket {
    return this.#instance.sock;
  }

  /**
   * Log entries as they arrive, returned at once (the group is bound
   * already). An {@link Overrun} marks where entries were lost: the socket's
   * buffer overflowed (ENOBUFS), or a gap in `NFULA_SEQ` (with `seq`, the
   * default). Closing the stream leaves the group bound; closing the log
   * closes the stream. One stream at a time.
   *
   * @example
   * ```ts
   * import { NfLog } from "@nlts/netlink";
   * await using log = await NfLog.open(5);
   * for await (const e of log.entries()) if (!("overrun" in e)) console.log(e.hookName, e.prefix);
   * ```
   */
  entries(options: EntriesOptions = {}): LogEntryStream {
    return this.#instance.stream(options, decodeLogEntry, {
      before: (e) => {
        if (this.#lastSeq === undefined || e.seq === undefined) return false;
        const gap = e.seq !== ((this.#lastSeq + 1) >>> 0);
        this.#lastSeq = e.seq;
        return gap;
      },
    });
  }

  /**
   * Closes the stream of {@link entries}, unbinds the group and closes the
   * socket.
   *
   * @example
   * ```ts
   * import { NfLog } from "@nlts/netlink";
   * const log = await NfLog.open(5);
   * await log.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#instance.close();
  }

  /** Closes the log (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
