/**
 * The hand-written link decoder (a cursor switch) as it was before links
 * moved onto the schema (`src/route/link.ts` at 5f80a62), kept only so that
 * `bench/decode_ab.ts` can time the schema decoder against it.
 */
import { AttrCursor } from "../../src/wire/attrs.ts";
import { ParseError } from "../../src/wire/errors.ts";
import type { NetlinkMessage } from "../../src/wire/message.ts";
import * as v from "../../src/wire/values.ts";
import {
  ADDR_GEN_MODES,
  ARPHRD,
  IFLA,
  type Link,
  LINK_MODES,
  linkFlagNames,
  type LinkStats64,
  OPERSTATES,
} from "../../src/route/link.ts";
import { decodeLinkInfo, IFINFOMSG_LEN, readFieldAt } from "../../src/route/linkinfo/mod.ts";
function decodeStats64(bytes: Uint8Array, start: number, end: number): LinkStats64 {
  const required = 24 * 8;
  if (end - start < required) throw new ParseError(`IFLA_STATS64 of ${end - start} bytes, needs ${required}`, 0);
  const at = (i: number) => v.u64nAt(bytes, start + i * 8);
  // Written out in the order of the struct rather than looped over names: a
  // literal builds the object in one step, keyed stores one property at a time.
  const out: LinkStats64 = {
    rxPackets: at(0),
    txPackets: at(1),
    rxBytes: at(2),
    txBytes: at(3),
    rxErrors: at(4),
    txErrors: at(5),
    rxDropped: at(6),
    txDropped: at(7),
    multicast: at(8),
    collisions: at(9),
    rxLengthErrors: at(10),
    rxOverErrors: at(11),
    rxCrcErrors: at(12),
    rxFrameErrors: at(13),
    rxFifoErrors: at(14),
    rxMissedErrors: at(15),
    txAbortedErrors: at(16),
    txCarrierErrors: at(17),
    txFifoErrors: at(18),
    txHeartbeatErrors: at(19),
    txWindowErrors: at(20),
    rxCompressed: at(21),
    txCompressed: at(22),
    rxNohandler: at(23),
  };
  if (end - start >= 25 * 8) out.rxOtherhostDropped = at(24);
  return out;
}
function setLinkField(link: Link, c: AttrCursor): boolean {
  switch (c.type) {
    case IFLA.IFNAME:
      link.name = c.str();
      return true;
    case IFLA.MTU:
      link.mtu = c.u32();
      return true;
    case IFLA.MIN_MTU:
      link.minMtu = c.u32();
      return true;
    case IFLA.MAX_MTU:
      link.maxMtu = c.u32();
      return true;
    case IFLA.QDISC:
      link.qdisc = c.str();
      return true;
    case IFLA.TXQLEN:
      link.txqlen = c.u32();
      return true;
    case IFLA.GROUP:
      link.group = c.u32();
      return true;
    case IFLA.MASTER:
      link.master = c.u32();
      return true;
    case IFLA.LINK:
      link.link = c.u32();
      return true;
    case IFLA.LINK_NETNSID:
      link.linkNetnsid = c.s32();
      return true;
    case IFLA.TARGET_NETNSID:
      link.netnsid = c.s32();
      return true;
    case IFLA.PROMISCUITY:
      link.promiscuity = c.u32();
      return true;
    case IFLA.ALLMULTI:
      link.allmulti = c.u32();
      return true;
    case IFLA.IFALIAS:
      link.alias = c.str();
      return true;
    case IFLA.GSO_MAX_SIZE:
      link.gsoMaxSize = c.u32();
      return true;
    case IFLA.GSO_MAX_SEGS:
      link.gsoMaxSegs = c.u32();
      return true;
    case IFLA.GRO_MAX_SIZE:
      link.groMaxSize = c.u32();
      return true;
    case IFLA.TSO_MAX_SIZE:
      link.tsoMaxSize = c.u32();
      return true;
    case IFLA.TSO_MAX_SEGS:
      link.tsoMaxSegs = c.u32();
      return true;
    case IFLA.GSO_IPV4_MAX_SIZE:
      link.gsoIpv4MaxSize = c.u32();
      return true;
    case IFLA.GRO_IPV4_MAX_SIZE:
      link.groIpv4MaxSize = c.u32();
      return true;
    case IFLA.NUM_TX_QUEUES:
      link.numTxQueues = c.u32();
      return true;
    case IFLA.NUM_RX_QUEUES:
      link.numRxQueues = c.u32();
      return true;
    case IFLA.CARRIER:
      link.carrier = c.u8() !== 0;
      return true;
    case IFLA.CARRIER_CHANGES:
      link.carrierChanges = c.u32();
      return true;
    case IFLA.CARRIER_UP_COUNT:
      link.carrierUpCount = c.u32();
      return true;
    case IFLA.CARRIER_DOWN_COUNT:
      link.carrierDownCount = c.u32();
      return true;
    case IFLA.PROTO_DOWN:
      link.protoDown = c.u8() !== 0;
      return true;
    case IFLA.PHYS_PORT_NAME:
      link.physPortName = c.str();
      return true;
    case IFLA.PARENT_DEV_NAME:
      link.parentDevName = c.str();
      return true;
    case IFLA.PARENT_DEV_BUS_NAME:
      link.parentDevBusName = c.str();
      return true;
    case IFLA.NUM_VF:
      link.numVf = c.u32();
      return true;
    case IFLA.MAX_PACING_OFFLOAD_HORIZON:
      link.maxPacingOffloadHorizon = readFieldAt("u64", c) as number;
      return true;
    case IFLA.NETNS_IMMUTABLE:
      link.netnsImmutable = c.u8() !== 0;
      return true;
    case IFLA.HEADROOM:
      link.headroom = c.u16();
      return true;
    case IFLA.TAILROOM:
      link.tailroom = c.u16();
      return true;
    case IFLA.EVENT:
      link.event = c.u32();
      return true;
    case IFLA.NEW_NETNSID:
      link.newNetnsid = c.s32();
      return true;
    case IFLA.NEW_IFINDEX:
      link.newIfindex = c.s32();
      return true;
    default:
      return false;
  }
}

