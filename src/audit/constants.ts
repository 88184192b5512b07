/**
 * Constants of NETLINK_AUDIT, from `linux/audit.h`.
 *
 * @module
 */

/**
 * Request types this library sends (read-only ones only).
 *
 * @example
 * ```ts
 * import { AuditMsg } from "@nlts/netlink/audit";
 * AuditMsg.GET; // 1000
 * ```
 */
export const AuditMsg = {
  GET: 1000,
  GET_FEATURE: 1019,
} as const;

/** `AUDIT_NLGRP_READLOG`: the read-only multicast group of audit records. */
export const AUDIT_NLGRP_READLOG = 1;

/** `AUDIT_FEATURE_VERSION`. */
export const AUDIT_FEATURE_VERSION = 1;

/** Bits of `audit_status.mask` (`AUDIT_STATUS_*`), bit 0 first. */
export const AUDIT_STATUS_MASK_BITS = [
  "enabled",
  "failure",
  "pid",
  "rate_limit",
  "backlog_limit",
  "backlog_wait_time",
  "lost",
  "backlog_wait_time_actual",
] as const;

/** Bits of `audit_status.feature_bitmap` (`AUDIT_FEATURE_BITMAP_*`), bit 0 first. */
export const AUDIT_FEATURE_BITMAP = [
  "backlog_limit",
  "backlog_wait_time",
  "executable_path",
  "exclude_extend",
  "sessionid_filter",
  "lost_reset",
  "filter_fs",
] as const;
/** A feature-bitmap name. */
export type AuditFeatureBit = (typeof AUDIT_FEATURE_BITMAP)[number];

/** Features of `struct audit_features` (`AUDIT_FEATURE_*` numbers are bit positions). */
export const AUDIT_FEATURES = ["only_unset_loginuid", "loginuid_immutable"] as const;
/** A feature name. */
export type AuditFeature = (typeof AUDIT_FEATURES)[number];

/** Failure modes (`AUDIT_FAIL_*`). */
export const AUDIT_FAILURE_MODES = ["silent", "printk", "panic"] as const;
/** A failure mode. */
export type AuditFailureMode = (typeof AUDIT_FAILURE_MODES)[number];

/** `enabled` values: 0 off, 1 on, 2 on and locked (`auditctl -e 2`). */
export const AUDIT_ENABLED = ["disabled", "enabled", "locked"] as const;
/** An `enabled` value. */
export type AuditEnabled = (typeof AUDIT_ENABLED)[number];

const TYPE_NAMES = new Map<number, string>([
  [1000, "GET"],
  [1001, "SET"],
  [1002, "LIST"],
  [1003, "ADD"],
  [1004, "DEL"],
  [1005, "USER"],
  [1006, "LOGIN"],
  [1007, "WATCH_INS"],
  [1008, "WATCH_REM"],
  [1009, "WATCH_LIST"],
  [1010, "SIGNAL_INFO"],
  [1011, "ADD_RULE"],
  [1012, "DEL_RULE"],
  [1013, "LIST_RULES"],
  [1014, "TRIM"],
  [1015, "MAKE_EQUIV"],
  [1016, "TTY_GET"],
  [1017, "TTY_SET"],
  [1018, "SET_FEATURE"],
  [1019, "GET_FEATURE"],
  [1107, "USER_AVC"],
  [1124, "USER_TTY"],
  [1200, "DAEMON_START"],
  [1201, "DAEMON_END"],
  [1202, "DAEMON_ABORT"],
  [1203, "DAEMON_CONFIG"],
  [1300, "SYSCALL"],
  [1302, "PATH"],
  [1303, "IPC"],
  [1304, "SOCKETCALL"],
  [1305, "CONFIG_CHANGE"],
  [1306, "SOCKADDR"],
  [1307, "CWD"],
  [1309, "EXECVE"],
  [1311, "IPC_SET_PERM"],
  [1312, "MQ_OPEN"],
  [1313, "MQ_SENDRECV"],
  [1314, "MQ_NOTIFY"],
  [1315, "MQ_GETSETATTR"],
  [1316, "KERNEL_OTHER"],
  [1317, "FD_PAIR"],
  [1318, "OBJ_PID"],
  [1319, "TTY"],
  [1320, "EOE"],
  [1321, "BPRM_FCAPS"],
  [1322, "CAPSET"],
  [1323, "MMAP"],
  [1324, "NETFILTER_PKT"],
  [1325, "NETFILTER_CFG"],
  [1326, "SECCOMP"],
  [1327, "PROCTITLE"],
  [1328, "FEATURE_CHANGE"],
  [1329, "REPLACE"],
  [1330, "KERN_MODULE"],
  [1331, "FANOTIFY"],
  [1332, "TIME_INJOFFSET"],
  [1333, "TIME_ADJNTPVAL"],
  [1334, "BPF"],
  [1335, "EVENT_LISTENER"],
  [1336, "URINGOP"],
  [1337, "OPENAT2"],
  [1338, "DM_CTRL"],
  [1339, "DM_EVENT"],
  [1400, "AVC"],
  [1401, "SELINUX_ERR"],
  [1402, "AVC_PATH"],
  [1403, "MAC_POLICY_LOAD"],
  [1404, "MAC_STATUS"],
  [1405, "MAC_CONFIG_CHANGE"],
  [1406, "MAC_UNLBL_ALLOW"],
  [1407, "MAC_CIPSOV4_ADD"],
  [1408, "MAC_CIPSOV4_DEL"],
  [1409, "MAC_MAP_ADD"],
  [1410, "MAC_MAP_DEL"],
  [1411, "MAC_IPSEC_ADDSA"],
  [1412, "MAC_IPSEC_DELSA"],
  [1413, "MAC_IPSEC_ADDSPD"],
  [1414, "MAC_IPSEC_DELSPD"],
  [1415, "MAC_IPSEC_EVENT"],
  [1416, "MAC_UNLBL_STCADD"],
  [1417, "MAC_UNLBL_STCDEL"],
  [1418, "MAC_CALIPSO_ADD"],
  [1419, "MAC_CALIPSO_DEL"],
  [1700, "ANOM_PROMISCUOUS"],
  [1701, "ANOM_ABEND"],
  [1702, "ANOM_LINK"],
  [1703, "ANOM_CREAT"],
  [1800, "INTEGRITY_DATA"],
  [1801, "INTEGRITY_METADATA"],
  [1802, "INTEGRITY_STATUS"],
  [1803, "INTEGRITY_HASH"],
  [1804, "INTEGRITY_PCR"],
  [1805, "INTEGRITY_RULE"],
  [1806, "INTEGRITY_EVM_XATTR"],
  [1807, "INTEGRITY_POLICY_RULE"],
  [2000, "KERNEL"],
]);

/**
 * The name of an audit message or record type, without the `AUDIT_` prefix
 * (`"SYSCALL"`, `"CONFIG_CHANGE"`). User-space ranges without a name of
 * their own give `"USER"`/`"DAEMON"`-style group names; unknown types `undefined`.
 *
 * @example
 * ```ts
 * import { auditTypeName } from "@nlts/netlink/audit";
 * auditTypeName(1300); // "SYSCALL"
 * ```
 */
export function auditTypeName(type: number): string | undefined {
  const known = TYPE_NAMES.get(type);
  if (known !== undefined) return known;
  if ((type >= 1100 && type <= 1199) || (type >= 2100 && type <= 2999)) return "USER_MSG";
  if (type >= 1700 && type <= 1799) return "ANOM_MSG";
  return undefined;
}
