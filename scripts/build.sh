#!/usr/bin/env bash
# Builds the npm package into pkg/: release wasm → wasm-bindgen (--target web glue, which
# serves Node, Deno, workerd and browsers) → wasm-opt -Os (npm binaryen) → glue minified
# (esbuild) → pkg-template files.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1;34m[build]\033[0m %s\n' "$*" >&2; }
WB_BIN=$(bash scripts/setup.sh)

say "cargo build (wasm32, release, no std: --features wasm-package)"
cargo build --quiet --release --target wasm32-unknown-unknown --lib --features wasm-package
raw=target/wasm32-unknown-unknown/release/llm_edge.wasm

# Skip the rest when nothing that feeds pkg/ changed.
sum=$( (sha256sum "$raw"; find pkg-template -type f -exec sha256sum {} + | sort) | sha256sum | cut -d' ' -f1)
if [ -f pkg/.build-sum ] && [ "$(cat pkg/.build-sum)" = "$sum" ]; then
  say "pkg/ is up to date"
  exit 0
fi

rm -rf pkg && mkdir -p pkg
"$WB_BIN/wasm-bindgen" "$raw" --target web --out-dir pkg --out-name llm_edge --no-typescript
say "wasm-opt -Os"
node_modules/.bin/wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  --strip-debug --strip-producers pkg/llm_edge_bg.wasm -o pkg/llm_edge_bg.wasm
# The glue is generated code: it ships minified (6.9 → 4.7 KB gzip for every user who loads
# the package unbundled). The hand-written api.js ships as written.
say "esbuild --minify (wasm-bindgen glue)"
node_modules/.bin/esbuild pkg/llm_edge.js --minify --format=esm --log-level=warning --outfile=pkg/llm_edge.js --allow-overwrite
# A second copy of the glue for workerd's trap recovery (workerd.js): a Worker cannot load
# one module twice.
cp pkg/llm_edge.js pkg/llm_edge_reload.js
cp pkg-template/* pkg/
cp LICENSE CHANGELOG.md pkg/ # the package README is pkg-template/README.md (for users), copied above
echo "$sum" > pkg/.build-sum
say "pkg/: wasm $(wc -c < pkg/llm_edge_bg.wasm) B raw, $(gzip -9 -c pkg/llm_edge_bg.wasm | wc -c) B gzip"
