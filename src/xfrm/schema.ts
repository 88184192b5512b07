/**
 * xfrm messages as schema sets (`src/wire/schema.ts`): the `XFRMA_*`
 * attributes after each message's fixed struct, with a codec or struct for
 * each payload (algorithms, replay state, templates, marks…), the subsets
 * that states, policies and async events read, and
 * {@link xfrmAttributePath}, which names the attribute an extended ACK
 * points at in an xfrm request (`XFRMA_SA_EXTRA_FLAGS`).
 *
 * @module
 */
import { ParseError } from "../wire/errors.ts";
import {
  type AttrDef,
  type AttrSet,
  type Codec,
  defineAttrSet,
  defineStruct,
  type MessageSchema,
  requestAttributePath,
} from "../wire/schema.ts";
import {
  familyName,
  modeName,
  protoName,
  readAddress as readAddressAt,
  readFixedString,
  readLifetimeCurrent,
  structView,
  writeFixedString,
  type XfrmLifetimeCurrent,
} from "./common.ts";
import { SIZEOF, XFRM_POLICY_TYPES, XFRM_SHARES, XfrmAttr, XfrmMsg } from "./constants.ts";
import type { XfrmAlgorithm, XfrmReplayEsn, XfrmSecCtx } from "./state.ts";
import type { XfrmTemplate } from "./policy.ts";

/** What an algorithm codec writes: the name, the key, and the ICV/truncation length of auth and AEAD ones. */
export interface XfrmAlgorithmInput {
  /** Crypto API name. */
  name: string;
  /** Key bytes. */
  key: Uint8Array;
  /** `alg_trunc_len` (auth) or `alg_icv_len` (AEAD), in bits. */
  extra?: number;
}

/** `struct xfrm_algo` (`plain`), `xfrm_algo_auth` (`auth`) or `xfrm_algo_aead` (`aead`), with its key. */
function algorithm(kind: "plain" | "auth" | "aead", what: string): Codec<XfrmAlgorithm> {
  const head = kind === "plain" ? SIZEOF.algo : SIZEOF.algoAuth;
  return {
    decode(bytes) {
      const dv = structView(bytes, head, what);
      const keyLength = dv.getUint32(64, true);
      const keyBytes = Math.ceil(keyLength / 8);
      if (head + keyBytes > bytes.length) {
        throw new ParseError(
          `${what} key of ${keyLength} bits runs past the attribute (${bytes.length - head} bytes)`,
          head,
        );
      }
      const out: XfrmAlgorithm = {
        name: readFixedString(bytes, 0, 64),
        key: bytes.slice(head, head + keyBytes),
        keyLength,
      };
      if (kind === "auth") out.truncLength = dv.getUint32(68, true);
      if (kind === "aead") out.icvLength = dv.getUint32(68, true);
      return out;
    },
    encode(value) {
      const { name, key, extra } = value as unknown as XfrmAlgorithmInput;
      const out = new Uint8Array(head + key.length);
      writeFixedString(out, 0, 64, name, `${what} name`);
      const dv = new DataView(out.buffer);
      dv.setUint32(64, key.length * 8, true);
      if (kind !== "plain") {
        if (!Number.isInteger(extra) || extra! < 0 || extra! > 0xffffffff) {
          throw new TypeError(`${what} length ${extra} is not a bit count`);
        }
        dv.setUint32(68, extra!, true);
      }
      out.set(key, head);
      return out;
    },
  };
}

/** `struct xfrm_replay_state_esn` and its bitmap. */
const REPLAY_ESN: Codec<XfrmReplayEsn> = {
  decode(bytes) {
    const dv = structView(bytes, SIZEOF.replayStateEsn, "xfrm_replay_state_esn");
    const words = dv.getUint32(0, true);
    if (SIZEOF.replayStateEsn + words * 4 > bytes.length) {
      throw new ParseError(`xfrm_replay_state_esn bitmap of ${words} words runs past the attribute`, 0);
    }
    const bitmap: number[] = [];
    for (let i = 0; i < words; i++) bitmap.push(dv.getUint32(24 + 4 * i, true));
    return {
      oseq: dv.getUint32(4, true),
      seq: dv.getUint32(8, true),
      oseqHi: dv.getUint32(12, true),
      seqHi: dv.getUint32(16, true),
      replayWindow: dv.getUint32(20, true),
      bitmap,
    };
  },
  encode(r) {
    // A zeroed bitmap of as many words as the window needs.
    const words = Math.ceil(r.replayWindow / 32);
    const b = new Uint8Array(SIZEOF.replayStateEsn + 4 * words);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, words, true);
    dv.setUint32(4, r.oseq, true);
    dv.setUint32(8, r.seq, true);
    dv.setUint32(12, r.oseqHi, true);
    dv.setUint32(16, r.seqHi, true);
    dv.setUint32(20, r.replayWindow, true);
    return b;
  },
};

