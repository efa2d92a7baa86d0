// Video jobs (Sora) through the built package (llm-edge/full) against the emulator: every
// video model in listModels() on its API and providers, progress chunks then the MP4 in
// order and the thumbnail, failover before the job is accepted (and none after), abort and
// deadlines that delete the running job, failed jobs, refusals, and keys never in errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { emulator, collect, rejects, everythingAbout, eventually, KEY } from "./helpers.mjs";
import { createLLM, listModels } from "../../pkg/full/node.js";
import { videoMp4 } from "../emulator/video.mjs";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

const FAST = { pollIntervalMs: 10 };
const azure = (model, over = {}) => createLLM({ provider: "azure", model, endpoint: emu.url, deploymentName: model, apiKey: KEY, ...over });
const openai = (model) => createLLM({ provider: "openai", model, baseURL: `${emu.url}/v1`, apiKey: KEY });
const since = (n) => emu.requests.slice(n).map((r) => `${r.method} ${r.path}`);

/** The boxes of an MP4 that say what a player shows: mvhd's duration, tkhd's size. */
function readMp4(bytes) {
  const b = Buffer.from(bytes);
  const out = {};
  const walk = (from, to) => {
    for (let i = from; i < to; ) {
      const size = b.readUInt32BE(i);
      const type = b.toString("latin1", i + 4, i + 8);
      assert.ok(size >= 8 && i + size <= to, `box ${type} fits`);
      if (type === "ftyp") out.brand = b.toString("latin1", i + 8, i + 12);
      if (type === "mvhd") out.seconds = b.readUInt32BE(i + 24) / b.readUInt32BE(i + 20);
      if (type === "tkhd") out.size = [b.readUInt32BE(i + 84) >>> 16, b.readUInt32BE(i + 88) >>> 16];
      if (type === "avcC") out.avcC = true;
      if (type === "mdat") out.mdat = size - 8;
      if (["moov", "trak", "mdia", "minf", "stbl"].includes(type)) walk(i + 8, i + size);
      if (type === "stsd") walk(i + 16, i + size);
      if (type === "avc1") walk(i + 86, i + size);
      i += size;
    }
  };
  walk(0, b.length);
  return out;
}

test("listModels has the video models with per-second prices where sourced", () => {
  const m = Object.fromEntries(listModels().filter((x) => x.outputTypes.includes("video")).map((x) => [x.modelName, x]));
  assert.deepEqual(Object.keys(m).sort(), ["sora", "sora-2", "sora-2-pro"]);
  assert.equal(m["sora-2"].pricing.perSecond, 0.1);
  assert.equal(m["sora-2-pro"].pricing.perSecond, 0.3);
});

test("every video model works on the emulator: getVideo returns a valid MP4 of the asked size and length, a thumbnail, the job id", async () => {
  const cases = [];
  for (const m of listModels().filter((x) => x.outputTypes.includes("video"))) {
    if (m.modelName === "sora") cases.push([m.modelName, azure("sora"), { size: "854x480", seconds: 3 }, [854, 480], 3]);
    else {
      cases.push([m.modelName, azure(m.modelName, { apiStyle: "v1" }), { size: "1280x720", seconds: 8 }, [1280, 720], 8]);
      cases.push([m.modelName, openai(m.modelName), { seconds: 4 }, [720, 1280], 4]);
    }
  }
  assert.equal(cases.length, 5);
  for (const [name, llm, params, size, seconds] of cases) {
    const n = emu.requests.length;
    const r = await llm.getVideo(`a paper boat (${name})`, {}, { ...params, ...FAST });
    const mp4 = readMp4(r.video);
    assert.deepEqual([mp4.brand, mp4.seconds, mp4.size, mp4.avcC], ["isom", seconds, size, true], name);
    assert.equal(r.format, "mp4");
    assert.equal(r.model, name);
    assert.match(r.jobId, name === "sora" ? /^task_/ : /^video_/);
    assert.equal(Buffer.from(r.thumbnail).subarray(1, 4).toString(), "PNG");
    assert.equal(r.endpoint, emu.url);
    assert.equal(r.attempts.at(-1).status, name === "sora" ? 201 : 200);
    assert.ok(r.latencyMs > 0);
    const sent = since(n);
    const create = emu.requests[n];
    if (name === "sora") {
      assert.deepEqual(create.body, { model: "sora", prompt: `a paper boat (${name})`, width: 854, height: 480, n_seconds: 3 });
      assert.equal(create.apiVersion, "preview");
      assert.match(sent.at(-2), /^GET \/openai\/v1\/video\/generations\/gen_\w+\/content\/video$/);
      assert.match(sent.at(-1), /\/content\/thumbnail$/);
    } else {
      assert.equal(create.body.model, name);
      assert.equal(create.body.seconds, String(seconds));
      assert.match(sent.at(-2), /^GET (\/openai)?\/v1\/videos\/video_\w+\/content$/);
    }
    assert.ok(sent.slice(1, -2).every((s) => s.startsWith("GET ") && s.includes(r.jobId)), sent.join("\n"));
  }
});

