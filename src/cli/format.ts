/**
 * Output of the `nlts` command line: JSON that survives BigInt and byte
 * values, and aligned tables.
 *
 * @module
 */

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/**
 * The `JSON.stringify` replacer of the command line: a `bigint` becomes a
 * number when it is a safe integer and a decimal string otherwise; bytes
 * (`Uint8Array`, any typed array or `ArrayBuffer`) become lower-case hex.
 *
 * @example
 * ```ts
 * import { jsonReplacer } from "./format.ts";
 * JSON.stringify({ a: 5n, b: 2n ** 64n, c: new Uint8Array([1, 255]) }, jsonReplacer);
 * // '{"a":5,"b":"18446744073709551616","c":"01ff"}'
 * ```
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Uint8Array) return hex(value);
  if (ArrayBuffer.isView(value)) return hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  if (value instanceof ArrayBuffer) return hex(new Uint8Array(value));
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/**
 * JSON text of any of our objects (see {@link jsonReplacer}); one line
 * unless `indent` is given.
 *
 * @example
 * ```ts
 * import { toJson } from "./format.ts";
 * toJson({ cookie: 12345678901234567890n }); // '{"cookie":"12345678901234567890"}'
 * ```
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent) ?? "null";
}

/** A cell of a table: `undefined` and `null` print as `-`. */
export type Cell = string | number | bigint | boolean | undefined | null;

/**
 * Lays rows out in aligned columns under upper-case headers, two spaces
 * apart; the last column is not padded.
 *
 * @example
 * ```ts
 * import { table } from "./format.ts";
 * console.log(table(["index", "name"], [[1, "lo"], [2, "veth0"]]));
 * // INDEX  NAME
 * // 1      lo
 * // 2      veth0
 * ```
 */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => cell(r[i])))];
  const widths = headers.map((_, i) => Math.max(...text.map((r) => r[i].length)));
  return text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()).join(
    "\n",
  );
}

function cell(value: Cell): string {
  if (value === undefined || value === null || value === "") return "-";
  return String(value).replace(/\s+/g, " ");
}
