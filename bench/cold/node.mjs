// One cold start in a fresh Node process: import → initialised module → first answer.
// Prints JSON { importMs, firstAnswerMs } (from the first line of this script).
const t0 = performance.now();
const which = process.argv[2];
const url = process.argv[3];
let importMs;
let answer;
if (which === "llm-edge") {
  const { createLLM } = await import("../../pkg/node.js");
  importMs = performance.now() - t0;
  const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: url, deploymentName: "gpt-4o", apiKey: "bench-key" });
  answer = (await llm.getAnswer([{ role: "user", content: "cold" }])).content;
} else {
  const { AzureOpenAI } = await import("openai");
  importMs = performance.now() - t0;
  const client = new AzureOpenAI({ endpoint: url, apiKey: "bench-key", apiVersion: "2024-10-21", deployment: "gpt-4o", maxRetries: 0 });
  answer = (await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "cold" }] })).choices[0].message.content;
}
if (answer !== "You said: cold") throw new Error(`wrong answer: ${answer}`);
console.log(JSON.stringify({ importMs, firstAnswerMs: performance.now() - t0 }));
