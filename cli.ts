/**
 * The nlts command line. `demo` lists the links and addresses of the current
 * namespace, then streams link events until Ctrl-C (or `--for SECONDS`).
 *
 * @example
 * ```sh
 * deno run -A jsr:@nlts/netlink/cli demo
 * ```
 *
 * @module
 */
import { Attrs, Flags, ipv4, ipv6, MessageWriter, NetlinkSocket, Overrun } from "./mod.ts";
import { RTM, RTNLGRP } from "./src/route/constants.ts";

async function demo(args: string[]): Promise<void> {
  const forIndex = args.indexOf("--for");
  const seconds = forIndex >= 0 ? Number(args[forIndex + 1]) : undefined;
  await using sock = await NetlinkSocket.open("route");
  const names = new Map<number, string>();
  const links = new MessageWriter(RTM.GETLINK, Flags.DUMP);
  links.struct(16);
  console.log("links:");
  for await (const msg of sock.dump(links.finish())) {
    const index = new DataView(msg.payload.buffer, msg.payload.byteOffset).getInt32(4, true);
    const attrs = Attrs.parse(msg.payload.subarray(16));
    names.set(index, attrs.str(3) ?? "?");
    console.log(`  ${index}: ${attrs.str(3)} mtu ${attrs.u32(4)} ${attrs.mac(1) ?? ""}`);
  }
  const addrs = new MessageWriter(RTM.GETADDR, Flags.DUMP);
  addrs.struct(8);
  console.log("addresses:");
  for await (const msg of sock.dump(addrs.finish())) {
    const family = msg.payload[0], prefix = msg.payload[1];
    const index = new DataView(msg.payload.buffer, msg.payload.byteOffset).getUint32(4, true);
    const attrs = Attrs.parse(msg.payload.subarray(8));
    const local = attrs.get(2) ?? attrs.get(1);
    if (!local) continue;
    console.log(`  ${names.get(index)}: ${family === 2 ? ipv4(local) : ipv6(local)}/${prefix}`);
  }
  console.log(`link events${seconds ? ` for ${seconds} s` : " (Ctrl-C to stop)"}:`);
  await using events = await NetlinkSocket.open("route", { groups: [RTNLGRP.LINK] });
  const signal = seconds ? AbortSignal.timeout(seconds * 1000) : undefined;
  try {
    for await (const item of events.notifications({ signal })) {
      if (item instanceof Overrun) {
        console.log("  (events lost: overrun)");
        continue;
      }
      const attrs = Attrs.parse(item.payload.subarray(16));
      console.log(`  ${item.type === RTM.NEWLINK ? "new" : "del"} link ${attrs.str(3)}`);
    }
  } catch (error) {
    if (!(signal?.aborted)) throw error;
  }
}

const argv: string[] = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
if (import.meta.main ?? true) {
  const [command, ...rest] = argv;
  if (command === "demo" || command === undefined) await demo(rest);
  else {
    console.error(`nlts: unknown command ${command}`);
    (globalThis as { process?: { exitCode?: number } }).process!.exitCode = 2;
  }
}
