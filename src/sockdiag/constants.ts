/**
 * NETLINK_SOCK_DIAG constants, from `linux/sock_diag.h`, `linux/inet_diag.h`,
 * `linux/unix_diag.h` and `linux/tcp.h` (plus `net/tcp_states.h` for states).
 *
 * @module
 */

/**
 * Message types of NETLINK_SOCK_DIAG.
 *
 * @example
 * ```ts
 * import { SOCK_DIAG } from "@nlts/netlink/sockdiag";
 * SOCK_DIAG.BY_FAMILY; // 20
 * ```
 */
export const SOCK_DIAG = {
  /** `SOCK_DIAG_BY_FAMILY`: dump or look up sockets; also every reply's type. */
  BY_FAMILY: 20,
  /** `SOCK_DESTROY`: close a socket from outside (CONFIG_INET_DIAG_DESTROY). */
  DESTROY: 21,
} as const;

/**
 * Readable name of a NETLINK_SOCK_DIAG message type, for error messages.
 *
 * @example
 * ```ts
 * import { describeSockDiagType } from "@nlts/netlink/sockdiag";
 * describeSockDiagType(21); // "SOCK_DESTROY"
 * ```
 */
export function describeSockDiagType(type: number): string | undefined {
  if (type === SOCK_DIAG.BY_FAMILY) return "SOCK_DIAG_BY_FAMILY";
  if (type === SOCK_DIAG.DESTROY) return "SOCK_DESTROY";
  return undefined;
}

/**
 * Address families used by sock_diag.
 *
 * @example
 * ```ts
 * import { DIAG_AF } from "@nlts/netlink/sockdiag";
 * DIAG_AF.INET6; // 10
 * ```
 */
export const DIAG_AF = { UNIX: 1, INET: 2, INET6: 10 } as const;

/**
 * IP protocol numbers that inet_diag knows (`IPPROTO_*`).
 *
 * @example
 * ```ts
 * import { DIAG_IPPROTO } from "@nlts/netlink/sockdiag";
 * DIAG_IPPROTO.TCP; // 6
 * ```
 */
export const DIAG_IPPROTO = {
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ICMPV6: 58,
  SCTP: 132,
  UDPLITE: 136,
  RAW: 255,
  MPTCP: 262,
} as const;

/**
 * Socket states (`TCP_*` of `net/tcp_states.h`), which UNIX and UDP sockets
 * use too, with the names `ss` prints.
 *
 * @example
 * ```ts
 * import { SOCKET_STATE_NAMES } from "@nlts/netlink/sockdiag";
 * SOCKET_STATE_NAMES[10]; // "LISTEN"
 * ```
 */
export const SOCKET_STATE_NAMES = [
  "UNKNOWN",
  "ESTAB",
  "SYN-SENT",
  "SYN-RECV",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "UNCONN",
  "CLOSE-WAIT",
  "LAST-ACK",
  "LISTEN",
  "CLOSING",
  "NEW-SYN-RECV",
  "BOUND-INACTIVE",
] as const;

/** A socket state as `ss` names it (`"ESTAB"`, `"LISTEN"`, `"UNCONN"`…). */
export type TcpState = (typeof SOCKET_STATE_NAMES)[number];

/**
 * The state names `ss … state X` accepts, with the states each stands for
 * (iproute2's `sstate_namel` and aggregates, as ss 6.1 sends them:
 * `connected` is everything but LISTEN and UNCONN). The kernel reports
 * request sockets (NEW-SYN-RECV) as SYN-RECV, so `syn-recv` asks for both.
 *
 * @example
 * ```ts
 * import { STATE_FILTERS } from "@nlts/netlink/sockdiag";
 * STATE_FILTERS.bucket; // ["SYN-RECV", "TIME-WAIT"]
 * ```
 */
