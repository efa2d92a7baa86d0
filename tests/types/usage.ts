// How a user writes against the package's types: compiles under --strict.
import { createLLM, isLLM, BaseLLM, LLMError, listModels } from "../../pkg/index";
import type { LLMStreamChunk, Message, ModelMetadata, LLMResponse, LLMStream } from "../../pkg/index";

export async function example(): Promise<string> {
  const llm = createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: "https://x.openai.azure.com", deploymentName: "d", apiKey: "k", backups: [{ endpoint: "https://y.openai.azure.com" }], loadBalancing: "priority" });
  const messages: Message[] = [{ role: "user", content: "hi" }];
  const r: LLMResponse = await llm.getAnswer(messages, { timeoutMs: 1000 }, { maxTokens: 10 });
  const s: LLMStream = llm.streamAnswer(messages);
  let text = r.content;
  for await (const c of s) text += c.delta;
  const reader = llm.streamAnswer(messages).getReader();
  const first: ReadableStreamReadResult<LLMStreamChunk> = await reader.read();
  void first;
  try {
    await llm.getImage("a cat");
  } catch (e) {
    if (e instanceof LLMError && e.code === "unsupported_operation") text += e.hint ?? "";
  }
  const models: ModelMetadata[] = listModels();
  class Mine extends BaseLLM {
    async getAnswer(m: Message[]): Promise<LLMResponse> {
      this.validateMessages(m);
      return r;
    }
    streamAnswer(): LLMStream {
      return s;
    }
  }
  const mine = new Mine(models[0]);
  return isLLM(mine) ? text : "";
}

// Hedged requests and the retry budget (llm-edge/full): config, per-call ctx, the trace's marks.
export async function hedging(): Promise<boolean> {
  const llm = createLLM({
    provider: "openai", model: "gpt-4o-mini", baseURL: "https://api.openai.com/v1", apiKey: "k",
    backups: [{ baseURL: "https://gateway.example.com/v1" }],
    hedge: { delay: "p95", delayMs: 50, maxHedges: 1 },
    retryBudget: { ratio: 0.1, allowance: 10 },
  });
  const messages: Message[] = [{ role: "user", content: "hi" }];
  const r = await llm.getAnswer(messages, { idempotent: false });
  await llm.getAnswer(messages, { hedge: { delayMs: 100, maxHedges: 2 } });
  await llm.getAnswer(messages, { hedge: false });
  // @ts-expect-error a percentile is written "p95"
  createLLM({ provider: "openai", model: "gpt-4o-mini", apiKey: "k", hedge: { delay: 95 } });
  return r.attempts.some((a) => a.hedge === true || a.cancelled === true || a.budgetExhausted === true || a.skipped === true);
}
