// XFRM events produced by the real kernel in private namespaces.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, sh, withNetns } from "../helpers/netns.ts";
import { Overrun } from "../../src/wire/errors.ts";
import { Xfrm, type XfrmEvent, type XfrmEventStream } from "../../src/xfrm/mod.ts";
import { parsePolicies, parseStates } from "./ip_xfrm.ts";
import { assertPolicyMatchesIp, assertStateMatchesIp, probeEsp } from "./helpers.ts";

/** The next event matching `pick`, within `ms`. */
async function next<T extends XfrmEvent>(
  it: AsyncIterator<XfrmEvent | Overrun>,
  pick: (e: XfrmEvent) => e is T,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("no such event in time");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("no such event in time")), left))),
    ]).finally(() => clearTimeout(timer));
    if (r.done) throw new Error("event stream ended");
    if (r.value instanceof Overrun) throw new Error("overrun");
    if (pick(r.value)) return r.value;
  }
}

function sysctl(ns: string, path: string, value: string): void {
  sh("ip", ["netns", "exec", ns, "sh", "-c", `echo ${value} > /proc/sys/${path}`]);
}

/** One UDP datagram from inside the namespace (node is there wherever the tests run). */
function sendUdp(ns: string, host: string, port: number): void {
  const family = host.includes(":") ? "udp6" : "udp4";
  const script = `const s=require("dgram").createSocket("${family}");` +
    `s.send("nlts",${port},"${host}",()=>{s.close()});setTimeout(()=>process.exit(0),300)`;
  sh("ip", ["netns", "exec", ns, "node", "-e", script]);
}

test("policy and SA events: new, update, delete and flush, typed", async () => {
  await withNetns("xa-ev-crud", async (ns) => {
    await using xfrm = await Xfrm.open({ netns: ns });
    const events: XfrmEventStream = xfrm.events(["sa", "policy"]);
    await events.ready;
    const it = events[Symbol.asyncIterator]();
    try {
      const sel = { src: "10.1.0.0/24", dst: "10.2.0.0/24" };
      await xfrm.addPolicy({
        selector: sel,
        dir: "out",
        templates: [{ src: "192.0.2.1", dst: "192.0.2.2", mode: "tunnel" }],
      });
      const added = await next(it, (e): e is Extract<XfrmEvent, { kind: "policy" }> => e.kind === "policy");
      assert.equal(added.action, "new");
      assertPolicyMatchesIp(added.policy, parsePolicies(ip(ns, "-s", "xfrm", "policy"))[0]);
      await xfrm.updatePolicy({ selector: sel, dir: "out", priority: 4 });
      const updated = await next(it, (e): e is Extract<XfrmEvent, { kind: "policy" }> => e.kind === "policy");
      assert.equal(updated.action, "update");
      assert.equal(updated.policy.priority, 4);
      await xfrm.deletePolicy({ dir: "out", selector: sel });
      const deleted = await next(it, (e): e is Extract<XfrmEvent, { kind: "policy" }> => e.kind === "policy");
      assert.equal(deleted.action, "delete");
      assert.equal(deleted.policy.index, updated.policy.index);
      assert.equal(deleted.policy.selector.dst, "10.2.0.0");
      // A flush of an empty database says nothing: leave something to flush.
      await xfrm.addPolicy({ selector: sel, dir: "in" });
      await next(it, (e): e is Extract<XfrmEvent, { kind: "policy" }> => e.kind === "policy");
      ip(ns, "xfrm", "policy", "flush");
      const pflush = await next(
        it,
        (e): e is Extract<XfrmEvent, { kind: "policy-flush" }> => e.kind === "policy-flush",
      );
      assert.equal(pflush.type, "main");

      const sa = await xfrm.allocSpi({ src: "192.0.2.1", dst: "192.0.2.2", reqid: 3, min: 0x777, max: 0x777 });
      const before = parseStates(ip(ns, "-s", "xfrm", "state"))[0];
      ip(ns, "xfrm", "state", "delete", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "spi", "0x777");
      const gone = await next(it, (e): e is Extract<XfrmEvent, { kind: "sa" }> => e.kind === "sa");
      assert.equal(gone.action, "delete");
      assert.equal(gone.state.spi, sa.spi);
      assertStateMatchesIp(gone.state, before);
      await xfrm.allocSpi({ src: "192.0.2.1", dst: "192.0.2.3", reqid: 3 });
      await xfrm.flushStates({ proto: "esp" });
      const sflush = await next(it, (e): e is Extract<XfrmEvent, { kind: "sa-flush" }> => e.kind === "sa-flush");
      assert.equal(sflush.proto, "esp");
    } finally {
      await events.close();
    }
  });
});

