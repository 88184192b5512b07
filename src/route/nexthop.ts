/**
 * Nexthop objects of NETLINK_ROUTE (`RTM_NEWNEXTHOP` / `RTM_DELNEXTHOP` /
 * `RTM_GETNEXTHOP`): single next hops, blackholes, and groups
 * (hash-threshold or resilient), as `ip nexthop` manages them.
 *
 * Layouts and numbers are from `linux/nexthop.h` (`struct nhmsg`,
 * `struct nexthop_grp`, `NHA_*`, `NHA_RES_GROUP_*`).
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { type AttrSet, decodeAttrsAt, defineAttrSet } from "../wire/schema.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import { AddressError, ip as formatIP, mac as formatHex, parseIP } from "../wire/values.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { AF, RouteProtocol, RTM } from "./constants.ts";
import {
  decodeEncap,
  type RouteEncap,
  RouteFlag,
  type RouteFlagName,
  type RouteProtocolName,
  routeProtocolName,
  routeProtocolNumber,
  type RouteScopeName,
  routeScopeName,
} from "./route.ts";
import { withJson } from "../wire/json.ts";

/** Size of `struct nhmsg`. */
const NHMSG_SIZE = 8;
/** Clock ticks per second of `clock_t` values (USER_HZ). */
const USER_HZ = 100;

/** `NHA_*` nexthop attribute numbers. */
export const NHA = {
  UNSPEC: 0,
  ID: 1,
  GROUP: 2,
  GROUP_TYPE: 3,
  BLACKHOLE: 4,
  OIF: 5,
  GATEWAY: 6,
  ENCAP_TYPE: 7,
  ENCAP: 8,
  GROUPS: 9,
  MASTER: 10,
  FDB: 11,
  RES_GROUP: 12,
  RES_BUCKET: 13,
  OP_FLAGS: 14,
  GROUP_STATS: 15,
  HW_STATS_ENABLE: 16,
  HW_STATS_USED: 17,
} as const;

/** In `NHA_OP_FLAGS` of a reply: the reserved bytes of group entries are zero or meaningful. */
const NHA_OP_FLAG_RESP_GRP_RESVD_0 = 0x80000000;

/** `NHA_RES_GROUP_*` attributes of a resilient group. */
const NHA_RES_GROUP = { BUCKETS: 1, IDLE_TIMER: 2, UNBALANCED_TIMER: 3, UNBALANCED_TIME: 4 } as const;

/** Family of a nexthop; groups are `"unspec"`. */
export type NexthopFamily = "unspec" | "inet" | "inet6" | "bridge" | number;

/** A member of a nexthop group. */
export interface NexthopGroupMember {
  /** Id of the member nexthop. */
  id: number;
  /** Weight (1–256, up to 65536 on kernels with 16-bit weights). */
  weight: number;
}

/** Parameters of a resilient group. Times are in seconds. */
export interface ResilientParams {
  /** Number of hash buckets. */
  buckets: number;
  /** Seconds a bucket must be idle before it may move. */
  idleTimer: number;
  /** Seconds the group may stay unbalanced before buckets move regardless. */
  unbalancedTimer: number;
  /** Seconds the group has been unbalanced. */
  unbalancedTime: number;
}

/** A nexthop object as the kernel reports it. */
export interface Nexthop {
  /** Nexthop id. */
  id: number;
  /** Address family (`"unspec"` for groups). */
  family: NexthopFamily;
  /** Scope (`"link"` with a gateway, `"host"` for a device-only nexthop…). */
  scope: RouteScopeName | number;
  /** Installing protocol, named like iproute2. */
  protocol: RouteProtocolName | number;
  /** `RTNH_F_*` flags by name. */
  flags: RouteFlagName[];
  /** Gateway address. */
  gateway?: string;
  /** Output interface index. */
  oif?: number;
  /** Drops packets. */
  blackhole: boolean;
  /** Belongs to the bridge FDB (VXLAN). */
  fdb: boolean;
  /** Gateway is on link (`RTNH_F_ONLINK`). */
  onlink: boolean;
  /** Members of a group. */
  group?: NexthopGroupMember[];
  /** Group type (for groups). */
  groupType?: "mpath" | "resilient" | number;
  /** Parameters of a resilient group. */
  resilient?: ResilientParams;
  /** Lightweight tunnel encapsulation: raw, and decoded where the type is known (`ip`, `ip6`, `seg6`). */
  encap?: RouteEncap;
  /** Attributes this library does not know, raw and in wire order. */
  unknown?: Attr[];
}

