// Differential tests of the full variant's SigV4 signer and AWS event-stream decoder against
// AWS's own JavaScript, used as oracles (dev dependencies, never shipped):
// - @smithy/signature-v4 (with @aws-crypto/sha256-js) signs a few hundred random requests —
//   methods, paths with characters needing encoding, repeated and unsorted query
//   parameters, header names and values with odd case and spacing, random bodies, session
//   tokens — and the module's canonical request, signature and Authorization header must
//   equal it;
// - @smithy/eventstream-codec (with @smithy/util-utf8) encodes random messages (every header
//   type, payloads up to 8 KB) that the module decodes identically, fed in random splits; a
//   flipped byte is `parse`, a cut stream is `parse`, a frame over the limit is
//   `response_too_large`.
// The module is reached through its test-only wasm exports (__sigv4SignForTests,
// __eventStreamDecodeForTests): cargo feature `test-exports`, built by scripts/build.sh into
// target/pkg-test/ (the full variant plus these exports), never into the shipped pkg/.
//
// Settings where smithy and the module could differ, chosen as Bedrock uses them:
// - uriEscapePath: true (every service but S3 signs the path encoded once more, with `.`,
//   `..` and empty segments removed): the module's non-S3 mode. Paths never end in a `.` or
//   `..` segment here: there the two legitimately differ — "/a/b/.." is "/a/" for the module
//   (RFC 3986 dot-segment removal keeps the slash) and "/a" for smithy — and Bedrock's paths
//   (/model/{encoded id}/converse) never end so.
// - applyChecksum: false: smithy would add and sign x-amz-content-sha256, which only S3
//   requires; the Bedrock target does not send it (the payload hash is in the canonical
//   request either way). Requests here never carry that header (smithy would take its value
//   as the payload hash instead of hashing the body).
// - Header names smithy never signs (authorization, user-agent, expect, proxy-*, sec-*, …)
//   and names differing only in case are not generated: the module signs exactly the headers
//   it is given, the Bedrock target giving only host, content-type, x-amz-date and the token.
//
// Seeded: the seed is printed with any failure; BEDROCK_DIFF_SEED=<n> replays it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SignatureV4, getCanonicalHeaders, getPayloadHash } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { EventStreamCodec, Int64 } from "@smithy/eventstream-codec";
import { toUtf8, fromUtf8 } from "@smithy/util-utf8";
import { readFileSync } from "node:fs";
import * as glue from "../../target/pkg-test/llm_edge.js"; // missing: run `bash scripts/build.sh`

glue.initSync({ module: new WebAssembly.Module(readFileSync(new URL("../../target/pkg-test/llm_edge_bg.wasm", import.meta.url))) });

const SEED = Number(process.env.BEDROCK_DIFF_SEED ?? (Date.now() % 2 ** 31));

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const withSeed = (what, fn) => async () => {
  try {
    await fn(prng(SEED));
  } catch (e) {
    e.message = `${what} (seed ${SEED}; replay with BEDROCK_DIFF_SEED=${SEED}): ${e.message}`;
    throw e;
  }
};

// ---- SigV4

const int = (r, n) => Math.floor(r() * n);
const pick = (r, xs) => xs[int(r, xs.length)];
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const alnum = (r, n) => Array.from({ length: n }, () => pick(r, ALNUM)).join("");
// Characters that need encoding, reserved ones, unicode (2-, 3- and 4-byte UTF-8), %, +.
const PATH_CHARS = [..."abcXYZ019-_.~!*'();:@&=+$,% #[]?/é中😀\"<>^`{|}"];
const segment = (r) =>
  Array.from({ length: 1 + int(r, 8) }, () => pick(r, PATH_CHARS)).join("");
const token = (r, n) => Array.from({ length: n }, () => pick(r, ALNUM + "/+=")).join("");

// Header names smithy never signs (ALWAYS_UNSIGNABLE_HEADERS, proxy-*, sec-*) or sets itself.
const RESERVED = /^(authorization|cache-control|connection|expect|from|keep-alive|max-forwards|pragma|referer|te|trailer|transfer-encoding|upgrade|user-agent|x-amzn-trace-id|x-amz-date|x-amz-security-token|x-amz-content-sha256|host|proxy-.*|sec-.*)$/;

