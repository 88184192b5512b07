// NETLINK_CONNECTOR process events. The connector exists only in the initial
// network namespace and reports pids of the initial PID namespace, so these
// tests listen in the host namespace (reading only) and watch child
// processes they start themselves. The codec is also tested on bytes built
// by hand from linux/cn_proc.h.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { test } from "../helpers/harness.ts";
import { type NetlinkMessage, Overrun, ParseError } from "../../mod.ts";
import {
  CN_IDX_PROC,
  CN_MSG_SIZE,
  CN_VAL_PROC,
  decodeConnectorHeader,
  decodeProcEvent,
  encodeProcMcast,
  ProcConnector,
  processEvents,
  type ProcEvent,
  ProcEventWhat,
} from "../../src/connector/mod.ts";

type Of<T extends ProcEvent["type"]> = Extract<ProcEvent, { type: T }>;

/**
 * This process's sockets other than AF_UNIX ones, as "fd socket:[inode]"
 * (bun's child-process stdio are unix socketpairs that close lazily).
 */
function socketFds(): string[] {
  const unix = new Set(
    readFileSync("/proc/self/net/unix", "utf8").split("\n").slice(1).map((line) => line.trim().split(/\s+/)[6]),
  );
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && !unix.has(inode)) out.push(`${fd} ${target}`);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/** Reads events until `done` says so or `ms` pass. */
async function collect(
  procs: ProcConnector,
  done: (events: ProcEvent[]) => boolean,
  ms = 5000,
): Promise<{ events: ProcEvent[]; overruns: number }> {
  const events: ProcEvent[] = [];
  let overruns = 0;
  const signal = AbortSignal.timeout(ms);
  try {
    for await (const ev of procs.events({ signal })) {
      if (ev instanceof Overrun) overruns++;
      else events.push(ev);
      if (done(events)) break;
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  return { events, overruns };
}

function fork(events: ProcEvent[], child: number): Of<"fork"> | undefined {
  return events.find((e): e is Of<"fork"> => e.type === "fork" && e.childTgid === child && e.childPid === child);
}
function exec(events: ProcEvent[], tgid: number): Of<"exec"> | undefined {
  return events.find((e): e is Of<"exec"> => e.type === "exec" && e.tgid === tgid);
}
function exit(events: ProcEvent[], tgid: number): Of<"exit"> | undefined {
  return events.find((e): e is Of<"exit"> => e.type === "exit" && e.tgid === tgid && e.pid === tgid);
}

/** A connector message around a `struct proc_event` (40 bytes) as the kernel sends it. */
function procMessage(
  what: number,
  fill: (dv: DataView) => void,
  opts: { idx?: number; len?: number } = {},
): NetlinkMessage {
  const payload = new Uint8Array(CN_MSG_SIZE + 40);
  const dv = new DataView(payload.buffer);
  dv.setUint32(0, opts.idx ?? CN_IDX_PROC, true);
  dv.setUint32(4, CN_VAL_PROC, true);
  dv.setUint32(8, 99, true); // seq
  dv.setUint32(12, 0, true); // ack
  dv.setUint16(16, opts.len ?? 40, true);
  const ev = new DataView(payload.buffer, CN_MSG_SIZE);
  ev.setUint32(0, what, true);
  ev.setUint32(4, 3, true); // cpu
  ev.setBigUint64(8, 123456789012345n, true);
  fill(new DataView(payload.buffer, CN_MSG_SIZE + 16));
  return { type: 3, flags: 0, seq: 99, pid: 0, payload };
}

test("sh -c '…; exit 3': fork, exec and exit of it and of the sh it forks, with the right pids and exit codes", async () => {
  await using procs = await ProcConnector.open();
  // Outer sh forks and execs an inner sh that prints its pid, then exits 3.
  const run = spawnSync("sh", ["-c", 'sh -c "echo \\$\\$"; exit 3'], { encoding: "utf8" });
  assert.equal(run.status, 3);
  const outer = run.pid!;
  const inner = Number(run.stdout.trim());
  assert.ok(outer > 0 && inner > 0 && inner !== outer);
  const { events, overruns } = await collect(procs, (evs) => !!exit(evs, outer) && !!exit(evs, inner));
  assert.equal(overruns, 0);
  // The subscription's acknowledgement (err 0) came before anything the child did;
  // other processes' events may come before it.
  const ack = events.findIndex((e) => e.type === "none" && e.err === 0);
  assert.ok(ack >= 0, "acknowledgement");
  assert.ok(ack < events.indexOf(fork(events, outer)!), "acknowledged before the child was forked");

  const forkOuter = fork(events, outer);
  assert.ok(forkOuter, "fork of the outer sh");
  assert.equal(forkOuter.parentTgid, process.pid);
  assert.equal(forkOuter.childPid, outer);
  assert.ok(exec(events, outer), "exec of the outer sh");

  const forkInner = fork(events, inner);
  assert.ok(forkInner, "fork of the inner sh");
  assert.equal(forkInner.parentTgid, outer);
  assert.equal(forkInner.parentPid, outer);
  assert.equal(forkInner.childPid, inner);
  assert.ok(exec(events, inner), "exec of the inner sh");

  const exitInner = exit(events, inner)!;
  assert.equal(exitInner.code, 0);
  assert.equal(exitInner.signal, undefined);
  assert.equal(exitInner.parentTgid, outer);
  const exitOuter = exit(events, outer)!;
  assert.equal(exitOuter.code, 3);
  assert.equal(exitOuter.status, 3 << 8);
  assert.equal(exitOuter.exitSignal, 17, "SIGCHLD to the parent");
  assert.equal(exitOuter.parentTgid, process.pid);
  assert.equal(exitOuter.coreDumped, false);

  // Order per process, by timestamp: fork before exec before exit.
  for (const pid of [outer, inner]) {
    const f = fork(events, pid)!.timestamp, e = exec(events, pid)!.timestamp, x = exit(events, pid)!.timestamp;
    assert.ok(f <= e && e <= x, `fork ≤ exec ≤ exit for ${pid}`);
  }
  assert.ok(exitInner.timestamp <= exitOuter.timestamp);
});

test("a node process that forks a child and is killed by SIGKILL: its exit has the signal, the child's the code", async () => {
  await using procs = await ProcConnector.open();
  const script = `const r = require("child_process").spawnSync("sh", ["-c", "exit 5"]);` +
    `console.log(r.pid, r.status); process.kill(process.pid, "SIGKILL");`;
  const run = spawnSync("node", ["-e", script], { encoding: "utf8" });
  assert.equal(run.signal, "SIGKILL");
  const nodePid = run.pid!;
  const [child, status] = run.stdout.trim().split(" ").map(Number);
  assert.equal(status, 5);
  const threadExit = (evs: ProcEvent[]) =>
    evs.some((e) => e.type === "exit" && e.tgid === nodePid && e.pid !== nodePid);
  const { events } = await collect(procs, (evs) => !!exit(evs, nodePid) && !!exit(evs, child) && threadExit(evs));
  assert.equal(fork(events, child)?.parentTgid, nodePid);
  assert.ok(exec(events, child));
  assert.equal(exit(events, child)?.code, 5);
  const killed = exit(events, nodePid);
  assert.ok(killed, "exit of node");
  assert.equal(killed.signal, 9);
  assert.equal(killed.code, undefined);
  // node's worker threads exit too: thread exits carry the tgid with another pid.
  assert.ok(threadExit(events), "thread exits");
  // A new thread is a fork whose child shares the tgid (its parent is the process's parent).
  assert.ok(
    events.some((e) =>
      e.type === "fork" && e.childTgid === nodePid && e.childPid !== nodePid && e.parentTgid === process.pid
    ),
    "thread creations",
  );
});

test("comm, sid, uid and gid events of child processes", async () => {
  await using procs = await ProcConnector.open();
  const comm = spawnSync("sh", ["-c", "printf nlts-ku-comm > /proc/$$/comm"]);
  assert.equal(comm.status, 0);
  const sid = spawnSync("setsid", ["sh", "-c", "exit 0"]);
  assert.equal(sid.status, 0);
  const ids = spawnSync("setpriv", ["--reuid=65534", "--regid=65533", "--clear-groups", "true"]);
  assert.equal(ids.status, 0, String(ids.stderr));
  const want = (evs: ProcEvent[]) =>
    evs.some((e) => e.type === "comm" && e.tgid === comm.pid) &&
    evs.some((e) => e.type === "sid" && e.tgid === sid.pid) &&
    evs.some((e) => e.type === "uid" && e.tgid === ids.pid) &&
    evs.some((e) => e.type === "gid" && e.tgid === ids.pid);
  const { events } = await collect(procs, want);
  const c = events.find((e): e is Of<"comm"> => e.type === "comm" && e.tgid === comm.pid);
  assert.equal(c?.comm, "nlts-ku-comm");
  assert.ok(events.find((e) => e.type === "sid" && e.tgid === sid.pid), "sid event of setsid");
  const u = events.find((e): e is Of<"uid"> => e.type === "uid" && e.tgid === ids.pid);
  assert.equal(u?.ruid, 65534);
  assert.equal(u?.euid, 65534);
  const g = events.find((e): e is Of<"gid"> => e.type === "gid" && e.tgid === ids.pid);
  assert.equal(g?.rgid, 65533);
  assert.equal(g?.egid, 65533);
});

test("processEvents() returns at once, is subscribed when ready resolves, and ends on abort (done, no throw), unsubscribed and closed", async () => {
  await (await ProcConnector.open()).close(); // the shared poll loop exists from here on
  const before = socketFds();
  const stop = new AbortController();
  const stream = processEvents({ signal: stop.signal });
  await stream.ready;
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  assert.ok(!first.done);
  // Something is always first: the acknowledgement, or an event racing it.
  assert.ok(first.value instanceof Overrun || typeof first.value.type === "string");
  const run = spawnSync("sh", ["-c", "exit 9"]);
  const seen: ProcEvent[] = [];
  for (;;) {
    const r = await it.next();
    assert.ok(!r.done);
    if (r.value instanceof Overrun) continue;
    seen.push(r.value);
    if (exit(seen, run.pid!)) break;
  }
  assert.equal(exit(seen, run.pid!)?.code, 9);
  const pending = it.next();
  stop.abort(new Error("enough"));
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.deepEqual(socketFds().filter((s) => !before.includes(s)), [], "the socket was closed");
});

test("codec: every event kind, built by hand from linux/cn_proc.h", () => {
  const base = { cpu: 3, timestamp: 123456789012345n };
  const cases: [number, (dv: DataView) => void, ProcEvent][] = [
    [ProcEventWhat.NONE, (d) => d.setUint32(0, 1, true), { type: "none", err: 1, ...base }],
    [ProcEventWhat.FORK, (d) => [10, 11, 12, 13].forEach((v, i) => d.setInt32(4 * i, v, true)), {
      type: "fork",
      parentPid: 10,
      parentTgid: 11,
      childPid: 12,
      childTgid: 13,
      ...base,
    }],
    [ProcEventWhat.EXEC, (d) => (d.setInt32(0, 20, true), d.setInt32(4, 21, true)), {
      type: "exec",
      pid: 20,
      tgid: 21,
      ...base,
    }],
    [ProcEventWhat.UID, (d) => [30, 31, 1000, 0].forEach((v, i) => d.setUint32(4 * i, v, true)), {
      type: "uid",
      pid: 30,
      tgid: 31,
      ruid: 1000,
      euid: 0,
      ...base,
    }],
    [ProcEventWhat.GID, (d) => [32, 33, 100, 4294967295].forEach((v, i) => d.setUint32(4 * i, v, true)), {
      type: "gid",
      pid: 32,
      tgid: 33,
      rgid: 100,
      egid: 4294967295,
      ...base,
    }],
    [ProcEventWhat.SID, (d) => (d.setInt32(0, 40, true), d.setInt32(4, 41, true)), {
      type: "sid",
      pid: 40,
      tgid: 41,
      ...base,
    }],
    [ProcEventWhat.PTRACE, (d) => [50, 51, 52, 53].forEach((v, i) => d.setInt32(4 * i, v, true)), {
      type: "ptrace",
      pid: 50,
      tgid: 51,
      tracerPid: 52,
      tracerTgid: 53,
      ...base,
    }],
    [ProcEventWhat.COMM, (d) => {
      d.setInt32(0, 60, true);
      d.setInt32(4, 61, true);
      new Uint8Array(d.buffer, d.byteOffset + 8, 16).set(new TextEncoder().encode("kworker/0:1"));
    }, { type: "comm", pid: 60, tgid: 61, comm: "kworker/0:1", ...base }],
    [ProcEventWhat.COMM, (d) => {
      d.setInt32(0, 62, true);
      d.setInt32(4, 62, true);
      new Uint8Array(d.buffer, d.byteOffset + 8, 16).fill(0x61); // 16 bytes, no NUL
    }, { type: "comm", pid: 62, tgid: 62, comm: "a".repeat(16), ...base }],
    [ProcEventWhat.COREDUMP, (d) => [70, 71, 72, 73].forEach((v, i) => d.setInt32(4 * i, v, true)), {
      type: "coredump",
      pid: 70,
      tgid: 71,
      parentPid: 72,
      parentTgid: 73,
      ...base,
    }],
    [ProcEventWhat.EXIT, (d) => [80, 81, 0x8b, 17, 82, 83].forEach((v, i) => d.setInt32(4 * i, v, true)), {
      type: "exit",
      pid: 80,
      tgid: 81,
      status: 0x8b,
      signal: 11,
      coreDumped: true,
      exitSignal: 17,
      parentPid: 82,
      parentTgid: 83,
      ...base,
    }],
    [ProcEventWhat.EXIT, (d) => [84, 81, 0x0100, -1, 0, 0].forEach((v, i) => d.setInt32(4 * i, v, true)), {
      type: "exit",
      pid: 84,
      tgid: 81,
      status: 0x100,
      code: 1,
      coreDumped: false,
      exitSignal: -1,
      parentPid: 0,
      parentTgid: 0,
      ...base,
    }],
    [0x400, (d) => d.setUint32(0, 0xabcdef, true), {
      type: "unknown",
      what: 0x400,
      data: (() => {
        const b = new Uint8Array(24);
        new DataView(b.buffer).setUint32(0, 0xabcdef, true);
        return b;
      })(),
      ...base,
    }],
  ];
  for (const [what, fill, expected] of cases) {
    assert.deepEqual(decodeProcEvent(procMessage(what, fill)), expected, expected.type);
  }
  // Older kernels' shorter exit and coredump (no parent).
  const shortExit = decodeProcEvent(procMessage(ProcEventWhat.EXIT, (d) => d.setUint32(8, 0x200, true), { len: 32 }));
  assert.equal(shortExit.type === "exit" && shortExit.code, 2);
  assert.equal(shortExit.type === "exit" && shortExit.parentTgid, undefined);
});

test("codec: LISTEN and IGNORE messages have the cn_msg layout of linux/connector.h", () => {
  const bytes = encodeProcMcast("listen", 0x01020304, 77);
  assert.equal(bytes.length, 16 + CN_MSG_SIZE + 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(dv.getUint32(0, true), bytes.length); // nlmsg_len
  assert.equal(dv.getUint16(4, true), 3); // NLMSG_DONE
  const cn = decodeConnectorHeader({ type: 3, flags: 0, seq: 0, pid: 0, payload: bytes.subarray(16) });
  assert.deepEqual(
    { idx: cn.idx, val: cn.val, seq: cn.seq, ack: cn.ack, flags: cn.flags, data: [...cn.data] },
    { idx: 1, val: 1, seq: 0x01020304, ack: 77, flags: 0, data: [1, 0, 0, 0] },
  );
  const ignore = encodeProcMcast("ignore");
  assert.deepEqual([...ignore.subarray(16 + CN_MSG_SIZE)], [2, 0, 0, 0]);
  assert.throws(() => encodeProcMcast("stop" as "listen"), TypeError);
});

test("codec: truncated, oversized-len and foreign connector messages give ParseError", () => {
  const msg = (payload: Uint8Array): NetlinkMessage => ({ type: 3, flags: 0, seq: 0, pid: 0, payload });
  const good = procMessage(ProcEventWhat.EXIT, (d) => d.setInt32(0, 1, true)).payload;
  assert.throws(() => decodeProcEvent(msg(new Uint8Array(0))), ParseError);
  assert.throws(() => decodeProcEvent(msg(good.subarray(0, CN_MSG_SIZE - 1))), ParseError, "short cn_msg");
  assert.throws(() => decodeProcEvent(msg(good.subarray(0, CN_MSG_SIZE + 39))), ParseError, "len past the end");
  assert.throws(
    () => decodeProcEvent(procMessage(ProcEventWhat.FORK, () => {}, { len: 8 })),
    ParseError,
    "short header",
  );
  assert.throws(
    () => decodeProcEvent(procMessage(ProcEventWhat.FORK, () => {}, { len: 28 })),
    ParseError,
    "short fork",
  );
  assert.throws(
    () => decodeProcEvent(procMessage(ProcEventWhat.COMM, () => {}, { len: 36 })),
    ParseError,
    "short comm",
  );
  assert.throws(
    () => decodeProcEvent(procMessage(ProcEventWhat.EXIT, () => {}, { len: 30 })),
    ParseError,
    "short exit",
  );
  assert.throws(() => decodeProcEvent(procMessage(ProcEventWhat.EXEC, () => {}, { idx: 2 })), ParseError, "CIFS");

  // Every truncation and random corruption: an event or a ParseError, nothing else.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
  let parsed = 0, rejected = 0;
  const attempt = (payload: Uint8Array) => {
    try {
      decodeProcEvent(msg(payload));
      parsed++;
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      rejected++;
    }
  };
  for (let n = 0; n <= good.length; n++) attempt(good.subarray(0, n));
  for (let i = 0; i < 2000; i++) {
    const copy = good.slice(0, Math.floor(rand() * (good.length + 1)));
    for (let f = 0; f < 3; f++) if (copy.length) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
    if (rand() < 0.5 && copy.length >= 8) copy.set([1, 0, 0, 0, 1, 0, 0, 0]); // keep it a proc message
    attempt(copy);
  }
  assert.ok(parsed > 0 && rejected > 0, `both outcomes seen (${parsed} parsed, ${rejected} rejected)`);
});
