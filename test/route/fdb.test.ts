// Bridge forwarding database: decoding captured bytes, and the real kernel in private namespaces with
// `bridge -j fdb` (iproute2) as oracle. This kernel has no bridge vlan_filtering, so VLAN entries are
// only decoded (from captured bytes with NDA_VLAN added by hand) and refused by the kernel.
import { hexFile } from "../helpers/fixtures.ts";
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { fuzz } from "../helpers/fuzz.ts";
import { rtmName } from "../../src/route/constants.ts";
import { ip, ipJson, sh, withNetns } from "../helpers/netns.ts";
import {
  AddressError,
  NetlinkError,
  type NetlinkMessage,
  NetlinkSocket,
  ParseError,
  parseMessages,
  RouteClient,
} from "../../mod.ts";
import {
  addFdb,
  decodeFdbEntry,
  deleteFdb,
  encodeFdbDump,
  encodeFdbRequest,
  type FdbEntry,
  type FdbFilter,
  listFdb,
} from "../../src/route/fdb.ts";

function fixture(name: string): NetlinkMessage {
  const bytes = hexFile(new URL(`./fixtures/${name}.hex`, import.meta.url));
  const msgs = parseMessages(bytes);
  assert.equal(msgs.length, 1);
  return msgs[0];
}

const FIXTURES = [
  "fdb-bridge-static",
  "fdb-bridge-sticky",
  "fdb-bridge-extern-learn",
  "fdb-self-permanent",
  "fdb-vxlan-flood",
  "fdb-vxlan-remote",
  "fdb-vxlan-inet6",
  "fdb-vxlan-nhid",
  "fdb-vxlan-src-vni",
];

// ---------------------------------------------------------------------------------------------------------------
// Decoder

test("decodeFdbEntry: captured bridge entries (static, sticky, extern_learn) and a self entry of a port", () => {
  assert.deepEqual(decodeFdbEntry(fixture("fdb-bridge-static")), {
    mac: "02:00:00:00:00:01",
    ifindex: 4,
    master: 2,
    state: "static",
    stateBits: 0x40,
    flags: [],
    flagBits: 0,
    used: 6824,
    updated: 6824,
    unknown: [],
  });
  const sticky = decodeFdbEntry(fixture("fdb-bridge-sticky"));
  assert.equal(sticky.state, "static");
  assert.deepEqual(sticky.flags, ["sticky"]);
  assert.equal(sticky.master, 2);
  const learned = decodeFdbEntry(fixture("fdb-bridge-extern-learn"));
  assert.equal(learned.state, "dynamic");
  assert.equal(learned.stateBits, 0x02);
  assert.deepEqual(learned.flags, ["extern_learn"]);
  assert.deepEqual(decodeFdbEntry(fixture("fdb-self-permanent")), {
    mac: "02:00:00:00:00:07",
    ifindex: 3,
    state: "permanent",
    stateBits: 0x80,
    flags: ["self"],
    flagBits: 0x02,
    unknown: [],
  });
});

test("decodeFdbEntry: captured VXLAN entries (flood list, remote with vni/port/via, IPv6, nhid, src_vni)", () => {
  assert.deepEqual(decodeFdbEntry(fixture("fdb-vxlan-flood")), {
    mac: "00:00:00:00:00:00",
    ifindex: 7,
    dst: "10.0.0.2",
    state: "permanent",
    stateBits: 0xc0,
    flags: ["self"],
    flagBits: 0x02,
    used: 1152,
    updated: 6818,
    unknown: [],
  });
  assert.deepEqual(decodeFdbEntry(fixture("fdb-vxlan-remote")), {
    mac: "02:00:00:00:00:08",
    ifindex: 7,
    dst: "10.0.0.4",
    vni: 100,
    port: 4790,
    via: 1,
    state: "permanent",
    stateBits: 0xc0,
    flags: ["self"],
    flagBits: 0x02,
    used: 6817,
    updated: 6817,
    unknown: [],
  });
  const v6 = decodeFdbEntry(fixture("fdb-vxlan-inet6"));
  assert.equal(v6.dst, "2001:db8::2");
  assert.equal(v6.state, "static"); // NUD_NOARP | NUD_REACHABLE, as `bridge fdb add … static` sends it
  assert.equal(v6.stateBits, 0x42);
  const nh = decodeFdbEntry(fixture("fdb-vxlan-nhid"));
  assert.equal(nh.nhid, 100);
  assert.equal(nh.dst, undefined);
  const src = decodeFdbEntry(fixture("fdb-vxlan-src-vni"));
  assert.equal(src.srcVni, 55);
  assert.equal(src.vni, 77);
  assert.equal(src.dst, "10.0.0.6");
});

