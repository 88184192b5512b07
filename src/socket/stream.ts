/**
 * `NotificationStream`: the one shape of every event stream in nlts (route
 * events, genl events, uevents, process events, XFRM events, audit records,
 * conntrack events, NFQUEUE packets, NFLOG entries, USERSOCK messages).
 *
 * @module
 */
import { ClosedError, type Overrun } from "../wire/errors.ts";
import type { NetlinkSocket, NotificationOptions, ReceivedMessage } from "./socket.ts";

/** Options of {@link NotificationStream}. */
export interface NotificationStreamOptions extends NotificationOptions {
  /**
   * @deprecated Ignored: an abort always closes the stream, iterated or
   * not (see {@link NotificationStream}).
   */
  closeOnAbort?: boolean;
}

/**
 * Turns a notification (or an {@link Overrun} marker) into a stream item, or
 * `undefined` to skip it.
 */
export type NotificationDecoder<T> = (item: ReceivedMessage | Overrun) => T | undefined;

/**
 * What a {@link NotificationStream} reads: set up by the stream's `open`
 * function, read once, released once.
 */
export interface StreamSource<T> {
  /**
   * The items. The iteration must end (return, or throw anything) soon
   * after `signal` aborts: the stream aborts it when it closes.
   */
  items(signal: AbortSignal): AsyncIterable<T>;
  /** Releases what `open` took (closes a socket the stream owns); called once. */
  close(): Promise<void>;
}

/** Called once when a stream has closed (see {@link SpawnedStreams}). */
const closeHooks = new WeakMap<object, () => void>();

/**
 * A stream of events: what every family's `events(…)`-style method returns,
 * synchronously.
 *
 * The contract, the same for every family:
 * - **Items** are the family's typed events and {@link Overrun} instances.
 *   An `Overrun` comes before any item that followed a loss: the kernel
 *   reported ENOBUFS (its receive buffer overflowed), a local queue limit
 *   was hit, or (NFQUEUE, NFLOG) the kernel's numbering skipped or its drop
 *   counter grew. One `Overrun` may stand for several losses; state built
 *   from the stream must be re-read after it. Nothing is lost silently.
 * - **`ready`** resolves once the stream is set up (socket open, groups
 *   joined, subscription acknowledged): anything that happens afterwards is
 *   delivered, even if the iteration starts later. It rejects only if the
 *   setup failed (the iteration then throws the same error); it resolves
 *   when the stream was closed before the setup finished.
 * - **Ending**: `close()`, `await using`, an abort of the `signal` option,
 *   `break` out of the loop, and closing the client the stream came from all
 *   end the iteration the same way: it returns (`done`), it does not throw.
 *   An abort is a `close()`, whether the stream is being iterated or not.
 *   The iteration throws only when something failed (setup, a socket
 *   error).
 * - **Ownership**: a client's `close()` closes every stream it spawned
 *   (`rt.events()`, `family.events()`, `monitor.events()`,
 *   `queue.packets()`…); a stream's `close()` never closes its client.
 * - A stream is iterated once. When it ends it frees its own socket; a
 *   monitor's stream (`UeventMonitor`, `ProcConnector`, `NfQueue`, `NfLog`,
 *   `UserPeer`) leaves the monitor's socket open, and what it read ahead
 *   goes to the monitor's next stream.
 *
 * @example
 * ```ts
 * import { NetlinkSocket, NotificationStream, Overrun } from "@nlts/netlink";
 * const links = new NotificationStream(
 *   () => NetlinkSocket.open("route", { groups: [1] }), // RTNLGRP_LINK
 *   (item) => (item instanceof Overrun ? item : item.type),
 * );
 * await links.ready;
 * for await (const type of links) console.log(type); // 16 (RTM_NEWLINK), 17 (RTM_DELLINK), or an Overrun
 * ```
 */
export class NotificationStream<T> implements AsyncIterable<T>, AsyncDisposable {
  /** Resolves once the stream is set up (or closed first); rejects if the setup failed. */
  readonly ready: Promise<void>;
  readonly #stop = new AbortController();
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => void this.close();
  #source?: StreamSource<T>;
  #closing?: Promise<void>;
  #iterated = false;

