/**
 * Kind `tun` (TUN and TAP devices): `IFLA_TUN_*` from `linux/if_link.h`.
 *
 * The kernel reports tun devices over rtnetlink but refuses to create them
 * there ("tun/tap creation via rtnetlink is not supported"), so creation
 * goes through `/dev/net/tun` and the `TUNSETIFF` / `TUNSETPERSIST` ioctls,
 * as `ip tuntap add` does, through the libc backend's `ioctl`.
 *
 * @module
 */
import { NetlinkError } from "../../wire/errors.ts";
import { type AttrSet, decodeAttrs, type Decoded, defineAttrSet } from "../../wire/schema.ts";
import { loadLibc } from "../../../ffi/mod.ts";
import { inNetns, type NetnsTarget } from "../../socket/netns.ts";
import { checkIfName, type RawAttr } from "./common.ts";
import type { LinkKindCodec } from "./registry.ts";

/** `IFLA_TUN_*` attribute numbers. */
export const IFLA_TUN = {
  OWNER: 1,
  GROUP: 2,
  TYPE: 3,
  PI: 4,
  VNET_HDR: 5,
  PERSIST: 6,
  MULTI_QUEUE: 7,
  NUM_QUEUES: 8,
  NUM_DISABLED_QUEUES: 9,
} as const;

/** Options of a tun/tap device. */
export interface TunOptions {
  /** `"tun"` (layer 3, default) or `"tap"` (Ethernet). */
  type?: "tun" | "tap";
  /** Prepend packet information (without it: `IFF_NO_PI`). Default false. */
  pi?: boolean;
  /** Virtio-net header. */
  vnetHdr?: boolean;
  /** Multiple queues. */
  multiQueue?: boolean;
  /** Owning user id. */
  owner?: number;
  /** Owning group id. */
  group?: number;
}

/** What the kernel reports of a tun/tap device. */
export interface TunInfo extends Omit<TunOptions, "type"> {
  /** `"tun"`, `"tap"`, or the number when unknown. */
  type?: string;
  /** The device outlives its file descriptors. */
  persist?: boolean;
  /** Attached queues. */
  numQueues?: number;
  /** Disabled queues. */
  numDisabledQueues?: number;
  /** Attributes not decoded. */
  unknown?: RawAttr[];
}

const TUN_ATTRS = defineAttrSet({
  name: "tun",
  prefix: "IFLA_TUN_",
  attributes: {
    type: { id: IFLA_TUN.TYPE, type: "u8", enum: [null, "tun", "tap"] },
    owner: { id: IFLA_TUN.OWNER, type: "u32" },
    group: { id: IFLA_TUN.GROUP, type: "u32" },
    pi: { id: IFLA_TUN.PI, type: "u8", as: "boolean" },
    vnetHdr: { id: IFLA_TUN.VNET_HDR, type: "u8", as: "boolean" },
    persist: { id: IFLA_TUN.PERSIST, type: "u8", as: "boolean" },
    multiQueue: { id: IFLA_TUN.MULTI_QUEUE, type: "u8", as: "boolean" },
    numQueues: { id: IFLA_TUN.NUM_QUEUES, type: "u32" },
    numDisabledQueues: { id: IFLA_TUN.NUM_DISABLED_QUEUES, type: "u32" },
  },
});

/** The `IFLA_TUN_*` attributes (`IFLA_INFO_DATA` of kind `tun`). */
export const tunAttrs: AttrSet = TUN_ATTRS;

function tunInfo(decoded: Decoded<typeof TUN_ATTRS>): TunInfo {
  const { type, ...info } = decoded;
  const out: TunInfo = info;
  if (type !== undefined) out.type = String(type);
  return out;
}

/**
 * Decodes the `IFLA_INFO_DATA` of a tun/tap device (the attributes after the nest header).
 *
 * @example
 * ```ts
 * import { AttrWriter } from "@nlts/netlink";
 * import { decodeTunInfo } from "./tun.ts";
 * decodeTunInfo(new AttrWriter().u8(3, 2).bytes()).type; // "tap"
 * ```
 */
export function decodeTunInfo(bytes: Uint8Array): TunInfo {
  return tunInfo(decodeAttrs(TUN_ATTRS, bytes));
}

/** The `tun` kind for the registry (no `encodeData`: see the module note). */
export const tunKind: LinkKindCodec<TunInfo, TunOptions> = {
  kind: "tun",
  data: TUN_ATTRS,
  fromData: (decoded) => tunInfo(decoded as Decoded<typeof TUN_ATTRS>),
};