/** A copy of `msg` with attributes appended (each `[type, ...payload]`, padded to 4). */
function withAttrs(msg: NetlinkMessage, ...attrs: number[][]): NetlinkMessage {
  const parts: number[] = [];
  for (const [type, ...value] of attrs) {
    const len = 4 + value.length;
    parts.push(len & 0xff, len >> 8, type & 0xff, type >> 8, ...value);
    while (parts.length % 4) parts.push(0);
  }
  const payload = new Uint8Array(msg.payload.length + parts.length);
  payload.set(msg.payload);
  payload.set(parts, msg.payload.length);
  return { ...msg, payload };
}

test("decodeFdbEntry: NDA_VLAN (hand-added, no vlan_filtering here), link-netnsid, unknown attributes kept raw", () => {
  const msg = withAttrs(
    fixture("fdb-bridge-static"),
    [5, 10, 0], // NDA_VLAN 10
    [14, 5, 0, 1, 0, 1], // NDA_FDB_EXT_ATTRS { NFEA_ACTIVITY_NOTIFY 1 }: not decoded, kept
    [99, 1, 2, 3, 4],
  );
  const e = decodeFdbEntry(msg);
  assert.equal(e.vlan, 10);
  assert.deepEqual(e.unknown.map((a) => a.type), [14, 99]);
  assert.deepEqual([...e.unknown[1].value], [1, 2, 3, 4]);
  const ns = decodeFdbEntry(withAttrs(fixture("fdb-vxlan-remote"), [10, 3, 0, 0, 0]));
  assert.equal(ns.linkNetnsId, 3);
  assert.equal(ns.via, 1);
  // State bits bridge has no name for are shown in hex.
  const odd = fixture("fdb-self-permanent");
  const p = odd.payload.slice();
  p[8] = 0x01; // NUD_INCOMPLETE
  assert.equal(decodeFdbEntry({ ...odd, payload: p }).state, "0x1");
});

test("decodeFdbEntry: truncated, garbage, wrong family and missing MAC give ParseError, never another error", () => {
  for (const name of FIXTURES) {
    const msg = fixture(name);
    for (let len = 0; len < msg.payload.length; len++) {
      try {
        decodeFdbEntry({ ...msg, payload: msg.payload.slice(0, len) });
      } catch (e) {
        assert.ok(e instanceof ParseError, `${name} cut at ${len}: ${e}`);
      }
    }
    // Up to the end of the MAC attribute the entry cannot be whole.
    assert.throws(() => decodeFdbEntry({ ...msg, payload: msg.payload.slice(0, 12 + 8) }), ParseError);
  }
  const ipv4 = fixture("fdb-self-permanent");
  const p = ipv4.payload.slice();
  p[0] = 2; // AF_INET
  assert.throws(() => decodeFdbEntry({ ...ipv4, payload: p }), /not an FDB entry/);
  assert.throws(() => decodeFdbEntry({ ...ipv4, payload: ipv4.payload.slice(0, 12) }), /NDA_LLADDR/);
  // NDA_IFINDEX (via) too short, NDA_CACHEINFO too short, an attribute running past the end.
  const shortVia = withAttrs({ ...ipv4 }, [8, 1, 2]);
  assert.throws(() => decodeFdbEntry(shortVia), ParseError);
  assert.throws(() => decodeFdbEntry(withAttrs(ipv4, [3, 0, 0, 0, 0])), ParseError);
  const over = ipv4.payload.slice();
  over[12] = 200;
  assert.throws(() => decodeFdbEntry({ ...ipv4, payload: over }), ParseError);
  const result = fuzz(
    [{
      name: "decodeFdbEntry",
      seeds: FIXTURES.map((n) => fixture(n).payload),
      decode: (payload) => decodeFdbEntry({ type: 28, flags: 0, seq: 0, pid: 0, payload }),
    }],
    20_000,
    7,
  );
  assert.equal(result.failure, undefined, JSON.stringify(result.failure, (_, v) => String(v)));
});

