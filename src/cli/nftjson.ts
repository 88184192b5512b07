/**
 * The ruleset in `nft -j`'s shapes (nftables 1.0's JSON schema): tables,
 * then per table its objects, named sets and maps, flowtables, chains and
 * rules, with rule expressions folded back into what `nft` prints — a
 * load and a compare become a `match` with a protocol field and a typed
 * value, the protocol checks `nft` adds are left out again, a register load
 * before `snat`/`dnat` becomes its address. What has no `nft -j` shape here
 * is printed as `{ "nlts": <our object> }` rather than guessed.
 *
 * @module
 */
import type { NftRuleset } from "../nftables/client.ts";
import type {
  Expression,
  NftChain,
  NftFlowtable,
  NftObject,
  NftRule,
  NftSet,
  NftSetElement,
  NftTable,
} from "../nftables/objects.ts";
import { ipv4, ipv6, mac } from "../wire/values.ts";

/** One entry of `nft -j`'s `nftables` array: `{ table: {…} }`, `{ rule: {…} }`… */
export type NftJsonEntry = Record<string, unknown>;

/** `nft`'s datatype numbers (`enum datatypes`) and names, for set keys and values. */
const DATATYPES: { readonly [n: number]: string } = {
  1: "verdict",
  2: "nf_proto",
  4: "integer",
  5: "string",
  7: "ipv4_addr",
  8: "ipv6_addr",
  9: "ether_addr",
  10: "ether_type",
  12: "inet_proto",
  13: "inet_service",
  19: "mark",
  20: "iface_index",
  26: "ct_state",
  41: "ifname",
};
const VERDICT_TYPE = 0xffffff00;

/** `IPPROTO_*` names as nft prints them. */
const L4_NAMES: { readonly [n: number]: string } = {
  1: "icmp",
  2: "igmp",
  6: "tcp",
  17: "udp",
  33: "dccp",
  47: "gre",
  50: "esp",
  51: "ah",
  58: "ipv6-icmp",
  132: "sctp",
  136: "udplite",
};

/** `ct state` bits, in bit order (as nft lists them). */
const CT_STATE_BITS: [number, string][] = [
  [1, "invalid"],
  [2, "established"],
  [4, "related"],
  [8, "new"],
  [64, "untracked"],
];

/** How a value loaded into a register is printed. */
type ValueType =
  | "ipv4_addr"
  | "ipv6_addr"
  | "inet_service"
  | "inet_proto"
  | "nf_proto"
  | "ifname"
  | "mark"
  | "ether_addr"
  | "ct_state"
  | "ether_type"
  | "string"
  | "integer";

/** Ethertypes by the names nft prints. */
const ETHER_TYPES: { readonly [n: number]: string } = {
  0x0800: "ip",
  0x86dd: "ip6",
  0x0806: "arp",
  0x8100: "vlan",
  0x88a8: "8021ad",
};

function beNumber(b: Uint8Array): number {
  let n = 0;
  for (const x of b) n = n * 256 + x;
  return n;
}

function leNumber(b: Uint8Array): number {
  let n = 0;
  for (let i = b.length - 1; i >= 0; i--) n = n * 256 + b[i];
  return n;
}

/** A value of `type` as nft -j prints it. */
function valueOf(type: ValueType, b: Uint8Array): unknown {
  switch (type) {
    case "ipv4_addr":
      return b.length === 4 ? ipv4(b) : beNumber(b);
    case "ipv6_addr":
      return b.length === 16 ? ipv6(b) : beNumber(b);
    case "inet_service":
      return beNumber(b);
    case "inet_proto":
      return L4_NAMES[b[0]] ?? b[0];
    case "nf_proto":
      return b[0] === 2 ? "ipv4" : b[0] === 10 ? "ipv6" : b[0];
    case "ifname":
    case "string": {
      const nul = b.indexOf(0);
      const text = new TextDecoder().decode(nul < 0 ? b : b.subarray(0, nul));
      // A name compared without its NUL padding is a prefix match (`eth*`).
      return type === "ifname" && nul < 0 && b.length < 16 ? `${text}*` : text;
    }
    case "mark":
      return leNumber(b);
    case "ether_addr":
      return mac(b);
    case "ct_state":
      return ctStateNames(leNumber(b));
    case "ether_type":
      return ETHER_TYPES[beNumber(b)] ?? beNumber(b);
    default:
      return beNumber(b);
  }
}

function ctStateNames(bits: number): string | string[] {
  const names = CT_STATE_BITS.filter(([bit]) => bits & bit).map(([, name]) => name);
  return names.length === 1 ? names[0] : names;
}

function datatypeOf(n: number | undefined): ValueType {
  const name = n === undefined ? undefined : DATATYPES[n];
  switch (name) {
    case "ipv4_addr":
    case "ipv6_addr":
    case "inet_service":
    case "inet_proto":
    case "ifname":
    case "mark":
    case "ether_addr":
    case "ct_state":
    case "string":
      return name;
    case "nf_proto":
      return "nf_proto";
  }
  return "integer";
}

