/**
 * Would a `recvmsg` on another thread hide the kernel's part of a route
 * dump? The kernel builds the next part of a dump inside the `recvmsg` that
 * reads the current one, so a read started on Deno's blocking thread pool
 * (an FFI symbol declared `nonblocking`) while the JS thread writes the
 * previous datagram as `ip -j` text (src/cli/routebytes.ts) could overlap
 * the two. This dumps every route of the namespace it runs in, raw FFI
 * (no NetlinkSocket), two ways, and prints the time of each from the
 * request to the last route written to stdout:
 *
 * - `sync`: `recv` on the JS thread, then write the datagram's routes;
 * - `thread`: `recv(MSG_DONTWAIT)` of the next datagram started on the
 *   thread pool into the other of two buffers, then write this one's routes
 *   (double-buffered; a read that finds nothing yet is repeated on the JS
 *   thread, counted as a miss).
 *
 * Each mode runs in a fresh process (the JIT and the dump start cold, as in
 * the command line); rounds interleave them.
 *
 *     for i in 1 2 3 4 5; do for m in sync thread; do
 *       ip netns exec NS deno run -A bench/deno_recv_thread.ts $m >/dev/null
 *     done; done
 */
import { IpRouteBytes, ROUTE_ROOM } from "../src/cli/routebytes.ts";

const mode = Deno.args[0];
if (mode !== "sync" && mode !== "thread") throw new TypeError("mode: sync or thread");
const started = performance.now();
const MSG_DONTWAIT = 0x40;
const libc = Deno.dlopen("libc.so.6", {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
}).symbols;
const onThread = Deno.dlopen("libc.so.6", {
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize", nonblocking: true },
}).symbols;

// socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE); RTM_GETROUTE dump of every family and table.
const fd = libc.socket(16, 3 | 0x80000, 0);
const request = new Uint8Array(new ArrayBuffer(28));
const header = new DataView(request.buffer);
header.setUint32(0, 28, true);
header.setUint16(4, 26, true);
header.setUint16(6, 0x301, true);
header.setUint32(8, 1, true);
const kernel = new Uint8Array(new ArrayBuffer(12));
kernel[0] = 16;
libc.sendto(fd, request, 28n, 0, kernel, 12);

const buffers = [new Uint8Array(new ArrayBuffer(65536)), new Uint8Array(new ArrayBuffer(65536))];
const out = new Uint8Array(new ArrayBuffer(65536));
const writer = new IpRouteBytes(new Map(), "all");
let used = 0, routes = 0, misses = 0;

/** Writes the routes of a datagram; false at the dump's end (NLMSG_DONE or NLMSG_ERROR). */
function writeRoutes(b: Uint8Array, n: number): boolean {
  for (let at = 0; at < n;) {
    const len = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
    const type = b[at + 4] | (b[at + 5] << 8);
    if (type === 3 || type === 2) return false;
    if (type === 24) {
      if (used > out.length - ROUTE_ROOM) {
        libc.write(1, out, BigInt(used));
        used = 0;
      }
      const end = writer.write(b, at + 16, at + len, out, used + 1);
      if (end >= 0) out[used] = 0x2c, used = end, routes++;
    }
    at += (len + 3) & ~3;
  }
  return true;
}

if (mode === "sync") {
  while (writeRoutes(buffers[0], Number(libc.recv(fd, buffers[0], 65536n, 0))));
} else {
  let i = 0;
  let next = onThread.recv(fd, buffers[0], 65536n, MSG_DONTWAIT);
  for (;;) {
    let n = Number(await next);
    if (n < 0) misses++, n = Number(libc.recv(fd, buffers[i], 65536n, 0));
    const current = buffers[i];
    i ^= 1;
    next = onThread.recv(fd, buffers[i], 65536n, MSG_DONTWAIT); // the kernel builds the next part meanwhile
    if (!writeRoutes(current, n)) break;
  }
  await next;
}
libc.write(1, out, BigInt(used));
console.error(`${mode}: ${routes} routes in ${(performance.now() - started).toFixed(1)} ms (${misses} misses)`);
