#!/usr/bin/env node
// Exact token counts (llm-edge/tokens): load the o200k_base table once, count a chat exactly,
// and let the pre-flight check use the exact count, so a prompt that cannot fit is refused
// before anything is sent.
//   AZURE_OPENAI_ENDPOINT=... AZURE_OPENAI_DEPLOYMENT=... AZURE_OPENAI_KEY=... node examples/tokens/count.mjs
// Without AZURE_OPENAI_ENDPOINT it starts the repository's Azure emulator.
// Needs the optional peer package gpt-tokenizer (npm install gpt-tokenizer@^4).
import { createLLM, LLMError } from "llm-edge";
import { loadTokenizer, countTokens, withExactTokens } from "llm-edge/tokens";

const env = process.env;
let emu;
if (!env.AZURE_OPENAI_ENDPOINT) {
  const { startEmulator } = await import("../../tests/emulator/emulator.mjs");
  emu = await startEmulator();
  Object.assign(env, { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" });
}

await loadTokenizer("o200k_base"); // ~1 MB gzip of rank data, loaded here and only here
const messages = [
  { role: "system", content: "You answer in one short sentence." },
  { role: "user", content: "Привет! How many tokens is this question, exactly?" },
];
console.log(`countTokens: ${countTokens(messages, { model: "gpt-4.1-mini" })} tokens`);

const base = createLLM({
  provider: "azure",
  model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
  endpoint: env.AZURE_OPENAI_ENDPOINT,
  deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
  apiKey: env.AZURE_OPENAI_KEY,
});
console.log(`the built-in estimate: ${base.estimateTokens(messages)} tokens`);
const llm = await withExactTokens(base); // counts every call exactly before sending it

const answer = await llm.getAnswer(messages, {}, { maxTokens: 50 });
console.log(`answer: ${answer.content}`);

// A prompt of about 1.2 million tokens cannot fit gpt-4.1-mini's 1,047,576-token window.
const huge = [{ role: "user", content: "1234567890".repeat(360_000) }];
try {
  await llm.getAnswer(huge, {}, { maxTokens: 50 });
} catch (e) {
  if (!(e instanceof LLMError)) throw e;
  console.log(`refused before sending: ${e.code}: ${e.message}\n  hint: ${e.hint}`);
}
await emu?.close();
