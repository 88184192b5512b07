/**
 * The commands of the `nlts` command line for families other than
 * rtnetlink: `genl`, `conntrack` and `uevent` (`ss` is in ss.ts).
 *
 * @module
 */
import { Controller } from "../genl/controller.ts";
import type { FamilyInfo } from "../genl/nlctrl.ts";
import { Conntrack, type ConntrackEntry, type ConntrackEvent } from "../netfilter/conntrack.ts";
import type { NfFamily } from "../netfilter/nfnetlink.ts";
import { UeventMonitor } from "../uevent/monitor.ts";
import type { Uevent } from "../uevent/uevent.ts";
import { Overrun } from "../wire/errors.ts";
import { integer, seconds, UsageError } from "./args.ts";
import { stopSignal, untilStopped } from "./context.ts";
import type { Cell } from "./format.ts";
import type { Command } from "./route.ts";

const FOR_OPTION = {
  names: ["--for"],
  key: "for",
  value: "SECONDS",
  help: "stop after SECONDS (default: until Ctrl-C)",
};

function overrunLine(o: Overrun): string {
  return `[overrun] events were lost (${o.where})`;
}

function familyRow(f: FamilyInfo): Cell[] {
  return [
    f.id,
    f.name,
    f.version,
    f.headerSize,
    f.maxAttr,
    f.operations.length,
    f.groups.map((g) => `${g.name}(${g.id})`).join(","),
  ];
}
const FAMILY_HEADERS = ["id", "name", "version", "hdrsize", "maxattr", "ops", "groups"];

/** `genl`. */
export const genl: Command = {
  usage: "genl [list] | genl get NAME",
  description: "List the generic netlink families the controller knows, or describe one.",
  options: [],
  async run(ctx, positionals) {
    const words = positionals[0] === "list" || positionals[0] === "show" ? positionals.slice(1) : positionals;
    await using ctrl = await Controller.open({ netns: ctx.netns, watch: false });
    if (words[0] === "get") {
      if (words.length !== 2) throw new UsageError("genl get: needs one family name");
      ctx.list([await ctrl.get(words[1])], FAMILY_HEADERS, familyRow);
      return;
    }
    if (words.length) throw new UsageError(`genl: unexpected ${JSON.stringify(words[0])}`);
    const families = (await ctrl.list()).sort((a, b) => a.id - b.id);
    ctx.list(families, FAMILY_HEADERS, familyRow);
  },
};

function tupleText(t: ConntrackEntry["orig"]): string {
  const ports = t.srcPort !== undefined ? ` sport=${t.srcPort} dport=${t.dstPort}` : "";
  const icmp = t.icmpType !== undefined ? ` type=${t.icmpType} code=${t.icmpCode} id=${t.icmpId}` : "";
  return `src=${t.src} dst=${t.dst}${ports}${icmp}`;
}
function conntrackRow(e: ConntrackEntry): Cell[] {
  return [
    e.family,
    e.orig.protocolName ?? e.orig.protocol,
    e.tcp?.state,
    e.timeout,
    tupleText(e.orig),
    tupleText(e.reply),
    e.mark,
    e.zone,
    e.statusFlags.join(","),
  ];
}
const CONNTRACK_HEADERS = ["family", "proto", "state", "timeout", "original", "reply", "mark", "zone", "status"];

