/**
 * Qdiscs, classes and filters (`tc qdisc|class|filter`): `RTM_{NEW,DEL,GET}QDISC`,
 * `RTM_{NEW,DEL,GET}TCLASS` and `RTM_{NEW,DEL,GET}TFILTER` over `struct tcmsg`,
 * decoded and encoded through the sets of `schema.ts`.
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import { decodeAttrsAt, writeAttrs } from "../wire/schema.ts";
import { withJson } from "../wire/json.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { RTM } from "../route/constants.ts";
import { getLink } from "../route/link.ts";
import { TCA, type U32Key, type U32Selector } from "./schema.ts";
import {
  formatHandle,
  formatU32Handle,
  parseHandle,
  parseQdiscHandle,
  parseU32Handle,
  TC_H_INGRESS,
  TC_H_MIN_EGRESS,
  TC_H_MIN_INGRESS,
  TC_H_ROOT,
  type TcHandle,
} from "./handle.ts";
import { xmitSize, xmitTime } from "./units.ts";

/** Size of `struct tcmsg`. */
const TCMSG_SIZE = 20;

/**
 * Statistics of a qdisc, class or action (`TCA_STATS2`). `bytes` and
 * `packets` are the kernel's u64 counters, kept as exact `bigint`s (`toJson`
 * writes them as numbers while they are safe); the queue counters are u32
 * and the rate estimator fits a number.
 */
export interface TcStats {
  /** Bytes sent (`gnet_stats_basic.bytes`, u64). */
  bytes: bigint;
  /** Packets sent (`TCA_STATS_PKT64` when the u32 wrapped, else `gnet_stats_basic.packets`). */
  packets: bigint;
  /** Packets in the queue. */
  qlen: number;
  /** Bytes in the queue. */
  backlog: number;
  /** Packets dropped. */
  drops: number;
  /** Packets requeued. */
  requeues: number;
  /** Times the qdisc was over its limit. */
  overlimits: number;
  /** Rate estimate in bytes per second (only with an estimator). */
  rateBps?: number;
  /** Rate estimate in packets per second (only with an estimator). */
  ratePps?: number;
}

/** `TCA_OPTIONS` of an htb qdisc (`TCA_HTB_INIT`). */
export interface HtbQdiscOptions {
  /** Minor of the class unclassified traffic goes to (`default 10` is 0x10); 0: sent unshaped. */
  defaultClass: number;
  /** Rate to quantum divisor (`r2q`). */
  r2q: number;
  /** Length of the direct queue. */
  directQlen?: number;
  /** Packets sent unshaped (no class). */
  directPackets: number;
  /** Protocol version (3). */
  version: number;
}

/** `TCA_OPTIONS` of an htb class (`TCA_HTB_PARMS`, with the 64-bit rates). */
export interface HtbClassOptions {
  /** Guaranteed rate, bytes per second (`TCA_HTB_RATE64` above 2^32-1). */
  rate: number;
  /** Ceiling rate, bytes per second. */
  ceil: number;
  /** Bytes that may burst at `rate` (from the buffer's ticks, as tc computes it). */
  burst: number;
  /** Bytes that may burst at `ceil`. */
  cburst: number;
  /** The burst as the kernel keeps it, in psched ticks (64 ns). */
  buffer: number;
  /** The ceil burst in psched ticks. */
  cbuffer: number;
  /** Priority (lower is served first). */
  prio: number;
  /** Bytes served per round. */
  quantum: number;
  /** Level in the tree (0: leaf). */
  level: number;
  /** Per-packet overhead in bytes. */
  overhead: number;
  /** Minimum packet unit. */
  mpu: number;
}

/** `TCA_OPTIONS` of a tbf qdisc. */
export interface TbfOptions {
  /** Rate, bytes per second. */
  rate: number;
  /** Bucket size in bytes. */
  burst: number;
  /** Bytes that may wait for tokens. */
  limit: number;
  /** Latency in µs (as tc computes it from limit, rate and burst). */
  latency: number;
  /** Peak rate, bytes per second. */
  peakrate?: number;
  /** Bucket size of the peak rate (`mtu`/`minburst`), bytes. */
  mtu?: number;
  /** The burst in psched ticks. */
  buffer: number;
}

/** `TCA_OPTIONS` of pfifo and bfifo: packets (pfifo) or bytes (bfifo). */
export interface FifoOptions {
  /** Queue limit. */
  limit: number;
}

/** `TCA_OPTIONS` of pfifo_fast. */
export interface PrioOptions {
  /** Number of bands. */
  bands: number;
  /** Band of each of the 16 priorities. */
  priomap: number[];
}

/** Which way a mirred action sends. */
export type MirredAction = "redirect" | "mirror";

/** A `mirred` action (`TCA_MIRRED_PARMS`). */
export interface MirredOptions {
  /** Redirect (steal) or mirror (copy). */
  mirredAction: MirredAction;
  /** To the device's egress or ingress. */
  direction: "egress" | "ingress";
  /** Target device. */
  ifindex: number;
  /** Verdict after the action (`"stolen"` for redirect, `"pipe"` for mirror). */
  controlAction: ControlAction | number;
  /** Action index. */
  index: number;
  /** References. */
  refcnt: number;
  /** Bindings. */
  bindcnt: number;
}

/** `TC_ACT_*` verdicts by name, as tc prints them. */
export const CONTROL_ACTIONS: Readonly<Record<string, number>> = {
  continue: -1,
  ok: 0,
  reclassify: 1,
  drop: 2,
  pipe: 3,
  stolen: 4,
  queued: 5,
  repeat: 6,
  redirect: 7,
  trap: 8,
};
/** A `TC_ACT_*` verdict name. */
export type ControlAction = keyof typeof CONTROL_ACTIONS;

function controlName(n: number): ControlAction | number {
  for (const [name, value] of Object.entries(CONTROL_ACTIONS)) if (value === n) return name;
  return n;
}

/** One action of a filter. */
export interface TcAction {
  /** Position in the filter's list (1 first). */
  order: number;
  /** Kind (`"mirred"`…). */
  kind: string;
  /** Index of the action. */
  index?: number;
  /** Decoded options for known kinds (mirred). */
  options?: MirredOptions;
  /** Statistics. */
  stats?: TcStats;
  /** Options of a kind this module does not decode, kept raw. */
  unknown?: Attr[];
}

/** `TCA_OPTIONS` of a u32 filter. */
export interface U32Options {
  /** Class the match steers to (`flowid`/`classid`). */
  classid?: string;
  /** Hash table id of this node (`TCA_U32_HASH`). */
  hash?: number;
  /** Hash table this node links to (`link`), as tc prints it (`"1:"`). */
  link?: string;
  /** Buckets of a hash table (`ht_divisor`). */
  divisor?: number;
  /** The selector with its keys. */
  selector?: U32Selector;
  /** Input device (`indev`). */
  indev?: string;
  /** `TCA_CLS_FLAGS_*`. */
  flags?: number;
  /** Actions. */
  actions?: TcAction[];
}

