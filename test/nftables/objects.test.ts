// nf_tables stateful objects beyond counter/quota/limit: ct helper, ct
// timeout, ct expectation, synproxy (and secmark and connlimit, which nft
// 1.0.6 cannot show or this kernel cannot create), and the rules that use
// them by name (objref). The oracle is `nft -j list ruleset`: objects nft
// wrote read back by us field by field, and objects we wrote listed by nft
// exactly as the same ones written by nft.
import { messageBytes } from "../helpers/fixtures.ts";
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Nftables, type NftEvent, NftTransactionError, type ObjectSpec, rule } from "../../src/nftables/mod.ts";
import { Overrun } from "../../src/wire/errors.ts";
import { fuzz } from "../helpers/fuzz.ts";
import { parseMessages } from "../../mod.ts";
import { Flags } from "../../src/wire/constants.ts";
import { nfnlMessage } from "../../src/netfilter/mod.ts";
import { decodeObject, NFNL_SUBSYS_NFTABLES, NFPROTO, NFT_MSG } from "../../src/nftables/mod.ts";

function nft(ns: string, args: string[], input?: string): string {
  return sh("ip", ["netns", "exec", ns, "nft", ...args], input);
}

// deno-lint-ignore no-explicit-any
function nftJson(ns: string): Record<string, any>[] {
  return JSON.parse(nft(ns, ["-j", "list", "ruleset"])).nftables.filter((o: object) => !("metainfo" in o));
}

const OBJECTS = `
table inet t {
  ct helper ftp-std { type "ftp" protocol tcp; l3proto ip; }
  ct helper sip6 { type "sip" protocol udp; l3proto ip6; }
  ct timeout tt { protocol tcp; l3proto ip; policy = { established: 100, close: 4 }; }
  ct timeout tu { protocol udp; l3proto ip6; policy = { unreplied: 10, replied: 20 }; }
  ct expectation ex { protocol tcp; dport 22; timeout 10s; size 8; l3proto ip; }
  synproxy sp { mss 1460; wscale 7; timestamp sack-perm; }
  synproxy sp2 { mss 1400; wscale 2; }
  chain pre {
    type filter hook prerouting priority 0;
    ct helper set "ftp-std"
    ct timeout set "tt"
    ct expectation set "ex"
  }
  chain in {
    type filter hook input priority 0;
    tcp dport 80 synproxy name "sp"
  }
}
`;

/** nft's state names of a ct timeout policy, in our camelCase. */
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

test("objects: ct helper, ct timeout, ct expectation and synproxy written by nft read back as nft -j shows them", async () => {
  await withNetns("nfx-obj-read", async (ns) => {
    nft(ns, ["-f", "-"], OBJECTS);
    const json = nftJson(ns);
    await using client = await Nftables.open({ netns: ns });
    const objects = await client.objects();
    const byName = new Map(objects.map((o) => [o.name, o]));
    let seen = 0;
    for (const entry of json) {
      const [type, o] = Object.entries(entry)[0];
      if (!["ct helper", "ct timeout", "ct expectation", "synproxy"].includes(type)) continue;
      seen++;
      const ours = byName.get(o.name)!;
      assert.ok(ours, o.name);
      assert.deepEqual([ours.family, ours.table, ours.handle, ours.type], [o.family, o.table, o.handle, type]);
      const d = ours.data;
      if (type === "ct helper") {
        assert.deepEqual(d, { helper: o.type, l3proto: o.l3proto, l4proto: o.protocol });
      } else if (type === "ct timeout") {
        assert.deepEqual([d.l3proto, d.l4proto], [o.l3proto, o.protocol]);
        // The kernel sends every state (the defaults too); nft shows the ones set.
        const policy = d.policy as Record<string, number>;
        for (const [state, seconds] of Object.entries(o.policy)) assert.equal(policy[camel(state)], seconds, state);
      } else if (type === "ct expectation") {
        assert.deepEqual(d, {
          l3proto: o.l3proto,
          l4proto: o.protocol,
          dport: o.dport,
          timeout: o.timeout,
          size: o.size,
        });
      } else {
        // The mss and wscale bits say the values are set; nft shows the other bits.
        assert.deepEqual([d.mss, d.wscale], [o.mss, o.wscale]);
        const flags = (d.flags as string[]).filter((f) => f !== "mss" && f !== "wscale");
        assert.deepEqual(flags.sort(), (o.flags ?? []).sort());
      }
    }
    assert.equal(seen, 7);
    // The rules that name them: objref expressions with the type by name.
    const refs = (await client.rules()).flatMap((r) => r.expressions.filter((e) => e.kind === "objref"));
    assert.deepEqual(refs, [
      { kind: "objref", immType: "ct helper", immName: "ftp-std" },
      { kind: "objref", immType: "ct timeout", immName: "tt" },
      { kind: "objref", immType: "ct expectation", immName: "ex" },
      { kind: "objref", immType: "synproxy", immName: "sp" },
    ]);
    assert.equal(byName.get("ftp-std")!.use, 1);
    assert.equal(byName.get("sip6")!.use, 0);

    // The kernel's own bytes of these objects, mutated: ParseError or a value, nothing else.
    const request = nfnlMessage(NFNL_SUBSYS_NFTABLES, NFT_MSG.GETOBJ, Flags.DUMP, { family: NFPROTO.inet });
    const seeds: Uint8Array[] = [];
    for await (const m of client.socket.dump(request.finish())) seeds.push(messageBytes(m));
    assert.equal(seeds.length, 7);
    const decode = (bytes: Uint8Array) => {
      for (const m of parseMessages(bytes)) decodeObject(m);
    };
    const r = fuzz([{ name: "ct objects", seeds, decode }], 5_000, 31);
    if (r.failure) assert.fail(`${r.failure.error}\ninput ${r.failure.input}`);
    assert.ok(r.decoded > 0 && r.rejected > 0, `decoded ${r.decoded}, rejected ${r.rejected}`);
  });
});

