// A Cloudflare Worker with a response cache: POST /chat { "prompt": "..." } streams the answer
// as text/event-stream; an identical prompt within ten minutes is replayed from the cache
// (the last event says cacheHit: true) without calling the model.
//   wrangler dev   (bindings: AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT, AZURE_OPENAI_KEY as
//                   a secret; optionally a KV namespace LLM_CACHE, otherwise caches.default)
// caches.default is per data center and does nothing on workers.dev; Workers KV is global
// (eventually consistent, about 60 s) and keeps entries at least 60 s.
import { createLLM, LLMError } from "llm-edge";
import { withCache, cacheApiStore, workersKvStore, cacheNamespace } from "llm-edge/cache";

let llm; // one per isolate: identical requests in flight in this isolate share one call

function model(env) {
  if (!llm) {
    const config = {
      provider: "azure",
      model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
      endpoint: env.AZURE_OPENAI_ENDPOINT,
      deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
      apiKey: env.AZURE_OPENAI_KEY,
      timeoutMs: 10_000,
    };
    const store = env.LLM_CACHE
      ? workersKvStore(env.LLM_CACHE)
      : cacheApiStore(caches.default, { baseUrl: env.CACHE_BASE_URL ?? "https://llm-cache.example.com/" }); // a host of your zone
    llm = withCache(createLLM(config), { store, ttlMs: 10 * 60_000, namespace: cacheNamespace(config), cacheable: (a) => !a.toolCalls });
  }
  return llm;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/chat") return new Response("POST /chat { prompt }\n", { status: 404 });
    const { prompt } = await request.json().catch(() => ({}));
    if (typeof prompt !== "string") return Response.json({ error: "prompt must be a string" }, { status: 400 });
    // The answer is stored before the stream ends, so the write finishes within this request.
    const stream = model(env).streamAnswer([{ role: "user", content: prompt }], { signal: request.signal });
    const encoder = new TextEncoder();
    const sse = new ReadableStream({
      async start(controller) {
        const send = (data, event) => controller.enqueue(encoder.encode(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`));
        try {
          for await (const chunk of stream) if (chunk.delta) send({ delta: chunk.delta });
          send({ done: true, cacheHit: stream.cacheHit, coalesced: stream.coalesced, endpoint: stream.endpoint });
        } catch (e) {
          send(e instanceof LLMError ? { code: e.code, message: e.message, hint: e.hint } : { code: "internal", message: String(e) }, "error");
        }
        controller.close();
      },
    });
    return new Response(sse, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  },
};
