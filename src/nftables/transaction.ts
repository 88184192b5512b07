/**
 * The messages of one nf_tables transaction: each `tx.add…`/`tx.delete…`
 * call checks its input and builds one message (attributes by the sets of
 * `schema.ts`); {@link Nftables.transaction} sends them between
 * `NFNL_MSG_BATCH_BEGIN` and `END`.
 *
 * @module
 */
import { Flags } from "../wire/constants.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { NetlinkError } from "../wire/errors.ts";
import { writeAttrs } from "../wire/schema.ts";
import { nfnlMessage } from "../netfilter/nfnetlink.ts";
import { hookNumber, NFNL_SUBSYS_NFTABLES, NFPROTO, NFT_MSG, type NftFamily, type NftHook } from "./constants.ts";
import {
  chainAttrs,
  flowtableAttrs,
  objAttrs,
  objectFormats,
  ruleAttrs,
  setAttrs,
  setElemListAttrs,
  tableAttrs,
  writeExpression,
} from "./schema.ts";
import { commentUserdata, type Expression, type NftVerdict } from "./objects.ts";

/** Which table: its family and name. */
export interface TableRef {
  /** `inet`, `ip`, `ip6`, `arp`, `bridge`, `netdev`. */
  family: NftFamily;
  /** Table name. */
  table: string;
}

/** Which chain. */
export interface ChainRef extends TableRef {
  /** Chain name. */
  chain: string;
}

/** A table to add. */
export interface TableSpec {
  /** Family. */
  family: NftFamily;
  /** Name. */
  name: string;
  /** `dormant`, `owner`. */
  flags?: ("dormant" | "owner")[];
  /** Comment, stored as `nft` stores it. */
  comment?: string;
}

/** A chain to add; a base chain has `type`, `hook` and `priority`. */
export interface ChainSpec extends TableRef {
  /** Name. */
  name: string;
  /** `filter`, `nat`, `route`. */
  type?: "filter" | "nat" | "route";
  /** Hook of a base chain. */
  hook?: NftHook;
  /** Priority of a base chain (`filter` is 0, `srcnat` 100, `dstnat` -100). */
  priority?: number;
  /** Policy of a base chain (default accept). */
  policy?: "accept" | "drop";
  /** Devices (netdev chains, inet ingress). */
  devices?: string[];
  /** Comment. */
  comment?: string;
}

/** A rule to add. */
export interface RuleSpec extends ChainRef {
  /** Its expressions (see {@link rule} for a builder). */
  expressions: Expression[];
  /** Comment, stored as `nft` stores it. */
  comment?: string;
  /** Handle of a rule to place it next to: after it (add), or before it (`insert`). */
  position?: number;
  /** Put it at the start of the chain (or before `position`) instead of the end. */
  insert?: boolean;
}

/** A set or map to add. */
export interface SetSpec extends TableRef {
  /** Name. */
  name: string;
  /** Key type (`nft`'s datatype number: 7 ipv4_addr, 8 ipv6_addr, 13 inet_service, 41 ifname…). */
  keyType: number;
  /** Key length in bytes. */
  keyLen: number;
  /** `constant`, `interval`, `map`, `timeout`, `dynamic`… */
  flags?: ("constant" | "interval" | "map" | "timeout" | "dynamic" | "object" | "concat")[];
  /** A map's value type (0xffffff00 for a verdict map). */
  dataType?: number;
  /** A map's value length in bytes. */
  dataLen?: number;
  /** Default element timeout, ms. */
  timeout?: number;
  /** Maximum number of elements. */
  size?: number;
  /** Comment. */
  comment?: string;
  /**
   * The byte order of the keys, stored for `nft` (which prints host-order
   * keys, such as marks and interface names, only when told).
   */
  keyByteorder?: "host" | "big-endian";
}

