// XFRM policies against the real kernel, in private namespaces, with
// `ip -s xfrm policy` as the oracle.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { NetlinkError } from "../../src/wire/errors.ts";
import { Xfrm, type XfrmPolicy, type XfrmPolicySpec } from "../../src/xfrm/mod.ts";
import { parsePolicies } from "./ip_xfrm.ts";
import { assertPolicyMatchesIp } from "./helpers.ts";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function key(p: { dir: string; sel: { src: string; dst: string } } | XfrmPolicy): string {
  if ("sel" in p) return `${p.dir} ${p.sel.src} ${p.sel.dst}`;
  return `${p.dir} ${p.selector.src}/${p.selector.srcPrefixLen} ${p.selector.dst}/${p.selector.dstPrefixLen}`;
}

const SPECS: XfrmPolicySpec[] = [
  {
    // IPv4 tunnel, ESP, the usual site-to-site shape.
    selector: { src: "10.1.0.0/24", dst: "10.2.0.0/24" },
    dir: "out",
    priority: 100,
    templates: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", mode: "tunnel", reqid: 7 }],
  },
  {
    selector: { src: "10.2.0.0/24", dst: "10.1.0.0/24" },
    dir: "fwd",
    priority: 100,
    templates: [{ src: "192.0.2.2", dst: "192.0.2.1", proto: "esp", mode: "tunnel", reqid: 7, optional: true }],
  },
  {
    // IPv6 transport, UDP port 53 only, with mark, if_id, flags and lifetimes.
    selector: { src: "fd00:1::/64", dst: "fd00:2::/64", proto: 17, dport: 53 },
    dir: "in",
    priority: 5,
    flags: ["localok", "icmp"],
    mark: { value: 0x10, mask: 0xf0 },
    ifId: 42,
    lifetime: { softAddExpiresSeconds: 1000, hardAddExpiresSeconds: 2000, softByteLimit: 123456 },
    templates: [
      { proto: "ah", mode: "transport", spi: 0x22, share: "unique" },
      { proto: "esp", mode: "transport", reqid: 3, ealgos: 0x0f, aalgos: 0xf0, calgos: 0 },
    ],
  },
  {
    // Block TCP from one host.
    selector: { src: "198.51.100.7/32", dst: "0.0.0.0/0", proto: 6, sport: 22 },
    dir: "in",
    action: "block",
  },
];

test("policies added with ours read back by ip -s xfrm policy (IPv4 tunnel, IPv6 transport, block)", async () => {
  await withNetns("xa-pol-ours", async (ns) => {
    await using xfrm = await Xfrm.open({ netns: ns });
    for (const spec of SPECS) await xfrm.addPolicy(spec);
    const ours = await collect(xfrm.policies());
    const theirs = parsePolicies(ip(ns, "-s", "xfrm", "policy"));
    assert.equal(ours.length, SPECS.length);
    assert.equal(theirs.length, SPECS.length);
    for (const p of ours) {
      const match = theirs.find((t) => key(t) === key(p));
      assert.ok(match, `ip does not list ${key(p)}`);
      assertPolicyMatchesIp(p, match);
    }
    // What we asked for is what we read.
    const v6 = ours.find((p) => p.selector.family === "inet6")!;
    assert.deepEqual(v6.flags, ["localok", "icmp"]);
    assert.deepEqual(v6.mark, { value: 0x10, mask: 0xf0 });
    assert.equal(v6.ifId, 42);
    assert.equal(v6.lifetime.config.softByteLimit, 123456);
    assert.equal(v6.lifetime.config.hardByteLimit, Infinity);
    assert.equal(v6.templates[0].share, "unique");
    assert.equal(v6.templates[0].spi, 0x22);
    assert.equal(v6.templates[0].dst, "::");
    assert.deepEqual([v6.templates[1].ealgos, v6.templates[1].aalgos, v6.templates[1].calgos], [0x0f, 0xf0, 0]);
    const block = ours.find((p) => p.action === "block")!;
    assert.equal(block.selector.sport, 22);
    assert.equal(block.templates.length, 0);
  });
});

