// The two writers of the attribute schema (src/wire/schema.ts): the one
// generated per set with `new Function` and the loop over the set's plan must
// write the same bytes and throw the same errors for every input, good or
// bad; where `new Function` is refused, sets are written by the loop.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { AttrWriter } from "../../src/wire/attrs.ts";
import {
  type AttrDef,
  type AttrSet,
  defineAttrSet,
  encodeAttrs,
  useEncoder,
  writeAttrs,
} from "../../src/wire/schema.ts";

const INT_TYPES = ["u8", "s8", "u16", "s16", "u32", "s32", "u64", "s64", "uint", "sint", "be16", "be32", "be64"];

const inner = defineAttrSet({
  name: "inner",
  attributes: {
    label: { id: 1, type: "string" },
    on: { id: 2, type: "flag" },
    ports: { id: 3, type: "u16", "byte-order": "big-endian", multi: true },
  },
});

/** A set of random integer attributes (any width, order, names) beside strings, flags and nests. */
function randomSet(rand: () => number): AttrSet {
  const attributes: Record<string, AttrDef> = {};
  for (let i = 0; i < 4; i++) {
    const def: Record<string, unknown> = { id: i + 1, type: INT_TYPES[rand() % INT_TYPES.length] };
    if (rand() % 3 === 0) def["byte-order"] = "big-endian";
    const extra = rand() % 8;
    if (extra === 0) def.enum = ["zero", "one", "two"];
    if (extra === 1) def.flags = ["a", "b", "c"];
    if (extra === 2) def.as = "boolean";
    if (extra === 3) def.multi = true;
    attributes[`i${i}`] = def as unknown as AttrDef;
  }
  attributes.name = { id: 10, type: "string" };
  attributes.flag = { id: 11, type: "flag" };
  attributes.nest = { id: 12, type: "nest", nested: inner };
  attributes.list = { id: 13, type: "indexed-array", nested: inner };
  attributes.bytes = { id: 14, type: "binary" };
  attributes.addr = { id: 15, type: "ip" };
  return { name: "random", attributes };
}

const VALUES: unknown[] = [
  0,
  1,
  -1,
  -0,
  127,
  128,
  -129,
  255,
  256,
  65535,
  65536,
  -32769,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 63,
  2 ** 64,
  1.5,
  NaN,
  Infinity,
  0n,
  -1n,
  2n ** 64n - 1n,
  2n ** 64n,
  "one",
  "nope",
  ["a", "c"],
  ["z"],
  true,
  false,
  null,
  [1, 2],
  {},
];

function randomInput(rand: () => number): Record<string, unknown> {
  // Half the integers are plain small numbers (valid for every type), half from the edges and wrong types above.
  const pick = () => rand() % 2 ? rand() % 100 : VALUES[rand() % VALUES.length];
  const input: Record<string, unknown> = {};
  for (let i = 0; i < 4; i++) if (rand() % 3 !== 0) input[`i${i}`] = pick();
  const r = rand() % 16;
  if (r === 0) input.name = 5;
  else if (r < 8) input.name = ["eth0", "", "é", "a\0b"][rand() % 4];
  if (rand() % 2) input.flag = [true, false, 1][rand() % 3];
  if (rand() % 2) input.nest = { label: "x", on: true, ports: [80, rand() % 5 === 0 ? 70000 : 443] };
  if (rand() % 3 === 0) input.list = [{ label: "a" }, { ports: [1] }];
  if (rand() % 4 === 0) input.bytes = Uint8Array.of(1, 2, 3);
  if (rand() % 4 === 0) input.addr = ["10.0.0.1", "fe80::1", "bad"][rand() % 3];
  if (rand() % 20 === 0) input.stray = 1;
  return input;
}

function run(set: AttrSet, input: Record<string, unknown>): string {
  try {
    return [...encodeAttrs(set, input)].join(",");
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

test("wire schema writer: the generated writer writes the bytes and throws the errors of the plan loop", () => {
  // xorshift32: every bit of it is random enough for `% n` choices.
  let seed = 11;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) >>> 4;
  };
  const before = useEncoder("function");
  let errors = 0;
  try {
    for (let round = 0; round < 400; round++) {
      const set = randomSet(rand);
      for (let k = 0; k < 10; k++) {
        const input = randomInput(rand);
        useEncoder("table");
        const table = run(set, input);
        useEncoder("function");
        const generated = run(set, input);
        assert.equal(generated, table, `${JSON.stringify(set.attributes)} ${String(Object.entries(input))}`);
        if (table.includes("Error")) errors++;
      }
    }
  } finally {
    useEncoder(before);
  }
  // Both outcomes were exercised, many times.
  assert.ok(errors > 400 && errors < 3600, `${errors} errors in 4000 inputs`);
});

test("wire schema writer: where new Function is refused (a CSP without unsafe-eval, simulated here) sets are written by the loop", () => {
  const set = defineAttrSet({
    name: "csp-writer",
    attributes: { mtu: { id: 4, type: "u32" }, name: { id: 3, type: "string" } },
  });
  const real = globalThis.Function;
  let refused = 0;
  globalThis.Function = function () {
    refused++;
    throw new EvalError("Code generation from strings disallowed for this context");
  } as unknown as FunctionConstructor;
  const before = useEncoder("function");
  try {
    const w = new AttrWriter();
    writeAttrs(w, set, { mtu: 1500, name: "lo" });
    assert.deepEqual([...w.bytes()], [8, 0, 4, 0, 0xdc, 5, 0, 0, 7, 0, 3, 0, 0x6c, 0x6f, 0, 0]);
    assert.throws(() => writeAttrs(new AttrWriter(), set, { mtu: -1 }), /csp-writer\.mtu: -1 is out of range for u32/);
    assert.equal(refused, 1); // tried once, then every set takes the loop
  } finally {
    globalThis.Function = real;
    useEncoder(before);
  }
});

test("wire schema writer: an empty set writes nothing and refuses every attribute, with either writer", () => {
  const empty = defineAttrSet({ name: "empty", attributes: {} });
  for (const kind of ["function", "table"] as const) {
    const before = useEncoder(kind);
    try {
      assert.equal(encodeAttrs(empty, {}).length, 0);
      assert.throws(() => encodeAttrs(empty, { x: 1 } as never), /empty: unknown attribute "x"/);
    } finally {
      useEncoder(before);
    }
  }
});
