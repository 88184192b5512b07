// share() and shareWatch() over real kernel events in a private namespace: one subscription, many consumers,
// each with a bounded queue and an Overrun of its own where it fell behind.
import assert from "node:assert/strict";
import { test } from "./helpers/harness.ts";
import { ip, ipBatch, ipJson, withNetns } from "./helpers/netns.ts";
import { decodeRouteEvent } from "../src/route/events.ts";
import { RTNLGRP } from "../src/route/constants.ts";
import {
  NetlinkSocket,
  NotificationStream,
  Overrun,
  type RouteEvent,
  share,
  type ShareConsumer,
  shareWatch,
  watch,
  type WatchEvent,
} from "../mod.ts";

/** A link event stream in `ns` that counts its decodes. */
function countingLinkEvents(ns: string) {
  const counter = { decodes: 0 };
  const stream = new NotificationStream<RouteEvent | Overrun>(
    () => NetlinkSocket.open("route", { netns: ns, groups: [RTNLGRP.LINK], rcvbuf: 4 << 20 }),
    (item) => {
      if (item instanceof Overrun) return item;
      counter.decodes++;
      return decodeRouteEvent(item);
    },
  );
  return { stream, counter };
}

/** `count` MTU changes of lo, 1001, 1002, … (one RTM_NEWLINK each). */
function mtuChanges(ns: string, first: number, count: number): void {
  let batch = "";
  for (let i = 0; i < count; i++) batch += `link set lo mtu ${first + i}\n`;
  ipBatch(ns, batch);
}

/** Reads a consumer until an item satisfies `last`; returns everything read. */
async function readUntil(
  c: ShareConsumer<RouteEvent>,
  last: (e: RouteEvent) => boolean,
): Promise<(RouteEvent | Overrun)[]> {
  const seen: (RouteEvent | Overrun)[] = [];
  for await (const item of c) {
    seen.push(item);
    if (!(item instanceof Overrun) && last(item)) break;
  }
  return seen;
}

const mtuOf = (e: RouteEvent | Overrun) => (!(e instanceof Overrun) && e.kind === "link" ? e.link.mtu : undefined);

test("share: two consumers get every event in order while a stalled one stays within its limit and gets an Overrun at its gap; one decode per event", async () => {
  await withNetns("srv-share", async (ns) => {
    const { stream, counter } = countingLinkEvents(ns);
    await stream.ready;
    const shared = share(stream);
    const a = shared.consumer(), b = shared.consumer({ limit: 50 });
    const stalled = shared.consumer({ limit: 10 });
    assert.equal(shared.consumers, 3);
    const readA = readUntil(a, (e) => mtuOf(e) === 1300);
    const readB = readUntil(b, (e) => mtuOf(e) === 1300);
    let worstQueue = 0;
    const sampler = setInterval(() => (worstQueue = Math.max(worstQueue, stalled.queued)), 1);
    mtuChanges(ns, 1001, 300);
    const [seenA, seenB] = await Promise.all([readA, readB]);
    clearInterval(sampler);
    worstQueue = Math.max(worstQueue, stalled.queued);

    const expected = Array.from({ length: 300 }, (_, i) => 1001 + i);
    for (const seen of [seenA, seenB]) {
      assert.ok(seen.every((e) => !(e instanceof Overrun)), "the readers lost nothing");
      assert.deepEqual(seen.map(mtuOf).filter((m) => m !== undefined && m > 1000), expected);
    }
    assert.equal(seenA.length, seenB.length);
    // Each kernel event was decoded once, however many consumers.
    assert.equal(counter.decodes, shared.stats.items);
    assert.equal(counter.decodes, seenA.length);

    assert.equal(worstQueue, 10, "the stalled queue filled to its limit and no further");
    assert.equal(stalled.stats.dropped, seenA.length - 10);
    assert.notEqual(stalled.droppingSince, undefined);
    // The stalled consumer reads its 10, then the marker of its gap, then what comes next.
    const rest = [];
    for (let i = 0; i < 11; i++) rest.push((await stalled.next()).value!);
    assert.deepEqual(rest.slice(0, 10).map(mtuOf), seenA.slice(0, 10).map(mtuOf));
    assert.ok(rest[10] instanceof Overrun, "the Overrun sits where the gap is");
    assert.equal((rest[10] as Overrun).where, "queue");
    assert.equal(stalled.droppingSince, undefined, "caught up");
    ip(ns, "link", "set", "lo", "mtu", "1500");
    assert.equal(mtuOf((await stalled.next()).value!), 1500);
    assert.equal(stalled.stats.overruns, 1);
    await shared.close();
  });
});