// ---------------------------------------------------------------------------------------------------------------
// Encoder

test("encodeFdbRequest: what bridge fdb add sends (state bits, default self), and bad input refused", () => {
  const hdr = (bytes: Uint8Array) => ({
    family: bytes[16],
    ifindex: bytes[20],
    state: bytes[24] | (bytes[25] << 8),
    flags: bytes[26],
  });
  assert.deepEqual(hdr(encodeFdbRequest(28, { mac: "02:00:00:00:00:01", ifindex: 3 })), {
    family: 7,
    ifindex: 3,
    state: 0xc0, // NUD_PERMANENT | NUD_NOARP
    flags: 0x02, // NTF_SELF
  });
  assert.equal(hdr(encodeFdbRequest(28, { mac: "2:0:0:0:0:1", ifindex: 3, state: "static" })).state, 0x42);
  assert.equal(hdr(encodeFdbRequest(28, { mac: "2:0:0:0:0:1", ifindex: 3, state: "dynamic" })).state, 0x02);
  assert.equal(
    hdr(encodeFdbRequest(28, { mac: "2:0:0:0:0:1", ifindex: 3, flags: ["master", "sticky"] })).flags,
    0x44,
  );
  assert.equal(
    hdr(encodeFdbRequest(28, { mac: "2:0:0:0:0:1", ifindex: 3, flags: ["extern_learn"] })).flags,
    0x12, // neither self nor master: self, as bridge does
  );
  const full = encodeFdbRequest(28, {
    mac: "02:00:00:00:00:08",
    ifindex: 7,
    dst: "10.0.0.4",
    vni: 100,
    port: 4790,
    via: 1,
    vlan: 5,
    srcVni: 9,
  });
  const back = decodeFdbEntry(parseMessages(full)[0]);
  assert.deepEqual(
    { dst: back.dst, vni: back.vni, port: back.port, via: back.via, vlan: back.vlan, srcVni: back.srcVni },
    { dst: "10.0.0.4", vni: 100, port: 4790, via: 1, vlan: 5, srcVni: 9 },
  );
  const ok = { mac: "02:00:00:00:00:01", ifindex: 3 };
  assert.throws(() => encodeFdbRequest(28, { ...ok, ifindex: 0 }), TypeError);
  assert.throws(() => encodeFdbRequest(28, { ...ok, ifindex: undefined as unknown as number }), TypeError);
  assert.throws(() => encodeFdbRequest(28, { ...ok, mac: "zz" }), AddressError);
  assert.throws(() => encodeFdbRequest(28, { ...ok, mac: "02:00:00:00:01" }), AddressError);
  assert.throws(() => encodeFdbRequest(28, { ...ok, dst: "10.0.0.300" }), AddressError);
  assert.throws(() => encodeFdbRequest(28, { ...ok, state: "stale" as "static" }), /unknown FDB state/);
  assert.throws(() => encodeFdbRequest(28, { ...ok, flags: ["offload" as "self"] }), /unknown FDB flag/);
  assert.throws(() => encodeFdbRequest(28, { ...ok, vlan: 0 }), /vlan/);
  assert.throws(() => encodeFdbRequest(28, { ...ok, vlan: 4095 }), /vlan/);
  assert.throws(() => encodeFdbRequest(28, { ...ok, port: 65536 }), /port/);
  assert.throws(() => encodeFdbRequest(28, { ...ok, vni: 1 << 24 }), /vni/);
  assert.throws(() => encodeFdbRequest(28, { ...ok, via: -1 }), /via/);
  assert.throws(() => encodeFdbRequest(28, { ...ok, dst: "10.0.0.1", nhid: 1 }), /dst or nhid/);
  // The dump request: AF_BRIDGE ndmsg with NDA_IFINDEX / NDA_MASTER.
  const dump = encodeFdbDump({ index: 4, master: 2 });
  assert.equal(dump[16], 7);
  assert.equal(dump.length, 16 + 12 + 8 + 8);
  assert.throws(() => encodeFdbDump({ master: 0 }), TypeError);
});

