// NFNLGRP_NFTABLES as typed events: a transaction is announced object by
// object, then its new generation; changes made by `nft` arrive the same way.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Nftables, type NftEvent, rule } from "../../src/nftables/mod.ts";
import { Overrun } from "../../src/wire/errors.ts";

test("events: a transaction's table, chain and rule, then the generation; nft's delete too", async () => {
  await withNetns("nft-events", async (ns) => {
    await using client = await Nftables.open({ netns: ns });
    await using events = client.events({ signal: AbortSignal.timeout(10_000) });
    await events.ready;
    await client.transaction((tx) => {
      tx.addTable({ family: "inet", name: "ev" });
      tx.addChain({ family: "inet", table: "ev", name: "c" });
      tx.addRule({
        family: "inet",
        table: "ev",
        chain: "c",
        expressions: rule().tcpDport(22).accept(),
        comment: "ssh",
      });
    });
    sh("ip", ["netns", "exec", ns, "nft", "delete", "table", "inet", "ev"]);
    const seen: NftEvent[] = [];
    for await (const e of events) {
      assert.ok(!(e instanceof Overrun));
      seen.push(e);
      if (e.kind === "table" && e.action === "delete") break;
    }
    const kinds = seen.map((e) => `${e.action} ${e.kind}`);
    assert.deepEqual(kinds.slice(0, 4), ["new table", "new chain", "new rule", "new generation"]);
    const ruleEvent = seen[2];
    assert.ok(ruleEvent.kind === "rule");
    assert.equal(ruleEvent.rule.comment, "ssh");
    assert.deepEqual(ruleEvent.rule.expressions, rule().tcpDport(22).accept());
    const gen = seen[3];
    assert.ok(gen.kind === "generation");
    assert.equal(gen.generation, await client.generation() - 1); // nft's delete committed once more
    assert.equal(kinds.at(-1), "delete table");
  });
});
