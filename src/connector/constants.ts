/**
 * Constants of NETLINK_CONNECTOR and its process-event user, from
 * `linux/connector.h` and `linux/cn_proc.h`.
 *
 * @module
 */

/**
 * Connector callback ids (`struct cb_id`) of the process-event connector.
 * The index is also the multicast group the events are sent to.
 *
 * @example
 * ```ts
 * import { CN_IDX_PROC, CN_VAL_PROC } from "@nlts/netlink/connector";
 * console.log(CN_IDX_PROC, CN_VAL_PROC); // 1 1
 * ```
 */
export const CN_IDX_PROC = 0x1;
/**
 * `val` of the process-event connector's `struct cb_id`.
 *
 * @example
 * ```ts
 * import { CN_VAL_PROC } from "@nlts/netlink/connector";
 * console.log(CN_VAL_PROC); // 1
 * ```
 */
export const CN_VAL_PROC = 0x1;

/**
 * Size of `struct cn_msg`: id.idx, id.val, seq, ack (u32 each), len, flags (u16 each).
 *
 * @example
 * ```ts
 * import { CN_MSG_SIZE } from "@nlts/netlink/connector";
 * console.log(CN_MSG_SIZE); // 20
 * ```
 */
export const CN_MSG_SIZE = 20;

/**
 * Largest connector message (`CONNECTOR_MAX_MSG_SIZE`).
 *
 * @example
 * ```ts
 * import { CONNECTOR_MAX_MSG_SIZE } from "@nlts/netlink/connector";
 * console.log(CONNECTOR_MAX_MSG_SIZE); // 16384
 * ```
 */
export const CONNECTOR_MAX_MSG_SIZE = 16384;

/**
 * `enum proc_cn_mcast_op`: what a listener sends to start or stop events.
 *
 * @example
 * ```ts
 * import { ProcCnMcastOp } from "@nlts/netlink/connector";
 * console.log(ProcCnMcastOp.LISTEN); // 1
 * ```
 */
export const ProcCnMcastOp = {
  LISTEN: 1,
  IGNORE: 2,
} as const;

/**
 * `enum what` of `struct proc_event`: one bit per event kind.
 *
 * @example
 * ```ts
 * import { ProcEventWhat } from "@nlts/netlink/connector";
 * console.log(ProcEventWhat.EXIT.toString(16)); // 80000000
 * ```
 */
export const ProcEventWhat = {
  NONE: 0x00000000,
  FORK: 0x00000001,
  EXEC: 0x00000002,
  UID: 0x00000004,
  GID: 0x00000040,
  SID: 0x00000080,
  PTRACE: 0x00000100,
  COMM: 0x00000200,
  COREDUMP: 0x40000000,
  EXIT: 0x80000000,
} as const;

/**
 * Size of the fixed part of `struct proc_event` before `event_data`:
 * what (u32), cpu (u32), timestamp_ns (u64, 8-aligned).
 *
 * @example
 * ```ts
 * import { PROC_EVENT_HEADER_SIZE } from "@nlts/netlink/connector";
 * console.log(PROC_EVENT_HEADER_SIZE); // 16
 * ```
 */
export const PROC_EVENT_HEADER_SIZE = 16;
