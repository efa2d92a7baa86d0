import { AzureOpenAI } from "openai";
const client = new AzureOpenAI({ endpoint: "https://x.openai.azure.com", apiKey: "k", apiVersion: "2024-10-21", deployment: "gpt-4o", dangerouslyAllowBrowser: true });
const stream = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true });
for await (const c of stream) console.log(c.choices[0]?.delta?.content);
