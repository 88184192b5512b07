/**
 * A small mutation fuzzer for decoders: each case takes a seed input
 * (captured from the kernel), then truncates, flips bytes, overwrites
 * length fields with extreme values, or makes random bytes. A decoder may
 * return a value or throw ParseError; anything else (RangeError, TypeError,
 * a hang) is a failure. Deterministic for a given seed.
 */
import { ParseError } from "../../mod.ts";

/** A decoder under test and the inputs it is fed. */
export interface FuzzTarget {
  name: string;
  seeds: Uint8Array[];
  decode(bytes: Uint8Array): unknown;
}

/** Outcome of a run. */
export interface FuzzResult {
  cases: number;
  decoded: number;
  rejected: number;
  /** The first unexpected exception, with the input that caused it. */
  failure?: { target: string; input: string; error: unknown };
  ms: number;
}

/** A deterministic generator (xorshift32). */
export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function mutate(seed: Uint8Array, rand: (n: number) => number): Uint8Array {
  const kind = rand(6);
  if (kind === 0) {
    const out = new Uint8Array(rand(64));
    for (let i = 0; i < out.length; i++) out[i] = rand(256);
    return out;
  }
  const out = seed.slice();
  if (kind === 1) return out.subarray(0, rand(out.length + 1));
  const edits = 1 + rand(6);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const at = rand(out.length);
    if (kind === 2) out[at] = rand(256);
    else if (kind === 3) {
      // Length-like fields are little-endian u16/u32 at 4-byte boundaries.
      const aligned = at & ~3;
      const v = [0, 1, 3, 4, 15, 16, 17, 0xffff, 0xfffc][rand(9)];
      out[aligned] = v & 0xff;
      if (aligned + 1 < out.length) out[aligned + 1] = (v >> 8) & 0xff;
    } else if (kind === 4) out[at] ^= 1 << rand(8);
    else out.copyWithin(at, rand(out.length), rand(out.length));
  }
  return out;
}

/** Runs `cases` cases spread over `targets`. */
export function fuzz(targets: FuzzTarget[], cases: number, seed = 1): FuzzResult {
  const rand = rng(seed);
  const t0 = performance.now();
  let decoded = 0, rejected = 0;
  for (let i = 0; i < cases; i++) {
    const target = targets[i % targets.length];
    const input = mutate(target.seeds[rand(target.seeds.length)], rand);
    try {
      target.decode(input);
      decoded++;
    } catch (error) {
      if (error instanceof ParseError) {
        rejected++;
        continue;
      }
      const hex = Array.from(input, (b) => b.toString(16).padStart(2, "0")).join("");
      return {
        cases: i + 1,
        decoded,
        rejected,
        failure: { target: target.name, input: hex, error },
        ms: performance.now() - t0,
      };
    }
  }
  return { cases, decoded, rejected, ms: performance.now() - t0 };
}
