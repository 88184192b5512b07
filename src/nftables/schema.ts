/**
 * The nf_tables attributes as schema sets (`src/wire/schema.ts`), after the
 * kernel's YNL spec `Documentation/netlink/specs/nftables.yaml` and
 * `nf_tables.h`: tables, chains, rules, sets, set elements, stateful objects
 * and the generation, and each rule expression's attributes as a
 * `sub-message` chosen by `NFTA_EXPR_NAME`. nf_tables sends every integer in
 * network byte order. The decoders of the kernel's messages are here too;
 * {@link nftAttributePath} names the attribute an extended ACK points at in
 * a request.
 *
 * @module
 */
import { type AttrSet, defineAttrSet, type MessageSchema, requestAttributePath } from "../wire/schema.ts";
import type { Attr, AttrWriter } from "../wire/attrs.ts";
import { ParseError } from "../wire/errors.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { decodeAttrsAt, writeAttrs } from "../wire/schema.ts";
import { familyOf, hookName, NFNL_SUBSYS_NFTABLES, NFT_MSG, type NftFamily, VERDICTS } from "./constants.ts";
import {
  type Expression,
  type KnownExpression,
  type NftChain,
  type NftFlowtable,
  type NftObject,
  type NftRule,
  type NftSet,
  type NftSetElement,
  type NftTable,
  userdataComment,
} from "./objects.ts";

const BE16 = { type: "u16", "byte-order": "big-endian" } as const;
const BE32 = { type: "u32", "byte-order": "big-endian" } as const;
const BE64 = { type: "u64", "byte-order": "big-endian", as: "number" } as const;
/** A 64-bit counter: a bigint, as it can pass 2^53. */
const BE64N = { type: "u64", "byte-order": "big-endian" } as const;

const VERDICT = defineAttrSet({
  name: "verdict",
  prefix: "NFTA_VERDICT_",
  attributes: {
    code: { id: 1, type: "s32", "byte-order": "big-endian", enum: VERDICTS },
    chain: { id: 2, type: "string" },
    chainId: { id: 3, ...BE32 },
  },
});

/** `NFTA_DATA_*`: a value (bytes) or a verdict. */
const DATA = defineAttrSet({
  name: "data",
  prefix: "NFTA_DATA_",
  attributes: {
    value: { id: 1, type: "binary" },
    verdict: { id: 2, type: "nest", nested: VERDICT },
  },
});

const REGISTER = BE32;

const PAYLOAD = defineAttrSet({
  name: "payload",
  prefix: "NFTA_PAYLOAD_",
  attributes: {
    dreg: { id: 1, ...REGISTER },
    base: { id: 2, ...BE32, enum: ["ll", "network", "transport", "inner"] },
    offset: { id: 3, ...BE32 },
    len: { id: 4, ...BE32 },
    sreg: { id: 5, ...REGISTER },
    csumType: { id: 6, ...BE32 },
    csumOffset: { id: 7, ...BE32 },
    csumFlags: { id: 8, ...BE32 },
  },
});

const CMP = defineAttrSet({
  name: "cmp",
  prefix: "NFTA_CMP_",
  attributes: {
    sreg: { id: 1, ...REGISTER },
    op: { id: 2, ...BE32, enum: ["eq", "neq", "lt", "lte", "gt", "gte"] },
    data: { id: 3, type: "nest", nested: DATA },
  },
});

const IMMEDIATE = defineAttrSet({
  name: "immediate",
  prefix: "NFTA_IMMEDIATE_",
  attributes: {
    dreg: { id: 1, ...REGISTER },
    data: { id: 2, type: "nest", nested: DATA },
  },
});

/** `enum nft_meta_keys`, by the names `nft` uses. */
const META_KEYS = [
  "len",
  "protocol",
  "priority",
  "mark",
  "iif",
  "oif",
  "iifname",
  "oifname",
  "iiftype",
  "oiftype",
  "skuid",
  "skgid",
  "nftrace",
  "rtclassid",
  "secmark",
  "nfproto",
  "l4proto",
  "ibrname",
  "obrname",
  "pkttype",
  "cpu",
  "iifgroup",
  "oifgroup",
  "cgroup",
  "random",
  "secpath",
  "iifkind",
  "oifkind",
  "ibrpvid",
  "ibrvproto",
  "time",
  "day",
  "hour",
  "sdif",
  "sdifname",
  "broute",
] as const;

const META = defineAttrSet({
  name: "meta",
  prefix: "NFTA_META_",
  attributes: {
    dreg: { id: 1, ...REGISTER },
    key: { id: 2, ...BE32, enum: META_KEYS },
    sreg: { id: 3, ...REGISTER },
  },
});

const BITWISE = defineAttrSet({
  name: "bitwise",
  prefix: "NFTA_BITWISE_",
  attributes: {
    sreg: { id: 1, ...REGISTER },
    dreg: { id: 2, ...REGISTER },
    len: { id: 3, ...BE32 },
    mask: { id: 4, type: "nest", nested: DATA },
    xor: { id: 5, type: "nest", nested: DATA },
    op: { id: 6, ...BE32, enum: ["bool", "lshift", "rshift"] },
    data: { id: 7, type: "nest", nested: DATA },
  },
});

