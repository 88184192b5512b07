// NETLINK_KOBJECT_UEVENT against the real kernel, in private namespaces, and
// the decoder on hand-built and garbage bytes.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { test } from "../helpers/harness.ts";
import { ip, ipJson, withNetns } from "../helpers/netns.ts";
import { NetlinkSocket, Overrun, ParseError } from "../../mod.ts";
import {
  decodeUevent,
  UDEV_HEADER_SIZE,
  UDEV_MONITOR_MAGIC,
  type Uevent,
  UeventGroup,
  UeventMonitor,
  uevents,
} from "../../src/uevent/mod.ts";

/**
 * This process's sockets other than AF_UNIX ones, as "fd socket:[inode]"
 * (bun's child-process stdio are unix socketpairs that close lazily).
 */
function socketFds(): string[] {
  const unix = new Set(
    readFileSync("/proc/self/net/unix", "utf8").split("\n").slice(1).map((line) => line.trim().split(/\s+/)[6]),
  );
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && !unix.has(inode)) out.push(`${fd} ${target}`);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

const enc = new TextEncoder();

/** Kernel format: "action@devpath\0KEY=VALUE\0…". */
function kernelBytes(action: string, devpath: string, env: [string, string][]): Uint8Array {
  return enc.encode(`${action}@${devpath}\0${env.map(([k, v]) => `${k}=${v}\0`).join("")}`);
}

/**
 * A libudev monitor message built by hand from its layout: "libudev\0",
 * magic 0xfeedcafe big-endian, header_size, properties_off, properties_len
 * (host order), subsystem hash, devtype hash, tag bloom hi/lo (big-endian),
 * then the properties "KEY=VALUE\0…".
 */
function udevBytes(
  env: [string, string][],
  opts: { magic?: number; off?: number; len?: number; subsystemHash?: number; devtypeHash?: number; bloom?: bigint } =
    {},
): Uint8Array {
  const props = enc.encode(env.map(([k, v]) => `${k}=${v}\0`).join(""));
  const bytes = new Uint8Array(UDEV_HEADER_SIZE + props.length);
  bytes.set(enc.encode("libudev\0"), 0);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(8, opts.magic ?? UDEV_MONITOR_MAGIC, false);
  dv.setUint32(12, UDEV_HEADER_SIZE, true);
  dv.setUint32(16, opts.off ?? UDEV_HEADER_SIZE, true);
  dv.setUint32(20, opts.len ?? props.length, true);
  dv.setUint32(24, opts.subsystemHash ?? 0, false);
  dv.setUint32(28, opts.devtypeHash ?? 0, false);
  const bloom = opts.bloom ?? 0n;
  dv.setUint32(32, Number(bloom >> 32n), false);
  dv.setUint32(36, Number(bloom & 0xffffffffn), false);
  bytes.set(props, UDEV_HEADER_SIZE);
  return bytes;
}

/** Collects events until `done` says so or `ms` pass; returns what came. */
async function collect(
  source: AsyncIterable<Uevent | Overrun>,
  done: (events: Uevent[]) => boolean,
  ms = 5000,
): Promise<{ events: Uevent[]; overruns: number }> {
  const events: Uevent[] = [];
  let overruns = 0;
  const timer = AbortSignal.timeout(ms);
  const it = source[Symbol.asyncIterator]();
  try {
    while (!done(events)) {
      const next = await Promise.race([
        it.next(),
        new Promise<never>((_, reject) => timer.addEventListener("abort", () => reject(timer.reason), { once: true })),
      ]);
      if (next.done) break;
      if (next.value instanceof Overrun) overruns++;
      else events.push(next.value);
    }
  } catch (error) {
    if (!timer.aborted) throw error;
  }
  return { events, overruns };
}

function find(events: Uevent[], action: string, iface: string): Uevent | undefined {
  return events.find((e) => e.action === action && e.interface === iface && e.subsystem === "net");
}

