/**
 * `decodeLink` of two or more checkouts of this repository (a base and a
 * variant, e.g. one made with `git archive` and one with a change or an
 * ablation), on the same kernel messages in one process, interleaved per
 * round in rotating order: what a change does to a link's decode in wall
 * time, where a runtime's instruction counts under valgrind do not tell (in
 * Bun they do not: see the Bun links section of `bench/RESULTS.md`).
 *
 * 1,000 links (500 veth pairs) are dumped once from a private namespace
 * (`nlts-bl-checkouts-<pid>`, removed right after), the messages kept in
 * one buffer; each round decodes all of them `reps` times with each
 * checkout. Reported per checkout: min / median ns per link and the median,
 * min and max of its time ÷ the first checkout's, taken per round.
 *
 * Usage:
 *   bun bench/decode_checkouts.ts [rounds=40] [reps=20] <dir> <dir> …
 *   deno run -A bench/decode_checkouts.ts …
 *   node --disable-warning=ExperimentalWarning bench/decode_checkouts.ts …
 * e.g. `git archive HEAD~1 | tar -x -C /tmp/base` and
 *   `bun bench/decode_checkouts.ts 40 20 /tmp/base .`
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Flags, MessageWriter, type NetlinkMessage, NetlinkSocket } from "../mod.ts";
import { addLinks, args, median, runtime } from "./common.ts";

const numbers = args.filter((a) => /^\d+$/.test(a));
const dirs = args.filter((a) => !/^\d+$/.test(a));
const rounds = Number(numbers[0] ?? 40);
const reps = Number(numbers[1] ?? 20);
if (dirs.length < 2) throw new Error("usage: decode_checkouts.ts [rounds] [reps] <dir> <dir> …");

type Decode = (m: NetlinkMessage) => { index: number };
const decoders: Decode[] = [];
for (const dir of dirs) {
  const module = await import(pathToFileURL(resolve(dir, "src/route/link.ts")).href);
  decoders.push(module.decodeLink as Decode);
}

const ns = `nlts-bl-checkouts-${process.pid}`;
execFileSync("ip", ["netns", "add", ns]);
const payloads: Uint8Array[] = [];
try {
  addLinks(ns, 1000);
  await using sock = await NetlinkSocket.open("route", { netns: ns });
  const request = new MessageWriter(18, Flags.DUMP);
  request.struct(16);
  for await (const batch of sock.dumpBatches(request.finish())) {
    for (const msg of batch) if (msg.type === 16) payloads.push(msg.payload.slice());
  }
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
const all = new Uint8Array(payloads.reduce((n, p) => n + p.length, 0));
const messages: NetlinkMessage[] = [];
let offset = 0;
for (const p of payloads) {
  all.set(p, offset);
  messages.push({ type: 16, flags: Flags.MULTI, seq: 1, pid: 0, payload: all.subarray(offset, offset + p.length) });
  offset += p.length;
}

let sink = 0;
const times: number[][] = decoders.map(() => []);
for (let round = -3; round < rounds; round++) {
  for (let k = 0; k < decoders.length; k++) {
    const i = (k + round + 3) % decoders.length, decode = decoders[i];
    const t0 = performance.now();
    for (let q = 0; q < reps; q++) for (const m of messages) sink += decode(m).index & 1;
    if (round >= 0) times[i].push((performance.now() - t0) * 1e6 / (reps * messages.length));
  }
}
for (let i = 0; i < dirs.length; i++) {
  const ratios = times[i].map((t, round) => t / times[0][round]);
  console.log(
    `${runtime} ${messages.length} links, ${rounds} rounds, ${dirs[i]}: ns per link min ${
      Math.min(...times[i]).toFixed(0)
    } / median ${median(times[i]).toFixed(0)}; ÷ ${dirs[0]} per round median ${median(ratios).toFixed(3)} (${
      Math.min(...ratios).toFixed(2)
    }–${Math.max(...ratios).toFixed(2)})`,
  );
}
if (sink < 0) console.log(sink);
