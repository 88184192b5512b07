/**
 * The hand-written route decoder (a cursor switch) as it was before routes
 * moved onto the schema (`src/route/route.ts` at 5f80a62), kept only so that
 * `bench/decode_ab.ts` can time the schema decoder against it on the same
 * messages. Not used by the library.
 */
import { type Attr, AttrCursor, Attrs } from "../../src/wire/attrs.ts";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER } from "../../src/wire/constants.ts";
import { ParseError } from "../../src/wire/errors.ts";
import type { NetlinkMessage } from "../../src/wire/message.ts";
import { ip as formatIP, mac as formatHex } from "../../src/wire/values.ts";
import { AF, RouteType } from "../../src/route/constants.ts";
import {
  type MetricName,
  RouteFlag,
  type RouteFlagName,
  routeProtocolName,
  routeScopeName,
  RTA,
  RTAX,
} from "../../src/route/route.ts";
import type {
  Route,
  RouteCacheInfo,
  RouteEncap,
  RouteFamily,
  RouteMetrics,
  RouteNexthop,
  RouteTypeName,
} from "../../src/route/route.ts";

const RTMSG_SIZE = 12;
const FAMILY_NAMES: Record<number, Exclude<RouteFamily, number>> = {
  2: "inet",
  10: "inet6",
  28: "mpls",
  7: "bridge",
  128: "ipmr",
  129: "ip6mr",
};
const TYPE_NAMES = new Map<number, string>();
for (const [k, v] of Object.entries(RouteType)) if (!TYPE_NAMES.has(v)) TYPE_NAMES.set(v, k.toLowerCase());
const CACHE_FLAGS: [number, string][] = [[0x80000000, "local"], [0x40000000, "reject"]];
const METRIC_BY_NUMBER = new Map<number, MetricName>(
  Object.entries(RTAX).filter(([k]) => k !== "lock").map(([k, v]) => [v, k as MetricName]),
);
function familyName(n: number): RouteFamily {
  return FAMILY_NAMES[n] ?? n;
}

function formatAddress(bytes: Uint8Array): string {
  return bytes.length === 4 || bytes.length === 16 ? formatIP(bytes) : formatHex(bytes);
}

const FLAG_ENTRIES = Object.entries(RouteFlag) as [RouteFlagName, number][];

function flagNames(flags: number): RouteFlagName[] {
  const out: RouteFlagName[] = [];
  if (flags === 0) return out; // most routes
  for (const [name, bit] of FLAG_ENTRIES) if (flags & bit) out.push(name);
  return out;
}

function decodeVia(value: Uint8Array): { gateway: string; viaFamily: RouteFamily } {
  if (value.length < 2) throw new ParseError(`RTA_VIA of ${value.length} bytes is shorter than its family`, 0);
  const family = value[0] | (value[1] << 8);
  return { gateway: formatAddress(value.subarray(2)), viaFamily: familyName(family) };
}

function decodeEncap(attrs: Attrs): RouteEncap | undefined {
  const data = attrs.get(RTA.ENCAP);
  if (data === undefined) return undefined;
  return { type: attrs.u16(RTA.ENCAP_TYPE) ?? 0, data: data.slice() };
}

function decodeMetrics(bytes: Uint8Array): RouteMetrics {
  const attrs = Attrs.parse(bytes);
  const m: RouteMetrics = {};
  const unknown: Attr[] = [];
  for (const a of attrs) {
    if (a.type === RTAX.lock) {
      const lock = attrs.u32(RTAX.lock)!;
      const locked: MetricName[] = [];
      for (const [n, name] of METRIC_BY_NUMBER) if (lock & (1 << n)) locked.push(name);
      if (locked.length) m.locked = locked;
      continue;
    }
    const name = METRIC_BY_NUMBER.get(a.type);
    if (name === undefined) {
      unknown.push({ ...a, value: a.value.slice() });
    } else if (name === "congestion") {
      m.congestion = attrs.str(a.type);
    } else {
      m[name] = attrs.u32(a.type);
    }
  }
  if (unknown.length) m.unknown = unknown;
  return m;
}

function decodeMultipath(bytes: Uint8Array): RouteNexthop[] {
  const out: RouteNexthop[] = [];
  let at = 0;
  while (bytes.length - at >= 8) {
    const len = bytes[at] | (bytes[at + 1] << 8);
    if (len < 8) throw new ParseError(`rtnh_len ${len} is shorter than struct rtnexthop`, at);
    if (len > bytes.length - at) throw new ParseError(`rtnh_len ${len} runs past RTA_MULTIPATH`, at);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
    const nh: RouteNexthop = {
      ifindex: dv.getInt32(4, true),
      weight: bytes[at + 3] + 1,
      flags: flagNames(bytes[at + 2]),
    };
    const attrs = Attrs.parse(bytes.subarray(at + 8, at + len), at + 8);
    const unknown: Attr[] = [];
    for (const a of attrs) {
      switch (a.type) {
        case RTA.GATEWAY:
          nh.gateway = formatAddress(a.value);
          break;
        case RTA.VIA:
          Object.assign(nh, decodeVia(a.value));
          break;
        case RTA.FLOW:
          nh.flow = attrs.u32(RTA.FLOW);
          break;
        case RTA.ENCAP:
        case RTA.ENCAP_TYPE:
          nh.encap = decodeEncap(attrs);
          break;
        default:
          unknown.push({ ...a, value: a.value.slice() });
      }
    }
    if (unknown.length) nh.unknown = unknown;
    out.push(nh);
    at += (len + 3) & ~3;
  }
  if (at < bytes.length && bytes.length - at >= 8) throw new ParseError("trailing bytes in RTA_MULTIPATH", at);
  return out;
}