const LOOKUP = defineAttrSet({
  name: "lookup",
  prefix: "NFTA_LOOKUP_",
  attributes: {
    set: { id: 1, type: "string" },
    sreg: { id: 2, ...REGISTER },
    dreg: { id: 3, ...REGISTER },
    setId: { id: 4, ...BE32 },
    flags: { id: 5, ...BE32, flags: ["inv"] },
  },
});

const COUNTER = defineAttrSet({
  name: "counter",
  prefix: "NFTA_COUNTER_",
  attributes: {
    bytes: { id: 1, ...BE64N },
    packets: { id: 2, ...BE64N },
    pad: { id: 3, type: "pad" },
  },
});

/** `enum nft_ct_keys`, by the names `nft` uses. */
const CT_KEYS = [
  "state",
  "direction",
  "status",
  "mark",
  "secmark",
  "expiration",
  "helper",
  "l3proto",
  "saddr",
  "daddr",
  "protocol",
  "proto-src",
  "proto-dst",
  "label",
  "packets",
  "bytes",
  "avgpkt",
  "zone",
  "event",
  "ip saddr",
  "ip daddr",
  "ip6 saddr",
  "ip6 daddr",
  "id",
] as const;

const CT = defineAttrSet({
  name: "ct",
  prefix: "NFTA_CT_",
  attributes: {
    dreg: { id: 1, ...REGISTER },
    key: { id: 2, ...BE32, enum: CT_KEYS },
    direction: { id: 3, type: "u8", enum: ["original", "reply"] },
    sreg: { id: 4, ...REGISTER },
  },
});

/** `NF_NAT_RANGE_*` bits. */
const NAT_FLAGS = ["map-ips", "proto-specified", "random", "persistent", "fully-random", "proto-offset", "netmap"];

const NAT = defineAttrSet({
  name: "nat",
  prefix: "NFTA_NAT_",
  attributes: {
    type: { id: 1, ...BE32, enum: ["snat", "dnat"] },
    family: { id: 2, ...BE32 },
    regAddrMin: { id: 3, ...REGISTER },
    regAddrMax: { id: 4, ...REGISTER },
    regProtoMin: { id: 5, ...REGISTER },
    regProtoMax: { id: 6, ...REGISTER },
    flags: { id: 7, ...BE32, flags: NAT_FLAGS },
  },
});

const MASQ = defineAttrSet({
  name: "masq",
  prefix: "NFTA_MASQ_",
  attributes: {
    flags: { id: 1, ...BE32, flags: NAT_FLAGS },
    regProtoMin: { id: 2, ...REGISTER },
    regProtoMax: { id: 3, ...REGISTER },
  },
});

const REDIR = defineAttrSet({
  name: "redir",
  prefix: "NFTA_REDIR_",
  attributes: {
    regProtoMin: { id: 1, ...REGISTER },
    regProtoMax: { id: 2, ...REGISTER },
    flags: { id: 3, ...BE32, flags: NAT_FLAGS },
  },
});

const LOG = defineAttrSet({
  name: "log",
  prefix: "NFTA_LOG_",
  attributes: {
    group: { id: 1, ...BE16 },
    prefix: { id: 2, type: "string" },
    snaplen: { id: 3, ...BE32 },
    qthreshold: { id: 4, ...BE16 },
    level: {
      id: 5,
      ...BE32,
      enum: ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug", "audit"],
    },
    flags: { id: 6, ...BE32, flags: ["tcp sequence", "tcp options", "ip options", "skuid", "ether"] },
  },
});

const LIMIT = defineAttrSet({
  name: "limit",
  prefix: "NFTA_LIMIT_",
  attributes: {
    rate: { id: 1, ...BE64 },
    unit: { id: 2, ...BE64 },
    burst: { id: 3, ...BE32 },
    type: { id: 4, ...BE32, enum: ["packets", "bytes"] },
    flags: { id: 5, ...BE32, flags: ["inv"] },
    pad: { id: 6, type: "pad" },
  },
});

const QUOTA = defineAttrSet({
  name: "quota",
  prefix: "NFTA_QUOTA_",
  attributes: {
    bytes: { id: 1, ...BE64N },
    flags: { id: 2, ...BE32, flags: ["inv", "depleted"] },
    pad: { id: 3, type: "pad" },
    consumed: { id: 4, ...BE64N },
  },
});

const REJECT = defineAttrSet({
  name: "reject",
  prefix: "NFTA_REJECT_",
  attributes: {
    type: { id: 1, ...BE32, enum: ["icmp", "tcp reset", "icmpx"] },
    icmpCode: { id: 2, type: "u8" },
  },
});

const RANGE = defineAttrSet({
  name: "range",
  prefix: "NFTA_RANGE_",
  attributes: {
    sreg: { id: 1, ...REGISTER },
    op: { id: 2, ...BE32, enum: ["eq", "neq"] },
    fromData: { id: 3, type: "nest", nested: DATA },
    toData: { id: 4, type: "nest", nested: DATA },
  },
});

const FIB = defineAttrSet({
  name: "fib",
  prefix: "NFTA_FIB_",
  attributes: {
    dreg: { id: 1, ...REGISTER },
    result: { id: 2, ...BE32, enum: ["unspec", "oif", "oifname", "type"] },
    flags: { id: 3, ...BE32, flags: ["saddr", "daddr", "mark", "iif", "oif", "present"] },
  },
});

