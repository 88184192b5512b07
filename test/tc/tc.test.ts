// Traffic control: handles and units as tc reads them, captured kernel bytes, and the real kernel in private
// namespaces with tc -j as the oracle.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { hexFile } from "../helpers/fixtures.ts";
import { ip, sh, withNetns } from "../helpers/netns.ts";
import { NetlinkError, parseMessages, RouteClient, subscribe, toJson } from "../../mod.ts";
import { MessageWriter } from "../../src/wire/message.ts";
import { rtmAttributePath } from "../../src/route/schema.ts";
import { writeAttrs } from "../../src/wire/schema.ts";
import {
  decodeClass,
  decodeFilter,
  decodeQdisc,
  encodeClassRequest,
  encodeFilterRequest,
  encodeQdiscRequest,
  type Filter,
  formatHandle,
  formatU32Handle,
  ipMatch,
  packU32Key,
  parseHandle,
  parseQdiscHandle,
  parseRate,
  parseSize,
  parseTime,
  type Qdisc,
  tcAttrs,
  type TcClass,
} from "../../src/tc/mod.ts";

function tcJson(ns: string, ...args: string[]): any[] {
  const out = sh("tc", ["-n", ns, "-j", ...args]).trim();
  return out ? JSON.parse(out) : [];
}

test("tc handles parse and print as tc does", () => {
  assert.equal(parseHandle("1:"), 0x10000);
  assert.equal(parseHandle("1:10"), 0x10010);
  assert.equal(parseHandle(":5"), 5);
  assert.equal(parseHandle("ffff:fff1"), 0xfffffff1);
  assert.equal(parseHandle("root"), 0xffffffff);
  assert.equal(parseHandle("none"), 0);
  assert.equal(parseHandle("ingress"), 0xfffffff1);
  assert.equal(parseHandle("clsact"), 0xfffffff1);
  for (const bad of ["1:2:3", "x:", "10000:", "1:10000", "", "g", "1: "]) {
    assert.throws(() => parseHandle(bad), TypeError, bad);
  }
  assert.throws(() => parseQdiscHandle("1:10"), TypeError);
  assert.equal(formatHandle(0x10010), "1:10");
  assert.equal(formatHandle(0x10000), "1:");
  assert.equal(formatHandle(5), ":5");
  assert.equal(formatHandle(0xffffffff), "root");
  assert.equal(formatHandle(0), "none");
  assert.equal(formatHandle(0xfffffff1), "ffff:fff1");
  for (const h of ["1:", "1:10", "abcd:ef", ":5", "root", "none", "ffff:fff3"]) {
    assert.equal(formatHandle(parseHandle(h)), h);
  }
  assert.equal(formatU32Handle(0x80000800), "800::800");
  assert.equal(formatU32Handle(0x80000000), "800:");
  assert.equal(formatU32Handle(0x80001800), "800:1:800");
});

test("rates, sizes and times read with iproute2's units", () => {
  assert.equal(parseRate("10mbit"), 1_250_000);
  assert.equal(parseRate("10Mbit"), 1_250_000);
  assert.equal(parseRate("1gbit"), 125_000_000);
  assert.equal(parseRate("100kbps"), 100_000);
  assert.equal(parseRate("8000"), 1000); // bare: bits per second
  assert.equal(parseRate("1kibit"), 128);
  assert.equal(parseRate("40gbit"), 5_000_000_000);
  assert.equal(parseSize("15k"), 15360);
  assert.equal(parseSize("32kb"), 32768);
  assert.equal(parseSize("1600"), 1600);
  assert.equal(parseSize("1mbit"), 131072);
  assert.equal(parseTime("400ms"), 400_000);
  assert.equal(parseTime("1s"), 1_000_000);
  for (const bad of ["", "fast", "10mbits", "-1mbit"]) assert.throws(() => parseRate(bad), TypeError, bad);
  assert.throws(() => parseSize("1q"), TypeError);
  assert.throws(() => parseTime("5min"), TypeError);
});

