/**
 * The `TASKSTATS` generic netlink family (`linux/taskstats.h`): per-task
 * and per-thread-group accounting, with `struct taskstats` decoded field by
 * field according to its version and size.
 *
 * @module
 */
import { ParseError } from "../wire/errors.ts";
import type { FamilySchema } from "./family.ts";
import type { AttrSet, Codec, Decoded } from "../wire/schema.ts";
import { withJson } from "../wire/json.ts";

type Kind = "u8" | "u16" | "u32" | "u64" | "comm";

/** Fields of `struct taskstats`: name, C offset, kind, version that added it (0: size decides). */
const FIELDS: [string, number, Kind, number][] = [
  ["version", 0, "u16", 0],
  ["acExitcode", 4, "u32", 0],
  ["acFlag", 8, "u8", 0],
  ["acNice", 9, "u8", 0],
  ["cpuCount", 16, "u64", 0],
  ["cpuDelayTotal", 24, "u64", 0],
  ["blkioCount", 32, "u64", 0],
  ["blkioDelayTotal", 40, "u64", 0],
  ["swapinCount", 48, "u64", 0],
  ["swapinDelayTotal", 56, "u64", 0],
  ["cpuRunRealTotal", 64, "u64", 0],
  ["cpuRunVirtualTotal", 72, "u64", 0],
  ["acComm", 80, "comm", 0],
  ["acSched", 112, "u8", 0],
  ["acUid", 120, "u32", 0],
  ["acGid", 124, "u32", 0],
  ["acPid", 128, "u32", 0],
  ["acPpid", 132, "u32", 0],
  ["acBtime", 136, "u32", 0],
  ["acEtime", 144, "u64", 0],
  ["acUtime", 152, "u64", 0],
  ["acStime", 160, "u64", 0],
  ["acMinflt", 168, "u64", 0],
  ["acMajflt", 176, "u64", 0],
  ["coremem", 184, "u64", 0],
  ["virtmem", 192, "u64", 0],
  ["hiwaterRss", 200, "u64", 0],
  ["hiwaterVm", 208, "u64", 0],
  ["readChar", 216, "u64", 0],
  ["writeChar", 224, "u64", 0],
  ["readSyscalls", 232, "u64", 0],
  ["writeSyscalls", 240, "u64", 0],
  ["readBytes", 248, "u64", 0],
  ["writeBytes", 256, "u64", 0],
  ["cancelledWriteBytes", 264, "u64", 0],
  ["nvcsw", 272, "u64", 0],
  ["nivcsw", 280, "u64", 0],
  ["acUtimescaled", 288, "u64", 0],
  ["acStimescaled", 296, "u64", 0],
  ["cpuScaledRunRealTotal", 304, "u64", 0],
  ["freepagesCount", 312, "u64", 0],
  ["freepagesDelayTotal", 320, "u64", 0],
  ["thrashingCount", 328, "u64", 0],
  ["thrashingDelayTotal", 336, "u64", 0],
  ["acBtime64", 344, "u64", 10],
  ["compactCount", 352, "u64", 11],
  ["compactDelayTotal", 360, "u64", 11],
  ["acTgid", 368, "u32", 12],
  ["acTgetime", 376, "u64", 12],
  ["acExeDev", 384, "u64", 12],
  ["acExeInode", 392, "u64", 12],
  ["wpcopyCount", 400, "u64", 13],
  ["wpcopyDelayTotal", 408, "u64", 13],
];

const SIZES: Record<Kind, number> = { u8: 1, u16: 2, u32: 4, u64: 8, comm: 32 };
/** Size of `struct taskstats` version 13 (the last this decoder names). */
export const TASKSTATS_V13_SIZE = 416;

/**
 * `struct taskstats`, decoded: times in microseconds (`ac*time`), delays in
 * nanoseconds, counts as bigint. Fields the kernel's version or size does
 * not have are absent; bytes past the fields known here are in `extra`.
 */
