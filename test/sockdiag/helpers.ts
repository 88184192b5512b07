// Helpers of the sock_diag tests: child processes that own sockets inside a
// namespace, and a parser of `ss` text output (ss has no JSON).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";

/** A child process in a namespace that announced `READY <json>` on stdout. */
export interface Child<T = any> {
  /** What the child announced. */
  info: T;
  /** Its pid (the `ip netns exec` process execs node, so this is node). */
  pid: number;
  /** Every stdout line so far. */
  lines: string[];
  /** Waits until a stdout line matches. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** Sends a line to the child's stdin. */
  send(line: string): void;
  /** Kills the child (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `node -e script` inside `ns` and waits for its `READY <json>` line.
 * The script gets a `ready(obj)` function and reads commands from stdin if
 * it wants.
 */
export async function spawnNode<T = any>(ns: string, script: string, cmd = "node"): Promise<Child<T>> {
  const prelude = `const ready = (o) => console.log("READY " + JSON.stringify(o ?? {}));\n`;
  const args = cmd === "node"
    ? ["netns", "exec", ns, "node", "-e", prelude + script]
    : ["netns", "exec", ns, cmd, "-e", script];
  const proc: ChildProcess = spawn("ip", args, { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  let buffered = "";
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    proc.on("exit", () => {
      exited = true;
      resolve();
    })
  );
  proc.stdout!.setEncoding("utf8");
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (d: string) => (stderr += d));
  proc.stdout!.on("data", (d: string) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const waitFor = (re: RegExp, ms = 10_000): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.findIndex((w) => w.resolve === done), 1);
        reject(new Error(`child did not print ${re} in ${ms} ms; stdout: ${lines.join(" | ")}; stderr: ${stderr}`));
      }, ms);
      const done = (l: string) => {
        clearTimeout(timer);
        resolve(l);
      };
      waiters.push({ re, resolve: done });
      exitPromise.then(() => {
        if (waiters.some((w) => w.resolve === done)) {
          clearTimeout(timer);
          reject(new Error(`child exited before printing ${re}; stdout: ${lines.join(" | ")}; stderr: ${stderr}`));
        }
      });
    });
  };
  const stop = async () => {
    if (!exited) {
      proc.kill("SIGKILL");
      await exitPromise;
    }
  };
  try {
    const line = await waitFor(/^READY /);
    return {
      info: JSON.parse(line.slice(6)) as T,
      pid: proc.pid!,
      lines,
      waitFor,
      send: (l: string) => void proc.stdin!.write(l + "\n"),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Runs `ss ARGS` inside `ns` and returns stdout (ss's cgroup warnings on stderr are dropped). */
export function ss(ns: string, ...args: string[]): string {
  return execFileSync("ip", ["netns", "exec", ns, "ss", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
}

/** An address and port as ss prints them, normalized. */
export interface SsEndpoint {
  /** Address text; `*` (any) becomes `""`. */
  address: string;
  /** Port; `*` becomes 0. */
  port: number;
  /** `%dev` suffix, if any. */
  device?: string;
}

/** One line (plus continuation lines) of ss output. */
export interface SsRecord {
  netid?: string;
  /** `""` when ss left the column out (a single state was asked for). */
  state: string;
  recvQ: number;
  sendQ: number;
  local: string;
  peer: string;
  /** Every `key:value` token (last one wins), e.g. `ino`, `sk`, `uid`, `mss`, `wscale`, `timer`, `skmem`. */
  kv: Record<string, string>;
  /** Bare words: `ts`, `sack`, the congestion algorithm, `<->`… */
  words: string[];
  /** Words that take the next token as value: `send`, `pacing_rate`, `delivery_rate`. */
  pairs: Record<string, string>;
  /** UNIX only: local and peer inode columns. */
  localInode?: number;
  peerInode?: number;
  /** Tokens after `peers:` (unix pending connections). */
  peers?: number[];
}

const NETIDS = new Set(["u_str", "u_dgr", "u_seq", "tcp", "udp", "raw", "mptcp", "sctp", "p_raw", "p_dgr", "nl"]);
const PAIR_WORDS = new Set(["send", "pacing_rate", "delivery_rate", "max_pacing_rate"]);

/**
 * Parses `ss -H` output. Lines starting with whitespace continue the
 * previous record (`-i`, `-m`). For UNIX sockets (`unix: true`) the local
 * and peer columns are followed by an inode column each.
 */
export function parseSs(text: string, unix = false): SsRecord[] {
  const records: SsRecord[] = [];
  let tokens: string[][] = [];
  const flush = () => {
    if (tokens.length === 0) return;
    const first = tokens[0];
    const rest = tokens.slice(1).flat();
    let i = 0;
    const netid = NETIDS.has(first[0]) ? first[i++] : undefined;
    // ss leaves the State column out when a single state was asked for.
    const state = /^\d+$/.test(first[i]) ? "" : first[i++];
    const recvQ = Number(first[i++]);
    const sendQ = Number(first[i++]);
    const local = first[i++];
    const localInode = unix ? Number(first[i++]) : undefined;
    const peer = first[i++];
    const peerInode = unix ? Number(first[i++]) : undefined;
    const rec: SsRecord = { netid, state, recvQ, sendQ, local, peer, kv: {}, words: [], pairs: {} };
    if (unix) {
      rec.localInode = localInode;
      rec.peerInode = peerInode;
    }
    const extra = [...first.slice(i), ...rest];
    for (let j = 0; j < extra.length; j++) {
      const t = extra[j];
      if (t === "peers:") {
        rec.peers = [];
        while (j + 1 < extra.length && /^\d+$/.test(extra[j + 1])) rec.peers.push(Number(extra[++j]));
        continue;
      }
      if (PAIR_WORDS.has(t) && j + 1 < extra.length) {
        rec.pairs[t] = extra[++j];
        continue;
      }
      const colon = t.indexOf(":");
      if (colon > 0) rec.kv[t.slice(0, colon)] = t.slice(colon + 1);
      else rec.words.push(t);
    }
    records.push(rec);
    tokens = [];
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (/^\s/.test(line)) {
      if (tokens.length) tokens.push(line.trim().split(/\s+/));
      continue;
    }
    flush();
    tokens.push(line.trim().split(/\s+/));
  }
  flush();
  return records;
}

/** Splits `addr:port` as ss prints it (`[v6]:p`, `*:p`, `a%dev:p`, port `*`). */
export function endpoint(text: string): SsEndpoint {
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw new Error(`not an ss endpoint: ${text}`);
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  let device: string | undefined;
  const pct = host.lastIndexOf("%");
  if (pct >= 0) {
    device = host.slice(pct + 1);
    host = host.slice(0, pct);
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "*") host = "";
  return { address: host, port: portText === "*" ? 0 : Number(portText), device };
}

/** ss's form of an address we decoded: the any address as `""` (ss may print it as `*`). */
export function normAddress(address: string): string {
  return address === "0.0.0.0" || address === "::" ? "" : address;
}

/** Reads the running kernel's config option (`y`, `m`, `n`), or undefined when /proc/config.gz is missing. */
export function kernelConfig(option: string): "y" | "m" | "n" | undefined {
  let text: string;
  try {
    text = execFileSync("sh", ["-c", "zcat /proc/config.gz"], { encoding: "utf8", maxBuffer: 64 << 20 });
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${option}=(y|m)$`, "m").exec(text);
  return m ? (m[1] as "y" | "m") : "n";
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
