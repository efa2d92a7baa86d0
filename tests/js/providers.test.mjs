// The providers and the one executor: the OpenAI provider on the emulator's /v1 path, Azure's
// v1 API and gateway prefixes, custom headers, a fetch in the config, model profiles for ids
// the registry does not know, droppedParams, reasoning deltas, failover across providers,
// the opt-in 429 retry, redirects never followed and 200 HTML pages failing over.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { emulator, azure, user, collect, createLLM, KEY, rejects, everythingAbout } from "./helpers.mjs";

let emu, gw;
before(async () => {
  emu = await emulator();
  gw = await emulator({ prefix: "/team-a/llm" });
});
after(() => {
  emu.close();
  gw.close();
});

const openai = (e, over = {}) => createLLM({ provider: "openai", baseURL: `${e.url}/v1`, model: "gpt-4o", apiKey: KEY, ...over });
const last = (e = emu) => e.requests.at(-1);

test("OpenAI provider: answer and stream on /v1 with Bearer auth and the model in the body", async () => {
  const llm = openai(emu, { organization: "org-1", project: "proj-1" });
  const r = await llm.getAnswer(user("hello openai"), {}, { maxTokens: 50, temperature: 0.3 });
  assert.equal(r.content, "You said: hello openai");
  assert.equal(r.endpoint, emu.url);
  assert.deepEqual(r.droppedParams, []);
  const req = last();
  assert.equal(req.kind, "openai");
  assert.equal(req.auth, "bearer");
  assert.equal(req.body.model, "gpt-4o");
  assert.equal(req.body.max_tokens, 50);
  assert.equal(req.body.temperature, 0.3);
  assert.equal(req.headers["openai-organization"], "org-1");
  assert.equal(req.headers["openai-project"], "proj-1");
  const chunks = await collect(llm.streamAnswer(user("[[words:20]]")));
  const text = chunks.map((c) => c.delta).join("");
  assert.equal(text.trim().split(" ").length, 20);
  assert.ok(chunks.findLast((c) => c.usage)?.usage.completionTokens >= 20, "usage from stream_options.include_usage");
  assert.equal(last().body.stream, true);
});

test("OpenAI provider: modelName is what the server knows; any model id works", async () => {
  const llm = openai(emu, { model: "my-finetune-7b", modelName: "gpt-4o-mini" });
  assert.equal(llm.metadata.family, "unknown");
  assert.equal(llm.metadata.provider, "openai");
  const r = await llm.getAnswer(user("x"), {}, { maxTokens: 100_000_000 }); // limits unknown: the server decides
  assert.equal(r.content, "You said: x");
  assert.equal(last().body.model, "gpt-4o-mini");
});

test("an unknown id takes its family's rules, or modelProfile's", async () => {
  // A dated gpt-4.1-mini id: the design document's transform applies.
  const mini = azure(emu, { model: "gpt-4.1-mini-2025-04-14", deploymentName: "gpt-4.1-mini" });
  const r = await mini.getAnswer(user("x"), {}, { maxTokens: 30, temperature: 0.5 });
  assert.deepEqual(r.droppedParams, ["temperature"]);
  assert.equal(last().body.max_completion_tokens, 30);
  assert.equal(last().body.temperature, undefined);
  // gpt-5 family by prefix: reasoning rules, "minimal" allowed, newer api-version.
  const five = openai(emu, { model: "gpt-5-mini-2025-08-07", modelName: "o4-mini" });
  const r5 = await five.getAnswer(user("x"), {}, { maxTokens: 40, topP: 0.5, reasoningEffort: "minimal" });
  assert.deepEqual(r5.droppedParams, ["topP"]);
  assert.equal(last().body.max_completion_tokens, 40);
  assert.equal(last().body.reasoning_effort, "minimal");
  // modelProfile: a custom reasoning model with a small context window.
  const custom = openai(emu, { model: "house-reasoner", modelName: "o4-mini", modelProfile: { family: "o-series", contextWindow: 50, maxOutputTokens: 20 } });
  assert.equal(custom.metadata.contextWindow, 50);
  const e = await rejects(custom.getAnswer(user("x"), {}, { maxTokens: 21 }));
  assert.equal(e.code, "token_limit_exceeded");
  const before = emu.requests.length;
  const e2 = await rejects(custom.getAnswer(user("x"), {}, { reasoningEffort: "minimal" }));
  assert.equal(e2.code, "invalid_input");
  assert.equal(emu.requests.length, before, "nothing was sent");
});

