/**
 * rtnetlink messages as schema sets (`src/wire/schema.ts`): the top-level
 * attributes of links (`IFLA_*`), addresses (`IFA_*`) and routes (`RTA_*`,
 * with `RTA_MULTIPATH` walked entry by entry), and which set and fixed
 * header each `RTM_*` message type has. {@link rtmAttributePath} names the
 * attribute an extended ACK points at in any rtnetlink request:
 * `IFLA_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID`, `RTA_MULTIPATH[1].RTA_GATEWAY`.
 *
 * The link, address and route decoders still read these attributes with
 * their own cursor switches; the sets here describe the same wire format.
 *
 * @module
 */
import { NLA_HDRLEN } from "../wire/constants.ts";
import {
  attributePathName,
  type AttrSet,
  type Codec,
  defineAttrSet,
  type MessageSchema,
  requestAttributePath,
} from "../wire/schema.ts";
import { RTM } from "./constants.ts";
import { linkinfoAttrs } from "./linkinfo/mod.ts";
import { neighbourAttrs } from "./neighbour.ts";
import { nexthopAttrs } from "./nexthop.ts";
import { nsidAttrs } from "./nsid.ts";
import { ruleAttrs } from "./rule.ts";
import { tcAttrs } from "../tc/schema.ts";

const LINK_ATTRS = defineAttrSet({
  name: "link",
  prefix: "IFLA_",
  attributes: {
    address: { id: 1, type: "mac" },
    broadcast: { id: 2, type: "mac" },
    ifname: { id: 3, type: "string" },
    mtu: { id: 4, type: "u32" },
    link: { id: 5, type: "u32" },
    qdisc: { id: 6, type: "string" },
    stats: { id: 7, type: "binary" },
    master: { id: 10, type: "u32" },
    protinfo: { id: 12, type: "binary" },
    txqlen: { id: 13, type: "u32" },
    map: { id: 14, type: "binary" },
    operstate: { id: 16, type: "u8" },
    linkmode: { id: 17, type: "u8" },
    linkinfo: { id: 18, type: "nest", nested: linkinfoAttrs },
    netNsPid: { id: 19, type: "u32" },
    ifalias: { id: 20, type: "string" },
    numVf: { id: 21, type: "u32" },
    stats64: { id: 23, type: "binary" },
    afSpec: { id: 26, type: "binary" },
    group: { id: 27, type: "u32" },
    netNsFd: { id: 28, type: "u32" },
    extMask: { id: 29, type: "u32" },
    promiscuity: { id: 30, type: "u32" },
    numTxQueues: { id: 31, type: "u32" },
    numRxQueues: { id: 32, type: "u32" },
    carrier: { id: 33, type: "u8" },
    physPortId: { id: 34, type: "binary" },
    carrierChanges: { id: 35, type: "u32" },
    physSwitchId: { id: 36, type: "binary" },
    linkNetnsid: { id: 37, type: "s32" },
    physPortName: { id: 38, type: "string" },
    protoDown: { id: 39, type: "u8" },
    gsoMaxSegs: { id: 40, type: "u32" },
    gsoMaxSize: { id: 41, type: "u32" },
    pad: { id: 42, type: "pad" },
    xdp: { id: 43, type: "binary" },
    event: { id: 44, type: "u32" },
    newNetnsid: { id: 45, type: "s32" },
    targetNetnsid: { id: 46, type: "s32" },
    carrierUpCount: { id: 47, type: "u32" },
    carrierDownCount: { id: 48, type: "u32" },
    newIfindex: { id: 49, type: "s32" },
    minMtu: { id: 50, type: "u32" },
    maxMtu: { id: 51, type: "u32" },
    propList: { id: 52, type: "binary" },
    altIfname: { id: 53, type: "string", "multi-attr": true },
    permAddress: { id: 54, type: "mac" },
    protoDownReason: { id: 55, type: "binary" },
    parentDevName: { id: 56, type: "string" },
    parentDevBusName: { id: 57, type: "string" },
    groMaxSize: { id: 58, type: "u32" },
    tsoMaxSize: { id: 59, type: "u32" },
    tsoMaxSegs: { id: 60, type: "u32" },
    allmulti: { id: 61, type: "u32" },
    devlinkPort: { id: 62, type: "binary" },
    gsoIpv4MaxSize: { id: 63, type: "u32" },
    groIpv4MaxSize: { id: 64, type: "u32" },
    dpllPin: { id: 65, type: "binary" },
    maxPacingOffloadHorizon: { id: 66, type: "uint", as: "number" },
    netnsImmutable: { id: 67, type: "u8" },
    headroom: { id: 68, type: "u16" },
    tailroom: { id: 69, type: "u16" },
  },
});

