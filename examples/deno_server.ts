/**
 * Live network state over HTTP with `Deno.serve`: the twin of
 * examples/bun_server.ts (same options, same endpoints: see
 * examples/state_server.ts).
 *
 *     deno run -A examples/deno_server.ts [--port N] [--netns NAME] [--rcvbuf BYTES] [--max-queue N] [--max-stall SECONDS]
 *
 * Memory: Deno.serve itself takes about 70 KiB per open streamed response
 * (a bare `Deno.serve` SSE server went from 35 MiB idle to 104 MiB with
 * 1,000 clients); with 1,000 clients at 50 events/s this server holds about
 * 230 MiB (bench/RESULTS.md). V8's `--optimize-for-size` saves little of it
 * and, on a quiet machine, cost 10× the p99 latency: not advised.
 *
 * Outside this repository, import from "jsr:@nlts/netlink" instead of "../mod.ts".
 */
import { parseOptions, StateServer } from "./state_server.ts";

let options;
try {
  options = parseOptions(Deno.args, Deno.env.toObject());
} catch (error) {
  console.error(`deno_server: ${(error as Error).message}`);
  Deno.exit(2); // a usage error
}
try {
  const state = await StateServer.open(options);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port,
    onListen: ({ port }) =>
      console.log(`listening on http://127.0.0.1:${port}${options.netns ? ` (netlink in ${options.netns})` : ""}`),
    onError: (error) => Response.json({ error: (error as Error).message }, { status: 500 }),
  }, (request, info) => {
    // `completed` settles when the response is over, a closed connection included (it says the same
    // as request.signal here, without Deno's notice about the signal's legacy behaviour).
    const gone = new AbortController();
    const abort = () => gone.abort();
    info.completed.then(abort, abort);
    return state.handle(request, gone.signal);
  });
  const shutdown = async () => {
    await state.close(); // ends the event streams, so the server can finish
    await server.shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
} catch (error) {
  console.error(`deno_server: ${(error as Error).message}`);
  Deno.exit(1);
}
