// Extended-ACK offsets named by the xfrm schema (src/xfrm/schema.ts): an
// XFRM_MSG_NEWSA the real kernel refuses by policy, in a namespace of the
// test's own; Xfrm.open's socket names the attribute in extAck.path.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { Flags, MessageWriter, NetlinkError } from "../../mod.ts";
import { Xfrm } from "../../src/xfrm/client.ts";
import { SIZEOF, XfrmMsg } from "../../src/xfrm/constants.ts";
import { xfrmAttributePath } from "../../src/xfrm/schema.ts";

test("ext-ACK path: an SA with a two-byte XFRMA_SA_EXTRA_FLAGS (policy: u32) is refused naming XFRMA_SA_EXTRA_FLAGS", async () => {
  await withNetns("sch-extack-xfrm", async (ns) => {
    await using x = await Xfrm.open({ netns: ns });
    const m = new MessageWriter(XfrmMsg.NEWSA, Flags.CREATE | Flags.EXCL);
    m.struct(SIZEOF.usersaInfo);
    m.u32(31, 7); // XFRMA_IF_ID, well formed
    m.u16(24, 1); // XFRMA_SA_EXTRA_FLAGS of 2 bytes
    const request = m.finish();
    let error: unknown;
    try {
      await x.socket.request(request);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof NetlinkError, `${error}`);
    assert.ok(error.code === "EINVAL" || error.code === "ERANGE", error.message);
    assert.equal(error.extAck?.path, "XFRMA_SA_EXTRA_FLAGS");
    assert.equal(error.extAck?.offset, 16 + SIZEOF.usersaInfo + 8);
    assert.equal(xfrmAttributePath(request, 16 + SIZEOF.usersaInfo), "XFRMA_IF_ID");
    assert.equal(xfrmAttributePath(request, 20), "header");
    assert.equal(ip(ns, "xfrm", "state").trim(), "", "no SA was created");
  });
});
