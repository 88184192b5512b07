/**
 * The Deno backend of {@link Libc}: `Deno.dlopen` of the C library (glibc,
 * or musl: see {@link libcCandidates}).
 *
 * Waiting: `epoll_wait` is declared `nonblocking`, so Deno runs it on a
 * blocking worker thread and hands back a Promise; the JS thread keeps
 * running. An eventfd in the same epoll set makes a pending wait return when
 * the loop has nothing left to wait for, so the process can exit.
 *
 * Memory: buffers are `ArrayBuffer`-backed (V8 never moves those backing
 * stores). The epoll event buffer of a pending nonblocking wait is a field of
 * the poller, so it stays alive and untouched until the wait returns.
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
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLL_DISARMED,
  epollEvent,
  EPOLLIN,
  epollLayout,
  EPOLLONESHOT,
  type LibcCalls,
  libcCandidates,
  makeLibc,
  MAX_EVENTS,
  openFirst,
  readyFds,
} from "./common.ts";
import { signalPoller } from "./signal.ts";

/** The calls only this backend's poller uses, and errno's location. */
const symbols = {
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  epoll_wait_now: { name: "epoll_wait", parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  fcntl_pointer: { name: "fcntl", parameters: ["i32", "i32", "buffer"], result: "i32" },
  gettid: { parameters: [], result: "i32" },
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
    poller: (check) =>
      Deno.env.get("NLTS_DENO_POLLER") !== "signal" ? denoPoller(c, check, arch) : signalPoller(
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
      ),
  });
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
  const ctl = (op: number, fd: number, ev: number) =>
    check(c.epoll_ctl(epfd, op, fd, epollEvent(arch, ev, fd) as Uint8Array<ArrayBuffer>));

  return {
    add: (fd) => ctl(EPOLL_CTL_ADD, fd, EPOLL_DISARMED),
    arm: (fd) => ctl(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT),
    disarm: (fd) => ctl(EPOLL_CTL_MOD, fd, EPOLL_DISARMED),
    remove: (fd) => ctl(EPOLL_CTL_DEL, fd, 0),
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
