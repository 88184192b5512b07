/**
 * The library's rtnetlink objects in the shapes `ip -j` prints (iproute2's
 * keys, nesting, names and omissions), so that `nlts … -j` can stand in for
 * `ip -j` under jq scripts written for iproute2. Only what iproute2 prints
 * without `-d`/`-s` is covered in full; `-s` adds `stats64` and `-d` the
 * link details whose values the library decodes.
 *
 * @module
 */
import type { Link } from "../route/link.ts";
import type { Address } from "../route/address.ts";
import type { Route } from "../route/route.ts";
import type { Neighbour } from "../route/neighbour.ts";
import type { Rule } from "../route/rule.ts";
import type { Nexthop } from "../route/nexthop.ts";
import { type Netconf, NETCONF_INDEX } from "../route/netconf.ts";
import type { RouteEncap } from "../route/route.ts";

/** Index → name of the namespace's links. */
export type Names = ReadonlyMap<number, string>;

/** What `ip -d` and `ip -s` add. */
export interface IpJsonOptions {
  /** `-d`. */
  details?: boolean;
  /** `-s`. */
  stats?: boolean;
  /** Indexes of the links that are down: a link whose `IFLA_LINK` is one of them gets ip's `M-DOWN` flag. */
  down?: ReadonlySet<number>;
}

/**
 * The flags as ip prints them: the link's own, and `M-DOWN` when the link
 * it sits on (a veth's peer, a vlan's parent) in this namespace is down.
 *
 * @example
 * ```ts
 * import { ipFlags } from "./ipjson.ts";
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * const lo = await rt.getLink("lo");
 * ipFlags(lo, new Set()); // ["LOOPBACK", "UP", "LOWER_UP"]
 * ```
 */
export function ipFlags(l: Link, down: ReadonlySet<number> | undefined): string[] {
  const under = l.link !== undefined && l.link !== l.index && l.linkNetnsid === undefined;
  return under && down?.has(l.link!) ? [...l.flags, "M-DOWN"] : l.flags;
}

type Json = Record<string, unknown>;

