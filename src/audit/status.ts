/**
 * `struct audit_status` and `struct audit_features`, as `AUDIT_GET` and
 * `AUDIT_GET_FEATURE` answer.
 *
 * @module
 */
import { ParseError } from "../wire/errors.ts";
import {
  AUDIT_ENABLED,
  AUDIT_FAILURE_MODES,
  AUDIT_FEATURE_BITMAP,
  AUDIT_FEATURES,
  AUDIT_STATUS_MASK_BITS,
  type AuditEnabled,
  type AuditFailureMode,
  type AuditFeature,
  type AuditFeatureBit,
} from "./constants.ts";

/** The kernel's audit state (`struct audit_status`). Fields a kernel did not send are absent. */
export interface AuditStatus {
  /** `mask`: which fields a SET would change (0 in GET replies). */
  mask: number;
  /** Names of the mask bits. */
  maskNames: string[];
  /** `enabled` as a number (0, 1, 2). */
  enabled: number;
  /** `enabled` by name. */
  enabledName: AuditEnabled | number;
  /** `failure` as a number. */
  failure: number;
  /** `failure` by name. */
  failureName: AuditFailureMode | number;
  /** PID of the audit daemon (0: none). */
  pid: number;
  /** Messages per second limit (0: none). */
  rateLimit: number;
  /** Queue limit. */
  backlogLimit: number;
  /** Records lost. */
  lost: number;
  /** Records queued. */
  backlog: number;
  /** `feature_bitmap` (was `version`). */
  featureBitmap?: number;
  /** The feature bits by name. */
  features?: (AuditFeatureBit | string)[];
  /** Queue wait time, in jiffies. */
  backlogWaitTime?: number;
  /** Time spent waiting on a full queue, in jiffies. */
  backlogWaitTimeActual?: number;
}

/** `struct audit_features`: switchable features. */
export interface AuditFeatures {
  /** `vers` (`AUDIT_FEATURE_VERSION`, 1). */
  version: number;
  /** `mask` (which bits a SET deals with). */
  mask: number;
  /** `features`: enabled bits. */
  features: number;
  /** `lock`: locked bits. */
  lock: number;
  /** Enabled features by name. */
  enabled: (AuditFeature | string)[];
  /** Locked features by name. */
  locked: (AuditFeature | string)[];
}

function names(bits: number, table: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = (1 << i) >>> 0;
    if (bits & bit) out.push(table[i] ?? `0x${bit.toString(16)}`);
  }
  return out;
}

/**
 * Decodes the payload of an `AUDIT_GET` reply. Kernels before 3.12 send the
 * first 32 bytes only; later fields are then absent.
 *
 * @example
 * ```ts
 * import { decodeStatus } from "@nlts/netlink/audit";
 * const p = new Uint8Array(44);
 * p[8] = 1; // failure: printk
 * decodeStatus(p).failureName; // "printk"
 * ```
 */
export function decodeStatus(payload: Uint8Array): AuditStatus {
  if (payload.length < 32) throw new ParseError(`audit_status needs at least 32 bytes, has ${payload.length}`, 0);
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const u = (at: number) => dv.getUint32(at, true);
  const s: AuditStatus = {
    mask: u(0),
    maskNames: names(u(0), AUDIT_STATUS_MASK_BITS),
    enabled: u(4),
    enabledName: AUDIT_ENABLED[u(4)] ?? u(4),
    failure: u(8),
    failureName: AUDIT_FAILURE_MODES[u(8)] ?? u(8),
    pid: u(12),
    rateLimit: u(16),
    backlogLimit: u(20),
    lost: u(24),
    backlog: u(28),
  };
  if (payload.length >= 36) {
    s.featureBitmap = u(32);
    s.features = names(u(32), AUDIT_FEATURE_BITMAP);
  }
  if (payload.length >= 40) s.backlogWaitTime = u(36);
  if (payload.length >= 44) s.backlogWaitTimeActual = u(40);
  return s;
}

/**
 * Decodes the payload of an `AUDIT_GET_FEATURE` reply.
 *
 * @example
 * ```ts
 * import { decodeFeatures } from "@nlts/netlink/audit";
 * const p = new Uint8Array(16);
 * p[0] = 1; p[8] = 2; // vers 1, loginuid_immutable on
 * decodeFeatures(p).enabled; // ["loginuid_immutable"]
 * ```
 */
export function decodeFeatures(payload: Uint8Array): AuditFeatures {
  if (payload.length < 16) throw new ParseError(`audit_features needs 16 bytes, has ${payload.length}`, 0);
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const features = dv.getUint32(8, true), lock = dv.getUint32(12, true);
  return {
    version: dv.getUint32(0, true),
    mask: dv.getUint32(4, true),
    features,
    lock,
    enabled: names(features, AUDIT_FEATURES),
    locked: names(lock, AUDIT_FEATURES),
  };
}