// ---------------------------------------------------------------------------------------------------------------
// Kernel, with `bridge -j fdb` as the oracle

/** Runs `bridge -n NS -j ARGS` and parses the JSON. */
function bridgeJson<T = BridgeFdb[]>(ns: string, ...args: string[]): T {
  const out = sh("bridge", ["-n", ns, "-j", ...args]).trim();
  return (out ? JSON.parse(out) : []) as T;
}

function bridge(ns: string, ...args: string[]): string {
  return sh("bridge", ["-n", ns, ...args]);
}

interface BridgeFdb {
  mac: string;
  ifname?: string;
  flags: string[];
  state: string;
  [key: string]: unknown;
}

/** The flags `bridge fdb` prints, in its order. */
const BRIDGE_FLAGS = ["self", "router", "extern_learn", "offload", "master", "sticky", "locked"];

/** Our entry in the shape of `bridge -j [-s] fdb show`, without the times. */
function asBridge(e: FdbEntry, names: Map<number, string>, withDev: boolean): BridgeFdb {
  const o: BridgeFdb = { mac: e.mac, flags: BRIDGE_FLAGS.filter((f) => e.flags.includes(f)), state: "" };
  if (withDev) o.ifname = names.get(e.ifindex);
  if (e.dst !== undefined) o.dst = e.dst;
  if (e.vlan !== undefined) o.vlan = e.vlan;
  if (e.port !== undefined) o.port = e.port;
  if (e.vni !== undefined) o.vni = e.vni;
  if (e.srcVni !== undefined) o.src_vni = e.srcVni;
  if (e.via !== undefined) {
    if (e.linkNetnsId !== undefined) o.viaIfIndex = e.via;
    else o.viaIf = names.get(e.via);
  }
  if (e.nhid !== undefined) o.nhid = e.nhid;
  if (e.linkNetnsId !== undefined) o.linkNetNsId = e.linkNetnsId;
  if (e.master !== undefined) o.master = names.get(e.master);
  o.state = e.state === "dynamic" ? "" : e.state.startsWith("0x") ? `0x${e.state.slice(2)}` : e.state;
  return o;
}

const key = (o: BridgeFdb) => `${o.ifname ?? ""} ${o.mac} ${o.dst ?? ""} ${o.nhid ?? ""} ${o.vlan ?? ""}`;
const sorted = (a: BridgeFdb[]) => a.slice().sort((x, y) => key(x).localeCompare(key(y)));

function withoutTimes(o: BridgeFdb): BridgeFdb {
  const c = { ...o };
  delete c.used;
  delete c.updated;
  return c;
}

function linkNames(ns: string): Map<number, string> {
  return new Map(ipJson<{ ifindex: number; ifname: string }[]>(ns, "link", "show").map((l) => [l.ifindex, l.ifname]));
}

function linkIndex(ns: string, name: string): number {
  return ipJson<{ ifindex: number }[]>(ns, "link", "show", "dev", name)[0].ifindex;
}

async function collect(sock: NetlinkSocket, filter: FdbFilter = {}): Promise<FdbEntry[]> {
  const out: FdbEntry[] = [];
  for await (const e of listFdb(sock, filter)) out.push(e);
  return out;
}

/**
 * Compares our dump with `bridge -j -s fdb show ARGS` field by field; the bridge learns addresses from
 * the veth peers' own traffic, so a mismatch is retried. Times: bridge prints seconds (ticks / 100).
 */