/** `TCA_OPTIONS` of a bpf filter (decoded only). */
export interface BpfOptions {
  /** Class. */
  classid?: string;
  /** Program name. */
  name?: string;
  /** Program id. */
  id?: number;
  /** Program tag (hex). */
  tag?: string;
  /** `TCA_BPF_FLAG_*` (1: direct action). */
  flags?: number;
  /** Generic flags. */
  flagsGen?: number;
  /** Actions. */
  actions?: TcAction[];
}

/** Options of a kind this module does not decode: its attributes, raw. */
export interface RawOptions {
  /** The payload's attributes (one of type 0 with the whole payload when it is no attribute list). */
  unknown: Attr[];
}

/** Decoded `TCA_OPTIONS`, by kind. */
export type TcOptions =
  | HtbQdiscOptions
  | HtbClassOptions
  | TbfOptions
  | FifoOptions
  | PrioOptions
  | U32Options
  | BpfOptions
  | RawOptions
  | Record<string, never>;

/** What qdiscs, classes and filters share. */
export interface TcObject {
  /** Device index. */
  ifindex: number;
  /** Parent as tc prints it (`"root"`, `"1:"`, `"ffff:fff1"`). */
  parent: string;
  /** Kind (`"htb"`, `"u32"`…). */
  kind: string;
  /** Decoded options (absent when the kernel sent none). */
  options?: TcOptions;
  /** Statistics. */
  stats?: TcStats;
  /** Filter chain (`TCA_CHAIN`). */
  chain?: number;
  /** Offloaded to hardware. */
  hwOffload?: boolean;
  /** Kind-specific statistics (`TCA_XSTATS`), raw. */
  xstats?: Uint8Array;
  /** Attributes this module does not know, raw. */
  unknown: Attr[];
}

/** A queueing discipline (`tc qdisc`). */
export interface Qdisc extends TcObject {
  /** Handle as tc prints it (`"1:"`, `"ffff:"`, `"0:"` for the default ones). */
  handle: string;
  /** Shared ingress block. */
  ingressBlock?: number;
  /** Shared egress block. */
  egressBlock?: number;
}

/** A class of a classful qdisc (`tc class`). */
export interface TcClass extends TcObject {
  /** Class id as tc prints it (`"1:10"`). */
  handle: string;
}

/** A filter (`tc filter`). */
export interface Filter extends TcObject {
  /** Priority (`pref`). */
  priority: number;
  /** Protocol as tc prints it (`"ip"`, `"all"`, `"ipv6"`…), the number when unnamed. */
  protocol: string | number;
  /** Handle as tc prints it (u32: `"800::800"`; others hex `"0x1"`); absent for the classifier's own entry. */
  handle?: string;
}

/** Ethernet protocol names tc prints (`ll_proto_n2a`). */
const PROTOCOLS: Record<string, number> = {
  all: 0x0003,
  ip: 0x0800,
  arp: 0x0806,
  ipv6: 0x86dd,
  "802.1Q": 0x8100,
  "802.1ad": 0x88a8,
  mpls_uc: 0x8847,
};

function protocolName(n: number): string | number {
  for (const [name, value] of Object.entries(PROTOCOLS)) if (value === n) return name;
  return n;
}

function protocolNumber(p: string | number): number {
  if (typeof p === "number") {
    if (!Number.isInteger(p) || p < 0 || p > 0xffff) throw new TypeError(`protocol ${p} is not a 16-bit number`);
    return p;
  }
  const n = PROTOCOLS[p];
  if (n === undefined) throw new TypeError(`unknown protocol ${JSON.stringify(p)} (known: ${Object.keys(PROTOCOLS)})`);
  return n;
}

interface RawStats {
  basic?: { bytes: bigint; packets: number };
  rateEst?: { bps: number; pps: number };
  rateEst64?: { bps: bigint; pps: bigint };
  queue?: { qlen: number; backlog: number; drops: number; requeues: number; overlimits: number };
  pkt64?: bigint;
}

function stats(raw: RawStats | undefined): TcStats | undefined {
  if (!raw) return undefined;
  const q = raw.queue;
  const out: TcStats = {
    bytes: raw.basic?.bytes ?? 0n,
    packets: raw.pkt64 ?? BigInt(raw.basic?.packets ?? 0),
    qlen: q?.qlen ?? 0,
    backlog: q?.backlog ?? 0,
    drops: q?.drops ?? 0,
    requeues: q?.requeues ?? 0,
    overlimits: q?.overlimits ?? 0,
  };
  const est = raw.rateEst64 ?? raw.rateEst;
  if (est) {
    out.rateBps = Number(est.bps);
    out.ratePps = Number(est.pps);
  }
  return out;
}

const MIRRED_EACTIONS: Record<number, [MirredAction, "egress" | "ingress"]> = {
  1: ["redirect", "egress"],
  2: ["mirror", "egress"],
  3: ["redirect", "ingress"],
  4: ["mirror", "ingress"],
};

// deno-lint-ignore no-explicit-any
type Loose = any;

