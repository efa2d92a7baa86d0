// llm-edge/cache: a response cache in front of any LLM (a model from "llm-edge" or
// "llm-edge/full", or your own object with getAnswer and streamAnswer), in plain JavaScript
// over the public API. Kept out of the default entry: nothing here loads unless imported.
//
//   const cached = withCache(createLLM(config), { store: memoryStore(), ttlMs: 60_000, namespace: cacheNamespace(config) });
//
// Keys are SHA-256 hashes of canonical JSON (sorted keys) of what determines an answer;
// values are JSON envelopes (the answer, or a stream's chunks) with their expiry; stores are
// { get, put, delete } over strings, so one wrapper works with memory, the Cache API,
// Workers KV and Deno KV.
import { LLMError, isLLM } from "./api.js";

const FORMAT = 1; // the envelope and key layout; bumped when either changes
const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_TTL_MS = 365 * 24 * 3600_000;
const DEFAULT_MAX_ENTRY_BYTES = 1 << 20;
const DEFAULT_MEMORY_BYTES = 8 << 20;

const STORE_HINT = "A store is { get(key), put(key, value, ttlMs), delete(key) } returning promises: memoryStore(), cacheApiStore(caches.default), workersKvStore(env.CACHE) or denoKvStore(await Deno.openKv()).";
const OPTIONS_HINT = "withCache(llm, { store?, ttlMs?, namespace?, optIn?, cacheable?, maxEntryBytes?, storeTimeoutMs?, onCacheHit?, onStoreError?, hooks?, now? }).";
const CALL_HINT = "ctx.cache is true, false (bypass the cache for this call) or { ttlMs?, refresh? }.";
const SIGNAL_HINT = "Pass controller.signal from an AbortController, or AbortSignal.timeout(ms).";
const OPTION_NAMES = ["store", "ttlMs", "namespace", "optIn", "cacheable", "maxEntryBytes", "storeTimeoutMs", "onCacheHit", "onStoreError", "hooks", "now"];
const HOOK_NAMES = ["onRequest", "onAttempt", "onResponse", "onError", "onStreamEnd", "onHookError"];
const HOOKS_HINT = "options.hooks takes the shape of config.hooks: { onRequest?, onResponse?, onStreamEnd?, ... } (functions) or an array of them, e.g. toOpenTelemetry(tracer).";

const invalid = (message, hint) => new LLMError("invalid_input", message, { hint });
const noop = () => {};
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function what(e) {
  try {
    return String(e instanceof Error ? e.message : e);
  } catch {
    return "an unreadable value";
  }
}

/** Runs code that reads caller-controlled values: a throwing getter becomes invalid_input. */
function reading(f, where, hint) {
  try {
    return f();
  } catch (e) {
    if (e instanceof LLMError) throw e;
    throw invalid(`${where} could not be read: ${what(e)}`, hint);
  }
}

function checkTtl(v, where) {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > MAX_TTL_MS) {
    throw invalid(`${where} must be a positive number of milliseconds (at most a year)`, "e.g. ttlMs: 60_000 for a minute.");
  }
  return v;
}

// ---------------------------------------------------------------- keys

/** JSON with every object's keys sorted, so equal requests give equal text whatever order
 *  their fields were written in. A non-finite number throws (JSON would write null, which
 *  reads as "not set": the request would not be the one the model is sent). */
export function canonicalJSON(value) {
  return JSON.stringify(value, (_, v) => {
    if (typeof v === "number" && !Number.isFinite(v)) throw new TypeError(`${v} is not a finite number`);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const sorted = {};
      for (const k of Object.keys(v).sort()) sorted[k] = v[k];
      return sorted;
    }
    return v;
  });
}

async function sha256Hex(text) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", textEncoder.encode(text)));
  let hex = "";
  for (const b of digest) hex += (b < 16 ? "0" : "") + b.toString(16);
  return hex;
}

/** An endpoint URL as identity: origin and path only (no user info, query or fragment,
 *  where a gateway key could sit). */