test("veth add and delete in a namespace yield net add/remove uevents matching ip -j link", async () => {
  await withNetns("ku-veth", async (ns) => {
    await withNetns("ku-veth-other", async (other) => {
      await using mon = await UeventMonitor.open({ netns: ns, subsystem: "net" });
      await using removes = await UeventMonitor.open({ netns: ns, action: "remove", subsystem: ["net", "queues"] });
      await using elsewhere = await UeventMonitor.open({ netns: other });
      ip(ns, "link", "add", "kua0", "type", "veth", "peer", "name", "kub0");
      const links = ipJson<{ ifname: string; ifindex: number }[]>(ns, "link", "show");
      const index = (name: string) => links.find((l) => l.ifname === name)!.ifindex;
      ip(ns, "link", "del", "kua0");

      const names = ["kua0", "kub0"];
      const got = await collect(
        mon.events(),
        (evs) => names.every((n) => find(evs, "add", n) && find(evs, "remove", n)),
      );
      assert.equal(got.overruns, 0);
      for (const name of names) {
        const add = find(got.events, "add", name);
        const remove = find(got.events, "remove", name);
        assert.ok(add, `add uevent of ${name}`);
        assert.ok(remove, `remove uevent of ${name}`);
        for (const ev of [add, remove]) {
          assert.equal(ev.source, "kernel");
          assert.equal(ev.devpath, `/devices/virtual/net/${name}`);
          assert.equal(ev.ifindex, index(name));
          assert.equal(ev.env.INTERFACE, name);
          assert.equal(ev.env.IFINDEX, String(index(name)));
          assert.equal(ev.env.ACTION, ev.action);
          assert.equal(ev.env.DEVPATH, ev.devpath);
          assert.equal(ev.env.SUBSYSTEM, "net");
          assert.equal(typeof ev.seqnum, "number");
          assert.equal(ev.udev, undefined);
        }
        assert.ok(remove.seqnum! > add.seqnum!, "remove comes after add");
      }
      // The subsystem filter let only net devices through (veth queues are "queues").
      assert.ok(got.events.every((e) => e.subsystem === "net"), "only subsystem net");

      // The action filter: only removes, of net devices and their queues.
      const gone = await collect(
        removes.events(),
        (evs) => names.every((n) => find(evs, "remove", n)) && evs.some((e) => e.subsystem === "queues"),
      );
      assert.ok(gone.events.length > 0);
      assert.ok(gone.events.every((e) => e.action === "remove"), "only removes");
      assert.ok(
        gone.events.some((e) => e.subsystem === "queues" && e.devpath.startsWith("/devices/virtual/net/kua0/")),
      );
      assert.ok(names.every((n) => find(gone.events, "remove", n)));

      // Net device events stay in the namespace that owns the device.
      const seen = await collect(elsewhere.events(), () => false, 300);
      assert.equal(seen.events.filter((e) => e.devpath.includes("/kua0") || e.devpath.includes("/kub0")).length, 0);
    });
  });
});

test("uevents() returns at once, opens its own socket, and ends on abort (done, no throw), closing it", async () => {
  await withNetns("ku-gen", async (ns) => {
    await (await UeventMonitor.open({ netns: ns })).close(); // the shared poll loop exists from here on
    const before = socketFds();
    const stop = new AbortController();
    const stream = uevents({ netns: ns, subsystem: "net", action: "add", signal: stop.signal });
    await stream.ready;
    const it = stream[Symbol.asyncIterator]();
    // Create devices until one is seen.
    const first = it.next();
    let created = 0;
    let result: IteratorResult<Uevent | Overrun> | undefined;
    first.then((r) => (result = r));
    while (result === undefined && created < 50) {
      ip(ns, "link", "add", `kug${created}`, "type", "veth", "peer", "name", `kuh${created}`);
      created++;
      await new Promise((r) => setTimeout(r, 20));
    }
    await first;
    assert.ok(result && !result.done && !(result.value instanceof Overrun));
    const ev = result.value as Uevent;
    assert.equal(ev.action, "add");
    assert.equal(ev.subsystem, "net");
    assert.match(ev.interface!, /^ku[gh]\d+$/);
    const link = ipJson<{ ifindex: number }[]>(ns, "link", "show", "dev", ev.interface!)[0];
    assert.equal(ev.ifindex, link.ifindex);
    const pending = it.next();
    stop.abort(new Error("stop"));
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    assert.equal(stream.closed, true);
    assert.deepEqual(socketFds().filter((s) => !before.includes(s)), [], "the socket was closed");
  });
});

