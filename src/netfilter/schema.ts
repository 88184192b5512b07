/**
 * nfnetlink messages as schema sets (`src/wire/schema.ts`), the attributes
 * after `struct nfgenmsg`: ctnetlink's `CTA_*` (with the tuple,
 * protocol-info, counters and filter nests), NFQUEUE's `NFQA_*` and
 * `NFQA_CFG_*`, NFLOG's `NFULA_*` and `NFULA_CFG_*`; and
 * {@link nfnlAttributePath}, which names the attribute an extended ACK
 * points at in a request of any of them (`CTA_TIMEOUT`,
 * `CTA_TUPLE_ORIG.CTA_TUPLE_PROTO.CTA_PROTO_NUM`, `NFQA_CFG_QUEUE_MAXLEN`).
 * The conntrack decoder reads {@link conntrackEntryAttrs}, the part of the
 * set an entry interprets; its requests are written with
 * {@link conntrackAttrs}. Queued packets and log entries are read with
 * {@link queuePacketAttrs} and {@link logPacketAttrs}; the configuration
 * and verdict messages are written with {@link queueConfigAttrs},
 * {@link logConfigAttrs} and {@link queueAttrs}.
 *
 * @module
 */
import {
  type AttrDef,
  type AttrSet,
  type Codec,
  defineAttrSet,
  defineStruct,
  type MessageSchema,
  requestAttributePath,
} from "../wire/schema.ts";
import { ParseError } from "../wire/errors.ts";
import { mac } from "../wire/values.ts";
import type { NfTimestamp } from "./queue.ts";
import {
  CTA,
  CTA_COUNTERS,
  CTA_FILTER,
  CTA_HELP,
  CTA_IP,
  CTA_PROTO,
  CTA_PROTOINFO,
  CTA_PROTOINFO_TCP,
  CTA_SECCTX,
  CTA_TIMESTAMP,
  CTA_TUPLE,
  NFNL_SUBSYS,
  NFQA,
  NFQA_CFG,
  NFQNL_MSG,
  NFULA,
  NFULA_CFG,
  NFULNL_MSG,
} from "./constants.ts";

/** Size of `struct nfgenmsg`. */
const NFGENMSG_LEN = 4;

const TUPLE_IP = defineAttrSet({
  name: "tuple_ip",
  prefix: "CTA_IP_",
  attributes: {
    v4Src: { id: CTA_IP.V4_SRC, type: "ip" },
    v4Dst: { id: CTA_IP.V4_DST, type: "ip" },
    v6Src: { id: CTA_IP.V6_SRC, type: "ip" },
    v6Dst: { id: CTA_IP.V6_DST, type: "ip" },
  },
});

const TUPLE_PROTO = defineAttrSet({
  name: "tuple_proto",
  prefix: "CTA_PROTO_",
  attributes: {
    num: { id: CTA_PROTO.NUM, type: "u8" },
    srcPort: { id: CTA_PROTO.SRC_PORT, type: "u16", "byte-order": "big-endian" },
    dstPort: { id: CTA_PROTO.DST_PORT, type: "u16", "byte-order": "big-endian" },
    icmpId: { id: CTA_PROTO.ICMP_ID, type: "u16", "byte-order": "big-endian" },
    icmpType: { id: CTA_PROTO.ICMP_TYPE, type: "u8" },
    icmpCode: { id: CTA_PROTO.ICMP_CODE, type: "u8" },
    icmpv6Id: { id: CTA_PROTO.ICMPV6_ID, type: "u16", "byte-order": "big-endian" },
    icmpv6Type: { id: CTA_PROTO.ICMPV6_TYPE, type: "u8" },
    icmpv6Code: { id: CTA_PROTO.ICMPV6_CODE, type: "u8" },
  },
});

const TUPLE = defineAttrSet({
  name: "tuple",
  prefix: "CTA_TUPLE_",
  attributes: {
    ip: { id: CTA_TUPLE.IP, type: "nest", nested: TUPLE_IP },
    proto: { id: CTA_TUPLE.PROTO, type: "nest", nested: TUPLE_PROTO },
    zone: { id: CTA_TUPLE.ZONE, type: "u16", "byte-order": "big-endian" },
  },
});

