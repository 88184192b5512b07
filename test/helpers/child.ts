// A script run by a test as a process of its own (the command line, an
// example, a child that must run apart from the test's process).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;

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

  /** Waits for the exit, with SIGKILL after `ms`; the child must exit 0 having written nothing to stderr. */
  async succeeded(ms = 10_000): Promise<void> {
    const t = setTimeout(() => this.kill("SIGKILL"), ms);
    try {
      const { code } = await this.exited;
      assert.equal(this.stderr, "");
      assert.equal(code, 0);
    } finally {
      clearTimeout(t);
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
