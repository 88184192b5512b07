// Creating and updating conntrack entries against the real kernel, in private namespaces,
// with `conntrack -L -o xml` (and `conntrack -I`) as the oracle.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Flags, NetlinkError } from "../../mod.ts";
import { parseMessages } from "../../src/wire/message.ts";
import { Attrs } from "../../src/wire/attrs.ts";
import { AddressError } from "../../src/wire/values.ts";
import {
  Conntrack,
  type ConntrackEntry,
  type ConntrackEvent,
  type ConntrackSpec,
  decodeConntrack,
  encodeCreateRequest,
  encodeUpdateRequest,
  type TupleSpec,
} from "../../src/netfilter/mod.ts";
import { labelBits, mirrorTuple } from "../../src/netfilter/conntrack.ts";
import { conntrackList, ip6t, ipt, type XmlFlow, type XmlTuple } from "./util.ts";

/** Loads conntrack for both families in `ns` (an iptables conntrack match does). */
function loadConntrack(ns: string): void {
  ipt(ns, "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "NEW");
  ip6t(ns, "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "NEW");
}

/** `conntrack ARGS` inside `ns`, the arguments split on spaces (its summary goes to stderr). */
function conntrackTool(ns: string, args: string): string {
  return sh("ip", ["netns", "exec", ns, "conntrack", ...args.split(" ")]);
}

/** The flow of `conntrack -L -o xml` whose original tuple is `t`. */
function findFlow(ns: string, t: TupleSpec): XmlFlow {
  const flows = conntrackList(ns).filter((f) =>
    f.orig.src === t.src && f.orig.dst === t.dst && f.orig.sport === t.srcPort && f.orig.dport === t.dstPort
  );
  assert.equal(flows.length, 1, `conntrack lists ${JSON.stringify(t)} once`);
  return flows[0];
}

function sameTuple(ours: TupleSpec, theirs: XmlTuple, what: string): void {
  assert.equal(theirs.src, ours.src, `${what} src`);
  assert.equal(theirs.dst, ours.dst, `${what} dst`);
  assert.equal(
    theirs.protonum,
    typeof ours.protocol === "number" ? ours.protocol : { tcp: 6, udp: 17 }[ours.protocol as "tcp" | "udp"],
    `${what} protocol`,
  );
  assert.equal(theirs.sport, ours.srcPort, `${what} sport`);
  assert.equal(theirs.dport, ours.dstPort, `${what} dport`);
}

/** Compares what we asked for with what conntrack lists, field by field. */
function sameAsSpec(spec: ConntrackSpec, f: XmlFlow, elapsed = 0): void {
  const what = `${spec.orig.protocol} ${spec.orig.src}`;
  assert.equal(f.orig.l3, spec.orig.src.includes(":") ? "ipv6" : "ipv4", `${what} family`);
  sameTuple(spec.orig, f.orig, `${what} orig`);
  sameTuple(spec.reply ?? mirrorTuple(spec.orig), f.reply, `${what} reply`);
  assert.equal(f.state, spec.tcpState, `${what} TCP state`);
  assert.ok(
    f.timeout !== undefined && f.timeout <= spec.timeout && f.timeout >= spec.timeout - 3 - elapsed,
    `${what} timeout ${f.timeout} vs ${spec.timeout}`,
  );
  assert.equal(f.mark, spec.mark ?? 0, `${what} mark`);
  assert.equal(f.zone, spec.zone || undefined, `${what} zone`);
  const status = spec.status ?? [];
  assert.equal(f.flags.includes("unreplied"), !status.includes("seen-reply"), `${what} unreplied`);
  assert.equal(f.flags.includes("assured"), status.includes("assured"), `${what} assured`);
}

/** Our entry against conntrack's flow (both read after the change). */
function sameEntry(e: ConntrackEntry, f: XmlFlow): void {
  const what = `entry ${e.id}`;
  assert.equal(e.id, f.id, `${what} id`);
  assert.equal(e.family, f.orig.l3 === "ipv4" ? "inet" : "inet6", `${what} family`);
  assert.equal(e.orig.src, f.orig.src);
  assert.equal(e.reply.src, f.reply.src);
  assert.equal(e.orig.srcPort, f.orig.sport);
  assert.equal(e.reply.srcPort, f.reply.sport);
  assert.equal(e.mark, f.mark, `${what} mark`);
  assert.equal(e.zone, f.zone, `${what} zone`);
  assert.equal(e.tcp?.state, f.state, `${what} state`);
  assert.ok(Math.abs(e.timeout! - f.timeout!) <= 2, `${what} timeout ${e.timeout} vs ${f.timeout}`);
  assert.equal(!e.statusFlags.includes("seen-reply"), f.flags.includes("unreplied"), `${what} unreplied`);
  assert.equal(e.statusFlags.includes("assured"), f.flags.includes("assured"), `${what} assured`);
  assert.ok(e.statusFlags.includes("confirmed"), `${what} confirmed`);
}

const SPECS: ConntrackSpec[] = [
  {
    orig: { src: "10.9.0.1", dst: "10.9.0.2", protocol: "udp", srcPort: 40000, dstPort: 53 },
    timeout: 120,
    status: ["seen-reply", "assured"],
    mark: 0x42,
    zone: 7,
  },
  {
    orig: { src: "fd00::1", dst: "fd00::2", protocol: "udp", srcPort: 0, dstPort: 65535 },
    timeout: 30,
  },
  {
    orig: { src: "10.9.0.1", dst: "10.9.0.3", protocol: "tcp", srcPort: 50000, dstPort: 80 },
    reply: { src: "10.9.0.3", dst: "10.9.0.1", protocol: "tcp", srcPort: 80, dstPort: 50000 },
    timeout: 3600,
    tcpState: "ESTABLISHED",
    status: ["seen-reply", "assured"],
    mark: 0xffffffff,
  },
  {
    orig: { src: "fd00::1", dst: "fd00::3", protocol: "tcp", srcPort: 50001, dstPort: 443 },
    timeout: 100,
    tcpState: "SYN_SENT",
    zone: 65535,
  },
];

test("create UDP and TCP entries (IPv4, IPv6) and conntrack -L -o xml lists them field by field", async () => {
  await withNetns("nfc-create", async (ns) => {
    loadConntrack(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const start = Date.now();
    for (const spec of SPECS) await ct.create(spec);
    const elapsed = Math.ceil((Date.now() - start) / 1000);
    assert.equal(conntrackList(ns).length, SPECS.length);
    for (const spec of SPECS) {
      const f = findFlow(ns, spec.orig);
      sameAsSpec(spec, f, elapsed);
      // And our own get reads back what conntrack shows.
      const e = await ct.get(spec.orig, { zone: spec.zone });
      assert.equal(e.id, f.id);
      assert.equal(e.orig.protocolName, spec.orig.protocol);
      sameEntry(e, f);
    }
    // The reply tuple is what conntrack finds by --reply-src.
    const udp6 = conntrackTool(ns, "-L -f ipv6 -p udp --reply-src fd00::2 --reply-port-src 65535");
    assert.match(udp6, /src=fd00::1 dst=fd00::2 sport=0 dport=65535 \[UNREPLIED\]/);
  });
}, { timeout: 60_000 });

test("update changes timeout, mark (with mask), status and TCP state; conntrack sees the changes", async () => {
  await withNetns("nfc-update", async (ns) => {
    loadConntrack(ns);
    await using ct = await Conntrack.open({ netns: ns });
    for (const spec of SPECS) await ct.create(spec);
    const [udp4, udp6, tcp4, tcp6] = SPECS;

    await ct.update(udp4.orig, { timeout: 1000, mark: 0x1234 }, { zone: udp4.zone });
    let f = findFlow(ns, udp4.orig);
    assert.ok(f.timeout! >= 997 && f.timeout! <= 1000, `timeout ${f.timeout}`);
    assert.equal(f.mark, 0x1234);
    assert.equal(f.zone, 7);
    assert.ok(f.flags.includes("assured"), "status untouched");
    sameEntry(await ct.get(udp4.orig, { zone: udp4.zone }), findFlow(ns, udp4.orig));

    // Only the masked bits of the mark change.
    await ct.update(udp4.orig, { mark: 0xff00, markMask: 0xff00 }, { zone: udp4.zone });
    assert.equal(findFlow(ns, udp4.orig).mark, 0xff34);

    // Status bits can be set (seen-reply, assured); the rest of the entry stays.
    assert.ok(findFlow(ns, udp6.orig).flags.includes("unreplied"));
    await ct.update(udp6.orig, { status: ["seen_reply", "ASSURED"], timeout: 77 });
    f = findFlow(ns, udp6.orig);
    assert.ok(!f.flags.includes("unreplied") && f.flags.includes("assured"), `flags ${f.flags}`);
    assert.ok(f.timeout! >= 74 && f.timeout! <= 77, `timeout ${f.timeout}`);
    // Setting a bit that is already set (with the others repeated for the kernel) is fine.
    await ct.update(udp6.orig, { status: ["assured"] });

    await ct.update(tcp6.orig, { tcpState: "ESTABLISHED", status: ["seen-reply"], mark: 5 }, { zone: tcp6.zone });
    f = findFlow(ns, tcp6.orig);
    assert.equal(f.state, "ESTABLISHED");
    assert.equal(f.mark, 5);
    assert.ok(!f.flags.includes("unreplied"));

    await ct.update(tcp4.orig, { timeout: 10 });
    f = findFlow(ns, tcp4.orig);
    assert.ok(f.timeout! <= 10 && f.timeout! >= 7, `timeout ${f.timeout}`);
    assert.equal(f.state, "ESTABLISHED");
    assert.equal(f.mark, 0xffffffff);
    for (const flow of conntrackList(ns)) {
      const orig = {
        src: flow.orig.src,
        dst: flow.orig.dst,
        protocol: flow.orig.protonum,
        srcPort: flow.orig.sport,
        dstPort: flow.orig.dport,
      };
      sameEntry(await ct.get(orig, { zone: flow.zone }), flow);
    }
  });
}, { timeout: 60_000 });

test("an entry made by conntrack -I is updated by ours", async () => {
  await withNetns("nfc-tool", async (ns) => {
    loadConntrack(ns);
    conntrackTool(
      ns,
      "-I -p udp -s 10.8.0.1 -d 10.8.0.2 --sport 1111 --dport 2222 -t 100 -u SEEN_REPLY,ASSURED -m 5 -w 3",
    );
    conntrackTool(ns, "-I -p tcp -s fd00::5 -d fd00::6 --sport 3333 --dport 4444 -t 100 --state SYN_SENT");
    await using ct = await Conntrack.open({ netns: ns });
    const udp: TupleSpec = { src: "10.8.0.1", dst: "10.8.0.2", protocol: "udp", srcPort: 1111, dstPort: 2222 };
    const tcp: TupleSpec = { src: "fd00::5", dst: "fd00::6", protocol: "tcp", srcPort: 3333, dstPort: 4444 };
    const before = findFlow(ns, udp);
    await ct.update(udp, { timeout: 500, mark: 0x99, status: ["assured"] }, { zone: 3 });
    const after = findFlow(ns, udp);
    assert.equal(after.id, before.id, "the same entry, changed in place");
    assert.equal(after.mark, 0x99);
    assert.ok(after.timeout! >= 497 && after.timeout! <= 500, `timeout ${after.timeout}`);
    assert.equal(after.zone, 3);
    assert.ok(after.flags.includes("assured"));
    await ct.update(tcp, { tcpState: "ESTABLISHED", status: ["seen-reply", "assured"], timeout: 300 });
    const t = findFlow(ns, tcp);
    assert.equal(t.state, "ESTABLISHED");
    assert.ok(t.flags.includes("assured") && !t.flags.includes("unreplied"), `flags ${t.flags}`);
    assert.ok(t.timeout! >= 297 && t.timeout! <= 300, `timeout ${t.timeout}`);
    // And conntrack -U sees what we set, the other way round.
    conntrackTool(ns, "-U -p tcp -s fd00::5 -m 0x7");
    const got = await ct.get(tcp);
    assert.equal(got.mark, 7);
    assert.equal(got.tcp?.state, "ESTABLISHED");
  });
}, { timeout: 60_000 });

test("create of an existing entry is EEXIST; update of a missing one is ENOENT (also in the wrong zone)", async () => {
  await withNetns("nfc-errors", async (ns) => {
    loadConntrack(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const [udp4, udp6] = SPECS;
    await ct.create(udp4);
    await assert.rejects(
      ct.create(udp4),
      (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST" && /IPCTNL_MSG_CT_NEW/.test(e.message),
    );
    // Made by conntrack -I, then created by us: still EEXIST.
    conntrackTool(ns, "-I -p udp -s fd00::1 -d fd00::2 --sport 0 --dport 65535 -t 50");
    await assert.rejects(ct.create(udp6), (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST");
    await assert.rejects(
      ct.update({ ...udp4.orig, srcPort: 1 }, { timeout: 5 }, { zone: udp4.zone }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
    );
    // The entry lives in zone 7: zone 0 has no such entry.
    await assert.rejects(
      ct.update(udp4.orig, { mark: 1 }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
    );
    // A status change reads the entry first: that get is the ENOENT.
    await assert.rejects(
      ct.update(udp4.orig, { status: ["assured"] }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
    );
    assert.equal(findFlow(ns, udp4.orig).mark, 0x42, "nothing changed");
  });
}, { timeout: 60_000 });

test("invalid create/update input is a TypeError (or AddressError) before anything is sent", async () => {
  await withNetns("nfc-invalid", async (ns) => {
    loadConntrack(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const orig: TupleSpec = { src: "10.9.0.1", dst: "10.9.0.2", protocol: "udp", srcPort: 1, dstPort: 2 };
    const bad: [string, ConntrackSpec, typeof TypeError | typeof AddressError][] = [
      ["bad address", { orig: { ...orig, src: "10.9.0" }, timeout: 5 }, AddressError],
      ["mixed families", { orig: { ...orig, dst: "::1" }, timeout: 5 }, AddressError],
      [
        "reply of another family",
        { orig, reply: { ...mirrorTuple(orig), src: "::2", dst: "::1" }, timeout: 5 },
        AddressError,
      ],
      ["reply of another protocol", { orig, reply: { ...mirrorTuple(orig), protocol: "tcp" }, timeout: 5 }, TypeError],
      ["port 65536", { orig: { ...orig, srcPort: 65536 }, timeout: 5 }, TypeError],
      ["negative port", { orig: { ...orig, dstPort: -1 }, timeout: 5 }, TypeError],
      ["fractional port", { orig: { ...orig, dstPort: 1.5 }, timeout: 5 }, TypeError],
      ["missing port", { orig: { ...orig, srcPort: undefined }, timeout: 5 }, TypeError],
      ["no timeout", { orig } as ConntrackSpec, TypeError],
      ["negative timeout", { orig, timeout: -1 }, TypeError],
      ["mark too big", { orig, timeout: 5, mark: 2 ** 32 }, TypeError],
      ["zone too big", { orig, timeout: 5, zone: 65536 }, TypeError],
      ["unknown status", { orig, timeout: 5, status: ["bogus"] }, TypeError],
      ["confirmed is the kernel's", { orig, timeout: 5, status: ["confirmed"] }, TypeError],
      ["dying cannot be set", { orig, timeout: 5, status: ["dying"] }, TypeError],
      ["TCP without state", { orig: { ...orig, protocol: "tcp" }, timeout: 5 }, TypeError],
      ["unknown TCP state", { orig: { ...orig, protocol: "tcp" }, timeout: 5, tcpState: "OPEN" as "NONE" }, TypeError],
      ["TCP state 10", { orig: { ...orig, protocol: "tcp" }, timeout: 5, tcpState: 10 }, TypeError],
      ["tcpState on UDP", { orig, timeout: 5, tcpState: "ESTABLISHED" }, TypeError],
      ["label 128", { orig, timeout: 5, labels: [128] }, TypeError],
      ["unknown protocol", { orig: { ...orig, protocol: "ospf" as "udp" }, timeout: 5 }, TypeError],
      ["icmp over IPv6", {
        orig: { src: "::1", dst: "::2", protocol: "icmp", icmpType: 8, icmpCode: 0, icmpId: 1 },
        timeout: 5,
      }, TypeError],
      ["icmp without a reply type", {
        orig: { src: "10.0.0.1", dst: "10.0.0.2", protocol: "icmp", icmpType: 3, icmpCode: 0, icmpId: 1 },
        timeout: 5,
      }, TypeError],
    ];
    for (const [what, spec, kind] of bad) {
      assert.throws(() => encodeCreateRequest(spec), kind, what);
      await assert.rejects(ct.create(spec), kind, what);
    }
    await ct.create({ orig, timeout: 50 });
    const badUpdates: [string, TupleSpec, Parameters<Conntrack["update"]>[1], { zone?: number }][] = [
      ["no change", orig, {}, {}],
      ["bad address", { ...orig, dst: "300.1.1.1" }, { timeout: 5 }, {}],
      ["port 70000", { ...orig, dstPort: 70000 }, { timeout: 5 }, {}],
      ["timeout 2^32", orig, { timeout: 2 ** 32 }, {}],
      ["markMask without mark", orig, { markMask: 1 }, {}],
      ["status names", orig, { status: ["src-nat"] }, {}],
      ["tcpState on UDP", orig, { tcpState: "ESTABLISHED" }, {}],
      ["labelsMask without labels", orig, { labelsMask: [1] }, {}],
      ["zone -1", orig, { timeout: 5 }, { zone: -1 }],
    ];
    for (const [what, tuple, changes, options] of badUpdates) {
      const invalid = (e: unknown) => e instanceof TypeError || e instanceof AddressError;
      assert.throws(() => encodeUpdateRequest(tuple, changes, options), invalid, what);
      await assert.rejects(ct.update(tuple, changes, options), invalid, what);
    }
    // Nothing but the one good entry reached the kernel, and it is unchanged.
    const flows = conntrackList(ns);
    assert.equal(flows.length, 1);
    assert.equal(flows[0].mark, 0);
    assert.ok(flows[0].timeout! > 40);
  });
}, { timeout: 60_000 });

test('events() sees our create as a "new" event and our update as an "update" event', async () => {
  await withNetns("nfc-events", async (ns) => {
    loadConntrack(ns);
    await using ct = await Conntrack.open({ netns: ns });
    const ac = new AbortController();
    const stream = ct.events({ signal: ac.signal });
    await stream.ready;
    const [udp4, , , tcp6] = SPECS;
    await ct.create(udp4);
    await ct.create(tcp6);
    await ct.update(udp4.orig, { mark: 0x77, timeout: 500 }, { zone: udp4.zone });
    const seen: ConntrackEvent[] = [];
    const timer = setTimeout(() => ac.abort(new Error("events did not arrive within 5 s")), 5000);
    try {
      for await (const ev of stream) {
        if (!("type" in ev)) continue;
        seen.push(ev);
        if (seen.length === 3) break;
      }
    } finally {
      clearTimeout(timer);
    }
    assert.deepEqual(seen.map((e) => e.type), ["new", "new", "update"]);
    const [created, created6, updated] = seen.map((e) => e.entry);
    assert.equal(created.orig.dstPort, 53);
    assert.equal(created.zone, 7);
    assert.equal(created.mark, 0x42);
    assert.ok(created.statusFlags.includes("assured"));
    assert.equal(created6.family, "inet6");
    assert.equal(created6.tcp?.state, "SYN_SENT");
    assert.equal(updated.mark, 0x77);
    assert.equal(updated.id, created.id);
    assert.equal(updated.id, findFlow(ns, udp4.orig).id);
  });
}, { timeout: 60_000 });

test(
  "labels: create and update set label bits (needs connlabel in use; conntrack needs connlabel.conf, so checked by get)",
  async () => {
    await withNetns("nfc-labels", async (ns) => {
      loadConntrack(ns);
      await using ct = await Conntrack.open({ netns: ns });
      const orig: TupleSpec = { src: "10.7.0.1", dst: "10.7.0.2", protocol: "udp", srcPort: 5, dstPort: 6 };
      // Without a connlabel user the kernel has nowhere to keep labels.
      await ct.create({ orig, timeout: 60 });
      await assert.rejects(
        ct.update(orig, { labels: [1] }),
        (e: unknown) => e instanceof NetlinkError && e.code === "ENOSPC",
      );
      ipt(ns, "-A", "OUTPUT", "-m", "connlabel", "--label", "1");
      const orig2 = { ...orig, srcPort: 7 };
      await ct.create({ orig: orig2, timeout: 60, labels: [1, 70, 127] });
      assert.deepEqual(labelBits((await ct.get(orig2)).labels!), [1, 70, 127]);
      await ct.update(orig2, { labels: [4], labelsMask: [4, 70] });
      assert.deepEqual(labelBits((await ct.get(orig2)).labels!), [1, 4, 127]);
      await ct.update(orig2, { labels: [9] });
      assert.deepEqual(labelBits((await ct.get(orig2)).labels!), [9]);
    });
  },
  { timeout: 60_000 },
);

test("encodeCreateRequest/encodeUpdateRequest: flags and attributes decode back to the spec", () => {
  const spec: ConntrackSpec = {
    orig: { src: "fd00::1", dst: "fd00::2", protocol: "tcp", srcPort: 1000, dstPort: 22 },
    timeout: 300,
    tcpState: "TIME_WAIT",
    status: ["seen-reply", "fixed-timeout"],
    mark: 9,
    zone: 2,
    labels: [0, 8],
  };
  const [msg] = parseMessages(encodeCreateRequest(spec));
  assert.equal(msg.type, 0x100, "IPCTNL_MSG_CT_NEW");
  assert.equal(msg.flags & (Flags.CREATE | Flags.EXCL | Flags.ACK), Flags.CREATE | Flags.EXCL | Flags.ACK);
  const e = decodeConntrack(msg);
  assert.equal(e.family, "inet6");
  assert.deepEqual(
    { src: e.reply.src, dst: e.reply.dst, srcPort: e.reply.srcPort, dstPort: e.reply.dstPort },
    { src: "fd00::2", dst: "fd00::1", srcPort: 22, dstPort: 1000 },
  );
  assert.deepEqual(e.statusFlags, ["seen-reply", "confirmed", "fixed-timeout"]);
  assert.equal(e.timeout, 300);
  assert.equal(e.mark, 9);
  assert.equal(e.zone, 2);
  assert.equal(e.tcp?.state, "TIME_WAIT");
  assert.deepEqual(labelBits(e.labels!), [0, 8]);

  const tuple: TupleSpec = { src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 1, dstPort: 2 };
  const [upd] = parseMessages(encodeUpdateRequest(tuple, { status: ["assured"] }, { currentStatus: 0x0a }));
  assert.equal(upd.flags & (Flags.CREATE | Flags.EXCL), 0, "no NLM_F_CREATE on update");
  // The update repeats confirmed and seen-reply, as the kernel requires, and adds assured.
  assert.equal(Attrs.parse(upd.payload.subarray(4)).be32(3 /* CTA_STATUS */), 0x0e);

  assert.deepEqual(
    mirrorTuple({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "icmp", icmpType: 8, icmpCode: 0, icmpId: 5 }),
    {
      src: "10.0.0.2",
      dst: "10.0.0.1",
      protocol: "icmp",
      icmpType: 0,
      icmpCode: 0,
      icmpId: 5,
    },
  );
  assert.equal(
    mirrorTuple({ src: "::1", dst: "::2", protocol: "icmpv6", icmpType: 128, icmpCode: 0, icmpId: 5 }).icmpType,
    129,
  );
});
