/**
 * What the rtnetlink commands of the `nlts` command line share, without
 * the client of every rtnetlink family: a listing loads only the decoders it
 * uses (`route` lists 100,000 routes in 8 MiB less under Deno than through
 * `RouteClient`, whose imports bring tc, nexthops, bridges…).
 *
 * @module
 */
import type { NetlinkSocket } from "../socket/socket.ts";
import { DumpInterruptedError, ParseError } from "../wire/errors.ts";
import { Flags, NLMSG_HDRLEN } from "../wire/constants.ts";
import { MessageWriter } from "../wire/message.ts";
import { u32At } from "../wire/values.ts";
import { decodeAttrsAt, defineAttrSet } from "../wire/schema.ts";
import { RTM } from "../route/constants.ts";
import { integer, type OptionSpec, UsageError } from "./args.ts";
import type { Context } from "./context.ts";

/** A command: its options, usage, description and what it does. */
export interface Command {
  /** Usage after `nlts `. */
  usage: string;
  /** One paragraph. */
  description: string;
  /** Options of this command (the global ones are added). */
  options: OptionSpec[];
  /** Runs it. */
  run(ctx: Context, positionals: string[], options: Record<string, string | boolean>): Promise<void>;
}

export const FAMILY_OPTIONS: OptionSpec[] = [
  { names: ["-4"], key: "inet", help: "IPv4 only" },
  { names: ["-6"], key: "inet6", help: "IPv6 only" },
];
export const DETAILS: OptionSpec = { names: ["-d", "-details", "--details"], key: "details", help: "more details" };
export const STATS: OptionSpec = {
  names: ["-s", "-stats", "-statistics", "--stats"],
  key: "stats",
  help: "statistics (counters)",
};
/** The verbs that make a command write instead of list. */
export const WRITE_VERBS: Readonly<Record<string, readonly string[]>> = {
  link: ["add", "set", "change", "del", "delete"],
  addr: ["add", "replace", "change", "del", "delete"],
  route: ["add", "replace", "change", "append", "del", "delete"],
  neigh: ["add", "replace", "change", "del", "delete"],
  rule: ["add", "del", "delete"],
};

/** Usage lines of the writes, by command (after `nlts `). */
export const WRITE_USAGE: Readonly<Record<string, readonly string[]>> = {
  link: [
    "link add [name] NAME [mtu N] [address MAC] [master DEV] [up] type veth [peer name PEER]",
    "link add NAME type bridge | ifb | dummy",
    "link add NAME type vxlan id VNI [dstport PORT] [local ADDR] [remote ADDR | group ADDR] [dev DEV] [ttl N]",
    "link set [dev] DEV [up|down] [mtu N] [name NEW] [address MAC] [master DEV|nomaster] [netns NAME|PID]",
    "         [txqueuelen N] [alias TEXT] [promisc|arp|multicast|allmulticast on|off]",
    "link del [dev] DEV",
  ],
  addr: [
    "addr add|replace|del ADDR[/LEN] dev DEV [peer ADDR] [label L] [broadcast ADDR|+] [scope S]",
    "         [valid_lft N|forever] [preferred_lft N|forever] [metric N] [nodad] [noprefixroute]",
  ],
  route: [
    "route add|replace|append|del [-4|-6] [TYPE] DST|default [via GW] [dev DEV] [table main|local|N]",
    "         [metric N] [proto NAME|N] [scope S] [src ADDR] [from PREFIX] [mtu [lock] N] [onlink] [nhid N]",
    "         (TYPE: unicast, blackhole, unreachable, prohibit, throw, local…)",
  ],
  neigh: [
    "neigh add|replace|del ADDR [lladdr MAC] dev DEV [nud permanent|reachable|stale|noarp|none] [router]",
    "neigh add|del proxy ADDR dev DEV",
  ],
  rule: [
    "rule add|del [-4|-6] [not] [from PREFIX|all] [to PREFIX|all] [tos N] [fwmark N[/MASK]] [iif DEV] [oif DEV]",
    "         [priority N] [table N | lookup N | goto N | blackhole | unreachable | prohibit] [ipproto N]",
    "         [sport N[-M]] [dport N[-M]] [uidrange A-B] [suppress_prefixlength N] [protocol P]",
  ],
};

export function family(
  options: Record<string, string | boolean>,
  fallback?: "inet" | "inet6",
): "inet" | "inet6" | undefined {
  if (options.inet && options.inet6) throw new UsageError("-4 and -6 exclude each other");
  return options.inet ? "inet" : options.inet6 ? "inet6" : fallback;
}

/** The usage lines of a command: its listing, then its writes. */
export function usage(command: string, show: string): string {
  return [show, ...WRITE_USAGE[command]].join("\n       ");
}

