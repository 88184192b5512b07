/**
 * Network namespace ids (`ip netns list-id`, `ip netns set`):
 * `RTM_NEWNSID` / `RTM_DELNSID` / `RTM_GETNSID` over `struct rtgenmsg`,
 * from `linux/net_namespace.h`. An nsid names a peer namespace from the
 * point of view of the namespace the socket lives in.
 *
 * @module
 */
import type { Attr } from "../wire/attrs.ts";
import { type AttrSet, decodeAttrsAt, defineAttrSet, writeAttrs } from "../wire/schema.ts";
import { Flags } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import type { NetlinkSocket } from "../socket/socket.ts";
import { withNetnsFiles } from "../socket/netns.ts";
import { RTM } from "./constants.ts";
import { withJson } from "../wire/json.ts";

/** `struct rtgenmsg`, padded to 4 bytes as the kernel parses it. */
const RTGEN_SIZE = 4;

/** `NETNSA_*` attribute numbers. */
export const NETNSA = {
  NSID: 1,
  PID: 2,
  FD: 3,
  TARGET_NSID: 4,
  CURRENT_NSID: 5,
} as const;

const NSID_ATTRS = defineAttrSet({
  name: "nsid",
  prefix: "NETNSA_",
  attributes: {
    nsid: { id: NETNSA.NSID, type: "s32" },
    pid: { id: NETNSA.PID, type: "u32" },
    fd: { id: NETNSA.FD, type: "u32" },
    targetNsid: { id: NETNSA.TARGET_NSID, type: "s32" },
    currentNsid: { id: NETNSA.CURRENT_NSID, type: "s32" },
  },
});

/** The `NETNSA_*` attributes. */
export const nsidAttrs: AttrSet = NSID_ATTRS;

/** One namespace id entry. */
export interface NetnsId {
  /**
   * The id (`NETNSA_NSID`): in the socket's namespace, or in the target
   * namespace of a dump filtered with `targetNsid`. -1 when none is assigned.
   */
  nsid: number;
  /** In a dump filtered with `targetNsid`: the id the socket's namespace gives the same peer (-1: none). */
  currentNsid?: number;
  /** `NETNSA_TARGET_NSID`, when the kernel reports it. */
  targetNsid?: number;
  /** `NETNSA_PID` (a request attribute; the kernel does not send it back). */
  pid?: number;
  /** `NETNSA_FD` (a request attribute; the kernel does not send it back). */
  fd?: number;
  /** Attributes this decoder does not know, kept raw. */
  unknown: Attr[];
}

/**
 * Decodes an `RTM_NEWNSID` / `RTM_DELNSID` message. A payload shorter than
 * `struct rtgenmsg` or a malformed attribute is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeNsid } from "@nlts/netlink/route";
 * const payload = new Uint8Array([0, 0, 0, 0, 8, 0, 1, 0, 7, 0, 0, 0]);
 * decodeNsid({ type: 88, flags: 0, seq: 0, pid: 0, payload }).nsid; // 7
 * ```
 */
export function decodeNsid(msg: NetlinkMessage): NetnsId {
  const p = msg.payload;
  if (p.length < RTGEN_SIZE) throw new ParseError(`rtgenmsg needs ${RTGEN_SIZE} bytes, has ${p.length}`, 16);
  const { nsid, unknown, ...rest } = decodeAttrsAt(NSID_ATTRS, p, RTGEN_SIZE, p.length, 16 + RTGEN_SIZE);
  if (nsid === undefined) throw new ParseError("nsid message without NETNSA_NSID", 16 + RTGEN_SIZE);
  return withJson({ nsid, ...rest, unknown: unknown ?? [] });
}

/**
 * Which namespace: an open fd of a namespace file, a process id, or a name
 * under `/run/netns` (or a path), which is opened for the request only.
 */
export type NsidTarget = { fd: number } | { pid: number } | { name: string };

