// The one stream contract, checked family by family against the real kernel:
// the stream is returned synchronously (a NotificationStream), `ready`
// resolves, a real event made in a namespace arrives as a typed item,
// close() ends the iteration (a read waiting at the time returns done, no
// throw), an AbortSignal ends it the same way, closing the client closes the
// streams it spawned, and a forced overrun shows up as an Overrun instance.
//
// sock_diag has no stream (it answers dumps only), so it is not here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, sh, withNetns } from "../helpers/netns.ts";
import { ipt, nodeIn, udpSend } from "../netfilter/util.ts";
import { calc } from "../usersock/calc.ts";
import {
  Audit,
  Conntrack,
  GenlFamily,
  netdev,
  NfLog,
  NfQueue,
  Nftables,
  NotificationStream,
  Overrun,
  ProcConnector,
  processEvents,
  RouteClient,
  subscribe,
  UeventMonitor,
  uevents,
  UserPeer,
  Xfrm,
} from "../../mod.ts";

/** Settles `p` or fails after `ms`: a hang is a failure of its own. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((
      _,
      reject,
    ) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

type Stream<T> = NotificationStream<T | Overrun>;
type Iter<T> = AsyncIterator<T | Overrun, void, undefined>;

/** Reads until `match` holds for an item (Overruns included) or `ms` pass; returns the items read. */
async function readUntil<T>(it: Iter<T>, match: (item: T | Overrun) => boolean, ms: number, what: string) {
  const seen: (T | Overrun)[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await within(it.next(), Math.max(1, deadline - Date.now()), what);
    assert.ok(!r.done, `${what}: the stream ended`);
    seen.push(r.value);
    if (match(r.value)) return seen;
  }
}

/** A read that was waiting when the stream was closed settles without a throw, and the iteration is over. */
async function assertEnds<T>(it: Iter<T>, waiting: Promise<IteratorResult<T | Overrun, void>>, what: string) {
  let r = await within(waiting, 5000, `${what}: the waiting read`);
  // An item already queued may still come out of the waiting read; nothing after it.
  if (!r.done) r = await within(it.next(), 5000, `${what}: the read after`);
  assert.deepEqual(r, { done: true, value: undefined }, `${what}: the iteration ended`);
  assert.deepEqual(await it.next(), { done: true, value: undefined }, `${what}: and stays ended`);
}

interface Case<T> {
  /** Spawns a stream from the client (with a signal for the abort check). */
  open(signal?: AbortSignal): Stream<T>;
  /** Makes a real event happen. */
  produce(): unknown;
  /** The typed item that proves the event arrived. */
  typed(item: T): boolean;
  /** Closes the client the streams came from (absent for function-form streams). */
  closeClient?(): Promise<void>;
}

/** The contract, for one family. */
async function contract<T>(name: string, c: Case<T>): Promise<void> {
  // Returned synchronously, ready, a typed item, close() ends a waiting read.
  const stream = c.open();
  assert.ok(stream instanceof NotificationStream, `${name}: a NotificationStream, returned synchronously`);
  assert.equal(typeof (stream as unknown as { then?: unknown }).then, "undefined", `${name}: not a promise`);
  await within(stream.ready, 10_000, `${name}: ready`);
  const it = stream[Symbol.asyncIterator]();
  await c.produce();
  const seen = await readUntil(it, (i) => !(i instanceof Overrun) && c.typed(i), 10_000, `${name}: typed item`);
  assert.ok(seen.length > 0);
  const waiting = it.next();
  await stream.close();
  assert.equal(stream.closed, true);
  await assertEnds(it, waiting, `${name}: close()`);

  // An abort ends the iteration the same way.
  const ac = new AbortController();
  const aborted = c.open(ac.signal);
  await within(aborted.ready, 10_000, `${name}: ready (abort)`);
  const it2 = aborted[Symbol.asyncIterator]();
  const waiting2 = it2.next();
  await new Promise((r) => setTimeout(r, 20)); // the read is waiting (or got an item meanwhile)
  ac.abort(new Error("stop"));
  await assertEnds(it2, waiting2, `${name}: abort`);
  assert.equal(aborted.closed, true);
  // A signal aborted before the call gives a stream that is over at once.
  const early = c.open(AbortSignal.abort());
  await within(early.ready, 5000, `${name}: ready (aborted before)`);
  assert.deepEqual(await within(early[Symbol.asyncIterator]().next(), 5000, name), { done: true, value: undefined });

  // Closing the client closes the streams it spawned.
  if (c.closeClient) {
    const last = c.open();
    await within(last.ready, 10_000, `${name}: ready (client close)`);
    const it3 = last[Symbol.asyncIterator]();
    const waiting3 = it3.next();
    await c.closeClient();
    await assertEnds(it3, waiting3, `${name}: client close`);
    assert.equal(last.closed, true);
  }
}

