// Browsers and Deno: the wasm is fetched next to this file; top-level await finishes
// the set-up before the importer runs, so no init call is needed.
import init from "./llm_edge.js";
await init({ module_or_path: new URL("./llm_edge_bg.wasm", import.meta.url) });
export * from "./api.js";
