// The protocol the usersock tests speak, defined with the shared schema.
import { defineAttrSet, defineProtocol } from "../../src/usersock/mod.ts";

const number = defineAttrSet({ name: "number", attributes: { n: { id: 1, type: "u32" } } });
const note = defineAttrSet({
  name: "note",
  attributes: { text: { id: 1, type: "string" }, tags: { id: 2, type: "string", multi: true } },
});

export const calc = defineProtocol({
  name: "calc",
  messages: {
    inc: { type: 0x10, attributes: number },
    result: { type: 0x11, attributes: number },
    note: { type: 0x12, attributes: note },
    stop: { type: 0x13, attributes: number },
  },
});
