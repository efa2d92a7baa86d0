// llm-edge/cache against the emulator, through the built package (pkg/cache.js over
// pkg/node.js and pkg/full/node.js models): hits and misses, what the key depends on, TTL,
// LRU eviction by bytes, single flight (answers and streams, late joiners, one caller
// leaving), stream replay chunk for chunk, what is never stored (errors, aborted and
// cancelled streams, answers `cacheable` refuses), bad input (typed errors, nothing sent),
// store failures, and no key anywhere in what the cache holds or reports.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { emulator, azure, user, collect, rejects, sleep, eventually, everythingAbout, KEY, LLMError, toOpenTelemetry } from "./helpers.mjs";
import { createLLM as createFull, LLMError as FullLLMError } from "../../pkg/full/node.js";
import { withCache, memoryStore, cacheNamespace, canonicalJSON, cacheApiStore, workersKvStore, denoKvStore } from "../../pkg/cache.js";
import * as fullCache from "../../pkg/full/cache.js";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());
beforeEach(() => emu.setFault(undefined));

/** Chat requests the emulator has seen so far. */
const sent = () => emu.requests.filter((r) => r.kind !== null).length;

/** A memory store that also logs every value written (to check what is stored). */
function spyStore(inner = memoryStore()) {
  const puts = [];
  const gets = [];
  return {
    puts,
    gets,
    inner,
    get: (k) => (gets.push(k), inner.get(k)),
    put: (k, v, ttl) => (puts.push({ key: k, value: v, ttlMs: ttl }), inner.put(k, v, ttl)),
    delete: (k) => inner.delete(k),
  };
}

/** Chunks without the hit marker, for chunk-for-chunk comparison. */
const unmarked = (chunks) => chunks.map(({ cacheHit, ...c }) => c);

test("getAnswer: a miss goes upstream and is stored; the same request then hits, with no request sent", async () => {
  const store = spyStore();
  const hits = [];
  const llm = withCache(azure(emu), { store, onCacheHit: (e) => hits.push(e) });
  const n = sent();
  const a = await llm.getAnswer(user("cache me [[words:4]]"), { requestId: "r-1", metadata: { tenant: "t" } });
  assert.equal(a.cacheHit, false);
  assert.equal(sent(), n + 1);
  assert.equal(store.puts.length, 1);
  assert.match(store.puts[0].key, /^[0-9a-f]{64}$/);
  const b = await llm.getAnswer(user("cache me [[words:4]]"), { requestId: "r-2", metadata: { tenant: "t" } });
  assert.equal(sent(), n + 1, "the hit sent nothing");
  assert.equal(b.cacheHit, true);
  assert.equal(b.content, a.content);
  assert.equal(b.finishReason, a.finishReason);
  assert.deepEqual(b.usage, a.usage);
  assert.equal(b.model, a.model);
  assert.equal(b.endpoint, a.endpoint);
  assert.deepEqual(b.attempts, [], "no attempt was made for a hit");
  assert.equal(typeof b.cachedAt, "number");
  assert.ok(b.latencyMs >= 0 && b.latencyMs < a.latencyMs + 1000);
  assert.equal(hits.length, 1);
  assert.deepEqual(
    { ...hits[0], latencyMs: 0, ageMs: 0 },
    { operation: "chat", stream: false, key: store.puts[0].key, namespace: undefined, provider: "azure", model: "gpt-4.1-mini", requestId: "r-2", metadata: { tenant: "t" }, coalesced: false, ageMs: 0, latencyMs: 0 },
  );
  // A hit hands out a copy: changing it does not change the next hit.
  b.content = "changed";
  assert.equal((await llm.getAnswer(user("cache me [[words:4]]"))).content, a.content);
});

test("the key: messages, params, defaults, namespace and the model change it; field order, ctx and the key do not", async () => {
  const store = spyStore();
  const llm = withCache(azure(emu), { store });
  const n = sent();
  await llm.getAnswer(user("key test"), {}, { maxTokens: 20, stop: ["x"] });
  await llm.getAnswer(user("key test"), { requestId: "other", timeoutMs: 5000, metadata: { a: "b" } }, { stop: ["x"], maxTokens: 20 }); // same request, other order and ctx
  assert.equal(sent(), n + 1);
  await llm.getAnswer(user("key test!"), {}, { maxTokens: 20, stop: ["x"] });
  await llm.getAnswer(user("key test"), {}, { maxTokens: 21, stop: ["x"] });
  await llm.getAnswer([{ role: "system", content: "be brief" }, ...user("key test")], {}, { maxTokens: 20, stop: ["x"] });
  assert.equal(sent(), n + 4);
  // Another wrapper on the same store: another namespace, another model, other defaults miss.
  await withCache(azure(emu), { store, namespace: "tenant-b" }).getAnswer(user("key test"), {}, { maxTokens: 20, stop: ["x"] });
  await withCache(azure(emu, { model: "gpt-4o", deploymentName: "gpt-4o" }), { store }).getAnswer(user("key test"), {}, { maxTokens: 20, stop: ["x"] });
  await withCache(azure(emu, { defaults: { topP: 0.5 } }), { store }).getAnswer(user("key test"), {}, { maxTokens: 20, stop: ["x"] });
  assert.equal(sent(), n + 7);
  // ... and the same model and namespace through a fresh wrapper hit (the key is not per wrapper).
  assert.equal((await withCache(azure(emu), { store }).getAnswer(user("key test"), {}, { maxTokens: 20, stop: ["x"] })).cacheHit, true);
  assert.equal(sent(), n + 7);
  // An answer is not a stream: each has its own entry.
  await collect(llm.streamAnswer(user("key test"), {}, { maxTokens: 20, stop: ["x"] }));
  assert.equal(sent(), n + 8);
  // The api key is in no key input: a model with another key shares the entry.
  const other = withCache(azure(emu, { apiKey: "sk-other" }), { store });
  assert.equal((await other.getAnswer(user("key test"), {}, { maxTokens: 20, stop: ["x"] })).cacheHit, true);
});

