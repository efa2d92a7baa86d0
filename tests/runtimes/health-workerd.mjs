// Shared endpoint health in workerd (Miniflare): two Workers — separate scripts, so separate
// isolates, each with its own model and breaker — run examples/workers/shared-health (its
// wrangler.toml read with wrangler's own reader) against two emulators, bound to one Durable
// Object namespace. After Worker A sees the primary fail, Worker B's next call skips it
// (attempts trace: skipped) within about a second; then the object stalls, then throws (a flag
// in a test subclass of HealthObject), and calls from both Workers and from a fresh third one
// still succeed on local state without waiting longer than the local wait (waitMs, 50 ms).
// Needs Node ≥ 22 (Miniflare): run with Node 24.
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/emulator.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
process.env.WRANGLER_SEND_ERROR_REPORTS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const KEY = "sk-SECRET-workerd-health-0099";
const results = [];
const record = (name, ok, detail) => {
  results.push({ name, ok });
  console.log(`${ok ? "ok" : "not ok"} - workerd shared health: ${name}${ok ? "" : `\n  ${detail}`}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const [P, Q] = await Promise.all([startEmulator({ keys: [KEY] }), startEmulator({ keys: [KEY] })]);
const requestsTo = async (emu) => (await (await fetch(`${emu.url}/__emulator/requests`)).json()).length;

// The example's config as wrangler reads it: bindings, compatibility date, the Durable Object
// binding (LLM_HEALTH → HealthObject, SQLite-backed).
const example = path.join(root, "examples/workers/shared-health");
const { workerOptions: fromToml } = unstable_getMiniflareWorkerOptions(path.join(example, "wrangler.toml"));
const ok0 = fromToml.durableObjects?.LLM_HEALTH?.className === "HealthObject" && fromToml.bindings?.AZURE_OPENAI_DEPLOYMENT === "gpt-4.1-mini";
record("wrangler.toml binds LLM_HEALTH to HealthObject", ok0, JSON.stringify(fromToml.durableObjects));

// The example with "llm-edge/..." resolved the way a bundler would, once per Worker (A, B, C:
// three scripts); and the object's host: HealthObject with a test flag (stall, throw).
const tmp = path.join(root, "tests/runtimes/.tmp");
mkdirSync(tmp, { recursive: true });
const source = readFileSync(path.join(example, "worker.js"), "utf8").replace('from "llm-edge/full"', 'from "../../../pkg/full/workerd.js"').replace('from "llm-edge/full/health"', 'from "../../../pkg/full/health.js"');
for (const n of ["a", "b", "c"]) writeFileSync(path.join(tmp, `shared-health-${n}.js`), source);
writeFileSync(
  path.join(tmp, "shared-health-host.js"),
  `import { HealthObject } from "../../../pkg/health.js";
let mode = "ok";
const hits = { ok: 0, stall: 0, throw: 0 };
export class TestHealth extends HealthObject {
  async fetch(request) {
    hits[mode]++;
    if (mode === "stall") await new Promise((r) => setTimeout(r, 20_000));
    if (mode === "throw") throw new Error("the health object is down (test flag)");
    return super.fetch(request);
  }
}
// Sets the flag; answers how many requests the object got in each mode.
export default { async fetch(request) { mode = new URL(request.url).searchParams.get("mode") ?? mode; return Response.json(hits); } };
`,
);

const modulesRules = [
  { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
  { type: "CompiledWasm", include: ["**/*.wasm"] },
];
const worker = (name) => ({
  name,
  modules: true,
  modulesRoot: root,
  modulesRules,
  scriptPath: path.join(tmp, `shared-health-${name}.js`),
  compatibilityDate: fromToml.compatibilityDate,
  bindings: { ...fromToml.bindings, AZURE_OPENAI_ENDPOINT: P.url, AZURE_OPENAI_BACKUP_ENDPOINT: Q.url, AZURE_OPENAI_KEY: KEY },
  durableObjects: { LLM_HEALTH: { ...fromToml.durableObjects.LLM_HEALTH, className: "TestHealth", scriptName: "host" } },
});
const mf = new Miniflare({
  host: "127.0.0.1",
  port: 0,
  workers: [worker("a"), worker("b"), worker("c"), { name: "host", modules: true, modulesRoot: root, modulesRules, scriptPath: path.join(tmp, "shared-health-host.js"), compatibilityDate: fromToml.compatibilityDate, durableObjects: { TEST_HEALTH: { className: "TestHealth", useSQLite: true } } }],
});

async function chat(name, prompt) {
  const w = await mf.getWorker(name);
  const t = performance.now();
  const res = await w.fetch("http://worker/chat", { method: "POST", body: JSON.stringify({ prompt }) });
  const body = await res.json();
  return { ...body, status: res.status, ms: performance.now() - t };
}
const setMode = async (mode) => (await mf.getWorker("host")).fetch(`http://host/${mode ? `?mode=${mode}` : ""}`).then((r) => r.json());

try {
  await mf.ready;
  // Both Workers have called before: healthy primary.
  const warmA = await chat("a", "warm a");
  const warmB = await chat("b", "warm b");
  record("both Workers answer from the primary while it is healthy", warmA.endpoint === P.url && warmB.endpoint === P.url, JSON.stringify([warmA, warmB]));

  // Worker A sees the primary fail three times (the shared threshold): the object opens it.
  P.setFault("503");
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push(await chat("a", `a fails over ${i}`));
  const failedAt = performance.now();
  record("Worker A fails over from the 503ing primary to the backup", seen.every((r) => r.endpoint === Q.url && r.attempts[0].status === 503), JSON.stringify(seen.map((r) => r.attempts)));

  // Worker B's next call, ~0.6 s later (its view from the warm-up is past cacheMs, 500 ms):
  // straight to the backup, the primary skipped for an open circuit, nothing sent to it.
  await sleep(600);
  const before = await requestsTo(P);
  const b = await chat("b", "b after the outage");
  const after = await requestsTo(P);
  const within = performance.now() - failedAt;
  record(
    `Worker B's next call skips the primary (${Math.round(within)} ms after A saw it fail)`,
    b.endpoint === Q.url && b.attempts[0].endpoint === P.url && b.attempts[0].skipped === true && b.attempts.length === 2 && after === before && within < 1500,
    JSON.stringify({ b, sentToPrimary: after - before }),
  );

  // A Worker that never called (a fresh isolate) learns it before its first request goes out.
  const c = await chat("c", "c first call");
  record("a fresh Worker's first call skips the primary too", c.endpoint === Q.url && c.attempts[0].skipped === true, JSON.stringify(c));

  // The object stalls: calls go on on local state, each waiting at most waitMs (50 ms) for it.
  const baseline = [];
  for (let i = 0; i < 3; i++) baseline.push((await chat("b", `baseline ${i}`)).ms);
  const base = Math.max(...baseline);
  await setMode("stall");
  await sleep(600); // every view is stale now: each Worker's next call asks the stalled object
  const stalled = [];
  for (const n of ["a", "b", "c", "a", "b", "c"]) stalled.push({ n, ...(await chat(n, `stalled ${n}`)) });
  const slowest = Math.max(...stalled.map((r) => r.ms));
  const stallHits = (await setMode()).stall; // the object really was asked while it stalled
  record(
    `the object stalls (asked ${stallHits} times): calls succeed on local state (slowest ${Math.round(slowest)} ms; healthy object ${Math.round(base)} ms; store timeout 1000 ms)`,
    stalled.every((r) => r.status === 200 && r.endpoint === Q.url && r.attempts[0].skipped === true) && slowest < base + 50 + 250 && stallHits >= 3,
    JSON.stringify({ stallHits, calls: stalled.map((r) => [r.n, r.status, Math.round(r.ms), r.attempts]) }),
  );

  // The object throws: the same.
  await setMode("throw");
  await sleep(1200); // past timeoutMs: the stalled operations have given up
  const thrown = [];
  for (const n of ["a", "b", "c"]) thrown.push({ n, ...(await chat(n, `thrown ${n}`)) });
  const throwHits = (await setMode()).throw;
  record(
    `the object throws (asked ${throwHits} times): calls succeed on local state`,
    thrown.every((r) => r.status === 200 && r.endpoint === Q.url && r.ms < base + 50 + 250) && throwHits >= 1,
    JSON.stringify({ throwHits, calls: thrown.map((r) => [r.n, r.status, Math.round(r.ms), r.attempts]) }),
  );

  // The object is back; the primary recovers; what is stored names endpoints, never the key.
  await setMode("ok");
  P.setFault(undefined);
  const ns = await mf.getDurableObjectNamespace("TEST_HEALTH", "host");
  const stub = ns.get(ns.idFromName([`${P.url}/gpt-4.1-mini`, `${Q.url}/gpt-4.1-mini`].join("\n")));
  const stored = await (await stub.fetch("https://llm-edge-health/read", { method: "POST", body: JSON.stringify({ ids: [`${P.url}/gpt-4.1-mini`, `${Q.url}/gpt-4.1-mini`] }) })).text();
  const rec = JSON.parse(stored)[`${P.url}/gpt-4.1-mini`];
  record("the object holds the primary's open circuit and failure count, and no key", rec?.failures >= 3 && rec.openUntil > Date.now() && !stored.includes(KEY), stored);
} catch (e) {
  record("shared health", false, e.stack);
} finally {
  await mf.dispose();
  await P.close();
  await Q.close();
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
