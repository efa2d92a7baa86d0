// Media (issue 11): llm-edge's full variant (streamImage, streamAudio on the OpenAI provider)
// against openai-node (images.generate({ stream: true }), audio.speech.create({ stream_format:
// "sse" })) on the same bodies from the same local server (bench/server.mjs): a ~4 MB
// partial-image stream and a one-minute speech stream. A section of bench/run.mjs.
//
// What each consumer delivers is what its API hands a caller: for images, each image's base64
// (llm-edge's chunk.partialImageBase64, openai-node's event.b64_json: neither decodes); for
// speech, the audio as bytes (llm-edge's chunk.audio is a Uint8Array; openai-node hands the
// event's base64, which its consumer decodes with Node's native Buffer.from(b64, "base64")).
// Every consumer's result is checked against the server's digests.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { Stream } from "openai/streaming";
import { createLLM } from "../pkg/full/node.js";
import { sha256 } from "./bodies.mjs";
import { startBenchServer } from "./bedrock.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const KEY = "bench-key";
const PROMPT = "A lighthouse at dusk, oil painting";
export const IMAGE = { width: 1024, height: 1024, partials: 3 };
const IMAGE_PARAMS = { size: "1024x1024", partialImages: 3, quality: "high" };
const SPEECH_PARAMS = { voice: "alloy", format: "pcm" };

export function makeClients(server, limits) {
  const cfg = (model) => ({ provider: "openai", model, baseURL: `${server.http}/v1`, apiKey: KEY, timeoutMs: 120_000, idleTimeoutMs: 120_000, limits });
  return {
    server,
    image: createLLM(cfg("gpt-image-1")),
    speech: createLLM(cfg("gpt-4o-mini-tts")),
    openai: new OpenAI({ baseURL: `${server.http}/v1`, apiKey: KEY, maxRetries: 0, timeout: 120_000 }),
  };
}

/** A hand-written SSE reader: fetch, TextDecoder, a line splitter, JSON.parse per event. */
async function* sseEvents(res) {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const bytes of res.body) {
    buf += decoder.decode(bytes, { stream: true });
    let start = 0;
    let nl;
    while ((nl = buf.indexOf("\n", start)) >= 0) {
      const line = buf.slice(start, nl);
      start = nl + 1;
      if (line.startsWith("data: ")) yield JSON.parse(line.slice(6));
    }
    buf = buf.slice(start);
  }
}
const post = (c, p, body) => fetch(`${c.server.http}/v1${p}`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
const IMAGE_BODY = { model: "gpt-image-1", prompt: PROMPT, stream: true, partial_images: 3, size: "1024x1024", quality: "high" };
const SPEECH_BODY = (input) => ({ model: "gpt-4o-mini-tts", input, voice: "alloy", response_format: "pcm", stream_format: "sse" });

async function floor(res) {
  let n = 0;
  for await (const bytes of res.body) n += bytes.length;
  return n;
}

export const FLOOR = "read body only";
/** Each returns the images' base64 strings in order. */
export const imageConsumers = {
  async "llm-edge"(c) {
    const out = [];
    for await (const chunk of c.image.streamImage(PROMPT, {}, IMAGE_PARAMS)) out.push(chunk.partialImageBase64);
    return out;
  },
  async "openai-node"(c) {
    const out = [];
    const stream = await c.openai.images.generate(IMAGE_BODY);
    for await (const ev of stream) if (ev.type === "image_generation.partial_image" || ev.type === "image_generation.completed") out.push(ev.b64_json);
    return out;
  },
  async "hand-written"(c) {
    const out = [];
    for await (const ev of sseEvents(await post(c, "/images/generations", IMAGE_BODY))) if (ev.b64_json) out.push(ev.b64_json);
    return out;
  },
  [FLOOR]: async (c) => floor(await post(c, "/images/generations", IMAGE_BODY)),
};
/** Each returns the audio as a list of byte arrays. */
export const speechConsumers = {
  async "llm-edge"(c, input) {
    const out = [];
    for await (const chunk of c.speech.streamAudio(input, {}, SPEECH_PARAMS)) out.push(chunk.audio);
    return out;
  },
  async "openai-node"(c, input) {
    const out = [];
    // speech.create resolves to the raw Response; openai-node's own SSE reader parses it.
    const res = await c.openai.audio.speech.create(SPEECH_BODY(input));
    for await (const ev of Stream.fromSSEResponse(res, new AbortController())) if (ev.type === "speech.audio.delta") out.push(Buffer.from(ev.audio, "base64"));
    return out;
  },
  async "hand-written"(c, input) {
    const out = [];
    for await (const ev of sseEvents(await post(c, "/audio/speech", SPEECH_BODY(input)))) if (ev.type === "speech.audio.delta") out.push(Buffer.from(ev.audio, "base64"));
    return out;
  },
  [FLOOR]: async (c, input) => floor(await post(c, "/audio/speech", SPEECH_BODY(input))),
};

const imagesDigest = (imgs) => imgs.map((b) => [b.length, sha256(b)]);
const audioDigest = (parts) => sha256(Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));

