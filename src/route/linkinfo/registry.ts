/**
 * The registry of link kinds: how the `IFLA_INFO_DATA` (and, for masters,
 * the `IFLA_INFO_SLAVE_DATA` of their ports) of each kind is decoded and
 * encoded. Kinds nobody registered keep their data raw.
 *
 * @module
 */
import type { AttrWriter } from "../../wire/attrs.ts";
import type { AttrSet } from "../../wire/schema.ts";
import type { NetnsTarget } from "../../socket/netns.ts";

/** What an encoder may need from the request being built. */
export interface EncodeContext {
  /**
   * An open fd of a network namespace, for `IFLA_NET_NS_FD`. Opened by the
   * caller and closed once the request has been answered.
   */
  netnsFd(target: NetnsTarget): number;
}

/**
 * How one link kind's data is decoded and encoded.
 * `D`: decoded `IFLA_INFO_DATA`, `O`: options to create it with,
 * `S`/`SO`: decoded and settable slave data of ports of a master of this kind.
 */
export interface LinkKindCodec<D = unknown, O = unknown, S = unknown, SO = unknown> {
  /** The `IFLA_INFO_KIND` string. */
  kind: string;
  /** The attribute set of `IFLA_INFO_DATA`: decodes it, and names its attributes in extended-ACK paths. */
  data?: AttrSet;
  /** Derives the kind's object from the decoded set (the decoded set as it is when absent). */
  fromData?(decoded: Record<string, unknown>): D;
  /** Writes the contents of `IFLA_INFO_DATA` (the nest itself is written by the caller). */
  encodeData?(w: AttrWriter, options: O, ctx: EncodeContext): void;
  /** The attribute set of the `IFLA_INFO_SLAVE_DATA` of a port whose `IFLA_INFO_SLAVE_KIND` is this kind. */
  slaveData?: AttrSet;
  /** Derives the port's object from the decoded set. */
  fromSlaveData?(decoded: Record<string, unknown>): S;
  /** Writes the contents of `IFLA_INFO_SLAVE_DATA`. */
  encodeSlaveData?(w: AttrWriter, options: SO): void;
}

/** The `IFLA_INFO_DATA` set of every registered kind (the formats of the `IFLA_LINKINFO` sub-message). */
export const LINK_DATA_FORMATS: { [kind: string]: AttrSet } = {};
/** The `IFLA_INFO_SLAVE_DATA` set of every registered master kind. */
export const LINK_SLAVE_DATA_FORMATS: { [kind: string]: AttrSet } = {};

// deno-lint-ignore no-explicit-any
const kinds = new Map<string, LinkKindCodec<any, any, any, any>>();

/**
 * Registers (or replaces) the codec of a link kind.
 *
 * @example
 * ```ts
 * import { registerLinkKind } from "./registry.ts";
 * registerLinkKind({ kind: "dummy" });
 * ```
 */
// deno-lint-ignore no-explicit-any
export function registerLinkKind(codec: LinkKindCodec<any, any, any, any>): void {
  kinds.set(codec.kind, codec);
  if (codec.data) LINK_DATA_FORMATS[codec.kind] = codec.data;
  else delete LINK_DATA_FORMATS[codec.kind];
  if (codec.slaveData) LINK_SLAVE_DATA_FORMATS[codec.kind] = codec.slaveData;
  else delete LINK_SLAVE_DATA_FORMATS[codec.kind];
}

/**
 * The codec registered for `kind`, if any.
 *
 * @example
 * ```ts
 * import { linkKindCodec } from "./registry.ts";
 * linkKindCodec("bridge")?.kind; // "bridge" once ./mod.ts is loaded
 * ```
 */
// deno-lint-ignore no-explicit-any
export function linkKindCodec(kind: string): LinkKindCodec<any, any, any, any> | undefined {
  return kinds.get(kind);
}