// ---- creation through /dev/net/tun ----

const TUNSETIFF = 0x400454ca;
const TUNSETPERSIST = 0x400454cb;
const TUNSETOWNER = 0x400454cc;
const TUNSETGROUP = 0x400454ce;
const IFF_TUN = 0x0001;
const IFF_TAP = 0x0002;
const IFF_MULTI_QUEUE = 0x0100;
const IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;
const O_RDWR = 2;
const O_CLOEXEC = 0x80000;

/** The libc calls tun creation needs, from the runtime's FFI backend. */
async function tunCalls(): Promise<{
  open(path: string): number;
  ioctlBuf(fd: number, request: number, arg: Uint8Array): number;
  ioctlInt(fd: number, request: number, arg: number): number;
  close(fd: number): number;
}> {
  const libc = await loadLibc();
  return {
    open: (path) => libc.open(path, O_RDWR | O_CLOEXEC),
    ioctlBuf: (fd, request, arg) => libc.ioctl(fd, request, arg),
    ioctlInt: (fd, request, arg) => libc.ioctl(fd, request, arg),
    close: (fd) => libc.close(fd),
  };
}

/** A tun/tap device attached to an open `/dev/net/tun` descriptor. */
export interface TunHandle {
  /** The device name (the kernel's choice when none was asked for). */
  name: string;
  /** Makes the device outlive the descriptor (`TUNSETPERSIST`). */
  persist(): void;
  /** Closes the descriptor; a device not made persistent goes away. */
  close(): void;
}

/**
 * Creates a tun/tap device through `/dev/net/tun` in the namespace `netns`
 * (default: the caller's). The device lives while the handle is open, or
 * for good after {@link TunHandle.persist}.
 *
 * @example
 * ```ts
 * import { openTun } from "@nlts/netlink/route";
 * const tap = await openTun("tap0", { type: "tap" });
 * tap.persist();
 * tap.close();
 * ```
 */
export async function openTun(name: string, options: TunOptions = {}, netns?: NetnsTarget): Promise<TunHandle> {
  if (name !== "") checkIfName(name);
  const type = options.type ?? "tun";
  if (type !== "tun" && type !== "tap") {
    throw new TypeError(`tun type must be "tun" or "tap", got ${JSON.stringify(type)}`);
  }
  const c = await tunCalls();
  const open = () => c.open("/dev/net/tun");
  const fd = netns === undefined ? open() : inNetns(await loadLibc(), netns, open);
  if (fd < 0) throw new NetlinkError(-fd, { syscall: "open(/dev/net/tun)" });
  try {
    const ifr = new Uint8Array(new ArrayBuffer(40));
    ifr.set(new TextEncoder().encode(name).subarray(0, 15));
    const flags = (type === "tap" ? IFF_TAP : IFF_TUN) | (options.pi ? 0 : IFF_NO_PI) |
      (options.multiQueue ? IFF_MULTI_QUEUE : 0) | (options.vnetHdr ? IFF_VNET_HDR : 0);
    new DataView(ifr.buffer).setUint16(16, flags, true);
    const r = c.ioctlBuf(fd, TUNSETIFF, ifr);
    if (r < 0) throw new NetlinkError(-r, { syscall: "ioctl(TUNSETIFF)" });
    if (options.owner !== undefined) {
      const o = c.ioctlInt(fd, TUNSETOWNER, options.owner);
      if (o < 0) throw new NetlinkError(-o, { syscall: "ioctl(TUNSETOWNER)" });
    }
    if (options.group !== undefined) {
      const g = c.ioctlInt(fd, TUNSETGROUP, options.group);
      if (g < 0) throw new NetlinkError(-g, { syscall: "ioctl(TUNSETGROUP)" });
    }
    const nul = ifr.indexOf(0);
    const actual = new TextDecoder().decode(ifr.subarray(0, nul < 0 || nul > 16 ? 16 : nul));
    let closed = false;
    return {
      name: actual,
      persist() {
        const p = c.ioctlInt(fd, TUNSETPERSIST, 1);
        if (p < 0) throw new NetlinkError(-p, { syscall: "ioctl(TUNSETPERSIST)" });
      },
      close() {
        if (!closed) c.close(fd);
        closed = true;
      },
    };
  } catch (e) {
    c.close(fd);
    throw e;
  }
}