test("captured tc dumps decode (htb, tbf, ingress, pfifo, htb classes, u32 with mirred)", () => {
  const read = (name: string) => parseMessages(hexFile(new URL(`./fixtures/${name}.hex`, import.meta.url)));
  const qdiscs = read("qdiscs").map(decodeQdisc);
  const byKind = Object.fromEntries(qdiscs.map((q) => [q.kind, q]));
  assert.deepEqual(byKind.htb.options, {
    defaultClass: 0x10,
    r2q: 10,
    directPackets: 0,
    version: 0x30011,
    directQlen: 1000,
  });
  assert.equal(byKind.htb.handle, "1:");
  assert.equal(byKind.htb.parent, "root");
  assert.deepEqual(byKind.tbf.options, {
    rate: 125000,
    burst: 32768,
    limit: 82768,
    latency: 400000,
    buffer: 4096000,
    peakrate: 250000,
    mtu: 1600,
  });
  assert.equal(byKind.ingress.parent, "ffff:fff1");
  assert.deepEqual(byKind.pfifo.options, { limit: 77 });
  assert.equal(typeof byKind.htb.stats?.bytes, "bigint");
  const classes = read("htb-classes").map(decodeClass);
  const c10 = classes.find((c) => c.handle === "1:10")!;
  assert.equal(c10.parent, "1:1");
  assert.deepEqual(
    { ...c10.options },
    {
      rate: 1250000,
      ceil: 2500000,
      burst: 15360,
      cburst: 1600,
      buffer: 192000,
      cbuffer: 10000,
      prio: 2,
      quantum: 125000,
      level: 0,
      overhead: 0,
      mpu: 0,
    },
  );
  assert.equal((classes.find((c) => c.handle === "1:20")!.options as any).rate, 625_000_000); // TCA_HTB_RATE64
  const node = read("u32-filters").map(decodeFilter).find((f) => f.handle === "800::800")!;
  assert.equal(node.protocol, "ip");
  assert.equal(node.priority, 1);
  assert.equal((node.options as any).classid, "1:20");
  assert.deepEqual((node.options as any).selector.keys, [
    { mask: 0xffffffff, value: 0x0a000002, off: 16, offmask: 0 },
    { mask: 0xffff, value: 80, off: 20, offmask: 0 },
  ]);
  const redirect = read("u32-mirred").map(decodeFilter).find((f) => f.handle === "800::800")!;
  const act = (redirect.options as any).actions[0];
  assert.equal(act.kind, "mirred");
  assert.equal(act.options.mirredAction, "redirect");
  assert.equal(act.options.direction, "egress");
  assert.equal(act.options.controlAction, "stolen");
  // Truncated messages are ParseErrors, never RangeErrors.
  for (const m of read("u32-mirred")) {
    for (let cut = 0; cut < m.payload.length; cut += 7) {
      try {
        decodeFilter({ ...m, payload: m.payload.subarray(0, cut) });
      } catch (e) {
        assert.equal((e as Error).name, "ParseError", `cut at ${cut}: ${e}`);
      }
    }
  }
});

/** Two veth pairs, all down (no traffic): v0/v1 and w0/w1. */
function veths(ns: string): void {
  ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
  ip(ns, "link", "add", "w0", "type", "veth", "peer", "name", "w1");
}

