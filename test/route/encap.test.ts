// Route encapsulations (RTA_ENCAP by RTA_ENCAP_TYPE) against ip -j route, in a private namespace.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, ipJson, withNetns } from "../helpers/netns.ts";
import { type NetlinkMessage, NetlinkSocket, ParseError } from "../../mod.ts";
import { decodeRoute, listRoutes, type Route } from "../../src/route/route.ts";

interface IpRoute {
  dst: string;
  encap?: string;
  id?: number;
  src?: string;
  ttl?: number;
  tos?: number;
  hoplimit?: number;
  tc?: number;
  mode?: string;
  segs?: string[];
}

/** ip -j prints the tunnel's dst under a second "dst" key: JSON.parse keeps the last, the tunnel's. */
function byPrefix(routes: IpRoute[]): Map<string, IpRoute> {
  return new Map(routes.filter((r) => r.encap).map((r) => [r.encap === "seg6" ? "seg6" : r.encap!, r]));
}

test("encap ip and ip6 decode as ip -j route shows them; seg6 mode and segments too", async () => {
  await withNetns("prt-encap", async (ns) => {
    ipBatch(
      ns,
      "link add e0 type veth peer name e1\nlink set e0 up\nlink set e1 up\naddr add 10.5.0.1/24 dev e0\n" +
        "addr add 2001:db8::1/64 dev e0 nodad\n" +
        "route add 10.6.0.0/16 encap ip id 7 dst 10.5.0.9 ttl 9 tos 0x10 dev e0\n" +
        "route add 10.7.0.0/16 encap ip6 id 300000000000 dst 2001:db8::5 hoplimit 4 tc 8 dev e0\n" +
        "route add 2001:db8:9::/64 encap seg6 mode encap segs 2001:db8::2,2001:db8::3 dev e0\n",
    );
    const expected = byPrefix([
      ...ipJson<IpRoute[]>(ns, "route", "show", "table", "all"),
      ...ipJson<IpRoute[]>(ns, "-6", "route", "show", "table", "all"),
    ]);
    assert.equal(expected.size, 3);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const routes: Route[] = [];
    for await (const r of listRoutes(sock, { table: "all" })) if (r.encap) routes.push(r);
    assert.equal(routes.length, 3);
    for (const r of routes) {
      const e = r.encap!;
      const want = expected.get(e.kind!);
      assert.ok(want, `ip -j shows an encap ${e.kind}`);
      assert.equal(e.kind, want.encap);
      if (e.kind === "ip") {
        assert.deepEqual(
          { id: e.ip?.id, src: e.ip?.src, dst: e.ip?.dst, ttl: e.ip?.ttl, tos: e.ip?.tos },
          { id: want.id, src: want.src, dst: want.dst, ttl: want.ttl, tos: want.tos },
        );
        assert.equal(e.type, 2);
      } else if (e.kind === "ip6") {
        assert.deepEqual(
          { id: e.ip?.id, src: e.ip?.src, dst: e.ip?.dst, hoplimit: e.ip?.hoplimit, tc: e.ip?.tc },
          { id: want.id, src: want.src, dst: want.dst, hoplimit: want.hoplimit, tc: want.tc },
        );
        assert.equal(e.type, 4);
      } else {
        assert.equal(e.kind, "seg6");
        assert.equal(e.type, 5);
        assert.equal(e.ip, undefined);
        assert.ok(e.data.length > 0);
        assert.deepEqual({ mode: e.seg6?.mode, segs: e.seg6?.segs }, { mode: want.mode, segs: want.segs });
      }
    }
  });
});

/** An RTM_NEWROUTE payload: struct rtmsg (IPv4 /16 unicast) and RTA_ENCAP_TYPE + RTA_ENCAP with `inner` attributes. */
function encapRoute(type: number, inner: Uint8Array): NetlinkMessage {
  const header = [2, 16, 0, 0, 254, 4, 0, 1, 0, 0, 0, 0];
  const encapType = [6, 0, 21, 0, type, 0, 0, 0];
  const len = 4 + inner.length;
  const encap = [len & 255, len >> 8, 22, 0x80, ...inner];
  while (encap.length % 4) encap.push(0);
  return { type: 24, flags: 0, seq: 0, pid: 0, payload: new Uint8Array([...header, ...encapType, ...encap]) };
}

test("encap mpls (CONFIG_MPLS_IPTUNNEL is not set here, so from uapi bytes): named, kept raw", () => {
  // MPLS_IPTUNNEL_DST (1): one label entry, label 100, bottom of stack, ttl 0 (linux/mpls.h, big-endian).
  const inner = new Uint8Array([8, 0, 1, 0, 0x00, 0x06, 0x41, 0x00]);
  const r = decodeRoute(encapRoute(1, inner));
  assert.equal(r.encap?.kind, "mpls");
  assert.equal(r.encap?.type, 1);
  assert.deepEqual([...r.encap!.data], [...inner]);
  assert.equal(r.encap?.ip, undefined);
});

test("encap seg6 from uapi bytes: segments reversed into visiting order; a header shorter than its segments is a ParseError", () => {
  const seg = (last: number) => [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), last];
  // struct seg6_iptunnel_encap: mode 1 (encap); ipv6_sr_hdr: nexthdr 0, hdrlen 4, type 4, segments_left 1,
  // first_segment 1, flags 0, tag 7; segments [::3, ::2] (the last visited first).
  const srh = [1, 0, 0, 0, 0, 4, 4, 1, 1, 0, 7, 0, ...seg(3), ...seg(2)];
  const inner = new Uint8Array([4 + srh.length, 0, 1, 0, ...srh]);
  const r = decodeRoute(encapRoute(5, inner));
  assert.deepEqual(r.encap?.seg6, { mode: "encap", segs: ["2001:db8::2", "2001:db8::3"], flags: 0, tag: 7 });
  const short = new Uint8Array([4 + srh.length - 16, 0, 1, 0, ...srh.slice(0, -16)]);
  assert.throws(() => decodeRoute(encapRoute(5, short)), ParseError);
});
