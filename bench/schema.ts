/**
 * Hand decoder against the schema decoder, on the same bytes, interleaved.
 *
 * The bytes: the attributes of IPv4 routes generated from the `RTA_*` layout
 * (table, dst, priority, gateway, oif, as a dump of many routes carries
 * them); every captured `RTM_NEWLINK` under `test/route/fixtures/link-*.hex`
 * (veth, bridge, vxlan, tun, tap, ifb as the kernel sent them), repeated to
 * `messages` messages laid end to end in one buffer; and the `IFLA_INFO_DATA`
 * of the captured vxlan and bridge links, repeated the same way.
 *
 * The contenders decode the routes' scalar `RTA_*` fields, the top-level
 * attributes of each link (the ~30 scalar `IFLA_*` fields `decodeLink`
 * reads in its one pass) and pass over the others (see `withPads`):
 *
 * - hand: a cursor switch with a named store per field, written the way
 *   `src/route/link.ts` decodes (the fastest hand style in the tree);
 * - table: `decodeAttrsAt` of a schema set, the dense table walk;
 * - function: the same set through the reader generated once with `new Function`.
 *
 * and the same three for fields of the vxlan and bridge `IFLA_INFO_DATA`.
 *
 * Each round times every contender once, in an order that rotates per round,
 * in-process around the decode loop only (the bytes are built before). The
 * report gives min/median/max over the rounds and the ratio schema ÷ hand
 * taken per round (then its min/median/max). All contenders' results are
 * checked equal before timing.
 *
 * Usage:
 *   deno run -A bench/schema.ts [messages=100000] [rounds=9]
 *   bun bench/schema.ts [messages=100000] [rounds=9]
 */
import { readdirSync, readFileSync } from "node:fs";
import { AttrCursor, AttrWriter } from "../src/wire/attrs.ts";
import { u64nAt } from "../src/wire/values.ts";
import { type AttrDef, type AttrSet, decodeAttrsAt, defineAttrSet, useDecoder } from "../src/wire/schema.ts";
import { linkAttrs as linkSet, OPERSTATES } from "../src/route/link.ts";
import { routeAttrs } from "../src/route/route.ts";
import { vxlanAttrs } from "../src/route/linkinfo/vxlan.ts";
import { bridgeAttrs } from "../src/route/linkinfo/bridge.ts";
import { args, median, runtime } from "./common.ts";

const messages = Number(args[0] ?? 100_000);
const rounds = Number(args[1] ?? 9);

const fixtures = new URL("../test/route/fixtures/", import.meta.url);
function hex(name: string): Uint8Array {
  const text = readFileSync(new URL(name, fixtures), "utf8").replace(/\s+/g, "");
  return new Uint8Array((text.match(/../g) ?? []).map((h) => parseInt(h, 16)));
}

/** Attribute ranges `[start, end)` of each message's top level, in one buffer. */
interface Corpus {
  bytes: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
}

function corpus(parts: Uint8Array[], count: number): Corpus {
  let size = 0;
  for (let i = 0; i < count; i++) size += parts[i % parts.length].length;
  const bytes = new Uint8Array(size);
  const starts = new Int32Array(count), ends = new Int32Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const p = parts[i % parts.length];
    bytes.set(p, at);
    starts[i] = at;
    ends[i] = at + p.length;
    at += p.length;
  }
  return { bytes, starts, ends };
}

// --- the links: attributes after nlmsghdr + ifinfomsg -----------------------------------------
const linkMessages = readdirSync(fixtures).filter((f) => f.startsWith("link-")).sort().map(hex);
const linkAttrs = linkMessages.map((m) => m.subarray(32, m[0] | (m[1] << 8) | (m[2] << 16)));

/**
 * The attributes the hand decoders read, by the names they give them, taken
 * from the library's own sets (`linkAttrs`, `routeAttrs`) so the bench times
 * the definitions the library decodes with. `fields` maps each name to the
 * set's key, with overrides where the hand decoder reads a value another way
 * (an enum it names, a u8 it reads as a boolean).
 */