test("droppedParams on streams, and reasoning kept apart from text", async () => {
  const llm = azure(emu); // gpt-4.1-mini drops temperature
  const s = llm.streamAnswer(user("[[words:3]]"), {}, { temperature: 0.2 });
  await collect(s);
  assert.deepEqual(s.droppedParams, ["temperature"]);
  const o = openai(emu, { model: "o4-mini" });
  const chunks = await collect(o.streamAnswer(user("[[reasoning:3]] hi")));
  assert.equal(chunks.map((c) => c.reasoningDelta ?? "").join(""), "think0 think1 think2 ");
  assert.ok(!chunks.some((c) => c.delta.includes("think")), "reasoning never mixed into delta");
  const r = await o.getAnswer(user("[[reasoning:2]] hi"));
  assert.equal(r.reasoning, "think0 think1 ");
  assert.ok(!r.content.includes("think"));
});

test("servers that send no usage chunk, or usage beside choices, still end cleanly", async () => {
  for (const mode of ["omit", "with-choices", "on-finish"]) {
    const chunks = await collect(openai(emu).streamAnswer(user(`[[usage:${mode}]] [[words:4]]`)));
    assert.equal(chunks.map((c) => c.delta).join("").trim().split(/\s+/).length, 4, mode);
    const usage = chunks.find((c) => c.usage)?.usage;
    if (mode === "omit") assert.equal(usage, undefined);
    else assert.equal(usage.completionTokens, 4, mode);
  }
});

test("Azure v1 API: /openai/v1/chat/completions, deployment as the body's model, no api-version", async () => {
  const llm = azure(emu, { apiStyle: "v1", deploymentName: "gpt-4.1-mini" });
  const r = await llm.getAnswer(user("v1 please"));
  assert.equal(r.content, "You said: v1 please");
  assert.equal(last().kind, "azure-v1");
  assert.equal(last().apiVersion, null);
  assert.equal(last().body.model, "gpt-4.1-mini");
  assert.equal(last().auth, "api-key");
});

test("a gateway URL with a path prefix, and headers on every request", async () => {
  const llm = azure(gw, { endpoint: `${gw.url}/team-a/llm/`, headers: { "Ocp-Apim-Subscription-Key": "gw-key", "x-tenant": "t1" } });
  const r = await llm.getAnswer(user("through the gateway"));
  assert.equal(r.content, "You said: through the gateway");
  assert.equal(r.endpoint, gw.url, "attempts name the origin only");
  assert.match(last(gw).path, /^\/team-a\/llm\/openai\/deployments\/gpt-4.1-mini\/chat\/completions$/);
  assert.equal(last(gw).headers["x-tenant"], "t1");
  assert.equal(last(gw).headers["ocp-apim-subscription-key"], "gw-key");
  await collect(llm.streamAnswer(user("[[words:2]]")));
  assert.equal(last(gw).headers["x-tenant"], "t1");
});

