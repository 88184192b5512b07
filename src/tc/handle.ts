/**
 * Traffic control handles as `tc` reads and writes them (iproute2's
 * `get_tc_classid` and `sprint_tc_classid`): `"1:"` is major 1 minor 0,
 * `"1:10"` is major 1 minor 0x10 (both hexadecimal), `":5"` minor 5,
 * `"root"` is `TC_H_ROOT`, `"none"` is 0, and `"ingress"`/`"clsact"` name
 * `TC_H_INGRESS` (`ffff:fff1`), the parent of those qdiscs.
 *
 * @module
 */

/** `TC_H_ROOT`. */
export const TC_H_ROOT = 0xffffffff;
/** `TC_H_INGRESS` (= `TC_H_CLSACT`). */
export const TC_H_INGRESS = 0xfffffff1;
/** `TC_H_MIN_INGRESS`: the minor of clsact's ingress hook (`ffff:fff2`). */
export const TC_H_MIN_INGRESS = 0xfff2;
/** `TC_H_MIN_EGRESS`: the minor of clsact's egress hook (`ffff:fff3`). */
export const TC_H_MIN_EGRESS = 0xfff3;

/** A handle as a user writes it (`"1:10"`, `"root"`…) or as its 32-bit number. */
export type TcHandle = string | number;

const HEX = /^(?:0x)?[0-9a-f]+$/i;

/**
 * The 32-bit value of a handle written as `tc` reads it. Anything `tc`
 * would refuse is a `TypeError`.
 *
 * @example
 * ```ts
 * import { parseHandle } from "@nlts/netlink/tc";
 * parseHandle("1:10"); // 0x10010
 * parseHandle("root"); // 0xffffffff
 * parseHandle("ffff:"); // 0xffff0000
 * ```
 */
export function parseHandle(handle: TcHandle): number {
  if (typeof handle === "number") {
    if (!Number.isInteger(handle) || handle < 0 || handle > 0xffffffff) {
      throw new TypeError(`handle ${handle} is not a 32-bit number`);
    }
    return handle;
  }
  if (typeof handle !== "string") throw new TypeError(`handle ${String(handle)} is not a string or number`);
  if (handle === "root") return TC_H_ROOT;
  if (handle === "none") return 0;
  if (handle === "ingress" || handle === "clsact") return TC_H_INGRESS;
  const colon = handle.indexOf(":");
  const bad = () => new TypeError(`${JSON.stringify(handle)} is not a tc handle (write MAJ:MIN in hex, like "1:10")`);
  if (colon < 0) {
    if (!HEX.test(handle)) throw bad();
    const n = parseInt(handle, 16);
    if (n > 0xffffffff) throw bad();
    return n;
  }
  const majText = handle.slice(0, colon);
  const minText = handle.slice(colon + 1);
  if ((majText && !HEX.test(majText)) || (minText && !HEX.test(minText))) throw bad();
  const maj = majText ? parseInt(majText, 16) : 0;
  const min = minText ? parseInt(minText, 16) : 0;
  if (maj > 0xffff || min > 0xffff) throw bad();
  return ((maj << 16) | min) >>> 0;
}

/**
 * A qdisc handle as `tc qdisc add … handle` reads it: a major and a colon
 * (`"1:"`), or `"none"`; a minor is refused.
 *
 * @example
 * ```ts
 * import { parseQdiscHandle } from "@nlts/netlink/tc";
 * parseQdiscHandle("1:"); // 0x10000
 * ```
 */
export function parseQdiscHandle(handle: TcHandle): number {
  const n = parseHandle(handle);
  if (n !== 0 && (n & 0xffff) !== 0) {
    throw new TypeError(`${JSON.stringify(handle)} is not a qdisc handle (a qdisc's handle has no minor: "1:")`);
  }
  return n;
}

/**
 * A handle as `tc` prints it: `"root"`, `"none"`, `"1:"`, `"1:10"`, `":5"`.
 *
 * @example
 * ```ts
 * import { formatHandle } from "@nlts/netlink/tc";
 * formatHandle(0x10010); // "1:10"
 * formatHandle(0xfffffff1); // "ffff:fff1"
 * ```
 */
export function formatHandle(handle: number): string {
  if (handle === TC_H_ROOT) return "root";
  if (handle === 0) return "none";
  const maj = handle >>> 16, min = handle & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}

/**
 * A u32 filter handle as `tc` prints it (`sprint_u32_handle`): hash table,
 * bucket and node, `"800::800"`, `"800:"`.
 *
 * @example
 * ```ts
 * import { formatU32Handle } from "@nlts/netlink/tc";
 * formatU32Handle(0x80000800); // "800::800"
 * ```
 */
export function formatU32Handle(handle: number): string {
  const htid = handle >>> 20, hash = (handle >>> 12) & 0xff, node = handle & 0xfff;
  let out = htid ? `${htid.toString(16)}:` : "";
  if (hash) out += hash.toString(16);
  if (node) out += `:${node.toString(16)}`;
  return out;
}

/**
 * A u32 filter handle as `tc` reads it (`get_u32_handle`): `"800::800"`
 * (hash table, bucket, node, in hex), `"800:"`, `"1:2:3"`, or a number in
 * hex with `0x`. Anything `tc` would refuse is a `TypeError`.
 *
 * @example
 * ```ts
 * import { parseU32Handle } from "@nlts/netlink/tc";
 * parseU32Handle("800::800"); // 0x80000800
 * ```
 */
export function parseU32Handle(handle: string): number {
  const bad = () =>
    new TypeError(`${JSON.stringify(handle)} is not a u32 handle (write HT:BUCKET:NODE in hex, like "800::800")`);
  if (typeof handle !== "string") throw bad();
  if (!handle.includes(":")) {
    if (!/^0x[0-9a-f]{1,8}$/i.test(handle)) throw bad();
    return parseInt(handle.slice(2), 16);
  }
  const parts = handle.split(":");
  if (parts.length > 3 || parts.some((p) => p !== "" && !/^[0-9a-f]+$/i.test(p))) throw bad();
  const [ht, bucket, node] = parts.map((p) => (p === "" || p === undefined ? 0 : parseInt(p, 16)));
  if (ht >= 0x1000 || (bucket ?? 0) >= 0x100 || (node ?? 0) >= 0x1000) throw bad();
  return ((ht << 20) | ((bucket ?? 0) << 12) | (node ?? 0)) >>> 0;
}