export const STATE_FILTERS: Readonly<Record<string, readonly TcpState[]>> = {
  established: ["ESTAB"],
  "syn-sent": ["SYN-SENT"],
  "syn-recv": ["SYN-RECV"],
  "fin-wait-1": ["FIN-WAIT-1"],
  "fin-wait-2": ["FIN-WAIT-2"],
  "time-wait": ["TIME-WAIT"],
  closed: ["UNCONN"],
  unconnected: ["UNCONN"],
  "close-wait": ["CLOSE-WAIT"],
  "last-ack": ["LAST-ACK"],
  listening: ["LISTEN"],
  closing: ["CLOSING"],
  all: SOCKET_STATE_NAMES.slice(1, 12),
  connected: [
    "ESTAB",
    "SYN-SENT",
    "SYN-RECV",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "TIME-WAIT",
    "CLOSE-WAIT",
    "LAST-ACK",
    "CLOSING",
  ],
  synchronized: ["ESTAB", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSE-WAIT", "LAST-ACK", "CLOSING"],
  bucket: ["SYN-RECV", "TIME-WAIT"],
  big: ["ESTAB", "SYN-SENT", "FIN-WAIT-1", "FIN-WAIT-2", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING"],
};

/** A state filter name as `ss … state X` accepts it (`"established"`, `"connected"`…). */
export type StateFilter =
  | "established"
  | "syn-sent"
  | "syn-recv"
  | "fin-wait-1"
  | "fin-wait-2"
  | "time-wait"
  | "closed"
  | "unconnected"
  | "close-wait"
  | "last-ack"
  | "listening"
  | "closing"
  | "all"
  | "connected"
  | "synchronized"
  | "bucket"
  | "big";

/**
 * `idiag_timer` values with the names `ss -o` prints.
 *
 * @example
 * ```ts
 * import { TIMER_NAMES } from "@nlts/netlink/sockdiag";
 * TIMER_NAMES[2]; // "keepalive"
 * ```
 */
export const TIMER_NAMES = ["off", "on", "keepalive", "timewait", "persist"] as const;

/**
 * `INET_DIAG_*` response attributes (and extension numbers).
 *
 * @example
 * ```ts
 * import { INET_DIAG } from "@nlts/netlink/sockdiag";
 * INET_DIAG.INFO; // 2
 * ```
 */
export const INET_DIAG = {
  NONE: 0,
  MEMINFO: 1,
  INFO: 2,
  VEGASINFO: 3,
  CONG: 4,
  TOS: 5,
  TCLASS: 6,
  SKMEMINFO: 7,
  SHUTDOWN: 8,
  DCTCPINFO: 9,
  PROTOCOL: 10,
  SKV6ONLY: 11,
  LOCALS: 12,
  PEERS: 13,
  PAD: 14,
  MARK: 15,
  BBRINFO: 16,
  CLASS_ID: 17,
  MD5SIG: 18,
  ULP_INFO: 19,
  SK_BPF_STORAGES: 20,
  CGROUP_ID: 21,
  SOCKOPT: 22,
} as const;

/**
 * `INET_DIAG_REQ_*` request attributes.
 *
 * @example
 * ```ts
 * import { INET_DIAG_REQ } from "@nlts/netlink/sockdiag";
 * INET_DIAG_REQ.PROTOCOL; // 3
 * ```
 */
export const INET_DIAG_REQ = { NONE: 0, BYTECODE: 1, SK_BPF_STORAGES: 2, PROTOCOL: 3 } as const;

/**
 * `INET_ULP_INFO_*` attributes nested in `INET_DIAG_ULP_INFO`.
 *
 * @example
 * ```ts
 * import { INET_ULP_INFO } from "@nlts/netlink/sockdiag";
 * INET_ULP_INFO.NAME; // 1
 * ```
 */
export const INET_ULP_INFO = { UNSPEC: 0, NAME: 1, TLS: 2, MPTCP: 3 } as const;

/**
 * Extensions that can be asked for in `idiag_ext` (bit `1 << (attr - 1)`).
 * `"ccinfo"` (INET_DIAG_VEGASINFO) brings vegas, DCTCP or BBR details;
 * `"tclass"` also brings the cgroup class id.
 *
 * @example
 * ```ts
 * import { INET_EXTENSIONS } from "@nlts/netlink/sockdiag";
 * 1 << (INET_EXTENSIONS.info - 1); // 2
 * ```
 */
export const INET_EXTENSIONS = {
  meminfo: INET_DIAG.MEMINFO,
  info: INET_DIAG.INFO,
  ccinfo: INET_DIAG.VEGASINFO,
  cong: INET_DIAG.CONG,
  tos: INET_DIAG.TOS,
  tclass: INET_DIAG.TCLASS,
  skmeminfo: INET_DIAG.SKMEMINFO,
  shutdown: INET_DIAG.SHUTDOWN,
} as const;

/** Name of an extension of {@link INET_EXTENSIONS}. */
export type InetExtension = keyof typeof INET_EXTENSIONS;

/**
 * `UNIX_DIAG_*` response attributes.
 *
 * @example
 * ```ts
 * import { UNIX_DIAG } from "@nlts/netlink/sockdiag";
 * UNIX_DIAG.PEER; // 2
 * ```
 */
export const UNIX_DIAG = {
  NAME: 0,
  VFS: 1,
  PEER: 2,
  ICONS: 3,
  RQLEN: 4,
  MEMINFO: 5,
  SHUTDOWN: 6,
  UID: 7,
} as const;

/**
 * `UDIAG_SHOW_*` request bits, by the names {@link unixSockets} accepts.
 *
 * @example
 * ```ts
 * import { UDIAG_SHOW } from "@nlts/netlink/sockdiag";
 * UDIAG_SHOW.peer; // 4
 * ```
 */
export const UDIAG_SHOW = {
  name: 0x01,
  vfs: 0x02,
  peer: 0x04,
  icons: 0x08,
  rqlen: 0x10,
  meminfo: 0x20,
  uid: 0x40,
} as const;

/** What a UNIX dump can be asked to show (a key of {@link UDIAG_SHOW}). */
export type UnixShow = keyof typeof UDIAG_SHOW;

/**
 * UNIX socket types (`SOCK_*`) with the names used here.
 *
 * @example
 * ```ts
 * import { UNIX_TYPES } from "@nlts/netlink/sockdiag";
 * UNIX_TYPES[1]; // "stream"
 * ```
 */
export const UNIX_TYPES: Readonly<Record<number, "stream" | "dgram" | "seqpacket">> = {
  1: "stream",
  2: "dgram",
  5: "seqpacket",
};

/**
 * `tcpi_ca_state` names (`enum tcp_ca_state`).
 *
 * @example
 * ```ts
 * import { TCP_CA_STATE_NAMES } from "@nlts/netlink/sockdiag";
 * TCP_CA_STATE_NAMES[4]; // "loss"
 * ```
 */
export const TCP_CA_STATE_NAMES = ["open", "disorder", "cwr", "recovery", "loss"] as const;

/**
 * `tcpi_options` bits (`TCPI_OPT_*`).
 *
 * @example
 * ```ts
 * import { TCPI_OPT } from "@nlts/netlink/sockdiag";
 * TCPI_OPT.SACK; // 2
 * ```
 */
export const TCPI_OPT = {
  TIMESTAMPS: 1,
  SACK: 2,
  WSCALE: 4,
  ECN: 8,
  ECN_SEEN: 16,
  SYN_DATA: 32,
  USEC_TS: 64,
  TFO_CHILD: 128,
} as const;

/**
 * Order of the `SK_MEMINFO_*` counters in `INET_DIAG_SKMEMINFO` / `UNIX_DIAG_MEMINFO`.
 *
 * @example
 * ```ts
 * import { SK_MEMINFO_FIELDS } from "@nlts/netlink/sockdiag";
 * SK_MEMINFO_FIELDS[1]; // "rcvbuf"
 * ```
 */
export const SK_MEMINFO_FIELDS = [
  "rmemAlloc",
  "rcvbuf",
  "wmemAlloc",
  "sndbuf",
  "fwdAlloc",
  "wmemQueued",
  "optmem",
  "backlog",
  "drops",
] as const;
