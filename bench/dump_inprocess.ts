/**
 * The decode's share of a dump, without `ip` and its process: for routes,
 * addresses and links (made as in `bench/dump.ts`, in a private namespace),
 *
 * - "raw" (`sock.dumpBatches`, every attribute header walked, nothing
 *   decoded) and "batches" (`listRouteBatches`…) interleaved `rounds` times,
 *   order alternating: min / median of each, ratio of the minima and median
 *   of the per-round ratios;
 * - "decode": the messages of one dump kept, then decoded in a loop (at
 *   least 100,000 decodes per round, 30 rounds): ns per decode, min / median.
 *
 * Usage:
 *   deno run -A bench/dump_inprocess.ts [routes=100000] [addresses=10000] [links=1000] [rounds=40]
 *   bun bench/dump_inprocess.ts …
 *   node --disable-warning=ExperimentalWarning bench/dump_inprocess.ts …
 */
import { Flags, MessageWriter, type NetlinkMessage, NetlinkSocket } from "../mod.ts";
import { decodeRoute, encodeGetRoutes, listRouteBatches } from "../src/route/route.ts";
import { decodeAddress, listAddressBatches } from "../src/route/address.ts";
import { decodeLink, listLinkBatches } from "../src/route/link.ts";
import {
  addAddresses,
  addLinks,
  addRoutes,
  args,
  makeNetns,
  median,
  report,
  runtime,
  walkAttributes,
} from "./common.ts";

const counts = [Number(args[0] ?? 100_000), Number(args[1] ?? 10_000), Number(args[2] ?? 1_000)];
const rounds = Number(args[3] ?? 40);

function dumpRequest(type: number, header: number): Uint8Array {
  const m = new MessageWriter(type, Flags.DUMP);
  m.struct(header);
  return m.finish();
}

const workloads = [
  {
    tag: "routes",
    setup: addRoutes,
    request: encodeGetRoutes({ table: "all" }),
    type: 24,
    header: 12,
    batches: (sock: NetlinkSocket) => listRouteBatches(sock, { table: "all" }),
    decode: decodeRoute,
  },
  {
    tag: "addresses",
    setup: addAddresses,
    request: dumpRequest(22, 8),
    type: 20,
    header: 8,
    batches: (sock: NetlinkSocket) => listAddressBatches(sock),
    decode: decodeAddress,
  },
  {
    tag: "links",
    setup: addLinks,
    request: dumpRequest(18, 16),
    type: 16,
    header: 16,
    batches: (sock: NetlinkSocket) => listLinkBatches(sock),
    decode: decodeLink,
  },
];

const min = (xs: number[]) => Math.min(...xs);

for (const [i, w] of workloads.entries()) {
  if (counts[i] <= 0) continue;
  const { ns, remove } = makeNetns(`ip-${w.tag}`);
  try {
    w.setup(ns, counts[i]);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const messages: NetlinkMessage[] = [];
    const raw = async () => {
      messages.length = 0;
      for await (const batch of sock.dumpBatches(w.request)) {
        for (const m of batch) {
          if (m.type !== w.type) continue;
          walkAttributes(m.payload, w.header);
          messages.push(m);
        }
      }
    };
    const batches = async () => {
      let n = 0;
      for await (const objects of w.batches(sock)) n += objects.length;
      return n;
    };
    await raw();
    await batches();
    const times = { raw: [] as number[], batches: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const order: ["raw" | "batches", () => Promise<unknown>][] = r % 2
        ? [["raw", raw], ["batches", batches]]
        : [["batches", batches], ["raw", raw]];
      for (const [name, fn] of order) {
        const t = performance.now();
        await fn();
        times[name].push(performance.now() - t);
      }
    }
    const ratios = times.batches.map((t, k) => t / times.raw[k]);
    const perDecode: number[] = [];
    const reps = Math.max(1, Math.ceil(100_000 / messages.length));
    for (let r = 0; r < 30; r++) {
      const t = performance.now();
      for (let k = 0; k < reps; k++) for (const m of messages) w.decode(m);
      perDecode.push(((performance.now() - t) * 1e6) / (reps * messages.length));
    }
    report(
      `${runtime} ${messages.length} ${w.tag}, ${rounds} interleaved rounds, min / median ms: raw ${
        min(times.raw).toFixed(2)
      } / ${median(times.raw).toFixed(2)}, batches ${min(times.batches).toFixed(2)} / ${
        median(times.batches).toFixed(2)
      }; batches/raw of the minima ${(min(times.batches) / min(times.raw)).toFixed(2)}, median per round ${
        median(ratios).toFixed(2)
      }; decode alone ${min(perDecode).toFixed(0)} / ${median(perDecode).toFixed(0)} ns each`,
    );
  } finally {
    remove();
  }
}
