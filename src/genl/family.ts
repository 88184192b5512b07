/**
 * Generic netlink families as data: commands, notifications and multicast
 * groups over attribute sets ({@link AttrSet}), the `genlmsghdr` framing of
 * requests and replies, and {@link GenlError}, which names the attribute an
 * extended ACK points at.
 *
 * @module
 */
import { MessageWriter } from "../wire/message.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { NetlinkError, ParseError } from "../wire/errors.ts";
import { NLMSG_HDRLEN } from "../wire/constants.ts";
import {
  attributeName,
  attributePathAt,
  type AttrPath,
  type AttrSet,
  decodeAttrs,
  type Decoded,
  type Input,
  locate,
  writeAttrs,
} from "../wire/schema.ts";
import { withJson } from "../wire/json.ts";

/** Size of `struct genlmsghdr` (cmd, version, reserved). */
export const GENL_HDRLEN = 4;

/** A command user space sends. */
export interface CommandDef {
  /** Command number (`genlmsghdr.cmd`). */
  readonly id: number;
  /** Attributes of the request. */
  readonly request?: AttrSet;
  /** Attributes of the reply (or of each dumped message). */
  readonly reply?: AttrSet;
  /** The reply may be left out (a SET whose reply the caller can suppress). */
  readonly replyOptional?: boolean;
  /** Documentation. */
  readonly doc?: string;
}

/** A message the kernel sends unasked, to a multicast group. */
export interface NotificationDef {
  /** Command number of the notification. */
  readonly id: number;
  /** Its attributes. */
  readonly attrs: AttrSet;
  /** Documentation. */
  readonly doc?: string;
}

/** A generic netlink family. */
export interface FamilySchema {
  /** Family name, as the controller knows it (`"ethtool"`, `"TASKSTATS"`). */
  readonly name: string;
  /** `genlmsghdr.version` to send (default 1). */
  readonly version?: number;
  /** Size of the family's own fixed header after `genlmsghdr` (default 0). */
  readonly headerSize?: number;
  /** Commands by name. */
  readonly commands: { readonly [name: string]: CommandDef };
  /** Notifications by name. */
  readonly notifications?: { readonly [name: string]: NotificationDef };
  /** Multicast group names. */
  readonly groups?: readonly string[];
}

/**
 * Declares a family; the literal types are kept so requests, replies and
 * events are typed by it.
 *
 * @example
 * ```ts
 * import { defineAttrSet, defineFamily } from "@nlts/netlink";
 * const attrs = defineAttrSet({ name: "a", attributes: { pid: { id: 1, type: "u32" } } });
 * const fam = defineFamily({ name: "MYFAM", commands: { get: { id: 1, request: attrs, reply: attrs } } });
 * ```
 */
export function defineFamily<const F extends FamilySchema>(family: F): F {
  return family;
}

/** Command names of a family. */
export type CommandName<F extends FamilySchema> = keyof F["commands"] & string;

/** What a command's request accepts. */
export type RequestInput<F extends FamilySchema, C extends CommandName<F>> = F["commands"][C] extends
  { request: infer S extends AttrSet } ? Input<S> : Record<string, never>;

/** What one reply of a command decodes to. */
export type ReplyItem<F extends FamilySchema, C extends CommandName<F>> = F["commands"][C] extends
  { reply: infer S extends AttrSet } ? Decoded<S> : never;

/** What `request` resolves to: the decoded reply, or nothing for a command without one. */
export type ReplyOf<F extends FamilySchema, C extends CommandName<F>> = F["commands"][C] extends
  { reply: infer S extends AttrSet }
  ? (F["commands"][C] extends { replyOptional: true } ? Decoded<S> | undefined : Decoded<S>)
  : void;

/** A notification the family declares, decoded. */
export type KnownEvent<F extends FamilySchema> = F["notifications"] extends
  infer N extends Record<string, NotificationDef>
  ? { [K in keyof N & string]: { name: K; command: number; version: number; attrs: Decoded<N[K]["attrs"]> } }[
    keyof N & string
  ]
  : never;

