/**
 * `RouteClient`: NETLINK_ROUTE in one object — links, addresses, routes,
 * nexthops, neighbours, bridge FDB entries, rules, namespace ids, and events
 * — over one socket for requests and dumps (events get a socket of their own).
 *
 * Each method is a thin call into the module that owns the object kind
 * (`link.ts`, `route.ts`…), which can also be used directly with any
 * `NetlinkSocket`.
 *
 * @module
 */
import { NetlinkSocket, type OpenOptions } from "../socket/socket.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Protocol } from "../wire/constants.ts";
import { rtmName, type RtnlGroupName } from "./constants.ts";
import * as link from "./link.ts";
import * as address from "./address.ts";
import * as route from "./route.ts";
import * as nexthop from "./nexthop.ts";
import * as neighbour from "./neighbour.ts";
import * as fdb from "./fdb.ts";
import * as rule from "./rule.ts";
import * as nsid from "./nsid.ts";
import * as netconf from "./netconf.ts";
import { type RouteEventStream, subscribe, type SubscribeOptions } from "./events.ts";
import { SpawnedStreams } from "../socket/stream.ts";
import { rtmAttributePath } from "./schema.ts";
import { TrafficControl } from "../tc/client.ts";

/** Options of {@link RouteClient.open}. */
export interface RouteClientOptions {
  /** Work in this network namespace: a name under /run/netns, a path, an fd, or `{ pid }`. */
  netns?: NetnsTarget;
  /** Kernel receive buffer of the request socket, in bytes. */
  rcvbuf?: number;
  /** Sees every datagram of the request socket (`OpenOptions.trace`): for `traceLogger` or a `PcapWriter`. */
  trace?: OpenOptions["trace"];
}

/** Options of calls that only take a cancellation signal. */
export interface SignalOptions {
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/**
 * The rtnetlink client.
 *
 * @example
 * ```ts
 * import { RouteClient } from "@nlts/netlink";
 * await using rt = await RouteClient.open();
 * for await (const l of rt.links()) console.log(l.index, l.name, l.operstate);
 * const r = await rt.getRoute("1.1.1.1");
 * console.log(r.gateway, r.oif);
 * ```
 */
export class RouteClient implements AsyncDisposable {
  /** The request socket (for anything this class does not wrap). */
  readonly socket: NetlinkSocket;
  /** The namespace this client works in, if not the caller's. */
  readonly netns?: NetnsTarget;
  /** Traffic control (qdiscs, classes, filters) over the request socket. @example `for await (const q of rt.tc.qdiscs()) console.log(q.kind)` */
  readonly tc: TrafficControl;
  readonly #streams = new SpawnedStreams();

  private constructor(socket: NetlinkSocket, netns?: NetnsTarget) {
    this.socket = socket;
    this.netns = netns;
    this.tc = new TrafficControl(socket);
  }

  /**
   * Opens a client, in `options.netns` if given.
   *
   * @example
   * ```ts
   * import { RouteClient } from "@nlts/netlink";
   * await using rt = await RouteClient.open({ netns: "blue" });
   * ```
   */
  static async open(options: RouteClientOptions = {}): Promise<RouteClient> {
    const socket = await NetlinkSocket.open(Protocol.ROUTE, {
      netns: options.netns,
      rcvbuf: options.rcvbuf,
      describeType: rtmName,
      describeAttribute: rtmAttributePath,
      trace: options.trace,
    });
    return new RouteClient(socket, options.netns);
  }

  // Links

  /** Streams every link. @example `for await (const l of rt.links()) console.log(l.name)` */
  links(options: link.ListLinksOptions = {}): AsyncGenerator<link.Link> {
    return link.listLinks(this.socket, options);
  }
  /** {@link links}, a datagram's links per step. @example `for await (const ls of rt.linkBatches()) console.log(ls.length)` */
  linkBatches(options: link.ListLinksOptions = {}): AsyncGenerator<link.Link[]> {
    return link.listLinkBatches(this.socket, options);
  }
  /** One link by name or index. @example `await rt.getLink("lo")` */
  getLink(nameOrIndex: link.LinkRef): Promise<link.Link> {
    return link.getLink(this.socket, nameOrIndex);
  }
  /** Creates a link (veth, bridge, vxlan, tun/tap, ifb…). @example `await rt.addLink({ kind: "bridge", name: "br0" })` */
  addLink(spec: link.LinkSpec): Promise<link.Link> {
    return link.addLink(this.socket, spec);
  }
  /** Changes a link (up/down, mtu, name, address, master, namespace…). @example `await rt.setLink("br0", { up: true })` */
  setLink(nameOrIndex: link.LinkRef, changes: link.LinkChanges): Promise<void> {
    return link.setLink(this.socket, nameOrIndex, changes);
  }
  /** Deletes a link. @example `await rt.deleteLink("br0")` */
  deleteLink(nameOrIndex: link.LinkRef): Promise<void> {
    return link.deleteLink(this.socket, nameOrIndex);
  }

