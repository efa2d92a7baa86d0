// Telemetry hooks (config.hooks) and the OpenTelemetry helper against the emulator: every
// hook with its fields for answers, streams, failover and errors; hooks that throw or reject
// never touch the call; no key, token or message content in anything a hook receives; spans
// through a fake tracer and through @opentelemetry/sdk-trace-base's in-memory exporter.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { emulator, user, collect, rejects, createLLM, toOpenTelemetry, LLMError, KEY } from "./helpers.mjs";
import { createLLM as createFull } from "../../pkg/full/node.js";

const TOKEN = "entra-TOKEN-9f8e7d6c5b4a";
let A, B;
before(async () => ([A, B] = await Promise.all([emulator({ region: "East US" }), emulator({ region: "West US", tokens: [TOKEN] })])));
after(() => Promise.all([A, B].map((e) => e.close())));
beforeEach(() => {
  for (const e of [A, B]) e.setFault(undefined);
});

const PROMPT = "PROMPT-CONTENT-telemetry-42";
const NAMES = ["onRequest", "onAttempt", "onResponse", "onError", "onStreamEnd"];

/** Hooks that record every call as [name, event], and every payload ever seen (for the
 *  secret scan at the end). */
const everything = [];
function recorder() {
  const log = [];
  const hooks = Object.fromEntries(NAMES.map((k) => [k, (ev) => (log.push([k, ev]), everything.push(ev))]));
  return { log, hooks, names: () => log.map((x) => x[0]), of: (k) => log.filter((x) => x[0] === k).map((x) => x[1]) };
}

const cfg = (over = {}) => ({ provider: "azure", model: "gpt-4.1-mini", endpoint: A.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, timeoutMs: 500, ...over });

test("an answer: onRequest, onAttempt, onResponse with the call's fields", async () => {
  const r = recorder();
  const llm = createLLM(cfg({ hooks: r.hooks }));
  const a = await llm.getAnswer(user(PROMPT), { requestId: "req-1", metadata: { tenant: "t1" } });
  assert.deepEqual(r.names(), ["onRequest", "onAttempt", "onResponse"]);
  const [req, att, res] = r.log.map((x) => x[1]);
  assert.equal(typeof req.callId, "number");
  assert.deepEqual(req, { callId: req.callId, requestId: "req-1", model: "gpt-4.1-mini", provider: "azure", operation: "chat", stream: false, metadata: { tenant: "t1" } });
  assert.equal(att.callId, req.callId);
  assert.equal(att.attempt, 1);
  assert.equal(att.endpoint, A.url);
  assert.equal(att.status, 200);
  assert.equal(att.errorCode, undefined);
  assert.equal(att.latencyMs, a.attempts[0].latencyMs);
  assert.equal(res.callId, req.callId);
  assert.equal(res.requestId, "req-1");
  assert.deepEqual(res.metadata, { tenant: "t1" });
  assert.equal(res.endpoint, A.url);
  assert.equal(res.attempt, 1);
  assert.equal(res.status, 200);
  assert.equal(res.errorCode, undefined);
  assert.equal(res.stream, false);
  assert.ok(res.latencyMs > 0 && res.latencyMs < 5000);
  assert.equal(res.timeToFirstByteMs, undefined);
  const { costUsd, ...usage } = a.usage;
  assert.deepEqual(res.usage, usage);
  assert.equal(res.costUsd, costUsd);
  assert.ok(res.costUsd > 0);
  assert.equal(res.finishReason, "stop");
  assert.equal(res.responseModel, a.model);
  // Each call gets its own id.
  await llm.getAnswer(user(PROMPT));
  assert.ok(r.of("onRequest")[1].callId > req.callId);
});

test("a stream: onStreamEnd with time to first byte, usage from the final chunk", async () => {
  const r = recorder();
  const s = createLLM(cfg({ hooks: r.hooks })).streamAnswer(user(PROMPT), { requestId: "s-1" });
  const chunks = await collect(s);
  assert.deepEqual(r.names(), ["onRequest", "onAttempt", "onStreamEnd"]);
  const end = r.of("onStreamEnd")[0];
  assert.equal(end.stream, true);
  assert.equal(end.requestId, "s-1");
  assert.equal(end.endpoint, A.url);
  assert.equal(end.attempt, 1);
  assert.equal(end.status, 200);
  assert.equal(end.cancelled, false);
  assert.equal(typeof end.timeToFirstByteMs, "number");
  assert.ok(end.timeToFirstByteMs > 0 && end.timeToFirstByteMs <= end.latencyMs, JSON.stringify(end));
  const { costUsd, ...usage } = chunks.findLast((c) => c.usage).usage;
  assert.deepEqual(end.usage, usage);
  assert.equal(end.costUsd, costUsd);
  assert.equal(end.finishReason, "stop");
  assert.equal(r.of("onAttempt")[0].status, 200);
});

