// The WireGuard example schema. This kernel has no WireGuard module, so the
// family is exercised on bytes built by hand from linux/wireguard.h, and the
// live check is that the controller does not know the family.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { AttrWriter, MessageWriter, ParseError, parseMessages } from "../../mod.ts";
import { decodeMessage, encodeRequest, GenlError, GenlFamily } from "../../src/genl/mod.ts";
import { deviceAttrs, wireguard } from "../../src/genl/examples/wireguard.ts";

const KEY_A = new Uint8Array(32).map((_, i) => i);
const KEY_B = new Uint8Array(32).fill(0xab);
const b64 = (k: Uint8Array) => btoa(String.fromCharCode(...k));

/** A WG_CMD_GET_DEVICE reply as the kernel builds it (peers and allowed IPs are nests of type 0). */
function handBuiltReply(): Uint8Array {
  const m = new MessageWriter(0x30, 2 /* NLM_F_MULTI */);
  m.struct(4).setUint8(1, 1); // cmd WG_CMD_GET_DEVICE = 0, version 1
  m.u32(1, 7); // WGDEVICE_A_IFINDEX
  m.str(2, "wg0"); // WGDEVICE_A_IFNAME
  m.attr(4, KEY_A); // WGDEVICE_A_PUBLIC_KEY
  m.u16(6, 51820); // WGDEVICE_A_LISTEN_PORT
  m.u32(7, 0); // WGDEVICE_A_FWMARK
  m.nest(8, (peers) => { // WGDEVICE_A_PEERS
    peers.nest(0, (peer) => {
      peer.attr(1, KEY_B); // WGPEER_A_PUBLIC_KEY
      const sin = new Uint8Array(16);
      sin.set([2, 0, 0xca, 0x6c, 192, 0, 2, 1]); // AF_INET, port 51820, 192.0.2.1
      peer.attr(4, sin); // WGPEER_A_ENDPOINT
      peer.u16(5, 25); // WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL
      const ts = new Uint8Array(16);
      new DataView(ts.buffer).setBigInt64(0, 1700000000n, true);
      new DataView(ts.buffer).setBigInt64(8, 500_000_000n, true);
      peer.attr(6, ts); // WGPEER_A_LAST_HANDSHAKE_TIME
      peer.u64(7, 1234n); // WGPEER_A_RX_BYTES
      peer.u64(8, 5678n); // WGPEER_A_TX_BYTES
      peer.nest(9, (ips) => { // WGPEER_A_ALLOWEDIPS
        ips.nest(0, (a) => a.u16(1, 2).attr(2, new Uint8Array([10, 0, 0, 0])).u8(3, 8));
        ips.nest(0, (a) => a.u16(1, 10).ip(2, "fd00::").u8(3, 64));
      });
      peer.u32(10, 1); // WGPEER_A_PROTOCOL_VERSION
    });
  });
  return m.finish();
}

test("wireguard (not in this kernel): the example schema decodes a GET_DEVICE reply built from the uapi header", () => {
  const msg = parseMessages(handBuiltReply())[0];
  const dev = decodeMessage(deviceAttrs, msg);
  assert.equal(dev.ifindex, 7);
  assert.equal(dev.ifname, "wg0");
  assert.equal(dev.publicKey, b64(KEY_A));
  assert.equal(dev.listenPort, 51820);
  assert.equal(dev.peers?.length, 1);
  const peer = dev.peers![0];
  assert.equal(peer.publicKey, b64(KEY_B));
  assert.equal(peer.endpoint, "192.0.2.1:51820");
  assert.equal(peer.persistentKeepaliveInterval, 25);
  assert.equal(peer.lastHandshakeTime, 1700000000500);
  assert.equal(peer.rxBytes, 1234n);
  assert.equal(peer.txBytes, 5678n);
  assert.deepEqual(peer.allowedips, [
    { family: "inet", ipaddr: "10.0.0.0", cidrMask: 8 },
    { family: "inet6", ipaddr: "fd00::", cidrMask: 64 },
  ]);
  assert.equal(peer.protocolVersion, 1);
});

test("wireguard (not in this kernel): a SET_DEVICE request encodes to the uapi layout", () => {
  const bytes = encodeRequest(wireguard, 0x30, "setDevice", {
    ifname: "wg0",
    flags: ["replace-peers"],
    peers: [{
      publicKey: b64(KEY_B),
      endpoint: "[2001:db8::1]:51820",
      allowedips: [{ family: "inet6", ipaddr: "2001:db8::", cidrMask: 32 }],
    }],
  });
  const msg = parseMessages(bytes)[0];
  assert.equal(msg.payload[0], 1, "WG_CMD_SET_DEVICE");
  const dev = decodeMessage(deviceAttrs, msg);
  assert.deepEqual(dev.flags, ["replace-peers"]);
  assert.equal(dev.peers?.[0].endpoint, "[2001:db8::1]:51820");
  assert.equal(dev.peers?.[0].allowedips?.[0].ipaddr, "2001:db8::");
  // The endpoint is a 28-byte sockaddr_in6: find it in the bytes.
  const w = new AttrWriter();
  w.attr(
    4,
    new Uint8Array([10, 0, 0xca, 0x6c, 0, 0, 0, 0, 0x20, 1, 0x0d, 0xb8, ...new Array(11).fill(0), 1, 0, 0, 0, 0]),
  );
  const needle = w.bytes();
  const hay = [...bytes].join(",");
  assert.ok(hay.includes([...needle].join(",")), "sockaddr_in6 as the kernel expects it");
  assert.throws(() => encodeRequest(wireguard, 0x30, "setDevice", { privateKey: "short" }), /32 bytes/);
});

test("wireguard (not in this kernel): malformed keys and endpoints are ParseErrors", () => {
  const bad = new MessageWriter(0x30);
  bad.struct(4);
  bad.attr(4, new Uint8Array(31));
  assert.throws(
    () => decodeMessage(deviceAttrs, parseMessages(bad.finish())[0]),
    (e: unknown) => e instanceof ParseError && /wgdevice.publicKey/.test(e.message),
  );
  const full = handBuiltReply();
  for (let cut = 20; cut < full.length; cut += 3) {
    const m = parseMessages(full)[0];
    try {
      decodeMessage(deviceAttrs, { ...m, payload: m.payload.subarray(0, cut - 16) });
    } catch (e) {
      assert.ok(e instanceof ParseError, `cut ${cut}: ${e}`);
    }
  }
});

test("wireguard: this kernel has no such family, so open() rejects with ENOENT (as genl ctrl get says)", async () => {
  await withNetns("gn-wg", async (ns) => {
    let present = true;
    try {
      sh("ip", ["netns", "exec", ns, "genl", "ctrl", "get", "name", "wireguard"]);
    } catch {
      present = false;
    }
    if (present) {
      await using wg = await GenlFamily.open(wireguard, { netns: ns });
      assert.ok(wg.id >= 0x10);
    } else {
      await assert.rejects(
        GenlFamily.open(wireguard, { netns: ns }),
        (e: unknown) => e instanceof GenlError && e.code === "ENOENT" && /wireguard/.test(e.message),
      );
    }
  });
});
