// Load test: many concurrent streams across three emulator endpoints (separate processes)
// with a share of requests faulted. Every stream must either complete with exactly its
// own text or end with a typed LLMError whose partialContent is a prefix of its own text;
// memory must stay steady from wave to wave.
//   node --expose-gc tests/load/load.mjs [--streams 1000] [--waves 3] [--fault-rate 0.1] [--provider azure|openai]
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { createLLM, LLMError } from "../../pkg/node.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const STREAMS = arg("--streams", 1000);
const WAVES = arg("--waves", 3);
const FAULT_RATE = arg("--fault-rate", 0.1);
const WORDS = arg("--words", 30);
const PROVIDER = process.argv.includes("--provider") ? process.argv[process.argv.indexOf("--provider") + 1] : "azure";
const CODES = new Set(["invalid_input", "unsupported_operation", "token_limit_exceeded", "authentication", "permission_denied", "not_found", "rate_limited", "bad_request", "content_filter", "service_unavailable", "timeout", "connection", "parse", "aborted", "all_endpoints_failed"]);
const here = path.dirname(fileURLToPath(import.meta.url));

function startEndpoint(seed) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, "../emulator/emulator.mjs"), "--port", "0", "--fault-rate", String(FAULT_RATE), "--seed", String(seed), "--key", "load-key"], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", (d) => {
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(String(d));
      if (m) resolve({ url: m[0], child });
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

const endpoints = await Promise.all([11, 22, 33].map(startEndpoint));
// The same executor serves both providers; only how an endpoint is addressed differs.
const ep = (e) => (PROVIDER === "openai" ? { baseURL: `${e.url}/v1` } : { endpoint: e.url });
const llm = createLLM({
  ...(PROVIDER === "openai" ? { provider: "openai", model: "gpt-4o" } : { provider: "azure", model: "gpt-4o", deploymentName: "gpt-4o" }),
  apiKey: "load-key",
  ...ep(endpoints[0]), backups: endpoints.slice(1).map(ep),
  loadBalancing: "round-robin", streamFailover: "continue", timeoutMs: 1500, idleTimeoutMs: 1500,
  // Faults here are random per request, not dead endpoints: keep circuits closed.
  circuitBreaker: { failures: 1000 },
});

const mb = (b) => (b / 1048576).toFixed(1);
const gc = () => globalThis.gc?.();
const failures = [];
const rows = [];
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

for (let wave = 1; wave <= WAVES; wave++) {
  const t0 = performance.now();
  const outcome = { completed: 0, errors: {}, failedOver: 0, continued: 0 };
  const durations = [];
  await Promise.all(
    Array.from({ length: STREAMS }, async (_, i) => {
      const words = Array.from({ length: WORDS }, (_, k) => `s${wave}x${i}w${k}`).join(" ");
      const expected = `You said: ${words}`;
      const s0 = performance.now();
      const stream = llm.streamAnswer([{ role: "user", content: `${words} [[delay:2]]` }]);
      let text = "";
      try {
        for await (const c of stream) text += c.delta;
        if (text !== expected) failures.push(`wave ${wave} stream ${i}: got ${JSON.stringify(text.slice(0, 80))}…`);
        else outcome.completed++;
        if (stream.attempts.length > 1) outcome.failedOver++;
        if (stream.attempts.some((a) => a.status === 200 && a.errorCode)) outcome.continued++;
      } catch (e) {
        if (!(e instanceof LLMError) || !CODES.has(e.code)) failures.push(`wave ${wave} stream ${i}: untyped error ${e}`);
        else if (!expected.startsWith(text) || (e.partialContent ?? "") !== text) failures.push(`wave ${wave} stream ${i}: partial text is not its own prefix`);
        outcome.errors[e.code] = (outcome.errors[e.code] ?? 0) + 1;
      }
      durations.push(performance.now() - s0);
    }),
  );
  const took = performance.now() - t0;
  gc();
  durations.sort((a, b) => a - b);
  const row = { wave, streams: STREAMS, ms: Math.round(took), ...outcome, p50: Math.round(durations[Math.floor(durations.length / 2)]), p99: Math.round(durations[Math.floor(durations.length * 0.99)]), rssMB: mb(process.memoryUsage().rss), heapMB: mb(process.memoryUsage().heapUsed) };
  rows.push(row);
  console.log(JSON.stringify(row));
}
clearInterval(sampler);
for (const e of endpoints) e.child.kill();

console.log(`\nload: ${WAVES} waves × ${STREAMS} concurrent streams, ${WORDS} words each, ${FAULT_RATE * 100}% of requests faulted (503, 500, refused, reset mid-stream, stalled headers) across 3 endpoints`);
console.table(rows);
console.log(`peak RSS ${mb(peakRss)} MB`);
const growth = Number(rows.at(-1).heapMB) - Number(rows[Math.min(1, rows.length - 1)].heapMB);
if (failures.length) console.log(failures.slice(0, 20).join("\n"));
const memoryOk = growth < 20;
if (!memoryOk) console.log(`heap grew ${growth.toFixed(1)} MB from wave 2 to wave ${WAVES}`);
const total = rows.reduce((n, r) => n + r.completed + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
const ok = failures.length === 0 && memoryOk && total === STREAMS * WAVES;
console.log(`${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
