/**
 * `nlts ipset`: ipset's listing and its common writes, in its own words
 * (`ipset list [NAME]`, `ipset create NAME TYPE [OPTIONS]`, `ipset add NAME
 * ELEM [timeout N] [comment TEXT]`, `del`, `test`, `destroy`, `flush`,
 * `rename`, `swap`). Without `-j` the listing is printed as `ipset list`
 * prints it; with `-j` it is the library's objects.
 *
 * @module
 */
import { Ipset, type IpsetAddOptions, type IpsetCreateSpec } from "../ipset/client.ts";
import { IpsetError } from "../ipset/errors.ts";
import type { IpsetMember, IpsetSet } from "../ipset/objects.ts";
import { IPSET_TYPES, type KnownIpsetType } from "../ipset/members.ts";
import { integer, UsageError } from "./args.ts";
import { CliError } from "./context.ts";
import type { Command } from "./route.ts";

/** The `Header:` line of `ipset list`. */
function headerLine(set: IpsetSet): string {
  const o = set.options;
  const words: string[] = [];
  if (set.family === "inet" || set.family === "inet6") words.push(`family ${set.family}`);
  if (o.range) words.push(`range ${o.range.from}-${o.range.to}`);
  if (o.hashsize !== undefined) words.push(`hashsize ${o.hashsize}`);
  if (o.maxelem !== undefined) words.push(`maxelem ${o.maxelem}`);
  if (o.netmask !== undefined) words.push(`netmask ${o.netmask}`);
  if (o.size !== undefined) words.push(`size ${o.size}`);
  if (o.timeout !== undefined) words.push(`timeout ${o.timeout}`);
  if (o.counters) words.push("counters");
  if (o.comment) words.push("comment");
  if (o.skbinfo) words.push("skbinfo");
  // ipset does not print forceadd, though the kernel reports it.
  if (o.bucketsize !== undefined) words.push(`bucketsize ${o.bucketsize}`);
  if (o.initval !== undefined) words.push(`initval 0x${o.initval.toString(16).padStart(8, "0")}`);
  return words.join(" ");
}

/** A member line of `ipset list`. */
function memberLine(m: IpsetMember): string {
  const words = [m.elem];
  if (m.timeout !== undefined) words.push(`timeout ${m.timeout}`);
  if (m.nomatch) words.push("nomatch");
  if (m.packets !== undefined) words.push(`packets ${m.packets}`);
  if (m.bytes !== undefined) words.push(`bytes ${m.bytes}`);
  if (m.comment !== undefined) words.push(`comment "${m.comment}"`);
  if (m.skbmark !== undefined) words.push(`skbmark ${m.skbmark}`);
  if (m.skbprio !== undefined) words.push(`skbprio ${m.skbprio >>> 16}:${m.skbprio & 0xffff}`);
  if (m.skbqueue !== undefined) words.push(`skbqueue ${m.skbqueue}`);
  return words.join(" ");
}

/**
 * A set as `ipset list` prints it (without the blank line between sets).
 *
 * @example
 * ```ts
 * import { ipsetText } from "./ipset.ts";
 * console.log(ipsetText({ name: "s", type: "hash:ip", revision: 6, family: "inet", options: {}, memsize: 0, references: 0, entries: 0, members: [] }));
 * ```
 */
export function ipsetText(set: IpsetSet, terse = false): string {
  const lines = [
    `Name: ${set.name}`,
    `Type: ${set.type}`,
    `Revision: ${set.revision}`,
    `Header: ${headerLine(set)}`,
    `Size in memory: ${set.memsize}`,
    `References: ${set.references}`,
    `Number of entries: ${set.entries}`,
  ];
  if (!terse) lines.push("Members:", ...set.members.map(memberLine));
  return lines.join("\n");
}

/** Reads `word VALUE` pairs and bare flags after the fixed words of a command. */
function keywords(
  words: string[],
  valued: readonly string[],
  flags: readonly string[],
  command: string,
): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (valued.includes(w)) {
      if (i + 1 >= words.length) throw new UsageError(`ipset ${command}: ${w} needs a value`);
      out[w] = words[++i];
    } else if (flags.includes(w)) {
      out[w] = true;
    } else {
      throw new UsageError(`ipset ${command}: unexpected ${JSON.stringify(w)}`);
    }
  }
  return out;
}

function needs(words: string[], n: number, command: string, what: string): void {
  if (words.length < n) throw new UsageError(`ipset ${command}: needs ${what}`);
}

