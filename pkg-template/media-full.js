
// ---------------------------------------------------------------- the full variant's media JS
// scripts/build.sh appends this file to pkg/full/api.js (it shares that module's scope), so
// the default entry's api.js carries none of it.

const EDIT_HINT = "Give each image as a Uint8Array, an ArrayBuffer, a Blob/File or a data: URL (an edit uploads the bytes; fetch a remote image first).";

/** An edit's image (params.images[i], params.mask) as bytes of our own: at once, or a
 *  promise for a Blob. */
function editBytes(img, where) {
  try {
    if (img instanceof Uint8Array || img instanceof ArrayBuffer) return new Uint8Array(img).slice();
    if (typeof img === "string" && /^data:[^,]*;base64,/i.test(img)) return fromBase64(img.slice(img.indexOf(",") + 1));
    if (typeof Blob !== "undefined" && img instanceof Blob) return img.arrayBuffer().then((b) => new Uint8Array(b), (e) => Promise.reject(invalid(`${where} could not be read: ${what(e)}`, EDIT_HINT)));
  } catch (e) {
    throw invalid(`${where} could not be read: ${what(e)}`, EDIT_HINT);
  }
  throw invalid(typeof img === "string" ? `${where} is a URL; an edit sends the image's bytes` : `${where} is not an image`, EDIT_HINT);
}

/** streamImage's chunks: a partial image's index rides in the reasoning slot. */
function imageChunk(b64, m) {
  const chunk = { index: Number(m?.reasoningDelta ?? 0), partialImageBase64: b64, final: m?.finishReason !== undefined };
  if (m?.usage !== undefined) chunk.usage = m.usage;
  return chunk;
}

function audioChunk(b64, m) {
  const chunk = { audio: fromBase64(b64) };
  if (m?.usage !== undefined) chunk.usage = m.usage;
  return chunk;
}

const B64 = new Uint8Array(128);
for (let i = 0; i < 64; i++) B64["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;
B64[45] = 62; // "-" and "_" (base64url) too
B64[95] = 63;

/** Standard base64 (padded or not) to bytes, once, with no intermediate string: the fallback
 *  where the runtime has no native decoder. */
function fromBase64Js(s) {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 61) n--;
  const out = new Uint8Array((n * 3) >> 2);
  let o = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = (B64[s.charCodeAt(i)] << 18) | (B64[s.charCodeAt(i + 1)] << 12) | (B64[s.charCodeAt(i + 2)] << 6) | B64[s.charCodeAt(i + 3)];
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  if (n - i >= 2) {
    const v = (B64[s.charCodeAt(i)] << 18) | (B64[s.charCodeAt(i + 1)] << 12) | (n - i === 3 ? B64[s.charCodeAt(i + 2)] << 6 : 0);
    out[o++] = v >> 16;
    if (n - i === 3) out[o++] = (v >> 8) & 255;
  }
  return out;
}


// Speech deltas are megabytes of base64: a native decoder is about 10× faster than the loop
// above (bench/media.mjs). Uint8Array.fromBase64 (recent browsers and engines), else Node's
// Buffer (copied out of its shared pool when small, so each chunk owns its bytes).
const fromBase64 =
  typeof Uint8Array.fromBase64 === "function"
    ? (s) => Uint8Array.fromBase64(s.replace(/[-_]/g, (c) => (c === "-" ? "+" : "/")), { lastChunkHandling: "loose" })
    : typeof globalThis.Buffer?.from === "function"
      ? (s) => {
          const b = globalThis.Buffer.from(s, "base64");
          return b.length < 4096 ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.length);
        }
      : fromBase64Js;

mediaFull = {
  imageChunk,
  audioChunk,
  /** [params JSON without images and mask, [images, mask] or a promise of them]. */
  edit(params) {
    const { images, mask, ...rest } = reading(() => ({ ...params }), "params", "ImageParams");
    if (!Array.isArray(images)) throw invalid("params.images must be an array of images", "Pass images: [bytes | Blob | data: URL, ...] (and optionally mask) to edit.");
    const im = reading(() => Array.from(images, (x, i) => editBytes(x, `params.images[${i}]`)), "params.images", EDIT_HINT);
    const mk = mask === undefined || mask === null ? undefined : editBytes(mask, "params.mask");
    const ready = im.some((x) => x instanceof Promise) || mk instanceof Promise ? Promise.all([Promise.all(im), mk]) : [im, mk];
    return [enc(rest, "params"), ready];
  },
  /** A stream handle opened once `ready` (an edit's Blobs read) resolves. */
  lazy(ready, open) {
    let h;
    let cancelled = false;
    return {
      async next() {
        if (h === undefined) {
          const args = await ready;
          if (cancelled) return undefined;
          h = open(args);
        }
        return h.next();
      },
      cancel() {
        cancelled = true;
        if (h !== undefined) h.cancel();
      },
    };
  },
};

// ---------------------------------------------------------------- video (Sora)

/** streamVideo's chunks: the chunk's description rides in the reasoning slot as JSON
 *  ({ status, progress?, jobId?, model?, part? }), its text is the bytes' base64. */
function videoChunk(b64, m) {
  const d = JSON.parse(m?.reasoningDelta ?? "{}");
  const chunk = { status: d.status ?? "completed" };
  if (d.progress !== undefined) chunk.progress = d.progress;
  if (d.jobId !== undefined) chunk.jobId = d.jobId;
  if (d.model !== undefined) chunk.model = d.model;
  if (d.part === "video") chunk.video = fromBase64(b64);
  else if (d.part === "thumbnail" && b64 !== "") chunk.thumbnail = fromBase64(b64);
  if (m?.usage !== undefined) chunk.usage = m.usage; // the last chunk: seconds and costUsd
  return chunk;
}

RegistryModel.prototype.streamVideo = function streamVideo(prompt, ctx, params) {
  return mediaStreamOf(this, "streamVideo", prompt, ctx, params, videoChunk);
};

/** getVideo: streamVideo read to its end, the MP4's pieces joined once. */
RegistryModel.prototype.getVideo = async function getVideo(prompt, ctx, params) {
  const started = performance.now();
  const stream = this.streamVideo(prompt, ctx, params);
  const parts = [];
  let size = 0;
  let jobId;
  let model;
  let thumbnail;
  let usage;
  for await (const c of stream) {
    jobId ??= c.jobId;
    model ??= c.model;
    if (c.video) parts.push(c.video), (size += c.video.length);
    if (c.thumbnail) thumbnail = c.thumbnail;
    if (c.usage) usage = c.usage;
  }
  const video = new Uint8Array(size);
  let at = 0;
  for (const p of parts) video.set(p, at), (at += p.length);
  const out = { model, latencyMs: performance.now() - started, endpoint: stream.endpoint, attempts: stream.attempts, jobId, format: "mp4", video };
  if (thumbnail) out.thumbnail = thumbnail;
  if (usage) out.usage = usage;
  return out;
};
