// llm-edge/tokens in Deno and in workerd (Miniflare): loadTokenizer, the Cookbook's published
// counts, and withExactTokens refusing with nothing sent (tests/runtimes/tokens-check.mjs).
// Deno resolves gpt-tokenizer from node_modules (--node-modules-dir=manual, as a Deno project
// with a package.json does); the Worker is bundled by esbuild as wrangler bundles one.
// Needs Node ≥ 22 (Miniflare): scripts/test.sh runs it with Node 24.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/emulator.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const results = [];
const record = (name, ok, error) => {
  results.push(ok);
  console.log(`${ok ? "ok" : "not ok"} - ${name}${ok ? "" : `\n${error}`}`);
};
const emu = await startEmulator({ keys: ["test-key"] });

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
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

try {
  // Deno
  const d = await run(path.join(root, "node_modules/.bin/deno"), ["run", "--node-modules-dir=manual", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "tests/runtimes/tokens-deno.mjs"], { LLM_EDGE_EMULATOR_URL: emu.url, DENO_NO_UPDATE_CHECK: "1" });
  for (const l of d.out.split("\n").filter((l) => /^(ok|not ok) - /.test(l))) record(l.replace(/^(ok|not ok) - /, ""), l.startsWith("ok"), d.out);
  if (!/2 passed, 0 failed/.test(d.out)) record("deno: the token checks ran", false, d.out);

  // workerd
  const dir = path.join(root, "tests/runtimes/.tmp/tokens-worker");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const esbuild = await import("esbuild");
  await esbuild.build({ entryPoints: [path.join(root, "tests/runtimes/tokens-worker.mjs")], bundle: true, format: "esm", platform: "browser", conditions: ["workerd", "worker"], outfile: path.join(dir, "worker.js"), loader: { ".wasm": "copy" }, logLevel: "error" });
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    modulesRoot: dir,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    scriptPath: path.join(dir, "worker.js"),
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    bindings: { EMULATOR_URL: emu.url },
  });
  try {
    const res = await mf.dispatchFetch("http://localhost/");
    const list = await res.json();
    for (const r of list) record(`workerd: ${r.name}`, r.ok, r.error);
    if (list.length !== 2) record("workerd: the token checks ran", false, JSON.stringify(list));
  } catch (e) {
    record("workerd: the token checks ran", false, e.stack);
  } finally {
    await mf.dispose();
  }
} finally {
  await emu.close();
}
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
