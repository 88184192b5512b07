/**
 * A small rule builder for what people write most, producing the
 * expressions `nft` 1.0 produces for the same rule (so `nft list ruleset`
 * shows it as if written there): address, port, interface, set membership
 * and ct state matches, then counter, log, and a verdict or NAT.
 *
 * @module
 */
import { AddressError, parsePrefix } from "../wire/values.ts";
import type { NftFamily } from "./constants.ts";
import type { Expression } from "./objects.ts";

const NFPROTO_IPV4 = 2;
const NFPROTO_IPV6 = 10;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IFNAMSIZ = 16;
/** `NFT_REG_1`, `NFT_REG_2`: the registers `nft` uses; the verdict register is 0. */
const REG_1 = 1;
const REG_2 = 2;

/** A connection-tracking state, as `nft` names it. */
export type CtState = "invalid" | "established" | "related" | "new" | "untracked";

/** `ct state` names and their bits (`NF_CT_STATE_*`, as `nft` spells them). */
const CT_STATES: { readonly [S in CtState]: number } = {
  invalid: 1,
  established: 2,
  related: 4,
  new: 8,
  untracked: 64,
};

/** A match's value: the thing itself, or membership of a named set (`@name` in `nft`). */
export type Match<T> = T | { set: string };

/** Options of a match. */
export interface MatchOptions {
  /** Match what differs (`!=`, or not in the set). */
  negate?: boolean;
}

function u8(n: number): Uint8Array {
  return Uint8Array.of(n);
}

function be16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

/** A u32 in host (little-endian) order, as ct state is compared. */
function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`a port is 0 to 65535, not ${port}`);
  return port;
}

function isSet<T>(m: Match<T>): m is { set: string } {
  return typeof m === "object" && m !== null && !Array.isArray(m) && "set" in m;
}

/**
 * Builds the expressions of one rule, in the order written; matches and
 * `counter`/`log` return the builder, verdicts and NAT end the rule and
 * return its expressions. Input is checked as it is given (`TypeError`,
 * `AddressError`).
 *
 * @example
 * ```ts
 * import { rule } from "@nlts/netlink/nftables";
 * const ssh = rule("inet").ipSaddr("10.0.0.0/8").tcpDport(22).counter().accept();
 * const masq = rule("inet").oifname("eth0").masquerade();
 * ```
 */
export class RuleBuilder {
  /** The family of the table the rule goes to (`nft` adds protocol checks in inet tables). */
  readonly family: NftFamily;
  readonly #out: Expression[] = [];
  #nfproto?: number;
  #l4proto?: number;

  /** A builder for a rule of a table of `family` (`inet`, `ip` or `ip6`). */
  constructor(family: NftFamily = "inet") {
    if (family !== "inet" && family !== "ip" && family !== "ip6") {
      throw new TypeError(`the rule builder writes inet, ip and ip6 rules, not ${JSON.stringify(family)}`);
    }
    this.family = family;
  }

  /** The expressions so far (for a rule without a verdict). */
  build(): Expression[] {
    return [...this.#out];
  }

  #cmp(op: "eq" | "neq" | "gte" | "lte", value: Uint8Array): void {
    this.#out.push({ kind: "cmp", sreg: REG_1, op, data: { value } });
  }

