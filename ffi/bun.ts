/**
 * The Bun backend of {@link Libc}: `bun:ffi` on glibc.
 *
 * Waiting: `bun:ffi` has no nonblocking calls, so a Worker with a libc handle
 * of its own blocks in `epoll_wait` and posts the ready fds to this thread.
 * Interest is one-shot (EPOLLONESHOT): a reported fd stays silent until this
 * thread re-arms it, so the worker never spins on a socket nobody reads. The
 * worker is `ref`ed only while a wait is pending, so an idle process exits.
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
  cString,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  epollEvent,
  EPOLLIN,
  EPOLLONESHOT,
  makeReceiver,
} from "./common.ts";

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

/** The libc symbols both this thread and the poll worker open. */
export const SYMBOLS = {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
  getsockname: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
  getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], returns: "i32" },
  sendto: { args: ["i32", "ptr", "usize", "i32", "ptr", "u32"], returns: "i32" },
  recvmsg: { args: ["i32", "ptr", "i32"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  open: { args: ["ptr", "i32"], returns: "i32" },
  setns: { args: ["i32", "i32"], returns: "i32" },
  // "ptr" takes a TypedArray (by pointer) or a plain number (by value).
  ioctl: { args: ["i32", "u64", "ptr"], returns: "i32" },
  getpid: { args: [], returns: "i32" },
  unshare: { args: ["i32"], returns: "i32" },
  mount: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
  umount2: { args: ["ptr", "i32"], returns: "i32" },
  flock: { args: ["i32", "i32"], returns: "i32" },
  inet_pton: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  read: { args: ["i32", "ptr", "usize"], returns: "i32" },
  write: { args: ["i32", "ptr", "usize"], returns: "i32" },
  eventfd: { args: ["u32", "i32"], returns: "i32" },
  epoll_create1: { args: ["i32"], returns: "i32" },
  epoll_ctl: { args: ["i32", "i32", "i32", "ptr"], returns: "i32" },
  epoll_wait: { args: ["i32", "ptr", "i32", "i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
};

/** Opens libc with `bun:ffi` and returns the {@link Libc} backend. */
export function load(): Libc {
  const ffi = bunFfi();
  const c = ffi.dlopen("libc.so.6", SYMBOLS).symbols;
  const errnoPtr = c.__errno_location();
  const check = (r: number) => (r < 0 ? -ffi.read.i32(errnoPtr, 0) : r);
  const lenCell = () => new Uint32Array(new ArrayBuffer(4));
  let poller: Poller | undefined;

  return {
    runtime: "bun",
    socket: (d, t, p) => check(c.socket(d, t, p)),
    bind: (fd, addr) => check(c.bind(fd, addr, addr.length)),
    getsockname(fd, addr) {
      const len = lenCell();
      len[0] = addr.length;
      const r = check(c.getsockname(fd, addr, len));
      return r < 0 ? r : len[0];
    },
    setsockopt: (fd, level, name, value) => check(c.setsockopt(fd, level, name, value, value.length)),
    getsockopt(fd, level, name, value) {
      const len = lenCell();
      len[0] = value.length;
      const r = check(c.getsockopt(fd, level, name, value, len));
      return r < 0 ? r : len[0];
    },
    sendto: (fd, data, flags, addr) => check(c.sendto(fd, data, data.length, flags, addr, addr.length)),
    receiver: (size) =>
      makeReceiver(size, (bytes) => BigInt(ffi.ptr(bytes)), (fd, msghdr, flags) => check(c.recvmsg(fd, msghdr, flags))),
    close: (fd) => check(c.close(fd)),
    open: (path, flags) => check(c.open(cString(path), flags)),
    setns: (fd, nstype) => check(c.setns(fd, nstype)),
    ioctl: (fd, request, arg) => check(c.ioctl(fd, request, arg === 0 ? null : arg)),
    getpid: () => c.getpid(),
    unshare: (flags) => check(c.unshare(flags)),
    mount: (source, target, fstype, flags) =>
      check(c.mount(cString(source), cString(target), cString(fstype), flags, null)),
    umount2: (target, flags) => check(c.umount2(cString(target), flags)),
    flock: (fd, operation) => check(c.flock(fd, operation)),
    inetPton(family, text, dst) {
      // inet_pton writes 16 bytes for any family but AF_INET: never past dst.
      if (dst.length < (family === 2 ? 4 : 16)) throw new RangeError("inetPton: dst is too short");
      return check(c.inet_pton(family, cString(text), dst));
    },
    poller() {
      poller ??= bunPoller(c, check);
      return poller;
    },
  };
}

type Fn = (...args: unknown[]) => number;

function bunPoller(c: Record<string, Fn>, check: (r: number) => number): Poller {
  const arch = process.arch;
  const epfd = check(c.epoll_create1(EPOLL_CLOEXEC));
  if (epfd < 0) throw new Error(`epoll_create1 failed: errno ${-epfd}`);
  const wakeFd = check(c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wakeFd < 0) throw new Error(`eventfd failed: errno ${-wakeFd}`);
  c.epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFd, epollEvent(arch, EPOLLIN, wakeFd));
  const one = new Uint8Array(new ArrayBuffer(8));
  one[0] = 1;
  const stop = new Int32Array(new SharedArrayBuffer(4));

  const worker = new Worker(new URL("./bun_poll_worker.ts", import.meta.url).href) as Worker & {
    ref(): void;
    unref(): void;
  };
  worker.unref();
  let ready: number[] = [];
  let resolveWait: ((fds: number[]) => void) | undefined;
  worker.onmessage = (event: MessageEvent<number[]>) => {
    ready.push(...event.data);
    if (resolveWait) {
      const resolve = resolveWait;
      resolveWait = undefined;
      worker.unref();
      const fds = ready;
      ready = [];
      resolve(fds);
    }
  };
  worker.postMessage({ epfd, wakeFd, stop, arch });
  let closed = false;
  const ctl = (op: number, fd: number, ev: number) => check(c.epoll_ctl(epfd, op, fd, epollEvent(arch, ev, fd)));

  return {
    add: (fd) => ctl(EPOLL_CTL_ADD, fd, 0),
    arm: (fd) => ctl(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT),
    disarm: (fd) => ctl(EPOLL_CTL_MOD, fd, 0),
    remove: (fd) => ctl(EPOLL_CTL_DEL, fd, 0),
    wait() {
      if (closed) return Promise.resolve([]);
      if (resolveWait) throw new Error("Poller.wait: a wait is already pending");
      if (ready.length > 0) {
        const fds = ready;
        ready = [];
        return Promise.resolve(fds);
      }
      worker.ref();
      return new Promise<number[]>((resolve) => (resolveWait = resolve));
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
      worker.unref();
      resolveWait?.([]);
      resolveWait = undefined;
    },
  };
}
