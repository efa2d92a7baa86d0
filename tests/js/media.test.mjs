// Images and speech through the built package against the emulator: decoded PNGs of the
// requested size, partial images then the final one, WAV/PCM/MP3 speech of the right
// duration, failover, abort, refusals, and keys never in errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { emulator, collect, rejects, everythingAbout, KEY } from "./helpers.mjs";
// The media operations ship in the package's full variant (the default entry leaves them out).
import { createLLM, listModels } from "../../pkg/full/node.js";
import { createLLM as createDefault } from "../../pkg/node.js";

function azure(emu, over = {}) {
  return createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, ...over });
}

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

const last = () => emu.requests.at(-1);
const image = (over = {}) => azure(emu, { model: "gpt-image-1", deploymentName: "gpt-image-1", ...over });
const speech = (model = "gpt-4o-mini-tts", over = {}) => azure(emu, { model, deploymentName: model, ...over });

/** Decodes a PNG far enough to prove it real: signature, chunk CRCs, IHDR, and IDAT
 *  inflating to exactly height rows of (1 + width * 3) bytes. */
function decodePng(bytes) {
  const b = Buffer.from(bytes);
  assert.equal(b.subarray(0, 8).toString("hex"), "89504e470d0a1a0a");
  let i = 8;
  let ihdr;
  const idat = [];
  while (i < b.length) {
    const len = b.readUInt32BE(i);
    const type = b.toString("latin1", i + 4, i + 8);
    const data = b.subarray(i + 8, i + 8 + len);
    if (type === "IHDR") ihdr = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], color: data[9] };
    if (type === "IDAT") idat.push(data);
    i += 12 + len;
    if (type === "IEND") break;
  }
  const raw = inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, ihdr.height * (1 + ihdr.width * 3));
  return { ...ihdr, raw };
}

/** WAV header fields and duration. */
function readWav(bytes) {
  const b = Buffer.from(bytes);
  assert.equal(b.toString("latin1", 0, 4), "RIFF");
  assert.equal(b.toString("latin1", 8, 16), "WAVEfmt ");
  const rate = b.readUInt32LE(24);
  const bits = b.readUInt16LE(34);
  const dataLen = b.readUInt32LE(40);
  assert.equal(b.length, 44 + dataLen);
  return { format: b.readUInt16LE(20), channels: b.readUInt16LE(22), rate, bits, seconds: dataLen / (rate * (bits / 8)) };
}

test("listModels has the media models with their output types and prices", () => {
  const m = Object.fromEntries(listModels().map((x) => [x.modelName, x]));
  for (const id of ["gpt-image-1", "gpt-image-1-mini", "dall-e-3"]) {
    assert.deepEqual(m[id].outputTypes, ["image"]);
    assert.ok(m[id].pricing.perImage > 0, id);
  }
  for (const id of ["tts-1", "tts-1-hd"]) assert.ok(m[id].pricing.perMCharacters > 0, id);
  assert.deepEqual(m["gpt-4o-mini-tts"].outputTypes, ["audio"]);
});

test("getImage (gpt-image-1, Azure deployments): a real PNG of the requested size, usage", async () => {
  const llm = image();
  const r = await llm.getImage("a lighthouse at dusk", {}, { size: "1536x1024", quality: "low" });
  const png = decodePng(Buffer.from(r.imageBase64, "base64"));
  assert.deepEqual([png.width, png.height, png.depth, png.color], [1536, 1024, 8, 2]);
  assert.equal(r.format, "png");
  assert.equal(r.size, "1536x1024");
  assert.equal(r.images.length, 1);
  assert.equal(r.imageUrl, undefined);
  assert.ok(r.usage.totalTokens > 0 && r.usage.completionTokens === 272);
  assert.equal(r.endpoint, emu.url);
  assert.equal(r.attempts.at(-1).status, 200);
  assert.equal(r.model, "gpt-image-1");
  assert.match(last().path, /\/openai\/deployments\/gpt-image-1\/images\/generations$/);
  assert.equal(last().apiVersion, "2025-04-01-preview");
  assert.deepEqual(last().body, { prompt: "a lighthouse at dusk", size: "1536x1024", quality: "low" });
  // Deterministic: the same prompt gives the same picture, another prompt another one.
  const again = await llm.getImage("a lighthouse at dusk", {}, { size: "1536x1024", quality: "low" });
  assert.equal(again.imageBase64, r.imageBase64);
  const other = await llm.getImage("a forest", {}, { size: "1536x1024", quality: "low" });
  assert.notEqual(other.imageBase64, r.imageBase64);
});

