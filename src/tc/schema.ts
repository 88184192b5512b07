/**
 * Traffic control messages as schema sets (`src/wire/schema.ts`), from
 * `linux/rtnetlink.h` (`TCA_*`), `linux/gen_stats.h` (`TCA_STATS_*`),
 * `linux/pkt_sched.h` (qdisc options), `linux/pkt_cls.h` (classifiers and
 * `TCA_ACT_*`) and `linux/tc_act/tc_mirred.h`, named as the kernel's YNL
 * spec `Documentation/netlink/specs/tc.yaml` names them. `TCA_OPTIONS` is a
 * sub-message chosen by `TCA_KIND`; kinds whose options are a bare C struct
 * (pfifo, bfifo, pfifo_fast) use a format with a `fixed-header`.
 *
 * @module
 */
import { type AttrSet, type Codec, defineAttrSet, defineStruct, type StructDef } from "../wire/schema.ts";
import { ParseError } from "../wire/errors.ts";

/** `struct tc_ratespec` (12 bytes). */
const RATESPEC = [
  { name: "cellLog", type: "u8" },
  { name: "linklayer", type: "u8" },
  { name: "overhead", type: "u16" },
  { name: "cellAlign", type: "s16" },
  { name: "mpu", type: "u16" },
  { name: "rate", type: "u32" },
] as const;

function prefixed<P extends string>(prefix: P) {
  return RATESPEC.map((m) => ({ ...m, name: `${prefix}${m.name[0].toUpperCase()}${m.name.slice(1)}` }));
}

/** `struct tc_htb_opt`: a class's parameters. */
export const TC_HTB_OPT: StructDef = defineStruct({
  name: "tc_htb_opt",
  members: [
    ...prefixed("rate"),
    ...prefixed("ceil"),
    { name: "buffer", type: "u32" },
    { name: "cbuffer", type: "u32" },
    { name: "quantum", type: "u32" },
    { name: "level", type: "u32" },
    { name: "prio", type: "u32" },
  ],
});

/** `struct tc_htb_glob`: the qdisc's parameters. */
export const TC_HTB_GLOB: StructDef = defineStruct({
  name: "tc_htb_glob",
  members: [
    { name: "version", type: "u32" },
    { name: "rate2quantum", type: "u32" },
    { name: "defcls", type: "u32" },
    { name: "debug", type: "u32" },
    { name: "directPkts", type: "u32" },
  ],
});

/** `struct tc_tbf_qopt`. */
export const TC_TBF_QOPT: StructDef = defineStruct({
  name: "tc_tbf_qopt",
  members: [
    ...prefixed("rate"),
    ...prefixed("peakrate"),
    { name: "limit", type: "u32" },
    { name: "buffer", type: "u32" },
    { name: "mtu", type: "u32" },
  ],
});

const HTB_ATTRS = defineAttrSet({
  name: "htb",
  prefix: "TCA_HTB_",
  attributes: {
    parms: { id: 1, type: "binary", struct: TC_HTB_OPT },
    init: { id: 2, type: "binary", struct: TC_HTB_GLOB },
    ctab: { id: 3, type: "binary" },
    rtab: { id: 4, type: "binary" },
    directQlen: { id: 5, type: "u32" },
    rate64: { id: 6, type: "u64", as: "number" },
    ceil64: { id: 7, type: "u64", as: "number" },
    pad: { id: 8, type: "pad" },
    offload: { id: 9, type: "flag" },
  },
});
/** The `TCA_HTB_*` attributes (`TCA_OPTIONS` of htb qdiscs and classes). */
export const htbAttrs: AttrSet = HTB_ATTRS;

const TBF_ATTRS = defineAttrSet({
  name: "tbf",
  prefix: "TCA_TBF_",
  attributes: {
    parms: { id: 1, type: "binary", struct: TC_TBF_QOPT },
    rtab: { id: 2, type: "binary" },
    ptab: { id: 3, type: "binary" },
    rate64: { id: 4, type: "u64", as: "number" },
    prate64: { id: 5, type: "u64", as: "number" },
    burst: { id: 6, type: "u32" },
    pburst: { id: 7, type: "u32" },
    pad: { id: 8, type: "pad" },
  },
});
/** The `TCA_TBF_*` attributes. */
export const tbfAttrs: AttrSet = TBF_ATTRS;