/** A verdict as nft -j prints it: `{ accept: null }`, `{ jump: { target } }`. */
function verdictJson(v: { code?: string | number; chain?: string }): NftJsonEntry {
  const code = typeof v.code === "string" ? v.code : String(v.code);
  if (code === "jump" || code === "goto") return { [code]: { target: v.chain } };
  return { [code]: null };
}

/** Bytes `- 1` (big-endian): the last value before an interval's end. */
function minusOne(b: Uint8Array): Uint8Array {
  const out = b.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] > 0) {
      out[i]--;
      break;
    }
    out[i] = 0xff;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The prefix length of `[low, high]` if it is one CIDR block, else -1. */
function prefixLength(low: Uint8Array, high: Uint8Array): number {
  let len = 0;
  while (len < low.length * 8) {
    const byte = len >> 3, bit = 0x80 >> (len & 7);
    if ((low[byte] & bit) !== (high[byte] & bit)) break;
    len++;
  }
  for (let i = len; i < low.length * 8; i++) {
    const byte = i >> 3, bit = 0x80 >> (i & 7);
    if ((low[byte] & bit) !== 0 || (high[byte] & bit) === 0) return -1;
  }
  return len;
}

/** The prefix length a netmask stands for (leading ones, then zeros), else -1. */
function maskPrefix(mask: Uint8Array): number {
  let len = 0;
  while (len < mask.length * 8 && mask[len >> 3] & (0x80 >> (len & 7))) len++;
  for (let i = len; i < mask.length * 8; i++) if (mask[i >> 3] & (0x80 >> (i & 7))) return -1;
  return len;
}

/** A range of `type` as nft prints it: one value, a prefix, or `{ range: [low, high] }`. */
function rangeValue(type: ValueType, low: Uint8Array, high: Uint8Array): unknown {
  if (compareBytes(low, high) === 0) return valueOf(type, low);
  if (type === "ipv4_addr" || type === "ipv6_addr") {
    const len = prefixLength(low, high);
    if (len >= 0) return { prefix: { addr: valueOf(type, low), len } };
  }
  return { range: [valueOf(type, low), valueOf(type, high)] };
}

/** A set's elements as nft -j prints them (intervals folded back into prefixes and ranges), sorted. */
function elementsJson(set: NftSet, elements: NftSetElement[]): unknown[] {
  const keyType = datatypeOf(set.keyType);
  const isMap = set.flags.includes("map");
  const dataType = set.dataType === VERDICT_TYPE ? undefined : datatypeOf(set.dataType);
  const withKeys = elements.filter((e) => e.key).sort((a, b) => compareBytes(a.key!, b.key!));
  const values: { key: unknown; element: NftSetElement }[] = [];
  if (set.flags.includes("interval")) {
    for (let i = 0; i < withKeys.length; i++) {
      const e = withKeys[i];
      if (e.flags.includes("interval-end")) continue; // an end without a start
      const next = withKeys[i + 1];
      if (e.keyEnd) {
        values.push({ key: rangeValue(keyType, e.key!, e.keyEnd), element: e });
      } else if (next && next.flags.includes("interval-end")) {
        values.push({ key: rangeValue(keyType, e.key!, minusOne(next.key!)), element: e });
        i++;
      } else {
        values.push({ key: rangeValue(keyType, e.key!, new Uint8Array(e.key!.length).fill(0xff)), element: e });
      }
    }
  } else {
    for (const e of withKeys) values.push({ key: valueOf(keyType, e.key!), element: e });
  }
  return values.map(({ key, element }) => {
    let value: unknown = key;
    const extra: Record<string, unknown> = {};
    if (element.timeout !== undefined && element.timeout !== set.timeout) extra.timeout = element.timeout / 1000;
    if (element.expiration !== undefined) extra.expires = Math.floor(element.expiration / 1000);
    if (element.comment !== undefined) extra.comment = element.comment;
    if (Object.keys(extra).length) value = { elem: { val: key, ...extra } };
    if (!isMap) return value;
    const data = element.verdict
      ? verdictJson(element.verdict)
      : element.data && dataType
      ? valueOf(dataType, element.data)
      : element.objref;
    return [value, data];
  });
}

// ---------------------------------------------------------------------------
// Rule expressions
// ---------------------------------------------------------------------------

/** Header fields by protocol: byte offset, length, name, value type. */
const FIELDS: { readonly [protocol: string]: [number, number, string, ValueType][] } = {
  ether: [
    [0, 6, "daddr", "ether_addr"],
    [6, 6, "saddr", "ether_addr"],
    [12, 2, "type", "ether_type"],
  ],
  ip: [
    [0, 1, "version", "integer"],
    [1, 1, "dscp", "integer"],
    [2, 2, "length", "integer"],
    [4, 2, "id", "integer"],
    [8, 1, "ttl", "integer"],
    [9, 1, "protocol", "inet_proto"],
    [10, 2, "checksum", "integer"],
    [12, 4, "saddr", "ipv4_addr"],
    [16, 4, "daddr", "ipv4_addr"],
  ],
  ip6: [
    [4, 2, "length", "integer"],
    [6, 1, "nexthdr", "inet_proto"],
    [7, 1, "hoplimit", "integer"],
    [8, 16, "saddr", "ipv6_addr"],
    [24, 16, "daddr", "ipv6_addr"],
  ],
  tcp: [
    [0, 2, "sport", "inet_service"],
    [2, 2, "dport", "inet_service"],
    [4, 4, "sequence", "integer"],
    [8, 4, "ackseq", "integer"],
    [13, 1, "flags", "integer"],
    [14, 2, "window", "integer"],
    [16, 2, "checksum", "integer"],
    [18, 2, "urgptr", "integer"],
  ],
  udp: [
    [0, 2, "sport", "inet_service"],
    [2, 2, "dport", "inet_service"],
    [4, 2, "length", "integer"],
    [6, 2, "checksum", "integer"],
  ],
  udplite: [
    [0, 2, "sport", "inet_service"],
    [2, 2, "dport", "inet_service"],
  ],
  sctp: [
    [0, 2, "sport", "inet_service"],
    [2, 2, "dport", "inet_service"],
  ],
  icmp: [
    [0, 1, "type", "integer"],
    [1, 1, "code", "integer"],
  ],
};

