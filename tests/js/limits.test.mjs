// The response limits (config.limits): a response exactly at each limit is read whole, one
// byte over ends the call with response_too_large, the connection is closed at once, and
// the module keeps serving. Served by a plain local server so the sizes are exact.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createLLM, user, collect, rejects, eventually } from "./helpers.mjs";

const answer = (text) => JSON.stringify({ id: "x", object: "chat.completion", model: "m", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
const event = (text) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
const END = `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`;

let srv, url, body, closedEarly;
before(async () => {
  srv = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const { stream } = JSON.parse(raw);
      res.on("close", () => (closedEarly = !res.writableFinished));
      res.writeHead(200, { "content-type": stream ? "text/event-stream" : "application/json" });
      res.end(body(stream));
    });
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${srv.address().port}/v1`;
});
after(() => srv.close());

const llm = (limits) => createLLM({ provider: "openai", model: "m", baseURL: url, limits });

test("maxBodyBytes: exactly at the limit passes, one byte over is response_too_large", async () => {
  const text = "x".repeat(5000);
  body = () => answer(text);
  const size = Buffer.byteLength(answer(text));
  assert.equal((await llm({ maxBodyBytes: size }).getAnswer(user("a"))).content, text);
  const e = await rejects(llm({ maxBodyBytes: size - 1 }).getAnswer(user("a")));
  assert.equal(e.code, "response_too_large");
  assert.match(e.message, new RegExp(String(size - 1)));
  assert.ok(e.hint.includes("limits"));
});

test("maxStreamBytes: the whole streamed response, checked as bytes arrive", async () => {
  const pieces = Array.from({ length: 50 }, (_, i) => `p${i} `);
  body = (stream) => (stream ? pieces.map(event).join("") + END : answer(""));
  const size = Buffer.byteLength(pieces.map(event).join("") + END);
  const ok = await collect(llm({ maxStreamBytes: size }).streamAnswer(user("a")));
  assert.equal(ok.map((c) => c.delta).join(""), pieces.join(""));
  const e = await rejects(collect(llm({ maxStreamBytes: size - 1 }).streamAnswer(user("a"))));
  assert.equal(e.code, "response_too_large");
});

test("maxEventBytes: one event at the limit passes, one byte over fails before it is buffered", async () => {
  const big = event("y".repeat(3000));
  body = (stream) => (stream ? big + END : answer(""));
  // The limit counts an event's line as received ("data: " included, the line end not).
  const line = Buffer.byteLength(big) - 2;
  const ok = await collect(llm({ maxEventBytes: line }).streamAnswer(user("a")));
  assert.equal(ok.map((c) => c.delta).join(""), "y".repeat(3000));
  const e = await rejects(collect(llm({ maxEventBytes: line - 1 }).streamAnswer(user("a"))));
  assert.equal(e.code, "response_too_large");
  assert.match(e.message, /one stream event/);
});

test("a hostile 50 MB event is refused early, the socket closes, and the module serves on", async () => {
  const chunk = "z".repeat(1 << 20);
  srv.removeAllListeners("request");
  let sent = 0;
  srv.on("request", (req, res) => {
    req.resume();
    res.on("close", () => (closedEarly = !res.writableFinished));
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: ");
    const pump = () => {
      while (sent < 50 && res.write(chunk)) sent++;
      if (sent < 50 && !res.destroyed) res.once("drain", () => { sent++; pump(); });
      else if (!res.destroyed) res.end("\n\n");
    };
    pump();
  });
  closedEarly = undefined;
  const e = await rejects(collect(llm({ maxEventBytes: 2 << 20 }).streamAnswer(user("a"))));
  assert.equal(e.code, "response_too_large");
  assert.ok(await eventually(() => closedEarly === true), "the server saw the connection close early");
  assert.ok(sent < 50, `the server got to write ${sent} of 50 MB`);
  srv.removeAllListeners("request");
  srv.on("request", (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(answer("still here"));
  });
  assert.equal((await llm().getAnswer(user("a"))).content, "still here");
});

test("limits must be positive integers", () => {
  for (const bad of [{ maxBodyBytes: 0 }, { maxEventBytes: -1 }, { maxStreamBytes: 1.5 }, { maxBytes: 1 }]) {
    assert.throws(() => llm(bad), (e) => e.code === "invalid_input" && /limits/.test(e.message), JSON.stringify(bad));
  }
});
