// The command line's pieces in-process: JSON of BigInt and bytes, tables, argument parsing, main()'s exit codes.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { jsonReplacer, toJson } from "../../src/wire/json.ts";
import { table } from "../../src/cli/format.ts";
import { GLOBAL_OPTIONS, parseArgs, UsageError } from "../../src/cli/args.ts";
import { main } from "../../cli.ts";

test("JSON: bigint as a number when safe, else a decimal string; bytes as hex", () => {
  const out = JSON.parse(toJson({
    small: 42n,
    edge: BigInt(Number.MAX_SAFE_INTEGER),
    big: 2n ** 64n - 1n,
    negative: -(2n ** 60n),
    bytes: new Uint8Array([0, 1, 0xab]),
    view: new Uint16Array([0x0102]),
    nested: [{ cookie: 18446744073709551615n }],
  }));
  assert.deepEqual(out, {
    small: 42,
    edge: Number.MAX_SAFE_INTEGER,
    big: "18446744073709551615",
    negative: "-1152921504606846976",
    bytes: "0001ab",
    view: "0201",
    nested: [{ cookie: "18446744073709551615" }],
  });
  assert.throws(() => JSON.stringify({ a: 1n }), TypeError, "plain JSON.stringify cannot, which is why");
  assert.equal(JSON.stringify([1n], jsonReplacer), "[1]");
});

test("tables: aligned columns, upper-case headers, '-' for missing cells, unpadded last column", () => {
  assert.equal(
    table(["index", "name", "mtu"], [[1, "lo", 65536], [12, "veth-long", undefined]]),
    "INDEX  NAME       MTU\n1      lo         65536\n12     veth-long  -",
  );
  assert.equal(table(["a", "b"], []), "A  B");
});

test("arguments: bundled flags, values, --name=value, -- and mistakes as UsageError", () => {
  const specs = [
    ...GLOBAL_OPTIONS,
    { names: ["-t"], key: "tcp", help: "" },
    { names: ["-l"], key: "listening", help: "" },
    { names: ["--for"], key: "for", value: "S", help: "" },
  ];
  assert.deepEqual(parseArgs(["-tl", "-n", "blue", "x", "--for=2", "--", "-j"], specs), {
    options: { tcp: true, listening: true, netns: "blue", for: "2" },
    positionals: ["x", "-j"],
  });
  assert.throws(() => parseArgs(["-tz"], specs), UsageError);
  assert.throws(() => parseArgs(["-tn"], specs), UsageError, "-n takes a value: not bundled");
  assert.throws(() => parseArgs(["--for"], specs), /needs a value/);
  assert.throws(() => parseArgs(["-j=1"], specs), UsageError);
});

test("main() returns 2 for usage errors and 0 for help, printing through the given output", async () => {
  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  const io = { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) };
  assert.equal(await main(["nope"], io), 2);
  assert.deepEqual(lines.err, ['nlts: unknown command "nope" (nlts --help lists the commands)']);
  assert.equal(await main([], io), 2);
  assert.equal(await main(["--help"], io), 0);
  assert.match(lines.out.at(-1)!, /^usage: nlts/);
  assert.equal(await main(["-j", "route", "-h"], io), 0);
  assert.match(lines.out.at(-1)!, /^usage: nlts route/);
  assert.equal(await main(["route", "-4", "-6"], io), 2);
  assert.equal(lines.err.at(-1), "nlts: -4 and -6 exclude each other");
  assert.equal(await main(["ss", "-l", "-a"], io), 2);
});

test("main() lists the loopback link of this namespace as JSON", async () => {
  const out: string[] = [];
  const status = await main(["link", "show", "lo", "--raw-json"], { out: (l) => out.push(l), err: (l) => out.push(l) });
  assert.equal(status, 0, out.join("\n"));
  const [lo] = JSON.parse(out[0]);
  assert.equal(lo.name, "lo");
  assert.equal(lo.index, 1);
  assert.equal(lo.linkType, "loopback");
});
