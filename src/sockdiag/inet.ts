/**
 * INET sockets (TCP, UDP, UDP-Lite, raw, MPTCP, SCTP) over inet_diag:
 * requests (`struct inet_diag_req_v2`) and replies (`struct inet_diag_msg`
 * plus `INET_DIAG_*` attributes).
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { type AttrSet, type Codec, decodeAttrs, decodeAttrsAt, type Decoded, defineAttrSet } from "../wire/schema.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter } from "../wire/message.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { AddressError, ipv4, ipv6, parseIP } from "../wire/values.ts";
import {
  DIAG_AF,
  DIAG_IPPROTO,
  INET_DIAG,
  INET_DIAG_REQ,
  INET_EXTENSIONS,
  INET_ULP_INFO,
  type InetExtension,
  SK_MEMINFO_FIELDS,
  SOCK_DIAG,
  SOCKET_STATE_NAMES,
  STATE_FILTERS,
  type StateFilter,
  type TcpState,
  TIMER_NAMES,
} from "./constants.ts";
import {
  type CcInfo,
  decodeBbrInfo,
  decodeDctcpInfo,
  decodeTcpInfo,
  decodeVegasInfo,
  type TcpInfo,
} from "./tcpinfo.ts";
import { withJson } from "../wire/json.ts";

/** Size of `struct inet_diag_msg`. @example `INET_DIAG_MSG_SIZE // 72` */
export const INET_DIAG_MSG_SIZE = 72;
/** Size of `struct inet_diag_req_v2`. @example `INET_DIAG_REQ_V2_SIZE // 56` */
export const INET_DIAG_REQ_V2_SIZE = 56;

/** An address family by name. */
export type InetFamily = "inet" | "inet6";

/** A protocol inet_diag can dump, by name or `IPPROTO_*` number. */
export type InetProtocol = "tcp" | "udp" | "udplite" | "raw" | "mptcp" | "sctp" | number;

/** `struct inet_diag_meminfo` (INET_DIAG_MEMINFO): queue memory in bytes. */
export interface InetMeminfo {
  /** Receive queue memory. */
  rmem: number;
  /** Memory of data sent but not acknowledged. */
  wmem: number;
  /** Forward-allocated memory. */
  fmem: number;
  /** Memory of the write queue. */
  tmem: number;
}

/** The `SK_MEMINFO_*` counters (INET_DIAG_SKMEMINFO, UNIX_DIAG_MEMINFO), as `ss -m` shows them. */
export interface SkMeminfo {
  /** `r`: receive queue memory allocated. */
  rmemAlloc: number;
  /** `rb`: receive buffer size. */
  rcvbuf: number;
  /** `t`: transmit memory allocated. */
  wmemAlloc: number;
  /** `tb`: send buffer size. */
  sndbuf: number;
  /** `f`: forward-allocated memory. */
  fwdAlloc: number;
  /** `w`: memory queued for sending. */
  wmemQueued: number;
  /** `o`: option memory. */
  optmem: number;
  /** `bl`: backlog queue length in bytes. */
  backlog: number;
  /** `d`: packets dropped. */
  drops?: number;
  /** Counters past `drops` (newer kernels), raw. */
  extra?: number[];
}

/** A socket timer (`idiag_timer`, `idiag_expires`, `idiag_retrans`), as `ss -o` shows it. */
export interface SocketTimer {
  /** `"on"` (retransmit), `"keepalive"`, `"timewait"`, `"persist"` (zero window probe), or the number. */
  name: (typeof TIMER_NAMES)[number] | number;
  /** Milliseconds until it fires. */
  expires: number;
  /** Retransmissions / probes so far. */
  retrans: number;
}

