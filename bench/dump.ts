/**
 * Dump of N IPv4 routes in a private namespace: our raw dump (receive and
 * split messages; and a variant that also walks every attribute) against
 * `ip -j route show` to /dev/null, timed in the same run. Usage:
 *   deno run -A bench/dump.ts [routes=100000] [rounds=5]
 *   bun bench/dump.ts [routes=100000] [rounds=5]
 */
import { Attrs, Flags, MessageWriter, NetlinkSocket } from "../mod.ts";
import { addRoutes, makeNetns, median, report, runtime, timeCommand } from "./common.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const count = Number(args[0] ?? 100_000);
const rounds = Number(args[1] ?? 5);
const { ns, remove } = makeNetns("dump");
try {
  const t0 = performance.now();
  addRoutes(ns, count);
  console.log(`# ${runtime}: ${count} routes created in ${(performance.now() - t0).toFixed(0)} ms`);
  await using sock = await NetlinkSocket.open("route", { netns: ns });
  const req = new MessageWriter(26, Flags.DUMP);
  req.struct(12).setUint8(0, 2);
  const request = req.finish();

  const split = async () => {
    let n = 0;
    for await (const _ of sock.dump(request)) n++;
    return n;
  };
  const walk = async () => {
    let n = 0;
    for await (const msg of sock.dump(request)) {
      for (const a of Attrs.parse(msg.payload.subarray(12))) n += a.value.length > 0 ? 0 : 0;
      n++;
    }
    return n;
  };
  const measure = async (fn: () => Promise<number>) => {
    const times: number[] = [];
    let n = 0;
    await fn(); // warm-up
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      n = await fn();
      times.push(performance.now() - t);
    }
    return { ms: median(times), n };
  };
  const ours = await measure(split);
  const walked = await measure(walk);
  const ipTimes: number[] = [];
  for (let i = 0; i < rounds; i++) ipTimes.push(timeCommand("ip", ["-n", ns, "-j", "route", "show"]));
  const ip = median(ipTimes);
  report(`${runtime} dump ${count} routes: raw split ${ours.ms.toFixed(1)} ms (${ours.n} msgs), ` +
    `split+walk attrs ${walked.ms.toFixed(1)} ms, ip -j route show ${ip.toFixed(1)} ms; ` +
    `ratio raw/ip ${(ours.ms / ip).toFixed(2)}, walk/ip ${(walked.ms / ip).toFixed(2)}`);
} finally {
  remove();
}
