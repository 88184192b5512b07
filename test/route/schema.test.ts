// The route schema sets against captured kernel bytes: every fixture message
// decodes by its set, re-encodes, and decodes again to the same object
// (decode(encode(x)) is x), and every attribute of a known set is named the
// way the uapi headers name it.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "../helpers/harness.ts";
import { hexFile } from "../helpers/fixtures.ts";
import { parseMessages } from "../../src/wire/message.ts";
import { NLA_HDRLEN } from "../../src/wire/constants.ts";
import { AttrCursor } from "../../src/wire/attrs.ts";
import { attributePathName, type AttrSet, decodeAttrs, encodeAttrs, nestedSet } from "../../src/wire/schema.ts";
import { RTM_MESSAGES } from "../../src/route/schema.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

/** Drops what cannot be written back: unknown attributes, read-only codec values (bridge ids), false flags. */
function writable(set: AttrSet, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const def = set.attributes[key];
    if (!def || (def.codec && !def.codec.encode)) continue;
    // A flag read as false (some kernels send IFLA_VXLAN_TTL_INHERIT as a zero byte) is written as no flag.
    if (def.type === "flag" && v === false) continue;
    if (def.type === "nest") out[key] = writable(nestedSet(def)!, v as Record<string, unknown>);
    else if (def.type === "sub-message") {
      const format = def.formats![String(value[def.selector!])];
      out[key] = format ? writable(format, v as Record<string, unknown>) : undefined;
    } else out[key] = v;
  }
  return out;
}

test("route schema: every captured link, address, route, neighbour, rule and nexthop message round-trips through its set", () => {
  let checked = 0;
  for (const name of readdirSync(fixtures).filter((f) => f.endsWith(".hex")).sort()) {
    for (const msg of parseMessages(hexFile(new URL(name, fixtures)))) {
      const schema = RTM_MESSAGES[msg.type];
      if (!schema) continue;
      const attrs = msg.payload.subarray(schema.headerSize);
      const decoded = decodeAttrs(schema.attributes, attrs);
      const again = decodeAttrs(
        schema.attributes,
        encodeAttrs(schema.attributes, writable(schema.attributes, decoded)),
      );
      assert.deepEqual(again, writable(schema.attributes, decoded), name);
      // Every top-level attribute the set knows is named by its uapi name (or its number when unknown).
      const c = new AttrCursor(attrs);
      while (c.next()) {
        const path = attributePathName(schema.attributes, attrs, c.start - NLA_HDRLEN);
        assert.ok(path !== undefined && /^([A-Z0-9_]+|\d+)$/.test(path.split(".")[0]), `${name}: ${path}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 30, `${checked} messages checked`);
});
