/**
 * Soak: 10,000 subscribe/unsubscribe cycles, 10,000 dumps left after their
 * first message, 1,000 watchers opened and closed, and 10,000 rounds of 100
 * concurrent requests; prints open fds and RSS before and after each phase.
 * The subscribe phase also prints RSS, external memory (ArrayBuffer backing
 * stores) and JS heap at five checkpoints, and, on glibc, what
 * `malloc_trim(0)` gives back at the end of the phase: RSS that rises while
 * the heap and external memory stay flat, and that a trim returns, is freed
 * memory the allocator keeps, not memory the library holds.
 * Works in a namespace of its own (`nlts-bench-soak-<pid>`), removed at the end.
 *   deno run -A --v8-flags=--expose-gc bench/soak.ts [cycles]
 *   bun bench/soak.ts [cycles]
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { NetlinkSocket, subscribe, watch } from "../mod.ts";
import { encodeGetRoutes } from "../src/route/route.ts";
import { getLink } from "../src/route/link.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const cycles = Number(args[0] ?? 10_000);
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const ns = `nlts-bench-soak-${process.pid}`;
const sh = (...a: string[]) => execFileSync(a[0], a.slice(1), { stdio: ["pipe", "pipe", "pipe"], input: "" });

function gc(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}
const fds = () => readdirSync("/proc/self/fd").length;
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
const heapMiB = () => process.memoryUsage().heapUsed / 2 ** 20;

function memory(): string {
  const m = process.memoryUsage();
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  return `RSS ${mib(m.rss)}, external ${mib(m.external)}, JS heap ${mib(m.heapUsed)} MiB`;
}

/** glibc's `malloc_trim(0)` (Deno only): hands freed heap memory back to the kernel. */
function mallocTrim(): boolean {
  if (!("Deno" in globalThis)) return false;
  try {
    const lib = Deno.dlopen("libc.so.6", { malloc_trim: { parameters: ["usize"], result: "i32" } });
    lib.symbols.malloc_trim(0n);
    lib.close();
    return true;
  } catch {
    return false;
  }
}

async function phase(name: string, fn: () => Promise<void>): Promise<void> {
  gc();
  const fd0 = fds(), rss0 = rssMiB(), heap0 = heapMiB(), t0 = performance.now();
  await fn();
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
  const fd1 = fds(), rss1 = rssMiB(), heap1 = heapMiB();
  console.log(
    `${runtime} ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `fds ${fd0} -> ${fd1}; RSS ${rss0.toFixed(1)} -> ${rss1.toFixed(1)} MiB (${(rss1 - rss0 >= 0 ? "+" : "")}${
        (rss1 - rss0).toFixed(1)
      }); ` +
      `JS heap ${heap0.toFixed(1)} -> ${heap1.toFixed(1)} MiB`,
  );
  if (fd1 !== fd0) {
    console.log(`  fds now: ${
      readdirSync("/proc/self/fd").map((f) => {
        try {
          return readlinkSync(`/proc/self/fd/${f}`);
        } catch {
          return "?";
        }
      }).join(" ")
    }`);
  }
}

sh("ip", "netns", "add", ns);
try {
  let batch = "link set lo up\nlink add v0 type veth peer name v1\nlink set v0 up\nlink set v1 up\n";
  for (let i = 0; i < 500; i++) batch += `route add blackhole 10.${100 + (i >> 8)}.${i & 255}.0/24\n`;
  execFileSync("ip", ["-n", ns, "-batch", "-"], { input: batch });
  // Warm up the shared loop (its fds live for the process).
  await (await NetlinkSocket.open("route", { netns: ns })).close();

  await phase(`${cycles} subscribe/unsubscribe cycles`, async () => {
    for (let i = 1; i <= cycles; i++) {
      const events = subscribe(["link", "ipv4_route", "neigh"], { netns: ns });
      await events.ready;
      const it = events[Symbol.asyncIterator]();
      const pending = it.next();
      await events.close();
      await pending;
      if (i % Math.max(1, Math.floor(cycles / 5)) === 0) {
        gc();
        console.log(`  after ${i} cycles: ${memory()}`);
      }
    }
    const before = rssMiB();
    if (mallocTrim()) console.log(`  malloc_trim(0): RSS ${before.toFixed(1)} -> ${rssMiB().toFixed(1)} MiB`);
  });

  await phase(`${cycles} dumps left after their first message`, async () => {
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const request = encodeGetRoutes({ table: "all", family: "inet" });
    for (let i = 0; i < cycles; i++) for await (const _ of sock.dump(request)) break;
    let n = 0;
    for await (const _ of sock.dump(request)) n++;
    if (n < 500) throw new Error(`the socket is not clean: ${n} routes`);
  });

  await phase(`${cycles / 10} watchers opened, snapshot taken, closed`, async () => {
    for (let i = 0; i < cycles / 10; i++) {
      for await (const _ of watch("route", { netns: ns })) break;
    }
  });

  await phase(`${cycles / 100} rounds of 100 concurrent requests on one socket`, async () => {
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    for (let round = 0; round < cycles / 100; round++) {
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => getLink(sock, i % 2 ? "v0" : "v1")));
      replies.forEach((l, i) => {
        if (l.name !== (i % 2 ? "v0" : "v1")) throw new Error(`request ${i} got ${l.name}`);
      });
    }
  });
} finally {
  sh("ip", "netns", "del", ns);
}
