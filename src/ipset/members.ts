/**
 * Elements of a set, both ways: the text `ipset` reads and prints
 * (`10.0.0.1,tcp:80`, `10.0.0.0/8,physdev:eth1`, `icmp:echo-request`) and
 * the element attributes (`IPSET_ATTR_IP`, `_CIDR`, `_PORT`, `_PROTO`,
 * `_IFACE`, `_NAME`…) of each set type this library knows.
 *
 * @module
 */
import { AddressError, ip as formatIp, parseIP } from "../wire/values.ts";

/** The set types whose elements this library reads from text and writes. */
export type KnownIpsetType = "hash:ip" | "hash:net" | "hash:ip,port" | "hash:net,iface" | "bitmap:port" | "list:set";

/** The set types {@link KnownIpsetType} lists, in order. @example `IPSET_TYPES.includes("hash:ip") // true` */
export const IPSET_TYPES: readonly KnownIpsetType[] = [
  "hash:ip",
  "hash:net",
  "hash:ip,port",
  "hash:net,iface",
  "bitmap:port",
  "list:set",
];

/**
 * One element, by its parts. Which parts a set takes depends on its type:
 * `ip` (hash:ip), `ip` and `cidr` (hash:net), `ip`, `proto` and `port`
 * (hash:ip,port; ICMP type and code as `port` = type × 256 + code),
 * `ip`, `cidr`, `iface` and `physdev` (hash:net,iface), `port`
 * (bitmap:port), `name` (list:set).
 */
export interface IpsetEntry {
  /** An IPv4 or IPv6 address (of the set's family). */
  ip?: string;
  /** Prefix length of a network (hash:net, hash:net,iface); the host length when left out. */
  cidr?: number;
  /** Port (hash:ip,port, bitmap:port); for ICMP, type × 256 + code. */
  port?: number;
  /** Protocol of the port: a name (`tcp`, `udp`, `sctp`, `udplite`, `icmp`, `icmpv6` or `ipv6-icmp`) or a number; `tcp` when left out. */
  proto?: string | number;
  /** Interface name (hash:net,iface). */
  iface?: string;
  /** `iface` is the bridge port the packet came in or goes out by (`physdev:` in ipset's words). */
  physdev?: boolean;
  /** A set's name (list:set). */
  name?: string;
}

/** Protocol numbers by the names ipset reads (the last name of a number is the one it prints). */
const PROTO_NUMBERS: { readonly [name: string]: number } = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  "ipv6-icmp": 58, // the name ipset prints (from /etc/protocols)
  sctp: 132,
  udplite: 136,
};
const PROTO_NAMES = new Map(Object.entries(PROTO_NUMBERS).map(([k, v]) => [v, k]));

/** ICMP type/code names as `ipset` reads and prints them (the first name of a pair is the printed one). */
const ICMP: readonly (readonly [string, number, number])[] = [
  ["echo-reply", 0, 0],
  ["pong", 0, 0],
  ["network-unreachable", 3, 0],
  ["host-unreachable", 3, 1],
  ["protocol-unreachable", 3, 2],
  ["port-unreachable", 3, 3],
  ["fragmentation-needed", 3, 4],
  ["source-route-failed", 3, 5],
  ["network-unknown", 3, 6],
  ["host-unknown", 3, 7],
  ["network-prohibited", 3, 9],
  ["host-prohibited", 3, 10],
  ["TOS-network-unreachable", 3, 11],
  ["TOS-host-unreachable", 3, 12],
  ["communication-prohibited", 3, 13],
  ["host-precedence-violation", 3, 14],
  ["precedence-cutoff", 3, 15],
  ["source-quench", 4, 0],
  ["network-redirect", 5, 0],
  ["host-redirect", 5, 1],
  ["TOS-network-redirect", 5, 2],
  ["TOS-host-redirect", 5, 3],
  ["echo-request", 8, 0],
  ["ping", 8, 0],
  ["router-advertisement", 9, 0],
  ["router-solicitation", 10, 0],
  ["ttl-zero-during-transit", 11, 0],
  ["ttl-zero-during-reassembly", 11, 1],
  ["ip-header-bad", 12, 0],
  ["required-option-missing", 12, 1],
  ["timestamp-request", 13, 0],
  ["timestamp-reply", 14, 0],
  ["address-mask-request", 17, 0],
  ["address-mask-reply", 18, 0],
];
const ICMPV6: readonly (readonly [string, number, number])[] = [
  ["no-route", 1, 0],
  ["communication-prohibited", 1, 1],
  ["address-unreachable", 1, 3],
  ["port-unreachable", 1, 4],
  ["packet-too-big", 2, 0],
  ["ttl-zero-during-transit", 3, 0],
  ["ttl-zero-during-reassembly", 3, 1],
  ["bad-header", 4, 0],
  ["unknown-header-type", 4, 1],
  ["unknown-option", 4, 2],
  ["echo-request", 128, 0],
  ["ping", 128, 0],
  ["echo-reply", 129, 0],
  ["pong", 129, 0],
  ["router-solicitation", 133, 0],
  ["router-advertisement", 134, 0],
  ["neighbour-solicitation", 135, 0],
  ["neigbour-solicitation", 135, 0],
  ["neighbour-advertisement", 136, 0],
  ["neigbour-advertisement", 136, 0],
  ["redirect", 137, 0],
];

