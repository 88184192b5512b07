/**
 * NETLINK_NETFILTER for nlts: conntrack ({@link Conntrack}), NFQUEUE
 * ({@link NfQueue}, successor of NETLINK_FIREWALL and NETLINK_IP6_FW) and
 * NFLOG ({@link NfLog}, successor of NETLINK_NFLOG), with the nfnetlink
 * framing they share.
 *
 * @example
 * ```ts
 * import { Conntrack } from "./mod.ts";
 * await using ct = await Conntrack.open();
 * for await (const e of ct.dump({ family: "inet", protocol: "tcp" })) console.log(e.orig, e.tcp?.state);
 * ```
 *
 * @module
 */
export * from "./constants.ts";
export * from "./nfnetlink.ts";
export * from "./conntrack.ts";
export * from "./queue.ts";
export * from "./log.ts";
export type { InstanceStreamOptions } from "./instance.ts";