test("an HTB tree with u32 filters written by rt.tc reads back with tc -j, field by field", async () => {
  await withNetns("tc-htb", async (ns) => {
    veths(ns);
    await using rt = await RouteClient.open({ netns: ns });
    await rt.tc.addQdisc({ dev: "v0", kind: "htb", handle: "1:", options: { defaultClass: "10", r2q: 5 } });
    await rt.tc.addClass({
      dev: "v0",
      kind: "htb",
      parent: "1:",
      classid: "1:1",
      options: { rate: parseRate("100mbit") },
    });
    await rt.tc.addClass({
      dev: "v0",
      kind: "htb",
      parent: "1:1",
      classid: "1:10",
      options: {
        rate: parseRate("10mbit"),
        ceil: parseRate("20mbit"),
        burst: parseSize("15k"),
        prio: 2,
        quantum: 3000,
      },
    });
    await rt.tc.addClass({
      dev: "v0",
      kind: "htb",
      parent: "1:1",
      classid: "1:20",
      options: { rate: parseRate("5gbit") },
    });
    await rt.tc.addFilter({
      dev: "v0",
      parent: "1:",
      protocol: "ip",
      priority: 1,
      options: { classid: "1:10", keys: [{ value: 0x0a000002, mask: 0xffffffff, off: 16 }] },
    });
    await rt.tc.addFilter({
      dev: "v0",
      parent: "1:",
      protocol: "ip",
      priority: 2,
      options: { classid: "1:20", keys: [{ value: 80, mask: 0xffff, off: 20 }] },
    });
    const got = await rt.tc.getQdisc({ dev: "v0", parent: "root" });
    assert.deepEqual([got?.kind, got?.handle, got?.parent], ["htb", "1:", "root"]);
    assert.equal((await rt.tc.getQdisc({ dev: "v0", handle: "1:" }))?.kind, "htb");
    assert.equal(await rt.tc.getQdisc({ dev: "v1", parent: "root" }), undefined); // down: the built-in noop
    await assert.rejects(rt.tc.getQdisc({ dev: "v0", handle: "9:" }), (e: unknown) => e instanceof NetlinkError);
    const [htb] = tcJson(ns, "-s", "qdisc", "show", "dev", "v0");
    const ours: Qdisc[] = [];
    for await (const q of rt.tc.qdiscs({ dev: "v0" })) ours.push(q);
    assert.equal(ours.length, 1);
    const q = ours[0];
    assert.equal(q.kind, htb.kind);
    assert.equal(q.handle, htb.handle);
    assert.equal(htb.root, true);
    assert.equal(q.parent, "root");
    assert.equal(q.options && "r2q" in q.options && q.options.r2q, htb.options.r2q);
    assert.equal(`0x${(q.options as any).defaultClass.toString(16)}`, htb.options.default);
    assert.equal((q.options as any).directQlen, htb.options.direct_qlen);
    assert.equal(q.stats?.bytes, BigInt(htb.bytes));
    assert.equal(q.stats?.packets, BigInt(htb.packets));
    assert.equal(q.stats?.drops, htb.drops);
    assert.equal(q.stats?.overlimits, htb.overlimits);
    assert.equal(q.stats?.requeues, htb.requeues);
    assert.equal(q.stats?.backlog, htb.backlog);
    assert.equal(q.stats?.qlen, htb.qlen);
    // tc 6.1 prints htb classes as text even with -j: read its words.
    const text = sh("tc", ["-n", ns, "-d", "class", "show", "dev", "v0"]);
    const classes: TcClass[] = [];
    for await (const c of rt.tc.classes({ dev: "v0" })) classes.push(c);
    assert.equal(classes.length, 3);
    for (const c of classes) {
      const line = text.split("\n").find((l) => l.startsWith(`class htb ${c.handle} `))!;
      assert.ok(line, c.handle);
      const o = c.options as any;
      const word = (w: string) => line.split(" ")[line.split(" ").indexOf(w) + 1];
      assert.equal(c.parent === "root" ? "root" : word("parent"), c.parent === "root" ? line.split(" ")[3] : c.parent);
      assert.equal(word("rate"), { 12500000: "100Mbit", 1250000: "10Mbit", 625000000: "5Gbit" }[o.rate as number]);
      if (line.includes(" prio ")) assert.equal(Number(word("prio")), o.prio); // inner classes show none
      if (line.includes(" quantum ")) assert.equal(Number(word("quantum")), o.quantum);
      assert.equal(Number(word("level")), o.level);
      const size = (s: string) => parseSize(s.split("/")[0]);
      assert.equal(size(word("burst")), o.burst, `${c.handle} burst`);
      assert.equal(size(word("cburst")), o.cburst, `${c.handle} cburst`);
    }
    const c10 = classes.find((c) => c.handle === "1:10")!.options as any;
    assert.deepEqual([c10.rate, c10.ceil, c10.burst, c10.prio, c10.quantum], [1250000, 2500000, 15360, 2, 3000]);
    const filters: Filter[] = [];
    for await (const f of rt.tc.filters({ dev: "v0" })) filters.push(f);
    const theirs = tcJson(ns, "filter", "show", "dev", "v0");
    assert.equal(filters.length, theirs.length);
    filters.forEach((f, i) => {
      const t = theirs[i];
      assert.equal(f.kind, t.kind);
      assert.equal(f.parent, t.parent);
      assert.equal(f.protocol, t.protocol);
      assert.equal(f.priority, t.pref);
      assert.equal(f.chain, t.chain);
      assert.equal(f.handle, t.options?.fh);
      if (t.options?.flowid) assert.equal((f.options as any).classid, t.options.flowid);
      if (t.options?.ht_divisor) assert.equal((f.options as any).divisor, t.options.ht_divisor);
      if (t.options?.match) {
        const k = (f.options as any).selector.keys.at(-1);
        assert.equal(k.value.toString(16), t.options.match.value);
        assert.equal(k.mask.toString(16), t.options.match.mask);
        assert.equal(k.off, t.options.match.off);
      }
    });
    // Delete, read back.
    await rt.tc.deleteFilter({ dev: "v0", parent: "1:", priority: 2, protocol: "ip" });
    assert.equal(tcJson(ns, "filter", "show", "dev", "v0").filter((f) => f.pref === 2).length, 0);
    await rt.tc.deleteClass({ dev: "v0", handle: "1:20" });
    assert.ok(!sh("tc", ["-n", ns, "class", "show", "dev", "v0"]).includes("1:20"));
    await rt.tc.deleteQdisc({ dev: "v0", parent: "root" });
    // A device that is down has no qdisc to show once its root is gone, for tc as for us.
    assert.deepEqual(tcJson(ns, "qdisc", "show", "dev", "v0"), []);
    for await (const left of rt.tc.qdiscs({ dev: "v0" })) assert.fail(`left: ${left.kind}`);
  });
});

