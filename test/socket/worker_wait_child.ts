// Run by worker_wait.test.ts as a process of its own: a worker thread
// subscribes to the address group of the namespace given as argument and
// prints "ready"; the parent then adds an address with `ip`, and the worker
// must see it. (Bun's main thread is woken by a signal, which a Bun worker's
// listeners never received: there the poller must fall back to its thread.)
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { NetlinkSocket } from "../../mod.ts";

const RTNLGRP_IPV4_IFADDR = 5;
const RTM_NEWADDR = 20;

if (isMainThread) {
  const args = "Deno" in globalThis
    ? Deno.args
    : (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
  const worker = new Worker(new URL(import.meta.url), { workerData: args[0] });
  worker.on("message", (line: string) => console.log(line));
  worker.on("error", (e) => console.log(`error ${e}`));
} else {
  await using events = await NetlinkSocket.open("route", {
    netns: workerData as string,
    groups: [RTNLGRP_IPV4_IFADDR],
  });
  const it = events.notifications();
  const next = it.next();
  parentPort!.postMessage("ready");
  const got = await next;
  parentPort!.postMessage(!got.done && "type" in got.value && got.value.type === RTM_NEWADDR ? "RTM_NEWADDR" : "other");
  await it.return();
}