test("streamVideo: queued, in_progress with rising progress, then the MP4 bytes in order, then the thumbnail", async () => {
  const llm = openai("sora-2");
  const prompt = "waves [[video-steps:5]]";
  const s = llm.streamVideo(prompt, {}, { size: "1280x720", seconds: 4, ...FAST });
  const chunks = await collect(s);
  const progress = chunks.filter((c) => !c.video && !c.thumbnail);
  assert.deepEqual(progress.map((c) => [c.status, c.progress]), [["queued", 0], ["in_progress", 20], ["in_progress", 40], ["in_progress", 60], ["in_progress", 80]]);
  const parts = chunks.filter((c) => c.video);
  assert.ok(parts.every((c) => c.status === "completed"));
  assert.deepEqual(Buffer.concat(parts.map((c) => c.video)), videoMp4(prompt, 1280, 720, 4));
  assert.ok(chunks.at(-1).thumbnail);
  assert.equal(chunks.indexOf(chunks.at(-1)), chunks.length - 1);
  assert.equal(s.endpoint, emu.url);
  // Azure's jobs API reports statuses without a percentage.
  const az = await collect(azure("sora").streamVideo("fog", {}, { size: "480x480", seconds: 1, ...FAST }));
  assert.deepEqual(az.filter((c) => !c.video && !c.thumbnail).map((c) => c.status), ["queued", "in_progress"]);
  assert.ok(az.filter((c) => !c.video && !c.thumbnail).every((c) => c.progress === undefined || c.progress >= 0));
});

test("abort and deadlines end the call and delete the running job; a finished job is left alone", async () => {
  const llm = openai("sora-2");
  // ctx.signal while polling.
  let n = emu.requests.length;
  const ac = new AbortController();
  const s = llm.streamVideo("slow [[video-steps:1000]]", { signal: ac.signal }, { pollIntervalMs: 20 });
  const it = s[Symbol.asyncIterator]();
  const first = await it.next();
  const id = first.value.jobId;
  ac.abort();
  const e = await rejects((async () => { while (!(await it.next()).done); })());
  assert.equal(e.code, "aborted");
  await eventually(() => since(n).includes(`DELETE /v1/videos/${id}`));
  // Breaking out of for-await cancels too.
  n = emu.requests.length;
  let jobId;
  for await (const c of llm.streamVideo("slow [[video-steps:1000]]", {}, { pollIntervalMs: 20 })) {
    jobId = c.jobId;
    break;
  }
  await eventually(() => since(n).includes(`DELETE /v1/videos/${jobId}`));
  // ctx.timeoutMs bounds the whole job; Azure's jobs API deletes on the same path.
  n = emu.requests.length;
  const t = await rejects(azure("sora").getVideo("slow [[video-steps:1000]]", { timeoutMs: 150 }, { pollIntervalMs: 20 }));
  assert.equal(t.code, "timeout");
  await eventually(() => since(n).some((x) => /^DELETE \/openai\/v1\/video\/generations\/jobs\/task_\w+$/.test(x)));
  // A completed job is not deleted.
  n = emu.requests.length;
  await llm.getVideo("done", {}, FAST);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(!since(n).some((x) => x.startsWith("DELETE")));
});

