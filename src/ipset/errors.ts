/**
 * ipset's refusals as errors: the kernel's errno (`ENOENT`…) or ipset's own
 * codes (from 4096: `IPSET_ERR_EXIST`…), with the text the `ipset` tool
 * prints for them in that command.
 *
 * @module
 */
import { NetlinkError } from "../wire/errors.ts";
import { errnoName } from "../wire/errno.ts";
import { IPSET_ERR, TYPE_SPECIFIC_ERRORS } from "./constants.ts";

/** The commands an {@link IpsetError} names. */
export type IpsetCommand =
  | "create"
  | "destroy"
  | "flush"
  | "rename"
  | "swap"
  | "list"
  | "add"
  | "del"
  | "test"
  | "header"
  | "type"
  | "protocol";

const CORE_NAMES = new Map<number, string>(Object.entries(IPSET_ERR).map(([k, v]) => [v, `IPSET_ERR_${k}`]));

/** What `ipset` says for a code, in general (command-specific texts are in {@link ipsetErrorText}). */
const TEXT: { readonly [code: string]: string } = {
  ENOENT: "The set with the given name does not exist",
  EMSGSIZE: "Kernel error received: message could not be created",
  IPSET_ERR_PROTOCOL: "Kernel error received: ipset protocol error",
  IPSET_ERR_FIND_TYPE: "Kernel error received: set type not supported",
  IPSET_ERR_MAX_SETS: "Kernel error received: maximal number of sets reached, cannot create more.",
  IPSET_ERR_INVALID_CIDR: "The value of the CIDR parameter of the IP address is invalid",
  IPSET_ERR_INVALID_NETMASK: "The value of the netmask parameter is invalid",
  IPSET_ERR_INVALID_FAMILY: "Protocol family not supported by the set type",
  IPSET_ERR_TIMEOUT: "Timeout cannot be used: set was created without timeout support",
  IPSET_ERR_IPADDR_IPV4: "An IPv4 address is expected, but not received",
  IPSET_ERR_IPADDR_IPV6: "An IPv6 address is expected, but not received",
  IPSET_ERR_COUNTER: "Packet/byte counters cannot be used: set was created without counter support",
  IPSET_ERR_COMMENT: "Comment cannot be used: set was created without comment support",
  IPSET_ERR_INVALID_MARKMASK: "The value of the markmask parameter is invalid",
  IPSET_ERR_SKBINFO: "Skbinfo mapping cannot be used: set was created without skbinfo support",
  IPSET_ERR_BUSY: "Set cannot be destroyed: it is in use by a kernel component",
  IPSET_ERR_REFERENCED: "Set cannot be renamed: it is in use by another system",
  IPSET_ERR_TYPE_MISMATCH: "The sets cannot be swapped: their type does not match",
  IPSET_ERR_BITMAP_RANGE: "Element is out of the range of the set",
  IPSET_ERR_BITMAP_RANGE_SIZE: "The range you specified exceeds the size limit of the set type",
  IPSET_ERR_HASH_FULL: "Hash is full, cannot add more elements",
  IPSET_ERR_HASH_ELEM: "Null-valued element, cannot be stored in a hash type of set",
  IPSET_ERR_INVALID_PROTO: "Invalid protocol specified",
  IPSET_ERR_MISSING_PROTO: "Protocol missing, but must be specified",
  IPSET_ERR_HASH_RANGE_UNSUPPORTED: 'Range is not supported in the "net" component of the element',
  IPSET_ERR_HASH_RANGE: "Invalid range, covers the whole address space",
  IPSET_ERR_NAME: "Set to be added/deleted/tested as element does not exist.",
  IPSET_ERR_LOOP: "Sets with list:set type cannot be added to the set.",
  IPSET_ERR_BEFORE: "No reference set specified.",
  IPSET_ERR_NAMEREF: "The set to which you referred with 'before' or 'after' does not exist.",
  IPSET_ERR_LIST_FULL: "The set is full, more elements cannot be added.",
  IPSET_ERR_REF_EXIST: "The set to which you referred with 'before' or 'after' is not added to the set.",
};

