// The response bodies the Bedrock and media benchmarks serve, built once per run and
// replayed byte for byte to every consumer (bench/server.mjs). Deterministic: the same
// arguments give the same bytes, and each builder also returns what a consumer must end up
// with, so the benchmark can check that every consumer read all of it.
//
//   converseStream(n)  ConverseStream's application/vnd.amazon.eventstream body, encoded by
//                      AWS's own @smithy/eventstream-codec: messageStart, n × contentBlockDelta
//                      ("w0 ", "w1 ", ...), contentBlockStop, messageStop, metadata; each
//                      payload with the "p" padding field live Bedrock adds.
//   converseAnswer()   a small Converse JSON answer.
//   imageStream(opts)  gpt-image-1's images/generations SSE (stream: true, partial_images):
//                      image_generation.partial_image events then image_generation.completed,
//                      each with a real PNG as b64_json, the fields of the OpenAPI spec's
//                      ImageGenPartialImageEvent / ImageGenCompletedEvent.
//   speechStream(opts) gpt-4o-mini-tts's audio/speech SSE (stream_format: "sse"): one
//                      speech.audio.delta per 200 ms of 24 kHz 16-bit PCM, then speech.audio.done
//                      with usage (the spec's SpeechAudioDeltaEvent / SpeechAudioDoneEvent).
import { createHash } from "node:crypto";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { encodePng, speechSamples, SAMPLE_RATE } from "../tests/emulator/media.mjs";

export const BEDROCK_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
export const sha256 = (b) => createHash("sha256").update(b).digest("hex");

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PAD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function frame(eventType, payload, i) {
  // Live payloads carry a padding field "p" of varying length (clients ignore it).
  const body = JSON.stringify({ ...payload, p: PAD.slice(0, 1 + ((i * 7) % PAD.length)) });
  return codec.encode({
    headers: {
      ":event-type": { type: "string", value: eventType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "event" },
    },
    body: fromUtf8(body),
  });
}

/** { body: Buffer, text, events } — the whole ConverseStream answer of n text deltas. */
export function converseStream(n) {
  const frames = [frame("messageStart", { role: "assistant" }, 0)];
  let text = "";
  for (let i = 0; i < n; i++) {
    const t = `w${i} `;
    text += t;
    frames.push(frame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: t } }, i + 1));
  }
  frames.push(frame("contentBlockStop", { contentBlockIndex: 0 }, n + 1));
  frames.push(frame("messageStop", { stopReason: "end_turn" }, n + 2));
  frames.push(frame("metadata", { usage: { inputTokens: 12, outputTokens: n, totalTokens: 12 + n }, metrics: { latencyMs: 1234 } }, n + 3));
  return { body: Buffer.concat(frames), text, events: frames.length };
}

/** A small Converse answer (the shape of the API reference's example). */
export function converseAnswer() {
  const text = "Hello from Bedrock.";
  const body = Buffer.from(JSON.stringify({
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason: "end_turn",
    usage: { inputTokens: 9, outputTokens: 5, totalTokens: 14 },
    metrics: { latencyMs: 210 },
  }));
  return { body, text };
}

function sse(obj, event) {
  return `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(obj)}\n\n`;
}

/** A real PNG about as large as gpt-image-1's (a 1024×1024 "high" image is some 2 MB): a
 *  gradient with deterministic grain, in coarser blocks for earlier partial images (as the
 *  service's previews sharpen toward the final one). */
function picture(width, height, block, seed) {
  let s = seed >>> 0;
  const noise = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 30) * 4 - 8; // 2 bits of grain
  const tile = new Map();
  return encodePng(width, height, (x, y) => {
    const bx = x - (x % block);
    const by = y - (y % block);
    const key = by * width + bx;
    let n = block === 1 ? noise() : tile.get(key);
    if (n === undefined) tile.set(key, (n = noise()));
    const base = [(bx * 255) / width, (by * 255) / height, ((bx + by) * 127) / (width + height)];
    return base.map((v) => Math.max(0, Math.min(255, Math.round(v + n))));
  });
}

/** { body: Buffer, images: [base64, ...] } — partial images, then the completed one. */
export function imageStream({ width = 1024, height = 1024, partials = 3 } = {}) {
  const images = [];
  let out = "";
  const common = { created_at: 1764000000, size: `${width}x${height}`, quality: "high", background: "opaque", output_format: "png" };
  for (let i = 0; i < partials; i++) {
    const b64 = picture(width, height, 2 ** (partials - i + 1), 7 + i).toString("base64");
    images.push(b64);
    out += sse({ type: "image_generation.partial_image", b64_json: b64, partial_image_index: i, ...common }, "image_generation.partial_image");
  }
  const b64 = picture(width, height, 1, 99).toString("base64");
  images.push(b64);
  const usage = { total_tokens: 4175, input_tokens: 15, output_tokens: 4160, input_tokens_details: { text_tokens: 15, image_tokens: 0 } };
  out += sse({ type: "image_generation.completed", b64_json: b64, ...common, usage }, "image_generation.completed");
  return { body: Buffer.from(out), images };
}

/** { body: Buffer, audio: Buffer, seconds } — `seconds` of speech as 24 kHz 16-bit mono PCM. */
export function speechStream({ seconds = 60 } = {}) {
  // The emulator's voice: a 50 ms tone per character, so 20 characters a second.
  const text = "The quick brown fox jumps over the lazy dog. ".repeat(Math.ceil((seconds * 20) / 45)).slice(0, seconds * 20);
  const samples = speechSamples(text);
  const audio = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const piece = SAMPLE_RATE * 2 * 0.2; // 200 ms
  let out = "";
  for (let i = 0; i < audio.length; i += piece) out += sse({ type: "speech.audio.delta", audio: audio.subarray(i, i + piece).toString("base64") });
  const input_tokens = Math.ceil(text.length / 4);
  const output_tokens = Math.ceil(samples.length / 240);
  out += sse({ type: "speech.audio.done", usage: { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens } });
  return { body: Buffer.from(out), audio, seconds: samples.length / SAMPLE_RATE, text };
}
