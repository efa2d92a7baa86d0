// Memory of one allocator variant in a fresh process: wasm linear memory (which never
// shrinks, so its size at the end is its peak) and peak RSS, after one of
//   one N           one stream of N chunks (consumed, not kept)
//   concurrent N    N concurrent streams of a short answer
//   random N        N answers of random sizes (requests padded to random sizes, answers of
//                   1 to 50,000 words, log-uniform; half streamed, half whole; eight at a
//                   time), the fragmentation workload; also reports the time taken
// Prints JSON.
//   node --expose-gc bench/alloc/memory.mjs <package dir> <mode> <N> <emulator url>
import path from "node:path";
import { pathToFileURL } from "node:url";
const [dir, mode, nArg, url] = process.argv.slice(2);
const n = Number(nArg);
const { createLLM, wasmMemoryBytes } = await import(pathToFileURL(path.resolve(dir, "bench-node.js")).href);
const llm = createLLM({ provider: "azure", model: "gpt-4o", endpoint: url, deploymentName: "gpt-4o", apiKey: "bench-key", timeoutMs: 600_000, idleTimeoutMs: 600_000, limits: { maxStreamBytes: 4_000_000_000 } });
const mb = (b) => +(b / 1048576).toFixed(1);
globalThis.gc?.();
const wasmBefore = wasmMemoryBytes();
let peak = process.memoryUsage().rss;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
let chars = 0;
async function stream(prompt) {
  for await (const c of llm.streamAnswer([{ role: "user", content: prompt }])) chars += c.delta.length;
}
const start = performance.now();
if (mode === "one") await stream(`[[words:${n}]]`);
else if (mode === "concurrent") await Promise.all(Array.from({ length: n }, (_, i) => stream(`stream ${i} ${"word ".repeat(40)}`)));
else if (mode === "random") {
  let seed = 0x2545f491;
  const rnd = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      const words = Math.round(Math.exp(rnd() * Math.log(50_000)));
      const pad = "x".repeat(Math.round(Math.exp(rnd() * Math.log(20_000))));
      const prompt = `${pad} [[words:${words}]]`;
      if (i % 2) await stream(prompt);
      else {
        const a = await llm.getAnswer([{ role: "user", content: prompt }]);
        chars += a.content.length;
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));
} else throw new Error(`mode ${mode}`);
const ms = performance.now() - start;
clearInterval(timer);
console.log(JSON.stringify({ mode, n, wasmBeforeMB: mb(wasmBefore), wasmAfterMB: mb(wasmMemoryBytes()), peakRssMB: mb(peak), ms: Math.round(ms), chars }));
