// IFLA_AF_SPEC (IPv4 and IPv6 settings, IPv6 and ICMPv6 counters, cacheinfo,
// token, address generation mode), IFLA_MAP and IFLA_XDP decoded into fields
// of a link, against what the kernel shows elsewhere: /proc/sys/net/ipv{4,6}/conf,
// /proc/net/dev_snmp6 and `ip -j -d link`. Layouts the kernel here cannot
// produce (a short devconf array of an older kernel, an attached XDP program,
// a device with I/O resources) are checked on bytes built from the uapi headers.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, ipJson, sh, sysctl, withNetns } from "../helpers/netns.ts";
import { Flags, MessageWriter, NetlinkSocket, Overrun, toJson } from "../../mod.ts";
import { type RouteEvent, subscribe } from "../../src/route/events.ts";
import { decodeLink, decodeLinkAfSpec, getLink, type Link, listLinks } from "../../src/route/link.ts";
import { IPV4_DEVCONF, IPV6_DEVCONF } from "../../src/route/mod.ts";
import { type NetlinkMessage, parseMessages } from "../../src/wire/message.ts";
import { useDecoder } from "../../src/wire/schema.ts";
import { ParseError } from "../../src/wire/errors.ts";

async function linksOf(ns: string): Promise<Map<string, Link>> {
  await using sock = await NetlinkSocket.open("route", { netns: ns });
  const out = new Map<string, Link>();
  for await (const l of listLinks(sock, { afSpec: true })) out.set(l.name, l);
  return out;
}

/** `dir/*` of the namespace's /proc as name → text (files that cannot be read are left out). */
function procDir(ns: string, dir: string): Map<string, string> {
  const text = sh("ip", ["netns", "exec", ns, "sh", "-c", `grep -r . ${dir}/ 2>/dev/null || true`]);
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^.*\/([^/:]+):(.*)$/.exec(line);
    if (m) out.set(m[1], m[2].trim());
  }
  return out;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
/** Where a devconf name and its sysctl file differ (`linux/ip.h`, `linux/ipv6.h` against `devinet.c`, `addrconf.c`). */
const V4_SYSCTL: Record<string, string> = {
  arpfilter: "arp_filter",
  noxfrm: "disable_xfrm",
  nopolicy: "disable_policy",
  srcVmark: "src_valid_mark",
};
const V6_SYSCTL: Record<string, string> = {
  hoplimit: "hop_limit",
  mtu6: "mtu",
  rtrSolicits: "router_solicitations",
  rtrSolicitInterval: "router_solicitation_interval",
  rtrSolicitDelay: "router_solicitation_delay",
  rtrProbeInterval: "router_probe_interval",
  rtrSolicitMaxInterval: "router_solicitation_max_interval",
};
/** Sysctls shown in seconds that the netlink array carries in milliseconds. */
const SECONDS = new Set(["rtrSolicitInterval", "rtrSolicitDelay", "rtrProbeInterval", "rtrSolicitMaxInterval"]);

function compareConf(
  what: string,
  names: readonly string[],
  conf: Record<string, number | undefined>,
  files: Map<string, string>,
  renamed: Record<string, string>,
): number {
  let compared = 0;
  for (const name of names) {
    const text = files.get(renamed[name] ?? snake(name));
    if (text === undefined || !/^-?\d+$/.test(text)) continue; // no such sysctl, or not a number (stable_secret)
    const expected = Number(text) * (SECONDS.has(name) ? 1000 : 1);
    assert.equal(conf[name], expected, `${what}.${name} (${renamed[name] ?? snake(name)} = ${text})`);
    compared++;
  }
  return compared;
}

