// What every studio tab shares: the backend (the embedded emulators or a real Azure
// resource), one model per configuration (so each keeps its circuit breaker), and the run
// report each tab shows: state, endpoint, attempts (with endpoints skipped for an open
// circuit), latency, usage, cost, and typed errors with their hints.
import { createLLM, listModels, LLMError } from "/pkg/full/web.js";

export { listModels, LLMError };
export const $ = (id) => document.getElementById(id);
export const config = await fetch("/config.json").then((r) => r.json());
export const MODELS = listModels();

export const mode = () => document.querySelector("input[name=mode]:checked").value;
export const slow = () => mode() === "emulator" && $("slow").checked;

const AZURE_FIELDS = ["az-endpoint", "az-key", "az-model", "az-deployment", "az-image-deployment", "az-speech-deployment", "az-video-deployment"];
const DEPLOYMENT_FIELD = { vision: "az-deployment", image: "az-image-deployment", speech: "az-speech-deployment", video: "az-video-deployment" };

modelOptions($("az-model"), (m) => m.inputTypes.includes("image") && m.outputTypes.includes("text"), "gpt-4.1-mini");
for (const id of AZURE_FIELDS) {
  const v = sessionStorage.getItem(`llm-edge:${id}`);
  if (v) {
    $(id).value = v;
    if (id === "az-key") $("az-remember").checked = true;
  }
}
for (const r of document.querySelectorAll("input[name=mode]")) {
  r.addEventListener("change", () => {
    $("emulator-settings").hidden = mode() !== "emulator";
    $("azure-settings").hidden = mode() !== "azure";
  });
}
// The fault applies to the primary emulator from its next request on; `at` is the piece of a
// stream before which "reset-mid" breaks it (the second piece: some bytes have arrived).
$("fault").addEventListener("change", async () => {
  const fault = $("fault").value || undefined;
  await fetch(`${config.primary}/__emulator/config`, { method: "POST", body: JSON.stringify({ fault, at: 1 }) });
  document.body.dataset.fault = fault ?? "";
});

const cache = new Map();
/** The model for a tab: `kind` is vision, image, speech or video; `model` a model id. */
export function llmFor(kind, model) {
  let cfg;
  // Media calls take longer to start (an image is made before its headers on dall-e).
  const timeoutMs = kind === "vision" ? 1500 : 5000;
  if (mode() === "emulator") {
    cfg = { provider: "azure", model, endpoint: config.primary, deploymentName: model, apiKey: config.key, backups: [{ endpoint: config.backup }], timeoutMs };
  } else {
    const remember = $("az-remember").checked;
    for (const id of AZURE_FIELDS) {
      if (remember) sessionStorage.setItem(`llm-edge:${id}`, $(id).value);
      else sessionStorage.removeItem(`llm-edge:${id}`);
    }
    const deployment = $(DEPLOYMENT_FIELD[kind]).value.trim() || model;
    cfg = { provider: "azure", model: kind === "vision" ? $("az-model").value : model, endpoint: $("az-endpoint").value.trim(), deploymentName: deployment, apiKey: $("az-key").value.trim() };
  }
  // One model per configuration, so its circuit breaker remembers a dead primary.
  const key = JSON.stringify(cfg);
  if (!cache.has(key)) cache.set(key, createLLM(cfg));
  return cache.get(key);
}

export function modelOptions(select, predicate, preferred) {
  const list = MODELS.filter(predicate);
  for (const m of list) select.append(new Option(m.modelName, m.modelName));
  if (preferred && list.some((m) => m.modelName === preferred)) select.value = preferred;
  return list;
}

export function kb(n) {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}
export const ms = (t) => `${Math.round(t)} ms`;

