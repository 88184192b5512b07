// Child script for test/lifecycle.test.ts: a worker thread opens sockets,
// dumps links, leaves one socket idle and ends; the process must then exit
// by itself, cleanly.
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { NetlinkSocket, RouteClient } from "../../mod.ts";

if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url));
  worker.on("message", (n: number) => console.log(`links ${n > 0}`));
  worker.on("error", (e) => console.log(`error ${e}`));
  worker.on("exit", (code) => console.log(`exit ${code}`));
} else {
  let n = 0;
  {
    await using rt = await RouteClient.open();
    for await (const _ of rt.links()) n++;
  }
  const idle = await NetlinkSocket.open("route", { groups: [1] }); // never read, never closed
  void idle;
  parentPort!.postMessage(n);
}
