/**
 * One declarative schema for the attributes of every netlink family, named
 * after the kernel's YNL model (`Documentation/netlink/specs`): an attribute
 * set says, for each attribute, its number, its type (`u8`…`u64`, `s8`…`s64`,
 * `uint`/`sint`, `string`, `binary`, `flag`, `nest`, `indexed-array`,
 * `nest-type-value`, `sub-message`, `pad`), its `byte-order`, its `enum`
 * names (or `enum-as-flags`), a fixed `struct` layout, and what a repeat
 * means (`duplicate`: `first`, `last` or `multi`).
 *
 * A set compiles once, on first use, into a dense table indexed by attribute
 * number and from it into a decoder function generated for that set (a
 * `case` and a named store per attribute, as fast as a hand-written cursor
 * switch: `bench/schema.ts`); {@link decodeAttrs} runs it (every length
 * checked, no view or object per attribute). {@link writeAttrs} and
 * {@link encodeAttrs} build requests from the same set, through a writer
 * generated per set the same way (integers written as numbers straight
 * into the writer's buffer: a bigint only for a 64-bit field given one), and
 * {@link attributePathName} turns an extended-ACK offset back into the path
 * of attribute names. Attributes a set does not know are kept, never
 * dropped, in one list: `unknown` ({@link Attr}s whose payload is a copy).
 * TypeScript types of decoded objects and of inputs are inferred from a set.
 *
 * @module
 */
