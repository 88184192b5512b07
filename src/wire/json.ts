/**
 * JSON for the library's objects. Objects keep 64-bit counters (link
 * stats64, conntrack counters and timestamps, `tcp_info`, xfrm lifetimes…)
 * as exact `bigint`s, and `JSON.stringify` throws on a `bigint` by the
 * language's rule; {@link jsonReplacer} and {@link toJson} are the one rule
 * the library, its command line and its examples use to write JSON.
 *
 * @module
 */

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/**
 * The `JSON.stringify` replacer for any object the library returns:
 *
 * - a `bigint` becomes a number when `Number.isSafeInteger` holds for it
 *   (|value| ≤ 2^53 − 1, so the number is exact), and its decimal string
 *   otherwise (`BigInt(text)` gets it back exactly);
 * - bytes (`Uint8Array`, any typed array, `ArrayBuffer`) become lower-case
 *   hex;
 * - an `Error` becomes `{ name, message }`.
 *
 * Everything else is left to `JSON.stringify`.
 *
 * @example
 * ```ts
 * import { jsonReplacer } from "@nlts/netlink";
 * JSON.stringify({ a: 5n, b: 2n ** 64n, c: new Uint8Array([1, 255]) }, jsonReplacer);
 * // '{"a":5,"b":"18446744073709551616","c":"01ff"}'
 * ```
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    const n = Number(value);
    return Number.isSafeInteger(n) && BigInt(n) === value ? n : value.toString();
  }
  if (value instanceof Uint8Array) return hex(value);
  if (ArrayBuffer.isView(value)) return hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  if (value instanceof ArrayBuffer) return hex(new Uint8Array(value));
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/**
 * JSON text of any object the library returns, by the rule of
 * {@link jsonReplacer}; one line unless `indent` is given.
 *
 * @example
 * ```ts
 * import { RouteClient, toJson } from "@nlts/netlink";
 * await using rt = await RouteClient.open();
 * for await (const link of rt.links()) console.log(toJson(link)); // stats64 counters included
 * ```
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent) ?? "null";
}
