// JSON of the library's objects, by the one documented rule (src/wire/json.ts): every object read from this
// kernel, in every family it can produce, goes through toJson and comes back as documented — bigint as a
// number when safe (else its decimal string), bytes as hex, every other value as it was — and a bare
// JSON.stringify of it (its non-enumerable toJSON) writes exactly the same text.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, withNetns } from "../helpers/netns.ts";
import {
  Audit,
  Conntrack,
  type ConntrackEvent,
  Controller,
  ethtool,
  GenlFamily,
  jsonReplacer,
  netdev,
  type NetlinkMessage,
  parseMessages,
  RouteClient,
  SockDiag,
  taskstats,
  toJson,
  Xfrm,
} from "../../mod.ts";
import { featureStates } from "../../src/genl/mod.ts";
import { holdsRaw, withJson, withJsonIfNeeded } from "../../src/wire/json.ts";
import {
  decodeAddress,
  decodeFdbEntry,
  decodeLink,
  decodeNsid,
  decodeRoute,
  decodeRouteEvent,
  watchLinks,
} from "../../src/route/mod.ts";
import { decodeUevent } from "../../src/uevent/mod.ts";
import { decodeProcEvent } from "../../src/connector/mod.ts";
import { decodeConntrackEvent, decodeLogEntry, decodeQueuePacket, nfnlMessage } from "../../src/netfilter/mod.ts";
import { decodeXfrmEvent } from "../../src/xfrm/mod.ts";
import { decodeInetSocket, decodeUnixSocket } from "../../src/sockdiag/mod.ts";
import { hexFixtures } from "../fuzz/targets.ts";
import { ipt, sysctl } from "../netfilter/util.ts";
import { spawnNode } from "../sockdiag/helpers.ts";

/** What a walk met: how many bigints (and how many beyond 2^53), byte arrays and values in all. */
interface Tally {
  bigints: number;
  unsafe: number;
  bytes: number;
  values: number;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Asserts that `parsed` (JSON.parse of toJson(original)) is `original` under the documented rule. */
function assertRule(original: unknown, parsed: unknown, path: string, tally: Tally): void {
  tally.values++;
  if (typeof original === "bigint") {
    tally.bigints++;
    if (Number.isSafeInteger(Number(original)) && BigInt(Number(original)) === original) {
      assert.equal(parsed, Number(original), `${path}: a safe bigint is a number`);
    } else {
      tally.unsafe++;
      assert.equal(parsed, original.toString(), `${path}: an unsafe bigint is its decimal string`);
      assert.equal(BigInt(parsed as string), original, `${path}: BigInt(text) restores it`);
    }
  } else if (ArrayBuffer.isView(original)) {
    tally.bytes++;
    assert.equal(parsed, hex(new Uint8Array(original.buffer, original.byteOffset, original.byteLength)), path);
  } else if (original instanceof ArrayBuffer) {
    tally.bytes++;
    assert.equal(parsed, hex(new Uint8Array(original)), path);
  } else if (original instanceof Error) {
    assert.deepEqual(parsed, { name: original.name, message: original.message }, path);
  } else if (original instanceof Date) {
    assert.equal(parsed, original.toJSON(), path);
  } else if (Array.isArray(original)) {
    assert.ok(Array.isArray(parsed), `${path}: an array`);
    assert.equal(parsed.length, original.length, `${path}: length`);
    original.forEach((v, i) =>
      v === undefined || typeof v === "function"
        ? assert.equal(parsed[i], null, `${path}[${i}]`)
        : assertRule(v, parsed[i], `${path}[${i}]`, tally)
    );
  } else if (typeof original === "object" && original !== null) {
    assert.ok(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed), `${path}: an object`);
    const rec = original as Record<string, unknown>;
    const kept = Object.keys(rec).filter((k) => rec[k] !== undefined && typeof rec[k] !== "function");
    assert.deepEqual(Object.keys(parsed).sort(), kept.sort(), `${path}: the same keys`);
    for (const k of kept) assertRule(rec[k], (parsed as Record<string, unknown>)[k], `${path}.${k}`, tally);
  } else if (typeof original === "number" && !Number.isFinite(original)) {
    assert.equal(parsed, null, path);
  } else {
    assert.equal(parsed, original, path);
  }
}