/** A notification whose command the family does not declare, kept raw. */
export interface UnknownEvent {
  /** No name: the command is not in the schema. */
  name: undefined;
  /** Command number. */
  command: number;
  /** `genlmsghdr.version`. */
  version: number;
  /** Everything after `genlmsghdr`. */
  payload: Uint8Array;
}

/** An event of a family: a declared notification, or an unknown one. */
export type GenlEvent<F extends FamilySchema> = KnownEvent<F> | UnknownEvent;

/**
 * Encodes a request of `command` for a family whose number is `familyId`.
 *
 * @example
 * ```ts
 * import { defineAttrSet } from "@nlts/netlink";
 * import { defineFamily, encodeRequest } from "@nlts/netlink/genl";
 * const attrs = defineAttrSet({ name: "a", attributes: { pid: { id: 1, type: "u32" } } });
 * const fam = defineFamily({ name: "MYFAM", commands: { get: { id: 1, request: attrs } } });
 * encodeRequest(fam, 0x1f, "get", { pid: 1 }).length; // 28
 * ```
 */
export function encodeRequest<F extends FamilySchema, C extends CommandName<F>>(
  family: F,
  familyId: number,
  command: C,
  attrs: RequestInput<F, C>,
  flags = 0,
): Uint8Array {
  const def = family.commands[command];
  if (!def) throw new TypeError(`family ${family.name} has no command ${JSON.stringify(command)}`);
  const w = new MessageWriter(familyId, flags);
  const hdr = w.struct(GENL_HDRLEN);
  hdr.setUint8(0, def.id);
  hdr.setUint8(1, family.version ?? 1);
  if (family.headerSize) w.struct(family.headerSize);
  const values = (attrs ?? {}) as Record<string, unknown>;
  if (def.request) writeAttrs(w, def.request, values as Input<AttrSet>, `${family.name}.${command}`);
  else if (Object.keys(values).length) throw new TypeError(`${family.name}.${command} takes no attributes`);
  return w.finish();
}

/** The `genlmsghdr` of a message. */
export interface GenlHeader {
  /** Command number. */
  command: number;
  /** Version. */
  version: number;
}

/**
 * Reads `genlmsghdr` and returns the attribute bytes after it (and after the
 * family's header). A payload shorter than the headers is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { splitGenl } from "./family.ts";
 * splitGenl({ type: 16, flags: 0, seq: 0, pid: 0, payload: new Uint8Array([1, 2, 0, 0]) }).header.command; // 1
 * ```
 */
export function splitGenl(msg: NetlinkMessage, headerSize = 0): { header: GenlHeader; attrs: Uint8Array } {
  const p = msg.payload;
  if (p.length < GENL_HDRLEN + headerSize) {
    throw new ParseError(`generic netlink payload of ${p.length} bytes is shorter than its header`, NLMSG_HDRLEN);
  }
  return { header: { command: p[0], version: p[1] }, attrs: p.subarray(GENL_HDRLEN + headerSize) };
}

/**
 * Decodes a message's attributes by a set, after the genl header.
 *
 * @example
 * ```ts
 * import { defineAttrSet } from "@nlts/netlink";
 * import { decodeMessage } from "@nlts/netlink/genl";
 * const attrs = defineAttrSet({ name: "a", attributes: { pid: { id: 1, type: "u32" } } });
 * const payload = new Uint8Array([1, 1, 0, 0, 8, 0, 1, 0, 7, 0, 0, 0]);
 * decodeMessage(attrs, { type: 30, flags: 0, seq: 0, pid: 0, payload }).pid; // 7
 * ```
 */
export function decodeMessage<S extends AttrSet>(set: S, msg: NetlinkMessage, headerSize = 0): Decoded<S> {
  const { attrs } = splitGenl(msg, headerSize);
  return withJson(decodeAttrs(set, attrs, NLMSG_HDRLEN + GENL_HDRLEN + headerSize));
}

