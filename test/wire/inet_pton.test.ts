// Our address parsers against glibc's inet_pton, called through our own FFI
// layer (Libc.inetPton), over seeded random and edge-case strings.
import assert from "node:assert/strict";
import { loadLibc } from "../../ffi/mod.ts";
import { runtime, test } from "../helpers/harness.ts";
import { AddressError } from "../../mod.ts";
import { parseIP, parseIPv4, parseIPv6 } from "../../src/wire/values.ts";

const AF_INET = 2, AF_INET6 = 10;

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hand-picked cases, including every one issue 14 names. */
const EDGE = [
  "",
  ".",
  ":",
  "::",
  ":::",
  "::::",
  "0.0.0.0",
  "255.255.255.255",
  "256.0.0.1",
  "1.2.3",
  "1.2.3.4.",
  ".1.2.3.4",
  "1..2.3",
  "10.0.0.010",
  "010.0.0.1",
  "00.0.0.0",
  "0.0.0.00",
  "1.2.3.4::1",
  "::1.2.3.4",
  "::ffff:1.2.3.4",
  "::ffff:1.2.3",
  "::ffff:1.2.3.4.5",
  "1.2.3.4:1::",
  "1:2:3:4:5:6:1.2.3.4",
  "1:2:3:4:5:6:7:1.2.3.4",
  "1:2:3:4:5::1.2.3.4",
  "::1.2.3.04",
  "::0.0.0.0",
  "1::",
  "::1",
  "1:",
  ":1",
  "1::2::3",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9",
  "1:2:3:4:5:6:7::",
  "::2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7::8",
  "1::2:3:4:5:6:7:8",
  "fe80::1%eth0",
  "fe80::1%1",
  "[::1]",
  " ::1",
  "::1 ",
  "1.2.3.4 ",
  " 1.2.3.4",
  "\t1.2.3.4",
  "0x1.2.3.4",
  "1.2.3.0x4",
  "00000::1",
  "0000::1",
  "FFFF::FFFF",
  "fFfF::",
  "g::1",
  "::g",
  "1:2:3:4:5:6:7:8:",
  ":1:2:3:4:5:6:7:8",
  "12345::",
  "::12345",
  "1.2.3.4/24",
  "::/0",
  "+1.2.3.4",
  "-1.2.3.4",
  "1.2.3.-4",
  "1.2.3.4\n",
  "::ffff:256.1.1.1",
  "::a.b.c.d",
  "::1.2.3.4:1",
  "::1.2.3.4::",
  "1::1.2.3.4",
  "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
  "٠.٠.٠.٠",
  "１.２.３.４",
  "é::1",
  "::ffff:1.2.3.4%x",
  "1:2:3:4:5:6:7:8%0",
];

function group(r: () => number): string {
  const g = Math.floor(r() * 0x10000).toString(16);
  const roll = r();
  if (roll < 0.1) return g.padStart(4, "0"); // leading zeros, allowed up to 4 digits
  if (roll < 0.13) return "0" + g.padStart(4, "0"); // five digits
  if (roll < 0.3) return g.toUpperCase();
  if (roll < 0.45) return "0";
  return g;
}

function octet(r: () => number): string {
  const roll = r();
  if (roll < 0.05) return "0" + Math.floor(r() * 100); // leading zero
  if (roll < 0.08) return String(256 + Math.floor(r() * 800)); // out of range
  if (roll < 0.25) return "0";
  return String(Math.floor(r() * 256));
}

function v4(r: () => number): string {
  const n = r() < 0.9 ? 4 : r() < 0.5 ? 3 : 5;
  return Array.from({ length: n }, () => octet(r)).join(".");
}

