// The public API of llm-edge, over the wasm module's bindings. Every entry point
// (node.js, web.js, workerd.js) initialises the module and re-exports this file.
import * as wasm from "./llm_edge.js";

/** Every failure the library reports: a stable `code`, a `hint`, and what failover did. */
export class LLMError extends Error {
  constructor(code, message, details = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = "LLMError";
    this.code = code;
    for (const k of ["hint", "status", "retryAfterMs", "attempts", "partialContent", "providerCode"]) {
      if (details[k] !== undefined) this[k] = details[k];
    }
  }
  toJSON() {
    const { name, code, message, hint, status, retryAfterMs, attempts, partialContent, providerCode } = this;
    return { name, code, message, hint, status, retryAfterMs, attempts, partialContent, providerCode };
  }
}

function toLLMError(e) {
  if (e instanceof LLMError) return e;
  if (e && typeof e.llmError === "string") {
    const d = JSON.parse(e.llmError);
    return new LLMError(d.code, d.message, d);
  }
  if (typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError) {
    return new LLMError("parse", `llm-edge's wasm module failed: ${e.message}`, {
      hint: "This is a bug in llm-edge; please report it with the input that caused it.",
      cause: e,
    });
  }
  return e;
}

const invalid = (message, hint) => new LLMError("invalid_input", message, { hint });

function call(f) {
  try {
    return f();
  } catch (e) {
    throw toLLMError(e);
  }
}

/** JSON for the boundary; undefined stays "" (meaning "not given"). */
function enc(value, what) {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw invalid(`${what} cannot be encoded as JSON: ${e.message}`, `${what} must be plain data (no BigInt, no cycles).`);
  }
}

function encCtx(ctx) {
  if (ctx === undefined || ctx === null) return ["", undefined];
  if (typeof ctx !== "object") throw invalid("ctx must be an object", "ctx is { requestId?, signal?, timeoutMs?, metadata? }.");
  const { signal, ...rest } = ctx;
  if (signal !== undefined && !(typeof signal === "object" && signal !== null && "aborted" in signal && typeof signal.addEventListener === "function")) {
    throw invalid("ctx.signal must be an AbortSignal", "Pass controller.signal from an AbortController, or AbortSignal.timeout(ms).");
  }
  return [enc(rest, "ctx"), signal];
}

// ---------------------------------------------------------------- streams

/** Cuts one batch (all text of a network read, plus chunk boundaries) into chunk objects. */
function decodeBatch(b, out, info) {
  const text = b[0];
  const ends = b[1];
  const meta = b[2] === null ? null : JSON.parse(b[2]);
  if (b[3] !== null) {
    const s = JSON.parse(b[3]);
    if (s.endpoint) info.endpoint = s.endpoint;
    info.attempts = s.attempts;
    info.droppedParams = s.droppedParams ?? [];
  }
  let start = 0;
  let mi = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i];
    const chunk = { delta: text.slice(start, end) };
    if (meta !== null && mi < meta.length && meta[mi].i === i) {
      const m = meta[mi++];
      if (m.toolCallDeltas !== undefined) chunk.toolCallDeltas = m.toolCallDeltas;
      if (m.finishReason !== undefined) chunk.finishReason = m.finishReason;
      if (m.reasoningDelta !== undefined) chunk.reasoningDelta = m.reasoningDelta;
      if (m.usage !== undefined) chunk.usage = m.usage;
    }
    start = end;
    out.push(chunk);
  }
}

/** A ReadableStream that is also an async iterable. One wasm call per network read fills a
 *  queue of chunks; for-await takes them from the queue directly (one resolved promise per
 *  chunk, no generator machinery), after locking the stream so it cannot be read twice. */
