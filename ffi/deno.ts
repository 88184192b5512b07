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
  cString,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  epollEvent,
  EPOLLIN,
  epollLayout,
  EPOLLONESHOT,
  libcCandidates,
  makeReceiver,
  makeSendmsg,
  MAX_EVENTS,
  openFirst,
  readyFds,
} from "./common.ts";

const symbols = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "i32" },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  sendmsg: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  setns: { parameters: ["i32", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  ioctl_int: { name: "ioctl", parameters: ["i32", "u64", "u64"], result: "i32" },
  getpid: { parameters: [], result: "i32" },
  unshare: { parameters: ["i32"], result: "i32" },
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "pointer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  flock: { parameters: ["i32", "i32"], result: "i32" },
  inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/** Opens libc with Deno's FFI and returns the {@link Libc} backend. */
export function load(): Libc {
  const arch = Deno.build.arch;
  const c = openFirst(libcCandidates(arch), (name) => Deno.dlopen(name, symbols)).library.symbols;
  // Synchronous FFI calls run on the JS thread, whose errno slot never moves.
  const errnoView = new Deno.UnsafePointerView(c.__errno_location()!);
  const check = (r: number) => (r < 0 ? -errnoView.getInt32() : r);
  const addressOf = (bytes: Uint8Array) =>
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>)));
  const lenCell = () => new Uint32Array(new ArrayBuffer(4));
  let poller: Poller | undefined;
  const sendmsg = makeSendmsg(
    addressOf,
    (fd, msghdr, flags) => check(c.sendmsg(fd, msghdr as Uint8Array<ArrayBuffer>, flags)),
  );

  const libc: Libc = {
    runtime: "deno",
    socket: (d, t, p) => check(c.socket(d, t, p)),
    bind: (fd, addr) => check(c.bind(fd, addr as Uint8Array<ArrayBuffer>, addr.length)),
    getsockname(fd, addr) {
      const len = lenCell();
      len[0] = addr.length;
      const r = check(c.getsockname(fd, addr as Uint8Array<ArrayBuffer>, len));
      return r < 0 ? r : len[0];
    },
    setsockopt: (fd, level, name, value) =>
      check(c.setsockopt(fd, level, name, value as Uint8Array<ArrayBuffer>, value.length)),
    getsockopt(fd, level, name, value) {
      const len = lenCell();
      len[0] = value.length;
      const r = check(c.getsockopt(fd, level, name, value as Uint8Array<ArrayBuffer>, len));
      return r < 0 ? r : len[0];
    },
    sendto: (fd, data, flags, addr) =>
      check(
        c.sendto(
          fd,
          data as Uint8Array<ArrayBuffer>,
          BigInt(data.length),
          flags,
          addr as Uint8Array<ArrayBuffer>,
          addr.length,
        ),
      ),
    sendmsg,
    receiver: (size) =>
      makeReceiver(
        size,
        addressOf,
        (fd, msghdr, flags) => check(c.recvmsg(fd, msghdr as Uint8Array<ArrayBuffer>, flags)),
      ),
    close: (fd) => check(c.close(fd)),
    open: (path, flags) => check(c.open(cString(path) as Uint8Array<ArrayBuffer>, flags)),
    setns: (fd, nstype) => check(c.setns(fd, nstype)),
    ioctl: (fd, request, arg) =>
      check(
        typeof arg === "number"
          ? c.ioctl_int(fd, BigInt(request), BigInt(arg))
          : c.ioctl(fd, BigInt(request), arg as Uint8Array<ArrayBuffer>),
      ),
    getpid: () => c.getpid(),
    unshare: (flags) => check(c.unshare(flags)),
    mount: (source, target, fstype, flags) =>
      check(
        c.mount(
          cString(source) as Uint8Array<ArrayBuffer>,
          cString(target) as Uint8Array<ArrayBuffer>,
          cString(fstype) as Uint8Array<ArrayBuffer>,
          BigInt(flags),
          null,
        ),
      ),
    umount2: (target, flags) => check(c.umount2(cString(target) as Uint8Array<ArrayBuffer>, flags)),
    flock: (fd, operation) => check(c.flock(fd, operation)),
    inetPton(family, text, dst) {
      // inet_pton writes 16 bytes for any family but AF_INET: never past dst.
      if (dst.length < (family === 2 ? 4 : 16)) throw new RangeError("inetPton: dst is too short");
      return check(c.inet_pton(family, cString(text) as Uint8Array<ArrayBuffer>, dst as Uint8Array<ArrayBuffer>));
    },
    poller() {
      poller ??= denoPoller(c, check, arch);
      return poller;
    },
  };
  return libc;
}

type Symbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

function denoPoller(c: Symbols, check: (r: number) => number, arch: string): Poller {
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
    add: (fd) => ctl(EPOLL_CTL_ADD, fd, 0),
    arm: (fd) => ctl(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT),
    disarm: (fd) => ctl(EPOLL_CTL_MOD, fd, 0),
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
