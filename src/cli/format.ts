/**
 * Output of the `nlts` command line: aligned tables, and JSON by the
 * library's rule (`jsonReplacer` from `src/wire/json.ts`).
 *
 * @module
 */

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
