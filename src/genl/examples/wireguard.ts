/**
 * Example: the WireGuard family (`linux/wireguard.h`) as a user writes it
 * with the schema. The kernel these tests run on has no WireGuard, so this
 * file is an example of the schema, tested on bytes built from the header;
 * on a kernel with WireGuard, `GenlFamily.open(wireguard)` works as it is.
 *
 * It shows codecs for binary attributes (keys as base64, a `sockaddr`
 * endpoint, a `timespec`), flags, nest-arrays and a nested set.
 *
 * @module
 */
import { ParseError } from "../../wire/errors.ts";
import { ipv4, ipv6, parseIP } from "../../wire/values.ts";
import type { FamilySchema } from "../family.ts";
import type { AttrSet, Codec } from "../../wire/schema.ts";

/** A 32-byte key as base64 (how `wg` prints keys). */
export const keyCodec: Codec<string> = {
  decode(bytes) {
    if (bytes.length !== 32) throw new ParseError(`a key of ${bytes.length} bytes (expected 32)`, 0);
    return btoa(String.fromCharCode(...bytes));
  },
  encode(key) {
    let raw = "";
    try {
      raw = atob(key);
    } catch { /* reported below */ }
    if (raw.length !== 32) throw new TypeError("a WireGuard key is 32 bytes of base64");
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  },
};

/** `struct sockaddr_in` / `sockaddr_in6` as `"addr:port"` / `"[addr]:port"`. */
export const endpointCodec: Codec<string> = {
  decode(b) {
    if (b.length < 2) throw new ParseError("a sockaddr shorter than its family", 0);
    const family = b[0] | (b[1] << 8);
    const port = (b[2] << 8) | b[3];
    if (family === 2 && b.length >= 16) return `${ipv4(b.subarray(4, 8))}:${port}`;
    if (family === 10 && b.length >= 28) return `[${ipv6(b.subarray(8, 24))}]:${port}`;
    throw new ParseError(`a sockaddr of family ${family} and ${b.length} bytes`, 0);
  },
  encode(text) {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
    if (!m) throw new TypeError(`endpoint ${JSON.stringify(text)} is not addr:port`);
    const addr = parseIP(m[1]);
    const port = Number(m[2]);
    const b = new Uint8Array(addr.length === 4 ? 16 : 28);
    b[0] = addr.length === 4 ? 2 : 10;
    b[2] = port >> 8;
    b[3] = port & 0xff;
    b.set(addr, addr.length === 4 ? 4 : 8);
    return b;
  },
};

/** `struct __kernel_timespec` as milliseconds since the epoch (0: never). */
export const timespecCodec: Codec<number> = {
  decode(b) {
    if (b.length !== 16) throw new ParseError(`a timespec of ${b.length} bytes (expected 16)`, 0);
    const dv = new DataView(b.buffer, b.byteOffset, 16);
    return Number(dv.getBigInt64(0, true)) * 1000 + Math.floor(Number(dv.getBigInt64(8, true)) / 1e6);
  },
};

/** `WGALLOWEDIP_A_*`. */
export const allowedIpAttrs = {
  name: "wgallowedip",
  attributes: {
    family: { id: 1, type: "u16", enum: { inet: 2, inet6: 10 } },
    ipaddr: { id: 2, type: "ip" },
    cidrMask: { id: 3, type: "u8" },
  },
} as const satisfies AttrSet;

/** `WGPEER_A_*`. */
export const peerAttrs = {
  name: "wgpeer",
  attributes: {
    publicKey: { id: 1, type: "binary", codec: keyCodec },
    presharedKey: { id: 2, type: "binary", codec: keyCodec },
    flags: { id: 3, type: "u32", flags: ["remove-me", "replace-allowedips", "update-only"] },
    endpoint: { id: 4, type: "binary", codec: endpointCodec },
    persistentKeepaliveInterval: { id: 5, type: "u16" },
    lastHandshakeTime: { id: 6, type: "binary", codec: timespecCodec },
    rxBytes: { id: 7, type: "u64" },
    txBytes: { id: 8, type: "u64" },
    allowedips: { id: 9, type: "nest-array", nested: allowedIpAttrs },
    protocolVersion: { id: 10, type: "u32" },
  },
} as const satisfies AttrSet;

/** `WGDEVICE_A_*`. */
export const deviceAttrs = {
  name: "wgdevice",
  attributes: {
    ifindex: { id: 1, type: "u32" },
    ifname: { id: 2, type: "string" },
    privateKey: { id: 3, type: "binary", codec: keyCodec },
    publicKey: { id: 4, type: "binary", codec: keyCodec },
    flags: { id: 5, type: "u32", flags: ["replace-peers"] },
    listenPort: { id: 6, type: "u16" },
    fwmark: { id: 7, type: "u32" },
    peers: { id: 8, type: "nest-array", nested: peerAttrs },
  },
} as const satisfies AttrSet;

/**
 * The WireGuard family (not in the kernel the tests run on).
 *
 * @example
 * ```ts
 * import { GenlFamily } from "@nlts/netlink";
 * import { wireguard } from "./wireguard.ts";
 * await using wg = await GenlFamily.open(wireguard);
 * for await (const dev of wg.dump("getDevice", { ifname: "wg0" })) {
 *   for (const peer of dev.peers ?? []) console.log(peer.publicKey, peer.endpoint, peer.allowedips);
 * }
 * ```
 */
export const wireguard = {
  name: "wireguard",
  version: 1,
  commands: {
    getDevice: { id: 0, request: deviceAttrs, reply: deviceAttrs },
    setDevice: { id: 1, request: deviceAttrs },
  },
} as const satisfies FamilySchema;
