// A local Azure OpenAI emulator: deployment-style paths, api-version, api-key or Bearer
// auth, request validation per the 2024-10-21 inference spec, per-deployment model rules,
// JSON and SSE answers shaped like Azure's recorded sessions (shared/azure), and fault
// injection. Answers are deterministic, derived from the request, so tests assert exact text.
//
// Three chat paths, with the same answers, directives and faults:
//   POST /openai/deployments/{deployment}/chat/completions?api-version=...   Azure, dated
//   POST /openai/v1/chat/completions        Azure v1: the body's model names the deployment,
//                                           no dated api-version; api-key or Bearer
//   POST /v1/chat/completions               OpenAI: Bearer auth, model required, OpenAI's
//                                           error shape and chunks (no content filter fields)
// Bedrock's POST /model/{modelId}/converse and /converse-stream: see bedrock.mjs.
// Each may sit under a gateway prefix (option `prefix`, or --prefix /gateway): then only
// /gateway/openai/deployments/... and so on are served.
//
//   node tests/emulator/emulator.mjs [--port 8787] [--prefix /gateway] [--usage MODE]
//   import { startEmulator } from "./emulator.mjs"
//
// Prompt directives (anywhere in the last user message):
//   [[words:N]]        answer with N words "w0 w1 ..." (one word per stream chunk)
//   [[fault:NAME]]     inject a fault (see FAULTS below); [[fault:NAME@K]] after K chunks
//   [[delay:MS]]       wait MS between stream chunks
//   [[reasoning:N]]    N reasoning pieces "think0 think1 ..." first, as reasoning_content
//                      deltas (message.reasoning_content when not streaming)
//   [[usage:MODE]]     where usage goes, overriding the option `usageMode` (USAGE_MODES)
//   [[json:TEXT]]      answer with exactly TEXT, which must be JSON (it may hold "]]": the
//                      directive ends at the first "]]" before which the text parses),
//                      streamed in pieces of at most 8 characters; for structured output
// Tool calls need no directive: a request with tools gets a call of the first tool (or of
// tool_choice's), arguments {"input": <last message text>}, until its last message is a
// tool result, which is answered with text.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { media, parseMultipart } from "./media.mjs";
import { video, videoRoute } from "./video.mjs";

// createChatCompletionRequest's properties in the 2024-10-21 spec (a test checks this list
// against shared/azure/spec); reasoning_effort is accepted from 2024-12-01-preview on.
export const SPEC_CHAT_PARAMS = [
  "data_sources", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
  "max_completion_tokens", "max_tokens", "messages", "n", "parallel_tool_calls", "presence_penalty",
  "response_format", "seed", "stop", "stream", "stream_options", "temperature", "tool_choice",
  "tools", "top_logprobs", "top_p", "user",
];
const API_VERSIONS = ["2024-02-01", "2024-06-01", "2024-10-21", "2024-12-01-preview", "2025-01-01-preview", "2025-03-01-preview", "2025-04-01-preview"];

/** What each model refuses, as Azure refuses it. */
const MODEL_RULES = {
  "gpt-4.1-mini": { noMaxTokens: true, fixedSampling: ["temperature"] },
  "o3-mini": { noMaxTokens: true, fixedSampling: ["temperature", "top_p", "presence_penalty", "frequency_penalty"], reasoning: true, textOnly: true },
  "o4-mini": { noMaxTokens: true, fixedSampling: ["temperature", "top_p", "presence_penalty", "frequency_penalty"], reasoning: true },
};

export const DEFAULT_DEPLOYMENTS = {
  "gpt-4.1-mini": "gpt-4.1-mini", "gpt-4.1": "gpt-4.1", "gpt-4.1-nano": "gpt-4.1-nano", "gpt-4o": "gpt-4o",
  "gpt-4o-mini": "gpt-4o-mini", "o3-mini": "o3-mini", "o4-mini": "o4-mini",
  "gpt-image-1": "gpt-image-1", "gpt-image-1-mini": "gpt-image-1-mini", "dall-e-3": "dall-e-3",
  "gpt-4o-mini-tts": "gpt-4o-mini-tts", "tts-1": "tts-1", "tts-1-hd": "tts-1-hd",
  sora: "sora", "sora-2": "sora-2", "sora-2-pro": "sora-2-pro",
};

/** Where a streamed answer's usage goes:
 *  standard      a last chunk with "choices": [] when stream_options.include_usage asks (OpenAI, Azure)
 *  omit          never (llama.cpp ignores include_usage; a non-streamed answer has no usage either)
 *  with-choices  always, on a last chunk whose choices are [{"index":0,"delta":{}}] (LiteLLM)
 *  on-finish     always, on the chunk that carries finish_reason (llm-katan) */
export const USAGE_MODES = ["standard", "omit", "with-choices", "on-finish"];

