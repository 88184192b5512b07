// NETLINK_USERSOCK between processes: Deno, Bun and Node processes talk.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { runtime, test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { command, type Runtime } from "../helpers/runtimes.ts";
import { NetlinkError, Overrun, ParseError } from "../../mod.ts";
import { PeerTimeoutError, UserPeer } from "../../src/usersock/mod.ts";
import { NetlinkSocket } from "../../src/socket/socket.ts";
import { calc } from "./calc.ts";

// Each runtime talks to the next one: deno → bun → node → deno.
const other: Runtime = runtime === "deno" ? "bun" : runtime === "bun" ? "node" : "deno";
const script = new URL("./peer-child.ts", import.meta.url).pathname;

/** Starts the child in `rt` and resolves with it once it printed a line matching `ready`. */
function child(
  rt: Runtime,
  args: string[],
): { proc: ChildProcess; first: Promise<string>; lines: string[]; exited: Promise<number | null> } {
  const [cmd, argv] = command(rt, script, args);
  const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  let resolveFirst!: (s: string) => void;
  const first = new Promise<string>((r) => (resolveFirst = r));
  let buffered = "";
  proc.stdout!.on("data", (chunk: Uint8Array) => {
    buffered += new TextDecoder().decode(chunk);
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (lines.push(line) === 1) resolveFirst(line);
    }
  });
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  return { proc, first, lines, exited };
}

test(`request/response between this ${runtime} process and a ${other} process`, async () => {
  await withNetns("us-rr", async (ns) => {
    const server = child(other, ["server", ns]);
    try {
      const port = Number((await server.first).split(" ")[1]);
      assert.ok(port > 0);
      await using client = await UserPeer.open(calc, { netns: ns });
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.request(port, "inc", { n: i * 10 }, { timeout: 10_000 })),
      );
      answers.forEach((a, i) => {
        assert.equal(a.name, "result");
        assert.equal(a.from, port);
        if (a.name === "result") assert.equal(a.attrs.n, i * 10 + 1);
      });
      const bye = await client.request(port, "stop", {}, { timeout: 10_000 });
      assert.equal(bye.name, "result");
      assert.equal(await server.exited, 0);
    } finally {
      server.proc.kill();
    }
  });
}, { timeout: 30_000 });

test(`multicast fan-out reaches three listeners: a deno, a bun and a node process`, async () => {
  await withNetns("us-mc", async (ns) => {
    const group = 5;
    const listeners = [
      child("deno", ["listen", ns, String(group)]),
      child("bun", ["listen", ns, String(group)]),
      child("node", ["listen", ns, String(group)]),
    ];
    try {
      const ports = (await Promise.all(listeners.map((l) => l.first))).map((l) => Number(l.split(" ")[1]));
      assert.equal(new Set(ports).size, 3);
      await using sender = await UserPeer.open(calc, { netns: ns });
      sender.send({ group }, "note", { text: "to all", tags: ["a", "b"] });
      const codes = await Promise.all(listeners.map((l) => l.exited));
      assert.deepEqual(codes, [0, 0, 0]);
      const got = listeners.map((l) => JSON.parse(l.lines[1]));
      assert.deepEqual(got.map((g) => g.runtime).sort(), ["bun", "deno", "node"]);
      for (const g of got) {
        assert.deepEqual([g.text, g.tags, g.from, g.group], ["to all", ["a", "b"], sender.portId, group]);
      }
    } finally {
      for (const l of listeners) l.proc.kill();
    }
  });
}, { timeout: 30_000 });

