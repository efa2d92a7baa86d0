// The platform layer (issue 13): what telemetry hooks cost per call, non-streamed and
// streamed, against the local emulator; and the harness for the two measures other work
// provides (a cache hit vs a direct call, the shared-health lookup), which report
// placeholders until given the wrapped models. A section of bench/run.mjs.
import { createLLM, toOpenTelemetry } from "../pkg/node.js";

const KEY = "bench-key";
const user = (content) => [{ role: "user", content }];
const STREAM_WORDS = 20;

/** One call of a kind on any model with the contract's methods: resolves to its text. */
export const calls = {
  async answer(llm) {
    return (await llm.getAnswer(user("small"))).content;
  },
  async stream(llm) {
    let text = "";
    for await (const c of llm.streamAnswer(user(`[[words:${STREAM_WORDS}]]`))) text += c.delta;
    return text;
  },
};
const expected = { answer: "You said: small", stream: Array.from({ length: STREAM_WORDS }, (_, i) => `w${i} `).join("") };

/** Per-call latency of several models doing the same call: `n` calls each, in interleaved
 *  blocks of `block` (so drift in the machine's load hits every model alike); medians. */
export async function comparePerCall(models, call, { n, block, median }) {
  const lat = Object.fromEntries(Object.keys(models).map((k) => [k, []]));
  for (const llm of Object.values(models)) await call(llm); // warm-up
  for (let done = 0; done < n; done += block) {
    for (const [name, llm] of Object.entries(models)) {
      for (let i = 0; i < block; i++) {
        const t0 = performance.now();
        await call(llm);
        lat[name].push(performance.now() - t0);
      }
    }
  }
  return Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, median(v)]));
}

/** A cache hit vs a direct call: `cached` is a model (any object with getAnswer/streamAnswer)
 *  whose cache the warm-up call fills, so every timed call of the same request is a hit;
 *  `direct` is the same model without the cache. Returns medians per kind of call. */
export async function measureCacheHit({ direct, cached }, opts) {
  return { answer: await comparePerCall({ direct, "cache hit": cached }, calls.answer, opts), stream: await comparePerCall({ direct, "cache hit": cached }, calls.stream, opts) };
}

/** The shared-health lookup: `shared` is the model configured with shared endpoint health
 *  (its store in this process, e.g. a Durable Object stub or Deno KV behind the interface),
 *  `direct` the same model with the in-isolate default. */
export async function measureSharedHealth({ direct, shared }, opts) {
  return { answer: await comparePerCall({ "in-isolate health": direct, "shared health": shared }, calls.answer, opts) };
}

function counting() {
  const n = { onRequest: 0, onAttempt: 0, onResponse: 0, onStreamEnd: 0, onError: 0 };
  const hooks = {};
  for (const k of Object.keys(n)) hooks[k] = () => void n[k]++;
  return { hooks, n };
}

/** A tracer that does what a real one must at least do: keep each span's attributes and events. */
function recordingTracer() {
  let spans = 0;
  return {
    get spans() {
      return spans;
    },
    startSpan(name, options) {
      spans++;
      const attrs = { ...options?.attributes };
      const events = [];
      return { setAttribute: (k, v) => void (attrs[k] = v), addEvent: (e, a) => void events.push([e, a]), setStatus() {}, end() {} };
    },
  };
}

/** `wrapped` (optional): { cache: { direct, cached }, health: { direct, shared } } — models
 *  from the response-cache and shared-health work; without them those rows are placeholders. */
