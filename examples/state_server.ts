/**
 * The HTTP side of examples/bun_server.ts, examples/deno_server.ts and
 * examples/node_server.ts, with nothing runtime-specific: a `fetch`-style
 * handler over three shared watches (links, addresses, routes), whatever
 * the number of clients.
 *
 * - `GET /links`, `GET /addresses`, `GET /routes`: the current view as JSON.
 * - `GET /events[?kinds=link,address,route]`: Server-Sent Events. Per kind,
 *   a `snapshot` first (`data:` is `{type, items, keys}`, `keys[i]` the key of
 *   `items[i]`), then `added`/`changed`/`removed` deltas (`data:` is
 *   `{type, key, item}` as JSON; `event:` is the kind). A client that falls
 *   behind gets `event: overrun` then a fresh snapshot of that kind; one
 *   whose queue stays full for `maxStallMs` gets `event: dropped` and is
 *   closed. Its subscription ends when its connection does.
 * - `GET /stats`: clients now (with each one's queued events and how long it has
 *   been dropping events, in ms), event-stream requests served and clients
 *   dropped so far, the JS heap (used, reserved) and the memory outside it,
 *   consumers and events read per kind.
 *
 * Each kernel event is decoded once (one `watch()` per kind, shared with
 * `shareWatch()`) and serialised once for every client.
 */
// bigint as number/string, bytes as hex: the library's JSON rule
import {
  jsonReplacer,
  Overrun,
  type ShareConsumer,
  type SharedStream,
  shareWatch,
  watch,
  type WatchEvent,
} from "../mod.ts";
import { memoryUsage } from "node:process";

export interface ServerOptions {
  port: number;
  netns?: string;
  /** Kernel receive buffer of each of the three event sockets. */
  rcvbuf?: number;
  /** Events held per client and kind before it falls behind. */
  maxQueue: number;
  /** A client whose queue stays full this long is dropped. */
  maxStallMs: number;
}

const KINDS = ["link", "address", "route"] as const;
type Kind = typeof KINDS[number];

/** Parses `--port N --netns NAME --rcvbuf BYTES --max-queue N --max-stall SECONDS`; throws a one-line error. */
export function parseOptions(args: string[], env: Record<string, string | undefined>): ServerOptions {
  const flag = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const integer = (name: string, text: string | undefined, fallback: number | undefined, min: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new TypeError(`${name} wants an integer ≥ ${min}, got ${text}`);
    return n;
  };
  return {
    port: integer("--port", flag("--port") ?? env.PORT, 8080, 0)!,
    netns: flag("--netns") ?? env.NLTS_NETNS,
    rcvbuf: integer("--rcvbuf", flag("--rcvbuf"), undefined, 1),
    maxQueue: integer("--max-queue", flag("--max-queue"), 256, 1)!,
    maxStallMs: integer("--max-stall", flag("--max-stall"), 5, 0)! * 1000,
  };
}

const encoder = new TextEncoder();
const HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value, jsonReplacer), { status, headers: { "content-type": "application/json" } });
}

/** Each kind's key of an item, as its deltas name it (`watch()`'s `key()`). */
type Keys = Record<Kind, (item: unknown) => string>;

/** One SSE frame per event object, made once whatever the number of clients. */
const frames = new WeakMap<object, Uint8Array>();
function frame(kind: Kind, event: WatchEvent<unknown>, keys: Keys): Uint8Array {
  let bytes = frames.get(event);
  if (bytes === undefined) {
    // `previous` stays out: the client has it already. A snapshot carries its items' keys, so
    // that a client can apply the deltas that follow without knowing how keys are made.
    const data = event.type === "changed"
      ? { type: event.type, key: event.key, item: event.item }
      : event.type === "snapshot"
      ? { type: event.type, items: event.items, keys: event.items.map(keys[kind]) }
      : event;
    bytes = encoder.encode(`event: ${kind}\ndata: ${JSON.stringify(data, jsonReplacer)}\n\n`);
    frames.set(event, bytes);
  }
  return bytes;
}
const overrunFrames = Object.fromEntries(
  KINDS.map((k) => [k, encoder.encode(`event: overrun\ndata: {"kind":"${k}","next":"snapshot"}\n\n`)]),
) as Record<Kind, Uint8Array>;

/** Bun's controller of a "direct" stream. */
interface DirectController {
  write(bytes: Uint8Array): number | Promise<number>;
  flush(): number | Promise<number>;
  close(): void;
}

/** A consumer's answer, with its kind. */
type Answer = [Kind, IteratorResult<WatchEvent<unknown> | Overrun, undefined>];

