/**
 * The readiness loop: one epoll set for the whole process, waited on off the
 * JS thread (see `ffi/`). Sockets arm their fd when they want data and get a
 * callback when it is readable. The loop only waits while some fd is armed,
 * so a process with nothing to wait for exits by itself.
 *
 * @module
 */
import type { Libc, Poller } from "../../ffi/mod.ts";

/** Dispatches readiness of registered fds. One per process. */
export class Loop {
  readonly #poller: Poller;
  readonly #handlers = new Map<number, () => void>();
  readonly #armed = new Set<number>();
  #running = false;

  constructor(libc: Libc) {
    this.#poller = libc.poller();
  }

  /** Registers `fd`, disarmed; `onReadable` runs once per {@link arm}. */
  register(fd: number, onReadable: () => void): number {
    this.#handlers.set(fd, onReadable);
    return this.#poller.add(fd);
  }

  /** Forgets `fd` (call before closing it). */
  unregister(fd: number): void {
    if (!this.#handlers.delete(fd)) return;
    this.#poller.remove(fd);
    this.#armed.delete(fd);
    this.#settle();
  }

  /** Asks for one readiness callback for `fd`. */
  arm(fd: number): void {
    if (!this.#handlers.has(fd) || this.#armed.has(fd)) return;
    const r = this.#poller.arm(fd);
    if (r < 0) throw new Error(`epoll_ctl(MOD, ${fd}) failed: errno ${-r}`);
    this.#armed.add(fd);
    if (!this.#running) void this.#run();
  }

  /** Withdraws the request for readiness of `fd`, if any. */
  disarm(fd: number): void {
    if (!this.#armed.delete(fd)) return;
    this.#poller.disarm(fd);
    this.#settle();
  }

  /** With nothing armed, a pending wait is woken so the process may exit. */
  #settle(): void {
    if (this.#armed.size === 0 && this.#running) this.#poller.wake();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#armed.size > 0) {
        const fds = await this.#poller.wait();
        for (const fd of fds) {
          if (!this.#armed.delete(fd)) continue;
          const handler = this.#handlers.get(fd);
          try {
            handler?.();
          } catch (error) {
            // A handler must not stop the loop for every other socket.
            queueMicrotask(() => {
              throw error;
            });
          }
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

let shared: Loop | undefined;

/** The process-wide loop. */
export function sharedLoop(libc: Libc): Loop {
  shared ??= new Loop(libc);
  return shared;
}