function fieldsOf(set: AttrSet, name: string, fields: Record<string, string | [string, Partial<AttrDef>]>): AttrSet {
  const attributes: Record<string, AttrDef> = {};
  for (const [field, from] of Object.entries(fields)) {
    const [key, override] = typeof from === "string" ? [from, {}] : from;
    const def = set.attributes[key];
    if (!def) throw new Error(`${set.name} has no attribute ${key}`);
    // Only the wire description: the hand decoders read plain values, not the library's codecs.
    attributes[field] = { id: def.id, type: def.type, "byte-order": def["byte-order"], as: def.as, ...override };
  }
  return defineAttrSet({ name, prefix: set.prefix, attributes });
}

const IFLA_SCALARS = fieldsOf(linkSet, "link", {
  address: "address",
  broadcast: "broadcast",
  name: "ifname",
  mtu: "mtu",
  link: "link",
  qdisc: "qdisc",
  master: "master",
  txqlen: "txqlen",
  operstate: ["operstate", { enum: OPERSTATES }],
  linkmode: "linkmode",
  alias: "ifalias",
  group: "group",
  promiscuity: "promiscuity",
  numTxQueues: "numTxQueues",
  numRxQueues: "numRxQueues",
  carrier: ["carrier", { as: "boolean" }],
  carrierChanges: "carrierChanges",
  linkNetnsid: "linkNetnsid",
  protoDown: ["protoDown", { as: "boolean" }],
  gsoMaxSegs: "gsoMaxSegs",
  gsoMaxSize: "gsoMaxSize",
  carrierUpCount: "carrierUpCount",
  carrierDownCount: "carrierDownCount",
  minMtu: "minMtu",
  maxMtu: "maxMtu",
  permAddress: "permAddress",
  groMaxSize: "groMaxSize",
  tsoMaxSize: "tsoMaxSize",
  tsoMaxSegs: "tsoMaxSegs",
  allmulti: "allmulti",
  gsoIpv4MaxSize: "gsoIpv4MaxSize",
  groIpv4MaxSize: "groIpv4MaxSize",
});

