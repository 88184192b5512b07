/**
 * nf_tables transactions: N rules in one batch (one sendmsg, one iovec per
 * message) against `nft -f` of the same rules, and reading them back
 * against `nft -j list ruleset`.
 * Usage: deno run -A bench/nftables.ts [rules=2000] [rounds=9]   (or: bun / node bench/nftables.ts)
 *
 * How each contender is timed:
 * - ours: in-process, from `transaction()` to its resolution (building and
 *   encoding the 2,004 messages, sending them, the kernel's answer), and
 *   `rules()` from request to the last rule;
 * - encode: building the same transaction's messages alone (no socket);
 * - nft: the whole `nft -f FILE` / `nft -j list ruleset` process started
 *   from the shell side (`ShellTimer`: bash reads `$EPOCHREALTIME` around
 *   it, stdout to /dev/null): fork, exec, parse, netlink and exit, nothing of
 *   this runtime's own process spawning.
 *
 * Each round starts both writers from an empty ruleset (flushed untimed), in
 * an order that alternates per round, after a warm-up round. The report
 * gives min / median / max over the rounds and the ratios ours ÷ nft taken
 * per round.
 */
import { execFileSync } from "node:child_process";
import { unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { Nftables, rule } from "../src/nftables/mod.ts";
import { type RuleSpec, Transaction } from "../src/nftables/transaction.ts";
import { args, makeNetns, report, runtime, ShellTimer, spread } from "./common.ts";

const n = Number(args[0] ?? 2000);
const rounds = Number(args[1] ?? 9);
const { ns, remove } = makeNetns("nft");
const flush = () => execFileSync("ip", ["netns", "exec", ns, "nft", "flush", "ruleset"]);
const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const file = `${tmpdir()}/${ns}.nft`;
writeFileSync(
  file,
  `table inet b {\nchain c {\n${
    Array.from({ length: n }, (_, i) => `ip saddr ${address(i)} tcp dport ${i % 65536} counter accept`).join("\n")
  }\n}\n}\n`,
);

/** The same ruleset as the file, as our calls. */
function fill(tx: Transaction): void {
  tx.addTable({ family: "inet", name: "b" });
  tx.addChain({ family: "inet", table: "b", name: "c" });
  for (let i = 0; i < n; i++) {
    const spec: RuleSpec = {
      family: "inet",
      table: "b",
      chain: "c",
      expressions: rule().ipSaddr(address(i)).tcpDport(i % 65536).counter().accept(),
    };
    tx.addRule(spec);
  }
}

const time = async (fn: () => unknown) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

const nftWrite = new ShellTimer("ip", ["netns", "exec", ns, "nft", "-f", file]);
const nftList = new ShellTimer("ip", ["netns", "exec", ns, "nft", "-j", "list", "ruleset"]);
try {
  await using client = await Nftables.open({ netns: ns });
  const t = { write: [] as number[], read: [] as number[], encode: [] as number[], nftWrite: [] as number[] };
  const nftRead: number[] = [];
  const ours = async () => {
    flush();
    const write = await time(() => client.transaction(fill));
    const read = await time(async () => {
      if ((await client.rules()).length !== n) throw new Error("rules missing");
    });
    const encode = await time(() => fill(new Transaction()));
    return { write, read, encode };
  };
  const theirs = async () => {
    flush();
    const write = await nftWrite.run();
    const read = await nftList.run();
    return { write, read };
  };
  for (let r = 0; r <= rounds; r++) {
    let a, b;
    if (r % 2) {
      b = await theirs();
      a = await ours();
    } else {
      a = await ours();
      b = await theirs();
    }
    if (r === 0) continue; // warm-up
    t.write.push(a.write);
    t.read.push(a.read);
    t.encode.push(a.encode);
    t.nftWrite.push(b.write);
    nftRead.push(b.read);
  }
  const ratio = (xs: number[], ys: number[]) => spread(xs.map((x, i) => x / ys[i]), 2);
  report(`# bench/nftables.ts: ${runtime}, ${n} rules, ${rounds} rounds (+1 warm-up); min / median / max ms`);
  report(`${runtime} one transaction:     ${spread(t.write)}   (encoding alone: ${spread(t.encode)})`);
  report(`${runtime} nft -f:              ${spread(t.nftWrite)}`);
  report(`${runtime} transaction ÷ nft -f per round: ${ratio(t.write, t.nftWrite)}`);
  report(`${runtime} rules():             ${spread(t.read)}`);
  report(`${runtime} nft -j list ruleset: ${spread(nftRead)}`);
  report(`${runtime} rules() ÷ nft -j per round: ${ratio(t.read, nftRead)}`);
} finally {
  nftWrite.close();
  nftList.close();
  unlinkSync(file);
  remove();
}
