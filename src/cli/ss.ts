/**
 * `nlts ss`, with ss's own flags: `-n` is numeric (addresses and ports are
 * always numeric here, so it changes nothing), the namespace is `-N NAME`
 * (`--net NAME`), `-p` maps socket inodes to processes through
 * `/proc/<pid>/fd` as ss does, and ss's filter words work: `state S`,
 * `exclude S`, `sport`/`dport` comparisons, `src`/`dst` prefixes, with
 * `and`, `or`, `not` and parentheses.
 *
 * @module
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { SockDiag } from "../sockdiag/client.ts";
import type { InetProtocol, InetSocket } from "../sockdiag/inet.ts";
import type { InetExtension } from "../sockdiag/constants.ts";
import type { UnixSocket } from "../sockdiag/unix.ts";
import { STATE_FILTERS, type TcpState } from "../sockdiag/constants.ts";
import { parseIP } from "../wire/values.ts";
import { NetlinkError } from "../wire/errors.ts";
import { toJson } from "../wire/json.ts";
import { UsageError } from "./args.ts";
import type { Cell } from "./format.ts";
import type { Command } from "./route.ts";

/** A socket of any kind, with the netid ss prints first. */
export type SsItem =
  & (InetSocket | UnixSocket)
  & { netid: string; processes?: SocketProcess[] };

/** A process holding a socket (`-p`), as ss prints `users:(("name",pid=N,fd=N))`. */
export interface SocketProcess {
  /** `/proc/PID/comm`. */
  name: string;
  /** Process id. */
  pid: number;
  /** The descriptor number. */
  fd: number;
}

/**
 * Socket inode → the processes holding it, read from `/proc/*\/fd` (each
 * descriptor that links to `socket:[INODE]`). Processes that end while
 * being read, or whose descriptors we may not read, are skipped.
 *
 * @example
 * ```ts
 * import { socketOwners } from "./ss.ts";
 * console.log(socketOwners().size);
 * ```
 */
export function socketOwners(proc = "/proc"): Map<number, SocketProcess[]> {
  const owners = new Map<number, SocketProcess[]>();
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((p) => /^\d+$/.test(p));
  } catch {
    return owners;
  }
  for (const pid of pids) {
    let fds: string[];
    let name: string;
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
      name = readFileSync(`${proc}/${pid}/comm`, "utf8").replace(/\n$/, "");
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (!m) continue;
      const inode = Number(m[1]);
      const list = owners.get(inode) ?? [];
      list.push({ name, pid: Number(pid), fd: Number(fd) });
      owners.set(inode, list);
    }
  }
  for (const list of owners.values()) list.sort((a, b) => a.pid - b.pid || a.fd - b.fd);
  return owners;
}

/** ss's text for `-p`: `users:(("sshd",pid=1,fd=3),…)`. */
export function usersText(list: readonly SocketProcess[] | undefined): string | undefined {
  if (!list?.length) return undefined;
  return `users:(${list.map((p) => `(${JSON.stringify(p.name)},pid=${p.pid},fd=${p.fd})`).join(",")})`;
}

// The filter: ss's grammar, as far as the common forms go.

/** A compiled filter: true when the socket is to be shown. */
export type SocketPredicate = (s: SsItem) => boolean;

/** What {@link parseSsFilter} found: the states asked for, and a predicate on the rest. */
export interface SsFilter {
  /** States from `state`/`exclude` words; undefined when none were given. */
  states?: Set<TcpState>;
  /** The rest of the expression; undefined when there is none. */
  predicate?: SocketPredicate;
}

const ALL_STATES = STATE_FILTERS.all;

function stateNames(word: string): readonly TcpState[] {
  const states = STATE_FILTERS[word.toLowerCase()];
  if (!states) {
    throw new UsageError(`ss: unknown state ${JSON.stringify(word)} (${Object.keys(STATE_FILTERS).join(", ")})`);
  }
  return states;
}

