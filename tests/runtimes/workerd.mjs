// The package in Cloudflare's workerd (through Miniflare, bound to 127.0.0.1): the runtime
// scenarios inside a Worker, and the example Worker streaming an answer through a Response
// to a real HTTP client. Needs Node ≥ 22 (Miniflare's requirement): run with Node 24.
import { Miniflare } from "miniflare";
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
  console.log(`${ok ? "ok" : "not ok"} - workerd: ${name}${ok ? "" : `\n${error}`}`);
};

// Wrangler bundles "llm-edge" to the package's workerd entry, with the .wasm as a module.
const modulesRules = [
  { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
  { type: "CompiledWasm", include: ["**/*.wasm"] },
];
const common = { modules: true, modulesRoot: root, modulesRules, compatibilityDate: "2026-04-01", host: "127.0.0.1", port: 0 };

const mf = new Miniflare({ ...common, scriptPath: path.join(root, "tests/runtimes/worker.mjs"), bindings: { EMULATOR_URL: emu.url } });
try {
  const res = await mf.dispatchFetch("http://localhost/scenarios");
  const list = await res.json();
  for (const r of list) record(r.name, r.ok, r.error);
} catch (e) {
  record("scenarios", false, e.stack);
} finally {
  await mf.dispose();
}

// The example Worker, with "llm-edge" resolved the way a bundler would (to pkg/workerd.js).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
mkdirSync(path.join(root, "tests/runtimes/.tmp"), { recursive: true });
const examplePath = path.join(root, "tests/runtimes/.tmp/example-worker.js");
writeFileSync(examplePath, readFileSync(path.join(root, "examples/worker/worker.js"), "utf8").replace('from "llm-edge"', 'from "../../../pkg/workerd.js"'));
const example = new Miniflare({
  ...common,
  scriptPath: examplePath,
  bindings: { AZURE_OPENAI_ENDPOINT: "http://127.0.0.1:9", AZURE_OPENAI_BACKUP_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" },
});
try {
  const base = await example.ready; // a real HTTP server on 127.0.0.1
  const res = await fetch(new URL("/chat", base), { method: "POST", body: JSON.stringify({ prompt: "from a worker" }) });
  const ok1 = res.headers.get("content-type") === "text/event-stream";
  let deltas = "";
  let done;
  let events = 0;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    buf += value;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const line = buf.slice(0, i).replace(/^data: /, "");
      buf = buf.slice(i + 2);
      const ev = JSON.parse(line);
      events++;
      if (ev.delta) deltas += ev.delta;
      if (ev.done) done = ev;
    }
  }
  const ok = ok1 && deltas === "You said: from a worker" && events >= 6 && done?.endpoint === emu.url && done.attempts[0].errorCode === "connection";
  record("example worker streams POST /chat as text/event-stream, failing over", ok, JSON.stringify({ deltas, events, done }));
} catch (e) {
  record("example worker", false, e.stack);
} finally {
  await example.dispose();
  await emu.close();
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
