// Builds the package the way JSR's npm layer serves it: the modules in the
// static import graph of every export in deno.json (as `deno info --json`
// sees it), each transpiled to .js on its own with esbuild, with relative
// ".ts" import specifiers rewritten to ".js", and a package.json whose
// "exports" map the same subpaths. Nothing else is copied.
//
//     node .ci/jsr-shape/build-npm.mjs OUT_DIR
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));
const out = process.argv[2];
if (!out) throw new Error("usage: build-npm.mjs OUT_DIR");
const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const exportsMap = typeof config.exports === "string" ? { ".": config.exports } : config.exports;

// The union of every export's module graph.
const files = new Set();
for (const entry of Object.values(exportsMap)) {
  const info = JSON.parse(execFileSync("deno", ["info", "--json", entry], { cwd: root, encoding: "utf8" }));
  for (const module of info.modules) {
    if (module.specifier.startsWith("node:")) continue; // built into Bun and Deno
    if (!module.specifier.startsWith("file://")) {
      throw new Error(`${entry} depends on ${module.specifier}: only local modules are handled here`);
    }
    if (module.error) throw new Error(`${module.specifier}: ${module.error}`);
    files.add(relative(root, fileURLToPath(module.specifier)));
  }
}

/** `./x.ts` → `./x.js` in static imports/exports and literal dynamic imports. */
function rewriteSpecifiers(code) {
  return code.replace(
    /((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.{1,2}\/[^"'\n]*?)\.ts\2/g,
    (_, before, quote, path) => `${before}${quote}${path}.js${quote}`,
  );
}

for (const file of [...files].sort()) {
  const source = readFileSync(join(root, file), "utf8");
  const { code } = await transform(source, { loader: "ts", format: "esm", target: "esnext", sourcefile: file });
  const target = join(out, file.replace(/\.ts$/, ".js"));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, rewriteSpecifiers(code));
}
// Any ".ts" specifier left over would fail to load: say so now.
for (const file of files) {
  const code = readFileSync(join(out, file.replace(/\.ts$/, ".js")), "utf8");
  const left = code.match(/(["'])\.{1,2}\/[^"'\n]*\.ts\1/);
  if (left) throw new Error(`${file}: specifier ${left[0]} was not rewritten`);
}

const npmExports = Object.fromEntries(
  Object.entries(exportsMap).map(([subpath, entry]) => [subpath, entry.replace(/\.ts$/, ".js")]),
);
writeFileSync(
  join(out, "package.json"),
  JSON.stringify({ name: config.name, version: config.version, type: "module", exports: npmExports }, null, 2) + "\n",
);
console.log(`${files.size} modules from ${Object.keys(exportsMap).length} exports`);