for (
  const [family, host, sel] of [
    ["IPv4", "127.0.0.2", "127.0.0.2/32"],
    ["IPv6", "::1", "::1/128"],
  ] as const
) {
  test(`acquire (${family}): a UDP datagram over loopback matched by a policy whose template has no SA`, async () => {
    await withNetns(`xa-ev-acq${family === "IPv4" ? 4 : 6}`, async (ns) => {
      await using xfrm = await Xfrm.open({ netns: ns });
      const src = family === "IPv4" ? "127.0.0.1" : "::1";
      // IPv4 loopback skips XFRM (disable_xfrm=1 on lo): lift that in this namespace only.
      if (family === "IPv4") sysctl(ns, "net/ipv4/conf/lo/disable_xfrm", "0");
      await xfrm.addPolicy({
        selector: { src: family === "IPv4" ? "127.0.0.1/32" : "::1/128", dst: sel, proto: 17, dport: 5555 },
        dir: "out",
        templates: [{ src, dst: host, proto: "esp", mode: "tunnel", reqid: 42 }],
        mark: { value: 0, mask: 0 },
      });
      const events = xfrm.events(["acquire"]);
      await events.ready;
      const it = events[Symbol.asyncIterator]();
      try {
        sendUdp(ns, host, 5555);
        const acq = await next(it, (e): e is Extract<XfrmEvent, { kind: "acquire" }> => e.kind === "acquire");
        assert.equal(acq.dst, host);
        assert.equal(acq.src, src);
        assert.equal(acq.proto, "esp");
        assert.equal(acq.family, family === "IPv4" ? "inet" : "inet6");
        assert.equal(acq.selector.dport, 5555);
        assert.equal(acq.selector.proto, 17);
        assert.equal(acq.selector.dst, host);
        assert.equal(acq.policy.dir, "out");
        assert.equal(acq.templates.length, 1);
        assert.equal(acq.templates[0].reqid, 42);
        assert.notEqual(acq.seq, 0);
        assertPolicyMatchesIp(acq.policy, parsePolicies(ip(ns, "-s", "xfrm", "policy"))[0]);
        // The kernel now holds a larval SA for it, which ip and we both see.
        const larval = parseStates(ip(ns, "-s", "xfrm", "state"));
        const ours = [];
        for await (const s of xfrm.states()) ours.push(s);
        assert.equal(ours.length, 1);
        assert.equal(larval.length, 1);
        assertStateMatchesIp(ours[0], larval[0]);
        assert.equal(ours[0].spi, 0);
        assert.equal(ours[0].seq, acq.seq);
        assert.equal(ours[0].reqid, 42);
      } finally {
        await events.close();
      }
    });
  });
}

