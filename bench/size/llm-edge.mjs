import { createLLM } from "../../pkg/web.js";
const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: "https://x.openai.azure.com", deploymentName: "gpt-4o", apiKey: "k" });
for await (const c of llm.streamAnswer([{ role: "user", content: "hi" }])) console.log(c.delta);