const BYTEORDER = defineAttrSet({
  name: "byteorder",
  prefix: "NFTA_BYTEORDER_",
  attributes: {
    sreg: { id: 1, ...REGISTER },
    dreg: { id: 2, ...REGISTER },
    op: { id: 3, ...BE32, enum: ["ntoh", "hton"] },
    len: { id: 4, ...BE32 },
    size: { id: 5, ...BE32 },
  },
});

const EXTHDR = defineAttrSet({
  name: "exthdr",
  prefix: "NFTA_EXTHDR_",
  attributes: {
    dreg: { id: 1, ...REGISTER },
    type: { id: 2, type: "u8" },
    offset: { id: 3, ...BE32 },
    len: { id: 4, ...BE32 },
    flags: { id: 5, ...BE32, flags: ["present"] },
    op: { id: 6, ...BE32, enum: ["ipv6", "tcpopt", "ipv4", "sctp", "dccp"] },
    sreg: { id: 7, ...REGISTER },
  },
});

/** Object types as `NFTA_OBJREF_IMM_TYPE` and `NFTA_SET_OBJ_TYPE` carry them (`NFT_OBJECT_*`), by `nft`'s names. */
const OBJECT_TYPE_NUMBERS: { readonly [name: string]: number } = {
  counter: 1,
  quota: 2,
  "ct helper": 3,
  limit: 4,
  connlimit: 5,
  tunnel: 6,
  "ct timeout": 7,
  secmark: 8,
  "ct expectation": 9,
  synproxy: 10,
};

/** `NF_SYNPROXY_OPT_*` bits (the mss and wscale bits say the attributes are there). */
const SYNPROXY_FLAGS = ["mss", "wscale", "sack-perm", "timestamp", "ecn"];

/** `synproxy` (the expression and the object share the attributes). */
const SYNPROXY = defineAttrSet({
  name: "synproxy",
  prefix: "NFTA_SYNPROXY_",
  attributes: {
    mss: { id: 1, ...BE16 },
    wscale: { id: 2, type: "u8" },
    flags: { id: 3, ...BE32, flags: SYNPROXY_FLAGS },
  },
});

/** `flow_offload` (`flow add @ft`): hands the connection to a flowtable. */
const FLOW_OFFLOAD = defineAttrSet({
  name: "flow_offload",
  prefix: "NFTA_FLOW_",
  attributes: {
    tableName: { id: 1, type: "string" },
  },
});

/** `connlimit`: more (or, with `inv`, not more) than `count` connections. */
const CONNLIMIT = defineAttrSet({
  name: "connlimit",
  prefix: "NFTA_CONNLIMIT_",
  attributes: {
    count: { id: 1, ...BE32 },
    flags: { id: 2, ...BE32, flags: ["inv"] },
  },
});

const OBJREF = defineAttrSet({
  name: "objref",
  prefix: "NFTA_OBJREF_",
  attributes: {
    immType: { id: 1, ...BE32, enum: OBJECT_TYPE_NUMBERS },
    immName: { id: 2, type: "string" },
    setSreg: { id: 3, ...REGISTER },
    setName: { id: 4, type: "string" },
    setId: { id: 5, ...BE32 },
  },
});

/** Each expression's attributes, by its `NFTA_EXPR_NAME`. */
const EXPRESSION_FORMATS = {
  payload: PAYLOAD,
  cmp: CMP,
  immediate: IMMEDIATE,
  meta: META,
  bitwise: BITWISE,
  lookup: LOOKUP,
  counter: COUNTER,
  ct: CT,
  nat: NAT,
  masq: MASQ,
  redir: REDIR,
  log: LOG,
  limit: LIMIT,
  quota: QUOTA,
  reject: REJECT,
  range: RANGE,
  fib: FIB,
  byteorder: BYTEORDER,
  exthdr: EXTHDR,
  objref: OBJREF,
  synproxy: SYNPROXY,
  flow_offload: FLOW_OFFLOAD,
  connlimit: CONNLIMIT,
} as const;
/** The expressions this library knows by name; others are kept raw. */
export const expressionFormats: { readonly [name: string]: AttrSet } = EXPRESSION_FORMATS;
/** Names of the expressions decoded into typed objects. */
export type KnownExpressionName =
  | "payload"
  | "cmp"
  | "immediate"
  | "meta"
  | "bitwise"
  | "lookup"
  | "counter"
  | "ct"
  | "nat"
  | "masq"
  | "redir"
  | "log"
  | "limit"
  | "quota"
  | "reject"
  | "range"
  | "fib"
  | "byteorder"
  | "exthdr"
  | "objref"
  | "synproxy"
  | "flow_offload"
  | "connlimit";

const EXPR = defineAttrSet({
  name: "expr",
  prefix: "NFTA_EXPR_",
  attributes: {
    name: { id: 1, type: "string" },
    data: { id: 2, type: "sub-message", selector: "name", formats: EXPRESSION_FORMATS },
  },
});
/** `NFTA_EXPR_*`: one expression, its data chosen by its name. */
export const exprAttrs: AttrSet = EXPR;

/** `NFTA_LIST_*`: a list of expressions. */
const EXPR_LIST = defineAttrSet({
  name: "expr_list",
  prefix: "NFTA_LIST_",
  attributes: { elem: { id: 1, type: "nest", nested: EXPR, multi: true } },
});

