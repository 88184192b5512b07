/**
 * watch("route") under a routing daemon's kind of burst: N routes, then
 * every one replaced (`ip route replace`, NLM_F_REPLACE) with another
 * gateway, in one `ip -batch`. The kernel sends no delete for a replaced
 * route; the watcher removes it itself where that is unambiguous and
 * re-dumps where it is not (or where the notification may be older than its
 * view). This prints how many re-dumps and overruns the burst cost and when
 * the view equalled `ip -j` (by count and by gateways).
 * Works in `nlts-wch-bench-<pid>`, removed at the end.
 *   deno run -A bench/watch-replace.ts [routes]
 *   bun bench/watch-replace.ts [routes]
 */
import { execFileSync } from "node:child_process";
import { watch } from "../mod.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const routes = Number(args[0] ?? 20_000);
const runtime = "Deno" in globalThis ? "deno" : "bun";
const ns = `nlts-wch-bench-${process.pid}`;
const batch = (text: string) => execFileSync("ip", ["-n", ns, "-batch", "-"], { input: text, maxBuffer: 1 << 26 });
const kernel = (): { gateway?: string }[] =>
  JSON.parse(
    execFileSync("ip", ["-n", ns, "-j", "-4", "route", "show", "table", "all"], { maxBuffer: 1 << 28 })
      .toString(),
  );

execFileSync("ip", ["netns", "add", ns]);
try {
  batch(
    "link set lo up\nlink add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\naddr add 10.0.0.1/24 dev a0\n",
  );
  const dst = (i: number) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
  let add = "";
  for (let i = 0; i < routes; i++) add += `route add ${dst(i)} via 10.0.0.2\n`;
  batch(add);
  for (const rcvbuf of [undefined, 8 << 20]) {
    const w = watch("route", { netns: ns, family: "inet", rcvbuf });
    let snapshot!: () => void;
    const taken = new Promise<void>((r) => (snapshot = r));
    const reading = (async () => {
      for await (const e of w) if (e.type === "snapshot") snapshot();
    })();
    await taken;
    const before = { ...w.stats };
    for (const gw of ["10.0.0.3", "10.0.0.2"]) {
      let replace = "";
      for (let i = 0; i < routes; i++) replace += `route replace ${dst(i)} via ${gw}\n`;
      const t0 = performance.now();
      batch(replace); // blocks this process: the events pile up in the kernel
      const tBatch = performance.now();
      const all = kernel();
      const want = all.filter((r) => r.gateway === gw).length;
      const ours = () => [...w.view.values()].filter((r) => r.gateway === gw).length;
      const deadline = Date.now() + 30_000;
      while (ours() !== want || w.view.size !== all.length) {
        if (Date.now() > deadline) throw new Error(`view ${w.view.size}/${ours()}, ip -j ${all.length}/${want}`);
        await new Promise((r) => setTimeout(r, 1));
      }
      const t1 = performance.now();
      console.log(
        `${runtime} rcvbuf ${rcvbuf ?? "default"}: replace ${routes} routes via ${gw}: ip -batch ${
          (tBatch - t0).toFixed(0)
        } ms, view equal ${(t1 - tBatch).toFixed(0)} ms later; ${w.stats.events - before.events} events applied, ` +
          `${w.stats.overruns - before.overruns} overruns, ${w.stats.resyncs - before.resyncs} re-dumps so far`,
      );
    }
    await w.close();
    await reading;
  }
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
