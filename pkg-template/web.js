// Browsers and Deno: the wasm is fetched next to this file; top-level await finishes the
// set-up before the importer runs, so no init call is needed. (Bundlers that keep
// `new URL(..., import.meta.url)` — webpack 5, Vite's build — emit the .wasm as an asset;
// elsewhere use "llm-edge/manual" and init: init.js.) The glue is loaded directly rather
// than through init.js: the default entry counts every byte against the size budget.
import load from "./llm_edge.js";
import { setReload } from "./api.js";
const url = new URL("./llm_edge_bg.wasm", import.meta.url);
await load({ module_or_path: url });
// After a trap: a fresh instance on a second copy of the glue (a new module record): the
// copy the package ships, as a literal import so bundlers include it; later ones by query
// string, which only works unbundled.
setReload(async (n) => {
  const again = `./llm_edge.js?instance=${n}`;
  const glue = await (n === 1 ? import("./llm_edge_reload.js") : import(/* webpackIgnore: true */ /* @vite-ignore */ again));
  await glue.default({ module_or_path: url });
  return glue;
});
export { LLMError, createLLM, listModels, isLLM, BaseLLM, __forceTrapForTests } from "./api.js";
export * from "./tools.js";
export * from "./telemetry.js";
