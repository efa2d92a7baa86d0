// Cancellation: break, reader.cancel() and ctx.signal abort the HTTP request itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { emulator, azure, user, rejects, eventually, LLMError } from "./helpers.mjs";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

const slow = user("[[delay:30]] [[words:200]]");

test("breaking out of for-await aborts the request", async () => {
  let n = 0;
  for await (const c of azure(emu).streamAnswer(slow)) {
    if (c.delta && ++n === 3) break;
  }
  const entry = emu.requests.at(-1);
  assert.ok(await eventually(() => entry.closedEarly === true), "the server saw the client go");
});

test("reader.cancel() aborts the request", async () => {
  const reader = azure(emu).streamAnswer(slow).getReader();
  await reader.read();
  await reader.read();
  await reader.cancel();
  const entry = emu.requests.at(-1);
  assert.ok(await eventually(() => entry.closedEarly === true));
});

test("ctx.signal aborts a stream mid-way with code aborted and the partial text", async () => {
  const ac = new AbortController();
  const s = azure(emu).streamAnswer(slow, { signal: ac.signal });
  let text = "";
  const e = await rejects((async () => {
    for await (const c of s) {
      text += c.delta;
      if (text.length > 5) ac.abort();
    }
  })());
  assert.ok(e instanceof LLMError);
  assert.equal(e.code, "aborted");
  assert.ok(text.length > 5);
  const entry = emu.requests.at(-1);
  assert.ok(await eventually(() => entry.closedEarly === true));
});

test("ctx.signal aborts getAnswer while waiting for headers", async () => {
  const ac = new AbortController();
  const p = azure(emu).getAnswer(user("[[fault:stall-headers]]"), { signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  const t0 = Date.now();
  const e = await rejects(p);
  assert.equal(e.code, "aborted");
  assert.ok(Date.now() - t0 < 1000);
  const entry = emu.requests.at(-1);
  assert.ok(await eventually(() => entry.closedEarly === true));
});

test("an already-aborted signal sends nothing", async () => {
  const n = emu.requests.length;
  const e = await rejects(azure(emu).getAnswer(user("x"), { signal: AbortSignal.abort() }));
  assert.equal(e.code, "aborted");
  assert.equal(emu.requests.length, n);
});
