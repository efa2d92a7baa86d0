// Types of the llm-edge package. The project's public contract ships verbatim as
// ./contract.d.ts (checked against shared/api/llm-edge.d.ts by the test suite); this file
// re-exports it and adds the package's extras: resilience settings, the stream's serving
// endpoint and attempts, LLMError.providerCode and Model.visionMessages.
import type {
  Attempt as ContractAttempt,
  AzureConfig as ContractAzureConfig,
  AzureEndpoint as ContractAzureEndpoint,
  BedrockConfig as ContractBedrockConfig,
  OpenAIConfig as ContractOpenAIConfig,
  OpenAIEndpoint as ContractOpenAIEndpoint,
  ErrorCode,
  GenerationParams,
  ImageInput,
  ImageParams,
  LLMAudioChunk,
  LLMAudioResponse,
  LLMImageChunk,
  LLMImageResponse,
  LLMResponse,
  LLMStreamChunk,
  LLMVideoChunk,
  LLMVideoResponse,
  Message,
  SpeechParams,
  VideoParams,
  Model as ContractModel,
  RequestContext as ContractRequestContext,
  ToolCall,
  Usage,
  LLM,
} from "./contract.js";

export type {
  AwsCredentials,
  BedrockConfig,
  BedrockEndpoint,
  CommonConfig,
  EndpointCommon,
  ImageParams,
  MediaResponseInfo,
  SpeechParams,
  VideoParams,
  ContentPart,
  ErrorCode,
  FinishReason,
  GenerationParams,
  ImageInput,
  LLM,
  LLMAudioChunk,
  LLMAudioResponse,
  LLMImageChunk,
  LLMImageResponse,
  LLMResponse,
  LLMStreamChunk,
  LLMVideoChunk,
  LLMVideoResponse,
  MediaType,
  Message,
  ModelMetadata,
  Role,
  ToolCall,
  Usage,
} from "./contract.js";

/** One try against one endpoint, in the order they were made: the contract's fields plus
 *  how it went in the package's resilience layer. */
export interface Attempt extends ContractAttempt {
  /** Not sent: the endpoint's circuit was open, or (budgetExhausted) the retry budget was empty. */
  skipped?: true;
  /** llm-edge/full: sent as a hedge while an earlier request of the call still waited for headers. */
  hedge?: true;
  /** llm-edge/full: aborted because another request of the call answered first (errorCode "aborted"). */
  cancelled?: true;
  /** llm-edge/full: not sent because the model's retry budget had no token left (with skipped). */
  budgetExhausted?: true;
}

/** The contract's request context plus per-call resilience settings. */
export interface RequestContext extends ContractRequestContext {
  /** false: the call has side effects that must not happen twice at once, so it is never
   *  hedged (retries and failover after a failure still apply). Default true. */
  idempotent?: boolean;
  /** llm-edge/full: false turns hedging off for this call; an object overrides the model's
   *  `hedge` settings for it (the model needs `hedge` or `retryBudget` in its config, as
   *  hedges draw on its retry budget). */
  hedge?: false | { delayMs?: number; maxHedges?: number };
}

/** The helpers (BaseLLM) for models written in JavaScript. Declared once, in the contract:
 *  its protected helpers make the class nominal in TypeScript, so a second declaration
 *  could never be assignable to it. */
export { BaseLLM, isLLM, listModels } from "./contract.js";

/** A stream is a Web ReadableStream and an async iterable at once. Cancelling it
 *  (reader.cancel(), breaking out of for-await, or ctx.signal) aborts the HTTP request. */
export type LLMStream<T = LLMStreamChunk> = ReadableStream<T> &
  AsyncIterable<T> & {
    /** The origin serving the answer, once the response has started. */
    readonly endpoint?: string;
    /** Every attempt so far, in order (the failover trace). */
    readonly attempts?: Attempt[];
    /** Parameters the serving model does not take (dropped, not sent), once it started. */
    readonly droppedParams?: string[];
  };

/** A stream chunk, plus reasoning text some servers send apart from the answer
 *  (`reasoning_content` / `reasoning` deltas); it is never mixed into `delta`. */