export interface TaskStats {
  /** `version`. */
  version: number;
  /** `ac_exitcode`. */
  acExitcode: number;
  /** `ac_flag`. */
  acFlag: number;
  /** `ac_nice`. */
  acNice: number;
  /** `cpu_count`. */
  cpuCount: bigint;
  /** `cpu_delay_total`. */
  cpuDelayTotal: bigint;
  /** `blkio_count`. */
  blkioCount: bigint;
  /** `blkio_delay_total`. */
  blkioDelayTotal: bigint;
  /** `swapin_count`. */
  swapinCount: bigint;
  /** `swapin_delay_total`. */
  swapinDelayTotal: bigint;
  /** `cpu_run_real_total`. */
  cpuRunRealTotal: bigint;
  /** `cpu_run_virtual_total`. */
  cpuRunVirtualTotal: bigint;
  /** `ac_comm`. */
  acComm?: string;
  /** `ac_sched`. */
  acSched?: number;
  /** `ac_uid`. */
  acUid?: number;
  /** `ac_gid`. */
  acGid?: number;
  /** `ac_pid`. */
  acPid?: number;
  /** `ac_ppid`. */
  acPpid?: number;
  /** `ac_btime`. */
  acBtime?: number;
  /** `ac_etime`. */
  acEtime?: bigint;
  /** `ac_utime`. */
  acUtime?: bigint;
  /** `ac_stime`. */
  acStime?: bigint;
  /** `ac_minflt`. */
  acMinflt?: bigint;
  /** `ac_majflt`. */
  acMajflt?: bigint;
  /** `coremem`. */
  coremem?: bigint;
  /** `virtmem`. */
  virtmem?: bigint;
  /** `hiwater_rss`. */
  hiwaterRss?: bigint;
  /** `hiwater_vm`. */
  hiwaterVm?: bigint;
  /** `read_char`. */
  readChar?: bigint;
  /** `write_char`. */
  writeChar?: bigint;
  /** `read_syscalls`. */
  readSyscalls?: bigint;
  /** `write_syscalls`. */
  writeSyscalls?: bigint;
  /** `read_bytes`. */
  readBytes?: bigint;
  /** `write_bytes`. */
  writeBytes?: bigint;
  /** `cancelled_write_bytes`. */
  cancelledWriteBytes?: bigint;
  /** `nvcsw`. */
  nvcsw?: bigint;
  /** `nivcsw`. */
  nivcsw?: bigint;
  /** `ac_utimescaled`. */
  acUtimescaled?: bigint;
  /** `ac_stimescaled`. */
  acStimescaled?: bigint;
  /** `cpu_scaled_run_real_total`. */
  cpuScaledRunRealTotal?: bigint;
  /** `freepages_count`. */
  freepagesCount?: bigint;
  /** `freepages_delay_total`. */
  freepagesDelayTotal?: bigint;
  /** `thrashing_count`. */
  thrashingCount?: bigint;
  /** `thrashing_delay_total`. */
  thrashingDelayTotal?: bigint;
  /** `ac_btime64`. */
  acBtime64?: bigint;
  /** `compact_count`. */
  compactCount?: bigint;
  /** `compact_delay_total`. */
  compactDelayTotal?: bigint;
  /** `ac_tgid`. */
  acTgid?: number;
  /** `ac_tgetime`. */
  acTgetime?: bigint;
  /** `ac_exe_dev`. */
  acExeDev?: bigint;
  /** `ac_exe_inode`. */
  acExeInode?: bigint;
  /** `wpcopy_count`. */
  wpcopyCount?: bigint;
  /** `wpcopy_delay_total`. */
  wpcopyDelayTotal?: bigint;
  /** Bytes after the last field known here (fields of versions above 13). */
  extra?: Uint8Array;
}

/**
 * Decodes `struct taskstats`. Shorter than its version-1 part (80 bytes) is
 * a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { decodeTaskStats } from "@nlts/netlink/genl";
 * const bytes = new Uint8Array(416);
 * bytes[0] = 13;
 * decodeTaskStats(bytes).version; // 13
 * ```
 */
export function decodeTaskStats(bytes: Uint8Array): TaskStats {
  if (bytes.length < 80) throw new ParseError(`struct taskstats of ${bytes.length} bytes (at least 80)`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(0, true);
  const out: Record<string, unknown> = {};
  let end = 0;
  for (const [name, offset, kind, since] of FIELDS) {
    const size = SIZES[kind];
    if (offset + size > bytes.length || version < since) continue;
    end = Math.max(end, offset + size);
    switch (kind) {
      case "u8":
        out[name] = bytes[offset];
        break;
      case "u16":
        out[name] = dv.getUint16(offset, true);
        break;
      case "u32":
        out[name] = dv.getUint32(offset, true);
        break;
      case "u64":
        out[name] = dv.getBigUint64(offset, true);
        break;
      case "comm": {
        const raw = bytes.subarray(offset, offset + size);
        const nul = raw.indexOf(0);
        out[name] = new TextDecoder().decode(nul < 0 ? raw : raw.subarray(0, nul));
      }
    }
  }
  if (bytes.length > end && version > 13) out.extra = bytes.slice(end);
  return withJson(out) as unknown as TaskStats;
}

/** Codec of the `stats` attribute. */
export const taskStatsCodec: Codec<TaskStats> = { decode: decodeTaskStats };

/** `TASKSTATS_CMD_ATTR_*`: what a request asks for. */
export const taskstatsCmdAttrs = {
  name: "taskstats-cmd",
  attributes: {
    pid: { id: 1, type: "u32" },
    tgid: { id: 2, type: "u32" },
    registerCpumask: { id: 3, type: "string" },
    deregisterCpumask: { id: 4, type: "string" },
  },
} as const satisfies AttrSet;

/** The inside of `TASKSTATS_TYPE_AGGR_PID` / `_AGGR_TGID`: an id and its stats. */
export const taskstatsAggrAttrs = {
  name: "taskstats-aggr",
  attributes: {
    pid: { id: 1, type: "u32" },
    tgid: { id: 2, type: "u32" },
    stats: { id: 3, type: "binary", codec: taskStatsCodec },
  },
} as const satisfies AttrSet;

/** `TASKSTATS_TYPE_*`: what a reply carries. */
export const taskstatsTypeAttrs = {
  name: "taskstats-type",
  attributes: {
    pid: { id: 1, type: "u32" },
    tgid: { id: 2, type: "u32" },
    stats: { id: 3, type: "binary", codec: taskStatsCodec },
    aggrPid: { id: 4, type: "nest", nested: taskstatsAggrAttrs },
    aggrTgid: { id: 5, type: "nest", nested: taskstatsAggrAttrs },
    null: { id: 6, type: "flag" },
  },
} as const satisfies AttrSet;

/**
 * The TASKSTATS family.
 *
 * @example
 * ```ts
 * import { GenlFamily, taskstats } from "@nlts/netlink";
 * await using ts = await GenlFamily.open(taskstats);
 * const r = await ts.request("get", { pid: Deno.pid });
 * console.log(r.aggrPid?.stats?.acComm);
 * ```
 */
export const taskstats = {
  name: "TASKSTATS",
  version: 1,
  commands: {
    get: { id: 1, request: taskstatsCmdAttrs, reply: taskstatsTypeAttrs },
  },
  notifications: {
    new: { id: 2, attrs: taskstatsTypeAttrs },
  },
} as const satisfies FamilySchema;

/** A decoded TASKSTATS reply. */
export type TaskstatsReply = Decoded<typeof taskstatsTypeAttrs>;
