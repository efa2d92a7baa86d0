// Bedrock (issue 12): llm-edge's full variant (provider "bedrock", static SigV4 credentials)
// against AWS's own @aws-sdk/client-bedrock-runtime on the same ConverseStream body and the
// same small Converse answer, served by bench/server.mjs. A section of bench/run.mjs.
//
// The SDK's Bedrock Runtime client talks HTTP/2 by default (NodeHttp2Handler, one connection
// per request: disableConcurrentStreams); llm-edge uses the runtime's fetch (HTTP/1.1 in
// Node). So the SDK runs twice: as configured by default, and with its HTTP/1.1 handler
// (NodeHttpHandler, keep-alive), the same transport as llm-edge's; targets are judged
// against the faster of the two.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BedrockRuntimeClient, ConverseStreamCommand, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { createLLM } from "../pkg/full/node.js";
import { BEDROCK_MODEL, sha256 } from "./bodies.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const CREDENTIALS = { accessKeyId: "AKIDBENCHEXAMPLE", secretAccessKey: "bench/secret+KEY/wJalrXUtnFEMIK7MDENG" };
const REGION = "us-east-1";

/** bench/server.mjs in its own process: { http, h2, config(c), requests(), kill() }. */
export function startBenchServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, "server.mjs")], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      const urls = JSON.parse(out.slice(0, nl));
      resolve({
        ...urls,
        async config(c) {
          return (await fetch(`${urls.http}/__bench/config`, { method: "POST", body: JSON.stringify(c) })).json();
        },
        async requests() {
          return (await fetch(`${urls.http}/__bench/requests`)).json();
        },
        kill: () => child.kill(),
      });
    });
    child.on("error", reject);
    child.on("exit", (code) => code && reject(new Error(`bench/server.mjs exited with ${code}`)));
  });
}

export function makeClients(server) {
  const sdk = (endpoint, extra = {}) => new BedrockRuntimeClient({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1, ...extra });
  return {
    server,
    llmEdge: createLLM({ provider: "bedrock", model: BEDROCK_MODEL, region: REGION, endpoint: server.http, credentials: CREDENTIALS, timeoutMs: 120_000, idleTimeoutMs: 120_000 }),
    sdkH2: sdk(server.h2),
    sdkH1: sdk(server.http, { requestHandler: new NodeHttpHandler({ connectionTimeout: 120_000 }) }),
    close() {
      this.sdkH2.destroy();
      this.sdkH1.destroy();
    },
  };
}

const MESSAGES = [{ role: "user", content: "Say hello." }];
const SDK_MESSAGES = [{ role: "user", content: [{ text: "Say hello." }] }];
const path_ = (op) => `/model/${encodeURIComponent(BEDROCK_MODEL)}/${op}`;

