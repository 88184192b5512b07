/**
 * JSON for the library's objects, by one rule:
 *
 * - a `bigint` (64-bit counters: link stats64, conntrack counters and
 *   timestamps, `tcp_info`, taskstats, socket cookies…) becomes a number when
 *   `Number.isSafeInteger` holds for it (|value| ≤ 2^53 − 1, so the number is
 *   exact), and its decimal string otherwise (`BigInt(text)` gets it back);
 * - bytes (`Uint8Array`, any typed array, `ArrayBuffer`: payloads, keys,
 *   unknown attributes) become lower-case hex;
 * - an `Error` becomes `{ name, message }`;
 * - everything else is what `JSON.stringify` makes of it.
 *
 * Every object a client, stream or decoder returns (each item of a dump or
 * a stream, each reply) carries a non-enumerable `toJSON` applying this rule
 * to everything under it (addresses and routes only when they hold a bigint,
 * bytes or an Error: see {@link withJsonIfNeeded}), so a bare `JSON.stringify(obj)` neither throws nor
 * differs from {@link toJson}. Not yet: raw `NetlinkMessage`s. Being non-enumerable, it is invisible to `Object.keys`,
 * spreading and `deepStrictEqual`; a copy made by spreading (or a sub-object
 * taken out, such as `link.stats64`) does not carry it: write those with
 * {@link toJson} or {@link jsonReplacer}, which apply the same rule to
 * anything.
 *
 * @module
 */

function bigintJson(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) && BigInt(n) === value ? n : value.toString();
}

/** Two hex digits of each byte value, made once: a link's `IFLA_AF_SPEC` alone is some 800 bytes. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, "0"));

function hex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX2[bytes[i]];
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
  if (typeof value === "bigint") return bigintJson(value);
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

/**
 * `value` with the rule of {@link jsonReplacer} applied all the way down, in
 * the order `JSON.stringify` meets things: a value with its own `toJSON`
 * (a `Date`, another of our objects) is left for `JSON.stringify` to call.
 */
function jsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return bigintJson(value);
  if (typeof value !== "object" || value === null) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof Uint8Array) return hex(value);
  if (ArrayBuffer.isView(value)) return hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  if (value instanceof ArrayBuffer) return hex(new Uint8Array(value));
  if (value instanceof Error) return { name: value.name, message: value.message };
  return ownJson(value as Record<string, unknown>);
}

/** A plain copy of the enumerable own properties of `object`, by the rule. */
function ownJson(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) out[key] = jsonValue(object[key]);
  return out;
}

// One function shared by every object that carries it (`this` is the object).
function toJSON(this: Record<string, unknown>): Record<string, unknown> {
  return ownJson(this);
}

const TO_JSON: PropertyDescriptor = { value: toJSON, enumerable: false, writable: true, configurable: true };

/**
 * Gives `object` a non-enumerable `toJSON` applying the rule of
 * {@link jsonReplacer} to everything under it, so that a bare
 * `JSON.stringify(object)` writes what {@link toJson} writes. Returns
 * `object` itself. Every decoder of the library calls it on the objects it
 * returns; it is exported for families built on the codec.
 *
 * @example
 * ```ts
 * import { withJson } from "@nlts/netlink/wire";
 * const counters = withJson({ packets: 3n, key: new Uint8Array([0xab]) });
 * JSON.stringify(counters); // '{"packets":3,"key":"ab"}'
 * ```
 */
export function withJson<T extends object>(object: T): T {
  return Object.defineProperty(object, "toJSON", TO_JSON);
}

/** Whether `value` holds anything the rule changes: a bigint, bytes or an Error, at any depth. */
export function holdsRaw(value: unknown): boolean {
  if (typeof value === "bigint") return true;
  if (typeof value !== "object" || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  if (Array.isArray(value)) {
    for (const v of value) if (holdsRaw(v)) return true;
    return false;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Error) return true;
  for (const key in value) if (holdsRaw((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * {@link withJson} only where it changes the text: an object holding no
 * bigint, bytes or Error is already written by a bare `JSON.stringify`
 * exactly as {@link toJson} writes it. For hot paths (route and address
 * dumps), where a scan costs less than a `defineProperty`.
 */
export function withJsonIfNeeded<T extends object>(object: T): T {
  return holdsRaw(object) ? withJson(object) : object;
}
