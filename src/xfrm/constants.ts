/**
 * Constants of NETLINK_XFRM, from `linux/xfrm.h` (and `linux/in.h` for the
 * protocol numbers).
 *
 * @module
 */

/**
 * XFRM message types (`XFRM_MSG_*`).
 *
 * @example
 * ```ts
 * import { XfrmMsg } from "@nlts/netlink/xfrm";
 * XfrmMsg.GETSA; // 0x12
 * ```
 */
export const XfrmMsg = {
  NEWSA: 0x10,
  DELSA: 0x11,
  GETSA: 0x12,
  NEWPOLICY: 0x13,
  DELPOLICY: 0x14,
  GETPOLICY: 0x15,
  ALLOCSPI: 0x16,
  ACQUIRE: 0x17,
  EXPIRE: 0x18,
  UPDPOLICY: 0x19,
  UPDSA: 0x1a,
  POLEXPIRE: 0x1b,
  FLUSHSA: 0x1c,
  FLUSHPOLICY: 0x1d,
  NEWAE: 0x1e,
  GETAE: 0x1f,
  REPORT: 0x20,
  MIGRATE: 0x21,
  NEWSADINFO: 0x22,
  GETSADINFO: 0x23,
  NEWSPDINFO: 0x24,
  GETSPDINFO: 0x25,
  MAPPING: 0x26,
  SETDEFAULT: 0x27,
  GETDEFAULT: 0x28,
} as const;

const MSG_NAMES = new Map<number, string>(Object.entries(XfrmMsg).map(([k, v]) => [v, `XFRM_MSG_${k}`]));

/**
 * Readable name of an XFRM message type, for error messages.
 *
 * @example
 * ```ts
 * import { xfrmMessageName } from "@nlts/netlink/xfrm";
 * xfrmMessageName(0x10); // "XFRM_MSG_NEWSA"
 * ```
 */
export function xfrmMessageName(type: number): string | undefined {
  return MSG_NAMES.get(type);
}

/**
 * XFRM attribute types (`XFRMA_*`).
 *
 * @example
 * ```ts
 * import { XfrmAttr } from "@nlts/netlink/xfrm";
 * XfrmAttr.ALG_AEAD; // 18
 * ```
 */
export const XfrmAttr = {
  ALG_AUTH: 1,
  ALG_CRYPT: 2,
  ALG_COMP: 3,
  ENCAP: 4,
  TMPL: 5,
  SA: 6,
  POLICY: 7,
  SEC_CTX: 8,
  LTIME_VAL: 9,
  REPLAY_VAL: 10,
  REPLAY_THRESH: 11,
  ETIMER_THRESH: 12,
  SRCADDR: 13,
  COADDR: 14,
  LASTUSED: 15,
  POLICY_TYPE: 16,
  MIGRATE: 17,
  ALG_AEAD: 18,
  KMADDRESS: 19,
  ALG_AUTH_TRUNC: 20,
  MARK: 21,
  TFCPAD: 22,
  REPLAY_ESN_VAL: 23,
  SA_EXTRA_FLAGS: 24,
  PROTO: 25,
  ADDRESS_FILTER: 26,
  PAD: 27,
  OFFLOAD_DEV: 28,
  SET_MARK: 29,
  SET_MARK_MASK: 30,
  IF_ID: 31,
  MTIMER_THRESH: 32,
} as const;

/**
 * Multicast groups (`XFRMNLGRP_*`), by the names `Xfrm.events` accepts.
 *
 * @example
 * ```ts
 * import { XfrmGroup } from "@nlts/netlink/xfrm";
 * XfrmGroup.expire; // 2
 * ```
 */
export const XfrmGroup = {
  acquire: 1,
  expire: 2,
  sa: 3,
  policy: 4,
  aevents: 5,
  report: 6,
  migrate: 7,
  mapping: 8,
} as const;

/** A multicast group name of {@link XfrmGroup}. */
export type XfrmGroupName = keyof typeof XfrmGroup;

/** `XFRM_INF`: "no limit" in a `struct xfrm_lifetime_cfg`. */
export const XFRM_INF = 0xffffffffffffffffn;

/** `AF_INET`. */
export const AF_INET = 2;
/** `AF_INET6`. */
export const AF_INET6 = 10;

/** Address family of a selector, state or template. */
export type XfrmFamily = "inet" | "inet6" | "unspec";

