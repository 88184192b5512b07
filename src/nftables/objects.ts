/**
 * The nf_tables objects as this library gives them: tables, chains, rules
 * and their expressions, sets and elements, stateful objects (decoded by
 * `schema.ts`).
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import type { NftFamily, NftHook } from "./constants.ts";

/** A register number (`NFT_REG_1`… as the kernel numbers them; 0 is the verdict register). */
export type Register = number;

/** Bytes or a verdict (`NFTA_DATA_*`). */
export interface NftData {
  /** A value, in the bytes the kernel compares. */
  value?: Uint8Array;
  /** A verdict (`immediate` to the verdict register, verdict maps). */
  verdict?: { code?: string | number; chain?: string; chainId?: number };
}

/** Attributes of an expression this library does not know, kept raw. */
export interface ExpressionExtra {
  /** Attributes inside the expression that this library does not know. */
  unknown?: Attr[];
}

/** `payload`: load (`dreg`) or write (`sreg`) packet bytes. */
export interface PayloadExpression extends ExpressionExtra {
  /** Kind. */
  kind: "payload";
  /** Destination register of a load. */
  dreg?: Register;
  /** Header the offset counts from. */
  base?: "ll" | "network" | "transport" | "inner" | number;
  /** Offset in bytes. */
  offset?: number;
  /** Length in bytes. */
  len?: number;
  /** Source register of a write. */
  sreg?: Register;
  /** Checksum type of a write. */
  csumType?: number;
  /** Checksum offset of a write. */
  csumOffset?: number;
  /** Checksum flags of a write. */
  csumFlags?: number;
}

/** `cmp`: compare a register with data. */
export interface CmpExpression extends ExpressionExtra {
  /** Kind. */
  kind: "cmp";
  /** Register compared. */
  sreg?: Register;
  /** Comparison. */
  op?: "eq" | "neq" | "lt" | "lte" | "gt" | "gte" | number;
  /** What it is compared with. */
  data?: NftData;
}

/** `immediate`: load data (or a verdict) into a register. */
export interface ImmediateExpression extends ExpressionExtra {
  /** Kind. */
  kind: "immediate";
  /** Register (0: the verdict). */
  dreg?: Register;
  /** The data or verdict. */
  data?: NftData;
}

/** `meta`: load (or set) packet metadata. */
export interface MetaExpression extends ExpressionExtra {
  /** Kind. */
  kind: "meta";
  /** Destination register. */
  dreg?: Register;
  /** Which metadata (`nfproto`, `l4proto`, `iifname`, `mark`…). */
  key?: string | number;
  /** Source register (setting it). */
  sreg?: Register;
}

/** `bitwise`: mask and xor (or shift) a register. */
export interface BitwiseExpression extends ExpressionExtra {
  /** Kind. */
  kind: "bitwise";
  /** Source register. */
  sreg?: Register;
  /** Destination register. */
  dreg?: Register;
  /** Length in bytes. */
  len?: number;
  /** Mask. */
  mask?: NftData;
  /** Xor. */
  xor?: NftData;
  /** `bool` (mask and xor), `lshift`, `rshift`. */
  op?: "bool" | "lshift" | "rshift" | number;
  /** Shift amount. */
  data?: NftData;
}

/** `lookup`: is the register in a set (or load the map's value). */
export interface LookupExpression extends ExpressionExtra {
  /** Kind. */
  kind: "lookup";
  /** Set name. */
  set?: string;
  /** Key register. */
  sreg?: Register;
  /** Value register (maps). */
  dreg?: Register;
  /** Set id (a set of the same batch). */
  setId?: number;
  /** `inv`: not in the set. */
  flags?: (string | number)[];
}

/** `counter`. */
export interface CounterExpression extends ExpressionExtra {
  /** Kind. */
  kind: "counter";
  /** Bytes counted. */
  bytes?: bigint;
  /** Packets counted. */
  packets?: bigint;
}

/** `ct`: load (or set) connection-tracking data. */
export interface CtExpression extends ExpressionExtra {
  /** Kind. */
  kind: "ct";
  /** Destination register. */
  dreg?: Register;
  /** `state`, `status`, `mark`, `helper`… */
  key?: string | number;
  /** `original` or `reply`. */
  direction?: "original" | "reply" | number;
  /** Source register (setting it). */
  sreg?: Register;
}

