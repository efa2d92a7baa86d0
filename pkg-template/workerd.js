// Cloudflare Workers (workerd): the bundler imports the .wasm as a compiled module;
// import.meta.url is undefined there and top-level fetch is not allowed.
import wasmModule from "./llm_edge_bg.wasm";
import { initSync } from "./llm_edge.js";
import { setReload } from "./api.js";
initSync({ module: wasmModule });
// After a trap: a fresh instance on the second copy of the glue the package ships (a
// Worker bundle has no way to load the same module twice; the import is a literal so
// bundlers and Miniflare include it). One recovery per isolate: after a second trap, calls
// report `internal` until the Worker restarts.
setReload(async (n) => {
  if (n !== 1) return null;
  const glue = await import("./llm_edge_reload.js");
  glue.initSync({ module: wasmModule });
  return glue;
});
export { LLMError, createLLM, listModels, isLLM, BaseLLM, __forceTrapForTests } from "./api.js";
export * from "./tools.js";
export * from "./telemetry.js";
