// llm-edge/cache (and llm-edge/full/cache): a response cache in front of any LLM.
import type { AnyLLM, Answer, StreamChunk, LLMStream, RequestContext, MessageParam, CallParams, ModelConfig, TelemetryHooks } from "./index.js";

/** Where cached answers live: strings under hex keys, with a time to live. Every method may
 *  return a promise; a store that throws is treated as a miss (see `onStoreError`). */
export interface CacheStore {
  /** The value stored under `key`, or undefined (or null) when there is none. */
  get(key: string): Promise<string | undefined | null> | string | undefined | null;
  /** Stores `value` for at least `ttlMs` milliseconds (the wrapper enforces the exact TTL on read). */
  put(key: string, value: string, ttlMs: number): Promise<unknown> | unknown;
  delete(key: string): Promise<unknown> | unknown;
}

/** memoryStore's store, with what it holds. */
export interface MemoryStore extends CacheStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Drops every entry. */
  clear(): void;
  /** Bytes held: keys and values, UTF-8. */
  readonly bytes: number;
  /** Entries held. */
  readonly size: number;
}

/** An in-isolate store: least recently used entries are evicted once keys and values pass
 *  `maxBytes` (UTF-8; default 8 MiB); entries past their TTL are dropped. */
export declare function memoryStore(options?: { maxBytes?: number; now?: () => number }): MemoryStore;

/** A Cache API cache (Workers' `caches.default`, `caches.open(name)` in browsers and Deno),
 *  or a promise of one. Entries are stored under synthetic GET URLs `baseUrl` + key
 *  (default `https://llm-edge-cache.invalid/`; on Workers use a host of your own zone) with
 *  `Cache-Control: max-age` for the TTL. Workers' cache is per data center. */
export declare function cacheApiStore(cache: CacheLike | Promise<CacheLike>, options?: { baseUrl?: string }): CacheStore;

/** What cacheApiStore uses of a Cache. */
export interface CacheLike {
  match(request: string): Promise<{ text(): Promise<string> } | undefined | null>;
  put(request: string, response: any): Promise<unknown>;
  delete(request: string): Promise<unknown>;
}

/** Workers KV (a namespace binding, e.g. `env.CACHE`), keys prefixed with `prefix` (default
 *  `"llm-edge-cache:"`). KV's expirationTtl is at least 60 s: a shorter TTL is stored with
 *  60 s and the entry reads as absent once its own TTL has passed. */
export declare function workersKvStore(namespace: KVNamespaceLike, options?: { prefix?: string }): CacheStore;

/** What workersKvStore uses of a KV namespace. */
export interface KVNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

/** Deno KV (`await Deno.openKv()`), keys under `prefix` (default `["llm-edge-cache"]`), with
 *  `expireIn` for the TTL. Values over `partBytes` (default 60000; Deno KV takes at most
 *  64 KiB per value) are split into parts. */
export declare function denoKvStore(kv: DenoKvLike, options?: { prefix?: unknown[]; partBytes?: number }): CacheStore;

/** What denoKvStore uses of a Deno.Kv. */
export interface DenoKvLike {
  get(key: unknown[]): Promise<{ value: unknown }>;
  getMany(keys: unknown[][]): Promise<Array<{ value: unknown }>>;
  set(key: unknown[], value: unknown, options?: { expireIn?: number }): Promise<unknown>;
  delete(key: unknown[]): Promise<unknown>;
  atomic(): { set(key: unknown[], value: unknown, options?: { expireIn?: number }): unknown; commit(): Promise<{ ok: boolean }> };
}

/** Per call, in ctx.cache: `false` skips the cache (no lookup, no store, no sharing); `true`
 *  uses it (needed with `optIn`); `ttlMs` overrides the wrapper's TTL for what this call
 *  stores; `refresh: true` skips the lookup and stores the fresh answer. */
export type CacheCallOptions = boolean | { ttlMs?: number; refresh?: boolean };

/** A request context with the cache's per-call field. The field is taken off before the
 *  model sees ctx. */
export interface CachedRequestContext extends RequestContext {
  cache?: CacheCallOptions;
}

/** What `cacheable` is given: the answer (getAnswer), or a stream's chunks summed up. */
export interface CacheableAnswer {
  content: string;
  finishReason?: string;
  toolCalls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
  usage?: unknown;
  endpoint?: string;
  /** Streams: every chunk, in order. */
  chunks?: StreamChunk[];
  stream?: boolean;
  [field: string]: unknown;
}

/** onCacheHit: a call answered without its own upstream request. Never a key, a token or
 *  message content. */
export interface CacheHitEvent {
  operation: "chat";
  stream: boolean;
  /** The entry's key (a SHA-256 hash). */
  key: string;
  namespace?: string;
  provider?: string;
  model?: string;
  requestId?: string;
  metadata?: Record<string, string>;
  /** True when the call shared an identical call in flight instead of a stored answer. */
  coalesced: boolean;
  /** How old the stored answer was (store hits). */
  ageMs?: number;
  /** From the method call to the answer (getAnswer) or the stream's end. */
  latencyMs: number;
}