/**
 * IPsec protocols by the names `ip xfrm` uses.
 *
 * @example
 * ```ts
 * import { XfrmProto } from "@nlts/netlink/xfrm";
 * XfrmProto.esp; // 50
 * ```
 */
export const XfrmProto = {
  esp: 50,
  ah: 51,
  comp: 108,
  route2: 43,
  hao: 60,
  ipip: 4,
  ipv6: 41,
} as const;

/** A protocol name of {@link XfrmProto}. */
export type XfrmProtoName = keyof typeof XfrmProto;

/** Modes (`XFRM_MODE_*`) by the names `ip xfrm` prints. */
export const XFRM_MODES = ["transport", "tunnel", "ro", "in_trigger", "beet"] as const;
/** A mode name. */
export type XfrmMode = (typeof XFRM_MODES)[number];

/** Flags of `struct xfrm_usersa_info` (`XFRM_STATE_*`), as `ip xfrm` names them, bit 0 first. */
export const XFRM_STATE_FLAGS = [
  "noecn",
  "decap-dscp",
  "nopmtudisc",
  "wildrecv",
  "icmp",
  "af-unspec",
  "align4",
  "esn",
] as const;
/** A state flag name. */
export type XfrmStateFlag = (typeof XFRM_STATE_FLAGS)[number];

/** Extra flags of a state (`XFRMA_SA_EXTRA_FLAGS`, `XFRM_SA_XFLAG_*`), bit 0 first. */
export const XFRM_SA_EXTRA_FLAGS = ["dont-encap-dscp", "oseq-may-wrap"] as const;
/** An extra flag name. */
export type XfrmExtraFlag = (typeof XFRM_SA_EXTRA_FLAGS)[number];

/** Policy flags (`XFRM_POLICY_LOCALOK`, `XFRM_POLICY_ICMP`), bit 0 first. */
export const XFRM_POLICY_FLAGS = ["localok", "icmp"] as const;
/** A policy flag name. */
export type XfrmPolicyFlag = (typeof XFRM_POLICY_FLAGS)[number];

/** Policy directions (`XFRM_POLICY_IN/OUT/FWD`). */
export const XFRM_DIRS = ["in", "out", "fwd"] as const;
/** A policy direction. */
export type XfrmDir = (typeof XFRM_DIRS)[number];

/** Policy actions (`XFRM_POLICY_ALLOW/BLOCK`). */
export const XFRM_ACTIONS = ["allow", "block"] as const;
/** A policy action. */
export type XfrmAction = (typeof XFRM_ACTIONS)[number];

/** Sharing modes (`XFRM_SHARE_*`). */
export const XFRM_SHARES = ["any", "session", "user", "unique"] as const;
/** A sharing mode. */
export type XfrmShare = (typeof XFRM_SHARES)[number];

/** Policy types (`XFRM_POLICY_TYPE_MAIN/SUB`). */
export const XFRM_POLICY_TYPES = ["main", "sub"] as const;
/** A policy type. */
export type XfrmPolicyType = (typeof XFRM_POLICY_TYPES)[number];

/** UDP/TCP encapsulation types (`UDP_ENCAP_*` from `linux/udp.h`, `TCP_ENCAP_ESPINTCP`). */
export const XfrmEncapType = {
  espinudp_nonike: 1,
  espinudp: 2,
  espintcp: 7,
} as const;
/** An encapsulation type name. */
export type XfrmEncapName = keyof typeof XfrmEncapType;

/** Sizes of the fixed structs (x86-64 and every other 64-bit-aligned ABI). */
export const SIZEOF = {
  address: 16,
  selector: 56,
  id: 24,
  lifetimeCfg: 64,
  lifetimeCur: 32,
  stats: 12,
  usersaInfo: 224,
  usersaId: 24,
  aeventId: 48,
  userspiInfo: 232,
  userpolicyInfo: 168,
  userpolicyId: 64,
  userTmpl: 64,
  encapTmpl: 24,
  userAcquire: 280,
  userExpire: 232,
  userPolexpire: 176,
  usersaFlush: 1,
  userReport: 60,
  userMapping: 64,
  algo: 68,
  algoAuth: 72,
  algoAead: 72,
  replayState: 12,
  replayStateEsn: 24,
  mark: 8,
  userpolicyType: 6,
  userOffload: 8,
  userSecCtx: 8,
} as const;
