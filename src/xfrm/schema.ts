/**
 * xfrm messages as schema sets (`src/wire/schema.ts`): the `XFRMA_*`
 * attributes after each message's fixed struct, and
 * {@link xfrmAttributePath}, which names the attribute an extended ACK
 * points at in an xfrm request (`XFRMA_SA_EXTRA_FLAGS`). The state and
 * policy decoders still read these attributes with `Attrs.parse`.
 *
 * @module
 */
import { type AttrSet, defineAttrSet, type MessageSchema, requestAttributePath } from "../wire/schema.ts";
import { SIZEOF, XfrmAttr, XfrmMsg } from "./constants.ts";

const XFRM_ATTRS = defineAttrSet({
  name: "xfrm",
  prefix: "XFRMA_",
  attributes: {
    algAuth: { id: XfrmAttr.ALG_AUTH, type: "binary" },
    algCrypt: { id: XfrmAttr.ALG_CRYPT, type: "binary" },
    algComp: { id: XfrmAttr.ALG_COMP, type: "binary" },
    encap: { id: XfrmAttr.ENCAP, type: "binary" },
    tmpl: { id: XfrmAttr.TMPL, type: "binary" },
    sa: { id: XfrmAttr.SA, type: "binary" },
    policy: { id: XfrmAttr.POLICY, type: "binary" },
    secCtx: { id: XfrmAttr.SEC_CTX, type: "binary" },
    ltimeVal: { id: XfrmAttr.LTIME_VAL, type: "binary" },
    replayVal: { id: XfrmAttr.REPLAY_VAL, type: "binary" },
    replayThresh: { id: XfrmAttr.REPLAY_THRESH, type: "u32" },
    etimerThresh: { id: XfrmAttr.ETIMER_THRESH, type: "u32" },
    srcaddr: { id: XfrmAttr.SRCADDR, type: "binary" },
    coaddr: { id: XfrmAttr.COADDR, type: "binary" },
    lastused: { id: XfrmAttr.LASTUSED, type: "u64" },
    policyType: { id: XfrmAttr.POLICY_TYPE, type: "binary" },
    migrate: { id: XfrmAttr.MIGRATE, type: "binary" },
    algAead: { id: XfrmAttr.ALG_AEAD, type: "binary" },
    kmaddress: { id: XfrmAttr.KMADDRESS, type: "binary" },
    algAuthTrunc: { id: XfrmAttr.ALG_AUTH_TRUNC, type: "binary" },
    mark: { id: XfrmAttr.MARK, type: "binary" },
    tfcpad: { id: XfrmAttr.TFCPAD, type: "u32" },
    replayEsnVal: { id: XfrmAttr.REPLAY_ESN_VAL, type: "binary" },
    saExtraFlags: { id: XfrmAttr.SA_EXTRA_FLAGS, type: "u32" },
    proto: { id: XfrmAttr.PROTO, type: "u8" },
    addressFilter: { id: XfrmAttr.ADDRESS_FILTER, type: "binary" },
    pad: { id: XfrmAttr.PAD, type: "pad" },
    offloadDev: { id: XfrmAttr.OFFLOAD_DEV, type: "binary" },
    setMark: { id: XfrmAttr.SET_MARK, type: "u32" },
    setMarkMask: { id: XfrmAttr.SET_MARK_MASK, type: "u32" },
    ifId: { id: XfrmAttr.IF_ID, type: "u32" },
    mtimerThresh: { id: XfrmAttr.MTIMER_THRESH, type: "u32" },
  },
});
/** The `XFRMA_*` attributes (after the fixed struct of every xfrm message). */
export const xfrmAttrs: AttrSet = XFRM_ATTRS;

const message = (headerSize: number): MessageSchema => ({ headerSize, attributes: xfrmAttrs });

/** The fixed struct and attribute set of the xfrm requests this library sends (`xfrm_msg_min`). */
export const XFRM_MESSAGES: { readonly [type: number]: MessageSchema } = {
  [XfrmMsg.NEWSA]: message(SIZEOF.usersaInfo),
  [XfrmMsg.UPDSA]: message(SIZEOF.usersaInfo),
  [XfrmMsg.DELSA]: message(SIZEOF.usersaId),
  [XfrmMsg.GETSA]: message(SIZEOF.usersaId),
  [XfrmMsg.NEWPOLICY]: message(SIZEOF.userpolicyInfo),
  [XfrmMsg.UPDPOLICY]: message(SIZEOF.userpolicyInfo),
  [XfrmMsg.DELPOLICY]: message(SIZEOF.userpolicyId),
  [XfrmMsg.GETPOLICY]: message(SIZEOF.userpolicyId),
  [XfrmMsg.ALLOCSPI]: message(SIZEOF.userspiInfo),
  [XfrmMsg.FLUSHSA]: message(SIZEOF.usersaFlush),
  [XfrmMsg.FLUSHPOLICY]: message(0),
  [XfrmMsg.NEWAE]: message(SIZEOF.aeventId),
  [XfrmMsg.GETAE]: message(SIZEOF.aeventId),
};

/**
 * The uapi path of the attribute an extended-ACK `offset` points at in an
 * xfrm `request` (the whole message), or undefined. Pass it as
 * `describeAttribute` when opening a socket; `Xfrm.open` does.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { xfrmAttributePath } from "./schema.ts";
 * await using sock = await NetlinkSocket.open("xfrm", { describeAttribute: xfrmAttributePath });
 * ```
 */
export function xfrmAttributePath(request: Uint8Array, offset: number): string | undefined {
  if (request.length < 16) return undefined;
  const message = XFRM_MESSAGES[request[4] | (request[5] << 8)];
  return message ? requestAttributePath(message, request, offset) : undefined;
}
