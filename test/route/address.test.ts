// Addresses against the real kernel, in private namespaces, with `ip -j addr` as the oracle.
import { hexFile } from "../helpers/fixtures.ts";
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipJson, withNetns } from "../helpers/netns.ts";
import {
  AddressError,
  NetlinkError,
  type NetlinkMessage,
  NetlinkSocket,
  ParseError,
  parseMessages,
} from "../../mod.ts";
import { rtmName } from "../../src/route/constants.ts";
import {
  addAddress,
  type Address,
  addressFlagNames,
  decodeAddress,
  deleteAddress,
  INFINITY_LIFETIME,
  listAddresses,
} from "../../src/route/address.ts";

const open = (ns: string) => NetlinkSocket.open("route", { netns: ns, describeType: rtmName });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Flags iproute2 prints as `"name": true`. */
const IP_FLAGS = [
  "secondary",
  "temporary",
  "nodad",
  "optimistic",
  "dadfailed",
  "home",
  "deprecated",
  "tentative",
  "mngtmpaddr",
  "noprefixroute",
  "autojoin",
  "stable-privacy",
];

/**
 * Compares our addresses with `ip -j addr show` field by field. Remaining
 * lifetimes tick down between the two readings, so they may differ by a
 * second or two (forever is exact). Returns the number of fields compared.
 */
function compareWithIp(ns: string, ours: Address[], options: string[] = [], show: string[] = []): number {
  const links = ipJson(ns, ...options, "addr", "show", ...show);
  const theirs = links.flatMap((l: any) => l.addr_info.map((a: any) => ({ ...a, ifindex: l.ifindex })));
  assert.equal(ours.length, theirs.length, "same number of addresses");
  let n = 0;
  for (const t of theirs) {
    const what = `${ns} ${t.ifindex}/${t.local}`;
    const a = ours.find((x) => x.index === t.ifindex && x.local === t.local && x.prefixLength === t.prefixlen);
    assert.ok(a, `${what}: found`);
    assert.equal(a.family, t.family, `${what}: family`);
    assert.equal(a.scope, t.scope, `${what}: scope`);
    n += 3;
    if (t.address !== undefined) {
      assert.equal(a.address, t.address, `${what}: peer`);
      n++;
    } else assert.equal(a.address, a.local, `${what}: no peer`);
    for (const key of ["broadcast", "anycast", "label"] as const) {
      assert.equal(a[key], t[key], `${what}: ${key}`);
      n++;
    }
    for (const f of IP_FLAGS) {
      assert.equal(a.flags.includes(f), t[f] === true, `${what}: flag ${f}`);
      n++;
    }
    assert.equal(!a.flags.includes("permanent"), t.dynamic === true, `${what}: dynamic`);
    for (
      const [mine, key] of [[a.validLifetime, "valid_life_time"], [a.preferredLifetime, "preferred_life_time"]] as const
    ) {
      if (t[key] === INFINITY_LIFETIME) assert.equal(mine, INFINITY_LIFETIME, `${what}: ${key}`);
      else assert.ok(mine !== undefined && Math.abs(mine - t[key]) <= 2, `${what}: ${key} ${mine} vs ${t[key]}`);
      n++;
    }
  }
  return n;
}

