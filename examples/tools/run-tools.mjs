#!/usr/bin/env node
// runTools: the model asks for a tool, the tool runs here, its result goes back to the model,
// and the final answer streams to the terminal as it arrives.
//   AZURE_OPENAI_ENDPOINT=... AZURE_OPENAI_DEPLOYMENT=... AZURE_OPENAI_KEY=... node examples/tools/run-tools.mjs "How many letters are in strawberry?"
// Without AZURE_OPENAI_ENDPOINT it starts the repository's Azure emulator and asks that (the
// emulator calls the first tool with {"input": <the question>}, then answers the result).
import { createLLM, runTools, LLMError } from "llm-edge";

const question = process.argv.slice(2).join(" ") || "How many letters are in strawberry?";
const env = process.env;
let emu;
if (!env.AZURE_OPENAI_ENDPOINT) {
  const { startEmulator } = await import("../../tests/emulator/emulator.mjs");
  emu = await startEmulator();
  Object.assign(env, { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" });
}
const llm = createLLM({
  provider: "azure",
  model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
  endpoint: env.AZURE_OPENAI_ENDPOINT,
  deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
  apiKey: env.AZURE_OPENAI_KEY,
});

// A tool is its JSON Schema and the function that runs it; what it returns is sent to the
// model as JSON (a string goes as is), and a throw is sent as {"error": message}.
const tools = {
  letter_count: {
    description: "Counts the letters (a to z, any case) in a text.",
    schema: {
      type: "object",
      properties: { input: { type: "string", description: "The text whose letters to count." } },
      required: ["input"],
      additionalProperties: false,
    },
    execute: async ({ input }) => {
      const letters = (input.match(/[a-z]/gi) ?? []).length;
      console.log(`tool letter_count(${JSON.stringify(input)}) -> ${letters}`);
      return { letters };
    },
  },
};

const ac = new AbortController();
process.once("SIGINT", () => ac.abort());
try {
  let started = false;
  const result = await runTools(llm, [{ role: "user", content: question }], {
    tools,
    maxSteps: 4,
    ctx: { signal: ac.signal, timeoutMs: 60_000 },
    // Streams every step: text is printed as it comes (a step that only calls tools has none).
    onText: (delta) => {
      if (!started) process.stdout.write("assistant> ");
      started = true;
      process.stdout.write(delta);
    },
  });
  if (started) process.stdout.write("\n");
  const calls = result.steps.reduce((n, s) => n + (s.toolCalls?.length ?? 0), 0);
  console.log(`steps: ${result.steps.length}, tool calls: ${calls}, tokens: ${result.usage.totalTokens}${result.maxStepsReached ? " (stopped at maxSteps)" : ""}`);
} catch (e) {
  if (!(e instanceof LLMError)) throw e;
  console.error(`\nLLMError [${e.code}] ${e.message}${e.hint ? `\nhint: ${e.hint}` : ""}`);
  process.exitCode = 1;
} finally {
  await llm.close();
  await emu?.close();
}
