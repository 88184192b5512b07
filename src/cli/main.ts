/**
 * The `nlts` command line: finds the command, parses its options, runs it,
 * and turns every failure into one line on stderr and an exit status
 * (2 for usage mistakes, 1 for everything else).
 *
 * @module
 */
import { GLOBAL_OPTIONS, helpText, parseArgs, UsageError } from "./args.ts";
import { consoleOutput, Context, type Output } from "./context.ts";
import type { Command } from "./route.ts";
import { envVar } from "../../ffi/host.ts";
import { NetlinkError } from "../wire/errors.ts";
import { errnoText } from "../wire/errno.ts";

/** Loads a command's module when that command is run: a listing compiles only what it uses (start time, memory). */
type Loader = () => Promise<Command>;
const route: Record<string, Loader> = Object.fromEntries(
  (["link", "addr", "neigh", "rule", "nexthop", "netconf", "monitor", "demo"] as const).map((
    name,
  ) => [name, async () => (await import("./route.ts"))[name]]),
);
// Its own module: a route listing loads the route and link decoders only (memory, start time).
route.route = async () => (await import("./routes.ts")).route;
const families = (name: "conntrack" | "genl" | "uevent"): Loader => async () => (await import("./families.ts"))[name];

/**
 * Every command by name (and the aliases ip users type), each loaded on
 * first use.
 *
 * @example
 * ```ts
 * import { COMMANDS } from "./main.ts";
 * console.log(Object.keys(COMMANDS));
 * const link = await COMMANDS.link();
 * console.log(link.usage);
 * ```
 */
export const COMMANDS: Readonly<Record<string, Loader>> = {
  link: route.link,
  addr: route.addr,
  address: route.addr,
  a: route.addr,
  route: route.route,
  r: route.route,
  neigh: route.neigh,
  neighbour: route.neigh,
  neighbor: route.neigh,
  rule: route.rule,
  nexthop: route.nexthop,
  nh: route.nexthop,
  netconf: route.netconf,
  monitor: route.monitor,
  genl: families("genl"),
  uevent: families("uevent"),
  ss: async () => (await import("./ss.ts")).ss,
  conntrack: families("conntrack"),
  top: async () => (await import("./top.ts")).top,
  decode: async () => (await import("./decode.ts")).decode,
  demo: route.demo,
  tc: async () => (await import("./tc.ts")).tc,
  ipset: async () => (await import("./ipset.ts")).ipset,
  nft: async () => (await import("./nft.ts")).nft,
};

/**
 * ip's objects in the order its `matches()` tries them, so that an
 * abbreviation picks the same one (`a` address, `r` route, `ru` rule,
 * `n` neighbour, `l` link, `mo` monitor, `nex` nexthop). The
 * ones we have no command for still take their abbreviations, so that `m`
 * is not mistaken for `monitor`.
 */
const IP_OBJECTS: readonly [string, string | undefined][] = [
  ["address", "addr"],
  ["addrlabel", undefined],
  ["maddress", undefined],
  ["route", "route"],
  ["rule", "rule"],
  ["neighbor", "neigh"],
  ["neighbour", "neigh"],
  ["ntable", undefined],
  ["link", "link"],
  ["l2tp", undefined],
  ["fou", undefined],
  ["ila", undefined],
  ["macsec", undefined],
  ["tunnel", undefined],
  ["tuntap", undefined],
  ["token", undefined],
  ["tcpmetrics", undefined],
  ["monitor", "monitor"],
  ["xfrm", undefined],
  ["mroute", undefined],
  ["mrule", undefined],
  ["netns", undefined],
  ["netconf", "netconf"],
  ["vrf", undefined],
  ["sr", undefined],
  ["nexthop", "nexthop"],
];

/**
 * The command `word` names: itself, or the ip object it abbreviates.
 *
 * @example
 * ```ts
 * import { commandName } from "./main.ts";
 * commandName("ro"); // "route"
 * ```
 */
export function commandName(word: string): string | undefined {
  if (Object.hasOwn(COMMANDS, word)) return word;
  const hit = IP_OBJECTS.find(([full]) => full.startsWith(word));
  return hit?.[1];
}

