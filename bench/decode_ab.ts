/**
 * The schema decoders against the hand-written ones they replaced, on the
 * same kernel messages: each workload is dumped once from a private
 * namespace (100,000 routes, 10,000 addresses, 1,000 links by default), the
 * messages are kept, and each round decodes all of them with each contender
 * (order rotating per round; at least 100,000 decodes per round, the list
 * repeated), timed in-process around the decode loop only.
 * The two are checked to give deep-equal objects first. Reported: min /
 * median / max of each time, and of the ratio schema ÷ hand taken per round.
 *
 * The families on the schema since (conntrack, xfrm states and policies:
 * 5,000 conntrack entries, 2,000 SAs, 2,000 policies by default; NFQUEUE
 * packets and NFLOG entries: 500 each, UDP over loopback, IPv4 and IPv6,
 * with uid/gid, as the kernel queued and logged them)
 * are timed the same way against their old `Attrs.parse` decoders
 * (`bench/hand/`).
 *
 * Usage:
 *   deno run -A bench/decode_ab.ts [routes=100000] [addresses=10000] [links=1000] [rounds=15]
 *     [conntrack=5000] [states=2000] [policies=2000] [nfpackets=500]
 *   bun bench/decode_ab.ts …
 * (a count of 0 skips that workload).
 */
import { deepStrictEqual } from "node:assert/strict";
import { Flags, MessageWriter, type NetlinkMessage, NetlinkSocket, parseMessages } from "../mod.ts";
import { decodeRoute, encodeGetRoutes } from "../src/route/route.ts";
import { rtmName } from "../src/route/constants.ts";
import { decodeRouteHand } from "./hand/route.ts";
import { decodeAddressHand } from "./hand/address.ts";
import { decodeAddress } from "../src/route/address.ts";
import { decodeLinkHand } from "./hand/link.ts";
import { decodeLink } from "../src/route/link.ts";
import { decodeConntrackHand } from "./hand/conntrack.ts";
import { decodeConntrack, encodeDumpRequest } from "../src/netfilter/conntrack.ts";
import { Conntrack } from "../src/netfilter/mod.ts";
import { describeNfnlType } from "../src/netfilter/nfnetlink.ts";
import { decodePolicyHand, decodeStateHand } from "./hand/xfrm.ts";
import { decodePolicy, decodeState, encodeState, Xfrm, xfrmMessageName, XfrmMsg } from "../src/xfrm/mod.ts";
import { decodeQueuePacket } from "../src/netfilter/queue.ts";
import { decodeLogEntry } from "../src/netfilter/log.ts";
import { NfInstance, type NfInstanceKind } from "../src/netfilter/instance.ts";
import { logConfigAttrs, queueConfigAttrs } from "../src/netfilter/schema.ts";
import { decodeLogEntryHand, decodeQueuePacketHand } from "./hand/nfpacket.ts";
import { Overrun } from "../src/wire/errors.ts";
import { execFileSync } from "node:child_process";
import {
  addAddresses,
  addLinks,
  addRoutes,
  args,
  ipBatch,
  makeNetns,
  median,
  report,
  runtime,
  spread,
} from "./common.ts";

const routes = Number(args[0] ?? 100_000);
const addresses = Number(args[1] ?? 10_000);
const links = Number(args[2] ?? 1_000);
const rounds = Number(args[3] ?? 15);
const conntrack = Number(args[4] ?? 5_000);
const states = Number(args[5] ?? 2_000);
const policies = Number(args[6] ?? 2_000);
const nfpackets = Number(args[7] ?? 500);

interface Workload {
  tag: string;
  count: number;
  setup(ns: string): void | Promise<void>;
  /** The netlink protocol to dump over (default route). */
  protocol?: "route" | "netfilter" | "xfrm";
  /** Messages made or captured here instead of dumped (what a dump cannot give). */
  messages?: (ns: string) => NetlinkMessage[] | Promise<NetlinkMessage[]>;
  request: Uint8Array;
  type: number;
  contenders: [string, (m: NetlinkMessage) => unknown][];
}

