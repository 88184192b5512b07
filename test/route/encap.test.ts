// Route encapsulations (RTA_ENCAP by RTA_ENCAP_TYPE) against ip -j route, in a private namespace.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, ipJson, withNetns } from "../helpers/netns.ts";
import { NetlinkSocket } from "../../mod.ts";
import { listRoutes, type Route } from "../../src/route/route.ts";

interface IpRoute {
  dst: string;
  encap?: string;
  id?: number;
  src?: string;
  ttl?: number;
  tos?: number;
  hoplimit?: number;
  tc?: number;
  segs?: string[];
}

/** ip -j prints the tunnel's dst under a second "dst" key: JSON.parse keeps the last, the tunnel's. */
function byPrefix(routes: IpRoute[]): Map<string, IpRoute> {
  return new Map(routes.filter((r) => r.encap).map((r) => [r.encap === "seg6" ? "seg6" : r.encap!, r]));
}

test("encap ip and ip6 decode as ip -j route shows them; seg6 is named and kept raw (its fields not decoded yet)", async () => {
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
      }
    }
  });
});
