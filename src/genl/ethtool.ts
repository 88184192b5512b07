/**
 * The `ethtool` generic netlink family (`linux/ethtool_netlink.h`) written
 * with the schema: string sets, link info, link modes, link state,
 * features, rings, channels and statistics, their notifications on the
 * `monitor` group, and helpers for ethtool's bitsets (compact and verbose).
 *
 * @module
 */
import { ParseError } from "../wire/errors.ts";
import { type AttrSet, type Codec, decodeAttrs, type Decoded, type Input } from "../wire/schema.ts";
import type { FamilySchema } from "./family.ts";

/** `ETHTOOL_FLAG_*` bits of the request header. */
export const ETHTOOL_FLAGS = ["compact-bitsets", "omit-reply", "stats"] as const;

/** `ETHTOOL_A_HEADER_*`. */
export const headerAttrs = {
  name: "header",
  attributes: {
    devIndex: { id: 1, type: "u32" },
    devName: { id: 2, type: "string" },
    flags: { id: 3, type: "u32", flags: ETHTOOL_FLAGS },
    phyIndex: { id: 4, type: "u32" },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_BITSET_BIT_*`. */
export const bitsetBitAttrs = {
  name: "bitset-bit",
  attributes: {
    index: { id: 1, type: "u32" },
    name: { id: 2, type: "string" },
    value: { id: 3, type: "flag" },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_BITSET_BITS_*`. */
export const bitsetBitsAttrs = {
  name: "bitset-bits",
  attributes: { bit: { id: 1, type: "nest", multi: true, nested: bitsetBitAttrs } },
} as const satisfies AttrSet;

/** `ETHTOOL_A_BITSET_*`: a bit set, verbose (`bits`) or compact (`value`/`mask`). */
export const bitsetAttrs = {
  name: "bitset",
  attributes: {
    nomask: { id: 1, type: "flag" },
    size: { id: 2, type: "u32" },
    bits: { id: 3, type: "nest", nested: bitsetBitsAttrs },
    value: { id: 4, type: "binary" },
    mask: { id: 5, type: "binary" },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_STRING_*`. */
export const stringAttrs = {
  name: "string",
  attributes: { index: { id: 1, type: "u32" }, value: { id: 2, type: "string" } },
} as const satisfies AttrSet;

/** `ETHTOOL_A_STRINGS_*`. */
export const stringsAttrs = {
  name: "strings",
  attributes: { string: { id: 1, type: "nest", multi: true, nested: stringAttrs } },
} as const satisfies AttrSet;

/** `enum ethtool_stringset` (`ETH_SS_*`). */
export const STRING_SETS = [
  "test",
  "stats",
  "priv-flags",
  "ntuple-filters",
  "features",
  "rss-hash-funcs",
  "tunables",
  "phy-stats",
  "phy-tunables",
  "link-modes",
  "msg-classes",
  "wol-modes",
  "sof-timestamping",
  "ts-tx-types",
  "ts-rx-filters",
  "udp-tunnel-types",
  "stats-std",
  "stats-eth-phy",
  "stats-eth-mac",
  "stats-eth-ctrl",
  "stats-rmon",
] as const;

/** `ETHTOOL_A_STRINGSET_*`. */
export const stringsetAttrs = {
  name: "stringset",
  attributes: {
    id: { id: 1, type: "u32", enum: STRING_SETS },
    count: { id: 2, type: "u32" },
    strings: { id: 3, type: "nest", nested: stringsAttrs },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_STRINGSETS_*`. */
export const stringsetsAttrs = {
  name: "stringsets",
  attributes: { stringset: { id: 1, type: "nest", multi: true, nested: stringsetAttrs } },
} as const satisfies AttrSet;

/** `ETHTOOL_A_STRSET_*`. */
export const strsetAttrs = {
  name: "strset",
  attributes: {
    header: { id: 1, type: "nest", nested: headerAttrs },
    stringsets: { id: 2, type: "nest", nested: stringsetsAttrs },
    countsOnly: { id: 3, type: "flag" },
  },
} as const satisfies AttrSet;

/** `PORT_*`. */
export const PORTS = { tp: 0, aui: 1, mii: 2, fibre: 3, bnc: 4, da: 5, none: 0xef, other: 0xff } as const;
/** `ETH_TP_MDI*` (0 is "invalid", shown by ethtool as Unknown). */
export const TP_MDI = ["unknown", "mdi", "mdi-x", "auto"] as const;

/** `ETHTOOL_A_LINKINFO_*`. */
export const linkinfoAttrs = {
  name: "linkinfo",
  attributes: {
    header: { id: 1, type: "nest", nested: headerAttrs },
    port: { id: 2, type: "u8", enum: PORTS },
    phyaddr: { id: 3, type: "u8" },
    tpMdix: { id: 4, type: "u8", enum: TP_MDI },
    tpMdixCtrl: { id: 5, type: "u8", enum: TP_MDI },
    transceiver: { id: 6, type: "u8", enum: ["internal", "external"] },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_LINKMODES_*`. Speed 0xffffffff is SPEED_UNKNOWN. */
export const linkmodesAttrs = {
  name: "linkmodes",
  attributes: {
    header: { id: 1, type: "nest", nested: headerAttrs },
    autoneg: { id: 2, type: "u8", enum: ["off", "on"] },
    ours: { id: 3, type: "nest", nested: bitsetAttrs },
    peer: { id: 4, type: "nest", nested: bitsetAttrs },
    speed: { id: 5, type: "u32" },
    duplex: { id: 6, type: "u8", enum: { half: 0, full: 1, unknown: 0xff } },
    masterSlaveCfg: { id: 7, type: "u8" },
    masterSlaveState: { id: 8, type: "u8" },
    lanes: { id: 9, type: "u32" },
    rateMatching: { id: 10, type: "u8" },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_LINKSTATE_*`. */
export const linkstateAttrs = {
  name: "linkstate",
  attributes: {
    header: { id: 1, type: "nest", nested: headerAttrs },
    link: { id: 2, type: "u8" },
    sqi: { id: 3, type: "u32" },
    sqiMax: { id: 4, type: "u32" },
    extState: { id: 5, type: "u8" },
    extSubstate: { id: 6, type: "u8" },
    extDownCnt: { id: 7, type: "u32" },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_FEATURES_*`. */
export const featuresAttrs = {
  name: "features",
  attributes: {
    header: { id: 1, type: "nest", nested: headerAttrs },
    hw: { id: 2, type: "nest", nested: bitsetAttrs },
    wanted: { id: 3, type: "nest", nested: bitsetAttrs },
    active: { id: 4, type: "nest", nested: bitsetAttrs },
    nochange: { id: 5, type: "nest", nested: bitsetAttrs },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_RINGS_*`. */
export const ringsAttrs = {
  name: "rings",
  attributes: {
    header: { id: 1, type: "nest", nested: headerAttrs },
    rxMax: { id: 2, type: "u32" },
    rxMiniMax: { id: 3, type: "u32" },
    rxJumboMax: { id: 4, type: "u32" },
    txMax: { id: 5, type: "u32" },
    rx: { id: 6, type: "u32" },
    rxMini: { id: 7, type: "u32" },
    rxJumbo: { id: 8, type: "u32" },
    tx: { id: 9, type: "u32" },
    rxBufLen: { id: 10, type: "u32" },
    tcpDataSplit: { id: 11, type: "u8", enum: ["unknown", "disabled", "enabled"] },
    cqeSize: { id: 12, type: "u32" },
    txPush: { id: 13, type: "u8" },
    rxPush: { id: 14, type: "u8" },
    txPushBufLen: { id: 15, type: "u32" },
    txPushBufLenMax: { id: 16, type: "u32" },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_CHANNELS_*`. */
export const channelsAttrs = {
  name: "channels",
  attributes: {
    header: { id: 1, type: "nest", nested: headerAttrs },
    rxMax: { id: 2, type: "u32" },
    txMax: { id: 3, type: "u32" },
    otherMax: { id: 4, type: "u32" },
    combinedMax: { id: 5, type: "u32" },
    rxCount: { id: 6, type: "u32" },
    txCount: { id: 7, type: "u32" },
    otherCount: { id: 8, type: "u32" },
    combinedCount: { id: 9, type: "u32" },
  },
} as const satisfies AttrSet;

const NO_ATTRS: AttrSet = { name: "counters", attributes: {} };

/** A nest of u64 counters whose attribute numbers index a string set: decoded to index → value. */
export const counterNest: Codec<Record<number, bigint>> = {
  decode(bytes: Uint8Array): Record<number, bigint> {
    const out: Record<number, bigint> = {};
    for (const a of decodeAttrs(NO_ATTRS, bytes).unknown ?? []) {
      if (a.value.length !== 8) throw new ParseError(`counter ${a.type} of ${a.value.length} bytes (expected 8)`, 0);
      out[a.type] = new DataView(a.value.buffer, a.value.byteOffset, 8).getBigUint64(0, true);
    }
    return out;
  },
};

/** `enum ethtool_stats_group` (ids of `ETHTOOL_A_STATS_GRP_ID`). */
export const STATS_GROUPS = ["eth-phy", "eth-mac", "eth-ctrl", "rmon"] as const;

/** `ETHTOOL_A_STATS_GRP_*`. */
export const statsGroupAttrs = {
  name: "stats-grp",
  attributes: {
    id: { id: 2, type: "u32", enum: STATS_GROUPS },
    ssId: { id: 3, type: "u32", enum: STRING_SETS },
    stat: { id: 4, type: "binary", codec: counterNest },
  },
} as const satisfies AttrSet;

/** `ETHTOOL_A_STATS_*`. */
export const statsAttrs = {
  name: "stats",
  attributes: {
    header: { id: 2, type: "nest", nested: headerAttrs },
    groups: { id: 3, type: "nest", nested: bitsetAttrs },
    grp: { id: 4, type: "nest", multi: true, nested: statsGroupAttrs },
    src: { id: 5, type: "u32", enum: ["aggregate", "emac", "pmac"] },
  },
} as const satisfies AttrSet;

/**
 * The ethtool family. Request and reply command numbers differ
 * (`ETHTOOL_MSG_*` user → kernel, `ETHTOOL_MSG_*_REPLY` / `_NTF` back).
 *
 * @example
 * ```ts
 * import { ethtool, GenlFamily } from "@nlts/netlink";
 * await using eth = await GenlFamily.open(ethtool, { netns: "blue" });
 * const info = await eth.request("linkinfoGet", { header: { devName: "veth0" } });
 * console.log(info.port, info.transceiver); // "tp" "internal"
 * ```
 */
export const ethtool = {
  name: "ethtool",
  version: 1,
  commands: {
    strsetGet: { id: 1, request: strsetAttrs, reply: strsetAttrs },
    linkinfoGet: { id: 2, request: linkinfoAttrs, reply: linkinfoAttrs },
    linkinfoSet: { id: 3, request: linkinfoAttrs },
    linkmodesGet: { id: 4, request: linkmodesAttrs, reply: linkmodesAttrs },
    linkmodesSet: { id: 5, request: linkmodesAttrs },
    linkstateGet: { id: 6, request: linkstateAttrs, reply: linkstateAttrs },
    featuresGet: { id: 11, request: featuresAttrs, reply: featuresAttrs },
    featuresSet: { id: 12, request: featuresAttrs, reply: featuresAttrs, replyOptional: true },
    ringsGet: { id: 15, request: ringsAttrs, reply: ringsAttrs },
    ringsSet: { id: 16, request: ringsAttrs },
    channelsGet: { id: 17, request: channelsAttrs, reply: channelsAttrs },
    channelsSet: { id: 18, request: channelsAttrs },
    statsGet: { id: 32, request: statsAttrs, reply: statsAttrs },
  },
  notifications: {
    linkinfoNtf: { id: 3, attrs: linkinfoAttrs },
    linkmodesNtf: { id: 5, attrs: linkmodesAttrs },
    featuresNtf: { id: 13, attrs: featuresAttrs },
    ringsNtf: { id: 17, attrs: ringsAttrs },
    channelsNtf: { id: 19, attrs: channelsAttrs },
  },
  groups: ["monitor"],
} as const satisfies FamilySchema;

/** A decoded ethtool bitset. */
export type Bitset = Decoded<typeof bitsetAttrs>;

/**
 * The bits of a bitset by name: `true`/`false` for every bit in the mask
 * (for a set without a mask, the bits that are set). A compact bitset needs
 * the names of its string set; bits without a name are called `bit<N>`.
 * Malformed compact bitsets (value shorter than the size) are a
 * {@link ParseError}.
 *
 * @example
 * ```ts
 * import { readBitset } from "./ethtool.ts";
 * readBitset({ size: 3, nomask: true, value: new Uint8Array([5, 0, 0, 0]) }, ["a", "b", "c"]); // { a: true, c: true }
 * ```
 */
export function readBitset(bitset: Bitset, names: readonly string[] = []): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const nameOf = (i: number) => names[i] || `bit${i}`;
  if (bitset.bits) {
    for (const bit of bitset.bits.bit ?? []) {
      const name = bit.name ?? (bit.index !== undefined ? nameOf(bit.index) : undefined);
      if (name === undefined) throw new ParseError("a bitset bit has neither a name nor an index", 0);
      out[name] = bitset.nomask ? true : bit.value === true;
    }
    return out;
  }
  const size = bitset.size ?? 0;
  const words = Math.ceil(size / 32) * 4;
  const value = bitset.value ?? new Uint8Array(0);
  const mask = bitset.mask;
  if (value.length < words || (mask && mask.length < words)) {
    throw new ParseError(`compact bitset of ${size} bits with ${value.length} value bytes`, 0);
  }
  const bitOf = (b: Uint8Array, i: number) => (b[(i >> 5) * 4 + ((i >> 3) & 3)] >> (i & 7)) & 1;
  for (let i = 0; i < size; i++) {
    const set = bitOf(value, i) === 1;
    if (mask ? bitOf(mask, i) === 1 : set) out[nameOf(i)] = set;
  }
  return out;
}

/**
 * A verbose bitset input that changes the named bits only (the others keep
 * their state), as `FEATURES_SET` and the other SET commands take it.
 *
 * @example
 * ```ts
 * import { bitsetChange } from "./ethtool.ts";
 * const wanted = bitsetChange({ "rx-gro": true, "tx-checksum-sctp": false });
 * ```
 */
export function bitsetChange(bits: Record<string, boolean>): Input<typeof bitsetAttrs> {
  return { bits: { bit: Object.entries(bits).map(([name, value]) => ({ name, value })) } };
}

/** One feature as `ethtool -k` shows it. */
export interface FeatureState {
  /** Currently on. */
  active: boolean;
  /** Asked for by the user ("requested"). */
  requested: boolean;
  /** Cannot be changed ("[fixed]"). */
  fixed: boolean;
}

/**
 * Every feature of a `featuresGet` reply by name, with the meaning
 * `ethtool -k` gives them. For compact bitsets pass the `features` string set.
 *
 * @example
 * ```ts
 * import { GenlFamily } from "@nlts/netlink";
 * import { ethtool, featureStates } from "@nlts/netlink/genl";
 * await using eth = await GenlFamily.open(ethtool);
 * const f = featureStates(await eth.request("featuresGet", { header: { devName: "lo" } }));
 * f["rx-gro"].active;
 * ```
 */
export function featureStates(
  reply: Decoded<typeof featuresAttrs>,
  names?: readonly string[],
): Record<string, FeatureState> {
  const hw = readBitset(reply.hw ?? {}, names);
  const wanted = readBitset(reply.wanted ?? {}, names);
  const active = readBitset(reply.active ?? {}, names);
  const nochange = readBitset(reply.nochange ?? {}, names);
  const all = new Set([...(names ?? []), ...Object.keys(hw), ...Object.keys(wanted), ...Object.keys(active)]);
  const out: Record<string, FeatureState> = {};
  for (const name of all) {
    if (!name) continue;
    out[name] = {
      active: active[name] === true,
      requested: wanted[name] === true,
      fixed: hw[name] !== true || nochange[name] === true,
    };
  }
  return out;
}

/**
 * The strings of one string set from a `strsetGet` reply, by index.
 *
 * @example
 * ```ts
 * import { ethtool, GenlFamily } from "@nlts/netlink";
 * import { stringSet } from "./ethtool.ts";
 * await using eth = await GenlFamily.open(ethtool);
 * const reply = await eth.request("strsetGet", { header: { devName: "lo" }, stringsets: { stringset: [{ id: "features" }] } });
 * stringSet(reply, "features")[0]; // "tx-scatter-gather"
 * ```
 */
export function stringSet(reply: Decoded<typeof strsetAttrs>, id: (typeof STRING_SETS)[number] | number): string[] {
  const out: string[] = [];
  for (const set of reply.stringsets?.stringset ?? []) {
    if (set.id !== id && STRING_SETS.indexOf(set.id as never) !== id) continue;
    for (const s of set.strings?.string ?? []) if (s.index !== undefined) out[s.index] = s.value ?? "";
  }
  return out;
}
