// The one attribute schema (src/wire/schema.ts) beyond what the genl tests
// cover: the YNL vocabulary (byte-order, enum-as-flags, indexed-array,
// nest-type-value, sub-message, struct, pad), duplicate rules, the one list of
// unknown attributes, decode(encode(x)) round trips, and uapi paths of
// extended-ACK offsets. Bytes are built by hand from the uapi layout.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { AttrWriter, MessageWriter, ParseError } from "../../src/wire/mod.ts";
import {
  attributePathName,
  decodeAttrs,
  decodeAttrsAt,
  decodeStruct,
  defineAttrSet,
  defineStruct,
  encodeAttrs,
  encodeStruct,
  requestAttributePath,
  structSize,
  useDecoder,
} from "../../src/wire/schema.ts";

const range = defineStruct({
  name: "ifla_vxlan_port_range",
  members: [{ name: "low", type: "u16", "byte-order": "big-endian" }, { name: "high", type: "be16" }],
});

const entry = defineAttrSet({
  name: "entry",
  prefix: "E_",
  attributes: { gateway: { id: 1, type: "ip" }, weight: { id: 2, type: "u8" } },
});

const vxlan = defineAttrSet({
  name: "vxlan",
  prefix: "IFLA_VXLAN_",
  attributes: { id: { id: 1, type: "u32" }, learning: { id: 7, type: "u8", as: "boolean" } },
});
const veth = defineAttrSet({ name: "veth", prefix: "VETH_INFO_", attributes: { peer: { id: 1, type: "binary" } } });

const info = defineAttrSet({
  name: "linkinfo",
  prefix: "IFLA_INFO_",
  attributes: {
    kind: { id: 1, type: "string" },
    data: { id: 2, type: "sub-message", selector: "kind", formats: { vxlan, veth } },
  },
});

const sample = defineAttrSet({
  name: "sample",
  prefix: "S_",
  attributes: {
    port: { id: 1, type: "u16", "byte-order": "big-endian" },
    mode: { id: 2, type: "u32", enum: ["a", "b", "c"], "enum-as-flags": true },
    first: { id: 3, type: "u32" },
    last: { id: 4, type: "u32", duplicate: "last" },
    all: { id: 5, type: "u32", "multi-attr": true },
    hops: { id: 6, type: "indexed-array", nested: entry },
    byType: { id: 7, type: "nest-type-value", nested: entry },
    range: { id: 8, type: "binary", struct: range },
    pad: { id: 9, type: "pad" },
    counter: { id: 10, type: "u64", as: "number" },
    linkinfo: { id: 11, type: "nest", nested: info },
    inherit: { id: 12, type: "flag", as: "boolean" },
    raw64: { id: 13, type: "u64", "byte-order": "big-endian" },
    delta: { id: 14, type: "s16" },
  },
});

test("wire schema: every YNL type decodes what it encodes (decode(encode(x)) is x)", () => {
  const value = {
    port: 4789,
    mode: ["a", "c"] as ("a" | "c")[],
    first: 1,
    last: 2,
    all: [3, 4, 5],
    hops: [{ gateway: "10.0.0.1", weight: 1 }, { gateway: "fe80::1", weight: 2 }],
    byType: { 4: { weight: 7 }, 9: { gateway: "192.0.2.1" } },
    range: { low: 1000, high: 2000 },
    counter: 2 ** 40 + 5,
    linkinfo: { kind: "vxlan", data: { id: 42, learning: false } },
    inherit: true,
    raw64: 0x0102030405060708n,
    delta: -3,
  };
  const bytes = encodeAttrs(sample, value);
  assert.deepEqual(decodeAttrs(sample, bytes), value);
  // The same through a range of a larger buffer, without a view.
  const wide = new Uint8Array(bytes.length + 12);
  wide.set(bytes, 8);
  assert.deepEqual(decodeAttrsAt(sample, wide, 8, 8 + bytes.length), value);
});

