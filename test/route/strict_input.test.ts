// Strict input: prefix lengths as iproute2 reads them, link-layer address
// lengths, and the netns option, all refused before anything is sent.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync, readlinkSync, statSync } from "node:fs";
import { runtime, test } from "../helpers/harness.ts";
import { fdsOpenedSince, ip, ipJson, openFds, withNetns } from "../helpers/netns.ts";
import { AddressError, NetlinkError, NetlinkSocket, RouteClient } from "../../mod.ts";
import { parsePrefix } from "../../src/wire/values.ts";

/** Prefix lengths iproute2 accepts that we refuse on purpose (strtoul's blanks and signs, keywords, partial masks). */
const IP_LOOSER = new Set([
  " 8",
  "+8",
  "-0",
  "\t8",
  "default",
  "any",
  "all",
  "255.255.255",
  "0xff.0.0.0",
  "0377.0.0.0",
  "255.255.255.00",
]);

const V4_CANDIDATES = [
  ...Array.from({ length: 34 }, (_, i) => String(i)),
  "00",
  "08",
  "09",
  "010",
  "07",
  "007",
  "0040",
  "0x8",
  "0X18",
  "0x",
  "0x20",
  "0x21",
  "0xg",
  "1e1",
  "0b1",
  "8 ",
  "8.",
  "",
  "-8",
  "4294967304",
  "4294967296",
  "255.0.0.0",
  "255.255.255.0",
  "255.255.255.255",
  "0.0.0.0",
  "255.0.255.0",
  "255.255.0.0.",
  "128.0.0.0",
  "254.0.0.0",
  "8/8",
  "٨",
  ...IP_LOOSER,
];
const V6_CANDIDATES = ["0", "64", "064", "0100", "0x80", "0x81", "128", "129", "255.255.255.0", "08", "200"];

/** The prefix length `ip route add` stores for `dst`, or undefined when ip refuses it. */
function ipPrefixLength(ns: string, family: "-4" | "-6", prefix: string): number | undefined {
  try {
    ip(ns, family, "route", "add", prefix, "dev", "lo", "table", "77");
  } catch {
    return undefined;
  }
  const [route] = ipJson(ns, family, "route", "show", "table", "77");
  ip(ns, family, "route", "flush", "table", "77");
  const dst = route.dst as string;
  if (dst === "default") return 0;
  return dst.includes("/") ? Number(dst.split("/")[1]) : family === "-4" ? 32 : 128;
}

function ours(prefix: string): number | undefined {
  try {
    return parsePrefix(prefix).length;
  } catch (e) {
    assert.ok(e instanceof AddressError, `${JSON.stringify(prefix)}: ${e}`);
    return undefined;
  }
}

test(`parsePrefix reads prefix lengths as ip route add does (decimal, 0x, 0-octal, dotted masks; /08 refused) (${runtime})`, async () => {
  await withNetns(`nsi-prefix-${runtime}`, (ns) => {
    ip(ns, "link", "set", "lo", "up");
    const cases: [string, "-4" | "-6", string][] = [
      ...V4_CANDIDATES.map((c) => [c, "-4", `0.0.0.0/${c}`] as [string, "-4", string]),
      ...V6_CANDIDATES.map((c) => [c, "-6", `::/${c}`] as [string, "-6", string]),
    ];
    let agreedAccept = 0, agreedRefuse = 0;
    for (const [len, family, prefix] of cases) {
      const mine = ours(prefix);
      const theirs = ipPrefixLength(ns, family, prefix);
      if (IP_LOOSER.has(len)) {
        assert.equal(mine, undefined, `${JSON.stringify(prefix)} is refused on purpose`);
        continue;
      }
      assert.equal(mine, theirs, `${JSON.stringify(prefix)}: ours ${mine}, ip ${theirs}`);
      if (mine === undefined) agreedRefuse++;
      else agreedAccept++;
    }
    assert.ok(agreedAccept >= 40 && agreedRefuse >= 15, `accepted ${agreedAccept}, refused ${agreedRefuse}`);
    assert.equal(ours("10.0.0.0/08"), undefined);
    assert.equal(ours("10.0.0.0/010"), 8);
  });
});