/** An element to add to (or delete from) a set or map. */
export interface ElementSpec {
  /** Key bytes. */
  key: Uint8Array;
  /** End of an interval (concatenations with ranges). */
  keyEnd?: Uint8Array;
  /** A map's value bytes. */
  data?: Uint8Array;
  /** A verdict map's verdict. */
  verdict?: NftVerdict;
  /** `interval-end` marks the first key after an interval (interval sets). */
  flags?: ("interval-end" | "catchall")[];
  /** Timeout in ms (sets with the `timeout` flag). */
  timeout?: number;
  /** Comment. */
  comment?: string;
}

/** A stateful object to add. */
export type ObjectSpec =
  & TableRef
  & { name: string; comment?: string }
  & (
    | { type: "counter"; data?: { bytes?: bigint; packets?: bigint } }
    | { type: "quota"; data: { bytes: bigint; flags?: ("inv" | "depleted")[]; consumed?: bigint } }
    | {
      type: "limit";
      data: { rate: number; unit: number; burst?: number; type?: "packets" | "bytes"; flags?: "inv"[] };
    }
    | { type: "ct helper"; data: { helper: string; l3proto?: "ip" | "ip6" | "inet"; l4proto: L4Proto } }
    | {
      type: "ct timeout";
      data: {
        l3proto?: "ip" | "ip6" | "inet";
        l4proto: L4Proto;
        /** Seconds per state, by camelCase state name (`established`, `synSent`, `unreplied`…). */
        policy?: Record<string, number>;
      };
    }
    | {
      type: "ct expectation";
      data: { l3proto?: "ip" | "ip6" | "inet"; l4proto: L4Proto; dport: number; timeout: number; size: number };
    }
    | {
      type: "synproxy";
      data: { mss?: number; wscale?: number; flags?: ("mss" | "wscale" | "sack-perm" | "timestamp" | "ecn")[] };
    }
    | { type: "secmark"; data: { context: string } }
    | { type: "connlimit"; data: { count: number; flags?: "inv"[] } }
  );

/** A layer-4 protocol of a ct object, by `nft`'s name. */
export type L4Proto = "icmp" | "igmp" | "tcp" | "udp" | "dccp" | "gre" | "esp" | "ah" | "icmpv6" | "sctp" | "udplite";

/** The object types {@link Transaction.addObject} writes. */
export type ObjectType = ObjectSpec["type"];

/** A flowtable to add. */
export interface FlowtableSpec extends TableRef {
  /** Name. */
  name: string;
  /** The hook: flowtables have only `ingress` (the default). */
  hook?: "ingress";
  /** Priority on the hook (a 32-bit signed integer; default 0). */
  priority?: number;
  /** Devices whose traffic it takes (at least one for the kernel to bind it). */
  devices: string[];
  /** `offload` (hardware offload), `counter` (flow counters). */
  flags?: ("offload" | "counter")[];
}

/** One message of a transaction, with what the caller asked for. */
export interface Operation {
  /** `add rule inet filter input`… */
  description: string;
  /** The message, not yet numbered. */
  message: Uint8Array;
}

const MAX_NAME = 255;

function checkFamily(family: unknown): number {
  if (typeof family !== "string" || !(family in NFPROTO)) {
    throw new TypeError(`family must be one of ${Object.keys(NFPROTO).join(", ")}, not ${JSON.stringify(family)}`);
  }
  return NFPROTO[family as NftFamily];
}

const encoder = new TextEncoder();

function checkName(what: string, name: unknown): string {
  // A name of up to MAX_NAME / 3 UTF-16 units fits whatever it holds: no encoding for the usual short names.
  const long = typeof name === "string" && name.length * 3 > MAX_NAME && encoder.encode(name).length > MAX_NAME;
  if (typeof name !== "string" || name.length === 0 || long) {
    throw new TypeError(`${what} must be a name of 1 to ${MAX_NAME} bytes, not ${JSON.stringify(name)}`);
  }
  if (name.includes("\0")) throw new TypeError(`${what} cannot hold a NUL byte`);
  return name;
}

