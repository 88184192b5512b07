// Per-device IP settings (RTM_GETNETCONF, linux/netconf.h) against the sysctls
// they mirror and against `ip -j netconf show`; their events when a sysctl
// changes or a device comes and goes; bytes built from the uapi layout for
// what the kernel does not send.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, ipBatch, ipJson, sh, sysctl, withNetns } from "../helpers/netns.ts";
import { Flags, MessageWriter, NetlinkError, NetlinkSocket, Overrun, ParseError, parseMessages } from "../../mod.ts";
import { rtmName } from "../../src/route/constants.ts";
import { type RouteEvent, subscribe } from "../../src/route/events.ts";
import {
  decodeNetconf,
  getNetconf,
  listNetconf,
  type Netconf,
  NETCONF_INDEX,
  NETCONFA,
  netconfKey,
} from "../../src/route/netconf.ts";
import { type WatchEvent, watchNetconf } from "../../src/route/watch.ts";
import { ipNetconf } from "../../src/cli/ipjson.ts";

/** The sysctl of `family` and device directory `dev` (`all`, `default`, a name), as a number. */
function readSysctl(ns: string, family: string, dev: string, name: string): number {
  const v = family === "inet" ? "ipv4" : "ipv6";
  return Number(sh("ip", ["netns", "exec", ns, "cat", `/proc/sys/net/${v}/conf/${dev}/${name}`]).trim());
}

/** Which sysctl file each setting mirrors, per family (`devinet.c`, `addrconf.c`). */
const SYSCTLS: Record<string, Record<string, string>> = {
  inet: {
    forwarding: "forwarding",
    rpFilter: "rp_filter",
    mcForwarding: "mc_forwarding",
    proxyNeigh: "proxy_arp",
    ignoreRoutesWithLinkdown: "ignore_routes_with_linkdown",
    bcForwarding: "bc_forwarding",
  },
  inet6: {
    forwarding: "forwarding",
    mcForwarding: "mc_forwarding",
    proxyNeigh: "proxy_ndp",
    ignoreRoutesWithLinkdown: "ignore_routes_with_linkdown",
  },
};

function devOf(c: Netconf, names: Map<number, string>): string {
  return c.index === NETCONF_INDEX.ALL ? "all" : c.index === NETCONF_INDEX.DEFAULT ? "default" : names.get(c.index)!;
}

test("listNetconf holds each device's, all's and default's sysctls, changed values too, and ip -j netconf show's entries", async () => {
  await withNetns("rn-netconf", async (ns) => {
    ipBatch(ns, "link add a0 type veth peer name b0\n");
    sysctl(ns, "net.ipv4.conf.a0.rp_filter=2");
    sysctl(ns, "net.ipv4.conf.a0.proxy_arp=1");
    sysctl(ns, "net.ipv4.conf.b0.forwarding=1");
    sysctl(ns, "net.ipv4.conf.default.ignore_routes_with_linkdown=1");
    sysctl(ns, "net.ipv6.conf.b0.forwarding=1");
    sysctl(ns, "net.ipv6.conf.a0.proxy_ndp=1");
    await using sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
    const names = new Map(
      ipJson<{ ifindex: number; ifname: string }[]>(ns, "link", "show").map((l) => [
        l.ifindex,
        l.ifname,
      ]),
    );
    const all = await Array.fromAsync(listNetconf(sock));
    // Every device and all/default, in both families.
    const keys = all.map((c) => `${c.family} ${devOf(c, names)}`).sort();
    const expected = ["lo", "a0", "b0", "all", "default"].flatMap((d) => [`inet ${d}`, `inet6 ${d}`]).sort();
    assert.deepEqual(keys, expected);
    let compared = 0;
    for (const c of all) {
      for (const [field, file] of Object.entries(SYSCTLS[c.family])) {
        const value = (c as unknown as Record<string, number>)[field];
        assert.equal(value, readSysctl(ns, c.family, devOf(c, names), file), `${c.family} ${devOf(c, names)} ${field}`);
        compared++;
      }
      assert.deepEqual(c.unknown, [], "every attribute decoded");
    }
    assert.ok(compared >= 50, `${compared} settings compared`);
    const byKey = new Map(all.map((c) => [`${c.family} ${devOf(c, names)}`, c]));
    assert.equal(byKey.get("inet a0")!.rpFilter, 2);
    assert.equal(byKey.get("inet6 a0")!.proxyNeigh, 1);
    assert.equal(byKey.get("inet default")!.ignoreRoutesWithLinkdown, 1);
    // ip shows the same entries, in the same order.
    assert.deepEqual(all.map((c) => ipNetconf(c, names)), ipJson(ns, "netconf", "show"));
    // One family.
    const six = await Array.fromAsync(listNetconf(sock, { family: "inet6" }));
    assert.deepEqual(six, all.filter((c) => c.family === "inet6"));
  });
});

