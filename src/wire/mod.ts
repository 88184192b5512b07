/**
 * The netlink wire codec: build requests with {@link MessageWriter}, split
 * datagrams with {@link parseMessages}, read attributes with {@link Attrs},
 * format and parse addresses like iproute2, the error classes, the
 * constants of `linux/netlink.h`, {@link jsonReplacer} for JSON of any
 * object the library returns, and the attribute schema every family
 * decodes and encodes with ({@link defineAttrSet}, {@link decodeAttrs}). Nothing here touches a socket.
 *
 * @example
 * ```ts
 * import { Attrs, Flags, MessageWriter, parseMessages } from "@nlts/netlink/wire";
 * const RTM_GETLINK = 18;
 * const IFLA_IFNAME = 3;
 * const req = new MessageWriter(RTM_GETLINK, Flags.REQUEST);
 * req.struct(16); // struct ifinfomsg
 * req.str(IFLA_IFNAME, "lo");
 * const [msg] = parseMessages(req.finish());
 * console.log(msg.type, Attrs.parse(msg.payload.subarray(16)).str(IFLA_IFNAME)); // 18 lo
 * ```
 *
 * @module
 */
export {
  AF,
  Flags,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLMSGERR_ATTR,
  Protocol,
  type ProtocolName,
  SockOpt,
  SOL_NETLINK,
} from "./constants.ts";
export { ERRNO, ERRNO_NAMES, errnoName, errnoText } from "./errno.ts";
export {
  ClosedError,
  DumpInterruptedError,
  type ExtAck,
  NetlinkError,
  Overrun,
  OverrunError,
  ParseError,
  TimeoutError,
} from "./errors.ts";
export { AddressError, ip, ipv4, ipv6, mac, parseIP, parseIPv4, parseIPv6, parseMac, parsePrefix } from "./values.ts";
export { type Attr, AttrCursor, Attrs, AttrWriter } from "./attrs.ts";
export {
  batch,
  type ErrorReply,
  MessageWriter,
  type NetlinkMessage,
  parseDone,
  parseErrorReply,
  parseMessages,
  replyError,
} from "./message.ts";
export { jsonReplacer, toJson, withJson } from "./json.ts";
export {
  type AttrDef,
  attributeName,
  attributePathAt,
  attributePathName,
  type AttrInput,
  type AttrPath,
  type AttrSet,
  type AttrType,
  type AttrValue,
  type BaseInput,
  type BaseValue,
  type Codec,
  decodeAttrs,
  decodeAttrsAt,
  decodeAttrsInto,
  type Decoded,
  decodeStruct,
  defineAttrSet,
  defineStruct,
  type DuplicateRule,
  encodeAttrs,
  encodeStruct,
  type EnumDef,
  enumName,
  type EnumNames,
  flagNames,
  type Input,
  type IntType,
  type IsMulti,
  locate,
  type MemberValue,
  type MessageSchema,
  type NestedSet,
  nestedSet,
  type OneInput,
  type OneValue,
  requestAttributePath,
  type StructDef,
  type StructMember,
  structSize,
  type StructValue,
  writeAttrs,
} from "./schema.ts";
