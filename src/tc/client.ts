/**
 * `TrafficControl`: qdiscs, classes and filters over an rtnetlink socket
 * (`rt.tc` of a `RouteClient`, or `new TrafficControl(socket)`).
 *
 * @module
 */
import type { NetlinkSocket } from "../socket/socket.ts";
import * as tc from "./tc.ts";
import * as chains from "./chain.ts";

/**
 * Traffic control over a NETLINK_ROUTE socket.
 *
 * @example
 * ```ts
 * import { RouteClient } from "@nlts/netlink";
 * await using rt = await RouteClient.open();
 * for await (const q of rt.tc.qdiscs()) console.log(q.ifindex, q.kind, q.handle, q.parent);
 * ```
 */
export class TrafficControl {
  /** The socket requests go through. */
  readonly socket: NetlinkSocket;

  /** Works over `socket` (open it with `describeAttribute: rtmAttributePath` for named ext-ACK paths). */
  constructor(socket: NetlinkSocket) {
    this.socket = socket;
  }

  /** Streams qdiscs. @example `for await (const q of rt.tc.qdiscs({ dev: "eth0" })) console.log(q.kind)` */
  qdiscs(options: tc.TcListOptions = {}): AsyncGenerator<tc.Qdisc> {
    return tc.listQdiscs(this.socket, options);
  }
  /** Streams classes. @example `for await (const c of rt.tc.classes({ dev: "eth0" })) console.log(c.handle)` */
  classes(options: tc.TcListOptions = {}): AsyncGenerator<tc.TcClass> {
    return tc.listClasses(this.socket, options);
  }
  /** Streams filters. @example `for await (const f of rt.tc.filters({ dev: "eth0" })) console.log(f.kind)` */
  filters(options: tc.TcListOptions & { parent?: string | number } = {}): AsyncGenerator<tc.Filter> {
    return tc.listFilters(this.socket, options);
  }
  /** One qdisc by parent or handle. @example `const root = await rt.tc.getQdisc({ dev: "lo", parent: "root" })` */
  getQdisc(spec: tc.TcDeleteSpec, options: { signal?: AbortSignal } = {}): Promise<tc.Qdisc | undefined> {
    return tc.getQdisc(this.socket, spec, options);
  }
  /** Adds a qdisc. @example `await rt.tc.addQdisc({ dev: "v0", kind: "htb", handle: "1:", options: { defaultClass: 0x10 } })` */
  addQdisc(spec: tc.QdiscSpec, mode: tc.TcWriteMode = "add", options: { signal?: AbortSignal } = {}): Promise<void> {
    return tc.addQdisc(this.socket, spec, mode, options);
  }
  /** Deletes a qdisc. @example `await rt.tc.deleteQdisc({ dev: "v0", parent: "root" })` */
  deleteQdisc(spec: tc.TcDeleteSpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    return tc.deleteQdisc(this.socket, spec, options);
  }
  /** Adds a class. @example `await rt.tc.addClass({ dev: "v0", kind: "htb", parent: "1:", classid: "1:10", options: { rate: 1250000 } })` */
  addClass(spec: tc.ClassSpec, mode: tc.TcWriteMode = "add", options: { signal?: AbortSignal } = {}): Promise<void> {
    return tc.addClass(this.socket, spec, mode, options);
  }
  /** Deletes a class. @example `await rt.tc.deleteClass({ dev: "v0", handle: "1:10" })` */
  deleteClass(spec: tc.TcDeleteSpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    return tc.deleteClass(this.socket, spec, options);
  }
  /** Adds a filter. @example `await rt.tc.addFilter({ dev: "v0", parent: "1:", protocol: "ip", priority: 1, options: { classid: "1:10" } })` */
  addFilter(spec: tc.FilterSpec, mode: tc.TcWriteMode = "add", options: { signal?: AbortSignal } = {}): Promise<void> {
    return tc.addFilter(this.socket, spec, mode, options);
  }
  /** Deletes filters. @example `await rt.tc.deleteFilter({ dev: "v0", parent: "1:", priority: 1 })` */
  deleteFilter(spec: tc.FilterSpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    return tc.deleteFilter(this.socket, spec, options);
  }
  /** One filter (`tc filter get`). @example `const f = await rt.tc.getFilter({ dev: "v0", parent: "1:", protocol: "ip", priority: 1, handle: "800::800", kind: "u32" })` */
  getFilter(spec: tc.FilterGetSpec, options: { signal?: AbortSignal } = {}): Promise<tc.Filter> {
    return tc.getFilter(this.socket, spec, options);
  }
  /** Streams the chains of a block. @example `for await (const c of rt.tc.chains({ dev: "v0", parent: "ingress" })) console.log(c.chain)` */
  chains(
    options: { dev: tc.DeviceRef; parent?: string | number; signal?: AbortSignal },
  ): AsyncGenerator<chains.TcChain> {
    return chains.listChains(this.socket, options);
  }
  /** Adds a chain. @example `await rt.tc.addChain({ dev: "v0", parent: "ingress", chain: 5 })` */
  addChain(spec: chains.ChainSpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    return chains.addChain(this.socket, spec, options);
  }
  /** Deletes a chain with its filters. @example `await rt.tc.deleteChain({ dev: "v0", parent: "ingress", chain: 5 })` */
  deleteChain(spec: chains.ChainSpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    return chains.deleteChain(this.socket, spec, options);
  }
}
