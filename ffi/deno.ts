/**
 * The Deno backend of {@link Libc}: `Deno.dlopen` of the C library (glibc,
 * or musl: see {@link libcCandidates}).
 *
 * Waiting: by default the JS thread's own event loop is woken, with no
 * thread in between (`ffi/deno_uring.ts`): Deno's reactor watches one end of
 * a socket pair (`node:net`'s `Socket({ fd })`), and an io_uring `POLL_ADD`
 * on the epoll fd, linked to a one-byte `SEND` on the other end, makes the
 * kernel write to it when a socket is ready. Where io_uring is refused (a
 * seccomp profile such as Docker's default one, `kernel.io_uring_disabled`),
 * the fallback is the former design: `epoll_wait` declared `nonblocking`,
 * which Deno runs on a blocking-pool thread and hands back as a Promise, with
 * an eventfd in the set that makes a pending wait return when the loop has
 * nothing left to wait for, so the process can exit. `NLTS_DENO_POLLER=thread`
 * (or `uring`, `signal`) picks one, for `bench/events_pollers.sh`.
 *
 * Why: the p99 of the event latency (issue 15, target 500 µs) is made by
 * wake-ups, not by JS. Timing each event made by another process from its
 * CLOCK_MONOTONIC stamp to the resolved wait and then to the `for await`
 * body (1000 events, load 1.1–1.5): to the wait, p99 944 µs with the thread
 * and 827 µs with io_uring; from the wait to the body, p99 136 and 114 µs.
 * The thread adds a second wake-up (the pool thread, then the JS thread; on
 * this 2-vCPU VM each can wait for a vCPU). The designs side by side,
 * `bash bench/events_pollers.sh 6 1000`, median of the six runs' medians and
 * p99s (and their range), on the shared machine:
 *
 *   design (load)                 own send: median   p99                   another process: median   p99
 *   thread (0.9–1.4)              178 µs             956 µs (462–3749)     190 µs                    872 µs (616–2893)
 *   io_uring (0.9–1.4)            192 µs             741 µs (325–2876)     207 µs                    486 µs (459–1816)
 *   thread (0.9–3.0)              156 µs             1043 µs (529–3612)    169 µs                    735 µs (592–2027)
 *   io_uring (0.9–3.0)            186 µs             815 µs (556–3120)     184 µs                    543 µs (489–1476)
 *   signal (1.5–2.2, 5 runs)      186 µs             941 µs (768–4077)     218 µs                    1804 µs (733–2297)
 *
 * io_uring cuts the tail, most for events made by another process (the usual
 * case: the JS thread is asleep), and costs 10–30 µs of median (the byte goes
 * through a `node:net` stream). The signal design Bun uses (`ffi/signal.ts`)
 * is worse here: Deno hands a signal to its JS thread through a thread of its
 * own (strace: the handler runs on the JS thread, another thread writes the
 * event loop's eventfd), so it keeps the hop and adds the signal; a
 * `kill(getpid(), SIGURG)` took 70 µs to the listener (p99 1.1–1.7 ms)
 * against 8 µs (p99 36 µs) in Bun. Storms cost the same (`deno run -A
 * bench/storm.ts 50000`, 32 MiB: 6.9–7.2 µs of our CPU per event with
 * io_uring, 7.6–10.3 with the thread, load 2–3).
 *
 * Memory: buffers are `ArrayBuffer`-backed (V8 never moves those backing
 * stores). The epoll event buffer of a pending nonblocking wait is a field of
 * the poller, so it stays alive and untouched until the wait returns. The
 * io_uring rings are kernel memory mapped into the process and seen through
 * `ArrayBuffer`s that own nothing (`UnsafePointerView.getArrayBuffer`); the
 * poller unmaps them at close and uses none of its views after that.
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
  readyFds,
} from "./common.ts";
import { signalPoller } from "./signal.ts";
import { type FdWatch, type UringCalls, uringPoller } from "./deno_uring.ts";
import process from "node:process";

/** The calls only this backend's poller uses, and errno's location. */
const symbols = {
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  epoll_wait_now: { name: "epoll_wait", parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  fcntl_pointer: { name: "fcntl", parameters: ["i32", "i32", "buffer"], result: "i32" },
  gettid: { parameters: [], result: "i32" },
  syscall: { parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"], result: "i64" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/** The shared calls in Deno's words. */
const calls = declareCalls(
  { i32: "i32", u32: "u32", u64: "u64", buffer: "buffer", pointer: "pointer" },
  (parameters, result) => ({ parameters, result }) as Deno.ForeignFunction,
);

/** Opens libc with Deno's FFI and returns the {@link Libc} backend. */
export function load(): Libc {
  const arch = Deno.build.arch;
  const library = openFirst(libcCandidates(arch), (name) => Deno.dlopen(name, { ...calls, ...symbols })).library;
  const c = library.symbols as Symbols & LibcCalls;
  // Synchronous FFI calls run on the JS thread, whose errno slot never moves.
  const errnoView = new Deno.UnsafePointerView(c.__errno_location()!);
  return makeLibc({
    runtime: "deno",
    calls: c,
    errno: () => errnoView.getInt32(),
    addressOf: (bytes) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>))),
    pointerArg: (arg) =>
      typeof arg === "number"
        ? Deno.UnsafePointer.create(BigInt(arg))
        : Deno.UnsafePointer.of(arg as Uint8Array<ArrayBuffer>),
    poller: (check) => {
      const choice = pollerChoice();
      if (choice === "thread") return denoPoller(c, check, arch);
      if (choice === "signal") return denoSignalPoller(c, check, arch);
      if (choice === "uring") return uringPoller(uringCalls(c), watchFd, check, arch);
      try {
        return uringPoller(uringCalls(c), watchFd, check, arch);
      } catch {
        return denoPoller(c, check, arch);
      }
    },
  });
}

