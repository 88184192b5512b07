/**
 * The changes the event benchmarks time (`bench/events.ts`,
 * `bench/events_where.ts`) and the child process that makes them from
 * outside (`bench/events_child.ts`).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Flags, MessageWriter } from "../mod.ts";
import { runtime } from "./common.ts";

export const RTM_NEWADDR = 20, RTM_DELADDR = 21;

/**
 * An RTM_NEWADDR (exclusive) or RTM_DELADDR of `10.<second>.<n>/32` on lo;
 * each process uses a second octet of its own.
 */
export function addrMessage(type: number, n: number, second = 99): Uint8Array {
  const m = new MessageWriter(type, type === RTM_NEWADDR ? Flags.CREATE | Flags.EXCL : 0);
  const h = m.struct(8);
  h.setUint8(0, 2); // AF_INET
  h.setUint8(1, 32);
  h.setUint32(4, 1, true); // lo
  const addr = new Uint8Array([10, second, (n >> 8) & 255, n & 255]);
  m.attr(2, addr).attr(1, addr); // IFA_LOCAL, IFA_ADDRESS
  return m.finish();
}

/**
 * `bench/events_child.ts` in namespace `ns`, under this runtime: `change(i)`
 * asks it for change `i`; `stamps()` ends it and returns the
 * `CLOCK_MONOTONIC` stamp it took just before each change's send. The child
 * waits for its acks with the runtime's default poller whatever design this
 * process was told to use, so that only this process's differs.
 */
export function eventsChild(ns: string): { change(i: number): void; stamps(): Promise<bigint[]> } {
  const runtimeArgs = runtime === "deno"
    ? ["run", "-A"]
    : runtime === "node"
    ? ["--disable-warning=ExperimentalWarning"]
    : [];
  const env = { ...process.env };
  delete env.NLTS_DENO_POLLER;
  delete env.NLTS_BUN_POLLER;
  const child = spawn(process.execPath, [...runtimeArgs, new URL("events_child.ts", import.meta.url).pathname, ns], {
    stdio: ["pipe", "pipe", "inherit"],
    env,
  });
  const output = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    change: (i) => void child.stdin!.write(`${i}\n`),
    async stamps() {
      child.stdin!.end();
      const printed = await output.next();
      if (printed.done) throw new Error("bench/events_child.ts printed nothing");
      return (JSON.parse(printed.value) as string[]).map(BigInt);
    },
  };
}
