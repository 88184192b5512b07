// listRouteBatches / listAddressBatches / listLinkBatches against the
// one-object forms and `ip -j`, and the ending of the one-object forms
// (break, abort in the loop body, return, errors), which hand out the
// arrays of a datagram item by item (src/socket/batches.ts).
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, ipJson, withNetns } from "../helpers/netns.ts";
import { NetlinkSocket } from "../../mod.ts";
import { listRouteBatches, listRoutes, type Route } from "../../src/route/route.ts";
import { type Address, listAddressBatches, listAddresses } from "../../src/route/address.ts";
import { type Link, listLinkBatches, listLinks } from "../../src/route/link.ts";
import { eachOf } from "../../src/socket/batches.ts";

async function collect<T>(batches: AsyncIterable<T[]>): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [], sizes: number[] = [];
  for await (const batch of batches) {
    sizes.push(batch.length);
    items.push(...batch);
  }
  return { items, sizes };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test("list…Batches give what list… gives, in non-empty arrays, and what ip -j shows", async () => {
  await withNetns("spd-batches", async (ns) => {
    const lines = ["link add d0 type veth peer name d1", "link set d0 up", "link set d1 up"];
    for (let i = 0; i < 3000; i++) lines.push(`route add 10.9.${i >> 8}.${i & 255}/32 dev d0`);
    for (let i = 0; i < 600; i++) lines.push(`addr add 172.20.${i >> 8}.${i & 255}/32 dev d0`);
    for (let i = 0; i < 20; i++) lines.push(`link add x${i} type veth peer name y${i}`);
    ipBatch(ns, lines.join("\n") + "\n");
    await using sock = await NetlinkSocket.open("route", { netns: ns });

    const routes = await collect<Route>(listRouteBatches(sock, { table: "all", family: "inet" }));
    assert.ok(routes.sizes.length > 1, `${routes.sizes.length} batches`); // 3000 routes do not fit one datagram
    assert.ok(routes.sizes.every((n) => n > 0));
    assert.deepEqual(routes.items, await all(listRoutes(sock, { table: "all", family: "inet" })));
    const ipRoutes = ipJson<{ dst: string }[]>(ns, "-4", "route", "show", "table", "all");
    const dst = (r: Route) => (r.dstLength === 32 ? r.dst : `${r.dst ?? "default"}/${r.dstLength}`);
    assert.equal(routes.items.length, ipRoutes.length);
    assert.deepEqual(
      new Set(routes.items.filter((r) => r.dst?.startsWith("10.9.")).map(dst)),
      new Set(ipRoutes.map((r) => r.dst).filter((d) => d.startsWith("10.9."))),
    );
    // A filter applies to the batches too (here: the kernel's and ours agree on oif).
    const d0 = ipJson<{ ifindex: number }[]>(ns, "link", "show", "d0")[0].ifindex;
    const viaD0 = await collect<Route>(listRouteBatches(sock, { table: "all", family: "inet", oif: d0 }));
    assert.ok(viaD0.items.length >= 3000 && viaD0.items.every((r) => r.oif === d0));

    const addresses = await collect<Address>(listAddressBatches(sock, { family: "inet" }));
    assert.ok(addresses.sizes.every((n) => n > 0));
    assert.deepEqual(addresses.items, await all(listAddresses(sock, { family: "inet" })));
    const ipAddrs = ipJson<{ addr_info: { local: string }[] }[]>(ns, "-4", "addr", "show");
    assert.deepEqual(
      addresses.items.map((a) => a.local).sort(),
      ipAddrs.flatMap((l) => l.addr_info.map((a) => a.local)).sort(),
    );

    const links = await collect<Link>(listLinkBatches(sock));
    assert.ok(links.sizes.every((n) => n > 0));
    const one = await all(listLinks(sock));
    // Counters may move between two dumps: compare what does not.
    const key = (l: Link) => `${l.index} ${l.name} ${l.linkinfo?.kind ?? ""}`;
    assert.deepEqual(links.items.map(key), one.map(key));
    assert.deepEqual(
      links.items.map((l) => l.name).sort(),
      ipJson<{ ifname: string }[]>(ns, "link", "show").map((l) => l.ifname).sort(),
    );
  });
});

test("listRoutes: break in the middle of a datagram's routes, then the socket's next dump is whole", async () => {
  await withNetns("spd-break", async (ns) => {
    const lines = ["link add d0 type veth peer name d1", "link set d0 up"];
    for (let i = 0; i < 2000; i++) lines.push(`route add 10.8.${i >> 8}.${i & 255}/32 dev d0`);
    ipBatch(ns, lines.join("\n") + "\n");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const whole = (await all(listRoutes(sock, { table: "all", family: "inet" }))).length;
    assert.ok(whole >= 2000);
    let seen = 0;
    for await (const _ of listRoutes(sock, { table: "all", family: "inet" })) if (++seen === 5) break;
    assert.equal(seen, 5);
    assert.equal((await all(listRoutes(sock, { table: "all", family: "inet" }))).length, whole);
    // return() by hand, after one route: the same.
    const it = listRoutes(sock, { table: "all", family: "inet" });
    assert.equal((await it.next()).done, false);
    assert.deepEqual(await it.return(), { value: undefined, done: true });
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.equal((await all(listAddresses(sock))).length > 0, true);
    assert.equal((await all(listRoutes(sock, { table: "all", family: "inet" }))).length, whole);
  });
});

test("listRoutes: an abort in the loop body ends the loop at the next step with the signal's reason", async () => {
  await withNetns("spd-abort", async (ns) => {
    const lines = ["link add d0 type veth peer name d1", "link set d0 up"];
    for (let i = 0; i < 2000; i++) lines.push(`route add 10.7.${i >> 8}.${i & 255}/32 dev d0`);
    ipBatch(ns, lines.join("\n") + "\n");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const controller = new AbortController();
    const reason = new Error("enough");
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of listRoutes(sock, { table: "all", family: "inet", signal: controller.signal })) {
          // The datagram at hand holds more routes: none of them may come after the abort.
          if (++seen === 3) controller.abort(reason);
        }
      })(),
      (e) => e === reason,
    );
    assert.equal(seen, 3);
    // The socket serves the next dump whole.
    assert.ok((await all(listRoutes(sock, { table: "all", family: "inet" }))).length >= 2000);
  });
});

test("eachOf: order, steps asked for together, errors, throw() and await using end the batches", async () => {
  let finished = 0;
  async function* batches(fail?: Error): AsyncGenerator<number[], void, undefined> {
    try {
      yield [1, 2];
      yield [];
      yield [3];
      if (fail) throw fail;
      yield [4, 5, 6];
    } finally {
      finished++;
    }
  }
  // Steps asked for before the previous settled come in order, as a generator's do.
  const it = eachOf(batches());
  const steps = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next(), it.next(), it.next()]);
  assert.deepEqual(steps.map((s) => s.done ? "done" : s.value), [1, 2, 3, 4, 5, 6, "done"]);
  assert.equal(finished, 1);

  const boom = new Error("boom");
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const n of eachOf(batches(boom))) seen.push(n);
    })(),
    (e) => e === boom,
  );
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(finished, 2);

  const thrown = eachOf(batches());
  await thrown.next();
  await assert.rejects(thrown.throw(boom), (e) => e === boom);
  assert.equal(finished, 3);
  assert.deepEqual(await thrown.next(), { value: undefined, done: true });

  {
    await using disposed = eachOf(batches());
    assert.deepEqual(await disposed.next(), { value: 1, done: false });
  }
  assert.equal(finished, 4);
});
