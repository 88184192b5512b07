// NETLINK_AUDIT, read-only, in the host namespace (audit is not per
// namespace). Nothing here changes the audit configuration: no AUDIT_SET, no
// rules, no user messages.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "../helpers/harness.ts";
import { sh } from "../helpers/netns.ts";
import { NetlinkSocket } from "../../src/socket/socket.ts";
import { ParseError } from "../../src/wire/errors.ts";
import { MessageWriter, parseMessages } from "../../src/wire/message.ts";
import {
  Audit,
  AUDIT_FEATURE_BITMAP,
  AUDIT_NLGRP_READLOG,
  type AuditRecord,
  auditTypeName,
  decodeFeatures,
  decodeRecord,
  decodeStatus,
} from "../../src/audit/mod.ts";

const initial = await (async () => {
  await using audit = await Audit.open();
  return await audit.status();
})();

/** What the kernel log says about audit, when this process may read it. */
function dmesg(): string | undefined {
  try {
    return sh("dmesg", []);
  } catch {
    return undefined;
  }
}

function auditctlStatus(): Record<string, number> | undefined {
  try {
    const out = sh("auditctl", ["-s"]);
    const fields: Record<string, number> = {};
    for (const line of out.split("\n")) {
      const [k, v] = line.trim().split(/\s+/);
      if (k && v !== undefined && /^\d+$/.test(v)) fields[k] = Number(v);
    }
    return fields;
  } catch {
    return undefined;
  }
}

test("status() and features() decode and agree with each other, /proc, the kernel log and auditctl (when present)", async () => {
  await using audit = await Audit.open();
  // Interleave the two requests on one socket: each answer finds its asker.
  const [s, f, s2] = await Promise.all([audit.status(), audit.features(), audit.status()]);
  assert.ok([0, 1, 2].includes(s.enabled), `enabled ${s.enabled}`);
  assert.equal(s.enabledName, ["disabled", "enabled", "locked"][s.enabled]);
  assert.ok([0, 1, 2].includes(s.failure));
  assert.equal(s.failureName, ["silent", "printk", "panic"][s.failure]);
  assert.equal(s.mask, 0, "a GET reply carries no mask");
  assert.equal(s2.enabled, s.enabled);
  assert.equal(s2.backlogLimit, s.backlogLimit);
  assert.ok(s.featureBitmap !== undefined, "a kernel this new sends feature_bitmap");
  // Every bit the kernel reports has a name from the uapi header, in order.
  const expected = AUDIT_FEATURE_BITMAP.filter((_, i) => s.featureBitmap! & (1 << i));
  assert.deepEqual(s.features!.filter((n) => !n.startsWith("0x")), expected);
  assert.ok(s.features!.includes("backlog_limit"), "backlog_limit has been there since 3.14");
  assert.ok(s.backlogWaitTime !== undefined && s.backlogWaitTime > 0);
  // features(): version 1; enabled/locked names are exactly the set bits.
  assert.equal(f.version, 1);
  assert.equal(f.enabled.length, popcount(f.features));
  assert.equal(f.locked.length, popcount(f.lock));
  // A locked feature is one the kernel will refuse to change: it must be within the mask it reports.
  assert.equal(f.lock & ~f.mask, 0);
  // The kernel answered AUDIT_GET, so audit is built in; then every process has a loginuid in /proc.
  assert.ok(existsSync("/proc/self/loginuid"), "/proc/self/loginuid exists when audit is built in");
  if (s.pid !== 0) assert.ok(existsSync(`/proc/${s.pid}`), `the audit daemon ${s.pid} is a live process`);
  const cmdline = readFileSync("/proc/cmdline", "utf8");
  const param = /(?:^|\s)audit=(\d)/.exec(cmdline);
  if (param?.[1] === "0" && s.pid === 0) assert.equal(s.enabled, 0, "booted with audit=0 and no daemon");
  // The kernel logs each change of audit_enabled; the last one it logged is the current value.
  const log = dmesg();
  const changes = log ? [...log.matchAll(/audit_enabled=(\d)/g)] : [];
  if (changes.length > 0 && s.pid === 0) assert.equal(s.enabled, Number(changes[changes.length - 1][1]));
  const ctl = auditctlStatus();
  if (ctl) {
    assert.equal(s.enabled, ctl.enabled);
    assert.equal(s.failure, ctl.failure);
    assert.equal(s.pid, ctl.pid);
    assert.equal(s.backlogLimit, ctl.backlog_limit);
  }
});

function popcount(n: number): number {
  let c = 0;
  for (; n; n &= n - 1) c++;
  return c;
}

test("status() changes nothing: the status read before and after the tests is the same", async () => {
  await using audit = await Audit.open();
  const now = await audit.status();
  for (const k of ["enabled", "failure", "pid", "rateLimit", "backlogLimit", "backlogWaitTime"] as const) {
    assert.equal(now[k], initial[k], k);
  }
});