/** Parameters OpenAI's /v1/chat/completions takes beyond Azure's 2024-10-21 list. */
const OPENAI_EXTRA_PARAMS = ["model", "reasoning_effort", "store", "metadata", "modalities", "audio", "prediction", "service_tier", "web_search_options", "verbosity", "prompt_cache_key", "safety_identifier"];

export const CONTINUE_PROMPT = "Your previous answer was cut off. Continue it exactly where it stopped, without repeating anything.";

const FILTER_OK = { hate: { filtered: false, severity: "safe" }, self_harm: { filtered: false, severity: "safe" }, sexual: { filtered: false, severity: "safe" }, violence: { filtered: false, severity: "safe" } };

/** Azure's error bodies and headers, as recorded (shared/azure/recordings) or documented. */
function errorFor(status, extra = {}) {
  const bodies = {
    400: { error: { message: extra.message ?? "Invalid request.", type: "invalid_request_error", param: extra.param ?? null, code: extra.code ?? null } },
    401: { error: { code: "401", message: "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource." } },
    403: { error: { code: "AuthenticationTypeDisabled", message: "Key based authentication is disabled for this resource." } },
    404: { error: { code: extra.code ?? "DeploymentNotFound", message: extra.message ?? "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again." } },
    408: { error: { code: "Timeout", message: "The operation was timeout." } },
    429: { error: { code: "429", message: "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 5 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit." } },
    500: { error: { code: "InternalServerError", message: "The server had an error while processing your request. Sorry about that!" } },
    502: { error: { code: "BadGateway", message: "Bad gateway." } },
    503: { error: { code: "ServiceUnavailable", message: "The service is temporarily unable to process your request. Please try again later." } },
    504: { error: { code: "GatewayTimeout", message: "The operation was timeout." } },
  };
  const headers = {};
  if (status === 429) Object.assign(headers, { "retry-after": "5", "retry-after-ms": "5000", "x-ratelimit-reset-requests": "5", "x-ratelimit-remaining-requests": "0", "x-ratelimit-remaining-tokens": "0", "policy-id": "DeploymentRatelimit-Call" });
  if (status === 400 || status === 404) Object.assign(headers, { "ms-azureml-model-error-reason": "model_error", "ms-azureml-model-error-statuscode": String(status) });
  return { status, body: bodies[status] ?? bodies[500], headers };
}

/** OpenAI's error bodies (api.openai.com): {"error":{"message","type","param","code"}}. */
function openaiErrorFor(status, extra = {}) {
  const e = (message, type, code = null, param = null) => ({ error: { message, type, param, code } });
  const bodies = {
    400: e(extra.message ?? "Invalid request.", "invalid_request_error", extra.code ?? null, extra.param ?? null),
    401: e("Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"),
    403: e("Country, region, or territory not supported", "request_forbidden", "unsupported_country_region_territory"),
    404: e(extra.message ?? "The model does not exist or you do not have access to it.", "invalid_request_error", extra.code ?? "model_not_found"),
    408: e("Request timed out.", "timeout", null),
    429: e("Rate limit reached for requests. Please try again in 5s.", "requests", "rate_limit_exceeded"),
    500: e("The server had an error while processing your request. Sorry about that!", "server_error"),
    502: e("Bad gateway.", "server_error"),
    503: e("The engine is currently overloaded, please try again later.", "server_error"),
    504: e("Gateway timeout.", "server_error"),
  };
  const headers = {};
  if (status === 429) Object.assign(headers, { "retry-after": "5", "retry-after-ms": "5000", "x-ratelimit-reset-requests": "5s", "x-ratelimit-remaining-requests": "0" });
  return { status, body: bodies[status] ?? bodies[500], headers };
}

export const FAULTS = [
  "400", "401", "403", "404", "408", "429", "500", "502", "503", "504",
  "refuse", // socket destroyed before any response
  "stall-headers", // never answers
  "stall-mid", // streams some chunks, then goes silent
  "reset-mid", // streams some chunks, then the connection is cut
  "html", // a 502 HTML page from a gateway
  "truncated-json", // 200 with half a JSON body (stream: half an event, then the end)
  "invalid-sse", // a data: line that is not JSON
  "drip", // 200 ms between stream chunks
  "content-filter", // Azure's 400 for a filtered prompt
];

// ---------------------------------------------------------------- answers

function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.filter((p) => p && p.type === "text").map((p) => p.text).join("\n");
  return "";
}

