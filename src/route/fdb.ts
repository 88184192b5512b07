/**
 * Bridge forwarding database (FDB): what `bridge fdb` shows and changes.
 * FDB entries are neighbour messages of family `AF_BRIDGE`
 * (`RTM_NEWNEIGH` / `RTM_DELNEIGH` / `RTM_GETNEIGH` over `struct ndmsg`), so
 * decoding and the dump request come from `neighbour.ts`; this module gives
 * them the shape `bridge -j fdb` prints: MAC, port, master, VLAN, the state
 * names `"permanent"` / `"static"` / `"dynamic"`, and for VXLAN devices the
 * remote VTEP (`dst`), VNI, UDP port and underlay device (`via`).
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import * as v from "../wire/values.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { AF, RTM } from "./constants.ts";
import { decodeNeighbour, encodeNeighbourDump, NDA, NUD } from "./neighbour.ts";
import { withJson } from "../wire/json.ts";

/** Size of `struct ndmsg`. */
const NDMSG_SIZE = 12;

/**
 * State of an FDB entry, named as `bridge fdb` names it: `"permanent"`
 * (`NUD_PERMANENT`: a local address of the bridge, or a permanent VXLAN or
 * device entry), `"static"` (`NUD_NOARP`: never ages), `"stale"` (aged out),
 * `"dynamic"` (`NUD_REACHABLE`: learned or added as dynamic; `bridge` prints
 * nothing for it), or the raw state in hex (`"0x0"`) when none of those.
 */
export type FdbState = "permanent" | "static" | "stale" | "dynamic" | `0x${string}`;

/** A state that can be given to {@link addFdb}. */
export type FdbSpecState = "permanent" | "static" | "dynamic";

/**
 * A flag name of an FDB entry: `ndm_flags` bits (`"self"`, `"master"`,
 * `"extern_learn"`, `"offload"`, `"sticky"`, `"router"`, `"use"`, `"proxy"`)
 * and `NDA_FLAGS_EXT` bits (`"locked"`, `"managed"`, `"extern_valid"`).
 */
export type FdbFlag =
  | "use"
  | "self"
  | "master"
  | "proxy"
  | "extern_learn"
  | "offload"
  | "sticky"
  | "router"
  | "managed"
  | "locked"
  | "extern_valid";

/** One forwarding database entry as the kernel reports it. */
export interface FdbEntry {
  /** Link-layer address (`NDA_LLADDR`); `00:00:00:00:00:00` is a VXLAN default (flood) entry. */
  mac: string;
  /** Interface index of the device the entry is on (`ndm_ifindex`): a bridge port, the bridge, a VXLAN device. */
  ifindex: number;
  /** Interface index of the bridge, for entries of a bridge's table (`NDA_MASTER`). */
  master?: number;
  /** VLAN (`NDA_VLAN`). */
  vlan?: number;
  /** State name, as `bridge fdb` prints it (`"dynamic"` where it prints nothing). */
  state: FdbState;
  /** Raw `ndm_state`. */
  stateBits: number;
  /**
   * Flag names (`ndm_flags` then `NDA_FLAGS_EXT`); unknown bits as `"0x.."`.
   * Entries of a bridge's table carry no `"master"` flag: they have {@link FdbEntry.master}.
   */
  flags: string[];
  /** Raw `ndm_flags`. */
  flagBits: number;
  /** Remote VTEP of a VXLAN entry (`NDA_DST`), IPv4 or IPv6. */
  dst?: string;
  /** Remote VNI of a VXLAN entry (`NDA_VNI`). */
  vni?: number;
  /** Source VNI (`NDA_SRC_VNI`), for VXLAN devices in collect-metadata mode. */
  srcVni?: number;
  /** Destination UDP port of a VXLAN entry (`NDA_PORT`). */
  port?: number;
  /** Interface index of the underlay device of a VXLAN entry (`NDA_IFINDEX`, `bridge fdb … via DEV`). */
  via?: number;
  /** Nexthop (group) id of a VXLAN entry (`NDA_NH_ID`). */
  nhid?: number;
  /** Namespace id of the VXLAN underlay, when it is another namespace (`NDA_LINK_NETNSID`). */
  linkNetnsId?: number;
  /** Clock ticks (USER_HZ, 1/100 s) since the entry was last used (`NDA_CACHEINFO`). */
  used?: number;
  /** Clock ticks since the entry was last updated (`NDA_CACHEINFO`). */
  updated?: number;
  /** Attributes this decoder does not know (`NDA_FDB_EXT_ATTRS`…), kept raw. */
  unknown: Attr[];
}

