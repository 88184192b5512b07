// nf_tables flowtables and the flow_offload expression (`flow add @ft`).
// The kernel here is built without CONFIG_NF_FLOW_TABLE: it lists no
// flowtables and refuses to create one (ENOENT, for nft as for us). So
// the codec is tested on messages built byte by byte from the uapi headers
// (nf_tables.h: enum nft_flowtable_attributes, nft_flowtable_hook_attributes,
// nft_device_attributes, nft_offload_attributes), and the kernel part on
// what it can do: an empty listing, the same refusal as nft, nothing applied.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { fuzz } from "../helpers/fuzz.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { parseMessages } from "../../mod.ts";
import { ParseError } from "../../src/wire/errors.ts";
import {
  decodeFlowtable,
  decodeNftEvent,
  decodeRule,
  Nftables,
  NftTransactionError,
  rule,
  Transaction,
} from "../../src/nftables/mod.ts";

/** One netlink attribute, padded to 4 bytes: `type` (with NLA_F_NESTED for nests), `payload`. */
function nla(type: number, payload: Uint8Array, nested = false): Uint8Array {
  const len = 4 + payload.length;
  const out = new Uint8Array((len + 3) & ~3);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, len, true);
  dv.setUint16(2, type | (nested ? 0x8000 : 0), true);
  out.set(payload, 4);
  return out;
}
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};
const str = (s: string) => new TextEncoder().encode(s + "\0");
const be32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, false);
  return b;
};
const be64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), false);
  return b;
};
const nest = (type: number, ...children: Uint8Array[]) => nla(type, cat(...children), true);

/** A netlink message: header (type NFNL_SUBSYS_NFTABLES << 8 | msg), nfgenmsg of `family`, attributes. */
function message(msg: number, family: number, attributes: Uint8Array, flags = 0): Uint8Array {
  const body = cat(Uint8Array.of(family, 0, 0, 0), attributes);
  const out = new Uint8Array(16 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length, true);
  dv.setUint16(4, (10 << 8) | msg, true);
  dv.setUint16(6, flags, true);
  out.set(body, 16);
  return out;
}

const NFT_MSG_NEWRULE = 6;
const NFT_MSG_NEWFLOWTABLE = 22;
const NFT_MSG_DELFLOWTABLE = 24;
const NFPROTO_INET = 1;

/** NFTA_FLOWTABLE_TABLE, _NAME, _HOOK { _NUM, _PRIORITY, _DEVS { NFTA_DEVICE_NAME… } }. */
const REQUEST_ATTRS = cat(
  nla(1, str("filter")),
  nla(2, str("ft")),
  nest(3, nla(1, be32(0)), nla(2, be32(-10)), nest(3, nla(1, str("v0")), nla(1, str("v1")))),
  nla(7, be32(1)), // NFT_FLOWTABLE_HW_OFFLOAD
);
/** The same as the kernel lists it: with _USE, _HANDLE (after its pad) and the counter flag too. */
const LISTED = message(
  NFT_MSG_NEWFLOWTABLE,
  NFPROTO_INET,
  cat(
    nla(1, str("filter")),
    nla(2, str("ft")),
    nest(3, nla(1, be32(0)), nla(2, be32(-10)), nest(3, nla(1, str("v0")), nla(1, str("v1")))),
    nla(4, be32(2)),
    nla(6, new Uint8Array(0)),
    nla(5, be64(7)),
    nla(7, be32(3)),
  ),
);

test("flowtable (no CONFIG_NF_FLOW_TABLE here: uapi bytes): a listed flowtable decodes; a DELFLOWTABLE is an event", () => {
  const [m] = parseMessages(LISTED);
  assert.deepEqual(decodeFlowtable(m), {
    family: "inet",
    table: "filter",
    name: "ft",
    handle: 7,
    hook: "ingress",
    priority: -10,
    devices: ["v0", "v1"],
    flags: ["offload", "counter"],
    use: 2,
  });
  const del = message(
    NFT_MSG_DELFLOWTABLE,
    NFPROTO_INET,
    cat(nla(1, str("filter")), nla(2, str("ft")), nla(5, be64(7))),
  );
  assert.deepEqual(decodeNftEvent(parseMessages(del)[0]), {
    action: "delete",
    kind: "flowtable",
    flowtable: { family: "inet", table: "filter", name: "ft", handle: 7, devices: [], flags: [], use: 0 },
  });
});

