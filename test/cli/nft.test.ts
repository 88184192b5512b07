// `nlts nft` against `nft`: `-j` listings deep-equal to `nft -j` on a varied ruleset (tables of six families,
// base chains, the common rule expressions, named sets and maps, counter/quota/limit/ct objects), and writes
// in nft's words: the same command text given to nft in one namespace and to us in another leaves two equal
// rulesets, handles included. What we cannot parse is refused with a clear message, and nothing is written.
// The listing runs as a child process under each runtime; the rest runs main() in-process (under the runtime
// running this file), which keeps the file to seconds.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { main } from "../../cli.ts";
import { cli, runtimes } from "./run.ts";
import { parseWrite, tokenize } from "../../src/cli/nft.ts";
import { decodeRule, Transaction } from "../../src/nftables/mod.ts";
import { nftJson as renderJson, nftText } from "../../src/cli/nftjson.ts";
import { hexFile } from "../helpers/fixtures.ts";
import { rng } from "../helpers/fuzz.ts";
import { parseMessages } from "../../mod.ts";

/** `nlts ARGS` in-process: exit status and output. */
async function run(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [], err: string[] = [];
  const status = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

function nft(ns: string, args: string[], input?: string): string {
  return sh("ip", ["netns", "exec", ns, "nft", ...args], input);
}

/** `nft -j list …` as its `nftables` array, without the metainfo entry (the tool's own version). */
// deno-lint-ignore no-explicit-any
function nftJson(ns: string, ...what: string[]): any[] {
  return JSON.parse(nft(ns, ["-j", "list", ...what])).nftables.slice(1);
}

/** `nlts -j nft list …`, the same way (in-process). */
// deno-lint-ignore no-explicit-any
async function ourJson(ns: string, ...what: string[]): Promise<any[]> {
  const r = await run("-n", ns, "-j", "nft", "list", ...what);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.nftables[0].metainfo.json_schema_version, 1);
  return json.nftables.slice(1);
}

