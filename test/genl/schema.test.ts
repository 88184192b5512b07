// The attribute-set schema on its own: encoding, decoding, typed results,
// malformed input, ext-ACK offsets mapped back to names. Bytes are built by
// hand (no kernel involved).
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { AttrWriter, ParseError } from "../../mod.ts";
import { decodeAttrs, decodeMessage, defineAttrSet, encodeAttrs } from "../../src/genl/mod.ts";
import { attributePathAt, flagNames, locate } from "../../src/wire/schema.ts";
import { splitGenl } from "../../src/genl/family.ts";

const inner = defineAttrSet({
  name: "inner",
  attributes: {
    index: { id: 1, type: "u32" },
    label: { id: 2, type: "string" },
  },
});

const sample = defineAttrSet({
  name: "sample",
  attributes: {
    u8: { id: 1, type: "u8" },
    u16: { id: 2, type: "u16" },
    u32: { id: 3, type: "u32" },
    u64: { id: 4, type: "u64" },
    s8: { id: 5, type: "s8" },
    s16: { id: 6, type: "s16" },
    s32: { id: 7, type: "s32" },
    s64: { id: 8, type: "s64" },
    uint: { id: 9, type: "uint" },
    sint: { id: 10, type: "sint" },
    be16: { id: 11, type: "be16" },
    be32: { id: 12, type: "be32" },
    name: { id: 13, type: "string" },
    blob: { id: 14, type: "binary" },
    on: { id: 15, type: "flag" },
    addr: { id: 16, type: "ip" },
    addr6: { id: 17, type: "ip" },
    lladdr: { id: 18, type: "mac" },
    state: { id: 19, type: "u8", enum: ["down", "up", null, "dormant"] },
    kind: { id: 20, type: "u32", enum: { tcp: 6, udp: 17 } },
    opts: { id: 21, type: "u32", flags: ["a", "b", "c"] },
    wide: { id: 22, type: "u64", flags: { low: 1, high: 2 ** 40 } },
    child: { id: 23, type: "nest", nested: inner },
    list: { id: 24, type: "nest-array", nested: inner },
    tag: { id: 25, type: "u16", multi: true },
    bf: { id: 26, type: "bitfield32" },
    port: { id: 27, type: "be16" },
  },
});

test("schema: every type encodes and decodes back to the same value", () => {
  const value = {
    u8: 255,
    u16: 65535,
    u32: 4294967295,
    u64: 18446744073709551615n,
    s8: -128,
    s16: -32768,
    s32: -2147483648,
    s64: -9223372036854775808n,
    uint: 5000000000n,
    sint: -5n,
    be16: 0x1234,
    be32: 0x12345678,
    name: "veth0",
    blob: new Uint8Array([1, 2, 3]),
    on: true,
    addr: "192.0.2.1",
    addr6: "2001:db8::1",
    lladdr: "02:00:00:00:00:01",
    state: "dormant",
    kind: "udp",
    opts: ["a", "c"],
    wide: ["low", "high"],
    child: { index: 7, label: "x" },
    list: [{ index: 1 }, { label: "two" }],
    tag: [1, 2, 3],
    bf: { value: 1, selector: 3 },
    port: 443,
  } as const;
  const decoded = decodeAttrs(sample, encodeAttrs(sample, value));
  assert.deepEqual(decoded, {
    ...value,
    opts: ["a", "c"],
    wide: ["low", "high"],
    list: [{ index: 1 }, { label: "two" }],
    tag: [1, 2, 3],
    blob: new Uint8Array([1, 2, 3]),
  });
  // Types follow the schema (a compile-time check under deno check).
  const s: string | number | undefined = decoded.state;
  const big: bigint | undefined = decoded.u64;
  const nested: number | undefined = decoded.child?.index;
  const many: number[] | undefined = decoded.tag;
  assert.equal(s, "dormant");
  assert.equal(big, 18446744073709551615n);
  assert.equal(nested, 7);
  assert.deepEqual(many, [1, 2, 3]);
});

test("schema: wire layout of integers, strings, be16 and nests matches the uapi encoding", () => {
  const bytes = encodeAttrs(sample, { u16: 0x0102, name: "ab", port: 80, child: { index: 1 } });
  assert.deepEqual([...bytes], [
    6,
    0,
    2,
    0,
    0x02,
    0x01,
    0,
    0, // u16, padded
    7,
    0,
    13,
    0,
    0x61,
    0x62,
    0,
    0, // "ab\0", padded
    12,
    0,
    23,
    0x80,
    8,
    0,
    1,
    0,
    1,
    0,
    0,
    0, // nest (NLA_F_NESTED) holding u32 1
    6,
    0,
    27,
    0,
    0,
    80,
    0,
    0, // be16 80
  ]);
  // uint is 4 bytes when it fits, 8 when not.
  assert.equal(encodeAttrs(sample, { uint: 1 }).length, 8);
  assert.equal(encodeAttrs(sample, { uint: 2n ** 33n }).length, 12);
});

test("schema: unknown enum values and flag bits stay numbers; unknown attributes are kept raw", () => {
  const w = new AttrWriter();
  w.u8(19, 9).u32(21, 0b1010).u32(99, 5);
  const d = decodeAttrs(sample, w.bytes());
  assert.equal(d.state, 9);
  assert.deepEqual(d.opts, ["b", 8]);
  assert.equal(d.unknown?.length, 1);
  assert.equal(d.unknown?.[0].type, 99);
  assert.deepEqual([...d.unknown![0].value], [5, 0, 0, 0]);
  assert.deepEqual(flagNames(["x"], 2n ** 40n), [2 ** 40]);
});