/** What a register holds: the `left` of a match and how its values print. */
interface Loaded {
  left: unknown;
  type: ValueType;
  /** Bytes of the whole field (a shorter load of an address is a prefix). */
  fieldLen?: number;
  /** Bytes loaded. */
  len?: number;
  /** A bitwise mask applied to it. */
  mask?: Uint8Array;
  /** A constant (immediate) rather than a load. */
  constant?: Uint8Array;
}

/** An entry of the rule's `expr`, and which protocol check of nft's it is (left out once used). */
interface Statement {
  json: NftJsonEntry;
  /** `network`: a meta nfproto check; `transport`: meta l4proto, ip protocol or ip6 nexthdr. */
  dependency?: "network" | "transport";
  value?: number;
}

const OPS: { readonly [op: string]: string } = { eq: "==", neq: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" };

/** nft's ICMP reject codes by family. */
const REJECT_CODES: { readonly [type: string]: { readonly [code: number]: string } } = {
  icmpx: { 0: "no-route", 1: "port-unreachable", 2: "host-unreachable", 3: "admin-prohibited" },
  icmp: {
    0: "net-unreachable",
    1: "host-unreachable",
    2: "prot-unreachable",
    3: "port-unreachable",
    9: "net-prohibited",
    10: "host-prohibited",
    13: "admin-prohibited",
  },
  icmpv6: { 0: "no-route", 1: "admin-prohibited", 3: "addr-unreachable", 4: "port-unreachable", 5: "policy-fail" },
};

const LIMIT_UNITS: { readonly [seconds: number]: string } = {
  1: "second",
  60: "minute",
  3600: "hour",
  86400: "day",
  604800: "week",
};

/** Bytes in nft's largest unit that divides them evenly. */
function byteUnit(bytes: number): [number, string] {
  const units = ["bytes", "kbytes", "mbytes", "gbytes"];
  let unit = 0;
  while (unit < 3 && bytes >= 1024 && bytes % 1024 === 0) {
    bytes /= 1024;
    unit++;
  }
  return [bytes, units[unit]];
}

/** Translates one rule's expressions into nft -j's `expr` list. */
function ruleExpressions(rule: NftRule, sets: Map<string, NftSet & { elements: NftSetElement[] }>): unknown[] {
  const out: Statement[] = [];
  const regs = new Map<number, Loaded>();
  const family = rule.family;
  let network: string | undefined = family === "ip" ? "ip" : family === "ip6" ? "ip6" : undefined;
  let transport: string | undefined;
  /** Drops the last protocol check of `kind` that `protocol` makes redundant (nft prints none). */
  const useDependency = (kind: "network" | "transport") => {
    for (let i = out.length - 1; i >= 0; i--) {
      if (out[i].dependency === kind) {
        out.splice(i, 1);
        return;
      }
    }
  };
  const raw = (e: Expression) => out.push({ json: { nlts: e } });
  /** A port or port range held in registers (NAT, masquerade, redirect). */
  const portOf = (min: number | undefined, max: number | undefined): unknown => {
    const low = min !== undefined ? regs.get(min)?.constant : undefined;
    if (!low) return undefined;
    const high = max !== undefined ? regs.get(max)?.constant : undefined;
    return high && beNumber(high) !== beNumber(low) ? { range: [beNumber(low), beNumber(high)] } : beNumber(low);
  };
  const exprs = rule.expressions;
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i];
    const before = out.length;
    switch (e.kind) {
      case "payload": {
        if (e.dreg === undefined) {
          raw(e);
          break;
        }
        const linkLayer = e.base === "ll" && (family === "bridge" || family === "netdev") ? "ether" : undefined;
        const protocol = e.base === "network" ? network : e.base === "transport" ? transport : linkLayer;
        const fields = protocol ? FIELDS[protocol] : undefined;
        const offset = e.offset ?? 0, len = e.len ?? 0;
        const field = fields?.find(([o, l]) => offset === o && len <= l && len > 0);
        if (protocol && field) {
          if (e.base === "network" && family !== "ip" && family !== "ip6") useDependency("network");
          if (e.base === "transport") useDependency("transport");
          regs.set(e.dreg, {
            left: { payload: { protocol, field: field[2] } },
            type: field[3],
            fieldLen: field[1],
            len,
          });
        } else {
          const base = e.base === "network" ? "nh" : e.base === "transport" ? "th" : e.base === "ll" ? "ll" : e.base;
          regs.set(e.dreg, { left: { payload: { base, offset: offset * 8, len: len * 8 } }, type: "integer", len });
        }
        break;
      }
      case "meta": {
        if (e.dreg === undefined) {
          raw(e);
          break;
        }
        const key = String(e.key);
        const type: ValueType = key === "iifname" || key === "oifname"
          ? "ifname"
          : key === "l4proto"
          ? "inet_proto"
          : key === "nfproto"
          ? "nf_proto"
          : key === "mark"
          ? "mark"
          : key === "protocol"
          ? "ether_type"
          : "integer";
        regs.set(e.dreg, { left: { meta: { key } }, type });
        break;
      }
      case "ct": {
        if (e.dreg === undefined) {
          raw(e);
          break;
        }
        const key = String(e.key);
        const left: Record<string, unknown> = { key };
        if (e.direction !== undefined) left.dir = e.direction;
        regs.set(e.dreg, {
          left: { ct: left },
          type: key === "state" ? "ct_state" : key === "mark" ? "mark" : key === "helper" ? "string" : "integer",
        });
        break;
      }
      case "bitwise": {
        const loaded = e.sreg !== undefined ? regs.get(e.sreg) : undefined;
        const xor = e.xor?.value;
        if (!loaded || e.dreg === undefined || !e.mask?.value || (xor && xor.some((b) => b !== 0))) {
          raw(e);
          break;
        }
        regs.set(e.dreg, { ...loaded, mask: e.mask.value });
        break;
      }
      case "cmp": {
        const loaded = e.sreg !== undefined ? regs.get(e.sreg) : undefined;
        const value = e.data?.value;
        if (!loaded || !value) {
          raw(e);
          break;
        }
        const next = exprs[i + 1];
        if (
          e.op === "gte" && next?.kind === "cmp" && next.op === "lte" && next.sreg === e.sreg && next.data?.value
        ) {
          out.push({
            json: {
              match: {
                op: "==",
                left: loaded.left,
                right: { range: [valueOf(loaded.type, value), valueOf(loaded.type, next.data.value)] },
              },
            },
          });
          i++;
          break;
        }
        let op = OPS[String(e.op)] ?? String(e.op);
        let left = loaded.left;
        let right: unknown;
        if (loaded.type === "ct_state" && loaded.mask) {
          right = ctStateNames(leNumber(loaded.mask));
          op = "in";
        } else if (loaded.mask) {
          const bits = maskPrefix(loaded.mask);
          if (bits >= 0 && (loaded.type === "ipv4_addr" || loaded.type === "ipv6_addr")) {
            right = { prefix: { addr: valueOf(loaded.type, value), len: bits } };
          } else {
            left = { "&": [loaded.left, beNumber(loaded.mask)] };
            right = valueOf(loaded.type, value);
          }
        } else if (loaded.fieldLen !== undefined && loaded.len! < loaded.fieldLen) {
          const full = new Uint8Array(loaded.fieldLen);
          full.set(value);
          right = { prefix: { addr: valueOf(loaded.type, full), len: loaded.len! * 8 } };
        } else {
          right = valueOf(loaded.type, value);
        }
        const statement: Statement = { json: { match: { op, left, right } } };
        if (op === "==") {
          const left = loaded.left as { meta?: { key: string }; payload?: { protocol?: string; field?: string } };
          if (left.meta?.key === "nfproto") {
            statement.dependency = "network";
            network = value[0] === 2 ? "ip" : value[0] === 10 ? "ip6" : undefined;
          } else if (
            left.meta?.key === "protocol" || (left.payload?.protocol === "ether" && left.payload.field === "type")
          ) {
            // bridge and netdev tables: the ethertype says which network header follows.
            const type = ETHER_TYPES[beNumber(value)];
            if (type === "ip" || type === "ip6") {
              statement.dependency = "network";
              network = type;
            }
          } else if (
            left.meta?.key === "l4proto" ||
            (left.payload?.protocol === "ip" && left.payload.field === "protocol") ||
            (left.payload?.protocol === "ip6" && left.payload.field === "nexthdr")
          ) {
            statement.dependency = "transport";
            const name = L4_NAMES[value[0]];
            transport = name === "ipv6-icmp" ? "icmpv6" : name;
          }
        }
        out.push(statement);
        break;
      }
      case "range": {
        const loaded = e.sreg !== undefined ? regs.get(e.sreg) : undefined;
        if (!loaded || !e.fromData?.value || !e.toData?.value) {
          raw(e);
          break;
        }
        out.push({
          json: {
            match: {
              op: e.op === "neq" ? "!=" : "==",
              left: loaded.left,
              right: { range: [valueOf(loaded.type, e.fromData.value), valueOf(loaded.type, e.toData.value)] },
            },
          },
        });
        break;
      }
      case "lookup": {
        const loaded = e.sreg !== undefined ? regs.get(e.sreg) : undefined;
        const set = e.set !== undefined ? sets.get(e.set) : undefined;
        if (!loaded || !set) {
          raw(e);
          break;
        }
        const anonymous = set.flags.includes("anonymous");
        const target = anonymous ? { set: elementsJson(set, set.elements) } : `@${set.name}`;
        if (e.dreg === 0) {
          out.push({ json: { vmap: { key: loaded.left, data: target } } });
        } else if (e.dreg !== undefined) {
          regs.set(e.dreg, { left: { map: { key: loaded.left, data: target } }, type: datatypeOf(set.dataType) });
        } else {
          const inv = (e.flags ?? []).includes("inv");
          out.push({ json: { match: { op: inv ? "!=" : "==", left: loaded.left, right: target } } });
        }
        break;
      }
      case "immediate": {
        if (e.dreg === 0 && e.data?.verdict) out.push({ json: verdictJson(e.data.verdict) });
        else if (e.dreg !== undefined && e.data?.value) {
          regs.set(e.dreg, { left: null, type: "integer", constant: e.data.value });
        } else raw(e);
        break;
      }
      case "counter":
        out.push({ json: { counter: { packets: Number(e.packets ?? 0n), bytes: Number(e.bytes ?? 0n) } } });
        break;
      case "objref":
        if (e.immName !== undefined && typeof e.immType === "string") out.push({ json: { [e.immType]: e.immName } });
        else raw(e);
        break;
      case "log": {
        const log: Record<string, unknown> = {};
        if (e.prefix !== undefined) log.prefix = e.prefix;
        if (e.group !== undefined) log.group = e.group;
        if (e.snaplen !== undefined) log.snaplen = e.snaplen;
        if (e.qthreshold !== undefined) log["queue-threshold"] = e.qthreshold;
        if (e.level !== undefined && e.level !== "warn") log.level = e.level;
        if (e.flags?.length) log.flags = e.flags.length === 5 ? "all" : e.flags;
        out.push({ json: { log: Object.keys(log).length ? log : null } });
        break;
      }
      case "limit": {
        const per = LIMIT_UNITS[e.unit ?? 1] ?? e.unit;
        const limit: Record<string, unknown> = {};
        if (e.type === "bytes") {
          const [rate, unit] = byteUnit(e.rate ?? 0);
          const [burst, burstUnit] = byteUnit(e.burst ?? 0);
          Object.assign(limit, { rate, rate_unit: unit, burst, burst_unit: burstUnit, per });
        } else {
          Object.assign(limit, { rate: e.rate ?? 0, burst: e.burst ?? 0, per });
        }
        if ((e.flags ?? []).includes("inv")) limit.inv = true;
        out.push({ json: { limit } });
        break;
      }
      case "quota": {
        const [val, unit] = byteUnit(Number(e.bytes ?? 0n));
        const quota: Record<string, unknown> = { val, val_unit: unit };
        if (e.consumed) {
          const [used, usedUnit] = byteUnit(Number(e.consumed));
          Object.assign(quota, { used, used_unit: usedUnit });
        }
        if ((e.flags ?? []).includes("inv")) quota.inv = true;
        out.push({ json: { quota } });
        break;
      }
      case "reject": {
        const type = String(e.type);
        if (type === "tcp reset") {
          // nft's check for tcp, implied by the reset, shows in inet tables only.
          if (family !== "inet" && out.at(-1)?.dependency === "transport") useDependency("transport");
          out.push({ json: { reject: { type } } });
        } else {
          if (type === "icmp" && family === "inet") useDependency("network");
          const rejectType = type === "icmp" && (family === "ip6" || network === "ip6") ? "icmpv6" : type;
          const code = REJECT_CODES[rejectType]?.[e.icmpCode ?? 0] ?? e.icmpCode;
          out.push({ json: { reject: { type: rejectType, expr: code } } });
        }
        break;
      }
      case "masq":
      case "redir": {
        const name = e.kind === "masq" ? "masquerade" : "redirect";
        const body: Record<string, unknown> = {};
        const port = portOf(e.regProtoMin, e.regProtoMax);
        if (port !== undefined) body.port = port;
        const flags = (e.flags ?? []).filter((f) => f !== "proto-specified");
        if (flags.length) body.flags = flags.length === 1 ? flags[0] : flags;
        out.push({ json: { [name]: Object.keys(body).length ? body : null } });
        break;
      }
      case "nat": {
        const body: Record<string, unknown> = {};
        if (family === "inet") body.family = e.family === 10 ? "ip6" : "ip";
        const addrOf = (reg: number | undefined) => {
          const b = reg !== undefined ? regs.get(reg)?.constant : undefined;
          return b ? (b.length === 16 ? ipv6(b) : ipv4(b)) : undefined;
        };
        const low = addrOf(e.regAddrMin), high = addrOf(e.regAddrMax);
        if (low !== undefined) body.addr = high !== undefined && high !== low ? { range: [low, high] } : low;
        const port = portOf(e.regProtoMin, e.regProtoMax);
        if (port !== undefined) body.port = port;
        const flags = (e.flags ?? []).filter((f) => f !== "proto-specified" && f !== "map-ips");
        if (flags.length) body.flags = flags.length === 1 ? flags[0] : flags;
        out.push({ json: { [String(e.type)]: body } });
        break;
      }
      case "flow_offload":
        out.push({ json: { flow: { op: "add", flowtable: `@${e.tableName}` } } });
        break;
      case "raw":
        if (e.name === "notrack" && e.attributes.length === 0) out.push({ json: { notrack: null } });
        else raw(e);
        break;
      default:
        raw(e);
    }
    // A statement other than a match ends nft's dependency context: protocol checks before it stay.
    for (let j = before; j < out.length; j++) {
      if (!("match" in out[j].json)) { for (let k = 0; k < j; k++) out[k].dependency = undefined; }
    }
  }
  return out.map((s) => s.json);
}

