// Answers and streams for every registry model, with each model's wire transforms
// checked on what the emulator (Azure's wire format) received.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { emulator, azure, user, collect, listModels, isLLM, KEY } from "./helpers.mjs";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

const last = () => emu.requests.at(-1);

test("getAnswer returns the answer, usage, model, endpoint and attempts", async () => {
  const llm = azure(emu);
  assert.ok(isLLM(llm));
  const r = await llm.getAnswer(user("hello world"));
  assert.equal(r.content, "You said: hello world");
  assert.equal(r.finishReason, "stop");
  const { costUsd, ...counts } = r.usage;
  assert.deepEqual(counts, { promptTokens: 10, completionTokens: 4, totalTokens: 14 });
  assert.ok(Math.abs(costUsd - (10 * 0.4 + 4 * 1.6) / 1e6) < 1e-15, "gpt-4.1-mini: $0.40 in, $1.60 out per million");
  assert.match(r.model, /^gpt-4.1-mini/);
  assert.equal(r.endpoint, emu.url);
  assert.equal(r.attempts.length, 1);
  assert.equal(r.attempts[0].status, 200);
  assert.equal(r.attempts[0].endpoint, emu.url);
  assert.equal(typeof r.latencyMs, "number");
  assert.equal(last().apiVersion, "2024-10-21");
  assert.equal(last().auth, "api-key");
});

test("gpt-4.1-mini: maxTokens goes out as max_completion_tokens, temperature is dropped", async () => {
  const r = await azure(emu).getAnswer(user("one two three four five six"), {}, { maxTokens: 3, temperature: 0.2, topP: 0.5 });
  const body = last().body;
  assert.equal(body.max_completion_tokens, 3);
  assert.equal(body.max_tokens, undefined);
  assert.equal(body.temperature, undefined);
  assert.equal(body.top_p, 0.5);
  assert.equal(r.finishReason, "length");
  assert.equal(r.content, "You said: one ");
});

test("the emulator's gpt-4.1-mini deployment refuses max_tokens the way Azure does", async () => {
  // params.extra goes out after the transforms, so this reaches the deployment as-is.
  const e = await azure(emu).getAnswer(user("x"), {}, { extra: { max_tokens: 5 } }).catch((e) => e);
  assert.equal(e.code, "bad_request");
  assert.equal(e.status, 400);
  assert.match(e.message, /Unsupported parameter: 'max_tokens'/);
  assert.equal(e.providerCode, "unsupported_parameter");
});

for (const model of ["gpt-4.1", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini"]) {
  test(`${model}: standard parameters pass through`, async () => {
    const llm = azure(emu, { model, deploymentName: model });
    const r = await llm.getAnswer(user("hi"), {}, { maxTokens: 20, temperature: 0.7, seed: 4, stop: ["\n"], presencePenalty: 0.1 });
    assert.equal(r.content, "You said: hi");
    const b = last().body;
    assert.equal(b.max_tokens, 20);
    assert.equal(b.temperature, 0.7);
    assert.equal(b.seed, 4);
    assert.deepEqual(b.stop, ["\n"]);
    assert.equal(b.presence_penalty, 0.1);
    assert.equal(last().apiVersion, "2024-10-21");
  });
}

for (const model of ["o3-mini", "o4-mini"]) {
  test(`${model}: reasoning transforms and api-version`, async () => {
    const llm = azure(emu, { model, deploymentName: model });
    const r = await llm.getAnswer(user("think"), {}, { maxTokens: 50, temperature: 0.3, topP: 0.9, frequencyPenalty: 0.2, reasoningEffort: "high" });
    assert.equal(r.content, "You said: think");
    const b = last().body;
    assert.equal(b.max_completion_tokens, 50);
    assert.equal(b.reasoning_effort, "high");
    for (const k of ["max_tokens", "temperature", "top_p", "frequency_penalty"]) assert.equal(b[k], undefined, k);
    assert.equal(last().apiVersion, "2024-12-01-preview");
    const n = emu.requests.length;
    const e = await llm.getAnswer(user("x"), {}, { reasoningEffort: "minimal" }).catch((e) => e);
    assert.equal(e.code, "invalid_input");
    assert.equal(emu.requests.length, n, "nothing sent");
  });
}

test("streamAnswer: a ReadableStream and an async iterable at once", async () => {
  const s = azure(emu).streamAnswer(user("stream me please"));
  assert.ok(s instanceof ReadableStream);
  assert.equal(typeof s[Symbol.asyncIterator], "function");
  const chunks = await collect(s);
  assert.equal(chunks.map((c) => c.delta).join(""), "You said: stream me please");
  assert.deepEqual(chunks.slice(0, 2).map((c) => c.delta), ["You ", "said: "]);
  assert.equal(chunks.find((c) => c.finishReason).finishReason, "stop");
  const { costUsd, ...counts } = chunks.at(-1).usage;
  assert.deepEqual(counts, { promptTokens: 11, completionTokens: 5, totalTokens: 16 });
  assert.ok(costUsd > 0);
  assert.equal(s.endpoint, emu.url);
  assert.equal(s.attempts[0].status, 200);
  const b = last().body;
  assert.equal(b.stream, true);
  assert.deepEqual(b.stream_options, { include_usage: true });
});

test("streamAnswer through getReader(), the plain Web Streams way", async () => {
  const reader = azure(emu).streamAnswer(user("read me")).getReader();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value.delta;
  }
  assert.equal(text, "You said: read me");
});