test("a stream the caller stops early: onStreamEnd with cancelled: true", async () => {
  const r = recorder();
  const s = createLLM(cfg({ hooks: r.hooks })).streamAnswer(user(`${PROMPT} [[words:40]]`));
  for await (const c of s) if (c.delta) break;
  assert.deepEqual(r.names(), ["onRequest", "onAttempt", "onStreamEnd"]);
  const end = r.of("onStreamEnd")[0];
  assert.equal(end.cancelled, true);
  assert.equal(typeof end.timeToFirstByteMs, "number");
});

test("failover: one onAttempt per entry of the trace, the answer from the backup", async () => {
  A.setFault("503");
  const r = recorder();
  const llm = createLLM(cfg({ hooks: r.hooks, backups: [{ endpoint: B.url }] }));
  const a = await llm.getAnswer(user(PROMPT));
  assert.equal(a.endpoint, B.url);
  assert.deepEqual(r.names(), ["onRequest", "onAttempt", "onAttempt", "onResponse"]);
  const [a1, a2] = r.of("onAttempt");
  assert.deepEqual([a1.attempt, a1.endpoint, a1.status, a1.errorCode], [1, A.url, 503, "service_unavailable"]);
  assert.deepEqual([a2.attempt, a2.endpoint, a2.status, a2.errorCode], [2, B.url, 200, undefined]);
  const res = r.of("onResponse")[0];
  assert.deepEqual([res.attempt, res.endpoint, res.status], [2, B.url, 200]);

  // The same for a stream, failing over before the first delta.
  const rs = recorder();
  const s = createLLM(cfg({ hooks: rs.hooks, backups: [{ endpoint: B.url }] })).streamAnswer(user(PROMPT));
  await collect(s);
  assert.deepEqual(rs.names(), ["onRequest", "onAttempt", "onAttempt", "onStreamEnd"]);
  assert.deepEqual(rs.of("onAttempt").map((x) => [x.attempt, x.endpoint, x.status]), [[1, A.url, 503], [2, B.url, 200]]);
  assert.equal(rs.of("onStreamEnd")[0].endpoint, B.url);
  assert.equal(rs.of("onStreamEnd")[0].attempt, 2);
});

test("failover to another provider: the attempt and the result name the backup's provider and model", async () => {
  A.setFault("500");
  const r = recorder();
  const llm = createLLM(cfg({ hooks: r.hooks, backups: [{ provider: "openai", baseURL: `${B.url}/v1`, apiKey: KEY, model: "gpt-4o" }] }));
  await llm.getAnswer(user(PROMPT));
  const [a1, a2] = r.of("onAttempt");
  assert.deepEqual([a1.provider, a1.model], ["azure", "gpt-4.1-mini"]);
  assert.deepEqual([a2.provider, a2.model], ["openai", "gpt-4o"]);
  const res = r.of("onResponse")[0];
  assert.deepEqual([res.provider, res.model], ["openai", "gpt-4o"]);
  assert.deepEqual([r.of("onRequest")[0].provider, r.of("onRequest")[0].model], ["azure", "gpt-4.1-mini"]);
});