/** toJson of every object, parsed back and compared by the rule; the tally of what was walked. */
function checkAll(what: string, objects: readonly unknown[]): Tally {
  assert.ok(objects.length > 0, `${what}: the kernel returned some`);
  const tally: Tally = { bigints: 0, unsafe: 0, bytes: 0, values: 0 };
  objects.forEach((o, i) => {
    const text = toJson(o);
    assert.equal(JSON.stringify(o, jsonReplacer), text, `${what}[${i}]: toJson is JSON.stringify with jsonReplacer`);
    assert.equal(JSON.stringify(o), text, `${what}[${i}]: a bare JSON.stringify writes the same (its toJSON)`);
    assert.ok(!Object.keys(o as object).includes("toJSON"), `${what}[${i}]: toJSON is not enumerable`);
    assertRule(o, JSON.parse(text), `${what}[${i}]`, tally);
  });
  return tally;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test("JSON rule: unsafe bigints become decimal strings that BigInt() restores; typed arrays become hex", () => {
  const tally: Tally = { bigints: 0, unsafe: 0, bytes: 0, values: 0 };
  const value = {
    max: 2n ** 64n - 1n,
    min: -(2n ** 63n),
    edge: 2n ** 53n - 1n,
    beyond: 2n ** 53n,
    key: new Uint8Array([0xde, 0xad]),
    words: new Uint32Array([1]),
    error: new RangeError("out"),
  };
  assertRule(value, JSON.parse(toJson(value)), "value", tally);
  assert.deepEqual({ bigints: tally.bigints, unsafe: tally.unsafe, bytes: tally.bytes }, {
    bigints: 4,
    unsafe: 3,
    bytes: 2,
  });
  assert.equal(JSON.parse(toJson({ beyond: 2n ** 53n })).beyond, "9007199254740992", "2^53 itself is not safe");
  assert.equal(toJson(undefined), "null");
});

test("withJson/withJsonIfNeeded: a bare JSON.stringify writes the rule; toJSON only where the text would differ", () => {
  const raw = { a: { b: [1n, 2n ** 64n] }, c: new Uint8Array([1]), d: new Date(0), e: undefined, f: NaN };
  assert.equal(JSON.stringify(withJson({ ...raw })), toJson(raw));
  assert.equal(JSON.stringify(withJsonIfNeeded({ ...raw })), toJson(raw));
  assert.deepStrictEqual(withJson({ x: 1 }), { x: 1 }, "invisible to deepStrictEqual");
  const plain = withJsonIfNeeded({ a: { b: [1, "x"] }, d: new Date(0) });
  assert.equal(Object.getOwnPropertyDescriptor(plain, "toJSON"), undefined, "nothing to change: no toJSON");
  assert.equal(JSON.stringify(plain), toJson(plain));
  const nested = withJsonIfNeeded({ unknown: [{ type: 9, value: new Uint8Array([0xab]) }] });
  assert.equal(JSON.stringify(nested), '{"unknown":[{"type":9,"value":"ab"}]}');
});

test(
  "JSON of route objects: links with stats (veth, bridge), addresses, routes, neighbours, rules, nexthops",
  async () => {
    await withNetns("jsn-route", async (ns) => {
      ipBatch(
        ns,
        [
          "link add v0 type veth peer name v1",
          "link add br0 type bridge",
          "link set v1 master br0",
          "link set v0 up",
          "link set v1 up",
          "link set br0 up",
          "addr add 10.9.0.1/24 dev v0",
          "addr add fd00:9::1/64 dev v0 nodad",
          "route add 10.8.0.0/16 via 10.9.0.2 metric 7",
          "neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent",
          "rule add from 10.9.0.0/24 lookup 100 priority 100",
          "nexthop add id 1 via 10.9.0.2 dev v0",
        ].join("\n") + "\n",
      );
      await using rt = await RouteClient.open({ netns: ns });
      const links = await collect(rt.links());
      assert.ok(links.some((l) => l.name === "v0" && l.stats64 !== undefined), "v0 carries stats64");
      checkAll("links", links);
      checkAll("addresses", await collect(rt.addresses()));
      checkAll("routes", await collect(rt.routes({ table: "all" })));
      checkAll("neighbours", await collect(rt.neighbours()));
      checkAll("rules", await collect(rt.rules()));
      checkAll("nexthops", await collect(rt.nexthops()));
    });
  },
  { timeout: 30_000 },
);

test("JSON of conntrack entries and destroy events with counters and timestamps (bigint ns)", async () => {
  await withNetns("jsn-ct", async (ns) => {
    sysctl(ns, "net.netfilter.nf_conntrack_acct=1");
    sysctl(ns, "net.netfilter.nf_conntrack_timestamp=1");
    ipt(ns, "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED,RELATED");
    await using ct = await Conntrack.open({ netns: ns });
    // Listening before the flow exists: with nf_conntrack_events=2 only flows created while someone listens
    // get the event cache that their destroy event needs.
    const ac = new AbortController();
    const stream = ct.events({ groups: ["destroy"], signal: ac.signal });
    await stream.ready;
    const child = await spawnNode(
      ns,
      `const net = require("net");
       const srv = net.createServer((s) => s.on("data", (d) => s.write(d)));
       srv.listen(0, "127.0.0.1", () => {
         const c = net.connect(srv.address().port, "127.0.0.1", () => c.write("hello"));
         c.once("data", () => ready({ port: srv.address().port }));
       });`,
    );
    try {
      const entries = await collect(ct.dump({ protocol: "tcp" }));
      const flow = entries.find((e) => e.orig.dstPort === child.info.port);
      assert.ok(flow, "the child's connection is tracked");
      assert.ok(flow.counters?.orig && flow.counters.orig.packets > 0, "accounting is on: counters");
      assert.equal(typeof flow.timestamp?.start, "bigint", "timestamps are on: start in ns as bigint");
      const dumped = checkAll("conntrack entries", entries);
      assert.ok(dumped.unsafe > 0, "timestamps (ns since the epoch, beyond 2^53) went out as decimal strings");

      await ct.delete(flow.orig, { id: flow.id });
      const destroyed: ConntrackEvent[] = [];
      const timer = setTimeout(() => ac.abort(new Error("no destroy event within 5 s")), 5000);
      try {
        for await (const ev of stream) {
          if (!("type" in ev)) continue;
          if (ev.entry.id !== flow.id) continue;
          destroyed.push(ev);
          break;
        }
      } finally {
        clearTimeout(timer);
      }
      assert.equal(typeof destroyed[0].entry.timestamp?.stop, "bigint", "a destroy event carries the stop time");
      assert.ok(checkAll("conntrack destroy events", destroyed).bigints >= 2, "start and stop went through");
    } finally {
      await child.stop();
    }
  });
}, { timeout: 30_000 });

test("JSON of sock_diag sockets with tcp_info, meminfo and congestion info on a loopback connection", async () => {
  await withNetns("jsn-diag", async (ns) => {
    const child = await spawnNode(
      ns,
      `const net = require("net");
       const srv = net.createServer((s) => s.on("data", (d) => s.write(d)));
       srv.listen(0, "127.0.0.1", () => {
         const c = net.connect(srv.address().port, "127.0.0.1", () => c.write("hello"));
         c.once("data", () => net.createServer().listen("\\0nlts-docs-json", () => ready({ port: srv.address().port })));
       });`,
    );
    try {
      await using diag = await SockDiag.open({ netns: ns }); // the child also listens on a unix socket
      const tcp = await collect(
        diag.inetSockets({ protocol: "tcp", extensions: ["info", "meminfo", "skmeminfo", "cong", "tos", "shutdown"] }),
      );
      assert.equal(tcp.length, 3, "a listener and a connected pair");
      assert.ok(tcp.every((s) => s.tcpInfo !== undefined), "every socket carries tcp_info");
      assert.ok(checkAll("tcp sockets", tcp).bigints >= 3, "socket cookies are bigints");
      checkAll("unix sockets", await collect(diag.unixSockets({ show: ["name", "peer", "rqlen", "meminfo"] })));
    } finally {
      await child.stop();
    }
  });
}, { timeout: 30_000 });

test("JSON of generic netlink replies: nlctrl families, ethtool, netdev, taskstats (bigint counters)", async () => {
  await withNetns("jsn-genl", async (ns) => {
    ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
    await using ctrl = await Controller.open({ netns: ns });
    checkAll("genl families", await ctrl.list());
    await using eth = await GenlFamily.open(ethtool, { netns: ns });
    const header = { devName: "v0" };
    checkAll("ethtool replies", [
      await eth.request("linkinfoGet", { header }),
      await eth.request("linkstateGet", { header }),
      featureStates(await eth.request("featuresGet", { header })),
    ]);
    await using nd = await GenlFamily.open(netdev, { netns: ns });
    checkAll("netdev devices", await collect(nd.dump("devGet", {})));
    await using ts = await GenlFamily.open(taskstats, { netns: ns });
    const stats = await ts.request("get", { pid: process.pid });
    assert.ok(checkAll("taskstats", [stats]).bigints > 0, "taskstats counters are bigints");
  });
}, { timeout: 30_000 });

test(
  "JSON of xfrm states (larval SAs: this kernel has no esp4/ah4 to install others) and policies, and of audit status",
  async () => {
    await withNetns("jsn-xfrm", async (ns) => {
      await using xfrm = await Xfrm.open({ netns: ns });
      await xfrm.allocSpi({ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", min: 0x100, max: 0x200 });
      await xfrm.allocSpi({ src: "fd00::1", dst: "fd00::2", proto: "comp", min: 0x100, max: 0x200 });
      await xfrm.addPolicy({ selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" }, dir: "out", action: "block" });
      checkAll("xfrm states", await collect(xfrm.states()));
      checkAll("xfrm policies", await collect(xfrm.policies()));
    });
    await using audit = await Audit.open();
    checkAll("audit status", [await audit.status(), await audit.features()]);
  },
  { timeout: 30_000 },
);

test("JSON of every decoder's objects from captured kernel messages (route events, fdb, nsid, uevent, proc events, conntrack events, xfrm events, sockets)", () => {
  const route = hexFixtures("route/fixtures");
  const captured = (family: string) => hexFixtures(`fuzz/fixtures/${family}`);
  const messages = (seeds: Uint8Array[]) => seeds.flatMap((bytes) => parseMessages(bytes));
  const decodeAll = <T>(seeds: Uint8Array[], decode: (m: NetlinkMessage) => T) => messages(seeds).map(decode);
  const routeMessages = messages(route);
  const events = decodeAll([...route, ...captured("nsid")], decodeRouteEvent);
  assert.ok(events.some((e) => e.kind === "link") && events.some((e) => e.kind === "route"), "links and routes");
  checkAll("route events", events);
  // The socket-level decoders (listLinks, listAddresses, listRoutes use them) give the same objects.
  const ofType = (...types: number[]) => routeMessages.filter((m) => types.includes(m.type));
  const links = ofType(16).map(decodeLink);
  // A link carries its toJSON exactly when it holds bytes or a bigint (checkAll: the others are written right as they are).
  for (const l of links) {
    assert.equal(
      typeof (l as { toJSON?: unknown }).toJSON === "function",
      holdsRaw({ ...l }),
      `${l.name}: toJSON iff raw`,
    );
  }
  checkAll("links (decodeLink)", links);
  checkAll("addresses (decodeAddress)", ofType(20).map(decodeAddress));
  checkAll("routes (decodeRoute)", ofType(24).map(decodeRoute));
  checkAll("fdb entries", routeMessages.filter((m) => m.payload[0] === 7).map(decodeFdbEntry));
  checkAll("nsids", decodeAll(captured("nsid"), decodeNsid));
  const uevents = captured("uevent").map((b) => decodeUevent(b, b[0] === 0x6c /* "libudev" */ ? 2 : 1));
  checkAll("uevents", uevents);
  assert.ok(checkAll("proc events", decodeAll(captured("connector"), decodeProcEvent)).bigints > 0, "ns timestamps");
  checkAll("conntrack events", decodeAll(captured("conntrack"), decodeConntrackEvent));
  const xfrm = [...captured("xfrm-events"), ...captured("xfrm-state"), ...captured("xfrm-policy")];
  checkAll("xfrm events", decodeAll(xfrm, decodeXfrmEvent));
  checkAll("tcp sockets", decodeAll(captured("sockdiag-inet"), (m) => decodeInetSocket(m, "tcp")));
  checkAll("unix sockets", decodeAll(captured("sockdiag-unix"), decodeUnixSocket));
  // A route event the decoder cannot read keeps the message (payload bytes) and the ParseError.
  const broken = decodeRouteEvent({ type: 16, flags: 0, seq: 0, pid: 0, payload: new Uint8Array([0, 0, 1]) });
  assert.equal(broken.kind, "unknown");
  assert.ok(checkAll("an unreadable route event", [broken]).bytes === 1, "its payload went out as hex");
});

test("JSON of NFQUEUE packets and NFLOG entries built from the uapi layout (payload and raw attributes as hex)", () => {
  const packet = nfnlMessage(3, 0, 0, { family: 2, resId: 7 });
  packet.attr(1, new Uint8Array([0, 0, 0, 42, 0x08, 0x00, 3])); // NFQA_PACKET_HDR: id 42, IPv4, LOCAL_OUT
  packet.attr(10, new Uint8Array([0x45, 0, 0, 20])); // NFQA_PAYLOAD
  packet.u32(99, 1); // unknown: kept raw
  const log = nfnlMessage(4, 0, 0, { family: 2, resId: 5 });
  log.attr(1, new Uint8Array([0x08, 0x00, 1, 0])); // NFULA_PACKET_HDR: IPv4, LOCAL_IN
  log.attr(9, new Uint8Array([0x45, 0, 0, 20])); // NFULA_PAYLOAD
  log.str(10, "nlts: "); // NFULA_PREFIX
  const [q] = parseMessages(packet.finish()), [l] = parseMessages(log.finish());
  assert.ok(checkAll("queued packets", [decodeQueuePacket(q)]).bytes >= 2, "payload and the unknown attribute");
  assert.ok(checkAll("log entries", [decodeLogEntry(l)]).bytes >= 1, "payload");
  assert.equal(JSON.parse(JSON.stringify(decodeQueuePacket(q))).payload, "45000014");
});

test("JSON of RouteClient's links, routes and addresses by name, route events and link watch items", async () => {
  await withNetns("jsn-events", async (ns) => {
    await using rt = await RouteClient.open({ netns: ns });
    const stream = rt.events(["link", "ipv4_ifaddr", "ipv4_route"]);
    await stream.ready;
    const added = await rt.addLink({ kind: "veth", name: "v0", peer: { name: "v1" } });
    await rt.setLink("v0", { up: true });
    await rt.addAddress({ name: "v0", address: "10.9.0.1/24" });
    const lo = await rt.getLink("lo");
    assert.ok(lo.stats64 !== undefined, "lo carries stats64");
    checkAll("links by name and added", [lo, added, await rt.getLink("v0")]);
    checkAll("a route got", [await rt.getRoute("10.9.0.2")]);
    const seen: unknown[] = [];
    const timer = setTimeout(() => stream.close(), 5000);
    for await (const ev of stream) {
      seen.push(ev);
      if ("kind" in ev && ev.kind === "address") break;
    }
    clearTimeout(timer);
    assert.ok(seen.some((e) => (e as { kind?: string }).kind === "link"), "link events came");
    checkAll("route events", seen);
    await using watcher = watchLinks({ netns: ns });
    for await (const ev of watcher) {
      assert.equal(ev.type, "snapshot");
      if (ev.type === "snapshot") checkAll("watched links", ev.items);
      break;
    }
  });
}, { timeout: 30_000 });
