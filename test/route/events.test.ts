// The typed rtnetlink event stream, and namespace ids; real kernel in private namespaces, iproute2 as oracle.
import { hexFile } from "../helpers/fixtures.ts";
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { rtmName } from "../../src/route/constants.ts";
import { ip, ipBatch, ipJson, sh, withNetns } from "../helpers/netns.ts";
import { loadLibc } from "../../ffi/mod.ts";
import { NetlinkError, type NetlinkMessage, NetlinkSocket, Overrun, ParseError, parseMessages } from "../../mod.ts";
import { decodeRouteEvent, type RouteEvent, type RouteEventStream, subscribe } from "../../src/route/events.ts";
import { decodeNsid, getNsid, listNsids, type NetnsId, setNsid } from "../../src/route/nsid.ts";

function fixture(name: string): NetlinkMessage {
  return parseMessages(hexFile(new URL(`./fixtures/${name}.hex`, import.meta.url)))[0];
}

/** An RTM_NEWNSID as the kernel sends it (struct rtgenmsg, padded, then NETNSA_NSID and NETNSA_CURRENT_NSID). */
function nsidMessage(type: number, nsid: number, current?: number): NetlinkMessage {
  const payload = new Uint8Array(current === undefined ? 12 : 20);
  const dv = new DataView(payload.buffer);
  dv.setUint16(4, 8, true);
  dv.setUint16(6, 1, true);
  dv.setInt32(8, nsid, true);
  if (current !== undefined) {
    dv.setUint16(12, 8, true);
    dv.setUint16(14, 5, true);
    dv.setInt32(16, current, true);
  }
  return { type, flags: 0, seq: 0, pid: 0, payload };
}

test("decodeNsid: hand-built messages from the uapi layout; truncated and garbage input gives ParseError", () => {
  assert.deepEqual(decodeNsid(nsidMessage(88, 5)), { nsid: 5, unknown: [] });
  assert.deepEqual(decodeNsid(nsidMessage(88, 4, -1)), { nsid: 4, currentNsid: -1, unknown: [] });
  const full = nsidMessage(88, 4, 0);
  for (let len = 0; len < full.payload.length; len++) {
    try {
      decodeNsid({ ...full, payload: full.payload.slice(0, len) });
    } catch (e) {
      assert.ok(e instanceof ParseError, `cut at ${len}: ${e}`);
    }
  }
  assert.throws(() => decodeNsid({ ...full, payload: new Uint8Array(4) }), /without NETNSA_NSID/);
  let seed = 99;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = 0; i < 2000; i++) {
    const payload = new Uint8Array(rand() % 40).map(() => rand());
    try {
      decodeNsid({ type: 88, flags: 0, seq: 0, pid: 0, payload });
    } catch (e) {
      assert.ok(e instanceof ParseError, `garbage ${i}: ${e}`);
    }
  }
});

test("decodeRouteEvent: captured neighbour and rule messages become typed events; bad bytes become unknown with the error", () => {
  const neigh = decodeRouteEvent({ ...fixture("neigh-ipv4-permanent"), source: 0, group: 3 });
  assert.equal(neigh.kind, "neighbour");
  if (neigh.kind === "neighbour") {
    assert.equal(neigh.action, "new");
    assert.equal(neigh.neighbour.dst, "10.1.0.2");
  }
  const ruleMsg = fixture("rule-ipv4-not-goto");
  const rule = decodeRouteEvent({ ...ruleMsg, type: 33 });
  assert.ok(rule.kind === "rule" && rule.action === "del" && rule.rule.goto === 200);
  const nsid = decodeRouteEvent(nsidMessage(89, 3));
  assert.ok(nsid.kind === "nsid" && nsid.action === "del" && nsid.nsid.nsid === 3);
  const other = { type: 92, flags: 0, seq: 0, pid: 0, payload: new Uint8Array(8) }; // RTM_NEWSTATS
  assert.deepEqual(decodeRouteEvent(other), { kind: "unknown", message: other });
  // Every event type with a short fixed header, or an attribute running past the end: never a throw,
  // an `unknown` event carrying the ParseError instead.
  const headers: Record<number, number> = { 16: 16, 20: 8, 24: 12, 28: 12, 32: 12, 88: 4, 104: 8 };
  for (const [newType, size] of Object.entries(headers)) {
    for (const type of [Number(newType), Number(newType) + 1]) {
      const payloads = [new Uint8Array(0), new Uint8Array(size - 1).fill(0xff), new Uint8Array(size + 4)];
      payloads[2].set([0xff, 0xff, 1, 0], size); // nla_len 65535
      for (const payload of payloads) {
        const e = decodeRouteEvent({ type, flags: 0, seq: 0, pid: 0, payload });
        assert.equal(e.kind, "unknown", `type ${type} len ${payload.length}`);
        if (e.kind === "unknown") assert.ok(e.error instanceof ParseError, `type ${type} len ${payload.length}`);
      }
    }
  }
});

