/**
 * UNIX sockets over unix_diag: requests (`struct unix_diag_req`) and replies
 * (`struct unix_diag_msg` plus `UNIX_DIAG_*` attributes).
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { type AttrSet, type Codec, decodeAttrsAt, type Decoded, defineAttrSet, defineStruct } from "../wire/schema.ts";
import { ParseError } from "../wire/errors.ts";
import { u32At } from "../wire/values.ts";
import { MessageWriter } from "../wire/message.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import {
  DIAG_AF,
  SOCK_DIAG,
  SOCKET_STATE_NAMES,
  type StateFilter,
  type TcpState,
  UDIAG_SHOW,
  UNIX_DIAG,
  UNIX_TYPES,
  type UnixShow,
} from "./constants.ts";
import { decodeSkMeminfo, type SkMeminfo, stateMask } from "./inet.ts";
import { withJson } from "../wire/json.ts";

/** Size of `struct unix_diag_msg`. @example `UNIX_DIAG_MSG_SIZE // 16` */
export const UNIX_DIAG_MSG_SIZE = 16;
/** Size of `struct unix_diag_req`. @example `UNIX_DIAG_REQ_SIZE // 24` */
export const UNIX_DIAG_REQ_SIZE = 24;

/** A UNIX socket type by name. */
export type UnixType = "stream" | "dgram" | "seqpacket";

/** One UNIX socket as unix_diag reports it. */
export interface UnixSocket {
  /** Always `"unix"`. */
  family: "unix";
  /** Socket type, or the number when unknown. */
  type: UnixType | number;
  /** State as ss prints it: `"LISTEN"`, `"ESTAB"`, `"UNCONN"`, `"SYN-SENT"`… */
  state: TcpState | number;
  /** Inode number. */
  inode: number;
  /** Socket cookie. */
  cookie: bigint;
  /**
   * Bound name (show `"name"`): a path, or for an abstract name `@` followed
   * by the name with every NUL shown as `@`, as ss prints it.
   */
  name?: string;
  /** The name is in the abstract namespace (its bytes are in {@link nameBytes}). */
  abstract?: boolean;
  /** The name's bytes as the kernel sent them (abstract: after the leading NUL). */
  nameBytes?: Uint8Array;
  /** VFS inode and device of a path-bound socket (show `"vfs"`). */
  vfs?: { inode: number; dev: number; major: number; minor: number };
  /** Peer's inode (show `"peer"`; absent when unconnected). */
  peer?: number;
  /** Inodes of connections waiting to be accepted (show `"icons"`, listeners only). */
  pending?: number[];
  /** Receive queue (show `"rqlen"`): bytes, or for a listener connections waiting. */
  rqueue?: number;
  /** Send queue (show `"rqlen"`): bytes, or for a listener the backlog. */
  wqueue?: number;
  /** Memory counters (show `"meminfo"`). */
  meminfo?: SkMeminfo;
  /** Shutdown bits: 1 receive side shut, 2 send side shut. */
  shutdown?: number;
  /** Owner's uid (show `"uid"`). */
  uid?: number;
  /** Attributes not decoded here, kept raw (copies). */
  unknown: Attr[];
}

/** Options of {@link encodeUnixDumpRequest} and {@link unixSockets}. */
export interface UnixDumpOptions {
  /** States to dump (ss names or ss filter names). Default: all. */
  states?: (TcpState | StateFilter)[];
  /** What to report beyond type, state, inode and cookie. Default: everything. */
  show?: UnixShow[];
  /** Only these socket types (filtered here; the kernel dumps all). */
  types?: UnixType[];
  /** Cancels the dump. */
  signal?: AbortSignal;
}

const ALL_SHOW: UnixShow[] = Object.keys(UDIAG_SHOW) as UnixShow[];

/**
 * The `udiag_show` bits of a list of names.
 *
 * @example
 * ```ts
 * import { showMask } from "./unix.ts";
 * showMask(["name", "peer"]); // 5
 * ```
 */
