// The wire codec on bytes captured from the kernel (test/wire/capture.ts) and
// on edge cases built by hand from linux/netlink.h.
import { hexFile } from "../helpers/fixtures.ts";
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip as ipCmd, ipJson, withNetns } from "../helpers/netns.ts";
import {
  AddressError,
  Attrs,
  AttrWriter,
  Flags,
  MessageWriter,
  NetlinkSocket,
  ParseError,
  parseMessages,
} from "../../mod.ts";
import { batch, parseDone, parseErrorReply } from "../../src/wire/message.ts";
import { ipv6, parseIPv6, parsePrefix } from "../../src/wire/values.ts";
import { NLA_F_NESTED, NLMSG_DONE, NLMSG_ERROR } from "../../src/wire/constants.ts";

function fixture(name: string): Uint8Array {
  return hexFile(new URL(`./fixtures/${name}.hex`, import.meta.url));
}

test("captured RTM_NEWLINK reply for lo decodes: header, ifinfomsg, attributes", () => {
  const [msg, ...rest] = parseMessages(fixture("getlink-lo-reply"));
  assert.equal(rest.length, 0);
  assert.equal(msg.type, 16); // RTM_NEWLINK
  assert.equal(msg.seq, 101);
  const dv = new DataView(msg.payload.buffer, msg.payload.byteOffset);
  assert.equal(dv.getInt32(4, true), 1); // ifi_index
  assert.equal(dv.getUint32(8, true) & 0x9, 0x9); // IFF_UP | IFF_LOOPBACK
  const attrs = Attrs.parse(msg.payload.subarray(16));
  assert.equal(attrs.str(3), "lo"); // IFLA_IFNAME
  assert.equal(attrs.u32(4), 65536); // IFLA_MTU
  assert.equal(attrs.mac(1), "00:00:00:00:00:00"); // IFLA_ADDRESS
  assert.equal(attrs.str(6), "noqueue"); // IFLA_QDISC
  const stats64 = attrs.get(23)!; // IFLA_STATS64: struct rtnl_link_stats64
  assert.ok(stats64.length >= 24 * 8);
  const linkinfo = attrs.nested(18); // lo has no IFLA_LINKINFO
  assert.equal(linkinfo, undefined);
  // Every attribute is kept, and nested ones parse too. IFLA_AF_SPEC predates
  // NLA_F_NESTED: the kernel sends it without the flag.
  assert.ok(attrs.size > 30);
  const afSpec = [...attrs].find((a) => a.type === 26)!;
  assert.equal(afSpec.nested, false);
  assert.ok(Attrs.parse(afSpec.value).size >= 2);
});

test("captured ACK (capped) decodes to errno 0 for the request's sequence", () => {
  const [ack] = parseMessages(fixture("getlink-lo-ack"));
  assert.equal(ack.type, NLMSG_ERROR);
  assert.ok(ack.flags & Flags.CAPPED);
  const reply = parseErrorReply(ack);
  assert.equal(reply.errno, 0);
  assert.equal(reply.request.seq, 101);
  assert.equal(reply.request.type, 18);
});

test("captured strict-check dump error: NLMSG_DONE with errno and ext-ACK message", () => {
  // A dump's error comes in its NLMSG_DONE, not in an NLMSG_ERROR.
  const [done] = parseMessages(fixture("getaddr-strict-error"));
  assert.equal(done.type, NLMSG_DONE);
  assert.ok(done.flags & Flags.ACK_TLVS);
  assert.equal(done.seq, 102);
  const reply = parseDone(done);
  assert.equal(reply.errno, 22); // EINVAL
  assert.match(reply.extAck?.message ?? "", /Invalid values in header for address dump request/);
});

test("captured policy error carries message, offset and policy", () => {
  const [err] = parseMessages(fixture("newlink-policy-error"));
  const reply = parseErrorReply(err);
  assert.equal(reply.errno, 34); // ERANGE
  assert.equal(reply.extAck?.message, "Attribute failed policy validation");
  assert.equal(reply.extAck?.offset, 32);
  const policy = Attrs.parse(reply.extAck!.policy!);
  assert.equal(policy.u32(1), 11); // NL_POLICY_TYPE_ATTR_TYPE = NL_ATTR_TYPE_STRING
  assert.equal(policy.u32(7), 15); // NL_POLICY_TYPE_ATTR_MAX_LENGTH = IFNAMSIZ - 1
});

