// The runtime scenarios in Deno: `import "llm-edge"` resolves through the package's
// exports map ("deno" → web.js, top-level await, no init call).
//   deno run --allow-net=127.0.0.1 --allow-read --allow-env tests/runtimes/deno.mjs
import * as pkg from "llm-edge";
import { runScenarios } from "./scenarios.mjs";

const emulatorUrl = Deno.env.get("LLM_EDGE_EMULATOR_URL");
if (!emulatorUrl) throw new Error("set LLM_EDGE_EMULATOR_URL");
const results = await runScenarios(pkg, { emulatorUrl });
for (const r of results) console.log(`${r.ok ? "ok" : "not ok"} - deno ${Deno.version.deno}: ${r.name}${r.ok ? "" : `\n${r.error}`}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
Deno.exit(failed ? 1 : 0);
