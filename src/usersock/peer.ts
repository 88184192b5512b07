/**
 * `UserPeer`: one endpoint of a user-defined protocol over NETLINK_USERSOCK.
 * Peers are addressed by port id (chosen or assigned by the kernel) and by
 * multicast group. Replies are matched to requests by sequence number *and*
 * by the port id the kernel reports as sender, so a message from anyone else
 * is never taken for a reply: it arrives in {@link UserPeer.messages} with its
 * true sender.
 *
 * @module
 */
import type { Input } from "../wire/schema.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { NotificationStream, SpawnedStreams } from "../socket/stream.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Overrun, ParseError } from "../wire/errors.ts";
import { parseMessages } from "../wire/message.ts";
import type { ReceivedMessage } from "../socket/socket.ts";
import { Flags, Protocol } from "../wire/constants.ts";
import {
  decodeUserMessage,
  encodeUserMessage,
  type MessageName,
  type ProtocolDef,
  type ProtocolMessage,
} from "./protocol.ts";

/** Options of {@link UserPeer.open}. */
export interface PeerOptions {
  /** Port id to bind; default: the kernel picks one. */
  portId?: number;
  /** Multicast groups (1..32 for sending; joining works above too) to join at once. Needs root. */
  groups?: number[];
  /** Network namespace to open the socket in (USERSOCK is per namespace). */
  netns?: NetnsTarget;
  /** Most messages kept for {@link UserPeer.messages} before an overrun is reported. */
  queueLimit?: number;
  /** Kernel receive buffer in bytes (multicast that does not fit is reported as an {@link Overrun}). */
  rcvbuf?: number;
}

/** Where a message goes: a peer's port id or a multicast group. */
export type Destination = { portId: number } | { group: number };

/** Options of {@link UserPeer.request}. */
export interface PeerRequestOptions {
  /** Milliseconds to wait for the reply (default 5000). */
  timeout?: number;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/** No reply came in time. */
export class PeerTimeoutError extends Error {
  /** Port id asked. */
  readonly portId: number;
  /** Sequence number of the unanswered request. */
  readonly seq: number;
  /** The request to `portId` with `seq` was not answered within `ms`. */
  constructor(portId: number, seq: number, ms: number) {
    super(`no reply from port ${portId} to request ${seq} within ${ms} ms`);
    this.name = "PeerTimeoutError";
    this.portId = portId;
    this.seq = seq;
  }
}

interface Waiter<P extends ProtocolDef> {
  portId: number;
  resolve(msg: ProtocolMessage<P>): void;
  reject(error: unknown): void;
}

/**
 * An endpoint of protocol `P`.
 *
 * @example
 * ```ts
 * import { defineAttrSet, defineProtocol, UserPeer } from "@nlts/netlink";
 * const num = defineAttrSet({ name: "num", attributes: { n: { id: 1, type: "u32" } } });
 * const calc = defineProtocol({ name: "calc", messages: { inc: { type: 16, attributes: num }, result: { type: 17, attributes: num } } });
 * await using server = await UserPeer.open(calc);
 * await using client = await UserPeer.open(calc);
 * (async () => {
 *   for await (const m of server.messages()) {
 *     if (!("overrun" in m) && m.name === "inc") server.reply(m, "result", { n: m.attrs.n! + 1 });
 *   }
 * })();
 * const answer = await client.request(server.portId, "inc", { n: 41 });
 * if (answer.name === "result") console.log(answer.attrs.n); // 42
 * ```
 */
export class UserPeer<P extends ProtocolDef> implements AsyncDisposable {
  /** The protocol spoken. */
  readonly protocol: P;
  /** This endpoint's port id. */
  readonly portId: number;
  readonly #sock: NetlinkSocket;
  #incoming: AsyncGenerator<ReceivedMessage | Overrun>;
  readonly #streams = new SpawnedStreams();
  readonly #waiters = new Map<number, Waiter<P>>();
  readonly #inbox: (ProtocolMessage<P> | Overrun)[] = [];
  readonly #queueLimit: number;
  #consumers = 0;
  #inboxWake?: () => void;
  #reading = false;
  #failure: unknown;
  #closed = false;

  private constructor(protocol: P, sock: NetlinkSocket, queueLimit: number) {
    this.protocol = protocol;
    this.#sock = sock;
    this.portId = sock.portId;
    this.#queueLimit = queueLimit;
    this.#incoming = this.#listen();
  }

  /**
   * The socket's datagrams. A datagram the socket cannot take (larger than
   * its buffer) comes as an item with `error` set (`malformed: "yield"`)
   * instead of ending the iteration.
   */
  #listen(): AsyncGenerator<ReceivedMessage | Overrun> {
    return this.#sock.notifications({ queueLimit: this.#queueLimit, malformed: "yield" });
  }