/**
 * `NLTS_DENO_POLLER`, if this process may read it: asked without a prompt,
 * since a program run without `--allow-env` must not be asked for it.
 */
function pollerChoice(): string | undefined {
  const variable = "NLTS_DENO_POLLER";
  return Deno.permissions.querySync({ name: "env", variable }).state === "granted" ? Deno.env.get(variable) : undefined;
}

const address = (bytes: Uint8Array) =>
  BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>)));

function uringCalls(c: Symbols & LibcCalls): UringCalls {
  return {
    epoll_create1: c.epoll_create1,
    epoll_ctl: c.epoll_ctl,
    epollWaitNow: (epfd, events, max) => c.epoll_wait_now(epfd, events as Uint8Array<ArrayBuffer>, max, 0),
    syscall(number, ...args) {
      const a = [0, 1, 2, 3, 4, 5].map((i) => {
        const arg = args[i] ?? 0;
        return arg instanceof Uint8Array ? address(arg) : BigInt(arg);
      });
      return Number(c.syscall(BigInt(number), a[0], a[1], a[2], a[3], a[4], a[5]));
    },
    mmap(length, prot, flags, fd, offset) {
      const at = c.mmap(null, BigInt(length), prot, flags, fd, BigInt(offset));
      // MAP_FAILED is (void *)-1.
      if (at === null || Deno.UnsafePointer.value(at) === 0xffffffffffffffffn) return undefined;
      return { bytes: Deno.UnsafePointerView.getArrayBuffer(at, length), unmap: () => c.munmap(at, BigInt(length)) };
    },
    socketpair: (domain, type, protocol, fds) => c.socketpair(domain, type, protocol, fds as Uint8Array<ArrayBuffer>),
    addressOf: address,
    close: c.close,
  };
}

/** `node:net`'s `Socket({ fd })`, which Deno's own reactor watches. */
function watchFd(fd: number): FdWatch {
  const net = process.getBuiltinModule("node:net") as typeof import("node:net");
  const socket = new net.Socket({ fd, readable: true, writable: false });
  return {
    onData: (listener) => socket.on("data", listener),
    ref: () => socket.ref(),
    unref: () => socket.unref(),
    destroy: () => socket.destroy(),
  };
}

function denoSignalPoller(c: Symbols & LibcCalls, check: (r: number) => number, arch: string): Poller {
  return signalPoller(
    {
      epoll_create1: c.epoll_create1,
      epoll_ctl: c.epoll_ctl,
      epollWaitNow: (epfd, events, max) => c.epoll_wait_now(epfd, events as Uint8Array<ArrayBuffer>, max, 0),
      fcntl: c.fcntl,
      fcntlPointer: (fd, cmd, arg) => c.fcntl_pointer(fd, cmd, arg as Uint8Array<ArrayBuffer>),
      gettid: c.gettid,
      close: c.close,
      onSigurg(listener) {
        Deno.addSignalListener("SIGURG", listener);
        return () => Deno.removeSignalListener("SIGURG", listener);
      },
    },
    check,
    arch,
  );
}

type Symbols = Deno.DynamicLibrary<typeof symbols>["symbols"];
type PollCalls = Symbols & Pick<LibcCalls, "epoll_create1" | "epoll_ctl" | "close" | "write">;

function denoPoller(c: PollCalls, check: (r: number) => number, arch: string): Poller {
  const epfd = check(c.epoll_create1(EPOLL_CLOEXEC));
  if (epfd < 0) throw new Error(`epoll_create1 failed: errno ${-epfd}`);
  const wakeFd = check(c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wakeFd < 0) throw new Error(`eventfd failed: errno ${-wakeFd}`);
  c.epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFd, epollEvent(arch, EPOLLIN, wakeFd) as Uint8Array<ArrayBuffer>);
  const events = new Uint8Array(new ArrayBuffer(MAX_EVENTS * epollLayout(arch).size));
  const counter = new Uint8Array(new ArrayBuffer(8));
  const one = new Uint8Array(new ArrayBuffer(8));
  one[0] = 1;
  let pending: Promise<number[]> | undefined;
  let closed = false;
  const release = () => {
    c.close(epfd);
    c.close(wakeFd);
  };
  return {
    ...epollInterest(c.epoll_ctl, epfd, check, arch),
    wait() {
      if (closed) return Promise.resolve([]);
      if (pending) throw new Error("Poller.wait: a wait is already pending");
      pending = (async () => {
        try {
          // The epoll_wait call itself runs on one of Deno's blocking threads.
          const n = await c.epoll_wait(epfd, events as Uint8Array<ArrayBuffer>, MAX_EVENTS, -1);
          if (n <= 0) return []; // EINTR: report nothing, the caller waits again
          const fds = readyFds(arch, events, n);
          if (fds.includes(wakeFd)) c.read(wakeFd, counter as Uint8Array<ArrayBuffer>, 8n);
          return fds.filter((fd) => fd !== wakeFd);
        } finally {
          pending = undefined;
          if (closed) release();
        }
      })();
      return pending;
    },
    wake() {
      c.write(wakeFd, one as Uint8Array<ArrayBuffer>, 8n);
    },
    close() {
      if (closed) return;
      closed = true;
      // A pending epoll_wait still uses both fds: it releases them on return.
      if (pending) c.write(wakeFd, one as Uint8Array<ArrayBuffer>, 8n);
      else release();
    },
  };
}
