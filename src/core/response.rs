//! What a model returns: whole answers, stream chunks, usage and the attempts trace.

use super::error::ErrorCode;
use super::message::{write_tool_calls, ToolCall};
use crate::prelude::*;
use crate::wire::json::JsonWriter;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    Length,
    ContentFilter,
    ToolCalls,
    Unknown,
}

impl Usage {
    pub fn write(&self, w: &mut JsonWriter) {
        w.begin_obj()
            .key("promptTokens")
            .uint(self.prompt_tokens)
            .key("completionTokens")
            .uint(self.completion_tokens)
            .key("totalTokens")
            .uint(self.total_tokens)
            .opt_uint("cachedInputTokens", self.cached_input_tokens)
            .opt_uint("reasoningTokens", self.reasoning_tokens)
            .opt_num("costUsd", self.cost_usd);
        #[cfg(feature = "media")]
        self.media.write(w);
        w.end_obj();
    }

    /// USD for this usage at `pricing` (per million tokens): cached input at its own price
    /// (the input price when none is listed), the rest of the input at the input price,
    /// output (reasoning included, as providers bill it) at the output price. None when
    /// the model has no listed prices.
    pub fn cost(&self, pricing: &super::metadata::Pricing) -> Option<f64> {
        let input = pricing.input_per_m_tok?;
        let output = pricing.output_per_m_tok?;
        let cached = self
            .cached_input_tokens
            .unwrap_or(0)
            .min(self.prompt_tokens);
        let cached_price = pricing.cached_input_per_m_tok.unwrap_or(input);
        let usd = (self.prompt_tokens - cached) as f64 * input
            + cached as f64 * cached_price
            + self.completion_tokens as f64 * output;
        Some(usd / 1_000_000.0)
    }
}

impl Attempt {
    pub fn write(&self, w: &mut JsonWriter) {
        w.begin_obj().key("endpoint").str(&self.endpoint);
        w.opt_uint("status", self.status.map(u64::from))
            .opt_str("errorCode", self.error_code.map(ErrorCode::as_str));
        w.key("latencyMs").num(self.latency_ms);
        if self.skipped {
            w.key("skipped").bool(true);
        }
        #[cfg(feature = "platform")]
        for (on, key) in [
            (self.marks.hedge, "hedge"),
            (self.marks.cancelled, "cancelled"),
            (self.marks.budget_exhausted, "budgetExhausted"),
        ] {
            if on {
                w.key(key).bool(true);
            }
        }
        w.end_obj();
    }
}

pub fn write_attempts(w: &mut JsonWriter, attempts: &[Attempt]) {
    w.begin_arr();
    for a in attempts {
        a.write(w);
    }
    w.end_arr();
}

impl ToolCallDelta {
    pub fn write(&self, w: &mut JsonWriter) {
        w.begin_obj().key("index").uint(self.index as u64);
        w.opt_str("id", self.id.as_deref())
            .opt_str("name", self.name.as_deref())
            .opt_str("arguments", self.arguments.as_deref());
        w.end_obj();
    }
}

impl LlmResponse {
    pub fn to_json(&self) -> String {
        let mut w = JsonWriter::new();
        w.begin_obj()
            .key("content")
            .str(&self.content)
            .key("finishReason")
            .str(self.finish_reason.as_str());
        if let Some(calls) = &self.tool_calls {
            w.key("toolCalls");
            write_tool_calls(&mut w, calls);
        }
        w.key("usage");
        match &self.usage {
            Some(u) => u.write(&mut w),
            None => {
                w.null();
            }
        }
        w.opt_str("reasoning", self.reasoning.as_deref());
        w.key("droppedParams").begin_arr();
        for d in &self.dropped_params {
            w.str(d);
        }
        w.end_arr();
        w.key("model")
            .str(&self.model)
            .key("latencyMs")
            .num(self.latency_ms)
            .key("endpoint")
            .str(&self.endpoint)
            .key("attempts");
        write_attempts(&mut w, &self.attempts);
        w.end_obj();
        w.finish()
    }
}

impl FinishReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    /// Input tokens served from the provider's prompt cache (prompt_tokens_details).
    pub cached_input_tokens: Option<u64>,
    /// Output tokens spent reasoning (completion_tokens_details), part of completion_tokens.
    pub reasoning_tokens: Option<u64>,
    /// What the call cost at the model table's prices, when the model has them.
    pub cost_usd: Option<f64>,
    /// A media call's billed quantities (the full variant only).
    #[cfg(feature = "media")]
    pub media: MediaUsage,
}

/// What a media call is billed by, beside the token counts: the provider's token details
/// (gpt-image's text and image input tokens, its image output tokens; speech's audio
/// output tokens) or the quantities priced per unit (images, characters, seconds).
#[cfg(feature = "media")]
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct MediaUsage {
    pub text_input_tokens: Option<u64>,
    pub image_input_tokens: Option<u64>,
    pub image_output_tokens: Option<u64>,
    pub audio_output_tokens: Option<u64>,
    pub images: Option<u64>,
    pub characters: Option<u64>,
    pub seconds: Option<f64>,
}

