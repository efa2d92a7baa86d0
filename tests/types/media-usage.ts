// The media results' usage as llm-edge/full types it (MediaUsage): checked under --strict
// with the contract check (tsconfig.json lists this file).
import { createLLM } from "../../pkg/full/index";
import type { MediaUsage, VideoChunk, AudioChunk, ImageChunk } from "../../pkg/full/index";

export async function mediaCosts(): Promise<number> {
  const llm = createLLM({ provider: "openai", model: "gpt-image-1", baseURL: "https://api.openai.com/v1", apiKey: "k" });
  let usd = 0;
  const img = await llm.getImage("a cat");
  const u: MediaUsage | undefined = img.usage;
  usd += u?.costUsd ?? 0;
  usd += (u?.textInputTokens ?? 0) + (u?.imageInputTokens ?? 0);
  for await (const c of llm.streamImage("a cat")) {
    const chunk: ImageChunk = c;
    if (chunk.final) usd += chunk.usage?.costUsd ?? 0;
  }
  const speech = await llm.getAudio("hello");
  usd += speech.usage?.characters ?? 0;
  for await (const c of llm.streamAudio("hello")) {
    const chunk: AudioChunk = c;
    usd += chunk.usage?.costUsd ?? 0;
  }
  const video = await llm.getVideo("a boat", {}, { seconds: 4 });
  usd += video.usage?.seconds ?? 0;
  for await (const c of llm.streamVideo("a boat")) {
    const chunk: VideoChunk = c;
    usd += chunk.usage?.costUsd ?? 0;
  }
  for (const t of llm.usageTotals()) usd += t.costUsd;
  return usd;
}
