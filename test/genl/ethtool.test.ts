// The ethtool family on a veth pair in a private namespace, with Debian's
// ethtool as the oracle.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipJson, sh, withNetns } from "../helpers/netns.ts";
import { ethtool, featureStates, GenlError, type GenlEvent, GenlFamily } from "../../src/genl/mod.ts";
import { bitsetChange, readBitset, stringSet } from "../../src/genl/ethtool.ts";
import { Overrun } from "../../mod.ts";

function eth(ns: string, ...args: string[]): string {
  return sh("ip", ["netns", "exec", ns, "ethtool", ...args]);
}

/** `Key: value` lines of ethtool's text output. */
function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([^:]+):\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** `ethtool -l` as { max: {RX, TX…}, current: {…} }. */
function channelsText(text: string): { max: Record<string, string>; current: Record<string, string> } {
  const [, max, current] = text.split(/Pre-set maximums:|Current hardware settings:/);
  return { max: fields(max), current: fields(current) };
}

async function withVeth(tag: string, fn: (ns: string) => Promise<void>): Promise<void> {
  await withNetns(tag, async (ns) => {
    ip(ns, "link", "add", "va", "type", "veth", "peer", "name", "vb");
    await fn(ns);
  });
}

const PORT_TEXT: Record<string, string> = { tp: "Twisted Pair", fibre: "FIBRE", da: "Direct Attach Copper" };

test("ethtool: linkinfo, linkmodes and linkstate match `ethtool DEV`, link down then up", async () => {
  await withVeth("gn-eth-link", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    const header = { devName: "va" };
    const ifindex = ipJson<{ ifindex: number }[]>(ns, "link", "show", "va")[0].ifindex;
    const text = fields(eth(ns, "va"));
    const info = await fam.request("linkinfoGet", { header });
    assert.deepEqual(info.header, { devIndex: ifindex, devName: "va" });
    assert.equal(PORT_TEXT[info.port as string], text["Port"]);
    assert.equal(String(info.phyaddr), text["PHYAD"]);
    assert.equal(info.transceiver, text["Transceiver"]);
    assert.equal(info.tpMdix === "unknown" ? "Unknown" : info.tpMdix, text["MDI-X"]);
    const modes = await fam.request("linkmodesGet", { header });
    assert.equal(`${modes.speed}Mb/s`, text["Speed"]);
    assert.equal(modes.duplex === "full" ? "Full" : modes.duplex === "half" ? "Half" : "Unknown!", text["Duplex"]);
    assert.equal(modes.autoneg, text["Auto-negotiation"]);
    // veth reports no link modes: ethtool prints "Not reported".
    assert.deepEqual(readBitset(modes.ours!), {});
    assert.equal(text["Supported link modes"], "Not reported");
    const down = await fam.request("linkstateGet", { header });
    assert.equal(down.link ? "yes" : "no", text["Link detected"]);
    assert.equal(down.link, 0);
    ip(ns, "link", "set", "va", "up");
    ip(ns, "link", "set", "vb", "up");
    const up = await fam.request("linkstateGet", { header: { devIndex: ifindex } });
    assert.equal(up.link, 1);
    assert.equal(fields(eth(ns, "va"))["Link detected"], "yes");
  });
});

// ethtool -k shows some features under their old ioctl names.
const LEGACY: Record<string, string> = {
  "rx-checksum": "rx-checksumming",
  "rx-gro": "generic-receive-offload",
  "rx-lro": "large-receive-offload",
  "tx-generic-segmentation": "generic-segmentation-offload",
  "rx-vlan-hw-parse": "rx-vlan-offload",
  "tx-vlan-hw-insert": "tx-vlan-offload",
  "rx-ntuple-filter": "ntuple-filters",
  "rx-hashing": "receive-hashing",
};

test("ethtool: features (verbose and compact bitsets) match `ethtool --json -k`", async () => {
  await withVeth("gn-eth-feat", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    const header = { devName: "va" };
    const verbose = featureStates(await fam.request("featuresGet", { header }));
    const json = JSON.parse(eth(ns, "--json", "-k", "va"))[0] as Record<
      string,
      { active: boolean; fixed: boolean | null; requested: boolean | null }
    >;
    let compared = 0;
    for (const [name, state] of Object.entries(verbose)) {
      const shown = json[LEGACY[name] ?? name];
      if (!shown || shown.fixed === null) continue;
      assert.deepEqual({ name, ...state }, {
        name,
        active: shown.active,
        requested: shown.requested,
        fixed: shown.fixed,
      });
      compared++;
    }
    assert.ok(compared >= 40, `compared ${compared} features`);
    // The same reply in compact form, decoded with the names of the "features" string set.
    const compact = await fam.request("featuresGet", { header: { ...header, flags: ["compact-bitsets"] } });
    assert.ok(compact.active?.value instanceof Uint8Array && compact.active.bits === undefined);
    const strings = await fam.request("strsetGet", { header, stringsets: { stringset: [{ id: "features" }] } });
    const names = stringSet(strings, "features");
    assert.equal(names.length, compact.active!.size);
    const fromCompact = featureStates(compact, names);
    for (const [name, state] of Object.entries(fromCompact)) {
      assert.deepEqual(state, verbose[name] ?? { active: false, requested: false, fixed: true }, name);
    }
  });
});

