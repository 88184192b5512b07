// Extended-ACK offsets named by the ctnetlink schema (src/netfilter/schema.ts):
// a conntrack request the real kernel refuses by policy, in a namespace of the
// test's own; Conntrack.open's socket names the attribute in extAck.path.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { sh, withNetns } from "../helpers/netns.ts";
import { Flags, MessageWriter, NetlinkError } from "../../mod.ts";
import { Conntrack } from "../../src/netfilter/conntrack.ts";
import { conntrackAttrs, nfnlAttributePath } from "../../src/netfilter/schema.ts";
import { writeAttrs } from "../../src/wire/schema.ts";

test("ext-ACK path: a conntrack entry with a two-byte CTA_TIMEOUT (policy: u32) is refused naming CTA_TIMEOUT", async () => {
  await withNetns("sch-extack-ct", async (ns) => {
    await using ct = await Conntrack.open({ netns: ns });
    const m = new MessageWriter((1 << 8) | 0, Flags.CREATE | Flags.EXCL); // CTNETLINK, IPCTNL_MSG_CT_NEW
    m.struct(4).setUint8(0, 2); // nfgenmsg: AF_INET
    const tuple = { ip: { v4Src: "10.0.0.1", v4Dst: "10.0.0.2" }, proto: { num: 17, srcPort: 1000, dstPort: 53 } };
    writeAttrs(m, conntrackAttrs, { tupleOrig: tuple });
    m.u16(7, 30); // CTA_TIMEOUT of 2 bytes
    const request = m.finish();
    let error: unknown;
    try {
      await ct.socket.request(request);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof NetlinkError, `${error}`);
    assert.ok(error.code === "EINVAL" || error.code === "ERANGE", error.message);
    assert.equal(error.extAck?.path, "CTA_TIMEOUT");
    assert.match(error.message, /IPCTNL_MSG_CT_NEW failed .*\(attribute CTA_TIMEOUT\)/);
    // Offsets into the nests are named too (the kernel parses those without an ext-ACK, so built bytes here).
    assert.equal(nfnlAttributePath(request, 16 + 4 + 4 + 4 + 4), "CTA_TUPLE_ORIG.CTA_TUPLE_IP.CTA_IP_V4_SRC");
    assert.equal(sh("ip", ["netns", "exec", ns, "conntrack", "-L"]).trim(), "", "no entry was created");
  });
});
