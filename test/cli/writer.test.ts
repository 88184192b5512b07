// The streamed list of the command line (Context.stream): every element is
// written, whole, in order; JSON stays one line; chunks stay bounded; an
// element larger than a chunk still goes out whole. Text with characters
// of 1 to 4 bytes in UTF-8, so that chunk boundaries fall anywhere.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { Context, type Output } from "../../src/cli/context.ts";
import { ipBatch, withNetns } from "../helpers/netns.ts";
import { command, root, runtimes } from "./run.ts";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";

const decoder = new TextDecoder();

/** An output that keeps every call: `out` lines, `write` parts, `writeBytes` chunks (copied: the buffer is reused). */
function capture(kind: "text" | "bytes"): Output & { calls: [string, string][] } {
  const calls: [string, string][] = [];
  const io: Output & { calls: [string, string][] } = {
    calls,
    out: (line) => void calls.push(["out", line]),
    err: (line) => void calls.push(["err", line]),
    write: (text) => void calls.push(["write", text]),
  };
  if (kind === "bytes") {
    io.writeBytes = (bytes) => void calls.push(["bytes", decoder.decode(bytes.slice())]);
  }
  return io;
}

const words = ["route", "é", "€uro", "𝄞 clef", 'quote " and \\ backslash', "ascii only text"];
const items = Array.from({ length: 20_000 }, (_, i) => ({ i, name: `${words[i % words.length]} ${i}` }));
const expected = "[" + items.map((x) => JSON.stringify(x)).join(",") + "]";

test("a JSON list through writeBytes: all of it, one line, in chunks of at most 64 KiB", () => {
  const io = capture("bytes");
  const out = new Context(io, { json: true }).stream(["i"], () => []);
  for (const x of items) out.push(x);
  out.end();
  assert.ok(io.calls.every(([kind]) => kind === "bytes"), "only writeBytes");
  assert.ok(io.calls.length > 10, `${io.calls.length} chunks`);
  for (const [, text] of io.calls) assert.ok(new TextEncoder().encode(text).length <= 64 * 1024);
  assert.equal(io.calls.map(([, t]) => t).join(""), expected + "\n");
  assert.deepEqual(JSON.parse(expected), items);
});

test("a JSON list to an output without writeBytes: parts through write(), each ending between elements", () => {
  const io = capture("text");
  const out = new Context(io, { json: true }).stream(["i"], () => []);
  for (const x of items) out.push(x);
  out.end();
  const parts = io.calls.map(([, t]) => t);
  assert.ok(io.calls.slice(0, -1).every(([kind]) => kind === "write") && io.calls.at(-1)![0] === "out");
  assert.equal(parts.join(""), expected);
  for (const part of parts) assert.ok(part.endsWith("}") || part.endsWith("]"), `a part ends ${part.slice(-3)}`);
});

test("pushEncoded: elements filled in the buffer mix with pushed ones, in order; a declined one adds nothing", () => {
  const encoder = new TextEncoder();
  for (const kind of ["bytes", "text"] as const) {
    const io = capture(kind);
    const out = new Context(io, { json: true }).stream(["i"], () => []);
    const want: unknown[] = [];
    for (const x of items) {
      const text = JSON.stringify(x);
      if (x.i % 3 === 0) {
        out.push(x);
        want.push(x);
        continue;
      }
      // Every seventh declines after writing into the buffer: what it wrote must not count.
      const added = out.pushEncoded(1024, (buffer, at) => {
        const { written } = encoder.encodeInto(text, buffer.subarray(at, at + 1024));
        return x.i % 7 === 0 ? -1 : at + written;
      });
      assert.equal(added, x.i % 7 !== 0);
      if (added) want.push(x);
    }
    assert.equal(out.count, want.length);
    out.end();
    const text = io.calls.map(([, t]) => t).join("");
    assert.equal(text, JSON.stringify(want) + (kind === "bytes" ? "\n" : ""));
    if (kind === "bytes") {
      assert.ok(io.calls.length > 10 && io.calls.every(([, t]) => encoder.encode(t).length <= 64 * 1024));
    }
  }
  // Not in a table, nor more room than half a chunk, nor past the buffer's end.
  const table = new Context(capture("bytes"), { json: false }).stream(["i"], () => []);
  assert.throws(() => table.pushEncoded(10, (_, at) => at), /only a JSON list/);
  const json = new Context(capture("bytes"), { json: true }).stream(["i"], () => []);
  assert.throws(() => json.pushEncoded(40_000, (_, at) => at), RangeError);
  assert.throws(() => json.pushEncoded(10, () => 70_000), /overran/);
  assert.equal(json.count, 0);
});

