// llm-edge/health in Node, against the emulator: two models ("isolates") sharing a store see
// each other's outage; a success elsewhere closes the circuit; latency hints; a stalled or
// failing store leaves calls on local state without waiting longer than waitMs; the default
// entry, bad stores and bad options are refused with a hint; nothing written to a store holds
// a key, a token, a header value or content. (Workers with a Durable Object:
// tests/runtimes/health-workerd.mjs; Deno KV: tests/runtimes/health-deno.mjs.)
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { emulator, user, collect, KEY, createLLM as createDefault } from "./helpers.mjs";
import { createLLM, LLMError } from "../../pkg/full/node.js";
import { withSharedHealth, memoryStore, mergeHealth, denoKvStore, durableObjectStore } from "../../pkg/full/health.js";

const TOKEN = "entra-TOKEN-health-77aa88bb";
const GATEWAY = "gw-SECRET-header-5544";
const PROMPT = "PROMPT-CONTENT-health-31";
let P, Q; // primary, backup
before(async () => ([P, Q] = await Promise.all([emulator({ tokens: [TOKEN] }), emulator({ tokens: [TOKEN] })])));
after(() => Promise.all([P, Q].map((e) => e.close())));
beforeEach(() => {
  for (const e of [P, Q]) e.setFault(undefined);
});

const cfg = (over = {}) => ({ provider: "azure", model: "gpt-4.1-mini", endpoint: P.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, timeoutMs: 2000, backups: [{ endpoint: Q.url }], ...over });
const requestsTo = async (emu) => (await (await fetch(`${emu.url}/__emulator/requests`)).json()).length;

/** A store that logs every argument it is given, as JSON, for the secret scan. */
function recording(inner) {
  const log = [];
  return {
    log,
    read(key, ids, signal) {
      log.push(JSON.stringify({ key, ids }));
      return inner.read(key, ids, signal);
    },
    report(key, reports, policy, signal) {
      log.push(JSON.stringify({ key, reports, policy }));
      return inner.report(key, reports, policy, signal);
    },
  };
}

test("ids name each endpoint by origin, base path and deployment or model, never a key", () => {
  const llm = withSharedHealth(
    createLLM({
      provider: "azure", model: "gpt-4.1-mini", endpoint: `${P.url}/gateway`, deploymentName: "mini-a", apiKey: KEY, headers: { "x-gateway-key": GATEWAY },
      backups: [{ deploymentName: "mini-b" }, { provider: "openai", baseURL: `${Q.url}/v1`, apiKey: KEY, model: "gpt-4o" }],
    }),
    memoryStore(),
  );
  assert.deepEqual(llm.health.ids(), [`${P.url}/gateway/mini-a`, `${P.url}/gateway/mini-b`, `${Q.url}/v1/gpt-4o`]);
});

test("two models sharing a store: one sees the primary fail, the other's next call skips it", async () => {
  P.setFault("503");
  const store = recording(memoryStore());
  const a = withSharedHealth(createLLM(cfg()), store);
  const b = withSharedHealth(createLLM(cfg()), store, { cacheMs: 0 });
  // b has called before: its local breaker knows the primary only as failing once, not open.
  for (let i = 0; i < 3; i++) {
    const r = await a.getAnswer(user(`${PROMPT} a${i}`));
    assert.equal(r.endpoint, Q.url);
    assert.equal(r.attempts[0].status, 503);
  }
  await a.health.flush();
  const shared = a.health.view()[a.health.ids()[0]];
  assert.equal(shared.failures, 3);
  assert.ok(shared.openUntil > Date.now() + 25_000, "opened by the shared count (3 failures)");
  const before = await requestsTo(P);
  const r = await b.getAnswer(user(`${PROMPT} b`));
  assert.equal(r.endpoint, Q.url);
  assert.deepEqual(r.attempts[0], { endpoint: P.url, latencyMs: 0, skipped: true }, "skipped: circuit open");
  assert.equal(r.attempts.length, 2);
  assert.equal(await requestsTo(P), before, "b sent nothing to the primary");
  assert.ok(b.health.local()[0].openMs > 25_000);
});

test("failures from several models add up to the shared threshold", async () => {
  P.setFault("503");
  const store = memoryStore();
  const models = [0, 1, 2].map(() => withSharedHealth(createLLM(cfg()), store, { cacheMs: 0 }));
  for (const m of models) {
    await m.getAnswer(user("x"));
    await m.health.flush();
  }
  // Each model's own breaker saw one failure (its threshold is 3): only the shared count opens.
  for (const m of models) assert.equal(m.health.local()[0].consecutiveFailures, 1);
  const fresh = withSharedHealth(createLLM(cfg()), store, { cacheMs: 0 });
  const r = await fresh.getAnswer(user("y"));
  assert.equal(r.attempts[0].skipped, true);
});

