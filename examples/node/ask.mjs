#!/usr/bin/env node
// Streams an answer to a prompt in the terminal.
//   node examples/node/ask.mjs "Why is the sky blue?"
// With AZURE_OPENAI_KEY, AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT set (and
// optionally AZURE_OPENAI_MODEL, default gpt-4.1-mini), it asks real Azure OpenAI;
// otherwise it starts the local Azure emulator and asks that.
import { createLLM, LLMError } from "../../pkg/node.js";
import { startEmulator } from "../../tests/emulator/emulator.mjs";

const prompt = process.argv.slice(2).join(" ") || "Hello from llm-edge!";
const { AZURE_OPENAI_KEY: key, AZURE_OPENAI_ENDPOINT: endpoint, AZURE_OPENAI_DEPLOYMENT: deployment, AZURE_OPENAI_MODEL: model = "gpt-4.1-mini" } = process.env;
const live = Boolean(key && endpoint && deployment);

let emu;
let config;
if (live) {
  config = { provider: "azure", model, endpoint, deploymentName: deployment, apiKey: key };
} else {
  emu = await startEmulator({ keys: ["demo-key"] });
  // A dead primary (nothing listens on port 9) and the emulator as its backup: the answer
  // still arrives, and the attempts line shows the failover.
  config = { provider: "azure", model, endpoint: "http://127.0.0.1:9", deploymentName: model, apiKey: "demo-key", backups: [{ endpoint: emu.url }] };
}

const llm = createLLM(config);
const ac = new AbortController();
process.once("SIGINT", () => ac.abort());
const started = performance.now();
const stream = llm.streamAnswer([{ role: "user", content: prompt }], { signal: ac.signal });
let usage;
try {
  for await (const chunk of stream) {
    process.stdout.write(chunk.delta);
    if (chunk.usage) usage = chunk.usage;
  }
  process.stdout.write("\n");
  const tried = (stream.attempts ?? []).map((a) => `${a.endpoint} ${a.status ?? a.errorCode}`).join(" → ");
  console.error(`\n[${live ? "Azure" : "emulator"}] ${model} via ${stream.endpoint} in ${(performance.now() - started).toFixed(0)} ms; attempts: ${tried}${usage ? `; tokens: ${usage.promptTokens} in, ${usage.completionTokens} out` : ""}`);
} catch (e) {
  if (e instanceof LLMError) {
    console.error(`\nLLMError [${e.code}] ${e.message}${e.hint ? `\nhint: ${e.hint}` : ""}`);
    process.exitCode = 1;
  } else throw e;
} finally {
  await llm.close();
  await emu?.close();
}
