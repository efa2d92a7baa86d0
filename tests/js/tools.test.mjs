// The helpers in tools.js: the tool loop, structured output and stream → Response, against
// the emulator (which calls the first tool until it sees a tool result, then answers
// "You said: <last user text>") and against small fake LLMs where the emulator cannot
// produce the case (parallel tool calls, valid JSON answers).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { emulator, azure, user, rejects, eventually, sleep, createLLM, LLMError } from "./helpers.mjs";
import { runTools, getStructured, streamStructured, validateJSON, toResponse } from "../../pkg/tools.js";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

const echoSchema = { type: "object", properties: { input: { type: "string" } }, required: ["input"] };

test("runTools: runs the tool the model asks for, sends the result back and returns every step", async () => {
  const seen = [];
  const r = await runTools(azure(emu), user("look this up"), {
    tools: { lookup: { schema: echoSchema, description: "Looks things up", execute: async (args) => (seen.push(args), { found: args.input.toUpperCase() }) } },
  });
  assert.deepEqual(seen, [{ input: "look this up" }]);
  assert.equal(r.steps.length, 2);
  assert.equal(r.steps[0].finishReason, "tool_calls");
  assert.equal(r.steps[0].toolResults[0].content, JSON.stringify({ found: "LOOK THIS UP" }));
  assert.equal(r.content, "You said: look this up");
  assert.equal(r.maxStepsReached, false);
  // The conversation is ready to continue: call, result, answer.
  assert.deepEqual(r.messages.map((m) => m.role), ["user", "assistant", "tool", "assistant"]);
  assert.equal(r.messages[2].tool_call_id, r.messages[1].tool_calls[0].id);
  // What was sent: the tool on the wire, and the tool result in the second request.
  const second = emu.requests.at(-1).body;
  assert.equal(second.tools[0].function.name, "lookup");
  assert.equal(second.tools[0].function.description, "Looks things up");
  assert.equal(second.messages.at(-1).role, "tool");
  const sum = (k) => r.steps.reduce((n, s) => n + s.usage[k], 0);
  assert.ok(r.usage.totalTokens > 0);
  assert.deepEqual(r.usage, { promptTokens: sum("promptTokens"), completionTokens: sum("completionTokens"), totalTokens: sum("totalTokens") });
});

test("runTools with onText streams each step and assembles the streamed tool call", async () => {
  let streamed = "";
  const seen = [];
  const r = await runTools(azure(emu), user("stream me please"), {
    tools: { lookup: { schema: echoSchema, execute: (args) => (seen.push(args), "ok") } },
    onText: (d) => (streamed += d),
  });
  assert.deepEqual(seen, [{ input: "stream me please" }], "arguments arrive in pieces and are joined");
  assert.equal(streamed, "You said: stream me please");
  assert.equal(r.content, streamed);
  assert.equal(r.steps.length, 2);
  assert.ok(r.steps[1].endpoint.startsWith("http://127.0.0.1"));
});

test("runTools: a tool that throws becomes a tool result and the loop goes on", async () => {
  const r = await runTools(azure(emu), user("break it"), {
    tools: { lookup: { schema: echoSchema, execute: () => { throw new Error("database is down"); } } },
  });
  assert.equal(r.steps[0].toolResults[0].error, "database is down");
  assert.deepEqual(JSON.parse(r.messages[2].content), { error: "database is down" });
  assert.equal(r.content, "You said: break it");
});

test("runTools: maxSteps stops the loop without running the last step's tools", async () => {
  let runs = 0;
  const r = await runTools(azure(emu), user("loop"), { tools: { lookup: { schema: echoSchema, execute: () => void runs++ } }, maxSteps: 1 });
  assert.equal(runs, 0);
  assert.equal(r.maxStepsReached, true);
  assert.equal(r.steps.length, 1);
  assert.ok(r.steps[0].toolCalls.length === 1);
});

