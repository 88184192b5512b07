// NetlinkSocket.requestBatch on the real kernel: an nf_tables transaction
// (NFNL_MSG_BATCH_BEGIN … END) sent in one sendmsg, every message's answer
// collected, in a namespace of the test's own; `nft` is the oracle.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Flags, MessageWriter, NetlinkError, NetlinkSocket } from "../../mod.ts";

const NFNL_SUBSYS_NFTABLES = 10;
const NFPROTO_INET = 1;

function batchMark(type: 0x10 | 0x11): Uint8Array {
  const w = new MessageWriter(type);
  w.struct(4).setUint16(2, NFNL_SUBSYS_NFTABLES, false); // nfgenmsg.res_id, big-endian
  return w.finish();
}

/** NFT_MSG_NEWTABLE (0) or NFT_MSG_DELTABLE (2) of an inet table. */
function tableMessage(msg: 0 | 2, name: string): Uint8Array {
  const w = new MessageWriter((NFNL_SUBSYS_NFTABLES << 8) | msg, msg === 0 ? Flags.CREATE : 0);
  w.struct(4).setUint8(0, NFPROTO_INET);
  w.str(1, name); // NFTA_TABLE_NAME
  return w.finish();
}

function tables(ns: string): string[] {
  const out = JSON.parse(sh("ip", ["netns", "exec", ns, "nft", "-j", "list", "tables"]));
  return out.nftables.filter((o: Record<string, unknown>) => o.table).map((o: { table: { name: string } }) =>
    o.table.name
  ).sort();
}

test("requestBatch: an nf_tables batch in one sendmsg; each message is ACKed and nft sees the tables", async () => {
  await withNetns("nft-batch-ok", async (ns) => {
    await using sock = await NetlinkSocket.open("netfilter", { netns: ns });
    const batch = [batchMark(0x10), tableMessage(0, "a"), tableMessage(0, "b"), batchMark(0x11)];
    const answers = await sock.requestBatch(batch);
    assert.equal(answers.length, 4);
    assert.ok(answers.every((a) => a.error === undefined), answers.map((a) => a.error?.message).join());
    assert.ok(answers[1].acked && answers[2].acked);
    const seqs = answers.map((a) => a.seq);
    assert.equal(new Set(seqs).size, 4); // each message numbered on its own
    assert.deepEqual(tables(ns), ["a", "b"]);
  });
});

test("requestBatch: a refused message is named in its answer; the kernel applies none of the batch", async () => {
  await withNetns("nft-batch-fail", async (ns) => {
    sh("ip", ["netns", "exec", ns, "nft", "add", "table", "inet", "keep"]);
    await using sock = await NetlinkSocket.open("netfilter", {
      netns: ns,
      describeType: (t) => (t === 0xa02 ? "NFT_MSG_DELTABLE" : undefined),
    });
    const batch = [
      batchMark(0x10),
      tableMessage(0, "new"),
      tableMessage(2, "keep"),
      tableMessage(2, "missing"),
      batchMark(0x11),
    ];
    const answers = await sock.requestBatch(batch);
    const error = answers[3].error;
    assert.ok(error instanceof NetlinkError);
    assert.equal(error.code, "ENOENT");
    assert.equal(error.messageTypeName, "NFT_MSG_DELTABLE");
    assert.equal(answers[1].error, undefined);
    assert.equal(answers[2].error, undefined);
    assert.deepEqual(tables(ns), ["keep"]); // all or nothing: "new" not added, "keep" not deleted
    // The socket is still in step: a plain request after the batch gets its own answer.
    const getgen = new MessageWriter((NFNL_SUBSYS_NFTABLES << 8) | 16); // NFT_MSG_GETGEN
    getgen.struct(4);
    const replies = await sock.request(getgen.finish());
    assert.equal(replies.length, 1);
    assert.equal(replies[0].type, (NFNL_SUBSYS_NFTABLES << 8) | 15); // NFT_MSG_NEWGEN
  });
});

test("requestBatch: 1,500 messages (more than UIO_MAXIOV iovecs) go in one sendmsg; the receive buffer grows for their ACKs", async () => {
  await withNetns("nft-batch-big", async (ns) => {
    // The default receive buffer (208 KiB) holds some 200 ACKs: requestBatch makes room for the rest.
    await using sock = await NetlinkSocket.open("netfilter", { netns: ns });
    const batch = [batchMark(0x10)];
    for (let i = 0; i < 1498; i++) batch.push(tableMessage(0, `t${i}`));
    batch.push(batchMark(0x11));
    const answers = await sock.requestBatch(batch);
    assert.equal(answers.length, 1500);
    assert.ok(answers.slice(1, -1).every((a) => a.acked && !a.error));
    assert.equal(sock.stats.overruns, 0);
    assert.equal(tables(ns).length, 1498);
  });
});

test("requestBatch: an ENOBUFS while the batch is pending rejects it at once (its answers may be lost), no timeout", async () => {
  await withNetns("nft-batch-nobufs", async (ns) => {
    // Joined to NFNLGRP_NFTABLES with a small buffer: the commit's 1,500 notifications overflow it.
    await using sock = await NetlinkSocket.open("netfilter", { netns: ns, groups: [7], rcvbuf: 4096 });
    const batch = [batchMark(0x10)];
    for (let i = 0; i < 1500; i++) batch.push(tableMessage(0, `t${i}`));
    batch.push(batchMark(0x11));
    const started = Date.now();
    await assert.rejects(
      sock.requestBatch(batch, { ack: false, timeout: 20_000 }),
      (e: NetlinkError) => e instanceof NetlinkError && e.code === "ENOBUFS",
    );
    assert.ok(Date.now() - started < 10_000, `rejected after ${Date.now() - started} ms`);
    assert.ok(sock.stats.overruns > 0);
  });
});

test("requestBatch: bad input is refused before anything is sent", async () => {
  await using sock = await NetlinkSocket.open("netfilter");
  await assert.rejects(sock.requestBatch([]), TypeError);
  const short = tableMessage(0, "x").slice(0, 20);
  await assert.rejects(sock.requestBatch([batchMark(0x10), short]), TypeError);
});
