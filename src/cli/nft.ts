/**
 * The `nft` command of the `nlts` command line, in nft's words:
 * `nft list ruleset|tables|table|chain|set|map …` (`-j`: nft -j's JSON),
 * and the writes people need most — `add|create|delete table`,
 * `add|create chain` with `{ type … hook … priority … ; policy … ; }`,
 * `delete chain`, `flush ruleset|table|chain`, `add|insert|replace rule`
 * with the rule builder's vocabulary, `delete rule … handle N`. What it
 * cannot parse it refuses, naming the word, rather than guess. As with
 * nft, a negative priority needs `--` before the command
 * (`nlts nft -- add chain ip raw pre { type filter hook prerouting priority -300 \; }`).
 *
 * @module
 */
import { Nftables } from "../nftables/client.ts";
import { NFPROTO, type NftFamily, type NftHook } from "../nftables/constants.ts";
import type { Expression } from "../nftables/objects.ts";
import { type CtState, rule as newRule, type RuleBuilder } from "../nftables/rule.ts";
import type { ChainSpec, Transaction } from "../nftables/transaction.ts";
import { toJson } from "../wire/json.ts";
import { AddressError } from "../wire/values.ts";
import { UsageError } from "./args.ts";
import { CliError, type Context } from "./context.ts";
import { nftJson, type NftSelection, nftText } from "./nftjson.ts";
import type { Command } from "./route.ts";

/** One word of an nft command: its text, and whether it was a quoted string. */
interface Token {
  text: string;
  quoted: boolean;
}

/**
 * Splits an nft command into words the way nft reads its arguments (joined
 * by spaces): `"quoted strings"`, and `{ } ; ,` as words of their own.
 *
 * @example
 * ```ts
 * import { tokenize } from "./nft.ts";
 * tokenize('add rule inet f c tcp dport 22 accept comment "ssh in"').map((t) => t.text);
 * ```
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const c = text[at];
    if (/\s/.test(c)) {
      at++;
    } else if (c === '"') {
      const end = text.indexOf('"', at + 1);
      if (end < 0) throw new UsageError("nft: a quoted string is not closed");
      out.push({ text: text.slice(at + 1, end), quoted: true });
      at = end + 1;
    } else if ("{};,".includes(c)) {
      out.push({ text: c, quoted: false });
      at++;
    } else {
      let end = at;
      while (end < text.length && !/[\s{};,"]/.test(text[end])) end++;
      out.push({ text: text.slice(at, end), quoted: false });
      at = end;
    }
  }
  return out;
}

/** Reads tokens one by one, with nft's errors. */
class Words {
  readonly #tokens: Token[];
  #at = 0;
  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }
  get done(): boolean {
    return this.#at >= this.#tokens.length;
  }
  peek(): string | undefined {
    return this.#tokens[this.#at]?.text;
  }
  next(what: string): string {
    const t = this.#tokens[this.#at++];
    if (t === undefined) throw new UsageError(`nft: ${what} is missing`);
    return t.text;
  }
  take(word: string): boolean {
    const t = this.#tokens[this.#at];
    if (t && !t.quoted && t.text === word) {
      this.#at++;
      return true;
    }
    return false;
  }
  expect(word: string): void {
    const got = this.peek();
    if (!this.take(word)) {
      throw new UsageError(`nft: expected ${JSON.stringify(word)}, not ${JSON.stringify(got ?? "the end")}`);
    }
  }
  /** The tokens not read yet (and reads them). */
  rest(): Token[] {
    const out = this.#tokens.slice(this.#at);
    this.#at = this.#tokens.length;
    return out;
  }
  end(): void {
    if (!this.done) throw new UsageError(`nft: cannot parse ${JSON.stringify(this.peek())} here`);
  }
}

const FAMILIES = Object.keys(NFPROTO) as NftFamily[];

/** An optional family word (nft's default is `ip`). */
function family(w: Words): NftFamily {
  const word = w.peek();
  if (word !== undefined && (FAMILIES as string[]).includes(word)) {
    w.next("family");
    return word as NftFamily;
  }
  return "ip";
}

