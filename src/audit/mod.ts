/**
 * NETLINK_AUDIT, read-only: status, features, and the record stream of the
 * readlog group. Nothing here changes the audit configuration.
 *
 * @example
 * ```ts
 * import { Audit } from "@nlts/netlink/audit";
 * await using audit = await Audit.open();
 * console.log(await audit.status(), await audit.features());
 * ```
 *
 * @module
 */
export {
  AUDIT_ENABLED,
  AUDIT_FAILURE_MODES,
  AUDIT_FEATURE_BITMAP,
  AUDIT_FEATURE_VERSION,
  AUDIT_FEATURES,
  AUDIT_NLGRP_READLOG,
  AUDIT_STATUS_MASK_BITS,
  type AuditEnabled,
  type AuditFailureMode,
  type AuditFeature,
  type AuditFeatureBit,
  AuditMsg,
  auditTypeName,
} from "./constants.ts";
export { type AuditFeatures, type AuditStatus, decodeFeatures, decodeStatus } from "./status.ts";
export { type AuditRecord, decodeRecord } from "./records.ts";
export { Audit, type AuditRecordStream } from "./client.ts";
