#!/usr/bin/env bash
# llm-edge's two commands (see README):
#   ./dev.sh ask "your prompt"   set up, build, stream an answer (emulator, or Azure with AZURE_OPENAI_*)
#   ./dev.sh test                set up, build, run every test
# Both install what they need on a fresh machine and are quick on the second run.
set -euo pipefail
cd "$(dirname "$0")"
cmd="${1:-help}"
shift || true
case "$cmd" in
  ask)
    bash scripts/build.sh
    exec node examples/node/ask.mjs "$@"
    ;;
  test)
    bash scripts/build.sh
    exec bash scripts/test.sh "$@"
    ;;
  *)
    echo "usage: ./dev.sh ask \"prompt\" | ./dev.sh test" >&2
    exit 2
    ;;
esac