const PROTOINFO_TCP = defineAttrSet({
  name: "protoinfo_tcp",
  prefix: "CTA_PROTOINFO_TCP_",
  attributes: {
    state: { id: CTA_PROTOINFO_TCP.STATE, type: "u8" },
    wscaleOriginal: { id: CTA_PROTOINFO_TCP.WSCALE_ORIGINAL, type: "u8" },
    wscaleReply: { id: CTA_PROTOINFO_TCP.WSCALE_REPLY, type: "u8" },
    flagsOriginal: { id: CTA_PROTOINFO_TCP.FLAGS_ORIGINAL, type: "binary" },
    flagsReply: { id: CTA_PROTOINFO_TCP.FLAGS_REPLY, type: "binary" },
  },
});

const PROTOINFO = defineAttrSet({
  name: "protoinfo",
  prefix: "CTA_PROTOINFO_",
  attributes: {
    tcp: { id: CTA_PROTOINFO.TCP, type: "nest", nested: PROTOINFO_TCP },
    dccp: { id: CTA_PROTOINFO.DCCP, type: "binary" },
    sctp: { id: CTA_PROTOINFO.SCTP, type: "binary" },
  },
});

const COUNTERS = defineAttrSet({
  name: "counters",
  prefix: "CTA_COUNTERS_",
  attributes: {
    packets: { id: CTA_COUNTERS.PACKETS, type: "u64", "byte-order": "big-endian", as: "number" },
    bytes: { id: CTA_COUNTERS.BYTES, type: "u64", "byte-order": "big-endian", as: "number" },
    packets32: { id: CTA_COUNTERS.PACKETS32, type: "u32", "byte-order": "big-endian" },
    bytes32: { id: CTA_COUNTERS.BYTES32, type: "u32", "byte-order": "big-endian" },
  },
});

const CONNTRACK_ATTRS = defineAttrSet({
  name: "conntrack",
  prefix: "CTA_",
  attributes: {
    tupleOrig: { id: CTA.TUPLE_ORIG, type: "nest", nested: TUPLE },
    tupleReply: { id: CTA.TUPLE_REPLY, type: "nest", nested: TUPLE },
    status: { id: CTA.STATUS, type: "u32", "byte-order": "big-endian" },
    protoinfo: { id: CTA.PROTOINFO, type: "nest", nested: PROTOINFO },
    help: {
      id: CTA.HELP,
      type: "nest",
      nested: defineAttrSet({
        name: "help",
        prefix: "CTA_HELP_",
        attributes: { name: { id: CTA_HELP.NAME, type: "string" }, info: { id: CTA_HELP.INFO, type: "binary" } },
      }),
    },
    natSrc: { id: CTA.NAT_SRC, type: "binary" },
    timeout: { id: CTA.TIMEOUT, type: "u32", "byte-order": "big-endian" },
    mark: { id: CTA.MARK, type: "u32", "byte-order": "big-endian" },
    countersOrig: { id: CTA.COUNTERS_ORIG, type: "nest", nested: COUNTERS },
    countersReply: { id: CTA.COUNTERS_REPLY, type: "nest", nested: COUNTERS },
    use: { id: CTA.USE, type: "u32", "byte-order": "big-endian" },
    id: { id: CTA.ID, type: "u32", "byte-order": "big-endian" },
    natDst: { id: CTA.NAT_DST, type: "binary" },
    tupleMaster: { id: CTA.TUPLE_MASTER, type: "nest", nested: TUPLE },
    seqAdjOrig: { id: CTA.SEQ_ADJ_ORIG, type: "binary" },
    seqAdjReply: { id: CTA.SEQ_ADJ_REPLY, type: "binary" },
    secmark: { id: CTA.SECMARK, type: "u32", "byte-order": "big-endian" },
    zone: { id: CTA.ZONE, type: "u16", "byte-order": "big-endian" },
    secctx: {
      id: CTA.SECCTX,
      type: "nest",
      nested: defineAttrSet({
        name: "secctx",
        prefix: "CTA_SECCTX_",
        attributes: { name: { id: CTA_SECCTX.NAME, type: "string" } },
      }),
    },
    timestamp: {
      id: CTA.TIMESTAMP,
      type: "nest",
      nested: defineAttrSet({
        name: "timestamp",
        prefix: "CTA_TIMESTAMP_",
        attributes: {
          start: { id: CTA_TIMESTAMP.START, type: "u64", "byte-order": "big-endian" },
          stop: { id: CTA_TIMESTAMP.STOP, type: "u64", "byte-order": "big-endian" },
        },
      }),
    },
    markMask: { id: CTA.MARK_MASK, type: "u32", "byte-order": "big-endian" },
    labels: { id: CTA.LABELS, type: "binary" },
    labelsMask: { id: CTA.LABELS_MASK, type: "binary" },
    synproxy: { id: CTA.SYNPROXY, type: "binary" },
    filter: {
      id: CTA.FILTER,
      type: "nest",
      nested: defineAttrSet({
        name: "filter",
        prefix: "CTA_FILTER_",
        attributes: {
          origFlags: { id: CTA_FILTER.ORIG_FLAGS, type: "u32" },
          replyFlags: { id: CTA_FILTER.REPLY_FLAGS, type: "u32" },
        },
      }),
    },
    statusMask: { id: CTA.STATUS_MASK, type: "u32", "byte-order": "big-endian" },
  },
});
/** The `CTA_*` attributes of a conntrack message (after `struct nfgenmsg`). */
export const conntrackAttrs: AttrSet = CONNTRACK_ATTRS;

