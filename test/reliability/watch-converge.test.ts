// watch() converges to the kernel's tables, step by step: objects the kernel
// keeps apart stay apart (routes differing only by device, gateway, type or
// protocol; IPv6 ECMP siblings; addresses and neighbours on several links),
// deletes remove exactly their object, and what the kernel changes without a
// notification (linkdown on a carrier change, also of a peer in another
// namespace; a route's preferred source) is re-read, once per burst. Every
// step is compared with `ip -j`, field by field, and with the map a consumer
// builds from the deltas alone.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, ipJson, sh, sysctl, withNetns } from "../helpers/netns.ts";
import {
  type Address,
  type Filter,
  type Link,
  type Neighbour,
  type Netconf,
  type Qdisc,
  type Route,
  shareWatch,
  type TcClass,
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
    child.stdin.on("error", () => {});
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch exited ${code}: ${err}`))));
    child.stdin.end(commands);
  });
}

/** A second namespace for the far end of a veth, removed afterwards. */
async function withPeerNetns<T>(tag: string, fn: (peer: string) => Promise<T>): Promise<T> {
  const peer = `nlts-${tag}-${process.pid}`;
  try {
    sh("ip", ["netns", "del", peer]);
  } catch { /* not there */ }
  sh("ip", ["netns", "add", peer]);
  try {
    return await fn(peer);
  } finally {
    sh("ip", ["netns", "del", peer]);
  }
}

// --- projections: what both `ip -j` and the decoded objects show ---

const TABLES: Record<string, number> = { main: 254, local: 255, default: 253 };
// The flags iproute2 prints (print_rt_flags).
const SHOWN_FLAGS = new Set([
  "dead",
  "onlink",
  "pervasive",
  "offload",
  "trap",
  "notify",
  "linkdown",
  "unresolved",
  "rt_offload",
  "rt_trap",
  "rt_offload_failed",
]);
const flagText = (flags: Iterable<string>) => [...new Set(flags)].filter((f) => SHOWN_FLAGS.has(f)).sort().join(",");

function ipDst(dst: string, v6: boolean): string {
  if (dst === "default") return v6 ? "::/0" : "0.0.0.0/0";
  return dst.includes("/") ? dst : `${dst}/${v6 ? 128 : 32}`;
}

/** `ip -j route show table all` (both families) as lines; IPv6 multipath routes as one line per sibling. */
function ipRoutes(ns: string, names: Map<string, number>): string[] {
  const out: string[] = [];
  for (const v6 of [false, true]) {
    for (const r of ipJson(ns, v6 ? "-6" : "-4", "route", "show", "table", "all")) {
      const head = `${v6 ? "inet6" : "inet"} ${r.table === undefined ? 254 : TABLES[r.table] ?? Number(r.table)} ` +
        `${r.type ?? "unicast"} ${ipDst(r.dst, v6)} metric ${r.metric ?? 0} proto ${r.protocol ?? "boot"} ` +
        `src ${r.prefsrc ?? "-"} mtu ${r.metrics?.find((m: any) => m.mtu !== undefined)?.mtu ?? "-"}`;
      const path = (p: any, extra: string[] = []) =>
        `dev ${p.dev === undefined ? "-" : names.get(p.dev)} via ${p.gateway ?? "-"} flags ${
          flagText([...p.flags, ...extra])
        }`;
      if (r.nexthops === undefined) out.push(`${head} ${path(r)}`);
      else if (v6) { for (const nh of r.nexthops) out.push(`${head} ${path(nh, r.flags)}`); }
      else out.push(`${head} flags ${flagText(r.flags)} ${r.nexthops.map((nh: any) => `[${path(nh)}]`).join(" ")}`);
    }
  }
  return out.sort();
}

function ourRoute(r: Route): string {
  const v6 = r.family === "inet6";
  const dst = r.dst === undefined ? (v6 ? "::/0" : "0.0.0.0/0") : `${r.dst}/${r.dstLength}`;
  const head = `${r.family} ${r.table} ${r.type} ${dst} metric ${r.priority ?? 0} proto ${r.protocol} ` +
    `src ${r.prefsrc ?? "-"} mtu ${r.metrics?.mtu ?? "-"}`;
  if (r.multipath === undefined) {
    return `${head} dev ${r.oif ?? "-"} via ${r.gateway ?? "-"} flags ${flagText(r.flags)}`;
  }
  return `${head} flags ${flagText(r.flags)} ${
    r.multipath.map((nh) => `[dev ${nh.ifindex} via ${nh.gateway ?? "-"} flags ${flagText(nh.flags)}]`).join(" ")
  }`;
}

function ipLinks(ns: string): string[] {
  return ipJson(ns, "link", "show").map((l: any) =>
    `${l.ifindex} ${l.ifname} mtu ${l.mtu} ${l.operstate.toLowerCase()} ${[...l.flags].sort().join(",")}`
  ).sort();
}
const ourLink = (l: Link) => `${l.index} ${l.name} mtu ${l.mtu} ${l.operstate} ${[...l.flags].sort().join(",")}`;

function ipAddresses(ns: string): string[] {
  return ipJson(ns, "addr", "show").flatMap((l: any) =>
    l.addr_info.map((a: any) => `${a.family} ${l.ifindex} ${a.local}/${a.prefixlen} ${a.scope}`)
  ).sort();
}
const ourAddress = (a: Address) => `${a.family} ${a.index} ${a.local}/${a.prefixLength} ${a.scope}`;

function ipNeighbours(ns: string, names: Map<string, number>): string[] {
  return ipJson(ns, "neigh", "show").map((n: any) =>
    `${n.dst.includes(":") ? "inet6" : "inet"} ${names.get(n.dev)} ${n.dst} ${n.lladdr ?? "-"} ${
      n.state.join(",").toLowerCase()
    }`
  ).sort();
}
const ourNeighbour = (n: Neighbour) =>
  `${n.family} ${n.index} ${n.dst} ${n.lladdr ?? "-"} ${n.state.join(",").toLowerCase()}`;

/** `ip -j netconf show`: family, index (-1 all, -2 default) and the settings ip prints, on/off as ip words them. */
function ipNetconfs(ns: string, names: Map<string, number>): string[] {
  const where: Record<string, number> = { all: -1, default: -2 };
  return ipJson(ns, "netconf", "show").map((c: any) =>
    `${c.family} ${where[c.interface] ?? names.get(c.interface)} ${c.forwarding} ${
      c.rp_filter ?? "-"
    } ${c.proxy_neigh} ` +
    `${c.mc_forwarding} ${c.ignore_routes_with_linkdown}`
  ).sort();
}
const RP_FILTER = ["off", "strict", "loose"];
const on = (v: number | undefined) => v !== undefined && v !== 0;
const ourNetconf = (c: Netconf) =>
  `${c.family} ${c.index} ${on(c.forwarding)} ${c.rpFilter === undefined ? "-" : RP_FILTER[c.rpFilter]} ` +
  `${on(c.proxyNeigh)} ${on(c.mcForwarding)} ${on(c.ignoreRoutesWithLinkdown)}`;

function linkNames(ns: string): Map<string, number> {
  return new Map(ipJson(ns, "link", "show").map((l: any) => [l.ifname, l.ifindex]));
}

// --- tc: `tc -j qdisc show`, `tc class show dev X` (tc 6.1 prints htb classes as text even with -j) and
// `tc -j filter show dev X parent P` for each qdisc and class, the places a watcher dumps.

function tcJson(ns: string, ...args: string[]): any[] {
  const out = sh("tc", ["-n", ns, "-j", ...args]).trim();
  return out ? JSON.parse(out) : [];
}

function tcQdiscs(ns: string, names: Map<string, number>): string[] {
  return tcJson(ns, "qdisc", "show").map((q: any) =>
    `${names.get(q.dev)} ${q.kind} ${q.handle} ${q.root ? "root" : q.parent}`
  ).sort();
}
const ourQdisc = (q: Qdisc) => `${q.ifindex} ${q.kind} ${q.handle} ${q.parent}`;

/** Each class as `[dev, kind, classid, parent]`, from tc's text. */
function tcClassWords(ns: string, devs: Iterable<string>): [string, string, string, string][] {
  const out: [string, string, string, string][] = [];
  for (const dev of devs) {
    for (const line of sh("tc", ["-n", ns, "class", "show", "dev", dev]).split("\n")) {
      const w = line.trim().split(/\s+/);
      if (w[0] !== "class") continue;
      out.push([dev, w[1], w[2], w[3] === "root" ? "root" : w[4]]);
    }
  }
  return out;
}

function tcClasses(ns: string, names: Map<string, number>): string[] {
  const devs = new Set(tcJson(ns, "qdisc", "show").map((q: any) => q.dev as string));
  return tcClassWords(ns, devs).map(([dev, kind, id, parent]) => `${names.get(dev)} ${kind} ${id} ${parent}`).sort();
}
const ourClass = (c: TcClass) => `${c.ifindex} ${c.kind} ${c.handle} ${c.parent}`;

function tcFilters(ns: string, names: Map<string, number>): string[] {
  const qdiscs = tcJson(ns, "qdisc", "show");
  const places: [string, string][] = [];
  for (const q of qdiscs) {
    if (q.kind === "clsact") places.push([q.dev, "ffff:fff2"], [q.dev, "ffff:fff3"]);
    else if (q.kind === "ingress") places.push([q.dev, "ffff:fff2"]);
    else if (q.handle !== "0:") places.push([q.dev, q.handle]);
  }
  const devs = new Set(qdiscs.filter((q: any) => q.handle !== "0:").map((q: any) => q.dev as string));
  for (const [dev, , id] of tcClassWords(ns, devs)) places.push([dev, id]);
  return places.flatMap(([dev, parent]) =>
    tcJson(ns, "filter", "show", "dev", dev, "parent", parent).map((f: any) =>
      `${names.get(dev)} ${parent} chain ${f.chain} pref ${f.pref} ${f.protocol} ${f.kind} ${f.options?.fh ?? "-"}`
    )
  ).sort();
}
const ourFilter = (f: Filter) =>
  `${f.ifindex} ${f.parent} chain ${f.chain ?? 0} pref ${f.priority} ${f.protocol} ${f.kind} ${f.handle ?? "-"}`;

const ORACLE: { [K in WatchKind]: (ns: string) => string[] } = {
  link: ipLinks,
  address: ipAddresses,
  route: (ns) => ipRoutes(ns, linkNames(ns)),
  neighbour: (ns) => ipNeighbours(ns, linkNames(ns)),
  qdisc: (ns) => tcQdiscs(ns, linkNames(ns)),
  class: (ns) => tcClasses(ns, linkNames(ns)),
  filter: (ns) => tcFilters(ns, linkNames(ns)),
  netconf: (ns) => ipNetconfs(ns, linkNames(ns)),
};
const OURS: { [K in WatchKind]: (item: WatchObjects[K]) => string } = {
  link: ourLink,
  address: ourAddress,
  route: ourRoute,
  neighbour: ourNeighbour,
  qdisc: ourQdisc,
  class: ourClass,
  filter: ourFilter,
  netconf: ourNetconf,
};

/** A watcher and the map a consumer builds from its snapshot and deltas only. */
class Follower<K extends WatchKind> {
  readonly mine = new Map<string, WatchObjects[K]>();
  readonly events: WatchEvent<WatchObjects[K]>[] = [];
  /** Why the iteration ended early, if it did. */
  error?: unknown;
  readonly done: Promise<void>;
  #snapshot!: () => void;
  readonly snapshot = new Promise<void>((r) => (this.#snapshot = r));

  readonly w: Watcher<K>;
  readonly ns: string;

  constructor(w: Watcher<K>, ns: string) {
    this.w = w;
    this.ns = ns;
    this.done = (async () => {
      for await (const e of w) {
        this.events.push(e);
        if (e.type === "snapshot") {
          for (const item of e.items) this.mine.set(w.key(item), item);
          this.#snapshot();
        } else if (e.type === "added") {
          assert.ok(!this.mine.has(e.key), `added ${e.key} that the consumer already had`);
          this.mine.set(e.key, e.item);
        } else if (e.type === "changed") {
          assert.ok(this.mine.has(e.key), `changed ${e.key} that the consumer did not have`);
          this.mine.set(e.key, e.item);
        } else if (e.type === "removed") {
          assert.ok(this.mine.delete(e.key), `removed ${e.key} that the consumer did not have`);
        }
      }
    })();
    // Awaited by the test; must not be unhandled when a test fails first.
    this.done.catch((error) => (this.error = error));
  }

  lines(items: Iterable<WatchObjects[K]> = this.w.view.values()): string[] {
    return [...items].map((i) => (OURS[this.w.kind] as (x: WatchObjects[K]) => string)(i)).sort();
  }

  /** Waits until the view equals `ip -j`, then checks the consumer's map too; returns the lines. */
  async converged(step: string, ms = 5_000): Promise<string[]> {
    const end = Date.now() + ms;
    let want = ORACLE[this.w.kind](this.ns);
    while (JSON.stringify(this.lines()) !== JSON.stringify(want) && Date.now() < end && !this.error) {
      await sleep(25);
      want = ORACLE[this.w.kind](this.ns);
    }
    if (this.error) throw this.error;
    assert.deepEqual(this.lines(), want, `${this.w.kind} view after "${step}" differs from ip -j`);
    assert.deepEqual(this.lines(this.mine.values()), want, `consumer's ${this.w.kind} map after "${step}"`);
    assert.equal(this.w.view.size, want.length, `${step}: one view entry per kernel object`);
    return want;
  }

  /** Waits until no event has come for `ms` (what the socket still held has been applied). */
  async quiet(ms = 300, limit = 15_000): Promise<void> {
    const end = Date.now() + limit;
    let seen = -1;
    while (seen !== this.events.length && Date.now() < end && !this.error) {
      seen = this.events.length;
      await sleep(ms);
    }
    if (this.error) throw this.error;
  }

  count(type: WatchEvent<unknown>["type"], from = 0): number {
    return this.events.slice(from).filter((e) => e.type === type).length;
  }
}

