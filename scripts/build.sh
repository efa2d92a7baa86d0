#!/usr/bin/env bash
# Builds the npm package into pkg/: release wasm → wasm-bindgen (--target web glue, which
# serves Node, Deno, workerd and browsers) → wasm-opt -Os (npm binaryen) → glue minified
# (esbuild) → pkg-template files. Twice: the default entry ("llm-edge": chat on Azure and
# OpenAI-compatible servers, within the package's size budget) and pkg/full ("llm-edge/full":
# the same API with every provider and operation built in: Bedrock, media).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1;34m[build]\033[0m %s\n' "$*" >&2; }
WB_BIN=$(bash scripts/setup.sh)

FULL_FEATURES="wasm-package,bedrock,media,platform,shared-health"
say "cargo build (wasm32, release, no std: --features wasm-package)"
cargo build --quiet --release --target wasm32-unknown-unknown --lib --features wasm-package
raw=target/wasm32-unknown-unknown/release/llm_edge.wasm
say "cargo build (the full variant: --features $FULL_FEATURES)"
CARGO_TARGET_DIR=target/full cargo build --quiet --release --target wasm32-unknown-unknown --lib --features "$FULL_FEATURES"
raw_full=target/full/wasm32-unknown-unknown/release/llm_edge.wasm

# wasm-bindgen's glue for one build into a folder: optimised wasm, minified glue, and a second
# copy of the glue for workerd's trap recovery (workerd.js: a Worker cannot load one module
# twice).
glue() { # raw-wasm out-dir
  "$WB_BIN/wasm-bindgen" "$1" --target web --out-dir "$2" --out-name llm_edge --no-typescript
  node_modules/.bin/wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers "$2/llm_edge_bg.wasm" -o "$2/llm_edge_bg.wasm"
  # The glue is generated code: it ships minified (6.9 → 4.7 KB gzip for every user who
  # loads the package unbundled). The hand-written api.js ships as written.
  node_modules/.bin/esbuild "$2/llm_edge.js" --minify --format=esm --log-level=warning --outfile="$2/llm_edge.js" --allow-overwrite
  cp "$2/llm_edge.js" "$2/llm_edge_reload.js"
}
# The differential tests' copy of the full variant (tests/js/bedrock-differential.test.mjs):
# the same build plus the test-only exports (feature test-exports: SigV4 and the event-stream
# decoder reached directly), into target/pkg-test/, never into pkg/: the shipped wasm carries
# none of them. Re-glued only when its raw wasm changed.
say "cargo build (the differential tests' copy: --features $FULL_FEATURES,test-exports)"
CARGO_TARGET_DIR=target/test-exports cargo build --quiet --release --target wasm32-unknown-unknown --lib --features "$FULL_FEATURES,test-exports"
raw_test=target/test-exports/wasm32-unknown-unknown/release/llm_edge.wasm
test_sum=$(sha256sum "$raw_test" | cut -d' ' -f1)
if [ "$(cat target/pkg-test/.build-sum 2>/dev/null)" != "$test_sum" ]; then
  rm -rf target/pkg-test && mkdir -p target/pkg-test
  glue "$raw_test" target/pkg-test
  echo "$test_sum" > target/pkg-test/.build-sum
fi

# Skip the rest when nothing that feeds pkg/ changed.
sum=$( (sha256sum "$raw" "$raw_full"; find pkg-template -type f -exec sha256sum {} + | sort) | sha256sum | cut -d' ' -f1)
if [ -f pkg/.build-sum ] && [ "$(cat pkg/.build-sum)" = "$sum" ]; then
  say "pkg/ is up to date"
  exit 0
fi

rm -rf pkg && mkdir -p pkg/full
say "wasm-bindgen, wasm-opt -Os, esbuild --minify (default and full)"
glue "$raw" pkg
glue "$raw_full" pkg/full
# The full variant runs the same JS over its own wasm; its types are the package's.
for f in api.js node.js web.js workerd.js init.js tools.js telemetry.js cache.js tokens.js health.js; do cp "pkg-template/$f" pkg/full/; done
printf 'export * from "../index.js";\n' > pkg/full/index.d.ts
printf 'export * from "../init.js";\n' > pkg/full/init.d.ts
printf 'export { default } from "../wasm.js";\n' > pkg/full/wasm.d.ts
printf 'export * from "../cache.js";\n' > pkg/full/cache.d.ts # llm-edge/full/cache: the same cache, throwing full's LLMError
printf 'export * from "../tokens.js";\n' > pkg/full/tokens.d.ts
printf 'export * from "../health.js";\n' > pkg/full/health.d.ts # llm-edge/full/health: errors are full's LLMError
# The full variant's media JS shares api.js's module scope: appended to its copy only.
cat pkg-template/media-full.js >> pkg/full/api.js
cp pkg-template/* pkg/
rm pkg/media-full.js
cp LICENSE CHANGELOG.md pkg/ # the package README is pkg-template/README.md (for users), copied above
echo "$sum" > pkg/.build-sum
say "pkg/: wasm $(wc -c < pkg/llm_edge_bg.wasm) B raw, $(gzip -9 -c pkg/llm_edge_bg.wasm | wc -c) B gzip; pkg/full: $(wc -c < pkg/full/llm_edge_bg.wasm) B raw, $(gzip -9 -c pkg/full/llm_edge_bg.wasm | wc -c) B gzip"
