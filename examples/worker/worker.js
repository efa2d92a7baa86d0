// A Cloudflare Worker that answers POST /chat { "prompt": "..." } with the model's answer
// streamed as text/event-stream, failing over from the primary to a backup endpoint.
//   wrangler dev   (bindings: AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_BACKUP_ENDPOINT,
//                   AZURE_OPENAI_DEPLOYMENT, AZURE_OPENAI_KEY as a secret)
import { createLLM, LLMError } from "llm-edge";

let llm; // one model per isolate: its circuit breaker and latency figures persist across requests

function model(env) {
  llm ??= createLLM({
    provider: "azure",
    model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
    endpoint: env.AZURE_OPENAI_ENDPOINT,
    deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
    apiKey: env.AZURE_OPENAI_KEY,
    backups: env.AZURE_OPENAI_BACKUP_ENDPOINT ? [{ endpoint: env.AZURE_OPENAI_BACKUP_ENDPOINT }] : [],
    timeoutMs: 10_000,
    idleTimeoutMs: 20_000,
  });
  return llm;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/chat") return new Response("POST /chat { prompt }\n", { status: 404 });
    const { prompt } = await request.json().catch(() => ({}));
    if (typeof prompt !== "string") return Response.json({ error: "prompt must be a string" }, { status: 400 });
    // The client going away aborts the upstream request too.
    const stream = model(env).streamAnswer([{ role: "user", content: prompt }], { signal: request.signal });
    const encoder = new TextEncoder();
    const sse = new ReadableStream({
      async start(controller) {
        try {
          for await (const chunk of stream) {
            if (chunk.delta) controller.enqueue(encoder.encode(`data: ${JSON.stringify({ delta: chunk.delta })}\n\n`));
          }
          controller.enqueue(encoder.encode(`data: ${JSON.stringify({ done: true, endpoint: stream.endpoint, attempts: stream.attempts })}\n\n`));
        } catch (e) {
          const error = e instanceof LLMError ? { code: e.code, message: e.message, hint: e.hint } : { code: "internal", message: String(e) };
          controller.enqueue(encoder.encode(`event: error\ndata: ${JSON.stringify(error)}\n\n`));
        }
        controller.close();
      },
    });
    return new Response(sse, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  },
};