export interface StreamChunk extends LLMStreamChunk {
  reasoningDelta?: string;
}

/** An answer, plus what the library adds: the reasoning text a server returned beside the
 *  answer, and the parameters the serving model does not take (dropped, not sent). */
export interface Answer extends LLMResponse {
  attempts: Attempt[];
  reasoning?: string;
  droppedParams: string[];
}

/** streamVideo's chunks as llm-edge/full sends them: the contract's, plus the job's id and
 *  serving model on progress chunks, and the thumbnail on the last chunk when the service
 *  has one. */
export interface VideoChunk extends LLMVideoChunk {
  jobId?: string;
  model?: string;
  thumbnail?: Uint8Array;
  /** The last chunk: the seconds made and their cost. */
  usage?: MediaUsage;
}

/** A media call's usage as llm-edge/full reports it: the contract's token counts (zero
 *  where the API reports none: dall-e, tts-1, Sora), the provider's details, what is billed
 *  per unit, and the cost at the model table's prices (absent where the table has no
 *  price, or the answer no usage: gpt-4o-mini-tts's plain getAudio answer). */
export interface MediaUsage extends Usage {
  /** USD: gpt-image by its text input, image input and image output tokens; dall-e-3 per
   *  image by quality and size; tts-1/-hd per character; gpt-4o-mini-tts by its text and
   *  audio tokens; Sora 2 per second. */
  costUsd?: number;
  /** gpt-image: input_tokens_details. */
  textInputTokens?: number;
  imageInputTokens?: number;
  /** gpt-image: output_tokens_details.image_tokens, when the API splits them out. */
  imageOutputTokens?: number;
  /** gpt-4o-mini-tts: output tokens are audio tokens. */
  audioOutputTokens?: number;
  /** dall-e-3: images made. */
  images?: number;
  /** tts-1, tts-1-hd: characters of input. */
  characters?: number;
  /** Sora: seconds of video asked for (or the API's default). */
  seconds?: number;
}
export interface ImageResponse extends LLMImageResponse {
  usage?: MediaUsage;
}
/** The last chunk (final: true) carries the usage. */
export interface ImageChunk extends LLMImageChunk {
  usage?: MediaUsage;
}
export interface AudioResponse extends LLMAudioResponse {
  usage?: MediaUsage;
}
/** streamAudio's last chunk carries the usage (tts-1's is an empty end marker). */
export interface AudioChunk extends LLMAudioChunk {
  usage?: MediaUsage;
}
export interface VideoResponse extends LLMVideoResponse {
  usage?: MediaUsage;
}

/** What `new LLMError(code, message, details)` copies onto the error. */
export interface LLMErrorDetails {
  hint?: string;
  status?: number;
  retryAfterMs?: number;
  attempts?: Attempt[];
  partialContent?: string;
  providerCode?: string;
  /** Kept as the error's `cause` (not serialized by toJSON). */
  cause?: unknown;
}

/** LLMError as JSON: what JSON.stringify(err) writes (fields left undefined are omitted). */
export interface LLMErrorJSON {
  name: string;
  code: ErrorCode;
  message: string;
  hint?: string | undefined;
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  attempts?: Attempt[] | undefined;
  partialContent?: string | undefined;
  providerCode?: string | undefined;
}

export declare class LLMError extends Error {
  /** For JavaScript models and helpers that report failures the way the library does. */
  constructor(code: ErrorCode, message: string, details?: LLMErrorDetails);
  /** @deprecated Declared only so the class stays assignable to the contract's LLMError,
   *  which inherits Error's constructor. At runtime the first argument is always the code. */
  constructor(code?: string, message?: string | ErrorOptions, details?: LLMErrorDetails);
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly attempts?: Attempt[];
  /** Text already streamed to the caller before a stream failed. */
  readonly partialContent?: string;
  /** The provider's own error code (Azure's "content_filter", "429", ...), when it sent one. */
  readonly providerCode?: string;
  /** getStructured: the model's text that did not parse or validate (code "parse"). */
  readonly raw?: string;
  /** A plain object for logs and HTTP bodies; never holds a key or token. */
  toJSON(): LLMErrorJSON;
}

