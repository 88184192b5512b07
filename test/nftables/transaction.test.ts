// nf_tables transactions in a namespace of the test's own: applied all at
// once, refused all at once (the ruleset unchanged, the failing operation
// and attribute named), guarded by the generation; `nft` is the oracle.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Nftables, NftTransactionError, rule } from "../../src/nftables/mod.ts";

function nft(ns: string, ...args: string[]): string {
  return sh("ip", ["netns", "exec", ns, "nft", ...args]);
}

// deno-lint-ignore no-explicit-any
function nftJson(ns: string): Record<string, any>[] {
  return JSON.parse(nft(ns, "-j", "list", "ruleset")).nftables.filter((o: object) => !("metainfo" in o));
}

test("transaction: tables, chains, sets, elements, objects and rules in one batch, as nft lists them", async () => {
  await withNetns("nft-tx", async (ns) => {
    await using client = await Nftables.open({ netns: ns });
    const result = await client.transaction((tx) => {
      tx.addTable({ family: "inet", name: "fw", comment: "ours" });
      tx.addChain({
        family: "inet",
        table: "fw",
        name: "input",
        type: "filter",
        hook: "input",
        priority: 0,
        policy: "drop",
      });
      tx.addChain({ family: "inet", table: "fw", name: "post", type: "nat", hook: "postrouting", priority: 100 });
      tx.addSet({
        family: "inet",
        table: "fw",
        name: "blocked",
        keyType: 7,
        keyLen: 4,
        flags: ["timeout"],
        timeout: 60000,
      });
      tx.addElements({ family: "inet", table: "fw", set: "blocked" }, [
        { key: Uint8Array.of(10, 0, 0, 1), comment: "one" },
        { key: Uint8Array.of(10, 0, 0, 2), timeout: 5000 },
      ]);
      tx.addObject({ family: "inet", table: "fw", name: "hits", type: "counter" });
      tx.addObject({ family: "inet", table: "fw", name: "cap", type: "quota", data: { bytes: 1000000n } });
      tx.addRule({
        family: "inet",
        table: "fw",
        chain: "input",
        expressions: rule().ctState(["established"]).accept(),
      });
      tx.addRule({
        family: "inet",
        table: "fw",
        chain: "input",
        expressions: rule().ipSaddr({ set: "blocked" }).drop(),
        comment: "blocklist",
      });
      tx.addRule({ family: "inet", table: "fw", chain: "post", expressions: rule().oifname("eth0").masquerade() });
    }, { echo: true });
    const json = nftJson(ns);
    const table = json.find((o) => o.table)!.table;
    assert.deepEqual([table.family, table.name], ["inet", "fw"]);
    assert.match(nft(ns, "list", "table", "inet", "fw"), /comment "ours"/); // nft 1.0.6 -j leaves table comments out
    const input = json.find((o) => o.chain?.name === "input")!.chain;
    assert.deepEqual([input.type, input.hook, input.prio, input.policy], ["filter", "input", 0, "drop"]);
    const post = json.find((o) => o.chain?.name === "post")!.chain;
    assert.deepEqual([post.type, post.hook, post.prio], ["nat", "postrouting", 100]);
    const set = json.find((o) => o.set)!.set;
    assert.deepEqual([set.name, set.type, set.flags, set.timeout], ["blocked", "ipv4_addr", ["timeout"], 60]);
    const elements = set.elem.map((e: { elem: { val: string; timeout?: number; comment?: string } }) => e.elem);
    assert.deepEqual(elements.map((e: { val: string }) => e.val).sort(), ["10.0.0.1", "10.0.0.2"]);
    assert.equal(elements.find((e: { val: string }) => e.val === "10.0.0.1").comment, "one");
    assert.equal(elements.find((e: { val: string }) => e.val === "10.0.0.2").timeout, 5);
    assert.ok(json.some((o) => o.counter?.name === "hits"));
    assert.equal(json.find((o) => o.quota)!.quota.bytes, 1000000);
    const rules = json.filter((o) => o.rule).map((o) => o.rule);
    assert.equal(rules.length, 3);
    assert.equal(rules[1].comment, "blocklist");
    // With echo, each add comes back decoded: the rules with the handles nft shows.
    const echoedRules = result.echoes.flat().filter((o) => "expressions" in o);
    assert.deepEqual(
      echoedRules.map((r) => r.handle).sort((a, b) => a - b),
      rules.map((r) => r.handle).sort((a, b) => a - b),
    );
    assert.equal(result.echoes.length, 10);
  });
});

