#!/usr/bin/env bash
# Installs everything llm-edge needs on a fresh machine, idempotently and quickly on a
# second run: the wasm target, wasm-bindgen-cli pinned to Cargo.lock's wasm-bindgen, and
# the npm dev packages. Tools go to ~/.cache/llm-edge (shared across clones of the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Cargo.lock pins the exact wasm-bindgen; the CLI must match it byte for byte.
[ -f Cargo.lock ] || cargo generate-lockfile
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
TOOLS="${LLM_EDGE_TOOLS:-$HOME/.cache/llm-edge}"
WB_ROOT="$TOOLS/wasm-bindgen-$WB_VERSION"
if [ ! -x "$WB_ROOT/bin/wasm-bindgen" ]; then
  say "installing wasm-bindgen-cli $WB_VERSION into $WB_ROOT (about 4 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --root "$WB_ROOT" >&2
fi

# Chromium and ChromeDriver for the browser tests (`setup.sh --browser`, as the test script
# calls it), from Debian: never a browser download.
if [ "${1:-}" = "--browser" ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  say "installing Debian's chromium and chromium-driver (once)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >&2
fi

# npm packages: reinstall only when package-lock.json changed since the last install.
stamp=node_modules/.llm-edge-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  say "installing npm dev packages"
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$stamp"
fi

echo "$WB_ROOT/bin"
