// Finding libc (glibc or musl) and the Bun poll worker's failure path.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "../helpers/harness.ts";
import { libcCandidates, openFirst } from "../../ffi/common.ts";
import { root } from "../cli/run.ts";

test("libcCandidates: glibc's soname first, then musl's names for the architecture", () => {
  const x86 = ["libc.so.6", "libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"];
  const arm = ["libc.so.6", "libc.musl-aarch64.so.1", "ld-musl-aarch64.so.1"];
  assert.deepEqual(libcCandidates("x64"), x86); // process.arch
  assert.deepEqual(libcCandidates("x86_64"), x86); // Deno.build.arch
  assert.deepEqual(libcCandidates("arm64"), arm);
  assert.deepEqual(libcCandidates("aarch64"), arm);
});

test("openFirst takes the first name the loader accepts: glibc, else musl, else one error naming all", () => {
  // A loader that opens only the names in `present`, like dlopen on a machine with those libraries.
  const loader = (present: string[]) => (name: string) => {
    if (!present.includes(name)) throw new Error(`${name}: cannot open shared object file`);
    return `handle of ${name}`;
  };
  const names = libcCandidates("x86_64");
  const glibc = openFirst(names, loader(["libc.so.6", "ld-musl-x86_64.so.1"]));
  assert.deepEqual(glibc, { name: "libc.so.6", library: "handle of libc.so.6" });
  // Alpine: musl's loader under its two names, no glibc.
  const alpine = openFirst(names, loader(["libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"]));
  assert.equal(alpine.name, "libc.musl-x86_64.so.1");
  const loaderOnly = openFirst(names, loader(["ld-musl-x86_64.so.1"]));
  assert.equal(loaderOnly.name, "ld-musl-x86_64.so.1");
  assert.throws(
    () => openFirst(names, loader([])),
    (error: Error) => names.every((name) => error.message.includes(`${name}: ${name}: cannot open`)),
  );
});

test("openFirst with this runtime's real dlopen skips a missing library and opens this machine's libc", async () => {
  const names = ["libnlts-missing.so.1", ...libcCandidates(process.arch)];
  // Each opener returns the library's getpid, called through the FFI.
  const opened = await (async () => {
    if ("Deno" in globalThis) {
      return openFirst(names, (name) => {
        const lib = Deno.dlopen(name, { getpid: { parameters: [], result: "i32" } });
        return () => lib.symbols.getpid();
      });
    }
    if ("Bun" in globalThis) {
      const { bunFfi } = await import("../../ffi/bun.ts");
      return openFirst(names, (name) => {
        const lib = bunFfi().dlopen(name, { getpid: { args: [], returns: "i32" } });
        return () => lib.symbols.getpid();
      });
    }
    // Node 26: node:ffi, reached the way ffi/node.ts reaches it.
    type NodeFfi = {
      dlopen(name: string, symbols: object): { functions: { getpid(): number } };
    };
    const ffi = process.getBuiltinModule("node:ffi") as unknown as NodeFfi;
    return openFirst(names, (name) => {
      const { functions } = ffi.dlopen(name, { getpid: { arguments: [], return: "i32" } });
      return () => functions.getpid();
    });
  })();
  assert.equal(opened.name, "libc.so.6"); // this machine is Debian (glibc)
  assert.equal(opened.library(), process.pid);
});

test("Bun poll worker that cannot start: the pending wait and every later one reject with the reason", () => {
  const run = spawnSync("bun", ["test/ffi/poll-worker-child.ts", "libnlts-no-such-libc.so"], {
    cwd: root,
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const { outcome, again } = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
  assert.match(outcome, /^rejected: nlts: the Bun poll worker stopped, so no socket can wait for data: /);
  assert.match(outcome, /libnlts-no-such-libc\.so/);
  assert.equal(again, outcome);
});