  /**
   * Opens an endpoint.
   *
   * @example
   * ```ts
   * import { defineAttrSet, defineProtocol, UserPeer } from "@nlts/netlink";
   * const set = defineAttrSet({ name: "s", attributes: { text: { id: 1, type: "string" } } });
   * const p = defineProtocol({ name: "p", messages: { note: { type: 16, attributes: set } } });
   * await using peer = await UserPeer.open(p, { groups: [3] });
   * ```
   */
  static async open<P extends ProtocolDef>(protocol: P, options: PeerOptions = {}): Promise<UserPeer<P>> {
    const sock = await NetlinkSocket.open(Protocol.USERSOCK, {
      portId: options.portId,
      groups: options.groups,
      netns: options.netns,
      rcvbuf: options.rcvbuf,
      acceptForeign: true,
      capAck: false,
      extAck: false,
      // Anyone may send us anything: datagrams are parsed here, so a
      // malformed one is handed over as such instead of ending the stream.
      framing: "raw",
    });
    return new UserPeer(protocol, sock, options.queueLimit ?? 16384);
  }

  /**
   * Joins a multicast group (root only).
   *
   * @example
   * ```ts
   * import type { UserPeer } from "@nlts/netlink";
   * declare const peer: UserPeer<any>;
   * peer.join(5);
   * ```
   */
  join(group: number): void {
    this.#sock.join(group);
  }

  /**
   * Leaves a multicast group.
   *
   * @example
   * ```ts
   * import type { UserPeer } from "@nlts/netlink";
   * declare const peer: UserPeer<any>;
   * peer.leave(5);
   * ```
   */
  leave(group: number): void {
    this.#sock.leave(group);
  }

  /**
   * Sends message `name` to a port or a group, and returns its sequence
   * number. Sending to a port nobody holds is `ECONNREFUSED`.
   *
   * @example
   * ```ts
   * import type { UserPeer } from "@nlts/netlink";
   * declare const peer: UserPeer<any>;
   * peer.send({ group: 3 }, "note", { text: "to everyone in group 3" });
   * ```
   */
  send<N extends MessageName<P>>(
    to: Destination,
    name: N,
    attrs: Input<P["messages"][N]["attributes"]>,
    options: { seq?: number; flags?: number } = {},
  ): number {
    const seq = options.seq ?? this.#sock.nextSeq();
    const bytes = encodeUserMessage(this.protocol, name, attrs, { seq, portId: this.portId, flags: options.flags });
    this.#sock.send(bytes, to);
    return seq;
  }

  /**
   * Answers `to` (a received request): same sequence number, sent to its
   * sender's port.
   *
   * @example
   * ```ts
   * import type { UserPeer } from "@nlts/netlink";
   * declare const peer: UserPeer<any>;
   * for await (const m of peer.messages()) if (!("overrun" in m) && m.name === "ping") peer.reply(m, "pong", {});
   * ```
   */
  reply<N extends MessageName<P>>(
    to: { from: number; seq: number },
    name: N,
    attrs: Input<P["messages"][N]["attributes"]>,
  ): void {
    this.send({ portId: to.from }, name, attrs, { seq: to.seq });
  }

