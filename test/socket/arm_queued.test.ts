// The poller reports an fd armed during a pending wait whose data was queued
// before the arm: no new data will come to announce it. (Bun's main thread
// gets a signal only for data that arrives while a socket is armed, so its
// poller must look at the epoll set when an fd is armed during a wait.)
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { loadLibc, type Poller } from "../../ffi/mod.ts";
import { inNetns } from "../../src/socket/netns.ts";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const RTNLGRP_IPV4_IFADDR = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A wait of the process-wide poller, once the shared loop's (if one is still ending) has ended. */
async function startWait(poller: Poller): Promise<{ wait: Promise<number[]> }> {
  for (let i = 0;; i++) {
    try {
      // In an object: an async function's returned promise would be awaited.
      return { wait: poller.wait() };
    } catch (error) {
      if (i >= 40) throw error;
      await sleep(50);
    }
  }
}

/** One wait, woken after `ms`: takes what earlier tests left in the poller. */
async function waitFor(poller: Poller, ms: number): Promise<number[]> {
  const { wait } = await startWait(poller);
  const timer = setTimeout(() => poller.wake(), ms);
  try {
    return await wait;
  } finally {
    clearTimeout(timer);
  }
}

test("poller: an fd armed during a pending wait, its data queued before, is reported without new data", async () => {
  const libc = await loadLibc();
  const poller = libc.poller();
  await withNetns("p99-armq", async (ns) => {
    const fd = inNetns(libc, ns, () => libc.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    assert.ok(fd >= 0, `socket: ${fd}`);
    try {
      const address = new Uint8Array(new ArrayBuffer(12)); // sockaddr_nl, port id chosen by the kernel
      address[0] = AF_NETLINK;
      assert.equal(libc.bind(fd, address), 0);
      const group = new Uint8Array(new ArrayBuffer(4));
      new DataView(group.buffer).setUint32(0, RTNLGRP_IPV4_IFADDR, true);
      assert.equal(libc.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group), 0);
      assert.equal(poller.add(fd), 0);
      ip(ns, "address", "add", "10.99.0.1/32", "dev", "lo"); // queued on the disarmed fd
      await sleep(50);
      // Another test's leftovers (a wake of the shared loop, a report for a closed fd) may end a wait
      // early; then the fd is disarmed and the scenario runs again. Only a wait that lasts until the
      // fallback wake without reporting the fd is the failure.
      let fds: number[] = [];
      for (let attempt = 0; attempt < 5 && !fds.includes(fd); attempt++) {
        await waitFor(poller, 20);
        const { wait } = await startWait(poller);
        assert.equal(poller.arm(fd), 0);
        let fellBack = false;
        const fallback = setTimeout(() => (fellBack = true, poller.wake()), 3000);
        fds = await wait;
        clearTimeout(fallback);
        assert.ok(!fellBack || fds.includes(fd), "the armed fd with queued data was not reported within 3 s");
        if (!fds.includes(fd)) assert.equal(poller.disarm(fd), 0);
      }
      assert.ok(fds.includes(fd), `5 waits ended early without the fd (last: [${fds}])`);
    } finally {
      poller.remove(fd);
      libc.close(fd);
    }
  });
});
