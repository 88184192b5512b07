// A subscription in a worker thread is woken by an event another process
// causes, as one on the main thread is: each runtime's poller works there
// too (Bun's signal-driven one does not, so a Bun worker uses its thread).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { command, runtimeHere } from "../helpers/runtimes.ts";

const root = new URL("../../", import.meta.url).pathname;

test("a subscription in a worker thread receives an address added by ip", async () => {
  await withNetns("p99-worker", async (ns) => {
    const [cmd, argv] = command(runtimeHere(), "test/socket/worker_wait_child.ts", [ns]);
    const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const closed = once(child, "close");
    const ready = Promise.race([
      closed,
      new Promise<void>((resolve) => {
        child.stdout.on("data", (d) => {
          stdout += d;
          if (stdout.includes("ready\n")) resolve();
        });
      }),
    ]);
    await ready;
    ip(ns, "address", "add", "10.99.0.1/32", "dev", "lo");
    const timer = setTimeout(() => child.kill(), 10_000);
    const [code] = await closed;
    clearTimeout(timer);
    assert.equal(stderr, "");
    assert.equal(code, 0);
    assert.equal(stdout, "ready\nRTM_NEWADDR\n");
  });
});
