// SOCK_DESTROY against the real kernel (this one is built with
// CONFIG_INET_DIAG_DESTROY; the test checks the config and says so).
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { withNetns } from "../helpers/netns.ts";
import { NetlinkError } from "../../src/wire/errors.ts";
import { type InetSocket, SockDiag } from "../../src/sockdiag/mod.ts";
import { endpoint, kernelConfig, parseSs, spawnNode, ss } from "./helpers.ts";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const destroyConfig = kernelConfig("CONFIG_INET_DIAG_DESTROY");

const TCP_PAIR = `
const net = require("net");
const s = net.createServer((c) => { c.on("error", (e) => console.log("SERVER " + e.code)); c.on("close", () => console.log("SERVER closed")); });
s.listen(0, "127.0.0.1", () => {
  const c = net.connect(s.address().port, "127.0.0.1", () => ready({ port: s.address().port, client: c.localPort }));
  c.on("error", (e) => console.log("CLIENT " + e.code));
});
`;

test(
  destroyConfig === "n"
    ? "SOCK_DESTROY: this kernel lacks CONFIG_INET_DIAG_DESTROY, so destroying an ESTAB TCP socket fails with a typed EOPNOTSUPP"
    : "SOCK_DESTROY aborts an ESTAB TCP socket (its owner sees ECONNABORTED, ss no longer lists it)",
  async () => {
    await withNetns("sd-destroy", async (ns) => {
      const child = await spawnNode(ns, TCP_PAIR);
      try {
        await using diag = await SockDiag.open({ netns: ns });
        const estab = await collect(diag.inetSockets({ family: "inet", states: ["ESTAB"] }));
        const client = estab.find((s) => s.srcPort === child.info.client)!;
        assert.ok(client);
        if (destroyConfig === "n") {
          await assert.rejects(() => diag.destroy(client), (e) => {
            assert.ok(e instanceof NetlinkError);
            assert.equal(e.code, "EOPNOTSUPP");
            assert.equal(e.messageTypeName, "SOCK_DESTROY");
            return true;
          });
          return;
        }
        await diag.destroy(client);
        await child.waitFor(/^CLIENT ECONNABORTED$/);
        await child.waitFor(/^SERVER (ECONNRESET|closed)$/);
        const left = parseSs(ss(ns, "-tanH", "state", "established"));
        assert.ok(!left.some((r) => endpoint(r.local).port === child.info.client), "the client socket is gone");
        const again = await collect(diag.inetSockets({ family: "inet", states: ["ESTAB"] }));
        assert.equal(again.find((s) => s.cookie === client.cookie), undefined);
        // Destroying it again: no such socket.
        await assert.rejects(() => diag.destroy(client), (e) => e instanceof NetlinkError && e.code === "ENOENT");
      } finally {
        await child.stop();
      }
    });
  },
);

test("SOCK_DESTROY checks the cookie: a stale one is a typed ENOENT and the socket survives", async () => {
  await withNetns("sd-destroy-cookie", async (ns) => {
    const child = await spawnNode(ns, TCP_PAIR);
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const [listener] = await collect(diag.inetSockets({ family: "inet", states: ["LISTEN"] }));
      const stale: InetSocket = { ...listener, cookie: listener.cookie + 12345n };
      await assert.rejects(() => diag.destroy(stale), (e) => {
        assert.ok(e instanceof NetlinkError, String(e));
        assert.ok(e.code === "ENOENT" || (destroyConfig === "n" && e.code === "EOPNOTSUPP"), e.code);
        assert.equal(e.messageTypeName, "SOCK_DESTROY");
        return true;
      });
      assert.equal(parseSs(ss(ns, "-tlnH")).length, 1, "the listener is still there");
      await assert.rejects(
        () => diag.destroy({ family: "inet", src: "127.0.0.1", srcPort: 1, dst: "127.0.0.1", dstPort: 2 }),
        (e) => e instanceof NetlinkError && (e.code === "ENOENT" || e.code === "EOPNOTSUPP"),
      );
      // Bad input never reaches the kernel.
      await assert.rejects(() => diag.destroy({ family: "inet", src: "::1", srcPort: 1 }), /not an IPv4 address/);
      await assert.rejects(() => diag.destroy({ family: "inet6", src: "::1", srcPort: 70000 }), TypeError);
    } finally {
      await child.stop();
    }
  });
});

test("SOCK_DESTROY of a bound UDP socket: its owner gets ECONNABORTED and ss no longer lists it", async () => {
  await withNetns("sd-destroy-udp", async (ns) => {
    const child = await spawnNode(
      ns,
      `const u = require("dgram").createSocket("udp6");
       u.on("error", (e) => console.log("UDP " + e.code));
       u.on("message", () => {});
       u.bind(0, "::1", () => ready({ port: u.address().port }));`,
    );
    try {
      await using diag = await SockDiag.open({ netns: ns });
      const [udp] = await collect(diag.inetSockets({ family: "inet6", protocol: "udp" }));
      assert.equal(udp.srcPort, child.info.port);
      if (destroyConfig === "n") {
        await assert.rejects(() => diag.destroy(udp), (e) => e instanceof NetlinkError && e.code === "EOPNOTSUPP");
        return;
      }
      await diag.destroy(udp);
      await child.waitFor(/^UDP ECONNABORTED$/);
      assert.deepEqual(parseSs(ss(ns, "-uanH")), []);
      assert.deepEqual(await collect(diag.inetSockets({ protocol: "udp" })), []);
    } finally {
      await child.stop();
    }
  });
});

test("SOCK_DESTROY of an MPTCP socket is refused with a typed EOPNOTSUPP (mptcp_diag has no destroy)", async () => {
  await withNetns("sd-destroy-mptcp", async (ns) => {
    await using diag = await SockDiag.open({ netns: ns });
    const mptcp = kernelConfig("CONFIG_INET_MPTCP_DIAG");
    await assert.rejects(
      () =>
        diag.destroy({ family: "inet", protocol: "mptcp", src: "127.0.0.1", srcPort: 1, dst: "127.0.0.1", dstPort: 2 }),
      (e) => {
        assert.ok(e instanceof NetlinkError, String(e));
        // Without mptcp_diag at all the handler is missing: ENOENT.
        assert.equal(e.code, mptcp === "n" ? "ENOENT" : "EOPNOTSUPP");
        assert.equal(e.messageTypeName, "SOCK_DESTROY");
        return true;
      },
    );
  });
});