/** One SSE client: a consumer per kind, read only when its connection asks for more. */
class Client {
  readonly #consumers: [Kind, ShareConsumer<WatchEvent<unknown>>][];
  readonly #keys: Keys;
  /** Kinds with a `next()` asked and not yet taken from `#ready`: one at a time per consumer. */
  readonly #asked = new Set<Kind>();
  /** Answers of the consumers, in the order they came. */
  readonly #ready: Answer[] = [];
  #wake?: () => void;
  #write?: (bytes: Uint8Array) => void;
  #end?: () => void;
  #closed = false;
  readonly body: ReadableStream<Uint8Array>;
  readonly onClose: (c: Client) => void;

  constructor(
    shared: [Kind, SharedStream<WatchEvent<unknown>>][],
    keys: Keys,
    maxQueue: number,
    signal: AbortSignal,
    onClose: (c: Client) => void,
  ) {
    this.onClose = onClose;
    this.#keys = keys;
    this.#consumers = shared.map(([kind, s]) => [kind, s.consumer({ limit: maxQueue, signal })]);
    signal.addEventListener("abort", () => this.close(), { once: true });
    // Nothing is taken from the consumers before the connection can take it, so a stalled client's
    // backlog stays in its bounded consumer queues. Deno pulls a standard stream (highWaterMark 0)
    // when it can write; Bun pulls one as fast as it can, whatever the socket accepts, so there a
    // "direct" stream waits for the socket instead (its write and flush return a Promise while it is full).
    this.body = "Bun" in globalThis
      ? new ReadableStream({
        type: "direct",
        pull: async (controller: DirectController) => {
          this.#write = (bytes) => void controller.write(bytes);
          this.#end = () => void controller.close();
          for (let bytes; (bytes = await this.#next()) !== undefined;) {
            const written = controller.write(bytes), flushed = controller.flush();
            if (written instanceof Promise) await written;
            if (flushed instanceof Promise) await flushed;
          }
          this.close();
        },
        cancel: () => this.close(),
      } as unknown as UnderlyingDefaultSource<Uint8Array>)
      : new ReadableStream<Uint8Array>({
        start: (controller) => {
          this.#write = (bytes) => controller.enqueue(bytes);
          this.#end = () => controller.close();
        },
        pull: async (controller) => {
          const bytes = await this.#next();
          if (bytes !== undefined) controller.enqueue(bytes);
          else this.close();
        },
        cancel: () => this.close(),
      }, { highWaterMark: 0 });
    if (signal.aborted) this.close();
  }

  /** The next frame for this client, or `undefined` once it has ended. */
  async #next(): Promise<Uint8Array | undefined> {
    while (!this.#closed && this.#consumers.length > 0) {
      // One kind (the usual case) needs no merging: its consumer is awaited directly, which
      // spares three promises per event and client (a third of the server's garbage in Deno).
      const answer = this.#consumers.length === 1 && this.#asked.size === 0
        ? await this.#answerOf(this.#consumers[0])
        : await this.#firstAnswer();
      if (answer === undefined || this.#closed) break;
      const [kind, result] = answer;
      if (result.done) this.#consumers.splice(this.#consumers.findIndex(([k]) => k === kind), 1);
      else return result.value instanceof Overrun ? overrunFrames[kind] : frame(kind, result.value, this.#keys);
    }
    this.close();
    return undefined;
  }

  /** A consumer's next answer; a rejection (the request's signal: the client went away) ends that kind like its end. */
  async #answerOf([kind, consumer]: [Kind, ShareConsumer<WatchEvent<unknown>>]): Promise<Answer> {
    try {
      return [kind, await consumer.next()];
    } catch {
      return [kind, { done: true, value: undefined }];
    }
  }

  /** The first answer of any consumer (`undefined` if the client closed meanwhile). */
  async #firstAnswer(): Promise<Answer | undefined> {
    // Not Promise.race over the consumers' next(): each race would leave a reaction on the
    // still-pending promises (a kind that rarely changes), and those pile up until it settles.
    for (const entry of this.#consumers) {
      if (this.#asked.has(entry[0])) continue;
      this.#asked.add(entry[0]);
      void this.#answerOf(entry).then((answer) => {
        this.#ready.push(answer);
        this.#wake?.();
      });
    }
    while (this.#ready.length === 0 && !this.#closed) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    const answer = this.#ready.shift();
    if (answer !== undefined) this.#asked.delete(answer[0]);
    return answer;
  }

