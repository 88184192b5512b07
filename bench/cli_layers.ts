/**
 * Where the memory of `cli.ts -j route show table all` goes, layer by layer:
 * run as a whole process under /usr/bin/time, each mode stops one layer
 * earlier than the command line does.
 *
 * - `load`: import the route client, nothing else;
 * - `open`: open a RouteClient in the namespace and close it;
 * - `raw`: dump every route through `NetlinkSocket.dump`, undecoded (an object per message);
 * - `datagrams`: the same through `NetlinkSocket.dumpDatagrams`, each datagram released (what the decoders read);
 * - `decode`: dump and decode every route (`RouteClient.routes`), print nothing.
 *
 * Usage: /usr/bin/time -f %M deno run -A bench/cli_layers.ts MODE NETNS   (or bun, node)
 */
import process from "node:process";
import { RouteClient } from "../src/route/client.ts";
import { NetlinkSocket } from "../src/socket/socket.ts";
import { MessageWriter } from "../src/wire/message.ts";
import { Flags } from "../src/wire/constants.ts";
import { RTM } from "../src/route/constants.ts";

const [mode, netns] = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
let count = 0;
if (mode === "open") {
  await using _rt = await RouteClient.open({ netns });
} else if (mode === "raw") {
  await using sock = await NetlinkSocket.open("route", { netns });
  const req = new MessageWriter(RTM.GETROUTE, Flags.DUMP);
  req.struct(12); // struct rtmsg, family 0: every family
  for await (const _ of sock.dump(req.finish())) count++;
} else if (mode === "datagrams") {
  await using sock = await NetlinkSocket.open("route", { netns });
  const req = new MessageWriter(RTM.GETROUTE, Flags.DUMP);
  req.struct(12);
  for await (const d of sock.dumpDatagrams(req.finish())) {
    count += d.starts.length;
    d.release();
  }
} else if (mode === "decode") {
  await using rt = await RouteClient.open({ netns });
  for await (const _ of rt.routes({ table: "all" })) count++;
} else if (mode !== "load") throw new TypeError(`mode: load, open, raw, datagrams or decode, not ${mode}`);
console.error(`${mode}: ${count} messages`);
