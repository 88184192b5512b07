// NetlinkSocket.dumpDatagrams (what listRoutes/listLinks/listAddresses read):
// the same messages as dump(), released buffers reused, kept ones never
// touched, and typed objects that refer to nothing of a reused buffer.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, withNetns } from "../helpers/netns.ts";
import { type DumpDatagram, NetlinkSocket } from "../../mod.ts";
import { encodeGetRoutes, listRoutes } from "../../src/route/route.ts";
import { listLinks } from "../../src/route/link.ts";
import { listAddresses } from "../../src/route/address.ts";

const ROUTES = 6000;

function addRoutes(ns: string): void {
  const lines = ["link add d0 type veth peer name d1", "link set d0 up", "link set d1 up"];
  for (let i = 0; i < ROUTES; i++) lines.push(`route add 10.9.${i >> 8}.${i & 255}/32 dev d0`);
  ipBatch(ns, lines.join("\n") + "\n");
}

/** A message of a datagram as [type, flags, payload copy]. */
function entries(d: DumpDatagram): [number, number, Uint8Array][] {
  return d.starts.map((_, i) => {
    const m = d.message(i);
    return [m.type, m.flags, m.payload.slice()];
  });
}

test("dmm: dumpDatagrams gives dump()'s messages, message for message; released buffers are reused", async () => {
  await withNetns("dmm-same", async (ns) => {
    addRoutes(ns);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const request = encodeGetRoutes({ table: "all", family: "inet" });
    const one: [number, number, Uint8Array][] = [];
    for await (const m of sock.dump(request)) one.push([m.type, m.flags, m.payload.slice()]);
    const got: [number, number, Uint8Array][] = [];
    const buffers = new Set<ArrayBufferLike>();
    let datagrams = 0;
    for await (const d of sock.dumpDatagrams(request)) {
      datagrams++;
      assert.ok(d.starts.length > 0);
      // Each start is a whole message of the datagram, in order.
      let last = -1;
      for (const at of d.starts) {
        assert.ok(at > last && at + 16 <= d.bytes.length);
        last = at;
      }
      got.push(...entries(d));
      buffers.add(d.bytes.buffer);
      d.release();
      d.release(); // a second release does nothing
    }
    assert.ok(datagrams > 8, `${datagrams} datagrams for ${got.length} messages`);
    assert.deepEqual(got, one);
    // Released each time: a few buffers went round, not one per datagram.
    assert.ok(buffers.size <= 4, `${buffers.size} buffers for ${datagrams} datagrams`);
    // With retry, the consistent attempt's datagrams, the same messages.
    const retried: [number, number, Uint8Array][] = [];
    for await (const d of sock.dumpDatagrams(request, { retry: 3 })) retried.push(...entries(d));
    assert.deepEqual(retried, one);
    // Leaving early drains the rest; an abort ends the dump with its reason.
    for await (const _ of sock.dumpDatagrams(request)) break;
    const controller = new AbortController();
    await assert.rejects(async () => {
      for await (const _ of sock.dumpDatagrams(request, { signal: controller.signal })) {
        controller.abort(new Error("stop"));
      }
    }, /stop/);
    let again = 0;
    for await (const d of sock.dumpDatagrams(request)) again += d.starts.length;
    assert.equal(again, one.length);
  });
});

test("dmm: a datagram kept without release never changes while later dumps on the socket reuse buffers", async () => {
  await withNetns("dmm-keep", async (ns) => {
    addRoutes(ns);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const request = encodeGetRoutes({ table: "all", family: "inet" });
    const kept: DumpDatagram[] = [];
    const copies: Uint8Array[] = [];
    for await (const d of sock.dumpDatagrams(request)) {
      kept.push(d);
      copies.push(d.bytes.slice());
    }
    assert.ok(kept.length > 8);
    // Later dumps release every datagram: their buffers go round, and each
    // message header carries another sequence number, so a reuse of a kept
    // buffer would show.
    for (let i = 0; i < 3; i++) {
      for await (const d of sock.dumpDatagrams(request)) d.release();
      for await (const d of sock.dumpDatagrams(encodeGetRoutes({ table: 255 }))) d.release();
    }
    for (let i = 0; i < kept.length; i++) assert.deepEqual(kept[i].bytes, copies[i], `datagram ${i} changed`);
    // Released now, they are reused, and what was read from them stays right.
    for (const d of kept) d.release();
    let n = 0;
    for await (const d of sock.dumpDatagrams(request)) {
      n += d.starts.length;
      d.release();
    }
    assert.equal(n, copies.reduce((sum, _, i) => sum + kept[i].starts.length, 0));
  });
});

test("dmm: routes, links and addresses listed stay as they were while later dumps reuse the datagram buffers", async () => {
  await withNetns("dmm-typed", async (ns) => {
    ipBatch(
      ns,
      [
        "link add d0 type veth peer name d1",
        "link set d0 up",
        "link set d1 up",
        "addr add 10.1.0.1/24 dev d0",
        "addr add 2001:db8::1/64 dev d0 nodad",
        "route add 10.2.0.0/16 via 10.1.0.2 mtu lock 1300 advmss 1200",
        "route add 10.3.0.0/16 nexthop via 10.1.0.2 weight 2 nexthop via 10.1.0.3",
        "route add 10.4.0.0/16 dev d0 table 100 proto 99 metric 7",
      ].join("\n") + "\n",
    );
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const routes = [];
    for await (const r of listRoutes(sock, { table: "all" })) routes.push(r);
    const links = [];
    for await (const l of listLinks(sock)) links.push(l);
    const addresses = [];
    for await (const a of listAddresses(sock)) addresses.push(a);
    assert.ok(routes.some((r) => r.multipath !== undefined) && routes.some((r) => r.metrics !== undefined));
    const before = structuredClone({ routes, links, addresses });
    // Other dumps overwrite the released buffers with other bytes.
    for (let i = 0; i < 3; i++) {
      for await (const _ of listLinks(sock)) { /* fills the buffers with links */ }
      for await (const d of sock.dumpDatagrams(encodeGetRoutes({ table: 255 }))) {
        d.bytes.fill(0xa5); // garbage in a buffer that goes round
        d.release();
      }
      for await (const _ of listAddresses(sock)) { /* and addresses */ }
    }
    assert.deepEqual({ routes, links, addresses }, before);
  });
});
