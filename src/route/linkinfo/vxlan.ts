/**
 * Kind `vxlan`: `IFLA_VXLAN_*` from `linux/if_link.h`.
 *
 * @module
 */
import type { Attrs, AttrWriter } from "../../wire/attrs.ts";
import { ParseError } from "../../wire/errors.ts";
import * as v from "../../wire/values.ts";
import { decodeFields, encodeFields, type FieldSpec, type RawAttr } from "./common.ts";
import type { LinkKindCodec } from "./registry.ts";

/** `IFLA_VXLAN_*` attribute numbers. */
export const IFLA_VXLAN = {
  ID: 1,
  GROUP: 2,
  LINK: 3,
  LOCAL: 4,
  TTL: 5,
  TOS: 6,
  LEARNING: 7,
  AGEING: 8,
  LIMIT: 9,
  PORT_RANGE: 10,
  PROXY: 11,
  RSC: 12,
  L2MISS: 13,
  L3MISS: 14,
  PORT: 15,
  GROUP6: 16,
  LOCAL6: 17,
  UDP_CSUM: 18,
  UDP_ZERO_CSUM6_TX: 19,
  UDP_ZERO_CSUM6_RX: 20,
  REMCSUM_TX: 21,
  REMCSUM_RX: 22,
  GBP: 23,
  REMCSUM_NOPARTIAL: 24,
  COLLECT_METADATA: 25,
  LABEL: 26,
  GPE: 27,
  TTL_INHERIT: 28,
  DF: 29,
  VNIFILTER: 30,
  LOCALBYPASS: 31,
  LABEL_POLICY: 32,
  RESERVED_BITS: 33,
  MC_ROUTE: 34,
} as const;

/** `IFLA_VXLAN_DF` values by name. */
export const VXLAN_DF = ["unset", "set", "inherit"] as const;

/** Settable VXLAN options (`ip link add … type vxlan …`). */
export interface VxlanOptions {
  /** VNI (0..2^24-1). Required when creating. */
  id?: number;
  /** Unicast remote (IPv4 or IPv6). */
  remote?: string;
  /** Multicast group (IPv4 or IPv6); exclusive with `remote`. */
  group?: string;
  /** Local address (IPv4 or IPv6). */
  local?: string;
  /** Underlying device index for multicast. */
  link?: number;
  /** Destination UDP port. */
  port?: number;
  /** Source port range. */
  portRange?: { low: number; high: number };
  /** TTL (0: inherit/default). */
  ttl?: number;
  /** Inherit TTL from the inner packet. */
  ttlInherit?: boolean;
  /** TOS. */
  tos?: number;
  /** IPv6 flow label. */
  label?: number;
  /** MAC learning. */
  learning?: boolean;
  /** FDB ageing, seconds. */
  ageing?: number;
  /** Most FDB entries (0: no limit). */
  limit?: number;
  /** ARP proxy. */
  proxy?: boolean;
  /** Route short circuit. */
  rsc?: boolean;
  /** L2 miss notifications. */
  l2miss?: boolean;
  /** L3 miss notifications. */
  l3miss?: boolean;
  /** UDP checksums over IPv4. */
  udpCsum?: boolean;
  /** Zero UDP checksums over IPv6, transmit. */
  udpZeroCsum6Tx?: boolean;
  /** Zero UDP checksums over IPv6, receive. */
  udpZeroCsum6Rx?: boolean;
  /** Remote checksum offload, transmit. */
  remcsumTx?: boolean;
  /** Remote checksum offload, receive. */
  remcsumRx?: boolean;
  /** Group policy extension. */
  gbp?: boolean;
  /** No partial remote checksum offload. */
  remcsumNopartial?: boolean;
  /** External control (metadata) mode. */
  collectMetadata?: boolean;
  /** Generic protocol extension. */
  gpe?: boolean;
  /** DF bit: `"unset"`, `"set"`, `"inherit"`. */
  df?: (typeof VXLAN_DF)[number];
  /** VNI filtering (with `collectMetadata`). */
  vnifilter?: boolean;
  /** Bypass local delivery. */
  localbypass?: boolean;
}

