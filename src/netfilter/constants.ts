/**
 * NETLINK_NETFILTER constants, from the uapi headers
 * `linux/netfilter/nfnetlink.h`, `nfnetlink_conntrack.h`,
 * `nfnetlink_queue.h`, `nfnetlink_log.h`, `nf_conntrack_common.h` and
 * `nf_conntrack_tcp.h`.
 *
 * @module
 */

/**
 * `NFNL_SUBSYS_*`: the subsystem is the high byte of a nfnetlink message type.
 *
 * @example
 * ```ts
 * import { NFNL_SUBSYS } from "@nlts/netlink/netfilter";
 * const type = (NFNL_SUBSYS.QUEUE << 8) | 2; // NFQNL_MSG_CONFIG
 * ```
 */
export const NFNL_SUBSYS = {
  NONE: 0,
  CTNETLINK: 1,
  CTNETLINK_EXP: 2,
  QUEUE: 3,
  ULOG: 4,
  OSF: 5,
  IPSET: 6,
  ACCT: 7,
  CTNETLINK_TIMEOUT: 8,
  CTHELPER: 9,
  NFTABLES: 10,
  NFT_COMPAT: 11,
  HOOK: 12,
} as const;

/**
 * `NFNLGRP_*` multicast groups of NETLINK_NETFILTER.
 *
 * @example
 * ```ts
 * import { NFNLGRP } from "@nlts/netlink/netfilter";
 * NFNLGRP.CONNTRACK_DESTROY; // 3
 * ```
 */
export const NFNLGRP = {
  NONE: 0,
  CONNTRACK_NEW: 1,
  CONNTRACK_UPDATE: 2,
  CONNTRACK_DESTROY: 3,
  CONNTRACK_EXP_NEW: 4,
  CONNTRACK_EXP_UPDATE: 5,
  CONNTRACK_EXP_DESTROY: 6,
  NFTABLES: 7,
  ACCT_QUOTA: 8,
  NFTRACE: 9,
} as const;

/** `NFNETLINK_V0`: the only nfgenmsg version. @example `NFNETLINK_V0 // 0` */
export const NFNETLINK_V0 = 0;

/** Address families used in `nfgen_family`. @example `AF.INET6 // 10` */
export { AF } from "../wire/constants.ts";

/** `IPCTNL_MSG_CT_*` (subsystem CTNETLINK). @example `IPCTNL_MSG.CT_GET // 1` */
export const IPCTNL_MSG = {
  CT_NEW: 0,
  CT_GET: 1,
  CT_DELETE: 2,
  CT_GET_CTRZERO: 3,
  CT_GET_STATS_CPU: 4,
  CT_GET_STATS: 5,
  CT_GET_DYING: 6,
  CT_GET_UNCONFIRMED: 7,
} as const;

/** `CTA_*`: top-level conntrack attributes. @example `CTA.TUPLE_ORIG // 1` */
export const CTA = {
  UNSPEC: 0,
  TUPLE_ORIG: 1,
  TUPLE_REPLY: 2,
  STATUS: 3,
  PROTOINFO: 4,
  HELP: 5,
  NAT_SRC: 6,
  TIMEOUT: 7,
  MARK: 8,
  COUNTERS_ORIG: 9,
  COUNTERS_REPLY: 10,
  USE: 11,
  ID: 12,
  NAT_DST: 13,
  TUPLE_MASTER: 14,
  SEQ_ADJ_ORIG: 15,
  SEQ_ADJ_REPLY: 16,
  SECMARK: 17,
  ZONE: 18,
  SECCTX: 19,
  TIMESTAMP: 20,
  MARK_MASK: 21,
  LABELS: 22,
  LABELS_MASK: 23,
  SYNPROXY: 24,
  FILTER: 25,
  STATUS_MASK: 26,
} as const;

/** `CTA_TUPLE_*`. @example `CTA_TUPLE.PROTO // 2` */
export const CTA_TUPLE = { IP: 1, PROTO: 2, ZONE: 3 } as const;

/** `CTA_IP_*`. @example `CTA_IP.V4_SRC // 1` */
export const CTA_IP = { V4_SRC: 1, V4_DST: 2, V6_SRC: 3, V6_DST: 4 } as const;

/** `CTA_PROTO_*`. @example `CTA_PROTO.NUM // 1` */
export const CTA_PROTO = {
  NUM: 1,
  SRC_PORT: 2,
  DST_PORT: 3,
  ICMP_ID: 4,
  ICMP_TYPE: 5,
  ICMP_CODE: 6,
  ICMPV6_ID: 7,
  ICMPV6_TYPE: 8,
  ICMPV6_CODE: 9,
} as const;