function dumpRequest(type: number, header: number): Uint8Array {
  const m = new MessageWriter(type, Flags.DUMP);
  m.struct(header);
  return m.finish();
}

const workloads: Workload[] = [
  {
    tag: "routes",
    count: routes,
    setup: (ns) => addRoutes(ns, routes),
    request: encodeGetRoutes({ table: "all" }),
    type: 24,
    contenders: [["hand", decodeRouteHand], ["schema", decodeRoute]],
  },
  {
    tag: "addresses",
    count: addresses,
    setup: (ns) => addAddresses(ns, addresses),
    request: dumpRequest(22, 8),
    type: 20,
    contenders: [["hand", decodeAddressHand], ["schema", decodeAddress]],
  },
  {
    tag: "links",
    count: links,
    setup: (ns) => addLinks(ns, links),
    request: dumpRequest(18, 16),
    type: 16,
    contenders: [["hand", decodeLinkHand], ["schema", decodeLink]],
  },
  {
    tag: "conntrack",
    count: conntrack,
    setup: (ns) => addConntrack(ns, conntrack),
    protocol: "netfilter",
    request: encodeDumpRequest(),
    type: 0x100, // IPCTNL_MSG_CT_NEW
    contenders: [["hand", decodeConntrackHand], ["schema", decodeConntrack]],
  },
  {
    tag: "xfrm-states",
    count: states,
    setup: (ns) => addLarvalStates(ns, states),
    protocol: "xfrm",
    request: dumpRequest(XfrmMsg.GETSA, 0),
    type: XfrmMsg.NEWSA,
    contenders: [["hand", decodeStateHand], ["schema", decodeState]],
  },
  {
    tag: "xfrm-states-encoded",
    count: states,
    setup: () => {},
    messages: () => encodedStates(states),
    request: new Uint8Array(0),
    type: XfrmMsg.NEWSA,
    contenders: [["hand", decodeStateHand], ["schema", decodeState]],
  },
  {
    tag: "xfrm-policies",
    count: policies,
    setup: (ns) => ipBatch(ns, xfrmPolicyLines(policies)),
    protocol: "xfrm",
    request: dumpRequest(XfrmMsg.GETPOLICY, 0),
    type: XfrmMsg.NEWPOLICY,
    contenders: [["hand", decodePolicyHand], ["schema", decodePolicy]],
  },
  {
    tag: "nfqueue-packets",
    count: nfpackets,
    setup: () => {},
    messages: (ns) => capturePackets(ns, "queue", nfpackets),
    request: new Uint8Array(0),
    type: 0x300, // NFQNL_MSG_PACKET
    contenders: [["hand", decodeQueuePacketHand], ["schema", decodeQueuePacket]],
  },
  {
    tag: "nflog-entries",
    count: nfpackets,
    setup: () => {},
    messages: (ns) => capturePackets(ns, "log", nfpackets),
    request: new Uint8Array(0),
    type: 0x400, // NFULNL_MSG_PACKET
    contenders: [["hand", decodeLogEntryHand], ["schema", decodeLogEntry]],
  },
];

/**
 * `count` packets as the kernel queues (NFQUEUE 3) or logs (NFLOG group 3,
 * prefix "bench") them: UDP datagrams of 64 bytes sent over loopback in `ns`,
 * alternately IPv4 and IPv6, with uid/gid (no conntrack nest: this kernel
 * refuses it for both with EOPNOTSUPP). Read raw
 * from the instance's socket (queued packets get no verdict: they are
 * dropped when the queue closes).
 */