  /**
   * Sends a request (NLM_F_REQUEST) to `portId` and resolves with the first
   * message from that port with the same sequence number. Rejects with
   * {@link PeerTimeoutError} after `timeout` ms.
   *
   * @example
   * ```ts
   * import type { UserPeer } from "@nlts/netlink";
   * declare const peer: UserPeer<any>;
   * const reply = await peer.request(4242, "ping", {}, { timeout: 1000 });
   * ```
   */
  request<N extends MessageName<P>>(
    portId: number,
    name: N,
    attrs: Input<P["messages"][N]["attributes"]>,
    options: PeerRequestOptions = {},
  ): Promise<ProtocolMessage<P>> {
    const { signal } = options;
    const timeout = options.timeout ?? 5000;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const seq = this.#sock.nextSeq();
    return new Promise<ProtocolMessage<P>>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(seq);
      };
      const onAbort = () => (finish(), reject(signal!.reason));
      const timer = setTimeout(() => (finish(), reject(new PeerTimeoutError(portId, seq, timeout))), timeout);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.set(seq, {
        portId,
        resolve: (m) => (finish(), resolve(m)),
        reject: (e) => (finish(), reject(e)),
      });
      try {
        this.send({ portId }, name, attrs, { seq, flags: Flags.REQUEST });
      } catch (error) {
        finish();
        reject(error);
        return;
      }
      this.#read();
    });
  }

  /**
   * Every message that is not a reply to one of this peer's requests, with
   * its true sender, as a {@link NotificationStream} returned at once; an
   * {@link Overrun} marks lost ones; bytes that do not parse (or a datagram
   * too large to take) come as a message with `name: null` and `error`, and
   * the stream goes on. Closing the stream leaves the peer open; closing the
   * peer closes the stream.
   *
   * @example
   * ```ts
   * import type { UserPeer } from "@nlts/netlink";
   * declare const peer: UserPeer<any>;
   * for await (const m of peer.messages()) if (!("overrun" in m)) console.log(m.name, "from", m.from);
   * ```
   */
  messages(options: { signal?: AbortSignal } = {}): NotificationStream<ProtocolMessage<P> | Overrun> {
    const source = { items: (signal: AbortSignal) => this.#items(signal), close: () => Promise.resolve() };
    return this.#streams.add(() => new NotificationStream(() => Promise.resolve(source), options));
  }

  async *#items(signal: AbortSignal): AsyncGenerator<ProtocolMessage<P> | Overrun> {
    this.#consumers++;
    const onAbort = () => this.#inboxWake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        signal.throwIfAborted();
        const item = this.#inbox.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#closed) return;
        await new Promise<void>((resolve) => {
          this.#inboxWake = resolve;
          this.#read();
        });
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#consumers--;
    }
  }

  /** Reads from the socket while a request or a consumer waits. */
  #read(): void {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    (async () => {
      try {
        while (!this.#closed && (this.#waiters.size > 0 || (this.#consumers > 0 && this.#inbox.length === 0))) {
          let r;
          try {
            r = await this.#incoming.next();
          } catch (error) {
            if (!(error instanceof ParseError) || this.#closed) throw error;
            // Defensive: with `malformed: "yield"` the socket hands refused
            // datagrams over as items; should one still end the iteration,
            // what it had queued behind it is gone.
            this.#dispatchDatagram(error);
            this.#deliver(new Overrun("queue"));
            this.#incoming = this.#listen();
            continue;
          }
          if (r.done) break;
          this.#dispatchDatagram(r.value);
        }
      } catch (error) {
        this.#failure = error;
        for (const w of [...this.#waiters.values()]) w.reject(error);
      } finally {
        this.#reading = false;
        this.#inboxWake?.();
      }
    })();
  }

  #dispatchDatagram(item: ReceivedMessage | Overrun | ParseError): void {
    if (item instanceof Overrun) {
      this.#deliver(item);
      return;
    }
    if (item instanceof ParseError) {
      // A datagram the socket refused whole (larger than its buffer): the
      // sender and bytes are unknown, the stream goes on.
      this.#deliver({
        name: null,
        type: 0,
        seq: 0,
        flags: 0,
        from: -1,
        group: 0,
        payload: new Uint8Array(0),
        error: item,
      });
      return;
    }
    const { source, group, payload: datagram } = item;
    if (item.error) {
      // Refused by the socket (larger than its buffer): `payload` is its head.
      this.#deliver({
        name: null,
        type: 0,
        seq: 0,
        flags: 0,
        from: source,
        group,
        payload: datagram,
        error: item.error,
      });
      return;
    }
    try {
      for (const m of parseMessages(datagram)) this.#dispatch({ ...m, source, group });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      this.#deliver({ name: null, type: 0, seq: 0, flags: 0, from: source, group, payload: datagram, error });
    }
  }

  #dispatch(item: ReceivedMessage): void {
    let msg: ProtocolMessage<P>;
    try {
      msg = decodeUserMessage(this.protocol, item);
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      msg = {
        name: null,
        type: item.type,
        seq: item.seq,
        flags: item.flags,
        from: item.source,
        group: item.group,
        payload: item.payload,
        error,
      };
    }
    const waiter = this.#waiters.get(msg.seq);
    if (waiter && msg.from === waiter.portId && msg.group === 0 && !(msg.flags & Flags.REQUEST)) {
      waiter.resolve(msg);
      return;
    }
    this.#deliver(msg);
  }

  #deliver(item: ProtocolMessage<P> | Overrun): void {
    const inbox = this.#inbox;
    if (inbox.length >= this.#queueLimit && !(item instanceof Overrun)) {
      if (!(inbox[inbox.length - 1] instanceof Overrun)) inbox.push(new Overrun("queue"));
    } else inbox.push(item);
    const wake = this.#inboxWake;
    this.#inboxWake = undefined;
    wake?.();
  }

  /**
   * Closes the endpoint: pending requests reject, message streams end.
   *
   * @example
   * ```ts
   * import type { UserPeer } from "@nlts/netlink";
   * declare const peer: UserPeer<any>;
   * await peer.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#streams.closeAll();
    await this.#sock.close();
    for (const w of [...this.#waiters.values()]) w.reject(new Error("peer closed"));
    this.#inboxWake?.();
  }

  /** Closes the endpoint (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