test("an element larger than a chunk is written whole, between the others", () => {
  const big = { blob: "€".repeat(100_000) }; // 300,000 bytes in UTF-8
  for (const kind of ["bytes", "text"] as const) {
    const io = capture(kind);
    const out = new Context(io, { json: true }).stream<unknown>([], () => []);
    out.push(items[0]);
    out.push(big);
    out.push(items[1]);
    out.end();
    const text = io.calls.map(([, t]) => t).join("");
    assert.equal(
      text,
      `[${JSON.stringify(items[0])},${JSON.stringify(big)},${JSON.stringify(items[1])}]` +
        (kind === "bytes" ? "\n" : ""),
    );
  }
});

test("an empty JSON list is [] and a table is a line a row, headers first", () => {
  const empty = capture("bytes");
  new Context(empty, { json: true }).stream([], () => []).end();
  assert.equal(empty.calls.map(([, t]) => t).join(""), "[]\n");

  for (const kind of ["bytes", "text"] as const) {
    const io = capture(kind);
    const out = new Context(io, { json: false }).stream(["i", "name"], (x: typeof items[0]) => [x.i, x.name]);
    for (const x of items) out.push(x);
    out.end();
    const text = io.calls.map(([, t]) => t).join(kind === "text" ? "\n" : "");
    const lines = text.split("\n").filter((l) => l !== "");
    assert.equal(lines.length, items.length + 1);
    assert.match(lines[0], /^I\s+NAME$/);
    assert.equal(lines.at(-1)!.split(/\s+/)[0], String(items.length - 1));
    assert.ok(lines[3].includes(items[2].name));
  }
});

for (const rt of runtimes) {
  test(`${rt}: a reader that pauses gets every byte of 20,000 routes, as ip -j prints them`, async () => {
    await withNetns(`clm-slow-${rt}`, async (ns) => {
      let batch = "link add sw-a type veth peer name sw-b\nlink set sw-a up\n";
      for (let i = 0; i < 20_000; i++) {
        batch += `route add 10.${120 + (i >> 16)}.${(i >> 8) & 255}.${i & 255} dev sw-a\n`;
      }
      ipBatch(ns, batch);
      const ipRun = spawnSync("ip", ["-n", ns, "-j", "route", "show", "table", "all"], {
        encoding: "utf8",
        maxBuffer: 64 << 20,
      });
      assert.equal(ipRun.status, 0, ipRun.stderr);
      const theirs = ipRun.stdout;
      const [cmd, argv] = command(rt, "cli.ts", ["-n", ns, "-j", "route", "show", "table", "all"]);
      const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      // Read a chunk, then stop reading for 20 ms: the pipe fills and the writer has to wait.
      const chunks: Buffer[] = [];
      let pauses = 0;
      child.stdout.on("data", (d: Buffer) => {
        chunks.push(d);
        child.stdout.pause();
        pauses++;
        setTimeout(() => child.stdout.resume(), 20);
      });
      const [code] = await once(child, "close");
      assert.equal(stderr, "");
      assert.equal(code, 0);
      // Each pause outlasts what the writer needs to fill the pipe (64 KiB),
      // so a few pauses while it writes over 1 MB are enough to make it wait.
      // How many chunks the reader sees is the runtime's business (Bun reads
      // ~160 KiB a chunk on a loaded machine, 10 chunks in all).
      assert.ok(pauses >= 3, `${pauses} pauses`);
      assert.ok(theirs.length > 1_000_000, `${theirs.length} bytes`);
      assert.equal(Buffer.concat(chunks).toString("utf8"), theirs);
    });
  }, { timeout: 60_000 });
}