test("policies added with ip read back by ours: dump, getPolicy by selector and by index", async () => {
  await withNetns("xa-pol-ip", async (ns) => {
    ip(
      ns,
      "xfrm",
      "policy",
      "add",
      "src",
      "10.1.0.0/16",
      "dst",
      "10.9.0.0/16",
      "proto",
      "tcp",
      "dport",
      "443",
      "dir",
      "out",
      "priority",
      "9",
      "mark",
      "0x5",
      "mask",
      "0xff",
      "if_id",
      "0x7",
      "limit",
      "time-soft",
      "60",
      "limit",
      "time-hard",
      "120",
      "tmpl",
      "src",
      "203.0.113.1",
      "dst",
      "203.0.113.2",
      "proto",
      "esp",
      "mode",
      "tunnel",
      "reqid",
      "11",
    );
    ip(ns, "xfrm", "policy", "add", "src", "fd00:a::/48", "dst", "fd00:b::/48", "dir", "in", "action", "block");
    ip(
      ns,
      "xfrm",
      "policy",
      "add",
      "src",
      "fd00:a::/48",
      "dst",
      "fd00:b::/48",
      "dir",
      "out",
      "ptype",
      "sub",
      "tmpl",
      "proto",
      "esp",
      "mode",
      "transport",
      "level",
      "use",
    );
    await using xfrm = await Xfrm.open({ netns: ns });
    const ours = await collect(xfrm.policies());
    const theirs = parsePolicies(ip(ns, "-s", "xfrm", "policy"));
    assert.equal(ours.length, 3);
    assert.equal(theirs.length, 3);
    for (const p of ours) {
      const match = theirs.find((t) => key(t) === key(p) && t.ptype === p.type);
      assert.ok(match, `ip does not list ${key(p)}`);
      assertPolicyMatchesIp(p, match);
    }
    const out = ours.find((p) => p.dir === "out" && p.type === "main")!;
    const bySel = await xfrm.getPolicy({
      dir: "out",
      selector: { src: "10.1.0.0/16", dst: "10.9.0.0/16", proto: 6, dport: 443 },
      mark: { value: 5, mask: 0xff },
      ifId: 7,
    });
    assert.deepEqual(bySel, out);
    const byIndex = await xfrm.getPolicy({ dir: "out", index: out.index, mark: { value: 5, mask: 0xff }, ifId: 7 });
    assert.deepEqual(byIndex, out);
    const sub = await xfrm.getPolicy({ dir: "out", type: "sub", selector: { src: "fd00:a::/48", dst: "fd00:b::/48" } });
    assert.equal(sub.type, "sub");
    assert.equal(sub.templates[0].family, "inet6");
    await assert.rejects(
      xfrm.getPolicy({ dir: "fwd", selector: { src: "10.1.0.0/16", dst: "10.9.0.0/16" } }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT" && e.messageTypeName === "XFRM_MSG_GETPOLICY",
    );
  });
});

test("updatePolicy replaces, deletePolicy removes, flushPolicies empties; ip agrees at each step", async () => {
  await withNetns("xa-pol-upd", async (ns) => {
    await using xfrm = await Xfrm.open({ netns: ns });
    const sel = { src: "10.1.0.0/24", dst: "10.2.0.0/24" };
    await xfrm.addPolicy({ selector: sel, dir: "out", templates: [{ proto: "esp", reqid: 1 }] });
    await assert.rejects(
      xfrm.addPolicy({ selector: sel, dir: "out" }),
      (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST",
    );
    await xfrm.updatePolicy({ selector: sel, dir: "out", action: "block", priority: 3 });
    let theirs = parsePolicies(ip(ns, "-s", "xfrm", "policy"));
    assert.equal(theirs.length, 1);
    assert.equal(theirs[0].action, "block");
    assert.equal(theirs[0].priority, 3);
    assert.equal(theirs[0].templates.length, 0);
    assertPolicyMatchesIp(await xfrm.getPolicy({ dir: "out", selector: sel }), theirs[0]);
    // updatePolicy also creates.
    await xfrm.updatePolicy({ selector: sel, dir: "in" });
    await xfrm.deletePolicy({ dir: "out", selector: sel });
    theirs = parsePolicies(ip(ns, "xfrm", "policy"));
    assert.deepEqual(theirs.map((p) => p.dir), ["in"]);
    await assert.rejects(
      xfrm.deletePolicy({ dir: "out", selector: sel }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
    );
    await xfrm.addPolicy({ selector: { src: "fd00::/8", dst: "fd00::/8" }, dir: "fwd" });
    await xfrm.flushPolicies();
    assert.equal(ip(ns, "xfrm", "policy").trim(), "");
    assert.deepEqual(await collect(xfrm.policies()), []);
  });
});

test("policy input is validated before anything is sent", async () => {
  await withNetns("xa-pol-val", async (ns) => {
    await using xfrm = await Xfrm.open({ netns: ns });
    await assert.rejects(xfrm.addPolicy({ selector: { src: "10.0.0.0/33" }, dir: "out" }), /prefix/);
    await assert.rejects(xfrm.addPolicy({ selector: { src: "10.0.0.0/8", dst: "fd00::/8" }, dir: "out" }), /inet/);
    await assert.rejects(xfrm.addPolicy({ selector: {}, dir: "up" as "in" }), /direction/);
    await assert.rejects(
      xfrm.addPolicy({ selector: {}, dir: "in", templates: [{ proto: "nope" as "esp" }] }),
      /protocol/,
    );
    await assert.rejects(xfrm.addPolicy({ selector: { sport: 70000, src: "10.0.0.0/8" }, dir: "in" }), /sport/);
    await assert.rejects(xfrm.getPolicy({ dir: "in" }), /index or a selector/);
    assert.equal(ip(ns, "xfrm", "policy").trim(), "");
  });
});
