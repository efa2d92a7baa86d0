#!/usr/bin/env bash
# What Bedrock and media each add to the wasm: four builds of the working tree made the way
# scripts/build.sh makes the package (release wasm32, wasm-bindgen --target web, wasm-opt -Os
# with the same flags, the glue minified by esbuild), with features wasm-package alone (the
# default entry), + media, + bedrock, + platform and shared-health, + all (llm-edge/full). One scratch target dir,
# target/features (ignored by git), seeded from target/ so that only llm_edge itself is
# rebuilt for each feature set (the dependencies' features do not change). Writes
# bench/size/features.json, which bench/run.mjs reports in its Size section.
#   bash bench/size/features.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
WB_BIN=$(bash scripts/setup.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tdir=target/features
if [ ! -d "$tdir/wasm32-unknown-unknown" ] && [ -d target/wasm32-unknown-unknown ]; then
  mkdir -p "$tdir" && cp -a target/wasm32-unknown-unknown "$tdir/"
fi
rows=()
for feats in wasm-package wasm-package,media wasm-package,bedrock wasm-package,platform,shared-health wasm-package,bedrock,media,platform,shared-health; do
  name=${feats//,/+}
  CARGO_TARGET_DIR="$tdir" cargo build --quiet --release --target wasm32-unknown-unknown --lib --features "$feats"
  out="$work/$name"
  "$WB_BIN/wasm-bindgen" "$tdir/wasm32-unknown-unknown/release/llm_edge.wasm" --target web --out-dir "$out" --out-name llm_edge --no-typescript
  node_modules/.bin/wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers "$out/llm_edge_bg.wasm" -o "$out/llm_edge_bg.wasm"
  node_modules/.bin/esbuild "$out/llm_edge.js" --minify --format=esm --log-level=warning --outfile="$out/llm_edge.js" --allow-overwrite
  rows+=("$feats=$out")
done
commit=$(git rev-parse --short HEAD)
dirty=$(git status --porcelain -- src Cargo.toml Cargo.lock)
[ -n "$dirty" ] && commit="$commit + uncommitted changes in src"
node -e '
const { readFileSync, writeFileSync } = require("node:fs");
const { gzipSync } = require("node:zlib");
const { createHash } = require("node:crypto");
const gz = (b) => gzipSync(b, { level: 9 }).length;
const [commit, ...rows] = process.argv.slice(1);
const builds = {};
for (const r of rows) {
  const [feats, dir] = r.split("=");
  const wasm = readFileSync(dir + "/llm_edge_bg.wasm");
  const glue = readFileSync(dir + "/llm_edge.js");
  builds[feats] = { wasmRaw: wasm.length, wasmGz: gz(wasm), glueRaw: glue.length, glueGz: gz(glue), wasmSha256: createHash("sha256").update(wasm).digest("hex").slice(0, 12) };
}
writeFileSync("bench/size/features.json", JSON.stringify({ commit, measured: new Date().toISOString().slice(0, 10), builds }, null, 2) + "\n");
console.log(JSON.stringify(builds, null, 2));
' "$commit" "${rows[@]}"
