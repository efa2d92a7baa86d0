// llm-edge/tokens: exact counts equal OpenAI's published example counts (the Cookbook's,
// checked there against the API) and gpt-tokenizer's own chat counts on varied messages;
// images by OpenAI's documented patch and tile formulas; withExactTokens refuses before
// anything is sent (the emulator sees no request); the entry loads gpt-tokenizer only when
// loadTokenizer is called (a module-resolution hook in a child process watches), and a
// missing gpt-tokenizer is a typed error with a hint.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { emulator, user, collect, rejects, createLLM, LLMError, KEY } from "./helpers.mjs";
import { loadTokenizer, countTokens, withExactTokens, imageTokens, imageSize, encodingForModel } from "../../pkg/tokens.js";
import * as o200k from "gpt-tokenizer/encoding/o200k_base";
import * as cl100k from "gpt-tokenizer/encoding/cl100k_base";
import gpt4o from "gpt-tokenizer/model/gpt-4o";
import gpt4turbo from "gpt-tokenizer/model/gpt-4-turbo"; // cl100k_base; gpt-4 itself has no countChatCompletionTokens there
import { png } from "./png.mjs";
import * as full from "../../pkg/full/node.js";
import * as fullTokens from "../../pkg/full/tokens.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let emu;
before(async () => {
  emu = await emulator();
  await Promise.all([loadTokenizer("o200k_base"), loadTokenizer("cl100k_base")]);
});
after(() => emu.close());

// OpenAI Cookbook, How_to_count_tokens_with_tiktoken.ipynb (openai/openai-cookbook at
// c81359cdc6744f001e40c08a192604c5113fdab3), sections 6 and 7: these messages and tools, and
// the prompt_tokens the API reported for them.
const COOKBOOK_MESSAGES = [
  { role: "system", content: "You are a helpful, pattern-following assistant that translates corporate jargon into plain English." },
  { role: "system", name: "example_user", content: "New synergies will help drive top-line growth." },
  { role: "system", name: "example_assistant", content: "Things working well together will increase revenue." },
  { role: "system", name: "example_user", content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: "system", name: "example_assistant", content: "Let's talk later when we're less busy about how to do better." },
  { role: "user", content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];
const COOKBOOK_TOOLS = [
  {
    type: "function",
    function: {
      name: "get_current_weather",
      description: "Get the current weather in a given location",
      parameters: {
        type: "object",
        properties: {
          location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
          unit: { type: "string", description: "The unit of temperature to return", enum: ["celsius", "fahrenheit"] },
        },
        required: ["location"],
      },
    },
  },
];
const COOKBOOK_TOOL_MESSAGES = [
  { role: "system", content: "You are a helpful assistant that can answer to questions about the weather." },
  { role: "user", content: "What's the weather like in San Francisco?" },
];

test("OpenAI's published counts: 124 (gpt-4o, gpt-4o-mini) and 129 (gpt-4) for the Cookbook's messages; 101 and 105 with its tools", () => {
  assert.equal(countTokens(COOKBOOK_MESSAGES, { model: "gpt-4o" }), 124);
  assert.equal(countTokens(COOKBOOK_MESSAGES, { model: "gpt-4o-mini" }), 124);
  assert.equal(countTokens(COOKBOOK_MESSAGES, { model: "gpt-4" }), 129);
  assert.equal(countTokens(COOKBOOK_TOOL_MESSAGES, { model: "gpt-4o", tools: COOKBOOK_TOOLS }), 101);
  assert.equal(countTokens(COOKBOOK_TOOL_MESSAGES, { model: "gpt-4", tools: COOKBOOK_TOOLS }), 105);
});

/** A seeded generator of varied text: scripts, emoji, code, digits, whitespace runs, and
 *  text that looks like special tokens. */
function varied(seed) {
  let s = seed >>> 0;
  const rnd = (n) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n);
  const pieces = ["The quick brown fox ", "Привет мир! ", "你好，世界。", "fn main() { println!(\"hi\"); }\n", "1234567890 ", "   \t\n\n", "🙂👍🏽 ", "<|endoftext|>", "<|im_start|>", "naïve café ", "ﾃｽﾄ ", "العربية ", "x".repeat(40), "\u0000\u200b", "a-b_c.d/e "];
  let out = "";
  const n = 1 + rnd(30);
  for (let i = 0; i < n; i++) out += pieces[rnd(pieces.length)];
  return out;
}
function variedChat(seed) {
  const roles = ["system", "developer", "user", "assistant", "user"];
  return Array.from({ length: 1 + (seed % 7) }, (_, i) => {
    const m = { role: roles[(seed + i) % roles.length], content: varied(seed * 31 + i) };
    if ((seed + i) % 4 === 0) m.name = `person_${seed % 10}`;
    return m;
  });
}

