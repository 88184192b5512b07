/**
 * Watches links and addresses with `for await`, like a small `ip monitor
 * link address`.
 *
 *     deno run -A examples/deno_watch.ts [--netns NAME] [--for SECONDS]
 *
 * Stops on Ctrl-C, or by itself after `--for SECONDS`. Outside this
 * repository, import from "jsr:@nlts/netlink" instead of "../mod.ts".
 */
import { Overrun, RouteClient } from "../mod.ts";

function flag(name: string): string | undefined {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : undefined;
}
const netns = flag("--netns");
const seconds = flag("--for");

// One signal ends everything: Ctrl-C, or the timer.
const stop = new AbortController();
const onInterrupt = () => stop.abort();
Deno.addSignalListener("SIGINT", onInterrupt);
const timer = seconds ? setTimeout(() => stop.abort(), Number(seconds) * 1000) : undefined;

/** Ends the program with one line on stderr, like the CLI, instead of a stack trace. */
function fail(error: unknown): never {
  console.error(`deno_watch: ${error instanceof Error ? error.message : String(error)}`);
  Deno.exit(1);
}

// A mistyped --netns fails here: "open(/run/netns/NAME) failed with ENOENT".
await using rt = await RouteClient.open({ netns }).catch(fail);
const names = new Map<number, string>();
for await (const link of rt.links()) names.set(link.index, link.name);

await using events = rt.events(["link", "ipv4_ifaddr", "ipv6_ifaddr"], { signal: stop.signal });
await events.ready; // from here on nothing is missed
console.log(`watching links and addresses${netns ? ` in ${netns}` : ""}${seconds ? ` for ${seconds} s` : ""}`);
try {
  for await (const event of events) {
    if (event instanceof Overrun) {
      console.log("events were lost; a fresh dump would resync");
    } else if (event.kind === "link") {
      const { index, name, operstate, mtu } = event.link;
      if (event.action === "new") names.set(index, name);
      console.log(`link ${event.action} ${name} index=${index} state=${operstate} mtu=${mtu}`);
    } else if (event.kind === "address") {
      const a = event.address;
      console.log(`address ${event.action} ${a.local}/${a.prefixLength} dev=${names.get(a.index) ?? a.index}`);
    }
  }
} catch (error) {
  if (!stop.signal.aborted) fail(error);
} finally {
  clearTimeout(timer);
  Deno.removeSignalListener("SIGINT", onInterrupt);
}
console.log("stopped");
