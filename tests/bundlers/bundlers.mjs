// The packed package in bundlers, as a user installs it: `npm pack` of pkg/ installed into a
// consumer project, then a small browser app that streams an answer from the emulator is
// built with esbuild (an ESM bundle and an IIFE bundle, both through "llm-edge/manual" and
// init), Vite (build, the wasm imported with `?url`) and webpack 5 (the default entry with
// no set-up, and "llm-edge/manual" with `new URL("llm-edge/wasm", import.meta.url)`), each
// served from 127.0.0.1 and run in headless Chromium; each app also forces a trap and
// answers again on a fresh instance. A Worker is bundled by wrangler (`deploy --dry-run`,
// esbuild with the workerd condition) and run in workerd through Miniflare.
// Run with Node ≥ 22 (wrangler's and Miniflare's requirement): scripts/test.sh uses Node 24.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { startEmulator } from "../emulator/emulator.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tmp = path.join(root, "tests/bundlers/.tmp");
const app = path.join(tmp, "app");
const results = [];
function record(name, ok, detail = "") {
  results.push(ok);
  console.log(`${ok ? "ok" : "not ok"} - bundlers: ${name}${ok ? "" : `\n  ${String(detail).split("\n").join("\n  ")}`}`);
}
const sizes = [];

// ---- the package, packed and installed
rmSync(tmp, { recursive: true, force: true });
mkdirSync(app, { recursive: true });
execFileSync("npm", ["pack", "--pack-destination", tmp], { cwd: path.join(root, "pkg"), stdio: "ignore" });
const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "bundler-app", private: true, type: "module", dependencies: { "llm-edge": `file:../${tarball}` } }));
execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--loglevel=error"], { cwd: app, stdio: "inherit" });

// ---- init's sources, in this Node process from the installed copy: each case imports a
// fresh copy of init.js (its own state; the glue is shared, so this checks init's handling
// of each form, and the browser apps below check the instances).
{
  const { pathToFileURL } = await import("node:url");
  const dir = path.join(app, "node_modules/llm-edge");
  const bytes = readFileSync(path.join(dir, "llm_edge_bg.wasm"));
  let n = 0;
  const fresh = () => import(`${pathToFileURL(path.join(dir, "init.js"))}?case=${++n}`);
  const wasmResponse = () => new Response(bytes, { headers: { "content-type": "application/wasm" } });
  const cases = {
    "a Response (streaming compile)": wasmResponse,
    "a promise of a Response": () => Promise.resolve(wasmResponse()),
    "a Response without the wasm content type": () => new Response(bytes),
    "an ArrayBuffer": () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    "a Uint8Array": () => new Uint8Array(bytes),
    "a compiled WebAssembly.Module": () => new WebAssembly.Module(bytes),
  };
  for (const [what, make] of Object.entries(cases)) {
    const m = await fresh();
    let detail;
    try {
      const p = m.init({ wasm: make() });
      const same = m.init({ wasm: "http://127.0.0.1:9/never-fetched.wasm" }) === p;
      await p;
      detail = { same, models: m.listModels().length };
    } catch (e) {
      detail = { error: String(e && e.stack) };
    }
    record(`init({ wasm }) accepts ${what}; a second call returns the same promise`, detail.same === true && detail.models > 0, JSON.stringify(detail));
  }
  const m = await fresh();
  const codeOf = async (p) => p.then(() => "resolved", (e) => `${e instanceof m.LLMError ? "LLMError " : ""}${e.code}: ${e.message}`);
  const missing = await codeOf(m.init({ wasm: new Response("no", { status: 404 }) }));
  const junk = await codeOf(m.init({ wasm: new Uint8Array([1, 2, 3]) }));
  const shape = await codeOf(m.init(new Uint8Array(bytes)));
  const before = await codeOf(Promise.resolve().then(() => m.listModels()));
  const retry = await codeOf(m.init({ wasm: new Uint8Array(bytes) }));
  record(
    "init reports a 404, bytes that are not the module and a missing { wasm } as LLMErrors; the API still says to call init() first; a later init succeeds",
    missing.startsWith("LLMError not_found: ") && junk.startsWith("LLMError invalid_input: ") && shape.startsWith("LLMError invalid_input: init expects { wasm }") && /^LLMError invalid_input: .*init\(\) first/.test(before) && retry === "resolved" && m.listModels().length > 0,
    JSON.stringify({ missing, junk, shape, before, retry }),
  );
}