function actions(list: Loose[] | undefined): TcAction[] | undefined {
  if (!list) return undefined;
  return list.map((a: Loose, i: number) => {
    const out: TcAction = { order: i + 1, kind: a.kind ?? "" };
    if (a.index !== undefined) out.index = a.index;
    const o = a.options;
    if (a.kind === "mirred" && o?.parms) {
      const p = o.parms;
      const [mirredAction, direction] = MIRRED_EACTIONS[p.eaction] ?? ["redirect", "egress"];
      out.options = {
        mirredAction,
        direction,
        ifindex: p.ifindex,
        controlAction: controlName(p.action),
        index: p.index,
        refcnt: p.refcnt,
        bindcnt: p.bindcnt,
      };
      out.index ??= p.index;
    } else if (o?.unknown) out.unknown = o.unknown;
    const s = stats(a.stats);
    if (s) out.stats = s;
    return out;
  });
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Turns the decoded `TCA_OPTIONS` of `kind` into the object's options. */
function options(kind: string, o: Loose): TcOptions | undefined {
  if (o === undefined) return undefined;
  switch (kind) {
    case "htb": {
      if (o.init) {
        const g = o.init;
        const out: HtbQdiscOptions = {
          defaultClass: g.defcls,
          r2q: g.rate2quantum,
          directPackets: g.directPkts,
          version: g.version,
        };
        if (o.directQlen !== undefined) out.directQlen = o.directQlen;
        return out;
      }
      if (o.parms) {
        const p = o.parms;
        const rate = o.rate64 ?? p.rateRate, ceil = o.ceil64 ?? p.ceilRate;
        return {
          rate,
          ceil,
          burst: xmitSize(rate, p.buffer),
          cburst: xmitSize(ceil, p.cbuffer),
          buffer: p.buffer,
          cbuffer: p.cbuffer,
          prio: p.prio,
          quantum: p.quantum,
          level: p.level,
          overhead: p.rateOverhead,
          mpu: p.rateMpu,
        };
      }
      break;
    }
    case "tbf": {
      if (!o.parms) break;
      const p = o.parms;
      const rate = o.rate64 ?? p.rateRate;
      const peak = o.prate64 ?? p.peakrateRate;
      let latency = 1e6 * (p.limit / rate) - Math.trunc(p.buffer / (1000 / 64));
      const out: TbfOptions = { rate, burst: xmitSize(rate, p.buffer), limit: p.limit, latency: 0, buffer: p.buffer };
      if (peak) {
        out.peakrate = peak;
        out.mtu = xmitSize(peak, p.mtu);
        const lat2 = 1e6 * (p.limit / peak) - Math.trunc(p.mtu / (1000 / 64));
        if (lat2 > latency) latency = lat2;
      }
      // A rate of 0 (never sent by the kernel for a working tbf) has no latency.
      out.latency = Number.isFinite(latency) ? Math.max(0, Math.trunc(latency)) : 0;
      return out;
    }
    case "pfifo":
    case "bfifo":
    case "pfifo_head_drop":
      return { limit: o.limit };
    case "pfifo_fast":
      return { bands: o.bands, priomap: Array.from(o.priomap as Uint8Array) };
    case "u32": {
      const out: U32Options = {};
      if (o.classid !== undefined) out.classid = formatHandle(o.classid);
      if (o.hash !== undefined) out.hash = o.hash;
      if (o.link !== undefined) out.link = formatU32Handle(o.link);
      if (o.divisor !== undefined) out.divisor = o.divisor;
      if (o.sel !== undefined) out.selector = o.sel;
      if (o.indev !== undefined) out.indev = o.indev;
      if (o.flags !== undefined) out.flags = o.flags;
      const acts = actions(o.act);
      if (acts) out.actions = acts;
      if (o.unknown) (out as RawOptions).unknown = o.unknown;
      return out;
    }
    case "bpf": {
      const out: BpfOptions = {};
      if (o.classid !== undefined) out.classid = formatHandle(o.classid);
      if (o.name !== undefined) out.name = o.name;
      if (o.id !== undefined) out.id = o.id;
      if (o.tag !== undefined) out.tag = hex(o.tag);
      if (o.flags !== undefined) out.flags = o.flags;
      if (o.flagsGen !== undefined) out.flagsGen = o.flagsGen;
      const acts = actions(o.act);
      if (acts) out.actions = acts;
      return out;
    }
    case "ingress":
    case "clsact":
    case "noqueue":
    case "mq":
      return {};
  }
  return { unknown: o.unknown ?? [] };
}

interface Decoded {
  ifindex: number;
  handle: number;
  parent: number;
  info: number;
  base: TcObject;
  attrs: Loose;
}

function decodeCommon(msg: NetlinkMessage, what: string): Decoded {
  const p = msg.payload;
  if (p.length < TCMSG_SIZE) throw new ParseError(`${what}: tcmsg needs ${TCMSG_SIZE} bytes, has ${p.length}`, 16);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const attrs: Loose = decodeAttrsAt(TCA, p, TCMSG_SIZE, p.length, 16 + TCMSG_SIZE);
  const kind: string = attrs.kind ?? "";
  const base: TcObject = {
    ifindex: dv.getInt32(4, true),
    parent: formatHandle(dv.getUint32(12, true)),
    kind,
    unknown: attrs.unknown ?? [],
  };
  const opts = options(kind, attrs.options);
  if (opts) base.options = opts;
  const s = stats(attrs.stats2);
  if (s) base.stats = s;
  if (attrs.chain !== undefined) base.chain = attrs.chain;
  if (attrs.hwOffload !== undefined) base.hwOffload = attrs.hwOffload;
  if (attrs.xstats !== undefined) base.xstats = attrs.xstats;
  return {
    ifindex: base.ifindex,
    handle: dv.getUint32(8, true),
    parent: dv.getUint32(12, true),
    info: dv.getUint32(16, true),
    base,
    attrs,
  };
}

/**
 * Decodes an `RTM_NEWQDISC`/`RTM_DELQDISC` message. A short header or a
 * malformed attribute is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeQdisc } from "@nlts/netlink/tc";
 * const payload = new Uint8Array(20);
 * payload.set([2, 0, 0, 0], 4); // ifindex 2
 * payload.set([0xff, 0xff, 0xff, 0xff], 12); // parent root
 * decodeQdisc({ type: 36, flags: 0, seq: 0, pid: 0, payload }).parent; // "root"
 * ```
 */
export function decodeQdisc(msg: NetlinkMessage): Qdisc {
  const d = decodeCommon(msg, "qdisc");
  const q: Qdisc = { ...d.base, handle: formatHandle(d.handle) };
  if (d.handle === 0) q.handle = "0:";
  if (d.attrs.ingressBlock !== undefined) q.ingressBlock = d.attrs.ingressBlock;
  if (d.attrs.egressBlock !== undefined) q.egressBlock = d.attrs.egressBlock;
  return reorder(q);
}

/**
 * Keeps the keys in a readable order (ifindex, kind, handle, parent first),
 * and gives the object the library's JSON rule (its counters are bigints).
 */
function reorder<T extends TcObject & { handle?: string }>(o: T): T {
  const { ifindex, kind, handle, parent, ...rest } = o;
  return withJson(
    (handle === undefined ? { ifindex, kind, parent, ...rest } : { ifindex, kind, handle, parent, ...rest }) as T,
  );
}

/**
 * Decodes an `RTM_NEWTCLASS`/`RTM_DELTCLASS` message.
 *
 * @example
 * ```ts
 * import { decodeClass } from "@nlts/netlink/tc";
 * const payload = new Uint8Array(20);
 * payload.set([0x10, 0, 1, 0], 8); // 1:10
 * decodeClass({ type: 40, flags: 0, seq: 0, pid: 0, payload }).handle; // "1:10"
 * ```
 */
export function decodeClass(msg: NetlinkMessage): TcClass {
  const d = decodeCommon(msg, "class");
  return reorder({ ...d.base, handle: formatHandle(d.handle) });
}

/**
 * Decodes an `RTM_NEWTFILTER`/`RTM_DELTFILTER` message.
 *
 * @example
 * ```ts
 * import { decodeFilter } from "@nlts/netlink/tc";
 * const payload = new Uint8Array(20);
 * payload.set([0, 8, 1, 0], 16); // pref 1, protocol ip
 * decodeFilter({ type: 44, flags: 0, seq: 0, pid: 0, payload }).protocol; // "ip"
 * ```
 */
export function decodeFilter(msg: NetlinkMessage): Filter {
  const d = decodeCommon(msg, "filter");
  const proto = d.info & 0xffff;
  const f: Filter = {
    ...d.base,
    priority: d.info >>> 16,
    protocol: protocolName(((proto & 0xff) << 8) | (proto >> 8)),
  };
  if (d.handle !== 0) f.handle = f.kind === "u32" ? formatU32Handle(d.handle) : `0x${d.handle.toString(16)}`;
  return reorder(f);
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/** A device by name or index. */
export type DeviceRef = string | number;

/** htb qdisc parameters (`tc qdisc add … htb default 10 r2q 10`). */
export interface HtbQdiscSpec {
  /** Minor of the default class, a number (`0x10`) or tc's hex text (`"10"`). */
  defaultClass?: number | string;
  /** Rate to quantum divisor (default 10). */
  r2q?: number;
  /** Direct queue length. */
  directQlen?: number;
}

/** htb class parameters; rates in bytes per second, sizes in bytes. */
export interface HtbClassSpec {
  /** Guaranteed rate (required, > 0). */
  rate: number;
  /** Ceiling (default: `rate`). */
  ceil?: number;
  /** Burst at `rate` in bytes (default as tc: rate/1e9 + 1600). */
  burst?: number;
  /** Burst at `ceil` in bytes (default as tc). */
  cburst?: number;
  /** Priority 0..7. */
  prio?: number;
  /** Quantum in bytes (0: the kernel derives it from r2q). */
  quantum?: number;
  /** Per-packet overhead. */
  overhead?: number;
  /** Minimum packet unit. */
  mpu?: number;
}

/** tbf parameters; `limit` or `latency` is required. */
export interface TbfSpec {
  /** Rate, bytes per second. */
  rate: number;
  /** Bucket size, bytes. */
  burst: number;
  /** Bytes that may wait. */
  limit?: number;
  /** Longest wait in µs (turned into a limit as tc does). */
  latency?: number;
  /** Peak rate, bytes per second. */
  peakrate?: number;
  /** Peak bucket (`mtu`/`minburst`), bytes; default 2047 with a peak rate. */
  mtu?: number;
}

/** What {@link addQdisc} creates. */
export interface QdiscSpec {
  /** Device. */
  dev: DeviceRef;
  /** Kind: `"htb"`, `"tbf"`, `"ingress"`, `"clsact"`, `"pfifo"`, `"bfifo"`, `"pfifo_fast"`, `"noqueue"`, `"mq"`. */
  kind: string;
  /** Parent (default `"root"`; ingress and clsact set their own). */
  parent?: TcHandle;
  /** Handle (`"1:"`); the kernel picks one when absent. */
  handle?: TcHandle;
  /** Options of the kind. */
  options?: HtbQdiscSpec | TbfSpec | FifoOptions;
}

/** What {@link addClass} creates. */
export interface ClassSpec {
  /** Device. */
  dev: DeviceRef;
  /** Kind (`"htb"`). */
  kind: "htb";
  /** Parent qdisc or class (`"1:"`, `"1:1"`). */
  parent: TcHandle;
  /** Class id (`"1:10"`). */
  classid: TcHandle;
  /** Options. */
  options: HtbClassSpec;
}

/** A mirred action to add with a filter. */
export interface MirredSpec {
  /** `"mirred"`. */
  kind: "mirred";
  /** Redirect or mirror. */
  mirredAction: MirredAction;
  /** Egress (default) or ingress of the target. */
  direction?: "egress" | "ingress";
  /** Target device. */
  dev: DeviceRef;
}

/** u32 filter options. */
export interface U32Spec {
  /** Class to steer to (`flowid`). */
  classid?: TcHandle;
  /** Keys (`match u32 VALUE MASK at OFF`); none matches every packet. */
  keys?: Partial<U32Key>[] & { mask: number; value: number }[];
  /** Terminal selector (tc sets it on every `match`). Default true. */
  terminal?: boolean;
  /** Actions. */
  actions?: MirredSpec[];
}

/** What {@link addFilter} creates and {@link deleteFilter} matches. */
export interface FilterSpec {
  /** Device. */
  dev: DeviceRef;
  /** Parent qdisc or class (`"1:"`, `"ingress"` = `ffff:`, `"egress"` for clsact). */
  parent: TcHandle | "egress";
  /** Priority (`pref`); the kernel picks one when absent (add). */
  priority?: number;
  /** Protocol (`"ip"`, `"all"`…, default `"all"`). */
  protocol?: string | number;
  /** Filter handle (u32: `0x800800` or tc's text is not parsed here; a number). */
  handle?: number;
  /** Chain. */
  chain?: number;
  /** Kind (`"u32"`). */
  kind?: "u32";
  /** Options of the kind. */
  options?: U32Spec;
}

function uint(value: number | undefined, max: number, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`${what} ${value} is out of range 0..${max}`);
  }
  return value;
}

