/**
 * nfnetlink framing shared by every NETLINK_NETFILTER subsystem: the
 * `struct nfgenmsg` header after `nlmsghdr`, and message types made of a
 * subsystem id (high byte) and a message number (low byte).
 *
 * @module
 */
import { Attrs } from "../wire/attrs.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter } from "../wire/message.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { AF, NFNETLINK_V0, NFNL_SUBSYS } from "./constants.ts";

/** Size of `struct nfgenmsg`. @example `NFGENMSG_LEN // 4` */
export const NFGENMSG_LEN = 4;

/** The `struct nfgenmsg` header of a nfnetlink message. */
export interface NfGenMsg {
  /** `nfgen_family`: AF_INET, AF_INET6, AF_UNSPEC… */
  family: number;
  /** `version` (always 0 today). */
  version: number;
  /** `res_id` in host order: queue number, log group… */
  resId: number;
}

/**
 * The nfnetlink message type of `subsys` and `msg`: `(subsys << 8) | msg`.
 *
 * @example
 * ```ts
 * import { nfnlType } from "@nlts/netlink/netfilter";
 * nfnlType(1, 1); // 0x101: IPCTNL_MSG_CT_GET
 * ```
 */
export function nfnlType(subsys: number, msg: number): number {
  return ((subsys & 0xff) << 8) | (msg & 0xff);
}

/**
 * Splits a message type into subsystem id and message number.
 *
 * @example
 * ```ts
 * import { splitNfnlType } from "@nlts/netlink/netfilter";
 * splitNfnlType(0x300); // { subsys: 3, msg: 0 }
 * ```
 */
export function splitNfnlType(type: number): { subsys: number; msg: number } {
  return { subsys: (type >> 8) & 0xff, msg: type & 0xff };
}

/**
 * Starts a nfnetlink request: the netlink header, then `nfgenmsg` with
 * `family`, version 0 and `resId` (written big-endian, as the kernel wants).
 *
 * @example
 * ```ts
 * import { nfnlMessage } from "@nlts/netlink/netfilter";
 * const w = nfnlMessage(3, 2, 0, { resId: 5 }); // NFQNL_MSG_CONFIG for queue 5
 * const bytes = w.finish();
 * ```
 */
export function nfnlMessage(
  subsys: number,
  msg: number,
  flags = 0,
  header: { family?: number; version?: number; resId?: number } = {},
): MessageWriter {
  const w = new MessageWriter(nfnlType(subsys, msg), flags);
  const dv = w.struct(NFGENMSG_LEN);
  dv.setUint8(0, header.family ?? AF.UNSPEC);
  dv.setUint8(1, header.version ?? NFNETLINK_V0);
  dv.setUint16(2, header.resId ?? 0, false);
  return w;
}

/**
 * Reads the `nfgenmsg` header of a message and parses the attributes after
 * it with the low-level random-access {@link Attrs} reader, for looking at
 * nfnetlink bytes by hand (the library's decoders read their schema sets
 * instead: `src/netfilter/schema.ts`). A payload shorter than the header is
 * a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { parseNfnl, nfnlMessage } from "@nlts/netlink/netfilter";
 * import { parseMessages } from "@nlts/netlink";
 * const msg = parseMessages(nfnlMessage(1, 0, 0, { family: 2 }).u32(3, 1).finish())[0];
 * parseNfnl(msg).header.family; // 2
 * ```
 */
export function parseNfnl(msg: NetlinkMessage): { header: NfGenMsg; attrs: Attrs } {
  const p = msg.payload;
  if (p.length < NFGENMSG_LEN) {
    throw new ParseError(`nfgenmsg needs ${NFGENMSG_LEN} bytes, the payload has ${p.length}`, 16);
  }
  const header = { family: p[0], version: p[1], resId: (p[2] << 8) | p[3] };
  return { header, attrs: Attrs.parse(p.subarray(NFGENMSG_LEN), 16 + NFGENMSG_LEN) };
}

const CT_NAMES = ["IPCTNL_MSG_CT_NEW", "IPCTNL_MSG_CT_GET", "IPCTNL_MSG_CT_DELETE", "IPCTNL_MSG_CT_GET_CTRZERO"];
const QUEUE_NAMES = ["NFQNL_MSG_PACKET", "NFQNL_MSG_VERDICT", "NFQNL_MSG_CONFIG", "NFQNL_MSG_VERDICT_BATCH"];
const LOG_NAMES = ["NFULNL_MSG_PACKET", "NFULNL_MSG_CONFIG"];

/**
 * Readable names of nfnetlink message types, for `describeType` so errors
 * read `IPCTNL_MSG_CT_DELETE failed with ENOENT`.
 *
 * @example
 * ```ts
 * import { describeNfnlType } from "@nlts/netlink/netfilter";
 * describeNfnlType(0x102); // "IPCTNL_MSG_CT_DELETE"
 * ```
 */
export function describeNfnlType(type: number): string | undefined {
  const { subsys, msg } = splitNfnlType(type);
  if (subsys === NFNL_SUBSYS.CTNETLINK) return CT_NAMES[msg];
  if (subsys === NFNL_SUBSYS.QUEUE) return QUEUE_NAMES[msg];
  if (subsys === NFNL_SUBSYS.ULOG) return LOG_NAMES[msg];
  return undefined;
}

/** The family names used by this module. @example `const f: NfFamily = "inet6";` */
export type NfFamily = "inet" | "inet6";

/**
 * Maps `"inet"`/`"inet6"` to AF_INET/AF_INET6; throws TypeError otherwise.
 *
 * @example
 * ```ts
 * import { familyNumber } from "./nfnetlink.ts";
 * familyNumber("inet6"); // 10
 * ```
 */
export function familyNumber(family: NfFamily): number {
  if (family === "inet") return AF.INET;
  if (family === "inet6") return AF.INET6;
  throw new TypeError(`family must be "inet" or "inet6", not ${JSON.stringify(family)}`);
}

/**
 * Maps AF_INET/AF_INET6 to `"inet"`/`"inet6"`; other numbers stay numbers.
 *
 * @example
 * ```ts
 * import { familyName } from "./nfnetlink.ts";
 * familyName(2); // "inet"
 * ```
 */
export function familyName(family: number): NfFamily | number {
  return family === AF.INET ? "inet" : family === AF.INET6 ? "inet6" : family;
}
