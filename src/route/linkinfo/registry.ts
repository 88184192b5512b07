/**
 * The registry of link kinds: how the `IFLA_INFO_DATA` (and, for masters,
 * the `IFLA_INFO_SLAVE_DATA` of their ports) of each kind is decoded and
 * encoded. Kinds nobody registered keep their data raw.
 *
 * @module
 */
import type { Attrs, AttrWriter } from "../../wire/attrs.ts";
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
  /** Decodes `IFLA_INFO_DATA`. */
  decodeData?(attrs: Attrs): D;
  /** Writes the contents of `IFLA_INFO_DATA` (the nest itself is written by the caller). */
  encodeData?(w: AttrWriter, options: O, ctx: EncodeContext): void;
  /** Decodes the `IFLA_INFO_SLAVE_DATA` of a port whose `IFLA_INFO_SLAVE_KIND` is this kind. */
  decodeSlaveData?(attrs: Attrs): S;
  /** Writes the contents of `IFLA_INFO_SLAVE_DATA`. */
  encodeSlaveData?(w: AttrWriter, options: SO): void;
}

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