export function showMask(show: readonly UnixShow[] = ALL_SHOW): number {
  let mask = 0;
  for (const s of show) {
    const bit = UDIAG_SHOW[s];
    if (bit === undefined) throw new TypeError(`unknown unix_diag show flag ${JSON.stringify(s)}`);
    mask |= bit;
  }
  return mask;
}

/**
 * A SOCK_DIAG_BY_FAMILY dump request for UNIX sockets.
 *
 * @example
 * ```ts
 * import { encodeUnixDumpRequest } from "@nlts/netlink/sockdiag";
 * encodeUnixDumpRequest({ states: ["LISTEN"], show: ["name"] }).length; // 40
 * ```
 */
export function encodeUnixDumpRequest(options: UnixDumpOptions = {}): Uint8Array {
  const m = new MessageWriter(SOCK_DIAG.BY_FAMILY, 0);
  const dv = m.struct(UNIX_DIAG_REQ_SIZE);
  dv.setUint8(0, DIAG_AF.UNIX);
  dv.setUint32(4, stateMask(options.states), true);
  dv.setUint32(12, showMask(options.show), true);
  dv.setUint32(16, 0xffffffff, true); // no cookie
  dv.setUint32(20, 0xffffffff, true);
  return m.finish();
}

/**
 * A SOCK_DIAG_BY_FAMILY request for the UNIX socket with this inode (and
 * cookie, when known).
 *
 * @example
 * ```ts
 * import { encodeUnixGetRequest } from "@nlts/netlink/sockdiag";
 * encodeUnixGetRequest(12345).length; // 40
 * ```
 */
export function encodeUnixGetRequest(inode: number, cookie?: bigint, show?: UnixShow[]): Uint8Array {
  if (!Number.isInteger(inode) || inode < 0 || inode > 0xffffffff) throw new TypeError(`inode ${inode} is not a u32`);
  const m = new MessageWriter(SOCK_DIAG.BY_FAMILY, 0);
  const dv = m.struct(UNIX_DIAG_REQ_SIZE);
  dv.setUint8(0, DIAG_AF.UNIX);
  dv.setUint32(4, 0xffffffff, true);
  dv.setUint32(8, inode, true);
  dv.setUint32(12, showMask(show), true);
  if (cookie === undefined) {
    dv.setUint32(16, 0xffffffff, true);
    dv.setUint32(20, 0xffffffff, true);
  } else {
    if (cookie < 0n || cookie > 0xffffffffffffffffn) throw new TypeError(`cookie ${cookie} is not a u64`);
    dv.setUint32(16, Number(cookie & 0xffffffffn), true);
    dv.setUint32(20, Number(cookie >> 32n), true);
  }
  return m.finish();
}

/** `UNIX_DIAG_NAME`: a path, or an abstract name (a leading NUL), shown as ss shows it. */
const UNIX_NAME: Codec<{ name: string; abstract: boolean; nameBytes: Uint8Array }> = {
  decode(v) {
    if (v.length > 0 && v[0] === 0) {
      // The leading NUL and every NUL inside as "@".
      const nameBytes = v.slice(1);
      return { name: "@" + new TextDecoder().decode(nameBytes).replaceAll("\0", "@"), abstract: true, nameBytes };
    }
    const nul = v.indexOf(0);
    const nameBytes = (nul < 0 ? v : v.subarray(0, nul)).slice();
    return { name: new TextDecoder().decode(nameBytes), abstract: false, nameBytes };
  },
};

/** `UNIX_DIAG_ICONS`: the inodes of connections waiting to be accepted. */
const ICONS: Codec<number[]> = {
  decode(v) {
    if (v.length % 4 !== 0) throw new ParseError(`UNIX_DIAG_ICONS of ${v.length} bytes is not whole u32s`, 0);
    const pending: number[] = [];
    for (let at = 0; at < v.length; at += 4) pending.push(u32At(v, at));
    return pending;
  },
};

