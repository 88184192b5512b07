/**
 * NETLINK_CONNECTOR process events (`linux/cn_proc.h`): fork, exec,
 * uid/gid/sid changes, ptrace, comm, coredump and exit of every process.
 *
 * - {@link processEvents} / {@link ProcConnector}: subscribe and listen.
 * - {@link decodeProcEvent}, {@link encodeProcMcast}: the codec.
 *
 * @example
 * ```ts
 * import { processEvents } from "@nlts/netlink/connector";
 * for await (const ev of processEvents()) {
 *   if ("overrun" in ev) continue;
 *   if (ev.type === "fork") console.log(ev.parentTgid, "forked", ev.childTgid);
 * }
 * ```
 *
 * @module
 */
export {
  CN_IDX_PROC,
  CN_MSG_SIZE,
  CN_VAL_PROC,
  CONNECTOR_MAX_MSG_SIZE,
  PROC_EVENT_HEADER_SIZE,
  ProcCnMcastOp,
  ProcEventWhat,
} from "./constants.ts";
export {
  type ConnectorHeader,
  decodeConnectorHeader,
  decodeProcEvent,
  decodeProcEventData,
  encodeProcMcast,
  type ProcEvent,
  type ProcEventBase,
  type ProcEventType,
} from "./proc.ts";
export {
  ProcConnector,
  type ProcConnectorOptions,
  type ProcessEventOptions,
  processEvents,
  type ProcEventStream,
  type ProcEventStreamOptions,
} from "./events.ts";