test("cacheNamespace: endpoint identity without keys, tokens, headers or URL queries", () => {
  const base = { provider: "azure", model: "gpt-4.1-mini", endpoint: "https://a.openai.azure.com", deploymentName: "mini", apiKey: KEY };
  const ns = cacheNamespace(base);
  assert.ok(!ns.includes(KEY));
  assert.equal(cacheNamespace({ ...base, apiKey: "another" }), ns);
  assert.equal(cacheNamespace({ ...base, getToken: () => "tok", headers: { "x-gateway-key": "gw-SECRET" } }), ns);
  assert.notEqual(cacheNamespace({ ...base, endpoint: "https://b.openai.azure.com" }), ns);
  assert.notEqual(cacheNamespace({ ...base, deploymentName: "mini-2" }), ns);
  assert.notEqual(cacheNamespace({ ...base, apiVersion: "2025-04-01-preview" }), ns);
  assert.notEqual(cacheNamespace({ ...base, backups: [{ endpoint: "https://c.openai.azure.com" }] }), ns);
  const q = cacheNamespace({ provider: "openai", model: "m", baseURL: "https://user:pw-SECRET@gw.example.com/v1?key=q-SECRET#frag", apiKey: KEY });
  assert.ok(!/SECRET|pw|frag/.test(q), q);
  assert.match(q, /https:\/\/gw\.example\.com\/v1/);
  assert.throws(() => cacheNamespace(null), (e) => e instanceof LLMError && e.code === "invalid_input" && Boolean(e.hint));
  // Canonical JSON: sorted keys at every depth; non-finite numbers refused.
  assert.equal(canonicalJSON({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  assert.throws(() => canonicalJSON({ t: NaN }));
});

test("streamAnswer: recorded as it streams, replayed chunk for chunk, the last chunk marked", async () => {
  const store = spyStore();
  const hits = [];
  const llm = withCache(azure(emu), { store, onCacheHit: (e) => hits.push(e) });
  const n = sent();
  const s1 = llm.streamAnswer(user("stream me [[words:12]] [[reasoning:3]]"), {}, { maxTokens: 100 });
  const first = await collect(s1);
  assert.equal(s1.cacheHit, false);
  assert.equal(s1.endpoint, emu.url);
  assert.equal(s1.attempts.length, 1);
  assert.deepEqual(s1.droppedParams, []);
  assert.ok(first.length >= 14, `${first.length} chunks`);
  assert.ok(first.some((c) => c.reasoningDelta) && first.some((c) => c.usage) && first.some((c) => c.finishReason === "stop"));
  assert.equal(sent(), n + 1);
  assert.equal(store.puts.length, 1);
  const s2 = llm.streamAnswer(user("stream me [[words:12]] [[reasoning:3]]"), {}, { maxTokens: 100 });
  assert.equal(s2.cacheHit, false, "not known before the lookup");
  // Read as a Web stream this time.
  const replay = [];
  const reader = s2.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    replay.push(value);
  }
  assert.equal(sent(), n + 1, "the replay sent nothing");
  assert.equal(s2.cacheHit, true);
  assert.equal(s2.endpoint, emu.url);
  assert.deepEqual(s2.attempts, []);
  assert.equal(replay.length, first.length);
  assert.deepEqual(unmarked(replay), first, "chunk for chunk equal");
  assert.equal(replay.at(-1).cacheHit, true);
  assert.ok(replay.slice(0, -1).every((c) => !("cacheHit" in c)));
  assert.equal(hits.length, 1);
  assert.equal(hits[0].stream, true);
  // The text adds up the same.
  assert.equal(replay.map((c) => c.delta).join(""), "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 ");
});

test("TTL: an entry past its TTL is a miss (a clock of the test's, and real time); ctx.cache.ttlMs overrides", async () => {
  let clock = 1_000_000;
  const now = () => clock;
  const llm = withCache(azure(emu), { ttlMs: 60_000, now, store: memoryStore({ now }) });
  const n = sent();
  await llm.getAnswer(user("ttl"));
  clock += 59_999;
  assert.equal((await llm.getAnswer(user("ttl"))).cacheHit, true);
  clock += 1;
  assert.equal((await llm.getAnswer(user("ttl"))).cacheHit, false, "expired at exactly ttlMs");
  assert.equal(sent(), n + 2);
  // Per call: this answer lives 10 ms of the test clock.
  await llm.getAnswer(user("ttl short"), { cache: { ttlMs: 10 } });
  clock += 9;
  assert.equal((await llm.getAnswer(user("ttl short"))).cacheHit, true);
  clock += 1;
  assert.equal((await llm.getAnswer(user("ttl short"))).cacheHit, false);
  // Streams too.
  await collect(llm.streamAnswer(user("ttl stream [[words:3]]"), { cache: { ttlMs: 100 } }));
  const hit = llm.streamAnswer(user("ttl stream [[words:3]]"));
  await collect(hit);
  assert.equal(hit.cacheHit, true);
  clock += 100;
  const miss = llm.streamAnswer(user("ttl stream [[words:3]]"));
  await collect(miss);
  assert.equal(miss.cacheHit, false);
  // Real time, default clocks.
  const real = withCache(azure(emu), { ttlMs: 400 });
  await real.getAnswer(user("ttl real"));
  assert.equal((await real.getAnswer(user("ttl real"))).cacheHit, true);
  await sleep(450);
  assert.equal((await real.getAnswer(user("ttl real"))).cacheHit, false);
});

test("TTL is the wrapper's own: a store that keeps entries longer (as Workers KV keeps them 60 s) still misses after ttlMs", async () => {
  let clock = 5_000_000;
  const map = new Map();
  const deletes = [];
  const forever = { get: async (k) => map.get(k), put: async (k, v) => void map.set(k, v), delete: async (k) => (deletes.push(k), map.delete(k)) };
  const llm = withCache(azure(emu), { store: forever, ttlMs: 1_000, now: () => clock });
  const n = sent();
  await llm.getAnswer(user("store keeps it"));
  clock += 999;
  assert.equal((await llm.getAnswer(user("store keeps it"))).cacheHit, true);
  clock += 1;
  assert.equal((await llm.getAnswer(user("store keeps it"))).cacheHit, false);
  assert.equal(sent(), n + 2);
  assert.equal(deletes.length, 1, "the expired entry was deleted from the store");
  // Streams too.
  await collect(llm.streamAnswer(user("store keeps it [[words:2]]")));
  clock += 1_000;
  const s = llm.streamAnswer(user("store keeps it [[words:2]]"));
  await collect(s);
  assert.equal(s.cacheHit, false);
});

test("memoryStore: LRU eviction by bytes, the bound always held", async () => {
  const store = memoryStore({ maxBytes: 2_200 });
  const llm = withCache(azure(emu), { store });
  // Each entry is ~600 bytes (key + a JSON answer with a 40-word content): three fit, four do not.
  for (let i = 0; i < 3; i++) await llm.getAnswer(user(`evict ${i} [[words:40]]`));
  assert.equal(store.size, 3);
  const per = store.bytes / 3;
  assert.ok(per > 560 && per < 730, `${per} bytes per entry`);
  // Touch 0: 1 is now the least recently used.
  assert.equal((await llm.getAnswer(user("evict 0 [[words:40]]"))).cacheHit, true);
  await llm.getAnswer(user("evict 3 [[words:40]]"));
  await llm.getAnswer(user("evict 4 [[words:40]]"));
  assert.ok(store.bytes <= 2_200, `${store.bytes} bytes`);
  assert.equal(store.size, 3);
  const n = sent();
  assert.equal((await llm.getAnswer(user("evict 0 [[words:40]]"))).cacheHit, true, "recently used stays");
  assert.equal((await llm.getAnswer(user("evict 4 [[words:40]]"))).cacheHit, true);
  assert.equal((await llm.getAnswer(user("evict 1 [[words:40]]"))).cacheHit, false, "least recently used went first");
  assert.equal(sent(), n + 1);
  // An entry larger than the whole store is not stored; the store still holds its bound.
  const big = memoryStore({ maxBytes: 500 });
  await big.put("k", "x".repeat(600), 1000);
  assert.equal(big.size, 0);
  // UTF-8 bytes, not code units.
  const u = memoryStore();
  await u.put("k", "é€😀", 1000);
  assert.equal(u.bytes, 1 + 2 + 3 + 4);
  // Many entries: bounded.
  const many = memoryStore({ maxBytes: 10_000 });
  for (let i = 0; i < 2_000; i++) await many.put(`key-${i}`, "v".repeat(100), 60_000);
  assert.ok(many.bytes <= 10_000 && many.size < 100, `${many.bytes} bytes, ${many.size} entries`);
  assert.equal(await many.get("key-1999"), "v".repeat(100));
  assert.equal(await many.get("key-0"), undefined);
});

test("maxEntryBytes: a larger answer is served but not stored", async () => {
  const store = spyStore();
  const llm = withCache(azure(emu), { store, maxEntryBytes: 2_000 });
  const a = await llm.getAnswer(user("large [[words:400]]"));
  assert.equal(a.content.split(" ").length, 401);
  const chunks = await collect(llm.streamAnswer(user("large stream [[words:400]]")));
  assert.ok(chunks.length > 400);
  assert.equal(store.puts.length, 0);
  await llm.getAnswer(user("small [[words:4]]"));
  assert.equal(store.puts.length, 1);
});

test("single flight: concurrent identical getAnswer calls share one upstream call", async () => {
  const hits = [];
  const llm = withCache(azure(emu), { onCacheHit: (e) => hits.push(e) });
  const n = sent();
  emu.setLatency(150);
  try {
    const all = await Promise.all(Array.from({ length: 8 }, () => llm.getAnswer(user("flight [[words:5]]"))));
    assert.equal(sent(), n + 1, "one request for eight calls");
    assert.deepEqual(all.map((a) => a.cacheHit), Array(8).fill(false));
    // Which caller goes first depends on when its key's digest finishes: count them.
    assert.deepEqual(all.map((a) => a.coalesced ?? false).sort(), [false, ...Array(7).fill(true)]);
    assert.ok(all.every((a) => a.content === all[0].content && a.endpoint === emu.url));
    assert.equal(new Set(all).size, 8, "each caller has its own object");
    assert.equal(hits.length, 7);
    assert.ok(hits.every((h) => h.coalesced === true && h.ageMs === undefined));
  } finally {
    emu.setLatency(0);
  }
  // Different requests in flight at once do not share.
  await Promise.all([llm.getAnswer(user("flight a")), llm.getAnswer(user("flight b"))]);
  assert.equal(sent(), n + 3);
});

test("single flight for streams: late joiners get every chunk from the first, equal to the first caller's", async () => {
  const llm = withCache(azure(emu));
  const n = sent();
  const prompt = user("stream flight [[words:10]] [[delay:20]]");
  const first = llm.streamAnswer(prompt);
  const it = first[Symbol.asyncIterator]();
  const head = [];
  for (let i = 0; i < 4; i++) head.push((await it.next()).value); // the first caller is 4 chunks in
  const late = llm.streamAnswer(prompt);
  const [rest, lateChunks] = await Promise.all([
    (async () => {
      const out = [];
      for (let r = await it.next(); !r.done; r = await it.next()) out.push(r.value);
      return out;
    })(),
    collect(late),
  ]);
  const all = [...head, ...rest];
  assert.equal(sent(), n + 1, "one request for both");
  assert.equal(lateChunks.length, all.length);
  assert.deepEqual(lateChunks, all);
  assert.equal(late.coalesced, true);
  assert.equal(first.coalesced, false);
  assert.equal(late.endpoint, emu.url);
  // And it was stored once: a third call is a hit.
  const third = llm.streamAnswer(prompt);
  assert.deepEqual(unmarked(await collect(third)), all);
  assert.equal(third.cacheHit, true);
  assert.equal(sent(), n + 1);
});

test("single flight: one caller leaving does not end the others' call; the last one leaving cancels it, and nothing is stored", async () => {
  const store = spyStore();
  const llm = withCache(azure(emu), { store });
  const n = sent();
  const prompt = user("leaving [[words:8]] [[delay:25]]");
  const ac = new AbortController();
  const a = llm.streamAnswer(prompt, { signal: ac.signal });
  const b = llm.streamAnswer(prompt);
  const aDone = (async () => {
    const got = [];
    try {
      for await (const c of a) {
        got.push(c);
        if (got.length === 2) ac.abort();
      }
    } catch (e) {
      return e;
    }
    return got;
  })();
  const [aErr, bChunks] = await Promise.all([aDone, collect(b)]);
  assert.ok(aErr instanceof LLMError && aErr.code === "aborted", String(aErr));
  assert.equal(bChunks.map((c) => c.delta).join(""), "w0 w1 w2 w3 w4 w5 w6 w7 ");
  assert.equal(sent(), n + 1);
  assert.equal(store.puts.length, 1, "the shared call finished and was stored");
  // Every caller gone mid-stream: the upstream request is cancelled and nothing is stored.
  const lone = llm.streamAnswer(user("abandoned [[words:20]] [[delay:20]]"));
  for await (const c of lone) if (c.delta === "w2 ") break;
  await eventually(() => emu.requests.at(-1).closedEarly === true);
  assert.equal(emu.requests.at(-1).closedEarly, true, "the request was cancelled");
  const ac2 = new AbortController();
  const p = llm.getAnswer(user("abandoned answer [[words:5]]"), { signal: ac2.signal });
  setTimeout(() => ac2.abort(), 20);
  emu.setLatency(300);
  try {
    assert.equal((await rejects(p)).code, "aborted");
  } finally {
    emu.setLatency(0);
  }
  await sleep(50);
  assert.equal(store.puts.length, 1, "neither the abandoned stream nor the aborted answer was stored");
  const again = llm.streamAnswer(user("abandoned [[words:20]] [[delay:20]]"));
  await collect(again);
  assert.equal(again.cacheHit, false);
});

test("a joiner's own timeoutMs ends its wait only", async () => {
  const llm = withCache(azure(emu));
  emu.setLatency(200);
  try {
    const a = llm.getAnswer(user("joiner timeout"));
    const b = llm.getAnswer(user("joiner timeout"), { timeoutMs: 30 });
    const e = await rejects(b);
    assert.equal(e.code, "timeout");
    assert.ok(e.hint);
    assert.equal((await a).content, "You said: joiner timeout");
  } finally {
    emu.setLatency(0);
  }
});

test("errors are never stored: a failed answer and a stream cut mid-way go upstream again", async () => {
  const store = spyStore();
  const llm = withCache(azure(emu), { store });
  emu.setFault("500", 1);
  const e = await rejects(llm.getAnswer(user("error once")));
  assert.ok(e instanceof LLMError);
  assert.equal(e.code, "service_unavailable");
  const n = sent();
  const ok = await llm.getAnswer(user("error once"));
  assert.equal(ok.cacheHit, false);
  assert.equal(sent(), n + 1);
  emu.setFault("reset-mid", 1, 2);
  const s = llm.streamAnswer(user("cut stream [[words:10]]"));
  const err = await rejects(collect(s));
  assert.ok(err instanceof LLMError, String(err));
  assert.ok(["connection", "parse", "service_unavailable", "all_endpoints_failed"].includes(err.code), err.code);
  const whole = llm.streamAnswer(user("cut stream [[words:10]]"));
  const chunks = await collect(whole);
  assert.equal(whole.cacheHit, false);
  assert.equal(chunks.map((c) => c.delta).join(""), "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 ");
  assert.equal(store.puts.length, 2, "only the two good answers");
  // Joiners of a failing call get the same error; nothing is stored.
  emu.setFault("503", 1);
  const both = await Promise.allSettled([llm.getAnswer(user("shared failure")), llm.getAnswer(user("shared failure"))]);
  assert.deepEqual(both.map((r) => r.status), ["rejected", "rejected"]);
  assert.deepEqual(both.map((r) => r.reason.code), ["service_unavailable", "service_unavailable"]);
  assert.equal(store.puts.length, 2);
});

test("cacheable: answers the caller marks uncacheable (tool calls) are not stored", async () => {
  const store = spyStore();
  const seen = [];
  const llm = withCache(azure(emu), { store, cacheable: (a) => (seen.push(a), !a.toolCalls) });
  const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { input: { type: "string" } } } } }];
  const n = sent();
  const a = await llm.getAnswer(user("use a tool"), {}, { tools });
  assert.equal(a.toolCalls[0].function.name, "lookup");
  await llm.getAnswer(user("use a tool"), {}, { tools });
  assert.equal(sent(), n + 2, "not stored, so asked again");
  // Streams: the predicate sees the tool calls assembled from the deltas.
  await collect(llm.streamAnswer(user("stream a tool"), {}, { tools }));
  const st = seen.at(-1);
  assert.equal(st.stream, true);
  assert.equal(st.toolCalls[0].function.name, "lookup");
  assert.equal(JSON.parse(st.toolCalls[0].function.arguments).input, "stream a tool");
  assert.equal(st.finishReason, "tool_calls");
  await collect(llm.streamAnswer(user("stream a tool"), {}, { tools }));
  assert.equal(sent(), n + 4);
  assert.equal(store.puts.length, 0);
  // Text answers pass the same predicate and are stored.
  await llm.getAnswer(user("plain text"));
  assert.equal(store.puts.length, 1);
  // A predicate that throws keeps the answer out, and the call still answers.
  const throwing = withCache(azure(emu), {
    store,
    cacheable: () => {
      throw new Error("boom");
    },
  });
  assert.equal((await throwing.getAnswer(user("throwing predicate"))).content, "You said: throwing predicate");
  assert.equal(store.puts.length, 1);
});

