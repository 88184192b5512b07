/**
 * ipset: listing a large set and adding members, against the `ipset` tool.
 * Usage: deno run -A bench/ipset.ts [members=20000] [adds=2000] [rounds=9]   (or: bun …, node …)
 *
 * list: `ipset.list(NAME)` (typed objects, in-process from the request to
 * the last member) against `ipset list -o xml NAME` run from the shell side
 * (ShellTimer: fork, exec, setns by nsenter, dump, XML, exit).
 * add: `adds` members added one `await ipset.add()` at a time (each a HEADER
 * then an ADD round trip), and all in one `ipset.addAll()` (one ADD message
 * each, sent in datagrams of up to 1,024), against one `ipset restore` of
 * the same adds (one process, its own batching). The order of the contenders alternates per
 * round; min / median / max and per-round ratios are printed, with the load.
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { Ipset } from "../src/ipset/mod.ts";
import { args, makeNetns, report, runtime, ShellTimer, spread } from "./common.ts";

const members = Number(args[0] ?? 20000);
const adds = Number(args[1] ?? 2000);
const rounds = Number(args[2] ?? 9);
const { ns, remove } = makeNetns("ipset");
const ipsetRun = (input: string, ...a: string[]) =>
  execFileSync("ip", ["netns", "exec", ns, "ipset", ...a], { input, maxBuffer: 1 << 28 });
const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const time = async (fn: () => unknown) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

try {
  const lines = [`create big hash:ip,port counters comment maxelem ${2 * members}`];
  for (let i = 0; i < members; i++) lines.push(`add big ${address(i)},tcp:${i % 65536} comment "m${i}"`);
  ipsetRun(lines.join("\n") + "\n", "restore");
  ipsetRun("", "create", "small", "hash:ip", "maxelem", "1000000");
  const addScript = Array.from({ length: adds }, (_, i) => `add small ${address(i)}`).join("\n") + "\n";
  await using client = await Ipset.open({ netns: ns });
  const shell = new ShellTimer("nsenter", [`--net=/run/netns/${ns}`, "ipset", "list", "-o", "xml", "big"]);
  const list = { ours: [] as number[], tool: [] as number[], ratio: [] as number[] };
  const add = { ours: [] as number[], tool: [] as number[], ratio: [] as number[] };
  const bulk = { ours: [] as number[], ratio: [] as number[] };
  // Warm-up (and a check that both read the same set).
  const [warm] = await client.list("big");
  if (warm.members.length !== members) throw new Error(`listed ${warm.members.length} of ${members}`);
  await shell.run();
  for (let r = 0; r < rounds; r++) {
    const ours = () => time(() => client.list("big"));
    const [a, b] = r % 2 ? [await shell.run(), await ours()] : [await ours(), await shell.run()];
    const [o, t] = r % 2 ? [b, a] : [a, b];
    list.ours.push(o);
    list.tool.push(t);
    list.ratio.push(o / t);

    const oursAdd = async () => {
      ipsetRun("", "flush", "small");
      return await time(async () => {
        for (let i = 0; i < adds; i++) await client.add("small", address(i));
      });
    };
    const toolAdd = async () => {
      ipsetRun("", "flush", "small");
      return await time(() => ipsetRun(addScript, "restore"));
    };
    const [c, d] = r % 2 ? [await toolAdd(), await oursAdd()] : [await oursAdd(), await toolAdd()];
    const [oa, ta] = r % 2 ? [d, c] : [c, d];
    add.ours.push(oa);
    add.tool.push(ta);
    add.ratio.push(oa / ta);
    ipsetRun("", "flush", "small");
    const all = Array.from({ length: adds }, (_, i) => address(i));
    const ob = await time(() => client.addAll("small", all));
    bulk.ours.push(ob);
    bulk.ratio.push(ob / ta);
  }
  shell.close();
  const load = loadavg().map((x) => x.toFixed(2)).join(" ");
  report(
    `${runtime} list ${members} members (hash:ip,port, counters, comment), ${rounds} rounds, min / median / max ms: ` +
      `ipset.list ${spread(list.ours)}, ipset list -o xml ${spread(list.tool)}; per round ours/tool ` +
      `${spread(list.ratio, 2)} (load ${load})`,
  );
  report(
    `${runtime} add ${adds} members one await at a time, ${rounds} rounds, min / median / max ms: ` +
      `ipset.add ${spread(add.ours)} (${
        (Number(spread(add.ours).split(" / ")[1]) * 1000 / adds).toFixed(0)
      } µs each), ` +
      `ipset restore ${spread(add.tool)}; per round ours/tool ${spread(add.ratio, 2)} (load ${load})`,
  );
  report(
    `${runtime} addAll ${adds} members, ${rounds} rounds, min / median / max ms: ipset.addAll ${spread(bulk.ours)}, ` +
      `ipset restore ${spread(add.tool)}; per round ours/tool ${spread(bulk.ratio, 2)} (load ${load})`,
  );
} finally {
  remove();
}