test("getNetconf answers for one device, all and default as the dump does; a missing device is the kernel's ENODEV (IPv4) or EINVAL (IPv6); bad input is refused before sending", async () => {
  await withNetns("rn-netconf-get", async (ns) => {
    ipBatch(ns, "link add a0 type veth peer name b0\n");
    sysctl(ns, "net.ipv4.conf.a0.rp_filter=1");
    const a0 = ipJson<{ ifindex: number }[]>(ns, "link", "show", "a0")[0].ifindex;
    await using sock = await NetlinkSocket.open("route", { netns: ns, describeType: rtmName });
    const dump = await Array.fromAsync(listNetconf(sock));
    for (const family of ["inet", "inet6"] as const) {
      for (const index of [a0, NETCONF_INDEX.ALL, NETCONF_INDEX.DEFAULT]) {
        const one = await getNetconf(sock, family, index);
        assert.deepEqual(one, dump.find((c) => c.family === family && c.index === index), `${family} ${index}`);
      }
    }
    assert.equal((await getNetconf(sock, "inet", a0)).rpFilter, 1);
    await assert.rejects(
      getNetconf(sock, "inet", 9999),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENODEV",
    );
    await assert.rejects(
      getNetconf(sock, "inet6", 9999),
      (e: unknown) => e instanceof NetlinkError && e.code === "EINVAL",
    );
  });
  const closed = await NetlinkSocket.open("route");
  await closed.close();
  for (const index of [0, -3, 1.5, 2 ** 31]) {
    await assert.rejects(getNetconf(closed, "inet", index), TypeError, String(index));
  }
  await assert.rejects(getNetconf(closed, "mpls" as "inet", 1), /family must be "inet" or "inet6"/);
});

test("subscribe(ipv4_netconf, ipv6_netconf): a changed sysctl gives that setting alone; a device gives all of them, then a del", async () => {
  await withNetns("rn-netconf-ev", async (ns) => {
    ipBatch(ns, "link add a0 type veth peer name b0\n");
    const a0 = ipJson<{ ifindex: number }[]>(ns, "link", "show", "a0")[0].ifindex;
    const events = subscribe(["ipv4_netconf", "ipv6_netconf"], { netns: ns, signal: AbortSignal.timeout(5000) });
    await events.ready;
    sysctl(ns, "net.ipv4.conf.a0.rp_filter=2");
    sysctl(ns, "net.ipv6.conf.a0.forwarding=1");
    ip(ns, "link", "add", "c0", "type", "veth", "peer", "name", "d0");
    const c0 = ipJson<{ ifindex: number }[]>(ns, "link", "show", "c0")[0].ifindex;
    ip(ns, "link", "del", "c0");
    const seen: RouteEvent[] = [];
    for await (const e of events) {
      assert.ok(!(e instanceof Overrun), "no loss");
      seen.push(e);
      if (seen.filter((x) => x.kind === "netconf" && x.action === "del" && x.netconf.index === c0).length === 2) break;
    }
    events.close();
    const netconf = seen.map((e) => (e.kind === "netconf" ? [e.action, e.netconf] as const : undefined));
    assert.ok(netconf.every((x) => x !== undefined), "every event decoded as netconf");
    const settings = (c: Netconf) => Object.keys(c).filter((k) => !["family", "index", "unknown"].includes(k));
    // The sysctl changes: only the setting that changed.
    assert.deepEqual(netconf[0], ["new", { family: "inet", index: a0, rpFilter: 2, unknown: [] }]);
    assert.deepEqual(netconf[1], ["new", { family: "inet6", index: a0, forwarding: 1, unknown: [] }]);
    // The new device: every setting of each family; its removal: the index alone.
    const c0s = netconf.filter((x) => x![1].index === c0);
    const added = c0s.filter((x) => x![0] === "new").map((x) => x![1]);
    assert.deepEqual(added.map((c) => c.family).sort(), ["inet", "inet6"]);
    for (const c of added) assert.deepEqual(settings(c).sort(), Object.keys(SYSCTLS[c.family]).sort(), c.family);
    const removed = c0s.filter((x) => x![0] === "del").map((x) => x![1]);
    assert.deepEqual(removed.map((c) => c.family).sort(), ["inet", "inet6"]);
    for (const c of removed) assert.deepEqual(settings(c), [], c.family);
  });
});

