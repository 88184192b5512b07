/**
 * Decoding of NETLINK_KOBJECT_UEVENT datagrams: the kernel's
 * `"action@devpath\0KEY=VALUE\0…"` and udevd's libudev monitor messages.
 *
 * @module
 */
import { ParseError } from "../wire/errors.ts";
import { UDEV_HEADER_SIZE, UDEV_MONITOR_MAGIC, UeventGroup } from "./constants.ts";
import { withJson } from "../wire/json.ts";

/** The libudev monitor header of a message udevd sent (group 2). */
export interface UdevHeader {
  /** `header_size`: the header length the sender knows. */
  headerSize: number;
  /** MurmurHash2 of SUBSYSTEM, as udev's in-kernel socket filters use it. */
  subsystemHash: number;
  /** MurmurHash2 of DEVTYPE (0 when the device has none). */
  devtypeHash: number;
  /** The 64-bit bloom filter of the device's tags (hi << 32 | lo). */
  tagBloom: bigint;
}

/** One device event. */
export interface Uevent {
  /** `add`, `remove`, `change`, `move`, `online`, `offline`, `bind`, `unbind`. */
  action: string;
  /** Path under /sys of the device (`/devices/virtual/net/veth0`). */
  devpath: string;
  /** SUBSYSTEM (`net`, `block`, `queues`…). */
  subsystem?: string;
  /** SEQNUM: the kernel's event counter. */
  seqnum?: number;
  /** DEVTYPE (`disk`, `partition`, `wlan`…). */
  devtype?: string;
  /** DEVNAME, for devices with a node under /dev. */
  devname?: string;
  /** IFINDEX, for network interfaces. */
  ifindex?: number;
  /** INTERFACE, for network interfaces. */
  interface?: string;
  /** Every KEY=VALUE of the event, the ones above included. */
  env: Record<string, string>;
  /** `"kernel"`: sent by the kernel on group 1; `"udev"`: re-sent by udevd on group 2. */
  source: "kernel" | "udev";
  /** The libudev header, for messages from udevd. */
  udev?: UdevHeader;
}

const LIBUDEV_PREFIX = [0x6c, 0x69, 0x62, 0x75, 0x64, 0x65, 0x76, 0x00]; // "libudev\0"
const decoder = new TextDecoder();

function hasLibudevPrefix(bytes: Uint8Array): boolean {
  if (bytes.length < LIBUDEV_PREFIX.length) return false;
  for (let i = 0; i < LIBUDEV_PREFIX.length; i++) if (bytes[i] !== LIBUDEV_PREFIX[i]) return false;
  return true;
}

/** End of the NUL-terminated string starting at `at` (the NUL's index, or `end`). */
function stringEnd(bytes: Uint8Array, at: number, end: number): number {
  const nul = bytes.subarray(at, end).indexOf(0);
  return nul < 0 ? end : at + nul;
}