/** Splits the words of a filter into tokens: parentheses stand alone. */
function tokens(words: readonly string[]): string[] {
  return words.join(" ").replace(/([()])/g, " $1 ").trim().split(/\s+/).filter((t) => t !== "");
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  "=": (a, b) => a === b,
  "==": (a, b) => a === b,
  eq: (a, b) => a === b,
  "!=": (a, b) => a !== b,
  ne: (a, b) => a !== b,
  neq: (a, b) => a !== b,
  "<": (a, b) => a < b,
  lt: (a, b) => a < b,
  ">": (a, b) => a > b,
  gt: (a, b) => a > b,
  "<=": (a, b) => a <= b,
  le: (a, b) => a <= b,
  ">=": (a, b) => a >= b,
  ge: (a, b) => a >= b,
};

/** `:22`, `22`, `*:22`. */
function portOf(text: string): number {
  const m = /^(?:\*)?:?(\d+)$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n > 0xffff) throw new UsageError(`ss: ${JSON.stringify(text)} is not a port (:N)`);
  return n;
}

function bytesOf(text: string): Uint8Array | undefined {
  try {
    return parseIP(text);
  } catch {
    return undefined;
  }
}

/** True when the first `length` bits of `a` and `b` agree. */
function samePrefix(a: Uint8Array, b: Uint8Array, length: number): boolean {
  if (a.length !== b.length) return false;
  for (let bit = 0; bit < length; bit += 8) {
    const left = Math.min(8, length - bit);
    const mask = (0xff << (8 - left)) & 0xff;
    if ((a[bit >> 3] & mask) !== (b[bit >> 3] & mask)) return false;
  }
  return true;
}

/** `ADDR`, `ADDR/LEN`, `ADDR:PORT`, `[V6]:PORT`, `[V6]/LEN`, `*:PORT`. */
function endpointMatcher(text: string): (address: string, port: number) => boolean {
  let host = text;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+|\*))?$/.exec(text);
  if (bracket) {
    host = bracket[1];
    if (bracket[2] !== undefined && bracket[2] !== "*") port = portOf(bracket[2]);
  } else if (!text.includes("::") && /^[^:]*:(\d+|\*)$/.test(text)) {
    const at = text.lastIndexOf(":");
    host = text.slice(0, at);
    if (text.slice(at + 1) !== "*") port = portOf(text.slice(at + 1));
  }
  let match: (address: string) => boolean = () => true;
  if (host !== "" && host !== "*") {
    const [a, len] = host.split("/");
    const bytes = bytesOf(a);
    if (!bytes) throw new UsageError(`ss: ${JSON.stringify(text)} is not an address or prefix`);
    const length = len === undefined ? bytes.length * 8 : Number(len);
    if (!Number.isInteger(length) || length < 0 || length > bytes.length * 8) {
      throw new UsageError(`ss: bad prefix length in ${JSON.stringify(text)}`);
    }
    match = (address) => {
      const other = bytesOf(address);
      return other !== undefined && samePrefix(other, bytes, length);
    };
  }
  return (address, p) => (port === undefined || p === port) && match(address);
}

/**
 * Parses ss's filter words (after the flags): `state S`…, `exclude S`…, then
 * an expression of `sport|dport OP :PORT`, `src|dst [=] ADDR[/LEN][:PORT]`,
 * `and`, `or`, `not`, `!` and parentheses (ss's `autobound` and `dev` are not
 * supported).
 *
 * @example
 * ```ts
 * import { parseSsFilter } from "./ss.ts";
 * const f = parseSsFilter(["state", "listening", "(", "sport", "=", ":22", "or", "sport", "=", ":80", ")"]);
 * console.log([...f.states!]); // ["LISTEN"]
 * ```
 */