/** `conntrack`. */
export const conntrack: Command = {
  usage: "conntrack [-L] [-E [--for SECONDS]] [-f inet|inet6] [-p PROTO] [-m MARK]",
  description: "List the connection tracking table (-L, the default), or print its events as they happen (-E).",
  options: [
    { names: ["-L", "--dump"], key: "list", help: "list the table (default)" },
    { names: ["-E", "--event"], key: "events", help: "print events until Ctrl-C" },
    { names: ["-f", "--family"], key: "family", value: "inet|inet6", help: "only this family" },
    {
      names: ["-p", "--proto"],
      key: "proto",
      value: "PROTO",
      help: "only this protocol (tcp, udp, icmp… or a number)",
    },
    { names: ["-m", "--mark"], key: "mark", value: "MARK", help: "only entries with this mark" },
    FOR_OPTION,
  ],
  async run(ctx, positionals, options) {
    if (positionals.length) throw new UsageError(`conntrack: unexpected ${JSON.stringify(positionals[0])}`);
    if (options.list && options.events) throw new UsageError("-L and -E exclude each other");
    const family = options.family as string | undefined;
    if (family !== undefined && family !== "inet" && family !== "inet6") {
      throw new UsageError(`-f must be inet or inet6, not ${JSON.stringify(family)}`);
    }
    const proto = options.proto as string | undefined;
    const protocol = proto === undefined ? undefined : /^\d+$/.test(proto) ? integer(proto, "-p", 0, 255) : proto;
    const mark = options.mark === undefined ? undefined : integer(options.mark as string, "-m", 0, 0xffffffff);
    const filter = (e: ConntrackEntry) =>
      (family === undefined || e.family === family) &&
      (protocol === undefined || e.orig.protocol === protocol || e.orig.protocolName === protocol) &&
      (mark === undefined || e.mark === mark);
    await using ct = await Conntrack.open({ netns: ctx.netns });
    if (options.events) {
      using stop = stopSignal(seconds(options, "for"));
      await using events = ct.events({ signal: stop.signal });
      await untilStopped(stop.signal, async () => {
        await events.ready;
        for await (const ev of events) {
          if (ev instanceof Overrun) {
            ctx.item({ overrun: true, where: ev.where }, () => overrunLine(ev));
            continue;
          }
          if (!filter(ev.entry)) continue;
          ctx.item(ev, () => eventText(ev));
        }
      });
      return;
    }
    if (options.for !== undefined) throw new UsageError("--for goes with -E");
    const list: ConntrackEntry[] = [];
    for await (const e of ct.dump({ family: family as NfFamily | undefined, protocol: protocol as never, mark })) {
      if (filter(e)) list.push(e);
    }
    ctx.list(list, CONNTRACK_HEADERS, conntrackRow);
  },
};

function eventText(ev: ConntrackEvent): string {
  return `[${ev.type.toUpperCase()}] ` + conntrackRow(ev.entry).filter((c) => c !== undefined && c !== "").join(" ");
}

function ueventLine(ev: Uevent): string {
  const extra = ev.interface ? ` ${ev.interface}` : ev.devname ? ` ${ev.devname}` : "";
  return `${ev.source} ${ev.action} ${ev.devpath} (${ev.subsystem ?? "-"})${extra}`;
}

/** `uevent`. */
export const uevent: Command = {
  usage: "uevent [--subsystem NAME] [--action ACTION] [--udev] [--for SECONDS]",
  description: "Print device events (kobject uevents) as they happen, until Ctrl-C. Network devices' " +
    "events arrive in the namespace they belong to.",
  options: [
    { names: ["-s", "--subsystem"], key: "subsystem", value: "NAME", help: "only this subsystem (net, block…)" },
    { names: ["--action"], key: "action", value: "ACTION", help: "only this action (add, remove, change…)" },
    { names: ["--udev"], key: "udev", help: "udevd's re-sent events instead of the kernel's" },
    FOR_OPTION,
  ],
  async run(ctx, positionals, options) {
    if (positionals.length) throw new UsageError(`uevent: unexpected ${JSON.stringify(positionals[0])}`);
    using stop = stopSignal(seconds(options, "for"));
    await using mon = await UeventMonitor.open({
      netns: ctx.netns,
      subsystem: options.subsystem as string | undefined,
      action: options.action as string | undefined,
      source: options.udev ? "udev" : "kernel",
    });
    await untilStopped(stop.signal, async () => {
      for await (const ev of mon.events({ signal: stop.signal })) {
        if (ev instanceof Overrun) ctx.item({ overrun: true, where: ev.where }, () => overrunLine(ev));
        else ctx.item(ev, () => ueventLine(ev));
      }
    });
  },
};
