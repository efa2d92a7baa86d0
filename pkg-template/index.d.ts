// Types of the llm-edge package. The project's public contract ships verbatim as
// ./contract.d.ts (checked against shared/api/llm-edge.d.ts by the test suite); this file
// re-exports it and adds the package's extras: resilience settings, the stream's serving
// endpoint and attempts, LLMError.providerCode and Model.visionMessages.
import type {
  Attempt,
  AzureConfig as ContractAzureConfig,
  AzureEndpoint as ContractAzureEndpoint,
  BedrockConfig as ContractBedrockConfig,
  OpenAIConfig as ContractOpenAIConfig,
  OpenAIEndpoint as ContractOpenAIEndpoint,
  ErrorCode,
  GenerationParams,
  ImageInput,
  LLMResponse,
  LLMStreamChunk,
  Message,
  Model as ContractModel,
  RequestContext,
} from "./contract.js";

export type {
  Attempt,
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
  RequestContext,
  Role,
  ToolCall,
  Usage,
} from "./contract.js";

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
  reasoning?: string;
  droppedParams: string[];
}

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

/** What the library's own models offer: the contract's Model, plus the vision request as
 *  messages (to stream a vision answer) and streams that report who served them. */
export interface Model extends ContractModel {
  getAnswer(messages: Message[], ctx?: RequestContext, params?: GenerationParams): Promise<Answer>;
  streamAnswer(messages: Message[], ctx?: RequestContext, params?: GenerationParams): LLMStream<StreamChunk>;
  /** The vision request as messages (bytes and Blobs checked and encoded as data: URLs),
   *  e.g. `llm.streamAnswer(await llm.visionMessages(prompt, images))`. */
  visionMessages(prompt: string, images: ImageInput[]): Promise<Message[]>;
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
  /** Allow plain http:// to non-loopback hosts (keys travel in clear text). */
  allowInsecureHttp?: boolean;
  /** Parameters applied to every call unless the call overrides them. */
  defaults?: GenerationParams;
}

export interface AzureConfig extends ContractAzureConfig, ResilienceConfig, Weighted {
  backups?: Array<Partial<AzureEndpoint> | BackupConfig>;
}

export interface OpenAIConfig extends ContractOpenAIConfig, ResilienceConfig, Weighted {
  backups?: Array<Partial<OpenAIEndpoint> | BackupConfig>;
}

export type ModelConfig = AzureConfig | OpenAIConfig | ContractBedrockConfig;

/** The factory: picks the provider and the model's rules for config.model. Throws LLMError
 *  "invalid_input" synchronously for bad config. */
export declare function createLLM(config: ModelConfig): Model;
