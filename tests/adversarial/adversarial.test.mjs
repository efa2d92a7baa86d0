// Hostile callers and servers against the built package: every caller-controlled value is
// read in JS (a failure is a typed LLMError), a trap is survived, streams behave as Web
// streams. Each case checks the exact outcome and that the module still answers after it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setMaxListeners } from "node:events";
import { createLLM, listModels, LLMError, __forceTrapForTests } from "../../pkg/node.js";
import { sseServer, expectedText, eventually, rejection, sleep } from "./hostile.mjs";

let srv;
before(async () => (srv = await sseServer({ words: 5 })));
after(() => srv.close());

const user = (content) => [{ role: "user", content }];
const model = (url = srv.url, over = {}) =>
  createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: url, deploymentName: "d", apiKey: "k-test", timeoutMs: 5000, ...over });

async function stillAnswers() {
  const r = await model().getAnswer(user("ping"));
  assert.equal(r.content, "fine");
  let text = "";
  for await (const c of model().streamAnswer(user("ping"))) text += c.delta;
  assert.equal(text, expectedText(5));
}

function isCode(e, code) {
  assert.ok(e instanceof LLMError, `an LLMError, got ${e && e.stack}`);
  assert.equal(e.code, code, e.message);
  return true;
}

// ---------------------------------------------------------------- caller values

const throwing = () => {
  throw new Error("hostile getter");
};
const hostileSignals = {
  "aborted getter throws": () => ({ get aborted() { return throwing(); }, addEventListener() {}, removeEventListener() {} }),
  "addEventListener getter throws": () => ({ aborted: false, get addEventListener() { return throwing(); } }),
  "addEventListener throws": () => ({ aborted: false, addEventListener: throwing, removeEventListener() {} }),
  "revoked proxy": () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  "proxy whose every trap throws": () => new Proxy({}, { get: throwing, has: throwing, getPrototypeOf: throwing }),
  "genuine signal with an own throwing aborted": () => {
    const s = new AbortController().signal;
    Object.defineProperty(s, "aborted", { get: throwing });
    return s;
  },
  "not a signal": () => 42,
};

for (const [name, make] of Object.entries(hostileSignals)) {
  test(`ctx.signal (${name}): invalid_input from getAnswer and streamAnswer, nothing sent`, async () => {
    const n = srv.stats.requests;
    const llm = model();
    isCode(await rejection(llm.getAnswer(user("x"), { signal: make() })), "invalid_input");
    const s = llm.streamAnswer(user("x"), { signal: make() });
    isCode(await rejection(s[Symbol.asyncIterator]().next()), "invalid_input");
    assert.equal(srv.stats.requests, n);
    await stillAnswers();
  });
}

test("10,000 calls with a throwing signal, then a normal call succeeds", async () => {
  const llm = model();
  const signal = { get aborted() { return throwing(); }, addEventListener() {} };
  const n = srv.stats.requests;
  for (let i = 0; i < 10_000; i++) {
    const e = await rejection(llm.getAnswer(user("x"), { signal }));
    if (!(e instanceof LLMError) || e.code !== "invalid_input") assert.fail(`call ${i}: ${e && e.stack}`);
  }
  assert.equal(srv.stats.requests, n);
  await stillAnswers();
});

test("a caller's signal gets its listener back when each call ends (no build-up on a long-lived signal)", async () => {
  let live = 0;
  const ac = new AbortController();
  const signal = {
    get aborted() { return ac.signal.aborted; },
    addEventListener(t, f, o) { live++; ac.signal.addEventListener(t, f, o); },
    removeEventListener(t, f) { live--; ac.signal.removeEventListener(t, f); },
  };
  const llm = model();
  for (let i = 0; i < 20; i++) await llm.getAnswer(user("x"), { signal });
  for (let i = 0; i < 5; i++) for await (const _ of llm.streamAnswer(user("x"), { signal }));
  assert.equal(live, 0);
});

test("AbortSignal.timeout() firing is timeout; a plain abort is aborted", async () => {
  const slow = await sseServer({ words: 50, delayMs: 50 });
  try {
    const llm = model(slow.url);
    const e1 = await rejection(llm.getAnswer(user("x"), { signal: AbortSignal.timeout(1) }).then(() => sleep(0)));
    // A non-streamed answer may finish first on a fast machine; the stream cannot (2.5 s).
    if (e1 instanceof LLMError) assert.ok(["timeout"].includes(e1.code), e1.code);
    const s = llm.streamAnswer(user("x"), { signal: AbortSignal.timeout(120) });
    const e2 = await rejection((async () => { for await (const _ of s); })());
    isCode(e2, "timeout");
    const ac = new AbortController();
    const s2 = llm.streamAnswer(user("x"), { signal: ac.signal });
    setTimeout(() => ac.abort(new DOMException("x", "TimeoutError").name), 100); // a reason that is only a string
    isCode(await rejection((async () => { for await (const _ of s2); })()), "aborted");
    isCode(await rejection(llm.getAnswer(user("x"), { signal: AbortSignal.abort() })), "aborted");
    const t = AbortSignal.timeout(1);
    await sleep(20);
    isCode(await rejection(llm.getAnswer(user("x"), { signal: t })), "timeout");
  } finally {
    await slow.close();
  }
  await stillAnswers();
});

