// Failover, deadlines, retries, circuit breaking, load balancing and mid-stream faults,
// across three emulator endpoints with per-endpoint faults.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { emulator, user, collect, rejects, everythingAbout, createLLM, LLMError, KEY } from "./helpers.mjs";

let A, B, C;
before(async () => ([A, B, C] = await Promise.all([emulator({ region: "East US" }), emulator({ region: "West US" }), emulator({ region: "North Europe" })])));
after(() => Promise.all([A, B, C].map((e) => e.close())));
beforeEach(() => {
  for (const e of [A, B, C]) {
    e.setFault(undefined);
    e.setLatency(0);
  }
});

// The same matrix runs for each provider through the one executor (resilience-openai.test.mjs
// runs this file with LLM_EDGE_PROVIDER=openai against the emulator's /v1 path).
const PROVIDER = process.env.LLM_EDGE_PROVIDER ?? "azure";
const ep = (url, over = {}) => (PROVIDER === "openai" ? { baseURL: `${url}/v1`, ...over } : { endpoint: url, ...over });
const primary = PROVIDER === "openai" ? { provider: "openai", model: "gpt-4o" } : { provider: "azure", model: "gpt-4o", deploymentName: "gpt-4o" };
const cfg = (over = {}) => ({
  ...primary, ...ep(A.url), apiKey: KEY,
  backups: [ep(B.url)], timeoutMs: 200, idleTimeoutMs: 200, ...over,
});
const PROMPT = "one two three four five six";
const FULL = `You said: ${PROMPT}`;
const count = (e) => e.requests.filter((r) => r.path.includes("/chat/")).length;

// ---------------------------------------------------------------- the fault matrix

const FAILOVER = {
  500: ["service_unavailable", 500], 502: ["service_unavailable", 502], 503: ["service_unavailable", 503], 504: ["service_unavailable", 504],
  408: ["timeout", 408], refuse: ["connection"], "stall-headers": ["timeout"], html: ["service_unavailable", 502],
  "truncated-json": ["parse", 200], "invalid-sse": ["parse", 200], "reset-mid": ["connection", 200], "stall-mid": ["timeout", 200],
};
const NO_FAILOVER = {
  400: ["bad_request", 400], 401: ["authentication", 401], 403: ["permission_denied", 403], 404: ["not_found", 404],
  429: ["rate_limited", 429], "content-filter": ["content_filter", 400],
};
const MID_STREAM = new Set(["truncated-json", "invalid-sse", "reset-mid", "stall-mid"]);

function checkAttempt(a, endpoint, [code, status]) {
  assert.equal(a.endpoint, endpoint);
  assert.equal(a.errorCode, code);
  if (status !== undefined) assert.equal(a.status, status);
  assert.equal(typeof a.latencyMs, "number");
}

// Faults that answer at once get generous attempt timeouts, so a loaded machine cannot turn
// their answer into a client-side timeout; the stalls need the short ones to end.
const STALLS = new Set(["stall-headers", "stall-mid"]);
const faultCfg = (fault) => cfg(STALLS.has(fault) ? {} : { timeoutMs: 1200, idleTimeoutMs: 1200 });

for (const [fault, expected] of Object.entries(FAILOVER)) {
  test(`fault ${fault} on the primary: whole answer fails over`, async () => {
    A.setFault(fault, Infinity, 0);
    const t0 = Date.now();
    const r = await createLLM(faultCfg(fault)).getAnswer(user(PROMPT));
    assert.equal(r.content, FULL);
    assert.equal(r.endpoint, B.url);
    assert.equal(r.attempts.length, 2);
    checkAttempt(r.attempts[0], A.url, expected);
    assert.deepEqual({ ...r.attempts[1], latencyMs: 0 }, { endpoint: B.url, status: 200, latencyMs: 0 });
    assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
  });

  test(`fault ${fault} before the first delta: the stream fails over transparently`, async () => {
    A.setFault(fault, Infinity, 0);
    const t0 = Date.now();
    const s = createLLM(faultCfg(fault)).streamAnswer(user(PROMPT));
    const chunks = await collect(s);
    assert.equal(chunks.map((c) => c.delta).join(""), FULL);
    assert.equal(s.endpoint, B.url);
    assert.equal(s.attempts.length, 2);
    checkAttempt(s.attempts[0], A.url, expected);
    assert.equal(s.attempts[1].status, 200);
    assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
  });

  if (MID_STREAM.has(fault)) {
    test(`fault ${fault} after text was delivered: rejects with exactly the delivered text`, async () => {
      A.setFault(fault, Infinity, 2);
      const b0 = count(B);
      const s = createLLM(cfg()).streamAnswer(user(PROMPT));
      let text = "";
      const e = await rejects((async () => { for await (const c of s) text += c.delta; })());
      assert.ok(e instanceof LLMError);
      assert.equal(e.code, expected[0]);
      assert.equal(text, "You said: ");
      assert.equal(e.partialContent, text);
      assert.equal(e.attempts.length, 1);
      checkAttempt(e.attempts[0], A.url, expected);
      assert.equal(count(B), b0, "nothing duplicated elsewhere");
    });

    test(`fault ${fault} after text was delivered, streamFailover "continue": only the new text, once`, async () => {
      A.setFault(fault, Infinity, 2);
      const s = createLLM(cfg({ streamFailover: "continue" })).streamAnswer(user(PROMPT));
      const deltas = (await collect(s)).map((c) => c.delta);
      assert.equal(deltas.join(""), FULL, "the seam neither drops nor repeats text");
      assert.deepEqual(deltas.filter(Boolean).slice(0, 2), ["You ", "said: "]);
      assert.equal(s.attempts.length, 2);
      checkAttempt(s.attempts[0], A.url, expected);
      assert.equal(s.attempts[1].endpoint, B.url);
      const resumed = B.requests.at(-1).body.messages;
      assert.equal(resumed.at(-2).role, "assistant");
      assert.equal(resumed.at(-2).content, "You said: ");
    });
  }
}