test("addresses set with ip decode as ip -j addr show reports them", async () => {
  await withNetns("rl-addr-oracle", async (ns) => {
    ip(ns, "link", "add", "a0", "type", "veth", "peer", "name", "a1");
    ip(ns, "link", "set", "a0", "up");
    ip(ns, "link", "set", "a1", "up");
    ip(ns, "addr", "add", "10.20.0.1/24", "brd", "+", "dev", "a0", "label", "a0:web");
    ip(ns, "addr", "add", "10.20.0.2/24", "dev", "a0", "valid_lft", "500", "preferred_lft", "100");
    ip(ns, "addr", "add", "10.30.0.1", "peer", "10.30.0.2/32", "dev", "a1", "scope", "link");
    ip(ns, "addr", "add", "127.0.0.2/8", "dev", "lo", "scope", "host");
    ip(ns, "addr", "add", "2001:db8:20::1/64", "dev", "a0", "nodad");
    ip(ns, "addr", "add", "2001:db8:21::1/64", "dev", "a0", "valid_lft", "300", "preferred_lft", "0", "noprefixroute");
    ip(ns, "addr", "add", "2001:db8:22::1/64", "dev", "a1", "mngtmpaddr", "nodad");
    await using sock = await open(ns);
    const ours = await collect(listAddresses(sock));
    const compared = compareWithIp(ns, ours);
    assert.ok(compared > 150, `compared ${compared} fields`);
    const by = (local: string) => ours.find((a) => a.local === local)!;
    assert.equal(by("10.20.0.1").label, "a0:web");
    assert.equal(by("10.20.0.1").broadcast, "10.20.0.255");
    assert.ok(by("10.20.0.2").flags.includes("secondary"));
    assert.equal(by("10.30.0.1").address, "10.30.0.2");
    assert.ok(by("2001:db8:21::1").flags.includes("deprecated"));
    assert.ok(by("2001:db8:22::1").flags.includes("mngtmpaddr"));
    const ci = by("10.20.0.2").cacheInfo!;
    assert.ok(ci.valid <= 500 && ci.valid >= 490 && ci.preferred <= 100 && ci.tstamp >= ci.cstamp);
  });
});

test("listAddresses filters by family and index in the kernel, matching ip -4/-6 addr show dev", async () => {
  await withNetns("rl-addr-filter", async (ns) => {
    ip(ns, "link", "add", "f0", "type", "veth", "peer", "name", "f1");
    ip(ns, "link", "set", "f0", "up");
    ip(ns, "link", "set", "f1", "up");
    ip(ns, "addr", "add", "10.40.0.1/24", "dev", "f0");
    ip(ns, "addr", "add", "10.41.0.1/24", "dev", "f1");
    ip(ns, "addr", "add", "2001:db8:40::1/64", "dev", "f0", "nodad");
    const f0 = ipJson(ns, "link", "show", "f0")[0].ifindex;
    await using sock = await open(ns);
    const v4 = await collect(listAddresses(sock, { family: "inet" }));
    assert.ok(v4.every((a) => a.family === "inet"));
    compareWithIp(ns, v4, ["-4"]);
    const v6 = await collect(listAddresses(sock, { family: "inet6" }));
    assert.ok(v6.every((a) => a.family === "inet6"));
    compareWithIp(ns, v6, ["-6"]);
    const onF0 = await collect(listAddresses(sock, { index: f0 }));
    assert.ok(onF0.length >= 2 && onF0.every((a) => a.index === f0));
    compareWithIp(ns, onF0, [], ["dev", "f0"]);
    const v4F0 = await collect(listAddresses(sock, { family: "inet", index: f0 }));
    assert.deepEqual(v4F0.map((a) => a.local), ["10.40.0.1"]);
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await assert.rejects(collect(listAddresses(sock, { signal: ac.signal })), /stop/);
  });
});

