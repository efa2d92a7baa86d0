#!/usr/bin/env bash
# Runs bench/alloc/memory.mjs for each variant (one fresh process per variant and workload)
# against one emulator process.
#   bash bench/alloc/memory-all.sh name=dir [name=dir ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
node "$here/../../tests/emulator/emulator.mjs" --port 0 --key bench-key > "$log" &
emu=$!
trap 'kill $emu' EXIT
until url=$(grep -o -m1 'http://127.0.0.1:[0-9]*' "$log" | head -1) && [ -n "$url" ]; do sleep 0.1; done
for work in "one 1000000" "concurrent 1000" "random 2000"; do
  # A warm-up run fills the emulator's replay cache, so no variant pays for it.
  node --expose-gc "$here/memory.mjs" "${1#*=}" $work "$url" > /dev/null
  for spec in "$@"; do
    echo "${spec%%=*} $(node --expose-gc "$here/memory.mjs" "${spec#*=}" $work "$url")"
  done
done
