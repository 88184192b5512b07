/**
 * One `test()` for both runners: `Deno.test` under `deno test`, `bun:test`
 * under `bun test`. Assertions come from `node:assert/strict`, built into
 * both runtimes (JSR's @std/assert is out of reach of these machines).
 */
type Fn = () => void | Promise<void>;

interface Options {
  /** Milliseconds before the runner fails the test (default 30 s). */
  timeout?: number;
}

const isDeno = "Deno" in globalThis;
const bunTest = isDeno ? undefined : (import.meta as unknown as { require(id: string): any }).require("bun:test");

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
  } else {
    bunTest.test(name, fn, timeout);
  }
}

/** The runtime the tests run under, for test names and skips that must say why. */
export const runtime: "deno" | "bun" = isDeno ? "deno" : "bun";