/**
 * The name of an ipset error number: an errno name below 4096, else
 * `IPSET_ERR_*` (type-specific codes from 4352 read by the set's type:
 * `hash:…`, `bitmap:…` or `list:…`).
 *
 * @example
 * ```ts
 * import { ipsetErrorName } from "@nlts/netlink/ipset";
 * ipsetErrorName(4352, "hash:ip"); // "IPSET_ERR_HASH_FULL"
 * ```
 */
export function ipsetErrorName(errno: number, setType?: string): string {
  if (errno < IPSET_ERR.PRIVATE) return errnoName(errno);
  if (errno >= IPSET_ERR.TYPE_SPECIFIC) {
    const kind = setType?.split(":")[0] as keyof typeof TYPE_SPECIFIC_ERRORS | undefined;
    const names = kind && TYPE_SPECIFIC_ERRORS[kind];
    return names?.[errno - IPSET_ERR.TYPE_SPECIFIC] ?? `IPSET_ERR_TYPE_SPECIFIC+${errno - IPSET_ERR.TYPE_SPECIFIC}`;
  }
  return CORE_NAMES.get(errno) ?? `IPSET_ERR_${errno}`;
}

/**
 * What the `ipset` tool prints for an error code in a command.
 *
 * @example
 * ```ts
 * import { ipsetErrorText } from "@nlts/netlink/ipset";
 * ipsetErrorText("IPSET_ERR_EXIST", "add"); // "Element cannot be added to the set: it's already added"
 * ```
 */
export function ipsetErrorText(code: string, command?: IpsetCommand): string | undefined {
  switch (`${command} ${code}`) {
    case "create EEXIST":
      return "Set cannot be created: set with the same name already exists";
    case "add IPSET_ERR_EXIST":
      return "Element cannot be added to the set: it's already added";
    case "del IPSET_ERR_EXIST":
      return "Element cannot be deleted from the set: it's not added";
    case "test IPSET_ERR_EXIST":
      return "Element is NOT in the set";
    case "rename IPSET_ERR_EXIST_SETNAME2":
      return "Set cannot be renamed: a set with the new name already exists";
    case "swap IPSET_ERR_EXIST_SETNAME2":
      return "Sets cannot be swapped: the second set does not exist";
  }
  return TEXT[code];
}

/**
 * A refusal of an ipset command: a {@link NetlinkError} whose `code` is the
 * errno name (`ENOENT`) or ipset's own (`IPSET_ERR_EXIST`,
 * `IPSET_ERR_BUSY`, `IPSET_ERR_HASH_FULL`…) and whose message carries the
 * `ipset` tool's words (and the kernel's extended-ACK text when it sent one).
 *
 * @example
 * ```ts
 * import { Ipset, IpsetError } from "@nlts/netlink/ipset";
 * await using ipset = await Ipset.open({ netns: "test" });
 * try {
 *   await ipset.add("blocked", "10.0.0.1");
 * } catch (e) {
 *   if (e instanceof IpsetError && e.code === "IPSET_ERR_EXIST") console.log("already there");
 * }
 * ```
 */
export class IpsetError extends NetlinkError {
  /** The errno name or ipset's `IPSET_ERR_*` name. */
  override readonly code: string;
  /** The command that was refused. */
  readonly command: IpsetCommand;
  /** The set it was about. */
  readonly set?: string;
  /** What the `ipset` tool prints for this refusal, when it has words for it. */
  readonly reason?: string;

  /** Wraps `error`, the kernel's refusal of `command` on `set` (of `setType`, for type-specific codes). */
  constructor(error: NetlinkError, command: IpsetCommand, set?: string, setType?: string) {
    super(error.errno, {
      messageType: error.messageType,
      messageTypeName: error.messageTypeName,
      extAck: error.extAck,
      request: error.request,
    });
    this.name = "IpsetError";
    this.code = ipsetErrorName(error.errno, setType);
    this.command = command;
    this.set = set;
    this.reason = ipsetErrorText(this.code, command);
    const ack = error.extAck?.message ? ` (kernel: ${error.extAck.message})` : "";
    this.message = `ipset ${command}${set !== undefined ? ` ${set}` : ""} failed with ${this.code}` +
      (this.reason ? `: ${this.reason}` : "") + ack;
  }
}