/** Decoded by hand below, or dropped on purpose (the 32-bit stats duplicate the 64-bit ones; padding). */
const HANDLED: readonly number[] = [
  IFLA.ADDRESS,
  IFLA.BROADCAST,
  IFLA.PERM_ADDRESS,
  IFLA.OPERSTATE,
  IFLA.LINKMODE,
  IFLA.STATS64,
  IFLA.STATS,
  IFLA.PAD,
  IFLA.LINKINFO,
  IFLA.PROP_LIST,
  IFLA.PHYS_PORT_ID,
  IFLA.PHYS_SWITCH_ID,
];

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** The first attribute of `type` in `bytes[from, to)` as `[start, end]`; the whole list is checked. */
function findAttr(bytes: Uint8Array, from: number, to: number, type: number): [number, number] | undefined {
  const c = new AttrCursor(bytes, from, to);
  let found: [number, number] | undefined;
  while (c.next()) if (c.type === type && found === undefined) found = [c.start, c.end];
  return found;
}

function inet6AddrGenMode(bytes: Uint8Array, start: number, end: number): string | undefined {
  const inet6 = findAttr(bytes, start, end, 10 /* AF_INET6 */);
  if (!inet6) return undefined;
  const mode = findAttr(bytes, inet6[0], inet6[1], 8 /* IFLA_INET6_ADDR_GEN_MODE */);
  if (!mode) return undefined;
  if (mode[1] - mode[0] < 1) throw new ParseError("IFLA_INET6_ADDR_GEN_MODE: u8 needs 1 bytes, has 0", 0);
  const m = bytes[mode[0]];
  return ADDR_GEN_MODES[m] ?? String(m);
}

/** Attribute types {@link decodeLink} reads after the pass or drops on purpose, by type. */
const IS_HANDLED: boolean[] = [];
for (const t of HANDLED) IS_HANDLED[t] = true;
/** Attributes read after the pass (the first of each type counts): slot by type. */
const LATER = [
  IFLA.ADDRESS,
  IFLA.BROADCAST,
  IFLA.PERM_ADDRESS,
  IFLA.OPERSTATE,
  IFLA.LINKMODE,
  IFLA.STATS64,
  IFLA.PHYS_PORT_ID,
  IFLA.PHYS_SWITCH_ID,
  IFLA.PROP_LIST,
  IFLA.LINKINFO,
  IFLA.AF_SPEC,
] as const;
const SLOT: number[] = [];
LATER.forEach((t, i) => (SLOT[t] = i));

/**
 * Decodes an `RTM_NEWLINK` / `RTM_DELLINK` message. Lengths are never
 * trusted: a short header, an attribute running past the end or a value of
 * the wrong size is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * import { decodeLink, RTM } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(RTM.GETLINK, Flags.DUMP);
 * req.struct(16);
 * for await (const msg of sock.dump(req.finish())) console.log(decodeLink(msg).name);
 * ```
 */