import { type Attr, AttrWriter } from "./attrs.ts";
import { copyOfRange } from "./copies.ts";
import { align4, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "./constants.ts";
import { ParseError } from "./errors.ts";
import * as v from "./values.ts";

/** Integer attribute types (`uint`/`sint` are 4 or 8 bytes on the wire; `be*` are big-endian shorthands). */
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

/** Every attribute type the schema knows (`nest-array` is the older name of `indexed-array`). */
export type AttrType =
  | IntType
  | "string"
  | "binary"
  | "flag"
  | "ip"
  | "mac"
  | "bitfield32"
  | "pad"
  | "nest"
  | "indexed-array"
  | "nest-array"
  | "nest-type-value"
  | "sub-message";

/**
 * Names of an enum or of flags: an array (index = value, or bit number for
 * flags; `null` leaves a hole) or an object of name → value (a mask for flags).
 */
export type EnumDef = readonly (string | null)[] | { readonly [name: string]: number };

/** What a repeated attribute means: keep the first, keep the last, or keep all (an array). */
export type DuplicateRule = "first" | "last" | "multi";

/** A custom decoder (and optional encoder) of a binary attribute, a C struct say. */
export interface Codec<T> {
  /**
   * Decodes the payload; must throw {@link ParseError} on bad bytes. An
   * `undefined` leaves the field out, as if the attribute were not there
   * (a codec that reads one part of an attribute the part is missing from).
   */
  decode(bytes: Uint8Array): T;
  /**
   * Decodes `bytes[start, end)` without a view of it (the same as `decode`
   * of the subarray): for codecs of attributes that every message of a
   * large dump carries.
   */
  decodeAt?(bytes: Uint8Array, start: number, end: number): T;
  /** Encodes a value for requests. */
  encode?(value: T): Uint8Array;
  /**
   * Names what lies at `offset` of an encoded payload, for extended-ACK
   * paths through structures no attribute set describes (`[1].RTNH_GATEWAY`).
   */
  pathAt?(bytes: Uint8Array, offset: number): string | undefined;
}

/** One member of a fixed C struct ({@link StructDef}). */
export interface StructMember {
  /** Property name in decoded objects. */
  readonly name: string;
  /** Wire type: an integer, `pad` (skipped), or a fixed-size `binary`, `string`, `ip` or `mac`. */
  readonly type: IntType | "pad" | "binary" | "string" | "ip" | "mac";
  /** Size in bytes, for `pad`, `binary`, `string`, `ip` (4 or 16) and `mac`. */
  readonly len?: number;
  /** `big-endian` for network-order integers. */
  readonly "byte-order"?: "big-endian" | "little-endian";
  /** Integer values named by an enum. */
  readonly enum?: EnumDef;
  /** `number` reads a 64-bit integer as a number (exact up to 2^53) instead of a bigint. */
  readonly as?: "number";
}

/** A fixed C struct: a message's fixed header, or the payload of a `binary` attribute. */
export interface StructDef {
  /** Name (as in the uapi header). */
  readonly name: string;
  /** Members in wire order, with no implicit padding (write `pad` members). */
  readonly members: readonly StructMember[];
  /**
   * The payload is an array the kernel sizes by its own version (devconf
   * values, SNMP counters: one slot per value of an enum that grows at its
   * end): members past the end of a shorter payload are left out of the
   * decoded object instead of making it a {@link ParseError}. (Bytes past
   * the struct are ignored either way, as for every struct.)
   */
  readonly partial?: boolean;
}

/** One attribute of a set. */
export interface AttrDef {
  /** Attribute number (`nla_type`). */
  readonly id: number;
  /** Wire type. */
  readonly type: AttrType;
  /** The uapi name (`IFLA_VXLAN_ID`), for paths; by default the set's `prefix` plus the key in upper snake case. */
  readonly cname?: string;
  /** `big-endian` for network-order integers (as `be16`/`be32`/`be64`). */
  readonly "byte-order"?: "big-endian" | "little-endian";
  /**
   * The attribute carries `NLA_F_NET_BYTEORDER` in its `nla_type` (ipset
   * wants it): its value is big-endian, the flag is set when encoding, and
   * decoding accepts the attribute with or without it.
   */
  readonly netByteOrder?: boolean;
  /** Integer values named by an enum. */
  readonly enum?: EnumDef;
  /** The `enum` names bits: decoded to an array of names. */
  readonly "enum-as-flags"?: boolean;
  /** Integer bits named as flags (the same as `enum` with `enum-as-flags`). */
  readonly flags?: EnumDef;
  /**
   * How a 64-bit integer or a `u8` is given to JavaScript: `number` (exact up
   * to 2^53) instead of a bigint; `boolean` (non-zero) for `u8`/`u32` toggles and
   * for flags that some kernels send with a one-byte payload.
   */
  readonly as?: "number" | "boolean";
  /** What a repeat means; default `first` (as iproute2 reads). */
  readonly duplicate?: DuplicateRule;
  /** May appear several times (the same as `duplicate: "multi"`). */
  readonly multi?: boolean;
  /** YNL spelling of {@link multi}. */
  readonly "multi-attr"?: boolean;
  /** The set inside a `nest`, each element of an `indexed-array`, or each entry of a `nest-type-value`. */
  readonly nested?: AttrSet | (() => AttrSet);
  /** `sub-message`: the sibling attribute whose (string or number) value chooses the format. */
  readonly selector?: string;
  /** `sub-message`: the set of each selector value. */
  readonly formats?: { readonly [value: string]: AttrSet };
  /** Layout of a `binary` payload. */
  readonly struct?: StructDef;
  /**
   * A `binary` payload that is an array of integers of this type (YNL's
   * `sub-type`), host order: decoded to an array (of bigints for `u64`,
   * numbers with `as: "number"`), for arrays whose slots differ from one
   * kernel version to the next (the IPv6 SNMP counters). A length that is
   * not a whole number of them is a {@link ParseError}.
   */
  readonly "sub-type"?: "u8" | "u16" | "u32" | "s32" | "u64";
  /**
   * Exact length of a `mac` (6 for an Ethernet address): a text of any other length is refused before sending. Of an
   * `ip`, 4 or 16: an address of one family only (received, another size is a {@link ParseError} naming the
   * attribute; to send, the other family's text is refused).
   */
  readonly len?: number;
  /** Decoder of a `binary` payload. */
  // deno-lint-ignore no-explicit-any
  readonly codec?: Codec<any>;
  /** Documentation. */
  readonly doc?: string;
}

/** A named set of attributes; keys are the names decoded objects use. */
export interface AttrSet {
  /** Name of the set (used in error messages). */
  readonly name: string;
  /** Prefix of the uapi names (`"IFLA_VXLAN_"`), for extended-ACK paths. */
  readonly prefix?: string;
  /** Attributes by name. */
  readonly attributes: { readonly [name: string]: AttrDef };
  /**
   * A fixed C struct before the attributes (YNL's `fixed-header` of a
   * sub-message format: `tc-fifo-qopt` for pfifo's `TCA_OPTIONS`). Only
   * read as a sub-message format; its members sit beside the attributes.
   */
  readonly "fixed-header"?: StructDef;
  /**
   * What becomes of the attributes the set does not name: `"keep"` (the
   * default, and the rule for every object users get) keeps each in
   * `unknown`; `"skip"` passes over them without a copy or a view, for a
   * read of a few fields out of a large message (a watcher's look at a
   * link's state, on every link event).
   */
  readonly unknown?: "keep" | "skip";
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

/** The decoded value of a struct member. */
export type MemberValue<M> = M extends { enum: infer E } ? EnumNames<E> | number
  : M extends { as: "number" } ? number
  : M extends { type: "u64" | "s64" | "be64" } ? bigint
  : M extends { type: IntType } ? number
  : M extends { type: "string" | "ip" | "mac" } ? string
  : Uint8Array;

/** The decoded value of a struct. */
export type StructValue<S extends StructDef> = S extends { partial: true } ? {
    -readonly [M in S["members"][number] as M extends { type: "pad" } ? never : M["name"]]?: MemberValue<M>;
  }
  : {
    -readonly [M in S["members"][number] as M extends { type: "pad" } ? never : M["name"]]: MemberValue<M>;
  };

/** The decoded value of one occurrence of an attribute. */
export type OneValue<A> = A extends { type: "nest" }
  ? (NestedSet<A> extends infer S extends AttrSet ? Decoded<S> : never)
  : A extends { type: "nest-array" | "indexed-array" }
    ? (NestedSet<A> extends infer S extends AttrSet ? Decoded<S>[] : never)
  : A extends { type: "nest-type-value" }
    ? (NestedSet<A> extends infer S extends AttrSet ? { [type: number]: Decoded<S> } : never)
  : A extends { type: "sub-message"; formats: infer F extends { readonly [v: string]: AttrSet } }
    ? { [K in keyof F]: Decoded<F[K]> }[keyof F] | { unknown?: Attr[] }
  : A extends { codec: Codec<infer T> } ? T
  : A extends { struct: infer S extends StructDef } ? StructValue<S>
  : A extends { "sub-type": "u64"; as: "number" } ? number[]
  : A extends { "sub-type": "u64" } ? bigint[]
  : A extends { "sub-type": string } ? number[]
  : A extends { enum: infer E; "enum-as-flags": true } ? (EnumNames<E> | number)[]
  : A extends { enum: infer E } ? EnumNames<E> | number
  : A extends { flags: infer F } ? (EnumNames<F> | number)[]
  : A extends { as: "boolean" } ? boolean
  : A extends { as: "number" } ? number
  : A extends { type: infer T } ? BaseValue<T>
  : never;

/** Whether an attribute decodes to an array of its occurrences (`multi`, `multi-attr` or `duplicate: "multi"`). */
export type IsMulti<A> = A extends { multi: true } ? true
  : A extends { "multi-attr": true } ? true
  : A extends { duplicate: "multi" } ? true
  : false;

/** The decoded value of one attribute. */
export type AttrValue<A> = IsMulti<A> extends true ? OneValue<A>[] : OneValue<A>;

/**
 * The object {@link decodeAttrs} returns for a set: every attribute
 * optional, plus the attributes the set does not know, kept in `unknown`.
 */
export type Decoded<S extends AttrSet> =
  & { -readonly [K in keyof S["attributes"]]?: AttrValue<S["attributes"][K]> }
  & { unknown?: Attr[] };

/** What a plain attribute type accepts. */
export type BaseInput<T> = T extends "u64" | "s64" | "uint" | "sint" | "be64" ? bigint | number
  : T extends IntType ? number
  : T extends "string" | "ip" | "mac" ? string
  : T extends "flag" ? boolean
  : T extends "bitfield32" ? { value: number; selector: number }
  : Uint8Array;

/** What one occurrence of an attribute accepts. */
export type OneInput<A> = A extends { type: "nest" } ? (NestedSet<A> extends infer S extends AttrSet ? Input<S> : never)
  : A extends { type: "nest-array" | "indexed-array" }
    ? (NestedSet<A> extends infer S extends AttrSet ? readonly Input<S>[] : never)
  : A extends { type: "nest-type-value" }
    ? (NestedSet<A> extends infer S extends AttrSet ? { readonly [type: number]: Input<S> } : never)
  : A extends { type: "sub-message"; formats: infer F extends { readonly [v: string]: AttrSet } }
    ? { [K in keyof F]: Input<F[K]> }[keyof F]
  : A extends { codec: Codec<infer T> } ? T | Uint8Array
  : A extends { struct: infer S extends StructDef } ? Partial<StructValue<S>> | Uint8Array
  : A extends { "sub-type": string } ? readonly (number | bigint)[] | Uint8Array
  : A extends { enum: infer E; "enum-as-flags": true } ? readonly (EnumNames<E> | number)[] | number | bigint
  : A extends { enum: infer E } ? EnumNames<E> | number
  : A extends { flags: infer F } ? readonly (EnumNames<F> | number)[] | number | bigint
  : A extends { as: "boolean" } ? boolean
  : A extends { type: infer T } ? BaseInput<T>
  : never;

/** What {@link encodeAttrs} accepts for one attribute. */
export type AttrInput<A> = IsMulti<A> extends true ? readonly OneInput<A>[] : OneInput<A>;

/** What {@link encodeAttrs} accepts for a set: any attributes, by name. */
export type Input<S extends AttrSet> = string extends keyof S["attributes"]
  // A set known only as AttrSet (a sub-message's formats): any attributes.
  ? { [name: string]: unknown }
  : { -readonly [K in keyof S["attributes"]]?: AttrInput<S["attributes"][K]> };

// ---------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------

/**
 * Declares an attribute set; the literal types are kept so decoded objects
 * are typed by it.
 *
 * @example
 * ```ts
 * import { decodeAttrs, defineAttrSet, encodeAttrs } from "@nlts/netlink/wire";
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

/**
 * Declares a fixed C struct (a message header, or a `binary` attribute's
 * layout); see {@link decodeStruct} and {@link encodeStruct}.
 *
 * @example
 * ```ts
 * import { defineStruct, structSize } from "@nlts/netlink/wire";
 * const ndmsg = defineStruct({
 *   name: "ndmsg",
 *   members: [
 *     { name: "family", type: "u8" }, { name: "pad", type: "pad", len: 3 },
 *     { name: "ifindex", type: "s32" }, { name: "state", type: "u16" },
 *     { name: "flags", type: "u8" }, { name: "type", type: "u8" },
 *   ],
 * });
 * structSize(ndmsg); // 12
 * ```
 */
export function defineStruct<const S extends StructDef>(struct: S): S {
  for (const m of struct.members) memberSize(struct, m);
  return struct;
}

function validate(set: AttrSet): void {
  if (set.unknown !== undefined && set.unknown !== "keep" && set.unknown !== "skip") {
    throw new TypeError(`set ${set.name}: unknown must be "keep" or "skip", not ${JSON.stringify(set.unknown)}`);
  }
  for (const [key, def] of Object.entries(set.attributes)) {
    const where = `attribute ${set.name}.${key}`;
    if (key === "unknown" || key === "__proto__" || key === "constructor") {
      throw new TypeError(`${where}: "${key}" is reserved (unknown attributes are kept under "unknown")`);
    }
    if (!Number.isInteger(def.id) || def.id < 0 || def.id > NLA_TYPE_MASK) {
      throw new TypeError(`${where}: id ${def.id} is not a valid attribute number`);
    }
    const t = def.type;
    if ((t === "nest" || t === "nest-array" || t === "indexed-array" || t === "nest-type-value") && !def.nested) {
      throw new TypeError(`${where}: a ${t} needs a nested set`);
    }
    if (t === "sub-message" && (def.selector === undefined || def.formats === undefined)) {
      throw new TypeError(`${where}: a sub-message needs a selector and formats`);
    }
    if (!(t in OP_OF_TYPE)) throw new TypeError(`${where}: unknown attribute type ${JSON.stringify(t)}`);
    const sub = def["sub-type"];
    if (sub !== undefined && (t !== "binary" || def.codec || def.struct || !(sub in ARRAY_ELEMENT))) {
      throw new TypeError(`${where}: sub-type ${JSON.stringify(sub)} is for a binary without codec or struct`);
    }
    if (t === "ip" && def.len !== undefined && def.len !== 4 && def.len !== 16) {
      throw new TypeError(`${where}: an ip's len is 4 or 16, not ${def.len}`);
    }
    if (def.netByteOrder && !NET_BYTEORDER_TYPES.has(t)) {
      throw new TypeError(`${where}: NLA_F_NET_BYTEORDER is for integers, addresses and binary values, not a ${t}`);
    }
  }
}

/** The set nested in `def` (resolving a thunk). */
export function nestedSet(def: AttrDef): AttrSet | undefined {
  const n = def.nested;
  return typeof n === "function" ? n() : n;
}

function ruleOf(def: AttrDef): DuplicateRule {
  if (def.multi || def["multi-attr"]) return "multi";
  return def.duplicate ?? "first";
}

/** The types an attribute with `netByteOrder` may have (a value in network order, not a nest or a text). */
const NET_BYTEORDER_TYPES: ReadonlySet<string> = new Set([
  "u8",
  "u16",
  "u32",
  "u64",
  "s8",
  "s16",
  "s32",
  "s64",
  "uint",
  "sint",
  "be16",
  "be32",
  "be64",
  "ip",
  "binary",
]);

function bigEndian(def: { type: string; "byte-order"?: string; netByteOrder?: boolean }): boolean {
  return def.type.startsWith("be") || def["byte-order"] === "big-endian" || def.netByteOrder === true;
}

/** The flag names of an attribute: `flags`, or `enum` with `enum-as-flags`. */
function flagsOf(def: AttrDef): EnumDef | undefined {
  return def.flags ?? (def["enum-as-flags"] ? def.enum : undefined);
}

// ---------------------------------------------------------------------------
// Enums and flags
// ---------------------------------------------------------------------------

interface EnumTables {
  toName: Map<number, string>;
  toValue: Map<string, number>;
  /** Names by value for small dense enums (the fast path of decoding). */
  dense: (string | undefined)[];
}
const enumCache = new WeakMap<object, EnumTables>();

function enumTables(e: EnumDef, flags: boolean): EnumTables {
  let t = enumCache.get(e);
  if (!t) {
    const made: EnumTables = { toName: new Map(), toValue: new Map(), dense: [] };
    if (Array.isArray(e)) {
      (e as readonly (string | null)[]).forEach((name, i) => {
        if (name === null) return;
        const value = flags ? 2 ** i : i;
        if (!made.toName.has(value)) made.toName.set(value, name);
        made.toValue.set(name, value);
      });
    } else {
      for (const [name, value] of Object.entries(e as Record<string, number>)) {
        // The first name of a value is its name; later ones are aliases.
        if (!made.toName.has(value)) made.toName.set(value, name);
        made.toValue.set(name, value);
      }
    }
    if (!flags) { for (const [value, name] of made.toName) if (value >= 0 && value < 256) made.dense[value] = name; }
    enumCache.set(e, made);
    t = made;
  }
  return t;
}

/**
 * The name of `value` in an enum, or the number when the enum has none.
 *
 * @example
 * ```ts
 * import { enumName } from "@nlts/netlink/wire";
 * enumName(["unspec", "tcp"], 1); // "tcp"
 * ```
 */
export function enumName(e: EnumDef, value: number): string | number {
  const t = enumTables(e, false);
  return (value >= 0 && value < 256 ? t.dense[value] : t.toName.get(value)) ?? value;
}

/**
 * The names of the bits set in `value` (bits without a name stay numbers:
 * their mask).
 *
 * @example
 * ```ts
 * import { flagNames } from "@nlts/netlink/wire";
 * flagNames(["a", "b", "c"], 5); // ["a", "c"]
 * ```
 */
export function flagNames(f: EnumDef, value: number | bigint): (string | number)[] {
  const names = enumTables(f, true).toName;
  const out: (string | number)[] = [];
  if (typeof value === "number" && value >= 0 && value <= 0xffffffff) {
    for (let bit = 0; bit < 32; bit++) {
      const m = 2 ** bit;
      if (value & m || (bit === 31 && value >= 0x80000000)) out.push(names.get(m) ?? m);
    }
    return out;
  }
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
// Fixed structs
// ---------------------------------------------------------------------------

const INT_SIZE: Record<string, number> = {
  u8: 1,
  s8: 1,
  u16: 2,
  s16: 2,
  be16: 2,
  u32: 4,
  s32: 4,
  be32: 4,
  u64: 8,
  s64: 8,
  be64: 8,
};

function memberSize(s: StructDef, m: StructMember): number {
  const int = INT_SIZE[m.type];
  if (int !== undefined) return int;
  if (m.type === "ip" && m.len !== 4 && m.len !== 16) {
    throw new TypeError(`${s.name}.${m.name}: an ip is 4 or 16 bytes`);
  }
  if (m.len === undefined || !Number.isInteger(m.len) || m.len < 0) {
    throw new TypeError(`${s.name}.${m.name}: a ${m.type} member needs a len`);
  }
  return m.len;
}

/**
 * The size of a struct in bytes.
 *
 * @example
 * ```ts
 * import { defineStruct, structSize } from "@nlts/netlink/wire";
 * structSize(defineStruct({ name: "rtgenmsg", members: [{ name: "family", type: "u8" }] })); // 1
 * ```
 */
export function structSize(s: StructDef): number {
  let n = 0;
  for (const m of s.members) n += memberSize(s, m);
  return n;
}

/**
 * Decodes a struct at `at` of `bytes` (bytes past its size are ignored, as
 * the kernel grows structs at their end). Too few bytes is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeStruct, defineStruct } from "@nlts/netlink/wire";
 * const s = defineStruct({ name: "range", members: [{ name: "low", type: "be16" }, { name: "high", type: "be16" }] });
 * decodeStruct(s, new Uint8Array([0, 1, 0, 2])); // { low: 1, high: 2 }
 * ```
 */
export function decodeStruct<S extends StructDef>(s: S, bytes: Uint8Array, at = 0): StructValue<S> {
  return structReaderOf(s)(bytes, at, bytes.length) as StructValue<S>;
}

/** Reads a struct from `b[at, end)` (bytes past its size ignored); too few bytes is a {@link ParseError}. */
type StructReader = (b: Uint8Array, at: number, end: number) => Record<string, unknown>;
const structReaders = new WeakMap<StructDef, StructReader>();

/**
 * The reader of a struct, built once: source generated with `new Function`
 * (each member read inline at its fixed offset, as a hand-written reader
 * would), or the member walk where code generation is refused.
 */
function structReaderOf(s: StructDef): StructReader {
  let reader = structReaders.get(s);
  if (reader) return reader;
  const size = structSize(s);
  reader = (canGenerate && decoderKind === "function" ? generateStructReader(s, size) : undefined) ??
    ((b, at, end) => {
      if (end - at < size && !s.partial) throw new ParseError(`${s.name} needs ${size} bytes, has ${end - at}`, at);
      return walkStruct(s, b, at, end);
    });
  structReaders.set(s, reader);
  return reader;
}

/** Inline source reading an integer member at `b[o]`, or undefined for the general reader. */
function inlineMember(m: StructMember, o: string): string | undefined {
  const be = bigEndian(m);
  const at = (k: number) => `b[${o} + ${k}]`;
  switch (m.type) {
    case "u8":
      return at(0);
    case "s8":
      return `((${at(0)} << 24) >> 24)`;
    case "u16":
    case "be16":
      return be ? `((${at(0)} << 8) | ${at(1)})` : `(${at(0)} | (${at(1)} << 8))`;
    case "s16":
      return be ? `((((${at(0)} << 8) | ${at(1)}) << 16) >> 16)` : `(((${at(0)} | (${at(1)} << 8)) << 16) >> 16)`;
    case "u32":
    case "be32":
    case "s32": {
      const v = be
        ? `((${at(0)} << 24) | (${at(1)} << 16) | (${at(2)} << 8) | ${at(3)})`
        : `(${at(0)} | (${at(1)} << 8) | (${at(2)} << 16) | (${at(3)} << 24))`;
      return m.type === "s32" ? v : `(${v} >>> 0)`;
    }
    case "u64":
      return m.as === "number" && !be ? `H.u64nAt(b, ${o})` : undefined;
  }
  return undefined;
}

/**
 * Source reading an integer member at `dv`'s offset `o` through a `DataView`
 * (one load, where the byte reads take two to eight), or undefined.
 */
function viewMember(m: StructMember, o: string): string | undefined {
  const le = !bigEndian(m);
  switch (m.type) {
    case "u8":
      return `dv.getUint8(${o})`;
    case "s8":
      return `dv.getInt8(${o})`;
    case "u16":
    case "be16":
      return `dv.getUint16(${o}, ${le})`;
    case "s16":
      return `dv.getInt16(${o}, ${le})`;
    case "u32":
    case "be32":
      return `dv.getUint32(${o}, ${le})`;
    case "s32":
      return `dv.getInt32(${o}, ${le})`;
    case "u64":
      // As a number: a counter that fits 32 bits stays a small integer (no boxed double).
      return m.as === "number" && le
        ? `((h = dv.getUint32(${o} + 4, true)) === 0 ? dv.getUint32(${o}, true) : dv.getUint32(${o}, true) + h * 4294967296)`
        : undefined;
  }
  return undefined;
}

/** Structs of at least this many integer members are read through a `DataView` (devconf arrays, SNMP counters). */
const VIEW_MEMBERS = 8;

function generateStructReader(s: StructDef, size: number): StructReader | undefined {
  const fields: string[] = [];
  let offset = 0;
  const viewed = s.members.filter((m) => viewMember(m, "0") !== undefined).length >= VIEW_MEMBERS;
  s.members.forEach((m, i) => {
    const n = memberSize(s, m);
    if (m.type !== "pad") {
      const o = `at + ${offset}`;
      const direct = viewed ? viewMember(m, `o + ${offset}`) : inlineMember(m, o);
      let value = direct ?? `H.member(S, ${i}, b, ${o}, ${n})`;
      if (m.enum && direct !== undefined) value = `H.enumName(S.members[${i}].enum, ${value})`;
      fields.push(`${JSON.stringify(m.name)}: ${value}`);
    }
    offset += n;
  });
  // A partial struct shorter than its size (an older kernel's array) takes the member walk, which stops at its end.
  const short = s.partial ? `return H.walk(S, b, at, end);` : `H.short(S, ${size}, end - at, at);`;
  const source = `"use strict";
return function read(b, at, end) {
  if (end - at < ${size}) ${short}${viewed ? "\n  const dv = H.view(b), o = b.byteOffset + at;\n  let h;" : ""}
  return { ${fields.join(", ")} };
};`;
  try {
    return new Function("S", "H", source)(s, STRUCT_HELPERS) as StructReader;
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    canGenerate = false;
    return undefined;
  }
}

/** Reads member `i` of `s` (of `n` bytes at `b[at]`) the general way. */
function readMember(s: StructDef, i: number, b: Uint8Array, at: number, n: number): unknown {
  const m = s.members[i];
  if (m.type in INT_SIZE) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const value = readIntAt(m.type, bigEndian(m), dv, at, n, m.as === "number");
    return m.enum ? enumName(m.enum, value as number) : value;
  }
  if (m.type === "string") return v.strAt(b, at, at + n);
  if (m.type === "ip") return n === 4 ? v.ipv4At(b, at) : v.ip(b.subarray(at, at + n));
  if (m.type === "mac") return v.macAt(b, at, at + n);
  return b.slice(at, at + n);
}

/**
 * The `DataView` of the buffer read last: a dump's messages come from a few
 * pooled buffers. The array it was asked for last is remembered too, and
 * `b.buffer` read only when `b` is another array: a dump decodes a
 * datagram's messages in place, all in the same array, and in
 * JavaScriptCore `.buffer` is a getter call (some 10 % of decoding a link
 * in Bun, read five times a link).
 */
let viewedArray: Uint8Array | undefined;
let viewedBuffer: ArrayBufferLike | undefined;
let bufferView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

const STRUCT_HELPERS = {
  view(b: Uint8Array): DataView<ArrayBufferLike> {
    if (b !== viewedArray) {
      viewedArray = b;
      if (b.buffer !== viewedBuffer) {
        viewedBuffer = b.buffer;
        bufferView = new DataView(viewedBuffer);
      }
    }
    return bufferView;
  },
  member: readMember,
  walk: walkStruct,
  u64nAt: v.u64nAt,
  enumName,
  short(s: StructDef, size: number, has: number, at: number): never {
    throw new ParseError(`${s.name} needs ${size} bytes, has ${has}`, at);
  },
};

/**
 * The member walk (where code generation is refused, and for a partial
 * struct shorter than its size: members up to `end`).
 */
function walkStruct(s: StructDef, bytes: Uint8Array, at: number, end: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < s.members.length; i++) {
    const m = s.members[i];
    const n = memberSize(s, m);
    if (end - at < n) break; // only a partial struct gets here short
    if (m.type !== "pad") out[m.name] = readMember(s, i, bytes, at, n);
    at += n;
  }
  return out;
}

/**
 * Encodes a struct; members left out are zero.
 *
 * @example
 * ```ts
 * import { defineStruct, encodeStruct } from "@nlts/netlink/wire";
 * const s = defineStruct({ name: "range", members: [{ name: "low", type: "be16" }, { name: "high", type: "be16" }] });
 * encodeStruct(s, { low: 1, high: 2 }); // Uint8Array [0, 1, 0, 2]
 * ```
 */
export function encodeStruct<S extends StructDef>(s: S, value: Partial<StructValue<S>>): Uint8Array {
  const out = new Uint8Array(structSize(s));
  const dv = new DataView(out.buffer);
  const values = value as Record<string, unknown>;
  let at = 0;
  for (const m of s.members) {
    const n = memberSize(s, m);
    const input = values[m.name];
    if (m.type !== "pad" && input !== undefined) {
      const where = `${s.name}.${m.name}`;
      if (m.type in INT_SIZE) {
        const num = m.enum && typeof input === "string" ? enumValue(m.enum, input, where) : toInteger(input, where);
        writeIntAt(dv, at, n, bigEndian(m), checkRange(m.type, num, where));
      } else if (m.type === "string") {
        const b = v.cstr(input as string);
        if (b.length > n) throw new TypeError(`${where}: ${JSON.stringify(input)} does not fit in ${n} bytes`);
        out.set(b, at);
      } else {
        const b = m.type === "ip" ? v.parseIP(input as string) : m.type === "mac" ? v.parseMac(input as string) : input;
        if (!(b instanceof Uint8Array) || b.length !== n) throw new TypeError(`${where}: expected ${n} bytes`);
        out.set(b, at);
      }
    }
    at += n;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

function readIntAt(type: string, be: boolean, dv: DataView, at: number, n: number, asNumber: boolean): number | bigint {
  const signed = type[0] === "s";
  switch (n) {
    case 1:
      return signed ? dv.getInt8(at) : dv.getUint8(at);
    case 2:
      return signed ? dv.getInt16(at, !be) : dv.getUint16(at, !be);
    case 4:
      return signed ? dv.getInt32(at, !be) : dv.getUint32(at, !be);
  }
  const big = signed ? dv.getBigInt64(at, !be) : dv.getBigUint64(at, !be);
  return asNumber ? Number(big) : big;
}

/**
 * Writes integer `num` (a number or a bigint in range) as `n` bytes at `at`,
 * two's complement, host order or big-endian. A number never becomes a bigint.
 */
function writeIntAt(dv: DataView, at: number, n: number, be: boolean, num: number | bigint): void {
  if (typeof num === "bigint") {
    if (n === 8) return dv.setBigUint64(at, BigInt.asUintN(64, num), !be);
    num = Number(num); // in range: exact
  }
  if (n === 1) dv.setUint8(at, num);
  else if (n === 2) dv.setUint16(at, num, !be);
  else if (n === 4) dv.setUint32(at, num >>> 0, !be);
  else {
    // The high word by division: exact for every integer a number holds.
    const high = Math.floor(num / 0x100000000) >>> 0, low = num >>> 0;
    dv.setUint32(be ? at : at + 4, high, !be);
    dv.setUint32(be ? at + 4 : at, low, !be);
  }
}

/**
 * The lowest value of each integer type and one past its highest, as
 * numbers: every bound is exact in a double, and `<`/`>=` compare a number
 * or a bigint with them exactly, so one check serves both.
 */
const INT_BOUNDS: Record<string, readonly [number, number]> = {
  u8: [0, 2 ** 8],
  s8: [-(2 ** 7), 2 ** 7],
  u16: [0, 2 ** 16],
  s16: [-(2 ** 15), 2 ** 15],
  be16: [0, 2 ** 16],
  u32: [0, 2 ** 32],
  s32: [-(2 ** 31), 2 ** 31],
  be32: [0, 2 ** 32],
  u64: [0, 2 ** 64],
  be64: [0, 2 ** 64],
  uint: [0, 2 ** 64],
  s64: [-(2 ** 63), 2 ** 63],
  sint: [-(2 ** 63), 2 ** 63],
};

/** `num` when it lies in the range of `type`, else a TypeError. */
function checkRange(type: string, num: number | bigint, where: string): number | bigint {
  const [low, high] = INT_BOUNDS[type];
  if (!(num >= low && num < high)) throw new TypeError(`${where}: ${BigInt(num)} is out of range for ${type}`);
  return num;
}

/** `input` when it is an integer (a number or a bigint), else a TypeError. */
function toInteger(input: unknown, where: string): number | bigint {
  if (typeof input === "bigint" || (typeof input === "number" && Number.isInteger(input))) return input;
  throw new TypeError(`${where}: ${String(input)} is not an integer`);
}

// ---------------------------------------------------------------------------
// The compiled reader: one dense table per set
// ---------------------------------------------------------------------------

// Readers, one small integer per (type, byte order, representation).
const OP_U8 = 1,
  OP_U16 = 2,
  OP_U32 = 3,
  OP_S8 = 4,
  OP_S16 = 5,
  OP_S32 = 6,
  OP_BE16 = 7,
  OP_BE32 = 8,
  OP_U64 = 9,
  OP_S64 = 10,
  OP_BE64 = 11,
  OP_U64N = 12,
  OP_UINT = 13,
  OP_UINTN = 14,
  OP_SINT = 15,
  OP_STRING = 16,
  OP_BINARY = 17,
  OP_FLAG = 18,
  OP_FLAGBOOL = 19,
  OP_IP = 20,
  OP_MAC = 21,
  OP_BITFIELD = 22,
  OP_NEST = 23,
  OP_ARRAY = 24,
  OP_TYPEVALUE = 25,
  OP_SUBMSG = 26,
  OP_CODEC = 27,
  OP_STRUCT = 28,
  OP_PAD = 29,
  OP_S64N = 30,
  OP_BE64N = 31,
  OP_SINTN = 32,
  OP_S16BE = 33,
  OP_S32BE = 34,
  OP_S64BE = 35,
  OP_S64BEN = 36,
  OP_INTS = 37;

/** The base reader of each type; byte order and `as` refine it in {@link opOf}. */
const OP_OF_TYPE: Record<AttrType, number> = {
  u8: OP_U8,
  u16: OP_U16,
  u32: OP_U32,
  u64: OP_U64,
  s8: OP_S8,
  s16: OP_S16,
  s32: OP_S32,
  s64: OP_S64,
  uint: OP_UINT,
  sint: OP_SINT,
  be16: OP_BE16,
  be32: OP_BE32,
  be64: OP_BE64,
  string: OP_STRING,
  binary: OP_BINARY,
  flag: OP_FLAG,
  ip: OP_IP,
  mac: OP_MAC,
  bitfield32: OP_BITFIELD,
  pad: OP_PAD,
  nest: OP_NEST,
  "indexed-array": OP_ARRAY,
  "nest-array": OP_ARRAY,
  "nest-type-value": OP_TYPEVALUE,
  "sub-message": OP_SUBMSG,
};

function opOf(def: AttrDef): number {
  const be = bigEndian(def);
  const num = def.as === "number";
  switch (def.type) {
    case "u16":
      return be ? OP_BE16 : OP_U16;
    case "u32":
      return be ? OP_BE32 : OP_U32;
    case "u64":
      return be ? (num ? OP_BE64N : OP_BE64) : num ? OP_U64N : OP_U64;
    case "be64":
      return num ? OP_BE64N : OP_BE64;
    case "s16":
      return be ? OP_S16BE : OP_S16;
    case "s32":
      return be ? OP_S32BE : OP_S32;
    case "s64":
      return be ? (num ? OP_S64BEN : OP_S64BE) : num ? OP_S64N : OP_S64;
    case "uint":
      return num ? OP_UINTN : OP_UINT;
    case "sint":
      return num ? OP_SINTN : OP_SINT;
    case "flag":
      return def.as === "boolean" ? OP_FLAGBOOL : OP_FLAG;
    case "binary":
      return def.codec ? OP_CODEC : def.struct ? OP_STRUCT : def["sub-type"] ? OP_INTS : OP_BINARY;
  }
  return OP_OF_TYPE[def.type];
}

/** Expected payload size of fixed readers (0: any). */
const OP_SIZE: number[] = [];
for (const op of [OP_U8, OP_S8]) OP_SIZE[op] = 1;
for (const op of [OP_U16, OP_S16, OP_BE16, OP_S16BE]) OP_SIZE[op] = 2;
for (const op of [OP_U32, OP_S32, OP_BE32, OP_S32BE]) OP_SIZE[op] = 4;
for (const op of [OP_U64, OP_S64, OP_BE64, OP_U64N, OP_S64N, OP_BE64N, OP_S64BE, OP_S64BEN, OP_BITFIELD]) {
  OP_SIZE[op] = 8;
}

/** What is done with an integer after reading it. */
const POST_NONE = 0, POST_ENUM = 1, POST_FLAGS = 2, POST_BOOL = 3;
/** Duplicate rules as numbers. */
const RULE_FIRST = 0, RULE_LAST = 1, RULE_MULTI = 2;

/** A set compiled for decoding: dense by attribute number. */
interface Plan {
  readonly set: AttrSet;
  /** Slot of each attribute number, -1 when the set does not know it. */
  readonly slot: Int16Array;
  readonly keys: string[];
  readonly ops: Uint8Array;
  readonly sizes: Uint8Array;
  readonly posts: Uint8Array;
  readonly rules: Uint8Array;
  readonly defs: AttrDef[];
  /** Compiled nested set (nest, array, type-value), resolved lazily for recursive sets. */
  readonly inner: (Plan | undefined)[];
  /** Slots of sub-messages, decoded once the walk has seen their selector. */
  readonly subs: number[];
  /** Fully-qualified names (`set.key`) for error messages. */
  readonly where: string[];
  /** The generated decoder, once built. */
  generated?: Generated;
}

const plans = new WeakMap<AttrSet, Plan>();
/**
 * The two sets decoded last and their plans: a dump decodes one set (or a
 * message's set and one nested in it, as links and their `IFLA_LINKINFO`)
 * over and over, without a WeakMap lookup each.
 */
let lastSet: AttrSet | undefined;
let lastPlan: Plan | undefined;
let otherSet: AttrSet | undefined;
let otherPlan: Plan | undefined;

/** The compiled plan of a set, built once. */
function planOf(set: AttrSet): Plan {
  if (set === lastSet) return lastPlan!;
  if (set === otherSet) {
    const plan = otherPlan!;
    otherSet = lastSet;
    otherPlan = lastPlan;
    lastSet = set;
    lastPlan = plan;
    return plan;
  }
  let plan = plans.get(set);
  if (plan) {
    otherSet = lastSet;
    otherPlan = lastPlan;
    lastSet = set;
    lastPlan = plan;
    return plan;
  }
  validate(set);
  const entries = Object.entries(set.attributes);
  let max = 0;
  for (const [, def] of entries) if (def.id > max) max = def.id;
  const slot = new Int16Array(max + 1).fill(-1);
  const n = entries.length;
  plan = {
    set,
    slot,
    keys: [],
    ops: new Uint8Array(n),
    sizes: new Uint8Array(n),
    posts: new Uint8Array(n),
    rules: new Uint8Array(n),
    defs: [],
    inner: [],
    subs: [],
    where: [],
  };
  entries.forEach(([key, def], i) => {
    if (slot[def.id] < 0) slot[def.id] = i; // the first definition of a number wins
    plan!.keys.push(key);
    plan!.defs.push(def);
    plan!.where.push(`${set.name}.${key}`);
    plan!.inner.push(undefined);
    const op = opOf(def);
    plan!.ops[i] = op;
    plan!.sizes[i] = op === OP_IP && def.len !== undefined ? def.len : OP_SIZE[op] ?? 0;
    const rule = ruleOf(def);
    // Padding is skipped whatever its rule: the first-rule path never reads it.
    plan!.rules[i] = op === OP_PAD
      ? RULE_FIRST
      : rule === "multi"
      ? RULE_MULTI
      : rule === "last"
      ? RULE_LAST
      : RULE_FIRST;
    plan!.posts[i] = flagsOf(def) ? POST_FLAGS : def.enum ? POST_ENUM : def.as === "boolean" ? POST_BOOL : POST_NONE;
    if (op === OP_SUBMSG) plan!.subs.push(i);
  });
  plans.set(set, plan);
  return plan;
}

function innerPlan(plan: Plan, i: number): Plan {
  let p = plan.inner[i];
  if (!p) {
    p = planOf(nestedSet(plan.defs[i])!);
    plan.inner[i] = p;
  }
  return p;
}

function sizeError(plan: Plan, i: number, len: number, expected: string, at: number): ParseError {
  const type = plan.defs[i].type;
  return new ParseError(`attribute ${plan.where[i]}: ${type} of ${len} bytes (expected ${expected})`, at);
}

/** A codec's error, named after the attribute it was reading (`at`: offset of its payload in the message). */
function codecError(plan: Plan, i: number, err: unknown, at: number): unknown {
  if (err instanceof ParseError && !err.message.startsWith("attribute ")) {
    return new ParseError(
      `attribute ${plan.where[i]}: ${err.message.replace(/ \(at byte \d+\)$/, "")}`,
      at - NLA_HDRLEN,
    );
  }
  return err;
}

/** The 32-bit words of the buffer read last (host order, as netlink's integers are), and the array asked for last. */
let wordsArray: Uint8Array | undefined;
let wordsBuffer: ArrayBufferLike | undefined;
let bufferWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * The buffer of `b` as 32-bit words, made once per buffer: a dump's
 * datagrams come from a few pooled buffers (`.buffer` read only when `b` is
 * another array, as for {@link STRUCT_HELPERS}' `view`).
 */
function words(b: Uint8Array): Uint32Array {
  if (b !== wordsArray) {
    wordsArray = b;
    if (b.buffer !== wordsBuffer) {
      wordsBuffer = b.buffer;
      bufferWords = new Uint32Array(wordsBuffer, 0, wordsBuffer.byteLength >> 2);
    }
  }
  return bufferWords;
}

/** Element sizes of `sub-type` arrays. */
const ARRAY_ELEMENT: Record<string, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8 };

/**
 * A `sub-type: u64` array `as: "number"` in `b[s, e)` (counters: a link's
 * IPv6 and ICMPv6 statistics), chosen for such an attribute when its
 * decoder is generated: the element size known, `n` an integer from a shift.
 */
function countersAt(def: AttrDef, b: Uint8Array, s: number, e: number): (number | bigint)[] {
  const at = b.byteOffset + s;
  if (((e - s) & 7) !== 0 || (at & 3) !== 0) return intsAt(def, b, s, e);
  return countersFromWords(words(b), at >> 2, (e - s) >> 3);
}

/** `n` host-order u64 counters as numbers, from 32-bit words `w[first…]`, two a counter. */
function countersFromWords(w: Uint32Array, first: number, n: number): number[] {
  const out: number[] = new Array(n);
  for (let k = 0, i = first; k < n; k++, i += 2) {
    const hi = w[i + 1];
    // A counter that fits 32 bits stays a small integer (no boxed double).
    out[k] = hi === 0 ? w[i] : w[i] + hi * 0x100000000;
  }
  return out;
}

/** A `sub-type` array in `b[s, e)`, read through the buffer's `DataView` (one load an element). */
function intsAt(def: AttrDef, b: Uint8Array, s: number, e: number): (number | bigint)[] {
  const sub = def["sub-type"]!;
  const size = ARRAY_ELEMENT[sub];
  if ((e - s) % size !== 0) throw new ParseError(`${e - s} bytes is not a whole number of ${sub}`, 0);
  const n = (e - s) / size, at = b.byteOffset + s;
  if (sub === "u64" && def.as === "number" && (at & 3) === 0) {
    // Counters (the usual case, and a long array): 32-bit words of the buffer, two a counter.
    return countersFromWords(words(b), at >> 2, n);
  }
  const dv = STRUCT_HELPERS.view(b);
  // Sized once (no regrowing on push): every slot is written below.
  const out: (number | bigint)[] = new Array(n);
  switch (sub) {
    case "u8":
      for (let k = 0; k < n; k++) out[k] = dv.getUint8(at + k);
      break;
    case "u16":
      for (let k = 0; k < n; k++) out[k] = dv.getUint16(at + 2 * k, true);
      break;
    case "u32":
      for (let k = 0; k < n; k++) out[k] = dv.getUint32(at + 4 * k, true);
      break;
    case "s32":
      for (let k = 0; k < n; k++) out[k] = dv.getInt32(at + 4 * k, true);
      break;
    default:
      if (def.as === "number") {
        for (let k = 0; k < n; k++) {
          // A counter that fits 32 bits stays a small integer (no boxed double).
          const hi = dv.getUint32(at + 8 * k + 4, true), lo = dv.getUint32(at + 8 * k, true);
          out[k] = hi === 0 ? lo : lo + hi * 0x100000000;
        }
      } else {
        for (let k = 0; k < n; k++) out[k] = dv.getBigUint64(at + 8 * k, true);
      }
  }
  return out;
}

/** Reads the value of slot `i` from `b[s, e)`; `at` is the offset of the payload in the message (errors). */
function readValue(plan: Plan, i: number, b: Uint8Array, s: number, e: number, at: number): unknown {
  const len = e - s;
  const size = plan.sizes[i];
  if (size !== 0 && len !== size) throw sizeError(plan, i, len, String(size), at - NLA_HDRLEN);
  let value: unknown;
  switch (plan.ops[i]) {
    case OP_U8:
      value = b[s];
      break;
    case OP_U16:
      value = b[s] | (b[s + 1] << 8);
      break;
    case OP_U32:
      value = (b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24)) >>> 0;
      break;
    case OP_S8:
      value = (b[s] << 24) >> 24;
      break;
    case OP_S16:
      value = ((b[s] | (b[s + 1] << 8)) << 16) >> 16;
      break;
    case OP_S32:
      value = b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24);
      break;
    case OP_BE16:
      value = (b[s] << 8) | b[s + 1];
      break;
    case OP_BE32:
      value = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
      break;
    case OP_S16BE:
      value = (((b[s] << 8) | b[s + 1]) << 16) >> 16;
      break;
    case OP_S32BE:
      value = (b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3];
      break;
    case OP_U64N:
      value = v.u64nAt(b, s);
      break;
    case OP_U64:
    case OP_S64:
    case OP_BE64:
    case OP_S64N:
    case OP_BE64N:
    case OP_S64BE:
    case OP_S64BEN: {
      const op = plan.ops[i];
      const dv = new DataView(b.buffer, b.byteOffset + s, 8);
      const little = op === OP_U64 || op === OP_S64 || op === OP_S64N;
      const big = op === OP_S64 || op === OP_S64N || op === OP_S64BE || op === OP_S64BEN
        ? dv.getBigInt64(0, little)
        : dv.getBigUint64(0, little);
      value = op === OP_S64N || op === OP_BE64N || op === OP_S64BEN ? Number(big) : big;
      break;
    }
    case OP_UINT:
    case OP_UINTN:
    case OP_SINT:
    case OP_SINTN: {
      if (len !== 1 && len !== 2 && len !== 4 && len !== 8) {
        throw sizeError(plan, i, len, "1, 2, 4 or 8", at - NLA_HDRLEN);
      }
      const op = plan.ops[i];
      const signed = op === OP_SINT || op === OP_SINTN;
      const n = readIntAt(
        signed ? "s" : "u",
        bigEndian(plan.defs[i]),
        new DataView(b.buffer, b.byteOffset + s, len),
        0,
        len,
        false,
      );
      value = op === OP_UINTN || op === OP_SINTN ? Number(n) : BigInt(n);
      break;
    }
    case OP_STRING:
      value = v.strAt(b, s, e);
      break;
    case OP_BINARY:
      value = b.slice(s, e);
      break;
    case OP_FLAG:
      return true;
    case OP_FLAGBOOL:
      return len === 0 || b[s] !== 0;
    case OP_IP:
      if (len === 4) value = v.ipv4At(b, s);
      else if (len === 16) value = v.ipv6At(b, s);
      else throw new ParseError(`attribute ${plan.where[i]}: an address of ${len} bytes`, at - NLA_HDRLEN);
      break;
    case OP_MAC:
      value = v.macAt(b, s, e);
      break;
    case OP_BITFIELD:
      value = {
        value: (b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24)) >>> 0,
        selector: (b[s + 4] | (b[s + 5] << 8) | (b[s + 6] << 16) | (b[s + 7] << 24)) >>> 0,
      };
      break;
    case OP_NEST:
      return decodeRange(innerPlan(plan, i), b, s, e, at);
    case OP_ARRAY: {
      const inner = innerPlan(plan, i);
      const out: unknown[] = [];
      walkChildren(b, s, e, at, (cs, ce, cat) => out.push(decodeRange(inner, b, cs, ce, cat)));
      return out;
    }
    case OP_TYPEVALUE: {
      const inner = innerPlan(plan, i);
      const out: Record<number, unknown> = {};
      walkChildren(b, s, e, at, (cs, ce, cat, type) => out[type] = decodeRange(inner, b, cs, ce, cat));
      return out;
    }
    case OP_SUBMSG:
      // Kept as a range until the selector is known (see decodeRange).
      return [s, e, at];
    case OP_INTS:
      try {
        return intsAt(plan.defs[i], b, s, e);
      } catch (err) {
        throw codecError(plan, i, err, at);
      }
    case OP_CODEC:
    case OP_STRUCT:
      try {
        const def = plan.defs[i];
        const codec = def.codec;
        if (codec) return codec.decodeAt ? codec.decodeAt(b, s, e) : codec.decode(b.subarray(s, e));
        return structReaderOf(def.struct!)(b, s, e);
      } catch (err) {
        throw codecError(plan, i, err, at);
      }
  }
  switch (plan.posts[i]) {
    case POST_NONE:
      return value;
    case POST_ENUM: {
      const num = Number(value);
      return Number.isSafeInteger(num) ? enumName(plan.defs[i].enum!, num) : value;
    }
    case POST_FLAGS:
      return flagNames(flagsOf(plan.defs[i])!, value as number | bigint);
    default:
      return value !== 0 && value !== 0n;
  }
}

