/**
 * The readiness loop: one epoll set for the whole process, waited on off the
 * JS thread (see `ffi/`). Sockets arm their fd when they want data and get a
 * callback when it is readable. The loop only waits while some fd is armed,
 * so a process with nothing to wait for exits by itself.
 *
 * It also keeps reading from starving the host program. Reads and the
 * consumers' work on what they read run in microtasks, which the event loop
 * finishes before it runs any timer, I/O callback or signal handler; so
 * reads are counted in turns. A turn ends with a macrotask (`setImmediate`)
 * that the first read of the turn schedules; once a socket has spent its
 * share of the turn, or all sockets together the whole turn, further reads
 * wait for the next turn, whatever the consumers do meanwhile.
 *
 * @module
 */
import type { Libc, Poller } from "../../ffi/mod.ts";

/** Reads all sockets together may make in one turn of the event loop. */
const READS_PER_TURN_ALL = 256;

/**
 * Runs `task` as a macrotask: after the event loop has had its turn at
 * timers and I/O. `setImmediate` where the runtime has it (Deno, Bun, Node):
 * unlike `setTimeout(0)` it is not clamped to 1–4 ms.
 */
const macrotask: (task: () => void) => void = typeof (globalThis as { setImmediate?: unknown }).setImmediate ===
    "function"
  ? (task) => (globalThis as unknown as { setImmediate(task: () => void): void }).setImmediate(task)
  : (task) => setTimeout(task, 0);

/** Dispatches readiness of registered fds. One per process. */
export class Loop {
  readonly #libc: Libc;
  /**
   * Made at the first {@link arm}, not before: a process whose sockets never
   * wait (a command line's dumps, which the kernel fills as they are read)
   * never starts it. Bun's poller in a Worker is a worker of its own, about
   * 6 MiB.
   */
  #poller?: Poller;
  readonly #handlers = new Map<number, () => void>();
  readonly #armed = new Set<number>();
  #running = false;
  #turn = 0;
  #turnReads = 0;
  #turnEnding = false;
  #waitingForTurn: (() => void)[] = [];

  constructor(libc: Libc) {
    this.#libc = libc;
  }

  /**
   * Registers `fd`, disarmed; `onReadable` runs once per {@link arm}. Before
   * the poller exists this only records it (0); the poller adds it when made.
   */
  register(fd: number, onReadable: () => void): number {
    const r = this.#poller ? this.#poller.add(fd) : 0;
    if (r >= 0) this.#handlers.set(fd, onReadable);
    return r;
  }

  /** Forgets `fd` (call before closing it). */
  unregister(fd: number): void {
    if (!this.#handlers.delete(fd)) return;
    this.#poller?.remove(fd);
    this.#armed.delete(fd);
    this.#settle();
  }

  /** The poller, made on first use with every fd registered so far added to it. */
  #pollerNow(): Poller {
    if (this.#poller) return this.#poller;
    const poller = this.#libc.poller();
    this.#poller = poller;
    for (const fd of this.#handlers.keys()) {
      const r = poller.add(fd);
      if (r < 0) throw new Error(`epoll_ctl(ADD, ${fd}) failed: errno ${-r}`);
    }
    return poller;
  }

  /** Asks for one readiness callback for `fd`. */
  arm(fd: number): void {
    if (!this.#handlers.has(fd) || this.#armed.has(fd)) return;
    const r = this.#pollerNow().arm(fd);
    if (r < 0) throw new Error(`epoll_ctl(MOD, ${fd}) failed: errno ${-r}`);
    this.#armed.add(fd);
    if (!this.#running) void this.#run();
  }

  /** Withdraws the request for readiness of `fd`, if any. */
  disarm(fd: number): void {
    if (!this.#armed.delete(fd)) return;
    this.#poller!.disarm(fd);
    this.#settle();
  }

  /**
   * Number of the current turn; it changes once the event loop has run
   * other tasks since the turn began.
   */
  get turn(): number {
    return this.#turn;
  }

  /** Takes one read from this turn's shared budget; false when it is spent. */
  takeRead(): boolean {
    if (this.#turnReads >= READS_PER_TURN_ALL) return false;
    this.#turnReads++;
    this.#endTurnSoon();
    return true;
  }

  /** Calls `resume` once the next turn has begun. */
  nextTurn(resume: () => void): void {
    this.#waitingForTurn.push(resume);
    this.#endTurnSoon();
  }

  #endTurnSoon(): void {
    if (this.#turnEnding) return;
    this.#turnEnding = true;
    macrotask(() => this.#beginTurn());
  }

  #beginTurn(): void {
    this.#turnEnding = false;
    this.#turn++;
    this.#turnReads = 0;
    // In the order they stopped: sockets that found the turn spent go first.
    const waiting = this.#waitingForTurn;
    this.#waitingForTurn = [];
    for (const resume of waiting) {
      try {
        resume();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** With nothing armed, a pending wait is woken so the process may exit. */
  #settle(): void {
    if (this.#armed.size === 0 && this.#running) this.#poller!.wake();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#armed.size > 0) {
        const fds = await this.#poller!.wait();
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
