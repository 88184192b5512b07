// ipset codecs on bytes captured from the kernel (test/ipset/fixtures,
// written by capture.ts from the sets in SETUP, with the `ipset list -o xml`
// of the same moment): decoded field by field as the tool printed them;
// requests encoded as the `ipset` tool sends them (its bytes read with
// strace); NLA_F_NET_BYTEORDER in the schema; truncated or random bytes
// give ParseError only.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "../helpers/harness.ts";
import { hexFile } from "../helpers/fixtures.ts";
import { fuzz } from "../helpers/fuzz.ts";
import { parseMessages } from "../../mod.ts";
import { ParseError } from "../../src/wire/errors.ts";
import { NLA_F_NET_BYTEORDER } from "../../src/wire/constants.ts";
import { decodeAttrs, defineAttrSet, encodeAttrs, writeAttrs } from "../../src/wire/schema.ts";
import { nfnlMessage } from "../../src/netfilter/mod.ts";
import {
  formatEntry,
  IPSET_CMD,
  ipsetAdtDataAttrs,
  ipsetAttributePath,
  ipsetCreateDataAttrs,
  ipsetElementAttrs,
  ipsetErrorName,
  ipsetErrorText,
  IpsetListing,
  type IpsetSet,
  NFNL_SUBSYS_IPSET,
  parseEntry,
} from "../../src/ipset/mod.ts";
import { headerAsXml, memberAsXml, parseXml } from "./oracle.ts";

const dir = new URL("./fixtures/", import.meta.url);
const seeds = Array.from({ length: 6 }, (_, i) => hexFile(new URL(`list-${i}.hex`, dir)));

function decodeAll(datagrams: Uint8Array[]): IpsetSet[] {
  const listing = new IpsetListing();
  const out: IpsetSet[] = [];
  for (const d of datagrams) for (const m of parseMessages(d)) out.push(...listing.add(m));
  const last = listing.finish();
  if (last) out.push(last);
  return out;
}

const hex = (s: string) => new Uint8Array((s.replace(/\\x|\s/g, "").match(/../g) ?? []).map((h) => parseInt(h, 16)));

test("ipset codec: captured LIST messages decode as `ipset list -o xml` printed them, field by field", () => {
  const sets = decodeAll(seeds);
  const xml = parseXml(readFileSync(new URL("list-xml.txt", dir), "utf8"));
  assert.deepEqual(sets.map((s) => s.name), xml.map((s) => s.name));
  for (const [i, x] of xml.entries()) {
    const set = sets[i];
    assert.equal(set.type, x.type, set.name);
    assert.equal(set.revision, x.revision, set.name);
    assert.deepEqual(headerAsXml(set), x.header, set.name);
    assert.deepEqual(set.members.map(memberAsXml), x.members, set.name);
  }
  // The typed parts behind the text.
  const byName = new Map(sets.map((s) => [s.name, s]));
  assert.equal(byName.get("cap-ip")!.family, "inet");
  assert.deepEqual(byName.get("cap-ip")!.options.timeout, 600);
  const hello = byName.get("cap-ip")!.members.find((m) => m.ip === "10.0.0.1")!;
  assert.deepEqual([hello.packets, hello.bytes, hello.comment, hello.timeout], [5n, 300n, "hello world", 0]);
  assert.equal(byName.get("cap-net6")!.family, "inet6");
  assert.deepEqual(
    byName.get("cap-net6")!.members.find((m) => m.nomatch),
    { elem: "2001:db8:1::/48", ip: "2001:db8:1::", cidr: 48, nomatch: true },
  );
  const ping = byName.get("cap-ipport")!.members.find((m) => m.proto === "icmp" && m.port === 0x0800);
  assert.equal(ping?.elem, "192.0.2.1,icmp:echo-request");
  assert.deepEqual(byName.get("cap-iface")!.members.find((m) => m.physdev)?.iface, "br-port");
  assert.deepEqual(byName.get("cap-ports")!.options.range, { from: 1000, to: 2000 });
  assert.equal(byName.get("cap-ports")!.family, "unspec");
  assert.deepEqual(byName.get("cap-list")!.members.map((m) => m.name), ["cap-ipport", "cap-ip"]);
  // A bigint survives a bare JSON.stringify.
  assert.match(JSON.stringify(byName.get("cap-ip")), /"packets":5/);
});