/** Standard base64 to bytes (atob is fine at these sizes, and everywhere). */
export function fromBase64(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A call's cost: the library's own figure (usage.costUsd, at the model table's prices, on
 *  answers, media results and a stream's last chunk); undefined where it has none. */
export function costOf(usage) {
  return typeof usage?.costUsd === "number" ? usage.costUsd : undefined;
}
export function usd(x) {
  if (x === undefined) return "—";
  return x === 0 ? "$0" : x < 0.01 ? `$${x.toFixed(5)}` : `$${x.toFixed(4)}`;
}
export function tokens(usage) {
  return usage ? `${usage.promptTokens ?? 0} in · ${usage.completionTokens ?? 0} out` : "—";
}

/** One tab's run: the controls, the report, and the AbortController that Stop fires. */
export class Run {
  constructor({ run, stop, result, state, stats, attempts, error }) {
    Object.assign(this, { runBtn: $(run), stopBtn: $(stop), result: $(result), stateEl: $(state), statsEl: $(stats), attemptsEl: $(attempts), errorEl: $(error) });
    this.controller = null;
    this.stopBtn.addEventListener("click", () => this.controller?.abort());
  }
  get running() {
    return this.controller !== null;
  }
  /** Clears the report and returns the signal for ctx.signal. */
  start() {
    this.errorEl.hidden = true;
    this.errorEl.replaceChildren();
    this.setStats([]);
    this.setAttempts([]);
    this.runBtn.disabled = true;
    this.stopBtn.disabled = false;
    this.controller = new AbortController();
    this.started = performance.now();
    this.setState("running");
    // On a phone the result is below the form: bring it into view as the run starts.
    if (matchMedia("(max-width: 900px)").matches) {
      // Instant: a smooth scroll is cut short when the result's contents change size under it.
      this.result.scrollIntoView({ block: "start", behavior: "instant" });
    }
    return this.controller.signal;
  }
  elapsed() {
    return performance.now() - this.started;
  }
  setState(s, text = s) {
    this.stateEl.dataset.state = s;
    this.stateEl.textContent = text;
  }
  setStats(rows) {
    this.statsEl.replaceChildren(
      ...rows.flatMap(([k, v]) => {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = v;
        return [dt, dd];
      }),
    );
  }
  setAttempts(attempts = []) {
    this.attemptsEl.replaceChildren(
      ...attempts.map((a) => {
        const li = document.createElement("li");
        if (a.skipped) {
          li.className = "skip";
          li.textContent = `${a.endpoint} → skipped: circuit open`;
        } else {
          li.className = a.errorCode ? "bad" : "ok";
          li.textContent = `${a.endpoint} → ${a.status ?? "no response"}${a.errorCode ? ` (${a.errorCode})` : ""} · ${ms(a.latencyMs)}`;
        }
        return li;
      }),
    );
  }
  /** A caller's abort is "stopped"; anything else is an error shown with its code and hint. */
  fail(e, { endpoint, attempts, extra = [] } = {}) {
    if (e instanceof LLMError && e.code === "aborted") {
      this.setState("stopped");
      this.setStats([["stopped", `after ${ms(this.elapsed())}`], ["served by", endpoint ?? "—"], ...extra]);
      this.setAttempts(attempts ?? e.attempts);
      return;
    }
    this.setState("error");
    const box = this.errorEl;
    box.replaceChildren();
    if (e instanceof LLMError) {
      const head = document.createElement("div");
      const code = document.createElement("code");
      code.textContent = e.code;
      head.append(code, " ", e.message);
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
      this.setAttempts(e.attempts?.length ? e.attempts : attempts);
    } else {
      box.textContent = String(e?.message ?? e);
    }
    if (extra.length) this.setStats(extra);
    box.hidden = false;
  }
  finish() {
    this.runBtn.disabled = false;
    this.stopBtn.disabled = true;
    this.controller = null;
  }
}

/** A WAI-ARIA tablist: arrow keys, Home and End move between tabs and select them; the
 *  selected tab alone is in the tab order; the URL hash remembers the tab. */
export function tablist(root) {
  const tabs = [...root.querySelectorAll("[role=tab]")];
  function select(tab, focus) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
    history.replaceState(null, "", `#${tab.id.replace(/^tab-/, "")}`);
    document.body.dataset.tab = tab.id.replace(/^tab-/, "");
  }
  root.addEventListener("keydown", (e) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length], true);
  });
  for (const t of tabs) t.addEventListener("click", () => select(t, false));
  const initial = tabs.find((t) => t.id === `tab-${location.hash.slice(1)}`) ?? tabs[0];
  select(initial, false);
}
