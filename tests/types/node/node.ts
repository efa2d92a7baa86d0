// With @types/node and no DOM lib: Node's own fetch, AbortController, Blob and streams.
import { createLLM, toResponse } from "../../../pkg/index.js";

const ac = new AbortController();
const llm = createLLM({ provider: "openai", model: "gpt-4o-mini", baseURL: "http://127.0.0.1:8080/v1", fetch: (input, init) => fetch(input, init) });
export async function handler(): Promise<Response> {
  const stream = llm.streamAnswer([{ role: "user", content: "hi" }], { signal: ac.signal });
  return toResponse(stream);
}
export const image: Promise<unknown> = llm.getAnswerWithVision({ prompt: "?", images: [new Blob([new Uint8Array([1])])] });