/** The `bridge fdb` name of an `ndm_state` value. */
function stateName(bits: number): FdbState {
  if (bits & NUD.PERMANENT) return "permanent";
  if (bits & NUD.NOARP) return "static";
  if (bits & NUD.STALE) return "stale";
  if (bits & NUD.REACHABLE) return "dynamic";
  return `0x${bits.toString(16)}`;
}

/**
 * Decodes an `RTM_NEWNEIGH` / `RTM_DELNEIGH` message of family `AF_BRIDGE`.
 * A message of another family, one without a link-layer address, a payload
 * shorter than `struct ndmsg`, or a malformed attribute is a
 * {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeFdbEntry } from "@nlts/netlink/route";
 * const payload = new Uint8Array([
 *   7, 0, 0, 0, 3, 0, 0, 0, 0x40, 0, 0, 0, // AF_BRIDGE, ifindex 3, NUD_NOARP
 *   10, 0, 2, 0, 2, 0, 0, 0, 0, 1, 0, 0, // NDA_LLADDR 02:00:00:00:00:01
 *   8, 0, 9, 0, 2, 0, 0, 0, // NDA_MASTER 2
 * ]);
 * const e = decodeFdbEntry({ type: 28, flags: 0, seq: 0, pid: 0, payload });
 * e.mac; // "02:00:00:00:00:01"
 * e.state; // "static"
 * e.master; // 2
 * ```
 */
export function decodeFdbEntry(msg: NetlinkMessage): FdbEntry {
  const p = msg.payload;
  if (p.length >= 1 && p[0] !== AF.BRIDGE) {
    throw new ParseError(`not an FDB entry: family ${p[0]}, AF_BRIDGE is ${AF.BRIDGE}`, 16);
  }
  const n = decodeNeighbour(msg);
  if (n.lladdr === undefined) throw new ParseError("FDB entry without NDA_LLADDR", 16 + NDMSG_SIZE);
  const e: FdbEntry = {
    mac: n.lladdr,
    ifindex: n.index,
    state: stateName(n.stateBits),
    stateBits: n.stateBits,
    flags: n.flags,
    flagBits: n.flagBits,
    unknown: [],
  };
  if (n.master !== undefined) e.master = n.master;
  if (n.vlan !== undefined) e.vlan = n.vlan;
  if (n.dst !== undefined) e.dst = n.dst;
  if (n.vni !== undefined) e.vni = n.vni;
  if (n.srcVni !== undefined) e.srcVni = n.srcVni;
  if (n.port !== undefined) e.port = n.port;
  if (n.nhId !== undefined) e.nhid = n.nhId;
  if (n.linkNetnsId !== undefined) e.linkNetnsId = n.linkNetnsId;
  if (n.cacheInfo !== undefined) {
    e.used = n.cacheInfo.used;
    e.updated = n.cacheInfo.updated;
  }
  // The neighbour decoder keeps NDA_IFINDEX (a request attribute for IP
  // neighbours) raw; in an FDB entry it is the VXLAN underlay device.
  for (const a of n.unknown) {
    if (a.type === NDA.IFINDEX && e.via === undefined) {
      if (a.value.length < 4) throw new ParseError(`NDA_IFINDEX needs 4 bytes, has ${a.value.length}`, 0);
      e.via = v.u32(a.value);
    } else e.unknown.push(a);
  }
  return withJson(e);
}

/** Filter of {@link listFdb}. */
export interface FdbFilter {
  /** Only entries of this bridge (`bridge fdb show br BR`): its own and its ports'. Applied by the kernel. */
  master?: number;
  /** Only entries on this device (`bridge fdb show dev DEV`). Applied by the kernel, and checked here. */
  index?: number;
  /** Only entries of this VLAN (`bridge fdb show vlan N`); the kernel cannot filter on it, so it is done here. */
  vlan?: number;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

function checkIndex(value: number | undefined, what: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value <= 0 || value > 0x7fffffff) {
    throw new TypeError(`${what} must be a positive interface index, got ${value}`);
  }
}

function checkVlan(vlan: number | undefined): void {
  if (vlan === undefined) return;
  if (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094) throw new TypeError(`vlan must be 1..4094, got ${vlan}`);
}

