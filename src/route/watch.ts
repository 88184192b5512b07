/**
 * `watch()`: a live, always-converging view of links, addresses, routes or
 * neighbours. It yields a snapshot (the full set, from a dump) and then
 * deltas (`added`/`changed`/`removed`), keeping the current view in a `Map`
 * keyed by each object's identity.
 *
 * Nothing falls between the list and the watch: the event socket joins its
 * groups before the dump starts, so every change made after the dump began
 * also arrives as an event. Lost events are never silent either: when the
 * event socket overruns (ENOBUFS, or the in-memory queue limit), the watcher
 * dumps again and emits the differences between the new dump and its view,
 * so a consumer applying the deltas always ends up with the kernel's table.
 *
 * @module
 */
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Flags } from "../wire/constants.ts";
import { Overrun } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import { RTM, rtmName, RTNLGRP } from "./constants.ts";
import { type Address, decodeAddress } from "./address.ts";
import { decodeLink, type Link } from "./link.ts";
import { decodeNeighbour, encodeNeighbourDump, type Neighbour } from "./neighbour.ts";
import { decodeRoute, encodeGetRoutes, type Route } from "./route.ts";

/** What {@link watch} can follow. */
export type WatchKind = "link" | "address" | "route" | "neighbour";

/** The object type of each {@link WatchKind}. */
export interface WatchObjects {
  /** Links, keyed by index. */
  link: Link;
  /** Addresses, keyed by family, index, address and prefix length. */
  address: Address;
  /** Routes, keyed by table, family, destination, TOS and metric. */
  route: Route;
  /** Neighbours, keyed by family, index and destination. */
  neighbour: Neighbour;
}

/**
 * One item of a watch: the initial `snapshot`, then one delta per change.
 * After an overrun the watcher re-dumps, yields the differences as deltas,
 * then a `resync` item that counts them.
 */
export type WatchEvent<T> =
  | { type: "snapshot"; items: T[] }
  | { type: "added"; key: string; item: T }
  | { type: "changed"; key: string; item: T; previous: T }
  | { type: "removed"; key: string; item: T }
  | { type: "resync"; reason: "kernel" | "queue" | "link"; added: number; changed: number; removed: number };

/** Options of {@link watch}. */
export interface WatchOptions {
  /** Watch in this network namespace (name, path, fd or `{ pid }`). */
  netns?: NetnsTarget;
  /** Ends the watch: the iteration throws the signal's reason and both sockets close. */
  signal?: AbortSignal;
  /** Kernel receive buffer of the event socket in bytes (small ones overrun sooner; overruns are recovered). */
  rcvbuf?: number;
  /** Only this address family (addresses, routes, neighbours); default both. */
  family?: "inet" | "inet6";
  /** Attempts of a dump the kernel reports interrupted (NLM_F_DUMP_INTR) before giving up. Default 20. */
  retry?: number;
  /** Most undelivered events held in memory before it counts as an overrun. */
  queueLimit?: number;
}

/** What a watcher has done so far. */
export interface WatchStats {
  /** Notifications received and applied. */
  events: number;
  /** Overruns seen on the event socket. */
  overruns: number;
  /** Dumps taken after the snapshot (overruns and link-loss triggers). */
  resyncs: number;
}

/** Identity of a link in a view: its index. @example `linkKey(link) // "3"` */
export function linkKey(link: Link): string {
  return String(link.index);
}

/** Identity of an address: family, index, local address (and peer), prefix length. @example `addressKey(a) // "inet 2 10.0.0.1/24"` */
export function addressKey(a: Address): string {
  const local = a.local ?? a.address ?? "";
  const peer = a.address !== undefined && a.address !== local ? ` peer ${a.address}` : "";
  return `${a.family} ${a.index} ${local}/${a.prefixLength}${peer}`;
}

/**
 * Identity of a route: table, family, destination/length, TOS and metric.
 * IPv6 also keeps routes to one prefix through different interfaces and
 * gateways apart (the kernel does), so for IPv6 the source prefix, output
 * interface and gateway of a single-path route are part of the key.
 *
 * @example
 * ```ts
 * import { routeKey } from "./watch.ts";
 * // "254 inet 10.1.0.0/16 tos 0 metric 0"
 * ```
 */
export function routeKey(r: Route): string {
  const dst = r.dst === undefined ? `default/${r.dstLength}` : `${r.dst}/${r.dstLength}`;
  let key = `${r.table} ${r.family} ${dst} tos ${r.tos} metric ${r.priority ?? 0}`;
  if (r.family === "inet6") {
    if (r.src !== undefined) key += ` from ${r.src}/${r.srcLength}`;
    if (r.multipath === undefined) key += ` dev ${r.oif ?? 0} via ${r.gateway ?? ""}`;
  }
  return key;
}

