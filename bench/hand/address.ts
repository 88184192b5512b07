/**
 * The hand-written address decoder (a cursor switch) as it was before
 * addresses moved onto the schema (`src/route/address.ts` at 5f80a62), kept
 * only so that `bench/decode_ab.ts` can time the schema decoder against it.
 */
import { AttrCursor } from "../../src/wire/attrs.ts";
import { ParseError } from "../../src/wire/errors.ts";
import type { NetlinkMessage } from "../../src/wire/message.ts";
import * as v from "../../src/wire/values.ts";
import { AF, Scope } from "../../src/route/constants.ts";
import { type Address, addressFlagNames, IFA, IFAPROT } from "../../src/route/address.ts";

const IFADDRMSG_LEN = 8;
const SCOPE_NAMES: Readonly<Record<number, string>> = {
  [Scope.UNIVERSE]: "global",
  [Scope.SITE]: "site",
  [Scope.LINK]: "link",
  [Scope.HOST]: "host",
  [Scope.NOWHERE]: "nowhere",
};
function familyName(family: number): string {
  return family === AF.INET ? "inet" : family === AF.INET6 ? "inet6" : String(family);
}
export function decodeAddressHand(msg: NetlinkMessage): Address {
  const p = msg.payload;
  if (p.length < IFADDRMSG_LEN) {
    throw new ParseError(`ifaddrmsg needs ${IFADDRMSG_LEN} bytes, message has ${p.length}`, 16);
  }
  const family = p[0];
  const scope = p[3];
  const a: Address = {
    family: familyName(family),
    prefixLength: p[1],
    scope: SCOPE_NAMES[scope] ?? String(scope),
    flags: [], // set below, once IFA_FLAGS is known
    rawFlags: 0,
    index: (p[4] | (p[5] << 8) | (p[6] << 16) | (p[7] << 24)) >>> 0,
    unknown: [],
  };
  // One pass with a cursor (no view per attribute). The plain fields go on
  // in wire order; of the others the first of each type counts, as with
  // `Attrs.get`: their payload offsets are kept (-1: absent) and read after.
  const at = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]; // start by IFA_* type
  const to = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // end by IFA_* type
  const c = new AttrCursor(p, IFADDRMSG_LEN, p.length, 16 + IFADDRMSG_LEN);
  while (c.next()) {
    const t = c.type;
    try {
      switch (t) {
        case IFA.LABEL:
          a.label = c.str();
          break;
        case IFA.RT_PRIORITY:
          a.metric = c.u32();
          break;
        case IFA.TARGET_NETNSID:
          a.netnsid = c.s32();
          break;
        case IFA.ADDRESS:
        case IFA.LOCAL:
        case IFA.BROADCAST:
        case IFA.ANYCAST:
        case IFA.MULTICAST:
        case IFA.CACHEINFO:
        case IFA.FLAGS:
        case IFA.PROTO:
          if (at[t] < 0) {
            at[t] = c.start;
            to[t] = c.end;
          }
          break;
        default:
          a.unknown.push({ type: t, value: p.slice(c.start, c.end) });
      }
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(`${FIELD_NAMES[t]} (attribute ${t}): ${e.message}`, 0);
      throw e;
    }
  }
  const u32At = (i: number) => (p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24)) >>> 0;
  if (at[IFA.FLAGS] >= 0) {
    if (to[IFA.FLAGS] - at[IFA.FLAGS] < 4) {
      throw new ParseError(`attribute ${IFA.FLAGS}: u32 needs 4 bytes, has ${to[IFA.FLAGS] - at[IFA.FLAGS]}`, 0);
    }
    a.rawFlags = u32At(at[IFA.FLAGS]);
  } else {
    a.rawFlags = p[2];
  }
  a.flags = addressFlagNames(a.rawFlags, family);
  const addrSize = family === AF.INET ? 4 : family === AF.INET6 ? 16 : 0;
  const readIp = (type: number, what: string): string | undefined => {
    const start = at[type];
    if (start < 0) return undefined;
    const len = to[type] - start;
    if (addrSize !== 0 && len !== addrSize) {
      throw new ParseError(`${what} of ${len} bytes in a ${familyName(family)} address message`, 0);
    }
    return len === 4 ? v.ipv4At(p, start) : v.ip(p.subarray(start, to[type]));
  };
  // As iproute2 does: each of IFA_LOCAL and IFA_ADDRESS stands in for the other
  // when missing (IPv6 addresses carry only IFA_ADDRESS).
  const local = readIp(IFA.LOCAL, "IFA_LOCAL");
  const address = readIp(IFA.ADDRESS, "IFA_ADDRESS");
  if (local !== undefined || address !== undefined) {
    a.local = local ?? address;
    a.address = address ?? local;
  }
  const broadcast = readIp(IFA.BROADCAST, "IFA_BROADCAST");
  if (broadcast !== undefined) a.broadcast = broadcast;
  const anycast = readIp(IFA.ANYCAST, "IFA_ANYCAST");
  if (anycast !== undefined) a.anycast = anycast;
  const multicast = readIp(IFA.MULTICAST, "IFA_MULTICAST");
  if (multicast !== undefined) a.multicast = multicast;
  const ci = at[IFA.CACHEINFO];
  if (ci >= 0) {
    const len = to[IFA.CACHEINFO] - ci;
    if (len < 16) throw new ParseError(`IFA_CACHEINFO of ${len} bytes, needs 16`, 0);
    a.cacheInfo = { preferred: u32At(ci), valid: u32At(ci + 4), cstamp: u32At(ci + 8), tstamp: u32At(ci + 12) };
    a.preferredLifetime = a.cacheInfo.preferred;
    a.validLifetime = a.cacheInfo.valid;
  }
  const proto = at[IFA.PROTO];
  if (proto >= 0) {
    if (to[IFA.PROTO] - proto < 1) throw new ParseError(`attribute ${IFA.PROTO}: u8 needs 1 bytes, has 0`, 0);
    a.protocol = IFAPROT[p[proto]] ?? String(p[proto]);
  }
  return a;
}

/** Field names of the plain attributes, for error messages. */
const FIELD_NAMES: Readonly<Record<number, string>> = {
  [IFA.LABEL]: "label",
  [IFA.RT_PRIORITY]: "metric",
  [IFA.TARGET_NETNSID]: "netnsid",
};
