/**
 * Load of the example servers (examples/bun_server.ts under Bun,
 * examples/deno_server.ts under Deno, examples/node_server.ts under Node),
 * as an operator would see it. All on
 * loopback; the changes happen in a private namespace
 * (`nlts-srv-bench-<pid>`, removed at the end). Per server and round:
 *
 * 1. load: N SSE clients (bench/server_load_clients.ts, another process,
 *    under Bun) while one `ip -batch -` sets the alias of lo to
 *    `t<epoch ms>` R times a second for T seconds; an independent listener
 *    (256 MiB buffer) counts what the kernel sent. A client's count is taken
 *    once it has the last change (or 15 s after it was made). With
 *    "+stall", one more client (in a third process) never reads.
 * 2. drop (with "+stall"): 20,000 quick alias changes (`ip -batch`) fill
 *    the stalled client's socket buffers and its server queue; the server
 *    must drop it within its `--max-stall` (3 s here).
 * 3. cycles: 2,000 connect/close cycles (each client closes right after its
 *    request) while the changes go on at R/s; then the server must hold no
 *    client, no consumer, and no more fds than when idle, within 15 s.
 *
 *     deno run -A bench/server_load.ts [--clients 1000] [--rate 50] [--seconds 10] [--cycles 2000] [--rounds 3]
 *       [--servers bun,deno,node[,deno-small,node-small]] [--stall yes|no|only] [--old DIR]
 *
 * Contenders (each server, plain and "+stall") are interleaved in each
 * round, the order rotating between rounds. `--old DIR` adds "bun@old" and
 * "deno@old": the same examples from another checkout (e.g. a `git worktree`
 * of an older commit), for an A/B in one run. Timing: latency is receipt time
 * in the client minus the stamp the changer wrote just before handing the
 * line to `ip` ("to the listener": the same to the independent listener,
 * i.e. the time spent before any server: `ip`, the RTNL lock, the kernel); server CPU is utime+stime from /proc/PID/stat over the load
 * phase, and per client-event that CPU time over the events the clients
 * received (clients × the median client's count), with the share of it
 * spent in the kernel (stime: the writes, and loopback's delivery to the
 * clients, which the sender pays for); RSS is VmRSS at its end
 * (VmHWM: the peak over the whole run), next to the server's own
 * `memoryUsage()` (JS heap used and reserved, and memory outside it);
 * "waited for a CPU" is the server main thread's run-queue time over the
 * load phase (/proc/PID/schedstat), which shows a machine shared with
 * other work.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { args, median, percentile } from "./common.ts";
import { Overrun, subscribe } from "../mod.ts";

const flag = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const clients = flag("--clients", 1000), rate = flag("--rate", 50), seconds = flag("--seconds", 10);
const cycleCount = flag("--cycles", 2000), rounds = flag("--rounds", 3);
const text = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const old = text("--old", "");
const stallMode = text("--stall", "yes");
const ns = `nlts-srv-bench-${process.pid}`;
const children = new Set<ReturnType<typeof spawn>>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, a: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, a, { stdio: ["pipe", "ignore", "inherit"] });
    p.stdin!.end(input ?? "");
    p.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${a.join(" ")} exited ${code}`))));
  });
}

const localNode = new URL("../node_modules/.bin/node", import.meta.url).pathname; // Node 26, as npm ci installs it
const nodeBin = existsSync(localNode) ? localNode : "node";
const SERVERS: Record<string, [string, string[]]> = {
  bun: ["bun", ["examples/bun_server.ts"]],
  deno: ["deno", ["run", "-A", "examples/deno_server.ts"]],
  node: [nodeBin, ["--disable-warning=ExperimentalWarning", "examples/node_server.ts"]],
  // V8 tuned for memory (`--optimize-for-size`): on a quiet machine it cost 10× the p99 latency and 1.5× the CPU for
  // little memory (see bench/RESULTS.md), so the examples do not advise it; kept here to measure it again.
  "deno-small": ["deno", ["run", "-A", "--v8-flags=--optimize-for-size", "examples/deno_server.ts"]],
  "node-small": [nodeBin, ["--optimize-for-size", "--disable-warning=ExperimentalWarning", "examples/node_server.ts"]],
  "bun@old": ["bun", [`${old}/examples/bun_server.ts`]],
  "deno@old": ["deno", ["run", "-A", `${old}/examples/deno_server.ts`]],
};

/** Milliseconds the process's main thread has waited for a CPU while runnable (the machine's contention). */
function runqueueMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[1]) / 1e6;
}

