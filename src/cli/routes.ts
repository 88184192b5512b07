/**
 * The `route` command of the `nlts` command line: list routes, look one
 * up, or add, change and delete them. A listing opens a plain socket and
 * decodes each route as it writes it (see `listRouteDatagrams`): it loads
 * the route and link decoders only, not `RouteClient` (lookups and writes
 * load it when asked for).
 *
 * @module
 */
import { NetlinkSocket } from "../socket/socket.ts";
import { decodeRoutePayload, listRouteDatagrams, type Route } from "../route/route.ts";
import { rtmName } from "../route/constants.ts";
import { parsePrefix } from "../wire/values.ts";
import { integer, UsageError } from "./args.ts";
import type { Context } from "./context.ts";
import type { Cell } from "./format.ts";
import { ipRoute } from "./ipjson.ts";
import { IpRouteBytes, ROUTE_ROOM } from "./routebytes.ts";
import {
  type Command,
  DETAILS,
  dropShow,
  family,
  FAMILY_OPTIONS,
  indexOf,
  keywords,
  linkNames,
  matches,
  STATS,
  tableId,
  tableName,
  usage,
  writeVerb,
} from "./rtnl.ts";

function routeDst(r: Route): string {
  if (r.dst === undefined) return r.dstLength === 0 ? "default" : `?/${r.dstLength}`;
  const full = r.family === "inet" ? 32 : r.family === "inet6" ? 128 : -1;
  return r.dstLength === full ? r.dst : `${r.dst}/${r.dstLength}`;
}
export function routeRow(r: Route, names: Map<number, string>): Cell[] {
  const dev = (i: number | undefined) => (i === undefined ? undefined : names.get(i) ?? String(i));
  const paths = r.multipath ?? [];
  return [
    routeDst(r),
    paths.length ? paths.map((p) => p.gateway ?? "-").join(",") : r.gateway,
    paths.length ? paths.map((p) => dev(p.ifindex)).join(",") : dev(r.oif),
    r.protocol === "unspec" ? undefined : r.protocol,
    r.scope,
    r.type,
    r.priority,
    r.prefsrc,
    tableName(r.table),
  ];
}
export const ROUTE_HEADERS = ["dst", "gateway", "dev", "proto", "scope", "type", "metric", "prefsrc", "table"];

/** A route selector of `route show`: `PREFIX` (or `exact PREFIX`), `root PREFIX`, `match PREFIX`. */
function prefixFilter(kind: "exact" | "root" | "match", text: string): (r: Route) => boolean {
  if (text === "default" || text === "all" || text === "any") {
    if (text !== "default") return () => true;
    return (r) => kind === "root" ? true : r.dstLength === 0;
  }
  let p: ReturnType<typeof parsePrefix>;
  try {
    p = parsePrefix(text.includes("/") ? text : `${text}/${text.includes(":") ? 128 : 32}`);
  } catch (error) {
    throw new UsageError(`route: ${(error as Error).message}`);
  }
  const fam = p.family === 2 ? "inet" : "inet6";
  const within = (a: Uint8Array, b: Uint8Array, length: number) => {
    for (let bit = 0; bit < length; bit += 8) {
      const left = Math.min(8, length - bit);
      const mask = (0xff << (8 - left)) & 0xff;
      if ((a[bit >> 3] & mask) !== (b[bit >> 3] & mask)) return false;
    }
    return true;
  };
  return (r) => {
    if (r.family !== fam) return false;
    const dst = r.dst === undefined ? new Uint8Array(p.address.length) : parsePrefix(`${r.dst}/${r.dstLength}`).address;
    if (kind === "exact") return r.dstLength === p.length && within(dst, p.address, p.length);
    if (kind === "root") return r.dstLength >= p.length && within(dst, p.address, p.length);
    return r.dstLength <= p.length && within(dst, p.address, r.dstLength); // match: routes that cover it
  };
}

/** Whether `r` passes every test (a loop, not a closure per route). */
function passes(tests: readonly ((r: Route) => boolean)[], r: Route): boolean {
  for (const t of tests) if (!t(r)) return false;
  return true;
}

/** `route get DST [from SRC] [oif DEV] [mark N]`, through a {@link RouteClient} loaded for it. */
async function routeGet(ctx: Context, words: string[], details: boolean): Promise<void> {
  const [dst, ...rest] = words;
  if (dst === undefined) throw new UsageError("route get: needs a destination address");
  const kw = keywords(rest, ["from", "oif", "mark"], "route get");
  const { RouteClient } = await import("../route/client.ts");
  await using rt = await RouteClient.open({ netns: ctx.netns, trace: ctx.trace });
  const names = await linkNames(rt.socket);
  const r = await rt.getRoute(dst, {
    source: kw.from,
    oif: kw.oif === undefined ? undefined : await indexOf(rt.socket, kw.oif),
    mark: kw.mark === undefined ? undefined : integer(kw.mark, "mark", 0, 0xffffffff),
  });
  const out = ctx.stream(ROUTE_HEADERS, (x: Route) => routeRow(x, names), {
    serialize: ctx.ipJson ? (x) => ipRoute(x, names, { get: true, details }) : undefined,
  });
  out.push(r);
  out.end();
}