/** `struct xfrm_user_sec_ctx` and its context string. */
const SEC_CTX: Codec<XfrmSecCtx> = {
  decode(bytes) {
    const dv = structView(bytes, SIZEOF.userSecCtx, "xfrm_user_sec_ctx");
    const len = dv.getUint16(6, true);
    if (SIZEOF.userSecCtx + len > bytes.length) {
      throw new ParseError(`security context of ${len} bytes runs past the attribute`, 6);
    }
    return {
      alg: dv.getUint8(4),
      doi: dv.getUint8(5),
      context: new TextDecoder().decode(bytes.subarray(8, 8 + len)).replace(/\0+$/, ""),
    };
  },
};

/** `XFRMA_TMPL`: an array of `struct xfrm_user_tmpl`. */
const TEMPLATES: Codec<XfrmTemplate[]> = {
  decode(bytes) {
    if (bytes.length % SIZEOF.userTmpl !== 0) {
      throw new ParseError(`XFRMA_TMPL of ${bytes.length} bytes is not a whole number of templates`, 0);
    }
    const out: XfrmTemplate[] = [];
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.length; at += SIZEOF.userTmpl) {
      const family = dv.getUint16(at + 24, true);
      const share = dv.getUint8(at + 49);
      out.push({
        src: readAddressAt(bytes, at + 28, family),
        dst: readAddressAt(bytes, at, family),
        family: familyName(family),
        proto: protoName(dv.getUint8(at + 20)),
        spi: dv.getUint32(at + 16, false),
        reqid: dv.getUint32(at + 44, true),
        mode: modeName(dv.getUint8(at + 48)),
        share: XFRM_SHARES[share] ?? share,
        optional: dv.getUint8(at + 50) !== 0,
        aalgos: dv.getUint32(at + 52, true),
        ealgos: dv.getUint32(at + 56, true),
        calgos: dv.getUint32(at + 60, true),
      });
    }
    return out;
  },
};

/** `struct xfrm_lifetime_cur` (`XFRMA_LTIME_VAL`), `XFRM_INF` as `Infinity`. */
const LIFETIME_CUR: Codec<XfrmLifetimeCurrent> = {
  decode: (bytes) => readLifetimeCurrent(structView(bytes, SIZEOF.lifetimeCur, "XFRMA_LTIME_VAL"), 0),
};

/** `struct xfrm_mark`. */
const XFRM_MARK = defineStruct({
  name: "xfrm_mark",
  members: [{ name: "value", type: "u32" }, { name: "mask", type: "u32" }],
});

/** `struct xfrm_replay_state`. */
const REPLAY = defineStruct({
  name: "xfrm_replay_state",
  members: [{ name: "oseq", type: "u32" }, { name: "seq", type: "u32" }, { name: "bitmap", type: "u32" }],
});

/** `struct xfrm_user_offload` (an int and a u8; the kernel pads it to 8 bytes). */
const OFFLOAD = defineStruct({
  name: "xfrm_user_offload",
  members: [{ name: "ifindex", type: "s32" }, { name: "flags", type: "u8" }],
});

/** `struct xfrm_userpolicy_type`. */
const POLICY_TYPE = defineStruct({
  name: "xfrm_userpolicy_type",
  members: [{ name: "type", type: "u8", enum: XFRM_POLICY_TYPES }, { name: "reserved", type: "pad", len: 5 }],
});

/**
 * Every `XFRMA_*` attribute, once. The order is the order requests write
 * them in (`writeAttrs` follows the set): algorithms first, as `ip xfrm` does.
 */