test("failover before the job is accepted; once accepted, every request stays on its endpoint", async () => {
  const backup = await emulator();
  try {
    await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "503" }) });
    const llm = createLLM({ provider: "openai", model: "sora-2", baseURL: `${emu.url}/v1`, apiKey: KEY, backups: [{ baseURL: `${backup.url}/v1` }] });
    const n = emu.requests.length;
    const r = await llm.getVideo("boats", {}, FAST);
    assert.equal(r.endpoint, backup.url);
    assert.deepEqual(r.attempts.map((a) => a.status), [503, 200]);
    assert.equal(emu.requests.length - n, 1, "the primary saw only the create");
    assert.ok(backup.requests.length >= 4);
    await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({}) });
    // A passing 503 on a status read is asked again on the same endpoint, not failed over.
    await fetch(`${backup.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "503", times: 1 }) });
    const direct = createLLM({ provider: "openai", model: "sora-2", baseURL: `${backup.url}/v1`, apiKey: KEY, backups: [{ baseURL: `${emu.url}/v1` }] });
    // The create takes the fault (and fails over); the rest then runs on the primary.
    const m = emu.requests.length;
    const r2 = await direct.getVideo("boats", {}, FAST);
    assert.equal(r2.endpoint, emu.url);
    assert.ok(emu.requests.slice(m).every((q) => q.path.startsWith("/v1/videos")));
  } finally {
    await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({}) });
    await backup.close();
  }
});

test("a status read that fails once is asked again on the same endpoint", async () => {
  const llm = openai("sora-2");
  const s = llm.streamVideo("retry [[video-steps:3]]", {}, { pollIntervalMs: 30 });
  const it = s[Symbol.asyncIterator]();
  await it.next(); // queued: the job is accepted
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault: "503", times: 1 }) });
  const rest = [];
  for (let c = await it.next(); !c.done; c = await it.next()) rest.push(c.value);
  assert.ok(rest.some((c) => c.video));
  await fetch(`${emu.url}/__emulator/config`, { method: "POST", body: JSON.stringify({}) });
});

test("failed jobs: moderation is content_filter, other failures service_unavailable", async () => {
  for (const llm of [openai("sora-2"), azure("sora")]) {
    const m = await rejects(llm.getVideo("no [[video:moderation]]", {}, FAST));
    assert.equal(m.code, "content_filter", m.message);
    assert.ok(m.hint);
    const f = await rejects(collect(llm.streamVideo("no [[video:failed]]", {}, FAST)));
    assert.equal(f.code, "service_unavailable");
    assert.match(f.message, /failed/);
  }
});

test("refusals: text and image models refuse video, video models refuse text; bad params before sending", async () => {
  const chat = azure("gpt-4.1-mini");
  const e = await rejects(chat.getVideo("a cat"));
  assert.equal(e.code, "unsupported_operation");
  assert.match(e.hint, /getAnswer/);
  assert.equal((await rejects(collect(azure("gpt-image-1").streamVideo("x")))).code, "unsupported_operation");
  const sora = azure("sora");
  const g = await rejects(sora.getAnswer([{ role: "user", content: "hi" }]));
  assert.equal(g.code, "unsupported_operation");
  assert.match(g.hint, /getVideo, streamVideo/);
  assert.equal((await rejects(sora.getImage("x"))).code, "unsupported_operation");
  const n = emu.requests.length;
  for (const [llm, params, says] of [
    [openai("sora-2"), { seconds: 5 }, /4, 8 or 12/],
    [azure("sora-2", { apiStyle: "v1" }), { size: "1792x1024" }, /size/],
    [sora, { size: "100x100" }, /size/],
    [sora, { seconds: 30 }, /1 to 20/],
    [sora, { pollIntervalMs: 1 }, /pollIntervalMs/],
    [sora, { fps: 30 }, /unknown field `fps`/],
    [openai("sora"), {}, /Azure/],
  ]) {
    const err = await rejects(llm.getVideo("x", {}, params));
    assert.equal(err.code, "invalid_input", err.message);
    assert.match(err.message + err.hint, says);
  }
  assert.equal((await rejects(sora.getVideo("   "))).code, "invalid_input");
  assert.equal(emu.requests.length, n, "nothing was sent");
});

test("keys never appear in video errors", async () => {
  const bad = createLLM({ provider: "azure", model: "sora", endpoint: emu.url, deploymentName: "sora", apiKey: "sk-WRONG-video-key-0123456789" });
  const e = await rejects(bad.getVideo("x", {}, FAST));
  assert.equal(e.code, "authentication");
  assert.ok(!everythingAbout(e).includes("sk-WRONG-video-key-0123456789"));
  const o = createLLM({ provider: "openai", model: "sora-2", baseURL: `${emu.url}/v1`, apiKey: "sk-WRONG-video-key-0123456789" });
  assert.ok(!everythingAbout(await rejects(collect(o.streamVideo("x", {}, FAST)))).includes("sk-WRONG-video-key-0123456789"));
});

test("a video larger than limits.maxStreamBytes ends with response_too_large, and the download stops", async () => {
  const llm = createLLM({ provider: "openai", model: "sora-2", baseURL: `${emu.url}/v1`, apiKey: KEY, limits: { maxStreamBytes: 300 } });
  const e = await rejects(llm.getVideo("big", {}, FAST));
  assert.equal(e.code, "response_too_large");
  assert.match(e.message, /300 bytes/);
});
