// Types of llm-edge/tokens: exact token counts, loaded only when asked.
import type { MessageParam, Model, ToolParam } from "./index.js";

/** The encodings llm-edge/tokens can load: o200k_base (gpt-4o, gpt-4.1, gpt-4.5, gpt-5,
 *  o-series) and cl100k_base (gpt-4, gpt-3.5-turbo). */
export type EncodingName = "o200k_base" | "cl100k_base";

/** A loaded encoding. */
export interface Tokenizer {
  readonly encoding: EncodingName;
  /** Tokens of plain text ("<|endoftext|>" in it counts as ordinary characters). */
  countText(text: string): number;
}

/**
 * Loads an encoding's rank table from the optional peer package gpt-tokenizer (once per
 * isolate). Rejects with LLMError "unsupported_operation" when gpt-tokenizer is not
 * installed, "invalid_input" for another encoding name.
 */
export declare function loadTokenizer(encoding?: EncodingName): Promise<Tokenizer>;

/** The encoding a model id uses, or undefined for an id of no known family. */
export declare function encodingForModel(model: string): EncodingName | undefined;

export interface CountOptions {
  /** Picks the encoding and the image rule (patch or tile costs per model family). */
  model?: string;
  /** The encoding, when the model id does not say (or to override it). */
  encoding?: EncodingName;
  /** The call's tools: counted by OpenAI's published tools formula. */
  tools?: readonly ToolParam[];
}

/**
 * Exact prompt tokens of a chat request by OpenAI's published counting rules: 3 per message
 * plus its role and content, a name plus 1, 3 for the reply primer; image_url parts by the
 * model's documented patch or tile formula (the size read from a data: URL; a URL counts as
 * the most its detail can cost). Synchronous: the encoding must be loaded first. Throws
 * LLMError "invalid_input" (with a hint) for bad input or an encoding not loaded yet.
 */
export declare function countTokens(messages: readonly MessageParam[], options: CountOptions): number;

/** Tokens an image costs on `model` by OpenAI's documented formula. */
export declare function imageTokens(imageUrl: { url: string; detail?: "auto" | "low" | "high" }, model?: string): number;

/** Width and height of PNG, GIF, JPEG or WebP bytes; undefined when the header does not say. */
export declare function imageSize(bytes: Uint8Array): [number, number] | undefined;

export interface ExactTokensOptions {
  /** Default: the encoding of llm.metadata.modelName. */
  encoding?: EncodingName;
  /** Default: llm.metadata.contextWindow (0 = unknown: no check). */
  contextWindow?: number;
}

/** A model whose calls are counted exactly before they are sent. */
export type ExactTokensModel<M> = M & {
  /** This model's exact prompt tokens for messages (and params.tools). */
  countTokens(messages: readonly MessageParam[], params?: { tools?: readonly ToolParam[] }): number;
};

/**
 * Wraps a model: getAnswer, streamAnswer and getAnswerWithVision count the prompt exactly
 * first and reject with LLMError "token_limit_exceeded" (nothing sent) when prompt plus
 * maxTokens cannot fit the context window. Everything else is the model's own.
 */
export declare function withExactTokens<M extends Pick<Model, "getAnswer" | "streamAnswer">>(llm: M, options?: ExactTokensOptions): Promise<ExactTokensModel<M>>;
