/**
 * `shareWatch()`: one {@link Watcher} (two sockets, each event decoded
 * once) for many consumers, each of which can always rebuild its state.
 *
 * @module
 */
import { share, type SharedStream, type ShareOptions } from "../socket/share.ts";
import { Overrun } from "../wire/errors.ts";
import type { WatchEvent } from "./watch.ts";

/** What {@link shareWatch} needs of a watch: its items and the identity of an object (a `Watcher` has both). */
export interface KeyedWatch<T> extends AsyncIterable<WatchEvent<T> | Overrun> {
  /** The identity of an object, as the deltas' `key`. */
  key(item: T): string;
}

/**
 * Shares a watch among many consumers. Besides the watch's own items, the
 * shared stream keeps the current view, so that:
 *
 * - a consumer that joins after the first snapshot starts with a snapshot
 *   of the view as it is, then gets the deltas from there;
 * - a consumer that falls behind its queue gets an `Overrun` where its gap
 *   starts, then a fresh snapshot, then the deltas from there: applying the
 *   snapshot (replace) and the deltas (set or delete by key) always gives
 *   the kernel's table, however slow the consumer.
 *
 * An `Overrun` a consumer sees is its own and is always followed by a
 * snapshot: the watch's own losses are not passed on, since the watch
 * recovers from them by itself (re-dump, then deltas). Consumers that resync
 * at the same point get the same snapshot object, so a server can serialise
 * it once (e.g. through a `WeakMap` cache).
 *
 * @example
 * ```ts
 * import { Overrun, shareWatch, watch } from "@nlts/netlink";
 * await using links = shareWatch(watch("link"), { limit: 256 });
 * const view = new Map();
 * for await (const e of links.consumer()) {
 *   if (e instanceof Overrun) continue; // a fresh snapshot follows
 *   if (e.type === "snapshot") {
 *     view.clear();
 *     for (const link of e.items) view.set(String(link.index), link);
 *   } else if (e.type === "added" || e.type === "changed") view.set(e.key, e.item);
 *   else if (e.type === "removed") view.delete(e.key);
 * }
 * ```
 */
export function shareWatch<T>(
  watcher: KeyedWatch<T>,
  options: Omit<ShareOptions<WatchEvent<T>>, "observe" | "resync"> = {},
): SharedStream<WatchEvent<T>> {
  let view: Map<string, T> | undefined;
  let snapshot: WatchEvent<T> | undefined; // of the current view, made at most once per change
  const observe = (e: WatchEvent<T> | Overrun) => {
    // The watch's own losses: it re-dumps and yields the differences itself, so consumers need no
    // marker, and an Overrun a consumer sees is always its own, followed by a snapshot.
    if (e instanceof Overrun) return false;
    if (e.type === "snapshot") view = new Map(e.items.map((item) => [watcher.key(item), item]));
    else if (e.type === "added" || e.type === "changed") view?.set(e.key, e.item);
    else if (e.type === "removed") view?.delete(e.key);
    else return; // "resync": a summary, no change
    snapshot = e.type === "snapshot" ? e : undefined;
  };
  const resync = (): WatchEvent<T> => (snapshot ??= { type: "snapshot", items: [...(view?.values() ?? [])] });
  return share(watcher, { ...options, observe, resync });
}
