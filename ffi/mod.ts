/**
 * Loads the {@link Libc} backend of the runtime we run on. This and
 * `host.ts` (the command line's arguments, exit status and signals) are the
 * only places that ask which runtime that is.
 *
 * @module
 */
import type { Libc } from "./types.ts";
export type { Libc, Poller, Receiver, RecvMeta } from "./types.ts";

let loading: Promise<Libc> | undefined;

/**
 * The process-wide libc backend, loaded on first use.
 *
 * @example
 * ```ts
 * import { loadLibc } from "./mod.ts";
 * const libc = await loadLibc();
 * console.log(libc.runtime, libc.getpid());
 * ```
 */
export function loadLibc(): Promise<Libc> {
  loading ??= (async () => {
    if ("Deno" in globalThis) return (await import("./deno.ts")).load();
    if ("Bun" in globalThis) return (await import("./bun.ts")).load();
    // Deno and Bun also set process.versions.node: Node is asked last.
    if (globalThis.process?.versions?.node) return (await import("./node.ts")).load();
    throw new Error("nlts needs Deno, Bun or Node.js ≥ 26: no FFI backend for this runtime");
  })();
  return loading;
}
