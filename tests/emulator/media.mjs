// The emulator's media endpoints: images/generations (gpt-image-1, gpt-image-1-mini,
// dall-e-3) and audio/speech (gpt-4o-mini-tts, tts-1, tts-1-hd), on the three path styles
// the chat routes serve. Everything is derived from the request, deterministically:
//   images  real PNGs of the requested size, a pattern whose colours come from the prompt;
//           streamed partial images are the same picture in coarser blocks, sharpening
//           toward the final one. (jpeg/webp requests are answered with PNG and
//           output_format "png": the emulator has no JPEG or WebP encoder.)
//   speech  wav: RIFF/WAVE 24 kHz 16-bit mono, a tone per character (50 ms each at speed 1);
//           pcm: the same samples, headerless; mp3: valid MPEG-2 Layer III frames of
//           silence of the same duration; opus/aac/flac: 400 (no encoder here).
// Faults as for chat ([[fault:NAME@K]] in the prompt or input): reset-mid, stall-mid,
// invalid-sse, truncated-json mid-stream; [[fault:content-policy]] answers the recorded
// refusal (Azure's content_policy_violation 400, OpenAI's moderation_blocked).
import { deflateSync } from "node:zlib";
import { randomUUID } from "node:crypto";

const MODELS = {
  "gpt-image-1": "gpt-image", "gpt-image-1-mini": "gpt-image", "dall-e-3": "dall-e",
  "gpt-4o-mini-tts": "sse-tts", "tts-1": "tts", "tts-1-hd": "tts",
};
const IMAGE_KEYS = {
  "gpt-image": ["prompt", "model", "n", "size", "quality", "output_format", "output_compression", "background", "moderation", "user", "stream", "partial_images"],
  "dall-e": ["prompt", "model", "n", "size", "quality", "style", "user", "response_format"],
};
const SIZES = { "gpt-image": ["1024x1024", "1536x1024", "1024x1536", "auto"], "dall-e": ["1024x1024", "1792x1024", "1024x1792"] };
const SPEECH_KEYS = ["model", "input", "voice", "response_format", "speed", "instructions", "stream_format"];
export const SAMPLE_RATE = 24000;

// ---------------------------------------------------------------- PNG

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
/** A PNG (8-bit RGB) from `rgb(x, y)` → [r, g, b]. */
export function encodePng(width, height, rgb) {
  const stride = 1 + width * 3;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    let o = y * stride + 1; // filter byte 0 (none)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      raw[o++] = r;
      raw[o++] = g;
      raw[o++] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 1 })), chunk("IEND", Buffer.alloc(0))]);
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The picture for a prompt; `block` > 1 renders it in coarse blocks (a partial image). */
export function promptImage(prompt, width, height, block = 1, variant = 0) {
  const h = hash(prompt + "#" + variant);
  const a = [h & 255, (h >>> 8) & 255, (h >>> 16) & 255];
  const b = [255 - a[1], 255 - a[2], 255 - a[0]];
  const rings = 4 + (h % 12);
  const cx = width / 2, cy = height / 2, r = Math.hypot(cx, cy);
  return encodePng(width, height, (x, y) => {
    const bx = x - (x % block), by = y - (y % block);
    const d = Math.hypot(bx - cx, by - cy) / r;
    const t = (Math.floor(d * rings) % 2 === 0 ? d : 1 - d) * 0.8 + (bx / width) * 0.2;
    return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
  });
}

// ---------------------------------------------------------------- audio

/** 16-bit mono samples: a 50 ms tone per character (silence for spaces), `speed` faster. */
export function speechSamples(text, speed = 1) {
  const per = Math.max(1, Math.round((SAMPLE_RATE * 0.05) / speed));
  const out = new Int16Array(per * text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) continue;
    const f = 200 + (c % 40) * 20;
    for (let k = 0; k < per; k++) out[i * per + k] = Math.round(8000 * Math.sin((2 * Math.PI * f * k) / SAMPLE_RATE));
  }
  return out;
}
export function wav(samples) {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "latin1");
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVEfmt ", 8, "latin1");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "latin1");
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
/** MPEG-2 Layer III, 24 kHz, 64 kbit/s, mono, no CRC: 192-byte frames of 576 samples whose
 *  zeroed side information decodes as silence. */
export function silentMp3(sampleCount) {
  const frames = Math.max(1, Math.ceil(sampleCount / 576));
  const out = Buffer.alloc(frames * 192);
  for (let i = 0; i < frames; i++) out.set([0xff, 0xf3, 0x84, 0xc4], i * 192);
  return out;
}

// ---------------------------------------------------------------- multipart (image edits)

/** Parses multipart/form-data strictly: the boundary from the content type, every part
 *  opened by --boundary CRLF, headers with a form-data Content-Disposition and a name, the
 *  closing --boundary--. Returns { fields, files } or a string saying what is wrong. */
