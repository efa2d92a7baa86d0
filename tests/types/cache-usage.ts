// llm-edge/cache as a user writes against it, under --strict --exactOptionalPropertyTypes, in
// every project (DOM, Node types, ES2022 alone).
import { createLLM, toOpenTelemetry } from "../../pkg/index.js";
import type { TracerLike } from "../../pkg/index.js";
import { withCache, memoryStore, workersKvStore, denoKvStore, cacheApiStore, cacheNamespace } from "../../pkg/cache.js";
import type { CacheStore, CachedAnswer, CacheHitEvent, KVNamespaceLike, DenoKvLike, CacheLike } from "../../pkg/cache.js";

const config = { provider: "azure", model: "gpt-4.1-mini", endpoint: "https://x.openai.azure.com", deploymentName: "d", apiKey: "k" } as const;
const llm = withCache(createLLM(config), {
  store: memoryStore({ maxBytes: 1 << 20 }),
  ttlMs: 60_000,
  namespace: cacheNamespace(config),
  cacheable: (a) => !a.toolCalls,
  onCacheHit: (e: CacheHitEvent) => e.key.length,
  onStoreError: (_e, info) => info.operation,
});

// The wrapper's own telemetry: the same hooks as config.hooks (or an array of them).
export function traced(tracer: TracerLike) {
  return withCache(createLLM({ ...config, hooks: toOpenTelemetry(tracer) }), {
    hooks: [toOpenTelemetry(tracer), { onResponse: (e) => (e.cacheHit === true ? e.attempts?.length : e.callId), onStreamEnd: null }, null],
  });
}

export async function cached(): Promise<string> {
  const a: CachedAnswer = await llm.getAnswer([{ role: "user", content: "hi" }], { cache: { ttlMs: 5_000 }, timeoutMs: 1000 }, { maxTokens: 10 });
  const hit: boolean = a.cacheHit;
  let text = a.content;
  const s = llm.streamAnswer([{ role: "user", content: "hi" }], { cache: false });
  for await (const c of s) text += c.delta + (c.cacheHit ? "(cached)" : "");
  const usage = llm.usageTotals(); // the model's own methods stay
  const key: string | undefined = await llm.cache.key([{ role: "user", content: "hi" }]);
  await llm.cache.delete([{ role: "user", content: "hi" }], { maxTokens: 10 }, "stream");
  return `${text}${hit}${s.cacheHit}${s.coalesced}${usage.length}${key}${llm.metadata.modelName}`;
}

// Any object with the three methods is a store.
const mine: CacheStore = { get: async () => undefined, put: async () => {}, delete: async () => {} };
withCache(createLLM(config), { store: mine, optIn: true });
declare const kv: KVNamespaceLike;
declare const deno: DenoKvLike;
declare const cache: CacheLike;
export const stores: CacheStore[] = [workersKvStore(kv, { prefix: "p:" }), denoKvStore(deno, { prefix: ["c"] }), cacheApiStore(cache, { baseUrl: "https://cache.example.com/" })];
