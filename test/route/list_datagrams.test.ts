// listRouteDatagrams: a datagram per step, each route decoded when the loop
// over the step reaches it (or handed over undecoded by forEachPayload); the
// same routes as listRoutes and ip -j.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, ipJson, withNetns } from "../helpers/netns.ts";
import { NetlinkSocket } from "../../mod.ts";
import {
  decodeRoutePayload,
  listRouteDatagrams,
  listRoutes,
  type Route,
  type RouteDatagram,
  type RouteFilter,
} from "../../src/route/route.ts";

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test("listRouteDatagrams: what listRoutes and ip -j give, a datagram per step, each step one pass", async () => {
  await withNetns("clm-dgrams", async (ns) => {
    const lines = ["link add d0 type veth peer name d1", "link set d0 up", "link set d1 up"];
    for (let i = 0; i < 3000; i++) lines.push(`route add 10.6.${i >> 8}.${i & 255}/32 dev d0`);
    for (let i = 0; i < 500; i++) lines.push(`route add 10.5.${i >> 8}.${i & 255}/32 dev d1`);
    ipBatch(ns, lines.join("\n") + "\n");
    await using sock = await NetlinkSocket.open("route", { netns: ns });

    const routes: Route[] = [];
    let steps = 0;
    for await (const step of listRouteDatagrams(sock, { table: "all", family: "inet" })) {
      steps++;
      for (const r of step) routes.push(r);
      // One pass: a second loop over the same step finds nothing more.
      assert.deepEqual([...step], []);
    }
    assert.ok(steps > 1, `${steps} steps`); // 3,500 routes do not fit one datagram
    assert.deepEqual(routes, await all(listRoutes(sock, { table: "all", family: "inet" })));
    const theirs = ipJson<{ dst: string }[]>(ns, "-4", "route", "show", "table", "all");
    assert.equal(routes.length, theirs.length);
    assert.deepEqual(
      routes.filter((r) => r.dstLength === 32 && r.dst!.startsWith("10.")).map((r) => r.dst).sort(),
      theirs.map((r) => r.dst).filter((d) => d.startsWith("10.")).sort(),
    );

    // The filter applies to what the steps give.
    const d1 = ipJson<{ ifindex: number }[]>(ns, "link", "show", "d1")[0].ifindex;
    const viaD1: Route[] = [];
    for await (const step of listRouteDatagrams(sock, { table: "all", family: "inet", oif: d1 })) {
      viaD1.push(...step);
    }
    assert.ok(viaD1.length >= 500 && viaD1.every((r) => r.oif === d1), `${viaD1.length} routes via d1`);

    // A step left unread is skipped (its routes are never decoded); the next step goes on.
    let read = 0, skipped = 0;
    for await (const step of listRouteDatagrams(sock, { table: "all", family: "inet" })) {
      if (skipped++ === 0) continue;
      for (const _ of step) read++;
    }
    assert.ok(read > 0 && read < routes.length, `${read} of ${routes.length} read after a skipped step`);

    // A step kept past the next one throws when read, rather than decode a buffer the socket reuses.
    let kept: Iterable<Route> | undefined;
    let later = 0;
    for await (const step of listRouteDatagrams(sock, { table: "all", family: "inet" })) {
      if (kept === undefined) kept = step;
      else for (const _ of step) later++;
    }
    assert.ok(later > 0);
    assert.throws(() => [...kept!], /a step was read after the next one was asked for/);

    // Break in the middle of a step: the socket's next dump is whole.
    let seen = 0;
    outer: for await (const step of listRouteDatagrams(sock, { table: "all", family: "inet" })) {
      for (const _ of step) if (++seen === 7) break outer;
    }
    assert.equal(seen, 7);
    assert.equal((await all(listRoutes(sock, { table: "all", family: "inet" }))).length, routes.length);
  });
});

test("listRouteDatagrams: an abort before the next step ends the loop with the signal's reason", async () => {
  await withNetns("clm-dgabort", async (ns) => {
    const lines = ["link add d0 type veth peer name d1", "link set d0 up"];
    for (let i = 0; i < 2000; i++) lines.push(`route add 10.4.${i >> 8}.${i & 255}/32 dev d0`);
    ipBatch(ns, lines.join("\n") + "\n");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const controller = new AbortController();
    const reason = new Error("enough");
    let steps = 0;
    await assert.rejects(
      (async () => {
        for await (const step of listRouteDatagrams(sock, { table: "all", signal: controller.signal })) {
          steps++;
          for (const _ of step) controller.abort(reason);
        }
      })(),
      (e) => e === reason,
    );
    assert.equal(steps, 1);
    assert.ok((await all(listRoutes(sock, { table: "all", family: "inet" }))).length >= 2000);
  });
});

