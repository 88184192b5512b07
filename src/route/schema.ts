/**
 * rtnetlink messages as schema sets (`src/wire/schema.ts`): the top-level
 * attributes of links (`IFLA_*`), addresses (`IFA_*`) and routes (`RTA_*`,
 * with `RTA_MULTIPATH` walked entry by entry), and which set and fixed
 * header each `RTM_*` message type has. {@link rtmAttributePath} names the
 * attribute an extended ACK points at in any rtnetlink request:
 * `IFLA_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID`, `RTA_MULTIPATH[1].RTA_GATEWAY`.
 *
 * The link, address and route decoders read these sets (`linkAttrs`,
 * `addressAttrs`, `routeAttrs`, defined next to each decoder).
 *
 * @module
 */
import { NLA_HDRLEN } from "../wire/constants.ts";
import { type MessageSchema, requestAttributePath } from "../wire/schema.ts";
import { addressAttrs } from "./address.ts";
import { RTM } from "./constants.ts";
import { linkAttrs } from "./link.ts";
import { neighbourAttrs } from "./neighbour.ts";
import { nexthopAttrs } from "./nexthop.ts";
import { nsidAttrs } from "./nsid.ts";
import { netconfAttrs } from "./netconf.ts";
import { routeAttrs } from "./route.ts";
import { ruleAttrs } from "./rule.ts";
import { tcAttrs } from "../tc/schema.ts";

/** The `IFLA_*` attributes (defined in `link.ts`, next to the link decoder that reads them). */
export { linkAttrs };

/** The `IFA_*` attributes (defined in `address.ts`, next to the address decoder that reads them). */
export { addressAttrs };

/** The `RTA_*` attributes (defined in `route.ts`, next to the route decoder that reads them). */
export { routeAttrs };

const LINK: MessageSchema = { headerSize: 16, attributes: linkAttrs };
const ADDRESS: MessageSchema = { headerSize: 8, attributes: addressAttrs };
const ROUTE: MessageSchema = { headerSize: 12, attributes: routeAttrs };
const NEIGHBOUR: MessageSchema = { headerSize: 12, attributes: neighbourAttrs };
const RULE: MessageSchema = { headerSize: 12, attributes: ruleAttrs };
const NSID: MessageSchema = { headerSize: 4, attributes: nsidAttrs };
const NETCONF: MessageSchema = { headerSize: 4, attributes: netconfAttrs };
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
  [RTM.NEWNETCONF]: NETCONF,
  [RTM.DELNETCONF]: NETCONF,
  [RTM.GETNETCONF]: NETCONF,
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
  [RTM.NEWCHAIN]: TC,
  [RTM.DELCHAIN]: TC,
  [RTM.GETCHAIN]: TC,
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