export async function benchPlatform({ quick, check, median, fmt, emuUrl, wrapped = {} }) {
  const base = { provider: "azure", model: "gpt-4o", endpoint: emuUrl, deploymentName: "gpt-4o", apiKey: KEY };
  const count = counting();
  const tracer = recordingTracer();
  const models = {
    "no hooks": createLLM(base),
    // A control: a second model exactly like the first; what it "adds" is the run's noise.
    "no hooks (identical control)": createLLM(base),
    "five hooks (counters)": createLLM({ ...base, hooks: count.hooks }),
    "toOpenTelemetry (recording tracer)": createLLM({ ...base, hooks: toOpenTelemetry(tracer) }),
  };
  const n = quick ? 30 : 1000;
  const block = quick ? 10 : 100;
  const md = [];
  const summary = {};
  for (const [kind, call] of Object.entries(calls)) {
    for (const [name, llm] of Object.entries(models)) check(`platform: ${name}: a ${kind === "answer" ? "non-streamed" : "streamed"} call answers`, (await call(llm)) === expected[kind]);
  }
  const before = { ...count.n };
  const spans0 = tracer.spans;
  const med = {};
  for (const [kind, call] of Object.entries(calls)) med[kind] = await comparePerCall(models, call, { n, block, median });
  // Every call was seen, each once: warm-ups included, n + 1 calls of each kind.
  const d = Object.fromEntries(Object.keys(count.n).map((k) => [k, count.n[k] - before[k]]));
  check("platform: the counting hooks saw every call (onRequest, onAttempt per call, onResponse per answer, onStreamEnd per stream, no onError)", d.onRequest === 2 * (n + 1) && d.onAttempt === 2 * (n + 1) && d.onResponse === n + 1 && d.onStreamEnd === n + 1 && d.onError === 0, JSON.stringify(d));
  check("platform: toOpenTelemetry started one span per call", tracer.spans - spans0 === 2 * (n + 1), tracer.spans - spans0);
  md.push("## Platform: per-call overhead (issue 13)", "");
  md.push(`bench/platform.mjs, against the emulator, default entry (\`llm-edge\`), Azure provider. ${n} sequential calls per model and kind, in interleaved blocks of ${block}; medians, and what each adds over the same model without hooks. Non-streamed: a small answer; streamed: ${STREAM_WORDS} chunks. The counters check that every hook ran for every call.`, "");
  md.push("### Telemetry hooks", "", "| model | answer, median ms | added (µs) | stream, median ms | added (µs) |", "|---|---|---|---|---|");
  for (const name of Object.keys(models)) {
    const add = (kind) => (name === "no hooks" ? "—" : fmt((med[kind][name] - med[kind]["no hooks"]) * 1000, 0));
    md.push(`| ${name} | ${fmt(med.answer[name], 3)} | ${add("answer")} | ${fmt(med.stream[name], 3)} | ${add("stream")} |`);
  }
  const noise = Math.max(...Object.keys(calls).map((k) => Math.abs(med[k]["no hooks (identical control)"] - med[k]["no hooks"]) * 1000));
  md.push("", `The control row is a second model identical to the first: its difference (up to ${fmt(noise, 0)} µs here) is this run's noise, and added times below it are not resolved.`, "");
  summary.hooks = med;
  // Loose: hooks must not double the cost of a call.
  check("platform: hooks add less than the call itself (loose bound)", med.answer["five hooks (counters)"] < 2 * med.answer["no hooks"] && med.stream["five hooks (counters)"] < 2 * med.stream["no hooks"], JSON.stringify(med));

  md.push("### Response cache and shared health", "");
  const opts = { n, block, median };
  if (wrapped.cache) {
    const r = await measureCacheHit(wrapped.cache, opts);
    md.push("| call | direct, median ms | cache hit, median ms |", "|---|---|---|", `| answer | ${fmt(r.answer.direct, 3)} | ${fmt(r.answer["cache hit"], 3)} |`, `| stream | ${fmt(r.stream.direct, 3)} | ${fmt(r.stream["cache hit"], 3)} |`, "");
    summary.cache = r;
  } else {
    md.push("- **Cache hit vs a direct call: placeholder, not measured.** The response cache is being built separately; `measureCacheHit({ direct, cached }, opts)` in bench/platform.mjs measures it once `benchPlatform` is given `wrapped.cache`.");
  }
  if (wrapped.health) {
    const r = await measureSharedHealth(wrapped.health, opts);
    md.push("", "| call | in-isolate health, median ms | shared health, median ms |", "|---|---|---|", `| answer | ${fmt(r.answer["in-isolate health"], 3)} | ${fmt(r.answer["shared health"], 3)} |`, "");
    summary.health = r;
  } else {
    md.push("- **Shared-health lookup: placeholder, not measured.** Shared endpoint health is being built separately; `measureSharedHealth({ direct, shared }, opts)` measures it once `benchPlatform` is given `wrapped.health`.", "");
  }
  return { md, summary };
}
