/**
 * A live dashboard of one network namespace: one page (inline HTML and
 * script, no build step, nothing fetched from elsewhere) that shows the
 * links, addresses and routes and follows every change as it happens, over
 * Server-Sent Events from examples/state_server.ts (one shared `watch()` per
 * kind, a snapshot then deltas, whatever the number of open pages).
 *
 *     bun examples/dashboard.ts [--netns NAME] [--port N]
 *     deno run -A examples/dashboard.ts [--netns NAME] [--port N]
 *     node examples/dashboard.ts [--netns NAME] [--port N]
 *
 * It listens on 127.0.0.1 (default port 8080; 0 picks a free one; the first
 * line printed says where). `/` is the page; the JSON and event endpoints of
 * state_server.ts are there too. SIGINT (Ctrl-C) or SIGTERM closes the
 * watches and the open pages' streams and exits with status 0.
 * Outside this repository, import from the package's files instead of "../mod.ts".
 */
import process from "node:process";
import { createServer } from "node:http";
import { once } from "node:events";
import { parseOptions, StateServer } from "./state_server.ts";

/** The page: it keeps each kind as a map from the server's keys to items, and redraws the tables on every event. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nlts dashboard</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 .2em; }
  h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
  #status { color: #666; }
  #status.live { color: #17803d; }
  table { border-collapse: collapse; }
  th, td { text-align: left; padding: .15em .9em .15em 0; border-bottom: 1px solid #eee; font-family: ui-monospace, monospace; }
  th { font-family: system-ui, sans-serif; color: #555; font-weight: 600; }
  tr.fresh td { background: #fff6c8; }
  .UP { color: #17803d; } .DOWN, .LOWERLAYERDOWN { color: #b3261e; }
</style>
</head>
<body>
<h1>Links, addresses and routes of <span id="netns"></span></h1>
<div id="status">connecting…</div>
<h2>Links (<span id="link-count">0</span>)</h2>
<table><thead><tr><th>index</th><th>name</th><th>state</th><th>mtu</th><th>address</th><th>kind</th><th>flags</th></tr></thead>
<tbody id="links"></tbody></table>
<h2>Addresses (<span id="address-count">0</span>)</h2>
<table><thead><tr><th>dev</th><th>family</th><th>address</th><th>scope</th></tr></thead>
<tbody id="addresses"></tbody></table>
<h2>Routes (<span id="route-count">0</span>)</h2>
<table><thead><tr><th>dst</th><th>gateway</th><th>dev</th><th>table</th><th>proto</th><th>scope</th><th>type</th><th>metric</th></tr></thead>
<tbody id="routes"></tbody></table>
<script>
"use strict";
const views = { link: new Map(), address: new Map(), route: new Map() };
const fresh = new Set();
let updates = 0;
const status = document.getElementById("status");
const text = (v) => (v === undefined || v === null || v === "" ? "-" : String(v));
const dev = (index) => views.link.get(String(index))?.name ?? (index === undefined ? undefined : "if" + index);
const TABLES = { 253: "default", 254: "main", 255: "local" };
function prefix(addr, length, family) {
  if (addr === undefined) return length === 0 ? "default" : "?/" + length;
  return length === (family === "inet6" ? 128 : 32) ? addr : addr + "/" + length;
}
const COLUMNS = {
  link: (l) => [l.index, l.name, l.operstate?.toUpperCase(), l.mtu, l.address, l.linkinfo?.kind, (l.flags ?? []).join(",")],
  address: (a) => [dev(a.index), a.family, prefix(a.local ?? a.address, a.prefixLength, a.family), a.scope],
  route: (r) => [
    prefix(r.dst, r.dstLength, r.family),
    r.multipath ? r.multipath.map((p) => p.gateway ?? "-").join(",") : r.gateway,
    r.multipath ? r.multipath.map((p) => dev(p.ifindex)).join(",") : dev(r.oif),
    TABLES[r.table] ?? r.table, r.protocol, r.scope, r.type, r.priority,
  ],
};
const ORDER = {
  link: (a, b) => a.index - b.index,
  address: (a, b) => a.index - b.index || String(a.family).localeCompare(String(b.family)),
  route: (a, b) => a.table - b.table || String(a.family).localeCompare(String(b.family)) || a.dstLength - b.dstLength,
};
const BODIES = { link: "links", address: "addresses", route: "routes" };
function render(kind) {
  const body = document.getElementById(BODIES[kind]);
  const rows = [...views[kind]].sort(([, a], [, b]) => ORDER[kind](a, b));
  body.replaceChildren(...rows.map(([key, item]) => {
    const tr = document.createElement("tr");
    tr.dataset.key = key;
    if (fresh.has(kind + " " + key)) tr.className = "fresh";
    for (const cell of COLUMNS[kind](item)) {
      const td = document.createElement("td");
      td.textContent = text(cell);
      if (kind === "link" && cell === item.operstate?.toUpperCase()) td.className = text(cell);
      tr.append(td);
    }
    return tr;
  }));
  document.getElementById(kind + "-count").textContent = String(views[kind].size);
}
function apply(kind, d) {
  const view = views[kind];
  if (d.type === "snapshot") {
    view.clear();
    d.items.forEach((item, i) => view.set(d.keys[i], item));
  } else if (d.type === "added" || d.type === "changed") {
    view.set(d.key, d.item);
    fresh.add(kind + " " + d.key);
  } else if (d.type === "removed") view.delete(d.key);
  updates++;
  document.body.dataset.updates = String(updates);
  // Names of links appear in the other tables.
  for (const k of kind === "link" ? ["link", "address", "route"] : [kind]) render(k);
}
const events = new EventSource("events");
for (const kind of Object.keys(views)) events.addEventListener(kind, (e) => apply(kind, JSON.parse(e.data)));
events.addEventListener("overrun", () => (status.textContent = "events were lost: catching up…"));
events.addEventListener("dropped", () => (status.textContent = "too far behind: reconnecting…"));
events.onopen = () => {
  status.textContent = "live";
  status.className = "live";
};
events.onerror = () => {
  status.textContent = "disconnected: reconnecting…";
  status.className = "";
};
</script>
</body>
</html>
`;

// The parts of Bun's global API this example uses (`deno check` has no Bun types).
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch(request: Request): Response | Promise<Response>;
  }): { readonly port: number; stop(closeActiveConnections?: boolean): void };
};

/** Answers one request; `gone` aborts when its connection closes. */
type Handler = (request: Request, gone: AbortSignal) => Response;