function nsidsByIp(ns: string, ...args: string[]): { nsid: number; "current-nsid"?: number; name?: string }[] {
  return ipJson(ns, "netns", "list-id", ...args);
}

test("namespace ids: setNsid by name and by fd (a kernel-picked id); getNsid; listNsids like ip netns list-id", async () => {
  await withNetns("rn-nsid-a", (a) =>
    withNetns("rn-nsid-b", (b) =>
      withNetns("rn-nsid-c", async (c) => {
        await using sock = await NetlinkSocket.open("route", { netns: a, describeType: rtmName });
        assert.equal(await getNsid(sock, { name: b }), undefined);
        await setNsid(sock, { name: b }, 7);
        const libc = await loadLibc();
        const fd = libc.open(`/run/netns/${c}`, 0x80000);
        assert.ok(fd >= 0);
        try {
          await setNsid(sock, { fd }, -1); // the kernel picks
          const picked = await getNsid(sock, { fd });
          assert.equal(typeof picked, "number");
          const byIp = nsidsByIp(a);
          assert.deepEqual(
            byIp.sort((x, y) => x.nsid - y.nsid),
            [{ nsid: picked!, name: c }, { nsid: 7, name: b }].sort((x, y) => x.nsid - y.nsid),
          );
        } finally {
          libc.close(fd);
        }
        assert.equal(await getNsid(sock, { name: b }), 7);
        const ours: NetnsId[] = [];
        for await (const id of listNsids(sock)) ours.push(id);
        assert.deepEqual(
          ours.map((i) => i.nsid).sort(),
          nsidsByIp(a).map((i) => i.nsid).sort(),
        );
        try {
          await setNsid(sock, { name: b }, 8);
          assert.fail("a namespace with an id cannot get another");
        } catch (e) {
          assert.ok(e instanceof NetlinkError && e.code === "EEXIST", String(e));
        }
        // Ids seen from b (target-nsid 7), each with the id a gives the same peer.
        ip(b, "netns", "set", a, "3");
        ip(b, "netns", "set", c, "4");
        const filtered: NetnsId[] = [];
        for await (const id of listNsids(sock, { targetNsid: 7 })) filtered.push(id);
        const expected = nsidsByIp(a, "target-nsid", "7").map((i) => ({
          nsid: i.nsid,
          currentNsid: i["current-nsid"] ?? -1,
        }));
        assert.deepEqual(
          filtered.map((i) => ({ nsid: i.nsid, currentNsid: i.currentNsid })).sort((x, y) => x.nsid - y.nsid),
          expected.sort((x, y) => x.nsid - y.nsid),
        );
        assert.ok(filtered.some((i) => i.nsid === 3 && i.currentNsid === -1));
        await assert.rejects(setNsid(sock, { pid: 1 }, -2), TypeError);
        await assert.rejects(getNsid(sock, { name: "nlts-rn-no-such-namespace" }), /ENOENT/);
      })));
});