#[cfg(feature = "media")]
impl MediaUsage {
    fn write(&self, w: &mut JsonWriter) {
        w.opt_uint("textInputTokens", self.text_input_tokens)
            .opt_uint("imageInputTokens", self.image_input_tokens)
            .opt_uint("imageOutputTokens", self.image_output_tokens)
            .opt_uint("audioOutputTokens", self.audio_output_tokens)
            .opt_uint("images", self.images)
            .opt_uint("characters", self.characters)
            .opt_num("seconds", self.seconds);
    }
}

/// One try against one endpoint. `endpoint` is an origin only: never a path, key or token.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub endpoint: String,
    pub status: Option<u16>,
    pub error_code: Option<ErrorCode>,
    pub latency_ms: f64,
    /// Left out for an open circuit (or an empty retry budget): no request was sent.
    pub skipped: bool,
    /// Hedging and the retry budget (feature `platform`).
    #[cfg(feature = "platform")]
    pub marks: Marks,
}

/// How an attempt stood in hedging and the retry budget.
#[cfg(feature = "platform")]
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Marks {
    /// Sent as a hedge while an earlier request of the call was still waiting for headers.
    pub hedge: bool,
    /// Aborted because another request of the call answered first.
    pub cancelled: bool,
    /// Not sent: the model's retry budget had no token for it.
    pub budget_exhausted: bool,
}

#[cfg(feature = "platform")]
impl Marks {
    pub fn hedge(hedge: bool) -> Marks {
        Marks {
            hedge,
            ..Marks::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct LlmResponse {
    pub content: String,
    pub finish_reason: FinishReason,
    pub tool_calls: Option<Vec<ToolCall>>,
    pub usage: Option<Usage>,
    pub model: String,
    pub latency_ms: f64,
    pub endpoint: String,
    pub attempts: Vec<Attempt>,
    /// Reasoning text the server returned beside the answer, when it did.
    pub reasoning: Option<String>,
    /// The library's names of parameters this model does not take (dropped, not sent).
    pub dropped_params: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ToolCallDelta {
    pub index: u32,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: Option<String>,
}

/// One chunk of a streamed answer, in the library's own shape.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StreamChunk {
    pub delta: String,
    pub reasoning: Option<String>,
    pub tool_call_deltas: Vec<ToolCallDelta>,
    pub finish_reason: Option<FinishReason>,
    pub usage: Option<Usage>,
}

/// Where one chunk ends in its batch's text, and what else it carries.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ChunkMark {
    /// Reasoning text this chunk carries (kept apart from the answer's text).
    pub reasoning: Option<String>,
    /// End of this chunk's delta in `ChunkBatch::text`, in UTF-16 code units (JS string
    /// offsets), so JS can slice without re-encoding.
    pub end: u32,
    pub tool_call_deltas: Vec<ToolCallDelta>,
    pub finish_reason: Option<FinishReason>,
    pub usage: Option<Usage>,
}

impl ChunkMark {
    pub fn has_meta(&self) -> bool {
        !self.tool_call_deltas.is_empty()
            || self.finish_reason.is_some()
            || self.usage.is_some()
            || self.reasoning.is_some()
    }
}

/// The chunks decoded from one network read: all their text in one string plus the marks
/// that cut it. The stream path crosses into JS once per batch, not once per chunk.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ChunkBatch {
    pub text: String,
    pub marks: Vec<ChunkMark>,
    utf16_len: u32,
    /// Set on the first batch from each response: who is serving and what it took.
    pub endpoint: Option<String>,
    pub attempts: Option<Vec<Attempt>>,
    /// With `endpoint`: the parameters the serving model does not take.
    pub dropped_params: Vec<&'static str>,
}

impl ChunkBatch {
    pub fn push(&mut self, delta: &str, mut mark: ChunkMark) {
        self.text.push_str(delta);
        self.utf16_len += if delta.is_ascii() {
            delta.len() as u32
        } else {
            delta.encode_utf16().count() as u32
        };
        mark.end = self.utf16_len;
        self.marks.push(mark);
    }

    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// The batch as separate chunks (the Rust-side view of the stream).
    pub fn chunks(&self) -> Vec<StreamChunk> {
        let units: Vec<u16> = self.text.encode_utf16().collect();
        let mut start = 0usize;
        self.marks
            .iter()
            .map(|m| {
                let end = m.end as usize;
                let delta = String::from_utf16_lossy(&units[start..end]);
                start = end;
                StreamChunk {
                    delta,
                    reasoning: m.reasoning.clone(),
                    tool_call_deltas: m.tool_call_deltas.clone(),
                    finish_reason: m.finish_reason,
                    usage: m.usage,
                }
            })
            .collect()
    }
}
