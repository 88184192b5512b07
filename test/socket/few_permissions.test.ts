// The poller needs no permission beyond the FFI's: under Deno it reads its
// NLTS_DENO_POLLER override only if env access is granted (a program run
// without --allow-env once got NotCapable at its first wait) and its socket
// pair needs no --allow-net. Bun and Node have no permissions to withhold:
// there the child runs as usual.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { command, runtimeHere } from "../helpers/runtimes.ts";

const root = new URL("../../", import.meta.url).pathname;
const script = "test/socket/few_permissions_child.ts";

test("a subscription wakes for an address ip adds, under Deno with only --allow-ffi --allow-read (Bun, Node: no permissions to withhold)", async () => {
  await withNetns("p99-perms", async (ns) => {
    const runtime = runtimeHere();
    const [cmd, argv] = runtime === "deno"
      ? ["deno", ["run", "--allow-ffi", "--allow-read", script, ns]]
      : command(runtime, script, [ns]);
    const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const closed = once(child, "close");
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        child.stdout.on("data", (d) => {
          stdout += d;
          if (stdout.includes("ready\n")) resolve();
        });
      }),
    ]);
    ip(ns, "address", "add", "10.99.0.1/32", "dev", "lo");
    const timer = setTimeout(() => child.kill(), 10_000);
    const [code] = await closed;
    clearTimeout(timer);
    assert.equal(stderr, "");
    assert.equal(code, 0);
    assert.equal(stdout, "ready\nRTM_NEWADDR\n");
  });
});