function makeStream(handle) {
  const info = { endpoint: undefined, attempts: [], droppedParams: [] };
  let queue = [];
  let qi = 0;
  let finished = false;
  /** Reads one batch into the queue; false at the end. */
  async function fill() {
    let b;
    try {
      b = await handle.next();
    } catch (e) {
      finished = true;
      throw toLLMError(e);
    }
    if (b === undefined) {
      finished = true;
      return false;
    }
    queue = [];
    qi = 0;
    decodeBatch(b, queue, info);
    return true;
  }
  function stop() {
    if (!finished) {
      finished = true;
      handle.cancel(); // aborts the request
    }
    queue = [];
    qi = 0;
  }
  const DONE = Object.freeze({ value: undefined, done: true });
  const iterator = {
    next() {
      if (qi < queue.length) return Promise.resolve({ value: queue[qi++], done: false });
      if (finished) return Promise.resolve(DONE);
      return fill().then((more) => (more ? iterator.next() : DONE));
    },
    return(value) {
      stop();
      return Promise.resolve({ value, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  const stream = new ReadableStream(
    {
      async pull(controller) {
        try {
          while (qi >= queue.length) {
            if (finished || !(await fill())) {
              controller.close();
              return;
            }
          }
          while (qi < queue.length) controller.enqueue(queue[qi++]);
        } catch (e) {
          controller.error(e);
        }
      },
      cancel() {
        stop();
      },
    },
    { highWaterMark: 0 },
  );
  Object.defineProperties(stream, {
    [Symbol.asyncIterator]: {
      value() {
        const reader = stream.getReader(); // locks: a second consumer gets the usual TypeError
        return {
          next: iterator.next,
          return(v) {
            reader.releaseLock();
            return iterator.return(v);
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
      },
    },
    /** The origin serving the answer, once the response has started. */
    endpoint: { get: () => info.endpoint },
    /** Every attempt so far (failover trace), once the response has started. */
    attempts: { get: () => info.attempts },
    /** Parameters the serving model does not take (dropped, not sent). */
    droppedParams: { get: () => info.droppedParams },
  });
  return stream;
}

function failedStream(error) {
  return makeStream({ next: () => Promise.reject(error), cancel() {} });
}

// ---------------------------------------------------------------- images

async function imageUrl(img, i) {
  if (typeof img === "string") return img;
  let bytes;
  if (img instanceof Uint8Array) bytes = img;
  else if (img instanceof ArrayBuffer) bytes = new Uint8Array(img);
  else if (typeof Blob !== "undefined" && img instanceof Blob) bytes = new Uint8Array(await img.arrayBuffer());
  else throw invalid(`images[${i}] is not an image`, "Give a URL string, a data: URL, a Uint8Array, an ArrayBuffer or a Blob/File.");
  return call(() => wasm.imageDataUrl(bytes));
}

// ---------------------------------------------------------------- the contract and helpers

/** Runtime check of the contract (ILLM): duck-typed, no inheritance needed. */
export function isLLM(value) {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof value.getAnswer === "function" &&
    typeof value.streamAnswer === "function"
  );
}

/** The helpers (BaseLLM), running the same Rust code as the library's own models. */
export class BaseLLM {
  #helpers;
  constructor(metadata, defaults) {
    if (new.target === BaseLLM) throw invalid("BaseLLM is abstract", "Subclass it and implement getAnswer and streamAnswer.");
    this.#helpers = call(() => new wasm.Helpers(enc(metadata, "metadata"), enc(defaults, "defaults")));
    Object.defineProperty(this, "metadata", { value: Object.freeze(JSON.parse(this.#helpers.metadata())), enumerable: true });
  }
  validateMessages(messages) {
    call(() => this.#helpers.validateMessages(enc(messages ?? null, "messages")));
  }
  mergeParameters(params) {
    return JSON.parse(call(() => this.#helpers.mergeParameters(enc(params, "params"))));
  }
  validateTokenLimits(messages, maxTokens) {
    call(() => this.#helpers.validateTokenLimits(enc(messages ?? null, "messages"), maxTokens));
  }
  checkTextOutputSupport() {
    call(() => this.#helpers.checkTextOutputSupport());
  }
  estimateTokens(messages) {
    return call(() => this.#helpers.estimateTokens(enc(messages ?? null, "messages")));
  }
  /** The vision request as messages (bytes and Blobs checked and encoded as data: URLs),
   *  for streaming a vision answer with streamAnswer. */
  async visionMessages(prompt, images) {
    if (typeof prompt !== "string") throw invalid("prompt must be a string", "Ask something about the images.");
    if (!Array.isArray(images)) throw invalid("images must be an array", "Pass images: [url | bytes | Blob, ...].");
    const urls = await Promise.all(images.map(imageUrl));
    return JSON.parse(call(() => this.#helpers.visionMessages(prompt, JSON.stringify(urls))));
  }
  async getAnswerWithVision(request) {
    const { prompt, images, ctx, params } = request ?? {};
    return this.getAnswer(await this.visionMessages(prompt, images), ctx, params);
  }
  #refuse(method) {
    return toLLMError(this.#helpers.unsupportedMedia(method));
  }
  getImage() {
    return Promise.reject(this.#refuse("getImage"));
  }
  streamImage() {
    return failedStream(this.#refuse("streamImage"));
  }
  getAudio() {
    return Promise.reject(this.#refuse("getAudio"));
  }
  streamAudio() {
    return failedStream(this.#refuse("streamAudio"));
  }
  getVideo() {
    return Promise.reject(this.#refuse("getVideo"));
  }
  streamVideo() {
    return failedStream(this.#refuse("streamVideo"));
  }
  async close() {}
}

/** A model from the registry, served by the wasm implementation of its family. */
class RegistryModel extends BaseLLM {
  #m;
  constructor(m, defaults) {
    const h = m.helpers();
    super(JSON.parse(h.metadata()), defaults);
    h.free();
    this.#m = m;
  }
  getAnswer(messages, ctx, params) {
    try {
      const [c, signal] = encCtx(ctx);
      return this.#m.getAnswer(enc(messages ?? null, "messages"), c, enc(params, "params"), signal).then(JSON.parse, (e) => {
        throw toLLMError(e);
      });
    } catch (e) {
      return Promise.reject(toLLMError(e));
    }
  }
  streamAnswer(messages, ctx, params) {
    try {
      const [c, signal] = encCtx(ctx);
      return makeStream(this.#m.streamAnswer(enc(messages ?? null, "messages"), c, enc(params, "params"), signal));
    } catch (e) {
      return failedStream(toLLMError(e));
    }
  }
  async close() {
    this.#m.close();
  }
}

/** Finds a value JSON cannot carry (a function, symbol or bigint) anywhere in a config, so
 *  it is refused rather than silently dropped by JSON.stringify. */
function findUnsendable(value, path, seen = new Set()) {
  const t = typeof value;
  if (t === "function" || t === "symbol" || t === "bigint") return path;
  if (value === null || t !== "object" || seen.has(value)) return null;
  seen.add(value);
  for (const k of Object.keys(value)) {
    const found = findUnsendable(value[k], Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`, seen);
    if (found) return found;
  }
  return null;
}

/** The factory: picks the provider and the model's rules for config.model. Throws LLMError
 *  "invalid_input" synchronously for bad config. */
export function createLLM(config) {
  if (config === null || typeof config !== "object") throw invalid("config must be an object", "createLLM({ provider: \"azure\", model, endpoint, deploymentName, apiKey }).");
  const tokenFns = [];
  const take = (o, where) => {
    if (o === null || typeof o !== "object" || Array.isArray(o)) throw invalid(`${where} must be an object`, "Each backup is { endpoint, ... } or a whole endpoint { provider, ... }.");
    const copy = { ...o };
    if (copy.getToken !== undefined && copy.getToken !== null) {
      if (typeof copy.getToken !== "function") throw invalid(`${where}.getToken must be a function`, "getToken: () => token, or an async function.");
      tokenFns.push(copy.getToken);
      copy.getToken = tokenFns.length - 1;
    }
    return copy;
  };
  const plain = take(config, "config");
  let fetchFn;
  if (config.fetch !== undefined && config.fetch !== null) {
    if (typeof config.fetch !== "function") throw invalid("config.fetch must be a function", "Pass a fetch-compatible function, e.g. fetch: (url, init) => fetch(url, init).");
    fetchFn = config.fetch;
    plain.fetch = true;
  }
  if (config.backups !== undefined && config.backups !== null) {
    if (!Array.isArray(config.backups)) throw invalid("config.backups must be an array", "backups: [{ endpoint: \"https://...\" }].");
    plain.backups = config.backups.map((b, i) => take(b, `config.backups[${i}]`));
  }
  const unsendable = findUnsendable(plain, "config");
  if (unsendable) throw invalid(`${unsendable} is a function or other value a config cannot hold`, "Only getToken (on an endpoint) and fetch (at the top) may be functions; everything else is plain data.");
  const m = call(() => wasm.createModel(enc(plain, "config"), tokenFns, fetchFn));
  return new RegistryModel(m, config.defaults);
}

/** The registry's models and their metadata. */
export function listModels() {
  return JSON.parse(wasm.listModels());
}
