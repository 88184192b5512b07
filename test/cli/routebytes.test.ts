// The -j route listing written straight from the kernel's bytes
// (src/cli/routebytes.ts): for every route of a namespace with many kinds of
// routes, what it writes is what ipRoute writes for the decoded route, in
// both listing shapes (table all, one table); what it declines (multipath,
// metrics, expiry, encapsulation) goes through ipRoute; and malformed
// messages are declined, not written.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, ipJson, sh, withNetns } from "../helpers/netns.ts";
import { NetlinkSocket } from "../../mod.ts";
import { decodeRoutePayload, listRouteDatagrams } from "../../src/route/route.ts";
import { ipRoute } from "../../src/cli/ipjson.ts";
import { IpRouteBytes, ROUTE_ROOM } from "../../src/cli/routebytes.ts";

const decoder = new TextDecoder();

// No IPv6 link-local addresses: their local routes would appear when DAD ends, between two dumps.
const SETUP = `link add d0 type veth peer name d1
link set d0 addrgenmode none
link set d1 addrgenmode none
link set d0 up
link set d1 up
link add dn type veth peer name dnp
link set dn addrgenmode none
link set dn up
addr add 10.0.0.1/24 dev d0
addr add 10.9.0.1/24 dev dn
addr add 2001:db8::1/64 dev d0 nodad
route add 10.1.0.0/16 via 10.0.0.2 metric 50 proto static
route add 10.2.0.0/16 via 10.0.0.2 table 100 proto bgp
route add 10.3.0.0/24 dev d0 src 10.0.0.1 proto 77 scope host
route add 10.4.0.0/24 dev d0 table 4000000000 metric 4294967295
route add 10.5.0.0/24 dev dn
route add 10.6.0.0/24 via 10.99.0.1 dev d0 onlink
route add default via 10.0.0.254
route add blackhole 10.66.0.0/16
route add unreachable 10.67.0.0/16 metric 7
route add prohibit 10.68.0.0/16
route add throw 10.69.0.0/16 table 100
route add 10.70.0.0/16 nexthop via 10.0.0.2 dev d0 nexthop via 10.0.0.3 dev d0
route add 10.71.0.0/16 via 10.0.0.2 mtu 1400
route add 0.0.0.0/1 via 10.0.0.2
route add 10.72.0.0/16 encap ip id 5 dst 10.0.0.9 dev d0
route add 2001:db8:1::/64 via 2001:db8::2 pref high
route add 2001:db8:2::/64 dev d0 from 2001:db8:3::/64 metric 10
route add 2001:db8:4::/64 dev d0 expires 300
route add 2001:db8:5::/128 dev d0 pref low table 100
route add blackhole 2001:db8:6::/64
route add ::ffff:10.1.2.0/120 dev d0
`;

test("-j route from the wire: what ipRoute writes for each route, in both listing shapes; the rest declined", async () => {
  await withNetns("clw-bytes", async (ns) => {
    // A device name JSON must escape (the kernel takes a quote in a name; ip's batch reader does not).
    ip(ns, "link", "add", 'bad"name', "type", "veth", "peer", "name", "bq");
    for (const dev of ['bad"name', "bq"]) {
      ip(ns, "link", "set", dev, "addrgenmode", "none");
      ip(ns, "link", "set", dev, "up");
    }
    ip(ns, "addr", "add", "10.8.0.1/24", "dev", 'bad"name');
    ip(ns, "route", "add", "10.7.0.0/24", "dev", 'bad"name');
    ipBatch(ns, SETUP);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const names = new Map(ipJson<{ ifindex: number; ifname: string }[]>(ns, "link").map((l) => [l.ifindex, l.ifname]));
    const shapes = [{ table: "all" as const }, { table: 254 }];
    const writers = shapes.map((shape) => new IpRouteBytes(names, shape.table));
    const buf = new Uint8Array(ROUTE_ROOM + 100);
    const written: string[] = [];
    const declined: string[] = [];
    const listing: string[] = []; // as the command line writes it
    for await (const step of listRouteDatagrams(sock, { table: "all" })) {
      step.forEachPayload((bytes, start, end) => {
        const route = decodeRoutePayload(bytes, start, end);
        shapes.forEach((shape, i) => {
          const want = ipRoute(route, names, shape);
          const at = 7; // anywhere in the buffer
          const stop = writers[i].write(bytes, start, end, buf, at);
          if (i === 0) listing.push(want);
          if (stop < 0) {
            if (i === 0) declined.push(want);
            return;
          }
          assert.ok(stop - at <= ROUTE_ROOM);
          assert.equal(decoder.decode(buf.subarray(at, stop)), want);
          if (i === 0) written.push(want);
        });
      });
    }
    // The oracle: ip -j's text of the same namespace, byte for byte (but the seconds left of an expiring
    // route, which tick between the two dumps).
    const ticking = (text: string) => text.replace(/"expires":\d+/g, '"expires":N');
    assert.equal(
      ticking(`[${listing.join(",")}]\n`),
      ticking(sh("ip", ["-n", ns, "-j", "route", "show", "table", "all"])),
    );
    const has = (list: string[], text: string) => list.some((r) => r.includes(text));
    // Written here: gateways, metrics, protocols by name and number, scopes, types, big tables, flags,
    // IPv6 with pref and a source prefix, a quoted device name, the default route, local and broadcast routes.
    for (
      const text of [
        '"dst":"10.1.0.0/16","gateway":"10.0.0.2","dev":"d0","protocol":"static","metric":50',
        '"table":"100","protocol":"bgp"',
        '"protocol":"77","scope":"host","prefsrc":"10.0.0.1"',
        '"table":"4000000000","scope":"link","metric":4294967295',
        '"flags":["linkdown"]',
        '"flags":["onlink"]',
        '"dev":"bad\\"name"',
        '{"dst":"default","gateway":"10.0.0.254"',
        '{"type":"blackhole","dst":"10.66.0.0/16"',
        '{"type":"unreachable","dst":"10.67.0.0/16"',
        '{"type":"throw","dst":"10.69.0.0/16","table":"100"',
        '{"dst":"0.0.0.0/1"',
        '{"type":"local","dst":"10.0.0.1","dev":"d0","table":"local"',
        '{"type":"broadcast"',
        '"dst":"2001:db8:1::/64","gateway":"2001:db8::2"',
        '"pref":"high"',
        '"from":"2001:db8:3::/64"',
        '"dst":"2001:db8:5::","dev":"d0","table":"100"',
        '"pref":"low"',
        '"dst":"::ffff:10.1.2.0/120"',
      ]
    ) assert.ok(has(written, text), `written: ${text}`);
    // Declined, so written through ipRoute: several paths, metrics, expiry, an encapsulation.
    for (const text of ['"nexthops":', '"metrics":', '"expires":', '"encap":']) {
      assert.ok(has(declined, text), `declined: ${text}`);
    }
    assert.ok(!has(written, '"nexthops":') && !has(written, '"metrics":') && !has(written, '"expires":'));
    assert.ok(declined.length <= 5, `${declined.length} declined`);
  });
});