const live = new Set<Follower<WatchKind>>();

async function follow<K extends WatchKind>(kind: K, ns: string, options: { rcvbuf?: number } = {}) {
  const f = new Follower(watch(kind, { netns: ns, ...options }), ns);
  live.add(f as unknown as Follower<WatchKind>);
  await f.snapshot;
  return f;
}

/** A namespace for the test; its watchers are closed before it goes, whatever happens. */
function watchIn(tag: string, fn: (ns: string) => Promise<void>): Promise<void> {
  return withNetns(tag, async (ns) => {
    try {
      await fn(ns);
    } finally {
      for (const f of live) await f.w.close();
      live.clear();
    }
  });
}

test("watch(route): two links in one subnet keep their own prefix, local and broadcast routes", async () => {
  await watchIn("wch-subnet", async (ns) => {
    ipBatch(
      ns,
      "link add a0 type veth peer name a1\nlink add b0 type veth peer name b1\n" +
        "link set a0 up\nlink set a1 up\nlink set b0 up\nlink set b1 up\n",
    );
    const f = await follow("route", ns);
    ip(ns, "addr", "add", "10.0.0.1/24", "dev", "a0");
    ip(ns, "addr", "add", "10.0.0.2/24", "dev", "b0");
    const both = await f.converged("two addresses in 10.0.0.0/24");
    // Per device: a prefix route, a local route, a broadcast route.
    assert.equal(both.filter((l) => l.includes(" 10.0.0.0/24 ")).length, 2);
    assert.equal(both.filter((l) => l.includes(" broadcast 10.0.0.255/32 ")).length, 2);
    ip(ns, "addr", "del", "10.0.0.2/24", "dev", "b0");
    const one = await f.converged("delete the address of b0");
    assert.equal(one.filter((l) => l.includes(" broadcast 10.0.0.255/32 ")).length, 1, "a0's survives");
    assert.equal(one.filter((l) => l.includes(" 10.0.0.0/24 ")).length, 1, "a0's survives");
    await f.w.close();
    await f.done;
  });
});

