// The package's public API against real third-party servers (tests/real/servers.mjs):
// the OpenAI provider on llama.cpp with a real model (SmolLM2-135M), the Azure provider on
// the LiteLLM proxy (canned and real deployments, its error for a wrong key, a 5xx
// deployment), both request styles and custom headers on llm-katan's echo server, backups
// across providers, and the `fetch` option. Installed by scripts/setup-servers.sh.
//
//   bash scripts/setup-servers.sh && node --test tests/real/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createLLM, LLMError } from "../../pkg/node.js";
import { startServers, startLlama, nonLoopbackConnections, DEAD_URL, LITELLM_KEY, LITELLM_MOCK_REPLY, LLAMA_MODEL } from "./servers.mjs";

let S; // { llama, litellm, katan }
before(async () => {
  S = await startServers();
}, { timeout: 180_000 });
after(() => S?.stop());

const T = { timeout: 90_000 };
const user = (content) => [{ role: "user", content }];
const KATAN_KEY = "katan-key-0123456789";
const WRONG_KEY = "sk-wrong-9876543210";

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}
const textOf = (chunks) => chunks.map((c) => c.delta).join("");
async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}
function everythingAbout(err) {
  return [String(err), err.message, err.hint, err.stack, JSON.stringify(err), JSON.stringify(err.attempts), err.partialContent].join("\n");
}
const FINISH = ["stop", "length", "content_filter", "tool_calls", "unknown"];

function checkUsage(u) {
  assert.ok(u, "usage");
  for (const k of ["promptTokens", "completionTokens", "totalTokens"]) assert.ok(Number.isInteger(u[k]) && u[k] >= 0, `${k}: ${u[k]}`);
  assert.ok(u.promptTokens > 0 && u.completionTokens > 0, JSON.stringify(u));
  assert.equal(u.totalTokens, u.promptTokens + u.completionTokens);
}

/** A fetch that records each request (URL, method, headers, JSON body) and forwards it to
 *  the global fetch of the moment it was made. */
function recordingFetch() {
  const forward = globalThis.fetch;
  const calls = [];
  const f = async (input, init = {}) => {
    const req = input instanceof Request ? input : undefined;
    const url = req ? req.url : String(input);
    const headers = Object.fromEntries(new Headers(init.headers ?? req?.headers ?? {}));
    let body = init.body ?? (req ? await req.clone().text() : undefined);
    if (body instanceof Uint8Array || body instanceof ArrayBuffer) body = new TextDecoder().decode(body);
    let json;
    try {
      json = typeof body === "string" ? JSON.parse(body) : undefined;
    } catch {}
    calls.push({ url, method: init.method ?? req?.method ?? "GET", headers, body: json });
    return forward(input, init);
  };
  f.calls = calls;
  return f;
}

/** Runs `fn` with the global fetch replaced by a counter; returns how often it was called. */
async function globalFetchCalls(fn) {
  const original = globalThis.fetch;
  let n = 0;
  globalThis.fetch = (...a) => {
    n++;
    return original(...a);
  };
  try {
    await fn(original);
  } finally {
    globalThis.fetch = original;
  }
  return n;
}

const llamaLLM = (over = {}) => createLLM({ provider: "openai", baseURL: S.llama.baseURL, model: LLAMA_MODEL, ...over });
const litellmAzure = (deploymentName, over = {}) =>
  createLLM({ provider: "azure", model: "gpt-4o", endpoint: S.litellm.url, deploymentName, apiKey: LITELLM_KEY, ...over });

// ---------------------------------------------------------------- the servers themselves
// Plain fetch: the wire shapes the library tests below rely on, so a failure there points at
// the server set-up rather than the library.

