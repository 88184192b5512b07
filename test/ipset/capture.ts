/**
 * Captures ipset LIST messages from the kernel into test/ipset/fixtures/
 * (one message per list-N.hex, and the `ipset list -o xml` of the same
 * sets in list-xml.txt): the sets of {@link SETUP} made by the `ipset` tool in
 * a namespace of its own. Members carry `timeout 0` (permanent) so the
 * listing does not change between the two reads. Run as root:
 *   deno run -A test/ipset/capture.ts
 */
import { messageBytes } from "../helpers/fixtures.ts";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Flags } from "../../src/wire/constants.ts";
import { nfnlMessage } from "../../src/netfilter/mod.ts";
import { IPSET_CMD, ipsetAttrs, NFNL_SUBSYS_IPSET } from "../../src/ipset/mod.ts";
import { writeAttrs } from "../../src/wire/schema.ts";
import { NetlinkSocket } from "../../src/socket/mod.ts";

/** The `ipset restore` script of the captured sets. */
export const SETUP = `create cap-ip hash:ip family inet timeout 600 counters comment maxelem 1000 hashsize 64
add cap-ip 10.0.0.1 timeout 0 packets 5 bytes 300 comment "hello world"
add cap-ip 10.0.0.2 timeout 0 packets 0 bytes 0
create cap-net6 hash:net family inet6
add cap-net6 2001:db8::/32
add cap-net6 2001:db8:1::/48 nomatch
add cap-net6 fd00::1
create cap-ipport hash:ip,port
add cap-ipport 192.0.2.1,tcp:80
add cap-ipport 192.0.2.1,udp:53
add cap-ipport 192.0.2.1,icmp:ping
add cap-ipport 192.0.2.1,icmp:3/8
create cap-iface hash:net,iface
add cap-iface 10.0.0.0/8,eth0
add cap-iface 10.1.0.0/16,physdev:br-port
create cap-ports bitmap:port range 1000-2000 timeout 60
add cap-ports 1500 timeout 0
create cap-list list:set size 8
add cap-list cap-ip
add cap-list cap-ipport before cap-ip
`;

if (import.meta.main) {
  const ns = `nlts-ips-capture-${process.pid}`;
  const root = new URL("./fixtures/", import.meta.url).pathname;
  mkdirSync(root, { recursive: true });
  execFileSync("ip", ["netns", "add", ns]);
  try {
    execFileSync("ip", ["netns", "exec", ns, "ipset", "restore"], { input: SETUP });
    await using sock = await NetlinkSocket.open("netfilter", { netns: ns });
    const w = nfnlMessage(NFNL_SUBSYS_IPSET, IPSET_CMD.LIST, Flags.DUMP, { family: 2 });
    writeAttrs(w, ipsetAttrs, { protocol: 7 });
    let i = 0;
    for await (const m of sock.dump(w.finish())) {
      const bytes = messageBytes(m);
      writeFileSync(
        `${root}list-${i++}.hex`,
        Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") + "\n",
      );
    }
    const xml = execFileSync("ip", ["netns", "exec", ns, "ipset", "list", "-o", "xml"], { encoding: "utf8" });
    writeFileSync(`${root}list-xml.txt`, xml);
    console.log(`${i} messages`);
  } finally {
    execFileSync("ip", ["netns", "del", ns]);
  }
}
