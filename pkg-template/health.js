// llm-edge/health: endpoint health shared across isolates. A model's circuit breaker lives in
// its wasm instance, so each isolate of an app (each Worker instance, each Deno Deploy
// isolate) would otherwise rediscover an outage the hard way. withSharedHealth() keeps the
// in-isolate breaker as the fast path and, beside it, reports what this isolate's breaker saw
// to a store and pulls what all isolates saw, with a short local cache. A call never waits on
// the store longer than `waitMs`; a slow or unreachable store leaves calls on local state.
//
// What reaches a store: endpoint ids (origin, base path, deployment or model, from the
// module), outcome counts, times and latencies. Never a key, a token, a header or content.
//
// Needs the breaker export of the module's full build: models from "llm-edge/full".

import { LLMError } from "./api.js";

const DEFAULTS = { cacheMs: 500, waitMs: 50, timeoutMs: 1000, retryMs: 5000, failures: 3, cooldownMs: 30_000, maxOpenMs: 10 * 60_000 };

function healthError(message, hint) {
  return new LLMError("invalid_input", message, { hint });
}

const STORE_HINT = "Pass a store: memoryStore(), durableObjectStore(env.LLM_HEALTH) or denoKvStore(await Deno.openKv()), or any { read(key, ids, signal), report(key, reports, policy, signal) }.";

/**
 * The shared record of one endpoint after `r`, one isolate's report, under `policy`; `now` in
 * epoch ms. Every store applies this same rule, so they agree on what an outage is:
 * - a success since the last report closes the circuit and restarts the failure count;
 * - failures add to the count of consecutive failures across all isolates; at
 *   `policy.failures` the circuit opens for `policy.cooldownMs`;
 * - an isolate whose own breaker opened reports until when; the shared circuit stays open at
 *   least that long (capped at `policy.maxOpenMs`);
 * - latency: a moving average of the reported times to first byte.
 */
export function mergeHealth(rec, r, policy, now) {
  const num = (x, d) => (typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : d);
  const out = { failures: 0, openUntil: 0, okAt: 0, failAt: 0 };
  if (rec !== null && typeof rec === "object") for (const k of ["failures", "openUntil", "okAt", "failAt", "ttfbMs"]) if (num(rec[k]) !== undefined) out[k] = rec[k];
  const minFailures = Math.max(1, num(policy?.failures, DEFAULTS.failures));
  const cooldownMs = num(policy?.cooldownMs, DEFAULTS.cooldownMs);
  const maxOpenMs = num(policy?.maxOpenMs, DEFAULTS.maxOpenMs);
  if (r.ok === true) {
    out.failures = 0;
    out.openUntil = 0;
    out.okAt = now;
  }
  const f = Math.floor(num(r.failures, 0));
  if (f > 0) {
    out.failures += f;
    out.failAt = now;
    if (out.failures >= minFailures) out.openUntil = Math.max(out.openUntil, now + Math.min(cooldownMs, maxOpenMs));
  }
  const until = num(r.openUntil, 0);
  if (until > now) out.openUntil = Math.max(out.openUntil, Math.min(until, now + maxOpenMs));
  const ttfb = num(r.ttfbMs, 0);
  if (ttfb > 0) out.ttfbMs = out.ttfbMs > 0 ? out.ttfbMs * 0.8 + ttfb * 0.2 : ttfb;
  out.updatedAt = now;
  return out;
}

/** A store's answer cut to what the wrapper reads: numbers only, per known id. */
function cleanView(v, ids) {
  const out = new Map();
  if (v === null || typeof v !== "object") return out;
  for (const id of ids) {
    const r = v[id];
    if (r === null || typeof r !== "object") continue;
    const n = (x) => (Number.isFinite(x) ? x : 0);
    out.set(id, { openUntil: n(r.openUntil), failures: n(r.failures), okAt: n(r.okAt), failAt: n(r.failAt), ttfbMs: n(r.ttfbMs) });
  }
  return out;
}

/** `p`, or a rejection after `ms` (the signal aborts what the store started). */
function timed(start, ms) {
  const ac = new AbortController();
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new Error(`the health store did not answer within ${ms} ms`));
    }, ms);
  });
  let p;
  try {
    p = Promise.resolve(start(ac.signal));
  } catch (e) {
    p = Promise.reject(e);
  }
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const STREAMING = ["streamAnswer", "streamImage", "streamAudio", "streamVideo"];
const CALLS = ["getAnswer", "getAnswerWithVision", "getImage", "getAudio", "getVideo"];

