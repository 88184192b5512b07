/**
 * The rtnetlink commands of the `nlts` command line: `link`, `addr`,
 * `route`, `neigh`, `rule`, `nexthop`, `netconf`, `monitor` and `demo`.
 *
 * @module
 */
import { RouteClient } from "../route/client.ts";
import type { RtnlGroupName } from "../route/constants.ts";
import type { RouteEvent } from "../route/events.ts";
import { Overrun } from "../wire/errors.ts";
import type { Link } from "../route/link.ts";
import type { Address } from "../route/address.ts";
import type { Neighbour } from "../route/neighbour.ts";
import type { Rule } from "../route/rule.ts";
import type { Nexthop } from "../route/nexthop.ts";
import type { Netconf, NetconfFamily } from "../route/netconf.ts";
import { integer, type OptionSpec, seconds, UsageError } from "./args.ts";
import { type Context, stopSignal, untilStopped } from "./context.ts";
import type { Cell } from "./format.ts";
import { table } from "./format.ts";
import {
  ipAddresses,
  ipFlags,
  ipLink,
  ipNeighbour,
  ipNetconf,
  ipNexthop,
  ipRule,
  netconfText,
  onOffWord,
} from "./ipjson.ts";
import { addrWrite, linkWrite, neighWrite, ruleWrite } from "./write.ts";
import {
  type Command,
  DETAILS,
  dropShow,
  family,
  FAMILY_OPTIONS,
  indexOf,
  keywords,
  linkNames,
  matches,
  STATS,
  tableName,
  usage,
  writeVerb,
} from "./rtnl.ts";
import { route, routeRow } from "./routes.ts";

export type { Command } from "./rtnl.ts";
export { matches, route };

const BRIEF: OptionSpec = { names: ["-br", "-brief", "--brief"], key: "brief", help: "one line per device, as ip -br" };
const FOR_OPTION: OptionSpec = {
  names: ["--for"],
  key: "for",
  value: "SECONDS",
  help: "stop after SECONDS (default: run until Ctrl-C)",
};

