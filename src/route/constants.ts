/**
 * NETLINK_ROUTE message types and multicast groups, from `linux/rtnetlink.h`.
 *
 * @module
 */

/** `RTM_*` message types. */
export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
  NEWRULE: 32,
  DELRULE: 33,
  GETRULE: 34,
  NEWQDISC: 36,
  DELQDISC: 37,
  GETQDISC: 38,
  NEWTCLASS: 40,
  DELTCLASS: 41,
  GETTCLASS: 42,
  NEWTFILTER: 44,
  DELTFILTER: 45,
  GETTFILTER: 46,
  NEWACTION: 48,
  DELACTION: 49,
  GETACTION: 50,
  NEWPREFIX: 52,
  GETMULTICAST: 58,
  GETANYCAST: 62,
  NEWNEIGHTBL: 64,
  GETNEIGHTBL: 66,
  SETNEIGHTBL: 67,
  NEWNDUSEROPT: 68,
  NEWADDRLABEL: 72,
  DELADDRLABEL: 73,
  GETADDRLABEL: 74,
  GETDCB: 78,
  SETDCB: 79,
  NEWNETCONF: 80,
  DELNETCONF: 81,
  GETNETCONF: 82,
  NEWMDB: 84,
  DELMDB: 85,
  GETMDB: 86,
  NEWNSID: 88,
  DELNSID: 89,
  GETNSID: 90,
  NEWSTATS: 92,
  GETSTATS: 94,
  SETSTATS: 95,
  NEWCACHEREPORT: 96,
  NEWCHAIN: 100,
  DELCHAIN: 101,
  GETCHAIN: 102,
  NEWNEXTHOP: 104,
  DELNEXTHOP: 105,
  GETNEXTHOP: 106,
  NEWLINKPROP: 108,
  DELLINKPROP: 109,
  GETLINKPROP: 110,
  NEWVLAN: 112,
  DELVLAN: 113,
  GETVLAN: 114,
  NEWNEXTHOPBUCKET: 116,
  DELNEXTHOPBUCKET: 117,
  GETNEXTHOPBUCKET: 118,
  NEWTUNNEL: 120,
  DELTUNNEL: 121,
  GETTUNNEL: 122,
} as const;

/** Readable name of an `RTM_*` type (`"RTM_NEWLINK"`), for error messages. */
export function rtmName(type: number): string | undefined {
  for (const [name, value] of Object.entries(RTM)) if (value === type) return `RTM_${name}`;
  return undefined;
}

/** `RTNLGRP_*` multicast group numbers (join with `NetlinkSocket.join`). */
export const RTNLGRP = {
  LINK: 1,
  NOTIFY: 2,
  NEIGH: 3,
  TC: 4,
  IPV4_IFADDR: 5,
  IPV4_MROUTE: 6,
  IPV4_ROUTE: 7,
  IPV4_RULE: 8,
  IPV6_IFADDR: 9,
  IPV6_MROUTE: 10,
  IPV6_ROUTE: 11,
  IPV6_IFINFO: 12,
  DECNET_IFADDR: 13,
  DECNET_ROUTE: 15,
  DECNET_RULE: 16,
  IPV6_PREFIX: 18,
  IPV6_RULE: 19,
  ND_USEROPT: 20,
  PHONET_IFADDR: 21,
  PHONET_ROUTE: 22,
  DCB: 23,
  IPV4_NETCONF: 24,
  IPV6_NETCONF: 25,
  MDB: 26,
  MPLS_ROUTE: 27,
  NSID: 28,
  MPLS_NETCONF: 29,
  IPV4_MROUTE_R: 30,
  IPV6_MROUTE_R: 31,
  NEXTHOP: 32,
  BRVLAN: 33,
  MCTP_IFADDR: 34,
  TUNNEL: 35,
  STATS: 36,
} as const;

/** A multicast group name, lower case (`"link"`, `"ipv4_route"`…). */
export type RtnlGroupName = Lowercase<keyof typeof RTNLGRP>;

/** Address families used in rtnetlink headers. */
export { AF } from "../wire/constants.ts";
import { AF } from "../wire/constants.ts";

/**
 * `AF_INET` or `AF_INET6` for a family filter, `AF_UNSPEC` (both) for none;
 * anything else is a `TypeError`, before a request is sent.
 *
 * @example
 * ```ts
 * import { ipFamilyNumber } from "./constants.ts";
 * ipFamilyNumber("inet6"); // 10
 * ```
 */
export function ipFamilyNumber(family: "inet" | "inet6" | undefined): number {
  if (family === undefined) return AF.UNSPEC;
  if (family === "inet") return AF.INET;
  if (family === "inet6") return AF.INET6;
  throw new TypeError(`family must be "inet" or "inet6", got ${JSON.stringify(family)}`);
}

/** `rtm_type` values. */
export const RouteType = {
  UNSPEC: 0,
  UNICAST: 1,
  LOCAL: 2,
  BROADCAST: 3,
  ANYCAST: 4,
  MULTICAST: 5,
  BLACKHOLE: 6,
  UNREACHABLE: 7,
  PROHIBIT: 8,
  THROW: 9,
  NAT: 10,
  XRESOLVE: 11,
} as const;

/** `rtm_protocol` values iproute2 names (`/etc/iproute2/rt_protos` defaults). */
export const RouteProtocol = {
  UNSPEC: 0,
  REDIRECT: 1,
  KERNEL: 2,
  BOOT: 3,
  STATIC: 4,
  GATED: 8,
  RA: 9,
  MRT: 10,
  ZEBRA: 11,
  BIRD: 12,
  DNROUTED: 13,
  XORP: 14,
  NTK: 15,
  DHCP: 16,
  MROUTED: 17,
  KEEPALIVED: 18,
  BABEL: 42,
  OPENR: 99,
  BGP: 186,
  ISIS: 187,
  OSPF: 188,
  RIP: 189,
  EIGRP: 192,
} as const;

/** `rtm_scope` / `ifa_scope` values. */
export const Scope = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 } as const;

/** Well-known routing table ids. */
export const Table = { UNSPEC: 0, COMPAT: 252, DEFAULT: 253, MAIN: 254, LOCAL: 255 } as const;
