/**
 * Shared pieces of the per-kind link codecs: raw attributes, interface
 * names, the `struct ifinfomsg` header and `struct ifla_bridge_id`. The
 * kinds' attributes are schema sets (`src/wire/schema.ts`).
 *
 * @module
 */
import type { AttrCursor, AttrWriter } from "../../wire/attrs.ts";
import type { Codec } from "../../wire/schema.ts";
import { ParseError } from "../../wire/errors.ts";
import * as v from "../../wire/values.ts";

/**
 * An attribute kept as it came, because the decoder does not know it. The
 * schema keeps them as `Attr`s (these two fields plus the nest and
 * byte-order flags).
 */
export interface RawAttr {
  /** Attribute type (flag bits removed). */
  type: number;
  /** Payload bytes (a copy). */
  value: Uint8Array;
}

/** Size of `struct ifinfomsg`. */
export const IFINFOMSG_LEN = 16;
/** Longest interface name (`IFNAMSIZ` - 1). */
export const IFNAMSIZ_MAX = 15;

/**
 * Throws a `TypeError` unless `name` is a valid interface name: 1..15 bytes,
 * no `/`, `:` or whitespace, not `.` or `..` (the kernel's `dev_valid_name`).
 *
 * @example
 * ```ts
 * import { checkIfName } from "./common.ts";
 * checkIfName("eth0"); // ok
 * try { checkIfName("a-name-that-is-too-long"); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function checkIfName(name: string, what = "interface name"): void {
  if (typeof name !== "string" || name.length === 0) throw new TypeError(`${what} must be a non-empty string`);
  const bytes = new TextEncoder().encode(name).length;
  if (bytes > IFNAMSIZ_MAX) {
    throw new TypeError(`${what} ${JSON.stringify(name)} is ${bytes} bytes; at most ${IFNAMSIZ_MAX} are allowed`);
  }
  if (name === "." || name === ".." || /[\s/:]/.test(name) || name.includes("\0")) {
    throw new TypeError(`${what} ${JSON.stringify(name)} contains a character not allowed in interface names`);
  }
}

/**
 * Writes a `struct ifinfomsg` into `w` (family, type, index, flags, change).
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { writeIfinfomsg } from "./common.ts";
 * const w = new AttrWriter();
 * writeIfinfomsg(w, { index: 3, flags: 1, change: 1 });
 * w.length; // 16
 * ```
 */
export function writeIfinfomsg(
  w: AttrWriter,
  h: { family?: number; type?: number; index?: number; flags?: number; change?: number } = {},
): void {
  const dv = w.struct(IFINFOMSG_LEN);
  dv.setUint8(0, h.family ?? 0);
  dv.setUint16(2, h.type ?? 0, true);
  dv.setInt32(4, h.index ?? 0, true);
  dv.setUint32(8, (h.flags ?? 0) >>> 0, true);
  dv.setUint32(12, (h.change ?? 0) >>> 0, true);
}

/**
 * How `readFieldAt` reads a value. The linkinfo kinds describe their
 * attributes with the schema of `src/wire/schema.ts`; this is left for
 * the cursor decoders of `link.ts` until they move onto it.
 */
export type FieldCodec =
  | "u8"
  | "u16"
  | "u32"
  | "s32"
  | "u64"
  | "be16"
  | "be32"
  | "bool"
  | "flag"
  | "mac"
  | "ip"
  | "str"
  | "bridgeId";

/**
 * Formats `struct ifla_bridge_id` (2 priority bytes, 6 address bytes) as `8000.02:00:00:00:00:01`.
 *
 * @example
 * ```ts
 * import { bridgeId } from "./common.ts";
 * bridgeId(new Uint8Array([0x80, 0, 2, 0, 0, 0, 0, 1])); // "8000.02:00:00:00:00:01"
 * ```
 */
export function bridgeId(bytes: Uint8Array): string {
  if (bytes.length < 8) throw new ParseError(`bridge id needs 8 bytes, has ${bytes.length}`, 0);
  const prio = bytes[0].toString(16).padStart(2, "0") + bytes[1].toString(16).padStart(2, "0");
  return `${prio}.${v.mac(bytes.subarray(2, 8))}`;
}

/** `struct ifla_bridge_id` as a schema codec (read-only). */
export const BRIDGE_ID: Codec<string> = { decode: bridgeId };

/**
 * Reads the current attribute of `c` with `codec`, without making a view
 * for the common codecs.
 *
 * @example
 * ```ts
 * import { AttrCursor, AttrWriter } from "@nlts/netlink/wire";
 * import { readFieldAt } from "./common.ts";
 * const c = new AttrCursor(new AttrWriter().u32(4, 1500).bytes());
 * c.next();
 * readFieldAt("u32", c); // 1500
 * ```
 */
export function readFieldAt(codec: FieldCodec, c: AttrCursor): unknown {
  switch (codec) {
    case "u8":
      return c.u8();
    case "u16":
      return c.u16();
    case "u32":
      return c.u32();
    case "s32":
      return c.s32();
    case "u64":
      return c.length >= 8 ? v.u64nAt(c.bytes, c.start) : c.uint();
    case "be16":
      return v.be16(c.value());
    case "be32":
      return v.be32(c.value());
    case "bool":
      return c.u8() !== 0;
    case "flag":
      return c.length === 0 ? true : c.u8() !== 0;
    case "mac":
      return c.mac();
    case "ip":
      if (c.length !== 4 && c.length !== 16) throw new ParseError(`address of ${c.length} bytes`, 0);
      return c.ip();
    case "str":
      return c.str();
    case "bridgeId":
      return bridgeId(c.value());
  }
}

/** `IFLA_NET_NS_PID`. */
export const IFLA_NET_NS_PID = 19;
/** `IFLA_NET_NS_FD`. */
export const IFLA_NET_NS_FD = 28;