test("afSpec.inet.conf and afSpec.inet6.conf hold what /proc/sys/net/ipv4|ipv6/conf/<dev> shows, changed values too", async () => {
  await withNetns("lks-afspec-conf", async (ns) => {
    ipBatch(ns, "link add la0 type veth peer name lb0\n");
    sysctl(ns, "net.ipv4.conf.la0.forwarding=1");
    sysctl(ns, "net.ipv4.conf.la0.rp_filter=2");
    sysctl(ns, "net.ipv4.conf.la0.arp_ignore=1");
    sysctl(ns, "net.ipv6.conf.la0.hop_limit=33");
    sysctl(ns, "net.ipv6.conf.la0.mtu=1400");
    sysctl(ns, "net.ipv6.conf.la0.accept_ra=2");
    const la0 = (await linksOf(ns)).get("la0")!;
    const v4 = la0.afSpec?.inet?.conf as Record<string, number | undefined>;
    const v6 = la0.afSpec?.inet6?.conf as Record<string, number | undefined>;
    // The names in order, as many as the kernel sends (all of them from Linux 6.17 on; fewer from an older one).
    assert.deepEqual(Object.keys(v4), IPV4_DEVCONF.slice(0, Object.keys(v4).length));
    assert.deepEqual(Object.keys(v6), IPV6_DEVCONF.slice(0, Object.keys(v6).length));
    assert.ok(Object.keys(v4).length >= 30 && Object.keys(v6).length >= 50, "a kernel of the last years sends most");
    assert.deepEqual([v4.forwarding, v4.rpFilter, v4.arpIgnore], [1, 2, 1]);
    assert.deepEqual([v6.hoplimit, v6.mtu6, v6.acceptRa], [33, 1400, 2]);
    const n4 = compareConf("inet.conf", IPV4_DEVCONF, v4, procDir(ns, "/proc/sys/net/ipv4/conf/la0"), V4_SYSCTL);
    const n6 = compareConf("inet6.conf", IPV6_DEVCONF, v6, procDir(ns, "/proc/sys/net/ipv6/conf/la0"), V6_SYSCTL);
    assert.ok(n4 >= 30, `${n4} IPv4 settings compared`);
    assert.ok(n6 >= 50, `${n6} IPv6 settings compared`);
  });
});

test("afSpec.inet6.stats and icmp6Stats hold /proc/net/dev_snmp6/<dev>'s counters after traffic over loopback", async () => {
  await withNetns("lks-afspec-stats", async (ns) => {
    // UDP datagrams to a closed port of ::1: IPv6 in and out, and ICMPv6 port unreachables back.
    for (let i = 0; i < 3; i++) sh("ip", ["netns", "exec", ns, "bash", "-c", "echo x > /dev/udp/::1/9"]);
    const lo = (await linksOf(ns)).get("lo")!;
    const snmp = new Map<string, number>();
    for (const line of sh("ip", ["netns", "exec", ns, "cat", "/proc/net/dev_snmp6/lo"]).split("\n")) {
      const [key, value] = line.trim().split(/\s+/);
      if (key) snmp.set(key, Number(value));
    }
    const stats = lo.afSpec!.inet6!.stats!;
    const icmp = lo.afSpec!.inet6!.icmp6Stats!;
    assert.equal(stats[0], stats.length, "[0]: how many counters the kernel sends");
    assert.equal(icmp[0], icmp.length);
    // The slots every kernel version keeps in place.
    assert.deepEqual(stats.slice(1, 4), [
      snmp.get("Ip6InReceives"),
      snmp.get("Ip6InOctets"),
      snmp.get("Ip6InDelivers"),
    ]);
    assert.ok(stats[1] >= 3, "the traffic was counted");
    const icmpNames = ["Icmp6InMsgs", "Icmp6InErrors", "Icmp6OutMsgs", "Icmp6OutErrors", "Icmp6InCsumErrors"];
    assert.deepEqual(icmp.slice(1, 6), icmpNames.map((n) => snmp.get(n)));
    assert.ok(icmp[3] >= 3, "the port unreachables were counted");
    // Every other IPv6 counter /proc shows is somewhere in the array (their slots vary with the kernel version).
    for (const [key, value] of snmp) if (key.startsWith("Ip6")) assert.ok(stats.includes(value), `${key} ${value}`);
  });
});