const TABLE = defineAttrSet({
  name: "table",
  prefix: "NFTA_TABLE_",
  attributes: {
    name: { id: 1, type: "string" },
    flags: { id: 2, ...BE32, flags: ["dormant", "owner", "persist"] },
    use: { id: 3, ...BE32 },
    handle: { id: 4, ...BE64 },
    pad: { id: 5, type: "pad" },
    userdata: { id: 6, type: "binary" },
    owner: { id: 7, ...BE32 },
  },
});
/** `NFTA_TABLE_*`. */
export const tableAttrs: AttrSet = TABLE;

const HOOK = defineAttrSet({
  name: "hook",
  prefix: "NFTA_HOOK_",
  attributes: {
    hooknum: { id: 1, ...BE32 },
    priority: { id: 2, type: "s32", "byte-order": "big-endian" },
    dev: { id: 3, type: "string" },
    devs: {
      id: 4,
      type: "nest",
      nested: defineAttrSet({
        name: "devices",
        prefix: "NFTA_DEVICE_",
        attributes: { name: { id: 1, type: "string", multi: true } },
      }),
    },
  },
});

const CHAIN = defineAttrSet({
  name: "chain",
  prefix: "NFTA_CHAIN_",
  attributes: {
    table: { id: 1, type: "string" },
    handle: { id: 2, ...BE64 },
    name: { id: 3, type: "string" },
    hook: { id: 4, type: "nest", nested: HOOK },
    policy: { id: 5, ...BE32, enum: ["drop", "accept"] },
    use: { id: 6, ...BE32 },
    type: { id: 7, type: "string" },
    counters: { id: 8, type: "nest", nested: COUNTER },
    pad: { id: 9, type: "pad" },
    flags: { id: 10, ...BE32, flags: ["base", "hw-offload", "binding"] },
    id: { id: 11, ...BE32 },
    userdata: { id: 12, type: "binary" },
  },
});
/** `NFTA_CHAIN_*`. */
export const chainAttrs: AttrSet = CHAIN;

const RULE = defineAttrSet({
  name: "rule",
  prefix: "NFTA_RULE_",
  attributes: {
    table: { id: 1, type: "string" },
    chain: { id: 2, type: "string" },
    handle: { id: 3, ...BE64 },
    expressions: { id: 4, type: "nest", nested: EXPR_LIST },
    compat: { id: 5, type: "binary" },
    position: { id: 6, ...BE64 },
    userdata: { id: 7, type: "binary" },
    pad: { id: 8, type: "pad" },
    id: { id: 9, ...BE32 },
    positionId: { id: 10, ...BE32 },
    chainId: { id: 11, ...BE32 },
  },
});
/** `NFTA_RULE_*`. */
export const ruleAttrs: AttrSet = RULE;

const SET = defineAttrSet({
  name: "set",
  prefix: "NFTA_SET_",
  attributes: {
    table: { id: 1, type: "string" },
    name: { id: 2, type: "string" },
    flags: {
      id: 3,
      ...BE32,
      flags: ["anonymous", "constant", "interval", "map", "timeout", "dynamic", "object", "concat", "expr"],
    },
    keyType: { id: 4, ...BE32 },
    keyLen: { id: 5, ...BE32 },
    dataType: { id: 6, ...BE32 },
    dataLen: { id: 7, ...BE32 },
    policy: { id: 8, ...BE32, enum: ["performance", "memory"] },
    desc: {
      id: 9,
      type: "nest",
      nested: defineAttrSet({
        name: "set_desc",
        prefix: "NFTA_SET_DESC_",
        attributes: {
          size: { id: 1, ...BE32 },
          concat: { id: 2, type: "binary" },
        },
      }),
    },
    id: { id: 10, ...BE32 },
    timeout: { id: 11, ...BE64 },
    gcInterval: { id: 12, ...BE32 },
    userdata: { id: 13, type: "binary" },
    pad: { id: 14, type: "pad" },
    objType: { id: 15, ...BE32 },
    handle: { id: 16, ...BE64 },
    expr: { id: 17, type: "nest", nested: EXPR },
    expressions: { id: 18, type: "nest", nested: EXPR_LIST },
  },
});
/** `NFTA_SET_*`. */
export const setAttrs: AttrSet = SET;

const SET_ELEM = defineAttrSet({
  name: "set_elem",
  prefix: "NFTA_SET_ELEM_",
  attributes: {
    key: { id: 1, type: "nest", nested: DATA },
    data: { id: 2, type: "nest", nested: DATA },
    flags: { id: 3, ...BE32, flags: ["interval-end", "catchall"] },
    timeout: { id: 4, ...BE64 },
    expiration: { id: 5, ...BE64 },
    userdata: { id: 6, type: "binary" },
    expr: { id: 7, type: "nest", nested: EXPR },
    pad: { id: 8, type: "pad" },
    objref: { id: 9, type: "string" },
    keyEnd: { id: 10, type: "nest", nested: DATA },
    expressions: { id: 11, type: "nest", nested: EXPR_LIST },
  },
});

const SET_ELEM_LIST = defineAttrSet({
  name: "set_elem_list",
  prefix: "NFTA_SET_ELEM_LIST_",
  attributes: {
    table: { id: 1, type: "string" },
    set: { id: 2, type: "string" },
    elements: {
      id: 3,
      type: "nest",
      nested: defineAttrSet({
        name: "set_elem_list_elements",
        prefix: "NFTA_LIST_",
        attributes: { elem: { id: 1, type: "nest", nested: SET_ELEM, multi: true } },
      }),
    },
    setId: { id: 4, ...BE32 },
  },
});
/** `NFTA_SET_ELEM_LIST_*` (with the elements inside). */
export const setElemListAttrs: AttrSet = SET_ELEM_LIST;