export function parseSsFilter(words: readonly string[]): SsFilter {
  const list = tokens(words);
  let states: Set<TcpState> | undefined;
  let at = 0;
  while (list[at] === "state" || list[at] === "exclude" || list[at] === "excl") {
    const word = list[at++];
    const name = list[at++];
    if (name === undefined) throw new UsageError(`ss: ${word} needs a state name`);
    const named = stateNames(name);
    if (word === "state") {
      states ??= new Set();
      for (const s of named) states.add(s);
    } else {
      states ??= new Set(ALL_STATES);
      for (const s of named) states.delete(s);
    }
  }
  if (at >= list.length) return { states };

  const peek = () => list[at];
  const next = () => list[at++];
  const expect = (what: string) => {
    const t = next();
    if (t === undefined) throw new UsageError(`ss: the filter ends where ${what} was expected`);
    return t;
  };
  const orExpr = (): SocketPredicate => {
    let left = andExpr();
    while (peek() === "or" || peek() === "||" || peek() === "|") {
      next();
      const a = left, b = andExpr();
      left = (s) => a(s) || b(s);
    }
    return left;
  };
  const andExpr = (): SocketPredicate => {
    let left = notExpr();
    for (;;) {
      const t = peek();
      if (t === undefined || t === ")" || t === "or" || t === "||" || t === "|") return left;
      if (t === "and" || t === "&&" || t === "&") next();
      const a = left, b = notExpr();
      left = (s) => a(s) && b(s);
    }
  };
  const notExpr = (): SocketPredicate => {
    const t = peek();
    if (t === "not" || t === "!") {
      next();
      const inner = notExpr();
      return (s) => !inner(s);
    }
    if (t === "(") {
      next();
      const inner = orExpr();
      if (next() !== ")") throw new UsageError("ss: a parenthesis is not closed");
      return inner;
    }
    return predicate();
  };
  const predicate = (): SocketPredicate => {
    const key = expect("a condition");
    if (key === "sport" || key === "dport") {
      let op = expect(`${key}'s comparison`);
      let value: string;
      if (Object.hasOwn(COMPARE, op)) value = expect(`${key}'s port`);
      else {
        value = op;
        op = "=";
      }
      const compare = COMPARE[op];
      const port = portOf(value);
      return key === "sport"
        ? (s) => s.family !== "unix" && compare((s as InetSocket).srcPort, port)
        : (s) => s.family !== "unix" && compare((s as InetSocket).dstPort, port);
    }
    if (key === "src" || key === "dst") {
      let value = expect(`${key}'s address`);
      if (value === "=" || value === "==" || value === "eq") value = expect(`${key}'s address`);
      const match = endpointMatcher(value);
      return key === "src"
        ? (s) => s.family !== "unix" && match((s as InetSocket).src, (s as InetSocket).srcPort)
        : (s) => s.family !== "unix" && match((s as InetSocket).dst, (s as InetSocket).dstPort);
    }
    throw new UsageError(`ss: unknown filter word ${JSON.stringify(key)}`);
  };
  const predicateAll = orExpr();
  if (at < list.length) throw new UsageError(`ss: unexpected ${JSON.stringify(list[at])} in the filter`);
  return { states, predicate: predicateAll };
}

// Output

/**
 * An address and port as ss (iproute2 6.x) prints them: IPv4 as is, IPv6 in
 * brackets, except `::` on a socket that is not IPV6_V6ONLY, which is `*`
 * (it takes IPv4 too); port 0 is `*`.
 */
function endpoint(address: string, port: number, v6only: boolean): string {
  const host = !address.includes(":") ? address : address === "::" && !v6only ? "*" : `[${address}]`;
  return `${host}:${port === 0 ? "*" : port}`;
}

/** The local and peer columns as ss prints them. */
function endpoints(s: SsItem): [string, string] {
  if (s.family === "unix") {
    const u = s as UnixSocket;
    return [`${u.name ?? "*"} ${u.inode}`, `* ${u.peer ?? 0}`];
  }
  const i = s as InetSocket;
  const v6only = i.v6only ?? false;
  return [endpoint(i.src, i.srcPort, v6only), endpoint(i.dst, i.dstPort, v6only)];
}

function extended(s: SsItem): string {
  const parts: string[] = [];
  if (s.family !== "unix") parts.push(`uid:${(s as InetSocket).uid}`);
  parts.push(`ino:${s.inode}`, `sk:${s.cookie.toString(16)}`);
  return parts.join(" ");
}

