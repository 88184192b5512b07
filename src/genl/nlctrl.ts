/**
 * The generic netlink controller (`nlctrl`, `linux/genetlink.h`) written
 * with the schema, and the plain {@link FamilyInfo} it describes families as.
 *
 * @module
 */
import type { FamilySchema, GenlEvent } from "./family.ts";
import type { AttrSet, Decoded } from "../wire/schema.ts";

/** `GENL_ID_CTRL`: the controller's fixed family number. */
export const GENL_ID_CTRL = 0x10;

/** Names of `GENL_*` operation flags, by bit. */
export const OP_FLAGS = ["admin-perm", "do", "dump", "has-policy", "uns-admin-perm"] as const;

/** `CTRL_ATTR_OP_*`. */
export const ctrlOpAttrs = {
  name: "ctrl-op",
  attributes: {
    id: { id: 1, type: "u32" },
    flags: { id: 2, type: "u32", flags: OP_FLAGS },
  },
} as const satisfies AttrSet;

/** `CTRL_ATTR_MCAST_GRP_*`. */
export const ctrlMcastGroupAttrs = {
  name: "ctrl-mcast-group",
  attributes: {
    name: { id: 1, type: "string" },
    id: { id: 2, type: "u32" },
  },
} as const satisfies AttrSet;

/** `CTRL_ATTR_POLICY_*` (per-operation policy indexes). */
export const ctrlOpPolicyAttrs = {
  name: "ctrl-op-policy",
  attributes: {
    do: { id: 1, type: "u32" },
    dump: { id: 2, type: "u32" },
  },
} as const satisfies AttrSet;

/** `CTRL_ATTR_*`. */
export const ctrlAttrs = {
  name: "ctrl",
  attributes: {
    familyId: { id: 1, type: "u16" },
    familyName: { id: 2, type: "string" },
    version: { id: 3, type: "u32" },
    headerSize: { id: 4, type: "u32" },
    maxAttr: { id: 5, type: "u32" },
    ops: { id: 6, type: "nest-array", nested: ctrlOpAttrs },
    mcastGroups: { id: 7, type: "nest-array", nested: ctrlMcastGroupAttrs },
    policy: { id: 8, type: "binary" },
    opPolicy: { id: 9, type: "binary" },
    op: { id: 10, type: "u32" },
  },
} as const satisfies AttrSet;

/**
 * The controller family.
 *
 * @example
 * ```ts
 * import { GenlFamily, nlctrl } from "@nlts/netlink";
 * await using ctrl = await GenlFamily.open(nlctrl);
 * for await (const f of ctrl.dump("getfamily", {})) console.log(f.familyName);
 * ```
 */
export const nlctrl = {
  name: "nlctrl",
  version: 2,
  commands: {
    getfamily: { id: 3, request: ctrlAttrs, reply: ctrlAttrs },
    getpolicy: { id: 10, request: ctrlAttrs, reply: ctrlAttrs },
  },
  notifications: {
    newfamily: { id: 1, attrs: ctrlAttrs },
    delfamily: { id: 2, attrs: ctrlAttrs },
    newops: { id: 4, attrs: ctrlAttrs },
    delops: { id: 5, attrs: ctrlAttrs },
    newmcastGroup: { id: 7, attrs: ctrlAttrs },
    delmcastGroup: { id: 8, attrs: ctrlAttrs },
  },
  groups: ["notify"],
} as const satisfies FamilySchema;

/** An event of the controller's `notify` group. */
export type CtrlEvent = GenlEvent<typeof nlctrl>;

/** An operation a family supports. */
export interface FamilyOp {
  /** Command number. */
  id: number;
  /** `"admin-perm"`, `"do"`, `"dump"`, `"has-policy"`, `"uns-admin-perm"` (unknown bits as numbers). */
  flags: (string | number)[];
  /** The raw flag bits. */
  flagBits: number;
}

/** A multicast group of a family. */
export interface FamilyGroup {
  /** Group name. */
  name: string;
  /** Group number, for `join()` (may be above 32). */
  id: number;
}

/** A family as the controller describes it. */
export interface FamilyInfo {
  /** Family number (the `nlmsg_type` of its messages). */
  id: number;
  /** Family name. */
  name: string;
  /** Version. */
  version: number;
  /** Size of the family's fixed header. */
  headerSize: number;
  /** Highest attribute number. */
  maxAttr: number;
  /** Operations, in the controller's order. */
  operations: FamilyOp[];
  /** Multicast groups. */
  groups: FamilyGroup[];
}

/**
 * Turns a decoded `CTRL_CMD_NEWFAMILY` into a {@link FamilyInfo}.
 *
 * @example
 * ```ts
 * import { familyInfo } from "./nlctrl.ts";
 * familyInfo({ familyId: 16, familyName: "nlctrl", version: 2 }).id; // 16
 * ```
 */
export function familyInfo(d: Decoded<typeof ctrlAttrs>): FamilyInfo {
  const bits = (flags: (string | number)[]) =>
    flags.reduce<number>((m, f) => m | (typeof f === "number" ? f : 1 << OP_FLAGS.indexOf(f as never)), 0);
  return {
    id: d.familyId ?? 0,
    name: d.familyName ?? "",
    version: d.version ?? 0,
    headerSize: d.headerSize ?? 0,
    maxAttr: d.maxAttr ?? 0,
    operations: (d.ops ?? []).map((op) => ({ id: op.id ?? 0, flags: op.flags ?? [], flagBits: bits(op.flags ?? []) })),
    groups: (d.mcastGroups ?? []).map((g) => ({ name: g.name ?? "", id: g.id ?? 0 })),
  };
}
