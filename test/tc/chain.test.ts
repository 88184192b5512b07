// Filter chains and filter get, against tc -j in private namespaces: chains listed, added and deleted as
// `tc chain` shows them, a template the classifier cannot have refused with the kernel's text, TCA_CHAIN on
// filters and chain events; one filter by its handle as `tc filter get` finds it.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { NetlinkError, parseMessages, RouteClient, subscribe } from "../../mod.ts";
import { decodeChain, encodeChainRequest, encodeFilterGet, parseU32Handle } from "../../src/tc/mod.ts";
import { eventLine } from "../../src/cli/route.ts";

function tcJson(ns: string, ...args: string[]): any[] {
  const out = sh("tc", ["-n", ns, "-j", ...args]).trim();
  return out ? JSON.parse(out) : [];
}

const tc = (ns: string, line: string) => sh("tc", ["-n", ns, ...line.split(" ")]);

test("chains: listed, added and deleted as tc -j chain show has them; TCA_CHAIN on filters; chain events", async () => {
  await withNetns("tcw-chain", async (ns) => {
    sh("ip", ["-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    await using rt = await RouteClient.open({ netns: ns });
    await using events = subscribe(["tc"], { netns: ns });
    await events.ready;
    tc(ns, "qdisc add dev v0 ingress");
    tc(ns, "qdisc add dev v1 root handle 1: htb");
    tc(ns, "filter add dev v0 ingress protocol ip prio 1 chain 3 u32 match ip dst 10.0.0.1/32");
    await rt.tc.addChain({ dev: "v0", parent: "ingress", chain: 7 });
    await rt.tc.addChain({ dev: "v1", parent: "1:", chain: 2 });
    await assert.rejects(rt.tc.addChain({ dev: "v0", parent: "ingress", chain: 7 }), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "EEXIST");
      return true;
    });
    // u32 has no templates: the kernel refuses one, in its words.
    await assert.rejects(
      rt.tc.addChain({ dev: "v0", parent: "ingress", chain: 8, template: { kind: "u32" } }),
      (e: unknown) => {
        assert.ok(e instanceof NetlinkError);
        assert.equal(e.code, "EOPNOTSUPP");
        assert.equal(e.extAck?.message, "Chain templates are not supported with specified classifier");
        return true;
      },
    );
    for (const [dev, parent, theirs] of [["v0", "ingress", "ingress"], ["v1", "1:", "parent 1:"]]) {
      const ours = await Array.fromAsync(rt.tc.chains({ dev, parent }));
      // tc leaves out the parent it was asked for.
      const want = tcJson(ns, "chain", "show", "dev", dev, ...theirs.split(" "))
        .map((c) => ({ parent: c.parent ?? parent, chain: c.chain }));
      assert.deepEqual(ours.map((c) => ({ parent: c.parent, chain: c.chain })), want, `${dev} ${theirs}`);
      assert.ok(ours.every((c) => c.template === undefined));
    }
    const [filter] = await Array.fromAsync(rt.tc.filters({ dev: "v0", parent: "ingress" }));
    assert.equal(filter.chain, 3);
    await rt.tc.deleteChain({ dev: "v0", parent: "ingress", chain: 7 });
    await rt.tc.deleteChain({ dev: "v0", parent: "ingress", chain: 3 }); // with its filter
    assert.deepEqual(tcJson(ns, "chain", "show", "dev", "v0", "ingress"), []);
    assert.deepEqual(tcJson(ns, "filter", "show", "dev", "v0", "ingress"), []);
    await assert.rejects(
      rt.tc.deleteChain({ dev: "v0", parent: "ingress", chain: 7 }),
      (e: unknown) => e instanceof NetlinkError && e.code === "EINVAL",
    );
    // The events: each chain added and deleted, named as in the listing.
    const seen: string[] = [];
    const names = new Map<number, string>();
    for await (const e of events) {
      if (!("kind" in e) || e.kind !== "chain") continue;
      seen.push(`${e.action} ${e.chain.parent} ${e.chain.chain}`);
      assert.match(eventLine(e, names), /^\[chain\] (new|del) dev \d+ parent (ffff|1): chain \d+$/);
      if (seen.includes("del ffff: 3")) break;
    }
    // The kernel announces the deletion of chain 8, which it made for the refused template and took away again.
    assert.deepEqual(seen, ["new ffff: 3", "new ffff: 7", "new 1: 2", "del ffff: 8", "del ffff: 7", "del ffff: 3"]);
    // Input tc would refuse is a TypeError before anything is sent.
    assert.throws(() => encodeChainRequest("add", 1, { dev: 1, parent: "ingress", chain: -1 }), TypeError);
    assert.throws(() => encodeChainRequest("add", 1, { dev: 1, parent: "1:x", chain: 1 }), TypeError);
    assert.throws(
      () => encodeChainRequest("del", 1, { dev: 1, parent: "1:", chain: 1, template: { kind: "u32" } }),
      TypeError,
    );
  });
});

