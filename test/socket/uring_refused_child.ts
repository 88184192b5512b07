// Run by uring_refused.test.ts under Deno, as a process of its own: with
// "refuse", it first installs a seccomp filter on its JS thread that answers
// io_uring_setup with EPERM (as Docker's default profile does) and checks
// that the call is refused. Then it subscribes to the address group of the
// namespace given, waits until the poller exists, prints the kinds of its
// anonymous fds ("io_uring", "eventfd", "eventpoll"…), "ready", and
// "RTM_NEWADDR" once the address the parent adds arrives.
import { readdirSync, readlinkSync } from "node:fs";

const [ns, mode] = Deno.args;
const SYS_IO_URING_SETUP = 425; // x86_64 and aarch64 alike

const libc = Deno.dlopen("libc.so.6", {
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  syscall: { parameters: ["i64", "i64", "u64"], result: "i64" },
});
const address = (bytes: Uint8Array<ArrayBuffer>) => Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes));

if (mode === "refuse") {
  const PR_SET_NO_NEW_PRIVS = 38, PR_SET_SECCOMP = 22, SECCOMP_MODE_FILTER = 2;
  const AUDIT_ARCH = Deno.build.arch === "aarch64" ? 0xc00000b7 : 0xc000003e;
  const LD_W_ABS = 0x20, JEQ_K = 0x15, RET_K = 0x06;
  const RET_ERRNO_EPERM = 0x00050000 | 1, RET_ALLOW = 0x7fff0000;
  // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, from linux/filter.h and linux/seccomp.h.
  const program: [number, number, number, number][] = [
    [LD_W_ABS, 0, 0, 4], // seccomp_data.arch
    [JEQ_K, 0, 3, AUDIT_ARCH], // another ABI: allow
    [LD_W_ABS, 0, 0, 0], // seccomp_data.nr
    [JEQ_K, 0, 1, SYS_IO_URING_SETUP],
    [RET_K, 0, 0, RET_ERRNO_EPERM],
    [RET_K, 0, 0, RET_ALLOW],
  ];
  const filter = new Uint8Array(program.length * 8);
  const f = new DataView(filter.buffer);
  program.forEach(([code, jt, jf, k], i) => {
    f.setUint16(i * 8, code, true);
    f.setUint8(i * 8 + 2, jt);
    f.setUint8(i * 8 + 3, jf);
    f.setUint32(i * 8 + 4, k, true);
  });
  const fprog = new Uint8Array(16); // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  new DataView(fprog.buffer).setUint16(0, program.length, true);
  new DataView(fprog.buffer).setBigUint64(8, address(filter), true);
  if (libc.symbols.prctl(PR_SET_NO_NEW_PRIVS, 1n, 0n, 0n, 0n) !== 0) throw new Error("PR_SET_NO_NEW_PRIVS failed");
  if (libc.symbols.prctl(PR_SET_SECCOMP, BigInt(SECCOMP_MODE_FILTER), address(fprog), 0n, 0n) !== 0) {
    throw new Error("PR_SET_SECCOMP failed");
  }
  const params = new Uint8Array(120);
  if (libc.symbols.syscall(BigInt(SYS_IO_URING_SETUP), 2n, address(params)) !== -1n) {
    throw new Error("io_uring_setup was not refused");
  }
  console.log("refused");
}

const { NetlinkSocket } = await import("../../mod.ts");
const RTNLGRP_IPV4_IFADDR = 5, RTM_NEWADDR = 20;
await using events = await NetlinkSocket.open("route", { netns: ns, groups: [RTNLGRP_IPV4_IFADDR] });
const it = events.notifications();
const next = it.next();
await new Promise((resolve) => setTimeout(resolve, 50)); // the first wait has made the poller
const link = (fd: string) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`, { encoding: "utf8" });
  } catch {
    return ""; // the directory's own fd, closed by now
  }
};
const kinds = readdirSync("/proc/self/fd")
  .map((fd) => /^anon_inode:\[(.*)\]$/.exec(link(fd))?.[1])
  .filter((kind) => kind !== undefined);
console.log([...new Set(kinds)].sort().join(" "));
console.log("ready");
const got = await next;
console.log(!got.done && "type" in got.value && got.value.type === RTM_NEWADDR ? "RTM_NEWADDR" : "other");
await it.return();
libc.close();