/** `NFT_OBJECT_*` types, by the names `nft` uses. */
const OBJECT_TYPES = [
  "unspec",
  "counter",
  "quota",
  "ct helper",
  "limit",
  "connlimit",
  "tunnel",
  "ct timeout",
  "secmark",
  "ct expectation",
  "synproxy",
] as const;

/** Layer-3 protocols of ct objects (`NFPROTO_*` in a be16), by `nft`'s names. */
const L3PROTO = { ...BE16, enum: { inet: 1, ip: 2, ip6: 10 } } as const;
/** Layer-4 protocols of ct objects (`IPPROTO_*` in a u8), by `nft`'s names. */
const L4PROTO = {
  type: "u8",
  enum: { icmp: 1, igmp: 2, tcp: 6, udp: 17, dccp: 33, gre: 47, esp: 50, ah: 51, icmpv6: 58, sctp: 132, udplite: 136 },
} as const;

/** `ct helper` objects: which conntrack helper, for which protocols. */
const CT_HELPER = defineAttrSet({
  name: "ct_helper",
  prefix: "NFTA_CT_HELPER_",
  attributes: {
    helper: { id: 1, type: "string", cname: "NFTA_CT_HELPER_NAME" },
    l3proto: { id: 2, ...L3PROTO },
    l4proto: { id: 3, ...L4PROTO },
  },
});

/** A timeout set of `CTA_TIMEOUT_<PROTO>_*` states, each a be32 in seconds. */
function timeoutStates(proto: string, states: string[]) {
  const attributes: Record<string, { id: number; type: "u32"; "byte-order": "big-endian"; cname: string }> = {};
  states.forEach((state, i) => {
    const key = state.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    attributes[key] = { id: i + 1, ...BE32, cname: `CTA_TIMEOUT_${proto}_${state}` };
  });
  return defineAttrSet({ name: `cttimeout_${proto.toLowerCase()}`, attributes });
}

/** `ct timeout` policies by layer-4 protocol (`nfnetlink_cttimeout.h`). */
const CT_TIMEOUT_POLICIES = {
  tcp: timeoutStates("TCP", [
    "SYN_SENT",
    "SYN_RECV",
    "ESTABLISHED",
    "FIN_WAIT",
    "CLOSE_WAIT",
    "LAST_ACK",
    "TIME_WAIT",
    "CLOSE",
    "SYN_SENT2",
    "RETRANS",
    "UNACK",
  ]),
  udp: timeoutStates("UDP", ["UNREPLIED", "REPLIED"]),
  udplite: timeoutStates("UDPLITE", ["UNREPLIED", "REPLIED"]),
  icmp: timeoutStates("ICMP", ["TIMEOUT"]),
  icmpv6: timeoutStates("ICMPV6", ["TIMEOUT"]),
  dccp: timeoutStates("DCCP", ["REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING", "TIMEWAIT"]),
  sctp: timeoutStates("SCTP", [
    "CLOSED",
    "COOKIE_WAIT",
    "COOKIE_ECHOED",
    "ESTABLISHED",
    "SHUTDOWN_SENT",
    "SHUTDOWN_RECD",
    "SHUTDOWN_ACK_SENT",
    "HEARTBEAT_SENT",
    "HEARTBEAT_ACKED",
  ]),
  gre: timeoutStates("GRE", ["UNREPLIED", "REPLIED"]),
};

/** `ct timeout` objects: per-state timeouts of one protocol. */
const CT_TIMEOUT = defineAttrSet({
  name: "ct_timeout",
  prefix: "NFTA_CT_TIMEOUT_",
  attributes: {
    l3proto: { id: 1, ...L3PROTO },
    l4proto: { id: 2, ...L4PROTO },
    policy: {
      id: 3,
      type: "sub-message",
      selector: "l4proto",
      formats: CT_TIMEOUT_POLICIES,
      cname: "NFTA_CT_TIMEOUT_DATA",
    },
  },
});

/** `ct expectation` objects. */
const CT_EXPECTATION = defineAttrSet({
  name: "ct_expectation",
  prefix: "NFTA_CT_EXPECT_",
  attributes: {
    l3proto: { id: 1, ...L3PROTO },
    l4proto: { id: 2, ...L4PROTO },
    dport: { id: 3, ...BE16 },
    // In host order, unlike the rest of nf_tables (nla_get_u32 in nft_ct.c): milliseconds.
    timeout: { id: 4, type: "u32" },
    size: { id: 5, type: "u8" },
  },
});

/** `secmark` objects: a security context. */
const SECMARK = defineAttrSet({
  name: "secmark",
  prefix: "NFTA_SECMARK_",
  attributes: { context: { id: 1, type: "string", cname: "NFTA_SECMARK_CTX" } },
});