const post = (url, body, headers = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
async function sseEvents(res) {
  const text = await res.text();
  return text.split(/\r?\n\r?\n/).map((e) => e.trim()).filter((e) => e.startsWith("data:")).map((e) => e.slice(5).trim());
}

test("smoke: llama.cpp answers /v1/chat/completions with the real model, JSON and SSE", T, async () => {
  const models = await (await fetch(`${S.llama.baseURL}/models`)).json();
  assert.ok(models.data.some((m) => m.id === LLAMA_MODEL), JSON.stringify(models));
  const body = { model: LLAMA_MODEL, messages: user("What is the capital of France? Answer in one sentence."), max_tokens: 48, temperature: 0 };
  const j = await (await post(`${S.llama.baseURL}/chat/completions`, body)).json();
  assert.match(j.choices[0].message.content, /Paris/);
  assert.equal(j.choices[0].finish_reason, "stop");
  assert.ok(j.usage.prompt_tokens > 0 && j.usage.completion_tokens > 0);
  const events = await sseEvents(await post(`${S.llama.baseURL}/chat/completions`, { ...body, stream: true }));
  assert.equal(events.at(-1), "[DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), j.choices[0].message.content);
  assert.equal(chunks.at(-1).choices[0].finish_reason, "stop");
});

test("smoke: LiteLLM's Azure deployment path: canned mock, real model, wrong key, 5xx upstream", T, async () => {
  const azurePath = (d) => `${S.litellm.url}/openai/deployments/${d}/chat/completions?api-version=2024-10-21`;
  const mock = await post(azurePath("gpt-4o-mock"), { messages: user("hi") }, { "api-key": LITELLM_KEY });
  assert.equal(mock.status, 200);
  assert.equal((await mock.json()).choices[0].message.content, LITELLM_MOCK_REPLY);
  const real = await (await post(azurePath("smollm2"), { messages: user("Say hello."), max_tokens: 16, temperature: 0 }, { "api-key": LITELLM_KEY })).json();
  assert.ok(real.choices[0].message.content.length > 0);
  const wrong = await post(azurePath("gpt-4o-mock"), { messages: user("hi") }, { "api-key": WRONG_KEY });
  assert.equal(wrong.status, 400); // no database behind the proxy: it cannot check other keys
  await wrong.arrayBuffer();
  const broken = await post(azurePath("broken"), { messages: user("hi"), max_tokens: 4 }, { "api-key": LITELLM_KEY });
  assert.ok(broken.status >= 500, `broken upstream answered ${broken.status}`);
  await broken.arrayBuffer();
});

test("smoke: llm-katan echoes on both Azure styles and the OpenAI path", T, async () => {
  const v1 = await (await post(`${S.katan.url}/openai/v1/chat/completions`, { model: "my-deploy", messages: user("ping v1") }, { "api-key": KATAN_KEY })).json();
  assert.match(v1.choices[0].message.content, /ping v1/);
  const dep = await (await post(`${S.katan.url}/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21`, { messages: user("ping dep") }, { "api-key": KATAN_KEY })).json();
  assert.match(dep.choices[0].message.content, /ping dep/);
  const oa = await (await post(`${S.katan.baseURL}/chat/completions`, { model: "m", messages: user("ping oa") }, { authorization: `Bearer ${KATAN_KEY}` })).json();
  assert.match(oa.choices[0].message.content, /ping oa/);
});

// ---------------------------------------------------------------- OpenAI provider → llama.cpp

test("openai → llama.cpp: getAnswer with no key: text, usage, finish reason, who served it", T, async () => {
  const r = await llamaLLM().getAnswer(user("What is the capital of France? Answer in one sentence."), {}, { maxTokens: 48, temperature: 0 });
  assert.ok(r.content.trim().length > 0, JSON.stringify(r));
  assert.match(r.content, /Paris/);
  assert.equal(r.finishReason, "stop");
  checkUsage(r.usage);
  assert.equal(r.endpoint, S.llama.url);
  assert.equal(r.attempts.length, 1);
  assert.equal(r.attempts[0].endpoint, S.llama.url);
  assert.equal(r.attempts[0].status, 200);
  assert.equal(typeof r.model, "string");
  assert.ok(r.latencyMs >= 0);
});

test("openai → llama.cpp: streamAnswer delivers chunks and a finish reason", T, async () => {
  const s = llamaLLM().streamAnswer(user("Say hello in five words."), {}, { maxTokens: 24, temperature: 0 });
  const chunks = await collect(s);
  assert.ok(chunks.filter((c) => c.delta).length > 1, `${chunks.length} chunks`);
  assert.ok(textOf(chunks).trim().length > 0);
  const finishes = chunks.filter((c) => c.finishReason);
  assert.equal(finishes.length, 1, JSON.stringify(finishes));
  assert.ok(["stop", "length"].includes(finishes[0].finishReason));
  for (const c of chunks) if (c.usage) checkUsage(c.usage); // llama.cpp sends none; if one came, it is whole
  assert.equal(s.endpoint, S.llama.url);
  assert.equal(s.attempts.at(-1).status, 200);
});

test("openai → llama.cpp: temperature 0 is deterministic, and getAnswer equals the concatenated stream", T, async () => {
  const llm = llamaLLM();
  const params = { maxTokens: 40, temperature: 0, seed: 42 };
  const msgs = user("Name three colors.");
  const a = await llm.getAnswer(msgs, {}, params);
  const b = await llm.getAnswer(msgs, {}, params);
  const streamed = textOf(await collect(llm.streamAnswer(msgs, {}, params)));
  assert.ok(a.content.length > 0);
  assert.equal(b.content, a.content);
  assert.equal(streamed, a.content);
});

test("openai → llama.cpp: maxTokens cuts the answer with finishReason length", T, async () => {
  const r = await llamaLLM().getAnswer(user("Write a long story about a dragon and a knight."), {}, { maxTokens: 8, temperature: 0 });
  assert.equal(r.finishReason, "length");
  assert.equal(r.usage.completionTokens, 8);
});

test("openai → llama.cpp: ctx.signal aborts a stream mid-way with code aborted; the server serves the next request", T, async () => {
  const llm = llamaLLM();
  const ac = new AbortController();
  const s = llm.streamAnswer(user("Write a long story about a dragon."), { signal: ac.signal }, { maxTokens: 200, temperature: 0 });
  let text = "";
  let n = 0;
  const e = await rejects(
    (async () => {
      for await (const c of s) {
        text += c.delta;
        if (c.delta && ++n === 3) ac.abort();
      }
    })(),
  );
  assert.ok(e instanceof LLMError, String(e));
  assert.equal(e.code, "aborted");
  assert.equal(n, 3, "no text after the abort");
  if (e.partialContent !== undefined) assert.equal(e.partialContent, text);
  const next = await llm.getAnswer(user("Say yes."), {}, { maxTokens: 4, temperature: 0 });
  assert.ok(next.content.length > 0);
});

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

function checkToolCalls(calls) {
  for (const c of calls) {
    assert.equal(c.type, "function");
    assert.equal(typeof c.id, "string");
    assert.equal(typeof c.function.name, "string");
    const args = JSON.parse(c.function.arguments);
    assert.equal(typeof args, "object");
  }
}

test("openai → llama.cpp: tools are accepted; the answer is well formed (and any tool call parses)", T, async () => {
  const r = await llamaLLM().getAnswer(user("What is the weather in Paris?"), {}, { maxTokens: 64, temperature: 0, tools: [WEATHER_TOOL], toolChoice: "auto" });
  assert.ok(FINISH.includes(r.finishReason), r.finishReason);
  assert.equal(typeof r.content, "string");
  if (r.toolCalls?.length) checkToolCalls(r.toolCalls);
});

test("openai → llama.cpp: a named toolChoice gets a tool call whose arguments parse (getAnswer and stream)", T, async () => {
  const llm = llamaLLM();
  const params = { maxTokens: 64, temperature: 0, tools: [WEATHER_TOOL], toolChoice: { type: "function", function: { name: "get_weather" } } };
  const r = await llm.getAnswer(user("What is the weather in Paris?"), {}, params);
  assert.ok(r.toolCalls?.length >= 1, JSON.stringify(r));
  checkToolCalls(r.toolCalls);
  assert.equal(r.toolCalls[0].function.name, "get_weather");
  assert.equal(typeof JSON.parse(r.toolCalls[0].function.arguments).city, "string");
  assert.equal(r.finishReason, "tool_calls");

  const chunks = await collect(llm.streamAnswer(user("What is the weather in Paris?"), {}, params));
  const deltas = chunks.flatMap((c) => c.toolCallDeltas ?? []);
  assert.ok(deltas.length > 0, JSON.stringify(chunks));
  assert.equal(deltas.find((d) => d.name)?.name, "get_weather");
  // llama.cpp repeats the id and name on every tool-call delta; the arguments are pieces.
  const args = deltas.filter((d) => d.index === 0).map((d) => d.arguments ?? "").join("");
  assert.equal(typeof JSON.parse(args).city, "string");
  assert.deepEqual(chunks.filter((c) => c.finishReason).map((c) => c.finishReason), ["tool_calls"]);
});

test("openai → llama.cpp: ctx.timeoutMs ends a long generation on time with code timeout", T, async () => {
  const s = llamaLLM().streamAnswer(user("Write a long story about a dragon."), { timeoutMs: 400 }, { maxTokens: 300, temperature: 0 });
  let text = "";
  const t0 = Date.now();
  const e = await rejects((async () => { for await (const c of s) text += c.delta; })());
  assert.ok(e instanceof LLMError, String(e));
  assert.equal(e.code, "timeout");
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  // 300 tokens take seconds even on an idle machine; whatever arrived in time is kept.
  if (e.partialContent !== undefined) assert.equal(e.partialContent, text);
});

test("openai → llama.cpp with --api_key: the key goes as Bearer; a wrong key is authentication (401, llama.cpp's own error body)", T, async () => {
  const key = "llama-key-0123456789";
  const secured = await startLlama({ apiKey: key, name: "llama-keyed" });
  try {
    const r = await createLLM({ provider: "openai", baseURL: secured.baseURL, model: LLAMA_MODEL, apiKey: key }).getAnswer(user("Say yes."), {}, { maxTokens: 4, temperature: 0 });
    assert.ok(r.content.length > 0);
    for (const apiKey of [WRONG_KEY, undefined]) {
      const e = await rejects(createLLM({ provider: "openai", baseURL: secured.baseURL, model: LLAMA_MODEL, apiKey }).getAnswer(user("Say yes."), {}, { maxTokens: 4 }));
      assert.ok(e instanceof LLMError, String(e));
      assert.equal(e.code, "authentication", `${apiKey ? "wrong" : "no"} key: ${e.code} ${e.message}`);
      assert.equal(e.status, 401);
      const all = everythingAbout(e);
      assert.ok(!all.includes(WRONG_KEY) && !all.includes(key), "no key in the error");
    }
  } finally {
    await secured.stop();
  }
});

test("openai: a dead primary fails over to llama.cpp (getAnswer and stream); attempts show connection then 200", T, async () => {
  const llm = createLLM({ provider: "openai", baseURL: `${DEAD_URL}/v1`, model: LLAMA_MODEL, backups: [{ baseURL: S.llama.baseURL }] });
  const r = await llm.getAnswer(user("Say hello."), {}, { maxTokens: 8, temperature: 0 });
  assert.ok(r.content.length > 0);
  assert.equal(r.endpoint, S.llama.url);
  assert.deepEqual(r.attempts.map((a) => [a.endpoint, a.errorCode ?? a.status]), [[DEAD_URL, "connection"], [S.llama.url, 200]]);
  const s = llm.streamAnswer(user("Say hello."), {}, { maxTokens: 8, temperature: 0 });
  assert.ok(textOf(await collect(s)).length > 0);
  assert.equal(s.endpoint, S.llama.url);
  assert.deepEqual(s.attempts.map((a) => [a.endpoint, a.errorCode ?? a.status]), [[DEAD_URL, "connection"], [S.llama.url, 200]]);
});

// ---------------------------------------------------------------- Azure provider → LiteLLM

test("azure → LiteLLM: the canned deployment's text, whole and streamed", T, async () => {
  const llm = litellmAzure("gpt-4o-mock");
  const r = await llm.getAnswer(user("Hello?"));
  assert.equal(r.content, LITELLM_MOCK_REPLY);
  assert.equal(r.finishReason, "stop");
  checkUsage(r.usage);
  assert.equal(r.endpoint, S.litellm.url);
  const chunks = await collect(llm.streamAnswer(user("Hello?")));
  assert.equal(textOf(chunks), LITELLM_MOCK_REPLY);
  assert.equal(chunks.filter((c) => c.finishReason).map((c) => c.finishReason).join(), "stop");
  for (const c of chunks) if (c.usage) checkUsage(c.usage); // LiteLLM's usage chunk carries a non-empty choices array
});

test("azure → LiteLLM → llama.cpp: the smollm2 deployment gives a real answer, whole and streamed", T, async () => {
  const llm = litellmAzure("smollm2");
  const r = await llm.getAnswer(user("What is the capital of France? Answer in one sentence."), {}, { maxTokens: 48, temperature: 0 });
  assert.match(r.content, /Paris/);
  assert.ok(["stop", "length"].includes(r.finishReason));
  checkUsage(r.usage);
  const s = llm.streamAnswer(user("What is the capital of France? Answer in one sentence."), {}, { maxTokens: 48, temperature: 0 });
  assert.match(textOf(await collect(s)), /Paris/);
  assert.equal(s.endpoint, S.litellm.url);
});

test("azure → LiteLLM → llama.cpp: a named toolChoice gets the tool call, whole and streamed (LiteLLM relays it without nulls)", T, async () => {
  const llm = litellmAzure("smollm2");
  const params = { maxTokens: 64, temperature: 0, tools: [WEATHER_TOOL], toolChoice: { type: "function", function: { name: "get_weather" } } };
  const r = await llm.getAnswer(user("What is the weather in Paris?"), {}, params);
  assert.equal(r.finishReason, "tool_calls");
  checkToolCalls(r.toolCalls ?? []);
  assert.equal(r.toolCalls?.[0]?.function.name, "get_weather", JSON.stringify(r));
  const chunks = await collect(llm.streamAnswer(user("What is the weather in Paris?"), {}, params));
  const deltas = chunks.flatMap((c) => c.toolCallDeltas ?? []);
  assert.equal(deltas.find((d) => d.name)?.name, "get_weather");
  assert.equal(typeof JSON.parse(deltas.filter((d) => d.index === 0).map((d) => d.arguments ?? "").join("")).city, "string");
});

test("openai → LiteLLM /v1: the canned model with the master key as Bearer; streamed usage on LiteLLM's non-empty-choices chunk", T, async () => {
  const f = recordingFetch();
  const llm = createLLM({ provider: "openai", baseURL: S.litellm.baseURL, model: "gpt-4o", modelName: "gpt-4o-mock", apiKey: LITELLM_KEY, fetch: f });
  const r = await llm.getAnswer(user("Hello?"));
  assert.equal(r.content, LITELLM_MOCK_REPLY);
  checkUsage(r.usage);
  const chunks = await collect(llm.streamAnswer(user("Hello?")));
  assert.equal(textOf(chunks), LITELLM_MOCK_REPLY);
  const usages = chunks.filter((c) => c.usage);
  // LiteLLM sends usage when the request asks for it (stream_options.include_usage).
  if (f.calls[1].body.stream_options?.include_usage) {
    assert.equal(usages.length, 1, JSON.stringify(chunks.slice(-3)));
    checkUsage(usages[0].usage);
  }
  const e = await rejects(createLLM({ provider: "openai", baseURL: S.litellm.baseURL, model: "gpt-4o-mock", apiKey: WRONG_KEY }).getAnswer(user("Hello?")));
  assert.equal(e.code, "bad_request");
  assert.equal(e.status, 400);
  assert.ok(!everythingAbout(e).includes(WRONG_KEY));
});

test("azure → LiteLLM: a wrong key is a typed error (LiteLLM without a DB answers 400) that shows no key", T, async () => {
  const e = await rejects(litellmAzure("gpt-4o-mock", { apiKey: WRONG_KEY }).getAnswer(user("Hello?")));
  assert.ok(e instanceof LLMError, String(e));
  assert.equal(e.code, "bad_request");
  assert.equal(e.status, 400);
  assert.equal(typeof e.hint, "string");
  const all = everythingAbout(e);
  assert.ok(!all.includes(WRONG_KEY) && !all.includes(LITELLM_KEY), "no key in the error");
});

test("azure → openai backup: a dead Azure endpoint fails over to llama.cpp on the OpenAI provider", T, async () => {
  const llm = createLLM({
    provider: "azure", model: "gpt-4o", endpoint: DEAD_URL, deploymentName: "gpt-4o", apiKey: LITELLM_KEY,
    backups: [{ provider: "openai", baseURL: S.llama.baseURL, model: LLAMA_MODEL }],
  });
  const r = await llm.getAnswer(user("Say hello."), {}, { maxTokens: 8, temperature: 0 });
  assert.ok(r.content.length > 0);
  assert.equal(r.endpoint, S.llama.url);
  assert.deepEqual(r.attempts.map((a) => [a.endpoint, a.errorCode ?? a.status]), [[DEAD_URL, "connection"], [S.llama.url, 200]]);
});

test("azure → openai backup: a deployment that answers 5xx (LiteLLM, upstream down) fails over to llama.cpp, streamed", T, async () => {
  const llm = litellmAzure("broken", { backups: [{ provider: "openai", baseURL: S.llama.baseURL, model: LLAMA_MODEL }] });
  const s = llm.streamAnswer(user("Say hello."), {}, { maxTokens: 8, temperature: 0 });
  assert.ok(textOf(await collect(s)).length > 0);
  assert.equal(s.endpoint, S.llama.url);
  assert.equal(s.attempts.length, 2, JSON.stringify(s.attempts));
  assert.equal(s.attempts[0].endpoint, S.litellm.url);
  assert.equal(s.attempts[0].errorCode, "service_unavailable");
  assert.ok(s.attempts[0].status >= 500, JSON.stringify(s.attempts[0]));
  assert.deepEqual([s.attempts[1].endpoint, s.attempts[1].status], [S.llama.url, 200]);
});

// ---------------------------------------------------------------- request shapes on llm-katan

test("azure apiStyle v1 → katan: /openai/v1/chat/completions, deployment as the body's model, no api-version, custom header", T, async () => {
  const f = recordingFetch();
  const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: S.katan.url, deploymentName: "my-deploy", apiKey: KATAN_KEY, apiStyle: "v1", headers: { "x-tenant": "t1" }, fetch: f });
  const r = await llm.getAnswer(user("ping the v1 path"));
  assert.match(r.content, /ping the v1 path/);
  const s = llm.streamAnswer(user("stream the v1 path"));
  assert.match(textOf(await collect(s)), /stream the v1 path/);
  assert.equal(f.calls.length, 2);
  for (const c of f.calls) {
    assert.equal(c.method, "POST");
    assert.equal(c.url, `${S.katan.url}/openai/v1/chat/completions`);
    assert.equal(c.headers["x-tenant"], "t1");
    assert.ok(c.headers["api-key"] === KATAN_KEY || c.headers.authorization === `Bearer ${KATAN_KEY}`, "the key as api-key or Bearer");
    assert.equal(c.body.model, "my-deploy");
  }
  assert.equal(f.calls[1].body.stream, true);
});