test("a chain message decodes from bytes built from rtnetlink.h; truncated ones are ParseErrors", () => {
  const [msg] = parseMessages(encodeChainRequest("add", 4, { dev: 4, parent: "ingress", chain: 9 }));
  assert.deepEqual({ ...decodeChain(msg) }, { ifindex: 4, parent: "ffff:fff2", chain: 9, unknown: [] });
  for (let cut = 0; cut < msg.payload.length; cut++) {
    try {
      decodeChain({ ...msg, payload: msg.payload.subarray(0, cut) });
    } catch (e) {
      assert.equal((e as Error).name, "ParseError", `cut at ${cut}: ${e}`);
    }
  }
});

test("filter get: one filter by dev, parent, protocol, pref and handle, as tc filter get finds it", async () => {
  await withNetns("tcw-fget", async (ns) => {
    sh("ip", ["-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    await using rt = await RouteClient.open({ netns: ns });
    tc(ns, "qdisc add dev v0 root handle 1: htb");
    tc(ns, "filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.1/32 flowid 1:10");
    tc(ns, "filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.2/32 flowid 1:20");
    tc(ns, "qdisc add dev v0 ingress");
    tc(ns, "filter add dev v0 ingress protocol all prio 4 chain 2 u32 match u32 0 0");
    for (
      const [parent, protocol, pref, handle, chain, theirs] of [
        ["1:", "ip", 1, "800::801", undefined, "parent 1:"],
        ["ingress", "all", 4, "800::800", 2, "ingress"], // the ingress qdisc's u32 tables are its own
      ] as const
    ) {
      const [want] = tcJson(
        ns,
        "filter",
        "get",
        "dev",
        "v0",
        ...theirs.split(" "),
        "protocol",
        protocol,
        "pref",
        String(pref),
        "handle",
        handle,
        ...(chain === undefined ? [] : ["chain", String(chain)]),
        "u32",
      );
      const f = await rt.tc.getFilter({ dev: "v0", parent, protocol, priority: pref, handle, kind: "u32", chain });
      assert.deepEqual([f.kind, f.handle, f.protocol, f.priority, f.chain], [
        want.kind,
        want.options.fh,
        want.protocol,
        want.pref,
        want.chain,
      ]);
      if (want.options.flowid) assert.equal((f.options as any).classid, want.options.flowid);
      const key = (f.options as any).selector.keys[0];
      assert.deepEqual([key.value.toString(16), key.mask.toString(16), key.off], [
        want.options.match.value,
        want.options.match.mask,
        want.options.match.off,
      ]);
    }
    await assert.rejects(
      rt.tc.getFilter({ dev: "v0", parent: "1:", protocol: "ip", priority: 1, handle: "800::8ff", kind: "u32" }),
      (e: unknown) => {
        assert.ok(e instanceof NetlinkError);
        assert.equal(e.code, "ENOENT");
        assert.equal(e.extAck?.message, "Specified filter handle not found");
        return true;
      },
    );
    await assert.rejects(
      rt.tc.getFilter({ dev: "v0", parent: "1:", protocol: "ip", priority: 1, handle: 0x80000800, kind: "bpf" }),
      (e: unknown) => e instanceof NetlinkError && e.code === "EINVAL",
    );
    // Checked before anything is sent.
    for (const bad of ["800::1000", "1000:", "x:", "1:2:3:4", "800"]) {
      assert.throws(() => parseU32Handle(bad), TypeError, bad);
    }
    assert.deepEqual(["800::800", "800:", "1:2:3", "0x80000800", ":1:"].map(parseU32Handle), [
      0x80000800,
      0x80000000,
      0x00102003,
      0x80000800,
      0x1000,
    ]);
    assert.throws(
      () => encodeFilterGet(1, { dev: 1, parent: "1:", protocol: "ip", priority: 0, handle: 1 }),
      TypeError,
    );
    assert.throws(
      () => encodeFilterGet(1, { dev: 1, parent: "1:", protocol: "ipx", priority: 1, handle: 1 }),
      TypeError,
    );
  });
});
