/**
 * Private network namespaces for tests. Every test that changes kernel state
 * does it inside a namespace named `nlts-<tag>-<pid>`, created here and
 * removed afterwards, so parallel runs (and the two runtimes) never collide
 * and the host's interfaces, routes and rules are never touched.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";

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

/** Sets sysctls inside the namespace (`sysctl -qw KEY=VALUE…`). */
export function sysctl(ns: string, ...settings: string[]): void {
  sh("ip", ["netns", "exec", ns, "sysctl", "-qw", ...settings]);
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

/** This process's open descriptors and what each is (`socket:[12345]`, `pipe:[…]`, a path). */
export function openFds(): Map<string, string> {
  const fds = new Map<string, string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed since the listing (the listing's own descriptor among them)
    }
  }
  return fds;
}

/**
 * The descriptors open now that were not open (as the same thing) in
 * `before`: what a leak leaves. A descriptor the runtime closes meanwhile
 * (a child's pipe collected late) is not counted, as a count would.
 */
export function fdsOpenedSince(before: Map<string, string>): string[] {
  return [...openFds()].filter(([fd, what]) => before.get(fd) !== what).map(([fd, what]) => `${fd} -> ${what}`);
}