test("addresses added with addAddress read back with ip -j addr show; replace; delete", async () => {
  await withNetns("rl-addr-add", async (ns) => {
    ip(ns, "link", "add", "w0", "type", "veth", "peer", "name", "w1");
    ip(ns, "link", "set", "w0", "up");
    const w1 = ipJson(ns, "link", "show", "w1")[0].ifindex;
    await using sock = await open(ns);
    await addAddress(sock, { name: "w0", address: "10.50.0.1/24", broadcast: "+", label: "w0:one" });
    await addAddress(sock, {
      name: "w0",
      address: "10.51.0.9/24",
      validLifetime: 1000,
      preferredLifetime: 600,
      scope: "link",
      metric: 77,
    });
    await addAddress(sock, { index: w1, address: "10.60.0.1", peer: "10.60.0.2/32" });
    await addAddress(sock, { name: "w0", address: "2001:db8:50::1/64", flags: ["nodad", "noprefixroute"] });
    await addAddress(sock, { name: "w0", address: "2001:db8:51::1/64", flags: ["nodad"], validLifetime: 900 });

    const info = (dev: string) => ipJson(ns, "addr", "show", "dev", dev)[0].addr_info as any[];
    const w0 = info("w0");
    const a1 = w0.find((a) => a.local === "10.50.0.1");
    assert.equal(a1.prefixlen, 24);
    assert.equal(a1.broadcast, "10.50.0.255");
    assert.equal(a1.label, "w0:one");
    assert.equal(a1.valid_life_time, INFINITY_LIFETIME);
    const a9 = w0.find((a) => a.local === "10.51.0.9");
    assert.equal(a9.scope, "link");
    assert.ok(a9.valid_life_time <= 1000 && a9.valid_life_time > 990);
    assert.ok(a9.preferred_life_time <= 600 && a9.preferred_life_time > 590);
    assert.equal(a9.dynamic, true);
    const route = ipJson(ns, "route", "show", "10.51.0.0/24", "dev", "w0");
    assert.ok(route.some((r: any) => r.metric === 77), "prefix route carries the metric");
    const peer = info("w1").find((a) => a.local === "10.60.0.1");
    assert.equal(peer.address, "10.60.0.2");
    assert.equal(peer.prefixlen, 32);
    const v6 = w0.find((a) => a.local === "2001:db8:50::1");
    assert.equal(v6.nodad, true);
    assert.equal(v6.noprefixroute, true);
    assert.equal(w0.find((a) => a.local === "2001:db8:51::1").valid_life_time <= 900, true);

    // Our decoder agrees with ip on what we wrote.
    compareWithIp(ns, await collect(listAddresses(sock)));

    // EEXIST without replace; replace changes the lifetime in place.
    await assert.rejects(addAddress(sock, { name: "w0", address: "10.50.0.1/24" }), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "EEXIST");
      assert.equal(e.messageTypeName, "RTM_NEWADDR");
      return true;
    });
    await addAddress(sock, { name: "w0", address: "10.50.0.1/24", validLifetime: 400, label: "w0:one" }, {
      replace: true,
    });
    const replaced = info("w0").filter((a) => a.local === "10.50.0.1");
    assert.equal(replaced.length, 1);
    assert.ok(replaced[0].valid_life_time <= 400);

    await deleteAddress(sock, { name: "w0", address: "10.51.0.9/24" });
    await deleteAddress(sock, { name: "w0", address: "2001:db8:50::1/64" });
    await deleteAddress(sock, { index: w1, address: "10.60.0.1", peer: "10.60.0.2/32" });
    const left = ipJson(ns, "addr", "show").flatMap((l: any) => l.addr_info.map((a: any) => a.local));
    for (const gone of ["10.51.0.9", "2001:db8:50::1", "10.60.0.1"]) assert.ok(!left.includes(gone), gone);
    assert.ok(left.includes("10.50.0.1") && left.includes("2001:db8:51::1"));
  });
});

test("kernel errors: EADDRNOTAVAIL, ENODEV, and ext-ACK text on an invalid request", async () => {
  await withNetns("rl-addr-errors", async (ns) => {
    ip(ns, "link", "add", "x0", "type", "veth", "peer", "name", "x1");
    await using sock = await open(ns);
    const err = async (p: Promise<unknown>) => {
      const e = await p.then(() => undefined, (x) => x);
      assert.ok(e instanceof NetlinkError, `expected NetlinkError, got ${e}`);
      return e;
    };
    const missing = await err(deleteAddress(sock, { name: "x0", address: "10.70.0.1/24" }));
    assert.equal(missing.code, "EADDRNOTAVAIL");
    assert.equal(missing.messageTypeName, "RTM_DELADDR");
    const nodev = await err(addAddress(sock, { index: 999999, address: "10.70.0.1/24" }));
    assert.equal(nodev.code, "ENODEV");
    const noname = await err(addAddress(sock, { name: "nosuch", address: "10.70.0.1/24" }));
    assert.equal(noname.code, "ENODEV");
    const zero = await err(addAddress(sock, { name: "x0", address: "10.70.0.1/24", validLifetime: 0 }));
    assert.equal(zero.code, "EINVAL");
    assert.match(zero.extAck?.message ?? "", /lifetime/);
    assert.match(zero.message, /RTM_NEWADDR failed with EINVAL: .*lifetime/);
    assert.deepEqual(ipJson(ns, "addr", "show", "dev", "x0")[0].addr_info, [], "nothing was added");
  });
});

