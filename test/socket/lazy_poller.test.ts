// The readiness loop makes its poller at the first wait, not at the first
// socket: sockets registered before it must be watched by it too.
import assert from "node:assert/strict";
import { Child } from "../helpers/child.ts";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { command, runtimeHere } from "../helpers/runtimes.ts";

test("a socket opened before the poller exists is watched once a wait makes it", async () => {
  await withNetns("clm-poller", async (ns) => {
    const child = new Child(...command(runtimeHere(), "test/socket/lazy_poller_child.ts", [ns]));
    await child.waitFor((l) => l === "ready");
    ip(ns, "link", "add", "lp0", "type", "veth", "peer", "name", "lp1");
    await child.waitFor((l) => l === "ready again");
    ip(ns, "link", "set", "lp0", "up");
    await child.succeeded();
    assert.deepEqual(child.lines, ["ready", "ready again", "second,first"]);
  });
});