test('two mid-stream failures in one stream, streamFailover "continue": each resumes from all text delivered so far', async () => {
  // The load test found this: a second failover continued the first continuation, and the
  // emulator (like a model) repeated text.
  A.setFault("reset-mid", Infinity, 2);
  B.setFault("reset-mid", Infinity, 2);
  const s = createLLM(cfg({ streamFailover: "continue", backups: [ep(B.url), ep(C.url)] })).streamAnswer(user(PROMPT));
  const text = (await collect(s)).map((c) => c.delta).join("");
  assert.equal(text, FULL, "no text dropped or repeated across two seams");
  assert.deepEqual(s.attempts.map((a) => a.endpoint), [A.url, B.url, C.url]);
  const last = C.requests.at(-1).body.messages;
  assert.equal(last.length, 3, "the caller's message, everything delivered, the continue prompt");
  // A gave "You said: ", B gave two more words: C is asked to continue after all of it.
  assert.equal(last[1].content, "You said: one two ");
});

for (const [fault, expected] of Object.entries(NO_FAILOVER)) {
  test(`fault ${fault} on the primary: no failover, code ${expected[0]}`, async () => {
    A.setFault(fault, Infinity, 0);
    const b0 = count(B);
    for (const mode of ["whole", "stream"]) {
      const llm = createLLM(cfg());
      const e = await rejects(mode === "whole" ? llm.getAnswer(user(PROMPT)) : collect(llm.streamAnswer(user(PROMPT))));
      assert.equal(e.code, expected[0], mode);
      assert.equal(e.status, expected[1]);
      assert.equal(e.attempts.length, 1);
      checkAttempt(e.attempts[0], A.url, expected);
    }
    assert.equal(count(B), b0, "the backup is never asked");
  });
}

test("every endpoint down: all_endpoints_failed with each attempt", async () => {
  A.setFault("503");
  B.setFault("500");
  C.setFault("refuse");
  const llm = createLLM(cfg({ backups: [ep(B.url), ep(C.url)] }));
  for (const e of [await rejects(llm.getAnswer(user("x"))), await rejects(collect(llm.streamAnswer(user("x"))))]) {
    assert.equal(e.code, "all_endpoints_failed");
    assert.deepEqual(e.attempts.map((a) => [a.endpoint, a.status ?? a.errorCode]), [[A.url, 503], [B.url, 500], [C.url, "connection"]]);
    assert.match(e.message, /every endpoint failed/);
    assert.ok(!everythingAbout(e).includes(KEY));
  }
});

test("after every kind of bad response, the module still serves requests", async () => {
  const llm = createLLM(cfg({ backups: [] }));
  for (const fault of [...Object.keys(FAILOVER), ...Object.keys(NO_FAILOVER)]) {
    A.setFault(fault, 2, 1);
    await rejects(llm.getAnswer(user("x")));
    await rejects(collect(llm.streamAnswer(user("x"))));
    A.setFault(undefined);
    assert.equal((await llm.getAnswer(user(`after ${fault}`))).content, `You said: after ${fault}`);
  }
});

test("attempts name endpoints by origin only", async () => {
  A.setFault("503");
  const r = await createLLM(cfg()).getAnswer(user("x"));
  for (const a of r.attempts) assert.match(a.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
});

// ---------------------------------------------------------------- deadlines and retries

test("ctx.timeoutMs bounds the whole call, failover included", async () => {
  A.setFault("stall-headers");
  B.setFault("stall-headers");
  const t0 = Date.now();
  const e = await rejects(createLLM(cfg({ timeoutMs: 5000 })).getAnswer(user("x"), { timeoutMs: 300 }));
  const took = Date.now() - t0;
  assert.equal(e.code, "timeout");
  assert.ok(took >= 280 && took < 800, `took ${took} ms`);
});

test("retries on the same endpoint, with backoff, before failing over", async () => {
  A.setFault("503", 2);
  const b0 = count(B);
  const r = await createLLM(cfg({ retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 } })).getAnswer(user("x"));
  assert.deepEqual(r.attempts.map((a) => [a.endpoint, a.status]), [[A.url, 503], [A.url, 503], [A.url, 200]]);
  assert.equal(count(B), b0);
});