/** Each object type's attributes, by `nft`'s name of the type. */
const OBJECT_FORMATS = {
  counter: COUNTER,
  quota: QUOTA,
  limit: LIMIT,
  "ct helper": CT_HELPER,
  "ct timeout": CT_TIMEOUT,
  "ct expectation": CT_EXPECTATION,
  secmark: SECMARK,
  synproxy: SYNPROXY,
  connlimit: CONNLIMIT,
} as const;
/**
 * The stateful object types this library decodes and writes (by `nft`'s
 * names); others are kept raw.
 *
 * @example
 * ```ts
 * import { objectFormats } from "@nlts/netlink/nftables";
 * Object.keys(objectFormats); // ["counter", "quota", "limit", "ct helper", …]
 * ```
 */
export const objectFormats: { readonly [type: string]: AttrSet } = OBJECT_FORMATS;

const OBJ = defineAttrSet({
  name: "obj",
  prefix: "NFTA_OBJ_",
  attributes: {
    table: { id: 1, type: "string" },
    name: { id: 2, type: "string" },
    type: { id: 3, ...BE32, enum: OBJECT_TYPES },
    data: { id: 4, type: "sub-message", selector: "type", formats: OBJECT_FORMATS },
    use: { id: 5, ...BE32 },
    handle: { id: 6, ...BE64 },
    pad: { id: 7, type: "pad" },
    userdata: { id: 8, type: "binary" },
  },
});
/** `NFTA_OBJ_*`. */
export const objAttrs: AttrSet = OBJ;

/** `NFTA_DEVICE_*`: a list of device names. */
const DEVICES = defineAttrSet({
  name: "devices",
  prefix: "NFTA_DEVICE_",
  attributes: { name: { id: 1, type: "string", multi: true } },
});

const FLOWTABLE_HOOK = defineAttrSet({
  name: "flowtable_hook",
  prefix: "NFTA_FLOWTABLE_HOOK_",
  attributes: {
    num: { id: 1, ...BE32 },
    // A signed value on the wire; read unsigned (see VERDICT_CODES), made signed by decodeFlowtable.
    priority: { id: 2, ...BE32 },
    devs: { id: 3, type: "nest", nested: DEVICES },
  },
});

const FLOWTABLE = defineAttrSet({
  name: "flowtable",
  prefix: "NFTA_FLOWTABLE_",
  attributes: {
    table: { id: 1, type: "string" },
    name: { id: 2, type: "string" },
    hook: { id: 3, type: "nest", nested: FLOWTABLE_HOOK },
    use: { id: 4, ...BE32 },
    handle: { id: 5, ...BE64 },
    pad: { id: 6, type: "pad" },
    // NFT_FLOWTABLE_HW_OFFLOAD, NFT_FLOWTABLE_COUNTER, by nft's words.
    flags: { id: 7, ...BE32, flags: ["offload", "counter"] },
  },
});
/**
 * `NFTA_FLOWTABLE_*`.
 *
 * @example
 * ```ts
 * import { flowtableAttrs } from "@nlts/netlink/nftables";
 * flowtableAttrs.attributes.hook.id; // 3
 * ```
 */
export const flowtableAttrs: AttrSet = FLOWTABLE;

const GEN = defineAttrSet({
  name: "gen",
  prefix: "NFTA_GEN_",
  attributes: {
    id: { id: 1, ...BE32 },
    procPid: { id: 2, ...BE32 },
    procName: { id: 3, type: "string" },
  },
});
/** `NFTA_GEN_*`. */
export const genAttrs: AttrSet = GEN;

/** Size of `struct nfgenmsg`. */
const NFGENMSG_LEN = 4;

/** Each request message's attribute set, by `NFT_MSG_*` number. */
const SCHEMAS: { [msg: number]: MessageSchema } = {};
for (
  const [msgs, set] of [
    [[NFT_MSG.NEWTABLE, NFT_MSG.DELTABLE, NFT_MSG.DESTROYTABLE, NFT_MSG.GETTABLE], TABLE],
    [[NFT_MSG.NEWCHAIN, NFT_MSG.DELCHAIN, NFT_MSG.DESTROYCHAIN, NFT_MSG.GETCHAIN], CHAIN],
    [[NFT_MSG.NEWRULE, NFT_MSG.DELRULE, NFT_MSG.DESTROYRULE, NFT_MSG.GETRULE], RULE],
    [[NFT_MSG.NEWSET, NFT_MSG.DELSET, NFT_MSG.DESTROYSET, NFT_MSG.GETSET], SET],
    [[NFT_MSG.NEWSETELEM, NFT_MSG.DELSETELEM, NFT_MSG.DESTROYSETELEM, NFT_MSG.GETSETELEM], SET_ELEM_LIST],
    [[NFT_MSG.NEWOBJ, NFT_MSG.DELOBJ, NFT_MSG.DESTROYOBJ, NFT_MSG.GETOBJ], OBJ],
    [[NFT_MSG.NEWFLOWTABLE, NFT_MSG.DELFLOWTABLE, NFT_MSG.DESTROYFLOWTABLE, NFT_MSG.GETFLOWTABLE], FLOWTABLE],
    [[NFT_MSG.GETGEN], GEN],
  ] as const
) {
  for (const msg of msgs) SCHEMAS[msg] = { headerSize: NFGENMSG_LEN, attributes: set };
}

/**
 * The uapi path of the attribute an extended-ACK `offset` points at in an
 * nf_tables `request` (one message of a batch), e.g.
 * `NFTA_RULE_EXPRESSIONS.NFTA_LIST_ELEM[1].NFTA_EXPR_DATA.NFTA_CMP_DATA`;
 * undefined for other subsystems. {@link Nftables.open} passes it as
 * `describeAttribute`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { nftAttributePath } from "@nlts/netlink/nftables";
 * await using sock = await NetlinkSocket.open("netfilter", { describeAttribute: nftAttributePath });
 * ```
 */
