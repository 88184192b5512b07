/**
 * The long fuzz run: 1,000,000 cases (or argv[0]) over every decoder, with a
 * seed from argv[1] (default: time). Prints cases/s and exits non-zero with
 * the failing input on any exception other than ParseError.
 *   deno run -A bench/fuzz.ts 1000000
 */
import { fuzz } from "../test/helpers/fuzz.ts";
import { allTargets } from "../test/fuzz/all.ts";

const args = "Deno" in globalThis ? Deno.args : process.argv.slice(2);
const cases = Number(args[0] ?? 1_000_000);
const seed = Number(args[1] ?? (Date.now() & 0x7fffffff));
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const r = fuzz(allTargets, cases, seed);
if (r.failure) {
  console.error(`FAIL ${r.failure.target} (seed ${seed}): ${r.failure.error}\ninput ${r.failure.input}`);
  process.exitCode = 1;
} else {
  console.log(
    `${runtime} fuzz: ${r.cases} cases over ${allTargets.length} decoders (seed ${seed}) in ` +
      `${(r.ms / 1000).toFixed(1)} s: ${r.decoded} decoded, ${r.rejected} ParseError, no other exception`,
  );
}
