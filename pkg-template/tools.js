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

// ---------------------------------------------------------------- structured output
// A validator for the JSON Schema subset that OpenAI's structured outputs accept: type (one
// name or an array of them, so ["string", "null"] is nullable), properties, required,
// additionalProperties (false, or a schema), items, enum, const, anyOf, and local $ref
// ("#", "#/$defs/…", "#/definitions/…"); plus minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, multipleOf, minItems, maxItems and pattern. Not checked: format, and
// every keyword outside that list (allOf, oneOf, not, if/then/else, dependent*, unevaluated*,
// patternProperties, prefixItems, uniqueItems, min/maxLength, min/maxProperties), which
// structured outputs reject or ignore anyway; they are accepted without a check.

const TYPE_OF = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v);
const where = (path) => (path === "$" ? "the top level" : path);
const show = (v) => {
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** JSON equality for enum and const (key order does not matter). */
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

function resolveRef(root, ref) {
  if (typeof ref !== "string" || !(ref === "#" || ref.startsWith("#/"))) throw new LLMError("invalid_input", `getStructured: $ref ${JSON.stringify(ref)} is not local ("#/$defs/name")`);
  let node = root;
  for (const raw of ref === "#" ? [] : ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = node !== null && typeof node === "object" && Object.hasOwn(node, key) ? node[key] : undefined;
    if (node === undefined) throw new LLMError("invalid_input", `getStructured: $ref ${JSON.stringify(ref)} does not resolve in the schema`);
  }
  return node;
}

/** Every $ref in the schema resolves (checked before the model is called). */
function checkRefs(root, node = root, seen = new Set()) {
  if (node === null || typeof node !== "object" || seen.has(node)) return;
  seen.add(node);
  if (!Array.isArray(node) && "$ref" in node) resolveRef(root, node.$ref);
  for (const v of Object.values(node)) checkRefs(root, v, seen);
}

/** The first mismatch as "path: what", or null when value follows schema. */
function mismatch(root, schema, value, path, depth = 0) {
  if (schema === true || schema === undefined) return null;
  if (schema === false) return `${where(path)}: no value is allowed here`;
  if (depth > 200) return `${where(path)}: the schema's $refs nest deeper than 200 levels`;
  if (schema.$ref !== undefined) {
    const m = mismatch(root, resolveRef(root, schema.$ref), value, path, depth + 1);
    if (m) return m;
  }
  const t = TYPE_OF(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((x) => x === t || (x === "number" && t === "integer"))) return `${where(path)}: expected ${types.join(" or ")}, got ${t}`;
  }
  if (schema.const !== undefined && !same(schema.const, value)) return `${where(path)}: expected ${show(schema.const)}, got ${show(value)}`;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => same(e, value))) return `${where(path)}: ${show(value)} is not one of ${schema.enum.map(show).join(", ")}`;
  if (Array.isArray(schema.anyOf)) {
    const misses = [];
    for (const sub of schema.anyOf) {
      const m = mismatch(root, sub, value, path, depth + 1);
      if (!m) {
        misses.length = 0;
        break;
      }
      misses.push(m);
    }
    if (misses.length) return `${where(path)}: matches none of anyOf (${misses.join("; ")})`;
  }
  if (t === "number" || t === "integer") {
    if (typeof schema.minimum === "number" && value < schema.minimum) return `${where(path)}: ${value} is below the minimum ${schema.minimum}`;
    if (typeof schema.maximum === "number" && value > schema.maximum) return `${where(path)}: ${value} is above the maximum ${schema.maximum}`;
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) return `${where(path)}: ${value} is not above ${schema.exclusiveMinimum}`;
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) return `${where(path)}: ${value} is not below ${schema.exclusiveMaximum}`;
    if (typeof schema.multipleOf === "number" && schema.multipleOf > 0 && !Number.isInteger(value / schema.multipleOf)) return `${where(path)}: ${value} is not a multiple of ${schema.multipleOf}`;
  }
  if (t === "string" && typeof schema.pattern === "string") {
    let re;
    try {
      re = new RegExp(schema.pattern, "u");
    } catch {
      re = null; // a pattern JavaScript cannot compile is not checked
    }
    if (re && !re.test(value)) return `${where(path)}: ${show(value)} does not match the pattern ${schema.pattern}`;
  }
  if (t === "array") {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) return `${where(path)}: ${value.length} items, fewer than ${schema.minItems}`;
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) return `${where(path)}: ${value.length} items, more than ${schema.maxItems}`;
    if (schema.items !== undefined && !Array.isArray(schema.items)) {
      for (let i = 0; i < value.length; i++) {
        const m = mismatch(root, schema.items, value[i], `${path}[${i}]`, depth + 1);
        if (m) return m;
      }
    }
  }
  if (t === "object") {
    const props = schema.properties ?? {};
    for (const k of Array.isArray(schema.required) ? schema.required : []) {
      if (!Object.hasOwn(value, k)) return `${where(path)}: the required key ${JSON.stringify(k)} is missing`;
    }
    for (const [k, v] of Object.entries(value)) {
      const key = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
      if (Object.hasOwn(props, k)) {
        const m = mismatch(root, props[k], v, key, depth + 1);
        if (m) return m;
      } else if (schema.additionalProperties === false) {
        return `${where(path)}: the key ${JSON.stringify(k)} is not in the schema's properties`;
      } else if (schema.additionalProperties !== undefined && schema.additionalProperties !== true) {
        const m = mismatch(root, schema.additionalProperties, v, key, depth + 1);
        if (m) return m;
      }
    }
  }
  return null;
}