/** The attributes a conntrack entry interprets (the others of {@link conntrackAttrs} are kept in `unknown`). */
const ENTRY_KEYS = [
  "tupleOrig",
  "tupleReply",
  "status",
  "protoinfo",
  "timeout",
  "mark",
  "zone",
  "id",
  "use",
  "countersOrig",
  "countersReply",
  "labels",
  "help",
  "secctx",
  "timestamp",
  "tupleMaster",
] as const;
const entryAttributes: Record<string, AttrDef> = {};
for (const key of ENTRY_KEYS) entryAttributes[key] = CONNTRACK_ATTRS.attributes[key];
// CTA_PROTOINFO is kept raw too (`protoinfo`): the entry reads its TCP part with protoinfoAttrs.
entryAttributes.protoinfo = { id: CTA.PROTOINFO, type: "binary" };
/** The part of {@link conntrackAttrs} a conntrack entry interprets, for `decodeConntrack`. */
export const conntrackEntryAttrs: AttrSet = defineAttrSet({
  name: "conntrack",
  prefix: "CTA_",
  attributes: entryAttributes,
});
/** The `CTA_PROTOINFO_*` attributes (inside `CTA_PROTOINFO`). */
export const protoinfoAttrs: AttrSet = PROTOINFO;

const CONNTRACK: MessageSchema = { headerSize: NFGENMSG_LEN, attributes: conntrackAttrs };

function be32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/**
 * Decodes `struct nfqnl_msg_packet_timestamp` / `nfulnl_msg_packet_timestamp`
 * (two big-endian u64: seconds, microseconds) from `bytes[start, end)`.
 *
 * @example
 * ```ts
 * import { decodeTimestampAt } from "./schema.ts";
 * decodeTimestampAt(new Uint8Array(16), 0, 16); // { sec: 0, usec: 0 }
 * ```
 */
export function decodeTimestampAt(bytes: Uint8Array, start: number, end: number): NfTimestamp {
  if (end - start < 16) throw new ParseError(`timestamp of ${end - start} bytes, needs 16`, 0);
  return {
    sec: be32At(bytes, start) * 0x100000000 + be32At(bytes, start + 4),
    usec: be32At(bytes, start + 8) * 0x100000000 + be32At(bytes, start + 12),
  };
}

/**
 * Decodes `struct nfqnl_msg_packet_hw` / `nfulnl_msg_packet_hw` (a
 * big-endian length, padding, up to 8 address bytes) in `bytes[start, end)`
 * into text.
 *
 * @example
 * ```ts
 * import { decodeHwAddrAt } from "./schema.ts";
 * decodeHwAddrAt(new Uint8Array([0, 6, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0]), 0, 12); // "02:00:00:00:00:01"
 * ```
 */
export function decodeHwAddrAt(bytes: Uint8Array, start: number, end: number): string {
  if (end - start < 4) throw new ParseError(`hardware address attribute of ${end - start} bytes`, 0);
  const len = (bytes[start] << 8) | bytes[start + 1];
  if (len > 8 || 4 + len > end - start) {
    throw new ParseError(`hardware address length ${len} runs past its attribute`, 0);
  }
  return mac(bytes.subarray(start + 4, start + 4 + len));
}