test("udev-sent messages (no udevd here): hand-built libudev bytes sent on group 2 from a user-space socket decode as source udev", async () => {
  await withNetns("ku-udev", async (ns) => {
    await using both = await UeventMonitor.open({ netns: ns, source: "both" });
    await using kernelOnly = await UeventMonitor.open({ netns: ns, source: "kernel" });
    await using sender = await NetlinkSocket.open(15, { netns: ns });
    const env: [string, string][] = [
      ["ACTION", "add"],
      ["DEVPATH", "/devices/virtual/net/fake0"],
      ["SUBSYSTEM", "net"],
      ["INTERFACE", "fake0"],
      ["IFINDEX", "77"],
      ["SEQNUM", "4242"],
      ["USEC_INITIALIZED", "123"],
      ["TAGS", ":systemd:"],
    ];
    // A user-space sender on the kernel's group is not believed…
    sender.send(kernelBytes("add", "/devices/virtual/net/spoof0", [["SUBSYSTEM", "net"]]), { group: 1 });
    // …on udev's group with the libudev header it is udevd.
    sender.send(udevBytes(env, { subsystemHash: 0x1234abcd, bloom: 0x0102030405060708n }), { group: 2 });
    const got = await collect(both.events(), (evs) => evs.length >= 1);
    assert.equal(got.events.length, 1);
    const ev = got.events[0];
    assert.equal(ev.source, "udev");
    assert.equal(ev.action, "add");
    assert.equal(ev.devpath, "/devices/virtual/net/fake0");
    assert.equal(ev.interface, "fake0");
    assert.equal(ev.ifindex, 77);
    assert.equal(ev.seqnum, 4242);
    assert.equal(ev.env.TAGS, ":systemd:");
    assert.deepEqual(ev.udev, {
      headerSize: UDEV_HEADER_SIZE,
      subsystemHash: 0x1234abcd,
      devtypeHash: 0,
      tagBloom: 0x0102030405060708n,
    });
    assert.equal(both.ignored, 1, "the spoofed kernel-group message was ignored");
    // The kernel-only monitor saw neither (its socket drops user-space senders).
    const none = await collect(kernelOnly.events(), () => false, 200);
    assert.equal(none.events.length, 0);
    assert.ok(kernelOnly.socket.stats.foreign >= 1);
  });
});

test("udev-sent messages (no udevd here): hand-built libudev bytes decode", () => {
  const bytes = udevBytes([
    ["ACTION", "change"],
    ["DEVPATH", "/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda"],
    ["SUBSYSTEM", "block"],
    ["DEVTYPE", "disk"],
    ["DEVNAME", "/dev/sda"],
    ["SEQNUM", "9007199254740991"],
    ["ID_SERIAL", "a=b=c"],
  ], { devtypeHash: 0xdeadbeef });
  const ev = decodeUevent(bytes, UeventGroup.UDEV);
  assert.equal(ev.source, "udev");
  assert.equal(ev.action, "change");
  assert.equal(ev.subsystem, "block");
  assert.equal(ev.devtype, "disk");
  assert.equal(ev.devname, "/dev/sda");
  assert.equal(ev.seqnum, 9007199254740991);
  assert.equal(ev.env.ID_SERIAL, "a=b=c", "only the first = splits");
  assert.equal(ev.udev!.devtypeHash, 0xdeadbeef);
  assert.equal(ev.ifindex, undefined);
  // Without a group the prefix decides.
  assert.equal(decodeUevent(bytes).source, "udev");
  // properties_off past a longer header (a newer sender) is honoured.
  const longer = new Uint8Array(bytes.length + 8);
  longer.set(bytes.subarray(0, UDEV_HEADER_SIZE));
  longer.set(bytes.subarray(UDEV_HEADER_SIZE), UDEV_HEADER_SIZE + 8);
  new DataView(longer.buffer).setUint32(12, UDEV_HEADER_SIZE + 8, true);
  new DataView(longer.buffer).setUint32(16, UDEV_HEADER_SIZE + 8, true);
  const ev2 = decodeUevent(longer);
  assert.equal(ev2.udev!.headerSize, UDEV_HEADER_SIZE + 8);
  assert.deepEqual(ev2.env, ev.env);
});