/** Identity of a neighbour: family, index, destination (bridge FDB entries: address and VLAN). @example `neighbourKey(n) // "inet 2 10.0.0.9"` */
export function neighbourKey(n: Neighbour): string {
  const fdb = n.family === "bridge" ? ` ${n.lladdr ?? ""} vlan ${n.vlan ?? 0}` : "";
  return `${n.family} ${n.index} ${n.dst ?? ""}${fdb}`;
}

interface KindSpec<T> {
  groups(family?: "inet" | "inet6"): number[];
  dumpRequest(family?: "inet" | "inet6"): Uint8Array;
  newType: number;
  delType: number;
  decode(msg: NetlinkMessage): T;
  /** Keeps only the objects the view holds (family, flavour). */
  accept(item: T, family?: "inet" | "inet6"): boolean;
  key(item: T): string;
  /** Objects of the kind the view leaves out (a change into such a state removes the object). */
  hidden?(item: T): boolean;
  /** Fields left out when deciding whether an object changed (counters, timestamps). */
  volatile: ReadonlySet<string>;
}

const NUD_NOARP = 0x40;

const familyOk = (f: unknown, want?: "inet" | "inet6") =>
  want === undefined ? f === "inet" || f === "inet6" : f === want;

const KINDS: { [K in WatchKind]: KindSpec<WatchObjects[K]> } = {
  link: {
    groups: () => [RTNLGRP.LINK],
    dumpRequest() {
      const w = new MessageWriter(RTM.GETLINK, Flags.DUMP);
      w.struct(16); // struct ifinfomsg, AF_UNSPEC
      return w.finish();
    },
    newType: RTM.NEWLINK,
    delType: RTM.DELLINK,
    decode: decodeLink,
    // Bridge ports also send RTM_NEWLINK/DELLINK with family AF_BRIDGE: those
    // are port states, not the link itself.
    accept: (l) => l.family === 0,
    key: linkKey,
    volatile: new Set(["stats64", "change", "event", "unknown"]),
  },
  address: {
    groups: (f) =>
      f === "inet"
        ? [RTNLGRP.IPV4_IFADDR]
        : f === "inet6"
        ? [RTNLGRP.IPV6_IFADDR]
        : [RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_IFADDR],
    dumpRequest(f) {
      const w = new MessageWriter(RTM.GETADDR, Flags.DUMP);
      w.struct(8).setUint8(0, f === "inet" ? 2 : f === "inet6" ? 10 : 0); // struct ifaddrmsg
      return w.finish();
    },
    newType: RTM.NEWADDR,
    delType: RTM.DELADDR,
    decode: decodeAddress,
    accept: (a, f) => familyOk(a.family, f),
    key: addressKey,
    volatile: new Set(["cacheInfo", "validLifetime", "preferredLifetime"]),
  },
  route: {
    // Links too: the kernel drops IPv4 routes through a link that goes down
    // or away without a notification, so such a link event triggers a re-dump.
    groups: (f) => [
      RTNLGRP.LINK,
      ...(f === "inet6" ? [] : [RTNLGRP.IPV4_ROUTE]),
      ...(f === "inet" ? [] : [RTNLGRP.IPV6_ROUTE]),
    ],
    dumpRequest: (f) => encodeGetRoutes({ table: "all", family: f }),
    newType: RTM.NEWROUTE,
    delType: RTM.DELROUTE,
    decode: decodeRoute,
    // Cached clones (PMTU exceptions) are not routes of the FIB.
    accept: (r, f) => familyOk(r.family, f) && !r.flags.includes("cloned"),
    key: routeKey,
    volatile: new Set(["cacheInfo", "expires"]),
  },
  neighbour: {
    groups: () => [RTNLGRP.NEIGH],
    dumpRequest: (f) => encodeNeighbourDump({ family: f }),
    newType: RTM.NEWNEIGH,
    delType: RTM.DELNEIGH,
    decode: decodeNeighbour,
    // The dump holds the ARP/NDP caches, not proxy entries or the bridge FDB.
    accept: (n, f) => familyOk(n.family, f) && !n.flags.includes("proxy"),
    // As `ip neigh show`: no NOARP (multicast, broadcast) or NONE entries.
    // The kernel creates those without telling anyone.
    hidden: (n) => (n.stateBits & ~NUD_NOARP) === 0,
    key: neighbourKey,
    volatile: new Set(["cacheInfo", "probes"]),
  },
};

function fingerprint(item: unknown, volatile: ReadonlySet<string>): string {
  return JSON.stringify(item, (k, v) => {
    if (volatile.has(k)) return undefined;
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) return Array.from(v).join(",");
    return v;
  });
}

