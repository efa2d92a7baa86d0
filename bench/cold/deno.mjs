// One cold start in a fresh Deno process (web.js: fetch + instantiate the wasm, top-level await).
const t0 = performance.now();
const { createLLM } = await import("../../pkg/web.js");
const importMs = performance.now() - t0;
const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: Deno.args[0], deploymentName: "gpt-4o", apiKey: "bench-key" });
const answer = (await llm.getAnswer([{ role: "user", content: "cold" }])).content;
if (answer !== "You said: cold") throw new Error(`wrong answer: ${answer}`);
console.log(JSON.stringify({ importMs, firstAnswerMs: performance.now() - t0 }));
