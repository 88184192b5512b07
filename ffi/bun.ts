/**
 * The Bun backend of {@link Libc}: `bun:ffi` on the C library (glibc, or
 * musl: see {@link libcCandidates}).
 *
 * Waiting, on the main thread: signal-driven I/O (`ffi/signal.ts`). An armed
 * socket has `O_ASYNC` set and the JS thread as its owner, so the kernel
 * sends that thread `SIGURG` when data comes; Bun's handler runs on the
 * thread it interrupts and wakes its own event loop, which calls the
 * `process.on("SIGURG")` listener; that takes the ready fds with a
 * non-blocking `epoll_wait`. No thread, no hop: the thread the kernel wakes
 * is the one that runs the JS (as with Node's libuv poll handle).
 *
 * Waiting, in a Worker (or with `NLTS_BUN_POLLER=thread`): `bun:ffi` has no
 * nonblocking calls, so a Worker with a libc handle of its own blocks in
 * `epoll_wait` and posts the ready fds to this thread. A Worker's
 * `process.on("SIGURG")` listener is never called (Bun 1.4.5;
 * `test/socket/worker_wait.test.ts` fails there with the signal design).
 * Interest is one-shot (EPOLLONESHOT): a reported fd stays silent until this
 * thread re-arms it, so the worker never spins on a socket nobody reads. The
 * worker is `ref`ed only while a wait is pending, so an idle process exits.
 * If the worker dies, every wait from then on rejects with the reason.
 *
 * The two side by side, `bash bench/events_pollers.sh 6 1000` on the shared
 * 2-vCPU machine (load 0.9–1.4, then 0.9–3.0); the median of the six runs'
 * medians and p99s, and the p99s' range:
 *
 *   design        own send: median   p99                   another process: median   p99
 *   worker        102 µs             973 µs (789–4259)     92 µs                     1325 µs (975–2344)
 *   signal        96 µs              246 µs (198–931)      96 µs                     950 µs (904–1525)
 *   worker        86 µs              1372 µs (944–4366)    84 µs                     1112 µs (723–1294)
 *   signal        68 µs              328 µs (211–1343)     89 µs                     1177 µs (910–2015)
 *
 * The signal cuts the tail of events our own send causes (the JS thread is
 * awake; the worker had to be woken, then wake it) to Node's level or below;
 * for events another process causes, while the JS thread sleeps, both
 * designs show a p99 near 1 ms, and so does Node's (556–3836 µs in the same
 * runs): what remains is the wake-up of a sleeping thread on a busy VM. A
 * `kill(getpid(), SIGURG)` reaches the listener in 8 µs (p99 36 µs). Storms
 * cost less without the worker (`bun bench/storm.ts 50000`, 32 MiB: 6.0–6.2
 * µs of our CPU per event, against 8.5–9.1 µs). Also tried before: the
 * worker waking this thread with `Atomics.waitAsync` instead of
 * `postMessage`, same tails (3–4 ms with the main thread busy).
 *
 * Memory: `bun:ffi` passes a TypedArray argument as a pointer to its backing
 * store for the duration of the call; the buffers whose address is stored in
 * a struct (`msghdr`, `iovec`) are `ArrayBuffer`-backed, which JavaScriptCore
 * allocates outside its moving heap, and are owned by the receiver object.
 *
 * `bun:ffi` is reached through `import.meta.require` so that Deno, which type
 * checks and publishes this file, never has to resolve a `bun:` specifier.
 *
 * @module
 */
import type { Libc, Poller } from "./types.ts";
import {
  declareCalls,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  epollEvent,
  EPOLLIN,
  epollInterest,
  epollLayout,
  type LibcCalls,
  libcCandidates,
  makeLibc,
  MAX_EVENTS,
  openFirst,
} from "./common.ts";
import { signalPoller } from "./signal.ts";

/** The part of `bun:ffi` this backend uses. */
export interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): {
    symbols: Record<string, (...args: unknown[]) => number>;
  };
  ptr(view: Uint8Array): number;
  read: { i32(ptr: number, offset?: number): number };
}

/** `bun:ffi`, without a static import. */
export function bunFfi(): BunFfi {
  const meta = import.meta as unknown as { require(id: string): unknown };
  return meta.require("bun:ffi") as BunFfi;
}

/**
 * The libc symbols this backend opens: the shared calls in `bun:ffi`'s words
 * ("ptr" takes a TypedArray by pointer, or a plain number by value), then
 * what only the poller uses.
 */
