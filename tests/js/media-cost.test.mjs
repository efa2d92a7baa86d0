// Media cost through the built package (llm-edge/full) against the emulator: every media
// model's result and its stream's last chunk carry usage with costUsd at the model table's
// prices (src/models/table.rs), usageTotals() adds them up by model and endpoint, and the
// telemetry hooks report the same cost. The expected figures are worked out here from what
// the emulator bills (tests/emulator/media.mjs: ceil(chars / 4) input tokens, 272/1056/4160
// image tokens for low/medium/high, one audio token per 240 samples), not read back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { emulator, collect, KEY } from "./helpers.mjs";
import { createLLM } from "../../pkg/full/node.js";
import { png } from "./png.mjs";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

const M = 1e6;
const close = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} != ${b}`);
const azure = (model, over = {}) => createLLM({ provider: "azure", model, endpoint: emu.url, deploymentName: model, apiKey: KEY, ...over });
const openai = (model, over = {}) => createLLM({ provider: "openai", model, baseURL: `${emu.url}/v1`, apiKey: KEY, ...over });
const tokens = (s) => Math.ceil(s.length / 4);

/** gpt-image's bill: text input, image input, image output tokens at their own prices. */
const PRICE = { "gpt-image-1": [5, 10, 40], "gpt-image-1-mini": [2, 2.5, 8] };

test("getImage (gpt-image-1, gpt-image-1-mini): costUsd from the token usage, text and image tokens apart", async () => {
  for (const model of ["gpt-image-1", "gpt-image-1-mini"]) {
    const prompt = "a lighthouse at dusk, in oils"; // 29 characters: 8 text tokens
    const r = await azure(model).getImage(prompt, {}, { quality: "medium" });
    const u = r.usage;
    assert.deepEqual([u.promptTokens, u.textInputTokens, u.imageInputTokens, u.completionTokens], [8, 8, 0, 1056], model);
    const [text, , out] = PRICE[model];
    close(u.costUsd, (8 * text + 1056 * out) / M, model);
  }
});

test("streamImage: only the final chunk carries usage and its cost", async () => {
  const llm = openai("gpt-image-1");
  const chunks = await collect(llm.streamImage("a red kite", {}, { partialImages: 2, quality: "low" }));
  assert.deepEqual(chunks.map((c) => c.final), [false, false, true]);
  assert.deepEqual(chunks.map((c) => c.usage !== undefined), [false, false, true]);
  const u = chunks.at(-1).usage;
  close(u.costUsd, (tokens("a red kite") * 5 + 272 * 40) / M, "stream");
  assert.equal(u.completionTokens, 272);
});

test("an image edit is priced like a generation (image input tokens at their own price)", async () => {
  const llm = azure("gpt-image-1", { apiStyle: "v1" });
  const prompt = "add a red hat";
  const r = await llm.getImage(prompt, {}, { images: [png(64, 48, 7)], quality: "low" });
  const u = r.usage;
  // The emulator reports no image input tokens; the formula prices whatever it reports.
  close(u.costUsd, (u.textInputTokens * 5 + u.imageInputTokens * 10 + u.completionTokens * 40) / M, "edit");
  close(u.costUsd, (tokens(prompt) * 5 + 272 * 40) / M, "edit, worked out");
  const s = await collect(llm.streamImage(prompt, {}, { images: [png(64, 48, 7)], quality: "low" }));
  close(s.at(-1).usage.costUsd, u.costUsd, "edit stream");
});

test("dall-e-3: per image by quality and size", async () => {
  const llm = azure("dall-e-3");
  for (const [params, usd] of [
    [{}, 0.04],
    [{ size: "1792x1024" }, 0.08],
    [{ quality: "hd" }, 0.08],
    [{ quality: "hd", size: "1024x1792" }, 0.12],
  ]) {
    const r = await llm.getImage("a fox", {}, params);
    assert.equal(r.usage.images, 1);
    close(r.usage.costUsd, usd, JSON.stringify(params));
  }
});

test("tts-1 / tts-1-hd: per million characters, on getAudio and on streamAudio's last chunk", async () => {
  const input = "Good morning, wörld."; // 20 characters (21 bytes): characters are billed
  for (const [model, perM] of [["tts-1", 15], ["tts-1-hd", 30]]) {
    const llm = openai(model);
    const r = await llm.getAudio(input, {}, { format: "wav" });
    assert.equal(r.usage.characters, 20);
    close(r.usage.costUsd, (20 * perM) / M, model);
    const chunks = await collect(llm.streamAudio(input, {}, { format: "pcm" }));
    const last = chunks.at(-1);
    assert.equal(last.audio.length, 0, "the end marker carries no audio");
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === undefined && c.audio.length > 0));
    close(last.usage.costUsd, (20 * perM) / M, `${model} stream`);
  }
});

test("gpt-4o-mini-tts: its stream is priced from text and audio tokens; the bare getAudio answer reports none", async () => {
  const llm = azure("gpt-4o-mini-tts");
  const input = "Hello there, this is a test.";
  const chunks = await collect(llm.streamAudio(input, {}, { format: "pcm" }));
  const bytes = chunks.reduce((n, c) => n + c.audio.length, 0);
  const u = chunks.at(-1).usage;
  assert.equal(u.promptTokens, tokens(input));
  assert.equal(u.audioOutputTokens, Math.ceil(bytes / 2 / 240));
  close(u.costUsd, (tokens(input) * 0.6 + u.audioOutputTokens * 12) / M, "tts stream");
  const r = await llm.getAudio(input, {}, { format: "wav" });
  assert.equal(r.usage, undefined); // the API's plain answer is audio with no usage
});

test("sora-2 / sora-2-pro: per second, on getVideo and streamVideo's last chunk; sora (no sourced price) has none", async () => {
  const FAST = { pollIntervalMs: 10 };
  const r = await openai("sora-2").getVideo("a paper boat", {}, { seconds: 8, ...FAST });
  assert.equal(r.usage.seconds, 8);
  close(r.usage.costUsd, 0.8, "sora-2");
  const chunks = await collect(azure("sora-2-pro", { apiStyle: "v1" }).streamVideo("a paper boat", {}, FAST));
  assert.deepEqual(chunks.map((c) => c.usage !== undefined), chunks.map((_, i) => i === chunks.length - 1));
  assert.equal(chunks.at(-1).usage.seconds, 4); // the API's default
  close(chunks.at(-1).usage.costUsd, 1.2, "sora-2-pro");
  const s = await azure("sora").getVideo("a paper boat", {}, { size: "854x480", seconds: 3, ...FAST });
  assert.equal(s.usage.seconds, 3);
  assert.equal(s.usage.costUsd, undefined);
});

test("usageTotals() adds media calls by model and endpoint; a backup on another model is totalled apart", async () => {
  const llm = azure("gpt-image-1", { backups: [{ provider: "openai", baseURL: `${emu.url}/v1`, apiKey: KEY, model: "gpt-image-1-mini" }] });
  const costs = [];
  for (const q of ["low", "medium"]) costs.push((await llm.getImage("a cat", {}, { quality: q })).usage.costUsd);
  costs.push((await collect(llm.streamImage("a cat", {}, { quality: "high" }))).at(-1).usage.costUsd);
  // The primary answers 503: the backup (gpt-image-1-mini on OpenAI's path) serves.
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "503", times: 1 }) });
  const b = await llm.getImage("a cat", {}, { quality: "low" });
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({}) });
  assert.deepEqual(b.attempts.map((a) => a.status), [503, 200]);
  assert.equal(b.model, "gpt-image-1-mini");
  const totals = llm.usageTotals();
  assert.equal(totals.length, 2);
  const [t, u] = totals;
  assert.deepEqual([t.model, t.endpoint, t.requests], ["gpt-image-1", emu.url, 3]);
  assert.equal(t.completionTokens, 272 + 1056 + 4160);
  close(t.costUsd, costs.reduce((x, c) => x + c, 0), "primary's total");
  close(t.costUsd, (3 * tokens("a cat") * 5 + (272 + 1056 + 4160) * 40) / M, "primary's total, worked out");
  assert.deepEqual([u.model, u.endpoint, u.requests, u.completionTokens], ["gpt-image-1-mini", emu.url, 1, 272]);
  close(u.costUsd, b.usage.costUsd, "backup's total");
  close(u.costUsd, (tokens("a cat") * 2 + 272 * 8) / M, "backup's total, worked out");
  // Chat calls on the same kind of model object total the same way (one shared list).
  const chat = azure("gpt-4.1-mini");
  await chat.getAnswer([{ role: "user", content: "hi" }]);
  const tts = openai("tts-1");
  await tts.getAudio("hello", {}, { format: "wav" });
  await collect(tts.streamAudio("hello!", {}, { format: "pcm" }));
  const [tt] = tts.usageTotals();
  assert.deepEqual([tt.model, tt.requests], ["tts-1", 2]);
  close(tt.costUsd, (11 * 15) / M, "tts total");
  assert.equal(chat.usageTotals()[0].model, "gpt-4.1-mini");
});

test("telemetry: onResponse and onStreamEnd carry the media cost", async () => {
  const seen = [];
  const hooks = { onResponse: (e) => seen.push(["onResponse", e]), onStreamEnd: (e) => seen.push(["onStreamEnd", e]) };
  const img = azure("gpt-image-1", { hooks });
  const r = await img.getImage("a cat", {}, { quality: "low" });
  const tts = openai("tts-1", { hooks });
  const chunks = await collect(tts.streamAudio("hello", {}, { format: "pcm" }));
  const video = openai("sora-2", { hooks });
  const v = await video.getVideo("a boat", {}, { seconds: 4, pollIntervalMs: 10 });
  assert.deepEqual(seen.map((x) => x[0]), ["onResponse", "onStreamEnd", "onStreamEnd"]);
  close(seen[0][1].costUsd, r.usage.costUsd, "image hook");
  assert.equal(seen[0][1].usage.completionTokens, 272);
  close(seen[1][1].costUsd, chunks.at(-1).usage.costUsd, "speech hook");
  assert.equal(seen[1][1].usage.characters, 5);
  close(seen[2][1].costUsd, v.usage.costUsd, "video hook");
  close(seen[2][1].costUsd, 0.4, "video hook, worked out");
});