/** What the kernel reports of a VXLAN device. */
export interface VxlanInfo extends VxlanOptions {
  /** Flow label policy. */
  labelPolicy?: number;
  /** Attributes not decoded. */
  unknown?: RawAttr[];
}

const FIELDS: readonly FieldSpec<VxlanInfo>[] = [
  [IFLA_VXLAN.ID, "id", "u32"],
  [IFLA_VXLAN.LINK, "link", "u32"],
  [IFLA_VXLAN.TTL, "ttl", "u8"],
  [IFLA_VXLAN.TOS, "tos", "u8"],
  [IFLA_VXLAN.LEARNING, "learning", "bool"],
  [IFLA_VXLAN.AGEING, "ageing", "u32"],
  [IFLA_VXLAN.LIMIT, "limit", "u32"],
  [IFLA_VXLAN.PROXY, "proxy", "bool"],
  [IFLA_VXLAN.RSC, "rsc", "bool"],
  [IFLA_VXLAN.L2MISS, "l2miss", "bool"],
  [IFLA_VXLAN.L3MISS, "l3miss", "bool"],
  [IFLA_VXLAN.PORT, "port", "be16"],
  [IFLA_VXLAN.UDP_CSUM, "udpCsum", "bool"],
  [IFLA_VXLAN.UDP_ZERO_CSUM6_TX, "udpZeroCsum6Tx", "bool"],
  [IFLA_VXLAN.UDP_ZERO_CSUM6_RX, "udpZeroCsum6Rx", "bool"],
  [IFLA_VXLAN.REMCSUM_TX, "remcsumTx", "bool"],
  [IFLA_VXLAN.REMCSUM_RX, "remcsumRx", "bool"],
  [IFLA_VXLAN.GBP, "gbp", "flag"],
  [IFLA_VXLAN.REMCSUM_NOPARTIAL, "remcsumNopartial", "flag"],
  [IFLA_VXLAN.COLLECT_METADATA, "collectMetadata", "bool"],
  [IFLA_VXLAN.LABEL, "label", "be32"],
  [IFLA_VXLAN.GPE, "gpe", "flag"],
  [IFLA_VXLAN.TTL_INHERIT, "ttlInherit", "flag"],
  [IFLA_VXLAN.VNIFILTER, "vnifilter", "bool"],
  [IFLA_VXLAN.LOCALBYPASS, "localbypass", "bool"],
  [IFLA_VXLAN.LABEL_POLICY, "labelPolicy", "u32"],
];

/** Options that go through the field table on encode (the rest is written by hand). */
const OPTION_FIELDS = FIELDS.filter(([type]) => type !== IFLA_VXLAN.LABEL_POLICY);

function isMulticast(bytes: Uint8Array): boolean {
  return bytes.length === 4 ? (bytes[0] & 0xf0) === 0xe0 : bytes[0] === 0xff;
}

/**
 * Decodes the `IFLA_INFO_DATA` of a VXLAN device. The group attribute is
 * reported as `group` when multicast and `remote` otherwise, as iproute2 does.
 *
 * @example
 * ```ts
 * import { AttrWriter, Attrs } from "@nlts/netlink";
 * import { decodeVxlanInfo } from "./vxlan.ts";
 * decodeVxlanInfo(Attrs.parse(new AttrWriter().u32(1, 42).ip(2, "10.0.0.2").bytes())); // { id: 42, remote: "10.0.0.2" }
 * ```
 */
