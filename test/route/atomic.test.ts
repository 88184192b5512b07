// All-or-nothing writes: a call that fails leaves `ip -j -d link` exactly as
// it was before the call.
import assert from "node:assert/strict";
import { runtime, test } from "../helpers/harness.ts";
import { ip, ipJson, withNetns } from "../helpers/netns.ts";
import { AddressError, NetlinkError, RouteClient } from "../../mod.ts";

/** The namespace's links as `ip -j -d link` reports them, without counters that move by themselves. */
function linkState(ns: string): unknown {
  return ipJson(ns, "-d", "link", "show");
}

/** A veth pair v0/v1 and a bridge br0, all down; v1 also named "taken-name". */
function setUp(ns: string): void {
  ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
  ip(ns, "link", "add", "br0", "type", "bridge");
  ip(ns, "link", "property", "add", "dev", "v1", "altname", "taken-name");
}

async function failsUnchanged(ns: string, call: () => Promise<unknown>, check: (e: unknown) => boolean) {
  const before = linkState(ns);
  await assert.rejects(call(), (e: unknown) => {
    assert.ok(check(e), `unexpected error: ${e}`);
    return true;
  });
  assert.deepEqual(linkState(ns), before);
}

const code = (c: string) => (e: unknown) => e instanceof NetlinkError && e.code === c;

test(`setLink with an alternative name already taken changes nothing (mtu, up, alias, a free name alongside) (${runtime})`, async () => {
  await withNetns(`nsi-atomic-alt-${runtime}`, async (ns) => {
    setUp(ns);
    await using rt = await RouteClient.open({ netns: ns });
    await failsUnchanged(ns, () => rt.setLink("v0", { mtu: 1400, altNames: { add: ["taken-name"] } }), code("EEXIST"));
    // The kernel adds the names of one request one by one: the free one is taken back.
    await failsUnchanged(
      ns,
      () => rt.setLink("v0", { mtu: 1400, alias: "x", promisc: true, altNames: { add: ["free-name", "taken-name"] } }),
      code("EEXIST"),
    );
    // The same call with a free name does everything.
    await rt.setLink("v0", { mtu: 1400, altNames: { add: ["free-name"] } });
    const [v0] = ipJson(ns, "link", "show", "v0");
    assert.equal(v0.mtu, 1400);
    assert.deepEqual(v0.altnames, ["free-name"]);
  });
});

test(`setLink that the kernel applies in part (mtu, then a taken name or a bad master) is rolled back (${runtime})`, async () => {
  await withNetns(`nsi-atomic-part-${runtime}`, async (ns) => {
    setUp(ns);
    await using rt = await RouteClient.open({ netns: ns });
    // RTM_NEWLINK sets the MTU before the name: EEXIST comes after the MTU changed.
    await failsUnchanged(ns, () => rt.setLink("v0", { mtu: 1400, txqlen: 77, name: "v1" }), code("EEXIST"));
    // The master is set after the MTU and the flags: v1 is no bridge.
    await failsUnchanged(ns, () => rt.setLink("v0", { mtu: 1300, up: true, group: 9, master: "v1" }), () => true);
    // A rename by name, then a failure: the link gets its name back.
    await failsUnchanged(ns, () => rt.setLink("v0", { name: "v9", mtu: 67 }), code("EINVAL"));
  });
});

