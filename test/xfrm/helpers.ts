// Shared by the XFRM tests: comparisons with ip's text, the ESP probe, and
// `ip xfrm monitor` as an oracle for bytes the kernel cannot hold here.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { encodeFlushStates, type XfrmPolicy, type XfrmSelector, type XfrmState } from "../../src/xfrm/mod.ts";
import { hexKey, type IpLifetime, type IpPolicy, type IpSelector, type IpState } from "./ip_xfrm.ts";

export function prefix(addr: string, len: number): string {
  return `${addr}/${len}`;
}

export function assertSelector(ours: XfrmSelector, ip: IpSelector, what: string): void {
  assert.equal(prefix(ours.src, ours.srcPrefixLen), ip.src, `${what}: selector src`);
  assert.equal(prefix(ours.dst, ours.dstPrefixLen), ip.dst, `${what}: selector dst`);
  assert.equal(ours.proto, ip.proto, `${what}: selector proto`);
  assert.equal(ours.sport, ip.sport, `${what}: selector sport`);
  assert.equal(ours.dport, ip.dport, `${what}: selector dport`);
  if (ip.user !== undefined) assert.equal(ours.user, ip.user, `${what}: selector uid`);
}

export function assertLifetime(ours: XfrmState["lifetime"]["config"], ip: IpLifetime | undefined, what: string): void {
  assert.ok(ip, `${what}: ip printed no lifetime (run it with -s)`);
  assert.deepEqual({ ...ours }, { ...ip }, `${what}: lifetime config`);
}

/** Every field ip prints about an SA, compared with ours. */
export function assertStateMatchesIp(ours: XfrmState, ip: IpState): void {
  const what = `SA spi 0x${ours.spi.toString(16)}`;
  assert.equal(ours.src, ip.src, `${what}: src`);
  assert.equal(ours.dst, ip.dst, `${what}: dst`);
  assert.equal(ours.proto, ip.proto, `${what}: proto`);
  assert.equal(ours.spi, ip.spi, `${what}: spi`);
  assert.equal(ours.reqid, ip.reqid, `${what}: reqid`);
  assert.equal(ours.mode, ip.mode, `${what}: mode`);
  assert.equal(ours.replayWindow, ip.replayWindow, `${what}: replay window`);
  assert.deepEqual(ours.flags, ip.flags, `${what}: flags`);
  assert.deepEqual(ours.mark, ip.mark, `${what}: mark`);
  assert.deepEqual(ours.setMark, ip.outputMark, `${what}: output mark`);
  assert.equal(ours.ifId, ip.ifId, `${what}: if_id`);
  assert.equal(ours.tfcpad, ip.tfcpad, `${what}: tfcpad`);
  if (ip.authTrunc) {
    assert.equal(ours.auth?.name, ip.authTrunc.name);
    assert.equal(hexKey(ours.auth!.key), ip.authTrunc.key);
    assert.equal(ours.auth!.truncLength, ip.authTrunc.bits);
    if (ip.authTrunc.keyBits !== undefined) assert.equal(ours.auth!.keyLength, ip.authTrunc.keyBits);
  } else if (ip.auth) {
    assert.equal(ours.auth?.name, ip.auth.name);
    assert.equal(hexKey(ours.auth!.key), ip.auth.key);
    if (ip.auth.keyBits !== undefined) assert.equal(ours.auth!.keyLength, ip.auth.keyBits);
  } else assert.equal(ours.auth, undefined, `${what}: auth`);
  for (const k of ["crypt", "aead", "comp"] as const) {
    const theirs = k === "crypt" ? ip.enc : ip[k];
    if (!theirs) {
      assert.equal(ours[k], undefined, `${what}: ${k}`);
      continue;
    }
    assert.equal(ours[k]?.name, theirs.name, `${what}: ${k} name`);
    if (k !== "comp") assert.equal(hexKey(ours[k]!.key), theirs.key, `${what}: ${k} key`);
    if (theirs.keyBits !== undefined) assert.equal(ours[k]!.keyLength, theirs.keyBits, `${what}: ${k} key bits`);
    if (k === "aead") assert.equal(ours.aead!.icvLength, theirs.bits, `${what}: ICV length`);
  }
  if (ip.encap) {
    assert.deepEqual(
      { type: ours.encap?.type, sport: ours.encap?.sport, dport: ours.encap?.dport, addr: ours.encap?.oa },
      ip.encap,
      `${what}: encap`,
    );
  } else assert.equal(ours.encap, undefined, `${what}: encap`);
  if (ip.esn) {
    const e = ours.replayEsn!;
    assert.deepEqual(
      {
        seqHi: e.seqHi,
        seq: e.seq,
        oseqHi: e.oseqHi,
        oseq: e.oseq,
        replayWindow: e.replayWindow,
        bitmapLength: e.bitmap.length,
      },
      ip.esn,
      `${what}: ESN replay state`,
    );
  } else if (ip.replay) assert.deepEqual(ours.replay, ip.replay, `${what}: replay state`);
  assertSelector(ours.selector, ip.sel, what);
  if (ip.lifetime) assertLifetime(ours.lifetime.config, ip.lifetime, what);
  if (ip.current) {
    assert.deepEqual(
      { bytes: ours.lifetime.current.bytes, packets: ours.lifetime.current.packets },
      ip.current,
      `${what}: current`,
    );
  }
  if (ip.stats) {
    assert.deepEqual(
      { replayWindow: ours.stats.replayWindow, replay: ours.stats.replay, failed: ours.stats.integrityFailed },
      ip.stats,
      `${what}: stats`,
    );
  }
}

