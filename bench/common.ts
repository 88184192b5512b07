/** Shared pieces of the benchmarks: timing, namespaces, output. */
import { execFileSync, spawnSync } from "node:child_process";

/** The runtime running the benchmark. */
export const runtime = "Deno" in globalThis ? "deno" : "bun";

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The p-th percentile (0..100) of a list of numbers. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}

/** Creates a namespace for a benchmark and returns its name and a remover. */
export function makeNetns(tag: string): { ns: string; remove(): void } {
  const ns = `nlts-bench-${tag}-${process.pid}`;
  execFileSync("ip", ["netns", "add", ns]);
  execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  return { ns, remove: () => execFileSync("ip", ["netns", "del", ns]) };
}

/** Feeds `ip -batch` in a namespace. */
export function ipBatch(ns: string, commands: string): void {
  const r = spawnSync("ip", ["-n", ns, "-batch", "-"], { input: commands, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}`);
}

/** Wall time in ms of a whole command with stdout to /dev/null. */
export function timeCommand(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} failed`);
  return t;
}

/** Creates `count` IPv4 /32 routes on a veth in `ns`. */
export function addRoutes(ns: string, count: number): void {
  execFileSync("ip", ["-n", ns, "link", "add", "b0", "type", "veth", "peer", "name", "b1"]);
  execFileSync("ip", ["-n", ns, "link", "set", "b0", "up"]);
  execFileSync("ip", ["-n", ns, "link", "set", "b1", "up"]);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev b0`);
  ipBatch(ns, lines.join("\n") + "\n");
}

/** Prints a result line and returns it (for bench/RESULTS.md). */
export function report(line: string): string {
  console.log(line);
  return line;
}
