/**
 * watch("route") and carrier changes: N veths whose peers live in another
 * namespace, R routes through each; all peers are set down, then up, in
 * one `ip -batch`. The kernel flips `linkdown` on the routes without a route
 * notification, so the watcher re-dumps; this prints how many re-dumps each
 * burst cost, how many deltas it yielded, and how long the view took to
 * equal `ip -j` (by the number of linkdown routes).
 * Works in `nlts-wch-bench-<pid>` and `nlts-wch-bench-peer-<pid>`, removed at the end.
 *   deno run -A bench/watch-carrier.ts [links] [routes-per-link]
 *   bun bench/watch-carrier.ts [links] [routes-per-link]
 */
import { execFileSync } from "node:child_process";
import { type Route, watch, type WatchEvent } from "../mod.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const links = Number(args[0] ?? 100);
const perLink = Number(args[1] ?? 20);
const runtime = "Deno" in globalThis ? "deno" : "bun";
const ns = `nlts-wch-bench-${process.pid}`;
const peer = `nlts-wch-bench-peer-${process.pid}`;
const batch = (where: string, text: string) =>
  execFileSync("ip", ["-n", where, "-batch", "-"], { input: text, maxBuffer: 1 << 26 });
const linkdownInKernel = () =>
  ["-4"].map((f) =>
    JSON.parse(
      execFileSync("ip", ["-n", ns, "-j", f, "route", "show", "table", "all"], { maxBuffer: 1 << 28 }).toString(),
    ).filter((r: { flags: string[] }) => r.flags.includes("linkdown")).length
  ).reduce((a, b) => a + b);

execFileSync("ip", ["netns", "add", ns]);
execFileSync("ip", ["netns", "add", peer]);
try {
  let setup = "link set lo up\n", up = "", down = "";
  for (let i = 0; i < links; i++) {
    setup += `link add c${i} type veth peer name p${i} netns ${peer}\nlink set c${i} up\n` +
      `addr add 10.${i >> 8}.${i & 255}.1/24 dev c${i}\n`;
    for (let j = 0; j < perLink; j++) setup += `route add 172.${16 + (j >> 8)}.${j & 255}.${i & 255}/32 dev c${i}\n`;
    up += `link set p${i} up\n`;
    down += `link set p${i} down\n`;
  }
  batch(ns, setup);
  batch(peer, up);
  await new Promise((r) => setTimeout(r, 1500)); // let linkwatch settle the carriers
  const w = watch("route", { netns: ns, family: "inet" });
  const items: WatchEvent<Route>[] = [];
  const times: number[] = [];
  let snapshot!: () => void;
  const taken = new Promise<void>((r) => (snapshot = r));
  const reading = (async () => {
    for await (const e of w) {
      items.push(e);
      times.push(performance.now());
      if (e.type === "snapshot") snapshot();
    }
  })();
  await taken;
  const routes = w.view.size;
  for (const [what, text] of [["down", down], ["up", up]] as const) {
    const from = items.length;
    const resyncsBefore = w.stats.resyncs;
    const t0 = performance.now();
    batch(peer, text);
    const tBatch = performance.now();
    // linkwatch delivers carrier changes in batches, up to a second apart:
    // wait until the kernel's count is stable, then until the view agrees.
    let want = -1;
    for (let stable = 0; stable < 10;) {
      const now = linkdownInKernel();
      stable = now === want ? stable + 1 : 0;
      want = now;
      await new Promise((r) => setTimeout(r, 100));
    }
    const ours = () => [...w.view.values()].filter((r) => r.flags.includes("linkdown")).length;
    const deadline = Date.now() + 20_000;
    while (ours() !== want) {
      if (Date.now() > deadline) {
        throw new Error(`view has ${ours()} linkdown routes, ip -j ${want}; ${JSON.stringify(w.stats)}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const last = times[times.length - 1] - tBatch;
    const deltas = items.slice(from).filter((e) => e.type !== "resync").length;
    console.log(
      `${runtime} carrier ${what} of ${links} peers (${routes} IPv4 routes in view): ` +
        `${
          w.stats.resyncs - resyncsBefore
        } re-dumps, ${deltas} deltas; ${want} routes linkdown in ip -j and in the view ` +
        `(ip -batch ${(tBatch - t0).toFixed(0)} ms; last delta ${last.toFixed(0)} ms after it)`,
    );
  }
  await w.close();
  await reading;
} finally {
  execFileSync("ip", ["netns", "del", ns]);
  execFileSync("ip", ["netns", "del", peer]);
}