test("per call: ctx.cache false bypasses; optIn caches only calls that ask; refresh replaces the entry; the model never sees ctx.cache", async () => {
  const store = spyStore();
  const llm = withCache(azure(emu), { store });
  const n = sent();
  await llm.getAnswer(user("bypass"), { cache: false });
  await llm.getAnswer(user("bypass"), { cache: false });
  assert.equal(sent(), n + 2);
  assert.equal(store.puts.length, 0);
  assert.equal(store.gets.length, 0);
  const optIn = withCache(azure(emu), { store, optIn: true });
  await optIn.getAnswer(user("opt in"));
  await optIn.getAnswer(user("opt in"));
  assert.equal(store.puts.length, 0);
  await optIn.getAnswer(user("opt in"), { cache: true });
  assert.equal((await optIn.getAnswer(user("opt in"), { cache: { ttlMs: 1000 } })).cacheHit, true);
  assert.equal(store.puts.length, 1);
  assert.equal(store.puts[0].ttlMs, 5 * 60_000, "the default TTL");
  // refresh: no lookup, a fresh answer replaces the entry.
  const before = sent();
  const r = await llm.getAnswer(user("opt in"), { cache: { refresh: true, ttlMs: 2000 } });
  assert.equal(r.cacheHit, false);
  assert.equal(sent(), before + 1);
  assert.equal(store.puts.at(-1).ttlMs, 2000);
  // Streams with cache: false are the model's own.
  const s = llm.streamAnswer(user("bypass stream [[words:3]]"), { cache: false, requestId: "x-1" });
  await collect(s);
  assert.equal(s.cacheHit, undefined);
  assert.equal(emu.requests.at(-1).requestId, "x-1");
});

