// The examples run from the repository as they are (importing "llm-edge" by name: the root
// package.json is named llm-edge and exports the built pkg/, so Node resolves the name to
// it), against the emulator. (tests/runtimes/package.mjs runs them from an installed copy.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator, answerPieces } from "../emulator/emulator.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());

/** Runs a script with Node from a given folder; resolves with its exit code and output. */
function run(script, { cwd = root, input = "", env = {}, args = [] } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
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

// ---------------------------------------------------------------- examples/tools: one per helper

const PLAN = { title: "Picnic", people: 3, items: [{ name: "bread", qty: 2 }] };

test("the emulator's [[json:...]] directive answers with exactly its JSON text, even one holding ]]", () => {
  const answer = (prompt) => answerPieces([{ role: "user", content: prompt }]).join("");
  const nested = '{"a": [[1, 2]], "b": "x]]y"}';
  assert.equal(answer(`before [[json:${nested}]] after`), nested);
  assert.equal(answer("[[json:[1,[2]]]]"), "[1,[2]]");
  assert.ok(answerPieces([{ role: "user", content: `[[json:${nested}]]` }]).length > 1, "streamed in pieces");
  // Not JSON: no JSON answer (the directive is dropped from the echo).
  assert.equal(answer("[[json:{oops]] hi"), "You said: hi");
});

test("examples/tools/run-tools.mjs: the model calls the tool, the tool runs, the answer streams", async () => {
  const before = emu.requests.length;
  const r = await run(path.join(root, "examples/tools/run-tools.mjs"), { env: azureEnv() });
  // The emulator calls the first tool with {"input": <the prompt>}: 29 letters in the default question.
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /tool letter_count\("How many letters are in strawberry\?"\) -> 29\n/);
  assert.match(r.out, /assistant> You said: How many letters are in strawberry\?\n/);
  assert.match(r.out, /steps: 2, tool calls: 1, tokens: [1-9]\d*\n/);
  // Two streamed requests: the tool on the wire, then its result sent back.
  const sent = emu.requests.slice(before).map((q) => q.body);
  assert.equal(sent.length, 2);
  assert.ok(sent.every((b) => b.stream === true));
  assert.equal(sent[0].tools[0].function.name, "letter_count");
  assert.deepEqual(JSON.parse(sent[1].messages.at(-1).content), { letters: 29 });
});

test("examples/tools/run-tools.mjs takes the question as its arguments", async () => {
  const r = await run(path.join(root, "examples/tools/run-tools.mjs"), { env: azureEnv(), args: ["count", "these"] });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /tool letter_count\("count these"\) -> 10\n/);
  assert.match(r.out, /assistant> You said: count these\n/);
});

test("examples/tools/structured.mjs: getStructured's value, then streamStructured's partial text and value", async () => {
  const before = emu.requests.length;
  const r = await run(path.join(root, "examples/tools/structured.mjs"), { env: azureEnv(), args: [`Plan it [[json:${JSON.stringify(PLAN)}]]`] });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^getStructured: Picnic for 3: 2 bread \(\d+ tokens\)$/m);
  const partials = r.out.split("\n").filter((l) => l.startsWith("partial: ")).map((l) => l.slice(9));
  assert.ok(partials.length > 3, r.out);
  partials.forEach((p, i) => i && assert.ok(p.startsWith(partials[i - 1]) && p.length > partials[i - 1].length, "each partial text extends the last"));
  assert.equal(partials.at(-1), JSON.stringify(PLAN));
  assert.match(r.out, new RegExp(`^streamStructured: ${partials.length} text events, then ${RegExp.escape?.(JSON.stringify(PLAN)) ?? JSON.stringify(PLAN).replace(/[[\]{}()*+?.\\^$|]/g, "\\$&")}$`, "m"));
  // Both asked for the schema on the wire.
  const sent = emu.requests.slice(before).map((q) => q.body);
  assert.equal(sent.length, 2);
  for (const b of sent) {
    assert.equal(b.response_format.type, "json_schema");
    assert.equal(b.response_format.json_schema.name, "plan");
    assert.equal(b.response_format.json_schema.strict, true);
  }
});