test("toJSON, getters and revoked proxies in messages, params, ctx and config are invalid_input", async () => {
  const n = srv.stats.requests;
  const llm = model();
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const bads = [
    () => llm.getAnswer([{ role: "user", content: "x", toJSON: throwing }]),
    () => llm.getAnswer(revoked),
    () => llm.getAnswer(user("x"), {}, { toJSON: throwing }),
    () => llm.getAnswer(user("x"), {}, revoked),
    () => llm.getAnswer(user("x"), revoked),
    () => llm.getAnswer(user("x"), { get signal() { return throwing(); } }),
    () => llm.getAnswer(user("x"), { metadata: { toJSON: throwing } }),
  ];
  for (const bad of bads) isCode(await rejection(bad()), "invalid_input");
  isCode(await rejection(llm.streamAnswer(revoked)[Symbol.asyncIterator]().next()), "invalid_input");
  const base = { provider: "azure", model: "gpt-4.1-mini", endpoint: srv.url, deploymentName: "d", apiKey: "k" };
  const configs = [
    revoked,
    { ...base, get endpoint() { return throwing(); } },
    { ...base, toJSON: throwing },
    { ...base, backups: revoked },
    { ...base, backups: [revoked] },
    { ...base, backups: new Proxy([], { get: throwing }) },
    { ...base, defaults: { toJSON: throwing } },
    new Proxy(base, { ownKeys: throwing }),
  ];
  for (const c of configs) assert.throws(() => createLLM(c), (e) => isCode(e, "invalid_input"));
  assert.equal(srv.stats.requests, n);
  await stillAnswers();
});

test("images: a Blob whose arrayBuffer throws or rejects, proxies of bytes: invalid_input", async () => {
  const n = srv.stats.requests;
  const llm = model();
  const blob = (f) => Object.assign(new Blob([new Uint8Array(4)]), { arrayBuffer: f });
  const bad = [
    blob(throwing),
    blob(() => Promise.reject(new Error("no"))),
    blob(() => ({ then: throwing })),
    new Proxy(new Uint8Array(8), { get: throwing }),
  ];
  for (const img of bad) {
    isCode(await rejection(llm.getAnswerWithVision({ prompt: "?", images: [img] })), "invalid_input");
  }
  isCode(await rejection(llm.getAnswerWithVision({ get prompt() { return throwing(); } })), "invalid_input");
  assert.equal(srv.stats.requests, n);
  await stillAnswers();
});

test("getToken that throws, rejects, has a throwing then, or returns a non-string: typed errors, nothing sent", async () => {
  const n = srv.stats.requests;
  const p = Promise.resolve("t");
  Object.defineProperty(p, "constructor", { get: throwing });
  const tokens = [
    throwing,
    () => Promise.reject(new Error("denied")),
    () => ({ then: (_, rej) => rej(new Error("thenable says no")) }),
    () => ({ get then() { return throwing(); } }),
    () => 42,
    async () => ({ token: "t" }),
    () => "",
    () => p,
    () => { throw new LLMError("authentication", "the caller's own refusal"); },
  ];
  for (const getToken of tokens) {
    const llm = model(srv.url, { apiKey: undefined, getToken });
    const e = await rejection(llm.getAnswer(user("x")));
    isCode(e, "authentication");
    assert.match(e.message, /getToken/);
    const s = model(srv.url, { apiKey: undefined, getToken }).streamAnswer(user("x"));
    isCode(await rejection(s[Symbol.asyncIterator]().next()), "authentication");
  }
  const e = await rejection(model(srv.url, { apiKey: undefined, getToken: () => { throw new LLMError("authentication", "own words"); } }).getAnswer(user("x")));
  assert.match(e.message, /own words/);
  assert.equal(srv.stats.requests, n);
  await stillAnswers();
});

test("config.fetch returning a hostile object is a typed error, not a throw through wasm", async () => {
  const weird = [
    () => { throw new Error("sync"); },
    () => ({ get then() { return throwing(); } }),
    () => new Proxy({}, { get: throwing }),
    () => ({ status: 200, body: null, headers: {} , get type() { return throwing(); } }),
  ];
  for (const f of weird) {
    const e = await rejection(model(srv.url, { fetch: f }).getAnswer(user("x")));
    assert.ok(e instanceof LLMError, String(e));
    assert.equal(e.code, "connection");
  }
  await stillAnswers();
});