test("countTokens equals gpt-tokenizer's countChatCompletionTokens (o200k: gpt-4o, cl100k: gpt-4-turbo) on 300 varied chats", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const chat = variedChat(seed);
    assert.equal(countTokens(chat, { model: "gpt-4o" }), gpt4o.countChatCompletionTokens({ messages: chat }), `o200k, seed ${seed}`);
    assert.equal(countTokens(chat, { model: "gpt-4-turbo" }), gpt4turbo.countChatCompletionTokens({ messages: chat }), `cl100k, seed ${seed}`);
  }
});

test("countTokens equals the length of gpt-tokenizer's encodeChat (the ChatML tokens themselves) for chats without names", () => {
  const ordinary = { disallowedSpecial: new Set() };
  for (let seed = 1; seed <= 200; seed++) {
    const chat = variedChat(seed).map(({ role, content }) => ({ role, content }));
    assert.equal(countTokens(chat, { model: "gpt-4o" }), o200k.encodeChat(chat, "gpt-4o", ordinary).length, `o200k, seed ${seed}`);
    assert.equal(countTokens(chat, { encoding: "cl100k_base" }), cl100k.encodeChat(chat, "gpt-4", ordinary).length, `cl100k, seed ${seed}`);
  }
});

test("text parts count as their text; tool calls and tool_call_id are counted; content null is 0", () => {
  const parts = [{ role: "user", content: [{ type: "text", text: "Hello " }, { type: "text", text: "world, twice over" }] }];
  const t = (s) => o200k.encode(s, { disallowedSpecial: new Set() }).length;
  assert.equal(countTokens(parts, { model: "gpt-4o" }), 3 + 3 + t("user") + t("Hello ") + t("world, twice over"));
  const call = { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
  const withCalls = [
    { role: "assistant", content: null, tool_calls: [call, { ...call, id: "call_2" }] },
    { role: "tool", tool_call_id: "call_1", content: "18 C" },
  ];
  const expected = 3 + (3 + t("assistant") + 2 * (t("get_weather") + t('{"city":"Paris"}') + 3)) + (3 + t("tool") + t("call_1") + t("18 C"));
  assert.equal(countTokens(withCalls, { model: "gpt-4o" }), expected);
});

test("hostile runs (one pre-token of 300,000 letters, spaces or punctuation) count in bounded time, at or just above exact", () => {
  const ordinary = { disallowedSpecial: new Set() };
  // Small enough to count exactly with gpt-tokenizer (its merge is quadratic in a run's length).
  for (const run of ["a".repeat(6000), " ".repeat(6000), "!".repeat(6000), "你好世界汉字测试".repeat(750), "é".repeat(6000)]) {
    const exact = o200k.countTokens(run, ordinary) + 7; // + 3 framing + "user" + 3 primer
    const ours = countTokens(user(run), { model: "gpt-4o" });
    assert.ok(ours >= exact && ours <= exact + 2 * Math.ceil(run.length / 1000), `${JSON.stringify(run.slice(0, 4))}: ${ours} vs exact ${exact}`);
  }
  // 300,000 "a"s: exactly 37,500 tokens of 8; 299 cuts of margin at most.
  const t0 = performance.now();
  const n = countTokens(user("a".repeat(300_000)), { model: "gpt-4o" });
  assert.ok(n >= 37_507 && n <= 37_507 + 299, String(n));
  for (const c of [" ", "!", "日"]) countTokens(user(c.repeat(300_000)), { model: "gpt-4o" });
  assert.ok(performance.now() - t0 < 60_000, "four 300,000-character runs in under a minute (unbounded, one took minutes)");
  // Runs of a pattern gpt-tokenizer splits anyway (base64) stay exact.
  const b64 = Buffer.from(Array.from({ length: 30_000 }, (_, i) => (i * 7919) % 251)).toString("base64");
  assert.equal(countTokens(user(b64), { model: "gpt-4o" }), o200k.countTokens(b64, ordinary) + 7);
});

// ------------------------------------------------------------------ images

/** Just the header bytes each format keeps its size in (enough for imageSize). */
const pngHeader = (w, h) => {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b);
  b.write("IHDR", 12, "latin1");
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
};
const gifHeader = (w, h) => {
  const b = Buffer.alloc(13);
  b.write("GIF89a", 0, "latin1");
  b.writeUInt16LE(w, 6);
  b.writeUInt16LE(h, 8);
  return b;
};
/** SOI, an APP1 segment of `pad` bytes (metadata before the frame), SOF2 (progressive). */
const jpegHeader = (w, h, pad = 20) => {
  const app1 = Buffer.alloc(4 + pad);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(2 + pad, 2);
  const sof = Buffer.from([0xff, 0xc2, 0, 17, 8, h >> 8, h & 255, w >> 8, w & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, sof]);
};
const webpHeader = (kind, w, h) => {
  const b = Buffer.alloc(30);
  b.write("RIFF", 0, "latin1");
  b.writeUInt32LE(22, 4);
  b.write("WEBP", 8, "latin1");
  b.write(kind, 12, "latin1");
  if (kind === "VP8X") {
    b.writeUIntLE(w - 1, 24, 3);
    b.writeUIntLE(h - 1, 27, 3);
  } else if (kind === "VP8L") {
    b[20] = 0x2f;
    const bits = (w - 1) | ((h - 1) << 14);
    b.writeUInt32LE(bits >>> 0, 21);
  } else {
    b.writeUInt16LE(w, 26);
    b.writeUInt16LE(h, 28);
  }
  return b;
};
const dataUrl = (bytes, type = "image/png") => `data:${type};base64,${Buffer.from(bytes).toString("base64")}`;