/** `CTA_PROTOINFO_*`. @example `CTA_PROTOINFO.TCP // 1` */
export const CTA_PROTOINFO = { TCP: 1, DCCP: 2, SCTP: 3 } as const;

/** `CTA_PROTOINFO_TCP_*`. @example `CTA_PROTOINFO_TCP.STATE // 1` */
export const CTA_PROTOINFO_TCP = {
  STATE: 1,
  WSCALE_ORIGINAL: 2,
  WSCALE_REPLY: 3,
  FLAGS_ORIGINAL: 4,
  FLAGS_REPLY: 5,
} as const;

/** `CTA_COUNTERS_*`. @example `CTA_COUNTERS.BYTES // 2` */
export const CTA_COUNTERS = { PACKETS: 1, BYTES: 2, PACKETS32: 3, BYTES32: 4 } as const;

/** `CTA_TIMESTAMP_*`. @example `CTA_TIMESTAMP.START // 1` */
export const CTA_TIMESTAMP = { START: 1, STOP: 2 } as const;

/** `CTA_HELP_*`. @example `CTA_HELP.NAME // 1` */
export const CTA_HELP = { NAME: 1, INFO: 2 } as const;

/** `CTA_SECCTX_*`. @example `CTA_SECCTX.NAME // 1` */
export const CTA_SECCTX = { NAME: 1 } as const;

/** `CTA_FILTER_*`. @example `CTA_FILTER.ORIG_FLAGS // 1` */
export const CTA_FILTER = { ORIG_FLAGS: 1, REPLY_FLAGS: 2 } as const;

/**
 * Bits of `CTA_FILTER_ORIG_FLAGS` (kernel-internal `CTA_FILTER_F_*`, part of
 * the ABI since Linux 5.8).
 *
 * @example
 * ```ts
 * import { CTA_FILTER_F } from "@nlts/netlink/netfilter";
 * CTA_FILTER_F.PROTO_NUM; // 8
 * ```
 */
export const CTA_FILTER_F = {
  IP_SRC: 1 << 0,
  IP_DST: 1 << 1,
  TUPLE_ZONE: 1 << 2,
  PROTO_NUM: 1 << 3,
  PROTO_SRC_PORT: 1 << 4,
  PROTO_DST_PORT: 1 << 5,
  PROTO_ICMP_TYPE: 1 << 6,
  PROTO_ICMP_CODE: 1 << 7,
  PROTO_ICMP_ID: 1 << 8,
  PROTO_ICMPV6_TYPE: 1 << 9,
  PROTO_ICMPV6_CODE: 1 << 10,
  PROTO_ICMPV6_ID: 1 << 11,
} as const;

/**
 * `IPS_*` conntrack status bits, by bit number, with the names `conntrack`
 * uses (lower case, dashes).
 *
 * @example
 * ```ts
 * import { CT_STATUS_NAMES } from "@nlts/netlink/netfilter";
 * CT_STATUS_NAMES[2]; // "assured"
 * ```
 */
export const CT_STATUS_NAMES: readonly string[] = [
  "expected",
  "seen-reply",
  "assured",
  "confirmed",
  "src-nat",
  "dst-nat",
  "seq-adjust",
  "src-nat-done",
  "dst-nat-done",
  "dying",
  "fixed-timeout",
  "template",
  "untracked",
  "helper",
  "offload",
  "hw-offload",
];

/**
 * `TCP_CONNTRACK_*` states by number, named as `conntrack -L` prints them.
 *
 * @example
 * ```ts
 * import { TCP_STATE_NAMES } from "@nlts/netlink/netfilter";
 * TCP_STATE_NAMES[3]; // "ESTABLISHED"
 * ```
 */
export const TCP_STATE_NAMES: readonly string[] = [
  "NONE",
  "SYN_SENT",
  "SYN_RECV",
  "ESTABLISHED",
  "FIN_WAIT",
  "CLOSE_WAIT",
  "LAST_ACK",
  "TIME_WAIT",
  "CLOSE",
  "SYN_SENT2",
];

/**
 * IP protocol numbers by name, for the protocols conntrack knows.
 *
 * @example
 * ```ts
 * import { IPPROTO } from "@nlts/netlink/netfilter";
 * IPPROTO.udp; // 17
 * ```
 */
export const IPPROTO = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  dccp: 33,
  gre: 47,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
} as const;

/** A protocol name of {@link IPPROTO}. @example `const p: IpProtoName = "tcp";` */
export type IpProtoName = keyof typeof IPPROTO;

/** `NFQNL_MSG_*` (subsystem QUEUE). @example `NFQNL_MSG.VERDICT // 1` */
export const NFQNL_MSG = { PACKET: 0, VERDICT: 1, CONFIG: 2, VERDICT_BATCH: 3 } as const;