/** Reads an image's type and pixel size from its bytes (PNG, JPEG, GIF, WebP). */
export function imageInfo(buf) {
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47) return { type: "png", width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  if (buf.length >= 10 && buf.toString("latin1", 0, 3) === "GIF") return { type: "gif", width: buf.readUInt16LE(6), height: buf.readUInt16LE(8) };
  if (buf.length >= 30 && buf.toString("latin1", 0, 4) === "RIFF" && buf.toString("latin1", 8, 12) === "WEBP") {
    const kind = buf.toString("latin1", 12, 16);
    if (kind === "VP8X") return { type: "webp", width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
    if (kind === "VP8L") { const b = buf.readUInt32LE(21); return { type: "webp", width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 }; }
    if (kind === "VP8 ") return { type: "webp", width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) { i++; continue; }
      const marker = buf[i + 1];
      const len = buf.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { type: "jpeg", width: buf.readUInt16BE(i + 7), height: buf.readUInt16BE(i + 5) };
      i += 2 + len;
    }
    return { type: "jpeg", width: 0, height: 0 };
  }
  return null;
}

function describeImages(messages) {
  const out = [];
  for (const m of messages) {
    if (!Array.isArray(m.content)) continue;
    for (const p of m.content) {
      if (p?.type !== "image_url") continue;
      const url = p.image_url?.url ?? "";
      const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
      if (!match) { out.push(`image ${out.length + 1}: remote ${url.slice(0, 40)}`); continue; }
      const bytes = Buffer.from(match[2], "base64");
      const info = imageInfo(bytes);
      out.push(info ? `image ${out.length + 1}: ${info.type} ${info.width}x${info.height}, ${bytes.length} bytes` : `image ${out.length + 1}: unreadable (${bytes.length} bytes)`);
    }
  }
  return out;
}

/** The deterministic answer, as the list of stream pieces (one per chunk). */
export function answerPieces(messages) {
  const users = messages.filter((m) => m.role === "user");
  const last = users.at(-1);
  let prompt = textOf(last?.content);
  // A continuation request: the answer to the original question minus what was shown.
  if (prompt === CONTINUE_PROMPT && messages.length >= 3 && messages.at(-2).role === "assistant") {
    const shown = textOf(messages.at(-2).content);
    const full = answerPieces(messages.slice(0, -2)).join("");
    const rest = full.startsWith(shown) ? full.slice(shown.length) : full;
    return splitWords(rest);
  }
  const json = jsonDirective(prompt);
  if (json !== undefined) return json.match(/[^]{1,8}/g) ?? [];
  const words = /\[\[words:(\d+)\]\]/.exec(prompt);
  if (words) {
    const n = Math.min(Number(words[1]), 5_000_000);
    const pieces = new Array(n);
    for (let i = 0; i < n; i++) pieces[i] = `w${i} `;
    return pieces;
  }
  prompt = prompt.replace(/\[\[[^\]]*\]\]/g, "").trim();
  const images = describeImages(messages);
  const text = images.length ? `I see ${images.length} image${images.length > 1 ? "s" : ""}: ${images.join("; ")}. You asked: ${prompt}` : `You said: ${prompt}`;
  return splitWords(text);
}

/** The JSON text of a [[json:...]] directive, or undefined: the shortest text after
 *  "[[json:" that parses as JSON and is followed by "]]". */
export function jsonDirective(prompt) {
  const start = prompt.indexOf("[[json:");
  if (start < 0) return undefined;
  const from = start + "[[json:".length;
  for (let end = prompt.indexOf("]]", from); end >= 0; end = prompt.indexOf("]]", end + 1)) {
    const text = prompt.slice(from, end);
    try {
      JSON.parse(text);
      return text;
    } catch {}
  }
  return undefined;
}