/** A fake LLM: first asks for two tools at once, then answers; records the ctx of each call. */
function twoCallLLM(ctxs) {
  return {
    async getAnswer(messages, ctx) {
      ctxs.push(ctx);
      const usage = { promptTokens: 10, completionTokens: 2, totalTokens: 12 };
      if (messages.at(-1).role === "tool") return { content: "done", finishReason: "stop", usage, model: "fake", latencyMs: 1, endpoint: "x", attempts: [] };
      const call = (id, name) => ({ id, type: "function", function: { name, arguments: "{}" } });
      return { content: "", finishReason: "tool_calls", toolCalls: [call("a", "slow"), call("b", "slow")], usage, model: "fake", latencyMs: 1, endpoint: "x", attempts: [] };
    },
    streamAnswer() {
      throw new Error("not used");
    },
  };
}

test("runTools runs parallel tool calls concurrently and hands ctx through", async () => {
  const ctxs = [];
  let running = 0;
  let peak = 0;
  const signals = [];
  const ac = new AbortController();
  const r = await runTools(twoCallLLM(ctxs), user("x"), {
    ctx: { signal: ac.signal, timeoutMs: 5000, requestId: "r1" },
    tools: {
      slow: {
        schema: { type: "object" },
        execute: async (_args, call) => {
          signals.push(call.signal);
          peak = Math.max(peak, ++running);
          await sleep(100);
          running--;
          return call.id;
        },
      },
    },
  });
  assert.equal(peak, 2, "both calls ran at the same time");
  assert.deepEqual(r.messages.filter((m) => m.role === "tool").map((m) => m.content), ["a", "b"]);
  assert.deepEqual(signals, [ac.signal, ac.signal]);
  assert.equal(ctxs[0].requestId, "r1");
  assert.equal(ctxs[0].signal, ac.signal);
  // One deadline for the whole loop: the second call gets what the first and the tools left.
  assert.ok(ctxs[0].timeoutMs <= 5000 && ctxs[1].timeoutMs <= 5000 - 100, `${ctxs[0].timeoutMs} then ${ctxs[1].timeoutMs}`);
  assert.deepEqual(r.usage, { promptTokens: 20, completionTokens: 4, totalTokens: 24 });
});

test("runTools: an abort while tools run stops the loop with code aborted", async () => {
  const ac = new AbortController();
  const ctxs = [];
  const e = await rejects(runTools(twoCallLLM(ctxs), user("x"), {
    ctx: { signal: ac.signal },
    tools: { slow: { schema: {}, execute: async () => (ac.abort(), "late") } },
  }));
  assert.ok(e instanceof LLMError);
  assert.equal(e.code, "aborted");
  assert.equal(ctxs.length, 1, "no model call after the abort");
});

test("getStructured sends the schema as responseFormat and throws parse with the raw text", async () => {
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
  const e = await rejects(getStructured(azure(emu), user("a city"), { schema, name: "city" }));
  assert.ok(e instanceof LLMError);
  assert.equal(e.code, "parse");
  assert.equal(e.raw, "You said: a city");
  assert.deepEqual(emu.requests.at(-1).body.response_format, { type: "json_schema", json_schema: { name: "city", schema, strict: true } });
});

/** An OpenAI-compatible server in a fetch: answers every request with `content`. */
function answering(content) {
  return createLLM({
    provider: "openai",
    model: "gpt-4o-mini",
    baseURL: "http://127.0.0.1:1/v1",
    fetch: async () =>
      new Response(JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } }), { headers: { "content-type": "application/json" } }),
  });
}