function macAt(b: Uint8Array, s: number, e: number): string {
  let out = "";
  for (let i = s; i < e; i++) out += (i > s ? ":" : "") + (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return out;
}

/** Attributes the hand decoders passed over (kept so the loop is not optimised away). */
let skipped = 0;

/**
 * The set plus a `pad` entry for every other attribute number in `parts`:
 * both sides then decode the same fields and pass over the rest. (Keeping
 * unknown attributes costs a copy each, the same on both sides, and would
 * hide the decoders' own cost.)
 */
function withPads(set: AttrSet, parts: Uint8Array[]): AttrSet {
  const known = new Set(Object.values(set.attributes).map((d) => d.id));
  const attributes: Record<string, AttrDef> = { ...set.attributes };
  for (const p of parts) {
    const c = new AttrCursor(p);
    while (c.next()) if (!known.has(c.type)) attributes[`pad${c.type}`] = { id: c.type, type: "pad" };
  }
  return { name: set.name, attributes };
}

/** The hand decoder of the same fields: the house's cursor switch with named stores. */
// deno-lint-ignore no-explicit-any
function handLink(b: Uint8Array, start: number, end: number): any {
  // deno-lint-ignore no-explicit-any
  const o: any = {};
  const c = new AttrCursor(b, start, end, start);
  while (c.next()) {
    switch (c.type) {
      case 1:
        if (o.address === undefined) o.address = c.mac();
        break;
      case 2:
        if (o.broadcast === undefined) o.broadcast = c.mac();
        break;
      case 3:
        if (o.name === undefined) o.name = c.str();
        break;
      case 4:
        if (o.mtu === undefined) o.mtu = c.u32();
        break;
      case 5:
        if (o.link === undefined) o.link = c.u32();
        break;
      case 6:
        if (o.qdisc === undefined) o.qdisc = c.str();
        break;
      case 10:
        if (o.master === undefined) o.master = c.u32();
        break;
      case 13:
        if (o.txqlen === undefined) o.txqlen = c.u32();
        break;
      case 16:
        if (o.operstate === undefined) {
          const s = c.u8();
          o.operstate = OPERSTATES[s] ?? s;
        }
        break;
      case 17:
        if (o.linkmode === undefined) o.linkmode = c.u8();
        break;
      case 20:
        if (o.alias === undefined) o.alias = c.str();
        break;
      case 27:
        if (o.group === undefined) o.group = c.u32();
        break;
      case 30:
        if (o.promiscuity === undefined) o.promiscuity = c.u32();
        break;
      case 31:
        if (o.numTxQueues === undefined) o.numTxQueues = c.u32();
        break;
      case 32:
        if (o.numRxQueues === undefined) o.numRxQueues = c.u32();
        break;
      case 33:
        if (o.carrier === undefined) o.carrier = c.u8() !== 0;
        break;
      case 35:
        if (o.carrierChanges === undefined) o.carrierChanges = c.u32();
        break;
      case 37:
        if (o.linkNetnsid === undefined) o.linkNetnsid = c.s32();
        break;
      case 39:
        if (o.protoDown === undefined) o.protoDown = c.u8() !== 0;
        break;
      case 40:
        if (o.gsoMaxSegs === undefined) o.gsoMaxSegs = c.u32();
        break;
      case 41:
        if (o.gsoMaxSize === undefined) o.gsoMaxSize = c.u32();
        break;
      case 47:
        if (o.carrierUpCount === undefined) o.carrierUpCount = c.u32();
        break;
      case 48:
        if (o.carrierDownCount === undefined) o.carrierDownCount = c.u32();
        break;
      case 50:
        if (o.minMtu === undefined) o.minMtu = c.u32();
        break;
      case 51:
        if (o.maxMtu === undefined) o.maxMtu = c.u32();
        break;
      case 54:
        if (o.permAddress === undefined) o.permAddress = macAt(b, c.start, c.end);
        break;
      case 58:
        if (o.groMaxSize === undefined) o.groMaxSize = c.u32();
        break;
      case 59:
        if (o.tsoMaxSize === undefined) o.tsoMaxSize = c.u32();
        break;
      case 60:
        if (o.tsoMaxSegs === undefined) o.tsoMaxSegs = c.u32();
        break;
      case 61:
        if (o.allmulti === undefined) o.allmulti = c.u32();
        break;
      case 63:
        if (o.gsoIpv4MaxSize === undefined) o.gsoIpv4MaxSize = c.u32();
        break;
      case 64:
        if (o.groIpv4MaxSize === undefined) o.groIpv4MaxSize = c.u32();
        break;
      default:
        skipped++;
    }
  }
  return o;
}

// --- vxlan and bridge IFLA_INFO_DATA ----------------------------------------------------------
function infoData(msg: Uint8Array): Uint8Array {
  const find = (b: Uint8Array, from: number, to: number, type: number): [number, number] => {
    const c = new AttrCursor(b, from, to);
    while (c.next()) if (c.type === type) return [c.start, c.end];
    throw new Error(`attribute ${type} not found`);
  };
  const [ls, le] = find(msg, 32, msg.length, 18); // IFLA_LINKINFO
  const [ds, de] = find(msg, ls, le, 2); // IFLA_INFO_DATA
  return msg.subarray(ds, de);
}
const vxlanBytes = infoData(hex("link-vxlan.hex"));
const bridgeBytes = infoData(hex("link-bridge.hex"));

/** Hand decoder of the vxlan fields the schema reads (before the post-processing both share). */
// deno-lint-ignore no-explicit-any
function handVxlan(b: Uint8Array, start: number, end: number): any {
  // deno-lint-ignore no-explicit-any
  const o: any = {};
  const c = new AttrCursor(b, start, end, start);
  while (c.next()) {
    switch (c.type) {
      case 1:
        o.id = c.u32();
        break;
      case 3:
        o.link = c.u32();
        break;
      case 5:
        o.ttl = c.u8();
        break;
      case 6:
        o.tos = c.u8();
        break;
      case 7:
        o.learning = c.u8() !== 0;
        break;
      case 8:
        o.ageing = c.u32();
        break;
      case 9:
        o.limit = c.u32();
        break;
      case 15:
        o.port = (b[c.start] << 8) | b[c.start + 1];
        break;
      default:
        skipped++;
    }
  }
  return o;
}
const VXLAN_SUBSET: AttrSet = fieldsOf(vxlanAttrs, "vxlan", {
  id: "id",
  link: "link",
  ttl: "ttl",
  tos: "tos",
  learning: "learning",
  ageing: "ageing",
  limit: "limit",
  port: "port",
});

/** Hand decoder of a handful of bridge fields (u32/u16/u8 and u64 timers as numbers). */
// deno-lint-ignore no-explicit-any
function handBridge(b: Uint8Array, start: number, end: number): any {
  // deno-lint-ignore no-explicit-any
  const o: any = {};
  const c = new AttrCursor(b, start, end, start);
  while (c.next()) {
    switch (c.type) {
      case 1:
        o.forwardDelay = c.u32();
        break;
      case 2:
        o.helloTime = c.u32();
        break;
      case 3:
        o.maxAge = c.u32();
        break;
      case 4:
        o.ageingTime = c.u32();
        break;
      case 5:
        o.stpState = c.u32();
        break;
      case 6:
        o.priority = c.u16();
        break;
      case 16:
        o.helloTimer = c.length === 8 ? u64nAt(b, c.start) : c.uint();
        break;
      case 19:
        o.gcTimer = c.length === 8 ? u64nAt(b, c.start) : c.uint();
        break;
      case 22:
        o.mcastRouter = c.u8();
        break;
      default:
        skipped++;
    }
  }
  return o;
}
const BRIDGE_SUBSET: AttrSet = fieldsOf(bridgeAttrs, "bridge", {
  forwardDelay: "forwardDelay",
  helloTime: "helloTime",
  maxAge: "maxAge",
  ageingTime: "ageingTime",
  stpState: "stpState",
  priority: "priority",
  helloTimer: "helloTimer",
  gcTimer: "gcTimer",
  mcastRouter: "mcastRouter",
});

// --- routes: generated from the RTA_* layout, as a 100k-route dump carries them ---------------
/** The attributes of one IPv4 unicast route as the kernel dumps it (table, dst, priority, gateway, oif). */
function routeAttrsOf(i: number): Uint8Array {
  const w = new AttrWriter();
  w.u32(15, 254); // RTA_TABLE
  w.attr(1, new Uint8Array([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])); // RTA_DST
  w.u32(6, 100 + (i % 7)); // RTA_PRIORITY
  w.attr(5, new Uint8Array([192, 0, 2, 1 + (i % 200)])); // RTA_GATEWAY
  w.u32(4, 2 + (i % 3)); // RTA_OIF
  return w.bytes().slice();
}
const routeParts = Array.from({ length: 4096 }, (_, i) => routeAttrsOf(i));

const RTA_SCALARS = fieldsOf(routeAttrs, "route", {
  dst: "dst",
  src: "src",
  iif: "iif",
  oif: "oif",
  gateway: "gateway",
  priority: "priority",
  prefsrc: "prefsrc",
  table: "table",
  mark: "mark",
  pref: "pref",
  nhId: "nexthopId",
});

/** Hand decoder of the same route fields: the cursor switch of `route.ts`'s style. */
// deno-lint-ignore no-explicit-any
function handRoute(b: Uint8Array, start: number, end: number): any {
  // deno-lint-ignore no-explicit-any
  const o: any = {};
  const c = new AttrCursor(b, start, end, start);
  while (c.next()) {
    switch (c.type) {
      case 1:
        if (o.dst === undefined) o.dst = c.ip();
        break;
      case 2:
        if (o.src === undefined) o.src = c.ip();
        break;
      case 3:
        if (o.iif === undefined) o.iif = c.u32();
        break;
      case 4:
        if (o.oif === undefined) o.oif = c.u32();
        break;
      case 5:
        if (o.gateway === undefined) o.gateway = c.ip();
        break;
      case 6:
        if (o.priority === undefined) o.priority = c.u32();
        break;
      case 7:
        if (o.prefsrc === undefined) o.prefsrc = c.ip();
        break;
      case 15:
        if (o.table === undefined) o.table = c.u32();
        break;
      case 16:
        if (o.mark === undefined) o.mark = c.u32();
        break;
      case 20:
        if (o.pref === undefined) o.pref = c.u8();
        break;
      case 30:
        if (o.nhId === undefined) o.nhId = c.u32();
        break;
      default:
        skipped++;
    }
  }
  return o;
}

// --- running ------------------------------------------------------------------------------------
type Decode = (b: Uint8Array, s: number, e: number) => unknown;
interface Workload {
  name: string;
  corpus: Corpus;
  hand: Decode;
  set: AttrSet;
}
const workloads: Workload[] = [
  { name: "route (generated)", corpus: corpus(routeParts, messages), hand: handRoute, set: RTA_SCALARS },
  {
    name: "link top level",
    corpus: corpus(linkAttrs, messages),
    hand: handLink,
    set: withPads(IFLA_SCALARS, linkAttrs),
  },
  {
    name: "vxlan INFO_DATA",
    corpus: corpus([vxlanBytes], messages),
    hand: handVxlan,
    set: withPads(VXLAN_SUBSET, [vxlanBytes]),
  },
  {
    name: "bridge INFO_DATA",
    corpus: corpus([bridgeBytes], messages),
    hand: handBridge,
    set: withPads(BRIDGE_SUBSET, [bridgeBytes]),
  },
];

let sink = 0;
function time(c: Corpus, decode: Decode): number {
  const { bytes, starts, ends } = c;
  const t0 = performance.now();
  for (let i = 0; i < starts.length; i++) {
    const o = decode(bytes, starts[i], ends[i]);
    if (o) sink++;
  }
  return performance.now() - t0;
}

const contenders: [string, (w: Workload) => Decode][] = [
  ["hand", (w) => w.hand],
  ["table", (w) => (b, s, e) => {
    useDecoder("table");
    return decodeAttrsAt(w.set, b, s, e);
  }],
  ["function", (w) => (b, s, e) => {
    useDecoder("function");
    return decodeAttrsAt(w.set, b, s, e);
  }],
];

console.log(`# bench/schema.ts: ${runtime}, ${messages} messages per workload, ${rounds} rounds (+1 warm-up)`);
for (const w of workloads) {
  // Same results from all three on every distinct message.
  const distinct = Math.min(16, w.corpus.starts.length);
  for (let i = 0; i < distinct; i++) {
    const s = w.corpus.starts[i], e = w.corpus.ends[i];
    const want = JSON.stringify(w.hand(w.corpus.bytes, s, e), (_, v) => v instanceof Uint8Array ? [...v] : v);
    for (const [name, make] of contenders.slice(1)) {
      const got = JSON.stringify(make(w)(w.corpus.bytes, s, e), (_, v) => v instanceof Uint8Array ? [...v] : v);
      if (got !== want) throw new Error(`${w.name}: ${name} differs from hand on message ${i}:\n${got}\n${want}`);
    }
  }
  const times: Record<string, number[]> = { hand: [], table: [], function: [] };
  for (let r = 0; r <= rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const [name, make] = contenders[(k + r) % contenders.length];
      const ms = time(w.corpus, make(w));
      if (r > 0) times[name].push(ms);
    }
  }
  const fmt = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `min ${s[0].toFixed(1)} median ${median(s).toFixed(1)} max ${s[s.length - 1].toFixed(1)} ms`;
  };
  const ratio = (name: string) => {
    const rs = times[name].map((t, i) => t / times.hand[i]).sort((a, b) => a - b);
    return `min ${rs[0].toFixed(2)} median ${median(rs).toFixed(2)} max ${rs[rs.length - 1].toFixed(2)}`;
  };
  console.log(`${w.name}:`);
  for (const [name] of contenders) {
    const per = (median(times[name]) * 1e6 / messages).toFixed(0);
    console.log(`  ${name.padEnd(8)} ${fmt(times[name])} (${per} ns/message)`);
  }
  console.log(`  table ÷ hand per round:    ${ratio("table")}`);
  console.log(`  function ÷ hand per round: ${ratio("function")}`);
}
useDecoder("table");
if (sink < 0 || skipped < 0) console.log(sink, skipped);

