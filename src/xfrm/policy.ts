/**
 * Security policies: `struct xfrm_userpolicy_info`, templates
 * (`struct xfrm_user_tmpl`) and the requests that add, find and delete them.
 *
 * @module
 */
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import { decodeAttrsAt, writeAttrs } from "../wire/schema.ts";
import {
  decodeInfoMessage,
  enumNumber,
  familyNumber,
  familyOf,
  flagBits,
  flagNames,
  type InfoMessage,
  markOf,
  modeNumber,
  protoNumber,
  readLifetimeConfig,
  readLifetimeCurrent,
  readSelector,
  structView,
  writeAddress,
  writeLifetimeConfig,
  writeSelector,
  type XfrmLifetimeConfig,
  type XfrmLifetimeCurrent,
  type XfrmMark,
  type XfrmSelector,
  type XfrmSelectorSpec,
} from "./common.ts";
import {
  SIZEOF,
  XFRM_ACTIONS,
  XFRM_DIRS,
  XFRM_POLICY_FLAGS,
  XFRM_POLICY_TYPES,
  XFRM_SHARES,
  type XfrmAction,
  type XfrmDir,
  type XfrmFamily,
  type XfrmMode,
  XfrmMsg,
  type XfrmPolicyFlag,
  type XfrmPolicyType,
  type XfrmProtoName,
  type XfrmShare,
} from "./constants.ts";
import type { XfrmOffload, XfrmRawAttr, XfrmSecCtx } from "./state.ts";
import { xfrmAttrs, xfrmDelpolicyAttrs, xfrmPolicyAttrs } from "./schema.ts";

/** A template: which SA a policy needs (`struct xfrm_user_tmpl`). */
export interface XfrmTemplate {
  /** Tunnel source (all zeros, `0.0.0.0` or `::`, when any). */
  src: string;
  /** Tunnel destination (all zeros when any). */
  dst: string;
  /** Address family of `src`/`dst`. */
  family: XfrmFamily;
  /** IPsec protocol. */
  proto: XfrmProtoName | number;
  /** SPI (0: any). */
  spi: number;
  /** Request id (0: any). */
  reqid: number;
  /** Mode. */
  mode: XfrmMode | number;
  /** Sharing. */
  share: XfrmShare | number;
  /** `level use` in `ip xfrm` (the SA is optional) versus `required`. */
  optional: boolean;
  /** Allowed authentication algorithms (bit mask, all ones: any). */
  aalgos: number;
  /** Allowed encryption algorithms. */
  ealgos: number;
  /** Allowed compression algorithms. */
  calgos: number;
}

/** What a caller gives for a template. */
export interface XfrmTemplateSpec {
  /** Tunnel source. */
  src?: string;
  /** Tunnel destination. */
  dst?: string;
  /** Family (inferred from the addresses, else the policy's). */
  family?: XfrmFamily;
  /** Protocol (default esp). */
  proto?: XfrmProtoName | number;
  /** SPI. */
  spi?: number;
  /** Request id. */
  reqid?: number;
  /** Mode (default transport). */
  mode?: XfrmMode | number;
  /** Sharing. */
  share?: XfrmShare | number;
  /** Optional (`level use`). */
  optional?: boolean;
  /** Algorithm masks (default all ones, as `ip xfrm` does). */
  aalgos?: number;
  /** Encryption algorithm mask. */
  ealgos?: number;
  /** Compression algorithm mask. */
  calgos?: number;
}