test(`setLink refuses a hardware address of the wrong length before sending (${runtime})`, async () => {
  await withNetns(`nsi-atomic-mac-${runtime}`, async (ns) => {
    setUp(ns);
    ip(ns, "tuntap", "add", "tun3", "mode", "tun");
    await using rt = await RouteClient.open({ netns: ns });
    const isAddressError = (e: unknown) => e instanceof AddressError && /6/.test(e.message);
    await failsUnchanged(ns, () => rt.setLink("v0", { mtu: 1400, address: "02:00:00:00:00:01:07" }), isAddressError);
    await failsUnchanged(ns, () => rt.setLink("v0", { broadcast: "ff:ff:ff:ff:ff" }), isAddressError);
    await failsUnchanged(ns, () => rt.setLink("tun3", { address: "02:00:00:00:00:01" }), (e) => e instanceof TypeError);
    await failsUnchanged(
      ns,
      () => rt.addLink({ kind: "veth", name: "v5", address: "02:00:00:00:00:01:07" }),
      isAddressError,
    );
    await failsUnchanged(
      ns,
      () => rt.addLink({ kind: "veth", name: "v5", peer: { name: "v6", address: "02:00:00:00:01" } }),
      isAddressError,
    );
    await failsUnchanged(
      ns,
      () => rt.addLink({ kind: "tun", name: "tun5", netns: ns, address: "02:00:00:00:00:01" }),
      (e) => e instanceof TypeError,
    );
    await failsUnchanged(
      ns,
      () => rt.addLink({ kind: "bridge", name: "br9", bridge: { groupAddr: "01:80:c2:00:00:01:02" } }),
      isAddressError,
    );
    await failsUnchanged(ns, () => rt.setLink("br0", { bridge: { groupAddr: "01:80:c2:00:01" } }), isAddressError);
    await rt.setLink("v0", { address: "02:00:00:00:00:0a" });
    assert.equal(ipJson(ns, "link", "show", "v0")[0].address, "02:00:00:00:00:0a");
  });
});

test(`addLink of a tun/tap that fails (missing master, mtu 67, a port of a non-bridge) leaves no device (${runtime})`, async () => {
  await withNetns(`nsi-atomic-tun-${runtime}`, async (ns) => {
    setUp(ns);
    await using rt = await RouteClient.open({ netns: ns });
    await failsUnchanged(
      ns,
      () => rt.addLink({ kind: "tun", name: "tun0", netns: ns, master: "nosuch0" }),
      code("ENODEV"),
    );
    await failsUnchanged(ns, () => rt.addLink({ kind: "tun", name: "tun0", netns: ns, mtu: 67 }), code("EINVAL"));
    await failsUnchanged(
      ns,
      () => rt.addLink({ kind: "tun", name: "tap0", netns: ns, tun: { type: "tap" }, up: true, master: "v1" }),
      () => true,
    );
    // The same calls that can succeed leave a persistent device configured as asked.
    await rt.addLink({ kind: "tun", name: "tap0", netns: ns, tun: { type: "tap" }, mtu: 1280, master: "br0" });
    const [tap] = ipJson(ns, "-d", "link", "show", "tap0");
    assert.equal(tap.mtu, 1280);
    assert.equal(tap.master, "br0");
    assert.equal(tap.linkinfo.info_data.type, "tap");
  });
});

test(`setLink moving a link to a namespace that refuses it (name taken there) changes nothing here (${runtime})`, async () => {
  await withNetns(`nsi-atomic-move-${runtime}`, async (ns) => {
    await withNetns(`nsi-atomic-other-${runtime}`, async (other) => {
      setUp(ns);
      ip(other, "link", "add", "v0", "type", "bridge");
      await using rt = await RouteClient.open({ netns: ns });
      const otherBefore = ipJson(other, "-d", "link", "show");
      await failsUnchanged(
        ns,
        () => rt.setLink("v0", { netns: other, mtu: 1400, altNames: { add: ["moving-name"] } }),
        code("EEXIST"),
      );
      assert.deepEqual(ipJson(other, "-d", "link", "show"), otherBefore);
      // Moved under a free name, it arrives with the changes applied there.
      await rt.setLink("v0", { netns: other, name: "v0moved", mtu: 1400, up: true });
      const [moved] = ipJson(other, "link", "show", "v0moved");
      assert.equal(moved.mtu, 1400);
      assert.ok(moved.flags.includes("UP"));
    });
  });
});
