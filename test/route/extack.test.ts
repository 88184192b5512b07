// Extended-ACK offsets named by the schema: requests built from the route
// schema sets (src/route/schema.ts) that the real kernel refuses, inside a
// namespace of the test's own; the error's extAck.path must name the
// attribute the kernel pointed at, and the offset must really be that
// attribute's (checked against the request bytes).
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { Flags, MessageWriter, NetlinkError, NetlinkSocket } from "../../mod.ts";
import { AttrWriter } from "../../src/wire/attrs.ts";
import { attributePathName, writeAttrs } from "../../src/wire/schema.ts";
import { RTM, rtmName } from "../../src/route/constants.ts";
import { linkAttrs, routeAttrs, rtmAttributePath } from "../../src/route/schema.ts";
import { ruleAttrs } from "../../src/route/rule.ts";
import { RouteClient } from "../../src/route/client.ts";

async function refusal(sock: NetlinkSocket, request: Uint8Array): Promise<NetlinkError> {
  try {
    await sock.request(request);
  } catch (e) {
    assert.ok(e instanceof NetlinkError, `${e}`);
    return e;
  }
  assert.fail("the kernel accepted the request");
}

function open(ns: string): Promise<NetlinkSocket> {
  return NetlinkSocket.open("route", { netns: ns, describeType: rtmName, describeAttribute: rtmAttributePath });
}

test("ext-ACK path: a vxlan link with an out-of-range IFLA_VXLAN_ID names IFLA_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID", async () => {
  await withNetns("sch-extack-vxlan", async (ns) => {
    await using sock = await open(ns);
    const m = new MessageWriter(RTM.NEWLINK, Flags.CREATE | Flags.EXCL);
    m.struct(16);
    // 2^24 is one past the largest VNI: the schema's u32 takes it, the kernel does not.
    writeAttrs(m, linkAttrs, { ifname: "vx0", linkinfo: { kind: "vxlan", data: { id: 0x1000000, port: 4789 } } });
    const request = m.finish();
    const e = await refusal(sock, request);
    assert.equal(e.code, "ERANGE");
    assert.match(e.extAck?.message ?? "", /VXLAN ID must be lower/);
    assert.equal(e.extAck?.path, "IFLA_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_ID");
    assert.match(e.message, /\(attribute IFLA_LINKINFO\.IFLA_INFO_DATA\.IFLA_VXLAN_ID\)/);
    // The offset is the IFLA_VXLAN_ID attribute's own: its type number is there.
    const at = e.extAck!.offset!;
    assert.equal(request[at + 2] | ((request[at + 3] & 0x3f) << 8), 1);
    assert.throws(() => ip(ns, "link", "show", "vx0"), "nothing was created");
  });
});

test("ext-ACK path: the same refusal through RouteClient (a port range upside down) names IFLA_VXLAN_PORT_RANGE", async () => {
  await withNetns("sch-extack-client", async (ns) => {
    await using rt = await RouteClient.open({ netns: ns });
    const m = new MessageWriter(RTM.NEWLINK, Flags.CREATE | Flags.EXCL);
    m.struct(16);
    writeAttrs(m, linkAttrs, {
      ifname: "vx1",
      linkinfo: { kind: "vxlan", data: { id: 5, port: 4789, portRange: { low: 2000, high: 1000 } } },
    });
    const e = await refusal(rt.socket, m.finish());
    assert.equal(e.code, "EINVAL");
    assert.equal(e.extAck?.path, "IFLA_LINKINFO.IFLA_INFO_DATA.IFLA_VXLAN_PORT_RANGE");
  });
});

test("ext-ACK path: a route whose RTA_MULTIPATH is shorter than struct rtnexthop names RTA_MULTIPATH", async () => {
  await withNetns("sch-extack-route", async (ns) => {
    await using sock = await open(ns);
    const m = new MessageWriter(RTM.NEWROUTE, Flags.CREATE | Flags.EXCL);
    const hdr = m.struct(12);
    hdr.setUint8(0, 2); // AF_INET
    hdr.setUint8(1, 24); // dst_len
    hdr.setUint8(4, 254); // main
    hdr.setUint8(5, 4); // RTPROT_STATIC
    hdr.setUint8(7, 1); // RTN_UNICAST
    m.ip(1, "198.51.100.0"); // RTA_DST
    m.attr(9, new Uint8Array(4)); // RTA_MULTIPATH: 4 bytes, struct rtnexthop needs 8
    const e = await refusal(sock, m.finish());
    assert.ok(e.code === "EINVAL" || e.code === "ERANGE", e.message);
    assert.equal(e.extAck?.path, "RTA_MULTIPATH", e.message);
    assert.equal(ip(ns, "route", "show", "198.51.100.0/24"), "");
  });
});

