#!/usr/bin/env node
// toResponse: a Worker-style fetch handler (the shape Cloudflare Workers and `deno serve`
// call: `export default { fetch(request) }`) that returns a model's stream as a Response in
// one line: Server-Sent Events of the library's chunks (?format=sse, the default), of
// OpenAI's chat.completion.chunk objects (?format=openai, what the openai SDKs read) or the
// plain text (?format=text). A client that goes away cancels the model's request.
//   GET /?q=<question>&format=sse|openai|text
//
// Run with Node, it serves the handler with node:http on 127.0.0.1 (the adapter below turns
// Node's request into a Request and pipes the Response back):
//   node examples/tools/worker-response.mjs "Why is the sky blue?"   one request, printed, then exits
//   node examples/tools/worker-response.mjs --serve [--port 8788]    keeps serving: curl -N "http://127.0.0.1:8788/?q=hi"
// The model: AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT and AZURE_OPENAI_KEY (Node's
// process.env, or a Worker's env bindings); without them Node starts the repository's
// Azure emulator.
import http from "node:http";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createLLM, toResponse } from "llm-edge";

let llm; // one per isolate: created on the first request, reused by the next ones
function model(env) {
  llm ??= createLLM({
    provider: "azure",
    model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
    endpoint: env.AZURE_OPENAI_ENDPOINT,
    deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
    apiKey: env.AZURE_OPENAI_KEY,
  });
  return llm;
}

const handler = {
  async fetch(request, env) {
    env = env?.AZURE_OPENAI_ENDPOINT ? env : (globalThis.process?.env ?? {});
    const url = new URL(request.url);
    const q = url.searchParams.get("q");
    if (!q) return new Response("ask with ?q=<question>\n", { status: 400 });
    const format = url.searchParams.get("format") ?? "sse";
    if (!["sse", "openai", "text"].includes(format)) return new Response("format is sse, openai or text\n", { status: 400 });
    // request.signal ends when the client goes away; toResponse also cancels the stream then.
    const stream = model(env).streamAnswer([{ role: "user", content: q }], { signal: request.signal });
    return toResponse(stream, { format, headers: { "access-control-allow-origin": "*" } });
  },
};
export default handler;

/** Serves a fetch handler with node:http: Node's request → Request, Response → Node's response. */
export function serve(handler, { port = 0, env = process.env } = {}) {
  const server = http.createServer(async (req, res) => {
    const ac = new AbortController();
    res.on("close", () => ac.abort()); // the client left (or the answer is done)
    try {
      const request = new Request(new URL(req.url, `http://${req.headers.host}`), {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
        body: req.method === "GET" || req.method === "HEAD" ? undefined : Readable.toWeb(req),
        duplex: "half",
        signal: ac.signal,
      });
      const response = await handler.fetch(request, env);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body) return res.end();
      const reader = response.body.getReader();
      ac.signal.addEventListener("abort", () => reader.cancel().catch(() => {}));
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await new Promise((r) => res.once("drain", r));
      }
      res.end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e?.message ?? e));
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = (name) => args.indexOf(name);
  const keep = flag("--serve") >= 0;
  const port = flag("--port") >= 0 ? Number(args[flag("--port") + 1]) : keep ? 8788 : 0;
  const format = flag("--format") >= 0 ? args[flag("--format") + 1] : "sse";
  const question = args.filter((a, i) => !a.startsWith("--") && !["--port", "--format"].includes(args[i - 1])).join(" ") || "Hello from a Worker!";
  let emu;
  if (!process.env.AZURE_OPENAI_ENDPOINT) {
    const { startEmulator } = await import("../../tests/emulator/emulator.mjs");
    emu = await startEmulator();
    Object.assign(process.env, { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" });
  }
  const server = await serve(handler, { port });
  const base = `http://127.0.0.1:${server.address().port}`;
  console.log(`serving on ${base}`);
  if (!keep) {
    // One request, its body printed as it arrives.
    const res = await fetch(`${base}/?${new URLSearchParams({ q: question, format })}`);
    console.log(`${res.status} ${res.headers.get("content-type")}`);
    const dec = new TextDecoder();
    for await (const bytes of res.body) process.stdout.write(dec.decode(bytes, { stream: true }));
    process.stdout.write("\n");
    server.close();
    server.closeAllConnections();
    await llm?.close();
    await emu?.close();
  }
}
