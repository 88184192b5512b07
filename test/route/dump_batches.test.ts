// dumpBatches (what listRoutes/listAddresses/listLinks read) against dump, and
// decodeAttrsInto / shared unknown copies of the schema, on real kernel dumps.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, withNetns } from "../helpers/netns.ts";
import { Flags, MessageWriter, NetlinkSocket } from "../../mod.ts";
import { encodeGetRoutes, listRoutes } from "../../src/route/route.ts";
import { decodeLink } from "../../src/route/link.ts";
import { decodeAttrsInto, defineAttrSet } from "../../src/wire/schema.ts";

test("dumpBatches gives the messages dump gives, in order, in non-empty batches; listRoutes sees every route", async () => {
  await withNetns("prt-batches", async (ns) => {
    const lines = ["link add d0 type veth peer name d1", "link set d0 up", "link set d1 up"];
    for (let i = 0; i < 3000; i++) lines.push(`route add 10.9.${i >> 8}.${i & 255}/32 dev d0`);
    ipBatch(ns, lines.join("\n") + "\n");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const request = encodeGetRoutes({ table: "all", family: "inet" });
    const one: Uint8Array[] = [];
    for await (const m of sock.dump(request)) one.push(m.payload);
    const batched: Uint8Array[] = [];
    let batches = 0;
    for await (const batch of sock.dumpBatches(request)) {
      assert.ok(batch.length > 0);
      batches++;
      for (const m of batch) batched.push(m.payload);
    }
    assert.ok(batches > 1, `${batches} batches for ${batched.length} messages`); // 3000 routes do not fit one datagram
    assert.deepEqual(batched, one);
    let listed = 0;
    for await (const r of listRoutes(sock, { table: "all", family: "inet" })) if (r.dst?.startsWith("10.9.")) listed++;
    assert.equal(listed, 3000);
    // Leaving early drains the rest: the next dump on the socket starts clean.
    for await (const _ of sock.dumpBatches(request)) break;
    let again = 0;
    for await (const batch of sock.dumpBatches(request)) again += batch.length;
    assert.equal(again, one.length);
  });
});

test("decodeAttrsInto fills the caller's object; a key it holds is kept under 'first' and replaced under 'last'", () => {
  const set = defineAttrSet({
    name: "t",
    attributes: { mtu: { id: 4, type: "u32" }, name: { id: 3, type: "string", duplicate: "last" } },
  });
  // mtu 1500, name "ab", then an unknown attribute 9 (2 bytes) and 10 (0 bytes).
  const bytes = new Uint8Array([
    8,
    0,
    4,
    0,
    220,
    5,
    0,
    0,
    7,
    0,
    3,
    0,
    97,
    98,
    0,
    0,
    6,
    0,
    9,
    0,
    1,
    2,
    0,
    0,
    4,
    0,
    10,
    0,
  ]);
  const held = { mtu: 9000, name: "" };
  const out = decodeAttrsInto(set, held, bytes, 0, bytes.length);
  assert.equal(out, held);
  assert.equal(out.mtu, 9000);
  assert.equal(out.name, "ab");
  const unknown = (out as { unknown?: { type: number; value: Uint8Array }[] }).unknown!;
  assert.deepEqual(unknown.map((a) => [a.type, [...a.value]]), [[9, [1, 2]], [10, []]]);
  // The payloads are copies: changing the message afterwards does not change them.
  bytes.fill(0);
  assert.deepEqual([...unknown[0].value], [1, 2]);
  assert.throws(() => decodeAttrsInto(set, {}, bytes, 4, 2), RangeError);
});

test("decodeLink keeps unknown attributes as copies that do not change with the datagram (a bridge port message's IFLA_PROTINFO)", async () => {
  await withNetns("lks-prt-unknown", async (ns) => {
    ipBatch(ns, "link add br0 type bridge\nlink add d0 type veth peer name d1\nlink set d0 master br0\n");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const m = new MessageWriter(18, Flags.DUMP);
    m.struct(16).setUint8(0, 7); // ifi_family AF_BRIDGE: the ports' bridge messages, as `bridge link` reads
    const msgs = (await Array.fromAsync(sock.dump(m.finish()))).filter((x) => x.type === 16);
    const at = msgs.map(decodeLink).findIndex((l) => l.name === "d0");
    assert.ok(at >= 0, "d0's bridge port message");
    const msg = msgs[at];
    const link = decodeLink(msg);
    assert.equal(link.family, 7);
    assert.equal(link.afSpec, undefined);
    assert.ok(link.unknown.some((a) => a.type === 12), "IFLA_PROTINFO kept raw");
    const before = link.unknown.map((a) => [...a.value]);
    msg.payload.fill(0xff);
    assert.deepEqual(link.unknown.map((a) => [...a.value]), before);
    assert.ok(link.unknown.every((a) => a.value.buffer !== msg.payload.buffer));
  });
});