/** Checks value against a JSON Schema of the structured-outputs subset; returns the first
 *  mismatch ("$.items[2].name: expected string, got number") or null. */
export function validateJSON(schema, value) {
  if (schema === null || (typeof schema !== "object" && typeof schema !== "boolean")) throw new LLMError("invalid_input", "validateJSON: the schema is not an object");
  return mismatch(schema, schema, value, "$");
}

function structuredFormat(schema, name, strict) {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) throw new LLMError("invalid_input", "getStructured: options.schema must be a JSON Schema object");
  checkRefs(schema);
  return { type: "json_schema", json_schema: { name, schema, strict } };
}

/** Parses and validates the model's text; a failure is LLMError "parse" carrying `raw`. */
function parseStructured(schema, raw, finishReason) {
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
    if (finishReason === "length") throw fail(`the answer was cut at the token limit before its JSON ended (${raw.length} characters)`, "Raise params.maxTokens, or ask for less.");
    throw fail(`the answer is not JSON (${raw.length} characters)`, "The model did not follow responseFormat; check that it supports json_schema, or retry.");
  }
  const m = mismatch(schema, schema, value, "$");
  if (m) throw fail(`the answer does not match the schema: ${m}`, "Use strict: true with a model that supports structured outputs, or retry.");
  return value;
}

export async function getStructured(llm, messages, { schema, name = "response", strict = true, ctx, params = {} } = {}) {
  const responseFormat = structuredFormat(schema, name, strict);
  const response = await llm.getAnswer([...messages], ctx, { ...params, responseFormat });
  return { value: parseStructured(schema, response.content, response.finishReason), response };
}

/** Streams the JSON text as it comes ({ type: "text", delta, text }), then yields the parsed,
 *  validated value once ({ type: "value", value, text, ... }). Breaking out of the loop
 *  cancels the stream and its request. */
export async function* streamStructured(llm, messages, { schema, name = "response", strict = true, ctx, params = {} } = {}) {
  const responseFormat = structuredFormat(schema, name, strict);
  const stream = llm.streamAnswer([...messages], ctx, { ...params, responseFormat });
  let text = "";
  let finishReason = "unknown";
  let usage = null;
  for await (const c of stream) {
    if (c.delta) {
      text += c.delta;
      yield { type: "text", delta: c.delta, text };
    }
    if (c.finishReason) finishReason = c.finishReason;
    if (c.usage) usage = c.usage;
  }
  const value = parseStructured(schema, text, finishReason);
  const done = { type: "value", value, text, finishReason, usage };
  if (stream.endpoint !== undefined) done.endpoint = stream.endpoint;
  if (stream.attempts !== undefined) done.attempts = stream.attempts;
  yield done;
}