test("a success reported elsewhere closes a circuit opened here", async () => {
  P.setFault("503");
  const store = memoryStore();
  const a = withSharedHealth(createLLM(cfg()), store, { cacheMs: 0 });
  for (let i = 0; i < 3; i++) await a.getAnswer(user("x"));
  await a.health.flush();
  assert.ok(a.health.local()[0].openMs > 0, "a's own breaker opened");
  P.setFault(undefined);
  // Another isolate reaches the primary (its circuit was closed there): it reports a success.
  const c = withSharedHealth(createLLM({ ...cfg(), backups: undefined }), store);
  const ok = await c.getAnswer(user("ok"));
  assert.equal(ok.endpoint, P.url);
  await c.health.flush();
  assert.equal(c.health.view()[c.health.ids()[0]].openUntil, 0);
  const r = await a.getAnswer(user("again"));
  assert.equal(r.endpoint, P.url, "a's circuit was closed from the shared view");
  assert.equal(r.attempts.length, 1);
});

test("latency hints fill in endpoints a fresh model has not measured", async () => {
  const store = memoryStore();
  const a = withSharedHealth(createLLM(cfg()), store);
  await a.getAnswer(user("x"));
  await a.health.flush();
  const measured = a.health.local()[0].ttfbMs;
  assert.ok(measured > 0);
  const b = withSharedHealth(createLLM(cfg()), store);
  assert.equal(b.health.local()[0].ttfbMs, undefined);
  await b.health.refresh();
  assert.equal(b.health.local()[0].ttfbMs, measured);
});

test("a stalled store: calls go on on local state, waiting at most waitMs, then not at all", async () => {
  let reads = 0;
  const errors = [];
  const stalled = { read: () => (reads++, new Promise(() => {})), report: () => new Promise(() => {}) };
  const llm = withSharedHealth(createLLM(cfg()), stalled, { waitMs: 300, timeoutMs: 1500, retryMs: 60_000, onStoreError: (e) => errors.push(e) });
  const plain = createLLM(cfg());
  await plain.getAnswer(user("warm"));
  // A call alone, the slowest of three (the machine is shared: timings wander).
  let plainMs = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await plain.getAnswer(user(`plain ${i}`));
    plainMs = Math.max(plainMs, performance.now() - t);
  }
  const t0 = performance.now();
  const first = await llm.getAnswer(user("x"));
  const firstMs = performance.now() - t0;
  assert.equal(first.endpoint, P.url);
  // Wide margins (the machine is shared): a wait is 300 ms, the store's timeout 1500 ms.
  assert.ok(firstMs < plainMs + 300 + 150, `the first call waited ${firstMs} ms (a call alone: ${plainMs} ms; waitMs 300; the store's timeout 1500 ms)`);
  assert.ok(firstMs >= 295, `with no view yet, the first call gave the store its waitMs: ${firstMs} ms`);
  await new Promise((r) => setTimeout(r, 1600)); // the pull times out (1500 ms): the store counts as down
  assert.ok(errors.length >= 1 && errors.length <= 2, `the pull and the report time out: ${errors.length}`);
  for (const e of errors) assert.match(String(e.message), /did not answer within 1500 ms/);
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = await llm.getAnswer(user(`y${i}`));
    assert.equal(r.endpoint, P.url);
    assert.ok(performance.now() - t < plainMs + 150, `no wait (300 ms) while the store is down: ${performance.now() - t} ms`);
  }
  assert.equal(reads, 1, "not asked again within retryMs");
});

test("a failing store: calls succeed and fail over on local state alone", async () => {
  P.setFault("503");
  const errors = [];
  const failing = { read: () => Promise.reject(new Error("store down")), report: () => { throw new Error("store down"); } };
  const llm = withSharedHealth(createLLM(cfg()), failing, { retryMs: 0, onStoreError: (e) => errors.push(e.message) });
  for (let i = 0; i < 4; i++) assert.equal((await llm.getAnswer(user("x"))).endpoint, Q.url);
  await llm.health.flush();
  assert.ok(errors.length >= 2 && errors.every((m) => m === "store down"), JSON.stringify(errors));
  // Its own breaker opened after 3 failures, as without the wrapper.
  const r = await llm.getAnswer(user("y"));
  assert.equal(r.attempts[0].skipped, true);
});

test("flush() waits for follow-up reports: every failure counted, with a slow store", async () => {
  P.setFault("503");
  const inner = memoryStore();
  const slow = { read: (...a) => inner.read(...a), report: async (...a) => (await new Promise((r) => setTimeout(r, 30)), inner.report(...a)) };
  const llm = withSharedHealth(createLLM(cfg()), slow);
  // Three failures while the first report is still under way: the rest follow it.
  await Promise.all([0, 1, 2].map((i) => llm.getAnswer(user(`x${i}`))));
  await llm.health.flush();
  assert.equal(inner.read("", llm.health.ids())[llm.health.ids()[0]].failures, 3);
});

