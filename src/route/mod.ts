/**
 * NETLINK_ROUTE: links, addresses, routes, nexthops, neighbours (the ARP/NDP
 * table), rules, namespace ids and their events, typed.
 *
 * @example
 * ```ts
 * import { RouteClient } from "./mod.ts";
 * await using rt = await RouteClient.open();
 * for await (const a of rt.addresses()) console.log(a.label, a.address, a.prefixLength);
 * ```
 *
 * @module
 */
export * from "./constants.ts";
export * from "./link.ts";
export * from "./address.ts";
export * from "./route.ts";
export * from "./nexthop.ts";
export * from "./neighbour.ts";
export * from "./fdb.ts";
export * from "./rule.ts";
export * from "./nsid.ts";
export * from "./events.ts";
export * from "./client.ts";
export * from "./linkinfo/mod.ts";
export * from "./watch.ts";
export * from "./shared_watch.ts";