/**
 * Builds the `RTM_GETNEIGH` dump request of family `AF_BRIDGE`, with the
 * kernel-side filters `NDA_IFINDEX` (device) and `NDA_MASTER` (bridge).
 * The kernel applies them on sockets with strict checking (the default of
 * `NetlinkSocket` for NETLINK_ROUTE).
 *
 * @example
 * ```ts
 * import { encodeFdbDump } from "@nlts/netlink/route";
 * const bytes = encodeFdbDump({ master: 4 });
 * bytes.length; // 36
 * ```
 */
export function encodeFdbDump(filter: Omit<FdbFilter, "signal" | "vlan"> = {}): Uint8Array {
  checkIndex(filter.index, "index");
  checkIndex(filter.master, "master");
  return encodeNeighbourDump({ family: "bridge", index: filter.index, master: filter.master });
}

/**
 * Lists forwarding database entries (`bridge fdb show`): bridge tables,
 * VXLAN tables, and the unicast/multicast address lists of other devices
 * (flag `"self"`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listFdb } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const e of listFdb(sock, { master: 4 })) console.log(e.mac, e.ifindex, e.state, e.dst);
 * ```
 */
export async function* listFdb(
  sock: NetlinkSocket,
  filter: FdbFilter = {},
): AsyncGenerator<FdbEntry, void, undefined> {
  checkVlan(filter.vlan);
  const request = encodeFdbDump(filter);
  for await (const msg of sock.dump(request, { signal: filter.signal })) {
    if (msg.type !== RTM.NEWNEIGH || msg.payload[0] !== AF.BRIDGE) continue;
    const e = decodeFdbEntry(msg);
    if (filter.index !== undefined && e.ifindex !== filter.index) continue;
    if (filter.vlan !== undefined && e.vlan !== filter.vlan) continue;
    yield e;
  }
}

/** What {@link addFdb} and {@link deleteFdb} act on (the arguments of `bridge fdb add`). */
export interface FdbSpec {
  /** Link-layer address; `00:00:00:00:00:00` for the default (flood) entry of a VXLAN device. */
  mac: string;
  /** Interface index of the device: a bridge port, the bridge itself, a VXLAN device. */
  ifindex: number;
  /**
   * `"permanent"` (default, like `bridge fdb add`; on a bridge port with
   * `"master"` this makes a local address of the bridge), `"static"` (a
   * forwarding entry that never ages) or `"dynamic"` (ages like a learned one).
   */
  state?: FdbSpecState;
  /**
   * `"master"`: the entry goes to the bridge the device is a port of;
   * `"self"`: to the device's own table (VXLAN, or the address list of other
   * devices). Neither means `"self"`, as in `bridge fdb add`. Also
   * `"sticky"`, `"extern_learn"`, `"router"` and `"use"`.
   */
  flags?: Array<"self" | "master" | "sticky" | "extern_learn" | "router" | "use">;
  /** VLAN (needs `vlan_filtering` on the bridge). */
  vlan?: number;
  /** Remote VTEP (VXLAN), IPv4 or IPv6. */
  dst?: string;
  /** Remote VNI (VXLAN); default the device's. */
  vni?: number;
  /** Source VNI (VXLAN in collect-metadata mode). */
  srcVni?: number;
  /** Destination UDP port (VXLAN); default the device's. */
  port?: number;
  /** Interface index of the underlay device to reach `dst` through (VXLAN, `via DEV`). */
  via?: number;
  /** Nexthop (group) id (VXLAN, `nhid N`), instead of `dst`. */
  nhid?: number;
}

const SPEC_FLAGS: Record<string, number> = {
  use: 0x01,
  self: 0x02,
  master: 0x04,
  extern_learn: 0x10,
  sticky: 0x40,
  router: 0x80,
};

const SPEC_STATES: Record<FdbSpecState, number> = {
  // The bits `bridge fdb add` sends for each keyword.
  permanent: NUD.PERMANENT | NUD.NOARP,
  static: NUD.REACHABLE | NUD.NOARP,
  dynamic: NUD.REACHABLE,
};

function checkU32(value: number | undefined, what: string, max = 0xffffffff): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`${what} must be 0..${max}, got ${value}`);
  }
}

/**
 * Builds an `RTM_NEWNEIGH` or `RTM_DELNEIGH` request of family `AF_BRIDGE`
 * as `bridge fdb add|del` does. Throws `TypeError` or `AddressError` for bad
 * input.
 *
 * @example
 * ```ts
 * import { encodeFdbRequest } from "@nlts/netlink/route";
 * const bytes = encodeFdbRequest(28, { mac: "00:00:00:00:00:00", ifindex: 5, dst: "10.0.0.2" });
 * bytes.length; // 48
 * ```
 */
