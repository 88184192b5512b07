/**
 * Private network namespaces for tests. Every test that changes kernel state
 * does it inside a namespace named `nlts-<tag>-<pid>`, created here and
 * removed afterwards, so parallel runs (and the two runtimes) never collide
 * and the host's interfaces, routes and rules are never touched.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";

/** Runs a command and returns its stdout; throws with stderr on failure. */
export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

/** Runs `ip -n NS ...` and returns stdout. */
export function ip(ns: string, ...args: string[]): string {
  return sh("ip", ["-n", ns, ...args]);
}

/** Runs `ip -n NS -j ...` and parses the JSON. */
export function ipJson<T = any>(ns: string, ...args: string[]): T {
  const out = sh("ip", ["-n", ns, "-j", ...args]).trim();
  return (out ? JSON.parse(out) : []) as T;
}

/** Feeds commands to `ip -n NS -batch -`. */
export function ipBatch(ns: string, commands: string): void {
  sh("ip", ["-n", ns, "-batch", "-"], commands);
}

/** A fresh namespace with loopback up; removed when `fn` settles. */
export async function withNetns<T>(tag: string, fn: (ns: string) => T | Promise<T>): Promise<T> {
  const ns = `nlts-${tag}-${process.pid}`;
  try {
    sh("ip", ["netns", "del", ns]);
  } catch { /* not there: the usual case */ }
  sh("ip", ["netns", "add", ns]);
  try {
    ip(ns, "link", "set", "lo", "up");
    return await fn(ns);
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
}

/** Number of open file descriptors of this process. */
export function fdCount(): number {
  return readdirSync("/proc/self/fd").length;
}
