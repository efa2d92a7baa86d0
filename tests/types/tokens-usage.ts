// llm-edge/tokens as a user writes against it, under --strict --exactOptionalPropertyTypes.
import { createLLM, LLMError } from "../../pkg/index.js";
import { loadTokenizer, countTokens, withExactTokens, encodingForModel, imageTokens } from "../../pkg/tokens.js";
import type { EncodingName, Tokenizer, CountOptions } from "../../pkg/tokens.js";

export async function exactTokens(): Promise<number> {
  const t: Tokenizer = await loadTokenizer("o200k_base");
  const n: number = t.countText("hello");
  const enc: EncodingName | undefined = encodingForModel("gpt-4.1-mini");
  const opts: CountOptions = { model: "gpt-4o", tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }] };
  const total = countTokens([{ role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "https://x/y.png", detail: "low" } }] }], opts);
  const llm = await withExactTokens(createLLM({ provider: "openai", model: "gpt-4o", baseURL: "http://127.0.0.1:8080/v1" }), { contextWindow: 128_000 });
  const answer = await llm.getAnswer([{ role: "user", content: "hi" }], {}, { maxTokens: 10 });
  const counted: number = llm.countTokens([{ role: "user", content: "hi" }]);
  llm.usageTotals(); // still the model's own methods
  try {
    await llm.getAnswer([{ role: "user", content: "x".repeat(10) }]);
  } catch (e) {
    if (e instanceof LLMError && e.code === "token_limit_exceeded") return -1;
  }
  // @ts-expect-error only the two encodings are offered
  await loadTokenizer("p50k_base");
  return n + total + counted + imageTokens({ url: "data:," }) + answer.content.length + (enc ? 1 : 0);
}
