/**
 * The `nft` command of the `nlts` command line, in nft's words:
 * `nft list ruleset|tables|table|chain|set|map …` (`-j`: nft -j's JSON),
 * and the writes people need most — `add|create|delete table`,
 * `add|create chain` with `{ type … hook … priority … ; policy … ; }`,
 * `delete chain`, `add|delete set` and `add|delete element` (plain sets of
 * the common key types), `add|delete flowtable`, `flush
 * ruleset|table|chain`, `add|insert|replace rule` with the rule builder's
 * vocabulary, `delete rule … handle N`. What it
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
import type { ChainSpec, ElementSpec, SetSpec, Transaction } from "../nftables/transaction.ts";
import { toJson } from "../wire/json.ts";
import { AddressError, parseIP, parseMac } from "../wire/values.ts";
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
  nextToken(what: string): Token {
    const t = this.#tokens[this.#at++];
    if (t === undefined) throw new UsageError(`nft: ${what} is missing`);
    return t;
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

/** The set key types this command writes: nft's datatype number, key length, and how a value is written. */
const SET_TYPES: { readonly [name: string]: { type: number; len: number; parse: (text: string) => Uint8Array } } = {
  ipv4_addr: { type: 7, len: 4, parse: (t) => addressBytes(t, 4) },
  ipv6_addr: { type: 8, len: 16, parse: (t) => addressBytes(t, 16) },
  inet_service: { type: 13, len: 2, parse: (t) => Uint8Array.of(...be16Bytes(numberIn(t, "port", 0xffff))) },
  inet_proto: { type: 12, len: 1, parse: (t) => Uint8Array.of(protocolNumber(t)) },
  ether_addr: { type: 9, len: 6, parse: (t) => parseMac(t, 6) },
  // Marks are compared in host (little-endian) order, as meta mark loads them.
  mark: { type: 19, len: 4, parse: (t) => leBytes(numberIn(t, "mark", 0xffffffff)) },
  ifname: { type: 41, len: 16, parse: (t) => ifnameBytes(t) },
};

function numberIn(text: string, what: string, max: number): number {
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > max) throw new UsageError(`nft: ${JSON.stringify(text)} is not a ${what}`);
  return n;
}
const be16Bytes = (n: number) => [n >> 8, n & 0xff];
function leBytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
function addressBytes(text: string, len: 4 | 16): Uint8Array {
  if (text.includes("/") || text.includes("-")) {
    throw new UsageError(`nft: ${text}: prefixes and ranges need an interval set, which this command does not write`);
  }
  const b = parseIP(text);
  if (b.length !== len) throw new UsageError(`nft: ${text} is not an ${len === 4 ? "IPv4" : "IPv6"} address`);
  return b;
}
const PROTOCOLS: { readonly [name: string]: number } = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  "ipv6-icmp": 58,
  sctp: 132,
};
function protocolNumber(text: string): number {
  return PROTOCOLS[text] ?? numberIn(text, "protocol", 255);
}
function ifnameBytes(text: string): Uint8Array {
  const name = new TextEncoder().encode(text);
  if (name.length === 0 || name.length >= 16) {
    throw new UsageError(`nft: ${JSON.stringify(text)} is not an interface name`);
  }
  const b = new Uint8Array(16);
  b.set(name);
  return b;
}

/** A set (or one being made by the same command line) as the element commands need it. */
interface KnownSet {
  keyType: number;
  keyLen: number;
  timeout: boolean;
}

/** `{ type T ; [flags F, … ;] [timeout D ;] [size N ;] [comment "c" ;] [elements = { … } ;] }`. */
function setBody(w: Words, spec: SetSpec): Token[][] {
  let elements: Token[][] = [];
  w.expect("{");
  while (!w.take("}")) {
    if (w.take(";")) continue;
    const word = w.next("set property");
    if (word === "type") {
      const name = w.next("set type");
      if (w.peek() === ":" || w.peek() === ".") {
        throw new UsageError("nft: maps and concatenations are not written by this command");
      }
      const type = SET_TYPES[name];
      if (!type) {
        throw new UsageError(
          `nft: set type ${JSON.stringify(name)} is not written by this command (${Object.keys(SET_TYPES).join(", ")})`,
        );
      }
      spec.keyType = type.type;
      spec.keyLen = type.len;
      if (name === "mark" || name === "ifname") spec.keyByteorder = "host"; // as nft stores it
    } else if (word === "flags") {
      const flags: ("constant" | "timeout" | "dynamic")[] = [];
      do {
        const flag = w.next("set flag");
        if (flag !== "constant" && flag !== "timeout" && flag !== "dynamic") {
          throw new UsageError(
            `nft: set flag ${JSON.stringify(flag)} is not written by this command (constant, timeout, dynamic)`,
          );
        }
        flags.push(flag);
      } while (w.take(","));
      spec.flags = flags;
    } else if (word === "timeout") {
      spec.timeout = duration(w.next("timeout"));
    } else if (word === "size") {
      spec.size = numberIn(w.next("size"), "size", 0xffffffff);
    } else if (word === "comment") {
      spec.comment = w.next("comment");
    } else if (word === "elements") {
      w.expect("=");
      elements = elementList(w);
    } else {
      throw new UsageError(`nft: cannot parse ${JSON.stringify(word)} in a set's { … }`);
    }
  }
  if (spec.keyLen === 0) throw new UsageError("nft: a set needs a type");
  return elements;
}

