/**
 * A declarative schema for netlink attribute sets, in the spirit of the
 * kernel's YAML specs (`Documentation/netlink/specs`): each attribute has a
 * number, a type, and optionally an enum or flags (decoded to names), a
 * nested set, or a codec for a binary struct. {@link encodeAttrs} and
 * {@link decodeAttrs} work from a set alone, without any generic netlink
 * header, so any netlink protocol can use them; the TypeScript types of the
 * decoded objects and of the inputs are inferred from the set.
 *
 * @module
 */
import { type Attr, AttrWriter } from "../wire/attrs.ts";
import { align4, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import * as v from "../wire/values.ts";

/** Integer attribute types (the `uint`/`sint` kinds are 4 or 8 bytes on the wire). */
export type IntType =
  | "u8"
  | "u16"
  | "u32"
  | "u64"
  | "s8"
  | "s16"
  | "s32"
  | "s64"
  | "uint"
  | "sint"
  | "be16"
  | "be32"
  | "be64";

/** Every attribute type the schema knows. */
export type AttrType =
  | IntType
  | "string"
  | "binary"
  | "flag"
  | "ip"
  | "mac"
  | "bitfield32"
  | "nest"
  | "nest-array";

/**
 * Names of an enum or of flags: an array (index = value, or bit number for
 * flags; `null` leaves a hole) or an object of name → value (a mask for flags).
 */
export type EnumDef = readonly (string | null)[] | { readonly [name: string]: number };

/** A custom decoder (and optional encoder) of a binary attribute, a C struct say. */
export interface Codec<T> {
  /** Decodes the payload; must throw {@link ParseError} on bad bytes. */
  decode(bytes: Uint8Array): T;
  /** Encodes a value for requests. */
  encode?(value: T): Uint8Array;
}

/** One attribute of a set. */
export interface AttrDef {
  /** Attribute number (`nla_type`). */
  readonly id: number;
  /** Wire type. */
  readonly type: AttrType;
  /** Integer values named by an enum. */
  readonly enum?: EnumDef;
  /** Integer bits named as flags (decoded to an array of names). */
  readonly flags?: EnumDef;
  /** May appear several times (decoded to an array). */
  readonly multi?: boolean;
  /** The set inside a `nest` / each element of a `nest-array` (a thunk for recursive sets). */
  readonly nested?: AttrSet | (() => AttrSet);
  /** Decoder of a `binary` payload. */
  readonly codec?: Codec<any>;
  /** Documentation. */
  readonly doc?: string;
}

/** A named set of attributes; keys are the names decoded objects use. */
export interface AttrSet {
  /** Name of the set (used in error messages). */
  readonly name: string;
  /** Attributes by name. */
  readonly attributes: { readonly [name: string]: AttrDef };
}

// ---------------------------------------------------------------------------
// Type inference
// ---------------------------------------------------------------------------

/** The names an {@link EnumDef} declares. */
export type EnumNames<E> = E extends readonly (infer N)[] ? Exclude<N, null> & string
  : E extends { readonly [name: string]: number } ? keyof E & string
  : never;

/** The set nested in an attribute. */
export type NestedSet<A> = A extends { nested: infer S } ? (S extends () => infer R ? R : S) : never;

/** The decoded value of a plain attribute type. */
export type BaseValue<T> = T extends "u64" | "s64" | "uint" | "sint" | "be64" ? bigint
  : T extends IntType ? number
  : T extends "string" | "ip" | "mac" ? string
  : T extends "flag" ? true
  : T extends "bitfield32" ? { value: number; selector: number }
  : Uint8Array;

/** The decoded value of one occurrence of an attribute. */
export type OneValue<A> = A extends { type: "nest" }
  ? (NestedSet<A> extends infer S extends AttrSet ? Decoded<S> : never)
  : A extends { type: "nest-array" } ? (NestedSet<A> extends infer S extends AttrSet ? Decoded<S>[] : never)
  : A extends { codec: Codec<infer T> } ? T
  : A extends { enum: infer E } ? EnumNames<E> | number
  : A extends { flags: infer F } ? (EnumNames<F> | number)[]
  : A extends { type: infer T } ? BaseValue<T>
  : never;

/** The decoded value of one attribute. */
export type AttrValue<A> = A extends { multi: true } ? OneValue<A>[] : OneValue<A>;

/**
 * The object {@link decodeAttrs} returns for a set: every attribute
 * optional, plus the attributes the set does not know, raw.
 */
export type Decoded<S extends AttrSet> =
  & { -readonly [K in keyof S["attributes"]]?: AttrValue<S["attributes"][K]> }
  & { unknownAttrs?: Attr[] };

/** What a plain attribute type accepts. */
export type BaseInput<T> = T extends "u64" | "s64" | "uint" | "sint" | "be64" ? bigint | number
  : T extends IntType ? number
  : T extends "string" | "ip" | "mac" ? string
  : T extends "flag" ? boolean
  : T extends "bitfield32" ? { value: number; selector: number }
  : Uint8Array;

/** What one occurrence of an attribute accepts. */
export type OneInput<A> = A extends { type: "nest" } ? (NestedSet<A> extends infer S extends AttrSet ? Input<S> : never)
  : A extends { type: "nest-array" } ? (NestedSet<A> extends infer S extends AttrSet ? readonly Input<S>[] : never)
  : A extends { codec: Codec<infer T> } ? T | Uint8Array
  : A extends { enum: infer E } ? EnumNames<E> | number
  : A extends { flags: infer F } ? readonly (EnumNames<F> | number)[] | number | bigint
  : A extends { type: infer T } ? BaseInput<T>
  : never;

/** What {@link encodeAttrs} accepts for one attribute. */
export type AttrInput<A> = A extends { multi: true } ? readonly OneInput<A>[] : OneInput<A>;

/** What {@link encodeAttrs} accepts for a set: any attributes, by name. */
export type Input<S extends AttrSet> = { [K in keyof S["attributes"]]?: AttrInput<S["attributes"][K]> };

/**
 * Declares an attribute set; the literal types are kept so decoded objects
 * are typed by it.
 *
 * @example
 * ```ts
 * import { defineAttrSet, decodeAttrs, encodeAttrs } from "@nlts/netlink/genl";
 * const link = defineAttrSet({
 *   name: "link",
 *   attributes: {
 *     ifindex: { id: 1, type: "u32" },
 *     name: { id: 2, type: "string" },
 *     state: { id: 3, type: "u8", enum: ["down", "up"] },
 *   },
 * });
 * const bytes = encodeAttrs(link, { ifindex: 2, state: "up" });
 * decodeAttrs(link, bytes).state; // "up"
 * ```
 */
export function defineAttrSet<const S extends AttrSet>(set: S): S {
  validate(set);
  return set;
}

function validate(set: AttrSet): void {
  for (const [key, def] of Object.entries(set.attributes)) {
    if (!Number.isInteger(def.id) || def.id < 0 || def.id > NLA_TYPE_MASK) {
      throw new TypeError(`attribute ${set.name}.${key}: id ${def.id} is not a valid attribute number`);
    }
    if ((def.type === "nest" || def.type === "nest-array") && def.nested === undefined) {
      throw new TypeError(`attribute ${set.name}.${key}: a ${def.type} needs a nested set`);
    }
  }
}

// ---------------------------------------------------------------------------
// Lookup tables (built once per set or enum)
// ---------------------------------------------------------------------------

const byIdCache = new WeakMap<AttrSet, Map<number, [string, AttrDef]>>();

function byId(set: AttrSet): Map<number, [string, AttrDef]> {
  let map = byIdCache.get(set);
  if (!map) {
    validate(set);
    map = new Map();
    for (const [key, def] of Object.entries(set.attributes)) map.set(def.id, [key, def]);
    byIdCache.set(set, map);
  }
  return map;
}

/** The set nested in `def` (resolving a thunk). */
export function nestedSet(def: AttrDef): AttrSet | undefined {
  const n = def.nested;
  return typeof n === "function" ? n() : n;
}

interface EnumTables {
  toName: Map<number, string>;
  toValue: Map<string, number>;
}
const enumCache = new WeakMap<object, EnumTables>();

function enumTables(e: EnumDef, flags: boolean): EnumTables {
  let t = enumCache.get(e);
  if (!t) {
    t = { toName: new Map(), toValue: new Map() };
    if (Array.isArray(e)) {
      (e as readonly (string | null)[]).forEach((name, i) => {
        if (name === null) return;
        const value = flags ? 2 ** i : i;
        t!.toName.set(value, name);
        t!.toValue.set(name, value);
      });
    } else {
      for (const [name, value] of Object.entries(e as Record<string, number>)) {
        t.toName.set(value, name);
        t.toValue.set(name, value);
      }
    }
    enumCache.set(e, t);
  }
  return t;
}

/**
 * The name of `value` in an enum, or the number when the enum has none.
 *
 * @example
 * ```ts
 * import { enumName } from "./schema.ts";
 * enumName(["unspec", "tcp"], 1); // "tcp"
 * ```
 */
export function enumName(e: EnumDef, value: number): string | number {
  return enumTables(e, false).toName.get(value) ?? value;
}

/**
 * The names of the bits set in `value` (bits without a name stay numbers:
 * their mask).
 *
 * @example
 * ```ts
 * import { flagNames } from "./schema.ts";
 * flagNames(["a", "b", "c"], 5); // ["a", "c"]
 * ```
 */
export function flagNames(f: EnumDef, value: number | bigint): (string | number)[] {
  const names = enumTables(f, true).toName;
  const out: (string | number)[] = [];
  let rest = BigInt(value);
  for (let bit = 0n; rest !== 0n; bit++) {
    const mask = 1n << bit;
    if (rest & mask) {
      rest &= ~mask;
      const m = Number(mask);
      out.push(names.get(m) ?? m);
    }
  }
  return out;
}

function flagsValue(f: EnumDef, input: unknown, where: string): bigint {
  if (typeof input === "number" || typeof input === "bigint") return BigInt(input);
  if (!Array.isArray(input)) throw new TypeError(`${where}: flags must be an array of names, or a number`);
  const t = enumTables(f, true).toValue;
  let mask = 0n;
  for (const item of input) {
    if (typeof item === "number") {
      mask |= BigInt(item);
      continue;
    }
    const bit = t.get(item);
    if (bit === undefined) {
      throw new TypeError(`${where}: unknown flag ${JSON.stringify(item)} (known: ${[...t.keys()].join(", ")})`);
    }
    mask |= BigInt(bit);
  }
  return mask;
}

function enumValue(e: EnumDef, input: unknown, where: string): number {
  if (typeof input === "number") return input;
  const value = enumTables(e, false).toValue.get(input as string);
  if (value === undefined) {
    const known = [...enumTables(e, false).toValue.keys()].join(", ");
    throw new TypeError(`${where}: unknown value ${JSON.stringify(input)} (known: ${known})`);
  }
  return value;
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

const INT_SIZES: Record<string, number[]> = {
  u8: [1],
  s8: [1],
  u16: [2],
  s16: [2],
  be16: [2],
  u32: [4],
  s32: [4],
  be32: [4],
  u64: [8],
  s64: [8],
  be64: [8],
  uint: [1, 2, 4, 8],
  sint: [1, 2, 4, 8],
};

function readInt(type: string, b: Uint8Array): number | bigint {
  const sizes = INT_SIZES[type];
  if (!sizes.includes(b.length)) {
    throw new ParseError(`${type} of ${b.length} bytes (expected ${sizes.join(" or ")})`, 0);
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case "u8":
      return b[0];
    case "s8":
      return dv.getInt8(0);
    case "u16":
      return dv.getUint16(0, true);
    case "s16":
      return dv.getInt16(0, true);
    case "be16":
      return dv.getUint16(0, false);
    case "u32":
      return dv.getUint32(0, true);
    case "s32":
      return dv.getInt32(0, true);
    case "be32":
      return dv.getUint32(0, false);
    case "u64":
      return dv.getBigUint64(0, true);
    case "s64":
      return dv.getBigInt64(0, true);
    case "be64":
      return dv.getBigUint64(0, false);
    case "uint":
      return b.length === 8 ? dv.getBigUint64(0, true) : BigInt(v.uint(b));
    default: // sint
      return b.length === 8
        ? dv.getBigInt64(0, true)
        : BigInt(b.length === 1 ? dv.getInt8(0) : b.length === 2 ? dv.getInt16(0, true) : dv.getInt32(0, true));
  }
}

function decodeOne(def: AttrDef, a: Attr, base: number, where: string): unknown {
  const b = a.value;
  switch (def.type) {
    case "nest":
      return decodeAttrs(nestedSet(def)!, b, base);
    case "nest-array": {
      const set = nestedSet(def)!;
      const out: unknown[] = [];
      for (const [el, offset] of walk(b, base)) out.push(decodeAttrs(set, el.value, offset + NLA_HDRLEN));
      return out;
    }
    case "string":
      return v.str(b);
    case "flag":
      return true;
    case "ip":
      if (b.length !== 4 && b.length !== 16) throw new ParseError(`an address of ${b.length} bytes`, 0);
      return v.ip(b);
    case "mac":
      return v.mac(b);
    case "bitfield32": {
      if (b.length !== 8) throw new ParseError(`bitfield32 of ${b.length} bytes (expected 8)`, 0);
      return { value: v.u32(b), selector: v.u32(b.subarray(4)) };
    }
    case "binary":
      return def.codec ? def.codec.decode(b) : b.slice();
  }
  if (!(def.type in INT_SIZES)) throw new TypeError(`${where}: unknown attribute type ${JSON.stringify(def.type)}`);
  const n = readInt(def.type, b);
  if (def.flags) return flagNames(def.flags, n);
  if (def.enum) {
    const num = Number(n);
    return Number.isSafeInteger(num) ? enumName(def.enum, num) : n;
  }
  return n;
}

/** Attributes of `bytes` with their offsets, checking every length. */
function* walk(bytes: Uint8Array, base: number): Generator<[Attr, number]> {
  let at = 0;
  const end = bytes.length;
  while (at + NLA_HDRLEN <= end) {
    const len = bytes[at] | (bytes[at + 1] << 8);
    const raw = bytes[at + 2] | (bytes[at + 3] << 8);
    if (len < NLA_HDRLEN) throw new ParseError(`attribute length ${len} is shorter than its header`, base + at);
    if (at + len > end) throw new ParseError(`attribute length ${len} runs past the end (${end - at} left)`, base + at);
    yield [{
      type: raw & NLA_TYPE_MASK,
      nested: (raw & NLA_F_NESTED) !== 0,
      netByteOrder: (raw & NLA_F_NET_BYTEORDER) !== 0,
      value: bytes.subarray(at + NLA_HDRLEN, at + len),
    }, base + at];
    at += align4(len);
  }
}

/**
 * Decodes an attribute list by a set. Every length is checked: malformed
 * bytes (or a value of the wrong size) are a {@link ParseError} naming the
 * attribute; attributes the set does not know are kept raw in
 * `unknownAttrs`. `base` is where `bytes` starts in the message, used only
 * in error offsets.
 *
 * @example
 * ```ts
 * import { defineAttrSet, decodeAttrs } from "@nlts/netlink/genl";
 * const set = defineAttrSet({ name: "s", attributes: { mtu: { id: 4, type: "u32" } } });
 * decodeAttrs(set, new Uint8Array([8, 0, 4, 0, 220, 5, 0, 0])).mtu; // 1500
 * ```
 */
export function decodeAttrs<S extends AttrSet>(set: S, bytes: Uint8Array, base = 0): Decoded<S> {
  const ids = byId(set);
  const out: Record<string, unknown> = {};
  for (const [a, offset] of walk(bytes, base)) {
    const entry = ids.get(a.type);
    if (!entry) {
      ((out.unknownAttrs ??= []) as Attr[]).push({ ...a, value: a.value.slice() });
      continue;
    }
    const [key, def] = entry;
    let value: unknown;
    try {
      value = decodeOne(def, a, offset + NLA_HDRLEN, `${set.name}.${key}`);
    } catch (e) {
      if (e instanceof ParseError && !e.message.startsWith("attribute ")) {
        throw new ParseError(`attribute ${set.name}.${key}: ${e.message.replace(/ \(at byte \d+\)$/, "")}`, offset);
      }
      throw e;
    }
    if (def.multi) ((out[key] ??= []) as unknown[]).push(value);
    else if (!(key in out)) out[key] = value;
  }
  return out as Decoded<S>;
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

const INT_RANGE: Record<string, [bigint, bigint]> = {
  u8: [0n, 0xffn],
  s8: [-0x80n, 0x7fn],
  u16: [0n, 0xffffn],
  s16: [-0x8000n, 0x7fffn],
  be16: [0n, 0xffffn],
  u32: [0n, 0xffffffffn],
  s32: [-0x80000000n, 0x7fffffffn],
  be32: [0n, 0xffffffffn],
  u64: [0n, 0xffffffffffffffffn],
  be64: [0n, 0xffffffffffffffffn],
  uint: [0n, 0xffffffffffffffffn],
  s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
  sint: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

function intBytes(type: string, n: bigint): Uint8Array {
  let size = INT_SIZES[type][0];
  if (type === "uint") size = n > 0xffffffffn ? 8 : 4;
  if (type === "sint") size = n > 0x7fffffffn || n < -0x80000000n ? 8 : 4;
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  const be = type.startsWith("be");
  if (size === 1) b[0] = Number(BigInt.asUintN(8, n));
  else if (size === 2) dv.setUint16(0, Number(BigInt.asUintN(16, n)), !be);
  else if (size === 4) dv.setUint32(0, Number(BigInt.asUintN(32, n)), !be);
  else dv.setBigUint64(0, BigInt.asUintN(64, n), !be);
  return b;
}

function toBigInt(input: unknown, where: string): bigint {
  if (typeof input === "bigint") return input;
  if (typeof input === "number" && Number.isInteger(input)) return BigInt(input);
  throw new TypeError(`${where}: ${String(input)} is not an integer`);
}

function writeOne(w: AttrWriter, def: AttrDef, input: unknown, where: string): void {
  const id = def.id;
  switch (def.type) {
    case "nest": {
      const set = nestedSet(def)!;
      w.nest(id, (inner) => writeAttrs(inner, set, input as Input<AttrSet>, where));
      return;
    }
    case "nest-array": {
      if (!Array.isArray(input)) throw new TypeError(`${where}: a nest-array needs an array`);
      const set = nestedSet(def)!;
      w.nest(id, (inner) => {
        input.forEach((el, i) => inner.nest(i + 1, (x) => writeAttrs(x, set, el as Input<AttrSet>, `${where}[${i}]`)));
      });
      return;
    }
    case "string":
      if (typeof input !== "string") throw new TypeError(`${where}: expected a string`);
      w.str(id, input);
      return;
    case "flag":
      if (input === true) w.flag(id);
      else if (input !== false) throw new TypeError(`${where}: a flag is true or false`);
      return;
    case "ip":
      w.ip(id, input as string);
      return;
    case "mac":
      w.mac(id, input as string);
      return;
    case "bitfield32": {
      const { value, selector } = input as { value: number; selector: number };
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      dv.setUint32(0, value >>> 0, true);
      dv.setUint32(4, selector >>> 0, true);
      w.attr(id, b);
      return;
    }
    case "binary":
      if (input instanceof Uint8Array) w.attr(id, input);
      else if (def.codec?.encode) w.attr(id, def.codec.encode(input));
      else throw new TypeError(`${where}: expected a Uint8Array`);
      return;
  }
  const range = INT_RANGE[def.type];
  if (!range) throw new TypeError(`${where}: unknown attribute type ${JSON.stringify(def.type)}`);
  let n: bigint;
  if (def.flags && typeof input !== "number" && typeof input !== "bigint") n = flagsValue(def.flags, input, where);
  else if (def.enum && typeof input === "string") n = BigInt(enumValue(def.enum, input, where));
  else n = toBigInt(input, where);
  if (n < range[0] || n > range[1]) throw new TypeError(`${where}: ${n} is out of range for ${def.type}`);
  w.attr(id, intBytes(def.type, n));
}

/**
 * Writes the attributes of `value` into a writer (a {@link MessageWriter}
 * after its fixed header, or a nest), in the set's order. Unknown names and
 * values of the wrong type or range are a `TypeError`.
 *
 * @example
 * ```ts
 * import { AttrWriter, defineAttrSet } from "@nlts/netlink";
 * import { writeAttrs } from "./schema.ts";
 * const set = defineAttrSet({ name: "s", attributes: { mtu: { id: 4, type: "u32" } } });
 * const w = new AttrWriter();
 * writeAttrs(w, set, { mtu: 1500 });
 * ```
 */
export function writeAttrs<S extends AttrSet>(w: AttrWriter, set: S, value: Input<S>, where: string = set.name): void {
  const values = value as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (!(key in set.attributes)) {
      throw new TypeError(
        `${where}: unknown attribute ${JSON.stringify(key)} (known: ${Object.keys(set.attributes).join(", ")})`,
      );
    }
  }
  for (const [key, def] of Object.entries(set.attributes)) {
    const input = values[key];
    if (input === undefined) continue;
    const at = `${where}.${key}`;
    if (def.multi) {
      if (!Array.isArray(input)) throw new TypeError(`${at}: a multi-attribute needs an array`);
      input.forEach((one, i) => writeOne(w, def, one, `${at}[${i}]`));
    } else {
      writeOne(w, def, input, at);
    }
  }
}

/**
 * Encodes an attribute list by a set (no netlink or genl header).
 *
 * @example
 * ```ts
 * import { defineAttrSet, encodeAttrs } from "@nlts/netlink/genl";
 * const set = defineAttrSet({ name: "s", attributes: { name: { id: 1, type: "string" } } });
 * encodeAttrs(set, { name: "lo" }).length; // 8
 * ```
 */
export function encodeAttrs<S extends AttrSet>(set: S, value: Input<S>): Uint8Array {
  const w = new AttrWriter();
  writeAttrs(w, set, value);
  return w.bytes().slice();
}

// ---------------------------------------------------------------------------
// Mapping an offset back to an attribute
// ---------------------------------------------------------------------------

/** A path of attribute names through nests (numbers: element of a nest-array, or an attribute the set lacks). */
export type AttrPath = (string | number)[];

/**
 * The path of names to the attribute at byte `offset` of `bytes` (an
 * attribute list encoded by `set`), as the kernel's extended ACK points at
 * it. Undefined when the offset is outside every attribute. Never throws.
 *
 * @example
 * ```ts
 * import { attributePathAt } from "./schema.ts";
 * import { defineAttrSet } from "@nlts/netlink";
 * import { encodeAttrs } from "@nlts/netlink/genl";
 * const hdr = defineAttrSet({ name: "hdr", attributes: { devName: { id: 2, type: "string" } } });
 * const req = defineAttrSet({ name: "req", attributes: { header: { id: 1, type: "nest", nested: hdr } } });
 * attributePathAt(req, encodeAttrs(req, { header: { devName: "x" } }), 4); // ["header", "devName"]
 * ```
 */
export function attributePathAt(set: AttrSet | undefined, bytes: Uint8Array, offset: number): AttrPath | undefined {
  return locate(set, bytes, offset)?.path;
}

/**
 * The path to the attribute at `offset` and, when that attribute is a nest,
 * the set inside it (to name a missing attribute the kernel reports there).
 *
 * @example
 * ```ts
 * import { defineAttrSet } from "@nlts/netlink";
 * import { encodeAttrs } from "@nlts/netlink/genl";
 * import { locate } from "./schema.ts";
 * const hdr = defineAttrSet({ name: "hdr", attributes: { devName: { id: 2, type: "string" } } });
 * const req = defineAttrSet({ name: "req", attributes: { header: { id: 1, type: "nest", nested: hdr } } });
 * locate(req, encodeAttrs(req, { header: {} }), 0)?.inner === hdr; // true
 * ```
 */
export function locate(
  set: AttrSet | undefined,
  bytes: Uint8Array,
  offset: number,
): { path: AttrPath; inner?: AttrSet } | undefined {
  const path: AttrPath = [];
  let at = 0;
  let end = bytes.length;
  let current: AttrSet | undefined = set;
  let arrayOf: AttrSet | undefined;
  for (;;) {
    let found = false;
    while (at + NLA_HDRLEN <= end) {
      const len = bytes[at] | (bytes[at + 1] << 8);
      const type = (bytes[at + 2] | (bytes[at + 3] << 8)) & NLA_TYPE_MASK;
      if (len < NLA_HDRLEN || at + len > end) return path.length ? { path } : undefined;
      if (offset >= at && offset < at + align4(len)) {
        found = true;
        if (arrayOf) {
          path.push(type - 1);
          current = arrayOf;
          arrayOf = undefined;
        } else {
          const entry = current ? byId(current).get(type) : undefined;
          path.push(entry ? entry[0] : type);
          const def = entry?.[1];
          current = def && (def.type === "nest" || def.type === "nest-array") ? nestedSet(def) : undefined;
          if (def?.type === "nest-array") arrayOf = current;
        }
        if (offset < at + NLA_HDRLEN || (!current && !arrayOf)) return { path, inner: arrayOf ? undefined : current };
        end = at + len;
        at += NLA_HDRLEN;
        break;
      }
      at += align4(len);
    }
    if (!found) return path.length ? { path } : undefined;
  }
}

/**
 * The name of attribute `type` in `set`, or the number when the set lacks it.
 *
 * @example
 * ```ts
 * import { attributeName } from "./schema.ts";
 * import { defineAttrSet } from "@nlts/netlink";
 * const set = defineAttrSet({ name: "s", attributes: { pid: { id: 1, type: "u32" } } });
 * attributeName(set, 1); // "pid"
 * ```
 */
export function attributeName(set: AttrSet | undefined, type: number): string | number {
  return (set && byId(set).get(type)?.[0]) ?? type;
}