test("wire schema: byte order, flags, struct and u64-as-number are laid out as the uapi says", () => {
  const bytes = encodeAttrs(sample, { port: 80, mode: ["b"], range: { low: 1, high: 2 }, counter: 1, raw64: 1n });
  assert.deepEqual([...bytes.subarray(0, 8)], [6, 0, 1, 0, 0, 80, 0, 0]); // be16 80, padded
  assert.deepEqual([...bytes.subarray(8, 16)], [8, 0, 2, 0, 2, 0, 0, 0]); // bit 1
  assert.deepEqual([...bytes.subarray(16, 24)], [8, 0, 8, 0, 0, 1, 0, 2]); // two be16
  assert.deepEqual([...bytes.subarray(24, 36)], [12, 0, 10, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...bytes.subarray(36, 48)], [12, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  // A big-endian uint (conntrack counters: 4 or 8 bytes) reads in network order at either width.
  const counters = defineAttrSet({
    name: "counters",
    attributes: { packets: { id: 1, type: "uint", "byte-order": "big-endian", as: "number" } },
  });
  assert.equal(decodeAttrs(counters, new Uint8Array([8, 0, 1, 0, 0, 0, 1, 2])).packets, 258);
  assert.equal(decodeAttrs(counters, new Uint8Array([12, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 2])).packets, 2 ** 32 + 2);
  assert.deepEqual([...encodeAttrs(counters, { packets: 258 })], [8, 0, 1, 0, 0, 0, 1, 2]);
  assert.equal(structSize(range), 4);
  assert.deepEqual(decodeStruct(range, encodeStruct(range, { low: 7 })), { low: 7, high: 0 });
  assert.throws(() => decodeStruct(range, new Uint8Array(3)), ParseError);
});

test("wire schema: one duplicate rule per attribute: first, last or multi", () => {
  const w = new AttrWriter();
  w.u32(3, 1).u32(3, 2).u32(4, 1).u32(4, 2).u32(5, 1).u32(5, 2);
  const d = decodeAttrs(sample, w.bytes());
  assert.equal(d.first, 1);
  assert.equal(d.last, 2);
  assert.deepEqual(d.all, [1, 2]);
});

test("wire schema: unknown attributes are kept in one list (copies), padding is dropped, flag bits stay numbers", () => {
  const w = new AttrWriter();
  w.u32(99, 5).attr(9, new Uint8Array(4)).u32(2, 0b1001).nest(98, (n) => n.u8(1, 1));
  const bytes = w.bytes();
  const d = decodeAttrs(sample, bytes);
  assert.deepEqual(d.mode, ["a", 8]);
  assert.equal(d.unknown?.length, 2);
  assert.equal(d.unknown![0].type, 99);
  assert.deepEqual([...d.unknown![0].value], [5, 0, 0, 0]);
  assert.equal(d.unknown![1].nested, true);
  bytes[4] = 77; // the kept payload is a copy
  assert.deepEqual([...d.unknown![0].value], [5, 0, 0, 0]);
  assert.equal("pad" in d, false);
  // A kind without a format keeps its data's attributes raw.
  const other = encodeAttrs(info, { kind: "veth", data: {} });
  assert.deepEqual(decodeAttrs(info, other), { kind: "veth", data: {} });
  const w2 = new AttrWriter().str(1, "dummy").nest(2, (n) => n.u32(1, 1));
  const raw = decodeAttrs(info, w2.bytes());
  assert.equal(raw.kind, "dummy");
  assert.equal((raw.data as { unknown: unknown[] }).unknown.length, 1);
});

test('wire schema: a set with unknown: "skip" passes over the attributes it does not name, with either decoder', () => {
  const attributes = { mtu: { id: 4, type: "u32" }, operstate: { id: 16, type: "u8" } } as const;
  const keep = defineAttrSet({ name: "keep", attributes });
  const skip = defineAttrSet({ name: "skip", unknown: "skip", attributes });
  const bytes = new AttrWriter().u32(3, 7).u32(4, 1500).nest(26, (n) => n.u8(1, 1)).u8(16, 6).bytes();
  const before = useDecoder("table");
  try {
    for (const kind of ["table", "function"] as const) {
      useDecoder(kind);
      assert.deepEqual(decodeAttrs(skip, bytes), { mtu: 1500, operstate: 6 }, kind);
      assert.deepEqual(decodeAttrs(keep, bytes).unknown?.map((a) => a.type), [3, 26], kind);
      // Skipped attributes are still walked: a length that lies is a ParseError.
      const lying = bytes.slice();
      lying[0] = 200;
      assert.throws(() => decodeAttrs(skip, lying), ParseError, kind);
      assert.throws(() => decodeAttrs(skip, new AttrWriter().u16(4, 1).bytes()), /skip\.mtu: u32 of 2 bytes/, kind);
    }
  } finally {
    useDecoder(before);
  }
  assert.throws(
    () => defineAttrSet({ name: "bad", unknown: "drop" as "skip", attributes }),
    /set bad: unknown must be "keep" or "skip"/,
  );
});

test("wire schema: a codec's undefined leaves the field out (first, last and multi-attr), with either decoder", () => {
  // Reads an odd byte; an even one carries nothing for the field.
  const odd = { decode: (b: Uint8Array) => (b[0] % 2 === 1 ? b[0] : undefined) };
  const set = defineAttrSet({
    name: "odd",
    attributes: {
      first: { id: 1, type: "binary", codec: odd },
      last: { id: 2, type: "binary", codec: odd, duplicate: "last" },
      many: { id: 3, type: "binary", codec: odd, "multi-attr": true },
    },
  });
  const evens = new AttrWriter().u8(1, 2).u8(2, 4).u8(3, 6).bytes();
  const mixed = new AttrWriter().u8(1, 2).u8(1, 3).u8(2, 5).u8(2, 8).u8(3, 6).u8(3, 7).bytes();
  const before = useDecoder("table");
  try {
    for (const kind of ["table", "function"] as const) {
      useDecoder(kind);
      const none = decodeAttrs(set, evens);
      assert.deepEqual(Object.keys(none), [], kind);
      // The first odd one, the last odd one (an undefined does not undo it), the odd ones.
      assert.deepEqual(decodeAttrs(set, mixed), { first: 3, last: 5, many: [7] }, kind);
    }
  } finally {
    useDecoder(before);
  }
});

test("wire schema: an ip with len 4 or 16 takes one family: another size is a ParseError naming it, with either decoder; the other family's text is refused", () => {
  const set = defineAttrSet({
    name: "one",
    attributes: { v4: { id: 1, type: "ip", len: 4 }, v6: { id: 2, type: "ip", len: 16 } },
  });
  const good = new AttrWriter().ip(1, "10.0.0.1").ip(2, "fe80::1").bytes();
  const before = useDecoder("table");
  try {
    for (const kind of ["table", "function"] as const) {
      useDecoder(kind);
      assert.deepEqual(decodeAttrs(set, good), { v4: "10.0.0.1", v6: "fe80::1" }, kind);
      assert.throws(
        () => decodeAttrs(set, new AttrWriter().ip(1, "::1").bytes()),
        /one\.v4: ip of 16 bytes \(expected 4\)/,
        kind,
      );
      assert.throws(
        () => decodeAttrs(set, new AttrWriter().ip(2, "10.0.0.1").bytes()),
        /one\.v6: ip of 4 bytes \(expected 16\)/,
        kind,
      );
    }
  } finally {
    useDecoder(before);
  }
  assert.deepEqual(encodeAttrs(set, { v4: "10.0.0.1", v6: "fe80::1" }), good);
  assert.throws(() => encodeAttrs(set, { v4: "::1" }), /one\.v4: expected an IPv4 address, got "::1"/);
  assert.throws(() => encodeAttrs(set, { v6: "10.0.0.1" }), /one\.v6: expected an IPv6 address, got "10.0.0.1"/);
  assert.throws(
    () => defineAttrSet({ name: "bad", attributes: { a: { id: 1, type: "ip", len: 6 } } }),
    /an ip's len is 4 or 16, not 6/,
  );
});

test("wire schema: a one-byte flag reads as its byte (as: boolean); wrong sizes are ParseErrors naming the attribute", () => {
  assert.equal(decodeAttrs(sample, new AttrWriter().u8(12, 0).bytes()).inherit, false);
  assert.equal(decodeAttrs(sample, new AttrWriter().flag(12).bytes()).inherit, true);
  assert.throws(() => decodeAttrs(sample, new AttrWriter().u32(1, 1).bytes()), /sample\.port: u16 of 4 bytes/);
  assert.throws(() => decodeAttrs(sample, new AttrWriter().u32(10, 1).bytes()), /sample\.counter: u64 of 4 bytes/);
  assert.throws(() => decodeAttrs(sample, new AttrWriter().u8(8, 1).bytes()), /sample\.range: .*needs 4 bytes/);
  const bad = new AttrWriter().nest(6, (a) => a.nest(1, (e) => e.attr(1, new Uint8Array(5)))).bytes();
  assert.throws(() => decodeAttrs(sample, bad), /entry\.gateway: an address of 5 bytes/);
  // Random garbage: a value or a ParseError, never anything else.
  let seed = 99;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let round = 0; round < 3000; round++) {
    const bytes = new Uint8Array(rand() % 80).map(() => rand() % 16);
    try {
      decodeAttrs(sample, bytes);
    } catch (e) {
      assert.ok(e instanceof ParseError, `garbage round ${round}: ${e}`);
    }
  }
});

test("wire schema: extended-ACK offsets name the uapi path through nests, arrays and sub-messages", () => {
  const bytes = encodeAttrs(sample, {
    port: 1,
    hops: [{ weight: 1 }, { gateway: "10.0.0.1" }],
    linkinfo: { kind: "vxlan", data: { id: 7 } },
  });
  // port 0..7; hops 8: header 8..11, [0] 12..23 (weight 16..23), [1] 24..39 (gateway 28..35).
  assert.equal(attributePathName(sample, bytes, 0), "S_PORT");
  assert.equal(attributePathName(sample, bytes, 8), "S_HOPS");
  assert.equal(attributePathName(sample, bytes, 16), "S_HOPS[0].E_WEIGHT");
  assert.equal(attributePathName(sample, bytes, 28), "S_HOPS[1].E_GATEWAY");
  // linkinfo 36: header, kind 40..51, data 52: header, id 56..63.
  assert.equal(attributePathName(sample, bytes, 56), "S_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID");
  assert.equal(attributePathName(sample, bytes, bytes.length), undefined);
  assert.equal(attributePathName(sample, new Uint8Array([1, 0, 0, 0]), 0), undefined);
  // Through a whole request: the fixed header, then the attributes.
  const m = new MessageWriter(16);
  m.struct(16);
  m.raw(bytes);
  const request = m.finish();
  assert.equal(requestAttributePath({ headerSize: 16, attributes: sample }, request, 20), "header");
  assert.equal(
    requestAttributePath({ headerSize: 16, attributes: sample }, request, 32 + 56),
    "S_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID",
  );
});

test("wire schema: bad input is a TypeError naming the attribute", () => {
  assert.throws(() => encodeAttrs(sample, { port: 70000 }), /sample\.port: 70000 is out of range for u16/);
  assert.throws(() => encodeAttrs(sample, { mode: ["z" as "a"] }), /unknown flag "z"/);
  assert.throws(() => encodeAttrs(info, { kind: "gre", data: {} }), /no format for kind "gre"/);
  assert.throws(() => encodeAttrs(sample, { range: { low: -1 } }), /out of range/);
  assert.throws(
    () => defineAttrSet({ name: "bad", attributes: { s: { id: 1, type: "sub-message" } } }),
    /needs a selector/,
  );
  assert.throws(() => defineAttrSet({ name: "bad", attributes: { unknown: { id: 1, type: "u8" } } }), /reserved/);
  assert.throws(() => defineAttrSet({ name: "bad", attributes: { ["__proto__"]: { id: 1, type: "u8" } } }), /reserved/);
});

test("wire schema: the generated decoder gives the same objects and errors as the table", () => {
  const inputs: Uint8Array[] = [
    encodeAttrs(sample, {
      port: 1,
      mode: ["b"],
      first: 1,
      last: 2,
      all: [3],
      hops: [{ weight: 1 }],
      byType: { 3: { weight: 2 } },
      range: { low: 1, high: 2 },
      counter: 5,
      linkinfo: { kind: "vxlan", data: { id: 7, learning: true } },
      inherit: false,
      raw64: 3n,
      delta: -1,
    }),
    new AttrWriter().u32(3, 1).u32(3, 2).u32(4, 1).u32(4, 2).u32(99, 1).u8(12, 0).bytes(),
  ];
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let round = 0; round < 2000; round++) inputs.push(new Uint8Array(rand() % 64).map(() => rand() % 16));
  const run = (bytes: Uint8Array) => {
    try {
      return decodeAttrs(sample, bytes, 20);
    } catch (e) {
      return e instanceof ParseError ? `ParseError: ${e.message}` : `other: ${e}`;
    }
  };
  const before = useDecoder("table");
  try {
    const table = inputs.map(run);
    useDecoder("function");
    const fn = inputs.map(run);
    for (let i = 0; i < inputs.length; i++) assert.deepEqual(fn[i], table[i], `input ${i}`);
  } finally {
    useDecoder(before);
  }
});

test("wire schema: where new Function is refused (a CSP without unsafe-eval, simulated here) sets decode through the table", () => {
  const set = defineAttrSet({
    name: "csp",
    attributes: { mtu: { id: 4, type: "u32" }, name: { id: 3, type: "string" } },
  });
  const bytes = encodeAttrs(set, { mtu: 1500, name: "eth0" });
  const real = globalThis.Function;
  let refused = 0;
  const refuse = function () {
    refused++;
    throw new EvalError("Code generation from strings disallowed for this context");
  } as unknown as FunctionConstructor;
  const before = useDecoder("function");
  globalThis.Function = refuse;
  try {
    assert.deepEqual(decodeAttrs(set, bytes), { mtu: 1500, name: "eth0" });
    assert.deepEqual(decodeAttrs(set, bytes), { mtu: 1500, name: "eth0" });
  } finally {
    globalThis.Function = real;
    useDecoder(before);
  }
  assert.equal(refused, 1, "refused once, then every set takes the table without asking again");
  assert.deepEqual(decodeAttrs(set, bytes), { mtu: 1500, name: "eth0" });
});