test("imageSize reads PNG, GIF, JPEG (after large metadata), and the three WebP kinds", () => {
  assert.deepEqual(imageSize(png(64, 32)), [64, 32]);
  assert.deepEqual(imageSize(pngHeader(4096, 8192)), [4096, 8192]);
  assert.deepEqual(imageSize(gifHeader(300, 200)), [300, 200]);
  assert.deepEqual(imageSize(jpegHeader(1800, 2400)), [1800, 2400]);
  assert.deepEqual(imageSize(jpegHeader(640, 480, 60_000)), [640, 480]);
  for (const kind of ["VP8 ", "VP8L", "VP8X"]) assert.deepEqual(imageSize(webpHeader(kind, 1000, 700)), [1000, 700], kind);
  assert.equal(imageSize(new Uint8Array([1, 2, 3])), undefined);
  // A JPEG whose frame header lies past 64 KB of metadata is still read from a data: URL.
  assert.equal(imageTokens({ url: dataUrl(jpegHeader(512, 512, 60_000), "image/jpeg"), detail: "high" }, "gpt-4o"), 85 + 170);
});

test("images by OpenAI's documented formulas: the guide's examples, per family, and URLs at their most", () => {
  const img = (w, h, detail) => ({ url: dataUrl(pngHeader(w, h)), detail });
  // Tile models: the guide's own examples (gpt-4o).
  assert.equal(imageTokens(img(1024, 1024, "high"), "gpt-4o"), 765);
  assert.equal(imageTokens(img(2048, 4096, "high"), "gpt-4o"), 1105);
  assert.equal(imageTokens(img(4096, 8192, "low"), "gpt-4o"), 85);
  assert.equal(imageTokens(img(1024, 1024, "auto"), "gpt-4.1"), 765);
  assert.equal(imageTokens(img(1024, 1024, "high"), "gpt-4o-mini"), 2833 + 4 * 5667);
  assert.equal(imageTokens(img(1024, 1024, "high"), "o3"), 75 + 4 * 150);
  assert.equal(imageTokens(img(1024, 1024, "high"), "gpt-5"), 70 + 4 * 140);
  assert.equal(imageTokens(img(300, 200, "high"), "gpt-4o"), 85 + 170);
  // Patch models: the guide's examples are 1024 and 1452 patches, times the multiplier.
  assert.equal(imageTokens(img(1024, 1024), "gpt-4.1-mini"), Math.ceil(1024 * 1.62));
  assert.equal(imageTokens(img(1800, 2400), "gpt-4.1-mini"), Math.ceil(1452 * 1.62));
  assert.equal(imageTokens(img(1800, 2400, "low"), "gpt-4.1-nano"), Math.ceil(1452 * 2.46));
  assert.equal(imageTokens(img(1024, 1024), "o4-mini"), Math.ceil(1024 * 1.72));
  // A URL has no size here: the most the detail can cost.
  assert.equal(imageTokens({ url: "https://example.com/cat.png" }, "gpt-4o"), 85 + 8 * 170);
  assert.equal(imageTokens({ url: "https://example.com/cat.png", detail: "low" }, "gpt-4o"), 85);
  assert.equal(imageTokens({ url: "https://example.com/cat.png" }, "gpt-4.1-mini"), Math.ceil(1536 * 1.62));
  // In a chat, an image part adds its tokens to the message.
  const chat = [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: img(1024, 1024, "high") }] }];
  assert.equal(countTokens(chat, { model: "gpt-4o" }), countTokens([{ role: "user", content: "What is this?" }], { model: "gpt-4o" }) + 765);
});

