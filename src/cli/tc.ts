/**
 * The `tc` command of the `nlts` command line: `tc qdisc|class|filter
 * [show] [dev NAME] [-s]`, and qdisc and class writes in tc's words
 * (`tc qdisc add dev v0 root handle 1: htb default 10`,
 * `tc class add dev v0 parent 1: classid 1:10 htb rate 10mbit ceil 20mbit`,
 * `tc qdisc del dev v0 root`). Rates and sizes take iproute2's units.
 *
 * @module
 */
import { RouteClient } from "../route/client.ts";
import type { Filter, HtbClassSpec, Qdisc, QdiscSpec, TcClass, TcStats, TcWriteMode } from "../tc/tc.ts";
import { formatRate, formatSize, parseRate, parseSize, parseTime } from "../tc/units.ts";
import { parseHandle } from "../tc/handle.ts";
import { ipMatch, packU32Key } from "../tc/u32.ts";
import { AddressError } from "../wire/values.ts";
import type { U32Key } from "../tc/schema.ts";
import { encodeFilterGet, type FilterGetSpec, type FilterSpec, type MirredSpec } from "../tc/tc.ts";
import type { TcChain } from "../tc/chain.ts";
import { integer, type OptionSpec, UsageError } from "./args.ts";
import type { Context } from "./context.ts";
import type { Cell } from "./format.ts";
import type { Command } from "./route.ts";

const OBJECTS = ["qdisc", "class", "filter", "chain"] as const;

/** Words that take a value, by what they are. */
function pairs(words: string[], known: readonly string[], flags: readonly string[], what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (flags.includes(w)) {
      out.set(w, "");
      continue;
    }
    if (!known.includes(w)) throw new UsageError(`tc ${what}: unexpected ${JSON.stringify(w)}`);
    if (i + 1 >= words.length) throw new UsageError(`tc ${what}: ${w} needs a value`);
    out.set(w, words[++i]);
  }
  return out;
}

function usageOf<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TypeError || error instanceof AddressError) throw new UsageError(error.message);
    throw error;
  }
}

function statsLine(s: TcStats | undefined): string {
  if (!s) return "";
  return ` Sent ${s.bytes} bytes ${s.packets} pkt (dropped ${s.drops}, overlimits ${s.overlimits} requeues ${s.requeues}) backlog ${s.backlog}b ${s.qlen}p`;
}

function optionText(o: Record<string, unknown> | undefined): string {
  if (!o) return "";
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || typeof v === "object") continue;
    if (k === "rate" || k === "ceil" || k === "peakrate") out.push(`${k} ${formatRate(v as number)}`);
    else if (k === "burst" || k === "cburst") out.push(`${k} ${formatSize(v as number)}`);
    else if (k !== "buffer" && k !== "cbuffer") out.push(`${k} ${v}`);
  }
  return out.join(" ");
}

async function names(rt: RouteClient): Promise<Map<number, string>> {
  const map = new Map<number, string>();
  for await (const l of rt.links()) map.set(l.index, l.name);
  return map;
}

/** The `-j` shape: the object with `dev` beside `ifindex`, as `tc -j` names the device. */
function withDev<T extends { ifindex: number }>(o: T, devs: Map<number, string>): T & { dev: string } {
  return { ...o, dev: devs.get(o.ifindex) ?? String(o.ifindex) };
}

async function show(ctx: Context, rt: RouteClient, object: string, words: string[], stats: boolean): Promise<void> {
  const args = pairs(words, ["dev", "parent"], [], `${object} show`);
  const dev = args.get("dev");
  const devs = await names(rt);
  const cells = (o: Qdisc | TcClass | Filter): Cell[] => [
    o.kind,
    o.handle ?? "",
    devs.get(o.ifindex) ?? o.ifindex,
    o.parent,
    ...("priority" in o ? [`pref ${o.priority} ${o.protocol}`] : []),
    optionText(o.options as Record<string, unknown>) + (stats ? statsLine(o.stats) : ""),
  ];
  const strip = <T extends Qdisc | TcClass | Filter>(o: T): T => {
    if (stats) return o;
    const { stats: _s, xstats: _x, ...rest } = o;
    return rest as T;
  };
  if (object === "qdisc") {
    if (args.has("parent")) throw new UsageError('tc qdisc show: unexpected "parent"');
    const list: Qdisc[] = [];
    for await (const q of rt.tc.qdiscs({ dev })) list.push(withDev(strip(q), devs));
    ctx.list(list, ["kind", "handle", "dev", "parent", "options"], cells);
  } else if (object === "class") {
    const list: TcClass[] = [];
    for await (const c of rt.tc.classes({ dev })) list.push(withDev(strip(c), devs));
    ctx.list(list, ["kind", "classid", "dev", "parent", "options"], cells);
  } else {
    const parent = args.get("parent");
    if (parent !== undefined && dev === undefined) throw new UsageError("tc filter show: parent needs dev");
    const list: Filter[] = [];
    for await (const f of rt.tc.filters({ dev, parent })) list.push(withDev(strip(f), devs));
    ctx.list(list, ["kind", "handle", "dev", "parent", "pref", "options"], cells);
  }
}

