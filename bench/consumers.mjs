// The ways to consume one chat stream, on two wires: Azure's deployment path (api-key) and
// OpenAI's /v1 (Bearer, the model in the body); plus the floor (reading the body only).
// Each returns the full answer text, so the benchmark can check they all agree. Every
// streaming consumer asks for usage (stream_options.include_usage), as llm-edge and the AI
// SDK do by default, so that all of them read the same bytes: on the OpenAI wire that
// option adds "usage":null to every chunk.
import { createLLM } from "../pkg/node.js";
import OpenAI, { AzureOpenAI } from "openai";
import { streamText, generateText } from "ai";
import { createAzure } from "@ai-sdk/azure";

export const API_VERSION = "2024-10-21";
export const KEY = "bench-key";
export const DEPLOYMENT = "gpt-4o";

// The 200,000-chunk Azure stream is 91 MB of SSE, over llm-edge's default 64 MiB stream
// limit: the benchmark raises it, as an application expecting answers this large would.
export const LIMITS = { maxStreamBytes: 4_000_000_000 };

export function makeClients(url) {
  return {
    llmEdge: createLLM({ provider: "azure", model: "gpt-4o", endpoint: url, deploymentName: DEPLOYMENT, apiKey: KEY, timeoutMs: 120_000, idleTimeoutMs: 120_000, limits: LIMITS }),
    openai: new AzureOpenAI({ endpoint: url, apiKey: KEY, apiVersion: API_VERSION, deployment: DEPLOYMENT, maxRetries: 0, timeout: 120_000 }),
    aiSdk: createAzure({ baseURL: `${url}/openai`, apiKey: KEY, apiVersion: API_VERSION, useDeploymentBasedUrls: true }).chat(DEPLOYMENT),
    llmEdgeOpenAI: createLLM({ provider: "openai", baseURL: `${url}/v1`, model: DEPLOYMENT, apiKey: KEY, timeoutMs: 120_000, idleTimeoutMs: 120_000, limits: LIMITS }),
    openaiV1: new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 120_000 }),
    url,
  };
}

const messages = (prompt) => [{ role: "user", content: prompt }];
const USAGE = { include_usage: true };

/** Where a hand-written request goes on each wire, and how it authenticates. */
export const WIRES = {
  azure: { path: `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=${API_VERSION}`, headers: { "api-key": KEY } },
  openai: { path: "/v1/chat/completions", headers: { authorization: `Bearer ${KEY}` } },
};

function post(c, wire, body) {
  const w = WIRES[wire];
  return fetch(`${c.url}${w.path}`, { method: "POST", headers: { ...w.headers, "content-type": "application/json" }, body: JSON.stringify({ model: DEPLOYMENT, ...body }) });
}

/** A hand-written baseline: fetch, a line splitter, JSON.parse. */
async function handWritten(c, prompt, wire) {
  const res = await post(c, wire, { messages: messages(prompt), stream: true, stream_options: USAGE });
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
}

async function openaiNode(client, prompt) {
  let text = "";
  const stream = await client.chat.completions.create({ model: DEPLOYMENT, messages: messages(prompt), stream: true, stream_options: USAGE });
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  return text;
}

async function llmEdge(llm, prompt) {
  let text = "";
  for await (const chunk of llm.streamAnswer(messages(prompt))) text += chunk.delta;
  return text;
}

/** Azure's deployment path. */
export const streamConsumers = {
  "llm-edge": (c, prompt) => llmEdge(c.llmEdge, prompt),
  "openai-node": (c, prompt) => openaiNode(c.openai, prompt),
  async "ai-sdk"(c, prompt) {
    let text = "";
    const result = streamText({ model: c.aiSdk, prompt, maxRetries: 0 });
    for await (const delta of result.textStream) text += delta;
    return text;
  },
  "hand-written": (c, prompt) => handWritten(c, prompt, "azure"),
};

/** OpenAI's /v1 path: llm-edge's OpenAI provider, openai-node's OpenAI client. */
export const openaiStreamConsumers = {
  "llm-edge": (c, prompt) => llmEdge(c.llmEdgeOpenAI, prompt),
  "openai-node": (c, prompt) => openaiNode(c.openaiV1, prompt),
  "hand-written": (c, prompt) => handWritten(c, prompt, "openai"),
};

/** The floor: the same request, with the body read and thrown away. */
export async function readBodyOnly(c, prompt, wire = "azure") {
  const res = await post(c, wire, { messages: messages(prompt), stream: true, stream_options: USAGE });
  let n = 0;
  for await (const bytes of res.body) n += bytes.length;
  return n;
}

export const answerConsumers = {
  async "bare fetch"(c, prompt) {
    const res = await fetch(`${c.url}${WIRES.azure.path}`, {
      method: "POST",
      headers: { ...WIRES.azure.headers, "content-type": "application/json" },
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