/** `struct inet_diag_sockopt` (INET_DIAG_SOCKOPT). */
export interface InetSockopt {
  /** IP_RECVERR. */
  recverr: boolean;
  /** A connection-oriented (inet_connection_sock) socket. */
  isIcsk: boolean;
  /** IP_FREEBIND. */
  freebind: boolean;
  /** IP_HDRINCL. */
  hdrincl: boolean;
  /** IP_MULTICAST_LOOP. */
  mcLoop: boolean;
  /** IP_TRANSPARENT. */
  transparent: boolean;
  /** IP_MULTICAST_ALL. */
  mcAll: boolean;
  /** IP_NODEFRAG. */
  nodefrag: boolean;
  /** IP_BIND_ADDRESS_NO_PORT. */
  bindAddressNoPort: boolean;
  /** IP_RECVERR_RFC4884. */
  recverrRfc4884: boolean;
  /** TCP Fast Open deferred connect. */
  deferConnect: boolean;
}

/** One INET socket as inet_diag reports it. */
export interface InetSocket {
  /** Address family. */
  family: InetFamily;
  /** Protocol as asked for in the dump (inet_diag does not repeat it, except INET_DIAG_PROTOCOL). */
  protocol: InetProtocol;
  /** State as ss prints it (`"LISTEN"`, `"ESTAB"`, `"UNCONN"`…), or the number when unknown. */
  state: TcpState | number;
  /** Local address (`"0.0.0.0"`, `"::"` when unbound). */
  src: string;
  /** Local port (for raw sockets: the IP protocol). */
  srcPort: number;
  /** Remote address. */
  dst: string;
  /** Remote port (0 when unconnected). */
  dstPort: number;
  /** Interface index the socket is bound to (0: none). */
  interface: number;
  /** Socket cookie (`ss -e` prints it as `sk:<hex>`). */
  cookie: bigint;
  /** Pending timer, if any. */
  timer?: SocketTimer;
  /** Receive queue: bytes not read (for a listener: connections not accepted). */
  rqueue: number;
  /** Send queue: bytes not acknowledged (for a listener: the backlog). */
  wqueue: number;
  /** Owner's uid. */
  uid: number;
  /** Inode number (0 for TIME-WAIT and request sockets). */
  inode: number;
  /** `struct tcp_info` (extension `"info"`, TCP only). */
  tcpInfo?: TcpInfo;
  /** INET_DIAG_MEMINFO (extension `"meminfo"`). */
  meminfo?: InetMeminfo;
  /** INET_DIAG_SKMEMINFO (extension `"skmeminfo"`). */
  skmeminfo?: SkMeminfo;
  /** Congestion control algorithm (extension `"cong"`). */
  congestion?: string;
  /** Congestion control details (extension `"ccinfo"`). */
  ccInfo?: CcInfo;
  /** IPv4 TOS (extension `"tos"`). */
  tos?: number;
  /** IPv6 traffic class (extension `"tclass"`). */
  tclass?: number;
  /** cgroup v1 net_cls class id (extension `"tclass"`). */
  classId?: number;
  /** Shutdown bits (extension `"shutdown"`): 1 receive side shut, 2 send side shut. */
  shutdown?: number;
  /** IP protocol (INET_DIAG_PROTOCOL, sent for protocols that share a handler). */
  protocolNumber?: number;
  /** IPV6_V6ONLY (INET_DIAG_SKV6ONLY). */
  v6only?: boolean;
  /** Socket mark (INET_DIAG_MARK, sent to CAP_NET_ADMIN). */
  mark?: number;
  /** cgroup v2 id (INET_DIAG_CGROUP_ID). */
  cgroupId?: bigint;
  /** Upper layer protocol (INET_DIAG_ULP_INFO): its name, and the nest raw. */
  ulp?: { name?: string; attrs: Attr[] };
  /** Socket options (INET_DIAG_SOCKOPT). */
  sockopt?: InetSockopt;
  /** Attributes not decoded here, kept raw (copies). */
  unknown: Attr[];
}

