// The emulator's Azure v1 and OpenAI paths, its gateway prefix, usage placements and
// reasoning deltas, on the wire (plain fetch): the shapes the real servers in this directory
// show, served deterministically so the fast tests can rely on them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator } from "../emulator/emulator.mjs";
import { createLLM } from "../../pkg/node.js";

const KEY = "emu-key-0123";
let emu, gw;
before(async () => {
  [emu, gw] = await Promise.all([startEmulator({ keys: [KEY] }), startEmulator({ keys: [KEY], prefix: "/gateway/" })]);
});
after(() => Promise.all([emu.close(), gw.close()]));

const post = (url, body, headers = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const bearer = { authorization: `Bearer ${KEY}` };
const say = (content, extra = {}) => ({ messages: [{ role: "user", content }], ...extra });

async function sse(res) {
  assert.match(res.headers.get("content-type"), /^text\/event-stream/);
  const text = await res.text();
  const events = text.split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
  assert.equal(events.at(-1), "[DONE]");
  return events.slice(0, -1).map((e) => JSON.parse(e));
}
const contentOf = (chunks) => chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");

test("OpenAI path: Bearer auth, model in the body, OpenAI's answer shape", async () => {
  const res = await post(`${emu.url}/v1/chat/completions`, say("hello there", { model: "gpt-4o", max_tokens: 50, temperature: 0.2 }), bearer);
  assert.equal(res.status, 200);
  const j = await res.json();
  assert.equal(j.object, "chat.completion");
  assert.equal(j.choices[0].message.content, "You said: hello there");
  assert.equal(j.choices[0].finish_reason, "stop");
  assert.equal(j.prompt_filter_results, undefined);
  assert.equal(j.choices[0].content_filter_results, undefined);
  assert.equal(j.usage.completion_tokens, 4);
  assert.equal(emu.requests.at(-1).kind, "openai");
  assert.equal(emu.requests.at(-1).headers.authorization, "<redacted>");
});

test("OpenAI path: errors in OpenAI's shape (no key, api-key header, no model, unknown model, fault)", async () => {
  const shape = async (res, status, code) => {
    assert.equal(res.status, status);
    const j = await res.json();
    assert.deepEqual(Object.keys(j.error).sort(), ["code", "message", "param", "type"]);
    assert.equal(j.error.code, code);
    assert.ok(!JSON.stringify(j).includes(KEY));
    return j;
  };
  await shape(await post(`${emu.url}/v1/chat/completions`, say("x", { model: "gpt-4o" })), 401, "invalid_api_key");
  await shape(await post(`${emu.url}/v1/chat/completions`, say("x", { model: "gpt-4o" }), { "api-key": KEY }), 401, "invalid_api_key");
  await shape(await post(`${emu.url}/v1/chat/completions`, say("x"), bearer), 400, null);
  await shape(await post(`${emu.url}/v1/chat/completions`, say("x", { model: "nope" }), bearer), 404, "model_not_found");
  await shape(await post(`${emu.url}/v1/chat/completions`, say("x", { model: "gpt-4o", bogus: 1 }), bearer), 400, null);
  const j = await shape(await post(`${emu.url}/v1/chat/completions`, say("x [[fault:503]]", { model: "gpt-4o" }), bearer), 503, null);
  assert.equal(j.error.type, "server_error");
  const r429 = await post(`${emu.url}/v1/chat/completions`, say("x [[fault:429]]", { model: "gpt-4o" }), bearer);
  assert.equal(r429.headers.get("retry-after"), "5");
  await shape(r429, 429, "rate_limit_exceeded");
});

test("OpenAI path: a stream has no Azure filter chunks; usage only when asked, on choices: []", async () => {
  const plain = await sse(await post(`${emu.url}/v1/chat/completions`, say("one two", { model: "gpt-4o", stream: true }), bearer));
  assert.ok(plain.every((c) => c.object === "chat.completion.chunk" && c.id && c.choices.length === 1));
  assert.ok(plain.every((c) => !("usage" in c)));
  assert.equal(contentOf(plain), "You said: one two");
  const withUsage = await sse(await post(`${emu.url}/v1/chat/completions`, say("one two", { model: "gpt-4o", stream: true, stream_options: { include_usage: true } }), bearer));
  assert.deepEqual(withUsage.at(-1).choices, []);
  assert.equal(withUsage.at(-1).usage.completion_tokens, 4);
  assert.ok(withUsage.slice(0, -1).every((c) => c.usage === null));
});

test("Azure v1 path: the body's model names the deployment; api-key or Bearer; no dated api-version", async () => {
  for (const headers of [{ "api-key": KEY }, bearer]) {
    const res = await post(`${emu.url}/openai/v1/chat/completions`, say("v1 works", { model: "gpt-4o" }), headers);
    assert.equal(res.status, 200);
    const j = await res.json();
    assert.equal(j.choices[0].message.content, "You said: v1 works");
    assert.ok(j.prompt_filter_results, "Azure's answer shape");
  }
  assert.equal(emu.requests.at(-1).kind, "azure-v1");
  const dated = await post(`${emu.url}/openai/v1/chat/completions?api-version=2024-10-21`, say("x", { model: "gpt-4o" }), { "api-key": KEY });
  assert.equal(dated.status, 400);
  assert.equal((await post(`${emu.url}/openai/v1/chat/completions?api-version=preview`, say("x", { model: "gpt-4o" }), { "api-key": KEY })).status, 200);
  assert.equal((await post(`${emu.url}/openai/v1/chat/completions`, say("x"), { "api-key": KEY })).status, 400);
  assert.equal((await post(`${emu.url}/openai/v1/chat/completions`, say("x", { model: "not-deployed" }), { "api-key": KEY })).status, 404);
  assert.equal((await post(`${emu.url}/openai/v1/chat/completions`, say("x", { model: "gpt-4o" }), { "api-key": "wrong" })).status, 401);
  // The model's Azure rules hold on v1 as on the deployments path.
  assert.equal((await post(`${emu.url}/openai/v1/chat/completions`, say("x", { model: "gpt-4.1-mini", max_tokens: 5 }), { "api-key": KEY })).status, 400);
});

test("the same directives and faults on every path", async () => {
  const urls = [
    [`${emu.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, { "api-key": KEY }, {}],
    [`${emu.url}/openai/v1/chat/completions`, { "api-key": KEY }, { model: "gpt-4o" }],
    [`${emu.url}/v1/chat/completions`, bearer, { model: "gpt-4o" }],
  ];
  for (const [url, headers, extra] of urls) {
    const words = await sse(await post(url, say("[[words:5]]", { ...extra, stream: true }), headers));
    assert.equal(contentOf(words), "w0 w1 w2 w3 w4 ", url);
    const cut = await post(url, say("[[words:3]]", { ...extra, max_tokens: 2 }), headers);
    assert.equal((await cut.json()).choices[0].finish_reason, "length", url);
    assert.equal((await post(url, say("x [[fault:500]]", extra), headers)).status, 500, url);
    await assert.rejects(post(url, say("x [[fault:refuse]]", extra), headers), url);
    // A reset after two content chunks: the body ends early.
    const reset = await post(url, say("a b c d e [[fault:reset-mid@2]]", { ...extra, stream: true }), headers);
    await assert.rejects(reset.text(), url);
  }
});

test("[[reasoning:N]]: reasoning_content deltas before the text, counted in usage", async () => {
  const chunks = await sse(await post(`${emu.url}/v1/chat/completions`, say("why [[reasoning:3]]", { model: "o4-mini", stream: true, stream_options: { include_usage: true } }), bearer));
  const reasoning = chunks.map((c) => c.choices[0]?.delta?.reasoning_content).filter((r) => r !== undefined);
  assert.deepEqual(reasoning, ["think0 ", "think1 ", "think2 "]);
  const firstText = chunks.findIndex((c) => c.choices[0]?.delta?.content);
  const lastReasoning = chunks.findLastIndex((c) => c.choices[0]?.delta?.reasoning_content);
  assert.ok(lastReasoning < firstText);
  assert.equal(contentOf(chunks), "You said: why");
  assert.equal(chunks.at(-1).usage.completion_tokens_details.reasoning_tokens, 3);
  const j = await (await post(`${emu.url}/openai/v1/chat/completions`, say("why [[reasoning:2]]", { model: "o4-mini" }), { "api-key": KEY })).json();
  assert.equal(j.choices[0].message.reasoning_content, "think0 think1 ");
  assert.equal(j.choices[0].message.content, "You said: why");
});

test("usage placements: omit (llama.cpp), with-choices (LiteLLM), on-finish (llm-katan)", async () => {
  const ask = (mode, url = `${emu.url}/v1/chat/completions`, headers = bearer) =>
    post(url, say(`a b [[usage:${mode}]]`, { model: "gpt-4o", stream: true, stream_options: { include_usage: true } }), headers).then(sse);
  const omit = await ask("omit");
  assert.ok(omit.every((c) => !c.usage));
  const withChoices = await ask("with-choices");
  assert.deepEqual(withChoices.at(-1).choices, [{ index: 0, delta: {} }]);
  assert.equal(withChoices.at(-1).usage.completion_tokens, 4);
  const onFinish = await ask("on-finish", `${emu.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, { "api-key": KEY });
  const fin = onFinish.find((c) => c.choices[0]?.finish_reason);
  assert.equal(fin.usage.completion_tokens, 4);
  assert.equal(onFinish.filter((c) => c.usage).length, 1);
  // The option sets it for every request; a directive overrides it.
  emu.setUsageMode("omit");
  try {
    const none = await post(`${emu.url}/v1/chat/completions`, say("a", { model: "gpt-4o" }), bearer).then((r) => r.json());
    assert.equal(none.usage, undefined);
  } finally {
    emu.setUsageMode();
  }
});

test("a gateway prefix: served under it, and only under it", async () => {
  const paths = [
    ["/gateway/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", { "api-key": KEY }, {}],
    ["/gateway/openai/v1/chat/completions", { "api-key": KEY }, { model: "gpt-4o" }],
    ["/gateway/v1/chat/completions", bearer, { model: "gpt-4o" }],
  ];
  for (const [p, headers, extra] of paths) {
    const res = await post(gw.url + p, say("through the gateway", extra), headers);
    assert.equal(res.status, 200, p);
    assert.equal((await res.json()).choices[0].message.content, "You said: through the gateway");
    assert.equal((await post(gw.url + p.replace("/gateway", ""), say("x", extra), headers)).status, 404, p);
  }
  assert.equal(gw.requests.at(-1).path, "/v1/chat/completions");
});

// ---------------------------------------------------------------- the package on these paths

const user = (content) => [{ role: "user", content }];
async function collect(stream) {
  const out = [];
  for await (const c of stream) out.push(c);
  return out;
}

test("the package: OpenAI provider on /v1, Azure apiStyle v1, and both under a gateway prefix", async () => {
  const cases = [
    [emu, { provider: "openai", baseURL: `${emu.url}/v1`, model: "gpt-4o", apiKey: KEY }, "openai", "/v1/chat/completions"],
    [emu, { provider: "azure", model: "gpt-4o", endpoint: emu.url, deploymentName: "gpt-4o", apiKey: KEY, apiStyle: "v1" }, "azure-v1", "/openai/v1/chat/completions"],
    [gw, { provider: "azure", model: "gpt-4o", endpoint: `${gw.url}/gateway`, deploymentName: "gpt-4o", apiKey: KEY }, "deployments", "/gateway/openai/deployments/gpt-4o/chat/completions"],
    [gw, { provider: "azure", model: "gpt-4o", endpoint: `${gw.url}/gateway`, deploymentName: "gpt-4o", apiKey: KEY, apiStyle: "v1" }, "azure-v1", "/gateway/openai/v1/chat/completions"],
    [gw, { provider: "openai", baseURL: `${gw.url}/gateway/v1`, model: "gpt-4o", apiKey: KEY }, "openai", "/gateway/v1/chat/completions"],
  ];
  for (const [server, config, kind, path] of cases) {
    const llm = createLLM(config);
    const r = await llm.getAnswer(user("over the new paths"));
    assert.equal(r.content, "You said: over the new paths", path);
    assert.equal(r.endpoint, server.url);
    assert.deepEqual([server.requests.at(-1).kind, server.requests.at(-1).path], [kind, path]);
    const chunks = await collect(llm.streamAnswer(user("streamed too")));
    assert.equal(chunks.map((c) => c.delta).join(""), "You said: streamed too", path);
  }
});

test("the package: usage wherever a server puts it, or none; reasoning kept apart from the text", async () => {
  const llm = createLLM({ provider: "openai", baseURL: `${emu.url}/v1`, model: "gpt-4o", apiKey: KEY });
  for (const mode of ["standard", "with-choices", "on-finish", "omit"]) {
    const chunks = await collect(llm.streamAnswer(user(`a b [[usage:${mode}]]`)));
    assert.equal(chunks.map((c) => c.delta).join(""), "You said: a b", mode);
    const usages = chunks.filter((c) => c.usage).map((c) => c.usage);
    const asked = Boolean(emu.requests.at(-1).body.stream_options?.include_usage);
    const expected = mode === "omit" || (mode === "standard" && !asked) ? 0 : 1;
    assert.equal(usages.length, expected, `${mode}: ${JSON.stringify(usages)}`);
    if (expected) {
      const { costUsd, ...counts } = usages[0];
      assert.deepEqual(counts, { promptTokens: counts.promptTokens, completionTokens: 4, totalTokens: counts.promptTokens + 4 }, mode);
      assert.ok(costUsd > 0, `${mode}: priced at gpt-4o's rates`);
    }
  }
  const r = await llm.getAnswer(user("none [[usage:omit]]"));
  assert.equal(r.usage, null);
  const chunks = await collect(llm.streamAnswer(user("why [[reasoning:3]]")));
  assert.equal(chunks.map((c) => c.delta).join(""), "You said: why");
  assert.equal(chunks.map((c) => c.reasoningDelta ?? "").join(""), "think0 think1 think2 ");
  const whole = await llm.getAnswer(user("why [[reasoning:2]]"));
  assert.equal(whole.content, "You said: why");
  assert.equal(whole.reasoning, "think0 think1 ");
});

// Found on llama.cpp (tests/real/real.test.mjs, the abort test, now and then): text that had
// already arrived kept coming after ctx.signal fired. Here the whole answer arrives in one
// write, so it is deterministic: after the abort, no more chunks, and the stream rejects.
test("the package: ctx.signal stops a stream even when the rest of the answer is already buffered", async () => {
  const llm = createLLM({ provider: "openai", baseURL: `${emu.url}/v1`, model: "gpt-4o", apiKey: KEY });
  const ac = new AbortController();
  let seen = 0;
  let afterAbort = 0;
  let error;
  try {
    for await (const c of llm.streamAnswer(user("[[words:200]]"), { signal: ac.signal })) {
      if (ac.signal.aborted) afterAbort++;
      if (c.delta && ++seen === 3) ac.abort();
    }
  } catch (e) {
    error = e;
  }
  assert.equal(afterAbort, 0, `${afterAbort} chunks after the abort`);
  assert.equal(error?.code, "aborted", `the stream ended with ${error ? error.code : "no error"}`);
});