test("ext-ACK path: a rule with a two-byte FRA_PRIORITY (policy: u32) names FRA_PRIORITY", async () => {
  await withNetns("sch-extack-rule", async (ns) => {
    await using sock = await open(ns);
    const m = new MessageWriter(RTM.NEWRULE, Flags.CREATE | Flags.EXCL);
    const hdr = m.struct(12);
    hdr.setUint8(0, 2); // AF_INET
    hdr.setUint8(4, 100);
    hdr.setUint8(7, 1); // FR_ACT_TO_TBL
    writeAttrs(m, ruleAttrs, { table: 100, fwmark: 7 });
    m.u16(6, 5); // FRA_PRIORITY of 2 bytes
    const e = await refusal(sock, m.finish());
    assert.ok(e.code === "EINVAL" || e.code === "ERANGE", e.message);
    assert.equal(e.extAck?.path, "FRA_PRIORITY", e.message);
  });
});

test("ext-ACK path: a short gateway in multipath entry 1 is refused without an offset by this kernel; when one comes it names RTA_MULTIPATH[1].RTA_GATEWAY", async () => {
  await withNetns("sch-extack-mpath", async (ns) => {
    ip(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
    ip(ns, "link", "set", "v0", "up");
    ip(ns, "addr", "add", "10.9.0.1/24", "dev", "v0");
    const index = Number(ip(ns, "-o", "link", "show", "v0").split(":")[0]);
    await using sock = await open(ns);
    const m = new MessageWriter(RTM.NEWROUTE, Flags.CREATE | Flags.EXCL);
    const hdr = m.struct(12);
    hdr.setUint8(0, 2);
    hdr.setUint8(1, 24);
    hdr.setUint8(4, 254);
    hdr.setUint8(5, 4);
    hdr.setUint8(7, 1);
    m.ip(1, "198.51.100.0");
    m.nest(9, (mp) => {
      for (const gateway of [new Uint8Array([10, 9, 0, 2]), new Uint8Array([10, 9])]) {
        const at = mp.length;
        const rtnh = mp.struct(8);
        rtnh.setInt32(4, index, true);
        mp.attr(5, gateway);
        rtnh.setUint16(0, mp.length - at, true);
      }
    }, false);
    const e = await refusal(sock, m.finish());
    assert.equal(e.code, "EINVAL");
    assert.match(e.extAck?.message ?? "", /RTA_GATEWAY/);
    if (e.extAck?.offset !== undefined) assert.equal(e.extAck.path, "RTA_MULTIPATH[1].RTA_GATEWAY");
    else assert.equal(e.extAck?.path, undefined);
    assert.equal(ip(ns, "route", "show", "198.51.100.0/24"), "");
  });
});

test("ext-ACK path: offsets inside RTA_MULTIPATH (built from the uapi layout) name the entry and its attribute", () => {
  // Two struct rtnexthop entries, the second with a gateway; built from the uapi layout.
  const w = new AttrWriter();
  w.nest(9, (mp) => {
    const one = mp.struct(8);
    one.setUint16(0, 8, true);
    one.setInt32(4, 2, true);
    const at = mp.length;
    const two = mp.struct(8);
    mp.ip(5, "10.0.0.1");
    two.setUint16(0, mp.length - at, true);
    two.setInt32(4, 3, true);
  }, false);
  const bytes = w.bytes();
  // RTA_MULTIPATH header 0..3, entry 0 at 4..11, entry 1 at 12..19, its RTA_GATEWAY at 20..27.
  assert.equal(attributePathName(routeAttrs, bytes, 0), "RTA_MULTIPATH");
  assert.equal(attributePathName(routeAttrs, bytes, 4), "RTA_MULTIPATH[0]");
  assert.equal(attributePathName(routeAttrs, bytes, 12), "RTA_MULTIPATH[1]");
  assert.equal(attributePathName(routeAttrs, bytes, 20), "RTA_MULTIPATH[1].RTA_GATEWAY");
  assert.equal(attributePathName(routeAttrs, bytes, 24), "RTA_MULTIPATH[1].RTA_GATEWAY");
  // Through a whole request, as rtmAttributePath sees it.
  const m = new MessageWriter(RTM.NEWROUTE);
  m.struct(12);
  m.raw(bytes);
  assert.equal(rtmAttributePath(m.finish(), 16 + 12 + 20), "RTA_MULTIPATH[1].RTA_GATEWAY");
  // A type it does not know, or an offset past the end: no path, never a throw.
  const other = new MessageWriter(0x7ff);
  other.struct(12);
  assert.equal(rtmAttributePath(other.finish(), 28), undefined);
  assert.equal(rtmAttributePath(m.finish(), 4096), undefined);
});