const SUMMARY: [string, string][] = [
  ["link", "network interfaces (add, set, del)"],
  ["addr", "interface addresses (-4, -6; add, replace, del)"],
  ["route", "routes (-6, table all|N, get DST; add, replace, append, del)"],
  ["neigh", "the ARP/NDP table (add, replace, del)"],
  ["rule", "policy routing rules (add, del)"],
  ["nexthop", "nexthop objects"],
  ["netconf", "per-device IP settings (forwarding, rp_filter…; dev DEV, -4, -6)"],
  ["monitor", "rtnetlink events, until Ctrl-C"],
  ["genl", "generic netlink families"],
  ["uevent", "device events, until Ctrl-C"],
  ["ss", "sockets, with ss's flags and filters (-tulnp, state S, sport = :N; -N NAME)"],
  ["conntrack", "the conntrack table (-E: its events)"],
  ["top", "links with their rates, redrawn every second"],
  ["decode", "a netlink capture (--pcap, nlmon), message by message"],
  ["demo", "links and addresses, then link events"],
  ["tc", "qdiscs, classes, filters (add, replace, change, del)"],
  ["ipset", "ipset sets and members (list; create, add, del, test, destroy, flush, rename, swap)"],
  ["nft", "the nf_tables ruleset, in nft's words (list ruleset -j; add table|chain|rule, delete, flush)"],
];

/**
 * The help printed by `nlts --help` (and `nlts help`).
 *
 * @example
 * ```ts
 * import { mainHelp } from "./main.ts";
 * console.log(mainHelp());
 * ```
 */
export function mainHelp(): string {
  const width = Math.max(...SUMMARY.map(([n]) => n.length));
  return [
    "usage: nlts [-j] [-n NAME] COMMAND [ARGS…]   (deno run -A cli.ts …, bun cli.ts …)",
    "",
    "commands:",
    ...SUMMARY.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`),
    "",
    "options of every command:",
    ...GLOBAL_OPTIONS.map((o) => `  ${(o.names.join(", ") + (o.value ? ` ${o.value}` : "")).padEnd(16)}  ${o.help}`),
    "",
    "nlts COMMAND --help describes a command. Writes (link add, route del…) print nothing on success.",
  ].join("\n");
}

/** One line describing `error`, without the `nlts: ` prefix. */
function describe(error: unknown): string {
  const text = error instanceof NetlinkError ? errnoText(error.code) : undefined;
  if (error instanceof NetlinkError && !error.extAck?.message && !error.syscall && text) {
    return `${error.message}: ${text}`;
  }
  if (error instanceof Error) return error.message.replace(/\s*\n\s*/g, " ");
  return String(error);
}

/**
 * Runs the command line `argv` (without the runtime and script) and
 * resolves with the exit status. Output goes to `io` (the console by
 * default); nothing is thrown.
 *
 * @example
 * ```ts
 * import { main } from "@nlts/netlink/cli";
 * const status = await main(["link", "-j"]);
 * console.log(status); // 0
 * ```
 */
export async function main(argv: readonly string[], io: Output = consoleOutput): Promise<number> {
  try {
    // The command is the first word that is not an option or a global
    // option's value (ip users put -4, -6, -d, -s, -br… before the command;
    // the command reads them).
    let at = 0;
    while (at < argv.length && argv[at].startsWith("-") && argv[at] !== "-") {
      const spec = GLOBAL_OPTIONS.find((o) => o.names.includes(argv[at].split("=")[0]));
      at += spec?.value && !argv[at].includes("=") ? 2 : 1;
    }
    const name = argv[at];
    const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
    if (name === undefined || name === "help") {
      const asked = name === "help" || rest.some((a) => a === "-h" || a === "--help");
      if (asked) io.out(mainHelp());
      else io.err(mainHelp());
      return asked ? 0 : 2;
    }
    const resolved = name.length ? commandName(name) : undefined;
    const command = resolved === undefined ? undefined : await COMMANDS[resolved]?.();
    if (!command) {
      if (name.startsWith("-")) {
        throw new UsageError(`unknown option ${JSON.stringify(name)} (nlts --help lists the commands)`);
      }
      throw new UsageError(`unknown command ${JSON.stringify(name)} (nlts --help lists the commands)`);
    }
    // Before the command a global option keeps its meaning (`nlts -n NAME ss`);
    // after it the command's own spelling wins (`nlts ss -tln`: ss's -n is numeric).
    const before = parseArgs(argv.slice(0, at), [...GLOBAL_OPTIONS, ...command.options]);
    const after = parseArgs(argv.slice(at + 1), [...command.options, ...GLOBAL_OPTIONS]);
    const options = { ...before.options, ...after.options };
    const positionals = [...before.positionals, ...after.positionals];
    if (options.help) {
      io.out(helpText(command.usage, command.description, command.options));
      return 0;
    }
    const ctx = await Context.open(io, {
      json: options.json === true,
      rawJson: options.rawJson === true,
      netns: options.netns as string | undefined,
      trace: options.trace === true || envVar("NLTS_TRACE") === "1",
      pcap: options.pcap as string | undefined,
    });
    try {
      await command.run(ctx, positionals, options);
    } finally {
      ctx.close();
    }
    return 0;
  } catch (error) {
    // The reader of stdout went away (`nlts … | head`): stop quietly, as ip (killed by SIGPIPE) does.
    if ((error as { code?: string }).code === "EPIPE") return 0;
    io.err(`nlts: ${describe(error)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}
