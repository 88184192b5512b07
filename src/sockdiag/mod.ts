/**
 * NETLINK_SOCK_DIAG: what `ss` shows. Streaming dumps of TCP, UDP, raw,
 * MPTCP and UNIX sockets with `struct tcp_info`, memory counters,
 * congestion control and UNIX peers; look-ups of one socket; and
 * SOCK_DESTROY.
 *
 * @example
 * ```ts
 * import { SockDiag } from "./mod.ts";
 * await using diag = await SockDiag.open();
 * for await (const s of diag.inetSockets({ protocol: "tcp", states: ["LISTEN"] })) {
 *   console.log(`${s.family} ${s.src}:${s.srcPort} uid ${s.uid} inode ${s.inode}`);
 * }
 * for await (const u of diag.unixSockets({ states: ["LISTEN"], show: ["name"] })) console.log(u.name);
 * ```
 *
 * @module
 */
export * from "./constants.ts";
export * from "./tcpinfo.ts";
export * from "./inet.ts";
export * from "./unix.ts";
export * from "./client.ts";
