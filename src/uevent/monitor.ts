/**
 * Listening to device events: a NETLINK_KOBJECT_UEVENT socket joined to the
 * kernel's group, udev's, or both.
 *
 * @module
 */
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { HandOverReader, NotificationStream, SpawnedStreams, type StreamSource } from "../socket/stream.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Overrun, ParseError } from "../wire/errors.ts";
import { Protocol } from "../wire/constants.ts";
import { UeventGroup } from "./constants.ts";
import { decodeUevent, type Uevent } from "./uevent.ts";

/** Default kernel receive buffer: device bursts (coldplug, many queues) are large. */
const DEFAULT_RCVBUF = 4 * 1024 * 1024;

/** Options of {@link UeventMonitor.open}. */
export interface UeventMonitorOptions {
  /**
   * Network namespace to listen in. Events of network devices go to the
   * namespace that owns the device; other devices' events go to every
   * namespace owned by the initial user namespace.
   */
  netns?: NetnsTarget;
  /** Only events of this SUBSYSTEM (or one of these). */
  subsystem?: string | string[];
  /** Only events with this ACTION (or one of these). */
  action?: string | string[];
  /** Whose messages: the kernel's (group 1, default), udevd's (group 2), or both. */
  source?: "kernel" | "udev" | "both";
  /** Kernel receive buffer in bytes (default 4 MiB). */
  rcvbuf?: number;
}

/** Options of {@link UeventMonitor.events}. */
export interface UeventStreamOptions {
  /** Closes the stream (as its `close()` does): the iteration ends. */
  signal?: AbortSignal;
}

/** Options of {@link uevents}. */
export interface UeventOptions extends UeventMonitorOptions, UeventStreamOptions {}

/** A stream of device events and {@link Overrun}s (see {@link NotificationStream}). */
export type UeventStream = NotificationStream<Uevent | Overrun>;

function toSet(value: string | string[] | undefined, what: string): Set<string> | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => typeof v !== "string")) {
    throw new TypeError(`${what} must be a string or an array of strings`);
  }
  return new Set(list);
}

/** The options, checked: bad ones throw TypeError. */
function checkMonitorOptions(options: UeventMonitorOptions) {
  const source = options.source ?? "kernel";
  if (source !== "kernel" && source !== "udev" && source !== "both") {
    throw new TypeError(`source must be "kernel", "udev" or "both", not ${JSON.stringify(source)}`);
  }
  const subsystems = toSet(options.subsystem, "subsystem");
  const actions = toSet(options.action, "action");
  const groups = source === "kernel"
    ? [UeventGroup.KERNEL]
    : source === "udev"
    ? [UeventGroup.UDEV]
    : [UeventGroup.KERNEL, UeventGroup.UDEV];
  return { source, groups, subsystems, actions };
}

/**
 * A device-event listener. Its socket is open (and receiving) once
 * {@link UeventMonitor.open} resolves, so events caused after that are not
 * missed even if {@link events} is called later.
 *
 * Only messages whose sender is plausible are delivered: group 1 only from
 * the kernel (port 0), group 2 only from a user-space port (udevd). A
 * malformed message from udevd's group is skipped (as libudev does) and
 * counted in {@link ignored}; a malformed one from the kernel throws
 * {@link ParseError}. The sender's credentials are not checked: any process
 * with CAP_NET_ADMIN in the namespace can send on group 2.
 *
 * @example
 * ```ts
 * import { UeventMonitor } from "@nlts/netlink";
 * await using mon = await UeventMonitor.open({ subsystem: "net" });
 * for await (const ev of mon.events()) {
 *   if ("overrun" in ev) continue;
 *   console.log(ev.action, ev.interface);
 * }
 * ```
 */
export class UeventMonitor implements AsyncDisposable {
  /** The NETLINK_KOBJECT_UEVENT socket (raw framing). */
  readonly socket: NetlinkSocket;
  readonly #subsystems?: Set<string>;
  readonly #actions?: Set<string>;
  readonly #streams = new SpawnedStreams();
  readonly #reader: HandOverReader<ReceivedMessage | Overrun>;
  #ignored = 0;

  private constructor(socket: NetlinkSocket, subsystems?: Set<string>, actions?: Set<string>) {
    this.socket = socket;
    // One reader for the monitor's life: what one stream leaves unread goes to the next.
    this.#reader = new HandOverReader(socket.notifications());
    this.#subsystems = subsystems;
    this.#actions = actions;
  }

