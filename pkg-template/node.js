// Node: the wasm is read from disk and instantiated synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "./llm_edge.js";
initSync({ module: readFileSync(new URL("./llm_edge_bg.wasm", import.meta.url)) });
export * from "./api.js";
