// llm-edge/tokens: exact o200k_base / cl100k_base token counts, opt-in. Nothing here loads
// a rank table until loadTokenizer() is called: the tables are gpt-tokenizer's encoding
// modules (o200k_base ≈ 1 MB gzip), imported dynamically so the default entry never carries
// them and a bundler splits them into a chunk of their own.
//
// Counting rules (OpenAI Cookbook, "How to count tokens with tiktoken", sections 6 and 7,
// https://github.com/openai/openai-cookbook/blob/main/examples/How_to_count_tokens_with_tiktoken.ipynb,
// whose published counts were checked there against the API's usage.prompt_tokens):
// - every message costs 3 tokens of framing, plus the tokens of its role and content;
// - a `name` costs its tokens plus 1;
// - every reply is primed with <|start|>assistant<|message|>: 3 tokens;
// - tools: per function 7 (o200k) or 10 (cl100k) tokens, plus "name:description"; 3 more
//   when it has properties, then per property 3 plus "key:type:description", enums -3 and
//   per item 3 plus the item; 12 at the end (a trailing "." of a description is dropped).
// Not published by OpenAI, counted as gpt-tokenizer counts a function_call: each tool call
// of an assistant message costs its name, its arguments and 3.
import { LLMError } from "./api.js";

/** The encodings this entry can load, each as a literal import so bundlers can split it. */
const LOADERS = {
  o200k_base: () => import("gpt-tokenizer/encoding/o200k_base"),
  cl100k_base: () => import("gpt-tokenizer/encoding/cl100k_base"),
};
const ENCODINGS = Object.keys(LOADERS);
const loaded = new Map(); // encoding → Tokenizer
const loading = new Map(); // encoding → Promise<Tokenizer>

const invalid = (message, hint) => new LLMError("invalid_input", message, { hint });

// User text is ordinary text: "<|endoftext|>" typed by a user is counted as the characters
// it is (as the API tokenizes message content), not refused or taken as a special token.
const ORDINARY = { disallowedSpecial: new Set() };

// gpt-tokenizer's merge step is quadratic in the length of one pre-token (a run the split
// pattern keeps whole: letters, punctuation or whitespace with nothing else between): 100,000
// "a"s took about a minute here. Such runs longer than RUN characters are counted in RUN-sized
// pieces, with one token of margin per cut: a cut undoes merges across it, so this stays at
// or above the exact count in every case measured ("a", space, "!", "é" and CJK runs: at
// most 2 tokens over per cut), as a pre-flight check wants. Everything else is counted whole,
// exactly (base64 and hex are split into short pre-tokens by the pattern itself).
const RUN = 1000;
const LONG_RUN = new RegExp(`[\\p{L}\\p{M}]{${RUN + 1},}|[^\\s\\p{L}\\p{N}]{${RUN + 1},}|\\s{${RUN + 1},}`, "gu");

/** Whether `text` has a run over RUN characters of ASCII whitespace or of anything else: a
 *  cheap superset of the runs LONG_RUN finds (a loop over char codes; the Unicode regex over
 *  every text would cost several times the count). */
function mayHaveLongRun(text) {
  if (text.length <= RUN) return false;
  let run = 0;
  let wasSpace = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13);
    if (space === wasSpace) {
      if (++run > RUN) return true;
    } else {
      run = 1;
      wasSpace = space;
    }
  }
  return false;
}

function countText(count, text) {
  if (typeof text !== "string" || text === "") return 0;
  if (!mayHaveLongRun(text)) return count(text, ORDINARY);
  let total = 0;
  let pieces = 0;
  let last = 0;
  const add = (piece) => {
    total += count(piece, ORDINARY);
    pieces++;
  };
  for (const m of text.matchAll(LONG_RUN)) {
    if (m.index > last) add(text.slice(last, m.index));
    const run = m[0];
    for (let i = 0; i < run.length; ) {
      let end = Math.min(i + RUN, run.length);
      const c = run.charCodeAt(end - 1);
      if (end < run.length && c >= 0xd800 && c <= 0xdbff) end--; // never split a surrogate pair
      add(run.slice(i, end));
      i = end;
    }
    last = m.index + run.length;
  }
  if (pieces === 0) return count(text, ORDINARY);
  if (last < text.length) add(text.slice(last));
  return total + pieces - 1;
}