/** Options of {@link encodeInetDumpRequest} and {@link inetSockets}. */
export interface InetDumpOptions {
  /** Address family (default: both, IPv4 first). */
  family?: InetFamily | "all";
  /** Protocol (default `"tcp"`). */
  protocol?: InetProtocol;
  /** States to dump: ss names (`"LISTEN"`) or ss filter names (`"established"`, `"connected"`…). Default: all. */
  states?: (TcpState | StateFilter)[];
  /** Extensions to ask for (default none). */
  extensions?: InetExtension[];
  /** For raw sockets: the IP protocol of the raw sockets (`sdiag_raw_protocol`). */
  rawProtocol?: number;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

/**
 * The `IPPROTO_*` number of a protocol name.
 *
 * @example
 * ```ts
 * import { protocolNumberOf } from "./inet.ts";
 * protocolNumberOf("udp"); // 17
 * ```
 */
export function protocolNumberOf(protocol: InetProtocol): number {
  if (typeof protocol === "number") {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 0xffffffff) {
      throw new TypeError(`protocol ${protocol} is not an IP protocol number`);
    }
    return protocol;
  }
  const names: Record<string, number> = {
    tcp: DIAG_IPPROTO.TCP,
    udp: DIAG_IPPROTO.UDP,
    udplite: DIAG_IPPROTO.UDPLITE,
    raw: DIAG_IPPROTO.RAW,
    mptcp: DIAG_IPPROTO.MPTCP,
    sctp: DIAG_IPPROTO.SCTP,
  };
  const n = Object.hasOwn(names, protocol) ? names[protocol] : undefined;
  if (n === undefined) {
    throw new TypeError(`unknown inet_diag protocol ${JSON.stringify(protocol)}`);
  }
  return n;
}

function protocolName(n: number): InetProtocol {
  switch (n) {
    case DIAG_IPPROTO.TCP:
      return "tcp";
    case DIAG_IPPROTO.UDP:
      return "udp";
    case DIAG_IPPROTO.UDPLITE:
      return "udplite";
    case DIAG_IPPROTO.RAW:
      return "raw";
    case DIAG_IPPROTO.MPTCP:
      return "mptcp";
    case DIAG_IPPROTO.SCTP:
      return "sctp";
  }
  return n;
}

/**
 * The `idiag_states` bit mask of a list of states (ss names or ss filter
 * names). No list (or an empty one) means every state. Asking for SYN-RECV
 * also asks for NEW-SYN-RECV, where the kernel keeps request sockets.
 *
 * @example
 * ```ts
 * import { stateMask } from "./inet.ts";
 * stateMask(["LISTEN"]); // 1024
 * stateMask(["bucket"]).toString(2); // "1000001001000"
 * ```
 */
export function stateMask(states?: readonly (TcpState | StateFilter)[]): number {
  if (!states || states.length === 0) return 0xffffffff;
  let mask = 0;
  for (const s of states) {
    const names: readonly TcpState[] | undefined = STATE_FILTERS[s] ??
      (SOCKET_STATE_NAMES.includes(s as TcpState) ? [s as TcpState] : undefined);
    if (!names) throw new TypeError(`unknown socket state ${JSON.stringify(s)}`);
    for (const name of names) mask |= 1 << SOCKET_STATE_NAMES.indexOf(name);
  }
  if (mask & (1 << 3)) mask |= 1 << 12; // TCP_SYN_RECV brings TCP_NEW_SYN_RECV
  return mask >>> 0;
}

/**
 * The `idiag_ext` bits of a list of extensions.
 *
 * @example
 * ```ts
 * import { extensionMask } from "./inet.ts";
 * extensionMask(["info", "cong"]); // 10
 * ```
 */
export function extensionMask(extensions?: readonly InetExtension[]): number {
  let mask = 0;
  for (const e of extensions ?? []) {
    const n = INET_EXTENSIONS[e];
    if (n === undefined) throw new TypeError(`unknown inet_diag extension ${JSON.stringify(e)}`);
    mask |= 1 << (n - 1);
  }
  return mask;
}

function familyNumber(family: InetFamily): number {
  if (family === "inet") return DIAG_AF.INET;
  if (family === "inet6") return DIAG_AF.INET6;
  throw new TypeError(`family must be "inet" or "inet6", not ${JSON.stringify(family)}`);
}

