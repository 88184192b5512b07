/**
 * NETLINK_AUDIT, read-only: status, features, and the record stream of the
 * readlog group. Nothing here changes the audit configuration.
 *
 * @example
 * ```ts
 * import { Audit } from "./mod.ts";
 * await using audit = await Audit.open();
 * console.log(await audit.status(), await audit.features());
 * ```
 *
 * @module
 */
export * from "./constants.ts";
export * from "./status.ts";
export * from "./records.ts";
export * from "./client.ts";