/**
 * Loads an encoding's rank table (once per isolate; later calls return the same tokenizer).
 * Rejects with "unsupported_operation" when the optional peer package gpt-tokenizer is not
 * installed, and "invalid_input" for an encoding this entry does not offer.
 */
export function loadTokenizer(encoding = "o200k_base") {
  if (!Object.hasOwn(LOADERS, encoding)) {
    return Promise.reject(invalid(`loadTokenizer: unknown encoding ${JSON.stringify(encoding)}`, `Use one of ${ENCODINGS.join(", ")}.`));
  }
  if (loaded.has(encoding)) return Promise.resolve(loaded.get(encoding));
  if (!loading.has(encoding)) {
    const p = LOADERS[encoding]().then(
      (mod) => {
        const count = mod.countTokens;
        const tokenizer = Object.freeze({ encoding, countText: (text) => countText(count, text) });
        loaded.set(encoding, tokenizer);
        loading.delete(encoding);
        return tokenizer;
      },
      (e) => {
        loading.delete(encoding);
        throw new LLMError("unsupported_operation", `loadTokenizer("${encoding}") could not load gpt-tokenizer's ${encoding} table: ${e?.message ?? e}`, {
          hint: "Exact counts use the optional peer package gpt-tokenizer: npm install gpt-tokenizer@^4 (bundlers: let it be split into its own chunk).",
          cause: e,
        });
      },
    );
    loading.set(encoding, p);
  }
  return loading.get(encoding);
}

/** The encoding a model id uses, or undefined for an id of no known family. A prefix such as
 *  "openai/" is ignored, as createLLM ignores it. */
export function encodingForModel(model) {
  if (typeof model !== "string") return undefined;
  const id = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4)/.test(id)) return "o200k_base";
  if (/^(gpt-4|gpt-3\.5)/.test(id)) return "cl100k_base";
  return undefined;
}

// ---------------------------------------------------------------- images
//
// OpenAI's documented image costs ("Images and vision" guide, section "Calculating costs",
// https://platform.openai.com/docs/guides/images-vision#calculating-costs, read 2025):
// - patch models (gpt-4.1-mini, gpt-4.1-nano, o4-mini, gpt-5-mini, gpt-5-nano): 32×32 px
//   patches, at most 1536 (a larger image is scaled down to fit, whole patches across its
//   width), times a multiplier (1.62, 2.46, 1.72, 1.62, 2.46); detail does not change it;
// - tile models: detail "low" costs the base; "high" (and "auto", counted as high here) fits
//   the image in 2048×2048, scales its shortest side down to 768, and adds per-tile tokens
//   for each 512 px tile: base/tile 85/170 (gpt-4o, gpt-4.1, gpt-4.5), 2833/5667
//   (gpt-4o-mini), 75/150 (o1, o3), 70/140 (gpt-5), 65/129 (computer-use-preview).
// An image given by URL has no size here: it counts as the most its detail can cost
// (8 tiles, or 1536 patches), so a pre-flight check errs on the side of refusing.
const PATCH = [
  [/^gpt-4\.1-mini/, 1.62],
  [/^gpt-4\.1-nano/, 2.46],
  [/^o4-mini/, 1.72],
  [/^gpt-5-mini/, 1.62],
  [/^gpt-5-nano/, 2.46],
];
const TILE = [
  [/^gpt-4o-mini/, 2833, 5667],
  [/^(o1|o3)/, 75, 150],
  [/^gpt-5/, 70, 140],
  [/^computer-use/, 65, 129],
];
const DEFAULT_TILE = [85, 170]; // gpt-4o, gpt-4.1, gpt-4.5, and ids of no known family

function imageRule(model) {
  const id = typeof model === "string" ? model.slice(model.lastIndexOf("/") + 1).toLowerCase() : "";
  for (const [re, multiplier] of PATCH) if (re.test(id)) return { multiplier };
  for (const [re, base, tile] of TILE) if (re.test(id)) return { base, tile };
  return { base: DEFAULT_TILE[0], tile: DEFAULT_TILE[1] };
}