/** Every field ip prints about a policy, compared with ours. */
export function assertPolicyMatchesIp(ours: XfrmPolicy, ip: IpPolicy): void {
  const what = `policy ${ours.dir} ${ours.selector.src}->${ours.selector.dst}`;
  assertSelector(ours.selector, ip.sel, what);
  assert.equal(ours.dir, ip.dir, `${what}: dir`);
  assert.equal(ours.action, ip.action, `${what}: action`);
  assert.equal(ours.priority, ip.priority, `${what}: priority`);
  assert.equal(ours.type, ip.ptype, `${what}: ptype`);
  if (ip.index !== undefined) assert.equal(ours.index, ip.index, `${what}: index`);
  if (ip.share !== undefined) assert.equal(ours.share, ip.share, `${what}: share`);
  assert.deepEqual(ours.flags, ip.flags, `${what}: flags`);
  assert.deepEqual(ours.mark, ip.mark, `${what}: mark`);
  assert.equal(ours.ifId, ip.ifId, `${what}: if_id`);
  if (ip.lifetime) assertLifetime(ours.lifetime.config, ip.lifetime, what);
  assert.equal(ours.templates.length, ip.templates.length, `${what}: template count`);
  ours.templates.forEach((t, i) => {
    const it = ip.templates[i];
    assert.equal(t.src, it.src, `${what}: tmpl ${i} src`);
    assert.equal(t.dst, it.dst, `${what}: tmpl ${i} dst`);
    assert.equal(t.proto, it.proto, `${what}: tmpl ${i} proto`);
    assert.equal(t.spi, it.spi, `${what}: tmpl ${i} spi`);
    assert.equal(t.reqid, it.reqid, `${what}: tmpl ${i} reqid`);
    assert.equal(t.mode, it.mode, `${what}: tmpl ${i} mode`);
    assert.equal(t.optional ? "use" : "required", it.level, `${what}: tmpl ${i} level`);
    if (it.share !== undefined) assert.equal(t.share, it.share, `${what}: tmpl ${i} share`);
    if (it.ealgos !== undefined) {
      assert.deepEqual([t.ealgos, t.aalgos, t.calgos], [it.ealgos, it.aalgos, it.calgos], `${what}: tmpl ${i} masks`);
    }
  });
}

/**
 * Whether this kernel can hold an ESP SA: tried once with ip in a throwaway
 * namespace. Kernels built without esp4/esp6 (and without modules) refuse
 * with "Requested type not found".
 */
export function probeEsp(): { ok: true } | { ok: false; reason: string } {
  const ns = `nlts-xa-espprobe-${process.pid}`;
  try {
    execFileSync("ip", ["netns", "add", ns], { stdio: "pipe" });
  } catch (e) {
    return { ok: false, reason: `cannot create a namespace: ${(e as Error).message}` };
  }
  try {
    execFileSync("ip", [
      "-n",
      ns,
      "xfrm",
      "state",
      "add",
      "src",
      "192.0.2.1",
      "dst",
      "192.0.2.2",
      "proto",
      "esp",
      "spi",
      "0x1",
      "mode",
      "transport",
      "enc",
      "cbc(aes)",
      "0x00112233445566778899aabbccddeeff",
    ], { stdio: "pipe" });
    return { ok: true };
  } catch (e) {
    const err = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e);
    return { ok: false, reason: err.replace(/^Error: /, "").replace(/\.$/, "") };
  } finally {
    execFileSync("ip", ["netns", "del", ns], { stdio: "pipe" });
  }
}

/**
 * `ip -s xfrm monitor` in `ns`, ready to print what is multicast there.
 * `send` multicasts bytes to the SA group; `capture(fn)` runs `fn` and
 * returns what ip printed for it. FLUSHSA messages serve as markers: proto
 * "any" to know ip listens, proto "ah" for the end of a capture.
 */
export async function ipMonitor(ns: string, send: (bytes: Uint8Array) => void) {
  const child = spawn("ip", ["-s", "-n", ns, "xfrm", "monitor"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d: string) => (out += d));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const until = async (done: () => boolean, knock?: () => void) => {
    for (let i = 0; i < 400; i++) {
      if (done()) return;
      knock?.();
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`ip xfrm monitor printed no marker: ${JSON.stringify(out)}`);
  };
  await until(() => out.includes("Flushed state"), () => send(encodeFlushStates(0)));
  return {
    async capture(fn: () => void): Promise<string> {
      const from = out.length;
      fn();
      send(encodeFlushStates("ah"));
      await until(() => out.slice(from).includes("Flushed state proto ah"));
      const text = out.slice(from);
      return text.slice(0, text.indexOf("Flushed state proto ah"));
    },
    stop() {
      child.kill();
    },
  };
}