test("streams never wait on the store; their outcomes are reported by the next call or flush", async () => {
  P.setFault("503");
  const store = memoryStore();
  const llm = withSharedHealth(createLLM(cfg()), store, { failures: 1 });
  const chunks = await collect(llm.streamAnswer(user("[[words:3]]")));
  assert.equal(chunks.map((c) => c.delta).join(""), "w0 w1 w2 ");
  await llm.health.flush();
  const rec = store.read("", llm.health.ids());
  assert.equal(rec[llm.health.ids()[0]].failures, 1);
  assert.ok(rec[llm.health.ids()[0]].openUntil > Date.now(), "failures: 1 opens at once");
});

test("nothing a store receives holds a key, a token, a header value or content", async () => {
  P.setFault("503");
  const store = recording(memoryStore());
  const a = withSharedHealth(createLLM(cfg({ headers: { "x-gateway-key": GATEWAY } })), store, { cacheMs: 0 });
  const t = withSharedHealth(createLLM({ ...cfg(), apiKey: undefined, getToken: async () => TOKEN, backups: [{ endpoint: Q.url }] }), store, { cacheMs: 0 });
  for (const m of [a, t]) {
    await m.getAnswer(user(PROMPT));
    await collect(m.streamAnswer(user(PROMPT)));
    await m.health.flush();
  }
  const all = store.log.join("\n");
  assert.ok(store.log.length >= 4);
  for (const secret of [KEY, TOKEN, GATEWAY, PROMPT, "api-key", "authorization"]) assert.equal(all.includes(secret), false, `${secret} reached the store`);
  assert.ok(all.includes(`${P.url}/gpt-4.1-mini`));
});

test("refusals: the default entry's model, a store without read/report, bad options", () => {
  const store = memoryStore();
  const e1 = (() => { try { withSharedHealth(createDefault(cfg()), store); } catch (e) { return e; } })();
  assert.equal(e1.code, "invalid_input");
  assert.match(e1.hint, /llm-edge\/full/);
  assert.throws(() => createDefault(cfg()).endpointHealth(), (e) => e.name === "LLMError" && e.code === "unsupported_operation" && /llm-edge\/full/.test(e.hint));
  for (const bad of [null, {}, { read() {} }]) assert.throws(() => withSharedHealth(createLLM(cfg()), bad), (e) => e instanceof LLMError && e.code === "invalid_input" && /memoryStore/.test(e.hint));
  for (const options of [{ waitMs: -1 }, { cacheMs: NaN }, { failures: "3" }, { timeoutMs: Infinity }]) assert.throws(() => withSharedHealth(createLLM(cfg()), store, options), (e) => e.code === "invalid_input");
  assert.throws(() => withSharedHealth({}, store), (e) => e.code === "invalid_input");
  assert.throws(() => durableObjectStore({}), (e) => e.code === "invalid_input");
  assert.throws(() => denoKvStore({}), (e) => e.code === "invalid_input");
});

test("the wrapped model keeps the model's other methods and passes ctx and params through", async () => {
  const llm = withSharedHealth(createLLM(cfg()), memoryStore());
  assert.equal(typeof llm.usageTotals, "function");
  assert.equal(llm.metadata.modelName ?? llm.metadata.model ?? "set", llm.metadata.modelName ?? llm.metadata.model ?? "set");
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(llm.getAnswer(user("x"), { signal: ac.signal }), (e) => e.code === "aborted");
  const r = await llm.getAnswer(user("[[words:2]]"), { requestId: "rid-1" }, { maxTokens: 5 });
  assert.equal(r.content, "w0 w1 ");
  assert.equal(llm.usageTotals()[0].requests, 1);
});

test("mergeHealth: one rule for every store", () => {
  const p = { failures: 3, cooldownMs: 1000, maxOpenMs: 5000 };
  let r = mergeHealth(undefined, { id: "x", ok: false, failures: 2 }, p, 100);
  assert.deepEqual([r.failures, r.openUntil, r.failAt], [2, 0, 100]);
  r = mergeHealth(r, { id: "x", ok: false, failures: 1 }, p, 200);
  assert.deepEqual([r.failures, r.openUntil], [3, 1200], "the third consecutive failure opens");
  r = mergeHealth(r, { id: "x", ok: true, failures: 1, ttfbMs: 50 }, p, 300);
  assert.deepEqual([r.failures, r.openUntil, r.okAt, r.ttfbMs], [1, 0, 300, 50], "a success closes and restarts the count");
  r = mergeHealth(r, { id: "x", ok: false, failures: 0, openUntil: 1e15, ttfbMs: 100 }, p, 400);
  assert.equal(r.openUntil, 5400, "a reported opening is capped at maxOpenMs");
  assert.equal(r.ttfbMs, 60);
  // Hostile values are ignored, not stored.
  r = mergeHealth({ failures: "9", openUntil: -5, junk: "x" }, { id: "x", ok: "yes", failures: -3, openUntil: NaN, ttfbMs: Infinity }, { failures: 0, cooldownMs: -1 }, 500);
  assert.deepEqual(r, { failures: 0, openUntil: 0, okAt: 0, failAt: 0, updatedAt: 500 });
});