test("share: aborting one consumer ends it alone; close() ends the others and the source", async () => {
  await withNetns("srv-share-end", async (ns) => {
    const { stream } = countingLinkEvents(ns);
    await stream.ready;
    const shared = share(stream);
    const controller = new AbortController();
    const gone = shared.consumer({ signal: controller.signal });
    const a = shared.consumer(), b = shared.consumer();
    const pending = gone.next();
    controller.abort(new Error("client left"));
    await assert.rejects(pending, /client left/);
    assert.equal(shared.consumers, 2);
    assert.deepEqual(await gone.next(), { value: undefined, done: true });

    ip(ns, "link", "set", "lo", "mtu", "1400");
    assert.equal(mtuOf((await a.next()).value as RouteEvent), 1400);
    assert.equal(mtuOf((await b.next()).value as RouteEvent), 1400);

    // a and b wait for the next event; close() ends both waits and closes the socket.
    const waitA = a.next(), waitB = b.next();
    await shared.close();
    assert.deepEqual(await waitA, { value: undefined, done: true });
    assert.deepEqual(await waitB, { value: undefined, done: true });
    await shared.ended;
    assert.equal(shared.consumers, 0);
    assert.equal(shared.consumer().done, true, "a consumer of a closed stream has ended");
  });
});

test("share: with closeWhenIdle the source closes when the last consumer leaves; a source error reaches every consumer after its queue", async () => {
  await withNetns("srv-share-idle", async (ns) => {
    const { stream } = countingLinkEvents(ns);
    await stream.ready;
    const shared = share(stream, { closeWhenIdle: true });
    const a = shared.consumer(), b = shared.consumer();
    await a.return();
    assert.equal(shared.consumers, 1);
    const leave = (async () => {
      for await (const _ of b) break; // takes one event, then leaves: the last one
    })();
    ip(ns, "link", "set", "lo", "mtu", "1300");
    await leave;
    await shared.ended; // the source was closed, so the pump stopped
    assert.equal(shared.consumers, 0);
  });

  async function* failing(): AsyncGenerator<number> {
    yield 1;
    yield 2;
    throw new Error("source broke");
  }
  const shared = share(failing());
  const c = shared.consumer();
  await shared.ended;
  assert.deepEqual([(await c.next()).value, (await c.next()).value], [1, 2]);
  await assert.rejects(c.next(), /source broke/);
  assert.deepEqual(await c.next(), { value: undefined, done: true });
});

test("share: maxBytes bounds a consumer's queue by size; a lone item bigger than the bound still passes", async () => {
  async function* sizes(): AsyncGenerator<Uint8Array> {
    for (const n of [400, 400, 400, 5000, 10]) yield new Uint8Array(n);
  }
  const shared = share(sizes(), { maxBytes: 1000, size: (b) => b.byteLength });
  const c = shared.consumer();
  await shared.ended;
  const got = [];
  for await (const item of c) got.push(item instanceof Overrun ? "overrun" : item.byteLength);
  // 400+400 fit, the third 400 does not; from there on all is dropped until the queue is read empty.
  assert.deepEqual(got, [400, 400, "overrun"]);
  assert.equal(c.stats.dropped, 3);
  const lone = share(sizes(), { maxBytes: 100, size: (b) => b.byteLength }).consumer();
  assert.equal(((await lone.next()).value as Uint8Array).byteLength, 400, "alone in the queue, it passes");
  // A queue read empty while items were being dropped: the marker comes at once, before any new item.
  async function* burst(): AsyncGenerator<number> {
    for (let i = 0; i < 5; i++) yield i;
    await new Promise((r) => setTimeout(r, 50));
    yield 99;
  }
  const second = share(burst(), { limit: 2 });
  const d = second.consumer();
  await new Promise((r) => setTimeout(r, 10)); // 0..4 came: 2 queued, 3 dropped
  const early = [(await d.next()).value, (await d.next()).value, (await d.next()).value];
  assert.deepEqual(early.slice(0, 2), [0, 1]);
  assert.ok(early[2] instanceof Overrun);
  assert.equal((await d.next()).value, 99);
});