test("a stream cannot be consumed twice", async () => {
  const s = azure(emu).streamAnswer(user("once"));
  const it = s[Symbol.asyncIterator]();
  assert.throws(() => s.getReader(), TypeError);
  await it.return();
});

test("long streams keep every chunk in order, multi-byte text intact", async () => {
  const chunks = await collect(azure(emu).streamAnswer(user("[[words:5000]]")));
  const text = chunks.map((c) => c.delta).join("");
  assert.equal(text.split(" ").filter(Boolean).length, 5000);
  assert.ok(text.startsWith("w0 w1 w2 ") && text.endsWith("w4999 "));
  const uni = await collect(azure(emu).streamAnswer(user("héllo 🌍 日本語 ok")));
  assert.equal(uni.map((c) => c.delta).join(""), "You said: héllo 🌍 日本語 ok");
});

test("tool calls: whole and streamed", async () => {
  const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { input: { type: "string" } } } } }];
  const llm = azure(emu, { model: "gpt-4o", deploymentName: "gpt-4o" });
  const r = await llm.getAnswer(user("Paris"), {}, { tools, toolChoice: "auto" });
  assert.equal(r.finishReason, "tool_calls");
  assert.equal(r.toolCalls[0].function.name, "get_weather");
  assert.deepEqual(JSON.parse(r.toolCalls[0].function.arguments), { input: "Paris" });
  const chunks = await collect(llm.streamAnswer(user("Paris"), {}, { tools }));
  const deltas = chunks.flatMap((c) => c.toolCallDeltas ?? []);
  assert.equal(deltas[0].name, "get_weather");
  assert.ok(deltas[0].id);
  assert.deepEqual(JSON.parse(deltas.map((d) => d.arguments ?? "").join("")), { input: "Paris" });
  assert.equal(chunks.find((c) => c.finishReason).finishReason, "tool_calls");
  // The tool result goes back as a tool message and the model answers in text.
  const follow = await llm.getAnswer([
    { role: "user", content: "Paris" },
    { role: "assistant", content: null, tool_calls: r.toolCalls },
    { role: "tool", tool_call_id: r.toolCalls[0].id, content: "sunny" },
  ], {}, { tools });
  assert.equal(follow.finishReason, "stop");
});

test("getToken: Entra ID bearer tokens, asked for on every request", async () => {
  let calls = 0;
  const llm = azure(emu, { apiKey: undefined, getToken: async () => (calls++, "test-token") });
  await llm.getAnswer(user("a"));
  await collect(llm.streamAnswer(user("b")));
  assert.equal(calls, 2);
  assert.equal(last().auth, "bearer");
});

test("requestId is sent as x-ms-client-request-id", async () => {
  await azure(emu).getAnswer(user("a"), { requestId: "req-42" });
  assert.equal(last().requestId, "req-42");
});

test("defaults from the config apply unless a call overrides them", async () => {
  const llm = azure(emu, { model: "gpt-4o", deploymentName: "gpt-4o", defaults: { temperature: 0.1, maxTokens: 99 } });
  await llm.getAnswer(user("a"), {}, { temperature: 0.9 });
  assert.equal(last().body.temperature, 0.9);
  assert.equal(last().body.max_tokens, 99);
});

test("listModels: the registry's metadata", () => {
  // The text models (the media models are checked in media.test.mjs).
  const models = listModels().filter((m) => m.outputTypes.includes("text"));
  const ids = models.map((m) => m.modelName).sort();
  assert.deepEqual(ids, ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o3-mini", "o4-mini"]);
  for (const m of models) {
    assert.equal(m.provider, "azure");
    assert.ok(m.contextWindow > 100_000 && m.maxOutputTokens > 10_000, m.modelName);
    assert.ok(m.pricing.inputPerMTok > 0 && m.pricing.outputPerMTok > m.pricing.inputPerMTok, m.modelName);
    assert.deepEqual(m.outputTypes, ["text"]);
    assert.ok(m.inputTypes.includes("text"));
  }
  assert.deepEqual(models.find((m) => m.modelName === "o3-mini").inputTypes, ["text"]);
  assert.equal(azure(emu).metadata.modelName, "gpt-4.1-mini");
  assert.equal(KEY.length > 0, true);
});

test("parallelToolCalls goes out as parallel_tool_calls", async () => {
  const llm = azure(emu, { model: "gpt-4o", deploymentName: "gpt-4o" });
  await llm.getAnswer(user("x"), {}, { parallelToolCalls: false });
  assert.equal(last().body.parallel_tool_calls, false);
  await assert.rejects(llm.getAnswer(user("x"), {}, { parallelToolCalls: "no" }), (e) => e.code === "invalid_input");
});