function proc(pid: number): { cpuMs: number; sysMs: number; hwmMiB: number; rssMiB: number; fds: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))![1]);
  return {
    cpuMs: (Number(stat[11]) + Number(stat[12])) * 10, // utime + stime, 100 Hz ticks
    sysMs: Number(stat[12]) * 10,
    hwmMiB: kb("VmHWM") / 1024,
    rssMiB: kb("VmRSS") / 1024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

async function stats(base: string): Promise<any> {
  return await (await fetch(`${base}/stats`)).json();
}

/** Waits for `ok(stats)` up to `ms`; returns the time it took, or undefined. */
async function waitStats(base: string, ok: (s: any) => boolean, ms: number): Promise<number | undefined> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (ok(await stats(base))) return performance.now() - t0;
    await sleep(100);
  }
  return undefined;
}

interface Result {
  sent: number;
  kernelP50: number;
  kernelP99: number;
  receivedMin: number;
  receivedMedian: number;
  receivedMax: number;
  overruns: number;
  p50: number;
  p99: number;
  max: number;
  cpu: number;
  cpuPerEventUs: number;
  /** The part of the server's CPU time spent in the kernel (its writes, and loopback's delivery to the clients). */
  sysShare: number;
  clientsCpu: number;
  rss: number;
  heap: number;
  heapTotal: number;
  external: number;
  waited: number;
  loadavg: string;
  hwm: number;
  dropMs?: number;
  releaseMs?: number;
  leftClients: number;
  leftConsumers: number;
  fdsIdle: number;
  fdsAfter: number;
}