/** The `IFLA_*` attributes of a link message (after `struct ifinfomsg`). */
export const linkAttrs: AttrSet = LINK_ATTRS;

const ADDRESS_ATTRS = defineAttrSet({
  name: "address",
  prefix: "IFA_",
  attributes: {
    address: { id: 1, type: "ip" },
    local: { id: 2, type: "ip" },
    label: { id: 3, type: "string" },
    broadcast: { id: 4, type: "ip" },
    anycast: { id: 5, type: "ip" },
    cacheinfo: { id: 6, type: "binary" },
    multicast: { id: 7, type: "ip" },
    flags: { id: 8, type: "u32" },
    rtPriority: { id: 9, type: "u32" },
    targetNetnsid: { id: 10, type: "s32" },
    proto: { id: 11, type: "u8" },
  },
});

/** The `IFA_*` attributes of an address message (after `struct ifaddrmsg`). */
export const addressAttrs: AttrSet = ADDRESS_ATTRS;

/** Size of `struct rtnexthop` (len, flags, hops, ifindex). */
const RTNH_SIZE = 8;

/**
 * `RTA_MULTIPATH`: `struct rtnexthop` entries, each followed by its own
 * `RTA_*` attributes (gateway, encap, flow…). Kept whole when decoded; in
 * extended-ACK paths, the entry and the attribute in it: `[1].RTA_GATEWAY`.
 */
const MULTIPATH: Codec<Uint8Array> = {
  decode: (bytes) => bytes.slice(),
  pathAt(bytes, offset) {
    let at = 0;
    for (let i = 0; bytes.length - at >= RTNH_SIZE; i++) {
      const len = bytes[at] | (bytes[at + 1] << 8);
      if (len < RTNH_SIZE || len > bytes.length - at) return undefined;
      const next = at + ((len + 3) & ~3);
      if (offset >= at && offset < next) {
        if (offset < at + RTNH_SIZE) return `[${i}]`;
        const inner = attributePathName(routeAttrs, bytes.subarray(at + RTNH_SIZE, at + len), offset - at - RTNH_SIZE);
        return inner === undefined ? `[${i}]` : `[${i}].${inner}`;
      }
      at = next;
    }
    return undefined;
  },
};

/** The `RTA_*` attributes of a route message (after `struct rtmsg`), and of each `RTA_MULTIPATH` entry. */
export const routeAttrs: AttrSet = defineAttrSet({
  name: "route",
  prefix: "RTA_",
  attributes: {
    dst: { id: 1, type: "ip" },
    src: { id: 2, type: "ip" },
    iif: { id: 3, type: "u32" },
    oif: { id: 4, type: "u32" },
    gateway: { id: 5, type: "ip" },
    priority: { id: 6, type: "u32" },
    prefsrc: { id: 7, type: "ip" },
    metrics: { id: 8, type: "binary" },
    multipath: { id: 9, type: "binary", codec: MULTIPATH },
    flow: { id: 11, type: "u32" },
    cacheinfo: { id: 12, type: "binary" },
    table: { id: 15, type: "u32" },
    mark: { id: 16, type: "u32" },
    mfcStats: { id: 17, type: "binary" },
    via: { id: 18, type: "binary" },
    newdst: { id: 19, type: "binary" },
    pref: { id: 20, type: "u8" },
    encapType: { id: 21, type: "u16" },
    encap: { id: 22, type: "binary" },
    expires: { id: 23, type: "u32" },
    pad: { id: 24, type: "pad" },
    uid: { id: 25, type: "u32" },
    ttlPropagate: { id: 26, type: "u8" },
    ipProto: { id: 27, type: "u8" },
    sport: { id: 28, type: "u16", "byte-order": "big-endian" },
    dport: { id: 29, type: "u16", "byte-order": "big-endian" },
    nhId: { id: 30, type: "u32" },
    flowlabel: { id: 31, type: "u32", "byte-order": "big-endian" },
  },
});

