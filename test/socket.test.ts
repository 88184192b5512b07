// NetlinkSocket against the real kernel, in private namespaces.
import assert from "node:assert/strict";
import { test } from "./helpers/harness.ts";
import { fdCount, ip, ipBatch, ipJson, sh, withNetns } from "./helpers/netns.ts";
import {
  Attrs,
  ClosedError,
  Flags,
  MessageWriter,
  NetlinkError,
  type NetlinkMessage,
  NetlinkSocket,
  Overrun,
} from "../mod.ts";
import { parseIPv4, str } from "../src/wire/values.ts";

const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_GETADDR = 22, RTM_GETROUTE = 26;
const IFLA_IFNAME = 3, RTA_DST = 1, RTA_TABLE = 15;
const RTNLGRP_LINK = 1;

function getLinks(): Uint8Array {
  const m = new MessageWriter(RTM_GETLINK, Flags.DUMP);
  m.struct(16);
  return m.finish();
}

function linkName(msg: NetlinkMessage): string | undefined {
  return Attrs.parse(msg.payload.subarray(16)).str(IFLA_IFNAME);
}

test("open binds a port id and joins groups by number, above 32 too", async () => {
  await using sock = await NetlinkSocket.open("route", { groups: [RTNLGRP_LINK] });
  assert.ok(sock.portId > 0);
  sock.join(33); // RTNLGRP_BRVLAN: above 32, only reachable with ADD_MEMBERSHIP
  assert.deepEqual(sock.memberships(), [RTNLGRP_LINK, 33]);
  sock.leave(RTNLGRP_LINK);
  assert.deepEqual(sock.memberships(), [33]);
});

test("link dump in a namespace matches ip -j link", async () => {
  await withNetns("sock-links", async (ns) => {
    ip(ns, "link", "add", "va0", "type", "veth", "peer", "name", "vb0");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const names: string[] = [];
    for await (const msg of sock.dump(getLinks())) {
      assert.equal(msg.type, RTM_NEWLINK);
      names.push(linkName(msg)!);
    }
    const expected = ipJson<{ ifname: string }[]>(ns, "link", "show").map((l) => l.ifname);
    assert.deepEqual(names.sort(), expected.sort());
    assert.ok(names.includes("va0") && names.includes("vb0"));
  });
});

test("a socket opened in a namespace leaves the host socket and thread where they were", async () => {
  await withNetns("sock-where", async (ns) => {
    await using host = await NetlinkSocket.open("route");
    await using inside = await NetlinkSocket.open("route", { netns: ns });
    let insideCount = 0;
    for await (const _ of inside.dump(getLinks())) insideCount++;
    assert.equal(insideCount, 1, "a fresh namespace has only lo");
    const hostNames: string[] = [];
    for await (const msg of host.dump(getLinks())) hostNames.push(linkName(msg)!);
    const expected = (JSON.parse(sh("ip", ["-j", "link", "show"])) as { ifname: string }[]).map((l) => l.ifname);
    assert.deepEqual(hostNames.sort(), expected.sort());
    // The JS thread is back in its own namespace: a new plain socket sees the host.
    await using again = await NetlinkSocket.open("route");
    let againCount = 0;
    for await (const _ of again.dump(getLinks())) againCount++;
    assert.equal(againCount, expected.length);
  });
});

test("RTM_GETROUTE dump of 10,000 routes matches ip -j route show", async () => {
  await withNetns("sock-routes", async (ns) => {
    ip(ns, "link", "add", "r0", "type", "veth", "peer", "name", "r1");
    ip(ns, "link", "set", "r0", "up");
    ip(ns, "link", "set", "r1", "up");
    ip(ns, "addr", "add", "10.255.0.1/24", "dev", "r0");
    let batch = "";
    for (let i = 0; i < 10_000; i++) batch += `route add 10.${(i >> 8) & 255}.${i & 255}.0/24 via 10.255.0.2\n`;
    ipBatch(ns, batch);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const req = new MessageWriter(RTM_GETROUTE, Flags.DUMP);
    req.struct(12).setUint8(0, 2); // rtm_family = AF_INET
    const ours: string[] = [];
    let datagramsSeen = 0;
    for await (const msg of sock.dump(req.finish())) {
      datagramsSeen++;
      const attrs = Attrs.parse(msg.payload.subarray(12));
      if (attrs.u32(RTA_TABLE) !== 254) continue;
      const dstLen = msg.payload[1];
      const dst = attrs.ip(RTA_DST);
      ours.push(dst === undefined ? "default" : dstLen === 32 ? dst : `${dst}/${dstLen}`);
    }
    const theirs = ipJson<{ dst: string }[]>(ns, "route", "show").map((r) => r.dst);
    assert.equal(theirs.length, 10_001); // plus the connected 10.255.0.0/24
    assert.equal(ours.length, theirs.length);
    assert.deepEqual(ours.sort(), theirs.sort());
    assert.ok(datagramsSeen > 10_000);
  });
}, { timeout: 60_000 });

