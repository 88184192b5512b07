/**
 * Captures raw datagrams from the kernel into test/wire/fixtures/*.hex, using
 * the FFI layer directly (no codec in between). Run as root:
 *   deno run -A test/wire/capture.ts
 * It works in a namespace of its own and removes it afterwards.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadLibc } from "../../ffi/mod.ts";

const ns = `nlts-capture-${process.pid}`;
const dir = new URL("./fixtures/", import.meta.url).pathname;
const ip = (...args: string[]) => execFileSync("ip", ["-n", ns, ...args]);
execFileSync("ip", ["netns", "add", ns]);
try {
  ip("link", "set", "lo", "up");
  const libc = await loadLibc();
  // Enter the namespace for the socket() call only.
  const own = libc.open("/proc/thread-self/ns/net", 0x80000);
  const target = libc.open(`/run/netns/${ns}`, 0x80000);
  libc.setns(target, 0x40000000);
  const fd = libc.socket(16, 3, 0); // blocking: simpler for a capture
  libc.setns(own, 0x40000000);
  const opt = (name: number) => libc.setsockopt(fd, 270, name, new Uint8Array([1, 0, 0, 0]));
  opt(11); // NETLINK_EXT_ACK
  opt(10); // NETLINK_CAP_ACK
  opt(12); // NETLINK_GET_STRICT_CHK
  const kernel = new Uint8Array(12);
  kernel[0] = 16;
  const rx = libc.receiver(65536);
  let seq = 100;
  const request = (type: number, flags: number, body: number[]) => {
    const bytes = new Uint8Array(16 + body.length);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, bytes.length, true);
    dv.setUint16(4, type, true);
    dv.setUint16(6, flags, true);
    dv.setUint32(8, ++seq, true);
    bytes.set(body, 16);
    libc.sendto(fd, bytes, 0, kernel);
  };
  const save = (name: string) => {
    const n = rx.recv(fd, 0);
    const hex = Array.from(rx.buffer.subarray(0, n), (b) => b.toString(16).padStart(2, "0")).join("");
    writeFileSync(dir + name + ".hex", hex + "\n");
    console.log(name, n, "bytes");
  };
  // RTM_GETLINK of lo (index 1): the reply, then the ACK.
  request(18, 0x1 | 0x4, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  save("getlink-lo-reply");
  save("getlink-lo-ack");
  // Strict address dump with a non-zero prefix length: EINVAL with ext-ACK text.
  request(22, 0x1 | 0x300, [0, 24, 0, 0, 0, 0, 0, 0]);
  save("getaddr-strict-error");
  // A complete address dump: the addresses of lo, then NLMSG_DONE.
  request(22, 0x1 | 0x300, [0, 0, 0, 0, 0, 0, 0, 0]);
  save("getaddr-dump-part");
  save("getaddr-dump-done");
  // An IFLA_IFNAME that fails policy: error with message, offset and policy.
  const name = new TextEncoder().encode("x".repeat(20) + "\0");
  const attr = [name.length + 4, 0, 3, 0, ...name];
  while (attr.length % 4) attr.push(0);
  request(16, 0x1 | 0x4 | 0x400 | 0x200, [...new Array(16).fill(0), ...attr]);
  save("newlink-policy-error");
  libc.close(fd);
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