/** Options without attributes (ingress, clsact, noqueue, mq). */
const EMPTY_ATTRS = defineAttrSet({ name: "empty", attributes: {} });

/** pfifo and bfifo: `struct tc_fifo_qopt` and nothing else. */
const FIFO_FORMAT: AttrSet = {
  name: "fifo",
  attributes: {},
  "fixed-header": defineStruct({ name: "tc_fifo_qopt", members: [{ name: "limit", type: "u32" }] }),
};

/** pfifo_fast (and prio): `struct tc_prio_qopt`. */
const PRIO_FORMAT: AttrSet = {
  name: "prio",
  attributes: {},
  "fixed-header": defineStruct({
    name: "tc_prio_qopt",
    members: [{ name: "bands", type: "s32" }, { name: "priomap", type: "binary", len: 16 }],
  }),
};

/** `struct tc_u32_sel` with its `tc_u32_key`s. */
export interface U32Selector {
  /** `TC_U32_TERMINAL` (1), `TC_U32_OFFSET` (2), `TC_U32_VAROFFSET` (4), `TC_U32_EAT` (8). */
  flags: number;
  /** Shift of the variable offset. */
  offshift: number;
  /** Mask of the variable offset (host order). */
  offmask: number;
  /** Fixed offset. */
  off: number;
  /** Where the variable offset is read. */
  offoff: number;
  /** Hash offset. */
  hoff: number;
  /** Hash mask (host order of the big-endian word: `0xff000000`). */
  hmask: number;
  /** The 32-bit matches: `(packet[off] & mask) == value`, big-endian words as numbers. */
  keys: U32Key[];
}

/** One `struct tc_u32_key`. */
export interface U32Key {
  /** Mask of the 32-bit word. */
  mask: number;
  /** Value after masking. */
  value: number;
  /** Offset of the word from the start of the network header. */
  off: number;
  /** Mask of the variable offset applied to `off`. */
  offmask: number;
}

const SEL_SIZE = 16;
const KEY_SIZE = 16;

/** `TCA_U32_SEL`: the header and `nkeys` keys; the path into it names a key (`.keys[1]`). */
const U32_SEL: Codec<U32Selector> = {
  decode(bytes) {
    if (bytes.length < SEL_SIZE) throw new ParseError(`tc_u32_sel needs ${SEL_SIZE} bytes, has ${bytes.length}`, 0);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const nkeys = bytes[2];
    if (bytes.length < SEL_SIZE + nkeys * KEY_SIZE) {
      throw new ParseError(`tc_u32_sel of ${nkeys} keys needs ${SEL_SIZE + nkeys * KEY_SIZE} bytes`, 0);
    }
    const keys: U32Key[] = [];
    for (let i = 0; i < nkeys; i++) {
      const at = SEL_SIZE + i * KEY_SIZE;
      keys.push({
        mask: dv.getUint32(at, false),
        value: dv.getUint32(at + 4, false),
        off: dv.getInt32(at + 8, true),
        offmask: dv.getInt32(at + 12, true),
      });
    }
    return {
      flags: bytes[0],
      offshift: bytes[1],
      offmask: dv.getUint16(4, false),
      off: dv.getUint16(6, true),
      offoff: dv.getInt16(8, true),
      hoff: dv.getInt16(10, true),
      hmask: dv.getUint32(12, false),
      keys,
    };
  },
  encode(sel) {
    const keys = sel.keys ?? [];
    if (keys.length > 128) throw new TypeError(`a u32 selector holds at most 128 keys, not ${keys.length}`);
    const out = new Uint8Array(SEL_SIZE + keys.length * KEY_SIZE);
    const dv = new DataView(out.buffer);
    out[0] = sel.flags ?? 0;
    out[1] = sel.offshift ?? 0;
    out[2] = keys.length;
    dv.setUint16(4, sel.offmask ?? 0, false);
    dv.setUint16(6, sel.off ?? 0, true);
    dv.setInt16(8, sel.offoff ?? 0, true);
    dv.setInt16(10, sel.hoff ?? 0, true);
    dv.setUint32(12, (sel.hmask ?? 0) >>> 0, false);
    keys.forEach((k, i) => {
      const at = SEL_SIZE + i * KEY_SIZE;
      for (const [name, x] of [["mask", k.mask], ["value", k.value]] as const) {
        if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new TypeError(`u32 key ${name} ${x} is not a u32`);
      }
      dv.setUint32(at, k.mask >>> 0, false);
      dv.setUint32(at + 4, (k.value & k.mask) >>> 0, false);
      dv.setInt32(at + 8, k.off ?? 0, true);
      dv.setInt32(at + 12, k.offmask ?? 0, true);
    });
    return out;
  },
  pathAt(_bytes, offset) {
    return offset < SEL_SIZE ? undefined : `keys[${Math.floor((offset - SEL_SIZE) / KEY_SIZE)}]`;
  },
};

