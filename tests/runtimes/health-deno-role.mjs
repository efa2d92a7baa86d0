// One Deno process of tests/runtimes/health-deno.mjs: a model of llm-edge/full wrapped with
// llm-edge/health over a Deno KV database that another process opens too.
//   deno run --unstable-kv ... health-deno-role.mjs <fail|follow> <kv path> <primary> <backup> <key>
import { createLLM } from "../../pkg/full/web.js";
import { withSharedHealth, denoKvStore } from "../../pkg/full/health.js";

const [role, kvPath, primary, backup, key] = Deno.args;
const kv = await Deno.openKv(kvPath);
// Everything written to KV, for the secret scan (the store's own writes, through kv.atomic()).
const written = [];
const logged = {
  get: (k, o) => kv.get(k, o),
  getMany: (ks, o) => kv.getMany(ks, o),
  atomic: () => {
    const op = kv.atomic();
    const set = op.set.bind(op);
    op.set = (k, v, o) => (written.push(JSON.stringify([k, v])), set(k, v, o));
    return op;
  },
};
const storeErrors = [];
const model = () =>
  withSharedHealth(
    createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: primary, deploymentName: "gpt-4.1-mini", apiKey: key, backups: [{ endpoint: backup }], timeoutMs: 3000 }),
    denoKvStore(logged, { prefix: ["llm-edge-test", "health"] }),
    { cacheMs: 0, onStoreError: (e) => storeErrors.push(String(e)) },
  );
const user = (content) => [{ role: "user", content }];
const out = { role };
if (role === "fail") {
  // Sees the primary fail three times (the shared threshold), reports, exits.
  const llm = model();
  out.attempts = [];
  for (let i = 0; i < 3; i++) out.attempts.push((await llm.getAnswer(user(`deno fail ${i}`))).attempts);
  await llm.health.flush();
} else {
  // A process that never saw the outage: its first call, and a second model in the same
  // process sharing the same KV.
  const llm = model();
  const r = await llm.getAnswer(user("deno follow"));
  out.first = { endpoint: r.endpoint, attempts: r.attempts };
  const other = model();
  const r2 = await other.getAnswer(user("deno follow 2"));
  out.second = { endpoint: r2.endpoint, attempts: r2.attempts };
  out.stored = (await kv.get(["llm-edge-test", "health", llm.health.ids()[0]])).value;
  await llm.health.flush();
  await other.health.flush();
}
out.written = written;
out.storeErrors = storeErrors;
kv.close();
console.log(JSON.stringify(out));
