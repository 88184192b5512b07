/**
 * The ipset client: create, destroy, flush, rename and swap sets; add,
 * delete and test members; list sets with their members. One
 * NETLINK_NETFILTER socket, protocol 7 (`IPSET_PROTOCOL`).
 *
 * @module
 */
import { NetlinkSocket } from "../socket/socket.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Flags } from "../wire/constants.ts";
import { NetlinkError, TimeoutError } from "../wire/errors.ts";
import type { MessageWriter, NetlinkMessage } from "../wire/message.ts";
import { writeAttrs } from "../wire/schema.ts";
import { nfnlMessage } from "../netfilter/nfnetlink.ts";
import {
  describeIpsetType,
  IPSET_CMD,
  IPSET_FAMILY,
  IPSET_FLAG,
  IPSET_MAX_COMMENT_SIZE,
  IPSET_PROTOCOL,
  type IpsetFamily,
  NFNL_SUBSYS_IPSET,
} from "./constants.ts";
import { ipsetAttributePath, SETS } from "./schema.ts";
import { decodeIpsetAttrs, decodeIpsetHeader, IpsetListing, type IpsetSet } from "./objects.ts";
import { entryData, IPSET_TYPES, type IpsetEntry, type KnownIpsetType, parseEntry } from "./members.ts";
import { type IpsetCommand, IpsetError } from "./errors.ts";

/** Options of {@link Ipset.open}. */
export interface IpsetOpenOptions {
  /** Network namespace to work in (name, path, fd or `{ pid }`). */
  netns?: NetnsTarget;
}

/** A set to create: its name, type and options. */
export interface IpsetCreateSpec {
  /** Name (1-31 bytes). */
  name: string;
  /** Type. */
  type: KnownIpsetType;
  /** Family of the members' addresses (hash types; default `inet`). */
  family?: "inet" | "inet6";
  /** Default member timeout in seconds: makes a set with timeout support (0: support, members stay). */
  timeout?: number;
  /** Members keep packet and byte counters. */
  counters?: boolean;
  /** Members may carry a comment. */
  comment?: boolean;
  /** Members may carry skb mark/priority/queue. */
  skbinfo?: boolean;
  /** When full, adding replaces a random member (hash types). */
  forceadd?: boolean;
  /** Most members (hash types). */
  maxelem?: number;
  /** Initial hash size, a power of two (hash types). */
  hashsize?: number;
  /** Ports of a bitmap:port set, inclusive: `{ from: 1000, to: 2000 }` or `"1000-2000"`. */
  range?: { from: number; to: number } | string;
  /** Most members of a list:set. */
  size?: number;
  /** The type revision to ask for (default: the newest the kernel has). */
  revision?: number;
}

