/**
 * Captures nf_tables messages from the kernel into test/nftables/fixtures/
 * (one message per .hex file): the ruleset of {@link CAPTURED} written with
 * `nft -f` in a namespace of its own, dumped kind by kind. Run as root:
 *   deno run -A test/nftables/capture.ts
 */
import { messageBytes } from "../helpers/fixtures.ts";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Flags } from "../../src/wire/constants.ts";
import { nfnlMessage } from "../../src/netfilter/mod.ts";
import { NFT_MSG, Nftables, setElemListAttrs } from "../../src/nftables/mod.ts";
import { writeAttrs } from "../../src/wire/schema.ts";

/** The ruleset the fixtures hold (its expressions include numgen, which this library keeps raw). */
export const CAPTURED = `
table inet cap {
  comment "captured"
  set iv { type ipv4_addr; flags interval; elements = { 10.0.0.0/8 } }
  set to { type ipv4_addr; flags timeout; timeout 1h; elements = { 1.2.3.4 timeout 30s comment "x" } }
  map vm { type inet_service : verdict; elements = { 22 : accept, 23 : drop } }
  counter cnt { }
  quota q { over 100 mbytes }
  limit l { rate 10/second }
  chain in {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    ip saddr 10.0.0.0/20 tcp dport 1000-2000 counter log prefix "p " accept comment "many"
    ip6 saddr ::1 limit rate 5/minute reject
    meta mark set numgen inc mod 2
    fib daddr type local accept
    tcp dport vmap @vm
    quota 10 mbytes drop
  }
  chain post { type nat hook postrouting priority 100; oifname "eth0" masquerade; }
}
`;

const root = new URL("./fixtures/", import.meta.url).pathname;

if (import.meta.main) {
  const ns = `nlts-nft-capture-${process.pid}`;
  execFileSync("ip", ["netns", "add", ns]);
  try {
    execFileSync("ip", ["netns", "exec", ns, "nft", "-f", "-"], { input: CAPTURED });
    await using client = await Nftables.open({ netns: ns });
    mkdirSync(root, { recursive: true });
    const kinds: [string, number, ((w: ReturnType<typeof nfnlMessage>) => void)?][] = [
      ["table", NFT_MSG.GETTABLE],
      ["chain", NFT_MSG.GETCHAIN],
      ["rule", NFT_MSG.GETRULE],
      ["set", NFT_MSG.GETSET],
      ["obj", NFT_MSG.GETOBJ],
      ["elem-iv", NFT_MSG.GETSETELEM, (w) => writeAttrs(w, setElemListAttrs, { table: "cap", set: "iv" })],
      ["elem-to", NFT_MSG.GETSETELEM, (w) => writeAttrs(w, setElemListAttrs, { table: "cap", set: "to" })],
      ["elem-vm", NFT_MSG.GETSETELEM, (w) => writeAttrs(w, setElemListAttrs, { table: "cap", set: "vm" })],
    ];
    for (const [name, msg, fill] of kinds) {
      const w = nfnlMessage(10, msg, Flags.DUMP, { family: 1 });
      fill?.(w);
      let i = 0;
      for await (const m of client.socket.dump(w.finish())) {
        const hex = Array.from(messageBytes(m), (b) => b.toString(16).padStart(2, "0")).join("");
        writeFileSync(`${root}${name}-${i++}.hex`, hex + "\n");
      }
      console.log(`${name}: ${i} messages`);
    }
  } finally {
    execFileSync("ip", ["netns", "del", ns]);
  }
}