/**
 * A protocol's number from a name (`tcp`) or number; throws a TypeError for
 * an unknown name or a number outside 0–255.
 *
 * @example
 * ```ts
 * import { protoNumber } from "@nlts/netlink/ipset";
 * protoNumber("udp"); // 17
 * ```
 */
export function protoNumber(proto: string | number): number {
  if (typeof proto === "number") {
    if (!Number.isInteger(proto) || proto < 0 || proto > 255) throw new TypeError(`protocol ${proto} is not 0-255`);
    return proto;
  }
  const n = PROTO_NUMBERS[proto.toLowerCase()];
  if (n !== undefined) return n;
  if (/^\d+$/.test(proto)) return protoNumber(Number(proto));
  throw new TypeError(
    `unsupported protocol ${JSON.stringify(proto)} (known: ${Object.keys(PROTO_NUMBERS).join(", ")})`,
  );
}

/**
 * A protocol's name as `ipset` prints it (`tcp`), or its number.
 *
 * @example
 * ```ts
 * import { protoName } from "@nlts/netlink/ipset";
 * protoName(58); // "ipv6-icmp"
 * ```
 */
export function protoName(proto: number): string | number {
  return PROTO_NAMES.get(proto) ?? proto;
}

/** `proto:port` as ipset prints it (ICMP as its type name, or `type/code`). */
function protoPortText(proto: number, port: number): string {
  const table = proto === 1 ? ICMP : proto === 58 ? ICMPV6 : undefined;
  if (table) {
    const type = port >> 8, code = port & 0xff;
    const named = table.find(([, t, c]) => t === type && c === code);
    return `${protoName(proto)}:${named ? named[0] : `${type}/${code}`}`;
  }
  return `${protoName(proto)}:${port}`;
}

function checkPort(port: unknown, what = "port"): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new TypeError(`${what} must be an integer 0-65535, not ${JSON.stringify(port)}`);
  }
  return port;
}

/** Reads `[proto:]port` (ICMP by name or `type/code`). */
function parseProtoPort(text: string): { proto: number; port: number } {
  const colon = text.indexOf(":");
  const proto = colon < 0 ? 6 : protoNumber(text.slice(0, colon));
  const rest = colon < 0 ? text : text.slice(colon + 1);
  if (proto === 1 || proto === 58) {
    const named = (proto === 1 ? ICMP : ICMPV6).find(([n]) => n.toLowerCase() === rest.toLowerCase());
    if (named) return { proto, port: (named[1] << 8) | named[2] };
    const m = /^(\d+)\/(\d+)$/.exec(rest);
    if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) {
      throw new TypeError(`cannot parse ${JSON.stringify(rest)} as an ${protoName(proto)} type/code`);
    }
    return { proto, port: (Number(m[1]) << 8) | Number(m[2]) };
  }
  if (!/^\d+$/.test(rest)) throw new TypeError(`${JSON.stringify(rest)} is not a port number`);
  return { proto, port: checkPort(Number(rest)) };
}

