// XFRM states against the real kernel, in private namespaces, with
// `ip -s xfrm state` (and `ip xfrm monitor`) as the oracle.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { NetlinkSocket } from "../../src/socket/socket.ts";
import { NetlinkError } from "../../src/wire/errors.ts";
import { parseMessages } from "../../src/wire/message.ts";
import { decodeState, encodeState, Xfrm, XfrmGroup, type XfrmState, type XfrmStateSpec } from "../../src/xfrm/mod.ts";
import { parseStates } from "./ip_xfrm.ts";
import { assertStateMatchesIp, ipMonitor, probeEsp } from "./helpers.ts";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function bySpi<T extends { spi: number }>(states: T[], spi: number): T | undefined {
  return states.find((s) => s.spi === spi);
}

const K16 = "0x00112233445566778899aabbccddeeff";
const K20 = "0x0102030405060708090a0b0c0d0e0f1011121314";
const K32 = "0x" + "a5".repeat(32);

/** The SAs the task asks for: ESP transport and tunnel, auth+crypt and AEAD, IPv4 and IPv6. */
const ESP_SPECS: XfrmStateSpec[] = [
  {
    src: "192.0.2.1",
    dst: "192.0.2.2",
    proto: "esp",
    spi: 0x1001,
    mode: "tunnel",
    reqid: 1,
    replayWindow: 32,
    auth: { name: "hmac(sha256)", key: K32, truncLength: 128 },
    crypt: { name: "cbc(aes)", key: K16 },
  },
  {
    src: "192.0.2.1",
    dst: "192.0.2.2",
    proto: "esp",
    spi: 0x1002,
    mode: "transport",
    reqid: 2,
    aead: { name: "rfc4106(gcm(aes))", key: K20, icvLength: 128 },
    selector: { src: "192.0.2.1/32", dst: "192.0.2.2/32", proto: 17, dport: 4789 },
  },
  {
    src: "2001:db8::1",
    dst: "2001:db8::2",
    proto: "esp",
    spi: 0x1003,
    mode: "tunnel",
    reqid: 3,
    auth: { name: "hmac(sha1)", key: K20, truncLength: 96 },
    crypt: { name: "cbc(aes)", key: K16 },
    mark: { value: 7, mask: 0xff },
    ifId: 9,
    flags: ["noecn"],
  },
  {
    src: "2001:db8::1",
    dst: "2001:db8::2",
    proto: "esp",
    spi: 0x1004,
    mode: "transport",
    reqid: 4,
    aead: { name: "rfc4106(gcm(aes))", key: K20, icvLength: 128 },
    lifetime: {
      softByteLimit: 1 << 20,
      hardByteLimit: 1 << 21,
      softAddExpiresSeconds: 3000,
      hardAddExpiresSeconds: 3600,
    },
  },
];

/** The same SAs as ip arguments. */
const ESP_IP_ARGS: string[][] = [
  [
    "src",
    "192.0.2.1",
    "dst",
    "192.0.2.2",
    "proto",
    "esp",
    "spi",
    "0x1001",
    "mode",
    "tunnel",
    "reqid",
    "1",
    "replay-window",
    "32",
    "auth-trunc",
    "hmac(sha256)",
    K32,
    "128",
    "enc",
    "cbc(aes)",
    K16,
  ],
  [
    "src",
    "192.0.2.1",
    "dst",
    "192.0.2.2",
    "proto",
    "esp",
    "spi",
    "0x1002",
    "mode",
    "transport",
    "reqid",
    "2",
    "aead",
    "rfc4106(gcm(aes))",
    K20,
    "128",
    "sel",
    "src",
    "192.0.2.1/32",
    "dst",
    "192.0.2.2/32",
    "proto",
    "udp",
    "dport",
    "4789",
  ],
  [
    "src",
    "2001:db8::1",
    "dst",
    "2001:db8::2",
    "proto",
    "esp",
    "spi",
    "0x1003",
    "mode",
    "tunnel",
    "reqid",
    "3",
    "auth-trunc",
    "hmac(sha1)",
    K20,
    "96",
    "enc",
    "cbc(aes)",
    K16,
    "mark",
    "7",
    "mask",
    "0xff",
    "if_id",
    "9",
    "flag",
    "noecn",
  ],
  [
    "src",
    "2001:db8::1",
    "dst",
    "2001:db8::2",
    "proto",
    "esp",
    "spi",
    "0x1004",
    "mode",
    "transport",
    "reqid",
    "4",
    "aead",
    "rfc4106(gcm(aes))",
    K20,
    "128",
    "limit",
    "byte-soft",
    String(1 << 20),
    "limit",
    "byte-hard",
    String(1 << 21),
    "limit",
    "time-soft",
    "3000",
    "limit",
    "time-hard",
    "3600",
  ],
];

