/**
 * Audit records as the kernel multicasts them: an `nlmsghdr` whose type is
 * the record type, and text `audit(SECONDS.MILLIS:SERIAL): key=value …`.
 *
 * @module
 */
import type { NetlinkMessage } from "../wire/message.ts";
import { auditTypeName } from "./constants.ts";

/** One audit record. */
export interface AuditRecord {
  /** Record type (`AUDIT_SYSCALL` = 1300…). */
  type: number;
  /** Its name without `AUDIT_` (`"SYSCALL"`), when known. */
  typeName?: string;
  /** Event serial number, shared by the records of one event. */
  serial?: number;
  /** Event time in milliseconds since the epoch. */
  timestamp?: number;
  /** The text after the `audit(…): ` prefix (all of it when there is no prefix). */
  text: string;
}

const decoder = new TextDecoder();
const PREFIX = /^audit\((\d+)\.(\d{1,9}):(\d+)\):\s?/;

/**
 * Decodes one record. Text is taken up to the first NUL; invalid UTF-8 is
 * replaced, never thrown on; a missing or malformed `audit(…)` prefix leaves
 * `serial` and `timestamp` absent.
 *
 * @example
 * ```ts
 * import { decodeRecord } from "@nlts/netlink/audit";
 * const payload = new TextEncoder().encode("audit(1700000000.123:42): op=connect res=1");
 * decodeRecord({ type: 1335, flags: 0, seq: 0, pid: 0, payload }).serial; // 42
 * ```
 */
export function decodeRecord(msg: NetlinkMessage): AuditRecord {
  const p = msg.payload;
  const nul = p.indexOf(0);
  const raw = decoder.decode(nul < 0 ? p : p.subarray(0, nul));
  const record: AuditRecord = { type: msg.type, text: raw };
  const name = auditTypeName(msg.type);
  if (name !== undefined) record.typeName = name;
  const m = PREFIX.exec(raw);
  if (m) {
    record.timestamp = Number(m[1]) * 1000 + Math.floor(Number(m[2].padEnd(3, "0").slice(0, 3)));
    record.serial = Number(m[3]);
    record.text = raw.slice(m[0].length);
  }
  return record;
}