test("ethtool: channels match `ethtool -l`; set through the API, read back with ethtool", async () => {
  await withVeth("gn-eth-chan", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    const header = { devName: "va" };
    const ch = await fam.request("channelsGet", { header });
    const text = channelsText(eth(ns, "-l", "va"));
    assert.equal(String(ch.rxMax), text.max["RX"]);
    assert.equal(String(ch.txMax), text.max["TX"]);
    assert.equal(String(ch.rxCount), text.current["RX"]);
    assert.equal(String(ch.txCount), text.current["TX"]);
    assert.equal(ch.combinedMax === undefined ? "n/a" : String(ch.combinedMax), text.max["Combined"]);
    await fam.request("channelsSet", { header, rxCount: ch.rxMax });
    assert.equal(channelsText(eth(ns, "-l", "va")).current["RX"], String(ch.rxMax));
    // And the other way: ethtool changes it, the API reads it.
    eth(ns, "-L", "va", "rx", "1");
    assert.equal((await fam.request("channelsGet", { header })).rxCount, 1);
  });
});

test("ethtool: a feature set through the API shows in `ethtool -k`; the reply lists what changed", async () => {
  await withVeth("gn-eth-setf", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    const header = { devName: "va" };
    const before = featureStates(await fam.request("featuresGet", { header }))["rx-gro"];
    assert.equal(fields(eth(ns, "-k", "va"))["generic-receive-offload"], before.active ? "on" : "off");
    const want = !before.active;
    const reply = await fam.request("featuresSet", { header, wanted: bitsetChange({ "rx-gro": want }) });
    assert.deepEqual(readBitset(reply!.active!), { "rx-gro": want });
    assert.equal(fields(eth(ns, "-k", "va"))["generic-receive-offload"], want ? "on" : "off");
    // With omit-reply the kernel sends none.
    const none = await fam.request("featuresSet", {
      header: { ...header, flags: ["omit-reply"] },
      wanted: bitsetChange({ "rx-gro": before.active }),
    });
    assert.equal(none, undefined);
    assert.equal(fields(eth(ns, "-k", "va"))["generic-receive-offload"], before.active ? "on" : "off");
  });
});

test("ethtool: the monitor group delivers typed feature and channel notifications for changes ethtool makes", async () => {
  await withVeth("gn-eth-mon", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    await using events = fam.events("monitor", { signal: AbortSignal.timeout(10_000) });
    await events.ready;
    eth(ns, "-L", "va", "rx", "2");
    eth(ns, "-K", "va", "gro", "on");
    const seen: GenlEvent<typeof ethtool>[] = [];
    for await (const ev of events) {
      assert.ok(!(ev instanceof Overrun));
      seen.push(ev);
      if (seen.some((e) => e.name === "featuresNtf") && seen.some((e) => e.name === "channelsNtf")) break;
    }
    const ch = seen.find((e) => e.name === "channelsNtf");
    assert.ok(ch?.name === "channelsNtf");
    assert.equal(ch.attrs.header?.devName, "va");
    assert.equal(ch.attrs.rxCount, 2);
    const feat = seen.find((e) => e.name === "featuresNtf");
    assert.ok(feat?.name === "featuresNtf");
    const strings = await fam.request("strsetGet", {
      header: { devName: "va" },
      stringsets: { stringset: [{ id: "features" }] },
    });
    assert.equal(featureStates(feat.attrs, stringSet(strings, "features"))["rx-gro"].active, true);
  });
});

