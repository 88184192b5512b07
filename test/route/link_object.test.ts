// What a decoded link is to its users, whatever makes it: a plain object
// (src/route/link.ts builds it with a constructor whose prototype is
// Object.prototype, for speed), equal to a literal with the same values under
// node:assert's deepStrictEqual, spread into the same fields, and written by a
// bare JSON.stringify as toJson writes it. Checked on links from the kernel.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ipBatch, withNetns } from "../helpers/netns.ts";
import { NetlinkSocket, toJson } from "../../mod.ts";
import { type Link, listLinks } from "../../src/route/link.ts";

async function kernelLinks(ns: string): Promise<Link[]> {
  ipBatch(ns, "link add la0 type veth peer name lb0\nlink set la0 up\nlink add br0 type bridge\n");
  await using sock = await NetlinkSocket.open("route", { netns: ns });
  const links: Link[] = [];
  for await (const l of listLinks(sock)) links.push(l);
  return links;
}

/** A plain object literal holding the same own enumerable fields, in the same order. */
function literalOf(link: Link): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(link)) out[key] = (link as unknown as Record<string, unknown>)[key];
  return out;
}

test("a decoded link is a plain object: Object.prototype, constructor Object, no own enumerable extras", async () => {
  await withNetns("lks-linkobj-proto", async (ns) => {
    const links = await kernelLinks(ns);
    assert.deepEqual(links.map((l) => l.name).sort(), ["br0", "la0", "lb0", "lo"]);
    for (const link of links) {
      assert.equal(Object.getPrototypeOf(link), Object.prototype, link.name);
      assert.equal(link.constructor, Object, link.name);
      assert.equal(Object.prototype.toString.call(link), "[object Object]", link.name);
      // The header's fields first, in the order they always had; absent attributes are absent, not undefined.
      assert.deepEqual(Object.keys(link).slice(0, 4), ["index", "name", "family", "hwType"], link.name);
      for (const [key, value] of Object.entries(link)) assert.notEqual(value, undefined, `${link.name}.${key}`);
    }
  });
});

test("a decoded link deepStrictEquals a literal of its values, both ways, and a spread copy of it", async () => {
  await withNetns("lks-linkobj-equal", async (ns) => {
    for (const link of await kernelLinks(ns)) {
      const literal = literalOf(link);
      assert.deepStrictEqual(link, literal);
      assert.deepStrictEqual(literal, link);
      const spread = { ...link };
      assert.deepStrictEqual(spread, link);
      assert.deepStrictEqual(Object.keys(spread), Object.keys(link));
      // And a difference is still a difference.
      assert.notDeepStrictEqual(link, { ...literal, mtu: (link.mtu ?? 0) + 1 });
      assert.notDeepStrictEqual(link, { ...literal, extra: 1 });
    }
  });
});

test("JSON.stringify of a decoded link is toJson's text, and a spread copy written with toJson gives the same", async () => {
  await withNetns("lks-linkobj-json", async (ns) => {
    for (const link of await kernelLinks(ns)) {
      const text = JSON.stringify(link);
      assert.equal(text, toJson(link));
      assert.equal(toJson({ ...link }), text);
      const back = JSON.parse(text);
      assert.equal(back.name, link.name);
      assert.equal(back.index, link.index);
      // Unknown attributes are hex text, as the JSON rule writes bytes.
      for (const [i, a] of link.unknown.entries()) {
        assert.equal(back.unknown[i].value, Array.from(a.value, (x) => x.toString(16).padStart(2, "0")).join(""));
      }
    }
  });
});