/** Our objects, the same as OBJECTS. */
const SPECS: ObjectSpec[] = [
  {
    family: "inet",
    table: "t",
    name: "ftp-std",
    type: "ct helper",
    data: { helper: "ftp", l3proto: "ip", l4proto: "tcp" },
  },
  {
    family: "inet",
    table: "t",
    name: "sip6",
    type: "ct helper",
    data: { helper: "sip", l3proto: "ip6", l4proto: "udp" },
  },
  {
    family: "inet",
    table: "t",
    name: "tt",
    type: "ct timeout",
    data: { l3proto: "ip", l4proto: "tcp", policy: { established: 100, close: 4 } },
  },
  {
    family: "inet",
    table: "t",
    name: "tu",
    type: "ct timeout",
    data: { l3proto: "ip6", l4proto: "udp", policy: { unreplied: 10, replied: 20 } },
  },
  {
    family: "inet",
    table: "t",
    name: "ex",
    type: "ct expectation",
    data: { l3proto: "ip", l4proto: "tcp", dport: 22, timeout: 10000, size: 8 },
  },
  {
    family: "inet",
    table: "t",
    name: "sp",
    type: "synproxy",
    data: { mss: 1460, wscale: 7, flags: ["timestamp", "sack-perm"] },
  },
  { family: "inet", table: "t", name: "sp2", type: "synproxy", data: { mss: 1400, wscale: 2 } },
];

/** nft -j without handles (they differ between namespaces). */
// deno-lint-ignore no-explicit-any
function withoutHandles(json: Record<string, any>[]): unknown[] {
  return json.map((entry) => {
    const [kind, o] = Object.entries(entry)[0];
    const { handle: _h, ...rest } = o;
    return { [kind]: rest };
  });
}

test("objects: the same objects and rules written by us list in nft -j exactly as nft's own", async () => {
  await withNetns("nfx-obj-nft", async (theirs) => {
    nft(theirs, ["-f", "-"], OBJECTS);
    await withNetns("nfx-obj-ours", async (ns) => {
      await using client = await Nftables.open({ netns: ns });
      await client.transaction((tx) => {
        tx.addTable({ family: "inet", name: "t" });
        for (const spec of SPECS) tx.addObject(spec);
        tx.addChain({ family: "inet", table: "t", name: "pre", type: "filter", hook: "prerouting", priority: 0 });
        tx.addChain({ family: "inet", table: "t", name: "in", type: "filter", hook: "input", priority: 0 });
        const pre = { family: "inet", table: "t", chain: "pre" } as const;
        tx.addRule({ ...pre, expressions: rule().ctHelper("ftp-std").build() });
        tx.addRule({ ...pre, expressions: rule().ctTimeout("tt").build() });
        tx.addRule({ ...pre, expressions: rule().ctExpectation("ex").build() });
        tx.addRule({
          family: "inet",
          table: "t",
          chain: "in",
          expressions: [...rule().tcpDport(80).build(), { kind: "objref", immType: "synproxy", immName: "sp" }],
        });
      });
      // nft lists objects before chains, as we added them; only the handles differ.
      assert.deepEqual(withoutHandles(nftJson(ns)), withoutHandles(nftJson(theirs)));

      await client.transaction((tx) => {
        tx.flushChain({ family: "inet", table: "t", chain: "pre" });
        tx.deleteObject({ family: "inet", table: "t", name: "ftp-std", type: "ct helper" });
        tx.deleteObject({ family: "inet", table: "t", name: "tu", type: "ct timeout" });
      });
      const names = nftJson(ns).flatMap((o) => Object.values(o)).filter((o) => o.table === "t" && !o.chain).map((o) =>
        o.name
      );
      assert.deepEqual(names.sort(), ["ex", "in", "pre", "sip6", "sp", "sp2", "tt"].sort());
    });
  });
});