test("azure deployments style → katan: the deployment in the path, api-version in the query, custom header", T, async () => {
  const f = recordingFetch();
  const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: S.katan.url, deploymentName: "my-deploy", apiKey: KATAN_KEY, headers: { "x-tenant": "t2" }, fetch: f });
  const r = await llm.getAnswer(user("ping the deployments path"));
  assert.match(r.content, /ping the deployments path/);
  assert.equal(f.calls.length, 1);
  const u = new URL(f.calls[0].url);
  assert.equal(u.origin + u.pathname, `${S.katan.url}/openai/deployments/my-deploy/chat/completions`);
  assert.match(u.searchParams.get("api-version") ?? "", /^\d{4}-\d{2}-\d{2}/);
  assert.equal(f.calls[0].headers["api-key"], KATAN_KEY);
  assert.equal(f.calls[0].headers["x-tenant"], "t2");
});

test("openai → katan: Bearer key, organization and project headers, custom header, modelName as the body's model", T, async () => {
  const f = recordingFetch();
  const llm = createLLM({
    provider: "openai", model: "gpt-4o", baseURL: S.katan.baseURL, modelName: "served-name", apiKey: KATAN_KEY,
    organization: "org-1", project: "proj-1", headers: { "x-tenant": "t3" }, fetch: f,
  });
  const r = await llm.getAnswer(user("ping openai"));
  assert.match(r.content, /ping openai/);
  const [c] = f.calls;
  assert.equal(c.url, `${S.katan.baseURL}/chat/completions`);
  assert.equal(c.headers.authorization, `Bearer ${KATAN_KEY}`);
  assert.equal(c.headers["api-key"], undefined);
  assert.equal(c.headers["openai-organization"], "org-1");
  assert.equal(c.headers["openai-project"], "proj-1");
  assert.equal(c.headers["x-tenant"], "t3");
  assert.equal(c.body.model, "served-name");
});