function info(s: SsItem): string | undefined {
  if (s.family === "unix") return undefined;
  const i = s as InetSocket;
  const t = i.tcpInfo;
  const parts: string[] = [];
  if (i.congestion) parts.push(i.congestion);
  if (t) {
    const r = t as unknown as Record<string, unknown>;
    const ms = (us: unknown) => typeof us === "number" ? String(us / 1000) : undefined;
    if (t.options.wscale) parts.push(`wscale:${t.sndWscale},${t.rcvWscale}`);
    parts.push(`rto:${ms(t.rto)}`);
    if (typeof r.rtt === "number") parts.push(`rtt:${ms(r.rtt)}/${ms(r.rttvar)}`);
    parts.push(`mss:${t.sndMss}`, `rcvmss:${t.rcvMss}`);
    if (typeof r.sndCwnd === "number") parts.push(`cwnd:${r.sndCwnd}`);
    if (r.bytesAcked !== undefined) parts.push(`bytes_acked:${r.bytesAcked}`);
    if (r.bytesReceived !== undefined) parts.push(`bytes_received:${r.bytesReceived}`);
  }
  return parts.length ? parts.join(" ") : undefined;
}

/** Columns of the table, by the flags given. */
function columns(options: Record<string, string | boolean>): string[] {
  const headers = ["netid", "state", "recv-q", "send-q", "local", "peer"];
  if (options.processes) headers.push("process");
  if (options.extended) headers.push("extended");
  if (options.info) headers.push("info");
  return headers;
}

function row(s: SsItem, options: Record<string, string | boolean>): Cell[] {
  const cells: Cell[] = [s.netid, s.state, s.rqueue, s.wqueue, ...endpoints(s)];
  if (options.processes) cells.push(usersText(s.processes));
  if (options.extended) cells.push(extended(s));
  if (options.info) cells.push(info(s));
  return cells;
}

function unixNetid(s: UnixSocket): string {
  return s.type === "stream" ? "u_str" : s.type === "dgram" ? "u_dgr" : s.type === "seqpacket" ? "u_seq" : "unix";
}

/** ss -s: how many sockets of each kind, and TCP's by state. */
function summary(items: readonly SsItem[]): Record<string, unknown> {
  const count = (f: (s: SsItem) => boolean) => items.filter(f).length;
  const tcp = items.filter((s) => s.netid === "tcp");
  return {
    total: items.length,
    tcp: {
      total: tcp.length,
      estab: tcp.filter((s) => s.state === "ESTAB").length,
      closed: tcp.filter((s) => s.state === "UNCONN").length,
      timewait: tcp.filter((s) => s.state === "TIME-WAIT").length,
      listen: tcp.filter((s) => s.state === "LISTEN").length,
    },
    transports: Object.fromEntries(
      ["tcp", "udp", "raw"].map((p) => [p, {
        total: count((s) => s.netid === p),
        ip: count((s) => s.netid === p && s.family === "inet"),
        ipv6: count((s) => s.netid === p && s.family === "inet6"),
      }]),
    ),
    unix: count((s) => s.family === "unix"),
  };
}

function summaryText(sum: ReturnType<typeof summary>): string {
  const tcp = sum.tcp as Record<string, number>;
  const transports = sum.transports as Record<string, Record<string, number>>;
  const lines = [
    `Total: ${sum.total}`,
    `TCP:   ${tcp.total} (estab ${tcp.estab}, closed ${tcp.closed}, timewait ${tcp.timewait}, listen ${tcp.listen})`,
    "",
    "Transport Total     IP        IPv6",
  ];
  for (const [name, t] of Object.entries(transports)) {
    lines.push(`${name.toUpperCase().padEnd(10)}${String(t.total).padEnd(10)}${String(t.ip).padEnd(10)}${t.ipv6}`);
  }
  lines.push(`UNIX      ${sum.unix}`);
  return lines.join("\n");
}