function checkObjectType(type: unknown): void {
  if (typeof type !== "string" || !(type in objectFormats)) {
    throw new TypeError(
      `object type must be one of ${Object.keys(objectFormats).join(", ")}, not ${JSON.stringify(type)}`,
    );
  }
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function checkHandle(handle: unknown): number {
  if (!Number.isSafeInteger(handle) || (handle as number) <= 0) {
    throw new TypeError(`a handle is a positive integer, not ${JSON.stringify(handle)}`);
  }
  return handle as number;
}

/**
 * Collects the changes of one transaction. Every method checks its input
 * and throws a `TypeError` at once, so nothing is sent when the callback
 * fails.
 *
 * @example
 * ```ts
 * import { Nftables, rule } from "@nlts/netlink/nftables";
 * await using nft = await Nftables.open({ netns: "test" });
 * await nft.transaction((tx) => {
 *   tx.addTable({ family: "inet", name: "filter" });
 *   tx.addChain({ family: "inet", table: "filter", name: "input", type: "filter", hook: "input", priority: 0 });
 *   tx.addRule({ family: "inet", table: "filter", chain: "input", expressions: rule().tcpDport(22).accept() });
 * });
 * ```
 */
export class Transaction {
  /** The messages so far, in order. */
  readonly operations: Operation[] = [];
  #setId = 0;
  readonly #echo: boolean;

  /** Used by {@link Nftables.transaction}; `echo` asks the kernel for a copy of what was added. */
  constructor(echo = false) {
    this.#echo = echo;
  }

  #push(
    description: string,
    msg: number,
    family: number,
    flags: number,
    fill: (w: ReturnType<typeof nfnlMessage>) => void,
  ) {
    const w = nfnlMessage(NFNL_SUBSYS_NFTABLES, msg, flags | (this.#echo ? Flags.ECHO : 0), { family });
    fill(w);
    this.operations.push({ description, message: w.finish() });
  }

  /** Adds a table (nothing happens if it exists, unless `exclusive`). */
  addTable(spec: TableSpec, options: { exclusive?: boolean } = {}): this {
    const family = checkFamily(spec.family);
    const name = checkName("table name", spec.name);
    const userdata = spec.comment !== undefined ? commentUserdata(spec.comment) : undefined;
    const flags = Flags.CREATE | (options.exclusive ? Flags.EXCL : 0);
    this.#push(`add table ${spec.family} ${name}`, NFT_MSG.NEWTABLE, family, flags, (w) => {
      writeAttrs(w, tableAttrs, { name, flags: spec.flags ?? [], userdata });
    });
    return this;
  }

  /** Deletes a table and everything in it. */
  deleteTable(ref: { family: NftFamily; name: string }): this {
    const family = checkFamily(ref.family);
    const name = checkName("table name", ref.name);
    this.#push(`delete table ${ref.family} ${name}`, NFT_MSG.DELTABLE, family, 0, (w) => {
      writeAttrs(w, tableAttrs, { name });
    });
    return this;
  }

  /** Deletes every table (of one family, or of all): `nft flush ruleset`. */
  flushRuleset(filter: { family?: NftFamily } = {}): this {
    const family = filter.family === undefined ? 0 : checkFamily(filter.family);
    this.#push(`flush ruleset${filter.family ? ` ${filter.family}` : ""}`, NFT_MSG.DELTABLE, family, 0, () => {});
    return this;
  }

  /** Deletes every rule of a table (its chains, sets and objects stay). */
  flushTable(ref: { family: NftFamily; name: string }): this {
    const family = checkFamily(ref.family);
    const table = checkName("table name", ref.name);
    this.#push(`flush table ${ref.family} ${table}`, NFT_MSG.DELRULE, family, 0, (w) => {
      writeAttrs(w, ruleAttrs, { table });
    });
    return this;
  }

  /** Adds a chain; with `hook` a base chain (then `type` and `priority` are needed). */
  addChain(spec: ChainSpec, options: { exclusive?: boolean } = {}): this {
    const family = checkFamily(spec.family);
    const table = checkName("table name", spec.table);
    const name = checkName("chain name", spec.name);
    let hook: { hooknum: number; priority: number; dev?: string; devs?: { name: string[] } } | undefined;
    if (spec.hook !== undefined) {
      const p = spec.priority;
      if (spec.type === undefined || !Number.isInteger(p) || p! < -0x80000000 || p! > 0x7fffffff) {
        throw new TypeError("a base chain (with a hook) needs a type and a priority (a 32-bit signed integer)");
      }
      const hooknum = hookNumber(spec.family, spec.hook);
      const devices = spec.devices?.map((d) => checkName("device", d));
      hook = {
        hooknum,
        priority: spec.priority!,
        ...(devices && devices.length === 1 ? { dev: devices[0] } : {}),
        ...(devices && devices.length > 1 ? { devs: { name: devices } } : {}),
      };
    } else if (spec.type !== undefined || spec.priority !== undefined || spec.policy !== undefined) {
      throw new TypeError("type, priority and policy belong to base chains: give a hook too");
    }
    const userdata = spec.comment !== undefined ? commentUserdata(spec.comment) : undefined;
    const flags = Flags.CREATE | (options.exclusive ? Flags.EXCL : 0);
    this.#push(`add chain ${spec.family} ${table} ${name}`, NFT_MSG.NEWCHAIN, family, flags, (w) => {
      writeAttrs(w, chainAttrs, { table, name, hook, type: spec.type, policy: spec.policy, userdata });
    });
    return this;
  }

  /** Deletes a chain (it must be empty and unreferenced). */
  deleteChain(ref: ChainRef): this {
    const family = checkFamily(ref.family);
    const table = checkName("table name", ref.table);
    const name = checkName("chain name", ref.chain);
    this.#push(`delete chain ${ref.family} ${table} ${name}`, NFT_MSG.DELCHAIN, family, 0, (w) => {
      writeAttrs(w, chainAttrs, { table, name });
    });
    return this;
  }

  /** Deletes every rule of a chain. */
  flushChain(ref: ChainRef): this {
    const family = checkFamily(ref.family);
    const table = checkName("table name", ref.table);
    const chain = checkName("chain name", ref.chain);
    this.#push(`flush chain ${ref.family} ${table} ${chain}`, NFT_MSG.DELRULE, family, 0, (w) => {
      writeAttrs(w, ruleAttrs, { table, chain });
    });
    return this;
  }

  /** Adds a rule at the end of its chain (or after/before `position`, or at the start with `insert`). */
  addRule(spec: RuleSpec): this {
    const family = checkFamily(spec.family);
    const table = checkName("table name", spec.table);
    const chain = checkName("chain name", spec.chain);
    if (!Array.isArray(spec.expressions)) throw new TypeError("a rule needs an array of expressions");
    const position = spec.position !== undefined ? checkHandle(spec.position) : undefined;
    const userdata = spec.comment !== undefined ? commentUserdata(spec.comment) : undefined;
    const flags = Flags.CREATE | (spec.insert ? 0 : Flags.APPEND);
    const verb = spec.insert ? "insert" : "add";
    this.#push(`${verb} rule ${spec.family} ${table} ${chain}`, NFT_MSG.NEWRULE, family, flags, (w) => {
      writeAttrs(w, ruleAttrs, { table, chain, position });
      w.nest(4, (list) => { // NFTA_RULE_EXPRESSIONS
        for (const e of spec.expressions) writeExpression(list, 1, e); // NFTA_LIST_ELEM
      });
      if (userdata) writeAttrs(w, ruleAttrs, { userdata });
    });
    return this;
  }

  /** Replaces the rule with `handle` by a new one. */
  replaceRule(spec: ChainRef & { handle: number; expressions: Expression[]; comment?: string }): this {
    const family = checkFamily(spec.family);
    const table = checkName("table name", spec.table);
    const chain = checkName("chain name", spec.chain);
    const handle = checkHandle(spec.handle);
    const userdata = spec.comment !== undefined ? commentUserdata(spec.comment) : undefined;
    this.#push(
      `replace rule ${spec.family} ${table} ${chain} handle ${handle}`,
      NFT_MSG.NEWRULE,
      family,
      Flags.REPLACE,
      (w) => {
        writeAttrs(w, ruleAttrs, { table, chain, handle });
        w.nest(4, (list) => {
          for (const e of spec.expressions) writeExpression(list, 1, e);
        });
        if (userdata) writeAttrs(w, ruleAttrs, { userdata });
      },
    );
    return this;
  }

  /** Deletes the rule with `handle`. */
  deleteRule(ref: ChainRef & { handle: number }): this {
    const family = checkFamily(ref.family);
    const table = checkName("table name", ref.table);
    const chain = checkName("chain name", ref.chain);
    const handle = checkHandle(ref.handle);
    this.#push(`delete rule ${ref.family} ${table} ${chain} handle ${handle}`, NFT_MSG.DELRULE, family, 0, (w) => {
      writeAttrs(w, ruleAttrs, { table, chain, handle });
    });
    return this;
  }

  /** Adds a named set or map. */
  addSet(spec: SetSpec, options: { exclusive?: boolean } = {}): this {
    const family = checkFamily(spec.family);
    const table = checkName("table name", spec.table);
    const name = checkName("set name", spec.name);
    for (const n of [spec.keyType, spec.keyLen]) {
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new TypeError(`keyType and keyLen are u32, not ${n}`);
    }
    if (spec.keyLen === 0 || spec.keyLen > 64) throw new TypeError(`keyLen is 1 to 64 bytes, not ${spec.keyLen}`);
    // libnftnl's set userdata: the key's byte order (NFTNL_UDATA_SET_KEYBYTEORDER, a host-order u32:
    // 1 host, 2 big-endian), which nft needs to print host-order keys (marks, interface names); the comment.
    const parts: Uint8Array[] = [];
    if (spec.keyByteorder !== undefined) {
      if (spec.keyByteorder !== "host" && spec.keyByteorder !== "big-endian") {
        throw new TypeError(`keyByteorder is "host" or "big-endian", not ${JSON.stringify(spec.keyByteorder)}`);
      }
      const tlv = new Uint8Array(6);
      tlv[1] = 4;
      new DataView(tlv.buffer).setUint32(2, spec.keyByteorder === "host" ? 1 : 2, true);
      parts.push(tlv);
    }
    if (spec.comment !== undefined) parts.push(commentUserdata(spec.comment, 7));
    const userdata = parts.length ? concatBytes(parts) : undefined;
    const flags = Flags.CREATE | (options.exclusive ? Flags.EXCL : 0);
    const id = ++this.#setId;
    this.#push(`add set ${spec.family} ${table} ${name}`, NFT_MSG.NEWSET, family, flags, (w) => {
      writeAttrs(w, setAttrs, {
        table,
        name,
        flags: spec.flags ?? [],
        keyType: spec.keyType,
        keyLen: spec.keyLen,
        dataType: spec.dataType,
        dataLen: spec.dataLen,
        timeout: spec.timeout,
        desc: spec.size !== undefined ? { size: spec.size } : undefined,
        id,
        userdata,
      });
    });
    return this;
  }

  /** Deletes a set (it must be unreferenced). */
  deleteSet(ref: TableRef & { name: string }): this {
    const family = checkFamily(ref.family);
    const table = checkName("table name", ref.table);
    const name = checkName("set name", ref.name);
    this.#push(`delete set ${ref.family} ${table} ${name}`, NFT_MSG.DELSET, family, 0, (w) => {
      writeAttrs(w, setAttrs, { table, name });
    });
    return this;
  }

  #elements(verb: string, msg: number, flags: number, ref: TableRef & { set: string }, elements: ElementSpec[]) {
    const family = checkFamily(ref.family);
    const table = checkName("table name", ref.table);
    const set = checkName("set name", ref.set);
    if (!Array.isArray(elements) || elements.length === 0) throw new TypeError("give at least one element");
    const elem = elements.map((e) => {
      if (!(e.key instanceof Uint8Array)) throw new TypeError("an element's key is a Uint8Array");
      return {
        key: { value: e.key },
        keyEnd: e.keyEnd ? { value: e.keyEnd } : undefined,
        data: e.verdict
          ? { verdict: { code: e.verdict.code, chain: e.verdict.chain } }
          : e.data
          ? { value: e.data }
          : undefined,
        flags: e.flags,
        timeout: e.timeout,
        userdata: e.comment !== undefined ? commentUserdata(e.comment) : undefined,
      };
    });
    this.#push(`${verb} element ${ref.family} ${table} ${set}`, msg, family, flags, (w) => {
      // deno-lint-ignore no-explicit-any
      writeAttrs(w, setElemListAttrs, { table, set, elements: { elem: elem as any } });
    });
  }

  /** Adds elements to a set or map. */
  addElements(ref: TableRef & { set: string }, elements: ElementSpec[]): this {
    this.#elements("add", NFT_MSG.NEWSETELEM, Flags.CREATE, ref, elements);
    return this;
  }

  /** Deletes elements from a set or map. */
  deleteElements(ref: TableRef & { set: string }, elements: ElementSpec[]): this {
    this.#elements("delete", NFT_MSG.DELSETELEM, 0, ref, elements);
    return this;
  }

  /**
   * Adds a stateful object: counter, quota, limit, ct helper, ct timeout,
   * ct expectation, synproxy, secmark or connlimit (rules use it by name:
   * `rule().ctHelper("ftp")`, `{ kind: "objref", immType, immName }`).
   *
   * @example
   * ```ts
   * import { Nftables, rule } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open({ netns: "test" });
   * await nft.transaction((tx) => {
   *   tx.addTable({ family: "inet", name: "fw" });
   *   tx.addObject({ family: "inet", table: "fw", name: "ftp", type: "ct helper", data: { helper: "ftp", l3proto: "ip", l4proto: "tcp" } });
   *   tx.addChain({ family: "inet", table: "fw", name: "pre", type: "filter", hook: "prerouting", priority: 0 });
   *   tx.addRule({ family: "inet", table: "fw", chain: "pre", expressions: rule().tcpDport(21).ctHelper("ftp").build() });
   * });
   * ```
   */
  addObject(spec: ObjectSpec, options: { exclusive?: boolean } = {}): this {
    const family = checkFamily(spec.family);
    const table = checkName("table name", spec.table);
    const name = checkName("object name", spec.name);
    checkObjectType(spec.type);
    const data: Record<string, unknown> = { ...(spec.data ?? {}) };
    // The kernel wants the policy nest; an empty one keeps its default timeouts.
    if (spec.type === "ct timeout" && data.policy === undefined) data.policy = {};
    if (spec.type === "synproxy") {
      // nft sets the mss and wscale bits beside the values: the kernel uses a value only with its bit.
      const given = (data.flags ?? []) as string[];
      const bits = new Set(given);
      if (data.mss !== undefined) bits.add("mss");
      if (data.wscale !== undefined) bits.add("wscale");
      data.flags = [...bits];
    }
    const userdata = spec.comment !== undefined ? commentUserdata(spec.comment) : undefined;
    const flags = Flags.CREATE | (options.exclusive ? Flags.EXCL : 0);
    this.#push(`add ${spec.type} ${spec.family} ${table} ${name}`, NFT_MSG.NEWOBJ, family, flags, (w) => {
      writeAttrs(w, objAttrs, { table, name, type: spec.type, data, userdata });
    });
    return this;
  }

  /**
   * Adds a flowtable (`nft add flowtable`): connections put in it with
   * `flow add @name` skip the rest of the path. Kernels built without
   * `CONFIG_NF_FLOW_TABLE` refuse it with ENOENT.
   *
   * @example
   * ```ts
   * import { Nftables, rule } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open({ netns: "test" });
   * await nft.transaction((tx) => {
   *   tx.addFlowtable({ family: "inet", table: "fw", name: "ft", priority: 0, devices: ["eth0", "eth1"] });
   *   tx.addRule({ family: "inet", table: "fw", chain: "forward", expressions: rule().tcpDport(443).flowOffload("ft").build() });
   * });
   * ```
   */
  addFlowtable(spec: FlowtableSpec, options: { exclusive?: boolean } = {}): this {
    const family = checkFamily(spec.family);
    const table = checkName("table name", spec.table);
    const name = checkName("flowtable name", spec.name);
    if (spec.hook !== undefined && spec.hook !== "ingress") {
      throw new TypeError(`a flowtable hooks in at ingress, not ${JSON.stringify(spec.hook)}`);
    }
    const priority = spec.priority ?? 0;
    if (!Number.isInteger(priority) || priority < -0x80000000 || priority > 0x7fffffff) {
      throw new TypeError(`a flowtable priority is a 32-bit signed integer, not ${priority}`);
    }
    if (!Array.isArray(spec.devices)) throw new TypeError("a flowtable needs a list of devices");
    const devices = spec.devices.map((d) => checkName("device", d));
    for (const f of spec.flags ?? []) {
      if (f !== "offload" && f !== "counter") throw new TypeError(`unknown flowtable flag ${JSON.stringify(f)}`);
    }
    const flags = Flags.CREATE | (options.exclusive ? Flags.EXCL : 0);
    this.#push(`add flowtable ${spec.family} ${table} ${name}`, NFT_MSG.NEWFLOWTABLE, family, flags, (w) => {
      writeAttrs(w, flowtableAttrs, {
        table,
        name,
        hook: { num: 0, priority: priority >>> 0, devs: devices.length ? { name: devices } : undefined },
        flags: spec.flags ?? [],
      });
    });
    return this;
  }

  /** Deletes a flowtable (no rule may refer to it). */
  deleteFlowtable(ref: TableRef & { name: string }): this {
    const family = checkFamily(ref.family);
    const table = checkName("table name", ref.table);
    const name = checkName("flowtable name", ref.name);
    this.#push(`delete flowtable ${ref.family} ${table} ${name}`, NFT_MSG.DELFLOWTABLE, family, 0, (w) => {
      writeAttrs(w, flowtableAttrs, { table, name });
    });
    return this;
  }

  /** Deletes a stateful object. */
  deleteObject(ref: TableRef & { name: string; type: ObjectType }): this {
    checkObjectType(ref.type);
    const family = checkFamily(ref.family);
    const table = checkName("table name", ref.table);
    const name = checkName("object name", ref.name);
    this.#push(`delete ${ref.type} ${ref.family} ${table} ${name}`, NFT_MSG.DELOBJ, family, 0, (w) => {
      writeAttrs(w, objAttrs, { table, name, type: ref.type });
    });
    return this;
  }
}