test("RTNLGRP_LINK: ip link add and del of a veth reach the iterator", async () => {
  await withNetns("sock-events", async (ns) => {
    await using sock = await NetlinkSocket.open("route", { netns: ns, groups: [RTNLGRP_LINK] });
    const events = sock.notifications();
    ip(ns, "link", "add", "ev0", "type", "veth", "peer", "name", "ev1");
    const seen = new Map<string, number[]>();
    const next = async () => {
      const r = await events.next();
      assert.ok(!r.done);
      const item = r.value;
      assert.ok(!(item instanceof Overrun));
      assert.equal(item.group, RTNLGRP_LINK);
      assert.equal(item.source, 0);
      const name = linkName(item)!;
      seen.set(name, [...(seen.get(name) ?? []), item.type]);
    };
    while (!(seen.get("ev0")?.includes(RTM_NEWLINK) && seen.get("ev1")?.includes(RTM_NEWLINK))) await next();
    ip(ns, "link", "del", "ev0");
    while (!(seen.get("ev0")?.includes(RTM_DELLINK) && seen.get("ev1")?.includes(RTM_DELLINK))) await next();
    await events.return();
  });
});

test("deleting a missing link is ENODEV with the message type", async () => {
  await withNetns("sock-enodev", async (ns) => {
    await using sock = await NetlinkSocket.open("route", {
      netns: ns,
      describeType: (t) => (t === RTM_DELLINK ? "RTM_DELLINK" : undefined),
    });
    const del = new MessageWriter(RTM_DELLINK);
    del.struct(16).setInt32(4, 4242, true);
    await assert.rejects(sock.request(del.finish()), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "ENODEV");
      assert.equal(e.errno, 19);
      assert.equal(e.messageType, RTM_DELLINK);
      assert.match(e.message, /RTM_DELLINK failed with ENODEV/);
      return true;
    });
  });
});

test("an invalid dump request returns the kernel's extended-ACK text", async () => {
  await using sock = await NetlinkSocket.open("route"); // strict checking is on by default
  const req = new MessageWriter(RTM_GETADDR, Flags.DUMP);
  req.struct(8).setUint8(1, 24); // ifa_prefixlen must be 0 in a strict dump request
  const consume = async () => {
    for await (const _ of sock.dump(req.finish())) { /* nothing */ }
  };
  await assert.rejects(consume(), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "EINVAL");
    assert.match(e.extAck?.message ?? "", /Invalid values in header for address dump request/);
    return true;
  });
  // The socket still works afterwards.
  let n = 0;
  for await (const _ of sock.dump(getLinks())) n++;
  assert.ok(n >= 1);
});

test("an invalid attribute is reported with its offset", async () => {
  await withNetns("sock-offset", async (ns) => {
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const add = new MessageWriter(RTM_NEWLINK, Flags.CREATE | Flags.EXCL);
    add.struct(16);
    add.str(IFLA_IFNAME, "x".repeat(20)); // longer than IFNAMSIZ
    const bytes = add.finish();
    await assert.rejects(sock.request(bytes), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "ERANGE");
      assert.equal(e.extAck?.message, "Attribute failed policy validation");
      assert.ok(e.extAck?.policy && e.extAck.policy.length > 0);
      assert.equal(e.extAck?.offset, 32, "the IFLA_IFNAME attribute starts after nlmsghdr + ifinfomsg");
      return true;
    });
  });
});

test("100 concurrent requests on one socket are each answered with their own reply", async () => {
  await withNetns("sock-concurrent", async (ns) => {
    for (let i = 0; i < 10; i++) ip(ns, "link", "add", `c${i}a`, "type", "veth", "peer", "name", `c${i}b`);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const byIndex = new Map(
      ipJson<{ ifindex: number; ifname: string }[]>(ns, "link", "show").map((l) => [l.ifindex, l.ifname]),
    );
    const indexes = [...byIndex.keys()];
    const asks = Array.from({ length: 100 }, (_, i) => indexes[i % indexes.length]);
    const replies = await Promise.all(asks.map((index) => {
      const get = new MessageWriter(RTM_GETLINK);
      get.struct(16).setInt32(4, index, true);
      return sock.request(get.finish());
    }));
    replies.forEach((r, i) => {
      assert.equal(r.length, 1);
      assert.equal(linkName(r[0]), byIndex.get(asks[i]));
    });
  });
});

test("a request may run while a dump is streaming on the same socket", async () => {
  await using sock = await NetlinkSocket.open("route");
  const get = new MessageWriter(RTM_GETLINK);
  get.struct(16).setInt32(4, 1, true);
  let inDump = 0;
  for await (const _ of sock.dump(getLinks())) {
    if (inDump++ === 0) assert.equal(linkName((await sock.request(get.finish()))[0]), "lo");
  }
  assert.ok(inDump >= 1);
});