/** `ss`. */
export const ss: Command = {
  usage: "ss [-tuwx] [-l|-a] [-n] [-p] [-e] [-i] [-s] [-H] [-4|-6] [-N NAME] [state S…] [exclude S…] [FILTER]",
  description: "List sockets like ss: TCP (-t), UDP (-u), raw (-w), UNIX (-x); all four when none is given. " +
    "Connected sockets by default, listening ones with -l, every one with -a, or the states named by " +
    "`state S` (established, listening, connected, all…) and `exclude S`. FILTER is ss's: " +
    "`sport = :22`, `dport ge :1024`, `src 10.0.0.0/8`, `dst [::1]:443`, joined with and/or/not and " +
    "parentheses. Addresses are always numeric (-n is accepted and changes nothing). The namespace is -N NAME, as in ss.",
  options: [
    { names: ["-t", "--tcp"], key: "tcp", help: "TCP sockets" },
    { names: ["-u", "--udp"], key: "udp", help: "UDP sockets" },
    { names: ["-w", "--raw"], key: "raw", help: "raw sockets" },
    { names: ["-x", "--unix"], key: "unix", help: "UNIX sockets" },
    { names: ["-l", "--listening"], key: "listening", help: "listening (and unconnected) sockets only" },
    { names: ["-a", "--all"], key: "all", help: "sockets in every state" },
    { names: ["-n", "--numeric"], key: "numeric", help: "numeric addresses and ports (always so here)" },
    { names: ["-N", "--net"], key: "netns", value: "NAME", help: "run in the network namespace /run/netns/NAME" },
    { names: ["-p", "--processes"], key: "processes", help: "the processes using each socket (from /proc/*/fd)" },
    { names: ["-e", "--extended"], key: "extended", help: "uid, inode and cookie" },
    { names: ["-i", "--info"], key: "info", help: "TCP internals (tcp_info, congestion control)" },
    { names: ["-s", "--summary"], key: "summary", help: "counts of sockets by kind" },
    { names: ["-H", "--no-header"], key: "noHeader", help: "no header line" },
    { names: ["-4", "--ipv4"], key: "inet", help: "IPv4 only" },
    { names: ["-6", "--ipv6"], key: "inet6", help: "IPv6 only" },
  ],
  async run(ctx, positionals, options) {
    if (options.listening && options.all) throw new UsageError("-l and -a exclude each other");
    if (options.inet && options.inet6) throw new UsageError("-4 and -6 exclude each other");
    const filter = parseSsFilter(positionals);
    const wanted: Set<TcpState> = filter.states ??
      new Set(
        options.all ? ALL_STATES : options.listening ? ["LISTEN", "UNCONN"] as TcpState[] : STATE_FILTERS.connected,
      );
    // ss -s counts every socket whatever the state flags.
    const states = options.summary ? [...ALL_STATES] : [...wanted];
    const picked = (["tcp", "udp", "raw", "unix"] as const).filter((p) => options[p]);
    const protocols = picked.length ? picked : ["tcp", "udp", "raw", "unix"] as const;
    const fam = options.inet ? "inet" : options.inet6 ? "inet6" : undefined;
    const extensions: InetExtension[] = options.info ? ["info", "cong"] : [];
    const owners = options.processes ? socketOwners() : undefined;
    await using diag = await SockDiag.open({ netns: ctx.netns, trace: ctx.trace });
    const keep = (s: SsItem) => filter.predicate === undefined || filter.predicate(s);
    const headers = columns(options);
    const collected: SsItem[] = [];
    const listing = options.summary ? undefined : ctx.stream<SsItem>(headers, (s) => row(s, options), {
      header: !options.noHeader,
    });
    const emit = (s: SsItem) => {
      if (owners) {
        const list = owners.get(s.inode);
        if (list) s.processes = list;
      }
      if (!keep(s)) return;
      if (listing) listing.push(s);
      else collected.push(s);
    };
    try {
      for (const p of protocols) {
        if (p === "unix") {
          if (fam) continue;
          for await (const s of diag.unixSockets({ states })) emit({ netid: unixNetid(s), ...s });
          continue;
        }
        const protocol: InetProtocol = p;
        try {
          for await (const s of diag.inetSockets({ protocol, family: fam, states, extensions })) {
            emit({ netid: p, ...s });
          }
        } catch (error) {
          // A kernel without this protocol's diag module (raw_diag is often
          // missing) answers ENOENT: skip it unless it was asked for by name.
          if (picked.length || !(error instanceof NetlinkError && error.code === "ENOENT")) throw error;
        }
      }
    } finally {
      listing?.end();
    }
    if (options.summary) {
      const sum = summary(collected);
      ctx.io.out(ctx.json ? toJson(sum) : summaryText(sum));
    }
  },
};