function rateOf(value: unknown, what: string, optional = false): number | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`${what} ${String(value)} is not a rate in bytes per second (a positive integer)`);
  }
  return value;
}

/** `tc_calc_rtable`'s header of a ratespec for `rate` (mtu 1600, Ethernet link layer). */
function ratespec(prefix: string, rate: number, overhead = 0, mpu = 0): Record<string, number> {
  return {
    [`${prefix}CellLog`]: 3,
    [`${prefix}Linklayer`]: 1,
    [`${prefix}Overhead`]: overhead,
    [`${prefix}CellAlign`]: -1,
    [`${prefix}Mpu`]: mpu,
    [`${prefix}Rate`]: rate >= 2 ** 32 ? 0xffffffff : rate,
  };
}

/** The `TCA_OPTIONS` input of a qdisc spec, checked. */
function qdiscOptions(spec: QdiscSpec): Loose {
  const o = (spec.options ?? {}) as Loose;
  switch (spec.kind) {
    case "htb": {
      let def = o.defaultClass ?? 0;
      if (typeof def === "string") {
        if (!/^(?:0x)?[0-9a-f]{1,4}$/i.test(def)) throw new TypeError(`htb default ${JSON.stringify(def)} is not hex`);
        def = parseInt(def, 16);
      }
      return {
        init: {
          version: 3,
          rate2quantum: uint(o.r2q, 0xffffffff, "htb r2q") ?? 10,
          defcls: uint(def, 0xffff, "htb default"),
        },
        directQlen: uint(o.directQlen, 0xffffffff, "htb direct_qlen"),
      };
    }
    case "tbf": {
      const rate = rateOf(o.rate, "tbf rate")!;
      const burst = uint(o.burst, 0xffffffff, "tbf burst");
      if (!burst) throw new TypeError("tbf needs a burst");
      const peak = rateOf(o.peakrate, "tbf peakrate", true);
      const mtu = uint(o.mtu, 0xffffffff, "tbf mtu") ?? (peak ? 2047 : 0);
      let limit = uint(o.limit, 0xffffffff, "tbf limit");
      if ((limit === undefined) === (o.latency === undefined)) throw new TypeError("tbf needs limit or latency (one)");
      if (limit === undefined) {
        const latency = uint(o.latency, 0xffffffff, "tbf latency")!;
        limit = Math.trunc(rate * latency / 1e6) + burst;
        if (peak) limit = Math.min(limit, Math.trunc(peak * latency / 1e6) + mtu);
      }
      return {
        parms: {
          ...ratespec("rate", rate),
          ...(peak ? ratespec("peakrate", peak) : {}),
          limit,
          // Ticks at the real rate, as for htb (the kernel reads the rate from TCA_TBF_RATE64 when it is there).
          buffer: xmitTime(rate, burst),
          mtu: peak ? xmitTime(peak, mtu) : 0,
        },
        burst,
        rate64: rate >= 2 ** 32 ? rate : undefined,
        prate64: peak && peak >= 2 ** 32 ? peak : undefined,
        pburst: peak ? mtu : undefined,
      };
    }
    case "pfifo":
    case "bfifo":
    case "pfifo_head_drop":
      return o.limit === undefined ? undefined : { limit: uint(o.limit, 0xffffffff, `${spec.kind} limit`) };
    case "ingress":
    case "clsact":
    case "noqueue":
    case "pfifo_fast":
    case "mq":
      return spec.kind === "ingress" || spec.kind === "clsact" ? {} : undefined;
  }
  throw new TypeError(`qdisc kind ${JSON.stringify(spec.kind)} cannot be written by this module`);
}

