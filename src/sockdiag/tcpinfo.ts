/**
 * `struct tcp_info` (`INET_DIAG_INFO` of a TCP socket) and the congestion
 * control details (`INET_DIAG_VEGASINFO` / `DCTCPINFO` / `BBRINFO`).
 *
 * The kernel sends as much of `struct tcp_info` as it knows, which grows
 * with kernel versions; a field is present only when the bytes for it were
 * sent, and bytes past the last known field are kept in `extra`.
 *
 * @module
 */
import { ParseError } from "../wire/errors.ts";
import { SOCKET_STATE_NAMES, TCP_CA_STATE_NAMES, TCPI_OPT, type TcpState } from "./constants.ts";

/** `tcpi_options` decoded. */
export interface TcpOptions {
  /** TCP timestamps negotiated. */
  timestamps: boolean;
  /** SACK negotiated. */
  sack: boolean;
  /** Window scaling negotiated. */
  wscale: boolean;
  /** ECN negotiated. */
  ecn: boolean;
  /** At least one packet with ECT was received. */
  ecnSeen: boolean;
  /** SYN-ACK acknowledged data sent or received in the SYN (Fast Open). */
  synData: boolean;
  /** Timestamps in microseconds (TCPI_OPT_USEC_TS). */
  usecTs: boolean;
  /** Fast Open child socket (TCPI_OPT_TFO_CHILD). */
  tfoChild: boolean;
}

/**
 * `struct tcp_info`, camelCase. Times are as the kernel reports them: `rto`,
 * `ato`, `rtt`, `rttvar`, `rcvRtt`, `minRtt` in microseconds; `last*` in
 * milliseconds. Rates are bytes per second; an unlimited pacing rate
 * (all ones) is `Infinity`. Fields of newer kernels are optional.
 */