  // Addresses

  /** Streams addresses, filtered by the kernel. @example `for await (const a of rt.addresses({ family: "inet6" })) console.log(a.address)` */
  addresses(filter: address.AddressFilter = {}): AsyncGenerator<address.Address> {
    return address.listAddresses(this.socket, filter);
  }
  /** {@link addresses}, a datagram's addresses per step. @example `for await (const as of rt.addressBatches()) console.log(as.length)` */
  addressBatches(filter: address.AddressFilter = {}): AsyncGenerator<address.Address[]> {
    return address.listAddressBatches(this.socket, filter);
  }
  /** Adds (or replaces) an address. @example `await rt.addAddress({ name: "br0", address: "10.0.0.1/24" })` */
  addAddress(spec: address.AddressSpec, options: address.AddAddressOptions = {}): Promise<void> {
    return address.addAddress(this.socket, spec, options);
  }
  /** Deletes an address. @example `await rt.deleteAddress({ name: "br0", address: "10.0.0.1/24" })` */
  deleteAddress(spec: address.AddressSpec): Promise<void> {
    return address.deleteAddress(this.socket, spec);
  }

  // Routes

  /** Streams routes (main table unless `table` says otherwise). @example `for await (const r of rt.routes({ table: "all" })) console.log(r.dst)` */
  routes(filter: route.RouteFilter = {}): AsyncGenerator<route.Route> {
    return route.listRoutes(this.socket, filter);
  }
  /** {@link routes}, a datagram's routes per step. @example `for await (const rs of rt.routeBatches({ table: "all" })) console.log(rs.length)` */
  routeBatches(filter: route.RouteFilter = {}): AsyncGenerator<route.Route[]> {
    return route.listRouteBatches(this.socket, filter);
  }
  /** The route the kernel would use (`ip route get`). @example `await rt.getRoute("10.1.2.3")` */
  getRoute(destination: string, options: route.GetRouteOptions = {}): Promise<route.Route> {
    return route.getRoute(this.socket, destination, options);
  }
  /** Adds, replaces or appends a route. @example `await rt.addRoute({ dst: "10.2.0.0/16", gateway: "10.0.0.2" })` */
  addRoute(
    spec: route.RouteSpec,
    mode: "add" | "replace" | "append" = "add",
    options: SignalOptions = {},
  ): Promise<void> {
    return route.addRoute(this.socket, spec, mode, options);
  }
  /** Deletes a route. @example `await rt.deleteRoute({ dst: "10.2.0.0/16" })` */
  deleteRoute(spec: route.RouteSpec, options: SignalOptions = {}): Promise<void> {
    return route.deleteRoute(this.socket, spec, options);
  }

  // Nexthops

  /** Streams nexthop objects. @example `for await (const n of rt.nexthops()) console.log(n.id)` */
  nexthops(filter: nexthop.NexthopFilter = {}): AsyncGenerator<nexthop.Nexthop> {
    return nexthop.listNexthops(this.socket, filter);
  }
  /** One nexthop by id. @example `await rt.getNexthop(10)` */
  getNexthop(id: number, options: SignalOptions = {}): Promise<nexthop.Nexthop> {
    return nexthop.getNexthop(this.socket, id, options);
  }
  /** Adds (or replaces) a nexthop or group; resolves with it as installed. @example `await rt.addNexthop({ id: 10, blackhole: true })` */
  addNexthop(spec: nexthop.NexthopSpec, options: { replace?: boolean } & SignalOptions = {}): Promise<nexthop.Nexthop> {
    return nexthop.addNexthop(this.socket, spec, options);
  }
  /** Deletes a nexthop. @example `await rt.deleteNexthop(10)` */
  deleteNexthop(id: number, options: SignalOptions = {}): Promise<void> {
    return nexthop.deleteNexthop(this.socket, id, options);
  }

  // Neighbours

  /** Streams the neighbour (ARP/NDP) table. @example `for await (const n of rt.neighbours()) console.log(n.dst, n.lladdr)` */
  neighbours(filter: neighbour.NeighbourFilter = {}): AsyncGenerator<neighbour.Neighbour> {
    return neighbour.listNeighbours(this.socket, filter);
  }
  /** Adds (or replaces) a neighbour entry. @example `await rt.addNeighbour({ index: 2, dst: "10.0.0.9", lladdr: "02:00:00:00:00:09" })` */
  addNeighbour(spec: neighbour.NeighbourSpec, options: { replace?: boolean } & SignalOptions = {}): Promise<void> {
    return neighbour.addNeighbour(this.socket, spec, options);
  }
  /** Deletes a neighbour entry. @example `await rt.deleteNeighbour({ index: 2, dst: "10.0.0.9" })` */
  deleteNeighbour(spec: neighbour.NeighbourSpec, options: SignalOptions = {}): Promise<void> {
    return neighbour.deleteNeighbour(this.socket, spec, options);
  }

