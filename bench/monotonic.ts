/**
 * `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds, through this runtime's
 * FFI: one clock that two processes of different runtimes share (each
 * runtime's `performance.now()` counts from its own start), for latencies
 * stamped in one process and ended in another.
 */
const CLOCK_MONOTONIC = 1;

/** A function returning CLOCK_MONOTONIC in ns. */
export function monotonicClock(): () => bigint {
  const ts = new BigInt64Array(new ArrayBuffer(16));
  const bytes = new Uint8Array(ts.buffer);
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  let call: () => number;
  if (g.Deno !== undefined) {
    const lib = Deno.dlopen("libc.so.6", { clock_gettime: { parameters: ["i32", "buffer"], result: "i32" } });
    call = () => lib.symbols.clock_gettime(CLOCK_MONOTONIC, bytes);
  } else if (g.Bun !== undefined) {
    const ffi = (import.meta as unknown as { require(id: string): unknown }).require("bun:ffi") as {
      dlopen(name: string, s: object): { symbols: { clock_gettime(id: number, p: Uint8Array): number } };
    };
    const lib = ffi.dlopen("libc.so.6", { clock_gettime: { args: ["i32", "ptr"], returns: "i32" } });
    call = () => lib.symbols.clock_gettime(CLOCK_MONOTONIC, bytes);
  } else {
    const ffi = process.getBuiltinModule("node:ffi") as unknown as {
      dlopen(name: string, s: object): { functions: { clock_gettime(id: number, p: Uint8Array): number } };
    };
    const lib = ffi.dlopen("libc.so.6", { clock_gettime: { arguments: ["i32", "pointer"], return: "i32" } });
    call = () => lib.functions.clock_gettime(CLOCK_MONOTONIC, bytes);
  }
  return () => {
    if (call() !== 0) throw new Error("clock_gettime failed");
    return ts[0] * 1_000_000_000n + ts[1];
  };
}
