// A subscription in a worker thread is woken by an event another process
// causes, as one on the main thread is: each runtime's poller works there
// too (Bun's signal-driven one does not, so a Bun worker uses its thread).
import assert from "node:assert/strict";
import { Child } from "../helpers/child.ts";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { command, runtimeHere } from "../helpers/runtimes.ts";

test("a subscription in a worker thread receives an address added by ip", async () => {
  await withNetns("p99-worker", async (ns) => {
    const child = new Child(...command(runtimeHere(), "test/socket/worker_wait_child.ts", [ns]));
    await child.waitFor((l) => l === "ready");
    ip(ns, "address", "add", "10.99.0.1/32", "dev", "lo");
    await child.succeeded();
    assert.deepEqual(child.lines, ["ready", "RTM_NEWADDR"]);
  });
});