export interface TcpInfo {
  /** `tcpi_state` as ss names it. */
  state: TcpState | number;
  /** Congestion avoidance state (`"open"`, `"disorder"`, `"cwr"`, `"recovery"`, `"loss"`). */
  caState: (typeof TCP_CA_STATE_NAMES)[number] | number;
  /** Retransmissions of the current segment (`tcpi_retransmits`). */
  retransmits: number;
  /** Zero window probes sent without answer. */
  probes: number;
  /** RTO backoff exponent. */
  backoff: number;
  /** Raw `tcpi_options` bits. */
  optionBits: number;
  /** `tcpi_options` decoded. */
  options: TcpOptions;
  /** Peer's window scale (what we shift the window it sends by). */
  sndWscale: number;
  /** Our window scale. */
  rcvWscale: number;
  /** The delivery rate sample was limited by the application. */
  deliveryRateAppLimited: boolean;
  /** Why a Fast Open client attempt failed (`TFO_*` reason, 0: none). */
  fastopenClientFail: number;
  /** Retransmission timeout, µs. */
  rto: number;
  /** Delayed ACK timeout, µs. */
  ato: number;
  /** Send MSS, bytes. */
  sndMss: number;
  /** Estimated receive MSS, bytes. */
  rcvMss: number;
  /** Segments sent and not acknowledged. */
  unacked: number;
  /** Segments selectively acknowledged. */
  sacked: number;
  /** Segments considered lost. */
  lost: number;
  /** Segments retransmitted and not yet acknowledged. */
  retrans: number;
  /** Forward-acknowledged segments (always 0 on current kernels). */
  fackets: number;
  /** Milliseconds since data was last sent. */
  lastDataSent: number;
  /** Milliseconds since an ACK was last sent (not tracked: 0). */
  lastAckSent: number;
  /** Milliseconds since data was last received. */
  lastDataRecv: number;
  /** Milliseconds since an ACK was last received. */
  lastAckRecv: number;
  /** Path MTU, bytes. */
  pmtu: number;
  /** Receive window clamp during slow start, bytes. */
  rcvSsthresh: number;
  /** Smoothed round-trip time, µs. */
  rtt: number;
  /** Round-trip time variation, µs. */
  rttvar: number;
  /** Slow start threshold, segments (0x7fffffff: infinite). */
  sndSsthresh: number;
  /** Congestion window, segments. */
  sndCwnd: number;
  /** Advertised MSS, bytes. */
  advmss: number;
  /** Reordering metric, segments. */
  reordering: number;
  /** Receiver-side RTT estimate, µs. */
  rcvRtt: number;
  /** Receive buffer space the autotuning aims at, bytes. */
  rcvSpace: number;
  /** Retransmissions over the connection's life. */
  totalRetrans: number;
  /** Pacing rate, bytes/s (`Infinity`: unlimited). */
  pacingRate?: number;
  /** SO_MAX_PACING_RATE, bytes/s (`Infinity`: unlimited). */
  maxPacingRate?: number;
  /** Bytes acknowledged by the peer. */
  bytesAcked?: number;
  /** Bytes received (acknowledged by us). */
  bytesReceived?: number;
  /** Segments sent. */
  segsOut?: number;
  /** Segments received. */
  segsIn?: number;
  /** Bytes in the write queue not yet sent. */
  notsentBytes?: number;
  /** Minimum RTT seen, µs. */
  minRtt?: number;
  /** Segments with data received. */
  dataSegsIn?: number;
  /** Segments with data sent. */
  dataSegsOut?: number;
  /** Latest delivery rate sample, bytes/s. */
  deliveryRate?: number;
  /** Time busy sending data, µs. */
  busyTime?: number;
  /** Time limited by the receive window, µs. */
  rwndLimited?: number;
  /** Time limited by the send buffer, µs. */
  sndbufLimited?: number;
  /** Segments delivered, retransmissions and out-of-order included. */
  delivered?: number;
  /** Delivered segments that carried CE marks. */
  deliveredCe?: number;
  /** Bytes sent, retransmissions included. */
  bytesSent?: number;
  /** Bytes retransmitted. */
  bytesRetrans?: number;
  /** DSACK blocks received. */
  dsackDups?: number;
  /** Reordering events seen. */
  reordSeen?: number;
  /** Out-of-order packets received. */
  rcvOoopack?: number;
  /** Peer's advertised receive window after scaling, bytes. */
  sndWnd?: number;
  /** Our advertised receive window after scaling, bytes. */
  rcvWnd?: number;
  /** PLB or timeout triggered rehash attempts. */
  rehash?: number;
  /** RTO timeouts, SYN/SYN-ACK and recurring ones included. */
  totalRto?: number;
  /** RTO recoveries, an unfinished one included. */
  totalRtoRecoveries?: number;
  /** Time spent in RTO recoveries, ms. */
  totalRtoTime?: number;
  /** CE-marked segments received (AccECN). */
  receivedCe?: number;
  /** Bytes delivered with ECT(1) (AccECN). */
  deliveredE1Bytes?: number;
  /** Bytes delivered with ECT(0) (AccECN). */
  deliveredE0Bytes?: number;
  /** Bytes delivered with CE (AccECN). */
  deliveredCeBytes?: number;
  /** Bytes received with ECT(1) (AccECN). */
  receivedE1Bytes?: number;
  /** Bytes received with ECT(0) (AccECN). */
  receivedE0Bytes?: number;
  /** Bytes received with CE (AccECN). */
  receivedCeBytes?: number;
  /** AccECN failure mode bits. */
  accecnFailMode?: number;
  /** AccECN option seen. */
  accecnOptSeen?: number;
  /** Bytes past the last field known here (a newer kernel), kept raw. */
  extra?: Uint8Array;
}

type Width = 2 | 4 | 8 | "rate";