/** Calls `each` for every attribute in `b[s, e)`, checking lengths. */
function walkChildren(
  b: Uint8Array,
  s: number,
  e: number,
  base: number,
  each: (start: number, end: number, at: number, type: number) => void,
): void {
  let at = s;
  while (e - at >= NLA_HDRLEN) {
    const len = b[at] | (b[at + 1] << 8);
    if (len < NLA_HDRLEN) throw new ParseError(`attribute length ${len} is shorter than its header`, base + at - s);
    if (len > e - at) throw new ParseError(`attribute length ${len} runs past the end (${e - at} left)`, base + at - s);
    each(at + NLA_HDRLEN, at + len, base + at - s + NLA_HDRLEN, (b[at + 2] | (b[at + 3] << 8)) & NLA_TYPE_MASK);
    at += align4(len);
  }
}

/** The attribute at `at` (header included), kept as an {@link Attr} whose payload is a copy. */
function unknownAttr(b: Uint8Array, at: number, len: number): Attr {
  const raw = b[at + 2] | (b[at + 3] << 8);
  return {
    type: raw & NLA_TYPE_MASK,
    nested: (raw & NLA_F_NESTED) !== 0,
    netByteOrder: (raw & NLA_F_NET_BYTEORDER) !== 0,
    value: b.slice(at + NLA_HDRLEN, at + len),
  };
}