/** `struct tcf_t`: install/lastuse/expires/firstuse, in jiffies. */
const TCF_T = defineStruct({
  name: "tcf_t",
  members: [
    { name: "install", type: "u64" },
    { name: "lastuse", type: "u64" },
    { name: "expires", type: "u64" },
    { name: "firstuse", type: "u64" },
  ],
});

/** `struct tc_mirred`. */
export const TC_MIRRED: StructDef = defineStruct({
  name: "tc_mirred",
  members: [
    { name: "index", type: "u32" },
    { name: "capab", type: "u32" },
    { name: "action", type: "s32" },
    { name: "refcnt", type: "s32" },
    { name: "bindcnt", type: "s32" },
    { name: "eaction", type: "s32" },
    { name: "ifindex", type: "u32" },
  ],
});

const MIRRED_ATTRS = defineAttrSet({
  name: "mirred",
  prefix: "TCA_MIRRED_",
  attributes: {
    tm: { id: 1, type: "binary", struct: TCF_T },
    parms: { id: 2, type: "binary", struct: TC_MIRRED },
    pad: { id: 3, type: "pad" },
    blockid: { id: 4, type: "u32" },
  },
});
/** The `TCA_MIRRED_*` attributes. */
export const mirredAttrs: AttrSet = MIRRED_ATTRS;

/** `struct gnet_stats_basic` (16 bytes with its padding). */
const GNET_BASIC = defineStruct({
  name: "gnet_stats_basic",
  members: [{ name: "bytes", type: "u64" }, { name: "packets", type: "u32" }],
});
const GNET_RATE_EST = defineStruct({
  name: "gnet_stats_rate_est",
  members: [{ name: "bps", type: "u32" }, { name: "pps", type: "u32" }],
});
const GNET_RATE_EST64 = defineStruct({
  name: "gnet_stats_rate_est64",
  members: [{ name: "bps", type: "u64" }, { name: "pps", type: "u64" }],
});
const GNET_QUEUE = defineStruct({
  name: "gnet_stats_queue",
  members: [
    { name: "qlen", type: "u32" },
    { name: "backlog", type: "u32" },
    { name: "drops", type: "u32" },
    { name: "requeues", type: "u32" },
    { name: "overlimits", type: "u32" },
  ],
});

const STATS_ATTRS = defineAttrSet({
  name: "tca-stats",
  prefix: "TCA_STATS_",
  attributes: {
    basic: { id: 1, type: "binary", struct: GNET_BASIC },
    rateEst: { id: 2, type: "binary", struct: GNET_RATE_EST },
    queue: { id: 3, type: "binary", struct: GNET_QUEUE },
    app: { id: 4, type: "binary" },
    rateEst64: { id: 5, type: "binary", struct: GNET_RATE_EST64 },
    pad: { id: 6, type: "pad" },
    basicHw: { id: 7, type: "binary", struct: GNET_BASIC },
    pkt64: { id: 8, type: "u64" },
  },
});
/** The `TCA_STATS_*` attributes of `TCA_STATS2` and `TCA_ACT_STATS`. */
export const statsAttrs: AttrSet = STATS_ATTRS;

const ACT_OPTIONS: { readonly [kind: string]: AttrSet } = { mirred: MIRRED_ATTRS };

const ACT_ATTRS = defineAttrSet({
  name: "act",
  prefix: "TCA_ACT_",
  attributes: {
    kind: { id: 1, type: "string" },
    options: { id: 2, type: "sub-message", selector: "kind", formats: ACT_OPTIONS },
    index: { id: 3, type: "u32" },
    stats: { id: 4, type: "nest", nested: STATS_ATTRS },
    pad: { id: 5, type: "pad" },
    cookie: { id: 6, type: "binary" },
    flags: { id: 7, type: "bitfield32" },
    hwStats: { id: 8, type: "bitfield32" },
    usedHwStats: { id: 9, type: "bitfield32" },
    inHwCount: { id: 10, type: "u32" },
  },
});
/** The `TCA_ACT_*` attributes of one action. */
export const actAttrs: AttrSet = ACT_ATTRS;

