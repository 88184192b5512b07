/**
 * The other process of `bench/events.ts`: for each line `n` on stdin it
 * stamps CLOCK_MONOTONIC, then adds and deletes 10.98.n/32 on lo in the
 * namespace given as argument; when stdin ends it prints the stamps (ns) as
 * one JSON array.
 */
import { createInterface } from "node:readline";
import { Flags, MessageWriter, NetlinkSocket } from "../mod.ts";
import { args } from "./common.ts";
import { monotonicClock } from "./monotonic.ts";

const RTM_NEWADDR = 20, RTM_DELADDR = 21;
const now = monotonicClock();

function addrMessage(type: number, n: number): Uint8Array {
  const m = new MessageWriter(type, type === RTM_NEWADDR ? Flags.CREATE | Flags.EXCL : 0);
  const h = m.struct(8);
  h.setUint8(0, 2); // AF_INET
  h.setUint8(1, 32);
  h.setUint32(4, 1, true); // lo
  const addr = new Uint8Array([10, 98, (n >> 8) & 255, n & 255]);
  m.attr(2, addr).attr(1, addr); // IFA_LOCAL, IFA_ADDRESS
  return m.finish();
}

await using control = await NetlinkSocket.open("route", { netns: args[0] });
const stamps: string[] = [];
for await (const line of createInterface({ input: process.stdin })) {
  const n = Number(line);
  stamps.push(String(now()));
  await control.request(addrMessage(RTM_NEWADDR, n));
  await control.request(addrMessage(RTM_DELADDR, n));
}
console.log(JSON.stringify(stamps));
