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
import { main } from "./src/cli/main.ts";
import { commandArgs, setExitCode } from "./src/cli/host.ts";

export { main };
export type { Output } from "./src/cli/context.ts";

if (import.meta.main) setExitCode(await main(commandArgs()));