test("errors: onError with the code, status and attempts; no onResponse", async () => {
  // Refused by the endpoint (not failed over).
  A.setFault("401");
  let r = recorder();
  let e = await rejects(createLLM(cfg({ hooks: r.hooks, backups: [{ endpoint: B.url }] })).getAnswer(user(PROMPT)));
  assert.equal(e.code, "authentication");
  assert.deepEqual(r.names(), ["onRequest", "onAttempt", "onError"]);
  let err = r.of("onError")[0];
  assert.deepEqual([err.errorCode, err.status, err.attempt, err.endpoint], ["authentication", 401, 1, A.url]);
  assert.equal(err.usage, undefined);
  assert.equal(err.costUsd, undefined);
  A.setFault(undefined);

  // Every endpoint down.
  A.setFault("500");
  B.setFault("502");
  r = recorder();
  e = await rejects(createLLM(cfg({ hooks: r.hooks, backups: [{ endpoint: B.url }] })).getAnswer(user(PROMPT)));
  assert.equal(e.code, "all_endpoints_failed");
  assert.deepEqual(r.names(), ["onRequest", "onAttempt", "onAttempt", "onError"]);
  err = r.of("onError")[0];
  assert.deepEqual([err.errorCode, err.attempt, err.endpoint, err.status], ["all_endpoints_failed", 2, B.url, 502]);
  A.setFault(undefined);
  B.setFault(undefined);

  // Bad input: nothing sent, no attempts.
  r = recorder();
  e = await rejects(createLLM(cfg({ hooks: r.hooks })).getAnswer([{ role: "wizard", content: PROMPT }], { requestId: "bad" }));
  assert.equal(e.code, "invalid_input");
  assert.deepEqual(r.names(), ["onRequest", "onError"]);
  assert.deepEqual([r.of("onError")[0].errorCode, r.of("onError")[0].attempt, r.of("onError")[0].requestId], ["invalid_input", 0, "bad"]);

  // A bad ctx: still reported, without a request id.
  r = recorder();
  e = await rejects(createLLM(cfg({ hooks: r.hooks })).getAnswer(user(PROMPT), "not a ctx"));
  assert.equal(e.code, "invalid_input");
  assert.deepEqual(r.names(), ["onRequest", "onError"]);
});

test("stream errors: mid-stream failure after text, the caller's abort, bad input", async () => {
  A.setFault("reset-mid", Infinity, 2);
  let r = recorder();
  let e = await rejects(collect(createLLM(cfg({ hooks: r.hooks })).streamAnswer(user(PROMPT))));
  assert.equal(e.code, "connection");
  assert.deepEqual(r.names(), ["onRequest", "onAttempt", "onError"]);
  let err = r.of("onError")[0];
  assert.equal(err.errorCode, "connection");
  assert.equal(err.stream, true);
  assert.equal(typeof err.timeToFirstByteMs, "number");
  A.setFault(undefined);

  r = recorder();
  const ac = new AbortController();
  const s = createLLM(cfg({ hooks: r.hooks })).streamAnswer(user(`${PROMPT} [[words:40]] [[delay:20]]`), { signal: ac.signal });
  e = await rejects(
    (async () => {
      for await (const c of s) if (c.delta) ac.abort();
    })(),
  );
  assert.equal(e.code, "aborted");
  assert.deepEqual(r.names().at(-1), "onError");
  assert.equal(r.of("onError")[0].errorCode, "aborted");
  assert.equal(r.log.filter((x) => x[0] !== "onAttempt").length, 2, "one onRequest and one end event");

  r = recorder();
  e = await rejects(collect(createLLM(cfg({ hooks: r.hooks })).streamAnswer(null)));
  assert.equal(e.code, "invalid_input");
  assert.deepEqual(r.names(), ["onRequest", "onError"]);
});

test("hooks that throw, reject or return junk never break or delay a call; onHookError hears of them", async () => {
  const heard = [];
  const boom = () => {
    throw new Error("hook exploded");
  };
  const hooks = {
    onRequest: boom,
    onAttempt: async () => {
      throw new Error("async hook rejected");
    },
    onResponse: () => ({ then: 42 }), // a junk thenable
    onError: boom,
    onStreamEnd: boom,
    onHookError: (error, { hook }) => {
      heard.push([hook, error.message]);
      throw new Error("and the error hook throws too");
    },
  };
  const llm = createLLM(cfg({ hooks }));
  const a = await llm.getAnswer(user(PROMPT));
  assert.equal(a.content, `You said: ${PROMPT}`);
  const chunks = await collect(llm.streamAnswer(user(PROMPT)));
  assert.equal(chunks.map((c) => c.delta).join(""), `You said: ${PROMPT}`);
  A.setFault("400");
  assert.equal((await rejects(llm.getAnswer(user(PROMPT)))).code, "bad_request");
  A.setFault(undefined);
  await new Promise((r) => setTimeout(r, 10)); // rejections are reported a tick later
  const seen = new Set(heard.map((x) => x[0]));
  for (const k of ["onRequest", "onAttempt", "onStreamEnd", "onError"]) assert.ok(seen.has(k), `${k}: ${JSON.stringify(heard)}`);
  assert.ok(heard.some(([k, m]) => k === "onAttempt" && m === "async hook rejected"));

  // Without onHookError the failures go nowhere, and a slow async hook is not awaited.
  const slow = createLLM(cfg({ hooks: { onRequest: boom, onResponse: () => new Promise(() => {}) } }));
  const t0 = Date.now();
  assert.equal((await slow.getAnswer(user(PROMPT))).content, `You said: ${PROMPT}`);
  assert.ok(Date.now() - t0 < 1000);
});

