#!/usr/bin/env node
// Text to speech with llm-edge/full: getAudio returns the whole file, streamAudio yields the
// audio as it arrives (gpt-4o-mini-tts over SSE; tts-1 and tts-1-hd from the raw body).
//   OPENAI_API_KEY=... OPENAI_BASE_URL=https://api.openai.com/v1 node examples/media/speech.mjs "Hello there"
// Without OPENAI_BASE_URL it starts the repository's emulator, which speaks real WAV/PCM.
import { writeFileSync } from "node:fs";
import { createLLM, LLMError } from "llm-edge/full";

const env = process.env;
const text = process.argv.slice(2).join(" ") || "Hello from llm-edge.";
let emu;
if (!env.OPENAI_BASE_URL) {
  const { startEmulator } = await import("../../tests/emulator/emulator.mjs");
  emu = await startEmulator();
  Object.assign(env, { OPENAI_BASE_URL: `${emu.url}/v1`, OPENAI_API_KEY: "test-key" });
}
const tts = createLLM({ provider: "openai", model: env.TTS_MODEL ?? "gpt-4o-mini-tts", baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY });

try {
  const a = await tts.getAudio(text, {}, { voice: "coral", format: "wav" });
  console.log(`getAudio: ${a.audio.length} bytes of ${a.mimeType} from ${a.endpoint}`);
  if (env.OUT) writeFileSync(env.OUT, a.audio);
  // pcm: 24 kHz 16-bit mono samples, playable as they come (Web Audio in a browser).
  let bytes = 0;
  let pieces = 0;
  for await (const c of tts.streamAudio(text, {}, { format: "pcm" })) {
    bytes += c.audio.length;
    pieces++;
  }
  console.log(`streamAudio: ${pieces} pieces, ${bytes} bytes, ${(bytes / 48000).toFixed(2)} s of audio`);
} catch (e) {
  if (!(e instanceof LLMError)) throw e;
  console.error(`${e.code}: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ""}`);
  process.exitCode = 1;
} finally {
  await tts.close();
  if (emu) await emu.close();
}
