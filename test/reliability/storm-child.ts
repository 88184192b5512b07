// Run by storm.test.ts: reads route notifications in the namespace given as
// the first argument (with the receive buffer size given second) with a slow consumer, and on SIGTERM prints what it read
// and exits. How soon it exits says whether the signal handler got to run.
import process from "node:process";
import { NetlinkSocket, Overrun } from "../../mod.ts";

const [ns, rcvbuf] = process.argv.slice(2);
const sock = await NetlinkSocket.open("route", {
  netns: ns,
  groups: [7], // RTNLGRP_IPV4_ROUTE
  rcvbuf: Number(rcvbuf),
});
let events = 0;
let overruns = 0;
process.on("SIGTERM", () => {
  console.log(JSON.stringify({ signal: "SIGTERM", at: Date.now(), events, overruns }));
  process.exit(0);
});
console.log("ready");
for await (const item of sock.notifications()) {
  if (item instanceof Overrun) overruns++;
  else events++;
  await null;
  const end = performance.now() + 0.02;
  while (performance.now() < end) { /* a little work per event */ }
}
