/**
 * XFRM notifications: SA and policy changes, expiry, acquire requests, async
 * (replay/lifetime) events, reports and NAT mapping changes.
 *
 * @module
 */
import { ParseError } from "../wire/errors.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { type AttrSet, decodeAttrsAt } from "../wire/schema.ts";
import {
  familyName,
  protoName,
  readAddress,
  readSelector,
  structView,
  type XfrmLifetimeCurrent,
  type XfrmMark,
  type XfrmSelector,
} from "./common.ts";
import { SIZEOF, type XfrmFamily, XfrmMsg, type XfrmPolicyType, type XfrmProtoName } from "./constants.ts";
import { decodePolicy, policyAt, type XfrmPolicy, type XfrmTemplate } from "./policy.ts";
import { xfrmAeAttrs, xfrmReportAttrs, xfrmStateAttrs } from "./schema.ts";
import {
  buildState,
  decodeState,
  type XfrmRawAttr,
  type XfrmReplayEsn,
  type XfrmReplayState,
  type XfrmState,
} from "./state.ts";
import { withJson } from "../wire/json.ts";

/** `struct xfrm_usersa_id`: how an SA is named in events. */
export interface XfrmSaRef {
  /** Destination address. */
  dst: string;
  /** SPI. */
  spi: number;
  /** Family. */
  family: XfrmFamily;
  /** Protocol. */
  proto: XfrmProtoName | number;
}

/** An SA was added, updated or deleted (group `"sa"`). */
export interface XfrmSaEvent {
  /** Kind. */
  kind: "sa";
  /** What happened. */
  action: "new" | "update" | "delete";
  /** The SA. */
  state: XfrmState;
}

/** SAs were flushed (group `"sa"`). */
export interface XfrmSaFlushEvent {
  /** Kind. */
  kind: "sa-flush";
  /** The protocol flushed (0: all). */
  proto: XfrmProtoName | number;
}

/** A policy was added, updated or deleted (group `"policy"`). */
export interface XfrmPolicyEvent {
  /** Kind. */
  kind: "policy";
  /** What happened. */
  action: "new" | "update" | "delete";
  /** The policy. */
  policy: XfrmPolicy;
}

/** Policies were flushed (group `"policy"`). */
export interface XfrmPolicyFlushEvent {
  /** Kind. */
  kind: "policy-flush";
  /** Type flushed. */
  type: XfrmPolicyType | number;
}

/** An SA reached a soft or hard limit (group `"expire"`). */
export interface XfrmExpireEvent {
  /** Kind. */
  kind: "expire";
  /** Hard expiry (the SA is gone) rather than soft (renegotiate). */
  hard: boolean;
  /** The SA. */
  state: XfrmState;
}

/** A policy reached a limit (group `"expire"`). */
export interface XfrmPolicyExpireEvent {
  /** Kind. */
  kind: "policy-expire";
  /** Hard expiry. */
  hard: boolean;
  /** The policy. */
  policy: XfrmPolicy;
}

/** The kernel needs an SA a policy asks for (group `"acquire"`, `struct xfrm_user_acquire`). */
export interface XfrmAcquireEvent {
  /** Kind. */
  kind: "acquire";
  /** Destination of the SA wanted. */
  dst: string;
  /** Source of the SA wanted. */
  src: string;
  /** Family of `dst`/`src` (the template's). */
  family: XfrmFamily;
  /** Protocol of the SA wanted. */
  proto: XfrmProtoName | number;
  /** SPI (0). */
  spi: number;
  /** The flow that triggered it. */
  selector: XfrmSelector;
  /** The policy that matched. */
  policy: XfrmPolicy;
  /** Allowed authentication algorithms. */
  aalgos: number;
  /** Allowed encryption algorithms. */
  ealgos: number;
  /** Allowed compression algorithms. */
  calgos: number;
  /** Acquire sequence number (answer with it in `allocSpi`/`addState`). */
  seq: number;
  /** The policy's templates. */
  templates: XfrmTemplate[];
  /** Mark. */
  mark?: XfrmMark;
  /** XFRM interface id. */
  ifId?: number;
  /** Attributes not decoded above. */
  unknown: XfrmRawAttr[];
}

/** Replay/lifetime state of an SA (group `"aevents"`, `XFRM_MSG_NEWAE`). */
export interface XfrmAeEvent {
  /** Kind. */
  kind: "aevent";
  /** The SA. */
  sa: XfrmSaRef;
  /** Source address. */
  src: string;
  /** `XFRM_AE_*` bits (cause and what is included). */
  flags: number;
  /** Request id. */
  reqid: number;
  /** Replay state. */
  replay?: XfrmReplayState;
  /** ESN replay state. */
  replayEsn?: XfrmReplayEsn;
  /** Current lifetime use. */
  lifetime?: { bytes: number; packets: number; addTime: number; useTime: number };
  /** Replay threshold. */
  replayThresh?: number;
  /** Timer threshold. */
  etimerThresh?: number;
  /** Mark. */
  mark?: XfrmMark;
}