function randomRequest(r) {
  const method = pick(r, ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);
  // Path: encoded once as sent (as the target encodes modelId); "." and ".." segments and
  // empty ones (//) in the middle; a trailing slash sometimes.
  const segs = [];
  for (let i = int(r, 6); i > 0; i--) {
    const k = r();
    segs.push(k < 0.08 ? "." : k < 0.16 ? ".." : k < 0.22 ? "" : encodeURIComponent(segment(r)));
  }
  let last = segment(r);
  while (last === "." || last === "..") last = segment(r);
  segs.push(encodeURIComponent(last));
  if (r() < 0.2) segs.push("");
  const path = r() < 0.05 ? "/" : "/" + segs.join("/");
  // Query: repeated names, several values, empty values, unsorted as sent.
  const query = {};
  const sent = [];
  for (let i = int(r, 5); i > 0; i--) {
    const k = r() < 0.3 && Object.keys(query).length ? pick(r, Object.keys(query)) : segment(r);
    if (k.toLowerCase() === "x-amz-signature") continue;
    const v = r() < 0.15 ? "" : segment(r);
    query[k] = query[k] === undefined ? v : [].concat(query[k], v);
    sent.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  }
  for (let i = sent.length - 1; i > 0; i--) {
    const j = int(r, i + 1);
    [sent[i], sent[j]] = [sent[j], sent[i]];
  }
  // Headers: odd case, spaces and tabs around and inside values, empty values.
  const host = pick(r, ["bedrock-runtime.us-east-1.amazonaws.com", "example.amazonaws.com", "127.0.0.1:8443"]);
  const headers = { [pick(r, ["host", "Host", "HOST"])]: host };
  const lower = new Set(["host"]);
  if (r() < 0.7) {
    headers[pick(r, ["content-type", "Content-Type"])] = pick(r, ["application/json", "  application/json ;  charset=utf-8 "]);
    lower.add("content-type");
  }
  for (let i = int(r, 6); i > 0; i--) {
    let name = Array.from({ length: 1 + int(r, 12) }, () => pick(r, ALNUM + "-_")).join("");
    name = r() < 0.5 ? "X-" + name : name;
    if (RESERVED.test(name.toLowerCase()) || lower.has(name.toLowerCase())) continue;
    lower.add(name.toLowerCase());
    const words = Array.from({ length: int(r, 4) }, () =>
      Array.from({ length: 1 + int(r, 6) }, () => pick(r, [...(ALNUM + "!#$%&'*+-.^_`|~:;,/\"()<>@[]{}?=")])).join(""),
    );
    const gap = () => pick(r, [" ", "  ", "\t", " \t ", "   "]);
    headers[name] = (r() < 0.4 ? gap() : "") + words.join(gap()) + (r() < 0.4 ? gap() : "");
  }
  const body = r() < 0.25 ? "" : Array.from({ length: int(r, 600) }, () => pick(r, [...ALNUM, " ", "é", "中", "😀", "\n", '"'])).join("");
  const credentials = {
    accessKeyId: "AKIA" + alnum(r, 16).toUpperCase(),
    secretAccessKey: token(r, 40),
    ...(r() < 0.5 ? { sessionToken: token(r, 40 + int(r, 300)) } : {}),
  };
  const signingDate = new Date(Date.UTC(2000, 0, 1) + Math.floor(r() * 40 * 365.25 * 86400) * 1000);
  const region = pick(r, ["us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1"]);
  const service = r() < 0.7 ? "bedrock" : pick(r, ["service", "execute-api", "bedrock-runtime"]);
  return { method, path, query, sent: sent.join("&"), host, headers, body, credentials, signingDate, region, service };
}

const amzDate = (d) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

async function smithySign(q) {
  const signer = new SignatureV4({
    credentials: q.credentials,
    region: q.region,
    service: q.service,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const request = { method: q.method, protocol: "https:", hostname: q.host, path: q.path, query: q.query, headers: { ...q.headers }, body: q.body };
  const signed = await signer.sign(request, { signingDate: q.signingDate });
  // The canonical request smithy signed, rebuilt from its own parts for the comparison.
  const { authorization, ...rest } = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const unsigned = { ...signed, headers: Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== "authorization")) };
  const canonical = signer.createCanonicalRequest(unsigned, getCanonicalHeaders(unsigned), await getPayloadHash(unsigned, Sha256));
  return { authorization, headers: rest, canonical };
}