const TIMESTAMP: Codec<NfTimestamp> = {
  decode: (bytes) => decodeTimestampAt(bytes, 0, bytes.length),
  decodeAt: decodeTimestampAt,
};
const HW_ADDR: Codec<string> = { decode: (bytes) => decodeHwAddrAt(bytes, 0, bytes.length), decodeAt: decodeHwAddrAt };

/** `struct nfqnl_msg_packet_hdr` (packed: 7 bytes). */
const NFQ_PACKET_HDR = defineStruct({
  name: "nfqnl_msg_packet_hdr",
  members: [
    { name: "id", type: "u32", "byte-order": "big-endian" },
    { name: "hwProtocol", type: "u16", "byte-order": "big-endian" },
    { name: "hook", type: "u8" },
  ],
});

/** `struct nfqnl_msg_verdict_hdr`. */
const NFQ_VERDICT_HDR = defineStruct({
  name: "nfqnl_msg_verdict_hdr",
  members: [
    { name: "verdict", type: "u32", "byte-order": "big-endian" },
    { name: "id", type: "u32", "byte-order": "big-endian" },
  ],
});

/** The `NFQA_*` attributes a queued packet carries (`NFQNL_MSG_PACKET`). */
const QUEUE_PACKET_ATTRS = {
  packetHdr: { id: NFQA.PACKET_HDR, type: "binary", struct: NFQ_PACKET_HDR },
  mark: { id: NFQA.MARK, type: "u32", "byte-order": "big-endian", duplicate: "last" },
  timestamp: { id: NFQA.TIMESTAMP, type: "binary", codec: TIMESTAMP },
  indev: { id: NFQA.IFINDEX_INDEV, type: "u32", "byte-order": "big-endian", cname: "NFQA_IFINDEX_INDEV" },
  outdev: { id: NFQA.IFINDEX_OUTDEV, type: "u32", "byte-order": "big-endian", cname: "NFQA_IFINDEX_OUTDEV" },
  physIndev: { id: NFQA.IFINDEX_PHYSINDEV, type: "u32", "byte-order": "big-endian", cname: "NFQA_IFINDEX_PHYSINDEV" },
  physOutdev: {
    id: NFQA.IFINDEX_PHYSOUTDEV,
    type: "u32",
    "byte-order": "big-endian",
    cname: "NFQA_IFINDEX_PHYSOUTDEV",
  },
  hwAddr: { id: NFQA.HWADDR, type: "binary", codec: HW_ADDR, cname: "NFQA_HWADDR" },
  payload: { id: NFQA.PAYLOAD, type: "binary", duplicate: "last" },
  ct: { id: NFQA.CT, type: "binary" }, // a CTA_* nest, kept raw
  ctInfo: { id: NFQA.CT_INFO, type: "u32", "byte-order": "big-endian" },
  capLen: { id: NFQA.CAP_LEN, type: "u32", "byte-order": "big-endian" },
  skbInfo: { id: NFQA.SKB_INFO, type: "u32", "byte-order": "big-endian" },
  uid: { id: NFQA.UID, type: "u32", "byte-order": "big-endian" },
  gid: { id: NFQA.GID, type: "u32", "byte-order": "big-endian" },
  secctx: { id: NFQA.SECCTX, type: "string" },
  vlan: { id: NFQA.VLAN, type: "binary" }, // a NFQA_VLAN_* nest, kept raw
  l2hdr: { id: NFQA.L2HDR, type: "binary" },
  priority: { id: NFQA.PRIORITY, type: "u32", "byte-order": "big-endian" },
} as const;

const QUEUE_PACKET = defineAttrSet({
  name: "queue",
  prefix: "NFQA_",
  // The header is read first, into the packet's own fields (findAttribute in instance.ts).
  attributes: { ...QUEUE_PACKET_ATTRS, packetHdr: { id: NFQA.PACKET_HDR, type: "pad", cname: "NFQA_PACKET_HDR" } },
});
/**
 * The `NFQA_*` attributes a queued packet interprets, for
 * `decodeQueuePacket` (the others land in its `unknown`).
 */
export const queuePacketAttrs: AttrSet = QUEUE_PACKET;
/** The same set with its literal types, for the decoder's typed object. */
export const queuePacketSet: typeof QUEUE_PACKET = QUEUE_PACKET;

