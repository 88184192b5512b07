// Neighbours (ARP/NDP): decoding captured bytes, and the real kernel in private namespaces with iproute2 as oracle.
import { hexFile } from "../helpers/fixtures.ts";
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { rtmName } from "../../src/route/constants.ts";
import { ip, ipJson, withNetns } from "../helpers/netns.ts";
import { NetlinkError, type NetlinkMessage, NetlinkSocket, ParseError, parseMessages } from "../../mod.ts";
import {
  addNeighbour,
  decodeNeighbour,
  deleteNeighbour,
  encodeNeighbourDump,
  encodeNeighbourRequest,
  listNeighbours,
  type Neighbour,
} from "../../src/route/neighbour.ts";

function fixture(name: string): NetlinkMessage {
  const bytes = hexFile(new URL(`./fixtures/${name}.hex`, import.meta.url));
  const msgs = parseMessages(bytes);
  assert.equal(msgs.length, 1);
  return msgs[0];
}

const FIXTURES = ["neigh-ipv4-permanent", "neigh-ipv4-proxy", "neigh-ipv6-noarp", "neigh-ipv6-router-stale"];

test("decodeNeighbour: captured IPv4 permanent entry with protocol", () => {
  const n = decodeNeighbour(fixture("neigh-ipv4-permanent"));
  assert.equal(n.family, "inet");
  assert.equal(n.index, 3);
  assert.equal(n.dst, "10.1.0.2");
  assert.equal(n.lladdr, "02:00:00:00:00:02");
  assert.deepEqual(n.state, ["PERMANENT"]);
  assert.deepEqual(n.flags, []);
  assert.equal(n.type, "unicast");
  assert.equal(n.protocol, "static");
  assert.equal(n.probes, 0);
  assert.deepEqual(n.cacheInfo, { confirmed: 4, used: 4, updated: 4, refcnt: 0 });
  assert.deepEqual(n.unknown, []);
});

test("decodeNeighbour: captured IPv6 entries (router STALE, multicast NOARP) and an IPv4 proxy entry", () => {
  const r = decodeNeighbour(fixture("neigh-ipv6-router-stale"));
  assert.equal(r.family, "inet6");
  assert.equal(r.dst, "2001:db8::2");
  assert.equal(r.lladdr, "02:00:00:00:00:12");
  assert.deepEqual(r.state, ["STALE"]);
  assert.deepEqual(r.flags, ["router"]);
  assert.equal(r.cacheInfo?.confirmed, 6004);
  const m = decodeNeighbour(fixture("neigh-ipv6-noarp"));
  assert.equal(m.dst, "ff02::16");
  assert.equal(m.lladdr, "33:33:00:00:00:16");
  assert.deepEqual(m.state, ["NOARP"]);
  assert.equal(m.type, "multicast");
  const p = decodeNeighbour(fixture("neigh-ipv4-proxy"));
  assert.equal(p.dst, "10.1.0.9");
  assert.deepEqual(p.flags, ["proxy"]);
  assert.deepEqual(p.state, []);
  assert.equal(p.lladdr, undefined);
  assert.equal(p.cacheInfo, undefined);
});

test("decodeNeighbour: unknown attributes are kept, unknown bits named in hex", () => {
  const msg = fixture("neigh-ipv4-permanent");
  const extra = new Uint8Array(msg.payload.length + 8);
  extra.set(msg.payload);
  extra.set([8, 0, 99, 0, 1, 2, 3, 4], msg.payload.length);
  extra[9] |= 0x01; // a state bit above NUD_PERMANENT (ndm_state is 16 bits)
  const n = decodeNeighbour({ ...msg, payload: extra });
  assert.equal(n.unknown.length, 1);
  assert.equal(n.unknown[0].type, 99);
  assert.deepEqual([...n.unknown[0].value], [1, 2, 3, 4]);
  assert.deepEqual(n.state, ["PERMANENT", "0x100"]);
});

