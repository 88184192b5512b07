/**
 * NFQUEUE over NETLINK_NETFILTER (subsystem QUEUE, the successor of
 * NETLINK_FIREWALL and NETLINK_IP6_FW): bind a queue, receive the packets
 * an `NFQUEUE` rule sends to it, and give verdicts.
 *
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { Attr } from "../wire/attrs.ts";
import { type Overrun, ParseError } from "../wire/errors.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { decodeAttrsInto, writeAttrs } from "../wire/schema.ts";
import { flagChange } from "../wire/flag_change.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { type NetnsTarget, runInNetns } from "../socket/netns.ts";
import type { NotificationStream } from "../socket/stream.ts";
import {
  HOOK_NAMES,
  NF_VERDICT,
  NFNL_SUBSYS,
  NFQA,
  NFQA_CFG_F,
  NFQA_SKB,
  NFQNL_CFG_CMD,
  NFQNL_MSG,
} from "./constants.ts";
import { familyName, familyNumber, type NfFamily, NFGENMSG_LEN, nfnlMessage } from "./nfnetlink.ts";
import {
  copyModeNumber,
  type InstanceStreamOptions,
  NfInstance,
  type NfInstanceKind,
  packetHeaderAt,
} from "./instance.ts";
import { decodeHwAddrAt, decodeTimestampAt, queueConfigAttrs, queuePacketSet, queueSet } from "./schema.ts";
import { withJson } from "../wire/json.ts";

/** A packet's timestamp as the kernel reports it. */
export interface NfTimestamp {
  /** Seconds since the epoch. */
  sec: number;
  /** Microseconds. */
  usec: number;
}

/** A queued packet, decoded (without the verdict methods of {@link QueuedPacket}). */
export interface NfqPacketInfo {
  /** Queue number (`res_id`). */
  queue: number;
  /** L3 family of the packet: `"inet"`, `"inet6"` (or the number). */
  family: NfFamily | number;
  /** Packet id, for the verdict. */
  id: number;
  /** Hardware protocol (EtherType: 0x0800 IPv4, 0x86dd IPv6). */
  hwProtocol: number;
  /** Netfilter hook number. */
  hook: number;
  /** Hook name (`"output"`, `"input"`…). */
  hookName: string;
  /** Packet mark (0 when the kernel sends none). */
  mark: number;
  /** Time the packet was received (absent for locally generated packets). */
  timestamp?: NfTimestamp;
  /** Input interface index. */
  indev?: number;
  /** Output interface index. */
  outdev?: number;
  /** Physical input interface index (bridges). */
  physIndev?: number;
  /** Physical output interface index (bridges). */
  physOutdev?: number;
  /** Source hardware address. */
  hwAddr?: string;
  /** Packet bytes (up to the copy range; empty in `"meta"` mode). */
  payload: Uint8Array;
  /** Length of the whole packet when the payload was cut (`NFQA_CAP_LEN`). */
  capLen?: number;
  /** `NFQA_SKB_INFO` bits. */
  skbInfo?: number;
  /** The packet is GSO (larger than the MTU). */
  gso: boolean;
  /** UID of the sending socket (needs `uidGid: true`). */
  uid?: number;
  /** GID of the sending socket (needs `uidGid: true`). */
  gid?: number;
  /** Security context (needs `secctx: true`). */
  secctx?: string;
  /** Conntrack attributes of the packet's connection, raw (needs `conntrack: true`). */
  ct?: Uint8Array;
  /** `enum ip_conntrack_info` of the packet. */
  ctInfo?: number;
  /** `skb->priority`. */
  priority?: number;
  /** Full L2 header, raw. */
  l2hdr?: Uint8Array;
  /** VLAN nest, raw. */
  vlan?: Uint8Array;
  /** Attributes this decoder does not interpret, kept raw. */
  unknown: Attr[];
}

