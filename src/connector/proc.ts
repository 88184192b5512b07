/**
 * Process events of the NETLINK_CONNECTOR (`linux/cn_proc.h`): the
 * `cn_msg` framing, the subscription messages, and `struct proc_event`.
 *
 * @module
 */
import { NLMSG_DONE } from "../wire/constants.ts";
import { ParseError } from "../wire/errors.ts";
import { MessageWriter, type NetlinkMessage } from "../wire/message.ts";
import {
  CN_IDX_PROC,
  CN_MSG_SIZE,
  CN_VAL_PROC,
  PROC_EVENT_HEADER_SIZE,
  ProcCnMcastOp,
  ProcEventWhat,
} from "./constants.ts";
import { withJson } from "../wire/json.ts";

/** The connector header (`struct cn_msg`) of a message. */
export interface ConnectorHeader {
  /** `id.idx`: the connector user (1: process events). */
  idx: number;
  /** `id.val`. */
  val: number;
  /** Message sequence number (per-CPU event counter for process events). */
  seq: number;
  /** Acknowledgement number. */
  ack: number;
  /** Connector flags. */
  flags: number;
  /** The `len` bytes of data after the header. */
  data: Uint8Array;
}

/**
 * Splits a connector message into its `cn_msg` header and data; `len` is
 * checked against what was received.
 *
 * @example
 * ```ts
 * import { decodeConnectorHeader, encodeProcMcast } from "@nlts/netlink/connector";
 * const bytes = encodeProcMcast("listen", 5);
 * const cn = decodeConnectorHeader({ type: 3, flags: 0, seq: 5, pid: 0, payload: bytes.subarray(16) });
 * console.log(cn.idx, cn.seq, cn.data.length); // 1 5 4
 * ```
 */
export function decodeConnectorHeader(msg: NetlinkMessage): ConnectorHeader {
  const p = msg.payload;
  if (p.length < CN_MSG_SIZE) throw new ParseError(`connector message of ${p.length} bytes is shorter than cn_msg`, 0);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const len = dv.getUint16(16, true);
  if (len > p.length - CN_MSG_SIZE) {
    throw new ParseError(`cn_msg len ${len} runs past the message (${p.length - CN_MSG_SIZE} bytes of data)`, 16);
  }
  return {
    idx: dv.getUint32(0, true),
    val: dv.getUint32(4, true),
    seq: dv.getUint32(8, true),
    ack: dv.getUint32(12, true),
    flags: dv.getUint16(18, true),
    data: p.subarray(CN_MSG_SIZE, CN_MSG_SIZE + len),
  };
}

/**
 * The subscription message: `PROC_CN_MCAST_LISTEN` or `PROC_CN_MCAST_IGNORE`
 * in a `cn_msg` for CN_IDX_PROC/CN_VAL_PROC, in a netlink message to the
 * kernel. The kernel acknowledges with a PROC_EVENT_NONE event to every
 * listener whose `cn_msg.ack` is `ack + 1` (its `seq` is the kernel's own).
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { encodeProcMcast } from "@nlts/netlink/connector";
 * await using sock = await NetlinkSocket.open("connector", { groups: [1] });
 * sock.send(encodeProcMcast("listen"));
 * ```
 */
export function encodeProcMcast(op: "listen" | "ignore", seq = 0, ack = 0): Uint8Array {
  if (op !== "listen" && op !== "ignore") {
    throw new TypeError(`op must be "listen" or "ignore", not ${JSON.stringify(op)}`);
  }
  const m = new MessageWriter(NLMSG_DONE);
  const dv = m.struct(CN_MSG_SIZE + 4);
  dv.setUint32(0, CN_IDX_PROC, true);
  dv.setUint32(4, CN_VAL_PROC, true);
  dv.setUint32(8, seq >>> 0, true);
  dv.setUint32(12, ack >>> 0, true);
  dv.setUint16(16, 4, true);
  dv.setUint32(CN_MSG_SIZE, op === "listen" ? ProcCnMcastOp.LISTEN : ProcCnMcastOp.IGNORE, true);
  return m.finish(seq);
}

/** What every process event has. */
export interface ProcEventBase {
  /** CPU the event was recorded on. */
  cpu: number;
  /** Nanoseconds since boot (CLOCK_MONOTONIC). */
  timestamp: bigint;
}

/**
 * A process event. Following the kernel, `pid` is the thread id and `tgid`
 * the thread-group id, which user space calls the process id; both are in
 * the initial PID namespace.
 */