// ---------------------------------------------------------------- inputs
// What the methods accept is wider than the contract's Message: readonly arrays (`as const`),
// an assistant message with tool_calls and no content, and OpenAI's own parameter types
// (`ChatCompletionMessageParam[]`, `ChatCompletionTool[]` from the openai package) as they are.

export type TextPart = { type: "text"; text: string };
export type ImagePart = { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } };
export type AudioPart = { type: "input_audio"; input_audio: { data: string; format: "wav" | "mp3" } };
/** Typed so OpenAI's unions pass; the library answers "invalid_input" (nothing is sent) for
 *  "file" and "refusal" parts, which it does not forward. */
export type FilePart = { type: "file"; file: { file_data?: string; file_id?: string; filename?: string } };
export type RefusalPart = { type: "refusal"; refusal: string };

/** A tool call as messages carry it. "custom" calls type-check (OpenAI's union) but the
 *  library rejects them with "invalid_input". */
export type ToolCallParam = ToolCall | { id: string; type: "custom"; custom: { name: string; input: string } };

/** A message as the methods take it. The contract's Message always fits. */
export type MessageParam =
  | Message
  | { role: "system" | "developer"; content: string | readonly TextPart[]; name?: string }
  | { role: "user"; content: string | readonly (TextPart | ImagePart | AudioPart | FilePart)[]; name?: string }
  | {
      role: "assistant";
      /** May be absent or null when tool_calls is set. */
      content?: string | readonly (TextPart | RefusalPart)[] | null;
      name?: string;
      tool_calls?: readonly ToolCallParam[];
      refusal?: string | null;
    }
  | { role: "tool"; content: string | readonly TextPart[]; tool_call_id: string }
  /** OpenAI's deprecated function role: type-checks, rejected at runtime ("invalid_input"). */
  | { role: "function"; content: string | null; name: string };

/** A function tool in the wire format. `strict: true` asks the model to follow the schema
 *  exactly (structured outputs: every property required, additionalProperties false). */
export interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: object; strict?: boolean | null };
}
/** OpenAI's "custom" (free-text) tools type-check so ChatCompletionTool[] passes; the
 *  library accepts only function tools and answers "invalid_input" otherwise. */
export type ToolParam = FunctionTool | { type: "custom"; custom: { name: string; description?: string; format?: object } };

/** Generation parameters as the methods take them: the contract's GenerationParams with
 *  readonly arrays and OpenAI's tool type accepted, plus `parallelToolCalls`. */
export interface CallParams extends Omit<GenerationParams, "tools" | "stop" | "reasoningEffort"> {
  /** Whether the model may call several tools in one turn (sent as parallel_tool_calls). */
  parallelToolCalls?: boolean;
  stop?: string | readonly string[];
  tools?: readonly ToolParam[];
  /** Reasoning models only (others drop it). "minimal" is taken by the gpt-5 family
   *  (gpt-5, gpt-5-mini, gpt-5-nano; not gpt-5-chat); the o-series (o1, o3, o4-mini)
   *  rejects it with "invalid_input" and takes "low", "medium" or "high". */
  reasoningEffort?: "minimal" | "low" | "medium" | "high";
}

/** What the library's own models offer: the contract's Model, plus the vision request as
 *  messages (to stream a vision answer) and streams that report who served them. */
