/**
 * Generic netlink for nlts: the controller (family lookup with a cache kept
 * current by its `notify` group), a declarative schema for attribute sets and
 * families with TypeScript types inferred from it, a typed client
 * ({@link GenlFamily}), and built-in families written with that schema:
 * `nlctrl`, `ethtool`, `netdev` and `TASKSTATS`.
 *
 * The attribute-set half ({@link defineAttrSet}, {@link encodeAttrs},
 * {@link decodeAttrs}) needs no generic netlink header and serves any
 * netlink protocol.
 *
 * @example
 * ```ts
 * import { defineAttrSet, defineFamily, GenlFamily } from "@nlts/netlink/genl";
 * const attrs = defineAttrSet({
 *   name: "dev",
 *   attributes: { ifindex: { id: 1, type: "u32" }, xdpFeatures: { id: 3, type: "u64", flags: ["basic", "redirect"] } },
 * });
 * const netdev = defineFamily({
 *   name: "netdev",
 *   commands: { devGet: { id: 1, request: attrs, reply: attrs } },
 *   groups: ["mgmt"],
 * });
 * await using nd = await GenlFamily.open(netdev);
 * for await (const dev of nd.dump("devGet", {})) console.log(dev.ifindex, dev.xdpFeatures);
 * ```
 *
 * @module
 */
export {
  type AttrDef,
  type AttrInput,
  type AttrPath,
  type AttrSet,
  type AttrType,
  type AttrValue,
  type BaseInput,
  type BaseValue,
  type Codec,
  decodeAttrs,
  type Decoded,
  defineAttrSet,
  encodeAttrs,
  type EnumDef,
  type EnumNames,
  type Input,
  type IntType,
  type NestedSet,
  nestedSet,
  type OneInput,
  type OneValue,
} from "../wire/schema.ts";
export {
  type CommandDef,
  type CommandName,
  decodeEvent,
  decodeMessage,
  defineFamily,
  encodeRequest,
  type FamilySchema,
  GENL_HDRLEN,
  GenlError,
  type GenlEvent,
  type GenlHeader,
  type KnownEvent,
  type NotificationDef,
  type ReplyItem,
  type ReplyOf,
  type RequestInput,
  type UnknownEvent,
} from "./family.ts";
export { type CtrlEvent, type FamilyGroup, type FamilyInfo, type FamilyOp, GENL_ID_CTRL, nlctrl } from "./nlctrl.ts";
export {
  EventStream,
  type FamilyResolver,
  type GenlDumpOptions,
  type GenlEventOptions,
  GenlFamily,
  type GenlGroupName,
  type GenlOpenOptions,
  type GenlRequestOptions,
} from "./client.ts";
export { Controller, type ControllerOptions } from "./controller.ts";
export {
  type Bitset,
  bitsetAttrs,
  ethtool,
  ETHTOOL_FLAGS,
  featuresAttrs,
  type FeatureState,
  featureStates,
  PORTS,
  STATS_GROUPS,
  STRING_SETS,
  TP_MDI,
} from "./ethtool.ts";
export { netdev, QUEUE_TYPES, XDP_ACT, XDP_RX_METADATA, XSK_FLAGS } from "./netdev.ts";
export {
  decodeTaskStats,
  type TaskStats,
  taskstats,
  TASKSTATS_V13_SIZE,
  type TaskstatsReply,
  taskstatsTypeAttrs,
} from "./taskstats.ts";
