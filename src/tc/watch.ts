/**
 * What `watch("qdisc" | "class" | "filter")` needs to know about traffic
 * control: the identity of each object, how to dump every one of them, and
 * what the kernel changes without telling anyone.
 *
 * The kernel sends one `RTM_DELQDISC` when a qdisc goes, nothing for the
 * classes, child qdiscs and filters that go with it; nothing when it
 * attaches a default root qdisc (a device going up, a root qdisc deleted)
 * or creates `mq`'s per-queue children; nothing for a classifier's own entry
 * (and u32's root hash table) that appears with its first filter or goes
 * with its last. So the views drop what depends on a deleted qdisc or class
 * themselves, and re-read (once per burst) where the kernel's result cannot
 * be told from the notification. u32 classifiers of one qdisc share their
 * hash tables, and a dump lists a table under every u32 classifier of its
 * priority, in any chain or class: a u32 change next to another u32
 * classifier of that priority re-reads too.
 *
 * @module
 */
import type { NetlinkMessage } from "../wire/message.ts";
import { RTM, RTNLGRP } from "../route/constants.ts";
import type { KindSpec, SideEffects, ViewIndex } from "../route/watch.ts";
import { decodeClass, decodeFilter, decodeQdisc, filterPlaces, tcDumpRequest } from "./tc.ts";
import type { Filter, Qdisc, TcClass } from "./tc.ts";
import { parseHandle } from "./handle.ts";

/**
 * Qdisc kinds known to come without child qdiscs a dump shows. Others may
 * create some, silently (`mq`: one per transmit queue).
 */
const NO_CHILD_QDISCS = new Set([
  "htb",
  "tbf",
  "ingress",
  "clsact",
  "pfifo",
  "bfifo",
  "pfifo_head_drop",
  "pfifo_fast",
  "noqueue",
]);
/** Qdisc kinds known to come without classes. Others may create some, silently (`tbf`: one, `mq`: one per queue). */
const NO_CLASSES = new Set(["htb", "ingress", "clsact", "pfifo", "bfifo", "pfifo_head_drop", "pfifo_fast", "noqueue"]);

/** Identity of a qdisc: device and handle (the default ones, all `0:`, by their parent). @example `qdiscKey(q) // "2 1:"` */
export function qdiscKey(q: Qdisc): string {
  return q.handle === "0:" ? `${q.ifindex} 0: ${q.parent}` : `${q.ifindex} ${q.handle}`;
}

/** Identity of a class: device and class id. @example `classKey(c) // "2 1:10"` */
export function classKey(c: TcClass): string {
  return `${c.ifindex} ${c.handle}`;
}

/**
 * Identity of a filter as a dump lists it: device, the block it is attached
 * to (its parent; ingress hooks as `ffff:fff2`), chain, priority and handle
 * (none for the classifier's own entry). The protocol is not part of it:
 * the kernel keeps one classifier per chain and priority.
 *
 * @example
 * ```ts
 * import { filterKey } from "@nlts/netlink/tc";
 * // "2 1: chain 0 pref 1 800::800", "2 ffff:fff2 chain 0 pref 3"
 * ```
 */
export function filterKey(f: Filter): string {
  return `${tpKey(f)}${f.handle === undefined ? "" : ` ${f.handle}`}`;
}

/** The classifier (`tcf_proto`) a filter belongs to. */
function tpKey(f: Filter): string {
  return `${f.ifindex} ${f.parent} chain ${f.chain ?? 0} pref ${f.priority}`;
}

function major(handle: string): number {
  return parseHandle(handle) >>> 16;
}

/**
 * The block a filter's parent names: on the ingress qdisc, `ffff:`,
 * `ffff:fff1` and `ffff:fff2` are the same block (each notification carries
 * the parent it was added with), shown as a dump with `ingress` shows it.
 */
function onBlock(f: Filter): Filter {
  if (f.parent.startsWith("ffff:")) f.parent = f.parent === "ffff:fff3" ? "ffff:fff3" : "ffff:fff2";
  return f;
}

/** The objects of a device, from the view's group index. */
function* onDevice<T>(view: ViewIndex<T>, ifindex: number): Generator<[string, T]> {
  for (const key of view.members(`dev ${ifindex}`)) yield [key, view.items.get(key)!];
}

/** Keys of the qdiscs on `ifindex` under the majors in `majors` or the classes in `parents`, and under theirs. */
function qdiscsUnder(view: ViewIndex<Qdisc>, ifindex: number, majors: Set<number>, parents = new Set<string>()) {
  const drop = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const [key, q] of onDevice(view, ifindex)) {
      if (drop.has(key) || q.parent === "root" || q.parent.startsWith("ffff:")) continue;
      if (majors.has(major(q.parent)) || parents.has(q.parent)) {
        drop.add(key);
        if (q.handle !== "0:") majors.add(major(q.handle));
        grew = true;
      }
    }
  }
  return [...drop];
}

