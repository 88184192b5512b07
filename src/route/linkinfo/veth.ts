/**
 * Kind `veth`: a pair of linked devices. The peer is described by a whole
 * `struct ifinfomsg` plus `IFLA_*` attributes inside `VETH_INFO_PEER`
 * (`linux/veth.h`). The kernel reports no data for veth in dumps; the
 * peer's index is the link's `link` attribute.
 *
 * @module
 */
import type { AttrWriter } from "../../wire/attrs.ts";
import { type AttrSet, defineAttrSet } from "../../wire/schema.ts";
import { checkNetnsTarget, type NetnsTarget } from "../../socket/netns.ts";
import { checkIfName, IFLA_NET_NS_FD, IFLA_NET_NS_PID, type RawAttr, writeIfinfomsg } from "./common.ts";
import type { EncodeContext, LinkKindCodec } from "./registry.ts";

/** `VETH_INFO_PEER`. */
export const VETH_INFO_PEER = 1;

/** The other end of a veth pair, as created. */
export interface VethPeerOptions {
  /** Peer name (the kernel picks `vethN` when absent). */
  name?: string;
  /** Network namespace to create the peer in: name or path, an open fd, or `{ pid }`. */
  netns?: NetnsTarget;
  /** Peer hardware address. */
  address?: string;
  /** Peer MTU. */
  mtu?: number;
  /** Peer transmit queue length. */
  txqlen?: number;
  /** Peer transmit queues. */
  numTxQueues?: number;
  /** Peer receive queues. */
  numRxQueues?: number;
}

/** Options of a veth pair. */
export interface VethOptions {
  /** The peer device. */
  peer?: VethPeerOptions;
}

/** What the kernel reports of a veth (nothing in dumps; raw attributes if ever sent). */
export interface VethInfo {
  /** `VETH_INFO_PEER` as sent: a `struct ifinfomsg` and the peer's `IFLA_*` attributes. */
  peer?: Uint8Array;
  /** Attributes not decoded. */
  unknown?: RawAttr[];
}

const VETH_ATTRS = defineAttrSet({
  name: "veth",
  prefix: "VETH_INFO_",
  attributes: { peer: { id: VETH_INFO_PEER, type: "binary" } },
});

/**
 * The `VETH_INFO_*` attributes (`IFLA_INFO_DATA` of kind `veth`): the peer,
 * a `struct ifinfomsg` and `IFLA_*` attributes the schema keeps whole.
 */
export const vethAttrs: AttrSet = VETH_ATTRS;

/**
 * Writes `IFLA_NET_NS_PID` or `IFLA_NET_NS_FD` for a namespace target.
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { writeNetns } from "./veth.ts";
 * writeNetns(new AttrWriter(), { pid: 1 }, { netnsFd: () => -1 });
 * ```
 */
export function writeNetns(w: AttrWriter, target: NetnsTarget, ctx: EncodeContext): void {
  checkNetnsTarget(target);
  if (typeof target === "object") {
    if (!Number.isInteger(target.pid) || target.pid <= 0) throw new TypeError(`netns pid ${target.pid} is not valid`);
    w.u32(IFLA_NET_NS_PID, target.pid);
  } else if (typeof target === "number") {
    if (!Number.isInteger(target) || target < 0) throw new TypeError(`netns fd ${target} is not valid`);
    w.u32(IFLA_NET_NS_FD, target);
  } else {
    w.u32(IFLA_NET_NS_FD, ctx.netnsFd(target));
  }
}

/**
 * Writes the `VETH_INFO_PEER` nest.
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { encodeVethOptions } from "./veth.ts";
 * encodeVethOptions(new AttrWriter(), { peer: { name: "veth1" } }, { netnsFd: () => -1 });
 * ```
 */
export function encodeVethOptions(w: AttrWriter, o: VethOptions, ctx: EncodeContext): void {
  const peer = o.peer;
  if (!peer) return;
  if (peer.name !== undefined) checkIfName(peer.name, "veth peer name");
  w.nest(VETH_INFO_PEER, (p) => {
    writeIfinfomsg(p);
    if (peer.name !== undefined) p.str(3, peer.name); // IFLA_IFNAME
    if (peer.address !== undefined) p.mac(1, peer.address); // IFLA_ADDRESS
    if (peer.mtu !== undefined) p.u32(4, peer.mtu); // IFLA_MTU
    if (peer.txqlen !== undefined) p.u32(13, peer.txqlen); // IFLA_TXQLEN
    if (peer.numTxQueues !== undefined) p.u32(31, peer.numTxQueues);
    if (peer.numRxQueues !== undefined) p.u32(32, peer.numRxQueues);
    if (peer.netns !== undefined) writeNetns(p, peer.netns, ctx);
  }, false);
}

/** The `veth` kind for the registry. */
export const vethKind: LinkKindCodec<VethInfo, VethOptions> = {
  kind: "veth",
  data: VETH_ATTRS,
  encodeData: encodeVethOptions,
};
