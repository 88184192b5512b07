/**
 * Security policies: `struct xfrm_userpolicy_info`, templates
 * (`struct xfrm_user_tmpl`) and the requests that add, find and delete them.
 *
 * @module
 */
import { Attrs } from "../wire/attrs.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import {
  enumNumber,
  familyName,
  familyNumber,
  familyOf,
  flagBits,
  flagNames,
  markBytes,
  modeName,
  modeNumber,
  protoName,
  protoNumber,
  readAddress,
  readLifetimeConfig,
  readLifetimeCurrent,
  readMark,
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
  XfrmAttr,
  type XfrmDir,
  type XfrmFamily,
  type XfrmMode,
  XfrmMsg,
  type XfrmPolicyFlag,
  type XfrmPolicyType,
  type XfrmProtoName,
  type XfrmShare,
} from "./constants.ts";
import { raw, readSecCtx, type XfrmOffload, type XfrmRawAttr, type XfrmSecCtx } from "./state.ts";
import { withJson } from "../wire/json.ts";

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

/** Decodes the templates of an `XFRMA_TMPL` payload (an array of 64-byte structs). */
export function readTemplates(bytes: Uint8Array): XfrmTemplate[] {
  if (bytes.length % SIZEOF.userTmpl !== 0) {
    throw new ParseError(`XFRMA_TMPL of ${bytes.length} bytes is not a whole number of templates`, 0);
  }
  const out: XfrmTemplate[] = [];
  for (let at = 0; at < bytes.length; at += SIZEOF.userTmpl) {
    const b = bytes.subarray(at, at + SIZEOF.userTmpl);
    const dv = structView(b, SIZEOF.userTmpl, "xfrm_user_tmpl", at);
    const family = dv.getUint16(24, true);
    out.push({
      src: readAddress(b, 28, family),
      dst: readAddress(b, 0, family),
      family: familyName(family),
      proto: protoName(dv.getUint8(20)),
      spi: dv.getUint32(16, false),
      reqid: dv.getUint32(44, true),
      mode: modeName(dv.getUint8(48)),
      share: XFRM_SHARES[dv.getUint8(49)] ?? dv.getUint8(49),
      optional: dv.getUint8(50) !== 0,
      aalgos: dv.getUint32(52, true),
      ealgos: dv.getUint32(56, true),
      calgos: dv.getUint32(60, true),
    });
  }
  return out;
}

const POLICY_ATTRS: Set<number> = new Set([
  XfrmAttr.TMPL,
  XfrmAttr.POLICY_TYPE,
  XfrmAttr.MARK,
  XfrmAttr.IF_ID,
  XfrmAttr.SEC_CTX,
  XfrmAttr.OFFLOAD_DEV,
  XfrmAttr.PAD,
]);

/**
 * Builds a policy from a `struct xfrm_userpolicy_info` and its attributes;
 * `skip` lists attribute types the caller handles itself.
 *
 * @example
 * ```ts
 * import { policyFromInfo } from "@nlts/netlink/xfrm";
 * import { Attrs } from "@nlts/netlink";
 * const info = new Uint8Array(168);
 * info[160] = 1; // XFRM_POLICY_OUT
 * policyFromInfo(info, Attrs.parse(new Uint8Array(0))).dir; // "out"
 * ```
 */
export function policyFromInfo(info: Uint8Array, attrs: Attrs, skip: number[] = []): XfrmPolicy {
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
    templates: [],
    type: "main",
    unknown: [],
  };
  let b: Uint8Array | undefined;
  if ((b = attrs.get(XfrmAttr.TMPL))) policy.templates = readTemplates(b);
  if ((b = attrs.get(XfrmAttr.POLICY_TYPE))) {
    const t = structView(b, 1, "xfrm_userpolicy_type").getUint8(0);
    policy.type = XFRM_POLICY_TYPES[t] ?? t;
  }
  if ((b = attrs.get(XfrmAttr.MARK))) policy.mark = readMark(b);
  if ((b = attrs.get(XfrmAttr.IF_ID))) policy.ifId = structView(b, 4, "XFRMA_IF_ID").getUint32(0, true);
  if ((b = attrs.get(XfrmAttr.SEC_CTX))) policy.secCtx = readSecCtx(b);
  if ((b = attrs.get(XfrmAttr.OFFLOAD_DEV))) {
    const o = structView(b, 5, "xfrm_user_offload");
    policy.offload = { ifindex: o.getInt32(0, true), flags: o.getUint8(4) };
  }
  for (const a of attrs) if (!POLICY_ATTRS.has(a.type) && !skip.includes(a.type)) policy.unknown.push(raw(a));
  return policy;
}

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
  const p = msg.payload;
  if (msg.type === XfrmMsg.DELPOLICY) {
    structView(p, SIZEOF.userpolicyId, "xfrm_userpolicy_id");
    const attrs = Attrs.parse(p.subarray(SIZEOF.userpolicyId), SIZEOF.userpolicyId);
    const info = attrs.get(XfrmAttr.POLICY);
    if (!info) throw new ParseError("XFRM_MSG_DELPOLICY without XFRMA_POLICY", SIZEOF.userpolicyId);
    return withJson(policyFromInfo(info, attrs, [XfrmAttr.POLICY]));
  }
  if (p.length < SIZEOF.userpolicyInfo) {
    throw new ParseError(`xfrm_userpolicy_info needs ${SIZEOF.userpolicyInfo} bytes, has ${p.length}`, 0);
  }
  return withJson(policyFromInfo(
    p.subarray(0, SIZEOF.userpolicyInfo),
    Attrs.parse(p.subarray(SIZEOF.userpolicyInfo), SIZEOF.userpolicyInfo),
  ));
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

function policyType(w: MessageWriter, type: XfrmPolicyType | undefined): void {
  if (type === undefined) return;
  const b = new Uint8Array(SIZEOF.userpolicyType);
  b[0] = enumNumber(type, XFRM_POLICY_TYPES, "policy type");
  w.attr(XfrmAttr.POLICY_TYPE, b);
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
  if (spec.templates?.length) w.attr(XfrmAttr.TMPL, templateBytes(spec.templates, family));
  policyType(w, spec.type);
  if (spec.mark) w.attr(XfrmAttr.MARK, markBytes(spec.mark));
  if (spec.ifId !== undefined) w.u32(XfrmAttr.IF_ID, u32(spec.ifId, "if_id"));
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
  policyType(w, id.type);
  if (id.mark) w.attr(XfrmAttr.MARK, markBytes(id.mark));
  if (id.ifId !== undefined) w.u32(XfrmAttr.IF_ID, u32(id.ifId, "if_id"));
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
  policyType(w, type);
  return w.finish();
}