/** Reads `stream` until an Overrun instance comes; fails if none does within `ms`. */
async function expectOverrun<T>(stream: Stream<T>, ms = 10_000): Promise<(T | Overrun)[]> {
  const it = stream[Symbol.asyncIterator]();
  try {
    const seen = await readUntil(it, (i) => i instanceof Overrun, ms, "an Overrun item");
    assert.ok(seen[seen.length - 1] instanceof Overrun);
    return seen;
  } finally {
    await stream.close();
  }
}

/** Sends `n` UDP datagrams to 127.0.0.1:`port` inside `ns`, 10 every 4 ms: a steady flow. */
async function udpFlow(ns: string, port: number, n: number): Promise<void> {
  const script = `
const [port, n] = process.argv.slice(1).map(Number);
const s = require("dgram").createSocket("udp4");
(async () => {
  for (let i = 0; i < n; i++) {
    s.send("f" + i, port, "127.0.0.1");
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 4));
  }
  setTimeout(() => s.close(), 100);
})();
`;
  await nodeIn(ns, script, [String(port), String(n)]);
}

/** Sends `n` UDP datagrams to 127.0.0.1:`port` inside `ns` as fast as node can (no pause between them). */
async function udpBurst(ns: string, port: number, n: number): Promise<void> {
  const script = `
const [port, n] = process.argv.slice(1).map(Number);
const s = require("dgram").createSocket("udp4");
let left = n;
for (let i = 0; i < n; i++) s.send("b" + i, port, "127.0.0.1", () => { if (--left === 0) s.close(); });
`;
  await nodeIn(ns, script, [String(port), String(n)]);
}

const vethBurst = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `link add ${prefix}${i} type veth peer name ${prefix}p${i}`).join("\n") + "\n";

test("contract: route — RouteClient.events() and subscribe(); a tiny rcvbuf and a veth burst give an Overrun", async () => {
  await withNetns("ctr-route", async (ns) => {
    const rt = await RouteClient.open({ netns: ns });
    let n = 0;
    await contract("route events()", {
      open: (signal) => rt.events(["link"], { signal }),
      produce: () => ip(ns, "link", "add", `rv${n++}`, "type", "bridge"),
      typed: (e) => e.kind === "link" && e.action === "new" && e.link.name.startsWith("rv"),
      closeClient: () => rt.close(),
    });
    await contract("route subscribe()", {
      open: (signal) => subscribe(["link"], { netns: ns, signal }),
      produce: () => ip(ns, "link", "add", `rs${n++}`, "type", "bridge"),
      typed: (e) => e.kind === "link" && e.link.name.startsWith("rs"),
    });
    const small = subscribe(["link"], { netns: ns, rcvbuf: 1 });
    await small.ready;
    ipBatch(ns, vethBurst("ro", 50));
    await expectOverrun(small);
  });
});