test("getStructured parses the answer and checks required keys", async () => {
  const schema = { type: "object", properties: { city: { type: "string" }, country: { type: "string" } }, required: ["city", "country"] };
  const { value, response } = await getStructured(answering('{"city":"Paris","country":"FR"}'), user("?"), { schema });
  assert.deepEqual(value, { city: "Paris", country: "FR" });
  assert.equal(response.usage.totalTokens, 8);
  const missing = await rejects(getStructured(answering('{"city":"Paris"}'), user("?"), { schema }));
  assert.equal(missing.code, "parse");
  assert.match(missing.message, /country/);
  assert.equal(missing.raw, '{"city":"Paris"}');
  const notObject = await rejects(getStructured(answering("[1,2]"), user("?"), { schema }));
  assert.equal(notObject.code, "parse");
});

/** An OpenAI-compatible server in a fetch that streams `content` in `pieces` SSE chunks. */
function streaming(content, { pieces = 4, finish = "stop", seen = [] } = {}) {
  return createLLM({
    provider: "openai",
    model: "gpt-4o-mini",
    baseURL: "http://127.0.0.1:1/v1",
    fetch: async (_url, init) => {
      seen.push(JSON.parse(init.body));
      const size = Math.ceil(content.length / pieces) || 1;
      const chunk = (delta, finish_reason = null) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason }] })}\n\n`;
      let sse = chunk({ role: "assistant", content: "" });
      for (let i = 0; i < content.length; i += size) sse += chunk({ content: content.slice(i, i + size) });
      sse += chunk({}, finish);
      sse += `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } })}\n\ndata: [DONE]\n\n`;
      return new Response(sse, { headers: { "content-type": "text/event-stream" } });
    },
  });
}

// A schema using every keyword of the structured-outputs subset.
const order = {
  type: "object",
  properties: {
    id: { type: "integer", minimum: 1 },
    status: { type: "string", enum: ["open", "paid"] },
    kind: { const: "order" },
    note: { type: ["string", "null"] },
    total: { type: "number", exclusiveMinimum: 0 },
    paid: { type: "boolean" },
    lines: { type: "array", items: { $ref: "#/$defs/line" }, minItems: 1 },
    contact: { anyOf: [{ type: "object", properties: { email: { type: "string", pattern: "^[^@]+@[^@]+$" } }, required: ["email"], additionalProperties: false }, { type: "null" }] },
    parent: { anyOf: [{ $ref: "#" }, { type: "null" }] },
  },
  required: ["id", "status", "kind", "note", "total", "paid", "lines", "contact", "parent"],
  additionalProperties: false,
  $defs: { line: { type: "object", properties: { sku: { type: "string" }, qty: { type: "integer" } }, required: ["sku", "qty"], additionalProperties: false } },
};
const good = { id: 7, status: "open", kind: "order", note: null, total: 9.5, paid: false, lines: [{ sku: "a", qty: 2 }], contact: { email: "a@b.c" }, parent: null };
const nested = { ...good, parent: { ...good, id: 6, note: "first" } };

test("validateJSON: the structured-outputs subset, with the path of the first mismatch", () => {
  assert.equal(validateJSON(order, good), null);
  assert.equal(validateJSON(order, nested), null);
  const bad = (change, expected) => {
    const m = validateJSON(order, { ...good, ...change });
    assert.ok(m && expected.test(m), `${JSON.stringify(change)} → ${m}`);
  };
  bad({ id: 1.5 }, /^\$\.id: expected integer, got number/);
  bad({ id: 0 }, /^\$\.id: 0 is below the minimum 1/);
  bad({ status: "lost" }, /^\$\.status: "lost" is not one of "open", "paid"/);
  bad({ kind: "invoice" }, /^\$\.kind: expected "order"/);
  bad({ note: 3 }, /^\$\.note: expected string or null, got integer/);
  bad({ total: 0 }, /^\$\.total: 0 is not above 0/);
  bad({ paid: "no" }, /^\$\.paid: expected boolean, got string/);
  bad({ lines: [] }, /^\$\.lines: 0 items, fewer than 1/);
  bad({ lines: [{ sku: "a", qty: 1 }, { sku: "b" }] }, /^\$\.lines\[1\]: the required key "qty" is missing/);
  bad({ lines: [{ sku: "a", qty: 1, price: 2 }] }, /^\$\.lines\[0\]: the key "price" is not in/);
  bad({ contact: { email: "nope" } }, /^\$\.contact: matches none of anyOf .*does not match the pattern/);
  bad({ parent: { ...good, paid: 1 } }, /^\$\.parent: matches none of anyOf \(\$\.parent\.paid: expected boolean/);
  bad({ extra: true }, /^the top level: the key "extra"/);
  assert.match(validateJSON(order, [good]), /^the top level: expected object, got array/);
  const { note: _n, ...noNote } = good;
  assert.match(validateJSON(order, noNote), /the required key "note" is missing/);
  // Open objects: keys outside properties pass unless additionalProperties forbids them or has a schema.
  assert.equal(validateJSON({ type: "object" }, { any: [1, { x: null }] }), null);
  assert.match(validateJSON({ type: "object", additionalProperties: { type: "number" } }, { a: 1, "b c": "x" }), /^\$\["b c"\]: expected number/);
  // enum and const compare JSON values, not references; integers are numbers.
  assert.equal(validateJSON({ enum: [{ a: [1, 2] }] }, { a: [1, 2] }), null);
  assert.equal(validateJSON({ type: "number", multipleOf: 0.5 }, 3), null);
  assert.match(validateJSON({ type: "number", multipleOf: 0.5 }, 3.2), /not a multiple/);
  // Not checked (documented): format.
  assert.equal(validateJSON({ type: "string", format: "email" }, "not an email"), null);
});

test("getStructured: a schema whose $ref does not resolve is invalid_input before any call", async () => {
  const seen = [];
  const e = await rejects(getStructured(streaming("{}", { seen }), user("?"), { schema: { type: "object", properties: { a: { $ref: "#/$defs/missing" } } } }));
  assert.equal(e.code, "invalid_input");
  assert.match(e.message, /#\/\$defs\/missing/);
  const remote = await rejects(getStructured(streaming("{}", { seen }), user("?"), { schema: { $ref: "https://example.com/s.json" } }));
  assert.equal(remote.code, "invalid_input");
  assert.equal(seen.length, 0);
});

test("getStructured validates nested values and throws parse with the raw text and the path", async () => {
  const { value } = await getStructured(answering(JSON.stringify(nested)), user("?"), { schema: order });
  assert.deepEqual(value, nested);
  const raw = JSON.stringify({ ...good, lines: [{ sku: "a", qty: "two" }] });
  const e = await rejects(getStructured(answering(raw), user("?"), { schema: order }));
  assert.ok(e instanceof LLMError);
  assert.equal(e.code, "parse");
  assert.equal(e.raw, raw);
  assert.match(e.message, /\$\.lines\[0\]\.qty: expected integer, got string/);
});

test("streamStructured: partial JSON text on the way, then the parsed and validated value", async () => {
  const text = JSON.stringify(nested);
  const seen = [];
  const events = [];
  for await (const ev of streamStructured(streaming(text, { pieces: 6, seen }), user("?"), { schema: order, name: "order" })) events.push(ev);
  const last = events.at(-1);
  assert.equal(last.type, "value");
  assert.deepEqual(last.value, nested);
  assert.equal(last.text, text);
  assert.equal(last.usage.totalTokens, 8);
  const texts = events.slice(0, -1);
  assert.ok(texts.length >= 5 && texts.every((e) => e.type === "text"), `${texts.length} text events`);
  assert.equal(texts.map((e) => e.delta).join(""), text);
  assert.equal(texts.at(-1).text, text);
  assert.ok(texts[0].text.length < text.length, "the first event holds a prefix, not the whole answer");
  assert.deepEqual(seen[0].response_format, { type: "json_schema", json_schema: { name: "order", schema: order, strict: true } });
  assert.equal(seen[0].stream, true);
});

test("streamStructured: invalid or cut JSON ends with LLMError parse carrying the raw text", async () => {
  const drain = async (it) => {
    const got = [];
    try {
      for await (const ev of it) got.push(ev);
    } catch (e) {
      return { e, got };
    }
    throw new Error("expected a rejection");
  };
  const wrong = JSON.stringify({ ...good, status: "lost" });
  const a = await drain(streamStructured(streaming(wrong), user("?"), { schema: order }));
  assert.equal(a.e.code, "parse");
  assert.equal(a.e.raw, wrong);
  assert.match(a.e.message, /\$\.status/);
  assert.ok(a.got.length > 0 && a.got.every((ev) => ev.type === "text"), "the text came before the error");
  const cut = wrong.slice(0, 20);
  const b = await drain(streamStructured(streaming(cut, { finish: "length" }), user("?"), { schema: order }));
  assert.equal(b.e.code, "parse");
  assert.equal(b.e.raw, cut);
  assert.match(b.e.message, /token limit/);
});

test("streamStructured against the emulator: the answer is not JSON, so parse", async () => {
  const got = [];
  const e = await rejects((async () => {
    for await (const ev of streamStructured(azure(emu), user("a city please"), { schema: { type: "object" } })) got.push(ev);
  })());
  assert.equal(e.code, "parse");
  assert.equal(e.raw, "You said: a city please");
  assert.equal(got.map((ev) => ev.delta).join(""), "You said: a city please");
  assert.equal(emu.requests.at(-1).body.response_format.type, "json_schema");
});

/** SSE text → [{ event, data }] (data parsed as JSON unless [DONE]). */
function events(text) {
  return text.split("\n\n").filter(Boolean).map((block) => {
    const ev = { event: null, data: null };
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) ev.event = line.slice(7);
      if (line.startsWith("data: ")) ev.data = line.slice(6) === "[DONE]" ? "[DONE]" : JSON.parse(line.slice(6));
    }
    return ev;
  });
}

test("toResponse (sse): data: chunks, a trace event with the failover trace, then data: [DONE]", async () => {
  const dead = "http://127.0.0.1:9";
  const llm = azure(emu, { endpoint: dead, backups: [{ endpoint: emu.url }] });
  const res = toResponse(llm.streamAnswer(user("[[words:5]]")));
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const evs = events(await res.text());
  assert.equal(evs.at(-1).data, "[DONE]");
  const trace = evs.at(-2);
  assert.equal(trace.event, "trace");
  assert.equal(trace.data.endpoint, emu.url);
  assert.deepEqual(trace.data.attempts.map((a) => [a.endpoint, a.errorCode ?? a.status]), [[dead, "connection"], [emu.url, 200]]);
  const chunks = evs.slice(0, -2).map((e) => (assert.equal(e.event, null), e.data));
  assert.equal(chunks.map((c) => c.delta).join(""), "w0 w1 w2 w3 w4 ");
  assert.ok(chunks.some((c) => c.finishReason === "stop"));
  // trace: false leaves it out.
  const plain = events(await toResponse(azure(emu).streamAnswer(user("[[words:2]]")), { trace: false }).text());
  assert.ok(plain.every((e) => e.event === null));
});

test("toResponse (openai): chat.completion.chunk objects the openai SDK reads, and the trace", async () => {
  const { default: OpenAI } = await import("openai");
  const dead = "http://127.0.0.1:9";
  const llm = azure(emu, { endpoint: dead, backups: [{ endpoint: emu.url }] });
  const res = toResponse(llm.streamAnswer(user("[[words:4]]")), { format: "openai", model: "gpt-4.1-mini" });
  // The openai SDK, pointed at a fetch that returns this Response, parses it as its own stream.
  const client = new OpenAI({ apiKey: "x", baseURL: "http://127.0.0.1:1/v1", fetch: async () => res });
  const got = [];
  for await (const c of await client.chat.completions.create({ model: "gpt-4.1-mini", messages: [{ role: "user", content: "x" }], stream: true })) got.push(c);
  assert.ok(got.every((c) => c.object === "chat.completion.chunk" && c.model === "gpt-4.1-mini" && c.id === got[0].id));
  assert.equal(got[0].choices[0].delta.role, "assistant");
  assert.equal(got.map((c) => c.choices[0]?.delta.content ?? "").join(""), "w0 w1 w2 w3 ");
  assert.ok(got.some((c) => c.choices[0]?.finish_reason === "stop"));
  assert.ok(got.some((c) => c.usage?.total_tokens > 0 && c.choices.length === 0), "usage in its own chunk, as stream_options.include_usage sends it");
  const last = got.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.llm_edge.endpoint, emu.url);
  assert.equal(last.llm_edge.attempts.length, 2);
});

test("toResponse (openai): tool call deltas in OpenAI's shape, and a failure as {error}", async () => {
  const res = toResponse(azure(emu).streamAnswer(user("call it"), {}, { tools: [{ type: "function", function: { name: "lookup", parameters: echoSchema } }] }), { format: "openai" });
  const chunks = events(await res.text()).filter((e) => e.data !== "[DONE]").map((e) => e.data);
  const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assert.ok(calls.length > 0);
  assert.equal(calls[0].index, 0);
  assert.equal(calls[0].type, "function");
  assert.equal(calls[0].function.name, "lookup");
  assert.deepEqual(JSON.parse(calls.map((t) => t.function.arguments ?? "").join("")), { input: "call it" });
  assert.ok(chunks.some((c) => c.choices[0]?.finish_reason === "tool_calls"));
  const failed = events(await toResponse(azure(emu).streamAnswer(user("[[words:20]] [[fault:reset-mid@3]]")), { format: "openai" }).text());
  const err = failed.find((e) => e.data?.error);
  assert.ok(err, JSON.stringify(failed));
  assert.equal(typeof err.data.error.code, "string");
  assert.equal(typeof err.data.error.message, "string");
  assert.ok(!failed.some((e) => e.data === "[DONE]"));
  // The SDK turns that event into a thrown APIError.
  const { default: OpenAI, APIError } = await import("openai");
  const res2 = toResponse(azure(emu).streamAnswer(user("[[words:20]] [[fault:reset-mid@3]]")), { format: "openai" });
  const client = new OpenAI({ apiKey: "x", baseURL: "http://127.0.0.1:1/v1", fetch: async () => res2 });
  const e = await rejects((async () => {
    for await (const _ of await client.chat.completions.create({ model: "m", messages: [], stream: true }));
  })());
  assert.ok(e instanceof APIError, String(e));
  assert.throws(() => toResponse((async function* () {})(), { format: "xml" }), (x) => x.code === "invalid_input");
});

test("toResponse (text): the answer's text only, with the caller's headers", async () => {
  const res = toResponse(azure(emu).streamAnswer(user("hello there")), { format: "text", headers: { "access-control-allow-origin": "*" } });
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.equal(await res.text(), "You said: hello there");
});

test("toResponse (sse): a failure mid-stream arrives as an error event", async () => {
  const res = toResponse(azure(emu).streamAnswer(user("[[words:20]] [[fault:reset-mid@3]]")));
  const text = await res.text();
  const ev = text.split("\n\n").find((e) => e.startsWith("event: error"));
  assert.ok(ev, text);
  const err = JSON.parse(ev.split("\ndata: ")[1]);
  assert.equal(typeof err.code, "string");
  assert.ok(!text.includes("[DONE]"));
});

test("toResponse: the client cancelling the body aborts the provider request", async () => {
  const res = toResponse(azure(emu).streamAnswer(user("[[delay:30]] [[words:200]]")));
  const reader = res.body.getReader();
  await reader.read();
  await reader.read();
  const entry = emu.requests.at(-1);
  await reader.cancel();
  assert.ok(await eventually(() => entry.closedEarly === true), "the server saw the client go");
});
