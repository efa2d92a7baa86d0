#!/usr/bin/env node
// llm-edge/cache in front of a model: the same question twice (the second from the cache,
// no request sent), a streamed answer replayed chunk for chunk, and five identical calls at
// once sharing one request.
//   AZURE_OPENAI_ENDPOINT=... AZURE_OPENAI_DEPLOYMENT=... AZURE_OPENAI_KEY=... node examples/cache/cache.mjs "Why is the sky blue?"
// Without AZURE_OPENAI_ENDPOINT it starts the repository's Azure emulator and asks that.
import { createLLM } from "llm-edge";
import { withCache, memoryStore, cacheNamespace } from "llm-edge/cache";

const question = process.argv.slice(2).join(" ") || "Why is the sky blue?";
const env = process.env;
let emu;
if (!env.AZURE_OPENAI_ENDPOINT) {
  const { startEmulator } = await import("../../tests/emulator/emulator.mjs");
  emu = await startEmulator();
  Object.assign(env, { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" });
}
let requests = 0; // what reached the network
const config = {
  provider: "azure",
  model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
  endpoint: env.AZURE_OPENAI_ENDPOINT,
  deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
  apiKey: env.AZURE_OPENAI_KEY,
  fetch: (url, init) => (requests++, fetch(url, init)),
};
const llm = withCache(createLLM(config), {
  store: memoryStore({ maxBytes: 16 << 20 }), // least recently used first past 16 MiB
  ttlMs: 10 * 60_000,
  namespace: cacheNamespace(config), // endpoint and deployment, never the key
  cacheable: (answer) => !answer.toolCalls, // keep tool calls out
  onCacheHit: (e) => console.log(`  (onCacheHit: ${e.stream ? "stream" : "answer"}, ${e.coalesced ? "shared a call in flight" : `stored ${e.ageMs} ms ago`})`),
});
const messages = [{ role: "user", content: question }];
const ms = (t0) => `${(performance.now() - t0).toFixed(1)} ms`;

let t0 = performance.now();
const first = await llm.getAnswer(messages, {}, { maxTokens: 200 });
console.log(`miss: ${first.content} [${ms(t0)}, cacheHit ${first.cacheHit}, requests so far ${requests}]`);
t0 = performance.now();
const second = await llm.getAnswer(messages, {}, { maxTokens: 200 });
console.log(`hit:  ${second.content} [${ms(t0)}, cacheHit ${second.cacheHit}, requests so far ${requests}]`);

// Streams are recorded as they stream and replayed with the same chunks.
const recorded = [];
for await (const c of llm.streamAnswer(messages, {}, { maxTokens: 200 })) recorded.push(c);
const replay = llm.streamAnswer(messages, {}, { maxTokens: 200 });
const replayed = [];
for await (const c of replay) replayed.push(c);
const same = JSON.stringify(replayed.map(({ cacheHit, ...c }) => c)) === JSON.stringify(recorded);
console.log(`stream: ${recorded.length} chunks recorded; replay: ${replayed.length} chunks, cacheHit ${replay.cacheHit}, chunk for chunk equal: ${same}; requests so far ${requests}`);

// Identical calls in flight at once share one request (single flight); ctx.cache: false skips the cache.
const before = requests;
const five = await Promise.all(Array.from({ length: 5 }, () => llm.getAnswer([{ role: "user", content: `${question} (at once)` }])));
console.log(`single flight: ${five.length} identical calls, ${requests - before} request, ${five.filter((a) => a.coalesced).length} shared it`);
await llm.getAnswer(messages, { cache: false });
console.log(`ctx.cache false: requests so far ${requests}`);
await emu?.close();
