/**
 * rtnetlink messages as schema sets (`src/wire/schema.ts`): the top-level
 * attributes of links (`IFLA_*`), addresses (`IFA_*`) and routes (`RTA_*`,
 * with `RTA_MULTIPATH` walked entry by entry), and which set and fixed
 * header each `RTM_*` message type has. {@link rtmAttributePath} names the
 * attribute an extended ACK points at in any rtnetlink request:
 * `IFLA_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID`, `RTA_MULTIPATH[1].RTA_GATEWAY`.
 *
 * The route and address decoders read their sets (`routeAttrs`,
 * `addressAttrs`, defined next to them); the link decoder still reads its
 * attributes with a cursor switch; `linkAttrs` describes the same wire format.
 *
 * @module
 */
import { NLA_HDRLEN } from "../wire/constants.ts";
import { type AttrSet, defineAttrSet, type MessageSchema, requestAttributePath } from "../wire/schema.ts";
import { addressAttrs } from "./address.ts";
import { RTM } from "./constants.ts";
import { linkinfoAttrs } from "./linkinfo/mod.ts";
import { neighbourAttrs } from "./neighbour.ts";
import { nexthopAttrs } from "./nexthop.ts";
import { nsidAttrs } from "./nsid.ts";
import { routeAttrs } from "./route.ts";
import { ruleAttrs } from "./rule.ts";

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

/** The `IFA_*` attributes (defined in `address.ts`, next to the address decoder that reads them). */
export { addressAttrs };

/** The `RTA_*` attributes (defined in `route.ts`, next to the route decoder that reads them). */
export { routeAttrs };

const LINK: MessageSchema = { headerSize: 16, attributes: LINK_ATTRS };
const ADDRESS: MessageSchema = { headerSize: 8, attributes: addressAttrs };
const ROUTE: MessageSchema = { headerSize: 12, attributes: routeAttrs };
const NEIGHBOUR: MessageSchema = { headerSize: 12, attributes: neighbourAttrs };
const RULE: MessageSchema = { headerSize: 12, attributes: ruleAttrs };
const NSID: MessageSchema = { headerSize: 4, attributes: nsidAttrs };
const NEXTHOP: MessageSchema = { headerSize: 8, attributes: nexthopAttrs };

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
