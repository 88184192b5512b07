/**
 * The conntrack decoder as it was before conntrack moved onto the schema
 * (`src/netfilter/conntrack.ts` at d4a8eb5: random access through
 * `Attrs.parse`), kept only so that `bench/decode_ab.ts` can time the schema
 * decoder against it on the same messages. Not used by the library.
 */
import { Attrs } from "../../src/wire/attrs.ts";
import { ParseError } from "../../src/wire/errors.ts";
import type { NetlinkMessage } from "../../src/wire/message.ts";
import { ipv4, ipv6 } from "../../src/wire/values.ts";
import {
  CT_STATUS_NAMES,
  CTA,
  CTA_COUNTERS,
  CTA_HELP,
  CTA_IP,
  CTA_PROTO,
  CTA_PROTOINFO,
  CTA_PROTOINFO_TCP,
  CTA_SECCTX,
  CTA_TIMESTAMP,
  CTA_TUPLE,
  IPPROTO,
  TCP_STATE_NAMES,
} from "../../src/netfilter/constants.ts";
import { familyName, NFGENMSG_LEN } from "../../src/netfilter/nfnetlink.ts";
import type {
  ConntrackCounter,
  ConntrackEntry,
  ConntrackTcpInfo,
  ConntrackTuple,
} from "../../src/netfilter/conntrack.ts";
import { withJson } from "../../src/wire/json.ts";

function parseNfnl(msg: NetlinkMessage): { header: { family: number }; attrs: Attrs } {
  const p = msg.payload;
  if (p.length < NFGENMSG_LEN) {
    throw new ParseError(`nfgenmsg needs ${NFGENMSG_LEN} bytes, the payload has ${p.length}`, 16);
  }
  return { header: { family: p[0] }, attrs: Attrs.parse(p.subarray(NFGENMSG_LEN), 16 + NFGENMSG_LEN) };
}

const PROTO_NAMES = new Map<number, string>(Object.entries(IPPROTO).map(([k, v]) => [v, k]));

function exactAddress(bytes: Uint8Array, size: 4 | 16, what: string): string {
  if (bytes.length !== size) throw new ParseError(`${what} is ${bytes.length} bytes, not ${size}`, 0);
  return size === 4 ? ipv4(bytes) : ipv6(bytes);
}

function beCounter(bytes: Uint8Array): number {
  if (bytes.length === 8) {
    const hi = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    const lo = ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0;
    return hi * 0x100000000 + lo;
  }
  if (bytes.length === 4) return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  throw new ParseError(`a counter cannot be ${bytes.length} bytes`, 0);
}

/** Decodes a `CTA_TUPLE_*` nest. */
function decodeTuple(attrs: Attrs): ConntrackTuple {
  const ipAttrs = attrs.nested(CTA_TUPLE.IP);
  const protoAttrs = attrs.nested(CTA_TUPLE.PROTO);
  if (!ipAttrs) throw new ParseError("conntrack tuple without CTA_TUPLE_IP", 0);
  if (!protoAttrs) throw new ParseError("conntrack tuple without CTA_TUPLE_PROTO", 0);
  let src: string | undefined;
  let dst: string | undefined;
  for (const a of ipAttrs) {
    if (a.type === CTA_IP.V4_SRC) src = exactAddress(a.value, 4, "CTA_IP_V4_SRC");
    else if (a.type === CTA_IP.V4_DST) dst = exactAddress(a.value, 4, "CTA_IP_V4_DST");
    else if (a.type === CTA_IP.V6_SRC) src = exactAddress(a.value, 16, "CTA_IP_V6_SRC");
    else if (a.type === CTA_IP.V6_DST) dst = exactAddress(a.value, 16, "CTA_IP_V6_DST");
  }
  if (src === undefined || dst === undefined) throw new ParseError("conntrack tuple without both addresses", 0);
  const protocol = protoAttrs.u8(CTA_PROTO.NUM);
  if (protocol === undefined) throw new ParseError("conntrack tuple without CTA_PROTO_NUM", 0);
  const tuple: ConntrackTuple = { src, dst, protocol };
  const name = PROTO_NAMES.get(protocol);
  if (name !== undefined) tuple.protocolName = name;
  const srcPort = protoAttrs.be16(CTA_PROTO.SRC_PORT);
  if (srcPort !== undefined) tuple.srcPort = srcPort;
  const dstPort = protoAttrs.be16(CTA_PROTO.DST_PORT);
  if (dstPort !== undefined) tuple.dstPort = dstPort;
  const icmpType = protoAttrs.u8(CTA_PROTO.ICMP_TYPE) ?? protoAttrs.u8(CTA_PROTO.ICMPV6_TYPE);
  if (icmpType !== undefined) tuple.icmpType = icmpType;
  const icmpCode = protoAttrs.u8(CTA_PROTO.ICMP_CODE) ?? protoAttrs.u8(CTA_PROTO.ICMPV6_CODE);
  if (icmpCode !== undefined) tuple.icmpCode = icmpCode;
  const icmpId = protoAttrs.be16(CTA_PROTO.ICMP_ID) ?? protoAttrs.be16(CTA_PROTO.ICMPV6_ID);
  if (icmpId !== undefined) tuple.icmpId = icmpId;
  const zone = attrs.be16(CTA_TUPLE.ZONE);
  if (zone !== undefined) tuple.zone = zone;
  return tuple;
}

