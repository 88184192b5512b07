// The rule builder against `nft`: each rule built by us and the same rule
// written by `nft add rule` must list the same in `nft -j` and decode to
// the same expressions.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { type Expression, Nftables, rule } from "../../src/nftables/mod.ts";
import { AddressError } from "../../src/wire/values.ts";

function nft(ns: string, ...args: string[]): string {
  return sh("ip", ["netns", "exec", ns, "nft", ...args]);
}

/** The `expr` lists of a chain's rules, as `nft -j` prints them. */
function exprs(ns: string, family: string, table: string, chain: string): unknown[] {
  const out = JSON.parse(nft(ns, "-j", "list", "chain", family, table, chain)).nftables;
  return out.filter((o: Record<string, unknown>) => o.rule).map((o: { rule: { expr: unknown } }) => o.rule.expr);
}

const CASES: [string, () => Expression[], string][] = [
  ["ip saddr", () => rule().ipSaddr("10.0.0.1").accept(), "ip saddr 10.0.0.1 accept"],
  ["ip daddr prefix /8", () => rule().ipDaddr("10.0.0.0/8").drop(), "ip daddr 10.0.0.0/8 drop"],
  ["ip saddr prefix /20", () => rule().ipSaddr("10.0.0.0/20").accept(), "ip saddr 10.0.0.0/20 accept"],
  ["ip saddr !=", () => rule().ipSaddr("10.0.0.1", { negate: true }).accept(), "ip saddr != 10.0.0.1 accept"],
  [
    "two ip matches share one nfproto check",
    () => rule().ipSaddr("1.2.3.4").ipDaddr("5.6.7.0/24").accept(),
    "ip saddr 1.2.3.4 ip daddr 5.6.7.0/24 accept",
  ],
  ["ip6 saddr", () => rule().ip6Saddr("2001:db8::/32").drop(), "ip6 saddr 2001:db8::/32 drop"],
  ["ip6 daddr", () => rule().ip6Daddr("::1").accept(), "ip6 daddr ::1 accept"],
  ["tcp dport counter", () => rule().tcpDport(22).counter().accept(), "tcp dport 22 counter accept"],
  ["udp dport", () => rule().udpDport(53).accept(), "udp dport 53 accept"],
  ["tcp sport range", () => rule().tcpSport([1000, 2000]).drop(), "tcp sport 1000-2000 drop"],
  ["tcp dport !=", () => rule().tcpDport(80, { negate: true }).drop(), "tcp dport != 80 drop"],
  ["iifname", () => rule().iifname("lo").accept(), 'iifname "lo" accept'],
  ["oifname prefix", () => rule().oifname("eth*").drop(), 'oifname "eth*" drop'],
  ["ct state", () => rule().ctState(["established", "related"]).accept(), "ct state established,related accept"],
  ["ct state new", () => rule().ctState(["new"]).counter().accept(), "ct state new counter accept"],
  ["set membership", () => rule().ipSaddr({ set: "blocked" }).drop(), "ip saddr @blocked drop"],
  ["not in set", () => rule().ipSaddr({ set: "blocked" }, { negate: true }).drop(), "ip saddr != @blocked drop"],
  ["port set", () => rule().tcpDport({ set: "ports" }).accept(), "tcp dport @ports accept"],
  ["log", () => rule().log({ prefix: "in: ", level: "info" }).drop(), 'log prefix "in: " level info drop'],
  ["log group", () => rule().log({ group: 2 }).accept(), "log group 2 accept"],
  ["reject", () => rule().reject(), "reject"],
  ["reject with tcp reset", () => rule().reject({ with: "tcp reset" }), "reject with tcp reset"],
  ["jump", () => rule().tcpDport(22).jump("target"), "tcp dport 22 jump target"],
  ["goto", () => rule().goto("target"), "goto target"],
  ["return", () => rule().return(), "return"],
  ["counter alone", () => rule().counter().build(), "counter"],
];

const NAT_CASES: [string, () => Expression[], string][] = [
  ["masquerade", () => rule().oifname("eth0").masquerade(), 'oifname "eth0" masquerade'],
  ["snat", () => rule().ipSaddr("10.0.0.0/24").snat("192.168.1.1"), "ip saddr 10.0.0.0/24 snat ip to 192.168.1.1"],
  ["dnat with port", () => rule().tcpDport(8080).dnat("10.0.0.2", 80), "tcp dport 8080 dnat ip to 10.0.0.2:80"],
];

const SETUP = `
table inet t {
  set blocked { type ipv4_addr; }
  set ports { type inet_service; }
  chain target { }
  chain ours { }
  chain theirs { }
  chain natours { }
  chain nattheirs { }
}
`;

test("rule builder: every rule lists in nft -j exactly as the same rule written by nft", async () => {
  await withNetns("nft-builder", async (ns) => {
    sh("ip", ["netns", "exec", ns, "nft", "-f", "-"], SETUP);
    await using client = await Nftables.open({ netns: ns });
    const all = [
      ...CASES.map((c) => [...c, "ours", "theirs"]),
      ...NAT_CASES.map((c) => [...c, "natours", "nattheirs"]),
    ];
    await client.transaction((tx) => {
      for (const [, build, , ours] of all as [string, () => Expression[], string, string][]) {
        tx.addRule({ family: "inet", table: "t", chain: ours, expressions: build() });
      }
    });
    for (const [, , text, , theirs] of all as string[][]) {
      nft(ns, "add", "rule", "inet", "t", theirs, ...text.split(" "));
    }
    const ours = [...exprs(ns, "inet", "t", "ours"), ...exprs(ns, "inet", "t", "natours")];
    const theirs = [...exprs(ns, "inet", "t", "theirs"), ...exprs(ns, "inet", "t", "nattheirs")];
    assert.equal(ours.length, all.length);
    all.forEach(([name], i) => assert.deepEqual(ours[i], theirs[i], name as string));
    // And decoded by us, expression for expression.
    const rules = await client.rules({ family: "inet" });
    const of = (chain: string) => rules.filter((r) => r.chain === chain).map((r) => r.expressions);
    const decodedOurs = [...of("ours"), ...of("natours")];
    const decodedTheirs = [...of("theirs"), ...of("nattheirs")];
    all.forEach(([name], i) => assert.deepEqual(decodedOurs[i], decodedTheirs[i], name as string));
  });
});

test("rule builder: bad input is refused as it is given", () => {
  assert.throws(() => rule().ipSaddr("10.0.0.300"), AddressError);
  assert.throws(() => rule().ipSaddr("::1"), AddressError); // ip saddr with an IPv6 address
  assert.throws(() => rule().tcpDport(70000), TypeError);
  assert.throws(() => rule().tcpDport([2000, 1000]), TypeError);
  assert.throws(() => rule().iifname("a-name-longer-than-15"), TypeError);
  assert.throws(() => rule().ctState(["bogus" as "new"]), TypeError);
  assert.throws(() => rule().ipSaddr("1.2.3.4").ip6Daddr("::1"), TypeError);
  assert.throws(() => rule().tcpDport(1).udpDport(2), TypeError);
  assert.throws(() => rule("ip").ip6Saddr("::1"), TypeError);
  assert.throws(() => rule("bridge"), TypeError);
});
