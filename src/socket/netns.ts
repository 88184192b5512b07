/**
 * Running one call inside another network namespace. The socket is created
 * there and keeps that namespace for its whole life; only the JS thread
 * switches, and only for the duration of the synchronous call, so no other
 * thread of the process, and no other socket, is ever in the target
 * namespace.
 *
 * @module
 */
import { type Libc, loadLibc } from "../../ffi/mod.ts";
import { O_CLOEXEC, O_RDONLY } from "../../ffi/common.ts";
import { NetlinkError } from "../wire/errors.ts";

/** `CLONE_NEWNET`, the namespace type for `setns`. */
const CLONE_NEWNET = 0x40000000;

/**
 * Where a socket should live: a name under `/run/netns` (as `ip netns add`
 * creates), an absolute path to a namespace file, an open fd of one, or the
 * namespace of a process. Anything else is a `TypeError` (see
 * {@link checkNetnsTarget}) before any file or socket is opened.
 */
export type NetnsTarget = string | number | { pid: number };

/** Where `ip netns add` (and `createNetns`) bind namespaces by name. */
export const NETNS_RUN_DIR = "/run/netns";

/** `NAME_MAX`: the longest file name, in bytes. */
const NAME_MAX = 255;

/** Why `name` is not a namespace name iproute2 would accept, or undefined. */
function badNetnsName(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name === "." || name === "..") return "is . or ..";
  if (name.includes("/")) return "contains /";
  if (name.includes("\0")) return "contains a NUL";
  if (new TextEncoder().encode(name).length > NAME_MAX) return `is longer than ${NAME_MAX} bytes`;
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return "an object";
    }
  }
  return String(value);
}

/**
 * Checks a namespace name as `ip netns` does (not empty, no `/`, not `.` or
 * `..`, at most 255 bytes) and throws a `TypeError` naming `what` otherwise.
 *
 * @example
 * ```ts
 * import { checkNetnsName } from "./netns.ts";
 * checkNetnsName("blue"); // fine
 * try {
 *   checkNetnsName("../etc");
 * } catch (e) {
 *   console.log((e as TypeError).message); // netns name "../etc" contains /
 * }
 * ```
 */
export function checkNetnsName(name: unknown, what = "netns name"): asserts name is string {
  if (typeof name !== "string") throw new TypeError(`${what} must be a string, got ${describe(name)}`);
  const bad = badNetnsName(name);
  if (bad) throw new TypeError(`${what} ${JSON.stringify(name)} ${bad}`);
}

/**
 * Checks a {@link NetnsTarget}: a name under `/run/netns` (see
 * {@link checkNetnsName}), an absolute path, a non-negative integer fd, or
 * `{ pid }` with a positive integer pid. Anything else is a `TypeError`
 * naming `what`, thrown before any file or socket is opened.
 *
 * @example
 * ```ts
 * import { checkNetnsTarget } from "./netns.ts";
 * checkNetnsTarget("blue");
 * checkNetnsTarget("/proc/1/ns/net");
 * try {
 *   checkNetnsTarget(-1);
 * } catch (e) {
 *   console.log((e as TypeError).message);
 * }
 * ```
 */
export function checkNetnsTarget(target: unknown, what = "netns"): asserts target is NetnsTarget {
  const expected = "a namespace name, an absolute path, a non-negative integer fd or { pid }";
  if (typeof target === "number") {
    if (Number.isInteger(target) && target >= 0 && target <= 0x7fffffff) return;
    throw new TypeError(`${what} must be ${expected}, got ${describe(target)}`);
  }
  if (typeof target === "string") {
    if (target.startsWith("/")) {
      if (target.includes("\0")) throw new TypeError(`${what} path ${JSON.stringify(target)} contains a NUL`);
      return;
    }
    const bad = badNetnsName(target);
    if (bad === undefined) return;
    const hint = target.includes("/") ? " (a path must be absolute)" : "";
    throw new TypeError(`${what} name ${JSON.stringify(target)} ${bad}${hint}`);
  }
  if (typeof target === "object" && target !== null && !Array.isArray(target)) {
    const keys = Object.keys(target);
    const pid = (target as { pid?: unknown }).pid;
    if (keys.length === 1 && keys[0] === "pid" && Number.isInteger(pid) && (pid as number) > 0) return;
  }
  throw new TypeError(`${what} must be ${expected}, got ${describe(target)}`);
}

/**
 * The path of a namespace given by name, absolute path or pid. Throws a
 * `TypeError` for anything {@link checkNetnsTarget} refuses.
 *
 * @example
 * ```ts
 * import { netnsPath } from "@nlts/netlink/socket";
 * console.log(netnsPath("blue")); // /run/netns/blue
 * console.log(netnsPath({ pid: 1 })); // /proc/1/ns/net
 * ```
 */
export function netnsPath(target: string | { pid: number }): string {
  checkNetnsTarget(target);
  if (typeof target === "object") return `/proc/${target.pid}/ns/net`;
  return target.startsWith("/") ? target : `${NETNS_RUN_DIR}/${target}`;
}

/**
 * Calls `fn` with the JS thread inside `target`, then switches back. If the
 * switch back fails the process cannot safely continue, so the error is
 * rethrown after a best-effort report; that has never been seen to happen
 * with a namespace fd we opened ourselves.
 */
export function inNetns<T>(libc: Libc, target: NetnsTarget, fn: () => T): T {
  checkNetnsTarget(target);
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

/**
 * Calls `fn` with an opener of namespace files (a name, path or process, as
 * {@link netnsPath} reads them; an fd is given back as it is) and closes
 * every file it opened once `fn` has settled: for requests that name a
 * namespace by fd (`IFLA_NET_NS_FD`, `NETNSA_FD`). This is how families
 * reach those files without touching libc themselves.
 *
 * @example
 * ```ts
 * import { withNetnsFiles } from "./netns.ts";
 * await withNetnsFiles(async (open) => console.log(open({ pid: 1 })));
 * ```
 */
export async function withNetnsFiles<T>(fn: (open: (target: NetnsTarget) => number) => Promise<T>): Promise<T> {
  const libc = await loadLibc();
  const fds: number[] = [];
  const open = (target: NetnsTarget): number => {
    checkNetnsTarget(target);
    if (typeof target === "number") return target;
    const path = netnsPath(target);
    const fd = libc.open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw new NetlinkError(-fd, { syscall: `open(${path})` });
    fds.push(fd);
    return fd;
  };
  try {
    return await fn(open);
  } finally {
    for (const fd of fds) libc.close(fd);
  }
}

/**
 * {@link inNetns} with the process's libc: `fn` runs synchronously with the
 * JS thread inside `target` (to open a file that reads per namespace, such
 * as `/proc/thread-self/net/…`).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { runInNetns } from "./netns.ts";
 * const text = await runInNetns({ pid: 1 }, () => readFileSync("/proc/thread-self/net/dev", "utf8"));
 * console.log(text.length);
 * ```
 */
export async function runInNetns<T>(target: NetnsTarget, fn: () => T): Promise<T> {
  return inNetns(await loadLibc(), target, fn);
}