/**
 * The attribute at `at` of `b` as an {@link Attr} whose payload is a view of
 * `copy`, a copy of `b` from `from`: the unknown attributes of one list
 * share one copy (a copy each costs more than decoding a link's known ones),
 * itself carved out of a shared slab (`copies.ts`: a kept attribute keeps
 * its slab, at most 16 KiB, alive), and none of them pins the datagram.
 */
function unknownIn(copy: Uint8Array, from: number, b: Uint8Array, at: number, len: number): Attr {
  const raw = b[at + 2] | (b[at + 3] << 8);
  return {
    type: raw & NLA_TYPE_MASK,
    nested: (raw & NLA_F_NESTED) !== 0,
    netByteOrder: (raw & NLA_F_NET_BYTEORDER) !== 0,
    value: len === NLA_HDRLEN ? NO_BYTES : copy.subarray(at - from + NLA_HDRLEN, at - from + len),
  };
}

/** The payload of every empty unknown attribute (a veth link has two): nothing to copy, nothing to change. */
const NO_BYTES: Uint8Array = Object.freeze(new Uint8Array(0));

/**
 * How sets are decoded: `"function"` runs source generated once per set with
 * `new Function` (a `case` and a named store per attribute: as fast as the
 * hand-written cursor switches, see `bench/schema.ts`); `"table"` walks the
 * dense table (2-2.5x slower, but needs no code generation). A runtime that
 * forbids `new Function` (a Content-Security-Policy without `unsafe-eval`)
 * falls back to the table on its own.
 */
