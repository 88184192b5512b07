/**
 * Memory of a streaming dump: N IPv4 routes in a private namespace are listed
 * with `listRoutes`, and the consumer keeps nothing (it counts). Peak RSS
 * growth is the process's `VmHWM` after the dump minus `VmRSS` before it,
 * from /proc/self/status, with the peak reset just before the dump (writing
 * 5 to /proc/self/clear_refs). The routes are created by `ip -batch`, another
 * process, so they cost this one nothing. Usage (Deno needs --expose-gc to
 * collect before the first reading; without it the figure only gets larger):
 *   deno run -A --v8-flags=--expose-gc bench/memory.ts [routes=500000]
 *   bun bench/memory.ts [routes=500000]
 */
import { NetlinkSocket } from "../mod.ts";
import { listRoutes } from "../src/route/route.ts";
import { addRoutes, args, gc, makeNetns, memory, report, resetPeak, runtime } from "./common.ts";

const count = Number(args[0] ?? 500_000);
/** The bound on peak RSS growth. */
const LIMIT_MIB = 64;

const { ns, remove } = makeNetns("memory");
try {
  const t0 = performance.now();
  addRoutes(ns, count);
  console.log(`# ${runtime}: ${count} routes created in ${(performance.now() - t0).toFixed(0)} ms`);
  await using sock = await NetlinkSocket.open("route", { netns: ns });
  gc();
  resetPeak();
  const before = memory();
  const t1 = performance.now();
  let n = 0;
  for await (const _ of listRoutes(sock, { family: "inet" })) n++;
  const ms = performance.now() - t1;
  const after = memory();
  if (n !== count) throw new Error(`listed ${n} routes, made ${count}`);
  const growth = (after.hwm - before.rss) / 1024;
  report(
    `${runtime} streaming dump of ${n} routes (objects not kept) in ${ms.toFixed(0)} ms: ` +
      `VmRSS before ${(before.rss / 1024).toFixed(1)} MiB, VmHWM after ${(after.hwm / 1024).toFixed(1)} MiB, ` +
      `VmRSS after ${(after.rss / 1024).toFixed(1)} MiB; peak growth ${growth.toFixed(1)} MiB ` +
      `(target < ${LIMIT_MIB} MiB: ${growth < LIMIT_MIB ? "met" : "MISSED"})`,
  );
} finally {
  remove();
}