// ---------------------------------------------------------------- streams

test("concurrent next() calls are queued and each gets the next chunk, in order", async () => {
  const big = await sseServer({ words: 40, delayMs: 2 });
  try {
    const it = model(big.url).streamAnswer(user("x"))[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: 60 }, () => it.next()));
    const text = results.filter((r) => !r.done).map((r) => r.value.delta).join("");
    assert.equal(text, expectedText(40));
    const dones = results.map((r) => r.done);
    const firstDone = dones.indexOf(true);
    assert.ok(firstDone > 0 && dones.slice(firstDone).every(Boolean), "done only at the end");
    assert.equal((await it.next()).done, true);
  } finally {
    await big.close();
  }
});

test("the stream is unlocked after for-await finishes, breaks or throws", async () => {
  const s = model().streamAnswer(user("x"));
  for await (const _ of s);
  assert.equal(s.locked, false);
  assert.equal((await s.getReader().read()).done, true);
  const s2 = model().streamAnswer(user("x"));
  for await (const _ of s2) break;
  assert.equal(s2.locked, false);
  const s3 = model().streamAnswer(user("x"), { signal: AbortSignal.abort() });
  await rejection((async () => { for await (const _ of s3); })());
  assert.equal(s3.locked, false);
});

test("abort storm: 1,000 concurrent slow streams all end aborted and every socket closes", async () => {
  // Server and client share this process, so the server ticks slowly enough to keep up.
  const slow = await sseServer({ words: 1000, delayMs: 250 });
  try {
    const llm = model(slow.url, { timeoutMs: 60_000 });
    const ac = new AbortController();
    setMaxListeners(0, ac.signal); // one caller signal shared by 1,000 calls, on purpose
    let started = 0;
    const runs = Array.from({ length: 1000 }, () => (async () => {
      const it = llm.streamAnswer(user("x"), { signal: ac.signal })[Symbol.asyncIterator]();
      await it.next();
      started++;
      for (;;) await it.next();
    })());
    assert.ok(await eventually(() => started === 1000, 60_000), `streams started: ${started}`);
    ac.abort();
    const outcomes = await Promise.all(runs.map(rejection));
    const codes = {};
    for (const e of outcomes) {
      const k = e instanceof LLMError ? e.code : String(e);
      codes[k] = (codes[k] ?? 0) + 1;
    }
    assert.deepEqual(codes, { aborted: 1000 });
    assert.ok(await eventually(() => slow.stats.open === 0, 10_000), `open sockets left: ${slow.stats.open}`);
    assert.equal(slow.stats.requests, 1000);
  } finally {
    await slow.close();
  }
  await stillAnswers();
});

// ---------------------------------------------------------------- traps and codes

/** True once sync calls work again (the fresh instance loads asynchronously). */
function restored() {
  try {
    listModels();
    return true;
  } catch (e) {
    isCode(e, "internal");
    return false;
  }
}

test("a trap is reported as internal, and later calls run on a fresh instance", async () => {
  const slow = await sseServer({ words: 100, delayMs: 20 });
  const llm = model(); // made before the trap: rebuilt from its config afterwards
  const closed = model();
  await closed.close();
  const it = model(slow.url).streamAnswer(user("x"))[Symbol.asyncIterator]();
  await it.next();
  const pendingRead = it.next();
  const e = (() => {
    try {
      __forceTrapForTests();
    } catch (x) {
      return x;
    }
  })();
  isCode(e, "internal");
  assert.match(e.hint, /report/);
  assert.ok(e.cause instanceof WebAssembly.RuntimeError);
  // The stream on the retired instance ends with internal, at once or on its next read.
  const after = await pendingRead.then((r) => (r.done ? it.next() : it.next()), (x) => x).catch((x) => x);
  isCode(after instanceof LLMError ? after : await rejection(it.next()), "internal");
  assert.ok(await eventually(restored), "a fresh instance within 5 s");
  assert.equal(listModels().length > 0, true);
  assert.equal((await llm.getAnswer(user("x"))).content, "fine");
  isCode(await rejection(closed.getAnswer(user("x"))), "invalid_input");
  await stillAnswers();
  await slow.close();
  // And it recovers more than once.
  assert.throws(() => __forceTrapForTests(), (x) => isCode(x, "internal"));
  assert.ok(await eventually(restored));
  await stillAnswers();
});

test("LLMError keeps working with the newer codes", () => {
  for (const code of ["response_too_large", "internal"]) {
    const e = new LLMError(code, "m", { hint: "h", status: 200, attempts: [] });
    assert.ok(e instanceof Error);
    assert.equal(e.code, code);
    const j = JSON.parse(JSON.stringify(e));
    assert.equal(j.code, code);
    assert.equal(j.hint, "h");
    assert.equal(j.name, "LLMError");
  }
});
