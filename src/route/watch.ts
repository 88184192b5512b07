/**
 * `watch()`: a live, always-converging view of links, addresses, routes,
 * neighbours, or traffic control's qdiscs, classes and filters. It yields
 * a snapshot (the full set, from a dump) and then deltas
 * (`added`/`changed`/`removed`), keeping the current view in a `Map`
 * keyed by each object's identity — the identity the kernel itself uses, so
 * two objects the kernel keeps apart are never collapsed into one entry.
 *
 * Nothing falls between the list and the watch: the event socket joins its
 * groups before the dump starts, so every change made after the dump began
 * also arrives as an event. Lost events are never silent either: when the
 * event socket overruns (ENOBUFS, or the in-memory queue limit), the watcher
 * dumps again and emits the differences between the new dump and its view,
 * so a consumer applying the deltas always ends up with the kernel's table.
 *
 * Some changes come with no notification at all: the kernel sets and clears
 * `linkdown`/`dead` on routes when a link's carrier or state changes, drops
 * IPv4 routes through a link that goes down, clears an IPv6 route's
 * preferred source when its address goes, and changes routes that use a
 * nexthop object when the object changes. The watcher follows link (and, for
 * routes, address and nexthop) events too, and when one can have changed
 * objects in its view it re-dumps — once per burst: it waits until the event
 * socket has been quiet for 20 ms (at most 200 ms, or four times as long as
 * the last re-dump took, so re-dumps of a large table during a long burst
 * cost at most a fifth of the time) — and yields only the differences.
 *
 * @module
 */
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Flags } from "../wire/constants.ts";
import { DumpInterruptedError, Overrun, ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import { RTM, rtmName, RTNLGRP } from "./constants.ts";
import { type Address, decodeAddress } from "./address.ts";
import { decodeLink, type Link, linkAttrs } from "./link.ts";
import { decodeAttrsAt, defineAttrSet } from "../wire/schema.ts";
import { decodeNeighbour, encodeNeighbourDump, type Neighbour } from "./neighbour.ts";
import { decodeRoute, encodeGetRoutes, type Route, RouteFlag, type RouteFlagName, type RouteNexthop } from "./route.ts";
import { withJsonIfNeeded } from "../wire/json.ts";
import type { Filter, Qdisc, TcClass } from "../tc/tc.ts";
import { CLASS_WATCH, FILTER_WATCH, QDISC_WATCH } from "../tc/watch.ts";
import { u32At } from "../wire/values.ts";
import { decodeNetconf, encodeNetconfDump, mergeNetconf, type Netconf, netconfKey } from "./netconf.ts";

/** What {@link watch} can follow. */
export type WatchKind = "link" | "address" | "route" | "neighbour" | "netconf" | "qdisc" | "class" | "filter";

/** The object type of each {@link WatchKind}. */
export interface WatchObjects {
  /** Links, keyed by index. */
  link: Link;
  /** Addresses, keyed as the kernel tells them apart ({@link addressKey}). */
  address: Address;
  /** Routes, keyed as the kernel tells them apart ({@link routeKey}); IPv6 ECMP siblings are one route each. */
  route: Route;
  /** Neighbours, keyed by family, index and destination. */
  neighbour: Neighbour;
  /** Per-device IP settings, keyed by family and index ({@link netconfKey}); each change merged into its entry. */
  netconf: Netconf;
  /** Qdiscs, keyed by device and handle (`qdiscKey` of `@nlts/netlink/tc`). */
  qdisc: Qdisc;
  /** Classes, keyed by device and class id (`classKey`). */
  class: TcClass;
  /** Filters, keyed by device, block, chain, priority and handle (`filterKey`). */
  filter: Filter;
}

/**
 * Why a watcher re-dumped: an overrun of the kernel's socket buffer or of
 * the in-memory queue; a link whose state changed (carrier, operstate, up,
 * MTU) or that went away while objects in the view use it; an address that
 * routes in the view name as their preferred source went away; a nexthop
 * object changed while routes in the view use nexthop objects; an
 * `NLM_F_REPLACE` route notification that cannot say which of several
 * routes it replaced; or a traffic control change whose consequences the
 * kernel does not announce (a default qdisc attached, `mq`'s children, a
 * classifier's own entry); a netconf change for an entry the view does not
 * hold, which the kernel describes in part.
 */
export type ResyncReason = "kernel" | "queue" | "link" | "address" | "nexthop" | "replace" | "tc" | "netconf";

/**
 * One item of a watch: the initial `snapshot`, then one delta per change.
 * After a re-dump the watcher yields the differences as deltas, then a
 * `resync` item that counts them.
 */
export type WatchEvent<T> =
  | { type: "snapshot"; items: T[] }
  | { type: "added"; key: string; item: T }
  | { type: "changed"; key: string; item: T; previous: T }
  | { type: "removed"; key: string; item: T }
  | { type: "resync"; reason: ResyncReason; added: number; changed: number; removed: number };

/** Options of {@link watch}. */
export interface WatchOptions {
  /** Watch in this network namespace (name, path, fd or `{ pid }`). */
  netns?: NetnsTarget;
  /** Ends the watch: the iteration throws the signal's reason and both sockets close. */
  signal?: AbortSignal;
  /** Kernel receive buffer of the event socket in bytes (small ones overrun sooner; overruns are recovered). */
  rcvbuf?: number;
  /** Only this address family (addresses, routes, neighbours, netconf); default both. */
  family?: "inet" | "inet6";
  /**
   * Immediate attempts of a dump the kernel reports interrupted (NLM_F_DUMP_INTR). Default 20. After
   * those the watcher keeps trying, waiting a little longer each time (up to 250 ms), until it is closed.
   */
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
  /** Dumps taken after the snapshot (overruns and the triggers of {@link ResyncReason}). */
  resyncs: number;
}

/**
 * How long the event socket must stay quiet after a trigger before the
 * re-dump, in milliseconds: a burst of link changes costs one dump.
 */
const SETTLE_MS = 20;
/**
 * The longest a re-dump waits for quiet after its first trigger, in
 * milliseconds, unless the last re-dump took longer than a quarter of it.
 */
const MAX_DELAY_MS = 200;

/** Identity of a link in a view: its index. @example `linkKey(link) // "3"` */
export function linkKey(link: Link): string {
  return String(link.index);
}

/**
 * Identity of an address, as the kernel tells addresses apart. IPv4: family,
 * index, local address, prefix length (and the peer, for point-to-point
 * addresses): the same local address with another prefix length is another
 * address. IPv6: family, index and address — the kernel refuses a second
 * prefix length for an address a link already has.
 *
 * @example
 * ```ts
 * import { addressKey } from "./watch.ts";
 * // "inet 2 10.0.0.1/24", "inet6 2 2001:db8::1"
 * ```
 */
export function addressKey(a: Address): string {
  const local = a.local ?? a.address ?? "";
  if (a.family === "inet6") return `${a.family} ${a.index} ${local}`;
  const peer = a.address !== undefined && a.address !== local ? ` peer ${a.address}` : "";
  return `${a.family} ${a.index} ${local}/${a.prefixLength}${peer}`;
}

// Nexthop flags that are part of a route's identity; the others (dead,
// linkdown, offload, trap…) the kernel sets and clears on a route in place.
const STABLE_FLAGS = new Set(["onlink", "pervasive"]);

function stableFlags(flags: readonly string[]): string {
  const kept = flags.filter((f) => STABLE_FLAGS.has(f));
  return kept.length === 0 ? "" : ` ${kept.sort().join(",")}`;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function encapKey(e: { type: number; data: Uint8Array } | undefined): string {
  return e === undefined ? "" : ` encap ${e.type}:${hex(e.data)}`;
}

function pathKey(nh: RouteNexthop): string {
  return `nexthop via ${nh.gateway ?? "-"} dev ${nh.ifindex} weight ${nh.weight}` +
    `${nh.flow === undefined ? "" : ` realm ${nh.flow}`}${stableFlags(nh.flags)}${encapKey(nh.encap)}`;
}

function prefix(addr: string | undefined, length: number): string {
  return `${addr ?? "any"}/${length}`;
}

/**
 * Identity of a route, as the kernel tells routes apart.
 *
 * IPv4 (a FIB alias): table, destination, TOS, metric, type and everything
 * of its `fib_info` — protocol, scope, preferred source, metrics and the
 * paths (the nexthop object id, or each path's gateway, device, weight,
 * realm and `onlink`, in order). `ip route append` of a second route to a
 * prefix through another gateway, or the broadcast routes of two links in
 * one subnet, are two routes.
 *
 * IPv6 (a `fib6_info`): table, destination, source prefix, metric, and the
 * nexthop object id or the device, gateway and encapsulation. Members of an
 * ECMP route are separate routes in the kernel (and in its delete
 * notifications), so the watcher keeps each sibling as a single-path route
 * (its `oif`, `gateway` and flags; a sibling's weight is not shown).
 *
 * Flags the kernel changes in place (`linkdown`, `dead`, `offload`…) are not
 * part of the identity: such a change is a `changed` delta.
 *
 * @example
 * ```ts
 * import { routeKey } from "./watch.ts";
 * // "254 inet6 2001:db8::/64 from any/0 metric 1024 dev 3 via fe80::1"
 * ```
 */
export function routeKey(r: Route): string {
  if (r.family === "inet6") {
    let key = `${r.table} inet6 ${prefix(r.dst, r.dstLength)} from ${prefix(r.src, r.srcLength)} ` +
      `metric ${r.priority ?? 0}`;
    if (r.nexthopId !== undefined) key += ` nhid ${r.nexthopId}`;
    else if (r.multipath !== undefined) key += ` ${r.multipath.map(pathKey).sort().join(" ")}`;
    else key += ` dev ${r.oif ?? 0} via ${r.gateway ?? "-"}${encapKey(r.encap)}`;
    return key;
  }
  let key = `${r.table} ${r.family} ${prefix(r.dst, r.dstLength)} tos ${r.tos} metric ${r.priority ?? 0} ` +
    `${r.type} proto ${r.protocol} scope ${r.scope} src ${r.prefsrc ?? "-"}${stableFlags(r.flags)}`;
  // A nexthop object stands for its paths, which can change under it.
  if (r.nexthopId !== undefined) key += ` nhid ${r.nexthopId}`;
  else if (r.multipath !== undefined) key += ` ${r.multipath.map(pathKey).join(" ")}`;
  else {
    key += ` dev ${r.oif ?? 0} via ${r.gateway ?? "-"}${r.flow === undefined ? "" : ` realm ${r.flow}`}` +
      encapKey(r.encap);
  }
  if (r.metrics !== undefined) key += ` metrics ${fingerprint(r.metrics, NOTHING)}`;
  return key;
}

/** Identity of a neighbour: family, index, destination (bridge FDB entries: address and VLAN). @example `neighbourKey(n) // "inet 2 10.0.0.9"` */
export function neighbourKey(n: Neighbour): string {
  const fdb = n.family === "bridge" ? ` ${n.lladdr ?? ""} vlan ${n.vlan ?? 0}` : "";
  return `${n.family} ${n.index} ${n.dst ?? ""}${fdb}`;
}

const FLAG_ORDER = Object.keys(RouteFlag) as RouteFlagName[];

/**
 * The routes the kernel has behind one route message: an IPv6 route with
 * `RTA_MULTIPATH` (and no nexthop object) is one `fib6_info` per path, each
 * shown here as the single-path route the kernel shows once it is alone.
 */
function routeSiblings(r: Route): Route[] {
  if (r.family !== "inet6" || r.multipath === undefined || r.nexthopId !== undefined) return [r];
  return r.multipath.map((nh) => {
    const { multipath: _, ...rest } = r;
    // Its flags as the kernel shows a single-path route's: the route's and its path's, in bit order.
    const flags = FLAG_ORDER.filter((f) => r.flags.includes(f) || nh.flags.includes(f));
    const single: Route = { ...rest, oif: nh.ifindex, flags };
    if (nh.gateway !== undefined) single.gateway = nh.gateway;
    if (nh.viaFamily !== undefined) single.viaFamily = nh.viaFamily;
    if (nh.flow !== undefined) single.flow = nh.flow;
    if (nh.encap !== undefined) single.encap = nh.encap;
    return withJsonIfNeeded(single);
  });
}

/** The routes an `NLM_F_REPLACE` of `r` may have replaced share this with it. */
function routeSlot(r: Route): string {
  return r.family === "inet6"
    ? `${r.table} inet6 ${prefix(r.dst, r.dstLength)} from ${prefix(r.src, r.srcLength)} metric ${r.priority ?? 0}`
    : `${r.table} ${r.family} ${prefix(r.dst, r.dstLength)} tos ${r.tos} metric ${r.priority ?? 0}`;
}

/** An IPv6 route the kernel joins into an ECMP group (`rt6_qualify_for_ecmp`). */
function ecmpCapable(r: Route): boolean {
  return r.gateway !== undefined && r.nexthopId === undefined && r.protocol !== "ra";
}

/**
 * What a notification does beyond its own object (internal): the keys of
 * objects the kernel removed with it silently, and whether the view must be
 * re-read because the kernel's result cannot be told from it.
 */
export interface SideEffects {
  /** Keys to remove from the view (each a `removed` delta). */
  drop: string[];
  /** Re-read the view, once the burst is over. */
  resync?: boolean;
}

/** How a kind is dumped, keyed and followed (internal; one per {@link WatchKind}). */
export interface KindSpec<T> {
  groups(family?: "inet" | "inet6"): number[];
  dumpRequest(family?: "inet" | "inet6"): Uint8Array;
  newType: number;
  delType: number;
  decode(msg: NetlinkMessage): T;
  /** The kernel objects one message stands for (default: itself). */
  expand?(item: T): T[];
  /** Keeps only the objects the view holds (family, flavour). */
  accept(item: T, family?: "inet" | "inet6"): boolean;
  key(item: T): string;
  /** Objects of the kind the view leaves out (a change into such a state removes the object). */
  hidden?(item: T): boolean;
  /**
   * For a kind whose notifications carry part of an object (netconf: the
   * setting that changed): the object made of the view's and the
   * notification's, or undefined when the view has none to complete (the
   * view is then re-read).
   */
  merge?(previous: T | undefined, item: T): T | undefined;
  /** Fields left out when deciding whether an object changed (counters, timestamps). */
  volatile: ReadonlySet<string>;
  /**
   * What an object depends on that can change it without a notification of
   * its own: `link N` (state changes of link N re-read the view), `src A`
   * (address A going away), `nh` (nexthop objects changing).
   */
  dependsOn?(item: T): string[];
  /** A state change of any link re-reads the view (it can create objects of links the view has none of). */
  anyLink?: boolean;
  /** Dumps in several requests (by default the one of `dumpRequest`); `dump` is one consistent dump. */
  dumpAll?(dump: (request: Uint8Array) => Promise<NetlinkMessage[]>): Promise<NetlinkMessage[]>;
  /**
   * What a notification (of the kind, with its object, or of another kind on
   * the event socket) does that the kernel does not announce; called before
   * the object itself is applied.
   */
  sideEffects?(msg: NetlinkMessage, view: ViewIndex<T>, own?: T): SideEffects;
  /** The groups an object belongs to, for {@link ViewIndex.members} (tc: its device, its classifier). */
  groupsOf?(item: T): string[];
}

/** The view, as {@link KindSpec.sideEffects} reads it (internal). */
export interface ViewIndex<T> {
  /** The objects by key. */
  readonly items: ReadonlyMap<string, T>;
  /** The keys of the objects in a group of {@link KindSpec.groupsOf} (empty if none). */
  members(group: string): ReadonlySet<string>;
}

const EMPTY: ReadonlySet<string> = new Set();

/** The kinds whose objects have an address family to choose. */
const FAMILY_KINDS: ReadonlySet<string> = new Set(["address", "route", "neighbour", "netconf"]);

const NUD_NOARP = 0x40;

/** No fields (of a key's fingerprint, of a kind's volatile ones). */
const NOTHING: ReadonlySet<string> = new Set();

const familyOk = (f: unknown, want?: "inet" | "inet6") =>
  want === undefined ? f === "inet" || f === "inet6" : f === want;

const KINDS: { [K in WatchKind]: KindSpec<WatchObjects[K]> } = {
  link: {
    groups: () => [RTNLGRP.LINK],
    dumpRequest: linkDumpRequest,
    newType: RTM.NEWLINK,
    delType: RTM.DELLINK,
    decode: (msg) => decodeLink(msg),
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
    decode: (msg) => decodeAddress(msg),
    accept: (a, f) => familyOk(a.family, f),
    key: addressKey,
    volatile: new Set(["cacheInfo", "validLifetime", "preferredLifetime"]),
    dependsOn: (a) => [`link ${a.index}`],
  },
  route: {
    groups: (f) => [
      ...(f === "inet6" ? [] : [RTNLGRP.IPV4_ROUTE, RTNLGRP.IPV4_IFADDR]),
      ...(f === "inet" ? [] : [RTNLGRP.IPV6_ROUTE, RTNLGRP.IPV6_IFADDR]),
      RTNLGRP.NEXTHOP,
    ],
    dumpRequest: (f) => encodeGetRoutes({ table: "all", family: f }),
    newType: RTM.NEWROUTE,
    delType: RTM.DELROUTE,
    decode: (msg) => decodeRoute(msg),
    expand: routeSiblings,
    // Cached clones (PMTU exceptions) are not routes of the FIB.
    accept: (r, f) => familyOk(r.family, f) && !r.flags.includes("cloned"),
    key: routeKey,
    volatile: new Set(["cacheInfo", "expires"]),
    dependsOn(r) {
      const deps = r.multipath?.map((nh) => `link ${nh.ifindex}`) ?? [];
      if (r.oif !== undefined) deps.push(`link ${r.oif}`);
      if (r.prefsrc !== undefined) deps.push(`src ${r.prefsrc}`);
      if (r.nexthopId !== undefined) deps.push("nh");
      return deps;
    },
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
    dependsOn: (n) => [`link ${n.index}`],
  },
  netconf: {
    groups: (f) =>
      f === "inet"
        ? [RTNLGRP.IPV4_NETCONF]
        : f === "inet6"
        ? [RTNLGRP.IPV6_NETCONF]
        : [RTNLGRP.IPV4_NETCONF, RTNLGRP.IPV6_NETCONF],
    dumpRequest: encodeNetconfDump,
    newType: RTM.NEWNETCONF,
    delType: RTM.DELNETCONF,
    decode: decodeNetconf,
    accept: (c, f) => familyOk(c.family, f),
    key: netconfKey,
    volatile: NOTHING,
    merge: mergeNetconf,
  },
  qdisc: QDISC_WATCH,
  class: CLASS_WATCH,
  filter: FILTER_WATCH,
};

function linkDumpRequest(): Uint8Array {
  const w = new MessageWriter(RTM.GETLINK, Flags.DUMP);
  w.struct(16); // struct ifinfomsg, AF_UNSPEC
  return w.finish();
}

const IFF_UP = 0x1, IFF_RUNNING = 0x40, IFF_LOWER_UP = 0x10000, IFF_DORMANT = 0x20000;

const IFINFOMSG_LEN = 16;

/**
 * The two attributes of a link's state that are not in its header, read
 * through the schema with every other attribute passed over (no copy, no
 * view: a link event carries ~40 attributes this does not need).
 */
const LINK_STATE = defineAttrSet({
  name: "link",
  prefix: "IFLA_",
  unknown: "skip",
  attributes: {
    mtu: { ...linkAttrs.attributes.mtu, duplicate: "last" },
    operstate: { ...linkAttrs.attributes.operstate, duplicate: "last" },
  },
});

/** Numbers the states of unreadable link messages, so that no two compare equal. */
let unreadableLinks = 0;

/**
 * What of a link, when it changes, can change routes, addresses and
 * neighbours through it silently: its up/running/lower-up/dormant flags,
 * operstate and MTU (the other kinds' watchers see every link event;
 * decoding the whole link for these three fields cost more than the rest of
 * their work). A message whose attributes do not parse gets a state unlike
 * any other: the link counts as changed, and the watcher reads again.
 * `undefined` for a message too short to hold the header, or not of a link
 * itself (bridge ports).
 */
function linkStateOf(msg: NetlinkMessage): { index: number; state: string } | undefined {
  const p = msg.payload;
  if (p.length < IFINFOMSG_LEN || p[0] !== 0) return undefined;
  const index = u32At(p, 4) | 0;
  const flags = u32At(p, 8) & (IFF_UP | IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT);
  try {
    const { mtu = -1, operstate = -1 } = decodeAttrsAt(LINK_STATE, p, IFINFOMSG_LEN, p.length);
    return { index, state: `${flags} ${operstate} ${mtu}` };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return { index, state: `unreadable ${++unreadableLinks}` };
  }
}

/**
 * Whether `a` and `b` read the same to a user, leaving out the keys in
 * `volatile` at any depth: what comparing their JSON (by the library's
 * rule) would say — bytes by content, bigints by value, a missing property
 * as one holding `undefined` — but without building either text, and
 * regardless of the order the properties were set in. Once per changed
 * object on every event, so it allocates nothing.
 */
function sameItem(a: unknown, b: unknown, volatile: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b) return false;
  if (typeof a === "number") return Number.isNaN(a) && Number.isNaN(b); // JSON writes both as null
  if (typeof a !== "object" || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) return sameBytes(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameItem(a[i], b[i], volatile)) return false;
    return true;
  }
  if (Array.isArray(b) || ArrayBuffer.isView(b) || b instanceof ArrayBuffer) return false;
  if (a instanceof Error || b instanceof Error) {
    return a instanceof Error && b instanceof Error && a.name === b.name && a.message === b.message;
  }
  // Plain objects (the decoders'): `for…in` walks their own enumerable properties, as JSON does.
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  let shown = 0;
  for (const k in x) {
    if (volatile.has(k) || x[k] === undefined || typeof x[k] === "function") continue;
    if (!sameItem(x[k], y[k], volatile)) return false;
    shown++;
  }
  // Every shown property of `a` is in `b` with the same value: `b` shows no more than those.
  for (const k in y) {
    if (volatile.has(k) || y[k] === undefined || typeof y[k] === "function") continue;
    if (--shown < 0) return false;
  }
  return shown === 0;
}

