/**
 * ipset's attributes as schema sets (`src/wire/schema.ts`): the command
 * level (`IPSET_ATTR_*` 1–11), the create/header data (`IPSET_ATTR_DATA` of
 * CREATE and LIST, attributes 1–26) and the element data (`IPSET_ATTR_DATA`
 * of ADD/DEL/TEST and each element of a listing). The kernel wants every
 * integer above one byte in network order with `NLA_F_NET_BYTEORDER` set,
 * and nests with `NLA_F_NESTED`: the sets say so per attribute.
 *
 * @module
 */
import { type AttrSet, defineAttrSet, type MessageSchema, requestAttributePath } from "../wire/schema.ts";
import { CADT_FLAG_NAMES, IPSET_FAMILY, NFNL_SUBSYS_IPSET } from "./constants.ts";
import { NFGENMSG_LEN } from "../netfilter/nfnetlink.ts";

const IPADDR = defineAttrSet({
  name: "ipaddr",
  prefix: "IPSET_ATTR_IPADDR_",
  attributes: {
    ipv4: { id: 1, type: "ip", netByteOrder: true },
    ipv6: { id: 2, type: "ip", netByteOrder: true },
  },
});
/**
 * An address nest (`IPSET_ATTR_IPADDR_IPV4` or `_IPV6`, in network order).
 *
 * @example
 * ```ts
 * import { ipsetAddrAttrs } from "@nlts/netlink/ipset";
 * import { encodeAttrs } from "@nlts/netlink/wire";
 * encodeAttrs(ipsetAddrAttrs, { ipv4: "10.0.0.1" }); // 08 00 01 40 0a 00 00 01
 * ```
 */
export const ipsetAddrAttrs: AttrSet = IPADDR;

/** Attributes 1–11, shared by the create data and the element data (`IPSET_ATTR_CADT_*`). */
const CADT = {
  ip: { id: 1, type: "nest", nested: IPADDR },
  ipTo: { id: 2, type: "nest", nested: IPADDR },
  cidr: { id: 3, type: "u8" },
  port: { id: 4, type: "u16", netByteOrder: true },
  portTo: { id: 5, type: "u16", netByteOrder: true },
  timeout: { id: 6, type: "u32", netByteOrder: true },
  proto: { id: 7, type: "u8" },
  cadtFlags: { id: 8, type: "u32", netByteOrder: true, flags: CADT_FLAG_NAMES },
  lineno: { id: 9, type: "u32", netByteOrder: true },
  mark: { id: 10, type: "u32", netByteOrder: true },
  markmask: { id: 11, type: "u32", netByteOrder: true },
} as const;

const CREATE_DATA = defineAttrSet({
  name: "ipset-create-data",
  prefix: "IPSET_ATTR_",
  attributes: {
    ...CADT,
    initval: { id: 17, type: "u32", netByteOrder: true },
    hashsize: { id: 18, type: "u32", netByteOrder: true },
    maxelem: { id: 19, type: "u32", netByteOrder: true },
    netmask: { id: 20, type: "u8" },
    bucketsize: { id: 21, type: "u8" },
    resize: { id: 22, type: "u8" },
    size: { id: 23, type: "u32", netByteOrder: true },
    elements: { id: 24, type: "u32", netByteOrder: true },
    references: { id: 25, type: "u32", netByteOrder: true },
    memsize: { id: 26, type: "u32", netByteOrder: true },
  },
});
/**
 * The data of CREATE and of a listing's header (`IPSET_ATTR_DATA`): options
 * such as `hashsize`, `maxelem`, `timeout`, and the kernel's `elements`,
 * `references`, `memsize`.
 *
 * @example
 * ```ts
 * import { ipsetCreateDataAttrs } from "@nlts/netlink/ipset";
 * import { encodeAttrs } from "@nlts/netlink/wire";
 * encodeAttrs(ipsetCreateDataAttrs, { timeout: 60, cadtFlags: ["counters"] });
 * ```
 */
export const ipsetCreateDataAttrs: AttrSet = CREATE_DATA;

const ADT_DATA = defineAttrSet({
  name: "ipset-adt-data",
  prefix: "IPSET_ATTR_",
  attributes: {
    ...CADT,
    ether: { id: 17, type: "mac" },
    name: { id: 18, type: "string" },
    nameref: { id: 19, type: "string" },
    ip2: { id: 20, type: "nest", nested: IPADDR },
    cidr2: { id: 21, type: "u8" },
    ip2To: { id: 22, type: "nest", nested: IPADDR },
    iface: { id: 23, type: "string" },
    bytes: { id: 24, type: "u64", netByteOrder: true },
    packets: { id: 25, type: "u64", netByteOrder: true },
    comment: { id: 26, type: "string" },
    skbmark: { id: 27, type: "u64", netByteOrder: true },
    skbprio: { id: 28, type: "u32", netByteOrder: true },
    skbqueue: { id: 29, type: "u16", netByteOrder: true },
    pad: { id: 30, type: "pad" },
  },
});
/**
 * The data of one element (ADD/DEL/TEST, and each element of a listing).
 *
 * @example
 * ```ts
 * import { ipsetAdtDataAttrs } from "@nlts/netlink/ipset";
 * import { encodeAttrs } from "@nlts/netlink/wire";
 * encodeAttrs(ipsetAdtDataAttrs, { ip: { ipv4: "10.0.0.1" }, port: 80, proto: 6 });
 * ```
 */
