/**
 * What every command of the `nlts` command line is given: the output, the
 * common options, and a way to stop streams on Ctrl-C (SIGINT), SIGTERM or
 * after `--for SECONDS`, in Deno and in Bun.
 *
 * @module
 */
import { PcapWriter, traceLogger } from "../socket/trace.ts";
import type { TraceEvent } from "../socket/socket.ts";
import { rtmName } from "../route/constants.ts";
import { netnsPath } from "../socket/netns.ts";
import { type Cell, cellText, rowText, widthsOf } from "./format.ts";
import { toJson } from "../wire/json.ts";
import { type Libc, loadLibc } from "../../ffi/mod.ts";
import { NetlinkError } from "../wire/errors.ts";
import { ERRNO } from "../wire/errno.ts";
import { O_CLOEXEC, O_RDONLY } from "../../ffi/common.ts";
import { collectSoon, onStopSignals } from "../../ffi/host.ts";

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
  /**
   * Writes text to stdout as it is, without a newline: a long JSON array in
   * parts that still make one line, as ip prints it. Without it, each part
   * is a line of its own (still valid JSON).
   */
  write?(text: string): void;
  /**
   * Writes bytes (UTF-8 text) to stdout as they are: what a streamed list
   * encodes into one reusable buffer, so no string of a whole chunk is built.
   * It may move the unwritten rest of `bytes` to their front while it waits.
   */
  writeBytes?(bytes: Uint8Array): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const pause = new Int32Array(new SharedArrayBuffer(4));
/** Where output is encoded: one buffer for the whole run, not a new one per write (64 KiB each, freed late). */
const scratch = new Uint8Array(new ArrayBuffer(256 * 1024));
const { EAGAIN, EINTR, ENOENT, ENOTDIR } = ERRNO;

/**
 * libc, for stdout and the namespace check. Through it rather than `node:fs`:
 * Deno builds its Node compatibility layer on the first `node:fs` or
 * `node:process` call (about 13 MiB and 40 ms of a listing), and Bun loads
 * its `node:fs` on import (about 5 MiB).
 */
let libc: Libc | undefined;

/**
 * Loads what {@link consoleOutput} writes with; {@link main} awaits it before
 * a command runs. Until then the console output goes through `console.log`.
 *
 * @example
 * ```ts
 * import { consoleOutput, loadConsole } from "./context.ts";
 * await loadConsole();
 * consoleOutput.out("hello");
 * ```
 */
export async function loadConsole(): Promise<void> {
  libc ??= await loadLibc();
}

/**
 * Writes all of `text` to `fd` before returning, `write(2)` by `write(2)`
 * from one reusable buffer. A blocking pipe makes the process wait while
 * its reader is behind, so output is never queued in memory (console.log in
 * Bun and Node may queue it; in Deno it formats a copy); a non-blocking one
 * (EAGAIN) is waited for 1 ms at a time. A reader that went away is a
 * {@link NetlinkError} with code `EPIPE`.
 */
function writeAll(fd: number, text: string): void {
  if (libc === undefined) {
    console.log(text.endsWith("\n") ? text.slice(0, -1) : text);
    return;
  }
  for (let rest = text; rest.length > 0;) {
    const { read, written } = encoder.encodeInto(rest, scratch);
    writeBytesAll(libc, fd, scratch.subarray(0, written));
    rest = rest.slice(read);
  }
}

/** {@link writeAll} of bytes (`ArrayBuffer`-backed); a short write's rest moves to the front of `bytes`. */
function writeBytesAll(c: Libc, fd: number, bytes: Uint8Array): void {
  for (let left = bytes.length; left > 0;) {
    const n = c.write(fd, bytes, left);
    if (n === -EAGAIN) Atomics.wait(pause, 0, 0, 1);
    else if (n < 0 && n !== -EINTR) throw new NetlinkError(-n, { syscall: "write" });
    else if (n > 0) {
      left -= n;
      if (left > 0) bytes.copyWithin(0, n, n + left);
    }
  }
}

/** Whether `path` exists (only a missing file or directory says no). */
function exists(c: Libc, path: string): boolean {
  const fd = c.open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) c.close(fd);
  return fd !== -ENOENT && fd !== -ENOTDIR;
}

