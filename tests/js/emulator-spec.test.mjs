// The emulator's request validation follows the 2024-10-21 inference spec (tests/data/azure):
// its list of accepted chat parameters is exactly the spec's createChatCompletionRequest
// properties (read from the YAML here, with its $ref/allOf composition followed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SPEC_CHAT_PARAMS } from "../emulator/emulator.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const specPath = path.join(root, "tests/data/azure/spec/2024-10-21-inference.yaml");

/** The lines of one schema under components/schemas (indentation-scoped). */
function schemaLines(lines, name) {
  const start = lines.findIndex((l) => l === `    ${name}:`);
  assert.ok(start >= 0, `schema ${name} in the spec`);
  const out = [];
  for (let i = start + 1; i < lines.length && (lines[i].startsWith("      ") || lines[i].trim() === ""); i++) out.push(lines[i]);
  return out;
}

/** Property names of a schema, following allOf $refs. */
function properties(lines, name) {
  const body = schemaLines(lines, name);
  const props = new Set();
  for (const l of body) {
    const ref = /\$ref: "?#\/components\/schemas\/(\w+)"?/.exec(l);
    if (ref && l.startsWith("        - $ref")) for (const p of properties(lines, ref[1])) props.add(p);
  }
  // Keys of the schema's own `properties:` (indent 6) or of an allOf item's
  // `- properties:` (indent 8); nested schemas' properties are deeper and not counted.
  body.forEach((l, i) => {
    const inner = l === "      properties:" ? 8 : l === "        - properties:" ? 12 : 0;
    if (!inner) return;
    for (let j = i + 1; j < body.length; j++) {
      const line = body[j];
      if (line.trim() === "") continue;
      const indent = line.length - line.trimStart().length;
      if (indent < inner) break;
      const key = /^\s+([a-z_]+):/.exec(line);
      if (indent === inner && key) props.add(key[1]);
    }
  });
  return props;
}

test("the emulator accepts exactly the spec's chat completion parameters", () => {
  const lines = readFileSync(specPath, "utf8").split("\n");
  const spec = [...properties(lines, "createChatCompletionRequest")].sort();
  assert.ok(spec.includes("messages") && spec.includes("temperature") && spec.includes("stream_options"), spec.join(","));
  assert.deepEqual([...SPEC_CHAT_PARAMS].sort(), spec);
});

test("examples/node/ask.mjs, the README's first command, streams an answer with failover", async () => {
  const { spawn } = await import("node:child_process");
  const env = { ...process.env };
  for (const k of ["AZURE_OPENAI_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_DEPLOYMENT"]) delete env[k];
  const out = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "examples/node/ask.mjs"), "Why is the sky blue?"], { env });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.stderr.on("data", (d) => (text += d));
    child.on("close", (code) => resolve({ code, text }));
  });
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /^You said: Why is the sky blue\?\n/);
  assert.match(out.text, /attempts: http:\/\/127\.0\.0\.1:9 connection → http:\/\/127\.0\.0\.1:\d+ 200/);
});
