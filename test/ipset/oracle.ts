/**
 * The `ipset` tool as the oracle: run it in a namespace, and read
 * `ipset list -o xml` into plain objects (header fields and members as the
 * tool prints them), for field-by-field comparison with ours.
 */
import { sh } from "../helpers/netns.ts";
import type { IpsetMember, IpsetSet } from "../../src/ipset/mod.ts";

/** Runs `ipset ARGS` in namespace `ns` (throws with stderr on failure). */
export function ipsetCmd(ns: string, ...args: string[]): string {
  return sh("ip", ["netns", "exec", ns, "ipset", ...args]);
}

/** One set of `ipset list -o xml`. */
export interface XmlSet {
  name: string;
  type: string;
  revision: number;
  /** Header elements: `family`, `hashsize`, `timeout`, `range`…; flags (`<counters/>`) as "". */
  header: Record<string, string>;
  members: Record<string, string>[];
}

function fields(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<(\w+) ?\/>|<(\w+)>([^<]*)<\/\2>/g)) {
    if (m[1]) out[m[1]] = "";
    else out[m[2]] = m[3].replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
  }
  return out;
}

/** Parses `ipset list -o xml` output. */
export function parseXml(xml: string): XmlSet[] {
  const sets: XmlSet[] = [];
  for (const m of xml.matchAll(/<ipset name="([^"]*)">([\s\S]*?)<\/ipset>/g)) {
    const body = m[2];
    const header = /<header>([\s\S]*?)<\/header>/.exec(body)?.[1] ?? "";
    const members = [...body.matchAll(/<member>([\s\S]*?)<\/member>/g)].map((x) => fields(x[1]));
    sets.push({
      name: m[1],
      type: /<type>([^<]*)<\/type>/.exec(body)![1],
      revision: Number(/<revision>(\d+)<\/revision>/.exec(body)![1]),
      header: fields(header),
      members,
    });
  }
  return sets;
}

/** `ipset list -o xml [NAME]` in `ns`, parsed. */
export function listXml(ns: string, name?: string): XmlSet[] {
  return parseXml(ipsetCmd(ns, "list", "-o", "xml", ...(name ? [name] : [])));
}

/** Our set's header in the words of the XML header (what the tool prints for it). */
export function headerAsXml(set: IpsetSet): Record<string, string> {
  const h: Record<string, string> = {};
  const o = set.options;
  if (set.family === "inet" || set.family === "inet6") h.family = set.family;
  if (o.range) h.range = `${o.range.from}-${o.range.to}`;
  if (o.hashsize !== undefined) h.hashsize = String(o.hashsize);
  if (o.maxelem !== undefined) h.maxelem = String(o.maxelem);
  if (o.size !== undefined) h.size = String(o.size);
  if (o.timeout !== undefined) h.timeout = String(o.timeout);
  if (o.counters) h.counters = "";
  if (o.comment) h.comment = "";
  if (o.skbinfo) h.skbinfo = "";
  // forceadd: the kernel reports it, the tool does not print it.
  if (o.bucketsize !== undefined) h.bucketsize = String(o.bucketsize);
  if (o.initval !== undefined) h.initval = `0x${o.initval.toString(16).padStart(8, "0")}`;
  if (o.netmask !== undefined) h.netmask = String(o.netmask);
  h.memsize = String(set.memsize);
  h.references = String(set.references);
  h.numentries = String(set.entries);
  return h;
}

/** Our member in the words of an XML `<member>`. */
export function memberAsXml(m: IpsetMember): Record<string, string> {
  const x: Record<string, string> = { elem: m.elem };
  if (m.timeout !== undefined) x.timeout = String(m.timeout);
  if (m.nomatch) x.nomatch = "";
  if (m.packets !== undefined) x.packets = String(m.packets);
  if (m.bytes !== undefined) x.bytes = String(m.bytes);
  if (m.comment !== undefined) x.comment = `"${m.comment}"`;
  if (m.skbmark !== undefined) x.skbmark = m.skbmark;
  if (m.skbprio !== undefined) x.skbprio = `${m.skbprio >>> 16}:${m.skbprio & 0xffff}`;
  if (m.skbqueue !== undefined) x.skbqueue = String(m.skbqueue);
  return x;
}
