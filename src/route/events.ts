/**
 * The NETLINK_ROUTE event stream, typed: links, addresses, routes,
 * nexthops, neighbours, rules and namespace ids as they change, like
 * `ip monitor`. Each stream uses a socket of its own.
 *
 * @module
 */
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { NotificationStream } from "../socket/stream.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Overrun, ParseError } from "../wire/errors.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { RTM, rtmName, type RtnlGroupName, RTNLGRP } from "./constants.ts";
import { type Address, decodeAddress } from "./address.ts";
import { decodeLinkWith, type Link } from "./link.ts";
import { decodeNeighbour, type Neighbour } from "./neighbour.ts";
import { decodeNexthop, type Nexthop } from "./nexthop.ts";
import { decodeNsid, type NetnsId } from "./nsid.ts";
import { decodeNetconf, type Netconf } from "./netconf.ts";
import { decodeRoute, type Route } from "./route.ts";
import { decodeRule, type Rule } from "./rule.ts";
import { decodeClass, decodeFilter, decodeQdisc, type Filter, type Qdisc, type TcClass } from "../tc/tc.ts";
import { decodeChain, type TcChain } from "../tc/chain.ts";
import { withJson } from "../wire/json.ts";

/** `"new"` for `RTM_NEW*` (added or changed), `"del"` for `RTM_DEL*`. */
export type RouteEventAction = "new" | "del";

/**
 * One routing event. `kind` tells the object; `unknown` carries a message of
 * a type this module does not decode, or one that failed to decode
 * (`error`). Where events were lost, a stream yields an {@link Overrun}
 * instead (re-dump to resync).
 */
export type RouteEvent =
  | { kind: "link"; action: RouteEventAction; link: Link }
  | { kind: "address"; action: RouteEventAction; address: Address }
  | { kind: "route"; action: RouteEventAction; route: Route }
  | { kind: "nexthop"; action: RouteEventAction; nexthop: Nexthop }
  | { kind: "neighbour"; action: RouteEventAction; neighbour: Neighbour }
  | { kind: "rule"; action: RouteEventAction; rule: Rule }
  | { kind: "nsid"; action: RouteEventAction; nsid: NetnsId }
  | { kind: "netconf"; action: RouteEventAction; netconf: Netconf }
  | { kind: "qdisc"; action: RouteEventAction; qdisc: Qdisc }
  | { kind: "class"; action: RouteEventAction; class: TcClass }
  | { kind: "filter"; action: RouteEventAction; filter: Filter }
  | { kind: "chain"; action: RouteEventAction; chain: TcChain }
  | { kind: "unknown"; message: NetlinkMessage; error?: ParseError };

/** The kinds of {@link RouteEvent}. */
export type RouteEventKind = RouteEvent["kind"];

/**
 * Decodes one notification into a typed
 * event. A message that fails to decode becomes an `unknown` event carrying
 * the {@link ParseError}, so one bad message does not end a stream.
 *
 * @example
 * ```ts
 * import { decodeRouteEvent } from "@nlts/netlink/route";
 * const payload = new Uint8Array([0, 0, 0, 0, 8, 0, 1, 0, 3, 0, 0, 0]);
 * const event = decodeRouteEvent({ type: 88, flags: 0, seq: 0, pid: 0, payload, source: 0, group: 28 });
 * if (event.kind === "nsid") console.log(event.action, event.nsid.nsid); // "new" 3
 * ```
 */
export function decodeRouteEvent(msg: ReceivedMessage | NetlinkMessage): RouteEvent {
  return decodeRouteEventWith(msg, false);
}

/** {@link decodeRouteEvent}, links with `afSpec` when asked ({@link SubscribeOptions.afSpec}). */
function decodeRouteEventWith(msg: ReceivedMessage | NetlinkMessage, afSpec: boolean): RouteEvent {
  try {
    switch (msg.type) {
      case RTM.NEWLINK:
      case RTM.DELLINK:
        return { kind: "link", action: msg.type === RTM.NEWLINK ? "new" : "del", link: decodeLinkWith(msg, afSpec) };
      case RTM.NEWADDR:
      case RTM.DELADDR:
        return {
          kind: "address",
          action: msg.type === RTM.NEWADDR ? "new" : "del",
          address: decodeAddress(msg),
        };
      case RTM.NEWROUTE:
      case RTM.DELROUTE:
        return {
          kind: "route",
          action: msg.type === RTM.NEWROUTE ? "new" : "del",
          route: decodeRoute(msg),
        };
      case RTM.NEWNEXTHOP:
      case RTM.DELNEXTHOP:
        return { kind: "nexthop", action: msg.type === RTM.NEWNEXTHOP ? "new" : "del", nexthop: decodeNexthop(msg) };
      case RTM.NEWNEIGH:
      case RTM.DELNEIGH:
        return {
          kind: "neighbour",
          action: msg.type === RTM.NEWNEIGH ? "new" : "del",
          neighbour: decodeNeighbour(msg),
        };
      case RTM.NEWRULE:
      case RTM.DELRULE:
        return { kind: "rule", action: msg.type === RTM.NEWRULE ? "new" : "del", rule: decodeRule(msg) };
      case RTM.NEWNSID:
      case RTM.DELNSID:
        return { kind: "nsid", action: msg.type === RTM.NEWNSID ? "new" : "del", nsid: decodeNsid(msg) };
      case RTM.NEWNETCONF:
      case RTM.DELNETCONF:
        return {
          kind: "netconf",
          action: msg.type === RTM.NEWNETCONF ? "new" : "del",
          netconf: decodeNetconf(msg),
        };
      case RTM.NEWQDISC:
      case RTM.DELQDISC:
        return { kind: "qdisc", action: msg.type === RTM.NEWQDISC ? "new" : "del", qdisc: decodeQdisc(msg) };
      case RTM.NEWTCLASS:
      case RTM.DELTCLASS:
        return { kind: "class", action: msg.type === RTM.NEWTCLASS ? "new" : "del", class: decodeClass(msg) };
      case RTM.NEWTFILTER:
      case RTM.DELTFILTER:
        return { kind: "filter", action: msg.type === RTM.NEWTFILTER ? "new" : "del", filter: decodeFilter(msg) };
      case RTM.NEWCHAIN:
      case RTM.DELCHAIN:
        return { kind: "chain", action: msg.type === RTM.NEWCHAIN ? "new" : "del", chain: decodeChain(msg) };
    }
  } catch (error) {
    if (error instanceof ParseError) return withJson({ kind: "unknown", message: msg, error });
    throw error;
  }
  return { kind: "unknown", message: msg };
}

