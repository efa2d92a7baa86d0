// Bedrock through the full variant (llm-edge/full) against the emulator's Bedrock routes
// (tests/emulator/bedrock.mjs): SigV4 checked by AWS's own signer, Bedrock API keys,
// Converse JSON and the binary event stream, tools, reasoning, every stream exception, a
// corrupt CRC, an oversized frame, wrong credentials, clock skew, failover across Bedrock
// regions and across providers, throttling, aborts, and no secret in any error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createLLM } from "../../pkg/full/node.js";
import { startEmulator } from "../emulator/emulator.mjs";
import { BEDROCK_CREDENTIALS as CREDS, BEDROCK_API_KEY as API_KEY } from "../emulator/bedrock.mjs";
import { KEY, user, collect, rejects, everythingAbout, eventually } from "./helpers.mjs";

const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
let emu, emu2;
before(async () => {
  emu = await startEmulator({ keys: [KEY] });
  emu2 = await startEmulator({ keys: [KEY] });
});
after(async () => {
  await emu.close();
  await emu2.close();
});
const reset = () => {
  for (const e of [emu, emu2]) {
    e.setFault(undefined);
    e.bedrock.clockSkewMs = 0;
  }
};

const sigv4 = (over = {}) => createLLM({ provider: "bedrock", model: MODEL, region: "us-east-1", endpoint: emu.url, credentials: CREDS, ...over });
const keyed = (over = {}) => createLLM({ provider: "bedrock", model: MODEL, region: "us-east-1", endpoint: emu.url, apiKey: API_KEY, ...over });
const last = (e = emu) => e.requests.at(-1);
const text = (chunks) => chunks.map((c) => c.delta).join("");

test("getAnswer with static SigV4 credentials and a session token: verified by AWS's signer", async () => {
  reset();
  const r = await sigv4().getAnswer(user("hello there"), {}, { maxTokens: 50, temperature: 0.2 });
  assert.equal(r.content, "You said: hello there");
  assert.equal(r.finishReason, "stop");
  assert.ok(r.usage.promptTokens > 0 && r.usage.completionTokens === 4, JSON.stringify(r.usage));
  assert.equal(r.endpoint, emu.url);
  const req = last();
  assert.equal(req.auth, "sigv4");
  assert.equal(req.path, `/model/${encodeURIComponent(MODEL)}/converse`);
  assert.deepEqual(req.body.inferenceConfig, { maxTokens: 50, temperature: 0.2 });
});

test("credentials as a function, asked per request (rotating session tokens)", async () => {
  reset();
  let calls = 0;
  const llm = sigv4({ credentials: async () => (calls++, { ...CREDS }) });
  await llm.getAnswer(user("a"));
  await collect(llm.streamAnswer(user("b")));
  assert.equal(calls, 2);
  assert.equal(last().auth, "sigv4");
});

test("streamAnswer with an API key: the binary event stream as chunks, usage and finish", async () => {
  reset();
  const chunks = await collect(keyed().streamAnswer(user("[[words:300]]")));
  const t = text(chunks);
  assert.equal(t.split(" ").filter(Boolean).length, 300);
  assert.ok(t.startsWith("w0 w1 ") && t.endsWith("w299 "));
  assert.equal(chunks.find((c) => c.finishReason)?.finishReason, "stop");
  assert.ok(chunks.find((c) => c.usage)?.usage.completionTokens === 300);
  assert.equal(last().auth, "api-key");
  assert.equal(last().path, `/model/${encodeURIComponent(MODEL)}/converse-stream`);
  // Multi-byte text split across frames and reads stays intact.
  assert.equal(text(await collect(sigv4().streamAnswer(user("héllo 🌍 日本語 ok")))), "You said: héllo 🌍 日本語 ok");
});

test("maxTokens cuts the answer: finishReason length", async () => {
  reset();
  const r = await keyed().getAnswer(user("[[words:20]]"), {}, { maxTokens: 5 });
  assert.equal(r.content, "w0 w1 w2 w3 w4 ");
  assert.equal(r.finishReason, "length");
});

