/**
 * `nlts -j nft list ruleset` against `nft -j list ruleset`, as whole
 * processes, on N rules of the common kinds (address, port, set, ct state,
 * counter, log, NAT) in a namespace. The two outputs are checked equal (the
 * `nftables` arrays after `metainfo`) before timing; then the commands run
 * alternately, `rounds` times each, and the wall times are reported as
 * min/median/max with the per-round ratio.
 * Usage: deno run -A bench/nft_cli.ts [rules=2000] [rounds=5] [runtime=deno|bun|node]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { isDeepStrictEqual } from "node:util";
import { command } from "../test/helpers/runtimes.ts";
import { args, makeNetns, median } from "./common.ts";

const n = Number(args[0] ?? 2000);
const rounds = Number(args[1] ?? 5);
const cliRuntime = (args[2] ?? "deno") as "deno" | "bun" | "node";
const { ns, remove } = makeNetns("nftcli");
const empty = makeNetns("nftcli0");
const root = new URL("../", import.meta.url).pathname;

const KINDS = [
  (i: number) => `ip saddr 10.${(i >> 8) & 255}.${i & 255}.0/24 tcp dport ${i % 65536} counter accept`,
  (i: number) => `ip6 saddr fd00::${i.toString(16)} udp dport { 53, ${1000 + (i % 1000)} } accept`,
  (i: number) => `iifname "v${i % 100}" ct state established,related accept`,
  (i: number) => `tcp dport @ports log prefix "r${i} " drop`,
  (i: number) => `ip daddr 192.168.${(i >> 8) & 255}.${i & 255} meta l4proto tcp counter reject with tcp reset`,
];

try {
  const rules = Array.from({ length: n }, (_, i) => KINDS[i % KINDS.length](i)).join("\n");
  const text = `table inet b {\nset ports { type inet_service; elements = { 22, 80, 443 }; }\n` +
    `chain c {\n${rules}\n}\n}\n`;
  execFileSync("ip", ["netns", "exec", ns, "nft", "-f", "-"], { input: text });

  const [cmd, argv] = command(cliRuntime, `${root}cli.ts`, ["-n", ns, "-j", "nft", "list", "ruleset"]);
  const run = (c: string, a: string[]) => {
    const t = performance.now();
    const r = spawnSync(c, a, { maxBuffer: 1 << 28, encoding: "utf8" });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${c} failed: ${r.stderr}`);
    return { ms, out: r.stdout };
  };
  const theirsCmd: [string, string[]] = ["ip", ["netns", "exec", ns, "nft", "-j", "list", "ruleset"]];
  const first = [run(cmd, argv).out, run(...theirsCmd).out].map((o) => JSON.parse(o).nftables.slice(1));
  if (!isDeepStrictEqual(first[0], first[1])) throw new Error("the two listings differ");
  // The process alone: the same command on an empty namespace.
  const [emptyCmd, emptyArgv] = command(cliRuntime, `${root}cli.ts`, ["-n", empty.ns, "-j", "nft", "list", "ruleset"]);
  const ours: number[] = [], theirs: number[] = [], ratios: number[] = [], startup: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = run(cmd, argv).ms;
    const b = run(...theirsCmd).ms;
    startup.push(run(emptyCmd, emptyArgv).ms);
    ours.push(a);
    theirs.push(b);
    ratios.push(a / b);
  }
  const fmt = (xs: number[]) =>
    `${Math.min(...xs).toFixed(0)}/${median(xs).toFixed(0)}/${Math.max(...xs).toFixed(0)} ms`;
  console.log(`${n} rules, ${rounds} rounds, the listings equal (${first[0].length} entries)`);
  console.log(`nlts (${cliRuntime}) -j nft list ruleset  min/median/max ${fmt(ours)}`);
  console.log(`nft -j list ruleset            min/median/max ${fmt(theirs)}`);
  console.log(`nlts (${cliRuntime}) on an empty ruleset  min/median/max ${fmt(startup)}`);
  console.log(`ratio per round: ${ratios.map((x) => x.toFixed(2)).join(" ")} (median ${median(ratios).toFixed(2)})`);
} finally {
  remove();
  empty.remove();
}