export interface Model extends ContractModel {
  getAnswer(messages: readonly MessageParam[], ctx?: RequestContext, params?: CallParams): Promise<Answer>;
  streamAnswer(messages: readonly MessageParam[], ctx?: RequestContext, params?: CallParams): LLMStream<StreamChunk>;
  estimateTokens(messages: readonly MessageParam[]): number;
  /** The vision request as messages (bytes and Blobs checked and encoded as data: URLs),
   *  e.g. `llm.streamAnswer(await llm.visionMessages(prompt, images))`. */
  visionMessages(prompt: string, images: ImageInput[]): Promise<Message[]>;
  /** Media (llm-edge/full): results and last stream chunks carry MediaUsage with costUsd. */
  getImage(prompt: string | Message[], ctx?: RequestContext, params?: ImageParams): Promise<ImageResponse>;
  streamImage(prompt: string | Message[], ctx?: RequestContext, params?: ImageParams): LLMStream<ImageChunk>;
  getAudio(input: string | Message[], ctx?: RequestContext, params?: SpeechParams): Promise<AudioResponse>;
  streamAudio(input: string | Message[], ctx?: RequestContext, params?: SpeechParams): LLMStream<AudioChunk>;
  getVideo(prompt: string | Message[], ctx?: RequestContext, params?: VideoParams): Promise<VideoResponse>;
  streamVideo(prompt: string | Message[], ctx?: RequestContext, params?: VideoParams): LLMStream<VideoChunk>;
  /** Running usage and cost since the model was made, one entry per model and endpoint
   *  (a backup on another model counts under that model); calls that reported no usage
   *  are not counted. */
  usageTotals(): UsageTotal[];
  /** The breaker export behind "llm-edge/health" (use that entry rather than this): applies
   *  another isolate's view to endpoint `i` (config order; -1: none) — `openMs` > 0 keeps its
   *  circuit open at least that long, 0 closes it, -1 leaves it; `ttfbMs` > 0 is a latency
   *  hint for an unmeasured endpoint — and returns [the endpoints' health ids joined by "\n"
   *  (when `i` is -1 or left out; otherwise undefined), per endpoint: openMs, consecutive
   *  failures, successes, failures, ttfbMs (-1: none)].
   *  Built into "llm-edge/full" only; the default entry's models throw. */
  endpointHealth(i?: number, openMs?: number, ttfbMs?: number): [string | undefined, Float64Array];
}

/** One model on one endpoint: what its calls used and cost so far. */
export interface UsageTotal {
  model: string;
  /** The endpoint's origin. */
  endpoint: string;
  /** Calls that reported usage. */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** USD at the model table's prices (0 for a model without prices). */
  costUsd: number;
}

/** The package's extras on every endpoint: a share for weighted load balancing. */
interface Weighted {
  /** Relative share for loadBalancing: "weighted" (default 1). */
  weight?: number;
}

/** One Azure OpenAI endpoint. Backups inherit every field they leave out from the primary. */
export interface AzureEndpoint extends ContractAzureEndpoint, Weighted {}
/** OpenAI or an OpenAI-compatible server. */
export interface OpenAIEndpoint extends ContractOpenAIEndpoint, Weighted {}

/** A backup on another provider (or another model): a whole endpoint of its own. */
export type BackupConfig =
  | (AzureEndpoint & { provider: "azure"; model?: string })
  | (OpenAIEndpoint & { provider: "openai"; model?: string });

