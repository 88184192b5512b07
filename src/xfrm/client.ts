/**
 * `Xfrm`: a client for the IPsec SA and policy databases (NETLINK_XFRM).
 *
 * @module
 */
import { Flags } from "../wire/constants.ts";
import { MessageWriter } from "../wire/message.ts";
import { Overrun } from "../wire/errors.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { NotificationStream, SpawnedStreams } from "../socket/stream.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import {
  XfrmGroup,
  type XfrmGroupName,
  xfrmMessageName,
  XfrmMsg,
  type XfrmPolicyType,
  type XfrmProtoName,
} from "./constants.ts";
import { protoNumber } from "./common.ts";
import { decodeXfrmEvent, type XfrmEvent } from "./events.ts";
import {
  decodePolicy,
  encodeFlushPolicies,
  encodePolicy,
  encodePolicyId,
  type XfrmPolicy,
  type XfrmPolicyId,
  type XfrmPolicySpec,
} from "./policy.ts";
import {
  decodeState,
  encodeAllocSpi,
  encodeFlushStates,
  encodeState,
  encodeStateId,
  type XfrmAllocSpiSpec,
  type XfrmState,
  type XfrmStateId,
  type XfrmStateSpec,
} from "./state.ts";
import { xfrmAttributePath } from "./schema.ts";

/** Options of {@link Xfrm.open}. */
export interface XfrmOpenOptions {
  /** Network namespace to work in (name, path, fd or `{ pid }`). */
  netns?: NetnsTarget;
}

/** Options of {@link Xfrm.events}. */
export interface XfrmEventsOptions {
  /** Closes the stream (as its `close()` does): the iteration ends. */
  signal?: AbortSignal;
  /** Receive buffer for the event socket (default 1 MiB). */
  rcvbuf?: number;
}

/**
 * A stream of XFRM events (a {@link NotificationStream}): `ready` resolves
 * once the socket has joined its groups, so nothing that happens afterwards
 * is missed. Lost notifications appear as an {@link Overrun} item.
 */
export type XfrmEventStream = NotificationStream<XfrmEvent | Overrun>;

const describe = (t: number) => xfrmMessageName(t);

/**
 * A client for the IPsec databases of one network namespace.
 *
 * @example
 * ```ts
 * import { Xfrm } from "@nlts/netlink";
 * await using xfrm = await Xfrm.open({ netns: "vpn" });
 * for await (const sa of xfrm.states()) console.log(sa.src, "->", sa.dst, sa.proto, sa.spi.toString(16));
 * for await (const p of xfrm.policies()) console.log(p.dir, p.selector.src, p.selector.dst);
 * ```
 */
export class Xfrm implements AsyncDisposable {
  readonly #sock: NetlinkSocket;
  readonly #netns?: NetnsTarget;
  readonly #streams = new SpawnedStreams();

  private constructor(sock: NetlinkSocket, netns?: NetnsTarget) {
    this.#sock = sock;
    this.#netns = netns;
  }

  /**
   * Opens a client (in `netns` when given).
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * const xfrm = await Xfrm.open();
   * await xfrm.close();
   * ```
   */
  static async open(options: XfrmOpenOptions = {}): Promise<Xfrm> {
    const sock = await NetlinkSocket.open("xfrm", {
      netns: options.netns,
      describeType: describe,
      describeAttribute: xfrmAttributePath,
    });
    return new Xfrm(sock, options.netns);
  }

  /** The underlying socket, for requests this client does not cover. */
  get socket(): NetlinkSocket {
    return this.#sock;
  }

  /**
   * Every SA (optionally of one protocol), streamed as the dump arrives.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open();
   * for await (const sa of xfrm.states({ proto: "esp" })) console.log(sa.spi);
   * ```
   */
  async *states(options: { proto?: XfrmProtoName | number; signal?: AbortSignal } = {}): AsyncGenerator<XfrmState> {
    const w = new MessageWriter(XfrmMsg.GETSA, Flags.DUMP);
    if (options.proto !== undefined) w.u8(25, /* XFRMA_PROTO */ protoNumber(options.proto));
    for await (const msg of this.#sock.dump(w.finish(), { signal: options.signal })) {
      if (msg.type === XfrmMsg.NEWSA) yield decodeState(msg);
    }
  }

  /**
   * Every policy, streamed.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open();
   * for await (const p of xfrm.policies()) console.log(p.dir, p.templates.length);
   * ```
   */
  async *policies(options: { signal?: AbortSignal } = {}): AsyncGenerator<XfrmPolicy> {
    const w = new MessageWriter(XfrmMsg.GETPOLICY, Flags.DUMP);
    for await (const msg of this.#sock.dump(w.finish(), { signal: options.signal })) {
      if (msg.type === XfrmMsg.NEWPOLICY) yield decodePolicy(msg);
    }
  }