test("contract: genl — GenlFamily.events() (netdev mgmt); a tiny rcvbuf and a veth burst give an Overrun", async () => {
  await withNetns("ctr-genl", async (ns) => {
    const fam = await GenlFamily.open(netdev, { netns: ns });
    let n = 0;
    await contract("genl events()", {
      open: (signal) => fam.events("mgmt", { signal }),
      produce: () => ip(ns, "link", "add", `gv${n++}`, "type", "bridge"),
      typed: (e) => e.name === "devAddNtf" && typeof e.attrs.ifindex === "number",
      closeClient: () => fam.close(),
    });
    await using again = await GenlFamily.open(netdev, { netns: ns });
    const small = again.events("mgmt", { rcvbuf: 1 });
    await small.ready;
    ipBatch(ns, vethBurst("go", 50));
    await expectOverrun(small);
  });
});

test("contract: uevent — UeventMonitor.events() and uevents(); a tiny rcvbuf and a veth burst give an Overrun", async () => {
  await withNetns("ctr-uevent", async (ns) => {
    const mon = await UeventMonitor.open({ netns: ns, subsystem: "net" });
    let n = 0;
    await contract("UeventMonitor.events()", {
      open: (signal) => mon.events({ signal }),
      produce: () => ip(ns, "link", "add", `uv${n++}`, "type", "bridge"),
      typed: (e) => e.action === "add" && e.subsystem === "net" && e.interface?.startsWith("uv") === true,
      closeClient: () => mon.close(),
    });
    await contract("uevents()", {
      open: (signal) => uevents({ netns: ns, subsystem: "net", signal }),
      produce: () => ip(ns, "link", "add", `us${n++}`, "type", "bridge"),
      typed: (e) => e.action === "add" && e.interface?.startsWith("us") === true,
    });
    await using small = await UeventMonitor.open({ netns: ns, rcvbuf: 1 });
    const stream = small.events();
    ipBatch(ns, vethBurst("uo", 50));
    await expectOverrun(stream);
  });
});

test("contract: connector — ProcConnector.events() and processEvents() (initial namespaces); a small rcvbuf and a burst of processes give an Overrun", async () => {
  const procs = await ProcConnector.open();
  let pid = 0;
  const spawnOne = () => (pid = spawnSync("true").pid!);
  await contract("ProcConnector.events()", {
    open: (signal) => procs.events({ signal }),
    produce: spawnOne,
    typed: (e) => e.type === "exit" && e.tgid === pid,
    closeClient: () => procs.close(),
  });
  await contract("processEvents()", {
    open: (signal) => processEvents({ signal }),
    produce: spawnOne,
    typed: (e) => e.type === "exit" && e.tgid === pid,
  });
  // Small, not tiny: the subscription's acknowledgement must still fit among the machine's other events.
  await using small = await ProcConnector.open({ rcvbuf: 16384 });
  const stream = small.events();
  for (let i = 0; i < 200; i++) spawnSync("true");
  await expectOverrun(stream);
});

test("contract: xfrm — Xfrm.events() (policy group); a tiny rcvbuf and a policy burst give an Overrun", async () => {
  await withNetns("ctr-xfrm", async (ns) => {
    const xfrm = await Xfrm.open({ netns: ns });
    let n = 0;
    await contract("xfrm events()", {
      open: (signal) => xfrm.events(["policy"], { signal }),
      produce: () => ip(ns, "xfrm", "policy", "add", "src", `10.${n++}.0.0/24`, "dst", "10.200.0.0/24", "dir", "out"),
      typed: (e) => e.kind === "policy" && e.action === "new",
      closeClient: () => xfrm.close(),
    });
    await using again = await Xfrm.open({ netns: ns });
    const small = again.events(["policy"], { rcvbuf: 1 });
    await small.ready;
    ipBatch(
      ns,
      Array.from({ length: 60 }, (_, i) => `xfrm policy add src 10.100.${i}.0/24 dst 10.201.0.0/24 dir out`).join(
        "\n",
      ) +
        "\n",
    );
    await expectOverrun(small);
  });
});

