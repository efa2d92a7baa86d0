#!/usr/bin/env node
// Streams an answer to a prompt in the terminal.
//   node examples/node/ask.mjs "Why is the sky blue?"
//   node examples/node/ask.mjs --local "Why is the sky blue?"
// With --local it asks a real model on this machine: SmolLM2-135M on llama.cpp's
// OpenAI-compatible server (started here, stopped at the end), through the OpenAI provider;
// scripts/setup-servers.sh installs it. Otherwise, with AZURE_OPENAI_KEY,
// AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT set (and optionally AZURE_OPENAI_MODEL,
// default gpt-4.1-mini), it asks real Azure OpenAI; otherwise it starts the local Azure
// emulator and asks that.
import { createLLM, LLMError } from "../../pkg/node.js";
import { startEmulator } from "../../tests/emulator/emulator.mjs";

const args = process.argv.slice(2);
const local = args.includes("--local");
const prompt = args.filter((a) => a !== "--local").join(" ") || "Hello from llm-edge!";
const { AZURE_OPENAI_KEY: key, AZURE_OPENAI_ENDPOINT: endpoint, AZURE_OPENAI_DEPLOYMENT: deployment, AZURE_OPENAI_MODEL: azureModel = "gpt-4.1-mini" } = process.env;
const live = !local && Boolean(key && endpoint && deployment);
let model = azureModel;

let emu;
let server;
let config;
if (local) {
  const { installed, startLlama, LLAMA_MODEL } = await import("../../tests/real/servers.mjs");
  if (!installed().llama) {
    console.error("The local model is not installed. Install it once (llama.cpp is compiled, a few minutes) with:\n  bash scripts/setup-servers.sh");
    process.exit(1);
  }
  process.stderr.write("starting llama.cpp with SmolLM2-135M on 127.0.0.1 ... ");
  server = await startLlama();
  console.error(`ready in ${server.startMs} ms\n`);
  model = LLAMA_MODEL;
  // As with the emulator: a dead primary and the real server as its backup.
  config = { provider: "openai", model, baseURL: "http://127.0.0.1:9/v1", backups: [{ baseURL: server.baseURL }] };
} else if (live) {
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
// SmolLM2's context is 2048 tokens: keep its answer short.
const stream = llm.streamAnswer([{ role: "user", content: prompt }], { signal: ac.signal }, local ? { maxTokens: 256 } : undefined);
let usage;
try {
  for await (const chunk of stream) {
    process.stdout.write(chunk.delta);
    if (chunk.usage) usage = chunk.usage;
  }
  process.stdout.write("\n");
  const tried = (stream.attempts ?? []).map((a) => `${a.endpoint} ${a.status ?? a.errorCode}`).join(" → ");
  console.error(`\n[${local ? "llama.cpp" : live ? "Azure" : "emulator"}] ${model} via ${stream.endpoint} in ${(performance.now() - started).toFixed(0)} ms; attempts: ${tried}${usage ? `; tokens: ${usage.promptTokens} in, ${usage.completionTokens} out` : ""}`);
} catch (e) {
  if (e instanceof LLMError) {
    console.error(`\nLLMError [${e.code}] ${e.message}${e.hint ? `\nhint: ${e.hint}` : ""}`);
    process.exitCode = 1;
  } else throw e;
} finally {
  await llm.close();
  await emu?.close();
  await server?.stop();
}