  /**
   * Starts the stream. With a socket opener, the stream owns the socket it
   * opens and passes each notification through `decode` (which may skip it
   * by returning `undefined`). With a source opener
   * ({@link StreamSource}), the items come from the source as they are.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NotificationStream, Overrun } from "@nlts/netlink";
   * const controller = new AbortController();
   * await using events = new NotificationStream(
   *   () => NetlinkSocket.open("route", { groups: [1] }),
   *   (item) => (item instanceof Overrun ? undefined : item), // losses skipped
   *   { signal: controller.signal },
   * );
   * await events.ready;
   * ```
   */
  constructor(
    open: () => Promise<NetlinkSocket>,
    decode: NotificationDecoder<T>,
    options?: NotificationStreamOptions,
  );
  /**
   * Starts a stream over a {@link StreamSource} that `open` sets up.
   *
   * @example
   * ```ts
   * import { NotificationStream } from "@nlts/netlink";
   * const ticks = new NotificationStream<number>(async () => ({
   *   async *items(signal) {
   *     for (let i = 0; !signal.aborted; i++) yield await new Promise<number>((r) => setTimeout(() => r(i), 100));
   *   },
   *   close: () => Promise.resolve(),
   * }));
   * for await (const n of ticks) if (n === 3) break;
   * ```
   */
  constructor(open: () => Promise<StreamSource<T>>, options?: { signal?: AbortSignal });
  constructor(
    open: () => Promise<NetlinkSocket | StreamSource<T>>,
    decodeOrOptions?: NotificationDecoder<T> | NotificationStreamOptions,
    maybeOptions: NotificationStreamOptions = {},
  ) {
    const decode = typeof decodeOrOptions === "function" ? decodeOrOptions : undefined;
    const options = (typeof decodeOrOptions === "function" ? maybeOptions : decodeOrOptions) ?? {};
    this.#signal = options.signal;
    this.ready = (async () => {
      if (this.#signal?.aborted) return void this.close();
      this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
      let opened;
      try {
        opened = await open();
      } catch (error) {
        if (this.#closing) return; // closed (or aborted) while opening: not a failure
        throw error;
      }
      const source = decode ? socketSource(opened as NetlinkSocket, decode, options) : opened as StreamSource<T>;
      if (this.#closing) {
        // Closed while opening: nobody else will release it.
        await source.close();
        return;
      }
      this.#source = source;
    })();
    // Failures surface through `ready` or the iteration; never as an unhandled rejection.
    this.ready.catch(() => this.close());
  }

  /** True once {@link close} was called (or the signal aborted, or the client closed). */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Iterates the items; allowed once. Ends when the stream closes, however
   * that happens.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NotificationStream, Overrun } from "@nlts/netlink";
   * const stream = new NotificationStream(
   *   () => NetlinkSocket.open("route", { groups: [1] }),
   *   (item) => (item instanceof Overrun ? item : item.type),
   * );
   * for await (const item of stream) if (item instanceof Overrun) break;
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    if (this.#iterated) throw new TypeError(`a ${this.constructor.name} can be iterated only once`);
    this.#iterated = true;
    try {
      await this.ready;
      const source = this.#source;
      if (!source || this.#closing) return;
      try {
        for await (const item of source.items(this.#stop.signal)) {
          if (this.#closing) return;
          yield item;
        }
      } catch (error) {
        // Whatever the source throws once the stream is closing (an abort
        // reason, a closed socket) is the end, not a failure.
        if (this.#closing) return;
        throw error;
      }
    } finally {
      await this.close();
    }
  }

  /**
   * Closes the stream: a running iteration ends (returns), the socket is
   * freed. Idempotent.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NotificationStream } from "@nlts/netlink";
   * const stream = new NotificationStream(() => NetlinkSocket.open("route", { groups: [1] }), (item) => item);
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#stop.abort(new ClosedError());
    const source = this.#source;
    this.#closing = (async () => {
      try {
        await source?.close();
      } finally {
        closeHooks.get(this)?.();
        closeHooks.delete(this);
      }
    })();
    return this.#closing;
  }

  /** Closes the stream (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Options of {@link socketSource}. */
export interface SocketSourceOptions extends NotificationOptions {
  /** Close the socket when the stream closes (default true); false for a socket the caller keeps. */
  owned?: boolean;
}

/**
 * A {@link StreamSource} reading a socket's notifications through `decode`.
 * With `owned: false` the socket stays open when the stream closes (a
 * monitor's socket, read by one stream after another).
 *
 * @example
 * ```ts
 * import { NetlinkSocket, NotificationStream } from "@nlts/netlink";
 * import { socketSource } from "@nlts/netlink/socket";
 * const sock = await NetlinkSocket.open("route", { groups: [1] });
 * const stream = new NotificationStream(async () => socketSource(sock, (item) => item, { owned: false }));
 * await stream.close(); // sock is still open
 * await sock.close();
 * ```
 */
export function socketSource<T>(
  sock: NetlinkSocket,
  decode: NotificationDecoder<T>,
  options: SocketSourceOptions = {},
): StreamSource<T> {
  const { overrun, queueLimit, owned = true } = options;
  return {
    async *items(signal) {
      for await (const item of sock.notifications({ signal, overrun, queueLimit })) {
        const decoded = decode(item);
        if (decoded !== undefined) yield decoded;
      }
    },
    close: () => (owned ? sock.close() : Promise.resolve()),
  };
}

/**
 * The streams a client spawned, so that the client's `close()` closes them
 * (the rule every family follows). A closed stream leaves the set by itself.
 *
 * @example
 * ```ts
 * import { NetlinkSocket, NotificationStream } from "@nlts/netlink";
 * import { SpawnedStreams } from "@nlts/netlink/socket";
 * const streams = new SpawnedStreams();
 * const s = streams.add(() => new NotificationStream(() => NetlinkSocket.open("route", { groups: [1] }), (i) => i));
 * await streams.closeAll(); // s is closed; further add() throws ClosedError
 * ```
 */
export class SpawnedStreams {
  readonly #open = new Set<NotificationStream<unknown>>();
  #closed = false;

  /** Number of streams still open. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Makes a stream with `make` and tracks it; throws {@link ClosedError}
   * (before calling `make`) once {@link closeAll} has run.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NotificationStream } from "@nlts/netlink";
   * import { SpawnedStreams } from "@nlts/netlink/socket";
   * const streams = new SpawnedStreams();
   * await using s = streams.add(() => new NotificationStream(() => NetlinkSocket.open("route"), (i) => i));
   * ```
   */
  add<S extends NotificationStream<unknown>>(make: () => S): S {
    if (this.#closed) throw new ClosedError();
    const stream = make();
    if (stream.closed) return stream;
    this.#open.add(stream);
    closeHooks.set(stream, () => this.#open.delete(stream));
    return stream;
  }

  /**
   * Closes every tracked stream, and refuses new ones.
   *
   * @example
   * ```ts
   * import { SpawnedStreams } from "@nlts/netlink/socket";
   * await new SpawnedStreams().closeAll();
   * ```
   */
  async closeAll(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#open].map((s) => s.close()));
  }
}

/**
 * One long-lived iterator (a monitor's `socket.notifications()`) read by one
 * stream after another. A read that a closed stream left waiting is handed
 * to the next stream, and what the socket read ahead stays in its queue, so
 * nothing is lost between streams.
 *
 * @example
 * ```ts
 * import { HandOverReader } from "@nlts/netlink/socket";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route", { groups: [1] });
 * const reader = new HandOverReader(sock.notifications());
 * const first = new AbortController();
 * setTimeout(() => first.abort(), 100);
 * await reader.next(first.signal).catch(() => {}); // aborted: the read waits on for the next caller
 * ```
 */
export class HandOverReader<T> {
  readonly #it: AsyncIterator<T, void, undefined>;
  #pending?: Promise<IteratorResult<T, void>>;

  /** Reads `source` (an iterator that ends when its socket closes). */
  constructor(source: AsyncIterable<T> | AsyncIterator<T, void, undefined>) {
    this.#it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source;
  }

  /**
   * The next item; an abort of `signal` rejects with its reason and leaves
   * the read waiting for the next caller.
   *
   * @example
   * ```ts
   * import { HandOverReader } from "@nlts/netlink/socket";
   * import { NetlinkSocket } from "@nlts/netlink";
   * await using sock = await NetlinkSocket.open("route", { groups: [1] });
   * const reader = new HandOverReader(sock.notifications());
   * const r = await reader.next(AbortSignal.timeout(1000)).catch(() => undefined);
   * ```
   */
  async next(signal: AbortSignal): Promise<IteratorResult<T, void>> {
    signal.throwIfAborted();
    if (!this.#pending) {
      this.#pending = this.#it.next();
      this.#pending.catch(() => {}); // observed by whoever awaits it; never unhandled
    }
    const pending = this.#pending;
    let onAbort: (() => void) | undefined;
    try {
      const result = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          onAbort = () => reject(signal.reason);
          signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
      this.#pending = undefined;
      return result;
    } catch (error) {
      if (!signal.aborted) this.#pending = undefined;
      throw error;
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }
}