/** `ipset`. */
export const ipset: Command = {
  usage: "ipset [list [NAME] [-t]] | create NAME TYPE [OPTIONS] | add|del|test NAME ELEM [OPTIONS] | " +
    "destroy NAME | flush NAME | rename FROM TO | swap A B",
  description: "ipset sets, in ipset's words: `list` prints as `ipset list` does (-j: the library's objects); " +
    `create takes the types ${IPSET_TYPES.join(", ")} with family inet|inet6, timeout N, counters, comment, ` +
    "skbinfo, forceadd, maxelem N, hashsize N, range FROM-TO (bitmap:port), size N (list:set); add takes " +
    "timeout N, comment TEXT, packets N, bytes N, nomatch, before|after NAME (list:set); --exist ignores an " +
    "existing set or member (and a missing member on del). test exits 1 when the member is not in the set.",
  options: [
    { names: ["-t", "--terse"], key: "terse", help: "list: headers only" },
    { names: ["-exist", "--exist"], key: "exist", help: "no error for what exists (or, for del, what does not)" },
  ],
  async run(ctx, positionals, options) {
    const [verb = "list", ...words] = positionals;
    await using client = await Ipset.open({ netns: ctx.netns });
    const exist = options.exist === true;
    try {
      switch (verb) {
        case "list":
        case "l":
        case "show": {
          if (words.length > 1) throw new UsageError(`ipset list: unexpected ${JSON.stringify(words[1])}`);
          const sets = await client.list(words[0], { terse: options.terse === true });
          if (ctx.json) ctx.list(sets, [], () => []);
          else ctx.io.out(sets.map((s) => ipsetText(s, options.terse === true)).join("\n\n"));
          return;
        }
        case "create":
        case "n": {
          needs(words, 2, verb, "a name and a type");
          const [name, type, ...rest] = words;
          if (!IPSET_TYPES.includes(type as KnownIpsetType)) {
            throw new UsageError(`ipset create: type ${JSON.stringify(type)} is not one of ${IPSET_TYPES.join(", ")}`);
          }
          const kw = keywords(
            rest,
            ["family", "timeout", "maxelem", "hashsize", "range", "size"],
            ["counters", "comment", "skbinfo", "forceadd"],
            "create",
          );
          const num = (k: string, min = 0) =>
            kw[k] === undefined ? undefined : integer(kw[k] as string, k, min, 0xffffffff);
          const family = kw.family as string | undefined;
          if (family !== undefined && family !== "inet" && family !== "inet6") {
            throw new UsageError(`family must be inet or inet6, not ${JSON.stringify(family)}`);
          }
          const spec: IpsetCreateSpec = {
            name,
            type: type as KnownIpsetType,
            family: family as "inet" | "inet6" | undefined,
            timeout: num("timeout"),
            maxelem: num("maxelem", 1),
            hashsize: num("hashsize", 1),
            range: kw.range as string | undefined,
            size: num("size", 1),
            counters: kw.counters === true || undefined,
            comment: kw.comment === true || undefined,
            skbinfo: kw.skbinfo === true || undefined,
            forceadd: kw.forceadd === true || undefined,
          };
          await client.create(spec, { exist });
          return;
        }
        case "add":
        case "a":
        case "del":
        case "d":
        case "test":
        case "t": {
          needs(words, 2, verb, "a set name and an element");
          const [name, elem, ...rest] = words;
          const kind = verb[0];
          if (kind === "a") {
            const kw = keywords(
              rest,
              ["timeout", "comment", "packets", "bytes", "before", "after"],
              ["nomatch"],
              "add",
            );
            const big = (k: string) => {
              if (kw[k] === undefined) return undefined;
              if (!/^\d+$/.test(kw[k] as string)) throw new UsageError(`${k} must be a whole number`);
              return BigInt(kw[k] as string);
            };
            const add: IpsetAddOptions = {
              timeout: kw.timeout === undefined ? undefined : integer(kw.timeout as string, "timeout", 0, 0xffffffff),
              comment: kw.comment as string | undefined,
              packets: big("packets"),
              bytes: big("bytes"),
              nomatch: kw.nomatch === true || undefined,
              before: kw.before as string | undefined,
              after: kw.after as string | undefined,
              exist,
            };
            await client.add(name, elem, add);
          } else if (kind === "d") {
            const kw = keywords(rest, ["before", "after"], [], "del");
            await client.del(name, elem, {
              before: kw.before as string | undefined,
              after: kw.after as string | undefined,
              exist,
            });
          } else {
            if (rest.length) throw new UsageError(`ipset test: unexpected ${JSON.stringify(rest[0])}`);
            if (!(await client.test(name, elem))) throw new CliError(`${elem} is NOT in set ${name}.`);
            ctx.note(`${elem} is in set ${name}.`);
          }
          return;
        }
        case "destroy":
        case "x":
        case "flush":
        case "f": {
          if (words.length !== 1) throw new UsageError(`ipset ${verb}: needs one set name`);
          if (verb[0] === "f") await client.flush(words[0]);
          else await client.destroy(words[0]);
          return;
        }
        case "rename":
        case "e":
        case "swap":
        case "w": {
          if (words.length !== 2) throw new UsageError(`ipset ${verb}: needs two set names`);
          if (verb === "swap" || verb === "w") await client.swap(words[0], words[1]);
          else await client.rename(words[0], words[1]);
          return;
        }
      }
      throw new UsageError(`ipset: unknown command ${JSON.stringify(verb)}`);
    } catch (error) {
      // One line with ipset's words (the errno's C text is already in them).
      if (error instanceof IpsetError) throw new CliError(error.message);
      if (error instanceof TypeError) throw new UsageError(error.message);
      throw error;
    }
  },
};
