#!/usr/bin/env bash
# llm-edge's two commands (see README):
#   ./dev.sh ask "your prompt"   set up, build, stream an answer (emulator, or Azure with AZURE_OPENAI_*)
#   ./dev.sh test                set up, build, run every test
#   ./dev.sh www [--port 8080]   set up, build, serve the studio demo: vision, image, speech, video (emulators embedded)
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
  www)
    bash scripts/build.sh
    exec node www/server.mjs "$@"
    ;;
  *)
    echo "usage: ./dev.sh ask \"prompt\" | ./dev.sh test | ./dev.sh www [--port N]" >&2
    exit 2
    ;;
esac
