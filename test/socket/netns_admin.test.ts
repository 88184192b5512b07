// createNetns / deleteNetns / listNetns against `ip netns` and the kernel.
import assert from "node:assert/strict";
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { runtime, test } from "../helpers/harness.ts";
import { sh } from "../helpers/netns.ts";
import { createNetns, deleteNetns, listNetns, NetlinkError, NetlinkSocket, RouteClient } from "../../mod.ts";

/** A name of ours: `nlts-nsi-<what>-<pid>`. */
const nsName = (what: string) => `nlts-nsi-${what}-${process.pid}`;

function ipNetnsList(): string[] {
  return sh("ip", ["netns", "list"]).split("\n").filter((l) => l !== "").map((l) => l.split(" ")[0]);
}

/** Removes `name` if a failed test left it behind (with ip, the oracle). */
function cleanup(name: string): void {
  try {
    sh("ip", ["netns", "del", name]);
  } catch { /* not there */ }
}

/** The namespace link (`net:[inode]`) of every thread of this process. */
function threadNamespaces(): Map<string, string> {
  const out = new Map<string, string>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      out.set(tid, readlinkSync(`/proc/self/task/${tid}/ns/net`));
    } catch { /* the thread ended meanwhile */ }
  }
  return out;
}

test(`createNetns: ip netns lists it, a RouteClient inside sees only lo, ip netns exec runs in it, deleteNetns removes it (${runtime})`, async () => {
  const name = nsName("life");
  cleanup(name);
  try {
    await createNetns(name);
    assert.ok(ipNetnsList().includes(name), "ip netns list shows it");
    assert.ok((await listNetns()).includes(name), "listNetns shows it");

    await using rt = await RouteClient.open({ netns: name });
    const links = [];
    for await (const link of rt.links()) links.push(link.name);
    assert.deepEqual(links, ["lo"]);

    // ip netns exec enters the same namespace our socket lives in.
    sh("ip", ["netns", "exec", name, "ip", "link", "add", "nsi0", "type", "bridge"]);
    const after = [];
    for await (const link of rt.links()) after.push(link.name);
    assert.deepEqual(after.sort(), ["lo", "nsi0"]);
    const inode = statSync(`/run/netns/${name}`).ino;
    assert.equal(sh("ip", ["netns", "exec", name, "readlink", "/proc/self/ns/net"]).trim(), `net:[${inode}]`);

    await deleteNetns(name);
    assert.ok(!ipNetnsList().includes(name), "ip netns list no longer shows it");
    assert.ok(!(await listNetns()).includes(name), "listNetns no longer shows it");
    assert.throws(() => statSync(`/run/netns/${name}`), /ENOENT/);
  } finally {
    cleanup(name);
  }
});

test(`createNetns leaves every thread of the process in its original namespace (${runtime})`, async () => {
  const name = nsName("threads");
  cleanup(name);
  // An open socket starts the poller (Bun: a worker thread blocked in epoll_wait).
  await using sock = await NetlinkSocket.open("route", { groups: [1] });
  const own = readlinkSync("/proc/self/ns/net");
  const before = threadNamespaces();
  assert.ok(before.size > 1, "the runtime has more threads than the JS thread");
  for (const ns of before.values()) assert.equal(ns, own);
  try {
    for (let i = 0; i < 3; i++) {
      await createNetns(`${name}-${i}`);
      const created = `net:[${statSync(`/run/netns/${name}-${i}`).ino}]`;
      assert.notEqual(created, own, "a new namespace, not ours");
      const threads = threadNamespaces();
      for (const [tid, ns] of threads) assert.equal(ns, own, `thread ${tid} is in ${ns}, not ${own}`);
      assert.equal(readlinkSync("/proc/thread-self/ns/net"), own);
    }
    // Sockets opened afterwards without netns are still ours.
    await using later = await NetlinkSocket.open("route");
    assert.ok(later.portId > 0 && sock.portId > 0);
  } finally {
    for (let i = 0; i < 3; i++) cleanup(`${name}-${i}`);
  }
});

test(`deleteNetns deletes a namespace that ip netns add created (${runtime})`, async () => {
  const name = nsName("ipmade");
  cleanup(name);
  try {
    sh("ip", ["netns", "add", name]);
    assert.ok((await listNetns()).includes(name));
    await deleteNetns(name);
    assert.ok(!ipNetnsList().includes(name));
    assert.throws(() => sh("ip", ["netns", "exec", name, "true"]));
  } finally {
    cleanup(name);
  }
});

test(`createNetns of an existing name is EEXIST and leaves the existing namespace working; deleting a missing one is ENOENT (${runtime})`, async () => {
  const ours = nsName("dup");
  const theirs = nsName("dupip");
  cleanup(ours);
  cleanup(theirs);
  try {
    await createNetns(ours);
    sh("ip", ["netns", "add", theirs]);
    const inodes = [statSync(`/run/netns/${ours}`).ino, statSync(`/run/netns/${theirs}`).ino];
    for (const name of [ours, theirs]) {
      await assert.rejects(createNetns(name), (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST");
    }
    // Same namespaces as before, still usable.
    assert.deepEqual([statSync(`/run/netns/${ours}`).ino, statSync(`/run/netns/${theirs}`).ino], inodes);
    for (const name of [ours, theirs]) sh("ip", ["netns", "exec", name, "true"]);
    await deleteNetns(ours);
    await deleteNetns(theirs);
    for (const name of [ours, theirs]) {
      await assert.rejects(deleteNetns(name), (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT");
    }
    assert.ok(!ipNetnsList().some((n) => n === ours || n === theirs));
  } finally {
    cleanup(ours);
    cleanup(theirs);
  }
});

test(`createNetns/deleteNetns: invalid names are TypeErrors and touch nothing (${runtime})`, async () => {
  const before = await listNetns();
  const bad: unknown[] = ["", ".", "..", "a/b", "/run/netns/x", "../../tmp/x", "x".repeat(256), "a\0b", 7, null, {}];
  for (const name of bad) {
    await assert.rejects(
      createNetns(name as string),
      (e: unknown) => e instanceof TypeError && /namespace name/.test(e.message),
    );
    await assert.rejects(
      deleteNetns(name as string),
      (e: unknown) => e instanceof TypeError && /namespace name/.test(e.message),
    );
  }
  // Other processes may add namespaces meanwhile; none of ours may appear.
  const added = (await listNetns()).filter((n) => !before.includes(n));
  for (const name of added) assert.ok(!bad.includes(name) && name !== "x" && name !== "a", `created ${name}`);
  // The longest valid name (255 bytes) works, like ip's NAME_MAX.
  const long = `nlts-nsi-${process.pid}-`.padEnd(255, "x");
  cleanup(long);
  try {
    await createNetns(long);
    assert.ok(ipNetnsList().includes(long));
    await deleteNetns(long);
  } finally {
    cleanup(long);
  }
});