export function parseMultipart(buf, contentType) {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary || boundary.length > 70) return "no boundary in the content type";
  const delim = Buffer.from(`--${boundary}`);
  if (!buf.subarray(0, delim.length).equals(delim)) return "the body does not start with the boundary";
  const fields = {};
  const files = [];
  let at = delim.length;
  for (;;) {
    if (buf[at] === 45 && buf[at + 1] === 45) return buf.length - at - 2 <= 2 ? { fields, files } : "data after the closing boundary";
    if (buf[at] !== 13 || buf[at + 1] !== 10) return "a boundary is not followed by CRLF";
    at += 2;
    const headEnd = buf.indexOf("\r\n\r\n", at);
    if (headEnd < 0) return "a part's headers do not end";
    const headers = {};
    for (const line of buf.subarray(at, headEnd).toString("latin1").split("\r\n")) {
      const i = line.indexOf(":");
      if (i < 1) return `a malformed part header: ${JSON.stringify(line.slice(0, 40))}`;
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const cd = headers["content-disposition"] ?? "";
    const name = /(?:^|;)\s*name="([^"]*)"/.exec(cd)?.[1];
    if (!/^form-data\b/i.test(cd) || name === undefined) return "a part without Content-Disposition: form-data; name";
    const next = buf.indexOf(Buffer.concat([Buffer.from("\r\n"), delim]), headEnd + 4);
    if (next < 0) return "the body ends before its closing boundary";
    const data = buf.subarray(headEnd + 4, next);
    const filename = /;\s*filename="([^"]*)"/.exec(cd)?.[1];
    if (filename !== undefined) files.push({ name, filename, contentType: headers["content-type"] ?? "application/octet-stream", data });
    else fields[name] = data.toString("utf8");
    at = next + 2 + delim.length;
  }
}

/** Width and height of a PNG (IHDR) or JPEG (SOFn), or undefined. */
export function imageSize(b) {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString("latin1", 12, 16) === "IHDR") return [b.readUInt32BE(16), b.readUInt32BE(20)];
  if (b[0] === 0xff && b[1] === 0xd8) {
    for (let i = 2; i + 9 < b.length && b[i] === 0xff; i += 2 + b.readUInt16BE(i + 2)) {
      const mk = b[i + 1];
      if (mk >= 0xc0 && mk <= 0xcf && mk !== 0xc4 && mk !== 0xc8 && mk !== 0xcc) return [b.readUInt16BE(i + 7), b.readUInt16BE(i + 5)];
    }
  }
  return undefined;
}
const IMAGE_TYPES = { png: [0x89, 0x50, 0x4e, 0x47], jpeg: [0xff, 0xd8, 0xff], webp: [0x52, 0x49, 0x46, 0x46] };
const kindOf = (b) => Object.keys(IMAGE_TYPES).find((k) => IMAGE_TYPES[k].every((v, i) => b[i] === v));

/** An edit's request (form fields as strings) checked and read as the API does: the
 *  images, the mask, and numbers and booleans from their text. Returns an error or
 *  { text } with `body` normalised in place. */
function readEdit(body, files, family, azure) {
  if (family === "dall-e") return { error: { message: "Image edits are not supported for this model.", code: "OperationNotSupported" } };
  const imgs = files.filter((f) => f.name === "image" || f.name === "image[]");
  if (imgs.length === 0) return { error: { message: "Missing required parameter: 'image'.", param: "image", code: "missing_required_parameter" } };
  if (imgs.length > 16) return { error: { message: "Too many images: at most 16.", param: "image" } };
  for (const f of files) if (!["image", "image[]", "mask"].includes(f.name)) return { error: { message: `Unrecognized file field: ${f.name}`, param: f.name } };
  for (const f of imgs) {
    const k = kindOf(f.data);
    if (!k || (azure && k === "webp")) return { error: { message: `Invalid image file or mode for image ${f.filename}, please check your image file.`, param: "image", code: "invalid_image_format" } };
    if (f.data.length >= 50 * 1024 * 1024) return { error: { message: "Image file must be less than 50MB.", param: "image" } };
  }
  const mask = files.find((f) => f.name === "mask");
  if (mask) {
    if (kindOf(mask.data) !== "png") return { error: { message: "Invalid mask file: must be a PNG.", param: "mask", code: "invalid_image_format" } };
    const a = imageSize(mask.data), b = imageSize(imgs[0].data);
    if (a && b && (a[0] !== b[0] || a[1] !== b[1])) return { error: { message: "Invalid mask image: mask and image must have the same dimensions.", param: "mask" } };
  }
  for (const k of ["n", "output_compression", "partial_images"]) if (body[k] !== undefined) body[k] = Number(body[k]);
  if (body.stream !== undefined) body.stream = body.stream === "true";
  if (body.input_fidelity !== undefined && !["high", "low"].includes(body.input_fidelity)) return { error: { message: "Invalid value for input_fidelity.", param: "input_fidelity" } };
  // The edited picture depends on the prompt and on every input's bytes.
  let seed = 0;
  for (const f of files) seed = hash(seed + ":" + f.name + ":" + f.data.length + ":" + f.data.subarray(0, 4096).toString("base64"));
  return { seed, inputSize: imageSize(imgs[0].data) };
}

