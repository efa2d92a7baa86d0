// The contract (isLLM), the helpers (BaseLLM) for models written in JS, media methods,
// and the vision helper with real image bytes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { png as pngBuffer } from "./png.mjs";
import { emulator, azure, user, collect, rejects, isLLM, BaseLLM, LLMError, listModels } from "./helpers.mjs";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

const png = (w, h) => new Uint8Array(pngBuffer(w, h, [200, 40, 90]));

test("isLLM: duck typing, no inheritance needed", () => {
  const custom = { getAnswer: async () => ({}), streamAnswer: () => new ReadableStream() };
  assert.equal(isLLM(custom), true);
  assert.equal(isLLM(azure(emu)), true);
  for (const v of [null, undefined, 1, "x", {}, { getAnswer() {} }, { streamAnswer() {} }]) assert.equal(isLLM(v), false);
});

const meta = (over = {}) => ({ ...listModels().find((m) => m.modelName === "gpt-4o-mini"), modelName: "my-model", ...over });

class EchoLLM extends BaseLLM {
  async getAnswer(messages, ctx, params) {
    this.checkTextOutputSupport();
    this.validateMessages(messages);
    const p = this.mergeParameters(params);
    this.validateTokenLimits(messages, p.maxTokens);
    const content = `echo: ${messages.at(-1).content[0]?.text ?? messages.at(-1).content}`;
    return { content, finishReason: "stop", usage: null, model: this.metadata.modelName, latencyMs: 0, endpoint: "local", attempts: [], params: p };
  }
  streamAnswer() {
    return new ReadableStream();
  }
}

test("BaseLLM: a JS subclass gets the same helpers the library's models use", async () => {
  const llm = new EchoLLM(meta(), { temperature: 0.5, maxTokens: 10 });
  assert.ok(isLLM(llm));
  assert.equal(llm.metadata.modelName, "my-model");
  const r = await llm.getAnswer(user("hi"), {}, { temperature: 0.9, topP: undefined });
  assert.equal(r.content, "echo: hi");
  assert.deepEqual(r.params, { temperature: 0.9, maxTokens: 10 });
  assert.throws(() => llm.validateMessages([{ role: "user", content: "a" }, { role: "user", content: 5 }]), (e) => e instanceof LLMError && e.code === "invalid_input" && /messages\[1\]\.content/.test(e.message));
  assert.throws(() => llm.validateTokenLimits(user("x"), 1e9), (e) => e.code === "token_limit_exceeded");
  assert.equal(llm.estimateTokens(user("abcd".repeat(100))), 3 + 4 + 100);
  assert.equal(llm.estimateTokens(user("hello")), azure(emu).estimateTokens(user("hello")), "same code as the library's models");
  assert.throws(() => new BaseLLM(meta()), (e) => e.code === "invalid_input");
  assert.throws(() => new EchoLLM({ modelName: "x" }), (e) => e.code === "invalid_input");
});

test("a model with no text output refuses getAnswer with unsupported_operation (design doc §3)", async () => {
  const painter = new EchoLLM(meta({ modelName: "painter", outputTypes: ["image"], inputTypes: ["text"] }));
  const e = await rejects(painter.getAnswer(user("draw")));
  assert.equal(e.code, "unsupported_operation");
  assert.match(e.message, /painter does not support text output/);
  assert.match(e.hint, /getImage/);
});

test("media methods on text-only models reject with unsupported_operation and a hint", async () => {
  const llm = azure(emu);
  for (const m of ["getImage", "getAudio", "getVideo"]) {
    const e = await rejects(llm[m]("a cat"));
    assert.equal(e.code, "unsupported_operation", m);
    assert.match(e.hint, /getAnswer, streamAnswer, getAnswerWithVision/);
  }
  for (const m of ["streamImage", "streamAudio", "streamVideo"]) {
    const s = llm[m]("a cat");
    assert.ok(s instanceof ReadableStream);
    const e = await rejects(collect(s));
    assert.equal(e.code, "unsupported_operation", m);
  }
  const o3 = azure(emu, { model: "o3-mini", deploymentName: "o3-mini" });
  const e = await rejects(o3.getImage("x"));
  assert.doesNotMatch(e.hint, /Vision/, "o3-mini takes no images");
});

test("getAnswerWithVision: PNG bytes, ArrayBuffer and Blob arrive intact", async () => {
  const llm = azure(emu);
  const a = png(3, 2);
  const b = png(64, 48);
  const r = await llm.getAnswerWithVision({ prompt: "What is this?", images: [a, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength), new Blob([png(5, 7)])] });
  assert.equal(r.content, `I see 3 images: image 1: png 3x2, ${a.length} bytes; image 2: png 64x48, ${b.length} bytes; image 3: png 5x7, ${png(5, 7).length} bytes. You asked: What is this?`);
  const sent = emu.requests.at(-1).body.messages[0].content;
  assert.equal(sent[0].text, "What is this?");
  assert.match(sent[1].image_url.url, /^data:image\/png;base64,/);
});

test("getAnswerWithVision refuses what it cannot send, before sending", async () => {
  const n = emu.requests.length;
  let e = await rejects(azure(emu).getAnswerWithVision({ prompt: "x", images: [new Uint8Array([1, 2, 3])] }));
  assert.equal(e.code, "invalid_input");
  assert.match(e.hint, /PNG/);
  e = await rejects(azure(emu).getAnswerWithVision({ prompt: "x", images: [42] }));
  assert.equal(e.code, "invalid_input");
  e = await rejects(azure(emu, { model: "o3-mini", deploymentName: "o3-mini" }).getAnswerWithVision({ prompt: "x", images: [png(2, 2)] }));
  assert.equal(e.code, "unsupported_operation");
  e = await rejects(azure(emu, { model: "o3-mini", deploymentName: "o3-mini" }).getAnswer([{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }]));
  assert.equal(e.code, "unsupported_operation");
  assert.equal(emu.requests.length, n);
});
