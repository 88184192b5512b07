// Run by bun from libc.test.ts: starts the Bun poller with a libc name its
// worker cannot open, waits, and prints how the wait ended as one JSON line.
import { bunFfi, bunPoller, SYMBOLS } from "../../ffi/bun.ts";

const libcName = process.argv[2];
const c = bunFfi().dlopen("libc.so.6", SYMBOLS).symbols;
const poller = bunPoller(c, (r) => r, libcName);
const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("still waiting after 5 s"), 5000));
const outcome = await Promise.race([
  poller.wait().then((fds) => `resolved with ${JSON.stringify(fds)}`, (error: Error) => `rejected: ${error.message}`),
  timeout,
]);
// A second wait after the failure rejects at once, with the same error.
const again = await poller.wait().then(() => "resolved", (error: Error) => `rejected: ${error.message}`);
console.log(JSON.stringify({ outcome, again }));
process.exit(0);
