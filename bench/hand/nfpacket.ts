/**
 * The NFQUEUE and NFLOG packet decoders as they were before they moved onto
 * the schema (`src/netfilter/queue.ts`, `log.ts` at edf4edf: random access through
 * `parseNfnl`, i.e. `Attrs.parse`), kept only so that `bench/decode_ab.ts` can
 * time the schema decoders against them on the same messages. Not used by
 * the library.
 */
import { Attrs } from "../../src/wire/attrs.ts";
import { ParseError } from "../../src/wire/errors.ts";
import type { NetlinkMessage } from "../../src/wire/message.ts";
import {
  HOOK_NAMES,
  NFNL_SUBSYS,
  NFQA,
  NFQA_SKB,
  NFQNL_MSG,
  NFULA,
  NFULNL_MSG,
} from "../../src/netfilter/constants.ts";
import { familyName, NFGENMSG_LEN } from "../../src/netfilter/nfnetlink.ts";
import { decodeHwAddr, decodeTimestamp, type NfqPacketInfo } from "../../src/netfilter/queue.ts";
import type { LogEntry } from "../../src/netfilter/log.ts";
import { withJson } from "../../src/wire/json.ts";

function parseNfnl(msg: NetlinkMessage): { header: { family: number; resId: number }; attrs: Attrs } {
  const p = msg.payload;
  if (p.length < NFGENMSG_LEN) {
    throw new ParseError(`nfgenmsg needs ${NFGENMSG_LEN} bytes, the payload has ${p.length}`, 16);
  }
  const header = { family: p[0], resId: (p[2] << 8) | p[3] };
  return { header, attrs: Attrs.parse(p.subarray(NFGENMSG_LEN), 16 + NFGENMSG_LEN) };
}

function be32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/** The old `decodeQueuePacket`. */
export function decodeQueuePacketHand(msg: NetlinkMessage): NfqPacketInfo {
  if (msg.type !== ((NFNL_SUBSYS.QUEUE << 8) | NFQNL_MSG.PACKET)) {
    throw new ParseError(`message type 0x${msg.type.toString(16)} is not NFQNL_MSG_PACKET`, 4);
  }
  const { header, attrs } = parseNfnl(msg);
  const hdr = attrs.get(NFQA.PACKET_HDR);
  if (!hdr) throw new ParseError("queued packet without NFQA_PACKET_HDR", 20);
  if (hdr.length < 7) throw new ParseError(`NFQA_PACKET_HDR of ${hdr.length} bytes, needs 7`, 20);
  const hook = hdr[6];
  const p: NfqPacketInfo = {
    queue: header.resId,
    family: familyName(header.family),
    id: be32At(hdr, 0),
    hwProtocol: (hdr[4] << 8) | hdr[5],
    hook,
    hookName: HOOK_NAMES[hook] ?? `hook${hook}`,
    mark: 0,
    payload: new Uint8Array(0),
    gso: false,
    unknown: [],
  };
  for (const a of attrs) {
    switch (a.type) {
      case NFQA.PACKET_HDR:
        break;
      case NFQA.MARK:
        p.mark = attrs.be32(a.type)!;
        break;
      case NFQA.TIMESTAMP:
        p.timestamp = decodeTimestamp(a.value);
        break;
      case NFQA.IFINDEX_INDEV:
        p.indev = attrs.be32(a.type);
        break;
      case NFQA.IFINDEX_OUTDEV:
        p.outdev = attrs.be32(a.type);
        break;
      case NFQA.IFINDEX_PHYSINDEV:
        p.physIndev = attrs.be32(a.type);
        break;
      case NFQA.IFINDEX_PHYSOUTDEV:
        p.physOutdev = attrs.be32(a.type);
        break;
      case NFQA.HWADDR:
        p.hwAddr = decodeHwAddr(a.value);
        break;
      case NFQA.PAYLOAD:
        p.payload = a.value.slice();
        break;
      case NFQA.CAP_LEN:
        p.capLen = attrs.be32(a.type);
        break;
      case NFQA.SKB_INFO:
        p.skbInfo = attrs.be32(a.type);
        p.gso = (p.skbInfo! & NFQA_SKB.GSO) !== 0;
        break;
      case NFQA.UID:
        p.uid = attrs.be32(a.type);
        break;
      case NFQA.GID:
        p.gid = attrs.be32(a.type);
        break;
      case NFQA.SECCTX:
        p.secctx = attrs.str(a.type);
        break;
      case NFQA.CT:
        p.ct = a.value.slice();
        break;
      case NFQA.CT_INFO:
        p.ctInfo = attrs.be32(a.type);
        break;
      case NFQA.PRIORITY:
        p.priority = attrs.be32(a.type);
        break;
      case NFQA.L2HDR:
        p.l2hdr = a.value.slice();
        break;
      case NFQA.VLAN:
        p.vlan = a.value.slice();
        break;
      default:
        p.unknown.push({ ...a, value: a.value.slice() });
    }
  }
  return withJson(p);
}