async function capturePackets(ns: string, what: "queue" | "log", count: number): Promise<NetlinkMessage[]> {
  const queue = what === "queue";
  const target = queue ? ["NFQUEUE", "--queue-num", "3"] : ["NFLOG", "--nflog-group", "3", "--nflog-prefix", "bench"];
  for (const cmd of ["iptables", "ip6tables"]) {
    execFileSync("ip", [
      "netns",
      "exec",
      ns,
      cmd,
      "-w",
      "-A",
      "OUTPUT",
      "-p",
      "udp",
      "--dport",
      "9999",
      "-j",
      ...target,
    ]);
  }
  const kind: NfInstanceKind = queue
    ? { subsys: 3, config: 2, configAttrs: queueConfigAttrs, packet: 0x300 }
    : { subsys: 4, config: 1, configAttrs: logConfigAttrs, packet: 0x400 };
  const inst = await NfInstance.open(kind, {
    resId: 3,
    bind: { cmd: { command: 1, pf: 2 } },
    configure: queue
      ? { params: { copyRange: 0xffff, copyMode: 2 }, queueMaxlen: count + 100, mask: 8, flags: 8 } // uid/gid
      : { mode: { copyRange: 0xffff, copyMode: 2 }, qthresh: 1, flags: 1 }, // seq (NFULNL_CFG_F_CONNTRACK: EOPNOTSUPP here)
    unbind: { cmd: { command: 2 } },
    netns: ns,
    rcvbuf: 16 << 20,
  });
  try {
    const send = `const d = require("dgram"); const n = ${count}; let i = 0;
      const s4 = d.createSocket("udp4"), s6 = d.createSocket("udp6"); const b = Buffer.alloc(64, 120);
      const next = () => { if (i === n) { s4.close(); s6.close(); return; }
        const v6 = i++ % 2 === 1; (v6 ? s6 : s4).send(b, 9999, v6 ? "::1" : "127.0.0.1", next); }; next();`;
    execFileSync("ip", ["netns", "exec", ns, "node", "-e", send]);
    const out: NetlinkMessage[] = [];
    for await (const m of inst.stream({ signal: AbortSignal.timeout(10_000) }, (m) => m, { before: () => false })) {
      if (m instanceof Overrun) throw new Error("packets were lost while capturing");
      out.push({ type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, payload: m.payload.slice() });
      if (out.length === count) break;
    }
    return out;
  } finally {
    await inst.close();
  }
}

/**
 * `count` conntrack entries: UDP and TCP (with a TCP state), half with a
 * mark and labels, with counters and timestamps switched on.
 */
async function addConntrack(ns: string, count: number): Promise<void> {
  for (const s of ["net.netfilter.nf_conntrack_acct=1", "net.netfilter.nf_conntrack_timestamp=1"]) {
    execFileSync("ip", ["netns", "exec", ns, "sysctl", "-qw", s]);
  }
  await using ct = await Conntrack.open({ netns: ns });
  for (let i = 0; i < count; i++) {
    const tcp = i % 2 === 0;
    await ct.create({
      orig: {
        src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        dst: "192.0.2.1",
        protocol: tcp ? "tcp" : "udp",
        srcPort: 1024 + (i % 60000),
        dstPort: tcp ? 443 : 53,
      },
      timeout: 600,
      status: ["seen-reply"],
      ...(tcp ? { tcpState: "ESTABLISHED" as const } : {}),
      ...(i % 4 < 2 ? { mark: i, labels: [1, 70] } : {}),
    });
  }
}

/**
 * Reserves `count` larval SAs (`allocSpi`, in-process: `ip -batch` would
 * block on its own output): this kernel has no esp4/esp6/ah, so whole SAs
 * cannot be installed; see `encodedStates`.
 */
async function addLarvalStates(ns: string, count: number): Promise<void> {
  await using x = await Xfrm.open({ netns: ns });
  for (let i = 0; i < count; i++) {
    const spi = 0x1000 + i;
    await x.allocSpi({ src: "192.0.2.1", dst: `10.${(i >> 8) & 255}.${i & 255}.1`, reqid: i + 1, min: spi, max: spi });
  }
}

