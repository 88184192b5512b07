/**
 * All fuzz targets: the core's and every family's decoders. Seeds are bytes
 * captured from the kernel (test/<family>/fixtures, and test/fuzz/fixtures
 * written by test/fuzz/capture.ts) or, where this kernel cannot produce them
 * (queued and logged packets, audit records), built here from the uapi
 * headers. Each target parses the datagram first, so the nlmsghdr framing is
 * fuzzed along with the decoder.
 */
import { readdirSync } from "node:fs";
import { type NetlinkMessage, ParseError, parseMessages } from "../../mod.ts";
import {
  decodeAddress,
  decodeFdbEntry,
  decodeLink,
  decodeNeighbour,
  decodeNexthop,
  decodeNsid,
  decodeRoute,
  decodeRouteEvent,
  decodeRoutePayload,
  decodeRule,
} from "../../src/route/mod.ts";
import { IpRouteBytes, ROUTE_ROOM } from "../../src/cli/routebytes.ts";
import { ipRoute } from "../../src/cli/ipjson.ts";
import { decodeUevent } from "../../src/uevent/mod.ts";
import { decodeProcEvent } from "../../src/connector/mod.ts";
import {
  decodeConntrack,
  decodeConntrackEvent,
  decodeLogEntry,
  decodeQueuePacket,
  nfnlMessage,
} from "../../src/netfilter/mod.ts";
import { decodePolicy, decodeState, decodeXfrmEvent } from "../../src/xfrm/mod.ts";
import { decodeFeatures, decodeRecord, decodeStatus } from "../../src/audit/mod.ts";
import { decodeMessage } from "../../src/genl/mod.ts";
import { ctrlAttrs, familyInfo } from "../../src/genl/nlctrl.ts";
import { decodeInetSocket, decodeUnixSocket } from "../../src/sockdiag/mod.ts";
import type { FuzzTarget } from "../helpers/fuzz.ts";
import { decodeClass, decodeFilter, decodeQdisc } from "../../src/tc/mod.ts";
import { coreTargets, hexFixtures } from "./targets.ts";

const route = hexFixtures("route/fixtures");
const routeFiles = readdirSync(new URL("../route/fixtures/", import.meta.url)).filter((f) => f.endsWith(".hex"));
/** Route fixtures whose file name starts with `prefix` (hexFixtures reads the same listing in the same order). */
const prefixed = (prefix: string) => route.filter((_, i) => routeFiles[i].startsWith(prefix));

const captured = (family: string) => hexFixtures(`fuzz/fixtures/${family}`);

/** Every message of a datagram through `decode`. */
function each(decode: (m: NetlinkMessage) => unknown): (bytes: Uint8Array) => void {
  return (bytes) => {
    for (const m of parseMessages(bytes)) decode(m);
  };
}

function target(name: string, seeds: Uint8Array[], decode: (m: NetlinkMessage) => unknown): FuzzTarget {
  if (seeds.length === 0) throw new Error(`fuzz target ${name} has no seeds`);
  return { name, seeds, decode: each(decode) };
}

