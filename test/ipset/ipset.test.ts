// ipset on the real kernel, in namespaces, with the `ipset` tool as the
// oracle: sets the tool writes read back by us field by field against
// `ipset list -o xml`; sets we write read back by the tool; membership
// tested both ways; failing writes leave the sets as they were, with the
// right error; swap and rename; a set held by an iptables `-m set` rule
// refuses destroy.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Ipset, IPSET_CMD, ipsetAttrs, IpsetError, type IpsetSet, NFNL_SUBSYS_IPSET } from "../../src/ipset/mod.ts";
import { nfnlMessage } from "../../src/netfilter/mod.ts";
import { Flags } from "../../src/wire/constants.ts";
import { NetlinkError } from "../../src/wire/errors.ts";
import { writeAttrs } from "../../src/wire/schema.ts";
import { headerAsXml, ipsetCmd, listXml, memberAsXml, type XmlSet } from "./oracle.ts";
import { SETUP } from "./capture.ts";

/** Whether `ipset test` in `ns` says the member is in the set (exit 0). */
function toolTest(ns: string, set: string, member: string): boolean {
  try {
    execFileSync("ip", ["netns", "exec", ns, "ipset", "test", set, member], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

function restore(ns: string, script: string): void {
  sh("ip", ["netns", "exec", ns, "ipset", "restore"], script);
}

/** Our listing and the tool's, compared field by field (members by their text: hash order is the kernel's). */
function assertSame(ours: IpsetSet[], xml: XmlSet[], timeoutSlack = 0): void {
  assert.deepEqual(ours.map((s) => s.name), xml.map((s) => s.name));
  for (const [i, x] of xml.entries()) {
    const set = ours[i];
    assert.equal(set.type, x.type, set.name);
    assert.equal(set.revision, x.revision, set.name);
    assert.deepEqual(headerAsXml(set), x.header, set.name);
    const mine = set.members.map(memberAsXml);
    assert.equal(mine.length, x.members.length, set.name);
    for (const [j, m] of x.members.entries()) {
      const o = { ...mine[j] };
      if (timeoutSlack && o.timeout !== undefined && m.timeout !== undefined) {
        assert.ok(Math.abs(Number(o.timeout) - Number(m.timeout)) <= timeoutSlack, `${set.name} ${m.elem} timeout`);
        o.timeout = m.timeout;
      }
      assert.deepEqual(o, m, set.name);
    }
  }
}

test("ipset: sets written by `ipset restore` read back field by field as `ipset list -o xml` shows them", async () => {
  await withNetns("ips-read", async (ns) => {
    // A large set too, whose listing the kernel splits over several messages.
    const big = [
      "create skb hash:ip netmask 24 skbinfo forceadd",
      "add skb 10.0.0.1 skbmark 0x10/0xff skbprio 1:2 skbqueue 3",
      "create big hash:ip maxelem 4096",
    ];
    for (let i = 0; i < 3000; i++) big.push(`add big 10.1.${i >> 8}.${i & 255}`);
    restore(ns, SETUP + big.join("\n") + "\n");
    await using ipset = await Ipset.open({ netns: ns });
    const ours = await ipset.list();
    assertSame(ours, listXml(ns));
    assert.equal(ours.find((s) => s.name === "big")!.members.length, 3000);
    // The kernel did continue "big" over several messages (what IpsetListing joins).
    const request = nfnlMessage(NFNL_SUBSYS_IPSET, IPSET_CMD.LIST, Flags.DUMP);
    writeAttrs(request, ipsetAttrs, { protocol: 7, setname: "big" });
    let parts = 0;
    for await (const _ of ipset.socket.dump(request.finish())) parts++;
    assert.ok(parts >= 2, `${parts} message(s)`);
    const skb = ours.find((s) => s.name === "skb")!;
    assert.deepEqual([skb.options.netmask, skb.options.skbinfo, skb.options.forceadd], [24, true, true]);
    assert.deepEqual(skb.members[0], {
      elem: "10.0.0.0",
      ip: "10.0.0.0",
      skbmark: "0x10/0xff",
      skbprio: 0x10002,
      skbqueue: 3,
    });
    // One set by name, and headers only.
    const [one] = await ipset.list("cap-ipport");
    assertSame([one], listXml(ns, "cap-ipport"));
    const terse = await ipset.list(undefined, { terse: true });
    assert.deepEqual(terse.map((s) => [s.name, s.members.length]), ours.map((s) => [s.name, 0]));
    assert.deepEqual(terse.map((s) => s.entries), ours.map((s) => s.entries));
    assert.deepEqual(await ipset.header("cap-net6"), {
      name: "cap-net6",
      type: "hash:net",
      revision: ours.find((s) => s.name === "cap-net6")!.revision,
      family: "inet6",
    });
  });
});

test("ipset: sets and members written by us read back by `ipset list -o xml`", async () => {
  await withNetns("ips-write", async (ns) => {
    await using ipset = await Ipset.open({ netns: ns });
    await ipset.create({
      name: "w-ip",
      type: "hash:ip",
      timeout: 600,
      counters: true,
      comment: true,
      maxelem: 1000,
      hashsize: 64,
    });
    await ipset.add("w-ip", "192.0.2.1", { timeout: 300, comment: "from nlts", packets: 7, bytes: 700n });
    await ipset.add("w-ip", { ip: "192.0.2.2" }, { timeout: 0 });
    await ipset.create({ name: "w-net6", type: "hash:net", family: "inet6" });
    await ipset.add("w-net6", "2001:db8::/32");
    await ipset.add("w-net6", "2001:db8:5::/48", { nomatch: true });
    await ipset.add("w-net6", { ip: "fd00::7" });
    await ipset.create({ name: "w-ipport", type: "hash:ip,port", family: "inet6" });
    await ipset.add("w-ipport", "2001:db8::1,tcp:443");
    await ipset.add("w-ipport", { ip: "2001:db8::1", proto: "udp", port: 53 });
    await ipset.add("w-ipport", "2001:db8::1,icmpv6:ping");
    await ipset.create({ name: "w-iface", type: "hash:net,iface" });
    await ipset.add("w-iface", "10.0.0.0/8,eth0");
    await ipset.add("w-iface", { ip: "10.2.0.0", cidr: 16, iface: "br0", physdev: true });
    await ipset.create({ name: "w-ports", type: "bitmap:port", range: { from: 1000, to: 2000 }, timeout: 60 });
    await ipset.add("w-ports", "1500", { timeout: 0 });
    await ipset.add("w-ports", { port: 2000 }, { timeout: 0 });
    await ipset.create({ name: "w-list", type: "list:set", size: 8 });
    await ipset.add("w-list", "w-ip");
    await ipset.add("w-list", "w-net6", { before: "w-ip" });
    await ipset.add("w-list", { name: "w-ports" }, { after: "w-ip" });

    const xml = listXml(ns);
    assertSame(await ipset.list(), xml, 2);
    const by = new Map(xml.map((s) => [s.name, s]));
    // What we asked for, as the tool prints it.
    assert.deepEqual(
      [by.get("w-ip")!.header.hashsize, by.get("w-ip")!.header.maxelem, by.get("w-ip")!.header.timeout],
      ["64", "1000", "600"],
    );
    assert.equal(by.get("w-ip")!.header.counters, "");
    assert.equal(by.get("w-ip")!.header.comment, "");
    const m1 = by.get("w-ip")!.members.find((m) => m.elem === "192.0.2.1")!;
    assert.deepEqual([m1.packets, m1.bytes, m1.comment], ["7", "700", '"from nlts"']);
    assert.ok(Number(m1.timeout) > 290 && Number(m1.timeout) <= 300, m1.timeout);
    assert.equal(by.get("w-ip")!.members.find((m) => m.elem === "192.0.2.2")!.timeout, "0");
    assert.equal(by.get("w-net6")!.header.family, "inet6");
    assert.deepEqual(
      by.get("w-net6")!.members.map((m) => m.elem + ("nomatch" in m ? " nomatch" : "")).sort(),
      ["2001:db8:5::/48 nomatch", "2001:db8::/32", "fd00::7"],
    );
    assert.deepEqual(
      by.get("w-ipport")!.members.map((m) => m.elem).sort(),
      ["2001:db8::1,ipv6-icmp:echo-request", "2001:db8::1,tcp:443", "2001:db8::1,udp:53"],
    );
    assert.deepEqual(by.get("w-iface")!.members.map((m) => m.elem).sort(), [
      "10.0.0.0/8,eth0",
      "10.2.0.0/16,physdev:br0",
    ]);
    assert.equal(by.get("w-ports")!.header.range, "1000-2000");
    assert.deepEqual(by.get("w-ports")!.members.map((m) => m.elem), ["1500", "2000"]);
    assert.equal(by.get("w-list")!.header.size, "8");
    assert.deepEqual(by.get("w-list")!.members.map((m) => m.elem), ["w-net6", "w-ip", "w-ports"]);
    // The same set again: EEXIST, unless exist and identical.
    await assert.rejects(
      ipset.create({ name: "w-net6", type: "hash:net", family: "inet6" }),
      (e: unknown) => e instanceof IpsetError && e.code === "EEXIST" && /same name already exists/.test(e.message),
    );
    await ipset.create({ name: "w-net6", type: "hash:net", family: "inet6" }, { exist: true });
    // flush and destroy, as the tool sees them.
    await ipset.flush("w-iface");
    assert.deepEqual(listXml(ns, "w-iface")[0].members, []);
    await ipset.destroy("w-iface");
    assert.ok(!listXml(ns).some((s) => s.name === "w-iface"));
  });
});

test("ipset: test() and `ipset test` agree, for members either of us added", async () => {
  await withNetns("ips-test", async (ns) => {
    restore(
      ns,
      `create t-ip hash:ip
add t-ip 10.0.0.1
create t-net hash:net
add t-net 10.8.0.0/16
create t-port hash:ip,port
add t-port 10.0.0.1,udp:53
create t-iface hash:net,iface
add t-iface 10.0.0.0/8,eth0
create t-bm bitmap:port range 0-1023
add t-bm 22
create t-list list:set
add t-list t-ip
`,
    );
    await using ipset = await Ipset.open({ netns: ns });
    await ipset.add("t-ip", "10.0.0.2");
    await ipset.add("t-port", "10.0.0.2,tcp:80");
    const cases: [string, string][] = [
      ["t-ip", "10.0.0.1"],
      ["t-ip", "10.0.0.2"],
      ["t-ip", "10.0.0.3"],
      ["t-net", "10.8.0.0/16"],
      ["t-net", "10.8.3.4"],
      ["t-net", "10.9.0.0/16"],
      ["t-port", "10.0.0.1,udp:53"],
      ["t-port", "10.0.0.1,tcp:53"],
      ["t-port", "10.0.0.2,80"],
      ["t-iface", "10.0.0.0/8,eth0"],
      ["t-iface", "10.0.0.0/8,eth1"],
      ["t-bm", "22"],
      ["t-bm", "23"],
      ["t-list", "t-ip"],
      ["t-list", "t-net"],
    ];
    const seen: boolean[] = [];
    for (const [set, member] of cases) {
      const ours = await ipset.test(set, member);
      assert.equal(ours, toolTest(ns, set, member), `${set} ${member}`);
      seen.push(ours);
    }
    assert.ok(seen.includes(true) && seen.includes(false));
    // An address is in a hash:net set when a network of it is (as the doc of test() says).
    assert.equal(await ipset.test("t-net", "10.8.3.4"), true);
    await assert.rejects(
      ipset.test("t-none", "10.0.0.1"),
      (e: unknown) => e instanceof IpsetError && e.code === "ENOENT",
    );
  });
});

test("ipset: a failing write leaves the sets as they were, with the right error", async () => {
  await withNetns("ips-fail", async (ns) => {
    restore(
      ns,
      `create f-ip hash:ip
add f-ip 10.0.0.1
create f-ip6 hash:ip family inet6
create f-bm bitmap:port range 1000-2000
create f-list list:set size 2
`,
    );
    await using ipset = await Ipset.open({ netns: ns });
    const before = listXml(ns);
    const refused = async (p: Promise<unknown>, code: string, text?: RegExp) => {
      await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof IpsetError, String(e));
        assert.equal(e.code, code);
        if (text) assert.match(e.message, text);
        return true;
      });
    };
    await refused(ipset.add("f-none", "10.0.0.1"), "ENOENT", /ipset add f-none .*does not exist/);
    await refused(ipset.add("f-ip", "10.0.0.1"), "IPSET_ERR_EXIST", /already added/);
    await refused(ipset.del("f-ip", "10.0.0.9"), "IPSET_ERR_EXIST", /not added/);
    await refused(ipset.add("f-ip", "10.0.0.2", { timeout: 5 }), "IPSET_ERR_TIMEOUT", /without timeout support/);
    await refused(ipset.add("f-ip", "10.0.0.2", { comment: "x" }), "IPSET_ERR_COMMENT");
    await refused(ipset.add("f-ip", "10.0.0.2", { packets: 1 }), "IPSET_ERR_COUNTER");
    await refused(ipset.add("f-bm", "3000"), "IPSET_ERR_BITMAP_RANGE", /out of the range/);
    await refused(ipset.add("f-list", "f-none"), "IPSET_ERR_NAME", /does not exist/);
    await refused(ipset.add("f-list", "f-ip", { before: "f-ip6" }), "IPSET_ERR_REF_EXIST");
    await refused(ipset.create({ name: "f-ip", type: "hash:net" }), "EEXIST");
    await refused(ipset.destroy("f-none"), "ENOENT");
    await refused(ipset.list("f-none"), "ENOENT", /ipset list f-none .*does not exist/);
    // What our checks would catch, sent raw: the kernel's extended ACK names the attribute.
    const raw = nfnlMessage(NFNL_SUBSYS_IPSET, IPSET_CMD.FLUSH);
    raw.u8(1, 7).str(2, "x".repeat(40));
    await assert.rejects(ipset.socket.request(raw.finish()), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "EINVAL");
      assert.equal(e.extAck?.path, "IPSET_ATTR_SETNAME");
      assert.match(e.message, /^IPSET_CMD_FLUSH failed with EINVAL: .*policy.*\(attribute IPSET_ATTR_SETNAME\)$/);
      return true;
    });
    // Caught before anything is sent: the wrong family, bad text, out-of-range values.
    await assert.rejects(ipset.add("f-ip6", "10.0.0.1"), /IPv4 address, but the set is of family inet6/);
    await assert.rejects(ipset.add("f-ip", "fd00::1"), /IPv6 address, but the set is of family inet/);
    await assert.rejects(ipset.add("f-ip", { ip: "10.0.0.1", port: 80 }), /hash:ip element has no port/);
    await assert.rejects(ipset.add("f-bm", "99999"), TypeError);
    await assert.rejects(ipset.add("f-ip", "10.0.0.3", { timeout: -1 }), TypeError);
    await assert.rejects(ipset.add("f-ip", "10.0.0.3", { comment: "x".repeat(256) }), TypeError);
    await assert.rejects(ipset.create({ name: "x".repeat(32), type: "hash:ip" }), TypeError);
    await assert.rejects(ipset.create({ name: "f-x", type: "hash:ip", range: "1-2" } as never), /takes no range/);
    await assert.rejects(ipset.create({ name: "f-x", type: "bitmap:port" }), /needs a range/);
    await assert.rejects(ipset.create({ name: "f-x", type: "hash:ip", hashsize: 100 }), /power of two/);
    assert.deepEqual(listXml(ns), before);
    // -exist turns the EXIST refusals into successes that change nothing.
    await ipset.add("f-ip", "10.0.0.1", { exist: true });
    await ipset.del("f-ip", "10.0.0.9", { exist: true });
    assert.deepEqual(listXml(ns), before);
  });
});

