// The Bedrock provider (the package's full variant) against MiniStack, a real AWS emulator
// nobody here wrote: Converse and ConverseStream, the latter in the binary
// application/vnd.amazon.eventstream framing (MiniStack buffers it: the frames arrive in one
// body), both forwarded to the real SmolLM2 model on llama.cpp. MiniStack checks no
// signature, so the SigV4 headers are checked for shape only. Servers: tests/real/servers.mjs.
//
//   bash scripts/setup-servers.sh && node --test tests/real/bedrock.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createLLM, LLMError } from "../../pkg/full/node.js";
import { startServers, nonLoopbackConnections, DEAD_URL, MINISTACK_MOCK } from "./servers.mjs";

let S; // { llama, ministack }
before(async () => {
  S = await startServers({ only: ["llama", "ministack"] });
}, { timeout: 180_000 });
after(() => S?.stop());

const T = { timeout: 90_000 };
// Any plain model id reaches the llama server (MiniStack forwards it as the OpenAI `model`,
// which a one-model llama.cpp server ignores); this one is in the library's model table.
const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
const CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };
const user = (content) => [{ role: "user", content }];
const PARIS = user("What is the capital of France? Answer in one sentence.");
const STORY = user("Write a long story about a dragon.");
const bedrock = (over = {}) => createLLM({ provider: "bedrock", model: MODEL, region: "us-east-1", endpoint: S.ministack.url, credentials: CREDENTIALS, ...over });
const attemptsOf = (r) => r.attempts.map((a) => [a.endpoint, a.errorCode ?? a.status]);

function checkUsage(u) {
  assert.ok(u, "usage");
  assert.ok(Number.isInteger(u.promptTokens) && u.promptTokens > 0, JSON.stringify(u));
  assert.ok(Number.isInteger(u.completionTokens) && u.completionTokens > 0, JSON.stringify(u));
  assert.equal(u.totalTokens, u.promptTokens + u.completionTokens);
}
/** Real model text, not the canned reply MiniStack falls back to when llama.cpp is unreachable. */
function checkReal(text) {
  assert.ok(typeof text === "string" && text.trim().length > 0, `empty answer: ${JSON.stringify(text)}`);
  assert.doesNotMatch(text, MINISTACK_MOCK);
}

/** A fetch that records each request's URL and headers and each response's content type. */
function recordingFetch() {
  const calls = [];
  const f = async (input, init = {}) => {
    const call = { url: String(input instanceof Request ? input.url : input), headers: Object.fromEntries(new Headers(init.headers ?? {})) };
    calls.push(call);
    const res = await fetch(input, init);
    call.contentType = res.headers.get("content-type");
    return res;
  };
  f.calls = calls;
  return f;
}

/** The frames of an event-stream body: prelude (total length, headers length, CRC), headers
 *  (name, type, value; only the string type 7 is expected here), payload, message CRC. */
function frames(buf) {
  const out = [];
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  while (at < buf.length) {
    const total = v.getUint32(at);
    const headersLen = v.getUint32(at + 4);
    assert.ok(total >= 16 && at + total <= buf.length, `frame at ${at}: length ${total} of ${buf.length}`);
    const headers = {};
    let h = at + 12;
    while (h < at + 12 + headersLen) {
      const nameLen = buf[h];
      const name = new TextDecoder().decode(buf.subarray(h + 1, h + 1 + nameLen));
      assert.equal(buf[h + 1 + nameLen], 7, `header ${name}: type`);
      const valueLen = v.getUint16(h + 2 + nameLen);
      headers[name] = new TextDecoder().decode(buf.subarray(h + 4 + nameLen, h + 4 + nameLen + valueLen));
      h += 4 + nameLen + valueLen;
    }
    const payload = JSON.parse(new TextDecoder().decode(buf.subarray(at + 12 + headersLen, at + total - 4)));
    out.push({ headers, payload });
    at += total;
  }
  return out;
}

