/**
 * The `netdev` generic netlink family (kernel spec
 * `Documentation/netlink/specs/netdev.yaml`) written with the schema:
 * devices with their XDP features, queues and NAPI instances, and the
 * `mgmt` group's device notifications.
 *
 * @module
 */
import type { FamilySchema } from "./family.ts";
import type { AttrSet } from "../wire/schema.ts";

/** `xdp-act` flags (`NETDEV_XDP_ACT_*`), by bit. */
export const XDP_ACT = ["basic", "redirect", "ndo-xmit", "xsk-zerocopy", "hw-offload", "rx-sg", "ndo-xmit-sg"] as const;
/** `xdp-rx-metadata` flags, by bit. */
export const XDP_RX_METADATA = ["timestamp", "hash", "vlan-tag"] as const;
/** `xsk-flags`, by bit. */
export const XSK_FLAGS = ["tx-timestamp", "tx-checksum"] as const;
/** `queue-type`. */
export const QUEUE_TYPES = ["rx", "tx"] as const;

/** The `dev` attribute set. */
export const devAttrs = {
  name: "dev",
  attributes: {
    ifindex: { id: 1, type: "u32" },
    xdpFeatures: { id: 3, type: "u64", flags: XDP_ACT },
    xdpZcMaxSegs: { id: 4, type: "u32" },
    xdpRxMetadataFeatures: { id: 5, type: "u64", flags: XDP_RX_METADATA },
    xskFeatures: { id: 6, type: "u64", flags: XSK_FLAGS },
  },
} as const satisfies AttrSet;

/** The `queue` attribute set. */
export const queueAttrs = {
  name: "queue",
  attributes: {
    id: { id: 1, type: "u32" },
    ifindex: { id: 2, type: "u32" },
    type: { id: 3, type: "u32", enum: QUEUE_TYPES },
    napiId: { id: 4, type: "u32" },
    dmabuf: { id: 5, type: "u32" },
  },
} as const satisfies AttrSet;

/** The `napi` attribute set. */
export const napiAttrs = {
  name: "napi",
  attributes: {
    ifindex: { id: 1, type: "u32" },
    id: { id: 2, type: "u32" },
    irq: { id: 3, type: "u32" },
    pid: { id: 4, type: "u32" },
    deferHardIrqs: { id: 5, type: "u32" },
    groFlushTimeout: { id: 6, type: "uint" },
  },
} as const satisfies AttrSet;

/**
 * The netdev family.
 *
 * @example
 * ```ts
 * import { GenlFamily, netdev } from "@nlts/netlink";
 * await using nd = await GenlFamily.open(netdev);
 * for await (const dev of nd.dump("devGet", {})) console.log(dev.ifindex, dev.xdpFeatures);
 * ```
 */
export const netdev = {
  name: "netdev",
  version: 1,
  commands: {
    devGet: { id: 1, request: devAttrs, reply: devAttrs },
    queueGet: { id: 10, request: queueAttrs, reply: queueAttrs },
    napiGet: { id: 11, request: napiAttrs, reply: napiAttrs },
  },
  notifications: {
    devAddNtf: { id: 2, attrs: devAttrs },
    devDelNtf: { id: 3, attrs: devAttrs },
    devChangeNtf: { id: 4, attrs: devAttrs },
  },
  groups: ["mgmt", "page-pool"],
} as const satisfies FamilySchema;
