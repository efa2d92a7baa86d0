// "llm-edge/manual": the API with nothing loaded at import (no top-level await, no
// import.meta), for IIFE bundles, service workers, CDNs and bundlers that move the .wasm.
// Call `await init({ wasm })` once before the rest of the API; web.js calls it for you.
import loadGlue from "./llm_edge.js";
import * as api from "./api.js";

const { LLMError, setReload } = api;
let loading = null; // the first init call's promise (cleared when it fails, so a retry can work)
let compiled = null; // the WebAssembly.Module, kept for the fresh instance after a trap

const HINT = "Call `await init({ wasm })` from \"llm-edge/manual\" first, with the URL of llm_edge_bg.wasm (\"llm-edge/wasm\"), a Response, its bytes or a compiled WebAssembly.Module.";
const bad = (message) => new LLMError("invalid_input", message, { hint: HINT });

/** Loads the wasm module once. Later calls return the first call's promise, whatever they
 *  pass; after a failure the next call starts again. */
export function init(options) {
  if (!loading) {
    loading = start(options);
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

async function start(options) {
  if (options === null || typeof options !== "object" || !("wasm" in options)) throw bad("init expects { wasm }");
  const module = await compile(await options.wasm);
  await loadGlue({ module_or_path: module });
  compiled = module;
  // After a trap: a fresh instance of the same compiled module on a second copy of the
  // glue. The first copy ships in the package under its own name, as a literal import so
  // bundlers include it; later ones use a query string, which only works unbundled (a
  // bundle then reports `internal` until the page or Worker restarts).
  setReload(async (n) => {
    let glue;
    if (n === 1) glue = await import("./llm_edge_reload.js");
    else {
      const again = `./llm_edge.js?instance=${n}`;
      glue = await import(/* webpackIgnore: true */ /* @vite-ignore */ again);
    }
    await glue.default({ module_or_path: compiled });
    return glue;
  });
}

/** A compiled WebAssembly.Module from whatever init was given. */
async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === "string" || (typeof URL === "function" && source instanceof URL)) {
    let res;
    try {
      res = await fetch(source);
    } catch (e) {
      throw new LLMError("connection", `llm-edge could not fetch its wasm from ${source}: ${e?.message ?? e}`, { hint: `${HINT} The URL must be reachable from this page or Worker (same origin, or served with CORS).`, cause: e });
    }
    return compile(res);
  }
  if (typeof Response === "function" && source instanceof Response) {
    if (!source.ok) throw new LLMError("not_found", `llm-edge could not load its wasm: HTTP ${source.status} for ${source.url || "the Response given"}`, { hint: `${HINT} Serve llm_edge_bg.wasm at that URL (bundlers: import "llm-edge/wasm" as an asset URL).`, status: source.status });
    const type = source.headers.get("content-type") ?? "";
    if (typeof WebAssembly.compileStreaming === "function" && type.split(";")[0].trim() === "application/wasm") return WebAssembly.compileStreaming(source);
    return compile(await source.arrayBuffer());
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    try {
      return await WebAssembly.compile(source);
    } catch (e) {
      throw new LLMError("invalid_input", `the bytes given to init are not llm-edge's wasm module: ${e?.message ?? e}`, { hint: HINT, cause: e });
    }
  }
  throw bad(`init({ wasm }) cannot load ${source === null ? "null" : typeof source === "object" ? source.constructor?.name ?? "this object" : typeof source}`);
}

/** Throws a clear error instead of a TypeError from the glue while nothing is loaded. */
function ready() {
  if (compiled) return;
  throw bad(loading ? "llm-edge is still loading its wasm module: await init() before calling the API" : "llm-edge is not initialised: call init() first");
}

export function createLLM(config) {
  ready();
  return api.createLLM(config);
}

export function listModels() {
  ready();
  return api.listModels();
}

export function __forceTrapForTests() {
  ready();
  return api.__forceTrapForTests();
}

/** BaseLLM, checking that the module is loaded before a subclass is constructed. */
export class BaseLLM extends api.BaseLLM {
  constructor(metadata, defaults) {
    if (new.target === BaseLLM) throw new LLMError("invalid_input", "BaseLLM is abstract", { hint: "Subclass it and implement getAnswer and streamAnswer." });
    ready();
    super(metadata, defaults);
  }
}

export { LLMError, isLLM } from "./api.js";
export * from "./tools.js";
export * from "./telemetry.js";