const XFRMA = {
  algAuthTrunc: { id: XfrmAttr.ALG_AUTH_TRUNC, type: "binary", codec: algorithm("auth", "XFRMA_ALG_AUTH_TRUNC") },
  algAuth: { id: XfrmAttr.ALG_AUTH, type: "binary", codec: algorithm("plain", "XFRMA_ALG_AUTH") },
  algCrypt: { id: XfrmAttr.ALG_CRYPT, type: "binary", codec: algorithm("plain", "XFRMA_ALG_CRYPT") },
  algAead: { id: XfrmAttr.ALG_AEAD, type: "binary", codec: algorithm("aead", "XFRMA_ALG_AEAD") },
  algComp: { id: XfrmAttr.ALG_COMP, type: "binary", codec: algorithm("plain", "XFRMA_ALG_COMP") },
  // Addresses whose text depends on the family in the fixed struct: formatted by the decoders.
  encap: { id: XfrmAttr.ENCAP, type: "binary" },
  coaddr: { id: XfrmAttr.COADDR, type: "binary" },
  srcaddr: { id: XfrmAttr.SRCADDR, type: "binary" },
  tmpl: { id: XfrmAttr.TMPL, type: "binary", codec: TEMPLATES },
  policyType: { id: XfrmAttr.POLICY_TYPE, type: "binary", struct: POLICY_TYPE },
  mark: { id: XfrmAttr.MARK, type: "binary", struct: XFRM_MARK },
  setMark: { id: XfrmAttr.SET_MARK, type: "u32" },
  setMarkMask: { id: XfrmAttr.SET_MARK_MASK, type: "u32" },
  ifId: { id: XfrmAttr.IF_ID, type: "u32" },
  saExtraFlags: { id: XfrmAttr.SA_EXTRA_FLAGS, type: "u32" },
  tfcpad: { id: XfrmAttr.TFCPAD, type: "u32" },
  replayEsnVal: { id: XfrmAttr.REPLAY_ESN_VAL, type: "binary", codec: REPLAY_ESN },
  replayVal: { id: XfrmAttr.REPLAY_VAL, type: "binary", struct: REPLAY },
  lastused: { id: XfrmAttr.LASTUSED, type: "u64", as: "number" },
  offloadDev: { id: XfrmAttr.OFFLOAD_DEV, type: "binary", struct: OFFLOAD },
  secCtx: { id: XfrmAttr.SEC_CTX, type: "binary", codec: SEC_CTX },
  mtimerThresh: { id: XfrmAttr.MTIMER_THRESH, type: "u32" },
  replayThresh: { id: XfrmAttr.REPLAY_THRESH, type: "u32" },
  etimerThresh: { id: XfrmAttr.ETIMER_THRESH, type: "u32" },
  ltimeVal: { id: XfrmAttr.LTIME_VAL, type: "binary", codec: LIFETIME_CUR },
  sa: { id: XfrmAttr.SA, type: "binary" },
  policy: { id: XfrmAttr.POLICY, type: "binary" },
  migrate: { id: XfrmAttr.MIGRATE, type: "binary" },
  kmaddress: { id: XfrmAttr.KMADDRESS, type: "binary" },
  proto: { id: XfrmAttr.PROTO, type: "u8" },
  addressFilter: { id: XfrmAttr.ADDRESS_FILTER, type: "binary" },
  pad: { id: XfrmAttr.PAD, type: "pad" },
} as const satisfies Record<string, AttrDef>;

type XfrmaKey = keyof typeof XFRMA;

/** A subset of the `XFRMA_*` definitions, as its own set: what one decoder interprets (the rest is `unknown`). */
function subset(name: string, keys: readonly XfrmaKey[]): AttrSet {
  const attributes: Record<string, AttrDef> = {};
  for (const k of keys) attributes[k] = XFRMA[k];
  return defineAttrSet({ name, prefix: "XFRMA_", attributes });
}

const XFRM_ATTRS = defineAttrSet({ name: "xfrm", prefix: "XFRMA_", attributes: XFRMA });
/** The `XFRMA_*` attributes (after the fixed struct of every xfrm message). */
export const xfrmAttrs: AttrSet = XFRM_ATTRS;

const STATE_KEYS = [
  "algAuthTrunc",
  "algAuth",
  "algCrypt",
  "algAead",
  "algComp",
  "encap",
  "mark",
  "setMark",
  "setMarkMask",
  "ifId",
  "replayVal",
  "replayEsnVal",
  "saExtraFlags",
  "coaddr",
  "lastused",
  "tfcpad",
  "offloadDev",
  "secCtx",
  "mtimerThresh",
  "replayThresh",
  "etimerThresh",
  "pad",
] as const;
/** The attributes a state interprets (`XFRM_MSG_NEWSA`, expire events). */
export const xfrmStateAttrs: AttrSet = subset("xfrm_state", STATE_KEYS);
/** A `XFRM_MSG_DELSA` notification: the state's attributes and the SA itself in `XFRMA_SA`. */
export const xfrmDelsaAttrs: AttrSet = subset("xfrm_delsa", [...STATE_KEYS, "sa"]);

const POLICY_KEYS = ["tmpl", "policyType", "mark", "ifId", "secCtx", "offloadDev", "pad"] as const;
/** The attributes a policy interprets (`XFRM_MSG_NEWPOLICY`, polexpire and acquire events). */
export const xfrmPolicyAttrs: AttrSet = subset("xfrm_policy", POLICY_KEYS);
/** A `XFRM_MSG_DELPOLICY` notification: the policy's attributes and the policy itself in `XFRMA_POLICY`. */
export const xfrmDelpolicyAttrs: AttrSet = subset("xfrm_delpolicy", [...POLICY_KEYS, "policy"]);

/** The attributes of an async event (`XFRM_MSG_NEWAE`). */
export const xfrmAeAttrs: AttrSet = subset("xfrm_ae", [
  "replayVal",
  "replayEsnVal",
  "ltimeVal",
  "replayThresh",
  "etimerThresh",
  "mark",
]);

/** What a report (`XFRM_MSG_REPORT`) and a policy flush read. */
export const xfrmReportAttrs: AttrSet = subset("xfrm_report", ["coaddr", "policyType"]);

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
