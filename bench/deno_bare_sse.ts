/**
 * The floor under examples/deno_server.ts's memory: a bare `Deno.serve` SSE
 * server with no nlts in it, under the load of bench/server_load.ts. Once N
 * clients (bench/server_load_clients.ts, under Bun) are connected, one
 * shared 3 KB frame goes to every client 50 times a second for 10 s, each
 * client's body a pull stream (highWaterMark 0) as in the example. Prints
 * RSS and the JS heap idle, with the clients, and after the events.
 *
 *     deno run -A [--v8-flags=--optimize-for-size] bench/deno_bare_sse.ts [CLIENTS]
 */
const clients = Number(Deno.args[0] ?? 1000);
const frame = new TextEncoder().encode(`event: link\ndata: {"pad":"${"x".repeat(3000)}"}\n\n`);
let connected = 0, fire = () => {};
let tick = new Promise<void>((resolve) => (fire = resolve));

function memory(stage: string): void {
  const rss = Number(Deno.readTextFileSync("/proc/self/status").match(/VmRSS:\s+(\d+)/)![1]) / 1024;
  const { heapUsed, heapTotal } = Deno.memoryUsage();
  console.log(
    `${stage}: RSS ${rss.toFixed(0)} MiB, JS heap ${(heapUsed / 2 ** 20).toFixed(0)} MiB used of ${
      (heapTotal / 2 ** 20).toFixed(0)
    }`,
  );
}

async function events(): Promise<void> {
  memory(`${clients} clients`);
  const t0 = performance.now();
  for (let i = 0; i < 500; i++) {
    const now = fire;
    tick = new Promise<void>((resolve) => (fire = resolve));
    now();
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i + 1) * 20 - performance.now())));
  }
  memory("after 500 events");
  Deno.exit(0);
}

memory("idle");
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => {
    const args = ["bench/server_load_clients.ts", `http://127.0.0.1:${port}`, String(clients)];
    new Deno.Command("bun", { args, stdin: "piped", stdout: "null" }).spawn(); // ends with this process's stdin pipe
  },
}, () => {
  if (++connected === clients) setTimeout(events, 1000);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await tick;
      controller.enqueue(frame);
    },
  }, { highWaterMark: 0 });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
});