/** A security policy as the kernel reports it. */
export interface XfrmPolicy {
  /** Traffic it applies to. */
  selector: XfrmSelector;
  /** Direction (a number for socket policies and unknown values). */
  dir: XfrmDir | number;
  /** Action. */
  action: XfrmAction | number;
  /** Priority (lower first). */
  priority: number;
  /** Kernel-assigned index. */
  index: number;
  /** Flags. */
  flags: (XfrmPolicyFlag | string)[];
  /** Sharing. */
  share: XfrmShare | number;
  /** Limits and use. */
  lifetime: { config: XfrmLifetimeConfig; current: XfrmLifetimeCurrent };
  /** Templates, in order. */
  templates: XfrmTemplate[];
  /** Policy type. */
  type: XfrmPolicyType | number;
  /** Mark. */
  mark?: XfrmMark;
  /** XFRM interface id. */
  ifId?: number;
  /** Security context. */
  secCtx?: XfrmSecCtx;
  /** Hardware offload. */
  offload?: XfrmOffload;
  /** Attributes not decoded above. */
  unknown: XfrmRawAttr[];
}

/** What {@link encodePolicy} takes. */
export interface XfrmPolicySpec {
  /** Traffic it applies to. */
  selector: XfrmSelectorSpec;
  /** Direction. */
  dir: XfrmDir;
  /** Action (default allow). */
  action?: XfrmAction;
  /** Priority. */
  priority?: number;
  /** Index (0: the kernel chooses). */
  index?: number;
  /** Flags. */
  flags?: (XfrmPolicyFlag | string)[];
  /** Sharing. */
  share?: XfrmShare;
  /** Limits (default none). */
  lifetime?: Partial<XfrmLifetimeConfig>;
  /** Templates. */
  templates?: XfrmTemplateSpec[];
  /** Policy type (default main). */
  type?: XfrmPolicyType;
  /** Mark. */
  mark?: { value: number; mask?: number };
  /** XFRM interface id. */
  ifId?: number;
}

/** Identifies a policy: by index, or by selector and direction. */
export interface XfrmPolicyId {
  /** Direction. */
  dir: XfrmDir;
  /** Index; when given the selector is not needed. */
  index?: number;
  /** Selector (as it was added). */
  selector?: XfrmSelectorSpec;
  /** Policy type (default main). */
  type?: XfrmPolicyType;
  /** Mark the policy was added with. */
  mark?: { value: number; mask?: number };
  /** XFRM interface id the policy was added with. */
  ifId?: number;
}

/** The attributes of a policy as {@link xfrmPolicyAttrs} decodes them. */
interface PolicyAttrs {
  tmpl?: XfrmTemplate[];
  policyType?: { type: XfrmPolicyType | number };
  mark?: XfrmMark;
  ifId?: number;
  secCtx?: XfrmSecCtx;
  offloadDev?: XfrmOffload;
  /** `XFRM_MSG_DELPOLICY` only: the policy's `struct xfrm_userpolicy_info`. */
  policy?: Uint8Array;
  unknown?: XfrmRawAttr[];
}

/**
 * Builds a policy from a `struct xfrm_userpolicy_info` and the attribute
 * list that follows it in a message (`attrs`; `base` is where that list
 * starts in the message, for error offsets).
 *
 * @example
 * ```ts
 * import { policyFromInfo } from "@nlts/netlink/xfrm";
 * const info = new Uint8Array(168);
 * info[160] = 1; // XFRM_POLICY_OUT
 * policyFromInfo(info).dir; // "out"
 * ```
 */
export function policyFromInfo(info: Uint8Array, attrs: Uint8Array = new Uint8Array(0), base = 0): XfrmPolicy {
  return buildPolicy(info, decodeAttrsAt(xfrmPolicyAttrs, attrs, 0, attrs.length, base) as PolicyAttrs);
}