const FAMILY_NAMES: Record<number, Exclude<NexthopFamily, number>> = {
  0: "unspec",
  2: "inet",
  10: "inet6",
  7: "bridge",
};

function flagNames(flags: number): RouteFlagName[] {
  const out: RouteFlagName[] = [];
  for (const [name, bit] of Object.entries(RouteFlag)) if (flags & bit) out.push(name as RouteFlagName);
  return out;
}

function decodeGroup(value: Uint8Array, wideWeights: boolean): NexthopGroupMember[] {
  if (value.length % 8 !== 0) {
    throw new ParseError(`NHA_GROUP of ${value.length} bytes is not a whole number of entries`, 0);
  }
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out: NexthopGroupMember[] = [];
  for (let at = 0; at < value.length; at += 8) {
    // weight - 1 in the low byte, and its high byte in resvd1 when the kernel
    // says the reserved fields are meaningful (NHA_OP_FLAG_RESP_GRP_RESVD_0).
    const high = wideWeights ? value[at + 5] : 0;
    out.push({ id: dv.getUint32(at, true), weight: ((high << 8) | value[at + 4]) + 1 });
  }
  return out;
}

/** The `NHA_RES_GROUP_*` attributes of a resilient group. */
const resGroupAttrs = defineAttrSet({
  name: "nh_res_group",
  prefix: "NHA_RES_GROUP_",
  attributes: {
    buckets: { id: NHA_RES_GROUP.BUCKETS, type: "u16" },
    idleTimer: { id: NHA_RES_GROUP.IDLE_TIMER, type: "u32" },
    unbalancedTimer: { id: NHA_RES_GROUP.UNBALANCED_TIMER, type: "u32" },
    unbalancedTime: { id: NHA_RES_GROUP.UNBALANCED_TIME, type: "u64", as: "number" },
    pad: { id: 5, type: "pad" },
  },
});

const NEXTHOP_ATTRS = defineAttrSet({
  name: "nexthop",
  prefix: "NHA_",
  attributes: {
    id: { id: NHA.ID, type: "u32" },
    // struct nexthop_grp entries, read with NHA_OP_FLAGS (see decodeGroup).
    group: { id: NHA.GROUP, type: "binary" },
    groupType: { id: NHA.GROUP_TYPE, type: "u16", enum: ["mpath", "resilient"] },
    blackhole: { id: NHA.BLACKHOLE, type: "flag" },
    oif: { id: NHA.OIF, type: "u32" },
    gateway: { id: NHA.GATEWAY, type: "binary" },
    encapType: { id: NHA.ENCAP_TYPE, type: "u16" },
    encap: { id: NHA.ENCAP, type: "binary" },
    fdb: { id: NHA.FDB, type: "flag" },
    resilient: { id: NHA.RES_GROUP, type: "nest", nested: resGroupAttrs, cname: "NHA_RES_GROUP" },
    opFlags: { id: NHA.OP_FLAGS, type: "u32" },
  },
});

/**
 * The `NHA_*` attributes of a nexthop message. The request-only and
 * statistics attributes (`NHA_GROUPS`, `NHA_MASTER`, `NHA_RES_BUCKET`,
 * `NHA_GROUP_STATS`, `NHA_HW_STATS_*`) are left out: kept raw.
 */
export const nexthopAttrs: AttrSet = NEXTHOP_ATTRS;

/**
 * Decodes an `RTM_NEWNEXTHOP` / `RTM_DELNEXTHOP` message. Lengths are never
 * trusted: malformed input is a {@link ParseError}. Unknown attributes are
 * kept in `unknown`.
 *
 * @example
 * ```ts
 * import { decodeNexthop, RTM } from "@nlts/netlink/route";
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM.GETNEXTHOP, Flags.DUMP);
 * req.struct(8);
 * for await (const msg of sock.dump(req.finish())) console.log(decodeNexthop(msg).id);
 * ```
 */