export interface CacheOptions {
  /** Default: a memoryStore() of this wrapper's own. */
  store?: CacheStore;
  /** How long an answer stays (default 5 minutes; at most a year). */
  ttlMs?: number;
  /** Part of every key: what the model's metadata cannot tell apart (endpoint, deployment,
   *  a prompt version, a tenant). `cacheNamespace(config)` derives one from a config. */
  namespace?: string;
  /** true: only calls with `ctx.cache` set use the cache (default false: every call). */
  optIn?: boolean;
  /** Whether an answer may be stored (e.g. `(a) => !a.toolCalls`); false or a throw keeps
   *  it out. Errors, aborted and unfinished streams are never stored. */
  cacheable?: (answer: CacheableAnswer) => boolean | Promise<boolean>;
  /** Answers whose stored entry would be larger are not stored (default 1 MiB, UTF-8). */
  maxEntryBytes?: number;
  /** How long a store read or write may take before the call goes on without it (a miss,
   *  or not stored; reported to onStoreError), in milliseconds (default 2000). */
  storeTimeoutMs?: number;
  /** A call served from the store or from an identical call in flight. Return values are
   *  ignored; a throw is swallowed. */
  onCacheHit?: (event: CacheHitEvent) => unknown;
  /** Telemetry for the calls the wrapper serves itself (store hits, and shares of an
   *  identical call in flight), in config.hooks' shape, e.g. `toOpenTelemetry(tracer)`:
   *  onRequest, then onResponse (getAnswer) or onStreamEnd (streamAnswer; onError if a shared
   *  stream fails after its first chunk), with `cacheHit`, `coalesced` and `attempts: []`.
   *  Misses are reported by the model's own hooks. A hook that throws goes to onHookError,
   *  never to the call. */
  hooks?: TelemetryHooks | readonly (TelemetryHooks | null | undefined)[] | null;
  /** A store operation failed (the call went on as a miss, or without storing). */
  onStoreError?: (error: unknown, info: { operation: "get" | "put" | "delete" }) => unknown;
  /** The clock for TTLs, in milliseconds (default Date.now). */
  now?: () => number;
}

/** An answer from a cached model: `cacheHit` says whether it came from the store (then
 *  `attempts` is empty, `latencyMs` is this call's and `cachedAt` when it was stored);
 *  `coalesced` that it shared an identical call in flight. */
export type CachedAnswer<A = Answer> = A & { cacheHit: boolean; coalesced?: boolean; cachedAt?: number };

/** A stream from a cached model: on a hit its chunks are the stored ones in order, the last
 *  carrying `cacheHit: true`. */
export type CachedStream = LLMStream<StreamChunk & { cacheHit?: true }> & {
  readonly endpoint: string | undefined;
  readonly attempts: Answer["attempts"];
  readonly droppedParams: string[];
  /** True when the chunks replay a stored answer. */
  readonly cacheHit: boolean;
  /** True when the stream shares an identical call in flight. */
  readonly coalesced: boolean;
};

/** The wrapper's own handle on its cache. */
export interface CacheControl {
  readonly store: CacheStore;
  /** The key a request is stored under ("answer": getAnswer, "stream": streamAnswer). */
  key(messages: readonly MessageParam[], params?: CallParams, kind?: "answer" | "stream"): Promise<string | undefined>;
  /** Removes a request's stored answer. */
  delete(messages: readonly MessageParam[], params?: CallParams, kind?: "answer" | "stream"): Promise<void>;
}

/** The model, with getAnswer and streamAnswer going through the cache. */
export type CachedLLM<T extends AnyLLM> = Omit<T, "getAnswer" | "streamAnswer"> & {
  getAnswer(messages: readonly MessageParam[], ctx?: CachedRequestContext, params?: CallParams): Promise<CachedAnswer>;
  streamAnswer(messages: readonly MessageParam[], ctx?: CachedRequestContext, params?: CallParams): CachedStream;
  readonly cache: CacheControl;
};

/** Wraps a model with a response cache. getAnswer and streamAnswer look up a key (SHA-256 of
 *  canonical JSON of provider, model, namespace, messages and parameters, never a key or
 *  token), answer from the store within the TTL, and otherwise call the model and store what
 *  it answered (not errors, not aborted or unfinished streams, not what `cacheable`
 *  refuses) before the call ends for its callers (so the next identical call hits, and a
 *  Worker's write completes within its request). Identical calls in flight in this isolate share one upstream call; a stream
 *  joined late still gets every chunk from the first. Everything else is the model's own.
 *  Throws LLMError "invalid_input" for a bad store or option. */
export declare function withCache<T extends AnyLLM>(llm: T, options?: CacheOptions): CachedLLM<T>;

/** A namespace for `withCache` from a createLLM config: provider, model, endpoint URLs
 *  (origin and path), deployment, API version and style, region and model ids of the primary
 *  and each backup; never keys, tokens, credentials, headers or URL queries. */
export declare function cacheNamespace(config: ModelConfig | Record<string, unknown>): string;

/** JSON with every object's keys sorted (the text keys are hashed from). Throws for
 *  non-finite numbers. */
export declare function canonicalJSON(value: unknown): string;