function htbClassOptions(o: HtbClassSpec): Loose {
  if (typeof o !== "object" || o === null) throw new TypeError("an htb class needs options with a rate");
  const rate = rateOf(o.rate, "htb rate")!;
  const ceil = rateOf(o.ceil ?? rate, "htb ceil")!;
  const burst = uint(o.burst, 0xffffffff, "htb burst") ?? Math.trunc(rate / 1e9) + 1600;
  const cburst = uint(o.cburst, 0xffffffff, "htb cburst") ?? Math.trunc(ceil / 1e9) + 1600;
  const overhead = uint(o.overhead, 0xffff, "htb overhead") ?? 0;
  const mpu = uint(o.mpu, 0xffff, "htb mpu") ?? 0;
  const rate32 = rate >= 2 ** 32 ? 0xffffffff : rate, ceil32 = ceil >= 2 ** 32 ? 0xffffffff : ceil;
  return {
    parms: {
      ...ratespec("rate", rate, overhead, mpu),
      ...ratespec("ceil", ceil, overhead, mpu),
      buffer: xmitTime(rate, burst),
      cbuffer: xmitTime(ceil, cburst),
      quantum: uint(o.quantum, 0xffffffff, "htb quantum") ?? 0,
      prio: uint(o.prio, 7, "htb prio") ?? 0,
    },
    rate64: rate32 === 0xffffffff ? rate : undefined,
    ceil64: ceil32 === 0xffffffff ? ceil : undefined,
  };
}

/** Names a device's index, resolving a name through the socket (internal: chains use it too). */
export async function ifindexOf(sock: NetlinkSocket, dev: DeviceRef): Promise<number> {
  if (typeof dev === "number") return uint(dev, 0x7fffffff, "ifindex")!;
  if (typeof dev !== "string" || !dev || dev.length > 15 || /[\s/\0]/.test(dev)) {
    throw new TypeError(`${JSON.stringify(dev)} is not a device name`);
  }
  return (await getLink(sock, dev)).index;
}

/** Writes `struct tcmsg` (internal: chains use it too). */
export function tcmsg(m: MessageWriter, ifindex: number, handle: number, parent: number, info = 0): void {
  const h = m.struct(TCMSG_SIZE);
  h.setInt32(4, ifindex, true);
  h.setUint32(8, handle >>> 0, true);
  h.setUint32(12, parent >>> 0, true);
  h.setUint32(16, info >>> 0, true);
}

/** Write mode: `add` fails if it exists, `replace` creates or replaces, `change` changes an existing one. */
export type TcWriteMode = "add" | "replace" | "change";

function modeFlags(mode: TcWriteMode): number {
  if (mode === "add") return Flags.CREATE | Flags.EXCL;
  if (mode === "replace") return Flags.CREATE | Flags.REPLACE;
  if (mode === "change") return 0;
  throw new TypeError(`unknown mode ${JSON.stringify(mode)}`);
}

/** Where a qdisc spec goes: [parent, handle]. */
function qdiscPlace(spec: QdiscSpec): [number, number] {
  if (spec.kind === "ingress" || spec.kind === "clsact") {
    const handle = spec.handle === undefined ? 0xffff0000 : parseQdiscHandle(spec.handle);
    return [TC_H_INGRESS, handle];
  }
  const parent = spec.parent === undefined ? TC_H_ROOT : parseHandle(spec.parent);
  return [parent, spec.handle === undefined ? 0 : parseQdiscHandle(spec.handle)];
}

/**
 * Builds an `RTM_NEWQDISC` request for an ifindex (checked before anything is sent).
 *
 * @example
 * ```ts
 * import { encodeQdiscRequest } from "@nlts/netlink/tc";
 * const bytes = encodeQdiscRequest(2, { dev: 2, kind: "htb", handle: "1:", options: { defaultClass: 0x10 } }, "add");
 * ```
 */
export function encodeQdiscRequest(ifindex: number, spec: QdiscSpec, mode: TcWriteMode): Uint8Array {
  const [parent, handle] = qdiscPlace(spec);
  const options = qdiscOptions(spec);
  const m = new MessageWriter(RTM.NEWQDISC, modeFlags(mode));
  tcmsg(m, ifindex, handle, parent);
  writeAttrs(m, TCA, { kind: spec.kind, options } as Loose, "qdisc");
  return m.finish();
}

/**
 * Builds an `RTM_NEWTCLASS` request.
 *
 * @example
 * ```ts
 * import { encodeClassRequest } from "@nlts/netlink/tc";
 * encodeClassRequest(2, { dev: 2, kind: "htb", parent: "1:", classid: "1:10", options: { rate: 1250000 } }, "add");
 * ```
 */