async function compare(ns: string, sock: NetlinkSocket, filter: FdbFilter, args: string[]): Promise<FdbEntry[]> {
  const withDev = !args.includes("dev");
  for (let attempt = 0;; attempt++) {
    const names = linkNames(ns);
    const ours = await collect(sock, filter);
    const theirs = bridgeJson(ns, "-s", "fdb", "show", ...args);
    const a = sorted(ours.map((e) => asBridge(e, names, withDev)));
    const b = sorted(theirs.map(withoutTimes));
    try {
      assert.deepEqual(a, b);
    } catch (e) {
      if (attempt < 4) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      throw e;
    }
    const byKey = new Map(theirs.map((t) => [key(t), t]));
    for (const e of ours) {
      const t = byKey.get(key(asBridge(e, names, withDev)))!;
      assert.equal(t.used !== undefined, e.used !== undefined, key(t));
      if (t.used === undefined) continue;
      for (const k of ["used", "updated"] as const) {
        const mine = Math.floor(e[k]! / 100);
        assert.ok(Math.abs(mine - (t[k] as number)) <= 1, `${key(t)} ${k}: ${mine} vs ${t[k]}`);
      }
    }
    return ours;
  }
}

/** A bridge br0 with veth ports va (peer vb) and vc (peer vd), and VXLAN devices vx0 (IPv4) and vx6 (IPv6). */
function setup(ns: string): void {
  ip(ns, "link", "add", "br0", "type", "bridge");
  ip(ns, "link", "add", "va", "type", "veth", "peer", "name", "vb");
  ip(ns, "link", "add", "vc", "type", "veth", "peer", "name", "vd");
  ip(ns, "link", "set", "va", "master", "br0");
  ip(ns, "link", "set", "vc", "master", "br0");
  for (const d of ["br0", "va", "vb", "vc", "vd"]) ip(ns, "link", "set", d, "up");
  ip(ns, "addr", "add", "10.0.0.1/32", "dev", "lo");
  ip(ns, "addr", "add", "2001:db8::1/128", "dev", "lo");
  ip(ns, "link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", "local", "10.0.0.1", "nolearning");
  ip(ns, "link", "add", "vx6", "type", "vxlan", "id", "43", "dstport", "4790", "local", "2001:db8::1", "nolearning");
  ip(ns, "link", "set", "vx0", "up");
  ip(ns, "link", "set", "vx6", "up");
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NetlinkError) return e.code;
    throw e;
  }
  return "ok";
}

