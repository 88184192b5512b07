// A user's program, run against the package as users get it (see
// .ci/jsr-shape/run): loads every export, then creates a namespace, watches
// its links and must see the link it adds there. It must then exit by itself.
//
//     bun app.mjs SUBPATH...        (node_modules/@nlts/netlink: the npm layer)
//     node app.mjs SUBPATH...       (the same npm layer, Node 26 with node:ffi)
//     deno run -A app.mjs SUBPATH...  (an import map to the published files)
import { execFileSync } from "node:child_process";
import process from "node:process";
import { RouteClient } from "@nlts/netlink";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const subpaths = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
for (const subpath of subpaths) {
  const specifier = "@nlts/netlink" + subpath.slice(1);
  const names = Object.keys(await import(specifier));
  if (names.length === 0) throw new Error(`${specifier} exports nothing`);
  console.log(`${specifier}: ${names.length} exports`);
}

const ns = `nlts-pkg-jsr-${runtime}-${process.pid}`;
execFileSync("ip", ["netns", "add", ns]);
try {
  const rt = await RouteClient.open({ netns: ns });
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 10_000);
  const events = rt.events(["link"], { signal: stop.signal });
  await events.ready;
  // The link comes while the iteration is already waiting for data (had it
  // come first, the first read would find it without ever waiting).
  const adding = new Promise((resolve) => setTimeout(resolve, 200)).then(() =>
    execFileSync("ip", ["-n", ns, "link", "add", "jsr0", "type", "veth", "peer", "name", "jsr1"])
  );
  let seen;
  try {
    for await (const event of events) {
      if (event.kind === "link" && event.link.name === "jsr0") {
        seen = event;
        break;
      }
    }
  } catch (error) {
    throw stop.signal.aborted ? new Error(`${runtime}: no link event for jsr0 within 10 s`) : error;
  }
  clearTimeout(timer);
  await adding;
  console.log(`${runtime}: link ${seen.action} ${seen.link.name} index ${seen.link.index} in ${ns}`);
  await events.close();
  await rt.close();
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
