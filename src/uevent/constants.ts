/**
 * Constants of NETLINK_KOBJECT_UEVENT: the multicast groups (from
 * `lib/kobject_uevent.c` and udev's monitor) and the libudev monitor header
 * (`struct monitor_netlink_header` in systemd's `device-monitor.c`).
 *
 * @module
 */

/**
 * Multicast groups of NETLINK_KOBJECT_UEVENT: the kernel sends on group 1,
 * udevd re-sends each processed event on group 2.
 *
 * @example
 * ```ts
 * import { UeventGroup } from "@nlts/netlink/uevent";
 * console.log(UeventGroup.KERNEL, UeventGroup.UDEV); // 1 2
 * ```
 */
export const UeventGroup = {
  /** Raw kernel events (`"action@devpath\0KEY=VALUE\0…"`). */
  KERNEL: 1,
  /** Events re-sent by udevd after its rules ran (libudev header + properties). */
  UDEV: 2,
} as const;

/**
 * Magic of the libudev monitor header, stored big-endian at byte 8.
 *
 * @example
 * ```ts
 * import { UDEV_MONITOR_MAGIC } from "@nlts/netlink/uevent";
 * console.log(UDEV_MONITOR_MAGIC.toString(16)); // feedcafe
 * ```
 */
export const UDEV_MONITOR_MAGIC = 0xfeedcafe;

/**
 * Size of the libudev monitor header: prefix[8], magic, header_size,
 * properties_off, properties_len, subsystem hash, devtype hash, tag bloom
 * hi/lo (eight 32-bit words after the prefix).
 *
 * @example
 * ```ts
 * import { UDEV_HEADER_SIZE } from "@nlts/netlink/uevent";
 * console.log(UDEV_HEADER_SIZE); // 40
 * ```
 */
export const UDEV_HEADER_SIZE = 40;
