/**
 * NETLINK_NETFILTER for nlts: conntrack ({@link Conntrack}), NFQUEUE
 * ({@link NfQueue}, successor of NETLINK_FIREWALL and NETLINK_IP6_FW) and
 * NFLOG ({@link NfLog}, successor of NETLINK_NFLOG), with the nfnetlink
 * framing they share.
 *
 * @example
 * ```ts
 * import { Conntrack } from "@nlts/netlink/netfilter";
 * await using ct = await Conntrack.open();
 * for await (const e of ct.dump({ family: "inet", protocol: "tcp" })) console.log(e.orig, e.tcp?.state);
 * ```
 *
 * @module
 */
export {
  COPY_MODE,
  CT_STATUS_NAMES,
  CTA,
  CTA_COUNTERS,
  CTA_FILTER,
  CTA_FILTER_F,
  CTA_HELP,
  CTA_IP,
  CTA_PROTO,
  CTA_PROTOINFO,
  CTA_PROTOINFO_TCP,
  CTA_SECCTX,
  CTA_TIMESTAMP,
  CTA_TUPLE,
  HOOK_NAMES,
  IPCTNL_MSG,
  IPPROTO,
  type IpProtoName,
  NF_VERDICT,
  NFNETLINK_V0,
  NFNL_SUBSYS,
  NFNLGRP,
  NFQA,
  NFQA_CFG,
  NFQA_CFG_F,
  NFQA_SKB,
  NFQNL_CFG_CMD,
  NFQNL_MSG,
  NFULA,
  NFULA_CFG,
  NFULNL_CFG_CMD,
  NFULNL_CFG_F,
  NFULNL_MSG,
  TCP_STATE_NAMES,
} from "./constants.ts";
export {
  describeNfnlType,
  type NfFamily,
  type NfGenMsg,
  NFGENMSG_LEN,
  nfnlMessage,
  nfnlType,
  parseNfnl,
  splitNfnlType,
} from "./nfnetlink.ts";
export {
  Conntrack,
  type ConntrackChanges,
  type ConntrackCounter,
  type ConntrackEntry,
  type ConntrackEvent,
  type ConntrackEventOptions,
  ConntrackEventStream,
  type ConntrackEventType,
  type ConntrackOptions,
  type ConntrackSpec,
  type ConntrackStatusName,
  type ConntrackTcpInfo,
  type ConntrackTuple,
  decodeConntrack,
  decodeConntrackEvent,
  type DumpFilter,
  encodeCreateRequest,
  encodeDumpRequest,
  encodeUpdateRequest,
  type TcpStateName,
  type TupleSpec,
} from "./conntrack.ts";
export {
  decodeQueuePacket,
  encodeVerdict,
  type NfqPacketInfo,
  NfQueue,
  type NfQueueOptions,
  type NfTimestamp,
  type PacketsOptions,
  QueuedPacket,
  type QueuedPacketStream,
  type VerdictName,
  type VerdictOptions,
} from "./queue.ts";
export {
  decodeLogEntry,
  type EntriesOptions,
  type LogEntry,
  type LogEntryStream,
  NfLog,
  type NfLogOptions,
} from "./log.ts";
export type { InstanceStreamOptions } from "./instance.ts";