// ---------------------------------------------------------------------------
// Objects of the ruleset
// ---------------------------------------------------------------------------

function tableJson(t: NftTable): NftJsonEntry {
  const table: Record<string, unknown> = { family: t.family, name: t.name, handle: t.handle };
  const flags = t.flags.filter((f) => f !== "owner" && f !== "persist");
  if (flags.length) table.flags = flags;
  return { table };
}

function chainJson(c: NftChain): NftJsonEntry {
  const chain: Record<string, unknown> = { family: c.family, table: c.table, name: c.name, handle: c.handle };
  if (c.hook !== undefined) {
    Object.assign(chain, { type: c.type, hook: c.hook, prio: c.priority, policy: c.policy ?? "accept" });
  }
  return { chain };
}

function setJson(s: NftSet & { elements: NftSetElement[] }): NftJsonEntry {
  const isMap = s.flags.includes("map");
  const set: Record<string, unknown> = {
    family: s.family,
    name: s.name,
    table: s.table,
    type: DATATYPES[s.keyType] ?? s.keyType,
    handle: s.handle,
  };
  if (isMap) set.map = s.dataType === VERDICT_TYPE ? "verdict" : DATATYPES[s.dataType ?? 0] ?? s.dataType;
  if (s.policy !== undefined && s.policy !== "performance") set.policy = s.policy;
  const flags = s.flags.filter((f) => ["constant", "interval", "timeout", "dynamic"].includes(String(f)));
  if (flags.length) set.flags = flags;
  if (s.timeout !== undefined) set.timeout = s.timeout / 1000;
  if (s.gcInterval !== undefined) set["gc-interval"] = s.gcInterval / 1000;
  if (s.size !== undefined && !s.flags.includes("constant")) set.size = s.size;
  if (s.comment !== undefined) set.comment = s.comment;
  if (s.elements.length) set.elem = elementsJson(s, s.elements);
  return { [isMap ? "map" : "set"]: set };
}