const QUEUE_ALL = defineAttrSet({
  name: "queue",
  prefix: "NFQA_",
  attributes: {
    ...QUEUE_PACKET_ATTRS,
    verdictHdr: { id: NFQA.VERDICT_HDR, type: "binary", struct: NFQ_VERDICT_HDR },
    exp: { id: NFQA.EXP, type: "binary" },
  },
});
/** Every `NFQA_*` attribute: the packet's and the verdict's (`NFQA_VERDICT_HDR`, `NFQA_EXP`). */
export const queueAttrs: AttrSet = QUEUE_ALL;
/** The same set with its literal types, for `encodeVerdict`. */
export const queueSet: typeof QUEUE_ALL = QUEUE_ALL;

const QUEUE_CONFIG = defineAttrSet({
  name: "queue_config",
  prefix: "NFQA_CFG_",
  attributes: {
    cmd: {
      id: NFQA_CFG.CMD,
      type: "binary",
      struct: defineStruct({
        name: "nfqnl_msg_config_cmd",
        members: [
          { name: "command", type: "u8" },
          { name: "pad", type: "pad", len: 1 },
          { name: "pf", type: "u16", "byte-order": "big-endian" },
        ],
      }),
    },
    params: {
      id: NFQA_CFG.PARAMS,
      type: "binary",
      struct: defineStruct({
        name: "nfqnl_msg_config_params", // packed: 5 bytes
        members: [
          { name: "copyRange", type: "u32", "byte-order": "big-endian" },
          { name: "copyMode", type: "u8" },
        ],
      }),
    },
    queueMaxlen: { id: NFQA_CFG.QUEUE_MAXLEN, type: "u32", "byte-order": "big-endian" },
    mask: { id: NFQA_CFG.MASK, type: "u32", "byte-order": "big-endian" },
    flags: { id: NFQA_CFG.FLAGS, type: "u32", "byte-order": "big-endian" },
  },
});
/** The `NFQA_CFG_*` attributes of `NFQNL_MSG_CONFIG`. */
export const queueConfigAttrs: AttrSet = QUEUE_CONFIG;
/** The same set with its literal types, for `NfQueue.open`. */
export const queueConfigSet: typeof QUEUE_CONFIG = QUEUE_CONFIG;

const LOG_PACKET = defineAttrSet({
  name: "log",
  prefix: "NFULA_",
  attributes: {
    // `struct nfulnl_msg_packet_hdr`, read first into the entry's own fields (findAttribute in instance.ts).
    packetHdr: { id: NFULA.PACKET_HDR, type: "pad", cname: "NFULA_PACKET_HDR" },
    mark: { id: NFULA.MARK, type: "u32", "byte-order": "big-endian", duplicate: "last" },
    timestamp: { id: NFULA.TIMESTAMP, type: "binary", codec: TIMESTAMP },
    indev: { id: NFULA.IFINDEX_INDEV, type: "u32", "byte-order": "big-endian", cname: "NFULA_IFINDEX_INDEV" },
    outdev: { id: NFULA.IFINDEX_OUTDEV, type: "u32", "byte-order": "big-endian", cname: "NFULA_IFINDEX_OUTDEV" },
    physIndev: {
      id: NFULA.IFINDEX_PHYSINDEV,
      type: "u32",
      "byte-order": "big-endian",
      cname: "NFULA_IFINDEX_PHYSINDEV",
    },
    physOutdev: {
      id: NFULA.IFINDEX_PHYSOUTDEV,
      type: "u32",
      "byte-order": "big-endian",
      cname: "NFULA_IFINDEX_PHYSOUTDEV",
    },
    hwAddr: { id: NFULA.HWADDR, type: "binary", codec: HW_ADDR, cname: "NFULA_HWADDR" },
    payload: { id: NFULA.PAYLOAD, type: "binary", duplicate: "last" },
    prefix: { id: NFULA.PREFIX, type: "string" },
    uid: { id: NFULA.UID, type: "u32", "byte-order": "big-endian" },
    seq: { id: NFULA.SEQ, type: "u32", "byte-order": "big-endian" },
    seqGlobal: { id: NFULA.SEQ_GLOBAL, type: "u32", "byte-order": "big-endian" },
    gid: { id: NFULA.GID, type: "u32", "byte-order": "big-endian" },
    hwType: { id: NFULA.HWTYPE, type: "u16", "byte-order": "big-endian", cname: "NFULA_HWTYPE" },
    hwHeader: { id: NFULA.HWHEADER, type: "binary", cname: "NFULA_HWHEADER" },
    // The length of hwHeader: read (so it is not unknown) but not kept.
    hwLen: { id: NFULA.HWLEN, type: "pad", cname: "NFULA_HWLEN" },
    ct: { id: NFULA.CT, type: "binary" }, // a CTA_* nest, kept raw
    ctInfo: { id: NFULA.CT_INFO, type: "u32", "byte-order": "big-endian" },
    vlan: { id: NFULA.VLAN, type: "binary" }, // a NFULA_VLAN_* nest, kept raw
    l2hdr: { id: NFULA.L2HDR, type: "binary" },
  },
});
/** The `NFULA_*` attributes of a log entry (`NFULNL_MSG_PACKET`), for `decodeLogEntry`. */
export const logPacketAttrs: AttrSet = LOG_PACKET;
/** The same set with its literal types, for the decoder's typed object. */
export const logPacketSet: typeof LOG_PACKET = LOG_PACKET;

