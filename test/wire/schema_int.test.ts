// Integers through the one attribute schema (src/wire/schema.ts): every
// width, byte order and sign at its bounds, as attributes and as struct
// members, against bytes laid out from the uapi (`struct nlattr`: u16 nla_len,
// u16 nla_type in host order, the payload, zero padding to 4 bytes; integers
// two's complement, host order unless the attribute is big-endian). The
// reference bytes below come from bigint arithmetic, not from the writer.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { AttrWriter } from "../../src/wire/attrs.ts";
import {
  type AttrDef,
  type AttrSet,
  decodeAttrs,
  decodeStruct,
  defineStruct,
  encodeAttrs,
  encodeStruct,
  type IntType,
  useDecoder,
} from "../../src/wire/schema.ts";

/** The payload of `value` as a `width`-byte two's complement integer. */
function intPayload(value: bigint, width: number, bigEndian: boolean): number[] {
  let bits = BigInt.asUintN(width * 8, value);
  const little: number[] = [];
  for (let i = 0; i < width; i++) {
    little.push(Number(bits & 0xffn));
    bits >>= 8n;
  }
  return bigEndian ? little.reverse() : little;
}

/** One `struct nlattr` with its padding. */
function nla(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  const out = [len & 0xff, len >> 8, type & 0xff, type >> 8, ...payload];
  while (out.length % 4) out.push(0);
  return out;
}

interface Width {
  type: IntType;
  width: number;
  signed: boolean;
}

const WIDTHS: Width[] = [
  { type: "u8", width: 1, signed: false },
  { type: "s8", width: 1, signed: true },
  { type: "u16", width: 2, signed: false },
  { type: "s16", width: 2, signed: true },
  { type: "u32", width: 4, signed: false },
  { type: "s32", width: 4, signed: true },
  { type: "u64", width: 8, signed: false },
  { type: "s64", width: 8, signed: true },
];

/** The values at the edges of a width: 0, ±1, min, max and their neighbours; 2^53 ± 1 for 64 bits. */
function edges({ width, signed }: Width): bigint[] {
  const bits = BigInt(width * 8);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  const values = [0n, 1n, min, min + 1n, max, max - 1n, max >> 1n, (max >> 1n) + 1n];
  if (signed) values.push(-1n, -2n);
  if (width === 8) {
    const safe = 2n ** 53n;
    values.push(safe - 1n, safe, safe + 1n);
    if (signed) values.push(-(safe - 1n), -safe, -(safe + 1n));
  }
  return values;
}