/** Drops the keys whose value is undefined (ip omits what the kernel did not say). */
function clean(o: Json): Json {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const GROUPS: Record<number, string> = { 0: "default" };

function stats64(l: Link): Json | undefined {
  const s = l.stats64 as Record<string, number | bigint> | undefined;
  if (!s) return undefined;
  const n = (v: number | bigint | undefined) => (typeof v === "bigint" ? Number(v) : v);
  return {
    rx: {
      bytes: n(s.rxBytes),
      packets: n(s.rxPackets),
      errors: n(s.rxErrors),
      dropped: n(s.rxDropped),
      over_errors: n(s.rxOverErrors),
      multicast: n(s.multicast),
    },
    tx: {
      bytes: n(s.txBytes),
      packets: n(s.txPackets),
      errors: n(s.txErrors),
      dropped: n(s.txDropped),
      carrier_errors: n(s.txCarrierErrors),
      collisions: n(s.collisions),
    },
  };
}

/** The link keys `ip -j link` and `ip -j addr` share; `linkmode` only in `link`. */
function linkHead(l: Link, names: Names, withMode: boolean, down?: ReadonlySet<number>): Json {
  const peer = l.link === undefined || l.link === l.index
    ? {}
    : l.linkNetnsid !== undefined
    ? { link_index: l.link, link_netnsid: l.linkNetnsid }
    : names.has(l.link)
    ? { link: names.get(l.link) }
    : { link_index: l.link };
  return clean({
    ifindex: l.index,
    ...peer,
    ifname: l.name,
    flags: ipFlags(l, down),
    mtu: l.mtu,
    qdisc: l.qdisc,
    master: l.master === undefined ? undefined : names.get(l.master) ?? l.master,
    operstate: l.operstate?.toUpperCase(),
    linkmode: withMode ? l.linkMode?.toUpperCase() : undefined,
    group: l.group === undefined ? undefined : GROUPS[l.group] ?? String(l.group),
    txqlen: l.txqlen,
    link_type: l.linkType,
    address: l.address,
    broadcast: l.broadcast,
    permaddr: l.permAddress,
  });
}

function linkDetails(l: Link): Json {
  const info = l.linkinfo as { kind?: string; slaveKind?: string } | undefined;
  return clean({
    promiscuity: l.promiscuity,
    allmulti: l.allmulti,
    min_mtu: l.minMtu,
    max_mtu: l.maxMtu,
    linkinfo: info?.kind === undefined ? undefined : { info_kind: info.kind },
    inet6_addr_gen_mode: l.inet6AddrGenMode,
    num_tx_queues: l.numTxQueues,
    num_rx_queues: l.numRxQueues,
    gso_max_size: l.gsoMaxSize,
    gso_max_segs: l.gsoMaxSegs,
    tso_max_size: l.tsoMaxSize,
    tso_max_segs: l.tsoMaxSegs,
    gro_max_size: l.groMaxSize,
  });
}

/**
 * A link as `ip -j link` prints it.
 *
 * @example
 * ```ts
 * import { ipLink } from "./ipjson.ts";
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * const lo = await rt.getLink("lo");
 * console.log(ipLink(lo, new Map([[1, "lo"]]))); // { ifindex: 1, ifname: "lo", … }
 * ```
 */
export function ipLink(l: Link, names: Names, options: IpJsonOptions = {}): Json {
  const out = linkHead(l, names, true, options.down);
  if (options.details) Object.assign(out, linkDetails(l));
  if (l.alias !== undefined) out.ifalias = l.alias;
  if (options.stats) out.stats64 = stats64(l);
  if (l.altNames.length) out.altnames = l.altNames;
  return out;
}

/** Address flags ip prints as `true` keys, in its order; `permanent` shows as the absence of `dynamic`. */
const ADDRESS_FLAGS = [
  "secondary",
  "temporary",
  "nodad",
  "optimistic",
  "dadfailed",
  "home",
  "deprecated",
  "tentative",
  "mngtmpaddr",
  "noprefixroute",
  "autojoin",
  "stable-privacy",
];

/**
 * One entry of `addr_info` as `ip -j addr` prints it.
 *
 * @example
 * ```ts
 * import { ipAddressInfo } from "./ipjson.ts";
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * for await (const a of rt.addresses()) console.log(ipAddressInfo(a));
 * ```
 */
export function ipAddressInfo(a: Address): Json {
  const out: Json = { family: a.family };
  const local = a.local ?? a.address;
  out.local = local;
  if (a.address !== undefined && a.local !== undefined && a.address !== a.local) out.address = a.address;
  out.prefixlen = a.prefixLength;
  if (a.broadcast !== undefined) out.broadcast = a.broadcast;
  if (a.anycast !== undefined) out.anycast = a.anycast;
  out.scope = a.scope;
  if (!a.flags.includes("permanent")) out.dynamic = true;
  for (const f of ADDRESS_FLAGS) {
    const name = f === "temporary" && a.family === "inet" ? "secondary" : f;
    if (a.flags.includes(f) || (f === "stable-privacy" && a.flags.includes("stable_privacy"))) out[name] = true;
  }
  if (a.label !== undefined) out.label = a.label;
  if (a.metric !== undefined) out.metric = a.metric;
  out.valid_life_time = a.validLifetime ?? 0xffffffff;
  out.preferred_life_time = a.preferredLifetime ?? 0xffffffff;
  return out;
}

/**
 * Links with their addresses nested, as `ip -j addr` prints them; links
 * without an address of the family asked for are left out when `family` is
 * given (as ip does with -4/-6).
 *
 * @example
 * ```ts
 * import { ipAddresses } from "./ipjson.ts";
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * const links = await Array.fromAsync(rt.links());
 * const addrs = await Array.fromAsync(rt.addresses());
 * console.log(ipAddresses(links, addrs, false));
 * ```
 */
export function ipAddresses(
  links: readonly Link[],
  addresses: readonly Address[],
  filtered: boolean,
  options: IpJsonOptions & { names?: Names; family?: string } = {},
): Json[] {
  const names = options.names ?? new Map(links.map((l) => [l.index, l.name]));
  const byLink = new Map<number, Json[]>();
  for (const a of addresses) {
    const list = byLink.get(a.index) ?? [];
    list.push(ipAddressInfo(a));
    byLink.set(a.index, list);
  }
  const out: Json[] = [];
  for (const l of links) {
    const info = byLink.get(l.index) ?? [];
    if (filtered && info.length === 0) continue;
    const head = linkHead(l, names, false, options.down);
    // ip prints the link layer only when no address family was asked for (or with -d).
    if (options.family !== undefined && !options.details) {
      for (const k of ["link_type", "address", "broadcast", "permaddr"]) delete head[k];
      // …and with -6 neither the qdisc nor the group (as iproute2 6.x prints it).
      if (options.family === "inet6") { for (const k of ["qdisc", "group"]) delete head[k]; }
    }
    if (options.details) Object.assign(head, linkDetails(l));
    if (options.stats) head.stats64 = stats64(l);
    head.addr_info = info;
    out.push(head);
  }
  return out;
}

/** The route tables ip names. */
export const TABLES: Readonly<Record<number, string>> = { 253: "default", 254: "main", 255: "local" };

/** `10.0.0.0/24`, `10.0.0.1` (a host route), `default`. */
function prefix(address: string | undefined, length: number, family: string | number): string {
  const full = family === "inet" ? 32 : family === "inet6" ? 128 : -1;
  if (address === undefined) return length === 0 ? "default" : `0/${length}`;
  return length === full ? address : `${address}/${length}`;
}

const ROUTE_FLAGS = [
  "dead",
  "onlink",
  "pervasive",
  "offload",
  "trap",
  "notify",
  "linkdown",
  "unresolved",
  "rt_offload",
  "rt_trap",
  "rt_offload_failed",
];

/** How a route is listed: `get` answers print no protocol or table (as `ip route get`). */
export interface IpRouteOptions extends IpJsonOptions {
  /** The table the listing asked for: ip names each route's table only for `table all`. */
  table?: number | "all";
  /** A `route get` answer. */
  get?: boolean;
  /** The listing was asked for one device: ip then leaves `dev` out. */
  dev?: boolean;
}

/** A string as JSON text. */
const q = JSON.stringify;

/**
 * The JSON text of strings drawn from a small set (type, protocol, scope
 * and table names, device names), made once each: a listing of 100,000
 * routes would otherwise stringify the same few words half a million times.
 * A number (a protocol, scope or type without a name) is a string too, as
 * ip prints it (`"protocol":"77"`).
 */
const quotedWords = new Map<string, string>();
function word(text: string | number): string {
  if (typeof text === "number") return q(String(text));
  let quoted = quotedWords.get(text);
  if (quoted === undefined) {
    quoted = q(text);
    if (quotedWords.size < 4096) quotedWords.set(text, quoted);
  }
  return quoted;
}

/**
 * The JSON text of an address or prefix: a quote on each side when it has
 * only the characters address text has (digits, `a-f`, `.`, `:`, `/`), the
 * one case of a route listing, where JSON.stringify would do the same slower.
 */
function addressText(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // 0-9 . / : a-f
    if (!((c >= 0x30 && c <= 0x3a) || c === 0x2e || c === 0x2f || (c >= 0x61 && c <= 0x66))) return q(text);
  }
  return `"${text}"`;
}