test("afSpec.inet6 token, address generation mode and cacheinfo; map and xdp of a veth, as ip -j -d link and sysctl show", async () => {
  await withNetns("lks-afspec-misc", async (ns) => {
    ipBatch(ns, "link add la0 type veth peer name lb0\nlink set la0 addrgenmode random\n");
    const links = await linksOf(ns);
    const shown = ipJson<{ ifname: string; inet6_addr_gen_mode?: string }[]>(ns, "-d", "link", "show");
    for (const s of shown) {
      const l = links.get(s.ifname)!;
      assert.equal(l.afSpec?.inet6?.addrGenMode, s.inet6_addr_gen_mode, s.ifname);
      assert.equal(l.inet6AddrGenMode, s.inet6_addr_gen_mode, s.ifname);
    }
    const la0 = links.get("la0")!;
    assert.equal(la0.afSpec?.inet6?.addrGenMode, "random");
    assert.equal(la0.afSpec?.inet6?.token, "::");
    const neigh = procDir(ns, "/proc/sys/net/ipv6/neigh/la0");
    assert.equal(la0.afSpec?.inet6?.cacheinfo?.retransTime, Number(neigh.get("retrans_time_ms")));
    assert.equal(la0.afSpec?.inet6?.cacheinfo?.maxReasmLen, 65535);
    assert.deepEqual(la0.map, { memStart: 0, memEnd: 0, baseAddr: 0, irq: 0, dma: 0, port: 0 });
    assert.deepEqual(la0.xdp, { attached: "none" });
    assert.deepEqual(la0.devlinkPort, {});
    assert.deepEqual(la0.dpllPin, {});
    assert.deepEqual(la0.unknown, []);
    // Nothing raw left: no toJSON needed, and a bare JSON.stringify writes what toJson writes.
    assert.equal(Object.getOwnPropertyDescriptor(la0, "toJSON"), undefined);
    assert.equal(JSON.stringify(la0), toJson(la0));
  });
});

/** An RTM_NEWLINK (ifinfomsg of `family`) with the attributes `fill` writes. */
function newlink(family: number, fill: (m: MessageWriter) => void): Link {
  const m = new MessageWriter(16, Flags.MULTI);
  const h = m.struct(16);
  h.setUint8(0, family);
  h.setInt32(4, 7, true);
  fill(m);
  const msg = parseMessages(m.finish())[0];
  return { ...decodeLink(msg), afSpec: decodeLinkAfSpec(msg) };
}

const u32s = (...values: number[]) => new Uint8Array(new Uint32Array(values).buffer);

test("without { afSpec: true } a link has no afSpec and nothing of IFLA_AF_SPEC in unknown, the same other fields, and ip's addrgenmode", async () => {
  await withNetns("lks-afspec-off", async (ns) => {
    // lc0's MTU under IPv6's minimum takes IPv6 off it: no AF_INET6 nest, so no address generation mode.
    ipBatch(
      ns,
      "link add la0 type veth peer name lb0\nlink set la0 addrgenmode random\nlink add lc0 mtu 1000 type veth peer name ld0\n",
    );
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const plain = await Array.fromAsync(listLinks(sock));
    const full = new Map((await Array.fromAsync(listLinks(sock, { afSpec: true }))).map((l) => [l.name, l]));
    const shown = new Map(
      ipJson<{ ifname: string; inet6_addr_gen_mode?: string }[]>(ns, "-d", "link", "show").map((s) => [s.ifname, s]),
    );
    assert.deepEqual(plain.map((l) => l.name).sort(), [...shown.keys()].sort());
    for (const l of plain) {
      assert.equal("afSpec" in l, false, l.name);
      assert.deepEqual(l.unknown, [], l.name);
      const mode = shown.get(l.name)!.inet6_addr_gen_mode;
      assert.equal(l.inet6AddrGenMode, mode, l.name);
      // Left out where ip shows none, not an own property holding undefined (deepStrictEqual and spreading tell).
      assert.equal("inet6AddrGenMode" in l, mode !== undefined, l.name);
      const { afSpec, ...rest } = full.get(l.name)!;
      assert.ok(afSpec?.inet?.conf, l.name);
      // Counters that traffic may move between the two dumps aside, the links are the same.
      assert.deepEqual({ ...l, stats64: undefined }, { ...rest, stats64: undefined }, l.name);
    }
    assert.equal(shown.get("lc0")!.inet6_addr_gen_mode, undefined, "lc0 has no IPv6");
    assert.equal(shown.get("la0")!.inet6_addr_gen_mode, "random");
    // A single link the same way.
    assert.equal("afSpec" in await getLink(sock, "la0"), false);
    assert.equal((await getLink(sock, "la0", { afSpec: true })).afSpec?.inet6?.addrGenMode, "random");
  });
});