test("transaction: a refused operation is named with its attribute, and the kernel applies none of the batch", async () => {
  await withNetns("nft-tx-fail", async (ns) => {
    nft(ns, "add", "table", "inet", "keep");
    nft(ns, "add", "chain", "inet", "keep", "c");
    const before = nft(ns, "list", "ruleset");
    await using client = await Nftables.open({ netns: ns });
    let error: unknown;
    try {
      await client.transaction((tx) => {
        tx.addTable({ family: "inet", name: "new" });
        tx.addRule({ family: "inet", table: "keep", chain: "c", expressions: rule().accept() });
        tx.addRule({ family: "inet", table: "keep", chain: "missing", expressions: rule().drop() });
        tx.deleteChain({ family: "inet", table: "keep", chain: "c" });
      });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof NftTransactionError, String(error));
    assert.equal(error.code, "ENOENT");
    assert.equal(error.index, 2);
    assert.equal(error.operation, "add rule inet keep missing");
    assert.equal(error.messageTypeName, "NFT_MSG_NEWRULE");
    assert.equal(error.extAck?.path, "NFTA_RULE_CHAIN");
    assert.match(error.message, /add rule inet keep missing \(operation 3\) failed/);
    assert.equal(nft(ns, "list", "ruleset"), before);
  });
});

test("transaction: with a stale generation the kernel refuses it (ERESTART) and nothing changes", async () => {
  await withNetns("nft-tx-gen", async (ns) => {
    await using client = await Nftables.open({ netns: ns });
    const { generation } = await client.ruleset();
    nft(ns, "add", "table", "inet", "other"); // someone else commits meanwhile
    const before = nft(ns, "list", "ruleset");
    await assert.rejects(
      client.transaction((tx) => tx.addTable({ family: "inet", name: "mine" }), { generation }),
      (e: NftTransactionError) => e instanceof NftTransactionError && e.code === "ERESTART",
    );
    assert.equal(nft(ns, "list", "ruleset"), before);
    // At the current generation it applies.
    await client.transaction((tx) => tx.addTable({ family: "inet", name: "mine" }), {
      generation: await client.generation(),
    });
    assert.match(nft(ns, "list", "tables"), /table inet mine/);
  });
});

test("transaction: packets from the namespace move the rule's counter, read by us as nft -j reads it", async () => {
  await withNetns("nft-tx-count", async (ns) => {
    await using client = await Nftables.open({ netns: ns });
    await client.transaction((tx) => {
      tx.addTable({ family: "ip", name: "t" });
      tx.addChain({ family: "ip", table: "t", name: "out", type: "filter", hook: "output", priority: 0 });
      tx.addRule({ family: "ip", table: "t", chain: "out", expressions: rule("ip").udpDport(9).counter().build() });
    });
    for (let i = 0; i < 3; i++) {
      sh("ip", ["netns", "exec", ns, "bash", "-c", "echo hi > /dev/udp/127.0.0.1/9"]);
    }
    const [r] = await client.rules({ family: "ip" });
    const counter = r.expressions.find((e) => e.kind === "counter");
    assert.ok(counter?.kind === "counter");
    assert.equal(counter.packets, 3n);
    const json = JSON.parse(nft(ns, "-j", "list", "chain", "ip", "t", "out")).nftables;
    const jsonCounter = json.find((o: { rule?: unknown }) =>
      o.rule
    ).rule.expr.find((e: object) => "counter" in e).counter;
    assert.equal(counter.packets, BigInt(jsonCounter.packets));
    assert.equal(counter.bytes, BigInt(jsonCounter.bytes));
  });
});

test("transaction: delete and flush operations; replacing a rule by handle", async () => {
  await withNetns("nft-tx-del", async (ns) => {
    sh(
      "ip",
      ["netns", "exec", ns, "nft", "-f", "-"],
      "table inet t { chain a { tcp dport 1 accept; tcp dport 2 accept; }; chain b { }; }",
    );
    await using client = await Nftables.open({ netns: ns });
    const [first] = await client.rules();
    await client.transaction((tx) =>
      tx.replaceRule({
        family: "inet",
        table: "t",
        chain: "a",
        handle: first.handle,
        expressions: rule().tcpDport(3).drop(),
      })
    );
    assert.match(nft(ns, "list", "chain", "inet", "t", "a"), /tcp dport 3 drop\n\s*tcp dport 2 accept/);
    await client.transaction((tx) => {
      tx.flushChain({ family: "inet", table: "t", chain: "a" });
      tx.deleteChain({ family: "inet", table: "t", chain: "b" });
    });
    assert.equal((await client.rules()).length, 0);
    assert.deepEqual((await client.chains()).map((c) => c.name), ["a"]);
    await client.transaction((tx) => tx.deleteTable({ family: "inet", name: "t" }));
    assert.equal(nft(ns, "list", "ruleset").trim(), "");
    nft(ns, "add", "table", "ip", "a");
    nft(ns, "add", "table", "ip6", "b");
    await client.transaction((tx) => tx.flushRuleset({ family: "ip" }));
    assert.deepEqual((await client.tables()).map((t) => t.name), ["b"]);
    await client.transaction((tx) => tx.flushRuleset());
    assert.equal(nft(ns, "list", "ruleset").trim(), "");
  });
});

