/**
 * What the three backends (Deno, Bun, Node) share: the struct layouts
 * (Linux, LP64: x86_64 and aarch64), the libc calls in one vocabulary
 * ({@link LIBC_CALLS}) and the {@link Libc} wrapper over them
 * ({@link makeLibc}). Only how a library is opened, how a buffer's address is
 * taken and how the poller waits differ between runtimes.
 *
 * @module
 */
import type { Libc, Poller, Receiver, RecvMeta } from "./types.ts";

export const MSG_TRUNC = 0x20;
export const EPOLLIN = 0x1;
export const EPOLLONESHOT = 1 << 30;
/**
 * The events of a registered fd nobody waits on (after `add` and `disarm`).
 * Not 0: the kernel always adds EPOLLERR and EPOLLHUP to an fd's events, so
 * with 0 a socket holding an error (a netlink socket's ENOBUFS after an
 * overrun, or the error rtnetlink sets on its group's members) stays
 * level-triggered ready: the poller then reports it on every wait, a busy
 * loop that floods the JS thread while the socket is left unread. With
 * EPOLLONESHOT such an error is reported once, then the fd is silent until
 * it is armed again.
 */
export const EPOLL_DISARMED = EPOLLONESHOT;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLL_CLOEXEC = 0x80000;
export const EFD_CLOEXEC = 0x80000;
export const EFD_NONBLOCK = 0x800;
export const O_RDONLY = 0;
export const O_CLOEXEC = 0x80000;
const SOL_NETLINK = 270;
const NETLINK_PKTINFO = 3;

/** Largest number of readiness reports taken from one `epoll_wait`. */
export const MAX_EVENTS = 64;

/**
 * `struct epoll_event` is packed (12 bytes) on x86_64 and naturally aligned
 * (16 bytes) elsewhere: the data union starts at 4 or at 8.
 */
export function epollLayout(arch: string): { size: number; dataOffset: number } {
  const packed = arch === "x86_64" || arch === "x64";
  return packed ? { size: 12, dataOffset: 4 } : { size: 16, dataOffset: 8 };
}

/** One `struct epoll_event` asking for `events`, with the fd as its data. */
export function epollEvent(arch: string, events: number, fd: number): Uint8Array {
  const { size, dataOffset } = epollLayout(arch);
  const bytes = new Uint8Array(new ArrayBuffer(size));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, events, true);
  view.setUint32(dataOffset, fd, true);
  return bytes;
}

/** The epoll calls of a poller that runs on the JS thread (io_uring, signals): synchronous, never blocking. */
export interface JsThreadEpollCalls {
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, event: Uint8Array): number;
  /** `epoll_wait(epfd, events, max, 0)`: never blocks. */
  epollWaitNow(epfd: number, events: Uint8Array, max: number): number;
}

/** The fds epoll set `epfd` reports ready now (`events`: room for {@link MAX_EVENTS}), without blocking. */
export function readyNow(c: JsThreadEpollCalls, epfd: number, events: Uint8Array, arch: string): number[] {
  const n = c.epollWaitNow(epfd, events, MAX_EVENTS);
  return n > 0 ? readyFds(arch, events, n) : [];
}

/** What every {@link Poller} does to its epoll set's interest list. */
export type EpollInterest = Pick<Poller, "add" | "arm" | "disarm" | "remove">;

/**
 * The interest list of epoll set `epfd`, as every poller keeps it: an fd is
 * added disarmed ({@link EPOLL_DISARMED}), armed for one report
 * (`EPOLLIN | EPOLLONESHOT`), disarmed again, removed. Each returns 0 or
 * `-errno` (through `check`).
 */
export function epollInterest(
  epollCtl: (epfd: number, op: number, fd: number, event: Uint8Array<ArrayBuffer>) => number,
  epfd: number,
  check: (r: number) => number,
  arch: string,
): EpollInterest {
  const ctl = (op: number, fd: number, events: number) =>
    check(epollCtl(epfd, op, fd, epollEvent(arch, events, fd) as Uint8Array<ArrayBuffer>));
  return {
    add: (fd) => ctl(EPOLL_CTL_ADD, fd, EPOLL_DISARMED),
    arm: (fd) => ctl(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT),
    disarm: (fd) => ctl(EPOLL_CTL_MOD, fd, EPOLL_DISARMED),
    remove: (fd) => ctl(EPOLL_CTL_DEL, fd, 0),
  };
}

/**
 * The one pending {@link Poller.wait} of a poller whose readiness news comes
 * on the JS thread itself (a signal's listener, a stream's data): a wait
 * answers at once when something is ready or a {@link Poller.wake} came with
 * no wait pending; otherwise it stays pending until {@link settle}.
 * `onPending`/`onSettled` keep the process alive while a wait is pending
 * and only then.
 */
