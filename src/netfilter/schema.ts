/**
 * ctnetlink messages as schema sets (`src/wire/schema.ts`): the `CTA_*`
 * attributes after `struct nfgenmsg`, with the tuple, protocol-info,
 * counters and filter nests, and {@link nfnlAttributePath}, which names the
 * attribute an extended ACK points at in a conntrack request
 * (`CTA_TIMEOUT`, `CTA_TUPLE_ORIG.CTA_TUPLE_PROTO.CTA_PROTO_NUM`). The
 * conntrack decoder reads {@link conntrackEntryAttrs}, the part of the set
 * an entry interprets; its requests are written with {@link conntrackAttrs}.
 *
 * @module
 */
import { type AttrDef, type AttrSet, defineAttrSet, type MessageSchema, requestAttributePath } from "../wire/schema.ts";
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

/**
 * The uapi path of the attribute an extended-ACK `offset` points at in an
 * nfnetlink `request` (the whole message), or undefined when its subsystem
 * has no schema here (only ctnetlink has one). `Conntrack.open` passes it
 * as `describeAttribute`.
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
  return subsystem === NFNL_SUBSYS.CTNETLINK ? requestAttributePath(CONNTRACK, request, offset) : undefined;
}
