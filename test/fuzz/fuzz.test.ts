// A short seeded fuzz run of every decoder (the long run is bench/fuzz.ts).
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { fuzz } from "../helpers/fuzz.ts";
import { allTargets } from "./all.ts";

for (const target of allTargets) {
  test(`fuzz ${target.name}: 20,000 seeded cases give values or ParseError only`, () => {
    const r = fuzz([target], 20_000, 7);
    if (r.failure) assert.fail(`${r.failure.error}\ninput ${r.failure.input}`);
    assert.ok(r.decoded > 0 && r.rejected > 0, `decoded ${r.decoded}, rejected ${r.rejected}`);
  });
}