const esp = probeEsp();

test(
  esp.ok
    ? "ESP SAs (transport/tunnel, auth+crypt/AEAD, IPv4/IPv6): added with ours read by ip, added with ip read by ours"
    : `ESP SAs cannot be installed on this kernel (${esp.reason}: no esp4/esp6): ours and ip's identical requests ` +
      "are refused with the same reason, and an unknown algorithm is named",
  async () => {
    await withNetns("xa-sa-esp", async (ns) => {
      await using xfrm = await Xfrm.open({ netns: ns });
      if (!esp.ok) {
        for (const [i, spec] of ESP_SPECS.entries()) {
          let ipError = "";
          try {
            ip(ns, "xfrm", "state", "add", ...ESP_IP_ARGS[i]);
          } catch (e) {
            ipError = String((e as { stderr?: string }).stderr ?? e).trim().replace(/^Error: /, "").replace(/\.$/, "");
          }
          assert.ok(ipError, "ip's request should be refused too");
          await assert.rejects(xfrm.addState(spec), (e: unknown) => {
            assert.ok(e instanceof NetlinkError);
            assert.equal(e.messageTypeName, "XFRM_MSG_NEWSA");
            assert.equal(e.extAck?.message, ipError);
            return true;
          });
        }
        // The kernel parsed our algorithm attributes: a bad name is caught before the type lookup.
        await assert.rejects(
          xfrm.addState({ ...ESP_SPECS[0], crypt: { name: "cbc(nope)", key: K16 } }),
          (e: unknown) => e instanceof NetlinkError && e.code === "ENOSYS" && /CRYPT/.test(e.extAck?.message ?? ""),
        );
        assert.deepEqual(await collect(xfrm.states()), []);
        return;
      }
      // Ours in, ip reads.
      for (const spec of ESP_SPECS) await xfrm.addState(spec);
      let theirs = parseStates(ip(ns, "-s", "xfrm", "state"));
      const ours = await collect(xfrm.states());
      assert.equal(theirs.length, ESP_SPECS.length);
      assert.equal(ours.length, ESP_SPECS.length);
      for (const s of ours) assertStateMatchesIp(s, bySpi(theirs, s.spi)!);
      for (const spec of ESP_SPECS) {
        const got = await xfrm.getState({ dst: spec.dst, spi: spec.spi, proto: "esp", mark: spec.mark });
        assert.equal(got.spi, spec.spi);
        assert.equal(got.mode, spec.mode);
      }
      await assert.rejects(
        xfrm.addState(ESP_SPECS[0]),
        (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST",
      );
      await xfrm.updateState({ ...ESP_SPECS[0], crypt: { name: "cbc(aes)", key: "0x" + "77".repeat(16) } });
      assert.equal(
        parseStates(ip(ns, "xfrm", "state")).find((s) => s.spi === 0x1001)!.enc!.key,
        "0x" + "77".repeat(16),
      );
      await xfrm.flushStates();
      assert.equal(ip(ns, "xfrm", "state").trim(), "");
      // ip in, ours reads.
      for (const args of ESP_IP_ARGS) ip(ns, "xfrm", "state", "add", ...args);
      theirs = parseStates(ip(ns, "-s", "xfrm", "state"));
      for (const s of await collect(xfrm.states())) assertStateMatchesIp(s, bySpi(theirs, s.spi)!);
      await xfrm.deleteState({ dst: "2001:db8::2", spi: 0x1003, proto: "esp", mark: { value: 7, mask: 0xff } });
      assert.equal(parseStates(ip(ns, "xfrm", "state")).length, ESP_SPECS.length - 1);
    });
  },
);

test("SAs encoded by ours (every algorithm kind, encap, marks, ESN, IPv4/IPv6) read back by ip xfrm monitor", async () => {
  await withNetns("xa-sa-mon", async (ns) => {
    // The kernel need not support ESP for this: the bytes are multicast to
    // the SA group of the namespace (root may), where ip listens and prints
    // them with its own decoder.
    await using sender = await NetlinkSocket.open("xfrm", { netns: ns });
    const send = (bytes: Uint8Array) => sender.send(bytes, { group: XfrmGroup.sa });
    const monitor = await ipMonitor(ns, send);
    try {
      const specs: XfrmStateSpec[] = [
        ...ESP_SPECS,
        {
          src: "10.0.0.1",
          dst: "10.0.0.2",
          proto: "esp",
          spi: 0xdeadbeef,
          mode: "tunnel",
          reqid: 0xffffffff,
          seq: 77,
          replayWindow: 64,
          flags: ["noecn", "decap-dscp", "wildrecv", "align4"],
          selector: { src: "10.1.0.0/24", dst: "10.2.0.0/16", proto: 6, sport: 80 },
          auth: { name: "hmac(sha512)", key: "0x" + "11".repeat(64), truncLength: 256 },
          crypt: { name: "cbc(aes)", key: "0x" + "22".repeat(32) },
          encap: { type: "espinudp", sport: 4500, dport: 4501, oa: "10.9.9.9" },
          mark: { value: 5, mask: 0xf },
          setMark: { value: 8, mask: 0xff },
          ifId: 12,
          tfcpad: 16,
          lifetime: {
            softPacketLimit: 1000,
            hardPacketLimit: 2000,
            softUseExpiresSeconds: 10,
            hardUseExpiresSeconds: 20,
          },
          replayEsn: { replayWindow: 128, oseq: 5, seq: 6, oseqHi: 1, seqHi: 2 },
        },
        {
          src: "fd00::1",
          dst: "fd00::2",
          proto: "esp",
          spi: 0x200,
          mode: "beet",
          flags: ["esn"],
          aead: { name: "rfc7539esp(chacha20,poly1305)", key: "0x" + "33".repeat(36), icvLength: 128 },
          encap: { type: "espintcp", sport: 4500, dport: 4500 },
        },
        { src: "10.0.0.1", dst: "10.0.0.2", proto: "ah", spi: 0x300, auth: { name: "hmac(sha1)", key: K20 } },
        { src: "10.0.0.1", dst: "10.0.0.2", proto: "comp", spi: 0x300, mode: "tunnel", comp: { name: "deflate" } },
      ];
      for (const spec of specs) {
        const bytes = encodeState(spec);
        const text = await monitor.capture(() => send(bytes));
        const theirs = parseStates(text);
        assert.equal(theirs.length, 1, `ip printed ${JSON.stringify(text)}`);
        const ours = decodeState(parseMessages(bytes)[0]);
        assertStateMatchesIp(ours, theirs[0]);
        // And what we decode is what was asked for.
        assert.equal(ours.spi, spec.spi);
        assert.equal(ours.src, spec.src);
        assert.equal(ours.reqid, spec.reqid ?? 0);
        assert.equal(ours.seq, spec.seq ?? 0);
        assert.deepEqual(ours.setMark, spec.setMark);
        if (spec.auth) assert.equal(ours.auth!.keyLength, (spec.auth.key.length - 2) * 4);
        if (spec.replayEsn) assert.equal(ours.replayEsn!.bitmap.length, 4);
      }
    } finally {
      monitor.stop();
    }
  });
});

test("larval SAs reserved with ours (allocSpi, IPv4 and IPv6) read back by ip -s xfrm state", async () => {
  await withNetns("xa-sa-spi", async (ns) => {
    await using xfrm = await Xfrm.open({ netns: ns });
    const a = await xfrm.allocSpi({
      src: "192.0.2.1",
      dst: "192.0.2.2",
      proto: "esp",
      mode: "tunnel",
      reqid: 5,
      min: 0x1234,
      max: 0x1234,
      mark: { value: 3 },
      ifId: 8,
    });
    assert.equal(a.spi, 0x1234);
    assert.deepEqual(a.mark, { value: 3, mask: 0xffffffff });
    assert.equal(a.ifId, 8);
    const b = await xfrm.allocSpi({
      src: "2001:db8::1",
      dst: "2001:db8::2",
      proto: "ah",
      reqid: 6,
      min: 0x5000,
      max: 0x6000,
    });
    assert.ok(b.spi >= 0x5000 && b.spi <= 0x6000);
    assert.equal(b.family, "inet6");
    const c = await xfrm.allocSpi({ src: "192.0.2.1", dst: "192.0.2.3", proto: "comp", min: 0x100, max: 0x200 });
    assert.equal(c.proto, "comp");
    const ours = await collect(xfrm.states());
    const theirs = parseStates(ip(ns, "-s", "xfrm", "state"));
    assert.equal(ours.length, 3);
    assert.equal(theirs.length, 3);
    for (const s of ours) assertStateMatchesIp(s, bySpi(theirs, s.spi)!);
    // The reply to ALLOCSPI is the SA itself, as dumped.
    assert.deepEqual(stripTimes(bySpi(ours, a.spi) as XfrmState), stripTimes(a));
    // A larval SA lives for net.core.xfrm_acq_expires (30 s by default).
    assert.equal(a.lifetime.config.hardAddExpiresSeconds, 30);
    await assert.rejects(
      xfrm.allocSpi({ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", min: 0x300, max: 0x200 }),
      /min SPI/,
    );
  });
});

function stripTimes(s: XfrmState) {
  return { ...s, lifetime: { ...s.lifetime, current: { ...s.lifetime.current, addTime: 0 } } };
}

test("larval SAs reserved with ip allocspi read by ours: dump, proto filter, getState, deleteState, flushStates", async () => {
  await withNetns("xa-sa-ip", async (ns) => {
    ip(
      ns,
      "xfrm",
      "state",
      "allocspi",
      "src",
      "10.0.0.1",
      "dst",
      "10.0.0.2",
      "proto",
      "esp",
      "mode",
      "tunnel",
      "reqid",
      "21",
      "mark",
      "0x9",
      "mask",
      "0xf",
      "min",
      "0x4000",
      "max",
      "0x4000",
    );
    ip(
      ns,
      "xfrm",
      "state",
      "allocspi",
      "src",
      "fd00::1",
      "dst",
      "fd00::2",
      "proto",
      "ah",
      "mode",
      "transport",
      "reqid",
      "22",
      "min",
      "0x5000",
      "max",
      "0x5000",
    );
    ip(
      ns,
      "xfrm",
      "state",
      "allocspi",
      "src",
      "fd00::1",
      "dst",
      "fd00::3",
      "proto",
      "esp",
      "mode",
      "beet",
      "min",
      "0x6000",
      "max",
      "0x6000",
    );
    await using xfrm = await Xfrm.open({ netns: ns });
    const theirs = parseStates(ip(ns, "-s", "xfrm", "state"));
    const ours = await collect(xfrm.states());
    assert.equal(ours.length, 3);
    for (const s of ours) assertStateMatchesIp(s, bySpi(theirs, s.spi)!);
    assert.deepEqual((await collect(xfrm.states({ proto: "ah" }))).map((s) => s.spi), [0x5000]);
    assert.deepEqual((await collect(xfrm.states({ proto: "esp" }))).map((s) => s.spi).sort(), [0x4000, 0x6000]);
    const one = await xfrm.getState({ dst: "10.0.0.2", spi: 0x4000, proto: "esp", mark: { value: 9, mask: 0xf } });
    assert.equal(one.reqid, 21);
    assert.deepEqual(one.mark, { value: 9, mask: 0xf });
    await assert.rejects(
      xfrm.getState({ dst: "10.0.0.2", spi: 0x4001, proto: "esp" }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ESRCH" && e.messageTypeName === "XFRM_MSG_GETSA",
    );
    await xfrm.deleteState({ dst: "fd00::2", spi: 0x5000, proto: "ah" });
    assert.deepEqual(parseStates(ip(ns, "xfrm", "state")).map((s) => s.spi).sort(), [0x4000, 0x6000]);
    await xfrm.flushStates({ proto: "ah" });
    assert.equal(parseStates(ip(ns, "xfrm", "state")).length, 2);
    await xfrm.flushStates();
    assert.equal(ip(ns, "xfrm", "state").trim(), "");
  });
});

test("a dump left early leaves the client usable", async () => {
  await withNetns("xa-sa-break", async (ns) => {
    await using xfrm = await Xfrm.open({ netns: ns });
    for (let i = 0; i < 300; i++) {
      await xfrm.allocSpi({ src: "10.0.0.1", dst: `10.0.${i >> 8}.${i & 255}`, min: 0x100 + i, max: 0x100 + i });
    }
    let n = 0;
    for await (const _ of xfrm.states()) if (++n === 5) break;
    assert.equal(n, 5);
    assert.equal((await collect(xfrm.states())).length, 300);
    assert.equal(parseStates(ip(ns, "xfrm", "state")).length, 300);
  });
});
