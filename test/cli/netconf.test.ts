// `nlts netconf` against `ip netconf show`: the JSON byte for byte, one
// device and one family as ip asks for them, and `monitor netconf`'s lines.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, sh, sysctl, withNetns } from "../helpers/netns.ts";
import { cli, cliChild, runtimes } from "./run.ts";

for (const rt of runtimes) {
  test(`${rt}: netconf show -j writes what ip -j netconf show writes (every device, one device, one family)`, async () => {
    await withNetns("clw-netconf", (ns) => {
      ip(ns, "link", "add", "a0", "type", "veth", "peer", "name", "b0");
      sysctl(ns, "net.ipv4.conf.a0.rp_filter=2", "net.ipv6.conf.b0.forwarding=1");
      for (const args of [["netconf", "show"], ["netconf", "show", "dev", "a0"], ["-4", "netconf"]]) {
        const r = cli(rt, "-n", ns, "-j", ...args);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, sh("ip", ["-n", ns, "-j", ...args]), args.join(" "));
      }
      // With a family and a device, ip 6.1 asks once and prints that answer as text even under -j; we print JSON:
      // the entry ip's JSON for the device has for that family.
      const r6 = cli(rt, "-n", ns, "-j", "-6", "netconf", "show", "dev", "b0");
      assert.equal(r6.status, 0, r6.stderr);
      const both = JSON.parse(sh("ip", ["-n", ns, "-j", "netconf", "show", "dev", "b0"])) as { family: string }[];
      assert.deepEqual(JSON.parse(r6.stdout), both.filter((e) => e.family === "inet6"));
      assert.match(sh("ip", ["-n", ns, "-6", "netconf", "show", "dev", "b0"]), /^inet6 b0 forwarding on /);
      const r = cli(rt, "-n", ns, "netconf", "show", "dev", "nope0");
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^nlts: RTM_GETLINK failed with ENODEV/);
    });
  });

  test(`${rt}: monitor netconf prints the setting a sysctl changes, as ip netconf words it`, async () => {
    await withNetns("clw-netconf-mon", async (ns) => {
      ip(ns, "link", "add", "a0", "type", "veth", "peer", "name", "b0");
      const child = cliChild(rt, "-n", ns, "monitor", "netconf");
      try {
        // The subscription becomes live some time after start: change the setting until a line comes.
        let seen: string | undefined;
        for (let i = 0; i < 40 && !seen; i++) {
          sysctl(ns, `net.ipv4.conf.a0.rp_filter=${1 + (i % 2)}`);
          seen = await child.waitFor((l) => /^\[netconf\] new inet a0 rp_filter (strict|loose)$/.test(l), 500)
            .catch(() => undefined);
        }
        assert.ok(seen, `no netconf line; stdout: ${child.lines.join("\n")}; stderr: ${child.stderr}`);
      } finally {
        const { code } = await child.stop();
        assert.equal(code, 0, child.stderr);
        assert.equal(child.stderr, "");
      }
    });
  }, { timeout: 60_000 });
}