// ---- the app: one source, with the import lines each bundler's recipe uses
const body = `
const out = document.getElementById("out");
const q = new URLSearchParams(location.search);
const base = { provider: "azure", model: "gpt-4.1-mini", deploymentName: "gpt-4.1-mini", endpoint: q.get("endpoint"), apiKey: "test-key" };
async function stream(prompt) {
  let text = "";
  let chunks = 0;
  for await (const c of createLLM(base).streamAnswer([{ role: "user", content: prompt }])) {
    text += c.delta;
    chunks++;
    out.textContent = text;
  }
  return { text, chunks };
}
async function main() {
  const report = {};
  if (typeof init === "function") {
    try {
      createLLM(base);
      report.beforeInit = "no error";
    } catch (e) {
      report.beforeInit = { llmError: e instanceof LLMError, code: e.code, message: e.message, hint: e.hint };
    }
    await init({ wasm: WASM });
    await init({ wasm: "/not-there.wasm" }); // idempotent: the first call's promise
  }
  Object.assign(report, await stream(q.get("q")));
  const made = createLLM(base); // made before the trap, answers after it
  try {
    __forceTrapForTests();
    report.trap = "no error";
  } catch (e) {
    report.trap = e.code;
  }
  report.afterTrap = (await made.getAnswer([{ role: "user", content: "after the trap" }])).content;
  report.streamAfterTrap = (await stream("a new model")).text;
  out.textContent = report.text;
  out.dataset.report = JSON.stringify(report);
}
main().catch((e) => {
  out.dataset.report = JSON.stringify({ error: String(e && e.stack || e), code: e && e.code });
});
`;
const html = (script, module = true) => `<!doctype html><meta charset="utf-8"><title>llm-edge bundled</title><div id="out"></div>\n<script ${module ? 'type="module" ' : ""}src="${script}"></script>\n`;
const MANUAL = 'import { init, createLLM, LLMError, __forceTrapForTests } from "llm-edge/manual";\n';
const DEFAULT = 'import { createLLM, LLMError, __forceTrapForTests } from "llm-edge";\nconst init = undefined;\n';
function source(dir, imports) {
  mkdirSync(path.join(app, dir), { recursive: true });
  writeFileSync(path.join(app, dir, "main.js"), imports + body);
}

const builds = {
  async "esbuild-esm"() {
    source("esbuild-esm", `${MANUAL}import WASM from "llm-edge/wasm";\n`);
    const esbuild = await import("esbuild");
    const outdir = path.join(app, "esbuild-esm/dist");
    await esbuild.build({ absWorkingDir: app, entryPoints: ["esbuild-esm/main.js"], bundle: true, format: "esm", platform: "browser", minify: true, outdir, loader: { ".wasm": "file" }, logLevel: "error" });
    writeFileSync(path.join(outdir, "index.html"), html("./main.js"));
    return outdir;
  },
  async "esbuild-iife"() {
    source("esbuild-iife", `${MANUAL}import WASM from "llm-edge/wasm";\n`);
    const esbuild = await import("esbuild");
    const outdir = path.join(app, "esbuild-iife/dist");
    await esbuild.build({ absWorkingDir: app, entryPoints: ["esbuild-iife/main.js"], bundle: true, format: "iife", platform: "browser", minify: true, outdir, loader: { ".wasm": "file" }, logLevel: "error" });
    writeFileSync(path.join(outdir, "index.html"), html("./main.js", false));
    return outdir;
  },
  async vite() {
    source("vite", `${MANUAL}import WASM from "llm-edge/wasm?url";\n`);
    writeFileSync(path.join(app, "vite/index.html"), html("./main.js"));
    const { build } = await import("vite");
    const outDir = path.join(app, "vite/dist");
    await build({ root: path.join(app, "vite"), configFile: false, base: "./", logLevel: "error", build: { outDir, emptyOutDir: true } });
    return outDir;
  },
  async "webpack-default"() {
    source("webpack-default", DEFAULT);
    return webpackBuild("webpack-default");
  },
  async "webpack-manual"() {
    source("webpack-manual", `${MANUAL}const WASM = new URL("llm-edge/wasm", import.meta.url);\n`);
    return webpackBuild("webpack-manual");
  },
};