test("bad input is refused before anything is sent (a closed socket would say ClosedError)", async () => {
  const sock = await NetlinkSocket.open("route", { describeType: rtmName });
  await sock.close();
  const refuses = async (p: Promise<unknown>, kind: typeof TypeError | typeof AddressError, text: RegExp) => {
    const e = await p.then(() => undefined, (err) => err);
    assert.ok(e instanceof kind, `expected ${kind.name}, got ${e}`);
    assert.match(e.message, text);
  };
  await refuses(addAddress(sock, { name: "e0", address: "10.0.0.1/33" }), AddressError, /out of range/);
  await refuses(addAddress(sock, { name: "e0", address: "2001:db8::1/129" }), AddressError, /out of range/);
  await refuses(addAddress(sock, { name: "e0", address: "10.0.0.256/24" }), AddressError, /IPv4/);
  await refuses(addAddress(sock, { name: "e0", address: "not-an-address" }), AddressError, /address/);
  await refuses(addAddress(sock, { name: "e0", address: "10.0.0.1/24/1" }), AddressError, /prefix/);
  await refuses(addAddress(sock, { name: "sixteen-chars-xx", address: "10.0.0.1/24" }), TypeError, /at most 15/);
  await refuses(addAddress(sock, { address: "10.0.0.1/24" }), TypeError, /exactly one/);
  await refuses(addAddress(sock, { index: 1, name: "lo", address: "10.0.0.1/24" }), TypeError, /exactly one/);
  await refuses(addAddress(sock, { index: 1, address: "10.0.0.1/24", peer: "::1" }), AddressError, /family/);
  await refuses(addAddress(sock, { index: 1, address: "::2/64", label: "lo:x" }), TypeError, /IPv4 addresses only/);
  await refuses(addAddress(sock, { index: 1, address: "10.0.0.1/8", label: "l".repeat(16) }), TypeError, /15/);
  await refuses(
    addAddress(sock, { index: 1, address: "10.0.0.1/8", validLifetime: 10, preferredLifetime: 20 }),
    TypeError,
    /longer/,
  );
  await refuses(addAddress(sock, { index: 1, address: "10.0.0.1/8", scope: "galaxy" as "global" }), TypeError, /scope/);
  await refuses(addAddress(sock, { index: 1, address: "10.0.0.1/8", flags: ["bogus" as "nodad"] }), TypeError, /flag/);
  await refuses(deleteAddress(sock, { index: -3, address: "10.0.0.1/8" }), TypeError, /index/);
  await assert.rejects(collect(listAddresses(sock, { family: "ipx" as "inet" })), TypeError);
});

// ---- captured bytes ----

function fixture(name: string): NetlinkMessage {
  const bytes = hexFile(new URL(`./fixtures/${name}.hex`, import.meta.url));
  return parseMessages(bytes)[0];
}

test("captured RTM_NEWADDR bytes decode to the configuration they were captured from", () => {
  // Captured from: 10.9.0.1/24 brd + label ve1:x; 2001:db8::1/64 nodad valid_lft 300 preferred_lft 200 noprefixroute.
  const v4 = decodeAddress(fixture("addr-inet-label"));
  assert.equal(v4.family, "inet");
  assert.equal(v4.local, "10.9.0.1");
  assert.equal(v4.address, "10.9.0.1");
  assert.equal(v4.prefixLength, 24);
  assert.equal(v4.broadcast, "10.9.0.255");
  assert.equal(v4.label, "ve1:x");
  assert.equal(v4.scope, "global");
  assert.deepEqual(v4.flags, ["permanent"]);
  assert.equal(v4.validLifetime, INFINITY_LIFETIME);
  const v6 = decodeAddress(fixture("addr-inet6-lifetime"));
  assert.equal(v6.family, "inet6");
  assert.equal(v6.local, "2001:db8::1");
  assert.equal(v6.prefixLength, 64);
  assert.ok(v6.flags.includes("nodad") && v6.flags.includes("noprefixroute") && !v6.flags.includes("permanent"));
  assert.ok(v6.validLifetime! <= 300 && v6.validLifetime! > 250);
  assert.ok(v6.preferredLifetime! <= 200 && v6.preferredLifetime! > 150);
  assert.equal(v6.label, undefined);
  assert.deepEqual(v6.unknown, []);
});

