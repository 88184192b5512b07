/**
 * `GenlFamily`: a typed client of one generic netlink family, driven by its
 * schema: requests, dumps and multicast events, with errors that name the
 * attribute the kernel rejected.
 *
 * @module
 */
import { NetlinkSocket, type OpenOptions } from "../socket/socket.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Overrun } from "../wire/errors.ts";
import { NotificationStream, SpawnedStreams } from "../socket/stream.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import {
  type CommandName,
  decodeEvent,
  decodeMessage,
  encodeRequest,
  explainError,
  type FamilySchema,
  type GenlEvent,
  type ReplyItem,
  type ReplyOf,
  type RequestInput,
} from "./family.ts";
import { type FamilyInfo, familyInfo, GENL_ID_CTRL, nlctrl } from "./nlctrl.ts";

/** Something that resolves family names (a {@link Controller}, with its cache). */
export interface FamilyResolver {
  /** The family called `name`; rejects with ENOENT when the kernel has none. */
  resolve(name: string): Promise<FamilyInfo>;
}

/** Options of {@link GenlFamily.open}. */
export interface GenlOpenOptions {
  /** Network namespace to open the sockets in. */
  netns?: NetnsTarget;
  /** Resolve the family through this controller (cached) instead of asking on the family's socket. */
  controller?: FamilyResolver;
  /** Skip resolution: the family is already known. */
  info?: FamilyInfo;
  /** Further options of the request socket. */
  socket?: Omit<OpenOptions, "netns" | "describeType">;
}

/** The names of a family's multicast groups. */
export type GenlGroupName<F extends FamilySchema> = F["groups"] extends readonly (infer G)[] ? G : string;

/** Options of {@link GenlFamily.request}. */
export interface GenlRequestOptions {
  /** Cancels the wait. */
  signal?: AbortSignal;
  /** Extra `nlmsg_flags` (CREATE, REPLACE…). */
  flags?: number;
}

/** Options of {@link GenlFamily.dump}. */
export interface GenlDumpOptions {
  /** Cancels the dump. */
  signal?: AbortSignal;
  /** Retries when the dump was interrupted (see `NetlinkSocket.dump`). */
  retry?: number;
}

/** Options of {@link GenlFamily.events}. */
export interface GenlEventOptions {
  /** Closes the stream (as its `close()` does): the iteration ends. */
  signal?: AbortSignal;
  /** Most undelivered messages held in memory before an {@link Overrun}. */
  queueLimit?: number;
  /** Kernel receive buffer of the event socket. */
  rcvbuf?: number;
}

/**
 * A subscription to multicast groups of a family, on a socket of its own: a
 * {@link NotificationStream} of decoded events and {@link Overrun}s. The
 * groups are joined when {@link ready} resolves, so nothing sent after that
 * is missed. Closing it (or `await using`, or closing the family client)
 * leaves the groups.
 *
 * @example
 * ```ts
 * import { GenlFamily, netdev } from "@nlts/netlink";
 * await using fam = await GenlFamily.open(netdev);
 * await using events = fam.events("mgmt");
 * await events.ready;
 * for await (const ev of events) console.log(ev);
 * ```
 */
export class EventStream<F extends FamilySchema> extends NotificationStream<GenlEvent<F> | Overrun> {
  readonly #opened: { socket?: NetlinkSocket };

  /** Use {@link GenlFamily.events}. */
  constructor(
    open: () => Promise<NetlinkSocket>,
    family: F,
    familyId: number,
    options: GenlEventOptions,
  ) {
    const opened: { socket?: NetlinkSocket } = {};
    super(
      async () => (opened.socket = await open()),
      (item) => {
        if (item instanceof Overrun) return item;
        if (item.type !== familyId) return undefined;
        return decodeEvent(family, item);
      },
      { signal: options.signal, queueLimit: options.queueLimit },
    );
    this.#opened = opened;
  }

