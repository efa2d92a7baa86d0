// AWS Bedrock routes of the emulator: POST /model/{modelId}/converse (JSON) and
// /model/{modelId}/converse-stream (application/vnd.amazon.eventstream, real framing:
// prelude, headers, payload, both CRCs, written by AWS's own @smithy/eventstream-codec).
//
// Auth as AWS checks it: SigV4 recomputed with @smithy/signature-v4 over the signed headers
// (unknown key id or session token → 403 UnrecognizedClientException; a wrong signature →
// 403 InvalidSignatureException; a signing time more than 5 minutes off the server's clock
// → 403 "Signature expired" / "Signature not yet current" with the server's time in the
// message and the Date header), or a Bedrock API key as a bearer token (a wrong one → 403
// "Authentication failed"). Errors are restJson1 as Bedrock sends them: `{"message"}` with
// the type in x-amzn-ErrorType.
//
// Answers are the chat routes' (answerPieces: "You said: ...", [[words:N]], [[json:...]]);
// [[reasoning:N]] puts N reasoning pieces first (reasoningContent); a request with tools gets a
// toolUse of the first tool (or toolChoice's) with input {"input": <last text>} until its
// last message carries a toolResult.
//
// Faults, chosen as on the chat routes (the emulator's fault / faultTimes / faultRate
// state, or [[fault:NAME]] / [[fault:NAME@K]] in the last user message, K = events first):
//   400 403 404 408 429 500 503   Bedrock's error for that status before any answer
//   x-<exceptionType>             ConverseStream: an exception frame after K events
//                                 (throttlingException, modelStreamErrorException,
//                                 internalServerException, serviceUnavailableException,
//                                 validationException); Converse: its HTTP error
//   crc                           the K-th frame's message CRC corrupted
//   big-frame                     a 2 MB text delta after K events
//   stall-mid / reset-mid         silence / a cut connection after K events
//   stall-headers / refuse        no answer / the socket destroyed
//   skewed-clock                  this request judged by a clock 15 minutes ahead
//   echo-credentials              a 400 quoting the Authorization header and session token
// Options (startEmulator({ bedrock: {...} })): credentials ([{ accessKeyId,
// secretAccessKey, sessionToken? }]), apiKeys ([...]), clockSkewMs (the server's clock
// minus the real one).
import { randomUUID } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { toUtf8, fromUtf8 } from "@smithy/util-utf8";
import { answerPieces } from "./emulator.mjs";

import { BEDROCK_CREDENTIALS, BEDROCK_API_KEY } from "./bedrock-credentials.mjs";
export { BEDROCK_CREDENTIALS, BEDROCK_API_KEY };

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const CONVERSE_FIELDS = ["messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig", "additionalModelRequestFields", "promptVariables", "additionalModelResponseFieldPaths", "requestMetadata", "performanceConfig"];
/** Status and message of each Bedrock error type (the Smithy model's httpError codes). */
const ERRORS = {
  ValidationException: [400, "Malformed input request, please reformat your input and try again."],
  AccessDeniedException: [403, "You don't have access to the model with the specified model ID."],
  ResourceNotFoundException: [404, "The provided model identifier is invalid."],
  ModelTimeoutException: [408, "Model has timed out in processing the request. Try your request again."],
  ModelErrorException: [424, "The system encountered an unexpected error during processing. Try your request again."],
  ModelStreamErrorException: [424, "The model stream failed."],
  ThrottlingException: [429, "Too many requests, please wait before trying again."],
  InternalServerException: [500, "The server encountered an internal error while processing the request."],
  ServiceUnavailableException: [503, "Bedrock is unable to process your request."],
};
const BY_STATUS = { 400: "ValidationException", 403: "AccessDeniedException", 404: "ResourceNotFoundException", 408: "ModelTimeoutException", 424: "ModelErrorException", 429: "ThrottlingException", 500: "InternalServerException", 503: "ServiceUnavailableException" };

/** "/model/{id}/converse" or "/model/{id}/converse-stream": { modelId, stream }, or null. */
function bedrockRoute(pathname) {
  const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(pathname);
  return m ? { modelId: decodeURIComponent(m[1]), stream: m[2] === "converse-stream" } : null;
}

const amzDate = (ms) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
const parseAmzDate = (s) => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? "");
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
};

function textOfBlocks(content) {
  return Array.isArray(content) ? content.filter((b) => typeof b?.text === "string").map((b) => b.text).join("\n") : "";
}

