/**
 * An HTTP server over rtnetlink, with `Bun.serve`:
 *
 * - `GET /links`: a JSON array of the links (as `RouteClient.links()` gives them);
 * - `GET /events`: Server-Sent Events of rtnetlink changes, one `event:` per
 *   kind (`link`, `address`, `route`…) with the event as JSON `data:`;
 *   `?groups=link,ipv4_ifaddr` picks the groups.
 *
 *     bun examples/bun_server.ts [--port N] [--netns NAME]     (or PORT=, NLTS_NETNS=)
 *
 * The server listens on 127.0.0.1 of the namespace it runs in; with a
 * namespace its netlink sockets look into that one instead. Port 0 picks a
 * free port; the first line printed says which. Outside this repository,
 * import from the package's files instead of "../mod.ts".
 */
import process from "node:process";
import { Overrun, RouteClient, type RouteEvent, type RtnlGroupName, subscribe } from "../mod.ts";
import { jsonReplacer } from "../mod.ts"; // bigint as number/string, bytes as hex

// The parts of Bun's global API this example uses, declared here so that
// `deno check`, which has no Bun types, checks the rest of the file.
declare const Bun: {
  readonly argv: string[];
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch(request: Request): Response | Promise<Response>;
    error(error: Error): Response;
  }): { readonly port: number; stop(closeActiveConnections?: boolean): void };
};

function flag(name: string): string | undefined {
  const at = Bun.argv.indexOf(name);
  return at >= 0 ? Bun.argv[at + 1] : undefined;
}
const port = Number(flag("--port") ?? process.env.PORT ?? 8080);
const netns = flag("--netns") ?? process.env.NLTS_NETNS ?? undefined;
const DEFAULT_GROUPS: RtnlGroupName[] = ["link", "ipv4_ifaddr", "ipv6_ifaddr", "ipv4_route", "ipv6_route"];

/** Ends the program with one line on stderr, like the CLI, instead of a stack trace. */
function fail(error: unknown): never {
  console.error(`bun_server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

// A mistyped --netns fails here: "open(/run/netns/NAME) failed with ENOENT".
const rt = await RouteClient.open({ netns }).catch(fail);
const encoder = new TextEncoder();

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value, jsonReplacer), { status, headers: { "content-type": "application/json" } });
}

function sse(event: RouteEvent | Overrun): Uint8Array {
  const kind = event instanceof Overrun ? "overrun" : event.kind;
  return encoder.encode(`event: ${kind}\ndata: ${JSON.stringify(event, jsonReplacer)}\n\n`);
}

function events(request: Request, groups: RtnlGroupName[]): Response {
  // The subscription ends when the client goes away (request.signal).
  const stream = subscribe(groups, { netns, signal: request.signal });
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        await stream.ready;
      } catch (error) {
        controller.error(error);
        return;
      }
      controller.enqueue(encoder.encode(": ready\n\n")); // subscribed: changes from now on are sent
      heartbeat = setInterval(() => controller.enqueue(encoder.encode(": ping\n\n")), 15_000);
      (async () => {
        try {
          for await (const event of stream) controller.enqueue(sse(event));
        } catch { /* aborted or closed */ }
        clearInterval(heartbeat);
        try {
          controller.close();
        } catch { /* already cancelled */ }
      })();
    },
    cancel() {
      clearInterval(heartbeat);
      void stream.close();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  idleTimeout: 0, // event streams stay open
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method !== "GET") return json({ error: "method not allowed" }, 405);
    if (url.pathname === "/links") {
      const links = [];
      for await (const link of rt.links()) links.push(link);
      return json(links);
    }
    if (url.pathname === "/events") {
      const groups = (url.searchParams.get("groups")?.split(",") ?? DEFAULT_GROUPS) as RtnlGroupName[];
      try {
        return events(request, groups);
      } catch (error) {
        return json({ error: (error as Error).message }, 400); // an unknown group name
      }
    }
    return json({ error: "not found" }, 404);
  },
  error(error) {
    return json({ error: error.message }, 500);
  },
});
console.log(`listening on http://127.0.0.1:${server.port}${netns ? ` (netlink in ${netns})` : ""}`);

async function shutdown(): Promise<void> {
  server.stop(true);
  await rt.close();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