function splitWords(text) {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function directive(messages, name) {
  const last = messages.filter((m) => m.role === "user").at(-1);
  const m = new RegExp(`\\[\\[${name}:([^\\]@]+)(?:@(\\d+))?\\]\\]`).exec(textOf(last?.content));
  return m ? { value: m[1], at: m[2] !== undefined ? Number(m[2]) : undefined } : undefined;
}

function estimateTokens(messages) {
  return messages.reduce((n, m) => n + 4 + Math.ceil(textOf(m.content).length / 4), 3);
}

// ---------------------------------------------------------------- validation

function validate(body, model, apiVersion, kind = "deployments") {
  // The OpenAI SDKs always send `model`; Azure ignores it rather than rejecting it.
  const allowed = new Set([...SPEC_CHAT_PARAMS, "model"]);
  if (kind !== "deployments" || apiVersion >= "2024-12-01") allowed.add("reasoning_effort");
  if (kind === "openai") for (const p of OPENAI_EXTRA_PARAMS) allowed.add(p);
  const fail = kind === "openai" ? openaiErrorFor : errorFor;
  for (const k of Object.keys(body)) {
    if (!allowed.has(k)) return fail(400, { message: `Unrecognized request argument supplied: ${k}` });
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return fail(400, { message: "'$.messages' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", param: "messages" });
  for (const [i, m] of body.messages.entries()) {
    if (!m || !["system", "developer", "user", "assistant", "tool", "function"].includes(m.role)) return fail(400, { message: `Invalid value for 'messages[${i}].role'.`, param: `messages[${i}].role`, code: "invalid_value" });
  }
  // OpenAI's own gpt-4.1 models take max_tokens and temperature; only reasoning models refuse them.
  const rules = kind === "openai" && !MODEL_RULES[model]?.reasoning ? {} : MODEL_RULES[model] ?? {};
  if (rules.noMaxTokens && body.max_tokens !== undefined) {
    return fail(400, { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", param: "max_tokens", code: "unsupported_parameter" });
  }
  for (const p of rules.fixedSampling ?? []) {
    if (body[p] !== undefined && body[p] !== (p === "temperature" || p === "top_p" ? 1 : 0)) {
      return fail(400, { message: `Unsupported value: '${p}' does not support ${body[p]} with this model. Only the default (${p === "temperature" || p === "top_p" ? 1 : 0}) value is supported.`, param: p, code: "unsupported_value" });
    }
  }
  if (body.reasoning_effort !== undefined && !rules.reasoning) {
    return fail(400, { message: "Unrecognized request argument supplied: reasoning_effort" });
  }
  if (rules.textOnly && body.messages.some((m) => Array.isArray(m.content) && m.content.some((p) => p?.type === "image_url"))) {
    return fail(400, { message: "Invalid content type. image_url is only supported by certain models.", param: "messages", code: "invalid_value" });
  }
  return null;
}

// ---------------------------------------------------------------- the server

/** "/gateway/" → "/gateway"; "" or undefined → "". */
function normalizePrefix(p) {
  if (!p) return "";
  const s = ("/" + String(p)).replace(/\/+/g, "/").replace(/\/+$/, "");
  return s === "/" ? "" : s;
}

/**
 * Starts an emulator on 127.0.0.1. Options: port (0 = any), keys (accepted api-keys),
 * tokens (accepted bearer tokens), deployments ({ name: modelId }; on the v1 and OpenAI
 * paths the body's model is looked up here), region (x-ms-region), fault (a fault applied
 * to every request until cleared), faultTimes (how many requests), prefix (a gateway path
 * prefix, e.g. "/gateway"), usageMode (USAGE_MODES), requireAuth (false: the OpenAI path
 * takes requests without a key, as llama.cpp does by default).
 */
export async function startEmulator(opts = {}) {
  const keys = new Set(opts.keys ?? ["test-key"]);
  const tokens = new Set(opts.tokens ?? ["test-token"]);
  const deployments = { ...DEFAULT_DEPLOYMENTS, ...(opts.deployments ?? {}) };
  // Random faults: each request is faulted with probability faultRate, the fault drawn from
  // faultMix (a seeded generator, so runs repeat).
  let seed = (opts.seed ?? 1) >>> 0 || 1;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const state = { faultRate: opts.faultRate ?? 0, faultMix: opts.faultMix ?? ["503", "500", "refuse", "reset-mid", "stall-headers"], fault: opts.fault, faultTimes: opts.faultTimes ?? Infinity, faultAt: opts.faultAt ?? 2, latencyMs: opts.latencyMs ?? 0, requests: [], region: opts.region ?? "East US", prefix: normalizePrefix(opts.prefix), usageMode: opts.usageMode ?? "standard", requireAuth: opts.requireAuth ?? true };
  const sockets = new Set();
  const replay = new Map();
  const images = new Map(); // dall-e-3 URLs: id → PNG bytes
  const jobs = new Map(); // video jobs (and Sora generations): id → job
  const bedrockOptions = opts.bedrock ?? {}; // read per request: tests may change clockSkewMs
  let bedrock;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, { error: { code: "InternalServerError", message: String(e) } });
      else res.destroy();
    });
  });
  // Idle keep-alive sockets stay open longer than fetch's (undici's 4 s) reuse window, so a
  // slow client never sends a request on a socket the server is closing ("other side closed").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  function baseHeaders(req) {
    return {
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "apim-request-id, x-ms-region, x-ratelimit-remaining-requests, x-ratelimit-remaining-tokens, x-ms-client-request-id",
      "apim-request-id": randomUUID(),
      "x-ms-region": state.region,
      "x-content-type-options": "nosniff",
      "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
      ...(req.headers["x-ms-client-request-id"] ? { "x-ms-client-request-id": req.headers["x-ms-client-request-id"] } : {}),
    };
  }

  function send(res, status, body, headers = {}, req) {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...(req ? baseHeaders(req) : {}), "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  async function readBody(req) {
    const parts = [];
    for await (const c of req) parts.push(c);
    return Buffer.concat(parts);
  }

  /** Which chat path a request's pathname names (after the gateway prefix), if any. */
  function route(pathname) {
    let path = pathname;
    if (state.prefix) {
      if (!path.startsWith(state.prefix + "/")) return { kind: undefined };
      path = path.slice(state.prefix.length);
    }
    // Video jobs (tests/emulator/video.mjs).
    const v = videoRoute(path);
    if (v) return { kind: v.kind, video: v };
    const d = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(path);
    if (d) return { kind: "deployments", deployment: decodeURIComponent(d[1]) };
    if (path === "/openai/v1/chat/completions") return { kind: "azure-v1" };
    if (path === "/v1/chat/completions") return { kind: "openai" };
    // Media (tests/emulator/media.mjs): images/generations and audio/speech on each style.
    const m = /^(?:\/openai\/deployments\/([^/]+)|(\/openai\/v1)|\/v1)\/(images\/generations|images\/edits|audio\/speech)$/.exec(path);
    if (m) return { kind: m[1] !== undefined ? "deployments" : m[2] ? "azure-v1" : "openai", deployment: m[1] && decodeURIComponent(m[1]), op: m[3] };
    return { kind: undefined, openaiLike: path.startsWith("/v1/") };
  }

  /** The request's headers with credentials masked, for the request log. */
  function loggedHeaders(h) {
    const out = {};
    for (const [k, v] of Object.entries(h)) out[k] = k === "api-key" || k === "authorization" ? "<redacted>" : v;
    return out;
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://127.0.0.1");
    if (req.method === "OPTIONS") {
      res.writeHead(200, {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
        "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "api-key, authorization, content-type, x-ms-client-request-id",
        "access-control-max-age": "86400",
      });
      return res.end();
    }
    // Control plane for tests and the demo: per-endpoint faults and the request log.
    if (url.pathname === "/__emulator/config" && req.method === "POST") {
      const c = JSON.parse((await readBody(req)).toString("utf8") || "{}");
      state.fault = c.fault ?? undefined;
      state.faultTimes = c.times ?? Infinity;
      state.faultAt = c.at ?? 2;
      if (c.latencyMs !== undefined) state.latencyMs = c.latencyMs;
      if (c.usageMode !== undefined) state.usageMode = c.usageMode ?? "standard";
      if (c.prefix !== undefined) state.prefix = normalizePrefix(c.prefix);
      return send(res, 200, { fault: state.fault ?? null, times: state.faultTimes === Infinity ? null : state.faultTimes, usageMode: state.usageMode, prefix: state.prefix || null }, { "access-control-allow-origin": "*" });
    }
    const stored = /^\/__emulator\/images\/([\w-]+)\.png$/.exec(url.pathname);
    if (stored && images.has(stored[1])) {
      res.writeHead(200, { "content-type": "image/png", "access-control-allow-origin": "*" });
      return res.end(images.get(stored[1]));
    }
    if (url.pathname === "/__emulator/requests") {
      return send(res, 200, state.requests, { "access-control-allow-origin": "*" });
    }
    // Bedrock's Converse routes (tests/emulator/bedrock.mjs, loaded on first use).
    if (req.method === "POST" && /^\/model\/[^/]+\/converse(-stream)?$/.test(url.pathname)) {
      bedrock ??= import("./bedrock.mjs").then((m) => m.createBedrock(bedrockOptions, state, random));
      return (await bedrock).handle(req, res, url);
    }
    const r = route(url.pathname);
    const kind = r.kind;
    const rawBytes = await readBody(req);
    const raw = rawBytes.toString("utf8");
    const entry = { method: req.method, path: url.pathname, kind: kind ?? null, apiVersion: url.searchParams.get("api-version"), auth: req.headers["api-key"] ? "api-key" : req.headers.authorization ? "bearer" : "none", requestId: req.headers["x-ms-client-request-id"], headers: loggedHeaders(req.headers), body: undefined, at: Date.now() };
    state.requests.push(entry);
    // Whether the client went away before the answer was complete (aborts, cancels).
    res.on("close", () => {
      entry.closedEarly = !res.writableFinished;
    });
    if (state.requests.length > 10_000) state.requests.splice(0, state.requests.length - 10_000);
    // Image edits come as multipart form data: its text fields become the body, its files
    // are kept aside (the log records their names, types and sizes).
    let files;
    let formError;
    if (/^multipart\/form-data/i.test(req.headers["content-type"] ?? "")) {
      const form = parseMultipart(rawBytes, req.headers["content-type"]);
      if (typeof form === "string") formError = form;
      else {
        entry.body = form.fields;
        files = form.files;
        entry.files = files.map((f) => ({ name: f.name, filename: f.filename, contentType: f.contentType, size: f.data.length }));
      }
    } else {
      try {
        entry.body = raw ? JSON.parse(raw) : undefined;
      } catch {}
    }
    const openai = kind === "openai" || (kind === undefined && r.openaiLike);
    const fail = (status, extra) => {
      const e = openai ? openaiErrorFor(status, extra) : errorFor(status, extra);
      return send(res, e.status, e.body, e.headers, req);
    };

    // Faults decided before anything else, as an outage would be.
    let fault = state.fault;
    if (fault && state.faultTimes > 0) state.faultTimes--;
    else fault = undefined;
    if (!fault && state.faultRate > 0 && random() < state.faultRate) {
      fault = state.faultMix[Math.floor(random() * state.faultMix.length)];
      entry.fault = fault;
    }
    const messages = r.op || r.video ? [{ role: "user", content: String(entry.body?.prompt ?? entry.body?.input ?? "") }] : Array.isArray(entry.body?.messages) ? entry.body.messages : [];
    const requested = directive(messages, "fault");
    let faultAt = state.faultAt;
    if (requested) {
      fault = requested.value;
      if (requested.at !== undefined) faultAt = requested.at;
    }
    // latencyMs may be a function of the request's log entry (a slow tail on some requests).
    const latency = typeof state.latencyMs === "function" ? state.latencyMs(entry) : state.latencyMs;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if (fault === "refuse") return req.socket.destroy();
    if (fault === "stall-headers") return; // the client's timeout or abort ends it
    if (/^\d{3}$/.test(fault ?? "")) return fail(Number(fault));
    if (fault === "content-filter") {
      const body = { error: { message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.", type: null, param: "prompt", code: "content_filter", status: 400, innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: { ...FILTER_OK, violence: { filtered: true, severity: "medium" } } } } };
      return send(res, 400, body, {}, req);
    }
    if (fault === "html") {
      res.writeHead(502, { "content-type": "text/html" });
      return res.end("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>");
    }

    if ((req.method !== "POST" && !r.video) || !kind) {
      if (openai) return fail(404, { message: `Invalid URL (${req.method} ${url.pathname})`, code: null });
      return send(res, 404, { error: { code: "404", message: "Resource not found" } }, {}, req);
    }
    const apiVersion = url.searchParams.get("api-version");
    if (kind === "deployments" && (!apiVersion || !API_VERSIONS.includes(apiVersion))) return send(res, 404, { error: { code: "404", message: "Resource not found" } }, {}, req);
    // The v1 API takes no dated version (only "v1", "latest" or "preview").
    if (kind === "azure-v1" && apiVersion !== null && !["v1", "latest", "preview"].includes(apiVersion)) {
      return fail(400, { message: "api-version query parameter is not allowed when using /v1 path", code: "BadRequest" });
    }
    const key = req.headers["api-key"];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    let authorized;
    if (kind === "deployments") authorized = key !== undefined ? keys.has(key) : bearer !== undefined && tokens.has(bearer);
    // The v1 API also takes the api key as a bearer token (what the stock OpenAI client sends).
    else if (kind === "azure-v1") authorized = key !== undefined ? keys.has(key) : bearer !== undefined && (tokens.has(bearer) || keys.has(bearer));
    // OpenAI reads only Authorization: Bearer; an api-key header means nothing to it.
    else authorized = !state.requireAuth || (bearer !== undefined && (keys.has(bearer) || tokens.has(bearer)));
    if (!authorized) return fail(401);
    const videoHeaders = (type) => ({ ...baseHeaders(req), "content-type": type });
    // A job's later requests (status, content, delete) name the job, not a deployment.
    if (r.video && r.video.id !== undefined) return video({ req, res, route: r.video, fail, send, headers: videoHeaders, jobs });

    if (formError) return fail(400, { message: `Could not parse multipart form: ${formError}`, type: "invalid_request_error", code: "invalid_multipart" });
    let deployment;
    if (kind === "deployments") deployment = r.deployment;
    else {
      if (entry.body === undefined) return fail(400, { message: "We could not parse the JSON body of your request." });
      deployment = entry.body.model;
      if (typeof deployment !== "string" || deployment === "") {
        return openai ? fail(400, { message: "you must provide a model parameter" }) : fail(400, { message: "Missing required parameter: 'model'.", param: "model", code: "missing_required_parameter" });
      }
    }
    const model = deployments[deployment];
    if (!model) return openai ? fail(404, { message: `The model \`${deployment}\` does not exist or you do not have access to it.` }) : fail(404);
    if (entry.body === undefined) return fail(400, { message: "We could not parse the JSON body of your request." });
    if (r.video) return video({ req, res, route: r.video, body: entry.body, model, fail, send, headers: videoHeaders, jobs });
    if (r.op) return media({ files, req, res, op: r.op, kind, model, apiVersion, body: entry.body, prompt: messages[0].content, fault, faultAt, fail, send, baseHeaders, images });
    const invalid = validate(entry.body, model, apiVersion, kind);
    if (invalid) return send(res, invalid.status, invalid.body, invalid.headers, req);

    const body = entry.body;
    const azure = !openai;
    const usageMode = directive(messages, "usage")?.value ?? state.usageMode;
    const limit = body.max_completion_tokens ?? body.max_tokens;
    let pieces = answerPieces(messages);
    const reasoningDir = directive(messages, "reasoning");
    const reasoning = reasoningDir ? Array.from({ length: Math.min(Number(reasoningDir.value) || 0, 100_000) }, (_, i) => `think${i} `) : [];
    let finish = "stop";
    const tool = pickTool(body);
    if (tool) finish = "tool_calls";
    if (!tool && limit !== undefined && pieces.length > limit) {
      pieces = pieces.slice(0, limit);
      finish = "length";
    }
    const promptTokens = estimateTokens(messages);
    const completionTokens = pieces.length + reasoning.length;
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    if (reasoning.length) usage.completion_tokens_details = { reasoning_tokens: reasoning.length };
    const id = `chatcmpl-${randomUUID().replace(/-/g, "").slice(0, 29)}`;
    const created = Math.floor(Date.now() / 1000);
    const modelName = `${model}-2025-04-14`;
    const rateHeaders = azure
      ? { "x-ratelimit-remaining-requests": "99", "x-ratelimit-remaining-tokens": "99000", "x-ms-rai-invoked": "true", "azureml-model-session": "d001-20250101" }
      : { "x-ratelimit-remaining-requests": "99", "x-ratelimit-remaining-tokens": "99000", "openai-processing-ms": "1", "x-request-id": `req_${randomUUID().replace(/-/g, "")}` };

    if (!body.stream) {
      if (fault === "reset-mid" || fault === "stall-mid") {
        // Half the body, then the connection is cut (or goes silent).
        res.writeHead(200, { ...baseHeaders(req), "content-type": "application/json" });
        res.write('{"id":"chatcmpl-x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis');
        if (fault === "reset-mid") setTimeout(() => res.destroy(), 20);
        return;
      }
      if (fault === "truncated-json" || fault === "invalid-sse") {
        res.writeHead(200, { ...baseHeaders(req), "content-type": "application/json" });
        return res.end('{"id":"chatcmpl-x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis');
      }
      const message = tool
        ? { role: "assistant", content: null, tool_calls: [{ id: `call_${id.slice(-8)}`, type: "function", function: { name: tool, arguments: JSON.stringify({ input: textOf(messages.at(-1)?.content) }) } }] }
        : { role: "assistant", content: pieces.join("") };
      if (reasoning.length) message.reasoning_content = reasoning.join("");
      if (!azure) Object.assign(message, { refusal: null, annotations: [] });
      const out = azure
        ? {
            choices: [{ content_filter_results: tool ? {} : FILTER_OK, finish_reason: finish, index: 0, logprobs: null, message }],
            created, id, model: modelName, object: "chat.completion",
            prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTER_OK }],
            system_fingerprint: "fp_emulator", usage,
          }
        : { id, object: "chat.completion", created, model: modelName, choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage, service_tier: "default", system_fingerprint: "fp_emulator" };
      if (usageMode === "omit") delete out.usage;
      return send(res, 200, out, rateHeaders, req);
    }

    // Benchmarks replay the same large body many times: build it once, serve it from memory,
    // so the server's own JSON work does not sit in the client's measurement.
    const lastText = textOf(messages.filter((m) => m.role === "user").at(-1)?.content);
    const replayKey = /^\[\[words:\d+\]\]$/.test(lastText.trim()) && !fault && !tool && messages.length === 1 ? `${kind}|${usageMode}|${model}|${lastText.trim()}|${limit}|${Boolean(body.stream_options?.include_usage)}` : undefined;
    if (replayKey && replay.has(replayKey)) {
      const buf = replay.get(replayKey);
      res.writeHead(200, { ...baseHeaders(req), ...rateHeaders, "content-type": "text/event-stream", "cache-control": "must-revalidate, no-cache", "x-accel-buffering": "no", "content-length": buf.length });
      return res.end(buf);
    }
    const recorded = replayKey ? [] : undefined;

    // Streaming, in the order Azure (or OpenAI) sends it (see shared/azure/recordings and fixtures).
    res.writeHead(200, { ...baseHeaders(req), ...rateHeaders, "content-type": "text/event-stream", "cache-control": "must-revalidate, no-cache", "x-accel-buffering": "no" });
    const delayDir = directive(messages, "delay");
    const delay = fault === "drip" ? 200 : delayDir ? Number(delayDir.value) : 0;
    const includeUsage = Boolean(body.stream_options?.include_usage);
    const head = { created, id, model: modelName, object: "chat.completion.chunk", system_fingerprint: "fp_emulator" };
    if (!azure) {
      head.service_tier = "default";
      if (includeUsage && usageMode === "standard") head.usage = null; // OpenAI marks every chunk but the last
    }
    // One choice of a chunk: Azure adds content_filter_results (per-delta for text).
    const choice = (delta, finishReason = null, filter = {}) => (azure ? { content_filter_results: filter, delta, finish_reason: finishReason, index: 0, logprobs: null } : { index: 0, delta, logprobs: null, finish_reason: finishReason });
    const events = [];
    if (azure) events.push({ choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTER_OK }] });
    events.push({ choices: [choice({ content: "", refusal: null, role: "assistant" })], ...head });
    for (const r of reasoning) events.push({ choices: [choice({ reasoning_content: r })], ...head });
    if (tool) {
      const args = JSON.stringify({ input: textOf(messages.at(-1)?.content) });
      events.push({ choices: [choice({ content: null, role: "assistant", tool_calls: [{ index: 0, id: `call_${id.slice(-8)}`, type: "function", function: { name: tool, arguments: "" } }] })], ...head });
      for (let i = 0; i < args.length; i += 5) events.push({ choices: [choice({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 5) } }] })], ...head });
    }
    const contentStart = events.length;
    if (!tool) for (const p of pieces) events.push({ choices: [choice({ content: p }, null, FILTER_OK)], ...head });
    const finishEvent = { choices: [choice({}, finish)], ...head };
    if (usageMode === "on-finish") finishEvent.usage = usage;
    events.push(finishEvent);
    // Asynchronous content filtering reports after the finish (fixtures/…async_filter…).
    if (azure) events.push({ choices: [{ content_filter_offsets: { check_offset: 0, start_offset: 0, end_offset: pieces.join("").length }, content_filter_results: FILTER_OK, finish_reason: null, index: 0 }], created: 0, id: "", model: "", object: "" });
    if (usageMode === "standard" && includeUsage) events.push({ choices: [], ...head, usage });
    if (usageMode === "with-choices") events.push({ ...head, choices: [{ index: 0, delta: {} }], usage });

    const faultIndex = contentStart + faultAt;
    const write = (s) => {
      recorded?.push(s);
      return res.write(s) ? null : new Promise((r) => res.once("drain", r));
    };
    // Without a delay, events go out in large writes (like a fast upstream) so that
    // throughput benchmarks measure the client, not this server.
    let buf = "";
    for (let i = 0; i < events.length; i++) {
      if (i === faultIndex && fault) {
        if (buf) { await write(buf); buf = ""; }
        if (fault === "reset-mid") { await new Promise((r) => setTimeout(r, 20)); return res.destroy(); }
        if (fault === "stall-mid") return; // silence; the client's idle timeout ends it
        if (fault === "invalid-sse") { res.end("data: {this is not json}\n\n"); return; }
        if (fault === "truncated-json") { res.end('data: {"choices":[{"delta":{"content":"tru'); return; }
      }
      buf += `data: ${JSON.stringify(events[i])}\n\n`;
      if (delay > 0) {
        await write(buf);
        buf = "";
        await new Promise((r) => setTimeout(r, delay));
        if (res.destroyed) return;
      } else if (buf.length >= 65536) {
        const p = write(buf);
        buf = "";
        if (p) await p;
        if (res.destroyed) return;
      }
    }
    buf += "data: [DONE]\n\n";
    if (recorded) {
      recorded.push(buf);
      replay.set(replayKey, Buffer.from(recorded.join("")));
    }
    res.end(buf);
  }

  function pickTool(body) {
    if (!Array.isArray(body.tools) || body.tools.length === 0 || body.tool_choice === "none") return undefined;
    if (body.tool_choice?.function?.name) return body.tool_choice.function.name;
    // Answer a tool result with text; otherwise call the first tool.
    if (body.messages.at(-1)?.role === "tool") return undefined;
    return body.tools[0]?.function?.name;
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", resolve);
  });
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    /** A fault for this endpoint's next `times` requests (all by default); mid-stream
     *  faults strike after `at` content chunks. */
    setFault(fault, times = Infinity, at = 2) {
      state.fault = fault;
      state.faultTimes = times;
      state.faultAt = at;
    },
    /** Delay before the answer's headers: ms, or a function of the request's log entry. */
    setLatency(ms) {
      state.latencyMs = ms;
    },
    /** Where streamed usage goes from now on (USAGE_MODES). */
    setUsageMode(mode = "standard") {
      state.usageMode = mode;
    },
    /** The gateway prefix requests must carry from now on ("" for none). */
    setPrefix(prefix) {
      state.prefix = normalizePrefix(prefix);
    },
    requests: state.requests,
    /** The Bedrock routes' options (credentials, apiKeys, clockSkewMs), live. */
    bedrock: bedrockOptions,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const emu = await startEmulator({
    port: Number(arg("--port", 8787)),
    faultRate: Number(arg("--fault-rate", 0)),
    seed: Number(arg("--seed", 1)),
    keys: arg("--key") ? [arg("--key")] : undefined,
    prefix: arg("--prefix"),
    usageMode: arg("--usage"),
    requireAuth: !process.argv.includes("--no-auth"),
  });
  const at = `${emu.url}${emu.state.prefix}`;
  console.log(`Azure OpenAI emulator on ${emu.url} (api-key "test-key"; deployments: ${Object.keys(DEFAULT_DEPLOYMENTS).join(", ")}; paths: ${at}/openai/deployments/{name}/chat/completions, ${at}/openai/v1/chat/completions, ${at}/v1/chat/completions)`);
}