/** Reads `stream` until every check has matched some event, or fails after `ms` naming what is missing. */
async function expectEvents(
  stream: RouteEventStream,
  checks: Record<string, (e: RouteEvent) => boolean>,
  ms = 10_000,
): Promise<(RouteEvent | Overrun)[]> {
  const missing = new Set(Object.keys(checks));
  const seen: (RouteEvent | Overrun)[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  try {
    while (missing.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), deadline - Date.now())));
      const next = await Promise.race([iterator.next(), timeout]).finally(() => clearTimeout(timer));
      if (next === "timeout" || next.done) break;
      seen.push(next.value);
      const value = next.value;
      if (value instanceof Overrun) {
        missing.delete("overrun");
        continue;
      }
      for (const name of missing) if (name !== "overrun" && checks[name](value)) missing.delete(name);
    }
  } finally {
    await stream.close(); // ends a pending next(), so return() cannot wait forever
    await iterator.return?.();
  }
  assert.deepEqual(
    [...missing],
    [],
    `events never seen (saw ${seen.map((e) => (e instanceof Overrun ? "overrun" : e.kind)).join(",")})`,
  );
  return seen;
}

test("subscribe: every kind of event, made for real by ip, arrives typed (link, address, route, nexthop, neighbour, rule, nsid)", async () => {
  await withNetns("rn-events", (ns) =>
    withNetns("rn-events-peer", async (peer) => {
      const events = subscribe(
        [
          "link",
          "ipv4_ifaddr",
          "ipv6_ifaddr",
          "ipv4_route",
          "ipv6_route",
          "neigh",
          "ipv4_rule",
          "ipv6_rule",
          "nexthop",
          "nsid",
        ],
        { netns: ns, rcvbuf: 1 << 20 },
      );
      await events.ready;
      assert.ok(events.groups.includes(32), "nexthop is group 32, joined with ADD_MEMBERSHIP");
      const run = (...a: string[]) => ip(ns, ...a);
      run("link", "add", "ev0", "type", "veth", "peer", "name", "ev1");
      run("link", "set", "ev0", "up");
      run("link", "set", "ev1", "up");
      run("addr", "add", "10.3.0.1/24", "dev", "ev0");
      run("addr", "add", "2001:db8:3::1/64", "dev", "ev0", "nodad");
      run("route", "add", "10.4.0.0/24", "via", "10.3.0.2");
      run("route", "del", "10.4.0.0/24", "via", "10.3.0.2");
      run("-6", "route", "add", "2001:db8:4::/64", "via", "2001:db8:3::2");
      run("-6", "route", "del", "2001:db8:4::/64", "via", "2001:db8:3::2");
      run("neigh", "add", "10.3.0.2", "lladdr", "02:00:00:00:03:02", "dev", "ev0", "nud", "permanent");
      run("neigh", "del", "10.3.0.2", "dev", "ev0");
      run("rule", "add", "pref", "100", "from", "10.5.0.0/16", "table", "100");
      run("rule", "del", "pref", "100");
      run("-6", "rule", "add", "pref", "101", "to", "2001:db8:5::/48", "table", "101");
      run("-6", "rule", "del", "pref", "101");
      run("nexthop", "add", "id", "10", "via", "10.3.0.2", "dev", "ev0");
      run("nexthop", "del", "id", "10");
      run("netns", "set", peer, "5");
      run("addr", "del", "10.3.0.1/24", "dev", "ev0");
      run("addr", "del", "2001:db8:3::1/64", "dev", "ev0");
      run("link", "del", "ev0");
      const ev0 = (e: RouteEvent, action: string) => e.kind === "link" && e.action === action && e.link.name === "ev0";
      const addr = (e: RouteEvent, action: string, local: string) =>
        e.kind === "address" && e.action === action && e.address.local === local && e.address.prefixLength > 0 &&
        e.address.index > 0;
      const route = (e: RouteEvent, action: string, dst: string) =>
        e.kind === "route" && e.action === action && e.route.dst === dst && e.route.gateway !== undefined;
      const seen = await expectEvents(events, {
        "link new": (e) => ev0(e, "new"),
        "link del": (e) => ev0(e, "del"),
        "address new v4": (e) => addr(e, "new", "10.3.0.1"),
        "address new v6": (e) => addr(e, "new", "2001:db8:3::1"),
        "address del v4": (e) => addr(e, "del", "10.3.0.1"),
        "address del v6": (e) => addr(e, "del", "2001:db8:3::1"),
        "route new v4": (e) => route(e, "new", "10.4.0.0") && e.kind === "route" && e.route.gateway === "10.3.0.2",
        "route del v4": (e) => route(e, "del", "10.4.0.0"),
        "route new v6": (e) => route(e, "new", "2001:db8:4::"),
        "route del v6": (e) => route(e, "del", "2001:db8:4::"),
        "neighbour new": (e) =>
          e.kind === "neighbour" && e.action === "new" && e.neighbour.dst === "10.3.0.2" &&
          e.neighbour.lladdr === "02:00:00:00:03:02" && e.neighbour.state.includes("PERMANENT"),
        "neighbour del": (e) => e.kind === "neighbour" && e.action === "del" && e.neighbour.dst === "10.3.0.2",
        "rule new v4": (e) =>
          e.kind === "rule" && e.action === "new" && e.rule.priority === 100 && e.rule.src === "10.5.0.0" &&
          e.rule.srcLength === 16 && e.rule.table === 100,
        "rule del v4": (e) => e.kind === "rule" && e.action === "del" && e.rule.priority === 100,
        "rule new v6": (e) =>
          e.kind === "rule" && e.action === "new" && e.rule.family === "inet6" && e.rule.dst === "2001:db8:5::" &&
          e.rule.table === 101,
        "rule del v6": (e) => e.kind === "rule" && e.action === "del" && e.rule.priority === 101,
        "nexthop new": (e) =>
          e.kind === "nexthop" && e.action === "new" && e.nexthop.id === 10 && e.nexthop.gateway === "10.3.0.2",
        "nexthop del": (e) => e.kind === "nexthop" && e.action === "del" && e.nexthop.id === 10,
        "nsid new": (e) => e.kind === "nsid" && e.action === "new" && e.nsid.nsid === 5,
      });
      assert.ok(seen.every((e) => !(e instanceof Overrun) && e.kind !== "unknown"), "everything decoded, nothing lost");
    }));
});

