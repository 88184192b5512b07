/**
 * Starvation: `subs` sockets subscribed to IPv4 route events (8 MiB buffers),
 * each with a slow consumer (a microtask and 20 µs of CPU per event), while
 * `ip -batch` adds then deletes `routes` routes in a private namespace. A
 * 50 ms interval measures how late timers run: as seen, and less the time
 * the OS kept the JS thread waiting for a CPU (`run_delay` in
 * /proc/thread-self/schedstat), which no code in the process controls.
 * Usage:
 *   deno run -A bench/starve.ts [subs=20] [routes=50000]
 *   bun bench/starve.ts [subs=20] [routes=50000]
 */
import { spawn } from "node:child_process";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { NetlinkSocket, Overrun } from "../mod.ts";
import { args, makeNetns, report, runtime } from "./common.ts";

const subs = Number(args[0] ?? 20);
const routes = Number(args[1] ?? 50_000);

/** Milliseconds the JS thread has waited for a CPU so far. */
function runQueueWait(): number {
  return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[1]) / 1e6;
}

const { ns, remove } = makeNetns("starve");
const file = `${tmpdir()}/${ns}.batch`;
try {
  let lines = "";
  for (let i = 0; i < routes; i++) lines += `route add blackhole 10.${i >> 8}.${i & 255}.0/24\n`;
  for (let i = 0; i < routes; i++) lines += `route del blackhole 10.${i >> 8}.${i & 255}.0/24\n`;
  writeFileSync(file, lines);
  const socks = await Promise.all(
    Array.from({ length: subs }, () => NetlinkSocket.open("route", { netns: ns, groups: [7], rcvbuf: 8 << 20 })),
  );
  let events = 0, overruns = 0;
  const stop = new AbortController();
  const readers = socks.map(async (sock) => {
    try {
      for await (const item of sock.notifications({ signal: stop.signal })) {
        if (item instanceof Overrun) overruns++;
        else events++;
        await null;
        const end = performance.now() + 0.02;
        while (performance.now() < end) { /* a little work per event */ }
      }
    } catch { /* stopped */ }
  });
  let last = performance.now(), lastWait = runQueueWait(), worst = 0, worstOurs = 0;
  const timer = setInterval(() => {
    const now = performance.now(), wait = runQueueWait(), late = now - last - 50;
    worst = Math.max(worst, late);
    worstOurs = Math.max(worstOurs, late - (wait - lastWait));
    last = now;
    lastWait = wait;
  }, 50);
  const t0 = performance.now();
  await new Promise((resolve) => spawn("ip", ["-n", ns, "-batch", file], { stdio: "ignore" }).on("exit", resolve));
  const stormMs = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  clearInterval(timer);
  stop.abort();
  await Promise.all(readers);
  for (const sock of socks) await sock.close();
  report(
    `${runtime} starvation, ${subs} subscriptions under ${2 * routes} route events (ip done in ${
      stormMs.toFixed(0)
    } ms): ` +
      `${events} events, ${overruns} overruns; 50 ms timer at most ${worst.toFixed(1)} ms late ` +
      `(${worstOurs.toFixed(1)} ms less run-queue waits)`,
  );
} finally {
  unlinkSync(file);
  remove();
}