/** A report (group `"report"`, `struct xfrm_user_report`). */
export interface XfrmReportEvent {
  /** Kind. */
  kind: "report";
  /** Protocol. */
  proto: XfrmProtoName | number;
  /** Selector. */
  selector: XfrmSelector;
  /** Care-of address, when present. */
  coaddr?: string;
}

/** A NAT-T peer changed address or port (group `"mapping"`). */
export interface XfrmMappingEvent {
  /** Kind. */
  kind: "mapping";
  /** The SA. */
  sa: XfrmSaRef;
  /** Request id. */
  reqid: number;
  /** Old source address. */
  oldSrc: string;
  /** New source address. */
  newSrc: string;
  /** Old source port. */
  oldSport: number;
  /** New source port. */
  newSport: number;
}

/** A message this decoder does not interpret (migrate, say), kept raw. */
export interface XfrmOtherEvent {
  /** Kind. */
  kind: "other";
  /** `nlmsg_type`. */
  type: number;
  /** Payload (a copy). */
  payload: Uint8Array;
}

/** Any XFRM notification. */
export type XfrmEvent =
  | XfrmSaEvent
  | XfrmSaFlushEvent
  | XfrmPolicyEvent
  | XfrmPolicyFlushEvent
  | XfrmExpireEvent
  | XfrmPolicyExpireEvent
  | XfrmAcquireEvent
  | XfrmAeEvent
  | XfrmReportEvent
  | XfrmMappingEvent
  | XfrmOtherEvent;

function saRef(b: Uint8Array): XfrmSaRef {
  const dv = structView(b, SIZEOF.usersaId - 1, "xfrm_usersa_id");
  const family = dv.getUint16(20, true);
  return {
    dst: readAddress(b, 0, family),
    spi: dv.getUint32(16, false),
    family: familyName(family),
    proto: protoName(dv.getUint8(22)),
  };
}

/** The attributes after a fixed struct of `size` bytes (padded to 4, as NLMSG_ALIGN does), decoded by `set`. */
function attrsAfter<T>(p: Uint8Array, size: number, set: AttrSet): T {
  const at = Math.min((size + 3) & ~3, p.length);
  return decodeAttrsAt(set, p, at, p.length) as T;
}

/** What async events and reports read of their attributes. */
interface EventAttrs {
  replayVal?: XfrmReplayState;
  replayEsnVal?: XfrmReplayEsn;
  ltimeVal?: XfrmLifetimeCurrent;
  replayThresh?: number;
  etimerThresh?: number;
  mark?: XfrmMark;
  coaddr?: Uint8Array;
  policyType?: { type: XfrmPolicyType | number };
}

/**
 * Decodes one XFRM notification. Malformed messages throw
 * {@link ParseError}; message types it does not know come back as
 * `kind: "other"`.
 *
 * @example
 * ```ts
 * import { decodeXfrmEvent } from "@nlts/netlink/xfrm";
 * const ev = decodeXfrmEvent({ type: 0x1c, flags: 0, seq: 0, pid: 0, payload: new Uint8Array([50]) });
 * ev.kind; // "sa-flush"
 * ```
 */
export function decodeXfrmEvent(msg: NetlinkMessage): XfrmEvent {
  return withJson(xfrmEventOf(msg));
}