/** The JSON text of the flags ip prints, by a single flag (most routes have none or one). */
const ONE_FLAG = new Map(ROUTE_FLAGS.map((f) => [f, `[${q(f)}]`]));

/**
 * The flags of a route that ip prints, as the JSON array it prints them in.
 *
 * @example
 * ```ts
 * import { routeFlagsText } from "./ipjson.ts";
 * routeFlagsText(["linkdown"]); // '["linkdown"]'
 * ```
 */
export function routeFlagsText(flags: readonly string[]): string {
  if (flags.length === 0) return "[]";
  if (flags.length === 1) return ONE_FLAG.get(flags[0]) ?? "[]";
  let out = "";
  for (const f of flags) if (ROUTE_FLAGS.includes(f)) out += (out ? "," : "") + q(f);
  return `[${out}]`;
}

/** A device's name as ip prints it: `if<index>` for one it does not know. */
function devName(names: Names, index: number): string {
  return names.get(index) ?? `if${index}`;
}

/** The JSON text of each device name by index, per names map. */
const quotedDevs = new WeakMap<Names, Map<number, string>>();
function devText(names: Names, index: number): string {
  let devs = quotedDevs.get(names);
  if (devs === undefined) quotedDevs.set(names, devs = new Map());
  let quoted = devs.get(index);
  if (quoted === undefined) devs.set(index, quoted = q(devName(names, index)));
  return quoted;
}

