//! Chat, the first operation: the contract's get_answer and stream_answer for any model on
//! any provider. The checks of the design document run first (text output, messages,
//! parameters, token limits, and every endpoint's model rules), so bad input sends nothing.

use crate::core::context::RequestContext;
use crate::core::error::Result;
use crate::core::llm::{BaseLlm, Llm};
use crate::core::maybe_send::{boxed, boxed_stream, BoxFuture, BoxStream, Lock};
use crate::core::message::Message;
use crate::core::params::GenerationParams;
use crate::core::response::{ChunkBatch, LlmResponse, Usage};
use crate::engine::stream::{EngineStream, StreamEvent, StreamOperation};
use crate::engine::{Executor, Operation};
use crate::prelude::*;
#[cfg(feature = "bedrock")]
use crate::providers::bedrock::converse::{
    build_converse_payload, parse_converse_event, parse_converse_response,
    StreamState as ConverseState,
};
use crate::providers::chat_wire::{build_chat_payload, parse_response, parse_stream_event};
use crate::providers::{OpKind, Target, Wire};
use alloc::sync::Arc;

/// Running usage of one model on one endpoint, over the calls that reported usage.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UsageTotal {
    pub model: String,
    pub endpoint: String,
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cached_input_tokens: u64,
    pub reasoning_tokens: u64,
    /// Summed over the calls whose model has prices.
    pub cost_usd: f64,
}

/// A model's running totals, shared by its calls.
pub type Totals = Arc<Lock<Vec<UsageTotal>>>;

/// Prices `usage` at the serving model's prices and adds it to the totals.
fn account(totals: &Totals, target: &dyn Target, usage: &mut Usage) {
    let meta = &target.profile().meta;
    usage.cost_usd = usage.cost(&meta.pricing);
    let mut all = totals.lock();
    let at = match all
        .iter()
        .position(|t| t.model == meta.model_name && t.endpoint == target.origin())
    {
        Some(i) => i,
        None => {
            all.push(UsageTotal {
                model: meta.model_name.clone(),
                endpoint: target.origin().to_string(),
                ..Default::default()
            });
            all.len() - 1
        }
    };
    let t = &mut all[at];
    t.requests += 1;
    t.prompt_tokens += usage.prompt_tokens;
    t.completion_tokens += usage.completion_tokens;
    t.cached_input_tokens += usage.cached_input_tokens.unwrap_or(0);
    t.reasoning_tokens += usage.reasoning_tokens.unwrap_or(0);
    t.cost_usd += usage.cost_usd.unwrap_or(0.0);
}

/// The totals as JSON for the bindings: [{ model, endpoint, requests, promptTokens, ... }].
pub fn write_totals(totals: &Totals) -> String {
    let mut w = crate::wire::json::JsonWriter::new();
    w.begin_arr();
    for t in totals.lock().iter() {
        w.begin_obj()
            .key("model")
            .str(&t.model)
            .key("endpoint")
            .str(&t.endpoint)
            .key("requests")
            .uint(t.requests)
            .key("promptTokens")
            .uint(t.prompt_tokens)
            .key("completionTokens")
            .uint(t.completion_tokens)
            .key("cachedInputTokens")
            .uint(t.cached_input_tokens)
            .key("reasoningTokens")
            .uint(t.reasoning_tokens)
            .key("costUsd")
            .num(t.cost_usd)
            .end_obj();
    }
    w.end_arr();
    w.finish()
}

/// What a model asks for when a stream that already showed text resumes elsewhere.
pub const CONTINUE_PROMPT: &str = "Your previous answer was cut off. Continue it exactly where it stopped, without repeating anything.";

/// One chat request: the messages and the merged parameters, before any model's rules.
pub struct ChatOp {
    messages: Vec<Message>,
    /// How many of `messages` are the caller's conversation (the rest: a continuation's).
    conversation: usize,
    params: GenerationParams,
    stream: bool,
    /// Tool-call indexes whose id and name were delivered: some servers (llama.cpp) repeat
    /// them on every delta, which a caller concatenating deltas would double. Delivered
    /// once, as OpenAI does.
    tool_heads: Lock<Vec<u32>>,
    /// The model's running usage (streams add theirs when the usage chunk arrives).
    totals: Totals,
    /// Bedrock's stream: which content blocks are tool calls.
    #[cfg(feature = "bedrock")]
    converse: Lock<ConverseState>,
}

impl ChatOp {
    fn new(messages: Vec<Message>, params: GenerationParams, stream: bool, totals: Totals) -> Self {
        ChatOp {
            totals,
            conversation: messages.len(),
            messages,
            params,
            stream,
            tool_heads: Lock::default(),
            #[cfg(feature = "bedrock")]
            converse: Lock::default(),
        }
    }

    fn drop_repeated_tool_heads(&self, batch: &mut ChunkBatch, from: usize) {
        // Most events carry text only: no lock on the per-event path for them.
        let marks = batch.marks.get(from..).unwrap_or(&[]);
        if marks.iter().all(|m| m.tool_call_deltas.is_empty()) {
            return;
        }
        let mut heads = self.tool_heads.lock();
        for mark in batch.marks.iter_mut().skip(from) {
            for d in &mut mark.tool_call_deltas {
                if heads.contains(&d.index) {
                    d.id = None;
                    d.name = None;
                } else if d.id.is_some() || d.name.is_some() {
                    heads.push(d.index);
                }
            }
        }
    }
}

fn dropped_by(target: &dyn Target, params: &GenerationParams) -> Vec<&'static str> {
    let p = target.profile();
    p.rules
        .transform(params, &p.meta.model_name)
        .map(|t| t.dropped)
        .unwrap_or_default()
}