// ---- the examples under examples/bundlers, built as their comments say, from the same app
// project (the packed package installed): each must stream an answer in the page.
const examplesDir = path.join(root, "examples/bundlers");
function example(name) {
  const dir = `example-${name}`;
  mkdirSync(path.join(app, dir), { recursive: true });
  for (const f of readdirSync(path.join(examplesDir, name))) writeFileSync(path.join(app, dir, f), readFileSync(path.join(examplesDir, name, f)));
  return dir;
}
const exampleBuilds = {
  async "example: vite"() {
    const dir = example("vite");
    const { build } = await import("vite");
    const outDir = path.join(app, dir, "dist");
    await build({ root: path.join(app, dir), configFile: false, base: "./", logLevel: "error", build: { outDir, emptyOutDir: true } });
    return outDir;
  },
  async "example: webpack"() {
    const dir = example("webpack");
    const { default: webpack } = await import("webpack");
    const outdir = path.join(app, dir, "dist");
    const stats = await new Promise((resolve, reject) =>
      webpack({ mode: "production", context: path.join(app, dir), entry: "./main.js", output: { path: outdir, filename: "main.js", publicPath: "auto" }, target: "web" }, (err, st) => (err ? reject(err) : resolve(st))),
    );
    if (stats.hasErrors()) throw new Error(stats.toString("errors-only"));
    writeFileSync(path.join(outdir, "index.html"), readFileSync(path.join(app, dir, "index.html")));
    return outdir;
  },
  async "example: esbuild"() {
    const dir = example("esbuild");
    const esbuild = await import("esbuild");
    const outdir = path.join(app, dir, "dist");
    await esbuild.build({ absWorkingDir: path.join(app, dir), entryPoints: ["main.js"], bundle: true, format: "iife", platform: "browser", minify: true, outdir, loader: { ".wasm": "file" }, logLevel: "error" });
    writeFileSync(path.join(outdir, "index.html"), readFileSync(path.join(app, dir, "index.html")));
    return outdir;
  },
};

async function webpackBuild(dir) {
  const { default: webpack } = await import("webpack");
  const outdir = path.join(app, dir, "dist");
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: "production", context: app, entry: `./${dir}/main.js`, output: { path: outdir, filename: "main.js", publicPath: "auto" }, target: "web" }, (err, s) => (err ? reject(err) : resolve(s))),
  );
  if (stats.hasErrors()) throw new Error(stats.toString("errors-only"));
  const warnings = stats.toJson({ all: false, warnings: true }).warnings;
  if (warnings.length) console.log(`# webpack warnings (${dir}): ${warnings.map((w) => w.message).join(" | ")}`);
  writeFileSync(path.join(outdir, "index.html"), html("./main.js", false));
  return outdir;
}

// ---- a static server on 127.0.0.1 for the outputs
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };
const served = createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const file = path.join(app, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ""));
  if (!file.startsWith(app) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end("not found");
    return;
  }
  res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
});
await new Promise((r) => served.listen(0, "127.0.0.1", r));
const site = `http://127.0.0.1:${served.address().port}`;

const emu = await startEmulator();
const { chromium } = await import("playwright-core");
const browser = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "llm-edge-bundlers-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  for (const [name, build] of [...Object.entries(builds), ...Object.entries(exampleBuilds)]) {
    const isExample = name.startsWith("example: ");
    let outdir;
    try {
      outdir = await build();
    } catch (e) {
      record(`${name}: builds`, false, e.stack ?? e);
      continue;
    }
    const files = readdirSync(outdir, { recursive: true }).filter((f) => statSync(path.join(outdir, f)).isFile());
    const js = files.filter((f) => f.endsWith(".js"));
    const wasm = files.filter((f) => f.endsWith(".wasm"));
    const jsBytes = js.map((f) => readFileSync(path.join(outdir, f)));
    sizes.push({ name, js: jsBytes.reduce((a, b) => a + b.length, 0), jsGzip: jsBytes.reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0), files: js.length, wasm: wasm.map((f) => statSync(path.join(outdir, f)).size) });
    record(`${name}: builds, with the wasm emitted once as its own file`, wasm.length === 1 && js.length >= 1, files.join(", "));

    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const prompt = `hello from ${name}`;
    const rel = path.relative(app, outdir).split(path.sep).join("/");
    await page.goto(`${site}/${rel}/index.html?endpoint=${encodeURIComponent(emu.url)}&q=${encodeURIComponent(prompt)}`);
    let report;
    try {
      await page.waitForSelector("#out[data-report]", { state: "attached", timeout: 20_000 });
      report = JSON.parse(await page.getAttribute("#out", "data-report"));
    } catch (e) {
      report = { error: String(e) };
    }
    const shown = await page.textContent("#out");
    record(`${name}: the page streams the answer from the emulator`, report.text === `You said: ${prompt}` && report.chunks > 2 && shown === report.text, JSON.stringify({ report, shown, errors }));
    if (isExample) {
      record(`${name}: no uncaught errors in the page`, errors.length === 0, errors.join("\n"));
      await page.close();
      continue;
    }
    if (name !== "webpack-default") {
      const b = report.beforeInit ?? {};
      record(`${name}: the API before init throws LLMError invalid_input saying to call init()`, b.llmError === true && b.code === "invalid_input" && /init\(\) first/.test(b.message) && /init\(\{ wasm \}\)/.test(b.hint), JSON.stringify(b));
    }
    record(`${name}: a forced trap reports internal; a model made before it answers, and a new one streams, on a fresh instance`, report.trap === "internal" && report.afterTrap === "You said: after the trap" && report.streamAfterTrap === "You said: a new model", JSON.stringify(report));
    record(`${name}: no uncaught errors in the page`, errors.length === 0, errors.join("\n"));
    await page.close();
  }
} finally {
  await browser.close();
  served.close();
}