export const SYMBOLS: Record<string, { args: string[]; returns: string }> = {
  ...declareCalls(
    { i32: "i32", u32: "u32", u64: "u64", buffer: "ptr", pointer: "ptr" },
    (args, returns) => ({ args, returns }),
  ),
  read: { args: ["i32", "ptr", "usize"], returns: "i32" },
  eventfd: { args: ["u32", "i32"], returns: "i32" },
  epoll_wait: { args: ["i32", "ptr", "i32", "i32"], returns: "i32" },
  fcntl: { args: ["i32", "i32", "i64"], returns: "i32" },
  gettid: { args: [], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
};

/** Opens libc with `bun:ffi` and returns the {@link Libc} backend. */
export function load(): Libc {
  const ffi = bunFfi();
  const { name: libcName, library } = openFirst(libcCandidates(process.arch), (name) => ffi.dlopen(name, SYMBOLS));
  const c = library.symbols;
  const errnoPtr = c.__errno_location();
  return makeLibc({
    runtime: "bun",
    calls: c as LibcCalls,
    errno: () => ffi.read.i32(errnoPtr, 0),
    addressOf: (bytes) => BigInt(ffi.ptr(bytes)),
    pointerArg: (arg) => arg === 0 ? null : arg,
    poller: (check) =>
      !onMainThread() || process.env.NLTS_BUN_POLLER === "thread" ? bunPoller(c, check, libcName) : signalPoller(
        {
          epoll_create1: c.epoll_create1,
          epoll_ctl: c.epoll_ctl,
          epollWaitNow: (epfd, events, max) => c.epoll_wait(epfd, events, max, 0),
          fcntl: c.fcntl,
          fcntlPointer: (fd, cmd, arg) => c.fcntl(fd, cmd, ffi.ptr(arg)),
          gettid: c.gettid,
          close: c.close,
          onSigurg(listener) {
            process.on("SIGURG", listener);
            return () => process.off("SIGURG", listener);
          },
        },
        check,
        process.arch,
      ),
  });
}

type Fn = (...args: unknown[]) => number;

/**
 * Whether this is Bun's main thread. A Worker's `process.on("SIGURG")` is
 * never called (Bun 1.4.5: a signal aimed at the worker's thread is not
 * dispatched to its listeners), so a Worker waits with the poll worker.
 */
function onMainThread(): boolean {
  return (globalThis as { Bun?: { isMainThread?: boolean } }).Bun?.isMainThread !== false;
}

/** The first message to the poll worker: everything its program uses. */
interface PollWorkerStart {
  /** The libc name this thread opened. */
  libc: string;
  epfd: number;
  wakeFd: number;
  /** Set to 1 by {@link Poller.close}; the worker checks it after each wake-up. */
  stop: Int32Array;
  /** `struct epoll_event` layout of this architecture (see `epollLayout`). */
  eventSize: number;
  dataOffset: number;
  maxEvents: number;
}

/** What the poll worker posts: ready fds, or why it stopped. */
type PollWorkerReport = number[] | { error: string };

/**
 * The poll worker's whole program. It runs from its own source text (see
 * {@link pollWorkerUrl}), so its body must use nothing from outside it: no
 * imports, no module constants, only what the first message carries.
 */
function pollWorkerMain(): void {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<PollWorkerStart>) => void) | null;
    postMessage(report: PollWorkerReport): void;
  };
  scope.onmessage = (event: MessageEvent<PollWorkerStart>) => {
    scope.onmessage = null;
    const { libc, epfd, wakeFd, stop, eventSize, dataOffset, maxEvents } = event.data;
    try {
      // As in bunFfi(), which this body cannot call.
      const meta = import.meta as unknown as { require(id: string): unknown };
      const ffi = meta.require("bun:ffi") as BunFfi;
      const c = ffi.dlopen(libc, {
        epoll_wait: { args: ["i32", "ptr", "i32", "i32"], returns: "i32" },
        read: { args: ["i32", "ptr", "usize"], returns: "i32" },
        close: { args: ["i32"], returns: "i32" },
      }).symbols;
      const events = new Uint8Array(new ArrayBuffer(maxEvents * eventSize));
      const view = new DataView(events.buffer);
      const counter = new Uint8Array(new ArrayBuffer(8));
      while (Atomics.load(stop, 0) === 0) {
        const n = c.epoll_wait(epfd, events, maxEvents, -1);
        if (n <= 0) continue; // EINTR
        const fds: number[] = [];
        let woken = false;
        for (let i = 0; i < n; i++) {
          const fd = view.getInt32(i * eventSize + dataOffset, true);
          if (fd === wakeFd) woken = true;
          else fds.push(fd);
        }
        if (woken) c.read(wakeFd, counter, 8);
        if (Atomics.load(stop, 0) !== 0) break;
        // A wake-up posts an empty list so that a pending wait returns.
        scope.postMessage(fds);
      }
      c.close(epfd);
      c.close(wakeFd);
    } catch (error) {
      scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  };
}