/** Priority names by family (`nft`'s standard priorities), for `priority filter`, `priority srcnat + 1`. */
function priorityOf(fam: NftFamily, w: Words): number {
  const word = w.next("priority");
  const names: Record<string, number> = fam === "bridge"
    ? { dstnat: -300, filter: -200, out: 100, srcnat: 300 }
    : { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
  let base: number;
  if (/^-?\d+$/.test(word)) base = Number(word);
  else if (word in names) base = names[word];
  else throw new UsageError(`nft: unknown priority ${JSON.stringify(word)}`);
  const sign = w.peek();
  if (sign === "+" || sign === "-") {
    w.next("sign");
    const offset = w.next("priority offset");
    if (!/^\d+$/.test(offset)) throw new UsageError(`nft: bad priority offset ${JSON.stringify(offset)}`);
    base += sign === "+" ? Number(offset) : -Number(offset);
  }
  if (!Number.isSafeInteger(base) || base < -0x80000000 || base > 0x7fffffff) {
    throw new UsageError(`nft: priority ${word} is out of range`);
  }
  return base;
}

/** `{ type T hook H [device D] priority P ; [policy P ;] [comment "c" ;] }`. */
function chainBody(fam: NftFamily, w: Words, spec: ChainSpec): void {
  w.expect("{");
  while (!w.take("}")) {
    if (w.take(";")) continue;
    const word = w.next("chain property");
    if (word === "type") {
      const type = w.next("chain type");
      if (type !== "filter" && type !== "nat" && type !== "route") {
        throw new UsageError(`nft: a chain type is filter, nat or route, not ${JSON.stringify(type)}`);
      }
      spec.type = type;
      w.expect("hook");
      spec.hook = w.next("hook") as NftHook;
      if (w.take("device")) spec.devices = [w.next("device")];
      else if (w.take("devices")) {
        w.expect("=");
        w.expect("{");
        spec.devices = [];
        while (!w.take("}")) {
          if (w.take(",")) continue;
          spec.devices.push(w.next("device"));
        }
      }
      w.expect("priority");
      spec.priority = priorityOf(fam, w);
    } else if (word === "policy") {
      const policy = w.next("policy");
      if (policy !== "accept" && policy !== "drop") {
        throw new UsageError(`nft: policy is accept or drop, not ${policy}`);
      }
      spec.policy = policy;
    } else if (word === "comment") {
      spec.comment = w.next("comment");
    } else {
      throw new UsageError(`nft: cannot parse ${JSON.stringify(word)} in a chain's { … }`);
    }
  }
}

/** `{ hook ingress priority P ; devices = { a, b } ; [flags offload ;] [counter ;] }`. */
function flowtableBody(
  fam: NftFamily,
  w: Words,
): { priority: number; devices: string[]; flags: ("offload" | "counter")[] } {
  const out = { priority: 0, devices: [] as string[], flags: [] as ("offload" | "counter")[] };
  w.expect("{");
  while (!w.take("}")) {
    if (w.take(";")) continue;
    const word = w.next("flowtable property");
    if (word === "hook") {
      w.expect("ingress");
      w.expect("priority");
      out.priority = priorityOf(fam, w);
    } else if (word === "devices") {
      w.expect("=");
      w.expect("{");
      while (!w.take("}")) {
        if (w.take(",")) continue;
        out.devices.push(w.next("device"));
      }
    } else if (word === "flags") {
      const flag = w.next("flowtable flag");
      if (flag !== "offload") throw new UsageError(`nft: unknown flowtable flag ${JSON.stringify(flag)}`);
      out.flags.push("offload");
    } else if (word === "counter") {
      out.flags.push("counter");
    } else {
      throw new UsageError(`nft: cannot parse ${JSON.stringify(word)} in a flowtable's { … }`);
    }
  }
  return out;
}

const CT_STATES = ["invalid", "established", "related", "new", "untracked"];

/** A port, a range `low-high`, or `@set`. */
function portValue(text: string): number | [number, number] | { set: string } {
  if (text.startsWith("@")) return { set: text.slice(1) };
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`nft: ${JSON.stringify(text)} is not a port, a range or a @set`);
  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
}