// ---- a Worker bundled by wrangler's own bundler, run in workerd through Miniflare
const workerDir = path.join(app, "worker");
mkdirSync(path.join(workerDir, "src"), { recursive: true });
writeFileSync(
  path.join(workerDir, "src/index.js"),
  `import { createLLM } from "llm-edge";
export default {
  async fetch(request, env) {
    const q = new URL(request.url).searchParams.get("q");
    const llm = createLLM({ provider: "azure", model: "gpt-4.1-mini", deploymentName: "gpt-4.1-mini", endpoint: env.EMULATOR_URL, apiKey: "test-key" });
    const text = llm.streamAnswer([{ role: "user", content: q }]).pipeThrough(new TransformStream({ transform(c, out) { out.enqueue(new TextEncoder().encode(c.delta)); } }));
    return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8" } });
  },
};
`,
);
writeFileSync(path.join(workerDir, "wrangler.toml"), 'name = "llm-edge-bundled"\nmain = "src/index.js"\ncompatibility_date = "2026-04-01"\n');
const wranglerBin = path.join(root, "node_modules/wrangler/bin/wrangler.js");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1", HOME: mkdtempSync(path.join(tmpdir(), "llm-edge-wrangler-home-")) };
const dry = await runAsync(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", "dist"], { cwd: workerDir, env });
const dist = path.join(workerDir, "dist");
const distFiles = existsSync(dist) ? readdirSync(dist) : [];
const bundle = distFiles.includes("index.js") ? readFileSync(path.join(dist, "index.js"), "utf8") : "";
record("wrangler deploy --dry-run bundles the Worker (workerd entry: the wasm as a module, no import.meta fetch)", dry.ok && distFiles.some((f) => f.endsWith(".wasm")) && /import \w+ from "\.\/[^"]*\.wasm"/.test(bundle), `${dry.out.slice(-2000)}\nfiles: ${distFiles.join(", ")}`);
if (bundle) {
  const js = Buffer.from(bundle);
  sizes.push({ name: "wrangler (Worker)", js: js.length, jsGzip: gzipSync(js, { level: 9 }).length, files: 1, wasm: distFiles.filter((f) => f.endsWith(".wasm")).map((f) => statSync(path.join(dist, f)).size) });
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(dist, "index.js"),
    modulesRoot: dist,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    bindings: { EMULATOR_URL: emu.url },
  });
  try {
    const base = await mf.ready;
    const res = await fetch(new URL("/?q=bundled%20by%20wrangler", base));
    const text = await res.text();
    record("the wrangler bundle answers a request in workerd with the streamed text", res.status === 200 && text === "You said: bundled by wrangler", `${res.status} ${text}`);
  } catch (e) {
    record("the wrangler bundle in workerd", false, e.stack);
  } finally {
    await mf.dispose();
  }
}
await emu.close();

function runAsync(cmd, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, out });
    });
  });
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log("# sizes: bundle JS (all files, raw / gzip -9) and the wasm file");
for (const s of sizes) console.log(`#   ${s.name}: JS ${kb(s.js)} / ${kb(s.jsGzip)} gzip in ${s.files} file(s); wasm ${s.wasm.map(kb).join(", ")}`);
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