test("shareWatch: a consumer that falls behind gets an Overrun then a fresh snapshot equal to ip -j link once it has read its queue; a late joiner starts with the current view", async () => {
  await withNetns("srv-share-watch", async (ns) => {
    const shared = shareWatch(watch("link", { netns: ns, rcvbuf: 4 << 20 }), { limit: 5 });
    const reader = shared.consumer({ limit: 1000 });
    const first = await reader.next();
    assert.equal((first.value as { type: string }).type, "snapshot");
    const slow = shared.consumer();
    const primed = await slow.next(); // joined after the snapshot: starts with one
    assert.equal((primed.value as { type: string }).type, "snapshot");

    ip(ns, "link", "add", "srv-v0", "type", "veth", "peer", "name", "srv-v1");
    mtuChanges(ns, 1001, 20);
    // Wait until the reader has seen the last change; slow has read nothing meanwhile.
    for await (const e of reader) {
      if (!(e instanceof Overrun) && e.type === "changed" && e.item.name === "lo" && e.item.mtu === 1020) break;
    }
    assert.equal(slow.queued, 5);
    const items = [];
    for (let i = 0; i < 7; i++) items.push((await slow.next()).value);
    assert.ok(items[5] instanceof Overrun, "five deltas, then the marker");
    const snap = items[6] as { type: string; items: { name: string; index: number; mtu: number }[] };
    assert.equal(snap.type, "snapshot");
    const fromIp = ipJson(ns, "link").map((l: any) => `${l.ifindex} ${l.ifname} ${l.mtu}`).sort();
    assert.deepEqual(snap.items.map((l) => `${l.index} ${l.name} ${l.mtu}`).sort(), fromIp);

    const late = shared.consumer();
    const lateFirst = (await late.next()).value as typeof snap;
    assert.equal(lateFirst, snap, "the same snapshot object: serialised once for both");
    await shared.close();
    assert.equal((await reader.next()).done, true);
  });
});

test("shareWatch: the watch's own Overrun is not passed on (the watch recovers by itself); a consumer's own is followed by a snapshot", async () => {
  // Items shaped as a watch's; the sharing, not the kernel, is under test here.
  type Item = { id: number };
  async function* items(): AsyncGenerator<WatchEvent<Item> | Overrun> {
    yield { type: "snapshot", items: [{ id: 1 }] };
    yield new Overrun("kernel");
    for (let id = 2; id <= 6; id++) yield { type: "added", key: String(id), item: { id } };
    await new Promise((r) => setTimeout(r, 20));
  }
  const shared = shareWatch({ [Symbol.asyncIterator]: items, key: (i: Item) => String(i.id) }, { limit: 3 });
  const c = shared.consumer();
  await new Promise((r) => setTimeout(r, 10)); // all came: 3 queued, the rest dropped for c
  const seen = [];
  let last: Item[] = [];
  for await (const e of c) {
    seen.push(e instanceof Overrun ? `overrun ${e.where}` : e.type);
    if (!(e instanceof Overrun) && e.type === "snapshot") last = e.items;
  }
  assert.deepEqual(seen, ["snapshot", "added", "added", "overrun queue", "snapshot"]);
  assert.deepEqual(last.map((i) => i.id), [1, 2, 3, 4, 5, 6], "the fresh snapshot holds the dropped additions");
  assert.equal(shared.stats.items, 6);
});