export type DecoderKind = "table" | "function";
let decoderKind: DecoderKind = "function";

/**
 * Chooses how sets are decoded (both give the same objects and errors; see
 * `bench/schema.ts` for what each costs). Returns the previous choice.
 *
 * @example
 * ```ts
 * import { useDecoder } from "./schema.ts";
 * const before = useDecoder("table");
 * useDecoder(before);
 * ```
 */
export function useDecoder(kind: DecoderKind): DecoderKind {
  if (kind !== "table" && kind !== "function") throw new TypeError(`decoder ${JSON.stringify(kind)} is not known`);
  const before = decoderKind;
  decoderKind = kind;
  // Asking for generated decoders again retries `new Function` (once refused, every set took the table).
  if (kind === "function") canGenerate = true;
  return before;
}

/**
 * Decodes the attributes in `b[start, end)` by a compiled plan. `base` is
 * the offset of `b[start]` in the message (errors only).
 */
function decodeRange(
  plan: Plan,
  b: Uint8Array,
  start: number,
  end: number,
  base: number,
  into?: Record<string, unknown>,
): Record<string, unknown> {
  if (decoderKind === "function") {
    const fn = plan.generated ?? generatedOf(plan);
    if (fn) return fn(b, start, end, base, into);
  }
  return decodeTable(plan, b, start, end, base, into);
}

/** The table walk: one switch over the reader of each slot. */
function decodeTable(
  plan: Plan,
  b: Uint8Array,
  start: number,
  end: number,
  base: number,
  into?: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = into ?? {};
  const slot = plan.slot, keys = plan.keys, rules = plan.rules, max = slot.length;
  const skipUnknown = plan.set.unknown === "skip";
  const shift = base - start;
  let copy: Uint8Array | undefined;
  let copyFrom = start;
  let at = start;
  while (end - at >= NLA_HDRLEN) {
    const len = b[at] | (b[at + 1] << 8);
    if (len < NLA_HDRLEN) throw new ParseError(`attribute length ${len} is shorter than its header`, shift + at);
    if (len > end - at) {
      throw new ParseError(`attribute length ${len} runs past the end (${end - at} left)`, shift + at);
    }
    const type = (b[at + 2] | (b[at + 3] << 8)) & NLA_TYPE_MASK;
    const i = type < max ? slot[type] : -1;
    if (i < 0) {
      if (!skipUnknown) {
        if (copy === undefined) {
          // From the first unknown attribute on: what comes before it is not kept.
          copyFrom = at;
          copy = copyOfRange(b, at, end);
        }
        ((out.unknown ??= []) as Attr[]).push(unknownIn(copy, copyFrom, b, at, len));
      }
    } else {
      const key = keys[i];
      const rule = rules[i];
      if (plan.ops[i] === OP_PAD || (rule === RULE_FIRST && out[key] !== undefined)) {
        // skipped, or a repeat the first one wins over
      } else {
        const value = readValue(plan, i, b, at + NLA_HDRLEN, at + len, shift + at + NLA_HDRLEN);
        if (value === undefined) {
          // a codec's undefined leaves the field out (see Codec)
        } else if (rule !== RULE_MULTI) out[key] = value;
        else {
          const list = out[key] as unknown[] | undefined;
          if (list === undefined) out[key] = [value];
          else list.push(value);
        }
      }
    }
    at += (len + 3) & ~3;
  }
  if (plan.subs.length) decodeSubMessages(plan, b, out);
  return out;
}

function decodeSubMessages(plan: Plan, b: Uint8Array, out: Record<string, unknown>): void {
  const subs = plan.subs;
  for (let k = 0; k < subs.length; k++) {
    const i = subs[k];
    const key = plan.keys[i];
    const value = out[key];
    // Most messages carry none (a veth's IFLA_LINKINFO has a kind and no data): nothing made for them.
    if (value === undefined) continue;
    out[key] = plan.rules[i] === RULE_MULTI
      ? (value as unknown[]).map((range) => subMessage(plan, i, b, out, range))
      : subMessage(plan, i, b, out, value);
  }
}

/** One sub-message (`range`: its payload's start, end and offset in the message), by the format its selector names. */
function subMessage(plan: Plan, i: number, b: Uint8Array, out: Record<string, unknown>, range: unknown): unknown {
  const [s, e, at] = range as [number, number, number];
  const def = plan.defs[i];
  const selected = out[def.selector!];
  const format = selected === undefined ? undefined : def.formats![String(selected)];
  const header = format?.["fixed-header"];
  if (header) {
    const size = structSize(header);
    const fields = decodeStruct(header, b.subarray(s, e)) as Record<string, unknown>;
    const from = Math.min(e, s + align4(size));
    return { ...fields, ...decodeRange(planOf(format!), b, from, e, at + from - s) };
  }
  if (format) return decodeRange(planOf(format), b, s, e, at);
  // No format for this selector: the payload's attributes, kept raw.
  const unknown: Attr[] = [];
  try {
    walkChildren(b, s, e, at, (cs, ce) => unknown.push(unknownAttr(b, cs - NLA_HDRLEN, ce - cs + NLA_HDRLEN)));
  } catch {
    return { unknown: [{ type: 0, nested: false, netByteOrder: false, value: b.slice(s, e) }] };
  }
  return { unknown };
}

// ---------------------------------------------------------------------------
// The generated reader: source built once per set with `new Function`
// ---------------------------------------------------------------------------

type Generated = (
  b: Uint8Array,
  start: number,
  end: number,
  base: number,
  into: Record<string, unknown> | undefined,
) => Record<string, unknown>;

/** Helpers the generated source calls for everything but the plain integer and string stores. */
const HELPERS = {
  read: readValue,
  unknown: unknownIn,
  copy: copyOfRange,
  subs: decodeSubMessages,
  strAt: v.strAt,
  ipv4At: v.ipv4At,
  ipv6At: v.ipv6At,
  macAt: v.macAt,
  u64nAt: v.u64nAt,
  structReader: structReaderOf,
  ints: intsAt,
  counters: countersAt,
  dense: (e: EnumDef): (string | undefined)[] => enumTables(e, false).dense,
  named: (e: EnumDef, dense: (string | undefined)[], value: number): string | number =>
    (value >= 0 && value < 256 ? dense[value] : undefined) ?? enumName(e, value),
  nested(plan: Plan, i: number): Generated {
    const inner = innerPlan(plan, i);
    return generatedOf(inner) ?? ((b, s, e, base, into) => decodeTable(inner, b, s, e, base, into));
  },
  codecError,
  size(plan: Plan, i: number, len: number, at: number): never {
    throw sizeError(plan, i, len, String(plan.sizes[i]), at);
  },
  length(len: number, left: number, at: number): never {
    throw new ParseError(
      len < NLA_HDRLEN
        ? `attribute length ${len} is shorter than its header`
        : `attribute length ${len} runs past the end (${left} left)`,
      at,
    );
  },
};

