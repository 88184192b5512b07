/**
 * Kind `vxlan`: `IFLA_VXLAN_*` from `linux/if_link.h`.
 *
 * @module
 */
import type { AttrWriter } from "../../wire/attrs.ts";
import {
  type AttrSet,
  decodeAttrs,
  type Decoded,
  defineAttrSet,
  defineStruct,
  type Input,
  writeAttrs,
} from "../../wire/schema.ts";
import * as v from "../../wire/values.ts";
import type { RawAttr } from "./common.ts";
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

/** `struct ifla_vxlan_port_range`. */
const PORT_RANGE = defineStruct({
  name: "ifla_vxlan_port_range",
  members: [{ name: "low", type: "be16" }, { name: "high", type: "be16" }],
});

const VXLAN_ATTRS = defineAttrSet({
  name: "vxlan",
  prefix: "IFLA_VXLAN_",
  attributes: {
    id: { id: IFLA_VXLAN.ID, type: "u32" },
    group: { id: IFLA_VXLAN.GROUP, type: "ip" },
    link: { id: IFLA_VXLAN.LINK, type: "u32" },
    local: { id: IFLA_VXLAN.LOCAL, type: "ip" },
    ttl: { id: IFLA_VXLAN.TTL, type: "u8" },
    tos: { id: IFLA_VXLAN.TOS, type: "u8" },
    learning: { id: IFLA_VXLAN.LEARNING, type: "u8", as: "boolean" },
    ageing: { id: IFLA_VXLAN.AGEING, type: "u32" },
    limit: { id: IFLA_VXLAN.LIMIT, type: "u32" },
    portRange: { id: IFLA_VXLAN.PORT_RANGE, type: "binary", struct: PORT_RANGE },
    proxy: { id: IFLA_VXLAN.PROXY, type: "u8", as: "boolean" },
    rsc: { id: IFLA_VXLAN.RSC, type: "u8", as: "boolean" },
    l2miss: { id: IFLA_VXLAN.L2MISS, type: "u8", as: "boolean" },
    l3miss: { id: IFLA_VXLAN.L3MISS, type: "u8", as: "boolean" },
    port: { id: IFLA_VXLAN.PORT, type: "u16", "byte-order": "big-endian" },
    group6: { id: IFLA_VXLAN.GROUP6, type: "ip" },
    local6: { id: IFLA_VXLAN.LOCAL6, type: "ip" },
    udpCsum: { id: IFLA_VXLAN.UDP_CSUM, type: "u8", as: "boolean" },
    udpZeroCsum6Tx: { id: IFLA_VXLAN.UDP_ZERO_CSUM6_TX, type: "u8", as: "boolean" },
    udpZeroCsum6Rx: { id: IFLA_VXLAN.UDP_ZERO_CSUM6_RX, type: "u8", as: "boolean" },
    remcsumTx: { id: IFLA_VXLAN.REMCSUM_TX, type: "u8", as: "boolean" },
    remcsumRx: { id: IFLA_VXLAN.REMCSUM_RX, type: "u8", as: "boolean" },
    gbp: { id: IFLA_VXLAN.GBP, type: "flag", as: "boolean" },
    remcsumNopartial: { id: IFLA_VXLAN.REMCSUM_NOPARTIAL, type: "flag", as: "boolean" },
    collectMetadata: { id: IFLA_VXLAN.COLLECT_METADATA, type: "u8", as: "boolean" },
    label: { id: IFLA_VXLAN.LABEL, type: "u32", "byte-order": "big-endian" },
    gpe: { id: IFLA_VXLAN.GPE, type: "flag", as: "boolean" },
    // Sent as a flag, read back by some kernels as a u8.
    ttlInherit: { id: IFLA_VXLAN.TTL_INHERIT, type: "flag", as: "boolean" },
    df: { id: IFLA_VXLAN.DF, type: "u8", enum: VXLAN_DF },
    vnifilter: { id: IFLA_VXLAN.VNIFILTER, type: "u8", as: "boolean" },
    localbypass: { id: IFLA_VXLAN.LOCALBYPASS, type: "u8", as: "boolean" },
    labelPolicy: { id: IFLA_VXLAN.LABEL_POLICY, type: "u32" },
  },
});

/** The `IFLA_VXLAN_*` attributes (`IFLA_INFO_DATA` of kind `vxlan`). */
export const vxlanAttrs: AttrSet = VXLAN_ATTRS;

function isMulticast(address: string): boolean {
  if (address.includes(":")) return address.startsWith("ff");
  const first = Number(address.slice(0, address.indexOf(".")));
  return first >= 224 && first <= 239;
}

/** The kernel sends the address attributes as all zeroes when unset; iproute2 hides them. */
function isUnset(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

/**
 * The VXLAN object of a decoded `IFLA_INFO_DATA`: the group attribute is
 * reported as `group` when multicast and `remote` otherwise, as iproute2 does.
 */
function vxlanInfo(decoded: Decoded<typeof VXLAN_ATTRS>): VxlanInfo {
  const { group, group6, local, local6, df, ...info } = decoded;
  const out: VxlanInfo = info;
  const peer = group ?? group6;
  if (peer !== undefined && !isUnset(peer)) {
    if (isMulticast(peer)) out.group = peer;
    else out.remote = peer;
  }
  const here = local ?? local6;
  if (here !== undefined && !isUnset(here)) out.local = here;
  if (df !== undefined) out.df = (typeof df === "number" ? String(df) : df) as VxlanInfo["df"];
  return out;
}

/**
 * Decodes the `IFLA_INFO_DATA` of a VXLAN device (the attributes after the
 * nest header).
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { decodeVxlanInfo } from "./vxlan.ts";
 * decodeVxlanInfo(new AttrWriter().u32(1, 42).ip(2, "10.0.0.2").bytes()); // { id: 42, remote: "10.0.0.2" }
 * ```
 */
export function decodeVxlanInfo(bytes: Uint8Array): VxlanInfo {
  return vxlanInfo(decodeAttrs(VXLAN_ATTRS, bytes));
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
  const { remote, group, local, ...plain } = o;
  const input: Input<typeof VXLAN_ATTRS> = plain;
  const peer = remote ?? group;
  if (peer !== undefined) {
    const bytes = v.parseIP(peer);
    const text = v.ip(bytes);
    if (group !== undefined && !isMulticast(text)) throw new v.AddressError(`vxlan group ${peer} is not multicast`);
    if (remote !== undefined && isMulticast(text)) throw new v.AddressError(`vxlan remote ${peer} is multicast`);
    if (bytes.length === 4) input.group = text;
    else input.group6 = text;
  }
  if (local !== undefined) {
    const bytes = v.parseIP(local);
    if (bytes.length === 4) input.local = v.ip(bytes);
    else input.local6 = v.ip(bytes);
  }
  writeAttrs(w, VXLAN_ATTRS, input, "vxlan");
}

/** The `vxlan` kind for the registry. */
export const vxlanKind: LinkKindCodec<VxlanInfo, VxlanOptions> = {
  kind: "vxlan",
  data: VXLAN_ATTRS,
  fromData: (decoded) => vxlanInfo(decoded as Decoded<typeof VXLAN_ATTRS>),
  encodeData: (w, o) => encodeVxlanOptions(w, o),
};
