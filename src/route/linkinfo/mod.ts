/**
 * `IFLA_LINKINFO`: the kind of a link and its kind-specific data. Every
 * kind module is registered here, in one place; a kind nobody registered
 * keeps its data as raw attributes.
 *
 * @module
 */
import { AttrCursor, Attrs } from "../../wire/attrs.ts";
import { ParseError } from "../../wire/errors.ts";
import { type BridgeInfo, bridgeKind, type BridgePortInfo } from "./bridge.ts";
import { parseNested, type RawAttr } from "./common.ts";
import { linkKindCodec, registerLinkKind } from "./registry.ts";
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

function rawList(bytes: Uint8Array): RawLinkData {
  try {
    return { unknown: [...Attrs.parse(bytes)].map((a) => ({ type: a.type, value: a.value.slice() })) };
  } catch {
    return { unknown: [{ type: 0, value: bytes.slice() }] };
  }
}

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
  const info: LinkInfo = {};
  const unknown: RawAttr[] = [];
  let data: Uint8Array | undefined;
  let slaveData: Uint8Array | undefined;
  // A cursor rather than Attrs: one pass, no object per attribute. Every
  // length is checked before anything is decoded, as parseNested did.
  const c = new AttrCursor(bytes);
  try {
    while (c.next());
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError(`IFLA_LINKINFO: ${e.message}`, 0);
    throw e;
  }
  const a = new AttrCursor(bytes);
  while (a.next()) {
    switch (a.type) {
      case IFLA_INFO.KIND:
        info.kind = a.str();
        break;
      case IFLA_INFO.DATA:
        data = a.value();
        break;
      case IFLA_INFO.XSTATS:
        info.xstats = bytes.slice(a.start, a.end);
        break;
      case IFLA_INFO.SLAVE_KIND:
        info.slaveKind = a.str();
        break;
      case IFLA_INFO.SLAVE_DATA:
        slaveData = a.value();
        break;
      default:
        unknown.push({ type: a.type, value: bytes.slice(a.start, a.end) });
    }
  }
  if (data !== undefined) {
    const codec = info.kind !== undefined ? linkKindCodec(info.kind) : undefined;
    info.data = codec?.decodeData
      ? codec.decodeData(parseNested(data, `IFLA_INFO_DATA of ${info.kind}`))
      : rawList(data);
  }
  if (slaveData !== undefined) {
    const codec = info.slaveKind !== undefined ? linkKindCodec(info.slaveKind) : undefined;
    info.slaveData = codec?.decodeSlaveData
      ? codec.decodeSlaveData(parseNested(slaveData, `IFLA_INFO_SLAVE_DATA of ${info.slaveKind}`))
      : rawList(slaveData);
  }
  if (unknown.length) info.unknown = unknown;
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
