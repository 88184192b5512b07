// Tracing: --trace / NLTS_TRACE=1 print every message sent and received on stderr; --pcap writes a capture
// that tshark (the oracle) decodes as netlink, message for message; the socket's trace option itself.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { test } from "../helpers/harness.ts";
import { ipBatch, sh, withNetns } from "../helpers/netns.ts";
import { cli, command, root, runtimes } from "./run.ts";
import { RouteClient } from "../../src/route/client.ts";
import { rtmName } from "../../src/route/constants.ts";
import { PcapWriter, splitTraced, traceLogger } from "../../src/socket/trace.ts";
import type { TraceEvent } from "../../src/socket/socket.ts";

const ROUTES = ["10.91.0.0/24", "10.92.0.0/16", "10.93.1.0/24"];

function setup(ns: string): void {
  ipBatch(
    ns,
    `link add tr-a type veth peer name tr-b
link set tr-a up
addr add 10.90.0.1/24 dev tr-a
${ROUTES.map((r) => `route add ${r} via 10.90.0.2 table 100`).join("\n")}
`,
  );
}

for (const rt of runtimes) {
  test(`${rt}: --trace and NLTS_TRACE=1 print each message sent and received on stderr`, async () => {
    await withNetns(`cli2-tr-${rt}`, (ns) => {
      setup(ns);
      const plain = cli(rt, "-n", ns, "route", "show", "table", "100");
      const traced = cli(rt, "-n", ns, "--trace", "route", "show", "table", "100");
      assert.equal(traced.status, 0, traced.stderr);
      assert.equal(traced.stdout, plain.stdout, "the trace goes to stderr only");
      const lines = traced.stderr.trim().split("\n");
      const dump = lines.find((l) => l.startsWith("> RTM_GETROUTE"));
      assert.match(dump!, /^> RTM_GETROUTE flags=REQUEST,DUMP seq=(\d+) pid=0 len=\d+ attrs=\[/);
      const seq = /seq=(\d+)/.exec(dump!)![1];
      const routes = lines.filter((l) => l.startsWith("< RTM_NEWROUTE flags=MULTI") && l.includes(` seq=${seq} `));
      assert.equal(routes.length, ROUTES.length, traced.stderr);
      // rtmsg is 12 bytes; RTA_TABLE (15) and RTA_DST (1, 4 bytes) are among the attributes.
      assert.ok(
        routes.every((l) => / 15:4 /.test(` ${l.split("attrs=[")[1]}`) && /\b1:4\b/.test(l)),
        routes.join("\n"),
      );
      assert.ok(lines.some((l) => l.startsWith("< NLMSG_DONE flags=MULTI") && l.includes(` seq=${seq} `)));

      const [cmd, argv] = command(rt, "cli.ts", ["-n", ns, "route", "show", "table", "100"]);
      const env = spawnSync(cmd, argv, { cwd: root, encoding: "utf8", env: { ...process.env, NLTS_TRACE: "1" } });
      assert.equal(env.status, 0, env.stderr);
      assert.equal(env.stderr.split("\n").filter((l) => l.startsWith("< RTM_NEWROUTE")).length, ROUTES.length);
    });
  }, { timeout: 60_000 });

  test(
    `${rt}: --pcap writes a capture that tshark decodes as a netlink route dump; decode prints it as --trace`,
    async () => {
      await withNetns(`cli2-pc-${rt}`, (ns) => {
        setup(ns);
        const file = `/tmp/nlts-cli2-${rt}-${process.pid}.pcap`;
        try {
          const r = cli(rt, "-n", ns, "--trace", "--pcap", file, "route", "show", "table", "100");
          assert.equal(r.status, 0, r.stderr);
          // decode prints the capture in --trace's words: the same lines the trace printed.
          const decoded = cli(rt, "decode", file);
          assert.equal(decoded.status, 0, decoded.stderr);
          assert.equal(decoded.stdout, r.stderr);
          assert.ok(decoded.stdout.split("\n").filter((l) => l.startsWith("< RTM_NEWROUTE")).length === ROUTES.length);
          const json = cli(rt, "decode", file, "-j").stdout.trim().split("\n").map((l) => JSON.parse(l));
          assert.equal(json.filter((m) => m.typeName === "RTM_NEWROUTE" && m.direction === "receive").length, 3);
          assert.equal(cli(rt, "decode", "/etc/hostname").status, 1, "not a capture");
          const bytes = readFileSync(file);
          assert.equal(bytes.readUInt32LE(0), 0xa1b2c3d4);
          assert.equal(bytes.readUInt32LE(20), 253, "LINKTYPE_NETLINK");
          const fields = sh("tshark", [
            "-r",
            file,
            "-T",
            "fields",
            "-e",
            "netlink.hatype",
            "-e",
            "netlink.family",
            "-e",
            "netlink-route.nltype",
            "-e",
            "netlink-route.rt_dst_len",
          ]).trim().split("\n").map((l) => l.split("\t"));
          assert.ok(fields.length >= 3, fields.join("\n"));
          assert.ok(fields.every((f) => f[0] === "824" && f[1] === "0x0000"), "every record is rtnetlink (family 0)");
          const types = fields.flatMap((f) => (f[2] ? f[2].split(",") : []));
          assert.ok(types.includes("26"), "RTM_GETROUTE sent");
          assert.equal(types.filter((t) => t === "24").length, ROUTES.length, "one RTM_NEWROUTE per route");
          const lengths = fields.filter((f) => f[2]?.startsWith("24")).flatMap((f) => f[3].split(",")).sort();
          assert.deepEqual(lengths, ROUTES.map((p) => p.split("/")[1]).sort());
        } finally {
          rmSync(file, { force: true });
        }
      });
    },
    { timeout: 60_000 },
  );
}

test("the socket's trace option sees each datagram both ways; a throwing tracer changes nothing", async () => {
  await withNetns("cli2-sock", async (ns) => {
    setup(ns);
    const events: TraceEvent[] = [];
    const lines: string[] = [];
    const log = traceLogger((l) => lines.push(l), rtmName);
    await using rt = await RouteClient.open({
      netns: ns,
      trace: (e) => {
        events.push({ ...e, bytes: e.bytes.slice() });
        log(e);
        throw new Error("tracer failure");
      },
    });
    const routes = await Array.fromAsync(rt.routes({ table: 100 }));
    assert.equal(routes.length, ROUTES.length);
    assert.equal(events[0].direction, "send");
    assert.equal(events[0].protocol, 0);
    const received = events.filter((e) => e.direction === "receive").flatMap((e) => splitTraced(e, rtmName));
    assert.equal(received.filter((m) => m.typeName === "RTM_NEWROUTE").length, ROUTES.length);
    assert.equal(received.at(-1)!.typeName, "NLMSG_DONE");
    assert.ok(lines[0].startsWith("> RTM_GETROUTE flags=REQUEST,DUMP "), lines[0]);

    // An ACKed write: the ERROR message with errno 0 reads "ack".
    await rt.addRoute({ dst: "10.94.0.0/24", gateway: "10.90.0.2", table: 100 });
    assert.ok(lines.some((l) => /^< NLMSG_ERROR .* ack$/.test(l)), lines.join("\n"));
    assert.match(sh("ip", ["-n", ns, "route", "show", "table", "100"]), /10\.94\.0\.0\/24/);
  });
});

test("PcapWriter: file header, then per datagram a record with nlmon's cooked header in front", () => {
  const chunks: Uint8Array[] = [];
  const pcap = new PcapWriter((b) => chunks.push(b.slice()), 40);
  assert.equal(chunks.length, 1);
  const head = new DataView(chunks[0].buffer);
  assert.equal(head.getUint32(0, true), 0xa1b2c3d4);
  assert.equal(head.getUint16(4, true), 2);
  assert.equal(head.getUint16(6, true), 4);
  assert.equal(head.getUint32(16, true), 40);
  assert.equal(head.getUint32(20, true), 253);
  const bytes = new Uint8Array(32).fill(7);
  pcap.record({ direction: "send", protocol: 16, bytes, peer: 0, group: 0 }, 1_700_000_000_250);
  const rec = new DataView(chunks[1].buffer);
  assert.equal(rec.getUint32(0, true), 1_700_000_000);
  assert.equal(rec.getUint32(4, true), 250_000);
  assert.equal(rec.getUint32(8, true), 40, "cut to snaplen");
  assert.equal(rec.getUint32(12, true), 48, "original length: cooked header and datagram");
  assert.equal(rec.getUint16(16), 4, "PACKET_OUTGOING");
  assert.equal(rec.getUint16(18), 824, "ARPHRD_NETLINK");
  assert.equal(rec.getUint16(30), 16, "NETLINK_GENERIC");
  assert.equal(chunks[1].length, 16 + 40);
  assert.deepEqual([...chunks[1].subarray(32)], new Array(24).fill(7));
});
