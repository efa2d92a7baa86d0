#!/usr/bin/env bash
# What the Bedrock provider adds to the full variant (llm-edge/full): the full wasm built as
# scripts/build.sh builds it (--features wasm-package,bedrock,media; wasm-bindgen; wasm-opt
# -Os; stripped) against the same build without `bedrock`, in gzip -9 bytes; then, with the
# name section kept, the growth by area and function (twiggy, bench/size/breakdown.mjs).
# The test-only exports (src/bindings/test_exports.rs, feature test-exports) are not built in,
# as in the shipped package.
#   bash bench/size/bedrock.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# twiggy when installed; else bench/size/wasm-sizes.mjs reads the name section itself.
top() { if command -v twiggy >/dev/null; then twiggy top -n 1000000 --format csv "$1"; else node bench/size/wasm-sizes.mjs "$1"; fi; }
WB_BIN=$(bash scripts/setup.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
OPT=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-producers)
for side in without with; do
  features=$([ $side = with ] && echo wasm-package,bedrock,media || echo wasm-package,media)
  CARGO_TARGET_DIR=target/size-$side cargo build --quiet --release --target wasm32-unknown-unknown --lib --features "$features"
  "$WB_BIN/wasm-bindgen" "target/size-$side/wasm32-unknown-unknown/release/llm_edge.wasm" --target web --out-dir "$work/$side" --out-name llm_edge --no-typescript
  node_modules/.bin/wasm-opt -Os "${OPT[@]}" --strip-debug "$work/$side/llm_edge_bg.wasm" -o "$work/$side.wasm"
  node_modules/.bin/wasm-opt -Os -g "${OPT[@]}" "$work/$side/llm_edge_bg.wasm" -o "$work/$side.named.wasm"
  top "$work/$side.named.wasm" > "$work/$side.csv"
  node_modules/.bin/esbuild "$work/$side/llm_edge.js" --minify --format=esm --log-level=warning --outfile="$work/$side.js"
done
gz() { gzip -9 -c "$1" | wc -c; }
w=$(gz "$work/without.wasm"); b=$(gz "$work/with.wasm")
wj=$(gz "$work/without.js"); bj=$(gz "$work/with.js")
echo "# What Bedrock adds to llm-edge/full"
echo
echo "| | without bedrock | with bedrock | added |"
echo "|---|---:|---:|---:|"
echo "| wasm, raw bytes | $(wc -c < "$work/without.wasm") | $(wc -c < "$work/with.wasm") | $(( $(wc -c < "$work/with.wasm") - $(wc -c < "$work/without.wasm") )) |"
echo "| wasm, gzip -9 | $w | $b | $((b - w)) ($(awk "BEGIN{printf \"%.1f\", ($b-$w)/1024}") KiB) |"
echo "| glue JS (minified), gzip -9 | $wj | $bj | $((bj - wj)) |"
echo
node bench/size/breakdown.mjs "$work/without.csv" "$work/with.csv"