test("watch(route): append then delete one of two IPv4 routes to a prefix; replace; other type and protocol", async () => {
  await watchIn("wch-append", async (ns) => {
    ipBatch(
      ns,
      "link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\naddr add 10.0.0.1/24 dev a0\n" +
        "link add b0 type veth peer name b1\nlink set b0 up\nlink set b1 up\naddr add 10.1.0.1/24 dev b0\n",
    );
    const f = await follow("route", ns);
    const prefixLines = () => f.lines().filter((l) => l.includes(" 10.9.0.0/16 "));
    ip(ns, "route", "add", "10.9.0.0/16", "via", "10.0.0.10");
    ip(ns, "route", "append", "10.9.0.0/16", "via", "10.1.0.10");
    await f.converged("append a second route via another gateway and device");
    assert.equal(prefixLines().length, 2);
    ip(ns, "route", "append", "10.9.0.0/16", "via", "10.0.0.11");
    ip(ns, "route", "append", "10.9.0.0/16", "via", "10.0.0.11", "proto", "static");
    ip(ns, "route", "append", "blackhole", "10.9.0.0/16");
    await f.converged("same gateway and device, another protocol; a blackhole");
    assert.equal(prefixLines().length, 5);
    ip(ns, "route", "del", "10.9.0.0/16", "via", "10.0.0.10");
    await f.converged("delete the first");
    ip(ns, "route", "del", "10.9.0.0/16", "via", "10.0.0.11", "proto", "static");
    await f.converged("delete the static one");
    ip(ns, "route", "append", "10.9.0.0/16", "via", "10.0.0.11", "mtu", "1400");
    await f.converged("same path, another MTU");
    assert.equal(prefixLines().length, 4);
    ip(ns, "route", "del", "10.9.0.0/16", "via", "10.0.0.11", "mtu", "1400");
    await f.converged("delete the one with the MTU");
    assert.ok(!prefixLines().some((l) => l.includes("mtu 1400")));
    ip(ns, "route", "del", "blackhole", "10.9.0.0/16");
    ip(ns, "route", "del", "10.9.0.0/16", "via", "10.0.0.11");
    assert.deepEqual((await f.converged("delete down to one")).filter((l) => l.includes(" 10.9.0.0/16 ")).length, 1);
    // A replace with one route in its place: the kernel sends no delete.
    const replaceResyncs = () => f.events.filter((e) => e.type === "resync" && e.reason === "replace").length;
    const before = replaceResyncs();
    ip(ns, "route", "replace", "10.9.0.0/16", "via", "10.0.0.12");
    await f.converged("replace the only route");
    assert.equal(replaceResyncs(), before, "a replace of the only route needs no re-dump");
    ip(ns, "route", "add", "10.8.0.0/16", "via", "10.0.0.12", "metric", "7");
    ip(ns, "route", "replace", "10.8.0.0/16", "dev", "b0", "metric", "7");
    await f.converged("replace with another device");
    // Two in its place: which one goes depends on the kernel's order.
    ip(ns, "route", "append", "10.9.0.0/16", "via", "10.1.0.13");
    ip(ns, "route", "replace", "10.9.0.0/16", "via", "10.0.0.14");
    await f.converged("replace with two candidates");
    assert.ok(f.events.some((e) => e.type === "resync" && e.reason === "replace"), "re-read for the replace");
    ip(ns, "route", "flush", "10.9.0.0/16");
    await f.converged("flush");
    await f.w.close();
    await f.done;
  });
});