test("ipset: swap and rename as `ipset list` sees them, and their refusals", async () => {
  await withNetns("ips-swap", async (ns) => {
    restore(
      ns,
      `create s-a hash:ip
add s-a 10.0.0.1
create s-b hash:ip
add s-b 10.0.0.2
add s-b 10.0.0.3
create s-net hash:net
create s-list list:set
add s-list s-net
`,
    );
    await using ipset = await Ipset.open({ netns: ns });
    await ipset.swap("s-a", "s-b");
    const members = (name: string) => listXml(ns, name)[0].members.map((m) => m.elem).sort();
    assert.deepEqual(members("s-a"), ["10.0.0.2", "10.0.0.3"]);
    assert.deepEqual(members("s-b"), ["10.0.0.1"]);
    await ipset.rename("s-b", "s-c");
    assert.deepEqual(listXml(ns).map((s) => s.name), ["s-a", "s-c", "s-net", "s-list"]);
    assert.deepEqual(members("s-c"), ["10.0.0.1"]);
    const before = listXml(ns);
    const refused = (p: Promise<unknown>, code: string) =>
      assert.rejects(p, (e: unknown) => e instanceof IpsetError && e.code === code);
    await refused(ipset.swap("s-a", "s-net"), "IPSET_ERR_TYPE_MISMATCH");
    await refused(ipset.swap("s-a", "s-none"), "IPSET_ERR_EXIST_SETNAME2");
    await refused(ipset.swap("s-none", "s-a"), "ENOENT");
    await refused(ipset.rename("s-a", "s-c"), "IPSET_ERR_EXIST_SETNAME2");
    await refused(ipset.rename("s-net", "s-net2"), "IPSET_ERR_REFERENCED"); // held by s-list
    await refused(ipset.destroy("s-net"), "IPSET_ERR_BUSY");
    // list:set: a member deleted only where it is said to be.
    await refused(ipset.del("s-list", "s-net", { before: "s-a" }), "IPSET_ERR_REF_EXIST");
    await assert.rejects(ipset.del("s-a", "10.0.0.2", { before: "s-c" }), /before and after are for list:set/);
    assert.deepEqual(listXml(ns), before);
    await ipset.add("s-list", "s-a", { after: "s-net" });
    await ipset.del("s-list", "s-net", { before: "s-a" });
    assert.deepEqual(listXml(ns, "s-list")[0].members.map((m) => m.elem), ["s-a"]);
  });
});

