/**
 * The Node.js backend of {@link Libc}: the built-in `node:ffi` (Node ≥ 26.1,
 * experimental: the first use prints an `ExperimentalWarning`) on glibc.
 *
 * Waiting: one libuv poll handle watches the epoll fd on Node's own event
 * loop (`getCurrentEventLoop()`, `uv_poll_start` with a callback made by
 * `registerCallback`). libuv calls it on the JS thread, in the poll phase,
 * whenever the epoll set has something to report; it takes the ready fds
 * with a non-blocking `epoll_wait` (interest is one-shot, so a reported fd
 * stays silent until re-armed and the handle never spins) and resolves the
 * pending wait. No thread, no busy polling: the JS thread sleeps in libuv's
 * own `epoll_wait` like for any socket of Node's. The handle is `uv_ref`ed
 * only while a wait is pending, so a process whose sockets are all closed (or
 * idle) exits by itself.
 *
 * A callback from libuv is not a Node "MakeCallback": the microtask queue is
 * not drained after it, so a promise resolved there would only settle when
 * something else runs JS. The callback therefore resolves the wait through
 * `setImmediate`, whose check phase follows the poll phase in the same loop
 * turn and drains microtasks.
 *
 * The other design measured is the one Bun uses: a `worker_threads` Worker
 * (inline source, so no extra module) blocking in `epoll_wait` and posting the
 * ready fds (commit 6ec1e0f, `NLTS_NODE_POLLER=worker`). Five alternating runs
 * of each with `node bench/events.ts 1000` as root on the shared 2-core
 * machine (load ≈ 2.5); the median of the five runs, and their range:
 *
 *   design               link event latency median    p99                       idle, 100 subscriptions
 *   libuv poll handle    54 µs (49–106)               270 µs (202–2410)         0.3–0.9 ms CPU in 5 s (≤ 0.02%)
 *   worker + epoll_wait  132 µs (125–142)             3658 µs (633–4382)        0.3–0.5 ms CPU in 5 s (≤ 0.01%)
 *
 * Idle cost is nil either way (both sleep in the kernel); the libuv handle
 * saves the thread hop and the structured-clone message per wake-up, and it
 * needs no thread at all. The worker also had two traps: Node joins every
 * worker thread at exit, so one blocked in `epoll_wait` kept the process
 * alive for good until a `process.on("exit")` hook woke it; and its message
 * listener re-refs the port, so `unref()` had to come after it.
 *
 * Memory: every pointer stored in a struct the kernel reads later (`msghdr`,
 * `iovec`) points into an `ArrayBuffer` made with `new ArrayBuffer(n)`: V8
 * allocates such backing stores outside its heap and never moves them, and
 * the receiver object owning them holds them for as long as the address may
 * be used. The `uv_poll_t` that libuv keeps a pointer to is `malloc`ed and
 * handed back to `free` by `uv_close` (see the poller), so it outlives the JS
 * heap of a worker thread that ends. Buffers passed as call arguments are turned into raw pointers by
 * `node:ffi` just before the call and only used during it; no JS (hence no
 * GC) runs while a call is in progress. The `DynamicLibrary` objects are
 * held by the backend, since closing or collecting one would invalidate its
 * functions and the registered callback.
 *
 * `node:ffi` is reached through `process.getBuiltinModule` so that Deno,
 * which type checks and publishes this file, never has to resolve it.
 *
 * @module
 */
import process from "node:process";
import type { Libc, Poller } from "./types.ts";
import {
  declareCalls,
  EPOLL_CLOEXEC,
  epollInterest,
  epollLayout,
  type LibcCalls,
  libcCandidates,
  makeLibc,
  MAX_EVENTS,
  openFirst,
  readyFds,
} from "./common.ts";

/** A `node:ffi` function signature. */
interface Signature {
  arguments: string[];
  return: string;
}

/** A function of a library opened with `node:ffi`. */
// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

/** A library handle of `node:ffi`. */
interface DynamicLibrary {
  registerCallback(signature: Signature, callback: Fn): bigint;
  getSymbol(name: string): bigint;
  close(): void;
}

/** The part of `node:ffi` this backend uses. */
interface NodeFfi {
  dlopen(path: string | null, symbols: Record<string, Signature>): {
    lib: DynamicLibrary;
    functions: Record<string, Fn>;
  };
  getRawPointer(view: ArrayBufferView | ArrayBuffer): bigint;
  getInt32(pointer: bigint, offset?: number): number;
  getCurrentEventLoop(): bigint;
}

/** `node:ffi`, without a static import. */
function nodeFfi(): NodeFfi {
  const ffi = process.getBuiltinModule("node:ffi") as unknown as NodeFfi | undefined;
  if (!ffi) throw new Error("nlts needs node:ffi (Node.js 26.1 or later, without --no-experimental-ffi)");
  return ffi;
}

// The shared calls in node:ffi's words, then what only the poller uses.
// Pointer arguments accept an ArrayBufferView (its address), a bigint
// address or null; 64-bit integers accept a number and return a bigint.
const SYMBOLS: Record<string, Signature> = {
  ...declareCalls(
    { i32: "i32", u32: "u32", u64: "u64", buffer: "pointer", pointer: "pointer" },
    (args, result): Signature => ({ arguments: args, return: result }),
  ),
  epoll_wait: { arguments: ["i32", "pointer", "i32", "i32"], return: "i32" },
  malloc: { arguments: ["u64"], return: "pointer" },
  __errno_location: { arguments: [], return: "pointer" },
};