function decodeCounter(attrs: Attrs): ConntrackCounter {
  const packets = attrs.get(CTA_COUNTERS.PACKETS) ?? attrs.get(CTA_COUNTERS.PACKETS32);
  const bytes = attrs.get(CTA_COUNTERS.BYTES) ?? attrs.get(CTA_COUNTERS.BYTES32);
  return { packets: packets ? beCounter(packets) : 0, bytes: bytes ? beCounter(bytes) : 0 };
}

function decodeTcp(attrs: Attrs): ConntrackTcpInfo | undefined {
  const stateNumber = attrs.u8(CTA_PROTOINFO_TCP.STATE);
  if (stateNumber === undefined) return undefined;
  const tcp: ConntrackTcpInfo = { state: TCP_STATE_NAMES[stateNumber] ?? `STATE_${stateNumber}`, stateNumber };
  const wo = attrs.u8(CTA_PROTOINFO_TCP.WSCALE_ORIGINAL);
  if (wo !== undefined) tcp.wscaleOriginal = wo;
  const wr = attrs.u8(CTA_PROTOINFO_TCP.WSCALE_REPLY);
  if (wr !== undefined) tcp.wscaleReply = wr;
  const flags = (type: number) => {
    const b = attrs.get(type);
    if (b === undefined) return undefined;
    if (b.length < 2) throw new ParseError(`TCP flags of ${b.length} bytes`, 0);
    return { flags: b[0], mask: b[1] };
  };
  const fo = flags(CTA_PROTOINFO_TCP.FLAGS_ORIGINAL);
  if (fo) tcp.flagsOriginal = fo;
  const fr = flags(CTA_PROTOINFO_TCP.FLAGS_REPLY);
  if (fr) tcp.flagsReply = fr;
  return tcp;
}

function statusNames(status: number): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (status & (1 << bit)) out.push(CT_STATUS_NAMES[bit] ?? `bit${bit}`);
  }
  return out;
}

/** Decodes a conntrack message. */
export function decodeConntrackHand(msg: NetlinkMessage): ConntrackEntry {
  const { header, attrs } = parseNfnl(msg);
  return withJson(decodeConntrackAttrs(header.family, attrs));
}

function decodeConntrackAttrs(family: number, attrs: Attrs): ConntrackEntry {
  const wrap = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(`${what}: ${e.message}`, e.offset);
      throw e;
    }
  };
  const origAttrs = attrs.nested(CTA.TUPLE_ORIG);
  const replyAttrs = attrs.nested(CTA.TUPLE_REPLY);
  if (!origAttrs) throw new ParseError("conntrack message without CTA_TUPLE_ORIG", 0);
  if (!replyAttrs) throw new ParseError("conntrack message without CTA_TUPLE_REPLY", 0);
  const entry: ConntrackEntry = {
    family: familyName(family),
    orig: wrap("CTA_TUPLE_ORIG", () => decodeTuple(origAttrs)),
    reply: wrap("CTA_TUPLE_REPLY", () => decodeTuple(replyAttrs)),
    statusFlags: [],
    unknown: [],
  };
  for (const a of attrs) {
    switch (a.type) {
      case CTA.TUPLE_ORIG:
      case CTA.TUPLE_REPLY:
        break;
      case CTA.STATUS:
        entry.status = attrs.be32(CTA.STATUS);
        entry.statusFlags = statusNames(entry.status!);
        break;
      case CTA.PROTOINFO: {
        entry.protoinfo = a.value.slice();
        const info = Attrs.parse(a.value);
        const tcp = info.nested(CTA_PROTOINFO.TCP);
        if (tcp) {
          const t = wrap("CTA_PROTOINFO_TCP", () => decodeTcp(tcp));
          if (t) entry.tcp = t;
        }
        break;
      }
      case CTA.TIMEOUT:
        entry.timeout = attrs.be32(CTA.TIMEOUT);
        break;
      case CTA.MARK:
        entry.mark = attrs.be32(CTA.MARK);
        break;
      case CTA.ZONE:
        entry.zone = attrs.be16(CTA.ZONE);
        break;
      case CTA.ID:
        entry.id = attrs.be32(CTA.ID);
        break;
      case CTA.USE:
        entry.use = attrs.be32(CTA.USE);
        break;
      case CTA.COUNTERS_ORIG:
      case CTA.COUNTERS_REPLY: {
        const c = wrap("CTA_COUNTERS", () => decodeCounter(Attrs.parse(a.value)));
        entry.counters ??= {};
        if (a.type === CTA.COUNTERS_ORIG) entry.counters.orig = c;
        else entry.counters.reply = c;
        break;
      }
      case CTA.LABELS:
        entry.labels = a.value.slice();
        break;
      case CTA.HELP: {
        const name = Attrs.parse(a.value).str(CTA_HELP.NAME);
        if (name !== undefined) entry.helper = name;
        break;
      }
      case CTA.SECCTX: {
        const name = Attrs.parse(a.value).str(CTA_SECCTX.NAME);
        if (name !== undefined) entry.secctx = name;
        break;
      }
      case CTA.TIMESTAMP: {
        const ts = Attrs.parse(a.value);
        entry.timestamp = {};
        const start = ts.be64(CTA_TIMESTAMP.START);
        if (start !== undefined) entry.timestamp.start = start;
        const stop = ts.be64(CTA_TIMESTAMP.STOP);
        if (stop !== undefined) entry.timestamp.stop = stop;
        break;
      }
      case CTA.TUPLE_MASTER:
        entry.master = wrap("CTA_TUPLE_MASTER", () => decodeTuple(Attrs.parse(a.value)));
        break;
      default:
        entry.unknown.push({ ...a, value: a.value.slice() });
    }
  }
  return entry;
}