const QDISC_WORDS = [
  "dev",
  "handle",
  "parent",
  "default",
  "r2q",
  "direct_qlen",
  "rate",
  "burst",
  "buffer",
  "maxburst",
  "limit",
  "latency",
  "peakrate",
  "mtu",
  "minburst",
];

async function qdiscWrite(rt: RouteClient, verb: string, words: string[]): Promise<void> {
  // tc's order: dev X [root | ingress | clsact | parent P] [handle H] KIND [options]
  const kinds = ["htb", "tbf", "ingress", "clsact", "pfifo", "bfifo", "pfifo_fast", "noqueue", "mq"];
  const rest = words.filter((w, i) => !(w === "root" && words[i - 1] !== "parent"));
  const isRoot = rest.length !== words.length;
  const kindAt = rest.findIndex((w, i) => kinds.includes(w) && (i === 0 || !QDISC_WORDS.includes(rest[i - 1])));
  const kind = kindAt >= 0 ? rest[kindAt] : undefined;
  const head = kindAt >= 0 ? rest.slice(0, kindAt) : rest;
  const tail = kindAt >= 0 ? rest.slice(kindAt + 1) : [];
  const a = pairs(head, ["dev", "handle", "parent"], [], `qdisc ${verb}`);
  const o = pairs(tail, QDISC_WORDS, [], `qdisc ${verb}`);
  const dev = a.get("dev");
  if (!dev) throw new UsageError(`tc qdisc ${verb}: dev NAME is required`);
  const parent = isRoot ? "root" : a.get("parent");
  if (verb === "del" || verb === "delete") {
    const where = kind === "ingress" || kind === "clsact" ? kind : parent;
    if (where === undefined) throw new UsageError("tc qdisc del: say root, ingress, clsact or parent P");
    usageOf(() => parseHandle(where));
    return await rt.tc.deleteQdisc({ dev, parent: where, handle: a.get("handle") });
  }
  if (!kind) throw new UsageError(`tc qdisc ${verb}: which kind (${kinds.join(", ")})?`);
  const spec: QdiscSpec = usageOf(() => {
    const s: QdiscSpec = { dev, kind, parent: parent ?? "root", handle: a.get("handle") };
    if (kind === "htb") {
      s.options = {
        defaultClass: o.get("default"),
        r2q: o.has("r2q") ? integer(o.get("r2q")!, "r2q", 0, 0xffffffff) : undefined,
        directQlen: o.has("direct_qlen") ? integer(o.get("direct_qlen")!, "direct_qlen", 0, 0xffffffff) : undefined,
      };
    } else if (kind === "tbf") {
      const burst = o.get("burst") ?? o.get("buffer") ?? o.get("maxburst");
      const mtu = o.get("mtu") ?? o.get("minburst");
      if (!o.has("rate") || burst === undefined) throw new UsageError("tc qdisc tbf: rate and burst are required");
      s.options = {
        rate: parseRate(o.get("rate")!),
        burst: parseSize(burst),
        limit: o.has("limit") ? parseSize(o.get("limit")!) : undefined,
        latency: o.has("latency") ? parseTime(o.get("latency")!) : undefined,
        peakrate: o.has("peakrate") ? parseRate(o.get("peakrate")!) : undefined,
        mtu: mtu === undefined ? undefined : parseSize(mtu),
      };
    } else if ((kind === "pfifo" || kind === "bfifo") && o.has("limit")) {
      s.options = {
        limit: kind === "bfifo" ? parseSize(o.get("limit")!) : integer(o.get("limit")!, "limit", 0, 0xffffffff),
      };
    }
    return s;
  });
  await rt.tc.addQdisc(spec, verbMode(verb));
}

function verbMode(verb: string): TcWriteMode {
  return verb === "replace" ? "replace" : verb === "change" ? "change" : "add";
}