  /** The network-protocol check `nft` puts before an ip/ip6 match in an inet table (once per rule). */
  #needNfproto(nfproto: number): void {
    const own = this.family === "ip" ? NFPROTO_IPV4 : this.family === "ip6" ? NFPROTO_IPV6 : undefined;
    if (own !== undefined) {
      if (own !== nfproto) throw new TypeError(`an ${this.family} table cannot match ${nfproto === 2 ? "ip" : "ip6"}`);
      return;
    }
    if (this.#nfproto === nfproto) return;
    if (this.#nfproto !== undefined) throw new TypeError("a rule cannot match both ip and ip6");
    this.#nfproto = nfproto;
    this.#out.push({ kind: "meta", key: "nfproto", dreg: REG_1 });
    this.#cmp("eq", u8(nfproto));
  }

  #needL4proto(proto: number): void {
    if (this.#l4proto === proto) return;
    if (this.#l4proto !== undefined) throw new TypeError("a rule cannot match two transport protocols");
    this.#l4proto = proto;
    this.#out.push({ kind: "meta", key: "l4proto", dreg: REG_1 });
    this.#cmp("eq", u8(proto));
  }

  #lookup(set: string, options: MatchOptions): void {
    if (typeof set !== "string" || set.length === 0) throw new TypeError("a set name is a non-empty string");
    this.#out.push({ kind: "lookup", set, sreg: REG_1, ...(options.negate ? { flags: ["inv"] } : {}) });
  }

  #address(which: "saddr" | "daddr", family: 2 | 10 | undefined, match: Match<string>, options: MatchOptions): this {
    if (isSet(match)) {
      const nfproto = family ?? (this.family === "ip6" ? NFPROTO_IPV6 : NFPROTO_IPV4);
      this.#needNfproto(nfproto);
      const v6 = nfproto === NFPROTO_IPV6;
      const offset = v6 ? (which === "saddr" ? 8 : 24) : (which === "saddr" ? 12 : 16);
      this.#out.push({ kind: "payload", base: "network", offset, len: v6 ? 16 : 4, dreg: REG_1 });
      this.#lookup(match.set, options);
      return this;
    }
    if (typeof match !== "string") throw new AddressError(`an address is a string, not ${JSON.stringify(match)}`);
    const prefix = parsePrefix(match);
    if (family !== undefined && prefix.family !== family) {
      throw new AddressError(`${match} is not an ${family === 2 ? "IPv4" : "IPv6"} address`);
    }
    if (prefix.length === 0) throw new AddressError(`${match}: a /0 prefix matches everything; leave the match out`);
    this.#needNfproto(prefix.family === 10 ? NFPROTO_IPV6 : NFPROTO_IPV4);
    const v6 = prefix.family === 10;
    const size = v6 ? 16 : 4;
    const offset = v6 ? (which === "saddr" ? 8 : 24) : (which === "saddr" ? 12 : 16);
    const mask = new Uint8Array(size);
    for (let bit = 0; bit < prefix.length; bit++) mask[bit >> 3] |= 0x80 >> (bit & 7);
    const network = prefix.address.map((b, i) => b & mask[i]);
    const op = options.negate ? "neq" : "eq";
    if (prefix.length % 8 === 0) {
      // A whole-byte prefix: nft loads and compares only those bytes.
      const len = prefix.length / 8;
      this.#out.push({ kind: "payload", base: "network", offset, len, dreg: REG_1 });
      this.#cmp(op, network.slice(0, len));
    } else {
      this.#out.push({ kind: "payload", base: "network", offset, len: size, dreg: REG_1 });
      this.#out.push({
        kind: "bitwise",
        sreg: REG_1,
        dreg: REG_1,
        len: size,
        mask: { value: mask },
        xor: { value: new Uint8Array(size) },
      });
      this.#cmp(op, network);
    }
    return this;
  }

  /** `ip saddr ADDR[/LEN]` (or `ip saddr @set`). */
  ipSaddr(match: Match<string>, options: MatchOptions = {}): this {
    return this.#address("saddr", 2, match, options);
  }

  /** `ip daddr ADDR[/LEN]` (or `ip daddr @set`). */
  ipDaddr(match: Match<string>, options: MatchOptions = {}): this {
    return this.#address("daddr", 2, match, options);
  }

  /** `ip6 saddr ADDR[/LEN]` (or `ip6 saddr @set`). */
  ip6Saddr(match: Match<string>, options: MatchOptions = {}): this {
    return this.#address("saddr", 10, match, options);
  }

  /** `ip6 daddr ADDR[/LEN]` (or `ip6 daddr @set`). */
  ip6Daddr(match: Match<string>, options: MatchOptions = {}): this {
    return this.#address("daddr", 10, match, options);
  }

  #port(proto: number, offset: number, match: Match<number | [number, number]>, options: MatchOptions): this {
    this.#needL4proto(proto);
    const load = () => this.#out.push({ kind: "payload", base: "transport", offset, len: 2, dreg: REG_1 });
    if (isSet(match)) {
      load();
      this.#lookup(match.set, options);
    } else if (Array.isArray(match)) {
      const [low, high] = match.map(checkPort);
      if (low > high) throw new TypeError(`a port range runs upwards, not ${low}-${high}`);
      if (options.negate) throw new TypeError("a negated port range is not written by this builder");
      load();
      this.#cmp("gte", be16(low));
      this.#cmp("lte", be16(high));
    } else {
      checkPort(match);
      load();
      this.#cmp(options.negate ? "neq" : "eq", be16(match));
    }
    return this;
  }

  /** `tcp dport PORT`, a `[low, high]` range, or `@set`. */
  tcpDport(match: Match<number | [number, number]>, options: MatchOptions = {}): this {
    return this.#port(IPPROTO_TCP, 2, match, options);
  }

  /** `tcp sport PORT`, a `[low, high]` range, or `@set`. */
  tcpSport(match: Match<number | [number, number]>, options: MatchOptions = {}): this {
    return this.#port(IPPROTO_TCP, 0, match, options);
  }

  /** `udp dport PORT`, a `[low, high]` range, or `@set`. */
  udpDport(match: Match<number | [number, number]>, options: MatchOptions = {}): this {
    return this.#port(IPPROTO_UDP, 2, match, options);
  }

  /** `udp sport PORT`, a `[low, high]` range, or `@set`. */
  udpSport(match: Match<number | [number, number]>, options: MatchOptions = {}): this {
    return this.#port(IPPROTO_UDP, 0, match, options);
  }

  #ifname(key: "iifname" | "oifname", name: string, options: MatchOptions): this {
    const text = new TextEncoder().encode(name);
    const wildcard = name.endsWith("*");
    const bytes = wildcard ? text.subarray(0, text.length - 1) : text;
    if (typeof name !== "string" || bytes.length === 0 || bytes.length >= IFNAMSIZ || bytes.includes(0)) {
      throw new TypeError(
        `an interface name is 1 to 15 bytes (a trailing * matches a prefix), not ${JSON.stringify(name)}`,
      );
    }
    this.#out.push({ kind: "meta", key, dreg: REG_1 });
    // A whole name is compared with its NUL padding to IFNAMSIZ; a prefix ("eth*") without.
    const value = wildcard ? bytes.slice() : new Uint8Array(IFNAMSIZ);
    if (!wildcard) value.set(bytes);
    this.#cmp(options.negate ? "neq" : "eq", value);
    return this;
  }

  /** `iifname NAME` (a trailing `*` matches a prefix). */
  iifname(name: string, options: MatchOptions = {}): this {
    return this.#ifname("iifname", name, options);
  }

  /** `oifname NAME` (a trailing `*` matches a prefix). */
  oifname(name: string, options: MatchOptions = {}): this {
    return this.#ifname("oifname", name, options);
  }

  /** `ct state STATE[,STATE…]`: any of them. */
  ctState(states: CtState[]): this {
    if (!Array.isArray(states) || states.length === 0) throw new TypeError("give at least one ct state");
    let bits = 0;
    for (const s of states) {
      if (!(s in CT_STATES)) {
        throw new TypeError(`unknown ct state ${JSON.stringify(s)} (known: ${Object.keys(CT_STATES).join(", ")})`);
      }
      bits |= CT_STATES[s];
    }
    this.#out.push({ kind: "ct", key: "state", dreg: REG_1 });
    this.#out.push({
      kind: "bitwise",
      sreg: REG_1,
      dreg: REG_1,
      len: 4,
      mask: { value: le32(bits) },
      xor: { value: new Uint8Array(4) },
    });
    this.#cmp("neq", new Uint8Array(4));
    return this;
  }

  #objref(type: string, name: string): this {
    if (typeof name !== "string" || name.length === 0 || new TextEncoder().encode(name).length > 255) {
      throw new TypeError(`a ${type} object name is a string of 1 to 255 bytes, not ${JSON.stringify(name)}`);
    }
    this.#out.push({ kind: "objref", immType: type, immName: name });
    return this;
  }

  /** `ct helper set "NAME"`: attach the named `ct helper` object to the connection. */
  ctHelper(name: string): this {
    return this.#objref("ct helper", name);
  }

  /** `ct timeout set "NAME"`: give the connection the named `ct timeout` policy. */
  ctTimeout(name: string): this {
    return this.#objref("ct timeout", name);
  }

  /** `ct expectation set "NAME"`: expect the connection the named `ct expectation` object describes. */
  ctExpectation(name: string): this {
    return this.#objref("ct expectation", name);
  }

  /** `flow add @NAME` (`flow offload`): hand the connection to the flowtable `NAME`. */
  flowOffload(flowtable: string): this {
    if (typeof flowtable !== "string" || flowtable.length === 0) throw new TypeError("flow add needs a flowtable name");
    this.#out.push({ kind: "flow_offload", tableName: flowtable });
    return this;
  }

  /** `counter`. */
  counter(): this {
    this.#out.push({ kind: "counter" });
    return this;
  }

  /** `log [prefix "…"] [level …] [group N]`. */
  log(
    options: {
      prefix?: string;
      level?: "emerg" | "alert" | "crit" | "err" | "warn" | "notice" | "info" | "debug";
      group?: number;
    } = {},
  ): this {
    if (
      options.prefix !== undefined &&
      (typeof options.prefix !== "string" || new TextEncoder().encode(options.prefix).length > 127)
    ) {
      throw new TypeError("a log prefix is a string of at most 127 bytes");
    }
    if (
      options.group !== undefined && (!Number.isInteger(options.group) || options.group < 0 || options.group > 65535)
    ) {
      throw new TypeError(`a log group is 0 to 65535, not ${options.group}`);
    }
    this.#out.push({
      kind: "log",
      ...(options.group !== undefined ? { group: options.group } : {}),
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      ...(options.level !== undefined ? { level: options.level } : {}),
    });
    return this;
  }

  #verdict(code: "accept" | "drop" | "return" | "jump" | "goto", chain?: string): Expression[] {
    this.#out.push({ kind: "immediate", dreg: 0, data: { verdict: chain === undefined ? { code } : { code, chain } } });
    return this.build();
  }

  /** `accept`. */
  accept(): Expression[] {
    return this.#verdict("accept");
  }

  /** `drop`. */
  drop(): Expression[] {
    return this.#verdict("drop");
  }

  /** `return`. */
  return(): Expression[] {
    return this.#verdict("return");
  }

  /** `jump CHAIN`. */
  jump(chain: string): Expression[] {
    if (typeof chain !== "string" || chain.length === 0) throw new TypeError("jump needs a chain name");
    return this.#verdict("jump", chain);
  }

  /** `goto CHAIN`. */
  goto(chain: string): Expression[] {
    if (typeof chain !== "string" || chain.length === 0) throw new TypeError("goto needs a chain name");
    return this.#verdict("goto", chain);
  }

  /** `reject` (ICMP port unreachable; `icmpx` in an inet table), or `reject with tcp reset`. */
  reject(options: { with?: "tcp reset" } = {}): Expression[] {
    if (options.with === "tcp reset") {
      this.#needL4proto(IPPROTO_TCP);
      this.#out.push({ kind: "reject", type: "tcp reset", icmpCode: 0 });
    } else if (this.family === "inet") {
      this.#out.push({ kind: "reject", type: "icmpx", icmpCode: 1 }); // NFT_REJECT_ICMPX_PORT_UNREACH
    } else {
      // ICMP_PORT_UNREACH (3) or ICMPV6_PORT_UNREACH (4).
      this.#out.push({ kind: "reject", type: "icmp", icmpCode: this.family === "ip" ? 3 : 4 });
    }
    return this.build();
  }

  /** `masquerade`. */
  masquerade(): Expression[] {
    this.#out.push({ kind: "masq" });
    return this.build();
  }

  #nat(type: "snat" | "dnat", address: string, port?: number): Expression[] {
    const prefix = parsePrefix(address);
    if (prefix.length !== (prefix.family === 10 ? 128 : 32)) {
      throw new AddressError(`${address}: NAT takes one address`);
    }
    if (this.family === "ip" && prefix.family === 10 || this.family === "ip6" && prefix.family === 2) {
      throw new AddressError(`${address} does not belong in an ${this.family} table`);
    }
    const family = prefix.family === 10 ? NFPROTO_IPV6 : NFPROTO_IPV4;
    this.#out.push({ kind: "immediate", dreg: REG_1, data: { value: prefix.address } });
    if (port !== undefined) {
      checkPort(port);
      this.#out.push({ kind: "immediate", dreg: REG_2, data: { value: be16(port) } });
      this.#out.push({ kind: "nat", type, family, regAddrMin: REG_1, regProtoMin: REG_2, flags: ["proto-specified"] });
    } else {
      this.#out.push({ kind: "nat", type, family, regAddrMin: REG_1 });
    }
    return this.build();
  }

  /** `snat ip to ADDR[:PORT]` (`ip6` for an IPv6 address). */
  snat(address: string, port?: number): Expression[] {
    return this.#nat("snat", address, port);
  }

  /** `dnat ip to ADDR[:PORT]` (`ip6` for an IPv6 address). */
  dnat(address: string, port?: number): Expression[] {
    return this.#nat("dnat", address, port);
  }
}

/**
 * Starts a rule for a table of `family` (default `inet`).
 *
 * @example
 * ```ts
 * import { rule } from "@nlts/netlink/nftables";
 * const expressions = rule().ctState(["established", "related"]).accept();
 * ```
 */
export function rule(family: NftFamily = "inet"): RuleBuilder {
  return new RuleBuilder(family);
}