/** The resilience settings and defaults every config may carry. */
export interface ResilienceConfig {
  /** Extra tries on the same endpoint (exponential backoff with full jitter, capped by
   *  ctx.timeoutMs) before failing over. Default: no retries, so failover is quick.
   *  `rateLimited: true` also waits out a 429's retryAfterMs (within ctx.timeoutMs) and
   *  retries the same endpoint (at least once). */
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number; rateLimited?: boolean };
  /** How endpoints are ordered per call. Default "priority": primary, then backups in order. */
  loadBalancing?: "priority" | "round-robin" | "weighted" | "least-latency";
  /** After `failures` consecutive failures an endpoint is skipped for `cooldownMs`, then
   *  probed by one request. Default 3 failures, 30 s. */
  circuitBreaker?: { failures?: number; cooldownMs?: number };
  /** A stream that fails after text was delivered: "reject" (default) with partialContent,
   *  or "continue" on the next endpoint, delivering only new text. */
  streamFailover?: "reject" | "continue";
  /** llm-edge/full: hedged requests. When an endpoint has not answered with headers within
   *  the delay, the same request also goes to the next endpoint in the call's order (open
   *  circuits left out); the first 2xx wins and the others are aborted. The delay is fixed
   *  (`delayMs`) or a percentile of the endpoint's last 64 times to first byte (`delay:
   *  "p95"`, with `delayMs` as its floor; no hedge until 10 are recorded). A request slower
   *  than the percentile is hedged, so about (100 − p)% are: p95 hedges the slowest 5%,
   *  within the budget's default 10%. `maxHedges` (default 1, at most 10) hedges per call.
   *  Streams hedge only before their headers. Never for a call with ctx.idempotent ===
   *  false. Turns the retry budget on. */
  hedge?: { delayMs?: number; delay?: `p${number}`; maxHedges?: number };
  /** llm-edge/full: one token bucket per model bounding retries, failovers after a failure
   *  and hedges together: each such extra request takes a token, each call answered 2xx
   *  puts `ratio` back (default 0.1); it starts with, and holds at most, `allowance` tokens
   *  (default 10). In a full outage a model sends at most `allowance` extra requests; with
   *  traffic, at most `ratio` × successful calls more. A call refused a token ends with its
   *  last error, the refused attempt marked `budgetExhausted` in its trace. Off unless this
   *  or `hedge` is set. */
  retryBudget?: { ratio?: number; allowance?: number };
  /** Allow plain http:// to non-loopback hosts (keys travel in clear text). */
  allowInsecureHttp?: boolean;
  /** Parameters applied to every call unless the call overrides them. */
  defaults?: CallParams;
}

/** Telemetry hooks on any config (kept in JS, never sent to the wasm side). */
export interface TelemetryConfig {
  /** Called with plain objects at each stage of every call; one set or several (all are
   *  called, in order). A hook that throws or rejects never breaks or delays the call. */
  hooks?: TelemetryHooks | readonly (TelemetryHooks | null | undefined)[] | null;
}

export interface AzureConfig extends ContractAzureConfig, ResilienceConfig, TelemetryConfig, Weighted {
  backups?: Array<Partial<AzureEndpoint> | BackupConfig>;
}

export interface OpenAIConfig extends ContractOpenAIConfig, ResilienceConfig, TelemetryConfig, Weighted {
  backups?: Array<Partial<OpenAIEndpoint> | BackupConfig>;
}

export type ModelConfig = AzureConfig | OpenAIConfig | (ContractBedrockConfig & TelemetryConfig);

// ---------------------------------------------------------------- telemetry

/** What every hook receives: who was called and how. Never a key, a token or message content. */
export interface TelemetryRequestEvent {
  /** Unique per call in this isolate: the events of one call share it (negative for calls a
   *  withCache wrapper served itself, so its ids never meet the model's). */
  callId: number;
  /** ctx.requestId, when given. */
  requestId?: string;
  /** config.model (the backup's own model for events about a backup that has one). */
  model?: string;
  /** config.provider (the backup's for events about a backup on another provider). */
  provider?: string;
  operation: "chat" | "image" | "speech" | "video";
  stream: boolean;
  /** ctx.metadata, when given (a copy). */
  metadata?: Record<string, string>;
  /** llm-edge/cache's `hooks` only: true when the call was answered from the cache's store,
   *  false when it shared an identical call in flight (then `coalesced` is true). Calls that
   *  went upstream are reported by the model's own hooks, without these fields. */
  cacheHit?: boolean;
  coalesced?: boolean;
}

/** onAttempt: one entry of the call's attempts trace, reported when the call ends (not live). */
export interface TelemetryAttemptEvent extends TelemetryRequestEvent {
  /** The endpoint's origin. */
  endpoint: string;
  /** 1 for the first try, 2 for the next (a retry or a failover), ... */
  attempt: number;
  /** The HTTP status, when one arrived. */
  status?: number;
  /** Why this attempt failed; absent for the one that served. */
  errorCode?: ErrorCode;
  latencyMs: number;
  /** As on the trace's Attempt: not sent (an open circuit, or an empty retry budget). */
  skipped?: true;
  /** llm-edge/full: sent as a hedge. */
  hedge?: true;
  /** llm-edge/full: aborted because another request of the call answered first. */
  cancelled?: true;
  /** llm-edge/full: refused by the model's retry budget (not sent). */
  budgetExhausted?: true;
}

