/**
 * Constants of the netlink wire format, from `linux/netlink.h`.
 *
 * @module
 */

/** Netlink protocol numbers (the third argument of `socket(AF_NETLINK, …)`). */
export const Protocol = {
  ROUTE: 0,
  USERSOCK: 2,
  FIREWALL: 3,
  SOCK_DIAG: 4,
  NFLOG: 5,
  XFRM: 6,
  SELINUX: 7,
  ISCSI: 8,
  AUDIT: 9,
  FIB_LOOKUP: 10,
  CONNECTOR: 11,
  NETFILTER: 12,
  IP6_FW: 13,
  DNRTMSG: 14,
  KOBJECT_UEVENT: 15,
  GENERIC: 16,
  SCSITRANSPORT: 18,
  ECRYPTFS: 19,
  RDMA: 20,
  CRYPTO: 21,
  SMC: 22,
} as const;

/** A protocol's name in lower case, as accepted by `NetlinkSocket.open`. */
export type ProtocolName = Lowercase<keyof typeof Protocol>;

/** Address families (`AF_*`) that netlink headers carry. */
export const AF = { UNSPEC: 0, INET: 2, BRIDGE: 7, INET6: 10, MPLS: 28 } as const;

/** Standard message types below `NLMSG_MIN_TYPE`. */
export const NLMSG_NOOP = 1;
/** Error or acknowledgement (`struct nlmsgerr`). */
export const NLMSG_ERROR = 2;
/** End of a multipart message. */
export const NLMSG_DONE = 3;
/** Data lost. */
export const NLMSG_OVERRUN = 4;
/** First type a family may use. */
export const NLMSG_MIN_TYPE = 0x10;

/** `nlmsg_flags` bits. The meaning of 0x100–0x800 depends on the request kind. */
export const Flags = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  // NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // DELETE requests
  NONREC: 0x100,
  BULK: 0x200,
  // ACK messages
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** Size of `struct nlmsghdr`. */
export const NLMSG_HDRLEN = 16;
/** Size of `struct nlattr`. */
export const NLA_HDRLEN = 4;
/** Attribute type bit: the payload is a nested attribute list. */
export const NLA_F_NESTED = 0x8000;
/** Attribute type bit: the payload is in network byte order. */
export const NLA_F_NET_BYTEORDER = 0x4000;
/** Mask of the attribute type proper. */
export const NLA_TYPE_MASK = 0x3fff;

/** `NLMSGERR_ATTR_*`: extended-ACK attributes after an error or DONE. */
export const NLMSGERR_ATTR = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

/** Socket option level and options (`SOL_NETLINK`, `NETLINK_*`). */
export const SOL_NETLINK = 270;
/** `NETLINK_*` socket options. */
export const SockOpt = {
  ADD_MEMBERSHIP: 1,
  DROP_MEMBERSHIP: 2,
  PKTINFO: 3,
  BROADCAST_ERROR: 4,
  NO_ENOBUFS: 5,
  LISTEN_ALL_NSID: 8,
  LIST_MEMBERSHIPS: 9,
  CAP_ACK: 10,
  EXT_ACK: 11,
  GET_STRICT_CHK: 12,
} as const;

/** 4-byte alignment of netlink headers and attributes. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}
