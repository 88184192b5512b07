/**
 * NETLINK_USERSOCK: a protocol of your own between processes, addressed by
 * port id and multicast group, with typed messages from a declarative schema.
 *
 * @example
 * ```ts
 * import { defineAttrSet, defineProtocol, UserPeer } from "@nlts/netlink/usersock";
 * const text = defineAttrSet({ name: "text", attributes: { body: { id: 1, type: "string" } } });
 * const chat = defineProtocol({ name: "chat", messages: { say: { type: 16, attributes: text } } });
 * await using me = await UserPeer.open(chat);
 * me.send({ portId: me.portId }, "say", { body: "hello, me" });
 * ```
 *
 * @module
 */
export {
  decodeUserMessage,
  defineProtocol,
  encodeUserMessage,
  type MessageDef,
  type MessageName,
  type ProtocolDef,
  type ProtocolMessage,
  REQUEST_FLAGS,
  type TypedMessage,
  type UnknownMessage,
} from "./protocol.ts";
export { type Destination, type PeerOptions, type PeerRequestOptions, PeerTimeoutError, UserPeer } from "./peer.ts";
export { defineAttrSet } from "../wire/schema.ts";
