/**
 * What NFQUEUE and NFLOG share: an "instance" (a queue, a log group) bound
 * to a NETLINK_NETFILTER socket of its own with a bind command, configured
 * with one CONFIG message, read as a stream of packet messages with every
 * loss marked, and unbound on close.
 *
 * @module
 */
import { Overrun, OverrunError, ParseError } from "../wire/errors.ts";
import { type AttrSet, decodeAttrsInto, writeAttrs } from "../wire/schema.ts";
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { HandOverReader, NotificationStream, SpawnedStreams } from "../socket/stream.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { COPY_MODE } from "./constants.ts";
import { describeNfnlType, NFGENMSG_LEN, nfnlMessage } from "./nfnetlink.ts";
import { nfnlAttributePath } from "./schema.ts";

/** How a subsystem names its instance messages. */
export interface NfInstanceKind {
  /** Subsystem id (`NFNL_SUBSYS_QUEUE`, `NFNL_SUBSYS_ULOG`). */
  subsys: number;
  /** Message number of the configuration message (`NFQNL_MSG_CONFIG`, `NFULNL_MSG_CONFIG`). */
  config: number;
  /** The attributes of the configuration message (`NFQA_CFG_*`, `NFULA_CFG_*`). */
  configAttrs: AttrSet;
  /** Whole message type of a packet (`(subsys << 8) | PACKET`). */
  packet: number;
}

/** What {@link NfInstance.open} sets up. */
export interface NfInstanceSpec {
  /** `res_id`: the queue number or log group. */
  resId: number;
  /** The attributes of the bind command (by the kind's `configAttrs`). */
  bind: Record<string, unknown>;
  /** The attributes of the configuration sent after it: copy mode and range, and the rest. */
  configure: Record<string, unknown>;
  /** The attributes of the unbind command sent on close. */
  unbind: Record<string, unknown>;
  /** Network namespace. */
  netns?: NetnsTarget;
  /** Kernel receive buffer (default 4 MiB). */
  rcvbuf?: number;
  /** Most packets read ahead for a slow consumer (the notification queue's limit). */
  queueLimit?: number;
}

/**
 * The number of a copy mode name (default `"packet"`); throws TypeError for
 * an unknown one.
 *
 * @example
 * ```ts
 * import { copyModeNumber } from "./instance.ts";
 * copyModeNumber("meta"); // 1
 * ```
 */
export function copyModeNumber(name: "none" | "meta" | "packet" | undefined): number {
  const mode = COPY_MODE[name ?? "packet"];
  if (mode === undefined) throw new TypeError(`unknown copy mode ${JSON.stringify(name)}`);
  return mode;
}

/** A configuration message of `kind` for `resId` with `values` (a TypeError for a bad value). */
function configMessage(kind: NfInstanceKind, resId: number, values: Record<string, unknown>): Uint8Array {
  const m = nfnlMessage(kind.subsys, kind.config, 0, { resId });
  writeAttrs(m, kind.configAttrs, values);
  return m.finish();
}

/**
 * A bound instance (a queue, a log group) on a NETLINK_NETFILTER socket of
 * its own: the socket, the one reader of its packets for the instance's
 * life (what one stream leaves unread goes to the next), the streams it
 * spawned, and the unbind command. `NfQueue` and `NfLog` each hold one.
 *
 * @example
 * ```ts
 * import { NfInstance } from "./instance.ts";
 * import { logConfigAttrs } from "./schema.ts";
 * const ulog = { subsys: 4, config: 1, configAttrs: logConfigAttrs, packet: 0x400 };
 * const inst = await NfInstance.open(ulog, {
 *   resId: 5,
 *   bind: { cmd: { command: 1 } },
 *   configure: { mode: { copyRange: 0xffff, copyMode: 1 }, qthresh: 1 },
 *   unbind: { cmd: { command: 2 } },
 * });
 * await inst.close();
 * ```
 */
export class NfInstance {
  /** The instance's socket. */
  readonly sock: NetlinkSocket;
  readonly #kind: NfInstanceKind;
  readonly #resId: number;
  readonly #unbind: Uint8Array;
  readonly #streams = new SpawnedStreams();
  readonly #reader: HandOverReader<ReceivedMessage | Overrun>;

  private constructor(kind: NfInstanceKind, sock: NetlinkSocket, resId: number, unbind: Uint8Array, limit?: number) {
    this.#kind = kind;
    this.sock = sock;
    this.#resId = resId;
    this.#unbind = unbind;
    this.#reader = new HandOverReader(sock.notifications({ queueLimit: limit }));
  }

