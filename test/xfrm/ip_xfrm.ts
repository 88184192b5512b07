// Parsers for the text `ip -s xfrm state|policy|monitor` prints (iproute2 has
// no JSON for xfrm). Each returns plain objects in the shape of ours, so a
// test can compare field by field.
const L4: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, "ipv6-icmp": 58, sctp: 132, gre: 47 };

export interface IpSelector {
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  user?: number;
}

export interface IpLifetime {
  softByteLimit: number;
  hardByteLimit: number;
  softPacketLimit: number;
  hardPacketLimit: number;
  softAddExpiresSeconds: number;
  hardAddExpiresSeconds: number;
  softUseExpiresSeconds: number;
  hardUseExpiresSeconds: number;
}

export interface IpAlgo {
  name: string;
  key: string;
  keyBits?: number;
  bits?: number;
}

export interface IpState {
  src: string;
  dst: string;
  proto: string;
  spi: number;
  reqid: number;
  mode: string;
  replayWindow: number;
  flags: string[];
  mark?: { value: number; mask: number };
  outputMark?: { value: number; mask: number };
  auth?: IpAlgo;
  authTrunc?: IpAlgo;
  enc?: IpAlgo;
  aead?: IpAlgo;
  comp?: IpAlgo;
  encap?: { type: string; sport: number; dport: number; addr: string };
  esn?: { seqHi: number; seq: number; oseqHi: number; oseq: number; replayWindow: number; bitmapLength: number };
  replay?: { seq: number; oseq: number; bitmap: number };
  ifId?: number;
  tfcpad?: number;
  sel: IpSelector;
  lifetime?: IpLifetime;
  current?: { bytes: number; packets: number };
  stats?: { replayWindow: number; replay: number; failed: number };
}

export interface IpTemplate {
  src: string;
  dst: string;
  proto: string;
  spi: number;
  reqid: number;
  mode: string;
  level: "use" | "required";
  share?: string;
  ealgos?: number;
  aalgos?: number;
  calgos?: number;
}

export interface IpPolicy {
  sel: IpSelector;
  dir: string;
  action: string;
  index?: number;
  priority: number;
  ptype: string;
  share?: string;
  flags: string[];
  mark?: { value: number; mask: number };
  ifId?: number;
  lifetime?: IpLifetime;
  templates: IpTemplate[];
}

function blocks(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) out.push([line.trim()]);
    else out[out.length - 1]?.push(line.trim());
  }
  return out;
}

function num(s: string): number {
  return s.startsWith("0x") ? parseInt(s, 16) : Number(s);
}

function inf(s: string): number {
  return s === "(INF)" ? Infinity : Number(s);
}

function selector(line: string): IpSelector {
  const words = line.split(/\s+/);
  const sel: IpSelector = { src: "", dst: "", proto: 0, sport: 0, dport: 0 };
  for (let i = 0; i < words.length; i++) {
    const [k, v] = [words[i], words[i + 1]];
    if (k === "src") sel.src = v, i++;
    else if (k === "dst") sel.dst = v, i++;
    else if (k === "proto") sel.proto = L4[v] ?? Number(v), i++;
    else if (k === "sport") sel.sport = Number(v), i++;
    else if (k === "dport") sel.dport = Number(v), i++;
    else if (k === "uid") sel.user = Number(v), i++;
  }
  return sel;
}

function mark(s: string): { value: number; mask: number } {
  const [v, m] = s.split("/");
  return { value: num(v), mask: num(m) };
}

function lifetimeLine(lt: IpLifetime, line: string): boolean {
  let m;
  if ((m = /^limit: soft (\S+)\(bytes\), hard (\S+)\(bytes\)/.exec(line))) {
    lt.softByteLimit = inf(m[1]), lt.hardByteLimit = inf(m[2]);
  } else if ((m = /^limit: soft (\S+)\(packets\), hard (\S+)\(packets\)/.exec(line))) {
    lt.softPacketLimit = inf(m[1]), lt.hardPacketLimit = inf(m[2]);
  } else if ((m = /^expire add: soft (\d+)\(sec\), hard (\d+)\(sec\)/.exec(line))) {
    lt.softAddExpiresSeconds = Number(m[1]), lt.hardAddExpiresSeconds = Number(m[2]);
  } else if ((m = /^expire use: soft (\d+)\(sec\), hard (\d+)\(sec\)/.exec(line))) {
    lt.softUseExpiresSeconds = Number(m[1]), lt.hardUseExpiresSeconds = Number(m[2]);
  } else return false;
  return true;
}

// "auth-trunc NAME 0xKEY [(N bits)] [TRUNC]"
function algo(w: string[]): IpAlgo {
  const a: IpAlgo = { name: w[1], key: w[2] ?? "" };
  let i = 3;
  if (w[i]?.startsWith("(")) {
    a.keyBits = Number(w[i].slice(1));
    i += 2;
  }
  if (w[i] !== undefined && w[i] !== "") a.bits = Number(w[i]);
  return a;
}

function flagList(words: string[]): string[] {
  return words.filter((w) => w !== "" && !w.startsWith("("));
}