/**
 * Decodes `struct nfqnl_msg_packet_timestamp` / `nfulnl_msg_packet_timestamp`
 * (two big-endian u64: seconds, microseconds).
 *
 * @example
 * ```ts
 * import { decodeTimestamp } from "./queue.ts";
 * decodeTimestamp(new Uint8Array(16)); // { sec: 0, usec: 0 }
 * ```
 */
export function decodeTimestamp(bytes: Uint8Array): NfTimestamp {
  return decodeTimestampAt(bytes, 0, bytes.length);
}

/**
 * Decodes `struct nfqnl_msg_packet_hw` / `nfulnl_msg_packet_hw` into text.
 *
 * @example
 * ```ts
 * import { decodeHwAddr } from "./queue.ts";
 * decodeHwAddr(new Uint8Array([0, 6, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0])); // "02:00:00:00:00:01"
 * ```
 */
export function decodeHwAddr(bytes: Uint8Array): string {
  return decodeHwAddrAt(bytes, 0, bytes.length);
}

/**
 * Decodes an `NFQNL_MSG_PACKET` message. A missing or short packet header,
 * or any bad length, is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeQueuePacket } from "@nlts/netlink/netfilter";
 * import type { NetlinkMessage } from "@nlts/netlink";
 * const show = (msg: NetlinkMessage) => console.log(decodeQueuePacket(msg).id);
 * ```
 */
export function decodeQueuePacket(msg: NetlinkMessage): NfqPacketInfo {
  if (msg.type !== ((NFNL_SUBSYS.QUEUE << 8) | NFQNL_MSG.PACKET)) {
    throw new ParseError(`message type 0x${msg.type.toString(16)} is not NFQNL_MSG_PACKET`, 4);
  }
  const b = msg.payload;
  const h = packetHeaderAt(queuePacketSet, b, NFQA.PACKET_HDR, 7);
  const hook = b[h + 6];
  const p: NfqPacketInfo = {
    queue: (b[2] << 8) | b[3],
    family: familyName(b[0]),
    id: ((b[h] << 24) | (b[h + 1] << 16) | (b[h + 2] << 8) | b[h + 3]) >>> 0,
    hwProtocol: (b[h + 4] << 8) | b[h + 5],
    hook,
    hookName: HOOK_NAMES[hook] ?? `hook${hook}`,
    mark: 0,
    payload: new Uint8Array(0),
    gso: false,
    unknown: [],
  };
  // The packet's keys count as seen; mark, payload and unknown are "last" in the set.
  decodeAttrsInto(queuePacketSet, p, b, NFGENMSG_LEN, b.length, 16 + NFGENMSG_LEN);
  if (p.skbInfo !== undefined) p.gso = (p.skbInfo & NFQA_SKB.GSO) !== 0;
  return withJson(p);
}

/** A verdict name. */
export type VerdictName = "accept" | "drop" | "repeat" | "stop" | "queue";

const VERDICTS: Record<VerdictName, number> = {
  accept: NF_VERDICT.ACCEPT,
  drop: NF_VERDICT.DROP,
  repeat: NF_VERDICT.REPEAT,
  stop: NF_VERDICT.STOP,
  queue: NF_VERDICT.QUEUE,
};

/** Options of a verdict. */
export interface VerdictOptions {
  /** New packet mark. */
  mark?: number;
  /** Replacement packet bytes (a whole, valid L3 packet). */
  payload?: Uint8Array;
  /**
   * For `"queue"`: the queue to send the packet to next (the verdict becomes
   * `NF_QUEUE | queue << 16`).
   */
  toQueue?: number;
}

function verdictCode(verdict: VerdictName | number, toQueue?: number): number {
  const code = typeof verdict === "number" ? verdict : VERDICTS[verdict];
  if (code === undefined) throw new TypeError(`unknown verdict ${JSON.stringify(verdict)}`);
  if (toQueue !== undefined) {
    if (!Number.isInteger(toQueue) || toQueue < 0 || toQueue > 0xffff) throw new TypeError(`bad queue ${toQueue}`);
    return ((code & 0xffff) | (toQueue << 16)) >>> 0;
  }
  return code >>> 0;
}