/** `{ a, b timeout 30s comment "x", … }` as one token list per element. */
function elementList(w: Words): Token[][] {
  w.expect("{");
  const out: Token[][] = [[]];
  let depth = 0;
  for (;;) {
    const t = w.nextToken("}");
    if (!t.quoted && t.text === "}" && depth === 0) break;
    if (!t.quoted && t.text === "{") depth++;
    if (!t.quoted && t.text === "}") depth--;
    if (!t.quoted && t.text === "," && depth === 0) out.push([]);
    else out[out.length - 1].push(t);
  }
  return out.filter((e) => e.length > 0);
}

/** nft's durations: `30s`, `5m`, `1h`, `2d`, `1h30m`, `500ms`, or seconds; in ms. */
function duration(text: string): number {
  const parts = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!parts || text === "") throw new UsageError(`nft: ${JSON.stringify(text)} is not a duration (30s, 5m, 1h, 2d)`);
  const [d, h, m, sec, ms] = parts.slice(1).map((p) => Number(p ?? 0));
  return (((d * 24 + h) * 60 + m) * 60 + sec) * 1000 + ms;
}

/** One element's tokens: its value, then `timeout D`, `comment "c"`. */
function elementOf(tokens: Token[], set: KnownSet): ElementSpec {
  const w = new Words(tokens);
  const type = Object.values(SET_TYPES).find((t) => t.type === set.keyType && t.len === set.keyLen);
  if (!type) throw new UsageError("nft: that set's key type is not written by this command");
  const element: ElementSpec = { key: type.parse(w.next("element")) };
  while (!w.done) {
    const word = w.next("element option");
    if (word === "timeout") {
      if (!set.timeout) throw new UsageError("nft: an element timeout needs a set with the timeout flag");
      element.timeout = duration(w.next("timeout"));
    } else if (word === "comment") element.comment = w.next("comment");
    else throw new UsageError(`nft: cannot parse ${JSON.stringify(word)} after an element`);
  }
  return element;
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
export function parseWrite(tokens: Token[], tx: Transaction, sets: Map<string, KnownSet> = new Map()): void {
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
  } else if ((verb === "add" || verb === "create") && object === "set") {
    const fam = family(w);
    const spec: SetSpec = { family: fam, table: w.next("table name"), name: w.next("set name"), keyType: 0, keyLen: 0 };
    const elements = setBody(w, spec);
    w.end();
    tx.addSet(spec, { exclusive });
    const known = { keyType: spec.keyType, keyLen: spec.keyLen, timeout: (spec.flags ?? []).includes("timeout") };
    sets.set(`${fam} ${spec.table} ${spec.name}`, known);
    if (elements.length) {
      tx.addElements({ family: fam, table: spec.table, set: spec.name }, elements.map((e) => elementOf(e, known)));
    }
  } else if (verb === "delete" && object === "set") {
    const fam = family(w);
    const table = w.next("table name");
    const name = w.next("set name");
    w.end();
    tx.deleteSet({ family: fam, table, name });
  } else if ((verb === "add" || verb === "delete") && object === "element") {
    const fam = family(w);
    const table = w.next("table name");
    const name = w.next("set name");
    const elements = elementList(w);
    w.end();
    const known = sets.get(`${fam} ${table} ${name}`);
    if (!known) throw new UsageError(`nft: no set ${fam} ${table} ${name}`);
    const ref = { family: fam, table, set: name };
    const specs = elements.map((e) => elementOf(e, known));
    if (verb === "add") tx.addElements(ref, specs);
    else tx.deleteElements(ref, specs.map((e) => ({ key: e.key })));
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
        "add|create|delete set, add|delete element, add|create|delete flowtable, flush ruleset|table|chain, " +
        "add|insert|replace rule, delete rule … handle N)",
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
    "add|create|delete set (with { type T ; flags F ; timeout D ; elements = { … } ; }), add|delete element, " +
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
    const sets = new Map<string, KnownSet>();
    if (commands.some((c) => c[1]?.text === "element")) {
      // Elements are written in their set's key type: read the sets there are.
      for (const set of await client.sets()) {
        sets.set(`${set.family} ${set.table} ${set.name}`, {
          keyType: set.keyType,
          keyLen: set.keyLen,
          timeout: set.flags.includes("timeout"),
        });
      }
    }
    await client.transaction((tx) => {
      try {
        for (const command of commands) parseWrite(command, tx, sets);
      } catch (error) {
        // A name, address or value the library refused before anything was sent: a usage mistake.
        if (error instanceof TypeError || error instanceof AddressError) throw new UsageError(`nft: ${error.message}`);
        throw error;
      }
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