/** `ct timeout` defaults nft leaves out (libnftnl's tables), by protocol and state. */
const TIMEOUT_DEFAULTS: { readonly [l4: string]: { readonly [state: string]: number } } = {
  tcp: {
    synSent: 120,
    synRecv: 60,
    established: 432000,
    finWait: 120,
    closeWait: 60,
    lastAck: 30,
    timeWait: 120,
    close: 10,
    synSent2: 120,
    retrans: 300,
    unack: 300,
  },
  udp: { unreplied: 30, replied: 120 },
};

function objectJson(o: NftObject): NftJsonEntry {
  const head = { family: o.family, name: o.name, table: o.table, handle: o.handle };
  const d = o.data as Record<string, unknown>;
  const inv = ((d.flags as string[] | undefined) ?? []).includes("inv");
  switch (o.type) {
    case "counter":
      return { counter: { ...head, packets: Number(d.packets ?? 0n), bytes: Number(d.bytes ?? 0n) } };
    case "quota":
      return {
        quota: { ...head, bytes: Number(d.bytes ?? 0n), used: Number(d.consumed ?? 0n), ...(inv ? { inv } : {}) },
      };
    case "limit": {
      const limit: Record<string, unknown> = { ...head, rate: d.rate, per: LIMIT_UNITS[d.unit as number] ?? d.unit };
      if (d.type === "bytes") {
        const [rate, unit] = byteUnit(d.rate as number);
        const [burst, burstUnit] = byteUnit((d.burst as number | undefined) ?? 0);
        Object.assign(limit, { rate, rate_unit: unit, burst, burst_unit: burstUnit });
      } else {
        limit.burst = d.burst ?? 0;
      }
      if (inv) limit.inv = true;
      return { limit };
    }
    case "ct helper":
      return { "ct helper": { ...head, type: d.helper, protocol: d.l4proto, l3proto: d.l3proto } };
    case "ct timeout": {
      const policy: Record<string, number> = {};
      const defaults = TIMEOUT_DEFAULTS[d.l4proto as string] ?? {};
      for (const [state, seconds] of Object.entries((d.policy ?? {}) as Record<string, number>)) {
        if (defaults[state] !== seconds) policy[state.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())] = seconds;
      }
      const shown = Object.keys(policy).length ? policy : null;
      return { "ct timeout": { ...head, protocol: d.l4proto, l3proto: d.l3proto, policy: shown } };
    }
    case "ct expectation":
      return {
        "ct expectation": {
          ...head,
          protocol: d.l4proto,
          dport: d.dport,
          timeout: d.timeout,
          size: d.size,
          l3proto: d.l3proto,
        },
      };
    case "synproxy": {
      const set = (d.flags as string[] | undefined) ?? [];
      const flags = ["timestamp", "sack-perm", "ecn"].filter((f) => set.includes(f)); // in nft's order
      return { synproxy: { ...head, mss: d.mss, wscale: d.wscale, ...(flags.length ? { flags } : {}) } };
    }
  }
  return { [String(o.type)]: { ...head, nlts: d } };
}