test("bad input: typed errors with hints, nothing sent, nothing stored", async () => {
  const store = spyStore();
  const llm = withCache(azure(emu), { store });
  const n = sent();
  for (const bad of [{ cache: "yes" }, { cache: { ttlMs: -1 } }, { cache: { ttlMs: NaN } }, { cache: { ttl: 5 } }, { cache: { refresh: "no" } }, { signal: "nope" }]) {
    const e = await rejects(llm.getAnswer(user("bad ctx"), bad));
    assert.ok(e instanceof LLMError, String(e));
    assert.equal(e.code, "invalid_input");
    assert.ok(e.hint, e.message);
    const se = await rejects(collect(llm.streamAnswer(user("bad ctx"), bad)));
    assert.equal(se.code, "invalid_input");
  }
  // What the model refuses, it refuses through the wrapper (a request that cannot be keyed,
  // or a bad one that can: never answered from the cache).
  assert.equal((await rejects(llm.getAnswer(user("bad params"), {}, { temperature: NaN }))).code, "invalid_input");
  assert.equal((await rejects(llm.getAnswer([{ role: "bogus", content: "x" }]))).code, "invalid_input");
  assert.equal((await rejects(llm.getAnswer(user("x"), {}, { bogus: 1 }))).code, "invalid_input");
  assert.equal((await rejects(collect(llm.streamAnswer(user("x"), {}, { bogus: 1 })))).code, "invalid_input");
  assert.equal((await rejects(llm.getAnswer(user("x"), { requestId: "bad\nid" }))).code, "invalid_input");
  assert.equal(sent(), n);
  assert.equal(store.puts.length, 0);
  // Bad options and stores.
  const refused = (f, re) =>
    assert.throws(f, (e) => {
      assert.ok(e instanceof LLMError && e.code === "invalid_input" && e.hint, String(e));
      assert.match(e.message, re);
      return true;
    });
  refused(() => withCache(azure(emu), { store: {} }), /not a cache store/);
  refused(() => withCache(azure(emu), { store: { get() {}, put() {} } }), /not a cache store/);
  refused(() => withCache(azure(emu), { store: null }), /not a cache store/);
  refused(() => withCache(azure(emu), { ttlMs: 0 }), /ttlMs/);
  refused(() => withCache(azure(emu), { ttl: 5 }), /options\.ttl is not an option/);
  refused(() => withCache(azure(emu), { cacheable: true }), /cacheable/);
  refused(() => withCache(azure(emu), { namespace: 5 }), /namespace/);
  refused(() => withCache(azure(emu), { maxEntryBytes: 1.5 }), /maxEntryBytes/);
  refused(() => withCache({ getAnswer() {} }), /not an LLM/);
  refused(() => memoryStore({ maxBytes: -1 }), /maxBytes/);
  refused(() => cacheApiStore({}), /not a Cache/);
  refused(() => cacheApiStore({ match() {}, put() {}, delete() {} }, { baseUrl: "ftp://x" }), /baseUrl/);
  refused(() => workersKvStore(undefined), /not a KV namespace/);
  refused(() => denoKvStore({ get() {} }), /not a Deno\.Kv/);
  // A closed model: calls go to the model, which refuses them (no answer from the cache).
  const closing = withCache(azure(emu), { store });
  await closing.getAnswer(user("then closed"));
  await closing.close();
  assert.equal((await rejects(closing.getAnswer(user("then closed")))).code, "invalid_input");
});