function urlIdentity(u) {
  if (typeof u !== "string") return undefined;
  try {
    const url = new URL(u);
    return url.origin + url.pathname.replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}

const IDENTITY_FIELDS = ["provider", "model", "deploymentName", "modelName", "apiVersion", "apiStyle", "region", "modelId", "organization", "project", "modelProfile"];

/** A namespace naming what a config talks to: provider, model, endpoint URLs (origin and
 *  path), deployment, API version and style, region and model ids, for the primary and each
 *  backup. Never a key, token, credentials, headers (a gateway key may be one) or a URL's
 *  query. Models whose configs give the same namespace share cache entries. */
export function cacheNamespace(config) {
  return reading(
    () => {
      if (config === null || typeof config !== "object") throw invalid("cacheNamespace(config): config must be an object", "Pass the config you gave createLLM.");
      const pick = (e) => {
        const out = {};
        if (e === null || typeof e !== "object") return out;
        for (const k of IDENTITY_FIELDS) if (e[k] !== undefined && e[k] !== null && typeof e[k] !== "function") out[k] = e[k];
        const url = urlIdentity(e.endpoint ?? e.baseURL);
        if (url !== undefined) out.url = url;
        return out;
      };
      const backups = Array.isArray(config.backups) ? config.backups.map(pick) : [];
      return canonicalJSON({ ...pick(config), backups });
    },
    "config",
    "Pass the config you gave createLLM.",
  );
}

// ---------------------------------------------------------------- stores

/** UTF-8 length of a string, without encoding it. */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function checkStore(store, where = "options.store") {
  if (store === null || typeof store !== "object" || typeof store.get !== "function" || typeof store.put !== "function" || typeof store.delete !== "function") {
    throw invalid(`${where} is not a cache store`, STORE_HINT);
  }
  return store;
}

/** An in-isolate store: least recently used entries go first once the keys and values
 *  stored pass `maxBytes` (UTF-8); an entry is dropped when its TTL has passed. */
export function memoryStore(options = {}) {
  const { maxBytes = DEFAULT_MEMORY_BYTES, now = Date.now } = reading(() => ({ ...options }), "memoryStore options", "memoryStore({ maxBytes?, now? }).");
  if (typeof maxBytes !== "number" || !(maxBytes > 0) || !Number.isFinite(maxBytes)) throw invalid("memoryStore: maxBytes must be a positive number", "e.g. memoryStore({ maxBytes: 16 << 20 }) for 16 MiB.");
  if (typeof now !== "function") throw invalid("memoryStore: now must be a function returning milliseconds", "Leave it out for Date.now.");
  const entries = new Map(); // key → { value, bytes, expiresAt }, oldest use first
  let bytes = 0;
  const drop = (key, e) => {
    entries.delete(key);
    bytes -= e.bytes;
  };
  return {
    async get(key) {
      const e = entries.get(key);
      if (e === undefined) return undefined;
      if (e.expiresAt <= now()) {
        drop(key, e);
        return undefined;
      }
      entries.delete(key); // most recently used: to the end
      entries.set(key, e);
      return e.value;
    },
    async put(key, value, ttlMs) {
      const old = entries.get(key);
      if (old !== undefined) drop(key, old);
      const size = utf8Length(key) + utf8Length(value);
      if (size > maxBytes) return;
      entries.set(key, { value, bytes: size, expiresAt: now() + ttlMs });
      bytes += size;
      for (const [k, e] of entries) {
        if (bytes <= maxBytes) break;
        drop(k, e);
      }
    },
    async delete(key) {
      const e = entries.get(key);
      if (e !== undefined) drop(key, e);
    },
    clear() {
      entries.clear();
      bytes = 0;
    },
    /** Bytes held (keys and values, UTF-8). */
    get bytes() {
      return bytes;
    },
    /** Entries held (expired ones go when touched or evicted). */
    get size() {
      return entries.size;
    },
  };
}

/** The Cache API: Workers' caches.default (or caches.open(name)), a browser's or Deno's
 *  CacheStorage cache. Entries live under synthetic GET URLs (`baseUrl` + key) with
 *  Cache-Control max-age for their TTL (rounded up to seconds; the wrapper enforces the
 *  exact TTL on read). `cache` may be a promise, e.g. caches.open("llm"). */
export function cacheApiStore(cache, options = {}) {
  const { baseUrl = "https://llm-edge-cache.invalid/" } = reading(() => ({ ...options }), "cacheApiStore options", "cacheApiStore(cache, { baseUrl? }).");
  const looksLikeCache = (c) => c !== null && typeof c === "object" && typeof c.match === "function" && typeof c.put === "function" && typeof c.delete === "function";
  const isPromise = cache !== null && typeof cache === "object" && typeof cache.then === "function";
  if (!isPromise && !looksLikeCache(cache)) throw invalid("cacheApiStore: the argument is not a Cache", "Pass caches.default (Workers) or await caches.open(\"name\") (browsers, Deno).");
  let base;
  try {
    base = new URL(baseUrl);
    if (base.protocol !== "https:" && base.protocol !== "http:") throw new Error("not http(s)");
  } catch {
    throw invalid("cacheApiStore: baseUrl must be an http(s) URL", "e.g. \"https://cache.example.com/llm/\" (a host of your own zone on Workers).");
  }
  const opened = Promise.resolve(cache).then((c) => {
    if (!looksLikeCache(c)) throw invalid("cacheApiStore: the promise did not give a Cache", "Pass caches.open(\"name\") or caches.default.");
    return c;
  });
  opened.catch(noop);
  const urlOf = (key) => new URL(encodeURIComponent(key), base).href;
  return {
    async get(key) {
      const r = await (await opened).match(urlOf(key));
      return r === undefined || r === null ? undefined : r.text();
    },
    async put(key, value, ttlMs) {
      const headers = { "content-type": "application/json", "cache-control": `max-age=${Math.max(1, Math.ceil(ttlMs / 1000))}` };
      await (await opened).put(urlOf(key), new Response(value, { headers }));
    },
    async delete(key) {
      await (await opened).delete(urlOf(key));
    },
  };
}

/** Workers KV (a namespace binding). KV expires entries no sooner than 60 s after writing
 *  (expirationTtl's minimum): a shorter TTL is stored with 60 s and the wrapper treats the
 *  entry as absent once its own TTL has passed. KV is eventually consistent across
 *  locations (up to about 60 s) and takes one write per key per second. */
export function workersKvStore(namespace, options = {}) {
  const { prefix = "llm-edge-cache:" } = reading(() => ({ ...options }), "workersKvStore options", "workersKvStore(env.CACHE, { prefix? }).");
  if (namespace === null || typeof namespace !== "object" || typeof namespace.get !== "function" || typeof namespace.put !== "function" || typeof namespace.delete !== "function") {
    throw invalid("workersKvStore: the argument is not a KV namespace", "Bind one in wrangler.toml ([[kv_namespaces]] binding = \"CACHE\") and pass env.CACHE.");
  }
  if (typeof prefix !== "string") throw invalid("workersKvStore: prefix must be a string", "e.g. \"llm-edge-cache:\".");
  return {
    async get(key) {
      const v = await namespace.get(prefix + key);
      return v === null ? undefined : v;
    },
    async put(key, value, ttlMs) {
      await namespace.put(prefix + key, value, { expirationTtl: Math.max(60, Math.ceil(ttlMs / 1000)) });
    },
    async delete(key) {
      await namespace.delete(prefix + key);
    },
  };
}

/** Deno KV (await Deno.openKv(); Deno Deploy). Values over `partBytes` (Deno KV takes at
 *  most 64 KiB per value) are split into parts written before the head that names them;
 *  every part expires with the entry (expireIn). */
export function denoKvStore(kv, options = {}) {
  const { prefix = ["llm-edge-cache"], partBytes = 60_000 } = reading(() => ({ ...options }), "denoKvStore options", "denoKvStore(kv, { prefix?, partBytes? }).");
  if (kv === null || typeof kv !== "object" || typeof kv.get !== "function" || typeof kv.set !== "function" || typeof kv.delete !== "function" || typeof kv.getMany !== "function") {
    throw invalid("denoKvStore: the argument is not a Deno.Kv", "Pass await Deno.openKv() (Deno needs --unstable-kv).");
  }
  if (!Array.isArray(prefix)) throw invalid("denoKvStore: prefix must be an array of key parts", "e.g. [\"llm-edge-cache\"].");
  if (!Number.isInteger(partBytes) || partBytes < 1024 || partBytes > 65_000) throw invalid("denoKvStore: partBytes must be an integer from 1024 to 65000", "Deno KV takes at most 64 KiB per value; the default is 60000.");
  const head = (key) => [...prefix, key];
  return {
    async get(key) {
      const h = (await kv.get(head(key))).value;
      if (h === null || typeof h !== "object") return undefined;
      if (h.bytes instanceof Uint8Array) return textDecoder.decode(h.bytes);
      if (typeof h.id !== "string" || !Number.isInteger(h.parts)) return undefined;
      const keys = Array.from({ length: h.parts }, (_, i) => [...prefix, key, h.id, i]);
      const parts = [];
      for (let i = 0; i < keys.length; i += 10) parts.push(...(await kv.getMany(keys.slice(i, i + 10)))); // getMany takes 10 keys
      if (parts.some((p) => !(p.value instanceof Uint8Array))) return undefined; // a part expired or is missing
      const all = new Uint8Array(parts.reduce((n, p) => n + p.value.length, 0));
      let at = 0;
      for (const p of parts) {
        all.set(p.value, at);
        at += p.value.length;
      }
      return textDecoder.decode(all);
    },
    async put(key, value, ttlMs) {
      const bytes = textEncoder.encode(value);
      const expireIn = Math.ceil(ttlMs);
      if (bytes.length <= partBytes) {
        await kv.set(head(key), { bytes }, { expireIn });
        return;
      }
      const id = crypto.randomUUID();
      const n = Math.ceil(bytes.length / partBytes);
      // Parts first, ten per atomic commit (well under its size limit), then the head.
      for (let i = 0; i < n; i += 10) {
        const op = kv.atomic();
        for (let j = i; j < Math.min(n, i + 10); j++) op.set([...prefix, key, id, j], bytes.subarray(j * partBytes, (j + 1) * partBytes), { expireIn });
        const r = await op.commit();
        if (!r.ok) throw new Error("Deno KV refused a part of the entry");
      }
      await kv.set(head(key), { id, parts: n }, { expireIn });
    },
    async delete(key) {
      const h = (await kv.get(head(key))).value;
      await kv.delete(head(key));
      if (h && typeof h.id === "string" && Number.isInteger(h.parts)) {
        for (let i = 0; i < h.parts; i++) await kv.delete([...prefix, key, h.id, i]);
      }
    },
  };
}

// ---------------------------------------------------------------- the wrapper

/** options.hooks (config.hooks' shape: an object of functions, or an array of them) as
 *  { name: [functions] }, or undefined when there is nothing to call. */
function takeHooks(h) {
  if (h === undefined || h === null) return undefined;
  const sets = Array.isArray(h) ? h : [h];
  const out = {};
  for (const set of sets) {
    if (set === undefined || set === null) continue;
    if (typeof set !== "object" || Array.isArray(set)) throw invalid("withCache: options.hooks must be an object of hook functions", HOOKS_HINT);
    for (const k of Object.keys(set)) {
      if (!HOOK_NAMES.includes(k)) throw invalid(`withCache: options.hooks.${k} is not a hook`, HOOKS_HINT);
      if (set[k] === undefined || set[k] === null) continue;
      if (typeof set[k] !== "function") throw invalid(`withCache: options.hooks.${k} must be a function`, HOOKS_HINT);
      (out[k] ??= []).push(set[k]);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

// Calls served by the wrapper get negative callIds: never one a model's own events use, so
// one hooks object (one toOpenTelemetry) can serve both the model and the wrapper.
let servedSeq = 0;

function abortError(signal) {
  let timedOut = false;
  try {
    const r = signal.reason;
    timedOut = typeof r === "object" && r !== null && r.name === "TimeoutError";
  } catch {}
  return timedOut
    ? new LLMError("timeout", "ctx.signal timed out (AbortSignal.timeout)", { hint: "Give the call a longer AbortSignal.timeout(ms), or use ctx.timeoutMs." })
    : new LLMError("aborted", "The request was aborted by the caller's signal", { hint: "ctx.signal fired; nothing further was delivered." });
}

const timeoutError = (ms) => new LLMError("timeout", `no answer within ctx.timeoutMs (${ms} ms) while sharing an identical call in flight`, { hint: "Give the call a longer ctx.timeoutMs." });

/** Splits a call's ctx: the cache's own field, the caller's signal and deadline, and the
 *  rest (what the model is given). Throws invalid_input for a bad ctx.cache or signal. */
function readCtx(ctx, defaults) {
  if (ctx === undefined || ctx === null) return { bypass: defaults.optIn, rest: ctx, ttlMs: defaults.ttlMs, refresh: false };
  if (typeof ctx !== "object") return { bypass: true, rest: ctx }; // the model refuses it
  const { cache, signal, ...rest } = reading(() => ({ ...ctx }), "ctx", CALL_HINT);
  const out = { bypass: false, rest, signal, timeoutMs: typeof rest.timeoutMs === "number" ? rest.timeoutMs : undefined, ttlMs: defaults.ttlMs, refresh: false };
  if (signal !== undefined && (signal === null || typeof signal !== "object" || typeof signal.addEventListener !== "function")) throw invalid("ctx.signal must be an AbortSignal", SIGNAL_HINT);
  if (cache === undefined) out.bypass = defaults.optIn;
  else if (cache === false) out.bypass = true;
  else if (cache === true) out.bypass = false;
  else if (cache !== null && typeof cache === "object" && !Array.isArray(cache)) {
    reading(
      () => {
        for (const k of Object.keys(cache)) if (k !== "ttlMs" && k !== "refresh") throw invalid(`ctx.cache.${k} is not a cache option`, CALL_HINT);
        if (cache.ttlMs !== undefined) out.ttlMs = checkTtl(cache.ttlMs, "ctx.cache.ttlMs");
        if (cache.refresh !== undefined) {
          if (typeof cache.refresh !== "boolean") throw invalid("ctx.cache.refresh must be a boolean", CALL_HINT);
          out.refresh = cache.refresh;
        }
      },
      "ctx.cache",
      CALL_HINT,
    );
  } else throw invalid("ctx.cache must be true, false or an object", CALL_HINT);
  if (out.bypass && signal !== undefined) out.rest.signal = signal;
  return out;
}

/** The tool calls a stream's chunks add up to (for `cacheable`). */
function toolCallsOf(chunks) {
  const calls = [];
  for (const c of chunks) {
    for (const d of c.toolCallDeltas ?? []) {
      const t = (calls[d.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
      if (d.id) t.id = d.id;
      if (d.name) t.function.name += d.name;
      if (d.arguments) t.function.arguments += d.arguments;
    }
  }
  return calls.filter(Boolean);
}

/** A stream's chunks as one answer-shaped object (for `cacheable`). */
function streamSummary(chunks, info) {
  let content = "";
  let finishReason;
  let usage = null;
  for (const c of chunks) {
    if (typeof c.delta === "string") content += c.delta;
    if (c.finishReason !== undefined) finishReason = c.finishReason;
    if (c.usage !== undefined) usage = c.usage;
  }
  const toolCalls = toolCallsOf(chunks);
  return { content, finishReason, usage, toolCalls: toolCalls.length ? toolCalls : undefined, endpoint: info.endpoint, attempts: info.attempts, chunks, stream: true };
}

/** Wraps `llm` with a response cache: getAnswer and streamAnswer are served from `store`
 *  when an identical request was answered within its TTL, and concurrent identical calls
 *  share one upstream call; every other property is the model's own. */
export function withCache(llm, options = {}) {
  if (!isLLM(llm)) throw invalid("withCache: the first argument is not an LLM", "Pass a model from createLLM(), or any object with getAnswer and streamAnswer.");
  const o = reading(() => ({ ...(options ?? {}) }), "withCache options", OPTIONS_HINT);
  for (const k of Object.keys(o)) if (!OPTION_NAMES.includes(k)) throw invalid(`withCache: options.${k} is not an option`, OPTIONS_HINT);
  const store = o.store === undefined ? memoryStore({ now: o.now }) : checkStore(o.store);
  const ttlMs = o.ttlMs === undefined ? DEFAULT_TTL_MS : checkTtl(o.ttlMs, "options.ttlMs");
  if (o.namespace !== undefined && typeof o.namespace !== "string") throw invalid("withCache: options.namespace must be a string", "e.g. cacheNamespace(config), or a name of your own (a tenant, a prompt version).");
  const namespace = o.namespace ?? "";
  if (o.optIn !== undefined && typeof o.optIn !== "boolean") throw invalid("withCache: options.optIn must be a boolean", "true: only calls with ctx.cache set use the cache.");
  const optIn = o.optIn ?? false;
  for (const f of ["cacheable", "onCacheHit", "onStoreError", "now"]) if (o[f] !== undefined && typeof o[f] !== "function") throw invalid(`withCache: options.${f} must be a function`, OPTIONS_HINT);
  const maxEntryBytes = o.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  if (!Number.isInteger(maxEntryBytes) || maxEntryBytes <= 0) throw invalid("withCache: options.maxEntryBytes must be a positive integer", "Answers larger than this are not stored (default 1 MiB).");
  const storeTimeoutMs = o.storeTimeoutMs ?? 2_000;
  if (typeof storeTimeoutMs !== "number" || !(storeTimeoutMs > 0) || !Number.isFinite(storeTimeoutMs)) throw invalid("withCache: options.storeTimeoutMs must be a positive number", "How long a store read or write may take before the call goes on without it (default 2000).");
  const now = o.now ?? Date.now;
  const cacheable = o.cacheable ?? (() => true);
  const onCacheHit = o.onCacheHit;
  const onStoreError = o.onStoreError;
  const hooks = reading(() => takeHooks(o.hooks), "options.hooks", HOOKS_HINT);
  const defaults = { ttlMs, optIn };
  const flights = new Map(); // key → a call in flight (answer or stream) that identical calls join
  let closed = false;

  const report = (f, ...args) => {
    if (f === undefined) return;
    try {
      const r = f(...args);
      if (r && typeof r.then === "function") r.then(undefined, noop);
    } catch {}
  };
  const storeFailed = (error, operation) => report(onStoreError, error, { operation });
  /** A store operation, bounded by storeTimeoutMs: a slow or hung store never holds a call. */
  function storeOp(operation, f) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new LLMError("timeout", `the cache store's ${operation} took over ${storeTimeoutMs} ms`, { hint: "The call went on without the store; raise options.storeTimeoutMs if the store is just slow." })), storeTimeoutMs);
    });
    return Promise.race([Promise.resolve().then(f), late]).finally(() => clearTimeout(timer));
  }

  /** The key of a request, or undefined when it cannot be keyed (the model then sees it as
   *  given, and refuses it if it is bad). */
  async function keyOf(kind, messages, params) {
    let text;
    try {
      const md = llm.metadata;
      const merged = typeof llm.mergeParameters === "function" ? llm.mergeParameters(params) : undefined;
      text = canonicalJSON({ format: FORMAT, kind, namespace, provider: md?.provider, model: md?.modelName, messages: messages ?? null, params: params ?? null, merged: merged ?? null });
    } catch {
      return undefined;
    }
    try {
      return await sha256Hex(text);
    } catch {
      return undefined; // no crypto.subtle (a browser page on plain http): the model, uncached
    }
  }

  /** A stored envelope for `key` of `kind` that has not expired, or undefined. */
  async function lookup(key, kind) {
    let text;
    try {
      text = await storeOp("get", () => store.get(key));
    } catch (e) {
      storeFailed(e, "get");
      return undefined;
    }
    if (typeof text !== "string") return undefined;
    let entry;
    try {
      entry = JSON.parse(text);
      // Callers other than the first get copies parsed from the text: nothing one caller
      // does to its answer reaches another's.
      Object.defineProperty(entry, "text", { value: text });
    } catch {
      return undefined;
    }
    if (entry === null || typeof entry !== "object" || entry.format !== FORMAT || entry.kind !== kind) return undefined;
    if (!(entry.expiresAt > now())) {
      storeOp("delete", () => store.delete(key)).catch((e) => storeFailed(e, "delete"));
      return undefined;
    }
    return entry;
  }

  async function save(key, kind, summary, body, ttl) {
    let ok;
    try {
      ok = await cacheable(summary);
    } catch {
      ok = false;
    }
    if (ok === false) return;
    const t = now();
    const text = JSON.stringify({ format: FORMAT, kind, storedAt: t, expiresAt: t + ttl, ...body });
    if (utf8Length(text) > maxEntryBytes) return;
    try {
      await storeOp("put", () => store.put(key, text, ttl));
    } catch (e) {
      storeFailed(e, "put");
    }
  }

  const hitEvent = (kind, key, call, entry, t0, coalesced) => ({
    operation: "chat",
    stream: kind === "stream",
    key,
    namespace: namespace || undefined,
    provider: llm.metadata?.provider,
    model: llm.metadata?.modelName,
    requestId: typeof call.rest?.requestId === "string" ? call.rest.requestId : undefined,
    metadata: call.rest?.metadata !== null && typeof call.rest?.metadata === "object" ? { ...call.rest.metadata } : undefined,
    coalesced,
    ageMs: entry ? Math.max(0, now() - entry.storedAt) : undefined,
    latencyMs: Date.now() - t0,
  });

  /** Telemetry for a call the wrapper served itself (a store hit, or a share of another
   *  caller's call in flight): onRequest, then onResponse or onStreamEnd, in the shape the
   *  model's own hooks get, with cacheHit (and coalesced) set and no attempts. A hook that
   *  throws goes to onHookError, never to the call. */
  const emitHook = (name, ev) => {
    for (const f of hooks?.[name] ?? []) {
      try {
        const r = f({ ...ev, metadata: ev.metadata && { ...ev.metadata } });
        if (r && typeof r.then === "function") r.then(undefined, (e) => hookFailed(name, e));
      } catch (e) {
        hookFailed(name, e);
      }
    }
  };
  const hookFailed = (name, error) => {
    for (const f of hooks.onHookError ?? []) {
      try {
        Promise.resolve(f(error, { hook: name })).catch(noop);
      } catch {}
    }
  };
  function servedCall(stream, call, coalesced) {
    if (hooks === undefined) return undefined;
    const base = {
      callId: -++servedSeq,
      requestId: typeof call.rest?.requestId === "string" ? call.rest.requestId : undefined,
      model: llm.metadata?.modelName,
      provider: llm.metadata?.provider,
      operation: "chat",
      stream,
      metadata: call.rest?.metadata !== null && typeof call.rest?.metadata === "object" ? { ...call.rest.metadata } : undefined,
      cacheHit: !coalesced,
      coalesced,
    };
    emitHook("onRequest", base);
    return base;
  }
  function servedEnd(base, t0, result, fields, name = base?.stream ? "onStreamEnd" : "onResponse") {
    if (base === undefined) return;
    const usage = {};
    let costUsd;
    const u = result?.usage;
    if (u !== null && typeof u === "object") for (const k of Object.keys(u)) if (typeof u[k] === "number") k === "costUsd" ? (costUsd = u[k]) : (usage[k] = u[k]);
    emitHook(name, {
      ...base,
      endpoint: typeof result?.endpoint === "string" ? result.endpoint : undefined,
      attempt: 0,
      attempts: [],
      latencyMs: Date.now() - t0,
      usage: u !== null && typeof u === "object" ? usage : undefined,
      costUsd,
      finishReason: typeof result?.finishReason === "string" ? result.finishReason : undefined,
      ...fields,
    });
  }

  const leave = (flight) => {
    flight.participants--;
    if (flight.participants === 0 && !flight.settled) {
      flight.ac.abort();
      if (flight.iterator) Promise.resolve().then(() => flight.iterator.return?.()).catch(noop);
    }
  };
  const forget = (flight) => {
    if (flights.get(flight.key) === flight) flights.delete(flight.key);
  };

  // ------------------------------------------------------------ getAnswer

  function answerFlight(key, messages, call, params) {
    const flight = { key, participants: 1, settled: false, ac: new AbortController(), entry: undefined, answer: undefined, json: undefined };
    flights.set(key, flight);
    flight.result = (async () => {
      if (!call.refresh) {
        const entry = await lookup(key, "answer");
        if (entry !== undefined) return (flight.entry = entry);
      }
      if (flight.participants === 0) throw new LLMError("aborted", "every caller left before the call was sent", { hint: "Nothing was sent." });
      const answer = await llm.getAnswer(messages, { ...call.rest, signal: flight.ac.signal }, params);
      flight.settled = true; // callers leaving now no longer cancel anything
      flight.answer = answer;
      flight.json = JSON.stringify(answer);
      // Stored before the callers get it: once a call has answered, the next identical one
      // hits, and on Workers the write is done while the request is still alive.
      const { cacheHit, coalesced, ...copy } = JSON.parse(flight.json);
      await save(key, "answer", copy, { answer: copy }, call.ttlMs);
      return answer;
    })();
    const end = () => {
      flight.settled = true;
      forget(flight);
    };
    flight.result.then(end, end);
    return flight;
  }

  function joinAnswer(flight, call, leader, t0) {
    if (!leader) flight.participants++; // a new flight counts its first caller
    return new Promise((resolve, reject) => {
      let done = false;
      let timer;
      const onAbort = () => finish(abortError(call.signal));
      const finish = (error, value) => {
        if (done) return;
        done = true;
        if (call.signal) call.signal.removeEventListener("abort", onAbort);
        if (timer !== undefined) clearTimeout(timer);
        if (error) {
          leave(flight);
          reject(error);
        } else {
          flight.participants--;
          resolve(value);
        }
      };
      if (call.signal) {
        if (call.signal.aborted) return onAbort();
        call.signal.addEventListener("abort", onAbort, { once: true });
      }
      // The first caller's deadline travels with the shared call; a joiner's ends its own wait.
      if (!leader && call.timeoutMs !== undefined) timer = setTimeout(() => finish(timeoutError(call.timeoutMs)), call.timeoutMs);
      flight.result.then(
        () => {
          if (done) return;
          if (flight.entry !== undefined) {
            const e = flight.entry;
            report(onCacheHit, hitEvent("answer", flight.key, call, e, t0, false));
            const answer = { ...(leader ? e.answer : JSON.parse(e.text).answer), latencyMs: Date.now() - t0, attempts: [], cacheHit: true, cachedAt: e.storedAt };
            servedEnd(servedCall(false, call, false), t0, answer, { responseModel: typeof answer.model === "string" ? answer.model : undefined });
            finish(undefined, answer);
          } else if (leader) {
            finish(undefined, Object.assign(flight.answer, { cacheHit: false }));
          } else {
            report(onCacheHit, hitEvent("answer", flight.key, call, undefined, t0, true));
            const answer = { ...JSON.parse(flight.json), cacheHit: false, coalesced: true };
            servedEnd(servedCall(false, call, true), t0, answer, { responseModel: typeof answer.model === "string" ? answer.model : undefined });
            finish(undefined, answer);
          }
        },
        (e) => finish(e),
      );
    });
  }

  async function getAnswer(messages, ctx, params) {
    const t0 = Date.now();
    const call = readCtx(ctx, defaults);
    if (call.bypass || closed) return llm.getAnswer(messages, call.rest, params);
    const key = await keyOf("answer", messages, params);
    if (key === undefined) return llm.getAnswer(messages, call.signal === undefined ? call.rest : { ...call.rest, signal: call.signal }, params);
    let flight = flights.get(key);
    const leader = flight === undefined || flight.kind === "stream";
    if (leader) flight = answerFlight(key, messages, call, params);
    return joinAnswer(flight, call, leader, t0);
  }

  // ------------------------------------------------------------ streamAnswer

  function streamFlight(key, messages, call, params) {
    const flight = { kind: "stream", key, participants: 1, settled: false, ac: new AbortController(), chunks: [], jsons: [], size: 0, done: false, failure: undefined, entry: undefined, upstream: undefined, iterator: undefined, info: undefined, wake: [] };
    flights.set(key, flight);
    const wake = () => {
      const w = flight.wake;
      flight.wake = [];
      for (const f of w) f();
    };
    (async () => {
      if (!call.refresh) {
        const entry = await lookup(key, "stream");
        if (entry !== undefined && Array.isArray(entry.chunks)) {
          flight.entry = entry;
          flight.chunks = entry.chunks;
          flight.info = { endpoint: entry.endpoint, attempts: [], droppedParams: entry.droppedParams ?? [] };
          return false;
        }
      }
      if (flight.participants === 0) throw new LLMError("aborted", "every caller left before the call was sent", { hint: "Nothing was sent." });
      const s = llm.streamAnswer(messages, { ...call.rest, signal: flight.ac.signal }, params);
      flight.upstream = s;
      const it = s[Symbol.asyncIterator]();
      flight.iterator = it;
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        const json = JSON.stringify(r.value);
        flight.size += json.length;
        flight.chunks.push(r.value);
        flight.jsons.push(json);
        wake();
      }
      flight.info = { endpoint: s.endpoint, attempts: s.attempts, droppedParams: s.droppedParams };
      flight.settled = true;
      // Stored before the stream ends for its readers (see answerFlight). Code units never
      // exceed UTF-8 bytes: past the limit here, it is past it stored too.
      if (flight.size <= maxEntryBytes) {
        const chunks = flight.jsons.map((j) => JSON.parse(j));
        const info = JSON.parse(JSON.stringify(flight.info));
        await save(key, "stream", streamSummary(chunks, info), { chunks, endpoint: info.endpoint, attempts: info.attempts, droppedParams: info.droppedParams }, call.ttlMs);
      }
      return true;
    })().then(
      () => {
        flight.done = true;
        flight.settled = true;
        wake();
        forget(flight);
      },
      (e) => {
        flight.failure = e;
        flight.done = true;
        flight.settled = true;
        wake();
        forget(flight);
      },
    );
    return flight;
  }

  /** One caller's view of a stream flight: every chunk from the first, then its end (or its
   *  failure). The first caller gets the chunks the model made; others get copies. */
  function streamAnswer(messages, ctx, params) {
    const t0 = Date.now();
    let call;
    try {
      call = readCtx(ctx, defaults);
    } catch (e) {
      return failedStream(e);
    }
    if (call.bypass || closed) return llm.streamAnswer(messages, call.rest, params);
    let flight;
    let leader = false;
    let index = 0;
    let ended = false; // this caller is done (end, failure, cancel or abort)
    let failure;
    let controller;
    let timer;
    let reported = false;
    let replay; // a hit's chunks for this caller
    let served; // telemetry of a stream the wrapper serves (a hit, or a share of a call in flight)
    let servedDone = false;
    let ttfb;
    const served1 = (f, i) => {
      if (served === undefined && hooks !== undefined && !servedDone && (f.entry !== undefined || !leader)) {
        served = servedCall(true, call, f.entry === undefined);
        if (i !== undefined) ttfb = Date.now() - t0;
      }
    };
    const servedFinish = (f, cancelled, error) => {
      if (served === undefined || servedDone) return;
      servedDone = true;
      let usage;
      let finishReason;
      for (const c of f.chunks) {
        if (c.usage !== undefined) usage = c.usage;
        if (typeof c.finishReason === "string") finishReason = c.finishReason;
      }
      const endpoint = f.info?.endpoint ?? f.upstream?.endpoint;
      if (error !== undefined) servedEnd(served, t0, { endpoint }, { timeToFirstByteMs: ttfb, errorCode: typeof error?.code === "string" ? error.code : "internal" }, "onError");
      else servedEnd(served, t0, { usage, finishReason, endpoint }, { timeToFirstByteMs: ttfb, cancelled });
    };
    const joined = keyOf("stream", messages, params).then((key) => {
      if (key === undefined) return undefined;
      if (ended) return null;
      flight = flights.get(key);
      leader = flight === undefined || flight.kind !== "stream";
      if (leader) flight = streamFlight(key, messages, call, params);
      else flight.participants++; // a new flight counts its first caller
      if (!leader && call.timeoutMs !== undefined) timer = setTimeout(() => stop(timeoutError(call.timeoutMs)), call.timeoutMs);
      return flight;
    });
    let bypassStream; // the model's own stream when the request cannot be keyed
    let bypassIter;
    const stop = (error) => {
      if (ended) return;
      ended = true;
      if (call.signal) call.signal.removeEventListener("abort", onAbort);
      if (timer !== undefined) clearTimeout(timer);
      if (flight) leave(flight); // the last caller to leave an unfinished call cancels it
      if (flight) servedFinish(flight, true, error); // not ended yet: the caller left early
      if (bypassIter) Promise.resolve().then(() => bypassIter.return?.()).catch(noop);
      if (error) {
        failure = error;
        if (controller) {
          try {
            controller.error(error);
          } catch {}
        }
        for (const f of flight?.wake.splice(0) ?? []) f(); // a pending read sees the failure
      }
    };
    const onAbort = () => stop(abortError(call.signal));
    if (call.signal) {
      if (call.signal.aborted) queueMicrotask(onAbort);
      else call.signal.addEventListener("abort", onAbort, { once: true });
    }
    async function next() {
      if (failure) throw failure;
      if (ended) return { done: true, value: undefined };
      const f = await joined;
      if (f === undefined) {
        // Not keyable: the model's stream, as it is (it reports the problem).
        if (bypassIter === undefined) {
          bypassStream = llm.streamAnswer(messages, call.signal === undefined ? call.rest : { ...call.rest, signal: call.signal }, params);
          bypassIter = bypassStream[Symbol.asyncIterator]();
        }
        return bypassIter.next();
      }
      if (f === null) return { done: true, value: undefined };
      for (;;) {
        if (failure) throw failure;
        if (index < f.chunks.length) {
          const i = index++;
          served1(f, i);
          if (f.entry !== undefined) {
            replay ??= leader ? f.chunks : JSON.parse(f.entry.text).chunks;
            let chunk = replay[i];
            if (i === f.chunks.length - 1) {
              chunk = { ...chunk, cacheHit: true };
              if (!reported) {
                reported = true;
                report(onCacheHit, hitEvent("stream", f.key, call, f.entry, t0, false));
              }
              servedFinish(f, false);
            }
            return { done: false, value: chunk };
          }
          return { done: false, value: leader ? f.chunks[i] : JSON.parse(f.jsons[i]) };
        }
        if (f.failure) {
          servedFinish(f, false, f.failure);
          stop();
          throw (failure = f.failure);
        }
        if (f.done) {
          served1(f);
          servedFinish(f, false);
          if (f.entry !== undefined && !reported) {
            reported = true;
            report(onCacheHit, hitEvent("stream", f.key, call, f.entry, t0, false));
          }
          if (!leader && f.entry === undefined && !reported) {
            reported = true;
            report(onCacheHit, hitEvent("stream", f.key, call, undefined, t0, true));
          }
          stop();
          return { done: true, value: undefined };
        }
        await new Promise((r) => f.wake.push(r));
      }
    }
    const stream = new ReadableStream(
      {
        start(c) {
          controller = c;
        },
        async pull(c) {
          try {
            const r = await next();
            if (r.done) c.close();
            else c.enqueue(r.value);
          } catch (e) {
            try {
              c.error(e);
            } catch {}
          }
        },
        cancel() {
          stop();
        },
      },
      { highWaterMark: 0 },
    );
    const info = () => (flight ? (flight.info ?? (flight.upstream ? { endpoint: flight.upstream.endpoint, attempts: flight.upstream.attempts, droppedParams: flight.upstream.droppedParams } : undefined)) : bypassStream);
    Object.defineProperties(stream, {
      [Symbol.asyncIterator]: {
        // for-await reads the chunks directly, not through the Web stream's reader (a promise
        // and a queue per chunk less), after locking the stream so it cannot be read twice.
        value() {
          const reader = stream.getReader();
          let locked = true;
          const release = () => {
            if (locked) {
              locked = false;
              reader.releaseLock();
            }
          };
          return {
            next: () =>
              next().then(
                (r) => (r.done && release(), r),
                (e) => {
                  release();
                  throw e;
                },
              ),
            async return(value) {
              stop();
              release();
              return { value, done: true };
            },
            [Symbol.asyncIterator]() {
              return this;
            },
          };
        },
      },
      endpoint: { get: () => info()?.endpoint },
      attempts: { get: () => info()?.attempts ?? [] },
      droppedParams: { get: () => info()?.droppedParams ?? [] },
      /** True when this stream replays a stored answer. */
      cacheHit: { get: () => flight?.entry !== undefined },
      /** True when this stream shared another caller's call in flight. */
      coalesced: { get: () => flight !== undefined && !leader && flight.entry === undefined },
    });
    return stream;
  }

  function failedStream(error) {
    const s = new ReadableStream({
      pull(c) {
        c.error(error);
      },
    });
    Object.defineProperty(s, Symbol.asyncIterator, {
      value() {
        const reader = s.getReader();
        return { next: () => reader.read(), return: async (value) => (reader.releaseLock(), { value, done: true }), [Symbol.asyncIterator]() { return this; } };
      },
    });
    return s;
  }

  // ------------------------------------------------------------ the wrapped model

  const control = Object.freeze({
    store,
    /** The key a request is stored under (kind "answer" for getAnswer, "stream" for streamAnswer). */
    key: (messages, params, kind = "answer") => keyOf(kind, messages, params),
    /** Removes a request's stored answer. */
    async delete(messages, params, kind = "answer") {
      const key = await keyOf(kind, messages, params);
      if (key !== undefined) await store.delete(key);
    },
  });
  const own = {
    getAnswer,
    streamAnswer,
    cache: control,
    /** The vision helper through the cache: the images become the messages' data: URLs. */
    async getAnswerWithVision(request) {
      if (typeof llm.visionMessages !== "function") return llm.getAnswerWithVision(request);
      const { prompt, images, ctx, params } = reading(() => ({ ...request }), "request", "getAnswerWithVision({ prompt, images, ctx?, params? }).");
      return getAnswer(await llm.visionMessages(prompt, images), ctx, params);
    },
    async close() {
      closed = true;
      return llm.close?.();
    },
  };
  return new Proxy(llm, {
    get(target, prop) {
      if (Object.hasOwn(own, prop)) return own[prop];
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
    has(target, prop) {
      return Object.hasOwn(own, prop) || prop in target;
    },
  });
}
