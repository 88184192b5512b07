/**
 * `share()`: one source stream (one kernel subscription, decoded once), many
 * consumers, each with a bounded queue of its own.
 *
 * A slow consumer never slows the others and never makes memory grow: when
 * its queue is full, items are dropped for it alone (until it has read its
 * queue empty), and an {@link Overrun} marks the gap in its stream, exactly
 * where the dropped items were.
 *
 * @module
 */
import { Overrun } from "../wire/errors.ts";

/** Default bound on undelivered items held for one consumer. */
export const DEFAULT_SHARE_LIMIT = 1024;

/** Bounds of one consumer's queue. */
export interface ConsumerOptions<T> {
  /** Most undelivered items held for this consumer (Overrun markers not counted). Default {@link DEFAULT_SHARE_LIMIT}. */
  limit?: number;
  /**
   * Most undelivered bytes held for this consumer, as `size` measures them.
   * An item bigger than this still goes through when the queue is empty.
   */
  maxBytes?: number;
  /** The size of an item, for `maxBytes` (e.g. `(b) => b.byteLength`). Default: every item counts 1. */
  size?: (item: T) => number;
  /** Ends this consumer only: its pending and later `next()` calls reject with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of {@link share}. */
export interface ShareOptions<T> extends Omit<ConsumerOptions<T>, "signal"> {
  /**
   * Close the source when the last consumer leaves (after at least one came).
   * Default false: the source is read on (its items dropped) until
   * {@link SharedStream.close}, so a later consumer joins a live stream.
   */
  closeWhenIdle?: boolean;
  /**
   * Called once per source item (markers included), before the item is
   * handed out: where a stream of deltas keeps its state for `resync`.
   * Returning `false` keeps the item from the consumers.
   */
  observe?: (item: T | Overrun) => boolean | void;
  /**
   * The state so far as one item, for streams of deltas (see `shareWatch()`).
   * With it, a consumer that joins after the first item gets `resync()`
   * first, and a consumer that fell behind gets its {@link Overrun} and then
   * `resync()` once it has read its queue empty.
   */
  resync?: () => T;
}

/** What one consumer has seen. */
export interface ConsumerStats {
  /** Items (and markers) it has taken from its queue. */
  delivered: number;
  /** Items dropped for it because its queue was full. */
  dropped: number;
  /** Gaps it was told about with an {@link Overrun} of its own. */
  overruns: number;
}

/**
 * One consumer of a {@link SharedStream}: an async iterator over the shared
 * items and {@link Overrun} markers. `return()` (a `break`), its signal, or
 * `await using` end this consumer only.
 *
 * @example
 * ```ts
 * import { NetlinkSocket, Overrun, share } from "@nlts/netlink";
 * const sock = await NetlinkSocket.open("route", { groups: [1] }); // RTNLGRP_LINK
 * await using links = share(sock.notifications(), { closeWhenIdle: true });
 * await using mine = links.consumer({ limit: 100 });
 * for await (const item of mine) {
 *   if (item instanceof Overrun) console.log("fell behind: re-dump");
 *   else console.log("link message", item.type);
 * }
 * ```
 */
export class ShareConsumer<T> implements AsyncIterableIterator<T | Overrun>, AsyncDisposable {
  /** Counters of this consumer. */
  readonly stats: ConsumerStats = { delivered: 0, dropped: 0, overruns: 0 };
  readonly #owner: SharedStream<T>;
  readonly #limit: number;
  readonly #maxBytes: number;
  readonly #size?: (item: T) => number;
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => this.#end(this.#signal!.reason);
  #queue: (T | Overrun)[] = [];
  #items = 0;
  #bytes = 0;
  #gapSince?: number;
  #done = false;
  #error?: { reason: unknown };
  #wake?: () => void;
  readonly #resync?: () => T;