const U32_ATTRS = defineAttrSet({
  name: "u32",
  prefix: "TCA_U32_",
  attributes: {
    classid: { id: 1, type: "u32" },
    hash: { id: 2, type: "u32" },
    link: { id: 3, type: "u32" },
    divisor: { id: 4, type: "u32" },
    sel: { id: 5, type: "binary", codec: U32_SEL },
    police: { id: 6, type: "binary" },
    act: { id: 7, type: "indexed-array", nested: ACT_ATTRS },
    indev: { id: 8, type: "string" },
    pcnt: { id: 9, type: "binary" },
    mark: { id: 10, type: "binary" },
    flags: { id: 11, type: "u32" },
    pad: { id: 12, type: "pad" },
  },
});
/** The `TCA_U32_*` attributes. */
export const u32Attrs: AttrSet = U32_ATTRS;

const BPF_ATTRS = defineAttrSet({
  name: "bpf",
  prefix: "TCA_BPF_",
  attributes: {
    act: { id: 1, type: "indexed-array", nested: ACT_ATTRS },
    police: { id: 2, type: "binary" },
    classid: { id: 3, type: "u32" },
    opsLen: { id: 4, type: "u16" },
    ops: { id: 5, type: "binary" },
    fd: { id: 6, type: "u32" },
    name: { id: 7, type: "string" },
    flags: { id: 8, type: "u32" },
    flagsGen: { id: 9, type: "u32" },
    tag: { id: 10, type: "binary" },
    id: { id: 11, type: "u32" },
  },
});
/** The `TCA_BPF_*` attributes (decoded; attaching needs a loaded program). */
export const bpfAttrs: AttrSet = BPF_ATTRS;

/** `TCA_OPTIONS` by `TCA_KIND`, for qdiscs, classes and filters alike (the kinds do not overlap). */
const OPTIONS: { readonly [kind: string]: AttrSet } = {
  htb: HTB_ATTRS,
  tbf: TBF_ATTRS,
  ingress: EMPTY_ATTRS,
  clsact: EMPTY_ATTRS,
  noqueue: EMPTY_ATTRS,
  mq: EMPTY_ATTRS,
  pfifo: FIFO_FORMAT,
  bfifo: FIFO_FORMAT,
  pfifo_head_drop: FIFO_FORMAT,
  pfifo_fast: PRIO_FORMAT,
  u32: U32_ATTRS,
  bpf: BPF_ATTRS,
};

const TCA_ATTRS = defineAttrSet({
  name: "tc",
  prefix: "TCA_",
  attributes: {
    kind: { id: 1, type: "string" },
    options: { id: 2, type: "sub-message", selector: "kind", formats: OPTIONS },
    stats: { id: 3, type: "binary" },
    xstats: { id: 4, type: "binary" },
    rate: { id: 5, type: "binary" },
    fcnt: { id: 6, type: "u32" },
    stats2: { id: 7, type: "nest", nested: STATS_ATTRS },
    stab: { id: 8, type: "binary" },
    pad: { id: 9, type: "pad" },
    dumpInvisible: { id: 10, type: "flag" },
    chain: { id: 11, type: "u32" },
    hwOffload: { id: 12, type: "u8", as: "boolean" },
    ingressBlock: { id: 13, type: "u32" },
    egressBlock: { id: 14, type: "u32" },
    dumpFlags: { id: 15, type: "bitfield32" },
    extWarnMsg: { id: 16, type: "string" },
  },
});
/** The `TCA_*` attributes of qdisc, class and filter messages (after `struct tcmsg`). */
export const tcAttrs: AttrSet = TCA_ATTRS;
/** The same set, with its literal types (internal). */
export const TCA = TCA_ATTRS;
/** The literal sets, for typed decoding inside the module. */
export const SETS = { HTB_ATTRS, TBF_ATTRS, U32_ATTRS, BPF_ATTRS, ACT_ATTRS, MIRRED_ATTRS, STATS_ATTRS };
/** Kinds whose `TCA_OPTIONS` this module reads and writes. */
export const KNOWN_KINDS: readonly string[] = Object.keys(OPTIONS);