test("decodeNeighbour: truncated and garbage input gives ParseError, never another error", () => {
  for (const name of FIXTURES) {
    const msg = fixture(name);
    for (let len = 0; len < msg.payload.length; len++) {
      const payload = msg.payload.slice(0, len);
      try {
        decodeNeighbour({ ...msg, payload });
      } catch (e) {
        assert.ok(e instanceof ParseError, `${name} cut at ${len}: ${e}`);
      }
    }
  }
  assert.throws(() => decodeNeighbour({ type: 28, flags: 0, seq: 0, pid: 0, payload: new Uint8Array(11) }), ParseError);
  // A cache-info attribute too short for its struct.
  const short = new Uint8Array([2, 0, 0, 0, 1, 0, 0, 0, 0x80, 0, 0, 1, 8, 0, 3, 0, 0, 0, 0, 0]);
  assert.throws(() => decodeNeighbour({ type: 28, flags: 0, seq: 0, pid: 0, payload: short }), ParseError);
  // An attribute claiming more than there is.
  const over = new Uint8Array([2, 0, 0, 0, 1, 0, 0, 0, 0x80, 0, 0, 1, 200, 0, 1, 0, 10, 0, 0, 1]);
  assert.throws(() => decodeNeighbour({ type: 28, flags: 0, seq: 0, pid: 0, payload: over }), ParseError);
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = 0; i < 2000; i++) {
    const payload = new Uint8Array(rand() % 64).map(() => rand());
    try {
      decodeNeighbour({ type: 28, flags: 0, seq: 0, pid: 0, payload });
    } catch (e) {
      assert.ok(e instanceof ParseError, `garbage ${i}: ${e}`);
    }
  }
});

test("encode: bad input is refused before sending", () => {
  assert.throws(() => encodeNeighbourRequest(28, { index: 0, dst: "10.0.0.1" }), TypeError);
  assert.throws(() => encodeNeighbourRequest(28, { index: 1, dst: "10.0.0.300" }), /not an IPv4 address/);
  assert.throws(() => encodeNeighbourRequest(28, { index: 1, dst: "10.0.0.1", lladdr: "zz" }), /hardware address/);
  assert.throws(
    () => encodeNeighbourRequest(28, { index: 1, dst: "10.0.0.1", state: "BOGUS" as "STALE" }),
    /unknown neighbour state/,
  );
  assert.throws(() => encodeNeighbourRequest(28, { index: 1, dst: "10.0.0.1", flags: ["x" as "router"] }), /flag/);
  assert.throws(() => encodeNeighbourDump({ index: -1 }), TypeError);
  assert.throws(() => encodeNeighbourDump({ master: 1.5 }), TypeError);
});

interface IpNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state?: string[];
  protocol?: string;
  [key: string]: unknown;
}

const TIMES = ["used", "confirmed", "updated", "refcnt", "probes"];

/** Our entry in the shape of `ip -j -s neigh` output, without the time counters. */
function asIp(n: Neighbour, names: Map<number, string>): IpNeigh {
  const o: IpNeigh = { dst: n.dst!, dev: names.get(n.index)! };
  if (n.lladdr) o.lladdr = n.lladdr;
  for (const f of n.flags) o[f === "offload" ? "offload" : f] = null;
  if (n.state.length) o.state = n.state;
  if (n.protocol !== undefined) o.protocol = String(n.protocol);
  return o;
}

function withoutTimes(o: IpNeigh): IpNeigh {
  const c = { ...o };
  for (const k of TIMES) delete c[k];
  return c;
}

const key = (o: { dev: string; dst: string }) => `${o.dev} ${o.dst}`;

function linkNames(ns: string): Map<number, string> {
  return new Map(ipJson<{ ifindex: number; ifname: string }[]>(ns, "link", "show").map((l) => [l.ifindex, l.ifname]));
}

function linkIndex(ns: string, name: string): number {
  return ipJson<{ ifindex: number }[]>(ns, "link", "show", "dev", name)[0].ifindex;
}

