// Faults: a socket closed under a pending dump or notification iterator, a
// request refused for lack of privilege, and interrupted dumps of links and
// neighbours.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, ipJson, withNetns } from "../helpers/netns.ts";
import { command, runtimes } from "../helpers/runtimes.ts";
import {
  ClosedError,
  DumpInterruptedError,
  Flags,
  MessageWriter,
  NetlinkSocket,
  Overrun,
  subscribe,
} from "../../mod.ts";
import { decodeLink } from "../../src/route/link.ts";
import { encodeGetRoutes } from "../../src/route/route.ts";
import { rtmName } from "../../src/route/constants.ts";

/** Settles `p` or fails after `ms`: a hang is a failure of its own. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: hung for ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

function manyRoutes(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += `route add blackhole 10.${100 + (i >> 8)}.${i & 255}.0/24\n`;
  return s;
}

test("a socket closed under a pending dump: the iterator ends with ClosedError, a queued dump too", async () => {
  await withNetns("rel-fault-dump", async (ns) => {
    ipBatch(ns, manyRoutes(3000)); // many datagrams: most still in the kernel when closed
    const sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
    const request = encodeGetRoutes({ table: "all" });
    // One consumer waiting for the next message…
    const waiting = sock.dump(request);
    assert.equal((await waiting.next()).done, false);
    let got = 1;
    const draining = (async () => {
      for (;;) {
        const r = await waiting.next();
        if (r.done) return got;
        got++;
        if (got === 50) void sock.close(); // close from inside the stream
      }
    })();
    await within(assert.rejects(draining, ClosedError), 5000, "dump iterator");
    assert.ok(got >= 50 && got < 3000, `read ${got} messages`);
    // A dump started after the close fails at once.
    await assert.rejects(sock.dump(request).next(), ClosedError);
  });
});

test("a socket closed while a dump waits behind another: both end with ClosedError", async () => {
  await withNetns("rel-fault-dump2", async (ns) => {
    ipBatch(ns, manyRoutes(2000));
    const sock = await NetlinkSocket.open("route", { netns: ns });
    const request = encodeGetRoutes({ table: "all" });
    const first = sock.dump(request);
    await first.next(); // in progress, its consumer paused
    const second = sock.dump(request).next(); // queued behind the first
    await sock.close();
    // What was already received may still come out; then ClosedError.
    const rest = (async () => {
      let n = 0;
      while (!(await first.next()).done) n++;
      return n;
    })();
    await within(assert.rejects(rest, ClosedError), 5000, "first dump");
    await within(assert.rejects(second, ClosedError), 5000, "queued dump");
  });
});

test("a notification iterator ends when its socket closes, and a subscription when closed", async () => {
  await withNetns("rel-fault-notes", async (ns) => {
    const sock = await NetlinkSocket.open("route", { netns: ns, groups: [1] });
    const it = sock.notifications();
    const pending = it.next();
    setTimeout(() => void sock.close(), 50);
    assert.deepEqual(await within(pending, 5000, "notification iterator"), { done: true, value: undefined });
    const events = subscribe(["link"], { netns: ns });
    await events.ready;
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of events) seen.push(e instanceof Overrun ? "overrun" : e.kind);
    })();
    ip(ns, "link", "add", "rf0", "type", "bridge");
    const t0 = Date.now();
    while (seen.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    assert.ok(seen.includes("link"));
    await events.close();
    await within(reading, 5000, "subscription");
  });
});

for (const runtime of runtimes) {
  test(`an unprivileged ${runtime} process gets a NetlinkError EPERM naming RTM_NEWLINK`, async () => {
    await withNetns(`rel-eperm-${runtime}`, (ns) => {
      // The child runs as nobody inside the test namespace: even a request
      // that got through could only change that namespace.
      const home = mkdtempSync("/tmp/nlts-rel-eperm-");
      chmodSync(home, 0o777);
      try {
        const script = new URL("./eperm-child.ts", import.meta.url).pathname;
        const [cmd, args] = command(runtime, script);
        const r = spawnSync("ip", [
          "netns",
          "exec",
          ns,
          "setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "env",
          `HOME=${home}`,
          `DENO_DIR=${home}/deno`,
          `TMPDIR=${home}`,
          cmd,
          ...args,
        ], { encoding: "utf8", timeout: 20_000 });
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.deepEqual(out, {
          netlinkError: true,
          code: "EPERM",
          errno: 1,
          messageType: 16,
          message: "RTM_NEWLINK failed with EPERM",
        });
        assert.equal(ip(ns, "-o", "link").includes("relperm0"), false, "nothing was created");
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });
}

// What this kernel flags NLM_F_DUMP_INTR for, besides IPv4 addresses
// (test/lifecycle.test.ts): link dumps check `dev_base_seq` (every link
// registered, unregistered or renamed); neighbour dumps do not check.
test("link dump interrupted by a link deleted under it; a retrying dump is consistent", async () => {
  await withNetns("rel-intr-link", async (ns) => {
    let batch = "";
    for (let i = 0; i < 300; i++) batch += `link add rl${i} type bridge\n`;
    ipBatch(ns, batch);
    await using dumper = await NetlinkSocket.open("route", { netns: ns });
    await using changer = await NetlinkSocket.open("route", { netns: ns });
    const w = new MessageWriter(18, /* RTM_GETLINK */ Flags.DUMP);
    w.struct(16);
    const request = w.finish();
    let next = 299;
    const deleteOne = () => {
      const m = new MessageWriter(17 /* RTM_DELLINK */);
      m.struct(16);
      m.str(3, /* IFLA_IFNAME */ `rl${next--}`);
      return changer.request(m.finish());
    };
    let seen = 0;
    const plain = async () => {
      for await (const _ of dumper.dump(request)) if (seen++ === 0) await deleteOne();
    };
    await assert.rejects(plain(), DumpInterruptedError);
    const names: string[] = [];
    let dumping = true;
    // The deletes hold the RTNL lock the dump's batches wait for, so the first
    // attempt of a 300-link dump spans every delete of this loop: a handful is
    // enough to interrupt it, and each costs a bridge teardown (tens of ms).
    const changing = (async () => {
      while (dumping && dumper.stats.dumpRetries === 0 && next > 279) await deleteOne();
    })();
    for await (const m of dumper.dump(request, { retry: 50 })) names.push(decodeLink(m).name);
    dumping = false;
    await changing;
    assert.ok(dumper.stats.dumpRetries >= 1, "the table changed during the first attempt");
    const links = ipJson(ns, "link", "show").map((l: { ifname: string }) => l.ifname);
    assert.deepEqual(names.sort(), links.sort(), "the retried dump holds every link once");
  });
}, { timeout: 60_000 });