test("examples/tools/structured.mjs reports an answer that breaks the schema as LLMError parse, with the raw text", async () => {
  const bad = JSON.stringify({ ...PLAN, people: 0 });
  const r = await run(path.join(root, "examples/tools/structured.mjs"), { env: azureEnv(), args: [`Plan it [[json:${bad}]]`] });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /LLMError \[parse\] .*\$\.people: 0 is below the minimum 1/);
  assert.ok(r.out.includes(`raw: ${bad}`), r.out);
  // And an answer that is not JSON at all (no directive: the emulator echoes the prompt).
  const r2 = await run(path.join(root, "examples/tools/structured.mjs"), { env: azureEnv(), args: ["no json here"] });
  assert.equal(r2.code, 1, r2.out);
  assert.match(r2.out, /LLMError \[parse\] the answer is not JSON/);
});

for (const format of ["sse", "openai", "text"]) {
  test(`examples/tools/worker-response.mjs serves toResponse(stream) with node:http (format ${format})`, async () => {
    const r = await run(path.join(root, "examples/tools/worker-response.mjs"), { env: azureEnv(), args: ["--format", format, "hi", "from", "a", "worker"] });
    assert.equal(r.code, 0, r.out);
    const body = r.out.split("\n").slice(2).join("\n");
    if (format === "text") {
      assert.match(r.out, /^200 text\/plain; charset=utf-8$/m);
      assert.equal(body, "You said: hi from a worker\n");
      return;
    }
    assert.match(r.out, /^200 text\/event-stream; charset=utf-8$/m);
    const events = body.split("\n\n").filter((e) => e.trim());
    assert.equal(events.at(-1), "data: [DONE]");
    const datas = events.filter((e) => e.startsWith("data: {")).map((e) => JSON.parse(e.slice(6)));
    if (format === "sse") {
      assert.equal(datas.map((c) => c.delta).join(""), "You said: hi from a worker");
      const trace = events.find((e) => e.startsWith("event: trace\n"));
      assert.ok(trace, body);
      assert.equal(JSON.parse(trace.split("\ndata: ")[1]).endpoint, emu.url);
    } else {
      assert.ok(datas.every((c) => c.object === "chat.completion.chunk"), body);
      assert.equal(datas.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "You said: hi from a worker");
      assert.equal(datas.at(-1).llm_edge.endpoint, emu.url);
    }
  });
}

