// unix_diag against the real kernel: UNIX sockets of child processes in a
// private namespace, compared with `ss -x` run in the same namespace.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { SockDiag, type UnixSocket } from "../../src/sockdiag/mod.ts";
import { parseSs, spawnNode, ss, type SsRecord } from "./helpers.ts";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const NETID: Record<string, string> = { stream: "u_str", dgram: "u_dgr", seqpacket: "u_seq" };

function skmem(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.replace(/^\(|\)$/g, "").split(",")) {
    const m = /^([a-z]+)(\d+)$/.exec(part);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

function assertUnixMatchesSs(s: UnixSocket, r: SsRecord): void {
  const where = `unix inode ${s.inode}`;
  assert.equal(NETID[s.type as string], r.netid, `${where} type`);
  assert.equal(s.state, r.state, `${where} state`);
  assert.equal(s.rqueue, r.recvQ, `${where} Recv-Q`);
  assert.equal(s.wqueue, r.sendQ, `${where} Send-Q`);
  assert.equal(s.name ?? "*", r.local, `${where} name`);
  assert.equal(s.peer ?? 0, r.peerInode, `${where} peer`);
  if (s.vfs) {
    assert.equal(String(s.vfs.inode), r.kv.ino, `${where} vfs inode`);
    // ss splits the kernel's dev_t with glibc's major()/minor(), which are for
    // the user-space encoding; put its two numbers back together the same way.
    const [maj, min] = r.kv.dev.split("/").map(Number);
    const raw = (((maj & 0xfff) << 8) | (min & 0xff) | ((min & ~0xff) << 12)) >>> 0;
    assert.equal(s.vfs.dev, raw, `${where} vfs dev`);
  } else {
    assert.equal(r.kv.ino, undefined, `${where}: ss shows a vfs inode we lack`);
  }
  assert.deepEqual(s.pending, r.peers, `${where} pending connections`);
  const mem = skmem(r.kv.skmem);
  assert.equal(s.meminfo!.rcvbuf, mem.rb, `${where} rb`);
  assert.equal(s.meminfo!.sndbuf, mem.tb, `${where} tb`);
  assert.equal(s.meminfo!.wmemAlloc, mem.t, `${where} t`);
  assert.equal(s.meminfo!.rmemAlloc, mem.r, `${where} r`);
}

// Child A: a path listener that stops accepting (its event loop blocks on
// "block"), and an abstract listener with one accepted connection whose
// client leaves 7 bytes unread.
const LISTENER = `
const net = require("net");
const path = process.argv[1] + "/l.sock";
const abs = "\\0nlts-sd-unix-" + process.pid;
const keep = [];
const l1 = net.createServer().listen(path, () => {
  const l2 = net.createServer((c) => { keep.push(c); c.write("7 bytes"); }).listen(abs, () => {
    const c = net.connect(abs, () => setTimeout(() => ready({ path, abs: abs.slice(1) }), 200));
    c.pause();
    keep.push(c);
  });
});
process.stdin.on("data", (d) => {
  if (String(d).includes("block")) {
    console.log("blocking");
    const until = Date.now() + 25000;
    while (Date.now() < until) {}
  }
});
`;

// Child B: two connections to the blocked listener, so they wait in its queue.
const CONNECTOR = `
const net = require("net");
const path = process.argv[1];
const a = net.connect(path, () => { a.write("abc"); const b = net.connect(path, () => ready({})); });
`;

test("UNIX stream listeners, pending connections and a connected pair match ss -xaneomH", async () => {
  await withNetns("sd-unix", async (ns) => {
    const dir = mkdtempSync(join(tmpdir(), "nlts-sd-"));
    const a = await spawnNode(ns, LISTENER.replace("process.argv[1]", JSON.stringify(dir)));
    let b;
    try {
      a.send("block");
      await a.waitFor(/^blocking$/);
      b = await spawnNode(ns, CONNECTOR.replace("process.argv[1]", JSON.stringify(a.info.path)));
      await using diag = await SockDiag.open({ netns: ns });
      const ours = await collect(diag.unixSockets());
      const theirs = parseSs(ss(ns, "-xaneomH"), true);
      assert.deepEqual(ours.map((s) => s.inode).sort(), theirs.map((r) => r.localInode).sort());
      const oracle = new Map(theirs.map((r) => [r.localInode, r]));
      for (const s of ours) assertUnixMatchesSs(s, oracle.get(s.inode)!);

      const listener = ours.find((s) => s.name === a.info.path)!;
      assert.equal(listener.state, "LISTEN");
      assert.equal(listener.abstract, false);
      assert.equal(listener.rqueue, 2, "two connections wait to be accepted");
      assert.equal(listener.pending!.length, 2);
      // Pending connections are named by their clients' inodes, which have no peer inode yet.
      for (const ino of listener.pending!) {
        const client = ours.find((s) => s.inode === ino)!;
        assert.equal(client.state, "ESTAB");
        assert.equal(client.peer, 0);
      }
      assert.ok(listener.vfs && listener.vfs.inode > 0);
      // The socket file on disk: same inode, and the device split the kernel's way.
      const st = statSync(a.info.path);
      assert.equal(listener.vfs.inode, st.ino);
      assert.equal(listener.vfs.major, Math.floor(st.dev / 256) & 0xfff);
      assert.equal(listener.vfs.minor, (st.dev & 0xff) | ((Math.floor(st.dev / 4096) & ~0xff) >>> 0));
      const abstract = ours.find((s) => s.state === "LISTEN" && s.abstract)!;
      assert.equal(new TextDecoder().decode(abstract.nameBytes!.subarray(0, a.info.abs.length)), a.info.abs);
      assert.equal(abstract.vfs, undefined, "an abstract socket has no inode on disk");
      // The connected pair: peers point at each other; the paused client has 7 bytes queued.
      const unread = ours.find((s) => s.rqueue === 7)!;
      assert.ok(unread, "the paused client has 7 bytes unread");
      const server = ours.find((s) => s.inode === unread.peer)!;
      assert.equal(server.peer, unread.inode);
      assert.equal(server.name, abstract.name, "the accepted socket carries the listener's name");
      assert.equal(unread.uid, 0);
      for (const s of ours) assert.equal(s.shutdown, 0);

      // Look-up by inode, and by inode and cookie.
      const one = await diag.unixSocket(listener.inode);
      assert.deepEqual(one?.pending, listener.pending);
      assert.equal((await diag.unixSocket(listener.inode, { cookie: listener.cookie }))?.inode, listener.inode);
      assert.equal(await diag.unixSocket(listener.inode, { cookie: listener.cookie + 1n }), undefined);

      // show: only what was asked for comes back.
      const bare = await collect(diag.unixSockets({ show: [] }));
      assert.equal(bare.length, ours.length);
      for (const s of bare) {
        assert.equal(s.name, undefined);
        assert.equal(s.peer, undefined);
        assert.equal(s.rqueue, undefined);
        assert.equal(s.uid, undefined);
      }
      const named = await collect(diag.unixSockets({ show: ["name", "peer"] }));
      assert.ok(named.some((s) => s.name === a.info.path));
      assert.ok(named.every((s) => s.rqueue === undefined && s.meminfo === undefined));

      // State filters against ss -x state X.
      for (const filter of ["listening", "established", "connected", "all"] as const) {
        const list = await collect(diag.unixSockets({ states: [filter] }));
        const ssList = parseSs(ss(ns, "-xanH", "state", filter), true);
        assert.deepEqual(list.map((s) => s.inode).sort(), ssList.map((r) => r.localInode).sort(), filter);
      }
      assert.equal((await collect(diag.unixSockets({ states: ["listening"] }))).length, 2);
      assert.equal((await collect(diag.unixSockets({ types: ["dgram"] }))).length, 0);
      assert.equal((await collect(diag.unixSockets({ types: ["stream"] }))).length, ours.length);
    } finally {
      await b?.stop();
      await a.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("UNIX datagram, socketpair and seqpacket sockets (opened by perl) match ss -xaneomH", async () => {
  await withNetns("sd-unixdg", async (ns) => {
    const child = await spawnNode(
      ns,
      `use Socket;
       socket(my $d, PF_UNIX, SOCK_DGRAM, 0) or die "dgram: $!";
       bind($d, pack_sockaddr_un("\\0nlts-sd-dgram")) or die "bind: $!";
       socket(my $q, PF_UNIX, SOCK_SEQPACKET, 0) or die "seqpacket: $!";
       bind($q, pack_sockaddr_un("\\0nlts-sd-seq")) or die "bind: $!";
       listen($q, 4) or die "listen: $!";
       socketpair(my $x, my $y, AF_UNIX, SOCK_DGRAM, 0) or die "pair: $!";
       $| = 1; print "READY {}\\n"; sleep 60;`,
      "perl",
    );
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const ours = await collect(diag.unixSockets());
      const theirs = parseSs(ss(ns, "-xaneomH"), true);
      assert.equal(ours.length, 4);
      const oracle = new Map(theirs.map((r) => [r.localInode, r]));
      assert.deepEqual(ours.map((s) => s.inode).sort(), [...oracle.keys()].sort());
      for (const s of ours) assertUnixMatchesSs(s, oracle.get(s.inode)!);
      const dgram = await collect(diag.unixSockets({ types: ["dgram"] }));
      assert.equal(dgram.length, 3);
      assert.ok(dgram.some((s) => s.name === "@nlts-sd-dgram" && s.state === "UNCONN"));
      const pair = dgram.filter((s) => s.name === undefined);
      assert.equal(pair.length, 2);
      assert.equal(pair[0].peer, pair[1].inode, "a socketpair's ends are each other's peers");
      const [seq] = await collect(diag.unixSockets({ types: ["seqpacket"] }));
      assert.equal(seq.name, "@nlts-sd-seq");
      assert.equal(seq.state, "LISTEN");
      assert.equal(seq.wqueue, 4, "a listener's Send-Q is its backlog");
    } finally {
      await child.stop();
    }
  });
});