/** The JavaScript base64 decoder llm-edge's streamAudio falls back to where the runtime has
 *  no native one (media-full.js's fromBase64Js, taken from the shipped pkg/full/api.js), or
 *  null if it is gone. In Node the chunks decode with Buffer, in recent browsers with
 *  Uint8Array.fromBase64; this measures what older browsers pay. */
function shippedFromBase64() {
  const src = readFileSync(path.join(here, "../pkg/full/api.js"), "utf8");
  const start = src.indexOf("const B64 = new Uint8Array(128);");
  const end = src.indexOf("\n}\n", src.indexOf("function fromBase64Js("));
  if (start < 0 || end < 0 || src.indexOf("function fromBase64Js(") < 0) return null;
  return new Function(`${src.slice(start, end + 2)}\nreturn fromBase64Js;`)();
}

/** Median ms to decode every delta of the speech body with `decode`. */
function decodeTime(deltas, decode, rounds, median) {
  const t = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const d of deltas) decode(d);
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** wasm memory of a fresh process around one image stream and one speech stream. */
function memoryProbe(server) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, "media-memory.mjs"), server.http], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1))) : reject(new Error(`media-memory.mjs exited with ${code}`))));
  });
}

export async function benchMedia({ quick, check, median, gc, fmt, log }) {
  const server = await startBenchServer();
  const c = makeClients(server);
  const md = [];
  const summary = {};
  try {
    const seconds = quick ? 10 : 60;
    // The input is what the server's speech stands for; only the request's shape is checked.
    const input = "The quick brown fox jumps over the lazy dog. ".repeat(Math.ceil((seconds * 20) / 45)).slice(0, Math.min(seconds * 20, 4096));
    const want = await server.config({ image: IMAGE, speechSeconds: seconds });
    const R = quick ? 2 : 9;
    const cases = [
      { id: "image", title: `Partial-image stream (gpt-image-1, 1024×1024, 3 partial images + the final one): ${fmt(want.image.bytes / 1048576)} MB of SSE, images of ${want.image.images.map((x) => `${fmt(x[0] / 1048576, 2)}`).join(", ")} MB of base64`, consumers: imageConsumers, ok: (out) => JSON.stringify(imagesDigest(out)) === JSON.stringify(want.image.images), bytes: want.image.bytes },
      { id: "speech", title: `Speech stream (gpt-4o-mini-tts, stream_format "sse", pcm): ${want.speech.seconds} s of 24 kHz 16-bit audio, ${fmt(want.speech.audioBytes / 1048576, 2)} MB in ${Math.ceil(want.speech.audioBytes / 9600)} speech.audio.delta events of 200 ms, ${fmt(want.speech.bytes / 1048576)} MB of SSE`, consumers: speechConsumers, ok: (out) => audioDigest(out) === want.speech.audioSha256, bytes: want.speech.bytes },
    ];
    md.push("## Media streams (llm-edge/full) vs openai-node", "");
    md.push(`bench/media.mjs. bench/server.mjs (its own process, 127.0.0.1) replays two bodies from memory on OpenAI's /v1 paths: gpt-image-1's \`images/generations\` stream (\`image_generation.partial_image\` events, then \`image_generation.completed\` with usage; each \`b64_json\` a real PNG) and gpt-4o-mini-tts's \`audio/speech\` stream with \`stream_format: "sse"\` (\`speech.audio.delta\` base64, then \`speech.audio.done\` with usage), the event shapes of OpenAI's OpenAPI spec. Each consumer takes what its API delivers — images as base64 strings (neither library decodes them), speech as bytes (llm-edge's \`chunk.audio\`; openai-node's base64 decoded with Node's native \`Buffer.from(b64, "base64")\`) — and its result is checked against the server's digests. "hand-written" is fetch + a line splitter + JSON.parse (+ Buffer.from for audio). ${R} rounds, rotating order; medians.`, "");
    for (const cs of cases) {
      const names = Object.keys(cs.consumers);
      await server.requests();
      for (const name of names) {
        const out = await cs.consumers[name](c, input);
        if (name === FLOOR) check(`media ${cs.id}: the floor reads the whole body`, out === cs.bytes, `${out} of ${cs.bytes}`);
        else check(`media ${cs.id}: ${name} delivers exactly the stream's ${cs.id === "image" ? "images" : "audio"}`, cs.ok(out), cs.id === "image" ? JSON.stringify(imagesDigest(out).map((x) => x[0])) : `${out.reduce((a, p) => a + p.length, 0)} B`);
      }
      const reqs = (await server.requests()).map((r) => JSON.parse(r.body));
      const shape = (b) => (cs.id === "image" ? JSON.stringify([b.model, b.stream, b.partial_images, b.size]) : JSON.stringify([b.model, b.stream_format, b.response_format, b.input === input]));
      check(`media ${cs.id}: every consumer asked for the same stream`, reqs.length === names.length && new Set(reqs.map(shape)).size === 1, reqs.map(shape).join(" / "));
      const times = Object.fromEntries(names.map((k) => [k, []]));
      for (let r = 0; r < R; r++) {
        const order = [...names];
        for (let k = 0; k < r % order.length; k++) order.push(order.shift());
        for (const name of order) {
          gc();
          const t0 = performance.now();
          await cs.consumers[name](c, input);
          times[name].push(performance.now() - t0);
        }
        log(`media ${cs.id}: round ${r + 1}/${R}`);
      }
      const med = Object.fromEntries(names.map((k) => [k, median(times[k])]));
      md.push(`### ${cs.title}`, "", "| consumer | median ms | MB/s | llm-edge ÷ this |", "|---|---|---|---|");
      for (const k of names) md.push(`| ${k} | ${fmt(med[k])} | ${fmt(cs.bytes / 1048576 / (med[k] / 1000), 1)} | ${k === "llm-edge" ? "1" : fmt(med["llm-edge"] / med[k], 2)} |`);
      md.push("", `llm-edge over the floor: ${fmt(med["llm-edge"] - med[FLOOR])} ms, ${fmt(med["llm-edge"] / med[FLOOR], 2)}× the time to merely read the body.`, "");
      summary[cs.id] = { vsOpenai: med["llm-edge"] / med["openai-node"], vsHand: med["llm-edge"] / med["hand-written"], floor: med["llm-edge"] / med[FLOOR], floorMs: med[FLOOR], ms: med["llm-edge"] };
      // Loose bounds: images are several times faster than openai-node; speech is not (see the
      // decoding measure below), so its bound only catches a collapse.
      const bound = cs.id === "image" ? 1 : 3;
      check(`media ${cs.id}: llm-edge ÷ openai-node < ${bound} (loose bound)`, summary[cs.id].vsOpenai < bound, fmt(summary[cs.id].vsOpenai, 3));
    }
    // Where llm-edge's speech time goes: the JS decoder it runs per chunk, against Node's
    // native one, over the same deltas (the base64 strings of the speech body).
    const fromBase64 = shippedFromBase64();
    if (fromBase64) {
      const res = await post(c, "/audio/speech", SPEECH_BODY(input));
      const deltas = [];
      for await (const ev of sseEvents(res)) if (ev.type === "speech.audio.delta") deltas.push(ev.audio);
      const same = deltas.every((d) => Buffer.from(fromBase64(d)).equals(Buffer.from(d, "base64")));
      check("media: the JS fallback decoder (fromBase64Js) decodes the speech deltas exactly as Buffer.from does", same);
      const rounds = quick ? 3 : 15;
      const ours = decodeTime(deltas, fromBase64, rounds, median);
      const native = decodeTime(deltas, (d) => Buffer.from(d, "base64"), rounds, median);
      summary.decode = { ours, native };
      md.push("### Decoding the speech deltas", "", `llm-edge's streamAudio decodes each chunk's base64 once, with the runtime's native decoder (\`Uint8Array.fromBase64\`, else Node's \`Buffer\`: what the stream above used) and a JavaScript table loop (\`fromBase64Js\`) only where neither exists. Over the ${deltas.length} deltas of the speech stream above, median of ${rounds}: **${fmt(ours)} ms** with the JS fallback, **${fmt(native)} ms** with Node's native \`Buffer.from(b64, "base64")\` (${fmt(ours / native, 1)}×), against ${fmt(summary.speech.ms)} ms for llm-edge's whole speech stream.`, "");
    }
    // The memory probe is a measurement, not a check: the full run only.
    const mem = quick ? null : await memoryProbe(server);
    if (mem) check("media: a fresh process streamed the image and the speech (memory probe)", mem.images === 4 && mem.audioBytes === want.speech.audioBytes, JSON.stringify(mem));
    summary.memory = mem;
    if (mem) {
      const largest = Math.max(...want.image.images.map((x) => x[0]));
      md.push("### Copies of the base64 payloads", "");
      md.push(`wasm linear memory of a fresh process (bench/media-memory.mjs, \`__wasmMemoryBytesForTests\`): ${fmt(mem.before / 1048576, 2)} MB after the first call's set-up, ${fmt(mem.afterImage / 1048576, 2)} MB after the image stream (largest event: ${fmt(largest / 1048576, 2)} MB of base64), ${fmt(mem.afterSpeech / 1048576, 2)} MB after the speech stream; the image stream grew it by ${fmt((mem.afterImage - mem.before) / largest, 2)}× its largest event. (Linear memory never shrinks: the growth is the most held at once, and the model keeps it.)`, "");
      md.push("The path of one event's base64, from reading the code at this commit (src/bindings/fetch.rs, src/wire/sse.rs, src/media.rs, src/bindings/mod.rs, pkg-template/api.js): each network read is copied into wasm memory (`Uint8Array::to_vec`); an event longer than one read collects in the SSE decoder's line buffer (a `Vec` grown by doubling), which at the line's end is copied again into the decoder's data buffer; the event's JSON is read without copying (the base64 has no escapes) and the payload is copied into the batch's text; the batch crosses to JS as one string (a UTF-8 decode, a copy); `decodeBatch`'s `slice` shares it. Speech is then decoded once, straight from that string into the chunk's `Uint8Array`; images stay base64 strings (the contract's `partialImageBase64`), so they are never decoded by the library. So: decoded once, but the base64 text is copied four times inside the module before JS sees it (plus the line buffer's doubling), and an event's line buffer, data buffer and batch text are alive together, which fits the memory growth above.", "");
    }
    if (!quick) {
      md.push("### Media summary", "", "| measure | result | target |", "|---|---|---|");
      md.push(`| 4 MB partial-image stream, llm-edge ÷ openai-node | ${fmt(summary.image.vsOpenai, 3)} | ≤ 0.5${summary.image.vsOpenai <= 0.5 ? "" : " (missed)"} |`);
      md.push(`| ${seconds} s speech stream, llm-edge ÷ openai-node | ${fmt(summary.speech.vsOpenai, 3)} | ≤ 0.5${summary.speech.vsOpenai <= 0.5 ? "" : " (missed)"} |`);
      md.push(`| … ÷ the hand-written baseline (image; speech) | ${fmt(summary.image.vsHand, 2)}; ${fmt(summary.speech.vsHand, 2)} | reported |`);
      md.push(`| the floor: reading the body (image; speech) | ${fmt(summary.image.floorMs)} ms; ${fmt(summary.speech.floorMs)} ms (llm-edge ${fmt(summary.image.floor, 2)}×; ${fmt(summary.speech.floor, 2)}× of it) | reported |`, "");
    }
  } finally {
    server.kill();
  }
  return { md, summary };
}
