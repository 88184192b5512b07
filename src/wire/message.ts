/**
 * Netlink messages: the `nlmsghdr` framing of a datagram, a writer for
 * requests, and the decoding of `NLMSG_ERROR` / `NLMSG_DONE`.
 *
 * @module
 */
import { Attrs, AttrWriter } from "./attrs.ts";
import { align4, Flags, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSGERR_ATTR } from "./constants.ts";
import { type ExtAck, NetlinkError, ParseError } from "./errors.ts";
import { u32At } from "./values.ts";

/** One message of a datagram. `payload` is a view into the received bytes. */
export interface NetlinkMessage {
  /** `nlmsg_type`. */
  type: number;
  /** `nlmsg_flags`. */
  flags: number;
  /** `nlmsg_seq`. */
  seq: number;
  /** `nlmsg_pid`. */
  pid: number;
  /** Everything after the 16-byte header, up to `nlmsg_len`. */
  payload: Uint8Array;
}

/**
 * Splits a datagram into messages. Every `nlmsg_len` is checked: shorter than
 * the header, or running past the datagram, is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { MessageWriter, parseMessages } from "@nlts/netlink";
 * const bytes = new MessageWriter(18, 0x301).finish();
 * parseMessages(bytes)[0].type; // 18
 * ```
 */
export function parseMessages(datagram: Uint8Array): NetlinkMessage[] {
  const broken = framingError(datagram, datagram.length);
  if (broken) throw broken;
  const out: NetlinkMessage[] = [];
  for (let at = 0; at < datagram.length; at += align4(u32At(datagram, at))) out.push(messageAt(datagram, at));
  return out;
}

/**
 * What {@link parseMessages} throws for the first `end` bytes of `b`,
 * checked in place (no object per message); undefined when every message
 * fits, so that each `nlmsg_len` can then be followed without a check.
 *
 * @example
 * ```ts
 * import { framingError } from "./message.ts";
 * framingError(new Uint8Array(20), 20); // ParseError: nlmsg_len 0 is shorter than the header
 * ```
 */
export function framingError(b: Uint8Array, end: number): ParseError | undefined {
  for (let at = 0; at < end;) {
    if (end - at < NLMSG_HDRLEN) return new ParseError(`${end - at} trailing bytes, shorter than a header`, at);
    const len = u32At(b, at);
    if (len < NLMSG_HDRLEN) return new ParseError(`nlmsg_len ${len} is shorter than the header`, at);
    if (len > end - at) return new ParseError(`nlmsg_len ${len} runs past the datagram (${end - at} left)`, at);
    at += align4(len);
  }
  return undefined;
}

/**
 * The message whose header is at `b[at]` (its length already checked, see
 * {@link framingError}), its payload a view of `b`.
 *
 * @example
 * ```ts
 * import { MessageWriter, messageAt } from "./message.ts";
 * messageAt(new MessageWriter(18, 0x301).finish(), 0).type; // 18
 * ```
 */
export function messageAt(b: Uint8Array, at: number): NetlinkMessage {
  return {
    type: b[at + 4] | (b[at + 5] << 8),
    flags: b[at + 6] | (b[at + 7] << 8),
    seq: u32At(b, at + 8),
    pid: u32At(b, at + 12),
    payload: b.subarray(at + NLMSG_HDRLEN, at + u32At(b, at)),
  };
}

/** Writes a host-order (little-endian) u32 at `b[at]`. */
function put32(b: Uint8Array, at: number, value: number): void {
  b[at] = value;
  b[at + 1] = value >> 8;
  b[at + 2] = value >> 16;
  b[at + 3] = value >>> 24;
}

/**
 * Builds one message: the header, then a family's fixed struct and
 * attributes. `seq` and `pid` are normally filled in by the socket.
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter } from "@nlts/netlink";
 * import { IFLA, RTM } from "@nlts/netlink/route";
 * const m = new MessageWriter(RTM.GETLINK, Flags.REQUEST | Flags.DUMP);
 * m.struct(16); // struct ifinfomsg, zeroed
 * m.u32(IFLA.EXT_MASK, 1);
 * const bytes = m.finish();
 * ```
 */
export class MessageWriter extends AttrWriter {
  /** Starts a message of `type` with `flags` (REQUEST/ACK are added by the socket). */
  constructor(type: number, flags = 0, capacity = 256) {
    super(capacity);
    this.reserve(NLMSG_HDRLEN);
    const b = this.buf;
    b[4] = type;
    b[5] = type >> 8;
    b[6] = flags;
    b[7] = flags >> 8;
    this.pos = NLMSG_HDRLEN;
  }

  /** Writes `nlmsg_len` and returns the finished message (a copy). */
  finish(seq = 0, pid = 0): Uint8Array {
    const b = this.buf;
    put32(b, 0, this.pos);
    put32(b, 8, seq);
    put32(b, 12, pid);
    return b.slice(0, this.pos);
  }
}

/**
 * Concatenates finished messages into one datagram (each is already padded
 * to 4 bytes by {@link MessageWriter}).
 *
 * @example
 * ```ts
 * import { batch, MessageWriter } from "@nlts/netlink/wire";
 * const a = new MessageWriter(18, 1).finish();
 * batch([a, a]).length; // 32
 * ```
 */
