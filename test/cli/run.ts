// Running the command line (and other scripts) as child processes under Deno, Bun and Node.
import { spawn, spawnSync } from "node:child_process";
import { command, type Runtime, runtimeHere } from "../helpers/runtimes.ts";
export { command, type Runtime } from "../helpers/runtimes.ts";

/**
 * The runtimes whose command line a CLI test runs: the one running the test.
 * `.ci/test` runs every file under Deno, Bun and Node, so each runtime's CLI
 * is still tested — once, by its own runner, instead of by all three runners
 * (nine runs of every CLI test, two thirds of the suite's time). The count of
 * tests stays the same in each runtime.
 */
export const runtimes: readonly Runtime[] = [runtimeHere()];

export const root = new URL("../../", import.meta.url).pathname;

export interface Result {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `cli.ts ARGS` to completion. */
export function cli(runtime: Runtime, ...args: string[]): Result {
  const [cmd, argv] = command(runtime, "cli.ts", args);
  const r = spawnSync(cmd, argv, { cwd: root, encoding: "utf8", timeout: 20_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `cli.ts ARGS --raw-json` (the library's objects), expects success, and parses the JSON. */
export function cliJson<T = any>(runtime: Runtime, ...args: string[]): T {
  return cliJsonWith<T>(runtime, "--raw-json", ...args);
}

/** Runs `cli.ts ARGS -j` (ip's shapes for the rtnetlink commands), expects success, and parses the JSON. */
export function cliIpJson<T = any>(runtime: Runtime, ...args: string[]): T {
  return cliJsonWith<T>(runtime, "-j", ...args);
}

function cliJsonWith<T>(runtime: Runtime, flag: string, ...args: string[]): T {
  const r = cli(runtime, ...args, flag);
  if (r.status !== 0) throw new Error(`cli ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A long-running child whose stdout lines are collected as they come. */
export class Child {
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  readonly #proc;
  #partial = "";
  #waiters: (() => void)[] = [];

  constructor(cmd: string, args: string[], env: Record<string, string> = {}) {
    this.#proc = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.#proc.stdout!.setEncoding("utf8");
    this.#proc.stdout!.on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.#proc.stderr!.setEncoding("utf8");
    this.#proc.stderr!.on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.#proc.on("close", (code, signal) => {
        for (const w of this.#waiters.splice(0)) w();
        resolve({ code, signal });
      });
    });
  }

  /** Waits until a line satisfies `match` (searching from line `from`); rejects after `ms`. */
  async waitFor(match: (line: string) => boolean, ms = 10_000, from = 0): Promise<string> {
    const deadline = Date.now() + ms;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found !== undefined) return found;
      if (exited) {
        throw new Error(`exited before the line came; stdout: ${this.lines.join("\n")}; stderr: ${this.stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; stdout: ${this.lines.join("\n")}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a signal. */
  kill(signal: NodeJS.Signals = "SIGINT"): void {
    // process.kill, not ChildProcess.kill: Deno's node compatibility reports a
    // child killed through the latter as ended by the signal even when it
    // handled the signal and exited with a status of its own.
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) {
      try {
        process.kill(this.#proc.pid!, signal);
      } catch { /* already gone */ }
    }
  }

  /** Sends SIGINT and waits for the exit (SIGKILL after `ms`). */
  async stop(ms = 10_000): Promise<{ code: number | null; signal: string | null }> {
    this.kill("SIGINT");
    const t = setTimeout(() => this.kill("SIGKILL"), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(t);
    }
  }
}

/** `cli.ts ARGS` started in the background. */
export function cliChild(runtime: Runtime, ...args: string[]): Child {
  const [cmd, argv] = command(runtime, "cli.ts", args);
  return new Child(cmd, argv);
}
