// llm-edge/tokens in Deno: gpt-tokenizer resolved from node_modules, as a Deno project with a
// package.json resolves it.
//   deno run --allow-net=127.0.0.1 --allow-read --allow-env tests/runtimes/tokens-deno.mjs
import * as pkg from "../../pkg/web.js";
import * as tokens from "../../pkg/tokens.js";
import { runTokenChecks } from "./tokens-check.mjs";

const emulatorUrl = Deno.env.get("LLM_EDGE_EMULATOR_URL");
if (!emulatorUrl) throw new Error("set LLM_EDGE_EMULATOR_URL");
const results = await runTokenChecks(pkg, tokens, { emulatorUrl });
for (const r of results) console.log(`${r.ok ? "ok" : "not ok"} - deno ${Deno.version.deno}: ${r.name}${r.ok ? "" : `\n${r.error}`}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
Deno.exit(failed ? 1 : 0);
