/**
 * The nlts command line: `link`, `addr`, `route`, `neigh`, `rule`,
 * `nexthop`, `monitor`, `genl`, `uevent`, `ss`, `conntrack`, `top` and `demo`, with
 * aligned tables by default and JSON with `-j` (ip -j's shapes for the rtnetlink
 * listings, NDJSON for streams); `-n NAME`
 * works in the network namespace /run/netns/NAME. `nlts --help` lists it all.
 *
 * @example
 * ```sh
 * deno run -A jsr:@nlts/netlink/cli route get 1.1.1.1
 * deno run -A cli.ts -n blue link -j
 * bun cli.ts monitor link address
 * ```
 *
 * @module
 */
import type { Output } from "./src/cli/context.ts";
import { commandArgs, enableNodeCompileCache, setExitCode } from "./ffi/host.ts";

export type { Output };

/**
 * Runs the command line `argv` (without the runtime and script) and
 * resolves with the exit status. Output goes to `io` (the console by
 * default); nothing is thrown. The command line's modules load on the first
 * call (under Node after its compile cache is on, so they are stripped of
 * their types once, not at every start).
 *
 * @example
 * ```ts
 * import { main } from "@nlts/netlink/cli";
 * const status = await main(["link", "-j"]);
 * console.log(status); // 0
 * ```
 */
export async function main(argv: readonly string[], io?: Output): Promise<number> {
  return await (await import("./src/cli/main.ts")).main(argv, io);
}

if (import.meta.main) {
  // Node: every module imported from here on is cached once stripped of its types.
  enableNodeCompileCache();
  setExitCode(await main(commandArgs()));
}
