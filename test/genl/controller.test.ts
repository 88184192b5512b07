// nlctrl: the family list against `genl ctrl list`, resolution with its
// cache, and the cache following CTRL_CMD_NEWFAMILY / DELFAMILY.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { MessageWriter, NetlinkSocket, parseMessages } from "../../mod.ts";
import { Controller, encodeAttrs, GenlError, GenlFamily, nlctrl } from "../../src/genl/mod.ts";
import { ctrlAttrs } from "../../src/genl/nlctrl.ts";
import { lookupFamily } from "../../src/genl/client.ts";

interface GenlText {
  name: string;
  id: number;
  version: number;
  headerSize: number;
  maxAttr: number;
  ops: { id: number; flags: number }[];
  groups: { name: string; id: number }[];
}

/** Parses `genl ctrl list` (iproute2's text output). */
function parseGenlCtrlList(text: string): GenlText[] {
  const out: GenlText[] = [];
  let cur: GenlText | undefined;
  let section: "ops" | "groups" | undefined;
  for (const line of text.split("\n")) {
    let m = /^Name: (\S+)/.exec(line);
    if (m) {
      cur = { name: m[1], id: 0, version: 0, headerSize: 0, maxAttr: 0, ops: [], groups: [] };
      out.push(cur);
      section = undefined;
      continue;
    }
    if (!cur) continue;
    m = /ID: (0x[0-9a-f]+)\s+Version: (0x[0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)/.exec(line);
    if (m) {
      [cur.id, cur.version, cur.headerSize, cur.maxAttr] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
      continue;
    }
    if (/commands supported/.test(line)) section = "ops";
    else if (/multicast groups/.test(line)) section = "groups";
    m = /#\d+:\s+ID-(0x[0-9a-f]+)\s+name: (\S+)/.exec(line);
    if (m && section === "groups") {
      cur.groups.push({ name: m[2], id: Number(m[1]) });
      continue;
    }
    m = /#\d+:\s+ID-(0x[0-9a-f]+)/.exec(line);
    if (m && section === "ops") {
      cur.ops.push({ id: Number(m[1]), flags: 0 });
      continue;
    }
    m = /Capabilities \((0x[0-9a-f]+)\)/.exec(line);
    if (m && section === "ops") cur.ops[cur.ops.length - 1].flags = Number(m[1]);
  }
  return out;
}

test("nlctrl: every family, its operations (with flags) and groups match `genl ctrl list`", async () => {
  await withNetns("gn-ctrl-list", async (ns) => {
    const expected = parseGenlCtrlList(sh("ip", ["netns", "exec", ns, "genl", "ctrl", "list"]));
    assert.ok(expected.length >= 3, "genl ctrl list printed families");
    await using ctrl = await Controller.open({ netns: ns, watch: false });
    const got = await ctrl.list();
    const mine = got.map((f) => ({
      name: f.name,
      id: f.id,
      version: f.version,
      headerSize: f.headerSize,
      maxAttr: f.maxAttr,
      // genl prints an operation's capabilities only for families of version 2 and up.
      ops: f.operations.map((o) => ({ id: o.id, flags: f.version >= 2 ? o.flagBits : 0 })),
      groups: f.groups,
    }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    assert.deepEqual(mine.sort(byName), expected.sort(byName));
    // Flags are named.
    const ctrlOps = got.find((f) => f.name === "nlctrl")!.operations;
    assert.deepEqual(ctrlOps.find((o) => o.id === 3)?.flags, ["do", "dump", "has-policy"]);
  });
});

test("nlctrl: resolve is cached; get asks again; an unknown family is ENOENT", async () => {
  await withNetns("gn-ctrl-res", async (ns) => {
    await using ctrl = await Controller.open({ netns: ns });
    assert.equal(ctrl.watching, true);
    assert.equal(ctrl.cached("ethtool"), undefined);
    const a = await ctrl.resolve("ethtool");
    const b = await ctrl.resolve("ethtool");
    assert.equal(a, b, "second resolve comes from the cache");
    assert.equal(ctrl.cached("ethtool"), a);
    const fresh = await ctrl.get("ethtool");
    assert.notEqual(fresh, a);
    assert.deepEqual(fresh, a);
    const text = sh("ip", ["netns", "exec", ns, "genl", "ctrl", "get", "name", "ethtool"]);
    assert.equal(a.id, Number(/ID: (0x[0-9a-f]+)/.exec(text)![1]));
    assert.deepEqual(a.groups.map((g) => g.name), ["monitor"]);
    await assert.rejects(ctrl.resolve("no-such-family"), (e: unknown) => e instanceof GenlError && e.code === "ENOENT");
    // A family opened through the controller uses its cache.
    await using fam = await GenlFamily.open(nlctrl, { netns: ns, controller: ctrl });
    assert.equal(fam.id, 0x10);
  });
});

function ctrlNotification(cmd: number, attrs: Parameters<typeof encodeAttrs<typeof ctrlAttrs>>[1]): Uint8Array {
  const w = new MessageWriter(0x10, 0);
  w.struct(4).setUint8(0, cmd);
  w.raw(encodeAttrs(ctrlAttrs, attrs));
  return w.finish();
}

test("nlctrl: the cache follows DELFAMILY/NEWFAMILY (bytes built by hand: no module can be loaded here to make the kernel send them)", async () => {
  await withNetns("gn-ctrl-ntf", async (ns) => {
    const changes: (string | undefined)[] = [];
    await using ctrl = await Controller.open({ netns: ns, onChange: (name) => changes.push(name) });
    const before = await ctrl.resolve("TASKSTATS");
    // The family goes away (CTRL_CMD_DELFAMILY = 2).
    ctrl.applyMessage(parseMessages(ctrlNotification(2, { familyId: before.id, familyName: "TASKSTATS" }))[0]);
    assert.equal(ctrl.cached("TASKSTATS"), undefined);
    // It comes back under another number, with one group (CTRL_CMD_NEWFAMILY = 1).
    ctrl.applyMessage(
      parseMessages(ctrlNotification(1, {
        familyId: 0x99,
        familyName: "TASKSTATS",
        version: 1,
        ops: [{ id: 1, flags: ["do"] }],
        mcastGroups: [{ name: "g", id: 40 }],
      }))[0],
    );
    const back = ctrl.cached("TASKSTATS")!;
    assert.equal(back.id, 0x99);
    assert.deepEqual(back.groups, [{ name: "g", id: 40 }]);
    assert.deepEqual(back.operations, [{ id: 1, flags: ["do"], flagBits: 2 }]);
    assert.equal(await ctrl.resolve("TASKSTATS"), back, "resolve now answers from the refreshed cache");
    assert.deepEqual(changes, ["TASKSTATS", "TASKSTATS"]);
    // get() asks the kernel, which still has the real one, and re-caches it.
    assert.equal((await ctrl.get("TASKSTATS")).id, before.id);
  });
});

test("nlctrl: the controller's watch socket is a member of the notify group (joined by its resolved id)", async () => {
  await withNetns("gn-ctrl-watch", async (ns) => {
    await using sock = await NetlinkSocket.open("generic", { netns: ns });
    const ctrlInfo = await lookupFamily(sock, "nlctrl");
    const notify = ctrlInfo.groups.find((g) => g.name === "notify")!;
    await using fam = await GenlFamily.open(nlctrl, { netns: ns });
    await using events = fam.events("notify");
    await events.ready;
    assert.deepEqual(events.socket?.memberships(), [notify.id]);
    assert.throws(() => fam.events("nope" as "notify"), /no multicast group "nope" \(it has: notify\)/);
  });
});
