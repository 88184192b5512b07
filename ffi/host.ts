/**
 * What the command line asks of the runtime (its arguments, the
 * environment, the exit status, signals) without importing `node:process`:
 * in Deno that import builds the Node compatibility layer, about 9 MiB and
 * 30 ms of every command. Deno's own calls there, the global `process` in
 * Bun and Node. It lives in `ffi/` because it asks which runtime it runs on,
 * which nothing in `src/` does.
 *
 * @module
 */

/** The part of Node's `process` used here (a global in Bun and Node). */
interface NodeProcess {
  argv: string[];
  getBuiltinModule?(id: string): unknown;
  env: Record<string, string | undefined>;
  exitCode?: number | string;
  on(signal: string, listener: () => void): unknown;
  off(signal: string, listener: () => void): unknown;
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;
const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
// Not even read in Deno: its global `process` is a getter that builds the layer.
const node = deno ? undefined : (globalThis as { process?: NodeProcess }).process;

/**
 * The command line's arguments, without the runtime and the script.
 *
 * @example
 * ```ts
 * import { commandArgs } from "./host.ts";
 * console.log(commandArgs());
 * ```
 */
export function commandArgs(): string[] {
  return deno ? deno.args : node!.argv.slice(2);
}

/**
 * An environment variable.
 *
 * @example
 * ```ts
 * import { envVar } from "./host.ts";
 * envVar("NLTS_TRACE"); // "1" or undefined
 * ```
 */
export function envVar(name: string): string | undefined {
  return deno ? deno.env.get(name) : node!.env[name];
}

/**
 * Sets the status the process exits with when it ends.
 *
 * @example
 * ```ts
 * import { setExitCode } from "./host.ts";
 * setExitCode(0);
 * ```
 */
export function setExitCode(code: number): void {
  if (deno) deno.exitCode = code;
  else node!.exitCode = code;
}

/**
 * Calls `listener` on SIGINT and SIGTERM until the returned function is
 * called.
 *
 * @example
 * ```ts
 * import { onStopSignals } from "./host.ts";
 * const off = onStopSignals(() => console.log("stopping"));
 * off();
 * ```
 */
export function onStopSignals(listener: () => void): () => void {
  const signals = ["SIGINT", "SIGTERM"] as const;
  if (deno) {
    for (const s of signals) deno.addSignalListener(s, listener);
    return () => {
      for (const s of signals) deno.removeSignalListener(s, listener);
    };
  }
  for (const s of signals) node!.on(s, listener);
  return () => {
    for (const s of signals) node!.off(s, listener);
  };
}

/**
 * Asks Bun's collector to run soon (`Bun.gc(false)`: it does not wait for
 * it); elsewhere nothing. A long listing calls it after each chunk it
 * writes: JavaScriptCore otherwise lets a listing's short-lived objects pile
 * up (100,000 routes: 64 MiB peak without, 56–58 with, at the same CPU
 * time), and V8's young generation frees them as it goes anyway.
 *
 * @example
 * ```ts
 * import { collectSoon } from "./host.ts";
 * collectSoon();
 * ```
 */
export function collectSoon(): void {
  bun?.gc(false);
}

/**
 * Under Node, turns on its compile cache (`module.enableCompileCache()`, in
 * the directory `NODE_COMPILE_CACHE` names, else the system's temporary
 * one): Node strips the types of every `.ts` module at every start, which
 * costs a listing more time and memory than the listing itself (100,000
 * routes: 0.55 s and 104 MiB without, about 0.3 s and 91 MiB with). The
 * modules loaded before this call (the command line's own) are not
 * cached; `NODE_COMPILE_CACHE` set before the start caches those too (73
 * MiB). `NODE_DISABLE_COMPILE_CACHE=1` turns it off. Nothing elsewhere.
 *
 * @example
 * ```ts
 * import { enableNodeCompileCache } from "./host.ts";
 * enableNodeCompileCache();
 * ```
 */
export function enableNodeCompileCache(): void {
  if (deno || bun || !node?.getBuiltinModule) return;
  const module = node.getBuiltinModule("node:module") as { enableCompileCache?: () => unknown } | undefined;
  module?.enableCompileCache?.();
}