export function batch(messages: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const m of messages) size += align4(m.length);
  const out = new Uint8Array(size);
  let at = 0;
  for (const m of messages) {
    out.set(m, at);
    at += align4(m.length);
  }
  return out;
}

function parseExtAck(tlvs: Uint8Array, base: number): ExtAck | undefined {
  if (tlvs.length === 0) return undefined;
  const attrs = Attrs.parse(tlvs, base);
  const ack: ExtAck = {};
  const message = attrs.str(NLMSGERR_ATTR.MSG);
  if (message !== undefined) ack.message = message;
  const offset = attrs.u32(NLMSGERR_ATTR.OFFS);
  if (offset !== undefined) ack.offset = offset;
  const missingType = attrs.u32(NLMSGERR_ATTR.MISS_TYPE);
  if (missingType !== undefined) ack.missingType = missingType;
  const missingNest = attrs.u32(NLMSGERR_ATTR.MISS_NEST);
  if (missingNest !== undefined) ack.missingNest = missingNest;
  const cookie = attrs.get(NLMSGERR_ATTR.COOKIE);
  if (cookie) ack.cookie = cookie.slice();
  const policy = attrs.get(NLMSGERR_ATTR.POLICY);
  if (policy) ack.policy = policy.slice();
  return ack;
}

/** What an `NLMSG_ERROR` says: errno 0 is an acknowledgement. */
export interface ErrorReply {
  /** Positive errno, or 0 for an ACK. */
  errno: number;
  /** Header of the request this answers (type, flags, seq, pid). */
  request: { type: number; flags: number; seq: number; pid: number };
  /** Extended ACK (also present on a successful ACK that carries a warning). */
  extAck?: ExtAck;
}

/**
 * Decodes the payload of an `NLMSG_ERROR` message (`struct nlmsgerr` plus
 * the echoed request unless capped, then ext-ACK TLVs).
 *
 * @example
 * ```ts
 * import { parseErrorReply } from "@nlts/netlink/wire";
 * const payload = new Uint8Array(20); // error 0 + a zero header: an ACK
 * parseErrorReply({ type: 2, flags: 0x100, seq: 1, pid: 0, payload }).errno; // 0
 * ```
 */
export function parseErrorReply(msg: NetlinkMessage): ErrorReply {
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) throw new ParseError(`NLMSG_ERROR payload of ${p.length} bytes is too short`, 0);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const error = dv.getInt32(0, true);
  const origLen = dv.getUint32(4, true);
  const request = {
    type: dv.getUint16(8, true),
    flags: dv.getUint16(10, true),
    seq: dv.getUint32(12, true),
    pid: dv.getUint32(16, true),
  };
  // Without NLM_F_CAPPED the whole request is echoed after the error code.
  let tlvStart = 4 + NLMSG_HDRLEN;
  if (!(msg.flags & Flags.CAPPED)) tlvStart = 4 + align4(Math.max(origLen, NLMSG_HDRLEN));
  let extAck: ExtAck | undefined;
  if (msg.flags & Flags.ACK_TLVS && tlvStart <= p.length) {
    extAck = parseExtAck(p.subarray(tlvStart), tlvStart);
  }
  return { errno: 0 - error, request, extAck };
}

/**
 * Decodes an `NLMSG_DONE`: the dump's final error code (0 when it succeeded)
 * and ext-ACK TLVs when present.
 *
 * @example
 * ```ts
 * import { parseDone } from "@nlts/netlink/wire";
 * parseDone({ type: 3, flags: 2, seq: 1, pid: 0, payload: new Uint8Array(4) }).errno; // 0
 * ```
 */
export function parseDone(msg: NetlinkMessage): { errno: number; extAck?: ExtAck } {
  const p = msg.payload;
  if (p.length < 4) return { errno: 0 }; // some families send an empty DONE
  const error = new DataView(p.buffer, p.byteOffset, 4).getInt32(0, true);
  const extAck = msg.flags & Flags.ACK_TLVS ? parseExtAck(p.subarray(4), 4) : undefined;
  return { errno: 0 - error, extAck };
}

/**
 * The error a failed reply stands for, with the names the caller knows:
 * the message type's, and the path of the attribute the extended ACK
 * points at (`extAck.path`).
 *
 * @example
 * ```ts
 * import { MessageWriter, replyError } from "@nlts/netlink/wire";
 * const request = new MessageWriter(17).finish();
 * replyError(19, undefined, request, () => "RTM_DELLINK").message; // "RTM_DELLINK failed with ENODEV"
 * ```
 */
export function replyError(
  errno: number,
  extAck: ExtAck | undefined,
  request: Uint8Array | undefined,
  describe?: (type: number) => string | undefined,
  describeAttribute?: (request: Uint8Array, offset: number) => string | undefined,
): NetlinkError {
  const messageType = request && request.length >= 6 ? request[4] | (request[5] << 8) : undefined;
  if (extAck?.offset !== undefined && request && describeAttribute) {
    let path: string | undefined;
    try {
      path = describeAttribute(request, extAck.offset);
    } catch {
      // Naming the attribute is a courtesy; the error stands without it.
    }
    if (path !== undefined) extAck = { ...extAck, path };
  }
  return new NetlinkError(errno, {
    messageType,
    messageTypeName: messageType !== undefined ? describe?.(messageType) : undefined,
    extAck,
    request,
  });
}

export { NLMSG_DONE, NLMSG_ERROR };