/** Token counts, as the answer's usage has them (costUsd is on the event). */
export interface TelemetryUsage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
  [field: string]: number | undefined;
}

/** onResponse, onStreamEnd and onError: how the call ended. */
export interface TelemetryEndEvent extends TelemetryRequestEvent {
  /** The origin that served the call (onError: the last one tried); absent if none was. */
  endpoint?: string;
  /** How many attempts were made (0 when nothing was sent). */
  attempt: number;
  /** The last attempt's HTTP status (onError: the error's). */
  status?: number;
  /** onError only: the LLMError's code. */
  errorCode?: ErrorCode;
  /** From the method call to the answer, the stream's end or the error. */
  latencyMs: number;
  /** Streams: from the method call to the first chunk. */
  timeToFirstByteMs?: number;
  usage?: TelemetryUsage;
  /** At the model table's prices, when it lists them. */
  costUsd?: number;
  finishReason?: string;
  /** onResponse: the model the server says answered (e.g. "gpt-4.1-mini-2025-04-14"). */
  responseModel?: string;
  /** onStreamEnd: the caller cancelled the stream (reader.cancel(), break) before its end. */
  cancelled?: boolean;
  /** llm-edge/cache's `hooks` only: empty (the wrapper served the call; nothing was sent). */
  attempts?: readonly [];
}

/** The hooks: each is optional; return values are ignored and promises are not awaited. */
export interface TelemetryHooks {
  /** A call starts. */
  onRequest?: ((event: TelemetryRequestEvent) => unknown) | null;
  /** Once per entry of the attempts trace, when the call ends, before the end event. */
  onAttempt?: ((event: TelemetryAttemptEvent) => unknown) | null;
  /** getAnswer, getImage or getAudio answered. */
  onResponse?: ((event: TelemetryEndEvent) => unknown) | null;
  /** A stream ended (read to its end, or cancelled by the caller). */
  onStreamEnd?: ((event: TelemetryEndEvent) => unknown) | null;
  /** A call failed (a stream: at any point, with `timeToFirstByteMs` if it had started). */
  onError?: ((event: TelemetryEndEvent & { errorCode: ErrorCode }) => unknown) | null;
  /** A hook threw or rejected (otherwise such failures are reported nowhere). */
  onHookError?: ((error: unknown, info: { hook: string }) => unknown) | null;
}

/** A span as toOpenTelemetry uses it (an @opentelemetry/api Span is one). */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean | string[]): unknown;
  addEvent(name: string, attributes?: Record<string, string | number | boolean>): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): unknown;
}

/** A tracer as toOpenTelemetry uses it (an @opentelemetry/api Tracer is one). */
export interface TracerLike {
  startSpan(name: string, options?: { kind?: number; attributes?: Record<string, string | number | boolean> }): SpanLike;
}

export interface OpenTelemetryOptions {
  /** Add ctx.metadata as llm_edge.metadata.<key> attributes (default false). */
  metadata?: boolean;
  /** Spans of calls that never end (a stream never read to its end nor cancelled) are
   *  ended, oldest first, past this many, with error.type "abandoned" (default 10,000). */
  maxOpenSpans?: number;
}

/** Hooks that record each call as one span following the OpenTelemetry GenAI semantic
 *  conventions (gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model,
 *  gen_ai.response.model, gen_ai.usage.*, error.type, server.address), with one
 *  "llm_edge.attempt" event per attempt. No OpenTelemetry dependency: pass any tracer. */
export declare function toOpenTelemetry(tracer: TracerLike, options?: OpenTelemetryOptions): TelemetryHooks;

/** The factory: picks the provider and the model's rules for config.model. Throws LLMError
 *  "invalid_input" synchronously for bad config. */
export declare function createLLM(config: ModelConfig): Model;

// ---------------------------------------------------------------- helpers (./tools.js)

