/**
 * NETLINK_KOBJECT_UEVENT: device events from the kernel (and from udevd).
 *
 * - {@link uevents} / {@link UeventMonitor}: listen, filtered by subsystem
 *   and action, in any network namespace.
 * - {@link decodeUevent}: the kernel's and libudev's datagram formats.
 *
 * @example
 * ```ts
 * import { uevents } from "@nlts/netlink/uevent";
 * for await (const ev of uevents({ subsystem: "net" })) {
 *   if ("overrun" in ev) continue;
 *   console.log(ev.action, ev.interface);
 * }
 * ```
 *
 * @module
 */
export { UDEV_HEADER_SIZE, UDEV_MONITOR_MAGIC, UeventGroup } from "./constants.ts";
export { decodeUevent, type UdevHeader, type Uevent } from "./uevent.ts";
export {
  UeventMonitor,
  type UeventMonitorOptions,
  type UeventOptions,
  uevents,
  type UeventStream,
  type UeventStreamOptions,
} from "./monitor.ts";
