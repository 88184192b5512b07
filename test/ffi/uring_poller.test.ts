// Deno's io_uring poller (ffi/deno_uring.ts) must fail cleanly where io_uring
// is refused (Docker's default seccomp profile answers EPERM, the sysctl
// kernel.io_uring_disabled=2 too), since ffi/deno.ts then falls back to its
// thread. test/socket/uring_refused.test.ts refuses io_uring for real (a
// seccomp filter in a child) and sees the fallback deliver events; these
// two check, with the calls simulated, that each way of failing releases
// what was made before it.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { type FdWatch, type UringCalls, uringPoller } from "../../ffi/deno_uring.ts";

const EPERM = 1;

test("uringPoller: io_uring_setup refused (EPERM) throws before it opens anything or watches an fd", () => {
  const made: string[] = [];
  const calls: UringCalls = {
    epoll_create1: () => (made.push("epoll_create1"), 100),
    epoll_ctl: () => 0,
    epollWaitNow: () => 0,
    syscall: () => -1,
    mmap: () => (made.push("mmap"), undefined),
    socketpair: () => (made.push("socketpair"), 0),
    addressOf: () => 0n,
    close: (fd) => (made.push(`close ${fd}`), 0),
  };
  const watch = (): FdWatch => {
    made.push("watch");
    throw new Error("not reached");
  };
  assert.throws(
    () => uringPoller(calls, watch, (r) => (r < 0 ? -EPERM : r), "x86_64"),
    /io_uring_setup failed: errno 1/,
  );
  assert.deepEqual(made, []);
});

test("uringPoller: a ring that cannot be mapped is closed again before the error", () => {
  const made: string[] = [];
  const calls: UringCalls = {
    epoll_create1: () => (made.push("epoll_create1"), 100),
    epoll_ctl: () => 0,
    epollWaitNow: () => 0,
    syscall: () => 7, // the ring's fd; its parameters say IORING_FEAT_SINGLE_MMAP below
    mmap: () => (made.push("mmap"), undefined),
    socketpair: () => (made.push("socketpair"), 0),
    addressOf: () => 0n,
    close: (fd) => (made.push(`close ${fd}`), 0),
  };
  const setup = calls.syscall;
  calls.syscall = (number, ...args) => {
    const params = args[1];
    if (params instanceof Uint8Array) new DataView(params.buffer).setUint32(20, 1, true);
    return setup(number, ...args);
  };
  assert.throws(
    () => uringPoller(calls, () => ({}) as FdWatch, (r) => r, "x86_64"),
    /mmap of the io_uring rings failed/,
  );
  assert.deepEqual(made, ["mmap", "close 7"]);
});