test("TBF, ingress with a mirred redirect, clsact and default root qdiscs match tc -j -s qdisc show", async () => {
  await withNetns("tc-misc", async (ns) => {
    veths(ns);
    await using rt = await RouteClient.open({ netns: ns });
    await rt.tc.addQdisc({
      dev: "v1",
      kind: "tbf",
      options: {
        rate: parseRate("1mbit"),
        burst: parseSize("32kb"),
        latency: parseTime("400ms"),
        peakrate: parseRate("2mbit"),
        mtu: 1600,
      },
    });
    await rt.tc.addQdisc({ dev: "v1", kind: "ingress" });
    await rt.tc.addQdisc({ dev: "w1", kind: "clsact" });
    ip(ns, "link", "set", "w0", "up"); // its peer stays down: no carrier, no traffic; it shows its default noqueue
    ip(ns, "link", "add", "m0", "numtxqueues", "4", "type", "veth", "peer", "name", "m1");
    await rt.tc.addQdisc({ dev: "m0", kind: "mq", handle: "7:" }); // one default qdisc (pfifo_fast here) per queue
    await rt.tc.addQdisc({ dev: "v0", kind: "pfifo", handle: "5:", options: { limit: 77 } });
    await rt.tc.addFilter({
      dev: "v1",
      parent: "ingress",
      protocol: "all",
      options: { actions: [{ kind: "mirred", mirredAction: "redirect", dev: "w0" }] },
    });
    const theirs = tcJson(ns, "-s", "qdisc", "show");
    const ours: Qdisc[] = [];
    for await (const q of rt.tc.qdiscs()) ours.push(q);
    const names = new Map<number, string>();
    for await (const l of rt.links()) names.set(l.index, l.name);
    assert.equal(ours.length, theirs.length);
    for (const t of theirs) {
      const q = ours.find((o) =>
        names.get(o.ifindex) === t.dev && o.kind === t.kind && o.parent === (t.root ? "root" : t.parent)
      )!;
      assert.ok(q, `${t.kind} on ${t.dev}`);
      assert.equal(q.handle, t.handle);
      assert.equal(q.parent, t.root ? "root" : t.parent);
      assert.equal(q.stats?.bytes, BigInt(t.bytes));
      assert.equal(q.stats?.drops, t.drops);
      if (t.kind === "tbf") {
        const o = q.options as any;
        assert.deepEqual([o.rate, o.burst, o.mtu, o.latency], [
          t.options.rate,
          t.options.burst,
          t.options.minburst,
          t.options.lat,
        ]);
      }
      if (t.kind === "pfifo") assert.equal((q.options as any).limit, t.options.limit);
      if (t.kind === "pfifo_fast") {
        assert.deepEqual(q.options, { bands: t.options.bands, priomap: t.options.priomap });
      }
      if (t.kind === "mq" || t.kind === "noqueue" || t.kind === "ingress" || t.kind === "clsact") {
        assert.deepEqual(q.options ?? {}, t.options);
      }
    }
    assert.deepEqual(
      ours.filter((q) => q.kind === "noqueue").map((q) => [names.get(q.ifindex), q.handle, q.parent]).sort(),
      [["lo", "0:", "root"], ["w0", "0:", "root"]],
    );
    assert.ok(ours.some((q) => q.kind === "clsact" && q.handle === "ffff:" && q.parent === "ffff:fff1"));
    assert.deepEqual(
      ours.filter((q) => q.kind === "pfifo_fast").map((q) => q.parent).sort(),
      ["7:1", "7:2", "7:3", "7:4"],
    );
    const [, , node] = tcJson(ns, "filter", "show", "dev", "v1", "parent", "ffff:");
    const filters: Filter[] = [];
    for await (const f of rt.tc.filters({ dev: "v1", parent: "ingress" })) filters.push(f);
    const ourNode = filters.find((f) => f.handle === node.options.fh)!;
    const act = (ourNode.options as any).actions[0];
    const theirAct = node.options.actions[0];
    assert.equal(act.kind, theirAct.kind);
    assert.equal(act.options.mirredAction, theirAct.mirred_action);
    assert.equal(act.options.direction, theirAct.direction);
    assert.equal(names.get(act.options.ifindex), theirAct.to_dev);
    assert.equal(act.options.controlAction, theirAct.control_action.type);
    assert.equal(act.index, theirAct.index);
  });
});

