// NFQUEUE against the real kernel: NFQUEUE rules on loopback UDP inside private namespaces.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { NetlinkError, Overrun } from "../../mod.ts";
import { NfQueue, type QueuedPacket } from "../../src/netfilter/mod.ts";
import { ip6t, ipt, ruleCount, udpReceiver, udpSend } from "./util.ts";

const text = new TextDecoder();

/** The UDP payload of an IPv4/IPv6 packet as text. */
function udpText(packet: Uint8Array, v6: boolean): string {
  const l4 = v6 ? 40 : (packet[0] & 0x0f) * 4;
  return text.decode(packet.subarray(l4 + 8));
}

async function verdictsFor(
  q: NfQueue,
  count: number,
  decide: (p: QueuedPacket, text: string) => Promise<void>,
  v6: boolean,
): Promise<QueuedPacket[]> {
  const seen: QueuedPacket[] = [];
  for await (const p of q.packets({ signal: AbortSignal.timeout(8000) })) {
    if (p instanceof Overrun) throw new Error(`packets were lost (${p.where})`);
    seen.push(p);
    await decide(p, udpText(p.payload, v6));
    if (seen.length === count) break;
  }
  return seen;
}

for (const v6 of [false, true]) {
  const name = v6 ? "IPv6" : "IPv4";
  const host = v6 ? "::1" : "127.0.0.1";
  const tables = v6 ? ip6t : ipt;

  test(
    `NFQUEUE ${name}: dropped packets never arrive, accepted ones do, a new mark is seen by later rules`,
    async () => {
      await withNetns(`nf-q-${v6 ? 6 : 4}`, async (ns) => {
        const port = 6000;
        tables(ns, "-A", "OUTPUT", "-p", "udp", "--dport", String(port), "-j", "NFQUEUE", "--queue-num", "7");
        // Runs after the queue's verdict: counts packets that carry the mark we set.
        tables(
          ns,
          "-t",
          "mangle",
          "-A",
          "POSTROUTING",
          "-p",
          "udp",
          "--dport",
          String(port),
          "-m",
          "mark",
          "--mark",
          "0x99",
        );
        await using q = await NfQueue.open(7, {
          netns: ns,
          family: v6 ? "inet6" : "inet",
          copyMode: "packet",
          uidGid: true,
        });
        const rx = udpReceiver(ns, host, port, 2500);
        await rx.ready;
        const sending = udpSend(ns, host, port, ["drop-1", "keep-1", "mark-1", "drop-2", "keep-2"]);
        const seen = await verdictsFor(q, 5, async (p, t) => {
          if (t.startsWith("drop")) await p.drop();
          else if (t.startsWith("mark")) await p.accept({ mark: 0x99 });
          else await p.accept();
        }, v6);
        await sending;
        assert.deepEqual((await rx.received).sort(), ["keep-1", "keep-2", "mark-1"]);
        assert.equal(ruleCount(ns, v6, "mangle", "POSTROUTING", "mark match 0x99"), 1);
        for (const p of seen) {
          assert.equal(p.queue, 7);
          assert.equal(p.family, v6 ? "inet6" : "inet");
          assert.equal(p.hook, 3);
          assert.equal(p.hookName, "output");
          assert.equal(p.hwProtocol, v6 ? 0x86dd : 0x0800);
          assert.equal(p.outdev, 1, "lo");
          assert.equal(p.indev, undefined);
          assert.equal(p.mark, 0);
          assert.equal(p.uid, process.getuid!());
          assert.equal(p.payload[0] >> 4, v6 ? 6 : 4);
        }
        const ids = seen.map((p) => p.id);
        assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "ids increase");
        assert.equal(new Set(ids).size, 5);
      });
    },
    { timeout: 60_000 },
  );

  test(`NFQUEUE ${name}: repeat with a mark re-runs the hook; verdictBatch accepts a run of packets`, async () => {
    await withNetns(`nf-qb-${v6 ? 6 : 4}`, async (ns) => {
      const port = 6001;
      tables(
        ns,
        "-A",
        "OUTPUT",
        "-p",
        "udp",
        "--dport",
        String(port),
        "-m",
        "mark",
        "!",
        "--mark",
        "0x77",
        "-j",
        "NFQUEUE",
        "--queue-num",
        "8",
      );
      tables(ns, "-A", "OUTPUT", "-p", "udp", "--dport", String(port), "-m", "mark", "--mark", "0x77");
      await using q = await NfQueue.open(8, { netns: ns, copyMode: "packet", copyRange: 200 });
      const rx = udpReceiver(ns, host, port, 2500);
      await rx.ready;
      const sending = udpSend(ns, host, port, ["again", "b1", "b2", "b3"]);
      const held: QueuedPacket[] = [];
      const seen = await verdictsFor(q, 4, async (p, t) => {
        if (t === "again") await p.repeat({ mark: 0x77 });
        else held.push(p);
      }, v6);
      assert.equal(held.length, 3);
      await q.verdictBatch(held[2].id, "accept");
      await sending;
      assert.deepEqual((await rx.received).sort(), ["again", "b1", "b2", "b3"]);
      // Only the repeated packet went through the mark rule after its second pass.
      assert.equal(ruleCount(ns, v6, "filter", "OUTPUT", "mark match 0x77"), 1);
      assert.equal(seen.length, 4);
      // A verdict for an id already decided is refused by the kernel.
      await assert.rejects(held[0].accept(), (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT");
    });
  }, { timeout: 60_000 });
}

test("NFQUEUE meta copy mode gives no payload; binding a queue twice is refused", async () => {
  await withNetns("nf-q-meta", async (ns) => {
    ipt(ns, "-A", "OUTPUT", "-p", "udp", "--dport", "6002", "-j", "NFQUEUE", "--queue-num", "9");
    await using q = await NfQueue.open(9, { netns: ns, copyMode: "meta" });
    await assert.rejects(
      NfQueue.open(9, { netns: ns }),
      (e: unknown) => e instanceof NetlinkError && (e.code === "EBUSY" || e.code === "EPERM"),
    );
    const sending = udpSend(ns, "127.0.0.1", 6002, ["meta"]);
    const [p] = await verdictsFor(q, 1, (p) => p.accept(), false);
    await sending;
    assert.equal(p.payload.length, 0);
    assert.equal(p.hookName, "output");
  });
}, { timeout: 60_000 });

test("NFQUEUE options are validated before anything is sent", async () => {
  await assert.rejects(NfQueue.open(70000), TypeError);
  await assert.rejects(NfQueue.open(1, { copyMode: "all" as "meta" }), TypeError);
  await assert.rejects(NfQueue.open(1, { family: "ipx" as "inet" }), TypeError);
});