async function sdkStream(client) {
  const r = await client.send(new ConverseStreamCommand({ modelId: BEDROCK_MODEL, messages: SDK_MESSAGES }));
  let text = "";
  for await (const ev of r.stream) if (ev.contentBlockDelta) text += ev.contentBlockDelta.delta?.text ?? "";
  return text;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const utf8 = new TextDecoder();

/** A hand-written baseline: fetch, frames cut by their length prefix, decoded (CRCs checked)
 *  by AWS's own @smithy/eventstream-codec, payloads through JSON.parse. Unsigned: the bench
 *  server checks no signature, and signing is not what this line measures. */
async function handWritten(c) {
  const res = await fetch(`${c.server.http}${path_("converse-stream")}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: SDK_MESSAGES }) });
  let buf = new Uint8Array(0);
  let text = "";
  for await (const bytes of res.body) {
    if (buf.length === 0) buf = bytes;
    else {
      const joined = new Uint8Array(buf.length + bytes.length);
      joined.set(buf);
      joined.set(bytes, buf.length);
      buf = joined;
    }
    let at = 0;
    while (buf.length - at >= 4) {
      const len = new DataView(buf.buffer, buf.byteOffset + at, 4).getUint32(0);
      if (buf.length - at < len) break;
      const msg = codec.decode(buf.subarray(at, at + len));
      at += len;
      if (msg.headers[":event-type"]?.value === "contentBlockDelta") text += JSON.parse(utf8.decode(msg.body)).delta?.text ?? "";
    }
    buf = buf.subarray(at);
  }
  return text;
}

export const FLOOR = "read body only";
export const streamConsumers = {
  async "llm-edge"(c) {
    let text = "";
    for await (const chunk of c.llmEdge.streamAnswer(MESSAGES)) text += chunk.delta;
    return text;
  },
  "aws-sdk, HTTP/2 (its default)": (c) => sdkStream(c.sdkH2),
  "aws-sdk, HTTP/1.1": (c) => sdkStream(c.sdkH1),
  "hand-written (fetch + @smithy/eventstream-codec)": handWritten,
  /** The floor: the same request (unsigned), the body read and thrown away. */
  async [FLOOR](c) {
    const res = await fetch(`${c.server.http}${path_("converse-stream")}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: SDK_MESSAGES }) });
    let n = 0;
    for await (const bytes of res.body) n += bytes.length;
    return n;
  },
};