  /**
   * The event socket once {@link ready} has resolved (undefined before).
   *
   * @example
   * ```ts
   * import { GenlFamily, nlctrl } from "@nlts/netlink";
   * await using fam = await GenlFamily.open(nlctrl);
   * await using events = fam.events("notify");
   * await events.ready;
   * console.log(events.socket?.memberships());
   * ```
   */
  get socket(): NetlinkSocket | undefined {
    return this.#opened.socket;
  }
}

/**
 * A family's client: its number and groups resolved by name, typed
 * requests, dumps and events from its schema.
 *
 * @example
 * ```ts
 * import { ethtool, GenlFamily } from "@nlts/netlink";
 * await using eth = await GenlFamily.open(ethtool);
 * const ch = await eth.request("channelsGet", { header: { devName: "eth0" } });
 * console.log(ch.rxCount, ch.txCount);
 * ```
 */
export class GenlFamily<F extends FamilySchema> implements AsyncDisposable {
  /** The schema. */
  readonly schema: F;
  /** What the controller said about the family. */
  readonly info: FamilyInfo;
  /** The request socket. */
  readonly socket: NetlinkSocket;
  readonly #netns?: NetnsTarget;
  readonly #streams = new SpawnedStreams();

  private constructor(schema: F, info: FamilyInfo, socket: NetlinkSocket, netns?: NetnsTarget) {
    this.schema = schema;
    this.info = info;
    this.socket = socket;
    this.#netns = netns;
  }

  /** The family number (`nlmsg_type`). */
  get id(): number {
    return this.info.id;
  }

  /**
   * Opens a socket and resolves the family by the schema's name. Rejects
   * with a `NetlinkError` ENOENT when the kernel has no such family.
   *
   * @example
   * ```ts
   * import { GenlFamily, taskstats } from "@nlts/netlink";
   * await using ts = await GenlFamily.open(taskstats, { netns: "blue" });
   * console.log(ts.id);
   * ```
   */
  static async open<F extends FamilySchema>(schema: F, options: GenlOpenOptions = {}): Promise<GenlFamily<F>> {
    let info = options.info;
    let name = schema.name;
    const socket = await NetlinkSocket.open("generic", {
      ...options.socket,
      netns: options.netns,
      describeType: (t) => (t === info?.id ? name : t === GENL_ID_CTRL ? "nlctrl" : undefined),
    });
    try {
      if (!info && options.controller) info = await options.controller.resolve(schema.name);
      if (!info) info = await lookupFamily(socket, schema.name);
      name = info.name;
      return new GenlFamily(schema, info, socket, options.netns);
    } catch (error) {
      await socket.close();
      throw error;
    }
  }

  /**
   * Sends `command` with `attrs` and resolves with the decoded reply
   * (nothing for a command without one). A refusal rejects with a
   * {@link GenlError} naming the offending attribute.
   *
   * @example
   * ```ts
   * import { ethtool, GenlFamily } from "@nlts/netlink";
   * await using eth = await GenlFamily.open(ethtool);
   * await eth.request("channelsSet", { header: { devName: "veth0" }, rxCount: 2 });
   * ```
   */
  async request<C extends CommandName<F>>(
    command: C,
    attrs: RequestInput<F, C>,
    options: GenlRequestOptions = {},
  ): Promise<ReplyOf<F, C>> {
    const bytes = encodeRequest(this.schema, this.info.id, command, attrs, options.flags ?? 0);
    let replies: NetlinkMessage[];
    try {
      replies = await this.socket.request(bytes, { signal: options.signal });
    } catch (error) {
      throw explainError(this.schema, command, error);
    }
    const def = this.schema.commands[command];
    if (!def.reply) return undefined as ReplyOf<F, C>;
    const reply = replies.find((m) => m.type === this.info.id);
    if (!reply) {
      if (def.replyOptional) return undefined as ReplyOf<F, C>;
      throw new TypeError(`${this.schema.name} ${command}: the kernel sent no reply`);
    }
    return decodeMessage(def.reply, reply, this.schema.headerSize ?? 0) as ReplyOf<F, C>;
  }

