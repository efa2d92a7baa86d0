// Peak RSS in a fresh process while llm-edge streams: one stream of N chunks, or C
// concurrent streams. Prints JSON { rssBeforeMB, peakMB, afterMB, chunks }.
import { createLLM } from "../pkg/node.js";
const [mode, url, nArg] = process.argv.slice(2);
const n = Number(nArg);
const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: url, deploymentName: "gpt-4o", apiKey: "bench-key", timeoutMs: 600_000, idleTimeoutMs: 600_000, limits: { maxStreamBytes: 4_000_000_000 } });
const mb = (b) => +(b / 1048576).toFixed(1);
globalThis.gc?.();
const before = process.memoryUsage().rss;
let peak = before;
const samples = [];
const timer = setInterval(() => {
  const r = process.memoryUsage().rss;
  peak = Math.max(peak, r);
  samples.push(r);
}, 20);
let chunks = 0;
let chars = 0;
async function one(prompt) {
  for await (const c of llm.streamAnswer([{ role: "user", content: prompt }])) {
    chunks++;
    chars += c.delta.length; // consumed, not kept: a flat stream should not grow
  }
}
if (mode === "one") await one(`[[words:${n}]]`);
else await Promise.all(Array.from({ length: n }, (_, i) => one(`stream ${i} ${"word ".repeat(40)}`)));
clearInterval(timer);
// Flat: RSS in the last half of the run is no higher than in the first half (+ slack).
const half = Math.floor(samples.length / 2);
const firstHalfPeak = Math.max(...samples.slice(0, half));
const secondHalfPeak = Math.max(...samples.slice(half));
console.log(JSON.stringify({ rssBeforeMB: mb(before), peakMB: mb(peak), firstHalfPeakMB: mb(firstHalfPeak), secondHalfPeakMB: mb(secondHalfPeak), afterMB: mb(process.memoryUsage().rss), chunks, chars }));
