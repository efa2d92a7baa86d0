// llm-edge/cache: what a cache hit costs against a direct call, and what the cache adds to a
// miss, on the local emulator (a separate process, Azure path), in one run. Per call, median
// of interleaved rounds; the ratios are what to read (the absolute times are this machine's).
//   node --expose-gc bench/cache.mjs            ~20 s
//   node --expose-gc bench/cache.mjs --quick    a few rounds: checks it runs, not timings
// Prints a table and "N passed, M failed" for its checks (hits sent nothing, same text).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLLM } from "../pkg/node.js";
import { withCache, memoryStore } from "../pkg/cache.js";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 15;
const PER_ROUND = QUICK ? 5 : 40;
const WORDS = 50; // answer length: 50 words, one stream chunk each
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const KEY = "bench-key";

const emu = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [path.join(root, "tests/emulator/emulator.mjs"), "--port", "0", "--key", KEY], { stdio: ["ignore", "pipe", "inherit"] });
  child.stdout.on("data", (d) => {
    const m = /http:\/\/127\.0\.0\.1:\d+/.exec(String(d));
    if (m) resolve({ url: m[0], kill: () => child.kill() });
  });
  child.on("error", reject);
});

let sent = 0;
const counting = (url, init) => {
  sent++;
  return fetch(url, init);
};
const config = { provider: "azure", model: "gpt-4.1-mini", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, fetch: counting };
const direct = createLLM(config);
const cached = withCache(createLLM(config), { store: memoryStore({ maxBytes: 64 << 20 }) });
const user = (content) => [{ role: "user", content }];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function drain(stream) {
  let text = "";
  for await (const c of stream) text += c.delta;
  return text;
}

const checks = [];
const check = (name, ok, detail = "") => {
  checks.push(ok);
  console.log(`${ok ? "ok" : "not ok"} - bench cache: ${name}${ok ? "" : ` (${detail})`}`);
};

// Warm up both paths (the wasm, the connection pool, the JIT), and fill the cache.
const hitPrompt = `cached question [[words:${WORDS}]]`;
let unique = 0;
const fresh = () => `fresh question ${unique++} [[words:${WORDS}]]`;
for (let i = 0; i < 20; i++) {
  await direct.getAnswer(user(fresh()));
  await cached.getAnswer(user(fresh()));
  await drain(direct.streamAnswer(user(fresh())));
  await drain(cached.streamAnswer(user(fresh())));
}
const reference = await cached.getAnswer(user(hitPrompt));
const referenceStream = await drain(cached.streamAnswer(user(hitPrompt)));

/** Per-call times (ms) of `f` over one round. */
async function round(f) {
  globalThis.gc?.();
  const t0 = performance.now();
  for (let i = 0; i < PER_ROUND; i++) await f();
  return (performance.now() - t0) / PER_ROUND;
}

const cases = {
  "getAnswer, direct": () => direct.getAnswer(user(fresh())),
  "getAnswer, cache miss": () => cached.getAnswer(user(fresh())),
  "getAnswer, cache hit": () => cached.getAnswer(user(hitPrompt)),
  "streamAnswer, direct": () => drain(direct.streamAnswer(user(fresh()))),
  "streamAnswer, cache miss": () => drain(cached.streamAnswer(user(fresh()))),
  "streamAnswer, cache hit (replay)": () => drain(cached.streamAnswer(user(hitPrompt))),
  // The key alone (canonical JSON + SHA-256 through crypto.subtle): part of every hit and miss.
  "key": () => cached.cache.key(user(hitPrompt)),
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const sentBy = Object.fromEntries(Object.keys(cases).map((k) => [k, 0]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, f] of Object.entries(cases)) {
    const before = sent;
    times[name].push(await round(f));
    sentBy[name] += sent - before;
  }
}
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));

check("cache hits sent no request", sentBy["getAnswer, cache hit"] === 0 && sentBy["streamAnswer, cache hit (replay)"] === 0, JSON.stringify(sentBy));
check("every direct call and miss sent one request", ["getAnswer, direct", "getAnswer, cache miss", "streamAnswer, direct", "streamAnswer, cache miss"].every((k) => sentBy[k] === ROUNDS * PER_ROUND), JSON.stringify(sentBy));
const again = await cached.getAnswer(user(hitPrompt));
check("a hit answers the stored text", again.cacheHit === true && again.content === reference.content);
check("a replay streams the stored text", (await drain(cached.streamAnswer(user(hitPrompt)))) === referenceStream);

const rows = [
  ["getAnswer", m["getAnswer, direct"], m["getAnswer, cache miss"], m["getAnswer, cache hit"]],
  ["streamAnswer", m["streamAnswer, direct"], m["streamAnswer, cache miss"], m["streamAnswer, cache hit (replay)"]],
];
console.log(`\nllm-edge/cache, ${WORDS}-word answers from the emulator on 127.0.0.1, ${ROUNDS} rounds × ${PER_ROUND} calls, Node ${process.versions.node}; per call, median of rounds:\n`);
console.log("| call | direct | cache miss | cache hit | hit ÷ direct | miss ÷ direct |");
console.log("|---|---|---|---|---|---|");
for (const [name, d, miss, hit] of rows) {
  console.log(`| ${name} | ${d.toFixed(3)} ms | ${miss.toFixed(3)} ms | ${hit.toFixed(3)} ms | ${(hit / d).toFixed(3)} | ${(miss / d).toFixed(2)} |`);
}
console.log(`\nThe key alone (canonical JSON and crypto.subtle's SHA-256), part of every hit and miss: ${m.key.toFixed(3)} ms.\n`);
emu.kill();
const failed = checks.filter((ok) => !ok).length;
console.log(`${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
