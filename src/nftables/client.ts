/**
 * The nf_tables client: listings (tables, chains, rules, sets and their
 * elements, objects, the generation) and atomic transactions, over one
 * NETLINK_NETFILTER socket.
 *
 * @module
 */
import { NetlinkSocket } from "../socket/socket.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Flags } from "../wire/constants.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { NetlinkError } from "../wire/errors.ts";
import { writeAttrs } from "../wire/schema.ts";
import { nfnlMessage, splitNfnlType } from "../netfilter/nfnetlink.ts";
import { SpawnedStreams } from "../socket/stream.ts";
import {
  describeNftType,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFNL_SUBSYS_NFTABLES,
  NFPROTO,
  NFT_MSG,
  type NftFamily,
} from "./constants.ts";
import {
  decodeChain,
  decodeFlowtable,
  decodeGeneration,
  decodeObject,
  decodeRule,
  decodeSet,
  decodeSetElements,
  decodeTable,
  nftAttributePath,
  setElemListAttrs,
} from "./schema.ts";
import type { NftChain, NftFlowtable, NftObject, NftRule, NftSet, NftSetElement, NftTable } from "./objects.ts";
import { type Echoes, NftTransactionError, Transaction } from "./transaction.ts";
import { type NftEventOptions, NftEventStream } from "./events.ts";

/** Options of {@link Nftables.open}. */
export interface NftablesOptions {
  /** Network namespace to work in (name, path or fd). */
  netns?: NetnsTarget;
  /** Send buffer in bytes: the largest transaction that fits (default 4 MiB; forced when permitted). */
  sndbuf?: number;
}

/** Options of {@link Nftables.transaction}. */
export interface TransactionOptions {
  /**
   * Apply only if the ruleset is still at this generation (from
   * {@link Nftables.generation} or {@link Nftables.ruleset}): otherwise
   * the kernel refuses the whole batch with ERESTART.
   */
  generation?: number;
  /** Ask the kernel to echo what was added (handles of new rules…): see {@link TransactionResult.echoes}. */
  echo?: boolean;
  /** Cancels the wait (the transaction may still have been applied). */
  signal?: AbortSignal;
}

/** What a successful transaction returns. */
export interface TransactionResult {
  /** Per operation, the objects the kernel echoed (with `echo`): a new rule with its handle… */
  echoes: (NftTable | NftChain | NftRule | NftSet | NftObject | NftFlowtable)[][];
}

/** A consistent snapshot of the whole ruleset. */
export interface NftRuleset {
  /** The generation it was read at. */
  generation: number;
  /** Tables. */
  tables: NftTable[];
  /** Chains. */
  chains: NftChain[];
  /** Rules, in chain order. */
  rules: NftRule[];
  /** Sets and maps, with their elements. */
  sets: (NftSet & { elements: NftSetElement[] })[];
  /** Stateful objects. */
  objects: NftObject[];
  /** Flowtables (none where the kernel was built without them). */
  flowtables: NftFlowtable[];
}

/** `family` as a number for a dump (`undefined`: every family). */
function dumpFamily(family: NftFamily | undefined): number {
  if (family === undefined) return 0;
  if (!(family in NFPROTO)) throw new TypeError(`unknown nf_tables family ${JSON.stringify(family)}`);
  return NFPROTO[family];
}

/** Decodes a message the kernel echoed for a transaction (undefined for other types). */
function decodeEcho(m: NetlinkMessage): NftTable | NftChain | NftRule | NftSet | NftObject | NftFlowtable | undefined {
  const { subsys, msg } = splitNfnlType(m.type);
  if (subsys !== NFNL_SUBSYS_NFTABLES) return undefined;
  switch (msg) {
    case NFT_MSG.NEWTABLE:
      return decodeTable(m);
    case NFT_MSG.NEWCHAIN:
      return decodeChain(m);
    case NFT_MSG.NEWRULE:
      return decodeRule(m);
    case NFT_MSG.NEWSET:
      return decodeSet(m);
    case NFT_MSG.NEWOBJ:
      return decodeObject(m);
    case NFT_MSG.NEWFLOWTABLE:
      return decodeFlowtable(m);
  }
  return undefined;
}

/**
 * An nf_tables client: read the ruleset, change it in atomic transactions.
 *
 * @example
 * ```ts
 * import { Nftables } from "@nlts/netlink/nftables";
 * await using nft = await Nftables.open({ netns: "test" });
 * for (const rule of await nft.rules({ family: "inet" })) console.log(rule.chain, rule.handle, rule.expressions.length);
 * ```
 */
