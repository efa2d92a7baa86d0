// OpenTelemetry spans from llm-edge's telemetry hooks, with no OpenTelemetry dependency: any
// tracer with startSpan(name, { kind, attributes }) returning a span with setAttribute,
// addEvent, setStatus and end will do (the @opentelemetry/api tracer is one).
//
// One span per call, named "{operation} {model}", following the GenAI semantic conventions
// (gen_ai.* attributes; https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/).
// Each entry of the call's attempts trace becomes a "llm_edge.attempt" event on the span,
// added when the call ends (the trace is reported after the fact, not live). Hedges and
// retry-budget refusals (llm-edge/full) are marked on the event and on the call's span.
// Calls served by withCache(llm, { hooks }) (llm-edge/cache) carry llm_edge.cache_hit (and
// llm_edge.coalesced when they shared an identical call in flight) and no attempt events.

const SPAN_KIND_CLIENT = 2; // SpanKind.CLIENT in @opentelemetry/api
const STATUS_ERROR = 2; // SpanStatusCode.ERROR

/** gen_ai.provider.name's well-known values for the library's providers. */
const PROVIDERS = { azure: "azure.ai.openai", openai: "openai", bedrock: "aws.bedrock" };

const isFn = (f) => typeof f === "function";

function address(origin) {
  try {
    const u = new URL(origin);
    return [u.hostname, u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80];
  } catch {
    return [undefined, undefined];
  }
}

/** Sets each defined attribute (OTel drops undefined anyway; duck-typed spans may not). */
function set(span, attrs) {
  for (const k of Object.keys(attrs)) if (attrs[k] !== undefined && attrs[k] !== null) span.setAttribute(k, attrs[k]);
}

function defined(attrs) {
  const out = {};
  for (const k of Object.keys(attrs)) if (attrs[k] !== undefined && attrs[k] !== null) out[k] = attrs[k];
  return out;
}

/**
 * Hooks for createLLM's `hooks` that record each call as an OpenTelemetry span.
 * options.metadata: true adds ctx.metadata as llm_edge.metadata.<key> attributes (off by
 * default: metadata is the caller's and may identify users).
 * options.maxOpenSpans (default 10,000): spans of calls that never end (a stream nobody
 * reads to the end or cancels) are ended, oldest first, past this many, with
 * error.type "abandoned".
 */
export function toOpenTelemetry(tracer, options = {}) {
  if (tracer === null || typeof tracer !== "object" || !isFn(tracer.startSpan)) {
    throw new TypeError("toOpenTelemetry(tracer): pass a tracer with startSpan(name, options), e.g. trace.getTracer(\"my-app\") from @opentelemetry/api");
  }
  const withMetadata = options?.metadata === true;
  const maxOpen = Number.isFinite(options?.maxOpenSpans) && options.maxOpenSpans > 0 ? options.maxOpenSpans : 10_000;
  const open = new Map(); // callId → span, for calls that have started and not ended

  function start(ev) {
    const op = ev.operation; // "chat" is a predefined value; "image" and "speech" have none yet
    const provider = PROVIDERS[ev.provider] ?? ev.provider;
    const attributes = defined({
      "gen_ai.operation.name": op,
      "gen_ai.provider.name": provider,
      "gen_ai.system": provider, // the name before semantic conventions 1.37, for older backends
      "gen_ai.request.model": ev.model,
      "llm_edge.stream": ev.stream,
      "llm_edge.request_id": ev.requestId,
      "llm_edge.cache_hit": ev.cacheHit, // set by withCache's hooks only
      "llm_edge.coalesced": ev.coalesced || undefined,
    });
    if (withMetadata && ev.metadata) for (const k of Object.keys(ev.metadata)) attributes[`llm_edge.metadata.${k}`] = String(ev.metadata[k]);
    const span = tracer.startSpan(ev.model ? `${op} ${ev.model}` : op, { kind: SPAN_KIND_CLIENT, attributes });
    if (open.size >= maxOpen) {
      const [oldest, s] = open.entries().next().value;
      open.delete(oldest);
      s.setAttribute("error.type", "abandoned");
      s.setStatus({ code: STATUS_ERROR, message: "abandoned" });
      s.end();
    }
    open.set(ev.callId, span);
  }

  function attempt(ev) {
    const span = open.get(ev.callId);
    if (!span || !isFn(span.addEvent)) return;
    const [host, port] = address(ev.endpoint);
    span.addEvent(
      "llm_edge.attempt",
      defined({
        "llm_edge.attempt": ev.attempt,
        "server.address": host,
        "server.port": port,
        "http.response.status_code": ev.status,
        "error.type": ev.errorCode,
        "llm_edge.latency_ms": ev.latencyMs,
        "llm_edge.skipped": ev.skipped,
        "llm_edge.hedge": ev.hedge,
        "llm_edge.cancelled": ev.cancelled,
        "llm_edge.budget_exhausted": ev.budgetExhausted,
      }),
    );
    // On the call's span too, so hedged calls and budget refusals can be found by attribute.
    if (ev.hedge && !ev.skipped) span.setAttribute("llm_edge.hedged", true);
    if (ev.budgetExhausted) span.setAttribute("llm_edge.retry_budget_exhausted", true);
  }

  function finish(ev) {
    const span = open.get(ev.callId);
    if (!span) return;
    open.delete(ev.callId);
    const [host, port] = address(ev.endpoint);
    const u = ev.usage ?? {};
    set(span, {
      "gen_ai.provider.name": PROVIDERS[ev.provider] ?? ev.provider,
      "gen_ai.response.model": ev.responseModel,
      "gen_ai.response.finish_reasons": ev.finishReason ? [ev.finishReason] : undefined,
      "gen_ai.usage.input_tokens": u.promptTokens,
      "gen_ai.usage.output_tokens": u.completionTokens,
      "gen_ai.usage.cache_read.input_tokens": u.cachedInputTokens,
      "gen_ai.usage.reasoning.output_tokens": u.reasoningTokens,
      "gen_ai.response.time_to_first_chunk": ev.timeToFirstByteMs !== undefined ? ev.timeToFirstByteMs / 1000 : undefined,
      "server.address": host,
      "server.port": port,
      "http.response.status_code": ev.status,
      "llm_edge.endpoint": ev.endpoint,
      "llm_edge.attempts": ev.attempt,
      "llm_edge.latency_ms": ev.latencyMs,
      "llm_edge.time_to_first_byte_ms": ev.timeToFirstByteMs,
      "llm_edge.cost_usd": ev.costUsd,
      "llm_edge.cancelled": ev.cancelled || undefined,
    });
    if (ev.errorCode !== undefined) {
      span.setAttribute("error.type", ev.errorCode);
      span.setStatus({ code: STATUS_ERROR, message: ev.errorCode });
    }
    span.end();
  }

  return { onRequest: start, onAttempt: attempt, onResponse: finish, onStreamEnd: finish, onError: finish };
}
