/**
 * `Controller`: lists generic netlink families and resolves them by name,
 * with a cache kept current by the controller's `notify` group.
 *
 * @module
 */
import type { NetnsTarget } from "../socket/netns.ts";
import { Overrun } from "../wire/errors.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { type EventStream, GenlFamily } from "./client.ts";
import { decodeEvent } from "./family.ts";
import { type CtrlEvent, type FamilyInfo, familyInfo, nlctrl } from "./nlctrl.ts";

/** Options of {@link Controller.open}. */
export interface ControllerOptions {
  /** Network namespace of the sockets. */
  netns?: NetnsTarget;
  /** Keep the cache current from the `notify` group (default true). */
  watch?: boolean;
  /** Called after the cache changed because of a notification. */
  onChange?: (name: string | undefined, info: FamilyInfo | undefined) => void;
}

/**
 * The generic netlink controller (nlctrl).
 *
 * @example
 * ```ts
 * import { Controller } from "@nlts/netlink";
 * await using ctrl = await Controller.open();
 * for (const f of await ctrl.list()) console.log(f.id, f.name, f.groups.map((g) => g.name));
 * const ethtool = await ctrl.resolve("ethtool"); // cached from now on
 * ```
 */
export class Controller implements AsyncDisposable {
  /** The nlctrl family client used for requests. */
  readonly family: GenlFamily<typeof nlctrl>;
  readonly #cache = new Map<string, FamilyInfo>();
  readonly #inflight = new Map<string, Promise<FamilyInfo>>();
  readonly #onChange?: ControllerOptions["onChange"];
  #events?: EventStream<typeof nlctrl>;
  #watcher?: Promise<void>;
  #generation = 0;

  private constructor(family: GenlFamily<typeof nlctrl>, options: ControllerOptions) {
    this.family = family;
    this.#onChange = options.onChange;
  }

  /**
   * Opens the controller (and, unless `watch: false`, its `notify`
   * subscription, joined before this resolves).
   *
   * @example
   * ```ts
   * import { Controller } from "@nlts/netlink";
   * const ctrl = await Controller.open({ netns: "blue", watch: false });
   * await ctrl.close();
   * ```
   */
  static async open(options: ControllerOptions = {}): Promise<Controller> {
    const family = await GenlFamily.open(nlctrl, { netns: options.netns });
    const ctrl = new Controller(family, options);
    if (options.watch ?? true) {
      try {
        ctrl.#events = family.events("notify");
        await ctrl.#events.ready;
      } catch (error) {
        await family.close();
        throw error;
      }
      ctrl.#watcher = ctrl.#watch(ctrl.#events);
    }
    return ctrl;
  }

  async #watch(events: EventStream<typeof nlctrl>): Promise<void> {
    try {
      for await (const ev of events) this.apply(ev);
    } catch {
      // A closed or failed event socket: the cache can no longer be trusted.
      this.#cache.clear();
    }
  }

  /** True while the cache follows the `notify` group. */
  get watching(): boolean {
    return this.#events !== undefined && !this.#events.closed;
  }

  /**
   * Every family the kernel has (a CTRL_CMD_GETFAMILY dump); refreshes the
   * cache.
   *
   * @example
   * ```ts
   * import { Controller } from "@nlts/netlink";
   * await using ctrl = await Controller.open({ watch: false });
   * (await ctrl.list()).map((f) => f.name);
   * ```
   */
  async list(options: { signal?: AbortSignal } = {}): Promise<FamilyInfo[]> {
    const out: FamilyInfo[] = [];
    for await (const d of this.family.dump("getfamily", {}, options)) out.push(familyInfo(d));
    for (const f of out) this.#cache.set(f.name, f);
    return out;
  }

  /**
   * Asks the kernel about one family (no cache). Rejects with a
   * `GenlError` ENOENT when there is none.
   *
   * @example
   * ```ts
   * import { Controller } from "@nlts/netlink";
   * await using ctrl = await Controller.open({ watch: false });
   * (await ctrl.get("nlctrl")).id; // 16
   * ```
   */
  async get(name: string, options: { signal?: AbortSignal } = {}): Promise<FamilyInfo> {
    const generation = this.#generation;
    const info = familyInfo(await this.family.request("getfamily", { familyName: name }, options));
    // A notification that arrived meanwhile is newer than this answer.
    if (generation === this.#generation) this.#cache.set(info.name, info);
    return info;
  }

  /**
   * The family called `name`, from the cache when it is there.
   *
   * @example
   * ```ts
   * import { Controller } from "@nlts/netlink";
   * await using ctrl = await Controller.open();
   * const { id, groups } = await ctrl.resolve("ethtool");
   * ```
   */
  resolve(name: string): Promise<FamilyInfo> {
    const hit = this.#cache.get(name);
    if (hit) return Promise.resolve(hit);
    let pending = this.#inflight.get(name);
    if (!pending) {
      pending = this.get(name).finally(() => this.#inflight.delete(name));
      this.#inflight.set(name, pending);
    }
    return pending;
  }

  /**
   * What the cache holds for `name`.
   *
   * @example
   * ```ts
   * import { Controller } from "@nlts/netlink";
   * await using ctrl = await Controller.open();
   * await ctrl.resolve("nlctrl");
   * ctrl.cached("nlctrl")?.id; // 16
   * ```
   */
  cached(name: string): FamilyInfo | undefined {
    return this.#cache.get(name);
  }

  /**
   * Applies a `notify` event to the cache: a family that returned
   * (NEWFAMILY) is stored, one removed (DELFAMILY) is dropped, one whose
   * operations or groups changed is dropped (asked again on next use); an
   * overrun clears the cache. The watcher calls this; it is public for
   * events obtained elsewhere.
   *
   * @example
   * ```ts
   * import { Controller } from "@nlts/netlink";
   * await using ctrl = await Controller.open({ watch: false });
   * ctrl.apply({ name: "delfamily", command: 2, version: 2, attrs: { familyName: "ethtool" } });
   * ```
   */
  apply(event: CtrlEvent | Overrun): void {
    this.#generation++;
    if (event instanceof Overrun) {
      this.#cache.clear();
      this.#onChange?.(undefined, undefined);
      return;
    }
    if (event.name === undefined) return;
    const name = event.attrs.familyName;
    if (name === undefined) return;
    if (event.name === "newfamily") {
      const info = familyInfo(event.attrs);
      this.#cache.set(name, info);
      this.#onChange?.(name, info);
    } else {
      this.#cache.delete(name);
      this.#onChange?.(name, undefined);
    }
  }

  /**
   * Decodes a raw nlctrl notification and {@link apply}s it.
   *
   * @example
   * ```ts
   * import { Controller } from "@nlts/netlink";
   * await using ctrl = await Controller.open({ watch: false });
   * ctrl.applyMessage({ type: 16, flags: 0, seq: 0, pid: 0, payload: new Uint8Array([2, 2, 0, 0]) });
   * ```
   */
  applyMessage(msg: NetlinkMessage): void {
    this.apply(decodeEvent(nlctrl, msg));
  }

  /** Closes both sockets. */
  async close(): Promise<void> {
    await this.#events?.close();
    await this.#watcher;
    await this.family.close();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