export function encodeFdbRequest(type: number, spec: FdbSpec, flags = 0): Uint8Array {
  if (spec === null || typeof spec !== "object") throw new TypeError("an FDB entry needs a spec object");
  if (spec.ifindex === undefined) throw new TypeError("an FDB entry needs an interface index");
  checkIndex(spec.ifindex, "ifindex");
  if (typeof spec.mac !== "string") throw new TypeError("an FDB entry needs a MAC address");
  const mac = v.parseMac(spec.mac);
  if (mac.length !== 6) throw new v.AddressError(`${JSON.stringify(spec.mac)} is not an Ethernet address`);
  const state = SPEC_STATES[spec.state ?? "permanent"];
  if (state === undefined) throw new TypeError(`unknown FDB state ${JSON.stringify(spec.state)}`);
  let ndmFlags = 0;
  for (const f of spec.flags ?? []) {
    const bit = SPEC_FLAGS[f];
    if (bit === undefined) throw new TypeError(`unknown FDB flag ${JSON.stringify(f)}`);
    ndmFlags |= bit;
  }
  if (!(ndmFlags & (SPEC_FLAGS.self | SPEC_FLAGS.master))) ndmFlags |= SPEC_FLAGS.self;
  checkVlan(spec.vlan);
  checkU32(spec.vni, "vni", 0xffffff);
  checkU32(spec.srcVni, "srcVni", 0xffffff);
  checkU32(spec.port, "port", 0xffff);
  checkIndex(spec.via, "via");
  checkU32(spec.nhid, "nhid");
  if (spec.nhid !== undefined && spec.dst !== undefined) {
    throw new TypeError("an FDB entry takes dst or nhid, not both");
  }
  const dst = spec.dst !== undefined ? v.parseIP(spec.dst) : undefined;
  const m = new MessageWriter(type, flags);
  const hdr = m.struct(NDMSG_SIZE);
  hdr.setUint8(0, AF.BRIDGE);
  hdr.setInt32(4, spec.ifindex, true);
  hdr.setUint16(8, state, true);
  hdr.setUint8(10, ndmFlags);
  m.attr(NDA.LLADDR, mac);
  if (dst) m.attr(NDA.DST, dst);
  if (spec.vlan !== undefined) m.u16(NDA.VLAN, spec.vlan);
  if (spec.port !== undefined) m.be16(NDA.PORT, spec.port);
  if (spec.vni !== undefined) m.u32(NDA.VNI, spec.vni);
  if (spec.srcVni !== undefined) m.u32(NDA.SRC_VNI, spec.srcVni);
  if (spec.via !== undefined) m.u32(NDA.IFINDEX, spec.via);
  if (spec.nhid !== undefined) m.u32(NDA.NH_ID, spec.nhid);
  return m.finish();
}

/** Options of {@link addFdb}. */
export interface AddFdbOptions {
  /** Replace an existing entry (`bridge fdb replace`). */
  replace?: boolean;
  /** Add another remote to an existing VXLAN entry, such as the flood list (`bridge fdb append`). */
  append?: boolean;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/**
 * Adds an FDB entry (`bridge fdb add`); fails with `EEXIST` when it exists,
 * unless `replace` or (VXLAN remotes) `append`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addFdb } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * // A static entry on bridge port 3, and a VXLAN flood-list remote on device 5.
 * await addFdb(sock, { mac: "02:00:00:00:00:01", ifindex: 3, flags: ["master"], state: "static" });
 * await addFdb(sock, { mac: "00:00:00:00:00:00", ifindex: 5, dst: "192.0.2.2" }, { append: true });
 * ```
 */
export async function addFdb(sock: NetlinkSocket, spec: FdbSpec, options: AddFdbOptions = {}): Promise<void> {
  const flags = Flags.CREATE | (options.replace ? Flags.REPLACE : options.append ? Flags.APPEND : Flags.EXCL);
  await sock.request(encodeFdbRequest(RTM.NEWNEIGH, spec, flags), { signal: options.signal });
}

/**
 * Deletes an FDB entry (`bridge fdb del`). For a VXLAN entry with several
 * remotes, giving `dst` (and `vni`, `port`, `via`) removes only that remote.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteFdb } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await deleteFdb(sock, { mac: "02:00:00:00:00:01", ifindex: 3, flags: ["master"] });
 * ```
 */
export async function deleteFdb(
  sock: NetlinkSocket,
  spec: FdbSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await sock.request(encodeFdbRequest(RTM.DELNEIGH, spec), options);
}