const LOG_CONFIG = defineAttrSet({
  name: "log_config",
  prefix: "NFULA_CFG_",
  attributes: {
    cmd: {
      id: NFULA_CFG.CMD,
      type: "binary",
      struct: defineStruct({ name: "nfulnl_msg_config_cmd", members: [{ name: "command", type: "u8" }] }),
    },
    mode: {
      id: NFULA_CFG.MODE,
      type: "binary",
      struct: defineStruct({
        name: "nfulnl_msg_config_mode",
        members: [
          { name: "copyRange", type: "u32", "byte-order": "big-endian" },
          { name: "copyMode", type: "u8" },
          { name: "pad", type: "pad", len: 1 },
        ],
      }),
    },
    nlbufsiz: { id: NFULA_CFG.NLBUFSIZ, type: "u32", "byte-order": "big-endian" },
    timeout: { id: NFULA_CFG.TIMEOUT, type: "u32", "byte-order": "big-endian" },
    qthresh: { id: NFULA_CFG.QTHRESH, type: "u32", "byte-order": "big-endian" },
    flags: { id: NFULA_CFG.FLAGS, type: "u16", "byte-order": "big-endian" },
  },
});
/** The `NFULA_CFG_*` attributes of `NFULNL_MSG_CONFIG`. */
export const logConfigAttrs: AttrSet = LOG_CONFIG;
/** The same set with its literal types, for `NfLog.open`. */
export const logConfigSet: typeof LOG_CONFIG = LOG_CONFIG;

/** The schema of each nfnetlink request message type (`subsys << 8 | msg`) that has one. */
const REQUESTS = new Map<number, MessageSchema>([
  [(NFNL_SUBSYS.QUEUE << 8) | NFQNL_MSG.CONFIG, { headerSize: NFGENMSG_LEN, attributes: queueConfigAttrs }],
  [(NFNL_SUBSYS.QUEUE << 8) | NFQNL_MSG.VERDICT, { headerSize: NFGENMSG_LEN, attributes: queueAttrs }],
  [(NFNL_SUBSYS.QUEUE << 8) | NFQNL_MSG.VERDICT_BATCH, { headerSize: NFGENMSG_LEN, attributes: queueAttrs }],
  [(NFNL_SUBSYS.ULOG << 8) | NFULNL_MSG.CONFIG, { headerSize: NFGENMSG_LEN, attributes: logConfigAttrs }],
]);

/**
 * The uapi path of the attribute an extended-ACK `offset` points at in an
 * nfnetlink `request` (the whole message), or undefined when its message
 * has no schema here (ctnetlink's have one; NFQUEUE's configuration and
 * verdicts; NFLOG's configuration). `Conntrack.open`, `NfQueue.open` and
 * `NfLog.open` pass it as `describeAttribute`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { nfnlAttributePath } from "./schema.ts";
 * await using sock = await NetlinkSocket.open("netfilter", { describeAttribute: nfnlAttributePath });
 * ```
 */
export function nfnlAttributePath(request: Uint8Array, offset: number): string | undefined {
  if (request.length < 16) return undefined;
  const subsystem = request[5];
  if (subsystem === NFNL_SUBSYS.CTNETLINK) return requestAttributePath(CONNTRACK, request, offset);
  const message = REQUESTS.get(request[4] | (subsystem << 8));
  return message ? requestAttributePath(message, request, offset) : undefined;
}