/** Options of {@link subscribe}. */
export interface SubscribeOptions {
  /** Listen in this network namespace (name, path, fd or `{ pid }`). */
  netns?: NetnsTarget;
  /** Closes the stream (as {@link RouteEventStream.close} does): the iteration ends. */
  signal?: AbortSignal;
  /**
   * Kernel receive buffer in bytes; a larger one loses fewer events under
   * bursts. The default (about 208 KiB) holds a few hundred route events,
   * some 15 ms of a 20,000 events/s storm; 32 MiB took all 100,000 events
   * of `bench/storm.ts` here. Losses are reported as {@link Overrun} items.
   */
  rcvbuf?: number;
  /**
   * Links of link events with `afSpec` (`IFLA_AF_SPEC`: IPv4 and IPv6 settings, IPv6 counters), as
   * `listLinks(sock, { afSpec: true })` gives them. Off by default.
   */
  afSpec?: boolean;
}

/** The group number of a group name, checked. */
function groupNumber(name: RtnlGroupName): number {
  const n = (RTNLGRP as Record<string, number>)[String(name).toUpperCase()];
  if (n === undefined) throw new TypeError(`unknown rtnetlink group ${JSON.stringify(name)}`);
  return n;
}

/**
 * A stream of {@link RouteEvent}s, and {@link Overrun}s where events were
 * lost, on a socket of its own: a {@link NotificationStream}. Events are
 * captured from the moment {@link ready} resolves, even before the
 * iteration starts.
 *
 * @example
 * ```ts
 * import { Overrun, subscribe } from "@nlts/netlink";
 * await using events = subscribe(["link", "ipv4_ifaddr"]);
 * await events.ready;
 * for await (const e of events) {
 *   if (e instanceof Overrun) break; // re-dump, then subscribe again
 *   if (e.kind === "link") console.log(e.action, e.link);
 * }
 * ```
 */
export class RouteEventStream extends NotificationStream<RouteEvent | Overrun> {
  /** The multicast groups joined. */
  readonly groups: readonly number[];

  /** Use {@link subscribe}. */
  constructor(groups: number[], options: SubscribeOptions = {}) {
    const { netns, rcvbuf } = options;
    const afSpec = options.afSpec === true;
    super(
      async () => {
        const sock = await NetlinkSocket.open("route", { netns, rcvbuf, describeType: rtmName });
        try {
          for (const g of groups) sock.join(g);
        } catch (error) {
          await sock.close();
          throw error;
        }
        return sock;
      },
      (item) => (item instanceof Overrun ? item : decodeRouteEventWith(item, afSpec)),
      { signal: options.signal },
    );
    this.groups = groups;
  }
}

/**
 * Subscribes to rtnetlink multicast groups by name (`"link"`,
 * `"ipv4_ifaddr"`, `"ipv6_ifaddr"`, `"ipv4_route"`, `"ipv6_route"`,
 * `"neigh"`, `"ipv4_rule"`, `"ipv6_rule"`, `"nexthop"`, `"nsid"`, `"ipv4_netconf"`,
 * `"ipv6_netconf"`…; groups
 * above 32 work). Await `ready` before making changes you want to see.
 *
 * @example
 * ```ts
 * import { subscribe } from "@nlts/netlink";
 * const controller = new AbortController();
 * const events = subscribe(["neigh", "nexthop"], { netns: "blue", signal: controller.signal });
 * await events.ready;
 * for await (const e of events) {
 *   if ("kind" in e && e.kind === "neighbour") console.log(e.action, e.neighbour.dst, e.neighbour.state);
 * }
 * ```
 */
export function subscribe(groups: RtnlGroupName[], options: SubscribeOptions = {}): RouteEventStream {
  if (!Array.isArray(groups) || groups.length === 0) throw new TypeError("subscribe needs at least one group");
  return new RouteEventStream([...new Set(groups.map(groupNumber))], options);
}