/** `struct unix_diag_vfs`. */
const VFS = defineStruct({
  name: "unix_diag_vfs",
  members: [{ name: "inode", type: "u32" }, { name: "dev", type: "u32" }],
});
/** `struct unix_diag_rqlen`. */
const RQLEN = defineStruct({
  name: "unix_diag_rqlen",
  members: [{ name: "rqueue", type: "u32" }, { name: "wqueue", type: "u32" }],
});

const UNIX_ATTRS = defineAttrSet({
  name: "unix_diag",
  prefix: "UNIX_DIAG_",
  attributes: {
    name: { id: UNIX_DIAG.NAME, type: "binary", codec: UNIX_NAME },
    vfs: { id: UNIX_DIAG.VFS, type: "binary", struct: VFS },
    peer: { id: UNIX_DIAG.PEER, type: "u32" },
    icons: { id: UNIX_DIAG.ICONS, type: "binary", codec: ICONS },
    rqlen: { id: UNIX_DIAG.RQLEN, type: "binary", struct: RQLEN },
    meminfo: { id: UNIX_DIAG.MEMINFO, type: "binary", codec: { decode: decodeSkMeminfo } as Codec<SkMeminfo> },
    shutdown: { id: UNIX_DIAG.SHUTDOWN, type: "u8" },
    uid: { id: UNIX_DIAG.UID, type: "u32" },
  },
});
/** The `UNIX_DIAG_*` attributes of a unix_diag reply. */
export const unixDiagAttrs: AttrSet = UNIX_ATTRS;

/**
 * Decodes one SOCK_DIAG_BY_FAMILY reply for AF_UNIX.
 *
 * @example
 * ```ts
 * import { decodeUnixSocket } from "@nlts/netlink/sockdiag";
 * const payload = new Uint8Array(16);
 * payload[0] = 1; // AF_UNIX
 * payload[1] = 1; // SOCK_STREAM
 * payload[2] = 10; // TCP_LISTEN
 * decodeUnixSocket({ type: 20, flags: 2, seq: 1, pid: 0, payload }).state; // "LISTEN"
 * ```
 */
export function decodeUnixSocket(msg: NetlinkMessage): UnixSocket {
  const p = msg.payload;
  if (msg.type !== SOCK_DIAG.BY_FAMILY) throw new ParseError(`message type ${msg.type} is not SOCK_DIAG_BY_FAMILY`, 0);
  if (p.length < UNIX_DIAG_MSG_SIZE) {
    throw new ParseError(`unix_diag_msg of ${p.length} bytes is shorter than ${UNIX_DIAG_MSG_SIZE}`, 0);
  }
  if (p[0] !== DIAG_AF.UNIX) throw new ParseError(`unix_diag_msg of address family ${p[0]}, not AF_UNIX`, 0);
  const sock: UnixSocket = {
    family: "unix",
    type: UNIX_TYPES[p[1]] ?? p[1],
    state: SOCKET_STATE_NAMES[p[2]] ?? p[2],
    inode: u32At(p, 4),
    cookie: (BigInt(u32At(p, 12)) << 32n) | BigInt(u32At(p, 8)),
    unknown: [],
  };
  let attrs: Decoded<typeof UNIX_ATTRS>;
  try {
    attrs = decodeAttrsAt(UNIX_ATTRS, p, UNIX_DIAG_MSG_SIZE, p.length, UNIX_DIAG_MSG_SIZE);
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError(`unix_diag attributes: ${e.message}`, e.offset);
    throw e;
  }
  const { name, vfs, icons, rqlen, unknown, ...rest } = attrs;
  Object.assign(sock, rest);
  if (name) Object.assign(sock, name);
  // Kernel-internal dev_t: major in the top 12 bits, minor in the low 20.
  if (vfs) sock.vfs = { inode: vfs.inode, dev: vfs.dev, major: vfs.dev >>> 20, minor: vfs.dev & 0xfffff };
  if (icons) sock.pending = icons;
  if (rqlen) {
    sock.rqueue = rqlen.rqueue;
    sock.wqueue = rqlen.wqueue;
  }
  if (unknown) sock.unknown = unknown;
  return withJson(sock);
}
