// llm-edge/tokens, measured in one run (timings on a shared machine are rough; the ratio
// is the figure to compare): the time to load the o200k_base table, the time to
// count a ~1 MB chat message (llm-edge/tokens' countTokens against gpt-tokenizer's own
// countTokens on the same text, and the default entry's estimate), and sizes: the entry
// itself (gzip -9) and what gpt-tokenizer's o200k_base adds to a bundle (esbuild, split).
// Also checks the default entry's bundle holds nothing of gpt-tokenizer or the entry.
//   node bench/tokens.mjs        prints a Markdown table and a final "N passed, M failed"
import { readFileSync, mkdirSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const results = [];
const check = (name, ok, detail = "") => {
  results.push(ok);
  console.log(`${ok ? "ok" : "not ok"} - tokens: ${name}${ok ? "" : ` (${detail})`}`);
};
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const ms = (t) => `${t.toFixed(1)} ms`;

// ---------------------------------------------------------------- time (one run)
const line = "The quick brown fox jumps over the lazy dog. Привет мир! 你好，世界。 fn main() { let x = vec![1, 2, 3]; }\n";
const big = line.repeat(Math.ceil(1_000_000 / Buffer.byteLength(line)));
const bytes = Buffer.byteLength(big);

let t0 = performance.now();
const tokens = await import("../pkg/tokens.js");
const entryImport = performance.now() - t0;
t0 = performance.now();
await tokens.loadTokenizer("o200k_base");
const load = performance.now() - t0;
const messages = [{ role: "user", content: big }];

const gt = await import("gpt-tokenizer/encoding/o200k_base"); // loaded above: no load time
// The first count runs cold (JIT, gpt-tokenizer's merge cache empty); then alternating
// pairs (five), each count after clearing the merge cache, and the median of each side.
t0 = performance.now();
const ours = tokens.countTokens(messages, { model: "gpt-4o" });
const firstMs = performance.now() - t0;
let theirs;
const oursRuns = [];
const theirsRuns = [];
for (let i = 0; i < 5; i++) {
  gt.clearMergeCache();
  t0 = performance.now();
  tokens.countTokens(messages, { model: "gpt-4o" });
  oursRuns.push(performance.now() - t0);
  gt.clearMergeCache();
  t0 = performance.now();
  theirs = gt.countTokens(big, { disallowedSpecial: new Set() });
  theirsRuns.push(performance.now() - t0);
}
const median = (a) => [...a].sort((x, y) => x - y)[2];
const oursMs = median(oursRuns);
const theirsMs = median(theirsRuns);
const { createLLM } = await import("../pkg/node.js");
const llm = createLLM({ provider: "openai", model: "gpt-4o", baseURL: "http://127.0.0.1:9/v1" });
t0 = performance.now();
const estimate = llm.estimateTokens(messages);
const estimateMs = performance.now() - t0;
check("countTokens of one message = gpt-tokenizer's count of its text + 3 + role + 3", ours === theirs + 3 + 1 + 3, `${ours} vs ${theirs}`);

// ---------------------------------------------------------------- size
const out = path.join(root, "bench/results/tokens");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const entry = readFileSync(path.join(root, "pkg/tokens.js"));
// An app that counts tokens, bundled as a bundler ships it: its own chunk, plus the split
// chunks loadTokenizer imports on demand.
writeFileSync(path.join(out, "app.mjs"), `import { loadTokenizer, countTokens } from "../../../pkg/tokens.js";\nawait loadTokenizer("o200k_base");\nconsole.log(countTokens([{ role: "user", content: "hi" }], { model: "gpt-4o" }));\n`);
const esbuild = path.join(root, "node_modules/.bin/esbuild");
execFileSync(esbuild, [path.join(out, "app.mjs"), "--bundle", "--minify", "--splitting", "--format=esm", "--platform=browser", `--outdir=${path.join(out, "app")}`, `--metafile=${path.join(out, "app-meta.json")}`], { stdio: "ignore" });
const meta = JSON.parse(readFileSync(path.join(out, "app-meta.json"), "utf8"));
const chunks = Object.entries(meta.outputs).filter(([f]) => f.endsWith(".js")).map(([f, o]) => {
  const b = readFileSync(path.join(root, f));
  const inputs = Object.keys(o.inputs);
  return { f: path.basename(f), raw: b.length, gz: gz(b), entry: Boolean(o.entryPoint), o200k: inputs.some((i) => i.includes("bpeRanks/o200k_base")), cl100k: inputs.some((i) => i.includes("bpeRanks/cl100k_base")) };
});
const main = chunks.find((c) => c.entry);
const o200kChunk = chunks.find((c) => c.o200k);
check("the app's own chunk holds no rank table (both are split out)", main && !main.o200k && !main.cl100k);
check("o200k_base and cl100k_base are separate chunks, loaded only by loadTokenizer", o200kChunk && !o200kChunk.cl100k && chunks.some((c) => c.cl100k && !c.o200k));
// The default entry's bundle (bench/size/llm-edge.mjs, as bench/run.mjs measures it).
execFileSync(esbuild, [path.join(root, "bench/size/llm-edge.mjs"), "--bundle", "--minify", "--format=esm", "--platform=browser", `--outfile=${path.join(out, "default.js")}`, `--metafile=${path.join(out, "default-meta.json")}`], { stdio: "ignore" });
const defInputs = Object.keys(JSON.parse(readFileSync(path.join(out, "default-meta.json"), "utf8")).inputs);
check("the default entry's bundle has no input from gpt-tokenizer or pkg/tokens.js", !defInputs.some((i) => /gpt-tokenizer|tokens\.js/.test(i)), defInputs.join(", "));

console.log(`
## llm-edge/tokens (one run, ${new Date().toISOString().slice(0, 10)}, Node ${process.version})

| measure | value |
|---|---|
| import llm-edge/tokens (the entry, no table) | ${ms(entryImport)} |
| loadTokenizer("o200k_base") (gpt-tokenizer's table, first load) | ${ms(load)} |
| countTokens, one ${(bytes / 1e6).toFixed(2)} MB message (${ours.toLocaleString("en")} tokens), first call | ${ms(firstMs)} |
| countTokens, the same, median of 5 (merge cache cleared each time) | ${ms(oursMs)} |
| gpt-tokenizer countTokens, the same text, median of 5 alternating with the above | ${ms(theirsMs)} (llm-edge/tokens ÷ gpt-tokenizer: ${(oursMs / theirsMs).toFixed(2)}) |
| the default entry's estimateTokens, the same message (${estimate.toLocaleString("en")}, an estimate) | ${ms(estimateMs)} |
| pkg/tokens.js | ${entry.length.toLocaleString("en")} B raw, ${gz(entry).toLocaleString("en")} B gzip |
| an app using it, bundled (esbuild --splitting --minify): its own chunk | ${main.raw.toLocaleString("en")} B raw, ${main.gz.toLocaleString("en")} B gzip |
| the o200k_base chunk it loads on demand | ${o200kChunk.raw.toLocaleString("en")} B raw, ${o200kChunk.gz.toLocaleString("en")} B gzip |
`);
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
