/**
 * Deno's {@link Poller} with no thread: the JS thread's own event loop watches
 * one end of a socket pair (`node:net`'s `Socket({ fd })`, which Deno
 * registers with the reactor the JS thread sleeps in), and the kernel writes a
 * byte to the other end when the epoll set becomes readable. The kernel does
 * that through io_uring: a `POLL_ADD` on the epoll fd linked to a `SEND` of
 * one byte on the pair. Nothing runs in between: the completion runs as task
 * work of the JS thread (which submitted it), which the kernel wakes for it
 * like for a signal, so the thread is woken once, directly, as Node's libuv
 * poll handle is. See `ffi/deno.ts` for the figures.
 *
 * The io_uring pair is submitted again for each wait that finds nothing ready
 * (one `io_uring_enter`). When io_uring is unavailable (a seccomp profile, as
 * Docker's default one, or `kernel.io_uring_disabled`), or refuses the linked
 * poll and send when they are tried once at the start (a kernel before 5.6
 * has no `IORING_OP_SEND`), {@link uringPoller} throws and the caller uses its
 * thread (`test/socket/uring_refused.test.ts` refuses io_uring with seccomp).
 *
 * @module
 */
import type { Poller } from "./types.ts";
import {
  EPOLL_CLOEXEC,
  epollInterest,
  epollLayout,
  type JsThreadEpollCalls,
  JsThreadWait,
  MAX_EVENTS,
  readyNow,
} from "./common.ts";

const SYS_IO_URING_SETUP = 425;
const SYS_IO_URING_ENTER = 426;
const IORING_FEAT_SINGLE_MMAP = 1;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_SQES = 0x10000000;
const IORING_OP_POLL_ADD = 6;
const IORING_OP_SEND = 26;
const IOSQE_IO_LINK = 1 << 2;
const POLLIN = 1;
const POLLOUT = 4;
const MSG_DONTWAIT = 0x40;
const PROT_READ_WRITE = 3;
const MAP_SHARED_POPULATE = 0x01 | 0x8000;
const AF_UNIX = 1;
const SOCK_STREAM_NONBLOCK_CLOEXEC = 1 | 0x800 | 0x80000;
const SQE_SIZE = 64;
const CQE_SIZE = 16;

/** The libc calls this poller needs, synchronous, on the JS thread. */
export interface UringCalls extends JsThreadEpollCalls {
  /** `syscall(number, a, b, c, d, e, f)`; a buffer argument goes by address. */
  syscall(number: number, ...args: (number | bigint | Uint8Array)[]): number;
  /**
   * `mmap(NULL, length, prot, flags, fd, offset)`: the mapping's bytes and a
   * function that unmaps them, or undefined on failure.
   */
  mmap(length: number, prot: number, flags: number, fd: number, offset: number):
    | { bytes: ArrayBuffer; unmap(): void }
    | undefined;
  socketpair(domain: number, type: number, protocol: number, fds: Uint8Array): number;
  addressOf(bytes: Uint8Array): bigint;
  close(fd: number): number;
}

/** A readable stream over an fd on the JS thread's event loop: `node:net`'s `Socket({ fd })`. */
export interface FdWatch {
  /** Calls `listener` whenever bytes arrive (they are read and dropped). */
  onData(listener: () => void): void;
  ref(): void;
  unref(): void;
  destroy(): void;
}

