// Node: the wasm is read from disk and instantiated synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "./llm_edge.js";
import { setReload } from "./api.js";
const module = new WebAssembly.Module(readFileSync(new URL("./llm_edge_bg.wasm", import.meta.url)));
initSync({ module });
// After a trap: a fresh copy of the glue (a new module record) on a new instance.
setReload(async (n) => {
  const glue = await import(`./llm_edge.js?instance=${n}`);
  glue.initSync({ module });
  return glue;
});
export { LLMError, createLLM, listModels, isLLM, BaseLLM, __forceTrapForTests, __wasmMemoryBytesForTests } from "./api.js";
export * from "./tools.js";
export * from "./telemetry.js";
