// Every failure is an LLMError with the contract's code and a hint; bad input is refused
// before anything is sent; no error ever shows the key or token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { emulator, azure, user, collect, rejects, everythingAbout, createLLM, LLMError, KEY } from "./helpers.mjs";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

function checkError(e, code) {
  assert.ok(e instanceof LLMError, `an LLMError, got ${e}`);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "LLMError");
  assert.equal(e.code, code, e.message);
  assert.ok(e.hint && e.hint.length > 10, `a hint for ${code}`);
  assert.ok(!everythingAbout(e).includes(KEY), "the key must not appear");
  assert.ok(!everythingAbout(e).includes("test-token"), "the token must not appear");
}

const statusCases = [
  ["401", "authentication", 401],
  ["403", "permission_denied", 403],
  ["404", "not_found", 404],
  ["429", "rate_limited", 429],
  ["400", "bad_request", 400],
  ["408", "timeout", 408],
  ["content-filter", "content_filter", 400],
  ["500", "service_unavailable", 500],
  ["503", "service_unavailable", 503],
  ["html", "service_unavailable", 502],
];

for (const [fault, code, status] of statusCases) {
  test(`HTTP ${fault} → ${code} (whole and streamed)`, async () => {
    const e1 = await rejects(azure(emu).getAnswer(user(`[[fault:${fault}]] hi`)));
    checkError(e1, code);
    assert.equal(e1.status, status);
    assert.equal(e1.attempts.length, 1);
    assert.equal(e1.attempts[0].status, status);
    assert.equal(e1.attempts[0].errorCode, code);
    const e2 = await rejects(collect(azure(emu).streamAnswer(user(`[[fault:${fault}]] hi`))));
    checkError(e2, code);
    assert.equal(e2.status, status);
  });
}

test("429 carries retryAfterMs from Azure's headers", async () => {
  const e = await rejects(azure(emu).getAnswer(user("[[fault:429]]")));
  assert.equal(e.retryAfterMs, 5000);
  assert.equal(e.providerCode, "429");
});

test("content filter: Azure's code and message come through", async () => {
  const e = await rejects(azure(emu).getAnswer(user("[[fault:content-filter]]")));
  assert.equal(e.providerCode, "content_filter");
  assert.match(e.message, /content management policy/);
});

test("a real 401 (wrong key) is authentication and never echoes the key", async () => {
  const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: emu.url, deploymentName: "gpt-4o", apiKey: "sk-WRONG-key-987654321" });
  const e = await rejects(llm.getAnswer(user("hi")));
  checkError(e, "authentication");
  assert.ok(!everythingAbout(e).includes("sk-WRONG-key-987654321"));
});

test("an unknown deployment is not_found; an unknown api-version too", async () => {
  checkError(await rejects(azure(emu, { deploymentName: "nope" }).getAnswer(user("hi"))), "not_found");
  checkError(await rejects(azure(emu, { apiVersion: "1999-01-01" }).getAnswer(user("hi"))), "not_found");
});

test("connection refused → connection", async () => {
  const llm = azure(emu, { endpoint: "http://127.0.0.1:9" });
  checkError(await rejects(llm.getAnswer(user("hi"))), "connection");
  checkError(await rejects(collect(llm.streamAnswer(user("hi")))), "connection");
  checkError(await rejects(azure(emu).getAnswer(user("[[fault:refuse]]"))), "connection");
});

test("a truncated JSON answer or an invalid stream event → parse", async () => {
  checkError(await rejects(azure(emu).getAnswer(user("[[fault:truncated-json]]"))), "parse");
  checkError(await rejects(collect(azure(emu).streamAnswer(user("[[fault:invalid-sse@0]] x")))), "parse");
});

test("a stream cut before [DONE] → connection, with the text delivered so far", async () => {
  const s = azure(emu).streamAnswer(user("[[fault:reset-mid@3]] one two three four five"));
  let text = "";
  const e = await rejects((async () => { for await (const c of s) text += c.delta; })());
  checkError(e, "connection");
  assert.equal(text, "You said: one ");
  assert.equal(e.partialContent, text);
});