test("fetch in the config sends every request", async () => {
  const seen = [];
  const myFetch = (url, init) => {
    seen.push({ url: String(url), headers: Object.fromEntries(new Headers(init.headers)) });
    return fetch(url, init);
  };
  const llm = openai(emu, { fetch: myFetch, backups: [{ baseURL: `${emu.url}/v1` }] });
  await llm.getAnswer(user("a"));
  await collect(llm.streamAnswer(user("b")));
  assert.equal(seen.length, 2);
  assert.equal(seen[0].url, `${emu.url}/v1/chat/completions`);
  assert.equal(seen[0].headers.authorization, `Bearer ${KEY}`);
  // A fetch that throws is a connection failure of that attempt, typed.
  const broken = openai(emu, { fetch: () => { throw new TypeError("proxy down"); } });
  const e = await rejects(broken.getAnswer(user("x")));
  assert.equal(e.code, "connection");
  assert.match(e.message, /proxy down/);
});

test("failover across providers: Azure primary down, OpenAI backup serves, and the reverse", async () => {
  const dead = "http://127.0.0.1:9";
  const a = createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: dead, deploymentName: "gpt-4.1-mini", apiKey: KEY,
    backups: [{ provider: "openai", baseURL: `${emu.url}/v1`, apiKey: KEY, model: "gpt-4o" }] });
  const r = await a.getAnswer(user("cross"), {}, { temperature: 0.4, maxTokens: 20 });
  assert.equal(r.content, "You said: cross");
  assert.deepEqual(r.attempts.map((x) => [x.endpoint, x.status ?? x.errorCode]), [[dead, "connection"], [emu.url, 200]]);
  // The backup's own model rules: gpt-4o takes temperature and max_tokens.
  assert.equal(last().kind, "openai");
  assert.equal(last().body.temperature, 0.4);
  assert.equal(last().body.max_tokens, 20);
  assert.deepEqual(r.droppedParams, []);
  const o = createLLM({ provider: "openai", model: "gpt-4o", baseURL: `${dead}/v1`, apiKey: KEY,
    backups: [{ provider: "azure", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, model: "gpt-4.1-mini" }] });
  const chunks = await collect(o.streamAnswer(user("[[words:5]]"), {}, { temperature: 0.4 }));
  assert.equal(chunks.map((c) => c.delta).join("").trim().split(/\s+/).length, 5);
  assert.equal(last().kind, "deployments");
  assert.equal(last().body.temperature, undefined, "the Azure backup's gpt-4.1-mini rules apply");
  // 401 on the primary does not fail over, whatever the backup's provider.
  const bad = createLLM({ provider: "openai", model: "gpt-4o", baseURL: `${emu.url}/v1`, apiKey: "sk-wrong-key-123",
    backups: [{ provider: "azure", endpoint: emu.url, deploymentName: "gpt-4o", apiKey: KEY }] });
  const n = emu.requests.length;
  const e = await rejects(bad.getAnswer(user("x")));
  assert.equal(e.code, "authentication");
  assert.equal(emu.requests.length, n + 1, "the backup was never asked");
  assert.ok(!everythingAbout(e).includes("sk-wrong-key-123"));
});

test("429: no retry by default; retry: { rateLimited: true } waits retryAfterMs and retries", async () => {
  const e = await rejects(openai(emu).getAnswer(user("[[fault:429]]")));
  assert.equal(e.code, "rate_limited");
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "429", times: 1 }) });
  const llm = openai(emu, { retry: { rateLimited: true } });
  // A deadline shorter than the server's retry-after-ms (5000): no wait, the 429 stands.
  const t1 = Date.now();
  const short = await rejects(llm.getAnswer(user("no time"), { timeoutMs: 1000 }));
  assert.equal(short.code, "rate_limited");
  assert.ok(Date.now() - t1 < 900, "did not sleep past the deadline");
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "429", times: 1 }) });
  const t0 = Date.now();
  const r = await llm.getAnswer(user("after a wait"));
  assert.equal(r.content, "You said: after a wait");
  assert.deepEqual(r.attempts.map((a) => a.status), [429, 200]);
  const waited = Date.now() - t0;
  assert.ok(waited >= 4900 && waited < 8000, `waited ${waited} ms for retry-after-ms 5000`);
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: null }) });
});

