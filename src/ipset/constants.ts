/**
 * ipset's protocol numbers, from `linux/netfilter/ipset/ip_set.h` (and the
 * type-specific error codes of `ip_set_bitmap.h`, `ip_set_hash.h`,
 * `ip_set_list.h`): commands, attribute numbers, flags, error codes.
 *
 * @module
 */
import { splitNfnlType } from "../netfilter/nfnetlink.ts";

/** nfnetlink subsystem id of ipset (`NFNL_SUBSYS_IPSET`). @example `NFNL_SUBSYS_IPSET // 6` */
export const NFNL_SUBSYS_IPSET = 6;

/** The protocol version this library speaks (`IPSET_PROTOCOL`): 7, as the kernel and `ipset` v7 do. @example `IPSET_PROTOCOL // 7` */
export const IPSET_PROTOCOL = 7;

/** Longest set or type name, NUL included (`IPSET_MAXNAMELEN`). @example `IPSET_MAXNAMELEN // 32` */
export const IPSET_MAXNAMELEN = 32;

/** Longest comment the kernel keeps (`IPSET_MAX_COMMENT_SIZE`). @example `IPSET_MAX_COMMENT_SIZE // 255` */
export const IPSET_MAX_COMMENT_SIZE = 255;

/**
 * Commands (`enum ipset_cmd`): the low byte of the message type.
 *
 * @example
 * ```ts
 * import { IPSET_CMD } from "@nlts/netlink/ipset";
 * IPSET_CMD.ADD; // 9
 * ```
 */
export const IPSET_CMD = {
  NONE: 0,
  PROTOCOL: 1,
  CREATE: 2,
  DESTROY: 3,
  FLUSH: 4,
  RENAME: 5,
  SWAP: 6,
  LIST: 7,
  SAVE: 8,
  ADD: 9,
  DEL: 10,
  TEST: 11,
  HEADER: 12,
  TYPE: 13,
  GET_BYNAME: 14,
  GET_BYINDEX: 15,
} as const;

/**
 * Command-level flags (`IPSET_ATTR_FLAGS`, `enum ipset_cmd_flags`).
 *
 * @example
 * ```ts
 * import { IPSET_FLAG } from "@nlts/netlink/ipset";
 * IPSET_FLAG.LIST_HEADER; // 4
 * ```
 */
export const IPSET_FLAG = {
  EXIST: 1 << 0,
  LIST_SETNAME: 1 << 1,
  LIST_HEADER: 1 << 2,
  SKIP_COUNTER_UPDATE: 1 << 3,
  SKIP_SUBCOUNTER_UPDATE: 1 << 4,
  MATCH_COUNTERS: 1 << 5,
  RETURN_NOMATCH: 1 << 7,
  MAP_SKBMARK: 1 << 8,
  MAP_SKBPRIO: 1 << 9,
  MAP_SKBQUEUE: 1 << 10,
} as const;

/**
 * Per-element and create flags (`IPSET_ATTR_CADT_FLAGS`, `enum ipset_cadt_flags`),
 * by bit number as the schema names them.
 *
 * @example
 * ```ts
 * import { CADT_FLAG_NAMES } from "@nlts/netlink/ipset";
 * CADT_FLAG_NAMES[3]; // "counters"
 * ```
 */
export const CADT_FLAG_NAMES: readonly string[] = [
  "before",
  "physdev",
  "nomatch",
  "counters",
  "comment",
  "forceadd",
  "skbinfo",
  "wildcard",
];

/** Set families as `ipset` names them (`NFPROTO_IPV4`, `NFPROTO_IPV6`; `unspec` for bitmap:port and list:set). */
export type IpsetFamily = "inet" | "inet6" | "unspec";

/**
 * `IPSET_ATTR_FAMILY` values by name.
 *
 * @example
 * ```ts
 * import { IPSET_FAMILY } from "@nlts/netlink/ipset";
 * IPSET_FAMILY.inet6; // 10
 * ```
 */
export const IPSET_FAMILY: { readonly [name in IpsetFamily]: number } = { unspec: 0, inet: 2, inet6: 10 };

/**
 * ipset's own error numbers (`enum ipset_errno`, from 4096): the core codes,
 * then the type-specific ones (from 4352), which mean different things for
 * bitmap, hash and list types.
 *
 * @example
 * ```ts
 * import { IPSET_ERR } from "@nlts/netlink/ipset";
 * IPSET_ERR.EXIST; // 4103
 * ```
 */
export const IPSET_ERR = {
  PRIVATE: 4096,
  PROTOCOL: 4097,
  FIND_TYPE: 4098,
  MAX_SETS: 4099,
  BUSY: 4100,
  EXIST_SETNAME2: 4101,
  TYPE_MISMATCH: 4102,
  EXIST: 4103,
  INVALID_CIDR: 4104,
  INVALID_NETMASK: 4105,
  INVALID_FAMILY: 4106,
  TIMEOUT: 4107,
  REFERENCED: 4108,
  IPADDR_IPV4: 4109,
  IPADDR_IPV6: 4110,
  COUNTER: 4111,
  COMMENT: 4112,
  INVALID_MARKMASK: 4113,
  SKBINFO: 4114,
  TYPE_SPECIFIC: 4352,
} as const;

/** The type-specific codes (from 4352) by set type kind, in order. */
export const TYPE_SPECIFIC_ERRORS: { readonly [kind in "bitmap" | "hash" | "list"]: readonly string[] } = {
  bitmap: ["IPSET_ERR_BITMAP_RANGE", "IPSET_ERR_BITMAP_RANGE_SIZE"],
  hash: [
    "IPSET_ERR_HASH_FULL",
    "IPSET_ERR_HASH_ELEM",
    "IPSET_ERR_INVALID_PROTO",
    "IPSET_ERR_MISSING_PROTO",
    "IPSET_ERR_HASH_RANGE_UNSUPPORTED",
    "IPSET_ERR_HASH_RANGE",
  ],
  list: [
    "IPSET_ERR_NAME",
    "IPSET_ERR_LOOP",
    "IPSET_ERR_BEFORE",
    "IPSET_ERR_NAMEREF",
    "IPSET_ERR_LIST_FULL",
    "IPSET_ERR_REF_EXIST",
  ],
};

const CMD_NAMES: string[] = Object.keys(IPSET_CMD).map((k) => `IPSET_CMD_${k}`);

/**
 * Readable names of ipset message types, for `describeType` so errors read
 * `IPSET_CMD_ADD failed with …`.
 *
 * @example
 * ```ts
 * import { describeIpsetType } from "@nlts/netlink/ipset";
 * describeIpsetType(0x609); // "IPSET_CMD_ADD"
 * ```
 */
export function describeIpsetType(type: number): string | undefined {
  const { subsys, msg } = splitNfnlType(type);
  return subsys === NFNL_SUBSYS_IPSET ? CMD_NAMES[msg] : undefined;
}