test("a failing store is a miss: the call is answered and onStoreError told", async () => {
  const errors = [];
  const broken = {
    get: async () => {
      throw new Error("store down");
    },
    put: () => {
      throw new Error("store full");
    },
    delete: async () => {},
  };
  const llm = withCache(azure(emu), { store: broken, onStoreError: (e, info) => errors.push([e.message, info.operation]) });
  assert.equal((await llm.getAnswer(user("broken store"))).content, "You said: broken store");
  const chunks = await collect(llm.streamAnswer(user("broken store stream [[words:3]]")));
  assert.equal(chunks.map((c) => c.delta).join(""), "w0 w1 w2 ");
  assert.deepEqual(errors, [["store down", "get"], ["store full", "put"], ["store down", "get"], ["store full", "put"]]);
  // Garbage in a store is a miss, not a crash.
  const garbage = { get: async () => "{not json", put: async () => {}, delete: async () => {} };
  assert.equal((await withCache(azure(emu), { store: garbage }).getAnswer(user("garbage"))).cacheHit, false);
  const wrongShape = { get: async () => JSON.stringify({ format: 1, kind: "answer", expiresAt: 1 }), put: async () => {}, delete: async () => {} };
  assert.equal((await withCache(azure(emu), { store: wrongShape }).getAnswer(user("expired long ago"))).cacheHit, false);
});

