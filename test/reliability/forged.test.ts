// Forged datagrams cannot end or bloat a stream: the sender is checked
// before the size, datagrams from other senders never make the receive
// buffer grow, and on NETLINK_USERSOCK a bad datagram is dropped (counted)
// or yielded as an item with `error`, and the stream goes on.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { runtime, test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { MessageWriter, NetlinkSocket, Overrun, ParseError, type ReceivedMessage } from "../../mod.ts";

const RTNLGRP_LINK = 1;
const RTM_NEWLINK = 16;

/** The next item of `it`, or a failure after `ms`. */
async function next<T>(it: AsyncIterator<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const r = await Promise.race([
    it.next(),
    new Promise<never>((
      _,
      reject,
    ) => (timer = setTimeout(() => reject(new Error(`${what}: nothing in ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
  assert.equal(r.done, false, `${what}: the stream ended`);
  return r.value as T;
}

test("NETLINK_ROUTE, as root: a 1 MiB datagram and a malformed one from another port neither end the stream nor grow the buffer", async () => {
  await withNetns("sck-forged-route", async (ns) => {
    // A socket buffer large enough to take the datagram (monitors often ask for one).
    await using victim = await NetlinkSocket.open("route", { netns: ns, groups: [RTNLGRP_LINK], rcvbuf: 4 << 20 });
    await using forger = await NetlinkSocket.open("route", { netns: ns, sndbuf: 4 << 20 });
    const before = victim.bufferSize;
    const stream = victim.notifications();
    const big = new Uint8Array(1 << 20);
    new DataView(big.buffer).setUint32(0, big.length, true);
    new DataView(big.buffer).setUint16(4, RTM_NEWLINK, true);
    forger.send(big, { portId: victim.portId });
    const malformed = new Uint8Array(20);
    new DataView(malformed.buffer).setUint32(0, 1000, true);
    forger.send(malformed, { portId: victim.portId });
    ip(ns, "link", "add", "sckf0", "type", "bridge");
    const item = await next(stream, 5000, "the kernel's RTM_NEWLINK");
    assert.ok(!(item instanceof Overrun), "nothing was lost");
    assert.equal(item.type, RTM_NEWLINK);
    assert.equal(item.source, 0, "from the kernel");
    assert.equal(victim.stats.foreign, 2);
    assert.equal(victim.stats.truncated, 0);
    assert.equal(victim.bufferSize, before, "the buffer did not grow");
    // And it goes on.
    ip(ns, "link", "del", "sckf0");
    const later = await next(stream, 5000, "RTM_DELLINK");
    assert.ok(!(later instanceof Overrun) && later.type === 17);
    await stream.return(undefined);
  });
});

test(`NETLINK_USERSOCK, from uid 65534 (a ${runtime} child): oversized and malformed datagrams are dropped or yielded with error; the stream goes on`, async () => {
  await withNetns(`sck-forged-user-${runtime}`, async (ns) => {
    await using victim = await NetlinkSocket.open("usersock", { netns: ns, rcvbuf: 4 << 20 });
    const before = victim.bufferSize;
    const plain = victim.notifications();
    const told = victim.notifications({ malformed: "yield" });
    // Both subscribers are registered once their first next() is pending.
    const firstPlain = plain.next();
    const firstTold = told.next();
    const home = mkdtempSync("/tmp/nlts-sck-forger-");
    chmodSync(home, 0o777);
    let report: { uid: number; big: number };
    try {
      const script = new URL("./forger-child.ts", import.meta.url).pathname;
      const cmd = runtime === "deno" ? ["deno", "run", "-A", script] : ["bun", script];
      const r = spawnSync("ip", [
        "netns",
        "exec",
        ns,
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "env",
        `HOME=${home}`,
        `DENO_DIR=${home}/deno`,
        `TMPDIR=${home}`,
        ...cmd,
        String(victim.portId),
      ], { encoding: "utf8", timeout: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      report = JSON.parse(r.stdout.trim().split("\n").pop()!);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    assert.equal(report.uid, 65534);
    assert.ok(report.big > before, `the large datagram (${report.big} bytes) exceeds the ${before}-byte buffer`);
    // The plain subscriber sees only the valid message.
    const first = (await firstPlain).value as ReceivedMessage;
    assert.equal(first.type, 0x10);
    assert.equal(first.error, undefined);
    assert.equal(first.source > 0, true);
    // The other gets both bad datagrams as items, in order, then the message.
    const oversized = (await firstTold).value as ReceivedMessage;
    assert.ok(oversized.error instanceof ParseError);
    assert.match(oversized.error.message, new RegExp(`datagram of ${report.big} bytes`));
    assert.equal(oversized.payload.length, before, "what was received of it: the buffer's worth");
    assert.equal(oversized.source, first.source);
    const bad = await next(told, 5000, "the malformed datagram");
    assert.ok(!(bad instanceof Overrun) && bad.error instanceof ParseError);
    assert.equal(bad.payload.length, 20);
    const good = await next(told, 5000, "the valid message");
    assert.ok(!(good instanceof Overrun) && good.error === undefined && good.type === 0x10);
    assert.equal(victim.stats.malformed, 2);
    assert.equal(victim.bufferSize, before, "the buffer did not grow");
    // Both streams go on.
    victim.send(new MessageWriter(0x11).finish(), { portId: victim.portId });
    assert.equal(((await next(plain, 5000, "plain, later")) as ReceivedMessage).type, 0x11);
    assert.equal(((await next(told, 5000, "told, later")) as ReceivedMessage).type, 0x11);
    await plain.return(undefined);
    await told.return(undefined);
  });
});

test("a kernel notification larger than the buffer is one lost event (an Overrun), and the buffer grows for the next", async () => {
  await withNetns("sck-forged-grow", async (ns) => {
    await using sock = await NetlinkSocket.open("route", { netns: ns, groups: [RTNLGRP_LINK], bufferSize: 256 });
    const stream = sock.notifications();
    const first = stream.next();
    ip(ns, "link", "add", "sckg0", "type", "bridge"); // RTM_NEWLINK of a bridge: well over 256 bytes
    const lost = (await first).value;
    assert.ok(lost instanceof Overrun, "the event that did not fit is reported lost");
    assert.equal(lost.where, "kernel");
    assert.equal(lost.lost, 1);
    assert.equal(sock.stats.truncated, 1);
    const grown = sock.bufferSize;
    assert.ok(grown > 256 && grown <= 1 << 20, `grew to ${grown}`);
    ip(ns, "link", "set", "sckg0", "mtu", "1400");
    const next1 = await next(stream, 5000, "the next RTM_NEWLINK");
    assert.ok(!(next1 instanceof Overrun) && next1.type === RTM_NEWLINK, "the next one fits");
    await stream.return(undefined);
  });
});