test("watch(route): IPv6 ECMP siblings, appended, deleted one by one, replaced; routes through two devices", async () => {
  await watchIn("wch-ecmp6", async (ns) => {
    ipBatch(
      ns,
      "link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\n" +
        "link add b0 type veth peer name b1\nlink set b0 up\nlink set b1 up\n" +
        "addr add 2001:db8:1::1/64 dev a0 nodad\naddr add 2001:db8:2::1/64 dev b0 nodad\n",
    );
    const f = await follow("route", ns);
    const siblings = () => f.lines().filter((l) => l.includes(" 2001:db8:9::/64 ")).length;
    ip(
      ns,
      "-6",
      "route",
      "add",
      "2001:db8:9::/64",
      "nexthop",
      "via",
      "2001:db8:1::2",
      "dev",
      "a0",
      "nexthop",
      "via",
      "2001:db8:2::2",
      "dev",
      "b0",
    );
    await f.converged("an ECMP route of two");
    assert.equal(siblings(), 2);
    ip(ns, "-6", "route", "append", "2001:db8:9::/64", "via", "2001:db8:1::3", "dev", "a0");
    await f.converged("append a third sibling");
    assert.equal(siblings(), 3);
    ip(ns, "-6", "route", "del", "2001:db8:9::/64", "via", "2001:db8:2::2", "dev", "b0");
    await f.converged("delete one sibling");
    ip(ns, "-6", "route", "del", "2001:db8:9::/64", "via", "2001:db8:1::2", "dev", "a0");
    await f.converged("delete another: the last one stands alone");
    assert.equal(siblings(), 1);
    ip(ns, "-6", "route", "append", "2001:db8:9::/64", "via", "2001:db8:2::5", "dev", "b0");
    await f.converged("a sibling again");
    ip(ns, "-6", "route", "replace", "2001:db8:9::/64", "via", "2001:db8:1::6", "dev", "a0");
    await f.converged("replace the ECMP group with one route");
    assert.equal(siblings(), 1);
    // Without gateways the kernel keeps separate routes, not siblings.
    ip(ns, "-6", "route", "append", "2001:db8:7::/64", "dev", "a0");
    ip(ns, "-6", "route", "append", "2001:db8:7::/64", "dev", "b0");
    await f.converged("one prefix through two devices");
    ip(ns, "-6", "route", "del", "2001:db8:7::/64", "dev", "a0");
    await f.converged("delete the one through a0");
    ip(ns, "-6", "route", "del", "2001:db8:9::/64");
    await f.converged("delete the rest");
    await f.w.close();
    await f.done;
  });
});

test("watch(route): a preferred source the kernel clears silently when its IPv6 address goes is re-read", async () => {
  await watchIn("wch-prefsrc", async (ns) => {
    ipBatch(
      ns,
      "link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\n" +
        "addr add 2001:db8:1::1/64 dev a0 nodad\naddr add 2001:db8:1::9/64 dev a0 nodad\n" +
        "route add 2001:db8:77::/64 dev a0 src 2001:db8:1::9\naddr add 10.0.0.1/24 dev a0\n" +
        "route add 10.77.0.0/16 dev a0 src 10.0.0.1\n",
    );
    // No link event may arrive later and re-read the routes for another reason.
    for (let i = 0; i < 100 && ipJson(ns, "link", "show", "a0")[0].operstate !== "UP"; i++) await sleep(20);
    const f = await follow("route", ns);
    await f.converged("the routes");
    await sleep(100);
    const from = f.events.length;
    ip(ns, "-6", "addr", "del", "2001:db8:1::9/64", "dev", "a0");
    ip(ns, "addr", "del", "10.0.0.1/24", "dev", "a0");
    await f.converged("delete the preferred sources");
    const resyncs = f.events.slice(from).filter((e) => e.type === "resync");
    assert.ok(resyncs.length > 0 && resyncs.every((e) => e.type === "resync" && e.reason === "address"));
    await f.w.close();
    await f.done;
  });
});

test("watch(route): IPv6 route MTUs the kernel lowers silently when a link's MTU drops are re-read", async () => {
  await watchIn("wch-mtu", async (ns) => {
    ipBatch(
      ns,
      "link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\naddr add 2001:db8:1::1/64 dev a0 nodad\n" +
        "route add 2001:db8:5::/64 via 2001:db8:1::2 dev a0 mtu 1400\n",
    );
    for (let i = 0; i < 100 && ipJson(ns, "link", "show", "a0")[0].operstate !== "UP"; i++) await sleep(20);
    const f = await follow("route", ns);
    assert.ok((await f.converged("the routes")).some((l) => l.includes("2001:db8:5::/64") && l.includes("mtu 1400")));
    await sleep(100);
    const from = f.events.length;
    // The kernel lowers the route's MTU metric to the link's (rt6_mtu_change) and announces nothing but the link.
    ip(ns, "link", "set", "a0", "mtu", "1300");
    const lines = await f.converged("lower a0's MTU to 1300");
    assert.ok(lines.some((l) => l.includes("2001:db8:5::/64") && l.includes("mtu 1300")), "ip shows the new MTU");
    const resyncs = f.events.slice(from).filter((e) => e.type === "resync");
    assert.ok(resyncs.length > 0 && resyncs.every((e) => e.type === "resync" && e.reason === "link"));
    await f.w.close();
    await f.done;
  });
});