/**
 * A route as `ip -j route` prints it, as JSON text. Written as text, key by
 * key, rather than built as an object and stringified: a listing of 100,000
 * routes spends a third of its CPU time here otherwise. The words and device
 * names are quoted once each, addresses without JSON.stringify.
 *
 * @example
 * ```ts
 * import { ipRoute } from "./ipjson.ts";
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * for await (const r of rt.routes()) console.log(ipRoute(r, new Map()));
 * ```
 */
export function ipRoute(r: Route, names: Names, options: IpRouteOptions = {}): string {
  // `dst` is always there: every other key follows with its comma.
  let out = r.type !== "unicast" || options.details ? `{"type":${word(r.type)},"dst":` : `{"dst":`;
  out += addressText(prefix(r.dst, r.dstLength, r.family));
  // As ip: a source prefix is `from`; a length without an address, `src` 0/LEN.
  if (r.src !== undefined && r.srcLength) out += `,"from":${addressText(prefix(r.src, r.srcLength, r.family))}`;
  else if (r.src === undefined && r.srcLength) out += `,"src":"0/${r.srcLength}"`;
  if (r.nexthopId !== undefined) out += `,"nhid":${r.nexthopId}`;
  // An `ip` encapsulation's `id` repeats a key, as in ip's text (a parser keeps the last).
  if (r.encap) {
    for (const [key, value] of encapEntries(r.encap, names, options.stats)) {
      if (value !== undefined) out += `,${q(key)}:${q(value)}`;
    }
  }
  if (r.gateway !== undefined) {
    if (r.viaFamily !== undefined && r.viaFamily !== r.family) {
      out += `,"via":${q({ family: r.viaFamily, host: r.gateway })}`;
    } else out += `,"gateway":${addressText(r.gateway)}`;
  }
  if (r.oif !== undefined && !options.dev) out += `,"dev":${devText(names, r.oif)}`;
  // ip names the table only when listing every table (and then not main, unless -d).
  if (options.table === "all" && (r.table !== 254 || options.details)) {
    out += `,"table":${word(TABLES[r.table] ?? String(r.table))}`;
  }
  if (!options.get && (r.protocol !== "boot" || options.details)) out += `,"protocol":${word(r.protocol)}`;
  if (r.scope !== "global" || options.details) out += `,"scope":${word(r.scope)}`;
  if (r.priority !== undefined) out += `,"metric":${r.priority}`;
  if (r.prefsrc !== undefined) out += `,"prefsrc":${addressText(r.prefsrc)}`;
  out += `,"flags":${routeFlagsText(r.flags)}`;
  // In ip's order: uid, the cache flags and cache info, metrics, iif, pref, then the paths.
  if (options.get) {
    if (r.uid !== undefined) out += `,"uid":${r.uid}`;
    out += `,"cache":${q(r.cache ?? [])}`;
  }
  if (r.expires !== undefined) out += `,"expires":${r.expires}`;
  if (r.metrics) {
    const { locked: _locked, ...values } = r.metrics as Record<string, unknown>;
    if (Object.keys(values).length) out += `,"metrics":${q([values])}`;
  }
  if (r.iif !== undefined && !options.get) out += `,"iif":${devText(names, r.iif)}`;
  if (r.pref !== undefined) out += `,"pref":${q(r.pref)}`;
  if (r.multipath?.length) {
    const dev = (i: number) => devName(names, i);
    const paths = r.multipath.map((p) =>
      clean({
        gateway: p.gateway,
        dev: p.ifindex === undefined ? undefined : dev(p.ifindex),
        weight: p.weight,
        flags: p.flags.filter((f) => ROUTE_FLAGS.includes(f)),
      })
    );
    out += `,"nexthops":${q(paths)}`;
  }
  return out + "}";
}