test("a hung store never holds a call: storeTimeoutMs, then a miss (or not stored), reported", async () => {
  const errors = [];
  const hung = { get: () => new Promise(() => {}), put: () => new Promise(() => {}), delete: async () => {} };
  const llm = withCache(azure(emu), { store: hung, storeTimeoutMs: 50, onStoreError: (e, info) => errors.push([e.code, info.operation]) });
  const t0 = Date.now();
  assert.equal((await llm.getAnswer(user("hung store"))).content, "You said: hung store");
  const took = Date.now() - t0;
  assert.ok(took >= 100 && took < 1000, `${took} ms`); // one get and one put, 50 ms each
  assert.deepEqual(errors, [["timeout", "get"], ["timeout", "put"]]);
  assert.throws(() => withCache(azure(emu), { storeTimeoutMs: 0 }), (e) => e.code === "invalid_input");
});

test("without crypto.subtle (a browser page on plain http) calls go to the model uncached", async () => {
  const store = spyStore();
  const llm = withCache(azure(emu), { store });
  const saved = Object.getOwnPropertyDescriptor(globalThis, "crypto");
  Object.defineProperty(globalThis, "crypto", { value: {}, configurable: true, writable: true });
  try {
    const n = sent();
    assert.equal((await llm.getAnswer(user("no subtle"))).content, "You said: no subtle");
    assert.equal((await collect(llm.streamAnswer(user("no subtle [[words:2]]")))).map((c) => c.delta).join(""), "w0 w1 ");
    await llm.getAnswer(user("no subtle"));
    assert.equal(sent(), n + 3);
    assert.equal(store.puts.length, 0);
  } finally {
    Object.defineProperty(globalThis, "crypto", saved);
  }
});

test("no key or token in anything the cache stores or reports", async () => {
  const store = spyStore();
  const events = [];
  const TOKEN = "entra-TOKEN-cache-77";
  const tokenEmu = await emulator({ tokens: [TOKEN] });
  try {
    const configs = [
      { provider: "azure", model: "gpt-4.1-mini", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY },
      { provider: "azure", model: "gpt-4.1-mini", endpoint: tokenEmu.url, deploymentName: "gpt-4.1-mini", getToken: async () => TOKEN },
    ];
    for (const [i, config] of configs.entries()) {
      const llm = withCache(createFull(config), { store, namespace: cacheNamespace(config), onCacheHit: (e) => events.push(e), onStoreError: (e) => events.push(e) });
      await llm.getAnswer(user("secret scan"));
      await llm.getAnswer(user("secret scan"));
      await collect(llm.streamAnswer(user("secret scan [[words:3]]")));
      await collect(llm.streamAnswer(user("secret scan [[words:3]]")));
      await Promise.all([llm.getAnswer(user("secret scan 2")), llm.getAnswer(user("secret scan 2"))]);
      [emu, tokenEmu][i].setFault("401", 1);
      const e = await rejects(llm.getAnswer(user("secret scan 3")));
      events.push(everythingAbout(e));
    }
    const everything = JSON.stringify([store.puts, store.gets, events]);
    assert.ok(store.puts.length >= 4);
    for (const secret of [KEY, TOKEN]) assert.ok(!everything.includes(secret), `${secret} leaked`);
  } finally {
    await tokenEmu.close();
  }
});

test("llm-edge/full models, and llm-edge/full/cache throwing full's LLMError", async () => {
  const full = createFull({ provider: "azure", model: "gpt-4.1-mini", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY });
  const llm = fullCache.withCache(full);
  const n = sent();
  await llm.getAnswer(user("full model"));
  assert.equal((await llm.getAnswer(user("full model"))).cacheHit, true);
  const s1 = await collect(llm.streamAnswer(user("full stream [[words:5]]")));
  const s2 = await collect(llm.streamAnswer(user("full stream [[words:5]]")));
  assert.deepEqual(unmarked(s2), s1);
  assert.equal(sent(), n + 2);
  assert.throws(() => fullCache.withCache(full, { store: 1 }), (e) => e instanceof FullLLMError && e.code === "invalid_input");
  // The model's other methods are its own: usage totals count the upstream calls only.
  const totals = llm.usageTotals();
  assert.equal(totals[0].requests, 2);
  assert.equal(llm.metadata.modelName, "gpt-4.1-mini");
  assert.equal(typeof llm.estimateTokens(user("hi")), "number");
  // The vision helper goes through the cache too.
  const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAcCBlCwAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));
  const v1 = await llm.getAnswerWithVision({ prompt: "what is it", images: [png] });
  const v2 = await llm.getAnswerWithVision({ prompt: "what is it", images: [png] });
  assert.equal(v1.cacheHit, false);
  assert.equal(v2.cacheHit, true);
  assert.equal(v2.content, v1.content);
});