test("flowtable (no CONFIG_NF_FLOW_TABLE here: uapi bytes): addFlowtable and deleteFlowtable write what the headers say", () => {
  const tx = new Transaction();
  tx.addFlowtable({
    family: "inet",
    table: "filter",
    name: "ft",
    priority: -10,
    devices: ["v0", "v1"],
    flags: ["offload"],
  });
  tx.deleteFlowtable({ family: "inet", table: "filter", name: "ft" });
  const [add, del] = tx.operations.map((o) => o.message);
  const NLM_F_CREATE = 0x400; // NLM_F_REQUEST (and the ACK flag) are the socket's to add
  const expected = message(NFT_MSG_NEWFLOWTABLE, NFPROTO_INET, REQUEST_ATTRS, NLM_F_CREATE);
  // The writer's sequence and port numbers are the kernel's business: compare from the type on.
  assert.deepEqual(add.subarray(4, 8), expected.subarray(4, 8));
  assert.deepEqual(add.subarray(16), expected.subarray(16));
  assert.equal(new DataView(add.buffer, add.byteOffset).getUint32(0, true), expected.length);
  assert.deepEqual(
    del.subarray(16),
    message(NFT_MSG_DELFLOWTABLE, NFPROTO_INET, cat(nla(1, str("filter")), nla(2, str("ft")))).subarray(16),
  );
  assert.throws(() => tx.addFlowtable({ family: "inet", table: "filter", name: "x", devices: ["a".repeat(300)] }));
  // @ts-expect-error: flowtables have only the ingress hook
  assert.throws(() => tx.addFlowtable({ family: "inet", table: "f", name: "x", hook: "egress", devices: [] }));
  // @ts-expect-error: not a flowtable flag
  assert.throws(() => tx.addFlowtable({ family: "inet", table: "f", name: "x", devices: [], flags: ["fast"] }));
  assert.throws(() => tx.addFlowtable({ family: "inet", table: "f", name: "x", devices: [], priority: 2 ** 31 }));
  assert.equal(tx.operations.length, 2);
});

test("flowtable (no CONFIG_NF_FLOW_TABLE here: uapi bytes): flow add @ft is a flow_offload expression, both ways", () => {
  // NFTA_RULE_TABLE, _CHAIN, _EXPRESSIONS { NFTA_LIST_ELEM { NFTA_EXPR_NAME "flow_offload", _DATA { NFTA_FLOW_TABLE_NAME } } }
  const expr = nest(1, nla(1, str("flow_offload")), nest(2, nla(1, str("ft"))));
  const bytes = message(
    NFT_MSG_NEWRULE,
    NFPROTO_INET,
    cat(nla(1, str("filter")), nla(2, str("fwd")), nla(3, be64(4)), nest(4, expr)),
  );
  const decoded = decodeRule(parseMessages(bytes)[0]);
  assert.deepEqual(decoded.expressions, [{ kind: "flow_offload", tableName: "ft" }]);
  const built = rule().flowOffload("ft").build();
  assert.deepEqual(built, decoded.expressions);
  const tx = new Transaction();
  tx.addRule({ family: "inet", table: "filter", chain: "fwd", expressions: built });
  const sent = tx.operations[0].message;
  // table, chain, then the expression list exactly as built from the headers.
  const list = nest(4, expr);
  assert.deepEqual(sent.subarray(sent.length - list.length), list);
});

test("flowtable (no CONFIG_NF_FLOW_TABLE here: uapi bytes): truncated and random flowtables give ParseError only", () => {
  const decode = (bytes: Uint8Array) => {
    for (const m of parseMessages(bytes)) {
      decodeFlowtable(m);
      decodeNftEvent(m);
    }
  };
  const r = fuzz([{ name: "flowtable", seeds: [LISTED], decode }], 5_000, 23);
  if (r.failure) assert.fail(`${r.failure.error}\ninput ${r.failure.input}`);
  assert.ok(r.decoded > 0 && r.rejected > 0, `decoded ${r.decoded}, rejected ${r.rejected}`);
  for (let cut = 0; cut < LISTED.length; cut++) {
    const bytes = LISTED.slice(0, cut);
    if (cut >= 4) new DataView(bytes.buffer).setUint32(0, cut, true);
    try {
      decode(bytes);
    } catch (e) {
      assert.ok(e instanceof ParseError, `cut at ${cut}: ${e}`);
    }
  }
});

test("flowtable (kernel without CONFIG_NF_FLOW_TABLE): none listed; nft and we are refused alike, nothing applied", async () => {
  await withNetns("nfx-ft", async (ns) => {
    sh("ip", ["-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    await using client = await Nftables.open({ netns: ns });
    await client.transaction((tx) => tx.addTable({ family: "inet", name: "filter" }));
    assert.deepEqual(await client.flowtables(), []);
    assert.deepEqual((await client.ruleset()).flowtables, []);
    let nftError = "";
    try {
      sh("ip", [
        "netns",
        "exec",
        ns,
        "nft",
        "add",
        "flowtable",
        "inet",
        "filter",
        "ft",
        "{ hook ingress priority 0; devices = { v0, v1 }; }",
      ]);
    } catch (e) {
      nftError = String((e as { stderr?: string }).stderr);
    }
    assert.match(nftError, /No such file or directory/);
    const before = await client.generation();
    await assert.rejects(
      client.transaction((tx) => {
        tx.addChain({ family: "inet", table: "filter", name: "fwd", type: "filter", hook: "forward", priority: 0 });
        tx.addFlowtable({ family: "inet", table: "filter", name: "ft", devices: ["v0", "v1"] });
      }),
      (e) => e instanceof NftTransactionError && e.code === "ENOENT" && e.index === 1,
    );
    assert.equal(await client.generation(), before);
    assert.deepEqual(await client.chains(), []);
  });
});