test("entries made by bridge fdb add are listed like bridge -j -s fdb show (whole, per device, per bridge)", async () => {
  await withNetns("fdb-list", async (ns) => {
    setup(ns);
    const add = (...a: string[]) => bridge(ns, "fdb", "add", ...a);
    add("02:00:00:00:00:01", "dev", "va", "master", "static");
    add("02:00:00:00:00:02", "dev", "va", "master");
    add("02:00:00:00:00:03", "dev", "vc", "master", "dynamic");
    add("02:00:00:00:00:04", "dev", "vc", "master", "static", "sticky");
    add("02:00:00:00:00:05", "dev", "vc", "master", "static", "extern_learn");
    add("02:00:00:00:00:06", "dev", "br0", "self", "permanent");
    add("02:00:00:00:00:07", "dev", "vb", "self", "permanent");
    add("00:00:00:00:00:00", "dev", "vx0", "dst", "10.0.0.2");
    bridge(ns, "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", "10.0.0.3");
    add("02:00:00:00:00:08", "dev", "vx0", "dst", "10.0.0.4", "vni", "100", "port", "4790", "via", "lo");
    add("02:00:00:00:00:09", "dev", "vx6", "dst", "2001:db8::2", "static");
    ip(ns, "nexthop", "add", "id", "10", "via", "10.0.0.2", "fdb");
    ip(ns, "nexthop", "add", "id", "100", "group", "10", "fdb");
    add("02:00:00:00:00:0c", "dev", "vx0", "nhid", "100", "self");
    await using sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
    const all = await compare(ns, sock, {}, []);
    const by = (mac: string, dst?: string) => all.find((e) => e.mac === mac && (dst === undefined || e.dst === dst));
    const [br0, va, vc, vx0, vx6, lo] = ["br0", "va", "vc", "vx0", "vx6", "lo"].map((n) => linkIndex(ns, n));
    assert.deepEqual(
      [by("02:00:00:00:00:01")?.state, by("02:00:00:00:00:02")?.state, by("02:00:00:00:00:03")?.state],
      ["static", "permanent", "dynamic"],
    );
    assert.equal(by("02:00:00:00:00:01")?.ifindex, va);
    assert.equal(by("02:00:00:00:00:01")?.master, br0);
    assert.deepEqual(by("02:00:00:00:00:04")?.flags, ["sticky"]);
    assert.deepEqual(by("02:00:00:00:00:05")?.flags, ["extern_learn"]);
    assert.equal(by("02:00:00:00:00:06")?.ifindex, br0);
    assert.deepEqual(
      all.filter((e) => e.mac === "00:00:00:00:00:00").map((e) => [e.ifindex, e.dst]).sort(),
      [[vx0, "10.0.0.2"], [vx0, "10.0.0.3"]],
    );
    const remote = by("02:00:00:00:00:08")!;
    assert.deepEqual([remote.dst, remote.vni, remote.port, remote.via], ["10.0.0.4", 100, 4790, lo]);
    assert.equal(by("02:00:00:00:00:09")?.ifindex, vx6);
    assert.equal(by("02:00:00:00:00:09")?.dst, "2001:db8::2");
    assert.equal(by("02:00:00:00:00:0c")?.nhid, 100);
    assert.ok(all.some((e) => e.ifindex === vc && e.state === "permanent" && e.master === br0), "port's own address");
    // Per device: the kernel filters (and so does bridge, which then omits the device name).
    for (const dev of ["va", "vc", "vx0", "vx6", "vb", "br0"]) {
      const index = linkIndex(ns, dev);
      const mine = await compare(ns, sock, { index }, ["dev", dev]);
      assert.ok(mine.length > 0 && mine.every((e) => e.ifindex === index), dev);
    }
    // Per bridge: its own entries and its ports', not the VXLAN devices' or vb's.
    const ofBr = await compare(ns, sock, { master: br0 }, ["br", "br0"]);
    assert.ok(ofBr.some((e) => e.mac === "02:00:00:00:00:01"));
    assert.ok(ofBr.every((e) => e.ifindex === br0 || e.ifindex === va || e.ifindex === vc));
    // VLAN filter (done here): no entry has a VLAN without vlan_filtering.
    assert.deepEqual(await collect(sock, { vlan: 1 }), []);
    await assert.rejects(collect(sock, { vlan: 5000 }), TypeError);
  });
});