const RULESET = `
table inet filter {
  set blocked { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.1, 172.16.0.1-172.16.0.9 }; }
  set ports { type inet_service; elements = { 22, 80, 443 }; }
  set seen6 { type ipv6_addr; flags timeout; timeout 1h; }
  set sized { type ipv4_addr; size 100; policy memory; comment "sized"; }
  map pmap { type inet_service : verdict; elements = { 22 : accept, 23 : drop, 24 : jump extra } }
  map nmap { type ipv4_addr : ipv4_addr; elements = { 1.1.1.1 : 2.2.2.2 } }
  counter web { packets 5 bytes 300 }
  quota monthly { over 100 mbytes }
  limit slow { rate 10/second }
  ct helper ftp-std { type "ftp" protocol tcp; l3proto ip; }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iifname "lo" accept
    iifname != "eth*" counter drop
    ip saddr @blocked drop comment "blocklist"
    ip saddr 10.1.0.0/16 ip daddr 10.2.3.4 accept
    ip saddr 10.0.0.0/13 accept
    ip6 saddr fd00::/64 accept
    ip6 daddr ::1 accept
    tcp dport @ports counter accept
    tcp dport 1000-2000 log prefix "hi " drop
    tcp dport != 8080 counter name "web" accept
    udp sport 53 accept
    tcp dport vmap @pmap
    meta l4proto icmp accept
    meta nfproto ipv6 accept
    tcp dport 25 reject with tcp reset
    tcp dport 22 ct state new limit rate 5/minute burst 3 packets counter accept
    limit rate over 1 mbytes/second drop
    quota over 10 mbytes drop
    meta mark 0x10 accept
    reject
    log level info
    jump extra
  }
  chain extra {
    udp dport { 53, 5353 } accept
    return
  }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth0" masquerade
    meta l4proto tcp masquerade to :1000-2000
    ip daddr 10.9.9.9 snat ip to 10.0.0.1
  }
  chain pre {
    type nat hook prerouting priority dstnat;
    tcp dport 8080 dnat ip to 10.0.0.2:80
    tcp dport 81 redirect to :8081
    ip6 daddr fd00::1 dnat ip6 to fd00::2
    ct helper set "ftp-std"
  }
}
table ip raw {
  chain pre { type filter hook prerouting priority -300; }
  chain out {
    type filter hook output priority raw; policy accept;
    ip daddr 8.8.8.8 udp dport 53 counter notrack
    ip protocol tcp ip saddr != { 1.1.1.1, 2.2.2.2 } drop
    tcp dport != 1000-2000 reject with icmp type host-unreachable
  }
}
table ip6 t6 {
  chain forw { type filter hook forward priority 0; policy drop; ip6 nexthdr ipv6-icmp accept; reject; }
}
table netdev nd {
  chain ing {
    type filter hook ingress device lo priority 0;
    ip daddr 127.0.0.1 udp dport 53 drop
    meta protocol ip6 accept
  }
}
table bridge br {
  chain f {
    type filter hook forward priority 0;
    ip saddr 10.0.0.1 accept
    ether type arp accept
    ip6 daddr ::1 tcp dport 22 drop
    ether saddr 02:00:00:00:00:01 drop
  }
}
table inet objs {
  ct timeout tt { protocol tcp; l3proto ip; policy = { established: 100, close: 4 }; }
  ct timeout tu { protocol udp; l3proto ip6; policy = { unreplied: 10 }; }
  ct expectation ex { protocol tcp; dport 22; timeout 10s; size 8; l3proto ip; }
  synproxy sp { mss 1460; wscale 7; timestamp sack-perm; }
  synproxy sp2 { mss 1400; wscale 2; }
  ct helper h { type "ftp" protocol tcp; }
}
table inet deps {
  chain c {
    meta l4proto tcp counter tcp dport 22 accept
    meta nfproto ipv4 counter ip saddr 1.2.3.4 accept
    meta l4proto tcp reject with tcp reset
    ip daddr 192.168.0.4 meta l4proto tcp counter reject with tcp reset
    meta nfproto ipv4 reject with icmp type host-unreachable
    ip saddr 1.1.1.1 counter reject
  }
}
table ip deps4 {
  chain c {
    meta l4proto tcp reject with tcp reset
    ip protocol tcp counter reject with tcp reset
    ip saddr 1.2.3.4 counter ip daddr 2.2.2.2 accept
  }
}
table arp a {
  chain i { type filter hook input priority 0; }
}
`;

for (const rt of runtimes) {
  test(`${rt}: nlts -j nft list ruleset (a child process) prints what nft -j prints; the text lists rules`, async () => {
    await withNetns(`nfx-cli-list-${rt}`, (ns) => {
      nft(ns, ["-f", "-"], RULESET);
      const whole = nftJson(ns, "ruleset");
      assert.ok(whole.length > 50 && whole.some((e) => e.rule?.chain === "pre")); // the ruleset is all there
      const r = cli(rt, "-n", ns, "-j", "nft", "list", "ruleset");
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).nftables.slice(1), whole);
      const text = cli(rt, "-n", ns, "nft", "list", "table", "ip", "raw");
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /^table ip raw \{$/m);
      assert.match(
        text.stdout,
        /^\t\tip daddr 8\.8\.8\.8 udp dport 53 counter packets 0 bytes 0 notrack # handle \d+$/m,
      );
    });
  });
}

test("nft -j list ruleset|table|chain|set|map prints what nft -j prints", async () => {
  await withNetns("nfx-cli-list", async (ns) => {
    nft(ns, ["-f", "-"], RULESET);
    assert.deepEqual(await ourJson(ns, "ruleset"), nftJson(ns, "ruleset"));
    for (
      const what of [
        ["table", "inet", "filter"],
        ["table", "ip", "raw"],
        ["chain", "inet", "filter", "extra"],
        ["set", "inet", "filter", "blocked"],
        ["map", "inet", "filter", "pmap"],
        ["ruleset", "ip6"],
      ]
    ) {
      assert.deepEqual(await ourJson(ns, ...what), nftJson(ns, ...what), what.join(" "));
    }
    const missing = await run("-n", ns, "nft", "list", "table", "inet", "nothere");
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no table inet nothere/);
  });
});