async function classWrite(rt: RouteClient, verb: string, words: string[]): Promise<void> {
  const kindAt = words.indexOf("htb");
  const head = kindAt >= 0 ? words.slice(0, kindAt) : words;
  const a = pairs(head, ["dev", "parent", "classid"], [], `class ${verb}`);
  const dev = a.get("dev");
  if (!dev) throw new UsageError(`tc class ${verb}: dev NAME is required`);
  if (verb === "del" || verb === "delete") {
    const classid = a.get("classid");
    if (!classid) throw new UsageError("tc class del: classid is required");
    return await rt.tc.deleteClass({
      dev,
      handle: usageOf(() => (parseHandle(classid), classid)),
      parent: a.get("parent"),
    });
  }
  if (kindAt < 0) throw new UsageError(`tc class ${verb}: only htb classes can be written`);
  const o = pairs(
    words.slice(kindAt + 1),
    ["rate", "ceil", "burst", "cburst", "prio", "quantum", "overhead", "mpu"],
    [],
    `class ${verb}`,
  );
  const parent = a.get("parent"), classid = a.get("classid");
  if (!parent || !classid) throw new UsageError(`tc class ${verb}: parent and classid are required`);
  if (!o.has("rate")) throw new UsageError(`tc class ${verb}: htb needs a rate`);
  const options: HtbClassSpec = usageOf(() => ({
    rate: parseRate(o.get("rate")!),
    ceil: o.has("ceil") ? parseRate(o.get("ceil")!) : undefined,
    burst: o.has("burst") ? parseSize(o.get("burst")!) : undefined,
    cburst: o.has("cburst") ? parseSize(o.get("cburst")!) : undefined,
    prio: o.has("prio") ? integer(o.get("prio")!, "prio", 0, 7) : undefined,
    quantum: o.has("quantum") ? parseSize(o.get("quantum")!) : undefined,
    overhead: o.has("overhead") ? integer(o.get("overhead")!, "overhead", 0, 0xffff) : undefined,
    mpu: o.has("mpu") ? parseSize(o.get("mpu")!) : undefined,
  }));
  usageOf(() => (parseHandle(parent), parseHandle(classid)));
  await rt.tc.addClass({ dev, kind: "htb", parent, classid, options }, verbMode(verb));
}

/** A block as tc names it: `ingress`, `egress`, `root` or `parent P` among the words; what is left. */
function blockOf(words: string[], what: string): { parent?: string; rest: string[] } {
  const rest: string[] = [];
  let parent: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === "ingress" || w === "egress" || w === "root") parent = w;
    else if (w === "parent") {
      parent = words[++i];
      if (parent === undefined) throw new UsageError(`tc ${what}: parent needs a value`);
    } else rest.push(w);
  }
  if (parent !== undefined && parent !== "egress") usageOf(() => parseHandle(parent!));
  return { parent, rest };
}

/** `tc chain show dev X [ingress|egress|parent P]`, `tc chain add|del dev X … chain N [KIND]`. */
async function chainCommand(ctx: Context, rt: RouteClient, verb: string, words: string[]): Promise<void> {
  const { parent, rest } = blockOf(words, `chain ${verb}`);
  if (verb === "show" || verb === "list" || verb === "ls") {
    const a = pairs(rest, ["dev", "chain"], [], "chain show");
    const dev = a.get("dev");
    if (!dev) throw new UsageError("tc chain show: dev NAME is required");
    const only = a.has("chain") ? integer(a.get("chain")!, "chain", 0, 0xffffffff) : undefined;
    const devs = await names(rt);
    const list: TcChain[] = [];
    for await (const c of rt.tc.chains({ dev, parent })) {
      if (only === undefined || c.chain === only) list.push(withDev(c, devs));
    }
    return ctx.list(list, ["dev", "parent", "chain", "template"], (c) => [
      devs.get(c.ifindex) ?? c.ifindex,
      c.parent,
      c.chain,
      c.template?.kind ?? "",
    ]);
  }
  if (verb !== "add" && verb !== "del" && verb !== "delete") throw new UsageError(`tc chain: cannot ${verb}`);
  const kind = rest.length % 2 === 1 ? rest.pop() : undefined; // a template's kind ends the words
  const a = pairs(rest, ["dev", "chain"], [], `chain ${verb}`);
  const dev = a.get("dev");
  if (!dev || parent === undefined || !a.has("chain")) {
    throw new UsageError(`tc chain ${verb}: dev NAME, the block (ingress, egress, parent P) and chain N are required`);
  }
  const spec = { dev, parent, chain: integer(a.get("chain")!, "chain", 0, 0xffffffff) };
  if (verb === "add") return await rt.tc.addChain(kind === undefined ? spec : { ...spec, template: { kind } });
  if (kind !== undefined) throw new UsageError(`tc chain del: unexpected ${JSON.stringify(kind)}`);
  await rt.tc.deleteChain(spec);
}