export function decodeNexthop(msg: NetlinkMessage): Nexthop {
  const p = msg.payload;
  if (p.length < NHMSG_SIZE) throw new ParseError(`nhmsg of ${p.length} bytes is shorter than ${NHMSG_SIZE}`, 16);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const nhFlags = dv.getUint32(4, true);
  const a = decodeAttrsAt(NEXTHOP_ATTRS, p, NHMSG_SIZE, p.length, 16 + NHMSG_SIZE);
  const nh: Nexthop = {
    id: a.id ?? 0,
    family: FAMILY_NAMES[p[0]] ?? p[0],
    scope: routeScopeName(p[1]),
    protocol: routeProtocolName(p[2]),
    flags: flagNames(nhFlags),
    blackhole: a.blackhole ?? false,
    fdb: a.fdb ?? false,
    onlink: (nhFlags & RouteFlag.onlink) !== 0,
  };
  if (a.oif !== undefined) nh.oif = a.oif;
  if (a.gateway !== undefined) {
    nh.gateway = a.gateway.length === 4 || a.gateway.length === 16 ? formatIP(a.gateway) : formatHex(a.gateway);
  }
  if (a.group !== undefined) {
    try {
      nh.group = decodeGroup(a.group, ((a.opFlags ?? 0) & NHA_OP_FLAG_RESP_GRP_RESVD_0) !== 0);
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(`NHA attribute ${NHA.GROUP}: ${e.message}`, 16 + NHMSG_SIZE);
      throw e;
    }
  }
  if (a.groupType !== undefined) nh.groupType = a.groupType;
  if (a.encap !== undefined) nh.encap = decodeEncap(a.encapType ?? 0, a.encap);
  if (a.resilient !== undefined) {
    const r = a.resilient;
    nh.resilient = {
      buckets: r.buckets ?? 0,
      idleTimer: (r.idleTimer ?? 0) / USER_HZ,
      unbalancedTimer: (r.unbalancedTimer ?? 0) / USER_HZ,
      unbalancedTime: (r.unbalancedTime ?? 0) / USER_HZ,
    };
  }
  if (nh.group && nh.groupType === undefined) nh.groupType = "mpath";
  if (a.unknown) nh.unknown = a.unknown;
  return withJson(nh);
}

/** Filter of {@link listNexthops}; the kernel applies all but `family`. */
export interface NexthopFilter {
  /** Only nexthops of this family. */
  family?: "inet" | "inet6";
  /** Only nexthops using this output interface (`NHA_OIF`). */
  oif?: number;
  /** Only nexthops whose device is enslaved to this master (`NHA_MASTER`). */
  master?: number;
  /** Only groups (`NHA_GROUPS`). */
  groups?: boolean;
  /** Only FDB nexthops (`NHA_FDB`). */
  fdb?: boolean;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`${what} ${value} is not a 32-bit unsigned integer`);
  }
  return value;
}

function checkId(id: number): number {
  if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new TypeError(`nexthop id ${id} is out of range`);
  return id;
}

/**
 * Streams the nexthop objects (`RTM_GETNEXTHOP` dump), filtered by the
 * kernel by interface, master, groups-only and FDB-only.
 *
 * @example
 * ```ts
 * import { listNexthops } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const nh of listNexthops(sock, { groups: true })) console.log(nh.id, nh.group);
 * ```
 */
export async function* listNexthops(
  sock: NetlinkSocket,
  filter: NexthopFilter = {},
): AsyncGenerator<Nexthop, void, undefined> {
  const family = filter.family === undefined
    ? 0
    : filter.family === "inet"
    ? AF.INET
    : filter.family === "inet6"
    ? AF.INET6
    : -1;
  if (family < 0) throw new TypeError(`unknown address family ${JSON.stringify(filter.family)}`);
  const req = new MessageWriter(RTM.GETNEXTHOP, Flags.DUMP);
  req.struct(NHMSG_SIZE).setUint8(0, family);
  if (filter.oif !== undefined) req.u32(NHA.OIF, checkU32(filter.oif, "oif"));
  if (filter.master !== undefined) req.u32(NHA.MASTER, checkU32(filter.master, "master"));
  if (filter.groups) req.flag(NHA.GROUPS);
  if (filter.fdb) req.flag(NHA.FDB);
  const familyName = filter.family;
  for await (const msg of sock.dump(req.finish(), { signal: filter.signal })) {
    if (msg.type !== RTM.NEWNEXTHOP) continue;
    const nh = decodeNexthop(msg);
    if (familyName !== undefined && nh.family !== familyName) continue;
    if (filter.oif !== undefined && nh.oif !== filter.oif) continue;
    if (filter.groups && !nh.group) continue;
    if (filter.fdb && !nh.fdb) continue;
    yield nh;
  }
}