test("schema: bad input is a TypeError before anything is sent", () => {
  assert.throws(() => encodeAttrs(sample, { u8: 256 }), /out of range for u8/);
  assert.throws(() => encodeAttrs(sample, { u32: -1 }), /out of range/);
  assert.throws(() => encodeAttrs(sample, { u16: 1.5 }), /not an integer/);
  assert.throws(
    () => encodeAttrs(sample, { state: "sideways" as "up" }),
    /unknown value "sideways" \(known: down, up, dormant\)/,
  );
  assert.throws(() => encodeAttrs(sample, { opts: ["z" as "a"] }), /unknown flag "z"/);
  assert.throws(() => encodeAttrs(sample, { nope: 1 } as never), /unknown attribute "nope"/);
  assert.throws(() => encodeAttrs(sample, { child: { bogus: 1 } } as never), /sample.child: unknown attribute "bogus"/);
  assert.throws(() => encodeAttrs(sample, { addr: "300.1.1.1" }));
  assert.throws(() => defineAttrSet({ name: "bad", attributes: { n: { id: 1, type: "nest" } } }), /needs a nested set/);
});

test("schema: malformed bytes are a ParseError naming the attribute, never a RangeError", () => {
  const good = encodeAttrs(sample, {
    u32: 1,
    u64: 2n,
    name: "x",
    child: { index: 1, label: "y" },
    list: [{ index: 3 }],
    addr: "10.0.0.1",
    bf: { value: 1, selector: 1 },
  });
  // Every truncation either decodes (cut on an attribute boundary) or is a ParseError.
  for (let n = 0; n < good.length; n++) {
    try {
      decodeAttrs(sample, good.subarray(0, n));
    } catch (e) {
      assert.ok(e instanceof ParseError, `cut at ${n}: ${e}`);
    }
  }
  // A u32 of 3 bytes, a u64 of 4, an address of 5, a length running past the end, a length under 4.
  const cases: [number[], RegExp][] = [
    [[7, 0, 3, 0, 1, 2, 3, 0], /sample.u32: u32 of 3 bytes/],
    [[8, 0, 4, 0, 1, 2, 3, 4], /sample.u64: u64 of 4 bytes/],
    [[9, 0, 16, 0, 1, 2, 3, 4, 5, 0, 0, 0], /sample.addr: an address of 5 bytes/],
    [[12, 0, 3, 0, 1, 0, 0, 0], /runs past the end/],
    [[2, 0, 3, 0], /shorter than its header/],
    [[12, 0, 23, 0x80, 9, 0, 1, 0, 1, 0, 0, 0], /runs past the end/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(
      () => decodeAttrs(sample, new Uint8Array(bytes)),
      (e: unknown) => e instanceof ParseError && re.test(e.message),
    );
  }
  // Random garbage: always returns or throws ParseError, and terminates.
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let round = 0; round < 2000; round++) {
    const bytes = new Uint8Array(rand() % 64).map(() => rand());
    try {
      decodeAttrs(sample, bytes);
    } catch (e) {
      assert.ok(e instanceof ParseError, `garbage round ${round}: ${e}`);
    }
  }
});

test("schema: a genl payload shorter than genlmsghdr is a ParseError", () => {
  const msg = { type: 0x15, flags: 0, seq: 0, pid: 0, payload: new Uint8Array([1, 1]) };
  assert.throws(() => splitGenl(msg), ParseError);
  assert.throws(() => decodeMessage(sample, msg), ParseError);
  assert.equal(splitGenl({ ...msg, payload: new Uint8Array([3, 1, 0, 0]) }).header.command, 3);
});

test("schema: an offset into the encoded request maps back to the attribute path", () => {
  const bytes = encodeAttrs(sample, { u8: 1, child: { index: 2, label: "abc" }, list: [{ index: 1 }, { label: "z" }] });
  // u8 at 0..7, child at 8: header 8..11, index 12..19, label 20..27; list at 28.
  assert.deepEqual(attributePathAt(sample, bytes, 0), ["u8"]);
  assert.deepEqual(attributePathAt(sample, bytes, 8), ["child"]);
  assert.deepEqual(attributePathAt(sample, bytes, 12), ["child", "index"]);
  assert.deepEqual(attributePathAt(sample, bytes, 20), ["child", "label"]);
  assert.deepEqual(attributePathAt(sample, bytes, 28), ["list"]);
  // list: header 28..31, element 0 at 32 (hdr 32, index 36..43), element 1 at 44 (hdr 44, label 48..).
  assert.deepEqual(attributePathAt(sample, bytes, 36), ["list", 0, "index"]);
  assert.deepEqual(attributePathAt(sample, bytes, 48), ["list", 1, "label"]);
  assert.equal(attributePathAt(sample, bytes, bytes.length + 4), undefined);
  assert.equal(locate(sample, bytes, 8)?.inner, inner);
  // Garbage never throws.
  assert.equal(attributePathAt(sample, new Uint8Array([1, 0, 0, 0]), 0), undefined);
});
