// `nlts -j` against `ip -j`, object for object and key for key, on a namespace with varied links, addresses,
// routes, neighbours and rules; ip's abbreviations and show forms; tables that follow ip's wording.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, ipJson, sh, withNetns } from "../helpers/netns.ts";
import { cli, cliIpJson, command, root, runtimes } from "./run.ts";
import { spawn } from "node:child_process";
import { once } from "node:events";

async function setup(ns: string): Promise<void> {
  ipBatch(
    ns,
    `link add ij-a type veth peer name ij-b
link add ij-br type bridge
link add ij-d type veth peer name ij-e
link set ij-a addrgenmode none
link set ij-b addrgenmode none
link set ij-br addrgenmode none
link set ij-d addrgenmode none
link set ij-e addrgenmode none
link set ij-d master ij-br
link set ij-d alias "the d end"
link set ij-a up
link set ij-b up
link set ij-d up
addr add 10.81.0.1/24 brd + dev ij-a
addr add 10.81.0.9/24 dev ij-a
addr add 10.81.5.1 peer 10.81.5.2/32 dev ij-d
addr add 10.81.6.1/24 dev ij-d valid_lft 1000 preferred_lft 500
addr add fd81::1/64 dev ij-a nodad
addr add fd89::1/64 dev ij-a nodad noprefixroute
route add 10.82.0.0/16 via 10.81.0.2 metric 50
route add 10.83.0.0/24 dev ij-a proto static scope link
route add blackhole 10.84.0.0/24
route add 10.85.0.0/24 nexthop via 10.81.0.2 weight 1 nexthop via 10.81.0.3 weight 2
route add 10.86.0.0/24 via 10.81.0.2 mtu 1400
route add default via 10.81.0.2
route add 10.87.0.0/24 dev ij-a table 100
route add fd82::/64 via fd81::2 dev ij-a
ntable change name arp_cache dev ij-a base_reachable 3600000
neigh add 10.81.0.2 lladdr 02:00:00:00:00:02 dev ij-a nud permanent
neigh add 10.81.0.3 lladdr 02:00:00:00:00:03 dev ij-a nud reachable router
rule add from 10.81.0.0/24 table 100 pref 100
rule add fwmark 0x7/0xff table 100 pref 101
rule add not to 10.90.0.0/16 iif ij-a table main pref 102
rule add from all blackhole pref 103
`,
  );
  for (let i = 0; i < 50; i++) {
    const states = ipJson(ns, "link").filter((l: any) => /^ij-[ab]$/.test(l.ifname)).map((l: any) => l.operstate);
    if (states.length === 2 && states.every((s: string) => s === "UP")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the veth pair did not come up");
}

/** Lifetimes of dynamic addresses tick between the two calls (a runtime may take seconds to start on a loaded machine): equal within 10 s of 1000, then set aside. */
function settle(theirs: any, ours: any): void {
  if (!Array.isArray(theirs) || !Array.isArray(ours)) return;
  theirs.forEach((link: any, i: number) => {
    link.addr_info?.forEach((a: any, j: number) => {
      const b = ours[i]?.addr_info?.[j];
      if (!a.dynamic || !b) return;
      for (const k of ["valid_life_time", "preferred_life_time"]) {
        assert.ok(Math.abs(a[k] - b[k]) <= 10, `${k} ${a[k]} vs ${b[k]}`);
        a[k] = b[k] = 0;
      }
    });
  });
}

const LISTINGS = [
  ["link"],
  ["link", "show", "ij-a"],
  ["link", "show", "dev", "ij-d"],
  ["link", "show", "up"],
  ["link", "show", "type", "veth"],
  ["link", "show", "master", "ij-br"],
  ["-d", "link", "show", "ij-a"],
  ["-s", "link", "show", "ij-d"],
  ["-br", "link"],
  ["addr"],
  ["-4", "addr"],
  ["-6", "addr"],
  ["addr", "show", "dev", "ij-d"],
  ["-br", "addr"],
  ["route"],
  ["-6", "route"],
  ["-s", "-6", "route"],
  ["route", "show", "table", "all"],
  ["route", "show", "table", "100"],
  ["route", "show", "10.82.0.0/16"],
  ["route", "show", "root", "10.80.0.0/12"],
  ["route", "show", "match", "10.85.0.7"],
  ["route", "show", "dev", "ij-a"],
  ["route", "get", "10.82.1.1"],
  ["neigh"],
  ["rule"],
  ["-6", "rule"],
  // ip's abbreviations, as its matches() reads them.
  ["l"],
  ["a", "s"],
  ["r", "sh"],
  ["ro", "li"],
  ["ru"],
  ["n"],
  ["nei", "show", "dev", "ij-a"],
];

for (const rt of runtimes) {
  test(
    `${rt}: -j prints what ip -j prints (link, addr, route, neigh, rule; -d, -s, -br, -4/-6, abbreviations)`,
    async () => {
      await withNetns(`cli2-ij-${rt}`, async (ns) => {
        await setup(ns);
        for (const args of LISTINGS) {
          const theirs = ipJson(ns, ...args);
          const ours = cliIpJson(rt, "-n", ns, ...args);
          settle(theirs, ours);
          assert.deepEqual(ours, theirs, `nlts -j ${args.join(" ")}`);
        }
        // The listing is not empty where it matters, and raw bytes stay out of it.
        const addrs = cliIpJson(rt, "-n", ns, "addr", "show", "dev", "ij-d");
        assert.equal(addrs[0].addr_info.length, 2);
        assert.equal(addrs[0].addr_info.find((a: any) => a.local === "10.81.6.1").dynamic, true);
        assert.equal(cliIpJson(rt, "-n", ns, "route", "show", "table", "all").length > 10, true);
        assert.doesNotMatch(cli(rt, "-n", ns, "-j", "link").stdout, /"unknown"/);
      });
    },
    { timeout: 120_000 },
  );

  test(`${rt}: tables say dynamic for a finite lifetime and no protocol for route get, as ip does`, async () => {
    await withNetns(`cli2-tb-${rt}`, async (ns) => {
      await setup(ns);
      const addr = cli(rt, "-n", ns, "addr", "show", "dev", "ij-d").stdout;
      assert.match(addr, /10\.81\.6\.1\/24\s+global\s+dynamic\s/);
      assert.match(addr, /10\.81\.5\.1 peer 10\.81\.5\.2\/32\s+global\s+-\s/);
      const get = cli(rt, "-n", ns, "route", "get", "10.82.1.1").stdout.split("\n")[1];
      assert.match(get, /^10\.82\.1\.1\s+10\.81\.0\.2\s+ij-a\s+-\s+global\s+unicast/);
      const brief = cli(rt, "-n", ns, "-br", "link").stdout;
      assert.match(brief, /^ij-a@ij-b\s+UP\s+[0-9a-f:]{17}\s+<BROADCAST,MULTICAST,UP,LOWER_UP>$/m);
      assert.equal(cli(rt, "-n", ns, "m").status, 2, "m is maddress to ip, which we do not have");
    });
  }, { timeout: 60_000 });
}

/**
 * Nexthops of every shape ip prints: gateways, device-only, blackhole, groups (weighted, resilient), FDB, onlink.
 * No IPv6 link-local addresses: one appearing between ip's listing and ours made the route listings differ.
 */
const NEXTHOPS = `link add ij-a type veth peer name ij-b
link set ij-a addrgenmode none
link set ij-b addrgenmode none
link set ij-a up
link set ij-b up
link add ij-vx type vxlan id 10 dstport 4789 nolearning
addr add 10.81.0.1/24 dev ij-a
addr add fd81::1/64 dev ij-a nodad
nexthop add id 1 via 10.81.0.2 dev ij-a
nexthop add id 2 via 10.81.0.3 dev ij-a proto static
nexthop add id 3 dev ij-a
nexthop add id 4 blackhole
nexthop add id 5 via fd81::2 dev ij-a
nexthop add id 6 group 1/2,3
nexthop add id 7 group 1/2 type resilient buckets 8 idle_timer 60 unbalanced_timer 120
nexthop add id 8 via 10.81.0.2 dev ij-a onlink
nexthop add id 9 via 10.81.0.9 fdb
nexthop add id 10 via fd81::9 fdb
nexthop add id 11 group 9 fdb
route add 10.88.0.0/24 nhid 6
route add fd83::/64 via fd81::2 dev ij-a mtu 1400 pref high
`;

/** Lightweight tunnel encapsulations, each added only where the kernel has it (mpls needs a module not loaded here). */
const ENCAPS = [
  "nexthop add id 20 encap ip id 100 dst 10.9.9.9 via 10.81.0.2 dev ij-a",
  "nexthop add id 21 encap ip id 7 src 10.81.0.1 dst 10.9.9.8 ttl 9 tos 4 key csum seq via 10.81.0.2 dev ij-a",
  "nexthop add id 22 encap ip6 id 100 dst fd00::9 hoplimit 3 tc 2 via fd81::2 dev ij-a",
  "nexthop add id 23 encap seg6 mode encap segs fd00::1 via fd81::2 dev ij-a",
  "nexthop add id 24 encap seg6 mode inline segs fd00::1,fd00::2 hmac 5 via fd81::2 dev ij-a",
  "nexthop add id 25 encap mpls 100/200 via 10.81.0.2 dev ij-a",
  "route add 10.99.0.0/24 encap ip id 100 dst 10.9.9.9 via 10.81.0.2 dev ij-a",
  "route add 10.98.0.0/24 encap ip id 3 dst 10.9.9.7 key via 10.81.0.2 dev ij-a metric 5",
  "route add fd84::/64 dev ij-a encap ip6 id 5 dst fd00::1",
  "route add fd85::/64 encap seg6 mode encap segs fd00::1,fd00::2 via fd81::2 dev ij-a",
  // SRv6 behaviours (seg6local): each field ip prints, counters with -s, an SRH with an HMAC key.
  "route add fd86::1/128 encap seg6local action End count dev ij-a",
  "route add fd86::2/128 encap seg6local action End.X nh6 fd81::2 dev ij-a",
  "route add fd86::3/128 encap seg6local action End.T table 100 dev ij-a",
  "route add fd86::4/128 encap seg6local action End.DX2 oif ij-a dev ij-a",
  "route add fd86::5/128 encap seg6local action End.B6 srh segs fd00::a,fd00::b dev ij-a",
  "route add fd86::6/128 encap seg6local action End.B6.Encaps srh segs fd00::c hmac 7 dev ij-a",
  "route add fd86::7/128 encap seg6local action End.DT6 table main dev ij-a",
  "route add fd86::8/128 encap seg6local action End.DX4 nh4 10.81.0.2 dev ij-a",
];

const NEXTHOP_LISTINGS = [
  ["nexthop"],
  ["-d", "nexthop"],
  ["-4", "nexthop"],
  ["-6", "nexthop"],
  ["nexthop", "show", "id", "7"],
  ["nexthop", "show", "id", "21"],
  ["nexthop", "show", "dev", "ij-a"],
  ["nexthop", "show", "groups"],
  ["-d", "nexthop", "show", "groups"],
  ["nexthop", "list"],
  ["nex", "sh"],
  // Routes: encapsulations (ip's repeated keys), a nexthop object, metrics before pref.
  ["route"],
  ["-6", "route"],
  ["-s", "-6", "route"],
  ["route", "show", "table", "all"],
  // Not `show fdb`: iproute2 6.1 prints every nexthop for it; nlts asks the kernel for the FDB ones only.
];

for (const rt of runtimes) {
  test(
    `${rt}: -j nexthop and -j route print ip -j's text byte for byte (groups, blackhole, fdb, nhid, ip/ip6/seg6/seg6local encap)`,
    async () => {
      await withNetns(`cli-nh-${rt}`, (ns) => {
        ipBatch(ns, NEXTHOPS);
        const encaps = ENCAPS.filter((line) => {
          try {
            ipBatch(ns, line);
            return true;
          } catch (error) {
            // Only a kernel without that encapsulation is a reason to leave it out.
            assert.match(String((error as { stderr?: string }).stderr), /encapsulation type not supported/);
            return false;
          }
        });
        assert.ok(encaps.length >= 16, `ip, ip6, seg6 and seg6local encapsulations are there: ${encaps.length}`);
        for (const args of NEXTHOP_LISTINGS) {
          const theirs = sh("ip", ["-n", ns, "-j", ...args]).trim();
          const r = cli(rt, "-n", ns, "-j", ...args);
          assert.equal(r.status, 0, r.stderr);
          assert.equal(r.stdout.trim(), theirs, `nlts -j ${args.join(" ")}`);
        }
        // What the comparison covers is really there: the repeated encap id, the HMAC key, the FDB group.
        const all = cli(rt, "-n", ns, "-j", "nexthop").stdout;
        assert.match(all, /\{"id":21,"encap":"ip","id":7,"src":"10\.81\.0\.1","dst":"10\.9\.9\.8","ttl":9,"tos":4,/);
        assert.match(all, /"hmac":"0x5"/);
        assert.match(all, /\{"id":11,"group":\[\{"id":9\}\],"flags":\[\],"fdb":null\}/);
        assert.equal(
          cliIpJson(rt, "-n", ns, "nexthop").length,
          11 + encaps.filter((l) => l.startsWith("nexthop")).length,
        );
        assert.match(cli(rt, "-n", ns, "-j", "route").stdout, /"dst":"10\.98\.0\.0\/24","encap":"ip","id":3,/);
        const srv6 = cli(rt, "-n", ns, "-j", "-s", "-6", "route").stdout;
        assert.match(srv6, /"action":"End\.B6\.Encaps","srh":\{"segs":\["fd00::c"\],"hmac":"0x7"\}/);
        assert.match(srv6, /"action":"End","stats64":\{"packets":0,"bytes":0,"errors":0\}/);
        assert.match(srv6, /"action":"End\.DX2","oif":"ij-a"/);
        // With the kernel's FDB filter: the FDB nexthops only.
        assert.deepEqual(cliIpJson(rt, "-n", ns, "nexthop", "show", "fdb").map((n: any) => n.id), [9, 10, 11]);
      });
    },
    { timeout: 60_000 },
  );
}

for (const rt of runtimes) {
  test(
    `${rt}: a listing of 5,000 routes is ip -j's text byte for byte; a reader that goes away ends it quietly`,
    async () => {
      await withNetns(`cli-big-${rt}`, async (ns) => {
        let batch = "link add ij-a type veth peer name ij-b\nlink set ij-a up\n";
        for (let i = 0; i < 5000; i++) batch += `route add 10.${100 + (i >> 8)}.${i & 255}.0/24 dev ij-a\n`;
        ipBatch(ns, batch);
        // Written in parts of about 64 KiB, straight to the descriptor: still one line, as ip prints it.
        const theirs = sh("ip", ["-n", ns, "-j", "route", "show", "table", "all"]);
        const r = cli(rt, "-n", ns, "-j", "route", "show", "table", "all");
        assert.equal(r.status, 0, r.stderr);
        assert.ok(theirs.length > 300_000);
        assert.equal(r.stdout, theirs);
        // The reader closes its end after the first chunk (as `| head -c 100` does): no error, status 0.
        const [cmd, argv] = command(rt, "cli.ts", ["-n", ns, "-j", "route", "show", "table", "all"]);
        const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.stdout.once("data", () => child.stdout.destroy());
        const [code] = await once(child, "close");
        assert.equal(stderr, "");
        assert.equal(code, 0);
      });
    },
    { timeout: 60_000 },
  );
}
