// The slab copies unknown attributes are kept in (src/wire/copies.ts), and the
// link counters read through a kept DataView (src/route/link.ts): each copy is
// its holder's alone and equal to its bytes, at any offset and size; counters of
// any size come out exact, whatever buffer and offset the message sits at.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { copyOfRange } from "../../src/wire/copies.ts";
import { decodeLink } from "../../src/route/link.ts";

test("copyOfRange: each copy equals its range, is its holder's alone, and outlives changes to the source", () => {
  const source = new Uint8Array(20_000);
  for (let i = 0; i < source.length; i++) source[i] = (i * 7) & 255;
  // Sizes around the slab's (16 KiB) and the own-buffer threshold (4 KiB), many to a slab.
  const ranges: [number, number][] = [];
  for (let n = 0, at = 0; n < 300; n++, at = (at + 997) % 10_000) ranges.push([at, at + ((n * 131) % 1500)]);
  ranges.push([0, 4096], [1, 4098], [0, 16_384], [3, 20_000], [5, 5]);
  const copies = ranges.map(([s, e]) => copyOfRange(source, s, e));
  copies.forEach((c, i) => assert.deepEqual([...c], [...source.subarray(...ranges[i])], `copy ${i}`));
  // Writing into one copy changes no other copy, and no source byte.
  const before = copies.map((c) => [...c]);
  const sourceBefore = [...source];
  for (const c of copies) c.fill(0xee);
  copies.forEach((c, i) => assert.ok(c.every((x) => x === 0xee) && c.length === before[i].length, `copy ${i} filled`));
  assert.deepEqual([...source], sourceBefore);
  // Changing the source afterwards (a datagram buffer reused) changes no copy.
  const fresh = ranges.map(([s, e]) => copyOfRange(source, s, e));
  const freshBefore = fresh.map((c) => [...c]);
  source.fill(1);
  fresh.forEach((c, i) => assert.deepEqual([...c], freshBefore[i], `copy ${i} after the source changed`));
});

/** An RTM_NEWLINK payload: ifinfomsg, IFLA_IFNAME "c0", IFLA_STATS64 of `counters`, an unknown attribute 99. */
function linkPayload(counters: bigint[]): Uint8Array {
  const stats = 4 + counters.length * 8;
  const b = new Uint8Array(16 + 8 + stats + 8);
  const dv = new DataView(b.buffer);
  dv.setInt32(4, 7, true); // index
  dv.setUint16(16, 7, true);
  dv.setUint16(18, 3, true); // IFLA_IFNAME
  b.set([0x63, 0x30, 0], 20);
  dv.setUint16(24, stats, true);
  dv.setUint16(26, 23, true); // IFLA_STATS64
  counters.forEach((c, i) => dv.setBigUint64(28 + i * 8, c, true));
  const at = 24 + stats;
  dv.setUint16(at, 8, true);
  dv.setUint16(at + 2, 99, true);
  b.set([1, 2, 3, 4], at + 4);
  return b;
}

test("decodeLink: stats64 counters exact below 2^53 at any offset of any buffer, one after another", () => {
  const big = [0n, 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 5n, 2n ** 53n - 1n, 123456789012345n];
  const counters = Array.from({ length: 25 }, (_, i) => big[i % big.length] + BigInt(i > 7 ? i : 0));
  const payload = linkPayload(counters);
  // The same message alone, then at an odd offset of a bigger buffer, then alone again (the kept view changes buffer).
  const shifted = new Uint8Array(payload.length + 13);
  shifted.set(payload, 13);
  for (const p of [payload, shifted.subarray(13), payload.slice()]) {
    const link = decodeLink({ type: 16, flags: 0, seq: 0, pid: 0, payload: p });
    const stats = link.stats64!;
    assert.deepEqual(Object.values(stats), counters.map(Number));
    assert.equal(stats.rxOtherhostDropped, Number(counters[24]));
    assert.equal(link.name, "c0");
    assert.deepEqual(link.unknown.map((a) => [a.type, [...a.value]]), [[99, [1, 2, 3, 4]]]);
  }
});