test("listRouteDatagrams: forEachPayload gives the routes the loop would, undecoded, under each filter", async () => {
  await withNetns("clw-payloads", async (ns) => {
    // No IPv6 link-local addresses: their routes would appear when DAD ends, between two dumps.
    const lines = [
      "link add d0 type veth peer name d1",
      "link set d0 addrgenmode none",
      "link set d1 addrgenmode none",
    ];
    lines.push("link set d0 up", "link set d1 up");
    lines.push("addr add 10.0.0.1/24 dev d0", "addr add 10.1.0.1/24 dev d1");
    for (let i = 0; i < 1500; i++) {
      const proto = i % 3 === 0 ? " proto static" : "";
      const table = i % 5 === 0 ? " table 100" : i % 7 === 0 ? " table 4000000000" : "";
      lines.push(`route add 10.6.${i >> 8}.${i & 255}/32 dev ${i % 2 ? "d0" : "d1"}${proto}${table}`);
    }
    lines.push("route add blackhole 10.66.0.0/16", "route add 10.70.0.0/16 nexthop via 10.0.0.2 nexthop via 10.1.0.2");
    ipBatch(ns, lines.join("\n") + "\n");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const d1 = ipJson<{ ifindex: number }[]>(ns, "link", "show", "d1")[0].ifindex;
    const filters: RouteFilter[] = [
      { table: "all" },
      { table: "all", family: "inet6" },
      {},
      { table: 100 },
      { table: 4000000000 },
      { table: 77 }, // no such table: no routes, no error
      { table: "all", protocol: "static" },
      { table: "all", type: "blackhole" },
      { table: "all", oif: d1 }, // decoded to test (a multipath route's paths count)
      { table: "all", cloned: false },
    ];
    // Without strict checking the kernel dumps every route whatever the filter: the steps filter them all.
    await using loose = await NetlinkSocket.open("route", { netns: ns, strict: false });
    for (const [filter, s] of [...filters.map((f) => [f, sock] as const), ...filters.map((f) => [f, loose] as const)]) {
      const decoded: Route[] = [];
      for await (const step of listRouteDatagrams(s, filter)) decoded.push(...step);
      const payloads: Route[] = [];
      for await (const step of listRouteDatagrams(s, filter)) {
        step.forEachPayload((bytes, start, end) => payloads.push(decodeRoutePayload(bytes, start, end)));
      }
      assert.deepEqual(payloads, decoded, JSON.stringify(filter));
      if (s === loose) assert.deepEqual(decoded, await all(listRoutes(sock, filter)), JSON.stringify(filter));
    }
    const count = async (filter: RouteFilter) => (await all(listRoutes(sock, filter))).length;
    assert.ok((await count({ table: 100 })) === 300 && (await count({ table: "all", type: "blackhole" })) === 1);
    assert.ok((await count({ table: "all", oif: d1 })) > 700);

    // One pass, whichever way: what the loop took, forEachPayload does not give again, and the reverse.
    for await (const step of listRouteDatagrams(sock, { table: "all" })) {
      let first: Route | undefined;
      for (const r of step) {
        first = r;
        break;
      }
      let rest = 0;
      step.forEachPayload((bytes, start, end) => {
        rest++;
        assert.notDeepEqual(decodeRoutePayload(bytes, start, end), first);
      });
      assert.deepEqual([...step], []);
      let again = 0;
      step.forEachPayload(() => again++);
      assert.equal(again, 0);
      assert.ok(first !== undefined && rest > 0);
      break;
    }

    // A step kept past the next one throws, rather than hand over bytes the socket reuses.
    let kept: RouteDatagram | undefined;
    for await (const step of listRouteDatagrams(sock, { table: "all" })) kept ??= step;
    assert.throws(() => kept!.forEachPayload(() => {}), /a step was read after the next one was asked for/);
  });
});
