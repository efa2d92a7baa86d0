// A Cloudflare Worker whose isolates share endpoint health: when one isolate sees the primary
// fail, the others skip it within about a second instead of each rediscovering the outage.
// POST /chat { "prompt": "..." } answers { content, endpoint, attempts }.
//   wrangler dev   (wrangler.toml binds LLM_HEALTH to the HealthObject class exported below)
import { createLLM, LLMError } from "llm-edge/full";
import { withSharedHealth, durableObjectStore, HealthObject } from "llm-edge/full/health";

// The Durable Object class must be exported from the Worker that wrangler.toml names.
export { HealthObject };

let llm; // one model per isolate: its own breaker is the fast path, the object is shared

function model(env) {
  llm ??= withSharedHealth(
    createLLM({
      provider: "azure",
      model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
      endpoint: env.AZURE_OPENAI_ENDPOINT,
      deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
      apiKey: env.AZURE_OPENAI_KEY,
      backups: [{ endpoint: env.AZURE_OPENAI_BACKUP_ENDPOINT }],
      timeoutMs: 10_000,
    }),
    durableObjectStore(env.LLM_HEALTH),
    // Views younger than 500 ms serve calls as they are; an older one is refreshed, waiting
    // at most 50 ms for the object (then the call goes on with this isolate's own state).
    { cacheMs: 500, waitMs: 50, timeoutMs: 1000 },
  );
  return llm;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/chat") return new Response("POST /chat { prompt }\n", { status: 404 });
    const { prompt } = await request.json().catch(() => ({}));
    if (typeof prompt !== "string") return Response.json({ error: "prompt must be a string" }, { status: 400 });
    const m = model(env);
    try {
      const answer = await m.getAnswer([{ role: "user", content: prompt }], { signal: request.signal });
      return Response.json({ content: answer.content, endpoint: answer.endpoint, attempts: answer.attempts });
    } catch (e) {
      const error = e instanceof LLMError ? { code: e.code, message: e.message, hint: e.hint, attempts: e.attempts } : { code: "internal", message: String(e) };
      return Response.json({ error }, { status: 502 });
    } finally {
      // Reports to the object outlive the response.
      ctx.waitUntil(m.health.flush());
    }
  },
};
