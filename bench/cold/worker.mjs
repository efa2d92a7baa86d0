// The Worker measured for workerd cold starts: the module graph (package + wasm) loads
// when the isolate starts; the first request answers through the emulator.
import { createLLM } from "../../pkg/workerd.js";
export default {
  async fetch(request, env) {
    const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: env.EMULATOR_URL, deploymentName: "gpt-4o", apiKey: "bench-key" });
    return new Response((await llm.getAnswer([{ role: "user", content: "cold" }])).content);
  },
};
