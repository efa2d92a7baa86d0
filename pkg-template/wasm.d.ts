// Types of "llm-edge/wasm" (llm_edge_bg.wasm): what a bundler makes of the file (a URL with
// Vite's `?url`, webpack's asset modules or esbuild's file loader; a compiled module in
// wrangler), to pass to init({ wasm }) from "llm-edge/manual".
import type { WasmSource } from "./index.js";
declare const wasm: WasmSource;
export default wasm;