/** `ADDR`, `ADDR:PORT`, `[V6]:PORT` or a bare IPv6 address, for snat/dnat. */
function natTarget(text: string): { address: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { address: v6[1], port: v6[2] === undefined ? undefined : Number(v6[2]) };
  const v4 = /^([\d.]+)(?::(\d+))?$/.exec(text);
  if (v4) return { address: v4[1], port: v4[2] === undefined ? undefined : Number(v4[2]) };
  if (text.includes(":")) return { address: text };
  throw new UsageError(`nft: ${JSON.stringify(text)} is not a NAT address`);
}

/** What the rule parser understands, for its refusals. */
const RULE_WORDS = "ip/ip6 saddr|daddr, tcp/udp sport|dport, iifname, oifname, ct state, ct helper set, counter, " +
  "log, flow add, then accept, drop, return, jump, goto, reject, masquerade, snat, dnat; comment last";

/**
 * Parses a rule's statements (the rule builder's vocabulary, in nft's
 * words) into expressions, and a trailing `comment`.
 *
 * @example
 * ```ts
 * import { parseRule, tokenize } from "./nft.ts";
 * const { expressions } = parseRule("inet", tokenize("tcp dport 22 ct state new counter accept"));
 * ```
 */
export function parseRule(fam: NftFamily, tokens: Token[]): { expressions: Expression[]; comment?: string } {
  const w = new Words(tokens);
  let b: RuleBuilder;
  try {
    b = newRule(fam);
  } catch (error) {
    throw new UsageError(`nft: ${(error as Error).message}`);
  }
  let expressions: Expression[] | undefined;
  let comment: string | undefined;
  let transport = false;
  const negate = () => {
    if (w.take("!=")) return { negate: true };
    w.take("==");
    return {};
  };
  try {
    while (!w.done) {
      const word = w.next("statement");
      if (expressions && word !== "comment") {
        throw new UsageError(`nft: nothing but a comment may follow the verdict, not ${JSON.stringify(word)}`);
      }
      if (word === "comment") {
        comment = w.next("comment");
        w.end();
        break;
      }
      if (word === "ip" || word === "ip6") {
        const field = w.next(`${word} field`);
        if (field !== "saddr" && field !== "daddr") {
          throw new UsageError(`nft: ${word} ${field} is not something this command writes (${RULE_WORDS})`);
        }
        const options = negate();
        const value = w.next("address");
        const match = value.startsWith("@") ? { set: value.slice(1) } : value;
        if (word === "ip") field === "saddr" ? b.ipSaddr(match, options) : b.ipDaddr(match, options);
        else field === "saddr" ? b.ip6Saddr(match, options) : b.ip6Daddr(match, options);
      } else if (word === "tcp" || word === "udp") {
        transport = true;
        const field = w.next(`${word} field`);
        if (field !== "sport" && field !== "dport") {
          throw new UsageError(`nft: ${word} ${field} is not something this command writes (${RULE_WORDS})`);
        }
        const options = negate();
        const value = w.next("port");
        if (value === "{") {
          throw new UsageError("nft: anonymous sets ({ … }) are not written by this command: use a named set (@name)");
        }
        const port = portValue(value);
        if (word === "tcp") field === "dport" ? b.tcpDport(port, options) : b.tcpSport(port, options);
        else field === "dport" ? b.udpDport(port, options) : b.udpSport(port, options);
      } else if (word === "iifname" || word === "oifname" || (word === "meta" && /^[io]ifname$/.test(w.peek() ?? ""))) {
        const key = word === "meta" ? w.next("key") : word;
        const options = negate();
        const name = w.next("interface name");
        key === "iifname" ? b.iifname(name, options) : b.oifname(name, options);
      } else if (word === "ct") {
        const key = w.next("ct key");
        if (key === "state") {
          w.take("==");
          const states: string[] = [];
          do {
            states.push(...w.next("ct state").split(",").filter((s) => s !== ""));
          } while (w.take(","));
          for (const s of states) {
            if (!CT_STATES.includes(s)) throw new UsageError(`nft: unknown ct state ${JSON.stringify(s)}`);
          }
          b.ctState(states as CtState[]);
        } else if (key === "helper" || key === "timeout" || key === "expectation") {
          w.expect("set");
          const name = w.next(`ct ${key} name`);
          if (key === "helper") b.ctHelper(name);
          else if (key === "timeout") b.ctTimeout(name);
          else b.ctExpectation(name);
        } else {
          throw new UsageError(`nft: ct ${key} is not something this command writes (${RULE_WORDS})`);
        }
      } else if (word === "counter") {
        b.counter();
      } else if (word === "log") {
        const options: Parameters<RuleBuilder["log"]>[0] = {};
        for (;;) {
          if (w.take("prefix")) options.prefix = w.next("log prefix");
          else if (w.take("level")) options.level = w.next("log level") as typeof options.level;
          else if (w.take("group")) {
            const g = w.next("log group");
            if (!/^\d+$/.test(g)) throw new UsageError(`nft: log group ${JSON.stringify(g)} is not a number`);
            options.group = Number(g);
          } else break;
        }
        if (
          options.level !== undefined &&
          !["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"].includes(options.level)
        ) {
          throw new UsageError(`nft: unknown log level ${JSON.stringify(options.level)}`);
        }
        if (options.level !== undefined && options.group !== undefined) {
          throw new UsageError(
            "nft: log level and group are mutually exclusive (group logs to NFLOG, level to syslog)",
          );
        }
        b.log(options);
      } else if (word === "flow") {
        if (!w.take("add")) w.expect("offload");
        const table = w.next("flowtable");
        if (!table.startsWith("@")) {
          throw new UsageError(`nft: flow add takes @flowtable, not ${JSON.stringify(table)}`);
        }
        b.flowOffload(table.slice(1));
      } else if (word === "accept") expressions = b.accept();
      else if (word === "drop") expressions = b.drop();
      else if (word === "return") expressions = b.return();
      else if (word === "jump") expressions = b.jump(w.next("chain"));
      else if (word === "goto") expressions = b.goto(w.next("chain"));
      else if (word === "masquerade") expressions = b.masquerade();
      else if (word === "reject") {
        if (w.take("with")) {
          w.expect("tcp");
          w.expect("reset");
          expressions = b.reject({ with: "tcp reset" });
        } else expressions = b.reject();
      } else if (word === "snat" || word === "dnat") {
        const proto = w.take("ip") ? "ip" : w.take("ip6") ? "ip6" : undefined;
        w.expect("to");
        const target = natTarget(w.next("address"));
        if (proto === "ip" && target.address.includes(":") || proto === "ip6" && !target.address.includes(":")) {
          throw new UsageError(`nft: ${target.address} is not an ${proto} address`);
        }
        if (target.port !== undefined && !transport) {
          throw new UsageError(`nft: ${word} to a port: a port needs a tcp or udp match first (as nft says)`);
        }
        if (proto === undefined && fam === "inet") {
          throw new UsageError(`nft: in an inet table say ${word} ip to or ${word} ip6 to`);
        }
        expressions = word === "snat" ? b.snat(target.address, target.port) : b.dnat(target.address, target.port);
      } else {
        throw new UsageError(`nft: cannot parse ${JSON.stringify(word)} (this command writes ${RULE_WORDS})`);
      }
    }
  } catch (error) {
    if (error instanceof TypeError || error instanceof AddressError) throw new UsageError(`nft: ${error.message}`);
    throw error;
  }
  return { expressions: expressions ?? b.build(), comment };
}