async function open(ctx: Context): Promise<RouteClient> {
  return await RouteClient.open({ netns: ctx.netns, trace: ctx.trace });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function linkRow(l: Link, names: Map<number, string>): Cell[] {
  return [
    l.index,
    l.name,
    l.operstate?.toUpperCase(),
    l.mtu,
    l.address,
    l.linkinfo?.kind,
    l.master === undefined ? undefined : names.get(l.master) ?? l.master,
    l.flags.join(","),
  ];
}
const LINK_HEADERS = ["index", "name", "state", "mtu", "address", "kind", "master", "flags"];

function addrText(a: Address): string {
  const local = `${a.local}/${a.prefixLength}`;
  return a.address !== undefined && a.address !== a.local ? `${a.local} peer ${a.address}/${a.prefixLength}` : local;
}
/** The flags as ip prints them: `dynamic` for an address with a finite lifetime, nothing for `permanent`. */
function addrFlags(a: Address): string {
  const flags = a.flags.filter((f) => f !== "permanent");
  if (!a.flags.includes("permanent")) flags.unshift("dynamic");
  return flags.join(",");
}
function addrRow(a: Address, names: Map<number, string>): Cell[] {
  return [names.get(a.index) ?? a.index, a.family, addrText(a), a.scope, addrFlags(a), a.label];
}
const ADDR_HEADERS = ["dev", "family", "address", "scope", "flags", "label"];

function neighRow(n: Neighbour, names: Map<number, string>): Cell[] {
  return [n.dst, names.get(n.index) ?? n.index, n.lladdr, n.state.join(","), n.flags.join(",")];
}
const NEIGH_HEADERS = ["dst", "dev", "lladdr", "state", "flags"];

function ruleSelector(r: Rule): string {
  const parts: string[] = [];
  if (r.invert) parts.push("not");
  parts.push("from", r.src === undefined ? "all" : `${r.src}/${r.srcLength}`);
  if (r.dst !== undefined) parts.push("to", `${r.dst}/${r.dstLength}`);
  if (r.tos) parts.push("tos", `0x${r.tos.toString(16)}`);
  if (r.fwmark !== undefined) {
    parts.push(
      "fwmark",
      `0x${r.fwmark.toString(16)}` +
        (r.fwmask !== undefined && r.fwmask !== 0xffffffff ? `/0x${r.fwmask.toString(16)}` : ""),
    );
  }
  if (r.iif !== undefined) parts.push("iif", r.iif);
  if (r.oif !== undefined) parts.push("oif", r.oif);
  if (r.ipProto !== undefined) parts.push("ipproto", String(r.ipProto));
  if (r.sport) parts.push("sport", `${r.sport.start}-${r.sport.end}`);
  if (r.dport) parts.push("dport", `${r.dport.start}-${r.dport.end}`);
  if (r.uidRange) parts.push("uidrange", `${r.uidRange.start}-${r.uidRange.end}`);
  return parts.join(" ");
}
function ruleAction(r: Rule): string {
  if (r.action === "to_tbl") {
    return r.l3mdev ? "lookup [l3mdev-table]" : `lookup ${tableName(r.table)}`;
  }
  if (r.action === "goto") return `goto ${r.goto}`;
  return String(r.action);
}
function ruleRow(r: Rule): Cell[] {
  return [r.priority, r.family, ruleSelector(r), ruleAction(r), r.protocol];
}
const RULE_HEADERS = ["priority", "family", "selector", "action", "proto"];

function nexthopRow(n: Nexthop, names: Map<number, string>): Cell[] {
  const what = [n.blackhole && "blackhole", n.fdb && "fdb", n.onlink && "onlink", ...n.flags].filter(Boolean);
  return [
    n.id,
    n.family,
    n.gateway,
    n.oif === undefined ? undefined : names.get(n.oif) ?? n.oif,
    n.group?.map((m) => (m.weight === 1 ? `${m.id}` : `${m.id},${m.weight}`)).join("/"),
    n.scope,
    n.protocol,
    what.join(","),
  ];
}
const NEXTHOP_HEADERS = ["id", "family", "gateway", "dev", "group", "scope", "proto", "flags"];

/** ip's JSON keys of the table's columns, in order. */
const NETCONF_KEYS = [
  "family",
  "interface",
  "forwarding",
  "rp_filter",
  "mc_forwarding",
  "proxy_neigh",
  "ignore_routes_with_linkdown",
];
function netconfRow(c: Netconf, names: Map<number, string>): Cell[] {
  const j = ipNetconf(c, names);
  return NETCONF_KEYS.map((key) => onOffWord(j[key]));
}
const NETCONF_HEADERS = ["family", "dev", "forwarding", "rp_filter", "mc_forwarding", "proxy_neigh", "linkdown"];

/** One line describing an rtnetlink event (or a loss), for the table mode of `monitor` and `demo`. */
export function eventLine(e: RouteEvent | Overrun, names: Map<number, string>): string {
  const words = (cells: Cell[]) => cells.filter((c) => c !== undefined && c !== "").join(" ");
  if (e instanceof Overrun) return `[overrun] events were lost (${e.where}): dump again to resync`;
  switch (e.kind) {
    case "link":
      if (e.action === "new") names.set(e.link.index, e.link.name);
      return `[link] ${e.action} ${words(linkRow(e.link, names))}`;
    case "address":
      return `[address] ${e.action} ${words(addrRow(e.address, names))}`;
    case "route":
      return `[route] ${e.action} ${words(routeRow(e.route, names))}`;
    case "neighbour":
      return `[neigh] ${e.action} ${words(neighRow(e.neighbour, names))}`;
    case "rule":
      return `[rule] ${e.action} ${words(ruleRow(e.rule))}`;
    case "nexthop":
      return `[nexthop] ${e.action} ${words(nexthopRow(e.nexthop, names))}`;
    case "nsid":
      return `[nsid] ${e.action} nsid ${e.nsid.nsid}`;
    case "netconf":
      return `[netconf] ${e.action} ${netconfText(e.netconf, names)}`;
    case "qdisc":
    case "class":
    case "filter": {
      const o = e.kind === "qdisc" ? e.qdisc : e.kind === "class" ? e.class : e.filter;
      const filter = e.kind === "filter"
        ? ` protocol ${e.filter.protocol} pref ${e.filter.priority} chain ${e.filter.chain ?? 0}`
        : "";
      return `[${e.kind}] ${e.action} ${o.kind} ${o.handle ?? ""} dev ${
        names.get(o.ifindex) ?? o.ifindex
      } parent ${o.parent}${filter}`;
    }
    case "chain":
      return `[chain] ${e.action} dev ${names.get(e.chain.ifindex) ?? e.chain.ifindex} parent ${e.chain.parent} ` +
        `chain ${e.chain.chain}${e.chain.template ? ` template ${e.chain.template.kind}` : ""}`;
    case "unknown":
      return `[unknown] message type ${e.message.type}${e.error ? `: ${e.error.message}` : ""}`;
  }
}

/** Group names `monitor` accepts, with what each stands for. */
const MONITOR_GROUPS: Record<string, RtnlGroupName[]> = {
  link: ["link"],
  address: ["ipv4_ifaddr", "ipv6_ifaddr"],
  addr: ["ipv4_ifaddr", "ipv6_ifaddr"],
  route: ["ipv4_route", "ipv6_route"],
  neigh: ["neigh"],
  rule: ["ipv4_rule", "ipv6_rule"],
  nexthop: ["nexthop"],
  nsid: ["nsid"],
  netconf: ["ipv4_netconf", "ipv6_netconf"],
  tc: ["tc"],
};

function monitorGroups(words: string[]): RtnlGroupName[] {
  if (words.length === 0 || words.includes("all")) return [...new Set(Object.values(MONITOR_GROUPS).flat())];
  const out: RtnlGroupName[] = [];
  for (const w of words) {
    const groups = MONITOR_GROUPS[w];
    if (groups) out.push(...groups);
    else if (/^[a-z0-9_]+$/.test(w)) out.push(w as RtnlGroupName); // a raw RTNLGRP name, checked by subscribe()
    else throw new UsageError(`monitor: unknown group ${JSON.stringify(w)}`);
  }
  return [...new Set(out)];
}

/** Reads ip's `KEY VALUE` and bare words; `flags` are words that stand alone. */
function showWords(
  positionals: string[],
  command: string,
  keys: readonly string[],
  flags: readonly string[],
  bare?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < positionals.length; i++) {
    const word = positionals[i];
    if (flags.includes(word)) {
      out[word] = "true";
      continue;
    }
    if (keys.includes(word)) {
      if (i + 1 >= positionals.length) throw new UsageError(`${command}: ${word} needs a value`);
      out[word] = positionals[++i];
      continue;
    }
    if (bare !== undefined && out[bare] === undefined) {
      out[bare] = word;
      continue;
    }
    throw new UsageError(`${command}: unexpected ${JSON.stringify(word)}`);
  }
  return out;
}