/** `nat`: snat or dnat to addresses and ports held in registers. */
export interface NatExpression extends ExpressionExtra {
  /** Kind. */
  kind: "nat";
  /** `snat` or `dnat`. */
  type?: "snat" | "dnat" | number;
  /** NFPROTO of the addresses (2 ip, 10 ip6). */
  family?: number;
  /** Register of the lowest address. */
  regAddrMin?: Register;
  /** Register of the highest address. */
  regAddrMax?: Register;
  /** Register of the lowest port. */
  regProtoMin?: Register;
  /** Register of the highest port. */
  regProtoMax?: Register;
  /** `map-ips`, `proto-specified`, `random`, `persistent`, `fully-random`… */
  flags?: (string | number)[];
}

/** `masq`: masquerade. */
export interface MasqExpression extends ExpressionExtra {
  /** Kind. */
  kind: "masq";
  /** `random`, `persistent`, `fully-random`… */
  flags?: (string | number)[];
  /** Register of the lowest port. */
  regProtoMin?: Register;
  /** Register of the highest port. */
  regProtoMax?: Register;
}

/** `redir`: redirect to the local machine. */
export interface RedirExpression extends ExpressionExtra {
  /** Kind. */
  kind: "redir";
  /** Register of the lowest port. */
  regProtoMin?: Register;
  /** Register of the highest port. */
  regProtoMax?: Register;
  /** Flags. */
  flags?: (string | number)[];
}

/** `log`. */
export interface LogExpression extends ExpressionExtra {
  /** Kind. */
  kind: "log";
  /** NFLOG group. */
  group?: number;
  /** Prefix. */
  prefix?: string;
  /** Bytes copied to NFLOG. */
  snaplen?: number;
  /** NFLOG queue threshold. */
  qthreshold?: number;
  /** Syslog level. */
  level?: string | number;
  /** What is logged. */
  flags?: (string | number)[];
}

/** `limit`: rate limit. */
export interface LimitExpression extends ExpressionExtra {
  /** Kind. */
  kind: "limit";
  /** Rate per unit. */
  rate?: number;
  /** Unit in seconds. */
  unit?: number;
  /** Burst. */
  burst?: number;
  /** `packets` or `bytes`. */
  type?: "packets" | "bytes" | number;
  /** `inv`: match over the limit. */
  flags?: (string | number)[];
}

/** `quota`. */
export interface QuotaExpression extends ExpressionExtra {
  /** Kind. */
  kind: "quota";
  /** Bytes allowed. */
  bytes?: bigint;
  /** `inv` (over), `depleted`. */
  flags?: (string | number)[];
  /** Bytes used. */
  consumed?: bigint;
}

/** `reject`. */
export interface RejectExpression extends ExpressionExtra {
  /** Kind. */
  kind: "reject";
  /** `icmp`, `tcp reset`, `icmpx`. */
  type?: "icmp" | "tcp reset" | "icmpx" | number;
  /** ICMP code. */
  icmpCode?: number;
}

/** `range`: is a register within `[fromData, toData]`. */
export interface RangeExpression extends ExpressionExtra {
  /** Kind. */
  kind: "range";
  /** Register. */
  sreg?: Register;
  /** `eq` or `neq`. */
  op?: "eq" | "neq" | number;
  /** Low end. */
  fromData?: NftData;
  /** High end. */
  toData?: NftData;
}

/** `fib`: route lookup. */
export interface FibExpression extends ExpressionExtra {
  /** Kind. */
  kind: "fib";
  /** Destination register. */
  dreg?: Register;
  /** `oif`, `oifname`, `type`. */
  result?: string | number;
  /** `saddr`, `daddr`, `mark`, `iif`, `oif`, `present`. */
  flags?: (string | number)[];
}

/** `objref`: use a named stateful object (`counter name "c"`, `ct helper set "ftp"`…), or one a map picks. */
export interface ObjrefExpression extends ExpressionExtra {
  /** Kind. */
  kind: "objref";
  /** The object's type: `counter`, `quota`, `ct helper`, `limit`, `ct timeout`, `ct expectation`, `synproxy`… */
  immType?: string | number;
  /** The object's name. */
  immName?: string;
  /** Key register of an object map lookup. */
  setSreg?: Register;
  /** Object map name. */
  setName?: string;
  /** Object map id (a map of the same batch). */
  setId?: number;
}

/** `synproxy`: answer SYNs for the server (inline; a named one is an {@link ObjrefExpression}). */
export interface SynproxyExpression extends ExpressionExtra {
  /** Kind. */
  kind: "synproxy";
  /** MSS sent to the server. */
  mss?: number;
  /** Window scale sent to the server. */
  wscale?: number;
  /** `mss`, `wscale`, `sack-perm`, `timestamp`, `ecn`. */
  flags?: (string | number)[];
}

/** `flow_offload` (`flow add @ft`): put the connection in a flowtable. */
export interface FlowOffloadExpression extends ExpressionExtra {
  /** Kind. */
  kind: "flow_offload";
  /** The flowtable's name. */
  tableName?: string;
}