/** Parses `ip [-s] xfrm state` (or the SA blocks of `ip xfrm monitor`). */
export function parseStates(text: string): IpState[] {
  const out: IpState[] = [];
  for (const b of blocks(text)) {
    const head = /^src (\S+) dst (\S+)$/.exec(b[0]);
    if (!head || !b[1]?.startsWith("proto ")) continue;
    const st = { src: head[1], dst: head[2], flags: [] as string[] } as IpState;
    let lt: IpLifetime | undefined;
    for (let i = 1; i < b.length; i++) {
      const line = b[i];
      const w = line.split(/\s+/);
      let m;
      if ((m = /^proto (\S+) spi (0x[0-9a-f]+)\S* reqid (\d+)\S* mode (\S+)/.exec(line))) {
        st.proto = m[1], st.spi = parseInt(m[2], 16), st.reqid = Number(m[3]), st.mode = m[4];
      } else if ((m = /^replay-window (\d+) replay (\d+) failed (\d+)/.exec(line))) {
        st.stats = { replayWindow: Number(m[1]), replay: Number(m[2]), failed: Number(m[3]) };
      } else if (w[0] === "replay-window") {
        st.replayWindow = Number(w[1]);
        const f = w.indexOf("flag");
        if (f >= 0) st.flags = flagList(w.slice(f + 1));
      } else if (w[0] === "mark") {
        st.mark = mark(w[1]);
        if (w[2] === "output-mark") st.outputMark = mark(w[3]);
      } else if (w[0] === "output-mark") st.outputMark = mark(w[1]);
      else if (w[0] === "auth-trunc") st.authTrunc = algo(w);
      else if (w[0] === "auth") st.auth = algo(w);
      else if (w[0] === "enc") st.enc = algo(w);
      else if (w[0] === "aead") st.aead = algo(w);
      else if (w[0] === "comp") st.comp = algo(w);
      else if (w[0] === "encap") st.encap = { type: w[2], sport: Number(w[4]), dport: Number(w[6]), addr: w[8] };
      else if ((m = /^anti-replay context: seq (0x[0-9a-f]+), oseq (0x[0-9a-f]+), bitmap (0x[0-9a-f]+)/.exec(line))) {
        st.replay = { seq: num(m[1]), oseq: num(m[2]), bitmap: num(m[3]) };
      } else if (
        (m = /^seq-hi (0x[0-9a-f]+), seq (0x[0-9a-f]+), oseq-hi (0x[0-9a-f]+), oseq (0x[0-9a-f]+)/.exec(line))
      ) {
        st.esn = {
          seqHi: num(m[1]),
          seq: num(m[2]),
          oseqHi: num(m[3]),
          oseq: num(m[4]),
          replayWindow: 0,
          bitmapLength: 0,
        };
      } else if ((m = /^replay_window (\d+), bitmap-length (\d+)/.exec(line)) && st.esn) {
        st.esn.replayWindow = Number(m[1]), st.esn.bitmapLength = Number(m[2]);
      } else if (w[0] === "if_id") st.ifId = num(w[1]);
      else if (w[0] === "tfcpad") st.tfcpad = Number(w[1]);
      else if (w[0] === "sel") st.sel = selector(line.slice(4));
      else if (line === "lifetime config:") lt = st.lifetime = {} as IpLifetime;
      else if (lt && lifetimeLine(lt, line)) continue;
      else if ((m = /^(\d+)\(bytes\), (\d+)\(packets\)/.exec(line))) {
        st.current = { bytes: Number(m[1]), packets: Number(m[2]) };
      }
    }
    out.push(st);
  }
  return out;
}

/** Parses `ip [-s] xfrm policy`. */
export function parsePolicies(text: string): IpPolicy[] {
  const out: IpPolicy[] = [];
  for (const b of blocks(text)) {
    if (!b[0].startsWith("src ") || !b[1]?.startsWith("dir ")) continue;
    const p = {
      sel: selector(b[0]),
      templates: [] as IpTemplate[],
      flags: [] as string[],
      action: "allow",
    } as IpPolicy;
    let lt: IpLifetime | undefined;
    let t: IpTemplate | undefined;
    for (let i = 1; i < b.length; i++) {
      const line = b[i];
      const w = line.split(/\s+/);
      let m;
      if (w[0] === "dir") {
        p.dir = w[1];
        for (let j = 2; j < w.length; j++) {
          if (w[j] === "action") p.action = w[++j];
          else if (w[j] === "index") p.index = Number(w[++j]);
          else if (w[j] === "priority") p.priority = Number(w[++j]);
          else if (w[j] === "ptype") p.ptype = w[++j];
          else if (w[j] === "share") p.share = w[++j];
          else if (w[j] === "flag") {
            p.flags = flagList(w.slice(j + 1));
            break;
          }
        }
      } else if (w[0] === "mark") p.mark = mark(w[1]);
      else if (w[0] === "if_id") p.ifId = num(w[1]);
      else if (line === "lifetime config:") lt = p.lifetime = {} as IpLifetime;
      else if (lt && lifetimeLine(lt, line)) continue;
      else if ((m = /^tmpl src (\S+) dst (\S+)$/.exec(line))) {
        t = { src: m[1], dst: m[2], level: "required" } as IpTemplate;
        p.templates.push(t);
      } else if (t && (m = /^proto (\S+) (?:spi (0x[0-9a-f]+)\S* )?reqid (\d+)\S* mode (\S+)/.exec(line))) {
        t.proto = m[1], t.spi = m[2] ? parseInt(m[2], 16) : 0, t.reqid = Number(m[3]), t.mode = m[4];
      } else if (t && w[0] === "level") {
        t.level = w[1] as "use" | "required";
        if (w[2] === "share") t.share = w[3];
      } else if (t && w[0] === "enc-mask") {
        t.ealgos = parseInt(w[1], 16), t.aalgos = parseInt(w[3], 16), t.calgos = parseInt(w[5], 16);
      }
    }
    out.push(p);
  }
  return out;
}

/** Formats key bytes the way ip prints them. */
export function hexKey(key: Uint8Array): string {
  return "0x" + Array.from(key, (b) => b.toString(16).padStart(2, "0")).join("");
}