/** The write verb that starts `positionals`, if it is one of `command`'s. */
export function writeVerb(command: string, positionals: string[]): string | undefined {
  return WRITE_VERBS[command].includes(positionals[0]) ? positionals[0] : undefined;
}

/**
 * iproute2's `matches()`: `word` is a non-empty prefix of `keyword` (`l`,
 * `li`, `lis` are `list`).
 *
 * @example
 * ```ts
 * import { matches } from "./route.ts";
 * matches("sh", "show"); // true
 * ```
 */
export function matches(word: string | undefined, keyword: string): boolean {
  return word !== undefined && word.length > 0 && keyword.startsWith(word);
}

/** `show`/`list`/`lst` (or an abbreviation) as a first word means nothing more than the default. */
export function dropShow(positionals: string[]): string[] {
  const w = positionals[0];
  return matches(w, "show") || matches(w, "list") || w === "lst" ? positionals.slice(1) : positionals;
}

/** `dev NAME` among the positionals (ip's syntax); anything else is a usage error. */
export function keywords(positionals: string[], allowed: string[], command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < positionals.length; i += 2) {
    const key = positionals[i];
    if (!allowed.includes(key)) throw new UsageError(`${command}: unexpected ${JSON.stringify(key)}`);
    if (i + 1 >= positionals.length) throw new UsageError(`${command}: ${key} needs a value`);
    out[key] = positionals[i + 1];
  }
  return out;
}

/** `struct ifinfomsg`. */
const IFINFOMSG_SIZE = 16;
const IFLA_IFNAME = 3;
const IFLA_EXT_MASK = 29;
const RTEXT_FILTER_SKIP_STATS = 1 << 3;

/**
 * Index → name of every link, read from a dump of the links without their
 * counters, each message walked for `IFLA_IFNAME` only: not through the link
 * decoder, which a route listing would otherwise load and warm up for a few
 * names (about 8 ms of a listing's start). `monitor` reads them while links
 * may come and go, so a dump the kernel marks interrupted (NLM_F_DUMP_INTR)
 * starts again. A message that does not frame its attributes is a
 * {@link ParseError}.
 */
export async function linkNames(sock: NetlinkSocket): Promise<Map<number, string>> {
  for (let attempt = 1;; attempt++) {
    const names = new Map<number, string>();
    const request = new MessageWriter(RTM.GETLINK, Flags.DUMP);
    request.struct(IFINFOMSG_SIZE);
    request.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    try {
      for await (const d of sock.dumpDatagrams(request.finish())) {
        try {
          for (const at of d.starts) nameOf(d.bytes, at, names);
        } finally {
          d.release();
        }
      }
      return names;
    } catch (error) {
      if (!(error instanceof DumpInterruptedError) || attempt >= 20) throw error;
    }
  }
}

/**
 * `IFLA_IFNAME` alone, through the schema with every other attribute passed
 * over (checked, not kept); the last one wins, as the link decoder keeps it.
 */
const LINK_NAME = defineAttrSet({
  name: "link",
  prefix: "IFLA_",
  unknown: "skip",
  attributes: { ifname: { id: IFLA_IFNAME, type: "string", duplicate: "last" } },
});

/** Adds the index and name of the `RTM_NEWLINK` at `b[at]` (its `nlmsg_len` checked by the socket) to `names`. */
function nameOf(b: Uint8Array, at: number, names: Map<number, string>): void {
  if ((b[at + 4] | (b[at + 5] << 8)) !== RTM.NEWLINK) return;
  const end = at + u32At(b, at);
  const s = at + NLMSG_HDRLEN;
  if (end - s < IFINFOMSG_SIZE) throw new ParseError(`ifinfomsg of ${end - s} bytes is too short`, NLMSG_HDRLEN);
  const { ifname = "" } = decodeAttrsAt(LINK_NAME, b, s + IFINFOMSG_SIZE, end);
  names.set(u32At(b, s + 4) | 0, ifname);
}

/** The index of the link `name` (through the link decoder, loaded when asked for). */
export async function indexOf(sock: NetlinkSocket, name: string): Promise<number> {
  const { getLink } = await import("../route/link.ts");
  return (await getLink(sock, name)).index;
}

export const TABLE_NAMES: Record<number, string> = { 253: "default", 254: "main", 255: "local" };

export function tableName(id: number): string {
  return TABLE_NAMES[id] ?? String(id);
}

export function tableId(text: string): number | "all" {
  if (text === "all") return "all";
  for (const [id, name] of Object.entries(TABLE_NAMES)) if (name === text) return Number(id);
  return integer(text, "table", 1, 0xffffffff);
}
