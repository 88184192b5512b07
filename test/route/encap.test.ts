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

interface IpSeg6Local {
  dst: string;
  encap?: string;
  action?: string;
  nh4?: string;
  nh6?: string;
  table?: string;
  oif?: string;
  srh?: { segs: string[] };
  stats64?: { packets: number; bytes: number; errors: number };
}

test("encap seg6local (End, End.X, End.T, End.DX4, End.DX6, End.DX2, End.B6, counters) decodes as ip -j -s route shows it", async () => {
  await withNetns("sfm-seg6local", async (ns) => {
    ipBatch(
      ns,
      "link add d0 type veth peer name d1\nlink set d0 up\nlink set d1 up\n" +
        "route add fc00::1/128 encap seg6local action End dev d0\n" +
        "route add fc00::2/128 encap seg6local action End.X nh6 fc00::9 dev d0\n" +
        "route add fc00::3/128 encap seg6local action End.T table 100 dev d0\n" +
        "route add fc00::4/128 encap seg6local action End.DX4 nh4 10.0.0.1 dev d0\n" +
        "route add fc00::5/128 encap seg6local action End.DX6 nh6 fc00::1 dev d0\n" +
        "route add fc00::6/128 encap seg6local action End.DX2 oif d1 dev d0\n" +
        "route add fc00::7/128 encap seg6local action End.B6 srh segs fc00::a,fc00::b dev d0\n" +
        "route add fc00::8/128 encap seg6local action End count dev d0\n",
    );
    const shown = ipJson<IpSeg6Local[]>(ns, "-s", "-6", "route", "show").filter((r) => r.encap === "seg6local");
    assert.equal(shown.length, 8);
    const index = (name: string) => ipJson<{ ifindex: number }[]>(ns, "link", "show", name)[0].ifindex;
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const ours = new Map<string, Route>();
    for await (const r of listRoutes(sock, { family: "inet6" })) if (r.encap) ours.set(r.dst!, r);
    for (const want of shown) {
      const e = ours.get(want.dst)?.encap;
      assert.equal(e?.kind, "seg6local", want.dst);
      assert.equal(e.type, 7);
      const local = e.seg6local!;
      assert.equal(local.action, want.action, want.dst);
      assert.equal(local.nh4, want.nh4, `${want.dst} nh4`);
      assert.equal(local.nh6, want.nh6, `${want.dst} nh6`);
      assert.equal(local.table === undefined ? undefined : String(local.table), want.table, `${want.dst} table`);
      assert.equal(local.oif, want.oif === undefined ? undefined : index(want.oif), `${want.dst} oif`);
      assert.deepEqual(local.srh?.segs, want.srh?.segs, `${want.dst} srh`);
      const counters = local.counters &&
        {
          packets: Number(local.counters.packets),
          bytes: Number(local.counters.bytes),
          errors: Number(local.counters.errors),
        };
      assert.deepEqual(counters, want.stats64, `${want.dst} counters`);
    }
  });
});

test("encap bpf from uapi bytes (no BPF programs are loaded here): programs by hook and headroom; a broken nest is a ParseError", () => {
  const str = (type: number, text: string) => {
    const bytes = [...new TextEncoder().encode(text), 0];
    const out = [4 + bytes.length, 0, type, 0, ...bytes];
    while (out.length % 4) out.push(0);
    return out;
  };
  const nest = (type: number, inner: number[]) => [4 + inner.length, 0, type, 0x80, ...inner];
  // LWT_BPF_IN { LWT_BPF_PROG_NAME "lwt_in" }, LWT_BPF_XMIT { LWT_BPF_PROG_NAME "xmit_prog" },
  // LWT_BPF_XMIT_HEADROOM 32, and an attribute 9 the library does not know.
  const inner = new Uint8Array([
    ...nest(1, str(2, "lwt_in")),
    ...nest(3, str(2, "xmit_prog")),
    8,
    0,
    4,
    0,
    32,
    0,
    0,
    0,
    8,
    0,
    9,
    0,
    1,
    2,
    3,
    4,
  ]);
  const r = decodeRoute(encapRoute(6, inner));
  assert.equal(r.encap?.kind, "bpf");
  assert.equal(r.encap?.bpf?.in?.name, "lwt_in");
  assert.equal(r.encap?.bpf?.out, undefined);
  assert.equal(r.encap?.bpf?.xmit?.name, "xmit_prog");
  assert.equal(r.encap?.bpf?.headroom, 32);
  assert.deepEqual(r.encap?.bpf?.unknown?.map((a) => [a.type, [...a.value]]), [[9, [1, 2, 3, 4]]]);
  const broken = new Uint8Array([...nest(1, [40, 0, 2, 0, 0x41, 0, 0, 0])]);
  assert.throws(() => decodeRoute(encapRoute(6, broken)), ParseError);
});

test("encap seg6local from uapi bytes: End.BPF program id and name, flavors, an action name; no action is a ParseError", () => {
  const u32 = (type: number, v: number) => [8, 0, type, 0, v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24];
  const nest = (type: number, inner: number[]) => [4 + inner.length, 0, type, 0x80, ...inner];
  // SEG6_LOCAL_ACTION End.BPF (15); SEG6_LOCAL_BPF { PROG id 42, PROG_NAME "srv6" };
  // SEG6_LOCAL_FLAVORS { OPERATION 1 << NEXT_CSID (4), LCBLOCK_BITS 32, LCNODE_FN_BITS 16 }.
  const inner = new Uint8Array([
    ...u32(1, 15),
    ...nest(8, [...u32(1, 42), 9, 0, 2, 0, 0x73, 0x72, 0x76, 0x36, 0, 0, 0, 0]),
    ...nest(11, [...u32(1, 1 << 4), 5, 0, 2, 0, 32, 0, 0, 0, 5, 0, 3, 0, 16, 0, 0, 0]),
  ]);
  const r = decodeRoute(encapRoute(7, inner));
  assert.deepEqual(
    { ...r.encap?.seg6local },
    { action: "End.BPF", bpf: { id: 42, name: "srv6" }, flavors: { operation: ["next-csid"], lblen: 32, nflen: 16 } },
  );
  assert.throws(() => decodeRoute(encapRoute(7, new Uint8Array(u32(3, 100)))), ParseError);
});
