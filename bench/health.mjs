// The per-call cost of llm-edge/health's shared-health lookup: the same model (llm-edge/full)
// with and without withSharedHealth, in one process, rounds interleaved so drift hits both.
//   - "emulator": getAnswer against the local emulator over HTTP (what a call really costs);
//   - "in-process": getAnswer against a fetch that answers from memory (no network), which
//     leaves the library's own work, so the wrapper's share shows;
// each with a memory store and the default cache (500 ms: the store is read about twice a
// second), and with cacheMs: 0 (the store read before every call, waited for up to waitMs).
//   node --expose-gc bench/health.mjs [--calls N] [--rounds R]
import { createLLM } from "../pkg/full/node.js";
import { withSharedHealth, memoryStore } from "../pkg/health.js";
import { startEmulator } from "../tests/emulator/emulator.mjs";

const arg = (name, d) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const CALLS = arg("--calls", 400);
const ROUNDS = arg("--rounds", 5);
const emu = await startEmulator();
const user = [{ role: "user", content: "hi" }];
const ANSWER = JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: "gpt-4.1-mini", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
const inProcess = async () => new Response(ANSWER, { status: 200, headers: { "content-type": "application/json" } });

const base = (over) => ({ provider: "azure", model: "gpt-4.1-mini", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: "test-key", backups: [{ endpoint: emu.url, deploymentName: "gpt-4.1-mini" }], ...over });
const variants = {
  plain: (c) => createLLM(c),
  shared: (c) => withSharedHealth(createLLM(c), memoryStore()),
  "shared, cacheMs 0": (c) => withSharedHealth(createLLM(c), memoryStore(), { cacheMs: 0 }),
};

async function time(llm, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await llm.getAnswer(user);
  return ((performance.now() - t) * 1000) / n; // µs per call
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const out = {};
for (const [where, over] of [["emulator", {}], ["in-process", { fetch: inProcess }]]) {
  const models = Object.fromEntries(Object.entries(variants).map(([k, f]) => [k, f(base(over))]));
  for (const m of Object.values(models)) await time(m, 50); // warm-up
  const per = Object.fromEntries(Object.keys(models).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, m] of Object.entries(models)) {
      globalThis.gc?.();
      per[k].push(await time(m, CALLS));
    }
  }
  out[where] = Object.fromEntries(Object.entries(per).map(([k, xs]) => [k, Math.round(median(xs) * 10) / 10]));
}
await emu.close();

console.log(`# shared-health lookup, ${ROUNDS} rounds × ${CALLS} sequential getAnswer calls, median µs per call (Node ${process.version})`);
console.log("| where | plain | withSharedHealth (cacheMs 500) | added | cacheMs 0 (store read every call) | added |");
console.log("|---|---|---|---|---|---|");
for (const [where, r] of Object.entries(out)) {
  const p = r.plain;
  const d = (x) => `${(x - p).toFixed(1)} µs (${(((x - p) / p) * 100).toFixed(1)}%)`;
  console.log(`| ${where} | ${p} | ${r.shared} | ${d(r.shared)} | ${r["shared, cacheMs 0"]} | ${d(r["shared, cacheMs 0"])} |`);
}
console.log(JSON.stringify(out));
