// The examples run from the repository as they are (importing "llm-edge" by name: the root
// package.json is named llm-edge and exports the built pkg/, so Node resolves the name to
// it), against the emulator. (tests/runtimes/package.mjs runs them from an installed copy.)
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

/** Runs a script with Node from a given folder; resolves with its exit code and output. */
function run(script, { cwd = root, input = "", env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { cwd, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, out })));
    child.stdin.end(input);
  });
}
const azureEnv = () => ({ AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" });

for (const cwd of [root, path.join(root, "examples/node")]) {
  test(`examples/node/chat.mjs streams a two-turn chat, run from ${path.relative(root, cwd) || "the repository root"}`, async () => {
    const r = await run(path.join(root, "examples/node/chat.mjs"), { cwd, input: "hello there\nand again\n\n", env: azureEnv() });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /assistant> You said: hello there/);
    assert.match(r.out, /assistant> You said: and again/);
  });
}
