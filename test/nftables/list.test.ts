// nf_tables listings against `nft -j list ruleset`: a ruleset written with
// `nft -f` in a namespace of the test's own, read back by us field by field.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Nftables } from "../../src/nftables/mod.ts";
import type { NftRule } from "../../src/nftables/mod.ts";

/** Runs `nft` in `ns`; with `input`, `nft -f -`. */
export function nft(ns: string, args: string[], input?: string): string {
  return sh("ip", ["netns", "exec", ns, "nft", ...args], input);
}

/** `nft -j list ruleset`, as a list of `{ kind: object }`. */
// deno-lint-ignore no-explicit-any
export function nftJson(ns: string): Record<string, any>[] {
  return JSON.parse(nft(ns, ["-j", "list", "ruleset"])).nftables.filter((o: object) => !("metainfo" in o));
}

const RULESET = `
table inet filter {
  comment "the filter table"
  set blocked { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.1 }; }
  set seen { type ipv4_addr; flags timeout; timeout 1h; elements = { 1.2.3.4 timeout 30s comment "recent" }; }
  set ports { type inet_service; elements = { 22, 80, 443 }; }
  counter web { }
  quota monthly { over 100 mbytes }
  limit slow { rate 10/second }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    ip saddr @blocked drop comment "blocklist"
    tcp dport @ports counter accept
    ip6 saddr ::1 accept
    tcp dport 1000-2000 log prefix "hi " drop
    jump extra
  }
  chain extra {
    udp dport { 53, 5353 } accept
    meta l4proto tcp reject with tcp reset
  }
  chain post {
    type nat hook postrouting priority srcnat;
    oifname "eth0" masquerade
  }
}
table ip raw {
  chain pre { type filter hook prerouting priority -300; }
}
`;