test(
  initial.enabled === 0
    ? "records(): audit is disabled on this kernel (enabled=0), so no records flow; the readlog group is joined " +
      "and records built from the uapi layout and from the kernel log decode"
    : "records(): joining the readlog group yields the kernel's AUDIT_EVENT_LISTENER record for another listener",
  async () => {
    await using audit = await Audit.open();
    const ac = new AbortController();
    const records = audit.records({ signal: ac.signal });
    await records.ready;
    const it = records[Symbol.asyncIterator]();
    try {
      if (initial.enabled !== 0) {
        // Another reader joining makes the kernel log "op=connect" to every reader: a record we did not fake.
        const other = await NetlinkSocket.open("audit", { groups: [AUDIT_NLGRP_READLOG] });
        await other.close();
        const deadline = Date.now() + 5000;
        let seen: AuditRecord | undefined;
        while (!seen && Date.now() < deadline) {
          const timer = setTimeout(() => ac.abort(), deadline - Date.now());
          const r = await it.next().finally(() => clearTimeout(timer));
          if (r.done) break;
          if ("where" in r.value) continue;
          if (r.value.type === 1335 && /op=connect/.test(r.value.text)) seen = r.value;
        }
        assert.ok(seen, "no AUDIT_EVENT_LISTENER record arrived");
        assert.equal(seen.typeName, "EVENT_LISTENER");
        assert.ok(seen.serial! > 0);
        assert.ok(Math.abs(seen.timestamp! - Date.now()) < 60_000);
        assert.match(seen.text, /nl-mcgrp=1/);
        return;
      }
      // Disabled: the group is joinable (CAP_AUDIT_READ) but silent.
      const probe = await NetlinkSocket.open("audit", { groups: [AUDIT_NLGRP_READLOG] });
      assert.deepEqual(probe.memberships(), [AUDIT_NLGRP_READLOG]);
      await probe.close();
      // A record as the kernel sends it: nlmsghdr (type = record type) + text, built by hand.
      const w = new MessageWriter(1305);
      w.raw(new TextEncoder().encode("audit(1700000000.250:77): op=set audit_enabled=0 old=1 res=1"));
      const rec = decodeRecord(parseMessages(w.finish())[0]);
      assert.deepEqual(rec, {
        type: 1305,
        typeName: "CONFIG_CHANGE",
        serial: 77,
        timestamp: 1700000000250,
        text: "op=set audit_enabled=0 old=1 res=1",
      });
      // The kernel's own first record of this boot, from its log, when readable.
      const line = /audit: type=(\d+) (audit\(\d+\.\d+:\d+\): .*)$/m.exec(dmesg() ?? "");
      if (line) {
        const bytes = new TextEncoder().encode(line[2]);
        const r = decodeRecord({ type: Number(line[1]), flags: 0, seq: 0, pid: 0, payload: bytes });
        assert.equal(r.typeName, auditTypeName(Number(line[1])));
        assert.ok(r.serial! >= 1);
        assert.ok(line[2].endsWith(r.text));
      }
    } finally {
      ac.abort();
      await records.close();
    }
  },
);

test("malformed audit payloads: short structs give ParseError, odd record text never throws", () => {
  assert.throws(() => decodeStatus(new Uint8Array(31)), ParseError);
  assert.throws(() => decodeFeatures(new Uint8Array(15)), ParseError);
  // A 32-byte status (kernels before 3.12) lacks the later fields.
  const old = decodeStatus(new Uint8Array(32));
  assert.equal(old.featureBitmap, undefined);
  assert.equal(old.backlogWaitTime, undefined);
  // Unknown bits keep a hex name.
  const st = new Uint8Array(44);
  new DataView(st.buffer).setUint32(32, 0x80000001, true);
  assert.deepEqual(decodeStatus(st).features, ["backlog_limit", "0x80000000"]);
  const cases: [Uint8Array, Partial<AuditRecord>][] = [
    [new Uint8Array(0), { text: "" }],
    [new TextEncoder().encode("audit(12:3): x"), { text: "audit(12:3): x" }],
    [new TextEncoder().encode("audit(1.5:9): a\0garbage"), { serial: 9, timestamp: 1500, text: "a" }],
    [new Uint8Array([0xff, 0xfe, 0x41]), { text: "\ufffd\ufffdA" }],
  ];
  for (const [payload, want] of cases) {
    const r = decodeRecord({ type: 9999, flags: 0, seq: 0, pid: 0, payload });
    assert.equal(r.typeName, undefined);
    for (const [k, v] of Object.entries(want)) assert.equal(r[k as keyof AuditRecord], v, k);
  }
  assert.equal(auditTypeName(1150), "USER_MSG");
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const b = new Uint8Array(i % 97);
    for (let j = 0; j < b.length; j++) b[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    decodeRecord({ type: 1300, flags: 0, seq: 0, pid: 0, payload: b });
    try {
      decodeStatus(b);
      decodeFeatures(b);
    } catch (e) {
      assert.ok(e instanceof ParseError, String(e));
    }
  }
});
