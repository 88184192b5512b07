/**
 * A change to some bits of a flags word, as the kernel takes it: the new
 * bits and a mask of the bits to change (`ifi_flags`/`ifi_change`,
 * NFQA_CFG_FLAGS/NFQA_CFG_MASK).
 *
 * @module
 */

/**
 * Folds optional switches into `{ value, mask }`: a switch left `undefined`
 * keeps its bit as it is (not in the mask), `true` sets it, `false` clears it.
 *
 * @example
 * ```ts
 * import { flagChange } from "./flag_change.ts";
 * flagChange([[1, true], [2, false], [4, undefined]]); // { value: 1, mask: 3 }
 * ```
 */
export function flagChange(switches: readonly (readonly [bit: number, on: boolean | undefined])[]): {
  value: number;
  mask: number;
} {
  let value = 0, mask = 0;
  for (const [bit, on] of switches) {
    if (on === undefined) continue;
    mask |= bit;
    if (on) value |= bit;
  }
  return { value, mask };
}
