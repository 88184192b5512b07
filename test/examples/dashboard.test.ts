// examples/dashboard.ts as its users meet it: started (under the runtime running this test) on a private
// namespace, opened in headless Chromium (Debian's `chromium`), driven over the DevTools protocol on loopback:
// the page must show the namespace's links, addresses and routes, follow what `ip` changes there (added, then
// removed), be captured as a PNG, and the server must exit with status 0 on SIGTERM while the page is open.
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { ip, withNetns } from "../helpers/netns.ts";
import { Child } from "../cli/run.ts";
import { command, type Runtime } from "../helpers/runtimes.ts";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import process from "node:process";

const runtime: Runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** Polls `check` every 100 ms until it returns a value other than undefined, or `ms` pass. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A DevTools protocol session with one page, over the page's WebSocket. */
class Page {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  #next = 1;
  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data));
      const p = this.#pending.get(m.id);
      if (!p) return; // an event
      this.#pending.delete(m.id);
      if (m.error) p.reject(new Error(`${m.error.message} (${m.error.code})`));
      else p.resolve(m.result);
    };
  }
  static async open(url: string): Promise<Page> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    return new Page(ws);
  }
  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }
  /** The value of a JavaScript expression in the page. */
  async eval<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.text}`);
    return r.result.value as T;
  }
  /** The cells of a table body, row by row. */
  rows(body: string): Promise<string[][]> {
    return this.eval(
      `[...document.getElementById(${JSON.stringify(body)}).rows].map((r) => [...r.cells].map((c) => c.textContent))`,
    );
  }
  close(): void {
    this.#ws.close();
  }
}

/** Chromium flags: headless, as root, and no traffic beyond loopback (no background services, no name lookups). */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  "--remote-debugging-port=0",
  "--window-size=1000,800",
];

test(
  `examples/dashboard.ts (under ${runtime}) shows a namespace live in headless Chromium and exits on SIGTERM`,
  async () => {
    await withNetns("cli-dash", async (ns) => {
      const dir = mkdtempSync(join(tmpdir(), "nlts-cli-dash-"));
      const [cmd, args] = command(runtime, "examples/dashboard.ts", ["--netns", ns, "--port", "0"]);
      const server = new Child(cmd, args);
      let browser: Child | undefined;
      let page: Page | undefined;
      try {
        const listening = await server.waitFor((l) => l.startsWith("listening on "), 15_000);
        const base = listening.match(/http:\/\/127\.0\.0\.1:\d+/)![0];
        assert.match(listening, new RegExp(`\\(netlink in ${ns}\\)$`));

        browser = new Child("chromium", [...CHROMIUM_FLAGS, `--user-data-dir=${join(dir, "profile")}`, `${base}/`]);
        // Chromium writes its DevTools port into the profile once it listens.
        const portFile = join(dir, "profile", "DevToolsActivePort");
        const devtools = await until("Chromium's DevTools port", () => {
          const port = existsSync(portFile) ? readFileSync(portFile, "utf8").split("\n")[0] : "";
          return Promise.resolve(/^\d+$/.test(port) ? port : undefined);
        }, 20_000);
        const target = await until("the dashboard's tab", async () => {
          const list = await (await fetch(`http://127.0.0.1:${devtools}/json/list`)).json() as any[];
          return list.find((t) => t.type === "page" && t.url.startsWith(base));
        });
        page = await Page.open(target.webSocketDebuggerUrl);
        const p = page;

        // The snapshot: loopback is there, the page says it is live.
        await until("the first snapshot", async () => {
          // Until the page has loaded, its elements are not there.
          const live = await p.eval<boolean>(`document.getElementById("status")?.textContent === "live"`);
          return live && (await p.rows("links")).some((r) => r[1] === "lo") ? true : undefined;
        }, 15_000);
        assert.equal(await p.eval<string>(`document.getElementById("netns").textContent`), ns);

        // Changes made with ip appear without a reload.
        ip(ns, "link", "add", "cli-d0", "type", "veth", "peer", "name", "cli-d1");
        ip(ns, "link", "set", "cli-d0", "up");
        ip(ns, "link", "set", "cli-d1", "up");
        ip(ns, "addr", "add", "10.77.0.1/24", "dev", "cli-d0");
        ip(ns, "route", "add", "10.78.0.0/24", "via", "10.77.0.2", "metric", "7");
        const index = String(JSON.parse(ip(ns, "-j", "link", "show", "cli-d0"))[0].ifindex);
        const link = await until("the new link", async () => (await p.rows("links")).find((r) => r[1] === "cli-d0"));
        assert.equal(link[0], index);
        assert.equal(link[5], "veth");
        const address = await until(
          "the new address",
          async () => (await p.rows("addresses")).find((r) => r[2] === "10.77.0.1/24"),
        );
        assert.deepEqual(address, ["cli-d0", "inet", "10.77.0.1/24", "global"]);
        const route = await until(
          "the new route",
          async () => (await p.rows("routes")).find((r) => r[0] === "10.78.0.0/24"),
        );
        assert.deepEqual(route, ["10.78.0.0/24", "10.77.0.2", "cli-d0", "main", "boot", "global", "unicast", "7"]);
        await until(
          "the link up",
          async () => (await p.rows("links")).find((r) => r[1] === "cli-d0")?.[2] === "UP" ? true : undefined,
        );

        // A screenshot of the page with the change.
        await p.send("Emulation.setDeviceMetricsOverride", {
          width: 1000,
          height: 800,
          deviceScaleFactor: 1,
          mobile: false,
        });
        const shot = await p.send("Page.captureScreenshot", { format: "png" });
        const png = Buffer.from(shot.data, "base64");
        const file = join(dir, "dashboard.png");
        writeFileSync(file, png);
        const saved = readFileSync(file);
        assert.deepEqual([...saved.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG");
        assert.deepEqual([saved.readUInt32BE(16), saved.readUInt32BE(20)], [1000, 800], "the viewport's size");
        assert.ok(saved.length > 10_000, `a page, not a blank image: ${saved.length} bytes`);
        // NLTS_SCREENSHOT=FILE keeps a copy to look at (the temporary directory goes at the end).
        if (process.env.NLTS_SCREENSHOT) writeFileSync(process.env.NLTS_SCREENSHOT, saved);

        // Deleting the link takes its peer, address and route with it, on the page too.
        ip(ns, "link", "del", "cli-d0");
        await until("the link, address and route gone", async () => {
          const all = [...await p.rows("links"), ...await p.rows("addresses"), ...await p.rows("routes")];
          return all.some((r) => r.includes("cli-d0") || r.includes("cli-d1") || r.includes("10.78.0.0/24"))
            ? undefined
            : true;
        });
        assert.ok((await p.rows("links")).some((r) => r[1] === "lo"));

        // SIGTERM with the page still connected: status 0, and the page sees the stream end.
        const t0 = Date.now();
        server.kill("SIGTERM");
        const { code, signal } = await server.exited;
        assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.stderr);
        assert.ok(Date.now() - t0 < 5_000, "it exits promptly");
        await until(
          "the page to notice",
          async () =>
            (await p.eval<string>(`document.getElementById("status").textContent`)).startsWith("disconnected")
              ? true
              : undefined,
        );
      } finally {
        page?.close();
        server.kill("SIGKILL");
        browser?.kill("SIGKILL");
        await browser?.exited;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
  { timeout: 60_000 },
);