/** The old `decodeLogEntry`. */
export function decodeLogEntryHand(msg: NetlinkMessage): LogEntry {
  if (msg.type !== ((NFNL_SUBSYS.ULOG << 8) | NFULNL_MSG.PACKET)) {
    throw new ParseError(`message type 0x${msg.type.toString(16)} is not NFULNL_MSG_PACKET`, 4);
  }
  const { header, attrs } = parseNfnl(msg);
  const hdr = attrs.get(NFULA.PACKET_HDR);
  if (!hdr) throw new ParseError("log message without NFULA_PACKET_HDR", 20);
  if (hdr.length < 3) throw new ParseError(`NFULA_PACKET_HDR of ${hdr.length} bytes, needs 3`, 20);
  const hook = hdr[2];
  const e: LogEntry = {
    group: header.resId,
    family: familyName(header.family),
    hwProtocol: (hdr[0] << 8) | hdr[1],
    hook,
    hookName: HOOK_NAMES[hook] ?? `hook${hook}`,
    mark: 0,
    payload: new Uint8Array(0),
    unknown: [],
  };
  for (const a of attrs) {
    switch (a.type) {
      case NFULA.PACKET_HDR:
        break;
      case NFULA.MARK:
        e.mark = attrs.be32(a.type)!;
        break;
      case NFULA.TIMESTAMP:
        e.timestamp = decodeTimestamp(a.value);
        break;
      case NFULA.IFINDEX_INDEV:
        e.indev = attrs.be32(a.type);
        break;
      case NFULA.IFINDEX_OUTDEV:
        e.outdev = attrs.be32(a.type);
        break;
      case NFULA.IFINDEX_PHYSINDEV:
        e.physIndev = attrs.be32(a.type);
        break;
      case NFULA.IFINDEX_PHYSOUTDEV:
        e.physOutdev = attrs.be32(a.type);
        break;
      case NFULA.HWADDR:
        e.hwAddr = decodeHwAddr(a.value);
        break;
      case NFULA.PAYLOAD:
        e.payload = a.value.slice();
        break;
      case NFULA.PREFIX:
        e.prefix = attrs.str(a.type);
        break;
      case NFULA.UID:
        e.uid = attrs.be32(a.type);
        break;
      case NFULA.GID:
        e.gid = attrs.be32(a.type);
        break;
      case NFULA.SEQ:
        e.seq = attrs.be32(a.type);
        break;
      case NFULA.SEQ_GLOBAL:
        e.seqGlobal = attrs.be32(a.type);
        break;
      case NFULA.HWTYPE:
        e.hwType = attrs.be16(a.type);
        break;
      case NFULA.HWHEADER:
        e.hwHeader = a.value.slice();
        break;
      case NFULA.HWLEN:
        break; // the length of hwHeader
      case NFULA.CT:
        e.ct = a.value.slice();
        break;
      case NFULA.CT_INFO:
        e.ctInfo = attrs.be32(a.type);
        break;
      case NFULA.VLAN:
        e.vlan = a.value.slice();
        break;
      case NFULA.L2HDR:
        e.l2hdr = a.value.slice();
        break;
      default:
        e.unknown.push({ ...a, value: a.value.slice() });
    }
  }
  return withJson(e);
}