test("contract: audit — Audit.records() (audit is disabled on this kernel: no record can be made; shape, ready, close, abort and client close only)", async () => {
  const audit = await Audit.open();
  const stream = audit.records();
  assert.ok(stream instanceof NotificationStream);
  await within(stream.ready, 5000, "audit ready");
  const it = stream[Symbol.asyncIterator]();
  const waiting = it.next();
  await stream.close();
  await assertEnds(it, waiting, "audit close()");
  const ac = new AbortController();
  const aborted = audit.records({ signal: ac.signal });
  await aborted.ready;
  const it2 = aborted[Symbol.asyncIterator]();
  const waiting2 = it2.next();
  ac.abort();
  await assertEnds(it2, waiting2, "audit abort");
  const last = audit.records();
  await last.ready;
  const it3 = last[Symbol.asyncIterator]();
  const waiting3 = it3.next();
  await audit.close();
  await assertEnds(it3, waiting3, "audit client close");
});

test("contract: conntrack — Conntrack.events(); a tiny rcvbuf and a burst of created entries give an Overrun", async () => {
  await withNetns("ctr-ct", async (ns) => {
    const ct = await Conntrack.open({ netns: ns });
    let n = 0;
    const create = (port: number) =>
      ct.create({
        orig: { src: "10.9.0.1", dst: "10.9.0.2", protocol: "udp", srcPort: port, dstPort: 53 },
        timeout: 60,
      });
    await contract("conntrack events()", {
      open: (signal) => ct.events({ groups: ["new"], signal }),
      produce: () => create(20000 + n++),
      typed: (e) => e.type === "new" && e.entry.orig.dst === "10.9.0.2",
      closeClient: () => ct.close(),
    });
    await using again = await Conntrack.open({ netns: ns });
    const small = again.events({ groups: ["new"], rcvbuf: 1 });
    await small.ready;
    for (let i = 0; i < 60; i++) {
      await again.create({
        orig: { src: "10.9.1.1", dst: "10.9.1.2", protocol: "udp", srcPort: 30000 + i, dstPort: 53 },
        timeout: 60,
      });
    }
    await expectOverrun(small);
  });
});

test("contract: nftables — Nftables.events(); a tiny rcvbuf and a burst of commits give an Overrun", async () => {
  await withNetns("nft-ctr", async (ns) => {
    const nft = await Nftables.open({ netns: ns });
    let n = 0;
    await contract("nftables events()", {
      open: (signal) => nft.events({ signal }),
      produce: () => nft.transaction((tx) => tx.addTable({ family: "inet", name: `t${n++}` })),
      typed: (e) => e.kind === "table" && e.action === "new" && e.table.name.startsWith("t"),
      closeClient: () => nft.close(),
    });
    await using again = await Nftables.open({ netns: ns });
    const small = again.events({ rcvbuf: 1 });
    await small.ready;
    for (let i = 0; i < 60; i++) await again.transaction((tx) => tx.addTable({ family: "inet", name: `o${i}` }));
    await expectOverrun(small);
  });
});

test("contract: NFQUEUE — NfQueue.packets(); a full queue (maxLen 2, fail-open off) gives an Overrun, from the kernel's drop counter", async () => {
  await withNetns("ctr-nfq", async (ns) => {
    ipt(ns, "-A", "OUTPUT", "-p", "udp", "--dport", "7001", "-j", "NFQUEUE", "--queue-num", "11");
    const q = await NfQueue.open(11, { netns: ns });
    let sent = 0;
    await contract("NfQueue.packets()", {
      open: (signal) => q.packets({ signal }),
      produce: () => udpSend(ns, "127.0.0.1", 7001, [`p${sent++}`]),
      typed: (p) => {
        void p.accept();
        return p.payload.length > 28 && p.hookName === "output";
      },
      closeClient: () => q.close(),
    });
    // A queue of 2 that nobody gives verdicts to: packets 3..10 are dropped by the kernel (queue_dropped).
    await using full = await NfQueue.open(11, { netns: ns, maxLen: 2, failOpen: false });
    const stream = full.packets();
    await udpBurst(ns, 7001, 10);
    const seen = await expectOverrun(stream);
    const packets = seen.filter((p) => !(p instanceof Overrun));
    assert.ok(packets.length <= 2, `at most maxLen packets before the Overrun (saw ${packets.length})`);
    // The oracle: the kernel's own count of packets it dropped because the queue was full.
    const line = sh("ip", ["netns", "exec", ns, "cat", "/proc/net/netfilter/nfnetlink_queue"])
      .split("\n").map((l) => l.trim().split(/\s+/)).find((f) => f[0] === "11");
    assert.ok(line && Number(line[5]) > 0, `queue_dropped > 0 in /proc/net/netfilter/nfnetlink_queue (${line})`);
  });
});