function checkInt(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${what} ${value} is out of range ${min}..${max}`);
  }
}

async function withTarget<T>(target: NsidTarget, fn: (attr: [number, number]) => Promise<T>): Promise<T> {
  if ("fd" in target) {
    checkInt(target.fd, 0, 0x7fffffff, "fd");
    return fn([NETNSA.FD, target.fd]);
  }
  if ("pid" in target) {
    checkInt(target.pid, 1, 0x7fffffff, "pid");
    return fn([NETNSA.PID, target.pid]);
  }
  if (typeof target.name !== "string" || target.name === "") throw new TypeError("a namespace name is needed");
  const name = target.name;
  return await withNetnsFiles((open) => fn([NETNSA.FD, open(name)]));
}

/**
 * Builds an `RTM_GETNSID` request for a namespace given by fd or pid.
 *
 * @example
 * ```ts
 * import { encodeNsidRequest } from "@nlts/netlink/route";
 * encodeNsidRequest(90, { pid: 1 }).length; // 28
 * ```
 */
export function encodeNsidRequest(type: number, target: { fd: number } | { pid: number }, nsid?: number): Uint8Array {
  const m = new MessageWriter(type);
  m.struct(RTGEN_SIZE);
  writeAttrs(m, NSID_ATTRS, { nsid, ...("fd" in target ? { fd: target.fd } : { pid: target.pid }) });
  return m.finish();
}

/**
 * Lists the ids assigned to peer namespaces in the socket's namespace
 * (`ip netns list-id`). With `targetNsid`, lists the ids of the namespace
 * that has this id instead, each with the id the socket's namespace gives
 * the same peer (`currentNsid`), as `ip netns list-id target-nsid N`.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { listNsids } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * for await (const id of listNsids(sock)) console.log(id.nsid);
 * ```
 */
export async function* listNsids(
  sock: NetlinkSocket,
  options: { targetNsid?: number; signal?: AbortSignal } = {},
): AsyncGenerator<NetnsId, void, undefined> {
  const m = new MessageWriter(RTM.GETNSID, Flags.DUMP);
  m.struct(RTGEN_SIZE);
  if (options.targetNsid !== undefined) {
    checkInt(options.targetNsid, 0, 0x7fffffff, "targetNsid");
    m.s32(NETNSA.TARGET_NSID, options.targetNsid);
  }
  for await (const msg of sock.dump(m.finish(), { signal: options.signal })) {
    if (msg.type !== RTM.NEWNSID) continue;
    yield decodeNsid(msg);
  }
}

/**
 * The id the socket's namespace gives to `target`, or `undefined` when it
 * has none.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { getNsid } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * console.log(await getNsid(sock, { name: "blue" }));
 * ```
 */
export async function getNsid(
  sock: NetlinkSocket,
  target: NsidTarget,
  options: { signal?: AbortSignal } = {},
): Promise<number | undefined> {
  return await withTarget(target, async ([attr, value]) => {
    const request = encodeNsidRequest(RTM.GETNSID, attr === NETNSA.FD ? { fd: value } : { pid: value });
    const replies = await sock.request(request, options);
    const reply = replies.find((r) => r.type === RTM.NEWNSID);
    if (!reply) throw new ParseError("RTM_GETNSID got no RTM_NEWNSID reply", 0);
    const { nsid } = decodeNsid(reply);
    return nsid < 0 ? undefined : nsid;
  });
}

/**
 * Assigns id `nsid` to `target` in the socket's namespace (`ip netns set`).
 * `-1` asks the kernel to pick a free id. Fails with `EEXIST` when the
 * namespace already has an id or the id is taken.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { setNsid } from "@nlts/netlink/route";
 * await using sock = await NetlinkSocket.open("route");
 * await setNsid(sock, { name: "blue" }, 5);
 * ```
 */
export async function setNsid(
  sock: NetlinkSocket,
  target: NsidTarget,
  nsid: number,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  checkInt(nsid, -1, 0x7fffffff, "nsid");
  await withTarget(target, async ([attr, value]) => {
    const request = encodeNsidRequest(RTM.NEWNSID, attr === NETNSA.FD ? { fd: value } : { pid: value }, nsid);
    await sock.request(request, options);
  });
}
