/**
 * The writing half of the rtnetlink commands of the `nlts` command line, in
 * iproute2's syntax: `link add|set|del`, `addr add|replace|del`,
 * `route add|replace|append|del`, `neigh add|replace|del` and
 * `rule add|del`. They print nothing on success; the kernel's refusals are
 * one line with its ext-ACK text (exit 1), mistakes in the words are
 * {@link UsageError}s (exit 2).
 *
 * @module
 */
import { RouteClient } from "../route/client.ts";
import type { LinkChanges, LinkSpec } from "../route/link.ts";
import type { AddressFlag, AddressSpec, Lifetime } from "../route/address.ts";
import type { RouteProtocolName, RouteScopeName, RouteSpec, RouteTypeName } from "../route/route.ts";
import type { NeighbourFlag, NeighbourSpec, NeighbourState } from "../route/neighbour.ts";
import type { Range, RuleAction, RuleSpec } from "../route/rule.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import type { VxlanOptions } from "../route/linkinfo/vxlan.ts";
import { integer, UsageError } from "./args.ts";
import { CliError, type Context } from "./context.ts";

/** The words of a write, read from left to right. */
class Words {
  // Plain fields, not parameter properties: Node's type stripping (which runs
  // this file as it is) only accepts erasable TypeScript syntax.
  readonly command: string;
  readonly list: readonly string[];
  #i = 0;
  constructor(command: string, list: readonly string[]) {
    this.command = command;
    this.list = list;
  }
  get done(): boolean {
    return this.#i >= this.list.length;
  }
  next(): string {
    return this.list[this.#i++];
  }
  peek(): string | undefined {
    return this.list[this.#i];
  }
  /** The value after the keyword `key`. */
  value(key: string): string {
    if (this.done) throw this.usage(`${key} needs a value`);
    return this.next();
  }
  /** A usage error naming the command and where to read more. */
  usage(message: string): UsageError {
    return new UsageError(`${this.command}: ${message} (nlts ${this.command.split(" ")[0]} --help)`);
  }
  unexpected(word: string): UsageError {
    return this.usage(`unexpected ${JSON.stringify(word)}`);
  }
}

type Options = Record<string, string | boolean>;

function familyOf(options: Options): "inet" | "inet6" | undefined {
  if (options.inet && options.inet6) throw new UsageError("-4 and -6 exclude each other");
  return options.inet ? "inet" : options.inet6 ? "inet6" : undefined;
}

async function open(ctx: Context): Promise<RouteClient> {
  return await RouteClient.open({ netns: ctx.netns, trace: ctx.trace });
}

/** Index of the device `name`; a missing one is a plain "cannot find device". */
async function devIndex(rt: RouteClient, name: string): Promise<number> {
  try {
    return (await rt.getLink(name)).index;
  } catch (error) {
    if ((error as { code?: string }).code === "ENODEV") {
      throw new CliError(`cannot find device ${JSON.stringify(name)} (${(error as Error).message})`);
    }
    throw error;
  }
}

const TABLE_NAMES: Record<string, number> = { default: 253, main: 254, local: 255 };

function table(words: Words, key: string): number {
  const text = words.value(key);
  return TABLE_NAMES[text] ?? uint(words, text, key, 1, 0xffffffff);
}

function uint(words: Words, text: string, what: string, min = 0, max = 0xffffffff): number {
  try {
    return integer(text, what, min, max);
  } catch (error) {
    throw words.usage((error as Error).message);
  }
}

function num(words: Words, key: string, min = 0, max = 0xffffffff): number {
  return uint(words, words.value(key), key, min, max);
}

function onOff(words: Words, key: string): boolean {
  const text = words.value(key);
  if (text === "on") return true;
  if (text === "off") return false;
  throw words.usage(`${key} takes on or off, not ${JSON.stringify(text)}`);
}

/** `N` or `N-M`. */
function range(words: Words, key: string, max: number): Range {
  const text = words.value(key);
  const [a, b, extra] = text.split("-");
  if (extra !== undefined) throw words.usage(`${key} takes N or N-M, not ${JSON.stringify(text)}`);
  const start = uint(words, a, key, 0, max);
  const end = b === undefined ? start : uint(words, b, key, 0, max);
  return { start, end };
}

/** A name, or a number when the text is one. */
function nameOrNumber<T extends string>(text: string): T | number {
  return /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : (text as T);
}

// link

/** `link add|set|del`. */
export async function linkWrite(ctx: Context, verb: string, rest: string[]): Promise<void> {
  const w = new Words(`link ${verb}`, rest);
  if (verb === "add") return await linkAdd(ctx, w);
  // set / change / del / delete
  let dev: string | undefined;
  const changes: LinkChanges = {};
  let master: string | null | undefined;
  let changed = false;
  while (!w.done) {
    const word = w.next();
    if (word === "dev") {
      if (dev !== undefined) throw w.usage("the device is given twice");
      dev = w.value("dev");
      continue;
    }
    if (verb === "del" || verb === "delete") {
      if (dev === undefined) dev = word;
      else throw w.unexpected(word);
      continue;
    }
    switch (word) {
      case "up":
      case "down":
        changes.up = word === "up";
        break;
      case "mtu":
        changes.mtu = num(w, "mtu");
        break;
      case "name":
        changes.name = w.value("name");
        break;
      case "address":
        changes.address = w.value("address");
        break;
      case "broadcast":
      case "brd":
        changes.broadcast = w.value(word);
        break;
      case "master":
        master = w.value("master");
        break;
      case "nomaster":
        master = null;
        break;
      case "netns": {
        const text = w.value("netns");
        changes.netns = (/^\d+$/.test(text) ? { pid: Number(text) } : text) as NetnsTarget;
        break;
      }
      case "txqueuelen":
      case "txqlen":
        changes.txqlen = num(w, word);
        break;
      case "alias":
        changes.alias = w.value("alias");
        break;
      case "group":
        changes.group = num(w, "group");
        break;
      case "promisc":
        changes.promisc = onOff(w, word);
        break;
      case "arp":
        changes.arp = onOff(w, word);
        break;
      case "multicast":
        changes.multicast = onOff(w, word);
        break;
      case "allmulticast":
        changes.allmulti = onOff(w, word);
        break;
      case "carrier":
        changes.carrier = onOff(w, word);
        break;
      default:
        if (dev !== undefined) throw w.unexpected(word);
        dev = word;
        continue;
    }
    changed = true;
  }
  if (dev === undefined) throw w.usage("which device? (DEV)");
  await using rt = await open(ctx);
  const index = await devIndex(rt, dev);
  if (verb === "del" || verb === "delete") {
    await rt.deleteLink(index);
    return;
  }
  if (!changed && master === undefined) throw w.usage("nothing to change");
  if (master === null) changes.master = null;
  else if (master !== undefined) changes.master = await devIndex(rt, master);
  await rt.setLink(index, changes);
}

const LINK_KINDS = ["veth", "bridge", "vxlan", "ifb", "dummy", "nlmon", "vcan"] as const;

async function linkAdd(ctx: Context, w: Words): Promise<void> {
  let name: string | undefined;
  let kind: (typeof LINK_KINDS)[number] | undefined;
  const common: { mtu?: number; address?: string; txqlen?: number; up?: boolean } = {};
  let master: string | undefined;
  const peer: { name?: string; address?: string; mtu?: number; netns?: NetnsTarget } = {};
  const vxlan: VxlanOptions = {};
  let vxlanDev: string | undefined;
  let inPeer = false;
  while (!w.done) {
    const word = w.next();
    if (kind === undefined) {
      switch (word) {
        case "name":
        case "dev":
          if (name !== undefined) throw w.usage("the name is given twice");
          name = w.value(word);
          break;
        case "mtu":
          common.mtu = num(w, "mtu");
          break;
        case "address":
          common.address = w.value("address");
          break;
        case "txqueuelen":
        case "txqlen":
          common.txqlen = num(w, word);
          break;
        case "master":
          master = w.value("master");
          break;
        case "up":
          common.up = true;
          break;
        case "type": {
          const k = w.value("type");
          if (!(LINK_KINDS as readonly string[]).includes(k)) {
            throw w.usage(`type must be one of ${LINK_KINDS.join(", ")}, not ${JSON.stringify(k)}`);
          }
          kind = k as (typeof LINK_KINDS)[number];
          break;
        }
        default:
          if (name === undefined) name = word;
          else throw w.unexpected(word);
      }
      continue;
    }
    if (kind === "veth") {
      if (word === "peer" && !inPeer) {
        inPeer = true;
        continue;
      }
      if (!inPeer) throw w.unexpected(word);
      switch (word) {
        case "name":
          peer.name = w.value("name");
          break;
        case "address":
          peer.address = w.value("address");
          break;
        case "mtu":
          peer.mtu = num(w, "mtu");
          break;
        case "netns": {
          const text = w.value("netns");
          peer.netns = /^\d+$/.test(text) ? { pid: Number(text) } : text;
          break;
        }
        default:
          if (peer.name === undefined) peer.name = word;
          else throw w.unexpected(word);
      }
      continue;
    }
    if (kind === "vxlan") {
      switch (word) {
        case "id":
        case "vni":
          vxlan.id = num(w, word, 0, 0xffffff);
          break;
        case "dstport":
          vxlan.port = num(w, word, 0, 0xffff);
          break;
        case "local":
          vxlan.local = w.value(word);
          break;
        case "remote":
          vxlan.remote = w.value(word);
          break;
        case "group":
          vxlan.group = w.value(word);
          break;
        case "dev":
          vxlanDev = w.value(word);
          break;
        case "ttl":
          vxlan.ttl = num(w, word, 0, 255);
          break;
        case "learning":
        case "nolearning":
          vxlan.learning = word === "learning";
          break;
        default:
          throw w.unexpected(word);
      }
      continue;
    }
    throw w.unexpected(word);
  }
  if (name === undefined) throw w.usage("needs a NAME");
  if (kind === undefined) throw w.usage(`needs type ${LINK_KINDS.join("|")}`);
  if (kind === "vxlan" && vxlan.id === undefined) throw w.usage("a vxlan needs id VNI");
  if (vxlan.remote !== undefined && vxlan.group !== undefined) throw w.usage("remote and group exclude each other");
  await using rt = await open(ctx);
  const base = {
    name,
    ...common,
    master: master === undefined ? undefined : await devIndex(rt, master),
  };
  let spec: LinkSpec;
  if (kind === "veth") spec = { ...base, kind, peer: Object.keys(peer).length ? peer : undefined };
  else if (kind === "vxlan") {
    if (vxlanDev !== undefined) vxlan.link = await devIndex(rt, vxlanDev);
    spec = { ...base, kind, vxlan: { ...vxlan, id: vxlan.id! } };
  } else spec = { ...base, kind };
  await rt.addLink(spec);
}

// addr

function lifetime(w: Words, key: string): Lifetime {
  const text = w.value(key);
  return text === "forever" ? "forever" : uint(w, text, key);
}

/** `addr add|replace|del`. */
export async function addrWrite(ctx: Context, verb: string, rest: string[]): Promise<void> {
  const w = new Words(`addr ${verb}`, rest);
  let address: string | undefined;
  let dev: string | undefined;
  const spec: Omit<AddressSpec, "address"> = {};
  const flags: AddressFlag[] = [];
  while (!w.done) {
    const word = w.next();
    switch (word) {
      case "local":
        if (address !== undefined) throw w.usage("the address is given twice");
        address = w.value(word);
        break;
      case "dev":
        dev = w.value(word);
        break;
      case "peer":
        spec.peer = w.value(word);
        break;
      case "broadcast":
      case "brd":
        spec.broadcast = w.value(word);
        break;
      case "anycast":
        spec.anycast = w.value(word);
        break;
      case "label":
        spec.label = w.value(word);
        break;
      case "scope": {
        const s = w.value(word);
        spec.scope = nameOrNumber<"global" | "site" | "link" | "host" | "nowhere">(s);
        break;
      }
      case "valid_lft":
        spec.validLifetime = lifetime(w, word);
        break;
      case "preferred_lft":
        spec.preferredLifetime = lifetime(w, word);
        break;
      case "metric":
      case "priority":
        spec.metric = num(w, word);
        break;
      case "nodad":
      case "noprefixroute":
      case "mngtmpaddr":
      case "home":
      case "optimistic":
      case "autojoin":
        flags.push(word);
        break;
      default:
        if (address === undefined) address = word;
        else throw w.unexpected(word);
    }
  }
  if (address === undefined) throw w.usage("needs an ADDR/LEN");
  if (dev === undefined) throw w.usage("needs dev DEV");
  await using rt = await open(ctx);
  const full: AddressSpec = { ...spec, address, index: await devIndex(rt, dev) };
  if (flags.length) full.flags = flags;
  if (verb === "del" || verb === "delete") await rt.deleteAddress(full);
  else await rt.addAddress(full, { replace: verb === "replace" || verb === "change" });
}

// route

const ROUTE_TYPES = [
  "unicast",
  "local",
  "broadcast",
  "anycast",
  "multicast",
  "blackhole",
  "unreachable",
  "prohibit",
  "throw",
  "nat",
];

/** `route add|replace|append|del`. */
export async function routeWrite(ctx: Context, verb: string, rest: string[], options: Options): Promise<void> {
  const w = new Words(`route ${verb}`, rest);
  let dst: string | undefined;
  let dev: string | undefined;
  const spec: Omit<RouteSpec, "dst"> = {};
  const family = familyOf(options);
  if (family) spec.family = family;
  while (!w.done) {
    const word = w.next();
    switch (word) {
      case "to":
        if (dst !== undefined) throw w.usage("the destination is given twice");
        dst = w.value(word);
        break;
      case "via": {
        let gw = w.value(word);
        if (gw === "inet" || gw === "inet6") gw = w.value(word);
        spec.gateway = gw;
        break;
      }
      case "dev":
      case "oif":
        dev = w.value(word);
        break;
      case "table":
        spec.table = table(w, word);
        break;
      case "metric":
      case "priority":
      case "preference":
        spec.priority = num(w, word);
        break;
      case "proto":
      case "protocol":
        spec.protocol = nameOrNumber<RouteProtocolName>(w.value(word));
        break;
      case "scope":
        spec.scope = nameOrNumber<RouteScopeName>(w.value(word));
        break;
      case "src":
        spec.prefsrc = w.value(word);
        break;
      case "from":
        spec.src = w.value(word);
        break;
      case "mtu": {
        let locked = false;
        if (w.peek() === "lock") {
          w.next();
          locked = true;
        }
        spec.metrics = { ...spec.metrics, mtu: num(w, word, 1) };
        if (locked) spec.metrics.locked = [...(spec.metrics.locked ?? []), "mtu"];
        break;
      }
      case "tos":
      case "dsfield":
        spec.tos = num(w, word, 0, 255);
        break;
      case "onlink":
        spec.onlink = true;
        break;
      case "nhid":
        spec.nexthopId = num(w, word, 1);
        break;
      case "expires":
        spec.expires = num(w, word);
        break;
      case "pref": {
        const p = w.value(word);
        if (p !== "low" && p !== "medium" && p !== "high") throw w.usage(`pref is low, medium or high`);
        spec.pref = p;
        break;
      }
      case "type":
        spec.type = routeType(w, w.value(word));
        break;
      default:
        if (dst === undefined && spec.type === undefined && ROUTE_TYPES.includes(word)) {
          spec.type = word as RouteTypeName;
        } else if (dst === undefined) dst = word;
        else throw w.unexpected(word);
    }
  }
  if (dst === undefined) throw w.usage("needs a destination (PREFIX or default)");
  if (dst === "all") throw w.usage('"all" is not a destination here');
  await using rt = await open(ctx);
  const full: RouteSpec = { ...spec, dst };
  if (dev !== undefined) full.oif = await devIndex(rt, dev);
  if (verb === "del" || verb === "delete") await rt.deleteRoute(full);
  else await rt.addRoute(full, verb === "append" ? "append" : verb === "add" ? "add" : "replace");
}

function routeType(w: Words, text: string): RouteTypeName {
  if (!ROUTE_TYPES.includes(text)) throw w.usage(`unknown route type ${JSON.stringify(text)}`);
  return text as RouteTypeName;
}

// neigh

const NUD_STATES = ["permanent", "reachable", "stale", "noarp", "delay", "probe", "failed", "incomplete", "none"];

/** `neigh add|replace|del`. */
export async function neighWrite(ctx: Context, verb: string, rest: string[], options: Options): Promise<void> {
  const w = new Words(`neigh ${verb}`, rest);
  let dst: string | undefined;
  let dev: string | undefined;
  let lladdr: string | undefined;
  let state: NeighbourState | "NONE" | undefined;
  let proxy = false;
  const flags: NeighbourFlag[] = [];
  let protocol: string | number | undefined;
  while (!w.done) {
    const word = w.next();
    switch (word) {
      case "to":
        if (dst !== undefined) throw w.usage("the address is given twice");
        dst = w.value(word);
        break;
      case "proxy":
        proxy = true;
        if (dst !== undefined) throw w.usage("the address is given twice");
        dst = w.value(word);
        break;
      case "dev":
        dev = w.value(word);
        break;
      case "lladdr":
        lladdr = w.value(word);
        break;
      case "nud": {
        const s = w.value(word).toLowerCase();
        if (!NUD_STATES.includes(s)) throw w.usage(`nud must be one of ${NUD_STATES.join(", ")}`);
        state = s.toUpperCase() as NeighbourState | "NONE";
        break;
      }
      case "router":
      case "extern_learn":
      case "managed":
      case "use":
        flags.push(word);
        break;
      case "protocol":
        protocol = nameOrNumber<string>(w.value(word));
        break;
      default:
        if (dst === undefined) dst = word;
        else throw w.unexpected(word);
    }
  }
  if (dst === undefined) throw w.usage("needs an ADDR");
  if (dev === undefined) throw w.usage("needs dev DEV");
  const family = familyOf(options);
  if (family && (family === "inet6") !== dst.includes(":")) {
    throw w.usage(`${dst} is not an ${family === "inet6" ? "IPv6" : "IPv4"} address`);
  }
  await using rt = await open(ctx);
  const spec: NeighbourSpec = { index: await devIndex(rt, dev), dst };
  if (lladdr !== undefined) spec.lladdr = lladdr;
  if (state !== undefined) spec.state = state;
  if (proxy) spec.proxy = true;
  if (flags.length) spec.flags = flags;
  if (protocol !== undefined) spec.protocol = protocol;
  if (verb === "del" || verb === "delete") await rt.deleteNeighbour(spec);
  else await rt.addNeighbour(spec, { replace: verb === "replace" || verb === "change" });
}

// rule

/** `rule add|del`. */
export async function ruleWrite(ctx: Context, verb: string, rest: string[], options: Options): Promise<void> {
  const w = new Words(`rule ${verb}`, rest);
  const spec: RuleSpec = {};
  const family = familyOf(options);
  if (family) spec.family = family;
  const action = (a: RuleAction) => {
    if (spec.action !== undefined && spec.action !== a) throw w.usage("more than one action");
    spec.action = a;
  };
  while (!w.done) {
    const word = w.next();
    switch (word) {
      case "not":
        spec.invert = true;
        break;
      case "from":
      case "to": {
        const p = w.value(word);
        if (p !== "all") spec[word === "from" ? "src" : "dst"] = p;
        break;
      }
      case "tos":
      case "dsfield":
        spec.tos = num(w, word, 0, 255);
        break;
      case "fwmark": {
        const text = w.value(word);
        const [mark, mask, extra] = text.split("/");
        if (extra !== undefined) throw w.usage(`fwmark takes N or N/MASK, not ${JSON.stringify(text)}`);
        spec.fwmark = uint(w, mark, "fwmark");
        if (mask !== undefined) spec.fwmask = uint(w, mask, "fwmark mask");
        break;
      }
      case "iif":
      case "dev":
        spec.iif = w.value(word);
        break;
      case "oif":
        spec.oif = w.value(word);
        break;
      case "priority":
      case "pref":
      case "preference":
      case "order":
        spec.priority = num(w, word);
        break;
      case "table":
      case "lookup":
        spec.table = table(w, word);
        action("to_tbl");
        break;
      case "goto":
        spec.goto = num(w, word);
        action("goto");
        break;
      case "blackhole":
      case "unreachable":
      case "prohibit":
      case "nop":
        action(word);
        break;
      case "type": {
        const t = w.value(word);
        if (!["blackhole", "unreachable", "prohibit", "nop", "unicast"].includes(t)) {
          throw w.usage(`unknown rule type ${JSON.stringify(t)}`);
        }
        if (t !== "unicast") action(t as RuleAction);
        break;
      }
      case "protocol":
      case "proto":
        spec.protocol = nameOrNumber<string>(w.value(word));
        break;
      case "ipproto": {
        const text = w.value(word);
        const named: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, ipv6_icmp: 58, sctp: 132 };
        spec.ipProto = named[text] ?? uint(w, text, word, 0, 255);
        break;
      }
      case "sport":
        spec.sport = range(w, word, 0xffff);
        break;
      case "dport":
        spec.dport = range(w, word, 0xffff);
        break;
      case "uidrange":
        spec.uidRange = range(w, word, 0xffffffff);
        break;
      case "suppress_prefixlength":
        spec.suppressPrefixLength = num(w, word, 0, 128);
        break;
      case "suppress_ifgroup":
        spec.suppressIfGroup = num(w, word);
        break;
      case "l3mdev":
        spec.l3mdev = true;
        break;
      default:
        throw w.unexpected(word);
    }
  }
  await using rt = await open(ctx);
  if (verb === "add") await rt.addRule(spec);
  else await rt.deleteRule(spec);
}
