// Shared endpoint health on Deno KV, inside Deno: two Deno processes (two isolates, as on Deno
// Deploy) open one KV database. The first sees the primary fail and reports it; the second,
// which never saw the outage, skips the primary on its first call (attempts trace: skipped),
// and so does a second model in that process. Nothing written to KV holds the key.
//   node tests/runtimes/health-deno.mjs
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/emulator.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DENO = path.join(root, "node_modules/.bin/deno");
const KEY = "sk-SECRET-deno-kv-health-4242";
const results = [];
const record = (name, ok, detail) => {
  results.push({ name, ok });
  console.log(`${ok ? "ok" : "not ok"} - deno kv shared health: ${name}${ok ? "" : `\n  ${detail}`}`);
};
const [P, Q] = await Promise.all([startEmulator({ keys: [KEY] }), startEmulator({ keys: [KEY] })]);
const dir = mkdtempSync(path.join(tmpdir(), "llm-edge-kv-"));
const kvPath = path.join(dir, "health.sqlite3");
const run = (role) =>
  new Promise((resolve) => {
    const args = ["run", "--unstable-kv", "--allow-net=127.0.0.1", `--allow-read`, `--allow-write=${dir}`, path.join(root, "tests/runtimes/health-deno-role.mjs"), role, kvPath, P.url, Q.url, KEY];
    execFile(DENO, args, { cwd: root, env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 }, (err, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout.trim().split("\n").at(-1)));
      } catch {
        resolve({ error: `${err?.message ?? ""}\n${stdout}\n${stderr}` });
      }
    });
  });
try {
  P.setFault("503");
  const a = await run("fail");
  record("process A fails over from the 503ing primary three times and reports it", !a.error && a.attempts.every((t) => t[0].status === 503 && t.at(-1).endpoint === Q.url), JSON.stringify(a));
  const before = (await (await fetch(`${P.url}/__emulator/requests`)).json()).length;
  const b = await run("follow");
  const after = (await (await fetch(`${P.url}/__emulator/requests`)).json()).length;
  record("process B's first call skips the primary (circuit open, from KV)", !b.error && b.first.endpoint === Q.url && b.first.attempts[0].skipped === true && b.first.attempts[0].endpoint === P.url, JSON.stringify(b));
  record("a second model in process B shares the same view", !b.error && b.second.endpoint === Q.url && b.second.attempts[0].skipped === true, JSON.stringify(b.second));
  record("B sent nothing to the primary", after === before, `${after - before} requests`);
  record("KV holds the open circuit and the failure count (CAS writes, expireIn)", b.stored?.failures >= 3 && b.stored.openUntil > Date.now(), JSON.stringify(b.stored));
  record("no store errors", !a.error && !b.error && a.storeErrors.length === 0 && b.storeErrors.length === 0, JSON.stringify([a.storeErrors, b.storeErrors]));
  const written = [...(a.written ?? []), ...(b.written ?? [])].join("\n");
  record("nothing written to KV holds the key", written.length > 0 && !written.includes(KEY) && written.includes(`${P.url}/gpt-4.1-mini`), written);
} catch (e) {
  record("deno kv", false, e.stack);
} finally {
  await P.close();
  await Q.close();
  rmSync(dir, { recursive: true, force: true });
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
