// Run by faults.test.ts as an unprivileged user inside a test namespace:
// asks for a bridge (RTM_NEWLINK needs CAP_NET_ADMIN) and prints the error.
import { NetlinkError, NetlinkSocket } from "../../mod.ts";
import { addLink } from "../../src/route/link.ts";
import { rtmName } from "../../src/route/constants.ts";

const sock = await NetlinkSocket.open("route", { describeType: rtmName });
try {
  await addLink(sock, { kind: "bridge", name: "relperm0" });
  console.log(JSON.stringify({ created: true }));
} catch (e) {
  const err = e as NetlinkError;
  console.log(JSON.stringify({
    netlinkError: e instanceof NetlinkError,
    code: err.code,
    errno: err.errno,
    messageType: err.messageType,
    message: err.message,
  }));
} finally {
  await sock.close();
}