test("transaction: rules placed at the start (insert), after a handle (position), before a handle", async () => {
  await withNetns("nft-tx-pos", async (ns) => {
    sh(
      "ip",
      ["netns", "exec", ns, "nft", "-f", "-"],
      "table inet t { chain c { tcp dport 1 accept; tcp dport 3 accept; }; }",
    );
    await using client = await Nftables.open({ netns: ns });
    const [one, three] = await client.rules();
    const at = { family: "inet" as const, table: "t", chain: "c" };
    await client.transaction((tx) => {
      tx.addRule({ ...at, expressions: rule().tcpDport(2).accept(), position: one.handle });
      tx.addRule({ ...at, expressions: rule().tcpDport(0).accept(), insert: true });
      tx.addRule({ ...at, expressions: rule().tcpDport(25).accept(), position: three.handle, insert: true });
    });
    const listed = nft(ns, "list", "chain", "inet", "t", "c").match(/tcp dport \d+/g);
    assert.deepEqual(listed, ["tcp dport 0", "tcp dport 1", "tcp dport 2", "tcp dport 25", "tcp dport 3"]);
  });
});

test("transaction: bad input throws before anything is sent", async () => {
  await withNetns("nft-tx-input", async (ns) => {
    await using client = await Nftables.open({ netns: ns });
    const generation = await client.generation();
    await assert.rejects(client.transaction((tx) => tx.addTable({ family: "inet6" as "inet", name: "x" })), TypeError);
    await assert.rejects(client.transaction((tx) => tx.addTable({ family: "inet", name: "" })), TypeError);
    await assert.rejects(
      client.transaction((tx) => tx.addChain({ family: "inet", table: "t", name: "c", hook: "input", priority: 0 })),
      TypeError, // a base chain needs a type
    );
    await assert.rejects(
      client.transaction((tx) =>
        tx.addChain({ family: "netdev", table: "t", name: "c", type: "filter", hook: "input", priority: 0 })
      ),
      TypeError, // netdev has no input hook
    );
    await assert.rejects(
      client.transaction((tx) => tx.deleteRule({ family: "inet", table: "t", chain: "c", handle: 0 })),
      TypeError,
    );
    assert.equal(await client.generation(), generation); // nothing was committed
  });
});

test("transaction: a negative hook priority and a jump (signed big-endian on the wire) as nft reads them, and back", async () => {
  await withNetns("wrt-nft-signed", async (ns) => {
    await using client = await Nftables.open({ netns: ns });
    await client.transaction((tx) => {
      tx.addTable({ family: "ip", name: "s" });
      tx.addChain({ family: "ip", table: "s", name: "sub" });
      tx.addChain({ family: "ip", table: "s", name: "pre", type: "filter", hook: "prerouting", priority: -150 });
      tx.addChain({ family: "ip", table: "s", name: "low", type: "filter", hook: "input", priority: -2147483648 });
      tx.addRule({ family: "ip", table: "s", chain: "pre", expressions: rule().jump("sub") });
    });
    const json = nftJson(ns);
    const prio = (name: string) => json.find((o) => o.chain?.name === name)!.chain.prio;
    assert.deepEqual([prio("pre"), prio("low")], [-150, -2147483648]);
    const jump = json.find((o) => o.rule)!.rule.expr;
    assert.deepEqual(jump, [{ jump: { target: "sub" } }]);
    // Ours read the same chains and verdict.
    const chains = await client.chains({ family: "ip" });
    const ours = Object.fromEntries(chains.map((c) => [c.name, c.priority]));
    assert.deepEqual(ours, { sub: undefined, pre: -150, low: -2147483648 });
    const [r] = await client.rules({ family: "ip" });
    assert.deepEqual(r.expressions, [{
      kind: "immediate",
      dreg: 0,
      data: { verdict: { code: "jump", chain: "sub" } },
    }]);
  });
});