/** The {@link Poller} of this module's header; throws when io_uring is not available. */
export function uringPoller(
  c: UringCalls,
  watch: (fd: number) => FdWatch,
  check: (r: number) => number,
  arch: string,
): Poller {
  // The ring: two entries (the poll and its linked send).
  const params = new Uint8Array(new ArrayBuffer(120));
  const ringFd = check(c.syscall(SYS_IO_URING_SETUP, 2, params));
  if (ringFd < 0) throw new Error(`io_uring_setup failed: errno ${-ringFd}`);
  const p = new DataView(params.buffer);
  const sqEntries = p.getUint32(0, true), cqEntries = p.getUint32(4, true);
  const features = p.getUint32(20, true);
  const sqOff = (i: number) => p.getUint32(40 + 4 * i, true); // head, tail, ring_mask, ring_entries, flags, dropped, array
  const cqOff = (i: number) => p.getUint32(80 + 4 * i, true); // head, tail, ring_mask, ring_entries, overflow, cqes
  const unmaps: (() => void)[] = [];
  const release = () => {
    for (const unmap of unmaps) unmap();
    c.close(ringFd);
  };
  const fail = (what: string): never => {
    release();
    throw new Error(what);
  };
  if (!(features & IORING_FEAT_SINGLE_MMAP)) fail("io_uring without IORING_FEAT_SINGLE_MMAP");
  const ringSize = Math.max(sqOff(6) + sqEntries * 4, cqOff(5) + cqEntries * CQE_SIZE);
  const map = (length: number, offset: number): ArrayBuffer => {
    const mapped = c.mmap(length, PROT_READ_WRITE, MAP_SHARED_POPULATE, ringFd, offset) ??
      fail("mmap of the io_uring rings failed");
    unmaps.push(mapped.unmap);
    return mapped.bytes;
  };
  const ring = new DataView(map(ringSize, IORING_OFF_SQ_RING));
  const sqes = new DataView(map(sqEntries * SQE_SIZE, IORING_OFF_SQES));
  const sqMask = ring.getUint32(sqOff(2), true);

  const pair = new Int32Array(new ArrayBuffer(8));
  if (check(c.socketpair(AF_UNIX, SOCK_STREAM_NONBLOCK_CLOEXEC, 0, new Uint8Array(pair.buffer))) < 0) {
    fail("socketpair failed");
  }
  const epfd = check(c.epoll_create1(EPOLL_CLOEXEC));
  if (epfd < 0) fail(`epoll_create1 failed: errno ${-epfd}`);
  const byte = new Uint8Array(new ArrayBuffer(1));
  const byteAddress = c.addressOf(byte);
  const events = new Uint8Array(new ArrayBuffer(MAX_EVENTS * epollLayout(arch).size));
  const closeAll = () => {
    c.close(epfd);
    c.close(pair[0]);
    c.close(pair[1]);
  };
  if (!probe()) {
    closeAll();
    fail("io_uring refused a poll linked to a send");
  }
  let stream: FdWatch;
  try {
    stream = watch(pair[0]);
  } catch (error) {
    closeAll();
    return fail(`watching the socket pair failed: ${error}`);
  }
  stream.unref();

  /** A poll is submitted and its byte not yet seen. */
  let polling = false;
  let closed = false;
  const waiting = new JsThreadWait(() => stream.ref(), () => stream.unref());

  /** Fills submission entry `index` (declared, not a const: the probe above runs before this line). */
  function sqe(
    index: number,
    opcode: number,
    flags: number,
    fd: number,
    addr: bigint,
    len: number,
    opFlags: number,
  ): void {
    const at = index * SQE_SIZE;
    for (let i = 0; i < SQE_SIZE; i += 8) sqes.setBigUint64(at + i, 0n);
    sqes.setUint8(at, opcode);
    sqes.setUint8(at + 1, flags);
    sqes.setInt32(at + 4, fd, true);
    sqes.setBigUint64(at + 16, addr, true);
    sqes.setUint32(at + 24, len, true);
    sqes.setUint32(at + 28, opFlags, true);
  }
  /** Submits "when the epoll set is readable, send a byte on the pair". */
  const submit = () => {
    // Completions are not read: only the byte matters. Emptying the queue keeps it from overflowing.
    ring.setUint32(cqOff(0), ring.getUint32(cqOff(1), true), true);
    const tail = ring.getUint32(sqOff(1), true);
    sqe(0, IORING_OP_POLL_ADD, IOSQE_IO_LINK, epfd, 0n, 0, POLLIN);
    sqe(1, IORING_OP_SEND, 0, pair[1], byteAddress, 1, MSG_DONTWAIT);
    ring.setUint32(sqOff(6) + ((tail & sqMask) * 4), 0, true);
    ring.setUint32(sqOff(6) + (((tail + 1) & sqMask) * 4), 1, true);
    ring.setUint32(sqOff(1), tail + 2, true);
    const r = check(c.syscall(SYS_IO_URING_ENTER, ringFd, 2, 0, 0, 0, 0));
    if (r < 0) throw new Error(`io_uring_enter failed: errno ${-r}`);
    polling = true;
  };
  /**
   * The two linked operations, tried once on the pair's own write end, which
   * is writable at once, so both complete inside `io_uring_enter`: a kernel
   * that lacks `IORING_OP_SEND` (before 5.6), or refuses either operation,
   * answers here, and the caller uses its thread instead of waiting for a
   * byte that would never come. The probe's byte is read (and dropped) by
   * the stream like any other.
   */
  function probe(): boolean {
    const tail = ring.getUint32(sqOff(1), true);
    sqe(0, IORING_OP_POLL_ADD, IOSQE_IO_LINK, pair[1], 0n, 0, POLLOUT);
    sqe(1, IORING_OP_SEND, 0, pair[1], byteAddress, 1, MSG_DONTWAIT);
    ring.setUint32(sqOff(6) + ((tail & sqMask) * 4), 0, true);
    ring.setUint32(sqOff(6) + (((tail + 1) & sqMask) * 4), 1, true);
    ring.setUint32(sqOff(1), tail + 2, true);
    if (check(c.syscall(SYS_IO_URING_ENTER, ringFd, 2, 0, 0, 0, 0)) !== 2) return false;
    const cqMask = ring.getUint32(cqOff(2), true);
    const head = ring.getUint32(cqOff(0), true), cqTail = ring.getUint32(cqOff(1), true);
    let completed = 0;
    for (let i = head; i !== cqTail; i = (i + 1) >>> 0) {
      if (ring.getInt32(cqOff(5) + (i & cqMask) * CQE_SIZE + 8, true) < 0) return false; // cqe.res
      completed++;
    }
    ring.setUint32(cqOff(0), cqTail, true);
    return completed === 2;
  }
  const look = (): number[] => readyNow(c, epfd, events, arch);
  stream.onData(() => {
    polling = false;
    if (!waiting.pending || closed) return;
    const fds = look();
    if (fds.length > 0) waiting.settle(fds);
    else submit();
  });
  return {
    ...epollInterest(c.epoll_ctl, epfd, check, arch),
    wait() {
      if (closed) return Promise.resolve([]);
      const wait = waiting.start(look);
      if (waiting.pending && !polling) submit();
      return wait;
    },
    wake: () => waiting.wake(),
    close() {
      if (closed) return;
      closed = true;
      // Closing the ring (once unmapped) cancels its pending poll; no view of
      // the mappings is used after this.
      release();
      stream.destroy();
      c.close(pair[1]);
      c.close(epfd);
      waiting.settle([]);
    },
  };
}
