/**
 * Decode loops on captured link and address messages, no socket: ns per
 * `decodeLink` / `decodeAddress` (min / median over 30 rounds) and the same
 * for `JSON.stringify` of the decoded objects. Captures come from
 * `bench/dump_inprocess.ts`-style dumps saved by `--capture`:
 *
 *   deno run -A bench/decode_link_address.ts --capture   # makes /tmp/nlts-decode-{links,addrs}.bin (1,000 links, 10,000 addresses)
 *   deno run -A bench/decode_link_address.ts             # also: bun …, node --disable-warning=ExperimentalWarning …
 *
 * For profiles: `deno run -A --v8-flags=--prof …`, `node --cpu-prof …`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Flags, MessageWriter, type NetlinkMessage, NetlinkSocket } from "../mod.ts";
import { decodeAddress } from "../src/route/address.ts";
import { decodeLink } from "../src/route/link.ts";
import { addAddresses, addLinks, args, makeNetns, median, report, runtime } from "./common.ts";

const FILES = { links: "/tmp/nlts-decode-links.bin", addrs: "/tmp/nlts-decode-addrs.bin" };

if (args[0] === "--capture") {
  const { ns, remove } = makeNetns("decode");
  try {
    addLinks(ns, 1000);
    addAddresses(ns, 10000);
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    for (const [name, type, header] of [["links", 18, 16], ["addrs", 22, 8]] as const) {
      const m = new MessageWriter(type, Flags.DUMP);
      m.struct(header);
      const chunks: Uint8Array[] = [];
      for await (const batch of sock.dumpBatches(m.finish())) {
        for (const msg of batch) if (msg.type === type - 2) chunks.push(msg.payload.slice());
      }
      let total = 0;
      for (const c of chunks) total += 4 + c.length;
      const buf = new Uint8Array(total);
      const view = new DataView(buf.buffer);
      let at = 0;
      for (const c of chunks) {
        view.setUint32(at, c.length, true);
        buf.set(c, at + 4);
        at += 4 + c.length;
      }
      writeFileSync(FILES[name], buf);
      console.log(`${name}: ${chunks.length} messages in ${FILES[name]}`);
    }
  } finally {
    remove();
  }
} else {
  const load = (file: string, type: number): NetlinkMessage[] => {
    const buf = new Uint8Array(readFileSync(file));
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const out: NetlinkMessage[] = [];
    for (let at = 0; at < buf.length;) {
      const len = view.getUint32(at, true);
      out.push({ type, flags: Flags.MULTI, seq: 1, pid: 0, payload: buf.subarray(at + 4, at + 4 + len) });
      at += 4 + len;
    }
    return out;
  };
  const only = args[0];
  const cases = [
    { tag: "links", messages: load(FILES.links, 16), decode: decodeLink as (m: NetlinkMessage) => object },
    { tag: "addrs", messages: load(FILES.addrs, 20), decode: decodeAddress as (m: NetlinkMessage) => object },
  ].filter((c) => only === undefined || c.tag === only);
  for (const c of cases) {
    const reps = Math.max(1, Math.ceil(100_000 / c.messages.length));
    const decodeNs: number[] = [], jsonNs: number[] = [];
    let sink = 0;
    for (let r = 0; r < 30; r++) {
      let t = performance.now();
      for (let k = 0; k < reps; k++) for (const m of c.messages) sink += Object.keys(c.decode(m)).length & 1;
      decodeNs.push(((performance.now() - t) * 1e6) / (reps * c.messages.length));
      const objects = c.messages.map(c.decode);
      t = performance.now();
      for (let i = 0; i < c.messages.length; i++) sink += JSON.stringify(objects[i]).length;
      jsonNs.push(((performance.now() - t) * 1e6) / c.messages.length);
    }
    report(
      `${runtime} ${c.messages.length} ${c.tag}: decode ${Math.min(...decodeNs).toFixed(0)} / ${
        median(decodeNs).toFixed(0)
      } ns each, JSON.stringify ${Math.min(...jsonNs).toFixed(0)} / ${
        median(jsonNs).toFixed(0)
      } ns each (min / median)${sink < 0 ? "!" : ""}`,
    );
  }
}
