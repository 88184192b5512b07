/**
 * NETLINK_XFRM: IPsec security associations and policies, and their events.
 *
 * @example
 * ```ts
 * import { Xfrm } from "./mod.ts";
 * await using xfrm = await Xfrm.open({ netns: "vpn" });
 * await xfrm.addPolicy({ selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" }, dir: "out", action: "block" });
 * for await (const p of xfrm.policies()) console.log(p.dir, p.action);
 * ```
 *
 * @module
 */
export * from "./constants.ts";
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
export * from "./events.ts";
export * from "./client.ts";
