/**
 * What every command of the `nlts` command line is given: the output, the
 * common options, and a way to stop streams on Ctrl-C (SIGINT), SIGTERM or
 * after `--for SECONDS`, in Deno and in Bun.
 *
 * @module
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { netnsPath } from "../socket/netns.ts";
import { type Cell, table } from "./format.ts";
import { toJson } from "../wire/json.ts";

/**
 * A failure to report as one line on stderr with exit status 1 (not a usage
 * mistake, not the kernel's refusal).
 *
 * @example
 * ```ts
 * import { CliError } from "./context.ts";
 * throw new CliError('network namespace "blue" not found (/run/netns/blue)');
 * ```
 */
export class CliError extends Error {
  /** `message` is printed after `nlts: `. */
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** Where output goes: one call per line (tests capture it). */
export interface Output {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
}

/**
 * The console as an {@link Output}.
 *
 * @example
 * ```ts
 * import { consoleOutput } from "./context.ts";
 * consoleOutput.out("hello");
 * ```
 */
export const consoleOutput: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/**
 * A running command: common options, output helpers and the stop signal
 * for streams.
 *
 * @example
 * ```ts
 * import { Context, consoleOutput } from "./context.ts";
 * const ctx = new Context(consoleOutput, { json: true });
 * ctx.list([{ index: 1, name: "lo" }], ["index", "name"], (l) => [l.index, l.name]);
 * ```
 */
export class Context {
  /** Print JSON instead of tables. */
  readonly json: boolean;
  /** The namespace given with `-n`, checked to exist. */
  readonly netns?: string;
  /** The output. */
  readonly io: Output;

  /** `options.netns` is checked here: a missing namespace is a {@link CliError}. */
  constructor(io: Output, options: { json?: boolean; netns?: string }) {
    this.io = io;
    this.json = options.json ?? false;
    if (options.netns !== undefined) {
      if (options.netns === "") throw new CliError("the namespace name is empty");
      let path: string;
      try {
        path = netnsPath(options.netns);
      } catch (error) {
        throw new CliError(error instanceof TypeError ? error.message : String(error));
      }
      if (!existsSync(path)) {
        throw new CliError(`network namespace ${JSON.stringify(options.netns)} not found (${path})`);
      }
      this.netns = options.netns;
    }
  }

  /**
   * Prints a list: a JSON array with `-j`, else an aligned table (headers
   * only when empty).
   */
  list<T>(items: readonly T[], headers: readonly string[], row: (item: T) => Cell[]): void {
    if (this.json) this.io.out(toJson(items));
    else this.io.out(table(headers, items.map(row)));
  }

  /** Prints one item of a stream: a JSON line with `-j`, else `text()`. */
  item(value: unknown, text: () => string): void {
    this.io.out(this.json ? toJson(value) : text());
  }

  /** Prints a line only in table mode (headings, notes). */
  note(line: string): void {
    if (!this.json) this.io.out(line);
  }
}

/**
 * A stop signal for streams, aborted on SIGINT or SIGTERM, or after
 * `seconds`. Dispose of it when the stream ends, so the process no longer
 * waits for signals or the timer.
 *
 * @example
 * ```ts
 * import { stopSignal } from "./context.ts";
 * using stop = stopSignal(1);
 * await new Promise((resolve) => stop.signal.addEventListener("abort", resolve));
 * ```
 */
export function stopSignal(seconds?: number): { signal: AbortSignal; [Symbol.dispose](): void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new DOMException("interrupted", "AbortError"));
  const signals = ["SIGINT", "SIGTERM"] as const;
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno) { for (const s of signals) deno.addSignalListener(s, onSignal); }
  else for (const s of signals) process.on(s, onSignal);
  const timer = seconds === undefined
    ? undefined
    : setTimeout(() => controller.abort(new DOMException("time is up", "TimeoutError")), seconds * 1000);
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      clearTimeout(timer);
      if (deno) { for (const s of signals) deno.removeSignalListener(s, onSignal); }
      else for (const s of signals) process.off(s, onSignal);
    },
  };
}

/**
 * Runs a stream until `signal` stops it: the abort (Ctrl-C, `--for`) ends
 * it normally, any other error is rethrown.
 *
 * @example
 * ```ts
 * import { stopSignal, untilStopped } from "./context.ts";
 * using stop = stopSignal(0.1);
 * await untilStopped(stop.signal, async () => {
 *   await new Promise((_, reject) => stop.signal.addEventListener("abort", () => reject(stop.signal.reason)));
 * });
 * ```
 */
export async function untilStopped(signal: AbortSignal, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
}