/** Fields after the fixed first 8 bytes: name, offset, width. */
const FIELDS: readonly [keyof TcpInfo, number, Width][] = [
  ["rto", 8, 4],
  ["ato", 12, 4],
  ["sndMss", 16, 4],
  ["rcvMss", 20, 4],
  ["unacked", 24, 4],
  ["sacked", 28, 4],
  ["lost", 32, 4],
  ["retrans", 36, 4],
  ["fackets", 40, 4],
  ["lastDataSent", 44, 4],
  ["lastAckSent", 48, 4],
  ["lastDataRecv", 52, 4],
  ["lastAckRecv", 56, 4],
  ["pmtu", 60, 4],
  ["rcvSsthresh", 64, 4],
  ["rtt", 68, 4],
  ["rttvar", 72, 4],
  ["sndSsthresh", 76, 4],
  ["sndCwnd", 80, 4],
  ["advmss", 84, 4],
  ["reordering", 88, 4],
  ["rcvRtt", 92, 4],
  ["rcvSpace", 96, 4],
  ["totalRetrans", 100, 4],
  ["pacingRate", 104, "rate"],
  ["maxPacingRate", 112, "rate"],
  ["bytesAcked", 120, 8],
  ["bytesReceived", 128, 8],
  ["segsOut", 136, 4],
  ["segsIn", 140, 4],
  ["notsentBytes", 144, 4],
  ["minRtt", 148, 4],
  ["dataSegsIn", 152, 4],
  ["dataSegsOut", 156, 4],
  ["deliveryRate", 160, 8],
  ["busyTime", 168, 8],
  ["rwndLimited", 176, 8],
  ["sndbufLimited", 184, 8],
  ["delivered", 192, 4],
  ["deliveredCe", 196, 4],
  ["bytesSent", 200, 8],
  ["bytesRetrans", 208, 8],
  ["dsackDups", 216, 4],
  ["reordSeen", 220, 4],
  ["rcvOoopack", 224, 4],
  ["sndWnd", 228, 4],
  ["rcvWnd", 232, 4],
  ["rehash", 236, 4],
  ["totalRto", 240, 2],
  ["totalRtoRecoveries", 242, 2],
  ["totalRtoTime", 244, 4],
  ["receivedCe", 248, 4],
  ["deliveredE1Bytes", 252, 4],
  ["deliveredE0Bytes", 256, 4],
  ["deliveredCeBytes", 260, 4],
  ["receivedE1Bytes", 264, 4],
  ["receivedE0Bytes", 268, 4],
  ["receivedCeBytes", 272, 4],
  ["accecnFailMode", 276, 2],
  ["accecnOptSeen", 278, 2],
];

/** Bytes of `struct tcp_info` this decoder knows (Linux 6.18). @example `TCP_INFO_KNOWN_SIZE // 280` */
export const TCP_INFO_KNOWN_SIZE = 280;
/**
 * The shortest `struct tcp_info` accepted: every field up to `tcpi_total_retrans` (Linux 2.6).
 * @example `TCP_INFO_MIN_SIZE // 104`
 */
export const TCP_INFO_MIN_SIZE = 104;

/**
 * Decodes `struct tcp_info`. Shorter than the 104 bytes every kernel sends
 * is a {@link ParseError}; fields beyond what was sent are left out.
 *
 * @example
 * ```ts
 * import { decodeTcpInfo } from "@nlts/netlink/sockdiag";
 * const bytes = new Uint8Array(104);
 * bytes[0] = 10; // TCP_LISTEN
 * bytes[80] = 10; // tcpi_snd_cwnd
 * decodeTcpInfo(bytes).sndCwnd; // 10
 * ```
 */