function moduleSign(q) {
  const url = `https://${q.host}${q.path}${q.sent ? "?" + q.sent : ""}`;
  return JSON.parse(
    glue.__sigv4SignForTests(
      JSON.stringify({
        method: q.method,
        url,
        headers: Object.entries(q.headers),
        body: q.body,
        region: q.region,
        service: q.service,
        credentials: q.credentials,
        date: amzDate(q.signingDate),
      }),
    ),
  );
}

test(
  "SigV4: 400 random requests sign exactly as @smithy/signature-v4 signs them",
  withSeed("sigv4", async (r) => {
    let withToken = 0, withQuery = 0, dotted = 0;
    for (let n = 0; n < 400; n++) {
      const q = randomRequest(r);
      const want = await smithySign(q);
      const got = moduleSign(q);
      const ctx = `request ${n}: ${JSON.stringify({ method: q.method, path: q.path, query: q.sent, headers: q.headers })}`;
      assert.equal(got.canonicalRequest, want.canonical, `canonical request, ${ctx}`);
      const gotHeaders = Object.fromEntries(got.headers);
      assert.equal(gotHeaders.authorization, want.authorization, `Authorization, ${ctx}`);
      assert.equal(gotHeaders["x-amz-date"], want.headers["x-amz-date"], ctx);
      assert.equal(gotHeaders["x-amz-security-token"], want.headers["x-amz-security-token"], ctx);
      assert.ok(got.stringToSign.startsWith(`AWS4-HMAC-SHA256\n${amzDate(q.signingDate)}\n`));
      withToken += q.credentials.sessionToken ? 1 : 0;
      withQuery += q.sent.includes("&") ? 1 : 0;
      dotted += /\/\.\.?\//.test(q.path) ? 1 : 0;
    }
    // The generator reached the interesting cases.
    assert.ok(withToken > 100 && withQuery > 50 && dotted > 30, `${withToken} ${withQuery} ${dotted}`);
  }),
);

test("SigV4: a request whose body or header changes signs differently (the comparison can fail)", () => {
  const r = prng(SEED);
  const q = randomRequest(r);
  const a = moduleSign(q).signature;
  assert.notEqual(moduleSign({ ...q, body: q.body + "x" }).signature, a);
  assert.notEqual(moduleSign({ ...q, headers: { ...q.headers, "x-extra": "1" } }).signature, a);
  assert.equal(moduleSign(q).signature, a);
});

// ---- event stream

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const hex = (b) => Buffer.from(b).toString("hex");
const randomBytes = (r, n) => Uint8Array.from({ length: n }, () => int(r, 256));