test("tools: a toolUse whole and streamed as toolCallDeltas; the tool result answered in text", async () => {
  reset();
  const tools = [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { input: { type: "string" } } } } }];
  const llm = sigv4();
  const r = await llm.getAnswer(user("Paris"), {}, { tools });
  assert.equal(r.finishReason, "tool_calls");
  assert.equal(r.toolCalls[0].function.name, "get_weather");
  assert.deepEqual(JSON.parse(r.toolCalls[0].function.arguments), { input: "Paris" });
  assert.deepEqual(last().body.toolConfig.tools[0].toolSpec.name, "get_weather");
  const chunks = await collect(llm.streamAnswer(user("Lyon"), {}, { tools }));
  const deltas = chunks.flatMap((c) => c.toolCallDeltas ?? []);
  assert.equal(deltas[0].name, "get_weather");
  assert.match(deltas[0].id, /^tooluse_/);
  assert.ok(deltas.length > 3, "input streamed in pieces");
  assert.deepEqual(JSON.parse(deltas.map((d) => d.arguments ?? "").join("")), { input: "Lyon" });
  assert.equal(chunks.find((c) => c.finishReason).finishReason, "tool_calls");
  const follow = await llm.getAnswer([
    { role: "user", content: "Paris" },
    { role: "assistant", content: null, tool_calls: r.toolCalls },
    { role: "tool", tool_call_id: r.toolCalls[0].id, content: "sunny" },
  ], {}, { tools });
  assert.equal(follow.finishReason, "stop");
  const sent = last().body.messages;
  assert.deepEqual(sent[1].content[0].toolUse.input, { input: "Paris" });
  assert.equal(sent[2].content[0].toolResult.toolUseId, r.toolCalls[0].id);
});

test("reasoning is kept apart from the text, whole and streamed", async () => {
  reset();
  const r = await keyed().getAnswer(user("[[reasoning:3]] why"));
  assert.equal(r.content, "You said: why");
  assert.equal(r.reasoning, "think0 think1 think2 ");
  const chunks = await collect(keyed().streamAnswer(user("[[reasoning:4]] why")));
  assert.equal(text(chunks), "You said: why");
  assert.equal(chunks.map((c) => c.reasoningDelta ?? "").join(""), "think0 think1 think2 think3 ");
});

test("each ConverseStream exception frame mid-stream → its typed code, the text so far kept", async () => {
  reset();
  const cases = {
    throttlingException: "rate_limited",
    modelStreamErrorException: "service_unavailable",
    internalServerException: "service_unavailable",
    serviceUnavailableException: "service_unavailable",
    validationException: "bad_request",
  };
  for (const [type, code] of Object.entries(cases)) {
    const seen = [];
    const e = await rejects((async () => {
      for await (const c of keyed().streamAnswer(user(`[[words:10]] [[fault:x-${type}@4]]`))) seen.push(c.delta);
    })());
    assert.equal(e.code, code, `${type}: ${e.message}`);
    assert.equal(seen.join(""), "w0 w1 w2 ", type);
    assert.equal(e.partialContent, "w0 w1 w2 ", type);
  }
  // Before any text, an exception frame of a failover kind moves to the backup.
  const llm = keyed({ backups: [{ region: "us-west-2", endpoint: emu2.url }] });
  emu.setFault("x-modelStreamErrorException", 1, 1);
  const [n1, n2] = [emu.requests.length, emu2.requests.length];
  const r = await collect(llm.streamAnswer(user("hi")));
  assert.equal(text(r), "You said: hi");
  assert.deepEqual([emu.requests.length - n1, emu2.requests.length - n2], [1, 1]);
});

test("Converse (not streamed): Bedrock's HTTP errors → typed codes", async () => {
  reset();
  const cases = { "x-throttlingException": ["rate_limited", 429], "x-validationException": ["bad_request", 400], "x-modelTimeoutException": ["timeout", 408], "x-modelErrorException": ["service_unavailable", 424], "403": ["permission_denied", 403], "404": ["not_found", 404], "500": ["service_unavailable", 500], "503": ["service_unavailable", 503] };
  for (const [fault, [code, status]] of Object.entries(cases)) {
    const e = await rejects(keyed().getAnswer(user(`[[fault:${fault}]]`)));
    assert.equal(e.code, code, `${fault}: ${e.message}`);
    assert.equal(e.status, status, fault);
    assert.ok(e.hint, fault);
  }
});

