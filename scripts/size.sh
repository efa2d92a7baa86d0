#!/usr/bin/env bash
# Prints the package's size: wasm and JS, raw and gzip -9 (what a CDN serves unbundled).
# The total is what a browser loads for a streaming chat: wasm + glue + api.js + web.js.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null 2>&1 || bash scripts/build.sh
printf '%-22s %10s %10s\n' file raw gzip
total_raw=0; total_gz=0
for f in pkg/llm_edge_bg.wasm pkg/llm_edge.js pkg/api.js pkg/web.js; do
  r=$(wc -c < "$f"); g=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + r)); total_gz=$((total_gz + g))
  printf '%-22s %10d %10d\n' "${f#pkg/}" "$r" "$g"
done
printf '%-22s %10d %10d  (%s KiB gzip unbundled; the 110 KiB budget is on the bundled figure: bench/run.mjs --quick)\n' "total (web entry)" "$total_raw" "$total_gz" \
  "$(awk "BEGIN{printf \"%.1f\", $total_gz/1024}")"
