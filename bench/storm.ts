/**
 * Event storm: while `ip -batch` adds N IPv4 routes in a private namespace, a
 * subscriber (`subscribe(["ipv4_route"])`, decoding every event) counts the
 * route events and the overruns. Nothing may be lost silently: either all N
 * arrive, or an overrun is reported. Run twice: with default options, and
 * with the receive buffer recommended for bursts (SO_RCVBUFFORCE, 32 MiB by
 * default). Then a drain: 20,000 events queued in the kernel are read back
 * as fast as the subscriber can. Usage:
 *   deno run -A bench/storm.ts [routes=100000] [rcvbuf MiB=32]
 *   bun bench/storm.ts [routes=100000] [rcvbuf MiB=32]
 */
import { spawn } from "node:child_process";
import { cpuUsage } from "node:process";
import { Overrun, subscribe } from "../mod.ts";
import { addVeth, args, ipBatch, makeNetns, report, routeLines, runtime } from "./common.ts";

const count = Number(args[0] ?? 100_000);
const rcvbufMiB = Number(args[1] ?? 32);
/** After `ip` exits, this long without an event ends the count. */
const QUIET_MS = 1000;

async function storm(label: string, rcvbuf: number | undefined): Promise<void> {
  const { ns, remove } = makeNetns("storm");
  try {
    addVeth(ns);
    const events = subscribe(["ipv4_route"], { netns: ns, rcvbuf });
    await events.ready;
    let routes = 0, overruns = 0, other = 0, last = 0, ipDone = 0;
    const input = routeLines(count);
    const t0 = performance.now();
    const c0 = cpuUsage();
    const ip = spawn("ip", ["-n", ns, "-batch", "-"], { stdio: ["pipe", "ignore", "inherit"] });
    const exited = new Promise<number | null>((resolve) => ip.on("exit", (code) => resolve(code)));
    ip.stdin!.end(input);
    void exited.then(() => (ipDone = performance.now()));
    // Ends the iteration once ip has exited and the events have stopped.
    const watchdog = setInterval(() => {
      if (ipDone && performance.now() - Math.max(last, ipDone) > QUIET_MS) void events.close();
    }, 100);
    try {
      for await (const e of events) {
        if ("kind" in e && e.kind === "route" && e.action === "new") {
          routes++;
          last = performance.now();
          if (routes === count) break;
        } else if (e instanceof Overrun) overruns++;
        else other++;
      }
    } finally {
      clearInterval(watchdog);
      await events.close();
    }
    const cpu = cpuUsage(c0);
    const code = await exited;
    if (code !== 0) throw new Error(`ip -batch exited with ${code}`);
    const verdict = routes === count
      ? "all received"
      : overruns > 0
      ? `${count - routes} lost, reported by ${overruns} overrun(s)`
      : `${count - routes} LOST SILENTLY`;
    const secs = (last - t0) / 1000;
    report(
      `${runtime} event storm, ${label}: ${routes}/${count} route events, ${overruns} overruns (${verdict}); ` +
        `${Math.round(routes / secs)} events/s (last event ${(secs * 1000).toFixed(0)} ms after the start, ` +
        `ip -batch done at ${(ipDone - t0).toFixed(0)} ms); our CPU ${
          ((cpu.user + cpu.system) / routes).toFixed(1)
        } µs ` +
        `per event${other ? `; ${other} other events` : ""}`,
    );
  } finally {
    remove();
  }
}

/**
 * Drain: `backlog` route events wait in the kernel buffer (the subscriber is
 * not reading while `ip` adds the routes), then are read back as fast as the
 * subscriber can: its capacity, without `ip` as the bottleneck.
 */
async function drain(backlog: number, rcvbuf: number): Promise<void> {
  const { ns, remove } = makeNetns("drain");
  try {
    addVeth(ns);
    const events = subscribe(["ipv4_route"], { netns: ns, rcvbuf });
    await events.ready;
    ipBatch(ns, routeLines(backlog));
    const t0 = performance.now();
    const c0 = cpuUsage();
    let routes = 0, overruns = 0;
    for await (const e of events) {
      if (e instanceof Overrun) overruns++;
      else if (e.kind === "route") routes++;
      if (routes === backlog || overruns > 0) break;
    }
    const ms = performance.now() - t0;
    const cpu = cpuUsage(c0);
    report(
      `${runtime} event drain, rcvbuf ${rcvbuf / 1024 / 1024} MiB: ${routes}/${backlog} queued route events read in ` +
        `${ms.toFixed(0)} ms = ${Math.round(routes / ms * 1000)} events/s, ${overruns} overruns; ` +
        `our CPU ${((cpu.user + cpu.system) / routes).toFixed(1)} µs per event`,
    );
  } finally {
    remove();
  }
}

await storm("default options", undefined);
await storm(`rcvbuf ${rcvbufMiB} MiB`, rcvbufMiB * 1024 * 1024);
await drain(20_000, rcvbufMiB * 1024 * 1024);