test("timeoutMs bounds the wait for headers; idleTimeoutMs bounds silence in a stream", async () => {
  const t0 = Date.now();
  checkError(await rejects(azure(emu, { timeoutMs: 150 }).getAnswer(user("[[fault:stall-headers]]"))), "timeout");
  assert.ok(Date.now() - t0 < 1500);
  const t1 = Date.now();
  const s = azure(emu, { idleTimeoutMs: 150 }).streamAnswer(user("[[fault:stall-mid@2]] a b c d"));
  let text = "";
  const e = await rejects((async () => { for await (const c of s) text += c.delta; })());
  checkError(e, "timeout");
  assert.match(e.message, /idleTimeoutMs/);
  assert.equal(text, "You said: ");
  assert.equal(e.partialContent, "You said: ");
  assert.ok(Date.now() - t1 < 1500);
});

test("ctx.timeoutMs bounds the whole call", async () => {
  const e = await rejects(azure(emu).getAnswer(user("[[fault:stall-headers]]"), { timeoutMs: 120 }));
  checkError(e, "timeout");
  assert.match(e.message, /ctx.timeoutMs/);
});

// ---------------------------------------------------------------- refused before sending

async function refusedBeforeSending(promiseOrStream, code) {
  const n = emu.requests.length;
  const e = typeof promiseOrStream.then === "function" ? await rejects(promiseOrStream) : await rejects(collect(promiseOrStream));
  checkError(e, code);
  assert.equal(emu.requests.length, n, "nothing was sent");
  return e;
}

