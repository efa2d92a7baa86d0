import { streamText } from "ai";
import { createAzure } from "@ai-sdk/azure";
const model = createAzure({ resourceName: "x", apiKey: "k", apiVersion: "2024-10-21", useDeploymentBasedUrls: true }).chat("gpt-4o");
for await (const d of streamText({ model, prompt: "hi" }).textStream) console.log(d);