/** A server that answers every request with `handler`. */
async function server(handler) {
  const seen = [];
  const s = http.createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    handler(req, res);
  });
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${s.address().port}`, seen, close: () => s.close() };
}

test("a redirect is never followed, and the credentials never reach its target", async () => {
  const target = await server((req, res) => res.end("{}"));
  const redirector = await server((req, res) => {
    res.writeHead(307, { location: `${target.url}/steal?x=1` });
    res.end();
  });
  const llm = openai(redirector, { baseURL: `${redirector.url}/v1` });
  const e = await rejects(llm.getAnswer(user("x")));
  assert.equal(e.code, "bad_request");
  assert.equal(e.status, 307);
  assert.match(e.hint, new RegExp(target.url.replace(/[.:/]/g, "\\$&")));
  assert.ok(!e.hint.includes("steal"), "origin only");
  assert.equal(target.seen.length, 0, "nothing reached the redirect's target");
  // The same with a token from getToken (Bearer) on Azure's path.
  const az = createLLM({ provider: "azure", model: "gpt-4o", endpoint: redirector.url, deploymentName: "d", getToken: async () => "tok-SECRET-abcdef" });
  const e2 = await rejects(az.getAnswer(user("x")));
  assert.equal(e2.status, 307);
  assert.equal(target.seen.length, 0);
  assert.equal(redirector.seen.at(-1).headers.authorization, "Bearer tok-SECRET-abcdef", "sent only to its own endpoint");
  assert.ok(!everythingAbout(e2).includes("tok-SECRET"));
  redirector.close();
  target.close();
});

test("a 200 HTML page (captive portal) fails over and ends in parse naming the content type", async () => {
  const portal = await server((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<html><body>Please log in to the hotel Wi-Fi</body></html>");
  });
  const e = await rejects(collect(openai(portal, { baseURL: `${portal.url}/v1` }).streamAnswer(user("x"))));
  assert.equal(e.code, "parse");
  assert.match(e.message, /text\/html/);
  const llm = openai(portal, { baseURL: `${portal.url}/v1`, backups: [{ baseURL: `${emu.url}/v1` }] });
  const r = await llm.getAnswer(user("rescued"));
  assert.equal(r.content, "You said: rescued");
  assert.deepEqual(r.attempts.map((a) => [a.status, a.errorCode]), [[200, "parse"], [200, undefined]]);
  portal.close();
});

test("secrets echoed by a server are scrubbed in every form", async () => {
  const enc = encodeURIComponent(KEY);
  const b64 = Buffer.from(KEY).toString("base64");
  const echo = await server((req, res) => {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: `bad key ${KEY} / ${enc} / ${b64}`, code: KEY, param: null } }));
  });
  const e = await rejects(openai(echo, { baseURL: `${echo.url}/v1` }).getAnswer(user("x")));
  assert.equal(e.code, "bad_request");
  const all = everythingAbout(e) + String(e.providerCode);
  for (const form of [KEY, enc, b64]) assert.ok(!all.includes(form), form);
  echo.close();
});

test("limits: an answer over config.limits ends in response_too_large and the connection closes", async () => {
  const llm = openai(emu, { limits: { maxBodyBytes: 2000, maxStreamBytes: 4000, maxEventBytes: 1000 } });
  const e = await rejects(llm.getAnswer(user("[[words:2000]]")));
  assert.equal(e.code, "response_too_large");
  const e2 = await rejects(collect(llm.streamAnswer(user("[[words:2000]]"))));
  assert.equal(e2.code, "response_too_large");
  const r = await llm.getAnswer(user("small"));
  assert.equal(r.content, "You said: small", "the module still answers");
});

test("llama.cpp-style tool deltas: null members tolerated, id and name delivered once", async () => {
  const head = (delta, finish = null) => `data: ${JSON.stringify({ id: "x", choices: [{ index: 0, finish_reason: finish, logprobs: null, delta }] })}\n\n`;
  const call = (args) => ({ role: null, content: null, function_call: null, tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: args } }] });
  const srv = await server((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(head({ role: "assistant", content: null, function_call: null, tool_calls: null }) + head(call('{"city": ')) + head(call('"Paris"}')) + head({}, "tool_calls") + "data: [DONE]\n\n");
  });
  const chunks = await collect(openai(srv, { baseURL: `${srv.url}/v1` }).streamAnswer(user("weather?")));
  const deltas = chunks.flatMap((c) => c.toolCallDeltas ?? []);
  assert.equal(deltas.map((d) => d.name ?? "").join(""), "get_weather");
  assert.equal(deltas.map((d) => d.id ?? "").join(""), "call_1");
  assert.equal(deltas.map((d) => d.arguments ?? "").join(""), '{"city": "Paris"}');
  assert.equal(chunks.at(-1).finishReason, "tool_calls");
  srv.close();
});

test("usage carries costUsd at the model table's prices, on answers and on the stream's usage chunk", async () => {
  const llm = openai(emu, { model: "gpt-4o" });
  const r = await llm.getAnswer(user("price me"));
  const { promptTokens: p, completionTokens: c } = r.usage;
  const want = (p * 2.5 + c * 10) / 1e6; // gpt-4o: $2.50 in, $10.00 out per million
  assert.ok(Math.abs(r.usage.costUsd - want) < 1e-12, `${r.usage.costUsd} vs ${want}`);
  const chunks = await collect(llm.streamAnswer(user("[[words:7]]")));
  const u = chunks.find((x) => x.usage).usage;
  assert.ok(Math.abs(u.costUsd - (u.promptTokens * 2.5 + u.completionTokens * 10) / 1e6) < 1e-12);
  // o4-mini reports reasoning tokens, billed as output.
  const o = await openai(emu, { model: "o4-mini" }).getAnswer(user("[[reasoning:4]] think"));
  assert.equal(o.usage.reasoningTokens, 4);
  assert.ok(Math.abs(o.usage.costUsd - (o.usage.promptTokens * 1.1 + o.usage.completionTokens * 4.4) / 1e6) < 1e-12);
  // A model without prices has no cost.
  const free = await openai(emu, { model: "house-model", modelName: "gpt-4o" }).getAnswer(user("x"));
  assert.equal(free.usage.costUsd, undefined);
});

test("usageTotals(): running usage and cost by model and endpoint, streams included", async () => {
  const dead = "http://127.0.0.1:9";
  const llm = openai(emu, { model: "gpt-4o", backups: [{ provider: "azure", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, model: "gpt-4.1-mini" }] });
  assert.deepEqual(llm.usageTotals(), []);
  const a = await llm.getAnswer(user("one"));
  const chunks = await collect(llm.streamAnswer(user("[[words:3]]")));
  const s = chunks.find((c) => c.usage).usage;
  const [t] = llm.usageTotals();
  assert.equal(llm.usageTotals().length, 1);
  assert.deepEqual([t.model, t.endpoint, t.requests], ["gpt-4o", emu.url, 2]);
  assert.equal(t.promptTokens, a.usage.promptTokens + s.promptTokens);
  assert.equal(t.completionTokens, a.usage.completionTokens + s.completionTokens);
  assert.ok(Math.abs(t.costUsd - (a.usage.costUsd + s.costUsd)) < 1e-12);
  // A call served by a backup on another model counts under that model.
  const moved = openai(emu, { model: "gpt-4o", baseURL: `${dead}/v1`, backups: [{ provider: "azure", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, model: "gpt-4.1-mini" }] });
  await moved.getAnswer(user("two"));
  assert.deepEqual(moved.usageTotals().map((x) => [x.model, x.requests]), [["gpt-4.1-mini", 1]]);
});
