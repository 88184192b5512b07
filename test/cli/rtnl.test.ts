// linkNames (src/cli/rtnl.ts): the names the listings print for devices,
// read from a dump of the links for IFLA_IFNAME alone; what ip link shows.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipJson, withNetns } from "../helpers/netns.ts";
import { NetlinkSocket } from "../../mod.ts";
import { indexOf, linkNames } from "../../src/cli/rtnl.ts";

test("linkNames: index → name of every link, as ip link shows them (a renamed one, one with a quote)", async () => {
  await withNetns("clw-names", async (ns) => {
    for (let i = 0; i < 40; i++) ip(ns, "link", "add", `v${i}`, "type", "veth", "peer", "name", `p${i}`);
    ip(ns, "link", "add", 'q"uote', "type", "veth", "peer", "name", "é-peer");
    ip(ns, "link", "set", "v7", "name", "renamed7");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const names = await linkNames(sock);
    const theirs = ipJson<{ ifindex: number; ifname: string }[]>(ns, "link");
    assert.equal(theirs.length, 83);
    assert.deepEqual(names, new Map(theirs.map((l) => [l.ifindex, l.ifname])));
    assert.equal(await indexOf(sock, 'q"uote'), theirs.find((l) => l.ifname === 'q"uote')!.ifindex);
    await assert.rejects(indexOf(sock, "v7"), (e: Error & { code?: string }) => e.code === "ENODEV");
  });
});
