/**
 * NETLINK_XFRM: IPsec security associations and policies, and their events.
 *
 * @example
 * ```ts
 * import { Xfrm } from "@nlts/netlink/xfrm";
 * await using xfrm = await Xfrm.open({ netns: "vpn" });
 * await xfrm.addPolicy({ selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" }, dir: "out", action: "block" });
 * for await (const p of xfrm.policies()) console.log(p.dir, p.action);
 * ```
 *
 * @module
 */
export {
  SIZEOF,
  XFRM_ACTIONS,
  XFRM_DIRS,
  XFRM_INF,
  XFRM_MODES,
  XFRM_POLICY_FLAGS,
  XFRM_POLICY_TYPES,
  XFRM_SA_EXTRA_FLAGS,
  XFRM_SHARES,
  XFRM_STATE_FLAGS,
  type XfrmAction,
  XfrmAttr,
  type XfrmDir,
  type XfrmEncapName,
  XfrmEncapType,
  type XfrmExtraFlag,
  type XfrmFamily,
  XfrmGroup,
  type XfrmGroupName,
  xfrmMessageName,
  type XfrmMode,
  XfrmMsg,
  type XfrmPolicyFlag,
  type XfrmPolicyType,
  XfrmProto,
  type XfrmProtoName,
  type XfrmShare,
  type XfrmStateFlag,
} from "./constants.ts";
export type { XfrmLifetimeConfig, XfrmLifetimeCurrent, XfrmMark, XfrmSelector, XfrmSelectorSpec } from "./common.ts";
export {
  decodeState,
  encodeAllocSpi,
  encodeFlushStates,
  encodeState,
  encodeStateId,
  stateFromInfo,
  type XfrmAlgorithm,
  type XfrmAllocSpiSpec,
  type XfrmEncap,
  type XfrmKey,
  type XfrmOffload,
  type XfrmRawAttr,
  type XfrmReplayEsn,
  type XfrmReplayState,
  type XfrmSecCtx,
  type XfrmState,
  type XfrmStateId,
  type XfrmStateSpec,
} from "./state.ts";
export {
  decodePolicy,
  encodeFlushPolicies,
  encodePolicy,
  encodePolicyId,
  policyFromInfo,
  type XfrmPolicy,
  type XfrmPolicyId,
  type XfrmPolicySpec,
  type XfrmTemplate,
  type XfrmTemplateSpec,
} from "./policy.ts";
export {
  decodeXfrmEvent,
  type XfrmAcquireEvent,
  type XfrmAeEvent,
  type XfrmEvent,
  type XfrmExpireEvent,
  type XfrmMappingEvent,
  type XfrmOtherEvent,
  type XfrmPolicyEvent,
  type XfrmPolicyExpireEvent,
  type XfrmPolicyFlushEvent,
  type XfrmReportEvent,
  type XfrmSaEvent,
  type XfrmSaFlushEvent,
  type XfrmSaRef,
} from "./events.ts";
export { Xfrm, type XfrmEventsOptions, type XfrmEventStream, type XfrmOpenOptions } from "./client.ts";