/** Identity of one INET socket, for {@link encodeInetGetRequest} and destroy. */
export interface InetSocketId {
  /** Address family. */
  family: InetFamily;
  /** Protocol (default `"tcp"`). */
  protocol?: InetProtocol;
  /** Local address. */
  src: string;
  /** Local port. */
  srcPort: number;
  /** Remote address (default: unspecified). */
  dst?: string;
  /** Remote port (default 0). */
  dstPort?: number;
  /** Interface index (default 0). */
  interface?: number;
  /** Cookie; when given, the kernel checks it (default: no cookie check). */
  cookie?: bigint;
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new TypeError(`${what} ${port} is not a port number`);
  return port;
}

function writeAddress(dv: DataView, at: number, family: number, text: string | undefined, what: string): void {
  if (text === undefined) return;
  const bytes = parseIP(text);
  if (family === DIAG_AF.INET && bytes.length !== 4) throw new AddressError(`${what} ${text} is not an IPv4 address`);
  if (family === DIAG_AF.INET6 && bytes.length !== 16) throw new AddressError(`${what} ${text} is not an IPv6 address`);
  for (let i = 0; i < bytes.length; i++) dv.setUint8(at + i, bytes[i]);
}

function writeRequest(
  type: number,
  flags: number,
  family: number,
  protocol: number,
  ext: number,
  states: number,
  rawProtocol: number,
  id?: InetSocketId,
): Uint8Array {
  const m = new MessageWriter(type, flags);
  const dv = m.struct(INET_DIAG_REQ_V2_SIZE);
  dv.setUint8(0, family);
  dv.setUint8(1, protocol > 0xff ? DIAG_IPPROTO.TCP : protocol);
  dv.setUint8(2, ext);
  dv.setUint8(3, rawProtocol);
  dv.setUint32(4, states, true);
  // struct inet_diag_sockid at 8
  if (id) {
    dv.setUint16(8, checkPort(id.srcPort, "srcPort"), false);
    dv.setUint16(10, checkPort(id.dstPort ?? 0, "dstPort"), false);
    writeAddress(dv, 12, family, id.src, "src");
    writeAddress(dv, 28, family, id.dst, "dst");
    const ifindex = id.interface ?? 0;
    if (!Number.isInteger(ifindex) || ifindex < 0 || ifindex > 0xffffffff) {
      throw new TypeError(`interface ${ifindex} is not an interface index`);
    }
    dv.setUint32(44, ifindex, true);
  }
  if (id?.cookie !== undefined) {
    if (id.cookie < 0n || id.cookie > 0xffffffffffffffffn) throw new TypeError(`cookie ${id.cookie} is not a u64`);
    dv.setUint32(48, Number(id.cookie & 0xffffffffn), true);
    dv.setUint32(52, Number(id.cookie >> 32n), true);
  } else {
    dv.setUint32(48, 0xffffffff, true); // INET_DIAG_NOCOOKIE
    dv.setUint32(52, 0xffffffff, true);
  }
  if (protocol > 0xff) m.u32(INET_DIAG_REQ.PROTOCOL, protocol);
  return m.finish();
}

function rawProtocolOf(value: number | undefined): number {
  const raw = value ?? 0;
  if (!Number.isInteger(raw) || raw < 0 || raw > 0xff) throw new TypeError(`rawProtocol ${raw} is not 0..255`);
  return raw;
}

/**
 * A SOCK_DIAG_BY_FAMILY dump request for one family and protocol (the
 * socket adds NLM_F_REQUEST|NLM_F_DUMP).
 *
 * @example
 * ```ts
 * import { encodeInetDumpRequest } from "@nlts/netlink/sockdiag";
 * const bytes = encodeInetDumpRequest("inet6", { protocol: "tcp", states: ["LISTEN"], extensions: ["info"] });
 * bytes.length; // 72
 * ```
 */
export function encodeInetDumpRequest(family: InetFamily, options: InetDumpOptions = {}): Uint8Array {
  const protocol = protocolNumberOf(options.protocol ?? "tcp");
  return writeRequest(
    SOCK_DIAG.BY_FAMILY,
    0,
    familyNumber(family),
    protocol,
    extensionMask(options.extensions),
    stateMask(options.states),
    rawProtocolOf(options.rawProtocol),
  );
}

