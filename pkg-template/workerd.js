// Cloudflare Workers (workerd): the bundler imports the .wasm as a compiled module;
// import.meta.url is undefined there and top-level fetch is not allowed.
import wasmModule from "./llm_edge_bg.wasm";
import { initSync } from "./llm_edge.js";
initSync({ module: wasmModule });
export * from "./api.js";
