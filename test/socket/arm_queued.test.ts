// The poller reports an fd armed during a pending wait whose data was queued
// before the arm: no new data will come to announce it. (Bun's main thread
// gets a signal only for data that arrives while a socket is armed, so its
// poller must look at the epoll set when an fd is armed during a wait.)
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { boundRouteSocket, startWait, waitWoken } from "../helpers/poller.ts";
import { loadLibc } from "../../ffi/mod.ts";

const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const RTNLGRP_IPV4_IFADDR = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("poller: an fd armed during a pending wait, its data queued before, is reported without new data", async () => {
  const libc = await loadLibc();
  const poller = libc.poller();
  await withNetns("p99-armq", async (ns) => {
    const fd = boundRouteSocket(libc, ns);
    try {
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
        await waitWoken(poller, 20);
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