const LINK: MessageSchema = { headerSize: 16, attributes: LINK_ATTRS };
const ADDRESS: MessageSchema = { headerSize: 8, attributes: ADDRESS_ATTRS };
const ROUTE: MessageSchema = { headerSize: 12, attributes: routeAttrs };
const NEIGHBOUR: MessageSchema = { headerSize: 12, attributes: neighbourAttrs };
const RULE: MessageSchema = { headerSize: 12, attributes: ruleAttrs };
const NSID: MessageSchema = { headerSize: 4, attributes: nsidAttrs };
const NEXTHOP: MessageSchema = { headerSize: 8, attributes: nexthopAttrs };
const TC: MessageSchema = { headerSize: 20, attributes: tcAttrs };

/** The fixed header and attribute set of each rtnetlink message type this library sends. */
export const RTM_MESSAGES: { readonly [type: number]: MessageSchema } = {
  [RTM.NEWLINK]: LINK,
  [RTM.DELLINK]: LINK,
  [RTM.GETLINK]: LINK,
  [RTM.SETLINK]: LINK,
  [RTM.NEWADDR]: ADDRESS,
  [RTM.DELADDR]: ADDRESS,
  [RTM.GETADDR]: ADDRESS,
  [RTM.NEWROUTE]: ROUTE,
  [RTM.DELROUTE]: ROUTE,
  [RTM.GETROUTE]: ROUTE,
  [RTM.NEWNEIGH]: NEIGHBOUR,
  [RTM.DELNEIGH]: NEIGHBOUR,
  [RTM.GETNEIGH]: NEIGHBOUR,
  [RTM.NEWRULE]: RULE,
  [RTM.DELRULE]: RULE,
  [RTM.GETRULE]: RULE,
  [RTM.NEWNSID]: NSID,
  [RTM.DELNSID]: NSID,
  [RTM.GETNSID]: NSID,
  [RTM.NEWNEXTHOP]: NEXTHOP,
  [RTM.DELNEXTHOP]: NEXTHOP,
  [RTM.GETNEXTHOP]: NEXTHOP,
  [RTM.NEWQDISC]: TC,
  [RTM.DELQDISC]: TC,
  [RTM.GETQDISC]: TC,
  [RTM.NEWTCLASS]: TC,
  [RTM.DELTCLASS]: TC,
  [RTM.GETTCLASS]: TC,
  [RTM.NEWTFILTER]: TC,
  [RTM.DELTFILTER]: TC,
  [RTM.GETTFILTER]: TC,
};

/**
 * The uapi path of the attribute an extended-ACK `offset` points at in an
 * rtnetlink `request` (the whole message, from its `nlmsghdr`), or
 * undefined when the message type or the offset is not known. Pass it as
 * `describeAttribute` when opening a socket so that {@link NetlinkError}s
 * carry it in `extAck.path`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { rtmAttributePath, rtmName } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route", {
 *   describeType: rtmName,
 *   describeAttribute: rtmAttributePath,
 * });
 * ```
 */
export function rtmAttributePath(request: Uint8Array, offset: number): string | undefined {
  if (request.length < 16 + NLA_HDRLEN) return undefined;
  const message = RTM_MESSAGES[request[4] | (request[5] << 8)];
  return message ? requestAttributePath(message, request, offset) : undefined;
}
