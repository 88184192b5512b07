/**
 * The other process of `bench/events.ts`: for each line `n` on stdin it
 * stamps CLOCK_MONOTONIC, then adds and deletes 10.98.n/32 on lo in the
 * namespace given as argument; when stdin ends it prints the stamps (ns) as
 * one JSON array.
 */
import { createInterface } from "node:readline";
import { NetlinkSocket } from "../mod.ts";
import { args } from "./common.ts";
import { addrMessage, RTM_DELADDR, RTM_NEWADDR } from "./event_changes.ts";
import { monotonicClock } from "./monotonic.ts";

const now = monotonicClock();

await using control = await NetlinkSocket.open("route", { netns: args[0] });
const stamps: string[] = [];
for await (const line of createInterface({ input: process.stdin })) {
  const n = Number(line);
  stamps.push(String(now()));
  await control.request(addrMessage(RTM_NEWADDR, n, 98));
  await control.request(addrMessage(RTM_DELADDR, n, 98));
}
console.log(JSON.stringify(stamps));
