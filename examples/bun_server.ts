/**
 * Live network state over HTTP with `Bun.serve`: links, addresses and routes
 * as JSON, and as Server-Sent Events (a snapshot, then deltas) for any number
 * of clients over one shared watch per kind. See examples/state_server.ts
 * for the endpoints; examples/deno_server.ts and examples/node_server.ts
 * are the same with `Deno.serve` and `node:http`.
 *
 *     bun examples/bun_server.ts [--port N] [--netns NAME] [--rcvbuf BYTES] [--max-queue N] [--max-stall SECONDS]
 *
 * It listens on 127.0.0.1 (port 0 picks a free one; the first line printed
 * says which); with `--netns` its netlink sockets look into that namespace.
 * Outside this repository, import from the package's files instead of "../mod.ts".
 */
import process from "node:process";
import { parseOptions, StateServer } from "./state_server.ts";

// The parts of Bun's global API this example uses, declared here so that
// `deno check`, which has no Bun types, checks the rest of the file.
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch(request: Request): Response | Promise<Response>;
    error(error: Error): Response;
  }): { readonly port: number; stop(closeActiveConnections?: boolean): void };
};

let options;
try {
  options = parseOptions(process.argv.slice(2), process.env);
} catch (error) {
  console.error(`bun_server: ${(error as Error).message}`);
  process.exit(2); // a usage error
}
try {
  const state = await StateServer.open(options);
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: options.port,
    idleTimeout: 0, // event streams stay open
    fetch: (request) => state.handle(request),
    error: (error) => Response.json({ error: error.message }, { status: 500 }),
  });
  console.log(`listening on http://127.0.0.1:${server.port}${options.netns ? ` (netlink in ${options.netns})` : ""}`);
  const shutdown = async () => {
    server.stop(true);
    await state.close();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (error) {
  console.error(`bun_server: ${(error as Error).message}`);
  process.exit(1);
}
