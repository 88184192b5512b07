/**
 * Named network namespaces, the way `ip netns add/del/list` keeps them: a
 * namespace is pinned by a bind mount of its nsfs file on
 * `/run/netns/NAME`, so it outlives every process and `ip netns exec NAME`
 * (or `netns: NAME` here) can enter it.
 *
 * Creating one takes the JS thread into the new namespace for three system
 * calls (unshare, mount, setns back) and never lets any other thread of the
 * process in: namespaces are per thread, and only the calling thread
 * unshares.
 *
 * @module
 */
import { closeSync, mkdirSync, openSync, readdirSync, unlinkSync } from "node:fs";
import type { Libc } from "../../ffi/mod.ts";
import { O_CLOEXEC, O_RDONLY } from "../../ffi/common.ts";
import { loadLibc } from "../../ffi/mod.ts";
import { ERRNO } from "../wire/errno.ts";
import { NetlinkError } from "../wire/errors.ts";
import { checkNetnsName, NETNS_RUN_DIR } from "./netns.ts";

const CLONE_NEWNET = 0x40000000;
const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MS_SHARED = 1 << 20;
const MNT_DETACH = 2;
const LOCK_EX = 2;
const LOCK_UN = 8;
const { EINVAL, ENOENT } = ERRNO;

/** A `node:fs` error as the library's {@link NetlinkError}, keeping its errno name. */
function fsError(error: unknown, syscall: string): unknown {
  const code = (error as { code?: unknown })?.code;
  const errno = typeof code === "string" ? ERRNO[code] : undefined;
  return errno === undefined ? error : new NetlinkError(errno, { syscall });
}

/**
 * Makes `/run/netns` exist and be a shared mount point, as iproute2 does
 * before each `ip netns add`: mounts made under it then propagate to other
 * mount namespaces, so a deletion there frees the namespace everywhere. The
 * directory is locked (as `ip` locks it) so that two creators never both
 * bind it onto itself.
 */
function prepareRunDir(libc: Libc): void {
  try {
    mkdirSync(NETNS_RUN_DIR, { mode: 0o755 });
  } catch (error) {
    if ((error as { code?: unknown })?.code !== "EEXIST") throw fsError(error, `mkdir(${NETNS_RUN_DIR})`);
  }
  const lock = libc.open(NETNS_RUN_DIR, O_RDONLY | O_CLOEXEC);
  if (lock < 0) throw new NetlinkError(-lock, { syscall: `open(${NETNS_RUN_DIR})` });
  try {
    // Like ip: without the lock (a file system that refuses flock) go on anyway.
    libc.flock(lock, LOCK_EX);
    let madeMountPoint = false;
    for (;;) {
      const shared = libc.mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC);
      if (shared === 0) break;
      // EINVAL: not a mount point yet. Bind the directory onto itself, once.
      if (shared !== -EINVAL || madeMountPoint) {
        throw new NetlinkError(-shared, { syscall: `mount(--make-rshared ${NETNS_RUN_DIR})` });
      }
      const bound = libc.mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC);
      if (bound < 0) throw new NetlinkError(-bound, { syscall: `mount(--rbind ${NETNS_RUN_DIR})` });
      madeMountPoint = true;
    }
  } finally {
    libc.flock(lock, LOCK_UN);
    libc.close(lock);
  }
}

/**
 * Creates a network namespace named `name` under `/run/netns`, like
 * `ip netns add NAME`: it is listed by `ip netns list`, usable with
 * `ip netns exec` and with `{ netns: name }` here, and stays until
 * {@link deleteNetns} (or `ip netns del`). A name that exists already
 * rejects with a {@link NetlinkError} `EEXIST`; an invalid name (empty,
 * containing `/`, `.` or `..`, over 255 bytes) is a `TypeError` before any
 * system call. No thread of the process is left in the new namespace.
 *
 * @example
 * ```ts
 * import { createNetns, deleteNetns, RouteClient } from "@nlts/netlink";
 * await createNetns("lab");
 * try {
 *   await using rt = await RouteClient.open({ netns: "lab" });
 *   for await (const link of rt.links()) console.log(link.name); // lo
 * } finally {
 *   await deleteNetns("lab");
 * }
 * ```
 */
export async function createNetns(name: string): Promise<void> {
  checkNetnsName(name, "namespace name");
  const libc = await loadLibc();
  prepareRunDir(libc);
  const path = `${NETNS_RUN_DIR}/${name}`;
  // The mount point: a new empty file; O_EXCL makes a second creator fail.
  try {
    closeSync(openSync(path, "wx", 0));
  } catch (error) {
    throw fsError(error, `open(${path}, O_CREAT | O_EXCL)`);
  }
  try {
    bindNewNamespace(libc, path);
  } catch (error) {
    try {
      unlinkSync(path);
    } catch { /* already gone: nothing to undo */ }
    throw error;
  }
}

/**
 * Unshares the JS thread's network namespace, binds the new one on `path`,
 * and returns the thread to the namespace it was in, whatever happened.
 */
function bindNewNamespace(libc: Libc, path: string): void {
  const own = libc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0) throw new NetlinkError(-own, { syscall: "open(/proc/thread-self/ns/net)" });
  try {
    const unshared = libc.unshare(CLONE_NEWNET);
    if (unshared < 0) throw new NetlinkError(-unshared, { syscall: "unshare(CLONE_NEWNET)" });
    // From here the JS thread is in the new namespace until the setns below.
    const bound = libc.mount("/proc/thread-self/ns/net", path, "none", MS_BIND);
    const back = libc.setns(own, CLONE_NEWNET);
    if (back < 0) throw new NetlinkError(-back, { syscall: "setns (returning to the original namespace)" });
    if (bound < 0) throw new NetlinkError(-bound, { syscall: `mount(--bind /proc/thread-self/ns/net ${path})` });
  } finally {
    libc.close(own);
  }
}

/**
 * Deletes the namespace named `name` under `/run/netns`, like
 * `ip netns del NAME` (whoever created it): the bind mount is detached and
 * the file removed. The namespace itself goes when nothing else holds it
 * (processes, open fds, sockets). A missing name rejects with a
 * {@link NetlinkError} `ENOENT`; an invalid one is a `TypeError`.
 *
 * @example
 * ```ts
 * import { createNetns, deleteNetns } from "@nlts/netlink";
 * await createNetns("lab");
 * await deleteNetns("lab");
 * ```
 */
export async function deleteNetns(name: string): Promise<void> {
  checkNetnsName(name, "namespace name");
  const libc = await loadLibc();
  const path = `${NETNS_RUN_DIR}/${name}`;
  // As ip does: a file that is not (or no longer) a mount point is still removed.
  const detached = libc.umount2(path, MNT_DETACH);
  if (detached === -ENOENT) throw new NetlinkError(ENOENT, { syscall: `umount2(${path})` });
  try {
    unlinkSync(path);
  } catch (error) {
    throw fsError(error, `unlink(${path})`);
  }
}

/**
 * The names of the namespaces under `/run/netns`, sorted, like
 * `ip netns list` (without ids). None when the directory does not exist.
 *
 * @example
 * ```ts
 * import { listNetns } from "@nlts/netlink";
 * for (const name of await listNetns()) console.log(name);
 * ```
 */
export function listNetns(): Promise<string[]> {
  try {
    return Promise.resolve(readdirSync(NETNS_RUN_DIR).sort());
  } catch (error) {
    if ((error as { code?: unknown })?.code === "ENOENT") return Promise.resolve([]);
    return Promise.reject(fsError(error, `opendir(${NETNS_RUN_DIR})`));
  }
}
