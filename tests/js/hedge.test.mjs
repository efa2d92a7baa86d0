// Hedged requests and the retry budget (llm-edge/full), against emulator endpoints: with the
// primary slow on a tenth of its requests, hedging cuts the p99 time to first byte while the
// extra requests stay within the budget; in a full outage the budget holds the requests sent
// to ≤ 1.1 × calls; the losing request is aborted (the emulator sees its connection close);
// a call marked non-idempotent is never hedged; hooks and spans show hedges and refusals.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { emulator, user, collect, rejects, eventually, KEY } from "./helpers.mjs";
import { createLLM, LLMError, toOpenTelemetry } from "../../pkg/full/node.js";
import { createLLM as createDefault } from "../../pkg/node.js";

let A, B, C;
before(async () => ([A, B, C] = await Promise.all([emulator(), emulator(), emulator()])));
after(() => Promise.all([A, B, C].map((e) => e.close())));
beforeEach(() => {
  for (const e of [A, B, C]) {
    e.setFault(undefined);
    e.setLatency(0);
    e.requests.length = 0;
  }
});

const ep = (e) => ({ endpoint: e.url });
const cfg = (over = {}) => ({
  provider: "azure", model: "gpt-4.1-mini", deploymentName: "gpt-4.1-mini", apiKey: KEY,
  ...ep(A), backups: [ep(B)], timeoutMs: 5000, ...over,
});
const PROMPT = "one two three";
const chats = (e) => e.requests.filter((r) => r.path.includes("/chat/"));
const count = (e) => chats(e).length;

/** The nearest-rank percentile of `xs`. */
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1];
}