test("a model written in JavaScript (duck-typed) is cached the same way", async () => {
  let calls = 0;
  const mine = {
    async getAnswer(messages) {
      calls++;
      return { content: `echo ${messages.at(-1).content}`, finishReason: "stop", usage: null, model: "mine", latencyMs: 1, endpoint: "local", attempts: [] };
    },
    streamAnswer(messages) {
      calls++;
      const parts = ["a", "b", "c"];
      return ReadableStream.from(parts.map((delta) => ({ delta })));
    },
  };
  const llm = withCache(mine, { namespace: "mine" });
  await llm.getAnswer(user("x"));
  assert.equal((await llm.getAnswer(user("x"))).content, "echo x");
  const s = await collect(llm.streamAnswer(user("x")));
  const r = await collect(llm.streamAnswer(user("x")));
  assert.deepEqual(unmarked(r), s);
  assert.equal(calls, 2);
});

// ---------------------------------------------------------------- telemetry (options.hooks)

/** A tracer with the duck-typed surface toOpenTelemetry uses, keeping everything it is given. */
function recordingTracer() {
  const spans = [];
  return {
    spans,
    startSpan(name, options) {
      const span = { name, attributes: { ...options?.attributes }, events: [], status: undefined, ended: 0 };
      spans.push(span);
      return {
        setAttribute: (k, v) => void (span.attributes[k] = v),
        addEvent: (n, attrs) => void span.events.push({ name: n, attributes: attrs }),
        setStatus: (s) => void (span.status = s),
        end: () => void span.ended++,
      };
    },
  };
}

test("hooks: toOpenTelemetry on the model and the wrapper: a miss's span has its attempts, a hit's span is marked with none; streams too; no key anywhere", async () => {
  const backup = await emulator();
  try {
    const tracer = recordingTracer();
    const events = [];
    const log = Object.fromEntries(["onRequest", "onResponse", "onStreamEnd", "onError", "onAttempt"].map((k) => [k, (e) => events.push([k, e])]));
    const config = { provider: "azure", model: "gpt-4.1-mini", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, backups: [{ endpoint: backup.url }] };
    const llm = withCache(createFull({ ...config, hooks: [toOpenTelemetry(tracer), log] }), { namespace: cacheNamespace(config), hooks: [toOpenTelemetry(tracer), log] });
    const n = sent();
    // The miss fails over (primary 503, then the backup): two attempts on its span.
    emu.setFault("503", 1);
    const a = await llm.getAnswer(user("traced [[words:3]]"), { requestId: "t-1" });
    assert.equal(a.cacheHit, false);
    assert.equal(a.attempts.length, 2);
    const b = await llm.getAnswer(user("traced [[words:3]]"), { requestId: "t-2", metadata: { tenant: "x" } });
    assert.equal(b.cacheHit, true);
    assert.equal(sent(), n + 1, "the hit sent nothing (the failover went to the backup emulator)");
    assert.equal(tracer.spans.length, 2, "one span per call");
    const [miss, hit] = tracer.spans;
    assert.ok(miss.ended === 1 && hit.ended === 1);
    assert.equal(miss.name, "chat gpt-4.1-mini");
    assert.equal(hit.name, "chat gpt-4.1-mini");
    assert.equal(miss.attributes["llm_edge.cache_hit"], undefined, "a miss is the model's own span");
    assert.equal(miss.events.length, 2);
    assert.deepEqual(miss.events.map((e) => e.attributes["llm_edge.attempt"]), [1, 2]);
    assert.equal(miss.events[0].attributes["error.type"], "service_unavailable");
    assert.equal(miss.attributes["llm_edge.attempts"], 2);
    assert.equal(hit.attributes["llm_edge.cache_hit"], true);
    assert.equal(hit.attributes["llm_edge.coalesced"], undefined);
    assert.deepEqual(hit.events, [], "no attempt events for a hit");
    assert.equal(hit.attributes["llm_edge.attempts"], 0);
    assert.equal(hit.attributes["gen_ai.request.model"], "gpt-4.1-mini");
    assert.equal(hit.attributes["gen_ai.provider.name"], "azure.ai.openai");
    assert.equal(hit.attributes["llm_edge.request_id"], "t-2");
    assert.equal(hit.attributes["llm_edge.endpoint"], a.endpoint, "the endpoint that answered originally");
    assert.equal(hit.attributes["gen_ai.usage.input_tokens"], a.usage.promptTokens);
    assert.equal(hit.attributes["gen_ai.usage.output_tokens"], a.usage.completionTokens);
    assert.equal(hit.attributes["gen_ai.response.model"], a.model);
    assert.deepEqual(hit.attributes["gen_ai.response.finish_reasons"], [a.finishReason]);
    assert.equal(typeof hit.attributes["llm_edge.latency_ms"], "number");
    assert.equal(hit.status, undefined);
    // The plain events: onRequest then onResponse, the model's shape plus cacheHit and attempts: [].
    const hitEvents = events.filter(([, e]) => e.callId < 0);
    assert.deepEqual(hitEvents.map(([k]) => k), ["onRequest", "onResponse"]);
    const [req, res] = hitEvents.map(([, e]) => e);
    assert.equal(req.callId, res.callId);
    assert.deepEqual({ ...req }, { callId: req.callId, requestId: "t-2", model: "gpt-4.1-mini", provider: "azure", operation: "chat", stream: false, metadata: { tenant: "x" }, cacheHit: true, coalesced: false });
    assert.equal(res.cacheHit, true);
    assert.deepEqual(res.attempts, []);
    assert.equal(res.attempt, 0);
    assert.deepEqual(res.usage, { promptTokens: a.usage.promptTokens, completionTokens: a.usage.completionTokens, totalTokens: a.usage.totalTokens, ...(a.usage.cachedInputTokens !== undefined && { cachedInputTokens: a.usage.cachedInputTokens }), ...(a.usage.reasoningTokens !== undefined && { reasoningTokens: a.usage.reasoningTokens }) });
    assert.equal(res.costUsd, a.usage.costUsd);
    assert.equal(typeof res.costUsd, "number");
    assert.ok(!events.some(([k, e]) => k === "onAttempt" && e.callId < 0), "no onAttempt for a hit");

    // Streams: the miss is the model's stream span (with its attempt); the replay a marked span.
    const before = tracer.spans.length;
    const first = await collect(llm.streamAnswer(user("traced stream [[words:4]]")));
    const replayed = llm.streamAnswer(user("traced stream [[words:4]]"), { requestId: "t-3" });
    const second = await collect(replayed);
    assert.equal(replayed.cacheHit, true);
    assert.deepEqual(unmarked(second), first);
    const [smiss, shit] = tracer.spans.slice(before);
    assert.equal(tracer.spans.length, before + 2);
    assert.equal(smiss.attributes["llm_edge.stream"], true);
    assert.equal(smiss.attributes["llm_edge.cache_hit"], undefined);
    assert.equal(smiss.events.length, 1);
    assert.equal(shit.attributes["llm_edge.stream"], true);
    assert.equal(shit.attributes["llm_edge.cache_hit"], true);
    assert.deepEqual(shit.events, []);
    assert.equal(shit.ended, 1);
    assert.equal(shit.attributes["llm_edge.request_id"], "t-3");
    assert.equal(typeof shit.attributes["llm_edge.time_to_first_byte_ms"], "number");
    const lastUsage = first.findLast((c) => c.usage !== undefined)?.usage;
    assert.ok(lastUsage, "the emulator's stream reports usage");
    assert.equal(shit.attributes["gen_ai.usage.output_tokens"], lastUsage.completionTokens);
    assert.deepEqual(shit.attributes["gen_ai.response.finish_reasons"], [first.findLast((c) => c.finishReason !== undefined).finishReason]);
    const streamEnd = events.filter(([k, e]) => k === "onStreamEnd" && e.callId < 0).map(([, e]) => e);
    assert.equal(streamEnd.length, 1);
    assert.equal(streamEnd[0].cacheHit, true);
    assert.equal(streamEnd[0].cancelled, false);

    // Identical calls in flight together: one upstream call (the model's span, with its
    // attempt), and the joiner's span marked coalesced, with no attempts.
    const k = tracer.spans.length;
    const m = sent();
    await Promise.all([llm.getAnswer(user("traced together")), llm.getAnswer(user("traced together"))]);
    assert.equal(sent(), m + 1);
    const pair = tracer.spans.slice(k);
    assert.equal(pair.length, 2);
    const joiner = pair.find((s) => s.attributes["llm_edge.coalesced"] === true);
    const upstream = pair.find((s) => s !== joiner);
    assert.ok(joiner && upstream);
    assert.equal(joiner.attributes["llm_edge.cache_hit"], false);
    assert.deepEqual(joiner.events, []);
    assert.equal(upstream.events.length, 1);

    // A cancelled replay ends its span too (cancelled), once.
    const s = llm.streamAnswer(user("traced stream [[words:4]]"));
    const it = s[Symbol.asyncIterator]();
    await it.next();
    await it.return();
    const cancelled = tracer.spans.at(-1);
    assert.equal(cancelled.attributes["llm_edge.cache_hit"], true);
    assert.equal(cancelled.attributes["llm_edge.cancelled"], true);
    assert.equal(cancelled.ended, 1);

    assert.ok(tracer.spans.every((sp) => sp.ended === 1), "every span ended once");
    const everything = JSON.stringify([tracer.spans, events]);
    assert.ok(everything.includes("gpt-4.1-mini"), "the scan sees the emitted text");
    assert.ok(!everything.includes(KEY), "no key in any span, attribute, event or hook argument");
    assert.ok(!everything.includes("traced"), "no message content either");
  } finally {
    await backup.close();
  }
});