function decodeCacheInfo(value: Uint8Array): RouteCacheInfo {
  if (value.length < 20) throw new ParseError(`RTA_CACHEINFO of ${value.length} bytes is too short`, 0);
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const at = (i: number) => (value.length >= 4 * i + 4 ? dv.getUint32(4 * i, true) : 0);
  return {
    clntref: at(0),
    lastuse: at(1),
    expires: dv.getInt32(8, true),
    error: at(3),
    used: at(4),
    id: at(5),
    ts: at(6),
    tsage: at(7),
  };
}

/**
 * Decodes an `RTM_NEWROUTE` / `RTM_DELROUTE` message. Lengths are never
 * trusted: a short header or a malformed attribute is a {@link ParseError}.
 * Attributes this library does not know are kept in `unknown`.
 *
 * @example
 * ```ts
 * import { decodeRoute, listRoutes } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const r of listRoutes(sock, { family: "inet" })) console.log(r.dst ?? "default", r.dstLength, r.gateway);
 * ```
 */
export function decodeRouteHand(msg: NetlinkMessage): Route {
  const p = msg.payload;
  if (p.length < RTMSG_SIZE) throw new ParseError(`rtmsg of ${p.length} bytes is shorter than ${RTMSG_SIZE}`, 16);
  const family = p[0];
  const rtmFlags = (p[8] | (p[9] << 8) | (p[10] << 16) | (p[11] << 24)) >>> 0;
  const route: Route = {
    family: familyName(family),
    table: p[4],
    protocol: routeProtocolName(p[5]),
    scope: routeScopeName(p[6]),
    type: (TYPE_NAMES.get(p[7]) as RouteTypeName | undefined) ?? p[7],
    tos: p[3],
    dstLength: p[1],
    srcLength: p[2],
    flags: flagNames(rtmFlags),
  };
  // One pass over the attributes with a cursor: no view or object per
  // attribute. Where a field takes the first attribute of its type (as the
  // Attrs readers do), later ones of that type are skipped; `seen` records
  // which (every such RTA_* type is below 32).
  const c = new AttrCursor(p, RTMSG_SIZE, p.length, 16 + RTMSG_SIZE);
  let unknown: Attr[] | undefined;
  let seen = 0;
  let all: Attrs | undefined; // for RTA_ENCAP, which pairs two attributes
  while (c.next()) {
    const t = c.type;
    const first = t < 32 && (seen & (1 << t)) === 0;
    if (t < 32) seen |= 1 << t;
    try {
      switch (t) {
        case RTA.DST:
          route.dst = c.ip();
          break;
        case RTA.SRC:
          route.src = c.ip();
          break;
        case RTA.IIF:
          if (first) route.iif = c.u32();
          break;
        case RTA.OIF:
          if (first) route.oif = c.u32();
          break;
        case RTA.GATEWAY:
          route.gateway = c.ip();
          break;
        case RTA.PRIORITY:
          if (first) route.priority = c.u32();
          break;
        case RTA.PREFSRC:
          route.prefsrc = c.ip();
          break;
        case RTA.METRICS:
          route.metrics = decodeMetrics(c.value());
          break;
        case RTA.MULTIPATH:
          route.multipath = decodeMultipath(c.value());
          break;
        case RTA.FLOW:
          if (first) route.flow = c.u32();
          break;
        case RTA.CACHEINFO: {
          route.cacheInfo = decodeCacheInfo(c.value());
          const e = route.cacheInfo.expires;
          if (e !== 0 && route.expires === undefined) route.expires = Math.trunc(e / 100);
          break;
        }
        case RTA.TABLE:
          if (first) route.table = c.u32();
          break;
        case RTA.MARK:
          if (first) route.mark = c.u32();
          break;
        case RTA.VIA:
          Object.assign(route, decodeVia(c.value()));
          break;
        case RTA.PREF: {
          if (!first) break;
          const pref = c.u8();
          route.pref = pref === 0 ? "medium" : pref === 1 ? "high" : pref === 3 ? "low" : pref;
          break;
        }
        case RTA.ENCAP_TYPE:
        case RTA.ENCAP:
          all ??= Attrs.parse(p.subarray(RTMSG_SIZE), 16 + RTMSG_SIZE);
          route.encap = decodeEncap(all);
          break;
        case RTA.EXPIRES:
          if (first) route.expires = Math.trunc(c.uint() / 100);
          break;
        case RTA.PAD:
          break;
        case RTA.UID:
          if (first) route.uid = c.u32();
          break;
        case RTA.NH_ID:
          if (first) route.nexthopId = c.u32();
          break;
        default:
          (unknown ??= []).push({
            type: t,
            nested: (c.rawType & NLA_F_NESTED) !== 0,
            netByteOrder: (c.rawType & NLA_F_NET_BYTEORDER) !== 0,
            value: p.slice(c.start, c.end),
          });
      }
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(`RTA attribute ${t}: ${e.message}`, 16 + RTMSG_SIZE);
      throw e;
    }
  }
  if (rtmFlags & RouteFlag.cloned && family === AF.INET) {
    const cache: string[] = [];
    for (const [bit, name] of CACHE_FLAGS) if (rtmFlags & bit) cache.push(name);
    route.cache = cache;
  }
  if (unknown) route.unknown = unknown;
  return route;
}
