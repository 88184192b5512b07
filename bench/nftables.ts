/**
 * nf_tables transactions: N rules in one batch (one sendmsg, one iovec per
 * message) against `nft -f` of the same rules, and reading them back
 * against `nft -j list ruleset`.
 * Usage: deno run -A bench/nftables.ts [rules=2000] [rounds=5]   (or: bun bench/nftables.ts)
 *
 * Each round starts from an empty namespace ruleset. The nft figures include
 * starting the `nft` process, which is what a program that shells out pays.
 * Medians over the rounds.
 */
import { execFileSync } from "node:child_process";
import { Nftables, rule } from "../src/nftables/mod.ts";
import { args, makeNetns, median, report, runtime } from "./common.ts";

const n = Number(args[0] ?? 2000);
const rounds = Number(args[1] ?? 5);
const { ns, remove } = makeNetns("nft");
const nft = (input?: string, ...a: string[]) =>
  execFileSync("ip", ["netns", "exec", ns, "nft", ...a], { input, maxBuffer: 1 << 28 });
const time = async (fn: () => unknown) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

try {
  await using client = await Nftables.open({ netns: ns });
  const ours = { write: [] as number[], read: [] as number[] };
  const theirs = { write: [] as number[], read: [] as number[] };
  const text = `table inet b {\nchain c {\n${
    Array.from({ length: n }, (_, i) => `ip saddr ${address(i)} tcp dport ${i % 65536} counter accept`).join("\n")
  }\n}\n}\n`;
  for (let r = 0; r < rounds; r++) {
    nft(undefined, "flush", "ruleset");
    ours.write.push(
      await time(() =>
        client.transaction((tx) => {
          tx.addTable({ family: "inet", name: "b" });
          tx.addChain({ family: "inet", table: "b", name: "c" });
          for (let i = 0; i < n; i++) {
            tx.addRule({
              family: "inet",
              table: "b",
              chain: "c",
              expressions: rule().ipSaddr(address(i)).tcpDport(i % 65536).counter().accept(),
            });
          }
        })
      ),
    );
    ours.read.push(
      await time(async () => {
        if ((await client.rules()).length !== n) throw new Error("rules missing");
      }),
    );
    nft(undefined, "flush", "ruleset");
    theirs.write.push(await time(() => nft(text, "-f", "-")));
    theirs.read.push(await time(() => nft(undefined, "-j", "list", "ruleset")));
  }
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  report(
    `${runtime} nf_tables, ${n} rules over ${rounds} rounds (medians): one transaction ${ms(median(ours.write))}, ` +
      `nft -f ${ms(median(theirs.write))}; listing them ${ms(median(ours.read))}, nft -j list ruleset ${
        ms(median(theirs.read))
      }`,
  );
} finally {
  remove();
}