export const answerConsumers = {
  /** No signing, no parsing beyond res.json(): what the clients add is measured over this. */
  async "bare fetch (unsigned)"(c) {
    const res = await fetch(`${c.server.http}${path_("converse")}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: SDK_MESSAGES }) });
    return (await res.json()).output.message.content[0].text;
  },
  async "llm-edge"(c) {
    return (await c.llmEdge.getAnswer(MESSAGES)).content;
  },
  async "aws-sdk, HTTP/2 (its default)"(c) {
    return (await c.sdkH2.send(new ConverseCommand({ modelId: BEDROCK_MODEL, messages: SDK_MESSAGES }))).output.message.content[0].text;
  },
  async "aws-sdk, HTTP/1.1"(c) {
    return (await c.sdkH1.send(new ConverseCommand({ modelId: BEDROCK_MODEL, messages: SDK_MESSAGES }))).output.message.content[0].text;
  },
};

/** Re-signs a logged request with AWS's own signer (the same date and signed headers) and
 *  compares: the bench server accepts anything, so this is what proves both clients sent
 *  real SigV4 signatures. */
export async function sigv4Matches(r) {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(r.headers.authorization ?? "");
  if (!m || m[1] !== CREDENTIALS.accessKeyId) return false;
  const signed = m[5].split(";");
  const headers = {};
  for (const h of signed) headers[h] = h === "host" ? r.headers.host ?? r.headers[":authority"] : r.headers[h];
  const [pathname, qs = ""] = r.path.split("?");
  const query = Object.fromEntries(new URLSearchParams(qs));
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(r.headers["x-amz-date"] ?? "");
  if (!d) return false;
  const signingDate = new Date(Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]));
  const signer = new SignatureV4({ credentials: CREDENTIALS, region: m[3], service: m[4], sha256: Sha256, uriEscapePath: true, applyChecksum: false });
  const [hostname, port] = String(headers.host ?? "").split(":");
  const out = await signer.sign({ method: r.method, protocol: "http:", hostname, port: port && Number(port), path: pathname, query, headers, body: r.body }, { signingDate, signableHeaders: new Set(signed) });
  return out.headers.authorization === r.headers.authorization;
}

/** The section: returns its Markdown lines and a summary of ratios. */
export async function benchBedrock({ quick, check, median, gc, fmt, log }) {
  const server = await startBenchServer();
  const c = makeClients(server);
  const md = [];
  const summary = {};
  try {
    // ------------------------------------------------ ConverseStream
    const n = quick ? 2000 : 20_000;
    const R = quick ? 3 : 9;
    const want = (await server.config({ converseEvents: n })).converse;
    const names = Object.keys(streamConsumers);
    const consumers = names.filter((k) => k !== FLOOR);
    await server.requests();
    for (const name of names) {
      const out = await streamConsumers[name](c);
      if (name === FLOOR) check(`bedrock: the floor reads the whole ${n}-event body`, out === want.bytes, `${out} of ${want.bytes} B`);
      else check(`bedrock: ${name} receives the exact text of a ${n}-event ConverseStream`, sha256(out) === want.textSha256, `${out.length} vs ${want.textLength} chars`);
    }
    const logged = await server.requests();
    const signed = logged.filter((r) => r.headers.authorization);
    check("bedrock: llm-edge and both SDK configurations sent ConverseStream requests with valid SigV4 signatures (re-signed by @smithy/signature-v4)", signed.length === 3 && (await Promise.all(signed.map(sigv4Matches))).every(Boolean) && signed.every((r) => r.path === path_("converse-stream")), JSON.stringify(signed.map((r) => [r.proto, r.path, r.headers.authorization?.slice(0, 60)])));
    check("bedrock: the SDK's default client spoke HTTP/2, the others HTTP/1.1", logged.filter((r) => r.proto === "2.0").length === 1, JSON.stringify(logged.map((r) => r.proto)));
    const times = Object.fromEntries(names.map((k) => [k, []]));
    for (let r = 0; r < R; r++) {
      const order = [...names];
      for (let k = 0; k < r % order.length; k++) order.push(order.shift());
      for (const name of order) {
        gc();
        const t0 = performance.now();
        await streamConsumers[name](c);
        times[name].push(performance.now() - t0);
      }
      log(`bedrock stream ${n}: round ${r + 1}/${R}`);
    }
    const med = Object.fromEntries(names.map((k) => [k, median(times[k])]));
    const mb = want.bytes / 1048576;
    md.push("## Bedrock (llm-edge/full) vs the AWS SDK", "");
    md.push(`bench/bedrock.mjs. A local server (bench/server.mjs, its own process, 127.0.0.1, HTTP/1.1 and cleartext HTTP/2) replays one ConverseStream body from memory: ${want.events.toLocaleString("en")} frames of \`application/vnd.amazon.eventstream\` encoded by @smithy/eventstream-codec (messageStart, ${n.toLocaleString("en")} × contentBlockDelta, contentBlockStop, messageStop, metadata; each payload with live Bedrock's \`"p"\` padding field), ${fmt(mb)} MB. Each consumer reads the whole answer and must produce the same text (checked by digest); llm-edge and the SDK sign with SigV4 (static credentials, us-east-1), and their logged requests are re-signed with @smithy/signature-v4 to the same signature. The SDK's Bedrock Runtime client defaults to HTTP/2 with one connection per request; it is also run with its HTTP/1.1 handler (keep-alive), the transport llm-edge's fetch uses. ${R} rounds, rotating order; medians.`, "");
    md.push(`### ConverseStream, ${n.toLocaleString("en")} events, ${R} rounds`, "", "| consumer | median ms | MB/s | llm-edge ÷ this |", "|---|---|---|---|");
    for (const k of names) md.push(`| ${k} | ${fmt(med[k])} | ${fmt(mb / (med[k] / 1000), 1)} | ${k === "llm-edge" ? "1" : fmt(med["llm-edge"] / med[k], 2)} |`);
    const fastestSdk = Math.min(med["aws-sdk, HTTP/2 (its default)"], med["aws-sdk, HTTP/1.1"]);
    summary.stream = { n, ratioVsFastestSdk: med["llm-edge"] / fastestSdk, ratioVsDefaultSdk: med["llm-edge"] / med["aws-sdk, HTTP/2 (its default)"], floor: med["llm-edge"] / med[FLOOR] };
    md.push("", `llm-edge over the floor: ${fmt(med["llm-edge"] - med[FLOOR])} ms, ${fmt(summary.stream.floor, 2)}× the time to merely read the body.`, "");
    // Quick mode: too few rounds for the target, but llm-edge must not be slower than the SDK.
    check("bedrock: llm-edge consumes the ConverseStream faster than the AWS SDK (loose bound: ratio < 1)", summary.stream.ratioVsFastestSdk < 1, fmt(summary.stream.ratioVsFastestSdk, 3));

    // ------------------------------------------------ per-request overhead (Converse)
    const N = quick ? 30 : 1000;
    const block = quick ? 10 : 100;
    const anames = Object.keys(answerConsumers);
    await server.requests();
    for (const name of anames) {
      const text = await answerConsumers[name](c);
      check(`bedrock: ${name} reads a small Converse answer`, text === "Hello from Bedrock.", text);
    }
    const alog = await server.requests();
    const asigned = alog.filter((r) => r.headers.authorization);
    check("bedrock: every client's Converse request carries a valid SigV4 signature", asigned.length === 3 && (await Promise.all(asigned.map(sigv4Matches))).every(Boolean), asigned.length);
    const lat = Object.fromEntries(anames.map((k) => [k, []]));
    for (let done = 0; done < N; done += block) {
      for (const name of anames) {
        for (let i = 0; i < block; i++) {
          const t0 = performance.now();
          await answerConsumers[name](c);
          lat[name].push(performance.now() - t0);
        }
      }
    }
    const amed = Object.fromEntries(anames.map((k) => [k, median(lat[k])]));
    const base = amed["bare fetch (unsigned)"];
    md.push("### Per-request overhead, signing included (Converse)", "", `${N} sequential small Converse calls per client (a 19-character answer), in interleaved blocks of ${block}; median latency and what each adds over an unsigned \`fetch\` + \`res.json()\` of the same answer. llm-edge and the SDK both sign every request with SigV4.`, "", "| client | median ms | added over bare fetch (ms) |", "|---|---|---|");
    for (const k of anames) md.push(`| ${k} | ${fmt(amed[k], 3)} | ${k === anames[0] ? "—" : fmt(amed[k] - base, 3)} |`);
    const sdkBest = Math.min(amed["aws-sdk, HTTP/2 (its default)"], amed["aws-sdk, HTTP/1.1"]);
    summary.overhead = { llmEdge: amed["llm-edge"] - base, sdkBest: sdkBest - base, ratio: amed["llm-edge"] / sdkBest };
    md.push("");
    check("bedrock: llm-edge's per-request latency with signing is no worse than 1.5× the AWS SDK's (loose bound)", amed["llm-edge"] <= 1.5 * sdkBest, `${fmt(amed["llm-edge"], 3)} vs ${fmt(sdkBest, 3)} ms`);
    if (!quick) {
      md.push("### Bedrock summary", "", "| measure | result | target |", "|---|---|---|");
      md.push(`| ConverseStream consume time, llm-edge ÷ the faster SDK configuration (${n.toLocaleString("en")} events) | ${fmt(summary.stream.ratioVsFastestSdk, 3)} | ≤ 0.25${summary.stream.ratioVsFastestSdk <= 0.25 ? "" : " (missed)"} |`);
      md.push(`| … ÷ the SDK as configured by default (HTTP/2) | ${fmt(summary.stream.ratioVsDefaultSdk, 3)} | reported |`);
      md.push(`| llm-edge ÷ the floor (reading the body) | ${fmt(summary.stream.floor, 2)} | reported |`);
      md.push(`| per-request latency, llm-edge ÷ the faster SDK configuration | ${fmt(summary.overhead.ratio, 2)} (adds ${fmt(summary.overhead.llmEdge, 3)} ms vs ${fmt(summary.overhead.sdkBest, 3)} ms over bare fetch) | ≤ 1${summary.overhead.ratio <= 1 ? "" : " (missed)"} |`, "");
    }
  } finally {
    c.close();
    server.kill();
  }
  return { md, summary };
}