/** `tc filter get dev X parent P|ingress|egress protocol P pref N handle H KIND [chain N]`. */
async function filterGet(ctx: Context, rt: RouteClient, words: string[], stats: boolean): Promise<void> {
  const { parent, rest } = blockOf(words, "filter get");
  const kind = rest.length % 2 === 1 ? rest.pop() : undefined;
  const a = pairs(rest, ["dev", "protocol", "prio", "pref", "handle", "chain"], [], "filter get");
  const dev = a.get("dev"), prio = a.get("prio") ?? a.get("pref"), protocol = a.get("protocol");
  const handle = a.get("handle");
  if (!dev || parent === undefined || !prio || !protocol || !handle) {
    throw new UsageError("tc filter get: dev, parent, protocol, pref and handle are required");
  }
  const spec = usageOf(() => {
    const s: FilterGetSpec = {
      dev,
      parent,
      protocol: /^(0x[0-9a-f]+|\d+)$/i.test(protocol) ? Number(protocol) : protocol,
      priority: integer(prio, "pref", 1, 0xffff),
      handle,
      kind,
      chain: a.has("chain") ? integer(a.get("chain")!, "chain", 0, 0xffffffff) : undefined,
    };
    encodeFilterGet(0, s);
    return s;
  });
  const f = await rt.tc.getFilter(spec);
  const devs = await names(rt);
  const { stats: _s, xstats: _x, ...rest2 } = f;
  ctx.list(
    [withDev(stats ? f : rest2 as Filter, devs)],
    ["kind", "handle", "dev", "parent", "pref", "options"],
    (o) => [
      o.kind,
      o.handle ?? "",
      devs.get(o.ifindex) ?? o.ifindex,
      o.parent,
      `pref ${o.priority} ${o.protocol} chain ${o.chain ?? 0}`,
      optionText(o.options as Record<string, unknown>) + (stats ? statsLine(o.stats) : ""),
    ],
  );
}

/** `tc filter add|replace|change|del dev X parent P [protocol P] [prio N] [u32 MATCHES [flowid C] [action mirred …]]`. */
async function filterWrite(rt: RouteClient, verb: string, words: string[]): Promise<void> {
  const kindAt = words.indexOf("u32");
  const head = kindAt >= 0 ? words.slice(0, kindAt) : words;
  const a = pairs(head, ["dev", "parent", "protocol", "prio", "pref", "handle", "chain"], [], `filter ${verb}`);
  const dev = a.get("dev"), parent = a.get("parent");
  if (!dev || !parent) throw new UsageError(`tc filter ${verb}: dev and parent are required`);
  const prio = a.get("prio") ?? a.get("pref");
  const protocol = a.get("protocol");
  const spec: FilterSpec = usageOf(() => ({
    dev,
    parent: parent === "egress" ? "egress" : (parseHandle(parent), parent),
    priority: prio === undefined ? undefined : integer(prio, "prio", 0, 0xffff),
    protocol: protocol === undefined ? undefined : /^(0x[0-9a-f]+|\d+)$/i.test(protocol) ? Number(protocol) : protocol,
    handle: a.has("handle") ? integer(a.get("handle"), "handle", 0, 0xffffffff) : undefined,
    chain: a.has("chain") ? integer(a.get("chain"), "chain", 0, 0xffffffff) : undefined,
  }));
  if (verb === "del" || verb === "delete") {
    if (kindAt >= 0) spec.kind = "u32";
    return await rt.tc.deleteFilter(spec);
  }
  if (kindAt < 0) throw new UsageError(`tc filter ${verb}: only u32 filters can be written`);
  const keys: U32Key[] = [];
  const actions: MirredSpec[] = [];
  let classid: string | undefined;
  const rest = words.slice(kindAt + 1);
  usageOf(() => {
    for (let i = 0; i < rest.length;) {
      const w = rest[i];
      if (w === "match" && rest[i + 1] === "ip") {
        const field = rest[i + 2];
        const takesMask = ["sport", "dport", "protocol", "tos", "dsfield"].includes(field);
        ipMatch(keys, field, rest[i + 3], takesMask ? rest[i + 4] : undefined);
        i += takesMask ? 5 : 4;
      } else if (w === "match" && rest[i + 1] === "u32") {
        if (rest[i + 4] !== "at") throw new UsageError("match u32 VALUE MASK at OFFSET");
        const n = (t: string, what: string) => integer(t, what, 0, 0xffffffff);
        packU32Key(
          keys,
          32,
          integer(rest[i + 5], "offset", 0, 0xffff),
          n(rest[i + 2], "value"),
          n(rest[i + 3], "mask"),
        );
        i += 6;
      } else if (w === "flowid" || w === "classid") {
        classid = rest[i + 1];
        if (classid === undefined) throw new UsageError(`${w} needs a class`);
        parseHandle(classid);
        i += 2;
      } else if (w === "action" && rest[i + 1] === "mirred") {
        const direction = rest[i + 2], what = rest[i + 3];
        if ((direction !== "egress" && direction !== "ingress") || (what !== "redirect" && what !== "mirror")) {
          throw new UsageError("action mirred egress|ingress redirect|mirror dev NAME");
        }
        if (rest[i + 4] !== "dev" || !rest[i + 5]) throw new UsageError("action mirred … needs dev NAME");
        actions.push({ kind: "mirred", direction, mirredAction: what, dev: rest[i + 5] });
        i += 6;
      } else {
        throw new UsageError(`tc filter ${verb}: unexpected ${JSON.stringify(w)}`);
      }
    }
  });
  spec.kind = "u32";
  spec.options = { classid, keys, actions: actions.length ? actions : undefined };
  await rt.tc.addFilter(spec, verbMode(verb));
}