// --- encoding: writeAttrs against the same attributes written by hand ---------------------------
// The other direction: requests built from a set by `writeAttrs` against the
// same bytes written with `AttrWriter` calls one by one (what a hand-written
// request builder does), each message into a fresh writer as a request is.
// Workloads: a route (u32s and addresses), an nf_tables rule's expressions
// (a nest per expression, names, big-endian u32 registers, enums, binary
// data, a nested verdict), and 64-bit counters (given as numbers and as
// bigints). Same rounds and rotation as above; bytes checked equal first.
{
  const { useEncoder, writeAttrs } = await import("../src/wire/schema.ts");
  const ROUTE_REQ = defineAttrSet({
    name: "route",
    attributes: {
      dst: { id: 1, type: "ip" },
      oif: { id: 4, type: "u32" },
      gateway: { id: 5, type: "ip" },
      priority: { id: 6, type: "u32" },
      table: { id: 15, type: "u32" },
      pref: { id: 20, type: "u8" },
    },
  });
  const BE32 = { type: "u32", "byte-order": "big-endian" } as const;
  const VERDICT = defineAttrSet({
    name: "verdict",
    attributes: {
      code: { id: 1, type: "s32", "byte-order": "big-endian", enum: { drop: 0, accept: 1, jump: -3 } },
      chain: { id: 2, type: "string" },
    },
  });
  const DATA = defineAttrSet({
    name: "data",
    attributes: { value: { id: 1, type: "binary" }, verdict: { id: 2, type: "nest", nested: VERDICT } },
  });
  const EXPR_DATA = defineAttrSet({
    name: "expr-data",
    attributes: {
      dreg: { id: 1, ...BE32 },
      base: { id: 2, ...BE32, enum: ["ll", "network", "transport"] },
      offset: { id: 3, ...BE32 },
      len: { id: 4, ...BE32 },
      sreg: { id: 5, ...BE32 },
      op: { id: 6, ...BE32, enum: ["eq", "neq", "lt", "lte", "gt", "gte"] },
      data: { id: 7, type: "nest", nested: DATA },
    },
  });
  const EXPR = defineAttrSet({
    name: "expr",
    attributes: { name: { id: 1, type: "string" }, data: { id: 2, type: "nest", nested: EXPR_DATA } },
  });
  const RULE = defineAttrSet({
    name: "rule",
    attributes: {
      table: { id: 1, type: "string" },
      chain: { id: 2, type: "string" },
      expressions: { id: 4, type: "indexed-array", nested: EXPR },
    },
  });
  const COUNTERS = defineAttrSet({
    name: "counters",
    attributes: {
      bytes: { id: 1, type: "u64", "byte-order": "big-endian" },
      packets: { id: 2, type: "u64", "byte-order": "big-endian" },
      drops: { id: 3, type: "u64" },
      rate: { id: 4, type: "u32" },
    },
  });

  type Build = (w: AttrWriter, i: number) => void;
  interface EncodeWorkload {
    name: string;
    hand: Build;
    schema: Build;
  }
  const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const be = (n: number) => Uint8Array.of(n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  const encodeWorkloads: EncodeWorkload[] = [
    {
      name: "route request",
      hand: (w, i) => {
        w.ip(1, ip(i)).u32(4, 2 + (i % 3)).ip(5, "192.0.2.1").u32(6, 100 + (i % 7)).u32(15, 254).u8(20, 0);
      },
      schema: (w, i) =>
        writeAttrs(w, ROUTE_REQ, {
          dst: ip(i),
          oif: 2 + (i % 3),
          gateway: "192.0.2.1",
          priority: 100 + (i % 7),
          table: 254,
          pref: 0,
        }),
    },
    {
      name: "nf_tables rule",
      hand: (w, i) => {
        w.str(1, "b").str(2, "c");
        const list = w.beginNest(4);
        const elem = (k: number, name: string, data: (d: AttrWriter) => void) => {
          const e = w.beginNest(k);
          w.str(1, name);
          const d = w.beginNest(2);
          data(w);
          w.endNest(d);
          w.endNest(e);
        };
        elem(1, "payload", (d) => d.be32(1, 1).be32(2, 1).be32(3, 12).be32(4, 4));
        elem(2, "cmp", (d) => {
          d.be32(5, 1).be32(6, 0);
          const x = d.beginNest(7);
          d.attr(1, be(0x0a000000 + i));
          d.endNest(x);
        });
        elem(3, "immediate", (d) => {
          d.be32(1, 0);
          const x = d.beginNest(7);
          const v = d.beginNest(2);
          d.int(1, 4, -3, true).str(2, "sub");
          d.endNest(v);
          d.endNest(x);
        });
        w.endNest(list);
      },
      schema: (w, i) =>
        writeAttrs(w, RULE, {
          table: "b",
          chain: "c",
          expressions: [
            { name: "payload", data: { dreg: 1, base: "network", offset: 12, len: 4 } },
            { name: "cmp", data: { sreg: 1, op: "eq", data: { value: be(0x0a000000 + i) } } },
            { name: "immediate", data: { dreg: 0, data: { verdict: { code: "jump", chain: "sub" } } } },
          ],
        }),
    },
    {
      name: "u64 counters",
      hand: (w, i) => {
        w.be64(1, BigInt(i) * 1500n).be64(2, 2n ** 60n + BigInt(i)).u64(3, BigInt(i)).u32(4, i);
      },
      schema: (w, i) => writeAttrs(w, COUNTERS, { bytes: i * 1500, packets: 2n ** 60n + BigInt(i), drops: i, rate: i }),
    },
  ];
  const timeEncode = (build: Build): number => {
    const t0 = performance.now();
    for (let i = 0; i < messages; i++) {
      const w = new AttrWriter();
      build(w, i);
      sink += w.length;
    }
    return performance.now() - t0;
  };
  console.log(`# encode: ${runtime}, ${messages} messages per workload, ${rounds} rounds (+1 warm-up)`);
  for (const w of encodeWorkloads) {
    for (let i = 0; i < 64; i++) {
      const a = new AttrWriter(), b = new AttrWriter();
      w.hand(a, i);
      w.schema(b, i);
      if (a.bytes().join() !== b.bytes().join()) {
        throw new Error(`${w.name}: schema bytes differ from hand on message ${i}:\n${b.bytes()}\n${a.bytes()}`);
      }
    }
    const times: Record<string, number[]> = { hand: [], schema: [], "schema-table": [] };
    const order: [string, Build][] = [
      ["hand", w.hand],
      ["schema", (x, i) => {
        useEncoder("function");
        w.schema(x, i);
      }],
      ["schema-table", (x, i) => {
        useEncoder("table");
        w.schema(x, i);
      }],
    ];
    for (let r = 0; r <= rounds; r++) {
      for (let k = 0; k < order.length; k++) {
        const [name, build] = order[(k + r) % order.length];
        const ms = timeEncode(build);
        if (r > 0) times[name].push(ms);
      }
    }
    const spreadOf = (xs: number[], digits: number) => {
      const s = [...xs].sort((a, b) => a - b);
      return `min ${s[0].toFixed(digits)} median ${median(s).toFixed(digits)} max ${s[s.length - 1].toFixed(digits)}`;
    };
    console.log(`${w.name}:`);
    for (const [name] of order) {
      const per = (median(times[name]) * 1e6 / messages).toFixed(0);
      console.log(`  ${name.padEnd(8)} ${spreadOf(times[name], 1)} ms (${per} ns/message)`);
    }
    for (const name of ["schema", "schema-table"]) {
      console.log(`  ${name} ÷ hand per round: ${spreadOf(times[name].map((t, i) => t / times.hand[i]), 2)}`);
    }
  }
}
