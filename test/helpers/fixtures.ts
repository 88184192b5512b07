/** Reading the hex fixtures captured from the kernel, and turning received messages back into bytes. */
import { readFileSync } from "node:fs";
import type { NetlinkMessage } from "../../src/wire/message.ts";

/** The bytes of a `.hex` fixture file (white space, such as line breaks, is ignored). */
export function hexFile(url: URL): Uint8Array {
  const hex = readFileSync(url, "utf8").replace(/\s+/g, "");
  return new Uint8Array((hex.match(/../g) ?? []).map((h) => parseInt(h, 16)));
}

/** A received message as bytes again (its `nlmsghdr` and payload): to capture as a fixture, or to mutate. */
export function messageBytes(m: NetlinkMessage): Uint8Array {
  const out = new Uint8Array(16 + m.payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length, true);
  dv.setUint16(4, m.type, true);
  dv.setUint16(6, m.flags, true);
  dv.setUint32(8, m.seq, true);
  dv.setUint32(12, m.pid, true);
  out.set(m.payload, 16);
  return out;
}
