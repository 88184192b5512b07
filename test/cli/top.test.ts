// `nlts top` (not on a terminal): samples of the links with rates from counter differences, checked against
// UDP traffic sent on the namespace's loopback while it runs; -j prints one JSON line per sample.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipJson, sh, withNetns } from "../helpers/netns.ts";
import { Child, cliChild, runtimes } from "./run.ts";

// 400 datagrams of 1,000 bytes to 127.0.0.1, 20 every 50 ms: about 2 s of traffic.
const SENDER = `
const s = require("node:dgram").createSocket("udp4");
const payload = Buffer.alloc(1000);
let sent = 0;
const t = setInterval(() => {
  for (let i = 0; i < 20; i++) s.send(payload, 9, "127.0.0.1");
  if ((sent += 20) >= 400) { clearInterval(t); setTimeout(() => { console.log("done"); s.close(); }, 100); }
}, 50);`;

for (const rt of runtimes) {
  test(`${rt}: top -j samples rates from counters; loopback traffic shows as a rate`, async () => {
    await withNetns(`cli2-top-${rt}`, async (ns) => {
      sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
      const top = cliChild(rt, "-n", ns, "top", "-j", "--interval", "0.5");
      let counted = 0;
      try {
        await top.waitFor((l) => l.startsWith("{"), 20_000);
        const before = ipJson(ns, "-s", "link", "show", "lo")[0].stats64.rx.bytes;
        const sender = new Child("ip", ["netns", "exec", ns, "node", "-e", SENDER]);
        await sender.waitFor((l) => l === "done", 20_000);
        await sender.exited;
        counted = ipJson(ns, "-s", "link", "show", "lo")[0].stats64.rx.bytes - before;
        const from = top.lines.length;
        await top.waitFor(() => top.lines.length >= from + 2, 10_000);
      } finally {
        await top.stop();
      }
      const samples = top.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      assert.ok(samples.length >= 4, `${samples.length} samples`);
      const lo = samples.map((s: any) => s.links.find((l: any) => l.ifname === "lo"));
      assert.equal(lo[0].rxBytesPerSecond, undefined, "no rate in the first sample");
      // Every datagram is 1,028 bytes on lo (IP and UDP headers): 400 of them.
      const total = lo.at(-1).rxBytes - lo[0].rxBytes;
      assert.ok(total >= 400 * 1028, `${total} bytes`);
      assert.ok(total >= counted, `top saw ${total} bytes, ip counted ${counted} while the sender ran`);
      const peak = Math.max(...lo.slice(1).map((l: any) => l.rxBytesPerSecond));
      assert.ok(peak > 50_000, `peak ${peak} B/s`);
      // The rates times the time between samples add up to the counters' difference (to 10 %: the sample's
      // time is taken just after its dump).
      let sum = 0;
      for (let i = 1; i < lo.length; i++) {
        sum += lo[i].rxBytesPerSecond * (Date.parse(samples[i].time) - Date.parse(samples[i - 1].time)) / 1000;
      }
      assert.ok(Math.abs(sum - total) <= total * 0.1, `${sum} vs ${total}`);
    });
  }, { timeout: 60_000 });

  test(`${rt}: top prints a table per sample when stdout is not a terminal, and stops after --for`, async () => {
    await withNetns(`cli2-tt-${rt}`, async (ns) => {
      // Three samples 0.2 s apart fit well inside 2 s even when the first dump is slow (a CI machine under load
      // once gave two in 1.2 s).
      const child = cliChild(rt, "-n", ns, "top", "--interval", "0.2", "--for", "2");
      const { code } = await child.exited;
      assert.equal(code, 0, child.stderr);
      const tables = child.lines.join("\n").split("\n\n");
      assert.ok(tables.length >= 3, child.lines.join("\n"));
      for (const t of tables) assert.match(t, /^NAME\s+STATE\s+RX\s+RX-PPS\s+TX\s+TX-PPS\s+RX-BYTES\s+TX-BYTES\nlo\s/);
      assert.ok(!child.lines.join("\n").includes("\x1b["), "no escape codes off a terminal");
    });
  }, { timeout: 60_000 });
}
