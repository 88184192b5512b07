// Deno's default poller (ffi/deno_uring.ts) needs io_uring; where a seccomp
// profile refuses it (Docker's default one does), ffi/deno.ts must fall back
// to its thread and still deliver events. The refusal here is real: the child
// installs a seccomp filter on itself that answers io_uring_setup with EPERM.
// The child is Deno under every runtime (the poller is Deno's); without the
// filter it must be using io_uring, so the test tells the two paths apart.
import assert from "node:assert/strict";
import { Child } from "../helpers/child.ts";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { command } from "../helpers/runtimes.ts";

async function runChild(ns: string, mode: "refuse" | "allow"): Promise<string[]> {
  const child = new Child(...command("deno", "test/socket/uring_refused_child.ts", [ns, mode]));
  await child.waitFor((l) => l === "ready");
  ip(ns, "address", "add", `10.99.0.${mode === "refuse" ? 1 : 2}/32`, "dev", "lo");
  await child.succeeded();
  return child.lines;
}

test("Deno child: io_uring refused by seccomp, the poller falls back to its thread and an address ip adds arrives", async () => {
  await withNetns("uring-refused", async (ns) => {
    const [refused, kinds, ready, event] = await runChild(ns, "refuse");
    assert.equal(refused, "refused");
    assert.ok(!kinds.split(" ").includes("io_uring"), `no io_uring fd: ${kinds}`);
    assert.ok(kinds.split(" ").includes("eventfd"), `the thread's wake-up eventfd: ${kinds}`);
    assert.deepEqual([ready, event], ["ready", "RTM_NEWADDR"]);
  });
});

test("Deno child: io_uring allowed, the poller uses it and an address ip adds arrives", async () => {
  await withNetns("uring-allowed", async (ns) => {
    const [kinds, ready, event] = await runChild(ns, "allow");
    assert.ok(kinds.split(" ").includes("io_uring"), `an io_uring fd: ${kinds}`);
    assert.deepEqual([ready, event], ["ready", "RTM_NEWADDR"]);
  });
});
