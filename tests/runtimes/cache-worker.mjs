// llm-edge/cache inside workerd: GET /scenarios runs the cache scenarios with Workers KV
// (binding CACHE_KV) and the Cache API (caches.default) and returns their results.
import * as pkg from "../../pkg/workerd.js";
import * as cache from "../../pkg/cache.js";
import { runCacheScenarios } from "./cache-scenarios.mjs";

export default {
  async fetch(request, env) {
    const kv = cache.workersKvStore(env.CACHE_KV, { prefix: "cache-test:" });
    const results = await runCacheScenarios({
      pkg,
      cache,
      store: kv,
      label: "workerd Workers KV",
      emulatorUrl: env.EMULATOR_URL,
      extra: {
        // KV refuses expirationTtl under 60 s: the entry is written with 60 s, and the wrapper
        // (tested above) treats it as gone after its own TTL.
        "a 300 ms TTL is written with KV's minimum expirationTtl (60 s)": async ({ run }) => {
          await kv.put(`ttl-${run}`, "v", 300);
          const { keys } = await env.CACHE_KV.list({ prefix: `cache-test:ttl-${run}` });
          const left = keys[0].expiration - Date.now() / 1000;
          if (!(left > 55 && left <= 61)) throw new Error(`expiration in ${left} s`);
        },
        "delete removes an entry": async ({ run }) => {
          await kv.put(`del-${run}`, "v", 60_000);
          await kv.delete(`del-${run}`);
          if ((await kv.get(`del-${run}`)) !== undefined) throw new Error("still there");
        },
      },
    });
    const api = cache.cacheApiStore(caches.default, { baseUrl: "https://cache.llm-edge.test/llm/" });
    results.push(
      ...(await runCacheScenarios({
        pkg,
        cache,
        store: api,
        label: "workerd Cache API",
        emulatorUrl: env.EMULATOR_URL,
        extra: {
          "entries are GET responses under the base URL with Cache-Control max-age": async ({ run }) => {
            await api.put(`k-${run}`, "{\"x\":1}", 1500);
            const r = await caches.default.match(`https://cache.llm-edge.test/llm/k-${run}`);
            if (!r) throw new Error("no entry at the synthetic URL");
            const cc = r.headers.get("cache-control");
            if (cc !== "max-age=2") throw new Error(`cache-control ${cc}`);
            if ((await r.text()) !== "{\"x\":1}") throw new Error("body");
            await api.delete(`k-${run}`);
            if ((await api.get(`k-${run}`)) !== undefined) throw new Error("delete left it");
          },
        },
      })),
    );
    return Response.json(results);
  },
};
