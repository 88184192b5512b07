// watch(): a snapshot then deltas, converging to the kernel's tables across
// overruns forced by a tiny receive buffer during `ip -batch` storms.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, ipJson, withNetns } from "../helpers/netns.ts";
import {
  type Address,
  type Link,
  type Neighbour,
  type Route,
  watch,
  type Watcher,
  type WatchEvent,
  type WatchKind,
  type WatchObjects,
} from "../../mod.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `ip -batch` in a child process, so this process keeps reading while it runs. */
function ipBatchAsync(ns: string, commands: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["-n", ns, "-batch", "-"], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.stdin.on("error", () => {}); // an early exit is reported by "close"
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch exited ${code}: ${err}`))));
    child.stdin.end(commands);
  });
}

/** Consumes a watcher, keeping a map built only from what it yields (snapshot + deltas). */
function consume<K extends WatchKind>(w: Watcher<K>) {
  const mine = new Map<string, WatchObjects[K]>();
  const seen: WatchEvent<WatchObjects[K]>["type"][] = [];
  let snapshot!: () => void;
  const snapshotTaken = new Promise<void>((r) => (snapshot = r));
  const done = (async () => {
    for await (const e of w) {
      seen.push(e.type);
      if (e.type === "snapshot") {
        for (const item of e.items) mine.set(w.key(item), item);
        snapshot();
      } else if (e.type === "added") {
        assert.ok(!mine.has(e.key), `added ${e.key} that the consumer already had`);
        mine.set(e.key, e.item);
      } else if (e.type === "changed") {
        assert.ok(mine.has(e.key), `changed ${e.key} that the consumer did not have`);
        mine.set(e.key, e.item);
      } else if (e.type === "removed") {
        assert.ok(mine.delete(e.key), `removed ${e.key} that the consumer did not have`);
      }
    }
  })();
  return { mine, seen, snapshotTaken, done };
}

async function until(what: string | (() => string), check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(20);
  }
}

const TABLES: Record<string, number> = { main: 254, local: 255, default: 253 };

// Projections both sides can produce: what `ip -j` shows of each object.
function routeOfIp(r: any, names: Map<string, number>): string {
  const v6 = r.dst.includes(":") || (r.dst === "default" && r.gateway?.includes(":"));
  const dst = r.dst === "default"
    ? (v6 ? "::/0" : "0.0.0.0/0")
    : r.dst.includes("/")
    ? r.dst
    : `${r.dst}/${v6 ? 128 : 32}`;
  const table = r.table === undefined ? 254 : TABLES[r.table] ?? Number(r.table);
  return `${table} ${r.type ?? "unicast"} ${dst} metric ${r.metric ?? 0} dev ${r.dev ? names.get(r.dev) : "-"}`;
}
function routeOfOurs(r: Route): string {
  const dst = r.dst === undefined ? (r.family === "inet6" ? `::/0` : `0.0.0.0/0`) : `${r.dst}/${r.dstLength}`;
  const dev = r.oif ?? "-";
  return `${r.table} ${r.type} ${dst} metric ${r.priority ?? 0} dev ${dev}`;
}

function oracle(ns: string) {
  const links = ipJson(ns, "link", "show");
  const names = new Map<string, number>(links.map((l: any) => [l.ifname, l.ifindex]));
  return {
    link: links.map((l: any) => `${l.ifindex} ${l.ifname} ${l.mtu} ${[...l.flags].sort().join(",")}`).sort(),
    address: ipJson(ns, "addr", "show").flatMap((l: any) =>
      l.addr_info.map((a: any) => `${a.family} ${l.ifindex} ${a.local}/${a.prefixlen}`)
    ).sort(),
    route: ipJson(ns, "route", "show", "table", "all").map((r: any) => routeOfIp(r, names)).sort(),
    neighbour: ipJson(ns, "neigh", "show").map((n: any) => `${names.get(n.dev)} ${n.dst} ${n.lladdr ?? "-"}`).sort(),
  };
}

const project = {
  link: (l: Link) => `${l.index} ${l.name} ${l.mtu} ${[...l.flags].sort().join(",")}`,
  address: (a: Address) => `${a.family} ${a.index} ${a.local}/${a.prefixLength}`,
  route: routeOfOurs,
  neighbour: (n: Neighbour) => `${n.index} ${n.dst} ${n.lladdr ?? "-"}`,
};

function viewOf<K extends WatchKind & keyof typeof project>(kind: K, items: Iterable<WatchObjects[K]>): string[] {
  return [...items].map((i) => (project[kind] as (x: WatchObjects[K]) => string)(i)).sort();
}

function storm(from: number, count: number): string {
  let s = "";
  for (let i = from; i < from + count; i++) {
    s += `route add blackhole 10.${100 + (i >> 8)}.${i & 255}.0/24 metric ${i % 3}\n`;
    s += `addr add 10.60.${i >> 8}.${i & 255}/32 dev v0\n`;
    s += `neigh add 10.50.${i >> 8}.${i & 255} lladdr 02:00:00:00:${(i >> 8).toString(16)}:${
      (i & 255).toString(16)
    } dev v0 nud permanent\n`;
    if (i % 10 === 0) s += `route add 2001:db8:${i.toString(16)}::/48 dev v0 metric ${i % 5}\n`;
    if (i % 25 === 0) s += `link add rd${i} type bridge\n`;
  }
  // Take some of it away again, and change some links.
  for (let i = from; i < from + count; i += 3) {
    s += `route del blackhole 10.${100 + (i >> 8)}.${i & 255}.0/24 metric ${i % 3}\n`;
    s += `addr del 10.60.${i >> 8}.${i & 255}/32 dev v0\n`;
    s += `neigh del 10.50.${i >> 8}.${i & 255} dev v0\n`;
    if (i % 25 === 0) s += `link del rd${i}\n`;
    if (i % 25 === 1) s += `link set rd${i - 1} mtu 1400 up\n`;
  }
  return s;
}

test("watch(link/address/route/neighbour) converges to ip -j after overruns during ip -batch storms", async () => {
  await withNetns("wch-watch", async (ns) => {
    ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
    ipBatch(ns, "link set v0 up\nlink set v1 up\naddr add 10.50.0.1/16 dev v0\n");
    const kinds = ["link", "address", "route", "neighbour"] as const;
    // 4 KiB: the kernel doubles it to ~8 KiB, a handful of messages.
    const watchers = kinds.map((k) => watch(k, { netns: ns, rcvbuf: 4096 }));
    const consumers = watchers.map((w) => consume(w as Watcher<WatchKind>));
    // A storm running in another process while the snapshots are taken…
    const first = ipBatchAsync(ns, storm(0, 1200));
    await Promise.all(consumers.map((c) => c.snapshotTaken));
    await first;
    // …and one while this process cannot read at all (execFileSync blocks).
    ipBatch(ns, storm(1200, 1200));
    // A last change of each kind: once it is in every view, so is everything before it.
    ipBatch(
      ns,
      "link add rdmark type bridge\naddr add 10.99.99.99/32 dev v0\nroute add blackhole 10.99.99.0/24\n" +
        "neigh add 10.50.99.99 lladdr 02:00:00:00:99:99 dev v0 nud permanent\n",
    );
    const [lw, aw, rw, nw] = watchers;
    await until(
      () => `the markers: ${watchers.map((w) => `${w.kind} ${JSON.stringify(w.stats)} ${w.view.size}`)}`,
      () =>
        [...lw.view.values()].some((l) => (l as Link).name === "rdmark") &&
        [...aw.view.values()].some((a) => (a as Address).local === "10.99.99.99") &&
        [...rw.view.values()].some((r) => (r as Route).dst === "10.99.99.0") &&
        [...nw.view.values()].some((n) => (n as Neighbour).dst === "10.50.99.99"),
    );
    // Let address/route side effects of the last changes (DAD, local routes) settle.
    let want = oracle(ns);
    for (let i = 0; i < 50; i++) {
      if (
        kinds.every((k, j) => JSON.stringify(viewOf(k, watchers[j].view.values() as any)) === JSON.stringify(want[k]))
      ) break;
      await sleep(100);
      want = oracle(ns);
    }
    for (const [j, kind] of kinds.entries()) {
      const w = watchers[j];
      assert.ok(w.stats.overruns >= 1, `${kind}: no overrun happened (stats ${JSON.stringify(w.stats)})`);
      assert.ok(w.stats.resyncs >= 1, `${kind}: never re-dumped`);
      assert.deepEqual(viewOf(kind, w.view.values() as any), want[kind], `${kind}: view differs from ip -j`);
      assert.ok(want[kind].length > (kind === "link" ? 40 : 1000), `${kind}: ${want[kind].length} objects`);
    }
    for (const w of watchers) await w.close();
    for (const [j, c] of consumers.entries()) {
      await c.done;
      assert.ok(c.seen.includes("resync") && c.seen.includes("added") && c.seen.includes("removed"), kinds[j]);
      assert.deepEqual([...c.mine.keys()].sort(), [...watchers[j].view.keys()].sort(), `${kinds[j]}: consumer's map`);
    }
  });
}, { timeout: 60_000 });