function flowtableJson(f: NftFlowtable): NftJsonEntry {
  return {
    flowtable: {
      family: f.family,
      name: f.name,
      table: f.table,
      handle: f.handle,
      hook: f.hook,
      prio: f.priority,
      dev: f.devices.length === 1 ? f.devices[0] : f.devices,
    },
  };
}

function ruleJson(r: NftRule, sets: Map<string, NftSet & { elements: NftSetElement[] }>): NftJsonEntry {
  const rule: Record<string, unknown> = { family: r.family, table: r.table, chain: r.chain, handle: r.handle };
  if (r.comment !== undefined) rule.comment = r.comment;
  rule.expr = ruleExpressions(r, sets);
  return { rule };
}

/** What of the ruleset to print: a table, a chain, a set or map (by name), or everything. */
export interface NftSelection {
  /** Only this family. */
  family?: string;
  /** Only this table. */
  table?: string;
  /** Only this chain (of `table`), without its table's other contents. */
  chain?: string;
  /** Only this set or map (of `table`). */
  set?: string;
}

/**
 * The ruleset (or a part of it) as `nft -j list …` prints it: its
 * `nftables` array without the `metainfo` entry.
 *
 * @example
 * ```ts
 * import { Nftables } from "@nlts/netlink/nftables";
 * import { nftJson } from "./nftjson.ts";
 * await using nft = await Nftables.open();
 * console.log(JSON.stringify({ nftables: nftJson(await nft.ruleset()) }));
 * ```
 */