test("subscribe: the nsid of a deleted peer namespace goes away with a del event; overrun is reported, not silent", async () => {
  await withNetns("rn-events-nsid", async (ns) => {
    const peer = `nlts-rn-events-gone-${process.pid}`;
    sh("ip", ["netns", "add", peer]);
    let deleted = false;
    try {
      const events = subscribe(["nsid"], { netns: ns });
      await events.ready;
      ip(ns, "netns", "set", peer, "9");
      sh("ip", ["netns", "del", peer]);
      deleted = true;
      await expectEvents(events, {
        "nsid new": (e) => e.kind === "nsid" && e.action === "new" && e.nsid.nsid === 9,
        "nsid del": (e) => e.kind === "nsid" && e.action === "del" && e.nsid.nsid === 9,
      });
    } finally {
      if (!deleted) sh("ip", ["netns", "del", peer]);
    }
    // A tiny receive buffer and a burst of changes overflow it: an overrun event marks the loss.
    const small = subscribe(["link", "ipv4_ifaddr"], { netns: ns, rcvbuf: 1 });
    await small.ready;
    const cmds: string[] = [];
    for (let i = 0; i < 50; i++) cmds.push(`link add ov${i} type veth peer name ow${i}`);
    ipBatch(ns, cmds.join("\n") + "\n");
    const got = await expectEvents(small, { overrun: () => false }); // matched by an Overrun item only
    assert.ok(got.some((e) => e instanceof Overrun && e.where === "kernel"), "an Overrun item from the kernel");
  });
});

test("subscribe: unknown group names are refused; an aborted stream closes and its iteration ends (returns)", async () => {
  assert.throws(() => subscribe(["bogus" as "link"]), /unknown rtnetlink group/);
  assert.throws(() => subscribe([]), TypeError);
  const controller = new AbortController();
  const events = subscribe(["link"], { signal: controller.signal });
  await events.ready;
  const pending = (async () => {
    for await (const _ of events) { /* nothing happens on the host's links in a test, usually */ }
  })();
  setTimeout(() => controller.abort(new Error("stop")), 50);
  await pending; // ends, as close() would end it: no throw
  assert.equal(events.closed, true);
  // Iterating twice is refused.
  await assert.rejects(
    (async () => {
      for await (const _ of events) break;
    })(),
    /only once/,
  );
});
