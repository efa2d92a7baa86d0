// The package's full variant (llm-edge/full: pkg/full), which builds in every provider and
// operation: Bedrock through the same API, signed with SigV4 or a Bedrock API key, its answers
// and its binary event stream read from recorded bodies served by a local server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFileSync } from "node:fs";
import { createLLM, LLMError } from "../../pkg/full/node.js";
import { createLLM as createDefault } from "../../pkg/node.js";

const data = (f) => readFileSync(new URL(`../data/bedrock/${f}`, import.meta.url));
const answer = data("examples/vercel-ai_converse_response_text.json");
const stream = data("synthetic-converse-stream/text.bin");
const streamWant = JSON.parse(data("synthetic-converse-stream/text.bin.expected.json"));

let srv, url, seen;
before(async () => {
  seen = [];
  srv = http.createServer((req, res) => {
    req.resume();
    seen.push({ url: req.url, headers: req.headers });
    if (req.url.endsWith("/converse-stream")) {
      res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
      res.end(stream);
    } else {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer);
    }
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${srv.address().port}`;
});
after(() => srv.close());

const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
const user = (content) => [{ role: "user", content }];

test("the default entry refuses Bedrock with a hint naming llm-edge/full", () => {
  assert.throws(
    () => createDefault({ provider: "bedrock", model: MODEL, region: "us-east-1", apiKey: "k" }),
    (e) => e.code === "unsupported_operation" && /bedrock/.test(e.message),
  );
});

test("Bedrock with SigV4 credentials: a signed Converse request, the answer read", async () => {
  const llm = createLLM({ provider: "bedrock", model: MODEL, region: "us-east-1", endpoint: url,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session-tok" } });
  const r = await llm.getAnswer(user("How many r in strawberry?"), {}, { maxTokens: 100 });
  assert.match(r.content, /There are \*\*3\*\*/);
  assert.equal(r.finishReason, "stop");
  assert.deepEqual([r.usage.promptTokens, r.usage.completionTokens], [22, 57]);
  const req = seen.at(-1);
  // The model id is one path segment: ':' percent-encoded.
  assert.equal(req.url, `/model/${encodeURIComponent(MODEL)}/converse`);
  assert.match(req.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
  assert.match(req.headers["x-amz-date"], /^\d{8}T\d{6}Z$/);
  assert.equal(req.headers["x-amz-security-token"], "session-tok");
});

test("Bedrock with an API key: Bearer, and ConverseStream's binary frames as chunks", async () => {
  const llm = createLLM({ provider: "bedrock", model: MODEL, region: "us-west-2", endpoint: url, apiKey: "bedrock-api-key-123" });
  let text = "";
  for await (const c of llm.streamAnswer(user("hi"))) text += c.delta;
  assert.equal(seen.at(-1).headers.authorization, "Bearer bedrock-api-key-123");
  const want = streamWant.filter((f) => f.event_type === "contentBlockDelta" && f.payload.delta.text !== undefined).map((f) => f.payload.delta.text).join("");
  assert.ok(want.length > 10);
  assert.equal(text, want, "exactly the text the frames carry");
});

test("an Azure primary with a Bedrock backup fails over across providers", async () => {
  const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: "http://127.0.0.1:9", deploymentName: "gpt-4o", apiKey: "azure-key",
    backups: [{ provider: "bedrock", region: "us-east-1", endpoint: url, apiKey: "bedrock-api-key-123", model: MODEL }] });
  const r = await llm.getAnswer(user("x"));
  assert.match(r.content, /strawberry/);
  assert.deepEqual(r.attempts.map((a) => a.errorCode ?? a.status), ["connection", 200]);
  assert.ok(r instanceof Object && !(r instanceof LLMError));
});
