// The four ways to consume one Azure chat stream, plus the floor (reading the body only).
// Each returns the full answer text, so the benchmark can check they all agree.
import { createLLM } from "../pkg/node.js";
import { AzureOpenAI } from "openai";
import { streamText, generateText } from "ai";
import { createAzure } from "@ai-sdk/azure";

export const API_VERSION = "2024-10-21";
export const KEY = "bench-key";
export const DEPLOYMENT = "gpt-4o";

export function makeClients(url) {
  return {
    llmEdge: createLLM({ provider: "azure", model: "gpt-4o", endpoint: url, deploymentName: DEPLOYMENT, apiKey: KEY, timeoutMs: 120_000, idleTimeoutMs: 120_000 }),
    openai: new AzureOpenAI({ endpoint: url, apiKey: KEY, apiVersion: API_VERSION, deployment: DEPLOYMENT, maxRetries: 0, timeout: 120_000 }),
    aiSdk: createAzure({ baseURL: `${url}/openai`, apiKey: KEY, apiVersion: API_VERSION, useDeploymentBasedUrls: true }).chat(DEPLOYMENT),
    url,
  };
}

const messages = (prompt) => [{ role: "user", content: prompt }];

export const streamConsumers = {
  async "llm-edge"(c, prompt) {
    let text = "";
    for await (const chunk of c.llmEdge.streamAnswer(messages(prompt))) text += chunk.delta;
    return text;
  },
  async "openai-node"(c, prompt) {
    let text = "";
    const stream = await c.openai.chat.completions.create({ model: DEPLOYMENT, messages: messages(prompt), stream: true });
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    return text;
  },
  async "ai-sdk"(c, prompt) {
    let text = "";
    const result = streamText({ model: c.aiSdk, prompt, maxRetries: 0 });
    for await (const delta of result.textStream) text += delta;
    return text;
  },
  /** A hand-written baseline: fetch, a line splitter, JSON.parse. */
  async "hand-written"(c, prompt) {
    const res = await fetch(`${c.url}/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=${API_VERSION}`, {
      method: "POST",
      headers: { "api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ messages: messages(prompt), stream: true }),
    });
    const decoder = new TextDecoder();
    let text = "";
    let buf = "";
    for await (const bytes of res.body) {
      buf += decoder.decode(bytes, { stream: true });
      let start = 0;
      let nl;
      while ((nl = buf.indexOf("\n", start)) >= 0) {
        const line = buf.slice(start, nl);
        start = nl + 1;
        if (line.startsWith("data: ") && line !== "data: [DONE]") {
          const content = JSON.parse(line.slice(6)).choices[0]?.delta?.content;
          if (content) text += content;
        }
      }
      buf = buf.slice(start);
    }
    return text;
  },
};

/** The floor: the same request, with the body read and thrown away. */
export async function readBodyOnly(c, prompt) {
  const res = await fetch(`${c.url}/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=${API_VERSION}`, {
    method: "POST",
    headers: { "api-key": KEY, "content-type": "application/json" },
    body: JSON.stringify({ messages: messages(prompt), stream: true }),
  });
  let n = 0;
  for await (const bytes of res.body) n += bytes.length;
  return n;
}

export const answerConsumers = {
  async "bare fetch"(c, prompt) {
    const res = await fetch(`${c.url}/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=${API_VERSION}`, {
      method: "POST",
      headers: { "api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ messages: messages(prompt) }),
    });
    return (await res.json()).choices[0].message.content;
  },
  async "llm-edge"(c, prompt) {
    return (await c.llmEdge.getAnswer(messages(prompt))).content;
  },
  async "openai-node"(c, prompt) {
    return (await c.openai.chat.completions.create({ model: DEPLOYMENT, messages: messages(prompt) })).choices[0].message.content;
  },
  async "ai-sdk"(c, prompt) {
    return (await generateText({ model: c.aiSdk, prompt, maxRetries: 0 })).text;
  },
};
