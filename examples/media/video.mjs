#!/usr/bin/env node
// Video with llm-edge/full (Sora): streamVideo reports the job's progress, then the MP4's
// bytes in order and the thumbnail; getVideo does the same and returns them whole.
//   OPENAI_API_KEY=... OPENAI_BASE_URL=https://api.openai.com/v1 node examples/media/video.mjs "a paper boat on a pond"
// Without OPENAI_BASE_URL it starts the repository's emulator (a job that finishes after a
// few status reads, and a small MP4 of the requested size and length).
import { writeFileSync } from "node:fs";
import { createLLM, LLMError } from "llm-edge/full";

const env = process.env;
const prompt = process.argv.slice(2).join(" ") || "a paper boat on a pond";
let emu;
if (!env.OPENAI_BASE_URL) {
  const { startEmulator } = await import("../../tests/emulator/emulator.mjs");
  emu = await startEmulator();
  Object.assign(env, { OPENAI_BASE_URL: `${emu.url}/v1`, OPENAI_API_KEY: "test-key", POLL_MS: "50" });
}
const sora = createLLM({ provider: "openai", model: "sora-2", baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY });
// Stop (Ctrl-C) aborts the call, which deletes the job on the service.
const stop = new AbortController();
process.once("SIGINT", () => stop.abort());

try {
  const parts = [];
  let thumbnail;
  const params = { size: "1280x720", seconds: 4, pollIntervalMs: Number(env.POLL_MS ?? 5000) };
  for await (const c of sora.streamVideo(prompt, { signal: stop.signal, timeoutMs: 20 * 60_000 }, params)) {
    if (c.video) parts.push(c.video);
    else if (c.thumbnail) thumbnail = c.thumbnail;
    else console.log(`job ${c.jobId}: ${c.status}${c.progress !== undefined ? ` ${c.progress}%` : ""}`);
  }
  const mp4 = Buffer.concat(parts);
  console.log(`video: ${mp4.length} bytes of MP4 (${parts.length} pieces), thumbnail: ${thumbnail?.length ?? 0} bytes`);
  if (env.OUT) writeFileSync(env.OUT, mp4);
} catch (e) {
  if (!(e instanceof LLMError)) throw e;
  console.error(`${e.code}: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ""}`);
  process.exitCode = 1;
} finally {
  await sora.close();
  if (emu) await emu.close();
}
