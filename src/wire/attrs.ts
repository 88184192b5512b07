/**
 * Netlink attributes (`struct nlattr` TLVs): a reader that indexes a list in
 * one pass and decodes values only when asked, and a writer that builds
 * messages with nesting.
 *
 * @module
 */
import { align4, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "./constants.ts";
import { ParseError } from "./errors.ts";
import * as v from "./values.ts";

/** One attribute as found on the wire. */
export interface Attr {
  /** Type without the flag bits. */
  type: number;
  /** `NLA_F_NESTED` was set. */
  nested: boolean;
  /** `NLA_F_NET_BYTEORDER` was set. */
  netByteOrder: boolean;
  /** Payload (a view, not a copy). */
  value: Uint8Array;
}

/**
 * A parsed attribute list: the low-level random-access reader, for looking
 * at bytes by hand (tests, tools, the extended-ACK TLVs). Families do not
 * decode through it: they describe their attributes once with
 * `defineAttrSet` and decode with `decodeAttrs` (`src/wire/schema.ts`), the
 * one way. Parsing checks every length (an attribute shorter than its
 * header or running past the end is a {@link ParseError}) and records where
 * each attribute is; values are decoded on access. Every attribute is kept,
 * known to the caller or not.
 *
 * @example
 * ```ts
 * import { Attrs, AttrWriter } from "@nlts/netlink";
 * const w = new AttrWriter();
 * w.u32(4, 1500).str(3, "eth0");
 * const attrs = Attrs.parse(w.bytes());
 * attrs.u32(4); // 1500
 * attrs.str(3); // "eth0"
 * ```
 */
export class Attrs implements Iterable<Attr> {
  readonly #bytes: Uint8Array;
  readonly #types: number[] = [];
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /**
   * Parses the attributes in `bytes`. `base` is the offset of `bytes` in the
   * enclosing message, used only to report where a problem is.
   */
  static parse(bytes: Uint8Array, base = 0): Attrs {
    const attrs = new Attrs(bytes);
    const end = bytes.length;
    let at = 0;
    while (at + NLA_HDRLEN <= end) {
      const len = bytes[at] | (bytes[at + 1] << 8);
      const type = bytes[at + 2] | (bytes[at + 3] << 8);
      if (len < NLA_HDRLEN) throw new ParseError(`attribute length ${len} is shorter than its header`, base + at);
      if (at + len > end) {
        throw new ParseError(`attribute length ${len} runs past the end (${end - at} left)`, base + at);
      }
      attrs.#types.push(type);
      attrs.#starts.push(at + NLA_HDRLEN);
      attrs.#ends.push(at + len);
      at += align4(len);
    }
    // Up to 3 bytes may be left over: padding after the last attribute.
    return attrs;
  }

  /** The number of attributes. */
  get size(): number {
    return this.#types.length;
  }

  #find(type: number): number {
    const types = this.#types;
    for (let i = 0; i < types.length; i++) if ((types[i] & NLA_TYPE_MASK) === type) return i;
    return -1;
  }

  /** True when an attribute of this type is present. */
  has(type: number): boolean {
    return this.#find(type) >= 0;
  }

  /** Payload of the first attribute of this type. */
  get(type: number): Uint8Array | undefined {
    const i = this.#find(type);
    return i < 0 ? undefined : this.#bytes.subarray(this.#starts[i], this.#ends[i]);
  }

  /** Payloads of every attribute of this type, in order (multi-attributes). */
  all(type: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.#types.length; i++) {
      if ((this.#types[i] & NLA_TYPE_MASK) === type) out.push(this.#bytes.subarray(this.#starts[i], this.#ends[i]));
    }
    return out;
  }

  /** Every attribute, in wire order. */
  *[Symbol.iterator](): Iterator<Attr> {
    for (let i = 0; i < this.#types.length; i++) {
      const raw = this.#types[i];
      yield {
        type: raw & NLA_TYPE_MASK,
        nested: (raw & NLA_F_NESTED) !== 0,
        netByteOrder: (raw & NLA_F_NET_BYTEORDER) !== 0,
        value: this.#bytes.subarray(this.#starts[i], this.#ends[i]),
      };
    }
  }

  /** The attribute types present, in wire order (without flag bits). */
  types(): number[] {
    return this.#types.map((t) => t & NLA_TYPE_MASK);
  }

  #read<T>(type: number, read: (b: Uint8Array) => T): T | undefined {
    const value = this.get(type);
    if (value === undefined) return undefined;
    try {
      return read(value);
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(`attribute ${type}: ${e.message}`, 0);
      throw e;
    }
  }

  // The common readers read in place, without a view; a payload of the wrong
  // size takes the general path, which reports it.

  /** u8 value, if present. */
  u8(type: number): number | undefined {
    const i = this.#find(type);
    if (i < 0) return undefined;
    return this.#ends[i] - this.#starts[i] >= 1 ? this.#bytes[this.#starts[i]] : this.#read(type, v.u8);
  }
  /** u16 value, if present. */
  u16(type: number): number | undefined {
    const i = this.#find(type);
    if (i < 0) return undefined;
    if (this.#ends[i] - this.#starts[i] < 2) return this.#read(type, v.u16);
    const b = this.#bytes, at = this.#starts[i];
    return b[at] | (b[at + 1] << 8);
  }
  /** u32 value, if present. */
  u32(type: number): number | undefined {
    const i = this.#find(type);
    if (i < 0) return undefined;
    if (this.#ends[i] - this.#starts[i] < 4) return this.#read(type, v.u32);
    const b = this.#bytes, at = this.#starts[i];
    return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  }
  /** s32 value, if present. */
  s32(type: number): number | undefined {
    const i = this.#find(type);
    if (i < 0) return undefined;
    if (this.#ends[i] - this.#starts[i] < 4) return this.#read(type, v.s32);
    const b = this.#bytes, at = this.#starts[i];
    return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
  }
  /** u64 value as bigint, if present. */
  u64(type: number): bigint | undefined {
    return this.#read(type, v.u64);
  }
  /** u64 value as number, if present. */
  u64n(type: number): number | undefined {
    return this.#read(type, v.u64n);
  }
  /** Unsigned value of any width (1, 2, 4, 8 bytes), if present. */
  uint(type: number): number | undefined {
    return this.#read(type, v.uint);
  }
  /** Big-endian u16, if present. */
  be16(type: number): number | undefined {
    return this.#read(type, v.be16);
  }
  /** Big-endian u32, if present. */
  be32(type: number): number | undefined {
    return this.#read(type, v.be32);
  }
  /** Big-endian u64, if present. */
  be64(type: number): bigint | undefined {
    return this.#read(type, v.be64);
  }
  /** String up to the first NUL, if present. */
  str(type: number): string | undefined {
    const i = this.#find(type);
    return i < 0 ? undefined : v.strAt(this.#bytes, this.#starts[i], this.#ends[i]);
  }
  /** IPv4/IPv6 address text (by payload length), if present. */
  ip(type: number): string | undefined {
    return this.#read(type, v.ip);
  }
  /** Hardware address text, if present. */
  mac(type: number): string | undefined {
    return this.#read(type, v.mac);
  }
  /** True when a flag attribute (any payload) is present. */
  flag(type: number): boolean {
    return this.has(type);
  }
  /** The nested attribute list inside this attribute, if present. */
  nested(type: number): Attrs | undefined {
    const value = this.get(type);
    return value === undefined ? undefined : Attrs.parse(value, value.byteOffset);
  }
}

/**
 * Reads an attribute list in one forward pass without a view or an object
 * per attribute, for decoders of large dumps. {@link AttrCursor.next} checks
 * the next header exactly as {@link Attrs.parse} does (a length shorter than
 * the header or running past the end is a {@link ParseError}) and sets
 * `type`, `start` and `end`: the payload is `bytes[start, end)`. The readers
 * decode the current payload in place and check its size like the readers
 * of {@link Attrs}.
 *
 * @example
 * ```ts
 * import { AttrCursor, AttrWriter } from "@nlts/netlink/wire";
 * const bytes = new AttrWriter().u32(4, 1500).str(3, "eth0").bytes();
 * const c = new AttrCursor(bytes);
 * while (c.next()) console.log(c.type, c.type === 4 ? c.u32() : c.str()); // 4 1500, then 3 "eth0"
 * ```
 */
export class AttrCursor {
  /** The bytes `start` and `end` refer to. */
  readonly bytes: Uint8Array;
  /** Type of the current attribute, without the flag bits. */
  type = 0;
  /** Type of the current attribute as on the wire, with `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER`. */
  rawType = 0;
  /** Offset of the current payload in `bytes`. */
  start = 0;
  /** Offset just past the current payload. */
  end = 0;
  #at: number;
  readonly #limit: number;
  /** Added to an offset in `bytes` to report where a problem is. */
  readonly #base: number;

  /**
   * Reads the attributes in `bytes[from, to)`. `base` is the offset of
   * `bytes[from]` in the enclosing message, used only in error reports.
   */
  constructor(bytes: Uint8Array, from = 0, to = bytes.length, base = 0) {
    this.bytes = bytes;
    this.#at = from;
    this.#limit = Math.min(to, bytes.length);
    this.#base = base - from;
  }

  /** Moves to the next attribute; false at the end (up to 3 bytes of padding may be left over). */
  next(): boolean {
    const bytes = this.bytes, at = this.#at, left = this.#limit - at;
    if (left < NLA_HDRLEN) return false;
    const len = bytes[at] | (bytes[at + 1] << 8);
    if (len < NLA_HDRLEN) throw new ParseError(`attribute length ${len} is shorter than its header`, this.#base + at);
    if (len > left) throw new ParseError(`attribute length ${len} runs past the end (${left} left)`, this.#base + at);
    this.rawType = bytes[at + 2] | (bytes[at + 3] << 8);
    this.type = this.rawType & NLA_TYPE_MASK;
    this.start = at + NLA_HDRLEN;
    this.end = at + len;
    this.#at = at + align4(len);
    return true;
  }

  /** Payload length of the current attribute. */
  get length(): number {
    return this.end - this.start;
  }

  /** The current payload as a view (not a copy). */
  value(): Uint8Array {
    return this.bytes.subarray(this.start, this.end);
  }

  #need(size: number, what: string): void {
    const has = this.end - this.start;
    if (has < size) throw new ParseError(`attribute ${this.type}: ${what} needs ${size} bytes, has ${has}`, 0);
  }

  /** The current payload as a u8. */
  u8(): number {
    this.#need(1, "u8");
    return this.bytes[this.start];
  }
  /** The current payload as a host-order u16. */
  u16(): number {
    this.#need(2, "u16");
    const b = this.bytes, at = this.start;
    return b[at] | (b[at + 1] << 8);
  }
  /** The current payload as a host-order u32. */
  u32(): number {
    this.#need(4, "u32");
    const b = this.bytes, at = this.start;
    return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  }
  /** The current payload as a host-order s32. */
  s32(): number {
    this.#need(4, "s32");
    const b = this.bytes, at = this.start;
    return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
  }
  /** The current payload as a host-order u64, as a number. */
  u64n(): number {
    this.#need(8, "u64");
    return v.u64nAt(this.bytes, this.start);
  }
  /** The current payload as an unsigned integer of its own width (1, 2, 4 or 8 bytes). */
  uint(): number {
    switch (this.end - this.start) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 4:
        return this.u32();
      case 8:
        return this.u64n();
    }
    throw new ParseError(`attribute ${this.type}: an unsigned integer cannot be ${this.end - this.start} bytes`, 0);
  }
  /** The current payload as a string up to the first NUL. */
  str(): string {
    return v.strAt(this.bytes, this.start, this.end);
  }
  /** The current payload as address text by its length: IPv4, IPv6, else a hardware address (as `ip()` of values). */
  ip(): string {
    const len = this.end - this.start;
    if (len === 4) return v.ipv4At(this.bytes, this.start);
    return len === 16 ? v.ipv6(this.value()) : v.macAt(this.bytes, this.start, this.end);
  }
  /** The current payload as a colon-separated hardware address. */
  mac(): string {
    return v.macAt(this.bytes, this.start, this.end);
  }
}

/** Writes the low 32 bits of `value` at `b[at]`, little- or big-endian. */
function writeWord(b: Uint8Array, at: number, value: number, bigEndian: boolean): void {
  if (bigEndian) {
    b[at] = value >>> 24;
    b[at + 1] = value >> 16;
    b[at + 2] = value >> 8;
    b[at + 3] = value;
  } else {
    b[at] = value;
    b[at + 1] = value >> 8;
    b[at + 2] = value >> 16;
    b[at + 3] = value >>> 24;
  }
}

/**
 * Builds attribute lists (and, through {@link MessageWriter}, whole
 * messages) in a growable buffer. Methods chain.
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * const w = new AttrWriter();
 * w.nest(18, (info) => info.str(1, "veth"));
 * w.bytes().length; // 16
 * ```
 */
export class AttrWriter {
  /** Current write position (the length so far). */
  protected pos = 0;
  /** The buffer written into (grows by doubling). */
  protected buf: Uint8Array;
  #view: DataView | undefined;

  /** Starts with room for `capacity` bytes. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  /** A DataView over {@link buf}, made when first needed (most writes are bytes: a view per writer costs more than they do). */
  protected get dv(): DataView {
    return this.#view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes room for `n` more bytes. */
  protected reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.#view = undefined;
  }

  /** The bytes written so far (a view). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** Current length in bytes. */
  get length(): number {
    return this.pos;
  }

  /** Appends raw bytes (a fixed header struct, say), padded to 4 bytes. */
  raw(bytes: Uint8Array): this {
    this.reserve(align4(bytes.length));
    this.buf.set(bytes, this.pos);
    this.buf.fill(0, this.pos + bytes.length, this.pos + align4(bytes.length));
    this.pos += align4(bytes.length);
    return this;
  }

  /** Appends `size` zero bytes and returns a DataView over them, for fixed structs. */
  struct(size: number): DataView {
    this.reserve(align4(size));
    const at = this.pos;
    this.buf.fill(0, at, at + align4(size));
    this.pos += align4(size);
    return new DataView(this.buf.buffer, at, size);
  }

  /** Appends an attribute with a raw payload. */
  attr(type: number, value: Uint8Array): this {
    const len = NLA_HDRLEN + value.length;
    if (len > 0xffff) throw new RangeError(`attribute ${type} is ${len} bytes, more than nla_len can hold`);
    this.reserve(align4(len));
    const b = this.buf, at = this.pos;
    b[at] = len;
    b[at + 1] = len >> 8;
    b[at + 2] = type;
    b[at + 3] = type >> 8;
    b.set(value, at + NLA_HDRLEN);
    this.buf.fill(0, this.pos + len, this.pos + align4(len));
    this.pos += align4(len);
    return this;
  }

  /** Writes an attribute header of payload length `size` at the end, with room for the padded payload. */
  #header(type: number, size: number): number {
    const len = NLA_HDRLEN + size;
    if (len > 0xffff) throw new RangeError(`attribute ${type} is ${len} bytes, more than nla_len can hold`);
    const total = (len + 3) & ~3;
    if (this.pos + total > this.buf.length) this.reserve(total);
    const b = this.buf, at = this.pos;
    b[at] = len;
    b[at + 1] = len >> 8;
    b[at + 2] = type;
    b[at + 3] = type >> 8;
    // Zero the padding after the payload (the buffer may hold old bytes after a reserve).
    for (let i = at + len; i < at + total; i++) b[i] = 0;
    this.pos = at + total;
    return at + NLA_HDRLEN;
  }

  /**
   * An integer attribute of `size` bytes (1, 2, 4 or 8) holding the low
   * bits of `value` (an integer number; negative numbers as two's
   * complement), in host order or big-endian. Every integer method writes
   * through this (a bigint goes to {@link int64}); no range is checked here.
   */
  int(type: number, size: 1 | 2 | 4 | 8, value: number, bigEndian = false): this {
    const at = this.#header(type, size);
    const b = this.buf;
    if (size === 1) b[at] = value;
    else if (size === 2) {
      if (bigEndian) {
        b[at] = value >> 8;
        b[at + 1] = value;
      } else {
        b[at] = value;
        b[at + 1] = value >> 8;
      }
    } else if (size === 4) writeWord(b, at, value, bigEndian);
    else {
      // The high word by division: exact for every integer a number holds.
      const high = Math.floor(value / 0x100000000);
      writeWord(b, bigEndian ? at : at + 4, high, bigEndian);
      writeWord(b, bigEndian ? at + 4 : at, value, bigEndian);
    }
    return this;
  }

  /** An 8-byte integer attribute holding the low 64 bits of a bigint, host order or big-endian. */
  int64(type: number, value: bigint, bigEndian = false): this {
    const at = this.#header(type, 8);
    this.dv.setBigUint64(at, BigInt.asUintN(64, value), !bigEndian);
    return this;
  }

  /** A zero-length flag attribute. */
  flag(type: number): this {
    this.#header(type, 0);
    return this;
  }
  /** u8 attribute. */
  u8(type: number, value: number): this {
    return this.int(type, 1, value);
  }
  /** u16 attribute (host order). */
  u16(type: number, value: number): this {
    return this.int(type, 2, value);
  }
  /** u32 attribute (host order). */
  u32(type: number, value: number): this {
    return this.int(type, 4, value);
  }
  /** s32 attribute (host order). */
  s32(type: number, value: number): this {
    return this.int(type, 4, value);
  }
  /** u64 attribute (host order). */
  u64(type: number, value: bigint | number): this {
    return this.int64(type, BigInt(value));
  }
  /** Big-endian u16 attribute (ports). */
  be16(type: number, value: number): this {
    return this.int(type, 2, value, true);
  }
  /** Big-endian u32 attribute. */
  be32(type: number, value: number): this {
    return this.int(type, 4, value, true);
  }
  /** Big-endian u64 attribute. */
  be64(type: number, value: bigint | number): this {
    return this.int64(type, BigInt(value), true);
  }
  /** NUL-terminated string attribute. */
  str(type: number, value: string): this {
    const n = value.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (value.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return this.attr(type, v.cstr(value));
    // ASCII: one byte per character, written in place.
    const at = this.#header(type, n + 1);
    const b = this.buf;
    for (let i = 0; i < n; i++) b[at + i] = value.charCodeAt(i);
    b[at + n] = 0;
    return this;
  }
  /** IPv4 or IPv6 address attribute from text. */
  ip(type: number, value: string): this {
    return this.attr(type, v.parseIP(value));
  }
  /** Hardware address attribute from text. */
  mac(type: number, value: string): this {
    return this.attr(type, v.parseMac(value));
  }
  /** Opens a nested attribute (NLA_F_NESTED set) and returns its offset for {@link endNest}. */
  beginNest(type: number, nestedFlag = true): number {
    this.reserve(NLA_HDRLEN);
    const at = this.pos;
    const t = nestedFlag ? type | NLA_F_NESTED : type;
    this.buf[at + 2] = t;
    this.buf[at + 3] = t >> 8;
    this.pos += NLA_HDRLEN;
    return at;
  }

  /** Closes a nested attribute opened at `at`. */
  endNest(at: number): this {
    const len = this.pos - at;
    if (len > 0xffff) throw new RangeError(`nested attribute is ${len} bytes, more than nla_len can hold`);
    this.buf[at] = len;
    this.buf[at + 1] = len >> 8;
    return this;
  }

  /** Writes a nested attribute whose contents `fill` writes. */
  nest(type: number, fill: (w: this) => void, nestedFlag = true): this {
    const at = this.beginNest(type, nestedFlag);
    fill(this);
    return this.endNest(at);
  }
}
