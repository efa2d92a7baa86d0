// The vision demo: images by picker, drop or paste; a streamed answer with Stop; which
// endpoint served it, the attempts, latency and tokens; typed errors shown plainly.
import { createLLM, listModels, LLMError } from "/pkg/web.js";

const $ = (id) => document.getElementById(id);
const images = []; // { file, url, width, height }
let running = null; // AbortController of the answer in progress
let llm = null;
let llmKey = "";
const config = await fetch("/config.json").then((r) => r.json());

for (const m of listModels().filter((m) => m.inputTypes.includes("image"))) $("az-model").append(new Option(m.modelName, m.modelName));
for (const id of ["az-endpoint", "az-deployment", "az-model"]) {
  const v = sessionStorage.getItem(`llm-edge:${id}`);
  if (v) $(id).value = v;
}
if (sessionStorage.getItem("llm-edge:az-key")) {
  $("az-key").value = sessionStorage.getItem("llm-edge:az-key");
  $("az-remember").checked = true;
}

const mode = () => document.querySelector("input[name=mode]:checked").value;
for (const r of document.querySelectorAll("input[name=mode]")) {
  r.addEventListener("change", () => {
    $("emulator-settings").hidden = mode() !== "emulator";
    $("azure-settings").hidden = mode() !== "azure";
  });
}

$("fault").addEventListener("change", async () => {
  const fault = $("fault").value || undefined;
  await fetch(`${config.primary}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault, at: 3 }) });
});

function model() {
  let cfg;
  if (mode() === "emulator") {
    cfg = { provider: "azure", model: "gpt-4.1-mini", endpoint: config.primary, deploymentName: "gpt-4.1-mini", apiKey: config.key, backups: [{ endpoint: config.backup }], timeoutMs: 1500 };
  } else {
    const remember = $("az-remember").checked;
    for (const id of ["az-endpoint", "az-deployment", "az-model", "az-key"]) {
      if (remember) sessionStorage.setItem(`llm-edge:${id}`, $(id).value);
      else sessionStorage.removeItem(`llm-edge:${id}`);
    }
    cfg = { provider: "azure", model: $("az-model").value, endpoint: $("az-endpoint").value.trim(), deploymentName: $("az-deployment").value.trim(), apiKey: $("az-key").value.trim() };
  }
  // One model per configuration, so its circuit breaker remembers a dead primary.
  const key = JSON.stringify(cfg);
  if (key !== llmKey) {
    llm = createLLM(cfg);
    llmKey = key;
  }
  return llm;
}

// ---------------------------------------------------------------- images

function kb(n) {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

async function addFiles(files) {
  for (const file of files) {
    if (!file.type.startsWith("image/")) continue;
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.src = url;
    await img.decode().catch(() => {});
    images.push({ file, url, width: img.naturalWidth, height: img.naturalHeight });
  }
  renderThumbs();
}

function renderThumbs() {
  $("thumbs").replaceChildren(
    ...images.map((im, i) => {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = im.url;
      img.alt = im.file.name;
      const cap = document.createElement("div");
      cap.textContent = `${im.width}×${im.height} · ${kb(im.file.size)}`;
      const rm = document.createElement("button");
      rm.textContent = "×";
      rm.title = "Remove";
      rm.onclick = () => {
        URL.revokeObjectURL(im.url);
        images.splice(i, 1);
        renderThumbs();
      };
      li.append(img, cap, rm);
      return li;
    }),
  );
}

$("files").addEventListener("change", (e) => addFiles(e.target.files));
const drop = $("drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  addFiles(e.dataTransfer.files);
});
document.addEventListener("paste", (e) => {
  const files = [...(e.clipboardData?.files ?? [])];
  if (files.length) addFiles(files);
});

// ---------------------------------------------------------------- asking

function setStats(rows) {
  $("stats").replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }),
  );
}

function setAttempts(attempts = []) {
  $("attempts").replaceChildren(
    ...attempts.map((a) => {
      const li = document.createElement("li");
      li.className = a.errorCode ? "bad" : "ok";
      li.textContent = `${a.endpoint} → ${a.status ?? "no response"}${a.errorCode ? ` (${a.errorCode})` : ""} · ${a.latencyMs.toFixed(0)} ms`;
      return li;
    }),
  );
}

function showError(e) {
  const box = $("error");
  box.hidden = false;
  if (e instanceof LLMError) {
    box.innerHTML = "";
    const head = document.createElement("div");
    head.innerHTML = `<code></code> `;
    head.querySelector("code").textContent = e.code;
    head.append(e.message);
    box.append(head);
    if (e.hint) {
      const hint = document.createElement("div");
      hint.className = "hint";
      hint.textContent = e.hint;
      box.append(hint);
    }
    if (e.partialContent) {
      const p = document.createElement("div");
      p.className = "muted";
      p.textContent = `${e.partialContent.length} characters arrived before the failure (kept above).`;
      box.append(p);
    }
    setAttempts(e.attempts);
  } else {
    box.textContent = String(e);
  }
}

$("send").addEventListener("click", async () => {
  $("error").hidden = true;
  $("answer").textContent = "";
  $("answer").classList.add("streaming");
  setStats([]);
  setAttempts([]);
  $("send").disabled = true;
  $("stop").disabled = false;
  running = new AbortController();
  const started = performance.now();
  let first = 0;
  let usage;
  let stream;
  try {
    const llm = model();
    let prompt = $("question").value;
    if (mode() === "emulator" && $("slow").checked) prompt += " [[delay:120]]";
    const messages = images.length ? await llm.visionMessages(prompt, images.map((im) => im.file)) : [{ role: "user", content: prompt }];
    stream = llm.streamAnswer(messages, { signal: running.signal });
    for await (const chunk of stream) {
      if (chunk.delta) {
        if (!first) first = performance.now() - started;
        $("answer").append(chunk.delta);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    setAttempts(stream.attempts);
    setStats([
      ["served by", stream.endpoint],
      ["first token", `${first.toFixed(0)} ms`],
      ["total", `${(performance.now() - started).toFixed(0)} ms`],
      ["tokens", usage ? `${usage.promptTokens} in · ${usage.completionTokens} out` : "—"],
    ]);
  } catch (e) {
    if (e instanceof LLMError && e.code === "aborted") {
      setStats([["stopped", `after ${(performance.now() - started).toFixed(0)} ms`], ["served by", stream?.endpoint ?? "—"]]);
      setAttempts(stream?.attempts);
    } else showError(e);
  } finally {
    $("answer").classList.remove("streaming");
    $("send").disabled = false;
    $("stop").disabled = true;
    running = null;
  }
});

$("stop").addEventListener("click", () => running?.abort());
document.body.dataset.ready = "true";
