// `nlts ipset` in-process through main(): the listing printed as `ipset list`
// prints it, word for word; writes in ipset's words read back by the tool;
// test's exit status as ipset's; refusals as one line with ipset's words.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { main } from "../../src/cli/main.ts";
import { ipsetCmd, listXml } from "./oracle.ts";
import { SETUP } from "./capture.ts";
import { sh } from "../helpers/netns.ts";

async function run(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const status = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, out: out.join("\n"), err: err.join("\n") };
}

test("cli ipset list prints what `ipset list` prints, word for word; -j the library's objects", async () => {
  await withNetns("ips-cli-list", async (ns) => {
    sh("ip", ["netns", "exec", ns, "ipset", "restore"], SETUP);
    const ours = await run("-n", ns, "ipset", "list");
    assert.equal(ours.status, 0, ours.err);
    assert.equal(ours.out + "\n", ipsetCmd(ns, "list"));
    const one = await run("-n", ns, "ipset", "list", "cap-ipport");
    assert.equal(one.out + "\n", ipsetCmd(ns, "list", "cap-ipport"));
    const terse = await run("-n", ns, "ipset", "list", "-t");
    assert.equal(terse.out + "\n", ipsetCmd(ns, "list", "-t"));
    const json = JSON.parse((await run("-n", ns, "-j", "ipset", "list", "cap-ip")).out);
    assert.equal(json[0].name, "cap-ip");
    assert.deepEqual(json[0].members.map((m: { elem: string }) => m.elem).sort(), ["10.0.0.1", "10.0.0.2"]);
    assert.equal(json[0].members.find((m: { elem: string }) => m.elem === "10.0.0.1").packets, 5);
  });
});

test("cli ipset writes in ipset's words, read back by the tool; test exits 1 for a non-member; refusals are one line", async () => {
  await withNetns("ips-cli-write", async (ns) => {
    const ok = async (...argv: string[]) => {
      const r = await run("-n", ns, "ipset", ...argv);
      assert.equal(r.status, 0, `${argv.join(" ")}: ${r.err}`);
      return r;
    };
    await ok("create", "myset", "hash:ip", "timeout", "600", "counters", "comment", "maxelem", "100");
    await ok("add", "myset", "10.0.0.1", "timeout", "0", "comment", "two words", "packets", "3", "bytes", "99");
    await ok("add", "myset", "10.0.0.2");
    await ok("create", "nets", "hash:net", "family", "inet6");
    await ok("add", "nets", "2001:db8::/32", "nomatch");
    await ok("create", "ports", "bitmap:port", "range", "0-1023");
    await ok("add", "ports", "22");
    const [set] = listXml(ns, "myset");
    assert.deepEqual([set.header.timeout, set.header.maxelem, set.header.counters, set.header.comment], [
      "600",
      "100",
      "",
      "",
    ]);
    assert.deepEqual(set.members.find((m) => m.elem === "10.0.0.1"), {
      elem: "10.0.0.1",
      timeout: "0",
      packets: "3",
      bytes: "99",
      comment: '"two words"',
    });
    assert.deepEqual(listXml(ns, "nets")[0].members, [{ elem: "2001:db8::/32", nomatch: "" }]);
    assert.equal(listXml(ns, "ports")[0].header.range, "0-1023");
    assert.equal((await ok("test", "ports", "22")).status, 0);
    const absent = await run("-n", ns, "ipset", "test", "ports", "23");
    assert.deepEqual([absent.status, absent.err], [1, "nlts: 23 is NOT in set ports."]);
    const dup = await run("-n", ns, "ipset", "add", "myset", "10.0.0.2");
    assert.equal(dup.status, 1);
    assert.equal(
      dup.err,
      "nlts: ipset add myset failed with IPSET_ERR_EXIST: Element cannot be added to the set: it's already added",
    );
    await ok("add", "myset", "10.0.0.2", "-exist");
    const family = await run("-n", ns, "ipset", "add", "nets", "10.0.0.0/8");
    assert.equal(family.status, 2);
    assert.match(family.err, /IPv4 address, but the set is of family inet6/);
    await ok("del", "myset", "10.0.0.2");
    await ok("flush", "nets");
    await ok("rename", "nets", "nets2");
    await ok("destroy", "nets2");
    assert.deepEqual(listXml(ns).map((s) => s.name), ["myset", "ports"]);
    assert.deepEqual(listXml(ns, "myset")[0].members.map((m) => m.elem), ["10.0.0.1"]);
  });
});