impl Operation for ChatOp {
    fn kind(&self) -> OpKind {
        OpKind::Chat {
            stream: self.stream,
        }
    }

    fn body(&self, target: &dyn Target) -> Result<String> {
        let profile = target.profile();
        let t = profile
            .rules
            .transform(&self.params, &profile.meta.model_name)?;
        #[cfg(feature = "bedrock")]
        if target.wire() == Wire::Converse {
            return build_converse_payload(&self.messages, &t.wire, self.params.extra.as_deref());
        }
        build_chat_payload(
            &self.messages,
            &t.wire,
            self.params.extra.as_deref(),
            self.stream,
            target.body_model(),
        )
    }
}

impl StreamOperation for ChatOp {
    fn event(
        &self,
        target: &dyn Target,
        data: &str,
        batch: &mut ChunkBatch,
    ) -> Result<StreamEvent> {
        let from = batch.marks.len();
        let ev = match target.wire() {
            Wire::ChatCompletions => parse_stream_event(data, batch)?,
            #[cfg(not(feature = "bedrock"))]
            Wire::Converse => return Err(crate::config::bedrock_not_built()),
            #[cfg(feature = "bedrock")]
            Wire::Converse => parse_converse_event(data, &mut self.converse.lock(), batch)?,
        };
        self.drop_repeated_tool_heads(batch, from);
        for mark in batch.marks.iter_mut().skip(from) {
            if let Some(u) = mark.usage.as_mut() {
                account(&self.totals, target, u);
            }
        }
        Ok(ev)
    }

    fn finished(&self, batch: &ChunkBatch, from: usize) -> bool {
        batch
            .marks
            .get(from..)
            .is_some_and(|m| m.iter().any(|m| m.finish_reason.is_some()))
    }

    fn continuation(&self, partial: &str) -> Option<Result<Arc<dyn StreamOperation>>> {
        // Always from the caller's conversation plus everything delivered so far: a second
        // failover must not continue a continuation (the model would see the first partial
        // and the whole partial as two turns and repeat text).
        let mut messages: Vec<Message> = self
            .messages
            .get(..self.conversation)
            .unwrap_or(&self.messages)
            .to_vec();
        messages.push(Message::assistant(partial));
        messages.push(Message::user(CONTINUE_PROMPT));
        let mut op = ChatOp::new(messages, self.params.clone(), true, self.totals.clone());
        op.conversation = self.conversation;
        Some(Ok(Arc::new(op)))
    }

    fn notes(&self, exec: &Executor, i: usize) -> Vec<&'static str> {
        dropped_by(exec.target(i), &self.params)
    }
}

/// A model made by the factory: the BaseLLM helpers bound to its metadata, and the
/// executor over its endpoints.
pub struct ChatModel {
    pub helpers: BaseLlm,
    pub exec: Arc<Executor>,
    pub totals: Totals,
}

impl ChatModel {
    /// The checks every call runs first, in the design document's order.
    fn prepare(&self, messages: &[Message], params: &GenerationParams) -> Result<GenerationParams> {
        self.helpers.check_text_output_support()?;
        self.exec.check_open()?;
        self.helpers.validate_messages(messages)?;
        params.validate()?;
        let merged = self.helpers.merge_parameters(params);
        self.helpers
            .validate_token_limits(messages, merged.max_tokens)?;
        // Every endpoint's model must accept the parameters, so a backup never turns out
        // to refuse them after the primary failed.
        for t in self.exec.targets() {
            let p = t.profile();
            p.rules.transform(&merged, &p.meta.model_name)?;
        }
        Ok(merged)
    }
}

impl Llm for ChatModel {
    fn get_answer(
        &self,
        messages: Vec<Message>,
        ctx: RequestContext,
        params: GenerationParams,
    ) -> BoxFuture<'static, Result<LlmResponse>> {
        let prepared = self.prepare(&messages, &params);
        let exec = self.exec.clone();
        let totals = self.totals.clone();
        boxed(async move {
            let op = ChatOp::new(messages, prepared?, false, totals.clone());
            let served = exec
                .complete(&op, &ctx, |t, body| match t.wire() {
                    Wire::ChatCompletions => parse_response(body),
                    #[cfg(not(feature = "bedrock"))]
                    Wire::Converse => Err(crate::config::bedrock_not_built()),
                    #[cfg(feature = "bedrock")]
                    Wire::Converse => parse_converse_response(body, &t.profile().meta.model_name),
                })
                .await?;
            let mut p = served.value;
            if let Some(u) = p.usage.as_mut() {
                account(&totals, exec.target(served.endpoint), u);
            }
            Ok(LlmResponse {
                content: p.content,
                finish_reason: p.finish_reason,
                tool_calls: p.tool_calls,
                usage: p.usage,
                model: p.model,
                latency_ms: served.latency_ms,
                endpoint: served.origin,
                attempts: served.attempts,
                reasoning: p.reasoning,
                dropped_params: dropped_by(exec.target(served.endpoint), &op.params),
            })
        })
    }

    fn stream_answer(
        &self,
        messages: Vec<Message>,
        ctx: RequestContext,
        params: GenerationParams,
    ) -> BoxStream<'static, Result<ChunkBatch>> {
        let params = match self.prepare(&messages, &params) {
            Ok(p) => p,
            Err(e) => return boxed_stream(futures::stream::once(async move { Err(e) })),
        };
        let op = Arc::new(ChatOp::new(messages, params, true, self.totals.clone()));
        let s = EngineStream::new(self.exec.clone(), ctx, op);
        boxed_stream(futures::stream::unfold(s, |mut s| async move {
            s.next_batch().await.map(|item| (item, s))
        }))
    }
}