test("contract: NFQUEUE — a tiny rcvbuf and a burst: packets the kernel could not deliver (user_dropped) give an Overrun, and every gap in the packet ids comes after one", async () => {
  await withNetns("ctr-nfq-buf", async (ns) => {
    ipt(ns, "-A", "OUTPUT", "-p", "udp", "--dport", "7004", "-j", "NFQUEUE", "--queue-num", "14");
    await using q = await NfQueue.open(14, { netns: ns, rcvbuf: 1, failOpen: false });
    const stream = q.packets();
    await udpBurst(ns, 7004, 60);
    const it = stream[Symbol.asyncIterator]();
    let last = 0, packets = 0, overruns = 0, gaps = 0, unmarked = 0, sinceOverrun = false;
    for (;;) {
      const r = await Promise.race([it.next(), new Promise<"idle">((res) => setTimeout(() => res("idle"), 800))]);
      if (r === "idle" || r.done) break;
      if (r.value instanceof Overrun) {
        overruns++;
        sinceOverrun = true;
        continue;
      }
      await r.value.accept();
      if (r.value.id !== last + 1) {
        gaps++;
        if (!sinceOverrun) unmarked++;
      }
      last = r.value.id;
      sinceOverrun = false;
      packets++;
    }
    await stream.close();
    const line = sh("ip", ["netns", "exec", ns, "cat", "/proc/net/netfilter/nfnetlink_queue"])
      .split("\n").map((l) => l.trim().split(/\s+/)).find((f) => f[0] === "14");
    assert.ok(line && Number(line[6]) > 0, `user_dropped > 0 in /proc/net/netfilter/nfnetlink_queue (${line})`);
    assert.ok(overruns > 0, `an Overrun (${packets} of 60 packets)`);
    assert.equal(unmarked, 0, `no gap in the packet ids without an Overrun before it (${gaps} gaps)`);
  });
});

test("contract: NFLOG — NfLog.entries(); a slow consumer under a steady flow gets Overruns, and every gap in NFULA_SEQ comes after one", async () => {
  await withNetns("ctr-nflog", async (ns) => {
    ipt(ns, "-A", "OUTPUT", "-p", "udp", "--dport", "7002", "-j", "NFLOG", "--nflog-group", "12");
    const log = await NfLog.open(12, { netns: ns });
    let sent = 0;
    await contract("NfLog.entries()", {
      open: (signal) => log.entries({ signal }),
      produce: () => udpSend(ns, "127.0.0.1", 7002, [`l${sent++}`]),
      typed: (e) => e.group === 12 && e.hookName === "output" && typeof e.seq === "number",
      closeClient: () => log.close(),
    });
    // A slow consumer that holds few entries in memory, under a steady flow faster than it reads: the
    // socket is seldom read empty, so the kernel (congested after an ENOBUFS) drops more without saying
    // so again; NFULA_SEQ shows those gaps, and each must come after an Overrun.
    await using small = await NfLog.open(12, { netns: ns, rcvbuf: 16384, queueLimit: 2 });
    const stream = small.entries();
    const flow = 2000;
    const sending = udpFlow(ns, 7002, flow);
    const it = stream[Symbol.asyncIterator]();
    let last = -1, entries = 0, overruns = 0, gaps = 0, unmarked = 0, sinceOverrun = false;
    for (;;) {
      const r = await Promise.race([it.next(), new Promise<"idle">((res) => setTimeout(() => res("idle"), 800))]);
      if (r === "idle" || r.done) break;
      if (r.value instanceof Overrun) {
        overruns++;
        sinceOverrun = true;
        continue;
      }
      await new Promise((res) => setTimeout(res, 1)); // slow
      const seq = r.value.seq!;
      if (seq !== last + 1) {
        gaps++;
        if (!sinceOverrun) unmarked++;
      }
      last = seq;
      sinceOverrun = false;
      entries++;
    }
    await sending;
    await stream.close();
    assert.ok(overruns > 0 && entries < flow, `losses (${entries} of ${flow} entries, ${overruns} Overruns)`);
    assert.ok(gaps > 0, `entries were lost between delivered ones (${gaps} gaps): the case this checks`);
    assert.equal(unmarked, 0, `no gap in NFULA_SEQ without an Overrun before it (${gaps} gaps)`);
  });
});

