// Run by forged.test.ts as an unprivileged user (uid 65534) inside a test
// namespace: sends to the NETLINK_USERSOCK port given as the first argument
// a datagram larger than the receiver's buffer, a malformed one, then a
// valid message, and prints the size of the large one.
import process from "node:process";
import { MessageWriter, NetlinkError, NetlinkSocket } from "../../mod.ts";

const port = Number(process.argv[2]);
// As nobody SO_SNDBUFFORCE is refused and SO_SNDBUF is capped by wmem_max.
const sock = await NetlinkSocket.open("usersock", { sndbuf: 4 << 20 });
let size = 1 << 20;
for (;;) {
  const big = new Uint8Array(size);
  const view = new DataView(big.buffer);
  view.setUint32(0, size, true); // a well-formed header: only the size is wrong
  view.setUint16(4, 0x10, true);
  try {
    sock.send(big, { portId: port });
    break;
  } catch (e) {
    // EMSGSIZE: larger than this user's send buffer allows.
    if (!(e instanceof NetlinkError) || e.code !== "EMSGSIZE" || size <= 128 << 10) throw e;
    size >>= 1;
  }
}
const malformed = new Uint8Array(20);
new DataView(malformed.buffer).setUint32(0, 1000, true); // nlmsg_len runs past the datagram
sock.send(malformed, { portId: port });
sock.send(new MessageWriter(0x10).str(1, "after").finish(), { portId: port });
await sock.close();
console.log(JSON.stringify({ uid: process.getuid?.(), big: size }));
