/**
 * `nlts decode FILE.pcap`: a netlink capture (nlmon's `LINKTYPE_NETLINK`,
 * as `--pcap` writes it, or as `tcpdump -i nlmon0 -w` does) printed one
 * message a line, in `--trace`'s words.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { rtmName } from "../route/constants.ts";
import { splitTraced, traceLogger } from "../socket/trace.ts";
import type { TraceEvent } from "../socket/socket.ts";
import { UsageError } from "./args.ts";
import { CliError } from "./context.ts";
import type { Command } from "./route.ts";

/** One record of a capture. */
export interface CaptureRecord {
  /** Seconds since the epoch (with microseconds). */
  time: number;
  /** The datagram as the trace option reports it (`peer` and `group` are not in the capture: 0). */
  event: TraceEvent;
}

/**
 * The records of a pcap file of link type 253 (either byte order,
 * microsecond or nanosecond stamps). Records cut short by the snapshot
 * length are given as far as they were kept.
 *
 * @example
 * ```ts
 * import { readCapture } from "./decode.ts";
 * import { readFileSync } from "node:fs";
 * for (const r of readCapture(readFileSync("/tmp/rt.pcap"))) console.log(r.event.direction, r.event.bytes.length);
 * ```
 */
export function readCapture(file: Uint8Array): CaptureRecord[] {
  if (file.length < 24) throw new CliError("not a pcap file (shorter than its header)");
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, true);
  const known: Record<number, [boolean, number]> = {
    0xa1b2c3d4: [true, 1e6],
    0xd4c3b2a1: [false, 1e6],
    0xa1b23c4d: [true, 1e9],
    0x4d3cb2a1: [false, 1e9],
  };
  const format = known[magic];
  if (!format) throw new CliError(`not a pcap file (magic 0x${magic.toString(16)}; pcapng is not read)`);
  const [le, fraction] = format;
  const linktype = dv.getUint32(20, le) & 0x0fffffff;
  if (linktype !== 253) throw new CliError(`the capture's link type is ${linktype}, not LINKTYPE_NETLINK (253)`);
  const out: CaptureRecord[] = [];
  for (let at = 24; at + 16 <= file.length;) {
    const time = dv.getUint32(at, le) + dv.getUint32(at + 4, le) / fraction;
    const kept = dv.getUint32(at + 8, le);
    const start = at + 16;
    if (start + kept > file.length) throw new CliError(`the capture ends inside record ${out.length + 1}`);
    at = start + kept;
    if (kept < 16) continue; // no room for the cooked header
    const packetType = dv.getUint16(start);
    out.push({
      time,
      event: {
        direction: packetType === 4 ? "send" : "receive",
        protocol: dv.getUint16(start + 14),
        bytes: file.subarray(start + 16, start + kept),
        peer: 0,
        group: 0,
      },
    });
  }
  return out;
}

/** `decode`. */
export const decode: Command = {
  usage: "decode FILE.pcap",
  description: "Print a netlink capture (LINKTYPE_NETLINK, as --pcap or an nlmon device writes it) one message " +
    "a line, as --trace prints them; with -j one JSON object a message.",
  options: [],
  run(ctx, positionals) {
    if (positionals.length !== 1) throw new UsageError("decode: needs one FILE");
    let file: Uint8Array;
    try {
      file = readFileSync(positionals[0]);
    } catch (error) {
      throw new CliError(`cannot read ${positionals[0]}: ${(error as Error).message}`);
    }
    const route = traceLogger((line) => ctx.io.out(line), rtmName);
    const other = traceLogger((line) => ctx.io.out(line));
    for (const { time, event } of readCapture(file)) {
      if (!ctx.json) {
        (event.protocol === 0 ? route : other)(event);
        continue;
      }
      for (const m of splitTraced(event, event.protocol === 0 ? rtmName : undefined)) {
        const { bytes: _bytes, ...fields } = m;
        ctx.io.out(JSON.stringify({ time, ...fields }));
      }
    }
    return Promise.resolve();
  },
};