function buildPolicy(info: Uint8Array, a: PolicyAttrs): XfrmPolicy {
  const dv = structView(info, SIZEOF.userpolicyInfo - 4, "xfrm_userpolicy_info"); // 164 bytes carry data
  const dir = dv.getUint8(160), action = dv.getUint8(161), share = dv.getUint8(163);
  const policy: XfrmPolicy = {
    selector: readSelector(info, 0),
    dir: XFRM_DIRS[dir] ?? dir,
    action: XFRM_ACTIONS[action] ?? action,
    priority: dv.getUint32(152, true),
    index: dv.getUint32(156, true),
    flags: flagNames(dv.getUint8(162), XFRM_POLICY_FLAGS),
    share: XFRM_SHARES[share] ?? share,
    lifetime: { config: readLifetimeConfig(dv, 56), current: readLifetimeCurrent(dv, 120) },
    templates: a.tmpl ?? [],
    type: a.policyType?.type ?? "main",
    unknown: a.unknown ?? [],
  };
  if (a.mark) policy.mark = a.mark;
  if (a.ifId !== undefined) policy.ifId = a.ifId;
  if (a.secCtx) policy.secCtx = a.secCtx;
  if (a.offloadDev) policy.offload = a.offloadDev;
  return policy;
}

const POLICY_MESSAGE: InfoMessage<PolicyAttrs> = {
  info: { size: SIZEOF.userpolicyInfo, what: "xfrm_userpolicy_info", attrs: xfrmPolicyAttrs },
  del: { type: XfrmMsg.DELPOLICY, size: SIZEOF.userpolicyId, what: "xfrm_userpolicy_id", attrs: xfrmDelpolicyAttrs },
  inner: (a) => a.policy,
  missing: "XFRM_MSG_DELPOLICY without XFRMA_POLICY",
};

/**
 * Decodes `XFRM_MSG_NEWPOLICY`/`UPDPOLICY` (dump entries, `GETPOLICY`
 * replies, notifications) or a `XFRM_MSG_DELPOLICY` notification (whose
 * policy is in `XFRMA_POLICY`).
 *
 * @example
 * ```ts
 * import { decodePolicy } from "@nlts/netlink/xfrm";
 * const payload = new Uint8Array(168);
 * decodePolicy({ type: 0x13, flags: 0, seq: 0, pid: 0, payload }).action; // "allow"
 * ```
 */
export function decodePolicy(msg: NetlinkMessage): XfrmPolicy {
  return decodeInfoMessage(msg, POLICY_MESSAGE, buildPolicy);
}

/** Decodes a policy and the attributes of an acquire or polexpire event (after `struct`'s `size` bytes of `p`). */
export function policyAt(p: Uint8Array, infoAt: number, attrsAt: number): XfrmPolicy {
  const start = Math.min(attrsAt, p.length);
  const attrs = decodeAttrsAt(xfrmPolicyAttrs, p, start, p.length) as PolicyAttrs;
  return buildPolicy(p.subarray(infoAt, infoAt + SIZEOF.userpolicyInfo), attrs);
}

function u32(v: number | undefined, what: string, dflt = 0): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new TypeError(`${what} ${v} is out of range 0..2^32-1`);
  return v;
}

function templateBytes(specs: XfrmTemplateSpec[], policyFamily: XfrmFamily): Uint8Array {
  const out = new Uint8Array(SIZEOF.userTmpl * specs.length);
  specs.forEach((t, i) => {
    const dv = new DataView(out.buffer, i * SIZEOF.userTmpl, SIZEOF.userTmpl);
    const family = t.family ?? (t.dst ? familyOf(t.dst) : t.src ? familyOf(t.src) : policyFamily);
    writeAddress(dv, 0, t.dst, family);
    dv.setUint32(16, u32(t.spi, "template spi"), false);
    dv.setUint8(20, protoNumber(t.proto ?? "esp"));
    dv.setUint16(24, familyNumber(family), true);
    writeAddress(dv, 28, t.src, family);
    dv.setUint32(44, u32(t.reqid, "template reqid"), true);
    dv.setUint8(48, modeNumber(t.mode ?? "transport"));
    dv.setUint8(49, enumNumber(t.share ?? "any", XFRM_SHARES, "share"));
    dv.setUint8(50, t.optional ? 1 : 0);
    dv.setUint32(52, u32(t.aalgos, "aalgos", 0xffffffff), true);
    dv.setUint32(56, u32(t.ealgos, "ealgos", 0xffffffff), true);
    dv.setUint32(60, u32(t.calgos, "calgos", 0xffffffff), true);
  });
  return out;
}

