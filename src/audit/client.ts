/**
 * `Audit`: read-only access to the kernel audit subsystem (NETLINK_AUDIT).
 * It reads the status and features and listens to the read-only log group;
 * it never sends AUDIT_SET, rules, or user messages.
 *
 * @module
 */
import { Overrun } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { NotificationStream, SpawnedStreams } from "../socket/stream.ts";
import { AUDIT_NLGRP_READLOG, AuditMsg, auditTypeName } from "./constants.ts";
import { type AuditRecord, decodeRecord } from "./records.ts";
import { type AuditFeatures, type AuditStatus, decodeFeatures, decodeStatus } from "./status.ts";

/**
 * A stream of audit records and {@link Overrun}s (a
 * {@link NotificationStream}): `ready` resolves once the socket is in the
 * readlog group (rejects with EPERM without CAP_AUDIT_READ).
 */
export type AuditRecordStream = NotificationStream<AuditRecord | Overrun>;

const describe = (t: number) => {
  const n = auditTypeName(t);
  return n === undefined ? undefined : `AUDIT_${n}`;
};

/**
 * A read-only audit client. Audit lives in the initial namespaces only, so
 * there is no `netns` option.
 *
 * @example
 * ```ts
 * import { Audit } from "@nlts/netlink";
 * await using audit = await Audit.open();
 * const s = await audit.status();
 * console.log(s.enabledName, s.failureName, s.features);
 * ```
 */
export class Audit implements AsyncDisposable {
  readonly #sock: NetlinkSocket;
  readonly #streams = new SpawnedStreams();

  private constructor(sock: NetlinkSocket) {
    this.#sock = sock;
  }

  /**
   * Opens a client.
   *
   * @example
   * ```ts
   * import { Audit } from "@nlts/netlink";
   * const audit = await Audit.open();
   * await audit.close();
   * ```
   */
  static async open(): Promise<Audit> {
    return new Audit(await NetlinkSocket.open("audit", { describeType: describe }));
  }

  // The kernel answers audit requests from a separate thread, after its ACK:
  // so ask without an ACK and take the first reply (an error still comes as NLMSG_ERROR).
  async #get(type: number, signal?: AbortSignal): Promise<NetlinkMessage> {
    const replies = await this.#sock.request(new MessageWriter(type).finish(), { ack: false, signal });
    const reply = replies.find((m) => m.type === type);
    if (!reply) throw new Error(`no ${describe(type)} reply`);
    return reply;
  }

  /**
   * The kernel's audit status (`AUDIT_GET`).
   *
   * @example
   * ```ts
   * import { Audit } from "@nlts/netlink";
   * await using audit = await Audit.open();
   * const { enabled, pid, lost, backlog } = await audit.status();
   * ```
   */
  async status(options: { signal?: AbortSignal } = {}): Promise<AuditStatus> {
    return decodeStatus((await this.#get(AuditMsg.GET, options.signal)).payload);
  }

  /**
   * The switchable audit features (`AUDIT_GET_FEATURE`).
   *
   * @example
   * ```ts
   * import { Audit } from "@nlts/netlink";
   * await using audit = await Audit.open();
   * (await audit.features()).enabled; // e.g. ["loginuid_immutable"]
   * ```
   */
  async features(options: { signal?: AbortSignal } = {}): Promise<AuditFeatures> {
    return decodeFeatures((await this.#get(AuditMsg.GET_FEATURE, options.signal)).payload);
  }

  /**
   * Audit records from the read-only log group (`AUDIT_NLGRP_READLOG`; needs
   * CAP_AUDIT_READ). Best effort: the kernel drops records for a reader that
   * falls behind, which shows as an {@link Overrun}. No records flow while
   * audit is disabled.
   *
   * @example
   * ```ts
   * import { Audit } from "@nlts/netlink";
   * await using audit = await Audit.open();
   * const ac = new AbortController();
   * const records = audit.records({ signal: ac.signal });
   * await records.ready;
   * for await (const r of records) if (!("where" in r)) console.log(r.typeName, r.serial, r.text);
   * ```
   */
  records(options: { signal?: AbortSignal; rcvbuf?: number } = {}): AuditRecordStream {
    return this.#streams.add(() =>
      new NotificationStream<AuditRecord | Overrun>(
        () =>
          NetlinkSocket.open("audit", {
            groups: [AUDIT_NLGRP_READLOG],
            rcvbuf: options.rcvbuf ?? 1 << 20,
            describeType: describe,
          }),
        (item) => (item instanceof Overrun ? item : decodeRecord(item)),
        { signal: options.signal },
      )
    );
  }

  /**
   * Closes the client and the record streams opened from here.
   *
   * @example
   * ```ts
   * import { Audit } from "@nlts/netlink";
   * const audit = await Audit.open();
   * await audit.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#streams.closeAll();
    await this.#sock.close();
  }

  /** Closes the client (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