export function decodeTcpInfo(bytes: Uint8Array): TcpInfo {
  if (bytes.length < TCP_INFO_MIN_SIZE) {
    throw new ParseError(`tcp_info of ${bytes.length} bytes is shorter than ${TCP_INFO_MIN_SIZE}`, 0);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bits = bytes[5];
  const info: Record<string, unknown> = {
    state: SOCKET_STATE_NAMES[bytes[0]] ?? bytes[0],
    caState: TCP_CA_STATE_NAMES[bytes[1]] ?? bytes[1],
    retransmits: bytes[2],
    probes: bytes[3],
    backoff: bytes[4],
    optionBits: bits,
    options: {
      timestamps: (bits & TCPI_OPT.TIMESTAMPS) !== 0,
      sack: (bits & TCPI_OPT.SACK) !== 0,
      wscale: (bits & TCPI_OPT.WSCALE) !== 0,
      ecn: (bits & TCPI_OPT.ECN) !== 0,
      ecnSeen: (bits & TCPI_OPT.ECN_SEEN) !== 0,
      synData: (bits & TCPI_OPT.SYN_DATA) !== 0,
      usecTs: (bits & TCPI_OPT.USEC_TS) !== 0,
      tfoChild: (bits & TCPI_OPT.TFO_CHILD) !== 0,
    },
    // Bit-fields are allocated from the least significant bit on x86 and arm.
    sndWscale: bytes[6] & 0x0f,
    rcvWscale: bytes[6] >> 4,
    deliveryRateAppLimited: (bytes[7] & 1) !== 0,
    fastopenClientFail: (bytes[7] >> 1) & 3,
  };
  for (const [name, at, width] of FIELDS) {
    const size = width === "rate" ? 8 : width;
    if (at + size > bytes.length) break;
    if (width === 2) info[name] = dv.getUint16(at, true);
    else if (width === 4) info[name] = dv.getUint32(at, true);
    else {
      const lo = dv.getUint32(at, true), hi = dv.getUint32(at + 4, true);
      info[name] = width === "rate" && lo === 0xffffffff && hi === 0xffffffff ? Infinity : hi * 0x100000000 + lo;
    }
  }
  if (bytes.length > TCP_INFO_KNOWN_SIZE) info.extra = bytes.slice(TCP_INFO_KNOWN_SIZE);
  return info as unknown as TcpInfo;
}

/** Congestion control details: one of vegas, DCTCP or BBR, by the attribute the kernel sent. */
export type CcInfo =
  | { algorithm: "vegas"; enabled: boolean; rttCount: number; rtt: number; minRtt: number }
  | { algorithm: "dctcp"; enabled: boolean; ceState: number; alpha: number; abEcn: number; abTot: number }
  | {
    algorithm: "bbr";
    /** Bottleneck bandwidth estimate, bytes per second. */
    bandwidth: number;
    /** Minimum RTT, µs. */
    minRtt: number;
    /** Pacing gain (the kernel's value / 256). */
    pacingGain: number;
    /** Cwnd gain (the kernel's value / 256). */
    cwndGain: number;
  };

function need(bytes: Uint8Array, size: number, what: string): DataView {
  if (bytes.length < size) throw new ParseError(`${what} of ${bytes.length} bytes is shorter than ${size}`, 0);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes `struct tcpvegas_info` (INET_DIAG_VEGASINFO).
 *
 * @example
 * ```ts
 * import { decodeVegasInfo } from "./tcpinfo.ts";
 * decodeVegasInfo(new Uint8Array(16)).algorithm; // "vegas"
 * ```
 */
export function decodeVegasInfo(bytes: Uint8Array): CcInfo {
  const dv = need(bytes, 16, "tcpvegas_info");
  return {
    algorithm: "vegas",
    enabled: dv.getUint32(0, true) !== 0,
    rttCount: dv.getUint32(4, true),
    rtt: dv.getUint32(8, true),
    minRtt: dv.getUint32(12, true),
  };
}

/**
 * Decodes `struct tcp_dctcp_info` (INET_DIAG_DCTCPINFO).
 *
 * @example
 * ```ts
 * import { decodeDctcpInfo } from "./tcpinfo.ts";
 * decodeDctcpInfo(new Uint8Array(16)).algorithm; // "dctcp"
 * ```
 */
export function decodeDctcpInfo(bytes: Uint8Array): CcInfo {
  const dv = need(bytes, 16, "tcp_dctcp_info");
  return {
    algorithm: "dctcp",
    enabled: dv.getUint16(0, true) !== 0,
    ceState: dv.getUint16(2, true),
    alpha: dv.getUint32(4, true),
    abEcn: dv.getUint32(8, true),
    abTot: dv.getUint32(12, true),
  };
}

/**
 * Decodes `struct tcp_bbr_info` (INET_DIAG_BBRINFO).
 *
 * @example
 * ```ts
 * import { decodeBbrInfo } from "./tcpinfo.ts";
 * decodeBbrInfo(new Uint8Array(20)).algorithm; // "bbr"
 * ```
 */
export function decodeBbrInfo(bytes: Uint8Array): CcInfo {
  const dv = need(bytes, 20, "tcp_bbr_info");
  return {
    algorithm: "bbr",
    bandwidth: dv.getUint32(4, true) * 0x100000000 + dv.getUint32(0, true),
    minRtt: dv.getUint32(8, true),
    pacingGain: dv.getUint32(12, true) / 256,
    cwndGain: dv.getUint32(16, true) / 256,
  };
}