// ------------------------------------------------------------------ errors

test("bad input is a typed LLMError with a hint: unknown encodings and models, bad messages and tools", async () => {
  const cases = [
    () => countTokens(user("hi"), { model: "llama-3-8b" }),
    () => countTokens(user("hi"), { encoding: "p50k_base" }),
    () => countTokens("hi", { model: "gpt-4o" }),
    () => countTokens([null], { model: "gpt-4o" }),
    () => countTokens([{ role: "user", content: 42 }], { model: "gpt-4o" }),
    () => countTokens([{ role: "user", content: [{ type: "file", file: { file_id: "f" } }] }], { model: "gpt-4o" }),
    () => countTokens(user("hi"), { model: "gpt-4o", tools: [{ type: "function" }] }),
  ];
  for (const f of cases) {
    let e;
    try {
      f();
    } catch (x) {
      e = x;
    }
    assert.ok(e instanceof LLMError, String(f));
    assert.equal(e.code, "invalid_input", String(f));
    assert.ok(e.hint, String(f));
  }
  const e = await rejects(loadTokenizer("p50k_base"));
  assert.equal(e.code, "invalid_input");
  assert.match(e.hint, /o200k_base/);
  assert.equal(encodingForModel("openai/gpt-4.1-mini"), "o200k_base");
  assert.equal(encodingForModel("gpt-3.5-turbo"), "cl100k_base");
  assert.equal(encodingForModel("llama-3"), undefined);
});

// ------------------------------------------------------------------ the pre-flight check