/**
 * A running watch: iterate it once for the snapshot and the deltas; read
 * {@link view} at any time for the current table. Closing it (or `break`,
 * or the signal) closes both of its sockets.
 *
 * @example
 * ```ts
 * import { watch } from "@nlts/netlink";
 * await using w = watch("address", { family: "inet" });
 * for await (const e of w) {
 *   if (e.type === "snapshot") console.log(e.items.length, "addresses");
 *   else if (e.type !== "resync") console.log(e.type, e.key);
 *   console.log(w.view.size);
 * }
 * ```
 */
export class Watcher<K extends WatchKind> implements AsyncIterable<WatchEvent<WatchObjects[K]>>, AsyncDisposable {
  /** What is watched. */
  readonly kind: K;
  /** Counters of events, overruns and re-dumps. */
  readonly stats: WatchStats = { events: 0, overruns: 0, resyncs: 0 };
  readonly #spec: KindSpec<WatchObjects[K]>;
  readonly #options: WatchOptions;
  #view = new Map<string, WatchObjects[K]>();
  #events?: NetlinkSocket;
  #requests?: NetlinkSocket;
  #iterated = false;
  #closed = false;

  /** Use {@link watch}. */
  constructor(kind: K, options: WatchOptions = {}) {
    const spec = KINDS[kind] as unknown as KindSpec<WatchObjects[K]> | undefined;
    if (spec === undefined) {
      throw new TypeError(`cannot watch ${JSON.stringify(kind)}: link, address, route or neighbour`);
    }
    if (options.family !== undefined && options.family !== "inet" && options.family !== "inet6") {
      throw new TypeError(`family must be "inet" or "inet6", got ${JSON.stringify(options.family)}`);
    }
    if (kind === "link" && options.family !== undefined) throw new TypeError("links have no address family");
    this.kind = kind;
    this.#spec = spec;
    this.#options = options;
  }

  /** The current view, keyed by identity ({@link linkKey}, {@link addressKey}, {@link routeKey}, {@link neighbourKey}). */
  get view(): ReadonlyMap<string, WatchObjects[K]> {
    return this.#view;
  }

  /** The identity of an object of this kind. */
  key(item: WatchObjects[K]): string {
    return this.#spec.key(item);
  }