/** One random message as smithy's codec takes it, and as the module should report it. */
function randomMessage(r) {
  const headers = {};
  const want = {};
  const names = new Set();
  for (let i = int(r, 12); i > 0; i--) {
    const name = r() < 0.2 ? pick(r, [":event-type", ":message-type", ":content-type", ":exception-type"]) : Array.from({ length: 1 + int(r, 40) }, () => pick(r, [...ALNUM, "-", ":", "é", "中"])).join("");
    if (names.has(name)) continue;
    names.add(name);
    let h, w;
    switch (pick(r, ["boolean", "byte", "short", "integer", "long", "binary", "string", "timestamp", "uuid"])) {
      case "boolean": { const v = r() < 0.5; h = { type: "boolean", value: v }; w = { type: "boolean", value: v }; break; }
      case "byte": { const v = int(r, 256) - 128; h = { type: "byte", value: v }; w = { type: "byte", value: v }; break; }
      case "short": { const v = int(r, 65536) - 32768; h = { type: "short", value: v }; w = { type: "short", value: v }; break; }
      case "integer": { const v = int(r, 2 ** 32) - 2 ** 31; h = { type: "integer", value: v }; w = { type: "integer", value: v }; break; }
      case "long": {
        const bytes = randomBytes(r, 8);
        h = { type: "long", value: new Int64(bytes) };
        w = { type: "long", value: Buffer.from(bytes).readBigInt64BE().toString() };
        break;
      }
      case "binary": { const v = randomBytes(r, int(r, 300)); h = { type: "binary", value: v }; w = { type: "binary", value: hex(v) }; break; }
      case "string": {
        const v = Array.from({ length: int(r, 200) }, () => pick(r, [...ALNUM, " ", "é", "中", "😀", "\n", '"', "\\"])).join("");
        h = { type: "string", value: v }; w = { type: "string", value: v }; break;
      }
      case "timestamp": {
        const ms = Math.round((r() * 2 - 1) * 8.64e15);
        h = { type: "timestamp", value: new Date(ms) }; w = { type: "timestamp", value: String(ms) }; break;
      }
      case "uuid": {
        const b = hex(randomBytes(r, 16));
        h = { type: "uuid", value: `${b.slice(0, 8)}-${b.slice(8, 12)}-${b.slice(12, 16)}-${b.slice(16, 20)}-${b.slice(20)}` };
        w = { type: "uuid", value: b }; break;
      }
    }
    headers[name] = h;
    want[name] = { name, ...w };
  }
  const body = randomBytes(r, r() < 0.1 ? 0 : int(r, 8192));
  // In the order smithy writes them: the object's key order (integer-like names first).
  const ordered = Object.keys(headers).map((k) => want[k]);
  return { encoded: codec.encode({ headers, body }), want: { headers: ordered, payload: hex(body) } };
}

function randomSplits(r, len) {
  const n = pick(r, [0, 1, 3, 10, Math.min(len, 200)]);
  return Uint32Array.from(Array.from({ length: n }, () => int(r, len + 1)).sort((a, b) => a - b));
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const decode = (bytes, splits, max = 1 << 20) => JSON.parse(glue.__eventStreamDecodeForTests(bytes, splits, max));
const decodeError = (bytes, splits, max = 1 << 20) => {
  try {
    decode(bytes, splits, max);
  } catch (e) {
    return JSON.parse(e.llmError).code;
  }
  return "decoded";
};

test(
  "event stream: 300 random streams encoded by @smithy/eventstream-codec decode identically at random splits",
  withSeed("event stream", (r) => {
    const seenTypes = new Set();
    for (let n = 0; n < 300; n++) {
      const messages = Array.from({ length: 1 + int(r, 4) }, () => randomMessage(r));
      const bytes = concat(messages.map((m) => m.encoded));
      const splits = randomSplits(r, bytes.length);
      const got = decode(bytes, splits);
      assert.deepEqual(got, messages.map((m) => m.want), `stream ${n}, splits ${[...splits]}`);
      // smithy's own decoder reads the same frames back (the oracle is consistent).
      for (const m of messages) {
        const back = codec.decode(m.encoded);
        assert.equal(hex(back.body), m.want.payload);
        assert.deepEqual(Object.keys(back.headers), m.want.headers.map((h) => h.name));
      }
      for (const m of messages) for (const h of m.want.headers) seenTypes.add(h.type);
    }
    assert.equal(seenTypes.size, 9, [...seenTypes].join());
  }),
);

test(
  "event stream: a flipped byte is parse, a cut stream is parse, a frame over the limit is response_too_large",
  withSeed("event stream errors", (r) => {
    for (let n = 0; n < 200; n++) {
      const { encoded } = randomMessage(r);
      const flipped = encoded.slice();
      const at = int(r, flipped.length);
      flipped[at] ^= 1 + int(r, 255);
      assert.equal(decodeError(flipped, randomSplits(r, flipped.length)), "parse", `flip at ${at} of ${flipped.length}`);
      const cut = encoded.slice(0, int(r, encoded.length));
      assert.equal(decodeError(cut, randomSplits(r, cut.length)), cut.length ? "parse" : "decoded", `cut at ${cut.length}`);
      const limit = encoded.length - 1 - int(r, Math.max(1, encoded.length - 16));
      assert.equal(decodeError(encoded, randomSplits(r, encoded.length), limit), "response_too_large", `limit ${limit} < ${encoded.length}`);
      assert.equal(decode(encoded, randomSplits(r, encoded.length), encoded.length).length, 1);
    }
  }),
);