  async #one(bytes: Uint8Array, signal?: AbortSignal): Promise<import("../wire/message.ts").NetlinkMessage> {
    const replies = await this.#sock.request(bytes, { signal, ack: false });
    const reply = replies[0];
    if (!reply) throw new Error("the kernel sent no reply");
    return reply;
  }

  /**
   * One SA by destination, SPI and protocol. Rejects with `NetlinkError`
   * `ESRCH` when there is none.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open();
   * const sa = await xfrm.getState({ dst: "192.0.2.2", spi: 0x100, proto: "esp" });
   * ```
   */
  async getState(id: XfrmStateId, options: { signal?: AbortSignal } = {}): Promise<XfrmState> {
    return decodeState(await this.#one(encodeStateId(id), options.signal));
  }

  /**
   * Adds an SA (`EEXIST` if one with the same id exists).
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * await xfrm.addState({
   *   src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", spi: 0x100, mode: "tunnel", reqid: 1,
   *   auth: { name: "hmac(sha256)", key: "0x" + "01".repeat(32), truncLength: 128 },
   *   crypt: { name: "cbc(aes)", key: "0x" + "02".repeat(16) },
   * });
   * ```
   */
  async addState(spec: XfrmStateSpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#sock.request(encodeState(spec, false, Flags.CREATE | Flags.EXCL), options);
  }

  /**
   * Replaces an SA (`XFRM_MSG_UPDSA`; `ESRCH` if there is none, or updates a larval one).
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * await xfrm.updateState({ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", spi: 0x100,
   *   aead: { name: "rfc4106(gcm(aes))", key: "0x" + "03".repeat(20), icvLength: 128 } });
   * ```
   */
  async updateState(spec: XfrmStateSpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#sock.request(encodeState(spec, true), options);
  }

  /**
   * Reserves an SPI in a larval SA (`XFRM_MSG_ALLOCSPI`), as an IKE daemon
   * does, and returns that SA. It lives until updated or until
   * `net.core.xfrm_acq_expires` seconds pass.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * const sa = await xfrm.allocSpi({ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", reqid: 7 });
   * console.log(sa.spi);
   * ```
   */
  async allocSpi(spec: XfrmAllocSpiSpec, options: { signal?: AbortSignal } = {}): Promise<XfrmState> {
    return decodeState(await this.#one(encodeAllocSpi(spec), options.signal));
  }

  /**
   * Deletes one SA.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * await xfrm.deleteState({ dst: "192.0.2.2", spi: 0x100, proto: "esp" });
   * ```
   */
  async deleteState(id: XfrmStateId, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#sock.request(encodeStateId(id, true), options);
  }

  /**
   * Deletes every SA (of `proto`, when given) of the client's namespace.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * await xfrm.flushStates();
   * ```
   */
  async flushStates(options: { proto?: XfrmProtoName | number; signal?: AbortSignal } = {}): Promise<void> {
    await this.#sock.request(encodeFlushStates(options.proto ?? 0), { signal: options.signal });
  }

  /**
   * Adds a policy (`EEXIST` when one with the same selector and direction exists).
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * await xfrm.addPolicy({
   *   selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" }, dir: "out",
   *   templates: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", mode: "tunnel", reqid: 1 }],
   * });
   * ```
   */
  async addPolicy(spec: XfrmPolicySpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#sock.request(encodePolicy(spec), options);
  }

  /**
   * Adds or replaces a policy (`XFRM_MSG_UPDPOLICY`).
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * await xfrm.updatePolicy({ selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" }, dir: "out", action: "block" });
   * ```
   */
  async updatePolicy(spec: XfrmPolicySpec, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#sock.request(encodePolicy(spec, true), options);
  }

  /**
   * One policy by index, or by selector and direction (`ENOENT` when absent).
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * const p = await xfrm.getPolicy({ dir: "out", selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" } });
   * ```
   */
  async getPolicy(id: XfrmPolicyId, options: { signal?: AbortSignal } = {}): Promise<XfrmPolicy> {
    return decodePolicy(await this.#one(encodePolicyId(id), options.signal));
  }

  /**
   * Deletes one policy.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * await xfrm.deletePolicy({ dir: "out", selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" } });
   * ```
   */
  async deletePolicy(id: XfrmPolicyId, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#sock.request(encodePolicyId(id, true), options);
  }

  /**
   * Deletes every policy (of `type`, main by default) of the client's namespace.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * await xfrm.flushPolicies();
   * ```
   */
  async flushPolicies(options: { type?: XfrmPolicyType; signal?: AbortSignal } = {}): Promise<void> {
    await this.#sock.request(encodeFlushPolicies(options.type), { signal: options.signal });
  }

  /**
   * Events of the given groups, on a socket of their own in the client's
   * namespace, returned at once. Await `ready` before causing what you want
   * to see.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * await using xfrm = await Xfrm.open({ netns: "vpn" });
   * const ac = new AbortController();
   * const events = xfrm.events(["acquire", "expire", "sa", "policy"], { signal: ac.signal });
   * await events.ready;
   * for await (const ev of events) if ("kind" in ev && ev.kind === "acquire") console.log(ev.dst, ev.seq);
   * ```
   */
  events(groups: XfrmGroupName[], options: XfrmEventsOptions = {}): XfrmEventStream {
    const numbers = groups.map((g) => {
      const n = XfrmGroup[g];
      if (n === undefined) throw new TypeError(`unknown XFRM group ${JSON.stringify(g)}`);
      return n;
    });
    return this.#streams.add(() =>
      new NotificationStream<XfrmEvent | Overrun>(
        () =>
          NetlinkSocket.open("xfrm", {
            netns: this.#netns,
            groups: numbers,
            rcvbuf: options.rcvbuf ?? 1 << 20,
            describeType: describe,
          }),
        (item) => (item instanceof Overrun ? item : decodeXfrmEvent(item)),
        { signal: options.signal },
      )
    );
  }

  /**
   * Closes the client's socket and the event streams opened from here.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@nlts/netlink";
   * const xfrm = await Xfrm.open();
   * await xfrm.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    await this.#sock.close();
  }

  /** Closes the client (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