/** `connlimit` (`ct count N`): more than `count` connections (`inv`: not more). */
export interface ConnlimitExpression extends ExpressionExtra {
  /** Kind. */
  kind: "connlimit";
  /** Connections. */
  count?: number;
  /** `inv`. */
  flags?: (string | number)[];
}

/** An expression with a set here but no dedicated type yet (byteorder, exthdr): its attributes by name. */
export interface OtherKnownExpression extends ExpressionExtra {
  /** Kind. */
  kind: "byteorder" | "exthdr";
  /** Attributes, as the set names them. */
  [attribute: string]: unknown;
}

/** A known expression: its name as `kind`, then its attributes. */
export type KnownExpression =
  | PayloadExpression
  | CmpExpression
  | ImmediateExpression
  | MetaExpression
  | BitwiseExpression
  | LookupExpression
  | CounterExpression
  | CtExpression
  | NatExpression
  | MasqExpression
  | RedirExpression
  | LogExpression
  | LimitExpression
  | QuotaExpression
  | RejectExpression
  | RangeExpression
  | FibExpression
  | ObjrefExpression
  | SynproxyExpression
  | FlowOffloadExpression
  | ConnlimitExpression
  | OtherKnownExpression;

/** An expression this library has no set for: its name and attributes, kept as they came (and re-encoded as they are). */
export interface RawExpression {
  /** Always `"raw"`. */
  kind: "raw";
  /** Its `NFTA_EXPR_NAME` (`"numgen"`, `"tproxy"`…). */
  name: string;
  /** The attributes of its `NFTA_EXPR_DATA`. */
  attributes: Attr[];
}

/**
 * One rule expression: `{ kind: "payload", base: "network", offset: 12, len: 4, dreg: 1 }`,
 * `{ kind: "cmp", op: "eq", sreg: 1, data: { value } }`…
 */
export type Expression = KnownExpression | RawExpression;

/** An nf_tables table. */
export interface NftTable {
  /** `inet`, `ip`, `ip6`, `arp`, `bridge`, `netdev`. */
  family: NftFamily | number;
  /** Name. */
  name: string;
  /** Kernel handle. */
  handle: number;
  /** `dormant`, `owner`… */
  flags: (string | number)[];
  /** Number of chains, sets and objects in it. */
  use: number;
  /** Comment (from userdata, as `nft` stores it). */
  comment?: string;
  /** Attributes this library does not know. */
  unknown?: Attr[];
}

/** An nf_tables chain; base chains have `type`, `hook`, `priority` and `policy`. */
export interface NftChain {
  /** Family of its table. */
  family: NftFamily | number;
  /** Table name. */
  table: string;
  /** Name. */
  name: string;
  /** Kernel handle. */
  handle: number;
  /** `filter`, `nat`, `route` (base chains). */
  type?: string;
  /** Hook (base chains). */
  hook?: NftHook | number;
  /** Priority (base chains). */
  priority?: number;
  /** Policy (base chains). */
  policy?: "accept" | "drop" | number;
  /** Devices (netdev and inet ingress chains). */
  devices?: string[];
  /** `base`, `hw-offload`, `binding`. */
  flags: (string | number)[];
  /** References to it (jumps). */
  use: number;
  /** Comment (from userdata). */
  comment?: string;
  /** Attributes this library does not know. */
  unknown?: Attr[];
}

/** An nf_tables rule. */
export interface NftRule {
  /** Family of its table. */
  family: NftFamily | number;
  /** Table name. */
  table: string;
  /** Chain name. */
  chain: string;
  /** Kernel handle. */
  handle: number;
  /** Its expressions, in order. */
  expressions: Expression[];
  /** Comment (from userdata, as `nft` stores it). */
  comment?: string;
  /** The raw userdata (comment and whatever else a tool stored). */
  userdata?: Uint8Array;
  /** Attributes this library does not know. */
  unknown?: Attr[];
}

/** An nf_tables set or map. */
export interface NftSet {
  /** Family of its table. */
  family: NftFamily | number;
  /** Table name. */
  table: string;
  /** Name (`__set0` for anonymous sets). */
  name: string;
  /** Kernel handle. */
  handle: number;
  /** `anonymous`, `constant`, `interval`, `map`, `timeout`, `dynamic`… */
  flags: (string | number)[];
  /** Key data type number (`nft`'s datatype ids: 7 ipv4_addr, 13 inet_service…). */
  keyType: number;
  /** Key length in bytes. */
  keyLen: number;
  /** Data type of a map's values (a verdict map: 0xffffff00). */
  dataType?: number;
  /** Value length in bytes (maps). */
  dataLen?: number;
  /** Object type (object maps). */
  objType?: number;
  /** `performance` or `memory`. */
  policy?: "performance" | "memory" | number;
  /** Default element timeout, ms. */
  timeout?: number;
  /** Garbage collection interval, ms. */
  gcInterval?: number;
  /** Size given at creation. */
  size?: number;
  /** Comment (from userdata). */
  comment?: string;
  /** Raw userdata. */
  userdata?: Uint8Array;
  /** Attributes this library does not know. */
  unknown?: Attr[];
}

