/**
 * Generic netlink for nlts: the controller (family lookup with a cache kept
 * current by its `notify` group), a declarative schema for attribute sets and
 * families with TypeScript types inferred from it, a typed client
 * ({@link GenlFamily}), and built-in families written with that schema:
 * `nlctrl`, `ethtool`, `netdev` and `TASKSTATS`.
 *
 * The attribute-set half ({@link defineAttrSet}, {@link encodeAttrs},
 * {@link decodeAttrs}) needs no generic netlink header and serves any
 * netlink protocol.
 *
 * @example
 * ```ts
 * import { defineAttrSet, defineFamily, GenlFamily } from "./mod.ts";
 * const attrs = defineAttrSet({
 *   name: "dev",
 *   attributes: { ifindex: { id: 1, type: "u32" }, xdpFeatures: { id: 3, type: "u64", flags: ["basic", "redirect"] } },
 * });
 * const netdev = defineFamily({
 *   name: "netdev",
 *   commands: { devGet: { id: 1, request: attrs, reply: attrs } },
 *   groups: ["mgmt"],
 * });
 * await using nd = await GenlFamily.open(netdev);
 * for await (const dev of nd.dump("devGet", {})) console.log(dev.ifindex, dev.xdpFeatures);
 * ```
 *
 * @module
 */
export * from "./schema.ts";
export * from "./family.ts";
export * from "./nlctrl.ts";
export * from "./client.ts";
export * from "./controller.ts";
export * from "./ethtool.ts";
export * from "./netdev.ts";
export * from "./taskstats.ts";