test("getImage: n images, Azure v1 and OpenAI paths, gpt-image-1-mini", async () => {
  const v1 = image({ model: "gpt-image-1-mini", deploymentName: "gpt-image-1-mini", apiStyle: "v1" });
  const r = await v1.getImage("two cats", {}, { n: 2, size: "1024x1024" });
  assert.equal(r.images.length, 2);
  assert.notEqual(r.images[0].imageBase64, r.images[1].imageBase64);
  assert.equal(last().path, "/openai/v1/images/generations");
  assert.equal(last().apiVersion, "preview");
  assert.equal(last().body.model, "gpt-image-1-mini");
  const oa = createLLM({ provider: "openai", model: "gpt-image-1", baseURL: `${emu.url}/v1`, apiKey: KEY });
  const o = await oa.getImage([{ role: "user", content: "a boat" }], {}, { size: "1024x1536" });
  assert.equal(decodePng(Buffer.from(o.imageBase64, "base64")).height, 1536);
  assert.equal(last().path, "/v1/images/generations");
  assert.equal(last().body.prompt, "a boat");
});

test("getImage (dall-e-3): a URL that serves the PNG, and the revised prompt", async () => {
  const llm = image({ model: "dall-e-3", deploymentName: "dall-e-3" });
  const r = await llm.getImage("a red bicycle", {}, { size: "1792x1024", quality: "hd", style: "natural" });
  assert.match(r.imageUrl, /^http:\/\/127\.0\.0\.1:\d+\/__emulator\/images\//);
  assert.equal(r.revisedPrompt, "A vivid rendering of: a red bicycle");
  const png = decodePng(new Uint8Array(await (await fetch(r.imageUrl)).arrayBuffer()));
  assert.deepEqual([png.width, png.height], [1792, 1024]);
  assert.deepEqual(last().body, { prompt: "a red bicycle", size: "1792x1024", quality: "hd", style: "natural" });
  // Checked before sending: dall-e-3 takes n = 1 and does not stream.
  const before = emu.requests.length;
  assert.equal((await rejects(llm.getImage("x", {}, { n: 2 }))).code, "invalid_input");
  assert.equal((await rejects(collect(llm.streamImage("x")))).code, "unsupported_operation");
  assert.equal((await rejects(llm.getImage("x", {}, { outputFormat: "png" }))).code, "invalid_input");
  assert.equal(emu.requests.length, before);
});

test("streamImage: partial images sharpening toward the final one, with usage", async () => {
  const llm = image();
  const s = llm.streamImage("a mountain lake", {}, { partialImages: 2, size: "1024x1024", quality: "medium" });
  const chunks = await collect(s);
  assert.deepEqual(chunks.map((c) => [c.index, c.final]), [[0, false], [1, false], [0, true]]);
  const pngs = chunks.map((c) => decodePng(Buffer.from(c.partialImageBase64, "base64")));
  for (const p of pngs) assert.deepEqual([p.width, p.height], [1024, 1024]);
  // Coarser partials compress better: each one carries more detail than the one before.
  const sizes = chunks.map((c) => c.partialImageBase64.length);
  assert.ok(sizes[0] < sizes[1] && sizes[1] < sizes[2], String(sizes));
  assert.equal(chunks[2].usage.completionTokens, 1056);
  assert.equal(s.endpoint, emu.url);
  assert.equal(last().body.stream, true);
  assert.equal(last().body.partial_images, 2);
  const fin = await image().getImage("a mountain lake", {}, { size: "1024x1024", quality: "medium" });
  assert.equal(chunks[2].partialImageBase64, fin.imageBase64);
});

test("refused prompts are content_filter with the provider's reason (Azure and OpenAI)", async () => {
  const e = await rejects(image().getImage("[[fault:content-policy]] something"));
  assert.equal(e.code, "content_filter");
  assert.match(e.message, /rejected as a result of our safety system/);
  assert.equal(e.providerCode, "content_policy_violation");
  assert.equal(e.status, 400);
  const oa = createLLM({ provider: "openai", model: "gpt-image-1", baseURL: `${emu.url}/v1`, apiKey: KEY });
  const o = await rejects(collect(oa.streamImage("[[fault:content-policy]] x")));
  assert.equal(o.code, "content_filter");
  assert.equal(o.providerCode, "moderation_blocked");
});

test("text models refuse media methods; image models refuse getAnswer naming getImage", async () => {
  const chat = azure(emu);
  const e = await rejects(chat.getImage("a cat"));
  assert.equal(e.code, "unsupported_operation");
  assert.match(e.hint, /getAnswer/);
  assert.equal((await rejects(collect(chat.streamAudio("hi")))).code, "unsupported_operation");
  const img = image();
  const g = await rejects(img.getAnswer([{ role: "user", content: "hi" }]));
  assert.equal(g.code, "unsupported_operation");
  assert.match(g.hint, /getImage, streamImage/);
  assert.equal((await rejects(img.getAudio("hi"))).code, "unsupported_operation");
  assert.equal((await rejects(speech().getImage("x"))).code, "unsupported_operation");
  // An edit of bytes that are no image is refused before sending (image-edit.test.mjs has the rest).
  const n = emu.requests.length;
  const ed = await rejects(img.getImage("x", {}, { images: [new Uint8Array(4)] }));
  assert.equal(ed.code, "invalid_input");
  assert.equal(emu.requests.length, n);
});

test("getAudio: WAV and PCM of the text's duration, MIME types; speed and voice sent", async () => {
  const text = "Hello from the emulator";
  const r = await speech("tts-1").getAudio(text, {}, { format: "wav", voice: "nova" });
  assert.ok(r.audio instanceof Uint8Array);
  const w = readWav(r.audio);
  assert.deepEqual([w.format, w.channels, w.rate, w.bits], [1, 1, 24000, 16]);
  assert.equal(w.seconds, text.length / 20);
  assert.equal(r.format, "wav");
  assert.equal(r.mimeType, "audio/wav");
  assert.equal(r.model, "tts-1");
  assert.deepEqual(last().body, { input: text, voice: "nova", response_format: "wav" });
  assert.equal(last().apiVersion, "2025-04-01-preview");
  const pcm = await speech("tts-1-hd").getAudio(text, {}, { format: "pcm", speed: 2 });
  assert.equal(pcm.mimeType, "audio/pcm");
  assert.equal(pcm.audio.length, text.length * 600 * 2);
  const mp3 = await speech().getAudio(text, {}, { instructions: "cheerful" });
  assert.equal(mp3.mimeType, "audio/mpeg");
  assert.deepEqual([...mp3.audio.subarray(0, 2)], [0xff, 0xf3]);
  assert.equal(last().body.voice, "alloy");
  assert.equal(last().body.instructions, "cheerful");
});

test("streamAudio: SSE deltas (gpt-4o-mini-tts) and raw bytes (tts-1) join into the same WAV", async () => {
  const text = "Streaming speech, one piece at a time.";
  const join = (chunks) => Buffer.concat(chunks.map((c) => c.audio));
  const sseChunks = await collect(speech().streamAudio(text, {}, { format: "wav" }));
  assert.equal(last().body.stream_format, "sse");
  assert.ok(sseChunks.length > 2);
  assert.ok(sseChunks.at(-1).usage.totalTokens > 0);
  const rawStream = speech("tts-1").streamAudio(text, {}, { format: "wav" });
  const rawChunks = await collect(rawStream);
  assert.equal(last().body.stream_format, undefined);
  assert.equal(rawStream.endpoint, emu.url);
  assert.deepEqual(join(sseChunks), join(rawChunks));
  assert.equal(readWav(join(rawChunks)).seconds, text.length / 20);
  const whole = await speech("tts-1").getAudio(text, {}, { format: "wav" });
  assert.deepEqual(join(rawChunks), Buffer.from(whole.audio));
});

test("speech input over 4,096 characters is refused before sending", async () => {
  const n = emu.requests.length;
  const e = await rejects(speech().getAudio("a".repeat(4097)));
  assert.equal(e.code, "invalid_input");
  assert.match(e.message, /4,096/);
  assert.equal((await rejects(speech("tts-1").getAudio("x", {}, { instructions: "calm" }))).code, "invalid_input");
  assert.equal((await rejects(speech().getAudio("x", {}, { speed: 9 }))).code, "invalid_input");
  assert.equal((await rejects(speech().getAudio("x", {}, { format: "ogg" }))).code, "invalid_input");
  assert.equal(emu.requests.length, n);
  await speech().getAudio("a".repeat(4096), {}, { format: "pcm" });
});

test("failover: a dead primary, then the backup serves images and speech", async () => {
  const dead = { endpoint: "http://127.0.0.1:9" };
  const img = createLLM({ provider: "azure", model: "gpt-image-1", deploymentName: "gpt-image-1", apiKey: KEY, ...dead, backups: [{ endpoint: emu.url }] });
  const r = await img.getImage("failover");
  assert.equal(r.endpoint, emu.url);
  assert.deepEqual(r.attempts.map((a) => [a.endpoint, a.errorCode ?? a.status]), [["http://127.0.0.1:9", "connection"], [emu.url, 200]]);
  const tts = createLLM({ provider: "azure", model: "tts-1", deploymentName: "tts-1", apiKey: KEY, endpoint: emu.url, backups: [{ endpoint: emu.url }] });
  // A 503 on the first attempt only: the backup answers.
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "503", times: 1 }) });
  const s = tts.streamAudio("hello", {}, { format: "pcm" });
  const chunks = await collect(s);
  assert.equal(chunks.reduce((n, c) => n + c.audio.length, 0), 5 * 1200 * 2);
  assert.deepEqual(s.attempts.map((a) => a.status), [503, 200]);
  // Across providers: an OpenAI backup behind an Azure primary that fails mid-stream before any image.
  const cross = createLLM({ provider: "azure", model: "gpt-image-1", deploymentName: "gpt-image-1", apiKey: KEY, endpoint: emu.url, backups: [{ provider: "openai", baseURL: `${emu.url}/v1`, apiKey: KEY, model: "gpt-image-1" }] });
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "reset-mid", times: 1, at: 0 }) });
  const c = await collect(cross.streamImage("cross", {}, { partialImages: 1 }));
  assert.deepEqual(c.map((x) => x.final), [false, true]);
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({}) });
});

