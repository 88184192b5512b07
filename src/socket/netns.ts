/**
 * Running one call inside another network namespace. The socket is created
 * there and keeps that namespace for its whole life; only the JS thread
 * switches, and only for the duration of the synchronous call, so no other
 * thread of the process, and no other socket, is ever in the target
 * namespace.
 *
 * @module
 */
import type { Libc } from "../../ffi/mod.ts";
import { O_CLOEXEC, O_RDONLY } from "../../ffi/common.ts";
import { NetlinkError } from "../wire/errors.ts";

/** `CLONE_NEWNET`, the namespace type for `setns`. */
const CLONE_NEWNET = 0x40000000;

/**
 * Where a socket should live: a name under `/run/netns` (as `ip netns add`
 * creates), an absolute path to a namespace file, an open fd of one, or the
 * namespace of a process.
 */
export type NetnsTarget = string | number | { pid: number };

/** The path of a namespace given by name, path or pid. */
export function netnsPath(target: string | { pid: number }): string {
  if (typeof target === "object") return `/proc/${target.pid}/ns/net`;
  return target.includes("/") ? target : `/run/netns/${target}`;
}

/**
 * Calls `fn` with the JS thread inside `target`, then switches back. If the
 * switch back fails the process cannot safely continue, so the error is
 * rethrown after a best-effort report; that has never been seen to happen
 * with a namespace fd we opened ourselves.
 */
export function inNetns<T>(libc: Libc, target: NetnsTarget, fn: () => T): T {
  const own = libc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0) throw new NetlinkError(-own, { syscall: "open(/proc/thread-self/ns/net)" });
  let targetFd = typeof target === "number" ? target : -1;
  try {
    if (targetFd < 0) {
      const path = netnsPath(target as string | { pid: number });
      targetFd = libc.open(path, O_RDONLY | O_CLOEXEC);
      if (targetFd < 0) throw new NetlinkError(-targetFd, { syscall: `open(${path})` });
    }
    const entered = libc.setns(targetFd, CLONE_NEWNET);
    if (entered < 0) throw new NetlinkError(-entered, { syscall: "setns" });
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = { value: fn() };
    } catch (error) {
      outcome = { error };
    }
    // Being left in the wrong namespace matters more than how fn ended.
    const back = libc.setns(own, CLONE_NEWNET);
    if (back < 0) throw new NetlinkError(-back, { syscall: "setns (returning to the original namespace)" });
    if ("error" in outcome) throw outcome.error;
    return outcome.value;
  } finally {
    libc.close(own);
    if (typeof target !== "number" && targetFd >= 0) libc.close(targetFd);
  }
}
