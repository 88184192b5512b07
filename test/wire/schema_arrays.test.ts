// Schema features for kernel arrays (uapi bytes): `partial` structs (an
// array the kernel sizes by its version: devconf), struct members and
// `sub-type` arrays of u64 read as numbers, `sub-type` arrays of the other
// integer types, and nests and structs called from the generated decoder:
// the generated decoder and the table walk give the same objects and errors.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { AttrWriter, ParseError } from "../../src/wire/mod.ts";
import {
  type AttrSet,
  decodeAttrs,
  decodeStruct,
  defineAttrSet,
  encodeAttrs,
  useDecoder,
} from "../../src/wire/schema.ts";
import { ipv6, ipv6At } from "../../src/wire/values.ts";

const CONF = {
  name: "conf",
  partial: true,
  members: [{ name: "a", type: "s32" }, { name: "b", type: "u32" }, { name: "c", type: "s32" }],
} as const;

const WIDE = {
  name: "wide",
  members: [
    ...Array.from({ length: 8 }, (_, i) => ({ name: `m${i}`, type: "u32" as const })),
    { name: "big", type: "u64", as: "number" },
    { name: "exact", type: "u64" },
  ],
} as const;

const SET: AttrSet = defineAttrSet({
  name: "arrays",
  attributes: {
    conf: { id: 1, type: "binary", struct: CONF },
    wide: { id: 2, type: "binary", struct: WIDE },
    counters: { id: 3, type: "binary", "sub-type": "u64", as: "number" },
    exact: { id: 4, type: "binary", "sub-type": "u64" },
    words: { id: 5, type: "binary", "sub-type": "s32" },
    halves: { id: 6, type: "binary", "sub-type": "u16" },
    inner: { id: 7, type: "nest", nested: (): AttrSet => SET },
  },
});

const le32 = (...v: number[]) => new Uint8Array(new Int32Array(v).buffer);
function le64(...v: bigint[]): Uint8Array {
  const out = new Uint8Array(v.length * 8);
  const dv = new DataView(out.buffer);
  v.forEach((x, i) => dv.setBigUint64(i * 8, x, true));
  return out;
}

/** Both decoders, which must agree. */
function decodeBoth(bytes: Uint8Array): Record<string, unknown> {
  const generated = decodeAttrs(SET, bytes) as Record<string, unknown>;
  const before = useDecoder("table");
  try {
    assert.deepStrictEqual(decodeAttrs(SET, bytes), generated);
  } finally {
    useDecoder(before);
  }
  return generated;
}

test("a partial struct: the members that fit a shorter payload, all of them from a longer one", () => {
  const w = new AttrWriter();
  w.attr(1, le32(-1, 7));
  assert.deepStrictEqual(decodeBoth(w.bytes()), { conf: { a: -1, b: 7 } });
  const long = new AttrWriter();
  long.attr(1, le32(1, -2, 3, 4));
  assert.deepStrictEqual(decodeBoth(long.bytes()), { conf: { a: 1, b: 0xfffffffe, c: 3 } });
  assert.deepStrictEqual(decodeStruct(CONF, le32(5)), { a: 5 });
  // The same struct without `partial` refuses a short payload.
  assert.throws(() => decodeStruct({ ...CONF, partial: false }, le32(5)), ParseError);
});

test("struct members and sub-type arrays of u64: numbers with as: number (high words kept), bigints without", () => {
  const w = new AttrWriter();
  const wide = new Uint8Array(8 * 4 + 16);
  wide.set(le32(1, 2, 3, 4, 5, 6, 7, 8));
  wide.set(le64((3n << 32n) + 5n, 2n ** 64n - 1n), 32);
  w.attr(2, wide);
  w.attr(3, le64(0n, 9n, (1n << 40n) + 1n));
  w.attr(4, le64(2n ** 64n - 1n));
  const out = decodeBoth(w.bytes());
  assert.deepStrictEqual(out.wide, {
    m0: 1,
    m1: 2,
    m2: 3,
    m3: 4,
    m4: 5,
    m5: 6,
    m6: 7,
    m7: 8,
    big: 3 * 2 ** 32 + 5,
    exact: 2n ** 64n - 1n,
  });
  assert.deepStrictEqual(out.counters, [0, 9, 2 ** 40 + 1]);
  assert.deepStrictEqual(out.exact, [2n ** 64n - 1n]);
});