function patchTokens(w, h, multiplier) {
  const MAX = 1536;
  let patches;
  if (w === undefined) patches = MAX;
  else {
    patches = Math.ceil(w / 32) * Math.ceil(h / 32);
    if (patches > MAX) {
      const shrink = Math.sqrt((MAX * 32 * 32) / (w * h));
      let sw = w * shrink;
      let sh = h * shrink;
      const fit = Math.floor(sw / 32) / (sw / 32); // whole patches across the width
      sw *= fit;
      sh *= fit;
      patches = Math.min(MAX, Math.ceil(sw / 32) * Math.ceil(sh / 32));
    }
  }
  return Math.ceil(patches * multiplier);
}

function tileTokens(w, h, detail, base, tile) {
  if (detail === "low") return base;
  if (w === undefined) return base + 8 * tile; // 768×2048 after scaling: 2 × 4 tiles at most
  if (w > 2048 || h > 2048) {
    const s = 2048 / Math.max(w, h);
    w *= s;
    h *= s;
  }
  if (Math.min(w, h) > 768) {
    const s = 768 / Math.min(w, h);
    w *= s;
    h *= s;
  }
  return base + tile * Math.ceil(Math.floor(w) / 512) * Math.ceil(Math.floor(h) / 512);
}

/** Width and height of a PNG, GIF, JPEG or WebP, or undefined when the bytes do not say. */
export function imageSize(bytes) {
  const b = bytes;
  const n = b.length;
  const u16be = (i) => (b[i] << 8) | b[i + 1];
  const u16le = (i) => b[i] | (b[i + 1] << 8);
  const u32be = (i) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
  if (n >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return [u32be(16), u32be(20)];
  if (n >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return [u16le(6), u16le(8)];
  if (n >= 30 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) {
    const kind = String.fromCharCode(b[12], b[13], b[14], b[15]);
    if (kind === "VP8 ") return [u16le(26) & 0x3fff, u16le(28) & 0x3fff];
    if (kind === "VP8L") return [1 + (((b[22] & 0x3f) << 8) | b[21]), 1 + (((b[24] & 0x0f) << 10) | (b[23] << 2) | ((b[22] & 0xc0) >> 6))];
    if (kind === "VP8X") return [1 + (b[24] | (b[25] << 8) | (b[26] << 16)), 1 + (b[27] | (b[28] << 8) | (b[29] << 16))];
    return undefined;
  }
  if (n >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < n) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1];
      if (marker === 0xff) {
        i++; // fill byte
        continue;
      }
      // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return [u16be(i + 7), u16be(i + 5)];
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        i += 2;
        continue;
      }
      i += 2 + u16be(i + 2);
    }
  }
  return undefined;
}

