/**
 * CPU per kernel event of the example server's watches (issue 20): a child
 * process runs `examples/state_server.ts`'s three shared watches (link,
 * address, route; no HTTP client) from each tree given, while `ip -batch`
 * in a private namespace sets lo's alias `changes` times, one change every
 * 2 ms; the child reports its own CPU (process.cpuUsage) over those changes.
 * Trees alternate in every round; min/median/max µs per change and the
 * per-round ratios to the first tree.
 *
 *   deno run -A bench/watch_cpu.ts [changes=500] [rounds=5] [tree…]   (default: this tree)
 *   RUNTIME=bun deno run -A bench/watch_cpu.ts 500 5 /tmp/old .
 *
 * A tree is a checkout of the repository (e.g. `git archive COMMIT | tar -x -C /tmp/old`).
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { loadavg } from "node:os";

const argv = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const changes = Number(argv[0] ?? 500);
const rounds = Number(argv[1] ?? 5);
const trees = (argv.length > 2 ? argv.slice(2) : ["."]).map((t) => resolve(t));
const runtime = process.env.RUNTIME ?? "deno";
const ns = `nlts-wcp-cpu-${process.pid}`;

/** With STRACE=FILE, the child runs under `strace -f -c` (syscall counts in FILE.N; its CPU figures then mean little). */
const strace = process.env.STRACE;
let straced = 0;

function childCommand(tree: string): [string, string[]] {
  const child = `${resolve(import.meta.dirname!, "watch_cpu_child.ts")}`;
  const [cmd, args]: [string, string[]] = runtime === "bun"
    ? ["bun", [child, tree, ns]]
    : runtime === "node"
    ? ["node", ["--disable-warning=ExperimentalWarning", child, tree, ns]]
    : ["deno", ["run", "-A", child, tree, ns]];
  if (strace === undefined) return [cmd, args];
  return ["strace", [
    "-f",
    "-c",
    "-e",
    "trace=recvmsg,epoll_ctl,epoll_wait,epoll_pwait,futex",
    "-o",
    `${strace}.${++straced}`,
    cmd,
    ...args,
  ]];
}

/** One round of one tree: µs of the child's CPU per change. */
async function measure(tree: string, alias: number): Promise<number> {
  const [cmd, args] = childCommand(tree);
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  // A child that stops answering for 30 s is reported and killed.
  const next = async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<string>((r) => timer = setTimeout(() => r("hung"), 30_000));
    const line = await Promise.race([lines.next().then((l) => l.value as string), hung]);
    clearTimeout(timer);
    if (line === "hung") {
      child.kill("SIGKILL");
      throw new Error(`${tree}: the child stopped answering`);
    }
    return line;
  };
  if (await next() !== "ready") throw new Error("child did not start");
  child.stdin!.write(`${changes}\n`);
  await next(); // "go"
  const changer = spawn("ip", ["-n", ns, "-batch", "-"], { stdio: ["pipe", "ignore", "inherit"] });
  for (let i = 0; i < changes; i++) {
    changer.stdin!.write(`link set lo alias a${alias}-${i}\n`);
    await new Promise((r) => setTimeout(r, 2));
  }
  changer.stdin!.end();
  const [cpu, seen] = (await next()).split(" ").map(Number);
  // An overrun's re-dump folds many changes into one event: such a round is left out.
  if (seen !== changes) {
    console.log(`  (${tree}: ${seen} link events for ${changes} changes: round left out)`);
    return NaN;
  }
  child.stdin!.end();
  await new Promise((r) => child.on("exit", r));
  return cpu / changes;
}

execFileSync("ip", ["netns", "add", ns]);
try {
  execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  const results: number[][] = trees.map(() => []);
  console.log(`${runtime}, ${changes} changes per round, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  for (let round = 0; round < rounds; round++) {
    // Alternate which tree goes first.
    const order = trees.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) results[i].push(await measure(trees[i], round * 10 + i));
    console.log(`round ${round + 1}: ${trees.map((t, i) => `${t}: ${results[i][round].toFixed(0)} µs`).join(", ")}`);
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const mmm = (xs: number[]) => {
    const s = sorted(xs.filter((x) => !Number.isNaN(x)));
    if (s.length === 0) return "-";
    return `${s[0].toFixed(0)} / ${s[s.length >> 1].toFixed(0)} / ${s[s.length - 1].toFixed(0)}`;
  };
  for (let i = 0; i < trees.length; i++) {
    const ratios = results[i].map((r, k) => r / results[0][k]);
    console.log(
      `${trees[i]}: µs per change min/median/max ${mmm(results[i])}; ÷ first per round ${
        i === 0 ? "-" : mmm(ratios.map((r) => r * 100)) + " %"
      }`,
    );
  }
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
