// Running the command line (and other scripts) as child processes under Deno, Bun and Node.
import { spawnSync } from "node:child_process";
import { command, type Runtime, runtimeHere } from "../helpers/runtimes.ts";
export { command, type Runtime } from "../helpers/runtimes.ts";
import { Child } from "../helpers/child.ts";
export { Child } from "../helpers/child.ts";

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

/** `cli.ts ARGS` started in the background. */
export function cliChild(runtime: Runtime, ...args: string[]): Child {
  const [cmd, argv] = command(runtime, "cli.ts", args);
  return new Child(cmd, argv);
}
