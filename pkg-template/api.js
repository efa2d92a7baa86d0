// The public API of llm-edge, over the wasm module's bindings. Every entry point
// (node.js, web.js, workerd.js) initialises the module and re-exports this file.
import * as firstInstance from "./llm_edge.js";

// The live wasm instance. A trap (WebAssembly.RuntimeError) can leave an instance's memory
// inconsistent, so it is never called again: calls in flight are ended with `internal`, a
// fresh instance is loaded (the entry file says how), and models rebuild their wasm side
// from the config they keep. Lost with the old instance: circuit-breaker history.
let wasm = firstInstance;
let generation = 0;
let reload; // (n) => Promise<fresh glue namespace>, from the entry file
let restoring = null;
let unrecoverable = null;
const inFlight = new Set(); // reject functions of calls waiting on the live instance

/** For the entry files (node.js, web.js, workerd.js); not re-exported. */
export function setReload(f) {
  reload = f;
}

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

const REPORT = "This is a bug in llm-edge; please report it with the input that caused it.";

function toLLMError(e) {
  if (e instanceof LLMError) return e;
  if (e && typeof e.llmError === "string") {
    const d = JSON.parse(e.llmError);
    return new LLMError(d.code, d.message, d);
  }
  if (e instanceof WebAssembly.RuntimeError) return trapped(e);
  return e;
}

/** Retires the trapped instance and starts loading a fresh one. */
function trapped(e) {
  const err = new LLMError("internal", `llm-edge's wasm module failed (${e.message}); later calls use a fresh instance`, {
    hint: `${REPORT} Calls in flight were ended; circuit-breaker history was reset.`,
    cause: e,
  });
  if (restoring || unrecoverable) return err; // a late trap of the instance already retired
  generation++;
  const ended = [...inFlight];
  inFlight.clear();
  for (const reject of ended) reject(err);
  const n = generation;
  restoring = (async () => {
    try {
      const fresh = reload && (await reload(n));
      if (!fresh) throw new Error("this runtime cannot load another instance");
      wasm = fresh;
    } catch (x) {
      unrecoverable = new LLMError("internal", "llm-edge's wasm module failed and no fresh instance could be loaded", {
        hint: `Restart the process, page or Worker. ${REPORT}`,
        cause: x,
      });
    }
    restoring = null;
  })();
  return err;
}

/** The live instance, for synchronous calls. */
function live() {
  if (unrecoverable) throw unrecoverable;
  if (restoring) throw new LLMError("internal", "llm-edge is loading a fresh wasm instance after a failure", { hint: "Retry in a moment." });
  return wasm;
}

/** Settles a wasm promise for the caller; ends it with `internal` if the instance traps. */
function track(p) {
  return new Promise((resolve, reject) => {
    const fail = (e) => {
      inFlight.delete(fail);
      reject(toLLMError(e));
    };
    inFlight.add(fail);
    p.then((v) => {
      inFlight.delete(fail);
      resolve(v);
    }, fail);
  });
}

const invalid = (message, hint) => new LLMError("invalid_input", message, { hint });

/** A caller's thrown value as text, without trusting its getters. */
function what(e) {
  try {
    return String(e instanceof Error ? e.message : e);
  } catch {
    return "an unreadable value";
  }
}

/** Runs JS that reads caller-controlled values: a throw (a getter, a proxy trap, toJSON)
 *  becomes invalid_input here, before anything crosses into wasm. */
function reading(f, what_, hint) {
  try {
    return f();
  } catch (e) {
    if (e instanceof LLMError) throw e;
    throw invalid(`${what_} could not be read: ${what(e)}`, hint);
  }
}

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
    return JSON.stringify(value, finiteOnly);
  } catch (e) {
    if (e instanceof LLMError) throw e;
    throw invalid(`${what} cannot be encoded as JSON: ${e.message}`, `${what} must be plain data (no BigInt, no cycles).`);
  }
}

/** JSON.stringify writes NaN and ±Infinity as null, which would read as "not set" and send
 *  the request anyway: refuse them instead. */
function finiteOnly(key, v) {
  if (typeof v === "number" && !Number.isFinite(v)) throw invalid(`${key || "a value"} is ${v}, not a finite number`, "Numbers must be finite; leave a field out for its default.");
  return v;
}