test("contract: usersock — UserPeer.messages(); a tiny rcvbuf and a multicast burst give an Overrun", async () => {
  await withNetns("ctr-user", async (ns) => {
    const peer = await UserPeer.open(calc, { netns: ns });
    await using sender = await UserPeer.open(calc, { netns: ns });
    let n = 0;
    await contract("UserPeer.messages()", {
      open: (signal) => peer.messages({ signal }),
      produce: () => sender.send({ portId: peer.portId }, "note", { text: `hello ${n++}` }),
      typed: (m) => m.name === "note" && m.from === sender.portId,
      closeClient: () => peer.close(),
    });
    await using small = await UserPeer.open(calc, { netns: ns, groups: [5], rcvbuf: 1 });
    const stream = small.messages();
    for (let i = 0; i < 200; i++) sender.send({ group: 5 }, "note", { text: `burst ${i}` });
    await expectOverrun(stream);
  });
});

test("contract: a monitor's streams hand over — what a closed NfQueue/UeventMonitor stream left unread comes out of the next one, nothing lost", async () => {
  await withNetns("ctr-handover", async (ns) => {
    ipt(ns, "-A", "OUTPUT", "-p", "udp", "--dport", "7003", "-j", "NFQUEUE", "--queue-num", "13");
    await using q = await NfQueue.open(13, { netns: ns });
    const first = q.packets();
    await udpBurst(ns, 7003, 6);
    const it = first[Symbol.asyncIterator]();
    const one = await within(it.next(), 5000, "first packet");
    assert.ok(!one.done && !(one.value instanceof Overrun));
    await one.value.accept();
    await first.close(); // the socket had read the others ahead: they must not be lost
    const second = q.packets({ signal: AbortSignal.timeout(5000) });
    const ids: number[] = [one.value.id];
    for await (const p of second) {
      assert.ok(!(p instanceof Overrun), "no loss between the streams");
      await p.accept();
      ids.push(p.id);
      if (ids.length === 6) break;
    }
    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);

    await using mon = await UeventMonitor.open({ netns: ns, subsystem: "net" });
    const a = mon.events();
    ipBatch(ns, Array.from({ length: 4 }, (_, i) => `link add ho${i} type bridge`).join("\n") + "\n");
    const ita = a[Symbol.asyncIterator]();
    const firstEvent = await within(ita.next(), 5000, "first uevent");
    assert.ok(!firstEvent.done && !(firstEvent.value instanceof Overrun));
    await a.close();
    const names = [firstEvent.value.interface];
    for await (const e of mon.events({ signal: AbortSignal.timeout(5000) })) {
      assert.ok(!(e instanceof Overrun));
      if (e.action === "add") names.push(e.interface);
      if (names.length === 4) break;
    }
    assert.deepEqual(names, ["ho0", "ho1", "ho2", "ho3"]);
  });
});
