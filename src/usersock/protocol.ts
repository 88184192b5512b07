/**
 * A protocol of the user's own over NETLINK_USERSOCK: message types, each
 * with an attribute set written with the same schema as generic netlink
 * families (`src/genl/schema.ts`). Messages are a plain `nlmsghdr` followed
 * by attributes; the decoded objects are typed by the definition.
 *
 * @module
 */
import { type AttrSet, decodeAttrs, type Decoded, encodeAttrs, type Input } from "../wire/schema.ts";
import { Flags, NLMSG_MIN_TYPE } from "../wire/constants.ts";
import type { ReceivedMessage } from "../socket/socket.ts";
import { MessageWriter } from "../wire/message.ts";
import type { ParseError } from "../wire/errors.ts";
import { withJson } from "../wire/json.ts";

/** One message type of a protocol. */
export interface MessageDef {
  /** `nlmsg_type`: 16 (NLMSG_MIN_TYPE) or above; below are netlink's own. */
  readonly type: number;
  /** Its attributes. */
  readonly attributes: AttrSet;
  /** Documentation. */
  readonly doc?: string;
}

/** A protocol: a name and its messages, by name. */
export interface ProtocolDef {
  /** Name, for error messages. */
  readonly name: string;
  /** Messages by name. */
  readonly messages: { readonly [name: string]: MessageDef };
}

/** The message names of a protocol. */
export type MessageName<P extends ProtocolDef> = keyof P["messages"] & string;

/** A received message of type `N`, with its attributes decoded. */
export interface TypedMessage<P extends ProtocolDef, N extends MessageName<P>> {
  /** Message name from the protocol. */
  name: N;
  /** `nlmsg_type`. */
  type: number;
  /** `nlmsg_seq`: replies carry the request's. */
  seq: number;
  /** `nlmsg_flags`. */
  flags: number;
  /** Sender's port id, from the socket address (what the kernel says, not what the header claims). */
  from: number;
  /** Multicast group it was sent to; 0 when unicast. */
  group: number;
  /** Decoded attributes (those the set does not know are in `unknown`). */
  attrs: Decoded<P["messages"][N]["attributes"]>;
}

/** A message whose type the protocol does not define: kept raw. */
export interface UnknownMessage {
  /** Always null: not a message of the protocol. */
  name: null;
  /** `nlmsg_type`. */
  type: number;
  /** `nlmsg_seq`. */
  seq: number;
  /** `nlmsg_flags`. */
  flags: number;
  /** Sender's port id (-1 when the socket could not tell: a datagram it refused whole). */
  from: number;
  /** Multicast group; 0 when unicast. */
  group: number;
  /** The bytes after the header (the whole datagram when it did not parse; empty when refused whole). */
  payload: Uint8Array;
  /** Why the bytes could not be decoded, when they could not. */
  error?: ParseError;
}

/** Any message of protocol `P`, discriminated by `name`. */
export type ProtocolMessage<P extends ProtocolDef> =
  | { [N in MessageName<P>]: TypedMessage<P, N> }[MessageName<P>]
  | UnknownMessage;

/**
 * Declares a protocol, checking its message types.
 *
 * @example
 * ```ts
 * import { defineAttrSet, defineProtocol } from "@nlts/netlink";
 * const text = defineAttrSet({ name: "text", attributes: { body: { id: 1, type: "string" } } });
 * const chat = defineProtocol({
 *   name: "chat",
 *   messages: { say: { type: 0x10, attributes: text }, heard: { type: 0x11, attributes: text } },
 * });
 * ```
 */
export function defineProtocol<const P extends ProtocolDef>(protocol: P): P {
  const seen = new Map<number, string>();
  for (const [name, def] of Object.entries(protocol.messages)) {
    if (!Number.isInteger(def.type) || def.type < NLMSG_MIN_TYPE || def.type > 0xffff) {
      throw new TypeError(`${protocol.name}.${name}: type ${def.type} must be an integer from 16 to 65535`);
    }
    const other = seen.get(def.type);
    if (other) throw new TypeError(`${protocol.name}: ${name} and ${other} share type ${def.type}`);
    seen.set(def.type, name);
  }
  return protocol;
}

/**
 * Encodes message `name` of `protocol` with `attrs`.
 *
 * @example
 * ```ts
 * import { defineAttrSet } from "@nlts/netlink";
 * import { defineProtocol, encodeUserMessage } from "@nlts/netlink/usersock";
 * const text = defineAttrSet({ name: "text", attributes: { body: { id: 1, type: "string" } } });
 * const chat = defineProtocol({ name: "chat", messages: { say: { type: 0x10, attributes: text } } });
 * encodeUserMessage(chat, "say", { body: "hi" }, { seq: 1, portId: 100 }).length; // 24
 * ```
 */
export function encodeUserMessage<P extends ProtocolDef, N extends MessageName<P>>(
  protocol: P,
  name: N,
  attrs: Input<P["messages"][N]["attributes"]>,
  header: { seq?: number; portId?: number; flags?: number } = {},
): Uint8Array {
  const def = protocol.messages[name];
  if (!def) throw new TypeError(`${protocol.name}: no message ${JSON.stringify(name)}`);
  const m = new MessageWriter(def.type, header.flags ?? 0);
  m.raw(encodeAttrs(def.attributes, attrs));
  return m.finish(header.seq ?? 0, header.portId ?? 0);
}

const byType = new WeakMap<ProtocolDef, Map<number, string>>();

/**
 * Decodes a received message by the protocol (a ParseError for malformed
 * attributes; an {@link UnknownMessage} for a type it does not define).
 *
 * @example
 * ```ts
 * import { defineAttrSet } from "@nlts/netlink";
 * import { decodeUserMessage, defineProtocol } from "@nlts/netlink/usersock";
 * const text = defineAttrSet({ name: "text", attributes: { body: { id: 1, type: "string" } } });
 * const chat = defineProtocol({ name: "chat", messages: { say: { type: 0x10, attributes: text } } });
 * const payload = new Uint8Array([7, 0, 1, 0, 104, 105, 0, 0]);
 * const msg = decodeUserMessage(chat, { type: 0x10, flags: 0, seq: 1, pid: 5, payload, source: 5, group: 0 });
 * if (msg.name === "say") console.log(msg.attrs.body); // "hi"
 * ```
 */
export function decodeUserMessage<P extends ProtocolDef>(protocol: P, msg: ReceivedMessage): ProtocolMessage<P> {
  let names = byType.get(protocol);
  if (!names) {
    names = new Map(Object.entries(protocol.messages).map(([n, d]) => [d.type, n]));
    byType.set(protocol, names);
  }
  const common = { type: msg.type, seq: msg.seq, flags: msg.flags, from: msg.source, group: msg.group };
  const name = names.get(msg.type);
  if (name === undefined) return withJson({ name: null, ...common, payload: msg.payload });
  const attrs = decodeAttrs(protocol.messages[name].attributes, msg.payload, 16);
  return withJson({ name, ...common, attrs }) as ProtocolMessage<P>;
}

/** `nlmsg_flags` a request carries. */
export const REQUEST_FLAGS: number = Flags.REQUEST;