test("entries written with addFdb read back with bridge -j fdb; append, replace, EEXIST, ENODEV, delete", async () => {
  await withNetns("fdb-write", async (ns) => {
    setup(ns);
    const [va, vb, vc, vx0, vx6, lo] = ["va", "vb", "vc", "vx0", "vx6", "lo"].map((n) => linkIndex(ns, n));
    await using sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
    await addFdb(sock, { mac: "02:00:00:00:01:01", ifindex: va, flags: ["master"], state: "static" });
    await addFdb(sock, { mac: "02:00:00:00:01:02", ifindex: va, flags: ["master"] });
    await addFdb(sock, { mac: "02:00:00:00:01:03", ifindex: vc, flags: ["master"], state: "dynamic" });
    await addFdb(sock, { mac: "02:00:00:00:01:04", ifindex: vc, flags: ["master", "sticky"], state: "static" });
    await addFdb(sock, { mac: "02:00:00:00:01:05", ifindex: vb });
    await addFdb(sock, { mac: "00:00:00:00:00:00", ifindex: vx0, dst: "10.0.0.2" });
    await addFdb(sock, { mac: "00:00:00:00:00:00", ifindex: vx0, dst: "10.0.0.3" }, { append: true });
    await addFdb(sock, { mac: "02:00:00:00:01:06", ifindex: vx0, dst: "10.0.0.4", vni: 100, port: 4790, via: lo });
    await addFdb(sock, { mac: "02:00:00:00:01:07", ifindex: vx6, dst: "2001:db8::2", state: "static" });
    const show = (dev: string) => bridgeJson(ns, "fdb", "show", "dev", dev);
    const find = (dev: string, mac: string) => show(dev).filter((e) => e.mac === mac);
    assert.deepEqual(find("va", "02:00:00:00:01:01"), [
      { mac: "02:00:00:00:01:01", flags: [], master: "br0", state: "static" },
    ]);
    assert.deepEqual(find("va", "02:00:00:00:01:02"), [
      { mac: "02:00:00:00:01:02", flags: [], master: "br0", state: "permanent" },
    ]);
    assert.deepEqual(find("vc", "02:00:00:00:01:03"), [
      { mac: "02:00:00:00:01:03", flags: [], master: "br0", state: "" },
    ]);
    assert.deepEqual(find("vc", "02:00:00:00:01:04"), [
      { mac: "02:00:00:00:01:04", flags: ["sticky"], master: "br0", state: "static" },
    ]);
    assert.deepEqual(find("vb", "02:00:00:00:01:05"), [
      { mac: "02:00:00:00:01:05", flags: ["self"], state: "permanent" },
    ]);
    assert.deepEqual(sorted(find("vx0", "00:00:00:00:00:00")), [
      { mac: "00:00:00:00:00:00", dst: "10.0.0.2", flags: ["self"], state: "permanent" },
      { mac: "00:00:00:00:00:00", dst: "10.0.0.3", flags: ["self"], state: "permanent" },
    ]);
    assert.deepEqual(find("vx0", "02:00:00:00:01:06"), [
      {
        mac: "02:00:00:00:01:06",
        dst: "10.0.0.4",
        port: 4790,
        vni: 100,
        viaIf: "lo",
        flags: ["self"],
        state: "permanent",
      },
    ]);
    assert.deepEqual(find("vx6", "02:00:00:00:01:07"), [
      { mac: "02:00:00:00:01:07", dst: "2001:db8::2", flags: ["self"], state: "static" },
    ]);
    // Our whole dump still matches bridge's.
    await compare(ns, sock, {}, []);
    // Duplicates: EEXIST on a bridge port, a VXLAN device and a device's own address list.
    assert.equal(await code(addFdb(sock, { mac: "02:00:00:00:01:01", ifindex: va, flags: ["master"] })), "EEXIST");
    assert.equal(await code(addFdb(sock, { mac: "00:00:00:00:00:00", ifindex: vx0, dst: "10.0.0.2" })), "EEXIST");
    assert.equal(await code(addFdb(sock, { mac: "02:00:00:00:01:05", ifindex: vb })), "EEXIST");
    // Replace: the static entry moves to vc and becomes dynamic; a VXLAN remote changes its VTEP.
    await addFdb(sock, { mac: "02:00:00:00:01:01", ifindex: vc, flags: ["master"], state: "dynamic" }, {
      replace: true,
    });
    assert.deepEqual(find("va", "02:00:00:00:01:01"), []);
    assert.deepEqual(find("vc", "02:00:00:00:01:01"), [
      { mac: "02:00:00:00:01:01", flags: [], master: "br0", state: "" },
    ]);
    await addFdb(sock, { mac: "02:00:00:00:01:06", ifindex: vx0, dst: "10.0.0.9" }, { replace: true });
    assert.deepEqual(find("vx0", "02:00:00:00:01:06").map((e) => e.dst), ["10.0.0.9"]);
    // A missing device.
    assert.equal(await code(addFdb(sock, { mac: "02:00:00:00:01:08", ifindex: 999_999 })), "ENODEV");
    assert.equal(await code(deleteFdb(sock, { mac: "02:00:00:00:01:08", ifindex: 999_999 })), "ENODEV");
    // VLAN entries need vlan_filtering, which this kernel lacks: both we and bridge are refused alike.
    assert.equal(
      await code(addFdb(sock, { mac: "02:00:00:00:01:09", ifindex: va, flags: ["master"], vlan: 10 })),
      "EINVAL",
    );
    assert.throws(() => bridge(ns, "fdb", "add", "02:00:00:00:01:09", "dev", "va", "master", "vlan", "10"));
    // Delete: ours with our API, one remote of the flood list, then entries bridge made.
    await deleteFdb(sock, { mac: "02:00:00:00:01:02", ifindex: va, flags: ["master"] });
    await deleteFdb(sock, { mac: "02:00:00:00:01:05", ifindex: vb });
    await deleteFdb(sock, { mac: "00:00:00:00:00:00", ifindex: vx0, dst: "10.0.0.2" });
    assert.deepEqual(find("va", "02:00:00:00:01:02"), []);
    assert.deepEqual(find("vb", "02:00:00:00:01:05"), []);
    assert.deepEqual(find("vx0", "00:00:00:00:00:00").map((e) => e.dst), ["10.0.0.3"]);
    bridge(ns, "fdb", "add", "02:00:00:00:02:01", "dev", "vc", "master", "static");
    bridge(ns, "fdb", "add", "02:00:00:00:02:02", "dev", "vx0", "dst", "10.0.0.7", "vni", "7");
    const mine = (await collect(sock, { index: vx0 })).find((e) => e.mac === "02:00:00:00:02:02");
    assert.equal(mine?.vni, 7);
    await deleteFdb(sock, { mac: "02:00:00:00:02:01", ifindex: vc, flags: ["master"] });
    await deleteFdb(sock, { mac: "02:00:00:00:02:02", ifindex: vx0 });
    assert.deepEqual(find("vc", "02:00:00:00:02:01"), []);
    assert.deepEqual(find("vx0", "02:00:00:00:02:02"), []);
    assert.equal(await code(deleteFdb(sock, { mac: "02:00:00:00:02:01", ifindex: vc, flags: ["master"] })), "ENOENT");
    // And what we added, deleted by bridge.
    bridge(ns, "fdb", "del", "02:00:00:00:01:04", "dev", "vc", "master");
    bridge(ns, "fdb", "del", "00:00:00:00:00:00", "dev", "vx0", "dst", "10.0.0.3");
    assert.deepEqual(find("vc", "02:00:00:00:01:04"), []);
    assert.deepEqual(find("vx0", "00:00:00:00:00:00"), []);
    assert.ok(!(await collect(sock)).some((e) => e.mac === "02:00:00:00:01:04" || e.mac === "00:00:00:00:00:00"));
  });
});

