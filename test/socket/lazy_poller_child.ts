// Run by lazy_poller.test.ts as a process of its own (the poller is
// process-wide). Two sockets are opened before anything waits; the second
// waits first, which makes the poller; then the first joins the link group
// and waits with nothing queued: the poller must watch it too, although it
// was registered before the poller existed.
import { NetlinkSocket } from "../../mod.ts";

const RTNLGRP_LINK = 1;
const args = "Deno" in globalThis
  ? Deno.args
  : (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const netns = args[0];
await using first = await NetlinkSocket.open("route", { netns });
await using second = await NetlinkSocket.open("route", { netns, groups: [RTNLGRP_LINK] });
const got: string[] = [];
const wait = async (sock: NetlinkSocket, name: string) => {
  for await (const m of sock.notifications()) {
    if (!("type" in m)) continue;
    got.push(name);
    return;
  }
};
const secondGot = wait(second, "second");
console.log("ready"); // the parent adds a link
await secondGot;
first.join(RTNLGRP_LINK);
const firstGot = wait(first, "first");
console.log("ready again"); // the parent sets it up
await firstGot;
console.log(got.join(","));