/** Parses `KEY=VALUE\0…` between `start` and `end`; empty strings are skipped. */
function parseEnv(bytes: Uint8Array, start: number, end: number): Record<string, string> {
  const env: Record<string, string> = {};
  let at = start;
  while (at < end) {
    const stop = stringEnd(bytes, at, end);
    if (stop > at) {
      const text = decoder.decode(bytes.subarray(at, stop));
      const eq = text.indexOf("=");
      if (eq <= 0) throw new ParseError(`uevent property ${JSON.stringify(text.slice(0, 40))} is not KEY=VALUE`, at);
      // defineProperty: a key such as "__proto__" stays an ordinary property.
      Object.defineProperty(env, text.slice(0, eq), {
        value: text.slice(eq + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    at = stop + 1;
  }
  return env;
}

function decimal(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,16}$/.test(value)) return undefined;
  return Number(value);
}

function own(env: Record<string, string>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(env, key) ? env[key] : undefined;
}

function build(
  action: string,
  devpath: string,
  env: Record<string, string>,
  source: "kernel" | "udev",
  udev?: UdevHeader,
): Uevent {
  const event: Uevent = { action, devpath, env, source };
  const subsystem = own(env, "SUBSYSTEM");
  if (subsystem !== undefined) event.subsystem = subsystem;
  const seqnum = decimal(own(env, "SEQNUM"));
  if (seqnum !== undefined) event.seqnum = seqnum;
  const devtype = own(env, "DEVTYPE");
  if (devtype !== undefined) event.devtype = devtype;
  const devname = own(env, "DEVNAME");
  if (devname !== undefined) event.devname = devname;
  const ifindex = decimal(own(env, "IFINDEX"));
  if (ifindex !== undefined) event.ifindex = ifindex;
  const iface = own(env, "INTERFACE");
  if (iface !== undefined) event.interface = iface;
  if (udev) event.udev = udev;
  return event;
}

function decodeKernel(bytes: Uint8Array): Uevent {
  const headEnd = stringEnd(bytes, 0, bytes.length);
  const head = decoder.decode(bytes.subarray(0, headEnd));
  const at = head.indexOf("@");
  if (at <= 0) throw new ParseError(`uevent header ${JSON.stringify(head.slice(0, 40))} is not action@devpath`, 0);
  const action = head.slice(0, at);
  const devpath = head.slice(at + 1);
  if (!devpath.startsWith("/")) {
    throw new ParseError(`uevent devpath ${JSON.stringify(devpath)} is not absolute`, at + 1);
  }
  const env = parseEnv(bytes, headEnd + 1, bytes.length);
  return build(action, devpath, env, "kernel");
}

function decodeUdev(bytes: Uint8Array): Uevent {
  if (bytes.length < UDEV_HEADER_SIZE) {
    throw new ParseError(
      `libudev message of ${bytes.length} bytes is shorter than its ${UDEV_HEADER_SIZE}-byte header`,
      0,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(8, false);
  if (magic !== UDEV_MONITOR_MAGIC) throw new ParseError(`libudev magic 0x${magic.toString(16)} is not 0xfeedcafe`, 8);
  // header_size and the properties' offset and length are in host order
  // (little-endian on every platform Deno and Bun run on); the hashes and
  // the bloom filter are big-endian, for the kernel's socket filters.
  const headerSize = dv.getUint32(12, true);
  const off = dv.getUint32(16, true);
  const len = dv.getUint32(20, true);
  if (off < UDEV_HEADER_SIZE) throw new ParseError(`libudev properties offset ${off} lies inside the header`, 16);
  if (off > bytes.length || len > bytes.length - off) {
    throw new ParseError(
      `libudev properties (offset ${off}, length ${len}) run past the ${bytes.length}-byte message`,
      16,
    );
  }
  const udev: UdevHeader = {
    headerSize,
    subsystemHash: dv.getUint32(24, false),
    devtypeHash: dv.getUint32(28, false),
    tagBloom: (BigInt(dv.getUint32(32, false)) << 32n) | BigInt(dv.getUint32(36, false)),
  };
  const env = parseEnv(bytes, off, off + len);
  const action = own(env, "ACTION");
  const devpath = own(env, "DEVPATH");
  if (!action) throw new ParseError("libudev message without ACTION", off);
  if (!devpath) throw new ParseError("libudev message without DEVPATH", off);
  return build(action, devpath, env, "udev", udev);
}

/**
 * Decodes one NETLINK_KOBJECT_UEVENT datagram. A datagram that starts with
 * `"libudev\0"` is a message from udevd (libudev monitor header, then the
 * properties); anything else is the kernel's `"action@devpath\0KEY=VALUE\0…"`.
 * When `group` is known (1: kernel, 2: udev) the format must match it.
 * Malformed bytes throw {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeUevent } from "@nlts/netlink/uevent";
 * const bytes = new TextEncoder().encode(
 *   "add@/devices/virtual/net/v0\0ACTION=add\0SUBSYSTEM=net\0INTERFACE=v0\0IFINDEX=7\0SEQNUM=42\0",
 * );
 * const ev = decodeUevent(bytes, 1);
 * console.log(ev.action, ev.interface, ev.ifindex); // add v0 7
 * ```
 */
export function decodeUevent(bytes: Uint8Array, group?: number): Uevent {
  return withJson(ueventOf(bytes, group));
}

function ueventOf(bytes: Uint8Array, group?: number): Uevent {
  if (bytes.length === 0) throw new ParseError("empty uevent datagram", 0);
  const udev = hasLibudevPrefix(bytes);
  if (group === UeventGroup.KERNEL && udev) throw new ParseError("libudev message on the kernel's group 1", 0);
  if (group === UeventGroup.UDEV && !udev) {
    throw new ParseError("message on udev's group 2 without the libudev header", 0);
  }
  return udev ? decodeUdev(bytes) : decodeKernel(bytes);
}