for (const compat of [1, 0]) {
  test(`watch(route): routes over nexthop objects follow replaced and deleted nexthops (nexthop_compat_mode ${compat})`, async () => {
    await watchIn(`wch-nh${compat}`, async (ns) => {
      sysctl(ns, `net.ipv4.nexthop_compat_mode=${compat}`);
      ipBatch(
        ns,
        "link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\naddr add 10.1.0.1/24 dev a0\n" +
          "addr add 2001:db8:1::1/64 dev a0 nodad\n" +
          "nexthop add id 1 via 10.1.0.2 dev a0\nnexthop add id 3 via 10.1.0.3 dev a0\nnexthop add id 10 group 1/3\n" +
          "nexthop add id 2 via 2001:db8:1::2 dev a0\n" +
          "route add 10.66.0.0/16 nhid 1\nroute add 10.67.0.0/16 nhid 10\nroute add 2001:db8:66::/64 nhid 2\n",
      );
      const f = await follow("route", ns);
      await f.converged("routes over nexthops");
      ip(ns, "nexthop", "replace", "id", "1", "via", "10.1.0.4", "dev", "a0");
      ip(ns, "nexthop", "replace", "id", "2", "via", "2001:db8:1::4", "dev", "a0");
      await f.converged("replace nexthops");
      ip(ns, "nexthop", "del", "id", "3");
      await f.converged("delete a member of a group");
      ip(ns, "nexthop", "del", "id", "1");
      ip(ns, "nexthop", "del", "id", "2");
      const lines = await f.converged("delete the nexthops");
      assert.ok(!lines.some((l) => l.includes(" 10.66.0.0/16 ") || l.includes(" 10.67.0.0/16 ")));
    });
  });
}

test(
  "watch(route): carrier down/up of a veth whose peer is in another namespace sets and clears linkdown, one re-dump per burst",
  async () => {
    await watchIn("wch-carrier", async (ns) => {
      await withPeerNetns("wch-carrier-peer", async (peer) => {
        const LINKS = 12;
        let setup = "";
        for (let i = 0; i < LINKS; i++) {
          setup += `link add c${i} type veth peer name p${i} netns ${peer}\nlink set c${i} up\n` +
            `addr add 10.${i}.0.1/24 dev c${i}\naddr add 2001:db8:${i}::1/64 dev c${i} nodad\n` +
            `route add 10.${100 + i}.0.0/16 via 10.${i}.0.2\n`;
        }
        // An IPv4 ECMP route over two of them: one of its paths goes linkdown.
        setup += "route add 10.200.0.0/16 nexthop via 10.0.0.2 nexthop via 10.1.0.2\n";
        ipBatch(ns, setup);
        let up = "", down = "";
        for (let i = 0; i < LINKS; i++) {
          up += `link set p${i} up\n`;
          down += `link set p${i} down\n`;
        }
        ipBatch(peer, up);
        const f = await follow("route", ns);
        await f.converged("peers up");
        assert.ok(!f.lines().some((l) => l.includes("linkdown")), "no linkdown while the peers are up");
        for (const [step, commands, linkdown] of [["peers down", down, true], ["peers up again", up, false]] as const) {
          const from = f.events.length;
          const before = f.lines();
          ipBatch(peer, commands);
          const lines = await f.converged(step);
          assert.equal(lines.some((l) => l.includes("linkdown")), linkdown, step);
          // The kernel sends no route notification for this: only re-dumps
          // changed the routes, and few of them for LINKS links.
          const resyncs = f.events.slice(from).filter((e) => e.type === "resync");
          assert.ok(resyncs.length >= 1 && resyncs.every((e) => e.type === "resync" && e.reason === "link"), step);
          assert.ok(resyncs.length <= 4, `${step}: ${resyncs.length} re-dumps for ${LINKS} carrier changes`);
          // Only the differences: routes through the links changed, none came or went.
          assert.equal(f.count("added", from) + f.count("removed", from), 0, step);
          const differing = before.filter((l) => !lines.includes(l)).length;
          assert.ok(differing >= 3 * LINKS, `${step}: ${differing} routes changed`);
          assert.equal(f.count("changed", from), differing, `${step}: one delta per changed route`);
        }
        await f.w.close();
        await f.done;
      });
    });
  },
  { timeout: 60_000 },
);

test("watch(address/neighbour/link): same address or neighbour on several links and prefix lengths; renames; link deletes", async () => {
  await watchIn("wch-objects", async (ns) => {
    ipBatch(
      ns,
      "link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\n" +
        "link add b0 type veth peer name b1\nlink set b0 up\nlink set b1 up\n",
    );
    const [addresses, neighbours, links] = await Promise.all([
      follow("address", ns),
      follow("neighbour", ns),
      follow("link", ns),
    ]);
    ipBatch(
      ns,
      "addr add 10.0.0.1/24 dev a0\naddr add 10.0.0.1/16 dev a0\naddr add 10.0.0.1/24 dev b0\n" +
        "addr add 2001:db8::1/64 dev a0 nodad\naddr add 2001:db8::1/64 dev b0 nodad\n" +
        "neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev a0 nud permanent\n" +
        "neigh add 10.0.0.9 lladdr 02:00:00:00:00:0a dev b0 nud permanent\n" +
        "neigh add 2001:db8::9 lladdr 02:00:00:00:00:09 dev a0 nud permanent\n" +
        "neigh add 2001:db8::9 lladdr 02:00:00:00:00:0b dev b0 nud permanent\n",
    );
    const a = await addresses.converged("one local address on two links and two prefix lengths");
    assert.equal(a.filter((l) => l.includes(" 10.0.0.1/")).length, 3);
    assert.equal(a.filter((l) => l.includes(" 2001:db8::1/")).length, 2);
    const n = await neighbours.converged("one neighbour on two links, both families");
    assert.equal(n.length, 4);
    ipBatch(ns, "addr del 10.0.0.1/16 dev a0\naddr del 2001:db8::1/64 dev b0\nneigh del 10.0.0.9 dev a0\n");
    await addresses.converged("delete one of each");
    await neighbours.converged("delete one neighbour");
    ipBatch(ns, "link set b0 down\nlink set b0 name renamed0\nlink set renamed0 mtu 1400 up\n");
    await links.converged("rename, MTU, down and up");
    await addresses.converged("b0 down and up");
    await neighbours.converged("b0 down and up");
    ip(ns, "link", "del", "renamed0");
    await links.converged("delete a link");
    await addresses.converged("addresses of a deleted link");
    await neighbours.converged("neighbours of a deleted link");
    for (const f of [addresses, neighbours, links]) await f.w.close();
    await Promise.all([addresses.done, neighbours.done, links.done]);
  });
});

function routeStorm(from: number, count: number): string {
  let s = "";
  for (let i = from; i < from + count; i++) {
    const p = `10.${100 + (i >> 8)}.${i & 255}.0/24`;
    s += `route add ${p} via 10.0.0.${10 + (i % 50)}\nroute append ${p} via 10.1.0.${10 + (i % 50)}\n`;
    if (i % 4 === 0) s += `route append blackhole ${p}\n`;
    if (i % 5 === 0) {
      const q = `2001:db8:${i.toString(16)}::/64`;
      s += `route add ${q} nexthop via 2001:db8:a::${(i % 50) + 2} dev a0 nexthop via 2001:db8:b::2 dev b0\n`;
      if (i % 10 === 0) s += `route del ${q} via 2001:db8:b::2 dev b0\n`;
    }
  }
  for (let i = from; i < from + count; i += 3) {
    s += `route del 10.${100 + (i >> 8)}.${i & 255}.0/24 via 10.0.0.${10 + (i % 50)}\n`;
  }
  return s;
}