async function round(name: string, stall: boolean): Promise<Result> {
  const [cmd, a] = SERVERS[name];
  const server = spawn(cmd, [...a, "--port", "0", "--netns", ns, "--rcvbuf", String(32 << 20), "--max-stall", "3"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  children.add(server);
  const base = await new Promise<string>((resolve, reject) => {
    server.stdout!.on("data", (d) => {
      const m = String(d).match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    server.on("close", () => reject(new Error(`the ${name} server exited`)));
  });
  const pid = server.pid!;
  await sleep(500);
  await stats(base); // our keep-alive connection for /stats is one of the server's fds from here on
  const fdsIdle = proc(pid).fds;

  const listener = subscribe(["link"], { netns: ns, rcvbuf: 256 << 20 });
  await listener.ready;
  const sent = new Set<string>();
  const kernelLatencies: number[] = []; // stamp to the listener: the part of the latency before any server
  void (async () => {
    for await (const e of listener) {
      if (e instanceof Overrun) throw new Error("the independent listener lost events: its count would be wrong");
      if (e.kind !== "link" || !e.link.alias?.startsWith("t") || sent.has(e.link.alias)) continue;
      sent.add(e.link.alias);
      kernelLatencies.push(Date.now() - Number(e.link.alias.slice(1)));
    }
  })();

  const clientsProc = spawn("bun", ["bench/server_load_clients.ts", base, String(clients)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(clientsProc);
  // The stalled client lives in a process of its own, so that it cannot slow the measuring clients.
  const staller = stall
    ? spawn("bun", ["bench/server_load_clients.ts", base, "0", "stall"], { stdio: ["pipe", "ignore", "inherit"] })
    : undefined;
  if (staller) children.add(staller);
  const replies = createInterface({ input: clientsProc.stdout! })[Symbol.asyncIterator]();
  const ask = async (command: string) => {
    clientsProc.stdin!.write(command + "\n");
    return JSON.parse((await replies.next()).value ?? "null");
  };
  if (await waitStats(base, (s) => s.clients === clients + (stall ? 1 : 0), 60_000) === undefined) {
    throw new Error(`${name}: the clients did not all connect`);
  }

  // 1. load
  const changer = spawn("ip", ["-n", ns, "-batch", "-"], { stdio: ["pipe", "ignore", "inherit"] });
  children.add(changer);
  // On a schedule that catches up when a timer fires late, so that R changes/s are made whatever the load.
  let prefix = "t", made = 0, lastStamp = "";
  const start = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) * rate) / 1000);
    for (; made < due; made++) {
      const alias = `${prefix}${Date.now()}`;
      if (prefix === "t") lastStamp = alias.slice(1);
      changer.stdin!.write(`link set lo alias ${alias}\n`);
    }
  }, 1000 / rate / 2);
  const before = proc(pid), clientsBefore = proc(clientsProc.pid!), t0 = performance.now();
  const waitedBefore = runqueueMs(pid), loadBefore = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
  await sleep(seconds * 1000);
  prefix = "c";
  const after = proc(pid), clientsAfter = proc(clientsProc.pid!), loadMs = performance.now() - t0;
  const memory = await stats(base);
  const waited = runqueueMs(pid) - waitedBefore;
  const load = await ask(`report ${lastStamp}`); // once every client has the last change, or after 15 s

  // 2. drop
  let dropMs: number | undefined;
  if (stall) {
    // In ten batches, so that the server's event socket keeps up (a watch overrun would turn many
    // changes into one resync delta, and the stalled client's buffers would not fill).
    const t = performance.now();
    for (let b = 0; b < 10; b++) {
      let batch = "";
      for (let i = 0; i < 2_000; i++) batch += `link set lo alias b${b * 2000 + i}\n`;
      await run("ip", ["-n", ns, "-batch", "-"], batch);
      await sleep(100);
    }
    const waited = await waitStats(base, (s) => s.dropped >= 1, 20_000);
    dropMs = waited === undefined ? undefined : performance.now() - t;
  }

  // 3. cycles, under the changes
  await ask(`cycles ${cycleCount}`);
  staller?.stdin?.end(`cycles 0\n`); // closes the stalled client, then exits
  // Once the server has seen every cycle's request, still under the changes.
  const total = clients + (stall ? 1 : 0) + cycleCount;
  const releaseMs = await waitStats(base, (s) => s.served === total && s.clients === 0, 15_000);
  clearInterval(timer);
  changer.stdin!.end();
  const left = await stats(base);
  const end = proc(pid);
  clientsProc.stdin!.end();
  await listener.close();
  server.kill("SIGTERM");
  await new Promise((r) => server.on("close", r));
  return {
    sent: sent.size,
    kernelP50: percentile(kernelLatencies, 50),
    kernelP99: percentile(kernelLatencies, 99),
    ...load,
    cpu: ((after.cpuMs - before.cpuMs) / loadMs) * 100,
    cpuPerEventUs: ((after.cpuMs - before.cpuMs) * 1000) / (clients * load.receivedMedian),
    sysShare: (after.sysMs - before.sysMs) / (after.cpuMs - before.cpuMs),
    clientsCpu: ((clientsAfter.cpuMs - clientsBefore.cpuMs) / loadMs) * 100,
    rss: after.rssMiB,
    heap: memory.heapUsed / 2 ** 20,
    heapTotal: (memory.heapTotal ?? NaN) / 2 ** 20, // not in --old's /stats
    external: (memory.external ?? NaN) / 2 ** 20,
    waited,
    loadavg: loadBefore,
    hwm: end.hwmMiB,
    dropMs,
    releaseMs,
    leftClients: left.clients,
    leftConsumers: Object.values(left.consumers as Record<string, number>).reduce((x, y) => x + y, 0),
    fdsIdle,
    fdsAfter: end.fds,
  };
}

function describe(r: Result): string {
  return `sent ${r.sent}, received min/median/max ${r.receivedMin}/${r.receivedMedian}/${r.receivedMax}, ` +
    `overruns ${r.overruns}; latency p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms (to the listener: p50 ` +
    `${r.kernelP50} ms, p99 ${r.kernelP99} ms); CPU ${r.cpu.toFixed(0)}% (${r.cpuPerEventUs.toFixed(1)} µs per ` +
    `client-event, ${(r.sysShare * 100).toFixed(0)}% of it in the kernel) ` +
    `(clients process ${r.clientsCpu.toFixed(0)}%), waited for a CPU ${r.waited.toFixed(0)} ms (load average ` +
    `${r.loadavg}), ` +
    `RSS ${r.rss.toFixed(0)} MiB (peak ${r.hwm.toFixed(0)}; JS heap ${r.heap.toFixed(0)} used of ` +
    `${r.heapTotal.toFixed(0)}, external ${r.external.toFixed(0)})` +
    (r.dropMs === undefined ? "" : `; stalled client dropped after ${r.dropMs.toFixed(0)} ms`) +
    `; after cycles: ${r.leftClients} clients, ${r.leftConsumers} consumers, fds ${r.fdsAfter} (idle ${r.fdsIdle}), ` +
    `all released ${
      r.releaseMs === undefined ? "NOT within 15 s" : `${r.releaseMs.toFixed(0)} ms after the last cycle`
    }`;
}

// Killed (Ctrl-C, timeout): children go and the namespace is removed all the same.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill("SIGKILL");
    spawn("ip", ["netns", "del", ns], { stdio: "ignore" }).on("close", () => process.exit(130));
  });
}