test("captured address dump part and NLMSG_DONE decode", () => {
  const msgs = parseMessages(fixture("getaddr-dump-part"));
  assert.equal(msgs.length, 2);
  assert.ok(msgs.every((m) => m.type === 20 && m.flags & Flags.MULTI));
  const local4 = Attrs.parse(msgs[0].payload.subarray(8)).ip(2);
  const local6 = Attrs.parse(msgs[1].payload.subarray(8)).ip(1);
  assert.deepEqual([local4, local6], ["127.0.0.1", "::1"]);
  const [done] = parseMessages(fixture("getaddr-dump-done"));
  assert.equal(done.type, NLMSG_DONE);
  assert.equal(parseDone(done).errno, 0);
});

test("nlmsg_len shorter than the header, past the end, or trailing bytes: ParseError", () => {
  const ok = new MessageWriter(18, 1).finish();
  const short = ok.slice();
  short[0] = 8;
  assert.throws(() => parseMessages(short), ParseError);
  const zero = ok.slice();
  zero[0] = 0; // would loop forever if trusted
  assert.throws(() => parseMessages(zero), ParseError);
  const long = ok.slice();
  long[0] = 200;
  assert.throws(() => parseMessages(long), ParseError);
  assert.throws(() => parseMessages(batch([ok, new Uint8Array(4)])), ParseError);
  assert.deepEqual(parseMessages(new Uint8Array(0)), []);
});

test("nla_len 0, shorter than the header, or past the end: ParseError, no loop", () => {
  assert.throws(() => Attrs.parse(new Uint8Array([0, 0, 1, 0, 0, 0, 0, 0])), ParseError);
  assert.throws(() => Attrs.parse(new Uint8Array([3, 0, 1, 0])), ParseError);
  assert.throws(() => Attrs.parse(new Uint8Array([12, 0, 1, 0, 0, 0, 0, 0])), ParseError);
  // A value of the wrong size is a ParseError from the typed reader.
  const attrs = Attrs.parse(new AttrWriter().u16(1, 7).bytes());
  assert.equal(attrs.u16(1), 7);
  assert.throws(() => attrs.u32(1), ParseError);
  assert.throws(() => attrs.u64(1), ParseError);
  assert.equal(attrs.u32(2), undefined);
});

test("NLMSG_ERROR shorter than struct nlmsgerr is a ParseError", () => {
  assert.throws(
    () => parseErrorReply({ type: NLMSG_ERROR, flags: 0, seq: 1, pid: 0, payload: new Uint8Array(10) }),
    ParseError,
  );
  // Uncapped error: the request is echoed, then the TLVs (built per linux/netlink.h).
  const request = new MessageWriter(17).u32(3, 5).finish();
  const tlvs = new AttrWriter().str(1, "no such thing").u32(2, 16).bytes();
  const payload = new Uint8Array(4 + request.length + tlvs.length);
  new DataView(payload.buffer).setInt32(0, -2, true);
  payload.set(request, 4);
  payload.set(tlvs, 4 + request.length);
  const reply = parseErrorReply({ type: NLMSG_ERROR, flags: Flags.ACK_TLVS, seq: 1, pid: 0, payload });
  assert.equal(reply.errno, 2);
  assert.equal(reply.request.type, 17);
  assert.deepEqual(reply.extAck, { message: "no such thing", offset: 16 });
});

