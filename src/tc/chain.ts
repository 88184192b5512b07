/**
 * Filter chains (`tc chain`): `RTM_{NEW,DEL,GET}CHAIN` over `struct tcmsg`
 * with `TCA_CHAIN`, and a chain's template (`TCA_KIND` and `TCA_OPTIONS`:
 * the classifier and keys every filter of the chain must use), where the
 * classifier supports templates (flower does; u32, this kernel's, does not,
 * and the kernel says so).
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import { decodeAttrsAt, writeAttrs } from "../wire/schema.ts";
import { withJson } from "../wire/json.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { RTM } from "../route/constants.ts";
import { TCA } from "./schema.ts";
import { formatHandle, type TcHandle } from "./handle.ts";
import { type DeviceRef, filterParent, ifindexOf, tcmsg } from "./tc.ts";

/** Size of `struct tcmsg`. */
const TCMSG_SIZE = 20;

/** A filter chain of a block (`tc chain`). */
export interface TcChain {
  /** Device index. */
  ifindex: number;
  /** The block's qdisc as the kernel names it (`"1:"`; the ingress qdisc and clsact: `"ffff:"`). */
  parent: string;
  /** Chain index. */
  chain: number;
  /** The template: the classifier every filter of the chain must be, with its keys. */
  template?: { kind: string; options?: Record<string, unknown> };
  /** Attributes this module does not know, raw. */
  unknown: Attr[];
}

// deno-lint-ignore no-explicit-any
type Loose = any;

/**
 * Decodes an `RTM_NEWCHAIN`/`RTM_DELCHAIN` message. A short header or a
 * malformed attribute is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeChain } from "@nlts/netlink/tc";
 * const payload = new Uint8Array([0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0, 11, 0, 5, 0, 0, 0]);
 * decodeChain({ type: 100, flags: 0, seq: 0, pid: 0, payload }); // { ifindex: 2, parent: "1:", chain: 5, … }
 * ```
 */
export function decodeChain(msg: NetlinkMessage): TcChain {
  const p = msg.payload;
  if (p.length < TCMSG_SIZE) throw new ParseError(`chain: tcmsg needs ${TCMSG_SIZE} bytes, has ${p.length}`, 16);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const attrs: Loose = decodeAttrsAt(TCA, p, TCMSG_SIZE, p.length, 16 + TCMSG_SIZE);
  const out: TcChain = {
    ifindex: dv.getInt32(4, true),
    parent: formatHandle(dv.getUint32(12, true)),
    chain: attrs.chain ?? 0,
    unknown: attrs.unknown ?? [],
  };
  if (attrs.kind !== undefined) {
    out.template = { kind: attrs.kind };
    // The template's keys as the kind's set reads them (raw `unknown` attributes for a kind without one: flower).
    if (attrs.options !== undefined) out.template.options = attrs.options;
  }
  return withJson(out);
}

/** Which chain (and its block) {@link addChain}, {@link deleteChain} and {@link listChains} mean. */
export interface ChainSpec {
  /** Device. */
  dev: DeviceRef;
  /** The block: its qdisc or class (`"1:"`), `"ingress"` (the ingress qdisc's or clsact's), or `"egress"`. */
  parent: TcHandle | "egress";
  /** Chain index. */
  chain: number;
  /** A template (adding only): the classifier kind; the kernel refuses one that has no templates. */
  template?: { kind: string };
}

function chainIndex(chain: unknown): number {
  if (typeof chain !== "number" || !Number.isInteger(chain) || chain < 0 || chain > 0xffffffff) {
    throw new TypeError(`chain ${String(chain)} is not a u32 index`);
  }
  return chain;
}

/**
 * Builds an `RTM_NEWCHAIN` (`add`) or `RTM_DELCHAIN` (`del`) request for an
 * ifindex, checked before anything is sent.
 *
 * @example
 * ```ts
 * import { encodeChainRequest } from "@nlts/netlink/tc";
 * encodeChainRequest("add", 2, { dev: 2, parent: "ingress", chain: 5 });
 * ```
 */
export function encodeChainRequest(what: "add" | "del", ifindex: number, spec: ChainSpec): Uint8Array {
  const parent = filterParent(spec.parent);
  const chain = chainIndex(spec.chain);
  const kind = spec.template?.kind;
  if (kind !== undefined && (typeof kind !== "string" || !/^[a-z0-9_]{1,15}$/.test(kind))) {
    throw new TypeError(`${JSON.stringify(kind)} is not a classifier kind`);
  }
  if (what === "del" && kind !== undefined) throw new TypeError("a chain is deleted without its template");
  const m = new MessageWriter(
    what === "add" ? RTM.NEWCHAIN : RTM.DELCHAIN,
    what === "add" ? Flags.CREATE | Flags.EXCL : 0,
  );
  tcmsg(m, ifindex, 0, parent);
  writeAttrs(m, TCA, { chain, kind } as Loose, "chain");
  return m.finish();
}

/**
 * Lists the chains of a block (`tc chain show dev X ingress`): every chain
 * that exists, with or without filters (chain 0 once a filter was added).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listChains } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * for await (const c of listChains(sock, { dev: "v0", parent: "ingress" })) console.log(c.chain, c.template?.kind);
 * ```
 */
export async function* listChains(
  sock: NetlinkSocket,
  options: { dev: DeviceRef; parent?: TcHandle | "egress"; signal?: AbortSignal },
): AsyncGenerator<TcChain> {
  const parent = options.parent === undefined ? 0 : filterParent(options.parent);
  const ifindex = await ifindexOf(sock, options.dev);
  const m = new MessageWriter(RTM.GETCHAIN, Flags.DUMP);
  tcmsg(m, ifindex, 0, parent);
  for await (const msg of sock.dump(m.finish(), { signal: options.signal })) {
    if (msg.type === RTM.NEWCHAIN) yield decodeChain(msg);
  }
}

/**
 * Adds a chain (`tc chain add dev X ingress chain 5`), optionally with a template.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { addChain } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await addChain(sock, { dev: "v0", parent: "ingress", chain: 5 });
 * ```
 */
export async function addChain(
  sock: NetlinkSocket,
  spec: ChainSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  encodeChainRequest("add", 0, spec);
  const ifindex = await ifindexOf(sock, spec.dev);
  await sock.request(encodeChainRequest("add", ifindex, spec), options);
}

/**
 * Deletes a chain and every filter in it (`tc chain del dev X ingress chain 5`).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { deleteChain } from "@nlts/netlink/tc";
 * await using sock = await NetlinkSocket.open("route", { netns: "blue" });
 * await deleteChain(sock, { dev: "v0", parent: "ingress", chain: 5 });
 * ```
 */
export async function deleteChain(
  sock: NetlinkSocket,
  spec: ChainSpec,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  encodeChainRequest("del", 0, spec);
  const ifindex = await ifindexOf(sock, spec.dev);
  await sock.request(encodeChainRequest("del", ifindex, spec), options);
}
