// With the DOM lib: the real Blob, AbortSignal, ReadableStream, Response and fetch types,
// unchanged by the package's fallback declarations.
import { createLLM, toResponse } from "../../../pkg/index";

const ac = new AbortController();
// A custom fetch gets its parameter types from the config (one call signature, not two).
const llm = createLLM({ provider: "openai", model: "gpt-4o-mini", baseURL: "http://127.0.0.1:8080/v1", fetch: (input, init) => fetch(input, init) });
export async function handler(): Promise<Response> {
  const stream = llm.streamAnswer([{ role: "user", content: "hi" }], { signal: ac.signal });
  const reader = stream.getReader();
  const first = await reader.read();
  if (!first.done) void first.value.delta;
  reader.releaseLock();
  const res: Response = toResponse(stream);
  return res;
}
export const image: Promise<unknown> = llm.getAnswerWithVision({ prompt: "?", images: [new Blob([new Uint8Array([1])])] });
// The global fetch keeps exactly its own type.
export const sameFetch: typeof fetch = async (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init);