test("subscribe(link, { afSpec: true }) gives link events with afSpec; without the option they have none", async () => {
  await withNetns("lks-afspec-ev", async (ns) => {
    const signal = AbortSignal.timeout(5000);
    await using plain = subscribe(["link"], { netns: ns, signal });
    await using full = subscribe(["link"], { netns: ns, signal, afSpec: true });
    await Promise.all([plain.ready, full.ready]);
    ipBatch(ns, "link add ev0 type veth peer name ev1\n");
    const firstOf = async (events: AsyncIterable<RouteEvent | Overrun>) => {
      for await (const e of events) {
        if (!(e instanceof Overrun) && e.kind === "link" && e.link.name === "ev0") return e.link;
      }
      throw new Error("no event for ev0");
    };
    const [a, b] = await Promise.all([firstOf(plain), firstOf(full)]);
    assert.equal("afSpec" in a, false);
    assert.equal(typeof b.afSpec?.inet6?.conf?.hoplimit, "number");
    assert.equal(b.afSpec?.inet6?.addrGenMode, a.inet6AddrGenMode);
    assert.equal(b.inet6AddrGenMode, a.inet6AddrGenMode);
  });
});

test("decodeLink's address generation mode without afSpec (uapi bytes): read from AF_INET6, left out without it, through both decoders", () => {
  const message = (fill: (m: MessageWriter) => void): NetlinkMessage => {
    const m = new MessageWriter(16, Flags.MULTI);
    m.struct(16).setInt32(4, 7, true);
    fill(m);
    return parseMessages(m.finish())[0];
  };
  const both = message((m) => m.nest(26, (w) => w.nest(2, (v) => v.attr(1, u32s(1))).nest(10, (v) => v.u8(8, 3))));
  const v4only = message((m) => m.nest(26, (w) => w.nest(2, (v) => v.attr(1, u32s(1)))));
  const before = useDecoder("table");
  try {
    for (const kind of ["table", "function"] as const) {
      useDecoder(kind);
      const link = decodeLink(both);
      assert.equal(link.inet6AddrGenMode, "random", kind);
      assert.equal("afSpec" in link, false, kind);
      assert.deepEqual(link.unknown, [], kind);
      assert.equal("inet6AddrGenMode" in decodeLink(v4only), false, kind);
      // A mode without a name (a newer kernel's) is its number as text, as ip prints it.
      const newer = message((m) => m.nest(26, (w) => w.nest(10, (v) => v.u8(8, 9))));
      assert.equal(decodeLink(newer).inet6AddrGenMode, "9", kind);
      assert.deepEqual(decodeLinkAfSpec(both), {
        inet: { conf: { forwarding: 1 } },
        inet6: { addrGenMode: "random" },
      });
      // A malformed IPv6 nest is an error either way.
      const bad = message((m) => m.nest(26, (w) => w.attr(10, new Uint8Array([9, 0, 8, 0]))));
      assert.throws(() => decodeLink(bad), ParseError, kind);
      assert.throws(() => decodeLinkAfSpec(bad), ParseError, kind);
    }
  } finally {
    useDecoder(before);
  }
});