test("ipset codec: a set continued in a second message joins its first", () => {
  // The same set's bytes twice: the second copy, stripped to name + members, continues it.
  const first = parseMessages(seeds[0])[0];
  const listing = new IpsetListing();
  assert.deepEqual(listing.add(first), []);
  // A continuation carries PROTOCOL, SETNAME and ADT only: rebuild one from the first message's attributes.
  const p = first.payload;
  const attrs: Uint8Array[] = [];
  for (let at = 4; at + 4 <= p.length;) {
    const len = p[at] | (p[at + 1] << 8);
    const type = (p[at + 2] | (p[at + 3] << 8)) & 0x3fff;
    if (type === 1 || type === 2 || type === 8) attrs.push(p.slice(at, at + ((len + 3) & ~3)));
    at += (len + 3) & ~3;
  }
  const payload = new Uint8Array([...p.slice(0, 4), ...attrs.flatMap((a) => [...a])]);
  assert.deepEqual(listing.add({ ...first, payload }), []);
  const set = listing.finish()!;
  assert.equal(set.members.length, 4);
  assert.deepEqual(set.members.slice(2).map((m) => m.elem), set.members.slice(0, 2).map((m) => m.elem));
});

test("ipset codec: requests encode as the ipset tool sends them (bytes read with strace)", () => {
  // ipset create s1 hash:ip timeout 60 counters comment maxelem 1000 hashsize 64: its IPSET_ATTR_DATA payload.
  assert.deepEqual(
    encodeAttrs(ipsetCreateDataAttrs, { timeout: 60, cadtFlags: ["counters", "comment"], hashsize: 64, maxelem: 1000 }),
    hex(
      "\\x08\\x00\\x06\\x40\\x00\\x00\\x00\\x3c\\x08\\x00\\x08\\x40\\x00\\x00\\x00\\x18" +
        "\\x08\\x00\\x12\\x40\\x00\\x00\\x00\\x40\\x08\\x00\\x13\\x40\\x00\\x00\\x03\\xe8",
    ),
  );
  // ipset add s1 10.0.0.1 timeout 30 comment "hello world" packets 5 bytes 300 (the tool adds lineno 0 last).
  const tool = hex(
    "0c000180080001400a000001080006400000001e0c001840000000000000012c0c0019400000000000000005" +
      "10001a0068656c6c6f20776f726c6400",
  );
  assert.deepEqual(
    encodeAttrs(ipsetAdtDataAttrs, {
      ip: { ipv4: "10.0.0.1" },
      timeout: 30,
      bytes: 300n,
      packets: 5n,
      comment: "hello world",
    }),
    tool,
  );
  // ipset add ni 10.0.0.0/8,physdev:eth1; ipset add ipp 10.0.0.1,icmp:ping; ipset add s6 fd00::1.
  assert.deepEqual(
    encodeAttrs(ipsetAdtDataAttrs, { ip: { ipv4: "10.0.0.0" }, cidr: 8, cadtFlags: ["physdev"], iface: "eth1" }),
    hex("0c000180080001400a00000005000300080000000800084000000002090017006574683100000000"),
  );
  assert.deepEqual(
    encodeAttrs(ipsetAdtDataAttrs, { ip: { ipv4: "10.0.0.1" }, port: 0x0800, proto: 1 }),
    hex("0c000180080001400a000001060004400800000005000700010000 00"),
  );
  assert.deepEqual(
    encodeAttrs(ipsetAdtDataAttrs, { ip: { ipv6: "fd00::1" } }),
    hex("18000180140002 40fd000000000000000000000000000001"),
  );
  // bitmap:port range 1000-2000 timeout 10.
  assert.deepEqual(
    encodeAttrs(ipsetCreateDataAttrs, { port: 1000, portTo: 2000, timeout: 10 }),
    hex("0600044003e800000600054007d00000080006400000000a"),
  );
});

test("schema: NLA_F_NET_BYTEORDER declared per attribute: set when encoding, accepted with or without when decoding", () => {
  const set = defineAttrSet({
    name: "nbo",
    attributes: { a: { id: 1, type: "u32", netByteOrder: true }, b: { id: 2, type: "u32" } },
  });
  const bytes = encodeAttrs(set, { a: 0x01020304, b: 5 });
  assert.deepEqual([...bytes.slice(0, 8)], [8, 0, 1, 0x40, 1, 2, 3, 4]);
  assert.equal(bytes[10] | (bytes[11] << 8), 2); // no flag on b
  assert.deepEqual([...bytes.slice(12, 16)], [5, 0, 0, 0]); // host order
  assert.deepEqual(decodeAttrs(set, bytes), { a: 0x01020304, b: 5 });
  // The kernel sends some network-order values without the flag (addresses in dumps): still read.
  const bare = bytes.slice();
  bare[3] &= ~(NLA_F_NET_BYTEORDER >> 8);
  assert.deepEqual(decodeAttrs(set, bare), { a: 0x01020304, b: 5 });
  assert.throws(
    () => defineAttrSet({ name: "x", attributes: { s: { id: 1, type: "string", netByteOrder: true } } }),
    TypeError,
  );
});

