/**
 * Shared pieces of the per-kind link codecs: raw attributes, a table-driven
 * decoder/encoder for the flat `IFLA_INFO_DATA` attribute sets most kinds
 * use, and the `struct ifinfomsg` header.
 *
 * @module
 */
import { type AttrCursor, Attrs, type AttrWriter } from "../../wire/attrs.ts";
import { ParseError } from "../../wire/errors.ts";
import * as v from "../../wire/values.ts";

/** An attribute kept as it came, because the decoder does not know it. */
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

/** How a field of a flat attribute set is stored on the wire. */
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

/** One row of a field table: attribute type, property name, codec. */
export type FieldSpec<T> = readonly [type: number, key: keyof T & string, codec: FieldCodec];

/** Formats `struct ifla_bridge_id` (2 priority bytes, 6 address bytes) as `8000.02:00:00:00:00:01`. */
export function bridgeId(bytes: Uint8Array): string {
  if (bytes.length < 8) throw new ParseError(`bridge id needs 8 bytes, has ${bytes.length}`, 0);
  const prio = bytes[0].toString(16).padStart(2, "0") + bytes[1].toString(16).padStart(2, "0");
  return `${prio}.${v.mac(bytes.subarray(2, 8))}`;
}

function readField(codec: FieldCodec, b: Uint8Array): unknown {
  switch (codec) {
    case "u8":
      return v.u8(b);
    case "u16":
      return v.u16(b);
    case "u32":
      return v.u32(b);
    case "s32":
      return v.s32(b);
    case "u64":
      return v.uint(b.length >= 8 ? b.subarray(0, 8) : b);
    case "be16":
      return v.be16(b);
    case "be32":
      return v.be32(b);
    case "bool":
      return v.u8(b) !== 0;
    case "flag":
      // Some "flags" are written back as a u8 (IFLA_VXLAN_TTL_INHERIT).
      return b.length === 0 ? true : v.u8(b) !== 0;
    case "mac":
      return v.mac(b);
    case "ip":
      if (b.length !== 4 && b.length !== 16) throw new ParseError(`address of ${b.length} bytes`, 0);
      return v.ip(b);
    case "str":
      return v.str(b);
    case "bridgeId":
      return bridgeId(b);
  }
}

/**
 * Reads the current attribute of `c` with `codec`: the value
 * {@link decodeFields} would give, without making a view for the common codecs.
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
    default:
      return readField(codec, c.value());
  }
}

/** Field tables indexed by attribute type, built once per table. */
const byType = new WeakMap<readonly FieldSpec<unknown>[], Map<number, FieldSpec<unknown>>>();

/**
 * The row of `table` for attribute `type` (the first, as `table.find` would
 * give), from an index built on first use.
 *
 * @example
 * ```ts
 * import { fieldFor } from "./common.ts";
 * fieldFor<{ mtu?: number }>([[4, "mtu", "u32"]], 4); // [4, "mtu", "u32"]
 * ```
 */
export function fieldFor<T>(table: readonly FieldSpec<T>[], type: number): FieldSpec<T> | undefined {
  let index = byType.get(table as readonly FieldSpec<unknown>[]);
  if (index === undefined) {
    index = new Map();
    for (const row of table as readonly FieldSpec<unknown>[]) if (!index.has(row[0])) index.set(row[0], row);
    byType.set(table as readonly FieldSpec<unknown>[], index);
  }
  return index.get(type) as FieldSpec<T> | undefined;
}

/**
 * Decodes a flat attribute set with a field table. Attributes not in the
 * table go to `unknown`; a value of the wrong size is a {@link ParseError}
 * naming the attribute.
 *
 * @example
 * ```ts
 * import { AttrWriter, Attrs } from "@nlts/netlink";
 * import { decodeFields } from "./common.ts";
 * const attrs = Attrs.parse(new AttrWriter().u32(1, 7).u8(9, 1).bytes());
 * decodeFields<{ id?: number }>(attrs, [[1, "id", "u32"]]); // { value: { id: 7 }, unknown: [ { type: 9, ... } ] }
 * ```
 */
export function decodeFields<T>(
  attrs: Attrs,
  table: readonly FieldSpec<T>[],
  skip: readonly number[] = [],
): { value: T; unknown: RawAttr[] } {
  const out: Record<string, unknown> = {};
  const unknown: RawAttr[] = [];
  for (const a of attrs) {
    const spec = fieldFor(table, a.type);
    if (!spec) {
      if (!skip.includes(a.type)) unknown.push({ type: a.type, value: a.value.slice() });
      continue;
    }
    try {
      out[spec[1]] = readField(spec[2], a.value);
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(`${spec[1]} (attribute ${a.type}): ${e.message}`, 0);
      throw e;
    }
  }
  return { value: out as T, unknown };
}

/**
 * Writes the fields of `values` that a field table names (undefined ones
 * are skipped).
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { encodeFields } from "./common.ts";
 * const w = new AttrWriter();
 * encodeFields(w, { id: 7 }, [[1, "id", "u32"]]);
 * w.length; // 8
 * ```
 */
export function encodeFields<T>(w: AttrWriter, values: Partial<T>, table: readonly FieldSpec<T>[]): void {
  for (const [type, key, codec] of table) {
    const value = (values as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const num = () => {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new TypeError(`${key} must be a non-negative integer, got ${JSON.stringify(value)}`);
      }
      return value;
    };
    switch (codec) {
      case "u8":
        w.u8(type, num());
        break;
      case "u16":
        w.u16(type, num());
        break;
      case "u32":
        w.u32(type, num());
        break;
      case "s32":
        w.s32(type, value as number);
        break;
      case "u64":
        w.u64(type, num());
        break;
      case "be16":
        w.be16(type, num());
        break;
      case "be32":
        w.be32(type, num());
        break;
      case "bool":
        w.u8(type, value ? 1 : 0);
        break;
      case "flag":
        if (value) w.flag(type);
        break;
      case "mac":
        // Every hardware-address option of these kinds is an Ethernet address.
        w.attr(type, v.parseMac(value as string, 6));
        break;
      case "ip":
        w.ip(type, value as string);
        break;
      case "str":
        w.str(type, value as string);
        break;
      case "bridgeId":
        throw new TypeError(`${key} is read-only`);
    }
  }
}

/**
 * Parses nested attributes and rethrows any length problem as a
 * {@link ParseError} that says where.
 *
 * @example
 * ```ts
 * import { parseNested } from "./common.ts";
 * parseNested(new Uint8Array(0), "IFLA_INFO_DATA").size; // 0
 * ```
 */
export function parseNested(bytes: Uint8Array, what: string): Attrs {
  try {
    return Attrs.parse(bytes);
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError(`${what}: ${e.message}`, 0);
    throw e;
  }
}

/** `IFLA_NET_NS_PID`. */
export const IFLA_NET_NS_PID = 19;
/** `IFLA_NET_NS_FD`. */
export const IFLA_NET_NS_FD = 28;