async function collect(sock: NetlinkSocket, filter: Parameters<typeof listNeighbours>[1]): Promise<Neighbour[]> {
  const out: Neighbour[] = [];
  for await (const n of listNeighbours(sock, filter)) out.push(n);
  return out;
}

/** Compares our dump with ip's; the kernel adds multicast entries on its own, so a mismatch is retried. */
async function compare(
  ns: string,
  sock: NetlinkSocket,
  filter: Parameters<typeof listNeighbours>[1],
  ipArgs: string[],
): Promise<Neighbour[]> {
  for (let attempt = 0;; attempt++) {
    const names = linkNames(ns);
    const ours = await collect(sock, filter);
    const dev = ipArgs[ipArgs.indexOf("dev") + 1];
    const theirs = ipJson<IpNeigh[]>(ns, ...ipArgs).map((t) => (ipArgs.includes("dev") ? { ...t, dev } : t));
    const a = ours.map((n) => asIp(n, names)).sort((x, y) => key(x).localeCompare(key(y)));
    const b = theirs.map(withoutTimes).sort((x, y) => key(x).localeCompare(key(y)));
    try {
      assert.deepEqual(a, b);
    } catch (e) {
      if (attempt < 4) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      throw e;
    }
    // Counters: ip prints seconds (ticks / 100), probes and a non-zero refcnt as they are.
    const byKey = new Map(theirs.map((t) => [key(t), t]));
    for (const n of ours) {
      const t = byKey.get(key(asIp(n, names)))!;
      if (t.probes !== undefined) assert.equal(n.probes, t.probes);
      if (t.used !== undefined) {
        for (const k of ["used", "confirmed", "updated"] as const) {
          const mine = Math.floor(n.cacheInfo![k] / 100);
          assert.ok(Math.abs(mine - (t[k] as number)) <= 1, `${key(t)} ${k}: ${mine} vs ${t[k]}`);
        }
        if (t.refcnt !== undefined) assert.equal(n.cacheInfo!.refcnt, t.refcnt);
      }
    }
    return ours;
  }
}

function setup(ns: string): void {
  ip(ns, "link", "add", "va", "type", "veth", "peer", "name", "vb");
  ip(ns, "link", "set", "va", "up");
  ip(ns, "link", "set", "vb", "up");
  ip(ns, "addr", "add", "10.1.0.1/24", "dev", "va");
  ip(ns, "addr", "add", "2001:db8::1/64", "dev", "va", "nodad");
}

