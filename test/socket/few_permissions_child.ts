// Run by few_permissions.test.ts as a process of its own (under Deno with
// only --allow-ffi and --allow-read): subscribes to the address group of the
// namespace given as argument, prints "ready", and prints "RTM_NEWADDR" once
// the address the parent adds arrives.
import { NetlinkSocket } from "../../mod.ts";

const RTNLGRP_IPV4_IFADDR = 5;
const RTM_NEWADDR = 20;
const args = "Deno" in globalThis
  ? Deno.args
  : (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
await using events = await NetlinkSocket.open("route", { netns: args[0], groups: [RTNLGRP_IPV4_IFADDR] });
const it = events.notifications();
const next = it.next();
console.log("ready");
const got = await next;
console.log(!got.done && "type" in got.value && got.value.type === RTM_NEWADDR ? "RTM_NEWADDR" : "other");
await it.return();
