/**
 * Seeing the conversation with the kernel: {@link traceLogger} turns the
 * datagrams a socket's `trace` option sees into one readable line per
 * message, and {@link PcapWriter} into a pcap capture in nlmon's link type
 * (`LINKTYPE_NETLINK`, 253) that Wireshark and `tshark -r` decode.
 *
 * @module
 */
import type { TraceEvent } from "./socket.ts";

const NLMSG_HDRLEN = 16;

/** Generic message types, and what every family shares. */
const CONTROL: Record<number, string> = { 1: "NOOP", 2: "ERROR", 3: "DONE", 4: "OVERRUN" };

/** Bytes of the family header that precede the attributes, by protocol and message type (rtnetlink). */
function familyHeader(protocol: number, type: number): number {
  if (protocol === 0) {
    // rtnetlink: RTM_*LINK ifinfomsg 16, *ADDR ifaddrmsg 8, *ROUTE rtmsg 12, *NEIGH ndmsg 12, *RULE 12,
    // *QDISC/*TCLASS/*TFILTER tcmsg 20, *NEXTHOP 8, *NSID rtgenmsg 4 (padded to 4).
    const kind = (type - 16) >> 2;
    return [16, 8, 12, 12, 12, 20, 20, 20][kind] ?? (type >= 104 && type <= 107 ? 8 : 4);
  }
  if (protocol === 16) return 4; // genlmsghdr
  if (protocol === 12) return 4; // nfgenmsg
  return 0;
}

const FLAGS: [number, string][] = [
  [0x1, "REQUEST"],
  [0x2, "MULTI"],
  [0x4, "ACK"],
  [0x8, "ECHO"],
  [0x10, "DUMP_INTR"],
  [0x20, "DUMP_FILTERED"],
];
const GET_FLAGS: [number, string][] = [[0x100, "ROOT"], [0x200, "MATCH"], [0x400, "ATOMIC"]];
const NEW_FLAGS: [number, string][] = [[0x100, "REPLACE"], [0x200, "EXCL"], [0x400, "CREATE"], [0x800, "APPEND"]];

function flagText(flags: number, type: number, request: boolean): string {
  const names: string[] = [];
  let left = flags;
  for (const [bit, name] of FLAGS) if (flags & bit) names.push(name), left &= ~bit;
  if (type >= 16 && request) {
    const upper = (flags & 0x300) === 0x300 && (type & 3) === 2 ? [[0x300, "DUMP"] as [number, string]] : [];
    const table = (type & 3) === 2 ? GET_FLAGS : (type & 3) === 0 ? NEW_FLAGS : [];
    for (const [bit, name] of [...upper, ...table]) {
      if ((left & bit) === bit) names.push(name), left &= ~bit;
    }
  }
  if (left) names.push(`0x${left.toString(16)}`);
  return names.join(",") || "0";
}

/** `type:length` of each top-level attribute after the family header, as far as they parse. */
function attributeSummary(message: Uint8Array, skip: number): string {
  const dv = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const parts: string[] = [];
  let at = NLMSG_HDRLEN + skip;
  while (at + 4 <= message.length && parts.length < 32) {
    const len = dv.getUint16(at, true);
    const type = dv.getUint16(at + 2, true) & 0x3fff;
    if (len < 4 || at + len > message.length) {
      parts.push(`…(${message.length - at} bytes unparsed)`);
      break;
    }
    parts.push(`${type}:${len - 4}`);
    at += (len + 3) & ~3;
  }
  if (at + 4 <= message.length && parts.length >= 32) parts.push("…");
  return parts.join(" ");
}

/** One netlink message of a traced datagram. */
export interface TracedMessage {
  /** `"send"` or `"receive"`. */
  direction: "send" | "receive";
  /** The socket's protocol. */
  protocol: number;
  /** nlmsg_type. */
  type: number;
  /** Its name when known (`NLMSG_ERROR`, or the socket's `describeType`). */
  typeName?: string;
  /** nlmsg_flags. */
  flags: number;
  /** nlmsg_seq. */
  seq: number;
  /** nlmsg_pid. */
  pid: number;
  /** nlmsg_len. */
  length: number;
  /** For NLMSG_ERROR: the errno (0 is an ACK). */
  error?: number;
  /** The whole message. */
  bytes: Uint8Array;
}

/**
 * Splits a traced datagram into its messages (stopping at the first header
 * whose length does not fit).
 *
 * @example
 * ```ts
 * import { splitTraced } from "@nlts/netlink/socket";
 * const bytes = new Uint8Array(16);
 * new DataView(bytes.buffer).setUint32(0, 16, true);
 * console.log(splitTraced({ direction: "send", protocol: 0, bytes, peer: 0, group: 0 }).length); // 1
 * ```
 */