test("a signal aborts while waiting to retry", async () => {
  A.setFault("503");
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 60);
  const t0 = Date.now();
  const e = await rejects(createLLM(cfg({ backups: [], retry: { retries: 3, baseDelayMs: 5000, maxDelayMs: 5000 } })).getAnswer(user("x"), { signal: ac.signal }));
  assert.equal(e.code, "aborted");
  assert.ok(Date.now() - t0 < 1000);
});

// ---------------------------------------------------------------- circuit breaker

test("circuit breaker: a dead primary costs nothing once open, and is probed after the cooldown", async () => {
  A.setFault("503");
  const llm = createLLM(cfg({ circuitBreaker: { failures: 2, cooldownMs: 300 } }));
  for (let i = 0; i < 2; i++) assert.equal((await llm.getAnswer(user("x"))).attempts.length, 2);
  const before = count(A);
  const r = await llm.getAnswer(user("x"));
  assert.deepEqual(r.attempts.map((a) => [a.endpoint, a.skipped ?? false, a.status]), [[A.url, true, undefined], [B.url, false, 200]], "open: the primary is skipped (listed, not asked), straight to the backup");
  assert.equal(count(A), before, "the primary was not asked");
  await new Promise((res) => setTimeout(res, 350));
  A.setFault(undefined);
  const probe = await llm.getAnswer(user("x"));
  assert.deepEqual(probe.attempts.map((a) => [a.endpoint, a.status]), [[A.url, 200]], "half-open: one probe, which succeeds");
  const again = await llm.getAnswer(user("x"));
  assert.equal(again.endpoint, A.url, "closed again");
});

test("circuit breaker: a failed probe reopens the circuit at the cost of one attempt", async () => {
  A.setFault("503");
  const llm = createLLM(cfg({ circuitBreaker: { failures: 1, cooldownMs: 200 } }));
  await llm.getAnswer(user("x"));
  const tried = async () => (await llm.getAnswer(user("x"))).attempts.filter((a) => !a.skipped).map((a) => a.endpoint);
  assert.deepEqual(await tried(), [B.url]);
  await new Promise((res) => setTimeout(res, 250));
  assert.deepEqual((await llm.getAnswer(user("x"))).attempts.map((a) => [a.endpoint, a.status]), [[A.url, 503], [B.url, 200]]);
  assert.deepEqual(await tried(), [B.url]);
});

test("the same failure gives the same code whatever the breaker state", async () => {
  A.setFault("503");
  B.setFault("503");
  const llm = createLLM(cfg({ circuitBreaker: { failures: 1, cooldownMs: 60_000 } }));
  const first = await rejects(llm.getAnswer(user("x")));
  assert.equal(first.code, "all_endpoints_failed");
  // Both circuits are open now: one endpoint is tried, the other listed as skipped, and
  // the code does not change.
  const second = await rejects(llm.getAnswer(user("x")));
  assert.equal(second.code, "all_endpoints_failed");
  assert.equal(second.attempts.filter((a) => a.skipped).length, 1);
  assert.equal(second.attempts.filter((a) => !a.skipped).length, 1);
});

// ---------------------------------------------------------------- load balancing

test("round-robin spreads calls evenly", async () => {
  const llm = createLLM(cfg({ loadBalancing: "round-robin", backups: [ep(B.url), ep(C.url)] }));
  const seen = [];
  for (let i = 0; i < 6; i++) seen.push((await llm.getAnswer(user("x"))).endpoint);
  for (const e of [A, B, C]) assert.equal(seen.filter((u) => u === e.url).length, 2);
});

test("weighted follows the weights", async () => {
  const llm = createLLM(cfg({ loadBalancing: "weighted", weight: 8, backups: [ep(B.url, { weight: 1 }), ep(C.url, { weight: 1 })] }));
  const seen = [];
  for (let i = 0; i < 100; i++) seen.push((await llm.getAnswer(user("x"))).endpoint);
  const a = seen.filter((u) => u === A.url).length;
  assert.ok(a > 60 && a < 95, `primary served ${a} of 100`);
});

test("least-latency prefers the endpoint with the fastest first byte", async () => {
  A.setLatency(60);
  const llm = createLLM(cfg({ loadBalancing: "least-latency", backups: [ep(B.url), ep(C.url)] }));
  const seen = [];
  for (let i = 0; i < 8; i++) seen.push((await llm.getAnswer(user("x"))).endpoint);
  assert.notEqual(seen.at(-1), A.url);
  assert.ok(seen.slice(3).every((u) => u !== A.url), seen.join(","));
});

test("plain http:// to a non-loopback host needs allowInsecureHttp", () => {
  assert.throws(() => createLLM(cfg(ep("http://10.0.0.5:8080"))), (e) => e.code === "invalid_input" && /allowInsecureHttp/.test(e.message));
  assert.doesNotThrow(() => createLLM(cfg({ ...ep("http://10.0.0.5:8080"), allowInsecureHttp: true })));
});
