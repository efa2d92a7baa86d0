// Helpers built only on the contract (getAnswer / streamAnswer), so they work with any LLM:
// the library's models, BaseLLM subclasses and plain objects alike.
import { LLMError } from "./api.js";

const ZERO = () => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });

function addUsage(sum, u) {
  if (!u) return;
  sum.promptTokens += u.promptTokens ?? 0;
  sum.completionTokens += u.completionTokens ?? 0;
  sum.totalTokens += u.totalTokens ?? 0;
}

/** ctx with what is left of the loop's deadline; the deadline covers every step. */
function stepCtx(ctx, deadline) {
  if (deadline === undefined) return ctx;
  const left = deadline - Date.now();
  if (left <= 0) throw new LLMError("timeout", `runTools passed ctx.timeoutMs (${ctx.timeoutMs} ms)`, { hint: "Raise ctx.timeoutMs or lower maxSteps." });
  return { ...ctx, timeoutMs: left };
}

/** One streamed step: text goes to onText as it arrives; tool calls are assembled by index. */
async function streamStep(llm, messages, ctx, params, onText) {
  const stream = llm.streamAnswer(messages, ctx, params);
  let content = "";
  let finishReason = "unknown";
  let usage = null;
  const calls = [];
  for await (const c of stream) {
    if (c.delta) {
      content += c.delta;
      onText(c.delta);
    }
    for (const d of c.toolCallDeltas ?? []) {
      const call = (calls[d.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
      if (d.id) call.id = d.id;
      if (d.name) call.function.name = d.name;
      if (d.arguments) call.function.arguments += d.arguments;
    }
    if (c.finishReason) finishReason = c.finishReason;
    if (c.usage) usage = c.usage;
  }
  const toolCalls = calls.filter(Boolean);
  const step = { content, finishReason, usage, endpoint: stream.endpoint, attempts: stream.attempts };
  if (toolCalls.length) step.toolCalls = toolCalls;
  return step;
}

/** Runs one tool call; every failure becomes a result the model can read, never a throw. */
async function runCall(tools, call, signal) {
  const name = call.function.name;
  const base = { id: call.id, name };
  const failed = (error) => ({ ...base, content: JSON.stringify({ error }), error });
  const tool = Object.hasOwn(tools, name) ? tools[name] : undefined;
  if (!tool) return failed(`unknown tool "${name}"`);
  let args;
  try {
    args = call.function.arguments.trim() === "" ? {} : JSON.parse(call.function.arguments);
  } catch {
    return failed(`the arguments of "${name}" are not JSON`);
  }
  try {
    const out = await tool.execute(args, { id: call.id, name, signal });
    return { ...base, content: typeof out === "string" ? out : JSON.stringify(out ?? null) };
  } catch (e) {
    return failed(e instanceof Error ? e.message : String(e));
  }
}

export async function runTools(llm, messages, { tools = {}, maxSteps = 8, ctx = {}, params = {}, onText } = {}) {
  const wire = Object.entries(tools).map(([name, t]) => {
    const fn = { name, parameters: t.schema };
    if (t.description !== undefined) fn.description = t.description;
    if (t.strict !== undefined) fn.strict = t.strict;
    return { type: "function", function: fn };
  });
  const callParams = { ...params, tools: [...(params.tools ?? []), ...wire] };
  const deadline = ctx.timeoutMs !== undefined ? Date.now() + ctx.timeoutMs : undefined;
  const convo = [...messages];
  const steps = [];
  const usage = ZERO();
  for (;;) {
    const c = stepCtx(ctx, deadline);
    let step;
    if (onText) step = await streamStep(llm, convo, c, callParams, onText);
    else {
      const r = await llm.getAnswer(convo, c, callParams);
      step = { content: r.content, finishReason: r.finishReason, usage: r.usage ?? null, response: r, endpoint: r.endpoint, attempts: r.attempts };
      if (r.toolCalls?.length) step.toolCalls = r.toolCalls;
    }
    step.toolResults = [];
    steps.push(step);
    addUsage(usage, step.usage);
    const assistant = { role: "assistant", content: step.content === "" && step.toolCalls ? null : step.content };
    if (step.toolCalls) assistant.tool_calls = step.toolCalls;
    convo.push(assistant);
    if (!step.toolCalls) return { content: step.content, messages: convo, steps, usage, maxStepsReached: false };
    // A safety stop: no more side effects once the budget of model calls is spent.
    if (steps.length >= maxSteps) return { content: step.content, messages: convo, steps, usage, maxStepsReached: true };
    step.toolResults = await Promise.all(step.toolCalls.map((call) => runCall(tools, call, ctx.signal)));
    if (ctx.signal?.aborted) throw new LLMError("aborted", "runTools was aborted by ctx.signal while tools ran");
    for (const r of step.toolResults) convo.push({ role: "tool", tool_call_id: r.id, content: r.content });
  }
}

export async function getStructured(llm, messages, { schema, name = "response", strict = true, ctx, params = {} } = {}) {
  const responseFormat = { type: "json_schema", json_schema: { name, schema, strict } };
  const response = await llm.getAnswer([...messages], ctx, { ...params, responseFormat });
  const raw = response.content;
  const fail = (message, hint) => {
    const e = new LLMError("parse", message, { hint });
    // The text that failed, for logs or a retry; LLMError's constructor copies only its own fields.
    Object.defineProperty(e, "raw", { value: raw, enumerable: true });
    return e;
  };
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    throw fail(`the answer is not JSON (${raw.length} characters)`, "The model did not follow responseFormat; check that it supports json_schema, or retry.");
  }
  if (schema?.type === "object" || Array.isArray(schema?.required)) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw fail("the answer is JSON but not an object", "The schema asks for an object.");
    const missing = (schema.required ?? []).filter((k) => !Object.hasOwn(value, k));
    if (missing.length) throw fail(`the answer lacks required key${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`, "Use strict: true with a model that supports structured outputs, or retry.");
  }
  return { value, response };
}

export function toResponse(stream, { format = "sse", status = 200, headers = {} } = {}) {
  const sse = format === "sse";
  if (!sse && format !== "text") throw new LLMError("invalid_input", `toResponse: format "${format}" is not "sse" or "text"`);
  const enc = new TextEncoder();
  const it = stream[Symbol.asyncIterator]();
  const body = new ReadableStream({
    // Pull, not push: the provider is read only as fast as the client reads.
    // Loops until it enqueues: a pull that enqueues nothing is not called again.
    async pull(controller) {
      for (;;) {
        let next;
        try {
          next = await it.next();
        } catch (e) {
          if (!sse) return controller.error(e);
          // Headers are gone already: the failure travels as an event the client can read.
          const err = e instanceof LLMError ? e.toJSON() : { name: "Error", code: "internal", message: String(e?.message ?? e) };
          controller.enqueue(enc.encode(`event: error\ndata: ${JSON.stringify(err)}\n\n`));
          return controller.close();
        }
        if (next.done) {
          if (sse) controller.enqueue(enc.encode("data: [DONE]\n\n"));
          return controller.close();
        }
        const c = next.value;
        if (sse) return controller.enqueue(enc.encode(`data: ${JSON.stringify(c)}\n\n`));
        if (c.delta) return controller.enqueue(enc.encode(c.delta));
      }
    },
    // The client went away: ending the iterator cancels the LLM stream and its request.
    async cancel() {
      await it.return?.();
    },
  });
  const type = sse ? "text/event-stream; charset=utf-8" : "text/plain; charset=utf-8";
  return new Response(body, { status, headers: { "content-type": type, "cache-control": "no-cache", ...headers } });
}
