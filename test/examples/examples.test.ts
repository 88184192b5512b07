// The runnable examples, run as their users would: examples/deno_watch.ts under Deno (its stdout read
// line by line) and examples/bun_server.ts under Bun (queried over HTTP with fetch), each looking into a
// private namespace while the test changes links there with `ip`.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipJson, withNetns } from "../helpers/netns.ts";
import { spawnSync } from "node:child_process";
import { Child, root } from "../cli/run.ts";

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
        if (data) this.events.push({ event, data });
      }
    }
  }
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

test("examples/bun_server.ts: GET /links matches ip -j link, GET /events streams the namespace's changes", async () => {
  await withNetns("cl-ex-srv", async (ns) => {
    ip(ns, "link", "add", "cl-s0", "type", "veth", "peer", "name", "cl-s1");
    ip(ns, "link", "set", "cl-s0", "up");
    // Port 0: the server picks a free one on 127.0.0.1 of this (the host's) namespace and prints it.
    const server = new Child("bun", ["examples/bun_server.ts"], { PORT: "0", NLTS_NETNS: ns });
    try {
      const line = await server.waitFor((l) => l.startsWith("listening on "));
      const base = line.match(/^listening on (http:\/\/127\.0\.0\.1:\d+) \(netlink in (\S+)\)$/);
      assert.ok(base, line);
      assert.equal(base[2], ns);

      const res = await fetch(`${base[1]}/links`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const links = await res.json() as any[];
      assert.deepEqual(
        links.map((l) => `${l.index} ${l.name} ${l.mtu} ${l.address} ${l.operstate.toUpperCase()}`).sort(),
        ipJson(ns, "link").map((l: any) => `${l.ifindex} ${l.ifname} ${l.mtu} ${l.address} ${l.operstate}`).sort(),
      );
      assert.equal((await fetch(`${base[1]}/nowhere`)).status, 404);
      const bogus = await fetch(`${base[1]}/events?groups=bogus`);
      assert.equal(bogus.status, 400);
      assert.match((await bogus.json() as any).error, /unknown rtnetlink group "bogus"/);

      const events = await fetch(`${base[1]}/events`);
      assert.equal(events.status, 200);
      assert.match(events.headers.get("content-type") ?? "", /^text\/event-stream/);
      const sse = new SseReader(events.body!);
      await sse.until(() => sse.comments.includes("ready")); // subscribed
      ip(ns, "link", "add", "cl-s2", "type", "veth", "peer", "name", "cl-s3");
      ip(ns, "addr", "add", "10.55.0.1/24", "dev", "cl-s0");
      ip(ns, "link", "set", "cl-s1", "mtu", "1400");
      const parsed = () => sse.events.map((e) => ({ event: e.event, ...JSON.parse(e.data) }));
      await sse.until(() =>
        parsed().some((e) => e.event === "address" && e.address.local === "10.55.0.1") &&
        parsed().some((e) => e.event === "link" && e.link.name === "cl-s1" && e.link.mtu === 1400)
      );
      const added = parsed().find((e) => e.event === "link" && e.link.name === "cl-s2");
      assert.ok(added, "the new veth's link event");
      assert.equal(added.action, "new");
      assert.equal(added.link.index, ipJson(ns, "link", "show", "cl-s2")[0].ifindex);
      const addr = parsed().find((e) => e.event === "address")!;
      assert.equal(addr.address.prefixLength, 24);
      assert.equal(addr.address.index, ipJson(ns, "link", "show", "cl-s0")[0].ifindex);
      assert.ok(parsed().some((e) => e.event === "route" && e.route.dst === "10.55.0.0"), "its prefix route");
      await sse.cancel();

      const { code } = await server.stop();
      assert.equal(code, 0, server.stderr);
    } finally {
      server.kill("SIGKILL");
    }
  });
}, { timeout: 30_000 });

test("examples print one line on stderr and exit 1 for a namespace that does not exist", () => {
  const missing = `nlts-pkg-missing-${process.pid}`; // never created
  const runs = [
    ["deno_watch", spawnSync("deno", ["run", "-A", "examples/deno_watch.ts", "--netns", missing], { cwd: root })],
    ["bun_server", spawnSync("bun", ["examples/bun_server.ts", "--port", "0", "--netns", missing], { cwd: root })],
  ] as const;
  for (const [name, run] of runs) {
    const stderr = run.stderr.toString();
    assert.equal(run.status, 1, stderr);
    assert.equal(stderr, `${name}: open(/run/netns/${missing}) failed with ENOENT\n`);
    assert.equal(run.stdout.toString(), "");
  }
}, { timeout: 30_000 });
