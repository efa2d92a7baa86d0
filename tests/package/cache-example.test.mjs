// examples/cache/cache.mjs as it is (importing "llm-edge" and "llm-edge/cache" by name, which
// the root package.json exports into pkg/), against the emulator: a miss then a hit with no
// request, a stream replayed chunk for chunk, five identical calls sharing one request.
// (examples/cache/worker.js runs in workerd in tests/runtimes/cache.mjs.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/emulator.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());

function run(script, args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, out })));
  });
}

test("examples/cache/cache.mjs: a hit sends nothing, a replay is chunk for chunk equal, single flight shares one request", async () => {
  const before = emu.requests.length;
  const r = await run(path.join(root, "examples/cache/cache.mjs"), ["why", "cache?"], { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^miss: You said: why cache\? \[[\d.]+ ms, cacheHit false, requests so far 1\]$/m);
  assert.match(r.out, /^hit: {2}You said: why cache\? \[[\d.]+ ms, cacheHit true, requests so far 1\]$/m);
  assert.match(r.out, /^stream: \d+ chunks recorded; replay: \d+ chunks, cacheHit true, chunk for chunk equal: true; requests so far 2$/m);
  assert.match(r.out, /^single flight: 5 identical calls, 1 request, 4 shared it$/m);
  assert.match(r.out, /^ctx.cache false: requests so far 4$/m);
  assert.equal(emu.requests.length - before, 4, "what the emulator saw agrees");
});