test(`the same nft commands given to nft and to nlts nft leave equal rulesets`, async () => {
  await withNetns("nfx-cli-nft", async (theirs) => {
    await withNetns("nfx-cli-us", async (ours) => {
      // Sets are made by nft in both: this command writes tables, chains and rules.
      // The ct helper is made by nft in both: this command does not write objects.
      const setup = 'add table inet fw; add ct helper inet fw ftp-std { type "ftp" protocol tcp ; l3proto ip ; }';
      const commands: string[][] = [
        [
          "add set inet fw blocked { type ipv4_addr ; elements = { 10.1.1.1, 10.2.2.2 } ; } ; " +
          "add set inet fw ports { type inet_service ; elements = { 22, 80, 443 } ; } ; " +
          'add set inet fw seen { type ipv4_addr ; flags timeout ; timeout 1h ; size 1000 ; comment "seen" ; } ; ' +
          'add set inet fw names { type ifname ; elements = { "lo", "eth0" } ; } ; ' +
          "add set inet fw marks { type mark ; flags constant ; elements = { 1, 0x10 } ; } ; " +
          "add set inet fw protos { type inet_proto ; } ; add element inet fw protos { tcp, 17 } ; " +
          "add element inet fw blocked { 10.3.3.3, 10.4.4.4 } ; delete element inet fw ports { 80 } ; " +
          "add chain inet fw input { type filter hook input priority filter ; policy drop ; } ; " +
          "add chain inet fw post { type nat hook postrouting priority srcnat ; } ; " +
          "create chain inet fw pre { type nat hook prerouting priority dstnat + 10 ; policy accept ; } ; " +
          "add chain inet fw extra ; add table ip raw ; add table ip6 six",
        ],
        ["--", "add chain ip raw pre { type filter hook prerouting priority -300 ; }"],
        [
          "add rule inet fw input ct state established,related accept ; " +
          "add rule inet fw input iifname lo accept ; " +
          'add rule inet fw input ip saddr @blocked counter drop comment "block list" ; ' +
          "add rule inet fw input ip saddr 10.0.0.0/8 tcp dport 22 accept ; " +
          "add rule inet fw input ip saddr != 10.0.0.0/12 ip daddr 10.2.3.4 accept ; " +
          "add rule inet fw input ip6 saddr fd00::/64 udp dport 53 accept ; " +
          'add rule inet fw input tcp dport 1000-2000 log prefix "hi " drop ; ' +
          'add rule inet fw input iifname != "eth*" tcp sport != 80 reject with tcp reset ; ' +
          'add rule inet fw input ct state new log prefix "new " group 2 ; ' +
          "add rule inet fw input ct state invalid log level info ; " +
          "add rule inet fw input udp dport @ports drop ; " +
          'add rule inet fw input tcp dport 21 ct helper set "ftp-std" ; ' +
          "add rule inet fw input reject ; " +
          "add rule inet fw input jump extra ; " +
          "add rule inet fw extra counter return",
        ],
        [
          "add rule inet fw post oifname eth0 masquerade ; " +
          "add rule inet fw post ip daddr 10.9.9.9 snat ip to 10.0.0.1 ; " +
          "add rule inet fw pre tcp dport 8080 dnat ip to 10.0.0.2:80 ; " +
          "add rule inet fw pre ip6 daddr fd00::1 tcp dport 80 dnat ip6 to [fd00::2]:8080 ; " +
          "add rule inet fw pre ip6 daddr fd00::3 dnat ip6 to fd00::4 ; " +
          "add rule ip raw pre ip daddr 8.8.8.8 udp dport 53 counter accept ; " +
          "add rule ip raw pre ip saddr 192.168.0.0/16 drop ; " +
          "add rule ip6 six foo accept",
        ],
      ];
      // The last command is refused by both (no chain six foo): the whole batch is, by both.
      const applies = async (ns: string, args: string[], ok: boolean, by: (args: string[]) => Promise<boolean>) => {
        assert.equal(await by(args), ok, `${ns}: ${args.join(" ")}`);
      };
      // deno-lint-ignore require-await
      const byNft = async (args: string[]) => {
        try {
          nft(theirs, args);
          return true;
        } catch {
          return false;
        }
      };
      const byUs = async (args: string[]) => {
        const r = await run("-n", ours, "nft", ...args);
        if (r.status !== 0 && !/No such file|ENOENT/.test(r.stderr)) {
          assert.fail(`nlts nft ${args.join(" ")}: ${r.stderr}`);
        }
        return r.status === 0;
      };
      nft(theirs, [setup]);
      nft(ours, [setup]);
      for (const [i, args] of commands.entries()) {
        const ok = i !== 3;
        await applies(theirs, args, ok, byNft);
        await applies(ours, args, ok, byUs);
      }
      // The rules again without the refused one; then an insert, a rule placed by position, a delete by handle.
      const rules = commands[3][0].split(" ; ").slice(0, -1).join(" ; ");
      await applies(theirs, [rules], true, byNft);
      await applies(ours, [rules], true, byUs);
      assert.deepEqual(nftJson(ours, "ruleset"), nftJson(theirs, "ruleset"));

      const listed = nftJson(theirs, "ruleset");
      const handle = listed.find((e) => e.rule?.chain === "input" && e.rule.expr.length === 3).rule.handle;
      const extra = listed.find((e) => e.rule?.chain === "extra").rule.handle;
      for (
        const args of [
          ["insert rule inet fw input counter accept"],
          [`add rule inet fw input position ${handle} tcp dport 443 accept`],
          [`insert rule inet fw input position ${handle} udp dport 443 accept`],
          [`replace rule inet fw extra handle ${extra} return`],
          [`delete rule inet fw input handle ${handle}`],
          ["add set ip raw hw { type ether_addr ; elements = { 02:00:00:00:00:01 } ; }"],
          ["add element ip raw hw { 02:00:00:00:00:02 } ; delete element inet fw blocked { 10.1.1.1 }"],
          ["add set ip6 six s6 { type ipv6_addr ; } ; add element ip6 six s6 { fd00::1, ::1 } ; delete set inet fw protos"],
          ["flush chain ip raw pre ; delete chain ip raw pre ; flush table inet fw ; delete table ip6 six"],
        ]
      ) {
        await applies(theirs, args, true, byNft);
        await applies(ours, args, true, byUs);
        assert.deepEqual(nftJson(ours, "ruleset"), nftJson(theirs, "ruleset"), args.join(" "));
      }
      await applies(theirs, ["flush ruleset"], true, byNft);
      await applies(ours, ["flush ruleset"], true, byUs);
      assert.deepEqual(nftJson(ours, "ruleset"), []);
    });
  });
});