/** Anything with the contract's two methods: a createLLM model, a BaseLLM subclass, a fake. */
export type AnyLLM = Pick<LLM, "getAnswer" | "streamAnswer">;

/** One tool for runTools: its JSON Schema and the function that runs it. */
export interface ToolSpec<Args = any> {
  /** JSON Schema of the arguments (the wire's function.parameters). */
  schema: object;
  description?: string;
  strict?: boolean;
  /** Gets the parsed arguments; returns a string (sent as is) or a value (sent as JSON). A
   *  throw becomes the tool result `{"error": message}` and the loop goes on. */
  execute(args: Args, call: { id: string; name: string; signal?: AbortSignal }): unknown;
}

/** What one tool call produced in a step. */
export interface ToolResult {
  id: string;
  name: string;
  /** The tool message's content, as sent to the model. */
  content: string;
  /** Set when the tool threw, was unknown or got arguments that are not JSON. */
  error?: string;
}

/** One model call of the loop: its answer (or the streamed equivalent) and the tools it ran. */
export interface ToolStep {
  content: string;
  finishReason: LLMResponse["finishReason"];
  toolCalls?: ToolCall[];
  usage: Usage | null;
  /** The whole response, when the step used getAnswer. */
  response?: LLMResponse;
  endpoint?: string;
  attempts?: Attempt[];
  toolResults: ToolResult[];
}

export interface RunToolsOptions {
  tools: Record<string, ToolSpec>;
  /** Most model calls (default 8). When reached, the last step's tool calls are not run. */
  maxSteps?: number;
  /** signal aborts the model calls and is handed to each tool; timeoutMs is a deadline for
   *  the whole loop (each call gets what is left of it). */
  ctx?: RequestContext;
  /** Passed on every call; `tools` is filled in from `tools` above. */
  params?: CallParams;
  /** Streams each step (streamAnswer) and reports its text as it arrives. */
  onText?: (delta: string) => void;
}

export interface RunToolsResult {
  /** The last step's text. */
  content: string;
  /** The conversation: the input, then each assistant message and tool result. */
  messages: Message[];
  steps: ToolStep[];
  /** Summed over the steps that reported usage (zeros when none did). */
  usage: Usage;
  /** True when maxSteps stopped the loop while the model still asked for tools. */
  maxStepsReached: boolean;
}

/** Runs a conversation with tools: calls the model, runs the tool calls it asks for
 *  (concurrently), sends the results back, until it answers without tools or maxSteps. */
export declare function runTools(llm: AnyLLM, messages: readonly MessageParam[], options: RunToolsOptions): Promise<RunToolsResult>;

export interface StructuredOptions {
  /** JSON Schema of the answer (the structured-outputs subset). */
  schema: object;
  /** The schema's name on the wire (default "response"). */
  name?: string;
  /** Ask the model to follow the schema exactly (default true). */
  strict?: boolean;
  ctx?: RequestContext;
  params?: CallParams;
}

/** Asks for JSON that follows `schema`, parses it and validates it against the schema (the
 *  structured-outputs subset: type, properties, required, additionalProperties, items, enum,
 *  const, anyOf, local $ref, nullable via type arrays, and the numeric, array-length and
 *  pattern bounds; `format` is not checked). Throws LLMError "parse" (with `raw`, the model's
 *  text) when the answer is not JSON or does not match, and "invalid_input" before any call
 *  when a $ref does not resolve. `T` is the caller's claim about the schema's shape. */
export declare function getStructured<T = unknown>(
  llm: AnyLLM,
  messages: readonly MessageParam[],
  options: StructuredOptions,
): Promise<{ value: T; response: LLMResponse }>;

/** What streamStructured yields: the JSON text as it arrives, then the value once. */
export type StructuredEvent<T = unknown> =
  | {
      type: "text";
      /** The new text. */
      delta: string;
      /** All the text so far: a prefix of the JSON answer (not parseable until the end). */
      text: string;
    }
  | {
      type: "value";
      /** The parsed answer, validated against the schema. */
      value: T;
      text: string;
      finishReason: LLMResponse["finishReason"];
      usage: Usage | null;
      endpoint?: string;
      attempts?: Attempt[];
    };