/** Inline source reading slot `i` into `value` from `b[s, e)`, or undefined when it needs the general reader. */
function inlineRead(op: number): string | undefined {
  switch (op) {
    case OP_U8:
      return "b[s]";
    case OP_U16:
      return "(b[s] | (b[s + 1] << 8))";
    case OP_U32:
      return "((b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24)) >>> 0)";
    case OP_S32:
      return "(b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24))";
    case OP_BE16:
      return "((b[s] << 8) | b[s + 1])";
    case OP_BE32:
      return "(((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0)";
    case OP_S32BE:
      return "((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3])";
    case OP_STRING:
      return "H.strAt(b, s, e)";
    case OP_FLAG:
      return "true";
  }
  return undefined;
}

/** False once `new Function` has been refused: every set then takes the table. */
let canGenerate = true;

function generatedOf(plan: Plan): Generated | undefined {
  let fn = plan.generated;
  if (fn || !canGenerate) return fn;
  const cases: string[] = [];
  /** One constant per codec, so that each attribute's call site sees one codec (and V8 can inline it). */
  const codecs: string[] = [];
  plan.slot.forEach((i, type) => {
    if (i < 0 || plan.ops[i] === OP_PAD) {
      if (i >= 0) cases.push(`case ${type}: break;`);
      return;
    }
    const key = JSON.stringify(plan.keys[i]);
    const size = plan.sizes[i];
    const inline = inlineRead(plan.ops[i]);
    const post = plan.posts[i];
    let value: string;
    if (inline !== undefined && (post === POST_NONE || post === POST_BOOL)) {
      const read = post === POST_BOOL ? `(${inline} !== 0)` : inline;
      // A wrong size throws before anything is read.
      value = size ? `(len !== ${size + NLA_HDRLEN} ? H.size(P, ${i}, len - 4, sh + at) : ${read})` : read;
    } else if (inline !== undefined && post === POST_ENUM && plan.ops[i] !== OP_STRING && plan.ops[i] !== OP_FLAG) {
      // An enum read inline and named through its dense table (kept in a
      // constant): no trip through the general reader and the enum cache.
      codecs.push(`const k${i} = P.defs[${i}].enum, d${i} = H.dense(k${i});`);
      const read = `H.named(k${i}, d${i}, ${inline})`;
      value = size ? `(len !== ${size + NLA_HDRLEN} ? H.size(P, ${i}, len - 4, sh + at) : ${read})` : read;
    } else if (plan.ops[i] === OP_IP && post === POST_NONE && size !== 0) {
      // One family (`len`): any other size throws before anything is read.
      value = `(len !== ${size + NLA_HDRLEN} ? H.size(P, ${i}, len - 4, sh + at) : H.ipv${size === 4 ? 4 : 6}At(b, s))`;
    } else if (plan.ops[i] === OP_IP && post === POST_NONE) {
      // IPv4 and IPv6 inline; wrong sizes through the general reader.
      value = `(len === ${4 + NLA_HDRLEN} ? H.ipv4At(b, s) : len === ${
        16 + NLA_HDRLEN
      } ? H.ipv6At(b, s) : H.read(P, ${i}, b, s, e, sh + s))`;
    } else if (plan.ops[i] === OP_MAC && post === POST_NONE) {
      value = "H.macAt(b, s, e)";
    } else if (plan.ops[i] === OP_UINTN && post === POST_NONE && !bigEndian(plan.defs[i])) {
      // The sizes the kernel sends (`nla_put_uint`: 4 or 8 bytes) inline, without a DataView.
      value = `(len === ${8 + NLA_HDRLEN} ? H.u64nAt(b, s) : len === ${4 + NLA_HDRLEN} ? ${
        inlineRead(OP_U32)
      } : H.read(P, ${i}, b, s, e, sh + s))`;
    } else if (plan.ops[i] === OP_CODEC && post === POST_NONE && plan.defs[i].codec!.decodeAt) {
      // A codec reading in place, called from here through a constant of
      // its own (one call site per attribute, not a shared one).
      codecs.push(`const k${i} = P.defs[${i}].codec;`);
      value = `k${i}.decodeAt(b, s, e)`;
    } else if (plan.ops[i] === OP_NEST && post === POST_NONE) {
      // The nested set's decoder, called directly; found on first use (a set may nest itself).
      codecs.push(`let k${i};`);
      value = `(k${i} ??= H.nested(P, ${i}))(b, s, e, sh + s, undefined)`;
    } else if (plan.ops[i] === OP_INTS && post === POST_NONE) {
      codecs.push(`const k${i} = P.defs[${i}];`);
      const counters = plan.defs[i]["sub-type"] === "u64" && plan.defs[i].as === "number" && !bigEndian(plan.defs[i]);
      value = `H.${counters ? "counters" : "ints"}(k${i}, b, s, e)`;
    } else if (plan.ops[i] === OP_STRUCT && post === POST_NONE && !plan.defs[i].codec) {
      // A struct's generated reader, the same way.
      codecs.push(`const k${i} = H.structReader(P.defs[${i}].struct);`);
      value = `k${i}(b, s, e)`;
    } else {
      value = `H.read(P, ${i}, b, s, e, sh + s)`;
    }
    const rule = plan.rules[i];
    let store: string;
    if (plan.ops[i] === OP_CODEC) {
      // A codec's undefined leaves the field out (see Codec).
      const put = rule === RULE_FIRST
        ? `if (o[${key}] === undefined) o[${key}] = x;`
        : rule === RULE_LAST
        ? `o[${key}] = x;`
        : `if (o[${key}] === undefined) o[${key}] = [x]; else o[${key}].push(x);`;
      store = `{ const x = ${value}; if (x !== undefined) { ${put} } }`;
    } else if (rule === RULE_FIRST) store = `if (o[${key}] === undefined) o[${key}] = ${value};`;
    else if (rule === RULE_LAST) store = `o[${key}] = ${value};`;
    else store = `{ const x = ${value}; if (o[${key}] === undefined) o[${key}] = [x]; else o[${key}].push(x); }`;
    // A codec's error is named after its attribute (as the general reader does).
    if (
      value.startsWith(`k${i}.`) || value.startsWith(`k${i}(`) || value.startsWith(`H.ints(k${i},`) ||
      value.startsWith(`H.counters(k${i},`)
    ) {
      store = `try { ${store} } catch (err) { throw H.codecError(P, ${i}, err, sh + s); }`;
    }
    cases.push(`case ${type}: ${store} break;`);
  });
  const source = `"use strict";
${codecs.join("\n")}
return function decode(b, start, end, base, into) {
  const o = into === undefined ? {} : into;
  const sh = base - start;
  let cp, cf = 0;
  let at = start;
  while (end - at >= 4) {
    const len = b[at] | (b[at + 1] << 8);
    if (len < 4 || len > end - at) H.length(len, end - at, sh + at);
    const s = at + 4, e = at + len;
    switch ((b[at + 2] | (b[at + 3] << 8)) & ${NLA_TYPE_MASK}) {
      ${cases.join("\n      ")}
      default:${
    plan.set.unknown === "skip" ? " break;" : `
        // One copy from the first unknown attribute on, shared by the ones after it.
        if (cp === undefined) {
          cf = at;
          cp = H.copy(b, at, end);
        }
        (o.unknown ??= []).push(H.unknown(cp, cf, b, at, len));`
  }
    }
    at += (len + 3) & ~3;
  }
  ${plan.subs.length ? "H.subs(P, b, o);" : ""}
  return o;
};`;
  try {
    fn = new Function("P", "H", source)(plan, HELPERS) as Generated;
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    canGenerate = false;
    return undefined;
  }
  plan.generated = fn;
  return fn;
}

/**
 * Decodes an attribute list by a set. Every length is checked: malformed
 * bytes (or a value of the wrong size) are a {@link ParseError} naming the
 * attribute; attributes the set does not know are kept in `unknown`.
 * `base` is where `bytes` starts in the message, used only in error offsets.
 *
 * @example
 * ```ts
 * import { decodeAttrs, defineAttrSet } from "@nlts/netlink/wire";
 * const set = defineAttrSet({ name: "s", attributes: { mtu: { id: 4, type: "u32" } } });
 * decodeAttrs(set, new Uint8Array([8, 0, 4, 0, 220, 5, 0, 0])).mtu; // 1500
 * ```
 */
export function decodeAttrs<S extends AttrSet>(set: S, bytes: Uint8Array, base = 0): Decoded<S> {
  return decodeRange(planOf(set), bytes, 0, bytes.length, base) as Decoded<S>;
}

/**
 * Decodes the attributes in `bytes[start, end)` by a set, without a view of
 * the range (for decoders of large dumps that walk a message themselves).
 *
 * @example
 * ```ts
 * import { decodeAttrsAt, defineAttrSet } from "@nlts/netlink/wire";
 * const set = defineAttrSet({ name: "s", attributes: { mtu: { id: 4, type: "u32" } } });
 * decodeAttrsAt(set, new Uint8Array([0, 0, 0, 0, 8, 0, 4, 0, 220, 5, 0, 0]), 4, 12).mtu; // 1500
 * ```
 */
export function decodeAttrsAt<S extends AttrSet>(
  set: S,
  bytes: Uint8Array,
  start: number,
  end: number,
  base = start,
): Decoded<S> {
  if (start < 0 || end > bytes.length || start > end) {
    throw new RangeError(`range ${start}..${end} is outside the bytes`);
  }
  return decodeRange(planOf(set), bytes, start, end, base) as Decoded<S>;
}

/**
 * Decodes the attributes in `bytes[start, end)` by a set into an object the
 * caller made (a family's object with its fixed-header fields already set),
 * so that a large dump builds one object per message, not two. Keys the
 * object already holds count as seen: a `first` attribute does not replace
 * them (give such a key `duplicate: "last"` to let the attribute win).
 *
 * @example
 * ```ts
 * import { decodeAttrsInto, defineAttrSet } from "@nlts/netlink/wire";
 * const set = defineAttrSet({ name: "s", attributes: { mtu: { id: 4, type: "u32" } } });
 * const link = decodeAttrsInto(set, { index: 1 }, new Uint8Array([8, 0, 4, 0, 220, 5, 0, 0]), 0, 8);
 * link.mtu; // 1500
 * ```
 */