function linkFilter(kw: Record<string, string>, names: Map<number, string>): (l: Link) => boolean {
  return (l) =>
    (kw.dev === undefined || l.name === kw.dev || l.altNames.includes(kw.dev)) &&
    (kw.up === undefined || l.flags.includes("UP")) &&
    (kw.type === undefined || l.linkinfo?.kind === kw.type) &&
    (kw.master === undefined || (l.master !== undefined && names.get(l.master) === kw.master));
}

/** The first keys of `ip -br -j`: the name, and the peer in this namespace. */
function briefHead(l: Link, names: Map<number, string>): Record<string, unknown> {
  const peer = l.link !== undefined && l.link !== l.index ? names.get(l.link) : undefined;
  return peer === undefined ? { ifname: l.name } : { ifname: l.name, link: peer };
}

/** Indexes of the links that are not up (for ip's `M-DOWN`). */
function downLinks(links: readonly Link[]): Set<number> {
  return new Set(links.filter((l) => !l.flags.includes("UP")).map((l) => l.index));
}

/** `ip -br link`: name, state, address, flags. */
function briefLink(l: Link, names: Map<number, string>, down?: Set<number>): Cell[] {
  const peer = l.link !== undefined && l.link !== l.index && names.has(l.link) ? `@${names.get(l.link)}` : "";
  return [l.name + peer, l.operstate?.toUpperCase(), l.address, `<${ipFlags(l, down).join(",")}>`];
}

function statsRow(l: Link): Cell[] {
  const s = l.stats64 as Record<string, number | bigint> | undefined;
  return [s?.rxBytes, s?.rxPackets, s?.rxErrors, s?.rxDropped, s?.txBytes, s?.txPackets, s?.txErrors, s?.txDropped];
}
const STATS_HEADERS = [
  "rx-bytes",
  "rx-packets",
  "rx-errors",
  "rx-dropped",
  "tx-bytes",
  "tx-packets",
  "tx-errors",
  "tx-dropped",
];