test("ipset: a set an iptables `-m set` rule refers to refuses destroy (IPSET_ERR_BUSY) until the rule goes", async () => {
  await withNetns("ips-ipt", async (ns) => {
    await using ipset = await Ipset.open({ netns: ns });
    await ipset.create({ name: "held", type: "hash:ip" });
    await ipset.add("held", "192.0.2.1");
    sh("ip", ["netns", "exec", ns, "iptables", "-A", "INPUT", "-m", "set", "--match-set", "held", "src", "-j", "DROP"]);
    const [set] = await ipset.list("held");
    assert.equal(set.references, 1);
    assert.equal(listXml(ns, "held")[0].header.references, "1");
    await assert.rejects(ipset.destroy("held"), (e: unknown) => {
      assert.ok(e instanceof IpsetError);
      assert.equal(e.code, "IPSET_ERR_BUSY");
      assert.match(e.message, /in use by a kernel component/);
      return true;
    });
    assert.deepEqual(listXml(ns, "held")[0].members, [{ elem: "192.0.2.1" }]);
    sh("ip", ["netns", "exec", ns, "iptables", "-D", "INPUT", "-m", "set", "--match-set", "held", "src", "-j", "DROP"]);
    await ipset.destroy("held");
    assert.equal(ipsetCmd(ns, "list", "-n").trim(), "");
  });
});