function xfrmEventOf(msg: NetlinkMessage): XfrmEvent {
  const p = msg.payload;
  switch (msg.type) {
    case XfrmMsg.NEWSA:
    case XfrmMsg.UPDSA:
    case XfrmMsg.DELSA:
      return {
        kind: "sa",
        action: msg.type === XfrmMsg.NEWSA ? "new" : msg.type === XfrmMsg.UPDSA ? "update" : "delete",
        state: decodeState(msg),
      };
    case XfrmMsg.FLUSHSA:
      return { kind: "sa-flush", proto: protoName(structView(p, 1, "xfrm_usersa_flush").getUint8(0)) };
    case XfrmMsg.NEWPOLICY:
    case XfrmMsg.UPDPOLICY:
    case XfrmMsg.DELPOLICY:
      return {
        kind: "policy",
        action: msg.type === XfrmMsg.NEWPOLICY ? "new" : msg.type === XfrmMsg.UPDPOLICY ? "update" : "delete",
        policy: decodePolicy(msg),
      };
    case XfrmMsg.FLUSHPOLICY:
      return { kind: "policy-flush", type: attrsAfter<EventAttrs>(p, 0, xfrmReportAttrs).policyType?.type ?? "main" };
    case XfrmMsg.EXPIRE: {
      structView(p, SIZEOF.usersaInfo + 1, "xfrm_user_expire");
      const state = buildState(p.subarray(0, SIZEOF.usersaInfo), attrsAfter(p, SIZEOF.userExpire, xfrmStateAttrs));
      return { kind: "expire", hard: p[SIZEOF.usersaInfo] !== 0, state };
    }
    case XfrmMsg.POLEXPIRE: {
      structView(p, SIZEOF.userpolicyInfo + 1, "xfrm_user_polexpire");
      const policy = policyAt(p, 0, SIZEOF.userPolexpire);
      return { kind: "policy-expire", hard: p[SIZEOF.userpolicyInfo] !== 0, policy };
    }
    case XfrmMsg.ACQUIRE:
      return decodeAcquire(p);
    case XfrmMsg.NEWAE: {
      const dv = structView(p, SIZEOF.aeventId, "xfrm_aevent_id");
      const sa = saRef(p);
      const a = attrsAfter<EventAttrs>(p, SIZEOF.aeventId, xfrmAeAttrs);
      const ev: XfrmAeEvent = {
        kind: "aevent",
        sa,
        src: readAddress(p, 24, dv.getUint16(20, true)),
        flags: dv.getUint32(40, true),
        reqid: dv.getUint32(44, true),
      };
      if (a.replayVal) ev.replay = a.replayVal;
      if (a.replayEsnVal) ev.replayEsn = a.replayEsnVal;
      if (a.ltimeVal) ev.lifetime = a.ltimeVal;
      if (a.replayThresh !== undefined) ev.replayThresh = a.replayThresh;
      if (a.etimerThresh !== undefined) ev.etimerThresh = a.etimerThresh;
      if (a.mark) ev.mark = a.mark;
      return ev;
    }
    case XfrmMsg.REPORT: {
      const dv = structView(p, 4 + SIZEOF.selector, "xfrm_user_report");
      const selector = readSelector(p, 4);
      const ev: XfrmReportEvent = { kind: "report", proto: protoName(dv.getUint8(0)), selector };
      const co = attrsAfter<EventAttrs>(p, SIZEOF.userReport, xfrmReportAttrs).coaddr;
      if (co) {
        if (co.length < 16) throw new ParseError("XFRMA_COADDR is shorter than an xfrm_address_t", 0);
        ev.coaddr = readAddress(co, 0, dv.getUint16(4 + 40, true));
      }
      return ev;
    }
    case XfrmMsg.MAPPING: {
      const dv = structView(p, SIZEOF.userMapping, "xfrm_user_mapping");
      const sa = saRef(p);
      const family = dv.getUint16(20, true);
      return {
        kind: "mapping",
        sa,
        reqid: dv.getUint32(24, true),
        oldSrc: readAddress(p, 28, family),
        newSrc: readAddress(p, 44, family),
        oldSport: dv.getUint16(60, false),
        newSport: dv.getUint16(62, false),
      };
    }
    default:
      return { kind: "other", type: msg.type, payload: p.slice() };
  }
}

function decodeAcquire(p: Uint8Array): XfrmAcquireEvent {
  const dv = structView(p, SIZEOF.userAcquire, "xfrm_user_acquire");
  const policy = policyAt(p, 96, SIZEOF.userAcquire);
  const templates = policy.templates;
  // The SA's family is the template's (the selector's may differ in a 4-in-6 tunnel).
  const selFamily = dv.getUint16(40 + 40, true);
  const tmplFamily = templates[0]?.family;
  const family = tmplFamily === "inet" ? 2 : tmplFamily === "inet6" ? 10 : selFamily;
  const ev: XfrmAcquireEvent = {
    kind: "acquire",
    dst: readAddress(p, 0, family),
    src: readAddress(p, 24, family),
    family: familyName(family),
    proto: protoName(dv.getUint8(20)),
    spi: dv.getUint32(16, false),
    selector: readSelector(p, 40),
    policy,
    aalgos: dv.getUint32(264, true),
    ealgos: dv.getUint32(268, true),
    calgos: dv.getUint32(272, true),
    seq: dv.getUint32(276, true),
    templates,
    unknown: policy.unknown,
  };
  if (policy.mark) ev.mark = policy.mark;
  if (policy.ifId !== undefined) ev.ifId = policy.ifId;
  return ev;
}