/** Options of {@link Ipset.create}. */
export interface IpsetCreateOptions {
  /** Succeed when an identical set exists already (`ipset -exist create`). */
  exist?: boolean;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/** Options of {@link Ipset.add}: what the new member carries. */
export interface IpsetAddOptions {
  /** Seconds until the member expires (sets with timeout support; 0: never). */
  timeout?: number;
  /** Comment (sets with comment support; up to 255 bytes). */
  comment?: string;
  /** Initial packet count (sets with counters). */
  packets?: bigint | number;
  /** Initial byte count (sets with counters). */
  bytes?: bigint | number;
  /** The member is an exception: matching it means no match (hash:net, hash:net,iface). */
  nomatch?: boolean;
  /** list:set: put the member before this set in the list. */
  before?: string;
  /** list:set: put the member after this set in the list. */
  after?: string;
  /** Succeed when the member is there already (then its timeout and extras are updated: `ipset -exist add`). */
  exist?: boolean;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/** Options of {@link Ipset.del}. */
export interface IpsetDelOptions {
  /** Succeed when the member is not there (`ipset -exist del`). */
  exist?: boolean;
  /** list:set: delete the member only if it is before (or, with `after`, after) this set. */
  before?: string;
  /** list:set: delete the member only if it is after this set. */
  after?: string;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/** Options of {@link Ipset.list}. */
export interface IpsetListOptions {
  /** Only the headers, no members (`ipset list -t`). */
  terse?: boolean;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

/** A member: its text as `ipset` takes it (`"10.0.0.1,tcp:80"`), or its parts. */
export type IpsetMemberInput = string | IpsetEntry;

const MAX_U32 = 0xffffffff;

function checkSetName(name: unknown, what = "set name"): string {
  if (typeof name !== "string" || name.length === 0 || new TextEncoder().encode(name).length > 31) {
    throw new TypeError(`${what} must be 1-31 bytes, not ${JSON.stringify(name)}`);
  }
  return name;
}

function checkU32(value: unknown, what: string, min = 0): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_U32) {
    throw new TypeError(`${what} must be an integer ${min}-${MAX_U32}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function checkCounter(value: unknown, what: string): bigint {
  const n = typeof value === "number" && Number.isInteger(value) ? BigInt(value) : value;
  if (typeof n !== "bigint" || n < 0n || n > 0xffffffffffffffffn) {
    throw new TypeError(`${what} must be a non-negative 64-bit integer, not ${String(value)}`);
  }
  return n;
}

function parseRange(range: IpsetCreateSpec["range"]): { from: number; to: number } {
  let from: unknown, to: unknown;
  if (typeof range === "string") {
    const m = /^(\d+)-(\d+)$/.exec(range);
    if (!m) throw new TypeError(`range ${JSON.stringify(range)} is not FROM-TO`);
    [from, to] = [Number(m[1]), Number(m[2])];
  } else if (typeof range === "object" && range !== null) {
    ({ from, to } = range);
  } else {
    throw new TypeError("a bitmap:port set needs a range (FROM-TO)");
  }
  for (const [v, what] of [[from, "range start"], [to, "range end"]] as const) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffff) {
      throw new TypeError(`${what} must be a port 0-65535, not ${JSON.stringify(v)}`);
    }
  }
  if ((from as number) > (to as number)) throw new TypeError(`range ${from}-${to} runs backwards`);
  return { from: from as number, to: to as number };
}

/** The create data and family of a spec, checked; a TypeError before anything is sent. */
function createData(spec: IpsetCreateSpec): { family: IpsetFamily; data: Record<string, unknown> } {
  if (typeof spec !== "object" || spec === null) throw new TypeError("give the set to create");
  checkSetName(spec.name);
  if (!IPSET_TYPES.includes(spec.type)) {
    throw new TypeError(`set type ${JSON.stringify(spec.type)} is not supported (known: ${IPSET_TYPES.join(", ")})`);
  }
  const hash = spec.type.startsWith("hash:");
  const known = new Set([
    "name",
    "type",
    "family",
    "timeout",
    "counters",
    "comment",
    "skbinfo",
    "revision",
    ...(hash ? ["maxelem", "hashsize", "forceadd"] : []),
    ...(spec.type === "bitmap:port" ? ["range"] : []),
    ...(spec.type === "list:set" ? ["size"] : []),
  ]);
  for (const [key, value] of Object.entries(spec)) {
    if (value !== undefined && !known.has(key)) throw new TypeError(`a ${spec.type} set takes no ${key}`);
  }
  let family: IpsetFamily = "unspec";
  if (hash) {
    family = spec.family ?? "inet";
    if (family !== "inet" && family !== "inet6") {
      throw new TypeError(`family must be "inet" or "inet6", not ${JSON.stringify(spec.family)}`);
    }
  } else if (spec.family !== undefined) {
    throw new TypeError(`a ${spec.type} set has no family`);
  }
  const data: Record<string, unknown> = {};
  if (spec.timeout !== undefined) data.timeout = checkU32(spec.timeout, "timeout");
  const flags: string[] = [];
  for (const key of ["counters", "comment", "skbinfo", "forceadd"] as const) {
    const v = spec[key];
    if (v !== undefined && typeof v !== "boolean") throw new TypeError(`${key} is true or false`);
    if (v) flags.push(key);
  }
  if (flags.length) data.cadtFlags = flags;
  if (spec.hashsize !== undefined) {
    const h = checkU32(spec.hashsize, "hashsize", 64);
    if ((h & (h - 1)) !== 0) throw new TypeError(`hashsize must be a power of two, not ${h}`);
    data.hashsize = h;
  }
  if (spec.maxelem !== undefined) data.maxelem = checkU32(spec.maxelem, "maxelem", 1);
  if (spec.type === "bitmap:port") {
    const { from, to } = parseRange(spec.range);
    data.port = from;
    data.portTo = to;
  }
  if (spec.size !== undefined) data.size = checkU32(spec.size, "size", 1);
  if (spec.revision !== undefined && (!Number.isInteger(spec.revision) || spec.revision < 0 || spec.revision > 255)) {
    throw new TypeError(`revision must be 0-255, not ${spec.revision}`);
  }
  return { family, data };
}

/** The extras of an added member (timeout, comment, counters), checked. */
function addExtras(options: IpsetAddOptions): Record<string, unknown> {
  const extras: Record<string, unknown> = {};
  if (options.timeout !== undefined) extras.timeout = checkU32(options.timeout, "timeout");
  if (options.comment !== undefined) {
    if (typeof options.comment !== "string") throw new TypeError("comment must be a text");
    const length = new TextEncoder().encode(options.comment).length;
    if (length > IPSET_MAX_COMMENT_SIZE) {
      throw new TypeError(`comment is ${length} bytes, more than ${IPSET_MAX_COMMENT_SIZE}`);
    }
    extras.comment = options.comment;
  }
  if (options.packets !== undefined) extras.packets = checkCounter(options.packets, "packets");
  if (options.bytes !== undefined) extras.bytes = checkCounter(options.bytes, "bytes");
  if (options.nomatch !== undefined && typeof options.nomatch !== "boolean") {
    throw new TypeError("nomatch is true or false");
  }
  return extras;
}

/** Messages in runs that fit one datagram: at most 1,024 of them and 128 KiB. */
function* chunks(messages: Uint8Array[]): Generator<[number, Uint8Array[]]> {
  let start = 0;
  while (start < messages.length) {
    let end = start, bytes = 0;
    while (
      end < messages.length && end - start < 1024 && (end === start || bytes + messages[end].length <= 128 << 10)
    ) {
      bytes += messages[end++].length;
    }
    yield [start, messages.slice(start, end)];
    start = end;
  }
}

/**
 * An ipset client: sets and their members, over NETLINK_NETFILTER
 * (`NFNL_SUBSYS_IPSET`). Every write is checked before it is sent (names,
 * types, addresses of the set's family, ports, option ranges); a refusal is
 * an {@link IpsetError} with the errno or `IPSET_ERR_*` name and `ipset`'s
 * words, and leaves the kernel's sets as they were.
 *
 * @example
 * ```ts
 * import { Ipset } from "@nlts/netlink/ipset";
 * await using ipset = await Ipset.open({ netns: "test" });
 * await ipset.create({ name: "blocked", type: "hash:ip", timeout: 300, counters: true });
 * await ipset.add("blocked", "192.0.2.7", { timeout: 60 });
 * console.log(await ipset.test("blocked", "192.0.2.7")); // true
 * for (const set of await ipset.list()) console.log(set.name, set.type, set.members.map((m) => m.elem));
 * ```
 */
export class Ipset implements AsyncDisposable {
  /** The socket (NETLINK_NETFILTER), for requests of your own. */
  readonly socket: NetlinkSocket;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
  }

  /**
   * Opens a client (in a namespace, with `netns`).
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open();
   * console.log(await ipset.protocol());
   * ```
   */
  static async open(options: IpsetOpenOptions = {}): Promise<Ipset> {
    const socket = await NetlinkSocket.open("netfilter", {
      netns: options.netns,
      describeType: describeIpsetType,
      describeAttribute: ipsetAttributePath,
    });
    return new Ipset(socket);
  }

  /** A request of `cmd` with the protocol attribute and `attrs` written by `fill`. */
  #message(cmd: number, flags: number, fill: (w: MessageWriter) => void): Uint8Array {
    const w = nfnlMessage(NFNL_SUBSYS_IPSET, cmd, flags, { family: IPSET_FAMILY.inet });
    fill(w);
    return w.finish();
  }

  async #request(
    command: IpsetCommand,
    set: string | undefined,
    bytes: Uint8Array,
    options: { signal?: AbortSignal; ack?: boolean; setType?: string } = {},
  ): Promise<NetlinkMessage[]> {
    try {
      return await this.socket.request(bytes, { signal: options.signal, ack: options.ack });
    } catch (e) {
      if (e instanceof NetlinkError && !(e instanceof TimeoutError) && e.syscall === undefined) {
        throw new IpsetError(e, command, set, options.setType);
      }
      throw e;
    }
  }

