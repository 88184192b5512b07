/**
 * The client side of bench/server_load.ts (a process of its own, under Bun):
 * N SSE clients over raw loopback TCP (`GET /events?kinds=link`), each
 * counting the link changes of the load phase (alias `t<epoch ms>`) it
 * receives and their latency (that stamp to receipt), plus, with `stall`,
 * one client that never reads. Commands come on stdin, one per line, and
 * each prints one JSON line on stdout:
 *
 * - `report STAMP`: the load figures, once every client has the change STAMP
 *   (or after 15 s); closes the N clients (the stalled one stays);
 * - `cycles N`: N connect/close cycles, 20 at a time, each client closing
 *   right after sending its request; closes the stalled client.
 *
 *     bun bench/server_load_clients.ts BASE_URL CLIENTS [stall]
 */
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { Buffer } from "node:buffer";

const [base, clientsArg, stallArg] = process.argv.slice(2);
const url = new URL(base);
const port = Number(url.port);
const request = `GET /events?kinds=link HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`;

interface Counter {
  received: Set<string>;
  latencies: number[];
  overruns: number;
}

const STAMP = Buffer.from(`"alias":"t`);
const OVERRUN = Buffer.from("event: overrun");

/**
 * One SSE client: finds the load-phase stamps in the raw bytes with a native
 * search (an HTTP chunk header never splits a frame), so that 1,000 clients
 * cost this process little next to the server.
 */
function client(counter: Counter): Socket {
  const socket = connect(port, url.hostname, () => socket.write(request));
  let tail = Buffer.alloc(0);
  socket.on("data", (data: Buffer) => {
    const now = Date.now();
    const bytes = tail.length ? Buffer.concat([tail, data]) : data;
    let at = 0, end = 0;
    while ((at = bytes.indexOf(STAMP, at)) >= 0) {
      const close = bytes.indexOf(34, /* " */ at + STAMP.length);
      if (close < 0) break;
      const stamp = bytes.toString("latin1", at + STAMP.length, close);
      if (!counter.received.has(stamp)) { // a snapshot repeats the current alias: count each change once
        counter.received.add(stamp);
        counter.latencies.push(now - Number(stamp));
      }
      at = end = close;
    }
    for (let o = 0; (o = data.indexOf(OVERRUN, o)) >= 0; o += OVERRUN.length) counter.overruns++;
    tail = Buffer.from(bytes.subarray(Math.max(end, bytes.length - 24)));
  });
  socket.on("error", () => {});
  return socket;
}

const n = Number(clientsArg);
const counters: Counter[] = [];
const sockets: Socket[] = [];
for (let i = 0; i < n; i++) {
  const c = { received: new Set<string>(), latencies: [], overruns: 0 };
  counters.push(c);
  sockets.push(client(c));
  if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20)); // no SYN flood
}
let stalled: Socket | undefined;
if (stallArg === "stall") {
  // Never reads: its kernel buffers fill, then its server queue, and the server must drop it.
  const s = connect(port, url.hostname, () => s.write(request));
  s.pause();
  s.on("error", () => {});
  stalled = s;
}

async function cycles(count: number): Promise<number> {
  let started = 0;
  const t0 = performance.now();
  const one = () =>
    new Promise<void>((resolve) => {
      const s = connect(port, url.hostname, () => {
        s.write(request);
        s.destroy();
        resolve();
      });
      s.on("error", () => resolve());
    });
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (started++ < count) await one();
  }));
  return performance.now() - t0;
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.split(" ");
  if (command === "report") {
    const deadline = Date.now() + 15_000;
    while (arg && Date.now() < deadline && !counters.every((c) => c.received.has(arg))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of sockets) s.destroy();
    const all = counters.flatMap((c) => c.latencies).sort((a, b) => a - b);
    const counts = counters.map((c) => c.received.size).sort((a, b) => a - b);
    const pct = (p: number) => all[Math.min(all.length - 1, Math.floor((all.length * p) / 100))];
    console.log(JSON.stringify({
      receivedMin: counts[0],
      receivedMedian: counts[Math.floor(n / 2)],
      receivedMax: counts[n - 1],
      overruns: counters.reduce((s, c) => s + c.overruns, 0),
      p50: pct(50),
      p99: pct(99),
      max: all[all.length - 1],
    }));
  } else if (command === "cycles") {
    const ms = await cycles(Number(arg));
    stalled?.destroy();
    console.log(JSON.stringify({ cycleMs: Math.round(ms) }));
  }
}
process.exit(0);
