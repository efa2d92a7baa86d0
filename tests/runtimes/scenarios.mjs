// The core scenarios every runtime must pass against the emulator: answer, stream, abort,
// failover, an error code, vision input. Plain JS (no node: imports) so Node, Deno,
// workerd and browsers run the same file with their own import of the package.

// A 4×3 PNG (73 bytes).
const PNG_4x3 = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAEElEQVR4nGOQm/AfjhhwcgB9zBQdqK1TSwAAAABJRU5ErkJggg==";

function bytesOf(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

/**
 * Runs every scenario. `pkg` is the package's exports; `emulatorUrl` a live emulator;
 * `deadUrl` an origin where nothing answers. Returns [{ name, ok, error? }].
 */
export async function runScenarios(pkg, { emulatorUrl, deadUrl = "http://127.0.0.1:9", key = "test-key" }) {
  const { createLLM, LLMError, isLLM } = pkg;
  const base = { provider: "azure", model: "gpt-4.1-mini", endpoint: emulatorUrl, deploymentName: "gpt-4.1-mini", apiKey: key };
  const user = (content) => [{ role: "user", content }];
  const scenarios = {
    async answer() {
      const llm = createLLM(base);
      check(isLLM(llm), "isLLM");
      const r = await llm.getAnswer(user("hello runtime"), {}, { maxTokens: 50 });
      check(r.content === "You said: hello runtime", `content: ${r.content}`);
      check(r.usage && r.usage.totalTokens > 0, "usage");
    },
    async stream() {
      const s = createLLM(base).streamAnswer(user("stream in this runtime"));
      check(s instanceof ReadableStream, "a ReadableStream");
      let text = "";
      let n = 0;
      for await (const c of s) {
        text += c.delta;
        n++;
      }
      check(text === "You said: stream in this runtime", `text: ${text}`);
      check(n >= 5, `chunks: ${n}`);
      const reader = createLLM(base).streamAnswer(user("via reader")).getReader();
      let t2 = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        t2 += value.delta;
      }
      check(t2 === "You said: via reader", `reader text: ${t2}`);
    },
    async abort() {
      const ac = new AbortController();
      const s = createLLM(base).streamAnswer(user("[[delay:40]] [[words:100]]"), { signal: ac.signal });
      let text = "";
      let err;
      try {
        for await (const c of s) {
          text += c.delta;
          if (text.length > 4) ac.abort();
        }
      } catch (e) {
        err = e;
      }
      check(err instanceof LLMError && err.code === "aborted", `aborted: ${err && err.code}`);
      const s2 = createLLM(base).streamAnswer(user("[[delay:40]] [[words:100]]"));
      let k = 0;
      for await (const c of s2) if (c.delta && ++k === 2) break; // break aborts too
    },
    async failover() {
      const llm = createLLM({ ...base, endpoint: deadUrl, backups: [{ endpoint: emulatorUrl }], timeoutMs: 3000 });
      const r = await llm.getAnswer(user("fail over"));
      check(r.content === "You said: fail over", `content: ${r.content}`);
      check(r.attempts.length === 2 && r.attempts[0].errorCode === "connection" && r.attempts[1].status === 200, JSON.stringify(r.attempts));
      check(r.endpoint === emulatorUrl, r.endpoint);
    },
    async errorCode() {
      let err;
      try {
        await createLLM(base).getAnswer(user("[[fault:429]]"));
      } catch (e) {
        err = e;
      }
      check(err instanceof LLMError && err.code === "rate_limited" && err.status === 429, `429: ${err && err.code}`);
      check(typeof err.hint === "string" && !JSON.stringify(err).includes(key), "hint, no key");
      let bad;
      try {
        await createLLM(base).getAnswer([{ role: "robot", content: "x" }]);
      } catch (e) {
        bad = e;
      }
      check(bad instanceof LLMError && bad.code === "invalid_input" && /messages\[0\]\.role/.test(bad.message), `invalid_input: ${bad && bad.message}`);
    },
    async vision() {
      const bytes = bytesOf(PNG_4x3);
      const images = [bytes];
      if (typeof Blob !== "undefined") images.push(new Blob([bytes], { type: "image/png" }));
      const r = await createLLM(base).getAnswerWithVision({ prompt: "what is it?", images });
      const want = images.length === 2
        ? "I see 2 images: image 1: png 4x3, 73 bytes; image 2: png 4x3, 73 bytes. You asked: what is it?"
        : "I see 1 image: image 1: png 4x3, 73 bytes. You asked: what is it?";
      check(r.content === want, `vision: ${r.content}`);
    },
    // Last: a forced trap (the package's test-only export) is reported as `internal`, and a
    // model made before it answers on the fresh instance.
    async trapRecovery() {
      const llm = createLLM(base);
      let err;
      try {
        pkg.__forceTrapForTests();
      } catch (e) {
        err = e;
      }
      check(err instanceof LLMError && err.code === "internal", `trap: ${err && (err.code || err)}`);
      const r = await llm.getAnswer(user("after the trap"));
      check(r.content === "You said: after the trap", `after the trap: ${r.content}`);
      const fresh = await createLLM(base).getAnswer(user("a new model"));
      check(fresh.content === "You said: a new model", `new model: ${fresh.content}`);
    },
  };
  const results = [];
  for (const [name, run] of Object.entries(scenarios)) {
    try {
      await run();
      results.push({ name, ok: true });
    } catch (e) {
      results.push({ name, ok: false, error: String(e && e.stack ? e.stack : e) });
    }
  }
  return results;
}