function sameBytes(a: ArrayBufferView | ArrayBuffer, b: unknown): boolean {
  if (!(ArrayBuffer.isView(b) || b instanceof ArrayBuffer)) return false;
  const x = a instanceof ArrayBuffer ? new Uint8Array(a) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function fingerprint(item: unknown, volatile: ReadonlySet<string>): string {
  return JSON.stringify(item, (k, v) => {
    if (volatile.has(k)) return undefined;
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) return Array.from(v).join(",");
    return v;
  });
}

const QUIET = Symbol("quiet");

/** `p`, or {@link QUIET} if it has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | typeof QUIET> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quiet = new Promise<typeof QUIET>((resolve) => (timer = setTimeout(() => resolve(QUIET), ms)));
  return Promise.race([p, quiet]).finally(() => clearTimeout(timer));
}

type Notes = AsyncGenerator<ReceivedMessage | Overrun, void, undefined>;

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
  /** How many objects of the view depend on each thing ({@link KindSpec.dependsOn}). */
  #deps = new Map<string, number>();
  /** Route views: keys of the routes in each replace slot ({@link routeSlot}). */
  #slots = new Map<string, Set<string>>();
  /** Keys of the objects in each group of {@link KindSpec.groupsOf}. */
  #groups = new Map<string, Set<string>>();
  /** Last known state ({@link linkStateOf}) of each link (kinds that depend on links). */
  #links = new Map<number, string>();
  /** Set when a trigger asks for a re-dump: since when, and why. */
  #dirty?: { since: number; reason: ResyncReason };
  /**
   * False from a dump until the event socket has been quiet for a moment:
   * until then, notifications may be older than the view.
   */
  #settled = false;
  /** How long a trigger may wait for quiet: {@link MAX_DELAY_MS}, or 4 × the last re-dump's time. */
  #maxDelay = MAX_DELAY_MS;
  #events?: NetlinkSocket;
  #requests?: NetlinkSocket;
  #iterated = false;
  #closed = false;

  /** Use {@link watch}. */
  constructor(kind: K, options: WatchOptions = {}) {
    const spec = KINDS[kind] as unknown as KindSpec<WatchObjects[K]> | undefined;
    if (spec === undefined) {
      throw new TypeError(
        `cannot watch ${JSON.stringify(kind)}: link, address, route, neighbour, netconf, qdisc, class or filter`,
      );
    }
    if (options.family !== undefined && options.family !== "inet" && options.family !== "inet6") {
      throw new TypeError(`family must be "inet" or "inet6", got ${JSON.stringify(options.family)}`);
    }
    if (options.family !== undefined && !FAMILY_KINDS.has(kind)) {
      throw new TypeError(`${kind} objects have no address family`);
    }
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

  // --- the view and its indexes ---

  #put(key: string, item: WatchObjects[K]): void {
    const previous = this.#view.get(key);
    if (previous !== undefined) this.#unindex(key, previous);
    this.#view.set(key, item);
    for (const d of this.#spec.dependsOn?.(item) ?? []) this.#deps.set(d, (this.#deps.get(d) ?? 0) + 1);
    for (const g of this.#spec.groupsOf?.(item) ?? []) {
      let keys = this.#groups.get(g);
      if (keys === undefined) this.#groups.set(g, keys = new Set());
      keys.add(key);
    }
    if (this.kind === "route") {
      const slot = routeSlot(item as Route);
      let keys = this.#slots.get(slot);
      if (keys === undefined) this.#slots.set(slot, keys = new Set());
      keys.add(key);
    }
  }

  #drop(key: string): WatchObjects[K] | undefined {
    const previous = this.#view.get(key);
    if (previous === undefined) return undefined;
    this.#unindex(key, previous);
    this.#view.delete(key);
    return previous;
  }

  #unindex(key: string, item: WatchObjects[K]): void {
    for (const d of this.#spec.dependsOn?.(item) ?? []) {
      const n = (this.#deps.get(d) ?? 0) - 1;
      if (n > 0) this.#deps.set(d, n);
      else this.#deps.delete(d);
    }
    for (const g of this.#spec.groupsOf?.(item) ?? []) {
      const keys = this.#groups.get(g);
      keys?.delete(key);
      if (keys?.size === 0) this.#groups.delete(g);
    }
    if (this.kind === "route") {
      const slot = routeSlot(item as Route);
      const keys = this.#slots.get(slot);
      keys?.delete(key);
      if (keys?.size === 0) this.#slots.delete(slot);
    }
  }

  #replaceView(fresh: Map<string, WatchObjects[K]>): void {
    this.#view = new Map();
    this.#deps = new Map();
    this.#slots = new Map();
    this.#groups = new Map();
    for (const [key, item] of fresh) this.#put(key, item);
  }

  // --- dumps ---

  /**
   * A consistent dump. During a storm the kernel may report every attempt
   * interrupted (NLM_F_DUMP_INTR); the view must not end for that, so after
   * `retry` immediate attempts it waits (10 ms, doubling up to 250 ms) and
   * tries again, until the watch is closed.
   */
  async #consistentDump(request: Uint8Array, each: (msg: NetlinkMessage) => void): Promise<void> {
    for (const msg of await this.#collect(request)) each(msg);
  }

  /** The messages of one consistent dump ({@link #consistentDump}). */
  async #collect(request: Uint8Array): Promise<NetlinkMessage[]> {
    const { signal } = this.#options;
    for (let pause = 10;; pause = Math.min(2 * pause, 250)) {
      const messages: NetlinkMessage[] = [];
      try {
        for await (const msg of this.#requests!.dump(request, { retry: this.#options.retry ?? 20, signal })) {
          messages.push(msg);
        }
      } catch (error) {
        if (!(error instanceof DumpInterruptedError) || this.#closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
        signal?.throwIfAborted();
        continue;
      }
      return messages;
    }
  }

  async #dump(): Promise<Map<string, WatchObjects[K]>> {
    const spec = this.#spec;
    const { family } = this.#options;
    const out = new Map<string, WatchObjects[K]>();
    const messages = spec.dumpAll
      ? await spec.dumpAll((request) => this.#collect(request))
      : await this.#collect(spec.dumpRequest(family));
    for (const msg of messages) {
      if (msg.type !== spec.newType) continue;
      const decoded = spec.decode(msg);
      for (const item of spec.expand?.(decoded) ?? [decoded]) {
        if (spec.accept(item, family) && !spec.hidden?.(item)) out.set(spec.key(item), item);
      }
    }
    return out;
  }

  /** Reads every link's state, for kinds whose objects can change with it. */
  async #dumpLinkStates(): Promise<void> {
    if (this.#spec.dependsOn === undefined) return;
    const links = new Map<number, string>();
    await this.#consistentDump(linkDumpRequest(), (msg) => {
      if (msg.type !== RTM.NEWLINK) return;
      const link = linkStateOf(msg);
      if (link !== undefined) links.set(link.index, link.state);
    });
    this.#links = links;
  }

  /** Re-dumps, replaces the view and returns the differences, then the `resync` item. */
  async #resync(reason: ResyncReason): Promise<WatchEvent<WatchObjects[K]>[]> {
    this.stats.resyncs++;
    this.#dirty = undefined;
    const started = performance.now();
    const fresh = await this.#dump();
    this.#maxDelay = Math.max(MAX_DELAY_MS, 4 * (performance.now() - started));
    const old = this.#view;
    const volatile = this.#spec.volatile;
    const deltas: WatchEvent<WatchObjects[K]>[] = [];
    let added = 0, changed = 0, removed = 0;
    for (const [key, item] of old) {
      if (!fresh.has(key)) {
        deltas.push({ type: "removed", key, item });
        removed++;
      }
    }
    for (const [key, item] of fresh) {
      const previous = old.get(key);
      if (previous === undefined) {
        deltas.push({ type: "added", key, item });
        added++;
      } else if (!sameItem(previous, item, volatile)) {
        deltas.push({ type: "changed", key, item, previous });
        changed++;
      }
    }
    this.#replaceView(fresh);
    this.#settled = false;
    deltas.push({ type: "resync", reason, added, changed, removed });
    return deltas;
  }

  // --- notifications ---

  /** Applies one notification of the watched kind; returns the deltas it makes. */
  #apply(msg: NetlinkMessage): WatchEvent<WatchObjects[K]>[] {
    const spec = this.#spec;
    const deltas: WatchEvent<WatchObjects[K]>[] = [];
    const decoded = spec.decode(msg);
    const items = (spec.expand?.(decoded) ?? [decoded]).filter((i) => spec.accept(i, this.#options.family));
    if (items.length === 0) return deltas;
    this.stats.events++;
    if (spec.sideEffects) deltas.push(...this.#sideEffects(msg, items[0]));
    const deleting = msg.type === spec.delType;
    if (!deleting && this.kind === "route" && (msg.flags & Flags.REPLACE)) {
      for (const key of this.#replaced(items as Route[])) {
        const item = this.#drop(key)!;
        deltas.push({ type: "removed", key, item });
      }
    }
    for (const item of items) {
      const key = spec.key(item);
      if (deleting || spec.hidden?.(item)) {
        const previous = this.#drop(key);
        if (previous !== undefined) deltas.push({ type: "removed", key, item: previous });
        continue;
      }
      const previous = this.#view.get(key);
      let next = item;
      if (spec.merge) {
        const merged = spec.merge(previous, item);
        if (merged === undefined) {
          // Part of an object the view does not hold (it may be older than the view): re-read.
          this.#dirty ??= { since: Date.now(), reason: "netconf" };
          continue;
        }
        next = merged;
      }
      this.#put(key, next);
      if (previous === undefined) deltas.push({ type: "added", key, item: next });
      else if (!sameItem(previous, next, spec.volatile)) {
        deltas.push({ type: "changed", key, item: next, previous });
      }
    }
    return deltas;
  }

  /**
   * The routes a route notification with `NLM_F_REPLACE` took the place of
   * (the kernel sends no delete for them). IPv4 (`fib_table_insert`)
   * replaces the first route of the same table, prefix, TOS and metric, and
   * sends nothing when the new route is already there. IPv6
   * (`fib6_add_rt2node`) replaces, among the routes of the same table,
   * prefixes and metric, the first one that is as ECMP-capable as the new
   * one (with all of its ECMP siblings), else the first one of the other
   * kind. Where the kernel's order decides between several candidates, or
   * the notification may be older than the view (queued while the view was
   * dumped), the view is re-read instead.
   */
  #replaced(routes: Route[]): string[] {
    const incoming = new Set(routes.map((r) => routeKey(r)));
    const slot = [...this.#slots.get(routeSlot(routes[0])) ?? []];
    const others = slot.filter((k) => !incoming.has(k));
    if (others.length === 0) return [];
    const ambiguous = (): string[] => {
      this.#dirty ??= { since: Date.now(), reason: "replace" };
      return [];
    };
    if (!this.#settled) return ambiguous();
    const present = slot.some((k) => incoming.has(k));
    if (routes[0].family !== "inet6") return present || others.length > 1 ? ambiguous() : others;
    const capable = ecmpCapable(routes[0]);
    const same = slot.filter((k) => ecmpCapable(this.#view.get(k) as Route) === capable);
    const otherKind = others.filter((k) => ecmpCapable(this.#view.get(k) as Route) !== capable);
    // The first route as capable as the new one is replaced, with its siblings.
    if (same.length > 0) {
      if (capable) return others.filter((k) => !otherKind.includes(k));
      return same.length === 1 ? same.filter((k) => !incoming.has(k)) : ambiguous();
    }
    // None: the first of the other kind is.
    if (!capable) return otherKind; // capable routes at one metric are one ECMP group
    return otherKind.length === 1 ? otherKind : ambiguous();
  }

  /** Applies {@link KindSpec.sideEffects}: the `removed` deltas of what went silently; a re-dump if due. */
  #sideEffects(msg: NetlinkMessage, own?: WatchObjects[K]): WatchEvent<WatchObjects[K]>[] {
    const index: ViewIndex<WatchObjects[K]> = {
      items: this.#view,
      members: (group) => this.#groups.get(group) ?? EMPTY,
    };
    const effects = this.#spec.sideEffects!(msg, index, own);
    if (effects.resync) this.#dirty ??= { since: Date.now(), reason: "tc" };
    const deltas: WatchEvent<WatchObjects[K]>[] = [];
    for (const key of effects.drop) {
      const item = this.#drop(key);
      if (item !== undefined) deltas.push({ type: "removed", key, item });
    }
    return deltas;
  }

  /** A notification of another kind: does it call for a re-dump? */
  #trigger(msg: NetlinkMessage): ResyncReason | undefined {
    if (msg.type === RTM.NEWLINK || msg.type === RTM.DELLINK) {
      if (this.#spec.dependsOn === undefined) return undefined;
      const link = linkStateOf(msg);
      if (link === undefined) return undefined;
      const previous = this.#links.get(link.index);
      let changed = true;
      if (msg.type === RTM.DELLINK) this.#links.delete(link.index);
      else {
        changed = link.state !== previous;
        this.#links.set(link.index, link.state);
      }
      return changed && (this.#spec.anyLink || this.#deps.has(`link ${link.index}`)) ? "link" : undefined;
    }
    if (msg.type === RTM.DELADDR) {
      const a = decodeAddress(msg);
      return this.#deps.has(`src ${a.local ?? a.address}`) ? "address" : undefined;
    }
    if (msg.type === RTM.NEWNEXTHOP || msg.type === RTM.DELNEXTHOP) {
      return this.#deps.has("nh") ? "nexthop" : undefined;
    }
    return undefined;
  }

  /** Yields the snapshot, then the deltas; allowed once. */
  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<WatchObjects[K]>, void, undefined> {
    if (this.#iterated) throw new TypeError("a Watcher can be iterated only once");
    this.#iterated = true;
    const { netns, signal } = this.#options;
    let notes: Notes | undefined;
    try {
      signal?.throwIfAborted();
      this.#requests = await NetlinkSocket.open("route", { netns, describeType: rtmName });
      // The event socket is a member of its groups before the dumps start:
      // anything that changes during or after them is queued for it.
      notes = await this.#subscribe();
      if (this.#closed) return;
      await this.#dumpLinkStates();
      this.#replaceView(await this.#dump());
      this.#settled = false;
      yield { type: "snapshot", items: [...this.#view.values()] };
      let pending: Promise<IteratorResult<ReceivedMessage | Overrun, void>> | undefined;
      for (;;) {
        if (pending === undefined) {
          pending = notes.next();
          // Settled while nobody awaits it (the watch closed during a wait).
          pending.catch(() => {});
        }
        let next: IteratorResult<ReceivedMessage | Overrun, void> | typeof QUIET;
        const dirty = this.#dirty;
        if (dirty !== undefined) {
          // One re-dump per burst: once the socket has been quiet a moment,
          // or the first trigger is #maxDelay old.
          const left = dirty.since + this.#maxDelay - Date.now();
          next = left <= 0 ? QUIET : await within(pending, Math.min(SETTLE_MS, left));
          if (next === QUIET) {
            yield* await this.#resync(dirty.reason);
            continue;
          }
        } else if (!this.#settled) {
          next = await within(pending, SETTLE_MS);
          if (next === QUIET) {
            this.#settled = true;
            continue;
          }
        } else {
          next = await pending;
        }
        pending = undefined;
        if (next.done) break;
        const note = next.value;
        if (note instanceof Overrun) {
          this.stats.overruns++;
          // After an overrun the kernel may keep dropping this socket's
          // notifications until its queue has been read empty, and whatever
          // is still queued is older than the re-dump; so start over on a
          // fresh socket, joined before the re-dumps, and drop the old one
          // with what it still holds. This holds wherever the stream places
          // its Overrun items.
          const old = this.#events!;
          const oldNotes = notes;
          notes = await this.#subscribe();
          await oldNotes.return();
          await old.close();
          if (this.#closed) break;
          await this.#dumpLinkStates();
          yield* await this.#resync(note.where === "queue" ? "queue" : "kernel");
          continue;
        }
        if (note.type === this.#spec.newType || note.type === this.#spec.delType) {
          yield* this.#apply(note);
          continue;
        }
        if (this.#spec.sideEffects) yield* this.#sideEffects(note);
        const reason = this.#trigger(note);
        if (reason !== undefined) this.#dirty ??= { since: Date.now(), reason };
      }
      signal?.throwIfAborted();
    } catch (error) {
      // Closed under a dump: the watch simply ends, like the event stream.
      if (this.#closed && !signal?.aborted) return;
      throw error;
    } finally {
      // Closed first: a read still pending on the event stream then ends,
      // and so can the stream.
      await this.close();
      await notes?.return().catch(() => {});
    }
  }

  /** Opens the event socket, joined to the kind's groups and those of its triggers, and starts reading it. */
  async #subscribe(): Promise<Notes> {
    const { netns, rcvbuf, signal, queueLimit, family } = this.#options;
    const groups = this.#spec.groups(family);
    if (this.#spec.dependsOn !== undefined) groups.push(RTNLGRP.LINK);
    const sock = await NetlinkSocket.open("route", { netns, rcvbuf, groups, describeType: rtmName });
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
 * Watches links, addresses, routes (every table), neighbours (ARP/NDP), or
 * the qdiscs, classes and filters of every device (`tc`): a snapshot, then
 * deltas, recovering from overruns and from the kernel's silent changes by
 * re-dumping. Read `view` for the current table.
 *
 * Traffic control: the kernel announces a deleted qdisc, not the classes,
 * child qdiscs and filters that went with it, nor the default qdisc it
 * attaches in its place or when a device goes up: the view removes those
 * objects itself (`removed` deltas) and re-reads where it must (a `resync`
 * with reason `"tc"`). Filters are listed as per-parent dumps list them
 * (`tc filter show dev X parent P` for each qdisc and class; the ingress
 * qdisc's as `ffff:fff2`); filters of shared blocks are not followed.
 *
 * @example
 * ```ts
 * import { watch } from "@nlts/netlink";
 * const w = watch("route", { netns: "blue", family: "inet" });
 * for await (const e of w) {
 *   if (e.type === "added") console.log("new route", e.item.dst, e.item.table);
 *   if (e.type === "resync") console.log("re-read after", e.reason);
 * }
 * for await (const e of watch("filter", { netns: "blue" })) {
 *   if (e.type === "removed") console.log("filter gone", e.item.ifindex, e.item.parent, e.item.priority);
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

/**
 * Watches the neighbour (ARP/NDP) tables, as `ip neigh show` lists them (no
 * NOARP or NONE entries). One thing no watcher can follow: the kernel moves
 * an entry into DELAY (from REACHABLE or STALE, on traffic) and creates
 * INCOMPLETE entries without a notification; the view shows such an entry
 * as it was (or not at all) until its next state, which is notified, at most
 * `delay_first_probe_time` (5 s by default) later.
 *
 * @example
 * ```ts
 * import { watchNeighbours } from "./watch.ts";
 * for await (const e of watchNeighbours()) console.log(e.type);
 * ```
 */
export function watchNeighbours(options: WatchOptions = {}): Watcher<"neighbour"> {
  return new Watcher("neighbour", options);
}

/**
 * Watches the per-device IP settings (`ip netconf`): every device's, and
 * all's and default's, per family. The kernel announces a change with the
 * one setting that changed; the watcher merges it into the entry, so each
 * `changed` item is the whole entry, as a dump would give it.
 *
 * @example
 * ```ts
 * import { watchNetconf } from "./watch.ts";
 * for await (const e of watchNetconf({ family: "inet" })) {
 *   if (e.type === "changed" && e.item.forwarding !== e.previous.forwarding) console.log(e.key, e.item.forwarding);
 * }
 * ```
 */
export function watchNetconf(options: WatchOptions = {}): Watcher<"netconf"> {
  return new Watcher("netconf", options);
}