test("examples/tools/worker-response.mjs --serve: a client that leaves cancels the model's request", async () => {
  const child = spawn(process.execPath, [path.join(root, "examples/tools/worker-response.mjs"), "--serve", "--port", "0"], { cwd: root, env: { ...process.env, ...azureEnv() }, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let out = "";
    const base = await new Promise((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("close", () => reject(new Error(`exited: ${out}`)));
    });
    assert.equal((await fetch(`${base}/`)).status, 400);
    const before = emu.requests.length;
    const ac = new AbortController();
    const res = await fetch(`${base}/?q=${encodeURIComponent("[[words:400]] [[delay:20]]")}&format=text`, { signal: ac.signal });
    const reader = res.body.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /^w0 /);
    ac.abort();
    // The emulator sees its stream closed early: the cancel reached the provider request.
    const deadline = Date.now() + 5000;
    while (emu.requests[before]?.closedEarly !== true && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(emu.requests.length, before + 1);
    assert.equal(emu.requests[before].closedEarly, true, "the provider request was cut when the client left");
  } finally {
    child.kill();
  }
});

// ---------------------------------------------------------------- from an installed copy
// The packed tarball installed into a fresh project, and the helper examples copied there
// (as a user would): "llm-edge" then resolves to node_modules/llm-edge, not to the repo.

test("examples/tools run from a project that installed the packed tarball", async () => {
  const { mkdtempSync, readdirSync, writeFileSync, copyFileSync, rmSync, realpathSync } = await import("node:fs");
  const { execFileSync } = await import("node:child_process");
  const os = await import("node:os");
  const tmp = mkdtempSync(path.join(os.tmpdir(), "llm-edge-examples-"));
  try {
    execFileSync("npm", ["pack", "--pack-destination", tmp], { cwd: path.join(root, "pkg"), stdio: "ignore" });
    const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
    const consumer = path.join(tmp, "consumer");
    (await import("node:fs")).mkdirSync(consumer);
    writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { "llm-edge": `file:../${tarball}` } }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--loglevel=error"], { cwd: consumer, stdio: "ignore" });
    for (const f of ["run-tools.mjs", "structured.mjs", "worker-response.mjs"]) copyFileSync(path.join(root, "examples/tools", f), path.join(consumer, f));
    // The copy must import the installed package: its resolution lands in node_modules.
    writeFileSync(path.join(consumer, "where.mjs"), 'console.log(import.meta.resolve("llm-edge"));\n');
    const resolved = await run(path.join(consumer, "where.mjs"), { cwd: consumer });
    assert.ok(resolved.out.includes(`${realpathSync(consumer)}/node_modules/llm-edge/`), resolved.out);

    const tools = await run(path.join(consumer, "run-tools.mjs"), { cwd: consumer, env: azureEnv(), args: ["count", "these"] });
    assert.equal(tools.code, 0, tools.out);
    assert.match(tools.out, /tool letter_count\("count these"\) -> 10\n/);
    assert.match(tools.out, /assistant> You said: count these\n/);

    const structured = await run(path.join(consumer, "structured.mjs"), { cwd: consumer, env: azureEnv(), args: [`Plan it [[json:${JSON.stringify(PLAN)}]]`] });
    assert.equal(structured.code, 0, structured.out);
    assert.match(structured.out, /^getStructured: Picnic for 3: 2 bread/m);
    assert.ok(structured.out.includes(`streamStructured: `) && structured.out.includes(`then ${JSON.stringify(PLAN)}`), structured.out);

    const worker = await run(path.join(consumer, "worker-response.mjs"), { cwd: consumer, env: azureEnv(), args: ["--format", "text", "hi", "installed"] });
    assert.equal(worker.code, 0, worker.out);
    assert.ok(worker.out.endsWith("200 text/plain; charset=utf-8\nYou said: hi installed\n"), worker.out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- examples/media

test("examples/media/image-edit.mjs: a generated image, then its edit streamed, against the emulator", async () => {
  const before = emu.requests.length;
  const r = await run(path.join(root, "examples/media/image-edit.mjs"), { env: { AZURE_OPENAI_ENDPOINT: emu.url, AZURE_OPENAI_KEY: "test-key", AZURE_OPENAI_DEPLOYMENT: "gpt-image-1", OUT: "" }, args: ["a", "red", "kite"] });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /generated: \d+ bytes, 1024x1024/);
  assert.match(r.out, /partial image 0:[\s\S]*partial image 1:[\s\S]*final image 0:/);
  assert.match(r.out, /edited: \d+ bytes/);
  const sent = emu.requests.slice(before);
  assert.deepEqual(sent.map((q) => q.path), ["/openai/deployments/gpt-image-1/images/generations", "/openai/deployments/gpt-image-1/images/edits"]);
  assert.equal(sent[1].body.prompt, "a red kite, at night");
  assert.equal(sent[1].files[0].name, "image");
});

test("examples/media/speech.mjs: getAudio's WAV and streamAudio's PCM, against the emulator", async () => {
  const r = await run(path.join(root, "examples/media/speech.mjs"), { env: { OPENAI_BASE_URL: `${emu.url}/v1`, OPENAI_API_KEY: "test-key" }, args: ["Hello", "there"] });
  assert.equal(r.code, 0, r.out);
  // 11 characters at 50 ms each: 0.55 s, 26,400 bytes of 24 kHz 16-bit PCM.
  assert.match(r.out, /getAudio: 26444 bytes of audio\/wav/);
  assert.match(r.out, /streamAudio: \d+ pieces, 26400 bytes, 0\.55 s of audio/);
});

test("examples/media/video.mjs: the job's progress, then the MP4 and its thumbnail, against the emulator", async () => {
  const before = emu.requests.length;
  const r = await run(path.join(root, "examples/media/video.mjs"), { env: { OPENAI_BASE_URL: `${emu.url}/v1`, OPENAI_API_KEY: "test-key", POLL_MS: "20" }, args: ["a", "kite"] });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /job video_\w+: queued 0%\njob video_\w+: in_progress 25%[\s\S]*in_progress 75%/);
  assert.match(r.out, /video: \d+ bytes of MP4 \(\d+ pieces\), thumbnail: \d+ bytes/);
  assert.deepEqual(emu.requests[before].body, { model: "sora-2", prompt: "a kite", size: "1280x720", seconds: "4" });
});
