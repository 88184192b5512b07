/**
 * The decode of links and addresses alone, without the kernel in the loop:
 * 1,000 links (veth pairs) and 10,000 addresses (as `bench/dump.ts` makes
 * them) are dumped once from a private namespace (`nlts-dsp-decode-<pid>`,
 * removed right after), their messages kept in one buffer each (payloads
 * are views into it, as they are into a datagram), and each round then
 * times, interleaved and in rotating order:
 *
 * - `walk`: every attribute header of every message walked and checked
 *   (what `bench/dump.ts`'s raw contender does beyond receiving);
 * - `decode`: `decodeLink` / `decodeAddress` of every message (objects not
 *   kept);
 * - `json`: `JSON.stringify` of the objects of one decode (made outside the
 *   timing);
 * - `step`: what `listLinks` / `listAddresses` add to `listLinkBatches` /
 *   `listAddressBatches` beyond the decode: the objects of one decode, in
 *   batches of up to 32 KiB of messages as datagrams bring them, taken one
 *   `for await` step each through the same `eachOf` (`src/socket/batches.ts`).
 *
 * Each contender runs over the list enough times for 100,000 objects a
 * round (20,000 for `json`). Reported: min / median / max ns per object.
 *
 * Usage:
 *   deno run -A bench/decode.ts [links=1000] [addresses=10000] [rounds=25]
 *   bun bench/decode.ts …
 *   node --disable-warning=ExperimentalWarning bench/decode.ts …
 *
 * For instruction counts (load-independent, `valgrind --tool=callgrind`):
 * `--passes N` skips the rounds and decodes each list N times after 20
 * warm-up passes; with `--callgrind` it turns callgrind's instrumentation on
 * for those N passes only (`callgrind_control --instr=on`), so that the
 * count valgrind prints at the end ("Collected") is theirs, e.g.
 *   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/decode.cg \
 *     node --disable-warning=ExperimentalWarning bench/decode.ts 1000 0 --passes 10 --callgrind
 * (divide by N × the number of objects; `callgrind_annotate` names the
 * runtime's own functions, not JIT code).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { Flags, MessageWriter, type NetlinkMessage, NetlinkSocket } from "../mod.ts";
import { decodeAddress } from "../src/route/address.ts";
import { decodeLink } from "../src/route/link.ts";
import { eachOf } from "../src/socket/batches.ts";
import { args, median, report, runtime, spread, walkAttributes } from "./common.ts";

const passesAt = args.indexOf("--passes");
const passes = passesAt >= 0 ? Number(args[passesAt + 1]) : 0;
const callgrind = args.includes("--callgrind");
const positional = args.filter((a, i) =>
  a !== "--callgrind" && (passesAt < 0 || (i !== passesAt && i !== passesAt + 1))
);
const links = Number(positional[0] ?? 1000);
const addresses = Number(positional[1] ?? 10_000);
const rounds = Number(positional[2] ?? 25);

function ipBatch(ns: string, lines: string[]): void {
  const r = spawnSync("ip", ["-n", ns, "-batch", "-"], { input: lines.join("\n") + "\n", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}`);
}

/** The `type` messages a dump of `request` returns, their payloads views of one buffer. */
async function capture(sock: NetlinkSocket, request: Uint8Array, type: number): Promise<NetlinkMessage[]> {
  const payloads: Uint8Array[] = [];
  for await (const batch of sock.dumpBatches(request)) {
    for (const msg of batch) if (msg.type === type) payloads.push(msg.payload.slice());
  }
  const all = new Uint8Array(payloads.reduce((n, p) => n + p.length, 0));
  const out: NetlinkMessage[] = [];
  let at = 0;
  for (const p of payloads) {
    all.set(p, at);
    out.push({ type, flags: Flags.MULTI, seq: 1, pid: 0, payload: all.subarray(at, at + p.length) });
    at += p.length;
  }
  return out;
}

function dumpRequest(type: number, header: number): Uint8Array {
  const m = new MessageWriter(type, Flags.DUMP);
  m.struct(header);
  return m.finish();
}