test(`nft refuses what it cannot parse, names the word, and writes nothing`, async () => {
  await withNetns("nfx-cli-bad", async (ns) => {
    nft(ns, ["add table inet fw ; add chain inet fw c"]);
    const before = nftJson(ns, "ruleset");
    for (
      const [args, message] of [
        [["add rule inet fw c meta mark 1 accept"], /cannot parse "meta"/],
        [["add rule inet fw c tcp dport { 22, 80 } accept"], /anonymous sets/],
        [["add rule inet fw c tcp flags syn accept"], /tcp flags is not something this command writes/],
        [["add rule inet fw c accept drop"], /nothing but a comment may follow the verdict/],
        [["add rule inet fw c log level info group 2"], /level and group are mutually exclusive/],
        [["add rule inet fw c ip saddr 10.0.0.300 accept"], /10\.0\.0\.300/],
        [["add rule inet fw c snat to 10.0.0.1"], /say snat ip to or snat ip6 to/],
        [["add rule inet fw c snat ip to 10.0.0.1:80"], /a port needs a tcp or udp match first/],
        [["add chain inet fw d { type filter hook input priority lots ; }"], /unknown priority "lots"/],
        [
          ["add table inet ok ; add map inet fw m { type ipv4_addr : verdict ; }"],
          /"add map" is not a command this writes/,
        ],
        [["add set inet fw s { type ipv4_addr ; flags interval ; }"], /set flag "interval" is not written/],
        [["add set inet fw s { type ipv4_addr ; elements = { 10.0.0.0/8 } ; }"], /need an interval set/],
        [
          ["add set inet fw s { type ipv4_addr ; elements = { 1.2.3.4 timeout 1s } ; }"],
          /needs a set with the timeout flag/,
        ],
        [["add element inet fw nosuch { 1.2.3.4 }"], /no set inet fw nosuch/],
        [["add set inet fw s { type ipv6_addr ; elements = { 1.2.3.4 } ; }"], /is not an IPv6 address/],
        [["add table inet " + "x".repeat(300)], /table name must be a name of 1 to/],
        [["list flowtables"], /not listed by this command/],
      ] as const
    ) {
      const r = await run("-n", ns, "nft", ...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    // Not one of those commands changed anything (the table "ok" came before a refused command).
    assert.deepEqual(nftJson(ns, "ruleset"), before);
  });
});

test("nft add flowtable (this kernel has no CONFIG_NF_FLOW_TABLE): parsed as nft reads it, refused alike", async () => {
  const tx = new Transaction();
  parseWrite(
    tokenize("add flowtable inet fw ft { hook ingress priority filter + 5 ; devices = { v0, v1 } ; counter ; }"),
    tx,
  );
  parseWrite(tokenize("delete flowtable inet fw ft"), tx);
  const expected = new Transaction();
  expected.addFlowtable({
    family: "inet",
    table: "fw",
    name: "ft",
    priority: 5,
    devices: ["v0", "v1"],
    flags: ["counter"],
  });
  expected.deleteFlowtable({ family: "inet", table: "fw", name: "ft" });
  assert.deepEqual(tx.operations, expected.operations);
  await withNetns("nfx-cli-ft", async (ns) => {
    sh("ip", ["-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    nft(ns, ["add table inet fw"]);
    const command = "add flowtable inet fw ft { hook ingress priority 0 ; devices = { v0, v1 } ; }";
    assert.throws(() => nft(ns, [command]), /No such file or directory/);
    const r = await run("-n", ns, "nft", command);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /add flowtable inet fw ft \(operation 1\) failed: .*ENOENT/);
    assert.deepEqual(nftJson(ns, "ruleset").map((e) => Object.keys(e)[0]), ["table"]);
  });
});

test("nft -j rendering never throws on odd expression sequences (captured rules' expressions shuffled, 3,000 cases)", () => {
  const dir = new URL("../nftables/fixtures/", import.meta.url);
  const captured = Array.from(
    { length: 8 },
    (_, i) => decodeRule(parseMessages(hexFile(new URL(`rule-${i}.hex`, dir)))[0]),
  );
  const pool = captured.flatMap((r) => r.expressions);
  const rand = rng(7);
  for (let i = 0; i < 3000; i++) {
    const expressions = Array.from({ length: 1 + rand(8) }, () => pool[rand(pool.length)]);
    const family = (["inet", "ip", "ip6", "bridge", "netdev", "arp"] as const)[rand(6)];
    const rule = { ...captured[0], family, expressions };
    const entries = renderJson({
      generation: 1,
      tables: [{ family, name: rule.table, handle: 1, flags: [], use: 1 }],
      chains: [{ family, table: rule.table, name: rule.chain, handle: 2, flags: [], use: 0 }],
      rules: [rule],
      sets: [],
      objects: [],
      flowtables: [],
    });
    const expr = (entries.at(-1)!.rule as { expr: unknown[] }).expr;
    // A statement per expression at most (loads into registers show in what uses them, if anything does).
    assert.ok(Array.isArray(expr) && expr.length <= expressions.length, JSON.stringify(expr));
    for (const statement of expr) assert.equal(Object.keys(statement as object).length, 1);
    JSON.stringify(entries);
    nftText(entries);
  }
});