export type ProcEvent =
  | ProcEventBase & {
    /** PROC_EVENT_NONE: the acknowledgement of a LISTEN/IGNORE (to everyone listening). */
    type: "none";
    /** Positive errno, 0 for success. */
    err: number;
  }
  | ProcEventBase & {
    type: "fork";
    parentPid: number;
    parentTgid: number;
    childPid: number;
    childTgid: number;
  }
  | ProcEventBase & { type: "exec"; pid: number; tgid: number }
  | ProcEventBase & { type: "uid"; pid: number; tgid: number; ruid: number; euid: number }
  | ProcEventBase & { type: "gid"; pid: number; tgid: number; rgid: number; egid: number }
  | ProcEventBase & { type: "sid"; pid: number; tgid: number }
  | ProcEventBase & {
    type: "ptrace";
    pid: number;
    tgid: number;
    /** The tracer; 0 when tracing stopped (PTRACE_DETACH). */
    tracerPid: number;
    tracerTgid: number;
  }
  | ProcEventBase & { type: "comm"; pid: number; tgid: number; comm: string }
  | ProcEventBase & {
    type: "coredump";
    pid: number;
    tgid: number;
    parentPid?: number;
    parentTgid?: number;
  }
  | ProcEventBase & {
    type: "exit";
    pid: number;
    tgid: number;
    /** The wait status as the kernel keeps it (`task->exit_code`). */
    status: number;
    /** Exit code, when the process exited normally. */
    code?: number;
    /** Signal that terminated the process, when it was killed. */
    signal?: number;
    /** The terminating signal dumped core. */
    coreDumped: boolean;
    /** Signal sent to the parent (`task->exit_signal`: SIGCHLD = 17, -1 for threads). */
    exitSignal: number;
    parentPid?: number;
    parentTgid?: number;
  }
  | ProcEventBase & {
    /** An event kind this library does not know; `data` is `event_data` as received. */
    type: "unknown";
    what: number;
    data: Uint8Array;
  };

/** Kinds of {@link ProcEvent}, as in its `type`. */
export type ProcEventType = ProcEvent["type"];

const MIN_SIZE: Record<number, number> = {
  [ProcEventWhat.NONE]: 4,
  [ProcEventWhat.FORK]: 16,
  [ProcEventWhat.EXEC]: 8,
  [ProcEventWhat.UID]: 16,
  [ProcEventWhat.GID]: 16,
  [ProcEventWhat.SID]: 8,
  [ProcEventWhat.PTRACE]: 16,
  [ProcEventWhat.COMM]: 24,
  [ProcEventWhat.COREDUMP]: 8,
  [ProcEventWhat.EXIT]: 16,
};

const NAMES: Record<number, string> = {
  [ProcEventWhat.NONE]: "none",
  [ProcEventWhat.FORK]: "fork",
  [ProcEventWhat.EXEC]: "exec",
  [ProcEventWhat.UID]: "uid",
  [ProcEventWhat.GID]: "gid",
  [ProcEventWhat.SID]: "sid",
  [ProcEventWhat.PTRACE]: "ptrace",
  [ProcEventWhat.COMM]: "comm",
  [ProcEventWhat.COREDUMP]: "coredump",
  [ProcEventWhat.EXIT]: "exit",
};

const decoder = new TextDecoder();

/**
 * Decodes `struct proc_event` from its bytes (the data of a `cn_msg`).
 * Short input throws {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeProcEventData } from "@nlts/netlink/connector";
 * const b = new Uint8Array(40);
 * const dv = new DataView(b.buffer);
 * dv.setUint32(0, 0x2, true); // PROC_EVENT_EXEC
 * dv.setInt32(16, 1234, true);
 * dv.setInt32(20, 1234, true);
 * console.log(decodeProcEventData(b)); // { type: "exec", pid: 1234, tgid: 1234, cpu: 0, timestamp: 0n }
 * ```
 */
export function decodeProcEventData(data: Uint8Array, base = 0): ProcEvent {
  return withJson(procEventOf(data, base));
}