function detailsRow(l: Link): Cell[] {
  return [l.promiscuity, l.minMtu, l.maxMtu, l.numTxQueues, l.numRxQueues, l.inet6AddrGenMode, l.alias];
}
const DETAILS_HEADERS = ["promisc", "min-mtu", "max-mtu", "txq", "rxq", "addrgenmode", "alias"];

/** `link`. */
export const link: Command = {
  usage: usage("link", "link [show] [[dev] DEV] [up] [type KIND] [master DEV] [-d] [-s] [-br]"),
  description: "List network interfaces (all of them, or those the words select); or add, change or delete one. " +
    "Writes print nothing on success.",
  options: [DETAILS, STATS, BRIEF],
  async run(ctx, positionals, options) {
    const verb = writeVerb("link", positionals);
    if (verb) return await linkWrite(ctx, verb, positionals.slice(1));
    const kw = showWords(dropShow(positionals), "link", ["dev", "type", "master", "group"], ["up"], "dev");
    await using rt = await open(ctx);
    const all = await collect(rt.links());
    const names = new Map(all.map((l) => [l.index, l.name]));
    if (kw.dev !== undefined && !all.some((l) => l.name === kw.dev || l.altNames.includes(kw.dev))) {
      await rt.getLink(kw.dev); // the kernel's own "no such device"
    }
    const links = all.filter(linkFilter(kw, names));
    const down = downLinks(all);
    if (options.brief) {
      const out = ctx.stream(["name", "state", "address", "flags"], (l: Link) => briefLink(l, names, down), {
        header: false,
        serialize: (l) =>
          JSON.stringify({
            ...briefHead(l, names),
            operstate: l.operstate?.toUpperCase(),
            address: l.address,
            flags: ipFlags(l, down),
          }),
      });
      for (const l of links) out.push(l);
      return out.end();
    }
    const headers = [
      ...LINK_HEADERS,
      ...(options.details ? DETAILS_HEADERS : []),
      ...(options.stats ? STATS_HEADERS : []),
    ];
    const out = ctx.stream(headers, (l: Link) => [
      ...linkRow(l, names),
      ...(options.details ? detailsRow(l) : []),
      ...(options.stats ? statsRow(l) : []),
    ], {
      serialize: ctx.ipJson
        ? (l) =>
          JSON.stringify(ipLink(l, names, { details: options.details === true, stats: options.stats === true, down }))
        : undefined,
    });
    if (ctx.ipJson && kw.up !== undefined) {
      // ip -j link show up prints an empty object for each link that is down: so do we.
      const { up: _up, ...rest } = kw;
      for (const l of all.filter(linkFilter(rest, names))) {
        if (l.flags.includes("UP")) out.push(l);
        else out.pushJson("{}");
      }
      return out.end();
    }
    for (const l of links) out.push(l);
    out.end();
  },
};

/** `addr`. */
export const addr: Command = {
  usage: usage("addr", "addr [show] [[dev] DEV] [up] [-4|-6] [-br] [-d] [-s]"),
  description: "List interface addresses; or add, replace or delete one (a bare ADDR is a host prefix). " +
    "Writes print nothing on success.",
  options: [...FAMILY_OPTIONS, DETAILS, STATS, BRIEF],
  async run(ctx, positionals, options) {
    const verb = writeVerb("addr", positionals);
    if (verb) return await addrWrite(ctx, verb, positionals.slice(1));
    const kw = showWords(dropShow(positionals), "addr", ["dev", "type", "master", "label"], ["up"], "dev");
    await using rt = await open(ctx);
    const allLinks = await collect(rt.links());
    const names = new Map(allLinks.map((l) => [l.index, l.name]));
    const index = kw.dev === undefined ? undefined : await indexOf(rt.socket, kw.dev);
    const links = allLinks.filter(linkFilter(kw, names));
    const shown = new Set(links.map((l) => l.index));
    const fam = family(options);
    const addrs = (await collect(rt.addresses({ family: fam, index })))
      .filter((a) => shown.has(a.index) && (kw.label === undefined || a.label === kw.label));
    if (options.brief) {
      const byLink = new Map<number, string[]>();
      for (const a of addrs) {
        byLink.set(a.index, [
          ...(byLink.get(a.index) ?? []),
          a.local === undefined ? `${a.address}/${a.prefixLength}` : addrText(a),
        ]);
      }
      const rows = links.filter((l) => fam === undefined || byLink.has(l.index));
      const out = ctx.stream(
        ["name", "state", "addresses"],
        (l: Link) => [briefLink(l, names)[0], l.operstate?.toUpperCase(), (byLink.get(l.index) ?? []).join(" ")],
        {
          header: false,
          serialize: (l) =>
            JSON.stringify({
              ...briefHead(l, names),
              operstate: l.operstate?.toUpperCase(),
              addr_info: addrs.filter((a) => a.index === l.index).map((a) =>
                a.local !== undefined && a.address !== undefined && a.address !== a.local
                  ? { local: a.local, address: a.address, prefixlen: a.prefixLength }
                  : { local: a.local ?? a.address, prefixlen: a.prefixLength }
              ),
            }),
        },
      );
      for (const l of rows) out.push(l);
      return out.end();
    }
    if (ctx.ipJson) {
      const list = ipAddresses(links, addrs, fam !== undefined || kw.label !== undefined, {
        names,
        family: fam,
        down: downLinks(allLinks),
        details: options.details === true,
        stats: options.stats === true,
      });
      const out = ctx.stream<unknown>([], () => [], { serialize: (x) => JSON.stringify(x) });
      for (const item of list) out.push(item);
      return out.end();
    }
    ctx.list(addrs, ADDR_HEADERS, (a) => addrRow(a, names));
  },
};