  /**
   * The protocol versions the kernel speaks (`IPSET_CMD_PROTOCOL`).
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open();
   * const { protocol, min } = await ipset.protocol(); // 7, 6
   * ```
   */
  async protocol(options: { signal?: AbortSignal } = {}): Promise<{ protocol: number; min: number }> {
    const bytes = this.#message(
      IPSET_CMD.PROTOCOL,
      0,
      (w) => writeAttrs(w, SETS.message, { protocol: IPSET_PROTOCOL }),
    );
    const [reply] = await this.#request("protocol", undefined, bytes, { ...options, ack: false });
    const d = decodeIpsetAttrs(reply);
    return { protocol: d.protocol ?? 0, min: d.protocolMin ?? d.protocol ?? 0 };
  }

  /**
   * The revisions of a set type the kernel has (`IPSET_CMD_TYPE`); an
   * unknown type is an {@link IpsetError} `IPSET_ERR_FIND_TYPE`.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open();
   * const { max } = await ipset.typeRevisions("hash:ip", "inet");
   * ```
   */
  async typeRevisions(
    type: string,
    family: IpsetFamily,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ min: number; max: number }> {
    checkSetName(type, "set type");
    if (!(family in IPSET_FAMILY)) throw new TypeError(`unknown family ${JSON.stringify(family)}`);
    const bytes = this.#message(
      IPSET_CMD.TYPE,
      0,
      (w) => writeAttrs(w, SETS.message, { protocol: IPSET_PROTOCOL, typename: type, family }),
    );
    const [reply] = await this.#request("type", undefined, bytes, { ...options, ack: false });
    const d = decodeIpsetAttrs(reply);
    return { min: d.protocolMin ?? 0, max: d.revision ?? 0 };
  }

