/**
 * Every decoder the fuzzer feeds, with seeds captured from the kernel. A
 * family adds its decoders here as they land.
 */
import { readdirSync } from "node:fs";
import { hexFile } from "../helpers/fixtures.ts";
import { Attrs, parseMessages } from "../../mod.ts";
import { NLMSG_DONE, NLMSG_ERROR } from "../../src/wire/constants.ts";
import { parseDone, parseErrorReply } from "../../src/wire/message.ts";
import type { FuzzTarget } from "../helpers/fuzz.ts";

/** Reads every `*.hex` fixture under a folder of test/. */
export function hexFixtures(folder: string): Uint8Array[] {
  const dir = new URL(`../${folder}/`, import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".hex"))
    .map((f) => hexFile(new URL(f, dir)));
}

function walk(attrs: Attrs): void {
  for (const a of attrs) if (a.nested) walk(Attrs.parse(a.value));
}

const wire = hexFixtures("wire/fixtures");

/** The core decoders. */
export const coreTargets: FuzzTarget[] = [
  {
    name: "datagram (nlmsghdr, NLMSG_ERROR/DONE, attributes)",
    seeds: wire,
    decode(bytes) {
      for (const m of parseMessages(bytes)) {
        if (m.type === NLMSG_ERROR) parseErrorReply(m);
        else if (m.type === NLMSG_DONE) parseDone(m);
        else if (m.payload.length >= 16) walk(Attrs.parse(m.payload.subarray(16)));
      }
    },
  },
  {
    name: "attributes",
    seeds: wire.map((d) => d.subarray(32)),
    decode: (bytes) => walk(Attrs.parse(bytes)),
  },
];