  // Bridge forwarding database

  /** Streams bridge and VXLAN FDB entries (`bridge fdb show`). @example `for await (const e of rt.fdb({ master: 4 })) console.log(e.mac, e.ifindex, e.state)` */
  fdb(filter: fdb.FdbFilter = {}): AsyncGenerator<fdb.FdbEntry> {
    return fdb.listFdb(this.socket, filter);
  }
  /** Adds (replaces, appends) an FDB entry. @example `await rt.addFdb({ mac: "00:00:00:00:00:00", ifindex: 5, dst: "192.0.2.2" }, { append: true })` */
  addFdb(spec: fdb.FdbSpec, options: fdb.AddFdbOptions = {}): Promise<void> {
    return fdb.addFdb(this.socket, spec, options);
  }
  /** Deletes an FDB entry. @example `await rt.deleteFdb({ mac: "02:00:00:00:00:01", ifindex: 3, flags: ["master"] })` */
  deleteFdb(spec: fdb.FdbSpec, options: SignalOptions = {}): Promise<void> {
    return fdb.deleteFdb(this.socket, spec, options);
  }

  // Rules

  /** Streams policy routing rules. @example `for await (const r of rt.rules({ family: "inet" })) console.log(r.priority)` */
  rules(filter: { family?: rule.RuleFamily } & SignalOptions = {}): AsyncGenerator<rule.Rule> {
    return rule.listRules(this.socket, filter);
  }
  /** Adds a rule. @example `await rt.addRule({ family: "inet", priority: 100, table: 100, fwmark: 1 })` */
  addRule(spec: rule.RuleSpec, options: SignalOptions = {}): Promise<void> {
    return rule.addRule(this.socket, spec, options);
  }
  /** Deletes a rule. @example `await rt.deleteRule({ family: "inet", priority: 100 })` */
  deleteRule(spec: rule.RuleSpec, options: SignalOptions = {}): Promise<void> {
    return rule.deleteRule(this.socket, spec, options);
  }

  // Namespace ids

  /** Streams the ids this namespace gives other namespaces. @example `for await (const n of rt.nsids()) console.log(n.nsid)` */
  nsids(options: { targetNsid?: number } & SignalOptions = {}): AsyncGenerator<nsid.NetnsId> {
    return nsid.listNsids(this.socket, options);
  }
  /** The id of another namespace, if assigned. @example `await rt.getNsid({ name: "blue" })` */
  getNsid(target: nsid.NsidTarget, options: SignalOptions = {}): Promise<number | undefined> {
    return nsid.getNsid(this.socket, target, options);
  }
  /** Assigns an id to another namespace (-1: the kernel picks). @example `await rt.setNsid({ name: "blue" }, 7)` */
  setNsid(target: nsid.NsidTarget, id: number, options: SignalOptions = {}): Promise<void> {
    return nsid.setNsid(this.socket, target, id, options);
  }

  // Per-device IP settings

  /** Streams every device's IP settings, per family. @example `for await (const c of rt.netconf({ family: "inet" })) console.log(c.index, c.forwarding)` */
  netconf(options: netconf.NetconfFilter = {}): AsyncGenerator<netconf.Netconf> {
    return netconf.listNetconf(this.socket, options);
  }
  /** One device's IP settings of one family (or -1 for all, -2 for default). @example `await rt.getNetconf("inet6", 1)` */
  getNetconf(family: netconf.NetconfFamily, index: number, options: SignalOptions = {}): Promise<netconf.Netconf> {
    return netconf.getNetconf(this.socket, family, index, options);
  }

  // Events

  /**
   * Typed events of the named groups, on a socket of their own in this
   * client's namespace. Await `ready` before making changes you want to see.
   * Closing the client closes the stream.
   *
   * @example
   * ```ts
   * import { RouteClient } from "@nlts/netlink";
   * await using rt = await RouteClient.open();
   * await using events = rt.events(["link", "ipv4_ifaddr", "ipv6_ifaddr"]);
   * for await (const e of events) if ("kind" in e && e.kind === "link") console.log(e.action, e.link.name);
   * ```
   */
  events(groups: RtnlGroupName[], options: Omit<SubscribeOptions, "netns"> = {}): RouteEventStream {
    return this.#streams.add(() => subscribe(groups, { ...options, netns: this.netns }));
  }

  /** Closes the request socket and the event streams opened from here. @example `await rt.close()` */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    await this.socket.close();
  }

  /** Closes the client (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
