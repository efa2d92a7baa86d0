// wasm linear memory of a fresh process around one partial-image stream and one speech stream
// from bench/server.mjs (already configured by bench/media.mjs). Prints JSON:
// { before, afterImage, afterSpeech, images, audioBytes } (bytes).
import { createLLM, __wasmMemoryBytesForTests as wasmBytes } from "../pkg/full/node.js";
const url = process.argv[2];
const cfg = (model) => ({ provider: "openai", model, baseURL: `${url}/v1`, apiKey: "bench-key" });
const image = createLLM(cfg("gpt-image-1"));
const speech = createLLM(cfg("gpt-4o-mini-tts"));
// A first small call sets up what every call needs (the executor, the JSON writer's buffers).
await image.getAnswer([{ role: "user", content: "x" }]).catch(() => {});
const before = wasmBytes();
let images = 0;
for await (const c of image.streamImage("A lighthouse at dusk, oil painting", {}, { size: "1024x1024", partialImages: 3, quality: "high" })) if (c.partialImageBase64.length) images++;
const afterImage = wasmBytes();
let audioBytes = 0;
for await (const c of speech.streamAudio("The quick brown fox", {}, { voice: "alloy", format: "pcm" })) audioBytes += c.audio.length;
const afterSpeech = wasmBytes();
console.log(JSON.stringify({ before, afterImage, afterSpeech, images, audioBytes }));
