/**
 * watch(): how long a route watcher takes to catch up with an `ip -batch`
 * storm, how many overruns and re-dumps that took, for a few receive
 * buffer sizes; and whether its view then equals `ip -j route show table all`
 * by count. Works in `nlts-rel-watch-<pid>`, removed at the end.
 *   deno run -A bench/watch.ts [routes]
 *   bun bench/watch.ts [routes]
 */
import { execFileSync } from "node:child_process";
import { watch } from "../mod.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const routes = Number(args[0] ?? 20_000);
const runtime = "Deno" in globalThis ? "deno" : "bun";
const ns = `nlts-rel-watch-${process.pid}`;
const ipBatch = (text: string) => execFileSync("ip", ["-n", ns, "-batch", "-"], { input: text });
const kernelCount = () =>
  JSON.parse(execFileSync("ip", ["-n", ns, "-j", "route", "show", "table", "all"], { maxBuffer: 1 << 28 }).toString())
    .length;

execFileSync("ip", ["netns", "add", ns]);
try {
  ipBatch("link set lo up\n");
  for (const rcvbuf of [4096, 65536, 1 << 20, 8 << 20]) {
    const w = watch("route", { netns: ns, rcvbuf });
    let events = 0;
    let snapshot!: () => void;
    const taken = new Promise<void>((r) => (snapshot = r));
    const reading = (async () => {
      for await (const e of w) {
        events++;
        if (e.type === "snapshot") snapshot();
      }
    })();
    await taken;
    let add = "", del = "";
    for (let i = 0; i < routes; i++) {
      const dst = `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
      add += `route add blackhole ${dst}\n`;
      del += `route del blackhole ${dst}\n`;
    }
    for (const [what, text] of [["add", add], ["delete", del]] as const) {
      const t0 = performance.now();
      ipBatch(text); // blocks this process: the events pile up in the kernel
      const tBatch = performance.now();
      const want = kernelCount();
      while (w.view.size !== want) await new Promise((r) => setTimeout(r, 1));
      const t1 = performance.now();
      console.log(
        `${runtime} rcvbuf ${String(rcvbuf).padStart(8)}: ${what} ${routes} routes: ip -batch ${
          ((tBatch - t0) / 1000).toFixed(2)
        } s, ` +
          `caught up ${((t1 - tBatch) / 1000).toFixed(2)} s later; view ${w.view.size} = ip -j ${want}; ` +
          `so far ${w.stats.events} events applied, ${w.stats.overruns} overruns, ${w.stats.resyncs} re-dumps, ${events} items`,
      );
    }
    await w.close();
    await reading;
  }
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
