/**
 * nlts: Linux netlink for Deno and Bun, over raw libc FFI: no native addon,
 * no shelling out.
 *
 * - {@link NetlinkSocket}: requests matched by sequence number, streaming
 *   dumps (`for await`), multicast notifications with explicit overruns.
 * - The wire codec: {@link MessageWriter}, {@link Attrs}, {@link parseMessages}.
 * - Errors: {@link NetlinkError} (errno name, message type, extended ACK),
 *   {@link ParseError} for malformed bytes.
 *
 * @example
 * ```ts
 * import { Flags, MessageWriter, NetlinkSocket } from "@nlts/netlink";
 * await using sock = await NetlinkSocket.open("route");
 * const req = new MessageWriter(18 /* RTM_GETLINK *\/, Flags.DUMP);
 * req.struct(16);
 * for await (const msg of sock.dump(req.finish())) console.log(msg.type);
 * ```
 *
 * @module
 */
export * from "./src/wire/constants.ts";
export * from "./src/wire/errno.ts";
export * from "./src/wire/errors.ts";
export * from "./src/wire/values.ts";
export * from "./src/wire/attrs.ts";
export * from "./src/wire/message.ts";
export * from "./src/socket/socket.ts";
export * from "./src/socket/stream.ts";
export * from "./src/socket/share.ts";
export { netnsPath, type NetnsTarget } from "./src/socket/netns.ts";
export * from "./src/route/mod.ts";
export * from "./src/uevent/mod.ts";
export * from "./src/connector/mod.ts";
export * from "./src/netfilter/mod.ts";
export * from "./src/xfrm/mod.ts";
export * from "./src/audit/mod.ts";
export * from "./src/genl/mod.ts";
export * from "./src/usersock/mod.ts";
export * from "./src/sockdiag/mod.ts";