export class Nftables implements AsyncDisposable {
  /** The socket (NETLINK_NETFILTER), for requests of your own. */
  readonly socket: NetlinkSocket;
  readonly #netns?: NetnsTarget;
  readonly #streams = new SpawnedStreams();

  private constructor(socket: NetlinkSocket, netns: NetnsTarget | undefined) {
    this.socket = socket;
    this.#netns = netns;
  }

  /**
   * Opens a client.
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * console.log(await nft.generation());
   * ```
   */
  static async open(options: NftablesOptions = {}): Promise<Nftables> {
    const socket = await NetlinkSocket.open("netfilter", {
      netns: options.netns,
      sndbuf: options.sndbuf ?? 4 << 20,
      describeType: describeNftType,
      describeAttribute: nftAttributePath,
    });
    return new Nftables(socket, options.netns);
  }

  async #dump<T>(
    msg: number,
    family: NftFamily | undefined,
    decode: (m: NetlinkMessage) => T,
    fill?: (w: ReturnType<typeof nfnlMessage>) => void,
  ): Promise<T[]> {
    const w = nfnlMessage(NFNL_SUBSYS_NFTABLES, msg, Flags.DUMP, { family: dumpFamily(family) });
    fill?.(w);
    const out: T[] = [];
    const want = (NFNL_SUBSYS_NFTABLES << 8) | (msg - 1); // the NEW… type answers a GET…
    for await (const m of this.socket.dump(w.finish())) if (m.type === want) out.push(decode(m));
    return out;
  }

  /**
   * The ruleset's generation id (`NFT_MSG_GETGEN`): it changes with every
   * committed transaction.
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * const generation = await nft.generation();
   * ```
   */
  async generation(): Promise<number> {
    const replies = await this.socket.request(nfnlMessage(NFNL_SUBSYS_NFTABLES, NFT_MSG.GETGEN).finish());
    const gen = replies.find((m) => m.type === ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG.NEWGEN));
    if (!gen) throw new NetlinkError(61, { messageTypeName: "NFT_MSG_GETGEN" }); // ENODATA
    return decodeGeneration(gen);
  }

  /**
   * Lists tables (of one family, or all).
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * console.log((await nft.tables()).map((t) => `${t.family} ${t.name}`));
   * ```
   */
  tables(filter: { family?: NftFamily } = {}): Promise<NftTable[]> {
    return this.#dump(NFT_MSG.GETTABLE, filter.family, decodeTable);
  }

  /**
   * Lists chains (of one family, or all).
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * const base = (await nft.chains()).filter((c) => c.hook !== undefined);
   * ```
   */
  chains(filter: { family?: NftFamily } = {}): Promise<NftChain[]> {
    return this.#dump(NFT_MSG.GETCHAIN, filter.family, decodeChain);
  }

  /**
   * Lists rules (of one family, or all), in chain order.
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * const rules = await nft.rules({ family: "inet" });
   * ```
   */
  rules(filter: { family?: NftFamily } = {}): Promise<NftRule[]> {
    return this.#dump(NFT_MSG.GETRULE, filter.family, decodeRule);
  }

  /**
   * Lists sets and maps, anonymous ones included (of one family, or all).
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * const named = (await nft.sets()).filter((s) => !s.flags.includes("anonymous"));
   * ```
   */
  sets(filter: { family?: NftFamily } = {}): Promise<NftSet[]> {
    return this.#dump(NFT_MSG.GETSET, filter.family, decodeSet);
  }

  /**
   * Lists the elements of one set or map.
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open({ netns: "test" });
   * const elements = await nft.elements({ family: "inet", table: "filter", set: "blocked" });
   * ```
   */
  async elements(ref: { family: NftFamily; table: string; set: string }): Promise<NftSetElement[]> {
    if (typeof ref.table !== "string" || typeof ref.set !== "string") {
      throw new TypeError("give the table and set names");
    }
    const lists = await this.#dump(NFT_MSG.GETSETELEM, ref.family, decodeSetElements, (w) => {
      writeAttrs(w, setElemListAttrs, { table: ref.table, set: ref.set });
    });
    return lists.flatMap((l) => l.elements);
  }

  /**
   * Lists stateful objects (counters, quotas, limits…).
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * const counters = (await nft.objects()).filter((o) => o.type === "counter");
   * ```
   */
  objects(filter: { family?: NftFamily } = {}): Promise<NftObject[]> {
    return this.#dump(NFT_MSG.GETOBJ, filter.family, decodeObject);
  }

  /**
   * Lists flowtables (of one family, or all). A kernel built without
   * flowtables (`CONFIG_NF_FLOW_TABLE` unset) lists none.
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * for (const ft of await nft.flowtables()) console.log(ft.name, ft.devices);
   * ```
   */
  flowtables(filter: { family?: NftFamily } = {}): Promise<NftFlowtable[]> {
    return this.#dump(NFT_MSG.GETFLOWTABLE, filter.family, decodeFlowtable);
  }

  /**
   * The whole ruleset, read at one generation: read again (up to 10 times)
   * if a transaction committed while it was being read.
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open();
   * const { generation, rules } = await nft.ruleset();
   * ```
   */
  async ruleset(): Promise<NftRuleset> {
    for (let attempt = 0;; attempt++) {
      const generation = await this.generation();
      const tables = await this.tables();
      const chains = await this.chains();
      const rules = await this.rules();
      const sets = [];
      for (const set of await this.sets()) {
        // A family this library has no name for cannot be asked for by name.
        const elements = typeof set.family === "string"
          ? await this.elements({ family: set.family, table: set.table, set: set.name })
          : [];
        sets.push({ ...set, elements });
      }
      const objects = await this.objects();
      const flowtables = await this.flowtables();
      if ((await this.generation()) === generation || attempt === 9) {
        return { generation, tables, chains, rules, sets, objects, flowtables };
      }
    }
  }

  /**
   * Applies the changes `build` makes, all or nothing, in one batch
   * (`NFNL_MSG_BATCH_BEGIN` … `END`, sent in one `sendmsg`). A refusal
   * rejects with {@link NftTransactionError} naming the operation (and, from
   * the extended ACK, the attribute) that failed; the kernel then applied
   * none of them. With `generation`, the batch applies only if the ruleset
   * is still at that generation (else ERESTART).
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open({ netns: "test" });
   * await nft.transaction((tx) => {
   *   tx.addTable({ family: "inet", name: "filter" });
   *   tx.addChain({ family: "inet", table: "filter", name: "input", type: "filter", hook: "input", priority: 0, policy: "accept" });
   * });
   * ```
   */
  async transaction(
    build: (tx: Transaction) => void,
    options: TransactionOptions = {},
  ): Promise<TransactionResult> {
    const tx = new Transaction(options.echo ?? false);
    build(tx);
    const ops = tx.operations;
    if (ops.length === 0) return { echoes: [] };
    // Subsystem 0: the types are NFNL_MSG_BATCH_BEGIN and END themselves.
    const begin = nfnlMessage(0, NFNL_MSG_BATCH_BEGIN, 0, { resId: NFNL_SUBSYS_NFTABLES });
    if (options.generation !== undefined) {
      if (!Number.isInteger(options.generation) || options.generation < 0 || options.generation > 0xffffffff) {
        throw new TypeError(`generation is a u32, not ${options.generation}`);
      }
      begin.be32(1, options.generation); // NFNL_BATCH_GENID
    }
    const end = nfnlMessage(0, NFNL_MSG_BATCH_END, 0, { resId: NFNL_SUBSYS_NFTABLES });
    const answers = await this.socket.requestBatch(
      [begin.finish(), ...ops.map((o) => o.message), end.finish()],
      // Refusals are always answered; ACKs of what succeeded would only fill the receive buffer.
      { signal: options.signal, ack: false },
    );
    const errors = answers.flatMap((a, i) => {
      if (!a.error) return [];
      const index = i - 1;
      const operation = i === 0
        ? "transaction"
        : i === answers.length - 1
        ? "end of transaction"
        : ops[index].description;
      return [{ index: i === answers.length - 1 ? -1 : index, operation, error: a.error }];
    });
    if (errors.length) {
      const first = errors.find((e) => e.index >= 0) ?? errors[0];
      throw new NftTransactionError(first.error, first.index, first.operation, errors);
    }
    const echoes: Echoes = answers.slice(1, -1).map((a) => a.replies);
    return {
      echoes: echoes.map((replies) => replies.map(decodeEcho).filter((o) => o !== undefined)),
    };
  }

  /**
   * The ruleset's changes as they are committed (`NFNLGRP_NFTABLES`), on a
   * socket of their own; returned synchronously, closed with the client.
   *
   * @example
   * ```ts
   * import { Nftables } from "@nlts/netlink/nftables";
   * await using nft = await Nftables.open({ netns: "test" });
   * const events = nft.events({ signal: AbortSignal.timeout(5000) });
   * await events.ready;
   * for await (const e of events) console.log(e);
   * ```
   */
  events(options: NftEventOptions = {}): NftEventStream {
    return this.#streams.add(() => new NftEventStream(this.#netns, options));
  }

  /** Closes the socket and every stream {@link events} returned. */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    await this.socket.close();
  }

  /** Closes the socket (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
