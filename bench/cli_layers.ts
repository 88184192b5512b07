/**
 * Where the memory and time of `cli.ts -j route show table all` go, layer
 * by layer: run as a whole process under /usr/bin/time, each mode stops one
 * layer earlier than the command line does. Each mode imports only what it
 * uses (dynamic imports), so `empty` is the runtime alone.
 *
 * - `empty`: nothing (the runtime's own start and exit);
 * - `load`: import what the command line's route listing imports (`src/cli/routes.ts`), nothing else;
 * - `open`: open a route socket in the namespace and close it;
 * - `raw`: dump every route through `NetlinkSocket.dump`, undecoded (an object per message);
 * - `datagrams`: the same through `NetlinkSocket.dumpDatagrams`, each datagram released (what the decoders read);
 * - `decode`: dump and decode every route (`RouteClient.routes`, a promise per route), print nothing;
 * - `routes`: `listRouteDatagrams`, each route decoded and dropped (what the command line did before it wrote from the wire);
 * - `bytes`: what the command line does before writing: `listRouteDatagrams` with `forEachPayload`, each route written
 *   as ip's JSON into one reused buffer by `src/cli/routebytes.ts` (none declined here), nothing printed.
 *
 * Usage: /usr/bin/time -f %M deno run -A bench/cli_layers.ts MODE NETNS   (or bun, node)
 */
const args = "Deno" in globalThis
  ? Deno.args
  : (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const [mode, netns] = args;
const modes = ["empty", "load", "open", "raw", "datagrams", "decode", "routes", "bytes"];
if (!modes.includes(mode)) throw new TypeError(`mode: ${modes.join(", ")}, not ${mode}`);
let count = 0;
if (mode === "load") await import("../src/cli/routes.ts");
if (mode === "open" || mode === "raw" || mode === "datagrams" || mode === "routes" || mode === "bytes") {
  const { NetlinkSocket } = await import("../src/socket/socket.ts");
  await using sock = await NetlinkSocket.open("route", { netns });
  if (mode === "raw" || mode === "datagrams") {
    const { MessageWriter } = await import("../src/wire/message.ts");
    const { Flags } = await import("../src/wire/constants.ts");
    const { RTM } = await import("../src/route/constants.ts");
    const req = new MessageWriter(RTM.GETROUTE, Flags.DUMP);
    req.struct(12); // struct rtmsg, family 0: every family
    if (mode === "raw") { for await (const _ of sock.dump(req.finish())) count++; }
    else {
      for await (const d of sock.dumpDatagrams(req.finish())) {
        count += d.starts.length;
        d.release();
      }
    }
  } else if (mode === "routes") {
    const { listRouteDatagrams } = await import("../src/route/route.ts");
    for await (const step of listRouteDatagrams(sock, { table: "all" })) for (const _ of step) count++;
  } else if (mode === "bytes") {
    const { listRouteDatagrams } = await import("../src/route/route.ts");
    const { IpRouteBytes, ROUTE_ROOM } = await import("../src/cli/routebytes.ts");
    const writer = new IpRouteBytes(new Map(), "all");
    const buffer = new Uint8Array(64 * 1024);
    let at = 0;
    for await (const step of listRouteDatagrams(sock, { table: "all" })) {
      step.forEachPayload((bytes, start, end) => {
        if (at > buffer.length - ROUTE_ROOM) at = 0;
        const stop = writer.write(bytes, start, end, buffer, at);
        if (stop >= 0) at = stop, count++;
      });
    }
  }
} else if (mode === "decode") {
  const { RouteClient } = await import("../src/route/client.ts");
  await using rt = await RouteClient.open({ netns });
  for await (const _ of rt.routes({ table: "all" })) count++;
}
if (mode !== "empty") console.error(`${mode}: ${count} messages`);