/** `neigh`. */
export const neigh: Command = {
  usage: usage("neigh", "neigh [show] [dev DEV] [nud all|STATE] [-4|-6]"),
  description: "List the neighbour (ARP and NDP) table; like ip, NOARP entries only with `nud all` or `nud noarp`. " +
    "Or add, replace or delete an entry (nud permanent unless told). Writes print nothing on success.",
  options: FAMILY_OPTIONS,
  async run(ctx, positionals, options) {
    const verb = writeVerb("neigh", positionals);
    if (verb) return await neighWrite(ctx, verb, positionals.slice(1), options);
    const { dev, nud } = keywords(dropShow(positionals), ["dev", "nud"], "neigh");
    const state = nud?.toUpperCase();
    await using rt = await open(ctx);
    const names = await linkNames(rt.socket);
    const index = dev === undefined ? undefined : await indexOf(rt.socket, dev);
    const list = (await collect(rt.neighbours({ family: family(options), index }))).filter((n) =>
      state === "ALL" || (state === undefined ? !n.state.includes("NOARP") : n.state.includes(state))
    );
    const out = ctx.stream(NEIGH_HEADERS, (n: Neighbour) => neighRow(n, names), {
      serialize: ctx.ipJson ? (n) => JSON.stringify(ipNeighbour(n, names, { dev: index !== undefined })) : undefined,
    });
    for (const n of list) out.push(n);
    out.end();
  },
};

/** `rule`. */
export const rule: Command = {
  usage: usage("rule", "rule [show] [-4|-6]"),
  description: "List policy routing rules (IPv4 unless -6); or add or delete one (the family follows from " +
    "from/to, else IPv4 unless -6; add looks up main unless told). Writes print nothing on success.",
  options: FAMILY_OPTIONS,
  async run(ctx, positionals, options) {
    const verb = writeVerb("rule", positionals);
    if (verb) return await ruleWrite(ctx, verb, positionals.slice(1), options);
    keywords(dropShow(positionals), [], "rule");
    await using rt = await open(ctx);
    const list = await collect(rt.rules({ family: family(options, "inet") }));
    const out = ctx.stream(RULE_HEADERS, ruleRow, {
      serialize: ctx.ipJson ? (r) => JSON.stringify(ipRule(r)) : undefined,
    });
    for (const r of list) out.push(r);
    out.end();
  },
};