/** A verdict as data (verdict maps, immediate). */
export interface NftVerdict {
  /** `accept`, `drop`, `jump`, `goto`, `return`, `continue`… */
  code: string | number;
  /** Target of `jump` and `goto`. */
  chain?: string;
}

/** One element of a set or map. */
export interface NftSetElement {
  /** Key bytes (in the set's key type). */
  key?: Uint8Array;
  /** End of an interval (concatenated interval sets). */
  keyEnd?: Uint8Array;
  /** A map's value bytes. */
  data?: Uint8Array;
  /** A verdict map's verdict. */
  verdict?: NftVerdict;
  /** `interval-end` (the element ends an interval), `catchall`. */
  flags: (string | number)[];
  /** Timeout in ms. */
  timeout?: number;
  /** Time left in ms. */
  expiration?: number;
  /** Comment (from userdata). */
  comment?: string;
  /** Expressions attached (counter…). */
  expressions?: Expression[];
  /** Object name (object maps). */
  objref?: string;
}

/** An nf_tables flowtable: a fast path for established connections between `devices`. */
export interface NftFlowtable {
  /** Family of its table. */
  family: NftFamily | number;
  /** Table name. */
  table: string;
  /** Name. */
  name: string;
  /** Kernel handle. */
  handle: number;
  /** Hook (always `ingress`). */
  hook?: NftHook | number;
  /** Priority on the hook. */
  priority?: number;
  /** Devices it is bound to. */
  devices: string[];
  /** `offload` (hardware offload), `counter`. */
  flags: (string | number)[];
  /** References to it (rules with `flow add @name`). */
  use: number;
  /** Attributes this library does not know. */
  unknown?: Attr[];
}

/** A stateful object: counter, quota, limit… */
export interface NftObject {
  /** Family of its table. */
  family: NftFamily | number;
  /** Table name. */
  table: string;
  /** Name. */
  name: string;
  /** Kernel handle. */
  handle: number;
  /** `counter`, `quota`, `limit`, `ct helper`… */
  type: string | number;
  /**
   * Its state as decoded by the type's set (counter: `bytes`, `packets`;
   * quota: `bytes`, `consumed`, `flags`; limit: `rate`, `unit`…; ct helper:
   * `helper`, `l3proto`, `l4proto`; ct timeout: `l3proto`, `l4proto`,
   * `policy` (seconds by state); ct expectation: `l3proto`, `l4proto`,
   * `dport`, `timeout` (ms), `size`; synproxy: `mss`, `wscale`, `flags`;
   * secmark: `context`; connlimit: `count`, `flags`), or raw attributes.
   */
  data: Record<string, unknown>;
  /** References to it. */
  use: number;
  /** Comment (from userdata). */
  comment?: string;
  /** Attributes this library does not know. */
  unknown?: Attr[];
}

/**
 * The comment in libnftnl's userdata TLVs (`{ u8 type; u8 len; value }`),
 * stored under `type` (0 for tables, chains, rules, elements and objects;
 * 7 for sets). Malformed userdata has no comment.
 */
export function userdataComment(userdata: Uint8Array | undefined, type = 0): string | undefined {
  if (!userdata) return undefined;
  for (let at = 0; at + 2 <= userdata.length;) {
    const t = userdata[at];
    const len = userdata[at + 1];
    if (at + 2 + len > userdata.length) return undefined;
    if (t === type) {
      const value = userdata.subarray(at + 2, at + 2 + len);
      const end = value.indexOf(0);
      return new TextDecoder().decode(end < 0 ? value : value.subarray(0, end));
    }
    at += 2 + len;
  }
  return undefined;
}

/** libnftnl's userdata holding only a comment under `type` (NUL-terminated, at most 255 bytes). */
export function commentUserdata(comment: string, type = 0): Uint8Array {
  const text = new TextEncoder().encode(comment);
  if (text.length > 254) throw new TypeError(`a comment is at most 254 bytes, not ${text.length}`);
  if (text.includes(0)) throw new TypeError("a comment cannot hold a NUL byte");
  const out = new Uint8Array(text.length + 3);
  out[0] = type;
  out[1] = text.length + 1;
  out.set(text, 2);
  return out;
}