test("kernel refusals carry the ext-ACK text and the attribute path (TCA_OPTIONS.TCA_HTB_PARMS)", async () => {
  await withNetns("tc-err", async (ns) => {
    veths(ns);
    await using rt = await RouteClient.open({ netns: ns });
    await assert.rejects(
      rt.tc.addQdisc({ dev: "v0", kind: "htb", handle: "1:" }).then(() =>
        rt.tc.addQdisc({ dev: "v0", kind: "htb", handle: "1:" })
      ),
      (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST",
    );
    // A TCA_HTB_PARMS of the wrong size fails the kernel's policy, which points at it.
    const m = new MessageWriter(40, 0x400 | 0x200);
    const h = m.struct(20);
    h.setInt32(4, (await rt.getLink("v0")).index, true);
    h.setUint32(8, 0x10010, true);
    h.setUint32(12, 0x10000, true);
    writeAttrs(m, tcAttrs, { kind: "htb", options: { parms: new Uint8Array(10) } });
    await assert.rejects(rt.socket.request(m.finish()), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "ERANGE");
      assert.equal(e.extAck?.path, "TCA_OPTIONS.TCA_HTB_PARMS");
      assert.match(e.extAck?.message ?? "", /policy/i);
      return true;
    });
    // Input tc would refuse is a TypeError before anything is sent.
    await assert.rejects(rt.tc.addQdisc({ dev: "v0", kind: "htb", handle: "1:5" }), TypeError);
    await assert.rejects(rt.tc.addQdisc({ dev: "v0", kind: "sfq" }), TypeError);
    await assert.rejects(
      rt.tc.addClass({ dev: "v0", kind: "htb", parent: "1:", classid: "1:10", options: { rate: 0 } }),
      TypeError,
    );
    await assert.rejects(
      rt.tc.addClass({ dev: "v0", kind: "htb", parent: "1:", classid: "1:", options: { rate: 1 } }),
      TypeError,
    );
    assert.equal(sh("tc", ["-n", ns, "class", "show", "dev", "v0"]).trim(), "");
  });
});