/** The payload (`struct rtmsg` and attributes) of an IPv4 route to 10.1.2.0/24 on device 2, main table. */
function payload(extra: number[][] = []): Uint8Array {
  const attr = (type: number, value: number[]) => {
    const len = 4 + value.length;
    return [len & 255, len >> 8, type & 255, type >> 8, ...value, ...new Array((4 - (len % 4)) % 4).fill(0)];
  };
  return new Uint8Array([
    2,
    24,
    0,
    0,
    254,
    3,
    0,
    1,
    0,
    0,
    0,
    0, // family, dst_len, src_len, tos, table, protocol, scope, type, flags
    ...attr(15, [254, 0, 0, 0]),
    ...attr(1, [10, 1, 2, 0]),
    ...attr(4, [2, 0, 0, 0]),
    ...extra.flat(),
  ]);
}

test("-j route from the wire: malformed or unexpected messages are declined, not written", () => {
  const writer = new IpRouteBytes(new Map([[2, "d0"]]), "all");
  const buf = new Uint8Array(ROUTE_ROOM);
  const text = (p: Uint8Array, s = 0, e = p.length) => {
    const stop = writer.write(p, s, e, buf, 0);
    return stop < 0 ? undefined : decoder.decode(buf.subarray(0, stop));
  };
  const good = payload();
  assert.equal(text(good), '{"dst":"10.1.2.0/24","dev":"d0","flags":[]}');
  assert.equal(text(good), ipRoute(decodeRoutePayload(good), new Map([[2, "d0"]]), { table: "all" }));
  // Within a larger buffer: only [start, end) is read.
  const framed = new Uint8Array([9, 9, 9, ...good, 9, 9, 9, 9]);
  assert.equal(text(framed, 3, 3 + good.length), text(good));
  const declined = (name: string, p: Uint8Array, e = p.length) => assert.equal(text(p, 0, e), undefined, name);
  declined("shorter than struct rtmsg", good, 11);
  declined("an attribute cut short", good, good.length - 2);
  declined("an attribute longer than the message", good, good.length - 4);
  const zeroLength = payload();
  zeroLength[12] = 0;
  declined("an attribute of length 0", zeroLength);
  declined("RTA_DST twice", payload([[8, 0, 1, 0, 10, 9, 9, 0]]));
  declined("RTA_OIF twice", payload([[8, 0, 4, 0, 3, 0, 0, 0]]));
  declined("a 16-byte RTA_GATEWAY in an IPv4 route", payload([[20, 0, 5, 0, ...new Array(16).fill(1)]]));
  declined("a 2-byte RTA_PRIORITY", payload([[6, 0, 6, 0, 1, 0, 0, 0]]));
  declined("an RTA_PREF the decoder has no name for", payload([[5, 0, 20, 0, 2, 0, 0, 0]]));
  declined("RTA_MARK (not written here)", payload([[8, 0, 16, 0, 1, 0, 0, 0]]));
  declined("a nested-flagged attribute", payload([[8, 0, 1, 0x80, 1, 0, 0, 0]]));
  declined(
    "RTA_CACHEINFO with an expiry",
    payload([[36, 0, 12, 0, ...new Array(8).fill(0), 100, ...new Array(23).fill(0)]]),
  );
  declined("RTA_CACHEINFO too short", payload([[12, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0]]));
  const mpls = payload();
  mpls[0] = 28;
  declined("an AF_MPLS route", mpls);
  // The last RTA_TABLE wins, as the decoder keeps it; pad is skipped; a cache entry without expiry is written.
  const moved = payload([[8, 0, 15, 0, 100, 0, 0, 0], [4, 0, 24, 0], [36, 0, 12, 0, ...new Array(32).fill(0)]]);
  assert.equal(text(moved), '{"dst":"10.1.2.0/24","dev":"d0","table":"100","flags":[]}');
  assert.equal(text(moved), ipRoute(decodeRoutePayload(moved), new Map([[2, "d0"]]), { table: "all" }));
});
