/**
 * The one typed interface between nlts and libc. Everything in `src/` talks
 * to the kernel through {@link Libc}; each runtime (Deno, Bun, Node) has a backend
 * that implements it with its own FFI.
 *
 * Conventions: calls return a non-negative result on success and `-errno` on
 * failure, exactly like the raw kernel ABI, so callers never read a global
 * errno after the fact and no call allocates an exception on the hot path.
 *
 * Memory: every pointer that a call hands to the kernel points into an
 * `ArrayBuffer` created with `new ArrayBuffer(n)`. Both engines keep such a
 * backing store outside the moving heap (V8 and JavaScriptCore only place
 * small typed arrays created by length on the GC heap), and the objects that
 * own them ({@link Receiver}, the pollers) keep a reference for as long as a
 * pointer to them may be in use, so they cannot move or be collected during a
 * call. Buffers passed as call arguments (`data` of {@link Libc.sendto}, the
 * `iovecs` of {@link Libc.sendmsg}) are
 * used synchronously, within the call.
 *
 * @module
 */

/** What the last {@link Receiver.recv} received, besides the bytes. */
export interface RecvMeta {
  /** Sender port id (`nl_pid` of `msg_name`); 0 is the kernel. */
  pid: number;
  /** Sender's group bitmask (`nl_groups` of `msg_name`); 0 for unicast. */
  groups: number;
  /** Multicast group number from `NETLINK_PKTINFO` (0 when unicast or not enabled). */
  group: number;
  /** `msg_flags` as returned by the kernel (MSG_TRUNC, MSG_CTRUNC…). */
  msgFlags: number;
}

/**
 * A receive slot for one socket: a stable data buffer plus the `msghdr`,
 * `iovec`, `sockaddr_nl` and control buffer that point at it.
 */
export interface Receiver {
  /** The bytes of the last datagram start at offset 0 of this buffer. */
  readonly buffer: Uint8Array;
  /** Sender and flags of the last datagram. */
  readonly meta: RecvMeta;
  /**
   * `recvmsg(fd, &msghdr, flags | MSG_TRUNC)`: the datagram's real length
   * (which exceeds `buffer.length` when it was truncated), or `-errno`.
   */
  recv(fd: number, flags: number): number;
  /** Replaces the data buffer with one of `size` bytes. */
  resize(size: number): void;
}

/**
 * Waits for readability of many file descriptors at once (one epoll set for
 * the whole process) without blocking the JavaScript thread.
 *
 * Interest is one-shot: after `fd` is reported it stays silent until `arm(fd)`
 * is called again, so a socket whose consumer is not reading never makes the
 * waiter spin.
 */
export interface Poller {
  /** Adds `fd` to the set, disarmed. Returns 0 or `-errno`. */
  add(fd: number): number;
  /** Asks for one readiness report of `fd`. Returns 0 or `-errno`. */
  arm(fd: number): number;
  /** Withdraws a pending {@link Poller.arm}; `fd` stays in the set. Returns 0 or `-errno`. */
  disarm(fd: number): number;
  /** Removes `fd` from the set. Returns 0 or `-errno`. */
  remove(fd: number): number;
  /**
   * Resolves with the descriptors that became readable (possibly none, after
   * {@link Poller.wake}). Only one wait may be pending at a time. While it is
   * pending the process stays alive.
   */
  wait(): Promise<number[]>;
  /** Makes a pending {@link Poller.wait} return soon. */
  wake(): void;
  /** Stops waiting for good and releases the epoll set and its thread. */
  close(): void;
}

/** The libc calls nlts needs, implemented by one backend per runtime. */
export interface Libc {
  /** Which backend this is. */
  readonly runtime: "deno" | "bun" | "node";
  /** `socket(domain, type, protocol)`: an fd or `-errno`. */
  socket(domain: number, type: number, protocol: number): number;
  /** `bind(fd, addr, addr.length)`: 0 or `-errno`. */
  bind(fd: number, addr: Uint8Array): number;
  /** `getsockname(fd, addr, &len)`: the address length or `-errno`. */
  getsockname(fd: number, addr: Uint8Array): number;
  /** `setsockopt(fd, level, name, value, value.length)`: 0 or `-errno`. */
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): number;
  /** `getsockopt(fd, level, name, value, &len)`: the option length or `-errno`. */
  getsockopt(fd: number, level: number, name: number, value: Uint8Array): number;
  /** `sendto(fd, data, data.length, flags, addr, addr.length)`: bytes sent or `-errno`. */
  sendto(fd: number, data: Uint8Array, flags: number, addr: Uint8Array): number;
  /**
   * `sendmsg(fd, &msghdr, flags)` with one `iovec` per buffer of `iovecs` and
   * `addr` as `msg_name`: the buffers leave as one datagram, not copied
   * together first. Bytes sent or `-errno` (`-EMSGSIZE` above
   * 1,024 buffers (`UIO_MAXIOV`) or the socket's send buffer).
   */
  sendmsg(fd: number, iovecs: readonly Uint8Array[], flags: number, addr: Uint8Array): number;
  /** A receive slot with a data buffer of `size` bytes. */
  receiver(size: number): Receiver;
  /** `close(fd)`: 0 or `-errno`. */
  close(fd: number): number;
  /** `open(path, flags)`: an fd or `-errno`. */
  open(path: string, flags: number): number;
  /**
   * `write(fd, data, length)`: the first `length` bytes of `data` (all of it
   * by default); bytes written or `-errno`. `data` must be `ArrayBuffer`-backed.
   */
  write(fd: number, data: Uint8Array, length?: number): number;
  /**
   * `ioctl(fd, request, arg)`: `arg` is a buffer (passed by pointer) or an
   * integer (passed by value). The result or `-errno`.
   */
  ioctl(fd: number, request: number, arg: Uint8Array | number): number;
  /** `setns(fd, nstype)` for the calling thread: 0 or `-errno`. */
  setns(fd: number, nstype: number): number;
  /** `getpid()`. */
  getpid(): number;
  /** `unshare(flags)` for the calling thread: 0 or `-errno`. */
  unshare(flags: number): number;
  /** `mount(source, target, fstype, flags, NULL)`: 0 or `-errno`. */
  mount(source: string, target: string, fstype: string, flags: number): number;
  /** `umount2(target, flags)`: 0 or `-errno`. */
  umount2(target: string, flags: number): number;
  /** `flock(fd, operation)`: 0 or `-errno`. */
  flock(fd: number, operation: number): number;
  /**
   * `inet_pton(family, text, dst)`: 1 when `text` is a valid address of
   * `family` (its bytes written to `dst`, 4 or 16 bytes long), 0 when it is
   * not, `-errno` for an unknown family.
   */
  inetPton(family: number, text: string, dst: Uint8Array): number;
  /** The process-wide readiness waiter (created on first use). */
  poller(): Poller;
}