/**
 * The console as an {@link Output}: stdout written straight to its file
 * descriptor (once {@link loadConsole} has run), stderr through
 * `console.error`.
 *
 * @example
 * ```ts
 * import { consoleOutput } from "./context.ts";
 * consoleOutput.out("hello");
 * ```
 */
export const consoleOutput: Output = {
  out: (line) => writeAll(1, line + "\n"),
  err: (line) => console.error(line),
  write: (text) => writeAll(1, text),
  writeBytes: (bytes) => libc === undefined ? writeAll(1, decoder.decode(bytes)) : writeBytesAll(libc, 1, bytes),
};

/** The common options of a {@link Context}. */
export interface ContextOptions {
  /** `-j`. */
  json?: boolean;
  /** `--raw-json`. */
  rawJson?: boolean;
  /** `-n NAME`. */
  netns?: string;
  /** `--trace` (or `NLTS_TRACE=1`). */
  trace?: boolean;
  /** `--pcap FILE`. */
  pcap?: string;
}

/** The file calls `--pcap` writes its capture with (`node:fs`'s). */
export type PcapFiles = {
  openSync(path: string, flags: "w"): number;
  writeSync(fd: number, data: Uint8Array): number;
  closeSync(fd: number): void;
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
  /** JSON of the library's own objects (`--raw-json`), not ip's shapes. */
  readonly rawJson: boolean;
  /** The namespace given with `-n`, checked to exist. */
  readonly netns?: string;
  /** The output. */
  readonly io: Output;

  /**
   * Sees every datagram of the sockets the command opens (`--trace`,
   * `NLTS_TRACE=1`, `--pcap FILE`); undefined when none of them is asked for.
   */
  readonly trace?: (event: TraceEvent) => void;
  #pcapFd?: number;
  #files?: PcapFiles;

  /**
   * Opens a command's context: loads what the console writes with, and
   * `node:fs` only when `--pcap` asks for a file.
   */
  static async open(io: Output, options: ContextOptions): Promise<Context> {
    await loadConsole();
    return new Context(io, options, options.pcap === undefined ? undefined : await import("node:fs"));
  }

  /**
   * `options.netns` is checked here (once {@link loadConsole} has run): a
   * missing namespace is a {@link CliError}. `--pcap` needs `files`.
   */
  constructor(io: Output, options: ContextOptions, files?: PcapFiles) {
    this.io = io;
    const tracers: ((event: TraceEvent) => void)[] = [];
    if (options.trace) {
      const log = traceLogger((line) => io.err(line), rtmName);
      const plain = traceLogger((line) => io.err(line));
      tracers.push((event) => (event.protocol === 0 ? log : plain)(event));
    }
    if (options.pcap !== undefined) {
      if (files === undefined) throw new TypeError("a context with pcap needs the file calls (Context.open)");
      let fd: number;
      try {
        fd = files.openSync(options.pcap, "w");
      } catch (error) {
        throw new CliError(`cannot write ${options.pcap}: ${(error as Error).message}`);
      }
      this.#pcapFd = fd;
      this.#files = files;
      tracers.push(new PcapWriter((bytes) => files.writeSync(fd, bytes)).trace);
    }
    if (tracers.length === 1) this.trace = tracers[0];
    else if (tracers.length) this.trace = (event) => tracers.forEach((t) => t(event));
    this.rawJson = options.rawJson ?? false;
    this.json = (options.json ?? false) || this.rawJson;
    if (options.netns !== undefined) {
      if (options.netns === "") throw new CliError("the namespace name is empty");
      let path: string;
      try {
        path = netnsPath(options.netns);
      } catch (error) {
        throw new CliError(error instanceof TypeError ? error.message : String(error));
      }
      if (libc === undefined) {
        throw new TypeError("a context with a namespace needs loadConsole() first (Context.open)");
      }
      if (!exists(libc, path)) {
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
    const out = this.stream(headers, row);
    for (const item of items) out.push(item);
    out.end();
  }

  /**
   * A list printed as its items come, so that memory stays flat however
   * long it is: with `-j` a JSON array written element by element, else a
   * table whose column widths are taken from its first rows (a later,
   * wider cell widens only its own line). Output is written in chunks of
   * about 64 KiB. Call `end()` once, also after a failure (it closes the
   * array, so what was printed stays valid JSON).
   */
  stream<T>(
    headers: readonly string[],
    row: (item: T) => Cell[],
    options: { header?: boolean; serialize?: (item: T) => string } = {},
  ): ListWriter<T> {
    return new ListWriter(this.io, this.json, headers, row, options.header ?? true, options.serialize ?? toJson);
  }

  /** Closes the capture file, if any. */
  close(): void {
    if (this.#pcapFd !== undefined) this.#files?.closeSync(this.#pcapFd);
    this.#pcapFd = undefined;
  }

  /** JSON in ip's shapes: `-j` without `--raw-json`. */
  get ipJson(): boolean {
    return this.json && !this.rawJson;
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
  const off = onStopSignals(() => controller.abort(new DOMException("interrupted", "AbortError")));
  const timer = seconds === undefined
    ? undefined
    : setTimeout(() => controller.abort(new DOMException("time is up", "TimeoutError")), seconds * 1000);
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      clearTimeout(timer);
      off();
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

/** Rows buffered to decide a streamed table's column widths. */
const WIDTH_SAMPLE = 200;
/** Bytes gathered before one write. */
const CHUNK = 64 * 1024;
/** Characters gathered before they are encoded into the chunk (at most 3 bytes each). */
const PENDING = 1024;

/**
 * Writes a list as it comes: see {@link Context.stream}. Each element is
 * encoded at once into one reusable 64 KiB buffer, written out when full;
 * to an {@link Output} without `writeBytes` (tests), a chunk goes out as
 * text, never splitting an element.
 *
 * @example
 * ```ts
 * import { Context, consoleOutput } from "./context.ts";
 * const ctx = new Context(consoleOutput, { json: false });
 * const out = ctx.stream(["index", "name"], (l: { index: number; name: string }) => [l.index, l.name]);
 * out.push({ index: 1, name: "lo" });
 * out.end();
 * ```
 */
export class ListWriter<T> {
  readonly #io: Output;
  readonly #json: boolean;
  readonly #headers: readonly string[];
  readonly #row: (item: T) => Cell[];
  readonly #header: boolean;
  readonly #serialize: (item: T) => string;
  #sample: string[][] | undefined = [];
  #widths: number[] = [];
  readonly #chunk = new Uint8Array(new ArrayBuffer(CHUNK));
  #used = 0;
  /** Parts not yet encoded. */
  #pending = "";
  /** Whether text was made for the chunk (not only elements written as bytes). */
  #madeText = false;
  #count = 0;
  #ended = false;

  constructor(
    io: Output,
    json: boolean,
    headers: readonly string[],
    row: (item: T) => Cell[],
    header: boolean,
    serialize: (item: T) => string,
  ) {
    this.#io = io;
    this.#json = json;
    this.#headers = headers;
    this.#row = row;
    this.#header = header;
    this.#serialize = serialize;
  }

  /** Items written so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds one item. */
  push(item: T): void {
    if (this.#ended) throw new Error("the list has ended");
    this.#count++;
    if (this.#json) {
      this.#write(this.#count === 1 ? "[" : ",");
      this.#write(this.#serialize(item));
      return;
    }
    const cells = this.#headers.map((_, i) => cellText(this.#row(item)[i]));
    if (this.#sample) {
      this.#sample.push(cells);
      if (this.#sample.length >= WIDTH_SAMPLE) this.#flushSample();
      return;
    }
    this.#write(rowText(cells, this.#widths) + "\n");
  }

  /** Adds one element written as it is (JSON only). */
  pushJson(text: string): void {
    if (this.#ended) throw new Error("the list has ended");
    if (!this.#json) return;
    this.#count++;
    this.#write(this.#count === 1 ? "[" : ",");
    this.#write(text);
  }

  /**
   * Adds one element (JSON only) that `fill` writes as UTF-8 straight into
   * the output buffer: it is given at least `room` bytes (at most 32 KiB)
   * from `at` and returns where the element ends, or -1 to decline (then
   * nothing is added and the result is false: {@link push} it instead).
   */
  pushEncoded(room: number, fill: (buffer: Uint8Array, at: number) => number): boolean {
    if (this.#ended) throw new Error("the list has ended");
    if (!this.#json) throw new Error("pushEncoded: only a JSON list takes encoded elements");
    if (room > CHUNK / 2) throw new RangeError(`pushEncoded: ${room} bytes of room is more than ${CHUNK / 2}`);
    if (this.#pending.length) this.#encodePending();
    if (CHUNK - this.#used <= room) this.#writeChunk();
    const end = fill(this.#chunk, this.#used + 1);
    if (end < 0) return false;
    if (end > CHUNK) throw new RangeError("pushEncoded: the element overran the buffer");
    this.#chunk[this.#used] = this.#count === 0 ? 0x5b : 0x2c; // [ or ,
    this.#count++;
    this.#used = end;
    return true;
  }

  /** Ends the list (prints `[]` or the headers when it was empty) and writes what is buffered. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#json) this.#write(this.#count === 0 ? "[]" : "]");
    else if (this.#sample) this.#flushSample();
    this.#flush(true);
  }

  #flushSample(): void {
    const sample = this.#sample!;
    this.#sample = undefined;
    const upper = this.#headers.map((h) => h.toUpperCase());
    this.#widths = widthsOf(this.#header ? [upper, ...sample] : sample, this.#headers.length);
    if (this.#header) this.#write(rowText(upper, this.#widths) + "\n");
    for (const cells of sample) this.#write(rowText(cells, this.#widths) + "\n");
  }

  /**
   * Appends `part` (a table row ends with its newline). Parts are gathered
   * as text and encoded a few thousand characters at a time: one encode per
   * part would cost more than making the part (Deno's encodeInto is a call
   * into Rust).
   */
  #write(part: string): void {
    this.#madeText = true;
    this.#pending += part;
    if (this.#pending.length >= PENDING) this.#encodePending();
  }

  /** Encodes the gathered parts into the buffer, writing it out first when they may not fit. */
  #encodePending(): void {
    const text = this.#pending;
    if (text.length === 0) return;
    this.#pending = "";
    // At most 3 bytes per UTF-16 unit: a part is never split between writes.
    if (text.length * 3 > CHUNK - this.#used) {
      this.#writeChunk();
      if (text.length * 3 > CHUNK) return this.#writeLarge(text);
    }
    this.#used += encoder.encodeInto(text, this.#used === 0 ? this.#chunk : this.#chunk.subarray(this.#used)).written;
  }

  /** A part larger than the buffer (the buffer is empty): written on its own. */
  #writeLarge(part: string): void {
    const io = this.#io;
    if (io.writeBytes) io.writeBytes(encoder.encode(part));
    else if (!this.#json) io.out(part.slice(0, -1));
    else if (io.write) io.write(part);
    else io.out(part);
  }

  #flush(last = false): void {
    // A JSON array is one line, as ip -j prints it; its newline comes with the last part.
    if (last && this.#json && this.#io.writeBytes) this.#pending += "\n";
    this.#encodePending();
    this.#writeChunk(last);
  }

  /** Writes out the buffer. */
  #writeChunk(last = false): void {
    const io = this.#io;
    if (this.#used === 0) return;
    // What made the chunk's text is garbage now: a hint to collectors that would let it pile up.
    // (Elements written as bytes leave none: in Bun the hint costs a 100,000-route listing 0.07 s.)
    if (this.#madeText) collectSoon();
    this.#madeText = false;
    if (io.writeBytes) {
      io.writeBytes(this.#chunk.subarray(0, this.#used));
      this.#used = 0;
      return;
    }
    const text = decoder.decode(this.#chunk.subarray(0, this.#used));
    this.#used = 0;
    // Without writeBytes: a JSON array's parts through write() (one line) where the output can, else a line each.
    if (!this.#json) io.out(text.slice(0, -1));
    else if (!last && io.write) io.write(text);
    else io.out(text);
  }
}
