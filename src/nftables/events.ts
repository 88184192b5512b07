/**
 * Ruleset changes as events: the `NFNLGRP_NFTABLES` group, decoded into
 * typed {@link NftEvent}s, on the project's one stream contract
 * ({@link NotificationStream}).
 *
 * @module
 */
import { NetlinkSocket } from "../socket/socket.ts";
import { NotificationStream } from "../socket/stream.ts";
import type { NetnsTarget } from "../socket/netns.ts";
import { Overrun } from "../wire/errors.ts";
import type { NetlinkMessage } from "../wire/message.ts";
import { splitNfnlType } from "../netfilter/nfnetlink.ts";
import { describeNftType, NFNL_SUBSYS_NFTABLES, NFNLGRP_NFTABLES, NFT_MSG, type NftFamily } from "./constants.ts";
import type { NftChain, NftFlowtable, NftObject, NftRule, NftSet, NftSetElement, NftTable } from "./objects.ts";
import {
  decodeChain,
  decodeFlowtable,
  decodeGenerationMessage,
  decodeObject,
  decodeRule,
  decodeSet,
  decodeSetElements,
  decodeTable,
} from "./schema.ts";

/** Whether an object was added (or changed) or deleted. */
export type NftEventAction = "new" | "delete";

/** One change of the ruleset, as the kernel announces it after a commit. */
export type NftEvent =
  | { action: NftEventAction; kind: "table"; table: NftTable }
  | { action: NftEventAction; kind: "chain"; chain: NftChain }
  | { action: NftEventAction; kind: "rule"; rule: NftRule }
  | { action: NftEventAction; kind: "set"; set: NftSet }
  | {
    action: NftEventAction;
    kind: "elements";
    family: NftFamily | number;
    table: string;
    set: string;
    elements: NftSetElement[];
  }
  | { action: NftEventAction; kind: "object"; object: NftObject }
  | { action: NftEventAction; kind: "flowtable"; flowtable: NftFlowtable }
  | {
    action: "new";
    kind: "generation";
    /** The new generation id: one event ends each committed transaction. */
    generation: number;
    /** Pid of the process that committed it. */
    pid?: number;
    /** Its name. */
    processName?: string;
  };

/** Options of {@link Nftables.events}. */
export interface NftEventOptions {
  /** Closes the stream (as its `close()` does): the iteration ends. */
  signal?: AbortSignal;
  /** Kernel receive buffer of the event socket (default 4 MiB). */
  rcvbuf?: number;
  /** `"yield"` (default) yields an {@link Overrun} where events were lost; `"throw"` throws `OverrunError`. */
  overrun?: "yield" | "throw";
}

/** Decodes one `NFNLGRP_NFTABLES` message (undefined for a type this does not know, e.g. `NFT_MSG_TRACE`). */
export function decodeNftEvent(m: NetlinkMessage): NftEvent | undefined {
  const { subsys, msg } = splitNfnlType(m.type);
  if (subsys !== NFNL_SUBSYS_NFTABLES) return undefined;
  switch (msg) {
    case NFT_MSG.NEWTABLE:
    case NFT_MSG.DELTABLE:
      return { action: msg === NFT_MSG.NEWTABLE ? "new" : "delete", kind: "table", table: decodeTable(m) };
    case NFT_MSG.NEWCHAIN:
    case NFT_MSG.DELCHAIN:
      return { action: msg === NFT_MSG.NEWCHAIN ? "new" : "delete", kind: "chain", chain: decodeChain(m) };
    case NFT_MSG.NEWRULE:
    case NFT_MSG.DELRULE:
      return { action: msg === NFT_MSG.NEWRULE ? "new" : "delete", kind: "rule", rule: decodeRule(m) };
    case NFT_MSG.NEWSET:
    case NFT_MSG.DELSET:
      return { action: msg === NFT_MSG.NEWSET ? "new" : "delete", kind: "set", set: decodeSet(m) };
    case NFT_MSG.NEWSETELEM:
    case NFT_MSG.DELSETELEM:
      return { action: msg === NFT_MSG.NEWSETELEM ? "new" : "delete", kind: "elements", ...decodeSetElements(m) };
    case NFT_MSG.NEWOBJ:
    case NFT_MSG.DELOBJ:
      return { action: msg === NFT_MSG.NEWOBJ ? "new" : "delete", kind: "object", object: decodeObject(m) };
    case NFT_MSG.NEWFLOWTABLE:
    case NFT_MSG.DELFLOWTABLE:
      return {
        action: msg === NFT_MSG.NEWFLOWTABLE ? "new" : "delete",
        kind: "flowtable",
        flowtable: decodeFlowtable(m),
      };
    case NFT_MSG.NEWGEN: {
      const { id, pid, processName } = decodeGenerationMessage(m);
      const event: NftEvent = { action: "new", kind: "generation", generation: id };
      if (pid !== undefined) event.pid = pid;
      if (processName !== undefined) event.processName = processName;
      return event;
    }
  }
  return undefined;
}

/**
 * The ruleset's changes as they are committed (`NFNLGRP_NFTABLES`), typed.
 * Returned synchronously by {@link Nftables.events}; `ready` resolves once
 * the group is joined.
 *
 * @example
 * ```ts
 * import { Nftables } from "@nlts/netlink/nftables";
 * await using nft = await Nftables.open({ netns: "test" });
 * await using events = nft.events();
 * await events.ready;
 * for await (const e of events) if ("kind" in e && e.kind === "rule") console.log(e.action, e.rule.chain, e.rule.handle);
 * ```
 */
export class NftEventStream extends NotificationStream<NftEvent | Overrun> {
  /** Use {@link Nftables.events}. */
  constructor(netns: NetnsTarget | undefined, options: NftEventOptions = {}) {
    super(
      () =>
        NetlinkSocket.open("netfilter", {
          netns,
          groups: [NFNLGRP_NFTABLES],
          rcvbuf: options.rcvbuf ?? 4 * 1024 * 1024,
          describeType: describeNftType,
        }),
      (item) => (item instanceof Overrun ? item : decodeNftEvent(item)),
      { signal: options.signal, overrun: options.overrun },
    );
  }
}