function faultDirective(lastText) {
  const m = /\[\[fault:([^\]@]+)(?:@(\d+))?\]\]/.exec(lastText);
  return m ? { value: m[1], at: m[2] !== undefined ? Number(m[2]) : undefined } : undefined;
}

/**
 * The Bedrock handler, sharing the emulator's state (faults, request log) and random
 * generator; `opts` is read per request. Returns { handle(req, res, url) }.
 */
export function createBedrock(opts, state, random) {
  const creds = new Map((opts.credentials ?? [BEDROCK_CREDENTIALS]).map((c) => [c.accessKeyId, c]));
  const apiKeys = new Set(opts.apiKeys ?? [BEDROCK_API_KEY]);

  const corsHeaders = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "x-amzn-requestid, x-amzn-errortype, date",
  };

  function error(res, type, message, extra = {}) {
    const [status, def] = ERRORS[type] ?? [extra.status ?? 400, "Error"];
    const body = JSON.stringify({ message: message ?? def, ...(extra.body ?? {}) });
    res.writeHead(extra.status ?? status, {
      ...corsHeaders,
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "x-amzn-requestid": randomUUID(),
      "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      ...(extra.headers ?? {}),
    });
    res.end(body);
  }

  /** SigV4 or a bearer key, checked as AWS does; answers and returns false when refused. */
  async function authorize(req, res, url, raw, serverNow) {
    const auth = req.headers.authorization ?? "";
    const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
    if (bearer !== undefined) {
      if (apiKeys.has(bearer)) return "api-key";
      const body = JSON.stringify({ Message: "Authentication failed: Please make sure your API Key is valid." });
      res.writeHead(403, { ...corsHeaders, "content-type": "application/json", "x-amzn-requestid": randomUUID(), "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/" });
      res.end(body);
      return false;
    }
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) {
      error(res, "MissingAuthenticationTokenException", "Missing Authentication Token", { status: 403 });
      return false;
    }
    const [, akid, , region, service, signedList, signature] = m;
    const known = creds.get(akid);
    const token = req.headers["x-amz-security-token"];
    if (!known || (known.sessionToken ?? undefined) !== (token ?? undefined)) {
      error(res, "UnrecognizedClientException", "The security token included in the request is invalid.", { status: 403 });
      return false;
    }
    const signed = signedList.split(";");
    const amz = req.headers["x-amz-date"];
    const signedAt = parseAmzDate(amz);
    if (!signed.includes("host") || !signed.includes("x-amz-date") || Number.isNaN(signedAt)) {
      error(res, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", { status: 403 });
      return false;
    }
    const FIVE = 5 * 60_000;
    const skewAnswer = (msg) => error(res, "InvalidSignatureException", msg, { status: 403, headers: { date: new Date(serverNow).toUTCString() } });
    if (signedAt < serverNow - FIVE) {
      skewAnswer(`Signature expired: ${amz} is now earlier than ${amzDate(serverNow - FIVE)} (${amzDate(serverNow)} - 5 min.)`);
      return false;
    }
    if (signedAt > serverNow + FIVE) {
      skewAnswer(`Signature not yet current: ${amz} is still later than ${amzDate(serverNow + FIVE)} (${amzDate(serverNow)} + 5 min.)`);
      return false;
    }
    // Recompute with AWS's signer over exactly the signed headers, as sent.
    const headers = {};
    for (const h of signed) if (req.headers[h] !== undefined) headers[h] = String(req.headers[h]);
    const query = {};
    for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : [].concat(query[k], v);
    const signer = new SignatureV4({ credentials: { accessKeyId: akid, secretAccessKey: known.secretAccessKey, sessionToken: token }, region, service, sha256: Sha256, uriEscapePath: true, applyChecksum: false });
    const rawPath = req.url.split("?")[0];
    const want = await signer.sign({ method: req.method, protocol: "http:", hostname: headers.host, path: rawPath, query, headers, body: raw }, { signingDate: new Date(signedAt), signableHeaders: new Set(signed) });
    const wantSig = /Signature=([0-9a-f]{64})$/.exec(want.headers.authorization)?.[1];
    if (service !== "bedrock" || wantSig !== signature) {
      error(res, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", { status: 403 });
      return false;
    }
    return "sigv4";
  }

  /** The answer as Converse content: reasoning pieces, text pieces or a tool use. */
  function answerFor(body) {
    const messages = body.messages;
    const last = messages.at(-1);
    const lastText = textOfBlocks(last?.content);
    const asChat = messages.map((m) => ({ role: m.role, content: textOfBlocks(m.content) }));
    const tools = body.toolConfig?.tools ?? [];
    const answeredTool = Array.isArray(last?.content) && last.content.some((b) => b?.toolResult);
    const forced = body.toolConfig?.toolChoice?.tool?.name;
    const r = /\[\[reasoning:(\d+)\]\]/.exec(lastText);
    const reasoning = r ? Array.from({ length: Number(r[1]) }, (_, i) => `think${i} `) : [];
    if (tools.length && !answeredTool) {
      const name = forced ?? tools[0].toolSpec?.name;
      return { reasoning, tool: { toolUseId: `tooluse_${randomUUID().replace(/-/g, "").slice(0, 22)}`, name, input: { input: lastText } } };
    }
    return { reasoning, pieces: answerPieces(asChat) };
  }

  function validate(res, body) {
    if (!body || typeof body !== "object") return error(res, "ValidationException", "Malformed input request, please reformat your input and try again."), false;
    for (const k of Object.keys(body)) {
      if (!CONVERSE_FIELDS.includes(k)) return error(res, "ValidationException", `Malformed input request: extraneous key [${k}] is not permitted, please reformat your input and try again.`), false;
    }
    if (!Array.isArray(body.messages) || !body.messages.length) return error(res, "ValidationException", "A conversation must start with a user message. Try again with a conversation that starts with a user message."), false;
    for (const [i, m] of body.messages.entries()) {
      if (!["user", "assistant"].includes(m?.role) || !Array.isArray(m.content) || !m.content.length) return error(res, "ValidationException", `1 validation error detected: Value at 'messages.${i + 1}.member.role' failed to satisfy constraint`), false;
    }
    if (body.messages[0].role !== "user") return error(res, "ValidationException", "A conversation must start with a user message. Try again with a conversation that starts with a user message."), false;
    const ic = body.inferenceConfig ?? {};
    for (const k of Object.keys(ic)) if (!["maxTokens", "temperature", "topP", "stopSequences"].includes(k)) return error(res, "ValidationException", `Malformed input request: extraneous key [${k}] is not permitted`), false;
    return true;
  }

  async function handle(req, res, url) {
    const route = bedrockRoute(url.pathname);
    const parts = [];
    for await (const c of req) parts.push(c);
    const raw = Buffer.concat(parts).toString("utf8");
    let body;
    try { body = JSON.parse(raw); } catch {}
    const entry = { method: req.method, path: url.pathname, kind: "bedrock", modelId: route.modelId, stream: route.stream, auth: /^Bearer /.test(req.headers.authorization ?? "") ? "bearer" : req.headers.authorization ? "sigv4" : "none", headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, k === "authorization" || k === "x-amz-security-token" ? "<redacted>" : v])), body, at: Date.now() };
    state.requests.push(entry);
    res.on("close", () => { entry.closedEarly = !res.writableFinished; });

    let fault = state.fault;
    if (fault && state.faultTimes > 0) state.faultTimes--;
    else fault = undefined;
    if (!fault && state.faultRate > 0 && random() < state.faultRate) {
      fault = state.faultMix[Math.floor(random() * state.faultMix.length)];
      entry.fault = fault;
    }
    const lastText = textOfBlocks(Array.isArray(body?.messages) ? body.messages.filter((m) => m?.role === "user").at(-1)?.content : undefined);
    const requested = faultDirective(lastText);
    let faultAt = state.faultAt;
    if (requested) {
      fault = requested.value;
      if (requested.at !== undefined) faultAt = requested.at;
    }
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    if (fault === "refuse") return req.socket.destroy();
    if (fault === "stall-headers") return;

    const serverNow = Date.now() + (opts.clockSkewMs ?? 0) + (fault === "skewed-clock" ? 15 * 60_000 : 0);
    const how = await authorize(req, res, url, raw, serverNow);
    if (!how) return;
    entry.auth = how;
    // A hostile or buggy server quoting the request's credentials back.
    if (fault === "echo-credentials") return error(res, "ValidationException", `bad request from ${req.headers.authorization} with token ${req.headers["x-amz-security-token"] ?? "-"}`);
    if (/^\d{3}$/.test(fault ?? "")) return error(res, BY_STATUS[fault] ?? "InternalServerException", undefined, { status: Number(fault) });
    if (!validate(res, body)) return;
    const exception = /^x-(\w+)$/.exec(fault ?? "")?.[1];
    if (exception && !route.stream) {
      const type = exception[0].toUpperCase() + exception.slice(1);
      return error(res, type, undefined);
    }

    const answer = answerFor(body);
    const max = body.inferenceConfig?.maxTokens;
    let pieces = answer.pieces ?? [];
    let stopReason = answer.tool ? "tool_use" : "end_turn";
    if (max !== undefined && pieces.length > max) {
      pieces = pieces.slice(0, max);
      stopReason = "max_tokens";
    }
    const inputTokens = body.messages.reduce((n, m) => n + 4 + Math.ceil(textOfBlocks(m.content).length / 4), 3);
    const outputTokens = pieces.length + answer.reasoning.length + (answer.tool ? 10 : 0);
    const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
    const common = { ...corsHeaders, "x-amzn-requestid": randomUUID() };

    if (!route.stream) {
      const content = [];
      if (answer.reasoning.length) content.push({ reasoningContent: { reasoningText: { text: answer.reasoning.join(""), signature: "sig-emulator" } } });
      if (pieces.length) content.push({ text: pieces.join("") });
      if (answer.tool) content.push({ toolUse: answer.tool });
      const text = JSON.stringify({ output: { message: { role: "assistant", content } }, stopReason, usage, metrics: { latencyMs: 1 } });
      res.writeHead(200, { ...common, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      return res.end(text);
    }

    // ConverseStream: one frame per event, each written as its own network write.
    const events = [["messageStart", { role: "assistant" }]];
    let block = 0;
    if (answer.reasoning.length) {
      for (const r of answer.reasoning) events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { reasoningContent: { text: r } } }]);
      events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { reasoningContent: { signature: "sig-emulator" } } }]);
      events.push(["contentBlockStop", { contentBlockIndex: block }]);
      block++;
    }
    if (pieces.length) {
      for (const p of pieces) events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { text: p } }]);
      events.push(["contentBlockStop", { contentBlockIndex: block }]);
      block++;
    }
    if (answer.tool) {
      events.push(["contentBlockStart", { contentBlockIndex: block, start: { toolUse: { toolUseId: answer.tool.toolUseId, name: answer.tool.name } } }]);
      const input = JSON.stringify(answer.tool.input);
      for (const piece of input.match(/[^]{1,6}/g)) events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { toolUse: { input: piece } } }]);
      events.push(["contentBlockStop", { contentBlockIndex: block }]);
    }
    events.push(["messageStop", { stopReason }]);
    events.push(["metadata", { usage, metrics: { latencyMs: 1 } }]);

    const frame = (type, payload, messageType = "event") => {
      const headers = { ":message-type": { type: "string", value: messageType }, ":content-type": { type: "string", value: "application/json" } };
      headers[messageType === "exception" ? ":exception-type" : ":event-type"] = { type: "string", value: type };
      // Live frames carry a padding field "p" that clients ignore.
      const p = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".slice(0, 1 + (events.length % 40));
      return codec.encode({ headers, body: fromUtf8(JSON.stringify(messageType === "event" ? { ...payload, p } : payload)) });
    };
    res.writeHead(200, { ...common, "content-type": "application/vnd.amazon.eventstream", "transfer-encoding": "chunked" });
    const delayDir = /\[\[delay:(\d+)\]\]/.exec(lastText);
    const delay = delayDir ? Number(delayDir[1]) : 0;
    for (let i = 0; i < events.length; i++) {
      if (res.destroyed) return;
      if (i === faultAt) {
        if (fault === "stall-mid") return; // silence; the client's idle timeout or abort ends it
        if (fault === "reset-mid") return void setTimeout(() => res.destroy(), 20);
        if (exception) {
          const payload = exception === "modelStreamErrorException"
            ? { message: "Model stream failed", originalStatusCode: 500, originalMessage: "upstream model error" }
            : { message: ERRORS[exception[0].toUpperCase() + exception.slice(1)]?.[1] ?? "Error" };
          res.write(frame(exception, payload, "exception"));
          return res.end();
        }
        if (fault === "big-frame") {
          res.write(frame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "x".repeat(2 << 20) } }));
          return res.end();
        }
      }
      const bytes = frame(...events[i]);
      if (fault === "crc" && i === faultAt) bytes[bytes.length - 1] ^= 0xff;
      res.write(bytes);
      if (delay) await new Promise((r) => setTimeout(r, delay));
    }
    res.end();
  }

  return { handle };
}
