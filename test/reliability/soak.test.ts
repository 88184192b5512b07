// Short soaks (bench/soak.ts runs the long ones and prints RSS): subscribe
// and unsubscribe, dumps left early, many requests in flight on one socket.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { fdCount, ipBatch, ipJson, withNetns } from "../helpers/netns.ts";
import { NetlinkError, NetlinkSocket, subscribe, watch } from "../../mod.ts";
import { encodeGetRoutes, getRoute } from "../../src/route/route.ts";
import { getLink } from "../../src/route/link.ts";

/**
 * Asserts the process has about as many fds as `before`: a leak of even one
 * fd in a hundred cycles shows as 10 or more, while the stdio of finished
 * `ip` children (closed lazily by the runtimes) and of other files' tests
 * accounts for a few.
 */
async function settled(before: number, what: string): Promise<void> {
  for (let i = 0; i < 20 && fdCount() > before + 2; i++) await new Promise((r) => setTimeout(r, 50));
  const after = fdCount();
  assert.ok(after < before + 10, `${what}: ${before} fds before, ${after} after`);
}

test("1,000 subscribe/unsubscribe cycles and 200 watchers leave no file descriptor behind", async () => {
  await withNetns("rel-soak-sub", async (ns) => {
    // Warm up: the shared poll loop and its fds are created once per process.
    await (await NetlinkSocket.open("route", { netns: ns })).close();
    const before = fdCount();
    for (let i = 0; i < 1000; i++) {
      const events = subscribe(["link", "ipv4_route"], { netns: ns });
      await events.ready;
      if (i % 2) {
        // Iterating, then leaving.
        const it = events[Symbol.asyncIterator]();
        const pending = it.next();
        await events.close();
        assert.equal((await pending).done, true);
      } else await events.close();
    }
    for (let i = 0; i < 200; i++) {
      const w = watch("link", { netns: ns });
      for await (const e of w) {
        assert.equal(e.type, "snapshot");
        break;
      }
    }
    await settled(before, "1,000 subscriptions and 200 watchers");
  });
}, { timeout: 60_000 });

test("1,000 dumps left after their first message: each drains, the socket stays usable, no fd leaks", async () => {
  await withNetns("rel-soak-dump", async (ns) => {
    let batch = "";
    for (let i = 0; i < 500; i++) batch += `route add blackhole 10.${100 + (i >> 8)}.${i & 255}.0/24\n`;
    ipBatch(ns, batch);
    const before = fdCount();
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const request = encodeGetRoutes({ table: "all", family: "inet" });
    for (let i = 0; i < 1000; i++) {
      for await (const _ of sock.dump(request)) break;
    }
    // The socket is clean: a full dump afterwards gets exactly the table.
    let n = 0;
    for await (const _ of sock.dump(request)) n++;
    assert.equal(n, ipJson(ns, "-4", "route", "show", "table", "all").length);
    assert.equal(sock.stats.stray, 0, "no reply of a left dump was taken for another");
    await sock.close();
    await settled(before, "1,000 dumps left early");
  });
}, { timeout: 60_000 });

test("100 concurrent requests on one socket (answers and errors) each get their own reply", async () => {
  await withNetns("rel-soak-conc", async (ns) => {
    let batch = "link add v0 type veth peer name v1\nlink set v0 up\nlink set v1 up\naddr add 10.50.0.1/16 dev v0\n";
    for (let i = 0; i < 50; i++) batch += `route add 10.${200 + (i >> 8)}.${i & 255}.0/24 via 10.50.0.${i + 2}\n`;
    for (let i = 0; i < 10; i++) batch += `link add rc${i} type bridge\n`;
    ipBatch(ns, batch);
    const links = new Map<string, number>(ipJson(ns, "link", "show").map((l: any) => [l.ifname, l.ifindex]));
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      // Route lookups: the gateway tells which request the answer was for.
      jobs.push(
        getRoute(sock, `10.${200 + (i >> 8)}.${i & 255}.9`).then((r) => assert.equal(r.gateway, `10.50.0.${i + 2}`)),
      );
    }
    for (let i = 0; i < 30; i++) {
      const name = `rc${i % 10}`;
      jobs.push(getLink(sock, name).then((l) => assert.deepEqual([l.name, l.index], [name, links.get(name)])));
    }
    for (let i = 0; i < 20; i++) {
      // Errors must reach their own request too.
      jobs.push(
        getLink(sock, `missing${i}`).then(
          () => assert.fail("a missing link was found"),
          (e) => assert.ok(e instanceof NetlinkError && e.code === "ENODEV", String(e)),
        ),
      );
    }
    // A dump running among them.
    let dumped = 0;
    jobs.push((async () => {
      for await (const _ of sock.dump(encodeGetRoutes({ family: "inet" }))) dumped++;
    })());
    await Promise.all(jobs);
    assert.equal(dumped, ipJson(ns, "-4", "route", "show").length);
    assert.equal(sock.stats.stray, 0);
  });
});