/** `calls` streamed calls, `concurrency` at a time: each one's time to first chunk and trace. */
async function streams(llm, calls, concurrency, ctx) {
  const out = [];
  let next = 0;
  async function worker() {
    while (next < calls) {
      next++;
      const t0 = performance.now();
      const s = llm.streamAnswer(user(PROMPT), ctx);
      let ttfb;
      let text = "";
      for await (const c of s) {
        ttfb ??= performance.now() - t0;
        text += c.delta;
      }
      out.push({ ttfb, text, attempts: s.attempts, endpoint: s.endpoint });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** The primary answers at once except every tenth request, which waits `slowMs`. */
function slowTail(e, slowMs) {
  let k = 0;
  e.setLatency(() => (k++ % 10 === 5 ? slowMs : 0));
}

const SLOW = 1500;
const CALLS = 100;

test("one endpoint slow on 10% of requests: hedging cuts p99 time to first byte, extra requests within the budget", async () => {
  // Without hedging: the slow tenth sets the p99.
  slowTail(A, SLOW);
  B.setLatency(20);
  const plain = await streams(createLLM(cfg()), CALLS, 5);
  const plainP99 = percentile(plain.map((r) => r.ttfb), 99);
  assert.equal(count(B), 0, "no hedging configured: the backup is never asked");
  assert.ok(plainP99 >= SLOW * 0.9, `p99 without hedging: ${plainP99} ms`);

  // With a fixed 250 ms hedge delay.
  for (const e of [A, B]) e.requests.length = 0;
  slowTail(A, SLOW);
  const hedged = await streams(createLLM(cfg({ hedge: { delayMs: 250 } })), CALLS, 5);
  const hedgedP99 = percentile(hedged.map((r) => r.ttfb), 99);
  const sent = count(A) + count(B);
  const extra = sent - CALLS;
  const hedges = hedged.flatMap((r) => r.attempts).filter((a) => a.hedge && !a.skipped).length;
  console.log(`# p99 time to first byte: ${plainP99.toFixed(0)} ms without hedging, ${hedgedP99.toFixed(0)} ms with hedge { delayMs: 250 } (p50 ${percentile(plain.map((r) => r.ttfb), 50).toFixed(1)} → ${percentile(hedged.map((r) => r.ttfb), 50).toFixed(1)} ms); ${sent} requests for ${CALLS} calls (${hedges} hedges)`);
  assert.ok(hedgedP99 < plainP99 / 2, `p99 ${plainP99} → ${hedgedP99} ms`);
  assert.ok(hedgedP99 < 1000, `p99 with hedging: ${hedgedP99} ms`);
  for (const r of hedged) assert.equal(r.text, `You said: ${PROMPT}`, "every call answered in full, once");
  // The budget: the allowance (10) plus a tenth of the successful calls. (A hedge aborted
  // before the emulator read it is in the trace but not in the emulator's count.)
  assert.ok(hedges <= 10 + 0.1 * CALLS, `${hedges} hedges`);
  assert.ok(extra <= hedges, `${extra} extra requests seen, ${hedges} hedges sent`);
  assert.ok(hedges >= 8, `${hedges} hedges: about one per slow request`);
  // Each hedged call: the primary aborted (cancelled), the hedge on B served.
  const won = hedged.filter((r) => r.endpoint === B.url);
  assert.ok(won.length >= 8);
  for (const r of won) {
    assert.deepEqual(r.attempts.map((a) => [a.endpoint, a.hedge ?? false, a.cancelled ?? false, a.errorCode, a.status]), [
      [A.url, false, true, "aborted", undefined],
      [B.url, true, false, undefined, 200],
    ]);
  }
  // The emulator saw each losing request's connection close before its answer was done.
  assert.ok(await eventually(() => chats(A).filter((r) => r.closedEarly).length >= won.length), `${chats(A).filter((r) => r.closedEarly).length} aborted at A`);
});

test("a delay learned from the endpoint's recent times to first byte (delay: \"p95\")", async () => {
  // The primary takes 150 ms, and 1.5 s on every 25th request (4%, below the 5% that p95
  // leaves above it); the backup 10 ms. A fixed 20 ms delay would hedge every call; p95 of
  // the primary's window (floor 20 ms) hedges the slow ones and about 5% of the others.
  let k = 0;
  A.setLatency(() => (k++ % 25 === 12 ? 1500 : 150));
  B.setLatency(10);
  const calls = 200;
  const llm = createLLM(cfg({ hedge: { delay: "p95", delayMs: 20 } }));
  const runs = await streams(llm, calls, 10);
  const p99 = percentile(runs.map((r) => r.ttfb), 99);
  const extra = count(A) + count(B) - calls;
  const won = runs.filter((r) => r.endpoint === B.url).length;
  console.log(`# delay "p95": p99 time to first byte ${p99.toFixed(0)} ms (the slow requests take 1500), ${extra} extra requests for ${calls} calls, ${won} answered by the hedge`);
  assert.ok(p99 < 800, `p99 ${p99} ms`);
  assert.ok(extra <= 10 + 0.1 * calls, `${extra} extra requests`);
  assert.ok(won >= 6, `${won}: the slow requests were answered by the hedge`);
  // No hedge before the window is warm: the first calls waited for the primary.
  assert.ok(runs.slice(0, 5).every((r) => r.attempts.length === 1));
});

test("a full outage: the retry budget holds the requests sent to ≤ 1.1 × calls", async () => {
  A.setFault("503");
  B.setFault("503");
  // Retries, failover and no breaker to stop them: without the budget each call sends 6.
  const over = { retry: { retries: 2, baseDelayMs: 0, maxDelayMs: 0 }, circuitBreaker: { failures: 100000 } };
  const unbounded = createLLM(cfg(over));
  for (let i = 0; i < 20; i++) await rejects(unbounded.getAnswer(user(PROMPT)));
  assert.equal(count(A) + count(B), 120, "without a budget: 6 requests per call");

  for (const e of [A, B]) e.requests.length = 0;
  const seen = [];
  const llm = createLLM(cfg({ ...over, retryBudget: {}, hooks: { onAttempt: (ev) => seen.push(ev) } }));
  const calls = 200;
  let last;
  for (let i = 0; i < calls; i++) last = await rejects(i % 2 ? llm.getAnswer(user(PROMPT)) : collect(llm.streamAnswer(user(PROMPT))));
  const sent = count(A) + count(B);
  console.log(`# 100% outage: ${sent} requests for ${calls} calls (${(sent / calls).toFixed(3)} per call; 6 per call without the budget)`);
  assert.ok(sent <= 1.1 * calls, `${sent} requests for ${calls} calls`);
  assert.equal(sent, calls + 10, "one per call, plus the allowance of 10");
  // The call fails with its last error; the trace says the budget refused the next request.
  assert.ok(last instanceof LLMError);
  assert.equal(last.code, "all_endpoints_failed");
  assert.match(last.message, /retry budget exhausted/);
  assert.deepEqual(last.attempts.map((a) => [a.endpoint, a.status, a.skipped ?? false, a.budgetExhausted ?? false]), [
    [A.url, 503, false, false],
    [A.url, undefined, true, true],
  ]);
  assert.ok(seen.some((ev) => ev.budgetExhausted === true && ev.skipped === true), "onAttempt reports the refusal");
});

test("the budget refills with successful calls", async () => {
  const llm = createLLM(cfg({ retryBudget: { ratio: 0.5, allowance: 1 }, circuitBreaker: { failures: 100000 } }));
  A.setFault("503");
  // The allowance: one failover.
  assert.equal((await llm.getAnswer(user(PROMPT))).endpoint, B.url);
  const refused = await rejects(llm.getAnswer(user(PROMPT)));
  assert.equal(refused.attempts.at(-1).budgetExhausted, true);
  // Two successful calls put back 0.5 each: one more failover.
  A.setFault(undefined);
  await llm.getAnswer(user(PROMPT));
  await llm.getAnswer(user(PROMPT));
  A.setFault("503");
  assert.equal((await llm.getAnswer(user(PROMPT))).endpoint, B.url);
  assert.equal((await rejects(llm.getAnswer(user(PROMPT)))).code, "all_endpoints_failed");
});

test("the loser is aborted: the emulator sees its connection close, the trace says cancelled", async () => {
  A.setLatency(1500);
  const t0 = performance.now();
  const r = await createLLM(cfg({ hedge: { delayMs: 50 } })).getAnswer(user(PROMPT));
  const took = performance.now() - t0;
  assert.equal(r.endpoint, B.url);
  assert.ok(took < 1000, `answered in ${took} ms, not after the slow primary`);
  assert.deepEqual(r.attempts.map((a) => [a.endpoint, a.hedge, a.cancelled, a.errorCode]), [
    [A.url, undefined, true, "aborted"],
    [B.url, true, undefined, undefined],
  ]);
  assert.ok(r.attempts[0].latencyMs >= 40);
  assert.equal(count(A), 1);
  assert.ok(await eventually(() => chats(A)[0].closedEarly === true), "the primary's request was aborted");
  assert.equal(chats(B)[0].closedEarly, false, "the winner's answer was read in full");
});

test("maxHedges: 2 goes on to the third endpoint; streams hedge before their headers only", async () => {
  A.setLatency(1500);
  B.setLatency(1500);
  const llm = createLLM(cfg({ backups: [ep(B), ep(C)], hedge: { delayMs: 40, maxHedges: 2 } }));
  const s = llm.streamAnswer(user(PROMPT));
  const text = (await collect(s)).map((c) => c.delta).join("");
  assert.equal(text, `You said: ${PROMPT}`);
  assert.equal(s.endpoint, C.url);
  assert.deepEqual(s.attempts.map((a) => [a.endpoint, a.hedge ?? false, a.cancelled ?? false]), [
    [A.url, false, true],
    [B.url, true, true],
    [C.url, true, false],
  ]);
  assert.ok(await eventually(() => chats(A)[0].closedEarly && chats(B)[0].closedEarly));

  // Headers at once but slow chunks: the stream has started, so nothing is hedged.
  for (const e of [A, B, C]) {
    e.setLatency(0);
    e.requests.length = 0;
  }
  const slow = llm.streamAnswer(user(`[[delay:80]] ${PROMPT}`));
  await collect(slow);
  assert.equal(slow.endpoint, A.url);
  assert.equal(count(B) + count(C), 0, "no hedge once the response has started");
});

test("never hedged when the call is marked non-idempotent (or ctx.hedge is false)", async () => {
  A.setLatency(300);
  const llm = createLLM(cfg({ hedge: { delayMs: 30 } }));
  for (const ctx of [{ idempotent: false }, { hedge: false }]) {
    const r = await llm.getAnswer(user(PROMPT), ctx);
    assert.equal(r.endpoint, A.url, JSON.stringify(ctx));
    assert.equal(r.attempts.length, 1);
    const s = llm.streamAnswer(user(PROMPT), ctx);
    await collect(s);
    assert.equal(s.endpoint, A.url);
  }
  assert.equal(count(B), 0, "the backup never saw a request");
  // The same model hedges a call that is not marked.
  assert.equal((await llm.getAnswer(user(PROMPT))).endpoint, B.url);
  // Per call: a shorter or longer delay than the model's.
  A.setLatency(200);
  assert.equal((await llm.getAnswer(user(PROMPT), { hedge: { delayMs: 1000 } })).endpoint, A.url);
  assert.equal((await llm.getAnswer(user(PROMPT), { hedge: { maxHedges: 0 } })).endpoint, A.url);
});

test("telemetry: onAttempt and toOpenTelemetry spans show the hedge, the cancelled loser and budget refusals", async () => {
  A.setLatency(400);
  const spans = [];
  const tracer = {
    startSpan(name, options) {
      const span = { name, attributes: { ...options?.attributes }, events: [], ended: 0 };
      spans.push(span);
      return {
        setAttribute: (k, v) => void (span.attributes[k] = v),
        addEvent: (n, attrs) => void span.events.push({ name: n, attributes: attrs }),
        setStatus: (s) => void (span.status = s),
        end: () => void span.ended++,
      };
    },
  };
  const attempts = [];
  const llm = createLLM(cfg({ hedge: { delayMs: 50 }, retryBudget: { allowance: 1, ratio: 0 }, hooks: [toOpenTelemetry(tracer), { onAttempt: (ev) => attempts.push(ev) }] }));
  await llm.getAnswer(user(PROMPT));
  assert.deepEqual(attempts.map((a) => [a.attempt, a.endpoint, a.hedge, a.cancelled, a.errorCode]), [
    [1, A.url, undefined, true, "aborted"],
    [2, B.url, true, undefined, undefined],
  ]);
  const [span] = spans;
  assert.equal(span.ended, 1);
  assert.equal(span.attributes["llm_edge.hedged"], true);
  assert.equal(span.attributes["llm_edge.endpoint"], B.url);
  assert.deepEqual(span.events.map((e) => [e.name, e.attributes["llm_edge.hedge"], e.attributes["llm_edge.cancelled"], e.attributes["error.type"]]), [
    ["llm_edge.attempt", undefined, true, "aborted"],
    ["llm_edge.attempt", true, undefined, undefined],
  ]);
  // The budget (allowance 1, spent above, no refill): the next hedge is refused and the
  // call waits for the primary.
  const r = await llm.getAnswer(user(PROMPT));
  assert.equal(r.endpoint, A.url);
  assert.deepEqual(r.attempts.map((a) => [a.endpoint, a.skipped, a.hedge, a.budgetExhausted]), [
    [B.url, true, true, true],
    [A.url, undefined, undefined, undefined],
  ]);
  assert.equal(spans[1].attributes["llm_edge.retry_budget_exhausted"], true);
  assert.equal(spans[1].attributes["llm_edge.hedged"], undefined);
  assert.ok(spans[1].events.some((e) => e.attributes["llm_edge.budget_exhausted"] === true && e.attributes["llm_edge.skipped"] === true));
  assert.ok(!JSON.stringify([spans, attempts]).includes(KEY), "no key in any span or event");
});

test("bad hedge and budget settings are invalid_input with a hint; nothing is sent", async () => {
  const bad = [
    [{ hedge: {} }, /needs delayMs or delay/],
    [{ hedge: { delay: "90" } }, /not a percentile/],
    [{ hedge: { delay: "p100" } }, /not a percentile/],
    [{ hedge: { delayMs: -1 } }, /non-negative/],
    [{ hedge: { delayMs: 10, maxHedges: 1.5 } }, /integer/],
    [{ hedge: { delayMs: 10, after: 3 } }, /unknown field `after`/],
    [{ hedge: 100 }, /must be an object/],
    [{ retryBudget: { ratio: 2 } }, /from 0 to 1/],
    [{ retryBudget: { allowance: -1 } }, /non-negative integer/],
    [{ retryBudget: { percent: 10 } }, /unknown field `percent`/],
  ];
  for (const [over, why] of bad) {
    const e = (() => {
      try {
        createLLM(cfg(over));
      } catch (err) {
        return err;
      }
      assert.fail(`accepted ${JSON.stringify(over)}`);
    })();
    assert.ok(e instanceof LLMError, JSON.stringify(over));
    assert.equal(e.code, "invalid_input");
    assert.match(e.message, why, JSON.stringify(over));
    assert.ok(e.hint, `a hint for ${JSON.stringify(over)}`);
  }
  // The default entry: not built in, with a hint naming llm-edge/full.
  for (const over of [{ hedge: { delayMs: 10 } }, { retryBudget: {} }]) {
    assert.throws(() => createDefault(cfg(over)), (e) => e.code === "invalid_input" && /llm-edge\/full/.test(e.message + e.hint));
  }
  // Per call.
  const plain = createLLM(cfg());
  const hedging = createLLM(cfg({ hedge: { delayMs: 50 } }));
  for (const [llm, ctx, why] of [
    [hedging, { hedge: { delayMs: -5 } }, /delayMs/],
    [hedging, { hedge: { maxHedges: 11 } }, /maxHedges/],
    [hedging, { hedge: { soon: true } }, /ctx.hedge.soon/],
    [hedging, { idempotent: "no" }, /idempotent/],
    [plain, { hedge: { delayMs: 10 } }, /needs a model with hedge or retryBudget/],
  ]) {
    const e = await rejects(llm.getAnswer(user(PROMPT), ctx));
    assert.equal(e.code, "invalid_input", JSON.stringify(ctx));
    assert.match(e.message, why);
    assert.ok(e.hint);
  }
  assert.equal(count(A) + count(B), 0, "nothing was sent");
});
