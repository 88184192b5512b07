/**
 * Rates, sizes and times in `tc`'s words (iproute2's `get_rate64`,
 * `get_size`, `get_time`, `sprint_rate`, `sprint_size`). Rates are bytes
 * per second, as the kernel keeps them; a bare rate number is bits per
 * second, as `tc` reads it.
 *
 * @module
 */

const RATE_SUFFIXES: [string, number][] = [
  ["bit", 1],
  ["kibit", 1024],
  ["kbit", 1000],
  ["mibit", 1024 * 1024],
  ["mbit", 1e6],
  ["gibit", 1024 * 1024 * 1024],
  ["gbit", 1e9],
  ["tibit", 1024 ** 4],
  ["tbit", 1e12],
  ["bps", 8],
  ["kibps", 8 * 1024],
  ["kbps", 8000],
  ["mibps", 8 * 1024 * 1024],
  ["mbps", 8e6],
  ["gibps", 8 * 1024 ** 3],
  ["gbps", 8e9],
  ["tibps", 8 * 1024 ** 4],
  ["tbps", 8e12],
];

/** A leading decimal number as C's `strtod` reads it, and the rest. */
function number(text: string): [number, string] | undefined {
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(.*)$/i.exec(text);
  return m ? [Number(m[1]), m[2]] : undefined;
}

/**
 * A rate as `tc` reads it (`10mbit`, `1gbit`, `100kbps` = 100,000 bytes/s,
 * a bare number = bits/s; suffixes in any case), in bytes per second.
 *
 * @example
 * ```ts
 * import { parseRate } from "@nlts/netlink/tc";
 * parseRate("10mbit"); // 1250000
 * parseRate("1kbps"); // 1000
 * ```
 */
export function parseRate(text: string): number {
  const found = number(text);
  if (!found) throw new TypeError(`${JSON.stringify(text)} is not a rate (write 10mbit, 1gbit, 100kbps…)`);
  let [bits, rest] = found;
  if (rest) {
    const suffix = RATE_SUFFIXES.find(([name]) => name === rest.toLowerCase());
    if (!suffix) throw new TypeError(`${JSON.stringify(text)}: unknown rate unit ${JSON.stringify(rest)}`);
    bits *= suffix[1];
  }
  const bytes = Math.trunc(bits / 8);
  if (!(bytes >= 0) || !Number.isSafeInteger(bytes)) throw new TypeError(`${JSON.stringify(text)} is out of range`);
  return bytes;
}

/**
 * A size as `tc` reads it (`1600`, `15k`, `32kb`, `1m`, `1mbit` = 131072
 * bytes), in bytes.
 *
 * @example
 * ```ts
 * import { parseSize } from "@nlts/netlink/tc";
 * parseSize("15k"); // 15360
 * ```
 */
export function parseSize(text: string): number {
  const found = number(text);
  if (!found) throw new TypeError(`${JSON.stringify(text)} is not a size (write 1600, 15k, 1mb…)`);
  let [size, rest] = found;
  const unit = rest.toLowerCase();
  if (unit === "kb" || unit === "k") size *= 1024;
  else if (unit === "gb" || unit === "g") size *= 1024 * 1024 * 1024;
  else if (unit === "gbit") size *= 1024 * 1024 * 1024 / 8;
  else if (unit === "mb" || unit === "m") size *= 1024 * 1024;
  else if (unit === "mbit") size *= 1024 * 1024 / 8;
  else if (unit === "kbit") size *= 1024 / 8;
  else if (unit !== "" && unit !== "b") {
    throw new TypeError(`${JSON.stringify(text)}: unknown size unit ${JSON.stringify(rest)}`);
  }
  const bytes = Math.trunc(size);
  if (!(bytes >= 0) || bytes > 0xffffffff) throw new TypeError(`${JSON.stringify(text)} is out of range`);
  return bytes;
}

/**
 * A time as `tc` reads it (`400ms`, `1s`, `50us`, a bare number = µs), in
 * microseconds.
 *
 * @example
 * ```ts
 * import { parseTime } from "@nlts/netlink/tc";
 * parseTime("400ms"); // 400000
 * ```
 */
export function parseTime(text: string): number {
  const found = number(text);
  if (!found) throw new TypeError(`${JSON.stringify(text)} is not a time (write 400ms, 1s, 50us)`);
  let [t, rest] = found;
  const unit = rest.toLowerCase();
  if (["s", "sec", "secs"].includes(unit)) t *= 1e6;
  else if (["ms", "msec", "msecs"].includes(unit)) t *= 1e3;
  else if (unit !== "" && !["us", "usec", "usecs"].includes(unit)) {
    throw new TypeError(`${JSON.stringify(text)}: unknown time unit ${JSON.stringify(rest)}`);
  }
  const us = Math.trunc(t);
  if (!(us >= 0) || us > 0xffffffff) throw new TypeError(`${JSON.stringify(text)} is out of range`);
  return us;
}

/**
 * A rate in bytes per second as `tc` prints it (`10Mbit`, `1500Kbit`).
 *
 * @example
 * ```ts
 * import { formatRate } from "@nlts/netlink/tc";
 * formatRate(1250000); // "10Mbit"
 * ```
 */
export function formatRate(bytesPerSecond: number): string {
  let rate = bytesPerSecond * 8;
  const units = ["", "K", "M", "G", "T"];
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (rate < 1000) break;
    if (rate % 1000 !== 0 && rate < 1000 * 1000) break;
    rate /= 1000;
  }
  return `${Math.round(rate)}${units[i]}bit`;
}

/**
 * A size in bytes as `tc` prints it (`1600b`, `15Kb`, `2Mb`).
 *
 * @example
 * ```ts
 * import { formatSize } from "@nlts/netlink/tc";
 * formatSize(15360); // "15Kb"
 * ```
 */
export function formatSize(bytes: number): string {
  const mb = Math.round(bytes / (1024 * 1024)), kb = Math.round(bytes / 1024);
  if (bytes >= 1024 * 1024 && Math.abs(1024 * 1024 * mb - bytes) < 1024) return `${mb}Mb`;
  if (bytes >= 1024 && Math.abs(1024 * kb - bytes) < 16) return `${kb}Kb`;
  return `${bytes}b`;
}

/** Microseconds per psched tick: the kernel's ticks are 64 ns (`/proc/net/psched`: 3e8 40). */
export const TICK_IN_USEC = 1000 / 64;

/** `tc_calc_xmittime`: ticks to send `size` bytes at `rate` bytes/s (µs truncated first, as iproute2 does). */
export function xmitTime(rate: number, size: number): number {
  if (rate === 0) return 0;
  const us = Math.trunc(1e6 * (size / rate)) >>> 0;
  return Math.min(Math.trunc(us * TICK_IN_USEC), 0xffffffff);
}

/** `tc_calc_xmitsize`: bytes sent at `rate` bytes/s in `ticks` (inverse of {@link xmitTime}). */
export function xmitSize(rate: number, ticks: number): number {
  return Math.trunc((rate * Math.trunc(ticks / TICK_IN_USEC)) / 1e6);
}