test("RouteClient.fdb/addFdb/deleteFdb", async () => {
  await withNetns("fdb-client", async (ns) => {
    setup(ns);
    const va = linkIndex(ns, "va");
    const br0 = linkIndex(ns, "br0");
    await using rt = await RouteClient.open({ netns: ns });
    await rt.addFdb({ mac: "02:00:00:00:03:01", ifindex: va, flags: ["master"], state: "static" });
    const entries: FdbEntry[] = [];
    for await (const e of rt.fdb({ master: br0 })) entries.push(e);
    const e = entries.find((x) => x.mac === "02:00:00:00:03:01");
    assert.deepEqual([e?.ifindex, e?.master, e?.state], [va, br0, "static"]);
    await rt.deleteFdb({ mac: "02:00:00:00:03:01", ifindex: va, flags: ["master"] });
    assert.deepEqual(bridgeJson(ns, "fdb", "show", "dev", "va").filter((x) => x.mac === "02:00:00:00:03:01"), []);
    try {
      await rt.deleteFdb({ mac: "02:00:00:00:03:01", ifindex: va, flags: ["master"] });
      assert.fail("deleting a missing entry must fail");
    } catch (err) {
      assert.ok(
        err instanceof NetlinkError && err.code === "ENOENT" && err.messageTypeName === "RTM_DELNEIGH",
        String(err),
      );
    }
  });
});