test("nft: a ruleset written by nft -f reads back as nft -j shows it (tables, chains, rules, sets, objects)", async () => {
  await withNetns("nft-list", async (ns) => {
    nft(ns, ["-f", "-"], RULESET);
    const json = nftJson(ns);
    await using client = await Nftables.open({ netns: ns });
    const rs = await client.ruleset();
    assert.equal(rs.generation, await client.generation());

    const tables = json.filter((o) => o.table).map((o) => o.table);
    assert.deepEqual(
      rs.tables.map((t) => ({ family: t.family, name: t.name, handle: t.handle })),
      tables.map((t) => ({ family: t.family, name: t.name, handle: t.handle })),
    );
    assert.equal(rs.tables.find((t) => t.name === "filter")?.comment, "the filter table");

    const chains = json.filter((o) => o.chain).map((o) => o.chain);
    assert.equal(rs.chains.length, chains.length);
    for (const c of chains) {
      const ours = rs.chains.find((x) => x.family === c.family && x.table === c.table && x.name === c.name);
      assert.ok(ours, `chain ${c.name}`);
      assert.equal(ours.handle, c.handle);
      assert.equal(ours.type, c.type);
      assert.equal(ours.hook, c.hook);
      assert.equal(ours.priority, c.prio);
      assert.equal(ours.policy, c.policy);
    }

    const rules = json.filter((o) => o.rule).map((o) => o.rule);
    assert.equal(rs.rules.length, rules.length);
    rules.forEach((r, i) => {
      const ours = rs.rules[i];
      assert.deepEqual([ours.family, ours.table, ours.chain, ours.handle], [r.family, r.table, r.chain, r.handle]);
      assert.equal(ours.comment, r.comment);
    });
    const kinds = (r: NftRule) => r.expressions.map((e) => e.kind);
    const input = rs.rules.filter((r) => r.chain === "input");
    assert.deepEqual(kinds(input[0]), ["ct", "bitwise", "cmp", "immediate"]);
    assert.deepEqual(kinds(input[2]), ["meta", "cmp", "payload", "lookup", "immediate"]);
    const lookup = input[2].expressions[3];
    assert.equal(lookup.kind === "lookup" && lookup.set, "blocked");
    // The rule's counter as nft -j shows it.
    const counter = input[3].expressions.find((e) => e.kind === "counter");
    const jsonCounter = rules[3].expr.find((e: Record<string, unknown>) => "counter" in e).counter;
    assert.ok(counter?.kind === "counter");
    assert.equal(counter.packets, BigInt(jsonCounter.packets));
    const jump = rs.rules.find((r) =>
      r.chain === "input" && r.expressions.at(-1)?.kind === "immediate" && r.expressions.length === 1
    );
    assert.deepEqual(jump?.expressions[0], {
      kind: "immediate",
      dreg: 0,
      data: { verdict: { code: "jump", chain: "extra" } },
    });
    const reset = rs.rules.find((r) => r.expressions.some((e) => e.kind === "reject"));
    assert.deepEqual(reset?.expressions.at(-1), { kind: "reject", type: "tcp reset" }); // no ICMP code for a reset
    const log = input[5].expressions.find((e) => e.kind === "log");
    assert.deepEqual(log, { kind: "log", prefix: "hi ", level: "warn" }); // the kernel reports its default level

    // Sets: named ones as nft -j lists them; the anonymous ones nft hides.
    const sets = json.filter((o) => o.set).map((o) => o.set);
    const named = rs.sets.filter((s) => !s.flags.includes("anonymous"));
    assert.deepEqual(named.map((s) => s.name).sort(), sets.map((s) => s.name).sort());
    const blocked = named.find((s) => s.name === "blocked")!;
    assert.equal(blocked.handle, sets.find((s) => s.name === "blocked").handle);
    assert.deepEqual(blocked.flags, ["interval"]);
    assert.equal(blocked.keyType, 7); // ipv4_addr
    // An interval set holds each interval as its start and (flagged) its end.
    const starts = blocked.elements.filter((e) => !e.flags.includes("interval-end")).map((e) => [...e.key!].join("."));
    assert.deepEqual(starts.sort(), ["10.0.0.0", "192.168.1.1"]);
    const ends = blocked.elements.filter((e) => e.flags.includes("interval-end")).map((e) => [...e.key!].join("."));
    assert.ok(ends.includes("11.0.0.0") && ends.includes("192.168.1.2"), ends.join());
    const seen = named.find((s) => s.name === "seen")!;
    assert.equal(seen.timeout, sets.find((s) => s.name === "seen").timeout * 1000);
    const elem = sets.find((s) => s.name === "seen").elem[0].elem;
    assert.equal(seen.elements.length, 1);
    assert.equal(seen.elements[0].timeout, elem.timeout * 1000);
    assert.equal(seen.elements[0].comment, elem.comment);
    assert.ok(seen.elements[0].expiration! > 0 && seen.elements[0].expiration! <= 30000);
    const ports = named.find((s) => s.name === "ports")!;
    assert.deepEqual(
      ports.elements.map((e) => (e.key![0] << 8) | e.key![1]).sort((a, b) => a - b),
      sets.find((s) => s.name === "ports").elem,
    );
    const anonymous = rs.sets.filter((s) => s.flags.includes("anonymous"));
    assert.equal(anonymous.length, 1); // { 53, 5353 }
    assert.equal(anonymous[0].elements.length, 2);

    // Objects.
    const web = rs.objects.find((o) => o.name === "web")!;
    const jsonWeb = json.find((o) => o.counter?.name === "web")!.counter;
    assert.deepEqual([web.type, web.handle, web.data.packets], ["counter", jsonWeb.handle, BigInt(jsonWeb.packets)]);
    const monthly = rs.objects.find((o) => o.name === "monthly")!;
    const jsonQuota = json.find((o) => o.quota)!.quota;
    assert.equal(monthly.type, "quota");
    assert.equal(monthly.data.bytes, BigInt(jsonQuota.bytes));
    assert.deepEqual(monthly.data.flags, jsonQuota.inv ? ["inv"] : []);
    const slow = rs.objects.find((o) => o.name === "slow")!;
    const jsonLimit = json.find((o) => o.limit)!.limit;
    assert.equal(slow.type, "limit");
    assert.deepEqual([slow.data.rate, slow.data.unit, slow.data.burst], [jsonLimit.rate, 1, jsonLimit.burst]);
  });
});

test("nft: a chain's listing of one family leaves out the others", async () => {
  await withNetns("nft-family", async (ns) => {
    nft(ns, ["-f", "-"], RULESET);
    await using client = await Nftables.open({ netns: ns });
    assert.deepEqual((await client.tables({ family: "ip" })).map((t) => t.name), ["raw"]);
    assert.deepEqual((await client.chains({ family: "ip" })).map((c) => [c.name, c.priority]), [["pre", -300]]);
    assert.equal((await client.rules({ family: "ip" })).length, 0);
  });
});