/** `NFQA_*` packet and verdict attributes. @example `NFQA.PAYLOAD // 10` */
export const NFQA = {
  PACKET_HDR: 1,
  VERDICT_HDR: 2,
  MARK: 3,
  TIMESTAMP: 4,
  IFINDEX_INDEV: 5,
  IFINDEX_OUTDEV: 6,
  IFINDEX_PHYSINDEV: 7,
  IFINDEX_PHYSOUTDEV: 8,
  HWADDR: 9,
  PAYLOAD: 10,
  CT: 11,
  CT_INFO: 12,
  CAP_LEN: 13,
  SKB_INFO: 14,
  EXP: 15,
  UID: 16,
  GID: 17,
  SECCTX: 18,
  VLAN: 19,
  L2HDR: 20,
  PRIORITY: 21,
} as const;

/** `NFQA_CFG_*` configuration attributes. @example `NFQA_CFG.CMD // 1` */
export const NFQA_CFG = { CMD: 1, PARAMS: 2, QUEUE_MAXLEN: 3, MASK: 4, FLAGS: 5 } as const;

/** `NFQA_CFG_F_*` queue flags. @example `NFQA_CFG_F.FAIL_OPEN // 1` */
export const NFQA_CFG_F = { FAIL_OPEN: 1, CONNTRACK: 2, GSO: 4, UID_GID: 8, SECCTX: 16 } as const;

/** `NFQNL_CFG_CMD_*`. @example `NFQNL_CFG_CMD.BIND // 1` */
export const NFQNL_CFG_CMD = { NONE: 0, BIND: 1, UNBIND: 2, PF_BIND: 3, PF_UNBIND: 4 } as const;

/** `NFQNL_COPY_*` / `NFULNL_COPY_*` copy modes. @example `COPY_MODE.packet // 2` */
export const COPY_MODE = { none: 0, meta: 1, packet: 2 } as const;

/** `NF_*` verdicts. @example `NF_VERDICT.ACCEPT // 1` */
export const NF_VERDICT = { DROP: 0, ACCEPT: 1, STOLEN: 2, QUEUE: 3, REPEAT: 4, STOP: 5 } as const;

/** `NFQA_SKB_*` bits of `NFQA_SKB_INFO`. @example `NFQA_SKB.GSO // 2` */
export const NFQA_SKB = { CSUMNOTREADY: 1, GSO: 2, CSUM_NOTVERIFIED: 4 } as const;

/** `NFULNL_MSG_*` (subsystem ULOG). @example `NFULNL_MSG.CONFIG // 1` */
export const NFULNL_MSG = { PACKET: 0, CONFIG: 1 } as const;

/** `NFULA_*` log attributes. @example `NFULA.PREFIX // 10` */
export const NFULA = {
  PACKET_HDR: 1,
  MARK: 2,
  TIMESTAMP: 3,
  IFINDEX_INDEV: 4,
  IFINDEX_OUTDEV: 5,
  IFINDEX_PHYSINDEV: 6,
  IFINDEX_PHYSOUTDEV: 7,
  HWADDR: 8,
  PAYLOAD: 9,
  PREFIX: 10,
  UID: 11,
  SEQ: 12,
  SEQ_GLOBAL: 13,
  GID: 14,
  HWTYPE: 15,
  HWHEADER: 16,
  HWLEN: 17,
  CT: 18,
  CT_INFO: 19,
  VLAN: 20,
  L2HDR: 21,
} as const;

/** `NFULA_CFG_*` log configuration attributes. @example `NFULA_CFG.MODE // 2` */
export const NFULA_CFG = { CMD: 1, MODE: 2, NLBUFSIZ: 3, TIMEOUT: 4, QTHRESH: 5, FLAGS: 6 } as const;

/** `NFULNL_CFG_CMD_*`. @example `NFULNL_CFG_CMD.BIND // 1` */
export const NFULNL_CFG_CMD = { NONE: 0, BIND: 1, UNBIND: 2, PF_BIND: 3, PF_UNBIND: 4 } as const;

/** `NFULNL_CFG_F_*` log flags. @example `NFULNL_CFG_F.SEQ // 1` */
export const NFULNL_CFG_F = { SEQ: 1, SEQ_GLOBAL: 2, CONNTRACK: 4 } as const;

/**
 * Netfilter hook numbers (`NF_INET_*`) and their names.
 *
 * @example
 * ```ts
 * import { HOOK_NAMES } from "@nlts/netlink/netfilter";
 * HOOK_NAMES[3]; // "output"
 * ```
 */
export const HOOK_NAMES: readonly string[] = ["prerouting", "input", "forward", "output", "postrouting"];