test(
  "watch(route): overruns during ip -batch route storms with appends, ECMP and carrier flips end equal to ip -j",
  async () => {
    await watchIn("wch-storm", async (ns) => {
      await withPeerNetns("wch-storm-peer", async (peer) => {
        ipBatch(
          ns,
          `link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\naddr add 10.0.0.1/24 dev a0\n` +
            `link add b0 type veth peer name pb netns ${peer}\nlink set b0 up\naddr add 10.1.0.1/24 dev b0\n` +
            "addr add 2001:db8:a::1/64 dev a0 nodad\naddr add 2001:db8:b::1/64 dev b0 nodad\n",
        );
        ip(peer, "link", "set", "pb", "up");
        // 4 KiB (the kernel doubles it): a few dozen route messages.
        const f = await follow("route", ns, { rcvbuf: 4096 });
        const first = ipBatchAsync(ns, routeStorm(0, 1500));
        first.catch(() => {}); // awaited below; not unhandled meanwhile
        // Carrier flips in the middle of it, from the other namespace.
        await sleep(50);
        ip(peer, "link", "set", "pb", "down");
        await first;
        ipBatch(ns, routeStorm(1500, 1500)); // while this process cannot read at all
        ip(peer, "link", "set", "pb", "up");
        ip(peer, "link", "set", "pb", "down");
        const lines = await f.converged("two storms and carrier flips", 15_000);
        assert.ok(f.w.stats.overruns >= 1, `no overrun happened (${JSON.stringify(f.w.stats)})`);
        assert.ok(lines.length > 5000, `${lines.length} routes`);
        assert.ok(lines.some((l) => l.includes("linkdown")), "routes through b0 are linkdown");
        ip(peer, "link", "set", "pb", "up");
        const after = await f.converged("carrier back", 15_000);
        assert.ok(!after.some((l) => l.includes("linkdown")));
        await f.w.close();
        await f.done;
      });
    });
  },
  { timeout: 90_000 },
);

function objectStorm(from: number, count: number): string {
  let s = "";
  for (let i = from; i < from + count; i++) {
    const v4 = `10.60.${i >> 8}.${i & 255}`, v6 = `2001:db8:60::${i.toString(16)}`;
    const mac = `02:00:00:00:${(i >> 8).toString(16)}:${(i & 255).toString(16)}`;
    // The same address and neighbour on both links, and a second prefix length on one.
    s += `addr add ${v4}/32 dev a0\naddr add ${v4}/32 dev b0\naddr add ${v6}/128 dev a0 nodad\n` +
      `addr add ${v6}/128 dev b0 nodad\nneigh add ${v4} lladdr ${mac} dev a0 nud permanent\n` +
      `neigh add ${v4} lladdr ${mac} dev b0 nud permanent\nneigh add ${v6} lladdr ${mac} dev b0 nud permanent\n`;
    if (i % 4 === 0) s += `addr add ${v4}/24 dev a0\n`;
    if (i % 40 === 0) s += `link add s${i} type bridge\nlink set s${i} up\n`;
  }
  for (let i = from; i < from + count; i += 3) {
    const v4 = `10.60.${i >> 8}.${i & 255}`, v6 = `2001:db8:60::${i.toString(16)}`;
    s += `addr del ${v4}/32 dev b0\naddr del ${v6}/128 dev a0\nneigh del ${v4} dev a0\n`;
    if (i % 40 === 0) s += `link set s${i} name t${i}\nlink set t${i} mtu 1400\n`;
    if (i % 80 === 0) s += `link del t${i}\n`;
  }
  return s;
}

test("watch(link/address/neighbour): overruns during storms of look-alike objects end equal to ip -j", async () => {
  await watchIn("wch-objstorm", async (ns) => {
    ipBatch(
      ns,
      "link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\n" +
        "link add b0 type veth peer name b1\nlink set b0 up\nlink set b1 up\n",
    );
    const followers = await Promise.all(
      (["link", "address", "neighbour"] as const).map((k) => follow(k, ns, { rcvbuf: 4096 })),
    );
    const first = ipBatchAsync(ns, objectStorm(0, 600));
    first.catch(() => {}); // awaited below; not unhandled meanwhile
    await sleep(30);
    ip(ns, "link", "set", "b1", "down"); // b0 loses its carrier in the middle of it
    await first;
    ipBatch(ns, objectStorm(600, 600)); // while this process cannot read at all
    ip(ns, "link", "set", "b1", "up");
    for (const f of followers) {
      const lines = await f.converged("two storms", 15_000);
      assert.ok(f.w.stats.overruns >= 1, `${f.w.kind}: no overrun happened (${JSON.stringify(f.w.stats)})`);
      assert.ok(lines.length > (f.w.kind === "link" ? 20 : 1500), `${f.w.kind}: ${lines.length} objects`);
    }
  });
}, { timeout: 90_000 });

test(
  "watch(netconf): sysctl storms and devices coming and going, with overruns, end equal to ip -j netconf show",
  async () => {
    await watchIn("wch-netconf", async (ns) => {
      ipBatch(ns, "link add a0 type veth peer name a1\n");
      const f = await follow("netconf", ns, { rcvbuf: 4096 });
      const writes: string[] = [];
      for (let i = 0; i < 300; i++) {
        const dev = ["a0", "a1", "default", "all"][i % 4];
        writes.push(`echo ${i % 3} > /proc/sys/net/ipv4/conf/${dev}/rp_filter`);
        writes.push(`echo ${i % 2} > /proc/sys/net/ipv6/conf/${dev}/forwarding`);
      }
      const storm = ipBatchAsync(
        ns,
        Array.from({ length: 30 }, (_, i) => `link add n${i} type veth peer name m${i}\n`).join(""),
      );
      storm.catch(() => {}); // awaited below; not unhandled meanwhile
      sh("ip", ["netns", "exec", ns, "sh", "-c", writes.join("\n")]); // while this process cannot read
      await storm;
      ipBatch(ns, Array.from({ length: 15 }, (_, i) => `link del n${i}\n`).join(""));
      const lines = await f.converged("netconf storms", 15_000);
      assert.ok(f.w.stats.overruns >= 1, `no overrun happened (${JSON.stringify(f.w.stats)})`);
      assert.equal(lines.length, 2 * (3 + 30 + 2), lines.join("\n"));
      // Then single changes, no overrun: each merged into its entry (the kernel sends the one setting).
      const resyncs = f.w.stats.resyncs;
      sysctl(ns, "net.ipv4.conf.a0.proxy_arp=1", "net.ipv6.conf.n20.forwarding=1", "net.ipv4.conf.all.rp_filter=2");
      await f.converged("single changes");
      assert.equal(f.w.stats.resyncs, resyncs, "no re-dump for them");
    });
  },
  { timeout: 90_000 },
);

