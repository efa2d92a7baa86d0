// Types of "llm-edge/manual" (init.js): the package's API plus init.
import type { InitOptions } from "./index.js";
export * from "./index.js";
/** Loads the wasm module; await it before any other call. Idempotent: later calls return the
 *  first call's promise (after a failure, the next call tries again). The API throws
 *  LLMError "invalid_input" until it has resolved. */
export declare function init(options: InitOptions): Promise<void>;