function v6(r: () => number): string {
  const tail = r() < 0.25;
  const count = (tail ? 6 : 8) + (r() < 0.1 ? (r() < 0.5 ? -1 : 1) : 0);
  const groups = Array.from({ length: Math.max(0, count) }, () => group(r));
  let text: string;
  if (r() < 0.6 && groups.length > 0) {
    // Compress a run into "::" (sometimes a run of nothing, which is invalid).
    const from = Math.floor(r() * groups.length);
    const to = Math.min(groups.length, from + Math.floor(r() * 4));
    text = groups.slice(0, from).join(":") + "::" + groups.slice(to).join(":");
    if (r() < 0.05) text += "::" + group(r); // a second "::"
  } else text = groups.join(":");
  if (tail) text += (text.endsWith(":") ? "" : ":") + v4(r);
  if (r() < 0.03) text += "%eth" + Math.floor(r() * 3);
  return text;
}

const ALPHABET = "0123456789abcdefABCDEFxXg:.:.%/ []-+\t\n";

function mutate(text: string, r: () => number): string {
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (text.length + 1));
    const c = ALPHABET[Math.floor(r() * ALPHABET.length)];
    const op = r();
    if (op < 0.33) text = text.slice(0, at) + c + text.slice(at);
    else if (op < 0.66) text = text.slice(0, at) + text.slice(at + 1);
    else text = text.slice(0, at) + c + text.slice(at + 1);
  }
  return text;
}

function ours(parse: (s: string) => Uint8Array, text: string): Uint8Array | undefined {
  try {
    return parse(text);
  } catch (e) {
    if (!(e instanceof AddressError)) throw e;
    return undefined;
  }
}

test(
  `parseIPv4/parseIPv6/parseIP agree with glibc inet_pton on 120,000 seeded random and edge-case strings (${runtime})`,
  async () => {
    const libc = await loadLibc();
    const glibc = (family: number, text: string): Uint8Array | undefined => {
      const out = new Uint8Array(new ArrayBuffer(family === AF_INET ? 4 : 16));
      const r = libc.inetPton(family, text, out);
      assert.ok(r === 0 || r === 1, `inet_pton returned ${r}`);
      return r === 1 ? out : undefined;
    };
    const r = rng(0x14_07);
    const inputs = [...EDGE];
    while (inputs.length < 120_000) {
      const roll = r();
      const base = roll < 0.4 ? v6(r) : roll < 0.7 ? v4(r) : "::ffff:" + v4(r);
      inputs.push(r() < 0.5 ? base : mutate(base, r));
    }
    let accepted4 = 0, accepted6 = 0, withV4Tail = 0;
    const mismatches: string[] = [];
    for (const text of inputs) {
      const want4 = glibc(AF_INET, text);
      const want6 = glibc(AF_INET6, text);
      const got4 = ours(parseIPv4, text);
      const got6 = ours(parseIPv6, text);
      const got = ours(parseIP, text);
      const same = (a?: Uint8Array, b?: Uint8Array) =>
        a === undefined ? b === undefined : b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
      if (!same(want4, got4) || !same(want6, got6) || !same(want4 ?? want6, got)) {
        mismatches.push(JSON.stringify(text));
      }
      if (want4) accepted4++;
      if (want6) {
        accepted6++;
        if (text.includes(".")) withV4Tail++;
      }
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} strings parsed differently from inet_pton`);
    // The corpus is not vacuous: both families have many valid and many invalid strings.
    assert.ok(accepted4 > 10_000 && accepted4 < inputs.length / 2, `IPv4 accepted: ${accepted4}`);
    assert.ok(accepted6 > 20_000 && accepted6 < inputs.length / 2, `IPv6 accepted: ${accepted6}`);
    assert.ok(withV4Tail > 5_000, `IPv6 with an IPv4 tail accepted: ${withV4Tail}`);
  },
  { timeout: 120_000 },
);

test("the cases issue 14 names are refused as inet_pton refuses them", () => {
  for (const text of ["1.2.3.4::1", "10.0.0.010", "fe80::1%eth0", "1::2::3", " 1.2.3.4"]) {
    assert.throws(() => parseIP(text), AddressError, text);
  }
  assert.deepEqual([...parseIP("::ffff:10.0.0.1")], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]);
});