test("hooks: one toOpenTelemetry shared by the model and the wrapper keeps their spans apart; a throwing hook never breaks a call", async () => {
  const tracer = recordingTracer();
  const hooks = toOpenTelemetry(tracer);
  const hookErrors = [];
  const throwing = { onRequest: () => { throw new Error("hook boom"); }, onResponse: async () => { throw new Error("async boom"); }, onStreamEnd: () => { throw new Error("boom"); }, onHookError: (e, info) => hookErrors.push(info.hook) };
  const llm = withCache(createFull({ provider: "azure", model: "gpt-4.1-mini", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, hooks }), { hooks: [hooks, throwing] });
  await llm.getAnswer(user("shared hooks"));
  const hit = await llm.getAnswer(user("shared hooks"));
  assert.equal(hit.cacheHit, true);
  await collect(llm.streamAnswer(user("shared hooks [[words:2]]")));
  const replay = await collect(llm.streamAnswer(user("shared hooks [[words:2]]")));
  assert.equal(replay.at(-1).cacheHit, true);
  await new Promise((r) => setTimeout(r, 0)); // the rejected hook's report
  assert.equal(tracer.spans.length, 4);
  assert.deepEqual(tracer.spans.map((s) => s.attributes["llm_edge.cache_hit"]), [undefined, true, undefined, true]);
  assert.ok(tracer.spans.every((s) => s.ended === 1));
  assert.deepEqual(hookErrors.sort(), ["onRequest", "onRequest", "onResponse", "onStreamEnd"]);
});

test("hooks: bad options.hooks is invalid_input with a hint", async () => {
  for (const hooks of [42, "x", { onRequest: 1 }, { onCacheHit: () => {} }, [{ onResponse: "no" }]]) {
    const e = await rejects((async () => withCache(azure(emu), { hooks }))());
    assert.ok(e instanceof LLMError);
    assert.equal(e.code, "invalid_input");
    assert.match(e.hint, /hooks/);
  }
  // null, undefined and empty sets are fine (nothing to call).
  for (const hooks of [null, undefined, {}, [null, {}]]) withCache(azure(emu), { hooks });
});
