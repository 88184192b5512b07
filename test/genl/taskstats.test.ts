// TASKSTATS_CMD_GET for a child process, by pid and by tgid, against /proc.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { ParseError } from "../../mod.ts";
import { decodeTaskStats, GenlError, GenlFamily, taskstats } from "../../src/genl/mod.ts";

function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

test("taskstats: per pid and per tgid of a child process match /proc/PID/status", async () => {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    const pid = child.pid!;
    await new Promise((r) => setTimeout(r, 100)); // let it exec
    await withNetns("gn-ts", async (ns) => {
      await using ts = await GenlFamily.open(taskstats, { netns: ns });
      const proc = status(pid);
      const byPid = await ts.request("get", { pid });
      assert.equal(byPid.aggrPid?.pid, pid);
      const s = byPid.aggrPid!.stats!;
      assert.ok(s.version >= 13, `version ${s.version}`);
      assert.equal(s.acComm, proc["Name"]);
      assert.equal(s.acComm, "sleep");
      assert.equal(s.acPid, pid);
      assert.equal(s.acPpid, Number(proc["PPid"]));
      assert.equal(s.acPpid, process.pid);
      assert.equal(s.acUid, Number(proc["Uid"].split(/\s+/)[0]));
      assert.equal(s.acGid, Number(proc["Gid"].split(/\s+/)[0]));
      assert.equal(s.acTgid, pid);
      assert.equal(s.nvcsw, BigInt(status(pid)["voluntary_ctxt_switches"]));
      assert.ok(Math.abs(s.acBtime! - Date.now() / 1000) < 60, "began just now");
      assert.equal(s.acBtime64, BigInt(s.acBtime!));
      const byTgid = await ts.request("get", { tgid: pid });
      assert.equal(byTgid.aggrTgid?.tgid, pid);
      const t = byTgid.aggrTgid!.stats!;
      // A thread group's reply sums the threads' counters (it carries no per-task identity).
      assert.equal(t.version, s.version);
      assert.equal(t.nvcsw, BigInt(status(pid)["voluntary_ctxt_switches"]));
      assert.equal(t.nivcsw, BigInt(status(pid)["nonvoluntary_ctxt_switches"]));
      assert.ok(t.acEtime! > 0n);
    });
  } finally {
    child.kill();
  }
});

test("taskstats: a pid that does not exist is ESRCH", async () => {
  await withNetns("gn-ts-none", async (ns) => {
    await using ts = await GenlFamily.open(taskstats, { netns: ns });
    const maxPid = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
    await assert.rejects(
      ts.request("get", { pid: maxPid + 1 }),
      (e: unknown) => e instanceof GenlError && e.code === "ESRCH",
    );
  });
});

test("taskstats: struct taskstats is decoded by version and size; short input is a ParseError", () => {
  const bytes = new Uint8Array(416);
  const dv = new DataView(bytes.buffer);
  dv.setUint16(0, 13, true);
  dv.setUint32(4, 256, true); // ac_exitcode
  bytes.set(new TextEncoder().encode("worker"), 80); // ac_comm
  dv.setUint32(128, 4242, true); // ac_pid
  dv.setBigUint64(344, 1700000000n, true); // ac_btime64 (v10)
  dv.setUint32(368, 4240, true); // ac_tgid (v12)
  dv.setBigUint64(408, 7n, true); // wpcopy_delay_total (v13)
  const s = decodeTaskStats(bytes);
  assert.deepEqual([s.version, s.acExitcode, s.acComm, s.acPid, s.acBtime64, s.acTgid, s.wpcopyDelayTotal], [
    13,
    256,
    "worker",
    4242,
    1700000000n,
    4240,
    7n,
  ]);
  assert.equal(s.extra, undefined);
  // The same bytes labelled version 9: fields added in 10 and later are absent.
  dv.setUint16(0, 9, true);
  const old = decodeTaskStats(bytes);
  assert.equal(old.acBtime64, undefined);
  assert.equal(old.acTgid, undefined);
  assert.equal(old.acPid, 4242);
  // Version 1 sized: only the delay-accounting part.
  dv.setUint16(0, 1, true);
  const v1 = decodeTaskStats(bytes.subarray(0, 80));
  assert.equal(v1.acComm, undefined);
  // A newer version keeps the bytes past the fields known here.
  const newer = new Uint8Array(432);
  newer[0] = 14;
  assert.equal(decodeTaskStats(newer).extra?.length, 16);
  for (const n of [0, 1, 40, 79]) assert.throws(() => decodeTaskStats(new Uint8Array(n)), ParseError);
});