// NFQUEUE and NFLOG packets, from linux/netfilter/nfnetlink_queue.h and
// nfnetlink_log.h: this kernel queues or logs nothing the tests can reach
// without traffic beyond loopback, so these are built by hand.
function be64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), false);
  return b;
}
const ipv4Packet = new Uint8Array([
  0x45,
  0,
  0,
  28,
  0,
  1,
  0x40,
  0,
  64,
  17,
  0,
  0,
  127,
  0,
  0,
  1,
  127,
  0,
  0,
  1,
  0x30,
  0x39,
  0,
  53,
  0,
  8,
  0,
  0,
]);
function queueSeeds(): Uint8Array[] {
  const full = nfnlMessage(3, 0, 0, { family: 2, resId: 7 });
  full.attr(1, new Uint8Array([0, 0, 0, 42, 0x08, 0x00, 3])); // NFQA_PACKET_HDR: id 42, IPv4, LOCAL_OUT
  full.be32(3, 0x99); // MARK
  full.attr(4, new Uint8Array([...be64(1700000000), ...be64(123456)])); // TIMESTAMP
  full.be32(5, 1).be32(6, 1).be32(7, 2).be32(8, 3); // IN/OUT/PHYS devices
  full.attr(9, new Uint8Array([0, 6, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0])); // HWADDR
  full.attr(10, ipv4Packet); // PAYLOAD
  full.be32(12, 2); // CT_INFO
  full.be32(13, 1500); // CAP_LEN
  full.be32(14, 1); // SKB_INFO
  full.be32(16, 1000).be32(17, 1000); // UID, GID
  full.str(18, "system_u:object_r:x:s0"); // SECCTX
  full.nest(19, (v) => v.be16(1, 0x8100).be16(2, 5)); // VLAN
  full.attr(20, new Uint8Array(14)); // L2HDR
  full.be32(21, 6); // PRIORITY
  full.u32(99, 1); // unknown
  const ct = nfnlMessage(3, 0, 0, { family: 10, resId: 1 });
  ct.attr(1, new Uint8Array([0, 0, 1, 2, 0x86, 0xdd, 1]));
  ct.nest(11, (c) => c.be32(3, 0x0e).be32(8, 0xdeadbeef)); // NFQA_CT
  ct.attr(10, new Uint8Array(40));
  return [full.finish(), ct.finish()];
}
function logSeeds(): Uint8Array[] {
  const full = nfnlMessage(4, 0, 0, { family: 2, resId: 5 });
  full.attr(1, new Uint8Array([0x08, 0x00, 1, 0])); // NFULA_PACKET_HDR: IPv4, LOCAL_IN
  full.be32(2, 7); // MARK
  full.attr(3, new Uint8Array([...be64(1700000000), ...be64(5)])); // TIMESTAMP
  full.be32(4, 1).be32(5, 1); // IN/OUT devices
  full.attr(8, new Uint8Array([0, 6, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0])); // HWADDR
  full.attr(9, ipv4Packet); // PAYLOAD
  full.str(10, "nlts: "); // PREFIX
  full.be32(11, 0).be32(14, 0); // UID, GID
  full.be32(12, 3).be32(13, 9); // SEQ, SEQ_GLOBAL
  full.be16(15, 1).attr(16, new Uint8Array(14)).be16(17, 14); // HWTYPE, HWHEADER, HWLEN
  full.be32(19, 2); // CT_INFO
  full.nest(20, (v) => v.be16(1, 0x8100).be16(2, 5)); // VLAN
  full.u32(99, 1);
  const bare = nfnlMessage(4, 0, 0, { family: 10, resId: 1 });
  bare.attr(1, new Uint8Array([0x86, 0xdd, 3, 0])).str(10, "x");
  return [full.finish(), bare.finish()];
}
function auditSeeds(): Uint8Array[] {
  const text = (type: number, s: string) => {
    const p = new TextEncoder().encode(s);
    const out = new Uint8Array(16 + p.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, out.length, true);
    dv.setUint16(4, type, true);
    out.set(p, 16);
    return out;
  };
  return [
    text(1300, 'audit(1700000000.123:42): arch=c000003e syscall=59 success=yes exit=0 comm="true" exe="/usr/bin/true"'),
    text(1327, "audit(1700000000.5:43): proctitle=2F7573722F62696E2F74727565"),
    text(1320, "audit(1700000001.000:44): "),
    text(1112, 'op=login acct="root" res=success'),
  ];
}

const conntrack = captured("conntrack");
const xfrmStates = captured("xfrm-state");
const xfrmPolicies = captured("xfrm-policy");
const xfrmEvents = captured("xfrm-events");
const status = captured("audit-status");

