/**
 * Live network state over HTTP with `node:http`: the twin of
 * examples/bun_server.ts and examples/deno_server.ts (same options, same
 * endpoints: see examples/state_server.ts), for Node ≥ 26.
 *
 *     node examples/node_server.ts [--port N] [--netns NAME] [--rcvbuf BYTES] [--max-queue N] [--max-stall SECONDS]
 *
 * V8's `--optimize-for-size` brings this server from about 220 to 150 MiB
 * under 1,000 SSE clients at 50 events/s, but on a quiet machine it took the
 * p99 latency from 0.14 s to 3 s (bench/RESULTS.md): not advised.
 *
 * `node:http` speaks in requests and writable responses, the core in
 * `Request` and `Response`: each answer's body is read a chunk at a time and
 * written out, and the next chunk is read only once the socket has taken
 * the last one (`write()` said so, or "drain" came), so a client that does
 * not read keeps its backlog in its own bounded queue on the core's side.
 * Outside this repository, import from the package's files instead of "../mod.ts".
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { once } from "node:events";
import process from "node:process";
import { parseOptions, StateServer } from "./state_server.ts";

let options;
try {
  options = parseOptions(process.argv.slice(2), process.env);
} catch (error) {
  console.error(`node_server: ${(error as Error).message}`);
  process.exit(2); // a usage error
}

/** Answers one request with the core's `Response`, its body written as the socket takes it. */
async function serve(state: StateServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const gone = new AbortController(); // the connection closed (or the answer is over)
  res.on("close", () => gone.abort());
  const response = state.handle(new Request(`http://127.0.0.1${req.url}`, { method: req.method }), gone.signal);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) return void res.end();
  const reader = response.body.getReader();
  try {
    for (let chunk; !(chunk = await reader.read()).done;) {
      if (!res.write(chunk.value)) await once(res, "drain", { signal: gone.signal });
    }
    res.end();
  } catch {
    void reader.cancel(); // the connection went away while waiting for "drain"
  }
}

try {
  const state = await StateServer.open(options);
  const server = createServer((req, res) => void serve(state, req, res));
  server.listen(options.port, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}${options.netns ? ` (netlink in ${options.netns})` : ""}`);
  const shutdown = async () => {
    server.close();
    await state.close(); // ends the event streams
    server.closeAllConnections();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (error) {
  console.error(`node_server: ${(error as Error).message}`);
  process.exit(1);
}
