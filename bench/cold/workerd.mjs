// One cold start in workerd (Miniflare, Node ≥ 22): from creating the runtime to the
// first answer, and the first request alone once the runtime is up.
import { Miniflare } from "miniflare";
import path from "node:path";
import { fileURLToPath } from "node:url";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const t0 = performance.now();
const mf = new Miniflare({
  modules: true, modulesRoot: root, scriptPath: path.join(root, "bench/cold/worker.mjs"), compatibilityDate: "2026-04-01", host: "127.0.0.1", port: 0,
  modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
  bindings: { EMULATOR_URL: process.argv[2] },
});
await mf.ready;
const readyMs = performance.now() - t0;
const t1 = performance.now();
const text = await (await mf.dispatchFetch("http://localhost/")).text();
const firstRequestMs = performance.now() - t1;
await mf.dispose();
if (text !== "You said: cold") throw new Error(`wrong answer: ${text}`);
console.log(JSON.stringify({ readyMs, firstRequestMs, firstAnswerMs: readyMs + firstRequestMs }));