/** getStructured over streamAnswer: yields `{ type: "text" }` events with the partial JSON
 *  as it comes, then one `{ type: "value" }` with the parsed, validated answer; a failure
 *  throws LLMError "parse" (with `raw`) after the text events. Leaving the loop early
 *  cancels the request. */
export declare function streamStructured<T = unknown>(
  llm: AnyLLM,
  messages: readonly MessageParam[],
  options: StructuredOptions,
): AsyncGenerator<StructuredEvent<T>, void, undefined>;

/** Checks a parsed JSON value against a schema of the structured-outputs subset (see
 *  getStructured); returns the first mismatch as text ("$.lines[0].qty: expected integer,
 *  got string") or null when the value matches. */
export declare function validateJSON(schema: object | boolean, value: unknown): string | null;

/** The Response type of the runtime (DOM, Node, workerd), or a minimal one without them. */
export type WebResponse = typeof globalThis extends { Response: { prototype: infer R } } ? R : { readonly body: unknown; readonly status: number };

export interface ToResponseOptions {
  /** "sse" (default): text/event-stream of `data: <chunk JSON>` (the library's chunks), an
   *  `event: trace` with the failover trace, then `data: [DONE]`; a failure mid-stream is an
   *  `event: error` with the LLMError's JSON.
   *  "openai": text/event-stream of OpenAI `chat.completion.chunk` objects (usage in a chunk
   *  with empty `choices`), the trace as a last chunk with empty `choices` and an `llm_edge`
   *  field, then `data: [DONE]`; a failure is `data: {"error": {...}}`, which the openai
   *  SDKs raise as an APIError.
   *  "text": the answer's text only, as text/plain; a failure errors the body. */
  format?: "sse" | "openai" | "text";
  status?: number;
  /** Extra response headers (CORS, caching). */
  headers?: Record<string, string>;
  /** Send the failover trace ({ endpoint, attempts }) after the last chunk (default true;
   *  only streams that carry one, i.e. the library's). */
  trace?: boolean;
  /** The `model` field of "openai" chunks (default "llm-edge"). */
  model?: string;
}

/** The failover trace of a stream, sent by toResponse after the last chunk. */
export interface StreamTrace {
  /** The origin that served the stream (null if none answered). */
  endpoint: string | null;
  attempts: Attempt[];
}

/** A stream as a Web Response for a Worker, Deno or Node handler. The client going away
 *  (the body cancelled) cancels the stream, which aborts the provider request. */
export declare function toResponse(stream: AsyncIterable<LLMStreamChunk> | ReadableStream<LLMStreamChunk>, options?: ToResponseOptions): WebResponse;

// ---------------------------------------------------------------- without the DOM lib
// The contract names Blob, AbortSignal, ReadableStream and fetch. A project with neither the
// DOM lib nor @types/node (lib: ES2022 only) has none of them: these empty declarations merge
// into the real ones when present and change nothing there.
declare global {
  interface Blob {}
  interface AbortSignal {}
  interface ReadableStream<R = any> {}
  // A value named fetch for `typeof fetch`: a namespace with no exported member adds nothing
  // to the global fetch function when one exists (a var would clash with it).
  namespace fetch {
    const llmEdgeNoMembers: unique symbol;
    export {};
  }
}

// ---------------------------------------------------------------- loading the wasm ("llm-edge/manual")

type WebURL = typeof globalThis extends { URL: { prototype: infer U } } ? U : never;
type WasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : never;
/** Where init finds llm_edge_bg.wasm: its URL (a string or URL, fetched), a Response (or a
 *  promise of one), its bytes, or a compiled WebAssembly.Module. */
export type WasmSource = string | WebURL | WebResponse | ArrayBuffer | ArrayBufferView | WasmModule;
/** The argument of init() from "llm-edge/manual". */
export interface InitOptions {
  wasm: WasmSource | PromiseLike<WasmSource>;
}