test("break out of a dump drains it: the next dump on the socket is complete", async () => {
  await withNetns("sock-break", async (ns) => {
    ip(ns, "link", "add", "b0", "type", "veth", "peer", "name", "b1");
    let batch = "";
    for (let i = 0; i < 3000; i++) batch += `route add 10.1.${i >> 8}.${i & 255}/32 dev b0\n`;
    ip(ns, "link", "set", "b0", "up");
    ipBatch(ns, batch);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const req = new MessageWriter(RTM_GETROUTE, Flags.DUMP);
    req.struct(12).setUint8(0, 2);
    const bytes = req.finish();
    for await (const _ of sock.dump(bytes)) break;
    let n = 0;
    for await (const _ of sock.dump(bytes)) n++;
    assert.ok(n >= 3000, `second dump saw ${n}`);
    assert.equal(sock.stats.stray, 0);
  });
});

test("abort ends a dump with the signal's reason and the socket stays usable", async () => {
  await using sock = await NetlinkSocket.open("route");
  const controller = new AbortController();
  const reason = new Error("stop");
  const run = async () => {
    for await (const _ of sock.dump(getLinks(), { signal: controller.signal })) controller.abort(reason);
  };
  await assert.rejects(run(), (e) => e === reason);
  let n = 0;
  for await (const _ of sock.dump(getLinks())) n++;
  assert.ok(n >= 1);
});

test("close ends pending iterators: notifications finish, requests reject with ClosedError", async () => {
  const sock = await NetlinkSocket.open("route", { groups: [RTNLGRP_LINK] });
  const events = (async () => {
    let n = 0;
    for await (const _ of sock.notifications()) n++;
    return n;
  })();
  await new Promise((r) => setTimeout(r, 20));
  await sock.close();
  assert.equal(await events, 0);
  await assert.rejects(sock.request(getLinks()), ClosedError);
});

test("1,000 open/close cycles and 1,000 abandoned dumps leave the fd count unchanged", async () => {
  // Warm up the process-wide loop (its epoll fd and eventfd) first.
  (await NetlinkSocket.open("route")).close();
  const before = fdCount();
  for (let i = 0; i < 1000; i++) {
    const s = await NetlinkSocket.open("route", { groups: [RTNLGRP_LINK] });
    await s.close();
  }
  assert.equal(fdCount(), before);
  await using sock = await NetlinkSocket.open("route");
  for (let i = 0; i < 1000; i++) {
    for await (const _ of sock.dump(getLinks())) break;
  }
  assert.equal(fdCount(), before + 1);
  assert.equal(sock.stats.stray, 0);
}, { timeout: 60_000 });

test("sending to a missing address is a typed error, not a crash", async () => {
  await using sock = await NetlinkSocket.open("usersock");
  assert.throws(() => sock.send(new MessageWriter(0x10).finish(), { portId: 0x7ffffff0 }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "ECONNREFUSED");
    return true;
  });
  assert.deepEqual(parseIPv4("1.2.3.4"), new Uint8Array([1, 2, 3, 4]));
  assert.equal(str(new Uint8Array([104, 105, 0, 0])), "hi");
});

test("a user-space sender on a kernel family is dropped, even forging a pending request's ACK", async () => {
  await using victim = await NetlinkSocket.open("route");
  await using forger = await NetlinkSocket.open("route");
  // A pending next() cannot be cancelled by return() (it queues behind it):
  // an AbortSignal ends the iterator.
  const stop = new AbortController();
  const events = victim.notifications({ signal: stop.signal });
  const pendingEvent = events.next();
  pendingEvent.catch(() => {});
  // A request that the kernel answers, and a forged ACK for it sent first.
  const seq = victim.nextSeq() + 1; // the sequence number the next request takes
  const forged = new MessageWriter(2 /* NLMSG_ERROR */);
  forged.struct(20).setInt32(0, -1, true); // errno EPERM, if it were believed
  const bytes = forged.finish(seq, 0);
  forger.send(bytes, { portId: victim.portId });
  const get = new MessageWriter(RTM_GETLINK);
  get.struct(16).setInt32(4, 1, true);
  const replies = await victim.request(get.finish());
  assert.equal(linkName(replies[0]), "lo", "the kernel's answer, not the forged error");
  // A forged notification is not delivered either.
  forger.send(new MessageWriter(RTM_NEWLINK).finish(), { portId: victim.portId });
  const winner = await Promise.race([pendingEvent, new Promise((r) => setTimeout(() => r("none"), 100))]);
  assert.equal(winner, "none");
  assert.equal(victim.stats.foreign, 2);
  stop.abort();
  await assert.rejects(pendingEvent);
});
