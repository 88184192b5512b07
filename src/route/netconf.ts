/**
 * Per-device IP settings the kernel announces (`ip netconf`):
 * `RTM_NEWNETCONF` / `RTM_DELNETCONF` / `RTM_GETNETCONF` over
 * `struct netconfmsg`, from `linux/netconf.h`. Forwarding, reverse path
 * filter, multicast forwarding, proxy neighbour and the rest, per device and
 * for `all` and `default`, dumped or asked for one device, and as events when
 * they change (groups `ipv4_netconf`, `ipv6_netconf`).
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { type AttrSet, decodeAttrsAt, defineAttrSet, writeAttrs } from "../wire/schema.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { AF, ipFamilyNumber, RTM } from "./constants.ts";
import { withJsonIfNeeded } from "../wire/json.ts";

/** `struct netconfmsg` (one byte, the family), padded to 4 bytes as the kernel lays it out. */
const NETCONFMSG_SIZE = 4;

/** `NETCONFA_*` attribute numbers. */
export const NETCONFA = {
  IFINDEX: 1,
  FORWARDING: 2,
  RP_FILTER: 3,
  MC_FORWARDING: 4,
  PROXY_NEIGH: 5,
  IGNORE_ROUTES_WITH_LINKDOWN: 6,
  INPUT: 7,
  BC_FORWARDING: 8,
} as const;

/**
 * The `index` of the settings that are not one device's:
 * `NETCONFA_IFINDEX_ALL` (`net.ipv4.conf.all`) and `NETCONFA_IFINDEX_DEFAULT`
 * (`net.ipv4.conf.default`, what a new device starts with).
 */
export const NETCONF_INDEX = { ALL: -1, DEFAULT: -2 } as const;

const NETCONF_ATTRS = defineAttrSet({
  name: "netconf",
  prefix: "NETCONFA_",
  attributes: {
    index: { id: NETCONFA.IFINDEX, type: "s32", cname: "NETCONFA_IFINDEX" },
    forwarding: { id: NETCONFA.FORWARDING, type: "s32" },
    rpFilter: { id: NETCONFA.RP_FILTER, type: "s32" },
    mcForwarding: { id: NETCONFA.MC_FORWARDING, type: "s32" },
    proxyNeigh: { id: NETCONFA.PROXY_NEIGH, type: "s32" },
    ignoreRoutesWithLinkdown: { id: NETCONFA.IGNORE_ROUTES_WITH_LINKDOWN, type: "s32" },
    input: { id: NETCONFA.INPUT, type: "s32" },
    bcForwarding: { id: NETCONFA.BC_FORWARDING, type: "s32" },
  },
});

/** The `NETCONFA_*` attributes. */
export const netconfAttrs: AttrSet = NETCONF_ATTRS;

/**
 * One device's settings of one family (or `all`'s, or `default`'s), as
 * numbers, as the sysctls under `/proc/sys/net/ipv{4,6}/conf/<dev>/` hold
 * them. A dump or {@link getNetconf} gives every setting the family has;
 * an event gives the one that changed.
 */
export interface Netconf {
  /** `"inet"`, `"inet6"`, `"mpls"`, or the family number as text. */
  family: string;
  /** Interface index; {@link NETCONF_INDEX} `ALL` (-1) or `DEFAULT` (-2) for those settings. */
  index: number;
  /** `forwarding` (0 or 1). */
  forwarding?: number;
  /** IPv4 `rp_filter`: 0 off, 1 strict, 2 loose. */
  rpFilter?: number;
  /** `mc_forwarding`: a multicast routing daemon forwards on it. */
  mcForwarding?: number;
  /** IPv4 `proxy_arp`, IPv6 `proxy_ndp`. */
  proxyNeigh?: number;
  /** `ignore_routes_with_linkdown`. */
  ignoreRoutesWithLinkdown?: number;
  /** MPLS `input`. */
  input?: number;
  /** IPv4 `bc_forwarding`. */
  bcForwarding?: number;
  /** Attributes this decoder does not know, kept raw. */
  unknown: Attr[];
}

function familyName(family: number): string {
  return family === AF.INET ? "inet" : family === AF.INET6 ? "inet6" : family === AF.MPLS ? "mpls" : String(family);
}

/**
 * Decodes an `RTM_NEWNETCONF` / `RTM_DELNETCONF` message. A payload shorter
 * than `struct netconfmsg`, a malformed attribute or a message without
 * `NETCONFA_IFINDEX` is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeNetconf } from "@nlts/netlink/route";
 * const payload = new Uint8Array([2, 0, 0, 0, 8, 0, 1, 0, 255, 255, 255, 255, 8, 0, 2, 0, 1, 0, 0, 0]);
 * decodeNetconf({ type: 80, flags: 0, seq: 0, pid: 0, payload }); // { family: "inet", index: -1, forwarding: 1, unknown: [] }
 * ```
 */
