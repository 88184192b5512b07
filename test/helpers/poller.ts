// Tests of the process-wide poller itself (ffi/): a raw netlink socket in a
// namespace, and waits that tolerate what earlier tests left in the poller.
import assert from "node:assert/strict";
import type { Libc, Poller } from "../../ffi/mod.ts";
import { inNetns } from "../../src/socket/netns.ts";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A NETLINK_ROUTE socket opened in namespace `ns` and bound (port id chosen by the kernel); the caller closes it. */
export function boundRouteSocket(libc: Libc, ns: string): number {
  const fd = inNetns(libc, ns, () => libc.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  assert.ok(fd >= 0, `socket: ${fd}`);
  const address = new Uint8Array(new ArrayBuffer(12)); // sockaddr_nl
  address[0] = AF_NETLINK;
  assert.equal(libc.bind(fd, address), 0);
  return fd;
}

/** A wait of the process-wide poller, once the shared loop's (if one is still ending) has ended. */
export async function startWait(poller: Poller): Promise<{ wait: Promise<number[]> }> {
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
export async function waitWoken(poller: Poller, ms: number): Promise<number[]> {
  const { wait } = await startWait(poller);
  const timer = setTimeout(() => poller.wake(), ms);
  try {
    return await wait;
  } finally {
    clearTimeout(timer);
  }
}