test("ipset codec: element text both ways, as ipset reads and prints it", () => {
  assert.deepEqual(parseEntry("hash:ip,port", "inet", "10.0.0.1,80"), { ip: "10.0.0.1", proto: "tcp", port: 80 });
  assert.deepEqual(parseEntry("hash:ip,port", "inet6", "2001:db8::1,icmpv6:ping"), {
    ip: "2001:db8::1",
    proto: "ipv6-icmp",
    port: 128 << 8,
  });
  assert.deepEqual(parseEntry("hash:net", "inet", "10.0.0.0/8"), { ip: "10.0.0.0", cidr: 8 });
  assert.deepEqual(parseEntry("hash:net,iface", "inet", "10.0.0.0/8,physdev:eth1"), {
    ip: "10.0.0.0",
    cidr: 8,
    iface: "eth1",
    physdev: true,
  });
  assert.throws(() => parseEntry("hash:ip", "inet6", "10.0.0.1"), /IPv4 address, but the set is of family inet6/);
  assert.throws(() => parseEntry("hash:ip,port", "inet", "10.0.0.1,tcp:70000"), TypeError);
  assert.throws(() => parseEntry("hash:net", "inet", "10.0.0.0/33"), TypeError);
  assert.throws(() => parseEntry("hash:net,iface", "inet", "10.0.0.0/8,averyveryverylongname"), TypeError);
  assert.equal(formatEntry("hash:net", { ip: "10.0.0.1", cidr: 32 }), "10.0.0.1");
  assert.equal(formatEntry("hash:ip,port", { ip: "10.0.0.1", proto: "icmp", port: (3 << 8) | 8 }), "10.0.0.1,icmp:3/8");
});

test("ipset codec: error codes named as the headers name them, with the tool's words", () => {
  assert.equal(ipsetErrorName(4103), "IPSET_ERR_EXIST");
  assert.equal(ipsetErrorName(2), "ENOENT");
  assert.equal(ipsetErrorName(4352, "hash:net"), "IPSET_ERR_HASH_FULL");
  assert.equal(ipsetErrorName(4352, "bitmap:port"), "IPSET_ERR_BITMAP_RANGE");
  assert.equal(ipsetErrorName(4355, "list:set"), "IPSET_ERR_NAMEREF");
  assert.equal(ipsetErrorText("IPSET_ERR_EXIST", "del"), "Element cannot be deleted from the set: it's not added");
  assert.equal(ipsetErrorText("EEXIST", "create"), "Set cannot be created: set with the same name already exists");
  // Extended-ACK paths name ipset's attributes.
  const w = nfnlMessage(NFNL_SUBSYS_IPSET, IPSET_CMD.ADD);
  writeAttrs(w, ipsetElementAttrs, { protocol: 7, setname: "s", data: { ip: { ipv4: "10.0.0.1" }, timeout: 30 } });
  const req = w.finish();
  // nlmsghdr 16 + nfgenmsg 4 + PROTOCOL 8 + SETNAME 8 + DATA header 4 + IP nest 12: the timeout at 52.
  assert.equal(ipsetAttributePath(req, 52), "IPSET_ATTR_DATA.IPSET_ATTR_TIMEOUT");
});

test("ipset codec: truncated, mutated and random bytes give ParseError only", () => {
  const decode = (bytes: Uint8Array) => decodeAll([bytes]);
  const r = fuzz([{ name: "ipset", seeds, decode }], 20_000, 7);
  if (r.failure) assert.fail(`${r.failure.error}\ninput ${r.failure.input}`);
  assert.ok(r.decoded > 0 && r.rejected > 0, `decoded ${r.decoded}, rejected ${r.rejected}`);
  const whole = seeds[0];
  for (let cut = 16; cut < whole.length; cut++) {
    const bytes = whole.slice(0, cut);
    new DataView(bytes.buffer).setUint32(0, cut, true);
    try {
      decode(bytes);
    } catch (e) {
      assert.ok(e instanceof ParseError, `cut ${cut}: ${e}`);
    }
  }
});