const NONE: SideEffects = { drop: [] };

/** Whether a group holds a key other than those in `not` (without copying it: a group can be large). */
function holdsOther(keys: ReadonlySet<string>, ...not: string[]): boolean {
  for (const k of keys) if (!not.includes(k)) return true;
  return false;
}

function qdiscEffects(msg: NetlinkMessage, view: ViewIndex<Qdisc>, own?: Qdisc): SideEffects {
  if (msg.type === RTM.DELQDISC && own !== undefined) {
    // Its children go with it; a default qdisc may take a root's place, silently.
    const drop = own.handle === "0:" ? [] : qdiscsUnder(view, own.ifindex, new Set([major(own.handle)]));
    return { drop, resync: true };
  }
  if (msg.type === RTM.NEWQDISC && own !== undefined && !NO_CHILD_QDISCS.has(own.kind)) {
    return { drop: [], resync: true };
  }
  if (msg.type === RTM.DELTCLASS) {
    const c = decodeClass(msg);
    return { drop: qdiscsUnder(view, c.ifindex, new Set(), new Set([c.handle])) };
  }
  return NONE;
}

/**
 * Whether the view holds an object on `ifindex` of another major than `m`
 * (ingress aside): perhaps one of a qdisc that was nested under it.
 */
function otherMajors<T>(view: ViewIndex<T>, ifindex: number, m: number, majorOf: (item: T) => number): boolean {
  for (const [, item] of onDevice(view, ifindex)) {
    const other = majorOf(item);
    if (other !== m && other !== 0xffff) return true;
  }
  return false;
}

function classEffects(msg: NetlinkMessage, view: ViewIndex<TcClass>, own?: TcClass): SideEffects {
  if (msg.type === RTM.DELQDISC) {
    const q = decodeQdisc(msg);
    if (q.handle === "0:") return NONE;
    const m = major(q.handle);
    const drop: string[] = [];
    for (const [key, c] of onDevice(view, q.ifindex)) if (major(c.handle) === m) drop.push(key);
    // Classes of a qdisc grafted under one of them went too.
    return { drop, resync: otherMajors(view, q.ifindex, m, (c) => major(c.handle)) };
  }
  if (msg.type === RTM.NEWQDISC) return NO_CLASSES.has(decodeQdisc(msg).kind) ? NONE : { drop: [], resync: true };
  if (msg.type === RTM.DELTCLASS && own !== undefined) {
    return { drop: [], resync: otherMajors(view, own.ifindex, major(own.handle), (c) => major(c.handle)) };
  }
  return NONE;
}

/** A u32 handle's hash table (`800:` of `800::800`). */
function u32Table(handle: string): string {
  return `${handle.slice(0, handle.indexOf(":"))}:`;
}

/** A u32 entry that is a node (a match), not a hash table. */
function u32Node(handle: string | undefined): boolean {
  return handle !== undefined && !handle.endsWith(":");
}

function filterMajor(f: Filter): number {
  return major(f.parent);
}

/** Groups of a filter: its device, its classifier, and for u32 its qdisc's classifiers of a priority and nodes. */
function filterGroups(f: Filter): string[] {
  const groups = [`dev ${f.ifindex}`, `tp ${tpKey(f)}`];
  if (f.kind === "u32") {
    const qdisc = `${f.ifindex} ${filterMajor(f)}`;
    if (f.handle === undefined) groups.push(`u32 ${qdisc} pref ${f.priority}`);
    else if (u32Node(f.handle)) groups.push(`u32 nodes ${qdisc}`);
  }
  return groups;
}

