/**
 * `decodeLink` (or `decodeAddress`) of two or more checkouts of this repository (a base and a
 * variant, e.g. one made with `git archive` and one with a change or an
 * ablation), on the same kernel messages in one process, interleaved per
 * round in rotating order: what a change does to a link's decode in wall
 * time, where a runtime's instruction counts under valgrind do not tell (in
 * Bun they do not: see the Bun links section of `bench/RESULTS.md`).
 *
 * 1,000 links (500 veth pairs), or 10,000 addresses with `addresses`, are
 * dumped once from a private namespace (`nlts-bl-checkouts-<pid>`, removed
 * right after), the messages kept in one buffer; each round decodes all of
 * them `reps` times with each checkout. Reported per checkout: min / median
 * ns per object and the median, min and max of its time ÷ the first
 * checkout's, taken per round.
 *
 * Usage:
 *   bun bench/decode_checkouts.ts [links|addresses] [rounds=40] [reps=20] <dir> <dir> …
 *   deno run -A bench/decode_checkouts.ts …
 *   node --disable-warning=ExperimentalWarning bench/decode_checkouts.ts …
 * e.g. `git archive HEAD~1 | tar -x -C /tmp/base` and
 *   `bun bench/decode_checkouts.ts 40 20 /tmp/base .`
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Flags, MessageWriter, type NetlinkMessage, NetlinkSocket } from "../mod.ts";
import { addAddresses, addLinks, args, median, runtime } from "./common.ts";

const kind = args[0] === "addresses" ? "addresses" : "links";
const rest = args[0] === "addresses" || args[0] === "links" ? args.slice(1) : args;
const numbers = rest.filter((a) => /^\d+$/.test(a));
const dirs = rest.filter((a) => !/^\d+$/.test(a));
const rounds = Number(numbers[0] ?? 40);
const reps = Number(numbers[1] ?? 20);
if (dirs.length < 2) throw new Error("usage: decode_checkouts.ts [rounds] [reps] <dir> <dir> …");

type Decode = (m: NetlinkMessage) => { index: number };
const decoders: Decode[] = [];
for (const dir of dirs) {
  const file = kind === "links" ? "src/route/link.ts" : "src/route/address.ts";
  const module = await import(pathToFileURL(resolve(dir, file)).href);
  decoders.push((kind === "links" ? module.decodeLink : module.decodeAddress) as Decode);
}
/** RTM_GETLINK or RTM_GETADDR, its header's size and the type of its answers. */
const [requestType, header, answer] = kind === "links" ? [18, 16, 16] : [22, 8, 20];

const ns = `nlts-bl-checkouts-${process.pid}`;
execFileSync("ip", ["netns", "add", ns]);
const payloads: Uint8Array[] = [];
try {
  if (kind === "links") addLinks(ns, 1000);
  else addAddresses(ns, 10000);
  await using sock = await NetlinkSocket.open("route", { netns: ns });
  const request = new MessageWriter(requestType, Flags.DUMP);
  request.struct(header);
  for await (const batch of sock.dumpBatches(request.finish())) {
    for (const msg of batch) if (msg.type === answer) payloads.push(msg.payload.slice());
  }
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
const all = new Uint8Array(payloads.reduce((n, p) => n + p.length, 0));
const messages: NetlinkMessage[] = [];
let offset = 0;
for (const p of payloads) {
  all.set(p, offset);
  messages.push({ type: answer, flags: Flags.MULTI, seq: 1, pid: 0, payload: all.subarray(offset, offset + p.length) });
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
    `${runtime} ${messages.length} ${kind}, ${rounds} rounds, ${dirs[i]}: ns per object min ${
      Math.min(...times[i]).toFixed(0)
    } / median ${median(times[i]).toFixed(0)}; ÷ ${dirs[0]} per round median ${median(ratios).toFixed(3)} (${
      Math.min(...ratios).toFixed(2)
    }–${Math.max(...ratios).toFixed(2)})`,
  );
}
if (sink < 0) console.log(sink);