const openai = (over = {}) => createLLM({ provider: "openai", baseURL: `${emu.url}/v1`, model: "gpt-4o", apiKey: KEY, ...over });
const sent = () => emu.requests.length;

test("withExactTokens: over the window by one token is token_limit_exceeded with nothing sent; at the window it is sent", async () => {
  const llm = await withExactTokens(openai());
  const messages = user("Count me exactly, please: " + varied(7));
  const prompt = llm.countTokens(messages);
  assert.equal(prompt, countTokens(messages, { model: "gpt-4o" }));
  const window = llm.metadata.contextWindow;
  assert.equal(window, 128_000);
  const before = sent();
  const e = await rejects(llm.getAnswer(messages, {}, { maxTokens: window - prompt + 1 }));
  assert.ok(e instanceof LLMError);
  assert.equal(e.code, "token_limit_exceeded");
  assert.match(e.message, new RegExp(`${prompt} tokens.*exact.*128000`));
  assert.match(e.hint, /Shorten|maxTokens/);
  const se = await rejects(collect(llm.streamAnswer(messages, {}, { maxTokens: window - prompt + 1 })));
  assert.equal(se.code, "token_limit_exceeded");
  assert.equal(sent(), before, "nothing was sent");
  // Exactly at the window (prompt + maxTokens = contextWindow) goes out. maxTokens is also
  // capped by the model's output limit, so the window here is the caller's.
  const small = await withExactTokens(openai(), { contextWindow: prompt + 100 });
  const ok = await small.getAnswer(messages, {}, { maxTokens: 100 });
  assert.match(ok.content, /You said/);
  assert.equal(sent(), before + 1);
  const over = await rejects(small.getAnswer(messages, {}, { maxTokens: 101 }));
  assert.equal(over.code, "token_limit_exceeded");
  assert.equal(sent(), before + 1);
});

test("withExactTokens refuses what the built-in estimate lets through (digits: ~1 token per 3 characters, estimated 1 per 4)", async () => {
  const digits = user("1234567890".repeat(300));
  const inner = openai({ modelProfile: { contextWindow: 1000 } });
  assert.ok(inner.estimateTokens(digits) < 1000, `estimate ${inner.estimateTokens(digits)}`);
  const exact = countTokens(digits, { model: "gpt-4o" });
  assert.ok(exact > 1000, `exact ${exact}`);
  const before = sent();
  await inner.getAnswer(digits); // the estimate lets it through: the server would be the judge
  assert.equal(sent(), before + 1);
  const llm = await withExactTokens(inner);
  assert.equal((await rejects(llm.getAnswer(digits))).code, "token_limit_exceeded");
  assert.equal((await rejects(collect(llm.streamAnswer(digits)))).code, "token_limit_exceeded");
  assert.equal(sent(), before + 1);
});

test("withExactTokens as the only judge: modelProfile { contextWindow: 0 } turns the estimate off, the exact count lets Cyrillic through", async () => {
  const text = user("Привет мир! ".repeat(200)); // the estimate counts each non-ASCII letter as a token
  const est = openai({ modelProfile: { contextWindow: 1500 } });
  assert.ok(est.estimateTokens(text) > 1500, `estimate ${est.estimateTokens(text)}`);
  assert.equal((await rejects(est.getAnswer(text))).code, "token_limit_exceeded");
  const exact = countTokens(text, { model: "gpt-4o" });
  assert.ok(exact < 1500, `exact ${exact}`);
  const llm = await withExactTokens(openai({ modelProfile: { contextWindow: 0 } }), { contextWindow: 1500 });
  const before = sent();
  const chunks = await collect(llm.streamAnswer(text));
  assert.match(chunks.map((c) => c.delta).join(""), /You said/);
  assert.equal(sent(), before + 1);
});