/**
 * Decodes a notification of a family: a declared one by its set, any other
 * one kept raw.
 *
 * @example
 * ```ts
 * import { decodeEvent } from "@nlts/netlink/genl";
 * import { nlctrl } from "@nlts/netlink";
 * const ev = decodeEvent(nlctrl, { type: 16, flags: 0, seq: 0, pid: 0, payload: new Uint8Array([2, 2, 0, 0]) });
 * ev.name; // "delfamily"
 * ```
 */
export function decodeEvent<F extends FamilySchema>(family: F, msg: NetlinkMessage): GenlEvent<F> {
  const { header, attrs } = splitGenl(msg, family.headerSize ?? 0);
  for (const [name, def] of Object.entries(family.notifications ?? {})) {
    if (def.id === header.command) {
      const decoded = decodeAttrs(def.attrs, attrs, NLMSG_HDRLEN + GENL_HDRLEN + (family.headerSize ?? 0));
      const event = { name, command: header.command, version: header.version, attrs: decoded };
      return withJson(event) as unknown as GenlEvent<F>;
    }
  }
  return withJson({ name: undefined, command: header.command, version: header.version, payload: attrs.slice() });
}

/**
 * A generic netlink request the kernel refused, with the attribute its
 * extended ACK points at named by the schema.
 *
 * @example
 * ```ts
 * import { GenlError } from "@nlts/netlink";
 * try {
 *   // await ethtool.request("channelsSet", { header: { devName: "nope0" } });
 * } catch (e) {
 *   if (e instanceof GenlError) console.log(e.code, e.attributePath);
 * }
 * ```
 */
export class GenlError extends NetlinkError {
  /** Family name. */
  readonly family: string;
  /** Command name. */
  readonly command: string;
  /** Path of names to the attribute the kernel pointed at (`["header", "devName"]`). */
  readonly attributePath?: AttrPath;
  /** Path to a required attribute the kernel reported missing. */
  readonly missingAttribute?: AttrPath;

  /** Wraps `cause`, naming the family, the command and the attributes involved. */
  constructor(cause: NetlinkError, family: string, command: string, attributePath?: AttrPath, missing?: AttrPath) {
    super(cause.errno, {
      messageType: cause.messageType,
      messageTypeName: `${family} ${command}`,
      extAck: cause.extAck,
      request: cause.request,
    });
    this.name = "GenlError";
    this.family = family;
    this.command = command;
    this.attributePath = attributePath;
    this.missingAttribute = missing;
    if (attributePath) this.message += ` (attribute ${attributePath.join(".")})`;
    if (missing) this.message += ` (missing attribute ${missing.join(".")})`;
  }
}

/**
 * Turns a {@link NetlinkError} for a request of `command` into a
 * {@link GenlError}, mapping the ext-ACK offsets through the request's set.
 * Any other error is returned as it is.
 *
 * @example
 * ```ts
 * import { NetlinkError, nlctrl } from "@nlts/netlink";
 * import { explainError } from "./family.ts";
 * const e = explainError(nlctrl, "getfamily", new NetlinkError(2));
 * ```
 */
export function explainError<F extends FamilySchema>(family: F, command: CommandName<F>, error: unknown): unknown {
  if (!(error instanceof NetlinkError) || error instanceof GenlError || error.syscall) return error;
  const set = family.commands[command]?.request;
  const start = NLMSG_HDRLEN + GENL_HDRLEN + (family.headerSize ?? 0);
  const ack = error.extAck;
  const req = error.request;
  let path: AttrPath | undefined;
  let missing: AttrPath | undefined;
  if (req && req.length >= start) {
    const attrs = req.subarray(start);
    if (ack?.offset !== undefined && ack.offset >= start) path = attributePathAt(set, attrs, ack.offset - start);
    if (ack?.missingType !== undefined) {
      if (ack.missingNest !== undefined && ack.missingNest >= start) {
        const where = locate(set, attrs, ack.missingNest - start);
        missing = [...(where?.path ?? []), attributeName(where?.inner, ack.missingType)];
      } else {
        missing = [attributeName(set, ack.missingType)];
      }
    }
  }
  return new GenlError(error, family.name, command, path, missing);
}
