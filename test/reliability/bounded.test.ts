// request() and dump() always end: messages the kernel would never answer
// as asked are TypeErrors before sending, every wait has a timeout, and an
// abort ends a pending request or dump at once, whatever the kernel does.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { Flags, MessageWriter, NetlinkError, NetlinkSocket, TimeoutError } from "../../mod.ts";

const NLMSG_NOOP = 1;
const RTM_NEWLINK = 16, RTM_GETLINK = 18;

/** A link dump request. */
function getLinks(): Uint8Array {
  const m = new MessageWriter(RTM_GETLINK, Flags.DUMP);
  m.struct(16);
  return m.finish();
}

/**
 * A message the kernel takes and never answers: NLMSG_NOOP is below
 * NLMSG_MIN_TYPE, which netlink_rcv_skb acknowledges only when asked for an
 * ACK (a dump request, or `ack: false`, does not ask).
 */
function unanswered(flags = 0): Uint8Array {
  return new MessageWriter(NLMSG_NOOP, flags).finish();
}

/** Settles `p` or fails after `ms`: a hang is a failure of its own. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: hung for ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function countDump(sock: NetlinkSocket, request: Uint8Array): Promise<number> {
  let n = 0;
  for await (const _ of sock.dump(request)) n++;
  return n;
}

test("request(): an NLM_F_DUMP message or a wrong nlmsg_len is a TypeError, and nothing is sent", async () => {
  await withNetns("sck-bounded-type", async (ns) => {
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    await assert.rejects(sock.request(getLinks()), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /NLM_F_DUMP.*dump\(\)/);
      return true;
    });
    const get = new MessageWriter(RTM_GETLINK);
    get.struct(16).setInt32(4, 1, true);
    const good = get.finish();
    const longer = good.slice();
    new DataView(longer.buffer).setUint32(0, good.length + 4, true); // runs past its bytes
    const shorter = new Uint8Array(good.length + 16);
    shorter.set(good);
    shorter.set(good.subarray(0, 16), good.length); // a second message after the first
    for (const bad of [longer, shorter, good.subarray(0, 12)]) {
      await assert.rejects(sock.request(bad), TypeError);
    }
    // In rtnetlink the DUMP bits on a NEW request are NLM_F_REPLACE|NLM_F_EXCL: not a dump.
    const add = new MessageWriter(RTM_NEWLINK, Flags.DUMP);
    add.struct(16);
    await assert.rejects(sock.request(add.finish()), NetlinkError);
    // Nothing was sent: no answer to any of those turns up later, and the
    // socket works.
    assert.equal((await sock.request(good)).length, 1);
    assert.ok((await countDump(sock, getLinks())) >= 1);
    assert.equal(sock.stats.stray, 0);
    // dump() checks the same before sending.
    await assert.rejects(sock.dump(longer).next(), TypeError);
  });
});

test("request(): no answer ends with TimeoutError (ETIMEDOUT) after the timeout; the socket's default applies", async () => {
  await using sock = await NetlinkSocket.open("route", { timeout: 150 });
  const t0 = performance.now();
  await assert.rejects(within(sock.request(unanswered(), { ack: false }), 5000, "request"), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "ETIMEDOUT");
    assert.equal(e.timeout, 150);
    return true;
  });
  const waited = performance.now() - t0;
  assert.ok(waited >= 140 && waited < 2000, `waited ${waited.toFixed(0)} ms`);
  // The per-request option overrides it.
  await assert.rejects(sock.request(unanswered(), { ack: false, timeout: 30 }), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.timeout, 30);
    return true;
  });
  // An answered request is not affected, and bad timeouts are TypeErrors before sending.
  const get = new MessageWriter(RTM_GETLINK);
  get.struct(16).setInt32(4, 1, true);
  assert.equal((await sock.request(get.finish())).length, 1);
  for (const timeout of [0, -1, Number.NaN]) {
    await assert.rejects(sock.request(get.finish(), { timeout }), TypeError);
  }
  await assert.rejects(NetlinkSocket.open("route", { timeout: 0 }), TypeError);
});

test("request(): an abort ends a request the kernel never answers, at once", async () => {
  await using sock = await NetlinkSocket.open("route");
  const stop = new AbortController();
  const pending = sock.request(unanswered(), { ack: false, signal: stop.signal });
  setTimeout(() => stop.abort(new Error("stop")), 50);
  const t0 = performance.now();
  await assert.rejects(within(pending, 5000, "aborted request"), /stop/);
  assert.ok(performance.now() - t0 < 1000);
});

test("dump(): a dump the kernel never answers ends on its timeout, and on abort at once", async () => {
  await using sock = await NetlinkSocket.open("route", { timeout: 150 });
  // Timeout (the socket's default here): the consumer waits, the kernel sends nothing.
  const t0 = performance.now();
  await assert.rejects(within(countDump(sock, unanswered(Flags.DUMP)), 5000, "dump"), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.code, "ETIMEDOUT");
    assert.equal(e.timeout, 150);
    return true;
  });
  const waited = performance.now() - t0;
  assert.ok(waited >= 140 && waited < 2000, `waited ${waited.toFixed(0)} ms`);
  // The per-dump option overrides it.
  const short = (async () => {
    for await (const _ of sock.dump(unanswered(Flags.DUMP), { timeout: 30 })) { /* nothing comes */ }
  })();
  await assert.rejects(within(short, 5000, "dump with a timeout"), (e: unknown) => (e as TimeoutError).timeout === 30);
  // Abort: ends the iterator at once, even though no part of the dump ever came.
  const stop = new AbortController();
  const aborted = (async () => {
    for await (const _ of sock.dump(unanswered(Flags.DUMP), { signal: stop.signal, timeout: 300 })) { /* none */ }
  })();
  setTimeout(() => stop.abort(new Error("stop")), 50);
  const t2 = performance.now();
  await assert.rejects(within(aborted, 5000, "aborted dump"), /stop/);
  assert.ok(performance.now() - t2 < 250, "the abort ended the dump before its timeout");
  // The next dump on the socket waits for the abandoned one (its timeout
  // of silence), then is complete.
  assert.ok((await within(countDump(sock, getLinks()), 5000, "next dump")) >= 1);
}, { timeout: 60_000 });