test("entries made by ip in every state are listed like ip -j -s neigh show nud all (IPv4 and IPv6)", async () => {
  await withNetns("rn-neigh-list", async (ns) => {
    setup(ns);
    const add = (...a: string[]) => ip(ns, "neigh", "add", ...a);
    add("10.1.0.2", "lladdr", "02:00:00:00:00:02", "dev", "va", "nud", "permanent");
    add("10.1.0.3", "lladdr", "02:00:00:00:00:03", "dev", "va", "nud", "reachable");
    add("10.1.0.4", "lladdr", "02:00:00:00:00:04", "dev", "va", "nud", "stale");
    add("10.1.0.5", "lladdr", "02:00:00:00:00:05", "dev", "va", "nud", "delay");
    add("10.1.0.6", "lladdr", "02:00:00:00:00:06", "dev", "va", "nud", "probe");
    add("10.1.0.7", "lladdr", "02:00:00:00:00:07", "dev", "va", "nud", "failed");
    add("10.1.0.8", "lladdr", "02:00:00:00:00:08", "dev", "va", "nud", "noarp");
    add("10.1.0.10", "lladdr", "02:00:00:00:00:0a", "dev", "vb", "extern_learn", "protocol", "zebra");
    add("2001:db8::2", "lladdr", "02:00:00:00:00:12", "dev", "va", "nud", "permanent", "router");
    add("2001:db8::3", "lladdr", "02:00:00:00:00:13", "dev", "va", "nud", "stale");
    add("fe80::3", "lladdr", "02:00:00:00:00:14", "dev", "vb", "nud", "reachable", "protocol", "99");
    await using sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
    const all = await compare(ns, sock, {}, ["-s", "neigh", "show", "nud", "all"]);
    const dsts = all.map((n) => n.dst);
    for (const d of ["10.1.0.2", "10.1.0.7", "10.1.0.10", "2001:db8::2", "fe80::3"]) assert.ok(dsts.includes(d), d);
    const v4 = await compare(ns, sock, { family: "inet" }, ["-4", "-s", "neigh", "show", "nud", "all"]);
    assert.ok(v4.length >= 8 && v4.every((n) => n.family === "inet"));
    const v6 = await compare(ns, sock, { family: 10 }, ["-6", "-s", "neigh", "show", "nud", "all"]);
    assert.ok(v6.every((n) => n.family === "inet6") && v6.some((n) => n.flags.includes("router")));
    const onVb = await compare(ns, sock, { index: linkIndex(ns, "vb") }, [
      "-s",
      "neigh",
      "show",
      "dev",
      "vb",
      "nud",
      "all",
    ]);
    assert.ok(onVb.some((n) => n.dst === "10.1.0.10" && n.protocol === "zebra" && n.flags.includes("extern_learn")));
    assert.ok(onVb.some((n) => n.dst === "fe80::3" && n.protocol === "openr"));
    assert.ok(onVb.every((n) => n.index === linkIndex(ns, "vb")));
  });
});

test("proxy entries and the master filter are dumped by the kernel like ip shows them", async () => {
  await withNetns("rn-neigh-proxy", async (ns) => {
    setup(ns);
    ip(ns, "link", "add", "br0", "type", "bridge");
    ip(ns, "link", "add", "vc", "type", "veth", "peer", "name", "vd");
    ip(ns, "link", "set", "vc", "master", "br0");
    ip(ns, "link", "set", "vc", "up");
    ip(ns, "neigh", "add", "10.2.0.2", "lladdr", "02:00:00:00:01:02", "dev", "vc", "nud", "permanent");
    ip(ns, "neigh", "add", "proxy", "10.1.0.9", "dev", "va");
    ip(ns, "neigh", "add", "proxy", "2001:db8::9", "dev", "va");
    await using sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
    const proxies = await compare(ns, sock, { proxy: true }, ["neigh", "show", "proxy"]);
    assert.deepEqual(proxies.map((p) => p.dst).sort(), ["10.1.0.9", "2001:db8::9"]);
    assert.ok(proxies.every((p) => p.flags.includes("proxy")));
    const master = linkIndex(ns, "br0");
    const ports = await compare(ns, sock, { master, family: "inet" }, [
      "-4",
      "-s",
      "neigh",
      "show",
      "master",
      "br0",
      "nud",
      "all",
    ]);
    assert.deepEqual(ports.map((p) => p.dst), ["10.2.0.2"]);
  });
});

