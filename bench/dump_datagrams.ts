/**
 * The typed route dump read a datagram at a time in place
 * (`listRouteBatches`, on `NetlinkSocket.dumpDatagrams`) against the same
 * decoding on a message object per route (`dumpBatches` + `decodeRoute`,
 * what `listRouteBatches` did before), and the two socket paths with nothing
 * decoded, interleaved in one process: one round runs each once, in an order
 * that rotates, after a warm-up. Reports min / median / max ms of each and
 * the per-round ratios new ÷ old.
 *
 * Usage: deno run -A bench/dump_datagrams.ts [ROUTES=100000] [ROUNDS=9]   (or bun, node)
 */
import process from "node:process";
import { execFileSync } from "node:child_process";
import { NetlinkSocket } from "../src/socket/socket.ts";
import { decodeRoute, encodeGetRoutes, listRouteBatches, type Route } from "../src/route/route.ts";
import { RTM } from "../src/route/constants.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const routes = Number(args[0] ?? 100000);
const rounds = Number(args[1] ?? 9);
const ns = `nlts-dmm-bench-${process.pid}`;
const ip = (...a: string[]) => execFileSync("ip", a, { encoding: "utf8", maxBuffer: 1 << 28 });
ip("netns", "add", ns);
try {
  const lines = ["link add d0 type veth peer name d1", "link set d0 up"];
  for (let i = 0; i < routes; i++) {
    lines.push(`route add 172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 dev d0`);
  }
  execFileSync("ip", ["-n", ns, "-batch", "-"], { input: lines.join("\n") + "\n" });
  await using sock = await NetlinkSocket.open("route", { netns: ns });
  const request = encodeGetRoutes({ table: "all" });
  const contenders: Record<string, () => Promise<number>> = {
    "typed, datagrams (new)": async () => {
      let n = 0;
      for await (const batch of listRouteBatches(sock, { table: "all" })) n += batch.length;
      return n;
    },
    "typed, messages (old)": async () => {
      let n = 0;
      for await (const batch of sock.dumpBatches(request)) {
        const out: Route[] = [];
        for (const m of batch) if (m.type === RTM.NEWROUTE) out.push(decodeRoute(m));
        n += out.length;
      }
      return n;
    },
    "raw, dumpDatagrams": async () => {
      let n = 0;
      for await (const d of sock.dumpDatagrams(request)) {
        n += d.starts.length;
        d.release();
      }
      return n;
    },
    "raw, dumpBatches": async () => {
      let n = 0;
      for await (const batch of sock.dumpBatches(request)) n += batch.length;
      return n;
    },
  };
  const names = Object.keys(contenders);
  for (const name of names) await contenders[name]();
  const times: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const t0 = performance.now();
      const n = await contenders[name]();
      (times[name] ??= []).push(performance.now() - t0);
      if (n < routes) throw new Error(`${name}: ${n} of ${routes}`);
    }
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const mmm = (xs: number[], d = 1) => {
    const s = sorted(xs);
    return `${s[0].toFixed(d)} / ${s[s.length >> 1].toFixed(d)} / ${s[s.length - 1].toFixed(d)}`;
  };
  const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
  const load = (await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(`${runtime}, ${routes} routes, ${rounds} rounds, load ${load}: min / median / max`);
  for (const name of names) {
    console.log(`  ${name.padEnd(24)} ${mmm(times[name])} ms`);
  }
  const ratio = (a: string, b: string) => mmm(times[a].map((t, i) => t / times[b][i]), 2);
  console.log(`  typed new ÷ old per round: ${ratio(names[0], names[1])}`);
  console.log(`  raw dumpDatagrams ÷ dumpBatches per round: ${ratio(names[2], names[3])}`);
  console.log(`  typed new ÷ raw dumpDatagrams per round: ${ratio(names[0], names[2])}`);
} finally {
  ip("netns", "del", ns);
}