  /**
   * Opens the socket and joins the groups of `source`.
   *
   * @example
   * ```ts
   * import { UeventMonitor } from "@nlts/netlink";
   * const mon = await UeventMonitor.open({ netns: "blue", source: "both", action: ["add", "remove"] });
   * await mon.close();
   * ```
   */
  static async open(options: UeventMonitorOptions = {}): Promise<UeventMonitor> {
    const { source, groups, subsystems, actions } = checkMonitorOptions(options);
    const socket = await NetlinkSocket.open(Protocol.KOBJECT_UEVENT, {
      netns: options.netns,
      groups,
      framing: "raw",
      rcvbuf: options.rcvbuf ?? DEFAULT_RCVBUF,
      // udevd's messages come from its own port, not the kernel's.
      acceptForeign: source !== "kernel",
    });
    return new UeventMonitor(socket, subsystems, actions);
  }

  /** Messages dropped: a sender that does not fit the group, or malformed udev messages. */
  get ignored(): number {
    return this.#ignored;
  }

  /**
   * The events, filtered, as they arrive, on the monitor's socket; an
   * {@link Overrun} marks lost ones. Returns at once; everything since
   * {@link UeventMonitor.open} resolved is delivered. Closing the stream
   * leaves the monitor open (a later `events()` carries on from there);
   * closing the monitor closes the stream. One stream at a time.
   *
   * @example
   * ```ts
   * import { UeventMonitor } from "@nlts/netlink";
   * await using mon = await UeventMonitor.open();
   * for await (const ev of mon.events({ signal: AbortSignal.timeout(1000) })) console.log(ev);
   * ```
   */
  events(options: UeventStreamOptions = {}): UeventStream {
    const source: StreamSource<Uevent | Overrun> = {
      items: (signal) => this.#items(signal),
      close: () => Promise.resolve(),
    };
    return this.#streams.add(() => new NotificationStream(() => Promise.resolve(source), options));
  }

  async *#items(signal: AbortSignal): AsyncGenerator<Uevent | Overrun, void, undefined> {
    for (;;) {
      const r = await this.#reader.next(signal);
      if (r.done) return;
      const item = r.value;
      if (item instanceof Overrun) {
        yield item;
        continue;
      }
      const event = this.#decode(item);
      if (event) yield event;
    }
  }

  /** The event, or undefined when it is dropped or filtered out. */
  #decode(item: ReceivedMessage): Uevent | undefined {
    const fromKernel = item.group === UeventGroup.KERNEL && item.source === 0;
    const fromUdev = item.group === UeventGroup.UDEV && item.source !== 0;
    if (!fromKernel && !fromUdev) {
      this.#ignored++;
      return undefined;
    }
    let event: Uevent;
    try {
      event = decodeUevent(item.payload, item.group);
    } catch (error) {
      if (fromUdev && error instanceof ParseError) {
        this.#ignored++;
        return undefined;
      }
      throw error;
    }
    if (this.#subsystems && !this.#subsystems.has(event.subsystem ?? "")) return undefined;
    if (this.#actions && !this.#actions.has(event.action)) return undefined;
    return event;
  }

  /**
   * Closes the socket and the streams of {@link events}.
   *
   * @example
   * ```ts
   * import { UeventMonitor } from "@nlts/netlink";
   * const mon = await UeventMonitor.open();
   * await mon.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    await this.socket.close();
  }

  /** Closes the socket (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Device events as they happen, on a {@link UeventMonitor} of the stream's
 * own: returns at once; everything after `ready` resolves is delivered. The
 * monitor closes with the stream.
 *
 * @example
 * ```ts
 * import { uevents } from "@nlts/netlink";
 * await using events = uevents({ subsystem: "net", action: ["add", "remove"] });
 * await events.ready;
 * for await (const ev of events) {
 *   if ("overrun" in ev) continue;
 *   console.log(ev.action, ev.interface, ev.ifindex);
 * }
 * ```
 */
export function uevents(options: UeventOptions = {}): UeventStream {
  checkMonitorOptions(options); // bad options throw here, not at the first next()
  return new NotificationStream<Uevent | Overrun>(async () => {
    const monitor = await UeventMonitor.open(options);
    const stream = monitor.events();
    return { items: () => stream, close: () => monitor.close() };
  }, { signal: options.signal });
}
