/**
 * Captures messages from the kernel into test/fuzz/fixtures/<family>/*.hex:
 * the seeds of the fuzz targets of families whose tests keep no captured
 * bytes. Run as root (it works in namespaces of its own, removed afterwards;
 * on the host it only reads: the generic netlink family list, the audit
 * status, process events of a `true` it starts):
 *   deno run -A test/fuzz/capture.ts
 */
import { messageBytes } from "../helpers/fixtures.ts";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Flags, MessageWriter, type NetlinkMessage, NetlinkSocket, Overrun, type ReceivedMessage } from "../../mod.ts";
import { encodeDumpRequest } from "../../src/netfilter/mod.ts";
import { encodeProcMcast } from "../../src/connector/mod.ts";

const root = new URL("./fixtures/", import.meta.url).pathname;
const ns = `nlts-rel-capture-${process.pid}`;
const other = `nlts-rel-capture2-${process.pid}`;
const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: "pipe" });
const ip = (...args: string[]) => sh("ip", "-n", ns, ...args);

function save(family: string, name: string, bytes: Uint8Array): void {
  mkdirSync(root + family, { recursive: true });
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  writeFileSync(`${root}${family}/${name}.hex`, hex + "\n");
  console.log(`${family}/${name}: ${bytes.length} bytes`);
}

async function dump(sock: NetlinkSocket, request: Uint8Array): Promise<NetlinkMessage[]> {
  const out: NetlinkMessage[] = [];
  for await (const m of sock.dump(request)) out.push(m);
  return out;
}

/** Collects notifications for `ms` after `act` ran. */
async function collect(sock: NetlinkSocket, act: () => void, ms = 300): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  const ac = new AbortController();
  const reading = (async () => {
    try {
      for await (const m of sock.notifications({ signal: ac.signal })) if (!(m instanceof Overrun)) out.push(m);
    } catch { /* aborted */ }
  })();
  act();
  await new Promise((r) => setTimeout(r, ms));
  ac.abort();
  await reading;
  return out;
}