test("several hook sets (an array) are all called; config.hooks is checked at createLLM", async () => {
  const r1 = recorder();
  const r2 = recorder();
  await createLLM(cfg({ hooks: [r1.hooks, { onResponse: r2.hooks.onResponse }, null] })).getAnswer(user(PROMPT));
  assert.deepEqual(r1.names(), ["onRequest", "onAttempt", "onResponse"]);
  assert.deepEqual(r2.names(), ["onResponse"]);
  // Each set gets its own copy of metadata: one hook editing it cannot change what the next sees.
  const seen = [];
  await createLLM(cfg({ hooks: [{ onRequest: (e) => (e.metadata.x = "changed") }, { onRequest: (e) => seen.push(e.metadata.x) }] })).getAnswer(user(PROMPT), { metadata: { x: "original" } });
  assert.deepEqual(seen, ["original"]);

  for (const [hooks, what] of [
    [{ onRequest: 1 }, "config.hooks.onRequest must be a function"],
    [{ onResponse: "log" }, "config.hooks.onResponse must be a function"],
    [{ onFinish() {} }, "config.hooks.onFinish is not a hook"],
    ["hooks", "config.hooks must be an object"],
    [[{ onError: {} }], "config.hooks[0].onError must be a function"],
  ]) {
    let e;
    try {
      createLLM(cfg({ hooks }));
    } catch (x) {
      e = x;
    }
    assert.ok(e instanceof LLMError, String(e));
    assert.equal(e.code, "invalid_input");
    assert.equal(e.message, what);
    assert.match(e.hint, /onRequest/);
  }
  // null and undefined mean no hooks; hooks never reach the Rust config parser.
  for (const hooks of [null, undefined, {}, { onRequest: undefined }]) assert.equal((await createLLM(cfg({ hooks })).getAnswer(user(PROMPT))).content, `You said: ${PROMPT}`);
});

test("media: operation image and speech (llm-edge/full), the refusal on the default entry", async () => {
  const r = recorder();
  const img = createFull(cfg({ model: "gpt-image-1", deploymentName: "gpt-image-1", hooks: r.hooks, timeoutMs: 15_000 }));
  const res = await img.getImage(PROMPT, { requestId: "img" }, { size: "1024x1024", quality: "low" });
  assert.deepEqual(r.names(), ["onRequest", "onAttempt", "onResponse"]);
  const done = r.of("onResponse")[0];
  assert.deepEqual([done.operation, done.stream, done.endpoint, done.requestId], ["image", false, A.url, "img"]);
  if (res.usage) assert.equal(done.costUsd, res.usage.costUsd);

  const rs = recorder();
  const s = createFull(cfg({ model: "gpt-image-1", deploymentName: "gpt-image-1", hooks: rs.hooks, timeoutMs: 15_000 })).streamImage(PROMPT, {}, { partialImages: 1, size: "1024x1024", quality: "low" });
  await collect(s);
  assert.deepEqual(rs.names(), ["onRequest", "onAttempt", "onStreamEnd"]);
  assert.deepEqual([rs.of("onStreamEnd")[0].operation, rs.of("onStreamEnd")[0].stream], ["image", true]);
  assert.equal(typeof rs.of("onStreamEnd")[0].timeToFirstByteMs, "number");

  const ra = recorder();
  await createFull(cfg({ model: "gpt-4o-mini-tts", deploymentName: "gpt-4o-mini-tts", hooks: ra.hooks, timeoutMs: 15_000 })).getAudio(PROMPT);
  assert.equal(ra.of("onResponse")[0].operation, "speech");

  const rd = recorder();
  const def = createLLM(cfg({ model: "gpt-image-1", deploymentName: "gpt-image-1", hooks: rd.hooks }));
  assert.equal((await rejects(def.getImage(PROMPT))).code, "unsupported_operation");
  assert.equal((await rejects(collect(def.streamImage(PROMPT)))).code, "unsupported_operation");
  assert.deepEqual(rd.names(), ["onRequest", "onError", "onRequest", "onError"]);
  assert.deepEqual(rd.of("onError").map((x) => [x.operation, x.stream, x.errorCode]), [["image", false, "unsupported_operation"], ["image", true, "unsupported_operation"]]);
});

