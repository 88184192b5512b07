/**
 * Copies of small byte ranges carved out of shared slabs, for what a decoder
 * keeps of a datagram (the unknown attributes of a message).
 *
 * A copy of its own costs a new `ArrayBuffer`: in V8 (Deno, Node) some
 * 1–2 µs for a kilobyte, more than decoding every known attribute of a link
 * (`bench/decode.ts`). A view into a 16 KiB slab costs a `subarray`. What a
 * copy holds is the caller's alone (no one else writes to that part of the
 * slab), and it pins no datagram; a kept copy keeps its slab (at most 16 KiB)
 * alive, as a pooled Node `Buffer` keeps its pool. Ranges over 4 KiB get a
 * buffer of their own.
 *
 * @module
 */

const SLAB_SIZE = 16 * 1024;
const LARGEST = SLAB_SIZE / 4;

/** The slab being filled (none until the first copy) and how much of it is taken. */
let slab: Uint8Array | undefined;
let used = 0;

/**
 * A copy of `bytes[start, end)` (the caller has checked the range), as a view
 * into a shared slab unless it is large.
 *
 * @example
 * ```ts
 * import { copyOfRange } from "./copies.ts";
 * copyOfRange(new Uint8Array([1, 2, 3, 4]), 1, 3); // Uint8Array [2, 3]
 * ```
 */
export function copyOfRange(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > LARGEST) return bytes.slice(start, end);
  if (slab === undefined || SLAB_SIZE - used < n) {
    slab = new Uint8Array(SLAB_SIZE);
    used = 0;
  }
  const at = used;
  slab.set(bytes.subarray(start, end), at);
  used = (at + n + 7) & ~7;
  return slab.subarray(at, at + n);
}