export function encodeClassRequest(ifindex: number, spec: ClassSpec, mode: TcWriteMode): Uint8Array {
  if (spec.kind !== "htb") throw new TypeError(`class kind ${JSON.stringify(spec.kind)} cannot be written (htb can)`);
  const parent = parseHandle(spec.parent);
  const classid = parseHandle(spec.classid);
  if ((classid & 0xffff) === 0 || classid === TC_H_ROOT) {
    throw new TypeError(`${JSON.stringify(spec.classid)} is not a class id (write MAJ:MIN, like "1:10")`);
  }
  const options = htbClassOptions(spec.options);
  const m = new MessageWriter(RTM.NEWTCLASS, modeFlags(mode));
  tcmsg(m, ifindex, classid, parent);
  writeAttrs(m, TCA, { kind: "htb", options } as Loose, "class");
  return m.finish();
}

/** A filter's parent as the kernel takes it: `"ingress"`/`"egress"` are clsact's hooks (internal). */
export function filterParent(parent: FilterSpec["parent"]): number {
  if (parent === "ingress") return (TC_H_INGRESS & 0xffff0000 | TC_H_MIN_INGRESS) >>> 0;
  if (parent === "egress") return (TC_H_INGRESS & 0xffff0000 | TC_H_MIN_EGRESS) >>> 0;
  return parseHandle(parent);
}

/**
 * Builds an `RTM_NEWTFILTER` (or, with `type` 45, `RTM_DELTFILTER`) request;
 * the mirred targets must already be ifindexes (`dev` numbers).
 *
 * @example
 * ```ts
 * import { encodeFilterRequest } from "@nlts/netlink/tc";
 * encodeFilterRequest(44, 2, { dev: 2, parent: "1:", priority: 1, protocol: "ip", kind: "u32", options: { classid: "1:10" } }, "add");
 * ```
 */
