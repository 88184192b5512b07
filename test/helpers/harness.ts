/**
 * One `test()` for every runner: `Deno.test` under `deno test`, `bun:test`
 * under `bun test`, `node:test` under `node --test`. Assertions come from
 * `node:assert/strict`, built into all three runtimes (JSR's @std/assert is
 * out of reach of these machines).
 */
import process from "node:process";

type Fn = () => void | Promise<void>;

interface Options {
  /** Milliseconds before the runner fails the test (default 30 s). */
  timeout?: number;
}

const isDeno = "Deno" in globalThis;
const isBun = "Bun" in globalThis;
const bunTest = isBun ? (import.meta as unknown as { require(id: string): any }).require("bun:test") : undefined;
// Reached without a static import so that Bun never loads its node:test shim.
const nodeTest = !isDeno && !isBun ? process.getBuiltinModule("node:test") as any : undefined;

/** Registers a test with whichever runner is running. */
export function test(name: string, fn: Fn, options: Options = {}): void {
  const timeout = options.timeout ?? 30_000;
  if (isDeno) {
    Deno.test({
      name,
      // Sockets are closed by each test; the shared poll thread and its fds
      // live for the process, which the sanitizers would count as leaks.
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          fn(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms`)), timeout);
          }),
        ]).finally(() => clearTimeout(timer));
      },
    });
  } else if (isBun) {
    bunTest.test(name, fn, timeout);
  } else {
    nodeTest.test(name, { timeout }, fn);
  }
}

/** The runtime the tests run under, for test names and skips that must say why. */
export const runtime: "deno" | "bun" | "node" = isDeno ? "deno" : isBun ? "bun" : "node";
