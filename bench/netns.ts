/**
 * Named namespaces: createNetns/deleteNetns against `ip netns add/del`.
 * Usage: deno run -A bench/netns.ts [rounds=50]   (or: bun bench/netns.ts 50)
 *
 * Each round creates one namespace with createNetns and one with
 * `ip netns add`, then deletes each the same way; the ip figures include
 * starting the `ip` process, which is what a program that shells out pays.
 * Medians over the rounds. Names are `nlts-nsi-bench-<pid>-<i>`.
 */
import { execFileSync } from "node:child_process";
import { createNetns, deleteNetns } from "../mod.ts";
import { args, median, report, runtime } from "./common.ts";

const rounds = Number(args[0] ?? 50);
const ours = { add: [] as number[], del: [] as number[] };
const ip = { add: [] as number[], del: [] as number[] };
const time = async (fn: () => unknown) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const sh = (...a: string[]) => execFileSync("ip", a, { stdio: "ignore" });

await createNetns(`nlts-nsi-bench-${process.pid}-warm`);
await deleteNetns(`nlts-nsi-bench-${process.pid}-warm`);
for (let i = 0; i < rounds; i++) {
  const a = `nlts-nsi-bench-${process.pid}-a${i}`, b = `nlts-nsi-bench-${process.pid}-b${i}`;
  ours.add.push(await time(() => createNetns(a)));
  ip.add.push(await time(() => sh("netns", "add", b)));
  ours.del.push(await time(() => deleteNetns(a)));
  ip.del.push(await time(() => sh("netns", "del", b)));
}
const ms = (x: number) => `${x.toFixed(2)} ms`;
report(
  `${runtime} named namespaces over ${rounds} rounds (medians): createNetns ${ms(median(ours.add))}, ` +
    `ip netns add ${ms(median(ip.add))}; deleteNetns ${ms(median(ours.del))}, ip netns del ${ms(median(ip.del))}`,
);