test("ipset: addAll adds thousands in a few datagrams as the tool sees them, and is all or nothing", async () => {
  await withNetns("ips-bulk", async (ns) => {
    restore(ns, "create bulk hash:ip maxelem 100000\ncreate bm bitmap:port range 0-1000\nadd bm 7\n");
    await using ipset = await Ipset.open({ netns: ns });
    const all = Array.from({ length: 5000 }, (_, i) => `10.2.${i >> 8}.${i & 255}`);
    await ipset.addAll("bulk", all);
    const members = listXml(ns, "bulk")[0].members.map((m) => m.elem);
    assert.equal(members.length, 5000);
    assert.deepEqual(new Set(members), new Set(all));
    // One member already there (without exist): refused, and the others this call added are gone again.
    await ipset.create({ name: "some", type: "hash:ip" });
    await ipset.add("some", "10.3.0.50");
    const before = listXml(ns);
    const batch = Array.from({ length: 100 }, (_, i) => `10.3.0.${i}`);
    await assert.rejects(ipset.addAll("some", batch), (e: unknown) => {
      assert.ok(e instanceof IpsetError);
      assert.equal(e.code, "IPSET_ERR_EXIST");
      assert.match(e.message, /member 50: "10\.3\.0\.50"/);
      return true;
    });
    // A refusal the kernel alone sees (out of the bitmap's range), with members after it in the same datagram.
    await assert.rejects(
      ipset.addAll("bm", ["1", "2", "5000", "3"]),
      (e: unknown) => e instanceof IpsetError && e.code === "IPSET_ERR_BITMAP_RANGE" && /member 2/.test(e.message),
    );
    // A member of the wrong family: refused before anything is sent.
    await assert.rejects(ipset.addAll("some", ["10.3.1.1", "fd00::1"]), /member 1: .*IPv6 address/);
    assert.deepEqual(listXml(ns), before);
    // With exist, members already there are fine.
    await ipset.addAll("some", ["10.3.0.50", "10.3.0.51"], { exist: true });
    assert.deepEqual(listXml(ns, "some")[0].members.map((m) => m.elem).sort(), ["10.3.0.50", "10.3.0.51"]);
  });
});
