/**
 * `NotificationStream`: a stream of decoded notifications on a socket of its
 * own, the shape every family's event stream shares.
 *
 * @module
 */
import type { Overrun } from "../wire/errors.ts";
import type { NetlinkSocket, NotificationOptions, ReceivedMessage } from "./socket.ts";

/** Options of {@link NotificationStream}. */
export interface NotificationStreamOptions extends NotificationOptions {
  /**
   * The signal also ends a stream nobody iterates: `ready` rejects with its
   * reason when it was aborted before the socket was set up, and an abort
   * while the stream is not being iterated closes the socket (a later
   * iteration then ends at once). Default false: the signal only ends the
   * iteration, as for {@link NetlinkSocket.notifications}.
   */
  closeOnAbort?: boolean;
}

/**
 * Turns a notification (or an {@link Overrun} marker) into a stream item, or
 * `undefined` to skip it.
 */
export type NotificationDecoder<T> = (item: ReceivedMessage | Overrun) => T | undefined;

/**
 * A stream of decoded notifications on a socket of its own. The socket is
 * opened at once by `open` (which also joins the groups); {@link ready}
 * resolves once that is done, so nothing sent afterwards is missed, even
 * before the iteration starts. Iterate it once: the socket closes when the
 * iteration ends (`break`, an error, the signal) or on {@link close}.
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
  /** Resolves once the socket is open and subscribed; rejects if that failed. */
  readonly ready: Promise<void>;
  readonly #decode: NotificationDecoder<T>;
  readonly #options: NotificationStreamOptions;
  #sock?: NetlinkSocket;
  #closed = false;
  #iterated = false;

  /**
   * Starts opening the socket with `open`; each notification goes through
   * `decode`, which may skip it by returning `undefined`.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NotificationStream, Overrun } from "@nlts/netlink";
   * const controller = new AbortController();
   * await using events = new NotificationStream(
   *   () => NetlinkSocket.open("route", { groups: [1] }),
   *   (item) => (item instanceof Overrun ? undefined : item), // losses skipped
   *   { signal: controller.signal, closeOnAbort: true },
   * );
   * await events.ready;
   * ```
   */
  constructor(
    open: () => Promise<NetlinkSocket>,
    decode: NotificationDecoder<T>,
    options: NotificationStreamOptions = {},
  ) {
    this.#decode = decode;
    this.#options = options;
    const signal = options.closeOnAbort ? options.signal : undefined;
    this.ready = (async () => {
      signal?.throwIfAborted();
      const sock = await open();
      if (this.#closed || signal?.aborted) {
        await sock.close();
        signal?.throwIfAborted();
        return;
      }
      this.#sock = sock;
      signal?.addEventListener("abort", () => {
        // Not iterating: nobody else would close it.
        if (!this.#iterated) void this.close();
      }, { once: true });
    })();
    // Failures surface through `ready` or the iteration; never as an unhandled rejection.
    this.ready.catch(() => {});
  }

  /**
   * Iterates the decoded items; allowed once.
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
      const sock = this.#sock;
      if (!sock || this.#closed) return;
      const { signal, overrun, queueLimit } = this.#options;
      for await (const item of sock.notifications({ signal, overrun, queueLimit })) {
        const decoded = this.#decode(item);
        if (decoded !== undefined) yield decoded;
      }
    } finally {
      await this.close();
    }
  }

  /**
   * Closes the socket; a running iteration ends.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NotificationStream } from "@nlts/netlink";
   * const stream = new NotificationStream(() => NetlinkSocket.open("route", { groups: [1] }), (item) => item);
   * await stream.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#sock?.close();
  }

  /** Closes the socket (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