test("a message from an unexpected sender with the request's sequence number is not taken for the reply", async () => {
  await withNetns("us-spoof", async (ns) => {
    await using server = await UserPeer.open(calc, { netns: ns });
    await using intruder = await UserPeer.open(calc, { netns: ns });
    await using client = await UserPeer.open(calc, { netns: ns });
    const serving = (async () => {
      for await (const m of server.messages()) {
        if (m instanceof Overrun) throw new Error("messages were lost");
        if (m.name !== "inc") continue;
        // Someone else answers first, with the right sequence number…
        intruder.send({ portId: m.from }, "result", { n: 666 }, { seq: m.seq });
        await new Promise((r) => setTimeout(r, 50));
        server.reply(m, "result", { n: m.attrs.n! + 1 });
        return m.seq;
      }
    })();
    const inbox = client.messages()[Symbol.asyncIterator]();
    const answer = await client.request(server.portId, "inc", { n: 41 });
    assert.equal(answer.from, server.portId);
    assert.ok(answer.name === "result" && answer.attrs.n === 42);
    // …and its message is there to see, with who really sent it.
    const stray = (await inbox.next()).value;
    assert.ok(stray && !(stray instanceof Overrun));
    assert.equal(stray.from, intruder.portId);
    assert.equal(stray.seq, await serving);
    assert.ok(stray.name === "result" && stray.attrs.n === 666);
    await inbox.return(undefined);
  });
});

test("garbage from a foreign sender arrives as an undecodable message; the stream goes on", async () => {
  await withNetns("us-garbage", async (ns) => {
    await using client = await UserPeer.open(calc, { netns: ns });
    await using raw = await NetlinkSocket.open("usersock", { netns: ns });
    raw.send(new Uint8Array([200, 0, 0, 0, 1, 2, 3, 4]), { portId: client.portId }); // nlmsg_len 200 > 8
    client.send({ portId: client.portId }, "note", { text: "after" });
    const inbox = client.messages()[Symbol.asyncIterator]();
    const bad = (await inbox.next()).value!;
    assert.ok(!(bad instanceof Overrun) && bad.name === null);
    assert.ok(bad.error instanceof ParseError);
    assert.equal(bad.from, raw.portId);
    const good = (await inbox.next()).value!;
    assert.ok(!(good instanceof Overrun) && good.name === "note" && good.attrs.text === "after");
    await inbox.return(undefined);
  });
});

test("a forged datagram larger than the receive buffer is an error item; the stream goes on", async () => {
  await withNetns("us-oversize", async (ns) => {
    await using client = await UserPeer.open(calc, { netns: ns });
    await using raw = await NetlinkSocket.open("usersock", { netns: ns });
    const big = new Uint8Array(100_000);
    new DataView(big.buffer).setUint32(0, big.length, true); // a well-formed length, far past the 64 KiB buffer
    raw.send(big, { portId: client.portId });
    const it = client.messages({ signal: AbortSignal.timeout(5000) })[Symbol.asyncIterator]();
    const bad = (await it.next()).value;
    assert.ok(bad && !(bad instanceof Overrun) && bad.name === null, "an error item for the big datagram");
    assert.ok(bad.error instanceof ParseError);
    // The stream goes on: the next message arrives. (Until the socket can hand a refused datagram over as an
    // item, `parseErrors: "yield"`, the peer reopens its reading and marks what may have been queued behind
    // it with an Overrun: never silent.)
    client.send({ portId: client.portId }, "note", { text: "after the big one" });
    for (;;) {
      const r = await it.next();
      assert.ok(!r.done, "the stream did not end");
      if (r.value instanceof Overrun) continue;
      assert.ok(r.value.name === "note" && r.value.attrs.text === "after the big one");
      break;
    }
    await it.return?.();
  });
});

test("no answer is a PeerTimeoutError; a port nobody holds is ECONNREFUSED", async () => {
  await withNetns("us-timeout", async (ns) => {
    await using silent = await UserPeer.open(calc, { netns: ns });
    await using client = await UserPeer.open(calc, { netns: ns });
    await assert.rejects(client.request(silent.portId, "inc", { n: 1 }, { timeout: 100 }), PeerTimeoutError);
    await assert.rejects(
      client.request(0x7ffffff0, "inc", { n: 1 }),
      (e) => e instanceof NetlinkError && e.code === "ECONNREFUSED",
    );
  });
});