test("watch(route): an abort right after a carrier change (a re-dump pending) ends the watch at once with the signal's reason", async () => {
  await watchIn("wch-abort", async (ns) => {
    ipBatch(ns, "link add a0 type veth peer name a1\nlink set a0 up\nlink set a1 up\naddr add 10.0.0.1/24 dev a0\n");
    const controller = new AbortController();
    const w = watch("route", { netns: ns, signal: controller.signal });
    const it = w[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.type, "snapshot");
    const reading = (async () => {
      for (;;) if ((await it.next()).done) return "ended without the reason";
    })();
    ip(ns, "link", "set", "a1", "down"); // a0 loses its carrier: a re-dump is due, after a quiet moment
    await sleep(5);
    controller.abort(new Error("stop"));
    const started = Date.now();
    await assert.rejects(reading, (e: Error) => e.message === "stop");
    assert.ok(Date.now() - started < 1000, "ended at once");
    assert.equal((await it.next()).done, true);
  });
});

/**
 * `tc -batch` of `commands` (each must succeed), in a child process when `async`, so this process keeps
 * reading; there with `-force`: it carries on after an error, and the promise rejects with the errors.
 */
function tcBatch(ns: string, commands: string, async = false): Promise<void> {
  if (!async) {
    sh("tc", ["-n", ns, "-batch", "-"], commands);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const child = spawn("tc", ["-n", ns, "-force", "-batch", "-"], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.stdin.on("error", () => {});
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tc -batch exited ${code}: ${err}`))));
    child.stdin.end(commands);
  });
}

const u32 = (dev: string, parent: string, prio: number, dst: string, more = "") =>
  `filter add dev ${dev} ${parent.includes(":") ? `parent ${parent}` : parent} protocol ip prio ${prio} ${more}` +
  `u32 match ip dst ${dst}\n`;

test("watch(qdisc/class/filter): an HTB tree, nested qdiscs, ingress and clsact; deleting a class, a parent qdisc, a link drops their dependants", async () => {
  await watchIn("tcw-tree", async (ns) => {
    ipBatch(
      ns,
      "link add v0 type veth peer name v1\nlink add w0 type veth peer name w1\nlink add x0 type veth peer name x1\n" +
        "link set v0 up\nlink set v1 up\n",
    );
    const [qdiscs, classes, filters] = await Promise.all([
      follow("qdisc", ns),
      follow("class", ns),
      follow("filter", ns),
    ]);
    await using shared = shareWatch(watch("filter", { netns: ns }));
    const consumer = shared.consumer()[Symbol.asyncIterator]();
    const sharedView = new Map<string, Filter>();
    const readShared = (async () => {
      for (;;) {
        const next = await consumer.next();
        if (next.done) return;
        const e = next.value;
        if (!("type" in e)) continue;
        if (e.type === "snapshot") {
          sharedView.clear();
          for (const f of e.items) sharedView.set(filters.w.key(f), f);
        } else if (e.type === "added" || e.type === "changed") sharedView.set(e.key, e.item);
        else if (e.type === "removed") sharedView.delete(e.key);
      }
    })();
    readShared.catch(() => {});
    await qdiscs.converged("a default qdisc on the devices that are up");
    tcBatch(
      ns,
      "qdisc add dev v0 root handle 1: htb default 10\n" +
        "class add dev v0 parent 1: classid 1:1 htb rate 10mbit\n" +
        "class add dev v0 parent 1:1 classid 1:10 htb rate 5mbit\n" +
        "class add dev v0 parent 1:1 classid 1:20 htb rate 5mbit\n" +
        // A nested htb under 1:20 with a class and a filter of its own.
        "qdisc add dev v0 parent 1:20 handle 20: htb\nclass add dev v0 parent 20: classid 20:1 htb rate 1mbit\n" +
        "qdisc add dev v0 parent 1:10 handle 10: pfifo limit 50\n" +
        u32("v0", "1:", 1, "10.0.0.1/32", "chain 0 ") + u32("v0", "1:", 2, "10.0.0.2/32") +
        u32("v0", "1:1", 1, "10.0.0.3/32") + u32("v0", "20:", 4, "10.0.0.4/32") +
        "qdisc add dev v0 ingress\n" + u32("v0", "ffff:", 3, "10.0.1.1/32") + u32("v0", "ingress", 3, "10.0.1.2/32") +
        "qdisc add dev w0 clsact\n" + u32("w0", "ingress", 1, "10.0.2.1/32") + u32("w0", "egress", 1, "10.0.2.2/32") +
        "qdisc add dev x0 root handle 5: tbf rate 1mbit burst 10k latency 10ms\n",
    );
    await qdiscs.converged("the tree");
    assert.equal((await classes.converged("the tree")).length, 5); // tbf has a class of its own
    const all = await filters.converged("the tree");
    assert.ok(all.some((l) => l.includes(" ffff:fff3 ")) && all.some((l) => l.includes(" 20: ")));
    // Both ingress filters, added with parent ffff: and with ingress, are in one block.
    assert.ok(!all.some((l) => / ffff: /.test(l)), "ingress filters shown on ffff:fff2");
    sh("tc", ["-n", ns, "filter", "del", "dev", "v0", "parent", "1:", "prio", "2"]);
    await filters.converged("delete a classifier");
    sh("tc", ["-n", ns, "chain", "del", "dev", "w0", "egress", "chain", "0"]);
    await filters.converged("delete a chain with its filters");
    sh("tc", ["-n", ns, "class", "del", "dev", "v0", "classid", "1:20"]);
    await qdiscs.converged("delete a class: the qdisc under it goes");
    await classes.converged("delete a class: the classes of the qdisc under it go");
    await filters.converged("delete a class: the filters of the qdisc under it go");
    const from = filters.events.length;
    sh("tc", ["-n", ns, "qdisc", "del", "dev", "v0", "root"]);
    await qdiscs.converged("delete the root: its children go, the default comes back");
    assert.ok((await classes.converged("delete the root")).every((l) => l.includes(" tbf ")), "only x0's is left");
    await filters.converged("delete the root");
    assert.ok(filters.count("removed", from) >= 6, "the filters of 1: and 1:1 are removed deltas");
    // u32 classifiers of a qdisc share their tables: a node of prio 3's table, deleted and added through prio 5's
    // classifier, is announced under prio 5 but listed under prio 3.
    tcBatch(ns, u32("v0", "ingress", 5, "10.0.1.5/32"));
    await filters.converged("a second u32 classifier on ingress");
    tcBatch(
      ns,
      "filter del dev v0 ingress protocol ip prio 5 handle 800::800 u32\n" +
        "filter add dev v0 ingress protocol ip prio 5 handle 800::900 u32 ht 800: match ip dst 10.0.1.9/32\n",
    );
    await filters.converged("u32 nodes deleted and added through another classifier's priority");
    sh("tc", ["-n", ns, "qdisc", "del", "dev", "v0", "ingress"]);
    await filters.converged("delete the ingress qdisc");
    ip(ns, "link", "del", "w0");
    await qdiscs.converged("delete a link");
    const left = await filters.converged("delete a link");
    assert.deepEqual(left, []);
    ip(ns, "link", "set", "x0", "up");
    ip(ns, "link", "set", "x1", "up"); // a device going up gets its default qdisc, unannounced
    // A device of several queues gets mq, a pfifo_fast per queue and mq's classes, all unannounced.
    ipBatch(ns, "link add i0 numtxqueues 3 type ifb\nlink set i0 up\n");
    assert.equal((await qdiscs.converged("devices up")).filter((l) => l.includes(" pfifo_fast 0: :")).length, 3);
    assert.equal((await classes.converged("a device of three queues up")).filter((l) => l.includes(" mq ")).length, 3);
    for (let i = 0; i < 100 && sharedView.size !== filters.w.view.size; i++) await sleep(20);
    assert.deepEqual([...sharedView.keys()].sort(), [...filters.w.view.keys()].sort(), "a shareWatch consumer");
    await shared.close();
  });
});

function tcStorm(from: number, count: number): string {
  let s = "";
  for (let i = from; i < from + count; i++) {
    const dev = `d${i % 4}`, m = (i % 200) + 1;
    s += `class add dev ${dev} parent 1: classid 1:${m.toString(16)} htb rate ${m}kbit\n` +
      u32(dev, "1:", (i % 7) + 1, `10.${i >> 8}.${i & 255}.1/32`, `chain ${i % 3} `) +
      u32(dev, `1:${m.toString(16)}`, 1, `10.${i >> 8}.${i & 255}.2/32`) +
      u32(dev, "ingress", (i % 5) + 1, `10.${i >> 8}.${i & 255}.3/32`);
    if (i % 9 === 0) s += `qdisc add dev ${dev} parent 1:${m.toString(16)} handle ${m.toString(16)}0: pfifo\n`;
    if (i % 5 === 0) s += `filter del dev ${dev} parent 1: prio ${((i + 3) % 7) + 1}\n`;
    if (i % 25 === 0) {
      // Another device's whole tree goes at once, and is built again by what follows.
      const other = `d${(i + 2) % 4}`;
      s += `qdisc del dev ${other} root\nqdisc add dev ${other} root handle 1: htb\nqdisc del dev ${other} ingress\n` +
        `qdisc add dev ${other} ingress\n`;
    }
  }
  return s;
}

// With a 4 KiB buffer the watchers overrun and re-dump; with 32 MiB they apply every notification, and the
// dependants of deleted qdiscs and classes, and the silent entries, are theirs to get right.
for (const [what, rcvbuf] of [["overruns", 4096], ["no overrun (32 MiB buffer)", 32 << 20]] as const) {
  test(
    `watch(qdisc/class/filter): ${what} during tc -batch storms of trees built and torn down end equal to tc -j`,
    async () => {
      await watchIn(`tcw-storm${rcvbuf}`, async (ns) => {
        let setup = "";
        for (let d = 0; d < 4; d++) setup += `link add d${d} type veth peer name e${d}\nlink set d${d} up\n`;
        ipBatch(ns, setup);
        let roots = "";
        for (let d = 0; d < 4; d++) roots += `qdisc add dev d${d} root handle 1: htb\nqdisc add dev d${d} ingress\n`;
        tcBatch(ns, roots);
        const followers = await Promise.all(
          (["qdisc", "class", "filter"] as const).map((k) => follow(k, ns, { rcvbuf })),
        );
        const first = tcBatch(ns, tcStorm(0, 300), true);
        first.catch(() => {}); // awaited below; not unhandled meanwhile
        await sleep(30);
        // With overruns, a link and its whole tree go in the middle of it. Without, nothing but the tc
        // notifications may lead the views: a link event would have them re-read.
        if (rcvbuf === 4096) ip(ns, "link", "del", "d3");
        // Commands on d3 after its deletion fail, and deletes of chains a torn-down tree took along.
        await first.catch(() => {});
        try {
          // While this process cannot read at all.
          sh("tc", ["-n", ns, "-force", "-batch", "-"], tcStorm(300, 300));
        } catch { /* the same failures */ }
        for (const f of followers) {
          // A re-read can match tc -j while older notifications are still queued: the counts below are taken
          // once they have all been applied, and the view must match again then.
          await f.converged("two storms and a link deletion", 15_000);
          await f.quiet();
          const lines = await f.converged("two storms and a link deletion, all notifications applied");
          const stats = `${f.w.kind}: ${JSON.stringify(f.w.stats)}`;
          if (rcvbuf === 4096) assert.ok(f.w.stats.overruns >= 1, `no overrun happened (${stats})`);
          else assert.ok(f.w.stats.overruns === 0 && f.w.stats.events > 40, stats);
          // Classes come and go with notifications and with their qdiscs, never silently: no re-read.
          if (rcvbuf !== 4096 && f.w.kind === "class") assert.equal(f.w.stats.resyncs, 0, stats);
          assert.ok(
            lines.length > { qdisc: 6, class: 40, filter: 300 }[f.w.kind],
            `${f.w.kind}: ${lines.length} objects`,
          );
        }
      });
    },
    { timeout: 90_000 },
  );
}