/**
 * Builds an `NFQNL_MSG_VERDICT` (or, with `batch`, `NFQNL_MSG_VERDICT_BATCH`)
 * message.
 *
 * @example
 * ```ts
 * import { encodeVerdict } from "@nlts/netlink/netfilter";
 * const bytes = encodeVerdict(0, 42, "accept", { mark: 7 });
 * ```
 */
export function encodeVerdict(
  queue: number,
  id: number,
  verdict: VerdictName | number,
  options: VerdictOptions = {},
  batch = false,
): Uint8Array {
  if (batch && options.payload !== undefined) throw new TypeError("a batch verdict cannot carry a payload");
  const w = nfnlMessage(NFNL_SUBSYS.QUEUE, batch ? NFQNL_MSG.VERDICT_BATCH : NFQNL_MSG.VERDICT, 0, { resId: queue });
  writeAttrs(w, queueSet, {
    verdictHdr: { verdict: verdictCode(verdict, options.toQueue), id: id >>> 0 },
    mark: options.mark,
    payload: options.payload,
  });
  return w.finish();
}

const QUEUE: NfInstanceKind = {
  subsys: NFNL_SUBSYS.QUEUE,
  config: NFQNL_MSG.CONFIG,
  configAttrs: queueConfigAttrs,
  packet: (NFNL_SUBSYS.QUEUE << 8) | NFQNL_MSG.PACKET,
};

/** Options of {@link NfQueue.open}. */
export interface NfQueueOptions {
  /** Family used in the configuration header (default `"inet"`; a queue receives both families). */
  family?: NfFamily;
  /** `"packet"` (default): copy the packet; `"meta"`: metadata only; `"none"`. */
  copyMode?: "none" | "meta" | "packet";
  /** Most bytes of each packet to copy (default 65535). */
  copyRange?: number;
  /** Network namespace of the queue. */
  netns?: NetnsTarget;
  /** Accept packets instead of dropping them when the queue is full. */
  failOpen?: boolean;
  /** Accept GSO packets whole instead of having the kernel segment them. */
  gso?: boolean;
  /** Report the UID/GID of the sending socket. */
  uidGid?: boolean;
  /** Attach the conntrack entry (`NFQA_CT`). */
  conntrack?: boolean;
  /** Report the security context. */
  secctx?: boolean;
  /** Most packets waiting for a verdict in the kernel (`NFQA_CFG_QUEUE_MAXLEN`). */
  maxLen?: number;
  /** Kernel receive buffer (default 4 MiB). */
  rcvbuf?: number;
  /**
   * Most packets read ahead and held in memory for a slow consumer; beyond
   * that they wait in the socket's buffer, where the kernel may drop them
   * (which the stream marks with an Overrun). Default 16384.
   */
  queueLimit?: number;
}

/** Options of {@link NfQueue.packets}. */
export type PacketsOptions = InstanceStreamOptions;

/**
 * A stream of queued packets and {@link Overrun}s (a
 * {@link NotificationStream}).
 */
export type QueuedPacketStream = NotificationStream<QueuedPacket | Overrun>;

/**
 * The kernel's drop counters of one queue (`queue_dropped`: the queue was
 * full; `user_dropped`: our socket's buffer was), from
 * /proc/net/netfilter/nfnetlink_queue of the queue's namespace. The file is
 * opened once, in that namespace, and re-read from its start.
 */
class QueueDropCounters {
  readonly #fd: number;
  readonly #queueNum: number;
  readonly #portId: number;
  readonly #buf = new Uint8Array(16384);
  #last: number;

  private constructor(fd: number, queueNum: number, portId: number) {
    this.#fd = fd;
    this.#queueNum = queueNum;
    this.#portId = portId;
    this.#last = this.#read() ?? 0;
  }

