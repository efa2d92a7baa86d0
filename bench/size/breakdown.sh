#!/usr/bin/env bash
# Where the wasm grew between two commits, by area and by function (twiggy), on builds made
# the way scripts/build.sh makes the package (release, --features wasm-package,
# wasm-bindgen, wasm-opt -Os) except that the name section is kept. Sizes are raw bytes
# before gzip; the name section itself is left out. Needs twiggy (cargo install twiggy).
#   bash bench/size/breakdown.sh [old commit, default bef7e55] [new commit, default HEAD]
set -euo pipefail
cd "$(dirname "$0")/../.."
old_rev=${1:-bef7e55}
new_rev=${2:-HEAD}
command -v twiggy >/dev/null || { echo "breakdown: needs twiggy (cargo install twiggy)" >&2; exit 1; }
WB_BIN=$(bash scripts/setup.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for side in old new; do
  rev=$([ $side = old ] && echo "$old_rev" || echo "$new_rev")
  mkdir -p "$work/$side"
  git archive "$rev" | tar -x -C "$work/$side"
  # Target dirs under target/ (ignored by git) so a second run rebuilds nothing.
  (cd "$work/$side" && CARGO_TARGET_DIR="$OLDPWD/target/breakdown-$side" cargo build --quiet --release --target wasm32-unknown-unknown --lib --features wasm-package)
  "$WB_BIN/wasm-bindgen" "target/breakdown-$side/wasm32-unknown-unknown/release/llm_edge.wasm" --target web --out-dir "$work/$side/out" --out-name llm_edge --no-typescript
  node_modules/.bin/wasm-opt -Os -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-producers \
    "$work/$side/out/llm_edge_bg.wasm" -o "$work/$side.wasm"
  twiggy top -n 1000000 --format csv "$work/$side.wasm" > "$work/$side.csv"
done
echo "# wasm growth, $old_rev → $(git rev-parse --short "$new_rev")"
node bench/size/breakdown.mjs "$work/old.csv" "$work/new.csv"
