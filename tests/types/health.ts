// How a user writes against llm-edge/health's types: compiles under --strict.
import { createLLM } from "../../pkg/index";
import { withSharedHealth, memoryStore, durableObjectStore, denoKvStore, mergeHealth, HealthObject } from "../../pkg/health";
import type { HealthStore, SharedEndpointHealth, LocalEndpointHealth } from "../../pkg/health";

export async function shared(ns: { idFromName(n: string): unknown; get(id: unknown): { fetch(u: string, i?: RequestInit): Promise<Response> } }): Promise<string> {
  const llm = withSharedHealth(createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: "https://x.openai.azure.com", deploymentName: "d", apiKey: "k" }), durableObjectStore(ns), { cacheMs: 500, waitMs: 50, onStoreError: (e) => void e });
  const r = await llm.getAnswer([{ role: "user", content: "hi" }]);
  await llm.health.flush();
  const local: LocalEndpointHealth[] = llm.health.local();
  const view: Record<string, SharedEndpointHealth> = llm.health.view();
  const mine: HealthStore = { read: () => ({}), report: async () => {} };
  withSharedHealth(createLLM({ provider: "openai", model: "gpt-4o", baseURL: "http://127.0.0.1:8080/v1" }), mine);
  const m = memoryStore();
  const merged = mergeHealth(undefined, { id: "x", ok: false, failures: 1 }, { failures: 3 }, Date.now());
  void [local, view, m, merged.updatedAt, HealthObject, denoKvStore];
  return r.content;
}