/**
 * A neighbour as `ip -j neigh` prints it.
 *
 * @example
 * ```ts
 * import { ipNeighbour } from "./ipjson.ts";
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * for await (const n of rt.neighbours()) console.log(ipNeighbour(n, new Map()));
 * ```
 */
export function ipNeighbour(n: Neighbour, names: Names, options: { dev?: boolean } = {}): Json {
  // As ip: a listing asked for one device leaves `dev` out.
  const dev = options.dev ? undefined : devName(names, n.index);
  const out: Json = clean({ dst: n.dst, dev, lladdr: n.lladdr });
  for (const f of ["router", "proxy", "extern_learn", "offload", "managed"]) if (n.flags.includes(f)) out[f] = null;
  out.state = n.state;
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/**
 * A rule as `ip -j rule` prints it.
 *
 * @example
 * ```ts
 * import { ipRule } from "./ipjson.ts";
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * for await (const r of rt.rules()) console.log(ipRule(r));
 * ```
 */
export function ipRule(r: Rule): Json {
  const out: Json = { priority: r.priority };
  if (r.invert) out.not = null;
  if (r.src !== undefined) {
    out.src = r.src;
    if (r.srcLength !== (r.family === "inet" ? 32 : 128)) out.srclen = r.srcLength;
  } else out.src = "all";
  if (r.dst !== undefined) {
    out.dst = r.dst;
    if (r.dstLength !== (r.family === "inet" ? 32 : 128)) out.dstlen = r.dstLength;
  }
  if (r.tos) out.tos = hex(r.tos);
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    out.fwmark = hex(r.fwmark ?? 0);
    if (r.fwmask !== undefined && r.fwmask !== 0xffffffff) out.fwmask = hex(r.fwmask);
  }
  if (r.iif !== undefined) out.iif = r.iif;
  if (r.oif !== undefined) out.oif = r.oif;
  if (r.l3mdev) out.l3mdev = null;
  if (r.uidRange) out.uid_start = r.uidRange.start, out.uid_end = r.uidRange.end;
  if (r.ipProto !== undefined) out.ipproto = r.ipProto;
  if (r.sport) out.sport = r.sport.start === r.sport.end ? r.sport.start : undefined;
  if (r.dport) out.dport = r.dport.start === r.dport.end ? r.dport.start : undefined;
  if (r.action === "to_tbl") {
    if (!r.l3mdev) out.table = TABLES[r.table] ?? String(r.table);
  } else if (r.action === "goto") out.goto = r.goto;
  else out.action = r.action;
  if (r.suppressPrefixLength !== undefined && r.suppressPrefixLength !== 0xffffffff) {
    out.suppress_prefixlen = r.suppressPrefixLength;
  }
  if (r.protocol !== undefined && r.protocol !== "unspec" && r.protocol !== "kernel") out.protocol = r.protocol;
  return clean(out);
}

/**
 * An object as ip writes it: keys in order, undefined values left out, and a
 * key may come twice (ip writes an `ip` encapsulation's `id` after the
 * nexthop's own; a parser keeps the last).
 */
