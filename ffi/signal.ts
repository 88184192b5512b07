/**
 * A {@link Poller} with no thread: the kernel signals the JS thread when an
 * armed socket receives data (signal-driven I/O), and the runtime's own event
 * loop, which already watches signals, runs the listener that collects the
 * ready fds with a non-blocking `epoll_wait`. Bun's main thread uses it;
 * Deno only on request (`NLTS_DENO_POLLER=signal`), since Deno passes signals
 * to its JS thread through a thread of its own (see both headers for the
 * figures); Node has a libuv poll handle instead.
 *
 * How: each armed fd has `O_ASYNC` set, its owner set to the JS thread
 * (`F_SETOWN_EX`, `F_OWNER_TID`) and its signal set to `SIGURG`
 * (`F_SETSIG`), whose default action is to be ignored, so a signal that comes
 * when no listener is installed (after {@link Poller.close}) is harmless. A
 * socket sends the signal whenever a datagram or an error is queued on it
 * while `O_ASYNC` is set; that is only while the fd is armed, so a socket
 * being read in a storm sends no signal per datagram. The epoll set stays the
 * source of truth: the signal only says "look now", so a spurious or merged
 * signal costs one `epoll_wait(0)`, and a readiness that came before
 * `O_ASYNC` was set (data queued before the arm) is found by the look that
 * every {@link Poller.wait} and every arm during a wait makes.
 *
 * Signals keep no event loop alive, so a timer that never fires holds the
 * process while a wait is pending, and only then.
 *
 * @module
 */
import type { Poller } from "./types.ts";
import {
  EPOLL_CLOEXEC,
  epollInterest,
  epollLayout,
  type JsThreadEpollCalls,
  JsThreadWait,
  MAX_EVENTS,
  readyNow,
} from "./common.ts";

const F_GETFL = 3;
const F_SETFL = 4;
const F_SETSIG = 10;
const F_SETOWN_EX = 15;
const F_OWNER_TID = 0;
const O_ASYNC = 0x2000;
/** `SIGURG`'s number on Linux (x86_64 and aarch64). */
const SIGURG = 23;

/** What a backend gives {@link signalPoller}: synchronous calls on the JS thread. */
export interface SignalPollerCalls extends JsThreadEpollCalls {
  /** `fcntl(fd, cmd, arg)` with an integer argument. */
  fcntl(fd: number, cmd: number, arg: number): number;
  /** `fcntl(fd, cmd, arg)` with a pointer argument (`struct f_owner_ex *`). */
  fcntlPointer(fd: number, cmd: number, arg: Uint8Array): number;
  /** The calling (JS) thread's id. */
  gettid(): number;
  close(fd: number): number;
  /** Calls `listener` on each `SIGURG` from the event loop; returns the remover. */
  onSigurg(listener: () => void): () => void;
}

/** The {@link Poller} described in this module's header. */
export function signalPoller(c: SignalPollerCalls, check: (r: number) => number, arch: string): Poller {
  const epfd = check(c.epoll_create1(EPOLL_CLOEXEC));
  if (epfd < 0) throw new Error(`epoll_create1 failed: errno ${-epfd}`);
  const events = new Uint8Array(new ArrayBuffer(MAX_EVENTS * epollLayout(arch).size));
  const owner = new Uint8Array(new ArrayBuffer(8));
  new DataView(owner.buffer).setInt32(0, F_OWNER_TID, true);
  new DataView(owner.buffer).setInt32(4, c.gettid(), true);
  /** The file status flags of each fd in the set, without `O_ASYNC`. */
  const flags = new Map<number, number>();
  let keepAlive: ReturnType<typeof setTimeout> | undefined;
  let lookSoon = false;
  let closed = false;

  const interest = epollInterest(c.epoll_ctl, epfd, check, arch);
  const setAsync = (fd: number, on: boolean) => {
    const base = flags.get(fd);
    return base === undefined ? 0 : check(c.fcntl(fd, F_SETFL, on ? base | O_ASYNC : base));
  };
  /** The fds epoll reports now; each is disarmed (one-shot), so its signal goes off too. */
  const look = (): number[] => {
    const fds = readyNow(c, epfd, events, arch);
    for (const fd of fds) setAsync(fd, false);
    return fds;
  };
  const waiting = new JsThreadWait(() => {
    keepAlive = setTimeout(() => {}, 2 ** 31 - 1); // signals keep no event loop alive
  }, () => {
    clearTimeout(keepAlive);
    keepAlive = undefined;
  });
  const onSignal = () => {
    if (!waiting.pending) return;
    const fds = look();
    if (fds.length > 0) waiting.settle(fds);
  };
  const stopListening = c.onSigurg(onSignal);

  return {
    add(fd) {
      const r = interest.add(fd);
      if (r < 0) return r;
      const base = check(c.fcntl(fd, F_GETFL, 0));
      const failed = base < 0 ? base : Math.min(
        check(c.fcntlPointer(fd, F_SETOWN_EX, owner)),
        check(c.fcntl(fd, F_SETSIG, SIGURG)),
      );
      if (failed < 0) {
        interest.remove(fd);
        return failed;
      }
      flags.set(fd, base & ~O_ASYNC);
      return 0;
    },
    arm(fd) {
      // O_ASYNC first: data that comes after it signals, data that came
      // before it is found by the look below (or by the next wait's).
      const r = setAsync(fd, true);
      if (r < 0) return r;
      const armed = interest.arm(fd);
      if (armed < 0) return armed;
      if (waiting.pending && !lookSoon) {
        lookSoon = true;
        queueMicrotask(() => {
          lookSoon = false;
          onSignal();
        });
      }
      return 0;
    },
    disarm(fd) {
      setAsync(fd, false);
      return interest.disarm(fd);
    },
    remove(fd) {
      setAsync(fd, false);
      flags.delete(fd);
      return interest.remove(fd);
    },
    wait() {
      if (closed) return Promise.resolve([]);
      return waiting.start(look);
    },
    wake: () => waiting.wake(),
    close() {
      if (closed) return;
      closed = true;
      stopListening();
      for (const fd of flags.keys()) setAsync(fd, false);
      flags.clear();
      c.close(epfd);
      waiting.settle([]);
    },
  };
}
