// Stream throughput of allocator variants, interleaved in one process against one emulator:
// each variant's package (built by bench/alloc/build-variant.sh) is its own module instance.
// Per size, five warm-up rounds, then timed rounds in a rotating order; prints medians and
// each variant's ratio to the first.
//   node --expose-gc bench/alloc/ab.mjs <runs at 20k> <runs at 200k> name=dir [name=dir ...]
import { spawn } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
const [r20, r200, ...specs] = process.argv.slice(2);
const variants = [];
for (const s of specs) {
  const [name, dir] = s.split("=");
  variants.push({ name, mod: await import(pathToFileURL(path.resolve(dir, "bench-node.js")).href) });
}
const emulator = new URL("../../tests/emulator/emulator.mjs", import.meta.url).pathname;
const child = spawn(process.execPath, [emulator, "--port", "0", "--key", "bench-key"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((r) => child.stdout.on("data", (d) => { const m = /http:\/\/127\.0\.0\.1:\d+/.exec(String(d)); if (m) r(m[0]); }));
for (const v of variants) {
  v.llm = v.mod.createLLM({ provider: "azure", model: "gpt-4o", endpoint: url, deploymentName: "gpt-4o", apiKey: "bench-key", timeoutMs: 120_000, idleTimeoutMs: 120_000, limits: { maxStreamBytes: 4_000_000_000 } });
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
async function stream(llm, n) {
  let text = "";
  for await (const c of llm.streamAnswer([{ role: "user", content: `[[words:${n}]]` }])) text += c.delta;
  if (!text.startsWith("w0 ") || !text.endsWith(`w${n - 1} `)) throw new Error("wrong text");
}
const out = {};
for (const [n, runs] of [[20_000, Number(r20)], [200_000, Number(r200)]]) {
  const t = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let i = 0; i < runs + 5; i++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length];
      globalThis.gc?.();
      const start = performance.now();
      await stream(v.llm, n);
      if (i >= 5) t[v.name].push(performance.now() - start);
    }
  }
  const base = median(t[variants[0].name]);
  out[n] = Object.fromEntries(variants.map((v) => [v.name, { ms: +median(t[v.name]).toFixed(1), ratio: +(median(t[v.name]) / base).toFixed(3) }]));
  console.log(`${n} chunks: ` + variants.map((v) => `${v.name} ${out[n][v.name].ms} ms (×${out[n][v.name].ratio})`).join(", "));
}
console.log(JSON.stringify(out));
child.kill();
