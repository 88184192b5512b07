/** Shared pieces of the benchmarks: timing, namespaces, memory, output. */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";

/** The runtime running the benchmark. */
export const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** Command-line arguments after the script name, in both runtimes. */
export const args: string[] = "Deno" in globalThis ? Deno.args : process.argv.slice(2);

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

/**
 * Creates a namespace for a benchmark and returns its name and a remover.
 * Every benchmark namespace is named `nlts-bench-pf-<tag>-<pid>`, so a run
 * that was killed leaves names that say whose they are.
 */
export function makeNetns(tag: string): { ns: string; remove(): void } {
  const ns = `nlts-bench-pf-${tag}-${process.pid}`;
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

/** The `ip -batch` lines adding `count` IPv4 /32 routes via `dev`, starting at 10.0.0.0. */
export function routeLines(count: number, dev = "b0"): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev ${dev}`);
  }
  return lines.join("\n") + "\n";
}

/** Creates the veth pair b0/b1 (both up) in `ns`. */
export function addVeth(ns: string): void {
  execFileSync("ip", ["-n", ns, "link", "add", "b0", "type", "veth", "peer", "name", "b1"]);
  execFileSync("ip", ["-n", ns, "link", "set", "b0", "up"]);
  execFileSync("ip", ["-n", ns, "link", "set", "b1", "up"]);
}

/**
 * Creates `count` IPv4 /32 routes on a veth in `ns`. The batch is written to
 * a file in chunks and read by `ip` from there, so that building it leaves
 * no large string or buffer behind in this process (memory.ts measures RSS).
 */
export function addRoutes(ns: string, count: number): void {
  addVeth(ns);
  const file = `${tmpdir()}/${ns}.batch`;
  writeFileSync(file, "");
  try {
    const chunk = 10_000;
    for (let from = 0; from < count; from += chunk) {
      const lines: string[] = [];
      for (let i = from; i < Math.min(count, from + chunk); i++) {
        lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev b0`);
      }
      appendFileSync(file, lines.join("\n") + "\n");
    }
    execFileSync("ip", ["-n", ns, "-batch", file], { stdio: ["ignore", "ignore", "inherit"] });
  } finally {
    unlinkSync(file);
  }
}

/** Creates `count` IPv4 /32 addresses on a veth in `ns` (172.16.0.0 upwards). */
export function addAddresses(ns: string, count: number): void {
  addVeth(ns);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(`addr add 172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}/32 dev b0`);
  }
  ipBatch(ns, lines.join("\n") + "\n");
}

/** Creates `count` links (`count / 2` veth pairs) in `ns`. */
export function addLinks(ns: string, count: number): void {
  const lines: string[] = [];
  for (let i = 0; i < count / 2; i++) lines.push(`link add va${i} type veth peer name vb${i}`);
  ipBatch(ns, lines.join("\n") + "\n");
}

/** `VmRSS` and `VmHWM` of this process, in KiB (from /proc/self/status). */
export function memory(): { rss: number; hwm: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Resets `VmHWM` to the current RSS (writing 5 to /proc/self/clear_refs, Linux 4.0+). */
export function resetPeak(): void {
  writeFileSync("/proc/self/clear_refs", "5");
}

/** Runs the garbage collector when the runtime lets us (deno: --v8-flags=--expose-gc). */
export function gc(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

/** Prints a result line and returns it (for bench/RESULTS.md). */
export function report(line: string): string {
  console.log(line);
  return line;
}

/**
 * Times a command as a whole process started from the shell side: one
 * `bash` is started once, and for each `run()` it starts the command
 * (stdout to /dev/null) between two reads of `$EPOCHREALTIME` (no fork for
 * the clock). The figure is what a shell pays for the command, fork and exec
 * included, and nothing of this runtime's own process spawning.
 */
export class ShellTimer {
  #child: ChildProcessWithoutNullStreams;
  #buffer = "";
  #waiting: ((line: string) => void) | undefined;

  constructor(cmd: string, args: string[]) {
    const script = 'while read -r _; do s=$EPOCHREALTIME; "$@" >/dev/null || echo fail; e=$EPOCHREALTIME; ' +
      'echo "$s $e"; done';
    this.#child = spawn("bash", ["-c", script, "bash", cmd, ...args]);
    this.#child.stdout.setEncoding("utf8");
    this.#child.stdout.on("data", (chunk: string) => {
      this.#buffer += chunk;
      const nl = this.#buffer.indexOf("\n");
      if (nl < 0) return;
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.(line);
    });
    this.#child.stderr.pipe(process.stderr);
  }

  /** Runs the command once; its wall time in ms. */
  async run(): Promise<number> {
    const line = await new Promise<string>((resolve) => {
      this.#waiting = resolve;
      this.#child.stdin.write("go\n");
    });
    if (line.startsWith("fail")) throw new Error(`command failed: ${line}`);
    const [s, e] = line.split(" ").map((x) => x.replace(".", ""));
    return Number(BigInt(e) - BigInt(s)) / 1000;
  }

  /** Ends the shell. */
  close(): void {
    this.#child.stdin.end();
  }
}

/** min / median / max of a list, formatted with `digits` decimals. */
export function spread(xs: number[], digits = 1): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(digits)} / ${median(s).toFixed(digits)} / ${s[s.length - 1].toFixed(digits)}`;
}

/**
 * Walks the attribute headers of a payload from `from`, checking each length
 * as the decoders do, and returns how many there are: the "raw" dump's work
 * (everything but decoding).
 */
export function walkAttributes(p: Uint8Array, from: number): number {
  let at = from, n = 0;
  while (at + 4 <= p.length) {
    const len = p[at] | (p[at + 1] << 8);
    if (len < 4 || at + len > p.length) throw new Error(`bad attribute at ${at}`);
    n++;
    at += (len + 3) & ~3;
  }
  return n;
}