/**
 * A transaction the kernel refused: none of it was applied. It is the
 * {@link NetlinkError} of the first message that failed (extended ACK and
 * attribute path included), with which one it was.
 *
 * @example
 * ```ts
 * import { Nftables, NftTransactionError } from "@nlts/netlink/nftables";
 * await using nft = await Nftables.open({ netns: "test" });
 * try {
 *   await nft.transaction((tx) => tx.deleteTable({ family: "inet", name: "missing" }));
 * } catch (e) {
 *   if (e instanceof NftTransactionError) console.log(e.index, e.operation, e.code); // 0 "delete table inet missing" "ENOENT"
 * }
 * ```
 */
export class NftTransactionError extends NetlinkError {
  /** Index of the failed operation in the transaction (-1: the batch itself, e.g. ERESTART when the generation changed). */
  readonly index: number;
  /** What that operation was (`add rule inet filter input`). */
  readonly operation: string;
  /** Every refusal of the batch, by operation index. */
  readonly errors: { index: number; operation: string; error: NetlinkError }[];

  /** Wraps `error`, the refusal of operation `index`. */
  constructor(
    error: NetlinkError,
    index: number,
    operation: string,
    errors: { index: number; operation: string; error: NetlinkError }[] = [],
  ) {
    super(error.errno, {
      messageType: error.messageType,
      messageTypeName: error.messageTypeName,
      extAck: error.extAck,
      request: error.request,
    });
    this.name = "NftTransactionError";
    this.message = `${operation} (operation ${index + 1}) failed: ${error.message}`;
    this.index = index;
    this.operation = operation;
    this.errors = errors;
  }
}

/** What the kernel echoed for each operation (with `echo`), by index. */
export type Echoes = NetlinkMessage[][];