export class JsThreadWait {
  #resolve?: (fds: number[]) => void;
  #woken = false;
  readonly #onPending: () => void;
  readonly #onSettled: () => void;

  /** `onPending` runs when a wait starts pending, `onSettled` when it is settled. */
  constructor(onPending: () => void, onSettled: () => void) {
    this.#onPending = onPending;
    this.#onSettled = onSettled;
  }

  /** Whether a wait is pending. */
  get pending(): boolean {
    return this.#resolve !== undefined;
  }

  /** A wait: what `look()` finds now, `[]` after an earlier wake, or pending. */
  start(look: () => number[]): Promise<number[]> {
    if (this.#resolve) throw new Error("Poller.wait: a wait is already pending");
    const fds = look();
    if (fds.length > 0 || this.#woken) {
      this.#woken = false;
      return Promise.resolve(fds);
    }
    this.#onPending();
    return new Promise<number[]>((resolve) => (this.#resolve = resolve));
  }

  /** Resolves the pending wait, if any, with `fds`. */
  settle(fds: number[]): void {
    const resolve = this.#resolve;
    if (!resolve) return;
    this.#resolve = undefined;
    this.#onSettled();
    resolve(fds);
  }

  /** Makes the pending wait return soon (empty), or the next one at once. */
  wake(): void {
    if (this.#resolve) queueMicrotask(() => this.settle([]));
    else this.#woken = true;
  }
}

/** The fds of the first `count` events of an `epoll_wait` result buffer. */
export function readyFds(arch: string, events: Uint8Array, count: number): number[] {
  const { size, dataOffset } = epollLayout(arch);
  const view = new DataView(events.buffer, events.byteOffset, events.byteLength);
  const fds: number[] = [];
  for (let i = 0; i < count; i++) fds.push(view.getInt32(i * size + dataOffset, true));
  return fds;
}

/** A NUL-terminated copy of `s` in a stable buffer, for `const char *` arguments. */
export function cString(s: string): Uint8Array {
  const encoded = new TextEncoder().encode(s);
  const bytes = new Uint8Array(new ArrayBuffer(encoded.length + 1));
  bytes.set(encoded);
  return bytes;
}

// Offsets inside the receiver's header block.
const MSGHDR = 0; // struct msghdr, 56 bytes
const IOVEC = 56; // struct iovec, 16 bytes
const NAME = 72; // struct sockaddr_nl, 12 bytes (16 reserved)
const CONTROL = 88; // control buffer
const CONTROL_SIZE = 64;
const HEADER_BLOCK = CONTROL + CONTROL_SIZE;

/**
 * Builds a {@link Receiver} given how to take a buffer's address and how to
 * call `recvmsg`. The header block and data buffer are owned by the receiver
 * object, so they live as long as it does.
 */
export function makeReceiver(
  size: number,
  addressOf: (bytes: Uint8Array) => bigint,
  recvmsg: (fd: number, msghdr: Uint8Array, flags: number) => number,
): Receiver {
  const block = new Uint8Array(new ArrayBuffer(HEADER_BLOCK));
  const view = new DataView(block.buffer);
  const base = addressOf(block);
  view.setBigUint64(MSGHDR + 0, base + BigInt(NAME), true); // msg_name
  view.setBigUint64(MSGHDR + 16, base + BigInt(IOVEC), true); // msg_iov
  view.setBigUint64(MSGHDR + 24, 1n, true); // msg_iovlen
  view.setBigUint64(MSGHDR + 32, base + BigInt(CONTROL), true); // msg_control
  const meta: RecvMeta = { pid: 0, groups: 0, group: 0, msgFlags: 0 };
  let buffer = new Uint8Array(0);

  // On the per-datagram path the 64-bit fields (size_t) are written and read
  // as two 32-bit halves: their values are small, and a BigInt per call
  // would be an allocation per datagram.
  /** A size_t field; a value of 2^32 or more (never valid here) reads as Infinity. */
  const sizeAt = (offset: number) => view.getUint32(offset + 4, true) === 0 ? view.getUint32(offset, true) : Infinity;
  const receiver: Receiver = {
    get buffer() {
      return buffer;
    },
    meta,
    resize(n: number) {
      buffer = new Uint8Array(new ArrayBuffer(n));
      view.setBigUint64(IOVEC + 0, addressOf(buffer), true);
      view.setBigUint64(IOVEC + 8, BigInt(n), true);
    },
    recv(fd: number, flags: number): number {
      view.setUint32(MSGHDR + 8, 12, true); // msg_namelen
      view.setUint32(MSGHDR + 40, CONTROL_SIZE, true); // msg_controllen, low half
      view.setUint32(MSGHDR + 44, 0, true); // and high half
      const n = recvmsg(fd, block, flags | MSG_TRUNC);
      if (n < 0) return n;
      meta.pid = view.getUint32(NAME + 4, true);
      meta.groups = view.getUint32(NAME + 8, true);
      meta.msgFlags = view.getInt32(MSGHDR + 48, true);
      meta.group = 0;
      const controlLen = sizeAt(MSGHDR + 40);
      // Walk the cmsghdr chain: { size_t len; int level; int type; data }.
      let at = 0;
      while (at + 16 <= controlLen && at + 16 <= CONTROL_SIZE) {
        const len = sizeAt(CONTROL + at);
        if (len < 16 || at + len > CONTROL_SIZE) break;
        const level = view.getInt32(CONTROL + at + 8, true);
        const type = view.getInt32(CONTROL + at + 12, true);
        if (level === SOL_NETLINK && type === NETLINK_PKTINFO && len >= 20) {
          meta.group = view.getUint32(CONTROL + at + 16, true);
        }
        at += (len + 7) & ~7;
      }
      return n;
    },
  };
  receiver.resize(size);
  return receiver;
}

/** Largest number of iovecs one `sendmsg` takes on Linux (`UIO_MAXIOV`). */
export const IOV_MAX = 1024;

/**
 * Builds `sendmsg(fd, iovecs, flags, addr)` given how to take a buffer's
 * address and how to call `sendmsg(fd, &msghdr, flags)`: a `msghdr` whose
 * `msg_iov` lists one `iovec` per buffer, so the buffers are sent as one
 * datagram without being copied together first.
 *
 * Each buffer's `.buffer` is touched before its address is taken: an engine
 * that keeps a small typed array inside its moving heap (V8, JavaScriptCore)
 * moves its bytes to a fixed backing store when the `ArrayBuffer` is asked
 * for, so no address taken here can go stale before the call.
 */
export function makeSendmsg(
  addressOf: (bytes: Uint8Array) => bigint,
  sendmsg: (fd: number, msghdr: Uint8Array, flags: number) => number,
): (fd: number, iovecs: readonly Uint8Array[], flags: number, addr: Uint8Array) => number {
  return (fd, iovecs, flags, addr) => {
    const iovAt = 56; // struct msghdr, 56 bytes; then the iovec array
    const nameAt = iovAt + 16 * iovecs.length;
    const block = new Uint8Array(new ArrayBuffer(nameAt + Math.max(addr.length, 1)));
    block.set(addr, nameAt);
    for (const iov of iovecs) void iov.buffer;
    const view = new DataView(block.buffer);
    const base = addressOf(block);
    view.setBigUint64(0, addr.length ? base + BigInt(nameAt) : 0n, true); // msg_name
    view.setUint32(8, addr.length, true); // msg_namelen
    view.setBigUint64(16, iovecs.length ? base + BigInt(iovAt) : 0n, true); // msg_iov
    view.setBigUint64(24, BigInt(iovecs.length), true); // msg_iovlen
    // msg_control, msg_controllen, msg_flags stay 0.
    iovecs.forEach((iov, i) => {
      view.setBigUint64(iovAt + 16 * i, iov.length ? addressOf(iov) : 0n, true); // iov_base
      view.setBigUint64(iovAt + 16 * i + 8, BigInt(iov.length), true); // iov_len
    });
    return sendmsg(fd, block, flags);
  };
}

/**
 * The names under which libc may be opened, most likely first: glibc's
 * soname, then musl's for this architecture (Alpine installs the loader as
 * `/lib/ld-musl-<arch>.so.1`, with `libc.musl-<arch>.so.1` linking to it).
 *
 * Opening a name that the process has already loaded returns that copy, so
 * in a glibc process the first name wins. musl's own loader also answers any
 * `libc.*` name with itself, so a musl process normally wins at the first
 * name too; the musl names are there for when it does not. glibc stays first
 * because a glibc machine may have musl installed next to it, and a second
 * libc loaded into a glibc process would not work.
 */
export function libcCandidates(arch: string): string[] {
  const machine = arch === "x64" || arch === "x86_64"
    ? "x86_64"
    : arch === "arm64" || arch === "aarch64"
    ? "aarch64"
    : arch;
  return ["libc.so.6", `libc.musl-${machine}.so.1`, `ld-musl-${machine}.so.1`];
}

/**
 * Opens the first of `names` that `open` accepts (`open` throws for a name it
 * cannot load). Throws one error naming every library tried and why each
 * failed.
 */
export function openFirst<T>(names: readonly string[], open: (name: string) => T): { name: string; library: T } {
  const failures: string[] = [];
  for (const name of names) {
    try {
      return { name, library: open(name) };
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`nlts could not open libc (tried ${failures.join("; ")})`);
}

/**
 * How a call's argument or result crosses into C, in one vocabulary that each
 * backend maps to its FFI's own words: `buffer` is a `Uint8Array` (or `null`)
 * passed by address; `pointer` is an argument that is either a buffer or a
 * plain integer passed by value (`ioctl`'s third argument).
 */
export type CType = "i32" | "u32" | "u64" | "buffer" | "pointer";

/**
 * The libc calls behind {@link makeLibc}: name → argument types; each returns
 * `int`. A new call is one line here plus its wrapper in {@link makeLibc}.
 * What only one backend's poller uses (`epoll_wait`, `eventfd`, `malloc`…) is
 * declared in that backend.
 */
export const LIBC_CALLS = {
  socket: ["i32", "i32", "i32"],
  bind: ["i32", "buffer", "u32"],
  getsockname: ["i32", "buffer", "buffer"],
  setsockopt: ["i32", "i32", "i32", "buffer", "u32"],
  getsockopt: ["i32", "i32", "i32", "buffer", "buffer"],
  sendto: ["i32", "buffer", "u64", "i32", "buffer", "u32"],
  recvmsg: ["i32", "buffer", "i32"],
  sendmsg: ["i32", "buffer", "i32"],
  close: ["i32"],
  open: ["buffer", "i32"],
  write: ["i32", "buffer", "u64"],
  setns: ["i32", "i32"],
  ioctl: ["i32", "u64", "pointer"],
  getpid: [],
  unshare: ["i32"],
  mount: ["buffer", "buffer", "buffer", "u64", "buffer"],
  umount2: ["buffer", "i32"],
  flock: ["i32", "i32"],
  inet_pton: ["i32", "buffer", "buffer"],
  epoll_create1: ["i32"],
  epoll_ctl: ["i32", "i32", "i32", "buffer"],
} as const satisfies Record<string, readonly CType[]>;

/** The name of a call of {@link LIBC_CALLS}. */
export type CallName = keyof typeof LIBC_CALLS;

/** A libc function as a backend's FFI hands it out. */
// deno-lint-ignore no-explicit-any
export type CFunction = (...args: any[]) => any;

/** The functions of {@link LIBC_CALLS}, opened by a backend. */
export type LibcCalls = Record<CallName, CFunction>;

/**
 * {@link LIBC_CALLS} in one FFI's words: `words` maps each {@link CType} to
 * that FFI's name for it, `entry` builds one symbol declaration.
 */
export function declareCalls<D>(
  words: Record<CType, string>,
  entry: (args: string[], result: string) => D,
): Record<CallName, D> {
  const declared = {} as Record<CallName, D>;
  for (const [name, args] of Object.entries(LIBC_CALLS) as [CallName, readonly CType[]][]) {
    declared[name] = entry(args.map((type) => words[type]), words.i32);
  }
  return declared;
}

/** What a backend supplies to {@link makeLibc}. */
export interface LibcParts {
  /** Which runtime this is. */
  runtime: "deno" | "bun" | "node";
  /** The calls of {@link LIBC_CALLS}, opened with {@link declareCalls}. */
  calls: LibcCalls;
  /** The calling thread's errno (read right after a failed call). */
  errno(): number;
  /** The address of a buffer's first byte. */
  addressOf(bytes: Uint8Array): bigint;
  /** How a `pointer` argument (a buffer, or an integer by value) is passed. */
  pointerArg(arg: Uint8Array | number): unknown;
  /** Builds the process-wide poller on first use; `check` turns a failed call's -1 into `-errno`. */
  poller(check: (r: number) => number): Poller;
}

/**
 * The {@link Libc} every backend returns, over its opened calls: the
 * `-errno` convention, length arguments, C strings and the `msghdr` builders
 * are the same for all runtimes, so they live here once.
 */
export function makeLibc(parts: LibcParts): Libc {
  const { calls: c, addressOf } = parts;
  const check = (r: number) => (r < 0 ? -parts.errno() : r);
  const lenCell = () => new Uint32Array(new ArrayBuffer(4));
  let poller: Poller | undefined;
  return {
    runtime: parts.runtime,
    socket: (domain, type, protocol) => check(c.socket(domain, type, protocol)),
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
    sendmsg: makeSendmsg(addressOf, (fd, msghdr, flags) => check(c.sendmsg(fd, msghdr, flags))),
    receiver: (size) => makeReceiver(size, addressOf, (fd, msghdr, flags) => check(c.recvmsg(fd, msghdr, flags))),
    close: (fd) => check(c.close(fd)),
    open: (path, flags) => check(c.open(cString(path), flags)),
    write(fd, data, length = data.length) {
      if (length < 0 || length > data.length) throw new RangeError("write: length is outside the buffer");
      return check(c.write(fd, data, length));
    },
    setns: (fd, nstype) => check(c.setns(fd, nstype)),
    ioctl: (fd, request, arg) => check(c.ioctl(fd, request, parts.pointerArg(arg))),
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
      poller ??= parts.poller(check);
      return poller;
    },
  };
}