const names = text("--servers", "bun,deno,node").split(",");
if (old) names.push("bun@old", "deno@old");
for (const name of names) if (!(name in SERVERS)) throw new Error(`--servers: unknown server ${name}`);
const contenders = names.flatMap((name) =>
  stallMode === "only" ? [[name, true]] : stallMode === "no" ? [[name, false]] : [[name, false], [name, true]]
) as [string, boolean][];
const results = new Map<string, Result[]>();
await run("ip", ["netns", "add", ns]);
try {
  await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
  console.log(
    `${clients} SSE clients (link events), ${rate} changes/s for ${seconds} s, ${cycleCount} cycles, ` +
      `${rounds} rounds`,
  );
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < contenders.length; i++) {
      const [name, stall] = contenders[(i + r) % contenders.length];
      const label = `${name}${stall ? "+stall" : ""}`;
      const result = await round(name, stall);
      results.set(label, [...(results.get(label) ?? []), result]);
      console.log(`round ${r + 1} ${label}: ${describe(result)}`);
    }
  }
  const mmm = (xs: number[], digits = 0) =>
    `${Math.min(...xs).toFixed(digits)}/${median(xs).toFixed(digits)}/${Math.max(...xs).toFixed(digits)}`;
  console.log("min/median/max over rounds:");
  for (const [label, rs] of results) {
    const lost = rs.map((r) => r.sent - r.receivedMin);
    console.log(
      `${label}: events lost by the worst client ${mmm(lost)}; p50 ${mmm(rs.map((r) => r.p50))} ms; ` +
        `p99 ${mmm(rs.map((r) => r.p99))} ms (to the listener: p99 ${mmm(rs.map((r) => r.kernelP99))} ms); CPU ${
          mmm(rs.map((r) => r.cpu))
        }%, ${mmm(rs.map((r) => r.cpuPerEventUs), 1)} µs per client-event (in the kernel ${
          mmm(rs.map((r) => r.sysShare * 100))
        }%) ` +
        `(clients ${mmm(rs.map((r) => r.clientsCpu))}%); server waited for a CPU ${
          mmm(rs.map((r) => r.waited))
        } ms; RSS ${mmm(rs.map((r) => r.rss))} MiB; ` +
        `peak ${mmm(rs.map((r) => r.hwm))} MiB; JS heap ${mmm(rs.map((r) => r.heap))} MiB used of ` +
        `${mmm(rs.map((r) => r.heapTotal))}, external ${mmm(rs.map((r) => r.external))} MiB; ` +
        `load average ${rs.map((r) => r.loadavg).join(", ")}` +
        (rs[0].dropMs === undefined ? "" : `; dropped after ${mmm(rs.map((r) => r.dropMs ?? NaN))} ms`) +
        `; released after cycles in ${mmm(rs.map((r) => r.releaseMs ?? NaN))} ms` +
        `; left after cycles: ${mmm(rs.map((r) => r.leftConsumers))} consumers, ` +
        `${mmm(rs.map((r) => r.fdsAfter - r.fdsIdle))} fds over idle`,
    );
  }
  for (const name of names) {
    const plain = results.get(name), stalled = results.get(`${name}+stall`);
    if (plain === undefined || stalled === undefined) continue;
    const ratios = plain.map((r, i) => stalled[i].p99 / r.p99);
    console.log(
      `${name}: p99 with a stalled client / without, per round: ${ratios.map((x) => x.toFixed(2)).join(", ")}`,
    );
  }
  for (const label of results.keys()) {
    const oldLabel = label.replace(/^(bun|deno)/, "$1@old");
    const before = results.get(oldLabel);
    if (oldLabel === label || label.includes("@old") || before === undefined) continue;
    const ratios = results.get(label)!.map((r, i) => r.cpuPerEventUs / before[i].cpuPerEventUs);
    console.log(
      `${label}: CPU per client-event, this checkout / --old, per round: ${ratios.map((x) => x.toFixed(2)).join(", ")}`,
    );
  }
} finally {
  await run("ip", ["netns", "del", ns]);
}
process.exit(0);