export function decodeAttrsInto<S extends AttrSet, T extends object>(
  set: S,
  target: T,
  bytes: Uint8Array,
  start: number,
  end: number,
  base = start,
): T & Decoded<S> {
  if (start < 0 || end > bytes.length || start > end) {
    throw new RangeError(`range ${start}..${end} is outside the bytes`);
  }
  return decodeRange(planOf(set), bytes, start, end, base, target as Record<string, unknown>) as T & Decoded<S>;
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/** Integer kinds of the writer: not an integer, a fixed size, `uint` (4 or 8 bytes), `sint` (4 or 8 bytes). */
const INT_NONE = 0, INT_FIXED = 1, INT_UINT = 2, INT_SINT = 3;

/** A set compiled for encoding: its attributes in the set's order, with what the integer path needs. */
interface EncodePlan {
  readonly set: AttrSet;
  readonly keys: string[];
  readonly defs: AttrDef[];
  /** `nla_type` of each attribute: its id, with `NLA_F_NET_BYTEORDER` where the set says so. */
  readonly ids: number[];
  readonly multi: boolean[];
  /** {@link INT_NONE}… per attribute. */
  readonly ints: Uint8Array;
  /** Bytes of a fixed-size integer. */
  readonly sizes: Uint8Array;
  /** Big-endian integers. */
  readonly bes: boolean[];
  /** Lowest value and one past the highest, as numbers (exact, and compared with bigints as well). */
  readonly lows: Float64Array;
  readonly highs: Float64Array;
  /** Enum name → value of integers with names (not flags). */
  readonly enums: (Map<string, number> | undefined)[];
  /** Plans of the sets inside nests and arrays, resolved on first use (sets may be recursive). */
  readonly inner: (EncodePlan | undefined)[];
  /** The writer generated for this set (see {@link writerOf}), once made. */
  generated?: GeneratedWriter;
}

const encodePlans = new WeakMap<AttrSet, EncodePlan>();

function encodePlanOf(set: AttrSet): EncodePlan {
  const cached = encodePlans.get(set);
  if (cached) return cached;
  const entries = Object.entries(set.attributes);
  const n = entries.length;
  const plan: EncodePlan = {
    set,
    keys: [],
    defs: [],
    ids: [],
    multi: [],
    ints: new Uint8Array(n),
    sizes: new Uint8Array(n),
    bes: [],
    lows: new Float64Array(n),
    highs: new Float64Array(n),
    enums: [],
    inner: [],
  };
  entries.forEach(([key, def], i) => {
    plan.inner.push(undefined);
    plan.keys.push(key);
    plan.defs.push(def);
    plan.ids.push(def.netByteOrder ? def.id | NLA_F_NET_BYTEORDER : def.id);
    plan.multi.push(ruleOf(def) === "multi");
    plan.bes.push(bigEndian(def));
    plan.enums.push(def.enum && !flagsOf(def) ? enumTables(def.enum, false).toValue : undefined);
    const bounds = Object.hasOwn(INT_BOUNDS, def.type) ? INT_BOUNDS[def.type] : undefined;
    if (bounds) {
      plan.ints[i] = def.type === "uint" ? INT_UINT : def.type === "sint" ? INT_SINT : INT_FIXED;
      plan.sizes[i] = INT_SIZE[def.type] ?? 0;
      plan.lows[i] = bounds[0];
      plan.highs[i] = bounds[1];
    }
  });
  encodePlans.set(set, plan);
  return plan;
}

/** The plan of the set nested in attribute `i`. */
function innerEncodePlan(plan: EncodePlan, i: number): EncodePlan {
  return plan.inner[i] ??= encodePlanOf(nestedSet(plan.defs[i])!);
}

/** The path of an attribute in error messages: `set.key`, `set.key[2]` for an element of a multi-attribute. */
function pathOf(parent: string, key: string, index: number): string {
  return index < 0 ? `${parent}.${key}` : `${parent}.${key}[${index}]`;
}

/**
 * Writes integer attribute `i` of a plan. A number stays a number (no
 * bigint, no array per value); a bigint stays a bigint for 64-bit fields.
 */
function writeInt(w: AttrWriter, plan: EncodePlan, i: number, input: unknown, parent: string, index: number): void {
  const def = plan.defs[i];
  let n: number | bigint;
  if (typeof input === "number" && Number.isInteger(input)) n = input;
  else n = intInput(plan, i, input, parent, index);
  if (!(n >= plan.lows[i] && n < plan.highs[i])) {
    throw new TypeError(`${pathOf(parent, plan.keys[i], index)}: ${BigInt(n)} is out of range for ${def.type}`);
  }
  const kind = plan.ints[i];
  const size = kind === INT_FIXED
    ? plan.sizes[i]
    : kind === INT_UINT
    ? (n > 0xffffffff ? 8 : 4)
    : (n > 0x7fffffff || n < -0x80000000 ? 8 : 4);
  const id = plan.ids[i];
  if (typeof n === "number") w.int(id, size as 1 | 2 | 4 | 8, n, plan.bes[i]);
  else if (size === 8) w.int64(id, n, plan.bes[i]);
  else w.int(id, size as 1 | 2 | 4, Number(n), plan.bes[i]);
}

/** What an integer attribute's input that is not a plain integer number means: flags, a name, a boolean, a bigint. */
function intInput(plan: EncodePlan, i: number, input: unknown, parent: string, index: number): number | bigint {
  const def = plan.defs[i];
  if (typeof input === "string") {
    const value = plan.enums[i]?.get(input);
    if (value !== undefined) return value;
  }
  const where = pathOf(parent, plan.keys[i], index);
  const flags = flagsOf(def);
  if (flags && typeof input !== "number" && typeof input !== "bigint") return flagsValue(flags, input, where);
  if (def.enum && typeof input === "string") return enumValue(def.enum, input, where);
  if (def.as === "boolean" && typeof input === "boolean") return input ? 1 : 0;
  return toInteger(input, where);
}

/** Writes one value of attribute `i` of a plan. */
function writeOne(
  w: AttrWriter,
  plan: EncodePlan,
  i: number,
  input: unknown,
  parent: string,
  index: number,
  siblings: Record<string, unknown>,
): void {
  if (plan.ints[i] !== INT_NONE) return writeInt(w, plan, i, input, parent, index);
  const def = plan.defs[i];
  const type = def.type;
  if (type === "string") {
    if (typeof input !== "string") throw new TypeError(`${pathOf(parent, plan.keys[i], index)}: expected a string`);
    w.str(def.id, input);
    return;
  }
  if (type === "flag") {
    if (input === true) w.flag(def.id);
    else if (input !== false) throw new TypeError(`${pathOf(parent, plan.keys[i], index)}: a flag is true or false`);
    return;
  }
  writeOther(w, plan, i, input, pathOf(parent, plan.keys[i], index), siblings);
}

/** Writes a value of the types that are neither integers, strings nor flags. */
function writeOther(
  w: AttrWriter,
  plan: EncodePlan,
  slot: number,
  input: unknown,
  where: string,
  siblings: Record<string, unknown>,
): void {
  const def = plan.defs[slot];
  const id = plan.ids[slot];
  switch (def.type) {
    case "nest": {
      const at = w.beginNest(id);
      writeSet(w, innerEncodePlan(plan, slot), input as Record<string, unknown>, where);
      w.endNest(at);
      return;
    }
    case "nest-array":
    case "indexed-array": {
      if (!Array.isArray(input)) throw new TypeError(`${where}: an ${def.type} needs an array`);
      const inner = innerEncodePlan(plan, slot);
      const at = w.beginNest(id);
      for (let i = 0; i < input.length; i++) {
        const el = w.beginNest(i + 1);
        writeSet(w, inner, input[i] as Record<string, unknown>, `${where}[${i}]`);
        w.endNest(el);
      }
      w.endNest(at);
      return;
    }
    case "nest-type-value": {
      if (typeof input !== "object" || input === null) {
        throw new TypeError(`${where}: a nest-type-value needs an object`);
      }
      const set = nestedSet(def)!;
      w.nest(id, (inner) => {
        for (const [type, el] of Object.entries(input)) {
          const t = Number(type);
          if (!Number.isInteger(t) || t < 0 || t > NLA_TYPE_MASK) {
            throw new TypeError(`${where}: ${type} is not a type`);
          }
          inner.nest(t, (x) => writeAttrs(x, set, el as Input<AttrSet>, `${where}[${type}]`));
        }
      });
      return;
    }
    case "sub-message": {
      const selected = siblings[def.selector!];
      const format = selected === undefined ? undefined : def.formats![String(selected)];
      if (!format) {
        throw new TypeError(`${where}: no format for ${def.selector} ${JSON.stringify(selected)}`);
      }
      const header = format["fixed-header"];
      if (!header) {
        w.nest(id, (inner) => writeAttrs(inner, format, input as Input<AttrSet>, where));
        return;
      }
      // The struct's members first, then the attributes, from one object.
      const fields: Record<string, unknown> = {};
      const attrs: Record<string, unknown> = {};
      const names = new Set(header.members.map((m) => m.name));
      for (const [k, x] of Object.entries((input ?? {}) as Record<string, unknown>)) {
        (names.has(k) ? fields : attrs)[k] = x;
      }
      w.nest(id, (inner) => {
        inner.raw(encodeStruct(header, fields as never));
        writeAttrs(inner, format, attrs as Input<AttrSet>, where);
      });
      return;
    }
    case "pad":
      return;
    case "ip":
      if (typeof input !== "string") throw new TypeError(`${where}: expected an address`);
      if (def.len !== undefined && (input.includes(":") ? 16 : 4) !== def.len) {
        throw new TypeError(`${where}: expected an IPv${def.len === 4 ? 4 : 6} address, got ${JSON.stringify(input)}`);
      }
      w.ip(id, input);
      return;
    case "mac":
      if (typeof input !== "string") throw new TypeError(`${where}: expected a hardware address`);
      w.attr(id, v.parseMac(input, def.len));
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
      else if (def.struct) w.attr(id, encodeStruct(def.struct, input as Record<string, never>));
      else if (def["sub-type"] && Array.isArray(input)) w.attr(id, encodeInts(def, input, where));
      else throw new TypeError(`${where}: expected a Uint8Array`);
      return;
  }
  throw new TypeError(`${where}: type ${JSON.stringify(def.type)} cannot be written`);
}

/** A `sub-type` array's payload; every element is checked against the element type's range. */
function encodeInts(def: AttrDef, input: readonly unknown[], where: string): Uint8Array {
  const sub = def["sub-type"]!;
  const size = ARRAY_ELEMENT[sub];
  const out = new Uint8Array(input.length * size);
  const dv = new DataView(out.buffer);
  input.forEach((x, i) => {
    const num = checkRange(sub, toInteger(x, `${where}[${i}]`), `${where}[${i}]`);
    writeIntAt(dv, i * size, size, false, num);
  });
  return out;
}

/** Writes the elements of a multi-attribute (an array) one attribute each. */
function writeMulti(
  w: AttrWriter,
  plan: EncodePlan,
  i: number,
  input: unknown,
  where: string,
  values: Record<string, unknown>,
): void {
  if (!Array.isArray(input)) {
    throw new TypeError(`${pathOf(where, plan.keys[i], -1)}: a multi-attribute needs an array`);
  }
  for (let j = 0; j < input.length; j++) writeOne(w, plan, i, input[j], where, j, values);
}

function unknownKey(where: string, key: string, known: AttrSet["attributes"]): never {
  throw new TypeError(`${where}: unknown attribute ${JSON.stringify(key)} (known: ${Object.keys(known).join(", ")})`);
}

// ---------------------------------------------------------------------------
// The generated writer: source built once per set with `new Function`
// ---------------------------------------------------------------------------

type GeneratedWriter = (w: AttrWriter, o: Record<string, unknown>, where: string) => void;

/**
 * How sets are encoded: `"function"` runs a writer generated once per set
 * with `new Function` (a named read of each attribute, integers of up to 32
 * bits and strings written inline, see `bench/schema.ts`); `"table"` loops
 * over the set's compiled plan. Both write the same bytes and throw the same
 * errors; a runtime that forbids `new Function` takes the table on its own.
 */
export type EncoderKind = "table" | "function";
let encoderKind: EncoderKind = "function";
/** False once `new Function` has been refused: every set then takes the table. */
let canGenerateWriter = true;

/**
 * Chooses how sets are encoded (the same bytes and errors either way; see
 * `bench/schema.ts` for what each costs). Returns the previous choice.
 *
 * @example
 * ```ts
 * import { useEncoder } from "./schema.ts";
 * const before = useEncoder("table");
 * useEncoder(before);
 * ```
 */
export function useEncoder(kind: EncoderKind): EncoderKind {
  if (kind !== "table" && kind !== "function") throw new TypeError(`encoder ${JSON.stringify(kind)} is not known`);
  const before = encoderKind;
  encoderKind = kind;
  if (kind === "function") canGenerateWriter = true;
  return before;
}

/** Helpers the generated writers call for everything but the inline writes. */
const WRITER_HELPERS = {
  one: writeOne,
  multi: writeMulti,
  unknown: unknownKey,
  set: writeSet,
  inner: innerEncodePlan,
};

/**
 * Inline test that `x`, already known to be a number, is an integer that
 * fits integer type `type` of at most 32 bits (undefined for other types).
 */
function inlineFits(type: string): string | undefined {
  switch (type) {
    case "u8":
      return "(x & 255) === x";
    case "s8":
      return "((x << 24) >> 24) === x";
    case "u16":
    case "be16":
      return "(x & 65535) === x";
    case "s16":
      return "((x << 16) >> 16) === x";
    case "u32":
    case "be32":
      return "(x >>> 0) === x";
    case "s32":
      return "(x | 0) === x";
  }
  return undefined;
}

function writerOf(plan: EncodePlan): GeneratedWriter | undefined {
  if (!canGenerateWriter) return undefined;
  const lines: string[] = [];
  plan.keys.forEach((key, i) => {
    const def = plan.defs[i];
    const general = `H.one(w, P, ${i}, x, where, -1, o)`;
    let write = general;
    const fits = inlineFits(def.type);
    if (plan.multi[i]) write = `H.multi(w, P, ${i}, x, where, o)`;
    else if (plan.ints[i] === INT_FIXED && fits !== undefined) {
      write = `if (typeof x === "number" && ${fits}) w.int(${plan.ids[i]}, ${plan.sizes[i]}, x, ${plan.bes[i]}); ` +
        `else ${general}`;
    } else if (def.type === "string") {
      write = `if (typeof x === "string") w.str(${def.id}, x); else ${general}`;
    } else if (def.type === "nest") {
      // As writeOther does, without its dispatch.
      const inner = `P.inner[${i}] ?? H.inner(P, ${i})`;
      write = `const a = w.beginNest(${def.id}); H.set(w, ${inner}, x, where + ${JSON.stringify(`.${key}`)}); ` +
        `w.endNest(a)`;
    }
    lines.push(`x = o[${JSON.stringify(key)}]; if (x !== undefined) { ${write}; }`);
  });
  const source = `"use strict";
return function write(w, o, where) {
  // Known keys by a switch (cheaper than \`in\` in both engines); others by \`in\`, as the loop checks.
  for (const k in o) {
    switch (k) {
      ${plan.keys.map((k) => `case ${JSON.stringify(k)}: break;`).join(" ")}
      default: if (!(k in K)) H.unknown(where, k, K);
    }
  }
  let x;
  ${lines.join("\n  ")}
};`;
  let fn: GeneratedWriter;
  try {
    fn = new Function("P", "H", "K", source)(plan, WRITER_HELPERS, plan.set.attributes) as GeneratedWriter;
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    canGenerateWriter = false;
    return undefined;
  }
  plan.generated = fn;
  return fn;
}

/**
 * Writes the attributes of `value` into a writer (a {@link MessageWriter}
 * after its fixed header, or a nest), in the set's order. Unknown names and
 * values of the wrong type or range are a `TypeError`; `undefined` values
 * are skipped.
 *
 * @example
 * ```ts
 * import { AttrWriter, defineAttrSet, writeAttrs } from "@nlts/netlink/wire";
 * const set = defineAttrSet({ name: "s", attributes: { mtu: { id: 4, type: "u32" } } });
 * const w = new AttrWriter();
 * writeAttrs(w, set, { mtu: 1500 });
 * ```
 */
export function writeAttrs<S extends AttrSet>(w: AttrWriter, set: S, value: Input<S>, where: string = set.name): void {
  writeSet(w, encodePlanOf(set), value as Record<string, unknown>, where);
}

/** Writes `values` by a plan: the generated writer, or the loop over the plan. */
function writeSet(w: AttrWriter, plan: EncodePlan, values: Record<string, unknown>, where: string): void {
  if (encoderKind === "function") {
    const fn = plan.generated ?? writerOf(plan);
    if (fn) return fn(w, values, where);
  }
  const known = plan.set.attributes;
  for (const key in values) if (!(key in known)) unknownKey(where, key, known);
  const keys = plan.keys;
  for (let i = 0; i < keys.length; i++) {
    const input = values[keys[i]];
    if (input === undefined) continue;
    if (plan.multi[i]) writeMulti(w, plan, i, input, where, values);
    else writeOne(w, plan, i, input, where, -1, values);
  }
}

/**
 * Encodes an attribute list by a set (no netlink header).
 *
 * @example
 * ```ts
 * import { defineAttrSet, encodeAttrs } from "@nlts/netlink/wire";
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

/** A path of attribute keys through nests (numbers: element of an array, or an attribute the set lacks). */
export type AttrPath = (string | number)[];

function byId(set: AttrSet): Map<number, [string, AttrDef]> {
  const plan = planOf(set);
  const map = new Map<number, [string, AttrDef]>();
  plan.slot.forEach((i, id) => {
    if (i >= 0) map.set(id, [plan.keys[i], plan.defs[i]]);
  });
  return map;
}
const byIdCache = new WeakMap<AttrSet, Map<number, [string, AttrDef]>>();
function lookup(set: AttrSet, type: number): [string, AttrDef] | undefined {
  let map = byIdCache.get(set);
  if (!map) byIdCache.set(set, map = byId(set));
  return map.get(type);
}

/**
 * The path of keys to the attribute at byte `offset` of `bytes` (an
 * attribute list encoded by `set`), as the kernel's extended ACK points at
 * it. Undefined when the offset is outside every attribute. Never throws.
 *
 * @example
 * ```ts
 * import { attributePathAt, defineAttrSet, encodeAttrs } from "@nlts/netlink/wire";
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
 * import { defineAttrSet, encodeAttrs, locate } from "@nlts/netlink/wire";
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
  const found = walkTo(set, bytes, offset);
  if (!found.length) return undefined;
  const last = found[found.length - 1];
  return {
    path: found.map((step) => step.index ?? step.key ?? step.type),
    inner: last.inside && last.index === undefined ? last.inside : undefined,
  };
}

/** One step of the way to an offset. */
interface Step {
  /** Attribute number. */
  type: number;
  /** Key in the set, when the set knows the attribute. */
  key?: string;
  /** Element number of an indexed array (0-based), or type of a nest-type-value entry. */
  index?: number;
  /** uapi name. */
  cname?: string;
  /** The set inside this attribute, when it is a nest. */
  inside?: AttrSet;
  /** Suffix a codec gave for the inside of a binary payload. */
  suffix?: string;
}

function upperSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/-/g, "_").toUpperCase();
}

