// The netdev family in a private namespace: the device dump against
// `ip -j link`, and the mgmt group's add/del notifications.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipJson, withNetns } from "../helpers/netns.ts";
import { Overrun } from "../../mod.ts";
import { type GenlEvent, GenlFamily, netdev } from "../../src/genl/mod.ts";

test("netdev: dev-get dump lists the namespace's devices as `ip -j link` does, with XDP features named", async () => {
  await withNetns("gn-nd-dump", async (ns) => {
    ip(ns, "link", "add", "va", "type", "veth", "peer", "name", "vb");
    await using nd = await GenlFamily.open(netdev, { netns: ns });
    const devs = [];
    for await (const d of nd.dump("devGet", {})) devs.push(d);
    const links = ipJson<{ ifindex: number; ifname: string }[]>(ns, "link", "show");
    assert.deepEqual(devs.map((d) => d.ifindex).sort(), links.map((l) => l.ifindex).sort());
    const lo = devs.find((d) => d.ifindex === links.find((l) => l.ifname === "lo")!.ifindex)!;
    assert.deepEqual(lo.xdpFeatures, []);
    const va = devs.find((d) => d.ifindex === links.find((l) => l.ifname === "va")!.ifindex)!;
    assert.ok(va.xdpFeatures?.includes("basic") && va.xdpFeatures.includes("redirect"), String(va.xdpFeatures));
    // A single device by ifindex gives the same.
    assert.deepEqual(await nd.request("devGet", { ifindex: va.ifindex! }), va);
  });
});

test("netdev: the mgmt group announces a veth pair created and deleted in the namespace", async () => {
  await withNetns("gn-nd-mgmt", async (ns) => {
    await using nd = await GenlFamily.open(netdev, { netns: ns });
    await using events = nd.events("mgmt", { signal: AbortSignal.timeout(10_000) });
    await events.ready;
    ip(ns, "link", "add", "va", "type", "veth", "peer", "name", "vb");
    const ids = ipJson<{ ifindex: number; ifname: string }[]>(ns, "link", "show").filter((l) => l.ifname !== "lo")
      .map((l) => l.ifindex).sort();
    ip(ns, "link", "del", "va");
    const added = new Set<number>();
    const deleted = new Set<number>();
    const seen: GenlEvent<typeof netdev>[] = [];
    for await (const ev of events) {
      assert.ok(!(ev instanceof Overrun));
      seen.push(ev);
      if (ev.name === "devAddNtf") added.add(ev.attrs.ifindex!);
      if (ev.name === "devDelNtf") deleted.add(ev.attrs.ifindex!);
      if (ids.every((i) => added.has(i) && deleted.has(i))) break;
    }
    assert.deepEqual([...added].sort(), ids);
    assert.deepEqual([...deleted].sort(), ids);
  });
});