  async #dump(): Promise<Map<string, WatchObjects[K]>> {
    const spec = this.#spec;
    const { family, signal } = this.#options;
    const out = new Map<string, WatchObjects[K]>();
    const request = spec.dumpRequest(family);
    for await (const msg of this.#requests!.dump(request, { retry: this.#options.retry ?? 20, signal })) {
      if (msg.type !== spec.newType) continue;
      const item = spec.decode(msg);
      if (spec.accept(item, family) && !spec.hidden?.(item)) out.set(spec.key(item), item);
    }
    return out;
  }

  /** Re-dumps and returns the differences to the view (which it then replaces). */
  async #resync(): Promise<WatchEvent<WatchObjects[K]>[]> {
    this.stats.resyncs++;
    const fresh = await this.#dump();
    const old = this.#view;
    const volatile = this.#spec.volatile;
    const deltas: WatchEvent<WatchObjects[K]>[] = [];
    for (const [key, item] of old) if (!fresh.has(key)) deltas.push({ type: "removed", key, item });
    for (const [key, item] of fresh) {
      const previous = old.get(key);
      if (previous === undefined) deltas.push({ type: "added", key, item });
      else if (fingerprint(previous, volatile) !== fingerprint(item, volatile)) {
        deltas.push({ type: "changed", key, item, previous });
      }
    }
    this.#view = fresh;
    return deltas;
  }

  /** Applies one notification; returns the delta it makes, if any. */
  #apply(msg: NetlinkMessage): WatchEvent<WatchObjects[K]> | undefined {
    const spec = this.#spec;
    if (msg.type !== spec.newType && msg.type !== spec.delType) return undefined;
    const item = spec.decode(msg);
    if (!spec.accept(item, this.#options.family)) return undefined;
    this.stats.events++;
    const key = spec.key(item);
    const previous = this.#view.get(key);
    if (msg.type === spec.delType || spec.hidden?.(item)) {
      if (previous === undefined) return undefined;
      this.#view.delete(key);
      return { type: "removed", key, item: previous };
    }
    this.#view.set(key, item);
    if (previous === undefined) return { type: "added", key, item };
    if (fingerprint(previous, spec.volatile) === fingerprint(item, spec.volatile)) return undefined;
    return { type: "changed", key, item, previous };
  }

  /**
   * A link event after which the kernel may have dropped routes without a
   * notification: a link that routes in the view use went away or down.
   */
  #linkLoss(msg: NetlinkMessage): boolean {
    const link = decodeLink(msg);
    if (link.family !== 0) return false;
    if (msg.type === RTM.NEWLINK && (link.rawFlags & 1) /* IFF_UP */) return false;
    for (const item of this.#view.values()) {
      const r = item as Route;
      if (r.oif === link.index || r.multipath?.some((nh) => nh.ifindex === link.index)) return true;
    }
    return false;
  }

  /** Yields the snapshot, then the deltas; allowed once. */
  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<WatchObjects[K]>, void, undefined> {
    if (this.#iterated) throw new TypeError("a Watcher can be iterated only once");
    this.#iterated = true;
    const { netns, signal } = this.#options;
    try {
      signal?.throwIfAborted();
      this.#requests = await NetlinkSocket.open("route", { netns, describeType: rtmName });
      // The event socket is a member of its groups before the dump starts:
      // anything that changes during or after the dump is queued for it.
      let notes = await this.#subscribe();
      if (this.#closed) return;
      this.#view = await this.#dump();
      yield { type: "snapshot", items: [...this.#view.values()] };
      for (;;) {
        const next = await notes.next();
        if (next.done) break;
        const note = next.value;
        let reason: "kernel" | "queue" | "link" | undefined;
        if (note instanceof Overrun) {
          this.stats.overruns++;
          reason = note.where;
          // After an overrun the kernel keeps dropping this socket's
          // notifications, without reporting it again, until its queue has
          // been read empty; so start over on a fresh socket, joined before
          // the re-dump, and drop the old one with what it still holds.
          const old = this.#events!;
          notes = await this.#subscribe();
          await old.close();
          if (this.#closed) break;
        } else if (this.kind === "route" && (note.type === RTM.NEWLINK || note.type === RTM.DELLINK)) {
          if (this.#linkLoss(note)) reason = "link";
        } else {
          const delta = this.#apply(note);
          if (delta) yield delta;
          continue;
        }
        if (reason === undefined) continue;
        const deltas = await this.#resync();
        let added = 0, changed = 0, removed = 0;
        for (const d of deltas) {
          if (d.type === "added") added++;
          else if (d.type === "changed") changed++;
          else if (d.type === "removed") removed++;
          yield d;
        }
        yield { type: "resync", reason, added, changed, removed };
      }
      signal?.throwIfAborted();
    } catch (error) {
      // Closed under a dump: the watch simply ends, like the event stream.
      if (this.#closed && !signal?.aborted) return;
      throw error;
    } finally {
      await this.close();
    }
  }

  /** Opens the event socket, joined to the kind's groups, and starts reading it. */
  async #subscribe(): Promise<AsyncGenerator<ReceivedMessage | Overrun, void, undefined>> {
    const { netns, rcvbuf, signal, queueLimit, family } = this.#options;
    const sock = await NetlinkSocket.open("route", {
      netns,
      rcvbuf,
      groups: this.#spec.groups(family),
      describeType: rtmName,
    });
    this.#events = sock;
    if (this.#closed) await sock.close();
    return sock.notifications({ signal, queueLimit });
  }

  /** Closes both sockets; a running iteration ends. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#events?.close();
    await this.#requests?.close();
  }

  /** Closes the watcher (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Watches links, addresses, routes (every table) or neighbours (ARP/NDP):
 * a snapshot, then deltas, recovering from overruns by re-dumping. Read
 * `view` for the current table.
 *
 * @example
 * ```ts
 * import { watch } from "@nlts/netlink";
 * const w = watch("route", { netns: "blue", family: "inet" });
 * for await (const e of w) {
 *   if (e.type === "added") console.log("new route", e.item.dst, e.item.table);
 *   if (e.type === "resync") console.log("caught up after an overrun");
 * }
 * ```
 */
export function watch<K extends WatchKind>(kind: K, options: WatchOptions = {}): Watcher<K> {
  return new Watcher(kind, options);
}

/** Watches links (keyed by index). @example `for await (const e of watchLinks()) console.log(e.type)` */
export function watchLinks(options: Omit<WatchOptions, "family"> = {}): Watcher<"link"> {
  return new Watcher("link", options);
}

/** Watches addresses. @example `for await (const e of watchAddresses({ family: "inet6" })) console.log(e.type)` */
export function watchAddresses(options: WatchOptions = {}): Watcher<"address"> {
  return new Watcher("address", options);
}

/** Watches routes of every table. @example `for await (const e of watchRoutes({ netns: "blue" })) console.log(e.type)` */
export function watchRoutes(options: WatchOptions = {}): Watcher<"route"> {
  return new Watcher("route", options);
}

/** Watches the neighbour (ARP/NDP) tables, as `ip neigh show` lists them (no NOARP or NONE entries). @example `for await (const e of watchNeighbours()) console.log(e.type)` */
export function watchNeighbours(options: WatchOptions = {}): Watcher<"neighbour"> {
  return new Watcher("neighbour", options);
}