test("objects: connlimit objects (nft 1.0.6 cannot list them) round-trip through the kernel; bad specs throw first", async () => {
  await withNetns("nfx-obj-misc", async (ns) => {
    await using client = await Nftables.open({ netns: ns });
    await client.transaction((tx) => {
      tx.addTable({ family: "ip", name: "m" });
      tx.addObject({ family: "ip", table: "m", name: "few", type: "connlimit", data: { count: 3 } });
      tx.addObject({ family: "ip", table: "m", name: "many", type: "connlimit", data: { count: 100, flags: ["inv"] } });
    });
    // A ct timeout without a policy keeps the kernel's defaults (the kernel wants the nest: we send it empty).
    await client.transaction((tx) =>
      tx.addObject({ family: "ip", table: "m", name: "plain", type: "ct timeout", data: { l4proto: "udp" } })
    );
    const plain = (await client.objects()).find((o) => o.name === "plain")!;
    assert.deepEqual(plain.data.policy, { unreplied: 30, replied: 120 });
    await client.transaction((tx) => tx.deleteObject({ family: "ip", table: "m", name: "plain", type: "ct timeout" }));
    await assert.rejects(
      client.transaction((tx) =>
        tx.addObject({
          family: "ip",
          table: "m",
          name: "bad",
          type: "ct timeout",
          data: { l4proto: "tcp", policy: { bogus: 1 } },
        })
      ),
      TypeError,
    );
    const objects = (await client.objects()).map((o) => [o.name, o.type, o.data]);
    assert.deepEqual(objects.sort(), [
      ["few", "connlimit", { count: 3 }],
      ["many", "connlimit", { count: 100, flags: ["inv"] }],
    ]);
    // secmark needs an LSM to resolve the context; this kernel has none and refuses it as it refuses nft.
    assert.throws(() => nft(ns, ["add", "secmark", "ip", "m", "s", '{ "system_u:object_r:x_t:s0" }']));
    await assert.rejects(
      client.transaction((tx) =>
        tx.addObject({
          family: "ip",
          table: "m",
          name: "s",
          type: "secmark",
          data: { context: "system_u:object_r:x_t:s0" },
        })
      ),
      (e) => e instanceof NftTransactionError && e.operation === "add secmark ip m s",
    );
    const before = await client.generation();
    await assert.rejects(
      // @ts-expect-error: not a type this library writes
      client.transaction((tx) => tx.addObject({ family: "ip", table: "m", name: "x", type: "tunnel", data: {} })),
      TypeError,
    );
    assert.throws(() => rule().ctHelper(""), TypeError);
    assert.throws(() => rule().flowOffload(""), TypeError);
    assert.equal(await client.generation(), before);
  });
});

test("objects: ct objects arrive as typed object events, created by us and deleted by nft", async () => {
  await withNetns("nfx-obj-events", async (ns) => {
    await using client = await Nftables.open({ netns: ns });
    await using events = client.events({ signal: AbortSignal.timeout(10_000) });
    await events.ready;
    await client.transaction((tx) => {
      tx.addTable({ family: "inet", name: "t" });
      for (const spec of SPECS.slice(0, 5)) tx.addObject(spec);
    });
    nft(ns, ["delete", "ct", "helper", "inet", "t", "sip6"]);
    const objects: NftEvent[] = [];
    for await (const e of events) {
      assert.ok(!(e instanceof Overrun));
      if (e.kind === "object") objects.push(e);
      if (e.kind === "object" && e.action === "delete") break;
    }
    const seen = objects.map((e) => e.kind === "object" ? [e.action, e.object.type, e.object.name] : []);
    assert.deepEqual(seen, [
      ["new", "ct helper", "ftp-std"],
      ["new", "ct helper", "sip6"],
      ["new", "ct timeout", "tt"],
      ["new", "ct timeout", "tu"],
      ["new", "ct expectation", "ex"],
      ["delete", "ct helper", "sip6"],
    ]);
    const helper = objects[0];
    assert.ok(helper.kind === "object");
    assert.deepEqual(helper.object.data, { helper: "ftp", l3proto: "ip", l4proto: "tcp" });
  });
});
