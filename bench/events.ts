/**
 * Event latency and idle cost. Usage: deno run -A bench/events.ts [samples=1000]
 *
 * Latency, own send: a request socket adds (then deletes) an address on lo in
 * a private namespace; the kernel makes the change and multicasts
 * RTM_NEWADDR during that sendmsg. We time from just before the send to the
 * moment the subscriber's `for await` body runs. The JS thread is busy when
 * the event is queued, so this favours a waiter that runs on it.
 *
 * Latency, another process: the same change made by a child process (the same
 * runtime, `bench/events_child.ts`), which stamps CLOCK_MONOTONIC just before
 * its send; here the subscriber's process is idle, asleep, when the event is
 * queued, the usual case for a program watching the system. Timed from the
 * child's stamp to the subscriber's `for await` body (CLOCK_MONOTONIC too).
 *
 * Idle: 100 sockets, each with a pending notification iterator and no
 * traffic, for 5 s; CPU time of the whole process (all threads) / wall time.
 */
import { cpuUsage } from "node:process";
import { NetlinkSocket } from "../mod.ts";
import { makeNetns, median, percentile, report, runtime } from "./common.ts";
import { addrMessage, eventsChild, RTM_DELADDR, RTM_NEWADDR } from "./event_changes.ts";
import { monotonicClock } from "./monotonic.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const samples = Number(args[0] ?? 1000);
const RTNLGRP_IPV4_IFADDR = 5;

const { ns, remove } = makeNetns("events");
try {
  await using events = await NetlinkSocket.open("route", { netns: ns, groups: [RTNLGRP_IPV4_IFADDR] });
  await using control = await NetlinkSocket.open("route", { netns: ns });
  const it = events.notifications();
  const latencies: number[] = [];
  for (let i = 0; i < samples + 50; i++) {
    const next = it.next(); // the consumer is waiting before the change happens
    await new Promise((r) => setTimeout(r, 0));
    const t0 = performance.now();
    const done = control.request(addrMessage(RTM_NEWADDR, i));
    const got = await next;
    const t1 = performance.now();
    if (got.done) throw new Error("stream ended");
    await done;
    await control.request(addrMessage(RTM_DELADDR, i));
    await it.next(); // the RTM_DELADDR
    if (i >= 50) latencies.push(t1 - t0); // skip warm-up
  }
  report(
    `${runtime} event latency over ${samples} events: median ${(median(latencies) * 1000).toFixed(0)} µs, ` +
      `p99 ${(percentile(latencies, 99) * 1000).toFixed(0)} µs`,
  );

  const now = monotonicClock();
  const child = eventsChild(ns);
  const ends: bigint[] = [];
  for (let i = 0; i < samples + 50; i++) {
    const next = it.next();
    await new Promise((r) => setTimeout(r, 0));
    child.change(i);
    const got = await next;
    ends.push(now());
    if (got.done) throw new Error("stream ended");
    await it.next(); // the RTM_DELADDR
  }
  const stamps = await child.stamps();
  const fromChild = ends.slice(50).map((end, i) => Number(end - stamps[i + 50]) / 1e6);
  report(
    `${runtime} event latency over ${samples} events made by another process: ` +
      `median ${(median(fromChild) * 1000).toFixed(0)} µs, p99 ${(percentile(fromChild, 99) * 1000).toFixed(0)} µs`,
  );
  await it.return();
} finally {
  remove();
}

{
  const quiet = makeNetns("idle");
  const sockets: NetlinkSocket[] = [];
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < 100; i++) {
    // Every rtnetlink group, in a private namespace nobody changes: no traffic.
    const s = await NetlinkSocket.open("route", { netns: quiet.ns, groups: [1, 3, 5, 7, 8, 9, 11, 19] });
    sockets.push(s);
    pending.push((async () => {
      for await (const _ of s.notifications()) { /* none expected */ }
    })());
  }
  await new Promise((r) => setTimeout(r, 500));
  const c0 = cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 5000));
  const c1 = cpuUsage(c0);
  const wall = performance.now() - t0;
  const cpu = (c1.user + c1.system) / 1000;
  report(
    `${runtime} idle with 100 subscriptions: ${cpu.toFixed(1)} ms CPU in ${(wall / 1000).toFixed(1)} s ` +
      `= ${((cpu / wall) * 100).toFixed(2)}% of one core`,
  );
  for (const s of sockets) await s.close();
  await Promise.all(pending);
  quiet.remove();
}