/** `XFRMA_POLICY_TYPE`, `XFRMA_MARK` and `XFRMA_IF_ID` of a request, as the schema writes them. */
function policyAttrs(
  type: XfrmPolicyType | undefined,
  mark?: { value: number; mask?: number },
  ifId?: number,
): Record<string, unknown> {
  return {
    policyType: type === undefined ? undefined : { type: enumNumber(type, XFRM_POLICY_TYPES, "policy type") },
    mark: mark ? markOf(mark) : undefined,
    ifId: ifId === undefined ? undefined : u32(ifId, "if_id"),
  };
}

/**
 * Encodes `XFRM_MSG_NEWPOLICY` (or `UPDPOLICY` with `update`).
 *
 * @example
 * ```ts
 * import { encodePolicy } from "@nlts/netlink/xfrm";
 * const bytes = encodePolicy({
 *   selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" }, dir: "out",
 *   templates: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", mode: "tunnel", reqid: 1 }],
 * });
 * ```
 */
export function encodePolicy(spec: XfrmPolicySpec, update = false): Uint8Array {
  const w = new MessageWriter(update ? XfrmMsg.UPDPOLICY : XfrmMsg.NEWPOLICY);
  const dv = w.struct(SIZEOF.userpolicyInfo);
  writeSelector(dv, 0, spec.selector);
  const family = readSelector(new Uint8Array(dv.buffer, dv.byteOffset, SIZEOF.selector), 0).family;
  writeLifetimeConfig(dv, 56, spec.lifetime);
  dv.setUint32(152, u32(spec.priority, "priority"), true);
  dv.setUint32(156, u32(spec.index, "index"), true);
  dv.setUint8(160, enumNumber(spec.dir, XFRM_DIRS, "direction"));
  dv.setUint8(161, enumNumber(spec.action ?? "allow", XFRM_ACTIONS, "action"));
  dv.setUint8(162, flagBits(spec.flags, XFRM_POLICY_FLAGS, "policy"));
  dv.setUint8(163, enumNumber(spec.share ?? "any", XFRM_SHARES, "share"));
  writeAttrs(w, xfrmAttrs, {
    tmpl: spec.templates?.length ? templateBytes(spec.templates, family) : undefined,
    ...policyAttrs(spec.type, spec.mark, spec.ifId),
  });
  return w.finish();
}

/**
 * Encodes `XFRM_MSG_GETPOLICY` (or `DELPOLICY` with `del`).
 *
 * @example
 * ```ts
 * import { encodePolicyId } from "@nlts/netlink/xfrm";
 * encodePolicyId({ dir: "out", selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" } }, true);
 * ```
 */
export function encodePolicyId(id: XfrmPolicyId, del = false): Uint8Array {
  if (id.index === undefined && id.selector === undefined) {
    throw new TypeError("a policy id needs an index or a selector");
  }
  const w = new MessageWriter(del ? XfrmMsg.DELPOLICY : XfrmMsg.GETPOLICY);
  const dv = w.struct(SIZEOF.userpolicyId);
  writeSelector(dv, 0, id.selector ?? {});
  dv.setUint32(56, u32(id.index, "index"), true);
  dv.setUint8(60, enumNumber(id.dir, XFRM_DIRS, "direction"));
  writeAttrs(w, xfrmAttrs, policyAttrs(id.type, id.mark, id.ifId));
  return w.finish();
}

/**
 * Encodes `XFRM_MSG_FLUSHPOLICY` (main policies unless `type` says otherwise).
 *
 * @example
 * ```ts
 * import { encodeFlushPolicies } from "@nlts/netlink/xfrm";
 * encodeFlushPolicies().length; // 16
 * ```
 */
export function encodeFlushPolicies(type?: XfrmPolicyType): Uint8Array {
  const w = new MessageWriter(XfrmMsg.FLUSHPOLICY);
  writeAttrs(w, xfrmAttrs, policyAttrs(type));
  return w.finish();
}