function objectText(entries: readonly (readonly [string, unknown])[]): string {
  const parts: string[] = [];
  for (const [key, value] of entries) {
    if (value !== undefined) parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  return `{${parts.join(",")}}`;
}

/** `TUNNEL_KEY`, `TUNNEL_CSUM`, `TUNNEL_SEQ` of `LWTUNNEL_IP_FLAGS`, in the order ip prints them. */
const TUNNEL_FLAGS: readonly [string, number][] = [["key", 0x04], ["csum", 0x01], ["seq", 0x08]];

/**
 * The keys of ip's `lwt_print_encap` (iproute2 6.1): the kind, then what it
 * knows of `ip`, `ip6`, `seg6`, `seg6local` and `bpf`. `stats` is `-s`
 * (`seg6local` counters).
 */
function encapEntries(e: RouteEncap, names: Names, stats = false): [string, unknown][] {
  const out: [string, unknown][] = [["encap", e.kind ?? String(e.type)]];
  if (e.ip) {
    const v6 = e.kind === "ip6";
    out.push(["id", e.ip.id], ["src", e.ip.src], ["dst", e.ip.dst]);
    out.push(v6 ? ["hoplimit", e.ip.hoplimit] : ["ttl", e.ip.ttl], v6 ? ["tc", e.ip.tc] : ["tos", e.ip.tos]);
    for (const [name, bit] of TUNNEL_FLAGS) if ((e.ip.flags ?? 0) & bit) out.push([name, true]);
  } else if (e.seg6) {
    out.push(["mode", e.seg6.mode], ["segs", e.seg6.segs]);
    if (e.seg6.hmac !== undefined) out.push(["hmac", hex(e.seg6.hmac)]);
  } else if (e.seg6local) {
    const l = e.seg6local;
    const dev = (i: number | undefined) => (i === undefined ? undefined : devName(names, i));
    const table = (t: number | undefined) => (t === undefined ? undefined : TABLES[t] ?? String(t));
    out.push(["action", typeof l.action === "string" ? l.action : "<unknown>"]);
    if (l.srh) {
      const { segs, hmac } = l.srh;
      out.push(["srh", hmac === undefined ? { segs } : { segs, hmac: hex(hmac) }]);
    }
    out.push(["table", table(l.table)], ["vrftable", table(l.vrftable)], ["nh4", l.nh4], ["nh6", l.nh6]);
    out.push(["iif", dev(l.iif)], ["oif", dev(l.oif)]);
    if (l.bpf) out.push(["endpoint", l.bpf.name ?? "<unknown>"]);
    if (l.counters && stats) {
      const n = (v: bigint | undefined) => Number(v ?? 0n);
      out.push(["stats64", {
        packets: n(l.counters.packets),
        bytes: n(l.counters.bytes),
        errors: n(l.counters.errors),
      }]);
    }
  } else if (e.bpf) {
    for (const hook of ["in", "out", "xmit"] as const) {
      const prog = e.bpf[hook];
      if (prog) out.push([hook, prog.name ?? "<unknown>"]);
    }
    out.push(["headroom", e.bpf.headroom]);
  }
  return out;
}

/**
 * A nexthop as `ip -j nexthop` prints it, as JSON text (ip's key order,
 * including the repeated `id` of an `ip`/`ip6` encapsulation). `details`
 * is `-d`: scope and protocol always.
 *
 * @example
 * ```ts
 * import { ipNexthop } from "./ipjson.ts";
 * import { RouteClient } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open();
 * for await (const n of rt.nexthops()) console.log(ipNexthop(n, new Map()));
 * ```
 */
export function ipNexthop(n: Nexthop, names: Names, options: IpJsonOptions = {}): string {
  const out: [string, unknown][] = [["id", n.id]];
  if (n.group) {
    out.push(["group", n.group.map((m) => (m.weight === 1 ? { id: m.id } : { id: m.id, weight: m.weight }))]);
  }
  if (n.groupType !== undefined && n.groupType !== "mpath") out.push(["type", String(n.groupType)]);
  if (n.resilient) {
    const r = n.resilient;
    out.push(["resilient_args", {
      buckets: r.buckets,
      idle_timer: r.idleTimer,
      unbalanced_timer: r.unbalancedTimer,
      unbalanced_time: r.unbalancedTime,
    }]);
  }
  if (n.encap) out.push(...encapEntries(n.encap, names, options.stats));
  out.push(["gateway", n.gateway]);
  if (n.oif !== undefined) out.push(["dev", devName(names, n.oif)]);
  if (n.scope !== "global" || options.details) out.push(["scope", n.scope]);
  if (n.blackhole) out.push(["blackhole", null]);
  if (n.protocol !== "unspec" || options.details) out.push(["protocol", n.protocol]);
  out.push(["flags", n.flags.filter((f) => ROUTE_FLAGS.includes(f))]);
  if (n.fdb) out.push(["fdb", null]);
  return objectText(out);
}

/** `rp_filter` as ip names it. */
function rpFilterName(mode: number): string {
  return mode === 0 ? "off" : mode === 1 ? "strict" : mode === 2 ? "loose" : "unknown mode";
}

/** Where a netconf entry's settings are: a device's name, `all` or `default` (ip: `if<index>` for a missing name). */
function netconfDev(c: Netconf, names: Names): string {
  return c.index === NETCONF_INDEX.ALL
    ? "all"
    : c.index === NETCONF_INDEX.DEFAULT
    ? "default"
    : devName(names, c.index);
}

/**
 * A netconf entry as `ip -j netconf show` prints it: the settings iproute2
 * 6.1 knows, on/off as booleans, `rp_filter` by name (it leaves
 * `bc_forwarding` out).
 *
 * @example
 * ```ts
 * import { ipNetconf } from "./ipjson.ts";
 * ipNetconf({ family: "inet", index: -1, forwarding: 1, rpFilter: 2, unknown: [] }, new Map());
 * // { family: "inet", interface: "all", forwarding: true, rp_filter: "loose" }
 * ```
 */
export function ipNetconf(c: Netconf, names: Names): Json {
  const onOff = (value: number | undefined) => (value === undefined ? undefined : value !== 0);
  return clean({
    family: c.family,
    interface: netconfDev(c, names),
    forwarding: onOff(c.forwarding),
    rp_filter: c.rpFilter === undefined ? undefined : rpFilterName(c.rpFilter),
    mc_forwarding: onOff(c.mcForwarding),
    proxy_neigh: onOff(c.proxyNeigh),
    ignore_routes_with_linkdown: onOff(c.ignoreRoutesWithLinkdown),
    input: onOff(c.input),
  });
}

/**
 * A netconf entry as `ip netconf show` writes it in text: `inet a0 forwarding off rp_filter off …`.
 *
 * @example
 * ```ts
 * import { netconfText } from "./ipjson.ts";
 * netconfText({ family: "inet6", index: 1, forwarding: 1, unknown: [] }, new Map([[1, "lo"]])); // "inet6 lo forwarding on"
 * ```
 */
export function netconfText(c: Netconf, names: Names): string {
  const words: string[] = [];
  for (const [key, value] of Object.entries(ipNetconf(c, names))) {
    if (key === "family" || key === "interface") words.push(String(value));
    else words.push(key, onOffWord(value)!);
  }
  return words.join(" ");
}

/**
 * A value of ip's JSON as its text output writes it: `on`/`off` for a
 * boolean, a string as it is.
 *
 * @example
 * ```ts
 * import { onOffWord } from "./ipjson.ts";
 * onOffWord(true); // "on"
 * ```
 */
export function onOffWord(value: unknown): string | undefined {
  return typeof value === "boolean" ? (value ? "on" : "off") : value === undefined ? undefined : String(value);
}
