/**
 * `nlts top`: the links of the namespace with their receive and transmit
 * rates, from the differences of their 64-bit counters between two dumps.
 * On a terminal the table is redrawn in place; otherwise (a pipe, a file)
 * each sample is printed after the last, and with `-j` each sample is one
 * JSON line.
 *
 * @module
 */
import process from "node:process";
import { RouteClient } from "../route/client.ts";
import type { Link } from "../route/link.ts";
import { seconds, UsageError } from "./args.ts";
import { stopSignal } from "./context.ts";
import type { Cell } from "./format.ts";
import { table } from "./format.ts";
import type { Command } from "./route.ts";

/** One link in one sample. */
export interface LinkRate {
  /** Interface name. */
  ifname: string;
  /** Interface index. */
  ifindex: number;
  /** Operational state, as ip prints it. */
  operstate?: string;
  /** Bytes received so far. */
  rxBytes: number;
  /** Bytes sent so far. */
  txBytes: number;
  /** Packets received so far. */
  rxPackets: number;
  /** Packets sent so far. */
  txPackets: number;
  /** Bytes received per second over the last interval (absent in the first sample). */
  rxBytesPerSecond?: number;
  /** Bytes sent per second over the last interval. */
  txBytesPerSecond?: number;
  /** Packets received per second over the last interval. */
  rxPacketsPerSecond?: number;
  /** Packets sent per second over the last interval. */
  txPacketsPerSecond?: number;
}

interface Counters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

function counters(l: Link): Counters {
  const s = l.stats64 as Record<string, number | bigint> | undefined;
  const n = (v: number | bigint | undefined) => Number(v ?? 0);
  return { rxBytes: n(s?.rxBytes), txBytes: n(s?.txBytes), rxPackets: n(s?.rxPackets), txPackets: n(s?.txPackets) };
}

/**
 * The rates of `links` against the counters of the previous sample, taken
 * `elapsed` seconds earlier (a link new since then, or whose counters went
 * back, has no rate).
 *
 * @example
 * ```ts
 * import { linkRates } from "./top.ts";
 * const before = new Map([[1, { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0 }]]);
 * // linkRates(links, before, 1)
 * ```
 */
export function linkRates(links: readonly Link[], before: Map<number, Counters>, elapsed: number): LinkRate[] {
  return links.map((l) => {
    const now = counters(l);
    const out: LinkRate = { ifname: l.name, ifindex: l.index, operstate: l.operstate?.toUpperCase(), ...now };
    const prev = before.get(l.index);
    if (prev && elapsed > 0 && now.rxBytes >= prev.rxBytes && now.txBytes >= prev.txBytes) {
      out.rxBytesPerSecond = (now.rxBytes - prev.rxBytes) / elapsed;
      out.txBytesPerSecond = (now.txBytes - prev.txBytes) / elapsed;
      out.rxPacketsPerSecond = (now.rxPackets - prev.rxPackets) / elapsed;
      out.txPacketsPerSecond = (now.txPackets - prev.txPackets) / elapsed;
    }
    before.set(l.index, now);
    return out;
  });
}

function rate(bytesPerSecond: number | undefined): string | undefined {
  if (bytesPerSecond === undefined) return undefined;
  const bits = bytesPerSecond * 8;
  if (bits >= 1e9) return `${(bits / 1e9).toFixed(2)} Gbit/s`;
  if (bits >= 1e6) return `${(bits / 1e6).toFixed(2)} Mbit/s`;
  if (bits >= 1e3) return `${(bits / 1e3).toFixed(1)} kbit/s`;
  return `${Math.round(bits)} bit/s`;
}

function row(r: LinkRate): Cell[] {
  const pps = (x: number | undefined) => (x === undefined ? undefined : x.toFixed(1));
  return [
    r.ifname,
    r.operstate,
    rate(r.rxBytesPerSecond),
    pps(r.rxPacketsPerSecond),
    rate(r.txBytesPerSecond),
    pps(r.txPacketsPerSecond),
    r.rxBytes,
    r.txBytes,
  ];
}
const HEADERS = ["name", "state", "rx", "rx-pps", "tx", "tx-pps", "rx-bytes", "tx-bytes"];

/** `top`. */
export const top: Command = {
  usage: "top [--interval SECONDS] [--for SECONDS]",
  description: "Links with their receive and transmit rates, from their counters, every --interval seconds " +
    "(default 1) until Ctrl-C: redrawn in place on a terminal, one table (or with -j one JSON line) per sample " +
    "otherwise.",
  options: [
    { names: ["--interval", "-i"], key: "interval", value: "SECONDS", help: "time between samples (default 1)" },
    { names: ["--for"], key: "for", value: "SECONDS", help: "stop after SECONDS (default: until Ctrl-C)" },
  ],
  async run(ctx, positionals, options) {
    if (positionals.length) throw new UsageError(`top: unexpected ${JSON.stringify(positionals[0])}`);
    const interval = seconds(options, "interval") ?? 1;
    using stop = stopSignal(seconds(options, "for"));
    const tty = !ctx.json && process.stdout.isTTY === true;
    await using rt = await RouteClient.open({ netns: ctx.netns, trace: ctx.trace });
    const before = new Map<number, Counters>();
    let last = performance.now();
    for (let first = true; !stop.signal.aborted; first = false) {
      const links: Link[] = [];
      for await (const l of rt.links()) links.push(l);
      const now = performance.now();
      const rates = linkRates(links, before, first ? 0 : (now - last) / 1000);
      last = now;
      if (ctx.json) ctx.io.out(JSON.stringify({ time: new Date().toISOString(), links: rates }));
      else {
        const text = table(HEADERS, rates.map(row));
        // On a terminal: home, clear, then the table; else samples one after the other.
        ctx.io.out(tty ? `\x1b[H\x1b[2J${text}` : `${first ? "" : "\n"}${text}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval * 1000);
        stop.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  },
};
