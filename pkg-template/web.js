// Browsers and Deno: the wasm is fetched next to this file; top-level await finishes
// the set-up before the importer runs, so no init call is needed.
import init from "./llm_edge.js";
import { setReload } from "./api.js";
const url = new URL("./llm_edge_bg.wasm", import.meta.url);
await init({ module_or_path: url });
// After a trap: a fresh copy of the glue (a new module record) on a new instance.
setReload(async (n) => {
  const glue = await import(`./llm_edge.js?instance=${n}`);
  await glue.default({ module_or_path: url });
  return glue;
});
export { LLMError, createLLM, listModels, isLLM, BaseLLM, __forceTrapForTests } from "./api.js";
export * from "./tools.js";