test("withExactTokens counts config.defaults.maxTokens, tools, and vision images; the rest is the model's own", async () => {
  const messages = user("hello");
  const prompt = countTokens(messages, { model: "gpt-4o" });
  const llm = await withExactTokens(openai({ defaults: { maxTokens: 50 } }), { contextWindow: prompt + 49 });
  const before = sent();
  assert.equal((await rejects(llm.getAnswer(messages))).code, "token_limit_exceeded");
  const withTools = countTokens(messages, { model: "gpt-4o", tools: COOKBOOK_TOOLS });
  const t = await withExactTokens(openai(), { contextWindow: withTools - 1 });
  assert.equal((await rejects(t.getAnswer(messages, {}, { tools: COOKBOOK_TOOLS }))).code, "token_limit_exceeded");
  assert.ok((await t.getAnswer(messages)).content);
  const v = await withExactTokens(openai(), { contextWindow: 700 });
  const ve = await rejects(v.getAnswerWithVision({ prompt: "what is it?", images: [png(1024, 1024, [1, 2, 3])] }));
  assert.equal(ve.code, "token_limit_exceeded", "a 1024×1024 image is 765 tokens on gpt-4o");
  assert.equal(sent(), before + 1);
  // Delegated: metadata, estimateTokens, usageTotals, close.
  assert.equal(v.metadata.modelName, "gpt-4o");
  assert.equal(typeof v.estimateTokens(messages), "number");
  assert.deepEqual(v.usageTotals(), []);
  await v.close();
  assert.equal((await rejects(v.getAnswer(messages))).code, "invalid_input");
});

test("llm-edge/full/tokens refuses with the full variant's own LLMError class", async () => {
  const base = full.createLLM({ provider: "openai", baseURL: `${emu.url}/v1`, model: "gpt-4o", apiKey: KEY });
  const llm = await fullTokens.withExactTokens(base, { contextWindow: 5 });
  const before = sent();
  const e = await rejects(llm.getAnswer(user("more than five tokens, surely")));
  assert.ok(e instanceof full.LLMError);
  assert.equal(e.code, "token_limit_exceeded");
  assert.equal(sent(), before);
});

// ------------------------------------------------------------------ lazy loading

/** Runs `body` (an ES module's text) in a child Node with a resolve hook that logs every
 *  gpt-tokenizer specifier resolved (and, with block, fails them as a missing package). */
