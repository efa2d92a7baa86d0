// Types of the llm-edge package. They keep the project's public contract
// (shared/api/llm-edge.d.ts, checked by `tsc --strict` in the test suite) and add
// the package's extras: resilience settings, the stream's serving endpoint and
// attempts, and LLMError.providerCode.
// Messages, tools and tool calls use the OpenAI wire format (snake_case); every
// object the library itself defines uses camelCase.

// ---------------------------------------------------------------- messages

export type Role = "system" | "developer" | "user" | "assistant" | "tool";

export type ContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } }
  | { type: "input_audio"; input_audio: { data: string; format: "wav" | "mp3" } };

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface Message {
  role: Role;
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** An image for the vision helper: an https: or data: URL, raw bytes, or a Blob/File. */
export type ImageInput = string | Uint8Array | ArrayBuffer | Blob;

// ---------------------------------------------------------------- requests

/** Per-request context: identity, cancellation and deadline. */
export interface RequestContext {
  requestId?: string;
  signal?: AbortSignal;
  /** Deadline for the whole call, every attempt and failover included. */
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

/** Generation parameters in the library's own names; each model maps them to its wire format
 *  (e.g. GPT-4.1 mini sends maxTokens as max_completion_tokens and drops temperature). */
export interface GenerationParams {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string | string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  tools?: Array<{ type: "function"; function: { name: string; description?: string; parameters?: object } }>;
  toolChoice?: "auto" | "none" | "required" | { type: "function"; function: { name: string } };
  responseFormat?: { type: "text" } | { type: "json_object" } | { type: "json_schema"; json_schema: object };
  reasoningEffort?: "minimal" | "low" | "medium" | "high";
  user?: string;
  /** Sent as-is, after the model's own transforms. */
  extra?: Record<string, unknown>;
}

// ---------------------------------------------------------------- responses

export type FinishReason = "stop" | "length" | "content_filter" | "tool_calls" | "unknown";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** One try against one endpoint, in the order they were made. */
export interface Attempt {
  endpoint: string; // origin only, never a key or token
  status?: number; // HTTP status, when one arrived
  errorCode?: ErrorCode;
  latencyMs: number;
}

export interface LLMResponse {
  content: string;
  finishReason: FinishReason;
  toolCalls?: ToolCall[];
  usage: Usage | null;
  model: string;
  latencyMs: number;
  /** The endpoint origin that served the answer. */
  endpoint: string;
  attempts: Attempt[];
}

export interface LLMStreamChunk {
  /** Text added by this chunk; "" for chunks that carry only metadata. */
  delta: string;
  toolCallDeltas?: Array<{ index: number; id?: string; name?: string; arguments?: string }>;
  finishReason?: FinishReason;
  usage?: Usage;
}

/** A stream is a Web ReadableStream and an async iterable at once. Cancelling it
 *  (reader.cancel(), breaking out of for-await, or ctx.signal) aborts the HTTP request. */
export type LLMStream<T = LLMStreamChunk> = ReadableStream<T> &
  AsyncIterable<T> & {
    /** The origin serving the answer, once the response has started. */
    readonly endpoint?: string;
    /** Every attempt so far, in order (the failover trace). */
    readonly attempts?: Attempt[];
  };

export interface LLMImageResponse {
  imageUrl?: string;
  imageBase64?: string;
  revisedPrompt?: string;
  format: string; // "png", "jpeg", "webp"
  size?: string; // "1024x1024"
}
export interface LLMImageChunk { index: number; partialImageBase64: string; final: boolean }

export interface LLMAudioResponse { audio: Uint8Array; format: string }
export interface LLMAudioChunk { audio: Uint8Array }

export interface LLMVideoResponse { video?: Uint8Array; videoUrl?: string; jobId: string; format: string }
/** Long jobs report progress before the bytes arrive. */
export interface LLMVideoChunk { status: string; progress?: number; video?: Uint8Array }

// ---------------------------------------------------------------- errors

export type ErrorCode =
  | "invalid_input" // bad messages, params or config: nothing was sent
  | "unsupported_operation" // the model cannot do this (e.g. text from an image-only model)
  | "token_limit_exceeded" // caught before sending
  | "authentication" // 401
  | "permission_denied" // 403
  | "not_found" // 404 (deployment or path)
  | "rate_limited" // 429
  | "bad_request" // other 4xx
  | "content_filter" // the provider's content policy refused
  | "service_unavailable" // 5xx
  | "timeout"
  | "connection"
  | "parse" // a response that does not follow the wire format
  | "aborted" // the caller's signal
  | "all_endpoints_failed"; // failover ran out; `attempts` says what each endpoint did

export declare class LLMError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly attempts?: Attempt[];
  /** Text already streamed to the caller before a stream failed. */
  readonly partialContent?: string;
  /** The provider's own error code (Azure's "content_filter", "429", ...), when it sent one. */
  readonly providerCode?: string;
}

// ---------------------------------------------------------------- models

export type MediaType = "text" | "image" | "audio" | "video";

export interface ModelMetadata {
  /** The id createLLM's `model` takes, e.g. "gpt-4.1-mini". */
  modelName: string;
  family: string;
  provider: string;
  inputTypes: MediaType[];
  outputTypes: MediaType[];
  contextWindow: number;
  maxOutputTokens: number;
  /** USD per million tokens, and per unit for media. */
  pricing: {
    inputPerMTok?: number;
    outputPerMTok?: number;
    cachedInputPerMTok?: number;
    perImage?: number;
    perMCharacters?: number;
    perSecond?: number;
  };
}

/** The contract (ILLM): any object with these two methods is an LLM, no inheritance needed. */
export interface LLM {
  getAnswer(messages: Message[], ctx?: RequestContext, params?: GenerationParams): Promise<LLMResponse>;
  streamAnswer(messages: Message[], ctx?: RequestContext, params?: GenerationParams): LLMStream;
}

/** Runtime check of the contract. */
export declare function isLLM(value: unknown): value is LLM;

/** What the library's own models offer (BaseLLM): the contract, helpers and media methods.
 *  A media method the model does not support rejects with code "unsupported_operation"
 *  and a hint naming the methods it does support. */
export interface Model extends LLM {
  readonly metadata: ModelMetadata;
  /** The vision request as messages (bytes and Blobs checked and encoded as data: URLs),
   *  e.g. to stream a vision answer: `llm.streamAnswer(await llm.visionMessages(prompt, images))`. */
  visionMessages(prompt: string, images: ImageInput[]): Promise<Message[]>;
  getAnswerWithVision(request: {
    prompt: string;
    images: ImageInput[];
    ctx?: RequestContext;
    params?: GenerationParams;
  }): Promise<LLMResponse>;
  estimateTokens(messages: Message[]): number;
  getImage(prompt: string | Message[], ctx?: RequestContext, params?: Record<string, unknown>): Promise<LLMImageResponse>;
  streamImage(prompt: string | Message[], ctx?: RequestContext, params?: Record<string, unknown>): LLMStream<LLMImageChunk>;
  getAudio(input: string | Message[], ctx?: RequestContext, params?: Record<string, unknown>): Promise<LLMAudioResponse>;
  streamAudio(input: string | Message[], ctx?: RequestContext, params?: Record<string, unknown>): LLMStream<LLMAudioChunk>;
  getVideo(prompt: string | Message[], ctx?: RequestContext, params?: Record<string, unknown>): Promise<LLMVideoResponse>;
  streamVideo(prompt: string | Message[], ctx?: RequestContext, params?: Record<string, unknown>): LLMStream<LLMVideoChunk>;
  /** Releases what the model holds; later calls reject with "invalid_input". */
  close(): Promise<void>;
}

/** The helpers (BaseLLM) for models written in JavaScript: subclass it and implement the two
 *  contract methods; the helpers run in the same code the library's own models use.
 *  Declared once, in the contract (./contract.d.ts, shipped verbatim): its protected helpers
 *  make the class nominal in TypeScript, so a second declaration could never be assignable. */
export { BaseLLM } from "./contract.js";

/** One Azure OpenAI endpoint. Backups inherit every field they leave out from the primary. */
export interface AzureEndpoint {
  endpoint: string; // https://<resource>.openai.azure.com
  deploymentName: string;
  apiKey?: string;
  /** Entra ID: returns a bearer token; called per request, so it may refresh. */
  getToken?: () => string | Promise<string>;
  apiVersion?: string;
  /** Relative share for loadBalancing: "weighted" (default 1). */
  weight?: number;
}

export interface AzureConfig extends AzureEndpoint {
  provider: "azure";
  /** A model id from listModels(), e.g. "gpt-4.1-mini": picks metadata and the implementation,
   *  whatever the deployment is called. */
  model: string;
  backups?: Array<Partial<AzureEndpoint>>;
  /** Per attempt, until response headers arrive. */
  timeoutMs?: number;
  /** Longest silence allowed between two stream chunks. */
  idleTimeoutMs?: number;
  /** Extra tries on the same endpoint (exponential backoff with full jitter, capped by
   *  ctx.timeoutMs) before failing over. Default: no retries, so failover is quick. */
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** How endpoints are ordered per call. Default "priority": primary, then backups in order. */
  loadBalancing?: "priority" | "round-robin" | "weighted" | "least-latency";
  /** After `failures` consecutive failures an endpoint is skipped for `cooldownMs`, then
   *  probed by one request. Default 3 failures, 30 s. */
  circuitBreaker?: { failures?: number; cooldownMs?: number };
  /** A stream that fails after text was delivered: "reject" (default) with partialContent,
   *  or "continue" on the next endpoint, delivering only new text. */
  streamFailover?: "reject" | "continue";
  /** Allow plain http:// to non-loopback hosts (keys travel in clear text). */
  allowInsecureHttp?: boolean;
  /** Parameters applied to every call unless the call overrides them. */
  defaults?: GenerationParams;
}

export type ModelConfig = AzureConfig;

/** The factory: picks the implementation for config.model. Rejects unknown models and bad
 *  config synchronously with code "invalid_input". */
export declare function createLLM(config: ModelConfig): Model;

/** The registry's models. */
export declare function listModels(): ModelMetadata[];