/** `route`. */
export const route: Command = {
  usage: usage(
    "route",
    "route [show] [-4|-6] [table all|main|local|N] [dev DEV] [[exact|root|match] PREFIX] [proto P] [scope S]\n" +
      "             [type T] [via GW]\n       route get [-4|-6] DST [from SRC] [oif DEV] [mark N]",
  ),
  description:
    "List routes (the main table unless `table` says otherwise; IPv4 unless -6, every family with `table all`), " +
    "look one destination up, or add, replace, append or delete a route (in the main table unless `table N`; " +
    "-6 for `default` without a gateway). Listings print as the kernel answers. Writes print nothing on success.",
  options: [...FAMILY_OPTIONS, DETAILS, STATS],
  async run(ctx, positionals, options) {
    const verb = writeVerb("route", positionals);
    if (verb) return await (await import("./write.ts")).routeWrite(ctx, verb, positionals.slice(1), options);
    const details = options.details === true;
    if (matches(positionals[0], "get")) return await routeGet(ctx, positionals.slice(1), details);
    // A plain socket, not a RouteClient (whose imports would cost the listing
    // memory and start time): errors name the message type, as the client's do,
    // but not the attribute an extended ACK points at.
    await using sock = await NetlinkSocket.open("route", { netns: ctx.netns, trace: ctx.trace, describeType: rtmName });
    const words = dropShow(positionals);
    const kw: Record<string, string> = {};
    const tests: ((r: Route) => boolean)[] = [];
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      const value = () => {
        if (i + 1 >= words.length) throw new UsageError(`route: ${word} needs a value`);
        return words[++i];
      };
      if (["table", "dev", "oif", "proto", "protocol", "scope", "type", "via"].includes(word)) {
        kw[word === "oif" ? "dev" : word === "protocol" ? "proto" : word] = value();
      } else if (word === "exact" || word === "root" || word === "match") tests.push(prefixFilter(word, value()));
      else if (word === "to") tests.push(prefixFilter("exact", value()));
      else tests.push(prefixFilter("exact", word));
    }
    const names = await linkNames(sock);
    const oif = kw.dev === undefined ? undefined : await indexOf(sock, kw.dev);
    const table = kw.table === undefined ? undefined : tableId(kw.table);
    // As ip: a multipath route has no RTA_OIF of its own, so `dev X` does not list it.
    if (oif !== undefined) tests.push((r) => r.oif === oif);
    if (kw.proto !== undefined) tests.push((r) => String(r.protocol) === kw.proto);
    if (kw.scope !== undefined) tests.push((r) => String(r.scope) === kw.scope);
    if (kw.type !== undefined) tests.push((r) => String(r.type) === kw.type);
    if (kw.via !== undefined) {
      tests.push((r) => r.gateway === kw.via || !!r.multipath?.some((p) => p.gateway === kw.via));
    }
    // As ip: IPv4 unless -6, except that `table all` lists every family.
    const shape = {
      table: table === undefined ? 254 : table,
      details,
      dev: oif !== undefined,
      stats: options.stats === true,
    };
    const out = ctx.stream(ROUTE_HEADERS, (r: Route) => routeRow(r, names), {
      serialize: ctx.ipJson ? (r) => ipRoute(r, names, shape) : undefined,
    });
    try {
      const filter = { family: family(options, table === "all" ? undefined : "inet"), table, oif };
      if (ctx.ipJson && tests.length === 0 && !details && oif === undefined) {
        // ip's JSON written from the kernel's bytes, no route decoded (those
        // it declines excepted): most of a long listing's time otherwise.
        const writer = new IpRouteBytes(names, shape.table);
        let bytes: Uint8Array = new Uint8Array(0), start = 0, end = 0;
        const fill = (buffer: Uint8Array, at: number) => writer.write(bytes, start, end, buffer, at);
        const visit = (b: Uint8Array, s: number, e: number) => {
          bytes = b, start = s, end = e;
          if (!out.pushEncoded(ROUTE_ROOM, fill)) out.push(decodeRoutePayload(b, s, e));
        };
        for await (const step of listRouteDatagrams(sock, filter)) step.forEachPayload(visit);
        return;
      }
      // A datagram per step (no promise per route), each route decoded,
      // written and dropped before the next: one route alive at a time.
      for await (const routes of listRouteDatagrams(sock, filter)) {
        for (const r of routes) if (passes(tests, r)) out.push(r);
      }
    } finally {
      out.end();
    }
  },
};