const CTX_HINT = "ctx is { requestId?, signal?, timeoutMs?, metadata? }.";
const SIGNAL_HINT = "Pass controller.signal from an AbortController, or AbortSignal.timeout(ms).";
const noop = () => {};

/** [ctx JSON, link to ctx.signal or undefined]. */
function encCtx(ctx) {
  if (ctx === undefined || ctx === null) return ["", undefined];
  if (typeof ctx !== "object") throw invalid("ctx must be an object", CTX_HINT);
  const [rest, signal] = reading(() => {
    const { signal, ...rest } = ctx;
    return [rest, signal];
  }, "ctx", CTX_HINT);
  const c = enc(rest, "ctx");
  return [c, signal === undefined ? undefined : linkSignal(signal)];
}

/** Follows the caller's signal with one this module owns, so wasm only ever sees a genuine
 *  AbortSignal; the caller's getters and addEventListener are read here, inside a try.
 *  `timedOut` records an AbortSignal.timeout() firing (reason: a TimeoutError). */
function linkSignal(s) {
  const ac = new AbortController();
  const link = { signal: ac.signal, timedOut: false, drop: noop };
  const fire = () => {
    try {
      const r = s.reason;
      link.timedOut = typeof r === "object" && r !== null && r.name === "TimeoutError";
    } catch {}
    link.drop();
    ac.abort();
  };
  reading(() => {
    if (typeof s !== "object" || s === null || typeof s.addEventListener !== "function") throw invalid("ctx.signal must be an AbortSignal", SIGNAL_HINT);
    if (s.aborted) return fire();
    s.addEventListener("abort", fire, { once: true });
    link.drop = () => {
      link.drop = noop;
      try {
        s.removeEventListener("abort", fire);
      } catch {}
    };
  }, "ctx.signal", SIGNAL_HINT);
  return link;
}

/** The caller's AbortSignal.timeout() firing is a timeout, not an abort. */
function retype(e, link) {
  if (!(e instanceof LLMError) || e.code !== "aborted" || !link || !link.timedOut) return e;
  return new LLMError("timeout", "ctx.signal timed out (AbortSignal.timeout)", {
    hint: "Give the call a longer AbortSignal.timeout(ms), or use ctx.timeoutMs.",
    attempts: e.attempts,
    partialContent: e.partialContent,
  });
}

// ---------------------------------------------------------------- streams

/** Records who serves a stream, from a batch's served-by part. */
function served(b, info) {
  if (b[3] !== null) {
    const s = JSON.parse(b[3]);
    if (s.endpoint) info.endpoint = s.endpoint;
    info.attempts = s.attempts;
    info.droppedParams = s.droppedParams ?? [];
  }
}

/** Cuts one batch (all text of a network read, plus chunk boundaries) into chunk objects:
 *  `make(text, meta or undefined)` builds each (text chunks by default). */
function decodeBatch(b, out, info, make = textChunk) {
  const text = b[0];
  const ends = b[1];
  const meta = b[2] === null ? null : JSON.parse(b[2]);
  served(b, info);
  let start = 0;
  let mi = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i];
    const m = meta !== null && mi < meta.length && meta[mi].i === i ? meta[mi++] : undefined;
    out.push(make(text.slice(start, end), m));
    start = end;
  }
}

function textChunk(delta, m) {
  const chunk = { delta };
  if (m !== undefined) {
    if (m.toolCallDeltas !== undefined) chunk.toolCallDeltas = m.toolCallDeltas;
    if (m.finishReason !== undefined) chunk.finishReason = m.finishReason;
    if (m.reasoningDelta !== undefined) chunk.reasoningDelta = m.reasoningDelta;
    if (m.usage !== undefined) chunk.usage = m.usage;
  }
  return chunk;
}

/** A ReadableStream that is also an async iterable. One wasm call per network read fills a
 *  queue of chunks; for-await takes them from the queue directly (one resolved promise per
 *  chunk, no generator machinery), after locking the stream so it cannot be read twice.
 *  Concurrent next() calls queue behind each other, as reads of a Web stream do. */
