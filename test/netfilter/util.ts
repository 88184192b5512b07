// Helpers of the netfilter tests: iptables, traffic over loopback inside a
// namespace (node child processes), and the `conntrack` tool as the oracle.
import { spawn } from "node:child_process";
import { sh } from "../helpers/netns.ts";

/**
 * The iptables binary: Debian's `iptables` alternative (nft backend) unless
 * NLTS_IPTABLES names another (`iptables-legacy`); ip6tables follows suit.
 */
const IPTABLES = process.env.NLTS_IPTABLES ?? "iptables";
const IP6TABLES = IPTABLES.replace(/^iptables/, "ip6tables");

/** `iptables` inside `ns`. */
export function ipt(ns: string, ...args: string[]): string {
  return sh("ip", ["netns", "exec", ns, IPTABLES, "-w", ...args]);
}

/** `ip6tables` inside `ns`. */
export function ip6t(ns: string, ...args: string[]): string {
  return sh("ip", ["netns", "exec", ns, IP6TABLES, "-w", ...args]);
}

/** `sysctl -w` inside `ns`. */
export function sysctl(ns: string, setting: string): void {
  sh("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", setting]);
}

/** Packet count of the first rule of `chain` whose text contains `match` (iptables -L -v -x). */
export function ruleCount(ns: string, v6: boolean, table: string, chain: string, match: string): number {
  const out = sh("ip", [
    "netns",
    "exec",
    ns,
    v6 ? IP6TABLES : IPTABLES,
    "-w",
    "-t",
    table,
    "-L",
    chain,
    "-v",
    "-x",
    "-n",
  ]);
  for (const line of out.split("\n")) {
    if (line.includes(match)) return Number(line.trim().split(/\s+/)[0]);
  }
  throw new Error(`no rule matching ${match} in ${table}/${chain}:\n${out}`);
}

/** Runs a node script inside `ns`; resolves with its stdout (rejects on a non-zero exit). */
export function nodeIn(ns: string, script: string, args: string[] = [], uid?: number): Promise<string> {
  const cmd = uid === undefined ? ["netns", "exec", ns, "node", "-e", script, "--", ...args] : [
    "netns",
    "exec",
    ns,
    "setpriv",
    `--reuid=${uid}`,
    `--regid=${uid}`,
    "--clear-groups",
    "node",
    "-e",
    script,
    "--",
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("ip", cmd, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`node exited ${code}: ${err}`))));
  });
}

const SEND = `
const [host, port, ...texts] = process.argv.slice(1);
const s = require("dgram").createSocket(host.includes(":") ? "udp6" : "udp4");
(async () => {
  for (const t of texts) {
    await new Promise((r, j) => s.send(t, Number(port), host, (e) => (e ? j(e) : r())));
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(s.address().port);
  s.close();
})();
`;

/** Sends one UDP datagram per text to host:port from one socket; resolves with the source port. */
export async function udpSend(ns: string, host: string, port: number, texts: string[], uid?: number): Promise<number> {
  return Number((await nodeIn(ns, SEND, [host, String(port), ...texts], uid)).trim());
}

const RECEIVE = `
const [host, port, ms] = process.argv.slice(1);
const s = require("dgram").createSocket(host.includes(":") ? "udp6" : "udp4");
s.on("message", (m) => console.log(m.toString()));
s.bind(Number(port), host, () => console.log("READY"));
setTimeout(() => s.close(), Number(ms));
`;

/** A UDP receiver in `ns` that records what arrives for `ms` milliseconds. */
export function udpReceiver(ns: string, host: string, port: number, ms: number): {
  ready: Promise<void>;
  received: Promise<string[]>;
} {
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const received = new Promise<string[]>((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", ns, "node", "-e", RECEIVE, "--", host, String(port), String(ms)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "", err = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("READY\n")) onReady();
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`receiver exited ${code}: ${err}`));
      else resolve(out.split("\n").filter((l) => l && l !== "READY"));
    });
  });
  received.catch(() => onReady());
  return { ready, received };
}

const TCP = `
const [host, port] = process.argv.slice(1);
const net = require("net");
const srv = net.createServer((s) => s.on("data", () => s.end("bye")));
srv.listen(Number(port), host, () => {
  const c = net.connect(Number(port), host, () => c.write("hello"));
  c.on("data", () => { console.log(c.localPort); c.end(); srv.close(); });
});
`;

/** Opens a TCP connection over loopback in `ns`, exchanges data and closes it; resolves with the client port. */
export async function tcpExchange(ns: string, host: string, port: number): Promise<number> {
  return Number((await nodeIn(ns, TCP, [host, String(port)])).trim());
}

/** One flow as `conntrack -L -o xml` prints it. */
export interface XmlFlow {
  orig: XmlTuple;
  reply: XmlTuple;
  state?: string;
  timeout?: number;
  mark?: number;
  use?: number;
  id?: number;
  zone?: number;
  flags: string[];
}

/** One direction of an {@link XmlFlow}. */
export interface XmlTuple {
  l3: string;
  src: string;
  dst: string;
  protonum: number;
  sport?: number;
  dport?: number;
  packets?: number;
  bytes?: number;
}

function tag(text: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
}

function num(text: string, name: string): number | undefined {
  const v = tag(text, name);
  return v === undefined ? undefined : Number(v);
}

function xmlTuple(meta: string): XmlTuple {
  return {
    l3: /<layer3 protonum="\d+" protoname="([^"]+)"/.exec(meta)![1],
    src: tag(meta, "src")!,
    dst: tag(meta, "dst")!,
    protonum: Number(/<layer4 protonum="(\d+)"/.exec(meta)![1]),
    sport: num(meta, "sport"),
    dport: num(meta, "dport"),
    packets: num(meta, "packets"),
    bytes: num(meta, "bytes"),
  };
}

/** Parses `conntrack -L -o xml` output. */
export function parseConntrackXml(xml: string): XmlFlow[] {
  const flows: XmlFlow[] = [];
  for (const m of xml.matchAll(/<flow>(.*?)<\/flow>/gs)) {
    const body = m[1];
    const meta = (dir: string) => new RegExp(`<meta direction="${dir}">(.*?)</meta>`, "s").exec(body)?.[1] ?? "";
    const ind = meta("independent");
    const flags = [...ind.matchAll(/<(\w+)\/>/g)].map((f) => f[1]);
    flows.push({
      orig: xmlTuple(meta("original")),
      reply: xmlTuple(meta("reply")),
      state: tag(ind, "state"),
      timeout: num(ind, "timeout"),
      mark: num(ind, "mark"),
      use: num(ind, "use"),
      id: num(ind, "id"),
      zone: num(ind, "zone"),
      flags,
    });
  }
  return flows;
}

/** `conntrack -L -o xml [filters…]` inside `ns`, parsed. */
export function conntrackList(ns: string, ...filters: string[]): XmlFlow[] {
  // conntrack prints its summary on stderr; stdout is the XML.
  const out = sh("ip", ["netns", "exec", ns, "conntrack", "-L", "-o", "xml", ...filters]);
  return parseConntrackXml(out);
}

/** Waits until `check` returns true, polling every 20 ms, or throws after `ms`. */
export async function until(check: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