test("devconf arrays of another length (uapi bytes, as an older or newer kernel sends them): the names that fit, the rest ignored", () => {
  const short = newlink(0, (m) => m.nest(26, (w) => w.nest(2, (v) => v.attr(1, u32s(1, 0, 1)))));
  assert.deepEqual(short.afSpec, { inet: { conf: { forwarding: 1, mcForwarding: 0, proxyArp: 1 } } });
  const long = newlink(
    0,
    (m) => m.nest(26, (w) => w.nest(2, (v) => v.attr(1, u32s(...IPV4_DEVCONF.map((_, i) => i), 99)))),
  );
  assert.equal(Object.keys(long.afSpec!.inet!.conf!).length, IPV4_DEVCONF.length);
  assert.equal(long.afSpec!.inet!.conf!.arpEvictNocarrier, IPV4_DEVCONF.length - 1);
  // IPv6 counters: u64, as numbers; a counter past 2^32 keeps its high word. A ragged array is a ParseError.
  const stats = new DataView(new ArrayBuffer(3 * 8));
  stats.setBigUint64(0, 3n, true);
  stats.setBigUint64(8, 5n, true);
  stats.setBigUint64(16, (7n << 32n) + 9n, true);
  const six = newlink(0, (m) => m.nest(26, (w) => w.nest(10, (v) => v.attr(3, new Uint8Array(stats.buffer)))));
  assert.deepEqual(six.afSpec?.inet6?.stats, [3, 5, 7 * 2 ** 32 + 9]);
  assert.throws(
    () => newlink(0, (m) => m.nest(26, (w) => w.nest(10, (v) => v.attr(3, new Uint8Array(12))))),
    (e: Error) => e instanceof ParseError && /link-inet6.stats: 12 bytes is not a whole number of u64/.test(e.message),
  );
  // A family this library does not decode stays raw in afSpec.unknown, which then carries its toJSON.
  const m = new MessageWriter(16, Flags.MULTI);
  m.struct(16).setInt32(4, 7, true);
  m.nest(26, (w) => w.nest(28, (v) => v.u8(1, 1)));
  const mpls = decodeLinkAfSpec(parseMessages(m.finish())[0]);
  assert.deepEqual(mpls?.unknown?.map((a) => [a.type, [...a.value]]), [[28, [5, 0, 1, 0, 1, 0, 0, 0]]]);
  assert.equal(typeof (mpls as { toJSON?: unknown }).toJSON, "function");
  assert.equal(JSON.parse(JSON.stringify(mpls)).unknown[0].value, "0500010001000000");
});

test("IFLA_MAP and IFLA_XDP with values (uapi bytes: no hardware or XDP program here)", () => {
  const map = new DataView(new ArrayBuffer(32));
  map.setBigUint64(0, 0xfe000000n, true);
  map.setBigUint64(8, 0xfe0fffffn, true);
  map.setBigUint64(16, 0x300n, true);
  map.setUint16(24, 11, true);
  map.setUint8(26, 3);
  map.setUint8(27, 1);
  const l = newlink(0, (m) => {
    m.attr(14, new Uint8Array(map.buffer));
    m.nest(43, (w) => w.u8(2, 1).u32(4, 42).u32(5, 42));
  });
  assert.deepEqual(l.map, { memStart: 0xfe000000, memEnd: 0xfe0fffff, baseAddr: 0x300, irq: 11, dma: 3, port: 1 });
  assert.deepEqual(l.xdp, { attached: "drv", progId: 42, drvProgId: 42 });
});

test("a bridge port message's IFLA_AF_SPEC (IFLA_BRIDGE_* inside, uapi bytes: no VLAN filtering in this kernel) stays raw", () => {
  // IFLA_BRIDGE_VLAN_INFO (2): flags PVID|UNTAGGED, vid 1. Read as an ordinary message, it would be "inet".
  const port = newlink(7, (m) => m.nest(26, (w) => w.attr(2, new Uint8Array([6, 0, 1, 0]))));
  assert.equal(port.afSpec, undefined);
  assert.deepEqual(port.unknown.map((a) => [a.type, [...a.value]]), [[26, [8, 0, 2, 0, 6, 0, 1, 0]]]);
});