  /**
   * Opens a NETLINK_NETFILTER socket (whose refusals name the attribute:
   * `nfnlAttributePath`), binds the instance and configures it. Every
   * message is encoded first, so a bad value is a TypeError before anything
   * is sent; on a refusal the socket is closed and the error thrown.
   *
   * @example
   * ```ts
   * import { NfInstance } from "./instance.ts";
   * import { logConfigAttrs } from "./schema.ts";
   * const ulog = { subsys: 4, config: 1, configAttrs: logConfigAttrs, packet: 0x400 };
   * const inst = await NfInstance.open(ulog, {
   *   resId: 6,
   *   bind: { cmd: { command: 1 } },
   *   configure: { qthresh: 1 },
   *   unbind: { cmd: { command: 2 } },
   * });
   * await inst.close();
   * ```
   */
  static async open(kind: NfInstanceKind, spec: NfInstanceSpec): Promise<NfInstance> {
    const bind = configMessage(kind, spec.resId, spec.bind);
    const configure = configMessage(kind, spec.resId, spec.configure);
    const unbind = configMessage(kind, spec.resId, spec.unbind);
    const sock = await NetlinkSocket.open("netfilter", {
      netns: spec.netns,
      rcvbuf: spec.rcvbuf ?? 4 * 1024 * 1024,
      describeType: describeNfnlType,
      describeAttribute: nfnlAttributePath,
    });
    try {
      await sock.request(bind);
      await sock.request(configure);
    } catch (error) {
      await sock.close();
      throw error;
    }
    return new NfInstance(kind, sock, spec.resId, unbind, spec.queueLimit);
  }

  /**
   * A stream of the instance's packets through `decode`, with losses marked
   * (see {@link instanceStream}); tracked, so {@link close} closes it.
   *
   * @example
   * ```ts
   * import { NfInstance } from "./instance.ts";
   * import { logConfigAttrs } from "./schema.ts";
   * const ulog = { subsys: 4, config: 1, configAttrs: logConfigAttrs, packet: 0x400 };
   * const inst = await NfInstance.open(ulog, { resId: 7, bind: { cmd: { command: 1 } }, configure: {}, unbind: { cmd: { command: 2 } } });
   * for await (const m of inst.stream({}, (m) => m.payload, { before: () => false })) console.log(m);
   * ```
   */
  stream<T>(
    options: InstanceStreamOptions,
    decode: (msg: ReceivedMessage) => T,
    loss: LossDetector<T>,
  ): NotificationStream<T | Overrun> {
    return this.#streams.add(() => instanceStream(this.#kind, this.#reader, options, decode, loss));
  }