test("watch: snapshot first, then one delta per change, keyed by identity", async () => {
  await withNetns("wch-watch2", async (ns) => {
    ip(ns, "link", "add", "d0", "type", "bridge");
    ip(ns, "link", "set", "d0", "up");
    const index = ipJson(ns, "link", "show", "d0")[0].ifindex as number;
    await using w = watch("address", { netns: ns, family: "inet" });
    const it = w[Symbol.asyncIterator]();
    const snap = (await it.next()).value!;
    assert.equal(snap.type, "snapshot");
    assert.deepEqual(snap.type === "snapshot" && snap.items.map((a) => a.local), ["127.0.0.1"]);
    ip(ns, "addr", "add", "10.1.0.1/24", "dev", "d0");
    const added = (await it.next()).value!;
    assert.equal(added.type, "added");
    assert.equal(added.type === "added" && added.key, `inet ${index} 10.1.0.1/24`);
    // A finite lifetime makes the address lose its "permanent" flag.
    ip(ns, "addr", "change", "10.1.0.1/24", "dev", "d0", "valid_lft", "1000", "preferred_lft", "500");
    const changed = (await it.next()).value!;
    assert.equal(changed.type, "changed");
    assert.ok(changed.type === "changed" && changed.previous.flags.includes("permanent"));
    assert.ok(changed.type === "changed" && !changed.item.flags.includes("permanent"));
    ip(ns, "addr", "del", "10.1.0.1/24", "dev", "d0");
    const removed = (await it.next()).value!;
    assert.equal(removed.type, "removed");
    assert.equal(w.view.size, 1);
    await w.close();
    assert.equal((await it.next()).done, true, "the iteration ends when the watcher closes");
  });
});