// ---------------------------------------------------------------- stream → Response

/** The failover trace of a library stream (who served it, every attempt), or null. */
function traceOf(stream) {
  const endpoint = stream.endpoint;
  const attempts = stream.attempts;
  if (endpoint === undefined && (attempts === undefined || attempts.length === 0)) return null;
  return { endpoint: endpoint ?? null, attempts: attempts ?? [] };
}

/** Library chunks → OpenAI chat.completion.chunk objects (what the openai SDKs parse). */
function openAIChunks(model) {
  const id = `chatcmpl-${globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`}`;
  const created = Math.floor(Date.now() / 1000);
  const base = (choices) => ({ id, object: "chat.completion.chunk", created, model, choices });
  let first = true;
  return {
    from(c) {
      const out = [];
      const delta = {};
      if (first) delta.role = "assistant";
      if (c.delta) delta.content = c.delta;
      if (c.toolCallDeltas?.length) {
        delta.tool_calls = c.toolCallDeltas.map((d) => {
          const t = { index: d.index };
          if (d.id) (t.id = d.id), (t.type = "function");
          const fn = {};
          if (d.name) fn.name = d.name;
          if (d.arguments) fn.arguments = d.arguments;
          t.function = fn;
          return t;
        });
      }
      const finish = c.finishReason && c.finishReason !== "unknown" ? c.finishReason : null;
      if (delta.content !== undefined || delta.tool_calls || finish || (first && c.delta === "")) {
        if (first && delta.content === undefined && !delta.tool_calls) delta.content = "";
        out.push(base([{ index: 0, delta, logprobs: null, finish_reason: finish }]));
        first = false;
      }
      if (c.usage) {
        const u = c.usage;
        out.push({ ...base([]), usage: { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.totalTokens } });
      }
      return out;
    },
    trace(t) {
      return { ...base([]), llm_edge: t };
    },
  };
}

const FORMATS = ["sse", "openai", "text"];

export function toResponse(stream, { format = "sse", status = 200, headers = {}, trace = true, model = "llm-edge" } = {}) {
  if (!FORMATS.includes(format)) throw new LLMError("invalid_input", `toResponse: format "${format}" is not "sse", "openai" or "text"`);
  const sse = format !== "text";
  const openai = format === "openai" ? openAIChunks(model) : null;
  const enc = new TextEncoder();
  const it = stream[Symbol.asyncIterator]();
  const data = (v) => enc.encode(`data: ${JSON.stringify(v)}\n\n`);
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
          // OpenAI's shape ({"error": {...}}) is what its SDKs turn into an APIError.
          if (openai) controller.enqueue(data({ error: { message: err.message, type: err.code, code: err.code, param: null, llm_edge: err } }));
          else controller.enqueue(enc.encode(`event: error\ndata: ${JSON.stringify(err)}\n\n`));
          return controller.close();
        }
        if (next.done) {
          if (sse) {
            // The failover trace, after the last chunk: which endpoint served, every attempt.
            const t = trace ? traceOf(stream) : null;
            if (t && openai) controller.enqueue(data(openai.trace(t)));
            else if (t) controller.enqueue(enc.encode(`event: trace\ndata: ${JSON.stringify(t)}\n\n`));
            controller.enqueue(enc.encode("data: [DONE]\n\n"));
          }
          return controller.close();
        }
        const c = next.value;
        if (openai) {
          const out = openai.from(c);
          if (!out.length) continue;
          for (const o of out) controller.enqueue(data(o));
          return;
        }
        if (sse) return controller.enqueue(data(c));
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
