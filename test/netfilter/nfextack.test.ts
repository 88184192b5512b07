// Extended-ACK paths of NFQUEUE and NFLOG requests (src/netfilter/schema.ts):
// configuration and verdict messages the real kernel refuses by policy, sent
// over the sockets NfQueue.open and NfLog.open made in a namespace of the
// test's own; and what the kernel refuses (or takes) without naming an
// attribute, which is why NfQueue.open and NfLog.open check their options.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { NetlinkError } from "../../mod.ts";
import { NfLog, nfnlMessage, NfQueue } from "../../src/netfilter/mod.ts";
import { logConfigAttrs, nfnlAttributePath, queueAttrs, queueConfigAttrs } from "../../src/netfilter/schema.ts";
import { writeAttrs } from "../../src/wire/schema.ts";

async function refusal(request: Promise<unknown>): Promise<NetlinkError> {
  try {
    await request;
  } catch (e) {
    assert.ok(e instanceof NetlinkError, `${e}`);
    return e;
  }
  assert.fail("the kernel accepted the request");
}

test("ext-ACK path: NFQUEUE config with a two-byte NFQA_CFG_QUEUE_MAXLEN is refused naming it; the queue keeps working", async () => {
  await withNetns("nls-extack-q", async (ns) => {
    await using q = await NfQueue.open(4, { netns: ns, copyMode: "meta" });
    const m = nfnlMessage(3, 2, 0, { resId: 4 }); // NFNL_SUBSYS_QUEUE, NFQNL_MSG_CONFIG
    writeAttrs(m, queueConfigAttrs, { params: { copyRange: 128, copyMode: 2 } });
    m.u16(3, 10); // NFQA_CFG_QUEUE_MAXLEN of 2 bytes (policy: u32)
    const error = await refusal(q.socket.request(m.finish()));
    assert.ok(error.code === "EINVAL" || error.code === "ERANGE", error.message);
    assert.equal(error.extAck?.path, "NFQA_CFG_QUEUE_MAXLEN");
    assert.match(error.message, /NFQNL_MSG_CONFIG failed .*\(attribute NFQA_CFG_QUEUE_MAXLEN\)/);
    // The refused message changed nothing: a good one is still accepted.
    const ok = nfnlMessage(3, 2, 0, { resId: 4 });
    writeAttrs(ok, queueConfigAttrs, { queueMaxlen: 10 });
    await q.socket.request(ok.finish());
  });
});

test("ext-ACK path: an NFQUEUE verdict with a two-byte NFQA_MARK is refused naming NFQA_MARK", async () => {
  await withNetns("nls-extack-v", async (ns) => {
    await using q = await NfQueue.open(5, { netns: ns });
    const m = nfnlMessage(3, 1, 0, { resId: 5 }); // NFQNL_MSG_VERDICT
    writeAttrs(m, queueAttrs, { verdictHdr: { verdict: 1, id: 1 } });
    m.u16(3, 7); // NFQA_MARK of 2 bytes
    const error = await refusal(q.socket.request(m.finish()));
    assert.ok(error.code === "EINVAL" || error.code === "ERANGE", error.message);
    assert.equal(error.extAck?.path, "NFQA_MARK");
  });
});

test("ext-ACK path: NFLOG config with a two-byte NFULA_CFG_QTHRESH is refused naming it", async () => {
  await withNetns("nls-extack-l", async (ns) => {
    await using log = await NfLog.open(6, { netns: ns });
    const m = nfnlMessage(4, 1, 0, { resId: 6 }); // NFNL_SUBSYS_ULOG, NFULNL_MSG_CONFIG
    writeAttrs(m, logConfigAttrs, { timeout: 50 });
    m.u16(5, 1); // NFULA_CFG_QTHRESH of 2 bytes (policy: u32)
    const error = await refusal(log.socket.request(m.finish()));
    assert.ok(error.code === "EINVAL" || error.code === "ERANGE", error.message);
    assert.equal(error.extAck?.path, "NFULA_CFG_QTHRESH");
    assert.match(error.message, /NFULNL_MSG_CONFIG failed .*\(attribute NFULA_CFG_QTHRESH\)/);
  });
});

test("NFQUEUE/NFLOG config: an unbound queue or group is ENODEV (no path); copy mode 7 is taken silently, so options are checked first", async () => {
  await withNetns("nls-extack-m", async (ns) => {
    await using q = await NfQueue.open(7, { netns: ns });
    const unbound = nfnlMessage(3, 2, 0, { resId: 99 });
    writeAttrs(unbound, queueConfigAttrs, { params: { copyRange: 0xffff, copyMode: 1 } });
    const qe = await refusal(q.socket.request(unbound.finish()));
    assert.equal(qe.code, "ENODEV", qe.message);
    assert.equal(qe.extAck?.path, undefined);
    await using log = await NfLog.open(8, { netns: ns });
    const unboundLog = nfnlMessage(4, 1, 0, { resId: 99 });
    writeAttrs(unboundLog, logConfigAttrs, { qthresh: 1 });
    const le = await refusal(log.socket.request(unboundLog.finish()));
    assert.equal(le.code, "ENODEV", le.message);
    // nfqnl_recv_config ignores what nfqnl_set_mode says: mode 7 is acknowledged and the mode stays "packet" (2).
    const bad = nfnlMessage(3, 2, 0, { resId: 7 });
    writeAttrs(bad, queueConfigAttrs, { params: { copyRange: 0xffff, copyMode: 7 } });
    const request = bad.finish();
    await q.socket.request(request);
    const line = sh("ip", ["netns", "exec", ns, "cat", "/proc/net/netfilter/nfnetlink_queue"]).trim().split(/\s+/);
    assert.equal(line[0], "7");
    assert.equal(line[3], "2", "copy mode unchanged");
    assert.equal(nfnlAttributePath(request, 16 + 4 + 4), "NFQA_CFG_PARAMS");
    // Our own options never send such a mode or a bad number: a TypeError before anything is sent.
    await assert.rejects(NfQueue.open(9, { netns: ns, copyMode: "all" as "meta" }), TypeError);
    await assert.rejects(NfLog.open(9, { netns: ns, copyMode: "all" as "meta" }), TypeError);
    await assert.rejects(NfQueue.open(9, { netns: ns, maxLen: -1 }), TypeError);
    assert.equal(
      sh("ip", ["netns", "exec", ns, "cat", "/proc/net/netfilter/nfnetlink_queue"]).trim().split("\n").length,
      1,
    );
  });
});