test(
  "watchNetconf: the snapshot is the dump; a change is merged into its whole entry; devices come and go; storms with overruns end equal to a dump",
  async () => {
    await withNetns("rn-netconf-watch", async (ns) => {
      ipBatch(ns, "link add a0 type veth peer name b0\n");
      const a0 = ipJson<{ ifindex: number }[]>(ns, "link", "show", "a0")[0].ifindex;
      await using sock = await NetlinkSocket.open("route", { netns: ns });
      const dump = async () => new Map((await Array.fromAsync(listNetconf(sock))).map((c) => [netconfKey(c), c]));
      await using w = watchNetconf({ netns: ns, rcvbuf: 4096, signal: AbortSignal.timeout(60_000) });
      const it = w[Symbol.asyncIterator]();
      // What a consumer builds from the items alone.
      const mine = new Map<string, Netconf>();
      const apply = (e: WatchEvent<Netconf>) => {
        if (e.type === "snapshot") {
          mine.clear();
          for (const c of e.items) mine.set(netconfKey(c), c);
        } else if (e.type === "added" || e.type === "changed") mine.set(e.key, e.item);
        else if (e.type === "removed") mine.delete(e.key);
      };
      let pending: Promise<IteratorResult<WatchEvent<Netconf>>> | undefined;
      const next = async (ms: number) => {
        pending ??= it.next();
        const quiet = new Promise<undefined>((r) => setTimeout(r, ms, undefined));
        const r = await Promise.race([pending, quiet]);
        if (r === undefined) return undefined;
        pending = undefined;
        assert.ok(!r.done, "the watch ended");
        apply(r.value);
        return r.value;
      };
      const first = await next(5000);
      assert.equal(first?.type, "snapshot");
      assert.deepEqual(mine, await dump());

      // One sysctl: one `changed` item, the whole entry with the new value, as getNetconf reads it.
      sysctl(ns, "net.ipv4.conf.a0.rp_filter=2");
      const changed = await next(5000);
      assert.equal(changed?.type, "changed");
      if (changed?.type !== "changed") return;
      assert.equal(changed.key, `inet ${a0}`);
      assert.equal(changed.previous.rpFilter, 0);
      assert.deepEqual(changed.item, await getNetconf(sock, "inet", a0));

      // Until quiet, then the consumer's map must equal a fresh dump.
      const converged = async (what: string) => {
        for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
          if ((await next(300)) === undefined) {
            const fresh = await dump();
            if (
              (await next(0)) === undefined && JSON.stringify([...mine].sort()) === JSON.stringify([...fresh].sort())
            ) {
              assert.deepEqual(new Map([...mine].sort()), new Map([...fresh].sort()), what);
              assert.deepEqual(new Map([...w.view].sort()), new Map([...fresh].sort()), what);
              return;
            }
          }
        }
        assert.deepEqual(new Map([...mine].sort()), new Map([...(await dump())].sort()), `${what}: not converged`);
      };
      ip(ns, "link", "add", "c0", "type", "veth", "peer", "name", "d0");
      ip(ns, "link", "del", "c0");
      await converged("a device added and removed");

      // A storm while this process cannot read (the shell runs synchronously): the 4 KiB buffer overruns.
      const writes: string[] = [];
      for (let i = 0; i < 200; i++) {
        const dev = i % 3 === 0 ? "a0" : i % 3 === 1 ? "b0" : "default";
        writes.push(`echo ${i % 3} > /proc/sys/net/ipv4/conf/${dev}/rp_filter`);
        writes.push(`echo ${i % 2} > /proc/sys/net/ipv6/conf/${dev}/forwarding`);
        writes.push(`echo ${(i + 1) % 2} > /proc/sys/net/ipv4/conf/${dev}/proxy_arp`);
      }
      sh("ip", ["netns", "exec", ns, "sh", "-c", writes.join("\n")]);
      ipBatch(ns, Array.from({ length: 20 }, (_, i) => `link add s${i} type veth peer name t${i}\n`).join(""));
      ipBatch(ns, Array.from({ length: 10 }, (_, i) => `link del s${i}\n`).join(""));
      await converged("a storm of changes, devices added and removed");
      assert.ok(w.stats.overruns >= 1, `no overrun happened (${JSON.stringify(w.stats)})`);
      // lo, a0, b0, s10…s19 and their peers, all and default: per family.
      assert.equal(mine.size, 2 * (3 + 20 + 2));
    });
  },
  { timeout: 90_000 },
);

/** An RTM_NEWNETCONF of `family` with the attributes `fill` writes (uapi layout: netconfmsg padded to 4). */
function netconfMessage(family: number, fill: (m: MessageWriter) => void) {
  const m = new MessageWriter(80, Flags.MULTI);
  m.struct(4).setUint8(0, family);
  fill(m);
  return parseMessages(m.finish())[0];
}

test("decodeNetconf (uapi bytes): MPLS's input, an unknown attribute kept raw (and written by toJSON), short and index-less messages refused", () => {
  const mpls = decodeNetconf(netconfMessage(28, (m) => m.s32(NETCONFA.IFINDEX, 4).s32(NETCONFA.INPUT, 1).s32(99, 7)));
  assert.equal(mpls.family, "mpls");
  assert.equal(mpls.input, 1);
  assert.deepEqual(mpls.unknown.map((a) => [a.type, [...a.value]]), [[99, [7, 0, 0, 0]]]);
  assert.equal(JSON.parse(JSON.stringify(mpls)).unknown[0].value, "07000000");
  assert.deepEqual(ipNetconf(mpls, new Map([[4, "m0"]])), { family: "mpls", interface: "m0", input: true });
  assert.throws(() => decodeNetconf({ type: 80, flags: 0, seq: 0, pid: 0, payload: new Uint8Array(3) }), ParseError);
  assert.throws(
    () => decodeNetconf(netconfMessage(2, (m) => m.s32(NETCONFA.FORWARDING, 1))),
    /without NETCONFA_IFINDEX/,
  );
  const lying = netconfMessage(2, (m) => m.s32(NETCONFA.IFINDEX, 1));
  lying.payload[4] = 40;
  assert.throws(() => decodeNetconf(lying), ParseError);
});
