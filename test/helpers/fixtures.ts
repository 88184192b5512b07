/** Reading the hex fixtures captured from the kernel. */
import { readFileSync } from "node:fs";

/** The bytes of a `.hex` fixture file (white space, such as line breaks, is ignored). */
export function hexFile(url: URL): Uint8Array {
  const hex = readFileSync(url, "utf8").replace(/\s+/g, "");
  return new Uint8Array((hex.match(/../g) ?? []).map((h) => parseInt(h, 16)));
}