/** Family of a set as the length of its addresses. */
function addrLength(family: string): 4 | 16 {
  return family === "inet6" ? 16 : 4;
}

/** Reads an address of the set's family, with an optional `/cidr`. */
function parseAddr(text: string, family: string, allowCidr: boolean): { ip: string; cidr?: number } {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIP(addr);
  checkFamily(bytes.length, family, addr);
  if (slash < 0) return { ip: formatIp(bytes) };
  if (!allowCidr) throw new TypeError(`${JSON.stringify(text)}: this set type takes an address, not a network`);
  const cidrText = text.slice(slash + 1);
  if (!/^\d+$/.test(cidrText)) throw new AddressError(`${JSON.stringify(cidrText)} is not a prefix length`);
  return { ip: formatIp(bytes), cidr: checkCidr(Number(cidrText), bytes.length) };
}

function checkFamily(length: number, family: string, text: string): void {
  if (length !== addrLength(family)) {
    throw new TypeError(
      `${text} is an IPv${length === 4 ? 4 : 6} address, but the set is of family ${family}`,
    );
  }
}

function checkCidr(cidr: unknown, length: number): number {
  if (typeof cidr !== "number" || !Number.isInteger(cidr) || cidr < 1 || cidr > length * 8) {
    throw new TypeError(`prefix length must be 1-${length * 8}, not ${JSON.stringify(cidr)}`);
  }
  return cidr;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== "string" || name.length === 0 || new TextEncoder().encode(name).length > 31) {
    throw new TypeError(`${what} must be a name of 1-31 bytes, not ${JSON.stringify(name)}`);
  }
  return name;
}

function checkIface(iface: unknown): string {
  if (typeof iface !== "string" || iface.length === 0 || new TextEncoder().encode(iface).length > 15) {
    throw new TypeError(`interface must be a name of 1-15 bytes, not ${JSON.stringify(iface)}`);
  }
  return iface;
}

/**
 * Reads an element written as `ipset` takes it for a set of `type` and
 * `family`: `10.0.0.1` (hash:ip), `10.0.0.0/8` (hash:net),
 * `10.0.0.1,udp:53` or `10.0.0.1,80` (hash:ip,port, tcp by default;
 * `icmp:ping`), `10.0.0.0/8,eth0` or `…,physdev:eth0` (hash:net,iface),
 * `1500` (bitmap:port), `other-set` (list:set). Wrong text, a port out of
 * range or an address of the other family is a TypeError (or
 * `AddressError`) before anything is sent.
 *
 * @example
 * ```ts
 * import { parseEntry } from "@nlts/netlink/ipset";
 * parseEntry("hash:ip,port", "inet", "10.0.0.1,udp:53"); // { ip: "10.0.0.1", proto: "udp", port: 53 }
 * ```
 */
export function parseEntry(type: string, family: string, text: string): IpsetEntry {
  if (typeof text !== "string" || text.length === 0) throw new TypeError("an element is a non-empty text");
  switch (type) {
    case "hash:ip":
      return { ip: parseAddr(text, family, false).ip };
    case "hash:net":
      return parseAddr(text, family, true);
    case "hash:ip,port": {
      const comma = text.indexOf(",");
      if (comma < 0) throw new TypeError(`${JSON.stringify(text)}: expected IP,[PROTO:]PORT`);
      const { ip } = parseAddr(text.slice(0, comma), family, false);
      const { proto, port } = parseProtoPort(text.slice(comma + 1));
      return { ip, proto: protoName(proto), port };
    }
    case "hash:net,iface": {
      const comma = text.indexOf(",");
      if (comma < 0) throw new TypeError(`${JSON.stringify(text)}: expected IP[/CIDR],[physdev:]IFACE`);
      const net = parseAddr(text.slice(0, comma), family, true);
      let iface = text.slice(comma + 1);
      const physdev = iface.startsWith("physdev:");
      if (physdev) iface = iface.slice("physdev:".length);
      return { ...net, iface: checkIface(iface), ...(physdev ? { physdev } : {}) };
    }
    case "bitmap:port": {
      const { port } = parseProtoPort(text);
      return { port };
    }
    case "list:set":
      return { name: checkName(text, "set name") };
  }
  throw new TypeError(`elements of ${type} sets cannot be written as text here (known: ${IPSET_TYPES.join(", ")})`);
}