function filterEffects(msg: NetlinkMessage, view: ViewIndex<Filter>, own?: Filter): SideEffects {
  if (msg.type === RTM.DELQDISC || msg.type === RTM.DELTCLASS) {
    const o = msg.type === RTM.DELQDISC ? decodeQdisc(msg) : decodeClass(msg);
    if (o.handle === "0:") return NONE;
    const m = major(o.handle);
    const drop: string[] = [];
    for (const [key, f] of onDevice(view, o.ifindex)) {
      // A qdisc takes its own block and its classes' with it (ingress: the ffff:fff2/fff3 hooks).
      if (msg.type === RTM.DELQDISC ? filterMajor(f) === m : f.parent === o.handle) drop.push(key);
    }
    return { drop, resync: m !== 0xffff && otherMajors(view, o.ifindex, m, filterMajor) };
  }
  if (own === undefined) return NONE;
  const tp = tpKey(own);
  const u32 = own.kind === "u32";
  const qdisc = `${own.ifindex} ${filterMajor(own)}`;
  // u32 classifiers of one qdisc share their tables; a dump lists each table under every one of its priority.
  const sharing = u32 && holdsOther(view.members(`u32 ${qdisc} pref ${own.priority}`), tp);
  if (msg.type === RTM.NEWTFILTER) {
    // The classifier's own entry (and u32's root table) came with its first filter, unannounced.
    if (!view.items.has(tp)) return { drop: [], resync: true };
    if (u32 && own.handle !== undefined && !view.items.has(`${tp} ${u32Table(own.handle)}`)) {
      return { drop: [], resync: true };
    }
    return { drop: [], resync: sharing };
  }
  if (own.handle === undefined) {
    // The whole classifier: everything it lists goes.
    return { drop: [...view.members(`tp ${tp}`)].filter((k) => k !== tp), resync: sharing };
  }
  const key = filterKey(own);
  if (u32) {
    // The kernel drops the classifier when the qdisc's u32 tables hold no node any more.
    const nodesLeft = holdsOther(view.members(`u32 nodes ${qdisc}`), key);
    return { drop: [], resync: sharing || !view.items.has(key) || !nodesLeft };
  }
  // Other classifiers go when their last filter does.
  const left = holdsOther(view.members(`tp ${tp}`), key, tp);
  return { drop: [], resync: !left };
}

async function classesOfAll(dump: (request: Uint8Array) => Promise<NetlinkMessage[]>): Promise<{
  qdiscs: Qdisc[];
  classes: NetlinkMessage[];
}> {
  const qdiscs = (await dump(qdiscDumpRequest())).filter((m) => m.type === RTM.NEWQDISC).map((m) => decodeQdisc(m));
  const classes: NetlinkMessage[] = [];
  // The kernel dumps classes one device at a time.
  for (const ifindex of new Set(qdiscs.map((q) => q.ifindex))) {
    classes.push(...await dump(tcDumpRequest(RTM.GETTCLASS, ifindex)));
  }
  return { qdiscs, classes };
}

function qdiscDumpRequest(): Uint8Array {
  return tcDumpRequest(RTM.GETQDISC, 0);
}

/** The watch of qdiscs. */
export const QDISC_WATCH: KindSpec<Qdisc> = {
  groups: () => [RTNLGRP.TC],
  dumpRequest: qdiscDumpRequest,
  newType: RTM.NEWQDISC,
  delType: RTM.DELQDISC,
  decode: (msg) => decodeQdisc(msg),
  accept: () => true,
  key: qdiscKey,
  volatile: new Set(["stats", "xstats", "directPackets"]),
  dependsOn: (q) => [`link ${q.ifindex}`],
  anyLink: true,
  sideEffects: qdiscEffects,
  groupsOf: (q) => [`dev ${q.ifindex}`],
};

/** The watch of classes. */
export const CLASS_WATCH: KindSpec<TcClass> = {
  groups: () => [RTNLGRP.TC],
  dumpRequest: qdiscDumpRequest,
  async dumpAll(dump) {
    return (await classesOfAll(dump)).classes;
  },
  newType: RTM.NEWTCLASS,
  delType: RTM.DELTCLASS,
  decode: (msg) => decodeClass(msg),
  accept: () => true,
  key: classKey,
  volatile: new Set(["stats", "xstats"]),
  dependsOn: (c) => [`link ${c.ifindex}`],
  anyLink: true,
  sideEffects: classEffects,
  groupsOf: (c) => [`dev ${c.ifindex}`],
};

/** The watch of filters. */
export const FILTER_WATCH: KindSpec<Filter> = {
  groups: () => [RTNLGRP.TC],
  dumpRequest: qdiscDumpRequest,
  async dumpAll(dump) {
    const { qdiscs, classes } = await classesOfAll(dump);
    const out: NetlinkMessage[] = [];
    const places = filterPlaces(qdiscs, classes.filter((m) => m.type === RTM.NEWTCLASS).map((m) => decodeClass(m)));
    for (const [ifindex, parent] of places) out.push(...await dump(tcDumpRequest(RTM.GETTFILTER, ifindex, parent)));
    return out;
  },
  newType: RTM.NEWTFILTER,
  delType: RTM.DELTFILTER,
  decode: (msg) => onBlock(decodeFilter(msg)),
  // Filters of shared blocks (`tc filter add block N`) come without a device: not followed.
  accept: (f) => f.ifindex > 0,
  key: filterKey,
  volatile: new Set(["stats", "xstats"]),
  dependsOn: (f) => [`link ${f.ifindex}`],
  sideEffects: filterEffects,
  groupsOf: filterGroups,
};