test("addressFlagNames names IPv6 secondary as temporary and unknown bits as hex", () => {
  assert.deepEqual(addressFlagNames(0x01 | 0x80, 2), ["secondary", "permanent"]);
  assert.deepEqual(addressFlagNames(0x01 | 0x100, 10), ["temporary", "mngtmpaddr"]);
  assert.deepEqual(addressFlagNames(0x10000, 2), ["0x10000"]);
});

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s;
  };
}

function decodesOrParseError(msg: NetlinkMessage, what: string): "ok" | "parse" {
  try {
    decodeAddress(msg);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof ParseError, `${what}: ${e}`);
    return "parse";
  }
}

test("decodeAddress on truncated, corrupted and garbage bytes gives ParseError, never another error", () => {
  let refused = 0;
  for (const name of ["addr-inet-label", "addr-inet6-lifetime"]) {
    const msg = fixture(name);
    for (let len = 0; len < msg.payload.length; len++) {
      if (decodesOrParseError({ ...msg, payload: msg.payload.slice(0, len) }, `${name} cut at ${len}`) === "parse") {
        refused++;
      }
    }
    const rand = prng(name.length);
    for (let i = 0; i < 500; i++) {
      const payload = msg.payload.slice();
      for (let k = 0; k < 3; k++) payload[rand() % payload.length] = rand() & 0xff;
      decodesOrParseError({ ...msg, payload }, `${name} corrupted #${i}`);
    }
  }
  assert.ok(refused > 10, `${refused} truncations refused`);
  const rand = prng(99);
  for (let i = 0; i < 500; i++) {
    const payload = new Uint8Array(rand() % 120).map(() => rand() & 0xff);
    decodesOrParseError({ type: 20, flags: 0, seq: 0, pid: 0, payload }, `garbage #${i}`);
  }
  assert.throws(() => decodeAddress({ type: 20, flags: 0, seq: 0, pid: 0, payload: new Uint8Array(7) }), ParseError);
  const shortLocal = new Uint8Array(8 + 8);
  shortLocal[0] = 2; // AF_INET
  shortLocal.set([7, 0, 2, 0, 10, 0, 0], 8); // IFA_LOCAL with 3 bytes
  assert.throws(() => decodeAddress({ type: 20, flags: 0, seq: 0, pid: 0, payload: shortLocal }), ParseError);
  // An address of the other family's size (uapi bytes: IFA_ADDRESS of 16 bytes in an AF_INET message, and of 4 in an
  // AF_INET6 one) is refused, naming the attribute; a family this module does not know takes either size.
  const sized = (family: number, size: number) => {
    const payload = new Uint8Array(8 + 4 + size);
    payload[0] = family;
    payload.set([4 + size, 0, 1, 0], 8);
    return { type: 20, flags: 0, seq: 0, pid: 0, payload };
  };
  assert.throws(
    () => decodeAddress(sized(2, 16)),
    (e: Error) => e instanceof ParseError && /address\.address: ip of 16 bytes \(expected 4\)/.test(e.message),
  );
  assert.throws(
    () => decodeAddress(sized(10, 4)),
    (e: Error) => e instanceof ParseError && /address\.address: ip of 4 bytes \(expected 16\)/.test(e.message),
  );
  assert.equal(decodeAddress(sized(2, 4)).address, "0.0.0.0");
  assert.equal(decodeAddress(sized(10, 16)).address, "::");
  assert.equal(decodeAddress(sized(7, 16)).address, "::");
  const shortCache = new Uint8Array(8 + 12);
  shortCache.set([12, 0, 6, 0], 8); // IFA_CACHEINFO with 8 bytes
  assert.throws(() => decodeAddress({ type: 20, flags: 0, seq: 0, pid: 0, payload: shortCache }), ParseError);
});