test("ethtool: ext-ACK errors name the attribute of the request (rxCount, header.devName, missing header)", async () => {
  await withVeth("gn-eth-err", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    await assert.rejects(fam.request("channelsSet", { header: { devName: "va" }, rxCount: 99 }), (e: unknown) => {
      assert.ok(e instanceof GenlError);
      assert.equal(e.code, "EINVAL");
      assert.deepEqual(e.attributePath, ["rxCount"]);
      assert.match(e.message, /^ethtool channelsSet failed with EINVAL: .*\(attribute rxCount\)$/);
      return true;
    });
    await assert.rejects(fam.request("channelsGet", { header: { devName: "nope0" } }), (e: unknown) => {
      assert.ok(e instanceof GenlError);
      assert.equal(e.code, "ENODEV");
      assert.deepEqual(e.attributePath, ["header", "devName"]);
      return true;
    });
    await assert.rejects(fam.request("channelsSet", { rxCount: 1 }), (e: unknown) => {
      assert.ok(e instanceof GenlError);
      assert.deepEqual(e.missingAttribute, ["header"]);
      return true;
    });
  });
});

test("ethtool: veth has no ring parameters, so rings fail with EOPNOTSUPP as `ethtool -g` does", async () => {
  await withVeth("gn-eth-ring", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    await assert.rejects(
      fam.request("ringsGet", { header: { devName: "va" } }),
      (e: unknown) => e instanceof GenlError && e.code === "EOPNOTSUPP",
    );
    assert.throws(() => eth(ns, "-g", "va"), /Operation not supported/);
  });
});

test("ethtool: stats on veth, which implements no standard counters: the eth-mac group comes back without any", async () => {
  await withVeth("gn-eth-stat", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    const ifindex = ipJson<{ ifindex: number }[]>(ns, "link", "show", "va")[0].ifindex;
    const stats = await fam.request("statsGet", {
      header: { devName: "va" },
      groups: bitsetChange({ "eth-mac": true }),
    });
    assert.equal(stats.header?.devIndex, ifindex);
    assert.ok((stats.grp ?? []).every((g) => g.id === "eth-mac" && Object.keys(g.stat ?? {}).length === 0));
    // The standard statistics exist as a string set all the same.
    const strings = await fam.request("strsetGet", {
      header: { devName: "va" },
      stringsets: { stringset: [{ id: "stats-eth-mac" }] },
    });
    assert.ok(stringSet(strings, "stats-eth-mac").length > 10);
  });
});

/** The next item, or "idle" when nothing comes within `ms` (the pending read is kept for the next call). */
const pendingNext = new WeakMap<object, Promise<unknown>>();
function nextWithin<T>(iter: AsyncIterator<T>, ms: number): Promise<IteratorResult<T> | "idle"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<"idle">((r) => (timer = setTimeout(() => r("idle"), ms)));
  const next = (pendingNext.get(iter) as Promise<IteratorResult<T>> | undefined) ?? iter.next();
  pendingNext.set(iter, next);
  next.then(() => pendingNext.get(iter) === next && pendingNext.delete(iter), () => {});
  return Promise.race([next, idle]).finally(() => clearTimeout(timer));
}

test("ethtool: notifications the kernel had no room for show up as one Overrun item after those it kept, then the stream goes on", async () => {
  await withVeth("gn-eth-ovr", async (ns) => {
    await using fam = await GenlFamily.open(ethtool, { netns: ns });
    // A tiny receive buffer (SO_RCVBUFFORCE) that a few notifications fill.
    await using events = fam.events("monitor", { rcvbuf: 1024 });
    await events.ready;
    for (let i = 0; i < 40; i++) {
      await fam.request("featuresSet", {
        header: { devName: "va", flags: ["omit-reply"] },
        wanted: bitsetChange({ "rx-gro": i % 2 === 0 }),
      });
    }
    const iter = events[Symbol.asyncIterator]();
    const items: (string | undefined)[] = [];
    for (;;) {
      const r = await nextWithin(iter, 300);
      if (r === "idle") break;
      assert.ok(!r.done);
      items.push(r.value instanceof Overrun ? `overrun:${r.value.where}` : r.value.name);
    }
    // What the kernel had queued came before the loss, so the one Overrun
    // marks the gap after them: the queued notifications, then the item.
    assert.equal(items.at(-1), "overrun:kernel", items.join(","));
    assert.equal(items.filter((i) => i?.startsWith("overrun")).length, 1);
    assert.ok(items.length < 40 && items.slice(0, -1).every((i) => i === "featuresNtf"), items.join(","));
    // Drained: the next change arrives.
    eth(ns, "-L", "va", "rx", "2");
    const r = await nextWithin(iter, 5000);
    assert.ok(r !== "idle" && !r.done && !(r.value instanceof Overrun) && r.value.name === "channelsNtf");
    await iter.return?.();
  });
});
