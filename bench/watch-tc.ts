/**
 * watch("filter"): how long a filter watcher takes to catch up with a
 * `tc -batch` of N u32 filters, then with the deletion of their qdisc (one
 * notification for the qdisc, none for the N filters: the view drops them
 * itself), how many overruns and re-dumps that took, for a small and a large
 * receive buffer; and whether its view then equals `tc -j filter show` by
 * count. Works in `nlts-tcw-bench-<pid>`, removed at the end.
 *   deno run -A bench/watch-tc.ts [filters]
 *   bun bench/watch-tc.ts [filters]
 */
import { execFileSync } from "node:child_process";
import { watch } from "../mod.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const filters = Number(args[0] ?? 5_000);
const runtime = "Deno" in globalThis ? "deno" : "bun";
const ns = `nlts-tcw-bench-${process.pid}`;
const tcBatch = (text: string) => execFileSync("tc", ["-n", ns, "-batch", "-"], { input: text });
const kernelCount = () => {
  const out = execFileSync("tc", ["-n", ns, "-j", "filter", "show", "dev", "d0", "parent", "1:"], {
    maxBuffer: 1 << 28,
  }).toString().trim();
  return out ? JSON.parse(out).length : 0;
};

execFileSync("ip", ["netns", "add", ns]);
try {
  execFileSync("ip", ["-n", ns, "-batch", "-"], { input: "link add d0 type veth peer name e0\nlink set d0 up\n" });
  let add = "qdisc add dev d0 root handle 1: htb\n";
  for (let i = 0; i < filters; i++) {
    add += `filter add dev d0 parent 1: protocol ip prio ${(i % 10) + 1} u32 match ip dst 10.${i >> 16}.${
      (i >> 8) & 255
    }.${i & 255}/32\n`;
  }
  for (const rcvbuf of [4096, 32 << 20]) {
    const w = watch("filter", { netns: ns, rcvbuf });
    let snapshot!: () => void;
    const taken = new Promise<void>((r) => (snapshot = r));
    const reading = (async () => {
      for await (const e of w) if (e.type === "snapshot") snapshot();
    })();
    await taken;
    for (const [what, text] of [["add", add], ["delete the qdisc of", "qdisc del dev d0 root\n"]] as const) {
      const t0 = performance.now();
      tcBatch(text); // blocks this process: the events pile up in the kernel
      const tBatch = performance.now();
      const want = kernelCount();
      while (w.view.size !== want) await new Promise((r) => setTimeout(r, 1));
      const t1 = performance.now();
      console.log(
        `${runtime} rcvbuf ${String(rcvbuf).padStart(8)}: ${what} ${filters} filters: tc -batch ${
          ((tBatch - t0) / 1000).toFixed(2)
        } s, caught up ${((t1 - tBatch) / 1000).toFixed(2)} s later; view ${w.view.size} = tc -j ${want}; ` +
          `so far ${w.stats.events} events applied, ${w.stats.overruns} overruns, ${w.stats.resyncs} re-dumps`,
      );
    }
    await w.close();
    await reading;
  }
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