/**
 * Gets one nexthop by id (`ip nexthop get id N`). A missing id rejects with
 * a `NetlinkError` `ENOENT`.
 *
 * @example
 * ```ts
 * import { getNexthop } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab" });
 * console.log(await getNexthop(sock, 10));
 * ```
 */
export async function getNexthop(
  sock: NetlinkSocket,
  id: number,
  options: { signal?: AbortSignal } = {},
): Promise<Nexthop> {
  const req = new MessageWriter(RTM.GETNEXTHOP);
  req.struct(NHMSG_SIZE);
  req.u32(NHA.ID, checkId(id));
  const replies = await sock.request(req.finish(), options);
  const reply = replies.find((m) => m.type === RTM.NEWNEXTHOP);
  if (!reply) throw new ParseError("RTM_GETNEXTHOP answered without a nexthop", 0);
  return decodeNexthop(reply);
}

/** A nexthop object to create. */
export interface NexthopSpec {
  /** Id (default: the kernel picks one; {@link addNexthop} returns it). */
  id?: number;
  /** Family; inferred from the gateway, `"inet"` for a blackhole or device-only nexthop, none for a group. */
  family?: "inet" | "inet6";
  /** Gateway address. */
  gateway?: string;
  /** Output interface index. */
  oif?: number;
  /** Drop packets. */
  blackhole?: boolean;
  /** Gateway is on link. */
  onlink?: boolean;
  /** Belongs to the bridge FDB. */
  fdb?: boolean;
  /** Protocol (default unspec, as iproute2). */
  protocol?: RouteProtocolName | number;
  /** Members of a group (ids of existing nexthops, weights 1–256 by default 1). */
  group?: { id: number; weight?: number }[];
  /** Group type (default mpath). */
  groupType?: "mpath" | "resilient";
  /** Parameters of a resilient group (timers in seconds). */
  resilient?: { buckets?: number; idleTimer?: number; unbalancedTimer?: number };
  /** Lightweight tunnel encapsulation, raw. */
  encap?: RouteEncap;
}

/**
 * Builds the `RTM_NEWNEXTHOP` request of {@link addNexthop} without sending
 * it. Input is validated here.
 *
 * @example
 * ```ts
 * import { encodeNewNexthop } from "@nlts/netlink/route";
 * const bytes = encodeNewNexthop({ id: 10, group: [{ id: 1 }, { id: 2, weight: 3 }] });
 * console.log(bytes.length);
 * ```
 */