export function decodeLinkHand(msg: NetlinkMessage): Link {
  const p = msg.payload;
  if (p.length < IFINFOMSG_LEN) {
    throw new ParseError(`ifinfomsg needs ${IFINFOMSG_LEN} bytes, message has ${p.length}`, 16);
  }
  const u32At = (i: number) => (p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24)) >>> 0;
  const rawFlags = u32At(8);
  const hwType = p[2] | (p[3] << 8);
  const link: Link = {
    index: u32At(4) | 0,
    name: "",
    family: p[0],
    hwType,
    linkType: ARPHRD[hwType],
    flags: linkFlagNames(rawFlags),
    rawFlags,
    change: u32At(12),
    altNames: [],
    unknown: [],
  };
  if (link.linkType === undefined) delete link.linkType;
  // One pass with a cursor (no view per attribute): fields go on in wire
  // order, unknown attributes are copied, and the payload offsets of those
  // read afterwards are kept (the first of each type, as `Attrs.get` gives).
  const starts: number[] = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
  const ends: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  let copy: Uint8Array | undefined;
  const c = new AttrCursor(p, IFINFOMSG_LEN, p.length, 16 + IFINFOMSG_LEN);
  while (c.next()) {
    const t = c.type;
    try {
      if (setLinkField(link, c)) continue;
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(`IFLA attribute ${t}: ${e.message}`, 0);
      throw e;
    }
    const slot = SLOT[t];
    if (slot !== undefined && starts[slot] < 0) {
      starts[slot] = c.start;
      ends[slot] = c.end;
    }
    if (IS_HANDLED[t] !== true) {
      // Unknown attributes are kept as copies, so that they do not pin the
      // datagram; one copy of the payload serves all of them.
      copy ??= p.slice();
      link.unknown.push({ type: t, value: copy.subarray(c.start, c.end) });
    }
  }
  const has = (t: number) => starts[SLOT[t]] >= 0;
  const start = (t: number) => starts[SLOT[t]];
  const end = (t: number) => ends[SLOT[t]];
  const u8 = (t: number) => {
    if (end(t) - start(t) < 1) throw new ParseError(`attribute ${t}: u8 needs 1 bytes, has 0`, 0);
    return p[start(t)];
  };
  if (has(IFLA.ADDRESS)) link.address = v.macAt(p, start(IFLA.ADDRESS), end(IFLA.ADDRESS));
  if (has(IFLA.BROADCAST)) link.broadcast = v.macAt(p, start(IFLA.BROADCAST), end(IFLA.BROADCAST));
  if (has(IFLA.PERM_ADDRESS)) link.permAddress = v.macAt(p, start(IFLA.PERM_ADDRESS), end(IFLA.PERM_ADDRESS));
  if (has(IFLA.OPERSTATE)) {
    const oper = u8(IFLA.OPERSTATE);
    link.operstate = OPERSTATES[oper] ?? String(oper);
  }
  if (has(IFLA.LINKMODE)) {
    const mode = u8(IFLA.LINKMODE);
    link.linkMode = LINK_MODES[mode] ?? String(mode);
  }
  if (has(IFLA.STATS64)) link.stats64 = decodeStats64(p, start(IFLA.STATS64), end(IFLA.STATS64));
  if (has(IFLA.PHYS_PORT_ID)) link.physPortId = hex(p.subarray(start(IFLA.PHYS_PORT_ID), end(IFLA.PHYS_PORT_ID)));
  if (has(IFLA.PHYS_SWITCH_ID)) {
    link.physSwitchId = hex(p.subarray(start(IFLA.PHYS_SWITCH_ID), end(IFLA.PHYS_SWITCH_ID)));
  }
  if (has(IFLA.PROP_LIST)) {
    const props = new AttrCursor(p, start(IFLA.PROP_LIST), end(IFLA.PROP_LIST));
    while (props.next()) if (props.type === IFLA.ALT_IFNAME) link.altNames.push(props.str());
  }
  if (has(IFLA.LINKINFO)) link.linkinfo = decodeLinkInfo(p.subarray(start(IFLA.LINKINFO), end(IFLA.LINKINFO)));
  if (has(IFLA.AF_SPEC)) {
    const mode6 = inet6AddrGenMode(p, start(IFLA.AF_SPEC), end(IFLA.AF_SPEC));
    if (mode6 !== undefined) link.inet6AddrGenMode = mode6;
  }
  return link;
}
