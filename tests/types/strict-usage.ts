// The package as a user writes against it, under --strict --exactOptionalPropertyTypes, in
// every project (DOM, Node types, and ES2022 alone): nothing here may need the DOM lib.
import { createLLM, LLMError, runTools, getStructured, streamStructured, validateJSON, toResponse } from "../../pkg/index.js";
import type { CallParams, FunctionTool, Message, MessageParam, LLMErrorJSON, RunToolsResult } from "../../pkg/index.js";

const llm = createLLM({ provider: "openai", model: "gpt-5-mini", baseURL: "http://127.0.0.1:8080/v1", defaults: { reasoningEffort: "minimal" } });

// Errors: constructed like the runtime does, and serializable.
const err = new LLMError("timeout", "took too long", { hint: "raise ctx.timeoutMs", status: 504, cause: new Error("x") });
const json: LLMErrorJSON = err.toJSON();
export const code: "timeout" | string = json.code;

// Tools with strict: true, inside a readonly array.
const weather = {
  type: "function",
  function: { name: "weather", description: "Weather in a city", strict: true, parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } },
} as const;
const tool: FunctionTool = weather;
const params: CallParams = { tools: [weather, tool] as const, maxTokens: 100, stop: ["\n"] as const, reasoningEffort: "minimal" };

// `as const` conversations, and an assistant message with tool calls and no content.
const convo = [
  { role: "system", content: "Be brief." },
  { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
  { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
  { role: "tool", tool_call_id: "c1", content: "sunny" },
] as const;
const contractMessages: Message[] = [{ role: "user", content: "hi" }];
const mixed: MessageParam[] = [...convo, ...contractMessages];

export async function use(): Promise<string> {
  const a = await llm.getAnswer(convo, { timeoutMs: 5000 }, params);
  const b = await llm.getAnswer(mixed);
  let text = a.content + b.content;
  for await (const c of llm.streamAnswer(convo, {}, { tools: [weather] })) text += c.delta;
  const r: RunToolsResult = await runTools(llm, convo, {
    tools: { weather: { schema: weather.function.parameters, execute: async (args: { city: string }) => ({ city: args.city, sky: "sunny" }) } },
    maxSteps: 3,
    onText: (d) => void (text += d),
  });
  text += r.content + r.usage.totalTokens + r.steps.length;
  const { value } = await getStructured<{ city: string }>(llm, [{ role: "user", content: "A city?" }], { schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } });
  text += value.city;
  for await (const ev of streamStructured<{ city: string }>(llm, convo, { schema: { type: "object" }, ctx: { timeoutMs: 1000 } })) {
    if (ev.type === "text") text += ev.delta + ev.text.length;
    else text += ev.value.city + (ev.usage?.totalTokens ?? 0) + ev.finishReason;
  }
  const problem: string | null = validateJSON({ type: "string" }, 1);
  text += problem ?? "";
  void toResponse(llm.streamAnswer(convo), { format: "text" });
  void toResponse(llm.streamAnswer(convo), { format: "openai", model: "gpt-5-mini", trace: false });
  return text;
}

// What must stay rejected.
// @ts-expect-error a role the wire format does not have
export const badRole: MessageParam = { role: "robot", content: "x" };
// @ts-expect-error content is text or parts
export const numeric: MessageParam = { role: "user", content: 42 };
// @ts-expect-error an effort level no model takes
export const badEffort: CallParams = { reasoningEffort: "extreme" };
export async function wrongEvent(): Promise<void> {
  for await (const ev of streamStructured<{ city: string }>(llm, [], { schema: {} })) {
    // @ts-expect-error the value exists only on the "value" event
    void ev.value;
  }
}
// @ts-expect-error exactOptionalPropertyTypes: an explicit undefined is not an absent field
export const undefinedHint: import("../../pkg/index.js").LLMErrorDetails = { hint: undefined };