export function decodeVxlanInfo(attrs: Attrs): VxlanInfo {
  const handled = [
    IFLA_VXLAN.GROUP,
    IFLA_VXLAN.GROUP6,
    IFLA_VXLAN.LOCAL,
    IFLA_VXLAN.LOCAL6,
    IFLA_VXLAN.PORT_RANGE,
    IFLA_VXLAN.DF,
  ];
  const { value, unknown } = decodeFields(attrs, FIELDS, handled);
  const addr = (type: number, size: number, what: string): Uint8Array | undefined => {
    const b = attrs.get(type);
    if (b === undefined) return undefined;
    if (b.length !== size) throw new ParseError(`vxlan ${what} of ${b.length} bytes`, 0);
    return b;
  };
  const group = addr(IFLA_VXLAN.GROUP, 4, "group") ?? addr(IFLA_VXLAN.GROUP6, 16, "group6");
  // The kernel sends the IPv4 attribute as 0.0.0.0 when unset; iproute2 hides it.
  if (group && group.some((b) => b !== 0)) {
    if (isMulticast(group)) value.group = v.ip(group);
    else value.remote = v.ip(group);
  }
  const local = addr(IFLA_VXLAN.LOCAL, 4, "local") ?? addr(IFLA_VXLAN.LOCAL6, 16, "local6");
  if (local && local.some((b) => b !== 0)) value.local = v.ip(local);
  const range = attrs.get(IFLA_VXLAN.PORT_RANGE);
  if (range) {
    if (range.length < 4) throw new ParseError(`vxlan port range of ${range.length} bytes`, 0);
    value.portRange = { low: v.be16(range), high: v.be16(range.subarray(2)) };
  }
  const df = attrs.u8(IFLA_VXLAN.DF);
  if (df !== undefined) value.df = VXLAN_DF[df] ?? (String(df) as VxlanInfo["df"]);
  if (unknown.length) value.unknown = unknown;
  return value;
}

/**
 * Writes VXLAN options as `IFLA_VXLAN_*` attributes.
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { encodeVxlanOptions } from "./vxlan.ts";
 * encodeVxlanOptions(new AttrWriter(), { id: 42, remote: "10.0.0.2", port: 4789 });
 * ```
 */
export function encodeVxlanOptions(w: AttrWriter, o: VxlanOptions): void {
  if (o.id !== undefined && (!Number.isInteger(o.id) || o.id < 0 || o.id > 0xffffff)) {
    throw new TypeError(`vxlan id ${o.id} is out of range 0..16777215`);
  }
  if (o.remote !== undefined && o.group !== undefined) throw new TypeError("vxlan: give remote or group, not both");
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 0xffff)) {
    throw new TypeError(`vxlan port ${o.port} is out of range 0..65535`);
  }
  encodeFields<VxlanInfo>(w, o, OPTION_FIELDS);
  const peer = o.remote ?? o.group;
  if (peer !== undefined) {
    const bytes = v.parseIP(peer);
    if (o.group !== undefined && !isMulticast(bytes)) throw new v.AddressError(`vxlan group ${peer} is not multicast`);
    if (o.remote !== undefined && isMulticast(bytes)) throw new v.AddressError(`vxlan remote ${peer} is multicast`);
    w.attr(bytes.length === 4 ? IFLA_VXLAN.GROUP : IFLA_VXLAN.GROUP6, bytes);
  }
  if (o.local !== undefined) {
    const bytes = v.parseIP(o.local);
    w.attr(bytes.length === 4 ? IFLA_VXLAN.LOCAL : IFLA_VXLAN.LOCAL6, bytes);
  }
  if (o.portRange) {
    const b = new Uint8Array(4);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, o.portRange.low, false);
    dv.setUint16(2, o.portRange.high, false);
    w.attr(IFLA_VXLAN.PORT_RANGE, b);
  }
  if (o.df !== undefined) {
    const df = VXLAN_DF.indexOf(o.df);
    if (df < 0) throw new TypeError(`vxlan df must be one of ${VXLAN_DF.join(", ")}`);
    w.u8(IFLA_VXLAN.DF, df);
  }
}

/** The `vxlan` kind for the registry. */
export const vxlanKind: LinkKindCodec<VxlanInfo, VxlanOptions> = {
  kind: "vxlan",
  decodeData: decodeVxlanInfo,
  encodeData: (w, o) => encodeVxlanOptions(w, o),
};