  /**
   * Creates a set (`ipset create NAME TYPE …`), at the newest revision of
   * its type the kernel has unless `revision` says otherwise. A set of that
   * name is `EEXIST`, unless `exist` and the same set.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * await ipset.create({ name: "web", type: "hash:ip,port", family: "inet6", comment: true });
   * await ipset.create({ name: "ports", type: "bitmap:port", range: "1000-2000", timeout: 60 });
   * ```
   */
  async create(spec: IpsetCreateSpec, options: IpsetCreateOptions = {}): Promise<void> {
    const { family, data } = createData(spec);
    const revision = spec.revision ?? (await this.typeRevisions(spec.type, family, options)).max;
    const bytes = this.#message(
      IPSET_CMD.CREATE,
      Flags.CREATE | (options.exist ? 0 : Flags.EXCL),
      (w) =>
        writeAttrs(w, SETS.message, {
          protocol: IPSET_PROTOCOL,
          setname: spec.name,
          typename: spec.type,
          revision,
          family,
          data,
        }),
    );
    await this.#request("create", spec.name, bytes, options);
  }

  /** DESTROY or FLUSH of one set. */
  async #named(cmd: number, command: IpsetCommand, name: string, signal?: AbortSignal): Promise<void> {
    checkSetName(name);
    const flags = cmd === IPSET_CMD.DESTROY ? Flags.EXCL : 0;
    const bytes = this.#message(
      cmd,
      flags,
      (w) => writeAttrs(w, SETS.message, { protocol: IPSET_PROTOCOL, setname: name }),
    );
    await this.#request(command, name, bytes, { signal });
  }

  /**
   * Destroys a set (`ipset destroy NAME`). A set an iptables rule or a
   * list:set refers to is refused with `IPSET_ERR_BUSY`; a missing one is `ENOENT`.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * await ipset.destroy("blocked");
   * ```
   */
  destroy(name: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#named(IPSET_CMD.DESTROY, "destroy", name, options.signal);
  }

  /**
   * Removes every member of a set (`ipset flush NAME`).
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * await ipset.flush("blocked");
   * ```
   */
  flush(name: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#named(IPSET_CMD.FLUSH, "flush", name, options.signal);
  }

  async #two(cmd: number, command: IpsetCommand, from: string, to: string, signal?: AbortSignal): Promise<void> {
    checkSetName(from);
    checkSetName(to, "second set name");
    const bytes = this.#message(
      cmd,
      0,
      (w) => writeAttrs(w, SETS.rename, { protocol: IPSET_PROTOCOL, setname: from, setname2: to }),
    );
    await this.#request(command, from, bytes, { signal });
  }

  /**
   * Renames a set (`ipset rename FROM TO`): `IPSET_ERR_EXIST_SETNAME2` when
   * `to` exists, `IPSET_ERR_REFERENCED` when something refers to the set.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * await ipset.rename("blocked", "blocked-old");
   * ```
   */
  rename(from: string, to: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#two(IPSET_CMD.RENAME, "rename", from, to, options.signal);
  }

  /**
   * Swaps two sets' contents under their names (`ipset swap A B`): rules
   * referring to A now see B's members. Both must exist
   * (`IPSET_ERR_EXIST_SETNAME2` for the second) and be of the same type and
   * family (`IPSET_ERR_TYPE_MISMATCH`).
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * await ipset.swap("blocked", "blocked-new");
   * ```
   */
  swap(a: string, b: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#two(IPSET_CMD.SWAP, "swap", a, b, options.signal);
  }

  /**
   * Lists every set, or the one named, with members (`ipset list [NAME]`);
   * `terse` lists headers only. A missing set is `ENOENT`.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * const [set] = await ipset.list("blocked");
   * console.log(set.entries, set.members.map((m) => `${m.elem} ${m.timeout ?? ""}`));
   * ```
   */
  async list(name?: string, options: IpsetListOptions = {}): Promise<IpsetSet[]> {
    if (name !== undefined) checkSetName(name);
    const bytes = this.#message(
      IPSET_CMD.LIST,
      Flags.DUMP,
      (w) =>
        writeAttrs(w, SETS.message, {
          protocol: IPSET_PROTOCOL,
          setname: name,
          flags: options.terse ? IPSET_FLAG.LIST_HEADER : undefined,
        }),
    );
    const listing = new IpsetListing();
    const out: IpsetSet[] = [];
    const want = (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD.LIST;
    try {
      for await (const m of this.socket.dump(bytes, { signal: options.signal })) {
        if (m.type === want) out.push(...listing.add(m));
      }
    } catch (e) {
      if (e instanceof NetlinkError && !(e instanceof TimeoutError) && e.syscall === undefined) {
        throw new IpsetError(e, "list", name);
      }
      throw e;
    }
    const last = listing.finish();
    if (last) out.push(last);
    return out;
  }

  /**
   * A set's name, type, revision and family (`IPSET_CMD_HEADER`); `ENOENT` when it does not exist.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * const { type, family } = await ipset.header("blocked");
   * ```
   */
  header(name: string, options: { signal?: AbortSignal } = {}): Promise<
    Pick<IpsetSet, "name" | "type" | "revision" | "family">
  > {
    return this.#header(name, "header", options.signal);
  }

  async #header(
    name: string,
    command: IpsetCommand,
    signal?: AbortSignal,
  ): Promise<Pick<IpsetSet, "name" | "type" | "revision" | "family">> {
    checkSetName(name);
    const bytes = this.#message(
      IPSET_CMD.HEADER,
      0,
      (w) => writeAttrs(w, SETS.message, { protocol: IPSET_PROTOCOL, setname: name }),
    );
    const [reply] = await this.#request(command, name, bytes, { signal, ack: false });
    const { type, revision, family } = decodeIpsetHeader(reply);
    return { name, type, revision, family };
  }

  /** The element data of `member` for the set `name` (its type and family read with HEADER first). */
  async #element(
    command: IpsetCommand,
    name: string,
    member: IpsetMemberInput,
    signal?: AbortSignal,
  ): Promise<{ type: string; data: Record<string, unknown> }> {
    checkSetName(name);
    if (typeof member !== "string" && (typeof member !== "object" || member === null)) {
      throw new TypeError("a member is a text or an object");
    }
    const { type, family } = await this.#header(name, command, signal);
    const fam = typeof family === "string" ? family : "unspec";
    const entry = typeof member === "string" ? parseEntry(type, fam, member) : member;
    return { type, data: entryData(type, fam, entry) };
  }

  /** Adds the list:set position (`before`/`after`) to an element's data. */
  #position(type: string, data: Record<string, unknown>, o: { before?: string; after?: string }): void {
    if (o.before === undefined && o.after === undefined) return;
    if (type !== "list:set") throw new TypeError("before and after are for list:set members");
    if (o.before !== undefined && o.after !== undefined) throw new TypeError("give before or after, not both");
    data.nameref = checkSetName(o.before ?? o.after, "reference set name");
    if (o.before !== undefined) data.cadtFlags = [...((data.cadtFlags as string[]) ?? []), "before"];
  }

  /**
   * Adds a member (`ipset add NAME ELEM [timeout N] [comment TEXT] …`):
   * `member` is its text as `ipset` reads it for the set's type, or its
   * parts. `IPSET_ERR_EXIST` when it is there (unless `exist`); the set's
   * missing support for an extra is `IPSET_ERR_TIMEOUT`, `_COUNTER`, `_COMMENT`.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * await ipset.add("web", "2001:db8::1,tcp:443", { comment: "front" });
   * await ipset.add("nets", { ip: "10.0.0.0", cidr: 8 }, { nomatch: true });
   * ```
   */
  async add(name: string, member: IpsetMemberInput, options: IpsetAddOptions = {}): Promise<void> {
    const extras = addExtras(options);
    const { type, data } = await this.#element("add", name, member, options.signal);
    this.#addFlags(type, data, options);
    await this.#adt(IPSET_CMD.ADD, "add", name, type, { ...data, ...extras }, options.exist, options.signal);
  }

  /** `nomatch` and the list:set position of an added member. */
  #addFlags(type: string, data: Record<string, unknown>, options: IpsetAddOptions): void {
    if (options.nomatch) {
      if (!type.startsWith("hash:net")) throw new TypeError(`nomatch is for hash:net types, not ${type}`);
      data.cadtFlags = [...((data.cadtFlags as string[]) ?? []), "nomatch"];
    }
    this.#position(type, data, options);
  }

  /**
   * Adds many members at once, all or nothing: every member is checked
   * before anything is sent, then they go as one ADD message each in as few
   * `sendmsg` calls as fit (1,024 messages or 128 KiB a datagram), and the
   * kernel answers only refusals. If any is refused, the members this call
   * added are deleted again and the first refusal is thrown (an
   * {@link IpsetError} whose message names the member). With `exist`,
   * members that were there already count as added and stay (with their
   * timeout and extras updated), so nothing is rolled back then. The
   * options apply to every member.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * await ipset.addAll("blocked", ["192.0.2.1", "192.0.2.2", "192.0.2.3"], { timeout: 600 });
   * ```
   */
  async addAll(name: string, members: readonly IpsetMemberInput[], options: IpsetAddOptions = {}): Promise<void> {
    if (!Array.isArray(members)) throw new TypeError("members must be an array");
    const extras = addExtras(options);
    const { type, family } = await this.#header(name, "add", options.signal);
    const fam = typeof family === "string" ? family : "unspec";
    const datas = members.map((member, i) => {
      try {
        if (typeof member !== "string" && (typeof member !== "object" || member === null)) {
          throw new TypeError("a member is a text or an object");
        }
        const data = entryData(type, fam, typeof member === "string" ? parseEntry(type, fam, member) : member);
        this.#addFlags(type, data, options);
        return data;
      } catch (e) {
        if (e instanceof Error) e.message = `member ${i}: ${e.message}`;
        throw e;
      }
    });
    const flags = options.exist ? 0 : Flags.EXCL;
    const message = (cmd: number, data: Record<string, unknown>, f: number) =>
      this.#message(cmd, f, (w) => writeAttrs(w, SETS.element, { protocol: IPSET_PROTOCOL, setname: name, data }));
    const adds = datas.map((data) => message(IPSET_CMD.ADD, { ...data, ...extras }, flags));
    const added: number[] = [];
    let refusal: { index: number; error: NetlinkError } | undefined;
    for (const [start, chunk] of chunks(adds)) {
      const answers = await this.socket.requestBatch(chunk, { signal: options.signal, ack: false });
      answers.forEach((a, i) => {
        if (!a.error) added.push(start + i);
        else refusal ??= { index: start + i, error: a.error };
      });
    }
    if (!refusal) return;
    if (!options.exist && added.length) {
      const dels = added.map((i) => message(IPSET_CMD.DEL, datas[i], 0));
      for (const [, chunk] of chunks(dels)) await this.socket.requestBatch(chunk, { ack: false });
    }
    const error = new IpsetError(refusal.error, "add", name, type);
    error.message = `${error.message} (member ${refusal.index}: ${JSON.stringify(members[refusal.index])})`;
    throw error;
  }

  /**
   * Deletes a member (`ipset del NAME ELEM`): `IPSET_ERR_EXIST` when it is
   * not there (unless `exist`).
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * await ipset.del("blocked", "192.0.2.7");
   * ```
   */
  async del(name: string, member: IpsetMemberInput, options: IpsetDelOptions = {}): Promise<void> {
    const { type, data } = await this.#element("del", name, member, options.signal);
    this.#position(type, data, options);
    await this.#adt(IPSET_CMD.DEL, "del", name, type, data, options.exist, options.signal);
  }

  /**
   * Whether a member is in a set (`ipset test NAME ELEM`): true or false;
   * a missing set is an {@link IpsetError} `ENOENT`. For hash:net types a
   * network is tested as stored; an address matches the networks holding it.
   *
   * @example
   * ```ts
   * import { Ipset } from "@nlts/netlink/ipset";
   * await using ipset = await Ipset.open({ netns: "test" });
   * if (await ipset.test("blocked", "192.0.2.7")) console.log("blocked");
   * ```
   */
  async test(name: string, member: IpsetMemberInput, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const { type, data } = await this.#element("test", name, member, options.signal);
    try {
      await this.#adt(IPSET_CMD.TEST, "test", name, type, data, false, options.signal);
      return true;
    } catch (e) {
      if (e instanceof IpsetError && e.code === "IPSET_ERR_EXIST") return false;
      throw e;
    }
  }

  async #adt(
    cmd: number,
    command: IpsetCommand,
    name: string,
    type: string,
    data: Record<string, unknown>,
    exist: boolean | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const flags = cmd === IPSET_CMD.TEST || exist ? 0 : Flags.EXCL;
    const bytes = this.#message(
      cmd,
      flags,
      (w) => writeAttrs(w, SETS.element, { protocol: IPSET_PROTOCOL, setname: name, data }),
    );
    await this.#request(command, name, bytes, { signal, setType: type });
  }

  /** Closes the socket. */
  async close(): Promise<void> {
    await this.socket.close();
  }

  /** Closes the socket (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
