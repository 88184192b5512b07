// The readiness loop makes its poller at the first wait, not at the first
// socket: sockets registered before it must be watched by it too.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { command, runtimeHere } from "../helpers/runtimes.ts";

const root = new URL("../../", import.meta.url).pathname;

test("a socket opened before the poller exists is watched once a wait makes it", async () => {
  await withNetns("clm-poller", async (ns) => {
    const [cmd, argv] = command(runtimeHere(), "test/socket/lazy_poller_child.ts", [ns]);
    const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const closed = once(child, "close");
    const printed = (line: string) =>
      Promise.race([
        closed,
        new Promise<void>((resolve) => {
          const check = () => stdout.split("\n").includes(line) && resolve();
          child.stdout.on("data", check);
          check();
        }),
      ]);
    child.stdout.on("data", (d) => (stdout += d));
    await printed("ready");
    ip(ns, "link", "add", "lp0", "type", "veth", "peer", "name", "lp1");
    await printed("ready again");
    ip(ns, "link", "set", "lp0", "up");
    const timer = setTimeout(() => child.kill(), 10_000);
    const [code] = await closed;
    clearTimeout(timer);
    assert.equal(stderr, "");
    assert.equal(code, 0);
    assert.equal(stdout, "ready\nready again\nsecond,first\n");
  });
});
