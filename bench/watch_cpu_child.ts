/**
 * Child of bench/watch_cpu.ts: the example server's state (three shared
 * watches: link, address, route) from the tree at argv[0], no HTTP clients,
 * in namespace argv[1]. Prints "ready" once the snapshots are in; on each
 * stdin line `N` it waits for N more link events, then prints the process's
 * CPU (user+system µs) spent meanwhile and the events seen.
 */
import { stdin, stdout } from "node:process";
import { cpuUsage } from "node:process";
import { createInterface } from "node:readline";

const argv = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const [tree, ns] = argv;
const { StateServer } = await import(`${tree}/examples/state_server.ts`);
const state = await StateServer.open({ port: 0, netns: ns, maxQueue: 256, maxStallMs: 5000 });
const linkEvents = async (): Promise<number> => (await state.handle(new Request("http://x/stats")).json()).events.link;
stdout.write("ready\n");
for await (const line of createInterface({ input: stdin })) {
  const n = Number(line);
  if (!(n > 0)) break;
  const base = await linkEvents();
  const before = cpuUsage();
  stdout.write("go\n");
  // All of them, or (an overrun's re-dump folds several into one) none for a second.
  for (let seen = base, quiet = 0; seen < base + n && quiet < 50; quiet++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = await linkEvents();
    if (now !== seen) [seen, quiet] = [now, 0];
  }
  const used = cpuUsage(before);
  stdout.write(`${used.user + used.system} ${(await linkEvents()) - base}\n`);
}
await state.close();