const OPTIONS: OptionSpec[] = [{ names: ["-s", "--stats"], key: "stats", help: "with statistics" }];

/**
 * `nlts tc`.
 *
 * @example
 * ```ts
 * import { tc } from "./tc.ts";
 * console.log(tc.usage);
 * ```
 */
export const tc: Command = {
  usage: [
    "tc qdisc|class|filter [show] [dev NAME] [parent P] [-s]",
    "       tc chain [show] dev NAME [ingress|egress|parent P] [chain N]",
    "       tc chain add|del dev NAME ingress|egress|parent P chain N [KIND]",
    "       tc filter get dev NAME parent P|ingress|egress protocol P pref N handle H [chain N] KIND",
    "       tc qdisc add|replace|change dev NAME root|ingress|clsact|parent P [handle H] KIND [OPTIONS]",
    "       tc qdisc del dev NAME root|ingress|clsact|parent P",
    "       tc class add|replace|change dev NAME parent P classid C htb rate R [ceil R] [burst B] [cburst B] [prio N] [quantum B]",
    "       tc class del dev NAME classid C",
    "       tc filter add|replace|change dev NAME parent P [protocol ip|all|…] [prio N] u32 [match ip src|dst PREFIX]",
    "         [match ip sport|dport|protocol|tos N MASK] [match u32 VALUE MASK at OFF] [flowid C]",
    "         [action mirred egress|ingress redirect|mirror dev NAME]",
    "       tc filter del dev NAME parent P [protocol P] [prio N]",
  ].join("\n"),
  description:
    "Traffic control: qdiscs (htb default N r2q N; tbf rate R burst B limit B|latency T [peakrate R mtu B]; " +
    "filter chains; one filter by its handle (filter get); " +
    "ingress; clsact; pfifo|bfifo limit N; mq), htb classes, u32 filters with mirred actions. Rates: 10mbit, 1gbit, 100kbps…; " +
    "sizes: 1600, 15k, 1mb; times: 400ms. -j prints the objects with kind, handle, parent as tc spells them.",
  options: OPTIONS,
  async run(ctx, positionals, options) {
    const object = positionals[0];
    if (!OBJECTS.includes(object as never)) throw new UsageError("tc: say qdisc, class, filter or chain");
    let words = positionals.slice(1);
    let verb = "show";
    if (["show", "list", "ls", "add", "replace", "change", "del", "delete", "get"].includes(words[0])) {
      verb = words[0];
      words = words.slice(1);
    }
    await using rt = await RouteClient.open({ netns: ctx.netns });
    if (object === "chain") return await chainCommand(ctx, rt, verb, words);
    if (verb === "get") {
      if (object !== "filter") throw new UsageError(`tc ${object} get: only filters (tc filter get)`);
      return await filterGet(ctx, rt, words, options.stats === true);
    }
    if (verb === "show" || verb === "list" || verb === "ls") {
      return await show(ctx, rt, object, words, options.stats === true);
    }
    if (object === "qdisc") return await qdiscWrite(rt, verb, words);
    if (object === "class") return await classWrite(rt, verb, words);
    return await filterWrite(rt, verb, words);
  },
};