test("neighbour dumps are not flagged NLM_F_DUMP_INTR by this kernel: changes under a dump pass unflagged", async () => {
  await withNetns("rel-intr-neigh", async (ns) => {
    ipBatch(ns, "link add v0 type veth peer name v1\nlink set v0 up\nlink set v1 up\naddr add 10.50.0.1/16 dev v0\n");
    let batch = "";
    for (let i = 0; i < 3000; i++) {
      batch += `neigh add 10.50.${i >> 8}.${i & 255} lladdr 02:00:00:00:${(i >> 8).toString(16)}:${
        (i & 255).toString(16)
      } dev v0 nud permanent\n`;
    }
    ipBatch(ns, batch);
    await using dumper = await NetlinkSocket.open("route", { netns: ns });
    const request = new MessageWriter(30, /* RTM_GETNEIGH */ Flags.DUMP);
    request.struct(12).setUint8(0, 2);
    const bytes = request.finish();
    let seen = 0, flagged = 0;
    for await (const m of dumper.dump(bytes)) {
      if (m.flags & Flags.DUMP_INTR) flagged++;
      if (seen++ === 0) ip(ns, "neigh", "del", "10.50.11.183", "dev", "v0");
    }
    assert.equal(flagged, 0);
    assert.ok(seen >= 2999, `${seen} entries`);
  });
});
