#!/usr/bin/env node
// Structured output: getStructured asks for JSON that follows a JSON Schema and returns it
// parsed and validated; streamStructured shows the JSON text as it arrives, then the value.
//   AZURE_OPENAI_ENDPOINT=... AZURE_OPENAI_DEPLOYMENT=... AZURE_OPENAI_KEY=... node examples/tools/structured.mjs "Plan a picnic for three"
// Without AZURE_OPENAI_ENDPOINT it starts the repository's Azure emulator, which cannot
// follow a schema: the prompt then carries a [[json:...]] directive, the emulator's answer.
import { createLLM, getStructured, streamStructured, LLMError } from "llm-edge";

const env = process.env;
let prompt = process.argv.slice(2).join(" ") || "Plan a picnic for three people.";
let emu;
if (!env.AZURE_OPENAI_ENDPOINT) {
  const { startEmulator } = await import("../../tests/emulator/emulator.mjs");
  emu = await startEmulator();
  Object.assign(env, { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" });
  prompt += ' [[json:{"title":"Picnic","people":3,"items":[{"name":"bread","qty":2},{"name":"apples","qty":6}]}]]';
}
const llm = createLLM({
  provider: "azure",
  model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
  endpoint: env.AZURE_OPENAI_ENDPOINT,
  deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
  apiKey: env.AZURE_OPENAI_KEY,
});

// Strict structured outputs want every property required and no others.
const schema = {
  type: "object",
  properties: {
    title: { type: "string" },
    people: { type: "integer", minimum: 1 },
    items: {
      type: "array",
      items: {
        type: "object",
        properties: { name: { type: "string" }, qty: { type: "integer", minimum: 1 } },
        required: ["name", "qty"],
        additionalProperties: false,
      },
    },
  },
  required: ["title", "people", "items"],
  additionalProperties: false,
};
const messages = [
  { role: "system", content: "Answer with a plan: a title, the number of people and the items to bring." },
  { role: "user", content: prompt },
];

try {
  // 1. The whole answer at once: parsed and checked against the schema.
  const { value, response } = await getStructured(llm, messages, { schema, name: "plan" });
  console.log(`getStructured: ${value.title} for ${value.people}: ${value.items.map((i) => `${i.qty} ${i.name}`).join(", ")} (${response.usage?.totalTokens ?? "?"} tokens)`);

  // 2. Streamed: the partial JSON text on the way (to show progress), the value at the end.
  let events = 0;
  for await (const ev of streamStructured(llm, messages, { schema, name: "plan" })) {
    if (ev.type === "text") {
      events++;
      console.log(`partial: ${ev.text}`);
    } else {
      console.log(`streamStructured: ${events} text events, then ${JSON.stringify(ev.value)}`);
    }
  }
} catch (e) {
  if (!(e instanceof LLMError)) throw e;
  // code "parse": the answer was not JSON or did not match the schema; e.raw is its text.
  console.error(`LLMError [${e.code}] ${e.message}${e.raw !== undefined ? `\nraw: ${e.raw}` : ""}`);
  process.exitCode = 1;
} finally {
  await llm.close();
  await emu?.close();
}