test("RTNLGRP_TC events: qdisc, class and filter added and deleted", async () => {
  await withNetns("tc-ev", async (ns) => {
    veths(ns);
    await using events = subscribe(["tc"], { netns: ns });
    await events.ready;
    sh("tc", ["-n", ns, "qdisc", "add", "dev", "v0", "root", "handle", "1:", "htb"]);
    sh("tc", ["-n", ns, "class", "add", "dev", "v0", "parent", "1:", "classid", "1:10", "htb", "rate", "1mbit"]);
    sh("tc", [
      "-n",
      ns,
      "filter",
      "add",
      "dev",
      "v0",
      "parent",
      "1:",
      "protocol",
      "ip",
      "prio",
      "3",
      "u32",
      "match",
      "u32",
      "0",
      "0",
      "flowid",
      "1:10",
    ]);
    sh("tc", ["-n", ns, "qdisc", "del", "dev", "v0", "root"]);
    const seen: string[] = [];
    for await (const e of events) {
      if (!("kind" in e)) continue;
      if (e.kind === "qdisc" && e.qdisc.kind === "htb") seen.push(`${e.action} qdisc ${e.qdisc.handle}`);
      if (e.kind === "class") seen.push(`${e.action} class ${e.class.handle}`);
      if (e.kind === "filter" && e.filter.handle === "800::800") {
        seen.push(`${e.action} filter ${(e.filter.options as any).classid}`);
      }
      if (seen.includes("del qdisc 1:")) break;
    }
    assert.deepEqual(seen.slice(0, 3), ["new qdisc 1:", "new class 1:10", "new filter 1:10"]);
    assert.ok(seen.includes("del qdisc 1:"));
  });
});

