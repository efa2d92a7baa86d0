// Cloudflare Workers (workerd): the bundler imports the .wasm as a compiled module;
// import.meta.url is undefined there and top-level fetch is not allowed.
import wasmModule from "./llm_edge_bg.wasm";
import { initSync } from "./llm_edge.js";
import { setReload } from "./api.js";
initSync({ module: wasmModule });
// After a trap: a fresh copy of the glue where the bundle allows a second import of it;
// where it does not, later calls report `internal` until the Worker restarts.
setReload(async (n) => {
  const glue = await import(`./llm_edge.js?instance=${n}`);
  glue.initSync({ module: wasmModule });
  return glue;
});
export { LLMError, createLLM, listModels, isLLM, BaseLLM, __forceTrapForTests } from "./api.js";
export * from "./tools.js";