export function nftJson(rs: NftRuleset, selection: NftSelection = {}): NftJsonEntry[] {
  const out: NftJsonEntry[] = [];
  for (const table of rs.tables) {
    if (selection.family !== undefined && table.family !== selection.family) continue;
    if (selection.table !== undefined && table.name !== selection.table) continue;
    const mine = <T extends { family: unknown; table: string }>(o: T) =>
      o.family === table.family && o.table === table.name;
    const sets = new Map(rs.sets.filter(mine).map((s) => [s.name, s]));
    if (selection.set !== undefined) {
      const set = sets.get(selection.set);
      if (set && !set.flags.includes("anonymous")) out.push(setJson(set));
      continue;
    }
    const chains = rs.chains.filter(mine);
    if (selection.chain !== undefined) {
      const chain = chains.find((c) => c.name === selection.chain);
      if (!chain) continue;
      out.push(chainJson(chain));
      for (const r of rs.rules) if (mine(r) && r.chain === chain.name) out.push(ruleJson(r, sets));
      continue;
    }
    out.push(tableJson(table));
    for (const o of rs.objects.filter(mine)) out.push(objectJson(o));
    for (const s of sets.values()) if (!s.flags.includes("anonymous")) out.push(setJson(s));
    for (const f of rs.flowtables.filter(mine)) out.push(flowtableJson(f));
    for (const c of chains) out.push(chainJson(c));
    for (const c of chains) for (const r of rs.rules) if (mine(r) && r.chain === c.name) out.push(ruleJson(r, sets));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

function valueText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v !== "object") return typeof v === "string" && /[\s"]/.test(v) ? JSON.stringify(v) : String(v);
  if (Array.isArray(v)) return v.map(valueText).join(",");
  const o = v as Record<string, any>;
  if (o.prefix) return `${o.prefix.addr}/${o.prefix.len}`;
  if (o.range) return `${valueText(o.range[0])}-${valueText(o.range[1])}`;
  if (o.set) {
    return `{ ${
      o.set.map((e: unknown) => Array.isArray(e) ? `${valueText(e[0])} : ${valueText(e[1])}` : valueText(e)).join(", ")
    } }`;
  }
  if (o.elem) return valueText(o.elem.val) + (o.elem.comment ? ` comment ${JSON.stringify(o.elem.comment)}` : "");
  if (o.payload) {
    return o.payload.protocol
      ? `${o.payload.protocol} ${o.payload.field}`
      : `@${o.payload.base},${o.payload.offset},${o.payload.len}`;
  }
  if (o.meta) return `meta ${o.meta.key}`;
  if (o.ct) return `ct ${o.ct.dir ? o.ct.dir + " " : ""}${o.ct.key}`;
  if (o.jump) return `jump ${o.jump.target}`;
  if (o.goto) return `goto ${o.goto.target}`;
  const keys = Object.keys(o);
  if (keys.length === 1 && o[keys[0]] === null) return keys[0];
  return JSON.stringify(o);
}

function statementText(s: Record<string, any>): string {
  const [kind, body] = Object.entries(s)[0];
  switch (kind) {
    case "match": {
      const left = valueText(body.left);
      const op = body.op === "==" || body.op === "in" ? "" : `${body.op} `;
      return `${left.startsWith("meta iifname") || left.startsWith("meta oifname") ? left.slice(5) : left} ${op}${
        valueText(body.right)
      }`;
    }
    case "vmap":
      return `${valueText(body.key)} vmap ${valueText(body.data)}`;
    case "counter":
      return typeof body === "string"
        ? `counter name ${JSON.stringify(body)}`
        : `counter packets ${body.packets} bytes ${body.bytes}`;
    case "log":
      return ["log", ...Object.entries(body ?? {}).map(([k, v]) => `${k} ${k === "prefix" ? JSON.stringify(v) : v}`)]
        .join(" ");
    case "reject":
      return body.type === "tcp reset" ? "reject with tcp reset" : `reject with ${body.type} ${body.expr}`;
    case "snat":
    case "dnat":
      return `${kind}${body.family ? ` ${body.family}` : ""} to ${body.addr}${
        body.port !== undefined ? `:${body.port}` : ""
      }`;
    case "limit":
      return `limit rate ${body.inv ? "over " : ""}${body.rate}${
        body.rate_unit ? ` ${body.rate_unit}` : ""
      }/${body.per}${body.burst ? ` burst ${body.burst} ${body.burst_unit ?? "packets"}` : ""}`;
    case "flow":
      return `flow add ${body.flowtable}`;
    case "masquerade":
    case "redirect":
      if (body === null) return kind;
      return [
        kind,
        ...(body.port !== undefined ? [`to :${valueText(body.port)}`] : []),
        ...(body.flags !== undefined ? [valueText(body.flags)] : []),
      ].join(" ");
    case "quota":
      if (typeof body === "string") return `quota name ${JSON.stringify(body)}`;
      return `quota ${body.inv ? "over " : ""}${body.val} ${body.val_unit}${
        body.used ? ` used ${body.used} ${body.used_unit}` : ""
      }`;
    case "ct helper":
    case "ct timeout":
    case "ct expectation":
      return `${kind} set ${JSON.stringify(body)}`;
  }
  if (body === null) return kind;
  if (typeof body === "string") return `${kind} name ${JSON.stringify(body)}`;
  return valueText(s);
}

/**
 * The JSON entries of {@link nftJson} as nft-like text: each table a block
 * with its sets, objects and chains, a rule a line (with `# handle N`).
 *
 * @example
 * ```ts
 * import { nftText } from "./nftjson.ts";
 * console.log(nftText([{ table: { family: "inet", name: "filter", handle: 1 } }]));
 * ```
 */
export function nftText(entries: NftJsonEntry[]): string {
  const lines: string[] = [];
  let open: string | undefined;
  const close = () => {
    if (open !== undefined) lines.push("}");
    open = undefined;
  };
  const chainsOpen = new Map<string, string[]>();
  const flushChains = () => {
    for (const [, body] of chainsOpen) lines.push(...body, "\t}");
    chainsOpen.clear();
  };
  const tableOf = (o: Record<string, any>) => `${o.family} ${o.table ?? o.name}`;
  const ensure = (o: Record<string, any>) => {
    const key = tableOf(o);
    if (open === key) return;
    flushChains();
    close();
    lines.push(`table ${key} {`);
    open = key;
  };
  for (const entry of entries) {
    const [kind, o] = Object.entries(entry)[0] as [string, Record<string, any>];
    if (kind === "table") {
      ensure(o);
      continue;
    }
    ensure(o);
    if (kind === "chain") {
      const body = [`\tchain ${o.name} { # handle ${o.handle}`];
      if (o.hook) body.push(`\t\ttype ${o.type} hook ${o.hook} priority ${o.prio}; policy ${o.policy};`);
      chainsOpen.set(o.name, body);
    } else if (kind === "rule") {
      const text = (o.expr as Record<string, any>[]).map(statementText).join(" ");
      const line = `\t\t${text}${
        o.comment !== undefined ? ` comment ${JSON.stringify(o.comment)}` : ""
      } # handle ${o.handle}`;
      const body = chainsOpen.get(o.chain);
      if (body) body.push(line);
      else chainsOpen.set(o.chain, [`\tchain ${o.chain} {`, line]);
    } else if (kind === "set" || kind === "map") {
      lines.push(`\t${kind} ${o.name} { # handle ${o.handle}`);
      lines.push(`\t\ttype ${o.type}${o.map ? ` : ${o.map}` : ""}`);
      if (o.flags) lines.push(`\t\tflags ${o.flags.join(",")}`);
      if (o.timeout !== undefined) lines.push(`\t\ttimeout ${o.timeout}s`);
      if (o.elem) {
        const elems = (o.elem as unknown[]).map((e) =>
          Array.isArray(e) ? `${valueText(e[0])} : ${valueText(e[1])}` : valueText(e)
        );
        lines.push(`\t\telements = { ${elems.join(", ")} }`);
      }
      lines.push("\t}");
    } else {
      const { family: _f, name, table: _t, handle, ...rest } = o;
      const details = Object.entries(rest).map(([k, v]) => `${k} ${valueText(v)}`).join("; ");
      lines.push(`\t${kind} ${name} { ${details} } # handle ${handle}`);
    }
  }
  flushChains();
  close();
  return lines.join("\n");
}
