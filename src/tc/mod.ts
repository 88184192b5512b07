/**
 * Traffic control over NETLINK_ROUTE: qdiscs, classes, filters and their
 * actions (`tc`), typed, with handles, rates and sizes in `tc`'s words.
 *
 * @example
 * ```ts
 * import { RouteClient } from "@nlts/netlink";
 * await using rt = await RouteClient.open();
 * for await (const q of rt.tc.qdiscs()) console.log(q.ifindex, q.kind, q.handle, q.parent, q.stats?.bytes);
 * ```
 *
 * @module
 */
export { TrafficControl } from "./client.ts";
export {
  addChain,
  type ChainSpec,
  decodeChain,
  deleteChain,
  encodeChainRequest,
  listChains,
  type TcChain,
} from "./chain.ts";
export {
  addClass,
  addFilter,
  addQdisc,
  type BpfOptions,
  type ClassSpec,
  CONTROL_ACTIONS,
  type ControlAction,
  decodeClass,
  decodeFilter,
  decodeQdisc,
  deleteClass,
  deleteFilter,
  deleteQdisc,
  type DeviceRef,
  encodeClassRequest,
  encodeFilterGet,
  encodeFilterRequest,
  encodeQdiscRequest,
  type FifoOptions,
  type Filter,
  type FilterGetSpec,
  type FilterSpec,
  getFilter,
  getQdisc,
  type HtbClassOptions,
  type HtbClassSpec,
  type HtbQdiscOptions,
  type HtbQdiscSpec,
  listClasses,
  listFilters,
  listQdiscs,
  type MirredAction,
  type MirredOptions,
  type MirredSpec,
  type PrioOptions,
  type Qdisc,
  type QdiscSpec,
  type RawOptions,
  type TbfOptions,
  type TbfSpec,
  type TcAction,
  type TcClass,
  type TcDeleteSpec,
  type TcListOptions,
  type TcObject,
  type TcOptions,
  type TcStats,
  type TcWriteMode,
  type U32Options,
  type U32Spec,
} from "./tc.ts";
export {
  formatHandle,
  formatU32Handle,
  parseHandle,
  parseQdiscHandle,
  parseU32Handle,
  TC_H_INGRESS,
  TC_H_MIN_EGRESS,
  TC_H_MIN_INGRESS,
  TC_H_ROOT,
  type TcHandle,
} from "./handle.ts";
export { ipMatch, packU32Key } from "./u32.ts";
export { classKey, filterKey, qdiscKey } from "./watch.ts";
export { formatRate, formatSize, parseRate, parseSize, parseTime, TICK_IN_USEC, xmitSize, xmitTime } from "./units.ts";
export {
  actAttrs,
  bpfAttrs,
  htbAttrs,
  mirredAttrs,
  statsAttrs,
  tbfAttrs,
  tcAttrs,
  u32Attrs,
  type U32Key,
  type U32Selector,
} from "./schema.ts";