/**
 * `llm` with its endpoints' health shared through `store`. Returns a model with the same
 * methods, plus `health` ({ flush(), refresh(), view(), local() }).
 *
 * options (all optional):
 * - cacheMs (500): how long a pulled view is used before the store is asked again.
 * - waitMs (50): the longest a call waits for a pull when the view is older than cacheMs;
 *   0: never (the pull runs in the background and serves later calls). Streams never wait.
 * - timeoutMs (1000): the longest a store operation may take before it counts as failed.
 * - retryMs (5000): after a store failure, how long calls use local state only.
 * - failures (3), cooldownMs (30000): the shared breaker: consecutive failures across all
 *   isolates that open an endpoint's circuit, and for how long.
 * - onStoreError(error): told of each store failure (default: nothing).
 */
export function withSharedHealth(llm, store, options = {}) {
  if (llm === null || typeof llm !== "object" || typeof llm.getAnswer !== "function") throw healthError("withSharedHealth(llm, store): llm must be a model from createLLM", "const llm = withSharedHealth(createLLM(config), store).");
  if (typeof llm.endpointHealth !== "function") throw healthError("withSharedHealth: this model has no endpointHealth()", "Shared health needs a model from createLLM in \"llm-edge/full\".");
  if (store === null || typeof store !== "object" || typeof store.read !== "function" || typeof store.report !== "function") throw healthError("withSharedHealth: store must have read() and report()", STORE_HINT);
  if (options === null || typeof options !== "object") throw healthError("withSharedHealth: options must be an object", "{ cacheMs?, waitMs?, timeoutMs?, retryMs?, failures?, cooldownMs?, onStoreError? }");
  const o = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS)) {
    if (options[k] === undefined) continue;
    if (typeof options[k] !== "number" || !(options[k] >= 0) || !Number.isFinite(options[k])) throw healthError(`withSharedHealth: options.${k} must be a finite number ≥ 0`, `Leave ${k} out for its default (${DEFAULTS[k]}).`);
    o[k] = options[k];
  }
  const onStoreError = typeof options.onStoreError === "function" ? options.onStoreError : () => {};
  const policy = { failures: Math.max(1, o.failures), cooldownMs: o.cooldownMs, maxOpenMs: o.maxOpenMs };

  let probe;
  try {
    probe = llm.endpointHealth();
  } catch (e) {
    throw healthError(`withSharedHealth: this model's module has no shared-health support (${e?.message ?? e})`, "Shared health needs a model from createLLM in \"llm-edge/full\": the default entry leaves the breaker export out to stay small.");
  }
  let ids = String(probe[0]).split("\n");
  const key = ids.join("\n"); // the endpoint set: one Durable Object per set
  const N = 5; // numbers per endpoint: openMs, consecutive failures, successes, failures, ttfbMs

  let view = new Map();
  let viewAt = -Infinity;
  let pulling = null;
  let pullStarted = 0;
  let downUntil = 0;
  let reported = Array.from(probe[1]); // the local numbers as last reported (successes and failures counted from here)
  let lastReportAt = -Infinity;
  let reporting = null;
  let again = false;
  const openedAt = new Array(ids.length).fill(0); // when this isolate saw its own circuit open
  const pending = new Set();
  const track = (p) => {
    pending.add(p);
    p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };

  // i = -2: the numbers only (no ids string to build on every call).
  const local = (i = -2, openMs = -1, ttfbMs = -1) => llm.endpointHealth(i, openMs, ttfbMs)[1];

  function failed(e) {
    downUntil = Date.now() + o.retryMs;
    try {
      onStoreError(e);
    } catch {}
  }

  /** Applies the shared view to this isolate's breaker: open what is open elsewhere, close
   *  what another isolate reached after it failed here, hint latencies. */
  function apply(v, whole) {
    const now = Date.now();
    if (whole) {
      view = v;
      viewAt = now;
    } else for (const [id, r] of v) view.set(id, r);
    let nums = local();
    ids.forEach((id, i) => {
      const r = v.get(id);
      if (!r) return;
      const localOpen = nums[i * N] > 0;
      if (localOpen && openedAt[i] === 0) openedAt[i] = now;
      const hint = r.ttfbMs > 0 && nums[i * N + 4] < 0 ? r.ttfbMs : -1;
      if (r.openUntil > now) {
        if (nums[i * N] < r.openUntil - now - 1 || hint > 0) {
          nums = local(i, Math.min(r.openUntil - now, o.maxOpenMs), hint);
          if (openedAt[i] === 0) openedAt[i] = now;
        }
      } else if (localOpen && r.okAt > openedAt[i]) {
        nums = local(i, 0, hint);
        openedAt[i] = 0;
      } else if (hint > 0) {
        nums = local(i, -1, hint);
      }
    });
  }

  function refresh() {
    if (pulling) return pulling;
    pullStarted = Date.now();
    pulling = track(
      timed((signal) => store.read(key, ids, signal), o.timeoutMs).then(
        (v) => apply(cleanView(v, ids), true),
        (e) => failed(e),
      ),
    ).finally(() => {
      pulling = null;
    });
    return pulling;
  }

  /** Reports what this isolate's breaker saw since the last report: per endpoint, whether a
   *  success came in, how many failures after it, until when its own circuit is open, and
   *  its latency. Failures go out at once; successes alone at most once per cacheMs. */
  function sync(force = false) {
    let nums;
    try {
      nums = local();
    } catch {
      return; // the model was closed, or its instance is being replaced
    }
    const now = Date.now();
    if (reported.length !== nums.length) reported = Array.from(nums);
    const reports = [];
    let urgent = false;
    for (let i = 0; i < ids.length; i++) {
      const b = i * N;
      const openMs = nums[b];
      if (openMs > 0 && openedAt[i] === 0) openedAt[i] = now;
      if (openMs === 0) openedAt[i] = 0;
      // A counter that went down: the module was rebuilt after a trap; count from zero.
      const oks = nums[b + 2] >= reported[b + 2] ? nums[b + 2] - reported[b + 2] : nums[b + 2];
      const fails = nums[b + 3] >= reported[b + 3] ? nums[b + 3] - reported[b + 3] : nums[b + 3];
      if (oks === 0 && fails === 0) continue;
      const r = { id: ids[i], ok: oks > 0, failures: oks > 0 ? nums[b + 1] : fails };
      if (openMs > 0) r.openUntil = now + openMs;
      if (nums[b + 4] > 0) r.ttfbMs = nums[b + 4];
      if (fails > 0) urgent = true;
      // A success where the shared view says failing or open: close it for the others now.
      const seen = view.get(ids[i]);
      if (oks > 0 && seen && (seen.failures > 0 || seen.openUntil > now)) urgent = true;
      reports.push(r);
    }
    if (reports.length === 0) return;
    if (!urgent && !force && now - lastReportAt < o.cacheMs) return;
    if (now < downUntil && !force) return;
    if (reporting) {
      again = true;
      return;
    }
    const snapshot = Array.from(nums);
    lastReportAt = now;
    reporting = track(
      timed((signal) => store.report(key, reports, policy, signal), o.timeoutMs).then(
        (v) => {
          reported = snapshot;
          if (v !== undefined && v !== null) apply(cleanView(v, ids), false);
        },
        (e) => failed(e),
      ),
    ).finally(() => {
      reporting = null;
      if (again) {
        again = false;
        sync();
      }
    });
  }

  /** Before a call: report what streams since the last sync left, and refresh a stale view,
   *  waiting for it at most what is left of waitMs since the pull started. */
  let streamed = false; // a stream started since the last sync: its outcome is not seen directly
  function before(canWait) {
    if (streamed) {
      streamed = false;
      sync();
    }
    const now = Date.now();
    if (now - viewAt < o.cacheMs || now < downUntil) return undefined;
    const p = refresh();
    const left = pullStarted + o.waitMs - now;
    if (!canWait || left <= 0) return undefined;
    let timer;
    return Promise.race([p, new Promise((r) => (timer = setTimeout(r, left)))]).finally(() => clearTimeout(timer));
  }

  const wrapped = {};
  for (const m of CALLS) {
    wrapped[m] = async (...args) => {
      const w = before(true);
      if (w) await w;
      try {
        return await llm[m](...args);
      } finally {
        sync();
      }
    };
  }
  for (const m of STREAMING) {
    wrapped[m] = (...args) => {
      before(false);
      streamed = true;
      return llm[m](...args);
    };
  }
  wrapped.health = {
    /** Reports what is left and waits for every store operation under way (a Worker passes
     *  this to ctx.waitUntil so reports outlive the response). */
    async flush() {
      streamed = false;
      sync(true);
      // A report that finishes may start the next (changes that came in meanwhile).
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    /** Pulls the shared view now and applies it. */
    refresh: () => refresh(),
    /** The last pulled view: { id: { openUntil, failures, okAt, failAt, ttfbMs } }. */
    view: () => Object.fromEntries(view),
    /** This isolate's breaker: [{ id, openMs, consecutiveFailures, successes, failures, ttfbMs? }]. */
    local() {
      const nums = local();
      return ids.map((id, i) => {
        const b = i * N;
        const e = { id, openMs: nums[b], consecutiveFailures: nums[b + 1], successes: nums[b + 2], failures: nums[b + 3] };
        if (nums[b + 4] >= 0) e.ttfbMs = nums[b + 4];
        return e;
      });
    },
    ids: () => [...ids],
  };
  return new Proxy(llm, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(wrapped, prop)) return wrapped[prop];
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

// ---------------------------------------------------------------- stores

/** In-isolate store: shares health between the models of one isolate (and serves tests);
 *  nothing leaves the isolate. */
export function memoryStore() {
  const records = new Map();
  return {
    read(_key, ids) {
      return Object.fromEntries(ids.filter((id) => records.has(id)).map((id) => [id, records.get(id)]));
    },
    report(_key, reports, policy) {
      const now = Date.now();
      for (const r of reports) records.set(r.id, mergeHealth(records.get(r.id), r, policy, now));
      return Object.fromEntries(records);
    },
  };
}

/** The client of HealthObject: `namespace` is the Durable Object namespace binding
 *  (env.LLM_HEALTH). One object per endpoint set (idFromName of the set's ids), or per
 *  `options.name`. */
export function durableObjectStore(namespace, options = {}) {
  if (namespace === null || typeof namespace !== "object" || typeof namespace.idFromName !== "function") throw healthError("durableObjectStore(namespace): pass the Durable Object namespace binding", "durableObjectStore(env.LLM_HEALTH), with a durable_objects binding to the HealthObject class.");
  const call = async (key, op, body, signal) => {
    const stub = namespace.get(namespace.idFromName(options.name ?? key));
    const res = await stub.fetch(`https://llm-edge-health/${op}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" }, signal });
    if (!res.ok) throw new Error(`the health object answered ${res.status}`);
    return res.json();
  };
  return {
    read: (key, ids, signal) => call(key, "read", { ids }, signal),
    report: (key, reports, policy, signal) => call(key, "report", { reports, policy }, signal),
  };
}

/**
 * The Durable Object that holds the shared health of one endpoint set: strongly consistent
 * (one object, single-threaded; each report is one read-modify-write in its storage), keeps
 * each endpoint's open-until, failure count, last success and failure and latency. Export it
 * from the Worker (export { HealthObject } from "llm-edge/health") and bind it
 * ([[durable_objects.bindings]] name = "LLM_HEALTH", class_name = "HealthObject").
 */
export class HealthObject {
  constructor(state, env) {
    this.state = state;
    this.env = env;
  }
  async fetch(request) {
    const op = new URL(request.url).pathname;
    let body;
    try {
      body = await request.json();
    } catch {
      return new Response("bad request", { status: 400 });
    }
    const storage = this.state.storage;
    if (op === "/read") {
      const ids = Array.isArray(body?.ids) ? body.ids.filter((x) => typeof x === "string").slice(0, 128) : [];
      const got = ids.length ? await storage.get(ids) : new Map();
      return Response.json(Object.fromEntries(got));
    }
    if (op === "/report") {
      const reports = Array.isArray(body?.reports) ? body.reports.filter((r) => r && typeof r.id === "string").slice(0, 128) : [];
      const ids = [...new Set(reports.map((r) => r.id))];
      const got = ids.length ? await storage.get(ids) : new Map();
      const now = Date.now();
      for (const r of reports) got.set(r.id, mergeHealth(got.get(r.id), r, body.policy, now));
      if (ids.length) await storage.put(Object.fromEntries(got));
      return Response.json(Object.fromEntries(got));
    }
    return new Response("not found", { status: 404 });
  }
}

/** Deno KV (Deno Deploy: shared by every isolate of the app): one key per endpoint under
 *  `options.prefix` (["llm-edge", "health"]), written with compare-and-set on the
 *  versionstamp and expiring after `options.expireInMs` (10 minutes) without reports. */
export function denoKvStore(kv, options = {}) {
  if (kv === null || typeof kv !== "object" || typeof kv.atomic !== "function") throw healthError("denoKvStore(kv): pass a Deno.Kv", "denoKvStore(await Deno.openKv()) (deno run --unstable-kv).");
  const prefix = options.prefix ?? ["llm-edge", "health"];
  const expireIn = options.expireInMs ?? 10 * 60_000;
  const k = (id) => [...prefix, id];
  return {
    async read(_key, ids) {
      const out = {};
      for (let i = 0; i < ids.length; i += 10) {
        const got = await kv.getMany(ids.slice(i, i + 10).map(k));
        got.forEach((e, j) => {
          if (e.value !== null) out[ids[i + j]] = e.value;
        });
      }
      return out;
    },
    async report(_key, reports, policy) {
      const out = {};
      for (const r of reports) {
        for (let tries = 0; ; tries++) {
          const cur = await kv.get(k(r.id));
          const next = mergeHealth(cur.value, r, policy, Date.now());
          const res = await kv.atomic().check(cur).set(k(r.id), next, { expireIn }).commit();
          if (res.ok) {
            out[r.id] = next;
            break;
          }
          if (tries >= 8) throw new Error("Deno KV: too many concurrent writers for one endpoint's health");
        }
      }
      return out;
    },
  };
}
