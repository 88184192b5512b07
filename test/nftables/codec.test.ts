// nf_tables codecs on bytes captured from the kernel (test/nftables/fixtures,
// written by capture.ts from the ruleset in CAPTURED): decoded as nft wrote
// them, re-encoded to the same objects (an unknown expression kept raw),
// and truncated or random bytes give ParseError only.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { hexFile } from "../helpers/fixtures.ts";
import { fuzz } from "../helpers/fuzz.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { parseMessages } from "../../mod.ts";
import { ParseError } from "../../src/wire/errors.ts";
import {
  decodeChain,
  decodeNftEvent,
  decodeObject,
  decodeRule,
  decodeSet,
  decodeSetElements,
  decodeTable,
  Nftables,
  type NftRule,
  Transaction,
} from "../../src/nftables/mod.ts";
import type { NetlinkMessage } from "../../src/wire/message.ts";

const dir = new URL("./fixtures/", import.meta.url);
const fixture = (name: string) => hexFile(new URL(`${name}.hex`, dir));
const message = (name: string): NetlinkMessage => parseMessages(fixture(name))[0];
const rules = Array.from({ length: 8 }, (_, i) => decodeRule(message(`rule-${i}`)));

test("codec: captured table, chains, sets, elements and objects decode as nft wrote them", () => {
  assert.deepEqual(decodeTable(message("table-0")), {
    family: "inet",
    name: "cap",
    handle: 1,
    flags: [],
    use: 8,
    comment: "captured",
  });
  const chain = decodeChain(message("chain-0"));
  assert.deepEqual(
    [chain.name, chain.type, chain.hook, chain.priority, chain.policy, chain.flags],
    ["in", "filter", "input", 0, "drop", ["base"]],
  );
  assert.equal(decodeChain(message("chain-1")).priority, 100);
  const vm = decodeSet(message("set-2"));
  assert.deepEqual([vm.name, vm.flags, vm.keyType, vm.keyLen, vm.dataType], ["vm", ["map"], 13, 2, 0xffffff00]);
  assert.ok(vm.unknown && vm.unknown.length > 0); // attributes newer than these headers are kept, not dropped
  assert.equal(decodeSet(message("set-1")).timeout, 3600_000);
  const verdicts = decodeSetElements(message("elem-vm-0")).elements.map((e) => [e.key![1], e.verdict?.code]);
  assert.deepEqual(verdicts.sort(), [[22, "accept"], [23, "drop"]]);
  const [timed] = decodeSetElements(message("elem-to-0")).elements;
  assert.deepEqual([timed.key, timed.timeout, timed.comment], [Uint8Array.of(1, 2, 3, 4), 30_000, "x"]);
  const quota = decodeObject(message("obj-1"));
  assert.deepEqual([quota.type, quota.data], ["quota", { bytes: 104857600n, consumed: 0n, flags: ["inv"] }]);
});

test("codec: captured rules decode into typed expressions; numgen (no set here) stays raw", () => {
  assert.equal(rules[1].comment, "many");
  assert.deepEqual(rules[2].expressions.slice(4), [
    { kind: "limit", rate: 5, unit: 60, burst: 5, type: "packets", flags: [] },
    { kind: "reject", type: "icmp", icmpCode: 4 },
  ]);
  const [numgen, meta] = rules[3].expressions;
  assert.equal(numgen.kind, "raw");
  assert.equal(numgen.kind === "raw" && numgen.name, "numgen");
  assert.deepEqual(meta, { kind: "meta", key: "mark", sreg: 1 });
  assert.deepEqual(rules[4].expressions[0], { kind: "fib", dreg: 1, result: "type", flags: ["daddr"] });
  assert.deepEqual(rules[5].expressions[3], { kind: "lookup", set: "vm", sreg: 1, dreg: 0, flags: [] });
  assert.deepEqual(rules[6].expressions[0], { kind: "quota", bytes: 10485760n, consumed: 0n, flags: [] });
  assert.deepEqual(rules[7].expressions[2], { kind: "masq" });
  // A rule event is the same message as a dumped rule.
  const event = decodeNftEvent(message("rule-0"));
  assert.deepEqual(event, { action: "new", kind: "rule", rule: rules[0] });
});

test("codec: decode(encode(rule)) gives the same expressions and comment, raw ones included", () => {
  for (const r of rules) {
    const tx = new Transaction();
    tx.addRule({ family: "inet", table: r.table, chain: r.chain, expressions: r.expressions, comment: r.comment });
    const again: NftRule = decodeRule(parseMessages(tx.operations[0].message)[0]);
    assert.deepEqual(again.expressions, r.expressions);
    assert.equal(again.comment, r.comment);
  }
});

test("codec: a raw expression re-encoded goes back to the kernel as it came (nft lists the numgen rule)", async () => {
  await withNetns("nft-codec-raw", async (ns) => {
    sh("ip", ["netns", "exec", ns, "nft", "-f", "-"], "table inet cap { chain in { }; }");
    await using client = await Nftables.open({ netns: ns });
    await client.transaction((tx) =>
      tx.addRule({ family: "inet", table: "cap", chain: "in", expressions: rules[3].expressions })
    );
    const listed = sh("ip", ["netns", "exec", ns, "nft", "list", "chain", "inet", "cap", "in"]);
    assert.match(listed, /meta mark set numgen inc mod 2/);
    const [back] = await client.rules();
    assert.deepEqual(back.expressions, rules[3].expressions);
  });
});

test("codec: truncated and random bytes give ParseError only (20,000 seeded cases)", () => {
  const names = ["table-0", "chain-0", "chain-1", "set-0", "set-2", "elem-vm-0", "elem-to-0", "obj-1", "obj-2"];
  const seeds = [...names.map(fixture), ...Array.from({ length: 8 }, (_, i) => fixture(`rule-${i}`))];
  const decode = (bytes: Uint8Array) => {
    for (const m of parseMessages(bytes)) {
      decodeNftEvent(m);
      decodeRule(m);
      decodeSet(m);
      decodeSetElements(m);
      decodeObject(m);
      decodeChain(m);
    }
  };
  const r = fuzz([{ name: "nftables", seeds, decode }], 20_000, 11);
  if (r.failure) assert.fail(`${r.failure.error}\ninput ${r.failure.input}`);
  assert.ok(r.decoded > 0 && r.rejected > 0, `decoded ${r.decoded}, rejected ${r.rejected}`);
  // Every cut of a rule is refused with ParseError, or decodes.
  const whole = fixture("rule-1");
  for (let cut = 0; cut < whole.length; cut++) {
    const bytes = whole.slice(0, cut);
    if (cut >= 4) new DataView(bytes.buffer).setUint32(0, cut, true); // nlmsg_len says the cut length
    try {
      decode(bytes);
    } catch (e) {
      assert.ok(e instanceof ParseError, `cut at ${cut}: ${e}`);
    }
  }
});