test("a corrupt CRC is parse; a frame over the limit is response_too_large; a stall is a timeout", async () => {
  reset();
  let e = await rejects(collect(keyed().streamAnswer(user("[[words:10]] [[fault:crc@3]]"))));
  assert.equal(e.code, "parse");
  assert.match(e.message, /checksum/);
  e = await rejects(collect(keyed({ limits: { maxEventBytes: 1 << 20 } }).streamAnswer(user("[[words:10]] [[fault:big-frame@3]]"))));
  assert.equal(e.code, "response_too_large");
  // Frames under a small limit pass it (each is ~200 bytes).
  assert.equal(text(await collect(keyed({ limits: { maxEventBytes: 400 } }).streamAnswer(user("[[words:3]]")))), "w0 w1 w2 ");
  e = await rejects(collect(keyed({ limits: { maxEventBytes: 100 } }).streamAnswer(user("[[words:3]]"))));
  assert.equal(e.code, "response_too_large");
  e = await rejects(collect(keyed({ idleTimeoutMs: 300 }).streamAnswer(user("[[words:10]] [[fault:stall-mid@3]]"))));
  assert.equal(e.code, "timeout");
});

test("wrong credentials → 403, not failed over: API key permission_denied, signature authentication", async () => {
  reset();
  const backups = [{ region: "us-west-2", endpoint: emu2.url }];
  const before2 = emu2.requests.length;
  let e = await rejects(keyed({ apiKey: "ABSK-wrong-key-0000000000", backups }).getAnswer(user("x")));
  assert.equal(e.code, "permission_denied");
  assert.equal(e.status, 403);
  e = await rejects(sigv4({ credentials: { ...CREDS, secretAccessKey: "not-the-secret-0000000000000000000000000" }, backups }).getAnswer(user("x")));
  assert.equal(e.code, "authentication");
  assert.equal(e.status, 403);
  assert.match(e.message, /signature we calculated does not match/);
  e = await rejects(sigv4({ credentials: { ...CREDS, sessionToken: "stale-session-token-000000" }, backups }).getAnswer(user("x")));
  assert.equal(e.code, "authentication");
  assert.match(e.message, /security token included in the request is invalid/);
  assert.equal(emu2.requests.length, before2, "no backup asked");
});

test("clock skew: a 'Signature expired' answer is retried once with the server's time, the offset kept", async () => {
  reset();
  emu.bedrock.clockSkewMs = 20 * 60_000;
  const llm = sigv4();
  const r = await llm.getAnswer(user("skew"));
  assert.equal(r.content, "You said: skew");
  assert.deepEqual(r.attempts.map((a) => [a.status, a.errorCode ?? null]), [[403, "authentication"], [200, null]]);
  const r2 = await llm.getAnswer(user("again"));
  assert.equal(r2.attempts.length, 1, "the offset is kept for the endpoint");
  const chunks = await collect(llm.streamAnswer(user("stream")));
  assert.equal(text(chunks), "You said: stream");
  // A server clock behind ours ("Signature not yet current") on a fresh model.
  emu.bedrock.clockSkewMs = -40 * 60_000;
  const r3 = await sigv4().getAnswer(user("behind"));
  assert.equal(r3.attempts.length, 2);
  reset();
});

test("failover across two Bedrock regions (SigV4 per region)", async () => {
  reset();
  emu.setFault("503");
  const llm = sigv4({ backups: [{ region: "us-west-2", endpoint: emu2.url }] });
  const r = await llm.getAnswer(user("x"));
  assert.equal(r.endpoint, emu2.url);
  assert.deepEqual(r.attempts.map((a) => a.status), [503, 200]);
  assert.match(emu2.requests.at(-1).headers["x-amz-date"], /^\d{8}T\d{6}Z$/);
  const chunks = await collect(llm.streamAnswer(user("y")));
  assert.equal(text(chunks), "You said: y");
  reset();
});