function handleOf(w: Words): number {
  const text = w.next("handle");
  if (!/^\d+$/.test(text) || Number(text) <= 0) {
    throw new UsageError(`nft: a handle is a positive number, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/**
 * Adds the change one nft write command asks for to `tx`.
 *
 * @example
 * ```ts
 * import { Nftables } from "@nlts/netlink/nftables";
 * import { parseWrite, tokenize } from "./nft.ts";
 * await using nft = await Nftables.open({ netns: "test" });
 * await nft.transaction((tx) => parseWrite(tokenize("add table inet filter"), tx));
 * ```
 */
export function parseWrite(tokens: Token[], tx: Transaction): void {
  const w = new Words(tokens);
  const verb = w.next("command");
  const object = w.next("object");
  const exclusive = verb === "create";
  if ((verb === "add" || verb === "create") && object === "table") {
    const fam = family(w);
    const name = w.next("table name");
    w.end();
    tx.addTable({ family: fam, name }, { exclusive });
  } else if (verb === "delete" && object === "table") {
    const fam = family(w);
    const name = w.next("table name");
    w.end();
    tx.deleteTable({ family: fam, name });
  } else if ((verb === "add" || verb === "create") && object === "chain") {
    const fam = family(w);
    const spec: ChainSpec = { family: fam, table: w.next("table name"), name: w.next("chain name") };
    if (!w.done) chainBody(fam, w, spec);
    w.end();
    tx.addChain(spec, { exclusive });
  } else if (verb === "delete" && object === "chain") {
    const fam = family(w);
    const table = w.next("table name");
    const chain = w.next("chain name");
    w.end();
    tx.deleteChain({ family: fam, table, chain });
  } else if (verb === "flush" && object === "ruleset") {
    const word = w.peek();
    const fam = word === undefined ? undefined : family(w);
    w.end();
    tx.flushRuleset({ family: fam });
  } else if (verb === "flush" && object === "table") {
    const fam = family(w);
    const name = w.next("table name");
    w.end();
    tx.flushTable({ family: fam, name });
  } else if (verb === "flush" && object === "chain") {
    const fam = family(w);
    const table = w.next("table name");
    const chain = w.next("chain name");
    w.end();
    tx.flushChain({ family: fam, table, chain });
  } else if ((verb === "add" || verb === "insert" || verb === "replace") && object === "rule") {
    const fam = family(w);
    const table = w.next("table name");
    const chain = w.next("chain name");
    let position: number | undefined;
    if (w.take("position") || (verb !== "replace" && w.take("handle"))) position = handleOf(w);
    else if (verb === "replace") {
      w.expect("handle");
      position = handleOf(w);
    }
    const { expressions, comment } = parseRule(fam, w.rest());
    if (verb === "replace") tx.replaceRule({ family: fam, table, chain, handle: position!, expressions, comment });
    else tx.addRule({ family: fam, table, chain, expressions, comment, position, insert: verb === "insert" });
  } else if (verb === "delete" && object === "rule") {
    const fam = family(w);
    const table = w.next("table name");
    const chain = w.next("chain name");
    w.expect("handle");
    const handle = handleOf(w);
    w.end();
    tx.deleteRule({ family: fam, table, chain, handle });
  } else if ((verb === "add" || verb === "create") && object === "flowtable") {
    const fam = family(w);
    const table = w.next("table name");
    const name = w.next("flowtable name");
    const spec = flowtableBody(fam, w);
    w.end();
    tx.addFlowtable({ family: fam, table, name, ...spec }, { exclusive });
  } else if (verb === "delete" && object === "flowtable") {
    const fam = family(w);
    const table = w.next("table name");
    const name = w.next("flowtable name");
    w.end();
    tx.deleteFlowtable({ family: fam, table, name });
  } else {
    throw new UsageError(
      `nft: "${verb} ${object}" is not a command this writes (add|create|delete table, add|create|delete chain, ` +
        "add|create|delete flowtable, flush ruleset|table|chain, add|insert|replace rule, delete rule … handle N)",
    );
  }
}

/** `nft list …`: what to print. */
function parseList(w: Words): NftSelection & { tables?: boolean } {
  const object = w.next("what to list");
  if (object === "ruleset") {
    const fam = w.peek() === undefined ? undefined : family(w);
    w.end();
    return { family: fam };
  }
  if (object === "tables") {
    const fam = w.peek() === undefined ? undefined : family(w);
    w.end();
    return { family: fam, tables: true };
  }
  if (!["table", "chain", "set", "map"].includes(object)) {
    throw new UsageError(`nft: list ${object} is not listed by this command (ruleset, tables, table, chain, set, map)`);
  }
  const fam = family(w);
  const table = w.next("table name");
  if (object === "table") {
    w.end();
    return { family: fam, table };
  }
  if (object === "chain") {
    const chain = w.next("chain name");
    w.end();
    return { family: fam, table, chain };
  }
  if (object === "set" || object === "map") {
    const set = w.next(`${object} name`);
    w.end();
    return { family: fam, table, set };
  }
  throw new UsageError(`nft: list ${object} is not listed by this command (ruleset, tables, table, chain, set, map)`);
}

/** `nft`. */
export const nft: Command = {
  usage: "nft list ruleset|tables [FAMILY] | nft list table|chain|set|map [FAMILY] TABLE [NAME] | nft add|delete … " +
    "(nft's words; -j: nft -j's JSON)",
  description: "List the nf_tables ruleset as nft prints it (-j: as nft -j does), or change it in nft's words: " +
    "add|create|delete table, add|create|delete chain (with { type T hook H priority P ; policy P ; }), " +
    "add|create|delete flowtable (with { hook ingress priority P ; devices = { D, … } ; }), flush " +
    "ruleset|table|chain, add|insert|replace rule (address, port, interface, @set, ct state matches; counter, log; " +
    "accept, drop, reject, jump, goto, return, masquerade, snat, dnat), delete rule … handle N. One invocation (commands " +
    "separated by ;) is one atomic transaction. Put -- before a command with a negative priority.",
  options: [{ names: ["-a", "--handle"], key: "handle", help: "show handles (always shown here)" }],
  async run(ctx, positionals) {
    const tokens = tokenize(positionals.join(" "));
    if (tokens.length === 0) throw new UsageError("nft: give a command (list ruleset, add table …)");
    await using client = await Nftables.open({ netns: ctx.netns });
    if (tokens[0].text === "list") {
      await list(ctx, client, parseList(new Words(tokens.slice(1))));
      return;
    }
    const commands = splitCommands(tokens);
    await client.transaction((tx) => {
      for (const command of commands) parseWrite(command, tx);
    });
  },
};

/** Commands separated by `;` outside braces (`nft 'add table x ; add chain x c'`). */
function splitCommands(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (!t.quoted && t.text === "{") depth++;
    if (!t.quoted && t.text === "}") depth--;
    if (!t.quoted && t.text === ";" && depth === 0) out.push([]);
    else out[out.length - 1].push(t);
  }
  return out.filter((c) => c.length > 0);
}

async function list(ctx: Context, client: Nftables, selection: NftSelection & { tables?: boolean }): Promise<void> {
  const ruleset = await client.ruleset();
  if (ctx.rawJson) {
    ctx.io.out(toJson(ruleset));
    return;
  }
  let entries = nftJson(ruleset, selection);
  if (selection.tables) entries = entries.filter((e) => "table" in e);
  const what = selection.set !== undefined
    ? `set ${selection.family} ${selection.table} ${selection.set}`
    : selection.chain !== undefined
    ? `chain ${selection.family} ${selection.table} ${selection.chain}`
    : selection.table !== undefined
    ? `table ${selection.family} ${selection.table}`
    : undefined;
  if (what !== undefined && entries.length === 0) throw new CliError(`nft: no ${what}`);
  if (ctx.json) {
    const metainfo = { metainfo: { version: "nlts", release_name: "nlts", json_schema_version: 1 } };
    ctx.io.out(toJson({ nftables: [metainfo, ...entries] }));
    return;
  }
  if (selection.tables) {
    for (const e of entries) {
      const t = e.table as { family: string; name: string };
      ctx.io.out(`table ${t.family} ${t.name}`);
    }
    return;
  }
  const text = nftText(entries);
  if (text) ctx.io.out(text);
}