export function splitTraced(event: TraceEvent, describeType?: (type: number) => string | undefined): TracedMessage[] {
  const out: TracedMessage[] = [];
  const { bytes } = event;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + NLMSG_HDRLEN <= bytes.length) {
    const length = dv.getUint32(at, true);
    if (length < NLMSG_HDRLEN || at + length > bytes.length) break;
    const type = dv.getUint16(at + 4, true);
    const message: TracedMessage = {
      direction: event.direction,
      protocol: event.protocol,
      type,
      typeName: CONTROL[type] !== undefined ? `NLMSG_${CONTROL[type]}` : describeType?.(type),
      flags: dv.getUint16(at + 6, true),
      seq: dv.getUint32(at + 8, true),
      pid: dv.getUint32(at + 12, true),
      length,
      bytes: bytes.subarray(at, at + length),
    };
    if (type === 2 && length >= NLMSG_HDRLEN + 4) message.error = -dv.getInt32(at + NLMSG_HDRLEN, true);
    out.push(message);
    at += (length + 3) & ~3;
  }
  return out;
}

/**
 * A `trace` callback that writes one line per message: direction, type
 * (name when `describeType` knows it), flags, sequence, port, length and
 * the top-level attributes as `type:length`.
 *
 * @example
 * ```ts
 * import { traceLogger } from "@nlts/netlink/socket";
 * import { RouteClient, rtmName } from "@nlts/netlink/route";
 * await using rt = await RouteClient.open({ trace: traceLogger((line) => console.error(line), rtmName) });
 * await rt.getLink("lo"); // > RTM_GETLINK flags=REQUEST,ACK seq=… len=…
 * ```
 */
export function traceLogger(
  write: (line: string) => void,
  describeType?: (type: number) => string | undefined,
): (event: TraceEvent) => void {
  return (event) => {
    for (const m of splitTraced(event, describeType)) {
      const arrow = m.direction === "send" ? ">" : "<";
      const name = m.typeName ?? `type ${m.type}`;
      const from = event.peer !== 0 ? ` port=${event.peer}` : "";
      const group = event.group !== 0 ? ` group=${event.group}` : "";
      let tail: string;
      if (m.type === 2) tail = m.error === 0 ? " ack" : ` errno=${m.error}`;
      else if (m.type < 16) tail = "";
      else tail = ` attrs=[${attributeSummary(m.bytes, familyHeader(m.protocol, m.type))}]`;
      const flags = flagText(m.flags, m.type, m.direction === "send");
      write(`${arrow} ${name} flags=${flags} seq=${m.seq} pid=${m.pid} len=${m.length}${from}${group}${tail}`);
    }
  };
}

/** pcap's global header: magic, version 2.4, no zone, no accuracy, snaplen, LINKTYPE_NETLINK. */
function globalHeader(snaplen: number): Uint8Array {
  const out = new Uint8Array(24);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, snaplen, true);
  dv.setUint32(20, 253, true); // LINKTYPE_NETLINK
  return out;
}

/** Bytes of the cooked header (as Linux's SLL) in front of each datagram. */
const COOKED = 16;
const ARPHRD_NETLINK = 824;
const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;

/**
 * Writes pcap records in nlmon's format: each datagram (one or more
 * messages, host byte order as on the wire) behind a 16-byte cooked header
 * — packet type (0 received, 4 sent), ARPHRD_NETLINK, no address, and the
 * netlink protocol — in a pcap file of link type `LINKTYPE_NETLINK` (253),
 * which Wireshark's netlink dissector reads. `write` gets the bytes to
 * append.
 *
 * @example
 * ```ts
 * import { PcapWriter } from "@nlts/netlink/socket";
 * import { RouteClient } from "@nlts/netlink/route";
 * import { appendFileSync } from "node:fs";
 * const pcap = new PcapWriter((bytes) => appendFileSync("/tmp/route.pcap", bytes));
 * await using rt = await RouteClient.open({ trace: pcap.trace });
 * for await (const _ of rt.links());
 * ```
 */
export class PcapWriter {
  readonly #write: (bytes: Uint8Array) => void;
  readonly #snaplen: number;
  /** Records written. */
  records = 0;

  /**
   * `write` appends bytes to the capture (called at once with the file
   * header); records longer than `snaplen` are cut (default 262,144).
   */
  constructor(write: (bytes: Uint8Array) => void, snaplen = 262144) {
    this.#write = write;
    this.#snaplen = snaplen;
    write(globalHeader(snaplen));
  }

  /** The `trace` callback: one record per datagram. */
  readonly trace = (event: TraceEvent): void => {
    this.record(event, Date.now());
  };

  /** Writes one record for `event`, stamped `timeMs` (milliseconds since the epoch). */
  record(event: TraceEvent, timeMs: number): void {
    const length = COOKED + event.bytes.length;
    const kept = Math.min(length, this.#snaplen);
    const header = 0;
    const out = new Uint8Array(16 + kept);
    const dv = new DataView(out.buffer);
    const seconds = Math.floor(timeMs / 1000);
    dv.setUint32(header, seconds, true);
    dv.setUint32(header + 4, Math.floor((timeMs - seconds * 1000) * 1000), true);
    dv.setUint32(header + 8, kept, true);
    dv.setUint32(header + 12, length, true);
    const cooked = header + 16;
    // The cooked header is big-endian, as in Linux's SLL.
    dv.setUint16(cooked, event.direction === "send" ? PACKET_OUTGOING : PACKET_HOST);
    dv.setUint16(cooked + 2, ARPHRD_NETLINK);
    dv.setUint16(cooked + 4, 0);
    dv.setUint16(cooked + 14, event.protocol);
    out.set(event.bytes.subarray(0, kept - COOKED), cooked + COOKED);
    this.records++;
    this.#write(out);
  }
}