function bounds({ width, signed }: Width): [bigint, bigint] {
  const bits = BigInt(width * 8);
  return signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

/** `value` as a number when a number holds it exactly. */
function asExactNumber(value: bigint): number | undefined {
  const n = Number(value);
  return BigInt(n) === value ? n : undefined;
}

/** Runs `fn` under both decoders (the table walk and the generated function). */
function bothDecoders(fn: (kind: string) => void): void {
  const before = useDecoder("table");
  try {
    fn("table");
    useDecoder("function");
    fn("function");
  } finally {
    useDecoder(before);
  }
}

test("wire schema integers: every width, sign and byte order at its bounds is the uapi's bytes, and reads back", () => {
  let checked = 0;
  for (const w of WIDTHS) {
    for (const bigEndian of [false, true]) {
      const def = { id: 5, type: w.type, ...(bigEndian ? { "byte-order": "big-endian" } : {}) } as AttrDef;
      const set: AttrSet = { name: "ints", attributes: { x: def } };
      const asNumber: AttrSet = { name: "ints", attributes: { x: { ...def, as: "number" } } };
      const label = `${w.type}${bigEndian ? " big-endian" : ""}`;
      for (const value of edges(w)) {
        const expected = nla(5, intPayload(value, w.width, bigEndian));
        // A bigint input is accepted at every width; a number wherever it is exact.
        const inputs: (number | bigint)[] = [value];
        const exact = asExactNumber(value);
        if (exact !== undefined) inputs.push(exact);
        for (const input of inputs) {
          assert.deepEqual([...encodeAttrs(set, { x: input })], expected, `${label} ${typeof input} ${value}`);
        }
        const bytes = new Uint8Array(expected);
        bothDecoders((kind) => {
          const want = w.width === 8 ? value : Number(value);
          assert.deepEqual(decodeAttrs(set, bytes).x, want, `${label} ${kind} decode ${value}`);
          if (w.width === 8) {
            assert.equal(decodeAttrs(asNumber, bytes).x, Number(value), `${label} ${kind} as number ${value}`);
          }
        });
        checked++;
      }
      const [min, max] = bounds(w);
      for (const outside of [min - 1n, max + 1n]) {
        const pattern = new RegExp(`ints\\.x: ${outside} is out of range for ${w.type}`);
        assert.throws(() => encodeAttrs(set, { x: outside }), pattern);
        const exact = asExactNumber(outside);
        if (exact !== undefined) assert.throws(() => encodeAttrs(set, { x: exact }), pattern);
      }
      assert.throws(() => encodeAttrs(set, { x: 1.5 }), /ints\.x: 1\.5 is not an integer/);
      assert.throws(() => encodeAttrs(set, { x: "7" }), /ints\.x: 7 is not an integer/);
    }
  }
  assert.equal(checked, 2 * WIDTHS.reduce((n, w) => n + edges(w).length, 0));
});

test("wire schema integers: signed big-endian attributes are read in network order (nf_tables verdicts, hook priorities)", () => {
  const set: AttrSet = {
    name: "signed",
    attributes: {
      code: { id: 1, type: "s32", "byte-order": "big-endian" },
      small: { id: 2, type: "s16", "byte-order": "big-endian" },
      wide: { id: 3, type: "s64", "byte-order": "big-endian" },
      wideN: { id: 4, type: "s64", "byte-order": "big-endian", as: "number" },
      tiny: { id: 5, type: "s8", "byte-order": "big-endian" },
    },
  };
  // NFT_JUMP (-3) as nf_tables sends it; -2 in 16 bits; -(2^53 + 1) and -300 in 64 bits; -1 in 8 bits.
  const bytes = new Uint8Array([
    ...[8, 0, 1, 0, 0xff, 0xff, 0xff, 0xfd],
    ...[6, 0, 2, 0, 0xff, 0xfe, 0, 0],
    ...[12, 0, 3, 0, 0xff, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ...[12, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xd4],
    ...[5, 0, 5, 0, 0xff, 0, 0, 0],
  ]);
  const value = { code: -3, small: -2, wide: -(2n ** 53n + 1n), wideN: -300, tiny: -1 };
  bothDecoders((kind) => assert.deepEqual(decodeAttrs(set, bytes), value, kind));
  assert.deepEqual([...encodeAttrs(set, value)], [...bytes]);
  // A name for a negative value reads back as the name.
  const verdict: AttrSet = {
    name: "verdict",
    attributes: { code: { id: 1, type: "s32", "byte-order": "big-endian", enum: { jump: -3, accept: 1 } } },
  };
  bothDecoders(() => assert.equal(decodeAttrs(verdict, bytes.subarray(0, 8)).code, "jump"));
  assert.deepEqual([...encodeAttrs(verdict, { code: "jump" })], [...bytes.subarray(0, 8)]);
  assert.throws(() => encodeAttrs(verdict, { code: 0xfffffffd }), /out of range for s32/);
});

test("wire schema integers: uint and sint take 4 bytes, or 8 when the value needs them", () => {
  const set: AttrSet = {
    name: "var",
    attributes: {
      u: { id: 1, type: "uint" },
      s: { id: 2, type: "sint" },
      ub: { id: 3, type: "uint", "byte-order": "big-endian" },
    },
  };
  const cases: [string, bigint, number][] = [
    ["u", 0n, 4],
    ["u", 0xffffffffn, 4],
    ["u", 0x100000000n, 8],
    ["u", 2n ** 64n - 1n, 8],
    ["s", -1n, 4],
    ["s", -(2n ** 31n), 4],
    ["s", 2n ** 31n - 1n, 4],
    ["s", 2n ** 31n, 8],
    ["s", -(2n ** 31n) - 1n, 8],
    ["s", -(2n ** 63n), 8],
    ["ub", 258n, 4],
    ["ub", 2n ** 53n + 1n, 8],
  ];
  for (const [key, value, width] of cases) {
    const id = set.attributes[key].id;
    const expected = nla(id, intPayload(value, width, key === "ub"));
    assert.deepEqual([...encodeAttrs(set, { [key]: value })], expected, `${key} ${value}`);
    const exact = asExactNumber(value);
    if (exact !== undefined) assert.deepEqual([...encodeAttrs(set, { [key]: exact })], expected, `${key} ${exact}`);
    bothDecoders((kind) => assert.equal(decodeAttrs(set, new Uint8Array(expected))[key], value, `${kind} ${key}`));
  }
  assert.throws(() => encodeAttrs(set, { u: -1 }), /var\.u: -1 is out of range for uint/);
  assert.throws(() => encodeAttrs(set, { u: 2n ** 64n }), /out of range for uint/);
  assert.throws(() => encodeAttrs(set, { s: 2 ** 63 }), /out of range for sint/);
});

test("wire schema integers: struct members of every width, sign and byte order at their bounds", () => {
  for (const w of WIDTHS) {
    for (const bigEndian of [false, true]) {
      const struct = defineStruct({
        name: "st",
        members: [
          { name: "lead", type: "u8" },
          { name: "x", type: w.type, ...(bigEndian ? { "byte-order": "big-endian" as const } : {}) },
        ],
      });
      for (const value of edges(w)) {
        const expected = [9, ...intPayload(value, w.width, bigEndian)];
        const exact = asExactNumber(value);
        const inputs: (number | bigint)[] = w.width === 8 ? [value] : [];
        if (exact !== undefined) inputs.push(exact);
        for (const input of inputs) {
          const bytes = encodeStruct(struct, { lead: 9, x: input } as never);
          assert.deepEqual([...bytes], expected, `${w.type} ${bigEndian} ${typeof input} ${value}`);
        }
        const decoded = decodeStruct(struct, new Uint8Array(expected)) as { x: number | bigint };
        assert.equal(decoded.x, w.width === 8 ? value : Number(value), `${w.type} ${bigEndian} decode ${value}`);
      }
      const [min, max] = bounds(w);
      for (const outside of [min - 1n, max + 1n]) {
        assert.throws(() => encodeStruct(struct, { x: outside } as never), /st\.x: .* is out of range/);
      }
    }
  }
});

test("wire schema integers: AttrWriter's integer methods write the uapi layout (and the low bits, unchecked)", () => {
  const w = new AttrWriter()
    .u8(1, 0xff)
    .u16(2, 0xfffe)
    .u32(3, 0xfffffffd)
    .s32(4, -2)
    .u64(5, 2 ** 53 - 1)
    .u64(6, 0xfedcba9876543210n)
    .be16(7, 0x0102)
    .be32(8, 0x01020304)
    .be64(9, 0x0102030405060708n)
    .u32(10, -1)
    .int(11, 8, -(2 ** 53), true)
    .str(12, "eth0")
    .str(13, "é")
    .flag(14);
  assert.deepEqual([...w.bytes()], [
    ...nla(1, [0xff]),
    ...nla(2, [0xfe, 0xff]),
    ...nla(3, [0xfd, 0xff, 0xff, 0xff]),
    ...nla(4, [0xfe, 0xff, 0xff, 0xff]),
    ...nla(5, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0]),
    ...nla(6, [0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe]),
    ...nla(7, [1, 2]),
    ...nla(8, [1, 2, 3, 4]),
    ...nla(9, [1, 2, 3, 4, 5, 6, 7, 8]),
    ...nla(10, [0xff, 0xff, 0xff, 0xff]),
    ...nla(11, [0xff, 0xe0, 0, 0, 0, 0, 0, 0]),
    ...nla(12, [0x65, 0x74, 0x68, 0x30, 0]),
    ...nla(13, [0xc3, 0xa9, 0]),
    ...nla(14, []),
  ]);
});