sh("ip", "netns", "add", ns);
sh("ip", "netns", "add", other);
try {
  ip("link", "set", "lo", "up");

  // rtnetlink namespace ids.
  ip("netns", "set", other, "5");
  {
    await using s = await NetlinkSocket.open("route", { netns: ns });
    const w = new MessageWriter(90, /* RTM_GETNSID */ Flags.DUMP);
    w.struct(4);
    for (const [i, m] of (await dump(s, w.finish())).entries()) save("nsid", `nsid-${i}`, messageBytes(m));
  }

  // Conntrack entries of three protocols.
  const ct = (...a: string[]) => sh("ip", "netns", "exec", ns, "conntrack", "-I", ...a);
  ct(
    "-s",
    "10.0.0.1",
    "-d",
    "10.0.0.2",
    "-p",
    "tcp",
    "--sport",
    "1000",
    "--dport",
    "80",
    "--state",
    "ESTABLISHED",
    "-t",
    "100",
    "-u",
    "ASSURED",
    "-m",
    "7",
  );
  ct("-s", "2001:db8::1", "-d", "2001:db8::2", "-p", "udp", "--sport", "53", "--dport", "5353", "-t", "50");
  ct(
    "-s",
    "10.0.0.3",
    "-d",
    "10.0.0.4",
    "-p",
    "icmp",
    "--icmp-type",
    "8",
    "--icmp-code",
    "0",
    "--icmp-id",
    "9",
    "-t",
    "20",
  );
  {
    await using s = await NetlinkSocket.open("netfilter", { netns: ns });
    for (const [i, m] of (await dump(s, encodeDumpRequest())).entries()) save("conntrack", `ct-${i}`, messageBytes(m));
  }

  // XFRM states and policies, dumped and as events.
  {
    // Groups: XFRMNLGRP_ACQUIRE 1, EXPIRE 2, SA 3, POLICY 4.
    await using ev = await NetlinkSocket.open("xfrm", { netns: ns, groups: [3, 4] });
    const events = await collect(ev, () => {
      // This kernel has no ESP/AH/IPComp types: larval states from ALLOCSPI
      // need none, and policies none either.
      ip(
        "xfrm",
        "state",
        "allocspi",
        "src",
        "192.0.2.1",
        "dst",
        "192.0.2.2",
        "proto",
        "esp",
        "mode",
        "tunnel",
        "reqid",
        "7",
        "min",
        "0x100",
        "max",
        "0x200",
      );
      ip(
        "xfrm",
        "state",
        "allocspi",
        "src",
        "2001:db8::1",
        "dst",
        "2001:db8::2",
        "proto",
        "ah",
        "mode",
        "transport",
        "min",
        "0x300",
        "max",
        "0x300",
      );
      ip(
        "xfrm",
        "policy",
        "add",
        "src",
        "10.1.0.0/16",
        "dst",
        "10.2.0.0/16",
        "dir",
        "out",
        "priority",
        "10",
        "mark",
        "5",
        "mask",
        "0xff",
        "tmpl",
        "src",
        "192.0.2.1",
        "dst",
        "192.0.2.2",
        "proto",
        "esp",
        "reqid",
        "7",
        "mode",
        "tunnel",
      );
      ip(
        "xfrm",
        "policy",
        "add",
        "src",
        "2001:db8:1::/48",
        "dst",
        "2001:db8:2::/48",
        "proto",
        "tcp",
        "dport",
        "443",
        "dir",
        "in",
        "action",
        "block",
        "limit",
        "time-soft",
        "100",
      );
      ip(
        "xfrm",
        "policy",
        "add",
        "src",
        "10.3.0.0/16",
        "dst",
        "10.4.0.0/16",
        "dir",
        "fwd",
        "tmpl",
        "proto",
        "esp",
        "mode",
        "transport",
        "level",
        "use",
      );
      ip("xfrm", "policy", "del", "src", "10.3.0.0/16", "dst", "10.4.0.0/16", "dir", "fwd");
      ip("xfrm", "state", "del", "src", "2001:db8::1", "dst", "2001:db8::2", "proto", "ah", "spi", "0x300");
    });
    for (const [i, m] of events.entries()) save("xfrm-events", `event-${i}`, messageBytes(m));
    await using s = await NetlinkSocket.open("xfrm", { netns: ns });
    const states = new MessageWriter(18, /* XFRM_MSG_GETSA */ Flags.DUMP);
    states.struct(24);
    for (const [i, m] of (await dump(s, states.finish())).entries()) save("xfrm-state", `state-${i}`, messageBytes(m));
    const policies = new MessageWriter(21, /* XFRM_MSG_GETPOLICY */ Flags.DUMP);
    policies.struct(64);
    for (const [i, m] of (await dump(s, policies.finish())).entries()) {
      save("xfrm-policy", `policy-${i}`, messageBytes(m));
    }
  }

  // Uevents of net devices are sent in their namespace.
  {
    await using s = await NetlinkSocket.open("kobject_uevent", { netns: ns, groups: [1], framing: "raw" });
    const events = await collect(s, () => {
      ip("link", "add", "u0", "type", "veth", "peer", "name", "u1");
      ip("link", "set", "u0", "name", "u2");
      ip("link", "del", "u2");
    });
    for (const [i, m] of events.entries()) save("uevent", `uevent-${i}`, m.payload);
  }

  // Socket diagnostics of a TCP listener and unix sockets, in the namespace.
  {
    const py = "import socket,time\n" +
      "t=socket.socket(); t.bind(('127.0.0.1',5555)); t.listen()\n" +
      "c=socket.create_connection(('127.0.0.1',5555)); a,_=t.accept()\n" +
      "u=socket.socket(socket.AF_UNIX); u.bind('\\0nlts-rel-fuzz'); u.listen()\n" +
      "v=socket.socket(socket.AF_UNIX); v.connect('\\0nlts-rel-fuzz'); w,_=u.accept()\n" +
      "print('ready', flush=True); time.sleep(5)\n";
    const child = (await import("node:child_process")).spawn("ip", ["netns", "exec", ns, "python3", "-c", py], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((r) => child.stdout!.once("data", () => r()));
    const { encodeInetDumpRequest, encodeUnixDumpRequest } = await import("../../src/sockdiag/mod.ts");
    await using s = await NetlinkSocket.open("sock_diag", { netns: ns });
    const inet = await dump(
      s,
      encodeInetDumpRequest("inet", {
        extensions: ["meminfo", "info", "ccinfo", "cong", "tos", "skmeminfo", "shutdown"],
      }),
    );
    for (const [i, m] of inet.entries()) save("sockdiag-inet", `tcp-${i}`, messageBytes(m));
    const unix = await dump(s, encodeUnixDumpRequest());
    for (const [i, m] of unix.entries()) save("sockdiag-unix", `unix-${i}`, messageBytes(m));
    child.kill();
  }
} finally {
  sh("ip", "netns", "del", ns);
  sh("ip", "netns", "del", other);
}

// Read-only on the host: the generic netlink family list.
{
  await using s = await NetlinkSocket.open("generic");
  const w = new MessageWriter(0x10, /* GENL_ID_CTRL */ Flags.DUMP);
  w.struct(4).setUint8(0, 3); // CTRL_CMD_GETFAMILY
  const families = await dump(s, w.finish());
  for (const [i, m] of families.slice(0, 8).entries()) save("genl-ctrl", `family-${i}`, messageBytes(m));
}

// Process events of one `true` (listening changes nothing).
{
  await using s = await NetlinkSocket.open("connector", { groups: [1] /* CN_IDX_PROC */ });
  s.send(encodeProcMcast("listen"));
  const events = await collect(s, () => void spawnSync("true"), 500);
  s.send(encodeProcMcast("ignore"));
  const mine = events.filter((m) => m.source === 0).slice(0, 12);
  for (const [i, m] of mine.entries()) save("connector", `proc-${i}`, messageBytes(m));
}

// The audit status (AUDIT_GET, read-only); the reply follows the ACK.
try {
  await using s = await NetlinkSocket.open("audit");
  const [reply] = await s.request(new MessageWriter(1000 /* AUDIT_GET */).finish(), { ack: false });
  save("audit-status", "status", messageBytes(reply));
} catch (e) {
  console.log(`audit: ${(e as Error).message}`);
}