test(`addNeighbour refuses a link-layer address longer or shorter than the link's before sending (${runtime})`, async () => {
  await withNetns(`nsi-lladdr-${runtime}`, async (ns) => {
    ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
    await using rt = await RouteClient.open({ netns: ns });
    const index = (await rt.getLink("v0")).index;
    const before = ipJson(ns, "neigh", "show", "nud", "all");
    for (const lladdr of ["02:00:00:00:00:01:07", "02:00:00:00:01"]) {
      await assert.rejects(rt.addNeighbour({ index, dst: "10.0.0.2", lladdr }), AddressError);
    }
    assert.deepEqual(ipJson(ns, "neigh", "show", "nud", "all"), before);
    await rt.addNeighbour({ index, dst: "10.0.0.2", lladdr: "02:00:00:00:00:01" });
    assert.equal(ipJson(ns, "neigh", "show", "dev", "v0")[0].lladdr, "02:00:00:00:00:01");
  });
});

const BAD_NETNS: unknown[] = [
  -1,
  1.5,
  NaN,
  Infinity,
  2 ** 31,
  null,
  true,
  {},
  [],
  { pid: 0 },
  { pid: -1 },
  { pid: 1.5 },
  { pid: 1, x: 1 },
  "",
  ".",
  "..",
  "a/b",
  "../../../proc/self/ns/net",
  "./x",
  "x\0y",
];

test(`netns must be a name, an absolute path, a fd >= 0 or { pid }: anything else is a TypeError before a socket is opened (${runtime})`, async () => {
  const fds = openFds();
  for (const netns of BAD_NETNS) {
    const isTypeError = (e: unknown) => e instanceof TypeError && /netns/.test(e.message);
    await assert.rejects(NetlinkSocket.open("route", { netns: netns as string }), isTypeError, String(netns));
    await assert.rejects(RouteClient.open({ netns: netns as string }), isTypeError, String(netns));
  }
  // A well-formed name that does not exist: ENOENT, still before a socket.
  await assert.rejects(
    NetlinkSocket.open("route", { netns: `nlts-nsi-missing-${process.pid}` }),
    (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
  );
  assert.deepEqual(fdsOpenedSince(fds), [], "no descriptor was left open");
});

test(`netns in its four valid forms opens the socket in that namespace; setLink's netns is checked before sending (${runtime})`, async () => {
  await withNetns(`nsi-netnsopt-${runtime}`, async (ns) => {
    ip(ns, "link", "add", "nsopt0", "type", "bridge");
    const fd = openSync(`/run/netns/${ns}`, "r");
    // A process living in the namespace, for { pid }: ip netns exec execs sleep in place.
    const child = spawn("ip", ["netns", "exec", ns, "sleep", "30"], { stdio: "ignore" });
    const pid = child.pid!;
    const target = `net:[${statSync(`/run/netns/${ns}`).ino}]`;
    for (let i = 0; i < 200; i++) {
      try {
        if (readlinkSync(`/proc/${pid}/ns/net`) === target) break;
      } catch { /* not started yet */ }
      await new Promise((r) => setTimeout(r, 10));
    }
    try {
      for (const netns of [ns, `/run/netns/${ns}`, fd, { pid }]) {
        await using rt = await RouteClient.open({ netns });
        const names = [];
        for await (const link of rt.links()) names.push(link.name);
        assert.deepEqual(names.sort(), ["lo", "nsopt0"], JSON.stringify(netns));
      }
      await using rt = await RouteClient.open({ netns: ns });
      const before = ipJson(ns, "-d", "link", "show");
      for (const netns of BAD_NETNS) {
        await assert.rejects(rt.setLink("nsopt0", { mtu: 1400, netns: netns as string }), TypeError);
      }
      assert.deepEqual(ipJson(ns, "-d", "link", "show"), before);
    } finally {
      closeSync(fd);
      child.kill();
    }
  });
});
