/**
 * u32 matches as `tc filter … u32 match …` builds them (iproute2's
 * `f_u32.c`): every match becomes a 32-bit key at a 4-byte aligned offset,
 * and matches on the same word are merged into one key (`pack_key`).
 *
 * @module
 */
import { parsePrefix } from "../wire/values.ts";
import type { U32Key } from "./schema.ts";

/**
 * Adds the match `(packet[off..] & mask) == value` of `bits` (8, 16 or 32)
 * at byte `off` to `keys`, merging it into a key of the same word. A match
 * that contradicts one already there is a `TypeError`.
 *
 * @example
 * ```ts
 * import { packU32Key } from "@nlts/netlink/tc";
 * const keys = packU32Key([], 16, 22, 80, 0xffff); // ip dport 80
 * packU32Key(keys, 16, 20, 1024, 0xffff); // ip sport 1024: the same word
 * keys.length; // 1
 * ```
 */
export function packU32Key(keys: U32Key[], bits: 8 | 16 | 32, off: number, value: number, mask: number): U32Key[] {
  const max = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  for (const [what, x] of [["value", value], ["mask", mask]] as const) {
    if (!Number.isInteger(x) || x < 0 || x > max) throw new TypeError(`u32 match ${what} ${x} is not a u${bits}`);
  }
  if (!Number.isInteger(off)) throw new TypeError(`u32 match offset ${off} is not an integer`);
  if (bits !== 8 && off % (bits / 8) !== 0) throw new TypeError(`a ${bits}-bit match at ${off} is not aligned`);
  const shift = bits === 32 ? 0 : 32 - bits - 8 * (((off % 4) + 4) % 4);
  const word = off - (((off % 4) + 4) % 4);
  const m = (mask * 2 ** shift) >>> 0, v = ((value & mask) * 2 ** shift) >>> 0;
  const same = keys.find((k) => k.off === word && k.offmask === 0);
  if (!same) {
    keys.push({ mask: m, value: v, off: word, offmask: 0 });
    return keys;
  }
  if (((same.value ^ v) & same.mask & m) !== 0) throw new TypeError(`u32 matches at ${word} contradict each other`);
  same.value = (same.value | v) >>> 0;
  same.mask = (same.mask | m) >>> 0;
  return keys;
}

/**
 * Adds one `match ip …` of tc's words to `keys`: `src|dst PREFIX`,
 * `sport|dport PORT MASK`, `protocol N MASK`, `tos|dsfield N MASK`
 * (offsets for an IPv4 header without options, as tc assumes).
 *
 * @example
 * ```ts
 * import { ipMatch } from "@nlts/netlink/tc";
 * ipMatch([], "dst", "10.0.0.2/32"); // [{ mask: 0xffffffff, value: 0x0a000002, off: 16, offmask: 0 }]
 * ```
 */
export function ipMatch(keys: U32Key[], field: string, value: string, mask?: string): U32Key[] {
  const num = (text: string | undefined, what: string): number => {
    if (text === undefined || !/^(?:0x[0-9a-f]+|\d+)$/i.test(text)) {
      throw new TypeError(`match ip ${field}: ${what} ${JSON.stringify(text)} is not a number`);
    }
    return Number(text);
  };
  switch (field) {
    case "src":
    case "dst": {
      const p = parsePrefix(value);
      if (p.family !== 2) throw new TypeError(`match ip ${field} needs an IPv4 prefix`);
      const len = p.length;
      const addr = ((p.address[0] << 24) | (p.address[1] << 16) | (p.address[2] << 8) | p.address[3]) >>> 0;
      const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      return packU32Key(keys, 32, field === "src" ? 12 : 16, (addr & m) >>> 0, m);
    }
    case "sport":
    case "dport":
      return packU32Key(keys, 16, field === "sport" ? 20 : 22, num(value, "port"), num(mask, "mask"));
    case "protocol":
      return packU32Key(keys, 8, 9, num(value, "protocol"), num(mask, "mask"));
    case "tos":
    case "dsfield":
      return packU32Key(keys, 8, 1, num(value, "value"), num(mask, "mask"));
  }
  throw new TypeError(`match ip ${JSON.stringify(field)} is not known (src, dst, sport, dport, protocol, tos)`);
}