function procEventOf(data: Uint8Array, base = 0): ProcEvent {
  if (data.length < PROC_EVENT_HEADER_SIZE) {
    throw new ParseError(
      `proc_event of ${data.length} bytes is shorter than its ${PROC_EVENT_HEADER_SIZE}-byte header`,
      base,
    );
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const what = dv.getUint32(0, true);
  const cpu = dv.getUint32(4, true);
  const timestamp = dv.getBigUint64(8, true);
  const at = PROC_EVENT_HEADER_SIZE;
  const size = data.length - at;
  const need = MIN_SIZE[what];
  if (need === undefined) return { type: "unknown", what, data: data.slice(at), cpu, timestamp };
  if (size < need) {
    throw new ParseError(`${NAMES[what]} event data of ${size} bytes is shorter than ${need}`, base + at);
  }
  const i32 = (n: number) => dv.getInt32(at + 4 * n, true);
  const u32 = (n: number) => dv.getUint32(at + 4 * n, true);
  switch (what) {
    case ProcEventWhat.NONE:
      return { type: "none", err: u32(0), cpu, timestamp };
    case ProcEventWhat.FORK:
      return {
        type: "fork",
        parentPid: i32(0),
        parentTgid: i32(1),
        childPid: i32(2),
        childTgid: i32(3),
        cpu,
        timestamp,
      };
    case ProcEventWhat.EXEC:
      return { type: "exec", pid: i32(0), tgid: i32(1), cpu, timestamp };
    case ProcEventWhat.UID:
      return { type: "uid", pid: i32(0), tgid: i32(1), ruid: u32(2), euid: u32(3), cpu, timestamp };
    case ProcEventWhat.GID:
      return { type: "gid", pid: i32(0), tgid: i32(1), rgid: u32(2), egid: u32(3), cpu, timestamp };
    case ProcEventWhat.SID:
      return { type: "sid", pid: i32(0), tgid: i32(1), cpu, timestamp };
    case ProcEventWhat.PTRACE:
      return { type: "ptrace", pid: i32(0), tgid: i32(1), tracerPid: i32(2), tracerTgid: i32(3), cpu, timestamp };
    case ProcEventWhat.COMM: {
      const raw = data.subarray(at + 8, at + 24);
      const nul = raw.indexOf(0);
      const comm = decoder.decode(nul < 0 ? raw : raw.subarray(0, nul));
      return { type: "comm", pid: i32(0), tgid: i32(1), comm, cpu, timestamp };
    }
    case ProcEventWhat.COREDUMP: {
      const ev: ProcEvent = { type: "coredump", pid: i32(0), tgid: i32(1), cpu, timestamp };
      // Kernels before 4.19 sent no parent.
      if (size >= 16) {
        ev.parentPid = i32(2);
        ev.parentTgid = i32(3);
      }
      return ev;
    }
    default: {
      // PROC_EVENT_EXIT
      const status = u32(2);
      const ev: ProcEvent = {
        type: "exit",
        pid: i32(0),
        tgid: i32(1),
        status,
        coreDumped: false,
        exitSignal: i32(3),
        cpu,
        timestamp,
      };
      const sig = status & 0x7f;
      if (sig === 0) ev.code = (status >> 8) & 0xff;
      else {
        ev.signal = sig;
        ev.coreDumped = (status & 0x80) !== 0;
      }
      if (size >= 24) {
        ev.parentPid = i32(4);
        ev.parentTgid = i32(5);
      }
      return ev;
    }
  }
}

/**
 * Decodes a process-event message as received on NETLINK_CONNECTOR: a
 * `cn_msg` for CN_IDX_PROC/CN_VAL_PROC around `struct proc_event`. Any other
 * connector message, or short bytes, throw {@link ParseError}.
 *
 * @example
 * ```ts
 * import { NetlinkSocket } from "@nlts/netlink";
 * import { decodeProcEvent, encodeProcMcast } from "@nlts/netlink/connector";
 * await using sock = await NetlinkSocket.open("connector", { groups: [1] });
 * sock.send(encodeProcMcast("listen"));
 * for await (const msg of sock.notifications()) {
 *   if ("overrun" in msg) continue;
 *   const ev = decodeProcEvent(msg);
 *   if (ev.type === "exit") console.log(ev.tgid, ev.code);
 * }
 * ```
 */
export function decodeProcEvent(msg: NetlinkMessage): ProcEvent {
  const cn = decodeConnectorHeader(msg);
  if (cn.idx !== CN_IDX_PROC || cn.val !== CN_VAL_PROC) {
    throw new ParseError(`connector message for ${cn.idx}/${cn.val} is not a process event (1/1)`, 0);
  }
  return decodeProcEventData(cn.data, CN_MSG_SIZE);
}