export function encodeNewNexthop(spec: NexthopSpec, options: { replace?: boolean; echo?: boolean } = {}): Uint8Array {
  const flags = Flags.CREATE | (options.replace ? Flags.REPLACE : Flags.EXCL) | (options.echo ? Flags.ECHO : 0);
  let gateway: Uint8Array | undefined;
  if (spec.gateway !== undefined) gateway = parseIP(spec.gateway);
  let family = spec.family === undefined
    ? undefined
    : spec.family === "inet"
    ? AF.INET
    : spec.family === "inet6"
    ? AF.INET6
    : -1;
  if (family === -1) throw new TypeError(`unknown address family ${JSON.stringify(spec.family)}`);
  if (gateway) {
    const own = gateway.length === 4 ? AF.INET : AF.INET6;
    if (family !== undefined && family !== own) {
      throw new AddressError(`gateway ${spec.gateway} is not of family ${spec.family}`);
    }
    family = own;
  }
  if (spec.group) {
    if (spec.group.length === 0) throw new TypeError("a nexthop group needs members");
    if (spec.gateway !== undefined || spec.oif !== undefined || spec.blackhole || spec.encap) {
      throw new TypeError("a nexthop group has members only, no gateway, device, blackhole or encap");
    }
    family ??= AF.UNSPEC;
  } else {
    family ??= AF.INET;
    if (spec.groupType !== undefined || spec.resilient !== undefined) throw new TypeError("groupType needs a group");
  }
  const w = new MessageWriter(RTM.NEWNEXTHOP, flags);
  const h = w.struct(NHMSG_SIZE);
  h.setUint8(0, family);
  h.setUint8(2, spec.protocol === undefined ? RouteProtocol.UNSPEC : routeProtocolNumber(spec.protocol));
  h.setUint32(4, spec.onlink ? RouteFlag.onlink : 0, true);
  if (spec.id !== undefined) w.u32(NHA.ID, checkId(spec.id));
  if (spec.group) {
    const entries = new Uint8Array(8 * spec.group.length);
    const dv = new DataView(entries.buffer);
    spec.group.forEach((m, i) => {
      const weight = m.weight ?? 1;
      if (!Number.isInteger(weight) || weight < 1 || weight > 65536) {
        throw new TypeError(`weight ${weight} is out of range 1..256 (65536 on newer kernels)`);
      }
      dv.setUint32(8 * i, checkId(m.id), true);
      dv.setUint8(8 * i + 4, (weight - 1) & 0xff);
      dv.setUint8(8 * i + 5, (weight - 1) >> 8);
    });
    w.attr(NHA.GROUP, entries);
    const type = spec.groupType ?? "mpath";
    if (type !== "mpath" && type !== "resilient") throw new TypeError(`unknown group type ${JSON.stringify(type)}`);
    w.u16(NHA.GROUP_TYPE, type === "mpath" ? 0 : 1);
    if (spec.resilient) {
      if (type !== "resilient") throw new TypeError("resilient parameters need groupType resilient");
      const r = spec.resilient;
      w.nest(NHA.RES_GROUP, (n) => {
        if (r.buckets !== undefined) {
          if (!Number.isInteger(r.buckets) || r.buckets < 1 || r.buckets > 0xffff) {
            throw new TypeError(`buckets ${r.buckets} is out of range`);
          }
          n.u16(NHA_RES_GROUP.BUCKETS, r.buckets);
        }
        if (r.idleTimer !== undefined) {
          n.u32(NHA_RES_GROUP.IDLE_TIMER, checkU32(Math.round(r.idleTimer * USER_HZ), "idleTimer"));
        }
        if (r.unbalancedTimer !== undefined) {
          n.u32(NHA_RES_GROUP.UNBALANCED_TIMER, checkU32(Math.round(r.unbalancedTimer * USER_HZ), "unbalancedTimer"));
        }
      });
    }
  }
  if (spec.blackhole) w.flag(NHA.BLACKHOLE);
  if (spec.oif !== undefined) w.u32(NHA.OIF, checkU32(spec.oif, "oif"));
  if (gateway) w.attr(NHA.GATEWAY, gateway);
  if (spec.fdb) w.flag(NHA.FDB);
  if (spec.encap) {
    w.u16(NHA.ENCAP_TYPE, spec.encap.type);
    w.attr(NHA.ENCAP | 0x8000, spec.encap.data);
  }
  return w.finish();
}

/**
 * Creates a nexthop object (`ip nexthop add`), or replaces one with
 * `{ replace: true }`, and resolves with it as the kernel installed it (the
 * request asks for an echo). An existing id rejects with `EEXIST`.
 *
 * @example
 * ```ts
 * import { addNexthop } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab" });
 * await addNexthop(sock, { id: 1, gateway: "10.0.0.2", oif: 2 });
 * await addNexthop(sock, { id: 2, gateway: "10.0.1.2", oif: 3 });
 * const g = await addNexthop(sock, { id: 10, group: [{ id: 1, weight: 2 }, { id: 2 }] });
 * ```
 */
export async function addNexthop(
  sock: NetlinkSocket,
  spec: NexthopSpec,
  options: { replace?: boolean; signal?: AbortSignal } = {},
): Promise<Nexthop> {
  const bytes = encodeNewNexthop(spec, { replace: options.replace, echo: true });
  // NLM_F_ECHO: the kernel answers with the nexthop as installed (with the
  // id it chose), before the ACK.
  const replies = await sock.request(bytes, options);
  const echo = replies.find((m) => m.type === RTM.NEWNEXTHOP);
  if (echo) return decodeNexthop(echo);
  if (spec.id === undefined) throw new ParseError("RTM_NEWNEXTHOP: the kernel echoed nothing back", 0);
  return getNexthop(sock, spec.id, options);
}

/**
 * Deletes a nexthop object (`ip nexthop del id N`); routes using it go with
 * it. A missing id rejects with `ENOENT`.
 *
 * @example
 * ```ts
 * import { deleteNexthop } from "@nlts/netlink/route";
 * import { NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route", { netns: "lab" });
 * await deleteNexthop(sock, 10);
 * ```
 */
export async function deleteNexthop(
  sock: NetlinkSocket,
  id: number,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const req = new MessageWriter(RTM.DELNEXTHOP);
  req.struct(NHMSG_SIZE);
  req.u32(NHA.ID, checkId(id));
  await sock.request(req.finish(), options);
}
