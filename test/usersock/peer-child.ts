// A usersock peer run as a separate process (by the other runtime) for
// test/usersock/usersock.test.ts. Roles:
//   server NS        answers inc with result n+1 until stop; prints "port N"
//   listen NS GROUP  prints "ready N", then the first note it gets as JSON
import { UserPeer } from "../../src/usersock/mod.ts";
import { Overrun } from "../../src/wire/errors.ts";
import { calc } from "./calc.ts";

const [role, ns, group] = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
if (role === "server") {
  await using peer = await UserPeer.open(calc, { netns: ns });
  console.log(`port ${peer.portId}`);
  for await (const m of peer.messages()) {
    if (m instanceof Overrun) throw new Error("messages were lost");
    if (m.name === "inc") peer.reply(m, "result", { n: m.attrs.n! + 1 });
    if (m.name === "stop") {
      peer.reply(m, "result", { n: 0 });
      break;
    }
  }
} else if (role === "listen") {
  await using peer = await UserPeer.open(calc, { netns: ns, groups: [Number(group)] });
  console.log(`ready ${peer.portId}`);
  for await (const m of peer.messages()) {
    if (m instanceof Overrun) throw new Error("messages were lost");
    if (m.name === "note") {
      console.log(JSON.stringify({ runtime, text: m.attrs.text, tags: m.attrs.tags, from: m.from, group: m.group }));
      break;
    }
  }
}
