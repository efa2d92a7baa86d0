// The Bedrock scenarios in Deno with the full variant (pkg/full/web.js: top-level await, no
// init call). Run by tests/runtimes/bedrock.mjs:
//   LLM_EDGE_EMULATOR_URL=... deno run --allow-net=127.0.0.1 --allow-read --allow-env tests/runtimes/bedrock-deno.mjs
import * as pkg from "../../pkg/full/web.js";
import { runBedrockScenarios } from "./bedrock-scenarios.mjs";

const emulatorUrl = Deno.env.get("LLM_EDGE_EMULATOR_URL");
if (!emulatorUrl) throw new Error("set LLM_EDGE_EMULATOR_URL");
const results = await runBedrockScenarios(pkg, { emulatorUrl });
console.log(JSON.stringify(results));