// ---------------------------------------------------------------- the handler

function sse(res, obj, event) {
  res.write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(obj)}\n\n`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function media(x) {
  const { req, res, op, kind, model, apiVersion, body, prompt, fault, faultAt, fail, send, baseHeaders, images, files } = x;
  const azure = kind !== "openai";
  const family = MODELS[model];
  const editing = op === "images/edits";
  const image = op === "images/generations" || editing;
  if (editing !== (files !== undefined)) return fail(400, { message: editing ? "images/edits takes multipart/form-data." : "This operation takes a JSON body.", code: "invalid_request" });
  if (!family || (image !== (family === "gpt-image" || family === "dall-e"))) {
    return fail(400, { message: `The model ${model} does not support ${op}.`, code: "OperationNotSupported" });
  }
  let edit;
  if (editing) {
    edit = readEdit(body, files, family, azure);
    if (edit.error) return fail(400, edit.error);
  }
  const allowed = image ? [...IMAGE_KEYS[family], ...(editing ? ["input_fidelity"] : [])] : SPEECH_KEYS;
  for (const k of Object.keys(body)) if (!allowed.includes(k)) return fail(400, { message: `Unrecognized request argument supplied: ${k}`, param: k });
  if (kind === "deployments" && apiVersion < "2025-04-01-preview" && (family === "gpt-image" || !image)) {
    return fail(400, { message: `The ${op} operation for ${model} is not supported with api-version ${apiVersion}.`, code: "OperationNotSupported" });
  }
  // An edit's picture: the prompt's, recoloured by the inputs' bytes.
  const text = String(image ? body.prompt ?? "" : body.input ?? "");
  const seedText = edit ? `${text}#edit:${edit.seed}` : text;
  if (text === "") return fail(400, { message: `Missing required parameter: '${image ? "prompt" : "input"}'.`, param: image ? "prompt" : "input", code: "missing_required_parameter" });
  const delay = Number(/\[\[delay:(\d+)\]\]/.exec(prompt)?.[1] ?? 0);
  const headers = (type) => ({ ...baseHeaders(req), "content-type": type, ...(azure ? { "x-ms-rai-invoked": "true" } : { "x-request-id": `req_${randomUUID().replace(/-/g, "")}` }) });
  if (fault === "content-policy") {
    const refusal = azure
      ? { error: { code: "content_policy_violation", inner_error: { code: "ResponsibleAIPolicyViolation", content_filter_results: { jailbreak: { detected: false, filtered: false } } }, message: "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.", type: "invalid_request_error" } }
      : { error: { message: "Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID.", type: "image_generation_user_error", param: null, code: "moderation_blocked" } };
    return send(res, 400, refusal, {}, req);
  }
  // Mid-stream faults: before the K-th piece, break the answer the way chat's faults do.
  const broke = (i) => {
    if (i !== faultAt) return false;
    if (fault === "reset-mid") return res.destroy(), true;
    if (fault === "stall-mid") return true;
    if (fault === "invalid-sse" || fault === "truncated-json") return res.end("data: {not json\n\n"), true;
    return false;
  };

  if (image) {
    if (body.size !== undefined && !SIZES[family].includes(body.size)) return fail(400, { message: `Invalid value: '${body.size}'. Supported values are: ${SIZES[family].map((s) => `'${s}'`).join(", ")}.`, param: "size", code: "invalid_value" });
    const n = body.n ?? 1;
    if (family === "dall-e" && n !== 1) return fail(400, { message: "You must provide n=1 for this model.", param: "n", code: "invalid_value" });
    if (body.stream && family !== "gpt-image") return fail(400, { message: "Streaming is not supported for this model.", param: "stream" });
    const ev = editing ? "image_edit" : "image_generation";
    // size "auto" on an edit keeps the input's size (bounded, so a hostile header cannot ask for a huge picture).
    const [w, h] = !body.size || body.size === "auto" ? (edit?.inputSize?.every((d) => d > 0 && d <= 2048) ? edit.inputSize : [1024, 1024]) : body.size.split("x").map(Number);
    const quality = body.quality ?? (family === "dall-e" ? "standard" : "high");
    const usage = { total_tokens: 0, input_tokens: Math.ceil(text.length / 4), output_tokens: { low: 272, medium: 1056, high: 4160, auto: 4160 }[quality] ?? 0, input_tokens_details: { text_tokens: Math.ceil(text.length / 4), image_tokens: 0 } };
    usage.total_tokens = usage.input_tokens + usage.output_tokens;
    const common = { created_at: Math.floor(Date.now() / 1000), size: `${w}x${h}`, quality, background: body.background ?? "opaque", output_format: "png" };
    if (body.stream) {
      res.writeHead(200, { ...headers("text/event-stream"), "cache-control": "no-cache" });
      const partials = Math.min(Math.max(body.partial_images ?? 0, 0), 3);
      let piece = 0;
      for (let v = 0; v < n; v++) {
        for (let i = 0; i < partials; i++) {
          if (broke(piece++)) return;
          sse(res, { type: `${ev}.partial_image`, b64_json: promptImage(seedText, w, h, 2 ** (partials - i + 3), v).toString("base64"), partial_image_index: i, ...common }, `${ev}.partial_image`);
          if (delay) await sleep(delay);
        }
        if (broke(piece++)) return;
        sse(res, { type: `${ev}.completed`, b64_json: promptImage(seedText, w, h, 1, v).toString("base64"), ...common, usage }, `${ev}.completed`);
      }
      return res.end();
    }
    const data = [];
    for (let v = 0; v < n; v++) {
      const png = promptImage(seedText, w, h, 1, v);
      const item = {};
      if (family === "dall-e" && body.response_format !== "b64_json") {
        const id = randomUUID();
        images.set(id, png);
        if (images.size > 50) images.delete(images.keys().next().value);
        const host = req.headers.host;
        item.url = `http://${host}/__emulator/images/${id}.png`;
      } else item.b64_json = png.toString("base64");
      if (family === "dall-e") item.revised_prompt = `A vivid rendering of: ${text.replace(/\[\[[^\]]*\]\]/g, "").trim()}`;
      if (azure) {
        item.content_filter_results = { hate: { filtered: false, severity: "safe" }, self_harm: { filtered: false, severity: "safe" }, sexual: { filtered: false, severity: "safe" }, violence: { filtered: false, severity: "safe" } };
        item.prompt_filter_results = { ...item.content_filter_results, profanity: { detected: false, filtered: false }, jailbreak: { detected: false, filtered: false } };
      }
      data.push(item);
    }
    if (fault === "truncated-json") {
      res.writeHead(200, headers("application/json"));
      return res.end('{"created":1,"data":[{"b64_json":"iVBO');
    }
    const out = { created: Math.floor(Date.now() / 1000), data };
    if (family === "gpt-image") Object.assign(out, { background: common.background, output_format: "png", size: common.size, quality, usage });
    return send(res, 200, out, headers("application/json"), req);
  }

  // Speech.
  if (text.length > 4096) return fail(400, { message: "[{'type': 'string_too_long', 'loc': ('body', 'input'), 'msg': 'String should have at most 4096 characters'}]", param: "input" });
  const format = body.response_format ?? "mp3";
  if (!["mp3", "wav", "pcm"].includes(format)) return fail(400, { message: `The emulator does not encode ${format} (it answers mp3, wav and pcm).`, param: "response_format" });
  if (body.stream_format === "sse" && family !== "sse-tts") return fail(400, { message: "stream_format 'sse' is not supported for this model.", param: "stream_format" });
  const speed = body.speed ?? 1;
  if (typeof speed !== "number" || speed < 0.25 || speed > 4) return fail(400, { message: "Invalid 'speed': must be between 0.25 and 4.0.", param: "speed" });
  const samples = speechSamples(text.replace(/\[\[[^\]]*\]\]/g, ""), speed);
  const bytes = format === "wav" ? wav(samples) : format === "pcm" ? Buffer.from(samples.buffer) : silentMp3(samples.length);
  const mime = { mp3: "audio/mpeg", wav: "audio/wav", pcm: "audio/pcm" }[format];
  const piece = 9600; // 200 ms of 16-bit samples
  if (body.stream_format === "sse") {
    res.writeHead(200, { ...headers("text/event-stream"), "cache-control": "no-cache" });
    for (let i = 0, k = 0; i < bytes.length; i += piece, k++) {
      if (broke(k)) return;
      sse(res, { type: "speech.audio.delta", audio: bytes.subarray(i, i + piece).toString("base64") });
      if (delay) await sleep(delay);
    }
    const input_tokens = Math.ceil(text.length / 4);
    const output_tokens = Math.ceil(samples.length / 240);
    sse(res, { type: "speech.audio.done", usage: { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens } });
    return res.end();
  }
  res.writeHead(200, { ...headers(mime), "transfer-encoding": "chunked" });
  for (let i = 0, k = 0; i < bytes.length; i += piece, k++) {
    if (broke(k)) return;
    res.write(bytes.subarray(i, i + piece));
    if (delay) await sleep(delay);
  }
  res.end();
}