export const ipsetAdtDataAttrs: AttrSet = ADT_DATA;

const ADT_LIST = defineAttrSet({
  name: "ipset-adt",
  prefix: "IPSET_ATTR_",
  attributes: { data: { id: 7, type: "nest", nested: ADT_DATA, multi: true } },
});

const COMMAND = {
  protocol: { id: 1, type: "u8" },
  setname: { id: 2, type: "string" },
  typename: { id: 3, type: "string" },
  revision: { id: 4, type: "u8" },
  family: { id: 5, type: "u8", enum: IPSET_FAMILY },
  flags: { id: 6, type: "u32", netByteOrder: true },
  lineno: { id: 9, type: "u32", netByteOrder: true },
  protocolMin: { id: 10, type: "u8" },
  index: { id: 11, type: "u16", netByteOrder: true },
} as const;

const SET_MESSAGE = defineAttrSet({
  name: "ipset",
  prefix: "IPSET_ATTR_",
  attributes: {
    ...COMMAND,
    data: { id: 7, type: "nest", nested: CREATE_DATA },
    adt: { id: 8, type: "nest", nested: ADT_LIST },
  },
});
/**
 * The command-level attributes of CREATE, LIST, HEADER, TYPE, PROTOCOL,
 * DESTROY and FLUSH messages (their `data` is {@link ipsetCreateDataAttrs},
 * a listing's elements are in `adt`).
 *
 * @example
 * ```ts
 * import { ipsetAttrs } from "@nlts/netlink/ipset";
 * import { encodeAttrs } from "@nlts/netlink/wire";
 * encodeAttrs(ipsetAttrs, { protocol: 7, setname: "blocked" });
 * ```
 */
export const ipsetAttrs: AttrSet = SET_MESSAGE;

const ELEMENT_MESSAGE = defineAttrSet({
  name: "ipset-element",
  prefix: "IPSET_ATTR_",
  attributes: { ...COMMAND, data: { id: 7, type: "nest", nested: ADT_DATA } },
});
/**
 * The command-level attributes of ADD, DEL and TEST (their `data` is
 * {@link ipsetAdtDataAttrs}).
 *
 * @example
 * ```ts
 * import { ipsetElementAttrs } from "@nlts/netlink/ipset";
 * import { encodeAttrs } from "@nlts/netlink/wire";
 * encodeAttrs(ipsetElementAttrs, { protocol: 7, setname: "blocked", data: { ip: { ipv4: "10.0.0.1" } } });
 * ```
 */
export const ipsetElementAttrs: AttrSet = ELEMENT_MESSAGE;

const RENAME_MESSAGE = defineAttrSet({
  name: "ipset-rename",
  prefix: "IPSET_ATTR_",
  attributes: {
    protocol: { id: 1, type: "u8" },
    setname: { id: 2, type: "string" },
    setname2: { id: 3, type: "string" },
  },
});
/**
 * The attributes of RENAME and SWAP (`IPSET_ATTR_SETNAME2` shares its number with `TYPENAME`).
 *
 * @example
 * ```ts
 * import { ipsetRenameAttrs } from "@nlts/netlink/ipset";
 * import { encodeAttrs } from "@nlts/netlink/wire";
 * encodeAttrs(ipsetRenameAttrs, { protocol: 7, setname: "a", setname2: "b" });
 * ```
 */
export const ipsetRenameAttrs: AttrSet = RENAME_MESSAGE;

const SCHEMAS: { [cmd: number]: MessageSchema } = {};
for (const cmd of [1, 2, 3, 4, 7, 8, 12, 13, 14, 15]) {
  SCHEMAS[cmd] = { headerSize: NFGENMSG_LEN, attributes: SET_MESSAGE };
}
for (const cmd of [5, 6]) SCHEMAS[cmd] = { headerSize: NFGENMSG_LEN, attributes: RENAME_MESSAGE };
for (const cmd of [9, 10, 11]) SCHEMAS[cmd] = { headerSize: NFGENMSG_LEN, attributes: ELEMENT_MESSAGE };

/**
 * Names the attribute an extended-ACK offset points at in an ipset request
 * (`IPSET_ATTR_DATA.IPSET_ATTR_TIMEOUT`), for `NetlinkSocket.open`'s `describeAttribute`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { ipsetAttributePath } from "@nlts/netlink/ipset";
 * await using sock = await NetlinkSocket.open("netfilter", { describeAttribute: ipsetAttributePath });
 * ```
 */
export function ipsetAttributePath(request: Uint8Array, offset: number): string | undefined {
  if (request.length < 16 || request[5] !== NFNL_SUBSYS_IPSET) return undefined;
  const schema = SCHEMAS[request[4]];
  return schema ? requestAttributePath(schema, request, offset) : undefined;
}

/** The typed sets, for the decoders and encoders of this family. */
export const SETS = {
  message: SET_MESSAGE,
  element: ELEMENT_MESSAGE,
  rename: RENAME_MESSAGE,
  createData: CREATE_DATA,
  adtData: ADT_DATA,
} as const;
