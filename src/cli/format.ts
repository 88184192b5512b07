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
  const text = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => cellText(r[i])))];
  const widths = widthsOf(text, headers.length);
  return text.map((r) => rowText(r, widths)).join("\n");
}

/**
 * The text of one cell: `-` for nothing, whitespace folded to one space.
 *
 * @example
 * ```ts
 * import { cellText } from "./format.ts";
 * cellText(undefined); // "-"
 * ```
 */
export function cellText(value: Cell): string {
  if (value === undefined || value === null || value === "") return "-";
  return String(value).replace(/\s+/g, " ");
}

/**
 * The widest cell of each of `columns` columns.
 *
 * @example
 * ```ts
 * import { widthsOf } from "./format.ts";
 * widthsOf([["a", "bb"], ["ccc", "d"]], 2); // [3, 2]
 * ```
 */
export function widthsOf(rows: readonly (readonly string[])[], columns: number): number[] {
  const widths = new Array<number>(columns).fill(0);
  for (const r of rows) for (let i = 0; i < columns; i++) widths[i] = Math.max(widths[i], r[i].length);
  return widths;
}

/**
 * One line of a table: cells padded to `widths`, two spaces apart, the last
 * one not padded.
 *
 * @example
 * ```ts
 * import { rowText } from "./format.ts";
 * rowText(["1", "lo"], [5, 4]); // "1      lo"
 * ```
 */
export function rowText(cells: readonly string[], widths: readonly number[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += "  ";
    line += i === cells.length - 1 ? cells[i] : cells[i].padEnd(widths[i]);
  }
  return line.trimEnd();
}
