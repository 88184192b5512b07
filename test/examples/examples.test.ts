// The runnable examples, run as their users would: examples/deno_watch.ts under Deno (its stdout read
// line by line), examples/bun_server.ts under Bun, examples/deno_server.ts under Deno and
// examples/node_server.ts under Node (queried over HTTP with fetch), each looking into a private namespace
// while the test changes links there with `ip`.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, ipJson, withNetns } from "../helpers/netns.ts";
import { Child, root } from "../cli/run.ts";
import { connect } from "node:net";
import { Buffer } from "node:buffer";
import { spawn, spawnSync } from "node:child_process";
import { nodeBin } from "../helpers/runtimes.ts";

test("examples/deno_watch.ts prints link and address events of its namespace, and stops after --for", async () => {
  await withNetns("cl-ex-watch", async (ns) => {
    const child = new Child("deno", ["run", "-A", "examples/deno_watch.ts", "--netns", ns, "--for", "4"]);
    const t0 = Date.now();
    try {
      await child.waitFor((l) => l.startsWith("watching links and addresses in " + ns));
      ip(ns, "link", "add", "cl-w0", "type", "veth", "peer", "name", "cl-w1");
      ip(ns, "addr", "add", "10.66.0.1/24", "dev", "cl-w0");
      const index = ipJson(ns, "link", "show", "cl-w0")[0].ifindex;
      assert.match(
        await child.waitFor((l) => l.startsWith("link new cl-w0 ")),
        new RegExp(`index=${index} state=down mtu=1500$`),
      );
      await child.waitFor((l) => l.startsWith("link new cl-w1 "));
      await child.waitFor((l) => l === "address new 10.66.0.1/24 dev=cl-w0");
      ip(ns, "link", "del", "cl-w0");
      await child.waitFor((l) => l.startsWith("link del cl-w0 "));
      const { code } = await child.exited; // --for 4: it stops by itself
      assert.equal(code, 0, child.stderr);
      assert.equal(child.lines.at(-1), "stopped");
      assert.ok(Date.now() - t0 >= 3500, "it ran for its --for");
    } finally {
      child.kill("SIGKILL");
    }
  });
}, { timeout: 30_000 });

test("examples/deno_watch.ts stops on Ctrl-C (SIGINT) with status 0", async () => {
  await withNetns("cl-ex-int", async (ns) => {
    const child = new Child("deno", ["run", "-A", "examples/deno_watch.ts", "--netns", ns]);
    await child.waitFor((l) => l.startsWith("watching"));
    const { code, signal } = await child.stop();
    assert.equal(signal, null);
    assert.equal(code, 0, child.stderr);
    assert.equal(child.lines.at(-1), "stopped");
  });
}, { timeout: 30_000 });

/** Reads Server-Sent Events from a fetch response body. */
class SseReader {
  readonly events: { event: string; data: string }[] = [];
  comments: string[] = [];
  readonly #views: { kind: string; key: (item: any) => string; items: Map<string, any> }[] = [];
  #buffer = "";
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }
  /** Reads until `match` is true of the collected events/comments, or `ms` pass. */
  async until(match: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!match()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; events: ${this.events.map((e) => e.event).join(",")}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out reading")), left))),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error("the event stream ended");
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      let end;
      while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        let event = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
          else if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (!data) continue;
        this.events.push({ event, data });
        for (const view of this.#views) if (view.kind === event) applyEvent(view.items, JSON.parse(data), view.key);
      }
    }
  }
  /**
   * The items of one kind as the events so far give them, kept current as events arrive: each event is
   * parsed and applied once. (Re-applying every event at each chunk made a client catching up on a
   * backlog of a thousand 3 KB events quadratic: it spent its whole time limit in JSON.parse.)
   */
  view(kind: string, key: (item: any) => string): ReadonlyMap<string, any> {
    const items = new Map<string, any>();
    for (const e of this.events) if (e.event === kind) applyEvent(items, JSON.parse(e.data), key);
    this.#views.push({ kind, key, items });
    return items;
  }
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

/** Applies one SSE watch event (its parsed `data`) to a view keyed like the server's deltas. */
function applyEvent(view: Map<string, any>, d: any, key: (item: any) => string): void {
  if (d.type === "snapshot") {
    view.clear();
    for (const item of d.items) view.set(key(item), item);
  } else if (d.type === "added" || d.type === "changed") view.set(d.key, d.item);
  else if (d.type === "removed") view.delete(d.key);
}

