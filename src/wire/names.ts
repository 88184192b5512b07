/**
 * Remembered name lists: a dump's objects share a handful of flag sets, so
 * each set's names are worked out once.
 *
 * @module
 */

/** How many distinct keys a cache keeps (a forged stream of new flag sets cannot grow it further). */
const KEYS = 256;

/**
 * `names` remembered for up to 256 keys, the key asked for last without a
 * Map lookup; each call returns a copy of its own (callers may change it).
 *
 * @example
 * ```ts
 * import { rememberedNames } from "./names.ts";
 * const names = rememberedNames((flags) => (flags & 1 ? ["UP"] : []));
 * names(1); // ["UP"], worked out once
 * ```
 */
export function rememberedNames<N extends string>(names: (key: number) => N[]): (key: number) => N[] {
  const seen = new Map<number, readonly N[]>();
  let lastKey = -1;
  let last: readonly N[] = [];
  return (key) => {
    if (key === lastKey) return last.slice();
    let known = seen.get(key);
    if (known === undefined) {
      known = names(key);
      if (seen.size < KEYS) seen.set(key, known);
    }
    lastKey = key;
    last = known;
    return known.slice();
  };
}