test("openai → katan: getToken is called per request and sent as the bearer token", T, async () => {
  const f = recordingFetch();
  let n = 0;
  const llm = createLLM({ provider: "openai", model: "gpt-4o", baseURL: S.katan.baseURL, getToken: async () => `tok-${++n}`, fetch: f });
  await llm.getAnswer(user("one"));
  await collect(llm.streamAnswer(user("two")));
  assert.deepEqual(f.calls.map((c) => c.headers.authorization), ["Bearer tok-1", "Bearer tok-2"]);
});

// ---------------------------------------------------------------- the fetch option

test("config.fetch is used for every request and attempt, across providers; the global fetch is not", T, async () => {
  const f = recordingFetch();
  let answer, stream;
  const globalCalls = await globalFetchCalls(async () => {
    const llm = createLLM({
      provider: "azure", model: "gpt-4o", endpoint: DEAD_URL, deploymentName: "gpt-4o", apiKey: KATAN_KEY, fetch: f,
      backups: [{ endpoint: S.katan.url }, { provider: "openai", baseURL: S.llama.baseURL, model: LLAMA_MODEL }],
    });
    answer = await llm.getAnswer(user("counted"));
    stream = llm.streamAnswer(user("counted too"));
    await collect(stream);
  });
  assert.equal(globalCalls, 0, "the global fetch was used");
  assert.equal(answer.endpoint, S.katan.url);
  assert.equal(f.calls.length, answer.attempts.length + stream.attempts.length, JSON.stringify(f.calls.map((c) => c.url)));
  assert.ok(f.calls.length >= 3, `${f.calls.length} calls`); // the dead primary at least once, katan twice
  assert.equal(new URL(f.calls[0].url).origin, DEAD_URL);
  // And on the OpenAI provider, with a backup on Azure:
  const g = recordingFetch();
  const llm2 = createLLM({ provider: "openai", baseURL: `${DEAD_URL}/v1`, model: LLAMA_MODEL, fetch: g, backups: [{ provider: "azure", endpoint: S.litellm.url, deploymentName: "gpt-4o-mock", apiKey: LITELLM_KEY, model: "gpt-4o" }] });
  const r2 = await llm2.getAnswer(user("hi"));
  assert.equal(r2.content, LITELLM_MOCK_REPLY);
  assert.deepEqual(g.calls.map((c) => new URL(c.url).origin), [DEAD_URL, S.litellm.url]);
});

