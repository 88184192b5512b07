/**
 * Where an event's latency goes. Usage: deno run -A bench/events_where.ts [samples=1000]
 *
 * The two latencies of `bench/events.ts` (own send; made by another process,
 * `bench/events_child.ts`), each cut at the moment the poller's wait resolves
 * (a wrapper around `Poller.wait` of the process's libc): before it is the
 * wake-up (the kernel, the scheduler, the poller's thread if any), after it
 * our JS (reading, decoding, promise turns, GC). With each sample also the
 * run-queue wait of the JS thread over the sample (the second field of
 * `/proc/self/schedstat`: time runnable but not running, waiting for a CPU).
 * Prints percentiles of the three parts and the ten slowest samples as
 * `total = wake + js (run-queue wait)`, in µs.
 */
import { readFileSync } from "node:fs";
import { NetlinkSocket } from "../mod.ts";
import { loadLibc } from "../ffi/mod.ts";
import { args, makeNetns, report, runtime } from "./common.ts";
import { addrMessage, eventsChild, RTM_DELADDR, RTM_NEWADDR } from "./event_changes.ts";
import { monotonicClock } from "./monotonic.ts";

const samples = Number(args[0] ?? 1000);
const RTNLGRP_IPV4_IFADDR = 5;
const now = monotonicClock();
/** The JS thread's time waiting for a CPU so far, in µs. */
const runQueueWait = () => Number(readFileSync("/proc/self/schedstat", "utf8").split(" ")[1]) / 1e3;

const poller = (await loadLibc()).poller();
const wait = poller.wait.bind(poller);
let resolvedAt = 0n;
poller.wait = () =>
  wait().then((fds) => {
    resolvedAt = now();
    return fds;
  });

interface Sample {
  start: bigint;
  resolved: bigint;
  end: bigint;
  runQueue: number;
}

function summary(kind: string, all: Sample[]): void {
  const rows = all.slice(50).map((s) => ({
    total: Number(s.end - s.start) / 1e3,
    wake: Number(s.resolved - s.start) / 1e3,
    js: Number(s.end - s.resolved) / 1e3,
    runQueue: s.runQueue,
  }));
  const at = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length * p) / 100)].toFixed(0);
  const parts = (["total", "wake", "js", "runQueue"] as const).map((k) => {
    const xs = rows.map((r) => r[k]);
    return `${k} ${at(xs, 50)} / ${at(xs, 90)} / ${at(xs, 99)}`;
  });
  report(`${runtime} ${kind}, p50 / p90 / p99 µs: ${parts.join(", ")}`);
  const slowest = [...rows].sort((a, b) => b.total - a.total).slice(0, 10);
  report(
    `${runtime} ${kind}, slowest 10: ` +
      slowest.map((r) => `${r.total.toFixed(0)} = ${r.wake.toFixed(0)} + ${r.js.toFixed(0)} (${r.runQueue.toFixed(0)})`)
        .join(", "),
  );
}

const { ns, remove } = makeNetns("where");
try {
  await using events = await NetlinkSocket.open("route", { netns: ns, groups: [RTNLGRP_IPV4_IFADDR] });
  await using control = await NetlinkSocket.open("route", { netns: ns });
  const it = events.notifications();
  const own: Sample[] = [];
  for (let i = 0; i < samples + 50; i++) {
    const next = it.next();
    await new Promise((r) => setTimeout(r, 0));
    const q0 = runQueueWait();
    const start = now();
    const done = control.request(addrMessage(RTM_NEWADDR, i));
    if ((await next).done) throw new Error("stream ended");
    const end = now();
    own.push({ start, resolved: resolvedAt, end, runQueue: runQueueWait() - q0 });
    await done;
    await control.request(addrMessage(RTM_DELADDR, i));
    await it.next();
  }
  summary("own send", own);

  const child = eventsChild(ns);
  const other: Omit<Sample, "start">[] = [];
  for (let i = 0; i < samples + 50; i++) {
    const next = it.next();
    await new Promise((r) => setTimeout(r, 0));
    const q0 = runQueueWait();
    child.change(i);
    if ((await next).done) throw new Error("stream ended");
    const end = now();
    other.push({ resolved: resolvedAt, end, runQueue: runQueueWait() - q0 });
    await it.next();
  }
  const stamps = await child.stamps();
  summary("another process", other.map((s, i) => ({ ...s, start: stamps[i] })));
  await it.return();
} finally {
  remove();
}