test("Azure → Bedrock and Bedrock → OpenAI failover", async () => {
  reset();
  emu.setFault("500");
  const az = createLLM({ provider: "azure", model: "gpt-4o", endpoint: emu.url, deploymentName: "gpt-4o", apiKey: KEY,
    backups: [{ provider: "bedrock", model: MODEL, region: "eu-central-1", endpoint: emu2.url, credentials: CREDS }] });
  const r = await az.getAnswer(user("from azure"));
  assert.equal(r.content, "You said: from azure");
  assert.deepEqual(r.attempts.map((a) => a.status), [500, 200]);
  assert.equal(emu2.requests.at(-1).kind, "bedrock");
  const s = await collect(az.streamAnswer(user("streamed")));
  assert.equal(text(s), "You said: streamed");

  const br = createLLM({ provider: "bedrock", model: MODEL, region: "us-east-1", endpoint: emu.url, apiKey: API_KEY,
    backups: [{ provider: "openai", model: "gpt-4o", baseURL: `${emu2.url}/v1`, apiKey: KEY }] });
  const r2 = await br.getAnswer(user("from bedrock"));
  assert.equal(r2.content, "You said: from bedrock");
  assert.equal(emu2.requests.at(-1).kind, "openai");
  assert.deepEqual(r2.attempts.map((a) => a.status), [500, 200]);
  reset();
});

test("throttling is a 429, not a failover reason, by default", async () => {
  reset();
  emu.setFault("429");
  const before2 = emu2.requests.length;
  const e = await rejects(keyed({ backups: [{ region: "us-west-2", endpoint: emu2.url }] }).getAnswer(user("x")));
  assert.equal(e.code, "rate_limited");
  assert.equal(e.status, 429);
  assert.equal(emu2.requests.length, before2);
  reset();
});

test("abort mid-stream: the stream rejects aborted and the connection is closed", async () => {
  reset();
  const ac = new AbortController();
  const got = [];
  const e = await rejects((async () => {
    for await (const c of sigv4().streamAnswer(user("[[words:200]] [[delay:20]]"), { signal: ac.signal })) {
      got.push(c.delta);
      if (got.length === 3) ac.abort();
    }
  })());
  assert.equal(e.code, "aborted");
  assert.ok(got.length >= 3 && got.length < 200);
  assert.ok(await eventually(() => last().closedEarly === true), "the server saw the connection close");
});

test("no secret (secret key, session token, API key) in any error or attempt trace", async () => {
  reset();
  const secrets = [CREDS.secretAccessKey, CREDS.sessionToken, API_KEY];
  const check = (e, what) => {
    const all = everythingAbout(e) + JSON.stringify(e.attempts ?? []);
    for (const s of secrets) assert.ok(!all.includes(s), `${what} leaks ${s.slice(0, 6)}…`);
  };
  const backups = [{ region: "us-west-2", endpoint: emu2.url, apiKey: API_KEY }];
  for (const fault of ["echo-credentials", "403", "500", "x-throttlingException", "x-modelStreamErrorException@3", "crc@2"]) {
    for (const llm of [sigv4({ backups }), sigv4({ credentials: async () => ({ ...CREDS }), backups }), keyed()]) {
      emu.setFault(fault.split("@")[0], Infinity, Number(fault.split("@")[1] ?? 2));
      emu2.setFault(fault.split("@")[0], Infinity, Number(fault.split("@")[1] ?? 2));
      if (!fault.startsWith("crc")) check(await rejects(llm.getAnswer(user("[[words:10]]"))), `getAnswer ${fault}`);
      check(await rejects(collect(llm.streamAnswer(user("[[words:10]]")))), `streamAnswer ${fault}`);
    }
  }
  // The echo really quoted them: what the scrubbing removed was there.
  emu.setFault("echo-credentials");
  const e = await rejects(sigv4().getAnswer(user("x")));
  assert.match(e.message, /\[redacted\]/);
  reset();
});
