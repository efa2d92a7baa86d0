// Browsers and Deno: the wasm is fetched next to this file; top-level await finishes
// the set-up before the importer runs, so no init call is needed. (Bundlers that keep
// `new URL(..., import.meta.url)` — webpack 5, Vite's build — emit the .wasm as an asset;
// elsewhere use "llm-edge/manual" and init: init.js.)
import { init } from "./init.js";
await init({ wasm: new URL("./llm_edge_bg.wasm", import.meta.url) });
export { LLMError, createLLM, listModels, isLLM, BaseLLM, __forceTrapForTests } from "./api.js";
export * from "./tools.js";
export * from "./telemetry.js";
