// Libc.sendmsg: many buffers leave as one datagram, byte for byte, in every runtime.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { loadLibc } from "../../ffi/mod.ts";
import type { Libc } from "../../ffi/mod.ts";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const NETLINK_USERSOCK = 2;
const MSG_DONTWAIT = 0x40;
const EMSGSIZE = 90;

function sockaddr(pid: number): Uint8Array {
  const bytes = new Uint8Array(new ArrayBuffer(12));
  const view = new DataView(bytes.buffer);
  view.setUint16(0, AF_NETLINK, true);
  view.setUint32(4, pid, true);
  return bytes;
}

/** A USERSOCK socket bound to a kernel-chosen port, and that port. */
function openSelf(libc: Libc): { fd: number; port: number } {
  const fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);
  assert.ok(fd >= 0, `socket: ${fd}`);
  assert.equal(libc.bind(fd, sockaddr(0)), 0);
  const name = new Uint8Array(new ArrayBuffer(12));
  assert.equal(libc.getsockname(fd, name), 12);
  return { fd, port: new DataView(name.buffer).getUint32(4, true) };
}

test("sendmsg sends its iovecs as one datagram: subarrays, small on-heap arrays and empty parts, in order", async () => {
  const libc = await loadLibc();
  const { fd, port } = openSelf(libc);
  try {
    const big = new Uint8Array(new ArrayBuffer(4096)).map((_, i) => i & 0xff);
    // Small arrays created by length live inside the engine's heap until their buffer is asked for.
    const small = new Uint8Array(7).fill(0xab);
    const parts = [big.subarray(100, 300), new Uint8Array(0), small, big.subarray(4000), Uint8Array.of(1, 2, 3)];
    const expected = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) expected.set(p, (at += p.length) - p.length);
    const sent = libc.sendmsg(fd, parts, 0, sockaddr(port));
    assert.equal(sent, expected.length);
    const rx = libc.receiver(8192);
    const n = rx.recv(fd, MSG_DONTWAIT);
    assert.equal(n, expected.length);
    assert.deepEqual(rx.buffer.slice(0, n), expected);
    assert.equal(rx.meta.pid, port); // msg_name reached the kernel: the datagram came from us to us
    // Exactly one datagram was queued.
    assert.ok(rx.recv(fd, MSG_DONTWAIT) < 0);
  } finally {
    libc.close(fd);
  }
});

test("sendmsg with more iovecs than UIO_MAXIOV (1024) fails with -EMSGSIZE, sending nothing", async () => {
  const libc = await loadLibc();
  const { fd, port } = openSelf(libc);
  try {
    const parts = Array.from({ length: 1025 }, () => Uint8Array.of(1));
    assert.equal(libc.sendmsg(fd, parts, 0, sockaddr(port)), -EMSGSIZE);
    assert.equal(libc.sendmsg(fd, parts.slice(0, 1024), 0, sockaddr(port)), 1024);
    const rx = libc.receiver(2048);
    assert.equal(rx.recv(fd, MSG_DONTWAIT), 1024);
    assert.ok(rx.recv(fd, MSG_DONTWAIT) < 0);
  } finally {
    libc.close(fd);
  }
});