test("requests decode back to what was asked: decode(encode(x)) for htb, tbf, pfifo (a fixed-header format) and u32", () => {
  const asMessage = (bytes: Uint8Array) => parseMessages(bytes)[0];
  const htb = decodeQdisc(
    asMessage(
      encodeQdiscRequest(3, { dev: 3, kind: "htb", handle: "1:", options: { defaultClass: 0x10, r2q: 7 } }, "add"),
    ),
  );
  assert.deepEqual([htb.ifindex, htb.kind, htb.handle, htb.parent], [3, "htb", "1:", "root"]);
  assert.deepEqual(htb.options, { defaultClass: 0x10, r2q: 7, directPackets: 0, version: 3 });
  const fifo = decodeQdisc(
    asMessage(
      encodeQdiscRequest(
        3,
        { dev: 3, kind: "bfifo", handle: "2:", parent: "1:10", options: { limit: 3000 } },
        "replace",
      ),
    ),
  );
  assert.deepEqual([fifo.parent, fifo.options], ["1:10", { limit: 3000 }]);
  const tbf = decodeQdisc(
    asMessage(
      encodeQdiscRequest(3, { dev: 3, kind: "tbf", options: { rate: 125000, burst: 32768, latency: 400000 } }, "add"),
    ),
  );
  assert.deepEqual([(tbf.options as any).rate, (tbf.options as any).burst, (tbf.options as any).latency], [
    125000,
    32768,
    400000,
  ]);
  const cls = decodeClass(asMessage(encodeClassRequest(3, {
    dev: 3,
    kind: "htb",
    parent: "1:",
    classid: "1:10",
    options: { rate: 5_000_000_000, ceil: 6_000_000_000, prio: 3 },
  }, "add")));
  assert.deepEqual([(cls.options as any).rate, (cls.options as any).ceil, (cls.options as any).prio], [5e9, 6e9, 3]);
  const f = decodeFilter(asMessage(encodeFilterRequest(44, 3, {
    dev: 3,
    parent: "1:",
    priority: 4,
    protocol: "ipv6",
    options: {
      classid: "1:20",
      keys: [{ value: 0x1234, mask: 0xffff, off: 8 }],
      actions: [{ kind: "mirred", mirredAction: "mirror", dev: 9 }],
    },
  }, "add")));
  assert.deepEqual([f.priority, f.protocol, f.parent], [4, "ipv6", "1:"]);
  const o = f.options as any;
  assert.equal(o.classid, "1:20");
  assert.deepEqual(o.selector.keys, [{ value: 0x1234, mask: 0xffff, off: 8, offmask: 0 }]);
  assert.deepEqual([o.actions[0].options.mirredAction, o.actions[0].options.direction, o.actions[0].options.ifindex], [
    "mirror",
    "egress",
    9,
  ]);
});

test("an unknown qdisc kind sent raw is refused by the kernel with its ext-ACK text", async () => {
  await withNetns("tc-kind", async (ns) => {
    await using rt = await RouteClient.open({ netns: ns });
    const m = new MessageWriter(36, 0x400 | 0x200);
    const h = m.struct(20);
    h.setInt32(4, 1, true);
    h.setUint32(12, 0xffffffff, true);
    writeAttrs(m, tcAttrs, { kind: "nosuchqdisc" });
    await assert.rejects(rt.socket.request(m.finish()), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "ENOENT");
      assert.equal(e.extAck?.message, "Specified qdisc kind is unknown");
      return true;
    });
  });
});

test("u32 matches pack into keys as tc's pack_key does", () => {
  const keys = ipMatch([], "dst", "10.1.0.0/16");
  ipMatch(keys, "sport", "1024", "0xffff");
  ipMatch(keys, "dport", "80", "0xffff");
  ipMatch(keys, "protocol", "6", "0xff");
  assert.deepEqual(keys, [
    { mask: 0xffff0000, value: 0x0a010000, off: 16, offmask: 0 },
    { mask: 0xffffffff, value: 0x04000050, off: 20, offmask: 0 },
    { mask: 0x00ff0000, value: 0x00060000, off: 8, offmask: 0 },
  ]);
  assert.throws(() => ipMatch(keys, "dport", "81", "0xffff"), TypeError); // contradicts dport 80
  assert.throws(() => packU32Key([], 16, 21, 1, 0xffff), TypeError); // not aligned
  assert.throws(() => ipMatch([], "dst", "fd00::1/64"), TypeError);
  assert.throws(() => ipMatch([], "ttl", "1", "0xff"), TypeError);
});

test("ext-ACK paths: inside a fixed-header format (pfifo) they name TCA_OPTIONS; inside htb options TCA_OPTIONS.TCA_HTB_PARMS", () => {
  const m = encodeQdiscRequest(2, { dev: 2, kind: "pfifo", options: { limit: 10 } }, "add");
  // nlmsghdr 16 + tcmsg 20 + TCA_KIND "pfifo" (12) + TCA_OPTIONS header 4: the limit.
  assert.equal(rtmAttributePath(m, 16 + 20 + 12 + 4), "TCA_OPTIONS");
  const htb = encodeClassRequest(
    2,
    { dev: 2, kind: "htb", parent: "1:", classid: "1:10", options: { rate: 1000 } },
    "add",
  );
  assert.equal(rtmAttributePath(htb, 16 + 20 + 12 + 4 + 4), "TCA_OPTIONS.TCA_HTB_PARMS");
});