test("sub-type arrays at any alignment, of s32 and u16, encoded back; a ragged payload is a ParseError naming it", () => {
  // A payload at an offset that is not a multiple of 4 of its buffer: read the slow way, same values.
  const w = new AttrWriter();
  w.attr(3, le64(1n, 2n));
  w.attr(5, le32(-3, 4));
  w.attr(6, new Uint8Array([1, 0, 2, 1]));
  const bytes = w.bytes();
  const shifted = new Uint8Array(bytes.length + 2).subarray(2);
  shifted.set(bytes);
  for (const b of [bytes, shifted]) {
    assert.deepStrictEqual(decodeBoth(b), { counters: [1, 2], words: [-3, 4], halves: [1, 258] });
  }
  const encoded = encodeAttrs(SET, { counters: [1, 2], words: [-3, 4], halves: [1, 258] });
  assert.deepStrictEqual([...encoded], [...bytes]);
  assert.throws(() => encodeAttrs(SET, { halves: [70000] }), TypeError);
  const ragged = new AttrWriter();
  ragged.attr(3, new Uint8Array(12));
  for (const kind of ["function", "table"] as const) {
    const before = useDecoder(kind);
    try {
      assert.throws(
        () => decodeAttrs(SET, ragged.bytes()),
        (e: Error) =>
          e instanceof ParseError && /arrays\.counters: 12 bytes is not a whole number of u64/.test(e.message),
      );
    } finally {
      useDecoder(before);
    }
  }
  assert.throws(
    () => defineAttrSet({ name: "bad", attributes: { x: { id: 1, type: "u32", "sub-type": "u32" } } }),
    TypeError,
  );
});

test("a nest decoded through its own generated decoder, a set nesting itself, errors named inside it", () => {
  const w = new AttrWriter();
  w.nest(7, (n) => n.nest(7, (m) => m.attr(5, le32(1))).attr(5, le32(2)));
  assert.deepStrictEqual(decodeBoth(w.bytes()), { inner: { inner: { words: [1] }, words: [2] } });
  const bad = new AttrWriter();
  bad.nest(7, (n) => n.attr(3, new Uint8Array(4)));
  assert.throws(
    () => decodeAttrs(SET, bad.bytes()),
    (e: Error) => e instanceof ParseError && /counters/.test(e.message),
  );
});

test("ipv6At writes what ipv6 writes, at any offset, including the zero, mapped and compatible forms", () => {
  const cases = [
    "::",
    "::1",
    "fe80::1",
    "2001:db8::8:800:200c:417a",
    "::ffff:192.0.2.1",
    "::192.0.2.1",
    "2001:db8:0:0:1:0:0:1",
    "1:0:0:2::3",
  ];
  for (const text of cases) {
    const bytes = new Uint8Array(16);
    // Built by hand from the groups, so that the test does not use the code under test to parse.
    const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
    const parse = (s: string) => (s === "" ? [] : s.split(":"));
    const groups: number[] = [];
    const put = (parts: string[]) => {
      for (const p of parts) {
        if (p.includes(".")) {
          const [a, b, c, d] = p.split(".").map(Number);
          groups.push((a << 8) | b, (c << 8) | d);
        } else groups.push(parseInt(p, 16));
      }
    };
    put(parse(head));
    const after: number[] = [];
    if (tail !== undefined) {
      const save = groups.splice(0);
      put(parse(tail));
      after.push(...groups.splice(0));
      groups.push(...save, ...Array(8 - save.length - after.length).fill(0), ...after);
    }
    groups.forEach((g, i) => {
      bytes[2 * i] = g >> 8;
      bytes[2 * i + 1] = g & 255;
    });
    const padded = new Uint8Array(19);
    padded.set(bytes, 3);
    assert.equal(ipv6At(padded, 3), ipv6(bytes), text);
    assert.equal(ipv6(bytes), text.replace("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), text);
  }
});