// libuv, exported by the node binary itself (dlopen(null)).
const UV_SYMBOLS: Record<string, Signature> = {
  uv_handle_size: { arguments: ["i32"], return: "u64" },
  uv_poll_init: { arguments: ["pointer", "pointer", "i32"], return: "i32" },
  uv_poll_start: { arguments: ["pointer", "i32", "pointer"], return: "i32" },
  uv_close: { arguments: ["pointer", "pointer"], return: "void" },
  uv_ref: { arguments: ["pointer"], return: "void" },
  uv_unref: { arguments: ["pointer"], return: "void" },
};
const UV_POLL = 8; // uv_handle_type
const UV_READABLE = 1;

/** Opens libc with `node:ffi` and returns the {@link Libc} backend. */
export function load(): Libc {
  const ffi = nodeFfi();
  const { lib, functions: c } = openFirst(libcCandidates(process.arch), (name) => ffi.dlopen(name, SYMBOLS)).library;
  // Synchronous calls run on the JS thread, whose errno slot never moves.
  const errnoPtr = c.__errno_location() as bigint;
  return makeLibc({
    runtime: "node",
    calls: c as LibcCalls,
    errno: () => ffi.getInt32(errnoPtr, 0),
    addressOf: (bytes) => ffi.getRawPointer(bytes),
    // An integer argument goes by value, as a bigint.
    pointerArg: (arg) => typeof arg === "number" ? BigInt(arg) : arg,
    poller: (check) => uvPoller(ffi, lib, c, check),
  });
}

function uvPoller(ffi: NodeFfi, lib: DynamicLibrary, c: Record<string, Fn>, check: (r: number) => number): Poller {
  const arch = process.arch;
  const epfd = check(c.epoll_create1(EPOLL_CLOEXEC));
  if (epfd < 0) throw new Error(`epoll_create1 failed: errno ${-epfd}`);
  // libuv is Node's own, from the process image; `uvLib` is kept (see close).
  const { lib: uvLib, functions: uv } = ffi.dlopen(null, UV_SYMBOLS);
  // The uv_poll_t is malloc'ed, not an ArrayBuffer: libuv touches it once
  // more after uv_close, which at a worker's exit comes after V8 has freed
  // the worker's heap. uv_close's callback is libc's free (same signature).
  const handle = c.malloc(uv.uv_handle_size(UV_POLL)) as bigint;
  if (handle === 0n) throw new Error("malloc of a uv_poll_t failed");
  const events = new Uint8Array(new ArrayBuffer(MAX_EVENTS * epollLayout(arch).size));
  let ready: number[] = [];
  let resolveWait: ((fds: number[]) => void) | undefined;
  let closed = false;

  const deliver = () => {
    if (!resolveWait || ready.length === 0) return;
    const resolve = resolveWait;
    const fds = ready;
    resolveWait = undefined;
    ready = [];
    uv.uv_unref(handle);
    // setImmediate, not a direct call: see the module comment (microtasks).
    setImmediate(() => resolve(fds));
  };
  // void (*uv_poll_cb)(uv_poll_t *handle, int status, int events). It must
  // not throw: an exception cannot cross back into libuv.
  const onReadable = lib.registerCallback(
    { arguments: ["pointer", "i32", "i32"], return: "void" },
    () => {
      if (closed) return;
      try {
        const n = c.epoll_wait(epfd, events, MAX_EVENTS, 0);
        if (n > 0) ready.push(...readyFds(arch, events, n));
        deliver();
      } catch (error) {
        setImmediate(() => {
          throw error;
        });
      }
    },
  );
  let r = uv.uv_poll_init(ffi.getCurrentEventLoop(), handle, epfd);
  if (r === 0) r = uv.uv_poll_start(handle, UV_READABLE, onReadable);
  if (r < 0) throw new Error(`uv_poll_init/start on the epoll fd failed: ${r}`);
  uv.uv_unref(handle);
  // A worker thread's loop must have no open handle left when the worker
  // ends (Node aborts otherwise): close on the thread's way out.
  process.once("exit", () => poller.close());
  const poller: Poller = {
    ...epollInterest(c.epoll_ctl, epfd, check, arch),
    wait() {
      if (closed) return Promise.resolve([]);
      if (resolveWait) throw new Error("Poller.wait: a wait is already pending");
      if (ready.length > 0) {
        const fds = ready;
        ready = [];
        return Promise.resolve(fds);
      }
      uv.uv_ref(handle);
      return new Promise<number[]>((resolve) => (resolveWait = resolve));
    },
    wake() {
      if (!resolveWait) return;
      const resolve = resolveWait;
      resolveWait = undefined;
      uv.uv_unref(handle);
      resolve([]);
    },
    close() {
      if (closed) return;
      closed = true;
      // uv_close stops the handle at once; libuv frees it on its next turn.
      uv.uv_close(handle, lib.getSymbol("free"));
      c.close(epfd);
      void uvLib; // never closed: a closed library's functions would be invalid
      resolveWait?.([]);
      resolveWait = undefined;
    },
  };
  return poller;
}