export function encodeFilterRequest(type: number, ifindex: number, spec: FilterSpec, mode: TcWriteMode): Uint8Array {
  const parent = filterParent(spec.parent);
  const prio = uint(spec.priority, 0xffff, "priority") ?? 0;
  const proto = protocolNumber(spec.protocol ?? (type === RTM.NEWTFILTER ? "all" : 0));
  const info = ((prio << 16) | ((proto & 0xff) << 8) | (proto >> 8)) >>> 0;
  const handle = uint(spec.handle, 0xffffffff, "filter handle") ?? 0;
  const adding = type === RTM.NEWTFILTER;
  let options: Loose;
  if (adding) {
    if ((spec.kind ?? "u32") !== "u32") {
      throw new TypeError(`filter kind ${JSON.stringify(spec.kind)} cannot be written (u32 can)`);
    }
    const o = spec.options ?? {};
    const keys = (o.keys ?? []).map((k) => ({
      mask: k.mask,
      value: k.value,
      off: k.off ?? 0,
      offmask: k.offmask ?? 0,
    }));
    options = {
      classid: o.classid === undefined ? undefined : parseHandle(o.classid),
      sel: { flags: o.terminal === false ? 0 : 1, keys },
      act: o.actions?.map((a) => {
        if (a.kind !== "mirred") throw new TypeError(`action ${JSON.stringify(a.kind)} cannot be written (mirred can)`);
        if (typeof a.dev !== "number") throw new TypeError("encodeFilterRequest needs mirred targets as ifindexes");
        const dir = a.direction ?? "egress";
        if (dir !== "egress" && dir !== "ingress") throw new TypeError(`mirred direction ${JSON.stringify(dir)}`);
        if (a.mirredAction !== "redirect" && a.mirredAction !== "mirror") {
          throw new TypeError(`mirred action ${JSON.stringify(a.mirredAction)} is redirect or mirror`);
        }
        const eaction = (dir === "ingress" ? 2 : 0) + (a.mirredAction === "redirect" ? 1 : 2);
        return {
          kind: "mirred",
          options: {
            parms: {
              action: a.mirredAction === "redirect" ? CONTROL_ACTIONS.stolen : CONTROL_ACTIONS.pipe,
              eaction,
              ifindex: a.dev,
            },
          },
        };
      }),
    };
  }
  const m = new MessageWriter(type, adding ? modeFlags(mode) : 0);
  tcmsg(m, ifindex, handle, parent, info);
  writeAttrs(m, TCA, {
    kind: adding ? spec.kind ?? "u32" : spec.kind,
    options,
    chain: uint(spec.chain, 0xffffffff, "chain"),
  } as Loose, "filter");
  return m.finish();
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

/** Options of the listings. */
export interface TcListOptions {
  /** Only this device. */
  dev?: DeviceRef;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

/**
 * A dump request over `struct tcmsg` (internal: the watchers use it).
 *
 * @example
 * ```ts
 * import { tcDumpRequest } from "./tc.ts";
 * tcDumpRequest(42, 2); // RTM_GETTCLASS of ifindex 2
 * ```
 */
export function tcDumpRequest(type: number, ifindex: number, parent = 0): Uint8Array {
  const m = new MessageWriter(type, Flags.DUMP);
  tcmsg(m, ifindex, 0, parent);
  return m.finish();
}

/**
 * Where filters can be attached, as `[ifindex, parent]` to dump: each qdisc
 * with a handle (the ingress qdisc's hook as `ffff:fff2`, clsact's two
 * hooks) and each class (an htb class has a filter block of its own).
 * A place without a block dumps empty (internal: the listings and the
 * watchers use it).
 *
 * @example
 * ```ts
 * import { filterPlaces } from "./tc.ts";
 * filterPlaces([], []); // []
 * ```
 */
export function filterPlaces(qdiscs: Qdisc[], classes: TcClass[]): [number, number][] {
  const places: [number, number][] = [];
  for (const q of qdiscs) {
    if (q.kind === "clsact") places.push([q.ifindex, 0xfffffff2], [q.ifindex, 0xfffffff3]);
    else if (q.kind === "ingress") places.push([q.ifindex, 0xfffffff2]);
    // Parent 0 would ask for the root qdisc's filters again.
    else if (q.handle !== "0:") places.push([q.ifindex, parseHandle(q.handle)]);
  }
  for (const c of classes) places.push([c.ifindex, parseHandle(c.handle)]);
  return places;
}

/**
 * Lists qdiscs, of one device or all (`tc qdisc show`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listQdiscs } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const q of listQdiscs(sock)) console.log(q.ifindex, q.kind, q.handle, q.parent);
 * ```
 */
export async function* listQdiscs(sock: NetlinkSocket, options: TcListOptions = {}): AsyncGenerator<Qdisc> {
  const ifindex = options.dev === undefined ? 0 : await ifindexOf(sock, options.dev);
  for await (const msg of sock.dump(tcDumpRequest(RTM.GETQDISC, ifindex), { signal: options.signal })) {
    if (msg.type !== RTM.NEWQDISC) continue;
    const q = decodeQdisc(msg);
    // The kernel dumps every device's qdiscs; the device filter is ours (as tc's is).
    if (ifindex === 0 || q.ifindex === ifindex) yield q;
  }
}

async function devicesOf(sock: NetlinkSocket, dev: DeviceRef | undefined): Promise<number[]> {
  if (dev !== undefined) return [await ifindexOf(sock, dev)];
  const seen = new Set<number>();
  for await (const q of listQdiscs(sock)) seen.add(q.ifindex);
  return [...seen];
}

/**
 * Lists classes, of one device or of all (`tc class show dev X`; the
 * kernel dumps one device at a time).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listClasses } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const c of listClasses(sock, { dev: "eth0" })) console.log(c.handle, c.parent, c.options);
 * ```
 */
export async function* listClasses(sock: NetlinkSocket, options: TcListOptions = {}): AsyncGenerator<TcClass> {
  for (const ifindex of await devicesOf(sock, options.dev)) {
    for await (const msg of sock.dump(tcDumpRequest(RTM.GETTCLASS, ifindex), { signal: options.signal })) {
      if (msg.type === RTM.NEWTCLASS) yield decodeClass(msg);
    }
  }
}

/**
 * Lists filters: with `parent`, those attached there (`tc filter show dev X
 * parent 1:`); without, those of every qdisc and class of the device (or
 * of every device), the ingress qdisc's hook (as `ffff:fff2`, `tc filter
 * show dev X ingress`) and clsact's ingress and egress hooks included.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listFilters } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const f of listFilters(sock, { dev: "eth0" })) console.log(f.kind, f.priority, f.handle);
 * ```
 */
export async function* listFilters(
  sock: NetlinkSocket,
  options: TcListOptions & { parent?: TcHandle | "egress" } = {},
): AsyncGenerator<Filter> {
  const places: [number, number][] = [];
  if (options.parent !== undefined) {
    if (options.dev === undefined) throw new TypeError("listing the filters of a parent needs a dev");
    places.push([await ifindexOf(sock, options.dev), filterParent(options.parent)]);
  } else {
    const qdiscs: Qdisc[] = [];
    for await (const q of listQdiscs(sock, { dev: options.dev, signal: options.signal })) qdiscs.push(q);
    const classes: TcClass[] = [];
    for (const ifindex of new Set(qdiscs.filter((q) => q.handle !== "0:").map((q) => q.ifindex))) {
      for await (const c of listClasses(sock, { dev: ifindex, signal: options.signal })) classes.push(c);
    }
    places.push(...filterPlaces(qdiscs, classes));
  }
  for (const [ifindex, parent] of places) {
    for await (const msg of sock.dump(tcDumpRequest(RTM.GETTFILTER, ifindex, parent), { signal: options.signal })) {
      if (msg.type === RTM.NEWTFILTER) yield decodeFilter(msg);
    }
  }
}

/**
 * One qdisc by its device and parent (`"root"`, `"ingress"`, `"1:10"`) or
 * handle, as the kernel looks it up (`RTM_GETQDISC`); ENOENT when there is
 * none; undefined for a built-in qdisc (noop, on a device that is down),
 * which dumps leave out too. The kernel also sends the answer to `RTNLGRP_TC` listeners, as an
 * `RTM_NEWQDISC` event.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { getQdisc } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route");
 * const root = await getQdisc(sock, { dev: "lo", parent: "root" });
 * console.log(root?.kind); // "noqueue"
 * ```
 */
export async function getQdisc(
  sock: NetlinkSocket,
  spec: TcDeleteSpec,
  options: { signal?: AbortSignal } = {},
): Promise<Qdisc | undefined> {
  if (spec.parent === undefined && spec.handle === undefined) {
    throw new TypeError("getQdisc needs a parent or a handle");
  }
  const parent = spec.parent === undefined ? 0 : parseHandle(spec.parent);
  const handle = spec.handle === undefined ? 0 : parseQdiscHandle(spec.handle);
  const ifindex = await ifindexOf(sock, spec.dev);
  // The kernel answers a qdisc get as a notification to RTNLGRP_TC, and to the asker only with NLM_F_ECHO.
  const m = new MessageWriter(RTM.GETQDISC, Flags.ECHO);
  tcmsg(m, ifindex, handle, parent);
  const replies = await sock.request(m.finish(), options);
  const reply = replies.find((r) => r.type === RTM.NEWQDISC);
  // The kernel's built-in qdiscs (noop on a device that is down) are answered with nothing, as dumps leave them out.
  return reply && decodeQdisc(reply);
}

/**
 * Adds (`"add"`), replaces or changes a qdisc (`tc qdisc add dev X root handle 1: htb default 10`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addQdisc } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await addQdisc(sock, { dev: "v0", kind: "htb", handle: "1:", options: { defaultClass: 0x10 } });
 * ```
 */
export async function addQdisc(
  sock: NetlinkSocket,
  spec: QdiscSpec,
  mode: TcWriteMode = "add",
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  qdiscPlace(spec);
  qdiscOptions(spec);
  const ifindex = await ifindexOf(sock, spec.dev);
  await sock.request(encodeQdiscRequest(ifindex, spec, mode), options);
}

/** What {@link deleteQdisc} and {@link deleteClass} match. */
export interface TcDeleteSpec {
  /** Device. */
  dev: DeviceRef;
  /** Parent (`"root"`, `"ingress"`, `"1:"`). */
  parent?: TcHandle;
  /** Handle or class id. */
  handle?: TcHandle;
}

/**
 * Deletes a qdisc (`tc qdisc del dev X root`, `… ingress`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteQdisc } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await deleteQdisc(sock, { dev: "v0", parent: "root" });
 * ```
 */
export async function deleteQdisc(
  sock: NetlinkSocket,
  spec: TcDeleteSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const parent = spec.parent === undefined ? TC_H_ROOT : parseHandle(spec.parent);
  let handle = spec.handle === undefined ? 0 : parseQdiscHandle(spec.handle);
  if (spec.parent === "ingress" || spec.parent === "clsact") handle = 0xffff0000;
  const ifindex = await ifindexOf(sock, spec.dev);
  const m = new MessageWriter(RTM.DELQDISC, 0);
  tcmsg(m, ifindex, handle, parent);
  await sock.request(m.finish(), options);
}

/**
 * Adds, replaces or changes a class (`tc class add dev X parent 1: classid 1:10 htb rate 10mbit`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addClass, parseRate } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await addClass(sock, { dev: "v0", kind: "htb", parent: "1:", classid: "1:10", options: { rate: parseRate("10mbit") } });
 * ```
 */
export async function addClass(
  sock: NetlinkSocket,
  spec: ClassSpec,
  mode: TcWriteMode = "add",
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  encodeClassRequest(0, spec, mode);
  const ifindex = await ifindexOf(sock, spec.dev);
  await sock.request(encodeClassRequest(ifindex, spec, mode), options);
}

/**
 * Deletes a class (`tc class del dev X classid 1:10`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteClass } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await deleteClass(sock, { dev: "v0", handle: "1:10" });
 * ```
 */
export async function deleteClass(
  sock: NetlinkSocket,
  spec: TcDeleteSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  if (spec.handle === undefined) throw new TypeError("deleting a class needs its class id (handle)");
  const handle = parseHandle(spec.handle);
  const parent = spec.parent === undefined ? 0 : parseHandle(spec.parent);
  const ifindex = await ifindexOf(sock, spec.dev);
  const m = new MessageWriter(RTM.DELTCLASS, 0);
  tcmsg(m, ifindex, handle, parent);
  await sock.request(m.finish(), options);
}

async function withTargets(sock: NetlinkSocket, spec: FilterSpec): Promise<FilterSpec> {
  const acts = spec.options?.actions;
  if (!acts) return spec;
  const resolved: MirredSpec[] = [];
  for (const a of acts) resolved.push({ ...a, dev: await ifindexOf(sock, a.dev) });
  return { ...spec, options: { ...spec.options, actions: resolved } };
}

/**
 * Adds, replaces or changes a u32 filter, with mirred actions
 * (`tc filter add dev X parent 1: protocol ip prio 1 u32 match … flowid 1:10`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addFilter } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await addFilter(sock, {
 *   dev: "v0", parent: "1:", protocol: "ip", priority: 1, kind: "u32",
 *   options: { classid: "1:10", keys: [{ value: 0x0a000002, mask: 0xffffffff, off: 16 }] },
 * });
 * ```
 */
export async function addFilter(
  sock: NetlinkSocket,
  spec: FilterSpec,
  mode: TcWriteMode = "add",
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const probe = {
    ...spec,
    options: { ...spec.options, actions: spec.options?.actions?.map((a) => ({ ...a, dev: 1 })) },
  };
  encodeFilterRequest(RTM.NEWTFILTER, 0, probe, mode);
  const ifindex = await ifindexOf(sock, spec.dev);
  await sock.request(encodeFilterRequest(RTM.NEWTFILTER, ifindex, await withTargets(sock, spec), mode), options);
}

/**
 * Deletes filters (`tc filter del dev X parent 1: prio 1`): with a priority
 * and protocol, that classifier; with a handle and kind, one of its entries.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteFilter } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await deleteFilter(sock, { dev: "v0", parent: "1:", priority: 1, protocol: "ip" });
 * ```
 */
export async function deleteFilter(
  sock: NetlinkSocket,
  spec: FilterSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  encodeFilterRequest(RTM.DELTFILTER, 0, spec, "add");
  const ifindex = await ifindexOf(sock, spec.dev);
  await sock.request(encodeFilterRequest(RTM.DELTFILTER, ifindex, spec, "add"), options);
}

/** What {@link getFilter} looks up: one filter, as `tc filter get` names it. */
export interface FilterGetSpec {
  /** Device. */
  dev: DeviceRef;
  /** Parent qdisc or class (`"1:"`, `"ingress"`, `"egress"`). */
  parent: TcHandle | "egress";
  /** Protocol (`"ip"`, `"all"`…), as the filter was added with. */
  protocol: string | number;
  /** Priority (`pref`), not 0. */
  priority: number;
  /** Handle: a number, or as tc writes it (u32: `"800::800"`; others `"0x1"`). */
  handle: number | string;
  /** Kind (`"u32"`): checked by the kernel against the classifier's. */
  kind?: string;
  /** Chain (default 0). */
  chain?: number;
}

/**
 * Builds the `RTM_GETTFILTER` request of {@link getFilter} (checked before anything is sent).
 *
 * @example
 * ```ts
 * import { encodeFilterGet } from "@nlts/netlink/tc";
 * encodeFilterGet(2, { dev: 2, parent: "1:", protocol: "ip", priority: 1, handle: "800::800", kind: "u32" });
 * ```
 */
export function encodeFilterGet(ifindex: number, spec: FilterGetSpec): Uint8Array {
  const parent = filterParent(spec.parent);
  const prio = uint(spec.priority, 0xffff, "priority");
  if (!prio) throw new TypeError("getting a filter needs its priority (pref), not 0");
  const proto = protocolNumber(spec.protocol);
  let handle: number;
  if (typeof spec.handle === "number") handle = uint(spec.handle, 0xffffffff, "filter handle")!;
  else if (spec.kind === "u32" || spec.handle.includes(":")) handle = parseU32Handle(spec.handle);
  else if (/^(?:0x[0-9a-f]{1,8}|\d+)$/i.test(spec.handle)) handle = Number(spec.handle);
  else throw new TypeError(`${JSON.stringify(spec.handle)} is not a filter handle`);
  if (handle > 0xffffffff) throw new TypeError(`filter handle ${spec.handle} is not 32-bit`);
  const m = new MessageWriter(RTM.GETTFILTER, 0);
  tcmsg(m, ifindex, handle, parent, ((prio << 16) | ((proto & 0xff) << 8) | (proto >> 8)) >>> 0);
  writeAttrs(m, TCA, { kind: spec.kind, chain: uint(spec.chain, 0xffffffff, "chain") } as Loose, "filter");
  return m.finish();
}

/**
 * One filter by device, parent, protocol, priority and handle (`tc filter
 * get dev X parent 1: protocol ip pref 1 handle 800::800 u32`), as the
 * kernel answers `RTM_GETTFILTER`. A filter that is not there is a
 * `NetlinkError` (`ENOENT`, with the kernel's text).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { getFilter } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * const f = await getFilter(sock, { dev: "v0", parent: "1:", protocol: "ip", priority: 1, handle: "800::800", kind: "u32" });
 * console.log(f.options);
 * ```
 */
export async function getFilter(
  sock: NetlinkSocket,
  spec: FilterGetSpec,
  options: { signal?: AbortSignal } = {},
): Promise<Filter> {
  encodeFilterGet(0, spec);
  const ifindex = await ifindexOf(sock, spec.dev);
  const replies = await sock.request(encodeFilterGet(ifindex, spec), options);
  const reply = replies.find((r) => r.type === RTM.NEWTFILTER);
  if (reply === undefined) throw new ParseError("RTM_GETTFILTER: the kernel answered without the filter", 0);
  return decodeFilter(reply);
}
