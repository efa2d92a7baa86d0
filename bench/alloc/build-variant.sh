#!/usr/bin/env bash
# Builds one allocator variant the way scripts/build.sh builds pkg/ (release wasm with
# --features wasm-package → wasm-bindgen → wasm-opt -Os → esbuild minify of the glue), but
# from a source tree of its own, into target/alloc-<variant> and an out dir outside pkg/,
# so other work on pkg/ is not disturbed. Adds bench-node.js, which also exports the
# instance's memory (for bench/alloc/memory.mjs).
#   bash bench/alloc/build-variant.sh <source tree> <variant> <out dir>
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$1 variant=$2 out=$3
WB_BIN=$(cd "$root" && bash scripts/setup.sh)
export CARGO_TARGET_DIR="$root/target/alloc-$variant"
(cd "$src" && cargo build --quiet --release --target wasm32-unknown-unknown --lib --features wasm-package)
raw="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/llm_edge.wasm"
rm -rf "$out" && mkdir -p "$out"
"$WB_BIN/wasm-bindgen" "$raw" --target web --out-dir "$out" --out-name llm_edge --no-typescript
"$root/node_modules/.bin/wasm-opt" -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  --strip-debug --strip-producers "$out/llm_edge_bg.wasm" -o "$out/llm_edge_bg.wasm"
"$root/node_modules/.bin/esbuild" "$out/llm_edge.js" --minify --format=esm --log-level=warning --outfile="$out/llm_edge.js" --allow-overwrite
cp "$src"/pkg-template/* "$out/"
cat > "$out/bench-node.js" <<'JS'
// Like node.js, but keeps the instance's exports so a benchmark can read wasm memory.
import { readFileSync } from "node:fs";
import { initSync } from "./llm_edge.js";
const module = new WebAssembly.Module(readFileSync(new URL("./llm_edge_bg.wasm", import.meta.url)));
const wasm = initSync({ module });
export const wasmMemoryBytes = () => wasm.memory.buffer.byteLength;
export { createLLM } from "./api.js";
JS
echo "$variant: wasm $(wc -c < "$out/llm_edge_bg.wasm") B raw, $(gzip -9 -c "$out/llm_edge_bg.wasm" | wc -c) B gzip; glue+JS gzip $(cat "$out"/*.js | gzip -9 | wc -c) B"
