// The Bedrock and media benchmarks' server, run as its own process (like the emulator) so
// that serving costs no time in the process being measured. It replays bodies built once by
// bench/bodies.mjs from memory, over HTTP/1.1 and over cleartext HTTP/2 (the AWS SDK's
// default handler for Bedrock Runtime speaks HTTP/2) on two 127.0.0.1 ports, and prints
// {"http": url, "h2": url} on its first line.
//   POST /__bench/config {converseEvents, image: {width, height, partials}, speechSeconds}
//        builds (or reuses) those bodies; answers the digests a consumer must reproduce
//   GET  /__bench/requests   the requests since the last call (method, path, headers, body)
//   POST /model/{id}/converse-stream   the ConverseStream body (application/vnd.amazon.eventstream)
//   POST /model/{id}/converse          a small Converse answer
//   POST /v1/images/generations        gpt-image-1's partial-image SSE (stream: true only)
//   POST /v1/audio/speech              gpt-4o-mini-tts's speech SSE (stream_format "sse" only)
import http from "node:http";
import http2 from "node:http2";
import { randomUUID } from "node:crypto";
import { converseStream, converseAnswer, imageStream, speechStream, sha256 } from "./bodies.mjs";

const cache = new Map();
const build = (key, make) => {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key);
};
let current = { converse: null, image: null, speech: null };
const answer = converseAnswer();
let log = [];

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, { "content-type": type, "content-length": body.length, ...extra });
  res.end(body);
}

async function handle(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks);
  const path = req.url;
  if (path === "/__bench/requests") {
    const out = Buffer.from(JSON.stringify(log));
    log = [];
    return send(res, 200, "application/json", out);
  }
  if (path === "/__bench/config") {
    const c = JSON.parse(raw.toString() || "{}");
    const digests = {};
    if (c.converseEvents) {
      current.converse = build(`c${c.converseEvents}`, () => converseStream(c.converseEvents));
      digests.converse = { bytes: current.converse.body.length, events: current.converse.events, textSha256: sha256(current.converse.text), textLength: current.converse.text.length };
    }
    if (c.image) {
      current.image = build(`i${JSON.stringify(c.image)}`, () => imageStream(c.image));
      digests.image = { bytes: current.image.body.length, images: current.image.images.map((b) => [b.length, sha256(b)]) };
    }
    if (c.speechSeconds) {
      current.speech = build(`s${c.speechSeconds}`, () => speechStream({ seconds: c.speechSeconds }));
      digests.speech = { bytes: current.speech.body.length, audioBytes: current.speech.audio.length, audioSha256: sha256(current.speech.audio), seconds: current.speech.seconds };
    }
    return send(res, 200, "application/json", Buffer.from(JSON.stringify(digests)));
  }
  // Kept for the checks, bounded: the timed loops send thousands of requests.
  log.push({ proto: req.httpVersion, method: req.method, path, headers: req.headers, body: raw.toString("utf8") });
  if (log.length > 64) log.shift();
  const aws = { "x-amzn-requestid": randomUUID() };
  if (req.method === "POST" && /^\/model\/[^/]+\/converse-stream$/.test(path) && current.converse) {
    return send(res, 200, "application/vnd.amazon.eventstream", current.converse.body, aws);
  }
  if (req.method === "POST" && /^\/model\/[^/]+\/converse$/.test(path)) {
    return send(res, 200, "application/json", answer.body, aws);
  }
  let body = {};
  try {
    body = JSON.parse(raw.toString() || "{}");
  } catch {}
  const oai = { "x-request-id": `req_${randomUUID().replace(/-/g, "")}` };
  if (req.method === "POST" && path === "/v1/images/generations" && body.stream === true && current.image) {
    return send(res, 200, "text/event-stream; charset=utf-8", current.image.body, { ...oai, "cache-control": "no-cache" });
  }
  if (req.method === "POST" && path === "/v1/audio/speech" && body.stream_format === "sse" && current.speech) {
    return send(res, 200, "text/event-stream; charset=utf-8", current.speech.body, { ...oai, "cache-control": "no-cache" });
  }
  return send(res, 404, "application/json", Buffer.from(JSON.stringify({ message: `no bench route for ${req.method} ${path}` })));
}

const onError = (res) => (e) => {
  try {
    send(res, 500, "application/json", Buffer.from(JSON.stringify({ message: String(e) })));
  } catch {}
};
const h1 = http.createServer((req, res) => handle(req, res).catch(onError(res)));
h1.keepAliveTimeout = 60_000;
const h2 = http2.createServer((req, res) => handle(req, res).catch(onError(res)));
await Promise.all([new Promise((r) => h1.listen(0, "127.0.0.1", r)), new Promise((r) => h2.listen(0, "127.0.0.1", r))]);
console.log(JSON.stringify({ http: `http://127.0.0.1:${h1.address().port}`, h2: `http://127.0.0.1:${h2.address().port}` }));
// Ends with its parent.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