  /**
   * Closes the streams, sends the unbind command (waiting at most a second,
   * ignoring failure: closing the socket unbinds as well), then closes the
   * socket. Does nothing more once the socket is closed.
   *
   * @example
   * ```ts
   * import { NfInstance } from "./instance.ts";
   * import { logConfigAttrs } from "./schema.ts";
   * const ulog = { subsys: 4, config: 1, configAttrs: logConfigAttrs, packet: 0x400 };
   * const inst = await NfInstance.open(ulog, { resId: 8, bind: { cmd: { command: 1 } }, configure: {}, unbind: { cmd: { command: 2 } } });
   * await inst.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    if (this.sock.closed) return;
    try {
      await this.sock.request(this.#unbind, { signal: AbortSignal.timeout(1000) });
    } catch {
      // Closing the socket unbinds as well.
    }
    await this.sock.close();
  }
}

/**
 * Where the packet header (attribute `type`, at least `size` bytes) of an
 * NFQUEUE or NFLOG packet message starts in its payload `p`, after checking
 * the `nfgenmsg` before it. The kernel puts the header first, so this reads
 * one attribute header; the schema then reads the rest of `set` into the
 * packet's object, where the header's entry is skipped. A missing or short
 * header or a bad length is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { packetHeaderAt } from "./instance.ts";
 * import { logPacketAttrs } from "./schema.ts";
 * packetHeaderAt(logPacketAttrs, new Uint8Array([2, 0, 0, 5, 8, 0, 1, 0, 8, 0, 3, 0]), 1, 3); // 8
 * ```
 */
export function packetHeaderAt(set: AttrSet, p: Uint8Array, type: number, size: number): number {
  if (p.length < NFGENMSG_LEN) {
    throw new ParseError(`nfgenmsg needs ${NFGENMSG_LEN} bytes, the payload has ${p.length}`, 16);
  }
  const name = `${set.prefix ?? ""}PACKET_HDR`;
  const end = p.length;
  let at = NFGENMSG_LEN;
  while (end - at >= 4) {
    const len = p[at] | (p[at + 1] << 8);
    if (len < 4 || len > end - at) break;
    if (((p[at + 2] | (p[at + 3] << 8)) & 0x3fff) === type) {
      if (len - 4 < size) {
        throw new ParseError(`${name} of ${len - 4} bytes, needs ${size}`, 16 + at);
      }
      return at + 4;
    }
    at += (len + 3) & ~3;
  }
  // A bad length is the schema's to report; otherwise the header is missing.
  decodeAttrsInto(set, {}, p, NFGENMSG_LEN, end, 16 + NFGENMSG_LEN);
  throw new ParseError(`packet message without ${name}`, 20);
}

/**
 * Tells where an instance lost packets that the socket did not report: the
 * kernel numbers an instance's packets (NFQUEUE packet ids, NFLOG's
 * NFULA_SEQ), so a gap is a loss, and it counts some drops only in /proc.
 */
export interface LossDetector<T> {
  /** True when packets were lost just before `item` (a gap in the kernel's numbering). */
  before(item: T): boolean;
  /** True when the kernel's drop counters grew since the last call; absent when there are none to read. */
  poll?(): boolean;
}

/** Options of {@link instanceStream}. */
export interface InstanceStreamOptions {
  /** Closes the stream (as its `close()` does): the iteration ends. */
  signal?: AbortSignal;
  /** `"yield"` (default): an {@link Overrun} item where packets were lost; `"throw"`: `OverrunError`. */
  overrun?: "yield" | "throw";
}

/** How often a waiting stream reads the kernel's drop counters. */
const POLL_MS = 250;

/**
 * The instance's packet messages as a {@link NotificationStream}, read from
 * the instance's socket through `reader` (the socket stays open when the
 * stream closes, and what it read ahead goes to the next stream), each through
 * `decode`, with an {@link Overrun} wherever packets were lost: the kernel
 * reported ENOBUFS, `loss.before` saw a gap in the numbering, or `loss.poll`
 * saw the drop counters grow (checked before each packet, and every 250 ms
 * while the stream waits). Losses found together give one `Overrun`. Other
 * messages (the NLMSG_DONE ending a batch) are skipped.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { HandOverReader } from "@nlts/netlink/socket";
 * import { instanceStream } from "./instance.ts";
 * import { logConfigAttrs } from "./schema.ts";
 * await using sock = await NetlinkSocket.open("netfilter");
 * const kind = { subsys: 4, config: 1, configAttrs: logConfigAttrs, packet: 0x400 };
 * const reader = new HandOverReader(sock.notifications());
 * const stream = instanceStream(kind, reader, {}, (m) => m.payload, { before: () => false });
 * for await (const m of stream) console.log(m);
 * ```
 */
export function instanceStream<T>(
  kind: NfInstanceKind,
  reader: HandOverReader<ReceivedMessage | Overrun>,
  options: InstanceStreamOptions,
  decode: (msg: ReceivedMessage) => T,
  loss: LossDetector<T>,
): NotificationStream<T | Overrun> {
  async function* items(signal: AbortSignal): AsyncGenerator<T | Overrun, void, undefined> {
    // One Overrun per stretch of losses: none again until a packet came through.
    let marked = false;
    const lost = (where: "kernel" | "queue"): Overrun | undefined => {
      if (options.overrun === "throw") throw new OverrunError(where);
      if (marked) return undefined;
      marked = true;
      return new Overrun(where);
    };
    for (;;) {
      const next = reader.next(signal);
      next.catch(() => {}); // awaited below, unless the stream ends first (closed while a mark was out)
      let r: IteratorResult<ReceivedMessage | Overrun, void> | undefined;
      while (r === undefined) {
        if (!loss.poll) {
          r = await next;
          break;
        }
        let stopTick = () => {};
        const tick = new Promise<undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), POLL_MS);
          stopTick = () => clearTimeout(timer);
        });
        r = await Promise.race([next, tick]);
        stopTick();
        if (r === undefined && loss.poll()) {
          const mark = lost("kernel");
          if (mark) yield mark;
        }
      }
      if (r.done) return;
      const item = r.value;
      if (item instanceof Overrun) {
        const mark = lost(item.where);
        if (mark) yield mark;
        continue;
      }
      // Batches end with an NLMSG_DONE; anything not a packet is skipped.
      if (item.type !== kind.packet) continue;
      const packet = decode(item);
      const gap = loss.before(packet);
      const dropped = loss.poll?.() ?? false;
      if (gap || dropped) {
        const mark = lost("kernel");
        if (mark) yield mark;
      }
      marked = false;
      yield packet;
    }
  }
  return new NotificationStream<T | Overrun>(
    () => Promise.resolve({ items, close: () => Promise.resolve() }),
    { signal: options.signal },
  );
}