// ---------------------------------------------------------------- the example

test("examples/node/ask.mjs --local streams the real model's answer with the failover line, and stops its server", T, async () => {
  const { spawn } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const script = fileURLToPath(new URL("../../examples/node/ask.mjs", import.meta.url));
  const out = await new Promise((resolve) => {
    const child = spawn(process.execPath, [script, "--local", "What is the capital of France? Answer in one sentence."]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(out.code, 0, out.stderr);
  assert.ok(out.stdout.trim().length > 0, "an answer on stdout");
  const line = /\[llama\.cpp\] smollm2-135m via (http:\/\/127\.0\.0\.1:\d+) in \d+ ms; attempts: http:\/\/127\.0\.0\.1:9 connection → (http:\/\/127\.0\.0\.1:\d+) 200/.exec(out.stderr);
  assert.ok(line, out.stderr);
  assert.equal(line[1], line[2]);
  // Its server is gone once it has exited.
  await assert.rejects(fetch(`${line[1]}/v1/models`, { signal: AbortSignal.timeout(2000) }));
});

// ---------------------------------------------------------------- last: nothing left the machine

test("the servers hold no connection to anything beyond the loopback interface", () => {
  const { pids, connections } = nonLoopbackConnections([S.llama, S.litellm, S.katan]);
  assert.ok(pids.length >= 3, `server processes found: ${pids.length}`);
  assert.deepEqual(connections, []);
});