/**
 * A SOCK_DIAG_BY_FAMILY request for one socket given by its addresses
 * (and cookie, when known).
 *
 * @example
 * ```ts
 * import { encodeInetGetRequest } from "@nlts/netlink/sockdiag";
 * const bytes = encodeInetGetRequest({ family: "inet", src: "127.0.0.1", srcPort: 80 }, ["info"]);
 * bytes.length; // 72
 * ```
 */
export function encodeInetGetRequest(
  id: InetSocketId,
  extensions?: InetExtension[],
  rawProtocol?: number,
): Uint8Array {
  const family = familyNumber(id.family);
  return writeRequest(
    SOCK_DIAG.BY_FAMILY,
    0,
    family,
    protocolNumberOf(id.protocol ?? "tcp"),
    extensionMask(extensions),
    0xffffffff,
    rawProtocolOf(rawProtocol),
    id,
  );
}

/**
 * A SOCK_DESTROY request for one socket (TCP, UDP or raw; the kernel needs
 * CONFIG_INET_DIAG_DESTROY and CAP_NET_ADMIN).
 *
 * @example
 * ```ts
 * import { encodeInetDestroyRequest } from "@nlts/netlink/sockdiag";
 * const bytes = encodeInetDestroyRequest({ family: "inet", src: "127.0.0.1", srcPort: 80, dst: "127.0.0.1", dstPort: 4000 });
 * bytes[4]; // 21
 * ```
 */
export function encodeInetDestroyRequest(id: InetSocketId, rawProtocol?: number): Uint8Array {
  return writeRequest(
    SOCK_DIAG.DESTROY,
    0,
    familyNumber(id.family),
    protocolNumberOf(id.protocol ?? "tcp"),
    0,
    0xffffffff,
    rawProtocolOf(rawProtocol),
    id,
  );
}

/**
 * Decodes the `SK_MEMINFO_*` u32 array.
 *
 * @example
 * ```ts
 * import { decodeSkMeminfo } from "./inet.ts";
 * decodeSkMeminfo(new Uint8Array(36)).rcvbuf; // 0
 * ```
 */
