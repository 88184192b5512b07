/**
 * Listening to process events: a NETLINK_CONNECTOR socket in group
 * CN_IDX_PROC, subscribed with PROC_CN_MCAST_LISTEN.
 *
 * @module
 */
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { HandOverReader, NotificationStream, SpawnedStreams } from "../socket/stream.ts";
import { Protocol } from "../wire/constants.ts";
import { NetlinkError, Overrun } from "../wire/errors.ts";
import { CN_IDX_PROC, CN_MSG_SIZE, CN_VAL_PROC } from "./constants.ts";
import { decodeProcEvent, encodeProcMcast, type ProcEvent } from "./proc.ts";

/** Default kernel receive buffer: a busy machine forks and exits a lot. */
const DEFAULT_RCVBUF = 4 * 1024 * 1024;
/** Default wait for the kernel's acknowledgement of the subscription. */
const DEFAULT_ACK_TIMEOUT = 5000;

/** Options of {@link ProcConnector.open}. */
export interface ProcConnectorOptions {
  /** Kernel receive buffer in bytes (default 4 MiB). */
  rcvbuf?: number;
  /** Cancels the wait for the subscription's acknowledgement. */
  signal?: AbortSignal;
  /** Milliseconds to wait for the acknowledgement (default 5000). */
  ackTimeout?: number;
}

/** Options of {@link ProcConnector.events}. */
export interface ProcEventStreamOptions {
  /** Closes the stream (as its `close()` does): the iteration ends. */
  signal?: AbortSignal;
}

/** Options of {@link processEvents}. */
export interface ProcessEventOptions extends ProcEventStreamOptions {
  /** Kernel receive buffer in bytes (default 4 MiB). */
  rcvbuf?: number;
  /** Milliseconds to wait for the subscription's acknowledgement (default 5000). */
  ackTimeout?: number;
}

/** A stream of process events and {@link Overrun}s (see {@link NotificationStream}). */
export type ProcEventStream = NotificationStream<ProcEvent | Overrun>;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("aborted", "AbortError");
}

/**
 * A subscription to process events. Once {@link ProcConnector.open}
 * resolves the kernel has acknowledged PROC_CN_MCAST_LISTEN, so every
 * process event from then on reaches {@link events}. {@link close} sends
 * PROC_CN_MCAST_IGNORE (the kernel keeps a global listener count) and closes
 * the socket.
 *
 * Needs CAP_NET_ADMIN and the initial user and PID namespaces (the
 * connector exists only in the initial network namespace, and pids are
 * those of the initial PID namespace). One consumer of {@link events} at a
 * time.
 *
 * @example
 * ```ts
 * import { ProcConnector } from "@nlts/netlink";
 * await using procs = await ProcConnector.open();
 * for await (const ev of procs.events()) {
 *   if ("overrun" in ev) continue;
 *   if (ev.type === "exec") console.log("exec", ev.tgid);
 * }
 * ```
 */