test("hard expire: a larval SA outlives net.core.xfrm_acq_expires=1 and the kernel says so", async () => {
  await withNetns("xa-ev-exp", async (ns) => {
    sysctl(ns, "net/core/xfrm_acq_expires", "1");
    await using xfrm = await Xfrm.open({ netns: ns });
    const events = xfrm.events(["expire"]);
    await events.ready;
    const it = events[Symbol.asyncIterator]();
    try {
      const sa = await xfrm.allocSpi({
        src: "2001:db8::1",
        dst: "2001:db8::2",
        proto: "esp",
        reqid: 9,
        min: 0x999,
        max: 0x999,
      });
      assert.equal(sa.lifetime.config.hardAddExpiresSeconds, 1);
      const started = Date.now();
      const ev = await next(it, (e): e is Extract<XfrmEvent, { kind: "expire" }> => e.kind === "expire");
      assert.equal(ev.hard, true);
      assert.equal(ev.state.spi, 0x999);
      assert.equal(ev.state.dst, "2001:db8::2");
      assert.equal(ev.state.reqid, 9);
      assert.ok(Date.now() - started < 4000);
      assert.equal(ip(ns, "xfrm", "state").trim(), "", "the expired SA is gone");
    } finally {
      await events.close();
    }
  });
}, { timeout: 15_000 });

const esp = probeEsp();
test(
  esp.ok
    ? "soft then hard expire of an ESP SA added by ip with limit time-soft 1 time-hard 3"
    : `soft expire needs a real SA, which this kernel cannot hold (${esp.reason}); ` +
      "checked instead: a policy with time-soft 1 time-hard 3 expires soft, then hard",
  async () => {
    await withNetns("xa-ev-soft", async (ns) => {
      await using xfrm = await Xfrm.open({ netns: ns });
      const events = xfrm.events(["expire"]);
      await events.ready;
      const it = events[Symbol.asyncIterator]();
      try {
        if (esp.ok) {
          ip(
            ns,
            "xfrm",
            "state",
            "add",
            "src",
            "192.0.2.1",
            "dst",
            "192.0.2.2",
            "proto",
            "esp",
            "spi",
            "0x51",
            "mode",
            "tunnel",
            "enc",
            "cbc(aes)",
            "0x00112233445566778899aabbccddeeff",
            "limit",
            "time-soft",
            "1",
            "limit",
            "time-hard",
            "3",
          );
          const soft = await next(it, (e): e is Extract<XfrmEvent, { kind: "expire" }> => e.kind === "expire");
          assert.equal(soft.hard, false);
          assert.equal(soft.state.spi, 0x51);
          assert.equal(soft.state.lifetime.config.softAddExpiresSeconds, 1);
          const hard = await next(it, (e): e is Extract<XfrmEvent, { kind: "expire" }> => e.kind === "expire");
          assert.equal(hard.hard, true);
          assert.equal(hard.state.spi, 0x51);
          return;
        }
        // Hard is 3 s, not 2: the kernel's 1 s policy timer may fire late enough to see both due at once.
        ip(
          ns,
          "xfrm",
          "policy",
          "add",
          "src",
          "10.1.0.0/24",
          "dst",
          "10.2.0.0/24",
          "dir",
          "out",
          "limit",
          "time-soft",
          "1",
          "limit",
          "time-hard",
          "3",
        );
        const pick = (e: XfrmEvent): e is Extract<XfrmEvent, { kind: "policy-expire" }> => e.kind === "policy-expire";
        const soft = await next(it, pick);
        assert.equal(soft.hard, false);
        assert.equal(soft.policy.selector.dst, "10.2.0.0");
        assert.equal(soft.policy.lifetime.config.softAddExpiresSeconds, 1);
        const hard = await next(it, pick);
        assert.equal(hard.hard, true);
        assert.equal(ip(ns, "xfrm", "policy").trim(), "", "the hard-expired policy is gone");
      } finally {
        await events.close();
      }
    });
  },
  { timeout: 15_000 },
);

test("events() rejects unknown groups, and an aborted stream ends (returns, no throw)", async () => {
  await withNetns("xa-ev-abort", async (ns) => {
    await using xfrm = await Xfrm.open({ netns: ns });
    assert.throws(() => xfrm.events(["nope" as "sa"]), /unknown XFRM group/);
    const ac = new AbortController();
    const events = xfrm.events(["sa"], { signal: ac.signal });
    await events.ready;
    setTimeout(() => ac.abort(), 50);
    for await (const _ of events) { /* nothing comes */ }
    assert.equal(events.closed, true);
  });
});