/** `nexthop`. */
export const nexthop: Command = {
  usage: "nexthop [show] [-4|-6] [id ID] [dev DEV] [groups] [fdb] [-d]",
  description: "List nexthop objects (all of them, or those the words select: `id` asks the kernel for one; " +
    "`dev`, `groups` and `fdb` are filtered by the kernel).",
  options: [...FAMILY_OPTIONS, DETAILS],
  async run(ctx, positionals, options) {
    const kw = showWords(dropShow(positionals), "nexthop", ["id", "dev"], ["groups", "fdb"]);
    await using rt = await open(ctx);
    const names = await linkNames(rt.socket);
    const out = ctx.stream(NEXTHOP_HEADERS, (n: Nexthop) => nexthopRow(n, names), {
      serialize: ctx.ipJson ? (n) => ipNexthop(n, names, { details: options.details === true }) : undefined,
    });
    try {
      if (kw.id !== undefined) {
        out.push(await rt.getNexthop(integer(kw.id, "id", 1, 0xffffffff)));
        return;
      }
      const oif = kw.dev === undefined ? undefined : await indexOf(rt.socket, kw.dev);
      const filter = { family: family(options), oif, groups: kw.groups !== undefined, fdb: kw.fdb !== undefined };
      for await (const n of rt.nexthops(filter)) out.push(n);
    } finally {
      out.end();
    }
  },
};

/** `netconf`. */
export const netconf: Command = {
  usage: "netconf [show] [dev DEV] [-4|-6]",
  description: "Per-device IP settings (forwarding, rp_filter, mc_forwarding, proxy_neigh, " +
    "ignore_routes_with_linkdown) of every device and of all and default, or of one device, as ip netconf shows them.",
  options: FAMILY_OPTIONS,
  async run(ctx, positionals, options) {
    const { dev } = keywords(dropShow(positionals), ["dev"], "netconf");
    await using rt = await open(ctx);
    const names = await linkNames(rt.socket);
    const out = ctx.stream(NETCONF_HEADERS, (c: Netconf) => netconfRow(c, names), {
      serialize: ctx.ipJson ? (c) => JSON.stringify(ipNetconf(c, names)) : undefined,
    });
    try {
      const only = family(options) as NetconfFamily | undefined;
      if (dev !== undefined) {
        // As ip: one request a family (both unless -4 or -6).
        const index = await indexOf(rt.socket, dev);
        for (const f of only ? [only] : ["inet", "inet6"] as const) out.push(await rt.getNetconf(f, index));
      } else for await (const c of rt.netconf({ family: only })) out.push(c);
    } finally {
      out.end();
    }
  },
};

/** `monitor`. */
export const monitor: Command = {
  usage: "monitor [all|link|address|route|neigh|rule|nexthop|nsid|netconf|tc|RTNLGRP_NAME…] [--for SECONDS]",
  description: "Print rtnetlink events as they happen (default: all of the named groups) until Ctrl-C.",
  options: [FOR_OPTION],
  async run(ctx, positionals, options) {
    const groups = monitorGroups(positionals);
    using stop = stopSignal(seconds(options, "for"));
    await using rt = await open(ctx);
    const names = await linkNames(rt.socket);
    await using events = rt.events(groups, { signal: stop.signal });
    await untilStopped(stop.signal, async () => {
      await events.ready;
      for await (const e of events) ctx.item(e, () => eventLine(e, names));
    });
  },
};

/** `demo`: the README's first command. */
export const demo: Command = {
  usage: "demo [--for SECONDS]",
  description: "List the links and addresses of the namespace, then print link events until Ctrl-C.",
  options: [FOR_OPTION],
  async run(ctx, positionals, options) {
    if (positionals.length) throw new UsageError(`demo: unexpected ${JSON.stringify(positionals[0])}`);
    const duration = seconds(options, "for");
    using stop = stopSignal(duration);
    await using rt = await open(ctx);
    const links = await collect(rt.links());
    const names = new Map(links.map((l) => [l.index, l.name]));
    const addrs = await collect(rt.addresses());
    if (ctx.json) {
      // NDJSON: the listing as items of the same shape as the events that follow.
      for (const l of links) ctx.item({ kind: "link", link: l }, () => "");
      for (const a of addrs) ctx.item({ kind: "address", address: a }, () => "");
    } else {
      ctx.io.out("links:");
      ctx.io.out(indent(table(LINK_HEADERS, links.map((l) => linkRow(l, names)))));
      ctx.io.out("addresses:");
      ctx.io.out(indent(table(ADDR_HEADERS, addrs.map((a) => addrRow(a, names)))));
    }
    await using events = rt.events(["link"], { signal: stop.signal });
    await untilStopped(stop.signal, async () => {
      await events.ready;
      ctx.note(`link events${duration ? ` for ${duration} s` : " (Ctrl-C to stop)"}:`);
      for await (const e of events) ctx.item(e, () => `  ${eventLine(e, names)}`);
    });
  },
};

function indent(text: string): string {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}