test("a 40gbit tbf (TCA_TBF_RATE64) and a 10gbit htb ceil read back as tc shows them", async () => {
  await withNetns("tc-64", async (ns) => {
    veths(ns);
    await using rt = await RouteClient.open({ netns: ns });
    await rt.tc.addQdisc({
      dev: "v1",
      kind: "tbf",
      options: { rate: parseRate("40gbit"), burst: parseSize("1mb"), limit: 1e6 },
    });
    const [theirs] = tcJson(ns, "qdisc", "show", "dev", "v1");
    const ours = await rt.tc.getQdisc({ dev: "v1", parent: "root" });
    assert.equal(theirs.options.rate, 5_000_000_000);
    assert.deepEqual([(ours?.options as any).rate, (ours?.options as any).burst], [
      theirs.options.rate,
      theirs.options.burst,
    ]);
    await rt.tc.addQdisc({ dev: "v0", kind: "htb", handle: "1:" });
    await rt.tc.addClass({
      dev: "v0",
      kind: "htb",
      parent: "1:",
      classid: "1:1",
      options: { rate: parseRate("1gbit"), ceil: parseRate("10gbit") },
    });
    assert.match(
      sh("tc", ["-n", ns, "class", "show", "dev", "v0"]),
      /class htb 1:1 root prio 0 rate 1Gbit ceil 10Gbit /,
    );
    const [c] = await Array.fromAsync(rt.tc.classes({ dev: "v0" }));
    assert.deepEqual([(c.options as any).rate, (c.options as any).ceil], [125_000_000, 1_250_000_000]);
  });
});

test("a bpf filter (decode only: attaching needs a loaded program, which the tests do not build) decodes from bytes built from pkt_cls.h", () => {
  const m = new MessageWriter(44, 0);
  const h = m.struct(20);
  h.setInt32(4, 2, true);
  h.setUint32(8, 1, true);
  h.setUint32(12, 0xfffffff2, true);
  h.setUint32(16, (0x10000 * 1 + 0x0008) >>> 0, true); // pref 1, protocol ETH_P_IP (0x0800, network order)
  writeAttrs(m, tcAttrs, {
    kind: "bpf",
    options: {
      classid: 0x10001,
      name: "prog.o:[classifier]",
      id: 42,
      tag: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 0xff]),
      flags: 1,
      flagsGen: 0,
      act: [{ kind: "gact", index: 3 }],
    },
  });
  const f = decodeFilter(parseMessages(m.finish())[0]);
  assert.deepEqual([f.kind, f.handle, f.parent, f.priority, f.protocol], ["bpf", "0x1", "ffff:fff2", 1, "ip"]);
  const o = f.options as any;
  assert.deepEqual([o.classid, o.name, o.id, o.tag, o.flags], [
    "1:1",
    "prog.o:[classifier]",
    42,
    "01020304050607ff",
    1,
  ]);
  // An action kind without a format here (gact) is kept, its options raw.
  assert.deepEqual([o.actions[0].kind, o.actions[0].index, o.actions[0].order], ["gact", 3, 1]);
});

test("tc objects (with bigint byte and packet counters) survive a bare JSON.stringify, by the library's JSON rule", () => {
  const read = (name: string) => parseMessages(hexFile(new URL(`./fixtures/${name}.hex`, import.meta.url)));
  const objects = [...read("qdiscs").map(decodeQdisc), ...read("htb-classes").map(decodeClass)];
  assert.ok(objects.some((o) => typeof o.stats?.bytes === "bigint"), "the fixtures hold bigint counters");
  for (const o of objects) assert.equal(JSON.stringify(o), toJson(o));
});