/** Every family's decoders. */
export const familyTargets: FuzzTarget[] = [
  target("route: decodeLink", prefixed("link-"), decodeLink),
  target("route: decodeAddress", prefixed("addr-"), decodeAddress),
  target("route: decodeRoute", prefixed("route-"), decodeRoute),
  target("route: decodeNexthop", prefixed("nexthop-"), decodeNexthop),
  target("route: decodeNeighbour", prefixed("neigh-"), decodeNeighbour),
  target("route: decodeFdbEntry", prefixed("fdb-"), decodeFdbEntry),
  target("route: decodeRule", prefixed("rule-"), decodeRule),
  target("route: decodeNsid", captured("nsid"), decodeNsid),
  target("route: decodeRouteEvent", [...route, ...captured("nsid")], decodeRouteEvent),
  {
    name: "uevent: decodeUevent",
    seeds: captured("uevent"),
    decode: (bytes) => decodeUevent(bytes, bytes[0] === 0x6c /* "libudev" */ ? 2 : 1),
  },
  target("connector: decodeProcEvent", captured("connector"), decodeProcEvent),
  target("netfilter: decodeConntrack", conntrack, decodeConntrack),
  target("netfilter: decodeConntrackEvent", conntrack, decodeConntrackEvent),
  target("netfilter: decodeQueuePacket", queueSeeds(), decodeQueuePacket),
  target("netfilter: decodeLogEntry", logSeeds(), decodeLogEntry),
  target("xfrm: decodeState", xfrmStates, decodeState),
  target("xfrm: decodePolicy", xfrmPolicies, decodePolicy),
  target("xfrm: decodeXfrmEvent", [...xfrmEvents, ...xfrmStates, ...xfrmPolicies], decodeXfrmEvent),
  target("audit: decodeStatus/decodeFeatures", status, (m) => {
    decodeStatus(m.payload);
    try {
      decodeFeatures(m.payload);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
  }),
  target("audit: decodeRecord", auditSeeds(), decodeRecord),
  target("genl: nlctrl family", captured("genl-ctrl"), (m) => familyInfo(decodeMessage(ctrlAttrs, m))),
  target("sockdiag: decodeInetSocket", captured("sockdiag-inet"), (m) => decodeInetSocket(m, "tcp")),
  target("sockdiag: decodeUnixSocket", captured("sockdiag-unix"), decodeUnixSocket),
  target(
    "tc: decodeQdisc, decodeClass, decodeFilter",
    hexFixtures("tc/fixtures"),
    (m) => [decodeQdisc, decodeClass, decodeFilter][(m.type - 36) >> 2]?.(m),
  ),
];

/**
 * `nlts -j route`'s writer of ip's JSON straight from the wire: it reads the
 * kernel's bytes itself, so it is fuzzed as a decoder. A route it writes must
 * decode and be written by `ipRoute` alike, within `ROUTE_ROOM` bytes; one
 * it declines goes to the decoder (a value or a ParseError).
 */
function routeBytes(bytes: Uint8Array): void {
  const names = new Map([[1, "lo"], [2, 'd"0']]);
  const writer = new IpRouteBytes(names, "all");
  const out = new Uint8Array(ROUTE_ROOM + 64);
  for (const m of parseMessages(bytes)) {
    if (m.type !== 24) continue;
    const end = writer.write(m.payload, 0, m.payload.length, out, 3);
    const route = decodeRoutePayload(m.payload); // a ParseError for what the writer must have declined
    if (end < 0) continue;
    if (end - 3 > ROUTE_ROOM) throw new Error(`IpRouteBytes wrote ${end - 3} bytes, more than ROUTE_ROOM`);
    const text = new TextDecoder().decode(out.subarray(3, end));
    const want = ipRoute(route, names, { table: "all" });
    if (text !== want) throw new Error(`IpRouteBytes wrote ${text}, ipRoute ${want}`);
  }
}
/**
 * Routes the writer covers, as the kernel dumps them (linux/rtnetlink.h):
 * an IPv4 host route, one with a gateway, metric, prefsrc and a big table,
 * a local one, and an IPv6 route with a source prefix, pref and cache info.
 */
function coveredRoutes(): Uint8Array[] {
  const attr = (type: number, value: number[]) => {
    const len = 4 + value.length;
    return [len & 255, len >> 8, type, 0, ...value, ...new Array((4 - (len % 4)) % 4).fill(0)];
  };
  const u32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
  const message = (rtmsg: number[], attrs: number[][]) => {
    const body = [...rtmsg, ...attrs.flat()];
    return new Uint8Array([...u32(16 + body.length), 24, 0, 2, 0, ...u32(1), ...u32(0), ...body]);
  };
  const v6 = (last: number) => [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last];
  return [
    message([2, 32, 0, 0, 254, 3, 253, 1, 16, 0, 0, 0], [
      attr(15, u32(254)),
      attr(1, [172, 16, 0, 1]),
      attr(4, u32(2)),
    ]),
    message([2, 24, 0, 0, 252, 4, 0, 1, 0, 0, 0, 0], [
      attr(15, u32(4000000000)),
      attr(1, [10, 1, 2, 0]),
      attr(6, u32(50)),
      attr(7, [10, 0, 0, 1]),
      attr(5, [10, 0, 0, 2]),
      attr(4, u32(1)),
    ]),
    message([2, 8, 0, 0, 255, 2, 254, 2, 0, 0, 0, 0], [attr(15, u32(255)), attr(1, [127, 0, 0, 0]), attr(4, u32(1))]),
    message([10, 64, 64, 0, 254, 3, 0, 1, 0, 0, 0, 0], [
      attr(15, u32(254)),
      attr(1, v6(0)),
      attr(2, v6(3)),
      attr(4, u32(2)),
      attr(6, u32(1024)),
      attr(12, new Array(32).fill(0)),
      attr(20, [1]),
    ]),
  ];
}

familyTargets.push({
  name: "cli: IpRouteBytes (ip -j route from the wire)",
  seeds: [...prefixed("route-"), ...coveredRoutes()],
  decode: routeBytes,
});

export const allTargets: FuzzTarget[] = [...coreTargets, ...familyTargets];
