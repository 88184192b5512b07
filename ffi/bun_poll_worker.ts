/**
 * The Bun poll thread: blocks in `epoll_wait` on the process-wide epoll set
 * and posts the ready fds to the main thread. See `bun.ts`.
 *
 * @module
 */
import { bunFfi, SYMBOLS } from "./bun.ts";
import { epollLayout, MAX_EVENTS, readyFds } from "./common.ts";

interface Start {
  epfd: number;
  wakeFd: number;
  stop: Int32Array;
  arch: string;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Start>) => void) | null;
  postMessage(fds: number[]): void;
};

scope.onmessage = (event: MessageEvent<Start>) => {
  scope.onmessage = null;
  const { epfd, wakeFd, stop, arch } = event.data;
  const c = bunFfi().dlopen("libc.so.6", SYMBOLS).symbols;
  const events = new Uint8Array(new ArrayBuffer(MAX_EVENTS * epollLayout(arch).size));
  const counter = new Uint8Array(new ArrayBuffer(8));
  while (Atomics.load(stop, 0) === 0) {
    const n = c.epoll_wait(epfd, events, MAX_EVENTS, -1);
    if (n <= 0) continue; // EINTR
    const fds = readyFds(arch, events, n);
    const woken = fds.includes(wakeFd);
    if (woken) c.read(wakeFd, counter, 8);
    if (Atomics.load(stop, 0) !== 0) break;
    // A wake-up posts an empty list so that a pending wait returns.
    scope.postMessage(fds.filter((fd) => fd !== wakeFd));
  }
  c.close(epfd);
  c.close(wakeFd);
};