export function decodeSkMeminfo(bytes: Uint8Array): SkMeminfo {
  const needed = 8 * 4; // up to SK_MEMINFO_BACKLOG, which every kernel with this attribute sends
  if (bytes.length < needed) throw new ParseError(`sk meminfo of ${bytes.length} bytes is shorter than ${needed}`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, unknown> = {};
  const count = Math.floor(bytes.length / 4);
  for (let i = 0; i < count; i++) {
    const value = dv.getUint32(i * 4, true);
    if (i < SK_MEMINFO_FIELDS.length) out[SK_MEMINFO_FIELDS[i]] = value;
    else ((out.extra ??= []) as number[]).push(value);
  }
  return out as unknown as SkMeminfo;
}

function decodeMeminfo(bytes: Uint8Array): InetMeminfo {
  if (bytes.length < 16) throw new ParseError(`inet_diag_meminfo of ${bytes.length} bytes is shorter than 16`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    rmem: dv.getUint32(0, true),
    wmem: dv.getUint32(4, true),
    fmem: dv.getUint32(8, true),
    tmem: dv.getUint32(12, true),
  };
}

function decodeSockopt(bytes: Uint8Array): InetSockopt {
  if (bytes.length < 2) throw new ParseError(`inet_diag_sockopt of ${bytes.length} bytes is shorter than 2`, 0);
  const a = bytes[0], b = bytes[1];
  return {
    recverr: (a & 1) !== 0,
    isIcsk: (a & 2) !== 0,
    freebind: (a & 4) !== 0,
    hdrincl: (a & 8) !== 0,
    mcLoop: (a & 16) !== 0,
    transparent: (a & 32) !== 0,
    mcAll: (a & 64) !== 0,
    nodefrag: (a & 128) !== 0,
    bindAddressNoPort: (b & 1) !== 0,
    recverrRfc4884: (b & 2) !== 0,
    deferConnect: (b & 4) !== 0,
  };
}

/** `INET_ULP_INFO_*`: the name, read through the set; every attribute kept raw in `attrs`. */
const ULP_NAME = defineAttrSet({
  name: "ulp_info",
  prefix: "INET_ULP_INFO_",
  attributes: { name: { id: INET_ULP_INFO.NAME, type: "string" } },
});
/** A set that knows no attribute: decoding by it keeps every attribute in `unknown`. */
const RAW = defineAttrSet({ name: "ulp_info", attributes: {} });
const ULP: Codec<{ name?: string; attrs: Attr[] }> = {
  decode(bytes) {
    const ulp: { name?: string; attrs: Attr[] } = { attrs: decodeAttrs(RAW, bytes).unknown ?? [] };
    const name = decodeAttrs(ULP_NAME, bytes).name;
    if (name !== undefined) ulp.name = name;
    return ulp;
  },
};

const codec = <T>(decode: (bytes: Uint8Array) => T): Codec<T> => ({ decode });

const INET_ATTRS = defineAttrSet({
  name: "inet_diag",
  prefix: "INET_DIAG_",
  attributes: {
    meminfo: { id: INET_DIAG.MEMINFO, type: "binary", codec: codec(decodeMeminfo) },
    // struct tcp_info for TCP; other protocols' info is kept raw (decodeInetSocket).
    info: { id: INET_DIAG.INFO, type: "binary" },
    vegasinfo: { id: INET_DIAG.VEGASINFO, type: "binary", codec: codec(decodeVegasInfo) },
    cong: { id: INET_DIAG.CONG, type: "string" },
    tos: { id: INET_DIAG.TOS, type: "u8" },
    tclass: { id: INET_DIAG.TCLASS, type: "u8" },
    skmeminfo: { id: INET_DIAG.SKMEMINFO, type: "binary", codec: codec(decodeSkMeminfo) },
    shutdown: { id: INET_DIAG.SHUTDOWN, type: "u8" },
    dctcpinfo: { id: INET_DIAG.DCTCPINFO, type: "binary", codec: codec(decodeDctcpInfo) },
    // A u8 from older kernels, a u32 since 5.x.
    protocol: { id: INET_DIAG.PROTOCOL, type: "uint", as: "number" },
    skv6only: { id: INET_DIAG.SKV6ONLY, type: "u8", as: "boolean" },
    pad: { id: INET_DIAG.PAD, type: "pad" },
    mark: { id: INET_DIAG.MARK, type: "u32" },
    bbrinfo: { id: INET_DIAG.BBRINFO, type: "binary", codec: codec(decodeBbrInfo) },
    classId: { id: INET_DIAG.CLASS_ID, type: "u32" },
    ulpInfo: { id: INET_DIAG.ULP_INFO, type: "binary", codec: ULP },
    cgroupId: { id: INET_DIAG.CGROUP_ID, type: "u64" },
    sockopt: { id: INET_DIAG.SOCKOPT, type: "binary", codec: codec(decodeSockopt) },
  },
});
/** The `INET_DIAG_*` attributes of an inet_diag reply. */
export const inetDiagAttrs: AttrSet = INET_ATTRS;

/**
 * Decodes one SOCK_DIAG_BY_FAMILY reply for an INET family. `protocol` is
 * what the request asked for (the reply does not repeat it).
 *
 * @example
 * ```ts
 * import { decodeInetSocket } from "@nlts/netlink/sockdiag";
 * const payload = new Uint8Array(72);
 * payload[0] = 2; // AF_INET
 * payload[1] = 10; // TCP_LISTEN
 * payload[5] = 80; // idiag_sport, big-endian
 * const s = decodeInetSocket({ type: 20, flags: 2, seq: 1, pid: 0, payload }, "tcp");
 * s.state; // "LISTEN"
 * s.srcPort; // 80
 * ```
 */
export function decodeInetSocket(msg: NetlinkMessage, protocol: InetProtocol = "tcp"): InetSocket {
  const p = msg.payload;
  if (msg.type !== SOCK_DIAG.BY_FAMILY) throw new ParseError(`message type ${msg.type} is not SOCK_DIAG_BY_FAMILY`, 0);
  if (p.length < INET_DIAG_MSG_SIZE) {
    throw new ParseError(`inet_diag_msg of ${p.length} bytes is shorter than ${INET_DIAG_MSG_SIZE}`, 0);
  }
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const familyNum = p[0];
  let family: InetFamily;
  let src: string, dst: string;
  if (familyNum === DIAG_AF.INET) {
    family = "inet";
    src = ipv4(p.subarray(8, 12));
    dst = ipv4(p.subarray(24, 28));
  } else if (familyNum === DIAG_AF.INET6) {
    family = "inet6";
    src = ipv6(p.subarray(8, 24));
    dst = ipv6(p.subarray(24, 40));
  } else {
    throw new ParseError(`inet_diag_msg of address family ${familyNum}, not AF_INET/AF_INET6`, 0);
  }
  const timerNum = p[2];
  const sock: InetSocket = {
    family,
    protocol: typeof protocol === "number" ? protocolName(protocol) : protocol,
    state: SOCKET_STATE_NAMES[p[1]] ?? p[1],
    src,
    srcPort: dv.getUint16(4, false),
    dst,
    dstPort: dv.getUint16(6, false),
    interface: dv.getUint32(40, true),
    cookie: (BigInt(dv.getUint32(48, true)) << 32n) | BigInt(dv.getUint32(44, true)),
    rqueue: dv.getUint32(56, true),
    wqueue: dv.getUint32(60, true),
    uid: dv.getUint32(64, true),
    inode: dv.getUint32(68, true),
    unknown: [],
  };
  if (timerNum !== 0) {
    sock.timer = { name: TIMER_NAMES[timerNum] ?? timerNum, expires: dv.getUint32(52, true), retrans: p[3] };
  }
  let a: Decoded<typeof INET_ATTRS>;
  try {
    a = decodeAttrsAt(INET_ATTRS, p, INET_DIAG_MSG_SIZE, p.length, INET_DIAG_MSG_SIZE);
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError(`inet_diag attributes: ${e.message}`, e.offset);
    throw e;
  }
  if (a.unknown) sock.unknown = a.unknown;
  if (a.meminfo) sock.meminfo = a.meminfo;
  if (a.info) {
    // Only TCP (and MPTCP's subflow-less info) is struct tcp_info; keep others raw.
    if (sock.protocol === "tcp") {
      try {
        sock.tcpInfo = decodeTcpInfo(a.info);
      } catch (e) {
        if (e instanceof ParseError) throw new ParseError(`inet_diag attribute INET_DIAG_INFO: ${e.message}`, e.offset);
        throw e;
      }
    } else sock.unknown.push({ type: INET_DIAG.INFO, nested: false, netByteOrder: false, value: a.info });
  }
  const ccInfo = a.vegasinfo ?? a.dctcpinfo ?? a.bbrinfo;
  if (ccInfo) sock.ccInfo = ccInfo;
  if (a.cong !== undefined) sock.congestion = a.cong;
  if (a.tos !== undefined) sock.tos = a.tos;
  if (a.tclass !== undefined) sock.tclass = a.tclass;
  if (a.skmeminfo) sock.skmeminfo = a.skmeminfo;
  if (a.shutdown !== undefined) sock.shutdown = a.shutdown;
  if (a.protocol !== undefined) sock.protocolNumber = a.protocol;
  if (a.skv6only !== undefined) sock.v6only = a.skv6only;
  if (a.mark !== undefined) sock.mark = a.mark;
  if (a.classId !== undefined) sock.classId = a.classId;
  if (a.cgroupId !== undefined) sock.cgroupId = a.cgroupId;
  if (a.ulpInfo) sock.ulp = a.ulpInfo;
  if (a.sockopt) sock.sockopt = a.sockopt;
  return withJson(sock);
}
