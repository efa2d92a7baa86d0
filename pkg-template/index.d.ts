// Types of the llm-edge package. The project's public contract ships verbatim as
// ./contract.d.ts (checked against shared/api/llm-edge.d.ts by the test suite); this file
// re-exports it and adds the package's extras: resilience settings, the stream's serving
// endpoint and attempts, LLMError.providerCode and Model.visionMessages.
import type {
  Attempt,
  AzureConfig as ContractAzureConfig,
  AzureEndpoint as ContractAzureEndpoint,
  ErrorCode,
  GenerationParams,
  ImageInput,
  LLMStreamChunk,
  Message,
  Model as ContractModel,
  RequestContext,
} from "./contract.js";

export type {
  Attempt,
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
  };

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
  streamAnswer(messages: Message[], ctx?: RequestContext, params?: GenerationParams): LLMStream;
  /** The vision request as messages (bytes and Blobs checked and encoded as data: URLs),
   *  e.g. `llm.streamAnswer(await llm.visionMessages(prompt, images))`. */
  visionMessages(prompt: string, images: ImageInput[]): Promise<Message[]>;
}

/** One Azure OpenAI endpoint. Backups inherit every field they leave out from the primary. */
export interface AzureEndpoint extends ContractAzureEndpoint {
  /** Relative share for loadBalancing: "weighted" (default 1). */
  weight?: number;
}

export interface AzureConfig extends ContractAzureConfig {
  backups?: Array<Partial<AzureEndpoint>>;
  weight?: number;
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

/** The factory: picks the implementation for config.model. Throws LLMError
 *  "invalid_input" synchronously for unknown models and bad config. */
export declare function createLLM(config: ModelConfig): Model;