async function stats(base: string): Promise<any> {
  return await (await fetch(`${base}/stats`)).json();
}

/** Polls `/stats` until `ok` holds (or 10 s pass); returns the last answer. */
async function statsUntil(base: string, ok: (s: any) => boolean): Promise<any> {
  const deadline = Date.now() + 10_000;
  let last = await stats(base);
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    last = await stats(base);
  }
  return last;
}

/**
 * GET over a raw TCP socket that reads nothing until `resume()`: unlike fetch, whose body may be buffered by
 * the runtime whether or not it is read, a paused socket lets the server's writes back up. The body comes
 * out de-chunked as a stream for SseReader.
 */
function pausedGet(base: string, path: string): { resume(): ReadableStream<Uint8Array>; close(): void } {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  socket.pause();
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
  return {
    resume() {
      let buffer = Buffer.alloc(0), headers = false;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          socket.on("data", (data: Buffer) => {
            buffer = Buffer.concat([buffer, data]);
            if (!headers) {
              const end = buffer.indexOf("\r\n\r\n");
              if (end < 0) return;
              headers = true;
              buffer = buffer.subarray(end + 4);
            }
            for (;;) { // chunked transfer coding: SIZE\r\nBYTES\r\n
              const eol = buffer.indexOf("\r\n");
              if (eol < 0) return;
              const size = parseInt(buffer.subarray(0, eol).toString(), 16);
              if (buffer.length < eol + 2 + size + 2) return;
              if (size > 0) controller.enqueue(new Uint8Array(buffer.subarray(eol + 2, eol + 2 + size)));
              buffer = buffer.subarray(eol + 2 + size + 2);
            }
          });
          socket.on("close", () => controller.close());
          socket.resume();
        },
        cancel: () => void socket.destroy(),
      });
    },
    close: () => void socket.destroy(),
  };
}

const servers = [
  { runtime: "bun", file: "examples/bun_server.ts", cmd: (args: string[]) => ["bun", [...args]] as const },
  {
    runtime: "deno",
    file: "examples/deno_server.ts",
    cmd: (args: string[]) => ["deno", ["run", "-A", ...args]] as const,
  },
  {
    runtime: "node",
    file: "examples/node_server.ts",
    cmd: (args: string[]) => [nodeBin, ["--disable-warning=ExperimentalWarning", ...args]] as const,
  },
];

