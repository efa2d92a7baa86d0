// Where should SigV4's SHA-256 and HMAC run: in the module (Rust, synchronous) or in the
// runtime's WebCrypto (crypto.subtle, asynchronous)? One run, same machine, same request:
// a Converse POST with a 1 KB JSON body and a session token, signed N times.
//   module      the full variant's signer (__sigv4SignForTests, in the test-only copy
//               scripts/build.sh builds into target/pkg-test/: JSON in, canonical request,
//               SHA-256 of body and canonical request, HMAC chain with the cached signing
//               key, JSON out — everything a request pays, plus the test export's JSON)
//   webcrypto   only the cryptography WebCrypto would do for the same request: digest of
//               the body, digest of the canonical request, one HMAC with an imported (cached)
//               key; no canonicalisation, no JSON, so it is favoured
//   smithy      @smithy/signature-v4 with @aws-crypto/sha256-js (what the AWS SDK uses
//               where Node's crypto is absent: browsers, Workers)
// Reports µs per signature (median of 7 rounds) and ratios against the module.
//   node bench/sigv4-crypto.mjs [--n 2000]
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { readFileSync } from "node:fs";
import * as glue from "../target/pkg-test/llm_edge.js"; // built by scripts/build.sh

glue.initSync({ module: new WebAssembly.Module(readFileSync(new URL("../target/pkg-test/llm_edge_bg.wasm", import.meta.url))) });

const N = Number(process.argv[process.argv.indexOf("--n") + 1] || 2000) || 2000;
const creds = { accessKeyId: "AKIAEXAMPLE000000000", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "IQoJb3JpZ2luX2VjEHUaCXVzLWVhc3QtMSJHMEUCIQD".repeat(8) };
const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: "x".repeat(1000) }] }], inferenceConfig: { maxTokens: 512 } });
const host = "bedrock-runtime.us-east-1.amazonaws.com";
const path = "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse";
const date = new Date(Date.UTC(2026, 11, 2, 12, 0, 0));
const amz = "20261202T120000Z";
const input = JSON.stringify({ method: "POST", url: `https://${host}${path}`, headers: [["host", host], ["content-type", "application/json"]], body, region: "us-east-1", service: "bedrock", credentials: creds, date: amz });

const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();
const hmacKey = await subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const canonical = JSON.parse(glue.__sigv4SignForTests(input)).canonicalRequest;
const signer = new SignatureV4({ credentials: creds, region: "us-east-1", service: "bedrock", sha256: Sha256, applyChecksum: false });

const contenders = {
  module: async () => {
    for (let i = 0; i < N; i++) glue.__sigv4SignForTests(input);
  },
  webcrypto: async () => {
    for (let i = 0; i < N; i++) {
      await subtle.digest("SHA-256", enc.encode(body));
      const h = await subtle.digest("SHA-256", enc.encode(canonical));
      await subtle.sign("HMAC", hmacKey, enc.encode(`AWS4-HMAC-SHA256\n${amz}\n20261202/us-east-1/bedrock/aws4_request\n${Buffer.from(h).toString("hex")}`));
    }
  },
  smithy: async () => {
    for (let i = 0; i < N; i++) await signer.sign({ method: "POST", protocol: "https:", hostname: host, path, query: {}, headers: { host, "content-type": "application/json" }, body }, { signingDate: date });
  },
};

const rounds = {};
for (let r = 0; r < 7; r++) {
  for (const [name, run] of Object.entries(contenders)) {
    const t = performance.now();
    await run();
    (rounds[name] ??= []).push(((performance.now() - t) * 1000) / N);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const base = median(rounds.module);
console.log(`# SigV4 signing cost, ${N} signatures × 7 rounds, Node ${process.version}`);
console.log("| signer | µs per signature (median) | ÷ module |");
console.log("|---|---:|---:|");
for (const name of Object.keys(contenders)) console.log(`| ${name} | ${median(rounds[name]).toFixed(2)} | ${(median(rounds[name]) / base).toFixed(2)} |`);
