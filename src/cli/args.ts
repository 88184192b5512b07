/**
 * Argument parsing for the `nlts` command line: options common to every
 * command (`-j`, `-n NAME`, `-4`/`-6`, `--for SECONDS`, `--help`), options of
 * one command, bundled short flags (`-tl`), `--name=value`, and `--` to end
 * the options. Mistakes are {@link UsageError}s (exit status 2).
 *
 * @module
 */

/**
 * A mistake in how the command was called: an unknown command or option, a
 * missing or malformed value. The command line exits with status 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "./args.ts";
 * const e = new UsageError("unknown command \"frob\"");
 * console.log(e.exitCode); // 2
 * ```
 */
export class UsageError extends Error {
  /** Exit status for usage errors. */
  readonly exitCode = 2;
  /** `message` says what was wrong with the command line. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One option a command accepts. */
export interface OptionSpec {
  /** Spellings: `"-t"`, `"--tcp"`. */
  names: string[];
  /** Key in {@link ParsedArgs.options}. */
  key: string;
  /** The option takes a value (`-n NAME`, `--for 5`, `--for=5`). */
  value?: string;
  /** One line of help. */
  help: string;
}

/** What {@link parseArgs} found. */
export interface ParsedArgs {
  /** Boolean flags as `true`, valued options as their text. */
  options: Record<string, string | boolean>;
  /** Everything that is not an option, in order. */
  positionals: string[];
}

/**
 * The options every command takes.
 *
 * @example
 * ```ts
 * import { GLOBAL_OPTIONS } from "./args.ts";
 * console.log(GLOBAL_OPTIONS.map((o) => o.names.join(", ")));
 * ```
 */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    names: ["-j", "--json"],
    key: "json",
    help: "print JSON: link, addr, route, neigh, rule and nexthop as ip -j prints them; NDJSON for streams",
  },
  { names: ["--raw-json"], key: "rawJson", help: "print JSON of the library's own objects" },
  { names: ["--trace"], key: "trace", help: "print every netlink message sent and received to stderr" },
  { names: ["--pcap"], key: "pcap", value: "FILE", help: "write every netlink message to FILE (pcap, nlmon's format)" },
  { names: ["-n", "--netns"], key: "netns", value: "NAME", help: "run in the network namespace /run/netns/NAME" },
  { names: ["-h", "--help"], key: "help", help: "show this help" },
];

/**
 * Splits `args` by `specs` (each command's own plus {@link GLOBAL_OPTIONS}).
 * Options may come before, between or after positionals; `--` ends them.
 *
 * @example
 * ```ts
 * import { GLOBAL_OPTIONS, parseArgs } from "./args.ts";
 * const specs = [...GLOBAL_OPTIONS, { names: ["-t"], key: "tcp", help: "TCP" }, { names: ["-l"], key: "listening", help: "listening" }];
 * const { options, positionals } = parseArgs(["-tl", "-n", "blue", "extra"], specs);
 * // options: { tcp: true, listening: true, netns: "blue" }; positionals: ["extra"]
 * ```
 */
export function parseArgs(args: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map<string, OptionSpec>();
  // The first spec with a name wins: commands list theirs before the global ones.
  for (const spec of specs) for (const name of spec.names) if (!byName.has(name)) byName.set(name, spec);
  const options: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = byName.get(name);
    if (spec) {
      if (spec.value === undefined) {
        if (eq >= 0) throw new UsageError(`option ${name} takes no value`);
        options[spec.key] = true;
      } else if (eq >= 0) {
        options[spec.key] = arg.slice(eq + 1);
      } else {
        if (i + 1 >= args.length) throw new UsageError(`option ${name} needs a value (${spec.value})`);
        options[spec.key] = args[++i];
      }
      continue;
    }
    // Bundled short flags: -tl is -t -l (only flags that take no value).
    if (/^-[A-Za-z0-9]{2,}$/.test(arg)) {
      const letters = [...arg.slice(1)].map((c) => byName.get(`-${c}`));
      if (letters.every((s) => s !== undefined && s.value === undefined)) {
        for (const s of letters) options[s!.key] = true;
        continue;
      }
    }
    throw new UsageError(`unknown option ${JSON.stringify(name)}`);
  }
  return { options, positionals };
}

/**
 * Reads `--for SECONDS`: undefined when absent, else a positive number.
 *
 * @example
 * ```ts
 * import { seconds } from "./args.ts";
 * seconds({ for: "1.5" }, "for"); // 1.5
 * ```
 */
export function seconds(options: Record<string, string | boolean>, key: string): number | undefined {
  const text = options[key];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (typeof text !== "string" || text.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${key} needs a positive number of seconds, not ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * A whole number from the command line, checked.
 *
 * @example
 * ```ts
 * import { integer } from "./args.ts";
 * integer("100", "table", 0, 0xffffffff); // 100
 * ```
 */
export function integer(text: string | undefined, what: string, min: number, max: number): number {
  if (text === undefined) throw new UsageError(`${what} needs a value`);
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${what} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * Help text of a command: its usage line, a description, and its options
 * with the global ones.
 *
 * @example
 * ```ts
 * import { helpText } from "./args.ts";
 * console.log(helpText("link [show] [DEV]", "List links.", []));
 * ```
 */
export function helpText(usage: string, description: string, specs: readonly OptionSpec[]): string {
  const own = new Set(specs.flatMap((s) => s.names));
  const all = [...specs, ...GLOBAL_OPTIONS.filter((g) => !g.names.some((n) => own.has(n)))];
  const left = all.map((s) => s.names.join(", ") + (s.value ? ` ${s.value}` : ""));
  const width = Math.max(...left.map((l) => l.length));
  const lines = [`usage: nlts ${usage}`, "", description, "", "options:"];
  all.forEach((s, i) => lines.push(`  ${left[i].padEnd(width)}  ${s.help}`));
  return lines.join("\n");
}
