/**
 * What NFQUEUE and NFLOG share: an "instance" (a queue, a log group) bound
 * to a NETLINK_NETFILTER socket of its own with a bind command, configured
 * with one CONFIG message, read as a stream of packet messages with every
 * loss marked, and unbound on close.
 *
 * @module
 */
import type { MessageWriter } from "../wire/message.ts";
import { Overrun, OverrunError } from "../wire/errors.ts";
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { type HandOverReader, NotificationStream } from "../socket/stream.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { COPY_MODE } from "./constants.ts";
import { describeNfnlType, nfnlMessage } from "./nfnetlink.ts";

/** How a subsystem names its instance messages. */
export interface NfInstanceKind {
  /** Subsystem id (`NFNL_SUBSYS_QUEUE`, `NFNL_SUBSYS_ULOG`). */
  subsys: number;
  /** Message number of the configuration message (`NFQNL_MSG_CONFIG`, `NFULNL_MSG_CONFIG`). */
  config: number;
  /** Attribute of the command in it (`NFQA_CFG_CMD`, `NFULA_CFG_CMD`). */
  cmdAttr: number;
  /** Attribute of the copy mode and range in it (`NFQA_CFG_PARAMS`, `NFULA_CFG_MODE`). */
  copyAttr: number;
  /** Size of that attribute's struct (5 for `nfqnl_msg_config_params`, 6 for `nfulnl_msg_config_mode`). */
  copySize: number;
  /** Whole message type of a packet (`(subsys << 8) | PACKET`). */
  packet: number;
}

/** What {@link bindInstance} sets up. */
export interface NfInstanceSpec {
  /** `res_id`: the queue number or log group. */
  resId: number;
  /** The payload of the bind command attribute. */
  bind: Uint8Array;
  /** Copy mode number (from {@link copyModeNumber}). */
  mode: number;
  /** Most bytes of each packet to copy. */
  range: number;
  /** Network namespace. */
  netns?: NetnsTarget;
  /** Kernel receive buffer (default 4 MiB). */
  rcvbuf?: number;
  /** Adds the attributes that follow the copy mode to the configuration message (and may throw). */
  configure(cfg: MessageWriter): void;
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

/**
 * Opens a NETLINK_NETFILTER socket, binds the instance and configures it
 * (copy mode and range first, then what `spec.configure` adds). On any
 * failure the socket is closed and the error thrown.
 *
 * @example
 * ```ts
 * import { bindInstance, copyModeNumber } from "./instance.ts";
 * import { NFNL_SUBSYS, NFULA_CFG, NFULNL_CFG_CMD, NFULNL_MSG } from "@nlts/netlink/netfilter";
 * const ulog = {
 *   subsys: NFNL_SUBSYS.ULOG,
 *   config: NFULNL_MSG.CONFIG,
 *   cmdAttr: NFULA_CFG.CMD,
 *   copyAttr: NFULA_CFG.MODE,
 *   copySize: 6,
 *   packet: (NFNL_SUBSYS.ULOG << 8) | NFULNL_MSG.PACKET,
 * };
 * const sock = await bindInstance(ulog, {
 *   resId: 5,
 *   bind: new Uint8Array([NFULNL_CFG_CMD.BIND]),
 *   mode: copyModeNumber("meta"),
 *   range: 0xffff,
 *   configure: (cfg) => cfg.be32(NFULA_CFG.QTHRESH, 1),
 * });
 * await sock.close();
 * ```
 */
export async function bindInstance(kind: NfInstanceKind, spec: NfInstanceSpec): Promise<NetlinkSocket> {
  const sock = await NetlinkSocket.open("netfilter", {
    netns: spec.netns,
    rcvbuf: spec.rcvbuf ?? 4 * 1024 * 1024,
    describeType: describeNfnlType,
  });
  try {
    const bind = nfnlMessage(kind.subsys, kind.config, 0, { resId: spec.resId });
    bind.attr(kind.cmdAttr, spec.bind);
    await sock.request(bind.finish());
    const cfg = nfnlMessage(kind.subsys, kind.config, 0, { resId: spec.resId });
    const params = new Uint8Array(kind.copySize);
    new DataView(params.buffer).setUint32(0, spec.range, false);
    params[4] = spec.mode;
    cfg.attr(kind.copyAttr, params);
    spec.configure(cfg);
    await sock.request(cfg.finish());
  } catch (error) {
    await sock.close();
    throw error;
  }
  return sock;
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
 * await using sock = await NetlinkSocket.open("netfilter");
 * const kind = { subsys: 4, config: 1, cmdAttr: 1, copyAttr: 2, copySize: 6, packet: 0x400 };
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

/**
 * Sends the unbind command (waiting at most a second, ignoring failure:
 * closing the socket unbinds as well), then closes the socket. Does
 * nothing on a closed socket.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { unbindInstance } from "./instance.ts";
 * const sock = await NetlinkSocket.open("netfilter");
 * const kind = { subsys: 4, config: 1, cmdAttr: 1, copyAttr: 2, copySize: 6, packet: 0x400 };
 * await unbindInstance(kind, sock, 5, new Uint8Array([2])); // NFULNL_CFG_CMD_UNBIND
 * ```
 */
export async function unbindInstance(
  kind: NfInstanceKind,
  sock: NetlinkSocket,
  resId: number,
  unbind: Uint8Array,
): Promise<void> {
  if (sock.closed) return;
  try {
    const msg = nfnlMessage(kind.subsys, kind.config, 0, { resId });
    msg.attr(kind.cmdAttr, unbind);
    await sock.request(msg.finish(), { signal: AbortSignal.timeout(1000) });
  } catch {
    // Closing the socket unbinds as well.
  }
  await sock.close();
}