export function nftAttributePath(request: Uint8Array, offset: number): string | undefined {
  if (request.length < 16 || request[5] !== NFNL_SUBSYS_NFTABLES) return undefined;
  const schema = SCHEMAS[request[4]];
  return schema ? requestAttributePath(schema, request, offset) : undefined;
}

// ---------------------------------------------------------------------------
// Decoders
// ---------------------------------------------------------------------------

/** Reads `struct nfgenmsg` and gives the family and where attributes start; short is a ParseError. */
function header(msg: NetlinkMessage): NftFamily | number {
  if (msg.payload.length < NFGENMSG_LEN) {
    throw new ParseError(`nfgenmsg needs ${NFGENMSG_LEN} bytes, the payload has ${msg.payload.length}`, 16);
  }
  return familyOf(msg.payload[0]);
}

function attrsOf<S extends Parameters<typeof decodeAttrsAt>[0]>(set: S, msg: NetlinkMessage) {
  return decodeAttrsAt(set, msg.payload, NFGENMSG_LEN, msg.payload.length, 16);
}

/** One decoded `NFTA_EXPR_*` as an {@link Expression}. */
function expressionOf(e: { name?: string; data?: Record<string, unknown> }): Expression {
  const name = e.name ?? "";
  const data = e.data ?? {};
  if (name in expressionFormats) return { kind: name, ...data } as KnownExpression;
  return { kind: "raw", name, attributes: (data.unknown as Attr[] | undefined) ?? [] };
}

/** A decoded `NFTA_LIST_ELEM` list as expressions. */
function expressionsOf(list: { elem?: unknown[] } | undefined): Expression[] {
  return (list?.elem ?? []).map((e) => expressionOf(e as { name?: string; data?: Record<string, unknown> }));
}

/**
 * Writes one expression as an `NFTA_LIST_ELEM`-style nest of `type`: a
 * known one by its set, a raw one with its attributes as they came.
 */
export function writeExpression(w: AttrWriter, type: number, expression: Expression): void {
  w.nest(type, (e) => {
    if (expression.kind === "raw") {
      e.str(1, expression.name);
      e.nest(2, (d) => {
        for (const a of expression.attributes) {
          d.attr(a.type | (a.nested ? 0x8000 : 0) | (a.netByteOrder ? 0x4000 : 0), a.value);
        }
      });
      return;
    }
    const kind = expression.kind;
    if (!(kind in expressionFormats)) throw new TypeError(`unknown expression kind ${JSON.stringify(kind)}`);
    // The expression without `kind` and `unknown` (a loop: an object rest costs more per expression).
    const data: Record<string, unknown> = {};
    const fields = expression as unknown as Record<string, unknown>;
    for (const key in fields) if (key !== "kind" && key !== "unknown") data[key] = fields[key];
    writeAttrs(e, exprAttrs, { name: kind, data });
  });
}

/** Decodes an `NFT_MSG_NEWTABLE`. */
export function decodeTable(msg: NetlinkMessage): NftTable {
  const family = header(msg);
  const a = attrsOf(TABLE, msg);
  const table: NftTable = {
    family,
    name: a.name ?? "",
    handle: a.handle ?? 0,
    flags: a.flags ?? [],
    use: a.use ?? 0,
  };
  const comment = userdataComment(a.userdata);
  if (comment !== undefined) table.comment = comment;
  if (a.unknown) table.unknown = a.unknown;
  return table;
}

/** Decodes an `NFT_MSG_NEWCHAIN`. */
export function decodeChain(msg: NetlinkMessage): NftChain {
  const family = header(msg);
  const a = attrsOf(CHAIN, msg);
  const chain: NftChain = {
    family,
    table: a.table ?? "",
    name: a.name ?? "",
    handle: a.handle ?? 0,
    flags: a.flags ?? [],
    use: a.use ?? 0,
  };
  if (a.type !== undefined) chain.type = a.type;
  if (a.hook) {
    if (a.hook.hooknum !== undefined) chain.hook = hookName(family, a.hook.hooknum);
    if (a.hook.priority !== undefined) chain.priority = a.hook.priority;
    const devices = a.hook.dev !== undefined ? [a.hook.dev] : a.hook.devs?.name;
    if (devices) chain.devices = devices;
  }
  if (a.policy !== undefined) chain.policy = a.policy;
  const comment = userdataComment(a.userdata);
  if (comment !== undefined) chain.comment = comment;
  if (a.unknown) chain.unknown = a.unknown;
  return chain;
}

/** Decodes an `NFT_MSG_NEWRULE`. */
export function decodeRule(msg: NetlinkMessage): NftRule {
  const family = header(msg);
  const a = attrsOf(RULE, msg);
  const rule: NftRule = {
    family,
    table: a.table ?? "",
    chain: a.chain ?? "",
    handle: a.handle ?? 0,
    expressions: expressionsOf(a.expressions),
  };
  if (a.userdata) {
    rule.userdata = a.userdata;
    const comment = userdataComment(a.userdata);
    if (comment !== undefined) rule.comment = comment;
  }
  if (a.unknown) rule.unknown = a.unknown;
  return rule;
}

