// Child script for test/lifecycle.test.ts: opens sockets, leaves one idle,
// closes one under a pending iterator, and must then exit on its own.
import { NetlinkSocket } from "../../mod.ts";

const idle = await NetlinkSocket.open("route", { groups: [1] }); // never read, never closed
void idle;
const watched = await NetlinkSocket.open("route", { groups: [1] });
const ended = (async () => {
  for await (const _ of watched.notifications()) { /* none */ }
  return "ended";
})();
setTimeout(() => watched.close(), 50);
console.log(await ended);