for (const { file, cmd } of servers) {
  const start = (ns: string, ...flags: string[]) => {
    const [bin, args] = cmd([file, "--port", "0", "--netns", ns, ...flags]);
    return new Child(bin, [...args]);
  };
  const baseOf = async (server: Child, ns: string) => {
    const line = await server.waitFor((l) => l.startsWith("listening on "), 20_000);
    const m = line.match(/^listening on (http:\/\/127\.0\.0\.1:\d+) \(netlink in (\S+)\)$/);
    assert.ok(m, line);
    assert.equal(m[2], ns);
    return m[1];
  };

  test(
    `${file}: GET /links, /addresses, /routes match ip -j; /events sends snapshots then deltas; a closed client's subscription is released, also under changes; SIGTERM ends it with status 0`,
    async () => {
      await withNetns("srv-ex", async (ns) => {
        ip(ns, "link", "add", "srv-s0", "type", "veth", "peer", "name", "srv-s1");
        ip(ns, "link", "set", "srv-s0", "up");
        ip(ns, "addr", "add", "10.55.0.1/24", "dev", "srv-s0");
        const server = start(ns, "--rcvbuf", "1048576");
        try {
          const base = await baseOf(server, ns);
          const res = await fetch(`${base}/links`);
          assert.equal(res.status, 200);
          assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
          const links = await res.json() as any[];
          assert.deepEqual(
            links.map((l) => `${l.index} ${l.name} ${l.mtu} ${l.address} ${l.operstate.toUpperCase()}`).sort(),
            ipJson(ns, "link").map((l: any) => `${l.ifindex} ${l.ifname} ${l.mtu} ${l.address} ${l.operstate}`).sort(),
          );
          const addresses = await (await fetch(`${base}/addresses`)).json() as any[];
          assert.deepEqual(
            addresses.map((a) => `${a.index} ${a.local}/${a.prefixLength}`).sort(),
            ipJson(ns, "addr").flatMap((l: any) =>
              l.addr_info.map((a: any) => `${l.ifindex} ${a.local}/${a.prefixlen}`)
            ).sort(),
          );
          const routes = await (await fetch(`${base}/routes`)).json() as any[];
          assert.ok(
            routes.some((r) => r.dst === "10.55.0.0" && r.dstLength === 24),
            "the prefix route of 10.55.0.1/24",
          );
          assert.equal((await fetch(`${base}/nowhere`)).status, 404);
          const bogus = await fetch(`${base}/events?kinds=bogus`);
          assert.equal(bogus.status, 400);
          assert.match((await bogus.json() as any).error, /unknown kind "bogus"/);

          const events = await fetch(`${base}/events`);
          assert.equal(events.status, 200);
          assert.match(events.headers.get("content-type") ?? "", /^text\/event-stream/);
          const sse = new SseReader(events.body!);
          const snapshots = () => sse.events.filter((e) => JSON.parse(e.data).type === "snapshot").map((e) => e.event);
          await sse.until(() => snapshots().length === 3);
          assert.deepEqual(snapshots().sort(), ["address", "link", "route"]);
          assert.equal(sse.events.length, 3, "the snapshots come first");
          assert.equal((await stats(base)).clients, 1);

          ip(ns, "link", "add", "srv-s2", "type", "veth", "peer", "name", "srv-s3");
          ip(ns, "addr", "add", "10.56.0.1/24", "dev", "srv-s0");
          const linkView = sse.view("link", (l) => String(l.index));
          // Both ends of the veth (the kernel announces them in either order) and the address.
          await sse.until(() =>
            ["srv-s2", "srv-s3"].every((name) => [...linkView.values()].some((l) => l.name === name)) &&
            sse.events.some((e) => e.event === "address" && JSON.parse(e.data).item?.local === "10.56.0.1")
          );
          const added = sse.events.map((e) => ({ event: e.event, ...JSON.parse(e.data) }))
            .find((e) => e.event === "link" && e.type === "added" && e.item.name === "srv-s2");
          assert.ok(added, "the new veth's delta");
          assert.equal(added.item.index, ipJson(ns, "link", "show", "srv-s2")[0].ifindex);
          assert.deepEqual(
            [...linkView.values()].map((l) => `${l.index} ${l.name}`).sort(),
            ipJson(ns, "link").map((l: any) => `${l.ifindex} ${l.ifname}`).sort(),
          );

          await sse.cancel();
          const after = await statsUntil(base, (s) => s.clients === 0);
          assert.deepEqual(
            { clients: after.clients, consumers: after.consumers },
            { clients: 0, consumers: { link: 0, address: 0, route: 0 } },
            "the closed client's consumers are gone",
          );

          // Under changes: 200 clients that close right after their request leave nothing behind.
          let batch = "";
          for (let i = 0; i < 3000; i++) batch += `link set lo mtu ${1000 + (i % 500)}\n`;
          const changing = new Promise((resolve) => {
            const p = spawn("ip", ["-n", ns, "-batch", "-"], { stdio: ["pipe", "ignore", "ignore"] });
            p.stdin!.end(batch);
            p.on("close", resolve);
          });
          for (let i = 0; i < 10; i++) {
            await Promise.all(Array.from({ length: 20 }, () => {
              const get = pausedGet(base, "/events");
              return new Promise((r) => setTimeout(r, 5)).then(() => get.close());
            }));
          }
          await changing;
          const left = await statsUntil(base, (s) => s.clients === 0);
          assert.deepEqual(
            { clients: left.clients, consumers: left.consumers },
            { clients: 0, consumers: { link: 0, address: 0, route: 0 } },
            "no subscription outlives its connection",
          );
          server.kill("SIGTERM");
          const { code, signal } = await server.exited;
          assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.stderr);
        } finally {
          server.kill("SIGKILL");
        }
      });
    },
    { timeout: 40_000 },
  );

  test(
    `${file}: a client that stalls gets an overrun then a fresh snapshot; one that stays stalled is told and dropped`,
    async () => {
      await withNetns("srv-ex-stall", async (ns) => {
        const server = start(ns, "--max-queue", "4", "--max-stall", "2", "--rcvbuf", "33554432");
        try {
          const base = await baseOf(server, ns);
          const slowGet = pausedGet(base, "/events?kinds=link");
          const stuckGet = pausedGet(base, "/events?kinds=link");
          await statsUntil(base, (s) => s.clients === 2);
          // Link changes (3 KB of JSON each) while neither client reads, until their sockets' buffers and
          // then their server queues are full. In batches the server's own event socket keeps up with (its
          // watch would otherwise overrun and resync with a single delta).
          let mtu = 1000;
          // Returns the first answer of /stats that `until` holds for (or the last one, after 40 batches).
          const changes = async (until: (s: any) => boolean) => {
            let s = await stats(base);
            for (let b = 0; b < 40 && !until(s); b++) {
              let batch = "";
              for (let i = 0; i < 2000; i++) batch += `link set lo mtu ${1000 + (mtu++ % 500)}\n`;
              ipBatch(ns, batch);
              await new Promise((r) => setTimeout(r, 100));
              s = await stats(base);
            }
            return s;
          };
          // Both dropping events at one moment: each has a gap, so each gets an overrun when it reads again.
          // (Asked again later, a client may show 0: a queue that overflowed during a batch, before its socket
          // was full, is read empty once its connection has taken the rest, which ends the gap there, with the
          // overrun already in its stream. Seen with Deno's server, 100 ms after a batch.)
          const full = await changes((s) => s.clients === 2 && s.stalled.every((ms: number) => ms > 0));
          assert.ok(
            full.clients === 2 && full.stalled.every((ms: number) => ms > 0),
            `both queues full: ${JSON.stringify(full)}`,
          );
          ip(ns, "link", "set", "lo", "mtu", "1234");
          // slow reads again before the stall limit: an overrun, then a snapshot, then it is current.
          const slow = new SseReader(slowGet.resume());
          const links = slow.view("link", (l) => String(l.index));
          await slow.until(
            () => links.get("1")?.mtu === 1234 && slow.events.some((e) => e.event === "overrun"),
            20_000,
          );
          const at = slow.events.findIndex((e) => e.event === "overrun");
          assert.equal(JSON.parse(slow.events[at + 1].data).type, "snapshot", "a fresh snapshot follows the overrun");
          // stuck never reads: dropped once its queue has stayed full for 2 s, with a last event; its
          // consumer is gone. slow keeps reading meanwhile and stays.
          let dropped = false;
          const reading = slow.until(() => dropped, 60_000);
          await changes((s) => s.dropped >= 1);
          const s = await statsUntil(base, (s) => s.dropped === 1);
          dropped = true;
          assert.deepEqual([s.dropped, s.clients, s.consumers.link], [1, 1, 1], JSON.stringify(s));
          const stuck = new SseReader(stuckGet.resume());
          await stuck.until(() => stuck.events.some((e) => e.event === "dropped"), 20_000);
          ip(ns, "link", "set", "lo", "mtu", "1235"); // one more event ends slow's read
          await reading;
          slowGet.close();
          await statsUntil(base, (s) => s.clients === 0);
          const { code } = await server.stop();
          assert.equal(code, 0, server.stderr);
        } finally {
          server.kill("SIGKILL");
        }
      });
    },
    { timeout: 60_000 },
  );
}

test("examples print one line on stderr and exit 1 for a namespace that does not exist", () => {
  const missing = `nlts-pkg-missing-${process.pid}`; // never created
  const runs = [
    ["deno_watch", spawnSync("deno", ["run", "-A", "examples/deno_watch.ts", "--netns", missing], { cwd: root })],
    ["bun_server", spawnSync("bun", ["examples/bun_server.ts", "--port", "0", "--netns", missing], { cwd: root })],
    [
      "deno_server",
      spawnSync("deno", ["run", "-A", "examples/deno_server.ts", "--port", "0", "--netns", missing], { cwd: root }),
    ],
    [
      "node_server",
      spawnSync(nodeBin, [
        "--disable-warning=ExperimentalWarning",
        "examples/node_server.ts",
        "--port",
        "0",
        "--netns",
        missing,
      ], { cwd: root }),
    ],
  ] as const;
  for (const [name, run] of runs) {
    const stderr = run.stderr.toString();
    assert.equal(run.status, 1, stderr);
    assert.equal(stderr, `${name}: open(/run/netns/${missing}) failed with ENOENT\n`);
    assert.equal(run.stdout.toString(), "");
  }
}, { timeout: 30_000 });