/** The element attributes (`IPSET_ATTR_DATA` of ADD/DEL/TEST) an entry makes, checked against the set. */
export function entryData(type: string, family: string, entry: IpsetEntry): Record<string, unknown> {
  if (typeof entry !== "object" || entry === null) throw new TypeError("an element is a text or an object");
  const allowed: { [type: string]: readonly string[] } = {
    "hash:ip": ["ip"],
    "hash:net": ["ip", "cidr"],
    "hash:ip,port": ["ip", "port", "proto"],
    "hash:net,iface": ["ip", "cidr", "iface", "physdev"],
    "bitmap:port": ["port"],
    "list:set": ["name"],
  };
  const keys = allowed[type];
  if (!keys) throw new TypeError(`elements of ${type} sets are not supported (known: ${IPSET_TYPES.join(", ")})`);
  for (const key of Object.keys(entry)) {
    if ((entry as Record<string, unknown>)[key] !== undefined && !keys.includes(key)) {
      throw new TypeError(`a ${type} element has no ${key} (it takes ${keys.join(", ")})`);
    }
  }
  const data: Record<string, unknown> = {};
  if (keys.includes("ip")) {
    if (typeof entry.ip !== "string") throw new TypeError(`a ${type} element needs an ip`);
    const bytes = parseIP(entry.ip);
    checkFamily(bytes.length, family, entry.ip);
    data.ip = bytes.length === 4 ? { ipv4: entry.ip } : { ipv6: entry.ip };
    if (keys.includes("cidr")) {
      data.cidr = entry.cidr === undefined ? bytes.length * 8 : checkCidr(entry.cidr, bytes.length);
    }
  }
  if (keys.includes("port")) {
    data.port = checkPort(entry.port);
    if (keys.includes("proto")) data.proto = protoNumber(entry.proto ?? "tcp");
  }
  if (keys.includes("iface")) {
    data.iface = checkIface(entry.iface);
    if (entry.physdev !== undefined && typeof entry.physdev !== "boolean") {
      throw new TypeError("physdev is true or false");
    }
    if (entry.physdev) data.cadtFlags = ["physdev"];
  }
  if (keys.includes("name")) data.name = checkName(entry.name, "set name");
  return data;
}

/**
 * An element as `ipset list` prints it (`10.0.0.1,tcp:80`,
 * `10.0.0.0/8,physdev:eth1`, `fd00::/64`), from its decoded parts.
 *
 * @example
 * ```ts
 * import { formatEntry } from "@nlts/netlink/ipset";
 * formatEntry("hash:ip,port", { ip: "10.0.0.1", proto: "icmp", port: 0x0800 }); // "10.0.0.1,icmp:echo-request"
 * ```
 */
export function formatEntry(type: string, e: IpsetEntry & { ipTo?: string; portTo?: number }): string {
  const parts: string[] = [];
  if (e.ip !== undefined) {
    let ip = e.ip;
    const host = e.ip.includes(":") ? 128 : 32;
    if (e.cidr !== undefined && e.cidr !== host) ip += `/${e.cidr}`;
    else if (e.ipTo !== undefined) ip += `-${e.ipTo}`;
    parts.push(ip);
  }
  if (e.port !== undefined) {
    const proto = e.proto === undefined ? undefined : protoNumber(e.proto);
    let text = proto === undefined || type === "bitmap:port" ? String(e.port) : protoPortText(proto, e.port);
    if (e.portTo !== undefined) text += `-${e.portTo}`;
    parts.push(text);
  }
  if (e.iface !== undefined) parts.push(e.physdev ? `physdev:${e.iface}` : e.iface);
  if (e.name !== undefined) parts.push(e.name);
  return parts.join(",");
}