test("no key, token or message content in any hook payload", async () => {
  // Entra ID tokens too: a getToken backup.
  A.setFault("500");
  const r = recorder();
  const llm = createLLM(cfg({ hooks: r.hooks, backups: [{ endpoint: B.url, apiKey: undefined, getToken: async () => TOKEN }] }));
  await llm.getAnswer(user(PROMPT));
  await collect(llm.streamAnswer(user(PROMPT)));
  A.setFault(undefined);
  B.setFault("401");
  await rejects(createLLM(cfg({ hooks: r.hooks, endpoint: B.url, apiKey: undefined, getToken: async () => TOKEN })).getAnswer(user(PROMPT)));
  assert.ok(everything.length > 50, `${everything.length} payloads`);
  const all = JSON.stringify(everything);
  for (const secret of [KEY, TOKEN, PROMPT, "You said"]) assert.ok(!all.includes(secret), `${secret} in a hook payload`);
  // Nothing but plain data: no functions, no class instances.
  for (const ev of everything) assert.equal(Object.getPrototypeOf(ev), Object.prototype);
});

// ---------------------------------------------------------------- OpenTelemetry

/** A tracer with nothing but the duck-typed surface toOpenTelemetry uses. */
function fakeTracer() {
  const spans = [];
  return {
    spans,
    startSpan(name, options) {
      const span = { name, kind: options?.kind, attributes: { ...options?.attributes }, events: [], status: undefined, ended: 0 };
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

test("toOpenTelemetry with a fake tracer: one span per call, gen_ai.* attributes, attempts as events", async () => {
  A.setFault("503");
  const tracer = fakeTracer();
  const llm = createLLM(cfg({ hooks: toOpenTelemetry(tracer), backups: [{ endpoint: B.url }] }));
  const a = await llm.getAnswer(user(PROMPT), { requestId: "otel-1", metadata: { tenant: "t1" } });
  A.setFault(undefined);
  assert.equal(tracer.spans.length, 1);
  const s = tracer.spans[0];
  assert.equal(s.name, "chat gpt-4.1-mini");
  assert.equal(s.kind, 2); // CLIENT
  assert.equal(s.ended, 1);
  assert.equal(s.status, undefined, "success leaves the status unset");
  const port = Number(new URL(B.url).port);
  assert.deepEqual(s.attributes, {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "azure.ai.openai",
    "gen_ai.system": "azure.ai.openai",
    "gen_ai.request.model": "gpt-4.1-mini",
    "gen_ai.response.model": a.model,
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": a.usage.promptTokens,
    "gen_ai.usage.output_tokens": a.usage.completionTokens,
    "server.address": "127.0.0.1",
    "server.port": port,
    "http.response.status_code": 200,
    "llm_edge.stream": false,
    "llm_edge.request_id": "otel-1",
    "llm_edge.endpoint": B.url,
    "llm_edge.attempts": 2,
    "llm_edge.latency_ms": s.attributes["llm_edge.latency_ms"],
    "llm_edge.cost_usd": a.usage.costUsd,
  });
  assert.equal(typeof s.attributes["llm_edge.latency_ms"], "number");
  assert.deepEqual(
    s.events.map((e) => ({ ...e.attributes, "llm_edge.latency_ms": 0 })),
    [
      { "llm_edge.attempt": 1, "server.address": "127.0.0.1", "server.port": Number(new URL(A.url).port), "http.response.status_code": 503, "error.type": "service_unavailable", "llm_edge.latency_ms": 0 },
      { "llm_edge.attempt": 2, "server.address": "127.0.0.1", "server.port": port, "http.response.status_code": 200, "llm_edge.latency_ms": 0 },
    ],
  );
  assert.ok(s.events.every((e) => e.name === "llm_edge.attempt"));

  // A stream: time to first chunk (seconds, as the convention has it); an error: error.type and status.
  const st = fakeTracer();
  const traced = createLLM(cfg({ hooks: toOpenTelemetry(st, { metadata: true }) }));
  await collect(traced.streamAnswer(user(PROMPT), { metadata: { tenant: "t1" } }));
  A.setFault("429");
  await rejects(traced.getAnswer(user(PROMPT)));
  A.setFault(undefined);
  assert.equal(st.spans.length, 2);
  const [stream, failed] = st.spans;
  assert.equal(stream.attributes["llm_edge.stream"], true);
  assert.equal(stream.attributes["llm_edge.metadata.tenant"], "t1");
  assert.ok(stream.attributes["gen_ai.response.time_to_first_chunk"] > 0 && stream.attributes["gen_ai.response.time_to_first_chunk"] < 5);
  assert.equal(stream.attributes["llm_edge.time_to_first_byte_ms"], stream.attributes["gen_ai.response.time_to_first_chunk"] * 1000);
  assert.ok(stream.attributes["gen_ai.usage.output_tokens"] > 0);
  assert.equal(failed.attributes["error.type"], "rate_limited");
  assert.equal(failed.attributes["http.response.status_code"], 429);
  assert.deepEqual(failed.status, { code: 2, message: "rate_limited" });
  assert.equal(failed.ended, 1);
  assert.ok(!JSON.stringify(st.spans).includes(KEY));
  assert.ok(!JSON.stringify(st.spans).includes(PROMPT));

  assert.throws(() => toOpenTelemetry({}), TypeError);
  assert.throws(() => toOpenTelemetry(null), TypeError);
});

test("toOpenTelemetry: spans of calls that never end are bounded (maxOpenSpans)", async () => {
  const tracer = fakeTracer();
  const llm = createLLM(cfg({ hooks: toOpenTelemetry(tracer, { maxOpenSpans: 2 }) }));
  const streams = [1, 2, 3].map(() => llm.streamAnswer(user(PROMPT))); // never read
  assert.equal(tracer.spans.length, 3);
  assert.equal(tracer.spans[0].ended, 1);
  assert.equal(tracer.spans[0].attributes["error.type"], "abandoned");
  assert.equal(tracer.spans[1].ended + tracer.spans[2].ended, 0);
  for (const s of streams) await s.cancel();
  assert.ok(tracer.spans.every((s) => s.ended === 1));
});

test("toOpenTelemetry with @opentelemetry/sdk-trace-base's InMemorySpanExporter", async (t) => {
  let sdk;
  try {
    sdk = await import("@opentelemetry/sdk-trace-base");
  } catch {
    return t.skip("@opentelemetry/sdk-trace-base is not installed");
  }
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = sdk;
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("llm-edge-test");
  A.setFault("500");
  const llm = createLLM(cfg({ hooks: toOpenTelemetry(tracer), backups: [{ endpoint: B.url }] }));
  const a = await llm.getAnswer(user(PROMPT));
  await collect(llm.streamAnswer(user(PROMPT)));
  B.setFault("503");
  await rejects(llm.getAnswer(user(PROMPT)));
  A.setFault(undefined);
  B.setFault(undefined);
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 3);
  const [answer, stream, failed] = spans;
  assert.equal(answer.name, "chat gpt-4.1-mini");
  assert.equal(answer.kind, 2);
  assert.equal(answer.attributes["gen_ai.operation.name"], "chat");
  assert.equal(answer.attributes["gen_ai.provider.name"], "azure.ai.openai");
  assert.equal(answer.attributes["gen_ai.request.model"], "gpt-4.1-mini");
  assert.equal(answer.attributes["gen_ai.response.model"], a.model);
  assert.equal(answer.attributes["gen_ai.usage.input_tokens"], a.usage.promptTokens);
  assert.equal(answer.attributes["gen_ai.usage.output_tokens"], a.usage.completionTokens);
  assert.equal(answer.attributes["server.address"], "127.0.0.1");
  assert.deepEqual(answer.attributes["gen_ai.response.finish_reasons"], ["stop"]);
  assert.deepEqual(answer.events.map((e) => [e.name, e.attributes["llm_edge.attempt"], e.attributes["error.type"]]), [["llm_edge.attempt", 1, "service_unavailable"], ["llm_edge.attempt", 2, undefined]]);
  assert.equal(answer.status.code, 0); // unset
  assert.equal(stream.attributes["llm_edge.stream"], true);
  assert.ok(stream.attributes["gen_ai.response.time_to_first_chunk"] > 0);
  assert.equal(failed.status.code, 2);
  assert.equal(failed.attributes["error.type"], "all_endpoints_failed");
  assert.equal(failed.events.length, 2);
  // Durations are real: the span covers the call.
  for (const s of spans) assert.ok(s.duration[0] * 1e3 + s.duration[1] / 1e6 > 0);
  const dump = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
  for (const secret of [KEY, PROMPT]) assert.ok(!dump.includes(secret));
  await provider.shutdown();
});
