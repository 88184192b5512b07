/**
 * `IFLA_LINKINFO`: the kind of a link and its kind-specific data. Every
 * kind module is registered here, in one place; a kind nobody registered
 * keeps its data as raw attributes.
 *
 * @module
 */
import { ParseError } from "../../wire/errors.ts";
import { type AttrSet, decodeAttrsAt, defineAttrSet } from "../../wire/schema.ts";
import { type BridgeInfo, bridgeKind, type BridgePortInfo } from "./bridge.ts";
import type { RawAttr } from "./common.ts";
import { LINK_DATA_FORMATS, LINK_SLAVE_DATA_FORMATS, linkKindCodec, registerLinkKind } from "./registry.ts";
import { type TunInfo, tunKind } from "./tun.ts";
import { type VethInfo, vethKind } from "./veth.ts";
import { type VxlanInfo, vxlanKind } from "./vxlan.ts";

registerLinkKind(bridgeKind);
registerLinkKind(vethKind);
registerLinkKind(vxlanKind);
registerLinkKind(tunKind);
registerLinkKind({ kind: "ifb" });

export * from "./bridge.ts";
export * from "./common.ts";
export * from "./registry.ts";
export * from "./tun.ts";
export * from "./veth.ts";
export * from "./vxlan.ts";

/** `IFLA_INFO_*` attribute numbers. */
export const IFLA_INFO = { KIND: 1, DATA: 2, XSTATS: 3, SLAVE_KIND: 4, SLAVE_DATA: 5 } as const;

/** Data of a kind with no registered decoder: its attributes, raw. */
export interface RawLinkData {
  /** The attributes inside `IFLA_INFO_DATA` (or the whole payload when it is not an attribute list). */
  unknown: RawAttr[];
}

/** Decoded `IFLA_INFO_DATA` by kind. */
export interface LinkDataByKind {
  /** Bridge. */
  bridge: BridgeInfo;
  /** VXLAN. */
  vxlan: VxlanInfo;
  /** TUN/TAP. */
  tun: TunInfo;
  /** Veth. */
  veth: VethInfo;
}

/** `IFLA_LINKINFO`, decoded. Narrow `data` with {@link linkData}. */
export interface LinkInfo {
  /** `IFLA_INFO_KIND` (`"bridge"`, `"veth"`, …). */
  kind?: string;
  /** Kind-specific data, typed per kind when the kind is registered. */
  data?: LinkDataByKind[keyof LinkDataByKind] | RawLinkData;
  /** `IFLA_INFO_XSTATS`, raw. */
  xstats?: Uint8Array;
  /** Kind of the master this link is a port of (`"bridge"`). */
  slaveKind?: string;
  /** Port data, typed for bridge ports. */
  slaveData?: BridgePortInfo | RawLinkData;
  /** Attributes of `IFLA_LINKINFO` not decoded. */
  unknown?: RawAttr[];
}

const LINKINFO_ATTRS = defineAttrSet({
  name: "linkinfo",
  prefix: "IFLA_INFO_",
  attributes: {
    kind: { id: IFLA_INFO.KIND, type: "string" },
    data: { id: IFLA_INFO.DATA, type: "sub-message", selector: "kind", formats: LINK_DATA_FORMATS },
    xstats: { id: IFLA_INFO.XSTATS, type: "binary" },
    slaveKind: { id: IFLA_INFO.SLAVE_KIND, type: "string" },
    slaveData: {
      id: IFLA_INFO.SLAVE_DATA,
      type: "sub-message",
      selector: "slaveKind",
      formats: LINK_SLAVE_DATA_FORMATS,
    },
  },
});

/**
 * The `IFLA_INFO_*` attributes. `IFLA_INFO_DATA` and `IFLA_INFO_SLAVE_DATA`
 * are sub-messages whose set is chosen by the kind: every registered kind's
 * set ({@link LINK_DATA_FORMATS}); a kind without one keeps its attributes raw.
 */
export const linkinfoAttrs: AttrSet = LINKINFO_ATTRS;

/**
 * Decodes the payload of `IFLA_LINKINFO`.
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { decodeLinkInfo } from "@nlts/netlink/route";
 * const w = new AttrWriter().str(1, "bridge").nest(2, (d) => d.u32(1, 1500));
 * decodeLinkInfo(w.bytes()); // { kind: "bridge", data: { forwardDelay: 1500 } }
 * ```
 */
export function decodeLinkInfo(bytes: Uint8Array): LinkInfo {
  return decodeLinkInfoAt(bytes, 0, bytes.length);
}

/**
 * {@link decodeLinkInfo} of `bytes[start, end)`, without a view of the range
 * (what a link dump calls for every link).
 *
 * @example
 * ```ts
 * import { decodeLinkInfoAt } from "@nlts/netlink/route";
 * // IFLA_INFO_KIND "veth", after 2 bytes of something else
 * const b = new Uint8Array([0, 0, 9, 0, 1, 0, 118, 101, 116, 104, 0, 0, 0, 0]);
 * decodeLinkInfoAt(b, 2, b.length).kind; // "veth"
 * ```
 */
export function decodeLinkInfoAt(bytes: Uint8Array, start: number, end: number): LinkInfo {
  let decoded: Record<string, unknown>;
  try {
    decoded = decodeAttrsAt(LINKINFO_ATTRS, bytes, start, end, 0);
  } catch (e) {
    if (e instanceof ParseError) {
      throw new ParseError(`IFLA_LINKINFO: ${e.message.replace(/ \(at byte \d+\)$/, "")}`, 0);
    }
    throw e;
  }
  const info = decoded as LinkInfo;
  if (info.data !== undefined && info.kind !== undefined && LINK_DATA_FORMATS[info.kind]) {
    const from = linkKindCodec(info.kind)?.fromData;
    if (from) info.data = from(decoded.data as Record<string, unknown>);
  }
  if (info.slaveData !== undefined && info.slaveKind !== undefined && LINK_SLAVE_DATA_FORMATS[info.slaveKind]) {
    const from = linkKindCodec(info.slaveKind)?.fromSlaveData;
    if (from) info.slaveData = from(decoded.slaveData as Record<string, unknown>);
  }
  return info;
}

/**
 * The typed data of a link info when its kind is `kind`, else undefined.
 *
 * @example
 * ```ts
 * import { linkData } from "@nlts/netlink/route";
 * const info = { kind: "bridge", data: { stpState: 0 } };
 * linkData(info, "bridge")?.stpState; // 0
 * ```
 */
export function linkData<K extends keyof LinkDataByKind>(
  info: LinkInfo | undefined,
  kind: K,
): LinkDataByKind[K] | undefined {
  return info?.kind === kind ? (info.data as LinkDataByKind[K] | undefined) : undefined;
}

/**
 * The bridge port data of a link info, when it is a bridge port.
 *
 * @example
 * ```ts
 * import { bridgePortData } from "@nlts/netlink/route";
 * bridgePortData({ slaveKind: "bridge", slaveData: { cost: 2 } })?.cost; // 2
 * ```
 */
export function bridgePortData(info: LinkInfo | undefined): BridgePortInfo | undefined {
  return info?.slaveKind === "bridge" ? (info.slaveData as BridgePortInfo | undefined) : undefined;
}