/** The first bytes of a base64 data: URL, enough for any header imageSize reads. */
function dataUrlHead(url) {
  const m = /^data:[^,]*;base64,/i.exec(url);
  if (!m) return undefined;
  // A JPEG's frame header may follow large metadata segments: decode up to 256 KB of it.
  const b64 = url.slice(m[0].length, m[0].length + 349_528).replace(/[^A-Za-z0-9+/]/g, "");
  const usable = b64.length - (b64.length % 4);
  try {
    const bin = atob(b64.slice(0, usable));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** Tokens an image_url part costs on `model` (see the rules above). */
export function imageTokens(imageUrl, model) {
  const url = typeof imageUrl?.url === "string" ? imageUrl.url : "";
  const head = url.startsWith("data:") ? dataUrlHead(url) : undefined;
  const size = head && imageSize(head);
  const [w, h] = size && size[0] > 0 && size[1] > 0 ? size : [undefined, undefined];
  const rule = imageRule(model);
  return rule.multiplier ? patchTokens(w, h, rule.multiplier) : tileTokens(w, h, imageUrl?.detail, rule.base, rule.tile);
}

// ---------------------------------------------------------------- messages

function tokenizerFor(options, caller) {
  const o = options ?? {};
  if (typeof o !== "object") throw invalid(`${caller}: options must be { model?, encoding?, tools? }`, "e.g. { model: \"gpt-4o\" }");
  const encoding = o.encoding ?? encodingForModel(o.model);
  if (encoding === undefined) {
    throw invalid(`${caller}: no encoding known for model ${JSON.stringify(o.model)}`, `Pass { encoding: "o200k_base" } (gpt-4o, gpt-4.1, gpt-5, o-series) or { encoding: "cl100k_base" } (gpt-4, gpt-3.5-turbo).`);
  }
  if (!Object.hasOwn(LOADERS, encoding)) throw invalid(`${caller}: unknown encoding ${JSON.stringify(encoding)}`, `Use one of ${ENCODINGS.join(", ")}.`);
  const t = loaded.get(encoding);
  if (!t) throw invalid(`${caller}: the ${encoding} tokenizer is not loaded`, `await loadTokenizer("${encoding}") once before counting.`);
  return t;
}

function contentTokens(content, i, countText, model) {
  if (content === null || content === undefined) return 0;
  if (typeof content === "string") return countText(content);
  if (!Array.isArray(content)) throw invalid(`messages[${i}].content must be a string, an array of parts or null`, "See the OpenAI chat message format.");
  let total = 0;
  content.forEach((p, j) => {
    if (p?.type === "text" && typeof p.text === "string") total += countText(p.text);
    else if (p?.type === "image_url" && p.image_url && typeof p.image_url.url === "string") total += imageTokens(p.image_url, model);
    // OpenAI publishes no formula for audio input: the built-in estimate's rate (about 10
    // tokens per second of 16 kHz WAV as base64) stands in for it.
    else if (p?.type === "input_audio" && typeof p.input_audio?.data === "string") total += Math.max(1, Math.floor(p.input_audio.data.length / 4300));
    else throw invalid(`messages[${i}].content[${j}] is not a text, image_url or input_audio part`, "Each part is { type: \"text\", text } or { type: \"image_url\", image_url: { url } } or { type: \"input_audio\", input_audio: { data, format } }.");
  });
  return total;
}

/** The cookbook's tools formula (section 7); the per-function start differs by encoding. */
function toolsTokens(tools, encoding, countText) {
  if (tools === undefined || tools === null) return 0;
  if (!Array.isArray(tools)) throw invalid("tools must be an array of { type: \"function\", function: { name, description?, parameters? } }", "Pass the same tools as the call's params.tools.");
  if (tools.length === 0) return 0;
  const funcInit = encoding === "o200k_base" ? 7 : 10;
  const noDot = (s) => (typeof s === "string" ? (s.endsWith(".") ? s.slice(0, -1) : s) : "");
  let total = 0;
  tools.forEach((t, i) => {
    const f = t?.function;
    if (!f || typeof f.name !== "string") throw invalid(`tools[${i}] has no function.name`, "Each tool is { type: \"function\", function: { name, description?, parameters? } }.");
    total += funcInit + countText(`${f.name}:${noDot(f.description)}`);
    const props = f.parameters?.properties;
    if (props && typeof props === "object" && Object.keys(props).length > 0) {
      total += 3;
      for (const [key, p] of Object.entries(props)) {
        total += 3;
        if (Array.isArray(p?.enum)) {
          total -= 3;
          for (const item of p.enum) total += 3 + countText(String(item));
        }
        total += countText(`${key}:${p?.type ?? ""}:${noDot(p?.description)}`);
      }
    }
  });
  return total + 12;
}

/**
 * Exact prompt tokens of a chat request, by OpenAI's published counting rules (see the top of
 * this file): messages in the OpenAI wire format; options.model picks the encoding and the
 * image rule (or options.encoding the encoding); options.tools are the call's tools. The
 * encoding must be loaded first (await loadTokenizer(...)); counting is synchronous.
 */
export function countTokens(messages, options) {
  const t = tokenizerFor(options, "countTokens");
  if (!Array.isArray(messages)) throw invalid("countTokens: messages must be an array", "Pass the messages you would send, e.g. [{ role: \"user\", content: \"Hi\" }].");
  const { countText } = t;
  const model = options?.model;
  let total = 3; // <|start|>assistant<|message|>
  messages.forEach((m, i) => {
    if (m === null || typeof m !== "object") throw invalid(`messages[${i}] is not an object`, "Each message is { role, content }.");
    if (typeof m.role !== "string") throw invalid(`messages[${i}].role must be a string`, "role is \"system\", \"developer\", \"user\", \"assistant\" or \"tool\".");
    total += 3 + countText(m.role) + contentTokens(m.content, i, countText, model);
    if (typeof m.name === "string" && m.name) total += countText(m.name) + 1;
    // The cookbook counts every string field of a message; tool_call_id is one.
    if (typeof m.tool_call_id === "string") total += countText(m.tool_call_id);
    if (Array.isArray(m.tool_calls)) {
      for (const c of m.tool_calls) total += countText(c?.function?.name) + countText(c?.function?.arguments) + 3;
    }
  });
  return total + toolsTokens(options?.tools, t.encoding, countText);
}

// ---------------------------------------------------------------- the pre-flight check

const LIMIT_HINT = "Shorten or summarise earlier messages, lower maxTokens, or pick a model with a larger context window (see listModels()).";

/** A stream that fails at once with `error`: a ReadableStream and an async iterable. */
function failedStream(error) {
  const s = new ReadableStream({
    start(c) {
      c.error(error);
    },
  });
  if (!s[Symbol.asyncIterator]) {
    s[Symbol.asyncIterator] = () => ({ next: () => Promise.reject(error), return: () => Promise.resolve({ done: true, value: undefined }) });
  }
  return s;
}

/**
 * Wraps a model so every getAnswer / streamAnswer (and getAnswerWithVision) is counted
 * exactly before it is delegated: when prompt + maxTokens cannot fit the context window, it
 * rejects with "token_limit_exceeded" and a hint, and nothing is sent. The window is
 * options.contextWindow, else llm.metadata.contextWindow (0 = unknown: no check); maxTokens
 * is the call's, merged with the model's defaults when the model offers mergeParameters.
 * Loads the encoding for llm.metadata.modelName (or options.encoding) before it resolves.
 * The model's own estimate still runs after this check; it errs high on non-ASCII text, so
 * to make the exact count the only judge, create the model with modelProfile:
 * { contextWindow: 0 } and pass the real window here.
 */
export async function withExactTokens(llm, options = {}) {
  if (llm === null || typeof llm !== "object" || typeof llm.getAnswer !== "function" || typeof llm.streamAnswer !== "function") {
    throw invalid("withExactTokens: pass a model (an object with getAnswer and streamAnswer)", "e.g. withExactTokens(createLLM({ ... })).");
  }
  const meta = llm.metadata ?? {};
  const model = meta.modelName;
  const encoding = options.encoding ?? encodingForModel(model);
  if (encoding === undefined) {
    throw invalid(`withExactTokens: no encoding known for model ${JSON.stringify(model)}`, "Pass { encoding: \"o200k_base\" } or { encoding: \"cl100k_base\" }.");
  }
  await loadTokenizer(encoding);
  const window = Number.isFinite(options.contextWindow) ? options.contextWindow : meta.contextWindow ?? 0;

  const count = (messages, params) => countTokens(messages, { model, encoding, tools: params?.tools });
  /** The LLMError that refuses the call, or undefined when it fits. */
  function check(messages, params) {
    let merged = params;
    if (typeof llm.mergeParameters === "function") {
      try {
        merged = llm.mergeParameters(params);
      } catch {
        merged = params; // bad params: the model itself refuses them with its own error
      }
    }
    const prompt = count(messages, merged);
    const budget = Number.isFinite(merged?.maxTokens) ? merged.maxTokens : 0;
    if (window > 0 && prompt + budget > window) {
      return new LLMError(
        "token_limit_exceeded",
        `the prompt is ${prompt} tokens (${encoding}, exact)${budget ? ` plus maxTokens ${budget}` : ""}; ${model}'s context window is ${window}`,
        { hint: LIMIT_HINT },
      );
    }
    return undefined;
  }
  const refuse = (e) => (e instanceof LLMError ? e : invalid(String(e?.message ?? e), "Check the messages and params."));

  const overrides = {
    getAnswer(messages, ctx, params) {
      let e;
      try {
        e = check(messages, params);
      } catch (x) {
        e = refuse(x);
      }
      return e ? Promise.reject(e) : llm.getAnswer(messages, ctx, params);
    },
    streamAnswer(messages, ctx, params) {
      let e;
      try {
        e = check(messages, params);
      } catch (x) {
        e = refuse(x);
      }
      return e ? failedStream(e) : llm.streamAnswer(messages, ctx, params);
    },
    async getAnswerWithVision({ prompt, images, ctx, params } = {}) {
      if (typeof llm.visionMessages !== "function") return llm.getAnswerWithVision({ prompt, images, ctx, params });
      return overrides.getAnswer(await llm.visionMessages(prompt, images), ctx, params);
    },
    /** This model's exact prompt tokens for messages (and params.tools). */
    countTokens: (messages, params) => count(messages, params),
  };
  return new Proxy(llm, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop];
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
