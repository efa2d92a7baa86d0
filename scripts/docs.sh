#!/usr/bin/env bash
# Generates the API reference in docs/api (Markdown, readable on GitHub and in an editor) from
# the package's type declarations with TypeDoc: pkg-template/index.d.ts is the module
# "llm-edge", init.d.ts is "llm-edge/manual", tokens.d.ts is "llm-edge/tokens". The output is checked in; regenerate it after
# changing a .d.ts (tests/package/links.mjs fails while docs/api is out of date).
#   bash scripts/docs.sh          writes docs/api
#   bash scripts/docs.sh DIR      writes DIR instead (the freshness check compares the two)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/api}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A staged copy of the declarations, each with a module comment naming it as users import it
# (TypeDoc would name them after their files: "index" and "init").
mkdir "$tmp/src"
cp pkg-template/*.d.ts "$tmp/src/"
stage() { # file module description
  { printf '/**\n * %s\n * @module %s\n */\n' "$3" "$2"; cat "pkg-template/$1"; } > "$tmp/src/$1"
}
stage index.d.ts llm-edge 'The package: `import { createLLM } from "llm-edge"` loads the WebAssembly module by itself. The package README ([pkg-template/README.md](../../../pkg-template/README.md)) is the guide; this is the reference of every export.'
stage cache.d.ts llm-edge/cache 'A response cache in front of any model: `withCache(llm, { store })` with memory, Cache API, Workers KV and Deno KV stores (also as llm-edge/full/cache, whose errors are llm-edge/full'"'"'s LLMError).'
stage tokens.d.ts llm-edge/tokens 'Exact token counts, opt-in: `await loadTokenizer("o200k_base")` loads gpt-tokenizer (an optional peer dependency) only when called; `countTokens` and `withExactTokens` count by OpenAI'"'"'s published rules.'
stage health.d.ts llm-edge/health 'Endpoint health shared across isolates: `withSharedHealth(createLLM(config), store)` with a Durable Object (Workers), Deno KV (Deno Deploy) or memory. Each model keeps its own circuit breaker as the fast path; a call waits on the store at most `waitMs`, and a slow or unreachable store leaves calls on local state. Needs models from "llm-edge/full" (the default entry leaves the breaker export out to stay within its size budget).'
stage init.d.ts llm-edge/manual 'The same API, with the WebAssembly module loaded by an explicit `await init({ wasm })` (bundlers, CDNs, service workers); everything else is re-exported from llm-edge.'

cat > "$tmp/tsconfig.json" <<JSON
{
  "compilerOptions": { "target": "ES2022", "lib": ["ES2022", "DOM", "DOM.AsyncIterable"], "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true, "types": [] },
  "files": ["src/index.d.ts", "src/init.d.ts", "src/cache.d.ts", "src/tokens.d.ts", "src/health.d.ts"]
}
JSON

# --disableSources: no "defined in" links to a commit, so the output changes only with the API.
# --excludeReferences: llm-edge/manual lists init, not again every re-export.
node_modules/.bin/typedoc \
  --tsconfig "$tmp/tsconfig.json" \
  --entryPoints "$tmp/src/index.d.ts" --entryPoints "$tmp/src/init.d.ts" --entryPoints "$tmp/src/cache.d.ts" --entryPoints "$tmp/src/tokens.d.ts" --entryPoints "$tmp/src/health.d.ts" \
  --plugin typedoc-plugin-markdown \
  --name llm-edge --readme none --disableSources --excludeReferences \
  --logLevel Warn \
  --out "$out"
echo "API reference written to $out ($(find "$out" -name '*.md' | wc -l) pages)"
