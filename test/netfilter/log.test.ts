// NFLOG against the real kernel: NFLOG rules on loopback UDP inside private namespaces.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { NetlinkError, Overrun } from "../../mod.ts";
import { type LogEntry, NfLog } from "../../src/netfilter/mod.ts";
import { ip6t, ipt, ruleCount, udpSend } from "./util.ts";

async function take(log: NfLog, count: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of log.entries({ signal: AbortSignal.timeout(8000) })) {
    if (e instanceof Overrun) throw new Error(`entries were lost (${e.where})`);
    out.push(e);
    if (out.length === count) break;
  }
  return out;
}

const NOBODY = 65534;

for (const v6 of [false, true]) {
  const name = v6 ? "IPv6" : "IPv4";
  const host = v6 ? "::1" : "127.0.0.1";
  const tables = v6 ? ip6t : ipt;

  test(`NFLOG ${name}: prefix, hook, protocol, mark, interfaces, uid/gid and payload of logged packets`, async () => {
    await withNetns(`nf-log-${v6 ? 6 : 4}`, async (ns) => {
      const port = 6100;
      const prefix = `nlts-${name}`;
      tables(
        ns,
        "-t",
        "mangle",
        "-A",
        "OUTPUT",
        "-p",
        "udp",
        "--dport",
        String(port),
        "-j",
        "MARK",
        "--set-mark",
        "0x33",
      );
      tables(
        ns,
        "-A",
        "OUTPUT",
        "-p",
        "udp",
        "--dport",
        String(port),
        "-j",
        "NFLOG",
        "--nflog-group",
        "9",
        "--nflog-prefix",
        prefix,
      );
      tables(
        ns,
        "-A",
        "INPUT",
        "-p",
        "udp",
        "--dport",
        String(port),
        "-j",
        "NFLOG",
        "--nflog-group",
        "9",
        "--nflog-prefix",
        "in",
      );
      await using log = await NfLog.open(9, { netns: ns, copyMode: "packet", seq: true });
      const sport = await udpSend(ns, host, port, ["hello-log", "second"], NOBODY);
      const entries = await take(log, 4);
      const out = entries.filter((e) => e.prefix === prefix);
      const inp = entries.filter((e) => e.prefix === "in");
      assert.equal(out.length, 2);
      assert.equal(inp.length, 2);
      assert.equal(ruleCount(ns, v6, "filter", "OUTPUT", `nflog-prefix ${prefix}`), 2, "iptables counted what we got");
      for (const e of out) {
        assert.equal(e.group, 9);
        assert.equal(e.family, v6 ? "inet6" : "inet");
        assert.equal(e.hook, 3);
        assert.equal(e.hookName, "output");
        assert.equal(e.hwProtocol, v6 ? 0x86dd : 0x0800);
        assert.equal(e.mark, 0x33);
        assert.equal(e.outdev, 1, "lo");
        assert.equal(e.indev, undefined);
        assert.equal(e.uid, NOBODY);
        assert.equal(e.gid, NOBODY);
      }
      for (const e of inp) {
        assert.equal(e.hookName, "input");
        assert.equal(e.indev, 1, "lo");
        assert.equal(e.outdev, undefined);
      }
      const [first] = out;
      // The payload is the IP packet: version, UDP, ports, data.
      const p = first.payload;
      const l4 = v6 ? 40 : (p[0] & 0x0f) * 4;
      assert.equal(p[0] >> 4, v6 ? 6 : 4);
      assert.equal(v6 ? p[6] : p[9], 17);
      assert.equal((p[l4] << 8) | p[l4 + 1], sport);
      assert.equal((p[l4 + 2] << 8) | p[l4 + 3], port);
      assert.equal(new TextDecoder().decode(p.subarray(l4 + 8)), "hello-log");
      const seqs = entries.map((e) => e.seq!);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "per-instance sequence numbers increase");
    });
  }, { timeout: 60_000 });
}

test("NFLOG meta mode has no payload; a group bound twice is refused; bad options throw", async () => {
  await withNetns("nf-log-meta", async (ns) => {
    ipt(ns, "-A", "OUTPUT", "-p", "udp", "--dport", "6101", "-j", "NFLOG", "--nflog-group", "10");
    await using log = await NfLog.open(10, { netns: ns, copyMode: "meta" });
    await assert.rejects(
      NfLog.open(10, { netns: ns }),
      (e: unknown) => e instanceof NetlinkError && (e.code === "EBUSY" || e.code === "EPERM"),
    );
    await udpSend(ns, "127.0.0.1", 6101, ["m"]);
    const [e] = await take(log, 1);
    assert.equal(e.payload.length, 0);
    assert.equal(e.prefix, "", "NFLOG without --nflog-prefix sends an empty prefix");
    assert.equal(e.mark, 0);
  });
  await assert.rejects(NfLog.open(-1), TypeError);
  await assert.rejects(NfLog.open(1, { copyMode: "x" as "meta" }), TypeError);
  await assert.rejects(NfLog.open(1, { qthreshold: -3 }), TypeError);
}, { timeout: 60_000 });
