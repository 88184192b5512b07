/**
 * The schema decoders against the hand-written ones they replaced, on the
 * same kernel messages: each workload is dumped once from a private
 * namespace (100,000 routes, 10,000 addresses, 1,000 links by default), the
 * messages are kept, and each round decodes all of them with each contender
 * (order rotating per round; at least 100,000 decodes per round, the list
 * repeated), timed in-process around the decode loop only.
 * The two are checked to give deep-equal objects first. Reported: min /
 * median / max of each time, and of the ratio schema ÷ hand taken per round.
 *
 * Usage:
 *   deno run -A bench/decode_ab.ts [routes=100000] [addresses=10000] [links=1000] [rounds=15]
 *   bun bench/decode_ab.ts …
 */
import { deepStrictEqual } from "node:assert/strict";
import { Flags, MessageWriter, type NetlinkMessage, NetlinkSocket } from "../mod.ts";
import { decodeRoute, encodeGetRoutes } from "../src/route/route.ts";
import { rtmName } from "../src/route/constants.ts";
import { decodeRouteHand } from "./hand/route.ts";
import { decodeAddressHand } from "./hand/address.ts";
import { decodeAddress } from "../src/route/address.ts";
import { decodeLinkHand } from "./hand/link.ts";
import { decodeLink } from "../src/route/link.ts";
import { addAddresses, addLinks, addRoutes, args, makeNetns, median, report, runtime, spread } from "./common.ts";

const routes = Number(args[0] ?? 100_000);
const addresses = Number(args[1] ?? 10_000);
const links = Number(args[2] ?? 1_000);
const rounds = Number(args[3] ?? 15);

interface Workload {
  tag: string;
  count: number;
  setup(ns: string): void;
  request: Uint8Array;
  type: number;
  contenders: [string, (m: NetlinkMessage) => unknown][];
}

function dumpRequest(type: number, header: number): Uint8Array {
  const m = new MessageWriter(type, Flags.DUMP);
  m.struct(header);
  return m.finish();
}

const workloads: Workload[] = [
  {
    tag: "routes",
    count: routes,
    setup: (ns) => addRoutes(ns, routes),
    request: encodeGetRoutes({ table: "all" }),
    type: 24,
    contenders: [["hand", decodeRouteHand], ["schema", decodeRoute]],
  },
  {
    tag: "addresses",
    count: addresses,
    setup: (ns) => addAddresses(ns, addresses),
    request: dumpRequest(22, 8),
    type: 20,
    contenders: [["hand", decodeAddressHand], ["schema", decodeAddress]],
  },
  {
    tag: "links",
    count: links,
    setup: (ns) => addLinks(ns, links),
    request: dumpRequest(18, 16),
    type: 16,
    contenders: [["hand", decodeLinkHand], ["schema", decodeLink]],
  },
];

for (const w of workloads) {
  if (w.count <= 0) continue;
  const { ns, remove } = makeNetns(`ab${w.tag}`);
  try {
    w.setup(ns);
    const messages: NetlinkMessage[] = [];
    {
      await using sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
      for await (const m of sock.dump(w.request)) if (m.type === w.type) messages.push(m);
    }
    // The same objects, but for the two flag fields schema `unknown` entries carry (`Attr`) and the hand ones did not.
    const plain = (x: unknown) => {
      const o = x as { unknown?: { type: number; value: Uint8Array }[] };
      return o.unknown ? { ...o, unknown: o.unknown.map(({ type, value }) => ({ type, value })) } : o;
    };
    for (const m of messages) deepStrictEqual(plain(w.contenders[1][1](m)), plain(w.contenders[0][1](m)));
    // Each round decodes at least 100,000 messages (the list again and again).
    const reps = Math.max(1, Math.ceil(100_000 / messages.length));
    const times: number[][] = w.contenders.map(() => []);
    let sink = 0;
    for (let i = -2; i < rounds; i++) { // two warm-up rounds
      for (let k = 0; k < w.contenders.length; k++) {
        const c = (i + 2 + k) % w.contenders.length;
        const decode = w.contenders[c][1];
        const t = performance.now();
        for (let r = 0; r < reps; r++) for (const m of messages) if (decode(m)) sink++;
        if (i >= 0) times[c].push(performance.now() - t);
      }
    }
    const ratio = times[1].map((t, i) => t / times[0][i]);
    report(
      `${runtime} decode ${messages.length} ${w.tag} × ${reps} (${
        sink > 0 ? rounds : 0
      } rounds), min / median / max ms: ` +
        w.contenders.map(([name], c) => `${name} ${spread(times[c], 1)}`).join(", ") +
        `; per round ${w.contenders[1][0]}/${w.contenders[0][0]} ${spread(ratio, 2)} (median ${
          median(ratio).toFixed(2)
        })`,
    );
  } finally {
    remove();
  }
}