  /** Opens the counters of `queueNum` bound by `portId`; undefined where /proc cannot be read. */
  static async open(netns: NetnsTarget | undefined, queueNum: number, portId: number) {
    const path = "/proc/thread-self/net/netfilter/nfnetlink_queue";
    try {
      const fd = netns === undefined ? openSync(path, "r") : await runInNetns(netns, () => openSync(path, "r"));
      return new QueueDropCounters(fd, queueNum, portId);
    } catch {
      return undefined;
    }
  }

  /** queue_dropped + user_dropped of our queue, or undefined if it is not listed. */
  #read(): number | undefined {
    let n: number;
    try {
      n = readSync(this.#fd, this.#buf, 0, this.#buf.length, 0);
    } catch {
      return undefined;
    }
    // "queue_num peer_portid queue_total copy_mode copy_range queue_dropped user_dropped id_sequence 1"
    for (const line of new TextDecoder().decode(this.#buf.subarray(0, n)).split("\n")) {
      const f = line.trim().split(/\s+/).map(Number);
      if (f.length >= 7 && f[0] === this.#queueNum && f[1] === this.#portId) return f[5] + f[6];
    }
    return undefined;
  }

  /** True when the counters grew since the last call. */
  grew(): boolean {
    const now = this.#read();
    if (now === undefined || now === this.#last) return false;
    this.#last = now;
    return true;
  }

  close(): void {
    try {
      closeSync(this.#fd);
    } catch { /* already gone */ }
  }
}

/**
 * A packet waiting for a verdict. Give exactly one: {@link accept},
 * {@link drop}, {@link repeat} or {@link verdict}.
 *
 * @example
 * ```ts
 * import { NfQueue } from "@nlts/netlink";
 * await using q = await NfQueue.open(0);
 * for await (const p of q.packets()) if (!("overrun" in p)) await (p.payload.length > 1000 ? p.drop() : p.accept({ mark: 1 }));
 * ```
 */
export class QueuedPacket implements NfqPacketInfo {
  /** Queue number. */
  readonly queue: number;
  /** L3 family. */
  readonly family: NfFamily | number;
  /** Packet id. */
  readonly id: number;
  /** Hardware protocol (EtherType). */
  readonly hwProtocol: number;
  /** Hook number. */
  readonly hook: number;
  /** Hook name. */
  readonly hookName: string;
  /** Packet mark. */
  readonly mark: number;
  /** Receive time. */
  readonly timestamp?: NfTimestamp;
  /** Input interface index. */
  readonly indev?: number;
  /** Output interface index. */
  readonly outdev?: number;
  /** Physical input interface index. */
  readonly physIndev?: number;
  /** Physical output interface index. */
  readonly physOutdev?: number;
  /** Source hardware address. */
  readonly hwAddr?: string;
  /** Packet bytes. */
  readonly payload: Uint8Array;
  /** Whole packet length when cut. */
  readonly capLen?: number;
  /** `NFQA_SKB_INFO` bits. */
  readonly skbInfo?: number;
  /** GSO packet. */
  readonly gso: boolean;
  /** Sender UID. */
  readonly uid?: number;
  /** Sender GID. */
  readonly gid?: number;
  /** Security context. */
  readonly secctx?: string;
  /** Conntrack attributes, raw. */
  readonly ct?: Uint8Array;
  /** Conntrack info. */
  readonly ctInfo?: number;
  /** `skb->priority`. */
  readonly priority?: number;
  /** L2 header, raw. */
  readonly l2hdr?: Uint8Array;
  /** VLAN nest, raw. */
  readonly vlan?: Uint8Array;
  /** Unknown attributes, raw. */
  readonly unknown: Attr[];
  readonly #owner: NfQueue;

  /** Made by {@link NfQueue.packets}. */
  constructor(owner: NfQueue, info: NfqPacketInfo) {
    this.#owner = owner;
    this.queue = info.queue;
    this.family = info.family;
    this.id = info.id;
    this.hwProtocol = info.hwProtocol;
    this.hook = info.hook;
    this.hookName = info.hookName;
    this.mark = info.mark;
    this.timestamp = info.timestamp;
    this.indev = info.indev;
    this.outdev = info.outdev;
    this.physIndev = info.physIndev;
    this.physOutdev = info.physOutdev;
    this.hwAddr = info.hwAddr;
    this.payload = info.payload;
    this.capLen = info.capLen;
    this.skbInfo = info.skbInfo;
    this.gso = info.gso;
    this.uid = info.uid;
    this.gid = info.gid;
    this.secctx = info.secctx;
    this.ct = info.ct;
    this.ctInfo = info.ctInfo;
    this.priority = info.priority;
    this.l2hdr = info.l2hdr;
    this.vlan = info.vlan;
    this.unknown = info.unknown;
    withJson(this); // a bare JSON.stringify writes the packet by the library's rule
  }

  /** Lets the packet go on, optionally with a new mark or new bytes. @example `await packet.accept({ mark: 7 })` */
  accept(options: { mark?: number; payload?: Uint8Array } = {}): Promise<void> {
    return this.#owner.verdict(this.id, "accept", options);
  }

  /** Drops the packet. @example `await packet.drop()` */
  drop(): Promise<void> {
    return this.#owner.verdict(this.id, "drop");
  }

  /** Runs the hook again from the start (set a mark to avoid a loop). @example `await packet.repeat({ mark: 1 })` */
  repeat(options: { mark?: number; payload?: Uint8Array } = {}): Promise<void> {
    return this.#owner.verdict(this.id, "repeat", options);
  }

  /** Any verdict. @example `await packet.verdict("queue", { toQueue: 2 })` */
  verdict(verdict: VerdictName | number, options: VerdictOptions = {}): Promise<void> {
    return this.#owner.verdict(this.id, verdict, options);
  }
}

/**
 * A bound NFQUEUE queue in one network namespace.
 *
 * @example
 * ```ts
 * import { NfQueue } from "@nlts/netlink";
 * // iptables -A OUTPUT -p udp --dport 9999 -j NFQUEUE --queue-num 3
 * await using q = await NfQueue.open(3, { copyMode: "packet" });
 * for await (const packet of q.packets({ signal: AbortSignal.timeout(10_000) })) {
 *   if ("overrun" in packet) console.log("packets were lost");
 *   else await packet.accept();
 * }
 * ```
 */
export class NfQueue implements AsyncDisposable {
  /** The queue number. */
  readonly queueNum: number;
  readonly #instance: NfInstance;
  readonly #counters?: QueueDropCounters;
  /** Id of the last packet seen (the kernel numbers a new queue's packets from 1). */
  #lastId = 0;

  private constructor(instance: NfInstance, queueNum: number, counters?: QueueDropCounters) {
    this.#instance = instance;
    this.queueNum = queueNum;
    this.#counters = counters;
  }

  /**
   * Binds queue `queueNum` (0–65535) and configures it. Fails with
   * `NetlinkError` `EBUSY` when another socket has bound it.
   *
   * @example
   * ```ts
   * import { NfQueue } from "@nlts/netlink";
   * const q = await NfQueue.open(0, { copyMode: "meta", failOpen: true });
   * await q.close();
   * ```
   */
  static async open(queueNum: number, options: NfQueueOptions = {}): Promise<NfQueue> {
    if (!Number.isInteger(queueNum) || queueNum < 0 || queueNum > 0xffff) {
      throw new TypeError(`queue number must be 0..65535, not ${queueNum}`);
    }
    const family = familyNumber(options.family ?? "inet");
    const mode = copyModeNumber(options.copyMode);
    const range = options.copyRange ?? 0xffff;
    if (!Number.isInteger(range) || range < 0 || range > 0xffffffff) throw new TypeError(`bad copyRange ${range}`);
    const { value: flags, mask } = flagChange([
      [NFQA_CFG_F.FAIL_OPEN, options.failOpen],
      [NFQA_CFG_F.GSO, options.gso],
      [NFQA_CFG_F.UID_GID, options.uidGid],
      [NFQA_CFG_F.CONNTRACK, options.conntrack],
      [NFQA_CFG_F.SECCTX, options.secctx],
    ]);
    const instance = await NfInstance.open(QUEUE, {
      resId: queueNum,
      bind: { cmd: { command: NFQNL_CFG_CMD.BIND, pf: family } },
      configure: {
        params: { copyRange: range, copyMode: mode },
        queueMaxlen: options.maxLen,
        mask: mask || undefined,
        flags: mask ? flags : undefined,
      },
      unbind: { cmd: { command: NFQNL_CFG_CMD.UNBIND } },
      netns: options.netns,
      rcvbuf: options.rcvbuf,
      queueLimit: options.queueLimit,
    });
    const counters = await QueueDropCounters.open(options.netns, queueNum, instance.sock.portId);
    return new NfQueue(instance, queueNum, counters);
  }

  /** The underlying socket. @example `q.socket.portId` */
  get socket(): NetlinkSocket {
    return this.#instance.sock;
  }

  /**
   * Packets as the kernel queues them, returned at once (the queue is bound
   * already). Each waits in the kernel until it gets a verdict (or the
   * queue is closed, which drops it). An {@link Overrun} marks where packets
   * were lost: our socket's buffer overflowed (ENOBUFS, or a gap in the
   * packet ids), or the kernel's queue was full (`maxLen`; its drop
   * counter in /proc/net/netfilter/nfnetlink_queue grew). With `failOpen`
   * such packets are accepted instead, unseen: those our socket had no room
   * for are marked (a gap in the ids), those a full queue let through are
   * not (the kernel neither numbers nor counts them). Closing the stream leaves the queue bound; closing the queue closes
   * the stream. One stream at a time.
   *
   * @example
   * ```ts
   * import { NfQueue } from "@nlts/netlink";
   * await using q = await NfQueue.open(1);
   * for await (const p of q.packets()) if (!("overrun" in p)) await p.accept();
   * ```
   */
  packets(options: PacketsOptions = {}): QueuedPacketStream {
    return this.#instance.stream(options, (msg) => new QueuedPacket(this, decodeQueuePacket(msg)), {
      before: (p) => {
        const gap = p.id !== ((this.#lastId + 1) >>> 0);
        this.#lastId = p.id;
        return gap;
      },
      poll: this.#counters ? () => this.#counters!.grew() : undefined,
    });
  }

  /**
   * Gives packet `id` a verdict, and waits for the kernel's ACK (an unknown
   * id rejects with `NetlinkError` `ENOENT`).
   *
   * @example
   * ```ts
   * import { NfQueue } from "@nlts/netlink";
   * await using q = await NfQueue.open(1);
   * for await (const p of q.packets()) if (!("overrun" in p)) await q.verdict(p.id, "drop");
   * ```
   */
  async verdict(id: number, verdict: VerdictName | number, options: VerdictOptions = {}): Promise<void> {
    await this.#instance.sock.request(encodeVerdict(this.queueNum, id, verdict, options));
  }

  /**
   * Gives every packet with an id up to `uptoId` (not yet decided) the same
   * verdict in one message.
   *
   * @example
   * ```ts
   * import { NfQueue } from "@nlts/netlink";
   * await using q = await NfQueue.open(1);
   * let n = 0;
   * for await (const p of q.packets()) if (!("overrun" in p) && ++n % 16 === 0) await q.verdictBatch(p.id, "accept");
   * ```
   */
  async verdictBatch(uptoId: number, verdict: VerdictName | number, options: { mark?: number } = {}): Promise<void> {
    await this.#instance.sock.request(encodeVerdict(this.queueNum, uptoId, verdict, options, true));
  }

  /**
   * Closes the stream of {@link packets}, unbinds the queue and closes the
   * socket; packets still waiting are dropped by the kernel.
   *
   * @example
   * ```ts
   * import { NfQueue } from "@nlts/netlink";
   * const q = await NfQueue.open(2);
   * await q.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#instance.close();
    this.#counters?.close();
  }

  /** Closes the queue (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
