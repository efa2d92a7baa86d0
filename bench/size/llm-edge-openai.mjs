import { createLLM } from "../../pkg/web.js";
const llm = createLLM({ provider: "openai", baseURL: "https://api.openai.com/v1", model: "gpt-4o", apiKey: "k" });
for await (const c of llm.streamAnswer([{ role: "user", content: "hi" }])) console.log(c.delta);