/** The uapi name of attribute `key` of `set`. */
function cnameOf(set: AttrSet, key: string, def: AttrDef): string {
  return def.cname ?? (set.prefix !== undefined ? set.prefix + upperSnake(key) : key);
}

/** Finds the value of a sibling selector attribute inside `b[s, e)`, for sub-messages. */
function selectorIn(set: AttrSet, b: Uint8Array, s: number, e: number, selector: string): string | undefined {
  const def = set.attributes[selector];
  if (!def) return undefined;
  let at = s;
  while (e - at >= NLA_HDRLEN) {
    const len = b[at] | (b[at + 1] << 8);
    if (len < NLA_HDRLEN || len > e - at) return undefined;
    if (((b[at + 2] | (b[at + 3] << 8)) & NLA_TYPE_MASK) === def.id) {
      try {
        const one = decodeAttrsAt(
          { name: set.name, attributes: { [selector]: def } },
          b,
          at,
          at + align4(len) > e ? e : at + align4(len),
        );
        const value = one[selector];
        return value === undefined ? undefined : String(value);
      } catch {
        return undefined;
      }
    }
    at += align4(len);
  }
  return undefined;
}

function walkTo(set: AttrSet | undefined, bytes: Uint8Array, offset: number): Step[] {
  const steps: Step[] = [];
  let at = 0;
  let end = bytes.length;
  let current: AttrSet | undefined = set;
  let arrayOf: AttrSet | undefined;
  let arrayKind: "array" | "type-value" | undefined;
  for (;;) {
    const start = at;
    let found = false;
    while (end - at >= NLA_HDRLEN) {
      const len = bytes[at] | (bytes[at + 1] << 8);
      const type = (bytes[at + 2] | (bytes[at + 3] << 8)) & NLA_TYPE_MASK;
      if (len < NLA_HDRLEN || len > end - at) return steps;
      if (offset >= at && offset < at + align4(len)) {
        found = true;
        let step: Step;
        if (arrayOf) {
          step = { type, index: arrayKind === "array" ? type - 1 : type, inside: arrayOf };
          current = arrayOf;
          arrayOf = undefined;
        } else {
          const entry = current ? lookup(current, type) : undefined;
          const def = entry?.[1];
          step = { type };
          if (entry && current) {
            step.key = entry[0];
            step.cname = cnameOf(current, entry[0], def!);
          }
          let next: AttrSet | undefined;
          if (def?.type === "nest") next = nestedSet(def);
          else if (def?.type === "nest-array" || def?.type === "indexed-array" || def?.type === "nest-type-value") {
            arrayOf = nestedSet(def);
            arrayKind = def.type === "nest-type-value" ? "type-value" : "array";
          } else if (def?.type === "sub-message" && current) {
            const selected = selectorIn(current, bytes, start, end, def.selector!);
            next = selected === undefined ? undefined : def.formats![selected];
          } else if (def?.codec?.pathAt && offset >= at + NLA_HDRLEN) {
            step.suffix = def.codec.pathAt(bytes.subarray(at + NLA_HDRLEN, at + len), offset - at - NLA_HDRLEN);
          }
          step.inside = next;
          current = next;
        }
        steps.push(step);
        if (offset < at + NLA_HDRLEN || (!current && !arrayOf)) return steps;
        end = at + len;
        at += NLA_HDRLEN;
        const header = current?.["fixed-header"];
        if (header) {
          // An offset into a sub-message's fixed header names the attribute holding it.
          if (offset < at + structSize(header)) return steps;
          at += align4(structSize(header));
        }
        break;
      }
      at += align4(len);
    }
    if (!found) return steps;
  }
}

/**
 * The uapi path of the attribute at byte `offset` of `bytes` (an attribute
 * list encoded by `set`): names joined with `.`, array elements as `[i]`,
 * for example `IFLA_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID`. An attribute the
 * set does not know is its number. Undefined when the offset is outside
 * every attribute. Never throws.
 *
 * @example
 * ```ts
 * import { attributePathName, defineAttrSet, encodeAttrs } from "@nlts/netlink/wire";
 * const data = defineAttrSet({ name: "data", prefix: "IFLA_VXLAN_", attributes: { id: { id: 1, type: "u32" } } });
 * const info = defineAttrSet({ name: "info", prefix: "IFLA_INFO_", attributes: { data: { id: 2, type: "nest", nested: data } } });
 * attributePathName(info, encodeAttrs(info, { data: { id: 7 } }), 4); // "IFLA_INFO_DATA.IFLA_VXLAN_ID"
 * ```
 */
export function attributePathName(set: AttrSet | undefined, bytes: Uint8Array, offset: number): string | undefined {
  const steps = walkTo(set, bytes, offset);
  if (!steps.length) return undefined;
  let out = "";
  for (const step of steps) {
    if (step.index !== undefined) out += `[${step.index}]`;
    else out += (out ? "." : "") + (step.cname ?? String(step.type));
    if (step.suffix) out += step.suffix.startsWith("[") ? step.suffix : `.${step.suffix}`;
  }
  return out;
}

/**
 * The name of attribute `type` in `set`, or the number when the set lacks it.
 *
 * @example
 * ```ts
 * import { attributeName, defineAttrSet } from "@nlts/netlink/wire";
 * const set = defineAttrSet({ name: "s", attributes: { pid: { id: 1, type: "u32" } } });
 * attributeName(set, 1); // "pid"
 * ```
 */
export function attributeName(set: AttrSet | undefined, type: number): string | number {
  return (set && lookup(set, type)?.[0]) ?? type;
}

// ---------------------------------------------------------------------------
// Messages: a fixed header and an attribute set
// ---------------------------------------------------------------------------

/** A message of a family: its fixed header (size in bytes, after `nlmsghdr`) and its attribute set. */
export interface MessageSchema {
  /** Size of the fixed header after `nlmsghdr` (`struct ifinfomsg`: 16). */
  readonly headerSize: number;
  /** The attributes after the header. */
  readonly attributes: AttrSet;
}

/**
 * The uapi path of what an extended-ACK offset points at in a request:
 * `request` is the whole message as sent (from its `nlmsghdr`), `offset`
 * the kernel's `NLMSGERR_ATTR_OFFS`. An offset into the fixed header names
 * the header (`"header"`). Undefined when it points nowhere.
 *
 * @example
 * ```ts
 * import { defineAttrSet, MessageWriter, requestAttributePath } from "@nlts/netlink/wire";
 * const set = defineAttrSet({ name: "s", prefix: "IFLA_", attributes: { mtu: { id: 4, type: "u32" } } });
 * const m = new MessageWriter(16);
 * m.struct(16);
 * m.u32(4, 1500);
 * requestAttributePath({ headerSize: 16, attributes: set }, m.finish(), 32); // "IFLA_MTU"
 * ```
 */
export function requestAttributePath(
  message: MessageSchema,
  request: Uint8Array,
  offset: number,
): string | undefined {
  const start = 16 + align4(message.headerSize);
  if (offset < 16 || offset >= request.length) return undefined;
  if (offset < start) return "header";
  return attributePathName(message.attributes, request.subarray(start), offset - start);
}
