// The poller needs no permission beyond the FFI's: under Deno it reads its
// NLTS_DENO_POLLER override only if env access is granted (a program run
// without --allow-env once got NotCapable at its first wait) and its socket
// pair needs no --allow-net. Bun and Node have no permissions to withhold:
// there the child runs as usual.
import assert from "node:assert/strict";
import { Child } from "../helpers/child.ts";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { command, runtimeHere } from "../helpers/runtimes.ts";

const script = "test/socket/few_permissions_child.ts";

test("a subscription wakes for an address ip adds, under Deno with only --allow-ffi --allow-read (Bun, Node: no permissions to withhold)", async () => {
  await withNetns("p99-perms", async (ns) => {
    const runtime = runtimeHere();
    const [cmd, argv] = runtime === "deno"
      ? ["deno", ["run", "--allow-ffi", "--allow-read", script, ns]]
      : command(runtime, script, [ns]);
    const child = new Child(cmd, argv);
    await child.waitFor((l) => l === "ready");
    ip(ns, "address", "add", "10.99.0.1/32", "dev", "lo");
    await child.succeeded();
    assert.deepEqual(child.lines, ["ready", "RTM_NEWADDR"]);
  });
});
