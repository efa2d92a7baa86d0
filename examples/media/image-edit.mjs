#!/usr/bin/env node
// Image generation and edits with llm-edge/full: getImage makes a picture, streamImage edits
// it (params.images, optionally a mask) and shows the partial images as they arrive.
//   AZURE_OPENAI_ENDPOINT=... AZURE_OPENAI_KEY=... AZURE_OPENAI_DEPLOYMENT=gpt-image-1 node examples/media/image-edit.mjs "a lighthouse"
// Without AZURE_OPENAI_ENDPOINT it starts the repository's emulator, which draws real PNGs.
import { writeFileSync } from "node:fs";
import { createLLM, LLMError } from "llm-edge/full";

const env = process.env;
const prompt = process.argv.slice(2).join(" ") || "a lighthouse at dusk";
let emu;
if (!env.AZURE_OPENAI_ENDPOINT) {
  const { startEmulator } = await import("../../tests/emulator/emulator.mjs");
  emu = await startEmulator();
  Object.assign(env, { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_KEY: "test-key", AZURE_OPENAI_DEPLOYMENT: "gpt-image-1" });
}
const llm = createLLM({
  provider: "azure",
  model: "gpt-image-1",
  endpoint: env.AZURE_OPENAI_ENDPOINT,
  deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
  apiKey: env.AZURE_OPENAI_KEY,
});

try {
  const made = await llm.getImage(prompt, {}, { size: "1024x1024", quality: "low" });
  const png = Buffer.from(made.imageBase64, "base64");
  console.log(`generated: ${png.length} bytes, ${png.readUInt32BE(16)}x${png.readUInt32BE(20)}, ${made.usage?.totalTokens} tokens, from ${made.endpoint}`);
  // The edit sends the picture back as multipart form data; partial images stream first.
  let final;
  for await (const c of llm.streamImage(`${prompt}, at night`, {}, { images: [png], partialImages: 2, quality: "low" })) {
    console.log(`${c.final ? "final" : "partial"} image ${c.index}: ${c.partialImageBase64.length} base64 characters`);
    if (c.final) final = Buffer.from(c.partialImageBase64, "base64");
  }
  const out = process.env.OUT ?? "edited.png";
  if (process.env.OUT !== "") writeFileSync(out, final);
  console.log(`edited: ${final.length} bytes${process.env.OUT !== "" ? `, saved to ${out}` : ""}`);
} catch (e) {
  if (!(e instanceof LLMError)) throw e;
  console.error(`${e.code}: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ""}`);
  process.exitCode = 1;
} finally {
  await llm.close();
  if (emu) await emu.close();
}