test("kernel-format bytes decode; a key like __proto__ stays a plain property", () => {
  const ev = decodeUevent(
    kernelBytes("remove", "/devices/virtual/net/x0", [
      ["ACTION", "remove"],
      ["SUBSYSTEM", "net"],
      ["INTERFACE", "x0"],
      ["IFINDEX", "not-a-number"],
      ["__proto__", "polluted"],
      ["EMPTY", ""],
    ]),
    UeventGroup.KERNEL,
  );
  assert.equal(ev.action, "remove");
  assert.equal(ev.devpath, "/devices/virtual/net/x0");
  assert.equal(ev.ifindex, undefined, "a non-decimal IFINDEX is left in env only");
  assert.equal(ev.env.IFINDEX, "not-a-number");
  assert.equal(Object.getOwnPropertyDescriptor(ev.env, "__proto__")?.value, "polluted");
  assert.equal(Object.getPrototypeOf(ev.env), Object.prototype);
  assert.equal(ev.env.EMPTY, "");
  // No trailing NUL on the last property is accepted.
  const noNul = enc.encode("add@/devices/x\0SUBSYSTEM=foo");
  assert.equal(decodeUevent(noNul).subsystem, "foo");
  // The kernel's "libudev"-less header alone, without properties.
  assert.deepEqual(decodeUevent(enc.encode("online@/devices/system/cpu/cpu1\0")).env, {});
});

test("malformed uevent bytes give ParseError", () => {
  const good = udevBytes([["ACTION", "add"], ["DEVPATH", "/devices/x"]]);
  const cases: [string, Uint8Array, number?][] = [
    ["empty", new Uint8Array(0)],
    ["no @ in the header", enc.encode("add/devices/x\0A=b\0")],
    ["empty action", enc.encode("@/devices/x\0")],
    ["relative devpath", enc.encode("add@devices/x\0")],
    ["property without =", enc.encode("add@/devices/x\0NOVALUE\0")],
    ["property with empty key", enc.encode("add@/devices/x\0=v\0")],
    ["udev header cut short", good.subarray(0, 20)],
    ["udev bad magic", udevBytes([["ACTION", "add"], ["DEVPATH", "/d"]], { magic: 0xcafefeed })],
    ["udev properties inside the header", udevBytes([["ACTION", "add"], ["DEVPATH", "/d"]], { off: 8 })],
    ["udev properties offset past the end", udevBytes([["ACTION", "add"], ["DEVPATH", "/d"]], { off: 4096 })],
    ["udev properties length past the end", udevBytes([["ACTION", "add"], ["DEVPATH", "/d"]], { len: 0xffffffff })],
    ["udev without ACTION", udevBytes([["DEVPATH", "/d"]])],
    ["udev without DEVPATH", udevBytes([["ACTION", "add"]])],
    ["libudev message on group 1", good, UeventGroup.KERNEL],
    ["kernel message on group 2", enc.encode("add@/devices/x\0"), UeventGroup.UDEV],
  ];
  for (const [what, bytes, group] of cases) {
    assert.throws(() => decodeUevent(bytes, group), ParseError, what);
  }
});

test("random and truncated uevent bytes give a Uevent or a ParseError, never another error", () => {
  let seed = 0x5eed;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
  const samples: Uint8Array[] = [
    kernelBytes("add", "/devices/virtual/net/v0", [["SUBSYSTEM", "net"], ["IFINDEX", "3"]]),
    udevBytes([["ACTION", "add"], ["DEVPATH", "/devices/x"], ["SUBSYSTEM", "block"]]),
  ];
  let parsed = 0, rejected = 0;
  const attempt = (bytes: Uint8Array, group?: number) => {
    try {
      decodeUevent(bytes, group);
      parsed++;
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      rejected++;
    }
  };
  for (const sample of samples) {
    for (let n = 0; n <= sample.length; n++) attempt(sample.subarray(0, n));
    for (let i = 0; i < 500; i++) {
      const copy = sample.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
      attempt(copy, rand() < 0.5 ? undefined : 1 + Math.floor(rand() * 2));
    }
  }
  for (let i = 0; i < 500; i++) {
    const bytes = new Uint8Array(Math.floor(rand() * 96));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
    if (rand() < 0.3 && bytes.length >= 8) bytes.set(enc.encode("libudev\0"));
    attempt(bytes);
  }
  assert.ok(parsed > 0 && rejected > 0, `both outcomes seen (${parsed} parsed, ${rejected} rejected)`);
});

test("UeventMonitor.open rejects a bad source or filter", async () => {
  await assert.rejects(UeventMonitor.open({ source: "nobody" as "kernel" }), TypeError);
  await assert.rejects(UeventMonitor.open({ subsystem: [1 as unknown as string] }), TypeError);
});