/**
 * `count` whole SAs as `encodeState` writes them (auth-trunc, crypt, a mark,
 * every third with NAT-T and ESN): the layout of the kernel's
 * `XFRM_MSG_NEWSA` (usersa_info, then attributes), for what the kernel here
 * cannot install.
 */
function encodedStates(count: number): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  for (let i = 0; i < count; i++) {
    const extra = i % 3 === 0;
    const bytes = encodeState({
      src: "192.0.2.1",
      dst: `10.${(i >> 8) & 255}.${i & 255}.1`,
      proto: "esp",
      spi: 0x1000 + i,
      mode: "tunnel",
      reqid: i,
      auth: { name: "hmac(sha256)", key: "0x" + "11".repeat(32), truncLength: 128 },
      crypt: { name: "cbc(aes)", key: "0x" + "22".repeat(16) },
      mark: { value: i },
      ...(extra
        ? { encap: { type: "espinudp" as const, sport: 4500, dport: 4500 }, replayEsn: { replayWindow: 128 } }
        : {}),
    });
    out.push(parseMessages(bytes)[0]);
  }
  return out;
}

/** `ip -batch` lines adding `count` policies with one tunnel template each (every third with a mark). */
function xfrmPolicyLines(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const mark = i % 3 === 0 ? ` mark ${i}` : "";
    lines.push(
      `xfrm policy add src 10.1.${(i >> 8) & 255}.${i & 255}/32 dst 10.2.0.0/16 dir out priority ${i}${mark} ` +
        `tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid ${i} mode tunnel`,
    );
  }
  return lines.join("\n") + "\n";
}

const describe = { route: rtmName, netfilter: describeNfnlType, xfrm: xfrmMessageName };

for (const w of workloads) {
  if (w.count <= 0) continue;
  const { ns, remove } = makeNetns(`ab${w.tag}`);
  try {
    await w.setup(ns);
    const messages: NetlinkMessage[] = (await w.messages?.(ns)) ?? [];
    if (!w.messages) {
      const protocol = w.protocol ?? "route";
      await using sock = await NetlinkSocket.open(protocol, { netns: ns, describeType: describe[protocol] });
      for await (const m of sock.dump(w.request)) if (m.type === w.type) messages.push(m);
    }
    // The same objects, but for the two flag fields schema `unknown` entries carry (`Attr`) and the hand ones did not.
    const plain = (x: unknown) => {
      const o = x as { unknown?: { type: number; value: Uint8Array }[] };
      return o.unknown ? { ...o, unknown: o.unknown.map(({ type, value }) => ({ type, value })) } : o;
    };
    for (const m of messages) deepStrictEqual(plain(w.contenders[1][1](m)), plain(w.contenders[0][1](m)));
    // Each round decodes at least 100,000 messages (the list again and again).
    const reps = Math.max(1, Math.ceil(100_000 / messages.length));
    const times: number[][] = w.contenders.map(() => []);
    let sink = 0;
    for (let i = -2; i < rounds; i++) { // two warm-up rounds
      for (let k = 0; k < w.contenders.length; k++) {
        const c = (i + 2 + k) % w.contenders.length;
        const decode = w.contenders[c][1];
        const t = performance.now();
        for (let r = 0; r < reps; r++) for (const m of messages) if (decode(m)) sink++;
        if (i >= 0) times[c].push(performance.now() - t);
      }
    }
    const ratio = times[1].map((t, i) => t / times[0][i]);
    report(
      `${runtime} decode ${messages.length} ${w.tag} × ${reps} (${
        sink > 0 ? rounds : 0
      } rounds), min / median / max ms: ` +
        w.contenders.map(([name], c) => `${name} ${spread(times[c], 1)}`).join(", ") +
        `; per round ${w.contenders[1][0]}/${w.contenders[0][0]} ${spread(ratio, 2)} (median ${
          median(ratio).toFixed(2)
        })`,
    );
  } finally {
    remove();
  }
}