function makeStream(handle, link, make, rec) {
  const info = { endpoint: undefined, attempts: [], droppedParams: [] };
  const born = generation;
  let queue = [];
  let qi = 0;
  let finished = false;
  let failure = null;
  let release = noop; // unlocks the stream when iteration ends
  let last = null; // the latest queued next(), while one waits
  function end() {
    finished = true;
    if (link) link.drop();
  }
  /** Reads one batch into the queue; false at the end. */
  async function fill() {
    let b;
    try {
      if (born !== generation) throw new LLMError("internal", "this stream's wasm instance failed and was replaced", { hint: REPORT });
      b = await track(handle.next());
    } catch (e) {
      end();
      release();
      failure = retype(toLLMError(e), link);
      if (make !== undefined) delete failure.partialContent; // media: base64 already delivered
      if (rec) rec.fail(failure, info);
      throw failure;
    }
    if (b === undefined) {
      end();
      if (rec) rec.streamEnd(info);
      return false;
    }
    queue = [];
    qi = 0;
    decodeBatch(b, queue, info, make);
    if (rec) rec.chunks(queue);
    return true;
  }
  function stop() {
    if (!finished) {
      end();
      if (rec) rec.streamEnd(info, true);
      if (born === generation) call(() => handle.cancel()); // aborts the request
    }
    queue = [];
    qi = 0;
  }
  let ctrl = null;
  // The caller's signal ends the stream at once, as a fetch body's reads end: chunks already
  // read from the network but not yet taken are dropped, not delivered after the abort.
  if (link) {
    link.signal.addEventListener(
      "abort",
      () => {
        if (failure || (finished && qi >= queue.length)) return;
        failure = retype(new LLMError("aborted", "The request was aborted by the caller's signal", { hint: "ctx.signal fired; nothing further was delivered." }), link);
        if (rec) rec.fail(failure, info);
        queue = [];
        qi = 0;
        if (!finished) {
          end();
          if (born === generation) call(() => handle.cancel());
        }
        if (ctrl) {
          try {
            ctrl.error(failure);
          } catch {}
        }
      },
      { once: true },
    );
  }
  const DONE = Object.freeze({ value: undefined, done: true });
  function done() {
    release();
    return DONE;
  }
  async function step() {
    while (qi >= queue.length) {
      if (failure) throw failure;
      if (finished || !(await fill())) return done();
    }
    return { value: queue[qi++], done: false };
  }
  function next() {
    if (last === null) {
      if (qi < queue.length) return Promise.resolve({ value: queue[qi++], done: false });
      if (finished && !failure) return Promise.resolve(done());
    }
    const p = last === null ? step() : last.then(step, step);
    last = p;
    const settled = () => {
      if (last === p) last = null;
    };
    p.then(settled, settled);
    return p;
  }
  const stream = new ReadableStream(
    {
      start(controller) {
        ctrl = controller;
      },
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
        release = () => {
          release = noop;
          reader.releaseLock();
        };
        return {
          next,
          return(value) {
            stop();
            release();
            return Promise.resolve({ value, done: true });
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

function failedStream(error, rec) {
  return makeStream({ next: () => Promise.reject(error), cancel() {} }, undefined, undefined, rec);
}

// ---------------------------------------------------------------- images

const IMAGE_HINT = "Give a URL string, a data: URL, a Uint8Array, an ArrayBuffer or a Blob/File.";

async function imageUrl(img, i) {
  if (typeof img === "string") return img;
  let bytes;
  try {
    // Copied into a Uint8Array of our own: wasm never reads a caller's object.
    if (img instanceof Uint8Array || img instanceof ArrayBuffer) bytes = new Uint8Array(img);
    else if (typeof Blob !== "undefined" && img instanceof Blob) bytes = new Uint8Array(await img.arrayBuffer());
  } catch (e) {
    throw invalid(`images[${i}] could not be read: ${what(e)}`, IMAGE_HINT);
  }
  if (!bytes) throw invalid(`images[${i}] is not an image`, IMAGE_HINT);
  return call(() => live().imageDataUrl(bytes));
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
  #spec;
  #h;
  #gen;
  constructor(metadata, defaults) {
    if (new.target === BaseLLM) throw invalid("BaseLLM is abstract", "Subclass it and implement getAnswer and streamAnswer.");
    this.#spec = [enc(metadata, "metadata"), enc(defaults, "defaults")];
    Object.defineProperty(this, "metadata", { value: Object.freeze(JSON.parse(this.#helpers.metadata())), enumerable: true });
  }
  /** The wasm side, rebuilt from the saved spec when the instance was replaced. */
  get #helpers() {
    if (this.#gen !== generation) {
      this.#h = call(() => new (live().Helpers)(this.#spec[0], this.#spec[1]));
      this.#gen = generation;
    }
    return this.#h;
  }
  validateMessages(messages) {
    const m = enc(messages ?? null, "messages");
    call(() => this.#helpers.validateMessages(m));
  }
  mergeParameters(params) {
    const p = enc(params, "params");
    return JSON.parse(call(() => this.#helpers.mergeParameters(p)));
  }
  validateTokenLimits(messages, maxTokens) {
    const m = enc(messages ?? null, "messages");
    if (maxTokens !== undefined && typeof maxTokens !== "number") throw invalid("maxTokens must be a number", "Leave it out or give a positive integer.");
    call(() => this.#helpers.validateTokenLimits(m, maxTokens));
  }
  checkTextOutputSupport() {
    call(() => this.#helpers.checkTextOutputSupport());
  }
  estimateTokens(messages) {
    const m = enc(messages ?? null, "messages");
    return call(() => this.#helpers.estimateTokens(m));
  }
  /** The vision request as messages (bytes and Blobs checked and encoded as data: URLs),
   *  for streaming a vision answer with streamAnswer. */
  async visionMessages(prompt, images) {
    if (typeof prompt !== "string") throw invalid("prompt must be a string", "Ask something about the images.");
    if (!Array.isArray(images)) throw invalid("images must be an array", "Pass images: [url | bytes | Blob, ...].");
    const urls = await Promise.all(reading(() => Array.from(images, imageUrl), "images", IMAGE_HINT));
    return JSON.parse(call(() => this.#helpers.visionMessages(prompt, JSON.stringify(urls))));
  }
  async getAnswerWithVision(request) {
    const { prompt, images, ctx, params } = reading(() => ({ ...request }), "request", "getAnswerWithVision({ prompt, images, ctx?, params? }).");
    return this.getAnswer(await this.visionMessages(prompt, images), ctx, params);
  }
  #refuse(method) {
    try {
      return toLLMError(this.#helpers.unsupportedMedia(method));
    } catch (e) {
      return toLLMError(e);
    }
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

const PROMPT_HINT = "Pass the prompt as a string (or messages, whose last user message is used).";

/** [text, params JSON, edit inputs] for a media call: the inputs ([images, mask] as bytes,
 *  or a promise of them while Blobs are read) only for an edit in the full variant. */
let mediaFull;
let mediaStreamOf;
function encMedia(method, text, params) {
  const t = reading(() => {
    if (typeof text === "string") return text;
    if (Array.isArray(text)) {
      const last = text.filter((m) => m && m.role === "user").at(-1);
      const c = last?.content;
      if (typeof c === "string") return c;
      if (Array.isArray(c)) return c.filter((p) => p && p.type === "text").map((p) => p.text).join("\n");
    }
    throw invalid(`${method}: the prompt must be a string or messages`, PROMPT_HINT);
  }, "the prompt", PROMPT_HINT);
  // Edits (params.images, mask): read by media-full.js, which only the full variant carries.
  if (mediaFull && params !== undefined && params !== null && typeof params === "object" && method.endsWith("Image") && reading(() => params.images !== undefined || params.mask !== undefined, "params", "ImageParams")) return [t, ...mediaFull.edit(params)];
  return [t, enc(params, "params")];
}

// ---------------------------------------------------------------- telemetry hooks

const HOOKS = ["onRequest", "onAttempt", "onResponse", "onError", "onStreamEnd", "onHookError"];
const HOOKS_HINT = `hooks: { ${HOOKS.join("?, ")}? } (functions), or an array of them.`;

/** config.hooks (an object of functions, or an array of them) as { name: [functions] }, or
 *  undefined when there is nothing to call. Read once, at createLLM. */
function takeHooks(h) {
  if (h === undefined || h === null) return undefined;
  const sets = Array.isArray(h) ? h : [h];
  const out = {};
  sets.forEach((set, i) => {
    const where = Array.isArray(h) ? `config.hooks[${i}]` : "config.hooks";
    if (set === undefined || set === null) return;
    if (typeof set !== "object" || Array.isArray(set)) throw invalid(`${where} must be an object`, HOOKS_HINT);
    for (const k of Object.keys(set)) {
      if (!HOOKS.includes(k)) throw invalid(`${where}.${k} is not a hook`, HOOKS_HINT);
      const f = set[k];
      if (f === undefined || f === null) continue;
      if (typeof f !== "function") throw invalid(`${where}.${k} must be a function`, HOOKS_HINT);
      (out[k] ??= []).push(f);
    }
  });
  return Object.keys(out).some((k) => k !== "onHookError") ? out : undefined;
}

/** The origin of a configured endpoint URL, or undefined. */
function originOf(url) {
  try {
    return typeof url === "string" ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

/** What the recorder needs from a config: the primary's provider and model, and which
 *  provider and model each configured origin serves (backups may differ). No keys. */
function telemetryOf(plain, hooks) {
  const provider = typeof plain.provider === "string" ? plain.provider : undefined;
  const model = typeof plain.model === "string" ? plain.model : undefined;
  const byOrigin = new Map();
  const add = (e, p, m) => {
    const o = originOf(e.endpoint ?? e.baseURL);
    if (o && !byOrigin.has(o)) byOrigin.set(o, { provider: p, model: m });
  };
  add(plain, provider, model);
  for (const b of plain.backups ?? []) {
    const p = typeof b.provider === "string" ? b.provider : provider;
    add(b, p, typeof b.model === "string" ? b.model : b.provider !== undefined ? undefined : model);
  }
  return { hooks, provider, model, byOrigin };
}

const clock = () => (typeof performance !== "undefined" && typeof performance.now === "function" ? performance.now() : Date.now());
const ms = (x) => Math.round(x * 1000) / 1000;
let callSeq = 0;

/** Calls one hook; a throw or a rejection goes to onHookError (or nowhere), never to the call. */
function emit(hooks, name, ev) {
  const fs = hooks[name];
  if (fs === undefined) return;
  for (const f of fs) {
    try {
      const r = f(name === "onAttempt" || fs.length === 1 ? ev : { ...ev, metadata: ev.metadata && { ...ev.metadata } });
      if (r !== null && typeof r === "object" && typeof r.then === "function") r.then(undefined, (e) => hookFailed(hooks, name, e));
    } catch (e) {
      hookFailed(hooks, name, e);
    }
  }
}

function hookFailed(hooks, name, error) {
  for (const f of hooks.onHookError ?? []) {
    try {
      Promise.resolve(f(error, { hook: name })).catch(noop);
    } catch {}
  }
}

/** Usage as hooks see it: the numbers only, costUsd apart. */
function usageOf(u) {
  if (u === null || typeof u !== "object") return [undefined, undefined];
  const usage = {};
  for (const k of Object.keys(u)) if (k !== "costUsd" && typeof u[k] === "number") usage[k] = u[k];
  return [usage, typeof u.costUsd === "number" ? u.costUsd : undefined];
}

/** One call's telemetry: onRequest when it starts, then at its end onAttempt for each entry
 *  of the attempts trace and one of onResponse, onStreamEnd or onError. Events are plain
 *  objects built from what the library controls: never a key, a token or message content. */
class CallRecord {
  constructor(tel, operation, stream, ctxJson) {
    this.tel = tel;
    this.t0 = clock();
    this.ttfb = undefined;
    this.usage = undefined;
    this.finishReason = undefined;
    this.done = false;
    let requestId;
    let metadata;
    if (ctxJson) {
      const c = JSON.parse(ctxJson);
      if (typeof c.requestId === "string") requestId = c.requestId;
      if (c.metadata !== null && typeof c.metadata === "object") metadata = c.metadata;
    }
    this.base = { callId: ++callSeq, requestId, model: tel.model, provider: tel.provider, operation, stream, metadata };
    emit(tel.hooks, "onRequest", { ...this.base });
  }
  /** The base event for the endpoint that served (or failed) the call. */
  #at(endpoint) {
    const served = endpoint !== undefined ? this.tel.byOrigin.get(endpoint) : undefined;
    return served ? { ...this.base, provider: served.provider ?? this.base.provider, model: served.model ?? this.base.model, endpoint } : { ...this.base, endpoint };
  }
  /** Ends the record once; reports the attempts trace, then `name` with `fields`. */
  #finish(name, attempts, endpoint, fields) {
    if (this.done) return;
    this.done = true;
    const list = Array.isArray(attempts) ? attempts : [];
    const hooks = this.tel.hooks;
    if (hooks.onAttempt !== undefined) {
      list.forEach((a, i) => emit(hooks, "onAttempt", { ...this.#at(a.endpoint), ...a, attempt: i + 1 }));
    }
    const last = list.at(-1);
    const [usage, costUsd] = usageOf(this.usage);
    emit(hooks, name, {
      ...this.#at(endpoint ?? last?.endpoint),
      attempt: list.length,
      status: last?.status,
      errorCode: undefined,
      latencyMs: ms(clock() - this.t0),
      timeToFirstByteMs: this.ttfb,
      usage,
      costUsd,
      finishReason: this.finishReason,
      ...fields,
    });
  }
  answer(r) {
    this.usage = r.usage;
    if (typeof r.finishReason === "string") this.finishReason = r.finishReason;
    this.#finish("onResponse", r.attempts, r.endpoint, { responseModel: typeof r.model === "string" ? r.model : undefined });
  }
  /** A batch of stream chunks: the first one's time, and usage and finish reason as they come. */
  chunks(q) {
    if (q.length === 0) return;
    if (this.ttfb === undefined) this.ttfb = ms(clock() - this.t0);
    for (const c of q) {
      if (c.usage !== undefined) this.usage = c.usage;
      if (typeof c.finishReason === "string") this.finishReason = c.finishReason;
      else if (c.final === true) this.finishReason = "stop";
    }
  }
  streamEnd(info, cancelled = false) {
    this.#finish("onStreamEnd", info.attempts, info.endpoint, { cancelled });
  }
  fail(e, info) {
    const llm = e instanceof LLMError;
    const attempts = llm && Array.isArray(e.attempts) ? e.attempts : info?.attempts;
    this.usage = undefined;
    this.#finish("onError", attempts, undefined, {
      errorCode: llm ? e.code : "internal",
      status: llm && e.status !== undefined ? e.status : Array.isArray(attempts) ? attempts.at(-1)?.status : undefined,
      finishReason: undefined,
    });
  }
}

/** A wasm call's promise for the caller: `done` maps the result; the signal link is dropped
 *  and telemetry told either way. */
function settle(p, link, rec, done) {
  return track(p).then(
    (r) => {
      if (link) link.drop();
      const a = done(r);
      if (rec) rec.answer(a);
      return a;
    },
    (e) => {
      if (link) link.drop();
      const err = retype(toLLMError(e), link);
      if (rec) rec.fail(err);
      throw err;
    },
  );
}

/** A call refused before it reached wasm. */
function refuse(e, link, rec) {
  if (link) link.drop();
  const err = toLLMError(e);
  if (rec) rec.fail(err);
  return Promise.reject(err);
}

/** A model from the registry, served by the wasm implementation of its family. It keeps
 *  its encoded config so that after a trap it is rebuilt on the fresh instance. */
class RegistryModel extends BaseLLM {
  #make;
  #m;
  #gen;
  #closed = false;
  #tel;
  constructor(make, defaults, tel) {
    const m = make();
    const h = m.helpers();
    super(JSON.parse(h.metadata()), defaults);
    h.free();
    this.#make = make;
    this.#m = m;
    this.#gen = generation;
    this.#tel = tel;
  }
  /** BaseLLM's refusal of a media method, as an error (for a call with telemetry). */
  #refusal(method) {
    let h;
    try {
      h = this.#model().helpers();
      return toLLMError(h.unsupportedMedia(method));
    } catch (e) {
      return toLLMError(e);
    } finally {
      if (h) h.free();
    }
  }
  /** A call's telemetry record, when the config has hooks. */
  #record(operation, stream, c) {
    return this.#tel && new CallRecord(this.#tel, operation, stream, c);
  }
  #model() {
    if (this.#gen !== generation) {
      this.#m = this.#make();
      this.#gen = generation;
      if (this.#closed) this.#m.close();
    }
    return this.#m;
  }
  getAnswer(messages, ctx, params) {
    if (restoring) return restoring.then(() => this.getAnswer(messages, ctx, params));
    let link;
    let rec;
    try {
      const m = enc(messages ?? null, "messages");
      const p = enc(params, "params");
      const [c, l] = encCtx(ctx);
      link = l;
      rec = this.#record("chat", false, c);
      return settle(this.#model().getAnswer(m, c, p, link && link.signal), link, rec, JSON.parse);
    } catch (e) {
      return refuse(e, link, rec ?? this.#record("chat", false, ""));
    }
  }
  streamAnswer(messages, ctx, params) {
    let link;
    let rec;
    try {
      const m = enc(messages ?? null, "messages");
      const p = enc(params, "params");
      const [c, l] = encCtx(ctx);
      link = l;
      rec = this.#record("chat", true, c);
      live();
      return makeStream(this.#model().streamAnswer(m, c, p, link && link.signal), link, undefined, rec);
    } catch (e) {
      if (link) link.drop();
      return failedStream(toLLMError(e), rec ?? this.#record("chat", true, ""));
    }
  }
  /** A media call: `text` is the prompt or input (a string, or the last user message's
   *  text when messages are given). */
  #media(method, text, ctx, params, done) {
    if (restoring) return restoring.then(() => this[method](text, ctx, params));
    const op = method === "getImage" ? "image" : "speech";
    // The default entry's wasm has no media operations: BaseLLM's refusal says where they are.
    if (typeof wasm.WasmModel.prototype[method] !== "function") return this.#tel ? refuse(this.#refusal(method), undefined, this.#record(op, false, "")) : super[method]();
    let link;
    let rec;
    try {
      const [t, p, edit] = encMedia(method, text, params);
      const [c, l] = encCtx(ctx);
      link = l;
      rec = this.#record(op, false, c);
      const go = ([im, mk] = []) => settle(this.#model()[method](t, c, p, link && link.signal, im, mk), link, rec, done);
      if (edit instanceof Promise) return edit.then(go, (e) => refuse(e, link, rec));
      return go(edit);
    } catch (e) {
      return refuse(e, link, rec ?? this.#record(op, false, ""));
    }
  }
  static {
    mediaStreamOf = (m, ...a) => m.#mediaStream(...a); // for media-full.js's streamVideo
  }
  #mediaStream(method, text, ctx, params, make) {
    const op = method === "streamImage" ? "image" : method === "streamAudio" ? "speech" : "video";
    if (typeof wasm.WasmModel.prototype.streamMedia !== "function") {
      if (!this.#tel) return super[method]();
      return failedStream(this.#refusal(method), this.#record(op, true, ""));
    }
    let link;
    let rec;
    try {
      const [t, p, edit] = encMedia(method, text, params);
      const [c, l] = encCtx(ctx);
      link = l;
      rec = this.#record(op, true, c);
      live();
      const open = ([im, mk] = []) => this.#model().streamMedia(method, t, c, p, link && link.signal, im, mk);
      return makeStream(edit instanceof Promise ? mediaFull.lazy(edit, open) : open(edit), link, make, rec);
    } catch (e) {
      if (link) link.drop();
      return failedStream(toLLMError(e), rec ?? this.#record(op, true, ""));
    }
  }
  getImage(prompt, ctx, params) {
    return this.#media("getImage", prompt, ctx, params, (r) => {
      const a = JSON.parse(r);
      const first = a.images[0] ?? {};
      const p = params ?? {};
      return { imageUrl: first.imageUrl, imageBase64: first.imageBase64, revisedPrompt: first.revisedPrompt, format: p.outputFormat ?? "png", size: p.size, ...a };
    });
  }
  streamImage(prompt, ctx, params) {
    return this.#mediaStream("streamImage", prompt, ctx, params, (b, m) => mediaFull.imageChunk(b, m));
  }
  getAudio(input, ctx, params) {
    return this.#media("getAudio", input, ctx, params, (r) => ({ ...JSON.parse(r[0]), audio: r[1] }));
  }
  streamAudio(input, ctx, params) {
    return this.#mediaStream("streamAudio", input, ctx, params, (b, m) => mediaFull.audioChunk(b, m));
  }
  /** Running usage and cost since the model was made, by model and endpoint. */
  usageTotals() {
    return JSON.parse(call(() => this.#model().usageTotals()));
  }
  /** For llm-edge/health: applies another isolate's view to endpoint i, returns [ids, numbers]. */
  endpointHealth(i = -1, openMs = -1, ttfbMs = -1) {
    const m = this.#model();
    if (!m.endpointHealth) throw new LLMError("unsupported_operation", "endpointHealth is not in this entry", { hint: 'Use "llm-edge/full".' });
    return call(() => m.endpointHealth(i, openMs, ttfbMs));
  }
  async close() {
    this.#closed = true;
    if (!restoring && !unrecoverable) call(() => this.#model().close());
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

const CONFIG_HINT = "createLLM({ provider: \"azure\", model, endpoint, deploymentName, apiKey }).";

/** getToken as wasm sees it: a native promise of a non-empty string, never a synchronous
 *  throw or a caller's thenable. A failure rejects with a plain Error describing it. */
function safeToken(f) {
  return async () => {
    let t;
    try {
      t = await f();
    } catch (e) {
      throw new Error(e instanceof LLMError ? `${e.code}: ${e.message}` : what(e));
    }
    if (typeof t !== "string" || t === "") throw new Error(`it returned ${t === "" ? "an empty string" : typeof t}, not a token string`);
    return t;
  };
}

/** config.fetch as wasm sees it: a native promise of a genuine Response built from what the
 *  caller's fetch returned (its getters read here, not from wasm). */
function safeFetch(f) {
  return async (url, init) => {
    const r = await f(url, init);
    if (r.type === "opaqueredirect") return new Response(null, { status: 302 });
    return new Response(r.body, { status: r.status, statusText: r.statusText, headers: r.headers });
  };
}

/** The factory: picks the provider and the model's rules for config.model. Throws LLMError
 *  "invalid_input" synchronously for bad config. */
export function createLLM(config) {
  if (config === null || typeof config !== "object") throw invalid("config must be an object", CONFIG_HINT);
  const [c, tokenFns, fetchFn, defaults, tel] = reading(() => encConfig(config), "config", CONFIG_HINT);
  return call(() => new RegistryModel(() => live().createModel(c, tokenFns, fetchFn), defaults, tel));
}

function encConfig(config) {
  const tokenFns = [];
  const take = (o, where) => {
    if (o === null || typeof o !== "object" || Array.isArray(o)) throw invalid(`${where} must be an object`, "Each backup is { endpoint, ... } or a whole endpoint { provider, ... }.");
    const copy = { ...o };
    if (copy.getToken !== undefined && copy.getToken !== null) {
      if (typeof copy.getToken !== "function") throw invalid(`${where}.getToken must be a function`, "getToken: () => token, or an async function.");
      tokenFns.push(safeToken(copy.getToken));
      copy.getToken = tokenFns.length - 1;
    }
    // Bedrock: a credentials function is called per request like getToken; Rust reads JSON.
    if (typeof copy.credentials === "function") {
      const f = copy.credentials;
      tokenFns.push(safeToken(async () => {
        const c = await f();
        return c && typeof c === "object" ? JSON.stringify({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken }) : "";
      }));
      copy.credentials = tokenFns.length - 1;
    }
    return copy;
  };
  const plain = take(config, "config");
  // Hooks stay in JS: the Rust config parser refuses unknown fields.
  const hooks = takeHooks(plain.hooks);
  delete plain.hooks;
  let fetchFn;
  if (plain.fetch !== undefined && plain.fetch !== null) {
    if (typeof plain.fetch !== "function") throw invalid("config.fetch must be a function", "Pass a fetch-compatible function, e.g. fetch: (url, init) => fetch(url, init).");
    fetchFn = safeFetch(plain.fetch);
    plain.fetch = true;
  }
  if (plain.backups !== undefined && plain.backups !== null) {
    if (!Array.isArray(plain.backups)) throw invalid("config.backups must be an array", "backups: [{ endpoint: \"https://...\" }].");
    plain.backups = Array.from(plain.backups, (b, i) => take(b, `config.backups[${i}]`));
  }
  const unsendable = findUnsendable(plain, "config");
  if (unsendable) throw invalid(`${unsendable} is a function or other value a config cannot hold`, "Only getToken (on an endpoint) and fetch (at the top) may be functions; everything else is plain data.");
  return [enc(plain, "config"), tokenFns, fetchFn, plain.defaults, hooks && telemetryOf(plain, hooks)];
}

/** The registry's models and their metadata. */
export function listModels() {
  return JSON.parse(call(() => live().listModels()));
}

/** Test hook: the live instance's wasm memory in bytes. */
export function __wasmMemoryBytesForTests() {
  return call(() => live().__wasmMemoryBytesForTests());
}

/** Test hook: traps the live instance (the package must report `internal` and recover). */
export function __forceTrapForTests() {
  call(() => live().__forceTrapForTests());
}