/** Decodes an `NFT_MSG_NEWSET`. */
export function decodeSet(msg: NetlinkMessage): NftSet {
  const family = header(msg);
  const a = attrsOf(SET, msg);
  const set: NftSet = {
    family,
    table: a.table ?? "",
    name: a.name ?? "",
    handle: a.handle ?? 0,
    flags: a.flags ?? [],
    keyType: a.keyType ?? 0,
    keyLen: a.keyLen ?? 0,
  };
  if (a.dataType !== undefined) set.dataType = a.dataType;
  if (a.dataLen !== undefined) set.dataLen = a.dataLen;
  if (a.objType !== undefined) set.objType = a.objType;
  if (a.policy !== undefined) set.policy = a.policy;
  if (a.timeout !== undefined) set.timeout = a.timeout;
  if (a.gcInterval !== undefined) set.gcInterval = a.gcInterval;
  if (a.desc?.size !== undefined) set.size = a.desc.size;
  if (a.userdata) {
    set.userdata = a.userdata;
    const comment = userdataComment(a.userdata, 7);
    if (comment !== undefined) set.comment = comment;
  }
  if (a.unknown) set.unknown = a.unknown;
  return set;
}

/** Decodes an `NFT_MSG_NEWSETELEM`: the set it belongs to and its elements. */
export function decodeSetElements(
  msg: NetlinkMessage,
): { family: NftFamily | number; table: string; set: string; elements: NftSetElement[] } {
  const family = header(msg);
  const a = attrsOf(SET_ELEM_LIST, msg);
  const elements = (a.elements?.elem ?? []).map((e) => {
    const element: NftSetElement = { flags: e.flags ?? [] };
    if (e.key?.value) element.key = e.key.value;
    if (e.keyEnd?.value) element.keyEnd = e.keyEnd.value;
    if (e.data?.value) element.data = e.data.value;
    if (e.data?.verdict) {
      element.verdict = { code: e.data.verdict.code ?? 0 };
      if (e.data.verdict.chain !== undefined) element.verdict.chain = e.data.verdict.chain;
    }
    if (e.timeout !== undefined) element.timeout = e.timeout;
    if (e.expiration !== undefined) element.expiration = e.expiration;
    const comment = userdataComment(e.userdata);
    if (comment !== undefined) element.comment = comment;
    if (e.objref !== undefined) element.objref = e.objref;
    const expressions = e.expr ? [expressionOf(e.expr)] : expressionsOf(e.expressions);
    if (expressions.length) element.expressions = expressions;
    return element;
  });
  return { family, table: a.table ?? "", set: a.set ?? "", elements };
}

/** Decodes an `NFT_MSG_NEWOBJ`. */
export function decodeObject(msg: NetlinkMessage): NftObject {
  const family = header(msg);
  const a = attrsOf(OBJ, msg);
  const object: NftObject = {
    family,
    table: a.table ?? "",
    name: a.name ?? "",
    handle: a.handle ?? 0,
    type: a.type ?? 0,
    data: (a.data ?? {}) as Record<string, unknown>,
    use: a.use ?? 0,
  };
  const comment = userdataComment(a.userdata);
  if (comment !== undefined) object.comment = comment;
  if (a.unknown) object.unknown = a.unknown;
  return object;
}

/**
 * Decodes an `NFT_MSG_NEWFLOWTABLE`.
 *
 * @example
 * ```ts
 * import { parseMessages } from "@nlts/netlink";
 * import { decodeFlowtable } from "@nlts/netlink/nftables";
 * declare const bytes: Uint8Array; // an NFT_MSG_NEWFLOWTABLE the kernel sent
 * const { name, devices, flags } = decodeFlowtable(parseMessages(bytes)[0]);
 * ```
 */
export function decodeFlowtable(msg: NetlinkMessage): NftFlowtable {
  const family = header(msg);
  const a = attrsOf(FLOWTABLE, msg);
  const flowtable: NftFlowtable = {
    family,
    table: a.table ?? "",
    name: a.name ?? "",
    handle: a.handle ?? 0,
    devices: a.hook?.devs?.name ?? [],
    flags: a.flags ?? [],
    use: a.use ?? 0,
  };
  // Flowtables hook in at the devices' ingress whatever the table's family (NF_NETDEV_INGRESS).
  if (a.hook?.num !== undefined) flowtable.hook = hookName("netdev", a.hook.num);
  if (a.hook?.priority !== undefined) flowtable.priority = a.hook.priority | 0; // s32 on the wire
  if (a.unknown) flowtable.unknown = a.unknown;
  return flowtable;
}

/** Decodes an `NFT_MSG_NEWGEN`: the ruleset's generation id, and who committed it (in events). */
export function decodeGenerationMessage(msg: NetlinkMessage): { id: number; pid?: number; processName?: string } {
  header(msg);
  const a = attrsOf(GEN, msg);
  if (a.id === undefined) throw new ParseError("NFT_MSG_NEWGEN without NFTA_GEN_ID", 16);
  const out: { id: number; pid?: number; processName?: string } = { id: a.id };
  if (a.procPid !== undefined) out.pid = a.procPid;
  if (a.procName !== undefined) out.processName = a.procName;
  return out;
}

/** Decodes an `NFT_MSG_NEWGEN`: the ruleset's generation id. */
export function decodeGeneration(msg: NetlinkMessage): number {
  return decodeGenerationMessage(msg).id;
}