// ---------------------------------------------------------------- the server itself

test("smoke: MiniStack answers Converse from the real model and ConverseStream in binary frames", T, async () => {
  const post = (op) =>
    fetch(`${S.ministack.url}/model/${encodeURIComponent(MODEL)}/${op}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=0" },
      body: JSON.stringify({ messages: [{ role: "user", content: [{ text: PARIS[0].content }] }], inferenceConfig: { maxTokens: 48, temperature: 0 } }),
    });
  const res = await post("converse");
  assert.equal(res.status, 200);
  const j = await res.json();
  const text = j.output.message.content[0].text;
  checkReal(text);
  assert.match(text, /Paris/);
  assert.equal(j.stopReason, "end_turn");
  const sres = await post("converse-stream");
  assert.equal(sres.status, 200);
  assert.equal(sres.headers.get("content-type"), "application/vnd.amazon.eventstream");
  const fs = frames(new Uint8Array(await sres.arrayBuffer()));
  assert.deepEqual([...new Set(fs.map((f) => f.headers[":event-type"]))], ["messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]);
  assert.ok(fs.every((f) => f.headers[":message-type"] === "event"));
  assert.equal(fs.filter((f) => f.headers[":event-type"] === "contentBlockDelta").map((f) => f.payload.delta.text).join(""), text);
});

// ---------------------------------------------------------------- Bedrock provider → MiniStack

test("bedrock → MiniStack: getAnswer with SigV4 credentials: the real model's text, usage, finish reason", T, async () => {
  const f = recordingFetch();
  const r = await bedrock({ fetch: f }).getAnswer(PARIS, {}, { maxTokens: 48, temperature: 0 });
  checkReal(r.content);
  assert.match(r.content, /Paris/);
  assert.equal(r.finishReason, "stop");
  checkUsage(r.usage);
  assert.equal(r.endpoint, S.ministack.url);
  assert.deepEqual(attemptsOf(r), [[S.ministack.url, 200]]);
  assert.equal(f.calls.length, 1);
  assert.equal(f.calls[0].url, `${S.ministack.url}/model/${encodeURIComponent(MODEL)}/converse`);
  assert.match(f.calls[0].headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
  assert.match(f.calls[0].headers["x-amz-date"], /^\d{8}T\d{6}Z$/);
});

test("bedrock → MiniStack: streamAnswer reads the binary event stream; at temperature 0 it equals getAnswer", T, async () => {
  const f = recordingFetch();
  const llm = bedrock({ fetch: f });
  const whole = await llm.getAnswer(PARIS, {}, { maxTokens: 48, temperature: 0 });
  const s = llm.streamAnswer(PARIS, {}, { maxTokens: 48, temperature: 0 });
  const chunks = [];
  for await (const c of s) chunks.push(c);
  const text = chunks.map((c) => c.delta).join("");
  checkReal(text);
  // MiniStack passes inferenceConfig.temperature on to llama.cpp, where 0 is deterministic.
  assert.equal(text, whole.content);
  assert.ok(chunks.filter((c) => c.delta).length > 1, `the text came in ${chunks.length} chunks`);
  assert.deepEqual(chunks.filter((c) => c.finishReason).map((c) => c.finishReason), ["stop"]);
  const usage = chunks.filter((c) => c.usage).map((c) => c.usage);
  assert.equal(usage.length, 1);
  checkUsage(usage[0]);
  assert.deepEqual(attemptsOf(s), [[S.ministack.url, 200]]);
  assert.equal(f.calls.at(-1).url, `${S.ministack.url}/model/${encodeURIComponent(MODEL)}/converse-stream`);
  assert.equal(f.calls.at(-1).contentType, "application/vnd.amazon.eventstream");
});

test("bedrock → MiniStack: ctx.signal aborts getAnswer while the model generates, with code aborted", T, async () => {
  const ac = new AbortController();
  const p = bedrock().getAnswer(STORY, { signal: ac.signal }, { maxTokens: 200, temperature: 0 });
  setTimeout(() => ac.abort(), 100); // 200 tokens take llama.cpp well over a second
  const e = await p.then(() => assert.fail("expected the call to be aborted"), (err) => err);
  assert.ok(e instanceof LLMError, String(e));
  assert.equal(e.code, "aborted");
  // The server still answers (llama.cpp queues the next request behind the abandoned one).
  checkReal((await bedrock().getAnswer(user("Say hi."), {}, { maxTokens: 8, temperature: 0 })).content);
});

test("bedrock → MiniStack: ctx.signal aborts a stream after its first chunks; no text after the abort", T, async () => {
  const ac = new AbortController();
  const s = bedrock().streamAnswer(STORY, { signal: ac.signal }, { maxTokens: 60, temperature: 0 });
  let n = 0;
  const e = await (async () => {
    for await (const c of s) if (c.delta && ++n === 2) ac.abort();
  })().then(() => assert.fail("expected the stream to be aborted"), (err) => err);
  assert.ok(e instanceof LLMError, String(e));
  assert.equal(e.code, "aborted");
  assert.equal(n, 2, "no text after the abort");
});

test("bedrock: a dead endpoint fails over to MiniStack (getAnswer and stream); attempts connection then 200", T, async () => {
  const llm = bedrock({ endpoint: DEAD_URL, backups: [{ endpoint: S.ministack.url }] });
  const r = await llm.getAnswer(user("Say hi."), {}, { maxTokens: 8, temperature: 0 });
  checkReal(r.content);
  assert.deepEqual(attemptsOf(r), [[DEAD_URL, "connection"], [S.ministack.url, 200]]);
  assert.equal(r.endpoint, S.ministack.url);
  const s = llm.streamAnswer(user("Say hi."), {}, { maxTokens: 8, temperature: 0 });
  let text = "";
  for await (const c of s) text += c.delta;
  checkReal(text);
  assert.equal(text, r.content);
  assert.deepEqual(attemptsOf(s), [[DEAD_URL, "connection"], [S.ministack.url, 200]]);
});

test("an Azure primary that is down fails over to a Bedrock backup on MiniStack", T, async () => {
  const f = recordingFetch();
  const llm = createLLM({
    provider: "azure", model: "gpt-4o", endpoint: DEAD_URL, deploymentName: "gpt-4o", apiKey: "azure-key-0123", fetch: f,
    backups: [{ provider: "bedrock", region: "us-east-1", endpoint: S.ministack.url, credentials: CREDENTIALS, model: MODEL }],
  });
  const r = await llm.getAnswer(PARIS, {}, { maxTokens: 48, temperature: 0 });
  checkReal(r.content);
  assert.match(r.content, /Paris/);
  checkUsage(r.usage);
  assert.deepEqual(attemptsOf(r), [[DEAD_URL, "connection"], [S.ministack.url, 200]]);
  assert.equal(f.calls[0].headers["api-key"], "azure-key-0123");
  assert.match(f.calls[1].headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDTEST\//);
  assert.equal(f.calls[1].headers["api-key"], undefined);
  const s = llm.streamAnswer(PARIS, {}, { maxTokens: 48, temperature: 0 });
  let text = "";
  for await (const c of s) text += c.delta;
  assert.equal(text, r.content);
  assert.deepEqual(attemptsOf(s), [[DEAD_URL, "connection"], [S.ministack.url, 200]]);
});

// ---------------------------------------------------------------- last: nothing left the machine

test("llama.cpp and MiniStack hold no connection to anything beyond the loopback interface", () => {
  const { pids, connections } = nonLoopbackConnections([S.llama, S.ministack]);
  assert.ok(pids.length >= 2, `server processes found: ${pids.length}`);
  assert.deepEqual(connections, []);
});