test("watch(route): routes the kernel drops silently with their link are removed by a re-dump", async () => {
  await withNetns("wch-watch3", async (ns) => {
    ipBatch(
      ns,
      "link add d0 type veth peer name d1\nlink set d1 up\nlink set d0 up\naddr add 10.2.0.1/24 dev d0\nroute add 10.3.0.0/16 via 10.2.0.2\n",
    );
    await using w = watch("route", { netns: ns, family: "inet" });
    const events: WatchEvent<Route>[] = [];
    const done = (async () => {
      for await (const e of w) events.push(e);
    })();
    await until("the snapshot", () => events.length > 0);
    assert.ok([...w.view.values()].some((r) => r.dst === "10.3.0.0"));
    ip(ns, "link", "set", "d0", "down");
    await until("the route to go", () => ![...w.view.values()].some((r) => r.dst === "10.3.0.0"));
    assert.deepEqual(viewOf("route", w.view.values()), oracle(ns).route.filter((s: string) => !s.includes(":")));
    assert.ok(events.some((e) => e.type === "resync" && e.reason === "link"));
    await w.close();
    await done;
  });
});

test("watch: bad arguments are TypeErrors", () => {
  assert.throws(() => watch("rule" as WatchKind), TypeError);
  assert.throws(() => watch("route", { family: "inet4" as "inet" }), TypeError);
  assert.throws(() => watch("link", { family: "inet" }), TypeError);
  for (const kind of ["qdisc", "class", "filter"] as const) {
    assert.throws(() => watch(kind, { family: "inet" }), TypeError);
  }
});