/** A listening server: its port, and how to stop it. */
interface Listening {
  port: number;
  stop(): Promise<void>;
}

/** The same handler served with the runtime's own server: `Bun.serve`, `Deno.serve`, or `node:http`. */
async function listen(port: number, handler: Handler): Promise<Listening> {
  if ("Bun" in globalThis) {
    const server = Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch: (r) => handler(r, r.signal) });
    return { port: server.port, stop: () => Promise.resolve(server.stop(true)) };
  }
  if ("Deno" in globalThis) {
    const { promise, resolve } = Promise.withResolvers<number>();
    const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: (addr) => resolve(addr.port) }, (r, info) => {
      // `completed` settles when the response is over, a closed connection included.
      const gone = new AbortController();
      const abort = () => gone.abort();
      info.completed.then(abort, abort);
      return handler(r, gone.signal);
    });
    return { port: await promise, stop: () => server.shutdown() };
  }
  // Node: the fetch-style handler over node:http, the body written as the socket drains.
  const server = createServer(async (req, res) => {
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    const response = handler(new Request(`http://127.0.0.1${req.url}`, { method: req.method }), gone.signal);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.flushHeaders();
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    gone.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        if (!res.write(r.value)) await once(res, "drain", { signal: gone.signal });
      }
      res.end();
    } catch {
      res.destroy(); // the page went away
    }
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
let options;
try {
  options = parseOptions(args, process.env);
} catch (error) {
  console.error(`dashboard: ${(error as Error).message}`);
  process.exit(2); // a usage error
}
try {
  const state = await StateServer.open(options);
  const page = PAGE.replace(
    '<span id="netns"></span>',
    `<span id="netns">${escape(options.netns ?? "this host")}</span>`,
  );
  const server = await listen(options.port, (request, gone) => {
    const path = new URL(request.url).pathname;
    if (path === "/" && request.method === "GET") {
      return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    return state.handle(request, gone);
  });
  console.log(`listening on http://127.0.0.1:${server.port}${options.netns ? ` (netlink in ${options.netns})` : ""}`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await state.close(); // ends the event streams, so the server can finish
    await server.stop();
    process.exit(0);
  };
  if ("Deno" in globalThis) {
    Deno.addSignalListener("SIGINT", shutdown);
    Deno.addSignalListener("SIGTERM", shutdown);
  } else {
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
  }
} catch (error) {
  console.error(`dashboard: ${(error as Error).message}`);
  process.exit(1);
}

/** Text for HTML. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