export function decodeNetconf(msg: NetlinkMessage): Netconf {
  const p = msg.payload;
  if (p.length < NETCONFMSG_SIZE) {
    throw new ParseError(`netconfmsg needs ${NETCONFMSG_SIZE} bytes, has ${p.length}`, 16);
  }
  const { index, unknown, ...settings } = decodeAttrsAt(
    NETCONF_ATTRS,
    p,
    NETCONFMSG_SIZE,
    p.length,
    16 + NETCONFMSG_SIZE,
  );
  if (index === undefined) throw new ParseError("netconf message without NETCONFA_IFINDEX", 16);
  return withJsonIfNeeded({ family: familyName(p[0]), index, ...settings, unknown: unknown ?? [] });
}

/** The two families whose settings the kernel here reports (MPLS's need its module). */
export type NetconfFamily = "inet" | "inet6";

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < -2 || index > 0x7fffffff || index === 0) {
    throw new TypeError(`netconf index must be an interface index, -1 (all) or -2 (default), got ${index}`);
  }
}

/**
 * The `RTM_GETNETCONF` dump request of {@link listNetconf}: both families,
 * or one.
 *
 * @example
 * ```ts
 * import { encodeNetconfDump } from "@nlts/netlink/route";
 * encodeNetconfDump("inet").length; // 20: the header and struct netconfmsg
 * ```
 */
export function encodeNetconfDump(family?: NetconfFamily): Uint8Array {
  const m = new MessageWriter(RTM.GETNETCONF, Flags.DUMP);
  m.struct(NETCONFMSG_SIZE).setUint8(0, ipFamilyNumber(family));
  return m.finish();
}

/**
 * What tells netconf entries apart: family and index (`watch("netconf")`'s keys).
 *
 * @example
 * ```ts
 * import { netconfKey } from "@nlts/netlink/route";
 * netconfKey({ family: "inet6", index: -1, unknown: [] }); // "inet6 -1"
 * ```
 */
export function netconfKey(c: Netconf): string {
  return `${c.family} ${c.index}`;
}

/**
 * The settings of `previous` with those `change` carries (an event's: the
 * kernel sends the setting that changed alone), or undefined where there is
 * no previous entry to complete.
 *
 * @example
 * ```ts
 * import { mergeNetconf } from "@nlts/netlink/route";
 * const all = { family: "inet", index: -1, forwarding: 0, rpFilter: 0, unknown: [] };
 * mergeNetconf(all, { family: "inet", index: -1, forwarding: 1, unknown: [] })?.forwarding; // 1
 * ```
 */
export function mergeNetconf(previous: Netconf | undefined, change: Netconf): Netconf | undefined {
  if (previous === undefined) return undefined;
  const { family: _family, index: _index, unknown, ...settings } = change;
  const merged = { ...previous, ...settings };
  if (unknown.length > 0) merged.unknown = unknown;
  return withJsonIfNeeded(merged);
}

/** Options of {@link listNetconf}. */
export interface NetconfFilter {
  /** Only this family (both by default). */
  family?: NetconfFamily;
  /** Cancels the dump. */
  signal?: AbortSignal;
}

/**
 * Dumps the settings of every device, and of `all` and `default`, per
 * family (`ip netconf show`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listNetconf, NETCONF_INDEX } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const c of listNetconf(sock, { family: "inet" })) {
 *   if (c.index === NETCONF_INDEX.ALL) console.log("IPv4 forwarding:", c.forwarding);
 * }
 * ```
 */
export async function* listNetconf(
  sock: NetlinkSocket,
  options: NetconfFilter = {},
): AsyncGenerator<Netconf, void, undefined> {
  for await (const msg of sock.dump(encodeNetconfDump(options.family), { signal: options.signal })) {
    if (msg.type === RTM.NEWNETCONF) yield decodeNetconf(msg);
  }
}

/**
 * The settings of one family on one device, or of `all` / `default`
 * ({@link NETCONF_INDEX}): `ip netconf show dev NAME`. A device that does
 * not exist rejects with a `NetlinkError` as the kernel answers: `ENODEV`
 * for IPv4, `EINVAL` for IPv6.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { getNetconf, NETCONF_INDEX } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * console.log((await getNetconf(sock, "inet6", NETCONF_INDEX.DEFAULT)).forwarding);
 * ```
 */
export async function getNetconf(
  sock: NetlinkSocket,
  family: NetconfFamily,
  index: number,
  options: { signal?: AbortSignal } = {},
): Promise<Netconf> {
  const af = ipFamilyNumber(family);
  if (af === AF.UNSPEC) throw new TypeError("a family is needed");
  checkIndex(index);
  const m = new MessageWriter(RTM.GETNETCONF);
  m.struct(NETCONFMSG_SIZE).setUint8(0, af);
  writeAttrs(m, NETCONF_ATTRS, { index });
  const replies = await sock.request(m.finish(), options);
  const reply = replies.find((r) => r.type === RTM.NEWNETCONF);
  if (!reply) throw new ParseError("RTM_GETNETCONF got no RTM_NEWNETCONF reply", 0);
  return decodeNetconf(reply);
}
