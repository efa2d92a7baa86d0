// llm-edge/tokens inside workerd: GET / runs the token checks and returns their results.
// tests/runtimes/tokens.mjs bundles this file with esbuild first (as wrangler would): the
// dynamic imports of gpt-tokenizer's tables are bundled in, the .wasm stays a module.
import * as pkg from "../../pkg/workerd.js";
import * as tokens from "../../pkg/tokens.js";
import { runTokenChecks } from "./tokens-check.mjs";

export default {
  async fetch(request, env) {
    return Response.json(await runTokenChecks(pkg, tokens, { emulatorUrl: env.EMULATOR_URL }));
  },
};