  /**
   * Dumps `command` (NLM_F_DUMP): each message decoded as it arrives.
   *
   * @example
   * ```ts
   * import { GenlFamily, netdev } from "@nlts/netlink";
   * await using nd = await GenlFamily.open(netdev);
   * for await (const dev of nd.dump("devGet", {})) console.log(dev.ifindex, dev.xdpFeatures);
   * ```
   */
  async *dump<C extends CommandName<F>>(
    command: C,
    attrs: RequestInput<F, C>,
    options: GenlDumpOptions = {},
  ): AsyncGenerator<ReplyItem<F, C>, void, undefined> {
    const def = this.schema.commands[command];
    if (!def?.reply) throw new TypeError(`${this.schema.name} ${command} has no reply to dump`);
    const bytes = encodeRequest(this.schema, this.info.id, command, attrs);
    try {
      for await (const msg of this.socket.dump(bytes, options)) {
        if (msg.type !== this.info.id) continue;
        yield decodeMessage(def.reply, msg, this.schema.headerSize ?? 0) as ReplyItem<F, C>;
      }
    } catch (error) {
      throw explainError(this.schema, command, error);
    }
  }

  /**
   * Joins multicast group `group` (by name, or several; numbers above 32
   * work) on a new socket and returns the stream of typed events at once;
   * await its `ready` before causing events you want to see. An unknown
   * group throws a TypeError here.
   *
   * @example
   * ```ts
   * import { ethtool, GenlFamily } from "@nlts/netlink";
   * await using eth = await GenlFamily.open(ethtool);
   * await using events = eth.events("monitor", { signal: AbortSignal.timeout(10_000) });
   * for await (const ev of events) if ("name" in ev && ev.name === "featuresNtf") console.log(ev.attrs.active);
   * ```
   */
  events(
    group: GenlGroupName<F> | GenlGroupName<F>[],
    options: GenlEventOptions = {},
  ): EventStream<F> {
    const ids = (Array.isArray(group) ? group : [group]).map((name) => {
      const found = this.info.groups.find((g) => g.name === name);
      if (!found) {
        const known = this.info.groups.map((g) => g.name).join(", ") || "none";
        throw new TypeError(
          `family ${this.info.name} has no multicast group ${JSON.stringify(name)} (it has: ${known})`,
        );
      }
      return found.id;
    });
    if (ids.length === 0) throw new TypeError("events needs at least one group");
    const open = async () => {
      const socket = await NetlinkSocket.open("generic", {
        netns: this.#netns,
        rcvbuf: options.rcvbuf,
        describeType: (t) => (t === this.info.id ? this.info.name : undefined),
      });
      try {
        for (const id of ids) socket.join(id);
      } catch (error) {
        await socket.close();
        throw error;
      }
      return socket;
    };
    return this.#streams.add(() => new EventStream(open, this.schema, this.info.id, options));
  }

  /** Closes the request socket and the event streams opened from here. */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    await this.socket.close();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Asks the controller on `socket` (a generic netlink socket) about the
 * family called `name`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { lookupFamily } from "./client.ts";
 * await using sock = await NetlinkSocket.open("generic");
 * (await lookupFamily(sock, "nlctrl")).id; // 16
 * ```
 */
export async function lookupFamily(socket: NetlinkSocket, name: string): Promise<FamilyInfo> {
  const bytes = encodeRequest(nlctrl, GENL_ID_CTRL, "getfamily", { familyName: name });
  let replies: NetlinkMessage[];
  try {
    replies = await socket.request(bytes);
  } catch (error) {
    const e = explainError(nlctrl, "getfamily", error);
    if (e instanceof Error) e.message += ` (looking up family ${JSON.stringify(name)})`;
    throw e;
  }
  const reply = replies.find((m) => m.type === GENL_ID_CTRL);
  if (!reply) throw new TypeError(`nlctrl sent no reply about ${JSON.stringify(name)}`);
  return familyInfo(decodeMessage(nlctrl.commands.getfamily.reply, reply));
}
