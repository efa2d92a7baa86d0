// llm-edge/health: endpoint health (circuit-breaker state and latency) shared across the
// isolates of an app through a store: a Durable Object on Cloudflare Workers, Deno KV on Deno
// Deploy, or memory within one isolate. Needs models from "llm-edge/full".

/** One endpoint as all isolates saw it. Times are epoch milliseconds. */
export interface SharedEndpointHealth {
  /** The circuit is open (calls skip the endpoint) until then; 0 when closed. */
  openUntil: number;
  /** Consecutive failures reported by all isolates since the last success. */
  failures: number;
  /** The last reported success (0: none). */
  okAt: number;
  /** The last reported failure (0: none). */
  failAt: number;
  /** Moving average of reported times to first byte, ms (0: none reported). */
  ttfbMs: number;
}

/** What one isolate reports about one endpoint since its last report. */
export interface HealthReport {
  /** The endpoint's health id: origin, base path and deployment or model. Never a secret. */
  id: string;
  /** At least one success came in (before the `failures` counted here). */
  ok: boolean;
  /** Failures after the last success (or since the last report, with no success). */
  failures: number;
  /** This isolate's own circuit for the endpoint is open until then (epoch ms). */
  openUntil?: number;
  /** This isolate's moving average of time to first byte, ms. */
  ttfbMs?: number;
}

/** The shared breaker's rule, sent with every report so all stores apply the same one. */
export interface HealthPolicy {
  /** Consecutive failures across all isolates that open a circuit. */
  failures: number;
  /** How long a circuit opened by the count stays open, ms. */
  cooldownMs: number;
  /** The longest any report may keep a circuit open, ms. */
  maxOpenMs: number;
}

/**
 * Where shared health lives. `key` names the endpoint set (its ids joined by "\n"): a store
 * may keep one object per set. Either method may return a promise; `signal` aborts when the
 * wrapper stops waiting. Both return the current records of (at least) the given ids.
 */
export interface HealthStore {
  read(key: string, ids: string[], signal?: AbortSignal): Promise<Record<string, SharedEndpointHealth>> | Record<string, SharedEndpointHealth>;
  report(key: string, reports: HealthReport[], policy: HealthPolicy, signal?: AbortSignal): Promise<Record<string, SharedEndpointHealth> | void> | Record<string, SharedEndpointHealth> | void;
}

export interface SharedHealthOptions {
  /** How long a pulled view serves calls before the store is asked again, ms. Default 500. */
  cacheMs?: number;
  /** The longest a call waits for a pull of a stale view, ms; 0: never wait (the pull runs in
   *  the background for later calls). Streams never wait. Default 50. */
  waitMs?: number;
  /** The longest a store operation may take before it counts as failed, ms. Default 1000. */
  timeoutMs?: number;
  /** After a store failure, how long calls use local state only, ms. Default 5000. */
  retryMs?: number;
  /** Consecutive failures across all isolates that open an endpoint's circuit. Default 3. */
  failures?: number;
  /** How long a shared circuit stays open, ms. Default 30000. */
  cooldownMs?: number;
  /** The longest any report may keep a circuit open, ms. Default 600000. */
  maxOpenMs?: number;
  /** Told of each store failure or timeout (calls are not). */
  onStoreError?: (error: unknown) => void;
}

/** This isolate's breaker state for one endpoint. */
export interface LocalEndpointHealth {
  id: string;
  /** How long the circuit stays open from now, ms (0: closed). */
  openMs: number;
  consecutiveFailures: number;
  /** Running counts since the model was made. */
  successes: number;
  failures: number;
  ttfbMs?: number;
}

export interface SharedHealthControl {
  /** Sends what is left to report and waits for every store operation under way. In a Worker:
   *  `ctx.waitUntil(llm.health.flush())`, so reports outlive the response. */
  flush(): Promise<void>;
  /** Pulls the shared view now and applies it. */
  refresh(): Promise<void>;
  /** The last pulled view, by endpoint id. */
  view(): Record<string, SharedEndpointHealth>;
  /** This isolate's breaker, per endpoint. */
  local(): LocalEndpointHealth[];
  /** The endpoints' health ids, in config order (primary first). */
  ids(): string[];
}

/**
 * `llm` with its endpoints' health shared through `store`: the same methods, plus `health`.
 * Throws an LLMError-shaped error (`code: "invalid_input"`, `hint`) for a model without the
 * breaker export (not from "llm-edge/full"), a store without read and report, or bad options.
 */
export function withSharedHealth<M extends object>(llm: M, store: HealthStore, options?: SharedHealthOptions): M & { health: SharedHealthControl };

/** The record after one report, under `policy`: the rule every store applies. */
export function mergeHealth(record: SharedEndpointHealth | undefined | null, report: HealthReport, policy: Partial<HealthPolicy> | undefined, now: number): SharedEndpointHealth & { updatedAt: number };

/** In-isolate store: shares health between the models of one isolate. */
export function memoryStore(): HealthStore;

/** Minimal shape of a Durable Object namespace binding. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: any): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** The client side of HealthObject, over its namespace binding (env.LLM_HEALTH). One object
 *  per endpoint set, or per `options.name`. */
export function durableObjectStore(namespace: DurableObjectNamespaceLike, options?: { name?: string }): HealthStore;

/**
 * The Durable Object class holding one endpoint set's shared health, strongly consistent.
 * Export it from your Worker and bind it as a durable object (class_name = "HealthObject").
 */
export class HealthObject {
  constructor(state: { storage: { get(keys: string[]): Promise<Map<string, unknown>>; put(entries: Record<string, unknown>): Promise<void> } }, env: unknown);
  fetch(request: Request): Promise<Response>;
}

/** Minimal shape of a Deno.Kv. */
export interface DenoKvLike {
  get(key: unknown[]): Promise<{ key: unknown[]; value: unknown; versionstamp: string | null }>;
  getMany(keys: unknown[][]): Promise<{ key: unknown[]; value: unknown; versionstamp: string | null }[]>;
  atomic(): any;
}

/** Deno KV store: one key per endpoint under `prefix` (default ["llm-edge", "health"]),
 *  compare-and-set on versionstamps, expiring `expireInMs` (default 10 minutes) after the last
 *  report. */
export function denoKvStore(kv: DenoKvLike, options?: { prefix?: unknown[]; expireInMs?: number }): HealthStore;