/**
 * The poll worker's script, as a Blob URL made from {@link pollWorkerMain}'s
 * source. A separate worker file (`new Worker(new URL("./worker.ts",
 * import.meta.url))`) is not in the static import graph, so JSR's npm layer,
 * which ships only that graph, left it out and subscriptions under Bun waited
 * forever. Starting a Worker on this module's own URL would ship, but a
 * bundle (`bun build`) gives every module the bundle's URL, so the worker
 * would run the whole application. The Blob needs no file at all, and its
 * text is whatever transpiler produced this module's (types already gone).
 * It also starts no slower: from `new Worker` to the first message back
 * after its dlopen, the median of 21 starts was 2.3 ms for the Blob against
 * 2.9-3.1 ms for a module file that imports `common.ts` (Bun 1.4.5).
 */
function pollWorkerUrl(): string {
  const source = `(${pollWorkerMain.toString()})();\n`;
  return URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
}

/**
 * The Bun {@link Poller}: one epoll set, waited on by a Worker that opens
 * `libcName` itself. Exported for the test that makes the worker fail.
 */
export function bunPoller(c: Record<string, Fn>, check: (r: number) => number, libcName: string): Poller {
  const arch = process.arch;
  const epfd = check(c.epoll_create1(EPOLL_CLOEXEC));
  if (epfd < 0) throw new Error(`epoll_create1 failed: errno ${-epfd}`);
  const wakeFd = check(c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wakeFd < 0) throw new Error(`eventfd failed: errno ${-wakeFd}`);
  c.epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFd, epollEvent(arch, EPOLLIN, wakeFd));
  const one = new Uint8Array(new ArrayBuffer(8));
  one[0] = 1;
  const stop = new Int32Array(new SharedArrayBuffer(4));

  const worker = new Worker(pollWorkerUrl()) as Worker & { ref(): void; unref(): void };
  worker.unref();
  let ready: number[] = [];
  let pending: { resolve(fds: number[]): void; reject(error: Error): void } | undefined;
  let failure: Error | undefined;
  let closed = false;

  const settle = (): typeof pending => {
    const waiter = pending;
    pending = undefined;
    worker.unref();
    return waiter;
  };
  // Without this, a dead worker would leave every socket of the process
  // waiting forever and silently: the wait rejects instead.
  const fail = (why: string) => {
    if (closed || failure) return;
    failure = new Error(`nlts: the Bun poll worker stopped, so no socket can wait for data: ${why}`);
    settle()?.reject(failure);
  };
  worker.onmessage = (event: MessageEvent<PollWorkerReport>) => {
    const report = event.data;
    if (!Array.isArray(report)) return fail(report.error);
    ready.push(...report);
    if (!pending) return;
    const fds = ready;
    ready = [];
    settle()?.resolve(fds);
  };
  worker.addEventListener("error", (event: Event) => {
    // Bun's message is the error formatted with a source excerpt; its
    // "error: …" line is the error itself.
    const text = (event as ErrorEvent).message ?? "";
    fail(text.split("\n").find((line) => line.startsWith("error: "))?.slice(7) ?? (text.split("\n")[0] || "error"));
  });
  worker.addEventListener("close", () => fail("the worker exited"));
  const start: PollWorkerStart = {
    libc: libcName,
    epfd,
    wakeFd,
    stop,
    eventSize: epollLayout(arch).size,
    dataOffset: epollLayout(arch).dataOffset,
    maxEvents: MAX_EVENTS,
  };
  worker.postMessage(start);
  return {
    ...epollInterest(c.epoll_ctl, epfd, check, arch),
    wait() {
      if (closed) return Promise.resolve([]);
      if (failure) return Promise.reject(failure);
      if (pending) throw new Error("Poller.wait: a wait is already pending");
      if (ready.length > 0) {
        const fds = ready;
        ready = [];
        return Promise.resolve(fds);
      }
      worker.ref();
      return new Promise<number[]>((resolve, reject) => (pending = { resolve, reject }));
    },
    wake() {
      c.write(wakeFd, one, 8);
    },
    close() {
      if (closed) return;
      closed = true;
      // The worker sees the flag when the eventfd wakes it, closes both fds
      // and returns from its loop.
      Atomics.store(stop, 0, 1);
      c.write(wakeFd, one, 8);
      settle()?.resolve([]);
    },
  };
}
