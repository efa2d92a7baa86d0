// Integration against real Azure OpenAI (design doc "Integration Tests"): runs when
// AZURE_OPENAI_KEY, AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT are set (and
// AZURE_OPENAI_MODEL names the deployment's model, default gpt-4.1-mini); skipped otherwise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLLM, LLMError } from "./helpers.mjs";

const { AZURE_OPENAI_KEY: key, AZURE_OPENAI_ENDPOINT: endpoint, AZURE_OPENAI_DEPLOYMENT: deployment, AZURE_OPENAI_MODEL: model = "gpt-4.1-mini" } = process.env;
const skip = key && endpoint && deployment ? false : "AZURE_OPENAI_KEY, AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT are not set";
const llm = () => createLLM({ provider: "azure", model, endpoint, deploymentName: deployment, apiKey: key });
const ask = [{ role: "user", content: "Reply with the single word: pong" }];

test("real Azure: getAnswer", { skip }, async () => {
  const r = await llm().getAnswer(ask, { timeoutMs: 60_000 }, { maxTokens: 200 });
  assert.match(r.content.toLowerCase(), /pong/);
  assert.ok(r.usage.totalTokens > 0);
});

test("real Azure: streamAnswer", { skip }, async () => {
  let text = "";
  let finish;
  for await (const c of llm().streamAnswer(ask, { timeoutMs: 60_000 }, { maxTokens: 200 })) {
    text += c.delta;
    finish = c.finishReason ?? finish;
  }
  assert.match(text.toLowerCase(), /pong/);
  assert.equal(finish, "stop");
});

test("real Azure: a wrong key is authentication and is not echoed", { skip }, async () => {
  const bad = createLLM({ provider: "azure", model, endpoint, deploymentName: deployment, apiKey: "00000000000000000000000000000000" });
  const e = await bad.getAnswer(ask).catch((e) => e);
  assert.ok(e instanceof LLMError);
  assert.equal(e.code, "authentication");
  assert.ok(!JSON.stringify(e).includes(key));
});