test("entries written with addNeighbour read back with ip; replace, EEXIST and delete", async () => {
  await withNetns("rn-neigh-write", async (ns) => {
    setup(ns);
    const va = linkIndex(ns, "va");
    await using sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
    await addNeighbour(sock, { index: va, dst: "10.1.0.20", lladdr: "02:00:00:00:00:20" });
    await addNeighbour(sock, {
      index: va,
      dst: "2001:db8::20",
      lladdr: "02:00:00:00:00:21",
      state: "STALE",
      flags: ["router"],
      protocol: "static",
    });
    await addNeighbour(sock, { index: va, dst: "10.1.0.21", lladdr: "02:00:00:00:00:22", flags: ["extern_learn"] });
    await addNeighbour(sock, { index: va, dst: "10.1.0.30", proxy: true });
    await addNeighbour(sock, { index: va, dst: "2001:db8::30", proxy: true, protocol: 42 });
    // A managed entry (NTF_EXT_MANAGED, carried in NDA_FLAGS_EXT): the kernel resolves it by itself.
    await addNeighbour(sock, { index: va, dst: "10.1.0.50", flags: ["managed"], state: "NONE" });
    const managed = ipJson<IpNeigh[]>(ns, "neigh", "show", "nud", "all").filter((n) => n.dst === "10.1.0.50");
    assert.equal(managed.length, 1);
    assert.equal(managed[0].managed, null);
    const ourManaged = (await collect(sock, { index: va })).find((n) => n.dst === "10.1.0.50");
    assert.ok(ourManaged?.flags.includes("managed"), JSON.stringify(ourManaged));
    await deleteNeighbour(sock, { index: va, dst: "10.1.0.50" });
    const show = (dst: string) =>
      ipJson<IpNeigh[]>(ns, "neigh", "show", ...(dst === "proxy" ? ["proxy"] : ["nud", "all"]))
        .map(withoutTimes)
        .filter((n) => dst === "proxy" || n.dst === dst);
    assert.deepEqual(show("10.1.0.20"), [
      { dst: "10.1.0.20", dev: "va", lladdr: "02:00:00:00:00:20", state: ["PERMANENT"] },
    ]);
    assert.deepEqual(show("2001:db8::20"), [
      {
        dst: "2001:db8::20",
        dev: "va",
        lladdr: "02:00:00:00:00:21",
        router: null,
        state: ["STALE"],
        protocol: "static",
      },
    ]);
    assert.deepEqual(show("10.1.0.21"), [
      { dst: "10.1.0.21", dev: "va", lladdr: "02:00:00:00:00:22", extern_learn: null, state: ["PERMANENT"] },
    ]);
    const proxies = show("proxy").sort((a, b) => a.dst.localeCompare(b.dst));
    assert.deepEqual(proxies, [
      { dst: "10.1.0.30", dev: "va", proxy: null },
      { dst: "2001:db8::30", dev: "va", proxy: null, protocol: "babel" },
    ]);
    try {
      await addNeighbour(sock, { index: va, dst: "10.1.0.20", lladdr: "02:00:00:00:00:99" });
      assert.fail("a second add without replace must fail");
    } catch (e) {
      assert.ok(e instanceof NetlinkError && e.code === "EEXIST", String(e));
    }
    await addNeighbour(sock, { index: va, dst: "10.1.0.20", lladdr: "02:00:00:00:00:99", state: "REACHABLE" }, {
      replace: true,
    });
    assert.deepEqual(show("10.1.0.20"), [
      { dst: "10.1.0.20", dev: "va", lladdr: "02:00:00:00:00:99", state: ["REACHABLE"] },
    ]);
    // Entries ip made are read back by us, then deleted with our API.
    ip(ns, "neigh", "add", "10.1.0.40", "lladdr", "02:00:00:00:00:40", "dev", "va", "nud", "stale");
    const mine = (await collect(sock, { index: va, family: 2 })).find((n) => n.dst === "10.1.0.40");
    assert.equal(mine?.lladdr, "02:00:00:00:00:40");
    assert.deepEqual(mine?.state, ["STALE"]);
    await deleteNeighbour(sock, { index: va, dst: "10.1.0.40" });
    await deleteNeighbour(sock, { index: va, dst: "2001:db8::20" });
    await deleteNeighbour(sock, { index: va, dst: "10.1.0.30", proxy: true });
    await deleteNeighbour(sock, { index: va, dst: "2001:db8::30", proxy: true });
    assert.deepEqual(show("10.1.0.40"), []);
    assert.deepEqual(show("2001:db8::20"), []);
    assert.deepEqual(show("proxy"), []);
    try {
      await deleteNeighbour(sock, { index: va, dst: "10.1.0.40" });
      assert.fail("deleting a missing entry must fail");
    } catch (e) {
      assert.ok(e instanceof NetlinkError && e.code === "ENOENT", String(e));
    }
  });
});
