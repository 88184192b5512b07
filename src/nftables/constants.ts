/**
 * nf_tables numbers from `/usr/include/linux/netfilter/nf_tables.h`,
 * `nfnetlink.h` and `netfilter.h`: message types, families, hooks, verdicts.
 * Attribute numbers live in the sets of `schema.ts`.
 *
 * @module
 */
import { splitNfnlType } from "../netfilter/nfnetlink.ts";

/**
 * `NFT_MSG_*` message numbers (the low byte of the type; the high byte is
 * `NFNL_SUBSYS_NFTABLES`, 10).
 *
 * @example
 * ```ts
 * import { NFT_MSG } from "@nlts/netlink/nftables";
 * const type = (10 << 8) | NFT_MSG.NEWRULE; // 0xa06
 * ```
 */
export const NFT_MSG = {
  NEWTABLE: 0,
  GETTABLE: 1,
  DELTABLE: 2,
  NEWCHAIN: 3,
  GETCHAIN: 4,
  DELCHAIN: 5,
  NEWRULE: 6,
  GETRULE: 7,
  DELRULE: 8,
  NEWSET: 9,
  GETSET: 10,
  DELSET: 11,
  NEWSETELEM: 12,
  GETSETELEM: 13,
  DELSETELEM: 14,
  NEWGEN: 15,
  GETGEN: 16,
  TRACE: 17,
  NEWOBJ: 18,
  GETOBJ: 19,
  DELOBJ: 20,
  GETOBJ_RESET: 21,
  NEWFLOWTABLE: 22,
  GETFLOWTABLE: 23,
  DELFLOWTABLE: 24,
  GETRULE_RESET: 25,
  DESTROYTABLE: 26,
  DESTROYCHAIN: 27,
  DESTROYRULE: 28,
  DESTROYSET: 29,
  DESTROYSETELEM: 30,
  DESTROYOBJ: 31,
  DESTROYFLOWTABLE: 32,
} as const;

/** `NFNL_SUBSYS_NFTABLES`. @example `NFNL_SUBSYS_NFTABLES // 10` */
export const NFNL_SUBSYS_NFTABLES = 10;
/** `NFNL_MSG_BATCH_BEGIN`. @example `NFNL_MSG_BATCH_BEGIN // 0x10` */
export const NFNL_MSG_BATCH_BEGIN = 0x10;
/** `NFNL_MSG_BATCH_END`. @example `NFNL_MSG_BATCH_END // 0x11` */
export const NFNL_MSG_BATCH_END = 0x11;
/** `NFNLGRP_NFTABLES`: the multicast group of ruleset changes. @example `NFNLGRP_NFTABLES // 7` */
export const NFNLGRP_NFTABLES = 7;

/** The nf_tables families, by the names `nft` uses. */
export type NftFamily = "inet" | "ip" | "arp" | "netdev" | "bridge" | "ip6";

/**
 * `NFPROTO_*` numbers of the nf_tables families.
 *
 * @example
 * ```ts
 * import { NFPROTO } from "@nlts/netlink/nftables";
 * NFPROTO.ip6; // 10
 * ```
 */
export const NFPROTO: { readonly [F in NftFamily]: number } = {
  inet: 1,
  ip: 2,
  arp: 3,
  netdev: 5,
  bridge: 7,
  ip6: 10,
};

/** The family name of an `NFPROTO_*` number (the number itself when unknown). */
export function familyOf(n: number): NftFamily | number {
  for (const [name, value] of Object.entries(NFPROTO)) if (value === n) return name as NftFamily;
  return n;
}

/** The base-chain hooks, by the names `nft` uses. */
export type NftHook = "prerouting" | "input" | "forward" | "output" | "postrouting" | "ingress" | "egress";

/** Hook numbers of the ip, ip6, inet and bridge families (`NF_INET_*`). */
const INET_HOOKS: readonly NftHook[] = ["prerouting", "input", "forward", "output", "postrouting", "ingress"];
/** Hook numbers of the netdev family (`NF_NETDEV_*`). */
const NETDEV_HOOKS: readonly NftHook[] = ["ingress", "egress"];
/** Hook numbers of the arp family (`NF_ARP_*`). */
const ARP_HOOKS: readonly NftHook[] = ["input", "output", "forward"];

function hooksOf(family: NftFamily | number): readonly NftHook[] {
  return family === "netdev" ? NETDEV_HOOKS : family === "arp" ? ARP_HOOKS : INET_HOOKS;
}

/** The name of hook number `n` in `family` (the number itself when unknown). */
export function hookName(family: NftFamily | number, n: number): NftHook | number {
  return hooksOf(family)[n] ?? n;
}

/** The number of hook `name` in `family`; a `TypeError` when the family has no such hook. */
export function hookNumber(family: NftFamily, name: NftHook): number {
  const n = hooksOf(family).indexOf(name);
  if (n < 0) throw new TypeError(`the ${family} family has no ${JSON.stringify(name)} hook`);
  return n;
}

/**
 * Verdict codes (`NF_DROP`, `NF_ACCEPT`… and `NFT_CONTINUE`…`NFT_RETURN`), by
 * the names `nft` prints.
 *
 * @example
 * ```ts
 * import { VERDICTS } from "@nlts/netlink/nftables";
 * VERDICTS.jump; // -3
 * ```
 */
export const VERDICTS = {
  drop: 0,
  accept: 1,
  stolen: 2,
  queue: 3,
  repeat: 4,
  stop: 5,
  continue: -1,
  break: -2,
  jump: -3,
  goto: -4,
  return: -5,
} as const;

const MSG_NAMES = Object.fromEntries(Object.entries(NFT_MSG).map(([name, n]) => [n, `NFT_MSG_${name}`]));

/**
 * Readable names of nf_tables message types (and the batch markers), for
 * `describeType`.
 *
 * @example
 * ```ts
 * import { describeNftType } from "@nlts/netlink/nftables";
 * describeNftType(0xa06); // "NFT_MSG_NEWRULE"
 * ```
 */
export function describeNftType(type: number): string | undefined {
  if (type === NFNL_MSG_BATCH_BEGIN) return "NFNL_MSG_BATCH_BEGIN";
  if (type === NFNL_MSG_BATCH_END) return "NFNL_MSG_BATCH_END";
  const { subsys, msg } = splitNfnlType(type);
  return subsys === NFNL_SUBSYS_NFTABLES ? MSG_NAMES[msg] : undefined;
}