test("bad messages: invalid_input naming the message and field, nothing sent", async () => {
  const llm = azure(emu);
  let e = await refusedBeforeSending(llm.getAnswer([{ role: "user", content: "ok" }, { role: "robot", content: "x" }]), "invalid_input");
  assert.match(e.message, /messages\[1\]\.role/);
  e = await refusedBeforeSending(llm.getAnswer([{ role: "user" }]), "invalid_input");
  assert.match(e.message, /messages\[0\]\.content/);
  e = await refusedBeforeSending(llm.getAnswer([]), "invalid_input");
  e = await refusedBeforeSending(llm.getAnswer("hello"), "invalid_input");
  assert.match(e.message, /must be an array/);
  e = await refusedBeforeSending(llm.getAnswer(undefined), "invalid_input");
  e = await refusedBeforeSending(llm.streamAnswer([{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x" } }] }]), "invalid_input");
  assert.match(e.message, /image_url\.url/);
  e = await refusedBeforeSending(llm.getAnswer([{ role: "tool", content: "x" }]), "invalid_input");
  assert.match(e.message, /tool_call_id/);
});

test("bad params and ctx: invalid_input, nothing sent", async () => {
  const llm = azure(emu);
  let e = await refusedBeforeSending(llm.getAnswer(user("x"), {}, { temperature: 5 }), "invalid_input");
  assert.match(e.message, /temperature/);
  e = await refusedBeforeSending(llm.getAnswer(user("x"), {}, { max_tokens: 5 }), "invalid_input");
  assert.match(e.hint, /maxTokens/);
  e = await refusedBeforeSending(llm.getAnswer(user("x"), {}, { maxTokenz: 5 }), "invalid_input");
  e = await refusedBeforeSending(llm.streamAnswer(user("x"), {}, { stop: [1, 2] }), "invalid_input");
  e = await refusedBeforeSending(llm.getAnswer(user("x"), { timeoutMs: -1 }), "invalid_input");
  e = await refusedBeforeSending(llm.getAnswer(user("x"), { signal: "nope" }), "invalid_input");
  e = await refusedBeforeSending(llm.getAnswer(user("x"), {}, { toolChoice: "sometimes" }), "invalid_input");
});

test("token_limit_exceeded is caught before sending", async () => {
  const llm = azure(emu, { model: "gpt-4o", deploymentName: "gpt-4o" });
  let e = await refusedBeforeSending(llm.getAnswer(user("word ".repeat(130_000))), "token_limit_exceeded");
  assert.match(e.message, /128000/);
  e = await refusedBeforeSending(llm.streamAnswer(user("hi"), {}, { maxTokens: 20_000 }), "token_limit_exceeded");
  assert.match(e.message, /16384/);
});

test("bad config is refused synchronously by createLLM", () => {
  const base = { provider: "azure", model: "gpt-4o", endpoint: emu.url, deploymentName: "gpt-4o", apiKey: KEY };
  const bad = [
    [{ ...base, model: "" }, /model is empty/],
    [{ ...base, provider: "openai" }, /not a field of a provider "openai" endpoint/],
    [{ ...base, provider: "acme" }, /provider/],
    [{ ...base, endpoint: "http://example.com" }, /http:\/\//],
    [{ ...base, endpoint: "http://127.evil.example" }, /http:\/\//],
    [{ ...base, endpoint: "https://x.openai.azure.com/?api-key=secret" }, /query/],
    [{ ...base, endpoint: "https://x.openai.azure.com:99999" }, /port/],
    [{ ...base, fetch: "not a function" }, /config.fetch/],
    [{ ...base, onRequest: () => 1 }, /config.onRequest is a function/],
    [{ ...base, headers: { "x-a": () => 1 } }, /headers/],
    [{ ...base, modelProfile: { contextWindow: -5 } }, /modelProfile/],
    [{ ...base, apiStyle: "v2" }, /apiStyle/],
    [{ ...base, apiStyle: "v1", apiVersion: "2024-10-21" }, /apiVersion/],
    [{ ...base, deploymentName: ".." }, /deploymentName/],
    [{ ...base, backups: [{ provider: "openai", endpoint: emu.url }] }, /backups\[1\]|backups\[0\]/],
    [{ ...base, endpoint: "not a url" }, /absolute URL/],
    [{ ...base, apiKey: undefined }, /credentials/],
    [{ ...base, deploymentName: undefined }, /deploymentName/],
    [{ ...base, getToken: "abc", apiKey: undefined }, /getToken/],
    [{ ...base, backups: [{ endpoint: "ftp://x" }] }, /backups\[0\]/],
    [{ ...base, timeoutMs: 0 }, /timeoutMs/],
    [{ ...base, deploymentname: "typo" }, /deploymentname/],
    [null, /config must be an object/],
  ];
  for (const [cfg, re] of bad) {
    let err;
    try {
      createLLM(cfg);
    } catch (e) {
      err = e;
    }
    assert.ok(err, `expected a throw for ${JSON.stringify(cfg)}`);
    checkError(err, "invalid_input");
    assert.match(err.message, re);
  }
});

test("after close(), calls reject with invalid_input", async () => {
  const llm = azure(emu);
  await llm.close();
  const e = await refusedBeforeSending(llm.getAnswer(user("x")), "invalid_input");
  assert.match(e.message, /closed/);
});

test("the module keeps serving after every kind of bad input", async () => {
  const llm = azure(emu);
  for (const junk of [null, 1, "x", [1], [{}], [{ role: 1 }], [{ role: "user", content: { a: 1 } }], [{ role: "user", content: [{}] }]]) {
    await rejects(llm.getAnswer(junk));
  }
  const r = await llm.getAnswer(user("still alive"));
  assert.equal(r.content, "You said: still alive");
});

test("NaN and ±Infinity in params, ctx and config are invalid_input, and nothing is sent", async () => {
  const llm = azure(emu);
  const before = emu.requests.length;
  for (const [params, ctx] of [[{ temperature: NaN }, {}], [{ topP: Infinity }, {}], [{ maxTokens: -Infinity }, {}], [{ extra: { top_k: NaN } }, {}], [{}, { timeoutMs: NaN }]]) {
    const e = await rejects(llm.getAnswer(user("x"), ctx, params));
    assert.equal(e.code, "invalid_input", JSON.stringify(params));
    assert.match(e.message, /finite/);
    const s = await rejects(collect(llm.streamAnswer(user("x"), ctx, params)));
    assert.equal(s.code, "invalid_input");
  }
  assert.equal(emu.requests.length, before, "nothing was sent");
  assert.throws(() => azure(emu, { timeoutMs: NaN }), (e) => e.code === "invalid_input");
  assert.throws(() => azure(emu, { retry: { retries: Infinity } }), (e) => e.code === "invalid_input");
});