  /** How long this client's fullest queue has been dropping events (ms), 0 if none is. */
  stalledFor(now: number): number {
    let since = now;
    for (const [, c] of this.#consumers) since = Math.min(since, c.droppingSince ?? now);
    return now - since;
  }

  /** Events waiting in this client's queues. */
  get queued(): number {
    let n = 0;
    for (const [, c] of this.#consumers) n += c.queued;
    return n;
  }

  /** Sends a comment or a last event, ignoring a connection that is gone. */
  send(text: string): void {
    try {
      this.#write?.(encoder.encode(text));
    } catch { /* closed */ }
  }

  /** Ends the consumers (the shared streams go on) and the response. */
  close(last?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [, c] of this.#consumers) void c.return();
    this.#wake?.();
    if (last !== undefined) this.send(last);
    try {
      this.#end?.();
    } catch { /* cancelled already */ }
    this.onClose(this);
  }
}

/** The server's state: three shared watches and the clients. */
export class StateServer implements AsyncDisposable {
  readonly #options: ServerOptions;
  readonly #shared: [Kind, SharedStream<WatchEvent<unknown>>][];
  readonly #watchers;
  readonly #clients = new Set<Client>();
  readonly #keys: Keys;
  readonly #timer: ReturnType<typeof setInterval>;
  #dropped = 0;
  #served = 0;
  #ticks = 0;

  private constructor(options: ServerOptions) {
    this.#options = options;
    const { netns, rcvbuf } = options;
    this.#watchers = {
      link: watch("link", { netns, rcvbuf }),
      address: watch("address", { netns, rcvbuf }),
      route: watch("route", { netns, rcvbuf }),
    };
    this.#shared = KINDS.map((k) => [k, shareWatch<unknown>(this.#watchers[k] as never)]);
    const watchers = this.#watchers;
    this.#keys = {
      link: (item) => watchers.link.key(item as never),
      address: (item) => watchers.address.key(item as never),
      route: (item) => watchers.route.key(item as never),
    };
    // Once a second: drop clients stalled too long; every 15 s a heartbeat comment.
    this.#timer = setInterval(() => this.#tick(), 1000);
  }

  /** Starts the watches; resolves once each has its first snapshot (rejects if one fails). */
  static async open(options: ServerOptions): Promise<StateServer> {
    const server = new StateServer(options);
    try {
      await Promise.all(server.#shared.map(async ([, s]) => {
        const first = s.consumer();
        const { done } = await first.next();
        await first.return();
        if (done) throw new Error("the watch ended before its snapshot");
      }));
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  #tick(): void {
    const now = performance.now();
    const ping = ++this.#ticks % 15 === 0;
    for (const client of this.#clients) {
      if (client.stalledFor(now) > this.#options.maxStallMs) {
        this.#dropped++;
        client.close(`event: dropped\ndata: {"reason":"queue full for over ${this.#options.maxStallMs} ms"}\n\n`);
      } else if (ping) client.send(": ping\n\n");
    }
  }

  /** Answers one request; `gone` aborts when its connection closes (default: the request's signal). */
  handle(request: Request, gone: AbortSignal = request.signal): Response {
    const url = new URL(request.url);
    if (request.method !== "GET") return json({ error: "method not allowed" }, 405);
    const path = url.pathname;
    if (path === "/links" || path === "/addresses" || path === "/routes") {
      const kind = path === "/links" ? "link" : path === "/addresses" ? "address" : "route";
      return json([...this.#watchers[kind].view.values()]);
    }
    if (path === "/stats") {
      const { heapUsed, heapTotal, external } = memoryUsage();
      return json({
        clients: this.#clients.size,
        served: this.#served,
        heapUsed,
        heapTotal,
        external,
        queued: [...this.#clients].map((c) => c.queued),
        stalled: [...this.#clients].map((c) => c.stalledFor(performance.now())),
        dropped: this.#dropped,
        consumers: Object.fromEntries(this.#shared.map(([k, s]) => [k, s.consumers])),
        events: Object.fromEntries(this.#shared.map(([k, s]) => [k, s.stats.items])),
      });
    }
    if (path === "/events") {
      const kinds = url.searchParams.get("kinds")?.split(",") ?? [...KINDS];
      const unknown = kinds.find((k) => !(KINDS as readonly string[]).includes(k));
      if (unknown !== undefined) {
        return json({ error: `unknown kind ${JSON.stringify(unknown)}: link, address, route` }, 400);
      }
      const shared = this.#shared.filter(([k]) => kinds.includes(k));
      const client = new Client(shared, this.#keys, this.#options.maxQueue, gone, (c) => this.#clients.delete(c));
      this.#clients.add(client);
      this.#served++;
      return new Response(client.body, { headers: HEADERS });
    }
    return json({ error: "not found" }, 404);
  }

  /** Ends every client and the watches. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const client of this.#clients) client.close();
    await Promise.all(this.#shared.map(([, s]) => s.close()));
  }

  /** Closes the server (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
