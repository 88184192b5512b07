// Process-level behaviour of the loop: exiting by itself, namespaces of threads, interrupted dumps.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { test } from "./helpers/harness.ts";
import { ip, ipBatch, withNetns } from "./helpers/netns.ts";
import { command, runtimes } from "./helpers/runtimes.ts";
import { ClosedError, DumpInterruptedError, Flags, MessageWriter, NetlinkSocket } from "../mod.ts";

const script = new URL("./helpers/exit-script.ts", import.meta.url).pathname;
const workerScript = new URL("./helpers/worker-script.ts", import.meta.url).pathname;

for (const runtime of runtimes) {
  test(`a ${runtime} script whose iterator's socket closes, with another socket idle, exits by itself`, () => {
    const [cmd, args] = command(runtime, script);
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.signal, null, `killed after ${(performance.now() - t0).toFixed(0)} ms: it did not exit`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "ended");
  });
}

for (const runtime of runtimes) {
  // Node aborts a worker whose loop still has an open handle when it ends.
  test(`a ${runtime} worker thread that used sockets ends cleanly, and the process exits by itself`, () => {
    const [cmd, args] = command(runtime, workerScript);
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.signal, null, "it did not exit");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), ["links true", "exit 0"]);
  });
}

test("opening sockets in other namespaces leaves every thread in the original namespace", async () => {
  const own = readlinkSync("/proc/self/ns/net");
  await withNetns("life-threads", async (ns) => {
    const socks = [];
    for (let i = 0; i < 20; i++) socks.push(await NetlinkSocket.open("route", { netns: ns }));
    const threads = readdirSync("/proc/self/task");
    assert.ok(threads.length > 1, "the runtime has helper threads");
    for (const tid of threads) assert.equal(readlinkSync(`/proc/self/task/${tid}/ns/net`), own, `thread ${tid}`);
    for (const s of socks) await s.close();
  });
});

test("a table changed during a dump: DumpInterruptedError, and retry yields a consistent dump", async () => {
  // IPv4 address dumps check `dev_addr_genid + dev_base_seq`: an address
  // deleted between two parts of the dump marks it NLM_F_DUMP_INTR. (IPv4
  // route dumps and address additions do not move a dump sequence here.)
  await withNetns("life-intr", async (ns) => {
    ip(ns, "link", "add", "i0", "type", "veth", "peer", "name", "i1");
    const i0 = JSON.parse(ip(ns, "-j", "link", "show", "i0"))[0].ifindex as number;
    let batch = "";
    for (let i = 0; i < 3000; i++) batch += `addr add 10.7.${i >> 8}.${i & 255}/32 dev i0\n`;
    ipBatch(ns, batch);
    await using dumper = await NetlinkSocket.open("route", { netns: ns });
    await using changer = await NetlinkSocket.open("route", { netns: ns });
    const req = new MessageWriter(22, Flags.DUMP); // RTM_GETADDR
    req.struct(8).setUint8(0, 2);
    const dumpRequest = req.finish();
    let deleted = 0;
    const deleteAddress = () => {
      const m = new MessageWriter(21); // RTM_DELADDR
      const h = m.struct(8);
      h.setUint8(0, 2);
      h.setUint8(1, 32);
      h.setUint32(4, i0, true);
      const n = 2999 - deleted++; // from the end, so the dump has yet to reach them
      const a = new Uint8Array([10, 7, n >> 8, n & 255]);
      m.attr(2, a).attr(1, a); // IFA_LOCAL, IFA_ADDRESS
      return changer.request(m.finish());
    };
    let seen = 0;
    const interrupted = async () => {
      for await (const _ of dumper.dump(dumpRequest)) if (seen++ === 0) await deleteAddress();
    };
    await assert.rejects(interrupted(), DumpInterruptedError);
    assert.ok(seen > 1);
    // With retry: keep changing the table until the dump has had to start
    // again, then leave it alone; what the dump yields must be the table as
    // it now is, each address once.
    const retried: Uint8Array[] = [];
    let dumping = true;
    const changing = (async () => {
      while (dumping && dumper.stats.dumpRetries === 0) await deleteAddress();
    })();
    for await (const m of dumper.dump(dumpRequest, { retry: 20 })) retried.push(m.payload);
    dumping = false;
    await changing;
    assert.ok(dumper.stats.dumpRetries >= 1, "the table changed during the first attempt");
    const addresses = JSON.parse(ip(ns, "-j", "-4", "addr", "show"))
      .reduce((n: number, l: { addr_info: unknown[] }) => n + l.addr_info.length, 0);
    assert.equal(retried.length, addresses);
    const keys = new Set(retried.map((p) => Array.from(p).join(",")));
    assert.equal(keys.size, retried.length, "no address twice");
  });
}, { timeout: 60_000 });

test("a dump queued behind a paused one ends on close and on abort, and keeps its place otherwise", async () => {
  const request = () => {
    const m = new MessageWriter(18, Flags.DUMP); // RTM_GETLINK
    m.struct(16);
    return m.finish();
  };
  // Abort while queued: rejects with the reason, and the queue still works.
  {
    await using sock = await NetlinkSocket.open("route");
    const first = sock.dump(request());
    await first.next(); // paused after its first message
    const controller = new AbortController();
    const queued = sock.dump(request(), { signal: controller.signal }).next();
    setTimeout(() => controller.abort(new Error("gave up")), 20);
    await assert.rejects(queued, /gave up/);
    await first.return(undefined);
    let n = 0;
    for await (const _ of sock.dump(request())) n++;
    assert.ok(n >= 1, "a dump after the aborted one runs");
  }
  // Close while queued: ClosedError, no hang.
  {
    const sock = await NetlinkSocket.open("route");
    const first = sock.dump(request());
    await first.next();
    const queued = sock.dump(request()).next();
    setTimeout(() => sock.close(), 20);
    await assert.rejects(queued, ClosedError);
    // The paused dump already holds its whole (one-datagram) answer: it may
    // finish it, or end with ClosedError, but it must not hang.
    try {
      for (let r = await first.next(); !r.done; r = await first.next()) { /* drain */ }
    } catch (error) {
      assert.ok(error instanceof ClosedError);
    }
  }
});
