/**
 * ipset for nlts (NETLINK_NETFILTER, `NFNL_SUBSYS_IPSET`, protocol 7): the
 * sets iptables rules match with `-m set` (and Kubernetes and fail2ban
 * keep). Create, destroy, flush, rename and swap sets of the common types
 * (hash:ip, hash:net, hash:ip,port, hash:net,iface, bitmap:port,
 * list:set); add, delete and test members with their timeouts, comments
 * and counters; list sets with their members as typed objects
 * ({@link Ipset}). The kernel sends no ipset events, so there is no stream.
 *
 * @example
 * ```ts
 * import { Ipset } from "@nlts/netlink/ipset";
 * await using ipset = await Ipset.open({ netns: "test" });
 * await ipset.create({ name: "blocked", type: "hash:net", timeout: 600, comment: true });
 * await ipset.add("blocked", "198.51.100.0/24", { comment: "scanner" });
 * const [set] = await ipset.list("blocked");
 * console.log(set.members[0].elem, set.members[0].timeout); // "198.51.100.0/24", seconds left (600 at first)
 * ```
 *
 * @module
 */
export {
  CADT_FLAG_NAMES,
  describeIpsetType,
  IPSET_CMD,
  IPSET_ERR,
  IPSET_FAMILY,
  IPSET_FLAG,
  IPSET_MAX_COMMENT_SIZE,
  IPSET_MAXNAMELEN,
  IPSET_PROTOCOL,
  type IpsetFamily,
  NFNL_SUBSYS_IPSET,
} from "./constants.ts";
export {
  ipsetAddrAttrs,
  ipsetAdtDataAttrs,
  ipsetAttributePath,
  ipsetAttrs,
  ipsetCreateDataAttrs,
  ipsetElementAttrs,
  ipsetRenameAttrs,
} from "./schema.ts";
export {
  formatEntry,
  IPSET_TYPES,
  type IpsetEntry,
  type KnownIpsetType,
  parseEntry,
  protoName,
  protoNumber,
} from "./members.ts";
export { decodeIpsetHeader, IpsetListing, type IpsetMember, type IpsetOptions, type IpsetSet } from "./objects.ts";
export { type IpsetCommand, IpsetError, ipsetErrorName, ipsetErrorText } from "./errors.ts";
export {
  Ipset,
  type IpsetAddOptions,
  type IpsetCreateOptions,
  type IpsetCreateSpec,
  type IpsetDelOptions,
  type IpsetListOptions,
  type IpsetMemberInput,
  type IpsetOpenOptions,
} from "./client.ts";