const ns = `nlts-dsp-decode-${process.pid}`;
execFileSync("ip", ["netns", "add", ns]);
let linkMessages: NetlinkMessage[], addressMessages: NetlinkMessage[];
try {
  const veth: string[] = [];
  for (let i = 0; i < links / 2; i++) veth.push(`link add va${i} type veth peer name vb${i}`);
  if (addresses > 0) veth.push("link add b0 type veth peer name b1", "link set b0 up", "link set b1 up");
  ipBatch(ns, veth);
  const addrs: string[] = [];
  for (let i = 0; i < addresses; i++) {
    addrs.push(`addr add 172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}/32 dev b0`);
  }
  if (addrs.length) ipBatch(ns, addrs);
  await using sock = await NetlinkSocket.open("route", { netns: ns });
  linkMessages = links > 0 ? await capture(sock, dumpRequest(18, 16), 16) : [];
  addressMessages = addresses > 0 ? await capture(sock, dumpRequest(22, 8), 20) : [];
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}

const workloads = [
  { tag: "links", messages: linkMessages, header: 16, decode: decodeLink as (m: NetlinkMessage) => object },
  { tag: "addresses", messages: addressMessages, header: 8, decode: decodeAddress as (m: NetlinkMessage) => object },
].filter((w) => w.messages.length > 0);

let sink = 0;
for (const w of workloads) {
  const { messages, decode, header } = w;
  if (passes > 0) {
    // Instruction counts: warm-up passes, then `passes` passes with callgrind's instrumentation on.
    for (let k = 0; k < 20; k++) for (const m of messages) sink += (decode(m) as { index: number }).index & 1;
    if (callgrind) spawnSync("callgrind_control", ["--instr=on", String(process.pid)], { stdio: "ignore" });
    for (let k = 0; k < passes; k++) for (const m of messages) sink += (decode(m) as { index: number }).index & 1;
    if (callgrind) spawnSync("callgrind_control", ["--instr=off", String(process.pid)], { stdio: "ignore" });
    console.log(`${runtime} ${messages.length} ${w.tag}: ${passes} passes after a warm-up`);
    continue;
  }
  const objects = messages.map(decode);
  const reps = Math.max(1, Math.ceil(100_000 / messages.length));
  const jsonReps = Math.max(1, Math.ceil(20_000 / messages.length));
  // The objects in datagram-sized batches, for `step`.
  const batches: object[][] = [[]];
  let bytes = 0;
  for (let i = 0; i < objects.length; i++) {
    bytes += 16 + messages[i].payload.length;
    if (bytes > 32768) {
      batches.push([]);
      bytes = 16 + messages[i].payload.length;
    }
    batches[batches.length - 1].push(objects[i]);
  }
  const inBatches = async function* (): AsyncGenerator<object[], void, undefined> {
    for (const batch of batches) yield batch;
  };
  const contenders: [string, () => number | Promise<number>][] = [
    ["walk", () => {
      for (let k = 0; k < reps; k++) for (const m of messages) sink += walkAttributes(m.payload, header);
      return reps * messages.length;
    }],
    ["decode", () => {
      for (let k = 0; k < reps; k++) for (const m of messages) sink += (decode(m) as { index: number }).index & 1;
      return reps * messages.length;
    }],
    ["json", () => {
      for (let k = 0; k < jsonReps; k++) for (const o of objects) sink += JSON.stringify(o).length;
      return jsonReps * objects.length;
    }],
    ["step", async () => {
      for (let k = 0; k < reps; k++) {
        for await (const o of eachOf(inBatches())) sink += (o as { index: number }).index & 1;
      }
      return reps * objects.length;
    }],
  ];
  const times: Record<string, number[]> = { walk: [], decode: [], json: [], step: [] };
  for (const [, fn] of contenders) await fn(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const [name, fn] = contenders[(r + k) % contenders.length];
      const t = performance.now();
      const n = await fn();
      times[name].push(((performance.now() - t) * 1e6) / n);
    }
  }
  const load = spawnSync("cat", ["/proc/loadavg"]).stdout.toString().split(" ").slice(0, 3).join(" ");
  report(
    `${runtime} decode ${messages.length} ${w.tag}, ${rounds} rounds, min / median / max ns per object: ` +
      `walk ${spread(times.walk, 0)}, decode ${spread(times.decode, 0)}, for-await step ${spread(times.step, 0)}, ` +
      `JSON.stringify ${spread(times.json, 0)} (decode median ${median(times.decode).toFixed(0)} ns; load ${load})`,
  );
}
if (sink === 0.5) console.log("");
