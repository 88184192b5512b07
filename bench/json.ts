/**
 * What the non-enumerable `toJSON` (src/wire/json.ts `withJson`) costs the
 * decoders, and what a bare `JSON.stringify` costs against the replacer.
 *
 * The bytes: every captured `RTM_NEWLINK`, `RTM_NEWROUTE` and `RTM_NEWADDR`
 * under `test/route/fixtures/`
 * and the captured conntrack and TCP sock_diag messages under
 * `test/fuzz/fixtures/`, parsed once, each decoded `messages` times per round.
 * The contenders per family:
 *
 * - plain: the decoder alone;
 * - withJson: the decoder, then `withJson` on its object (a defineProperty
 *   of a shared function: what every public API now does);
 * - prototype: the decoder, then `Object.setPrototypeOf` to an object holding
 *   `toJSON` (the rejected alternative: it also breaks deepStrictEqual
 *   against literals).
 *
 * and, to see `withJson` alone, a fresh copy of a decoded link's top level
 * with and without it; and, for links, writing JSON: `JSON.stringify(link, jsonReplacer)` of a
 * plain link against a bare `JSON.stringify(link)` of one with `withJson`.
 *
 * Each round times every contender once, in an order that rotates per round;
 * the report gives min/median/max of ns per object over the rounds.
 *
 * Usage:
 *   deno run -A bench/json.ts [messages=200000] [rounds=9]
 *   bun bench/json.ts [messages=200000] [rounds=9]
 *   node --disable-warning=ExperimentalWarning bench/json.ts [messages=200000] [rounds=9]
 */
import { readdirSync, readFileSync } from "node:fs";
import { type NetlinkMessage, parseMessages } from "../src/wire/message.ts";
import { jsonReplacer, withJson, withJsonIfNeeded } from "../src/wire/json.ts";
import { decodeLink } from "../src/route/link.ts";
import { decodeRoute } from "../src/route/route.ts";
import { decodeAddress } from "../src/route/address.ts";
import { decodeConntrack } from "../src/netfilter/conntrack.ts";
import { decodeInetSocket } from "../src/sockdiag/inet.ts";
import { args, median, runtime } from "./common.ts";

const messages = Number(args[0] ?? 200_000);
const rounds = Number(args[1] ?? 9);

function fixtures(dir: string, match: RegExp): NetlinkMessage[] {
  const url = new URL(`../test/${dir}/`, import.meta.url);
  return readdirSync(url).filter((f) => match.test(f)).sort().flatMap((f) => {
    const text = readFileSync(new URL(f, url), "utf8").replace(/\s+/g, "");
    return parseMessages(new Uint8Array((text.match(/../g) ?? []).map((h) => parseInt(h, 16))));
  });
}

const proto = { toJSON: (): unknown => ({}) };
type Decode = (m: NetlinkMessage) => object;
const families: [string, NetlinkMessage[], Decode][] = [
  ["link", fixtures("route/fixtures", /^link-.*\.hex$/), decodeLink],
  ["route", fixtures("route/fixtures", /^route-.*\.hex$/), decodeRoute],
  ["address", fixtures("route/fixtures", /^addr-.*\.hex$/), decodeAddress],
  ["conntrack", fixtures("fuzz/fixtures/conntrack", /\.hex$/), decodeConntrack],
  ["tcp socket", fixtures("fuzz/fixtures/sockdiag-inet", /\.hex$/), (m) => decodeInetSocket(m, "tcp")],
];

let sink = 0;
function time(run: () => void): number {
  const t0 = performance.now();
  run();
  return ((performance.now() - t0) * 1e6) / messages;
}

const contenders: [string, () => number][] = [];
for (const [name, msgs, decode] of families) {
  if (msgs.length === 0) throw new Error(`no ${name} fixtures`);
  const n = msgs.length;
  contenders.push([`${name}: plain`, () =>
    time(() => {
      for (let i = 0; i < messages; i++) sink += Object.keys(decode(msgs[i % n])).length;
    })]);
  contenders.push([`${name}: withJson`, () =>
    time(() => {
      for (let i = 0; i < messages; i++) sink += Object.keys(withJson(decode(msgs[i % n]))).length;
    })]);
  contenders.push([`${name}: withJsonIfNeeded`, () =>
    time(() => {
      for (let i = 0; i < messages; i++) sink += Object.keys(withJsonIfNeeded(decode(msgs[i % n]))).length;
    })]);
  contenders.push([`${name}: prototype`, () =>
    time(() => {
      for (let i = 0; i < messages; i++) sink += Object.keys(Object.setPrototypeOf(decode(msgs[i % n]), proto)).length;
    })]);
}
// withJson alone, without a decoder's noise: a fresh copy of a decoded link's top level, with and without it.
const template = decodeLink(families[0][1][0]) as unknown as Record<string, unknown>;
contenders.push(["link-shaped copy: plain", () =>
  time(() => {
    for (let i = 0; i < messages; i++) sink += Object.keys({ ...template, index: i }).length;
  })]);
contenders.push(["link-shaped copy: withJson", () =>
  time(() => {
    for (let i = 0; i < messages; i++) sink += Object.keys(withJson({ ...template, index: i })).length;
  })]);
const linkMsgs = families[0][1];
const plainLinks = linkMsgs.map((m) => decodeLink(m));
const jsonLinks = linkMsgs.map((m) => withJson(decodeLink(m)));
const writes = Math.max(1, Math.floor(messages / 10));
contenders.push(["link JSON: stringify(link, jsonReplacer)", () => {
  const t0 = performance.now();
  for (let i = 0; i < writes; i++) sink += JSON.stringify(plainLinks[i % plainLinks.length], jsonReplacer).length;
  return ((performance.now() - t0) * 1e6) / writes;
}]);
contenders.push(["link JSON: bare stringify(link) via toJSON", () => {
  const t0 = performance.now();
  for (let i = 0; i < writes; i++) sink += JSON.stringify(jsonLinks[i % jsonLinks.length]).length;
  return ((performance.now() - t0) * 1e6) / writes;
}]);

for (let i = 0; i < plainLinks.length; i++) {
  if (JSON.stringify(plainLinks[i], jsonReplacer) !== JSON.stringify(jsonLinks[i])) throw new Error("texts differ");
}

const results = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < contenders.length; k++) {
    const [name, run] = contenders[(k + r) % contenders.length];
    results.get(name)!.push(run());
  }
}
const fmt = (x: number) => x.toFixed(0).padStart(6);
console.log(`# json (${runtime}): ${messages} decodes per contender per round, ${rounds} rounds; ns per object`);
console.log(`${"contender".padEnd(44)}    min median    max`);
for (const [name, xs] of results) {
  console.log(`${name.padEnd(44)} ${fmt(Math.min(...xs))} ${fmt(median(xs))} ${fmt(Math.max(...xs))}`);
}
if (sink === 0) console.log("");
