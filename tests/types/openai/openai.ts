// openai's own parameter types are accepted as they are (the openai npm package's types).
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { createLLM } from "../../../pkg/index";
import type { CallParams, MessageParam, ToolParam } from "../../../pkg/index";

declare const messages: ChatCompletionMessageParam[];
declare const tools: ChatCompletionTool[];
export const asMessages: readonly MessageParam[] = messages;
export const asTools: readonly ToolParam[] = tools;
export const asParams: CallParams = { tools };

export async function ask(): Promise<string> {
  const llm = createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: "https://x.openai.azure.com", deploymentName: "d", apiKey: "k" });
  const history: ChatCompletionMessageParam[] = [{ role: "user", content: "hi" }];
  return (await llm.getAnswer(history, {}, { tools })).content;
}