  /** Use {@link SharedStream.consumer}. */
  constructor(owner: SharedStream<T>, options: ConsumerOptions<T>, resync?: () => T) {
    const limit = options.limit ?? DEFAULT_SHARE_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    if (options.maxBytes !== undefined && !(options.maxBytes > 0)) {
      throw new RangeError(`maxBytes must be positive, got ${options.maxBytes}`);
    }
    this.#owner = owner;
    this.#resync = resync;
    this.#limit = limit;
    this.#maxBytes = options.maxBytes ?? Infinity;
    this.#size = options.size;
    this.#signal = options.signal;
    if (this.#signal?.aborted) this.#end(this.#signal.reason);
    else this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Undelivered items in the queue (markers not counted). */
  get queued(): number {
    return this.#items;
  }

  /** Undelivered bytes in the queue, as `size` measures them (0 without `size`). */
  get queuedBytes(): number {
    return this.#bytes;
  }

  /**
   * Since when (`performance.now()` milliseconds) items have been dropped for
   * this consumer without its queue being read empty since, or `undefined`
   * while it keeps up. A server can drop a client that stays behind too long.
   */
  get droppingSince(): number | undefined {
    return this.#gapSince;
  }

  /** This consumer has ended (its stream is over or it left). */
  get done(): boolean {
    return this.#done && this.#queue.length === 0;
  }

  /**
   * Offers one shared item; returns false if it was dropped. Once the queue
   * is full, everything is dropped until the consumer has read its queue
   * empty: then it gets the marker (and `resync()`), so a consumer that
   * trickles along is behind once, not at every item. @internal
   */
  offer(item: T | Overrun): boolean {
    if (this.#done) return false;
    if (this.#gapSince === undefined) {
      const size = item instanceof Overrun ? 0 : (this.#size?.(item) ?? 0);
      const full = this.#items >= this.#limit || (this.#items > 0 && this.#bytes + size > this.#maxBytes);
      if (!full) {
        this.#push(item);
        this.#wake?.();
        return true;
      }
      this.#gapSince = performance.now();
    }
    this.stats.dropped++;
    return false;
  }

  #push(item: T | Overrun): void {
    this.#queue.push(item);
    if (item instanceof Overrun) return;
    this.#items++;
    this.#bytes += this.#size?.(item) ?? 0;
  }

  /** Gives a new consumer its first item (a late joiner's state so far). @internal */
  prime(item: T): void {
    this.#push(item);
  }

  /** Ends the stream for this consumer after what it holds; with `error`, that is thrown next. @internal */
  finish(error?: { reason: unknown }): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#wake?.();
  }

  /** Leaves now: the queue is emptied; with `reason`, the next `next()` rejects with it. */
  #end(reason?: unknown): void {
    this.#queue = [];
    this.#items = this.#bytes = 0;
    this.#gapSince = undefined;
    this.#done = true;
    this.#error = reason === undefined ? undefined : { reason };
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#wake?.();
    this.#owner.leave(this);
  }

  /**
   * The next item or marker; waits while the queue is empty.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, share } from "@nlts/netlink";
   * const sock = await NetlinkSocket.open("route", { groups: [1] });
   * const c = share(sock.notifications()).consumer();
   * const { value, done } = await c.next();
   * ```
   */
  async next(): Promise<IteratorResult<T | Overrun, undefined>> {
    for (;;) {
      const item = this.#queue.shift();
      if (item !== undefined) {
        if (!(item instanceof Overrun)) {
          this.#items--;
          this.#bytes -= this.#size?.(item) ?? 0;
        }
        this.stats.delivered++;
        return { value: item, done: false };
      }
      if (this.#gapSince !== undefined) {
        // Read empty after a gap (or the stream ended meanwhile): the marker
        // now, then the state so far, which includes every dropped item.
        this.#gapSince = undefined;
        this.stats.overruns++;
        if (this.#resync !== undefined && !this.#done) this.#push(this.#resync());
        this.stats.delivered++;
        return { value: new Overrun("queue"), done: false };
      }
      if (this.#done) {
        const error = this.#error;
        this.#error = undefined;
        if (error !== undefined) throw error.reason;
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  /**
   * Leaves the shared stream (what `break` calls); the others go on.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, share } from "@nlts/netlink";
   * const sock = await NetlinkSocket.open("route", { groups: [1] });
   * const c = share(sock.notifications()).consumer();
   * await c.return();
   * ```
   */
  return(): Promise<IteratorResult<T | Overrun, undefined>> {
    this.#end();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Itself: a consumer is iterated once. @example `for await (const item of consumer) console.log(item)` */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Leaves the shared stream (for `await using`). @example `await using c = shared.consumer()` */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}

/**
 * One source read once, its items handed to many consumers. Reading starts
 * at once and goes as fast as the source yields, whatever the consumers do:
 * each has a bounded queue and gets its own {@link Overrun} when it falls
 * behind. A consumer sees the items that arrive after it joined.
 *
 * The shared stream owns the source: {@link close} ends every consumer and
 * closes the source (its `close()` if it has one, e.g. a
 * `NotificationStream` or a `Watcher`, which also ends a read waiting for
 * the kernel; otherwise its iterator's `return()`). When the source ends,
 * every consumer ends after its queue; when it throws, every consumer
 * throws the same error after its queue.
 *
 * @example
 * ```ts
 * import { Overrun, share, subscribe } from "@nlts/netlink";
 * await using links = share(subscribe(["link"]), { limit: 256 });
 * const fast = links.consumer();
 * const slow = links.consumer({ limit: 16 }); // falls behind alone
 * for await (const event of fast) console.log(event instanceof Overrun ? "fell behind" : event.kind);
 * ```
 */
export class SharedStream<T> implements AsyncIterable<T | Overrun>, AsyncDisposable {
  /** Items read from the source (each decoded once, whatever the number of consumers). */
  readonly stats = { items: 0 };
  /** Resolves when the source has ended (or failed, or was closed). */
  readonly ended: Promise<void>;
  readonly #source: AsyncIterable<T | Overrun>;
  readonly #options: ShareOptions<T>;
  readonly #consumers = new Set<ShareConsumer<T>>();
  #iterator?: AsyncIterator<T | Overrun>;
  #closed = false;
  #end?: { reason: unknown };
  #joined = false;

  /** Use {@link share}. */
  constructor(source: AsyncIterable<T | Overrun>, options: ShareOptions<T> = {}) {
    this.#source = source;
    this.#options = options;
    this.ended = this.#pump();
  }

  /** Consumers currently attached. */
  get consumers(): number {
    return this.#consumers.size;
  }

  async #pump(): Promise<void> {
    let failure: { reason: unknown } | undefined;
    try {
      this.#iterator = this.#source[Symbol.asyncIterator]();
      while (!this.#closed) {
        const next = await this.#iterator.next();
        if (next.done || this.#closed) break;
        const item = next.value;
        if (!(item instanceof Overrun)) this.stats.items++;
        if (this.#options.observe?.(item) === false) continue;
        for (const consumer of this.#consumers) consumer.offer(item);
      }
    } catch (reason) {
      if (!this.#closed) failure = { reason };
    } finally {
      this.#closed = true;
      this.#end = failure;
      for (const consumer of this.#consumers) consumer.finish(failure);
      this.#consumers.clear();
    }
  }

  /**
   * A new consumer with a queue of its own (the stream's defaults, or these).
   * After the source has ended it is an ended consumer.
   *
   * @example
   * ```ts
   * import { share, subscribe } from "@nlts/netlink";
   * const shared = share(subscribe(["link"]));
   * const controller = new AbortController();
   * const c = shared.consumer({ limit: 64, signal: controller.signal });
   * ```
   */
  consumer(options: ConsumerOptions<T> = {}): ShareConsumer<T> {
    const { limit, maxBytes, size } = this.#options;
    const consumer = new ShareConsumer<T>(this, { limit, maxBytes, size, ...options }, this.#options.resync);
    if (this.#closed) {
      consumer.finish(this.#end);
      return consumer;
    }
    if (consumer.done) return consumer; // its signal was already aborted
    if (this.#options.resync !== undefined && this.stats.items > 0) consumer.prime(this.#options.resync());
    this.#consumers.add(consumer);
    this.#joined = true;
    return consumer;
  }

  /** A consumer left. @internal */
  leave(consumer: ShareConsumer<T>): void {
    if (!this.#consumers.delete(consumer)) return;
    if (this.#options.closeWhenIdle && this.#joined && this.#consumers.size === 0) void this.close();
  }

  /**
   * Ends every consumer (after what each still holds) and closes the source.
   *
   * @example
   * ```ts
   * import { share, subscribe } from "@nlts/netlink";
   * const shared = share(subscribe(["link"]));
   * await shared.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const consumer of this.#consumers) consumer.finish();
      this.#consumers.clear();
      const source = this.#source as { close?: () => unknown };
      if (typeof source.close === "function") {
        try {
          await source.close();
        } catch { /* closing a failed source */ }
        await this.ended;
      } else {
        // A generator waiting for its next item runs `return()` only once
        // that item comes; the consumers have ended already.
        void this.#iterator?.return?.()?.then(undefined, () => {});
      }
    }
  }

  /** A new consumer with the default bounds, so a `SharedStream` can be iterated directly by each reader. @example `for await (const item of shared) console.log(item)` */
  [Symbol.asyncIterator](): ShareConsumer<T> {
    return this.consumer();
  }

  /** Closes the stream and its source (for `await using`). @example `await using shared = share(subscribe(["link"]))` */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Shares one stream among many consumers: see {@link SharedStream}.
 *
 * @example
 * ```ts
 * import { share, subscribe } from "@nlts/netlink";
 * await using events = share(subscribe(["link", "ipv4_ifaddr"]), { limit: 512, closeWhenIdle: true });
 * const a = events.consumer(), b = events.consumer({ limit: 32 });
 * ```
 */
export function share<T>(source: AsyncIterable<T | Overrun>, options: ShareOptions<T> = {}): SharedStream<T> {
  return new SharedStream(source, options);
}