test("a stream that breaks after delivering bytes rejects without re-sending them", async () => {
  const s = speech("tts-1").streamAudio("[[fault:reset-mid@2]] [[delay:30]] " + "long text ".repeat(40), {}, { format: "pcm" });
  const got = [];
  const e = await rejects((async () => {
    for await (const c of s) got.push(c);
  })());
  assert.equal(e.code, "connection");
  assert.equal(got.length >= 1, true);
  assert.equal(e.partialContent, undefined);
});

test("abort: ctx.signal ends getImage and streamAudio; timeoutMs is a timeout", async () => {
  const ac = new AbortController();
  const p = image().getImage("[[fault:stall-headers]] x", { signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  assert.equal((await rejects(p)).code, "aborted");
  const ac2 = new AbortController();
  const s = speech().streamAudio("[[delay:100]] " + "slow speech ".repeat(30), { signal: ac2.signal }, { format: "pcm" });
  const it = s[Symbol.asyncIterator]();
  await it.next();
  ac2.abort();
  assert.equal((await rejects(it.next())).code, "aborted");
  const t = await rejects(image().getImage("[[fault:stall-headers]] y", { timeoutMs: 100 }));
  assert.equal(t.code, "timeout");
});

test("keys never appear in media errors", async () => {
  const bad = createLLM({ provider: "azure", model: "gpt-image-1", deploymentName: "gpt-image-1", endpoint: emu.url, apiKey: "sk-WRONG-0123456789abcdef" });
  const e = await rejects(bad.getImage("x"));
  assert.equal(e.code, "authentication");
  assert.ok(!everythingAbout(e).includes("sk-WRONG-0123456789abcdef"));
  const e2 = await rejects(collect(speech().streamAudio("[[fault:500]] x")));
  assert.ok(!everythingAbout(e2).includes(KEY));
  const e3 = await rejects(image().getImage("[[fault:content-policy]] " + KEY));
  assert.ok(!everythingAbout(e3).includes(KEY));
});

test("the default entry refuses media calls on a media model, naming llm-edge/full; nothing is sent", async () => {
  const emu2 = await emulator();
  try {
    const img = createDefault({ provider: "azure", model: "gpt-image-1", endpoint: emu2.url, deploymentName: "gpt-image-1", apiKey: KEY });
    const e = await rejects(img.getImage("a lighthouse"));
    assert.equal(e.code, "unsupported_operation");
    assert.match(e.hint, /llm-edge\/full/);
    const s = await rejects(collect(img.streamImage("a lighthouse")));
    assert.equal(s.code, "unsupported_operation");
    assert.equal(emu2.requests.length, 0);
  } finally {
    emu2.close();
  }
});

test("every image and speech model in listModels() works on the emulator (Azure deployments, Azure v1, OpenAI)", async () => {
  const models = listModels().filter((m) => m.outputTypes.includes("image") || m.outputTypes.includes("audio"));
  assert.ok(models.length >= 6);
  for (const m of models) {
    const name = m.modelName;
    const configs = [
      { provider: "azure", model: name, endpoint: emu.url, deploymentName: name, apiKey: KEY },
      { provider: "azure", model: name, endpoint: emu.url, deploymentName: name, apiKey: KEY, apiStyle: "v1" },
      { provider: "openai", model: name, baseURL: `${emu.url}/v1`, apiKey: KEY },
    ];
    for (const c of configs) {
      const llm = createLLM(c);
      if (m.outputTypes.includes("image")) {
        const r = await llm.getImage(`a test card for ${name}`, {}, { size: "1024x1024", quality: name === "dall-e-3" ? "standard" : "low" });
        const b64 = r.imageBase64 ?? Buffer.from(await (await fetch(r.imageUrl)).arrayBuffer()).toString("base64");
        const png = decodePng(Buffer.from(b64, "base64"));
        assert.deepEqual([png.width, png.height], [1024, 1024], `${name} ${c.provider} ${c.apiStyle ?? ""}`);
      } else {
        const a = await llm.getAudio("hi there", {}, { format: "wav" });
        assert.equal(readWav(a.audio).seconds, 8 * 0.05, `${name} ${c.provider}`);
        assert.equal(a.mimeType, "audio/wav");
      }
    }
  }
});