export class ProcConnector implements AsyncDisposable {
  /** The NETLINK_CONNECTOR socket. */
  readonly socket: NetlinkSocket;
  /** One reader for the connector's life: what one stream (or the subscription) leaves unread goes to the next. */
  readonly #reader: HandOverReader<ReceivedMessage | Overrun>;
  readonly #early: (ProcEvent | Overrun)[] = [];
  readonly #streams = new SpawnedStreams();
  #listening = false;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
    this.#reader = new HandOverReader(socket.notifications());
  }

  /**
   * Opens the socket, subscribes, and waits for the kernel's
   * acknowledgement. A refusal throws {@link NetlinkError} (EPERM); no
   * acknowledgement at all (outside the initial user or PID namespace) throws
   * after `ackTimeout`.
   *
   * @example
   * ```ts
   * import { ProcConnector } from "@nlts/netlink";
   * const procs = await ProcConnector.open({ ackTimeout: 2000 });
   * await procs.close();
   * ```
   */
  static async open(options: ProcConnectorOptions = {}): Promise<ProcConnector> {
    options.signal?.throwIfAborted();
    const socket = await NetlinkSocket.open(Protocol.CONNECTOR, {
      groups: [CN_IDX_PROC],
      rcvbuf: options.rcvbuf ?? DEFAULT_RCVBUF,
    });
    const self = new ProcConnector(socket);
    try {
      await self.#subscribe(options);
    } catch (error) {
      await self.#shutdown();
      throw error;
    }
    return self;
  }

  async #subscribe(options: ProcConnectorOptions): Promise<void> {
    const timeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT;
    const stop = new AbortController();
    const timer = setTimeout(() => {
      stop.abort(
        new Error(
          `no acknowledgement of PROC_CN_MCAST_LISTEN within ${timeout} ms ` +
            "(the process connector ignores callers outside the initial user and PID namespaces)",
        ),
      );
    }, timeout);
    const onAbort = () => stop.abort(abortReason(options.signal!));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const seq = (Math.random() * 0xffffffff) >>> 0;
    const ack = (Math.random() * 0x7fffffff) >>> 0;
    try {
      this.socket.send(encodeProcMcast("listen", seq, ack));
      this.#listening = true;
      for (;;) {
        const r = await this.#reader.next(stop.signal);
        if (r.done) throw new Error("the socket closed before PROC_CN_MCAST_LISTEN was acknowledged");
        const item = r.value;
        if (item instanceof Overrun) {
          this.#early.push(item);
          continue;
        }
        const event = this.#decode(item);
        if (event === undefined) continue;
        this.#early.push(event);
        if (event.type !== "none") continue;
        const cn = new DataView(item.payload.buffer, item.payload.byteOffset, CN_MSG_SIZE);
        // The kernel overwrites seq with its per-CPU event counter; ack is ours + 1.
        if (cn.getUint32(12, true) !== ack + 1) continue; // someone else's
        if (event.err !== 0) {
          this.#listening = false;
          throw new NetlinkError(event.err, { syscall: "PROC_CN_MCAST_LISTEN" });
        }
        return;
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** A process event, or undefined for a message that is not one (another connector user). */
  #decode(item: ReceivedMessage): ProcEvent | undefined {
    if (item.source !== 0) return undefined;
    const p = item.payload;
    if (p.length >= 8) {
      const dv = new DataView(p.buffer, p.byteOffset, 8);
      if (dv.getUint32(0, true) !== CN_IDX_PROC || dv.getUint32(4, true) !== CN_VAL_PROC) return undefined;
    }
    return decodeProcEvent(item);
  }

  /**
   * The events as they arrive (the subscription's own acknowledgement, a
   * `"none"` event, comes first or nearly so); an {@link Overrun} marks lost
   * ones. Returns at once; everything since {@link ProcConnector.open}
   * resolved is delivered. Closing the stream leaves the connector
   * subscribed (a later `events()` carries on); closing the connector closes
   * the stream. One stream at a time.
   *
   * @example
   * ```ts
   * import { ProcConnector } from "@nlts/netlink";
   * await using procs = await ProcConnector.open();
   * for await (const ev of procs.events({ signal: AbortSignal.timeout(1000) })) console.log(ev);
   * ```
   */
  events(options: ProcEventStreamOptions = {}): ProcEventStream {
    const source = { items: (signal: AbortSignal) => this.#items(signal), close: () => Promise.resolve() };
    return this.#streams.add(() => new NotificationStream(() => Promise.resolve(source), options));
  }

  async *#items(signal: AbortSignal): AsyncGenerator<ProcEvent | Overrun, void, undefined> {
    for (;;) {
      signal.throwIfAborted();
      const early = this.#early.shift();
      if (early !== undefined) {
        yield early;
        continue;
      }
      const r = await this.#reader.next(signal);
      if (r.done) return;
      if (r.value instanceof Overrun) {
        yield r.value;
        continue;
      }
      const event = this.#decode(r.value);
      if (event !== undefined) yield event;
    }
  }

  async #shutdown(): Promise<void> {
    if (this.socket.closed) return;
    if (this.#listening) {
      this.#listening = false;
      try {
        this.socket.send(encodeProcMcast("ignore"));
      } catch { /* closing anyway; the kernel's listener count stays one too high */ }
    }
    await this.socket.close();
  }

  /**
   * Unsubscribes (PROC_CN_MCAST_IGNORE), closes the streams of
   * {@link events} and the socket.
   *
   * @example
   * ```ts
   * import { ProcConnector } from "@nlts/netlink";
   * const procs = await ProcConnector.open();
   * await procs.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    await this.#shutdown();
  }

  /** Unsubscribes and closes (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Process events (fork, exec, uid/gid/sid changes, ptrace, comm, coredump,
 * exit) of the whole machine, on a {@link ProcConnector} of the stream's
 * own: returns at once; `ready` resolves once the kernel has acknowledged
 * the subscription (rejects with EPERM, or after `ackTimeout`), and every
 * process event from then on is delivered. Closing the stream unsubscribes.
 *
 * @example
 * ```ts
 * import { processEvents } from "@nlts/netlink";
 * await using events = processEvents();
 * await events.ready;
 * for await (const ev of events) {
 *   if ("overrun" in ev) continue;
 *   if (ev.type === "exit") console.log(ev.tgid, "exited with", ev.code ?? `signal ${ev.signal}`);
 * }
 * ```
 */
export function processEvents(options: ProcessEventOptions = {}): ProcEventStream {
  return new NotificationStream<ProcEvent | Overrun>(async () => {
    const procs = await ProcConnector.open(options);
    const stream = procs.events();
    return { items: () => stream, close: () => procs.close() };
  }, { signal: options.signal });
}