function child(body, { block = false } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "llm-edge-tokens-"));
  try {
    const log = path.join(dir, "resolved.log");
    writeFileSync(
      path.join(dir, "hooks.mjs"),
      `import { appendFileSync } from "node:fs";
export async function resolve(spec, ctx, next) {
  if (spec.startsWith("gpt-tokenizer")) {
    appendFileSync(${JSON.stringify(log)}, spec + "\\n");
    if (${block}) throw Object.assign(new Error("Cannot find package 'gpt-tokenizer'"), { code: "ERR_MODULE_NOT_FOUND" });
  }
  return next(spec, ctx);
}`,
    );
    writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`);
    const main = path.join(dir, "main.mjs");
    const pkg = (f) => JSON.stringify(pathToFileURL(path.join(root, "pkg", f)).href);
    writeFileSync(main, body.replaceAll("PKG_NODE", pkg("node.js")).replaceAll("PKG_TOKENS", pkg("tokens.js")).replaceAll("LOG", JSON.stringify(log)));
    const r = spawnSync(process.execPath, ["--import", pathToFileURL(path.join(dir, "register.mjs")).href, main], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("lazy: importing llm-edge and llm-edge/tokens loads no gpt-tokenizer module; loadTokenizer loads only the encoding asked for", () => {
  const out = child(`
import { readFileSync, existsSync } from "node:fs";
const seen = () => (existsSync(LOG) ? readFileSync(LOG, "utf8").trim().split("\\n") : []);
const pkg = await import(PKG_NODE);
const afterMain = seen();
const t = await import(PKG_TOKENS);
const afterEntry = seen();
let notLoaded;
try { t.countTokens([{ role: "user", content: "hi" }], { model: "gpt-4o" }); } catch (e) { notLoaded = [e.code, e.hint]; }
await t.loadTokenizer("o200k_base");
const afterLoad = seen();
const n = t.countTokens([{ role: "user", content: "hi" }], { model: "gpt-4o" });
console.log(JSON.stringify({ afterMain, afterEntry, afterLoad, notLoaded, n, exports: Object.keys(pkg).filter((k) => /token/i.test(k)) }));
`);
  assert.deepEqual(out.afterMain, [], "llm-edge resolved nothing of gpt-tokenizer");
  assert.deepEqual(out.afterEntry, [], "llm-edge/tokens resolved nothing of gpt-tokenizer before loadTokenizer");
  assert.deepEqual(out.afterLoad, ["gpt-tokenizer/encoding/o200k_base"]);
  assert.equal(out.notLoaded[0], "invalid_input");
  assert.match(out.notLoaded[1], /await loadTokenizer\("o200k_base"\)/);
  assert.equal(out.n, 8);
  assert.deepEqual(out.exports, [], "the default entry exports no token-counting API (its estimateTokens lives on models)");
  // And the default entry's files do not name the tokens entry or gpt-tokenizer.
  for (const f of ["node.js", "web.js", "workerd.js", "api.js", "init.js", "index.d.ts"]) {
    const src = readFileSync(path.join(root, "pkg", f), "utf8");
    assert.ok(!/tokens\.js|gpt-tokenizer/.test(src), f);
  }
});

test("without gpt-tokenizer installed, loadTokenizer rejects with unsupported_operation and an install hint; it can be retried", () => {
  const out = child(
    `
const t = await import(PKG_TOKENS);
const errs = [];
for (let i = 0; i < 2; i++) { try { await t.loadTokenizer("o200k_base"); errs.push(null); } catch (e) { errs.push([e.code, e.hint, e.constructor.name]); } }
console.log(JSON.stringify(errs));
`,
    { block: true },
  );
  assert.equal(out.length, 2);
  for (const e of out) {
    assert.equal(e[0], "unsupported_operation");
    assert.match(e[1], /npm install gpt-tokenizer@\^4/);
    assert.equal(e[2], "LLMError");
  }
});

test("examples/tokens/count.mjs counts, answers, and refuses the huge prompt before sending", () => {
  const r = spawnSync(process.execPath, [path.join(root, "examples/tokens/count.mjs")], { cwd: root, encoding: "utf8", timeout: 60_000, env: { ...process.env, AZURE_OPENAI_ENDPOINT: "" } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const expected = countTokens([{ role: "system", content: "You answer in one short sentence." }, { role: "user", content: "Привет! How many tokens is this question, exactly?" }], { model: "gpt-4.1-mini" });
  assert.match(r.stdout, new RegExp(`^countTokens: ${expected} tokens$`, "m"));
  assert.match(r.stdout, /^answer: You said: Привет!/m);
  assert.match(r.stdout, /^refused before sending: token_limit_exceeded: the prompt is 1200007 tokens \(o200k_base, exact\) plus maxTokens 50; gpt-4\.1-mini's context window is 1047576$/m);
});

test("the tokens entry is declared in the package's exports map, and gpt-tokenizer as an optional peer", () => {
  const pj = JSON.parse(readFileSync(path.join(root, "pkg/package.json"), "utf8"));
  assert.deepEqual(pj.exports["./tokens"], { types: "./tokens.d.ts", default: "./tokens.js" });
  assert.ok(existsSync(path.join(root, "pkg/full/tokens.js")));
  assert.equal(pj.peerDependenciesMeta["gpt-tokenizer"].optional, true);
  assert.match(pj.peerDependencies["gpt-tokenizer"], /^\^4\./);
  assert.equal(pj.dependencies, undefined, "the default install pulls in nothing");
});