test("writer round trip: every value type, nesting with NLA_F_NESTED, padding", () => {
  const m = new MessageWriter(100, Flags.REQUEST);
  m.struct(3).setUint8(0, 9);
  m.u8(1, 200).u16(2, 65535).u32(3, 0xffffffff).s32(4, -5).u64(5, 2n ** 63n).be16(6, 443).be32(7, 0x01020304)
    .str(8, "héllo").ip(9, "2001:db8::1").mac(10, "02:aa:bb:cc:dd:ee").flag(11);
  m.nest(12, (w) => w.u32(1, 1).nest(2, (x) => x.str(1, "deep")));
  const bytes = m.finish(7, 9);
  assert.equal(bytes.length % 4, 0);
  const [msg] = parseMessages(bytes);
  assert.deepEqual([msg.type, msg.flags, msg.seq, msg.pid], [100, Flags.REQUEST, 7, 9]);
  assert.equal(msg.payload[0], 9);
  const a = Attrs.parse(msg.payload.subarray(4));
  assert.deepEqual(
    [a.u8(1), a.u16(2), a.u32(3), a.s32(4), a.u64(5), a.be16(6), a.be32(7), a.str(8), a.ip(9), a.mac(10), a.flag(11)],
    [200, 65535, 0xffffffff, -5, 2n ** 63n, 443, 0x01020304, "héllo", "2001:db8::1", "02:aa:bb:cc:dd:ee", true],
  );
  const nest = [...a].find((x) => x.type === 12)!;
  assert.ok(nest.nested);
  assert.equal(new DataView(nest.value.buffer).getUint16(nest.value.byteOffset - 2, true), 12 | NLA_F_NESTED);
  assert.equal(a.nested(12)!.nested(2)!.str(1), "deep");
  assert.deepEqual(a.types(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test("address text: bad input is an AddressError; prefixes are range-checked", () => {
  assert.throws(() => parsePrefix("10.0.0.1/33"), AddressError);
  assert.throws(() => parsePrefix("::1/129"), AddressError);
  assert.throws(() => parsePrefix("10.0.0.256/8"), AddressError);
  assert.throws(() => parseIPv6("1::2::3"), AddressError);
  assert.throws(() => parseIPv6("1:2:3:4:5:6:7:8:9"), AddressError);
  assert.deepEqual(parsePrefix("10.1.0.0/16"), { address: new Uint8Array([10, 1, 0, 0]), length: 16, family: 2 });
  assert.equal(ipv6(parseIPv6("::ffff:10.0.0.1")), "::ffff:10.0.0.1");
});

test("IPv6 text is formatted exactly as iproute2 prints it", async () => {
  await withNetns("wire-v6", async (ns) => {
    const forms = [
      "2001:db8::1",
      "2001:db8:0:1:0:0:0:1",
      "2001:0:0:1::1",
      "1:0:1:0:1:0:1:0",
      "fd00::",
      "fe80::1:0:0:1",
      "2001:db8:1:2:3:4:5:6",
      "::2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7::",
    ];
    for (const a of forms) ipCmd(ns, "addr", "add", `${a}/128`, "dev", "lo", "nodad");
    await using sock = await NetlinkSocket.open("route", { netns: ns });
    const req = new MessageWriter(22, Flags.DUMP);
    req.struct(8).setUint8(0, 10);
    const ours: string[] = [];
    for await (const msg of sock.dump(req.finish())) ours.push(ipv6(Attrs.parse(msg.payload.subarray(8)).get(1)!));
    const theirs = ipJson<{ addr_info: { local: string }[] }[]>(ns, "-6", "addr", "show", "dev", "lo")
      .flatMap((l) => l.addr_info.map((a) => a.local));
    assert.deepEqual(ours.sort(), theirs.sort());
    assert.equal(ours.length, forms.length + 1); // plus ::1
  });
});

test("seeded mutations of captured bytes give ParseError or a value, never another exception", () => {
  const seeds = ["getlink-lo-reply", "getaddr-strict-error", "newlink-policy-error", "getaddr-dump-part"].map(fixture);
  let state = 12345;
  const rand = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  let parsed = 0, rejected = 0;
  for (let i = 0; i < 5000; i++) {
    const bytes = seeds[rand(seeds.length)].slice(0, undefined);
    const cut = rand(4) === 0 ? bytes.subarray(0, rand(bytes.length)) : bytes;
    for (let k = 0; k < 1 + rand(8); k++) cut[rand(cut.length || 1)] = rand(256);
    try {
      for (const m of parseMessages(cut)) {
        if (m.type === NLMSG_ERROR) parseErrorReply(m);
        else if (m.type === NLMSG_DONE) parseDone(m);
        else {
          const walk = (a: Attrs): void => {
            for (const x of a) if (x.nested) walk(Attrs.parse(x.value));
          };
          walk(Attrs.parse(m.payload.subarray(Math.min(16, m.payload.length))));
        }
      }
      parsed++;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      rejected++;
    }
  }
  assert.ok(parsed > 0 && rejected > 0, `parsed ${parsed}, rejected ${rejected}`);
});
